/* API.md §5: links, monitors, exit signals, trapExits, terminate, crashes. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer, ANY, sleep, probe, until } from './helpers.mjs';

const { Ref } = fauxtp;
let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

const terminated = [];
class Worker extends Actor {
  init(tag) {
    this.tag = tag;
  }
  async run() {
    await this.receive(
      ['crash', () => {
        throw new Error(`${this.tag} crashed`);
      }],
      ['stop', () => this.stop('shutdown')],
      [ANY, () => {}]
    );
  }
  terminate(reason) {
    terminated.push([this.tag, reason]);
  }
}

test('a monitor delivers ["DOWN", ref, "process", pid, reason]', async () => {
  const w = await rt.start(Worker, 'm1');
  const p = await probe(rt);
  const ref = p.actor().monitor(w);
  assert.ok(ref instanceof Ref);
  await rt.send(w, 'crash');
  const down = await p.next();
  assert.equal(down[0], 'DOWN');
  assert.ok(down[1].equals(ref));
  assert.equal(down[2], 'process');
  assert.ok(down[3].equals(w));
  assert.deepEqual(down[4], { error: 'Error', message: 'm1 crashed' });
  assert.deepEqual(terminated.at(-1), ['m1', { error: 'Error', message: 'm1 crashed' }]);
});

test('monitoring a dead process delivers DOWN with noproc at once; demonitor stops it', async () => {
  const w = await rt.start(Worker, 'm2');
  rt.exit(w, 'kill');
  await sleep(5);
  const p = await probe(rt);
  p.actor().monitor(w);
  assert.equal((await p.next())[4], 'noproc');
  const w2 = await rt.start(Worker, 'm3');
  const ref = p.actor().monitor(w2);
  assert.equal(p.actor().demonitor(ref), true);
  await rt.send(w2, 'crash');
  await sleep(20);
  assert.equal(p.pending(), 0);
});

test('a link takes a non-trapping process down; a trapping one gets ["EXIT", pid, reason]', async () => {
  const a = await rt.start(Worker, 'l1');
  const b = await rt.start(Worker, 'l2');
  const trapper = await probe(rt, { trap: true });
  trapper.actor().link(a);
  const before = terminated.length;
  // b links to a: when a crashes, b (not trapping) dies without terminate
  const bActor = rt.procs.get(b.id, b.serial).actor;
  bActor.link(a);
  await rt.send(a, 'crash');
  const exit = await trapper.next();
  assert.equal(exit[0], 'EXIT');
  assert.ok(exit[1].equals(a));
  assert.equal(exit[2].message, 'l1 crashed');
  await until(() => !rt.isAlive(b));
  assert.deepEqual(terminated.slice(before).map((t) => t[0]), ['l1']); // not l2
  assert.ok(rt.isAlive(trapper.pid));
});

test('normal exits do not take linked processes down; unlink removes the link', async () => {
  const a = await rt.start(Worker, 'n1');
  const b = await rt.start(Worker, 'n2');
  const c = await rt.start(Worker, 'n3');
  rt.procs.get(b.id, b.serial).actor.link(a);
  rt.procs.get(c.id, c.serial).actor.link(a);
  rt.procs.get(c.id, c.serial).actor.unlink(a);
  await rt.send(a, 'stop'); // reason shutdown: a normal exit... for links shutdown is not normal in Erlang
  await until(() => !rt.isAlive(a));
  await sleep(10);
  assert.equal(rt.isAlive(c), true);
  rt.exit(c, 'kill');
  const d = await rt.start(Worker, 'n4');
  const e = await rt.start(Worker, 'n5');
  rt.procs.get(e.id, e.serial).actor.link(d);
  rt.exit(d, 'normal'); // ignored by a process that does not trap exits
  await sleep(10);
  assert.equal(rt.isAlive(d), true);
  rt.procs.get(d.id, d.serial).actor.stop();
  await until(() => !rt.isAlive(d));
  await sleep(10);
  assert.equal(rt.isAlive(e), true);
});

test('exit(pid, "kill") cannot be trapped and ends with killed, without terminate', async () => {
  const p = await probe(rt, { trap: true });
  const watcher = await probe(rt);
  watcher.actor().monitor(p.pid);
  const before = terminated.length;
  rt.exit(p.pid, 'kill');
  const down = await watcher.next();
  assert.equal(down[4], 'killed');
  assert.equal(rt.isAlive(p.pid), false);
  assert.equal(terminated.length, before);
});

test('an actor killed in the batch where a handler spawns still unwinds, and its slot is reused cleanly', async () => {
  /* The core frees a process's slot as it ends; its exit event may wait
   * behind another in the same batch, whose handler spawns a process that
   * takes the slot. */
  let unwound = null;
  class Waiter extends Actor {
    async run() {
      try {
        await this.receive(['never', () => {}]);
      } catch (e) {
        unwound = e.name;
        throw e;
      }
    }
  }
  const victim = await rt.start(Waiter);
  let spawned = null;
  const spawner = await rt.start(
    class extends GenServer {
      init() {
        return null;
      }
      handleInfo(_msg, s) {
        spawned = rt.start(Worker, 'in the freed slot');
        return s;
      }
    }
  );
  rt.send(spawner, 'go'); // matched at once: its event comes first
  rt.exit(victim, 'kill'); // the victim's exit next, in the same batch
  await until(() => spawned !== null);
  const fresh = await spawned;
  assert.equal(fresh.id, victim.id, 'the scenario: the new process took the slot');
  await until(() => unwound !== null);
  assert.equal(unwound, 'Killed');
  assert.equal(rt.isAlive(victim), false);
  assert.ok(rt.isAlive(fresh));
  assert.equal(rt.processInfo(fresh).behaviour, 'Worker');
  assert.equal(rt.processInfo(victim), null);
});

