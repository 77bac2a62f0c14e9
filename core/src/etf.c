/* The External Term Format (version 131), as OTP 25 writes it with
 * term_to_binary(T, [{minor_version, 2}]).
 *
 * Encoding walks the term once; the same walk, with no buffer, computes the
 * size, so fx_etf_encoded_size and fx_etf_encode cannot disagree.
 *
 * Decoding is one parser run in two modes. Measuring (no runtime to intern
 * into, no words to build into) validates the input and counts the words a
 * copy needs; building does the same checks again, because decode_into may
 * be handed bytes nobody measured, and writes the term. Both modes bound
 * every read by the input and every write by the words given.
 *
 * Recursion happens once per nesting level, never once per list element:
 * list elements and list tails that are lists again are decoded in a loop.
 * Nesting is bounded (FX_ETF_MAX_DEPTH), and so is the stack.
 *
 * Depth, precisely: a container (tuple, map, or non-empty list) has depth 1
 * plus the number of containers around it. A term whose containers reach
 * depth FX_ETF_MAX_DEPTH is accepted, one more level is FX_ETOODEEP. So 512
 * nested tuples decode (whatever the innermost holds), 513 do not. The
 * encoder applies the same limit, so whatever it writes decodes.
 *
 * What is refused, beyond truncation and bad lengths: tags for types fauxtp
 * has no term for (funs, ports, bitstrings: FX_EBADTAG), compressed terms
 * (FX_EBADTAG: fx_etf_inflate, in inflate.c, makes them plain first),
 * NaN and infinities (Erlang has none: FX_EBADTERM), bytes after the term
 * (FX_EBADTERM; binary_to_term/1 would ignore them), and map keys that are
 * equal. Equal keys can only be recognised once the keys are terms (1 and
 * <<98,0,0,0,1>> are the same key), so that check runs when the map is
 * built, not when measuring: fx_etf_decode_into can return FX_EBADTERM for
 * input fx_etf_measure accepted, and fx_etf_decode then releases the heap
 * to where it was (heap.c may keep a first chunk for reuse). */
#include <math.h>
#include <stdlib.h>

#include "fx_runtime.h"

enum etf_tag {
  ETF_NEW_FLOAT = 70,
  ETF_NEW_PID = 88,
  ETF_NEWER_REF = 90,
  ETF_SMALL_INT = 97,
  ETF_INT = 98,
  ETF_FLOAT = 99, /* legacy: the float as 31 bytes of text */
  ETF_ATOM = 100, /* legacy: latin-1 */
  ETF_PID = 103,  /* legacy: 8-bit creation */
  ETF_SMALL_TUPLE = 104,
  ETF_LARGE_TUPLE = 105,
  ETF_NIL = 106,
  ETF_STRING = 107,
  ETF_LIST = 108,
  ETF_BINARY = 109,
  ETF_BIT_BINARY = 77, /* only whole bytes: bytes from a host */
  ETF_SMALL_BIG = 110,
  ETF_LARGE_BIG = 111,
  ETF_NEW_REF = 114,    /* legacy: 8-bit creation */
  ETF_SMALL_ATOM = 115, /* legacy: latin-1 */
  ETF_MAP = 116,
  ETF_ATOM_UTF8 = 118,
  ETF_SMALL_ATOM_UTF8 = 119
};

/* Longest list of bytes Erlang writes as STRING_EXT. */
#define ETF_MAX_STRING 65535u
/* Erlang refs carry 1 to 5 id words (3 for make_ref(), 5 for pid refs). */
#define ETF_MAX_REF_IDS 5u
/* Payload words of the boxes whose header size is not a count (their
 * header's size field is 0, as term.c writes it). */
#define FLOAT_WORDS 1u
#define EXTPID_WORDS 3u

/* ======================================================================
 * Encoding
 * ==================================================================== */

/* An output cursor. With buf NULL it only counts; once a write would pass
 * cap, err is set and the walk stops. */
typedef struct enc {
  const fx_runtime_t *rt;
  uint8_t *buf;
  size_t cap, pos;
  int err;
} enc_t;

static void put(enc_t *e, const void *src, size_t n) {
  if (e->err) return;
  if (n > SIZE_MAX - e->pos) { /* only a 32-bit size_t can get here */
    e->err = FX_ETOOBIG;
    return;
  }
  if (e->buf) {
    if (n > e->cap - e->pos) {
      e->err = FX_ENOSPACE;
      return;
    }
    if (n) memcpy(e->buf + e->pos, src, n);
  }
  e->pos += n;
}

static void put_u8(enc_t *e, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(e, &b, 1);
}

static void put_u16(enc_t *e, uint32_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  put(e, b, 2);
}

static void put_u32(enc_t *e, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put(e, b, 4);
}

static void put_u64(enc_t *e, uint64_t v) {
  put_u32(e, (uint32_t)(v >> 32));
  put_u32(e, (uint32_t)v);
}

static int enc_term(enc_t *e, fx_term_t t, unsigned depth);

static int enc_atom(enc_t *e, fx_term_t a) {
  size_t len;
  const char *text = fx_atom_text(e->rt, a, &len);
  if (!text) return FX_EBADTERM;
  if (len < 256) {
    put_u8(e, ETF_SMALL_ATOM_UTF8);
    put_u8(e, (unsigned)len);
  } else {
    put_u8(e, ETF_ATOM_UTF8);
    put_u16(e, (uint32_t)len); /* at most 255 chars of 4 bytes */
  }
  put(e, text, len);
  return e->err;
}

