/* API.md §6-§7: init and the default runtime, isolated runtimes,
 * introspection and tracing, Task. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer, sleep, until } from './helpers.mjs';

const { init, createRuntime, Task, ExitError } = fauxtp;

class Echo extends GenServer {
  handleCall(req, _from, s) {
    return [req, s];
  }
}

before(async () => {
  await init();
});

test('init() makes the default runtime that the module-level functions use', async () => {
  const again = await init();
  assert.equal(again, await init());
  const pid = await Echo.start();
  assert.equal(await fauxtp.call(pid, 'x'), 'x');
  assert.equal(fauxtp.register('default_echo', pid), true);
  assert.ok(fauxtp.whereis('default_echo').equals(pid));
  assert.ok(fauxtp.registered().includes('default_echo'));
  assert.equal(fauxtp.isAlive(pid), true);
  await fauxtp.cast(pid, 'ignored?').catch(() => {});
  fauxtp.exit(pid, 'kill');
  await until(() => !fauxtp.isAlive(pid));
  assert.equal(fauxtp.whereis('default_echo'), null);
});

test('createRuntime() is isolated: its own processes and registry', async () => {
  const a = await createRuntime();
  const b = await createRuntime();
  const pa = await a.start(Echo);
  a.register('same_name', pa);
  assert.equal(b.whereis('same_name'), null);
  const pb = await b.start(Echo);
  assert.equal(b.register('same_name', pb), true);
  assert.equal(await a.call('same_name', 'a'), 'a');
  assert.equal(await b.call('same_name', 'b'), 'b');
  a.close();
  assert.equal(await b.call('same_name', 'still'), 'still');
});

test('processes() and processInfo()', async () => {
  const rt = await createRuntime();
  const pid = await rt.start(Echo);
  rt.register('info_me', pid);
  assert.ok(rt.processes().some((p) => p.equals(pid)));
  await rt.send(pid, 'unhandled-info');
  const info = rt.processInfo(pid);
  assert.ok(info.pid.equals(pid));
  assert.equal(info.name, 'info_me');
  assert.equal(info.behaviour, 'Echo');
  assert.equal(typeof info.mailboxLength, 'number');
  assert.equal(info.trapExits, false);
  assert.ok(Array.isArray(info.links) && Array.isArray(info.monitors));
  rt.exit(pid, 'kill');
  await until(() => !rt.isAlive(pid));
  assert.equal(rt.processInfo(pid), null);
  assert.ok(!rt.processes().some((p) => p.equals(pid)));
});

test('trace sees spawn, send, receive and exit, and costs nothing once removed', async () => {
  const rt = await createRuntime();
  const events = [];
  const untrace = rt.trace((e) => events.push(e));
  const pid = await rt.start(Echo);
  await rt.call(pid, 'traced');
  rt.exit(pid, 'kill');
  await until(() => events.some((e) => e.kind === 'exit'));
  untrace();
  assert.equal(rt.tracers, null);
  const kinds = new Set(events.map((e) => e.kind));
  for (const k of ['spawn', 'send', 'receive', 'exit']) assert.ok(kinds.has(k), k);
  assert.ok(events.every((e) => typeof e.time === 'number'));
  assert.equal(events.find((e) => e.kind === 'exit').reason, 'killed');
});

test('Task.spawn runs a function as a process; join gives its result or failure', async () => {
  const t = await Task.spawn(async () => {
    await sleep(5);
    return 42;
  });
  assert.ok(t.pid);
  assert.equal(await t.join(), 42);
  const sync = await Task.spawn(() => 'sync');
  assert.equal(await sync.join(), 'sync');
  const bad = await Task.spawn(() => {
    throw new RangeError('task failed');
  });
  await assert.rejects(bad.join(), RangeError);
  await until(() => !fauxtp.isAlive(bad.pid));
  const forever = await Task.spawn((self) => self.receive());
  fauxtp.exit(forever.pid, 'kill');
  await assert.rejects(forever.join(), (e) => e instanceof ExitError && e.reason === 'killed');
});

/* Counts the casts it gets; a call answers the count. */
class Sink extends GenServer {
  init() {
    return 0;
  }
  handleCast(_m, n) {
    return n + 1;
  }
  handleCall(_r, _f, n) {
    return [n, n];
  }
}

