/* zlib (RFC 1950) around DEFLATE (RFC 1951), decompression only: what
 * term_to_binary(T, [compressed]) writes after its tag 80. Synchronous
 * (binaryToTerm is), and small: Huffman codes are decoded a bit at a time
 * from their canonical counts, as zlib's puff does, which is plenty for
 * terms. Throws InflateError for a stream that is not well formed or that
 * does not come to exactly `size` bytes. */

export class InflateError extends Error {
  constructor(message, truncated = false) {
    super(message);
    this.truncated = truncated; // the input ended before the stream did
  }
}

const fail = (why) => {
  throw new InflateError(why);
};
const early = () => {
  throw new InflateError('the stream ends early', true);
};

/* Length and distance codes: base values and extra bits (RFC 1951 3.2.5). */
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/* The order code length code lengths come in (3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/* A canonical Huffman code from its symbols' code lengths: how many codes
 * of each length, and the symbols in code order; whether it is incomplete,
 * and if so whether it is the one incomplete code RFC 1951 allows (a
 * single code, of one bit). */
function huffman(lengths, n) {
  const count = new Uint16Array(16);
  for (let i = 0; i < n; i++) count[lengths[i]]++;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - count[len];
    if (left < 0) fail('an over-subscribed Huffman code');
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
  const symbol = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i] !== 0) symbol[offs[lengths[i]]++] = i;
  const single = count[0] + count[1] === n;
  count[0] = 0;
  return { count, symbol, incomplete: left > 0, single };
}

let FIXED = null;
function fixedCodes() {
  if (FIXED === null) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    FIXED = { lit: huffman(l, 288), dist: huffman(new Uint8Array(30).fill(5), 30) };
  }
  return FIXED;
}

class Inflater {
  constructor(bytes, start, end, size) {
    this.b = bytes;
    this.p = start;
    this.end = end;
    this.bitbuf = 0;
    this.bitcnt = 0;
    this.size = size;
    /* Grown as bytes come: the size is the input's word, not yet its bytes. */
    this.out = new Uint8Array(Math.min(size, 65536));
    this.n = 0;
  }

  /* Room for k more bytes, within the size the term gave. */
  room(k) {
    const need = this.n + k;
    if (need > this.size) fail('more bytes than the term says it has');
    if (need > this.out.length) {
      const grown = new Uint8Array(Math.min(this.size, Math.max(need, this.out.length * 2)));
      grown.set(this.out.subarray(0, this.n));
      this.out = grown;
    }
  }

  bits(need) {
    let val = this.bitbuf;
    while (this.bitcnt < need) {
      if (this.p >= this.end) early();
      val |= this.b[this.p++] << this.bitcnt;
      this.bitcnt += 8;
    }
    this.bitbuf = val >>> need;
    this.bitcnt -= need;
    return val & ((1 << need) - 1);
  }

  /* One symbol of code h: its bits come most significant first. */
  decode(h) {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail('a code past the Huffman table');
  }

  put(byte) {
    if (this.n >= this.out.length) this.room(1);
    this.out[this.n++] = byte;
  }

  stored() {
    this.bitbuf = 0;
    this.bitcnt = 0;
    if (this.p + 4 > this.end) early();
    const b = this.b;
    const len = b[this.p] | (b[this.p + 1] << 8);
    const nlen = b[this.p + 2] | (b[this.p + 3] << 8);
    this.p += 4;
    if (len !== (~nlen & 0xffff)) fail('a stored block whose length does not check');
    if (this.p + len > this.end) early();
    this.room(len);
    this.out.set(b.subarray(this.p, this.p + len), this.n);
    this.n += len;
    this.p += len;
  }

  codes(lit, dist) {
    for (;;) {
      const sym = this.decode(lit);
      if (sym < 256) {
        this.put(sym);
        continue;
      }
      if (sym === 256) return;
      const li = sym - 257;
      if (li >= 29) fail('a length code past 285');
      const len = LEN_BASE[li] + this.bits(LEN_EXTRA[li]);
      const di = this.decode(dist);
      if (di >= 30) fail('a distance code past 29');
      const d = DIST_BASE[di] + this.bits(DIST_EXTRA[di]);
      if (d > this.n) fail('a distance back past the start');
      this.room(len);
      const out = this.out;
      for (let i = 0; i < len; i++, this.n++) out[this.n] = out[this.n - d];
    }
  }

  dynamic() {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) fail('too many length or distance codes');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CLEN_ORDER[i]] = this.bits(3);
    const clen = huffman(lengths, 19);
    if (clen.incomplete) fail('an incomplete code length code');
    lengths.fill(0);
    for (let i = 0; i < nlen + ndist; ) {
      const sym = this.decode(clen);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let len = 0;
      let reps;
      if (sym === 16) {
        if (i === 0) fail('a repeat with nothing to repeat');
        len = lengths[i - 1];
        reps = 3 + this.bits(2);
      } else if (sym === 17) reps = 3 + this.bits(3);
      else reps = 11 + this.bits(7);
      if (i + reps > nlen + ndist) fail('code lengths past their count');
      while (reps--) lengths[i++] = len;
    }
    if (lengths[256] === 0) fail('no end-of-block code');
    const lit = huffman(lengths, nlen);
    if (lit.incomplete && !lit.single) fail('an incomplete literal/length code');
    const dist = huffman(lengths.subarray(nlen), ndist);
    if (dist.incomplete && !dist.single) fail('an incomplete distance code');
    this.codes(lit, dist);
  }

  run() {
    let last;
    do {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(fixedCodes().lit, fixedCodes().dist);
      else if (type === 2) this.dynamic();
      else fail('a block of type 3');
    } while (!last);
  }
}

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    const stop = Math.min(bytes.length, i + 5552); // sums stay exact in 32 bits
    for (; i < stop; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The `size` bytes the zlib stream in bytes[start, end) holds; it must
 * hold exactly those and end at `end`. */
export function inflate(bytes, start, end, size) {
  if (end - start < 6) early();
  const cmf = bytes[start];
  const flg = bytes[start + 1];
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) fail('not a zlib stream of DEFLATE');
  if (flg & 32) fail('a zlib stream with a preset dictionary');
  const inf = new Inflater(bytes, start + 2, end - 4, size);
  inf.run();
  if (inf.n !== size) fail(`${inf.n} bytes where the term says ${size}`);
  if (inf.p !== end - 4) fail('bytes after the stream');
  const sum = ((bytes[end - 4] << 24) | (bytes[end - 3] << 16) | (bytes[end - 2] << 8) | bytes[end - 1]) >>> 0;
  if (sum !== adler32(inf.out)) fail('its checksum does not match');
  return inf.out;
}
