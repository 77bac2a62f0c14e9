/* The module-level API (API.md §3-§7): init(), createRuntime() and the
 * functions that act on the default runtime. */
import { loadModule } from './loader.js';
import { Runtime } from './runtime.js';
import { From } from './native.js';
import { defaultRuntime, hasDefaultRuntime, setDefaultRuntime } from './default.js';

/**
 * Loads the WebAssembly module (once) and makes the default runtime.
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array, module?: WebAssembly.Module }} [options]
 * @returns {Promise<Runtime>} the default runtime
 */
export async function init(options) {
  const module = await loadModule(options);
  if (!hasDefaultRuntime()) setDefaultRuntime(new Runtime(module));
  return defaultRuntime();
}

/**
 * An isolated runtime: its own processes, registry and timers.
 * @returns {Promise<Runtime>}
 */
export async function createRuntime(options) {
  return new Runtime(await loadModule(options));
}

const rt = defaultRuntime;

/* Calls that return promises report a missing init() as a rejection. */
function onDefault(fn) {
  try {
    return fn(rt());
  } catch (e) {
    return Promise.reject(e);
  }
}

export const send = (target, message) => onDefault((r) => r.send(target, message));
export const cast = (target, request) => onDefault((r) => r.cast(target, request));
export const call = (target, request, timeout) => onDefault((r) => r.call(target, request, timeout));
/* A call's From knows the runtime the call came to; a [pid, ref] pair
 * (from a receive) is answered in the default runtime. */
export const reply = (from, value) => (from instanceof From ? from.native.runtime : rt()).reply(from, value);
export const makeRef = () => rt().makeRef();

export const register = (name, pid) => rt().register(name, pid);
export const unregister = (name) => rt().unregister(name);
export const whereis = (name) => rt().whereis(name);
export const registered = () => rt().registered();

export const exit = (pid, reason) => rt().exit(pid, reason);
export const isAlive = (pid) => rt().isAlive(pid);
export const sendAfter = (ms, target, message) => rt().sendAfter(ms, target, message);
export const cancelTimer = (timer) => rt().cancelTimer(timer);

export const processes = () => rt().processes();
export const processInfo = (pid) => rt().processInfo(pid);
export const trace = (handler) => rt().trace(handler);

export const whichChildren = (sup) => onDefault((r) => r.whichChildren(sup));
export const countChildren = (sup) => onDefault((r) => r.countChildren(sup));
export const terminateChild = (sup, id) => onDefault((r) => r.terminateChild(sup, id));
export const restartChild = (sup, id) => onDefault((r) => r.restartChild(sup, id));
