/* Tests for the External Term Format codec (core/src/etf.c): round trips of
 * every term type at its edge sizes, exact bytes written by hand from the
 * ETF spec (and checked against OTP 25), every kind of malformed input,
 * allocation failures, and size limits. tests/test-etf-oracle.c checks the
 * same codec against a real Erlang node. */
#include <float.h>
#include <math.h>

#include "fx_internal.h"
#include "fx_test.h"
#include "fx_test_alloc.h"

/* ---- fixtures and helpers ---- */

/* A runtime on the counting allocator, and a heap in it. */
typedef struct fixture {
  fx_test_alloc_t alloc;
  fx_runtime_t *rt;
  fx_heap_t *h;
} fixture_t;

static int fixture_open(fixture_t *f) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  memset(&f->alloc, 0, sizeof f->alloc);
  fx_test_alloc_config(&cfg, &f->alloc);
  int err = fx_runtime_new(&cfg, &f->rt);
  if (!err) err = fx_heap_new(f->rt, &f->h);
  return err;
}

/* Frees everything; the allocator must be back to zero live bytes. */
static long long fixture_close(fixture_t *f) {
  fx_heap_free(f->h);
  fx_runtime_free(f->rt);
  return f->alloc.live;
}

/* Helpers take the harness's failure flag, so ASSERT works inside them;
 * CHECK stops the calling test once a helper has failed. */
#define HELPER(name, ...) static void name(int *fx_test_failed__, __VA_ARGS__)
#define CHECK(call)                                                            \
  do {                                                                         \
    call;                                                                      \
    if (*fx_test_failed__) return;                                             \
  } while (0)
#define OPEN(f) ASSERT_OK(fixture_open(&(f)))
#define CLOSE(f) ASSERT_EQ(fixture_close(&(f)), 0)

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void hexdump(const char *label, const uint8_t *b, size_t n) {
  fprintf(stderr, "  %s (%zu):", label, n);
  for (size_t i = 0; i < n && i < 64; i++) fprintf(stderr, " %u", b[i]);
  fprintf(stderr, n > 64 ? " ...\n" : "\n");
}

/* Encodes t into a fresh malloc'd buffer, checking that encoded_size
 * agrees with what encode writes. */
HELPER(encode_alloc, fx_runtime_t *rt, fx_term_t t, uint8_t **out, size_t *len) {
  size_t size = 0, written = 0;
  *out = NULL;
  ASSERT_OK(fx_etf_encoded_size(rt, t, &size));
  uint8_t *buf = malloc(size);
  ASSERT(buf != NULL);
  int err = fx_etf_encode(rt, t, buf, size, &written);
  if (err) free(buf);
  ASSERT_OK(err);
  if (written != size) free(buf);
  ASSERT_EQ(written, size);
  *out = buf;
  *len = size;
}

/* t encodes to exactly these bytes, and they decode to a term equal to t. */
HELPER(expect_bytes, fixture_t *f, fx_term_t t, const uint8_t *want, size_t n) {
  uint8_t *got;
  size_t len;
  CHECK(encode_alloc(fx_test_failed__, f->rt, t, &got, &len));
  int same = len == n && memcmp(got, want, n) == 0;
  if (!same) {
    hexdump("encoded", got, len);
    hexdump("expected", want, n);
  }
  free(got);
  ASSERT(same);
  fx_term_t back;
  ASSERT_OK(fx_etf_decode(f->rt, want, n, f->h, &back));
  ASSERT(fx_term_equal(f->rt, t, back));
}

/* Decoding these bytes and encoding the result gives `want` back. */
HELPER(expect_reencode, fixture_t *f, const uint8_t *in, size_t n, const uint8_t *want, size_t wn) {
  fx_term_t t;
  uint8_t *got;
  size_t len;
  ASSERT_OK(fx_etf_decode(f->rt, in, n, f->h, &t));
  CHECK(encode_alloc(fx_test_failed__, f->rt, t, &got, &len));
  int same = len == wn && memcmp(got, want, wn) == 0;
  if (!same) {
    hexdump("re-encoded", got, len);
    hexdump("expected", want, wn);
  }
  free(got);
  ASSERT(same);
}

/* encode -> decode (measured words exactly used) -> equal -> same bytes. */
HELPER(roundtrip, fixture_t *f, fx_term_t t) {
  uint8_t *a, *b = NULL;
  size_t alen, blen = 0, words = 0;
  CHECK(encode_alloc(fx_test_failed__, f->rt, t, &a, &alen));
  int err = fx_etf_measure(f->rt, a, alen, &words);
  if (err) hexdump("measure failed on", a, alen);
  fx_term_t back = FX_NONE;
  uint64_t *w = malloc((words ? words : 1) * 8);
  if (!err) err = fx_etf_decode_into(f->rt, a, alen, w, words, &back);
  /* One word fewer than measured must not do (unless none were needed). */
  fx_term_t dummy;
  int short_err = words ? fx_etf_decode_into(f->rt, a, alen, w, words - 1, &dummy) : FX_ENOSPACE;
  int equal = !err && fx_term_equal(f->rt, t, back);
  if (!err && equal) {
    int e2 = 0;
    size_t dummy_len;
    e2 = fx_etf_encoded_size(f->rt, back, &blen);
    if (!e2 && (b = malloc(blen))) e2 = fx_etf_encode(f->rt, back, b, blen, &dummy_len);
    if (e2 || !b) equal = 0;
  }
  int same = equal && blen == alen && memcmp(a, b, alen) == 0;
  free(a);
  free(b);
  free(w);
  ASSERT_OK(err);
  ASSERT_ERR(short_err, FX_ENOSPACE);
  ASSERT(equal);
  ASSERT(same);
}

/* Both measure and decode refuse the bytes with `code`, and a failed
 * decode leaves the runtime's memory as it was. */
HELPER(expect_error, fixture_t *f, const uint8_t *in, size_t n, int code) {
  size_t words;
  fx_term_t t;
  size_t before = fx_runtime_memory(f->rt);
  ASSERT_ERR(fx_etf_measure(f->rt, in, n, &words), code);
  ASSERT_ERR(fx_etf_decode(f->rt, in, n, f->h, &t), code);
  ASSERT_EQ(fx_runtime_memory(f->rt), before);
}

static fx_term_t atom(fixture_t *f, const char *text) {
  fx_term_t a = FX_NONE;
  return fx_atom_cstr(f->rt, text, &a) ? FX_NONE : a;
}

static fx_term_t integer(fixture_t *f, int64_t v) {
  fx_term_t t = FX_NONE;
  return fx_make_int(f->h, v, &t) ? FX_NONE : t;
}

static fx_term_t flt(fixture_t *f, double v) {
  fx_term_t t = FX_NONE;
  return fx_make_float(f->h, v, &t) ? FX_NONE : t;
}

/* An Erlang string: a list of character codes (fx_make_string makes a
 * binary). */
static int charlist(fixture_t *f, const char *s, fx_term_t *out) {
  fx_term_t elems[64];
  size_t n = strlen(s);
  if (n > 64) return FX_EINVAL;
  for (size_t i = 0; i < n; i++) elems[i] = fx_small((uint8_t)s[i]);
  return fx_make_list(f->h, n, elems, FX_NIL, out);
}

/* A bignum of `bytes` magnitude bytes: byte i is (i * 7 + 1) & 0xff, the
 * top one nonzero. */
static fx_term_t bignum_of_bytes(fixture_t *f, int negative, size_t bytes) {
  size_t n = (bytes + 7) / 8;
  uint64_t *limbs = calloc(n, 8);
  fx_term_t t = FX_NONE;
  if (!limbs) return t;
  for (size_t i = 0; i < bytes; i++) {
    uint64_t b = (i * 7 + 1) & 0xff;
    if (i == bytes - 1 && b == 0) b = 1;
    limbs[i / 8] |= b << (8 * (i % 8));
  }
  if (fx_make_bignum(f->h, negative, limbs, n, &t)) t = FX_NONE;
  free(limbs);
  return t;
}

/* ---- exact bytes ---- */

