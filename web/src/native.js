/* The JavaScript half of bindings/emscripten.c: one core runtime inside the
 * wasm module, reached through typed methods. Values cross as ETF written
 * straight into wasm memory (one scratch buffer, reused); small results come
 * back through the handle's `out` words, byte results through its output
 * buffer. Errors come back as the core's negative codes; this layer does
 * not interpret them, the runtime does.
 *
 * Memory may grow during any call into wasm, which detaches the old
 * ArrayBuffer: the views are refreshed whenever they went stale. */
import { Encoder, byteString, writeInt32, ETF_VERSION } from './etf.js';
import { Pid, Ref, LOCAL_NODE, own } from './terms.js';
import { FX, FauxtpError } from './errors.js';

const OUT_A = 0;
const OUT_B = 1;
const OUT_DUE_LO = 2;
const OUT_DUE_HI = 3;
const OUT_PTR = 6;
const OUT_LEN = 7;

const MESSAGE = Object.freeze({ bytesAsBitBinary: true });
const PATTERN = Object.freeze({ bytesAsBitBinary: true, pattern: true });
const utf8 = new TextEncoder();

/* A pending call's key in the runtime's table, from its ref key's two
 * words: the low word is the call's slot in the core's call table (free
 * again once the call completes), the high word the slot's generation (and
 * bit 63); 21 bits of that keep the Number exact, and tell a call from
 * another in the same slot (calls.js). */
export function callKey(lo, hi) {
  return lo + (hi & 0x1fffff) * 4294967296;
}

export class Native {
  /** @param {any} module an instantiated Emscripten module */
  constructor(module) {
    this.m = module;
    this.w = module._fxw_new(0);
    if (!this.w) throw new Error('fauxtp: out of memory creating a runtime');
    this.outIndex = module._fxw_out(this.w) >>> 2;
    this.encoder = new Encoder();
    this.encoder.owner = this;
    this.inPtr = 0;
    this.inCap = 0;
    this.u8 = module.HEAPU8;
    this.u32 = module.HEAPU32;
    this.names = new Map(); // name -> UTF-8 bytes
    this.batch = new Batch(this, this.encoder);
    this.reading = 0; // batches being dispatched (nesting depth)
    this.runtime = null; // the Runtime over it (runtime.js)
    /* What the last drain said: whether a process is runnable, and the
     * next timer's deadline (-1: none). */
    this.runnable = false;
    this.deadline = -1;
  }

  destroy() {
    if (!this.w) return;
    if (this.inPtr) this.m._fxw_dealloc(this.inPtr);
    this.m._fxw_free(this.w);
    this.w = 0; // what still calls in gets FX_EINVAL
    this.inPtr = 0;
    this.inCap = 0;
  }

  /* The glue replaces Module.HEAPU8 when memory grows: comparing with it
   * is cheaper than asking a view whether its buffer was detached. */
  views() {
    const m = this.m;
    if (this.u8 !== m.HEAPU8) {
      this.u8 = m.HEAPU8;
      this.u32 = m.HEAPU32;
    }
  }

  /* The scratch input buffer, at least n bytes long. */
  reserve(n) {
    if (n > this.inCap) {
      if (this.inPtr) this.m._fxw_dealloc(this.inPtr);
      let cap = Math.max(256, this.inCap * 2);
      while (cap < n) cap *= 2;
      this.inPtr = this.m._fxw_alloc(cap);
      if (!this.inPtr) {
        this.inCap = 0;
        throw new Error('fauxtp: out of memory');
      }
      this.inCap = cap;
    }
    this.views();
    return this.inPtr;
  }

  /* Encodes value (throws TypeError naming the path for values that cannot
   * be encoded, before anything reaches the core) and copies its ETF, then
   * `name`'s UTF-8 bytes if given, into the scratch buffer. Sets this.len
   * and this.nameLen. */
  stage(value, name, pattern = false) {
    if (typeof value === 'number' && name === undefined && (value | 0) === value && !(value === 0 && 1 / value < 0)) return this.stageInt(value);
    return this.stageTerm(value, name, pattern);
  }

  /* The commonest message, an int32, straight into wasm memory: no user
   * code can run while a number is written. Small, to be inlined; reserve's
   * room check is repeated in line (calling reserve costs ~5% of a call). */
  stageInt(value) {
    const ptr = this.inCap >= 6 ? this.inPtr : this.reserve(6);
    this.views();
    const u8 = this.u8;
    u8[ptr] = ETF_VERSION;
    this.len = 1 + writeInt32(u8, ptr + 1, value);
    this.nameLen = 0;
    return ptr;
  }

