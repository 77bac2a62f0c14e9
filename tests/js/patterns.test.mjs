/* API.md §2: patterns compiled and matched in the core; selective receive. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, sleep } from './helpers.mjs';

const { ANY, IGNORE, _, Int, Float, float, ReceiveTimeout, Pid, atom } = fauxtp;
let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

/* An actor that receives once with the given clauses and reports what
 * the handler got (the extracted values). */
class Once extends Actor {
  init(clauses, report) {
    this.clauses = clauses;
    this.report = report;
  }
  async run() {
    const got = await this.receive(...this.clauses.map((p, i) => [p, (...xs) => [i, xs]]));
    this.report(got);
    this.stop();
  }
}

async function matchOnce(message, ...patterns) {
  let resolve;
  const done = new Promise((r) => (resolve = r));
  const pid = await rt.start(Once, patterns, resolve);
  await rt.send(pid, message);
  return done;
}

test('the four examples of the original documentation hold', async () => {
  assert.deepEqual(await matchOnce(['data', 42], ['data', ANY]), [0, [42]]);
  assert.deepEqual(await matchOnce(['event', 'user_login', '127.0.0.1'], ['event', IGNORE, ANY]), [0, ['127.0.0.1']]);
  assert.deepEqual(await matchOnce({ key: 'value' }, Object), [0, [{ key: 'value' }]]);
  assert.deepEqual(await matchOnce(['msg', ['sub', 1]], ['msg', ['sub', Int]]), [0, [1]]);
});

test('types match instances and extract them', async () => {
  assert.deepEqual(await matchOnce('text', Number, String), [1, ['text']]);
  assert.deepEqual(await matchOnce(1.5, Int, Number), [1, [1.5]]);
  assert.deepEqual(await matchOnce(float(2), Int, Float), [1, [2]]);
  assert.deepEqual(await matchOnce(7, Float, Int), [1, [7]]);
  assert.deepEqual(await matchOnce(true, String, Boolean), [1, [true]]);
  assert.deepEqual(await matchOnce(12n ** 30n, Number, BigInt), [0, [12n ** 30n]]);
  assert.deepEqual(await matchOnce(new Uint8Array([1, 2]), Number, Uint8Array), [1, [new Uint8Array([1, 2])]]);
  assert.deepEqual(await matchOnce([1, 2, 3], Object, Array), [1, [[1, 2, 3]]]);
  const pid = Pid.local(1, 1);
  const [i, [p]] = await matchOnce(['who', pid], ['who', Pid]);
  assert.equal(i, 0);
  assert.ok(p.equals(pid));
  assert.deepEqual(await matchOnce(['x', 1, 2], ['x', _, _], ['x', ANY, ANY]), [0, []]);
});

test('String does not match a Uint8Array, nor Uint8Array a string', async () => {
  assert.deepEqual(await matchOnce(new Uint8Array([1, 2]), String, Uint8Array), [1, [new Uint8Array([1, 2])]]);
  assert.deepEqual(await matchOnce('str', Uint8Array, String), [1, ['str']]);
});

test('string literals match atoms too, and tuples need the same length', async () => {
  assert.deepEqual(await matchOnce([atom('ok'), 1], ['ok', ANY]), [0, [1]]);
  assert.deepEqual(await matchOnce(['a', 1, 2], ['a', ANY], ['a', ANY, ANY]), [1, [1, 2]]);
});

test('selective receive takes the oldest matching message and leaves the rest in order', async () => {
  const seen = [];
  class Picky extends Actor {
    init(done) {
      this.done = done;
      this.step = 0;
    }
    async run() {
      if (this.step++ === 0) {
        seen.push(await this.receive([['b', ANY], (x) => `b${x}`]));
      } else {
        seen.push(await this.receive([['a', ANY], (x) => `a${x}`], [['b', ANY], (x) => `b${x}`]));
        if (seen.length === 4) {
          this.done();
          this.stop();
        }
      }
    }
  }
  let done;
  const finished = new Promise((r) => (done = r));
  const pid = await rt.start(Picky, done);
  for (const m of [['a', 1], ['a', 2], ['b', 1], ['b', 2]]) await rt.send(pid, m);
  await finished;
  assert.deepEqual(seen, ['b1', 'a1', 'a2', 'b2']);
});

