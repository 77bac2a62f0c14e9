/* API.md §7: processes(), processInfo(pid) and trace(handler), read from the
 * core, around a supervisor restarting a crashed child. The supervisor is a
 * C process: its side of the restart (the EXIT it receives, the restart it
 * makes) is only visible if the events come from the core. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer, until } from './helpers.mjs';

const { Supervisor, Pid } = fauxtp;

class Worker extends GenServer {
  init(name) {
    return { name, seen: 0 };
  }
  handleCall(req, _from, s) {
    if (req === 'crash') throw new Error(`${s.name} crashed`);
    return [s.seen, { ...s, seen: s.seen + 1 }];
  }
  handleInfo(_msg, s) {
    return s;
  }
}

class Tree extends Supervisor {
  static strategy = 'one_for_one';
  childSpecs() {
    return [
      { id: 'a', actor: Worker, args: ['a'] },
      { id: 'b', actor: Worker, args: ['b'] }
    ];
  }
}

const same = (a, b) => a instanceof Pid && b instanceof Pid && a.equals(b);

test('processInfo and processes describe a supervision tree from the core', async () => {
  const rt = await fauxtp.createRuntime();
  const sup = await rt.start(Tree);
  const kids = Object.fromEntries((await rt.whichChildren(sup)).map((c) => [c.id, c.pid]));
  rt.register('worker_a', kids.a);

  const all = rt.processes();
  for (const p of [sup, kids.a, kids.b]) assert.ok(all.some((q) => q.equals(p)), `${p} listed`);

  const a = rt.processInfo(kids.a);
  assert.ok(same(a.pid, kids.a));
  assert.equal(a.name, 'worker_a');
  assert.equal(a.behaviour, 'Worker');
  assert.equal(typeof a.status, 'string');
  assert.equal(a.mailboxLength, 0);
  assert.ok(a.links.some((p) => same(p, sup)), 'linked to its supervisor');
  assert.deepEqual(a.monitors, []);
  assert.equal(a.trapExits, false);
  assert.ok(same(a.supervisor, sup));

  const s = rt.processInfo(sup);
  assert.equal(s.trapExits, true, 'a supervisor traps exits');
  assert.equal(s.supervisor, null);
  assert.equal(s.name, null);
  for (const k of [kids.a, kids.b]) assert.ok(s.links.some((p) => same(p, k)), `supervisor linked to ${k}`);

  /* A message waiting in a mailbox is counted. */
  const probe = await rt.start(class extends Actor {
    async run() {
      await this.receive(['never', () => {}]);
    }
  });
  await rt.send(probe, 'not now');
  await until(() => rt.processInfo(probe).mailboxLength === 1);

  rt.exit(kids.b, 'kill');
  await until(() => rt.processInfo(kids.b) === null);
  assert.ok(!rt.processes().some((p) => p.equals(kids.b)), 'a dead pid is not listed');
  assert.equal(rt.processInfo(Pid.local(999999, 3)), null, 'a pid that never existed');
  assert.throws(() => rt.processInfo('worker_a'), TypeError);
  rt.close();
});

test('processInfo lists the monitors a process holds while they are active, from the core', async () => {
  const rt = await fauxtp.createRuntime();
  const [x, y] = [await rt.start(Worker, 'x'), await rt.start(Worker, 'y')];
  let watcher = null;
  const downs = [];
  const pid = await rt.start(class extends Actor {
    async run() {
      watcher = this;
      for (;;) await this.receive([['DOWN', fauxtp.ANY, 'process', fauxtp.ANY, fauxtp.ANY], (m) => downs.push(m)]);
    }
  });
  await until(() => watcher !== null);
  const rx = watcher.monitor(x);
  const ry = watcher.monitor(y);
  const refs = () => rt.processInfo(pid).monitors;
  assert.equal(refs().length, 2);
  for (const r of [rx, ry]) assert.ok(refs().some((m) => m instanceof fauxtp.Ref && m.equals(r)), `${r} listed`);
  assert.deepEqual(rt.processInfo(x).monitors, [], 'a monitored process holds none');

  rt.exit(x, 'kill'); // a monitor that fired is no longer held
  await until(() => downs.length === 1);
  assert.equal(refs().length, 1);
  assert.ok(refs()[0].equals(ry));
  assert.equal(watcher.demonitor(ry), true);
  assert.deepEqual(refs(), []);
  assert.equal(watcher.demonitor(ry), false, 'already removed');
  rt.close();
});