/* An integer given as sign and magnitude, in its smallest form. */
static void enc_uint(enc_t *e, int negative, uint64_t mag) {
  if (mag == 0) negative = 0; /* a bignum box could say -0 */
  if (!negative && mag <= 255) {
    put_u8(e, ETF_SMALL_INT);
    put_u8(e, (unsigned)mag);
  } else if (negative ? mag <= UINT64_C(0x80000000) : mag <= UINT64_C(0x7fffffff)) {
    put_u8(e, ETF_INT);
    put_u32(e, negative ? (uint32_t)(0u - (uint32_t)mag) : (uint32_t)mag);
  } else {
    unsigned n = 0;
    uint8_t bytes[8];
    for (; mag; mag >>= 8) bytes[n++] = (uint8_t)mag;
    put_u8(e, ETF_SMALL_BIG);
    put_u8(e, n);
    put_u8(e, negative ? 1 : 0);
    put(e, bytes, n);
  }
}

static void enc_small(enc_t *e, int64_t v) {
  enc_uint(e, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* Bignum limbs are little-endian, as SMALL_BIG_EXT's bytes are. */
static int enc_bignum(enc_t *e, fx_term_t t) {
  const uint64_t *limbs = fx_box_ptr(t) + 1;
  size_t n = (size_t)fx_box_size(t);
  int negative = fx_box_kind(t) == FX_BOX_BIGNEG;
  while (n && limbs[n - 1] == 0) n--; /* canonical bignums have none */
  if (n <= 1) {
    enc_uint(e, negative, n ? limbs[0] : 0);
    return e->err;
  }
  size_t bytes = (n - 1) * 8;
  for (uint64_t top = limbs[n - 1]; top; top >>= 8) bytes++;
  if (bytes > UINT32_MAX) return FX_ETOOBIG;
  if (bytes < 256) {
    put_u8(e, ETF_SMALL_BIG);
    put_u8(e, (unsigned)bytes);
  } else {
    put_u8(e, ETF_LARGE_BIG);
    put_u32(e, (uint32_t)bytes);
  }
  put_u8(e, negative ? 1 : 0);
  for (size_t i = 0; i < bytes && !e->err; i++) put_u8(e, (unsigned)(limbs[i / 8] >> (8 * (i % 8))));
  return e->err;
}

static int enc_float(enc_t *e, fx_term_t t) {
  double d = fx_float_value(t);
  if (!isfinite(d)) return FX_EBADTERM; /* Erlang has no NaN or infinity */
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  put_u8(e, ETF_NEW_FLOAT);
  put_u64(e, bits);
  return e->err;
}

static int enc_binary(enc_t *e, fx_term_t t) {
  size_t n = fx_binary_size(t);
  if (n > UINT32_MAX) return FX_ETOOBIG;
  /* A host's bytes go out as a whole-byte BIT_BINARY_EXT, which Erlang
   * reads as the same binary and the host reads back as bytes (no bytes
   * at all: 0 bits in the last byte, the form Erlang accepts for <<>>). */
  int bytes = fx_binary_is_bytes(t);
  put_u8(e, bytes ? ETF_BIT_BINARY : ETF_BINARY);
  put_u32(e, (uint32_t)n);
  if (bytes) put_u8(e, n ? 8 : 0);
  put(e, fx_binary_data(t), n);
  return e->err;
}

static int enc_tuple(enc_t *e, fx_term_t t, unsigned depth) {
  size_t n = fx_tuple_arity(t);
  if (n < 256) {
    put_u8(e, ETF_SMALL_TUPLE);
    put_u8(e, (unsigned)n);
  } else {
    if (n > UINT32_MAX) return FX_ETOOBIG;
    put_u8(e, ETF_LARGE_TUPLE);
    put_u32(e, (uint32_t)n);
  }
  for (size_t i = 0; i < n && !e->err; i++) {
    int err = enc_term(e, fx_tuple_get(t, i), depth + 1);
    if (err) return err;
  }
  return e->err;
}

/* Pairs go out in the box's order, which is map-key order: the order OTP 25
 * writes maps of up to 32 keys in. */
static int enc_map(enc_t *e, fx_term_t t, unsigned depth) {
  size_t n = fx_map_size(t);
  if (n > UINT32_MAX) return FX_ETOOBIG;
  put_u8(e, ETF_MAP);
  put_u32(e, (uint32_t)n);
  for (size_t i = 0; i < n && !e->err; i++) {
    int err = enc_term(e, fx_map_key(t, i), depth + 1);
    if (!err) err = enc_term(e, fx_map_value(t, i), depth + 1);
    if (err) return err;
  }
  return e->err;
}

static int is_byte(fx_term_t t) {
  return fx_is_small(t) && fx_small_value(t) >= 0 && fx_small_value(t) <= 255;
}

/* Erlang writes a proper list of at most 65535 bytes as STRING_EXT, every
 * other list as LIST_EXT: its cells' heads, then its tail. */
static int enc_list(enc_t *e, fx_term_t t, unsigned depth) {
  size_t n = 0;
  int bytes = 1;
  fx_term_t p = t;
  for (; fx_is_cons(p); p = fx_tail(p)) {
    n++;
    if (bytes && !is_byte(fx_head(p))) bytes = 0;
  }
  if (bytes && p == FX_NIL && n <= ETF_MAX_STRING) {
    put_u8(e, ETF_STRING);
    put_u16(e, (uint32_t)n);
    for (p = t; fx_is_cons(p) && !e->err; p = fx_tail(p)) put_u8(e, (unsigned)fx_small_value(fx_head(p)));
    return e->err;
  }
  if (n > UINT32_MAX) return FX_ETOOBIG;
  put_u8(e, ETF_LIST);
  put_u32(e, (uint32_t)n);
  for (p = t; fx_is_cons(p) && !e->err; p = fx_tail(p)) {
    int err = enc_term(e, fx_head(p), depth + 1);
    if (err) return err;
  }
  if (e->err) return e->err;
  return enc_term(e, p, depth + 1);
}

static int enc_pid(enc_t *e, fx_term_t node, uint32_t id, uint32_t serial, uint32_t creation) {
  put_u8(e, ETF_NEW_PID);
  int err = enc_atom(e, node);
  if (err) return err;
  put_u32(e, id);
  put_u32(e, serial);
  put_u32(e, creation);
  return e->err;
}

static int enc_extpid(enc_t *e, fx_term_t t) {
  const uint64_t *p = fx_box_ptr(t);
  if (!fx_is_atom(p[1])) return FX_EBADTERM;
  return enc_pid(e, p[1], (uint32_t)p[2], (uint32_t)(p[2] >> 32), (uint32_t)p[3]);
}

static int enc_ref(enc_t *e, fx_term_t t) {
  const uint64_t *p = fx_box_ptr(t);
  size_t n = (size_t)fx_box_size(t);
  if (n == 0 || n > ETF_MAX_REF_IDS || !fx_is_atom(p[1])) return FX_EBADTERM;
  put_u8(e, ETF_NEWER_REF);
  put_u16(e, (uint32_t)n);
  int err = enc_atom(e, p[1]);
  if (err) return err;
  put_u32(e, (uint32_t)p[2]);
  for (size_t i = 0; i < n; i++) put_u32(e, fx__ref_id(t, i));
  return e->err;
}

static int enc_boxed(enc_t *e, fx_term_t t, unsigned depth) {
  switch (fx_box_kind(t)) {
  case FX_BOX_TUPLE: return enc_tuple(e, t, depth);
  case FX_BOX_FLOAT: return enc_float(e, t);
  case FX_BOX_BIGPOS:
  case FX_BOX_BIGNEG: return enc_bignum(e, t);
  case FX_BOX_BINARY: return enc_binary(e, t);
  case FX_BOX_MAP: return enc_map(e, t, depth);
  case FX_BOX_REF: return enc_ref(e, t);
  case FX_BOX_EXTPID: return enc_extpid(e, t);
  }
  return FX_EBADTERM;
}

/* depth: the containers around t. */
static int enc_term(enc_t *e, fx_term_t t, unsigned depth) {
  if (e->err) return e->err;
  if ((fx_is_cons(t) || fx_is_tuple(t) || fx_is_map(t)) && depth >= FX_ETF_MAX_DEPTH) return FX_ETOODEEP;
  switch (fx_tag(t)) {
  case FX_TAG_SMALL: enc_small(e, fx_small_value(t)); return e->err;
  case FX_TAG_ATOM: return enc_atom(e, t);
  case FX_TAG_PID: {
    fx_pid_t pid = fx_term_pid(t);
    return enc_pid(e, fx__node(e->rt), fx_pid_index(pid), fx_pid_gen(pid), fx__creation(e->rt));
  }
  case FX_TAG_NIL:
    if (t != FX_NIL) return FX_EBADTERM;
    put_u8(e, ETF_NIL);
    return e->err;
  case FX_TAG_LIST: return enc_list(e, t, depth);
  case FX_TAG_BOXED:
    if (t == FX_NONE) return FX_EBADTERM;
    return enc_boxed(e, t, depth);
  }
  return FX_EBADTERM;
}

static int enc_top(enc_t *e, fx_term_t t) {
  put_u8(e, FX_ETF_VERSION);
  int err = enc_term(e, t, 0);
  return err ? err : e->err;
}

int fx_etf_encoded_size(const fx_runtime_t *rt, fx_term_t t, size_t *out) {
  if (!rt || !out) return FX_EINVAL;
  enc_t e = {rt, NULL, 0, 0, 0};
  int err = enc_top(&e, t);
  if (err) return err;
  *out = e.pos;
  return FX_OK;
}

int fx_etf_encode(const fx_runtime_t *rt, fx_term_t t, uint8_t *buf, size_t cap, size_t *len) {
  if (!rt || !len || (!buf && cap)) return FX_EINVAL;
  if (!buf) return FX_ENOSPACE; /* every encoding has at least two bytes */
  enc_t e = {rt, buf, cap, 0, 0};
  int err;
  if (fx_is_small(t)) { /* the commonest message: an int32 written in line, others straight to their encoder */
    int64_t v = fx_small_value(t);
    if (v >= 0 && v <= 255 && cap >= 3) {
      buf[0] = FX_ETF_VERSION;
      buf[1] = ETF_SMALL_INT;
      buf[2] = (uint8_t)v;
      *len = 3;
      return FX_OK;
    }
    if (v >= INT32_MIN && v <= INT32_MAX && cap >= 6) {
      uint32_t u = (uint32_t)v;
      uint8_t head[6] = {FX_ETF_VERSION, ETF_INT, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
      memcpy(buf, head, sizeof head);
      *len = 6;
      return FX_OK;
    }
    put_u8(&e, FX_ETF_VERSION);
    enc_small(&e, fx_small_value(t));
    err = e.err;
  } else {
    err = enc_top(&e, t);
  }
  if (err) return err;
  *len = e.pos;
  return FX_OK;
}

/* ======================================================================
 * Decoding
 * ==================================================================== */

/* The parser's state. `build` is NULL when measuring: then nothing is
 * interned or written, and `used` only counts. */
typedef struct dec {
  const fx_runtime_t *rt;
  fx_runtime_t *build;
  const uint8_t *p, *end;
  uint64_t *words;
  size_t nwords, used;
  fx_term_t sink; /* where a measuring pass "stores" terms */
  char latin1[2 * FX_MAX_ATOM_CHARS]; /* a legacy atom, converted to UTF-8 */
} dec_t;

static size_t left(const dec_t *d) { return (size_t)(d->end - d->p); }

static int need(const dec_t *d, size_t n) { return left(d) < n ? FX_ETRUNCATED : FX_OK; }

/* Readers: callers check need() first. */
static uint8_t get_u8(dec_t *d) { return *d->p++; }

static uint32_t get_u16(dec_t *d) {
  uint32_t v = (uint32_t)d->p[0] << 8 | d->p[1];
  d->p += 2;
  return v;
}

static uint32_t get_u32(dec_t *d) {
  uint32_t v = (uint32_t)d->p[0] << 24 | (uint32_t)d->p[1] << 16 | (uint32_t)d->p[2] << 8 | d->p[3];
  d->p += 4;
  return v;
}

static int64_t get_i32(dec_t *d) {
  uint32_t u = get_u32(d);
  return u < UINT32_C(0x80000000) ? (int64_t)u : (int64_t)u - (INT64_C(1) << 32);
}

static uint64_t get_u64(dec_t *d) {
  uint64_t hi = get_u32(d);
  return hi << 32 | get_u32(d);
}

/* Reserves n words of output: *out is where to build them, NULL when
 * measuring. */
static int take(dec_t *d, size_t n, uint64_t **out) {
  *out = NULL;
  if (d->build) {
    if (n > d->nwords - d->used) return FX_ENOSPACE;
    if (d->words) *out = d->words + d->used; /* words is NULL only if n is 0 */
  } else if (n > SIZE_MAX / 8 - d->used) {
    return FX_ETOOBIG; /* more than the address space: only on 32 bits */
  }
  d->used += n;
  return FX_OK;
}

/* Where element i of a reserved block goes; the sink when measuring. */
static fx_term_t *slot(dec_t *d, uint64_t *block, size_t i) { return block ? &block[i] : &d->sink; }

/* A count read from the input: every counted item takes at least
 * `min_bytes` more input, so a count the rest of the input cannot hold is
 * truncation, found before anything is reserved. */
static int check_count(const dec_t *d, uint64_t n, size_t min_bytes) {
  if (n > left(d) / min_bytes) return FX_ETRUNCATED;
  if (n > FX_ETF_MAX_COUNT) return FX_ETOOBIG;
  return FX_OK;
}

static int dec_term(dec_t *d, unsigned depth, fx_term_t *out);

/* ---- atoms ---- */

static int is_atom_tag(unsigned tag) {
  return tag == ETF_ATOM || tag == ETF_SMALL_ATOM || tag == ETF_ATOM_UTF8 || tag == ETF_SMALL_ATOM_UTF8;
}

/* Reads an atom's text (the tag already read) and validates it. The text
 * points into the input, or into d->latin1 for the legacy latin-1 tags.
 * *known is the atom when the table has its text already (then it needs
 * no check and no interning), else FX_NONE. */
static int read_atom_text(dec_t *d, unsigned tag, const char **text, size_t *len, fx_term_t *known) {
  int small = tag == ETF_SMALL_ATOM || tag == ETF_SMALL_ATOM_UTF8;
  int err = need(d, small ? 1 : 2);
  if (err) return err;
  size_t n = small ? get_u8(d) : get_u16(d);
  if ((err = need(d, n))) return err;
  const uint8_t *src = d->p;
  d->p += n;
  if (tag == ETF_ATOM_UTF8 || tag == ETF_SMALL_ATOM_UTF8) {
    *text = (const char *)src;
    *len = n;
    return fx__atom_checked(d->rt, *text, n, known);
  }
  *known = FX_NONE;
  if (n > FX_MAX_ATOM_CHARS) return FX_ETOOBIG; /* one latin-1 byte, one char */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (src[i] < 0x80) {
      d->latin1[k++] = (char)src[i];
    } else { /* U+0080..U+00FF: two bytes */
      d->latin1[k++] = (char)(0xc0 | src[i] >> 6);
      d->latin1[k++] = (char)(0x80 | (src[i] & 0x3f));
    }
  }
  *text = d->latin1;
  *len = k;
  return FX_OK;
}

static int intern(dec_t *d, const char *text, size_t len, fx_term_t known, fx_term_t *out) {
  if (!d->build) return FX_OK;
  if (known != FX_NONE) {
    *out = known;
    return FX_OK;
  }
  return fx_atom(d->build, text, len, out);
}

static int dec_atom(dec_t *d, unsigned tag, fx_term_t *out) {
  const char *text;
  size_t len;
  fx_term_t known;
  int err = read_atom_text(d, tag, &text, &len, &known);
  return err ? err : intern(d, text, len, known, out);
}

/* A pid's or ref's node: an atom, whose text is left for the caller to
 * compare with this runtime's node before interning it. */
static int read_node(dec_t *d, const char **text, size_t *len, fx_term_t *known) {
  int err = need(d, 1);
  if (err) return err;
  unsigned tag = get_u8(d);
  if (!is_atom_tag(tag)) return FX_EBADTERM;
  return read_atom_text(d, tag, text, len, known);
}

/* ---- numbers ---- */

/* SMALL_BIG_EXT / LARGE_BIG_EXT: sign byte, then little-endian magnitude
 * bytes. A value that fits a small integer becomes one, whatever form it
 * came in; a bignum keeps no high zero bytes. */
static int dec_big(dec_t *d, unsigned tag, fx_term_t *out) {
  int err = need(d, tag == ETF_SMALL_BIG ? 2 : 5);
  if (err) return err;
  size_t n = tag == ETF_SMALL_BIG ? get_u8(d) : get_u32(d);
  unsigned sign = get_u8(d);
  if ((err = need(d, n))) return err;
  if (n > FX_ETF_MAX_COUNT) return FX_ETOOBIG;
  if (sign > 1) return FX_EBADTERM;
  const uint8_t *mag = d->p;
  d->p += n;
  while (n && mag[n - 1] == 0) n--;
  if (n <= 8) {
    uint64_t m = 0;
    for (size_t i = n; i-- > 0;) m = m << 8 | mag[i];
    if (sign ? m <= (uint64_t)FX_SMALL_MAX + 1 : m <= (uint64_t)FX_SMALL_MAX) {
      *out = fx_small(sign ? -(int64_t)m : (int64_t)m); /* m <= 2^60 */
      return FX_OK;
    }
  }
  size_t limbs = (n + 7) / 8;
  uint64_t *box;
  if ((err = take(d, 1 + limbs, &box))) return err;
  if (!box) return FX_OK;
  box[0] = fx__header(sign ? FX_BOX_BIGNEG : FX_BOX_BIGPOS, limbs);
  memset(box + 1, 0, limbs * 8);
  for (size_t i = 0; i < n; i++) box[1 + i / 8] |= (uint64_t)mag[i] << (8 * (i % 8));
  *out = fx__box(box);
  return FX_OK;
}

static int make_float(dec_t *d, double v, fx_term_t *out) {
  if (!isfinite(v)) return FX_EBADTERM;
  uint64_t *box;
  int err = take(d, 1 + FLOAT_WORDS, &box);
  if (err || !box) return err;
  box[0] = fx__header(FX_BOX_FLOAT, 0);
  memcpy(&box[1], &v, sizeof v);
  *out = fx__box(box);
  return FX_OK;
}

static int dec_new_float(dec_t *d, fx_term_t *out) {
  int err = need(d, 8);
  if (err) return err;
  uint64_t bits = get_u64(d);
  double v;
  memcpy(&v, &bits, sizeof v);
  return make_float(d, v, out);
}

/* Digits from s on; how many. */
static size_t digits(const char *s) { return strspn(s, "0123456789"); }

/* A float's text as Erlang reads FLOAT_EXT: [+-]D.D, then [eE][+-]D, with
 * digits on both sides of the point ("1", "1e5", ".5", "5." are not). */
static bool float_text(const char *s) {
  if (*s == '+' || *s == '-') s++;
  size_t n = digits(s);
  if (!n || s[n] != '.') return false;
  s += n + 1;
  if (!(n = digits(s))) return false;
  s += n;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!(n = digits(s))) return false;
    s += n;
  }
  return *s == 0;
}

