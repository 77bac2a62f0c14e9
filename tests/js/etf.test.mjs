// The JavaScript term codec (web/src/etf.js) and term classes
// (web/src/terms.js): the mapping of API.md §1 row by row, exact bytes,
// round trips, map-key order, the TypeErrors for values with no term, the
// TermErrors for malformed input, and pattern mode. Byte expectations are
// written from the spec (and checked against OTP 25 where noted); the
// Erlang oracle test (etf-erlang.test.mjs) checks thousands more.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { Encoder, MAX_DEPTH, TermError, binaryToTerm, compareTerms, termToBinary } from '../../web/src/etf.js';
import { ANY, Atom, Float, IGNORE, Int, List, Pid, Ref, _, atom, float, isTypeMatcher, list } from '../../web/src/terms.js';

const text = (s) => [...new TextEncoder().encode(s)];
const bytes = (v) => [...termToBinary(v)];
const decode = (arr, options) => binaryToTerm(Uint8Array.from(arr), options);
const u32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const f64 = (d) => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, d);
  return [...new Uint8Array(v.buffer)];
};
const smallAtom = (s) => [119, text(s).length, ...text(s)];
const bin = (s) => [109, ...u32(text(s).length), ...text(s)];
const NODE = smallAtom('nonode@nohost');

/* Encodes, checks the bytes, and (unless told otherwise) checks that
 * exact decoding gives back a term that encodes to the same bytes. */
function encodes(value, expected) {
  const got = bytes(value);
  assert.deepEqual(got, [131, ...expected]);
  assert.deepEqual(bytes(decode(got, { exact: true })), got, 'exact round trip');
}

function refuses(value, pattern) {
  assert.throws(() => termToBinary(value), (e) => e instanceof TypeError && pattern.test(e.message), String(pattern));
}

function malformed(arr, code) {
  assert.throws(
    () => decode(arr),
    (e) => {
      assert.ok(e instanceof TermError, `not a TermError: ${e}`);
      if (code) assert.equal(e.code, code, e.message);
      return true;
    }
  );
}

