/* API.md §4: the registry lives in the core and is synchronous. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, GenServer, sleep, probe } from './helpers.mjs';

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

class Echo extends GenServer {
  handleCall(req, _from, s) {
    return [req, s];
  }
}

test('register, whereis, registered, unregister', async () => {
  const a = await rt.start(Echo);
  const b = await rt.start(Echo);
  assert.equal(rt.register('echo', a), true);
  assert.equal(rt.register('echo', b), false); // taken
  assert.equal(rt.register('other', a), false); // a has a name already
  assert.ok(rt.whereis('echo').equals(a));
  assert.equal(rt.whereis('nobody'), null);
  assert.deepEqual(rt.registered(), ['echo']);
  assert.equal(await rt.call('echo', 'hi'), 'hi');
  assert.equal(rt.unregister('echo'), true);
  assert.equal(rt.unregister('echo'), false);
  assert.equal(rt.whereis('echo'), null);
  assert.deepEqual(rt.registered(), []);
});

test('a name is released when its process exits; a dead pid cannot register', async () => {
  const a = await rt.start(Echo);
  assert.equal(rt.register('short_lived', a), true);
  rt.exit(a, 'kill');
  await sleep(5);
  assert.equal(rt.whereis('short_lived'), null);
  assert.equal(rt.register('short_lived', a), false);
  const b = await rt.start(Echo);
  assert.equal(rt.register('short_lived', b), true);
});

test('send to a registered name', async () => {
  const p = await probe(rt);
  rt.register('inbox', p.pid);
  await rt.send('inbox', ['hello', 1]);
  assert.deepEqual(await p.next(), ['hello', 1]);
});

test('names are strings', () => {
  assert.throws(() => rt.register(1, rt.whereis('inbox')), TypeError);
  /* A name becomes an atom: at most 255 characters (not bytes). */
  assert.throws(() => rt.register('n'.repeat(256), rt.whereis('inbox')), { name: 'TypeError', message: /at most 255 characters/ });
  assert.throws(() => rt.whereis({}), TypeError);
});

test('names that are atoms JavaScript reads as values come back as the names registered', async () => {
  const names = ['nil', 'true', 'false'];
  const pids = [];
  for (const name of names) {
    const pid = await rt.start(Echo);
    pids.push(pid);
    assert.equal(rt.register(name, pid), true);
    assert.equal(rt.whereis(name).equals(pid), true);
    assert.equal(rt.processInfo(pid).name, name);
  }
  for (const name of names) assert.ok(rt.registered().includes(name), `${name} in ${JSON.stringify(rt.registered())}`);
  assert.ok(rt.registered().every((n) => typeof n === 'string'));
  assert.throws(() => rt.register('undefined', pids[0]), (e) => e instanceof TypeError && /undefined/.test(e.message));
  /* A lone surrogate has no UTF-8: refused, not turned into another name. */
  assert.throws(() => rt.register('\ud800', pids[0]), TypeError);
  assert.throws(() => rt.whereis('\udc00'), TypeError);
  for (const name of names) rt.unregister(name);
  for (const pid of pids) rt.exit(pid, 'kill');
});
