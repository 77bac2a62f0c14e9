/* Property test (fast-check): generated schedules of operations on
 * JavaScript GenServers, receiving Actors, Tasks and Supervisors of both,
 * issued in synchronous bursts so that their events share the core's
 * batches: calls (answered at once, later, never, by a crash, by an async
 * handler or by a nested call), casts, sends, spawns, tasks, kills and
 * exits, links, monitors and trapped exits, from outside and from inside
 * handlers (a supervisor's start among them, which dispatches its
 * children's starts at once). Whatever the interleaving:
 *
 *   - every call, start and task join settles: resolves (a call with a
 *     reply its request can have), or rejects with ReceiveTimeout or an
 *     ExitError; none is left waiting;
 *   - every process that ended is forgotten by the runtime's JavaScript
 *     (each one's exit reached it), and the core's process count is back;
 *   - no handler's error escapes to reportError.
 *
 * The seed is fixed (FAUXTP_PROP_SEED overrides it); fast-check prints the
 * seed and the shrunk schedule of a failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import util from 'node:util';
import { fauxtp, Actor, GenServer, ANY, sleep } from './helpers.mjs';
import { PROC } from '../../web/src/process.js'; // an actor's Proc: whether its exit reached it

const { ExitError, ReceiveTimeout, Task, Supervisor } = fauxtp;
const STRATEGIES = ['one_for_one', 'one_for_all', 'rest_for_one'];
const fc = createRequire(new URL('../../web/package.json', import.meta.url))('fast-check');
const SEED = Number(process.env.FAUXTP_PROP_SEED ?? 20261203);

let rt; // each schedule runs in a runtime of its own (a failure shrinks to its own cause)

/* What one schedule ran: its pids, and every call and start it made. */
class World {
  constructor(runtime) {
    this.rt = runtime;
    this.pids = [];
    this.actors = [];
    this.pending = new Set();
    this.failures = [];
  }

  pid(n) {
    return this.pids.length ? this.pids[n % this.pids.length] : null;
  }

  /* replies: for a call, what it may resolve with. */
  track(promise, what, replies = null) {
    const entry = { what };
    this.pending.add(entry);
    promise.then(
      (value) => {
        this.pending.delete(entry);
        if (replies && !replies.some((r) => util.isDeepStrictEqual(r, value))) this.failures.push(`${what}: resolved with ${util.inspect(value)}`);
      },
      (e) => {
        this.pending.delete(entry);
        if (!(e instanceof ReceiveTimeout || e instanceof ExitError)) this.failures.push(`${what}: ${e}`);
      }
    );
  }

  start(kind = 0) {
    const started = this.rt.start(kind % 3 === 2 ? Looper : Node, this);
    this.track(started, 'start');
    started.then((pid) => this.pids.push(pid), () => {});
  }

  /* One operation, from outside or from a handler. */
  act([op, n, m]) {
    const to = this.pid(n);
    switch (op) {
      case 'start':
        this.start(m);
        break;
      case 'sup': {
        const world = this; // children's args go through the core: the world by closure
        class Child extends Node {
          init() {
            return super.init(world);
          }
        }
        class LoopChild extends Looper {
          init() {
            super.init(world);
          }
        }
        class Tree extends Supervisor {
          static strategy = STRATEGIES[m % 3];
          static maxRestarts = 1000;
          static maxSeconds = 1;
          childSpecs() {
            return [
              { id: 'a', actor: Child },
              { id: 'b', actor: LoopChild }
            ];
          }
        }
        const started = this.rt.start(Tree);
        this.track(started, 'supervisor start');
        started.then(async (sup) => {
          this.pids.push(sup);
          try {
            for (const child of await this.rt.whichChildren(sup)) if (child.pid) this.pids.push(child.pid);
          } catch {} // it ended meanwhile
        }, () => {});
        break;
      }
      case 'task': {
        const spawned = Task.spawnIn(this.rt, async () => {
          await sleep(m % 3);
          return m;
        });
        this.track(spawned, 'task spawn');
        spawned.then((task) => {
          this.pids.push(task.pid);
          this.track(task.join(), 'task join');
        }, () => {});
        break;
      }
      case 'call': {
        const req = REQUESTS[m % REQUESTS.length];
        if (to) this.track(this.rt.call(to, req, 1 + (m % 40)), 'call', [req, 'late', 'done', ['error', 'badarg']]); // the last from a C supervisor
        break;
      }
      case 'cast':
        if (to) this.rt.cast(to, REQUESTS[m % REQUESTS.length]);
        break;
      case 'send':
        if (to) this.rt.send(to, REQUESTS[m % REQUESTS.length]);
        break;
      case 'kill':
        if (to) this.rt.exit(to, 'kill');
        break;
      case 'exit':
        if (to) this.rt.exit(to, m % 2 ? 'shutdown' : 'normal');
        break;
    }
  }
}

