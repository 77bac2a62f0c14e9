/* Fault tests: the runtime under failure.
 *
 *   - wasm memory exhaustion, on a variant of the module whose memory
 *     cannot grow past 32 MB (build/emscripten/bindings/fauxtp-lowmem.*,
 *     built by the emscripten preset): a message too big for it and a
 *     mailbox flooded until memory runs out fail with a clear error, and
 *     afterwards send and call work and no accepted message is lost;
 *   - an exception or a rejected promise in every kind of JavaScript
 *     handler stays in its process: monitors and links fire with the
 *     error's name and message, start() rejects for init, a call rejects
 *     with the crash reason, and the rest of the runtime keeps going;
 *   - a supervision tree under crash storms ends as OTP says: inside the
 *     intensity every child is back with a new pid; past it the supervisor
 *     and its children are gone and its own supervisor starts it again,
 *     until the root's intensity runs out too;
 *   - calls, sends, links and monitors aimed at dead and never-existing
 *     pids behave as API.md (and Erlang) say. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fauxtp, Actor, GenServer, ANY, sleep, until, probe } from './helpers.mjs';

const { Runtime, Supervisor, ExitError, FauxtpError, Pid } = fauxtp;

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});
after(() => rt.close());

/* ---- memory exhaustion ---- */

const LOWMEM = new URL('../../build/emscripten/bindings/fauxtp-lowmem.mjs', import.meta.url);
const LOWMEM_WASM = new URL('../../build/emscripten/bindings/fauxtp-lowmem.wasm', import.meta.url);
const haveLowmem = fs.existsSync(LOWMEM) && fs.existsSync(LOWMEM_WASM);
const noLowmem = haveLowmem ? false : 'build/emscripten/bindings/fauxtp-lowmem.* missing: build the emscripten preset';

class Mirror extends GenServer {
  handleCall(request, _from, state) {
    return [request, state];
  }
}

/* Receives only when the test asks it to. */
class Holder extends Actor {
  init(box) {
    box.actor = this;
  }
  run() {
    return new Promise(() => {});
  }
}

test('out of wasm memory: the failing operation says so, and the runtime carries on', { skip: noLowmem }, async () => {
  const { default: create } = await import(LOWMEM);
  const module = await create({ wasmBinary: fs.readFileSync(LOWMEM_WASM) });
  const low = new Runtime(module);
  const size = () => module.HEAPU8.buffer.byteLength;
  try {
    const server = await low.start(Mirror);
    const box = {};
    const holder = await low.start(Holder, box);
    const others = await Promise.all(Array.from({ length: 40 }, () => low.start(Holder, {})));
    assert.ok(size() <= 32 << 20);

    /* A message bigger than the memory can ever be. */
    await assert.rejects(low.send(holder, new Uint8Array(40 << 20)), /out of memory/);
    await assert.rejects(low.call(server, { big: 'x'.repeat(40 << 20) }), /out of memory/);
    assert.equal(await low.call(server, 'after a huge message'), 'after a huge message');
    assert.equal(low.processInfo(holder).mailboxLength, 0, 'nothing half-sent');

    /* A mailbox flooded until the memory runs out. */
    let accepted = 0;
    let error = null;
    while (error === null) {
      try {
        await low.send(holder, [accepted, 'a payload of some bytes']);
        accepted++;
      } catch (e) {
        error = e;
      }
      assert.ok(accepted < 10_000_000, 'the memory never ran out');
    }
    assert.ok(error instanceof FauxtpError && error.code === 'FX_ENOMEM', `send failed with ${error}`);
    assert.equal(size(), 32 << 20, 'the memory grew to its maximum');
    assert.ok(accepted > 10_000);
    /* Out of memory is an error, never a wrong answer ("no processes"). */
    assert.throws(() => low.processes(), (e) => e instanceof FauxtpError && e.code === 'FX_ENOMEM');
    await assert.rejects(low.call(server, 'x'), (e) => e instanceof FauxtpError && e.code === 'FX_ENOMEM');
    assert.ok(low.isAlive(holder) && low.isAlive(server));

    /* Every accepted message is there, in order. */
    const actor = box.actor;
    assert.equal(low.processInfo(holder).mailboxLength, accepted);
    let bad = 0;
    for (let i = 0; i < accepted; i++) {
      const m = await actor.receive([ANY, (x) => x], { timeout: 0 });
      if (m[0] !== i || m[1] !== 'a payload of some bytes') bad++;
    }
    assert.equal(bad, 0);
    assert.equal(low.processInfo(holder).mailboxLength, 0);
    assert.equal(await low.call(server, 'room again'), 'room again');

    assert.equal(low.processes().length, 42);
    for (const p of others) assert.ok(low.isAlive(p));

    /* Business as usual. */
    await low.send(holder, 'hello');
    assert.equal(await actor.receive([ANY, (x) => x], { timeout: 1000 }), 'hello');
    const again = await low.start(Mirror);
    assert.deepEqual(await low.call(again, [1, 'two']), [1, 'two']);
  } finally {
    low.close();
  }
});

