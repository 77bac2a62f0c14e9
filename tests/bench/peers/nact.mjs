/* The Savina-style workloads of savina.c on nact (npm), a JavaScript actor
 * library, as a peer. run.mjs installs nact into a scratch folder
 * (build/peers/nact, never web/package.json) and runs
 *
 *   node --expose-gc tests/bench/peers/nact.mjs NACT_DIR WORKLOAD [reps=R] [warmup=W] [key=value]...
 *
 * printing the one JSON line fx-savina prints. nact's `query` is the call.
 * Each workload checks its result and the program exits 1 when it is not
 * what the parameters predict. */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { expected } from './expected.mjs';

const [dir, name, ...args] = process.argv.slice(2);
const { start, spawn, spawnStateless, dispatch, query, stop } = createRequire(join(resolve(dir), 'package.json'))('nact');

/* MINSTD (Park-Miller): the same sequence in every runner. */
const minstd = (x) => (x * 48271) % 2147483647;

function signal() {
  let done;
  const promise = new Promise((r) => (done = r));
  return { promise, done };
}

/* nact names anonymous actors with 32 random bits, which collide among
 * 100k actors: every actor here gets a name. */
function pingpong(sys, { n }) {
  const s = signal();
  const ponger = spawnStateless(sys, (msg) => dispatch(msg.from, { type: 'pong' }), 'ponger');
  const pinger = spawn(
    sys,
    (count, msg, ctx) => {
      if (msg.type === 'pong' && ++count === n) s.done(count);
      else dispatch(ponger, { type: 'ping', from: ctx.self });
      return count;
    },
    'pinger',
    { initialState: 0 }
  );
  dispatch(pinger, { type: 'start' });
  return s.promise;
}

function threadring(sys, { actors, hops }) {
  const s = signal();
  const members = [];
  for (let i = 0; i < actors; i++)
    members.push(
      spawn(
        sys,
        (next, msg) => {
          if (msg.type === 'next') return msg.next;
          if (msg.left === 0) s.done(i);
          else dispatch(next, { type: 'token', left: msg.left - 1 });
          return next;
        },
        `m${i}`
      )
    );
  members.forEach((m, i) => dispatch(m, { type: 'next', next: members[(i + 1) % actors] }));
  dispatch(members[0], { type: 'token', left: hops });
  return s.promise;
}

function counting(sys, { n }) {
  const s = signal();
  const counter = spawn(
    sys,
    (count, msg) => {
      if (msg.type === 'increment') return count + 1;
      dispatch(msg.from, { type: 'done', count });
      return count;
    },
    'counter',
    { initialState: 0 }
  );
  const producer = spawnStateless(
    sys,
    (msg, ctx) => {
      if (msg.type === 'done') return s.done(msg.count);
      for (let i = 0; i < n; i++) dispatch(counter, { type: 'increment' });
      dispatch(counter, { type: 'get', from: ctx.self });
    },
    'producer'
  );
  dispatch(producer, { type: 'start' });
  return s.promise;
}

function forkjoin(sys, { n }) {
  const s = signal();
  const collector = spawn(
    sys,
    (count) => {
      if (++count === n) s.done(count);
      return count;
    },
    'collector',
    { initialState: 0 }
  );
  for (let i = 0; i < n; i++) {
    const w = spawnStateless(
      sys,
      (msg, ctx) => {
        dispatch(msg.collector, { type: 'done' });
        stop(ctx.self);
      },
      `w${i}`
    );
    dispatch(w, { type: 'go', collector });
  }
  return s.promise;
}

function big(sys, { actors, pings }) {
  const s = signal();
  let total = 0;
  let left = actors;
  const peers = [];
  const ping = (st, self) => {
    st.rng = minstd(st.rng);
    dispatch(peers[st.rng % actors], { type: 'ping', from: self });
  };
  for (let i = 0; i < actors; i++)
    peers.push(
      spawn(
        sys,
        (st, msg, ctx) => {
          if (msg.type === 'ping') dispatch(msg.from, { type: 'pong' });
          else if (msg.type === 'go') ping(st, ctx.self);
          else if (++st.pongs < pings) ping(st, ctx.self);
          else {
            total += st.pongs;
            if (--left === 0) s.done(total);
          }
          return st;
        },
        `b${i}`,
        { initialState: { rng: i + 1, pongs: 0 } }
      )
    );
  for (const p of peers) dispatch(p, { type: 'go' });
  return s.promise;
}

async function callLoop(sys, { k }) {
  const server = spawn(
    sys,
    (n, msg, ctx) => {
      dispatch(ctx.sender, n + 1);
      return n + 1;
    },
    'server',
    { initialState: 0 }
  );
  let last = 0;
  for (let i = 0; i < k; i++) last = await query(server, { type: 'increment' }, 5000);
  return last;
}

const workloads = { pingpong, threadring, counting, forkjoin, big, call: callLoop };

const params = {};
let reps = 5;
let warmup = 1;
for (const a of args) {
  const [k, v] = a.split('=');
  if (k === 'reps') reps = Number(v);
  else if (k === 'warmup') warmup = Number(v);
  else params[k] = Number(v);
}

const heap = () => (globalThis.gc?.(), process.memoryUsage().heapUsed);

if (name === 'memory') {
  const sys = start();
  const h0 = heap();
  for (let i = 0; i < params.n; i++) spawn(sys, (st) => st, `i${i}`, { initialState: 0 });
  await new Promise((r) => setImmediate(r));
  const bytes = (heap() - h0) / params.n;
  stop(sys);
  console.log(JSON.stringify({ workload: 'memory', params, bytes_per_process: Number(bytes.toFixed(1)) }));
  process.exit(0);
}

const times = [];
let result;
for (let r = 0; r < warmup + reps; r++) {
  const sys = start();
  const t0 = performance.now();
  result = await workloads[name](sys, params);
  const dt = performance.now() - t0;
  stop(sys);
  if (result !== expected[name](params)) {
    console.error(`nact.mjs: ${name}: result ${result}, expected ${expected[name](params)}`);
    process.exit(1);
  }
  if (r >= warmup) times.push(Number(dt.toFixed(3)));
}
console.log(JSON.stringify({ workload: name, params, times_ms: times, result }));
process.exit(0);
