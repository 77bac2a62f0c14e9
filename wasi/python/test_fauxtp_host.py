"""Tests of the WASI reactor (bindings/wasi_reactor.c) through its Python
host, fauxtp_host.py, on the wasmtime package:

    FAUXTP_REACTOR_WASM=build/wasi/bindings/fauxtp-reactor.wasm python3 -m pytest -q wasi/python

ctest runs this on the wasi preset (test `reactor.pytest`), with the
variable set to the module it built. Without it, the tests look for
build/wasi/bindings/fauxtp-reactor.wasm and skip if it is not there."""
import os
import pathlib
import re
import time

import pytest

from fauxtp_host import CODES, ERRORS, Atom, CallExit, CallTimeout, FauxtpError, Reactor, decode, encode

ROOT = pathlib.Path(__file__).resolve().parents[2]


def wasm_path():
    path = os.environ.get("FAUXTP_REACTOR_WASM")
    if path:
        return path
    default = ROOT / "build/wasi/bindings/fauxtp-reactor.wasm"
    if not default.exists():
        pytest.skip("no reactor module: build the wasi preset or set FAUXTP_REACTOR_WASM")
    return str(default)


@pytest.fixture(scope="module")
def reactor():
    with Reactor(wasm_path()) as r:
        yield r


@pytest.fixture
def rt(reactor):
    with reactor.runtime() as runtime:
        yield runtime


@pytest.fixture
def server(rt):
    return rt.spawn("demo", name="store")


def raises_code(name, fn, *args):
    with pytest.raises(FauxtpError) as info:
        fn(*args)
    assert info.value.name == name, info.value
    return info.value


# ---- the codec alone ----

def test_codec_writes_what_term_to_binary_writes():
    # term_to_binary({ok, 1, <<"b">>, [a], -1, 300}, [{minor_version, 2}])
    assert encode((Atom("ok"), 1, b"b", [Atom("a")], -1, 300)) == bytes(
        [131, 104, 6, 119, 2, 111, 107, 97, 1, 109, 0, 0, 0, 1, 98,
         108, 0, 0, 0, 1, 119, 1, 97, 106, 98, 255, 255, 255, 255, 98, 0, 0, 1, 44])


@pytest.mark.parametrize("value", [
    0, 255, 256, -1, 2**31 - 1, -2**31, 2**64, -(2**100), 1.5, Atom("ok"), Atom("é" * 100),
    b"", b"\x00\xff", (), (1, (2, (3,))), [], [1, [2, []]], tuple(range(300)),
])
def test_codec_round_trips(value):
    assert decode(encode(value)) == value


def test_codec_refuses_malformed_bytes():
    for bad in [b"", b"\x84a\x01", b"\x83h\x02a\x01", b"\x83a\x01\x00", b"\x83z"]:
        with pytest.raises(ValueError):
            decode(bad)


def test_error_names_match_the_header():
    header = ROOT / "core/include/fauxtp/error.h"
    if not header.exists():
        pytest.skip("no source tree")
    found = re.findall(r"X\((\w+),\s*(-\d+),", header.read_text())
    assert {int(code): "FX_E" + name for name, code in found} == ERRORS


# ---- calls ----

def test_ping_and_counter(rt, server):
    assert rt.call(server, Atom("ping")) == Atom("pong")
    assert rt.call(server, (Atom("add"), 40)) == 40
    assert rt.call(server, (Atom("add"), 2)) == 42
    assert rt.call(server, (Atom("add"), Atom("x"))) == (Atom("error"), Atom("badarg"))
    assert rt.call(server, Atom("what")) == (Atom("error"), Atom("unknown_request"))


def test_put_and_get(rt, server):
    assert rt.call(server, (Atom("get"), b"k")) == Atom("not_found")
    assert rt.call(server, (Atom("put"), b"k", [1, 2])) == Atom("ok")
    assert rt.call(server, (Atom("put"), 7, Atom("seven"))) == Atom("ok")
    assert rt.call(server, (Atom("put"), b"k", b"v")) == Atom("ok")
    assert rt.call(server, (Atom("get"), b"k")) == (Atom("ok"), b"v")
    assert rt.call(server, (Atom("get"), 7)) == (Atom("ok"), Atom("seven"))


@pytest.mark.parametrize("value", [
    0, -5, 2**59, 2**61, -(2**200), 3.25, Atom("hello"), b"bytes", [], [1, [2], (3,)],
    (Atom("nested"), (b"", [Atom("deep"), (1, 2, 3)])),
])
def test_echo_round_trips_terms(rt, server, value):
    assert rt.call(server, (Atom("echo"), value)) == value


def test_call_and_send_by_registered_name(rt, server):
    assert rt.whereis("store") == server
    rt.send("store", (Atom("add"), 5))
    rt.send(server, (Atom("add"), 6))
    assert rt.call("store", (Atom("add"), 0)) == 11
    raises_code("FX_EBADNAME", rt.whereis, "nobody")
    raises_code("FX_EBADNAME", rt.call, "nobody", Atom("ping"))
    raises_code("FX_EBADNAME", rt.send, "nobody", Atom("ping"))
    raises_code("FX_ENAMETAKEN", rt.spawn, "demo", "store")