  stageTerm(value, name, pattern) {
    /* A getter of a value being encoded that sends gets an encoder of its own. */
    const encoder = this.encoder.busy ? new Encoder() : this.encoder;
    const len = encoder.encodeLength(value, pattern ? PATTERN : MESSAGE);
    const nb = name === undefined ? null : this.nameBytes(name);
    const nameLen = nb ? nb.length : 0;
    const ptr = this.reserve(len + nameLen);
    const u8 = this.u8;
    const bytes = encoder.buffer;
    /* Most messages are a few bytes: a loop beats making a view to copy. */
    if (len <= 32) for (let i = 0; i < len; i++) u8[ptr + i] = bytes[i];
    else u8.set(bytes.subarray(0, len), ptr);
    if (nb) u8.set(nb, ptr + len);
    this.len = len;
    this.nameLen = nameLen;
    return ptr;
  }

  stageName(name) {
    const nb = this.nameBytes(name);
    const ptr = this.reserve(nb.length);
    this.u8.set(nb, ptr);
    this.nameLen = nb.length;
    return ptr;
  }

  nameBytes(name) {
    let nb = this.names.get(name);
    if (!nb) {
      nb = utf8.encode(name);
      if (this.names.size > 4096) this.names.clear();
      this.names.set(name, nb);
    }
    return nb;
  }

  out(i) {
    this.views();
    return this.u32[this.outIndex + i];
  }

  /* A pid of this runtime, marked as its own (terms.js own). */
  localPid(index, gen) {
    return own(Pid.local(index, gen), this);
  }

  outPid() {
    this.views();
    return this.localPid(this.u32[this.outIndex + OUT_A], this.u32[this.outIndex + OUT_B]);
  }

  /* The key of the call just made (callKey). */
  outCallKey() {
    this.views();
    return callKey(this.u32[this.outIndex + OUT_A], this.u32[this.outIndex + OUT_B]);
  }

  /* Decodes the call's byte result; undefined when it is empty. */
  outTerm() {
    this.views();
    const len = this.u32[this.outIndex + OUT_LEN];
    return len ? this.encoder.decode(this.u8, this.u32[this.outIndex + OUT_PTR], len) : undefined;
  }

  /* ---- messaging ---- */

  /* to: a local Pid or a name (string). Returns an error code. */
  send(to, message) {
    return this.deliver(this.m._fxw_send, to, message);
  }

  /* cast: sends {'$gen_cast', request} (the bindings make the tuple). */
  cast(to, request) {
    return this.deliver(this.m._fxw_cast, to, request);
  }

  /* fxw_send or fxw_cast of value to a pid or a name. */
  deliver(fn, to, value) {
    if (typeof to === 'string') {
      const ptr = this.stage(value, to);
      return fn(this.w, 0, 0, ptr + this.len, this.nameLen, ptr, this.len);
    }
    const ptr = this.stage(value);
    return fn(this.w, to.id, to.serial, 0, 0, ptr, this.len);
  }

  /* Returns the call's key (callKey, >= 0) or an error code. Its timeout
   * starts at the next run of the loop, which sets the clock. */
  call(to, request, timeout) {
    let rc;
    if (typeof to === 'string') {
      const ptr = this.stage(request, to);
      rc = this.m._fxw_call(this.w, 0, 0, ptr + this.len, this.nameLen, ptr, this.len, timeout);
    } else {
      const ptr = this.stage(request);
      rc = this.m._fxw_call(this.w, to.id, to.serial, 0, 0, ptr, this.len, timeout);
    }
    return rc < 0 ? rc : this.outCallKey();
  }

  reply(from, value) {
    const ptr = this.stage([from, value]);
    return this.m._fxw_reply(this.w, ptr, this.len);
  }

  makeRef() {
    const rc = this.m._fxw_make_ref(this.w);
    if (rc < 0) throw new Error('fauxtp: out of memory');
    return this.outTerm();
  }

  /* ---- host processes ---- */

  /* Returns a Pid, or an error code (a number). */
  spawn(kind, link, trapExit) {
    const rc = this.m._fxw_spawn(this.w, kind, link ? link.id : 0, link ? link.serial : 0, trapExit ? 1 : 0);
    return rc < 0 ? rc : this.outPid();
  }

