/* Type declarations for the fauxtp npm package (index.js): the whole public
 * API of API.md, checked by tests/js/types.test.mjs with `tsc --noEmit`. */

/* ---- terms (API.md §1) ---- */

/** An Erlang atom; unique per name (`atom('ok') === atom('ok')`). */
export class Atom {
  constructor(name: string);
  readonly name: string;
  toString(): string;
}
export function atom(name: string): Atom;

/** An Erlang list (arrays are tuples); `tail` only on improper lists. */
export class List<T = Term> extends Array<T> {
  tail?: Term;
}
export function list<T = Term>(items?: Iterable<T>): List<T>;
/** An improper list; with no items, the tail itself (as [] ++ Tail). */
export function list<T = Term>(items: Iterable<T>, tail: Term): List<T> | Term;

/** A float whose number reads as an integer (`float(1)` is `1.0`). */
export class Float {
  constructor(value: number);
  readonly value: number;
  valueOf(): number;
}
export function float(value: number): Float;

/** A process identifier: opaque, compared with `equals()`. */
export class Pid {
  constructor(node: string, id: number, serial: number, creation: number);
  readonly node: string;
  readonly id: number;
  readonly serial: number;
  readonly creation: number;
  /** Equal for equal pids: usable as a Map key. */
  readonly key: string;
  static local(index: number, gen: number): Pid;
  equals(other: unknown): boolean;
  /** `<0.42.0>` */
  toString(): string;
}

/** A unique reference (`makeRef()`, monitors): opaque, compared with `equals()`. */
export class Ref {
  constructor(node: string, creation: number, ids: ReadonlyArray<number>);
  readonly node: string;
  readonly creation: number;
  readonly ids: ReadonlyArray<number>;
  readonly key: string;
  equals(other: unknown): boolean;
  toString(): string;
}

/** What can be sent: values with a term mapping (API.md §1). */
export type Term =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Atom
  | Float
  | Pid
  | Ref
  | ReadonlyArray<Term>
  | ReadonlyMap<Term, Term>
  | { readonly [key: string]: Term };

/**
 * What send, cast, call, reply and sendAfter take: a Term, or any object.
 * An object whose type is an interface cannot be checked against Term
 * (interfaces have no index signature); like any value, it is checked
 * when sent, and what cannot be encoded (a function, a symbol, a cycle, a
 * class instance with no mapping) is a TypeError naming its path.
 */
export type Message = Term | object;

/* ---- patterns (API.md §2) ---- */

declare class PatternMarker {
  private constructor();
  readonly description: string;
}
/** Matches any value and extracts it. */
export const ANY: PatternMarker;
/** Matches any value and extracts nothing. */
export const IGNORE: PatternMarker;
export { IGNORE as _ };
/** Matches an integer. */
export const Int: PatternMarker;

/** A type matcher: matches instances of the type and extracts them. */
export type TypeMatcher =
  | StringConstructor
  | NumberConstructor
  | BooleanConstructor
  | BigIntConstructor
  | ObjectConstructor
  | MapConstructor
  | ArrayConstructor
  | Uint8ArrayConstructor
  | typeof List
  | typeof Atom
  | typeof Float
  | typeof Pid
  | typeof Ref
  | typeof Int;

export type Pattern =
  | Term
  | PatternMarker
  | TypeMatcher
  | ReadonlyArray<Pattern>
  | ReadonlyMap<Term, Pattern>
  | { readonly [key: string]: Pattern };

/** A receive clause: a pattern and the handler that gets what it extracts. */
export type Clause<R = unknown> = readonly [Pattern, (...extracted: any[]) => R | Promise<R>];
/** What a receive with these clauses resolves with: any of its handlers' results (with none, the message). */
export type ReceiveResult<C> = [ClauseResult<C>] extends [never] ? any : ClauseResult<C>;
type ClauseResult<C> = C extends readonly [unknown, (...extracted: any[]) => infer R] ? Awaited<R> : never;

export interface ReceiveOptions {
  /** Milliseconds to wait; rejects with ReceiveTimeout after. Default: forever. */
  timeout?: number;
}

/* ---- the codec ---- */

/** The bytes Erlang's term_to_binary(T, [{minor_version, 2}]) writes. */
export function termToBinary(value: Term): Uint8Array;
/** Reads external term format; throws TermError on malformed input. */
export function binaryToTerm(bytes: Uint8Array | ArrayBuffer, options?: { exact?: boolean }): any;
export class TermError extends Error {
  readonly code: string;
  readonly offset: number | undefined;
}

/* ---- errors ---- */

/** A receive or a call whose time ran out. */
export class ReceiveTimeout extends Error {}
/** A call whose server was dead ('noproc') or died before replying. */
export class ExitError extends Error {
  constructor(reason: any, message?: string);
  readonly reason: any;
}
/** An operation the core refused. */
export class FauxtpError extends Error {
  readonly code: string;
}

