/* Property tests (fast-check) of the package's contract, on generated input:
 *
 *   1. values of every API.md §1 type, nested, go JS -> ETF -> core -> ETF
 *      -> JS through real processes (a message to an actor, a call to a
 *      GenServer that answers with its request) and come back as API.md
 *      says (expected(), below); the codec alone round-trips them too, and
 *      in exact mode termToBinary(binaryToTerm(b, { exact: true })) is b;
 *   2. selective receive over a generated mailbox and generated clauses
 *      (literals, ANY, IGNORE, type matchers, nested tuples) picks the
 *      message and extracts the values a small reference model says
 *      (oldest message first; for each message, clauses in order), and
 *      leaves the rest in order;
 *   3. supervisors under generated exit sequences (crashes, kills, normal
 *      and shutdown stops) keep their strategy's invariants, restart types
 *      and intensity, checked against a model of OTP's supervisor.
 *
 * The seed is fixed (FAUXTP_PROP_SEED overrides it); fast-check prints the
 * seed and the shrunk counterexample of a failure. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fauxtp, Actor, GenServer, sleep } from './helpers.mjs';

const { ANY, IGNORE, Int, Float, Atom, Pid, Ref, Supervisor, ReceiveTimeout, atom, list, float, termToBinary, binaryToTerm } = fauxtp;

/* fast-check is a dev dependency of the package (web/node_modules). */
const fc = createRequire(new URL('../../web/package.json', import.meta.url))('fast-check');

const SEED = Number(process.env.FAUXTP_PROP_SEED ?? 20261125);
const params = (numRuns) => ({ seed: SEED, numRuns, includeErrorInReport: true });

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});
after(() => rt.close());

const hex = (b) => Buffer.from(b).toString('hex');

/* ---- 1. values ---- */

/* What comes back for a value sent between JavaScript processes (API.md
 * §1), or through termToBinary and binaryToTerm (`codec`: there a
 * Uint8Array is a plain binary, read as a string when valid UTF-8): atoms
 * as strings (nil/undefined/true/false as null, undefined and booleans),
 * lists and tuples as arrays, float(x) as the number x, bigints as numbers
 * when safe, Uint8Arrays as Uint8Arrays, strings as strings, maps as plain
 * objects when every key reads as a distinct string, Maps otherwise. */
const SPECIAL_ATOMS = { nil: null, undefined, true: true, false: false };
const utf8 = new TextDecoder('utf-8', { fatal: true });
function expected(v, codec = false) {
  if (typeof v === 'bigint') return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Atom) return Object.hasOwn(SPECIAL_ATOMS, v.name) ? SPECIAL_ATOMS[v.name] : v.name;
  if (v instanceof Float) return v.value;
  if (v instanceof Pid || v instanceof Ref) return v;
  if (v instanceof Uint8Array) {
    if (!codec) return v;
    try {
      return utf8.decode(v); // binaryToTerm: a binary that is valid UTF-8 reads as a string
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) return Array.from(v, (x) => expected(x, codec)); // tuples and proper lists alike
  const entries = v instanceof Map ? [...v] : Object.entries(v);
  const keys = entries.map(([k]) => expected(k, codec));
  const vals = entries.map(([, x]) => expected(x, codec));
  if (keys.every((k) => typeof k === 'string') && new Set(keys).size === keys.length) {
    const o = {};
    keys.forEach((k, i) => (o[k] = vals[i]));
    return o;
  }
  return new Map(keys.map((k, i) => [k, vals[i]]));
}

/* Map keys that stay distinct once read back (1 and 1n, atom('a') and 'a',
 * [] and list([]) are different terms but read back the same; such maps
 * read with exact keys, etf.test.mjs checks that). */
const keyIdentity = (k) => {
  const e = expected(k, true);
  if (e === null || typeof e !== 'object') return e;
  try {
    return `read as ${hex(termToBinary(e))}`; // [] and list([]) both read as []
  } catch {
    return `term ${hex(termToBinary(k))}`;
  }
};