def test_deferred_reply_waits_for_the_timer(rt, server):
    t0 = time.monotonic()
    assert rt.call(server, (Atom("sleep"), 50)) == Atom("ok")
    assert time.monotonic() - t0 >= 0.045


def test_timeout(rt, server):
    with pytest.raises(CallTimeout):
        rt.call(server, (Atom("sleep"), 2000), timeout_ms=30)
    assert rt.call(server, Atom("ping")) == Atom("pong")  # the late reply was dropped


def test_crash_gives_the_reason_then_noproc(rt, server):
    with pytest.raises(CallExit) as info:
        rt.call(server, (Atom("crash"), (Atom("boom"), 1)))
    assert info.value.reason == (Atom("boom"), 1)
    assert not rt.is_alive(server)
    with pytest.raises(CallExit) as info:
        rt.call(server, Atom("ping"))
    assert info.value.reason == Atom("noproc")


# ---- bad input: error codes, never traps ----

def test_unknown_pid_gives_noproc(rt, server):
    for pid in [server + (1 << 32), 12345, 2**62]:
        with pytest.raises(CallExit) as info:
            rt.call(pid, Atom("ping"))
        assert info.value.reason == Atom("noproc")
        raises_code("FX_ENOPROC", rt.send, pid, Atom("ping"))
        assert not rt.is_alive(pid)


@pytest.mark.parametrize("etf,name", [
    (b"", "FX_ETRUNCATED"),
    (b"\x84a\x01", "FX_EBADVERSION"),
    (b"\x83\xff", "FX_EBADTAG"),
    (b"\x83h\x03a\x01", "FX_ETRUNCATED"),
    (b"\x83a\x01\x00", "FX_EBADTERM"),
])
def test_bad_etf_is_an_error(rt, server, etf, name):
    raises_code(name, rt.call, server, None, 1000, etf)
    assert rt.call(server, Atom("ping")) == Atom("pong")


def test_bad_etf_in_a_send_is_an_error(rt, server, reactor):
    err = reactor.with_bytes(b"\x83\xff", lambda p, n: reactor.raw("fx_reactor_send", rt.handle, server, p, n))
    assert ERRORS[err] == "FX_EBADTAG"


def test_bad_handles_ranges_and_ids(rt, server, reactor):
    einval = CODES["FX_EINVAL"]
    assert reactor.raw("fx_reactor_run", 12345, 1) == einval          # no such runtime
    assert reactor.raw("fx_reactor_run", -8, 1) == einval
    assert reactor.raw("fx_reactor_run", rt.handle, 0) == einval      # FX_RUN_DEFAULT would block
    assert reactor.raw("fx_reactor_send", rt.handle, server, -16, 64) == einval  # past the end of memory
    assert reactor.raw("fx_reactor_send", rt.handle, server, 0, 4) == einval     # NULL
    assert reactor.raw("fx_reactor_call", rt.handle, server, 8, 4, -2) == einval  # timeout below -1
    assert reactor.raw("fx_reactor_free", 12345) == einval             # not a block
    assert reactor.raw("fx_reactor_call_result", rt.handle, 12345, 0, 0) == CODES["FX_ENOTFOUND"]
    assert reactor.with_bytes(b"nope", lambda p, n: reactor.raw(
        "fx_reactor_spawn", rt.handle, p, n, 0, 0)) == CODES["FX_ENOTFOUND"]
    assert rt.call(server, Atom("ping")) == Atom("pong")


def test_a_call_result_is_taken_once(rt, server, reactor):
    call_id = rt.call_start(server, Atom("ping"))
    assert rt.call_result(call_id) == (False, None)
    rt.run()
    # nowhere to write the outcome: an error, and the outcome stays
    assert reactor.raw("fx_reactor_call_result", rt.handle, call_id, 0, 0) == CODES["FX_EINVAL"]
    assert rt.call_result(call_id) == (True, Atom("pong"))
    raises_code("FX_ENOTFOUND", rt.call_result, call_id)


# ---- the loop and runtimes ----

def test_next_timeout_and_deadline(rt, server):
    assert rt.next_timeout() == -1 and rt.next_deadline() == -1
    call_id = rt.call_start(server, (Atom("sleep"), 200))
    assert rt.run() == 1  # the sleep timer (and the call's own) are pending
    assert 0 < rt.next_timeout() <= 200
    assert rt.next_deadline() > 0
    time.sleep(rt.next_timeout() / 1000)
    rt.run()
    assert rt.call_result(call_id) == (True, Atom("ok"))


def test_runtimes_are_independent(reactor, rt, server):
    with reactor.runtime() as other:
        raises_code("FX_EBADNAME", other.whereis, "store")
        other_server = other.spawn("demo", name="store")
        assert other.call(other_server, (Atom("add"), 1)) == 1
        assert rt.call(server, (Atom("add"), 100)) == 100
        handle = other.handle
    assert reactor.raw("fx_reactor_delete", handle) == CODES["FX_EINVAL"]  # already deleted
    assert rt.call(server, Atom("ping")) == Atom("pong")


