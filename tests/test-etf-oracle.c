/* The fauxtp half of the ETF oracle test (tests/etf/oracle.cmake runs it):
 *
 *   test-etf-oracle ERLANG_CORPUS FAUXTP_OUT
 *
 * decodes every term Erlang wrote (tests/etf/oracle.escript gen: edge
 * cases and 2,500 random terms), encodes it again and requires the very
 * bytes Erlang wrote, and the same from the term as Erlang writes it
 * compressed (most of them: small terms stay uncompressed), made plain by
 * fx_etf_inflate; then writes
 * its own encodings of terms built in C
 * (edge cases and 2,500 random terms), which the escript checks the other
 * way round. Lines are the encoding in hex, a tab, and a description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Hex text up to a tab or the end of the line, into out; its length, or
 * (size_t)-1 when malformed. */
static size_t parse_hex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (; *s && *s != '\t' && *s != '\n'; s += 2) {
    int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);
    if (lo < 0 || n == cap) return (size_t)-1;
    out[n++] = (uint8_t)(hi << 4 | lo);
  }
  return n;
}

static void print_hex(FILE *f, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, "%02X", b[i]);
}

/* Decodes one line of Erlang's corpus and checks the re-encoding. */
static int check_line(fx_runtime_t *rt, fx_heap_t *h, const char *line, uint8_t *in, uint8_t *out, size_t cap) {
  size_t n = parse_hex(line, in, cap), len = 0;
  const char *desc = strchr(line, '\t');
  desc = desc ? desc + 1 : "";
  if (n == (size_t)-1) {
    fprintf(stderr, "  bad corpus line: %.80s\n", line);
    return 0;
  }
  fx_term_t t;
  int err = fx_etf_decode(rt, in, n, h, &t);
  if (!err) err = fx_etf_encode(rt, t, out, cap, &len);
  if (!err && len == n && memcmp(in, out, n) == 0) {
    /* The compressed form: the same term. */
    size_t z = parse_hex(desc, out, cap);
    desc = strchr(desc, '\t');
    desc = desc ? desc + 1 : "";
    uint8_t *plain = out;
    size_t plain_len = z;
    if (z == (size_t)-1) err = FX_EBADTERM;
    else if (z >= 2 && out[1] == 80) err = fx_etf_inflate(rt, out, z, &plain, &plain_len);
    if (!err) err = fx_etf_decode(rt, plain, plain_len, h, &t);
    if (plain != out) fx_etf_inflated_free(rt, plain, plain_len);
    if (!err) err = fx_etf_encode(rt, t, out, cap, &len);
    if (!err && len == n && memcmp(in, out, n) == 0) return 1;
    if (!err) err = FX_EBADTERM; /* another term */
    fprintf(stderr, "  (compressed) ");
  }
  fprintf(stderr, "  %s", desc);
  if (err) {
    fprintf(stderr, "    %s\n", fx_err_name(err));
  } else {
    fprintf(stderr, "    erlang: ");
    print_hex(stderr, in, n < 120 ? n : 120);
    fprintf(stderr, "\n    fauxtp: ");
    print_hex(stderr, out, len < 120 ? len : 120);
    fprintf(stderr, "\n");
  }
  return 0;
}

static int check_corpus(fx_runtime_t *rt, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 0;
  }
  const size_t cap = 1 << 20;
  char *line = malloc(2 * cap + 4096);
  uint8_t *in = malloc(cap), *out = malloc(cap);
  fx_heap_t *h = NULL;
  int total = 0, bad = 0;
  if (line && in && out && !fx_heap_new(rt, &h)) {
    while (fgets(line, (int)(2 * cap + 4096), f)) {
      total++;
      if (!check_line(rt, h, line, in, out, cap)) bad++;
      fx_heap_reset(h);
    }
  } else {
    bad = 1;
  }
  fx_heap_free(h);
  free(line);
  free(in);
  free(out);
  fclose(f);
  printf("oracle: fauxtp re-encoded %d Erlang terms, %d differ\n", total, bad);
  return total > 0 && bad == 0;
}

/* ---- terms built in C, for Erlang to read ---- */

typedef struct writer {
  fx_runtime_t *rt;
  fx_heap_t *h;
  FILE *f;
  int count, failed;
} writer_t;

/* Drops a UTF-8 sequence cut short at the end (the description is
 * truncated text). */
static void trim_utf8(char *s) {
  size_t n = strlen(s), i = n;
  while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) i--;
  if (i == 0 || (unsigned char)s[i - 1] < 0x80) return;
  unsigned char lead = (unsigned char)s[i - 1];
  size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  if (n - (i - 1) < want) s[i - 1] = 0;
}

