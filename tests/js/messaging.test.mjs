/* API.md §3: send / cast / call, ordering, copying, failures. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, Actor, GenServer, ANY, sleep, probe, until } from './helpers.mjs';

const { ExitError, ReceiveTimeout } = fauxtp;
let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

class Counter extends GenServer {
  init(n = 0) {
    return n;
  }
  handleCall(req, _from, n) {
    if (req === 'get') return [n, n];
    if (req === 'crash') throw new RangeError('asked to crash');
    if (req === 'stop') {
      this.stop('normal');
      return ['stopping', n];
    }
    return [['unknown', req], n];
  }
  handleCast(req, n) {
    return req[0] === 'add' ? n + req[1] : n;
  }
}

test('messages from one sender arrive in the order sent', async () => {
  const p = await probe(rt);
  for (let i = 0; i < 500; i++) rt.send(p.pid, i);
  for (let i = 0; i < 500; i++) assert.equal(await p.next(), i);
});

test('messages are copies: neither side sees the other mutate', async () => {
  const p = await probe(rt);
  const sent = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]), text: 'hé' };
  await rt.send(p.pid, sent);
  sent.list.push(3);
  sent.bytes[0] = 99;
  const got = await p.next();
  assert.deepEqual(got, { list: [1, 2], bytes: new Uint8Array([1, 2, 3]), text: 'hé' });
  assert.ok(got.bytes instanceof Uint8Array);
  got.list.push(4);
  assert.deepEqual(sent.list, [1, 2, 3]);
});

test('a Uint8Array stays a Uint8Array and a string a string, empty ones too', async () => {
  const p = await probe(rt);
  const server = await rt.start(Counter);
  for (const v of [new Uint8Array(0), '', [new Uint8Array(0), ''], { b: new Uint8Array(0) }]) {
    await rt.send(p.pid, v);
    assert.deepStrictEqual(await p.next(), v);
    assert.deepStrictEqual((await rt.call(server, ['echo', v]))[1], ['echo', v]);
  }
});

test('values that cannot be encoded are refused with a TypeError naming the path; nothing is sent', async () => {
  const p = await probe(rt);
  await assert.rejects(rt.send(p.pid, { ok: 1, f: () => 1 }), (e) => e instanceof TypeError && /f/.test(e.message));
  await assert.rejects(rt.send(p.pid, [1, Symbol('s')]), TypeError);
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  await assert.rejects(rt.send(p.pid, cyclic), TypeError);
  await assert.rejects(rt.call(p.pid, new (class X {})()), TypeError);
  await rt.send(p.pid, 'after');
  assert.equal(await p.next(), 'after');
});

test('a dead pid drops the message; an unregistered name rejects', async () => {
  const pid = await rt.start(Counter);
  await rt.call(pid, 'stop');
  await sleep(5);
  assert.equal(rt.isAlive(pid), false);
  await rt.send(pid, 'into the void'); // resolves
  await assert.rejects(rt.send('no_such_name', 1), ExitError);
  await assert.rejects(rt.send(42, 1), TypeError);
});

test('call and cast reach a GenServer', async () => {
  const pid = await rt.start(Counter, 5);
  await rt.cast(pid, ['add', 10]);
  assert.equal(await rt.call(pid, 'get'), 15);
  assert.deepEqual(await rt.call(pid, 'what'), ['unknown', 'what']);
});

test('call fails fast with noproc for a dead pid or an unknown name', async () => {
  const pid = await rt.start(Counter);
  rt.exit(pid, 'kill');
  await sleep(5);
  const t0 = Date.now();
  await assert.rejects(rt.call(pid, 'get'), (e) => e instanceof ExitError && e.reason === 'noproc');
  await assert.rejects(rt.call('nobody_here', 'get'), (e) => e instanceof ExitError && e.reason === 'noproc');
  assert.ok(Date.now() - t0 < 1000);
});

test('call fails fast with the crash reason when the server dies before replying', async () => {
  const pid = await rt.start(Counter);
  const t0 = Date.now();
  await assert.rejects(rt.call(pid, 'crash'), (e) => {
    assert.ok(e instanceof ExitError);
    assert.equal(e.reason.error, 'RangeError');
    assert.equal(e.reason.message, 'asked to crash');
    return true;
  });
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(rt.isAlive(pid), false);
});

test('a call whose failure waits in a batch behind a handler that calls again still fails', async () => {
  /* The core frees a call's slot as the call completes; its event may wait
   * behind another in the same batch, whose handler makes a new call that
   * takes the slot. */
  class Silent extends GenServer {
    init() {
      return null;
    }
    handleCall(_req, _from, s) {
      return [GenServer.noReply, s];
    }
  }
  const silent = await rt.start(Silent);
  const echo = await rt.start(Counter, 7);
  let inner = null;
  const caller = await rt.start(
    class extends GenServer {
      init() {
        return null;
      }
      handleInfo(_msg, s) {
        inner = rt.call(echo, 'get');
        return s;
      }
    }
  );
  const outcome = rt.call(silent, 'hang').then(
    () => 'resolved',
    (e) => (e instanceof ExitError && e.reason === 'killed' ? 'killed' : String(e))
  );
  await sleep(0); // the call is in the server's hands
  rt.send(caller, 'go'); // matched at once: its event comes first
  rt.exit(silent, 'kill'); // the call fails: its event next, in the same batch
  assert.equal(await Promise.race([outcome, sleep(2000).then(() => 'never settled')]), 'killed');
  assert.equal(await inner, 7);
});