test('a flood of messages is processed in slices without blocking timers for long', async () => {
  const rt = await createRuntime();
  const pid = await rt.start(Sink);
  for (let i = 0; i < 100000; i++) rt.cast(pid, i);
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  assert.equal(await rt.call(pid, 'count', 30000), 100000);
  clearInterval(iv);
  assert.ok(ticks >= 0);
});

/* The slice ends on the clock (20 ms in Node.js), whatever the events
 * cost, and it is the realm's: busy runtimes share it, rather than each
 * taking one in the same task. */
test('busy handlers in several runtimes leave the event loop free every slice', async () => {
  class Busy extends GenServer {
    init() {
      return 0;
    }
    handleCast(_m, n) {
      const t = performance.now();
      while (performance.now() - t < 0.05); // 50 us of work
      return n + 1;
    }
    handleCall(_r, _f, n) {
      return [n, n];
    }
  }
  const rts = await Promise.all(Array.from({ length: 8 }, () => createRuntime()));
  const pids = await Promise.all(rts.map((rt) => rt.start(Busy)));
  let beating = true;
  let last = performance.now();
  let longest = 0;
  (async () => {
    while (beating) {
      await new Promise((r) => setImmediate(r));
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
    }
  })();
  await new Promise((r) => setImmediate(r));
  last = performance.now();
  for (const [k, rt] of rts.entries()) for (let i = 0; i < 500; i++) rt.cast(pids[k], i); // 8 x 25 ms of handlers
  const counts = await Promise.all(rts.map((rt, k) => rt.call(pids[k], 'count', 30000)));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); // the heartbeat's last tick
  beating = false;
  assert.deepEqual(counts, rts.map(() => 500));
  assert.ok(longest < 60, `the event loop was held for ${longest.toFixed(1)} ms`);
  for (const rt of rts) rt.close();
});

/* A runtime flooded for ever (a GenServer casting to itself) takes its
 * slices in turn with the others, and lets timers and the core run: a
 * second runtime's call waited for the flood to end, and with batches of
 * 17 events a timer of 20 ms fired after 340 ms. */
test('a runtime flooded for ever starves neither another runtime nor its own timers', async () => {
  let flooding = true;
  const a = await createRuntime();
  const b = await createRuntime();
  class Spin extends GenServer {
    init() {
      return 0;
    }
    handleCast(_m, n) {
      if (flooding) this.runtime.cast(this.pid, 0);
      return n + 1;
    }
  }
  let fired = -1;
  class Waiter extends Actor {
    async run() {
      await this.receive([['tick'], () => (fired = performance.now() - t0)]);
      this.stop();
    }
  }
  const waiter = await a.start(Waiter);
  const spinners = [];
  for (let k = 0; k < 17; k++) spinners.push(await a.start(Spin)); // batches of 17 events
  const sink = await b.start(Sink);
  for (const p of spinners) a.cast(p, 0);
  const safety = setTimeout(() => (flooding = false), 3000); // a starved wait ends, and fails below
  await sleep(30);
  const t0 = performance.now();
  a.sendAfter(20, waiter, ['tick']);
  for (let i = 0; i < 1000; i++) b.cast(sink, i);
  const answered = await b.call(sink, 'count', 10000);
  const took = performance.now() - t0;
  await until(() => fired >= 0, 5000);
  flooding = false;
  clearTimeout(safety);
  assert.equal(answered, 1000);
  assert.ok(took < 250, `the other runtime's call took ${took.toFixed(0)} ms`);
  assert.ok(fired < 250, `a 20 ms timer fired after ${fired.toFixed(0)} ms`);
  await sleep(20);
  a.close();
  b.close();
});