const safeInt = fc.maxSafeInteger();
const smallInt = fc.integer({ min: -300, max: 70000 });
/* Doubles as API.md maps them: finite, and integral ones only inside the
 * safe range (a safe integral number is an integer; -0 is a float). */
const double = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d) || Object.is(d, -0));
const bigint = fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }), fc.bigInt({ min: -1000n, max: 1000n }));
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 6 }), fc.constantFrom('', 'ok', 'nil', 'true', 'é', '中文', '\u{1F600}', '\0'));
const atomName = fc.oneof(fc.string({ unit: 'binary', minLength: 0, maxLength: 10 }), fc.constantFrom('ok', 'nil', 'undefined', 'true', 'false', 'EXIT', 'é'));
const bytes = fc.uint8Array({ maxLength: 24 });
const pids = fc.constantFrom(...[[0, 0], [1, 1], [7, 3], [1048575, 4294967295], [123, 9]].map(([i, g]) => Pid.local(i, g)));

function valueArb(refs) {
  const leaf = fc.oneof(
    fc.constantFrom(null, undefined, true, false),
    safeInt,
    smallInt,
    bigint,
    double,
    fc.constantFrom(-0, 0.5, -1.5, 1e300, -(2 ** 60), 5e-324, Number.MAX_VALUE),
    text,
    bytes,
    atomName.map(atom),
    fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(-0, 0, 1)).map(float),
    pids,
    fc.constantFrom(...refs)
  );
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, leaf, tie('tuple'), tie('list'), tie('object'), tie('map')),
    tuple: fc.array(tie('value'), { maxLength: 5 }),
    list: fc.array(tie('value'), { maxLength: 5 }).map((xs) => list(xs)),
    object: fc.dictionary(text.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 5 }),
    map: fc.uniqueArray(fc.tuple(tie('value'), tie('value')), { maxLength: 5, selector: ([k]) => keyIdentity(k), comparator: 'SameValueZero' }).map((es) => new Map(es))
  })).value;
}

/* An actor that hands every message it gets to the test. */
class Echo extends Actor {
  init(box) {
    this.box = box;
  }
  async run() {
    const m = await this.receive();
    this.box.take(m);
  }
}

/* A GenServer that answers each call with its request. */
class Mirror extends GenServer {
  handleCall(request, _from, state) {
    return [request, state];
  }
}

function mailbox() {
  const queue = [];
  const waiting = [];
  return {
    take(m) {
      if (waiting.length) waiting.shift()(m);
      else queue.push(m);
    },
    next() {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message in time')), 2000);
        waiting.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
    }
  };
}

test('generated values come back from a process as API.md maps them', async () => {
  const refs = [rt.makeRef(), rt.makeRef()];
  const box = mailbox();
  const echo = await rt.start(Echo, box);
  const mirror = await rt.start(Mirror);
  await fc.assert(
    fc.asyncProperty(valueArb(refs), async (v) => {
      const want = expected(v);
      await rt.send(echo, v);
      assert.deepStrictEqual(await box.next(), want, 'sent to an actor');
      assert.deepStrictEqual(await rt.call(mirror, v), want, 'a call answered with its request');
      assert.deepStrictEqual(binaryToTerm(termToBinary(v)), expected(v, true), 'the codec alone');
    }),
    params(300)
  );
  assert.ok(rt.isAlive(echo) && rt.isAlive(mirror));
});

test('messages sent together arrive together, in order, each as API.md maps it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(valueArb([rt.makeRef()]), { minLength: 1, maxLength: 12 }), async (vs) => {
      const box = mailbox();
      const echo = await rt.start(Echo, box);
      for (const v of vs) await rt.send(echo, v);
      for (const v of vs) assert.deepStrictEqual(await box.next(), expected(v));
      rt.exit(echo, 'kill');
    }),
    params(60)
  );
});

/* Exact mode: values made of what binaryToTerm(b, { exact: true }) reads
 * (atoms, lists, maps as Maps, integral floats as Float). */