/* ---- processes and behaviours (API.md §5) ---- */

export type Target = Pid | string;
/** Exit reasons: strings mean atoms ('normal', 'shutdown', 'kill', ...). */
export type Reason = Term;

/** Where a call came from, as handleCall gets it: opaque; pass it to reply() (the module-level one answers in the runtime the call came to). */
export class From {
  private constructor();
  readonly pid: Pid;
}

/** An opaque timer from sendAfter (for cancelTimer). */
export class Timer {
  private constructor();
}

/** An Actor, GenServer (or Task) class. */
export type ActorClass = new () => Actor<any>;

/** A process whose behaviour is JavaScript: override init, run, terminate. */
export class Actor<State = any> {
  /** This process. */
  readonly pid: Pid;
  /** The runtime it lives in. */
  readonly runtime: Runtime;
  init(...args: any[]): State | Promise<State>;
  /** Called until the process stops; the default stops it normally. */
  run(state: State): State | Promise<State>;
  terminate(reason: Reason, state: State): void | Promise<void>;
  /** Selective receive: resolves with the matching clause's handler result. */
  receive<C extends ReadonlyArray<Clause<any> | ReceiveOptions>>(...clauses: C): Promise<ReceiveResult<C[number]>>;
  /** Stops the process (after the current handler) with this reason. */
  stop(reason?: Reason): void;
  /** Starts an actor linked to this one. */
  startLink(actor: ActorClass | typeof Supervisor, ...args: any[]): Promise<Pid>;
  link(pid: Pid): true;
  unlink(pid: Pid): true;
  /** ["DOWN", ref, "process", pid, reason] arrives when pid ends. */
  monitor(pid: Pid): Ref;
  /** Turns off a monitor this actor holds: true when it was still active
   * (false for one that fired, another process's, or another runtime's). */
  demonitor(ref: Ref): boolean;
  /** While on, exit signals arrive as ["EXIT", pid, reason] messages. */
  trapExits(on?: boolean): void;
  /**
   * Starts one in the default runtime; resolves after init returns. Rejects
   * with init's error if it throws, and with an ExitError if the process
   * ends before init returns (killed: reason 'killed') or init calls
   * stop(reason) (reason: that reason; terminate does not run).
   */
  static start<T extends new () => Actor<any>>(this: T, ...args: Parameters<InstanceType<T>['init']>): Promise<Pid>;
}

/** A request/reply server. */
export class GenServer<State = any> extends Actor<State> {
  /** Return [GenServer.noReply, state] to answer later with reply(from, value). */
  static readonly noReply: unique symbol;
  handleCall(request: any, from: From, state: State): [any, State] | Promise<[any, State]>;
  handleCast(request: any, state: State): State | Promise<State>;
  handleInfo(message: any, state: State): State | Promise<State>;
}

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type RestartType = 'permanent' | 'transient' | 'temporary';

export interface ChildSpec {
  id: Term;
  actor: ActorClass | typeof Supervisor;
  args?: Term[];
  restart?: RestartType;
  /** Milliseconds to wait after asking it to shut down; 'brutal_kill' or 0 kills at once. */
  shutdown?: number | 'brutal_kill' | 'infinity';
}

/** A supervisor, run by the core: static strategy / maxRestarts / maxSeconds, childSpecs(). */
export class Supervisor {
  /** A Strategy (checked when the supervisor starts: a string is what a subclass's `static strategy = '...'` declares). */
  static strategy: Strategy | string;
  static maxRestarts: number;
  static maxSeconds: number;
  childSpecs(...args: any[]): ChildSpec[];
  /**
   * Starts the tree in the default runtime; resolves once its children's
   * inits have returned. As OTP's, the children start one at a time, in
   * order (each init begins once the one before has returned; restarts
   * too), and the supervisor answers no query while a start is under way.
   * If one fails, as OTP's: the supervisor stops the
   * rest of its tree and exits, and the start rejects, with the reason
   * ['shutdown', ['failed_to_start_child', id, reason]] (for a child of a
   * nested supervisor, `reason` is that supervisor's own such reason).
   */
  static start(...args: any[]): Promise<Pid>;
  static startIn(rt: Runtime, args: any[], link: Pid | null): Promise<Pid>;
}

/** A function run as a process. */
export class Task<T = unknown> {
  private constructor();
  readonly pid: Pid;
  /** Resolves with the function's result or rejects with its failure. */
  join(): Promise<T>;
  static spawn<T>(fn: (self: Actor) => T | Promise<T>): Promise<Task<T>>;
  static spawnIn<T>(rt: Runtime, fn: (self: Actor) => T | Promise<T>): Promise<Task<T>>;
}

/* ---- introspection (API.md §7) ---- */

