/* Shared by the JS tests: the package under test, a probe actor that
 * collects what it receives, and small waiting helpers. */
import * as fauxtp from '../../web/index.js';

export { fauxtp };
export const { Actor, GenServer, ANY } = fauxtp;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Waits until cond() holds (polling), or fails after `ms`. */
export async function until(cond, ms = 2000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(1);
  }
}

/* A process that passes every message it receives to JavaScript:
 * probe.next() resolves with the next one. Options: trapExits. */
export class Probe extends Actor {
  init(box, trap) {
    this.box = box;
    if (trap) this.trapExits(true);
    box.actor = this;
  }
  async run() {
    const m = await this.receive();
    this.box.push(m);
  }
}

export async function probe(rt, { trap = false } = {}) {
  const box = [];
  const waiters = [];
  box.push = (m) => {
    if (waiters.length) waiters.shift()(m);
    else Array.prototype.push.call(box, m);
  };
  const pid = await rt.start(Probe, box, trap);
  return {
    pid,
    actor: () => box.actor,
    next(ms = 2000) {
      if (box.length) return Promise.resolve(box.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('probe: no message in time')), ms);
        waiters.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
    },
    pending: () => box.length
  };
}
