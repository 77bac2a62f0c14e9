// Uses the public API the way a TypeScript user would; tests/js/types.test.mjs
// checks it with `tsc --noEmit --strict` against web/index.d.ts.
import {
  init, createRuntime, send, cast, call, reply, register, unregister, whereis, registered,
  exit, isAlive, sendAfter, cancelTimer, makeRef, processes, processInfo, trace,
  whichChildren, countChildren, terminateChild, restartChild,
  Actor, GenServer, Supervisor, Task, From, Pid, Ref, Timer,
  ANY, IGNORE, _, Int, atom, list, float, termToBinary, binaryToTerm,
  ReceiveTimeout, ExitError, TermError, type ChildSpec, type ProcessInfo, type TraceEvent
} from '../../../web/index.js';

class Counter extends GenServer<number> {
  override init(start: number): number {
    return start;
  }
  override handleCall(request: 'get' | 'later', from: From, n: number): [unknown, number] {
    if (request === 'later') {
      void Promise.resolve().then(() => reply(from, n));
      return [GenServer.noReply, n];
    }
    return [n, n];
  }
  override handleCast(request: ['add', number], n: number): number {
    return n + request[1];
  }
}

class Pinger extends Actor<{ count: number }> {
  override init() {
    return { count: 0 };
  }
  override async run(state: { count: number }) {
    const got: number = await this.receive(
      [['ping', ANY], (x: number) => x],
      [['deep', ['sub', Int]], (n: number) => n],
      [[IGNORE, _, String], (s: string) => s.length],
      { timeout: 100 }
    );
    const ref: Ref = this.monitor(this.pid);
    this.demonitor(ref);
    this.trapExits(true);
    this.link(this.pid);
    this.unlink(this.pid);
    await this.startLink(Counter, 1);
    if (got > 10) this.stop('normal');
    return { count: state.count + got };
  }
  override terminate(reason: unknown) {
    void reason;
  }
}

/* Handlers with different results: the receive resolves with any of them. */
class Mixed extends Actor {
  override async run() {
    const got: string | number = await this.receive([{ key: String }, (k: string) => k], [new Map([[1, Int]]), (n: number) => n]);
    const anything = await this.receive();
    void [got, anything];
  }
}

/* As API.md writes it, with no `as const`. */
class Plain extends Supervisor {
  static override strategy = 'rest_for_one';
}

/* A message whose type is an interface (no index signature). */
interface Order {
  kind: string;
  n: number;
}

class Tree extends Supervisor {
  static override strategy = 'one_for_all' as const;
  static override maxRestarts = 5;
  override childSpecs(): ChildSpec[] {
    return [
      { id: 'counter', actor: Counter, args: [0], restart: 'permanent' },
      { id: 'pinger', actor: Pinger, restart: 'transient', shutdown: 1000 }
    ];
  }
}

export async function main(): Promise<void> {
  const rt = await init();
  const other = await createRuntime({ wasmBinary: new Uint8Array(0) });
  other.close();
  const pid: Pid = await Counter.start(5);
  await cast(pid, ['add', 1]);
  const n: number = await call<number>(pid, 'get', 1000);
  await send(pid, { any: [1, 'two', atom('three'), list([4]), float(5), 6n, new Uint8Array(1)] });
  register('counter', pid);
  const where: Pid | null = whereis('counter');
  const names: string[] = registered();
  unregister('counter');
  const timer: Timer = sendAfter(10, pid, 'tick');
  const cancelled: boolean = cancelTimer(timer);
  const alive: boolean = isAlive(pid);
  exit(pid, 'kill');
  const info: ProcessInfo | null = processInfo(pid);
  const all: Pid[] = processes();
  const untrace = trace((e: TraceEvent) => {
    const who: Pid = e.pid;
    const sender: Pid | null = e.from;
    const at: number = e.time;
    if (e.kind === 'send' && e.to !== null) void [who, sender, at, e.to.equals(who), e.message];
  });
  untrace();
  const ref: Ref = makeRef();
  const sup = await Tree.start();
  const kids = await whichChildren(sup);
  const count: number = await countChildren(sup);
  await terminateChild(sup, 'counter');
  const again: Pid = await restartChild(sup, 'counter');
  const task = await Task.spawn(async () => 42);
  const result: number = await task.join();
  const bytes: Uint8Array = termToBinary([1, 'x']);
  const back = binaryToTerm(bytes, { exact: true });
  try {
    await call(pid, 'get');
  } catch (e) {
    if (e instanceof ExitError) void e.reason;
    if (e instanceof ReceiveTimeout || e instanceof TermError) void e.message;
  }
  const pid2: Pid = await rt.start(Pinger);
  const order: Order = { kind: 'buy', n: 2 };
  await send(pid, order);
  const improper = list([1], 2);
  void [n, where, names, cancelled, alive, info, all, ref, kids, count, again, result, back, pid2, Mixed, Plain, improper];
}
