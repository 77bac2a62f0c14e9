/* The Erlang External Term Format (version 131) for JavaScript values.
 *
 * termToBinary writes exactly what OTP 25's
 * term_to_binary(T, [{minor_version, 2}]) writes for the term a value maps
 * to (API.md §1), and what core/src/etf.c writes: smallest integer forms,
 * UTF-8 atoms, STRING_EXT for short lists of bytes, map keys in map-key
 * order. binaryToTerm reads everything term_to_binary writes for those
 * types and refuses anything malformed with a TermError, before returning
 * any part of it.
 *
 * The Encoder class is the bindings' fast path: one growing buffer reused
 * across calls, atoms' text encoded once, short strings written by hand.
 * Its options cover the two things only the runtime needs: Uint8Arrays as
 * whole-byte BIT_BINARY_EXT (so they come back from the core as bytes) and
 * pattern mode (core/include/fauxtp/pattern.h's reserved shapes).
 *
 * No dependencies; runs unchanged in Node.js 20+ and in browsers. */
import {
  ANY,
  ATOM_UTF8,
  Atom,
  Float,
  IGNORE,
  Int,
  LOCAL_NODE,
  List,
  MAX_ATOM_CHARS,
  PatternMarker,
  Pid,
  Ref,
  atom,
  own,
  ownerOf,
  typeMatcherName
} from './terms.js';
import { InflateError, inflate } from './inflate.js';

/** The version byte every encoding starts with. */
export const ETF_VERSION = 131;
/** Deepest nesting of tuples, lists and maps, as core/include/fauxtp/etf.h. */
export const MAX_DEPTH = 512;
/* Largest count or byte length accepted beyond the input's own length. */
const MAX_COUNT = 2 ** 28;
/* Largest buffer an Encoder keeps between calls. */
const KEEP_BUFFER = 1 << 20;
/* A chunk this big makes the buffer grow by what it needs, not double. */
const BIG_CHUNK = 1 << 16;
/* Longest list of bytes Erlang writes as STRING_EXT. */
const MAX_STRING = 65535;

const COMPRESSED = 80;
const NEW_FLOAT = 70;
const BIT_BINARY = 77;
const NEW_PID = 88;
const NEWER_REF = 90;
const SMALL_INT = 97;
const INT = 98;
const FLOAT_TEXT = 99;
const ATOM_LATIN1 = 100;
const PID = 103;
const SMALL_TUPLE = 104;
const LARGE_TUPLE = 105;
const NIL = 106;
const STRING = 107;
const LIST = 108;
const BINARY = 109;
const SMALL_BIG = 110;
const LARGE_BIG = 111;
const NEW_REF = 114;
const SMALL_ATOM_LATIN1 = 115;
const MAP = 116;
const ATOM_UTF8_TAG = 118;
const SMALL_ATOM_UTF8 = 119;

const utf8Encoder = new TextEncoder();
/* [] as a value, for comparing a proper list's end with a tail. */
const LIST_EMPTY_TAIL = new List();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Malformed ETF input. `code` says what kind; `offset` where, in bytes. */
export class TermError extends Error {
  /**
   * @param {string} message
   * @param {'truncated'|'badversion'|'badtag'|'badterm'|'toodeep'|'toobig'|'badutf8'} code
   * @param {number} [offset]
   */
  constructor(message, code, offset) {
    super(message);
    this.name = 'TermError';
    /** @type {string} */ this.code = code;
    /** @type {number|undefined} */ this.offset = offset;
  }
}

/* ======================================================================
 * Map-key order
 * ==================================================================== */

/* Term classes in Erlang's order (core/src/term.c's rank). */
const R_NUM = 0;
const R_ATOM = 1;
const R_REF = 2;
const R_PID = 3;
const R_TUPLE = 4;
const R_MAP = 5;
const R_NIL = 6;
const R_CONS = 7;
const R_BIN = 8;
const R_BAD = 9;

function isPlainObject(v) {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function rankOf(v) {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return R_NUM;
    case 'string':
      return R_BIN;
    case 'boolean':
    case 'undefined':
      return R_ATOM;
    case 'object':
      if (v === null || v instanceof Atom) return R_ATOM;
      if (Array.isArray(v)) {
        if (!(v instanceof List)) return R_TUPLE;
        if (v.length > 0) return R_CONS;
        return v.tail === undefined ? R_NIL : rankOf(v.tail);
      }
      if (v instanceof Uint8Array) return R_BIN;
      if (v instanceof Float) return R_NUM;
      if (v instanceof Map || isPlainObject(v)) return R_MAP;
      if (v instanceof Pid) return R_PID;
      if (v instanceof Ref) return R_REF;
  }
  return R_BAD;
}

function isFloatTerm(v) {
  return typeof v === 'object' || (typeof v === 'number' && !(Number.isSafeInteger(v) && !Object.is(v, -0)));
}

/* Map keys: every integer before every float; -0.0 before 0.0 (as
 * term.c's float_cmp does for keys). */
