/* The calls a runtime's JavaScript made and still waits for. A call's key
 * (native.js callKey) names its slot in the core's call table in its low
 * word, so the slot indexes two parallel arrays (no object per call); the
 * whole key tells a call from a later one in the same slot. The core frees
 * a slot when the call completes, while its completion event may still
 * wait in a batch: a handler earlier in that batch can make a call that
 * takes the slot. The call it held moves to `displaced` until it settles. */

const slotOf = (key) => key >>> 0; // key mod 2^32 (exact: keys are integers below 2^53), without a float modulo

export class PendingCalls {
  constructor() {
    this.keys = []; // by slot: the waiting call's key, or -1
    this.resolves = []; // by slot: its promise's resolve function
    this.displaced = new Map(); // key -> resolve: calls whose slot was taken
    this.slot = 0;
    /* One executor for every call's promise (no closure per call). Only
     * resolve is kept: a failure resolves with a rejected promise, which
     * the call's promise adopts. One store per call: each store of a new
     * function into these long-lived arrays costs a write barrier. */
    this.executor = (resolve) => {
      this.resolves[this.slot] = resolve;
    };
  }

  /** A promise for the call with this key, settled by resolve or reject. */
  add(key) {
    const slot = slotOf(key);
    const held = this.keys[slot];
    if (held !== undefined && held >= 0) this.displaced.set(held, this.resolves[slot]);
    this.keys[slot] = key;
    this.slot = slot;
    return new Promise(this.executor);
  }

  /** Whether the call with this key still waits. */
  waiting(key) {
    return this.keys[slotOf(key)] === key || (this.displaced.size !== 0 && this.displaced.has(key));
  }

  resolve(key, value) {
    const slot = slotOf(key);
    let resolve;
    if (this.keys[slot] === key) {
      resolve = this.resolves[slot];
      this.keys[slot] = -1;
      this.resolves[slot] = undefined;
    } else {
      resolve = this.displaced.get(key);
      if (resolve === undefined) return;
      this.displaced.delete(key);
    }
    resolve(value);
  }

  reject(key, error) {
    if (this.waiting(key)) this.resolve(key, Promise.reject(error));
  }

  /** Rejects every waiting call (the runtime is closing). */
  rejectAll(error) {
    for (const key of this.displaced.keys()) this.reject(key, error); // a Map iterates on as it loses keys
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key !== undefined && key >= 0) this.reject(key, error);
    }
  }
}
