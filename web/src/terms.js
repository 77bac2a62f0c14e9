/* The JavaScript side of Erlang terms: the value classes that have no
 * native JavaScript counterpart (atoms, lists, integral floats, pids,
 * references) and the markers that patterns are written with.
 *
 * Plain JavaScript values map onto terms by themselves (API.md §1): null and
 * undefined are the atoms nil and undefined, booleans are atoms, numbers are
 * integers or floats, strings and Uint8Arrays are binaries, arrays are
 * tuples, plain objects and Maps are maps. The classes here fill the gaps
 * for Erlang interop; etf.js turns both into bytes and back.
 *
 * No dependencies; runs unchanged in Node.js 20+ and in browsers. */

/* ---- atoms ---- */

/** Longest atom Erlang (and the core) accepts, in characters. */
export const MAX_ATOM_CHARS = 255;

/* One Atom per name, held weakly: atom('ok') === atom('ok') while anyone
 * holds either, yet names decoded from untrusted input do not pile up the
 * way Erlang's atom table does. */
const atomCache = new Map();
const atomRegistry = new FinalizationRegistry((name) => {
  const ref = atomCache.get(name);
  if (ref && ref.deref() === undefined) atomCache.delete(name);
});

/* Where an atom keeps its UTF-8 text, for the codec; not public API. */
export const ATOM_UTF8 = Symbol('fauxtp.atomUtf8');

const utf8Encoder = new TextEncoder();

function countChars(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++; // a well-formed pair: one character
  }
  return n;
}

/** Whether an atom can have this name: at most 255 characters, well-formed. */
export function fitsAtom(name) {
  return (name.length <= MAX_ATOM_CHARS || countChars(name) <= MAX_ATOM_CHARS) && isWellFormed(name);
}

export function isWellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/**
 * An Erlang atom. Instances are unique per name: `new Atom('ok')` and
 * `atom('ok')` give the same frozen object, so atoms compare with `===`.
 */
export class Atom {
  /** @param {string} name at most 255 characters, well-formed Unicode */
  constructor(name) {
    const hit = atomCache.get(name)?.deref();
    if (hit) return hit;
    if (typeof name !== 'string') throw new TypeError(`atom name must be a string, not ${typeof name}`);
    if (!fitsAtom(name)) {
      if (!isWellFormed(name)) throw new TypeError(`atom name ${JSON.stringify(name)} is not well-formed Unicode`);
      throw new TypeError(`atom name is longer than ${MAX_ATOM_CHARS} characters`);
    }
    /** @type {string} */
    this.name = name;
    Object.defineProperty(this, ATOM_UTF8, { value: utf8Encoder.encode(name) });
    Object.freeze(this);
    atomCache.set(name, new WeakRef(this));
    atomRegistry.register(this, name);
  }

  /** @returns {string} the atom's name */
  toString() {
    return this.name;
  }

  /** @returns {string} */
  get [Symbol.toStringTag]() {
    return 'Atom';
  }
}

/**
 * The atom with this name (cached: `atom('ok') === atom('ok')`).
 * @param {string} name
 * @returns {Atom}
 */
export function atom(name) {
  return atomCache.get(name)?.deref() ?? new Atom(name);
}

/* ---- lists ---- */

/**
 * An Erlang list: an Array subclass, so everything that reads arrays reads
 * it. `tail` is present only on improper lists (`[1, 2 | 3]`).
 * @extends {Array<any>}
 * @property {any} [tail] the improper tail; absent on proper lists
 */
export class List extends Array {}

/**
 * An Erlang list of these items. A `tail` that is itself a `List` is
 * appended (`[1 | [2]]` is `[1, 2]`); any other defined tail makes the list
 * improper. With no items, the list is its tail: `list([], 5)` is `5`.
 * @param {Iterable<any>} [items]
 * @param {any} [tail]
 * @returns {List | any}
 */
export function list(items = [], tail = undefined) {
  const out = new List();
  for (const x of items) out.push(x);
  while (tail instanceof List) {
    for (let i = 0; i < tail.length; i++) out.push(tail[i]);
    tail = tail.tail;
  }
  if (tail === undefined) return out;
  if (out.length === 0) return tail;
  out.tail = tail;
  return out;
}

/* ---- floats ---- */

/**
 * An Erlang float whose JavaScript number would read as an integer
 * (`float(1)` is `1.0`). In a pattern, the class itself matches any float.
 */
export class Float {
  /** @param {number} value a finite number */
  constructor(value) {
    if (typeof value !== 'number') throw new TypeError(`float() takes a number, not ${typeof value}`);
    if (!Number.isFinite(value)) throw new TypeError(`float(${value}): Erlang floats are finite`);
    /** @type {number} */
    this.value = value;
    Object.freeze(this);
  }

  /** @returns {number} */
  valueOf() {
    return this.value;
  }

  /** @returns {string} the value as Erlang prints it (`1.0`) */
  toString() {
    const s = String(this.value);
    return /[.e]/.test(s) ? s : Object.is(this.value, -0) ? '-0.0' : `${s}.0`;
  }
}

/**
 * @param {number} value
 * @returns {Float}
 */
export function float(value) {
  return new Float(value);
}

/* ---- pids and references ---- */

/** The node name of the runtime's own pids and refs. */
export const LOCAL_NODE = 'nonode@nohost';