function compareNumbers(a, b) {
  const fa = isFloatTerm(a);
  if (fa !== isFloatTerm(b)) return fa ? 1 : -1;
  if (fa) {
    const x = typeof a === 'object' ? a.value : a;
    const y = typeof b === 'object' ? b.value : b;
    if (x !== y) return x < y ? -1 : 1;
    const nx = Object.is(x, -0);
    return nx === Object.is(y, -0) ? 0 : nx ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0; // exact across number and bigint
}

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/* Strings as their UTF-8 bytes compare. Code units order the same way
 * until a surrogate is involved; then (rarely) compare the bytes. */
function compareStrings(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if ((x & 0xf800) !== 0xd800 && (y & 0xf800) !== 0xd800) return x < y ? -1 : 1;
      return compareBytes(utf8Encoder.encode(a), utf8Encoder.encode(b));
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function atomText(v) {
  if (v === null) return 'nil';
  if (v === undefined) return 'undefined';
  if (v === true) return 'true';
  if (v === false) return 'false';
  return v.name;
}

/* A list's elements and final tail (undefined when proper), following
 * tails that are lists again. */
function flatList(v) {
  if (v.tail === undefined || !(v.tail instanceof List)) return { items: v, tail: v.tail };
  const items = [...v];
  let tail = v.tail;
  while (tail instanceof List) {
    items.push(...tail);
    tail = tail.tail;
  }
  return { items, tail };
}

function compareTails(a, b, depth) {
  return compare(a === undefined ? LIST_EMPTY_TAIL : a, b === undefined ? LIST_EMPTY_TAIL : b, depth);
}

function compareLists(a, b, depth) {
  const fa = flatList(a);
  const fb = flatList(b);
  const na = fa.items.length;
  const nb = fb.items.length;
  for (let i = 0; i < na && i < nb; i++) {
    const c = compare(fa.items[i], fb.items[i], depth + 1);
    if (c) return c;
  }
  // [x | T1] against [x | T2]: what is left of one is a cons, of the other its tail.
  if (na > nb) return R_CONS < rankOf(fb.tail === undefined ? LIST_EMPTY_TAIL : fb.tail) ? -1 : 1;
  if (nb > na) return rankOf(fa.tail === undefined ? LIST_EMPTY_TAIL : fa.tail) < R_CONS ? -1 : 1;
  return compareTails(fa.tail, fb.tail, depth + 1);
}

function mapEntries(m) {
  return m instanceof Map ? [...m] : Object.keys(m).map((k) => [k, m[k]]);
}

/* A map's entries in key order. Within one ordering (a sort, a check for
 * equal keys: `ordering` deep), each map is sorted once and remembered:
 * maps used as keys of maps are compared again and again, and sorting
 * them afresh each time made such terms cost the square of their size. */
let ordering = 0;
let sortedMemo = null;

function sortedEntries(m, depth) {
  let e = sortedMemo === null ? undefined : sortedMemo.get(m);
  if (e !== undefined) return e;
  e = mapEntries(m).sort((x, y) => compare(x[0], y[0], depth + 1));
  if (ordering !== 0) (sortedMemo ??= new WeakMap()).set(m, e);
  return e;
}

function beginOrdering() {
  ordering++;
}

function endOrdering() {
  if (--ordering === 0) sortedMemo = null;
}

/* Size, then the keys in key order, then the values in key order. */
function compareMaps(a, b, depth) {
  const na = a instanceof Map ? a.size : Object.keys(a).length;
  const nb = b instanceof Map ? b.size : Object.keys(b).length;
  if (na !== nb) return na < nb ? -1 : 1;
  const ea = sortedEntries(a, depth);
  const eb = sortedEntries(b, depth);
  for (let i = 0; i < ea.length; i++) {
    const c = compare(ea[i][0], eb[i][0], depth + 1);
    if (c) return c;
  }
  for (let i = 0; i < ea.length; i++) {
    const c = compare(ea[i][1], eb[i][1], depth + 1);
    if (c) return c;
  }
  return 0;
}

/* Nodes as OTP 25 orders them: by name, then by creation. */
function compareNodes(a, b) {
  const c = compareStrings(a.node, b.node);
  if (c) return c;
  return a.creation === b.creation ? 0 : a.creation < b.creation ? -1 : 1;
}

/* As OTP 25's erts_cmp (not term.c, which orders by node first and by id
 * before serial, and tells refs apart by id count): the node, then the ids
 * from the most significant, a missing one counting as 0. */
function compareRefs(a, b) {
  const c = compareNodes(a, b);
  if (c) return c;
  const na = a.ids.length;
  const nb = b.ids.length;
  for (let i = Math.max(na, nb); i-- > 0; ) {
    const x = i < na ? a.ids[i] : 0;
    const y = i < nb ? b.ids[i] : 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/* OTP 25: the serial, then the id (one 64-bit word), then the node. */
function comparePids(a, b) {
  if (a.serial !== b.serial) return a.serial < b.serial ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return compareNodes(a, b);
}

function compareBinaries(a, b) {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return compareBytes(typeof a === 'string' ? utf8Encoder.encode(a) : a, typeof b === 'string' ? utf8Encoder.encode(b) : b);
}

/* depth: how far down both terms the comparison is. */
function compare(a, b, depth) {
  if (depth > 2 * MAX_DEPTH) throw new RangeError('terms nested too deep to compare (a cycle?)');
  if (a === b) return 0;
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case R_NUM:
      return compareNumbers(a, b);
    case R_ATOM:
      return compareStrings(atomText(a), atomText(b));
    case R_REF:
      return compareRefs(a, b);
    case R_PID:
      return comparePids(a, b);
    case R_TUPLE:
      if (a.length !== b.length) return a.length < b.length ? -1 : 1;
      for (let i = 0; i < a.length; i++) {
        const c = compare(a[i], b[i], depth + 1);
        if (c) return c;
      }
      return 0;
    case R_MAP:
      return compareMaps(a, b, depth);
    case R_CONS:
      return compareLists(a, b, depth);
    case R_BIN:
      return compareBinaries(a, b);
    default:
      return 0; // R_NIL equals itself; R_BAD has no order
  }
}

/**
 * Compares two values as the terms they map to, in Erlang's map-key order
 * (term order, except that every integer sorts before every float): the
 * order the encoder writes map keys in. 0 means the same term (`1` and
 * `1n`, `"a"` and the bytes of "a"). Values with no term mapping sort last.
 * @param {any} a
 * @param {any} b
 * @returns {number} negative, 0 or positive
 */
export function compareTerms(a, b) {
  beginOrdering();
  try {
    return compare(a, b, 0);
  } finally {
    endOrdering();
  }
}

/* ======================================================================
 * Encoding
 * ==================================================================== */

/* Why a value cannot be encoded, and (filled in as it propagates out of
 * the containers) where. Becomes a TypeError at the top. */
class EncodeFault {
  constructor(what, overflowed) {
    this.what = what;
    this.path = []; // path segments, innermost first
    this.containers = overflowed === undefined ? null : [overflowed]; // only when the depth bound was hit
  }
}

/* Each container, as a fault passes out of it, adds the step taken from
 * it (and, for a depth fault, itself: cycles are looked for only then). */
function addPath(e, segment, container) {
  if (e instanceof EncodeFault) {
    e.path.push(segment);
    if (e.containers) e.containers.push(container);
  }
  return e;
}

function keySegment(k) {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function describeKey(k) {
  switch (typeof k) {
    case 'string':
      return JSON.stringify(k);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(k);
    case 'bigint':
      return `${k}n`;
    default:
      return k === null ? 'null' : null;
  }
}

function describeAnyKey(k) {
  const d = describeKey(k);
  if (d !== null) return d;
  if (k instanceof Atom) return `atom(${JSON.stringify(k.name)})`;
  if (k instanceof List) return `a list of ${k.length}`;
  if (Array.isArray(k)) return `a tuple of ${k.length}`;
  if (k instanceof Uint8Array) return `${k.length} bytes`;
  if (k instanceof Float || k instanceof Pid || k instanceof Ref) return String(k);
  return k instanceof Map ? 'a Map' : 'an object';
}

function mapValueSegment(k, i) {
  const d = describeKey(k);
  return d === null ? `.values()[${i}]` : `.get(${d})`;
}

/* A path's segments, the middle left out of a long one (a value nested
 * thousands deep named every level). */
function pathText(root, segments) {
  if (segments.length <= 24) return root + segments.join('');
  return `${root}${segments.slice(0, 8).join('')}…(${segments.length - 16} levels)…${segments.slice(-8).join('')}`;
}

function faultToError(e, root) {
  const segments = e.path.slice().reverse();
  const at = (depth) => pathText(root, segments.slice(0, depth));
  if (e.containers) {
    // containers[k] is reached by segments[0, k). A cycle shows as the
    // first container that is also one of its ancestors.
    const c = e.containers.slice().reverse();
    for (let i = 1; i < c.length; i++) {
      const j = c.indexOf(c[i]);
      if (j < i) return new TypeError(`${at(i)} refers back to ${at(j)} (a cycle): cannot be sent`);
    }
  }
  return new TypeError(`${at(segments.length)} ${e.what}`);
}

function describeValue(v) {
  switch (typeof v) {
    case 'function':
      return typeMatcherName(v) ? `is the type matcher ${v.name}: only patterns can hold one` : 'is a function: cannot be sent';
    case 'symbol':
      return 'is a symbol: cannot be sent';
    case 'number':
      return `is ${v}: cannot be sent (Erlang has no NaN or infinities)`;
  }
  if (v instanceof PatternMarker) return `is the pattern marker ${v.description}: only patterns can hold one`;
  const name = v?.constructor?.name;
  return `is ${name ? `an instance of ${name}` : 'an object with an unusual prototype'}: cannot be sent (no term mapping)`;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratchF64 = new Float64Array(1);
const scratchU8 = new Uint8Array(scratchF64.buffer);

function hexDigit(c) {
  return c <= 57 ? c - 48 : c - 87; // '0'..'9', 'a'..'f'
}

/* Atoms the encoder writes most: their whole encodings. */
function atomBytes(name) {
  const text = atom(name)[ATOM_UTF8];
  return Uint8Array.of(SMALL_ATOM_UTF8, text.length, ...text);
}
const NIL_ATOM = atomBytes('nil');
const UNDEFINED_ATOM = atomBytes('undefined');
const TRUE_ATOM = atomBytes('true');
const FALSE_ATOM = atomBytes('false');
const ANY_ATOM = atomBytes('$fx_any');
const IGNORE_ATOM = atomBytes('$fx_ignore');
const LITERAL_ATOM = atomBytes('$fx_literal');
const LOCAL_NODE_ATOM = atomBytes(LOCAL_NODE);
/* The atom undefined as a list tail, where JavaScript's undefined means none. */
const UNDEFINED = atom('undefined');
const typeTuples = new Map();
function typeTuple(name) {
  let b = typeTuples.get(name);
  if (!b) {
    b = Uint8Array.of(SMALL_TUPLE, 2, ...atomBytes('$fx_type'), ...atomBytes(name));
    typeTuples.set(name, b);
  }
  return b;
}

/**
 * @typedef {object} EncodeOptions
 * @property {boolean} [bytesAsBitBinary] write Uint8Arrays as whole-byte
 *   BIT_BINARY_EXT (tag 77; an empty one with 0 bits, as Erlang reads
 *   <<>>), which the core keeps as bytes, so a Uint8Array comes back a
 *   Uint8Array, the empty one too; strings stay BINARY_EXT
 * @property {boolean} [pattern] write a pattern (pattern.h's reserved shapes
 *   for ANY, IGNORE, Int and the type matchers; plain objects and Maps as
 *   map patterns; atoms named '$fx_…' escaped as literals)
 * @property {string} [path] what to call the value in error messages
 *   ('value' by default)
 */

/**
 * Bytes as a string of byte values (one char each, in chunks: apply takes
 * only so many arguments), cheaper to keep than a typed array.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function byteString(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
  return s;
}

/**
 * Writes an int32 (not -0) at bytes[at] in its smallest form, as
 * term_to_binary does; returns the bytes written (2 or 5).
 * @param {Uint8Array} bytes
 * @param {number} at
 * @param {number} n
 */
export function writeInt32(bytes, at, n) {
  if (n >= 0 && n <= 255) {
    bytes[at] = SMALL_INT;
    bytes[at + 1] = n;
    return 2;
  }
  bytes[at] = INT;
  bytes[at + 1] = n >>> 24;
  bytes[at + 2] = (n >>> 16) & 255;
  bytes[at + 3] = (n >>> 8) & 255;
  bytes[at + 4] = n & 255;
  return 5;
}

/**
 * An ETF writer that reuses one growing buffer: the fast path for the
 * bindings. encode() may be re-entered (a getter that encodes while an
 * encode runs gets a fresh Encoder); encodeLength() may not.
 */
export class Encoder {
  /** @param {number} [initialSize] bytes */
  constructor(initialSize = 1024) {
    this.initialSize = Math.max(16, initialSize);
    this.buf = new Uint8Array(this.initialSize);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.bitBytes = false;
    this.busy = false;
    /* A runtime's codec (native.js): it refuses the pids of other
     * runtimes, and marks the local pids it decodes as its own. */
    this.owner = null;
  }

  /**
   * Encodes a value (version byte included). Throws a TypeError naming the
   * path of the first value with no term mapping.
   * @param {any} value
   * @param {EncodeOptions} [options]
   * @returns {Uint8Array} a view on the buffer, valid until the next encode
   */
  encode(value, options) {
    if (this.busy) return new Encoder().encode(value, options); // a getter encoding while we encode
    const n = this.encodeLength(value, options);
    return this.buf.subarray(0, n);
  }

  /**
   * Encodes like encode() but makes no view: the bytes are
   * `encoder.buffer.subarray(0, n)` until the next call. For small
   * messages a byte loop into wasm memory beats making the view.
   * @param {any} value
   * @param {EncodeOptions} [options]
   * @returns {number} n, the length of the encoding
   */
  encodeLength(value, options) {
    if (this.busy) throw new Error('this Encoder is already encoding: encodeLength() cannot be re-entered');
    this.busy = true;
    this.pos = 0;
    if (this.buf.length > KEEP_BUFFER) this.resize(this.initialSize); // one huge value must not pin its buffer
    this.bitBytes = options?.bytesAsBitBinary === true;
    try {
      this.ensure(1);
      this.buf[this.pos++] = ETF_VERSION;
      if (options?.pattern) this.pattern(value, 0);
      else this.term(value, 0);
      return this.pos;
    } catch (e) {
      if (e instanceof EncodeFault) throw faultToError(e, options?.path ?? 'value');
      throw e;
    } finally {
      this.busy = false;
    }
  }

  /** The buffer encodeLength() writes into (replaced when it grows). @type {Uint8Array} */
  get buffer() {
    return this.buf;
  }

  /**
   * Decodes bytes[offset, offset + length) without copying it first (a view
   * on wasm memory will do); the result shares no memory with it.
   * @param {Uint8Array} bytes
   * @param {number} [offset]
   * @param {number} [length]
   * @param {{ exact?: boolean }} [options]
   * @returns {any}
   */
  decode(bytes, offset = 0, length = bytes.length - offset, options) {
    /* The commonest message, an int32, read in line (as writeInt32 wrote it). */
    if (length === 3 && bytes[offset + 1] === SMALL_INT && bytes[offset] === ETF_VERSION) return bytes[offset + 2];
    if (length === 6 && bytes[offset + 1] === INT && bytes[offset] === ETF_VERSION)
      return (bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5];
    return decodeSlice(bytes, offset, length, options?.exact === true, this.owner);
  }

  /* ---- the buffer ---- */

  ensure(n) {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  grow(n) {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    /* A big chunk (a large binary or string) gets what it needs and a
     * little more, not the next power of two: less to zero and to copy. */
    if (n >= BIG_CHUNK) size = Math.min(size, this.pos + n + BIG_CHUNK);
    this.resize(size);
  }

  /* Hands the buffer over as the result when little of it is unused (a
   * big encoding, which would otherwise be copied out whole). */
  take(n) {
    const buf = this.buf;
    if (n <= KEEP_BUFFER || buf.length - n > n >>> 3) return buf.slice(0, n);
    this.buf = new Uint8Array(this.initialSize);
    this.view = new DataView(this.buf.buffer);
    return buf.subarray(0, n);
  }

  resize(size) {
    const buf = new Uint8Array(size);
    buf.set(this.buf.subarray(0, this.pos));
    this.buf = buf;
    this.view = new DataView(buf.buffer);
  }

  raw(bytes) {
    const n = bytes.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n <= 16) for (let i = 0; i < n; i++) buf[p++] = bytes[i];
    else {
      buf.set(bytes, p);
      p += n;
    }
    this.pos = p;
  }

  u32(v) {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  /* ---- values ---- */

  term(v, depth) {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.raw(v ? TRUE_ATOM : FALSE_ATOM);
      case 'undefined':
        return this.raw(UNDEFINED_ATOM);
      case 'bigint':
        return this.bigint(v);
      case 'object':
        if (v === null) return this.raw(NIL_ATOM);
        return this.object(v, depth, false);
    }
    throw new EncodeFault(describeValue(v));
  }

  object(v, depth, pat) {
    if (Array.isArray(v)) return v instanceof List ? this.list(v, depth, pat) : this.tuple(v, depth, pat);
    if (v instanceof Atom) return this.atom(v, pat);
    if (v instanceof Uint8Array) return this.binary(v);
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return this.plainMap(v, depth, pat);
    if (v instanceof Map) return this.jsMap(v, depth, pat);
    if (v instanceof Float) return this.float(v.value);
    if (v instanceof Pid) return this.pid(v);
    if (v instanceof Ref) return this.ref(v);
    throw new EncodeFault(describeValue(v));
  }

  /* Called on entering a container: bounds nesting as the C codec does.
   * A cycle is told from a deep tree only once the bound is hit. */
  enter(v, depth) {
    if (depth >= MAX_DEPTH) throw new EncodeFault(`is nested deeper than ${MAX_DEPTH} levels: cannot be sent`, v);
  }

  number(n) {
    if ((n | 0) === n) {
      if (n === 0 && 1 / n < 0) return this.float(n); // -0 is a float
      this.ensure(5);
      this.pos += writeInt32(this.buf, this.pos, n);
      return;
    }
    // API.md: integers in the safe range; every other number is a float
    if (Number.isSafeInteger(n)) return this.bigNumber(n);
    if (Number.isFinite(n)) return this.float(n);
    throw new EncodeFault(describeValue(n));
  }

  /* A safe integer outside int32 (at most 7 bytes). */
  bigNumber(n) {
    const negative = n < 0;
    let mag = negative ? -n : n;
    this.ensure(3 + 7);
    const buf = this.buf;
    const start = this.pos;
    let p = start + 3;
    while (mag > 0) {
      const b = mag % 256;
      buf[p++] = b;
      mag = (mag - b) / 256;
    }
    buf[start] = SMALL_BIG;
    buf[start + 1] = p - start - 3;
    buf[start + 2] = negative ? 1 : 0;
    this.pos = p;
  }

  bigint(v) {
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.number(Number(v));
    const negative = v < 0n;
    const hex = (negative ? -v : v).toString(16);
    const n = (hex.length + 1) >> 1;
    this.ensure(6 + n);
    const buf = this.buf;
    if (n < 256) {
      buf[this.pos++] = SMALL_BIG;
      buf[this.pos++] = n;
    } else {
      buf[this.pos++] = LARGE_BIG;
      this.u32(n);
    }
    buf[this.pos++] = negative ? 1 : 0;
    // Little-endian: the last two hex digits are the first byte.
    let p = this.pos;
    for (let i = hex.length; i > 0; i -= 2) {
      const lo = hexDigit(hex.charCodeAt(i - 1));
      buf[p++] = i >= 2 ? (hexDigit(hex.charCodeAt(i - 2)) << 4) | lo : lo;
    }
    this.pos = p;
  }

  float(d) {
    if (!Number.isFinite(d)) throw new EncodeFault(describeValue(d));
    this.ensure(9);
    this.buf[this.pos++] = NEW_FLOAT;
    this.view.setFloat64(this.pos, d);
    this.pos += 8;
  }

  /* BINARY_EXT of the string's UTF-8. Short strings are written by hand:
   * cheaper than a call into TextEncoder. Lone surrogates become U+FFFD, as
   * TextEncoder makes them. */
  string(s) {
    const len = s.length;
    this.ensure(5 + 3 * len);
    const buf = this.buf;
    const start = this.pos;
    let p = start + 5;
    if (len > 64) {
      p += utf8Encoder.encodeInto(s, buf.subarray(p)).written;
    } else {
      for (let i = 0; i < len; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          buf[p++] = c;
          continue;
        }
        if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            buf[p++] = 0xf0 | (c >> 18);
            buf[p++] = 0x80 | ((c >> 12) & 0x3f);
            buf[p++] = 0x80 | ((c >> 6) & 0x3f);
            buf[p++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    const n = p - start - 5;
    buf[start] = BINARY;
    buf[start + 1] = n >>> 24;
    buf[start + 2] = (n >>> 16) & 0xff;
    buf[start + 3] = (n >>> 8) & 0xff;
    buf[start + 4] = n & 0xff;
    this.pos = p;
  }

  binary(b) {
    const n = b.length;
    const bits = this.bitBytes;
    this.ensure(6 + n);
    this.buf[this.pos++] = bits ? BIT_BINARY : BINARY;
    this.u32(n);
    // 8 bits in the last byte; none when there is none (Erlang's <<>>).
    if (bits) this.buf[this.pos++] = n > 0 ? 8 : 0;
    this.raw(b);
  }

  atom(a, pat) {
    if (pat && a.name.startsWith('$fx_')) {
      // {'$fx_literal', A}: the core would read the bare atom as a matcher.
      this.ensure(2);
      this.buf[this.pos++] = SMALL_TUPLE;
      this.buf[this.pos++] = 2;
      this.raw(LITERAL_ATOM);
    }
    this.atomText(a[ATOM_UTF8]);
  }

  atomText(text) {
    const n = text.length;
    this.ensure(3);
    if (n < 256) {
      this.buf[this.pos++] = SMALL_ATOM_UTF8;
      this.buf[this.pos++] = n;
    } else {
      this.buf[this.pos++] = ATOM_UTF8_TAG;
      this.buf[this.pos++] = n >> 8;
      this.buf[this.pos++] = n & 0xff;
    }
    this.raw(text);
  }

  node(name) {
    if (name === LOCAL_NODE) this.raw(LOCAL_NODE_ATOM);
    else this.atomText(atom(name)[ATOM_UTF8]);
  }

  /* A pid or ref of another runtime would name or equal one of this
   * runtime's own. */
  checkOwner(v, what) {
    const owner = ownerOf(v);
    if (owner !== undefined && owner !== this.owner) throw new EncodeFault(`is a ${what} of another runtime: cannot be sent in this one`);
  }

  pid(v) {
    if (this.owner !== null) this.checkOwner(v, 'Pid');
    this.ensure(1);
    this.buf[this.pos++] = NEW_PID;
    this.node(v.node);
    this.ensure(12);
    this.u32(v.id);
    this.u32(v.serial);
    this.u32(v.creation);
  }

  ref(v) {
    if (this.owner !== null) this.checkOwner(v, 'Ref');
    const n = v.ids.length;
    this.ensure(3);
    this.buf[this.pos++] = NEWER_REF;
    this.buf[this.pos++] = n >> 8;
    this.buf[this.pos++] = n & 0xff;
    this.node(v.node);
    this.ensure(4 + 4 * n);
    this.u32(v.creation);
    for (let i = 0; i < n; i++) this.u32(v.ids[i]);
  }

  /* ---- containers; `pat`: their elements are patterns ---- */

  elem(v, depth, pat) {
    if (pat) this.pattern(v, depth);
    else this.term(v, depth);
  }

  tuple(v, depth, pat) {
    this.enter(v, depth);
    const n = v.length;
    this.ensure(5);
    if (n < 256) {
      this.buf[this.pos++] = SMALL_TUPLE;
      this.buf[this.pos++] = n;
    } else {
      this.buf[this.pos++] = LARGE_TUPLE;
      this.u32(n);
    }
    let i = 0;
    try {
      for (; i < n; i++) this.elem(v[i], depth + 1, pat);
    } catch (e) {
      throw addPath(e, `[${i}]`, v);
    }
  }

  list(v, depth, pat) {
    const { items, tail } = flatList(v);
    const n = items.length;
    if (n === 0) {
      if (tail !== undefined) return this.elem(tail, depth, pat); // [ | T] is T
      this.ensure(1);
      this.buf[this.pos++] = NIL;
      return;
    }
    this.enter(v, depth);
    if (tail === undefined && n <= MAX_STRING && allBytes(items)) {
      this.ensure(3 + n);
      const buf = this.buf;
      let p = this.pos;
      buf[p++] = STRING;
      buf[p++] = n >> 8;
      buf[p++] = n & 0xff;
      for (let i = 0; i < n; i++) buf[p++] = Number(items[i]);
      this.pos = p;
      return;
    }
    this.ensure(5);
    this.buf[this.pos++] = LIST;
    this.u32(n);
    let i = 0;
    try {
      for (; i < n; i++) this.elem(items[i], depth + 1, pat);
    } catch (e) {
      throw addPath(e, `[${i}]`, v);
    }
    if (tail === undefined) {
      this.ensure(1);
      this.buf[this.pos++] = NIL;
      return;
    }
    try {
      this.elem(tail, depth + 1, pat);
    } catch (e) {
      throw addPath(e, '.tail', v);
    }
  }

  /* A plain object: its own enumerable string keys as binaries, sorted by
   * their UTF-8 bytes (map-key order for binaries). */
  plainMap(v, depth, pat) {
    this.enter(v, depth);
    const keys = Object.keys(v);
    const n = keys.length;
    if (!isSortedStrings(keys)) {
      keys.sort(compareStrings);
      for (let i = 1; i < n; i++)
        if (compareStrings(keys[i - 1], keys[i]) === 0)
          throw new EncodeFault(`has keys ${JSON.stringify(keys[i - 1])} and ${JSON.stringify(keys[i])}, the same binary: cannot be sent`);
    }
    this.ensure(5);
    this.buf[this.pos++] = MAP;
    this.u32(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        this.string(keys[i]);
        this.elem(v[keys[i]], depth + 1, pat);
      }
    } catch (e) {
      throw addPath(e, keySegment(keys[i]), v);
    }
  }

  /* A Map: any keys, sorted in map-key order, refused when two are the
   * same term. In a pattern the keys stay literals (pattern.c looks them
   * up as they are); only the values are patterns. */
  jsMap(v, depth, pat) {
    this.enter(v, depth);
    const entries = [...v];
    const n = entries.length;
    if (n > 1) {
      beginOrdering();
      try {
        try {
          entries.sort((x, y) => compareTerms(x[0], y[0]));
        } catch (e) {
          throw e instanceof RangeError ? new EncodeFault('has a key nested too deep to order (a cycle?): cannot be sent') : e;
        }
        for (let i = 1; i < n; i++) {
          const a = entries[i - 1][0];
          const b = entries[i][0];
          if (compareTerms(a, b) === 0 && rankOf(a) !== R_BAD)
            throw new EncodeFault(`has two keys that are the same term (${describeAnyKey(a)} and ${describeAnyKey(b)}): cannot be sent`);
        }
      } finally {
        endOrdering();
      }
    }
    this.ensure(5);
    this.buf[this.pos++] = MAP;
    this.u32(n);
    let i = 0;
    let inKey = true;
    try {
      for (; i < n; i++) {
        inKey = true;
        this.term(entries[i][0], depth + 1);
        inKey = false;
        this.elem(entries[i][1], depth + 1, pat);
      }
    } catch (e) {
      throw addPath(e, inKey ? `.keys()[${i}]` : mapValueSegment(entries[i][0], i), v);
    }
  }

  /* ---- patterns (core/include/fauxtp/pattern.h) ---- */

  pattern(v, depth) {
    if (typeof v === 'function') {
      const name = typeMatcherName(v);
      if (name) return this.raw(typeTuple(name));
    } else if (typeof v === 'object' && v !== null) {
      if (v === ANY) return this.raw(ANY_ATOM);
      if (v === IGNORE) return this.raw(IGNORE_ATOM);
      if (v === Int) return this.raw(typeTuple(typeMatcherName(Int)));
      return this.object(v, depth, true);
    }
    return this.term(v, depth);
  }
}

function allBytes(items) {
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (typeof x === 'number') {
      if ((x & 255) !== x || (x === 0 && 1 / x < 0)) return false;
    } else if (typeof x !== 'bigint' || x < 0n || x > 255n) {
      return false;
    }
  }
  return true;
}

/* Code units at or past U+D800: where UTF-16 order and UTF-8 order can
 * part. Keys without them compare natively. */
const HIGH_UNITS = /[\ud800-\uffff]/;

function isSortedStrings(keys) {
  const n = keys.length;
  let native = true;
  for (let i = 0; i < n && native; i++) native = !HIGH_UNITS.test(keys[i]);
  if (native) {
    for (let i = 1; i < n; i++) if (!(keys[i - 1] < keys[i])) return false;
    return true;
  }
  for (let i = 1; i < n; i++) if (compareStrings(keys[i - 1], keys[i]) >= 0) return false;
  return true;
}

const shared = new Encoder();

/**
 * The bytes Erlang's `term_to_binary(T, [{minor_version, 2}])` writes for
 * the term this value maps to (API.md §1). Throws a TypeError naming the
 * path of a value with no term mapping (a function, a symbol, a cycle, a
 * class instance, NaN or an infinity).
 * @param {any} value
 * @returns {Uint8Array} a new array
 */
export function termToBinary(value) {
  if (shared.busy) return new Encoder().encode(value).slice(); // a getter calling termToBinary
  return shared.take(shared.encodeLength(value));
}

/* ======================================================================
 * Decoding
 * ==================================================================== */

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF) of
 * b[start, start + n), or null. Short ASCII, the common case, is read by
 * hand: much cheaper than a call into TextDecoder. */
function utf8(b, start, n) {
  if (n <= 16) {
    for (let i = start, end = start + n; i < end; i++) if (b[i] >= 0x80) return utf8Slow(b, start, n);
    return ascii(b, start, n);
  }
  return utf8Slow(b, start, n);
}

/* Up to 16 ASCII bytes as a string, in one or two calls. */
function ascii(b, p, n) {
  switch (n) {
    case 0: return '';
    case 1: return String.fromCharCode(b[p]);
    case 2: return String.fromCharCode(b[p], b[p + 1]);
    case 3: return String.fromCharCode(b[p], b[p + 1], b[p + 2]);
    case 4: return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
    case 5: return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4]);
    case 6: return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5]);
    case 7: return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6]);
    case 8: return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    default: return ascii(b, p, 8) + ascii(b, p + 8, n - 8);
  }
}

