/* API.md §5: Supervisor (run by the core's C supervisor, with JavaScript
 * children), its strategies, restart types and intensity; Task is in
 * runtime.test.mjs. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer, ANY, sleep, until, probe } from './helpers.mjs';
import { whichChildren, countChildren, terminateChild, restartChild } from '../../web/src/supervisor.js';

const { Supervisor, Pid } = fauxtp;
let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

const inits = [];
class Child extends Actor {
  init(name) {
    this.name = name;
    inits.push(name);
  }
  async run() {
    await this.receive(
      ['crash', () => {
        throw new Error(`${this.name} crashed`);
      }],
      ['quit', () => this.stop('normal')],
      [ANY, () => {}]
    );
  }
}

const sup = {
  which: (s) => whichChildren(rt, s),
  count: (s) => countChildren(rt, s)
};
async function pids(s) {
  return Object.fromEntries((await sup.which(s)).map((c) => [c.id, c.pid]));
}
function childSpecs(restart = 'permanent') {
  return ['a', 'b', 'c'].map((id) => ({ id, actor: Child, args: [id], restart }));
}
async function crash(pid) {
  await rt.send(pid, 'crash');
  await until(() => !rt.isAlive(pid));
}
async function restarted(s, id, old) {
  let now;
  for (let i = 0; i < 200; i++) {
    now = (await pids(s))[id];
    if (now && !now.equals(old) && rt.isAlive(now)) return now;
    await sleep(2);
  }
  throw new Error(`${id} was not restarted`);
}

test('children start in order with their args; whichChildren and countChildren', async () => {
  class Tree extends Supervisor {
    childSpecs() {
      return childSpecs();
    }
  }
  inits.length = 0;
  const s = await rt.start(Tree);
  assert.deepEqual(inits, ['a', 'b', 'c']);
  const kids = await sup.which(s);
  assert.deepEqual(kids.map((k) => k.id), ['a', 'b', 'c']);
  assert.ok(kids.every((k) => k.pid instanceof Pid && rt.isAlive(k.pid)));
  assert.equal(await sup.count(s), 3);
  assert.equal(rt.processInfo(s).behaviour, 'supervisor');
  assert.ok(rt.processInfo(kids[0].pid).supervisor.equals(s));
});

test('one_for_one restarts only the child that crashed', async () => {
  class Tree extends Supervisor {
    static strategy = 'one_for_one';
    childSpecs() {
      return childSpecs();
    }
  }
  const s = await rt.start(Tree);
  const before = await pids(s);
  await crash(before.b);
  const b2 = await restarted(s, 'b', before.b);
  const after = await pids(s);
  assert.ok(after.a.equals(before.a));
  /* The core's introspection: the supervisor is among the processes, its
   * links reach the new child, and the new child names its supervisor. */
  assert.ok(rt.processes().some((p) => p.equals(s)));
  const info = rt.processInfo(s);
  assert.equal(info.trapExits, true);
  assert.ok(info.links.some((p) => p.equals(b2)));
  assert.ok(!info.links.some((p) => p.equals(before.b)));
  assert.ok(rt.processInfo(b2).supervisor.equals(s));
  assert.ok(after.c.equals(before.c));
  assert.ok(rt.isAlive(b2));
});

test('one_for_all restarts every child', async () => {
  class Tree extends Supervisor {
    static strategy = 'one_for_all';
    childSpecs() {
      return childSpecs();
    }
  }
  const s = await rt.start(Tree);
  const before = await pids(s);
  await crash(before.a);
  await restarted(s, 'a', before.a);
  const after = await pids(s);
  for (const id of ['a', 'b', 'c']) assert.ok(!after[id].equals(before[id]), id);
  assert.equal(rt.isAlive(before.c), false);
});

test('rest_for_one restarts the crashed child and those after it', async () => {
  class Tree extends Supervisor {
    static strategy = 'rest_for_one';
    childSpecs() {
      return childSpecs();
    }
  }
  const s = await rt.start(Tree);
  const before = await pids(s);
  await crash(before.b);
  await restarted(s, 'b', before.b);
  await restarted(s, 'c', before.c);
  const after = await pids(s);
  assert.ok(after.a.equals(before.a));
});

