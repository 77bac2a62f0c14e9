/* Supervisor: a JavaScript description of a supervision tree that the
 * core's C supervisor runs. Its JavaScript children are host processes
 * started through fx_host_child_start; when one exits, the C supervisor
 * decides (strategy, restart type, intensity) and starts a new one, which
 * reaches the runtime as a START event and runs the actor's init.
 *
 *   class Tree extends Supervisor {
 *     static strategy = 'one_for_one';   // or 'one_for_all', 'rest_for_one'
 *     static maxRestarts = 3;            // within
 *     static maxSeconds = 5;
 *     childSpecs() { return [{ id: 'a', actor: Worker, args: [1], restart: 'permanent' }]; }
 *   }
 *
 * Child args go through the core (they are copied, and must be values
 * that can be sent). A child whose `actor` is itself a Supervisor class is
 * a nested C supervisor. */
import { defaultRuntime } from './default.js';
import { ExitError, FauxtpError, describe } from './errors.js';
import { Encoder, byteString } from './etf.js';
import { Pid, atom, list } from './terms.js';

const STRATEGIES = { one_for_one: 0, one_for_all: 1, rest_for_one: 2 };
const RESTARTS = { permanent: 0, transient: 1, temporary: 2 };
const SUPERVISOR = atom('supervisor');

function checkCount(v, what, max) {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new TypeError(`${what} must be an integer in 0..${max}`);
  return v;
}

/* The spec term bindings/emscripten.c reads:
 * {Strategy, MaxRestarts, MaxSeconds, [{Id, Kind, Args, Restart, ShutdownMs}]} */
function specOf(rt, Class, args, depth) {
  if (depth > 16) throw new TypeError('supervisors nest too deeply');
  const name = Class.name || 'Supervisor';
  const strategy = STRATEGIES[Class.strategy];
  if (strategy === undefined) throw new TypeError(`${name}.strategy must be one of ${Object.keys(STRATEGIES).join(', ')}`);
  const sup = new Class();
  const specs = sup.childSpecs(...args);
  if (!Array.isArray(specs)) throw new TypeError(`${name}.childSpecs() must return an array`);
  /* Each id's ETF, which tells equal ids (as terms) apart from others; the
   * encoding also names the user's path for an id that cannot be sent. */
  const encoder = new Encoder();
  const ids = new Map(); // id bytes -> index
  const children = specs.map((c, i) => {
    const where = `${name}.childSpecs()[${i}]`;
    if (c === null || typeof c !== 'object') throw new TypeError(`${where} must be an object { id, actor, args, restart }`);
    if (c.id === undefined) throw new TypeError(`${where}.id is missing`);
    const id = byteString(encoder.encode(c.id, { path: `${where}.id` }));
    if (ids.has(id)) throw new TypeError(`${where}.id repeats childSpecs()[${ids.get(id)}].id: ids must be distinct`);
    ids.set(id, i);
    const restart = RESTARTS[c.restart ?? 'permanent'];
    if (restart === undefined) throw new TypeError(`${where}.restart must be 'permanent', 'transient' or 'temporary'`);
    const childArgs = c.args ?? [];
    if (!Array.isArray(childArgs)) throw new TypeError(`${where}.args must be an array`);
    encoder.encode(childArgs, { path: `${where}.args` });
    let shutdown = c.shutdown ?? 5000;
    if (shutdown === 'brutal_kill') shutdown = 0;
    else if (shutdown === Infinity || shutdown === 'infinity') shutdown = -1;
    else checkCount(shutdown, `${where}.shutdown`, 0x7fffffff);
    const actor = c.actor;
    let kind;
    if (typeof actor === 'function' && actor.prototype instanceof Supervisor) kind = [SUPERVISOR, specOf(rt, actor, childArgs, depth + 1)];
    else if (typeof actor === 'function' && typeof actor.startSupervised === 'function') kind = rt.kindOf(actor);
    else throw new TypeError(`${where}.actor must be an Actor, GenServer or Supervisor class`);
    return [c.id, kind, childArgs, restart, shutdown];
  });
  return [
    strategy,
    checkCount(Class.maxRestarts, `${name}.maxRestarts`, 1000000),
    checkCount(Class.maxSeconds, `${name}.maxSeconds`, 0x7fffffff),
    list(children)
  ];
}

