/* libFuzzer target: the ETF decoder on arbitrary bytes.
 *
 * Whatever the bytes, measuring allocates and interns nothing, measuring
 * and decoding agree, and neither reads or writes out of bounds. When the
 * input decodes to t:
 *  - the words measured are exactly the words a copy of t takes, and
 *    decode_into given one word fewer fails with FX_ENOSPACE;
 *  - t encodes (encoded_size and encode agree; one byte less is
 *    FX_ENOSPACE), the same bytes every time;
 *  - those bytes decode to a term equal to t (=:= and term order), whose
 *    encoding is the same bytes again (a fixed point);
 *  - a heap copy of t is equal to t, and prints the same text.
 * Buffers are malloc'd at their exact size so ASan sees any overrun. */
#include <string.h>

#include "fuzz.h"

/* Encodes t into a fresh buffer of exactly its size; *len gets the size. */
static uint8_t *encode(fx_runtime_t *rt, fx_term_t t, size_t *len) {
  size_t size = 0;
  int err = fx_etf_encoded_size(rt, t, &size);
  FUZZ_CHECK(err == FX_OK, "a decoded term must encode: %s", fx_err_name(err));
  FUZZ_CHECK(size >= 2, "an encoding has a version byte and a tag: %zu", size);
  uint8_t *buf = malloc(size);
  FUZZ_CHECK(buf != NULL, "malloc");
  size_t n = 0;
  if (size > 2) {
    err = fx_etf_encode(rt, t, buf, size - 1, &n);
    FUZZ_CHECK(err == FX_ENOSPACE, "one byte short must be FX_ENOSPACE: %s", fx_err_name(err));
  }
  err = fx_etf_encode(rt, t, buf, size, &n);
  FUZZ_CHECK(err == FX_OK && n == size, "encode: %s, %zu of %zu bytes", fx_err_name(err), n, size);
  *len = size;
  return buf;
}

static void check_print(fx_runtime_t *rt, fx_term_t a, fx_term_t b) {
  char ta[512], tb[512];
  size_t na = fx_term_format(rt, a, ta, sizeof ta), nb = fx_term_format(rt, b, tb, sizeof tb);
  FUZZ_CHECK(na == nb && strcmp(ta, tb) == 0, "equal terms print alike: %s vs %s", ta, tb);
}

/* decode_into on an exact buffer, and on one a word short. */
static void check_decode_into(fx_runtime_t *rt, const uint8_t *data, size_t size, size_t words, fx_term_t t) {
  uint64_t *w = malloc((words ? words : 1) * sizeof *w);
  FUZZ_CHECK(w != NULL, "malloc");
  fx_term_t u = FX_NONE;
  int err = fx_etf_decode_into(rt, data, size, w, words, &u);
  FUZZ_CHECK(err == FX_OK, "decode_into with the measured words: %s", fx_err_name(err));
  FUZZ_CHECK(fx_term_equal(rt, t, u), "decode and decode_into agree");
  if (words > 0) {
    err = fx_etf_decode_into(rt, data, size, w, words - 1, &u);
    FUZZ_CHECK(err == FX_ENOSPACE, "a word short must be FX_ENOSPACE: %s", fx_err_name(err));
  }
  free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fx_runtime_t *rt = fuzz_runtime(fuzz_zero_clock, NULL);
  fx_heap_t *h = NULL;
  FUZZ_CHECK(fx_heap_new(rt, &h) == FX_OK, "fx_heap_new");

  size_t words = 0, memory = fx_runtime_memory(rt);
  int merr = fx_etf_measure(rt, data, size, &words);
  FUZZ_CHECK(fx_runtime_memory(rt) == memory, "measuring allocates (or interns) nothing");
  fx_term_t t = FX_NONE;
  int err = fx_etf_decode(rt, data, size, h, &t);
  if (merr != FX_OK) {
    FUZZ_CHECK(err == merr, "measure said %s, decode %s", fx_err_name(merr), fx_err_name(err));
  } else {
    /* Only duplicate map keys are found after measuring. */
    FUZZ_CHECK(err == FX_OK || err == FX_EBADTERM, "measured input decodes: %s", fx_err_name(err));
  }
  if (err == FX_OK) {
    FUZZ_CHECK(fx_term_words(t) == words, "measured %zu words, the term takes %zu", words, fx_term_words(t));
    check_decode_into(rt, data, size, words, t);

    size_t n1 = 0, n2 = 0;
    uint8_t *b1 = encode(rt, t, &n1), *b2 = encode(rt, t, &n2);
    FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "encoding is deterministic");

    fx_term_t t2 = FX_NONE;
    err = fx_etf_decode(rt, b1, n1, h, &t2);
    FUZZ_CHECK(err == FX_OK, "what encode writes decodes: %s", fx_err_name(err));
    FUZZ_CHECK(fx_term_equal(rt, t, t2), "decode(encode(t)) =:= t");
    FUZZ_CHECK(fx_term_compare(rt, t, t2) == 0 && fx_term_compare_keys(rt, t, t2) == 0, "equal terms compare equal");
    size_t n3 = 0;
    uint8_t *b3 = encode(rt, t2, &n3);
    FUZZ_CHECK(n3 == n1 && memcmp(b1, b3, n1) == 0, "encode(decode(encode(t))) == encode(t)");
    free(b1);
    free(b2);
    free(b3);

    fx_term_t c = FX_NONE;
    err = fx_heap_copy(h, t, &c);
    FUZZ_CHECK(err == FX_OK, "fx_heap_copy: %s", fx_err_name(err));
    FUZZ_CHECK(fx_term_equal(rt, t, c), "a copy is equal");
    check_print(rt, t, c);
  }

  /* A compressed term: made plain, or refused with nothing kept. */
  uint8_t *plain = NULL;
  size_t plain_len = 0, before = fx_runtime_memory(rt);
  err = fx_etf_inflate(rt, data, size, &plain, &plain_len);
  if (size < 2 || data[0] != FX_ETF_VERSION || data[1] != 80) {
    FUZZ_CHECK(err == FX_EINVAL, "inflating what is not compressed: %s", fx_err_name(err));
  } else if (err == FX_OK) {
    FUZZ_CHECK(plain_len == 1 + ((size_t)data[2] << 24 | (size_t)data[3] << 16 | (size_t)data[4] << 8 | data[5]), "inflated to the size it says");
    fx_term_t p = FX_NONE;
    fx_etf_decode(rt, plain, plain_len, h, &p); /* as any input: a term or an error */
    fx_etf_inflated_free(rt, plain, plain_len);
  } else {
    FUZZ_CHECK(plain == NULL && fx_runtime_memory(rt) == before, "a refused stream keeps nothing");
  }
  fx_heap_free(h);
  fx_runtime_free(rt);
  return 0;
}