def test_terms_as_deep_as_the_module_takes_come_back(rt, server):
    # 500 deep: past Python's recursion limit for a recursive decoder, within
    # the module's 512 (FX_ETF_MAX_DEPTH); a reply, and a crash reason.
    deep = 1
    for _ in range(500):
        deep = (deep,)
    deep_list = [1]
    for _ in range(500):
        deep_list = [deep_list, 2]
    assert rt.call(server, (Atom("echo"), deep)) == deep
    assert rt.call(server, (Atom("echo"), deep_list)) == deep_list
    with pytest.raises(CallExit) as e:
        rt.call(server, (Atom("crash"), deep))
    assert e.value.reason == deep
    with pytest.raises(ValueError):
        decode(b"\x83l\x00\x00\x00\x01a\x01a\x02")  # [1 | 2]: improper


def test_ints_that_do_not_fit_an_i64_are_refused(rt, server):
    with pytest.raises(ValueError):
        rt.is_alive(2**64 + server)
    with pytest.raises(ValueError):
        rt.call(2**64 + server, Atom("ping"))
    with pytest.raises(ValueError):
        rt.call(server, Atom("ping"), timeout_ms=2**64)
    with pytest.raises(TypeError):
        rt.send(True, Atom("ping"))
    with pytest.raises(ValueError):
        encode(Atom("a" * 70000))
    with pytest.raises(ValueError):
        rt.spawn("demo", name="")
    assert rt.call(server, Atom("ping")) == Atom("pong")


def test_a_closed_reactor_refuses_everything():
    r = Reactor(wasm_path())
    rt = r.runtime()
    pid = rt.spawn("demo")
    r.close()
    r.close()  # twice: nothing more
    for attempt in (lambda: rt.spawn("demo"), lambda: rt.call(pid, Atom("ping")), lambda: rt.run(), r.runtime):
        with pytest.raises(FauxtpError) as e:
            attempt()
        assert e.value.name == "FX_ESTATE"
    rt.close()  # a no-op once the reactor is closed


# ---- arguments with no meaning are refused before they reach the module ----

def test_call_result_refuses_an_id_past_an_i64(rt, server):
    call_id = rt.call_start(server, Atom("ping"))
    rt.run()
    # 2**64 + id is no call id: wasmtime would wrap it round to id, and it
    # would take the real call's outcome.
    with pytest.raises(ValueError):
        rt.call_result(call_id + 2**64)
    assert rt.call_result(call_id) == (True, Atom("pong"))


def test_run_refuses_a_mode_past_an_i32(rt, server):
    # mode 2**32 + 1 is no mode: wasmtime would wrap it to 1 (FX_RUN_IDLE).
    for mode in (2**32 + 1, 2, True, "idle"):
        with pytest.raises(ValueError):
            rt.run(mode)


@pytest.mark.parametrize("what", ["whereis", "send", "call"])
def test_an_empty_name_is_a_value_error(rt, server, what):
    fn = {"whereis": lambda: rt.whereis(""),
          "send": lambda: rt.send("", Atom("ping")),
          "call": lambda: rt.call("", Atom("ping"))}[what]
    with pytest.raises(ValueError):
        fn()


@pytest.mark.parametrize("what", ["whereis", "spawn", "whereis_bytes"])
def test_a_name_that_is_no_str_is_a_type_error(rt, what):
    fn = {"whereis": lambda: rt.whereis(5),
          "spawn": lambda: rt.spawn(5),
          "whereis_bytes": lambda: rt.whereis(b"store")}[what]
    with pytest.raises(TypeError):
        fn()


# ---- memory ----

def free_capacity(r):
    """Bytes the module can still hand out (blocks of 1 MiB down to 256 B)."""
    blocks, total = [], 0
    for size in (1 << 20, 1 << 16, 1 << 12, 256):
        while (p := r.raw("fx_reactor_malloc", size)) > 0:
            blocks.append(p)
            total += size
    for p in blocks:
        r.free(p)
    return total


@pytest.mark.parametrize("first", ["nothing", "ping", "echo_1"])
def test_a_big_first_call_does_not_pin_its_memory(first):
    """The request heap once kept the first chunk it made, of whatever size."""
    with Reactor(wasm_path()) as r:
        r.store.set_limits(memory_size=40 * 1024 * 1024)
        with r.runtime() as rt:
            pid = rt.spawn("demo")
            if first == "ping":  # needs no heap words: leaves the heap without a chunk
                assert rt.call(pid, Atom("ping")) == Atom("pong")
            if first == "echo_1":  # gives the request heap a small first chunk
                assert rt.call(pid, (Atom("echo"), 1)) == 1
            before = free_capacity(r)
            big = list(range(200000))  # ~3 MB decoded
            assert rt.call(pid, (Atom("echo"), big)) == big
            assert rt.call(pid, Atom("ping")) == Atom("pong")
            after = free_capacity(r)
            # The call is over: its request's memory should be back.
            assert before - after < 64 * 1024, f"{before - after} bytes kept after the call"
