/* API.md §5 timers, and the run loop's timer arming. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, sleep, probe, Actor, GenServer, ANY } from './helpers.mjs';

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

test('sendAfter delivers after the delay, in due order', async () => {
  const p = await probe(rt);
  const t0 = performance.now();
  rt.sendAfter(30, p.pid, 'second');
  rt.sendAfter(10, p.pid, 'first');
  assert.equal(await p.next(), 'first');
  assert.equal(await p.next(), 'second');
  assert.ok(performance.now() - t0 >= 29);
});

test('cancelTimer stops a pending timer and reports whether it was pending', async () => {
  const p = await probe(rt);
  const t = rt.sendAfter(20, p.pid, 'never');
  assert.equal(rt.cancelTimer(t), true);
  assert.equal(rt.cancelTimer(t), false);
  const fired = rt.sendAfter(1, p.pid, 'fired');
  assert.equal(await p.next(), 'fired');
  assert.equal(rt.cancelTimer(fired), false);
  await sleep(40);
  assert.equal(p.pending(), 0);
});

test('a timer to a name resolves the name when it fires', async () => {
  const p = await probe(rt);
  rt.sendAfter(10, 'later_name', 'hi');
  rt.register('later_name', p.pid);
  assert.equal(await p.next(), 'hi');
});

test('a timer to a pid dies with its process (erlang:send_after/3); one to a name does not', async () => {
  const p = await probe(rt);
  const toPid = rt.sendAfter(60_000, p.pid, 'never');
  const toName = rt.sendAfter(60_000, 'probe_name_that_stays', 'kept');
  rt.register('probe_name_that_stays', p.pid);
  rt.exit(p.pid, 'kill');
  await sleep(5);
  assert.equal(rt.cancelTimer(toPid), false); // cancelled by the exit
  assert.equal(rt.timerAt !== -1, true); // the name's timer still arms the loop
  assert.equal(rt.cancelTimer(toName), true);
  await sleep(5);
  assert.equal(rt.timer, null); // nothing left to keep the host awake
});

test('bad arguments are refused', () => {
  assert.throws(() => rt.sendAfter(-1, 'x', 1), TypeError);
  assert.throws(() => rt.sendAfter(1, 'x', () => 1), TypeError);
  assert.throws(() => rt.cancelTimer(5), TypeError);
});

test('nothing is armed while idle', async () => {
  await sleep(10);
  assert.equal(rt.timer, null);
});

/* setTimeout takes at most 2^31 - 1 ms (about 24.8 days): a longer delay
 * fires at once in browsers and after 1 ms in Node.js, so a far timer or a
 * long call timeout armed as is would wake the loop over and over. */
test('a timer or a call due beyond setTimeout\'s range leaves the loop idle', async () => {
  class Silent extends GenServer {
    handleCall(_request, _from, state) {
      return [GenServer.noReply, state];
    }
  }
  const silent = await rt.start(Silent);
  const p = await probe(rt);
  const original = globalThis.setTimeout;
  const armed = [];
  globalThis.setTimeout = (fn, ms, ...rest) => {
    if (fn === rt.timerFn) armed.push(ms);
    return original(fn, ms, ...rest);
  };
  const far = rt.sendAfter(2 ** 40, p.pid, 'far');
  const call = rt.call(silent, 'hold', 2 ** 41);
  call.catch(() => {});
  try {
    await sleep(60);
  } finally {
    globalThis.setTimeout = original;
    /* Cleared before the checks: a loop that spins would keep a failing
     * run alive. */
    assert.equal(rt.cancelTimer(far), true);
    rt.exit(silent, 'kill');
  }
  assert.ok(armed.length >= 1 && armed.length <= 2, `armed ${armed.length} times: ${armed.slice(0, 5)}`);
  for (const ms of armed) assert.ok(ms <= 2 ** 31 - 1, `armed for ${ms} ms`);
  assert.equal(p.pending(), 0);
  await assert.rejects(call, (e) => e instanceof fauxtp.ExitError && e.reason === 'killed');
});

/* The loop reads the clock every few pumps, not per pump: timers must
 * still fire on time while a chain of microtasks (awaited calls, which
 * never yield to a macrotask) keeps it busy, and no earlier than due. */