/* FLOAT_EXT: "%.20e" text, NUL-padded to 31 bytes. As Erlang does, the text
 * ends at the first NUL and must be a float in full. strtod reads it, so a
 * host that changes LC_NUMERIC breaks this legacy form (only this one). */
static int dec_old_float(dec_t *d, fx_term_t *out) {
  int err = need(d, 31);
  if (err) return err;
  char text[32];
  memcpy(text, d->p, 31);
  text[31] = 0;
  d->p += 31;
  size_t n = strlen(text);
  if (!float_text(text)) return FX_EBADTERM;
  char *end;
  double v = strtod(text, &end);
  if (end != text + n) return FX_EBADTERM;
  return make_float(d, v, out);
}

/* ---- binaries, pids, refs ---- */

static int dec_binary(dec_t *d, unsigned tag, fx_term_t *out) {
  int err = need(d, tag == ETF_BIT_BINARY ? 5 : 4);
  if (err) return err;
  size_t n = get_u32(d);
  /* Whole bytes only (8 bits in the last one; 0 when there are none): no
   * real bitstrings. */
  if (tag == ETF_BIT_BINARY && *d->p++ != (n ? 8 : 0)) return FX_EBADTAG;
  if ((err = need(d, n))) return err;
  if (n > FX_ETF_MAX_COUNT) return FX_ETOOBIG;
  const uint8_t *src = d->p;
  d->p += n;
  uint64_t *box;
  size_t nw = fx__binary_words(n);
  if ((err = take(d, 1 + nw, &box)) || !box) return err;
  box[0] = fx__header(FX_BOX_BINARY, n) | (tag == ETF_BIT_BINARY ? FX_BOX_FLAG_BYTES : 0);
  if (nw) box[nw] = 0; /* no stray bytes after the data */
  if (n) memcpy(box + 1, src, n);
  *out = fx__box(box);
  return FX_OK;
}

