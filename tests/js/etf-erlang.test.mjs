// The JavaScript term codec against Erlang itself (OTP 25's erts), both ways:
//
//   1. a seeded generator makes random JavaScript values of every mapped
//      type; termToBinary (and the Encoder's bytesAsBitBinary mode) encode
//      them; Erlang decodes each and re-encodes it with
//      term_to_binary(T, [{minor_version, 2}]), which must give the same
//      bytes (or, for maps of more than 32 keys, which Erlang writes in hash
//      order, the same term);
//   2. Erlang writes edge-case and random terms; binaryToTerm reads each in
//      exact mode and termToBinary must give back the same bytes.
//
// The Erlang half is tests/js/etf-oracle.escript. Skipped, saying so, when
// Erlang is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Encoder, binaryToTerm, compareTerms, termToBinary } from '../../web/src/etf.js';
import { List, Pid, Ref, atom, float, list } from '../../web/src/terms.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ORACLE = path.join(here, 'etf-oracle.escript');
const SEED = 20261125;
const JS_VALUES = 2500;
const ERLANG_TERMS = 2500;

const haveErlang = !spawnSync('erl', ['-noshell', '-eval', 'halt().'], { stdio: 'ignore' }).error;
const skip = haveErlang ? false : 'Erlang (erl/escript) is not installed: apt-get install -y erlang-base';

const toHex = (bytes) => Buffer.from(bytes).toString('hex').toUpperCase();
const fromHex = (hex) => new Uint8Array(Buffer.from(hex, 'hex'));

function escript(args) {
  const r = spawnSync('escript', [ORACLE, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`etf-oracle.escript ${args[0]} failed: ${r.stderr || r.error}`);
}

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fauxtp-etf-'));
}