test('a trapped exit signal arrives as a message; other reasons end a non-trapping process', async () => {
  const t = await probe(rt, { trap: true });
  rt.exit(t.pid, 'bye');
  const m = await t.next();
  assert.equal(m[0], 'EXIT');
  assert.equal(m[2], 'bye');
  const w = await rt.start(Worker, 's1');
  rt.exit(w, 'bye');
  await until(() => !rt.isAlive(w));
});

test('startLink links the new process to its starter', async () => {
  let child;
  class Parent extends Actor {
    async init() {
      this.trapExits(true);
      child = await this.startLink(Worker, 'child');
    }
    async run() {
      const m = await this.receive([['EXIT', ANY, ANY], (pid, reason) => [pid, reason]]);
      this.result = m;
      this.stop();
    }
    terminate() {
      parentSaw = this.result;
    }
  }
  let parentSaw = null;
  await rt.start(Parent);
  await rt.send(child, 'crash');
  await until(() => parentSaw !== null);
  assert.ok(parentSaw[0].equals(child));
  assert.equal(parentSaw[1].message, 'child crashed');
});

test('a thrown exception crashes that process only', async () => {
  class Fragile extends GenServer {
    handleCast() {
      throw new TypeError('bad cast');
    }
    handleCall(r, _f, s) {
      return [r, s];
    }
  }
  const a = await rt.start(Fragile);
  const b = await rt.start(Fragile);
  await rt.cast(a, 'x');
  await until(() => !rt.isAlive(a));
  assert.equal(await rt.call(b, 'still here'), 'still here');
});

test('init that throws rejects start; the process is gone', async () => {
  class NoStart extends Actor {
    init() {
      throw new SyntaxError('cannot start');
    }
  }
  await assert.rejects(rt.start(NoStart), SyntaxError);
  class AsyncNoStart extends GenServer {
    async init() {
      await sleep(1);
      throw new Error('later');
    }
  }
  await assert.rejects(rt.start(AsyncNoStart), /later/);
});

test('stop(reason) runs terminate with that reason', async () => {
  const w = await rt.start(Worker, 'stopper');
  await rt.send(w, 'stop');
  await until(() => !rt.isAlive(w));
  assert.deepEqual(terminated.at(-1), ['stopper', 'shutdown']);
});

/* A reason string becomes an atom where one can hold it (255 characters,
 * well-formed); a longer text travels as itself, as a binary reason would
 * in Erlang, to terminate, to monitors and to trapping links alike. */
test('a stop or exit reason longer than an atom arrives as its text', async () => {
  const long = 'reason: ' + '\u00e9x'.repeat(200);
  class Stopper extends Actor {
    async run() {
      await this.receive(['stop', () => this.stop(long)]);
    }
    terminate(reason) {
      terminated.push(['long', reason]);
    }
  }
  const w = await rt.start(Stopper);
  const p = await probe(rt);
  p.actor().monitor(w);
  await rt.send(w, 'stop');
  const down = await p.next();
  assert.equal(down[4], long);
  assert.deepEqual(terminated.at(-1), ['long', long]);

  const target = await rt.start(Worker, 'exited');
  const q = await probe(rt);
  q.actor().monitor(target);
  assert.equal(rt.exit(target, long), true);
  assert.equal((await q.next())[4], long);

  const trapper = await probe(rt, { trap: true });
  rt.exit(trapper.pid, long);
  const m = await trapper.next();
  assert.equal(m[0], 'EXIT');
  assert.equal(m[2], long);
});

/* As erlang:demonitor/1: a monitor is turned off by the process that
 * holds it only. Refs are numbered per runtime, so another runtime's ref
 * may have a monitor's very numbers: it turns nothing off either. */