/* ---- exceptions and rejections in handlers ---- */

const fail = (where, async) => {
  const e = new RangeError(`${where} failed`);
  if (async) return sleep(1).then(() => Promise.reject(e));
  throw e;
};

/* Each case: a class that fails in one handler (thrown, or a rejected
 * promise) once `poke` reaches it, and how to poke it. */
function cases(async) {
  const kind = async ? 'async' : 'sync';
  return [
    {
      where: 'run',
      Class: class extends Actor {
        async run() {
          await this.receive(['poke', () => {}]);
          return fail('run', async);
        }
      },
      poke: (pid) => rt.send(pid, 'poke')
    },
    {
      where: 'a receive handler',
      Class: class extends Actor {
        async run() {
          await this.receive(['poke', () => fail('a receive handler', async)]);
        }
      },
      poke: (pid) => rt.send(pid, 'poke')
    },
    {
      where: 'handleCall',
      Class: class extends GenServer {
        handleCall() {
          return fail('handleCall', async);
        }
      },
      poke: (pid) => assert.rejects(rt.call(pid, 'poke'), (e) => e instanceof ExitError && e.reason.message === 'handleCall failed')
    },
    {
      where: 'handleCast',
      Class: class extends GenServer {
        handleCast() {
          return fail('handleCast', async);
        }
      },
      poke: (pid) => rt.cast(pid, 'poke')
    },
    {
      where: 'handleInfo',
      Class: class extends GenServer {
        handleInfo() {
          return fail('handleInfo', async);
        }
      },
      poke: (pid) => rt.send(pid, 'poke')
    },
    {
      where: 'terminate',
      Class: class extends GenServer {
        handleCast(_m, s) {
          this.stop('normal');
          return s;
        }
        terminate() {
          return fail('terminate', async);
        }
      },
      poke: (pid) => rt.cast(pid, 'stop')
    }
  ].map((c) => ({ ...c, kind }));
}

for (const async of [false, true]) {
  test(`${async ? 'a rejected promise' : 'an exception'} in init rejects start(); nothing is left behind`, async () => {
    const before = rt.processes().length;
    class BadInit extends Actor {
      init() {
        return fail('init', async);
      }
    }
    class BadServerInit extends GenServer {
      init() {
        return fail('init', async);
      }
    }
    await assert.rejects(rt.start(BadInit), { name: 'RangeError', message: 'init failed' });
    await assert.rejects(rt.start(BadServerInit), { name: 'RangeError', message: 'init failed' });
    await until(() => rt.processes().length === before);
    const m = await rt.start(Mirror);
    assert.equal(await rt.call(m, 'fine'), 'fine');
  });

  for (const c of cases(async)) {
    test(`${async ? 'a rejected promise' : 'an exception'} in ${c.where} crashes that process only; monitors and links fire`, async () => {
      const pid = await rt.start(c.Class);
      const watcher = await probe(rt);
      const linked = await probe(rt, { trap: true });
      const ref = watcher.actor().monitor(pid);
      linked.actor().link(pid);
      const bystander = await rt.start(Mirror);
      await c.poke(pid);
      const down = await watcher.next();
      const reason = { error: 'RangeError', message: `${c.where} failed` };
      assert.equal(down[0], 'DOWN');
      assert.ok(down[1].equals(ref));
      assert.deepEqual(down[4], reason);
      const exit = await linked.next();
      assert.equal(exit[0], 'EXIT');
      assert.ok(exit[1].equals(pid));
      assert.deepEqual(exit[2], reason);
      assert.equal(rt.isAlive(pid), false);
      assert.ok(rt.isAlive(watcher.pid) && rt.isAlive(linked.pid));
      assert.equal(await rt.call(bystander, 'still here'), 'still here');
    });
  }
}