// ETF_ORACLE_KEEP=1 keeps the corpus files, for looking into a failure.
function removeDir(dir) {
  if (process.env.ETF_ORACLE_KEEP) console.log(`# oracle files kept in ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

/* ---- a small seeded generator (mulberry32) ---- */

function generator(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n); // 0..n-1
  const pick = (xs) => xs[int(xs.length)];
  const chars = ['a', 'b', 'z', 'Q', ' ', '_', '0', '\u00e9', '\u4e2d', '\u{1F600}', '\ufeff', '\0', '\uffff', '\ue000'];
  const text = (max) => Array.from({ length: int(max + 1) }, () => pick(chars)).join('');

  function double() {
    const view = new DataView(new ArrayBuffer(8));
    for (;;) {
      view.setUint32(0, int(2 ** 32));
      view.setUint32(4, int(2 ** 32));
      const d = view.getFloat64(0);
      if (Number.isFinite(d) && !Number.isInteger(d)) return d;
    }
  }

  function bigint() {
    let hex = '';
    const digits = 1 + int(pick([8, 16, 40, 600]));
    for (let i = 0; i < digits; i++) hex += int(16).toString(16);
    const v = BigInt('0x' + hex);
    return next() < 0.5 ? -v : v;
  }

  function leaf() {
    switch (int(24)) {
      case 0: return null;
      case 1: return undefined;
      case 2: return next() < 0.5;
      case 3: return int(256);
      case 4: return int(2 ** 32) - 2 ** 31;
      case 5: return pick([-1, 255, 256, -128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)]);
      case 6: return (int(2 ** 30) + 1) * 2 ** int(60) * pick([1, -1]); // integral, past int32, maybe past 2^53
      case 7: return pick([1e20, -1e300, 2 ** 1000, Number.MAX_VALUE]); // integral doubles: integers
      case 8: return bigint();
      case 9: return BigInt(int(2 ** 32) - 2 ** 31);
      case 10: return double();
      case 11: return pick([-0, 0.5, -1.5, 1e-300, 5e-324, 0.1]);
      case 12: return float(pick([0, 1, -1, 2 ** 60, 1e300, -0]));
      case 13: return text(12);
      case 14: return next() < 0.05 ? text(1500) : '';
      case 15: return Uint8Array.from({ length: int(24) }, () => int(256));
      case 16: return atom(text(8));
      case 17: return atom(pick(['ok', 'error', 'EXIT', '$fx_any', 'nonode@nohost', 'x'.repeat(255), '\u{1F600}'.repeat(255)]));
      // A node reads pids and refs of its own name (and creation) only within
      // its own limits: ids of 15 bits, serials of 13, refs of 3 words
      // whose first has 18 bits. The runtime's node is Erlang's
      // nonode@nohost, so local ones stay within those.
      case 18: return Pid.local(int(2 ** 15), int(2 ** 13));
      case 19: return new Pid(pick(['a@b', 'node@host.example', '\u00e9@h']), int(2 ** 32), int(2 ** 32), int(2 ** 32));
      case 20:
        return next() < 0.5
          ? new Ref('a@b', int(2 ** 32), Array.from({ length: 1 + int(5) }, () => int(2 ** 32)))
          : new Ref('nonode@nohost', 0, [int(2 ** 18), int(2 ** 32), int(2 ** 32)]); // Erlang writes its own refs with 3 words
      case 21: return list(Array.from({ length: int(12) }, () => int(256))); // STRING_EXT
      case 22: return pick([[], list([]), {}, new Map(), new Uint8Array(0)]);
      default: return text(3) + '\ud800'; // a lone surrogate: sent as U+FFFD
    }
  }

  // Map keys: any term but -0.0, which OTP 25 takes for 0.0.
  function key(depth) {
    for (;;) {
      const k = next() < 0.7 ? leaf() : value(depth);
      if (!Object.is(k, -0) && !(k instanceof Object && k.value === 0)) return k;
    }
  }

  function distinctKeys(n, depth) {
    const keys = [];
    while (keys.length < n) {
      const k = key(depth);
      if (keys.every((x) => compareTerms(x, k) !== 0)) keys.push(k);
    }
    return keys;
  }

  function value(depth) {
    if (depth <= 0) return leaf();
    const d = depth - 1;
    switch (int(12)) {
      case 0: return Array.from({ length: int(6) }, () => value(d));
      case 1: return list(Array.from({ length: int(6) }, () => value(d)));
      case 2: return list(Array.from({ length: 1 + int(4) }, () => value(d)), leaf()); // improper unless the tail is []
      case 3: {
        const o = {};
        for (let i = int(7); i > 0; i--) o[pick([text(6), String(int(100)), '__proto__x', 'k' + i])] = value(d);
        return o;
      }
      case 4: return new Map(distinctKeys(int(6), d).map((k) => [k, value(d)]));
      case 5: {
        if (next() < 0.8) return leaf();
        // More than 32 keys: Erlang's order is its hash order, so only terms compare.
        const m = new Map(distinctKeys(33 + int(10), 0).map((k) => [k, leaf()]));
        return next() < 0.5 ? m : Object.fromEntries([...m.values()].map((v, i) => [`key${i}`, v]));
      }
      case 6: return next() < 0.02 ? Array.from({ length: 256 + int(10) }, () => leaf()) : [value(d)];
      case 7: return next() < 0.004 ? list(Array.from({ length: 65535 + int(3) }, () => int(256))) : list([value(d), value(d)]);
      default: return leaf();
    }
  }

  return (depth) => value(depth);
}

function hasBigMap(v, seen = 0) {
  if (typeof v !== 'object' || v === null || seen > 600) return false;
  if (v instanceof Map) {
    if (v.size > 32) return true;
    for (const [k, x] of v) if (hasBigMap(k, seen + 1) || hasBigMap(x, seen + 1)) return true;
    return false;
  }
  if (Array.isArray(v)) return v.some((x) => hasBigMap(x, seen + 1)) || hasBigMap(v.tail, seen + 1);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const vals = Object.values(v);
    return vals.length > 32 || vals.some((x) => hasBigMap(x, seen + 1));
  }
  return false;
}

test('Erlang reads what termToBinary writes, and writes the same bytes back', { skip }, () => {
  const gen = generator(SEED);
  const values = Array.from({ length: JS_VALUES }, () => gen(3));
  const bits = new Encoder();
  const lines = [];
  for (const v of values) {
    lines.push(toHex(termToBinary(v)));
    // Whole-byte BIT_BINARY_EXT: Erlang reads a binary, writes BINARY_EXT.
    lines.push(toHex(bits.encode(v, { bytesAsBitBinary: true })));
  }
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'js.hex'), lines.join('\n') + '\n');
    escript(['check', path.join(dir, 'js.hex'), path.join(dir, 'erlang.hex')]);
    const back = fs.readFileSync(path.join(dir, 'erlang.hex'), 'utf8').trim().split('\n');
    assert.equal(back.length, lines.length);
    let bytesCompared = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const mine = lines[2 * i];
      for (const theirs of [back[2 * i], back[2 * i + 1]]) {
        assert.ok(!theirs.startsWith('ERROR'), `Erlang refused ${mine.slice(0, 120)}: ${theirs}`);
        assert.equal(compareTerms(binaryToTerm(fromHex(theirs), { exact: true }), v), 0, `Erlang read another term from ${mine.slice(0, 120)}`);
        if (!hasBigMap(v)) {
          assert.equal(theirs, mine, `value #${i}`);
          bytesCompared++;
        }
      }
    }
    assert.ok(bytesCompared > JS_VALUES, `only ${bytesCompared} byte comparisons`);
  } finally {
    removeDir(dir);
  }
});