/* Map keys repeat from message to message, and a string used as a
 * property name must be interned, which costs more than decoding it. So
 * short keys go through a small cache of the strings already made: a hit
 * gives back the same (interned) string for the same bytes. */
const KEY_CACHE_SLOTS = 4096;
const MAX_CACHED_KEY = 24;
const keyCacheBytes = new Array(KEY_CACHE_SLOTS).fill(new Uint8Array(0));
const keyCacheStrings = new Array(KEY_CACHE_SLOTS).fill('');

function cachedUtf8(b, start, n) {
  let h = n;
  for (let i = start, end = start + n; i < end; i++) h = (Math.imul(h, 31) + b[i]) | 0;
  const slot = (h ^ (h >>> 13)) & (KEY_CACHE_SLOTS - 1);
  const k = keyCacheBytes[slot];
  if (k.length === n) {
    let i = 0;
    while (i < n && k[i] === b[start + i]) i++;
    if (i === n) return keyCacheStrings[slot];
  }
  const s = utf8(b, start, n);
  if (s !== null) {
    keyCacheBytes[slot] = b.slice(start, start + n);
    keyCacheStrings[slot] = s;
  }
  return s;
}

function utf8Slow(b, start, n) {
  try {
    return utf8Decoder.decode(b.subarray(start, start + n));
  } catch {
    return null;
  }
}