TEST(etf_known_bytes) {
  fixture_t f;
  OPEN(f);
  fx_term_t t, a, b;
  /* term_to_binary({ok,1}, [{minor_version,2}]) */
  ASSERT_OK(fx_tuple2(f.h, FX_ATOM(OK), fx_small(1), &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 104, 2, 119, 2, 'o', 'k', 97, 1)));
  CHECK(expect_bytes(fx_test_failed__, &f, FX_NIL, BYTES(131, 106)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(0), BYTES(131, 97, 0)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(255), BYTES(131, 97, 255)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(256), BYTES(131, 98, 0, 0, 1, 0)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(-1), BYTES(131, 98, 255, 255, 255, 255)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(INT32_MIN), BYTES(131, 98, 128, 0, 0, 0)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(INT32_MAX), BYTES(131, 98, 127, 255, 255, 255)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(INT64_C(2147483648)), BYTES(131, 110, 4, 0, 0, 0, 0, 128)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(INT64_C(-2147483649)), BYTES(131, 110, 4, 1, 1, 0, 0, 128)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(FX_SMALL_MAX), BYTES(131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 15)));
  CHECK(expect_bytes(fx_test_failed__, &f, fx_small(FX_SMALL_MIN), BYTES(131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 16)));
  uint64_t limbs[2] = {0, 1}; /* 2^64 */
  ASSERT_OK(fx_make_bignum(f.h, 0, limbs, 2, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)));
  ASSERT_OK(fx_make_bignum(f.h, 1, limbs, 2, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1)));
  CHECK(expect_bytes(fx_test_failed__, &f, flt(&f, 1.5), BYTES(131, 70, 63, 248, 0, 0, 0, 0, 0, 0)));
  CHECK(expect_bytes(fx_test_failed__, &f, flt(&f, -0.0), BYTES(131, 70, 128, 0, 0, 0, 0, 0, 0, 0)));
  CHECK(expect_bytes(fx_test_failed__, &f, atom(&f, "h\xc3\xa9llo"), BYTES(131, 119, 6, 'h', 0xc3, 0xa9, 'l', 'l', 'o')));
  CHECK(expect_bytes(fx_test_failed__, &f, atom(&f, ""), BYTES(131, 119, 0)));
  ASSERT_OK(charlist(&f, "abc", &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 107, 0, 3, 'a', 'b', 'c')));
  fx_term_t elems[2] = {fx_small(1), fx_small(2)};
  ASSERT_OK(fx_make_list(f.h, 2, elems, fx_small(3), &t)); /* [1,2|3] */
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 97, 3)));
  ASSERT_OK(fx_make_cons(f.h, fx_small(256), FX_NIL, &t)); /* [256] */
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106)));
  ASSERT_OK(fx_make_binary(f.h, "\x01\x02\x03", 3, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 109, 0, 0, 0, 3, 1, 2, 3)));
  ASSERT_OK(fx_make_tuple(f.h, 0, NULL, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 104, 0)));
  ASSERT_OK(fx_make_map(f.h, 0, NULL, NULL, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 116, 0, 0, 0, 0)));
  /* #{1 => a, 1.0 => b, a => c}: every integer key before every float key */
  a = atom(&f, "a");
  b = atom(&f, "b");
  fx_term_t keys[3] = {a, flt(&f, 1.0), fx_small(1)}, vals[3] = {atom(&f, "c"), b, a};
  ASSERT_OK(fx_make_map(f.h, 3, keys, vals, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t,
                     BYTES(131, 116, 0, 0, 0, 3, 97, 1, 119, 1, 'a', 70, 63, 240, 0, 0, 0, 0, 0, 0, 119, 1, 'b',
                           119, 1, 'a', 119, 1, 'c')));
  /* self() of <0.9.0> on nonode@nohost, creation 0 */
  CHECK(expect_bytes(fx_test_failed__, &f, fx_pid_term(fx_pid_make(9, 0)),
                     BYTES(131, 88, 119, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't', 0, 0,
                           0, 9, 0, 0, 0, 0, 0, 0, 0, 0)));
  CLOSE(f);
}

/* ---- round trips ---- */

TEST(etf_roundtrip_integers) {
  fixture_t f;
  OPEN(f);
  const int64_t values[] = {-1, 0, 1, 255, 256, -255, -256, INT32_MIN, INT32_MAX, INT64_C(2147483648),
                            INT64_C(-2147483648) - 1, FX_SMALL_MAX, FX_SMALL_MIN, INT64_MAX, INT64_MIN,
                            INT64_C(1) << 40, -(INT64_C(1) << 40)};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    fx_term_t t = integer(&f, values[i]);
    ASSERT(t != FX_NONE);
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  fx_term_t t;
  ASSERT_OK(fx_make_uint(f.h, UINT64_MAX, &t));
  CHECK(roundtrip(fx_test_failed__, &f, t));
  ASSERT_OK(fx_make_uint(f.h, (uint64_t)FX_SMALL_MAX + 1, &t));
  ASSERT(fx_is_bignum(t));
  CHECK(roundtrip(fx_test_failed__, &f, t));
  for (size_t bytes = 9; bytes <= 40; bytes++) {
    CHECK(roundtrip(fx_test_failed__, &f, bignum_of_bytes(&f, 0, bytes)));
    CHECK(roundtrip(fx_test_failed__, &f, bignum_of_bytes(&f, 1, bytes)));
  }
  CLOSE(f);
}

/* SMALL_BIG_EXT holds up to 255 bytes; 256 and more need LARGE_BIG_EXT. */
TEST(etf_large_bignums) {
  fixture_t f;
  OPEN(f);
  const size_t sizes[] = {255, 256, 300, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    for (int neg = 0; neg <= 1; neg++) {
      fx_term_t t = bignum_of_bytes(&f, neg, sizes[i]);
      ASSERT(fx_is_bignum(t));
      uint8_t *b;
      size_t len;
      CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
      int small = sizes[i] < 256;
      int ok = b[1] == (small ? 110 : 111) && len == (small ? 4 : 7) + sizes[i] &&
               b[small ? 3 : 6] == neg;
      if (!small) ok = ok && ((size_t)b[2] << 24 | (size_t)b[3] << 16 | (size_t)b[4] << 8 | b[5]) == sizes[i];
      free(b);
      ASSERT(ok);
      CHECK(roundtrip(fx_test_failed__, &f, t));
    }
  }
  CLOSE(f);
}

/* Integers arrive in any form; they come back in the smallest. */
TEST(etf_noncanonical_integers) {
  fixture_t f;
  OPEN(f);
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 98, 0, 0, 0, 5), BYTES(131, 97, 5)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 1, 0, 5), BYTES(131, 97, 5)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 1, 1, 5), BYTES(131, 98, 255, 255, 255, 251)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 0, 0), BYTES(131, 97, 0)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 0, 1), BYTES(131, 97, 0)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 3, 1, 0, 0, 0), BYTES(131, 97, 0)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 111, 0, 0, 0, 2, 0, 1, 1),
                        BYTES(131, 98, 0, 0, 1, 1)));
  /* 2^64 with high zero bytes: a bignum, stripped */
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 110, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
                        BYTES(131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)));
  fx_term_t t;
  /* -2^60 is the smallest small integer; 2^60 is the smallest bignum. */
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 16), f.h, &t));
  ASSERT(fx_is_small(t) && fx_small_value(t) == FX_SMALL_MIN);
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 16), f.h, &t));
  ASSERT(fx_is_bignum(t));
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 15), f.h, &t));
  ASSERT(fx_is_small(t) && fx_small_value(t) == FX_SMALL_MAX);
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 110, 8, 1, 1, 0, 0, 0, 0, 0, 0, 16), f.h, &t));
  ASSERT(fx_is_bignum(t) && fx_box_kind(t) == FX_BOX_BIGNEG);
  /* The sign byte is 0 or 1. */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 110, 1, 2, 5), FX_EBADTERM));
  CLOSE(f);
}

TEST(etf_roundtrip_floats) {
  fixture_t f;
  OPEN(f);
  const double values[] = {0.0, -0.0, 1.0, 1.5, -2.25, 0.1, 1e300, -1e-300, DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    fx_term_t t = flt(&f, values[i]);
    ASSERT(t != FX_NONE);
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  /* Legacy FLOAT_EXT: "%.20e", NUL-padded to 31 bytes. */
  uint8_t legacy[33] = {131, 99};
  memcpy(legacy + 2, "1.50000000000000000000e+00", 26);
  CHECK(expect_reencode(fx_test_failed__, &f, legacy, sizeof legacy, BYTES(131, 70, 63, 248, 0, 0, 0, 0, 0, 0)));
  memcpy(legacy + 2, "-2.5e-1\0garbage", 15); /* text ends at the NUL, as in Erlang */
  CHECK(expect_reencode(fx_test_failed__, &f, legacy, sizeof legacy, BYTES(131, 70, 191, 208, 0, 0, 0, 0, 0, 0)));
  memcpy(legacy + 2, " 1.5\0", 5);
  CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy, FX_EBADTERM));
  memcpy(legacy + 2, "1.5xyz\0", 7);
  CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy, FX_EBADTERM));
  memcpy(legacy + 2, "1e999\0", 6);
  CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy, FX_EBADTERM));
  /* Digits on both sides of the point, as Erlang reads it. */
  static const char *const refused[] = {"1", "1e5", ".5", "5.", "+.5", "2.", "-4", "1.5e", "1.5e+"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    memset(legacy + 2, 0, 31);
    memcpy(legacy + 2, refused[i], strlen(refused[i]));
    CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy, FX_EBADTERM));
  }
  memset(legacy + 2, 0, 31);
  memcpy(legacy + 2, "+00001.5E+05", 12);
  CHECK(expect_reencode(fx_test_failed__, &f, legacy, sizeof legacy, BYTES(131, 70, 65, 2, 79, 128, 0, 0, 0, 0)));
  memset(legacy + 2, 0, 31);
  CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy, FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, legacy, sizeof legacy - 1, FX_ETRUNCATED));
  CLOSE(f);
}

