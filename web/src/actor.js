/* Behaviours written in JavaScript: Actor and GenServer.
 *
 * Each instance is one core host process (fx_host_spawn): the core keeps
 * its mailbox, links, monitors and registry entry; the instance keeps its
 * state and runs its code, one message at a time.
 *
 *   Actor      init(...args) -> state; run(state) -> state, called until
 *              the process stops; terminate(reason, state).
 *   GenServer  handleCall / handleCast / handleInfo over the fixed receive
 *              set {'$gen_call', From, Req}, {'$gen_cast', Req}, anything.
 *              Its receive stands in the core, so a run of messages comes
 *              in one batch; a handler that returns a plain value is
 *              handled at once in the run loop (no promise per message),
 *              async ones are awaited, the next messages waiting in order.
 *
 * A thrown exception crashes that process only, with a reason carrying the
 * error's name and message; terminate runs when the process stops itself
 * or crashes, never when an exit signal it does not trap ends it. */
import { PROC, Proc, Killed, StopSignal } from './process.js';
import { crashReason, checkPid } from './runtime.js';
import { defaultRuntime } from './default.js';
import { FX, ExitError, FauxtpError } from './errors.js';
import { ANY, Pid, Ref, atom, ownerOf } from './terms.js';

const isThenable = (x) => x !== null && (typeof x === 'object' || typeof x === 'function') && typeof x.then === 'function';

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/* The supervisor of a supervised child (null if memory ran out asking). */
function supervisorOf(rt, pid) {
  try {
    return rt.native.processInfo(pid)?.supervisor ?? null;
  } catch {
    return null;
  }
}

/* ---- Actor ---- */

const NOT_STARTED = Symbol('fauxtp.notStarted');

class ActorProc extends Proc {
  /* Runs init, then run until the process stops; `started` (may be null)
   * settles once init is over. */
  async main(args, started) {
    let state = await this.runInit(args, started);
    if (state === NOT_STARTED) return;
    started?.resolve(this.pid);
    let error = null;
    try {
      while (this.stopReason === undefined && !this.dead) state = await this.step(state);
    } catch (e) {
      error = e;
    }
    await this.end(error, state);
  }

  /* Runs the actor's init and returns its state, or NOT_STARTED once the
   * start has failed: init threw; the process ended meanwhile (onExit
   * rejected the start); or init called stop(reason), which is init's
   * {stop, Reason} in OTP: the start rejects with the reason and the
   * process exits with it, running no terminate. */
  async runInit(args, started) {
    let state;
    this.starting = started;
    try {
      state = await this.actor.init(...args);
    } catch (e) {
      this.starting = null;
      const stopped = e instanceof StopSignal || this.stopReason !== undefined;
      started?.reject(stopped ? new ExitError(this.stopReason ?? 'normal') : e);
      this.rt.hostExit(this, stopped ? this.stopReason ?? 'normal' : crashReason(e));
      return NOT_STARTED;
    }
    this.starting = null;
    if (this.dead) return NOT_STARTED;
    if (this.stopReason !== undefined) {
      started?.reject(new ExitError(this.stopReason));
      this.rt.hostExit(this, this.stopReason);
      return NOT_STARTED;
    }
    /* Started by a supervisor: it waits for this (a message to it). */
    if (this.supervised) {
      const rc = this.rt.native.hostStarted(this.pid);
      if (rc < 0 && rc !== FX.ENOPROC) {
        const e = new FauxtpError(rc, 'start');
        started?.reject(e);
        this.rt.hostExit(this, crashReason(e));
        return NOT_STARTED;
      }
      this.rt.schedule();
    }
    return state;
  }

  step(state) {
    return this.actor.run(state);
  }

  /* The process stops itself (error null or StopSignal) or crashes. */
  async end(error, state) {
    if (this.dead || this.ending || error instanceof Killed) return;
    this.ending = true;
    let reason = error === null || error instanceof StopSignal ? this.stopReason ?? 'normal' : crashReason(error);
    try {
      await this.actor.terminate(reason, state);
    } catch (e) {
      if (error === null || error instanceof StopSignal) reason = crashReason(e);
    }
    this.rt.hostExit(this, reason);
  }

  /* An exit signal (or the runtime's close) ends the process: a start
   * still waiting for its init rejects now, as OTP's start does when the
   * process dies before init returns, whether or not init ever settles. */
  onExit(reason) {
    const starting = this.starting;
    this.starting = null;
    super.onExit(reason);
    starting?.reject(new ExitError(reason));
    this.actor.exited?.(reason);
  }
}

/* The start of a supervised actor: its supervisor learns how init went
 * from the core (fx_host_started, or the process's exit), so there is
 * nothing to settle here; it marks init as running all the same. */
const SUPERVISED = { resolve() {}, reject() {} };

/**
 * A process whose behaviour is written in JavaScript. Subclass it and
 * override init, run and terminate.
 */
export class Actor {
  /** The process's pid (set before init runs). @type {Pid} */
  get pid() {
    return this[PROC].pid;
  }

  /** The runtime this process lives in. */
  get runtime() {
    return this[PROC].rt;
  }