function countChars(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  return n;
}

function isAtomTag(tag) {
  return tag === SMALL_ATOM_UTF8 || tag === ATOM_UTF8_TAG || tag === SMALL_ATOM_LATIN1 || tag === ATOM_LATIN1;
}

function integer(negative, mag) {
  return negative ? (mag === 0 ? 0 : -mag) : mag;
}

/* Two keys that are the same term make a map malformed (binary_to_term
 * refuses them too). Erlang writes small maps sorted, so usually one
 * pass finds the keys strictly ascending. */
function hasEqualKeys(keys) {
  if (keys.length < 2) return false;
  if (allStrings(keys)) {
    // Decoded strings are well-formed, so distinct strings are distinct
    // binaries; any strict order proves them distinct, the native one too.
    let ascending = true;
    for (let i = 1; i < keys.length && ascending; i++) ascending = keys[i - 1] < keys[i];
    return !ascending && new Set(keys).size !== keys.length;
  }
  beginOrdering();
  try {
    let sorted = true;
    for (let i = 1; i < keys.length && sorted; i++) sorted = compareTerms(keys[i - 1], keys[i]) < 0;
    if (sorted) return false;
    const copy = keys.slice().sort(compareTerms);
    for (let i = 1; i < copy.length; i++) if (compareTerms(copy[i - 1], copy[i]) === 0) return true;
    return false;
  } finally {
    endOrdering();
  }
}