function checkU32(what, v) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${what} must be an integer in 0..2^32-1, not ${v}`);
}

function checkNode(node) {
  if (typeof node !== 'string') throw new TypeError(`node must be a string, not ${typeof node}`);
  atom(node); // validates: the node travels as an atom
}

/** A process identifier: opaque, immutable, compared with `equals()`. */
export class Pid {
  /**
   * @param {string} node
   * @param {number} id
   * @param {number} serial
   * @param {number} creation
   */
  constructor(node, id, serial, creation) {
    if (node !== LOCAL_NODE) checkNode(node);
    checkU32('pid id', id);
    checkU32('pid serial', serial);
    checkU32('pid creation', creation);
    /** @type {string} */ this.node = node;
    /** @type {number} */ this.id = id;
    /** @type {number} */ this.serial = serial;
    /** @type {number} */ this.creation = creation;
    /** A string equal for equal pids: usable as a Map key. @type {string} */
    this.key = `${id}.${serial}.${creation}@${node}`;
    Object.freeze(this);
  }

  /**
   * A pid of the runtime's own node (the bindings' index + generation).
   * @param {number} index
   * @param {number} gen
   * @returns {Pid}
   */
  static local(index, gen) {
    return new Pid(LOCAL_NODE, index, gen, 0);
  }

  /**
   * @param {unknown} other
   * @returns {boolean}
   */
  equals(other) {
    return other instanceof Pid && other.key === this.key;
  }

  /** @returns {string} `<0.ID.SERIAL>` for local pids, else `<NODE.ID.SERIAL>` */
  toString() {
    return `<${this.node === LOCAL_NODE ? '0' : this.node}.${this.id}.${this.serial}>`;
  }
}

/* The runtime (its Native) a local pid or ref came from, for those a
 * runtime made or decoded: both are numbered per runtime, so one runtime's
 * pid names some other process, or none, in another, and its ref may equal
 * one of the other's. Pids and refs made by hand or by binaryToTerm have
 * no owner. */
const owners = new WeakMap();

export function own(term, owner) {
  owners.set(term, owner);
  return term;
}

export function ownerOf(term) {
  return owners.get(term);
}

/** A reference: opaque, immutable, compared with `equals()`. */
export class Ref {
  /**
   * @param {string} node
   * @param {number} creation
   * @param {ReadonlyArray<number>} ids 1 to 5 words, least significant first (as on the wire)
   */
  constructor(node, creation, ids) {
    if (node !== LOCAL_NODE) checkNode(node);
    checkU32('ref creation', creation);
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 5) throw new TypeError('ref ids must be an array of 1 to 5 integers');
    for (const id of ids) checkU32('ref id', id);
    /** @type {string} */ this.node = node;
    /** @type {number} */ this.creation = creation;
    /** @type {ReadonlyArray<number>} */ this.ids = Object.freeze([...ids]);
    /** A string equal for equal refs: usable as a Map key. @type {string} */
    this.key = `${ids.join('.')}.${creation}@${node}`;
    Object.freeze(this);
  }

  /**
   * @param {unknown} other
   * @returns {boolean}
   */
  equals(other) {
    return other instanceof Ref && other.key === this.key;
  }

  /** @returns {string} `#Ref<0.I2.I1.I0>`: most significant id first, as Erlang prints */
  toString() {
    const node = this.node === LOCAL_NODE ? '0' : this.node;
    return `#Ref<${node}.${[...this.ids].reverse().join('.')}>`;
  }
}

/* ---- pattern markers ---- */

/** A pattern marker: meaningful only inside patterns. */
export class PatternMarker {
  /** @param {string} description */
  constructor(description) {
    /** @type {string} */
    this.description = description;
    Object.freeze(this);
  }

  /** @returns {string} */
  toString() {
    return this.description;
  }
}

/** Matches any value and extracts it. */
export const ANY = new PatternMarker('ANY');
/** Matches any value and extracts nothing. */
export const IGNORE = new PatternMarker('IGNORE');
/** `IGNORE`, by its short name. */
export { IGNORE as _ };
/** Matches an integer (a JavaScript number alone cannot tell 1 from 1.0). */
export const Int = new PatternMarker('Int');

/* Each type matcher and the '$fx_type' name the core knows it by. */
const typeNames = new Map([
  [String, 'text'],
  [Number, 'number'],
  [Int, 'integer'],
  [Float, 'float'],
  [Boolean, 'boolean'],
  [BigInt, 'integer'],
  [Object, 'map'],
  [Map, 'map'],
  [Array, 'tuple'],
  [List, 'list'],
  [Atom, 'atom'],
  [Uint8Array, 'bytes'],
  [Pid, 'pid'],
  [Ref, 'reference']
]);

/**
 * Whether x stands for a type in a pattern: String, Number, Boolean, BigInt,
 * Object, Map, Array, List, Atom, Uint8Array, Pid, Ref, Int or Float.
 * @param {unknown} x
 * @returns {boolean}
 */
export function isTypeMatcher(x) {
  return typeNames.has(x);
}

/**
 * The core's name for a type matcher ('text', 'integer', ...), or undefined.
 * @param {unknown} x
 * @returns {string | undefined}
 */
export function typeMatcherName(x) {
  return typeNames.get(x);
}