/* Looked up per pid or ref, not per decode: most terms have none. */
static int is_this_node(const dec_t *d, const char *text, size_t len, uint32_t creation) {
  size_t node_len = 0;
  const char *node = fx_atom_text(d->rt, fx__node(d->rt), &node_len);
  return node && len == node_len && memcmp(text, node, len) == 0 && creation == fx__creation(d->rt);
}

/* NEW_PID_EXT / PID_EXT: this runtime's own pids come back as local pid
 * terms, any other node's as FX_BOX_EXTPID. */
static int dec_pid(dec_t *d, unsigned tag, fx_term_t *out) {
  const char *node;
  size_t len;
  fx_term_t known;
  int err = read_node(d, &node, &len, &known);
  if (err || (err = need(d, tag == ETF_NEW_PID ? 12 : 9))) return err;
  uint32_t id = get_u32(d), serial = get_u32(d);
  uint32_t creation = tag == ETF_NEW_PID ? get_u32(d) : get_u8(d);
  if (tag != ETF_NEW_PID && creation > 3) return FX_EBADTERM; /* PID_EXT's creation is 2 bits, as Erlang reads it */
  if (is_this_node(d, node, len, creation) && serial <= FX_PID_MAX_GEN) {
    *out = fx_pid_term(fx_pid_make(id, serial));
    return FX_OK;
  }
  fx_term_t atom = FX_NONE;
  uint64_t *box;
  if ((err = take(d, 1 + EXTPID_WORDS, &box)) || !box) return err;
  if ((err = intern(d, node, len, known, &atom))) return err;
  box[0] = fx__header(FX_BOX_EXTPID, 0);
  box[1] = atom;
  box[2] = (uint64_t)serial << 32 | id;
  box[3] = creation;
  *out = fx__box(box);
  return FX_OK;
}