export interface ProcessInfo {
  pid: Pid;
  name: string | null;
  behaviour: string;
  /** Erlang's words: running (handling a message), runnable (queued to
   *  run), waiting (for a message), exited. */
  status: 'running' | 'runnable' | 'waiting' | 'exited';
  mailboxLength: number;
  links: Pid[];
  monitors: Ref[];
  trapExits: boolean;
  supervisor: Pid | null;
}

export interface TraceEvent {
  kind: 'spawn' | 'send' | 'receive' | 'exit' | 'restart';
  /** The process the event is about (for a send, the receiver). */
  pid: Pid;
  /** A message's sender (null when sent from outside any process: from
   *  JavaScript code, a timer), a spawn's parent, a restart's supervisor. */
  from: Pid | null;
  /** A message's receiver (send, receive); null otherwise. */
  to: Pid | null;
  /** The message (send, receive); null otherwise. */
  message: any;
  /** The exit reason (exit); null otherwise. */
  reason: any;
  /** The runtime's clock when it happened: performance.now() milliseconds. */
  time: number;
}

/* ---- runtimes (API.md §6) ---- */

export interface InitOptions {
  /** The bytes of fauxtp.wasm, instead of loading them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** A compiled fauxtp.wasm. */
  module?: WebAssembly.Module;
}

/* WebAssembly.Module, for projects whose lib has no DOM (Node.js): merges
 * with the DOM's declaration where there is one. */
declare global {
  namespace WebAssembly {
    interface Module {}
  }
}

/** One core runtime: processes, registry, timers, and the loop that drives them. */
export class Runtime {
  private constructor();
  start(actor: ActorClass | typeof Supervisor, ...args: any[]): Promise<Pid>;
  send(target: Target, message: Message): Promise<void>;
  cast(target: Target, request: Message): Promise<void>;
  call<R = any>(target: Target, request: Message, timeout?: number): Promise<R>;
  reply(from: From | readonly [Pid, Ref], value: Message): void;
  makeRef(): Ref;
  /** true once registered; false if the name is taken or the pid is dead or already named. A name over 255 characters is a TypeError. */
  register(name: string, pid: Pid): boolean;
  unregister(name: string): boolean;
  whereis(name: string): Pid | null;
  registered(): string[];
  exit(pid: Pid, reason: Reason): true;
  isAlive(pid: Pid): boolean;
  sendAfter(ms: number, target: Target, message: Message): Timer;
  cancelTimer(timer: Timer): boolean;
  whichChildren(sup: Pid): Promise<Array<{ id: any; pid: Pid | null }>>;
  countChildren(sup: Pid): Promise<number>;
  terminateChild(sup: Pid, id: Term): Promise<void>;
  /** Resolves once the child's init has returned; if the init fails, rejects and the child stays stopped. */
  restartChild(sup: Pid, id: Term): Promise<Pid>;
  processes(): Pid[];
  processInfo(pid: Pid): ProcessInfo | null;
  trace(handler: (event: TraceEvent) => void): () => void;
  /**
   * Frees the runtime; its processes stop without running terminate, and
   * pending calls reject with an ExitError ('noproc'). Afterwards what needs
   * the core (send, cast, call, start, sendAfter, makeRef, trace) fails with
   * a FauxtpError FX_ESTATE; queries answer as for a runtime with no
   * process; reply, exit and close do nothing.
   */
  close(): void;
}

/** Loads the module (once) and makes the default runtime. */
export function init(options?: InitOptions): Promise<Runtime>;
/**
 * An isolated runtime with its own processes and registry. Its pids are
 * its own: another runtime refuses them with a TypeError (as a target, or
 * inside a message), since there they would name some other process.
 */
export function createRuntime(options?: InitOptions): Promise<Runtime>;

export function send(target: Target, message: Message): Promise<void>;
export function cast(target: Target, request: Message): Promise<void>;
export function call<R = any>(target: Target, request: Message, timeout?: number): Promise<R>;
export function reply(from: From | readonly [Pid, Ref], value: Message): void;
export function makeRef(): Ref;

/** true once registered; false if the name is taken or the pid is dead or already named. A name over 255 characters is a TypeError. */
export function register(name: string, pid: Pid): boolean;
export function unregister(name: string): boolean;
export function whereis(name: string): Pid | null;
export function registered(): string[];

export function exit(pid: Pid, reason: Reason): true;
export function isAlive(pid: Pid): boolean;
export function sendAfter(ms: number, target: Target, message: Message): Timer;
export function cancelTimer(timer: Timer): boolean;

export function whichChildren(sup: Pid): Promise<Array<{ id: any; pid: Pid | null }>>;
export function countChildren(sup: Pid): Promise<number>;
export function terminateChild(sup: Pid, id: Term): Promise<void>;
export function restartChild(sup: Pid, id: Term): Promise<Pid>;

export function processes(): Pid[];
export function processInfo(pid: Pid): ProcessInfo | null;
export function trace(handler: (event: TraceEvent) => void): () => void;