test('Supervisor.start and the supervisor queries work on the default runtime', async () => {
  class W extends Actor {
    run() {
      return this.receive();
    }
  }
  class Tree extends fauxtp.Supervisor {
    childSpecs() {
      return [{ id: 'w', actor: W }];
    }
  }
  const sup = await Tree.start();
  const [child] = await fauxtp.whichChildren(sup);
  assert.equal(child.id, 'w');
  assert.equal(await fauxtp.countChildren(sup), 1);
  await fauxtp.terminateChild(sup, 'w');
  assert.equal((await fauxtp.whichChildren(sup))[0].pid, null);
  const pid = await fauxtp.restartChild(sup, 'w');
  assert.ok(pid instanceof fauxtp.Pid);
  fauxtp.exit(sup, 'shutdown');
  await until(() => !fauxtp.isAlive(sup) && !fauxtp.isAlive(pid));
});

test('processInfo counts the messages a busy GenServer has not handled yet', async () => {
  const rt = await createRuntime();
  let release;
  const gate = new Promise((r) => (release = r));
  class Busy extends GenServer {
    init() {
      return 0;
    }
    async handleCast(_m, n) {
      if (n === 0) await gate;
      return n + 1;
    }
    handleCall(_r, _f, n) {
      return [n, n];
    }
  }
  const pid = await rt.start(Busy);
  for (let i = 0; i < 5; i++) await rt.cast(pid, i);
  await sleep(10);
  const info = rt.processInfo(pid);
  assert.equal(info.status, 'running');
  assert.equal(info.mailboxLength, 4);
  release();
  assert.equal(await rt.call(pid, 'n'), 5);
  assert.equal(rt.processInfo(pid).mailboxLength, 0);
});

/* Whatever still holds a closed runtime (a timer, a late handler) gets a
 * clear answer, and the runtimes beside it in the same module carry on. */
test('a closed runtime refuses what needs its core and answers queries as empty', async () => {
  class Holder extends GenServer {
    handleCall(_request, from, state) {
      this.from = from;
      return [GenServer.noReply, state];
    }
  }
  const other = await createRuntime();
  const otherPid = await other.start(Holder);
  const rt = await createRuntime();
  const pid = await rt.start(Holder);
  rt.register('holder', pid);
  const pending = rt.call(pid, 'wait');
  await until(() => rt.processInfo(pid).status === 'waiting' && rt.procs.get(pid.id, pid.serial).actor.from);
  const from = rt.procs.get(pid.id, pid.serial).actor.from;
  const timer = rt.sendAfter(1000, pid, 'later');
  rt.close();
  await assert.rejects(pending, (e) => e instanceof ExitError && e.reason === 'noproc');
  const closed = { name: 'FauxtpError', code: 'FX_ESTATE', message: /the runtime is closed/ };
  await assert.rejects(rt.send(pid, 1), closed);
  await assert.rejects(rt.cast('holder', 1), closed);
  await assert.rejects(rt.call(pid, 1), closed);
  await assert.rejects(rt.start(Holder), closed);
  await assert.rejects(Task.spawnIn(rt, () => 1), closed);
  await assert.rejects(rt.whichChildren(pid), closed);
  assert.throws(() => rt.sendAfter(1, pid, 1), closed);
  assert.throws(() => rt.makeRef(), closed);
  assert.throws(() => rt.trace(() => {}), closed);
  rt.reply(from, 'too late'); // the caller is gone: nothing happens
  assert.equal(rt.cancelTimer(timer), false);
  assert.equal(rt.exit(pid, 'kill'), true);
  assert.equal(rt.isAlive(pid), false);
  assert.equal(rt.register('x', pid), false);
  assert.equal(rt.unregister('holder'), false);
  assert.equal(rt.whereis('holder'), null);
  assert.deepEqual(rt.registered(), []);
  assert.deepEqual(rt.processes(), []);
  assert.equal(rt.processInfo(pid), null);
  rt.close(); // again: nothing
  /* The runtime beside it is untouched. */
  const answer = other.call(otherPid, 'wait');
  await until(() => other.procs.get(otherPid.id, otherPid.serial).actor.from);
  other.reply(other.procs.get(otherPid.id, otherPid.serial).actor.from, 'fine');
  assert.equal(await answer, 'fine');
  other.close();
});

