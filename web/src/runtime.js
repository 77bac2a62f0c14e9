/* A runtime: one core runtime (processes, registry, timers) and the run
 * loop that drives it from the host.
 *
 * The loop: any operation that gives the core work schedules one pump on a
 * microtask (coalesced). A pump drains the core's event queue in one batch,
 * dispatches the events (settling calls, resuming receives, starting
 * supervised actors, noting exits), runs the core with a reduction budget
 * while C processes are runnable or timers due, and repeats until there is
 * nothing left to do. A message to a JavaScript process needs no run: the
 * core matches it as it is sent and queues the event. Timers: one
 * setTimeout at the core's next deadline, re-armed when it changes; nothing
 * runs while idle. A slice of work (pumps in a row without a macrotask in
 * between) stops after a few milliseconds and continues on a macrotask
 * (MessageChannel in browsers, setImmediate in Node.js), so no task runs
 * long: in the middle of a batch if need be (its rest is dispatched first
 * when the loop resumes). The slice is the realm's, shared by all its
 * runtimes. The clock costs about as much as a message (100 ns in
 * Node.js): a slice reads it every few events or runs of the core, not per
 * event; the core reads it itself when it starts or fires a timer. */
import { Native, From, callKey } from './native.js';
import { PendingCalls } from './calls.js';
import { extractionOrder } from './order.js';
import { ProcTable } from './procs.js';
import * as supervision from './supervisor.js';
import { FX, ExitError, FauxtpError, ReceiveTimeout, errName } from './errors.js';
import { Atom, Float, Int, IGNORE, ANY, Pid, Ref, List, atom, typeMatcherName, LOCAL_NODE, own, ownerOf, isWellFormed, fitsAtom } from './terms.js';

const EV_MATCH = 1;
const EV_TIMEOUT = 2;
const EV_EXIT = 3;
const EV_CALL = 4;
const EV_START = 5;

const RESOLVED = Promise.resolve();

/* The current slice, shared by the realm's runtimes (busy ones would
 * otherwise each take a slice of one task): when it started (0 between
 * slices) and which runtime started it. A macrotask ends it. */
const slice = { start: 0, owner: null };
const endSlice = () => {
  slice.start = 0;
  slice.owner = null;
};
const startSlice = (t, owner) => {
  slice.start = t;
  slice.owner = owner;
  macrotask(endSlice);
};

/* Runtimes that yielded, resumed in turn by one macrotask: those that had
 * no share of the slice they yielded in (another runtime had used it up)
 * first, then those that started it; one busy runtime cannot starve the
 * others, and busy ones take slices in turn. */
const yielded = { starved: [], fed: [], queued: false };
function resumeYielded() {
  yielded.queued = false;
  endSlice();
  const order = yielded.starved.concat(yielded.fed);
  yielded.starved = [];
  yielded.fed = [];
  for (const rt of order) rt.resume();
}
const BUDGET = 2048;
const PATTERN_CACHE = 512;
/* Deeper than the core compiles (pattern.h: 256 levels). */
const MAX_KEY_DEPTH = 300;
const ANY_KEY = keyOf([ANY]);
/* Pumps (or batches within one) between readings of the clock. */
const CLOCK_EVERY = 16;
/* A run of the core (BUDGET reductions) weighs as much: the clock is read after each. */
const RUN_WORK = CLOCK_EVERY;
/* The longest delay setTimeout takes (about 24.8 days): a longer one fires
 * at once in browsers and after 1 ms in Node.js. A timer due later is
 * armed for this long, and re-armed when that fires. */
const MAX_DELAY = 2147483647;

/* Node.js by its own mark: a test environment may define `window` in it. */
const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';
const isBrowser = !isNode && (typeof window === 'object' || (typeof self === 'object' && typeof importScripts === 'function'));
const SLICE_MS = isBrowser ? 5 : 20;
const now = () => performance.now();

/* A macrotask: MessageChannel in browsers (setTimeout(0) is clamped),
 * setImmediate in Node.js (a MessageChannel port would keep it alive). */
const macrotask = (() => {
  if (typeof setImmediate === 'function' && isNode) return (fn) => setImmediate(fn);
  if (typeof MessageChannel === 'function') {
    const queue = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const batch = queue.splice(0, queue.length);
      for (const fn of batch) fn();
    };
    return (fn) => {
      queue.push(fn);
      if (queue.length === 1) channel.port2.postMessage(0);
    };
  }
  return (fn) => setTimeout(fn, 0);
})();

