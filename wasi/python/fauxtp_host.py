"""fauxtp_host: drives fauxtp's WASI reactor (bindings/wasi_reactor.c) from
Python on the `wasmtime` package, with a tiny codec for Erlang's external
term format (ETF).

    python3 wasi/python/fauxtp_host.py [build/wasi/bindings/fauxtp-reactor.wasm]

runs a short demo. As a library:

    from fauxtp_host import Atom, Reactor
    with Reactor("build/wasi/bindings/fauxtp-reactor.wasm") as reactor:
        rt = reactor.runtime()
        pid = rt.spawn("demo", name="store")     # a built-in C GenServer
        rt.call(pid, (Atom("put"), b"k", 42))     # -> Atom('ok')
        rt.call("store", (Atom("get"), b"k"))     # -> (Atom('ok'), 42)

Terms map to Python values as: integer <-> int, float <-> float, atom <->
Atom (a str; True and False encode as the atoms true and false), binary <->
bytes (a str encodes as UTF-8 bytes), tuple <-> tuple, list <-> list.

Errors: a negative result from an export raises FauxtpError (its .code is
the FX_E* number, .name its name); a call that fails raises CallExit (the
server exited, or was not alive: .reason) or CallTimeout. Arguments with
no meaning (an int past an i64, an atom past 65535 bytes, an empty name)
raise ValueError or TypeError before anything reaches the module; once a
Reactor is closed, every call into it raises FauxtpError FX_ESTATE.

wasi/python/test_fauxtp_host.py tests it (pytest; ctest runs it on the wasi
preset with FAUXTP_REACTOR_WASM set to the built module)."""
import struct
import sys
import time

import wasmtime

# ---- error codes (core/include/fauxtp/error.h) ----------------------------

ERRORS = {
    -1: "FX_ENOMEM", -2: "FX_EINVAL", -3: "FX_EBADTERM", -4: "FX_ETRUNCATED",
    -5: "FX_ETOODEEP", -6: "FX_ETOOBIG", -7: "FX_EBADUTF8", -8: "FX_EBADTAG",
    -9: "FX_EBADVERSION", -10: "FX_ENOSPACE", -11: "FX_ENOPROC", -12: "FX_EBADNAME",
    -13: "FX_ENAMETAKEN", -14: "FX_EBADPATTERN", -15: "FX_ETIMEDOUT", -16: "FX_EEXIT",
    -17: "FX_ENOTFOUND", -18: "FX_ESTATE", -19: "FX_ELIMIT", -20: "FX_ECALLBACK",
}
CODES = {name: code for code, name in ERRORS.items()}

RUN_IDLE = 1    # FX_RUN_IDLE: run until nothing is runnable or due
RUN_NOWAIT = 3  # FX_RUN_NOWAIT: one pass
_PENDING = 1    # fx_reactor_call_result: the call has not completed


class FauxtpError(Exception):
    """An export returned a negative FX_E* code."""

    def __init__(self, code, what=""):
        self.code = code
        self.name = ERRORS.get(code, f"error {code}")
        super().__init__(f"{what}: {self.name}" if what else self.name)


class CallExit(FauxtpError):
    """The called server exited (FX_EEXIT) or was not alive (FX_ENOPROC);
    .reason is the exit reason (Atom('noproc') for the latter)."""

    def __init__(self, code, reason):
        super().__init__(code, f"the server exited: {reason!r}")
        self.reason = reason


class CallTimeout(FauxtpError):
    """No reply within the call's timeout."""


class Atom(str):
    """An Erlang atom (a str subclass, so Atom('ok') == 'ok')."""

    def __repr__(self):
        return f"Atom({str.__repr__(self)})"


# ---- the external term format ------------------------------------------------

def encode(term):
    """The ETF bytes of a Python value (version byte included)."""
    out = bytearray(b"\x83")
    _encode(term, out)
    return bytes(out)