/* A compressed term made plain (fx_etf_inflate), decoded and encoded
 * again: `want`. */
HELPER(expect_inflated, fixture_t *f, const uint8_t *in, size_t n, const uint8_t *want, size_t wn) {
  uint8_t *plain;
  size_t len;
  fx_term_t t;
  ASSERT_ERR(fx_etf_decode(f->rt, in, n, f->h, &t), FX_EBADTAG); /* not plain */
  ASSERT_OK(fx_etf_inflate(f->rt, in, n, &plain, &len));
  CHECK(expect_reencode(fx_test_failed__, f, plain, len, want, wn));
  fx_etf_inflated_free(f->rt, plain, len);
}

/* A compressed term fx_etf_inflate refuses with code, leaving no memory
 * taken. */
HELPER(expect_inflate_error, fixture_t *f, const uint8_t *in, size_t n, int code) {
  uint8_t *plain = (uint8_t *)"";
  size_t len = 1, before = fx_runtime_memory(f->rt);
  ASSERT_ERR(fx_etf_inflate(f->rt, in, n, &plain, &len), code);
  ASSERT(plain == NULL && len == 0);
  ASSERT_EQ(fx_runtime_memory(f->rt), before);
}

/* term_to_binary(T, [compressed]): fx_etf_inflate makes it plain (a
 * stored block, fixed and dynamic Huffman codes), and refuses a stream
 * that is cut, damaged, or of another size than it says. */
TEST(etf_compressed_terms) {
  fixture_t f;
  OPEN(f);
  /* Erlang's term_to_binary(lists:duplicate(40, $a), [compressed]). */
  static const uint8_t erlang[] = {0x83, 0x50, 0, 0, 0, 0x2B, 0x78, 0x9C, 0xCB, 0x66, 0xD0, 0x48, 0x24, 0x12, 0, 0, 0x4F, 0x4F, 0x0F, 0xBC};
  uint8_t plain[44] = {131, 107, 0, 40};
  memset(plain + 4, 'a', 40);
  CHECK(expect_inflated(fx_test_failed__, &f, erlang, sizeof erlang, plain, sizeof plain));
  /* {ok, <<"hello">>} in a stored block (zlib level 0). */
  CHECK(expect_inflated(fx_test_failed__, &f,
                        BYTES(131, 80, 0, 0, 0, 16, 120, 1, 1, 16, 0, 239, 255, 104, 2, 119, 2, 111, 107, 109, 0, 0, 0, 5, 104, 101, 108, 108, 111, 33, 158, 4, 68),
                        BYTES(131, 104, 2, 119, 2, 111, 107, 109, 0, 0, 0, 5, 104, 101, 108, 108, 111)));
  /* A 200-byte string (level 9: dynamic codes). */
  static const uint8_t dyn[] = {131, 80, 0, 0, 0, 203, 120, 218, 203, 102, 56, 145, 152, 148, 156, 146, 154, 150, 62, 228, 41, 0, 156, 233, 79, 78};
  uint8_t want[204] = {131, 107, 0, 200};
  for (int i = 0; i < 200; i++) want[4 + i] = (uint8_t)(i % 7 + 97);
  CHECK(expect_inflated(fx_test_failed__, &f, dyn, sizeof dyn, want, sizeof want));

  uint8_t bad[sizeof erlang], *out;
  size_t len;
  memcpy(bad, erlang, sizeof bad);
  bad[sizeof bad - 1] ^= 1; /* the checksum */
  CHECK(expect_inflate_error(fx_test_failed__, &f, bad, sizeof bad, FX_EBADTERM));
  memcpy(bad, erlang, sizeof bad);
  bad[5] = 0x2A; /* says 42 bytes: the stream holds 43 */
  CHECK(expect_inflate_error(fx_test_failed__, &f, bad, sizeof bad, FX_EBADTERM));
  bad[5] = 0x2C; /* says 44 */
  CHECK(expect_inflate_error(fx_test_failed__, &f, bad, sizeof bad, FX_EBADTERM));
  for (size_t i = 6; i < sizeof erlang; i++) /* any bit damaged (but the last code's padding) */
    for (int bit = 0; bit < 8; bit++) {
      if (i == sizeof erlang - 5) continue;
      memcpy(bad, erlang, sizeof bad);
      bad[i] ^= (uint8_t)(1 << bit);
      CHECK(expect_inflate_error(fx_test_failed__, &f, bad, sizeof bad, fx_etf_inflate(f.rt, bad, sizeof bad, &out, &len)));
      ASSERT(out == NULL);
    }
  for (size_t n = 2; n < sizeof erlang; n++) ASSERT(fx_etf_inflate(f.rt, erlang, n, &out, &len) != FX_OK); /* cut */
  CHECK(expect_inflate_error(fx_test_failed__, &f, BYTES(131, 80, 0x10, 0, 0, 1, 120, 156, 3, 0, 0, 0, 0, 1), FX_ETOOBIG));
  CHECK(expect_inflate_error(fx_test_failed__, &f, BYTES(131, 97, 1), FX_EINVAL)); /* not compressed */
  /* Compressed twice: plain once, then the decoder refuses it. */
  static const uint8_t twice[] = {131, 80, 0, 0, 0, 13, 120, 156, 11, 96, 96, 96, 96, 172, 152, 195, 204, 0, 162, 1, 12, 61, 1, 106};
  ASSERT_OK(fx_etf_inflate(f.rt, twice, sizeof twice, &out, &len));
  fx_term_t t;
  ASSERT_ERR(fx_etf_decode(f.rt, out, len, f.h, &t), FX_EBADTAG);
  fx_etf_inflated_free(f.rt, out, len);
  /* Each allocation failing in turn: FX_ENOMEM, and nothing kept. */
  int done = 0;
  for (long k = 0; k < 100 && !done; k++) {
    size_t before = fx_runtime_memory(f.rt);
    f.alloc.countdown = k;
    int err = fx_etf_inflate(f.rt, dyn, sizeof dyn, &out, &len);
    f.alloc.countdown = -1;
    if (err == FX_OK) {
      done = 1;
      fx_etf_inflated_free(f.rt, out, len);
    } else {
      ASSERT_ERR(err, FX_ENOMEM);
      ASSERT_EQ(fx_runtime_memory(f.rt), before);
    }
  }
  ASSERT(done);
  CLOSE(f);
}

/* Erlang has no NaN or infinity: neither direction accepts them. */
TEST(etf_nonfinite_floats) {
  fixture_t f;
  OPEN(f);
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 70, 127, 248, 0, 0, 0, 0, 0, 0), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 70, 127, 240, 0, 0, 0, 0, 0, 0), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 70, 255, 240, 0, 0, 0, 0, 0, 0), FX_EBADTERM));
  fx_term_t t = FX_NONE;
  size_t n;
  uint8_t buf[16];
  if (fx_make_float(f.h, NAN, &t) == FX_OK) {
    ASSERT_ERR(fx_etf_encoded_size(f.rt, t, &n), FX_EBADTERM);
    ASSERT_ERR(fx_etf_encode(f.rt, t, buf, sizeof buf, &n), FX_EBADTERM);
  }
  if (fx_make_float(f.h, -INFINITY, &t) == FX_OK) ASSERT_ERR(fx_etf_encoded_size(f.rt, t, &n), FX_EBADTERM);
  CLOSE(f);
}