test('an unimplemented handleCall crashes the server with a reason that says so', async () => {
  class CastOnly extends GenServer {}
  const pid = await rt.start(CastOnly);
  await assert.rejects(rt.call(pid, 'x'), (e) => e instanceof ExitError && /does not implement handleCall/.test(e.reason.message));
});

test('call times out with ReceiveTimeout; the late reply is dropped, never left in a mailbox', async () => {
  class Slow extends GenServer {
    handleCall(req, from, state) {
      setTimeout(() => this.runtime.reply(from, 'late'), 60);
      return [GenServer.noReply, state];
    }
  }
  const server = await rt.start(Slow);
  const outcome = [];
  class Caller extends Actor {
    async run() {
      try {
        await this.runtime.call(server, 'q', 20);
      } catch (e) {
        outcome.push(e instanceof ReceiveTimeout ? 'timeout' : String(e));
      }
      await sleep(100);
      outcome.push(this.runtime.processInfo(this.pid).mailboxLength);
      outcome.push(await this.receive([ANY, (m) => m], { timeout: 0 }).catch((e) => e.name));
      this.stop();
    }
  }
  await rt.start(Caller);
  await sleep(200);
  assert.deepEqual(outcome, ['timeout', 0, 'ReceiveTimeout']);
  await assert.rejects(rt.call(server, 'q', 10), ReceiveTimeout);
});

test('a call made by a handler to a process that is not receiving times out on time', async () => {
  class Deaf extends Actor {
    async run() {
      await sleep(600); // never receives meanwhile
      this.stop();
    }
  }
  const deaf = await rt.start(Deaf);
  class Asker extends GenServer {
    async handleCall(_req, _from, state) {
      const t0 = performance.now();
      try {
        await this.runtime.call(deaf, 'anyone?', 150);
      } catch (e) {
        return [[e.name, performance.now() - t0], state];
      }
      return [['answered', 0], state];
    }
  }
  const asker = await rt.start(Asker);
  const [name, waited] = await rt.call(asker, 'go');
  assert.equal(name, 'ReceiveTimeout');
  assert.ok(waited >= 149 && waited < 250, `timed out after ${waited} ms`);
});

/* OTP's gen_server:call(self(), ...) exits with calling_self at once: a
 * server cannot answer while its handler waits. Seen while the handler
 * runs synchronously (up to its first await); a process the handler
 * starts makes calls of its own, which the server answers later. */
test('a GenServer calling itself from its handler fails at once with calling_self', async () => {
  let worker = null;
  class Selfish extends GenServer {
    init() {
      return 0;
    }
    async handleCall(req, _from, n) {
      if (req === 'config') return [n, n + 1];
      const t0 = performance.now();
      try {
        await this.runtime.call(req === 'by name' ? 'selfish' : this.pid, 'config', 3000);
      } catch (e) {
        return [[e.name, e.reason, performance.now() - t0], n];
      }
      return [['answered'], n];
    }
    handleCast(_req, n) {
      worker = this.runtime.start(Asker, this.pid); // not awaited: it runs its init now
      return n;
    }
  }
  class Asker extends Actor {
    async init(server) {
      this.got = await this.runtime.call(server, 'config');
    }
    async run() {
      await this.receive([['give', ANY], (pid) => this.runtime.send(pid, ['got', this.got])]);
      this.stop();
    }
  }
  const server = await rt.start(Selfish);
  assert.equal(rt.register('selfish', server), true);
  for (const req of ['by pid', 'by name']) {
    const [name, reason, waited] = await rt.call(server, req);
    assert.equal(name, 'ExitError');
    assert.equal(reason, 'calling_self');
    assert.ok(waited < 500, `failed after ${waited} ms`);
  }
  await rt.cast(server, 'start a worker');
  await until(() => worker !== null);
  const p = await probe(rt);
  await rt.send(await worker, ['give', p.pid]);
  assert.deepEqual(await p.next(), ['got', 0]);
  assert.equal(rt.isAlive(server), true);
});

