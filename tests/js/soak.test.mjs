/* Soak tests of the npm package in Node: the wasm module's memory must not
 * keep growing under sustained work.
 *
 *   - ten million messages (casts to a GenServer that checks their order):
 *     after the first million, the wasm memory (HEAPU8.buffer.byteLength)
 *     and the core's live bytes are recorded; after the other nine million
 *     both are identical;
 *   - a million spawn/exit cycles of the core's host processes (what every
 *     JavaScript actor is, without the JavaScript object) and 100,000 of
 *     JavaScript actors ending every way (stopping, crashing, killed): the
 *     same check between the first tenth and the end;
 *   - a mailbox flooded to a million messages (selective receive keeps them
 *     queued) drains completely and in order; the core's live bytes come
 *     back to within its bounded pools of what they were.
 *
 * FAUXTP_SOAK_DIVISOR=10 divides every count, for a quick run. The full
 * size takes about 30 s (more on a busy machine). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer } from './helpers.mjs';

const DIV = Number(process.env.FAUXTP_SOAK_DIVISOR ?? 1);
const MESSAGES = 10_000_000 / DIV;
const CYCLES = 1_000_000 / DIV;
const ACTOR_CYCLES = 100_000 / DIV;
const FLOOD = 1_000_000 / DIV;

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});
after(() => rt.close());

const macrotask = () => new Promise((r) => setImmediate(r));
/* The wasm memory's size and the bytes the core has allocated. */
const memory = () => ({ wasm: rt.native.m.HEAPU8.buffer.byteLength, core: rt.native.m._fxw_memory(rt.native.w) });
const processCount = () => rt.native.m._fxw_process_count(rt.native.w);

class Counter extends GenServer {
  init(box) {
    this.box = box;
    return 0;
  }
  handleCast(n, next) {
    if (n !== next) this.box.bad++;
    if (next + 1 === this.box.until) this.box.done();
    return next + 1;
  }
  handleCall(_req, _from, next) {
    return [next, next];
  }
}

test('ten million messages: the wasm memory is the same after the first million and after all', async (t) => {
  const box = { bad: 0 };
  const pid = await rt.start(Counter, box);
  const t0 = performance.now();
  let sent = 0;
  async function upTo(n) {
    const done = new Promise((resolve) => {
      box.until = n;
      box.done = resolve;
    });
    while (sent < n) {
      const end = Math.min(n, sent + 20_000);
      for (; sent < end; sent++) rt.cast(pid, sent);
      await macrotask(); // let the loop run: the mailbox stays short
    }
    await done;
  }
  await upTo(MESSAGES / 10);
  const first = memory();
  await upTo(MESSAGES);
  const last = memory();
  assert.equal(box.bad, 0, 'every message in order');
  assert.equal(await rt.call(pid, 'count'), MESSAGES);
  assert.deepEqual(last, first);
  rt.exit(pid, 'kill');
  t.diagnostic(`${MESSAGES} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s; wasm memory ${first.wasm} bytes, core ${first.core} bytes, after the first tenth and after all`);
});

class Quick extends Actor {
  init(how) {
    this.how = how;
  }
  async run() {
    if (this.how === 'stop') return this.stop('normal');
    if (this.how === 'crash') throw new Error('soak crash');
    await this.receive(); // killed while waiting
  }
}

test('a million spawn/exit cycles (and 100,000 of JavaScript actors): the memory does not grow', async (t) => {
  for (let t = 0; t < 1000 && rt.procs.size > 0; t++) await macrotask(); // the first test's server is gone
  assert.equal(rt.procs.size, 0);
  const t0 = performance.now();
  const native = rt.native;
  const kind = rt.kindOf(Quick);
  const normal = fauxtp.atom('normal');
  const base = processCount();
  function hostCycles(n) {
    for (let done = 0; done < n; done += 1000) {
      const pids = [];
      for (let i = 0; i < 1000; i++) {
        const pid = native.spawn(kind, null, false);
        assert.equal(typeof pid, 'object', 'spawn');
        pids.push(pid);
      }
      for (const pid of pids) assert.equal(native.hostExit(pid, normal), 0);
      native.run(1 << 20, 0);
      while (native.drain() !== null); // the exit events
      assert.equal(processCount(), base);
    }
  }
  const kinds = ['stop', 'crash', 'kill'];
  async function actorCycles(n) {
    for (let done = 0; done < n; done += 1000) {
      const pids = await Promise.all(Array.from({ length: 1000 }, (_, i) => rt.start(Quick, kinds[i % 3])));
      pids.forEach((pid, i) => {
        if (kinds[i % 3] === 'kill') rt.exit(pid, 'kill');
      });
      for (let t = 0; t < 10_000 && (processCount() > base || rt.procs.size > 0); t++) await macrotask();
      assert.equal(processCount(), base);
      assert.equal(rt.procs.size, 0, 'the runtime forgets every ended actor');
    }
  }
  hostCycles(CYCLES / 10);
  await actorCycles(ACTOR_CYCLES / 10);
  const first = memory();
  hostCycles(CYCLES - CYCLES / 10);
  await actorCycles(ACTOR_CYCLES - ACTOR_CYCLES / 10);
  const last = memory();
  assert.equal(last.wasm, first.wasm);
  /* The core keeps a few free lists whose length depends on the last
   * batch's order of exits: the same bound, not the same byte. */
  assert.ok(last.core <= first.core + 64 * 1024, `core bytes ${last.core} after, ${first.core} before`);
  t.diagnostic(`${CYCLES} host process and ${ACTOR_CYCLES} actor spawn/exit cycles in ${((performance.now() - t0) / 1000).toFixed(1)} s; wasm memory ${first.wasm} bytes`);
});

class Flood extends Actor {
  init(box) {
    this.box = box;
  }
  async run() {
    const box = this.box;
    await this.receive(['go', () => {}]); // the flood stays queued meanwhile
    let next = 0;
    let bad = 0;
    for (let i = 0; i < box.expect; i++) {
      const m = await this.receive();
      if (!Array.isArray(m) || m[0] !== next || m[1] !== 'payload') bad++;
      next++;
    }
    box.done({ next, bad });
  }
}

test('a mailbox flooded to a million messages drains completely and in order', async (t) => {
  const t0 = performance.now();
  const box = {};
  const pid = await rt.start(Flood, box);
  async function flood(n) {
    box.expect = n;
    const done = new Promise((resolve) => (box.done = resolve));
    for (let i = 0; i < n; i++) {
      rt.send(pid, [i, 'payload']);
      if (i % 50_000 === 49_999) await macrotask();
    }
    await macrotask();
    assert.equal(rt.processInfo(pid).mailboxLength, n, 'all queued');
    await rt.send(pid, 'go');
    assert.deepEqual(await done, { next: n, bad: 0 });
    assert.equal(rt.processInfo(pid).mailboxLength, 0);
  }
  const before = memory();
  await flood(FLOOD);
  const peak = memory();
  /* What stays: the message pool's bounded free list, a few scratch
   * buffers sized by the largest result so far. */
  assert.ok(peak.core - before.core < 256 * 1024, `core bytes ${peak.core} after the flood, ${before.core} before`);
  assert.ok(rt.isAlive(pid));
  t.diagnostic(`${FLOOD} messages queued and drained in ${((performance.now() - t0) / 1000).toFixed(1)} s; wasm memory ${peak.wasm} bytes`);
});