test('restart types: permanent always, transient after abnormal exits only, temporary never', async () => {
  class Tree extends Supervisor {
    static maxRestarts = 10;
    childSpecs() {
      return [
        { id: 'p', actor: Child, args: ['p'], restart: 'permanent' },
        { id: 't', actor: Child, args: ['t'], restart: 'transient' },
        { id: 'x', actor: Child, args: ['x'], restart: 'temporary' }
      ];
    }
  }
  const s = await rt.start(Tree);
  let kids = await pids(s);
  await rt.send(kids.p, 'quit'); // normal exit, permanent: restarted
  await restarted(s, 'p', kids.p);
  await rt.send(kids.t, 'quit'); // normal exit, transient: not restarted
  await until(() => !rt.isAlive(kids.t));
  await sleep(20);
  assert.equal((await pids(s)).t, null);
  await rt.send(kids.x, 'crash'); // temporary: never restarted (and forgotten)
  await until(() => !rt.isAlive(kids.x));
  await sleep(20);
  assert.ok(!(await pids(s)).x);
  // a transient child that crashes is restarted
  const Tree2 = class extends Supervisor {
    childSpecs() {
      return [{ id: 't', actor: Child, args: ['t2'], restart: 'transient' }];
    }
  };
  const s2 = await rt.start(Tree2);
  const t = (await pids(s2)).t;
  await crash(t);
  await restarted(s2, 't', t);
});

test('exceeding the restart intensity stops the supervisor and its children; a monitor sees it', async () => {
  class Fragile extends Supervisor {
    static maxRestarts = 2;
    static maxSeconds = 5;
    childSpecs() {
      return [
        { id: 'a', actor: Child, args: ['fa'] },
        { id: 'b', actor: Child, args: ['fb'] }
      ];
    }
  }
  const s = await rt.start(Fragile);
  const watcher = await probe(rt);
  watcher.actor().monitor(s);
  const b = (await pids(s)).b;
  for (let i = 0; i < 3; i++) {
    const a = (await pids(s)).a;
    await crash(a);
    if (i < 2) await restarted(s, 'a', a);
  }
  const down = await watcher.next();
  assert.equal(down[0], 'DOWN');
  assert.ok(down[3].equals(s));
  assert.equal(down[4], 'shutdown');
  await until(() => !rt.isAlive(b));
  assert.equal(rt.isAlive(s), false);
});

test('terminateChild and restartChild', async () => {
  class Tree extends Supervisor {
    childSpecs() {
      return childSpecs();
    }
  }
  const s = await rt.start(Tree);
  const before = await pids(s);
  await terminateChild(rt, s, 'b');
  assert.equal(rt.isAlive(before.b), false);
  assert.equal((await pids(s)).b, null);
  const b2 = await restartChild(rt, s, 'b');
  assert.ok(b2 instanceof Pid);
  await until(() => rt.isAlive(b2));
  await assert.rejects(restartChild(rt, s, 'b'), /running/);
  await assert.rejects(terminateChild(rt, s, 'nope'), /not_found/);
});

test('supervisors nest, and a JavaScript GenServer child answers calls', async () => {
  class Kv extends GenServer {
    init() {
      return new Map();
    }
    handleCall([op, k, v], _from, m) {
      if (op === 'put') m.set(k, v);
      return [m.get(k) ?? null, m];
    }
  }
  class Inner extends Supervisor {
    childSpecs() {
      return [{ id: 'kv', actor: Kv }];
    }
  }
  class Outer extends Supervisor {
    static strategy = 'one_for_all';
    childSpecs() {
      return [
        { id: 'inner', actor: Inner },
        { id: 'w', actor: Child, args: ['w'] }
      ];
    }
  }
  const s = await rt.start(Outer);
  const inner = (await pids(s)).inner;
  const kv = (await pids(inner)).kv;
  assert.equal(await rt.call(kv, ['put', 'x', 1]), 1);
  assert.equal(await rt.call(kv, ['get', 'x']), 1);
  assert.equal(await sup.count(s), 2);
  // the worker's crash restarts everything (one_for_all), the inner tree included
  await crash((await pids(s)).w);
  await restarted(s, 'inner', inner);
  const kv2 = (await pids((await pids(s)).inner)).kv;
  await until(() => rt.isAlive(kv2));
  assert.equal(await rt.call(kv2, ['get', 'x']), null);
});