TEST(etf_atoms) {
  fixture_t f;
  OPEN(f);
  char text[1024];
  /* 255 characters: the longest atom; one byte each -> SMALL_ATOM_UTF8 */
  memset(text, 'x', 255);
  text[255] = 0;
  fx_term_t a = atom(&f, text);
  ASSERT(a != FX_NONE);
  uint8_t *b;
  size_t len;
  CHECK(encode_alloc(fx_test_failed__, f.rt, a, &b, &len));
  int ok = len == 258 && b[1] == 119 && b[2] == 255;
  free(b);
  ASSERT(ok);
  CHECK(roundtrip(fx_test_failed__, &f, a));
  /* 255 two-byte characters: 510 bytes -> ATOM_UTF8_EXT with a u16 length */
  for (size_t i = 0; i < 255; i++) memcpy(text + 2 * i, "\xc3\xa9", 2);
  ASSERT_OK(fx_atom(f.rt, text, 510, &a));
  CHECK(encode_alloc(fx_test_failed__, f.rt, a, &b, &len));
  ok = len == 514 && b[1] == 118 && b[2] == 1 && b[3] == 254;
  free(b);
  ASSERT(ok);
  CHECK(roundtrip(fx_test_failed__, &f, a));
  /* four-byte characters */
  ASSERT_OK(fx_atom(f.rt, "\xf0\x9f\x98\x80!", 5, &a));
  CHECK(roundtrip(fx_test_failed__, &f, a));
  for (int i = 0; i < FX_ATOM_PREDEFINED_COUNT; i++) CHECK(roundtrip(fx_test_failed__, &f, fx_atom_from_index((uint32_t)i)));
  CLOSE(f);
}

/* ATOM_EXT and SMALL_ATOM_EXT are latin-1: they become UTF-8 atoms. */
TEST(etf_legacy_atoms) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  size_t len;
  const char *text;
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 100, 0, 2, 'o', 'k'), f.h, &t));
  ASSERT_EQ(t, FX_ATOM(OK));
  ASSERT_OK(fx_etf_decode(f.rt, BYTES(131, 115, 5, 'h', 0xe9, 'l', 'l', 'o'), f.h, &t));
  text = fx_atom_text(f.rt, t, &len);
  ASSERT(text && len == 6 && memcmp(text, "h\xc3\xa9llo", 6) == 0);
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 100, 0, 1, 0xff), BYTES(131, 119, 2, 0xc3, 0xbf)));
  /* 255 latin-1 characters above 0x7f: 510 bytes of UTF-8 */
  uint8_t in[4 + 255];
  in[0] = 131, in[1] = 100, in[2] = 0, in[3] = 255;
  memset(in + 4, 0xe9, 255);
  ASSERT_OK(fx_etf_decode(f.rt, in, sizeof in, f.h, &t));
  text = fx_atom_text(f.rt, t, &len);
  ASSERT(text && len == 510 && memcmp(text, "\xc3\xa9", 2) == 0);
  uint8_t big[4 + 256];
  big[0] = 131, big[1] = 100, big[2] = 1, big[3] = 0;
  memset(big + 4, 'a', 256);
  CHECK(expect_error(fx_test_failed__, &f, big, sizeof big, FX_ETOOBIG));
  CLOSE(f);
}

TEST(etf_bad_atoms) {
  fixture_t f;
  OPEN(f);
  /* 256 characters */
  uint8_t in[4 + 1024];
  in[0] = 131, in[1] = 118, in[2] = 1, in[3] = 0;
  memset(in + 4, 'a', 256);
  CHECK(expect_error(fx_test_failed__, &f, in, 4 + 256, FX_ETOOBIG));
  for (size_t i = 0; i < 256; i++) memcpy(in + 4 + 2 * i, "\xc3\xa9", 2);
  in[2] = 2, in[3] = 0;
  CHECK(expect_error(fx_test_failed__, &f, in, 4 + 512, FX_ETOOBIG));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 119, 1, 0xff), FX_EBADUTF8));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 119, 1, 0x80), FX_EBADUTF8));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 119, 2, 0xc0, 0x80), FX_EBADUTF8));       /* overlong */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 119, 3, 0xed, 0xa0, 0x80), FX_EBADUTF8)); /* surrogate */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 119, 2, 0xe2, 0x82), FX_EBADUTF8));       /* cut short */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 118, 0, 4, 0xf4, 0x90, 0x80, 0x80), FX_EBADUTF8));
  /* an invalid atom deep inside a valid term */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 104, 2, 97, 1, 108, 0, 0, 0, 1, 119, 1, 0xfe, 106), FX_EBADUTF8));
  CLOSE(f);
}

TEST(etf_tuples) {
  fixture_t f;
  OPEN(f);
  fx_term_t elems[300], t;
  for (size_t i = 0; i < 300; i++) elems[i] = fx_small((int64_t)i * 1000 - 5000);
  const size_t sizes[] = {0, 1, 2, 255, 256, 300};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    ASSERT_OK(fx_make_tuple(f.h, sizes[i], elems, &t));
    uint8_t *b;
    size_t len;
    CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
    int tag = b[1];
    free(b);
    ASSERT_EQ(tag, sizes[i] < 256 ? 104 : 105);
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  CLOSE(f);
}

TEST(etf_lists) {
  fixture_t f;
  OPEN(f);
  fx_term_t t, elems[4] = {fx_small(1), atom(&f, "two"), flt(&f, 3.0), FX_NIL};
  ASSERT_OK(fx_make_list(f.h, 4, elems, FX_NIL, &t));
  CHECK(roundtrip(fx_test_failed__, &f, t));
  ASSERT_OK(fx_make_list(f.h, 3, elems, atom(&f, "tail"), &t));
  CHECK(roundtrip(fx_test_failed__, &f, t));
  ASSERT_OK(fx_make_cons(f.h, atom(&f, "a"), atom(&f, "b"), &t)); /* [a|b] */
  CHECK(roundtrip(fx_test_failed__, &f, t));
  ASSERT_OK(fx_make_cons(f.h, fx_small(1), fx_small(2), &t)); /* bytes, but improper */
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 108, 0, 0, 0, 1, 97, 1, 97, 2)));
  ASSERT_OK(fx_make_cons(f.h, fx_small(-1), FX_NIL, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 108, 0, 0, 0, 1, 98, 255, 255, 255, 255, 106)));
  /* [[]]: the empty list is not a byte */
  ASSERT_OK(fx_make_cons(f.h, FX_NIL, FX_NIL, &t));
  CHECK(expect_bytes(fx_test_failed__, &f, t, BYTES(131, 108, 0, 0, 0, 1, 106, 106)));
  /* STRING_EXT up to 65535 bytes, LIST_EXT from 65536 (as Erlang). A
   * failing check leaks `many`; ASan then says so too. */
  const size_t sizes[] = {1, 65535, 65536};
  fx_term_t *many = malloc(65536 * sizeof *many);
  ASSERT(many != NULL);
  for (size_t i = 0; i < 65536; i++) many[i] = fx_small((int64_t)(i % 256));
  for (size_t i = 0; i < 3; i++) {
    int string = sizes[i] <= 65535;
    uint8_t *b;
    size_t len;
    ASSERT_OK(fx_make_list(f.h, sizes[i], many, FX_NIL, &t));
    CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
    int tag = b[1];
    free(b);
    ASSERT_EQ(tag, string ? 107 : 108);
    ASSERT_EQ(len, string ? 4 + sizes[i] : 6 + 2 * sizes[i] + 1);
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  free(many);
  CLOSE(f);
}

/* What Erlang accepts though it never writes it. */
TEST(etf_list_forms) {
  fixture_t f;
  OPEN(f);
  /* a LIST_EXT of bytes comes back as STRING_EXT */
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106), BYTES(131, 107, 0, 2, 1, 2)));
  /* a tail that is a list again: [1|[2]] is [1,2] */
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106),
                        BYTES(131, 107, 0, 2, 1, 2)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 1, 97, 1, 107, 0, 2, 2, 3),
                        BYTES(131, 107, 0, 3, 1, 2, 3)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 0, 97, 9),
                        BYTES(131, 108, 0, 0, 0, 1, 97, 1, 97, 9)));
  /* no elements: just the tail */
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 0, 97, 5), BYTES(131, 97, 5)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 108, 0, 0, 0, 0, 106), BYTES(131, 106)));
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 107, 0, 0), BYTES(131, 106)));
  CLOSE(f);
}