/* Pids are numbered per runtime: one runtime's pid names some other
 * process in another, so a runtime refuses the pids another made. */
test('a runtime refuses the pids of another runtime', async () => {
  const a = await createRuntime();
  const b = await createRuntime();
  const pa = await a.start(Echo);
  const pb = await b.start(Echo);
  assert.equal(pa.toString(), pb.toString()); // the same numbers
  const foreign = { name: 'TypeError', message: /is a Pid of another runtime/ };
  await assert.rejects(b.send(pa, 'misdelivered?'), foreign);
  await assert.rejects(b.call(pa, 'misdelivered?'), foreign);
  await assert.rejects(b.cast(pa, 'misdelivered?'), foreign);
  assert.throws(() => b.isAlive(pa), foreign);
  assert.throws(() => b.exit(pa, 'kill'), foreign);
  assert.throws(() => b.register('x', pa), foreign);
  assert.throws(() => b.sendAfter(1, pa, 'x'), foreign);
  /* Inside a message too, with its path; nothing is sent. */
  await assert.rejects(b.call(pb, ['hello', pa]), { name: 'TypeError', message: /value\[1\] is a Pid of another runtime/ });
  /* A pid that comes back in a message is still its runtime's own. */
  const back = await a.call(pa, ['me', pa]);
  assert.ok(back[1].equals(pa));
  assert.deepEqual(await a.call(back[1], 'again'), 'again');
  await assert.rejects(b.send(back[1], 1), foreign);
  /* A pid of no runtime (made by the codec) goes anywhere, as before. */
  const decoded = fauxtp.binaryToTerm(fauxtp.termToBinary(pa));
  assert.equal(b.isAlive(decoded), true);
  class Linker extends Actor {
    init(other) {
      this.link(other);
    }
  }
  await assert.rejects(b.start(Linker, pa), foreign);
  assert.equal(await b.call(pb, 'still fine'), 'still fine');
  a.close();
  b.close();
});

test('a Task that stops itself rejects join() with an ExitError of its reason; terminate may receive after stop()', async () => {
  const rt = await createRuntime();
  const task = await Task.spawn(async (self) => {
    self.stop('giving_up');
    await self.receive(); // rejects: the task is stopping
  });
  await assert.rejects(task.join(), (e) => e instanceof ExitError && e.reason === 'giving_up');

  let got;
  class Polite extends Actor {
    async run() {
      await this.receive(['quit', () => this.stop('normal')]);
    }
    async terminate() {
      got = await this.receive(['bye', () => 'bye'], { timeout: 1000 });
    }
  }
  const pid = await rt.start(Polite);
  await rt.send(pid, 'quit');
  await sleep(5);
  await rt.send(pid, 'bye');
  await until(() => !rt.isAlive(pid));
  assert.equal(got, 'bye');
  rt.close();
});

test('an actor class made per use is not kept once its processes are gone', async () => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const rt = await createRuntime();
  const refs = [];
  for (let i = 0; i < 200; i++) {
    class PerUse extends GenServer {
      handleCall(r, _f, s) {
        return [r, s];
      }
    }
    refs.push(new WeakRef(PerUse));
    const pid = await rt.start(PerUse);
    assert.equal(await rt.call(pid, i), i);
    rt.exit(pid, 'kill');
  }
  await sleep(10);
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(10);
  }
  /* The engine may hold the newest one or two a while (inline caches). */
  const held = refs.filter((r) => r.deref() !== undefined).length;
  assert.ok(held <= 5, `${held} of 200 classes still held`);
  rt.close();
});

