/* The calls a runtime's JavaScript made and still waits for. A call's key
 * (native.js callKey) names its slot in the core's call table in its low
 * word, which no other pending call holds, so the slot indexes two
 * parallel arrays (no object per call); the whole key tells a call from an
 * earlier one in the same slot. */

const slotOf = (key) => key % 4294967296;

export class PendingCalls {
  constructor() {
    this.keys = []; // by slot: the waiting call's key, or -1
    this.resolves = []; // by slot: its promise's resolve function
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
    this.keys[slot] = key;
    this.slot = slot;
    return new Promise(this.executor);
  }

  /** Whether the call with this key still waits. */
  waiting(key) {
    return this.keys[slotOf(key)] === key;
  }

  resolve(key, value) {
    const slot = slotOf(key);
    if (this.keys[slot] !== key) return;
    const resolve = this.resolves[slot];
    this.keys[slot] = -1;
    this.resolves[slot] = undefined;
    resolve(value);
  }

  reject(key, error) {
    if (this.keys[slotOf(key)] === key) this.resolve(key, Promise.reject(error));
  }

  /** Rejects every waiting call (the runtime is closing). */
  rejectAll(error) {
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key !== undefined && key >= 0) this.reject(key, error);
    }
  }
}