test('bad specs are refused with a TypeError', async () => {
  class NoStrategy extends Supervisor {
    static strategy = 'one_for_some';
  }
  await assert.rejects(rt.start(NoStrategy), TypeError);
  class BadChild extends Supervisor {
    childSpecs() {
      return [{ id: 'x', actor: class {} }];
    }
  }
  await assert.rejects(rt.start(BadChild), TypeError);
  class BadArgs extends Supervisor {
    childSpecs() {
      return [{ id: 'x', actor: Child, args: [() => 1] }];
    }
  }
  await assert.rejects(rt.start(BadArgs), { name: 'TypeError', message: /BadArgs\.childSpecs\(\)\[0\]\.args\[0\] is a function/ });
  class BadId extends Supervisor {
    childSpecs() {
      return [{ id: 'a', actor: Child }, { id: { f: Symbol('x') }, actor: Child }];
    }
  }
  await assert.rejects(rt.start(BadId), { name: 'TypeError', message: /BadId\.childSpecs\(\)\[1\]\.id\.f is a symbol/ });
  /* Ids are terms: equal terms are the same id, whatever object holds them. */
  class SameId extends Supervisor {
    childSpecs() {
      return [{ id: ['w', 1], actor: Child }, { id: 'v', actor: Child }, { id: ['w', 1], actor: Child }];
    }
  }
  const before = rt.processes().length;
  await assert.rejects(rt.start(SameId), { name: 'TypeError', message: /SameId\.childSpecs\(\)\[2\]\.id repeats childSpecs\(\)\[0\]\.id/ });
  assert.equal(rt.processes().length, before); // nothing was started
});

/* The start of a supervisor runs its children's inits in its own call; a
 * child's init that starts a supervisor of its own starts one inside it. */
test('a child whose init starts another supervisor: both start, each with its children', async () => {
  class Leaf extends GenServer {
    init(name) {
      return name;
    }
    handleCall(_request, _from, name) {
      return [name, name];
    }
  }
  class Inner extends Supervisor {
    childSpecs() {
      return [{ id: 'leaf', actor: Leaf, args: ['inner leaf'] }];
    }
  }
  let inner;
  class Starter extends GenServer {
    init() {
      inner = this.runtime.start(Inner);
      return null;
    }
  }
  class Outer extends Supervisor {
    childSpecs() {
      return [
        { id: 'starter', actor: Starter },
        { id: 'leaf', actor: Leaf, args: ['outer leaf'] }
      ];
    }
  }
  const s = await rt.start(Outer);
  const kids = await pids(s);
  assert.deepEqual(Object.keys(kids), ['starter', 'leaf']);
  assert.equal(await rt.call(kids.leaf, 'name'), 'outer leaf');
  const i = await inner;
  assert.equal(await rt.call((await pids(i)).leaf, 'name'), 'inner leaf');
  rt.exit(s, 'shutdown');
  rt.exit(i, 'shutdown');
  await until(() => !rt.isAlive(s) && !rt.isAlive(i));
});

test('stopping a supervisor stops its children', async () => {
  class Tree extends Supervisor {
    childSpecs() {
      return childSpecs();
    }
  }
  const s = await rt.start(Tree);
  const kids = Object.values(await pids(s));
  rt.exit(s, 'shutdown');
  await until(() => kids.every((k) => !rt.isAlive(k)) && !rt.isAlive(s));
});

/* A supervisor's start dispatches its children's starts at once, from
 * inside the handler that starts it: the events after that handler's, in
 * the same batch, must still arrive intact. */