test('a receive times out with ReceiveTimeout and the message still arrives later', async () => {
  const results = [];
  class Waiter extends Actor {
    async run() {
      try {
        await this.receive([['late', ANY], (x) => x], { timeout: 20 });
        results.push('matched');
      } catch (e) {
        results.push(e instanceof ReceiveTimeout ? 'timeout' : String(e));
        results.push(await this.receive([['late', ANY], (x) => x], { timeout: 1000 }));
      }
      this.stop();
    }
  }
  const pid = await rt.start(Waiter);
  await sleep(60);
  await rt.send(pid, ['late', 7]);
  await sleep(30);
  assert.deepEqual(results, ['timeout', 7]);
});

test('a zero timeout polls the mailbox', async () => {
  const out = [];
  class Poll extends Actor {
    async run() {
      out.push(await this.receive([ANY, (x) => x], { timeout: 0 }).catch((e) => e.name));
      this.stop();
    }
  }
  await rt.start(Poll);
  await sleep(5);
  assert.deepEqual(out, ['ReceiveTimeout']);
});

test('a receive in a loop compiles its pattern once', async () => {
  class Loop extends Actor {
    init(n, done) {
      this.n = n;
      this.done = done;
      return 0;
    }
    async run(sum) {
      sum += await this.receive([['n', ANY], (x) => x]);
      if (--this.n === 0) {
        this.done(sum);
        this.stop();
      }
      return sum;
    }
  }
  const before = rt.patterns.size;
  let done;
  const finished = new Promise((r) => (done = r));
  const pid = await rt.start(Loop, 1000, done);
  for (let i = 0; i < 1000; i++) rt.send(pid, ['n', i]);
  assert.equal(await finished, 499500);
  assert.ok(rt.patterns.size - before <= 1);
});

test('handlers may be async and receive resolves with their result', async () => {
  let got;
  class AsyncHandler extends Actor {
    async run() {
      got = await this.receive([ANY, async (x) => {
        await sleep(5);
        return x * 2;
      }]);
      this.stop();
    }
  }
  const pid = await rt.start(AsyncHandler);
  await rt.send(pid, 21);
  await sleep(30);
  assert.equal(got, 42);
});

test('bad patterns are refused with a TypeError', async () => {
  class Bad extends Actor {
    async run() {
      await this.receive([[() => 1], () => 0]);
    }
  }
  const watcher = [];
  rt.trace((e) => e.kind === 'exit' && watcher.push(e.reason));
  const pid = await rt.start(Bad);
  await sleep(10);
  assert.equal(rt.isAlive(pid), false);
  assert.ok(watcher.some((r) => r && r.error === 'TypeError'));
});

test('a receive loop whose clauses change between receives matches with the new ones', async () => {
  const seen = [];
  const pat = ['tag', 1, ANY];
  const mapPat = { k: 1 };
  class Loop extends Actor {
    async run() {
      // The same array, changed in place, then 0 and -0, then a plain
      // object changed in place: each receive must see its own clauses.
      seen.push(await this.receive([pat, (x) => ['first', x]]));
      pat[1] = 2;
      seen.push(await this.receive([pat, (x) => ['second', x]]));
      seen.push(await this.receive([['z', 0], () => 'zero']));
      seen.push(await this.receive([['z', -0], () => 'minus zero']));
      seen.push(await this.receive([mapPat, () => 'k1']));
      mapPat.k = 2;
      seen.push(await this.receive([mapPat, () => 'k2']));
      this.stop();
    }
  }
  const pid = await rt.start(Loop);
  for (const m of [['tag', 2, 'b'], ['tag', 1, 'a'], ['z', -0], ['z', 0], { k: 2 }, { k: 1 }]) await rt.send(pid, m);
  while (rt.isAlive(pid)) await sleep(2);
  assert.deepEqual(seen, [['first', 'a'], ['second', 'b'], 'zero', 'minus zero', 'k1', 'k2']);
});

