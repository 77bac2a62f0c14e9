/* The Savina-style workloads of savina.c on fauxtp's JavaScript actors,
 * through the npm package's public API. One module for Node and Chromium:
 * run.mjs imports it in Node and, for the browser, a page served from the
 * repository root imports it (the relative import below resolves there
 * too) and calls runWorkload through page.evaluate.
 *
 * Each workload resolves with its checksum (what savina.c's comment says)
 * and runWorkload throws when it is not what the parameters predict. */
import { init, Actor, GenServer, send, call, ANY, Int, Pid } from '../../../web/index.js';
import { expected } from './expected.mjs';

/* MINSTD (Park-Miller): the same sequence in every runner. */
const minstd = (x) => (x * 48271) % 2147483647;

/* A promise and its resolve, for the driver to wait on the last actor. */
function signal() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

const stopAll = (pids) => pids.forEach((p) => send(p, 'stop'));

/* ---- pingpong ---- */

class Ponger extends Actor {
  run() {
    return this.receive(
      [['ping', Pid], (from) => send(from, 'pong')],
      ['stop', () => this.stop()]
    );
  }
}

class Pinger extends Actor {
  init(peer, n, done) {
    Object.assign(this, { peer, n, done });
    send(peer, ['ping', this.pid]);
    return 0;
  }
  run(count) {
    return this.receive([
      'pong',
      () => {
        if (++count === this.n) {
          this.done(count);
          this.stop();
        } else {
          send(this.peer, ['ping', this.pid]);
        }
        return count;
      }
    ]);
  }
}

async function pingpong({ n }) {
  const s = signal();
  const pong = await Ponger.start();
  await Pinger.start(pong, n, s.resolve);
  const result = await s.promise;
  stopAll([pong]);
  return result;
}

/* ---- threadring ---- */

class Member extends Actor {
  init(index, done) {
    Object.assign(this, { index, done, next: null });
  }
  run() {
    return this.receive(
      [
        Int,
        (left) => {
          if (left === 0) this.done(this.index);
          else send(this.next, left - 1);
        }
      ],
      [['next', Pid], (next) => void (this.next = next)],
      ['stop', () => this.stop()]
    );
  }
}

async function threadring({ actors, hops }) {
  const s = signal();
  const pids = [];
  for (let i = 0; i < actors; i++) pids.push(await Member.start(i, s.resolve));
  pids.forEach((p, i) => send(p, ['next', pids[(i + 1) % actors]]));
  send(pids[0], hops);
  const result = await s.promise;
  stopAll(pids);
  return result;
}

/* ---- counting ---- */

class Counter extends Actor {
  init() {
    return 0;
  }
  run(count) {
    return this.receive(
      ['increment', () => count + 1],
      [
        ['get', Pid],
        (from) => {
          send(from, ['done', count]);
          this.stop();
          return count;
        }
      ]
    );
  }
}

class Producer extends Actor {
  init(counter, n, done) {
    for (let i = 0; i < n; i++) send(counter, 'increment');
    send(counter, ['get', this.pid]);
    this.done = done;
  }
  run() {
    return this.receive([['done', Int], (count) => (this.done(count), this.stop())]);
  }
}

async function counting({ n }) {
  const s = signal();
  const counter = await Counter.start();
  await Producer.start(counter, n, s.resolve);
  return s.promise;
}

/* ---- forkjoin ---- */

class Worker extends Actor {
  run() {
    return this.receive([['go', Pid], (collector) => (send(collector, 'done'), this.stop())]);
  }
}

class Collector extends Actor {
  init(n, done) {
    Object.assign(this, { n, done });
    return 0;
  }
  run(count) {
    return this.receive([
      'done',
      () => {
        if (++count === this.n) this.done(count), this.stop();
        return count;
      }
    ]);
  }
}

async function forkjoin({ n }) {
  const s = signal();
  const collector = await Collector.start(n, s.resolve);
  const go = ['go', collector];
  for (let i = 0; i < n; i++) Worker.start().then((pid) => send(pid, go));
  return s.promise;
}

/* ---- big ---- */

class BigActor extends Actor {
  init(index, pings, done) {
    Object.assign(this, { pings, done, rng: index + 1, pongs: 0, peers: null });
  }
  ping() {
    this.rng = minstd(this.rng);
    send(this.peers[this.rng % this.peers.length], ['ping', this.pid]);
  }
  run() {
    return this.receive(
      [['ping', Pid], (from) => send(from, 'pong')],
      [
        'pong',
        () => {
          if (++this.pongs < this.pings) this.ping();
          else this.done(this.pongs);
        }
      ],
      [['peers', ANY], (peers) => ((this.peers = peers), this.ping())],
      ['stop', () => this.stop()]
    );
  }
}

async function big({ actors, pings }) {
  let total = 0;
  let left = actors;
  const s = signal();
  const finished = (pongs) => {
    total += pongs;
    if (--left === 0) s.resolve(total);
  };
  const pids = [];
  for (let i = 0; i < actors; i++) pids.push(await BigActor.start(i, pings, finished));
  for (const p of pids) send(p, ['peers', pids]);
  const result = await s.promise;
  stopAll(pids);
  return result;
}

/* ---- call ---- */

class CallCounter extends GenServer {
  init() {
    return 0;
  }
  handleCall(_request, _from, n) {
    return [n + 1, n + 1];
  }
  handleCast(_request, n) {
    return n;
  }
}

async function callLoop({ k }) {
  const server = await CallCounter.start();
  let last = 0;
  for (let i = 0; i < k; i++) last = await call(server, 'increment');
  send(server, 'stop'); // handleInfo ignores it; the runtime outlives the run
  return last;
}

export const workloads = { pingpong, threadring, counting, forkjoin, big, call: callLoop };

export { expected };

/* Runs `warmup` + `reps` times; resolves with the JSON-line shape of
 * fx-savina. */
export async function runWorkload(name, params, { reps = 5, warmup = 1 } = {}) {
  await init();
  const times = [];
  let result;
  for (let r = 0; r < warmup + reps; r++) {
    const t0 = performance.now();
    result = await workloads[name](params);
    const dt = performance.now() - t0;
    if (result !== expected[name](params)) throw new Error(`${name}: result ${result}, expected ${expected[name](params)}`);
    if (r >= warmup) times.push(Number(dt.toFixed(3)));
  }
  return { workload: name, params, times_ms: times, result };
}

class Idle extends Actor {
  run() {
    return this.receive();
  }
}

/* Bytes per idle process: the core's own count plus the JS heap's growth
 * (heapUsed: a function reading the engine's heap, after a GC if it can),
 * as tests/bench/js-bench.mjs measures. */
export async function idleMemory(n, heapUsed) {
  const rt = await init();
  const core0 = rt.native.memory();
  const heap0 = heapUsed();
  const pids = [];
  for (let i = 0; i < n; i++) pids.push(Idle.start());
  await Promise.all(pids);
  const core = (rt.native.memory() - core0) / n;
  const js = (heapUsed() - heap0) / n;
  return { workload: 'memory', params: { n }, bytes_per_process: Number((core + js).toFixed(1)), core_bytes: Number(core.toFixed(1)), js_bytes: Number(js.toFixed(1)) };
}