test('processInfo lists every link and monitor, past any fixed number', async () => {
  const rt = await fauxtp.createRuntime();
  class Wide extends Supervisor {
    childSpecs() {
      return Array.from({ length: 100 }, (_, i) => ({ id: `w${i}`, actor: Worker, args: [`w${i}`] }));
    }
  }
  const sup = await rt.start(Wide);
  const kids = (await rt.whichChildren(sup)).map((c) => c.pid);
  const links = rt.processInfo(sup).links;
  assert.equal(links.length, 100);
  for (const k of kids) assert.ok(links.some((p) => same(p, k)), `linked to ${k}`);

  let watcher = null;
  const pid = await rt.start(class extends Actor {
    async run() {
      watcher = this;
      await this.receive(['never', () => {}]);
    }
  });
  await until(() => watcher !== null);
  const refs = kids.map((k) => watcher.monitor(k));
  const held = rt.processInfo(pid).monitors;
  assert.equal(held.length, 100);
  for (const r of refs) assert.ok(held.some((m) => m.equals(r)), `${r} listed`);
  rt.close();
});

test('trace reports the restart of a crashed child as the core sees it', async () => {
  const rt = await fauxtp.createRuntime();
  const sup = await rt.start(Tree);
  const old = (await rt.whichChildren(sup)).find((c) => c.id === 'a').pid;
  const events = [];
  const untrace = rt.trace((e) => events.push(e));

  await assert.rejects(rt.call(old, 'crash'), (e) => e instanceof fauxtp.ExitError);
  let fresh;
  await until(() => (fresh = events.find((e) => e.kind === 'restart')) !== undefined);

  /* The call went in as a send from outside any process, and was taken
   * out of the worker's mailbox. */
  const sent = events.find((e) => e.kind === 'send' && same(e.to, old));
  assert.ok(sent, 'send traced');
  assert.equal(sent.from, null);
  assert.equal(sent.message[0], '$gen_call');
  assert.equal(sent.message[2], 'crash');
  const received = events.find((e) => e.kind === 'receive' && same(e.pid, old));
  assert.ok(received && received.message[2] === 'crash', 'receive traced');

  /* The crash: the worker's exit, with the error in its reason. */
  const exit = events.find((e) => e.kind === 'exit' && same(e.pid, old));
  assert.ok(exit, 'exit traced');
  assert.match(JSON.stringify(exit.reason), /a crashed/);

  /* The supervisor (a C process) receives the EXIT and restarts the child. */
  const supGotExit = events.find((e) => e.kind === 'receive' && same(e.pid, sup) && e.message[0] === 'EXIT');
  assert.ok(supGotExit, 'the supervisor receiving the EXIT is traced');
  assert.ok(same(supGotExit.message[1], old));
  assert.ok(same(fresh.from, sup), 'restart names the supervisor');
  assert.ok(!same(fresh.pid, old), 'a new pid');
  const order = (e) => events.indexOf(e);
  assert.ok(order(sent) < order(received) && order(received) < order(exit), 'in the order they happened');
  assert.ok(order(exit) < order(supGotExit) && order(supGotExit) < order(fresh));
  for (const e of events) {
    assert.ok(['spawn', 'send', 'receive', 'exit', 'restart'].includes(e.kind));
    assert.equal(typeof e.time, 'number');
    assert.ok(e.pid instanceof Pid);
  }

  /* During the restart, the new child is already described by the core;
   * its JavaScript instance comes with the start event, which a slice's
   * end may leave for the next macrotask after the trace was handed out. */
  assert.ok(same(rt.processInfo(fresh.pid).supervisor, sup));
  await until(() => rt.processInfo(fresh.pid).behaviour === 'Worker');
  assert.equal(await rt.call(fresh.pid, 'count'), 0, 'fresh state');

  /* Once removed, nothing more is reported and the core's hook is off. */
  untrace();
  const n = events.length;
  await rt.call(fresh.pid, 'count');
  assert.equal(events.length, n);
  assert.equal(rt.tracers, null);
  rt.close();
});