/* Whether a receive with this one pattern takes the message (within 50 ms). */
async function takes(message, pattern) {
  class Try extends Actor {
    init(report) {
      this.report = report;
    }
    async run() {
      try {
        this.report(await this.receive([pattern, () => true], { timeout: 50 }));
      } catch (e) {
        this.report(e instanceof ReceiveTimeout ? false : e);
      }
      this.stop();
    }
  }
  let resolve;
  const done = new Promise((r) => (resolve = r));
  const pid = await rt.start(Try, resolve);
  await rt.send(pid, message);
  return done;
}

test('map patterns extract their values in the order they are written', async () => {
  assert.deepEqual(await matchOnce({ name: 'ann', age: 42 }, { name: String, age: Int }), [0, ['ann', 42]]);
  assert.deepEqual(await matchOnce({ age: 42, name: 'ann' }, { name: String, age: Int }), [0, ['ann', 42]]);
  // Nested, beside tuple elements, in a Map (insertion order) and in a list.
  const message = ['x', { a: [1, { b: 'B', y: 'Y' }], z: 'Z' }, 'last'];
  assert.deepEqual(await matchOnce(message, ['x', { z: ANY, a: [Int, { y: String, b: ANY }] }, ANY]), [0, ['Z', 1, 'Y', 'B', 'last']]);
  const map = new Map([[1, 'one'], [2, 'two']]);
  assert.deepEqual(await matchOnce(map, new Map([[2, ANY], [1, ANY]])), [0, ['two', 'one']]);
  assert.deepEqual(await matchOnce(fauxtp.list([0, { a: 'A', b: 'B' }]), fauxtp.list([ANY, { b: ANY, a: ANY }])), [0, [0, 'B', 'A']]);
  // Written in key order already: as before.
  assert.deepEqual(await matchOnce({ a: 1, b: 2 }, { a: ANY, b: ANY }), [0, [1, 2]]);
});

test('a Uint8Array literal matches those bytes, never an atom (only string literals do)', async () => {
  const hi = new Uint8Array([104, 105]);
  assert.equal(await takes(atom('hi'), hi), false);
  assert.equal(await takes(atom('hi'), 'hi'), true);
  assert.equal(await takes('hi', hi), true);
  assert.equal(await takes(new Uint8Array([104, 105]), hi), true);
  assert.equal(await takes(['t', atom('hi')], ['t', hi]), false);
});

test('compiled patterns are not shared by patterns that differ: float(0) and float(-0), pids with odd node names', async () => {
  // Each first compiles (and caches) one pattern, then tries the other.
  assert.equal(await takes(float(0), float(0)), true);
  assert.equal(await takes(-0, float(-0)), true);
  assert.equal(await takes(float(0), float(-0)), false);
  assert.equal(await takes(-0, float(0)), false);
  const remote = new Pid('x', 1, 2, 3);
  assert.equal(await takes([remote, 5], [remote, 5]), true);
  assert.equal(await takes([remote, 5], [new Pid('x,n5', 1, 2, 3)]), false);
  assert.equal(await takes([remote, 5], [new Pid('x,n5]', 1, 2, 3)]), false);
});

test('a cyclic pattern is refused with a TypeError naming the cycle', async () => {
  const cyclic = ['tag'];
  cyclic.push(cyclic);
  const got = await takes('anything', cyclic);
  assert.ok(got instanceof TypeError, String(got));
  assert.match(got.message, /cycle/);
  assert.equal(await takes('after', 'after'), true);
});