test('a handler that starts a supervisor leaves the rest of its batch intact', async () => {
  class Leaf extends GenServer {
    init(name) {
      return name;
    }
  }
  class Tree extends Supervisor {
    childSpecs() {
      return [
        { id: 'long', actor: Leaf, args: ['l'.repeat(200)] },
        { id: 'short', actor: Leaf, args: ['s'] }
      ];
    }
  }
  let tree;
  class Spawner extends GenServer {
    handleCast(_request, state) {
      tree = this.runtime.start(Tree);
      return state;
    }
  }
  const got = [];
  class Sink extends GenServer {
    handleCast(request, state) {
      got.push(request);
      return state;
    }
  }
  const spawner = await rt.start(Spawner);
  const sink = await rt.start(Sink);
  const sent = [];
  rt.cast(spawner, 'go'); // its handler runs first in the batch these casts share
  for (let i = 0; i < 5; i++) {
    sent.push(['msg', i, 'x'.repeat(i * 10)]);
    rt.cast(sink, sent[i]);
  }
  await until(() => got.length === sent.length);
  assert.deepEqual(got, sent);
  const t = await tree;
  assert.deepEqual((await sup.which(t)).map((c) => c.id), ['long', 'short']);
  rt.exit(t, 'shutdown');
});

test('a GenServer that traps exits terminates on its supervisor\'s shutdown, and on its linked starter\'s exit (OTP gen_server)', async () => {
  const log = [];
  class Trapper extends GenServer {
    init(tag) {
      this.tag = tag;
      this.trapExits(true);
      return 0;
    }
    handleCall(_r, _f, n) {
      return [n, n];
    }
    handleCast([op, pid], n) {
      if (op === 'link') this.link(pid);
      return n;
    }
    handleInfo(message, n) {
      log.push([this.tag, 'info', message[0], message[2]]);
      return n;
    }
    terminate(reason) {
      log.push([this.tag, 'terminate', reason]);
    }
  }
  class Tree extends Supervisor {
    childSpecs() {
      return [{ id: 't', actor: Trapper, args: ['supervised'], shutdown: 60000 }];
    }
  }
  const sup = await rt.start(Tree);
  const t0 = performance.now();
  await terminateChild(rt, sup, 't'); // it would wait 60 s for a child that did not stop
  assert.ok(performance.now() - t0 < 30000);
  assert.deepEqual(log, [['supervised', 'terminate', 'shutdown']]);

  /* A trapped EXIT from some other linked process is only info. */
  log.length = 0;
  let child;
  class Starter extends Actor {
    async run() {
      child = await this.startLink(Trapper, 'linked');
      await this.receive(['crash', () => {
        throw new Error('starter crashed');
      }]);
    }
  }
  const starter = await rt.start(Starter);
  await until(() => child !== undefined);
  const other = await probe(rt);
  await rt.cast(child, ['link', other.pid]);
  await until(() => rt.processInfo(child).links.length === 2);
  rt.exit(other.pid, 'kill');
  await until(() => log.length === 1);
  const watcher = await probe(rt);
  watcher.actor().monitor(child);
  await rt.send(starter, 'crash');
  const down = await watcher.next();
  assert.deepEqual(down[4], { error: 'Error', message: 'starter crashed' });
  assert.deepEqual(log, [
    ['linked', 'info', 'EXIT', 'killed'],
    ['linked', 'terminate', { error: 'Error', message: 'starter crashed' }]
  ]);
  rt.exit(sup, 'kill');
});

test('the supervisor queries, sent to a process that is no supervisor, reject with a TypeError saying so', async () => {
  class Plain extends GenServer {
    handleCall(_r, _f, s) {
      return [7, s];
    }
  }
  const pid = await rt.start(Plain);
  for (const [name, q] of [['whichChildren', () => whichChildren(rt, pid)], ['countChildren', () => countChildren(rt, pid)],
    ['terminateChild', () => terminateChild(rt, pid, 'a')], ['restartChild', () => restartChild(rt, pid, 'a')]])
    await assert.rejects(q(), (e) => e instanceof TypeError && e.message.startsWith(`${name}: `) && /no supervisor/.test(e.message));
  rt.exit(pid, 'kill');
});