/* ---- stopping and crashing while messages come ---- */

const { ANY } = fauxtp;

class DownWatcher extends Actor {
  init(box) { this.box = box; box.self = this; }
  async run() { this.box.push(await this.receive()); }
}

test('a crashed GenServer handles no message while its async terminate runs', async () => {
  const rt = await createRuntime();
  const handled = [];
  class S extends GenServer {
    init() { return 0; }
    handleCast(m, s) { if (m === 'crash') throw new Error('boom'); return s; }
    handleCall(m, _from, s) { handled.push(m); return [['reply', m], s]; }
    async terminate() { await sleep(50); }
  }
  const p = await rt.start(S);
  await rt.cast(p, 'crash');
  await sleep(5); // the server is in terminate now
  await assert.rejects(rt.call(p, 'ping', 1000), (e) => e instanceof ExitError && e.reason?.message === 'boom');
  assert.deepEqual(handled, []);
  rt.close();
});

test('a GenServer whose async handler rejected handles no message while its async terminate runs', async () => {
  const rt = await createRuntime();
  const handled = [];
  class S extends GenServer {
    async handleCast() { throw new Error('boom'); }
    handleCall(m, _from, s) { handled.push(m); return [m, s]; }
    async terminate() { await sleep(50); }
  }
  const p = await rt.start(S);
  await rt.cast(p, 'crash');
  await sleep(5);
  await assert.rejects(rt.call(p, 'ping', 1000), ExitError);
  assert.deepEqual(handled, []);
  rt.close();
});

test('a message sent after stop() stays for terminate to receive', async () => {
  const rt = await createRuntime();
  let got;
  class A extends Actor {
    init(o) { o.self = this; }
    async run() { await this.receive([ANY, () => {}]); }
    async terminate() {
      await sleep(10);
      got = await this.receive({ timeout: 100 }).catch((e) => e.name);
    }
  }
  const o = {};
  const p = await rt.start(A, o);
  o.self.stop('normal'); // e.g. from a setTimeout in the actor's code
  await rt.send(p, 'hello');
  await sleep(2);
  assert.equal(rt.processInfo(p).mailboxLength, 1, 'the message is still in the mailbox');
  await sleep(150);
  assert.equal(got, 'hello');
  rt.close();
});

test('after stop(), a message the cancelled receive cannot match stays in the mailbox (pattern freed while in use)', async () => {
  const rt = await createRuntime();
  class A extends Actor {
    init(o) { o.self = this; }
    async run() { await this.receive([{ k: ANY }, () => {}]); } // a map pattern: compiled per receive, freed on release
    async terminate() { await sleep(100); }
  }
  const o = {};
  const p = await rt.start(A, o);
  o.self.stop('normal');
  await sleep(2);
  await rt.send(p, { j: 1 }); // {k: ANY} never matches this
  await sleep(2);
  assert.equal(rt.processInfo(p).mailboxLength, 1);
  rt.close();
});

test('a task that calls stop(reason) and returns: join and the exit reason agree', async () => {
  const rt = await createRuntime();
  const box = [];
  await rt.start(DownWatcher, box);
  const task = await Task.spawnIn(rt, async (self) => {
    box.self.monitor(self.pid);
    self.stop('giving_up');
    return 5;
  });
  const joined = await task.join().then((v) => ['resolved', v], (e) => ['rejected', e.reason]);
  await sleep(10);
  const down = box.find((m) => m[0] === 'DOWN');
  assert.equal(down[4], 'giving_up'); // the process exited abnormally...
  assert.deepEqual(joined, ['rejected', 'giving_up']); // ...so join should not resolve with 5
  rt.close();
});
