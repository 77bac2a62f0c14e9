/* The default runtime: the one `await init()` makes and the module-level
 * functions (send, call, Actor.start, ...) use. */
let current = null;

/** The default runtime; throws until `await init()` has run. */
export function defaultRuntime() {
  if (current === null) throw new Error('fauxtp: call `await init()` first');
  return current;
}

export function setDefaultRuntime(rt) {
  current = rt;
}

export function hasDefaultRuntime() {
  return current !== null;
}