function exactArb() {
  const leaf = fc.oneof(
    smallInt,
    bigint.map((b) => expected(b)),
    double.filter((d) => !Number.isInteger(d)),
    fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(-0, 0)).map(float),
    text,
    bytes,
    atomName.filter((n) => !['nil', 'undefined', 'true', 'false'].includes(n)).map(atom),
    fc.constantFrom(null, undefined, true, false),
    pids
  );
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, leaf, tie('tuple'), tie('list'), tie('improper'), tie('map')),
    tuple: fc.array(tie('value'), { maxLength: 4 }),
    list: fc.array(tie('value'), { maxLength: 4 }).map((xs) => list(xs)),
    improper: fc.tuple(fc.array(tie('value'), { minLength: 1, maxLength: 3 }), leaf).map(([xs, t]) => list(xs, t)),
    map: fc.uniqueArray(fc.tuple(tie('value'), tie('value')), { maxLength: 4, selector: ([k]) => hex(termToBinary(k)) }).map((es) => new Map(es))
  })).value;
}

test('termToBinary(binaryToTerm(b, { exact: true })) gives b back, byte for byte', () => {
  fc.assert(
    fc.property(exactArb(), (v) => {
      const b = termToBinary(v);
      const back = binaryToTerm(b, { exact: true });
      assert.equal(hex(termToBinary(back)), hex(b));
      assert.deepStrictEqual(binaryToTerm(termToBinary(back)), binaryToTerm(b));
    }),
    params(1500)
  );
});

/* ---- 2. selective receive against a model ---- */

/* Messages from a small domain, so that patterns often match: tags, small
 * integers, non-integral floats, booleans, binaries, atoms, tuples, maps. */
const tag = fc.constantFrom('a', 'b', 'c');
const msgLeaf = fc.oneof(tag, fc.integer({ min: 0, max: 3 }), fc.constantFrom(1.5, -2.5), fc.boolean(), fc.constant(null), tag.map(atom), fc.constant(new Uint8Array([1, 2])), fc.constant({ k: 1 }));
const message = fc.letrec((tie) => ({
  m: fc.oneof({ depthSize: 'small' }, msgLeaf, tie('t'), tie('t')),
  t: fc.oneof(fc.tuple(tag, tie('m')), fc.tuple(tag, tie('m'), tie('m')), fc.tuple(tie('m')))
})).m;

const TYPES = [String, Number, Int, Float, Boolean, Array, Object, Uint8Array];
const patLeaf = fc.oneof(tag, fc.integer({ min: 0, max: 3 }), fc.constantFrom(1.5, true, false, null), fc.constantFrom(ANY, IGNORE, ANY), fc.constantFrom(...TYPES));
const randomPattern = fc.letrec((tie) => ({
  p: fc.oneof({ depthSize: 'small' }, patLeaf, tie('t'), tie('t')),
  t: fc.oneof(fc.tuple(tag, tie('p')), fc.tuple(tag, tie('p'), tie('p')), fc.tuple(tie('p')), fc.tuple(fc.constantFrom(ANY, String), tie('p')))
})).p;
/* A message of the domain with parts generalised (to ANY, IGNORE, its type
 * or a tuple pattern of its elements), so that patterns often match. */
function generalise(m) {
  const any = fc.constantFrom(ANY, IGNORE);
  if (Array.isArray(m)) return fc.oneof(any, fc.constant(Array), fc.tuple(...m.map(generalise)), fc.tuple(...m.map(generalise)));
  const types = TYPES.filter((T) => typeMatches(T, m));
  const literal = m instanceof Atom ? m.name : m instanceof Uint8Array || (m !== null && typeof m === 'object') ? ANY : m;
  return fc.oneof(any, fc.constantFrom(...types, literal), fc.constant(literal));
}
const pattern = fc.oneof(randomPattern, message.chain(generalise));

/* What JavaScript reads a message value as (API.md §1). */
const read = expected;
const isText = (v) => typeof v === 'string' || v instanceof Atom;
function typeMatches(T, v) {
  switch (T) {
    case String: return isText(v);
    case Number: return typeof v === 'number';
    case Int: return Number.isInteger(v);
    case Float: return typeof v === 'number' && !Number.isInteger(v);
    case Boolean: return typeof v === 'boolean';
    case Array: return Array.isArray(v);
    case Object: return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Atom) && !(v instanceof Uint8Array);
    case Uint8Array: return v instanceof Uint8Array;
  }
  throw new Error('unknown type');
}

