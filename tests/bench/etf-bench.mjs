// Micro-benchmark of the JavaScript term codec (web/src/etf.js): the median
// nanoseconds per encode and per decode, over repeated batches, for the
// shapes messages usually have. Columns: encLen, Encoder#encodeLength (the
// bindings' path: one buffer reused, no view made); encode, the same plus
// the view it returns; termToBin, termToBinary (a fresh copy each time);
// decode, Encoder#decode of a slice of a larger buffer, as the bindings
// read wasm memory.
//
//   node tests/bench/etf-bench.mjs [--batches N]
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
if (sink === 0.5) console.log(sink); // keeps the work observable
