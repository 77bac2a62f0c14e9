// Micro-benchmark of the JavaScript term codec (web/src/etf.js): the median
// nanoseconds per encode and per decode, over repeated batches, for the
// shapes messages usually have. Columns: encLen, Encoder#encodeLength (the
// bindings' path: one buffer reused, no view made); encode, the same plus
// the view it returns; termToBin, termToBinary (a fresh copy each time);
// decode, Encoder#decode of a slice of a larger buffer, as the bindings
// read wasm memory.
//
// Then the throughput table: termToBinary and binaryToTerm of a 1 KB mixed
// term and of a 1 MB binary in MB/s (of ETF bytes), side by side with
// JSON.stringify and JSON.parse of the equivalent JSON (MB/s of JSON text);
// targets: within 2x of JSON for the mixed term, >= 1 GB/s for the binary.
//
//   node tests/bench/etf-bench.mjs [--batches N]
import { isDeepStrictEqual } from 'node:util';
import { Encoder, binaryToTerm, termToBinary } from '../../web/src/etf.js';
import { atom } from '../../web/src/terms.js';

const BATCHES = Number(process.argv[process.argv.indexOf('--batches') + 1]) || 21;
const BATCH_MS = 40;

const cases = {
  'small tuple [ok, 42, "hi"]': [atom('ok'), 42, 'hi'],
  '10-key object': Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`field${i}`, i % 2 ? `value${i}` : i * 1000])),
  '1 KB string': 'abcdefghijklmnop'.repeat(64),
  '1,000-element array': Array.from({ length: 1000 }, (_, i) => i * 7919)
};

/* ns per call of fn, median over batches sized to take about BATCH_MS. */
function measure(fn) {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - t0 > BATCH_MS / 4) break;
    n *= 2;
  }
  n *= 4;
  const samples = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (ns) => (ns < 10 ? ns.toFixed(1) : ns < 1e4 ? ns.toFixed(0) : `${(ns / 1000).toFixed(1)}k`).padStart(8);

const enc = new Encoder();
const memory = new Uint8Array(1 << 16); // stands in for wasm memory
let sink = 0;
console.log(`node ${process.version}; median ns per op over ${BATCHES} batches`);
console.log(`${'value'.padEnd(28)}${'bytes'.padStart(7)}${'encLen'.padStart(9)}${'encode'.padStart(9)}${'termToBin'.padStart(10)}${'decode'.padStart(9)}`);
for (const [name, value] of Object.entries(cases)) {
  const bytes = termToBinary(value);
  memory.set(bytes, 64);
  const l = measure(() => {
    sink ^= enc.encodeLength(value);
  });
  const e = measure(() => {
    sink ^= enc.encode(value).length;
  });
  const t = measure(() => {
    sink ^= termToBinary(value).length;
  });
  const d = measure(() => {
    sink ^= enc.decode(memory, 64, bytes.length) === null ? 1 : 0;
  });
  if (JSON.stringify(binaryToTerm(bytes, { exact: false })) === undefined) sink++;
  console.log(`${name.padEnd(28)}${String(bytes.length).padStart(7)}${fmt(l)} ${fmt(e)} ${fmt(t)}  ${fmt(d)}`);
}

/* A 1 KB message of the usual mixed kinds, written the same in both
 * formats (no atoms, tuples or bigints, which JSON cannot say). */
const mixed = {
  id: 123456,
  user: { name: 'Ada Lovelace', email: 'ada@example.org', roles: ['admin', 'dev'], active: true },
  scores: [3.25, 99.5, -1.125, 0.001, 42],
  items: Array.from({ length: 12 }, (_, i) => ({ sku: `item-${i}`, qty: i + 1, price: 9.99 + i, tags: ['new', 'sale'] })),
  note: 'fauxtp moves messages as the Erlang external term format',
  ok: false,
  nothing: null
};
const mb = 1 << 20;
const blob = Uint8Array.from({ length: mb }, (_, i) => (i * 2654435761) >>> 24);
/* JSON has no binary: its equivalent is the same megabyte as a string. */
const blobText = 'x'.repeat(mb);
const rate = (bytes, ns) => (bytes / ns) * 1e3; // MB/s (10^6 bytes)
const mbs = (v) => `${v >= 1000 ? v.toFixed(0) : v.toFixed(1)} MB/s`.padStart(12);

console.log(`\nthroughput, median over ${BATCHES} batches (MB = 10^6 bytes of the encoded form)`);
console.log(`${'value'.padEnd(16)}${'ETF B'.padStart(9)}${'termToBinary'.padStart(14)}${'binaryToTerm'.padStart(14)}${'JSON B'.padStart(9)}${'stringify'.padStart(12)}${'parse'.padStart(12)}${'enc ratio'.padStart(11)}${'dec ratio'.padStart(11)}`);
for (const [name, value, json] of [
  ['1 KB mixed', mixed, mixed],
  ['1 MB binary', blob, blobText]
]) {
  const etf = termToBinary(value);
  const text = JSON.stringify(json);
  if (!isDeepStrictEqual(binaryToTerm(etf), value)) throw new Error(`${name}: the round trip differs`);
  const te = measure(() => {
    sink ^= termToBinary(value).length;
  });
  const td = measure(() => {
    sink ^= binaryToTerm(etf) === null ? 1 : 0;
  });
  const je = measure(() => {
    sink ^= JSON.stringify(json).length;
  });
  const jd = measure(() => {
    sink ^= JSON.parse(text) === null ? 1 : 0;
  });
  const [re, rd, rje, rjd] = [rate(etf.length, te), rate(etf.length, td), rate(text.length, je), rate(text.length, jd)];
  console.log(
    `${name.padEnd(16)}${String(etf.length).padStart(9)}${mbs(re)}  ${mbs(rd)}${String(text.length).padStart(9)}${mbs(rje)}${mbs(rjd)}` +
      `${`${(te / je).toFixed(2)}x`.padStart(11)}${`${(td / jd).toFixed(2)}x`.padStart(11)}`
  );
}
console.log('(ratios: time per value of the ETF codec over JSON; target <= 2x for the mixed term, and >= 1000 MB/s for the binary)');
if (sink === 0.5) console.log(sink); // keeps the work observable