  receive(pid, slot, timeout) {
    return this.m._fxw_receive(this.w, pid.id, pid.serial, slot, timeout);
  }

  /* A receive posted again after each match (see fxw_drain). */
  receiveStanding(pid, slot) {
    return this.m._fxw_receive_standing(this.w, pid.id, pid.serial, slot);
  }

  /* Takes back the process's posted receive: 1, or 0 when it was answered
   * already (its event is on its way). */
  cancelReceive(pid) {
    return this.m._fxw_receive_cancel(this.w, pid.id, pid.serial);
  }

  hostExit(pid, reason) {
    const ptr = this.stage(reason);
    return this.m._fxw_host_exit(this.w, pid.id, pid.serial, ptr, this.len);
  }

  /* A supervised process's init is over: its supervisor hears of it. */
  hostStarted(pid) {
    return this.m._fxw_host_started(this.w, pid.id, pid.serial);
  }

  hostKind(pid) {
    return this.m._fxw_host_kind(this.w, pid.id, pid.serial);
  }

  /* ---- patterns ---- */

  /* Compiles an array of clause patterns; returns a slot or an error code. */
  compile(patterns) {
    const ptr = this.stage(patterns, undefined, true);
    return this.m._fxw_pattern(this.w, ptr, this.len);
  }

  freePattern(slot) {
    return this.m._fxw_pattern_free(this.w, slot);
  }

  /* ---- registry ---- */

  register(name, pid) {
    const ptr = this.stageName(name);
    return this.m._fxw_register(this.w, ptr, this.nameLen, pid.id, pid.serial);
  }

  unregister(name) {
    const ptr = this.stageName(name);
    return this.m._fxw_unregister(this.w, ptr, this.nameLen);
  }

  whereis(name) {
    const ptr = this.stageName(name);
    const rc = this.m._fxw_whereis(this.w, ptr, this.nameLen);
    return rc < 0 ? null : this.outPid();
  }

  registered() {
    const rc = this.m._fxw_registered(this.w);
    if (rc < 0) throw new Error('fauxtp: out of memory');
    return this.outTerm();
  }

  /* The name's text, or null when it has none (the atoms nil, true and
   * false decode to JavaScript values, but are names like any other). */
  registeredName(pid) {
    this.m._fxw_registered_name(this.w, pid.id, pid.serial);
    if (this.out(OUT_LEN) === 0) return null;
    const name = this.outTerm();
    return name === null ? 'nil' : String(name);
  }

  /* ---- processes ---- */

  isAlive(pid) {
    return this.m._fxw_is_alive(this.w, pid.id, pid.serial) === 1;
  }

  mailboxLength(pid) {
    return this.m._fxw_mailbox_length(this.w, pid.id, pid.serial);
  }

  /* Every live process the core has, C and JavaScript alike. */
  processes() {
    const rc = this.m._fxw_processes(this.w);
    if (rc < 0) throw new FauxtpError(rc, 'processes');
    return this.outTerm();
  }

  /* The core's view of a process, or null when it is not alive (out of
   * memory is an error: the process may well be alive). */
  processInfo(pid) {
    const rc = this.m._fxw_process_info(this.w, pid.id, pid.serial);
    if (rc === FX.ENOPROC) return null;
    if (rc < 0) throw new FauxtpError(rc, 'processInfo');
    const [behaviour, status, mailboxLength, links, monitors, monitoredBy, trapExits, supervisor] = this.outTerm();
    return { behaviour, status, mailboxLength, links, monitors, monitoredBy, trapExits, supervisor: supervisor ?? null };
  }

  processCount() {
    return this.m._fxw_process_count(this.w);
  }

  link(a, b) {
    return this.m._fxw_link(this.w, a.id, a.serial, b.id, b.serial);
  }

  unlink(a, b) {
    return this.m._fxw_unlink(this.w, a.id, a.serial, b.id, b.serial);
  }

  /* Returns the Ref, or an error code. */
  monitor(watcher, target) {
    const rc = this.m._fxw_monitor(this.w, watcher.id, watcher.serial, target.id, target.serial);
    return rc < 0 ? rc : this.outTerm();
  }

  demonitor(watcher, ref) {
    const ptr = this.stage(ref);
    return this.m._fxw_demonitor(this.w, watcher.id, watcher.serial, ptr, this.len);
  }

  exit(pid, reason) {
    const ptr = this.stage(reason);
    return this.m._fxw_exit(this.w, pid.id, pid.serial, ptr, this.len);
  }