  /** @returns {any} the initial state (may be a Promise) */
  init(..._args) {
    return undefined;
  }

  /* The default run has nothing to do: the process stops normally. */
  run(state) {
    this.stop('normal');
    return state;
  }

  terminate(_reason, _state) {}

  /**
   * Waits for the first message (oldest first) that one of the clauses
   * matches and resolves with its handler's result.
   * this.receive([pattern, handler], ..., { timeout })
   */
  receive(...clauses) {
    return this[PROC].receive(clauses);
  }

  /** Stops the process once the current handler returns. */
  stop(reason = 'normal') {
    this[PROC].stop(reason);
  }

  /** Starts an actor linked to this one; resolves with its pid after its init. */
  startLink(Class, ...args) {
    return this[PROC].rt.startWith(Class, args, { link: this.pid });
  }

  link(pid) {
    const proc = this[PROC];
    checkPid(pid, 'link', proc.rt.native);
    if (proc.rt.closed) throw proc.rt.closedError('link');
    const rc = proc.rt.native.link(proc.pid, pid);
    if (rc < 0 && rc !== FX.ENOPROC) throw new FauxtpError(rc, 'link');
    proc.rt.schedule();
    return true;
  }

  unlink(pid) {
    const proc = this[PROC];
    checkPid(pid, 'unlink', proc.rt.native);
    proc.rt.native.unlink(proc.pid, pid);
    proc.rt.schedule();
    return true;
  }

  /** Monitors pid: ["DOWN", ref, "process", pid, reason] arrives when it ends. */
  monitor(pid) {
    const proc = this[PROC];
    checkPid(pid, 'monitor', proc.rt.native);
    if (proc.rt.closed) throw proc.rt.closedError('monitor');
    const ref = proc.rt.native.monitor(proc.pid, pid);
    if (typeof ref === 'number') throw new FauxtpError(ref, 'monitor');
    proc.rt.schedule();
    return ref;
  }

  /** @returns {boolean} true when the monitor was still active */
  demonitor(ref) {
    const proc = this[PROC];
    if (!(ref instanceof Ref)) throw new TypeError('demonitor: expected the Ref that monitor returned');
    const owner = ownerOf(ref);
    if (owner !== undefined && owner !== proc.rt.native) return false; // another runtime's: no monitor here
    return proc.rt.native.demonitor(proc.pid, ref) === FX.OK;
  }

  /** Exit signals from links arrive as ["EXIT", pid, reason] messages while on. */
  trapExits(on = true) {
    const proc = this[PROC];
    proc.rt.native.trapExit(proc.pid, on);
    proc.trapExits = !!on;
  }