TEST(etf_binaries) {
  fixture_t f;
  OPEN(f);
  uint8_t data[1000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31);
  const size_t sizes[] = {0, 1, 7, 8, 9, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    fx_term_t t;
    ASSERT_OK(fx_make_binary(f.h, data, sizes[i], &t));
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  CLOSE(f);
}

TEST(etf_maps) {
  fixture_t f;
  OPEN(f);
  fx_term_t inner, t, tup, bin, lst;
  fx_term_t k1[2] = {atom(&f, "x"), atom(&f, "y")}, v1[2] = {fx_small(1), flt(&f, 2.5)};
  ASSERT_OK(fx_make_map(f.h, 2, k1, v1, &inner));
  CHECK(roundtrip(fx_test_failed__, &f, inner));
  ASSERT_OK(fx_tuple2(f.h, FX_ATOM(OK), fx_small(1), &tup));
  ASSERT_OK(fx_make_binary(f.h, "key", 3, &bin));
  ASSERT_OK(charlist(&f, "key", &lst));
  /* keys of every kind, a nested map, int and float keys that are == */
  fx_term_t keys[] = {fx_small(1), flt(&f, 1.0), fx_small(-5), integer(&f, INT64_C(1) << 62), atom(&f, "a"),
                      tup, bin, lst, FX_NIL, inner, fx_pid_term(fx_pid_make(3, 1))};
  const size_t n = sizeof keys / sizeof *keys;
  fx_term_t vals[sizeof keys / sizeof *keys];
  for (size_t i = 0; i < n; i++) vals[i] = i % 2 ? inner : fx_small((int64_t)i);
  ASSERT_OK(fx_make_map(f.h, n, keys, vals, &t));
  ASSERT_EQ(fx_map_size(t), n);
  CHECK(roundtrip(fx_test_failed__, &f, t));
  /* 40 keys (a hash map in Erlang; sorted here) */
  fx_term_t k40[40], v40[40];
  for (size_t i = 0; i < 40; i++) {
    k40[i] = fx_small((int64_t)((i * 17) % 40)); /* not in order */
    v40[i] = fx_small((int64_t)i);
  }
  ASSERT_OK(fx_make_map(f.h, 40, k40, v40, &t));
  CHECK(roundtrip(fx_test_failed__, &f, t));
  CLOSE(f);
}

/* Pairs may come in any order; the map is sorted, and written sorted. */
TEST(etf_map_order) {
  fixture_t f;
  OPEN(f);
  /* #{b => 1, a => 2} as written by hand, out of order */
  CHECK(expect_reencode(fx_test_failed__, &f,
                        BYTES(131, 116, 0, 0, 0, 2, 119, 1, 'b', 97, 1, 119, 1, 'a', 97, 2),
                        BYTES(131, 116, 0, 0, 0, 2, 119, 1, 'a', 97, 2, 119, 1, 'b', 97, 1)));
  /* #{1.0 => x, 2 => y}: integers sort before floats */
  CHECK(expect_reencode(fx_test_failed__, &f,
                        BYTES(131, 116, 0, 0, 0, 2, 70, 63, 240, 0, 0, 0, 0, 0, 0, 119, 1, 'x', 97, 2, 119, 1, 'y'),
                        BYTES(131, 116, 0, 0, 0, 2, 97, 2, 119, 1, 'y', 70, 63, 240, 0, 0, 0, 0, 0, 0, 119, 1, 'x')));
  /* 64 keys in reverse: the sort must cope with a worst case */
  uint8_t in[6 + 64 * 4], want[6 + 64 * 4];
  uint8_t hdr[6] = {131, 116, 0, 0, 0, 64};
  memcpy(in, hdr, 6);
  memcpy(want, hdr, 6);
  for (int i = 0; i < 64; i++) {
    uint8_t *p = in + 6 + 4 * i, *q = want + 6 + 4 * i;
    p[0] = 97, p[1] = (uint8_t)(63 - i), p[2] = 97, p[3] = (uint8_t)i;
    q[0] = 97, q[1] = (uint8_t)i, q[2] = 97, q[3] = (uint8_t)(63 - i);
  }
  CHECK(expect_reencode(fx_test_failed__, &f, in, sizeof in, want, sizeof want));
  CLOSE(f);
}

/* Erlang refuses a map with a key twice, in any spelling of the key. The
 * check runs when the map is built (see etf.c); fx_etf_decode gives back
 * the heap words it took. */
TEST(etf_duplicate_map_keys) {
  fixture_t f;
  OPEN(f);
  const struct {
    const uint8_t *b;
    size_t n;
  } cases[] = {
    {BYTES(131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 97, 1, 97, 2)},
    {BYTES(131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 98, 0, 0, 0, 1, 97, 2)},
    {BYTES(131, 116, 0, 0, 0, 2, 100, 0, 1, 'a', 97, 1, 119, 1, 'a', 97, 2)},
    {BYTES(131, 116, 0, 0, 0, 3, 97, 3, 106, 97, 2, 106, 97, 3, 106)},
    {BYTES(131, 116, 0, 0, 0, 2, 107, 0, 1, 7, 106, 108, 0, 0, 0, 1, 97, 7, 106, 106)},
    /* nested maps equal in a different order */
    {BYTES(131, 116, 0, 0, 0, 2, 116, 0, 0, 0, 2, 97, 1, 106, 97, 2, 106, 106, 116, 0, 0, 0, 2, 97, 2, 106, 97, 1,
           106, 106)},
  };
  atom(&f, "a"); /* interned before: a failed decode keeps the atoms it made */
  ASSERT(fx_heap_alloc(f.h, 1) != NULL); /* the heap has its first chunk */
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    fx_term_t t;
    size_t before = fx_runtime_memory(f.rt);
    ASSERT_ERR(fx_etf_decode(f.rt, cases[i].b, cases[i].n, f.h, &t), FX_EBADTERM);
    ASSERT_EQ(fx_runtime_memory(f.rt), before);
  }
  /* A fresh heap keeps the chunk the failed decode took (heap.c keeps a
   * heap's first chunk), but failing again costs nothing more. */
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(f.rt, &h));
  fx_term_t t;
  ASSERT_ERR(fx_etf_decode(f.rt, cases[0].b, cases[0].n, h, &t), FX_EBADTERM);
  size_t before = fx_runtime_memory(f.rt);
  for (int i = 0; i < 3; i++) ASSERT_ERR(fx_etf_decode(f.rt, cases[0].b, cases[0].n, h, &t), FX_EBADTERM);
  ASSERT_EQ(fx_runtime_memory(f.rt), before);
  fx_heap_free(h);
  CLOSE(f);
}

static const uint8_t NONODE[] = {'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't'};

/* A NEW_PID_EXT for node `node` (13 bytes). */
static size_t pid_bytes(uint8_t *out, const uint8_t *node, uint32_t id, uint32_t serial, uint32_t creation) {
  uint8_t *p = out;
  *p++ = 131, *p++ = 88, *p++ = 119, *p++ = 13;
  memcpy(p, node, 13);
  p += 13;
  const uint32_t v[3] = {id, serial, creation};
  for (int i = 0; i < 3; i++) {
    *p++ = (uint8_t)(v[i] >> 24), *p++ = (uint8_t)(v[i] >> 16), *p++ = (uint8_t)(v[i] >> 8), *p++ = (uint8_t)v[i];
  }
  return (size_t)(p - out);
}

TEST(etf_pids) {
  fixture_t f;
  OPEN(f);
  const fx_pid_t pids[] = {fx_pid_make(0, 0), fx_pid_make(1, 1), fx_pid_make(123, 456), fx_pid_make(UINT32_MAX, (uint32_t)FX_PID_MAX_GEN)};
  for (size_t i = 0; i < sizeof pids / sizeof *pids; i++) CHECK(roundtrip(fx_test_failed__, &f, fx_pid_term(pids[i])));
  uint8_t b[64];
  fx_term_t t;
  /* this node, this creation: a local pid */
  size_t n = pid_bytes(b, NONODE, 42, 7, 0);
  ASSERT_OK(fx_etf_decode(f.rt, b, n, f.h, &t));
  ASSERT_EQ(t, fx_pid_term(fx_pid_make(42, 7)));
  size_t words;
  ASSERT_OK(fx_etf_measure(f.rt, b, n, &words));
  ASSERT_EQ(words, 0);
  /* another creation, another node, a serial too big for a local pid:
   * external pids, written back as they came */
  const uint8_t other[13] = {'o', 't', 'h', 'e', 'r', '@', 'm', 'a', 'c', 'h', 'i', 'n', 'e'};
  size_t lens[3] = {pid_bytes(b, NONODE, 42, 7, 1), 0, 0};
  uint8_t b2[64], b3[64];
  lens[1] = pid_bytes(b2, other, UINT32_MAX, UINT32_MAX, 0x12345678);
  lens[2] = pid_bytes(b3, NONODE, 1, (uint32_t)FX_PID_MAX_GEN + 1, 0);
  const uint8_t *bufs[3] = {b, b2, b3};
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(fx_etf_decode(f.rt, bufs[i], lens[i], f.h, &t));
    ASSERT(fx_is_box_of(t, FX_BOX_EXTPID));
    ASSERT(fx_is_pid(t));
    CHECK(expect_reencode(fx_test_failed__, &f, bufs[i], lens[i], bufs[i], lens[i]));
    CHECK(roundtrip(fx_test_failed__, &f, t));
  }
  /* legacy PID_EXT: 8-bit creation */
  uint8_t old[] = {131, 103, 100, 0, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't',
                   0, 0, 0, 5, 0, 0, 0, 2, 0};
  ASSERT_OK(fx_etf_decode(f.rt, old, sizeof old, f.h, &t));
  ASSERT_EQ(t, fx_pid_term(fx_pid_make(5, 2)));
  old[sizeof old - 1] = 4; /* its creation is 2 bits, as Erlang reads it */
  CHECK(expect_error(fx_test_failed__, &f, old, sizeof old, FX_EBADTERM));
  /* the node must be an atom */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 88, 106, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0), FX_EBADTERM));
  CLOSE(f);
}

