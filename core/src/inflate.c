/* zlib (RFC 1950) around DEFLATE (RFC 1951), decompression only: what
 * term_to_binary(T, [compressed]) writes after its tag 80 (see etf.c).
 * Huffman codes are decoded a bit at a time from their canonical counts,
 * as zlib's puff does: small, and plenty for terms. The output grows as it
 * comes (the size a term states is the input's word, not yet its bytes)
 * and must come to exactly that size. */
#include "fauxtp/etf.h"
#include "fx_runtime.h"

enum { MAXBITS = 15, MAXLCODES = 286, MAXDCODES = 30, FIXLCODES = 288 };

typedef struct huffman {
  uint16_t count[MAXBITS + 1]; /* codes of each length */
  uint16_t symbol[FIXLCODES];  /* symbols in code order */
} huffman_t;

typedef struct inflater {
  fx_runtime_t *rt;
  const uint8_t *p, *end;
  uint32_t bitbuf;
  int bitcnt;
  uint8_t *out; /* out[0] is left for the caller; the stream from out[1] on */
  size_t n, cap, size; /* bytes written, room, and the size they must reach */
  int err;
} inflater_t;

/* Length and distance codes: base values and extra bits (RFC 1951 3.2.5). */
static const uint16_t LEN_BASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LEN_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DIST_BASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DIST_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* The order code length code lengths come in (3.2.7). */
static const uint8_t CLEN_ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* Records the first error; the walk stops at the next check. */
static int fail(inflater_t *s, int err) {
  if (!s->err) s->err = err;
  return s->err;
}

static uint32_t bits(inflater_t *s, int need) {
  uint32_t val = s->bitbuf;
  while (s->bitcnt < need) {
    if (s->p == s->end) {
      fail(s, FX_ETRUNCATED);
      return 0;
    }
    val |= (uint32_t)*s->p++ << s->bitcnt;
    s->bitcnt += 8;
  }
  s->bitbuf = val >> need;
  s->bitcnt -= need;
  return val & ((UINT32_C(1) << need) - 1);
}

/* A canonical code from its symbols' lengths. Returns 0 when complete, a
 * positive number when incomplete, negative when over-subscribed; *single
 * says whether it is the one incomplete code RFC 1951 allows (one code of
 * one bit). */
static int construct(huffman_t *h, const uint8_t *length, int n, bool *single) {
  memset(h->count, 0, sizeof h->count);
  for (int i = 0; i < n; i++) h->count[length[i]]++;
  *single = h->count[0] + h->count[1] == n;
  int left = 1;
  for (int len = 1; len <= MAXBITS; len++) {
    left = (left << 1) - h->count[len];
    if (left < 0) return left;
  }
  uint16_t offs[MAXBITS + 1];
  offs[1] = 0;
  for (int len = 1; len < MAXBITS; len++) offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
  for (int i = 0; i < n; i++)
    if (length[i]) h->symbol[offs[length[i]]++] = (uint16_t)i;
  return left;
}

/* One symbol, its bits most significant first; -1 on an error. */
static int decode(inflater_t *s, const huffman_t *h) {
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= MAXBITS; len++) {
    code |= (int)bits(s, 1);
    if (s->err) return -1;
    int count = h->count[len];
    if (code - count < first) return h->symbol[index + (code - first)];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  fail(s, FX_EBADTERM);
  return -1;
}

/* Room for k more bytes, within the stated size. */
static int room(inflater_t *s, size_t k) {
  if (k > s->size - s->n) return fail(s, FX_EBADTERM);
  size_t need = 1 + s->n + k;
  if (need <= s->cap) return FX_OK;
  size_t cap = s->cap * 2 > need ? s->cap * 2 : need;
  if (cap > 1 + s->size) cap = 1 + s->size;
  uint8_t *grown = fx__realloc(s->rt, s->out, s->cap, cap);
  if (!grown) return fail(s, FX_ENOMEM);
  s->out = grown;
  s->cap = cap;
  return FX_OK;
}

static void stored(inflater_t *s) {
  s->bitbuf = 0;
  s->bitcnt = 0;
  if (s->end - s->p < 4) {
    fail(s, FX_ETRUNCATED);
    return;
  }
  unsigned len = s->p[0] | (unsigned)s->p[1] << 8, nlen = s->p[2] | (unsigned)s->p[3] << 8;
  s->p += 4;
  if (len != (~nlen & 0xffffu)) {
    fail(s, FX_EBADTERM);
    return;
  }
  if ((size_t)(s->end - s->p) < len) {
    fail(s, FX_ETRUNCATED);
    return;
  }
  if (room(s, len)) return;
  memcpy(s->out + 1 + s->n, s->p, len);
  s->n += len;
  s->p += len;
}

static void codes(inflater_t *s, const huffman_t *lit, const huffman_t *dist) {
  for (;;) {
    int sym = decode(s, lit);
    if (sym < 0) return;
    if (sym < 256) {
      if (room(s, 1)) return;
      s->out[1 + s->n++] = (uint8_t)sym;
      continue;
    }
    if (sym == 256) return;
    if ((sym -= 257) >= 29) {
      fail(s, FX_EBADTERM);
      return;
    }
    size_t len = LEN_BASE[sym] + bits(s, LEN_EXTRA[sym]);
    int d = decode(s, dist);
    if (s->err || d < 0) return;
    if (d >= 30) {
      fail(s, FX_EBADTERM);
      return;
    }
    size_t back = DIST_BASE[d] + bits(s, DIST_EXTRA[d]);
    if (s->err) return;
    if (back > s->n) {
      fail(s, FX_EBADTERM);
      return;
    }
    if (room(s, len)) return;
    uint8_t *o = s->out + 1;
    for (size_t i = 0; i < len; i++, s->n++) o[s->n] = o[s->n - back];
  }
}