function allStrings(keys) {
  for (let i = 0; i < keys.length; i++) if (typeof keys[i] !== 'string') return false;
  return true;
}

/* An exactly decoded value as the default mapping reads it. */
function loose(v) {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Atom) return v.name;
  if (v instanceof Float) return v.value;
  if (v instanceof List) {
    const items = Array.from(v, loose);
    if (v.tail === undefined) return items;
    const out = List.from(items);
    out.tail = v.tail === UNDEFINED ? UNDEFINED : loose(v.tail);
    return out;
  }
  if (Array.isArray(v)) return v.map(loose);
  if (v instanceof Map) return looseMap([...v.keys()], [...v.values()].map(loose));
  return v;
}

/* obj.__proto__ = v would set the prototype, not a key. */
function setOwnProto(obj, v) {
  Object.defineProperty(obj, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
}

/* Keys (decoded exactly) and values (decoded as asked) as the default
 * mapping reads a map: a plain object when every key reads as a distinct
 * string, else a Map; a Map whose keys would collide once loosened (1 and
 * 1.0, [] and {}) keeps them exact rather than lose an entry or read as a
 * map that cannot be encoded again. */
function looseMap(keys, vals) {
  const n = keys.length;
  let strings = 0;
  let atoms = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (typeof k === 'string') strings++;
    else if (k instanceof Atom) atoms++;
  }
  if (strings + atoms === n) {
    // Keys are distinct terms: only an atom and a binary can share a name.
    const mixed = strings !== 0 && atoms !== 0;
    const obj = {};
    let i = 0;
    for (; i < n; i++) {
      const k = keys[i];
      const name = typeof k === 'string' ? k : k.name;
      if (mixed && Object.hasOwn(obj, name)) break;
      if (name === '__proto__') setOwnProto(obj, vals[i]);
      else obj[name] = vals[i];
    }
    if (i === n) return obj;
  }
  const m = new Map();
  let objects = false;
  for (let i = 0; i < n; i++) {
    const k = loose(keys[i]);
    if (typeof k === 'object' && k !== null) objects = true;
    m.set(k, vals[i]);
  }
  /* Object keys never collide in a Map, but two can read the same (a list
   * and a tuple are both arrays): such a map could not be sent back. */
  if (m.size === n && !(objects && hasEqualKeys([...m.keys()]))) return m;
  m.clear();
  for (let i = 0; i < n; i++) m.set(keys[i], vals[i]);
  return m;
}