TEST(etf_refs) {
  fixture_t f;
  OPEN(f);
  fx_term_t r;
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(fx_make_ref(f.rt, f.h, &r));
    CHECK(roundtrip(fx_test_failed__, &f, r));
  }
  /* 1 to 5 ids decode; 0 and 6 do not */
  uint8_t b[64] = {131, 90, 0, 0, 119, 3, 'a', '@', 'b', 0, 0, 0, 9};
  for (size_t n = 0; n <= 6; n++) {
    b[3] = (uint8_t)n;
    for (size_t i = 0; i < 4 * n; i++) b[13 + i] = (uint8_t)(i * 37 + 1);
    size_t len = 13 + 4 * n;
    if (n == 0 || n > 5) {
      CHECK(expect_error(fx_test_failed__, &f, b, len, FX_EBADTERM));
    } else {
      fx_term_t t;
      ASSERT_OK(fx_etf_decode(f.rt, b, len, f.h, &t));
      ASSERT(fx_is_ref(t));
      ASSERT_EQ(fx_box_size(t), n);
      ASSERT_EQ(fx__ref_id(t, n - 1), ((uint32_t)b[len - 4] << 24 | (uint32_t)b[len - 3] << 16 | (uint32_t)b[len - 2] << 8 | b[len - 1]));
      CHECK(expect_reencode(fx_test_failed__, &f, b, len, b, len));
    }
  }
  /* legacy NEW_REFERENCE_EXT (8-bit creation) comes back as NEWER */
  CHECK(expect_reencode(fx_test_failed__, &f, BYTES(131, 114, 0, 1, 119, 3, 'a', '@', 'b', 2, 0, 0, 0, 7),
                        BYTES(131, 90, 0, 1, 119, 3, 'a', '@', 'b', 0, 0, 0, 2, 0, 0, 0, 7)));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 114, 0, 1, 119, 3, 'a', '@', 'b', 4, 0, 0, 0, 7), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 90, 0, 1, 97, 3, 0, 0, 0, 2, 0, 0, 0, 7), FX_EBADTERM));
  CLOSE(f);
}

/* A term holding one of everything, for the malformed-input tests. */
static int everything(fixture_t *f, fx_term_t *out) {
  fx_term_t big = bignum_of_bytes(f, 1, 20), ref = FX_NONE, bin = FX_NONE, str = FX_NONE, map = FX_NONE;
  fx_term_t lst = FX_NONE, t = FX_NONE;
  int err = fx_make_ref(f->rt, f->h, &ref);
  if (!err) err = fx_make_binary(f->h, "bin", 3, &bin);
  if (!err) err = charlist(f, "str", &str);
  fx_term_t keys[2] = {atom(f, "k"), fx_small(1)}, vals[2] = {flt(f, -1.5), str};
  if (!err) err = fx_make_map(f->h, 2, keys, vals, &map);
  fx_term_t elems[3] = {fx_small(70000), atom(f, "\xc3\xa9t\xc3\xa9"), map};
  if (!err) err = fx_make_list(f->h, 3, elems, bin, &lst);
  fx_term_t top[6] = {big, ref, fx_pid_term(fx_pid_make(4, 2)), lst, FX_NIL, fx_small(-7)};
  if (!err) err = fx_make_tuple(f->h, 6, top, &t);
  *out = t;
  return err || big == FX_NONE ? FX_ENOMEM : FX_OK;
}

/* Every proper prefix of a valid encoding is an error, and no error leaks. */
TEST(etf_truncation) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  ASSERT_OK(everything(&f, &t));
  uint8_t *b;
  size_t len;
  CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
  size_t before = fx_runtime_memory(f.rt);
  for (size_t n = 0; n < len; n++) {
    size_t words;
    fx_term_t out;
    int e1 = fx_etf_measure(f.rt, b, n, &words);
    int e2 = fx_etf_decode(f.rt, b, n, f.h, &out);
    if (!e1 || e1 != e2 || fx_runtime_memory(f.rt) != before) {
      fprintf(stderr, "  prefix %zu of %zu: measure %s, decode %s\n", n, len, fx_err_name(e1), fx_err_name(e2));
      free(b);
      ASSERT(0);
    }
  }
  fx_term_t back;
  int err = fx_etf_decode(f.rt, b, len, f.h, &back);
  free(b);
  ASSERT_OK(err);
  ASSERT(fx_term_equal(f.rt, t, back));
  CLOSE(f);
}

TEST(etf_bad_input) {
  fixture_t f;
  OPEN(f);
  CHECK(expect_error(fx_test_failed__, &f, BYTES(130, 97, 1), FX_EBADVERSION));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(0), FX_EBADVERSION));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131), FX_ETRUNCATED));
  size_t words;
  ASSERT_ERR(fx_etf_measure(f.rt, (const uint8_t *)"", 0, &words), FX_ETRUNCATED);
  /* tags of types fauxtp has no term for (77: a bitstring of 3 bits),
   * compressed terms (fx_etf_inflate makes them plain), nonsense */
  const uint8_t tags[] = {0, 1, 69, 77, 80, 101, 102, 112, 113, 117, 255};
  for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
    uint8_t b[8] = {131, tags[i], 0, 0, 0, 0, 3, 0};
    CHECK(expect_error(fx_test_failed__, &f, b, sizeof b, FX_EBADTAG));
  }
  /* bytes after the term */
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 97, 1, 0), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 106, 106), FX_EBADTERM));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 104, 1, 97, 1, 97, 2), FX_EBADTERM));
  CLOSE(f);
}

/* Counts the input cannot hold fail at once, before anything is
 * reserved: every element takes at least one more byte. */
TEST(etf_absurd_counts) {
  fixture_t f;
  OPEN(f);
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 108, 255, 255, 255, 255, 106), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 105, 255, 255, 255, 255, 97, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 116, 255, 255, 255, 255, 97, 1, 97, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 116, 0, 0, 0, 2, 97, 1, 97, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 109, 255, 255, 255, 255, 1, 2, 3), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 111, 255, 255, 255, 255, 0, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 110, 255, 0, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 107, 255, 255, 1), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 118, 255, 255, 'a'), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 104, 3, 97, 1, 97, 2), FX_ETRUNCATED));
  CHECK(expect_error(fx_test_failed__, &f, BYTES(131, 90, 0, 5, 119, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 1), FX_ETRUNCATED));
  CLOSE(f);
}

/* Past FX_ETF_MAX_COUNT with the input to back it: FX_ETOOBIG. The buffer
 * is calloc'ed (untouched pages are free) and never scanned. */
TEST(etf_count_limit) {
  fixture_t f;
  OPEN(f);
  size_t n = (size_t)FX_ETF_MAX_COUNT + 1;
  uint8_t *b = calloc(n + 16, 1);
  ASSERT(b != NULL);
  size_t words;
  b[0] = 131, b[1] = 109; /* BINARY_EXT of 2^28 + 1 bytes */
  b[2] = (uint8_t)(n >> 24), b[3] = (uint8_t)(n >> 16), b[4] = (uint8_t)(n >> 8), b[5] = (uint8_t)n;
  int e1 = fx_etf_measure(f.rt, b, 6 + n, &words);
  b[1] = 111; /* LARGE_BIG_EXT, sign 0 */
  int e2 = fx_etf_measure(f.rt, b, 7 + n, &words);
  free(b);
  ASSERT_ERR(e1, FX_ETOOBIG);
  ASSERT_ERR(e2, FX_ETOOBIG);
  CLOSE(f);
}

/* `levels` nested 1-tuples around 0: 131, (104, 1) x levels, 97, 0. */
static uint8_t *nested_tuples(size_t levels, size_t *len) {
  uint8_t *b = malloc(3 + 2 * levels);
  if (!b) return NULL;
  b[0] = 131;
  for (size_t i = 0; i < levels; i++) b[1 + 2 * i] = 104, b[2 + 2 * i] = 1;
  b[1 + 2 * levels] = 97;
  b[2 + 2 * levels] = 0;
  *len = 3 + 2 * levels;
  return b;
}