/* NEWER_REFERENCE_EXT / NEW_REFERENCE_EXT: u16 id count, node, creation,
 * ids. Stored as node, creation, then the ids packed two a word. */
static int dec_ref(dec_t *d, unsigned tag, fx_term_t *out) {
  int err = need(d, 2);
  if (err) return err;
  size_t n = get_u16(d);
  if (n == 0 || n > ETF_MAX_REF_IDS) return FX_EBADTERM;
  const char *node;
  size_t len;
  fx_term_t known;
  if ((err = read_node(d, &node, &len, &known))) return err;
  if ((err = need(d, (tag == ETF_NEWER_REF ? 4 : 1) + 4 * n))) return err;
  uint32_t creation = tag == ETF_NEWER_REF ? get_u32(d) : get_u8(d);
  if (tag != ETF_NEWER_REF && creation > 3) return FX_EBADTERM; /* as PID_EXT's */
  const uint8_t *ids = d->p;
  d->p += 4 * n;
  uint64_t *box;
  fx_term_t atom = FX_NONE;
  if ((err = take(d, 1 + fx__ref_words(n), &box)) || !box) return err;
  if ((err = intern(d, node, len, known, &atom))) return err;
  box[0] = fx__header(FX_BOX_REF, n);
  box[1] = atom;
  box[2] = creation;
  memset(box + 3, 0, (fx__ref_words(n) - 2) * 8);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *b = ids + 4 * i;
    uint64_t id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    box[3 + i / 2] |= id << (32 * (i % 2));
  }
  *out = fx__box(box);
  return FX_OK;
}