/* The model: the values a pattern extracts from v (left to right), or null. */
function match(p, v, out = []) {
  if (p === ANY) return out.push(read(v)), out;
  if (p === IGNORE) return out;
  if (TYPES.includes(p)) return typeMatches(p, v) ? (out.push(read(v)), out) : null;
  if (Array.isArray(p)) {
    if (!Array.isArray(v) || v.length !== p.length) return null;
    for (let i = 0; i < p.length; i++) if (match(p[i], v[i], out) === null) return null;
    return out;
  }
  if (typeof p === 'string') return isText(v) && read(v) === p ? out : null; // a string literal matches a binary or an atom
  return Object.is(p, v) ? out : null; // numbers, booleans, null
}

/* Oldest message first; for each, the clauses in order. */
function modelReceive(box, clauses) {
  for (let m = 0; m < box.length; m++)
    for (let c = 0; c < clauses.length; c++) {
      const got = match(clauses[c], box[m]);
      if (got !== null) return { index: m, clause: c, extracted: got };
    }
  return null;
}

/* A process that only receives when the test asks it to. */
class Holder extends Actor {
  init(box) {
    box.actor = this;
  }
  run() {
    return new Promise(() => {}); // receives only what the test asks for
  }
}

test('selective receive picks what the model picks, and extracts what it extracts', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(message, { maxLength: 12 }),
      fc.array(fc.array(pattern, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
      async (messages, receives) => {
        const box = {};
        const pid = await rt.start(Holder, box);
        const actor = box.actor;
        try {
          for (const m of messages) await rt.send(pid, m);
          const model = messages.slice();
          for (const clauses of receives) {
            const want = modelReceive(model, clauses);
            let got;
            try {
              got = await actor.receive(...clauses.map((p, i) => [p, (...xs) => ({ clause: i, extracted: xs })]), { timeout: 0 });
            } catch (e) {
              if (!(e instanceof ReceiveTimeout)) throw e;
              got = null;
            }
            if (want === null) {
              assert.equal(got, null, 'nothing matches: the receive times out');
              continue;
            }
            assert.deepStrictEqual(got, { clause: want.clause, extracted: want.extracted });
            model.splice(want.index, 1);
          }
          assert.equal(rt.processInfo(pid).mailboxLength, model.length);
          for (const m of model) assert.deepStrictEqual(await actor.receive([ANY, (x) => x], { timeout: 0 }), read(m), 'the rest stay, in order');
          assert.equal(rt.processInfo(pid).mailboxLength, 0);
        } finally {
          rt.exit(pid, 'kill');
        }
      }
    ),
    params(250)
  );
});

/* ---- 3. supervisors against a model of OTP's ---- */

class Kid extends Actor {
  async run() {
    await this.receive(
      ['crash', () => {
        throw new Error('crash');
      }],
      ['normal', () => this.stop('normal')],
      ['shutdown', () => this.stop('shutdown')]
    );
  }
}

const EXITS = ['crash', 'normal', 'shutdown', 'kill', 'exit'];
const ABNORMAL = new Set(['crash', 'kill', 'exit']);

/* OTP's rules, on { id, restart, pid } records (pid: a Pid, or null while
 * not running); returns false when the supervisor gives up. `fresh` marks
 * the children that must come back with a new pid. */
function modelExit(m, i, how) {
  const c = m.children[i];
  c.pid = null;
  const restart = c.restart === 'permanent' || (c.restart === 'transient' && ABNORMAL.has(how));
  if (c.restart === 'temporary') m.children.splice(i, 1);
  if (!restart) return true;
  if (++m.restarts > m.maxRestarts) return false;
  const from = m.strategy === 'one_for_all' ? 0 : i;
  const to = m.strategy === 'one_for_one' ? i + 1 : m.children.length;
  /* Running temporary children the strategy stops are dropped. */
  for (let j = to - 1; j >= from; j--) if (j !== i && m.children[j].restart === 'temporary' && m.children[j].pid) m.children.splice(j, 1);
  const end = m.strategy === 'one_for_one' ? i + 1 : m.children.length;
  for (let j = from; j < end; j++) m.children[j].fresh = true;
  return true;
}