test('a process linked to a crashing one dies with it unless it traps exits; terminate may fail too', async () => {
  class Crashes extends Actor {
    async run() {
      await this.receive(['go', () => fail('run', false)]);
    }
    terminate() {
      throw new TypeError('terminate failed as well');
    }
  }
  const pid = await rt.start(Crashes);
  const victim = await probe(rt);
  victim.actor().link(pid);
  const watcher = await probe(rt);
  watcher.actor().monitor(pid);
  watcher.actor().monitor(victim.pid);
  await rt.send(pid, 'go');
  const downs = [await watcher.next(), await watcher.next()];
  /* The crash's reason stands (terminate's own failure does not replace it). */
  for (const d of downs) assert.deepEqual(d[4], { error: 'RangeError', message: 'run failed' });
  assert.equal(rt.isAlive(victim.pid), false);
});

/* ---- a supervision tree under crash storms ---- */

class Worker extends Actor {
  async run() {
    await this.receive(['crash', () => fail('worker', false)], [ANY, () => {}]);
  }
}

const kids = async (sup) => Object.fromEntries((await rt.whichChildren(sup)).map((c) => [c.id, c.pid]));
const workers = (n) => Array.from({ length: n }, (_, i) => ({ id: `w${i}`, actor: Worker }));

async function settled(sup, n) {
  let now;
  for (const t0 = Date.now(); Date.now() - t0 < 5000; ) {
    now = await kids(sup);
    if (Object.values(now).length === n && Object.values(now).every((p) => p && rt.isAlive(p))) return now;
    await sleep(2);
  }
  throw new Error(`children never settled: ${JSON.stringify(now)}`);
}

test('a crash storm inside the intensity: every strategy ends with every child back, under new pids', async () => {
  for (const strategy of ['one_for_one', 'one_for_all', 'rest_for_one']) {
    class Tree extends Supervisor {
      static strategy = strategy;
      static maxRestarts = 1000;
      static maxSeconds = 60;
      childSpecs() {
        return workers(6);
      }
    }
    const sup = await rt.start(Tree);
    const seen = [];
    for (let round = 0; round < 10; round++) {
      const before = await settled(sup, 6);
      seen.push(...Object.values(before));
      /* Every child crashes and is killed at once, twice over. */
      for (const p of Object.values(before)) {
        await rt.send(p, 'crash');
        rt.exit(p, 'kill');
      }
      await until(() => Object.values(before).every((p) => !rt.isAlive(p)));
    }
    const after = await settled(sup, 6);
    for (const p of Object.values(after)) assert.ok(!seen.some((q) => q.equals(p)), `${strategy}: a new pid`);
    /* Nothing else of the tree is alive: no orphan from the storm. */
    const live = rt.processes().filter((p) => seen.some((q) => q.equals(p)));
    assert.deepEqual(live, [], `${strategy}: the old children are all gone`);
    assert.ok(rt.isAlive(sup));
    rt.exit(sup, 'shutdown');
    await until(() => !rt.isAlive(sup) && Object.values(after).every((p) => !rt.isAlive(p)));
  }
});

test('a crash storm past the intensity: the subtree stops, its supervisor restarts it, until the root gives up', async () => {
  class Mid extends Supervisor {
    static strategy = 'one_for_one';
    static maxRestarts = 3;
    static maxSeconds = 60;
    childSpecs() {
      return workers(3);
    }
  }
  class Steady extends Supervisor {
    childSpecs() {
      return workers(2);
    }
  }
  class Root extends Supervisor {
    static strategy = 'one_for_one';
    static maxRestarts = 2;
    static maxSeconds = 60;
    childSpecs() {
      return [
        { id: 'mid', actor: Mid, restart: 'permanent' },
        { id: 'steady', actor: Steady, restart: 'permanent' }
      ];
    }
  }
  const root = await rt.start(Root);
  const watcher = await probe(rt);
  watcher.actor().monitor(root);
  const steady = (await kids(root)).steady;
  const steadyKids = await settled(steady, 2);

  /* Storm `mid` past its intensity (3 restarts, the 4th crash stops it):
   * Root restarts it (Root's restart 1, then 2). */
  for (let storm = 1; storm <= 2; storm++) {
    const mid = (await kids(root)).mid;
    const midKids = Object.values(await settled(mid, 3));
    const midWatch = await probe(rt);
    midWatch.actor().monitor(mid);
    for (let i = 0; i < 4; i++) {
      const w = (await settled(mid, 3)).w0;
      await rt.send(w, 'crash');
      await until(() => !rt.isAlive(w));
    }
    const down = await midWatch.next();
    assert.equal(down[4], 'shutdown', 'a supervisor past its intensity stops with shutdown');
    await until(() => midKids.every((p) => !rt.isAlive(p)));
    let mid2;
    for (const t0 = Date.now(); Date.now() - t0 < 5000 && !(mid2 && !mid2.equals(mid) && rt.isAlive(mid2)); ) {
      mid2 = (await kids(root)).mid;
      await sleep(2);
    }
    assert.ok(mid2 && !mid2.equals(mid), `storm ${storm}: the root restarted mid`);
    await settled(mid2, 3);
    /* one_for_one: the sibling subtree was not touched. */
    assert.ok((await kids(root)).steady.equals(steady));
    assert.deepEqual(await kids(steady), steadyKids);
  }

  /* A third time is past the root's intensity (2): the whole tree stops. */
  const mid = (await kids(root)).mid;
  rt.exit(mid, 'kill');
  const down = await watcher.next();
  assert.equal(down[0], 'DOWN');
  assert.equal(down[4], 'shutdown');
  await until(() => !rt.isAlive(steady) && Object.values(steadyKids).every((p) => !rt.isAlive(p)));
  assert.equal(rt.isAlive(root), false);
});