/* A structural key for a clause list, so that a receive in a loop reuses
 * its compiled pattern; null for patterns with values that have no cheap
 * key (maps, binaries) or that nest deeper than a pattern may (a cycle):
 * those compile per receive, where the encoder refuses what it must. Texts
 * inside a key carry their length, so that no text reads as structure. */
function keyOf(p, depth = 0) {
  switch (typeof p) {
    case 'string':
      return `s${p.length}:${p}`;
    case 'number':
      return Object.is(p, -0) ? 'n-0' : `n${p}`;
    case 'boolean':
      return p ? 'T' : 'F';
    case 'undefined':
      return 'U';
    case 'bigint':
      return `i${p}`;
    case 'function': {
      const t = typeMatcherName(p);
      return t ? `t${t}` : null;
    }
    case 'object': {
      if (p === null) return 'N';
      if (p === ANY) return '*';
      if (p === IGNORE) return '_';
      if (Array.isArray(p)) {
        if (p instanceof List || depth > MAX_KEY_DEPTH) return null;
        let s = '[';
        for (let i = 0; i < p.length; i++) {
          const k = keyOf(p[i], depth + 1);
          if (k === null) return null;
          s += k + ',';
        }
        return s + ']';
      }
      if (p instanceof Atom) return `a${p.name.length}:${p.name}`;
      if (p instanceof Pid) return `p${p.key.length}:${p.key}`;
      if (p instanceof Ref) return `r${p.key.length}:${p.key}`;
      if (p instanceof Float) return Object.is(p.value, -0) ? 'f-0' : `f${p.value}`;
      if (p === Int) return 'tinteger';
      return null;
    }
  }
  return null;
}