  trapExit(pid, on) {
    return this.m._fxw_trap_exit(this.w, pid.id, pid.serial, on ? 1 : 0);
  }

  /* ---- timers ---- */

  /* Returns an error code; the timer id's words are out(OUT_A), out(OUT_B). */
  sendAfter(ms, to, message) {
    let rc;
    if (typeof to === 'string') {
      const ptr = this.stage(message, to);
      rc = this.m._fxw_send_after(this.w, ms, 0, 0, ptr + this.len, this.nameLen, ptr, this.len);
    } else {
      const ptr = this.stage(message);
      rc = this.m._fxw_send_after(this.w, ms, to.id, to.serial, 0, 0, ptr, this.len);
    }
    return rc;
  }

  cancelTimer(lo, hi) {
    return this.m._fxw_cancel_timer(this.w, lo, hi) === FX.OK;
  }

  /* ---- supervisors ---- */

  supervisorStart(spec, link) {
    const ptr = this.stage(spec);
    const rc = this.m._fxw_supervisor_start(this.w, ptr, this.len, link ? link.id : 0, link ? link.serial : 0);
    return rc < 0 ? rc : this.outPid();
  }

  /* ---- the loop ---- */

  /* Runs the core's loop for at most `budget` reductions. Its clock is
   * performance.now()'s milliseconds, which it reads itself. */
  run(budget) {
    return this.m._fxw_run(this.w, budget);
  }

  /* Takes every queued event; returns a Batch over them, or null when none
   * was queued; runnable and deadline are fresh either way. The batch is
   * read in place in wasm memory, where the next drain writes its own: a
   * drain while a batch is still being read (a handler that starts a
   * supervisor dispatches its children's starts at once) first copies the
   * rest of that batch out, and hands over a copy of its own. */
  drain() {
    if (this.reading !== 0) this.batch.detach();
    const n = this.m._fxw_drain(this.w);
    if (n < 0) throw new Error('fauxtp: out of memory draining events');
    this.views();
    const u32 = this.u32;
    const o = this.outIndex;
    const hi = u32[o + OUT_DUE_HI];
    this.runnable = u32[o + OUT_A] === 1;
    this.deadline = hi === 0xffffffff ? -1 : u32[o + OUT_DUE_LO] + hi * 4294967296;
    if (n === 0) return null;
    const ptr = u32[o + OUT_PTR];
    const len = u32[o + OUT_LEN];
    if (this.reading === 0) return this.batch.inPlace(n, ptr, len);
    return new Batch(this, this.encoder).inPlace(n, ptr, len).detach();
  }

  /* A copy of `value`, which stage() has just written: read back from its
   * ETF, but for the primitives that read back as themselves. */
  stagedCopy(value) {
    const t = typeof value;
    if (t === 'number' || t === 'boolean' || value === null || value === undefined) return value;
    this.views();
    return this.encoder.decode(this.u8, this.inPtr, this.len);
  }

  /* Answers a call whose From is kept undecoded (a From). Returns 1 when
   * the call was this host's own, completed with the staged reply left for
   * the host to settle (the call's key: outCallKey(); the reply:
   * stagedCopy()). */
  replyEtf(from, value) {
    if (from.bytes === null && from.pidCreation === 0 && from.refCreation === 0) {
      const ptr = this.stage(value);
      return this.m._fxw_reply_local(this.w, from.pidIndex, from.pidSerial, from.ref0, from.ref1, from.ref2, ptr, this.len);
    }
    const bytes = this.encoder.encode(value, MESSAGE);
    const fb = from.bytes;
    const flen = fb === null ? FROM_LEN : fb.length;
    const ptr = this.reserve(flen + bytes.length);
    const u8 = this.u8;
    if (fb !== null) {
      for (let i = 0; i < flen; i++) u8[ptr + i] = fb.charCodeAt(i);
    } else {
      u8.set(FROM_TEMPLATE, ptr);
      const numbers = from.numbers();
      for (let k = 0; k < 7; k++) {
        const i = ptr + FROM_FIELDS[k];
        const v = numbers[k];
        u8[i] = v >>> 24;
        u8[i + 1] = (v >>> 16) & 255;
        u8[i + 2] = (v >>> 8) & 255;
        u8[i + 3] = v & 255;
      }
    }
    u8.set(bytes, ptr + flen);
    return this.m._fxw_reply_etf(this.w, ptr, flen, ptr + flen, bytes.length);
  }