test('a child that fails to start fails the supervisor\'s start, as OTP\'s {failed_to_start_child, Id, Reason}', async () => {
  const { ExitError } = fauxtp;
  const pids = [];
  class Fine extends Actor {
    init() {
      pids.push(this.pid);
    }
    async run() {
      await this.receive();
    }
  }
  class Fails extends GenServer {
    async init() {
      pids.push(this.pid);
      throw new Error('no config');
    }
  }
  class Tree extends Supervisor {
    childSpecs() {
      return [{ id: 'a', actor: Fine }, { id: 'b', actor: Fails }, { id: 'c', actor: Fine }];
    }
  }
  const before = rt.processes().length;
  await assert.rejects(rt.start(Tree), (e) => {
    assert.ok(e instanceof ExitError);
    assert.deepEqual(e.reason, ['shutdown', ['failed_to_start_child', 'b', { error: 'Error', message: 'no config' }]]);
    return true;
  });
  await until(() => rt.processes().length === before);
  /* Not retried: the start failed, no restart is counted (a and b once),
   * and c was never started, as in OTP. */
  assert.equal(pids.length, 2);
  assert.ok(pids.every((p) => !rt.isAlive(p)));

  /* The supervisor itself exits with that reason: its linked starter
   * sees it (not a kill). */
  let exit;
  class Starter extends Actor {
    async init() {
      this.trapExits(true);
      await this.startLink(Tree).catch(() => {});
    }
    async run() {
      exit = await this.receive([['EXIT', ANY, ANY], (_pid, reason) => reason]);
      this.stop();
    }
  }
  await rt.start(Starter);
  await until(() => exit !== undefined);
  assert.deepEqual(exit, ['shutdown', ['failed_to_start_child', 'b', { error: 'Error', message: 'no config' }]]);

  /* In a nested supervisor: the top-level child that failed is the nested one. */
  class Inner extends Supervisor {
    childSpecs() {
      return [{ id: 'x', actor: Fine }, { id: 'y', actor: Fails }];
    }
  }
  class Outer extends Supervisor {
    childSpecs() {
      return [{ id: 'first', actor: Fine }, { id: 'inner', actor: Inner }, { id: 'last', actor: Fine }];
    }
  }
  /* Nested as OTP nests it: each supervisor's own failed start. */
  await assert.rejects(rt.start(Outer), (e) => {
    assert.deepEqual(e.reason, ['shutdown', ['failed_to_start_child', 'inner', ['shutdown', ['failed_to_start_child', 'y', { error: 'Error', message: 'no config' }]]]]);
    return true;
  });
  await until(() => rt.processes().length === before);

  /* A child whose constructor throws fails the start the same way, and
   * leaves no process behind; so does an actor started on its own. */
  class BadCtor extends GenServer {
    constructor() {
      super();
      throw new Error('bad constructor');
    }
  }
  class WithBadCtor extends Supervisor {
    childSpecs() {
      return [{ id: 'a', actor: Fine }, { id: 'z', actor: BadCtor }];
    }
  }
  await assert.rejects(rt.start(WithBadCtor), (e) => {
    assert.deepEqual(e.reason, ['shutdown', ['failed_to_start_child', 'z', { error: 'Error', message: 'bad constructor' }]]);
    return true;
  });
  await assert.rejects(rt.start(BadCtor), /bad constructor/);
  await until(() => rt.processes().length === before);
});