/* The parser. It runs no user code, so one instance serves every call;
 * its fields are the input, the read position, its end and the mode. */
class Reader {
  constructor() {
    this.b = EMPTY;
    this.p = 0;
    this.end = 0;
    this.exact = false;
    this.owner = null; // whose local pids these are (Encoder.owner)
  }

  read(bytes, offset, length, exact, owner) {
    this.b = bytes;
    this.p = offset;
    this.end = offset + length;
    this.exact = exact;
    this.owner = owner;
    try {
      this.need(1);
      if (bytes[offset] !== ETF_VERSION) throw this.fail(`version byte is ${bytes[offset]}, not ${ETF_VERSION}`, 'badversion');
      this.p++;
      if (this.end > this.p && bytes[this.p] === COMPRESSED) this.inflated();
      const v = this.term(0);
      const extra = this.end - this.p;
      if (extra !== 0) throw this.fail(`${extra} byte${extra === 1 ? '' : 's'} after the term`, 'badterm');
      return v;
    } finally {
      this.b = EMPTY; // hold on to nobody's buffer
      this.owner = null;
    }
  }

  /* term_to_binary(T, [compressed]): tag 80, the term's size, zlib. The
   * term is read from the bytes it inflates to (offsets in errors then
   * count from their start). */
  inflated() {
    const at = this.p;
    this.p++;
    this.need(4);
    const size = this.u32();
    if (size > MAX_COUNT) throw this.fail(`compressed term at byte ${at} of ${size} bytes is too big`, 'toobig', at);
    let bytes;
    try {
      bytes = inflate(this.b, this.p, this.end, size);
    } catch (e) {
      if (e instanceof InflateError) throw this.fail(`compressed term at byte ${at}: ${e.message}`, e.truncated ? 'truncated' : 'badterm', at);
      throw e;
    }
    this.b = bytes;
    this.p = 0;
    this.end = bytes.length;
  }