  memory() {
    return this.m._fxw_memory(this.w);
  }

  /* Turns the core's trace hook on or off. */
  traceOn(on) {
    this.m._fxw_trace(this.w, on ? 1 : 0);
  }

  /* The core's trace events since the last take, decoded (layout:
   * bindings/emscripten.c), and how many the core dropped for want of
   * memory. Decoded before any handler runs: the buffer is reused as soon
   * as the runtime is called again. */
  traceTake() {
    const n = this.m._fxw_trace_take(this.w);
    if (n === 0) return null;
    this.views();
    const u32 = this.u32;
    const o = this.outIndex;
    const lost = u32[o + OUT_A];
    const base = u32[o + OUT_PTR];
    const batch = new Batch(this, this.encoder).inPlace(n, base, u32[o + OUT_LEN]);
    let at = 0;
    const events = new Array(n);
    for (let i = 0; i < n; i++) {
      const h = (base + at) >>> 2;
      const kind = TRACE_KINDS[u32[h]];
      const pid = this.localPid(u32[h + 1], u32[h + 2]);
      const from = u32[h + 3] === 0 && u32[h + 4] === 0 ? null : this.localPid(u32[h + 3], u32[h + 4]);
      const time = u32[h + 5] + u32[h + 6] * 4294967296;
      at += 28;
      const message = batch.term(at);
      at = batch.skip(at);
      const reason = batch.term(at);
      at = batch.skip(at);
      events[i] = traceEvent(kind, pid, from, message, reason, time);
    }
    return { events, lost };
  }
}

const TRACE_KINDS = [undefined, 'spawn', 'send', 'receive', 'exit', 'restart'];

/* API.md §7's event: `pid` is the process the event is about; `from` and
 * `to` are the two ends of a message (a send, a receive), the parent of a
 * spawn and the supervisor of a restart. */
function traceEvent(kind, pid, from, message, reason, time) {
  const to = kind === 'send' || kind === 'receive' ? pid : null;
  return { kind, pid, from, to, message: message ?? null, reason: reason ?? null, time };
}

/* The ETF of a call's From as the core writes it for its own processes,
 * {Pid, Ref} with the local node, and where its seven numbers go: a reply
 * to a From kept as numbers, when the fast path (fxw_reply_local) does not
 * apply. */
const FROM_LEN = 65;
const FROM_TEMPLATE = (() => {
  const node = [...new TextEncoder().encode('nonode@nohost')];
  const b = new Uint8Array(FROM_LEN);
  b.set([131, 104, 2, 88, 119, 13, ...node], 0);
  b.set([90, 0, 3, 119, 13, ...node], 31);
  return b;
})();
const FROM_FIELDS = [19, 23, 27, 49, 53, 57, 61]; // pid id, serial, creation; ref creation, ids

/* A batch term's length word that says "a From as seven numbers". */
const FROM_MARK = 0xffffffff;

/* The [pid, ref] pair of a From's seven numbers, in native's runtime. */
function fromTerm(v, native) {
  return [own(new Pid(LOCAL_NODE, v[0], v[1], v[2]), native), own(new Ref(LOCAL_NODE, v[3], [v[4], v[5], v[6]]), native)];
}

/**
 * Where a call came from, as handleCall receives it: opaque, kept
 * undecoded, so a reply needs no decoding and re-encoding: the seven
 * numbers of the core's usual {Pid, Ref} (Batch.from), or else the ETF
 * bytes in a string. `from.pid` is the caller's (a call from outside any
 * process has a lightweight caller pid of its own).
 */
export class From {
  constructor(pidIndex, pidSerial, pidCreation, refCreation, ref0, ref1, ref2, bytes, native) {
    this.pidIndex = pidIndex;
    this.pidSerial = pidSerial;
    this.pidCreation = pidCreation;
    this.refCreation = refCreation;
    this.ref0 = ref0;
    this.ref1 = ref1;
    this.ref2 = ref2;
    this.bytes = bytes; // null: the numbers say it all
    this.native = native; // of the runtime the call came to: replies go there
  }

  /* The seven numbers as u32 (the fields hold them as int32). */
  numbers() {
    return [this.pidIndex >>> 0, this.pidSerial >>> 0, this.pidCreation >>> 0, this.refCreation >>> 0, this.ref0 >>> 0, this.ref1 >>> 0, this.ref2 >>> 0];
  }