/* ---- containers ---- */

static int dec_tuple(dec_t *d, unsigned tag, unsigned depth, fx_term_t *out) {
  int err = need(d, tag == ETF_SMALL_TUPLE ? 1 : 4);
  if (err) return err;
  size_t n = tag == ETF_SMALL_TUPLE ? get_u8(d) : get_u32(d);
  uint64_t *box;
  if ((err = check_count(d, n, 1)) || (err = take(d, 1 + n, &box))) return err;
  if (box) {
    box[0] = fx__header(FX_BOX_TUPLE, n);
    *out = fx__box(box);
  }
  for (size_t i = 0; i < n; i++)
    if ((err = dec_term(d, depth + 1, slot(d, box ? box + 1 : NULL, i)))) return err;
  return FX_OK;
}

/* Map pairs as the box stores them: keys[i] with vals[i]. */
static void swap_pairs(fx_term_t *keys, fx_term_t *vals, size_t i, size_t j) {
  fx_term_t k = keys[i], v = vals[i];
  keys[i] = keys[j];
  vals[i] = vals[j];
  keys[j] = k;
  vals[j] = v;
}

static void sift_down(const fx_runtime_t *rt, fx_term_t *keys, fx_term_t *vals, size_t root, size_t n) {
  for (size_t child; (child = 2 * root + 1) < n; root = child) {
    if (child + 1 < n && fx_term_compare_keys(rt, keys[child], keys[child + 1]) < 0) child++;
    if (fx_term_compare_keys(rt, keys[root], keys[child]) >= 0) return;
    swap_pairs(keys, vals, root, child);
  }
}