/* What a server is asked: [what, n, m], n and m choosing targets. */
const REQUESTS = [
  ['echo', 0, 0],
  ['later', 0, 3],
  ['never', 0, 0],
  ['crash', 0, 0],
  ['stop', 0, 0],
  ['call', 1, 5],
  ['call', 2, 1],
  ['start', 0, 0],
  ['kill', 1, 0],
  ['cast', 2, 0],
  ['link', 1, 0],
  ['monitor', 2, 0],
  ['trap', 0, 0],
  ['slow', 0, 2],
  ['task', 0, 1],
  ['sup', 0, 1],
  ['sup', 1, 2]
];

/* What a request other than a call's own asks of the process that takes
 * it (a GenServer or a receiving Actor): the same for both. */
function perform(actor, world, [what, n, m]) {
  const other = world.pid(n + 1);
  if (what === 'crash') throw new Error('asked to crash');
  if (what === 'stop') actor.stop('normal');
  else if (what === 'link' && other) actor.link(other);
  else if (what === 'monitor' && other) actor.monitor(other);
  else if (what === 'trap') actor.trapExits(m % 2 === 0);
  else if (['call', 'cast', 'start', 'task', 'kill', 'sup'].includes(what)) world.act([what, n + 1, m]);
  // anything else (an 'EXIT' or 'DOWN' message, an echo) is just taken
}

class Node extends GenServer {
  init(world) {
    world.actors.push(this);
    return { world };
  }

  handleCall(req, from, s) {
    const [what, , m] = req;
    if (what === 'echo') return [req, s];
    if (what === 'later') {
      setTimeout(() => this.runtime.reply(from, 'late'), m);
      return [GenServer.noReply, s];
    }
    if (what === 'never') return [GenServer.noReply, s];
    if (what === 'slow') return sleep(m % 3).then(() => [req, s]); // the server is busy meanwhile
    perform(this, s.world, req);
    return ['done', s];
  }

  handleCast(req, s) {
    if (req[0] === 'slow') return sleep(req[2] % 3).then(() => s);
    perform(this, s.world, req);
    return s;
  }

  handleInfo(req, s) {
    if (Array.isArray(req)) perform(this, s.world, req);
    return s;
  }
}

/* An Actor in a receive loop with a timeout: it answers calls itself
 * through their [pid, ref] From. */
class Looper extends Actor {
  init(world) {
    world.actors.push(this);
    this.world = world;
  }

  async run() {
    for (;;) {
      try {
        await this.receive(
          [['$gen_call', ANY, ANY], (from, req) => (req[0] === 'never' ? null : this.runtime.reply(from, req))],
          [ANY, (msg) => Array.isArray(msg) && perform(this, this.world, msg)],
          { timeout: 2 }
        );
      } catch (e) {
        if (!(e instanceof ReceiveTimeout)) throw e;
      }
    }
  }
}

const opArb = fc.tuple(fc.constantFrom('start', 'task', 'sup', 'call', 'call', 'call', 'cast', 'send', 'kill', 'exit', 'tick'), fc.nat(7), fc.nat(99));

test('under generated schedules every call settles and every ended process is forgotten', async () => {
  const errors = [];
  const report = globalThis.reportError;
  globalThis.reportError = (e) => errors.push(e);
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        rt = await fauxtp.createRuntime();
        try {
          await runSchedule(ops);
        } finally {
          rt.close();
        }
      }),
      { seed: SEED, numRuns: 300, includeErrorInReport: true }
    );
  } finally {
    globalThis.reportError = report;
  }
  assert.deepEqual(errors.map(String), []);
});

/* One schedule, in the runtime rt, and the checks after it. */
async function runSchedule(ops) {
  const base = rt.native.processCount();
  const world = new World(rt);
  world.start(0);
  world.start(2);
  await sleep(0);
  for (const op of ops) {
    if (op[0] === 'tick') await (op[1] % 2 ? sleep(op[2] % 3) : Promise.resolve());
    else world.act(op);
  }
  /* Let late replies and timeouts come, then end every process. */
  for (const t0 = Date.now(); world.pending.size && Date.now() - t0 < 200; ) await sleep(1);
  for (const pid of world.pids) rt.exit(pid, 'kill');
  for (const t0 = Date.now(); Date.now() - t0 < 3000; ) {
    if (world.pending.size === 0 && rt.procs.size === 0 && rt.native.processCount() === base) break;
    await sleep(1);
    for (const pid of world.pids) if (rt.isAlive(pid)) rt.exit(pid, 'kill'); // started since
  }
  assert.deepEqual([...world.pending].map((e) => e.what), [], 'every call and start settled');
  assert.deepEqual(world.failures, []);
  assert.equal(rt.procs.size, 0, 'the runtime forgot every ended process');
  assert.deepEqual(world.actors.filter((a) => !a[PROC].dead).map((a) => String(a[PROC].pid)), [], 'each one was told it ended');
  assert.equal(rt.native.processCount(), base);
}