static void fixed(inflater_t *s) {
  uint8_t length[FIXLCODES];
  huffman_t lit, dist;
  bool single;
  memset(length, 8, 144);
  memset(length + 144, 9, 112);
  memset(length + 256, 7, 24);
  memset(length + 280, 8, 8);
  construct(&lit, length, FIXLCODES, &single);
  memset(length, 5, MAXDCODES);
  construct(&dist, length, MAXDCODES, &single);
  codes(s, &lit, &dist);
}

static void dynamic(inflater_t *s) {
  uint8_t length[MAXLCODES + MAXDCODES] = {0};
  huffman_t lit, dist, clen;
  bool single;
  int nlen = (int)bits(s, 5) + 257, ndist = (int)bits(s, 5) + 1, ncode = (int)bits(s, 4) + 4;
  if (s->err) return;
  if (nlen > MAXLCODES || ndist > MAXDCODES) {
    fail(s, FX_EBADTERM);
    return;
  }
  for (int i = 0; i < ncode; i++) length[CLEN_ORDER[i]] = (uint8_t)bits(s, 3);
  if (s->err) return;
  if (construct(&clen, length, 19, &single) != 0) {
    fail(s, FX_EBADTERM);
    return;
  }
  memset(length, 0, sizeof length);
  for (int i = 0; i < nlen + ndist;) {
    int sym = decode(s, &clen);
    if (sym < 0) return;
    if (sym < 16) {
      length[i++] = (uint8_t)sym;
      continue;
    }
    uint8_t len = 0;
    int reps;
    if (sym == 16) {
      if (i == 0) {
        fail(s, FX_EBADTERM);
        return;
      }
      len = length[i - 1];
      reps = 3 + (int)bits(s, 2);
    } else {
      reps = sym == 17 ? 3 + (int)bits(s, 3) : 11 + (int)bits(s, 7);
    }
    if (s->err) return;
    if (i + reps > nlen + ndist) {
      fail(s, FX_EBADTERM);
      return;
    }
    while (reps--) length[i++] = len;
  }
  int err = length[256] == 0; /* no end-of-block code */
  if (!err) {
    int r = construct(&lit, length, nlen, &single);
    err = r < 0 || (r > 0 && !single);
  }
  if (!err) {
    int r = construct(&dist, length + nlen, ndist, &single);
    err = r < 0 || (r > 0 && !single);
  }
  if (err) {
    fail(s, FX_EBADTERM);
    return;
  }
  codes(s, &lit, &dist);
}

static uint32_t adler32(const uint8_t *p, size_t n) {
  uint32_t a = 1, b = 0;
  while (n) {
    size_t k = n < 5552 ? n : 5552; /* sums stay within 32 bits */
    n -= k;
    while (k--) {
      a += *p++;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return b << 16 | a;
}

/* Inflates in[0..len), which must hold exactly `size` bytes, into a new
 * buffer of 1 + size bytes (the stream from (*out)[1] on). */
static int inflate(fx_runtime_t *rt, const uint8_t *in, size_t len, size_t size, uint8_t **out) {
  *out = NULL;
  if (len < 6) return FX_ETRUNCATED;
  if ((in[0] & 15) != 8 || in[0] >> 4 > 7 || ((unsigned)in[0] << 8 | in[1]) % 31 != 0 || (in[1] & 32)) return FX_EBADTERM;
  inflater_t s = {.rt = rt, .p = in + 2, .end = in + len - 4, .size = size, .cap = 1 + (size < 65536 ? size : 65536)};
  if (!(s.out = fx__alloc(rt, s.cap))) return FX_ENOMEM;
  int last;
  do {
    last = (int)bits(&s, 1);
    unsigned type = bits(&s, 2);
    if (s.err) break;
    if (type == 0) stored(&s);
    else if (type == 1) fixed(&s);
    else if (type == 2) dynamic(&s);
    else fail(&s, FX_EBADTERM);
  } while (!last && !s.err);
  if (!s.err && (s.n != size || s.p != s.end)) fail(&s, FX_EBADTERM);
  const uint8_t *t = in + len - 4;
  if (!s.err && adler32(s.out + 1, s.n) != ((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3])) fail(&s, FX_EBADTERM);
  if (s.err) {
    fx__free(rt, s.out, s.cap);
    return s.err;
  }
  if (s.cap != 1 + size) { /* exactly 1 + size bytes, for the caller to free */
    uint8_t *fit = fx__realloc(rt, s.out, s.cap, 1 + size);
    if (!fit) {
      fx__free(rt, s.out, s.cap);
      return FX_ENOMEM;
    }
    s.out = fit;
  }
  *out = s.out;
  return FX_OK;
}

enum { ETF_COMPRESSED = 80 };

int fx_etf_inflate(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len) {
  if (!rt || !buf || !out || !out_len) return FX_EINVAL;
  *out = NULL;
  *out_len = 0;
  if (len < 2 || buf[0] != FX_ETF_VERSION || buf[1] != ETF_COMPRESSED) return FX_EINVAL;
  if (len < 6) return FX_ETRUNCATED;
  size_t size = (size_t)buf[2] << 24 | (size_t)buf[3] << 16 | (size_t)buf[4] << 8 | buf[5];
  if (size > FX_ETF_MAX_COUNT) return FX_ETOOBIG;
  uint8_t *plain;
  int err = inflate(rt, buf + 6, len - 6, size, &plain);
  if (err) return err;
  plain[0] = FX_ETF_VERSION;
  *out = plain;
  *out_len = 1 + size;
  return FX_OK;
}

void fx_etf_inflated_free(fx_runtime_t *rt, uint8_t *buf, size_t len) {
  if (rt && buf) fx__free(rt, buf, len);
}