/* Sorts pairs into map-key order, then refuses equal keys. Heapsort: in
 * place (decode_into has no memory but the words it was given) and
 * O(n log n) for any input. OTP writes maps of up to 32 keys sorted, so
 * the common case is one pass that finds nothing to do. */
static int sort_pairs(const fx_runtime_t *rt, fx_term_t *keys, fx_term_t *vals, size_t n) {
  size_t i = 1;
  while (i < n && fx_term_compare_keys(rt, keys[i - 1], keys[i]) < 0) i++;
  if (i >= n) return FX_OK;
  for (i = n / 2; i-- > 0;) sift_down(rt, keys, vals, i, n);
  for (i = n; i-- > 1;) {
    swap_pairs(keys, vals, 0, i);
    sift_down(rt, keys, vals, 0, i);
  }
  for (i = 1; i < n; i++)
    if (fx_term_compare_keys(rt, keys[i - 1], keys[i]) == 0) return FX_EBADTERM;
  return FX_OK;
}

static int dec_map(dec_t *d, unsigned depth, fx_term_t *out) {
  int err = need(d, 4);
  if (err) return err;
  size_t n = get_u32(d);
  uint64_t *box;
  if ((err = check_count(d, n, 2)) || (err = take(d, 1 + 2 * n, &box))) return err;
  fx_term_t *keys = box ? box + 1 : NULL, *vals = box ? box + 1 + n : NULL;
  for (size_t i = 0; i < n; i++) {
    if ((err = dec_term(d, depth + 1, slot(d, keys, i)))) return err;
    if ((err = dec_term(d, depth + 1, slot(d, vals, i)))) return err;
  }
  if (!box) return FX_OK;
  if ((err = sort_pairs(d->rt, keys, vals, n))) return err;
  box[0] = fx__header(FX_BOX_MAP, n);
  *out = fx__box(box);
  return FX_OK;
}

/* STRING_EXT, tag read: a proper list of bytes, written to *link. Only a
 * non-empty one is a container, as for the encoder. */
static int dec_string(dec_t *d, unsigned depth, fx_term_t *link) {
  int err = need(d, 2);
  if (err) return err;
  size_t n = get_u16(d);
  if (n == 0) {
    *link = FX_NIL;
    return FX_OK;
  }
  if (depth >= FX_ETF_MAX_DEPTH) return FX_ETOODEEP;
  if ((err = need(d, n))) return err;
  const uint8_t *src = d->p;
  d->p += n;
  uint64_t *cells;
  if ((err = take(d, 2 * n, &cells)) || !cells) return err;
  *link = fx__cons(cells);
  for (size_t i = 0; i < n; i++) {
    cells[2 * i] = fx_small(src[i]);
    cells[2 * i + 1] = i + 1 < n ? fx__cons(cells + 2 * i + 2) : FX_NIL;
  }
  return FX_OK;
}

/* LIST_EXT, tag read: n elements, then a tail. The cells of each LIST_EXT
 * are built contiguously, and the list is linked through `link`, the slot
 * the next cell's pointer goes in. A tail that is a list again (Erlang
 * never writes one, but accepts it) continues the loop rather than
 * recursing, so neither long lists nor long chains of tails use stack. */
static int dec_list(dec_t *d, unsigned depth, fx_term_t *out) {
  fx_term_t *link = out;
  for (;;) {
    int err = need(d, 4);
    if (err) return err;
    size_t n = get_u32(d);
    uint64_t *cells;
    if ((err = check_count(d, n, 1)) || (err = take(d, 2 * n, &cells))) return err;
    for (size_t i = 0; i < n; i++) {
      if (cells) *link = fx__cons(cells + 2 * i);
      if ((err = dec_term(d, depth + 1, slot(d, cells, 2 * i)))) return err;
      link = slot(d, cells, 2 * i + 1);
    }
    if ((err = need(d, 1))) return err;
    if (*d->p == ETF_LIST) {
      d->p++;
      continue;
    }
    if (*d->p == ETF_STRING) {
      d->p++;
      return dec_string(d, depth, link); /* the list's own level */
    }
    return dec_term(d, depth + 1, link);
  }
}

/* ---- one term ---- */

/* depth: the containers around the term being read. */
static int dec_term(dec_t *d, unsigned depth, fx_term_t *out) {
  int err = need(d, 1);
  if (err) return err;
  unsigned tag = get_u8(d);
  int container = tag == ETF_SMALL_TUPLE || tag == ETF_LARGE_TUPLE || tag == ETF_MAP || tag == ETF_LIST;
  if (container && depth >= FX_ETF_MAX_DEPTH) return FX_ETOODEEP;
  switch (tag) {
  case ETF_SMALL_INT:
    if ((err = need(d, 1))) return err;
    *out = fx_small(get_u8(d));
    return FX_OK;
  case ETF_INT:
    if ((err = need(d, 4))) return err;
    *out = fx_small(get_i32(d));
    return FX_OK;
  case ETF_SMALL_BIG:
  case ETF_LARGE_BIG: return dec_big(d, tag, out);
  case ETF_NEW_FLOAT: return dec_new_float(d, out);
  case ETF_FLOAT: return dec_old_float(d, out);
  case ETF_ATOM:
  case ETF_SMALL_ATOM:
  case ETF_ATOM_UTF8:
  case ETF_SMALL_ATOM_UTF8: return dec_atom(d, tag, out);
  case ETF_SMALL_TUPLE:
  case ETF_LARGE_TUPLE: return dec_tuple(d, tag, depth, out);
  case ETF_NIL: *out = FX_NIL; return FX_OK;
  case ETF_STRING: return dec_string(d, depth, out);
  case ETF_LIST: return dec_list(d, depth, out);
  case ETF_BINARY:
  case ETF_BIT_BINARY: return dec_binary(d, tag, out);
  case ETF_MAP: return dec_map(d, depth, out);
  case ETF_NEW_PID:
  case ETF_PID: return dec_pid(d, tag, out);
  case ETF_NEWER_REF:
  case ETF_NEW_REF: return dec_ref(d, tag, out);
  }
  return FX_EBADTAG;
}

