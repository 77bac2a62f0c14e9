/* The calls a runtime's JavaScript made and still waits for. A call's key
 * (native.js callKey) names its slot in the core's call table in its low
 * word, which no other pending call holds, so the slot indexes three
 * parallel arrays (no object per call); the whole key tells a call from an
 * earlier one in the same slot. */

let capturedResolve;
let capturedReject;

/* One executor for every call's promise: no closure per call. */
function capture(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}

const slotOf = (key) => key % 4294967296;

export class PendingCalls {
  constructor() {
    this.keys = []; // by slot: the waiting call's key, or -1
    this.resolves = [];
    this.rejects = [];
  }

  /** A promise for the call with this key, settled by resolve or reject. */
  add(key) {
    const promise = new Promise(capture);
    const slot = slotOf(key);
    this.keys[slot] = key;
    this.resolves[slot] = capturedResolve;
    this.rejects[slot] = capturedReject;
    capturedResolve = capturedReject = undefined;
    return promise;
  }

  /** Whether the call with this key still waits. */
  waiting(key) {
    return this.keys[slotOf(key)] === key;
  }

  resolve(key, value) {
    const slot = slotOf(key);
    if (this.keys[slot] !== key) return;
    const resolve = this.resolves[slot];
    this.clear(slot);
    resolve(value);
  }

  reject(key, error) {
    const slot = slotOf(key);
    if (this.keys[slot] !== key) return;
    const reject = this.rejects[slot];
    this.clear(slot);
    reject(error);
  }

  /** Rejects every waiting call (the runtime is closing). */
  rejectAll(error) {
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key !== undefined && key >= 0) this.reject(key, error);
    }
  }

  clear(slot) {
    this.keys[slot] = -1;
    this.resolves[slot] = undefined;
    this.rejects[slot] = undefined;
  }
}