function checkName(name, what) {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${what}: a name is a non-empty string`);
  /* A lone surrogate has no UTF-8: it would become U+FFFD, and another name. */
  if (!isWellFormed(name)) throw new TypeError(`${what}: a name must be well-formed Unicode (it has a lone surrogate)`);
}

/* A registered name as the core gives it, an atom decoded as any term is:
 * the atoms that decode to JavaScript values are names too. */
function nameText(atom) {
  if (atom === null) return 'nil';
  if (atom === undefined) return 'undefined';
  return String(atom);
}

/* native: the runtime's; a pid another runtime made or decoded names
 * some other process here (pids are numbered per runtime). */
export function checkPid(pid, what, native) {
  if (!(pid instanceof Pid) || pid.node !== LOCAL_NODE || pid.creation !== 0) throw new TypeError(`${what}: expected a local Pid`);
  const owner = ownerOf(pid);
  if (owner !== undefined && owner !== native) throw new TypeError(`${what}: ${pid} is a Pid of another runtime`);
  /* The core numbers its processes' serials in 29 bits: a greater one names
   * none of them (and a DOWN or EXIT about it would name another). */
  if (pid.serial > MAX_SERIAL) throw new TypeError(`${what}: ${pid} is no Pid of this runtime (its serial is past 2^29)`);
}

const MAX_SERIAL = 0x1fffffff;

/* The host kind of the processes this JavaScript starts itself. */
const UNSUPERVISED = 0;


/** Reasons given as strings mean atoms ('normal', 'kill', 'shutdown'); a
 * text no atom can hold goes as itself (a binary, as Erlang's reasons may
 * be), and arrives as the same string. */
export function reasonTerm(reason) {
  return typeof reason === 'string' && fitsAtom(reason) ? atom(reason) : reason;
}

/** What a crash says: the error's name and message. */
export function crashReason(e) {
  if (e instanceof Error) return { error: e.name, message: e.message };
  return { error: 'thrown', message: String(e) };
}

/** An opaque timer handle from sendAfter: the core's 64-bit timer id as
 * its two words (a slot reused 2^21 times has an id past 2^53, which a
 * Number would round to another id). */
export class Timer {
  constructor(lo, hi) {
    this.lo = lo;
    this.hi = hi;
    Object.freeze(this);
  }
}

export class Runtime {
  /** @param {any} module the instantiated wasm module (loader.js) */
  constructor(module) {
    this.native = new Native(module);
    this.native.runtime = this; // a From's way back (the module-level reply)
    this.procs = new ProcTable();
    this.calls = new PendingCalls();
    /* Host kinds of the classes supervisors start (kept while the runtime
     * is: a supervisor may start one again at any time); 0 is every process
     * this JavaScript starts itself, whose class the core never needs (a
     * class made per use would otherwise be kept for ever). */
    this.classes = [undefined]; // host kind -> actor class
    this.kinds = new Map(); // actor class -> host kind
    this.patterns = new Map(); // key -> { slot, uses, key, evicted }
    /* Receiving any message, compiled now and never evicted or freed: a
     * mailbox flooded until memory ran out can still be drained. */
    this.anyEntry = undefined;
    this.anyEntry = this.patternEntry([ANY]);
    this.checkedPid = null; // checkTarget's
    this.handlerPid = null; // the GenServer whose handler runs now (synchronously), or null
    this.tracers = null;
    this.scheduled = false;
    this.pumping = false;
    this.yielding = false;
    this.work = 0; // events dispatched and runs of the core since the clock was last read
    this.sinceRun = 0; // events dispatched since the core last ran
    this.leftover = null; // { batch, i, at }: the rest of a batch a slice's end cut, to dispatch first
    this.runDue = false; // a timer may be due: run the core even if nothing is runnable
    this.timer = null;
    this.timerAt = -1;
    this.closed = false;
    this.pumpFn = () => this.pump();
    this.timerFn = () => {
      this.timer = null;
      this.timerAt = -1;
      this.runDue = true;
      this.pump();
    };
  }

  /* After a yield (resumeYielded): a share of CLOCK_EVERY events at least
   * before the clock is read, even in a slice another runtime used up. */
  resume() {
    this.yielding = false;
    this.runDue = true;
    this.work = 0;
    this.pump();
  }

  /** Frees the core runtime; its processes stop without running terminate.
   * Afterwards operations that need the core fail with FX_ESTATE, and
   * queries answer as for a runtime with no process. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.leftover = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const proc of this.procs.values()) proc.onExit('killed');
    this.procs.clear();
    this.calls.rejectAll(new ExitError('noproc', 'runtime closed'));
    this.native.destroy();
  }

  closedError(what) {
    return new FauxtpError(FX.ESTATE, what, 'the runtime is closed');
  }

  /* ---- the run loop ---- */

  schedule() {
    if (this.scheduled || this.pumping || this.yielding || this.closed) return;
    this.scheduled = true;
    RESOLVED.then(this.pumpFn);
  }

  pump() {
    this.scheduled = false;
    if (this.closed) return;
    if (slice.start === 0) {
      startSlice(now(), this);
      this.work = 0;
    } else if (this.work >= CLOCK_EVERY && this.sliceOver()) {
      return;
    }
    this.pumping = true;
    try {
      this.loop(this.native);
    } finally {
      this.pumping = false;
    }
    /* After the loop: what trace handlers do schedules a pump of its own. */
    if (this.tracers && !this.closed) this.flushTrace();
  }

  /* Reads the clock: true (and the rest of the slice left for a macrotask)
   * when the slice is used up; else notes whether a timer is due. */
  sliceOver() {
    this.work = 0;
    const t = now();
    if (slice.start === 0) {
      startSlice(t, this); // this pump began after the last slice ended
    } else if (t - slice.start > SLICE_MS) {
      this.yieldSlice();
      return true;
    }
    const due = this.native.deadline;
    if (due >= 0 && due <= t) this.runDue = true;
    return false;
  }

  /* Dispatches and runs until idle, or until the slice is used up. While
   * it runs, schedule() need not queue another pump: it loops anyway.
   * Dispatching often answers at once (a JavaScript process posts its
   * next receive and a queued message matches it, a message to one is
   * matched as it is sent): the next batch needs no run of the core. C
   * processes and timers get their turn between batches at least every
   * few events. */
  loop(native) {
    if (this.leftover !== null && !this.dispatchLeftover()) return;
    for (;;) {
      const batch = native.drain();
      if (batch !== null) {
        if (!this.dispatch(batch, true)) return; // closed, or the slice ended in it
        if (this.tracers) this.flushTrace();
        if (this.work >= CLOCK_EVERY && this.sliceOver()) return;
        /* C processes and due timers: a run every few events, whatever
         * the batches' sizes and wherever the clock was read. */
        if (this.sinceRun >= CLOCK_EVERY && (native.runnable || this.runDue)) this.run(native);
        continue;
      }
      if (!native.runnable && !this.runDue) break;
      this.run(native);
      if (this.work >= CLOCK_EVERY && this.sliceOver()) return;
    }
    this.armTimer(native.deadline);
  }

  run(native) {
    this.runDue = false;
    this.work += RUN_WORK;
    this.sinceRun = 0;
    native.run(BUDGET);
  }

  /* The rest of a batch a slice's end cut; false if cut again (or closed). */
  dispatchLeftover(splittable = true) {
    const { batch, i, at } = this.leftover;
    this.leftover = null;
    return this.dispatch(batch, splittable, i, at);
  }

  yieldSlice() {
    if (this.yielding) return;
    this.yielding = true;
    (slice.owner === this ? yielded.fed : yielded.starved).push(this);
    if (!yielded.queued) {
      yielded.queued = true;
      macrotask(resumeYielded);
    }
  }

  /* at: the core's next deadline (-1: none). */
  armTimer(at) {
    if (at < 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = -1;
      return;
    }
    /* An armed timer that fires no later is kept: when it fires early, the
     * pump re-arms for what is then due (no clear/set churn per call). */
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.timerFn, Math.min(MAX_DELAY, Math.max(0, Math.ceil(at - now()))));
  }

  /* Dispatches events i.. of batch (from byte `at`); false when the
   * runtime closed, or when (splittable) the slice ended first: the rest
   * is this.leftover, and the loop resumes on a macrotask. */
  dispatch(batch, splittable, i = 0, at = 0) {
    this.native.reading++;
    try {
      return this.dispatchBatch(batch, splittable, i, at);
    } finally {
      this.native.reading--;
    }
  }

  /* Offsets are from the batch's start: a handler may have copied the
   * batch out of wasm memory (Native.drain). */
  dispatchBatch(batch, splittable, from, at) {
    for (let i = from; i < batch.count; i++) {
      if (this.closed) return false; // a handler closed the runtime
      this.sinceRun++;
      if (++this.work > CLOCK_EVERY && splittable && this.sliceOver()) {
        this.leftover = { batch: batch.copied(), i, at };
        return false;
      }
      batch.fresh();
      const w = batch.words;
      const h = (batch.base + at) >>> 2;
      const kind = w[h];
      const index = w[h + 3];
      const gen = w[h + 4];
      const nterms = w[h + 7];
      const termsAt = at + 32;
      at = termsAt;
      for (let k = 0; k < nterms; k++) at = batch.skip(at);
      try {
        switch (kind) {
          case EV_MATCH: {
            const p = this.procs.get(index, gen);
            if (p !== undefined) {
              if (p.rawMatch) p.onMatchRaw(w[h + 2], batch, termsAt);
              else p.onMatch(w[h + 2], batch.terms(termsAt, nterms));
            }
            break;
          }
          case EV_TIMEOUT: {
            const p = this.procs.get(index, gen);
            if (p !== undefined) p.onTimeout();
            break;
          }
          case EV_EXIT: {
            const reason = batch.term(termsAt);
            const p = this.procs.get(index, gen);
            if (p !== undefined) {
              this.procs.delete(p);
              p.onExit(reason);
            }
            break;
          }
          case EV_CALL: {
            const key = callKey(w[h + 5], w[h + 6]);
            const calls = this.calls;
            if (calls.waiting(key)) {
              const status = w[h + 1] | 0;
              if (status === FX.OK) calls.resolve(key, batch.term(termsAt));
              else if (status === FX.ETIMEDOUT) calls.reject(key, new ReceiveTimeout('call timed out'));
              else calls.reject(key, new ExitError(batch.term(termsAt)));
            }
            break;
          }
          case EV_START:
            this.startSupervised(w[h + 5], this.native.localPid(index, gen), batch.term(termsAt));
            break;
        }
      } catch (e) {
        reportError(e);
      }
    }
    return !this.closed;
  }

  /* ---- processes ---- */

  /** The host kind of an actor class that supervisors start in this runtime. */
  kindOf(Class) {
    let kind = this.kinds.get(Class);
    if (kind === undefined) {
      kind = this.classes.length;
      this.classes.push(Class);
      this.kinds.set(Class, kind);
    }
    return kind;
  }

  /* Spawns the core process of a JavaScript process and registers its
   * Proc (made by makeProc(pid)). */
  spawnHost(link, makeProc) {
    if (this.closed) throw this.closedError('spawn');
    const pid = this.native.spawn(UNSUPERVISED, link, false);
    if (typeof pid === 'number') throw new FauxtpError(pid, 'spawn');
    let proc;
    try {
      proc = makeProc(pid);
    } catch (e) {
      this.exitPid(pid, crashReason(e)); // its constructor threw: the process goes too
      throw e;
    }
    this.procs.add(proc);
    return proc;
  }

  startSupervised(kind, pid, args) {
    const Class = this.classes[kind];
    if (!Class || !this.native.isAlive(pid)) return;
    try {
      Class.startSupervised(this, pid, Array.isArray(args) ? args : []);
    } catch (e) {
      this.exitPid(pid, crashReason(e)); // its constructor threw: the start failed, as if init had
    }
  }

  /**
   * Starts an actor (or supervisor) class in this runtime:
   * rt.start(SomeActor, ...args).
   * @returns {Promise<Pid>} once its init has returned
   */
  start(Class, ...args) {
    return this.startWith(Class, args);
  }

  /* start, with options: { link } (a pid to link the new process to). */
  startWith(Class, args = [], options = {}) {
    if (this.closed) return Promise.reject(this.closedError('start'));
    if (typeof Class !== 'function' || typeof Class.startIn !== 'function')
      return Promise.reject(new TypeError('start: expected an Actor, GenServer or Supervisor class'));
    return Class.startIn(this, args, options.link ?? null);
  }

  /** Called by a JavaScript process on its way out. */
  hostExit(proc, reason) {
    if (proc.dead) return;
    proc.dead = true;
    proc.exitReason = reason;
    this.procs.delete(proc);
    this.exitPid(proc.pid, reason);
  }

  /* Ends the core process of a JavaScript process. */
  exitPid(pid, reason) {
    const native = this.native;
    let rc;
    try {
      rc = native.hostExit(pid, reasonTerm(reason));
    } catch {
      rc = native.hostExit(pid, { error: 'TypeError', message: 'exit reason cannot be encoded' });
    }
    /* The core could not take the reason (its atom table is full, or its
     * memory): the process still ends, with a reason that needs no new
     * atom, or at worst with one every runtime has. */
    if (rc < 0 && rc !== FX.ENOPROC) rc = native.hostExit(pid, { error: 'FauxtpError', message: `exit reason refused by the core (${errName(rc)})` });
    if (rc < 0 && rc !== FX.ENOPROC) rc = native.hostExit(pid, atom('nomem'));
    if (rc === FX.OK || rc === FX.ENOPROC) this.schedule();
  }

  /* ---- patterns ---- */

  patternEntry(patterns) {
    const key = keyOf(patterns);
    let e = key === null ? undefined : key === ANY_KEY ? this.anyEntry : this.patterns.get(key);
    if (e === undefined) {
      const slot = this.native.compile(patterns);
      if (slot === FX.ENOMEM) throw new FauxtpError(slot, 'receive');
      if (slot < 0) throw new TypeError(`receive: invalid pattern (${errName(slot)})`);
      e = { slot, uses: 0, key, evicted: key === null, order: extractionOrder(patterns) };
      if (key !== null) {
        this.patterns.set(key, e);
        if (this.patterns.size > PATTERN_CACHE) this.evictPattern();
      }
    }
    e.uses++;
    return e;
  }

  releasePattern(e) {
    if (--e.uses === 0 && e.evicted) this.native.freePattern(e.slot);
  }

  evictPattern() {
    for (const [key, e] of this.patterns) {
      this.patterns.delete(key);
      e.evicted = true;
      if (e.uses === 0) this.native.freePattern(e.slot);
      return;
    }
  }

  /* ---- messaging ---- */

  send(target, message) {
    return this.post('send', target, message);
  }

  cast(target, request) {
    return this.post('cast', target, request);
  }

  /* send or cast: resolved once the core has the message. */
  post(what, target, value) {
    if (this.closed) return Promise.reject(this.closedError(what));
    let rc;
    try {
      this.checkTarget(target, what);
      rc = what === 'cast' ? this.native.cast(target, value) : this.native.send(target, value);
    } catch (e) {
      return Promise.reject(e);
    }
    if (rc < 0) return Promise.reject(this.targetError(rc, target, what));
    this.schedule();
    return RESOLVED;
  }

  call(target, request, timeout = 5000) {
    if (this.closed) return Promise.reject(this.closedError('call'));
    let id;
    try {
      this.checkTarget(target, 'call');
      if (timeout !== Infinity && (typeof timeout !== 'number' || !(timeout >= 0))) throw new TypeError('call: timeout must be a number of milliseconds >= 0');
      if (this.handlerPid !== null && this.callsItself(target)) return Promise.reject(new ExitError('calling_self', `call: ${target} called itself from its handler`));
      id = this.native.call(target, request, timeout === Infinity ? -1 : Math.floor(timeout));
    } catch (e) {
      return Promise.reject(e);
    }
    if (id < 0) return Promise.reject(this.targetError(id, target, 'call'));
    this.schedule();
    return this.calls.add(id);
  }

  /* Whether a call to target comes from that very GenServer's handler,
   * which could never answer it: OTP's gen_server:call fails at once with
   * calling_self. A handler's calls after its first await are not seen
   * (they wait for their timeout). */
  callsItself(target) {
    const self = this.handlerPid;
    const pid = typeof target === 'string' ? this.native.whereis(target) : target;
    return pid !== null && pid.id === self.id && pid.serial === self.serial;
  }

  /* A message's target: a name, or a pid of this runtime. The last pid that
   * passed is not checked again (a pid's owner never changes): messages in
   * a loop to one process pay for one check. */
  checkTarget(target, what) {
    if (typeof target === 'string') checkName(target, what);
    else if (target !== this.checkedPid) {
      checkPid(target, what, this.native);
      this.checkedPid = target;
    }
  }

  targetError(rc, target, what) {
    if (rc === FX.EBADNAME) return new ExitError('noproc', `${what}: no process is registered as ${JSON.stringify(target)}`);
    if (rc === FX.ENOPROC) return new ExitError('noproc', `${what}: ${target} is not alive`);
    return new FauxtpError(rc, what);
  }

  /** Answers a call a GenServer received (for replies sent later). */
  reply(from, value) {
    if (this.closed) return; // the caller is gone
    const native = this.native;
    if (from instanceof From && from.native !== native) throw new TypeError('reply: this From is of a call to another runtime');
    const rc = from instanceof From ? native.replyEtf(from, value) : native.reply(from, value);
    if (rc === 1) {
      /* A call from this runtime's JavaScript: the core completed it and
       * left it to settle here, with a copy of the reply as written. */
      const key = native.outCallKey();
      if (this.calls.waiting(key)) this.calls.resolve(key, native.stagedCopy(value));
      return;
    }
    if (rc < 0 && rc !== FX.ENOPROC) throw new FauxtpError(rc, 'reply');
    this.schedule();
  }

  makeRef() {
    if (this.closed) throw this.closedError('makeRef');
    return this.native.makeRef();
  }

  /* ---- registry (synchronous: it lives in the core) ---- */

  register(name, pid) {
    checkName(name, 'register');
    checkPid(pid, 'register', this.native);
    if (this.closed) return false;
    const rc = this.native.register(name, pid);
    if (rc === FX.OK) return true;
    /* Taken, a dead pid, or one with a name already. */
    if (rc === FX.ENAMETAKEN || rc === FX.ENOPROC || rc === FX.ESTATE) return false;
    if (rc === FX.ETOOBIG) throw new TypeError('register: a name is at most 255 characters (it becomes an atom)');
    if (rc === FX.EINVAL && name === 'undefined') throw new TypeError("register: 'undefined' cannot be a registered name (as in Erlang)");
    throw new FauxtpError(rc, 'register'); // out of memory, or out of atoms
  }

  unregister(name) {
    checkName(name, 'unregister');
    return !this.closed && this.native.unregister(name) === FX.OK;
  }

  whereis(name) {
    checkName(name, 'whereis');
    return this.closed ? null : this.native.whereis(name);
  }

  registered() {
    return this.closed ? [] : this.native.registered().map(nameText);
  }

  /* ---- processes and signals ---- */

  exit(pid, reason) {
    checkPid(pid, 'exit', this.native);
    if (reason === undefined) throw new TypeError('exit: a reason is needed (as Erlang\'s exit/2): "normal", "kill", "shutdown" or any term');
    if (this.closed) return true; // as to a process that is gone
    const rc = this.native.exit(pid, reasonTerm(reason));
    if (rc < 0 && rc !== FX.ENOPROC) throw new FauxtpError(rc, 'exit');
    this.schedule();
    return true;
  }

  isAlive(pid) {
    checkPid(pid, 'isAlive', this.native);
    return !this.closed && this.native.isAlive(pid);
  }

  /* ---- timers ---- */

  sendAfter(ms, target, message) {
    this.checkTarget(target, 'sendAfter');
    if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) throw new TypeError('sendAfter: ms must be a finite number >= 0');
    if (this.closed) throw this.closedError('sendAfter');
    const rc = this.native.sendAfter(Math.floor(ms), target, message);
    if (rc < 0) throw new FauxtpError(rc, 'sendAfter');
    this.schedule();
    return own(new Timer(this.native.out(0), this.native.out(1)), this.native);
  }

  cancelTimer(timer) {
    if (!(timer instanceof Timer)) throw new TypeError('cancelTimer: expected a timer from sendAfter');
    /* Another runtime's timer is none of this one's: its numbers may name one here. */
    if (this.closed || ownerOf(timer) !== this.native) return false;
    const ok = this.native.cancelTimer(timer.lo, timer.hi);
    this.schedule();
    return ok;
  }

  /* ---- supervisors ---- */

  whichChildren(sup) {
    return supervision.whichChildren(this, sup);
  }

  countChildren(sup) {
    return supervision.countChildren(this, sup);
  }

  terminateChild(sup, id) {
    return supervision.terminateChild(this, sup, id);
  }

  restartChild(sup, id) {
    return supervision.restartChild(this, sup, id);
  }

  /* ---- introspection ---- */

  /* Every live process in the core: JavaScript actors, C supervisors and
   * any other C process. */
  processes() {
    return this.closed ? [] : this.native.processes();
  }

  /* The core's view (links, supervisor, mailbox, trap_exit), with what only
   * JavaScript knows about its own actors (class name, status). */
  processInfo(pid) {
    checkPid(pid, 'processInfo', this.native);
    if (this.closed) return null;
    const core = this.native.processInfo(pid);
    if (!core) return null;
    const js = this.procs.get(pid.id, pid.serial) ?? null;
    return {
      pid,
      name: this.native.registeredName(pid),
      behaviour: js ? js.actor?.constructor?.name ?? 'actor' : core.behaviour,
      status: js ? js.status : core.status === 'host' ? 'waiting' : core.status, // 'host': held by a host that is not this one
      /* A GenServer holds the matches it is not ready for (standing receive). */
      mailboxLength: core.mailboxLength + (js && js.queue ? (js.queue.length - js.head) / 3 : 0),
      links: core.links,
      monitors: core.monitors,
      trapExits: core.trapExits,
      supervisor: core.supervisor
    };
  }

  /**
   * Calls handler with each trace event until the returned function is
   * called. The events come from the core (C and JavaScript processes
   * alike), in its order, after each run of the loop. While no handler is
   * installed the core's hook is off: a branch per event site.
   */
  trace(handler) {
    if (typeof handler !== 'function') throw new TypeError('trace: expected a function');
    if (this.closed) throw this.closedError('trace');
    if (!this.tracers) {
      this.tracers = new Set();
      this.native.traceOn(true);
    }
    const entry = { handler };
    this.tracers.add(entry);
    this.schedule();
    return () => {
      if (!this.tracers || !this.tracers.delete(entry)) return;
      if (this.tracers.size === 0) {
        this.tracers = null;
        if (!this.closed) this.native.traceOn(false);
      }
    };
  }

  /* Hands the core's trace events to the handlers. A handler may call
   * into the runtime: the events are decoded before the first runs. */
  flushTrace() {
    const taken = this.native.traceTake();
    if (taken === null) return;
    const { events, lost } = taken;
    if (lost > 0) reportError(new Error(`fauxtp: trace dropped ${lost} events (out of memory)`));
    for (const event of events) {
      if (!this.tracers) return;
      for (const t of this.tracers) {
        try {
          t.handler(event);
        } catch (e) {
          reportError(e);
        }
      }
    }
  }
}

function reportError(e) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else console.error(e);
}