test('restartChild resolves once the child\'s init has returned, and rejects if it fails', async () => {
  let ready = false;
  let fail = false;
  class SlowInit extends GenServer {
    async init() {
      ready = false;
      await sleep(20);
      if (fail) throw new Error('cannot start now');
      ready = true;
      return 0;
    }
    handleCall(_r, _f, n) {
      return [n, n];
    }
  }
  class Tree extends Supervisor {
    static maxRestarts = 100;
    childSpecs() {
      return [{ id: 's', actor: SlowInit }];
    }
  }
  const sup = await rt.start(Tree);
  assert.equal(ready, true);
  await terminateChild(rt, sup, 's');
  const pid = await restartChild(rt, sup, 's');
  assert.equal(ready, true);
  assert.equal(await rt.call(pid, 'x'), 0);
  await terminateChild(rt, sup, 's');
  fail = true;
  await assert.rejects(restartChild(rt, sup, 's'), /restartChild: the child's init failed: cannot start now/);
  rt.exit(sup, 'kill');
});

test('a restartChild whose init fails leaves the child stopped and its supervisor running, as OTP\'s', async () => {
  let inits = 0;
  let fail = false;
  class Flaky extends GenServer {
    init() {
      inits++;
      if (fail) throw new Error('not now'); // at once: before the supervisor answers
      return 0;
    }
    handleCall(_r, _f, n) {
      return [n, n];
    }
  }
  class Tree extends Supervisor {
    static maxRestarts = 1; // a retry or two would use it up
    childSpecs() {
      return [{ id: 'f', actor: Flaky }, { id: 'g', actor: Flaky }];
    }
  }
  const sup = await rt.start(Tree);
  await terminateChild(rt, sup, 'f');
  fail = true;
  inits = 0;
  for (let i = 0; i < 3; i++) await assert.rejects(restartChild(rt, sup, 'f'), /restartChild: the child's init failed: not now/);
  await sleep(20);
  assert.equal(inits, 3); // once per restartChild, never retried
  assert.equal(rt.isAlive(sup), true);
  const children = await whichChildren(rt, sup);
  assert.equal(children[0].pid, null);
  assert.ok(children[1].pid instanceof Pid && rt.isAlive(children[1].pid));
  fail = false;
  const f = await restartChild(rt, sup, 'f');
  assert.equal(await rt.call(f, 'x'), 0);
  rt.exit(sup, 'kill');
});

test('a child its supervisor restarts during the first start (one_for_all) does not fail the start', async () => {
  let runs = 0;
  class CrashesOnce extends Actor {
    async run() {
      if (runs++ === 0) throw new Error('first run crashes');
      await this.receive();
    }
  }
  class SlowInit extends GenServer {
    async init() {
      await sleep(30); // still in its init when the other crashes: stopped, restarted
      return 0;
    }
  }
  class Tree extends Supervisor {
    static strategy = 'one_for_all';
    childSpecs() {
      return [{ id: 'a', actor: CrashesOnce }, { id: 'b', actor: SlowInit }];
    }
  }
  const sup = await rt.start(Tree);
  assert.equal(rt.isAlive(sup), true);
  const kids = await whichChildren(rt, sup);
  assert.ok(kids.every((k) => k.pid instanceof Pid && rt.isAlive(k.pid)));
  rt.exit(sup, 'shutdown');
});

test('children start one at a time, as OTP\'s: each init begins once the one before has returned, in restarts too', async () => {
  const log = [];
  class Slow extends GenServer {
    async init(id) {
      log.push(`begin ${id}`);
      await sleep(5);
      log.push(`end ${id}`);
      return id;
    }
    handleCall(req, _from, id) {
      if (req === 'crash') throw new Error(`${id} crashed`);
      return [id, id];
    }
  }
  class Tree extends Supervisor {
    static strategy = 'one_for_all';
    childSpecs() {
      return ['a', 'b', 'c'].map((id) => ({ id, actor: Slow, args: [id] }));
    }
  }
  const tree = await rt.start(Tree);
  assert.deepEqual(log, ['begin a', 'end a', 'begin b', 'end b', 'begin c', 'end c']);
  const first = await pids(tree);
  log.length = 0;
  await assert.rejects(rt.call(first.b, 'crash'), fauxtp.ExitError);
  /* The supervisor answers no query while it restarts: this one waits
   * for the whole group. */
  const again = await pids(tree);
  assert.deepEqual(log, ['begin a', 'end a', 'begin b', 'end b', 'begin c', 'end c']);
  for (const id of ['a', 'b', 'c']) {
    assert.notEqual(String(again[id]), String(first[id]));
    assert.equal(await rt.call(again[id], 'who'), id);
  }
  rt.exit(tree, 'shutdown');
  await until(() => !rt.isAlive(tree));
});