static void emit(writer_t *w, fx_term_t t, int build_err) {
  size_t n;
  uint8_t *b = NULL;
  int err = build_err;
  if (!err) err = fx_etf_encoded_size(w->rt, t, &n);
  if (!err && !(b = malloc(n))) err = FX_ENOMEM;
  if (!err) err = fx_etf_encode(w->rt, t, b, n, &n);
  if (err) {
    fprintf(stderr, "  could not build or encode term %d: %s\n", w->count, fx_err_name(err));
    w->failed = 1;
  } else {
    char text[201];
    fx_term_format(w->rt, t, text, sizeof text);
    trim_utf8(text);
    for (char *p = text; *p; p++)
      if (*p == '\n' || *p == '\t') *p = ' ';
    print_hex(w->f, b, n);
    fprintf(w->f, "\t%s\n", text);
    w->count++;
  }
  free(b);
}

/* Emits the term a builder call makes into T (a fresh variable: the call
 * must run before T is read, which function arguments do not promise). */
#define EMIT_BUILT(w, call)                                                    \
  do {                                                                         \
    fx_term_t T = FX_NONE;                                                     \
    int e_ = (call);                                                           \
    emit((w), T, e_);                                                          \
  } while (0)

static fx_term_t atom(writer_t *w, const char *s) {
  fx_term_t a = FX_NONE;
  if (fx_atom_cstr(w->rt, s, &a)) w->failed = 1;
  return a;
}

static fx_term_t num(writer_t *w, int64_t v) {
  fx_term_t t = FX_NONE;
  if (fx_make_int(w->h, v, &t)) w->failed = 1;
  return t;
}

static fx_term_t flt(writer_t *w, double v) {
  fx_term_t t = FX_NONE;
  if (fx_make_float(w->h, v, &t)) w->failed = 1;
  return t;
}

static void emit_integers(writer_t *w) {
  const int64_t values[] = {0, 1, 255, 256, -1, -256, INT32_MAX, INT32_MIN, INT64_C(2147483648),
                            INT64_C(-2147483649), (INT64_C(1) << 60) - 1, -(INT64_C(1) << 60),
                            INT64_C(1) << 60, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) emit(w, num(w, values[i]), 0);
  EMIT_BUILT(w, fx_make_uint(w->h, UINT64_MAX, &T));
  uint64_t limbs[40];
  for (size_t n = 2; n <= 40; n += 3) {
    for (size_t i = 0; i < n; i++) limbs[i] = UINT64_C(0x0123456789abcdef) * (i + 1);
    EMIT_BUILT(w, fx_make_bignum(w->h, 0, limbs, n, &T));
    EMIT_BUILT(w, fx_make_bignum(w->h, 1, limbs, n, &T));
  }
}

static void emit_floats(writer_t *w) {
  const double values[] = {0.0, -0.0, 1.0, 1.5, -2.25, 0.1, 1e300, -1e-300, 5e-324, 1.7976931348623157e308};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) emit(w, flt(w, values[i]), 0);
}

static void emit_atoms(writer_t *w) {
  char text[1024];
  emit(w, atom(w, "ok"), 0);
  emit(w, atom(w, ""), 0);
  emit(w, atom(w, "h\xc3\xa9llo"), 0);
  emit(w, atom(w, "\xf0\x9f\x98\x80!"), 0);
  memset(text, 'x', 255);
  text[255] = 0;
  emit(w, atom(w, text), 0);
  for (int i = 0; i < 255; i++) memcpy(text + 2 * i, "\xc3\xa9", 2);
  text[510] = 0;
  emit(w, atom(w, text), 0);
}