/* FX_ETF_MAX_DEPTH (512) nested containers decode, 513 do not, in both
 * directions; leaves inside the deepest container do not count. */
TEST(etf_depth_limit) {
  fixture_t f;
  OPEN(f);
  size_t len, words;
  fx_term_t t;
  uint8_t *b = nested_tuples(FX_ETF_MAX_DEPTH, &len);
  ASSERT(b != NULL);
  int err = fx_etf_decode(f.rt, b, len, f.h, &t);
  free(b);
  ASSERT_OK(err);
  CHECK(roundtrip(fx_test_failed__, &f, t));
  b = nested_tuples(FX_ETF_MAX_DEPTH + 1, &len);
  ASSERT(b != NULL);
  err = fx_etf_measure(f.rt, b, len, &words);
  free(b);
  ASSERT_ERR(err, FX_ETOODEEP);
  /* the encoder refuses what the decoder would */
  fx_term_t deeper;
  ASSERT_OK(fx_tuple2(f.h, t, t, &deeper)); /* 513 levels */
  ASSERT_ERR(fx_etf_encoded_size(f.rt, deeper, &len), FX_ETOODEEP);
  /* lists and maps count as levels too: [[...[5]...]] and #{1 => #{...}} */
  fx_term_t l = fx_small(5), m;
  for (int i = 0; i < FX_ETF_MAX_DEPTH; i++) ASSERT_OK(fx_make_cons(f.h, l, FX_NIL, &l));
  CHECK(roundtrip(fx_test_failed__, &f, l));
  ASSERT_OK(fx_make_cons(f.h, l, FX_NIL, &l));
  ASSERT_ERR(fx_etf_encoded_size(f.rt, l, &len), FX_ETOODEEP);
  fx_term_t one = fx_small(1);
  ASSERT_OK(charlist(&f, "x", &m)); /* the innermost: a string, one level */
  for (int i = 1; i < FX_ETF_MAX_DEPTH; i++) ASSERT_OK(fx_make_map(f.h, 1, &one, &m, &m));
  CHECK(roundtrip(fx_test_failed__, &f, m));
  ASSERT_OK(fx_make_map(f.h, 1, &one, &m, &m));
  ASSERT_ERR(fx_etf_encoded_size(f.rt, m, &len), FX_ETOODEEP);
  /* a STRING_EXT one level too deep, by hand */
  b = malloc(3 + 2 * FX_ETF_MAX_DEPTH + 3);
  ASSERT(b != NULL);
  b[0] = 131;
  for (size_t i = 0; i < FX_ETF_MAX_DEPTH; i++) b[1 + 2 * i] = 104, b[2 + 2 * i] = 1;
  memcpy(b + 1 + 2 * FX_ETF_MAX_DEPTH, (const uint8_t[]){107, 0, 1, 9}, 4);
  err = fx_etf_measure(f.rt, b, 5 + 2 * FX_ETF_MAX_DEPTH, &words);
  int err_empty = 0;
  memcpy(b + 1 + 2 * FX_ETF_MAX_DEPTH, (const uint8_t[]){107, 0, 0}, 3); /* "" is [], a leaf */
  err_empty = fx_etf_measure(f.rt, b, 4 + 2 * FX_ETF_MAX_DEPTH, &words);
  free(b);
  ASSERT_ERR(err, FX_ETOODEEP);
  ASSERT_OK(err_empty);
  CLOSE(f);
}

/* Long lists use no stack per element, either way. */
TEST(etf_million_list) {
  fixture_t f;
  OPEN(f);
  const size_t n = 1000000;
  fx_term_t *elems = malloc(n * sizeof *elems);
  ASSERT(elems != NULL);
  for (size_t i = 0; i < n; i++) elems[i] = fx_small((int64_t)i * 3 - 1000);
  fx_term_t t;
  int err = fx_make_list(f.h, n, elems, FX_NIL, &t);
  free(elems);
  ASSERT_OK(err);
  CHECK(roundtrip(fx_test_failed__, &f, t));
  /* a million bytes: past STRING_EXT's limit, so LIST_EXT of SMALL_INTs */
  uint8_t *b = malloc(7 + 2 * n);
  ASSERT(b != NULL);
  b[0] = 131, b[1] = 108;
  b[2] = (uint8_t)(n >> 24), b[3] = (uint8_t)(n >> 16), b[4] = (uint8_t)(n >> 8), b[5] = (uint8_t)n;
  for (size_t i = 0; i < n; i++) b[6 + 2 * i] = 97, b[7 + 2 * i] = (uint8_t)i;
  b[6 + 2 * n] = 106;
  CHECK(expect_reencode(fx_test_failed__, &f, b, 7 + 2 * n, b, 7 + 2 * n));
  free(b);
  CLOSE(f);
}

TEST(etf_encode_buffer) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  ASSERT_OK(everything(&f, &t));
  size_t size, len;
  ASSERT_OK(fx_etf_encoded_size(f.rt, t, &size));
  uint8_t *b = malloc(size + 1);
  ASSERT(b != NULL);
  for (size_t cap = 0; cap < size; cap++) {
    int err = fx_etf_encode(f.rt, t, b, cap, &len);
    if (err != FX_ENOSPACE) free(b);
    ASSERT_ERR(err, FX_ENOSPACE);
  }
  int err = fx_etf_encode(f.rt, t, b, size + 1, &len);
  free(b);
  ASSERT_OK(err);
  ASSERT_EQ(len, size);
  CLOSE(f);
}

TEST(etf_invalid_arguments) {
  fixture_t f;
  OPEN(f);
  uint8_t b[8];
  size_t n;
  uint64_t w[4];
  fx_term_t t;
  ASSERT_ERR(fx_etf_encoded_size(NULL, FX_NIL, &n), FX_EINVAL);
  ASSERT_ERR(fx_etf_encoded_size(f.rt, FX_NIL, NULL), FX_EINVAL);
  ASSERT_ERR(fx_etf_encode(NULL, FX_NIL, b, sizeof b, &n), FX_EINVAL);
  ASSERT_ERR(fx_etf_encode(f.rt, FX_NIL, NULL, sizeof b, &n), FX_EINVAL);
  ASSERT_ERR(fx_etf_encode(f.rt, FX_NIL, b, sizeof b, NULL), FX_EINVAL);
  ASSERT_ERR(fx_etf_encode(f.rt, FX_NIL, NULL, 0, &n), FX_ENOSPACE);
  ASSERT_ERR(fx_etf_measure(NULL, BYTES(131, 106), &n), FX_EINVAL);
  ASSERT_ERR(fx_etf_measure(f.rt, NULL, 2, &n), FX_EINVAL);
  ASSERT_ERR(fx_etf_measure(f.rt, BYTES(131, 106), NULL), FX_EINVAL);
  ASSERT_ERR(fx_etf_decode_into(NULL, BYTES(131, 106), w, 4, &t), FX_EINVAL);
  ASSERT_ERR(fx_etf_decode_into(f.rt, BYTES(131, 106), NULL, 4, &t), FX_EINVAL);
  ASSERT_ERR(fx_etf_decode_into(f.rt, BYTES(131, 106), w, 4, NULL), FX_EINVAL);
  ASSERT_OK(fx_etf_decode_into(f.rt, BYTES(131, 106), NULL, 0, &t));
  ASSERT_EQ(t, FX_NIL);
  ASSERT_ERR(fx_etf_decode(NULL, BYTES(131, 106), f.h, &t), FX_EINVAL);
  ASSERT_ERR(fx_etf_decode(f.rt, BYTES(131, 106), NULL, &t), FX_EINVAL);
  ASSERT_ERR(fx_etf_decode(f.rt, BYTES(131, 106), f.h, NULL), FX_EINVAL);
  /* malformed terms refuse to encode */
  ASSERT_ERR(fx_etf_encoded_size(f.rt, FX_NONE, &n), FX_EBADTERM);
  ASSERT_ERR(fx_etf_encoded_size(f.rt, (fx_term_t)6, &n), FX_EBADTERM);
  ASSERT_ERR(fx_etf_encoded_size(f.rt, fx_atom_from_index(1u << 30), &n), FX_EBADTERM);
  uint64_t *raw = fx_heap_alloc(f.h, 2); /* {FX_NONE}, which builders refuse to make */
  ASSERT(raw != NULL);
  raw[0] = fx__header(FX_BOX_TUPLE, 1);
  raw[1] = FX_NONE;
  t = fx__box(raw);
  ASSERT_ERR(fx_etf_encoded_size(f.rt, t, &n), FX_EBADTERM);
  /* a heap of another runtime */
  fixture_t g;
  OPEN(g);
  ASSERT_ERR(fx_etf_decode(f.rt, BYTES(131, 106), g.h, &t), FX_EINVAL);
  CLOSE(g);
  CLOSE(f);
}

