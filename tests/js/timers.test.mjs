/* API.md §5 timers, and the run loop's timer arming. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, sleep, probe } from './helpers.mjs';

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

test('bad arguments are refused', () => {
  assert.throws(() => rt.sendAfter(-1, 'x', 1), TypeError);
  assert.throws(() => rt.sendAfter(1, 'x', () => 1), TypeError);
  assert.throws(() => rt.cancelTimer(5), TypeError);
});

test('nothing is armed while idle', async () => {
  await sleep(10);
  assert.equal(rt.timer, null);
});