static void emit_containers(writer_t *w) {
  fx_term_t elems[300], t = FX_NONE, inner = FX_NONE;
  for (int i = 0; i < 300; i++) elems[i] = fx_small(i * 7 - 100);
  EMIT_BUILT(w, fx_make_tuple(w->h, 0, NULL, &T));
  EMIT_BUILT(w, fx_tuple2(w->h, FX_ATOM(OK), fx_small(1), &T));
  EMIT_BUILT(w, fx_make_tuple(w->h, 255, elems, &T));
  EMIT_BUILT(w, fx_make_tuple(w->h, 300, elems, &T));
  emit(w, FX_NIL, 0);
  fx_term_t chars[3] = {fx_small('a'), fx_small('b'), fx_small('c')};
  EMIT_BUILT(w, fx_make_list(w->h, 3, chars, FX_NIL, &T));
  EMIT_BUILT(w, fx_make_list(w->h, 3, chars, fx_small(4), &T));
  EMIT_BUILT(w, fx_make_list(w->h, 300, elems, FX_NIL, &T));
  EMIT_BUILT(w, fx_make_cons(w->h, atom(w, "a"), atom(w, "b"), &T));
  EMIT_BUILT(w, fx_make_binary(w->h, "", 0, &T));
  EMIT_BUILT(w, fx_make_binary(w->h, "hello\0\xff", 7, &T));
  EMIT_BUILT(w, fx_make_map(w->h, 0, NULL, NULL, &T));
  fx_term_t k1[2] = {atom(w, "y"), atom(w, "x")}, v1[2] = {flt(w, 2.5), fx_small(1)};
  int err = fx_make_map(w->h, 2, k1, v1, &inner);
  emit(w, inner, err);
  fx_term_t bin = FX_NONE, lst = FX_NONE, tup = FX_NONE;
  if (!err) err = fx_make_binary(w->h, "key", 3, &bin);
  if (!err) err = fx_make_list(w->h, 3, chars, FX_NIL, &lst);
  if (!err) err = fx_tuple2(w->h, atom(w, "a"), fx_small(1), &tup);
  fx_term_t keys[] = {flt(w, 1.0), fx_small(1), atom(w, "zz"), atom(w, "a"), tup, bin, lst, FX_NIL, inner,
                      fx_small(-5), num(w, INT64_MAX), flt(w, -0.5), fx_pid_term(fx_pid_make(12, 3))};
  const size_t n = sizeof keys / sizeof *keys;
  fx_term_t vals[sizeof keys / sizeof *keys];
  for (size_t i = 0; i < n; i++) vals[i] = fx_small((int64_t)i);
  if (!err) err = fx_make_map(w->h, n, keys, vals, &t);
  emit(w, t, err);
}

/* Local pids within what a non-distributed Erlang node accepts as its own
 * (id < 2^15, serial < 2^13), and refs as fx_make_ref makes them. */
static void emit_pids_and_refs(writer_t *w) {
  emit(w, fx_pid_term(fx_pid_make(0, 0)), 0);
  emit(w, fx_pid_term(fx_pid_make(42, 1)), 0);
  emit(w, fx_pid_term(fx_pid_make(32767, 8191)), 0);
  fx_term_t r = FX_NONE, t = FX_NONE;
  for (int i = 0; i < 3; i++) EMIT_BUILT(w, fx_make_ref(w->rt, w->h, &T));
  int err = fx_make_ref(w->rt, w->h, &r);
  if (!err) err = fx_tuple3(w->h, FX_ATOM(GEN_CALL), fx_pid_term(fx_pid_make(7, 2)), r, &t);
  emit(w, t, err);
}

/* ---- random terms built in C (seeded; maps of up to 32 keys, which
 * Erlang writes in term order as fauxtp does) ---- */

#define RANDOM_TERMS 2500

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(2685821657736338717);
}

static size_t below(size_t n) { return (size_t)(rng() % n); }

/* UTF-8 text of up to max characters from a small alphabet (ASCII, é, 中,
 * an emoji, a BOM, NUL when allowed). */
static size_t random_text(char *out, size_t max, int nul) {
  static const char *const chars[] = {"a", "q", "Z", "_", " ", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xef\xbb\xbf", "0"};
  size_t n = below(max + 1), len = 0;
  for (size_t i = 0; i < n; i++) {
    const char *c = chars[below(sizeof chars / sizeof *chars - (nul ? 0 : 1))];
    size_t k = c[0] == '0' && nul ? 1 : strlen(c);
    memcpy(out + len, c[0] == '0' && nul ? "" : c, k);
    len += k;
  }
  out[len] = 0;
  return len;
}

/* As a map key, -0.0 is left out: OTP 25 holds -0.0 and 0.0 for the same
 * key (and refuses a map with both), fauxtp and OTP 27 tell them apart. */
static fx_term_t random_leaf(writer_t *w, int key) {
  fx_term_t t = FX_NONE;
  int err = FX_OK;
  char text[128];
  uint8_t bytes[24];
  switch (below(13)) {
  case 0: t = fx_small((int64_t)below(256)); break;
  case 1: err = fx_make_int(w->h, (int64_t)(int32_t)(uint32_t)rng(), &t); break;
  case 2: err = fx_make_int(w->h, (int64_t)rng() >> below(64), &t); break;
  case 3: {
    uint64_t limbs[34];
    size_t n = 1 + below(33);
    for (size_t i = 0; i < n; i++) limbs[i] = rng();
    err = fx_make_bignum(w->h, (int)below(2), limbs, n, &t);
    break;
  }
  case 4: {
    double d;
    do {
      uint64_t bits = rng();
      memcpy(&d, &bits, sizeof d);
    } while (d != d || d - d != 0 || (key && d == 0)); /* finite */
    err = fx_make_float(w->h, d, &t);
    break;
  }
  case 5: {
    static const double some[] = {0.0, 1.0, -1.5, 0.1, 1e300, 5e-324, 1152921504606846976.0, -0.0};
    err = fx_make_float(w->h, some[below(sizeof some / sizeof *some - (key ? 1 : 0))], &t);
    break;
  }
  case 6: random_text(text, 12, 0); err = fx_atom_cstr(w->rt, text, &t); break;
  case 7: {
    size_t n = random_text(text, 16, 1);
    err = fx_make_binary(w->h, text, n, &t);
    break;
  }
  case 8: {
    size_t n = below(sizeof bytes + 1);
    for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)rng();
    err = fx_make_binary(w->h, bytes, n, &t);
    break;
  }
  case 9: {
    fx_term_t elems[10];
    size_t n = 1 + below(10);
    for (size_t i = 0; i < n; i++) elems[i] = fx_small((int64_t)below(256)); /* a STRING_EXT */
    err = fx_make_list(w->h, n, elems, FX_NIL, &t);
    break;
  }
  case 10: t = fx_pid_term(fx_pid_make((uint32_t)below(32768), (uint32_t)below(8192))); break;
  case 11: err = fx_make_ref(w->rt, w->h, &t); break;
  default: {
    static const int pick[] = {0, 1, 2, 3, 4, 5, 6};
    switch (pick[below(7)]) {
    case 0: t = FX_NIL; break;
    case 1: err = fx_make_tuple(w->h, 0, NULL, &t); break;
    case 2: err = fx_make_map(w->h, 0, NULL, NULL, &t); break;
    case 3: err = fx_make_binary(w->h, "", 0, &t); break;
    case 4: t = FX_ATOM(TRUE); break;
    case 5: t = FX_ATOM(UNDEFINED); break;
    default: err = fx_atom_cstr(w->rt, "nil", &t); break;
    }
  }
  }
  if (err) w->failed = 1;
  return t;
}