describe('API.md §1, row by row', () => {
  test('null and undefined are the atoms nil and undefined', () => {
    encodes(null, smallAtom('nil'));
    encodes(undefined, smallAtom('undefined'));
    assert.equal(decode([131, ...smallAtom('nil')]), null);
    assert.equal(decode([131, ...smallAtom('undefined')]), undefined);
    assert.equal(decode([131, ...smallAtom('nil')], { exact: true }), null);
  });

  test('true and false are atoms', () => {
    encodes(true, smallAtom('true'));
    encodes(false, smallAtom('false'));
    assert.equal(decode([131, ...smallAtom('true')]), true);
    assert.equal(decode([131, ...smallAtom('false')], { exact: true }), false);
  });

  test('integers take the smallest form', () => {
    encodes(0, [97, 0]);
    encodes(255, [97, 255]);
    encodes(256, [98, 0, 0, 1, 0]);
    encodes(-1, [98, 255, 255, 255, 255]);
    encodes(2 ** 31 - 1, [98, 127, 255, 255, 255]);
    encodes(-(2 ** 31), [98, 128, 0, 0, 0]);
    encodes(2 ** 31, [110, 4, 0, 0, 0, 0, 128]);
    encodes(-(2 ** 31) - 1, [110, 4, 1, 1, 0, 0, 128]);
    encodes(2 ** 32, [110, 5, 0, 0, 0, 0, 0, 1]);
    encodes(Number.MAX_SAFE_INTEGER, [110, 7, 0, 255, 255, 255, 255, 255, 255, 31]);
    for (const n of [0, 1, 255, 256, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789]) assert.equal(decode(bytes(n)), n);
  });

  test('an integral number outside the safe range is a float (API.md: "other number")', () => {
    // 2^64 as a double: NEW_FLOAT_EXT 0x43F0000000000000.
    encodes(2 ** 64, [70, 0x43, 0xf0, 0, 0, 0, 0, 0, 0]);
    encodes(2 ** 53, [70, 0x43, 0x40, 0, 0, 0, 0, 0, 0]);
    encodes(-(2 ** 53), [70, 0xc3, 0x40, 0, 0, 0, 0, 0, 0]);
    for (const n of [2 ** 53, 2 ** 64, 1e20, 1e300, -Number.MAX_VALUE]) {
      assert.ok(Object.is(decode(bytes(n)), n));
      assert.ok(decode(bytes(n), { exact: true }) instanceof Float);
    }
    assert.notDeepEqual(bytes(2 ** 60), bytes(2n ** 60n)); // the bigint is the integer
    assert.deepEqual(bytes(2 ** 60), bytes(float(2 ** 60)));
    // a Map may hold both: the float and the integer are different terms
    assert.equal(decode(bytes(new Map([[2 ** 60, 'f'], [2n ** 60n, 'i']]))).size, 2);
  });

  test('bigints: int32 ones like numbers, others as bignums', () => {
    encodes(5n, [97, 5]);
    encodes(-5n, [98, 255, 255, 255, 251]);
    encodes(2n ** 31n, [110, 4, 0, 0, 0, 0, 128]);
    encodes(2n ** 64n, [110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    encodes(-(2n ** 64n) + 1n, [110, 8, 1, 255, 255, 255, 255, 255, 255, 255, 255]);
    const big = 2n ** (8n * 256n) - 1n; // 256 bytes: LARGE_BIG
    const b = bytes(big);
    assert.deepEqual(b.slice(0, 7), [131, 111, 0, 0, 1, 0, 0]);
    assert.equal(b.length, 7 + 256);
    assert.deepEqual(bytes(2n ** (8n * 255n) - 1n).slice(0, 4), [131, 110, 255, 0]);
    assert.equal(decode(b), big);
    assert.equal(decode(bytes(-big)), -big);
    assert.equal(decode(bytes(2n ** 53n)), 2n ** 53n);
    assert.equal(decode(bytes(2n ** 53n - 1n)), 2 ** 53 - 1);
  });

  test('other numbers are 64-bit floats; -0 is a float', () => {
    encodes(1.5, [70, ...f64(1.5)]);
    encodes(-0, [70, 128, 0, 0, 0, 0, 0, 0, 0]);
    encodes(5e-324, [70, 0, 0, 0, 0, 0, 0, 0, 1]);
    encodes(-Math.PI, [70, ...f64(-Math.PI)]);
    assert.equal(decode(bytes(0.1)), 0.1);
    assert.ok(Object.is(decode(bytes(-0)), -0));
  });

  test('strings are UTF-8 binaries', () => {
    encodes('ok', bin('ok'));
    encodes('', [109, 0, 0, 0, 0]);
    encodes('é', [109, 0, 0, 0, 2, 195, 169]);
    encodes('\u{1F600}', [109, 0, 0, 0, 4, 240, 159, 152, 128]);
    encodes('\ufeffbom', bin('\ufeffbom'));
    const long = 'ab\u00e9\u4e2d\u{1F600}'.repeat(300);
    encodes(long, bin(long));
    for (const s of ['', 'ok', 'é', '\ufeff', '\0', long, 'x'.repeat(64), 'x'.repeat(65)]) assert.equal(decode(bytes(s)), s);
    // A lone surrogate has no UTF-8: it goes as U+FFFD, as TextEncoder makes it.
    assert.deepEqual(bytes('a\ud800'), [131, ...bin('a\ufffd')]);
    assert.deepEqual(bytes('a\ud800'.repeat(40)), [131, ...bin('a\ufffd'.repeat(40))]);
  });

  test('arrays are tuples', () => {
    encodes([], [104, 0]);
    encodes([atom('ok'), 1], [104, 2, 119, 2, 111, 107, 97, 1]);
    assert.deepEqual(bytes(['ok', 1]), [131, 104, 2, 109, 0, 0, 0, 2, 111, 107, 97, 1]); // a string is a binary
    const t255 = Array.from({ length: 255 }, (_, i) => i % 256);
    assert.deepEqual(bytes(t255).slice(0, 3), [131, 104, 255]);
    const t256 = Array.from({ length: 256 }, () => 0);
    encodes(t256, [105, 0, 0, 1, 0, ...t256.flatMap(() => [97, 0])]);
    assert.deepEqual(decode(bytes(['a', [1, [2.5]]])), ['a', [1, [2.5]]]);
  });

  test('plain objects and Maps are maps', () => {
    encodes({}, [116, 0, 0, 0, 0]);
    assert.deepEqual(bytes({ a: 1 }), [131, 116, 0, 0, 0, 1, ...bin('a'), 97, 1]);
    assert.deepEqual(bytes(new Map([['a', 1]])), bytes({ a: 1 }));
    encodes(new Map([[atom('a'), 1]]), [116, 0, 0, 0, 1, ...smallAtom('a'), 97, 1]);
    assert.deepEqual(decode(bytes({ a: 1, b: [true, null] })), { a: 1, b: [true, null] });
    assert.deepEqual(decode(bytes(Object.assign(Object.create(null), { x: 'y' }))), { x: 'y' });
  });

  test('Uint8Arrays are binaries', () => {
    encodes(new Uint8Array([1, 2, 255]), [109, 0, 0, 0, 3, 1, 2, 255]);
    assert.deepEqual(bytes(new Uint8Array(0)), [131, 109, 0, 0, 0, 0]);
    assert.deepEqual(decode(bytes(new Uint8Array([255, 0]))), new Uint8Array([255, 0]));
    // Valid UTF-8 reads as a string: Erlang cannot tell them apart.
    assert.equal(decode(bytes(new Uint8Array([104, 105]))), 'hi');
    if (typeof Buffer === 'function') assert.deepEqual(bytes(Buffer.from('hi')), bytes('hi')); // subclasses too
  });

  test('pids and refs', () => {
    const pid = Pid.local(5, 6);
    encodes(pid, [88, ...NODE, ...u32(5), ...u32(6), ...u32(0)]);
    assert.equal(pid.toString(), '<0.5.6>');
    assert.equal(new Pid('a@b', 1, 2, 3).toString(), '<a@b.1.2>');
    assert.ok(decode(bytes(pid)).equals(pid));
    assert.ok(!pid.equals(Pid.local(5, 7)));
    assert.equal(decode(bytes(pid)).key, pid.key);
    assert.ok(Object.isFrozen(pid));
    const ref = new Ref('nonode@nohost', 0, [245527, 4068999169, 2444718665]);
    // OTP 25 prints this ref #Ref<0.2444718665.4068999169.245527>.
    assert.equal(ref.toString(), '#Ref<0.2444718665.4068999169.245527>');
    encodes(ref, [90, 0, 3, ...NODE, ...u32(0), ...u32(245527), ...u32(4068999169), ...u32(2444718665)]);
    assert.ok(decode(bytes(ref)).equals(ref));
    assert.ok(!ref.equals(new Ref('nonode@nohost', 0, [1, 2, 3])));
    assert.ok(!ref.equals(pid));
    encodes(new Ref('a@b', 7, [1, 2, 3, 4, 5]), [90, 0, 5, ...smallAtom('a@b'), ...u32(7), ...[1, 2, 3, 4, 5].flatMap(u32)]);
    assert.throws(() => new Ref('a@b', 0, []), TypeError);
    assert.throws(() => new Pid('a@b', -1, 0, 0), TypeError);
    // Legacy PID_EXT and NEW_REFERENCE_EXT (8-bit creation).
    assert.ok(decode([131, 103, ...smallAtom('a@b'), ...u32(1), ...u32(2), 3]).equals(new Pid('a@b', 1, 2, 3)));
    assert.ok(decode([131, 114, 0, 1, ...smallAtom('a@b'), 3, ...u32(9)]).equals(new Ref('a@b', 3, [9])));
  });

  test('atom() makes atoms', () => {
    encodes(atom('ok'), [119, 2, 111, 107]);
    encodes(atom(''), [119, 0]);
    const long = '\u{1F600}'.repeat(255); // 1020 bytes: ATOM_UTF8_EXT
    encodes(atom(long), [118, 3, 252, ...text(long)]);
    assert.equal(decode(bytes(atom('ok'))), 'ok');
    assert.equal(decode(bytes(atom('ok')), { exact: true }), atom('ok'));
    // The legacy latin-1 forms read as the same atoms.
    assert.equal(decode([131, 100, 0, 2, 111, 107], { exact: true }), atom('ok'));
    assert.equal(decode([131, 115, 2, 0xe9, 0x41]), '\u00e9A');
    assert.deepEqual(bytes(decode([131, 115, 1, 0xe9], { exact: true })), [131, 119, 2, 195, 169]);
  });

  test('list() makes lists', () => {
    encodes(list([1, 2, 3]), [107, 0, 3, 1, 2, 3]);
    encodes(list([]), [106]);
    encodes(list([1, 'a']), [108, 0, 0, 0, 2, 97, 1, ...bin('a'), 106]);
    encodes(list([1, 2], 3), [108, 0, 0, 0, 2, 97, 1, 97, 2, 97, 3]);
    encodes(list([256]), [108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106]);
    encodes(list([-1]), [108, 0, 0, 0, 1, 98, 255, 255, 255, 255, 106]);
    encodes(list([list([])]), [108, 0, 0, 0, 1, 106, 106]);
    assert.deepEqual(bytes(list([1n, 255n])), [131, 107, 0, 2, 1, 255]); // integers, whatever their type
    assert.deepEqual(bytes(list([float(1)])).slice(0, 2), [131, 108]);
    const bytes65535 = Array.from({ length: 65535 }, () => 7);
    encodes(list(bytes65535), [107, 255, 255, ...bytes65535]);
    const b = bytes(list([...bytes65535, 7]));
    assert.deepEqual(b.slice(0, 8), [131, 108, 0, 1, 0, 0, 97, 7]);
    // Erlang lists read as arrays by default.
    assert.deepEqual(decode([131, 107, 0, 2, 1, 2]), [1, 2]);
    assert.deepEqual(decode([131, 106]), []);
    assert.ok(!(decode([131, 107, 0, 2, 1, 2]) instanceof List));
    assert.ok(decode([131, 107, 0, 2, 1, 2], { exact: true }) instanceof List);
  });

  test('list tails', () => {
    const l = list([1], list([2, 3])); // [1 | [2, 3]] is [1, 2, 3]
    assert.equal(l.tail, undefined);
    assert.deepEqual([...l], [1, 2, 3]);
    assert.equal(list([], 5), 5);
    const improper = decode(bytes(list([1, 2], 'x')));
    assert.ok(improper instanceof List, 'an improper list keeps its tail, even by default');
    assert.deepEqual([...improper], [1, 2]);
    assert.equal(improper.tail, 'x');
    // A tail of the atom undefined is kept as the Atom (undefined means none).
    const u = decode([131, 108, 0, 0, 0, 1, 97, 1, ...smallAtom('undefined')]);
    assert.equal(u.tail, atom('undefined'));
    assert.deepEqual(bytes(u), [131, 108, 0, 0, 0, 1, 97, 1, ...smallAtom('undefined')]);
    // A List whose tail is a List (built by hand) is one list.
    const chained = list([1]);
    chained.tail = list([2]);
    assert.deepEqual(bytes(chained), [131, 107, 0, 2, 1, 2]);
    // Erlang reads LIST_EXT with no elements as its tail, and tails that are lists as one list.
    assert.equal(decode([131, 108, 0, 0, 0, 0, 97, 1]), 1);
    assert.deepEqual(decode([131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 107, 0, 1, 3]), [1, 2, 3]);
  });

  test('float() makes integral floats', () => {
    encodes(float(1), [70, 63, 240, 0, 0, 0, 0, 0, 0]);
    assert.equal(decode(bytes(float(1))), 1);
    const exact = decode(bytes(float(1)), { exact: true });
    assert.ok(exact instanceof Float);
    assert.equal(exact.value, 1);
    assert.ok(decode(bytes(-0), { exact: true }) instanceof Float);
    assert.equal(decode(bytes(1.5), { exact: true }), 1.5);
    assert.equal(float(2) + 1, 3);
    assert.equal(String(float(2)), '2.0');
    assert.throws(() => float(NaN), TypeError);
    assert.throws(() => float('1'), TypeError);
  });
});

describe('decoding', () => {
  test('options may be left out, undefined or null', () => {
    const b = Uint8Array.from([131, ...smallAtom('ok')]);
    for (const options of [undefined, null, {}]) assert.equal(binaryToTerm(b, options), 'ok');
    assert.deepEqual(binaryToTerm(b, { exact: true }), atom('ok'));
  });

  test('atoms other than nil, undefined, true and false read as strings', () => {
    assert.equal(decode([131, ...smallAtom('DOWN')]), 'DOWN');
    assert.deepEqual(decode([131, 104, 2, ...smallAtom('EXIT'), ...smallAtom('normal')]), ['EXIT', 'normal']);
  });

  test('integers: numbers when safe, bigints otherwise, whatever form they came in', () => {
    assert.equal(decode([131, 110, 1, 0, 5]), 5);
    assert.equal(decode([131, 110, 2, 1, 5, 0]), -5); // a high zero byte, as Erlang reads it
    assert.equal(decode([131, 110, 0, 1]), 0); // -0 is 0
    assert.equal(decode([131, 111, 0, 0, 0, 1, 0, 7]), 7);
    assert.equal(decode([131, 110, 7, 0, 255, 255, 255, 255, 255, 255, 31]), 2 ** 53 - 1);
    assert.equal(decode([131, 110, 7, 0, 0, 0, 0, 0, 0, 0, 32]), 2n ** 53n);
    assert.equal(decode([131, 98, 128, 0, 0, 0]), -(2 ** 31));
  });

  test('binaries: strings when valid UTF-8, Uint8Arrays otherwise', () => {
    assert.equal(decode([131, 109, 0, 0, 0, 3, 0xef, 0xbb, 0xbf]), '\ufeff'); // the BOM stays
    assert.deepEqual(decode([131, 109, 0, 0, 0, 2, 0xc0, 0x80]), new Uint8Array([0xc0, 0x80])); // overlong
    assert.deepEqual(decode([131, 109, 0, 0, 0, 3, 0xed, 0xa0, 0x80]), new Uint8Array([0xed, 0xa0, 0x80])); // a surrogate
    const invalidLong = [0xff, ...text('x'.repeat(100))];
    assert.deepEqual(decode([131, 109, ...u32(101), ...invalidLong]), new Uint8Array(invalidLong));
  });

  test('whole-byte BIT_BINARY_EXT always reads as a Uint8Array', () => {
    assert.deepEqual(decode([131, 77, 0, 0, 0, 2, 8, 104, 105]), new Uint8Array([104, 105]));
    malformed([131, 77, 0, 0, 0, 2, 7, 104, 105], 'badtag');
    malformed([131, 77, 0, 0, 0, 0, 8], 'badtag'); // Erlang refuses it too
    malformed([131, 77, 0, 0, 0, 2, 0, 104, 105], 'badtag');
    assert.deepEqual(decode([131, 77, 0, 0, 0, 0, 0]), new Uint8Array(0)); // Erlang's <<>> too
  });

  test('a decoded Uint8Array owns its bytes', () => {
    const input = Uint8Array.from([131, 109, 0, 0, 0, 1, 255]);
    const out = binaryToTerm(input);
    input[6] = 0;
    assert.deepEqual(out, new Uint8Array([255]));
    assert.deepEqual(binaryToTerm(input.buffer), '\0');
  });

  test('maps: plain objects when every key reads as a distinct string, Maps otherwise', () => {
    assert.deepEqual(decode([131, 116, 0, 0, 0, 2, ...smallAtom('a'), 97, 1, ...bin('b'), 97, 2]), { a: 1, b: 2 });
    const collide = decode([131, 116, 0, 0, 0, 2, ...smallAtom('a'), 97, 1, ...bin('a'), 97, 2]);
    assert.ok(collide instanceof Map);
    assert.equal(collide.size, 2);
    assert.ok(decode(bytes(new Map([[1, 'x']]))) instanceof Map);
    assert.ok(decode(bytes(new Map([[null, 'x']]))) instanceof Map); // nil reads as null, not a string
    const proto = decode(bytes({ ['__proto__']: 1 }));
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.deepEqual(Object.keys(proto), ['__proto__']);
    assert.ok(decode(bytes({ a: 1 }), { exact: true }) instanceof Map);
    // 1 and 1.0 are different keys; read loosely they would collide, so they stay exact.
    const m = decode(bytes(new Map([[1, 'int'], [float(1), 'float']])));
    assert.equal(m.size, 2);
    // Tuple keys read as arrays.
    assert.deepEqual([...decode(bytes(new Map([[[atom('a'), 1], 'v']]))).keys()], [['a', 1]]);
    // Keys that are different terms but would read as equal values (a list
    // and a tuple, a tuple of an atom and of a binary) stay exact, so that
    // what was read can be written again.
    for (const keys of [[list([]), []], [[atom('a')], ['a']], [list([1]), [1]], [new Uint8Array([200]), [1]]]) {
      const b = bytes(new Map(keys.map((k, i) => [k, i])));
      const read = decode(b);
      assert.equal(read.size, 2);
      assert.deepEqual([...termToBinary(read)], [...b]);
    }
  });

  test('Encoder.decode reads a slice of a larger buffer', () => {
    const enc = new Encoder();
    const big = new Uint8Array(100);
    const t = termToBinary({ k: [1, 'two'] });
    big.set(t, 10);
    assert.deepEqual(enc.decode(big, 10, t.length), { k: [1, 'two'] });
    assert.ok(enc.decode(big, 10, t.length, { exact: true }) instanceof Map);
    malformed([...t.slice(0, -1)]);
    assert.throws(() => enc.decode(big, 10, t.length - 1), TermError); // the slice's end is the end
    assert.throws(() => enc.decode(big, 90, 20), RangeError);
  });

  test('termToBinary returns arrays of their own, big ones too', () => {
    const mb = Uint8Array.from({ length: (1 << 20) + 5 }, (_, i) => i & 255);
    const first = termToBinary(mb);
    const second = termToBinary(mb);
    assert.equal(first.length, mb.length + 6);
    assert.deepEqual(first.subarray(0, 6), Uint8Array.of(131, 109, 0, 16, 0, 5));
    assert.deepEqual(first.subarray(6), mb);
    first[100] ^= 1;
    assert.deepEqual(second.subarray(6), mb, 'a later result shares no memory with an earlier one');
    const small = termToBinary('x');
    assert.deepEqual([...small], [131, 109, 0, 0, 0, 1, 120]);
    assert.deepEqual(binaryToTerm(termToBinary(mb)), mb);
  });
});

describe('round trips', () => {
  const values = [
    null, undefined, true, false, 0, -1, 255, 256, 2 ** 31, -(2 ** 40), 1.5, -0, 0.1, 12345678901234567890n,
    '', 'ok', 'é😀', new Uint8Array([0, 255]), [], [1, [2, [3]]], { a: 1, b: { c: [true, 'x'] } },
    new Map([[1, 'a'], [[1, 2], 'tuple'], ['s', null]]), Pid.local(1, 2), new Ref('a@b', 1, [1, 2, 3]),
    { nested: [{ deep: [[[]]] }] }
  ];

  test('values decode to equal values', () => {
    for (const v of values) assert.deepEqual(decode(bytes(v)), v, String(v));
  });

  test('exact mode gives back the bytes', () => {
    const exactValues = [
      ...values, atom('x'), list([1, atom('a'), list([2], 3)]), float(3), [float(-0), list([])],
      new Map([[atom('k'), list([float(2)])], [float(1), 1], [1, 2]])
    ];
    for (const v of exactValues) {
      const b = termToBinary(v);
      assert.deepEqual(termToBinary(binaryToTerm(b, { exact: true })), b, String(v));
      assert.equal(compareTerms(binaryToTerm(b, { exact: true }), v), 0);
    }
  });

  test('equal terms compare equal whatever their JavaScript types', () => {
    assert.equal(compareTerms(1, 1n), 0);
    assert.equal(compareTerms('a', new Uint8Array([97])), 0);
    assert.equal(compareTerms(atom('ok'), atom('ok')), 0);
    assert.equal(compareTerms(true, atom('true')), 0);
    assert.equal(compareTerms({ a: 1 }, new Map([['a', 1]])), 0);
    assert.notEqual(compareTerms(1, float(1)), 0);
    assert.notEqual(compareTerms([1], list([1])), 0);
  });
});

describe('map-key order', () => {
  test('Erlang term order with every integer before every float (OTP 25 bytes)', () => {
    // term_to_binary(#{<<"b">> => 1, b => 2, 1.0 => 3, 2 => 4, {a} => 5, [] => 6, [a] => 7}, [{minor_version, 2}])
    const m = new Map([
      ['b', 1], [atom('b'), 2], [float(1), 3], [2, 4], [[atom('a')], 5], [list([]), 6], [list([atom('a')]), 7]
    ]);
    assert.deepEqual(bytes(m), [
      131, 116, 0, 0, 0, 7, 97, 2, 97, 4, 70, 63, 240, 0, 0, 0, 0, 0, 0, 97, 3, 119, 1, 98, 97, 2, 104, 1, 119, 1, 97,
      97, 5, 106, 97, 6, 108, 0, 0, 0, 1, 119, 1, 97, 106, 97, 7, 109, 0, 0, 0, 1, 98, 97, 1
    ]);
  });

  test('numbers: integers (of any type) first, then floats, -0.0 before 0.0', () => {
    // (A Map turns a -0 key into 0, hence float(-0).)
    const m = new Map([[2.5, 'a'], [3, 'b'], [1n, 'c'], [float(-0), 'd'], [float(0), 'e'], [-(2n ** 70n), 'f'], [-0.5, 'g']]);
    assert.deepEqual([...decode(bytes(m), { exact: true }).values()], ['f', 'c', 'b', 'g', 'd', 'e', 'a']);
  });

  test('binary keys by their UTF-8 bytes, not by UTF-16 code units', () => {
    const o = { '\u{1F600}': 5, '\uffff': 4, é: 3, z: 2, a: 1, '': 0 };
    assert.deepEqual([...decode(bytes(o), { exact: true }).values()], [0, 1, 2, 3, 4, 5]);
    const n = { b: 1, a: 2, 10: 3, 9: 4 }; // JavaScript lists integer-like keys first
    assert.deepEqual([...decode(bytes(n), { exact: true }).keys()], ['10', '9', 'a', 'b']);
  });

  test('classes: number < atom < reference < pid < tuple < map < [] < list < binary', () => {
    const keys = [new Uint8Array([1]), list([1]), list([]), {}, [], Pid.local(1, 1), new Ref('a@b', 0, [1]), atom('a'), 1];
    const m = new Map(keys.map((k, i) => [k, i]));
    assert.deepEqual([...decode(bytes(m), { exact: true }).values()], [8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  test('pids and refs as OTP 25 orders them', () => {
    // Pids: serial, then id, then node name, then creation.
    assert.ok(compareTerms(new Pid('a@b', 1, 2, 1), new Pid('a@b', 2, 1, 1)) > 0);
    assert.ok(compareTerms(Pid.local(9, 0), new Pid('a@b', 1, 1, 1)) < 0);
    assert.ok(compareTerms(Pid.local(9, 0), new Pid('a@b', 9, 0, 0)) > 0);
    assert.ok(compareTerms(new Pid('a@b', 1, 1, 2), new Pid('b@a', 1, 1, 1)) < 0);
    // Refs: node name, creation, then ids from the most significant.
    assert.ok(compareTerms(new Ref('b@a', 5, [1, 2, 3]), new Ref('b@a', 1, [2, 2, 3])) > 0);
    assert.ok(compareTerms(new Ref('a@b', 1, [1, 2, 4]), new Ref('a@b', 1, [9, 2, 3])) > 0);
    assert.ok(compareTerms(new Ref('a@b', 1, [5]), new Ref('a@b', 1, [1, 2, 3])) < 0);
    // #{Ref([5]) => 1, Ref([1,2,3]) => 2} as OTP 25 writes it.
    const m = new Map([[new Ref('a@b', 1, [1, 2, 3]), 2], [new Ref('a@b', 1, [5]), 1]]);
    assert.deepEqual(bytes(m), [
      131, 116, 0, 0, 0, 2, 90, 0, 1, 119, 3, 97, 64, 98, 0, 0, 0, 1, 0, 0, 0, 5, 97, 1, 90, 0, 3, 119, 3, 97, 64, 98,
      0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 97, 2
    ]);
  });

  test('nested keys: tuples by size then elements, maps by size, keys, values', () => {
    const m = new Map([[[2], 'b'], [[1, 1], 'c'], [[1], 'a'], [{ b: 1 }, 'e'], [{ a: 2 }, 'd'], [{ a: 1, b: 1 }, 'f']]);
    assert.deepEqual([...decode(bytes(m), { exact: true }).values()], ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('maps used as keys of maps are put in order once per map, not once per comparison', () => {
    // Each map at depth d has two keys that are maps of depth d - 1: sorted
    // afresh on every comparison, their leaves were read 2^(d+1) - 1 times
    // each (the cost grew with the square of the term's size).
    let reads = 0;
    const leaf = (v) => ({
      get v() {
        reads++;
        return v;
      }
    });
    const nested = (d, v) => (d === 0 ? leaf(v) : new Map([[nested(d - 1, 0), v], [nested(d - 1, 1), v]]));
    const depth = 10;
    const encoded = termToBinary(nested(depth, 0));
    assert.ok(reads <= 2 * (depth + 1) * 2 ** depth, `${reads} reads of ${2 ** depth} leaves`);
    assert.deepEqual([...termToBinary(binaryToTerm(encoded))], [...encoded]);
  });

  test('two keys that are the same term are refused', () => {
    refuses(new Map([[1, 'a'], [1n, 'b']]), /^value has two keys that are the same term \(1 and 1n\)/);
    refuses(new Map([['a', 1], [new Uint8Array([97]), 2]]), /same term/);
    refuses(new Map([[[1, 'x'], 1], [[1, 'x'], 2]]), /same term/);
    refuses(new Map([[atom('true'), 1], [true, 2]]), /same term/);
    refuses({ a: { b: new Map([[null, 1], [atom('nil'), 2]]) } }, /^value\.a\.b has two keys/);
  });
});

describe('values with no term are refused with a TypeError naming the path', () => {
  test('functions, symbols, class instances, NaN and infinities', () => {
    refuses({ user: { tags: [1, 2, () => 1] } }, /^value\.user\.tags\[2\] is a function: cannot be sent$/);
    refuses([Symbol('s')], /^value\[0\] is a symbol: cannot be sent$/);
    refuses(new Date(0), /^value is an instance of Date: cannot be sent/);
    class Point {}
    refuses({ p: new Point() }, /^value\.p is an instance of Point/);
    refuses([new Int8Array(1)], /Int8Array/);
    refuses([new ArrayBuffer(1)], /ArrayBuffer/);
    refuses({ 'a b': NaN }, /^value\["a b"\] is NaN: cannot be sent/);
    refuses(list([1, Infinity]), /^value\[1\] is Infinity/);
    refuses(list([1], -Infinity), /^value\.tail is -Infinity/);
    refuses(new Map([['k', [NaN]]]), /^value\.get\("k"\)\[0\] is NaN/);
    refuses(new Map([[1n, NaN]]), /^value\.get\(1n\) is NaN/);
    refuses(new Map([[[1], NaN]]), /^value\.values\(\)\[0\] is NaN/);
    refuses(new Map([[() => 1, 1]]), /^value\.keys\(\)\[0\] is a function/);
    refuses(Object.create({ inherited: 1 }), /unusual prototype|instance of Object/);
  });

  test('pattern markers and type matchers outside patterns', () => {
    refuses([ANY], /^value\[0\] is the pattern marker ANY: only patterns can hold one$/);
    refuses({ x: Int }, /pattern marker Int/);
    refuses([String], /^value\[0\] is the type matcher String: only patterns/);
    refuses([Float], /type matcher Float/);
  });

  test('cycles', () => {
    const o = { a: { b: {} } };
    o.a.b.back = o.a;
    refuses(o, /^value\.a\.b\.back refers back to value\.a \(a cycle\): cannot be sent$/);
    const arr = [1];
    arr.push(arr);
    refuses(arr, /^value\[1\] refers back to value \(a cycle\)/);
    const m = new Map();
    m.set('self', m);
    refuses({ m }, /^value\.m\.get\("self"\) refers back to value\.m/);
    const l = list([1]);
    l.push(l);
    refuses(l, /refers back/);
    const shared = [1];
    assert.deepEqual(decode(bytes([shared, shared])), [[1], [1]]); // sharing is no cycle
  });

  test('nesting: 512 containers deep encode, 513 do not', () => {
    let ok = 0;
    for (let i = 0; i < MAX_DEPTH; i++) ok = [ok];
    assert.equal(termToBinary(ok).length, 1 + 2 * MAX_DEPTH + 2);
    refuses([ok], new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
    /* The path names the levels by count, not one by one. */
    assert.throws(() => termToBinary([ok]), (e) => e.message.length < 200 && /^value\[0\]\[0\].*…\(\d+ levels\)…/.test(e.message));
  });

  test('an options path names the value', () => {
    assert.throws(() => new Encoder().encode({ f() {} }, { path: 'message' }), /^TypeError: message\.f is a function/);
  });

  test('nothing is left behind: the encoder works on after a refusal', () => {
    const enc = new Encoder(16);
    assert.throws(() => enc.encode(['x'.repeat(100), () => 1]), TypeError);
    assert.deepEqual([...enc.encode(1)], [131, 97, 1]);
    assert.throws(() => termToBinary([1, Symbol()]), TypeError);
    assert.deepEqual(bytes([1]), [131, 104, 1, 97, 1]);
  });
});

describe('malformed input is refused with a TermError', () => {
  const samples = [
    [atom('ok'), 1],
    { key: list([1, 2.5, 'x'], atom('t')), n: -(2n ** 80n) },
    new Map([[Pid.local(1, 2), new Ref('a@b', 3, [1, 2, 3])], [1, new Uint8Array([255])]]),
    list([1, 2, 3]),
    atom('\u00e9\u{1F600}'),
    '\u4e2d\u6587',
    float(1),
    2 ** 40
  ];

  test('at every truncation point', () => {
    for (const v of samples) {
      const b = bytes(v);
      for (let n = 0; n < b.length; n++) malformed(b.slice(0, n), 'truncated');
    }
    malformed([], 'truncated');
    malformed([131], 'truncated');
  });

  test('bad version, unknown tags, bytes after the term', () => {
    malformed([130, 97, 1], 'badversion');
    malformed([0], 'badversion');
    for (const tag of [0, 82, 101, 102, 112, 113, 117, 255]) malformed([131, tag, 0, 0, 0, 0, 0], 'badtag');
    malformed([131, 97, 1, 0], 'badterm');
    malformed([131, 106, 106], 'badterm');
  });

  test('absurd lengths fail fast, allocating nothing', () => {
    const huge = [255, 255, 255, 255];
    malformed([131, 105, ...huge], 'truncated');
    malformed([131, 108, ...huge], 'truncated');
    malformed([131, 116, ...huge], 'truncated');
    malformed([131, 109, ...huge], 'truncated');
    malformed([131, 77, ...huge, 8], 'truncated');
    malformed([131, 111, ...huge, 0], 'truncated');
    malformed([131, 118, 255, 255], 'truncated');
    malformed([131, 107, 255, 255], 'truncated');
    malformed([131, 104, 255, 97, 1], 'truncated');
    malformed([131, 90, 255, 255], 'badterm');
  });

  test('nesting deeper than 512', () => {
    const nested = (n, open) => [131, ...Array(n).fill(open).flat(), 106];
    assert.doesNotThrow(() => decode(nested(MAX_DEPTH, [104, 1])));
    malformed(nested(MAX_DEPTH + 1, [104, 1]), 'toodeep');
    malformed(nested(MAX_DEPTH + 1, [108, 0, 0, 0, 1]), 'toodeep'); // found before the missing tails
  });

  test('deep nesting never overflows the stack', () => {
    for (const open of [[104, 1], [108, 0, 0, 0, 1], [116, 0, 0, 0, 1, 97, 1]]) {
      const arr = [131, ...Array(100000).fill(open).flat(), 106];
      malformed(arr, 'toodeep');
    }
  });

  test('invalid atoms', () => {
    malformed([131, 119, 2, 0xc3, 0x28], 'badutf8');
    malformed([131, 119, 2, 0xc0, 0x80], 'badutf8'); // overlong
    malformed([131, 119, 3, 0xed, 0xa0, 0x80], 'badutf8'); // a surrogate
    malformed([131, 119, 4, 0xf4, 0x90, 0x80, 0x80], 'badutf8'); // past U+10FFFF
    malformed([131, 118, 1, 0, ...Array(256).fill(97)], 'toobig'); // 256 characters
    malformed([131, 100, 1, 0, ...Array(256).fill(97)], 'toobig');
    assert.equal(decode([131, 118, 0, 255, ...Array(255).fill(97)]), 'a'.repeat(255));
  });

  test('other bad terms', () => {
    malformed([131, 70, ...f64(NaN)], 'badterm');
    malformed([131, 70, ...f64(Infinity)], 'badterm');
    malformed([131, 110, 1, 2, 5], 'badterm'); // sign 2
    malformed([131, 90, 0, 0, ...NODE, 0, 0, 0, 0], 'badterm'); // no ids
    malformed([131, 90, 0, 6, ...NODE, ...Array(28).fill(0)], 'badterm'); // six ids
    malformed([131, 88, 97, 1, ...Array(12).fill(0)], 'badterm'); // a node that is no atom
    malformed([131, 116, 0, 0, 0, 2, ...bin('a'), 97, 1, ...bin('a'), 97, 2], 'badterm'); // the same key twice
    malformed([131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 110, 1, 0, 1, 97, 2], 'badterm'); // 1 and a bignum 1
    malformed([131, 116, 0, 0, 0, 2, 100, 0, 1, 97, 97, 1, 119, 1, 97, 97, 2], 'badterm'); // latin-1 and UTF-8 'a'
  });

  test('FLOAT_EXT text', () => {
    const floatText = (s) => [131, 99, ...text(s), ...Array(31 - s.length).fill(0)];
    assert.equal(decode(floatText('1.50000000000000000000e+00')), 1.5);
    assert.equal(decode(floatText('-2.5')), -2.5);
    assert.ok(decode(floatText('1.00000000000000000000e+00'), { exact: true }) instanceof Float);
    malformed(floatText(''), 'badterm');
    malformed(floatText('1e5x'), 'badterm');
    malformed(floatText('abc'), 'badterm');
    malformed(floatText('1e999'), 'badterm');
    malformed(floatText('1.0e'), 'badterm');
    /* Digits on both sides of the point, as Erlang reads it. */
    for (const s of ['1', '1e5', '.5', '5.', '+.5', '-4']) malformed(floatText(s), 'badterm');
    assert.equal(decode(floatText('+00001.5E+05')), 150000);
  });

  test('compressed terms (term_to_binary(T, [compressed])) are inflated; damaged ones refused', () => {
    const erlang = new Uint8Array(Buffer.from('83500000002B789CCB66D048241200004F4F0FBC', 'hex')); // lists:duplicate(40, $a)
    assert.deepEqual(decode(erlang, { exact: true }), list(Array(40).fill(97)));
    const stored = [131, 80, 0, 0, 0, 16, 120, 1, 1, 16, 0, 239, 255, 104, 2, 119, 2, 111, 107, 109, 0, 0, 0, 5, 104, 101, 108, 108, 111, 33, 158, 4, 68];
    assert.deepEqual(decode(stored), ['ok', 'hello']);
    const damaged = (i, x) => {
      const b = Uint8Array.from(erlang);
      b[i] ^= x;
      return b;
    };
    malformed(damaged(erlang.length - 1, 1), 'badterm'); // the checksum
    malformed(damaged(5, 0x01), 'badterm'); // says 42 bytes, holds 43
    for (let n = 2; n < erlang.length; n++) assert.throws(() => decode(erlang.subarray(0, n)), TermError);
    malformed([131, 80, 0, 0, 0, 13, 120, 156, 11, 96, 96, 96, 96, 172, 152, 195, 204, 0, 162, 1, 12, 61, 1, 106], 'badtag'); // compressed twice
    malformed([131, 80, 0x10, 0, 0, 1, 120, 156, 3, 0, 0, 0, 0, 1], 'toobig');
  });

  test('PID_EXT and NEW_REFERENCE_EXT hold a creation of 0 to 3, as Erlang reads them', () => {
    const node = [100, 0, 8, ...text('other@ho')];
    const pid = (cre) => [131, 103, ...node, 0, 0, 0, 5, 0, 0, 0, 1, cre];
    const ref = (cre) => [131, 114, 0, 1, ...node, cre, 0, 0, 0, 5];
    assert.equal(decode(pid(3)).creation, 3);
    assert.equal(decode(ref(3)).creation, 3);
    malformed(pid(4), 'badterm');
    malformed(pid(129), 'badterm');
    malformed(ref(4), 'badterm');
  });

  test('random corruption: a value or a TermError, nothing else', () => {
    let seed = 12345;
    const rand = (n) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 4000; round++) {
      const b = bytes(samples[round % samples.length]);
      for (let k = 1 + rand(3); k > 0; k--) {
        const op = rand(3);
        const at = rand(b.length);
        if (op === 0) b[at] = rand(256);
        else if (op === 1) b.splice(at, 1);
        else b.splice(at, 0, rand(256));
      }
      try {
        decode(b);
        decode(b, { exact: true });
      } catch (e) {
        assert.ok(e instanceof TermError, `${e} for [${b}]`);
      }
    }
  });
});

describe('Encoder options', () => {
  test('bytesAsBitBinary: Uint8Arrays as whole-byte BIT_BINARY_EXT, strings as BINARY_EXT', () => {
    const enc = new Encoder();
    const b = [...enc.encode([new Uint8Array([104, 105]), 'hi'], { bytesAsBitBinary: true })];
    assert.deepEqual(b, [131, 104, 2, 77, 0, 0, 0, 2, 8, 104, 105, ...bin('hi')]);
    const back = decode(b);
    assert.ok(back[0] instanceof Uint8Array);
    assert.equal(back[1], 'hi');
    // Empty: 0 bits in the last byte (Erlang reads it as <<>>; it refuses 8).
    const empty = [...enc.encode(new Uint8Array(0), { bytesAsBitBinary: true })];
    assert.deepEqual(empty, [131, 77, 0, 0, 0, 0, 0]);
    assert.deepEqual(decode(empty), new Uint8Array(0));
    assert.deepEqual([...termToBinary(new Uint8Array(0))], [131, 109, 0, 0, 0, 0]);
    assert.deepEqual([...enc.encode(new Uint8Array([1]))], [131, 109, 0, 0, 0, 1, 1]);
  });

  test('the result is a view, valid until the next encode; the buffer grows', () => {
    const enc = new Encoder(16);
    const first = enc.encode(1);
    assert.deepEqual([...first], [131, 97, 1]);
    const long = 'x'.repeat(10000);
    assert.equal(decode([...enc.encode([long, long])])[1], long);
    assert.deepEqual([...enc.encode(list(Array(70000).fill(1)))].slice(0, 6), [131, 108, 0, 1, 17, 112]);
  });

  test('encodeLength writes into encoder.buffer and makes no view', () => {
    const enc = new Encoder(16);
    const n = enc.encodeLength([atom('ok'), 1]);
    assert.deepEqual([...enc.buffer.subarray(0, n)], [131, 104, 2, 119, 2, 111, 107, 97, 1]);
    // A huge value grows the buffer; the next call lets it go.
    enc.encodeLength('x'.repeat(2 << 20));
    assert.ok(enc.buffer.length > 2 << 20);
    assert.equal(enc.encodeLength(1), 3);
    assert.equal(enc.buffer.length, 16);
  });

  test('an encode inside an encode (a getter) gets its own buffer', () => {
    const enc = new Encoder();
    const inner = [];
    const v = {
      get x() {
        inner.push([...termToBinary('in')]);
        return 1;
      }
    };
    const shared = termToBinary({ y: v });
    assert.deepEqual(decode(shared), { y: { x: 1 } });
    assert.deepEqual(inner[0], [131, ...bin('in')]);
    assert.deepEqual(decode([...enc.encode(v)]), { x: 1 });
  });
});

describe('pattern mode', () => {
  const pat = (v, options = {}) => [...new Encoder().encode(v, { pattern: true, ...options })];
  const type = (name) => [104, 2, ...smallAtom('$fx_type'), ...smallAtom(name)];

  test('ANY, IGNORE (and _)', () => {
    assert.deepEqual(pat(ANY), [131, ...smallAtom('$fx_any')]);
    assert.deepEqual(pat(IGNORE), [131, ...smallAtom('$fx_ignore')]);
    assert.equal(_, IGNORE);
  });

  test('type matchers', () => {
    const types = [
      [String, 'text'], [Number, 'number'], [Int, 'integer'], [Float, 'float'], [Boolean, 'boolean'],
      [BigInt, 'integer'], [Object, 'map'], [Map, 'map'], [Array, 'tuple'], [List, 'list'], [Atom, 'atom'],
      [Uint8Array, 'bytes'], [Pid, 'pid'], [Ref, 'reference']
    ];
    for (const [t, name] of types) {
      assert.deepEqual(pat(t), [131, ...type(name)], name);
      assert.ok(isTypeMatcher(t));
    }
    assert.ok(!isTypeMatcher(Date));
    assert.ok(!isTypeMatcher(ANY));
  });

  test('tuples, lists and maps of patterns; literals as themselves', () => {
    assert.deepEqual(pat(['data', ANY]), [131, 104, 2, ...bin('data'), ...smallAtom('$fx_any')]);
    assert.deepEqual(pat(['msg', ['sub', Int]]), [131, 104, 2, ...bin('msg'), 104, 2, ...bin('sub'), ...type('integer')]);
    assert.deepEqual(pat({ k: ANY, a: 1 }), [131, 116, 0, 0, 0, 2, ...bin('a'), 97, 1, ...bin('k'), ...smallAtom('$fx_any')]);
    assert.deepEqual(pat(new Map([[1, String]])), [131, 116, 0, 0, 0, 1, 97, 1, ...type('text')]);
    assert.deepEqual(pat(list([ANY], IGNORE)), [131, 108, 0, 0, 0, 1, ...smallAtom('$fx_any'), ...smallAtom('$fx_ignore')]);
    assert.deepEqual(pat([123, true, null, float(2), 'ping']), bytes([123, true, null, float(2), 'ping']));
  });

  test("atoms named '$fx_…' are escaped as literals, except as map keys", () => {
    const lit = (name) => [104, 2, ...smallAtom('$fx_literal'), ...smallAtom(name)];
    assert.deepEqual(pat(atom('$fx_any')), [131, ...lit('$fx_any')]);
    assert.deepEqual(pat([atom('$fx_type'), 1]), [131, 104, 2, ...lit('$fx_type'), 97, 1]);
    assert.deepEqual(pat(atom('ok')), [131, ...smallAtom('ok')]);
    assert.deepEqual(pat(new Map([[atom('$fx_any'), 1]])), [131, 116, 0, 0, 0, 1, ...smallAtom('$fx_any'), 97, 1]);
    // Without pattern mode such an atom is just an atom.
    assert.deepEqual(bytes(atom('$fx_any')), [131, ...smallAtom('$fx_any')]);
  });

  test('markers cannot be map keys; bad values are still refused', () => {
    assert.throws(() => new Encoder().encode(new Map([[ANY, 1]]), { pattern: true }), /keys\(\)\[0\] is the pattern marker ANY/);
    assert.throws(() => new Encoder().encode([() => 1], { pattern: true }), /value\[0\] is a function/);
  });
});

describe('terms.js', () => {
  test('atoms are unique per name and frozen', () => {
    assert.equal(atom('ok'), atom('ok'));
    assert.equal(new Atom('ok'), atom('ok'));
    assert.ok(Object.isFrozen(atom('ok')));
    assert.equal(String(atom('ok')), 'ok');
    assert.throws(() => atom(1), TypeError);
    assert.throws(() => atom('x'.repeat(256)), TypeError);
    assert.doesNotThrow(() => atom('\u{1F600}'.repeat(255)));
    assert.throws(() => atom('\ud800'), TypeError);
  });

  test('markers are frozen and described', () => {
    for (const m of [ANY, IGNORE, Int]) assert.ok(Object.isFrozen(m));
    assert.equal(String(ANY), 'ANY');
    assert.equal(Int.description, 'Int');
  });
});
