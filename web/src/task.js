/* Task: run a function (sync or async) as a process and join its result.
 *
 *   const task = await Task.spawn(async (self) => compute());
 *   const value = await task.join();   // or rejects with the failure
 *
 * The function gets the task's actor (for self.pid, self.receive ...). A
 * failure crashes the task's process like any actor's; an exit signal that
 * kills it rejects join() with an ExitError carrying the reason. */
import { Actor } from './actor.js';
import { PROC, StopSignal } from './process.js';
import { defaultRuntime } from './default.js';
import { ExitError } from './errors.js';

class TaskActor extends Actor {
  init(fn, done) {
    this.fn = fn;
    this.done = done;
  }

  async run() {
    let result;
    try {
      result = await this.fn(this);
    } catch (e) {
      /* fn stopped the task (self.stop(reason)): it exits with the reason. */
      this.done.reject(e instanceof StopSignal ? new ExitError(this[PROC].stopReason ?? 'normal') : e);
      throw e;
    }
    /* fn stopped the task and returned: it exits with that reason. */
    const stopped = this[PROC].stopReason;
    if (stopped !== undefined && stopped !== 'normal') this.done.reject(new ExitError(stopped));
    else this.done.resolve(result);
    this.stop('normal');
  }

  exited(reason) {
    this.done.reject(new ExitError(reason)); // no effect once settled
  }
}

export class Task {
  constructor(pid, promise) {
    /** The task's process. */
    this.pid = pid;
    this.promise = promise;
  }

  /** Resolves with the function's result, or rejects with its failure. */
  join() {
    return this.promise;
  }

  /** @returns {Promise<Task>} */
  static async spawn(fn) {
    return Task.spawnIn(defaultRuntime(), fn);
  }

  static async spawnIn(rt, fn) {
    if (typeof fn !== 'function') throw new TypeError('Task.spawn: expected a function');
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // a failure nobody joins is not unhandled
    const pid = await rt.startWith(TaskActor, [fn, { resolve, reject }]);
    return new Task(pid, promise);
  }
}