static fx_term_t random_term(writer_t *w, int depth) {
  fx_term_t elems[32], vals[32], t = FX_NONE;
  int err = FX_OK;
  size_t n;
  if (depth == 0 || below(10) < 5) return random_leaf(w, 0);
  switch (below(5)) {
  case 0:
    n = below(6);
    for (size_t i = 0; i < n; i++) elems[i] = random_term(w, depth - 1);
    err = fx_make_tuple(w->h, n, elems, &t);
    break;
  case 1:
    n = below(6);
    for (size_t i = 0; i < n; i++) elems[i] = random_term(w, depth - 1);
    err = fx_make_list(w->h, n, elems, FX_NIL, &t);
    break;
  case 2: /* improper */
    n = 1 + below(3);
    for (size_t i = 0; i < n; i++) elems[i] = random_term(w, depth - 1);
    err = fx_make_list(w->h, n, elems, random_leaf(w, 0), &t);
    break;
  case 3:
    n = below(6);
    for (size_t i = 0; i < n; i++) {
      elems[i] = below(3) ? random_leaf(w, 1) : random_term(w, depth - 1);
      vals[i] = random_term(w, depth - 1);
    }
    err = fx_make_map(w->h, n, elems, vals, &t); /* a repeated key: fewer entries */
    break;
  default:
    n = 20 + below(13);
    for (size_t i = 0; i < n; i++) {
      elems[i] = random_leaf(w, 1);
      vals[i] = fx_small((int64_t)i);
    }
    err = fx_make_map(w->h, n, elems, vals, &t);
    break;
  }
  if (err) w->failed = 1;
  return t;
}

static void emit_random(writer_t *w, int n) {
  for (int i = 0; i < n; i++) {
    fx_heap_reset(w->h);
    emit(w, random_term(w, 3), 0);
  }
}

static int write_terms(fx_runtime_t *rt, const char *path) {
  writer_t w = {rt, NULL, fopen(path, "w"), 0, 0};
  if (!w.f) {
    perror(path);
    return 0;
  }
  if (fx_heap_new(rt, &w.h)) w.failed = 1;
  if (!w.failed) {
    emit_integers(&w);
    emit_floats(&w);
    emit_atoms(&w);
    emit_containers(&w);
    emit_pids_and_refs(&w);
    emit_random(&w, RANDOM_TERMS);
  }
  fx_heap_free(w.h);
  if (fclose(w.f)) w.failed = 1;
  printf("oracle: fauxtp wrote %d terms%s\n", w.count, w.failed ? " (and failed to build some)" : "");
  return !w.failed;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ERLANG_CORPUS FAUXTP_OUT\n", argv[0]);
    return 2;
  }
  fx_runtime_t *rt;
  if (fx_runtime_new(NULL, &rt)) return 1;
  int ok = check_corpus(rt, argv[1]);
  ok = write_terms(rt, argv[2]) && ok;
  fx_runtime_free(rt);
  return ok ? 0 : 1;
}