  fail(message, code, at = this.p) {
    return new TermError(message, code, at);
  }

  need(n) {
    if (this.end - this.p < n) throw this.fail(`truncated: ${n} more byte${n === 1 ? '' : 's'} needed at byte ${this.p}`, 'truncated');
  }

  /* A count read from the input: each counted item takes at least
   * `minBytes` more input, so a count the rest cannot hold is truncation,
   * found before anything is allocated. */
  count(n, minBytes) {
    if (n > (this.end - this.p) / minBytes) throw this.fail(`truncated: a count of ${n} at byte ${this.p} runs past the end`, 'truncated');
    if (n > MAX_COUNT) throw this.fail(`count ${n} is too big`, 'toobig');
  }

  u8() {
    return this.b[this.p++];
  }

  u16() {
    const b = this.b;
    const p = this.p;
    this.p = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u32() {
    const b = this.b;
    const p = this.p;
    this.p = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  f64() {
    const b = this.b;
    const p = this.p;
    for (let i = 0; i < 8; i++) scratchU8[isLittleEndian ? 7 - i : i] = b[p + i];
    this.p = p + 8;
    return scratchF64[0];
  }

  /* depth: the containers around the term being read. */
  term(depth) {
    const b = this.b;
    const p = this.p;
    if (p >= this.end) this.need(1);
    const tag = b[p];
    this.p = p + 1;
    switch (tag) {
      case SMALL_INT:
        if (p + 2 > this.end) this.need(1);
        this.p = p + 2;
        return b[p + 1];
      case INT:
        if (p + 5 > this.end) this.need(4);
        this.p = p + 5;
        return (b[p + 1] << 24) | (b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4];
      case SMALL_ATOM_UTF8:
      case ATOM_UTF8_TAG:
      case SMALL_ATOM_LATIN1:
      case ATOM_LATIN1:
        return this.atomValue(this.atomText(tag));
      case BINARY:
      case BIT_BINARY:
        return this.binary(tag);
      case NIL:
        return this.exact ? new List() : [];
      case STRING: {
        const out = this.exact ? new List() : [];
        this.stringBytes(out, depth);
        return out;
      }
      case NEW_FLOAT:
        this.need(8);
        return this.floatValue(this.f64(), p);
      case FLOAT_TEXT:
        return this.floatText();
      case SMALL_BIG:
      case LARGE_BIG:
        return this.big(tag);
      case NEW_PID:
      case PID:
        return this.pid(tag);
      case NEWER_REF:
      case NEW_REF:
        return this.ref(tag);
      case SMALL_TUPLE:
      case LARGE_TUPLE:
      case LIST:
      case MAP:
        if (depth >= MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels at byte ${p}`, 'toodeep', p);
        if (tag === LIST) return this.list(depth);
        if (tag === MAP) return this.map(depth);
        return this.tuple(tag, depth);
    }
    throw this.fail(`unknown or unsupported tag ${tag} at byte ${p}`, 'badtag', p);
  }

  atomText(tag) {
    const small = tag === SMALL_ATOM_UTF8 || tag === SMALL_ATOM_LATIN1;
    this.need(small ? 1 : 2);
    const n = small ? this.u8() : this.u16();
    this.need(n);
    const start = this.p;
    this.p += n;
    if (tag === SMALL_ATOM_UTF8 || tag === ATOM_UTF8_TAG) {
      const s = utf8(this.b, start, n);
      if (s === null) throw this.fail(`atom at byte ${start} is not valid UTF-8`, 'badutf8', start);
      if (n > MAX_ATOM_CHARS && countChars(s) > MAX_ATOM_CHARS)
        throw this.fail(`atom at byte ${start} is longer than ${MAX_ATOM_CHARS} characters`, 'toobig', start);
      return s;
    }
    if (n > MAX_ATOM_CHARS) throw this.fail(`atom at byte ${start} is longer than ${MAX_ATOM_CHARS} characters`, 'toobig', start);
    let s = '';
    for (let i = start; i < this.p; i++) s += String.fromCharCode(this.b[i]); // latin-1: the first 256 code points
    return s;
  }

  atomValue(name) {
    switch (name) {
      case 'nil':
        return null;
      case 'undefined':
        return undefined;
      case 'true':
        return true;
      case 'false':
        return false;
    }
    return this.exact ? atom(name) : name;
  }

  /* A pid's or ref's node: an atom, nothing else. */
  node() {
    this.need(1);
    const tag = this.u8();
    if (!isAtomTag(tag)) throw this.fail(`node at byte ${this.p - 1} is not an atom`, 'badterm', this.p - 1);
    return this.atomText(tag);
  }

  /* SMALL_BIG_EXT / LARGE_BIG_EXT: a sign byte and little-endian magnitude
   * bytes, of any length (high zero bytes allowed, as Erlang allows them). */
  big(tag) {
    this.need(tag === SMALL_BIG ? 2 : 5);
    const n = tag === SMALL_BIG ? this.u8() : this.u32();
    const sign = this.u8();
    this.need(n);
    if (n > MAX_COUNT) throw this.fail(`bignum of ${n} bytes is too big`, 'toobig');
    if (sign > 1) throw this.fail(`bignum sign byte ${sign} at byte ${this.p - 1}`, 'badterm', this.p - 1);
    const b = this.b;
    const start = this.p;
    this.p += n;
    let top = start + n;
    while (top > start && b[top - 1] === 0) top--;
    if (top - start <= 6) {
      let m = 0;
      for (let i = top; i-- > start; ) m = m * 256 + b[i];
      return integer(sign === 1, m);
    }
    let hex = '';
    for (let i = top; i-- > start; ) hex += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    const mag = BigInt('0x' + hex);
    const v = sign ? -mag : mag;
    return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v;
  }

  floatValue(v, at) {
    if (!Number.isFinite(v)) throw this.fail(`float at byte ${at} is not finite`, 'badterm', at);
    return this.exact && Number.isInteger(v) ? new Float(v) : v; // integral, or -0.0
  }

  /* FLOAT_EXT: "%.20e" text, NUL-padded to 31 bytes; the text ends at the
   * first NUL and must be a number in full. */
  floatText() {
    this.need(31);
    const b = this.b;
    const at = this.p - 1;
    let end = this.p;
    while (end < this.p + 31 && b[end] !== 0) end++;
    let text = '';
    for (let i = this.p; i < end; i++) text += String.fromCharCode(b[i]);
    this.p += 31;
    /* As Erlang reads it: digits on both sides of the point ("1", "1e5",
     * ".5" and "5." are refused). */
    const v = /^[+-]?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
    if (Number.isNaN(v)) throw this.fail(`float text at byte ${at} is not a number`, 'badterm', at);
    return this.floatValue(v, at);
  }

  binary(tag) {
    const at = this.p - 1;
    const bits = tag === BIT_BINARY;
    this.need(bits ? 5 : 4);
    const n = this.u32();
    if (bits && this.u8() !== (n > 0 ? 8 : 0)) throw this.fail(`bitstring at byte ${at} (fauxtp has whole bytes only)`, 'badtag', at);
    this.need(n);
    const start = this.p;
    this.p += n;
    if (bits) return this.b.slice(start, start + n); // bytes a host sent as bytes
    const s = utf8(this.b, start, n);
    return s !== null ? s : this.b.slice(start, start + n);
  }

  pid(tag) {
    const node = this.node();
    this.need(tag === NEW_PID ? 12 : 9);
    const id = this.u32();
    const serial = this.u32();
    const at = this.p;
    const creation = tag === NEW_PID ? this.u32() : this.u8();
    if (creation > 3 && tag !== NEW_PID) throw this.fail(`pid at byte ${at} has creation ${creation} (PID_EXT holds 0 to 3)`, 'badterm', at);
    const pid = new Pid(node, id, serial, creation);
    return this.owner !== null && node === LOCAL_NODE && creation === 0 ? own(pid, this.owner) : pid;
  }

  ref(tag) {
    this.need(2);
    const at = this.p;
    const n = this.u16();
    if (n < 1 || n > 5) throw this.fail(`reference at byte ${at} has ${n} ids (1 to 5 allowed)`, 'badterm', at);
    const node = this.node();
    this.need((tag === NEWER_REF ? 4 : 1) + 4 * n);
    const cat = this.p;
    const creation = tag === NEWER_REF ? this.u32() : this.u8();
    if (creation > 3 && tag !== NEWER_REF) throw this.fail(`reference at byte ${cat} has creation ${creation} (NEW_REFERENCE_EXT holds 0 to 3)`, 'badterm', cat);
    const ids = [];
    for (let i = 0; i < n; i++) ids.push(this.u32());
    const ref = new Ref(node, creation, ids);
    return this.owner !== null && node === LOCAL_NODE && creation === 0 ? own(ref, this.owner) : ref;
  }

  tuple(tag, depth) {
    this.need(tag === SMALL_TUPLE ? 1 : 4);
    const n = tag === SMALL_TUPLE ? this.u8() : this.u32();
    this.count(n, 1);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.term(depth + 1);
    return out;
  }

  /* STRING_EXT's bytes, appended to out. */
  stringBytes(out, depth) {
    this.need(2);
    const n = this.u16();
    if (n === 0) return;
    if (depth >= MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels at byte ${this.p}`, 'toodeep');
    this.need(n);
    const b = this.b;
    for (let i = this.p, end = this.p + n; i < end; i++) out.push(b[i]);
    this.p += n;
  }

  /* LIST_EXT, tag read: elements, then a tail. A tail that is a list again
   * (Erlang never writes one, but reads it) continues the same list. */
  list(depth) {
    const out = this.exact ? new List() : [];
    for (;;) {
      this.need(4);
      const n = this.u32();
      this.count(n, 1);
      for (let i = 0; i < n; i++) out.push(this.term(depth + 1));
      this.need(1);
      const tag = this.b[this.p];
      if (tag === LIST) {
        this.p++;
        continue;
      }
      if (tag === NIL) {
        this.p++;
        return out;
      }
      if (tag === STRING) {
        this.p++;
        this.stringBytes(out, depth);
        return out;
      }
      let tail = this.term(depth + 1);
      if (out.length === 0) return tail; // [ | T] is T
      if (tail === undefined) tail = UNDEFINED; // a List without a tail is proper
      // An improper list keeps its tail in both modes: a List is an Array.
      const improper = out instanceof List ? out : List.from(out);
      improper.tail = tail;
      return improper;
    }
  }

  /* A map key: short binaries and atoms through the key cache. */
  key(depth) {
    const b = this.b;
    const p = this.p;
    const tag = b[p];
    if (tag === BINARY && p + 5 <= this.end) {
      const n = ((b[p + 1] << 24) | (b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4]) >>> 0;
      if (n <= MAX_CACHED_KEY && p + 5 + n <= this.end) {
        this.p = p + 5 + n;
        const s = cachedUtf8(b, p + 5, n);
        return s !== null ? s : b.slice(p + 5, p + 5 + n);
      }
    } else if (tag === SMALL_ATOM_UTF8 && p + 2 <= this.end) {
      const n = b[p + 1];
      if (n <= MAX_CACHED_KEY && p + 2 + n <= this.end) {
        const s = cachedUtf8(b, p + 2, n);
        if (s !== null) {
          this.p = p + 2 + n;
          return this.atomValue(s);
        }
      }
    }
    return this.term(depth);
  }

  map(depth) {
    const at = this.p - 1;
    this.need(4);
    const n = this.u32();
    this.count(n, 2);
    const keys = new Array(n);
    const vals = new Array(n);
    const exact = this.exact;
    for (let i = 0; i < n; i++) {
      this.exact = true; // keys exactly: duplicates are found on terms, not on their JavaScript shadows
      keys[i] = this.key(depth + 1);
      this.exact = exact;
      vals[i] = this.term(depth + 1);
    }
    if (hasEqualKeys(keys)) throw this.fail(`map at byte ${at} has the same key twice`, 'badterm', at);
    if (!exact) return looseMap(keys, vals);
    const m = new Map();
    for (let i = 0; i < n; i++) m.set(keys[i], vals[i]);
    return m;
  }
}

const EMPTY = new Uint8Array(0);
const reader = new Reader();

function decodeSlice(bytes, offset, length, exact, owner = null) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('ETF input must be a Uint8Array');
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length)
    throw new RangeError(`slice [${offset}, ${offset}+${length}) is outside the ${bytes.length}-byte input`);
  return reader.read(bytes, offset, length, exact, owner);
}

/**
 * Reads one term (version byte first, nothing after it). Throws a
 * TermError for malformed input.
 *
 * Atoms nil/undefined/true/false read as null/undefined/booleans, other
 * atoms as strings; integers as numbers when safe, else bigints; floats as
 * numbers; binaries as strings when valid UTF-8, else Uint8Arrays
 * (whole-byte BIT_BINARY_EXT always as Uint8Arrays); tuples and lists as
 * arrays (an improper list as a List with its tail); maps as plain objects
 * when every key reads as a distinct string, else Maps; pids and refs as
 * Pid and Ref. With `exact`, atoms read as Atom, lists as List, maps as
 * Map, integral floats (and -0.0) as Float, so that
 * `termToBinary(binaryToTerm(b, { exact: true }))` gives back b.
 * @param {Uint8Array | ArrayBuffer} bytes
 * @param {{ exact?: boolean }} [options]
 * @returns {any}
 */
export function binaryToTerm(bytes, options) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('binaryToTerm takes a Uint8Array or an ArrayBuffer');
  return decodeSlice(bytes, 0, bytes.length, options?.exact === true);
}
