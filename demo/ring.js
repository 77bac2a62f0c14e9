/* The throughput meter: a ring of Actors passing tokens round with
 * selective receive; every hop is one message copied through the core. */
import { Actor, Pid, Int, send, exit, isAlive } from 'fauxtp';

export const stats = { hops: 0 };

class RingNode extends Actor {
  init() {
    return { next: null };
  }
  async run(state) {
    await this.receive(
      [['tok', Int], (n) => {
        stats.hops++;
        send(state.next, ['tok', n + 1]);
      }],
      [['next', Pid], (pid) => {
        state.next = pid;
      }]
    );
    return state;
  }
}

export class Ring {
  constructor() {
    this.pids = [];
    this.keys = new Set();
    /* Killed nodes, until their exits are traced: those events come in a
     * later flush, after a new ring has replaced `keys`. */
    this.retired = new Set();
    this.starting = false;
    this.last = Promise.resolve();
  }
  /* Whether a trace event is the ring's own traffic (the timeline leaves it out). */
  owns(ev) {
    const yes = this.mine(ev.pid) || this.mine(ev.from) || this.mine(ev.to);
    if (ev.kind === 'exit' && ev.pid instanceof Pid) this.retired.delete(ev.pid.key);
    return yes;
  }
  mine(p) {
    return p instanceof Pid && (this.keys.has(p.key) || this.retired.has(p.key));
  }
  get running() {
    return this.pids.length > 0;
  }
  /* One start or stop at a time: a second start while one was spawning
   * left the first ring running, unseen and unstoppable. */
  start(size, tokens) {
    return this.queue(() => this.restart(size, tokens));
  }
  stop() {
    return this.queue(() => this.kill());
  }
  queue(op) {
    const next = this.last.then(op, op);
    this.last = next.catch(() => {});
    return next;
  }
  async restart(size, tokens) {
    this.kill();
    const pids = [];
    this.starting = true; // the timeline leaves the ring's spawns out
    try {
      for (let i = 0; i < size; i++) pids.push(await RingNode.start());
    } finally {
      this.starting = false;
    }
    this.pids = pids;
    this.keys = new Set(pids.map((p) => p.key));
    for (let i = 0; i < size; i++) await send(pids[i], ['next', pids[(i + 1) % size]]);
    for (let t = 0; t < tokens; t++) await send(pids[(t * Math.max(1, Math.floor(size / tokens))) % size], ['tok', 0]);
  }
  kill() {
    for (const p of this.pids) {
      if (!isAlive(p)) continue;
      this.retired.add(p.key);
      exit(p, 'kill');
    }
    this.pids = [];
    this.keys = new Set();
  }
}