/* ---- dead and never-existing pids ---- */

test('dead and never-existing pids: call rejects with noproc, send drops, monitor and link report noproc', async () => {
  const dead = await rt.start(Mirror);
  rt.exit(dead, 'kill');
  await until(() => !rt.isAlive(dead));
  const never = Pid.local(987_654, 321);
  for (const pid of [dead, never]) {
    assert.equal(rt.isAlive(pid), false);
    await assert.rejects(rt.call(pid, 'hi'), (e) => e instanceof ExitError && e.reason === 'noproc');
    await rt.send(pid, 'dropped'); // resolves: silently dropped
    await rt.cast(pid, 'dropped');
    assert.equal(rt.processInfo(pid), null);

    const watcher = await probe(rt);
    const ref = watcher.actor().monitor(pid);
    const down = await watcher.next();
    assert.equal(down[0], 'DOWN');
    assert.ok(down[1].equals(ref));
    assert.ok(down[3].equals(pid));
    assert.equal(down[4], 'noproc');

    /* Linking to a dead pid: a trapping linker gets {'EXIT', Pid, noproc}... */
    const trapper = await probe(rt, { trap: true });
    assert.equal(trapper.actor().link(pid), true);
    const exit = await trapper.next();
    assert.equal(exit[0], 'EXIT');
    assert.ok(exit[1].equals(pid));
    assert.equal(exit[2], 'noproc');
    assert.ok(rt.isAlive(trapper.pid));

    /* ...and a linker that does not trap exits dies of it. */
    const linker = await probe(rt);
    watcher.actor().monitor(linker.pid);
    linker.actor().link(pid);
    const died = await watcher.next();
    assert.ok(died[3].equals(linker.pid));
    assert.equal(died[4], 'noproc');
    assert.equal(rt.isAlive(linker.pid), false);

    rt.exit(pid, 'kill'); // nothing to do, no error
    assert.equal(rt.register('ghost', pid), false);
  }
});

test('a process whose exit reason the core cannot take (its atom table is full) still exits, and says why', async () => {
  const own = await fauxtp.createRuntime();
  try {
    class Stopper extends Actor {
      async run(state) {
        await this.receive(['stop', () => 0]);
        this.stop('a_reason_never_seen_before');
        return state;
      }
    }
    const victim = await own.start(Stopper);
    const watcher = await probe(own);
    watcher.actor().monitor(victim);
    const sink = await own.start(Stopper);
    own.exit(sink, 'kill');
    /* Every new atom a message names is interned, delivered or not. */
    let full = null;
    for (let chunk = 0; full === null && chunk < 100; chunk++) {
      const atoms = Array.from({ length: 50_000 }, (_, i) => fauxtp.atom(`filler_${chunk}_${i}`));
      await own.send(sink, atoms).catch((e) => (full = e));
    }
    assert.ok(full instanceof FauxtpError, String(full));
    await own.send(victim, 'stop');
    const down = await watcher.next();
    assert.equal(down[0], 'DOWN');
    assert.ok(down[3].equals(victim));
    assert.equal(down[4].error, 'FauxtpError');
    assert.match(down[4].message, /FX_ELIMIT/);
    assert.equal(own.isAlive(victim), false);
  } finally {
    own.close();
  }
});
