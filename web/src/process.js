/* A JavaScript process: the host side of one core host process. The core
 * owns its mailbox, matching, links, monitors and registry entry; this
 * object owns its actor (state and code) and its one pending receive.
 *
 * Life cycle: the runtime spawns the core process and makes the Proc; the
 * behaviour (actor.js) drives it; events from the core arrive through
 * onMatch / onTimeout / onExit. A process that an exit signal killed is
 * `dead` at once: its pending receive rejects with Killed, so its async
 * code unwinds without running terminate (Erlang's semantics). */
import { ANY } from './terms.js';
import { FX, FauxtpError, ReceiveTimeout } from './errors.js';
import { inWrittenOrder } from './order.js';

/** The Proc of an actor instance: actor[PROC]. */
export const PROC = Symbol('fauxtp.proc');

/** Unwinds an actor whose process an exit signal ended (internal). */
export class Killed extends Error {
  constructor(reason) {
    super('process killed');
    this.name = 'Killed';
    this.reason = reason;
  }
}

/** Unwinds an actor that called stop() while receiving (internal). */
export class StopSignal extends Error {
  constructor() {
    super('process stopping');
    this.name = 'StopSignal';
  }
}

const IDENTITY = (x) => x;

/* A copy of a clause list's nesting of plain arrays (tuples), as it was
 * when compiled: the caller may change its arrays afterwards. */
function snapshot(p) {
  return Array.isArray(p) && Object.getPrototypeOf(p) === Array.prototype ? p.map(snapshot) : p;
}

/* Whether patterns matches the snapshot of an earlier clause list: the same
 * primitives (0 and -0 apart), the same immutable objects (ANY, IGNORE,
 * type matchers, atoms and other frozen values), plain arrays of the same.
 * Anything else counts as different (and goes the long way). */
function samePatterns(patterns, snap) {
  if (patterns.length !== snap.length) return false;
  for (let i = 0; i < patterns.length; i++) if (!samePattern(patterns[i], snap[i])) return false;
  return true;
}

function samePattern(x, y) {
  if (x === y) return typeof x === 'number' ? Object.is(x, y) : typeof x !== 'object' || x === null || Object.isFrozen(x);
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || Object.getPrototypeOf(x) !== Array.prototype) return false;
  for (let i = 0; i < x.length; i++) if (!samePattern(x[i], y[i])) return false;
  return true;
}

export class Proc {
  constructor(rt, pid, actor) {
    this.rt = rt;
    this.pid = pid;
    this.actor = actor;
    this.waiting = null; // { entry, handlers, resolve, reject }
    this.dead = false;
    this.exitReason = undefined;
    this.stopReason = undefined;
    this.trapExits = false;
    this.lastEntry = null; // the pattern entry of the last receive, and its clauses
    this.lastPatterns = null;
    this.started = 0;
    this.starting = null; // while init runs: the start to settle (actor.js)
    this.parent = null; // the supervisor or the linked starter (actor.js)
    this.supervised = false; // started by a supervisor, which waits for its init (actor.js)
    this.ending = false; // its terminate runs (actor.js)
    if (actor) actor[PROC] = this;
  }

  get status() {
    return this.dead ? 'exited' : this.waiting ? 'waiting' : 'running';
  }

  /* this.receive([pattern, handler], ..., { timeout }): resolves with the
   * handler's result; rejects with ReceiveTimeout, or with whatever the
   * handler throws. */
  receive(args) {
    let n = args.length;
    let timeout = -1;
    const last = n ? args[n - 1] : undefined;
    if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
      n--;
      if (last.timeout !== undefined && last.timeout !== Infinity) {
        if (typeof last.timeout !== 'number' || !(last.timeout >= 0)) return Promise.reject(new TypeError('receive: timeout must be a number of milliseconds >= 0'));
        timeout = Math.floor(last.timeout);
      }
    }
    if (this.dead) return Promise.reject(new Killed(this.exitReason));
    /* Stopping, it receives no more, but in its terminate (as OTP's may). */
    if (this.stopReason !== undefined && !this.ending) return Promise.reject(new StopSignal());
    if (this.waiting) return Promise.reject(new Error('receive: this process is already receiving'));
    let patterns, handlers;
    if (n === 0) {
      patterns = [ANY];
      handlers = [IDENTITY];
    } else {
      patterns = new Array(n);
      handlers = new Array(n);
      for (let i = 0; i < n; i++) {
        const c = args[i];
        if (!Array.isArray(c) || c.length !== 2 || typeof c[1] !== 'function')
          return Promise.reject(new TypeError(`receive: clause ${i} must be a [pattern, handler] pair`));
        patterns[i] = c[0];
        handlers[i] = c[1];
      }
    }
    let entry = this.lastEntry;
    /* A loop usually receives with the same clauses each time: compared
     * with the last ones, they need no key built and looked up. */
    if (entry !== null && !entry.evicted && samePatterns(patterns, this.lastPatterns)) {
      entry.uses++;
    } else {
      try {
        entry = this.rt.patternEntry(patterns);
      } catch (e) {
        return Promise.reject(e);
      }
      this.lastEntry = entry;
      this.lastPatterns = snapshot(patterns);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { entry, handlers, resolve, reject };
      this.post(entry.slot, timeout);
    });
  }

  post(slot, timeout) {
    const rc = this.rt.native.receive(this.pid, slot, timeout);
    if (rc === 1 || (rc === 0 && timeout >= 0)) this.rt.schedule(); // an event is queued, or a timer to arm
    else if (rc < 0) this.fail(rc === FX.ENOPROC ? new Killed(this.exitReason) : new FauxtpError(rc, 'receive'));
  }

  fail(error) {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    this.rt.releasePattern(w.entry);
    w.reject(error);
  }

  onMatch(clause, terms) {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    this.rt.releasePattern(w.entry);
    const order = w.entry.order;
    if (order !== null && order[clause] !== null) terms = inWrittenOrder(terms, order[clause]);
    let result;
    try {
      result = w.handlers[clause](...terms);
    } catch (e) {
      w.reject(e);
      return;
    }
    w.resolve(result);
  }

  onTimeout() {
    this.fail(new ReceiveTimeout('receive timed out'));
  }

  /* The core says the process ended: an exit signal, the host's own
   * request, or the core could not go on with it (out of memory). A
   * receive still waiting fails. */
  onExit(reason) {
    if (this.dead) return;
    this.dead = true;
    this.exitReason = reason;
    this.fail(new Killed(reason));
  }

  /* stop(): ends the process once its current handler returns; a process
   * waiting in receive stops now. Its receive is taken back from the core
   * first: the messages stay in the mailbox (terminate may receive them),
   * and the pattern is not freed while the core still matches with it. */
  stop(reason) {
    if (this.dead || this.stopReason !== undefined) return;
    this.stopReason = reason;
    if (this.waiting) this.rt.native.cancelReceive(this.pid);
    this.fail(new StopSignal());
  }
}