async function settle(sup, m) {
  let last;
  for (const t0 = Date.now(); Date.now() - t0 < 5000; ) {
    const kids = await rt.whichChildren(sup);
    last = kids;
    const ok =
      kids.length === m.children.length &&
      kids.every((k, j) => {
        const c = m.children[j];
        if (k.id !== c.id) return false;
        if (c.fresh) return k.pid !== null && !(c.pid && k.pid.equals(c.pid)) && rt.isAlive(k.pid);
        return c.pid === null ? k.pid === null : k.pid !== null && k.pid.equals(c.pid);
      });
    if (ok) return kids;
    await sleep(1);
  }
  assert.fail(`supervisor children ${JSON.stringify(last.map((k) => [k.id, String(k.pid)]))} never matched the model ${JSON.stringify(m.children.map((c) => [c.id, c.fresh ? 'new' : String(c.pid)]))}`);
}

test('supervisors under generated exit sequences keep their strategy, restart types and intensity', async () => {
  const spec = fc.record({
    strategy: fc.constantFrom('one_for_one', 'one_for_all', 'rest_for_one'),
    maxRestarts: fc.integer({ min: 0, max: 4 }),
    restarts: fc.array(fc.constantFrom('permanent', 'transient', 'temporary'), { minLength: 1, maxLength: 4 }),
    events: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EXITS)), { minLength: 1, maxLength: 7 })
  });
  await fc.assert(
    fc.asyncProperty(spec, async ({ strategy, maxRestarts, restarts, events }) => {
      class Tree extends Supervisor {
        static strategy = strategy;
        static maxRestarts = maxRestarts;
        static maxSeconds = 3600;
        childSpecs() {
          return restarts.map((restart, j) => ({ id: `c${j}`, actor: Kid, restart }));
        }
      }
      const sup = await rt.start(Tree);
      const m = { strategy, maxRestarts, restarts: 0, children: restarts.map((restart, j) => ({ id: `c${j}`, restart, pid: null })) };
      const first = await rt.whichChildren(sup);
      first.forEach((k, j) => (m.children[j].pid = k.pid));
      const everyPid = first.map((k) => k.pid);
      try {
        for (const [n, how] of events) {
          const running = m.children.map((c, j) => [c, j]).filter(([c]) => c.pid);
          if (running.length === 0) break;
          const [c, j] = running[n % running.length];
          const pid = c.pid;
          if (how === 'kill') rt.exit(pid, 'kill');
          else if (how === 'exit') rt.exit(pid, 'boom');
          else await rt.send(pid, how);
          const alive = modelExit(m, j, how);
          if (!alive) {
            for (const t0 = Date.now(); Date.now() - t0 < 5000 && rt.isAlive(sup); ) await sleep(1);
            assert.equal(rt.isAlive(sup), false, 'the supervisor gave up');
            for (const p of everyPid) assert.equal(rt.isAlive(p), false, 'and its children are gone');
            return;
          }
          const kids = await settle(sup, m);
          assert.equal(rt.isAlive(pid), false);
          kids.forEach((k, i) => {
            m.children[i].pid = k.pid;
            m.children[i].fresh = false;
            if (k.pid) everyPid.push(k.pid);
          });
          /* Old pids of restarted children are dead; live ones belong to the tree. */
          assert.equal(rt.processes().filter((p) => everyPid.some((q) => q.equals(p))).length, kids.filter((k) => k.pid).length);
        }
        assert.ok(rt.isAlive(sup));
      } finally {
        if (rt.isAlive(sup)) rt.exit(sup, 'shutdown');
        for (const t0 = Date.now(); Date.now() - t0 < 5000 && rt.isAlive(sup); ) await sleep(1);
      }
    }),
    params(60)
  );
});