  /**
   * Starts one in the default runtime (after `await init()`).
   * @returns {Promise<Pid>} once init has returned; rejects if it throws
   */
  static start(...args) {
    try {
      return defaultRuntime().startWith(this, args);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /* The runtime's entry points (not public API). */
  static startIn(rt, args, link) {
    const started = deferred();
    let proc;
    try {
      proc = rt.spawnHost(link, (pid) => this.makeProc(rt, pid));
    } catch (e) {
      return Promise.reject(e);
    }
    proc.parent = link;
    startMain(rt, proc, args, started);
    return started.promise;
  }

  static startSupervised(rt, pid, args) {
    const proc = this.makeProc(rt, pid);
    proc.parent = supervisorOf(rt, pid);
    proc.supervised = true;
    rt.procs.add(proc);
    startMain(rt, proc, args, SUPERVISED);
  }

  static makeProc(rt, pid) {
    return new ActorProc(rt, pid, new this());
  }
}

/* Runs a new process's main now, up to its first await (its init): what
 * it calls is its own, even when a GenServer's handler started it
 * (Runtime.callsItself). */
function startMain(rt, proc, args, started) {
  const handler = rt.handlerPid;
  rt.handlerPid = null;
  proc.main(args, started);
  rt.handlerPid = handler;
}

/* ---- GenServer ---- */

const GEN_PATTERNS = [[atom('$gen_call'), ANY, ANY], [atom('$gen_cast'), ANY], ANY];
const CALL = 0;
const CAST = 1;

/** Return [GenServer.noReply, state] from handleCall to answer later with reply(from, value). */
const NO_REPLY = Symbol('fauxtp.noReply');

/* A GenServer's process: its receive set never changes, so it stands in
 * the core (posted again after each match) and a run of messages arrives in
 * one batch. Messages that arrive while an async handler runs wait here,
 * in order: the server still handles one message at a time. */
class ServerProc extends ActorProc {
  async main(args, started) {
    const state = await this.runInit(args, started);
    if (state === NOT_STARTED) return;
    this.state = state;
    this.busy = false;
    this.queue = [];
    this.head = 0;
    started?.resolve(this.pid);
    const slot = this.rt.patternEntry(GEN_PATTERNS).slot;
    const rc = this.rt.native.receiveStanding(this.pid, slot);
    if (rc === 1) this.rt.schedule();
    else if (rc < 0 && rc !== FX.ENOPROC) this.end(new FauxtpError(rc, 'receive'), this.state);
  }

  get status() {
    return this.dead ? 'exited' : this.busy ? 'running' : 'waiting';
  }

  /* Stopping or crashed, it handles nothing more: its standing receive is
   * taken back, so what comes meanwhile stays in the mailbox (and dies with
   * the process, callers getting its exit reason), as in OTP. */
  end(error, state) {
    if (!this.dead && !this.ending && !(error instanceof Killed)) this.rt.native.cancelReceive(this.pid);
    return super.end(error, state);
  }

  /* Matches come straight from the event batch: a call's From stays
   * undecoded (replying needs no decode and re-encode). */
  get rawMatch() {
    return true;
  }

  onMatchRaw(clause, batch, at) {
    if (this.dead || this.ending || this.stopReason !== undefined) return; // stopping: the rest dies with it
    let from;
    let message;
    if (clause === CALL) {
      from = batch.from(at);
      message = batch.term(batch.skip(at));
    } else {
      message = batch.term(at);
    }
    if (this.busy) this.queue.push(clause, from, message);
    else this.handle(clause, from, message);
  }

  /* Handles a message, then those that queued meanwhile, until a handler
   * goes async (it resumes when that settles) or the server stops. */
  handle(clause, from, message) {
    for (;;) {
      const actor = this.actor;
      if (clause !== CALL && clause !== CAST && this.isParentExit(message)) {
        this.stop(message[2]);
        return;
      }
      let result;
      const rt = this.rt;
      const outer = rt.handlerPid; // a handler can start a supervisor, whose children start at once
      this.handling = true;
      rt.handlerPid = this.pid;
      try {
        if (clause === CALL) result = actor.handleCall(message, from, this.state);
        else if (clause === CAST) result = actor.handleCast(message, this.state);
        else result = actor.handleInfo(message, this.state);
      } catch (e) {
        this.handling = false;
        rt.handlerPid = outer;
        this.end(e, this.state);
        return;
      }
      this.handling = false;
      rt.handlerPid = outer;
      if (isThenable(result)) {
        this.busy = true;
        result.then(
          (r) => {
            this.busy = false;
            if (this.done(clause, from, r)) this.next();
          },
          (e) => {
            this.busy = false;
            this.end(e, this.state);
          }
        );
        return;
      }
      if (!this.done(clause, from, result) || this.head === this.queue.length) return;
      clause = this.queue[this.head];
      from = this.queue[this.head + 1];
      message = this.queue[this.head + 2];
      this.take();
    }
  }

  /* An exit signal from its parent (its supervisor, or the process that
   * started it linked), trapped: as OTP's gen_server, the server
   * terminates with its reason instead of handling it as info. */
  isParentExit(message) {
    const parent = this.parent;
    return parent !== null && this.trapExits && Array.isArray(message) && message.length === 3 && message[0] === 'EXIT' && parent.equals(message[1]);
  }

  /* The next queued message, if any. */
  next() {
    if (this.head === this.queue.length) return;
    const q = this.queue;
    const h = this.head;
    const clause = q[h];
    const from = q[h + 1];
    const message = q[h + 2];
    this.take();
    this.handle(clause, from, message);
  }

  take() {
    this.head += 3;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  /* Applies a handler's result; false when the server is stopping or gone. */
  done(clause, from, result) {
    if (this.dead) return false;
    if (clause === CALL) {
      if (!Array.isArray(result) || result.length !== 2) {
        this.end(new TypeError(`${this.actor.constructor.name}.handleCall must return [reply, newState]`), this.state);
        return false;
      }
      if (result[0] !== NO_REPLY) {
        try {
          this.rt.reply(from, result[0]);
        } catch (e) {
          this.end(e, this.state);
          return false;
        }
      }
      this.state = result[1];
    } else {
      this.state = result;
    }
    if (this.stopReason !== undefined) {
      this.end(null, this.state);
      return false;
    }
    return true;
  }

  onTimeout() {}

  stop(reason) {
    if (this.dead || this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.rt.native.cancelReceive(this.pid); // what comes now stays in the mailbox
    /* Between messages: stop now; inside a handler or init: after it. */
    if (this.starting === null && !this.busy && !this.handling) this.end(null, this.state);
  }
}

/**
 * A request/reply server: override handleCall(request, from, state) ->
 * [reply, newState], handleCast(request, state) -> newState,
 * handleInfo(message, state) -> newState (each may be async).
 */
export class GenServer extends Actor {
  static noReply = NO_REPLY;

  handleCall(_request, _from, _state) {
    throw new Error(`${this.constructor.name} does not implement handleCall`);
  }

  handleCast(_request, _state) {
    throw new Error(`${this.constructor.name} does not implement handleCast`);
  }

  /* Unexpected messages are dropped, as OTP's default handle_info does
   * (it logs them). */
  handleInfo(_message, state) {
    return state;
  }

  run() {
    throw new Error('GenServer.run is driven by the runtime');
  }

  receive() {
    return Promise.reject(new Error('a GenServer receives through handleCall, handleCast and handleInfo'));
  }

  static makeProc(rt, pid) {
    return new ServerProc(rt, pid, new this());
  }
}