test('binaryToTerm reads what Erlang writes, termToBinary gives back the same bytes, and Erlang reads those as the same term', { skip }, () => {
  const dir = tempDir();
  try {
    escript(['gen', String(SEED), String(ERLANG_TERMS), path.join(dir, 'erlang.hex')]);
    const lines = fs.readFileSync(path.join(dir, 'erlang.hex'), 'utf8').trim().split('\n');
    assert.ok(lines.length >= ERLANG_TERMS);
    const decoder = new Encoder();
    const big = new Uint8Array(1 << 20);
    const rewritten = [];
    for (const hex of lines) {
      const bytes = fromHex(hex);
      const exact = binaryToTerm(bytes, { exact: true });
      const again = termToBinary(exact);
      rewritten.push(toHex(again));
      if (toHex(again) !== hex) {
        assert.ok(hasBigMap(exact), `not byte for byte: ${hex.slice(0, 160)}\n           got: ${toHex(again).slice(0, 160)}`);
        assert.equal(compareTerms(binaryToTerm(again, { exact: true }), exact), 0);
      }
      binaryToTerm(bytes); // the default mapping reads it too
      if (bytes.length < big.length - 7) {
        // A slice of a larger buffer, as the bindings read wasm memory.
        big.set(bytes, 7);
        const v = decoder.decode(big, 7, bytes.length, { exact: true });
        assert.equal(compareTerms(v, exact), 0);
      }
    }
    /* And back: Erlang reads what fauxtp rewrote as exactly (=:=) the term
     * it wrote, maps in hash order included. */
    fs.writeFileSync(path.join(dir, 'fauxtp.hex'), rewritten.join('\n') + '\n');
    escript(['equal', path.join(dir, 'erlang.hex'), path.join(dir, 'fauxtp.hex'), path.join(dir, 'equal.txt')]);
    const same = fs.readFileSync(path.join(dir, 'equal.txt'), 'utf8').trim().split('\n');
    assert.equal(same.length, lines.length);
    for (let i = 0; i < lines.length; i++) assert.equal(same[i], 'true', `Erlang read another term from fauxtp's ${rewritten[i].slice(0, 120)}`);
    /* The same terms as term_to_binary(T, [compressed]) writes them: the
     * same terms read back. */
    escript(['zip', path.join(dir, 'erlang.hex'), path.join(dir, 'zipped.hex')]);
    const zipped = fs.readFileSync(path.join(dir, 'zipped.hex'), 'utf8').trim().split('\n');
    assert.equal(zipped.length, lines.length);
    let compressed = 0;
    for (let i = 0; i < lines.length; i++) {
      const bytes = fromHex(zipped[i]);
      if (bytes[1] === 80) compressed++; // Erlang writes small terms uncompressed
      assert.equal(compareTerms(binaryToTerm(bytes, { exact: true }), binaryToTerm(fromHex(lines[i]), { exact: true })), 0, `compressed: ${zipped[i].slice(0, 120)}`);
    }
    assert.ok(compressed > lines.length / 4, `only ${compressed} of ${lines.length} came compressed`);
  } finally {
    removeDir(dir);
  }
});

test('the generator covers every mapped type', { skip }, () => {
  const gen = generator(SEED);
  const seen = new Set();
  const walk = (v, d = 0) => {
    if (d > 20) return;
    seen.add(v === null ? 'null' : typeof v === 'object' ? v.constructor?.name ?? 'Object' : typeof v);
    if (v instanceof List && v.tail !== undefined) seen.add('improper');
    if (v instanceof Map) for (const [k, x] of v) walk(k, d + 1), walk(x, d + 1);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, d + 1));
    else if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach((x) => walk(x, d + 1));
  };
  for (let i = 0; i < JS_VALUES; i++) walk(gen(3));
  for (const t of ['null', 'undefined', 'boolean', 'number', 'bigint', 'string', 'Array', 'List', 'improper', 'Object', 'Map', 'Uint8Array', 'Atom', 'Float', 'Pid', 'Ref'])
    assert.ok(seen.has(t), `no ${t} generated`);
});