test('timers fire on time while awaited calls keep the loop busy', async () => {
  class Echo extends GenServer {
    handleCall(request, _from, state) {
      return [request, state];
    }
  }
  const echo = await rt.start(Echo);
  const p = await probe(rt);
  let firedAt = -1;
  let timedOutAt = -1;
  class Waiter extends Actor {
    async run() {
      try {
        await this.receive([['never', ANY], (x) => x], { timeout: 30 });
      } catch (e) {
        if (e instanceof fauxtp.ReceiveTimeout) timedOutAt = performance.now();
      }
      this.stop();
    }
  }
  const t0 = performance.now();
  rt.sendAfter(20, p.pid, 'due');
  await rt.start(Waiter);
  const started = performance.now();
  let calls = 0;
  while (performance.now() - t0 < 1000 && (firedAt < 0 || timedOutAt < 0)) {
    assert.equal(await rt.call(echo, calls), calls);
    calls++;
    if (firedAt < 0 && p.pending() > 0) firedAt = performance.now();
  }
  assert.ok(firedAt >= 0, 'the 20 ms timer fired during the calls');
  assert.ok(timedOutAt >= 0, 'the 30 ms receive timed out during the calls');
  assert.ok(firedAt - t0 >= 19, `the timer fired after ${(firedAt - t0).toFixed(1)} ms, before it was due`);
  assert.ok(timedOutAt - started >= 29, `the receive timed out after ${(timedOutAt - started).toFixed(1)} ms`);
  /* Late by about a slice (20 ms in Node.js) at most, with room for a
   * cold start (the calls run unoptimised at first) and a busy machine. */
  assert.ok(firedAt - t0 < 20 + 200, `the timer fired after ${(firedAt - t0).toFixed(1)} ms`);
  assert.ok(timedOutAt - started < 30 + 200, `the receive timed out after ${(timedOutAt - started).toFixed(1)} ms`);
  assert.equal(await p.next(), 'due');
  assert.ok(calls > 100, `${calls} calls`);
});

/* The core names a timer by slot and generation, 64 bits: past 2^21 uses
 * of a slot (a ticker reusing one slot every millisecond gets there in 35
 * minutes) the id no longer fits a Number exactly. */
test('a timer stays cancellable after its slot was used 2^21 times', async () => {
  const fresh = await fauxtp.createRuntime(); // its first timer slot, from its first use
  const p = await probe(fresh);
  for (let i = 0; i < 2 ** 21 + 2; i++) {
    const t = fresh.sendAfter(10000, p.pid, 'never');
    if (!fresh.cancelTimer(t)) assert.fail(`the timer set at use ${i} of its slot could not be cancelled`);
  }
  const t = fresh.sendAfter(20, p.pid, 'cancelled');
  assert.equal(fresh.cancelTimer(t), true);
  const fired = fresh.sendAfter(1, p.pid, 'fired');
  assert.equal(await p.next(), 'fired');
  assert.equal(fresh.cancelTimer(fired), false);
  await sleep(40);
  assert.equal(p.pending(), 0);
  fresh.close();
});

test('a timer is its runtime\'s: another runtime cancels nothing with it; one to an exited pid has ended', async () => {
  const one = await fauxtp.createRuntime();
  const other = await fauxtp.createRuntime();
  const here = await probe(one);
  const there = await probe(other);
  const mine = one.sendAfter(20, here.pid, 'mine');
  const theirs = other.sendAfter(20, there.pid, 'theirs'); // fresh runtimes: the same numbers as `mine`
  assert.equal(other.cancelTimer(mine), false);
  assert.equal(one.cancelTimer(theirs), false);
  assert.equal(await here.next(), 'mine');
  assert.equal(await there.next(), 'theirs');
  one.close();
  other.close();

  /* As erlang:send_after/3: to a pid that has exited, cancelled at once. */
  const gone = await probe(rt);
  rt.exit(gone.pid, 'kill');
  await sleep(5);
  const dead = rt.sendAfter(10_000, gone.pid, 'never');
  assert.equal(rt.cancelTimer(dead), false);
  assert.equal(rt.timer, null); // no host timer keeps the loop awake for it
});