static void dec_init(dec_t *d, const fx_runtime_t *rt, fx_runtime_t *build, const uint8_t *buf, size_t len) {
  d->rt = rt;
  d->build = build;
  d->p = buf;
  d->end = buf + len;
  d->words = NULL;
  d->nwords = d->used = 0;
  d->sink = FX_NONE;
}

/* The version byte, one term, and nothing after it. */
static int dec_top(dec_t *d, fx_term_t *out) {
  int err = need(d, 1);
  if (err) return err;
  if (get_u8(d) != FX_ETF_VERSION) return FX_EBADVERSION;
  if ((err = dec_term(d, 0, out))) return err;
  return d->p == d->end ? FX_OK : FX_EBADTERM;
}

int fx_etf_measure(const fx_runtime_t *rt, const uint8_t *buf, size_t len, size_t *words) {
  if (!rt || (!buf && len) || !words) return FX_EINVAL;
  dec_t d;
  dec_init(&d, rt, NULL, buf, len);
  int err = dec_top(&d, &d.sink);
  if (err) return err;
  *words = d.used;
  return FX_OK;
}

/* In line, as fx_etf_encode writes them: the integers that fit 32 bits,
 * the commonest messages. 0 when buf is anything else. */
static int int_in_line(const uint8_t *buf, size_t len, fx_term_t *out) {
  if (len == 3 && buf[0] == FX_ETF_VERSION && buf[1] == ETF_SMALL_INT) {
    *out = fx_small(buf[2]);
    return 1;
  }
  if (len == 6 && buf[0] == FX_ETF_VERSION && buf[1] == ETF_INT) {
    uint32_t u = (uint32_t)buf[2] << 24 | (uint32_t)buf[3] << 16 | (uint32_t)buf[4] << 8 | buf[5];
    *out = fx_small(u <= INT32_MAX ? (int64_t)u : (int64_t)u - (INT64_C(1) << 32));
    return 1;
  }
  return 0;
}

int fx_etf_decode_into(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint64_t *words, size_t nwords, fx_term_t *out) {
  if (!rt || (!buf && len) || (!words && nwords) || !out) return FX_EINVAL;
  if (int_in_line(buf, len, out)) return FX_OK;
  dec_t d;
  dec_init(&d, rt, rt, buf, len);
  d.words = words;
  d.nwords = nwords;
  fx_term_t t = FX_NONE;
  int err = dec_top(&d, &t);
  if (err) return err;
  *out = t;
  return FX_OK;
}

int fx__etf_decode_small(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint64_t *words, fx_term_t *out) {
  if (len > FX__ETF_SMALL_BYTES) return FX_ENOSPACE;
  int err = fx_etf_decode_into(rt, buf, len, words, FX__ETF_SMALL_WORDS, out);
  if (err == FX_OK || err == FX_ENOSPACE) return err;
  /* The error measuring reports when it refuses the input too, so that bad
   * input gets the same error whichever way it was read (decoding finds
   * equal map keys before, say, a truncation further on). */
  size_t n;
  int merr = fx_etf_measure(rt, buf, len, &n);
  return merr ? merr : err;
}

int fx_etf_decode(fx_runtime_t *rt, const uint8_t *buf, size_t len, fx_heap_t *h, fx_term_t *out) {
  if (!rt || !h || h->rt != rt || !out || (!buf && len)) return FX_EINVAL;
  if (int_in_line(buf, len, out)) return FX_OK; /* no words to copy */
  uint64_t tmp[FX__ETF_SMALL_WORDS];
  fx_term_t t;
  int err = fx__etf_decode_small(rt, buf, len, tmp, &t);
  if (err != FX_ENOSPACE) { /* small: copied onto the heap at its size */
    if (err) return err;
    size_t n = fx_term_words(t);
    uint64_t *copy = n ? fx__heap_alloc(h, n) : NULL;
    if (n && !copy) return FX_ENOMEM;
    *out = n ? fx_term_copy(t, copy) : t;
    return FX_OK;
  }
  fx__heap_mark_t mark = fx__heap_mark(h);
  uint64_t *words = NULL;
  size_t n;
  if ((err = fx_etf_measure(rt, buf, len, &n)) != FX_OK) return err;
  if (n && !(words = fx__heap_alloc(h, n))) return FX_ENOMEM;
  err = fx_etf_decode_into(rt, buf, len, words, n, out);
  if (err) fx__heap_release_to(h, mark); /* duplicate map keys, or no memory for an atom */
  return err;
}