  /** The decoded [pid, tag] pair. */
  get term() {
    if (this.bytes === null) return fromTerm(this.numbers(), this.native);
    const b = Uint8Array.from(this.bytes, (c) => c.charCodeAt(0));
    return this.native.encoder.decode(b, 0, b.length);
  }

  get pid() {
    return this.term[0];
  }
}

/* A drained batch of events (layout: bindings/emscripten.c): `count`
 * events, each eight u32 words, then its terms, at byte offsets from the
 * batch's start (byte `base` of `bytes`). In place, it reads wasm memory,
 * whose views go stale if memory grows while it is dispatched: fresh()
 * renews them; detach() copies it out of wasm memory. */
export class Batch {
  constructor(native, encoder) {
    this.native = native;
    this.encoder = encoder;
    this.count = 0;
    this.base = 0;
    this.len = 0;
    this.inWasm = false;
    this.bytes = null;
    this.words = null;
  }

  /* Points this batch at `count` events in `len` bytes from byte `base` of
   * wasm memory. */
  inPlace(count, base, len) {
    this.count = count;
    this.base = base;
    this.len = len;
    this.inWasm = true;
    this.bytes = this.native.u8;
    this.words = this.native.u32;
    return this;
  }

  /* Copies the batch out of wasm memory (the offsets stay valid). */
  detach() {
    if (!this.inWasm) return this;
    this.fresh();
    const copy = this.bytes.slice(this.base, this.base + this.len);
    this.bytes = copy;
    this.words = new Uint32Array(copy.buffer, 0, copy.length >>> 2);
    this.base = 0;
    this.inWasm = false;
    return this;
  }

  /* A copy out of wasm memory, this batch left as it is (a detached one
   * shares its bytes: nothing writes them). */
  copied() {
    const b = new Batch(this.native, this.encoder);
    b.count = this.count;
    b.base = this.base;
    b.len = this.len;
    b.inWasm = this.inWasm;
    b.bytes = this.bytes;
    b.words = this.words;
    return b.detach();
  }

  /* Renews the views after wasm memory grew (in place only). */
  fresh() {
    if (this.inWasm && this.bytes !== this.native.m.HEAPU8) {
      this.native.views();
      this.bytes = this.native.u8;
      this.words = this.native.u32;
    }
  }

  /* The term at offset `at` (a u32 length, then ETF; or a From as seven
   * numbers). */
  term(at) {
    const i = this.base + at;
    const len = this.words[i >>> 2];
    if (len === FROM_MARK) return fromTerm(this.fromNumbers(at), this.native);
    return len ? this.encoder.decode(this.bytes, i + 4, len) : undefined;
  }

  fromNumbers(at) {
    const w = this.words;
    const h = ((this.base + at) >>> 2) + 1;
    return [w[h], w[h + 1], w[h + 2], w[h + 3], w[h + 4], w[h + 5], w[h + 6]];
  }

  /* The ETF bytes of the term at `at`, undecoded, as a string of byte
   * values (cheaper to keep than a typed array: no ArrayBuffer each). */
  raw(at) {
    const i = this.base + at;
    const len = this.words[i >>> 2];
    return byteString(this.bytes.subarray(i + 4, i + 4 + len));
  }

  /* A call's From at `at`, kept without decoding: its seven numbers when
   * the core made it (the bindings write those), else its ETF bytes. */
  from(at) {
    const w = this.words;
    const h = (this.base + at) >>> 2;
    if (w[h] !== FROM_MARK) return new From(0, 0, 0, 0, 0, 0, 0, this.raw(at), this.native);
    /* Kept as int32 (| 0): a u32 past 2^31 (ref ids, after enough calls)
     * would make every From field a boxed double from then on. */
    return new From(w[h + 1] | 0, w[h + 2] | 0, w[h + 3] | 0, w[h + 4] | 0, w[h + 5] | 0, w[h + 6] | 0, w[h + 7] | 0, null, this.native);
  }

  /* The offset after the term at `at`. */
  skip(at) {
    const len = this.words[(this.base + at) >>> 2];
    return len === FROM_MARK ? at + 32 : at + 4 + ((len + 3) & ~3);
  }

  /* The n terms from `at`, decoded. */
  terms(at, n) {
    const out = new Array(n);
    for (let k = 0; k < n; k++) {
      out[k] = this.term(at);
      at = this.skip(at);
    }
    return out;
  }
}
