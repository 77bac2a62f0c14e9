/* fauxtp: Erlang/OTP-style processes for JavaScript, on a WebAssembly core.
 * The package's entry point: everything API.md names. */
export {
  init,
  createRuntime,
  send,
  cast,
  call,
  reply,
  makeRef,
  register,
  unregister,
  whereis,
  registered,
  exit,
  isAlive,
  sendAfter,
  cancelTimer,
  processes,
  processInfo,
  trace,
  whichChildren,
  countChildren,
  terminateChild,
  restartChild
} from './src/api.js';
export { Runtime, Timer } from './src/runtime.js';
export { From } from './src/native.js';
export { Actor, GenServer } from './src/actor.js';
export { Supervisor } from './src/supervisor.js';
export { Task } from './src/task.js';
export { ReceiveTimeout, ExitError, FauxtpError } from './src/errors.js';
export { Atom, atom, List, list, Float, float, Pid, Ref, ANY, IGNORE, _, Int } from './src/terms.js';
export { termToBinary, binaryToTerm, TermError } from './src/etf.js';