test('only the monitoring process turns its monitor off, and not with another runtime\'s ref', async () => {
  const a = await fauxtp.createRuntime();
  const b = await fauxtp.createRuntime();
  const run = async (r) => {
    const w = await r.start(Worker, 'd');
    const p = await probe(r);
    return { w, p, ref: p.actor().monitor(w) };
  };
  const inA = await run(a);
  const inB = await run(b);
  assert.ok(inA.ref.equals(inB.ref), 'the same numbers in both runtimes');
  assert.equal(inB.p.actor().demonitor(inA.ref), false);
  const other = await probe(b);
  assert.equal(other.actor().demonitor(inB.ref), false, 'not its monitor');
  assert.throws(() => other.actor().demonitor('ref'), { name: 'TypeError' });
  /* Nor may it travel to the other runtime inside a message. */
  await assert.rejects(b.send(other.pid, ['tag', inA.ref]), { name: 'TypeError', message: /value\[1\] is a Ref of another runtime/ });
  await b.send(inB.w, 'crash');
  const down = await inB.p.next();
  assert.equal(down[0], 'DOWN');
  assert.ok(down[1].equals(inB.ref));
  assert.equal(other.pending(), 0);
  /* The monitor's own process still turns it off. */
  assert.equal(inA.p.actor().demonitor(inA.ref), true);
  a.close();
  b.close();
});

test('a start rejects at once with an ExitError when the process is killed, or its runtime closed, during init', async () => {
  const { ExitError } = fauxtp;
  const pids = [];
  class Hang extends GenServer {
    init() {
      pids.push(this.pid);
      return new Promise(() => {}); // never settles
    }
  }
  class Waits extends Actor {
    async init() {
      pids.push(this.pid);
      await this.receive(['never', () => 0]);
    }
  }
  for (const Class of [Hang, Waits]) {
    pids.length = 0;
    const start = rt.start(Class);
    await until(() => pids.length === 1);
    rt.exit(pids[0], 'kill');
    await assert.rejects(start, (e) => e instanceof ExitError && e.reason === 'killed');
  }
  const own = await fauxtp.createRuntime();
  const start = own.start(Hang);
  await until(() => pids.length === 2);
  own.close();
  await assert.rejects(start, (e) => e instanceof ExitError && e.reason === 'killed');
});

test('stop(reason) during init is init\'s {stop, Reason}: the start rejects with it and terminate does not run', async () => {
  const { ExitError } = fauxtp;
  const log = [];
  class StopsServer extends GenServer {
    async init() {
      this.stop('no_config');
      await sleep(5);
      log.push('init returned');
      return { ready: true };
    }
    terminate(reason, state) {
      log.push(['terminate', reason, state]);
    }
  }
  class StopsActor extends Actor {
    init() {
      this.stop('no_config');
      return { ready: true };
    }
    terminate(reason, state) {
      log.push(['terminate', reason, state]);
    }
  }
  const watcher = await probe(rt);
  for (const Class of [StopsServer, StopsActor]) {
    const before = rt.processes().length;
    await assert.rejects(rt.start(Class), (e) => e instanceof ExitError && e.reason === 'no_config');
    await until(() => rt.processes().length === before);
  }
  assert.deepEqual(log, ['init returned']);
  assert.equal(watcher.pending(), 0);
});

test('bad uses of signals are refused: a pid this runtime cannot have made, exit without a reason, a closed runtime', async () => {
  const { Pid } = fauxtp;
  class Idle extends GenServer {}
  const victim = await rt.start(Idle);
  const forged = Pid.local(victim.id, victim.serial + 2 ** 29); // the core's serials are 29 bits: it would name victim
  assert.throws(() => rt.exit(forged, 'kill'), /serial/);
  await assert.rejects(rt.send(forged, 'x'), /serial/);
  let caught;
  class Watcher extends Actor {
    init() {
      try {
        this.monitor(forged);
      } catch (e) {
        caught = e;
      }
    }
    async run() {
      await this.receive();
    }
  }
  const w = await rt.start(Watcher);
  assert.ok(caught instanceof TypeError);
  assert.equal(rt.isAlive(victim), true);
  assert.throws(() => rt.exit(victim), /reason/);
  assert.equal(rt.isAlive(victim), true);
  rt.exit(victim, 'kill');
  rt.exit(w, 'kill');

  const other = await fauxtp.createRuntime();
  let actor;
  class Holder extends Actor {
    init() {
      actor = this;
    }
    async run() {
      await this.receive();
    }
  }
  await other.start(Holder);
  const target = await other.start(Holder);
  other.close();
  assert.throws(() => actor.link(target), /closed/);
  assert.throws(() => actor.monitor(target), /closed/);
});