test('a throwing trace handler does not disturb the runtime or other handlers', async () => {
  const rt = await fauxtp.createRuntime();
  const seen = [];
  const errors = [];
  const report = globalThis.reportError;
  globalThis.reportError = (e) => errors.push(e);
  try {
    const off1 = rt.trace(() => {
      throw new Error('bad handler');
    });
    const off2 = rt.trace((e) => seen.push(e.kind));
    const pid = await rt.start(Worker, 'x');
    assert.equal(await rt.call(pid, 'count'), 0);
    await until(() => seen.includes('receive'));
    assert.ok(errors.length > 0 && errors.every((e) => e.message === 'bad handler'));
    off1();
    off2();
    off2(); // removing twice is harmless
  } finally {
    globalThis.reportError = report;
  }
  rt.close();
});

test('a handler may call into the runtime while it is called', async () => {
  const rt = await fauxtp.createRuntime();
  const pid = await rt.start(Worker, 'y');
  const infos = [];
  const off = rt.trace((e) => {
    if (e.kind === 'receive' && same(e.pid, pid)) infos.push(rt.processInfo(pid));
  });
  await rt.call(pid, 'count');
  await rt.send(pid, { any: 'info' });
  await until(() => infos.length >= 2);
  assert.ok(infos.every((i) => i && same(i.pid, pid)));
  off();
  rt.close();
});

test('what a trace handler sends is delivered without other activity to wake the loop', async () => {
  const rt = await fauxtp.createRuntime();
  const pid = await rt.start(Worker, 'z');
  const echoes = [];
  class Echo extends Actor {
    async run() {
      echoes.push(await this.receive());
    }
  }
  const echo = await rt.start(Echo);
  let sent = false;
  const off = rt.trace((e) => {
    if (!sent && e.kind === 'receive' && same(e.pid, pid)) {
      sent = true;
      rt.send(echo, 'seen');
    }
  });
  await rt.send(pid, 'ping');
  await until(() => echoes.length === 1, 1000);
  assert.deepEqual(echoes, ['seen']);
  off();
  rt.close();
});

test('messages between C processes are traced (a supervisor and its nested supervisor)', async () => {
  const rt = await fauxtp.createRuntime();
  class Inner extends Supervisor {
    childSpecs() {
      return [{ id: 'w', actor: Worker, args: ['w'] }];
    }
  }
  class Outer extends Supervisor {
    childSpecs() {
      return [{ id: 'inner', actor: Inner }];
    }
  }
  const top = await rt.start(Outer);
  const inner = (await rt.whichChildren(top))[0].pid;
  const events = [];
  const off = rt.trace((e) => events.push(e));
  rt.exit(inner, 'kill');
  await until(() => events.some((e) => e.kind === 'restart' && same(e.from, top)));
  /* The inner supervisor's child got the exit signal from a C process
   * (its supervisor) and the outer supervisor the inner one's EXIT. */
  assert.ok(events.some((e) => e.kind === 'exit' && same(e.pid, inner) && e.reason === 'killed'));
  assert.ok(events.some((e) => e.kind === 'receive' && same(e.pid, top) && e.message[0] === 'EXIT' && same(e.message[1], inner)));
  off();
  rt.close();
});

test('a trace event\'s time is the clock when it happened, though no timer made the core read it', async () => {
  const rt = await fauxtp.createRuntime();
  const pid = await rt.start(Worker, 'w');
  const events = [];
  const off = rt.trace((e) => events.push(e));
  const before = performance.now();
  await rt.call(pid, 'count');
  await new Promise((resolve) => setTimeout(resolve, 60));
  const mid = performance.now();
  await rt.call(pid, 'count');
  await until(() => events.filter((e) => e.kind === 'receive').length === 2);
  const [first, second] = events.filter((e) => e.kind === 'receive');
  assert.ok(first.time >= Math.floor(before) && first.time <= Math.ceil(mid), `${first.time} in ${before}..${mid}`);
  assert.ok(second.time >= Math.floor(mid), `${second.time} >= ${mid}`);
  assert.ok(second.time - first.time >= 50, `${second.time - first.time} ms apart`);
  off();
  rt.close();
});