/**
 * A supervisor: subclass it, set the static strategy / maxRestarts /
 * maxSeconds, and return the children from childSpecs().
 */
export class Supervisor {
  static strategy = 'one_for_one';
  static maxRestarts = 3;
  static maxSeconds = 5;

  /** @returns {Array<{ id: any, actor: Function, args?: any[], restart?: string, shutdown?: number }>} */
  childSpecs() {
    return [];
  }

  /** Starts one in the default runtime; resolves once its children's inits have run. */
  static start(...args) {
    try {
      return defaultRuntime().startWith(this, args);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  static async startIn(rt, args, link) {
    const pid = rt.native.supervisorStart(specOf(rt, this, args, 0), link);
    if (typeof pid === 'number') throw new FauxtpError(pid, `${this.name || 'Supervisor'}.start`);
    rt.schedule();
    /* The core's supervisor starts its children one at a time, as OTP's,
     * and answers no query before that is over: this one resolves once
     * every child's init has returned. A child that failed to start fails
     * the start: the supervisor stops the rest and exits with {shutdown,
     * {failed_to_start_child, Id, Reason}} (nested as OTP nests it), the
     * reason this query rejects with. */
    await query(rt, pid, WHICH);
    return pid;
  }
}

/* ---- queries: calls to the C supervisor ---- */

const WHICH = atom('which_children');
const COUNT = atom('count_children');
const TERMINATE = atom('terminate_child');
const RESTART = atom('restart_child');

function failed(op, reply) {
  const why = Array.isArray(reply) && reply[0] === 'error' ? reply[1] : reply;
  return new Error(`${op}: ${describe(why)}`);
}

/* A reply no supervisor gives: the call went to some other server. */
function notSupervisor(op, sup) {
  return new TypeError(`${op}: ${sup} answered as no supervisor does (is it one?)`);
}

/* As OTP's supervisor calls: no timeout (a child's shutdown may take
 * longer than call's default 5 s). */
const query = (rt, sup, request) => rt.call(sup, request, Infinity);

const isPair = (x) => Array.isArray(x) && x.length === 2;

/** @returns {Promise<Array<{ id: any, pid: Pid | null }>>} in start order */
export async function whichChildren(rt, sup) {
  const reply = await query(rt, sup, WHICH);
  if (!Array.isArray(reply) || !reply.every(isPair)) throw notSupervisor('whichChildren', sup);
  return reply.map(([id, pid]) => ({ id, pid: pid instanceof Pid ? pid : null }));
}

/** @returns {Promise<number>} how many children the supervisor has (running or not) */
export async function countChildren(rt, sup) {
  const reply = await query(rt, sup, COUNT);
  if (reply === null || typeof reply !== 'object' || !Number.isInteger(reply.specs)) throw notSupervisor('countChildren', sup);
  return reply.specs;
}

/** Stops a child (it stays in the spec list, not running). */
export async function terminateChild(rt, sup, id) {
  const reply = await query(rt, sup, [TERMINATE, id]);
  if (reply === 'ok') return;
  throw isPair(reply) && reply[0] === 'error' ? failed('terminateChild', reply) : notSupervisor('terminateChild', sup);
}

/** Starts a stopped child again; resolves with its new pid once the
 * child's init has returned (the supervisor answers then: the child
 * acknowledges its start, bindings' fx_host_started). */
export async function restartChild(rt, sup, id) {
  const reply = await query(rt, sup, [RESTART, id]);
  if (!isPair(reply) || (reply[0] !== 'ok' && reply[0] !== 'error')) throw notSupervisor('restartChild', sup);
  if (reply[0] === 'ok') return reply[1];
  const why = reply[1];
  if (why === 'running' || why === 'not_found') throw failed('restartChild', reply);
  /* The child ended before its init returned: it stays stopped, as OTP's. */
  const message = why !== null && typeof why === 'object' && typeof why.message === 'string' ? why.message : describe(why);
  throw new Error(`restartChild: the child's init failed: ${message}`, { cause: new ExitError(why) });
}

