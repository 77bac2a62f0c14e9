/* fauxtp's JavaScript actors in Node: the command line of fauxtp-js.mjs,
 * printing the one JSON line fx-savina prints.
 *
 *   node --expose-gc tests/bench/peers/js-node.mjs WORKLOAD [reps=R] [warmup=W] [key=value]... */
import { runWorkload, idleMemory } from './fauxtp-js.mjs';

const [name, ...args] = process.argv.slice(2);
const params = {};
const opts = {};
for (const a of args) {
  const [k, v] = a.split('=');
  if (k === 'reps' || k === 'warmup') opts[k] = Number(v);
  else params[k] = Number(v);
}
const heapUsed = () => (globalThis.gc?.(), process.memoryUsage().heapUsed);
try {
  const out = name === 'memory' ? await idleMemory(params.n, heapUsed) : await runWorkload(name, params, opts);
  console.log(JSON.stringify(out));
  process.exit(0); // idle actors keep nothing alive, but say so plainly
} catch (e) {
  console.error(`js-node.mjs: ${e.message}`);
  process.exit(1);
}