/* decode_into trusts nothing: unmeasured bytes, too few words. */
TEST(etf_decode_into_words) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  ASSERT_OK(everything(&f, &t));
  uint8_t *b;
  size_t len, words;
  CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
  int err = fx_etf_measure(f.rt, b, len, &words);
  uint64_t *w = malloc(words * 8);
  int ok = !err && w;
  for (size_t n = 0; ok && n < words; n++) {
    fx_term_t out;
    if (fx_etf_decode_into(f.rt, b, len, w, n, &out) != FX_ENOSPACE) ok = 0;
  }
  fx_term_t out = FX_NONE;
  if (ok) err = fx_etf_decode_into(f.rt, b, len, w, words, &out);
  int equal = ok && !err && fx_term_equal(f.rt, t, out);
  free(w);
  free(b);
  ASSERT(ok);
  ASSERT_OK(err);
  ASSERT(equal);
  CLOSE(f);
}

/* Every allocation a decode makes (the heap's chunk, new atoms) fails in
 * turn: each failure is FX_ENOMEM and leaves a runtime that works. */
TEST(etf_out_of_memory) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  ASSERT_OK(everything(&f, &t));
  uint8_t *b;
  size_t len;
  CHECK(encode_alloc(fx_test_failed__, f.rt, t, &b, &len));
  /* Decode in a second runtime: its atoms are new there, so interning
   * allocates. */
  fixture_t g;
  OPEN(g);
  int done = 0, bad = 0;
  for (long k = 0; k < 1000 && !done && !bad; k++) {
    fx_heap_t *h;
    if (fx_heap_new(g.rt, &h)) {
      bad = 1;
      break;
    }
    g.alloc.countdown = k;
    fx_term_t out;
    int err = fx_etf_decode(g.rt, b, len, h, &out);
    g.alloc.countdown = -1;
    if (err == FX_OK) {
      done = 1;
      char x[512], y[512];
      fx_term_format(f.rt, t, x, sizeof x);
      fx_term_format(g.rt, out, y, sizeof y);
      /* the ref and the pid print the same; everything else too */
      if (strcmp(x, y) != 0) {
        fprintf(stderr, "  %s\n  %s\n", x, y);
        bad = 1;
      }
    } else if (err != FX_ENOMEM) {
      fprintf(stderr, "  countdown %ld: %s\n", k, fx_err_name(err));
      bad = 1;
    }
    fx_heap_free(h);
  }
  free(b);
  ASSERT(done);
  ASSERT(!bad);
  CLOSE(g);
  CLOSE(f);
}

/* ---- fuzzing ---- */

static uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* Mutated encodings: no crash (ASan watches), and whenever measure accepts
 * an input, decode_into builds it in exactly the measured words (or finds
 * duplicate map keys, the one check measuring cannot make). */
TEST(etf_fuzz) {
  fixture_t f;
  OPEN(f);
  fx_term_t t;
  ASSERT_OK(everything(&f, &t));
  uint8_t *seed;
  size_t len;
  CHECK(encode_alloc(fx_test_failed__, f.rt, t, &seed, &len));
  uint8_t *b = malloc(len + 16);
  uint64_t *w = malloc(4096 * 8);
  uint64_t rng = 0x9e3779b97f4a7c15u;
  int bad = 0, accepted = 0;
  for (int iter = 0; iter < 20000 && b && w && !bad; iter++) {
    size_t n = len;
    memcpy(b, seed, len);
    int edits = 1 + (int)(rng_next(&rng) % 4);
    for (int e = 0; e < edits; e++) {
      uint64_t r = rng_next(&rng);
      size_t at = (size_t)(r >> 8) % n;
      switch (r % 4) {
      case 0: b[at] = (uint8_t)(r >> 40); break;
      case 1: b[at] ^= (uint8_t)(1u << ((r >> 40) % 8)); break;
      case 2: n = at + 1; break;
      default: b[at] = (uint8_t)((r >> 40) % 3 == 0 ? 0 : 255); break;
      }
    }
    size_t words;
    if (fx_etf_measure(f.rt, b, n, &words) != FX_OK) continue;
    accepted++;
    if (words > 4096) continue;
    fx_term_t out;
    int err = fx_etf_decode_into(f.rt, b, n, w, words, &out);
    if (err != FX_OK && err != FX_EBADTERM) {
      fprintf(stderr, "  iteration %d: measured, then %s\n", iter, fx_err_name(err));
      hexdump("input", b, n);
      bad = 1;
    } else if (!err) {
      size_t size;
      if (fx_etf_encoded_size(f.rt, out, &size)) bad = 1; /* what decodes, encodes */
    }
  }
  free(w);
  free(b);
  free(seed);
  ASSERT(!bad);
  ASSERT(accepted > 0);
  CLOSE(f);
}

/* A host's bytes travel as a whole-byte BIT_BINARY_EXT (Erlang reads it as
 * the same binary) and come back as bytes; they equal the same text. */
TEST(host_bytes_round_trip_as_whole_byte_bit_binaries) {
  fx_runtime_t *rt;
  fx_heap_t *h;
  ASSERT_OK(fx_runtime_new(NULL, &rt));
  ASSERT_OK(fx_heap_new(rt, &h));
  static const uint8_t bytes[] = {131, 77, 0, 0, 0, 2, 8, 104, 105};
  static const uint8_t text[] = {131, 109, 0, 0, 0, 2, 104, 105};
  fx_term_t a, b;
  ASSERT_OK(fx_etf_decode(rt, bytes, sizeof bytes, h, &a));
  ASSERT_OK(fx_etf_decode(rt, text, sizeof text, h, &b));
  ASSERT(fx_is_binary(a) && fx_binary_is_bytes(a));
  ASSERT(fx_is_binary(b) && !fx_binary_is_bytes(b));
  ASSERT(fx_term_equal(rt, a, b));
  ASSERT_EQ(fx_term_compare(rt, a, b), 0);
  uint8_t out[32];
  size_t len;
  ASSERT_OK(fx_etf_encode(rt, a, out, sizeof out, &len));
  ASSERT_EQ(len, sizeof bytes);
  ASSERT(memcmp(out, bytes, len) == 0);
  fx_term_t c;
  ASSERT_OK(fx_heap_copy(h, a, &c));
  ASSERT(fx_binary_is_bytes(c)); /* copies keep the flag */
  /* No bytes: 0 bits in the last byte (Erlang reads it as <<>>), and back. */
  static const uint8_t none[] = {131, 77, 0, 0, 0, 0, 0};
  ASSERT_OK(fx_etf_decode(rt, none, sizeof none, h, &c));
  ASSERT(fx_is_binary(c) && fx_binary_is_bytes(c) && fx_binary_size(c) == 0);
  ASSERT_OK(fx_etf_encode(rt, c, out, sizeof out, &len));
  ASSERT_EQ(len, sizeof none);
  ASSERT(memcmp(out, none, len) == 0);
  /* Real bitstrings, and 8 bits of no byte or 0 bits of some, are refused. */
  static const uint8_t bits[] = {131, 77, 0, 0, 0, 1, 3, 0xe0};
  static const uint8_t empty[] = {131, 77, 0, 0, 0, 0, 8};
  static const uint8_t zero_bits[] = {131, 77, 0, 0, 0, 1, 0, 104};
  ASSERT_ERR(fx_etf_decode(rt, bits, sizeof bits, h, &c), FX_EBADTAG);
  ASSERT_ERR(fx_etf_decode(rt, empty, sizeof empty, h, &c), FX_EBADTAG);
  ASSERT_ERR(fx_etf_decode(rt, zero_bits, sizeof zero_bits, h, &c), FX_EBADTAG);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST_MAIN(host_bytes_round_trip_as_whole_byte_bit_binaries, etf_known_bytes, etf_roundtrip_integers, etf_large_bignums, etf_noncanonical_integers,
          etf_roundtrip_floats, etf_compressed_terms, etf_nonfinite_floats, etf_atoms, etf_legacy_atoms, etf_bad_atoms, etf_tuples,
          etf_lists, etf_list_forms, etf_binaries, etf_maps, etf_map_order, etf_duplicate_map_keys, etf_pids,
          etf_refs, etf_truncation, etf_bad_input, etf_absurd_counts, etf_count_limit, etf_depth_limit,
          etf_million_list, etf_encode_buffer, etf_invalid_arguments, etf_decode_into_words,
          etf_out_of_memory, etf_fuzz)