test('a server handles one message at a time, async handlers included', async () => {
  let inside = 0;
  let overlap = false;
  class Serial extends GenServer {
    async handleCall(req, _from, state) {
      if (inside++) overlap = true;
      await sleep(2);
      inside--;
      return [req * 2, state];
    }
  }
  const pid = await rt.start(Serial);
  const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => rt.call(pid, n)));
  assert.deepEqual(replies, [2, 4, 6, 8, 10]);
  assert.equal(overlap, false);
});

test('replies may come later from reply(from, value)', async () => {
  class Deferred extends GenServer {
    init() {
      return [];
    }
    handleCall(req, from, waiting) {
      if (req === 'wait') return [GenServer.noReply, [...waiting, from]];
      for (const f of waiting) this.runtime.reply(f, 'released');
      return ['done', []];
    }
  }
  const pid = await rt.start(Deferred);
  const a = rt.call(pid, 'wait');
  const b = rt.call(pid, 'wait');
  assert.equal(await rt.call(pid, 'go'), 'done');
  assert.deepEqual(await Promise.all([a, b]), ['released', 'released']);
});

test('an Actor can serve a call: the From it matches is a [pid, ref] pair it replies to', async () => {
  const { Pid, Ref } = fauxtp;
  const seen = [];
  class Hand extends Actor {
    async run() {
      await this.receive([
        ['$gen_call', ANY, ANY],
        (from, req) => {
          seen.push(Array.isArray(from) && from.length === 2 && from[0] instanceof Pid && from[1] instanceof Ref);
          this.runtime.reply(from, ['echo', req]);
        }
      ]);
      this.stop();
    }
  }
  const pid = await rt.start(Hand);
  assert.deepEqual(await rt.call(pid, { q: 1 }), ['echo', { q: 1 }]);
  assert.deepEqual(seen, [true]);
});

test('a [pid, ref] pair extracted by a pattern arrives equal to the one sent', async () => {
  let got;
  class Catch extends Actor {
    async run() {
      got = await this.receive([['wrap', ANY], (pair) => pair]);
      this.stop();
    }
  }
  const pid = await rt.start(Catch);
  const ref = rt.makeRef();
  await rt.send(pid, ['wrap', [pid, ref]]);
  await until(() => got !== undefined);
  assert.deepEqual(got, [pid, ref]);
  assert.ok(got[0].equals(pid) && got[1].equals(ref));
});

test('a value whose getter sends a message of its own arrives whole, the getter run once', async () => {
  const got = [];
  class Sink extends Actor {
    async run() {
      got.push(await this.receive());
    }
  }
  const sink = await rt.start(Sink);
  let reads = 0;
  const message = {
    big: 'x'.repeat(5000),
    get inner() {
      reads++;
      rt.send(sink, ['inner', reads]);
      return [1, 2, 3];
    }
  };
  await rt.send(sink, message);
  await until(() => got.length === 2);
  assert.equal(reads, 1);
  assert.deepEqual(got, [['inner', 1], { big: 'x'.repeat(5000), inner: [1, 2, 3] }]);
});

test('thousands of pending calls each settle with their own reply, answered in reverse', async () => {
  class Holder extends GenServer {
    init() {
      return [];
    }
    handleCall(req, from, held) {
      if (req !== 'release') {
        held.push([from, req]);
        return [GenServer.noReply, held];
      }
      for (let i = held.length - 1; i >= 0; i--) this.runtime.reply(held[i][0], held[i][1] * 2);
      return [held.length, []];
    }
  }
  const pid = await rt.start(Holder);
  const N = 5000;
  const pending = [];
  for (let i = 0; i < N; i++) pending.push(rt.call(pid, i));
  assert.equal(await rt.call(pid, 'release'), N);
  const replies = await Promise.all(pending);
  assert.deepEqual(replies, Array.from({ length: N }, (_, i) => i * 2));
});