def _encode_int(n, out):
    if 0 <= n <= 255:
        out += struct.pack(">BB", 97, n)
    elif -2**31 <= n < 2**31:
        out += struct.pack(">Bi", 98, n)
    else:
        digits = abs(n).to_bytes((abs(n).bit_length() + 7) // 8, "little")
        head = struct.pack(">BB", 110, len(digits)) if len(digits) < 256 else struct.pack(">BI", 111, len(digits))
        out += head + bytes([n < 0]) + digits


def _encode_atom(text, out):
    data = text.encode("utf-8")
    if len(data) > 65535:
        raise ValueError("an atom of more than 65535 bytes has no term")
    out += struct.pack(">BB", 119, len(data)) if len(data) < 256 else struct.pack(">BH", 118, len(data))
    out += data


def _encode(t, out):
    if isinstance(t, bool):
        _encode_atom("true" if t else "false", out)
    elif isinstance(t, Atom):
        _encode_atom(t, out)
    elif isinstance(t, int):
        _encode_int(t, out)
    elif isinstance(t, float):
        out += struct.pack(">Bd", 70, t)
    elif isinstance(t, (bytes, bytearray, str)):
        data = t.encode("utf-8") if isinstance(t, str) else bytes(t)
        out += struct.pack(">BI", 109, len(data)) + data
    elif isinstance(t, tuple):
        out += struct.pack(">BB", 104, len(t)) if len(t) < 256 else struct.pack(">BI", 105, len(t))
        for x in t:
            _encode(x, out)
    elif isinstance(t, list):
        if t:
            out += struct.pack(">BI", 108, len(t))
            for x in t:
                _encode(x, out)
        out.append(106)  # [] ends the list
    else:
        raise TypeError(f"no term for a {type(t).__name__}")


def decode(data):
    """The Python value of ETF bytes; ValueError when they are malformed or
    hold a type this codec does not handle (pids, references, maps...)."""
    if data[:1] != b"\x83":
        raise ValueError("not ETF version 131")
    term, end = _decode(bytes(data), 1)
    if end != len(data):
        raise ValueError("trailing bytes after the term")
    return term


def _take(data, pos, n):
    if pos + n > len(data):
        raise ValueError("truncated ETF")
    return data[pos:pos + n], pos + n


def _decode(data, pos):
    """One term from pos, with a stack of its open tuples and lists rather
    than recursion: the module nests terms 512 deep, deeper than Python's
    default recursion limit allows."""
    stack = []  # [kind, elements still to read, elements read]
    while True:
        tag, pos = _take(data, pos, 1)
        tag = tag[0]
        if tag in (97, 98, 70, 100, 115, 118, 119, 109, 107):
            value, pos = _decode_flat(tag, data, pos)
        elif tag in (110, 111):  # SMALL_BIG, LARGE_BIG
            head, pos = _take(data, pos, 1 if tag == 110 else 4)
            n = head[0] if tag == 110 else struct.unpack(">I", head)[0]
            sign_digits, pos = _take(data, pos, 1 + n)
            value = int.from_bytes(sign_digits[1:], "little")
            value = -value if sign_digits[0] else value
        elif tag in (104, 105):  # SMALL_TUPLE, LARGE_TUPLE
            head, pos = _take(data, pos, 1 if tag == 104 else 4)
            n = head[0] if tag == 104 else struct.unpack(">I", head)[0]
            if n:
                stack.append(["tuple", n, []])
                continue
            value = ()
        elif tag == 106:  # NIL
            value = []
        elif tag == 108:  # LIST: its elements, then its tail
            head, pos = _take(data, pos, 4)
            n = struct.unpack(">I", head)[0]
            stack.append(["list", n, []] if n else ["tail", 0, []])
            continue
        else:
            raise ValueError(f"unsupported ETF tag {tag}")
        # A whole term: it completes the open terms it ends.
        while stack:
            frame = stack[-1]
            if frame[0] == "tail":
                stack.pop()
                if value != []:
                    raise ValueError("an improper list")
                value = frame[2]
                continue
            frame[2].append(value)
            frame[1] -= 1
            if frame[1]:
                break
            if frame[0] == "tuple":
                stack.pop()
                value = tuple(frame[2])
                continue
            frame[0] = "tail"  # the list's elements are read: its tail is next
            break
        else:
            return value, pos


def _decode_flat(tag, data, pos):
    """Integers, floats, atoms, binaries and byte strings."""
    if tag == 97:
        b, pos = _take(data, pos, 1)
        return b[0], pos
    if tag == 98:
        b, pos = _take(data, pos, 4)
        return struct.unpack(">i", b)[0], pos
    if tag == 70:
        b, pos = _take(data, pos, 8)
        return struct.unpack(">d", b)[0], pos
    size = {100: 2, 115: 1, 118: 2, 119: 1, 109: 4, 107: 2}[tag]
    head, pos = _take(data, pos, size)
    n = int.from_bytes(head, "big")
    body, pos = _take(data, pos, n)
    if tag == 109:
        return body, pos
    if tag == 107:  # STRING_EXT: a list of bytes
        return list(body), pos
    return Atom(body.decode("utf-8" if tag in (118, 119) else "latin-1")), pos


# ---- the module --------------------------------------------------------------

def _i64(v, what):
    """v as an export's i64 argument: wasmtime would wrap a bigger int
    round, and 2**64 + pid would name pid."""
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int")
    if not -2**63 <= v < 2**63:
        raise ValueError(f"{what} {v} is out of range")
    return v


def _check_name(name, what):
    """A registered name: a non-empty str (it becomes an atom)."""
    if not isinstance(name, str):
        raise TypeError(f"{what}: a name is a str, not a {type(name).__name__}")
    if not name:
        raise ValueError(f"{what}: a name is a non-empty str")


class Reactor:
    """One instance of the reactor module: its exports and its memory."""

    def __init__(self, wasm_path):
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        wasi = wasmtime.WasiConfig()
        wasi.inherit_stdout()
        wasi.inherit_stderr()
        self.store.set_wasi(wasi)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        module = wasmtime.Module.from_file(engine, wasm_path)
        self.instance = linker.instantiate(self.store, module)
        self._exports = self.instance.exports(self.store)
        self.memory = self._exports["memory"]
        self._exports["_initialize"](self.store)  # a reactor's constructors
        self.closed = False
        self._scratch = self.check(self.raw("fx_reactor_malloc", 8), "malloc")  # out words

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Frees the instance's own block; afterwards every export call (its
        runtimes' too) raises FauxtpError FX_ESTATE."""
        if not self.closed:
            self.raw("fx_reactor_free", self._scratch)
            self.closed = True

    def raw(self, name, *args):
        """Calls an export as is: its result, errors included."""
        if self.closed:
            raise FauxtpError(CODES["FX_ESTATE"], f"{name}: the reactor is closed")
        return self._exports[name](self.store, *args)

    @staticmethod
    def check(result, what=""):
        if result < 0:
            raise FauxtpError(result, what)
        return result

    def put(self, data):
        """Copies bytes into a fresh block of memory: (address, length)."""
        ptr = self.check(self.raw("fx_reactor_malloc", max(len(data), 1)), "malloc")
        self.memory.write(self.store, data, ptr)
        return ptr, len(data)

    def free(self, ptr):
        self.check(self.raw("fx_reactor_free", ptr), "free")

    def read(self, ptr, length):
        return bytes(self.memory.read(self.store, ptr, ptr + length))

    def with_bytes(self, data, fn):
        """fn(address, length) with data in memory for the duration."""
        ptr, length = self.put(data)
        try:
            return fn(ptr, length)
        finally:
            self.free(ptr)

    def take_call_result(self, handle, call_id):
        """(status, ETF bytes), or None while the call is pending."""
        out = self._scratch
        status = self.raw("fx_reactor_call_result", handle, call_id, out, out + 4)
        if status == _PENDING:
            return None
        if status < 0 and status not in (CODES["FX_ETIMEDOUT"], CODES["FX_EEXIT"]):
            raise FauxtpError(status, "call result")
        ptr, length = struct.unpack("<II", self.read(out, 8))
        data = self.read(ptr, length)
        self.free(ptr)
        return status, data

    def runtime(self):
        return Runtime(self)


class Runtime:
    """A runtime inside the module, named by its handle."""

    def __init__(self, reactor):
        self.reactor = reactor
        self.handle = reactor.check(reactor.raw("fx_reactor_new"), "new runtime")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.handle and not self.reactor.closed:
            self.reactor.check(self.reactor.raw("fx_reactor_delete", self.handle), "delete runtime")
            self.handle = 0

    def _named(self, export, name, *rest):
        """Calls export(handle, name_ptr, name_len, *rest)."""
        _check_name(name, export.removeprefix("fx_reactor_"))
        return self.reactor.with_bytes(name.encode("utf-8"), lambda p, n: self.reactor.raw(export, self.handle, p, n, *rest))

    def spawn(self, server="demo", name=None):
        """Starts a built-in GenServer, registered under name if given; its pid."""
        r = self.reactor
        if not isinstance(server, str):
            raise TypeError("spawn: the server is a str")
        if name is not None:
            _check_name(name, "spawn")

        def spawn(server_ptr, server_len):
            if name is None:
                return r.raw("fx_reactor_spawn", self.handle, server_ptr, server_len, 0, 0)
            return r.with_bytes(name.encode("utf-8"), lambda p, n: r.raw(
                "fx_reactor_spawn", self.handle, server_ptr, server_len, p, n))
        return r.check(r.with_bytes(server.encode("utf-8"), spawn), "spawn")

    def whereis(self, name):
        return self.reactor.check(self._named("fx_reactor_whereis", name), "whereis")

    def is_alive(self, pid):
        return bool(self.reactor.check(self.reactor.raw("fx_reactor_is_alive", self.handle, _i64(pid, "pid")), "is_alive"))

    def send(self, to, message):
        """Sends message to a pid (int) or a registered name (str)."""
        r = self.reactor
        data = encode(message)
        if isinstance(to, str):
            result = r.with_bytes(data, lambda p, n: self._named("fx_reactor_send_named", to, p, n))
        else:
            result = r.with_bytes(data, lambda p, n: r.raw("fx_reactor_send", self.handle, _i64(to, "pid"), p, n))
        r.check(result, "send")

    def call_start(self, to, request, timeout_ms=5000, etf=None):
        """Starts a call; its id. `etf` sends those bytes instead of request."""
        r = self.reactor
        data = encode(request) if etf is None else etf
        timeout_ms = _i64(timeout_ms, "timeout_ms")
        if isinstance(to, str):
            cid = r.with_bytes(data, lambda p, n: self._named("fx_reactor_call_named", to, p, n, timeout_ms))
        else:
            cid = r.with_bytes(data, lambda p, n: r.raw("fx_reactor_call", self.handle, _i64(to, "pid"), p, n, timeout_ms))
        if cid == CODES["FX_ENOPROC"]:
            raise CallExit(cid, Atom("noproc"))
        return r.check(cid, "call")

    def call_result(self, call_id):
        """(True, reply) once the call completed, else (False, None); raises
        CallExit or CallTimeout for a call that failed."""
        outcome = self.reactor.take_call_result(self.handle, _i64(call_id, "call_id"))
        if outcome is None:
            return False, None
        status, data = outcome
        value = decode(data) if data else None
        if status == CODES["FX_EEXIT"]:
            raise CallExit(status, value)
        if status == CODES["FX_ETIMEDOUT"]:
            raise CallTimeout(status, "call")
        return True, value

    def call(self, to, request, timeout_ms=5000, etf=None):
        """Calls a server and runs the loop (sleeping until each next timer)
        until the reply, the server's exit or the timeout."""
        call_id = self.call_start(to, request, timeout_ms, etf)
        while True:
            self.run(RUN_IDLE)
            done, value = self.call_result(call_id)
            if done:
                return value
            wait_ms = self.next_timeout()
            if wait_ms < 0:
                raise FauxtpError(CODES["FX_ESTATE"], "a call is pending but nothing is scheduled")
            time.sleep(wait_ms / 1000)

    def run(self, mode=RUN_IDLE):
        """Runs the loop without sleeping; 1 when work remains, else 0."""
        if mode not in (RUN_IDLE, RUN_NOWAIT) or isinstance(mode, bool):
            raise ValueError(f"run: mode {mode!r} is neither RUN_IDLE nor RUN_NOWAIT")
        return self.reactor.check(self.reactor.raw("fx_reactor_run", self.handle, mode), "run")

    def next_timeout(self):
        """Milliseconds until the next timer (0: work is ready), -1 if none."""
        result = self.reactor.raw("fx_reactor_next_timeout", self.handle)
        return result if result >= -1 else self.reactor.check(result, "next_timeout")

    def next_deadline(self):
        """The next timer's due time on the module's clock (ms), -1 if none."""
        result = self.reactor.raw("fx_reactor_next_deadline", self.handle)
        return result if result >= -1 else self.reactor.check(result, "next_deadline")


def main(argv):
    path = argv[1] if len(argv) > 1 else "build/wasi/bindings/fauxtp-reactor.wasm"
    with Reactor(path) as reactor, reactor.runtime() as rt:
        pid = rt.spawn("demo", name="store")
        print("spawned the demo server:", pid)
        for request in [Atom("ping"), (Atom("add"), 40), (Atom("add"), 2),
                        (Atom("put"), b"lang", b"erlang"), (Atom("get"), b"lang"),
                        (Atom("echo"), [1, 2**70, -3.5, (Atom("a"), b"b")]), (Atom("sleep"), 100)]:
            print(f"call {request!r} -> {rt.call('store', request)!r}")
        try:
            rt.call(pid, (Atom("crash"), Atom("boom")))
        except CallExit as e:
            print("call {crash, boom} -> the server exited:", e.reason)
        try:
            rt.call(pid, Atom("ping"))
        except CallExit as e:
            print("call ping after the crash ->", e.reason)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