test('handleInfo gets plain messages', async () => {
  class Info extends GenServer {
    init() {
      return [];
    }
    handleInfo(m, seen) {
      return [...seen, m];
    }
    handleCall(_r, _f, seen) {
      return [seen, seen];
    }
  }
  const pid = await rt.start(Info);
  await rt.send(pid, 'one');
  await rt.send(pid, ['two', 2]);
  assert.deepEqual(await rt.call(pid, 'seen'), ['one', ['two', 2]]);
});

test('casts to a server with an async handler are handled in order, one at a time', async () => {
  class Ordered extends GenServer {
    init() {
      return [];
    }
    async handleCast(n, seen) {
      if (n % 7 === 0) await sleep(1);
      return [...seen, n];
    }
    handleCall(_r, _f, seen) {
      return [seen, seen];
    }
  }
  const pid = await rt.start(Ordered);
  for (let i = 0; i < 60; i++) rt.cast(pid, i);
  assert.deepEqual(await rt.call(pid, 'seen'), Array.from({ length: 60 }, (_, i) => i));
});

test('a server stopping inside a handler drops the rest, after replying', async () => {
  const terminated = [];
  class Quitter extends GenServer {
    init() {
      return 0;
    }
    handleCall(req, _f, n) {
      if (req === 'quit') this.stop('normal');
      return [n, n + 1];
    }
    terminate(reason, n) {
      terminated.push([reason, n]);
    }
  }
  const pid = await rt.start(Quitter);
  const replies = [rt.call(pid, 'a'), rt.call(pid, 'quit'), rt.call(pid, 'b')];
  const [a, q, b] = await Promise.allSettled(replies);
  assert.equal(a.value, 0);
  assert.equal(q.value, 1);
  assert.equal(b.status, 'rejected');
  assert.ok(b.reason instanceof ExitError);
  assert.deepEqual(terminated, [['normal', 2]]);
});

/* Refs and pids are numbered per runtime, so a From answered in another
 * runtime could complete that runtime's own call with the same numbers. */
test('a deferred reply goes to the runtime the call came to', async () => {
  await fauxtp.init(); // the default runtime, which the module-level reply would use
  class Later extends GenServer {
    handleCall(request, from, state) {
      this.from = from;
      this.request = request;
      return [GenServer.noReply, state];
    }
  }
  const a = await fauxtp.createRuntime();
  const b = await fauxtp.createRuntime();
  const [pa, pb] = [await a.start(Later), await b.start(Later)];
  const actor = (r, p) => r.procs.get(p.id, p.serial).actor;
  const [ca, cb] = [a.call(pa, 'to a'), b.call(pb, 'to b')];
  await until(() => actor(a, pa).from && actor(b, pb).from);
  assert.throws(() => a.reply(actor(b, pb).from, 'wrong'), { name: 'TypeError', message: /another runtime/ });
  fauxtp.reply(actor(b, pb).from, 'b answered'); // module-level: by the From's runtime
  assert.equal(await cb, 'b answered');
  a.reply(actor(a, pa).from, 'a answered');
  assert.equal(await ca, 'a answered');
  a.close();
  b.close();
});

test('a From whose ref ids pass 2^31 (after 2^17 calls) still answers, later too, and decodes', async () => {
  class Held extends GenServer {
    init() {
      return null;
    }
    handleCall(request, from, state) {
      if (request !== 'hold') return [request, state];
      this.from = from;
      return [GenServer.noReply, state];
    }
  }
  const r = await fauxtp.createRuntime();
  const pid = await r.start(Held);
  const server = r.procs.get(pid.id, pid.serial).actor;
  /* The requests cross as ETF integers of every size: small, negative, 32-bit. */
  const request = (i) => (i % 3 === 0 ? i & 255 : i % 3 === 1 ? -i : i * 16381);
  for (let i = 0; i < 131100; i++) if ((await r.call(pid, request(i))) !== request(i)) assert.fail(`call ${i} answered wrongly`);
  const held = r.call(pid, 'hold');
  await until(() => server.from);
  const [caller, tag] = server.from.term;
  assert.ok(caller instanceof fauxtp.Pid && tag instanceof fauxtp.Ref);
  assert.ok(tag.ids.some((id) => id >= 2 ** 31), `ids ${tag.ids} cross 2^31`);
  assert.ok(tag.ids.every((id) => Number.isInteger(id) && id >= 0 && id < 2 ** 32), 'read back as u32');
  r.reply(server.from, 'late');
  assert.equal(await held, 'late');
  r.close();
});
