/* Tests for terms (term.c) and messages (message.c): builders, canonical
 * integers, term order, equality, deep copy, printing, allocation failure. */
#include <math.h>

#include "fx_runtime.h"
#include "fx_test.h"
#include "fx_test_alloc.h"

/* ---- helpers (tests use the default allocator: errors here are bugs the
 * assertions below will show as wrong terms) ---- */

static fx_term_t mk_int(fx_heap_t *h, int64_t v) {
  fx_term_t t = FX_NONE;
  fx_make_int(h, v, &t);
  return t;
}

static fx_term_t mk_uint(fx_heap_t *h, uint64_t v) {
  fx_term_t t = FX_NONE;
  fx_make_uint(h, v, &t);
  return t;
}

static fx_term_t mk_big(fx_heap_t *h, int neg, const uint64_t *limbs, size_t n) {
  fx_term_t t = FX_NONE;
  fx_make_bignum(h, neg, limbs, n, &t);
  return t;
}

static fx_term_t mk_float(fx_heap_t *h, double d) {
  fx_term_t t = FX_NONE;
  fx_make_float(h, d, &t);
  return t;
}

static fx_term_t mk_atom(fx_runtime_t *rt, const char *s) {
  fx_term_t t = FX_NONE;
  fx_atom_cstr(rt, s, &t);
  return t;
}

static fx_term_t mk_str(fx_heap_t *h, const char *s) {
  fx_term_t t = FX_NONE;
  fx_make_string(h, s, &t);
  return t;
}

static fx_term_t mk_bin(fx_heap_t *h, const void *data, size_t len) {
  fx_term_t t = FX_NONE;
  fx_make_binary(h, data, len, &t);
  return t;
}

static fx_term_t mk_tuple(fx_heap_t *h, size_t n, const fx_term_t *e) {
  fx_term_t t = FX_NONE;
  fx_make_tuple(h, n, e, &t);
  return t;
}

static fx_term_t mk_t2(fx_heap_t *h, fx_term_t a, fx_term_t b) {
  fx_term_t t = FX_NONE;
  fx_tuple2(h, a, b, &t);
  return t;
}

static fx_term_t mk_list(fx_heap_t *h, size_t n, const fx_term_t *e, fx_term_t tail) {
  fx_term_t t = FX_NONE;
  fx_make_list(h, n, e, tail, &t);
  return t;
}

static fx_term_t mk_map(fx_heap_t *h, size_t n, const fx_term_t *k, const fx_term_t *v) {
  fx_term_t t = FX_NONE;
  fx_make_map(h, n, k, v, &t);
  return t;
}

static fx_term_t mk_ref(fx_runtime_t *rt, fx_heap_t *h) {
  fx_term_t t = FX_NONE;
  fx_make_ref(rt, h, &t);
  return t;
}

/* A ref of any node with ids[0..n) and a creation, laid out by hand. */
static fx_term_t mk_ref_raw(fx_heap_t *h, fx_term_t node, uint32_t creation, const uint32_t *ids, size_t n) {
  uint64_t *p = fx_heap_alloc(h, 1 + fx__ref_words(n));
  p[0] = fx__header(FX_BOX_REF, n);
  p[1] = node;
  p[2] = creation;
  for (size_t i = 0; i < (n + 1) / 2; i++) p[3 + i] = 0;
  for (size_t i = 0; i < n; i++) p[3 + i / 2] |= (uint64_t)ids[i] << (i % 2 ? 32 : 0);
  return fx__box(p);
}

static fx_term_t mk_extpid(fx_heap_t *h, fx_term_t node, uint32_t id, uint32_t serial, uint32_t creation) {
  uint64_t *p = fx_heap_alloc(h, 4);
  p[0] = fx__header(FX_BOX_EXTPID, 0);
  p[1] = node;
  p[2] = id | (uint64_t)serial << 32;
  p[3] = creation;
  return fx__box(p);
}

static fx_term_t local_pid(uint32_t index, uint32_t gen) { return fx_pid_term(fx_pid_make(index, gen)); }

static int sign(int c) { return (c > 0) - (c < 0); }

#define SETUP                                                                  \
  fx_runtime_t *rt;                                                            \
  fx_heap_t *h;                                                                \
  ASSERT_OK(fx_runtime_new(NULL, &rt));                                        \
  ASSERT_OK(fx_heap_new(rt, &h))
#define TEARDOWN                                                               \
  fx_heap_free(h);                                                             \
  fx_runtime_free(rt)

/* ---- integers ---- */

TEST(int_small_and_big_boundaries) {
  SETUP;
  fx_term_t t = mk_int(h, FX_SMALL_MAX);
  ASSERT(fx_is_small(t));
  ASSERT_EQ(fx_small_value(t), FX_SMALL_MAX);
  ASSERT_TERM(rt, t, "1152921504606846975");
  t = mk_int(h, FX_SMALL_MAX + 1);
  ASSERT(fx_is_bignum(t));
  ASSERT_EQ(fx_box_kind(t), FX_BOX_BIGPOS);
  ASSERT_EQ(fx_box_size(t), 1);
  ASSERT_TERM(rt, t, "1152921504606846976");
  t = mk_int(h, FX_SMALL_MIN);
  ASSERT(fx_is_small(t));
  ASSERT_TERM(rt, t, "-1152921504606846976");
  t = mk_int(h, FX_SMALL_MIN - 1);
  ASSERT(fx_is_bignum(t));
  ASSERT_EQ(fx_box_kind(t), FX_BOX_BIGNEG);
  ASSERT_TERM(rt, t, "-1152921504606846977");
  t = mk_int(h, INT64_MIN);
  ASSERT(fx_is_bignum(t));
  ASSERT_EQ(fx_box_ptr(t)[1], UINT64_C(1) << 63);
  ASSERT_TERM(rt, t, "-9223372036854775808");
  ASSERT_TERM(rt, mk_int(h, INT64_MAX), "9223372036854775807");
  t = mk_uint(h, UINT64_MAX);
  ASSERT(fx_is_bignum(t));
  ASSERT_TERM(rt, t, "18446744073709551615");
  ASSERT(fx_is_small(mk_uint(h, (uint64_t)FX_SMALL_MAX)));
  ASSERT(fx_is_bignum(mk_uint(h, (uint64_t)FX_SMALL_MAX + 1)));
  ASSERT_TERM(rt, mk_int(h, 0), "0");
  ASSERT_TERM(rt, mk_int(h, -42), "-42");
  ASSERT_EQ(fx_type_of(mk_int(h, INT64_MIN)), FX_T_INT);
  TEARDOWN;
}

TEST(int_bignum_canonical) {
  SETUP;
  uint64_t limbs[4] = {5, 0, 0, 0};
  fx_term_t t = mk_big(h, 0, limbs, 4); /* leading zero limbs stripped */
  ASSERT(fx_is_small(t));
  ASSERT_EQ(fx_small_value(t), 5);
  ASSERT_EQ(mk_big(h, 1, limbs, 4), fx_small(-5));
  limbs[0] = 0;
  ASSERT_EQ(mk_big(h, 1, limbs, 4), fx_small(0)); /* no negative zero */
  ASSERT_EQ(mk_big(h, 1, NULL, 0), fx_small(0));
  limbs[0] = UINT64_C(1) << 60; /* -2^60 is FX_SMALL_MIN, +2^60 is not small */
  ASSERT_EQ(mk_big(h, 1, limbs, 1), fx_small(FX_SMALL_MIN));
  ASSERT(fx_is_bignum(mk_big(h, 0, limbs, 1)));
  uint64_t two[3] = {0, 1, 0}; /* 2^64, one zero limb to strip */
  t = mk_big(h, 0, two, 3);
  ASSERT(fx_is_bignum(t));
  ASSERT_EQ(fx_box_size(t), 2);
  ASSERT_TERM(rt, t, "18446744073709551616");
  ASSERT_TERM(rt, mk_big(h, 1, two, 3), "-18446744073709551616");
  /* Equal integers built differently are the same term. */
  ASSERT(fx_term_equal(rt, mk_int(h, INT64_MIN), mk_big(h, 1, (uint64_t[]){UINT64_C(1) << 63}, 1)));
  ASSERT(fx_term_equal(rt, mk_uint(h, UINT64_MAX), mk_big(h, 0, (uint64_t[]){UINT64_MAX, 0}, 2)));
  TEARDOWN;
}

TEST(int_get_int64) {
  SETUP;
  int64_t v = 0;
  ASSERT_OK(fx_get_int64(fx_small(-7), &v));
  ASSERT_EQ(v, -7);
  ASSERT_OK(fx_get_int64(mk_int(h, INT64_MIN), &v));
  ASSERT(v == INT64_MIN);
  ASSERT_OK(fx_get_int64(mk_int(h, INT64_MAX), &v));
  ASSERT(v == INT64_MAX);
  ASSERT_OK(fx_get_int64(mk_int(h, FX_SMALL_MAX + 1), &v));
  ASSERT(v == FX_SMALL_MAX + 1);
  ASSERT_ERR(fx_get_int64(mk_uint(h, (uint64_t)INT64_MAX + 1), &v), FX_ETOOBIG);
  ASSERT_ERR(fx_get_int64(mk_big(h, 1, (uint64_t[]){(UINT64_C(1) << 63) + 1}, 1), &v), FX_ETOOBIG);
  ASSERT_ERR(fx_get_int64(mk_uint(h, UINT64_MAX), &v), FX_ETOOBIG);
  ASSERT_ERR(fx_get_int64(mk_big(h, 0, (uint64_t[]){1, 1}, 2), &v), FX_ETOOBIG);
  ASSERT_ERR(fx_get_int64(mk_float(h, 1.0), &v), FX_EINVAL);
  ASSERT_ERR(fx_get_int64(FX_ATOM(OK), &v), FX_EINVAL);
  ASSERT_ERR(fx_get_int64(FX_NONE, &v), FX_EINVAL);
  ASSERT_ERR(fx_get_int64(fx_small(1), NULL), FX_EINVAL);
  TEARDOWN;
}

/* Builds 10^k as limbs and checks it prints as 1 and k zeros. */
TEST(int_bignum_decimal_format) {
  SETUP;
  uint64_t limbs[8] = {1};
  size_t n = 1;
  char expect[200] = "1";
  for (int k = 1; k <= 120; k++) {
    uint64_t carry = 0;
    for (size_t i = 0; i < n; i++) { /* limbs *= 10, by 32-bit halves */
      uint64_t lo = (limbs[i] & 0xffffffffu) * 10 + carry;
      uint64_t hi = (limbs[i] >> 32) * 10 + (lo >> 32);
      limbs[i] = (hi << 32) | (lo & 0xffffffffu);
      carry = hi >> 32;
    }
    if (carry) limbs[n++] = carry;
    strcat(expect, "0");
    ASSERT_TERM(rt, mk_big(h, 0, limbs, n), expect);
    char neg[202] = "-";
    strcat(neg, expect);
    ASSERT_TERM(rt, mk_big(h, 1, limbs, n), neg);
  }
  /* 2^128 */
  ASSERT_TERM(rt, mk_big(h, 0, (uint64_t[]){0, 0, 1}, 3), "340282366920938463463374607431768211456");
  /* Too big for the decimal scratch: exact Erlang hex instead. */
  uint64_t huge[100] = {0};
  huge[99] = 1;
  huge[0] = 0xabc;
  char buf[2000];
  fx_term_format(rt, mk_big(h, 1, huge, 100), buf, sizeof buf);
  ASSERT(strncmp(buf, "-16#10000000000000000", 21) == 0);
  ASSERT(strcmp(buf + strlen(buf) - 4, "0ABC") == 0);
  ASSERT_EQ(strlen(buf), 1 + 3 + 1 + 99 * 16);
  TEARDOWN;
}

/* ---- floats, binaries, containers ---- */

TEST(float_build_and_format) {
  SETUP;
  fx_term_t t = mk_float(h, 3.25);
  ASSERT(fx_is_float(t));
  ASSERT_EQ(fx_type_of(t), FX_T_FLOAT);
  ASSERT(fx_float_value(t) == 3.25);
  ASSERT(fx_float_value(FX_ATOM(OK)) == 0.0);
  ASSERT_TERM(rt, mk_float(h, 1.0), "1.0");
  ASSERT_TERM(rt, mk_float(h, 0.1), "0.1");
  ASSERT_TERM(rt, mk_float(h, -0.0), "-0.0");
  ASSERT_TERM(rt, mk_float(h, 0.0), "0.0");
  ASSERT_TERM(rt, mk_float(h, 1e300), "1e+300");
  ASSERT_TERM(rt, mk_float(h, 100.0), "100.0");
  ASSERT_TERM(rt, mk_float(h, -2.5), "-2.5");
  ASSERT_TERM(rt, mk_float(h, 0.1 + 0.2), "0.30000000000000004");
  ASSERT_TERM(rt, mk_float(h, 123456789.0), "123456789.0");
  ASSERT_TERM(rt, mk_float(h, 1e-300), "1e-300");
  /* Every printed float reads back as itself. */
  double samples[] = {1.0 / 3, 2.0 / 3, 1e23, 5e-324, 1.7976931348623157e308, 0.1 + 0.7, 9007199254740993.0};
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
    char buf[64];
    fx_term_format(rt, mk_float(h, samples[i]), buf, sizeof buf);
    ASSERT(strtod(buf, NULL) == samples[i]);
    ASSERT(strpbrk(buf, ".e") != NULL);
  }
  fx_term_t out = fx_small(9);
  ASSERT_ERR(fx_make_float(h, NAN, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_float(h, INFINITY, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_float(h, -INFINITY, &out), FX_EINVAL);
  ASSERT_EQ(out, fx_small(9));
  ASSERT_ERR(fx_make_float(h, 1.0, NULL), FX_EINVAL);
  TEARDOWN;
}

TEST(binary_build_and_format) {
  SETUP;
  fx_term_t t = mk_bin(h, "abcdefghij", 10);
  ASSERT(fx_is_binary(t));
  ASSERT_EQ(fx_type_of(t), FX_T_BINARY);
  ASSERT_EQ(fx_binary_size(t), 10);
  ASSERT(memcmp(fx_binary_data(t), "abcdefghij", 10) == 0);
  /* Padding bytes 10..15 are zero. */
  for (int i = 10; i < 16; i++) ASSERT_EQ(fx_binary_data(t)[i], 0);
  ASSERT_EQ(fx_term_words(t), 1 + 2);
  ASSERT_TERM(rt, t, "<<\"abcdefghij\">>");
  ASSERT_TERM(rt, mk_str(h, "hello"), "<<\"hello\">>");
  ASSERT_TERM(rt, mk_str(h, ""), "<<>>");
  ASSERT_EQ(fx_term_words(mk_str(h, "")), 1);
  ASSERT_TERM(rt, mk_bin(h, "\1\2\3", 3), "<<1,2,3>>");
  ASSERT_TERM(rt, mk_bin(h, "abc\0", 4), "<<97,98,99,0>>");
  ASSERT_TERM(rt, mk_str(h, "a\"b\\c"), "<<\"a\\\"b\\\\c\">>");
  ASSERT_TERM(rt, mk_bin(h, "\xff", 1), "<<255>>");
  fx_term_t out;
  ASSERT_ERR(fx_make_binary(h, NULL, 3, &out), FX_EINVAL);
  ASSERT_OK(fx_make_binary(h, NULL, 0, &out));
  ASSERT_ERR(fx_make_string(h, NULL, &out), FX_EINVAL);
  TEARDOWN;
}

TEST(tuple_list_cons_build_and_format) {
  SETUP;
  fx_term_t one = fx_small(1), two = fx_small(2);
  fx_term_t l = mk_list(h, 2, (fx_term_t[]){one, two}, FX_NIL);
  ASSERT(fx_is_cons(l));
  ASSERT_EQ(fx_type_of(l), FX_T_LIST);
  ASSERT_EQ(fx_type_of(FX_NIL), FX_T_LIST);
  ASSERT_EQ(fx_head(l), one);
  ASSERT_EQ(fx_head(fx_tail(l)), two);
  ASSERT_EQ(fx_tail(fx_tail(l)), FX_NIL);
  ASSERT_TERM(rt, l, "[1,2]");
  fx_term_t t = mk_tuple(h, 3, (fx_term_t[]){FX_ATOM(OK), local_pid(3, 1), l});
  ASSERT_EQ(fx_type_of(t), FX_T_TUPLE);
  ASSERT_EQ(fx_tuple_arity(t), 3);
  ASSERT_TERM(rt, t, "{ok,<0.3.1>,[1,2]}");
  ASSERT_TERM(rt, mk_tuple(h, 0, NULL), "{}");
  ASSERT_TERM(rt, FX_NIL, "[]");
  fx_term_t c;
  ASSERT_OK(fx_make_cons(h, one, two, &c));
  ASSERT_TERM(rt, c, "[1|2]");
  ASSERT_TERM(rt, mk_list(h, 2, (fx_term_t[]){FX_ATOM(OK), FX_NIL}, FX_ATOM(ERROR)), "[ok,[]|error]");
  ASSERT_EQ(mk_list(h, 0, NULL, FX_ATOM(OK)), FX_ATOM(OK)); /* no cells: the tail */
  ASSERT_OK(fx_tuple2(h, one, two, &c));
  ASSERT_TERM(rt, c, "{1,2}");
  ASSERT_OK(fx_tuple3(h, one, two, FX_NIL, &c));
  ASSERT_TERM(rt, c, "{1,2,[]}");
  ASSERT_OK(fx_pat_type(h, FX_ATOM(INTEGER), &c));
  ASSERT_TERM(rt, c, "{'$fx_type',integer}");
  ASSERT_ERR(fx_pat_type(h, fx_small(1), &c), FX_EINVAL);
  TEARDOWN;
}

TEST(builders_reject_bad_args) {
  SETUP;
  fx_term_t out = FX_NIL;
  ASSERT_ERR(fx_make_int(h, 1, NULL), FX_EINVAL);
  ASSERT_ERR(fx_make_int(NULL, 1, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_uint(h, 1, NULL), FX_EINVAL);
  ASSERT_ERR(fx_make_bignum(h, 0, NULL, 2, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_tuple(h, 2, NULL, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_tuple(h, 2, (fx_term_t[]){fx_small(1), FX_NONE}, &out), FX_EINVAL);
  ASSERT_ERR(fx_tuple2(h, FX_NONE, FX_NIL, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_list(h, 1, (fx_term_t[]){FX_NONE}, FX_NIL, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_list(h, 1, (fx_term_t[]){FX_NIL}, FX_NONE, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_list(h, 1, (fx_term_t[]){(fx_term_t)0x0c}, FX_NIL, &out), FX_EINVAL); /* bad nil tag */
  ASSERT_ERR(fx_make_cons(h, FX_NIL, (fx_term_t)7, &out), FX_EINVAL); /* unknown tag */
  ASSERT_ERR(fx_make_map(h, 1, (fx_term_t[]){FX_NONE}, (fx_term_t[]){FX_NIL}, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_map(h, 1, NULL, NULL, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_ref(NULL, h, &out), FX_EINVAL);
  ASSERT_ERR(fx_make_ref(rt, h, NULL), FX_EINVAL);
  ASSERT_ERR(fx_heap_copy(h, FX_NONE, &out), FX_EINVAL);
  ASSERT_ERR(fx_heap_copy(NULL, FX_NIL, &out), FX_EINVAL);
  ASSERT_EQ(out, FX_NIL); /* failures leave *out alone */
  ASSERT_EQ(fx_type_of(FX_NONE), FX_T_NONE);
  ASSERT_EQ(fx_type_of((fx_term_t)0x0c), FX_T_NONE);
  ASSERT_EQ(fx_type_of((fx_term_t)6), FX_T_NONE);
  TEARDOWN;
}

/* ---- maps ---- */

TEST(map_build_sorted_with_duplicates) {
  SETUP;
  fx_term_t b = mk_atom(rt, "b"), a = mk_atom(rt, "a"), c = mk_atom(rt, "c");
  fx_term_t keys[] = {c, a, b, a, c};
  fx_term_t vals[] = {fx_small(1), fx_small(2), fx_small(3), fx_small(4), fx_small(5)};
  fx_term_t m = mk_map(h, 5, keys, vals);
  ASSERT_EQ(fx_type_of(m), FX_T_MAP);
  ASSERT_EQ(fx_map_size(m), 3);
  ASSERT_TERM(rt, m, "#{a => 4,b => 3,c => 5}"); /* the last value wins */
  ASSERT_EQ(fx_term_words(m), 1 + 2 * 3);
  ASSERT_EQ(fx_map_find(rt, m, a), 0);
  ASSERT_EQ(fx_map_find(rt, m, c), 2);
  ASSERT_EQ(fx_map_find(rt, m, mk_atom(rt, "d")), -1);
  ASSERT_EQ(fx_map_find(rt, FX_NIL, a), -1);
  ASSERT_TERM(rt, mk_map(h, 0, NULL, NULL), "#{}");
  ASSERT_TERM(rt, mk_map(h, 2, (fx_term_t[]){b, a}, (fx_term_t[]){fx_small(2), fx_small(1)}), "#{a => 1,b => 2}");
  TEARDOWN;
}

TEST(map_key_order_int_before_float) {
  SETUP;
  fx_term_t f1 = mk_float(h, 1.0), f05 = mk_float(h, 0.5), big = mk_uint(h, UINT64_MAX);
  fx_term_t keys[] = {f1, fx_small(2), fx_small(1), f05, big, mk_float(h, -0.0), mk_float(h, 0.0), FX_ATOM(OK)};
  fx_term_t vals[] = {fx_small(10), fx_small(20), fx_small(30), fx_small(40), fx_small(50), fx_small(60), fx_small(70), fx_small(80)};
  fx_term_t m = mk_map(h, 8, keys, vals);
  ASSERT_EQ(fx_map_size(m), 8); /* 1 and 1.0, 0.0 and -0.0 are distinct keys */
  ASSERT_TERM(rt, m, "#{1 => 30,2 => 20,18446744073709551615 => 50,-0.0 => 60,0.0 => 70,0.5 => 40,1.0 => 10,ok => 80}");
  ASSERT_EQ(fx_map_find(rt, m, fx_small(1)), 0);
  ASSERT_EQ(fx_map_find(rt, m, mk_float(h, 1.0)), 6);
  ASSERT_EQ(fx_map_find(rt, m, mk_uint(h, UINT64_MAX)), 2);
  ASSERT_EQ(fx_map_find(rt, m, mk_float(h, 2.0)), -1);
  ASSERT_EQ(fx_map_find(rt, m, mk_float(h, -0.0)), 3);
  ASSERT_EQ(fx_map_find(rt, m, mk_float(h, 0.0)), 4);
  /* Compound keys: {1} and {1.0} are distinct keys too. */
  fx_term_t t1 = mk_tuple(h, 1, (fx_term_t[]){fx_small(1)}), tf = mk_tuple(h, 1, (fx_term_t[]){f1});
  fx_term_t m2 = mk_map(h, 2, (fx_term_t[]){tf, t1}, (fx_term_t[]){FX_ATOM(FLOAT), FX_ATOM(INTEGER)});
  ASSERT_EQ(fx_map_size(m2), 2);
  ASSERT_TERM(rt, m2, "#{{1} => integer,{1.0} => float}");
  ASSERT_EQ(fx_map_find(rt, m2, tf), 1);
  TEARDOWN;
}

TEST(map_large_build_and_find) {
  SETUP;
  enum { N = 5000 };
  static fx_term_t keys[2 * N], vals[2 * N];
  /* Descending keys, every one given twice: ints and floats interleaved. */
  for (size_t i = 0; i < 2 * N; i++) {
    size_t k = (N - 1) - i % N;
    keys[i] = k % 2 ? mk_float(h, (double)k) : mk_int(h, (int64_t)k);
    vals[i] = fx_small((int64_t)i);
  }
  fx_term_t m = mk_map(h, 2 * N, keys, vals);
  ASSERT_EQ(fx_map_size(m), N);
  for (size_t i = 1; i < N; i++) ASSERT(fx_term_compare_keys(rt, fx_map_key(m, i - 1), fx_map_key(m, i)) < 0);
  ASSERT(fx_is_small(fx_map_key(m, 0)) && fx_is_float(fx_map_key(m, N - 1)));
  for (size_t i = 0; i < N; i++) {
    long j = fx_map_find(rt, m, keys[i]);
    ASSERT(j >= 0);
    ASSERT_EQ(fx_map_value(m, (size_t)j), fx_small((int64_t)(N + i))); /* the second (last) value */
  }
  TEARDOWN;
}

/* ---- refs and pids ---- */

TEST(ref_build_compare_format) {
  SETUP;
  fx_term_t r1 = mk_ref(rt, h), r2 = mk_ref(rt, h);
  ASSERT(fx_is_ref(r1));
  ASSERT_EQ(fx_type_of(r1), FX_T_REF);
  ASSERT_EQ(fx_box_size(r1), 3);
  ASSERT_EQ(fx_box_ptr(r1)[1], FX_ATOM(NONODE));
  ASSERT_TERM(rt, r1, "#Ref<0.0.0.1>");
  ASSERT_TERM(rt, r2, "#Ref<0.0.0.2>");
  ASSERT(!fx_term_equal(rt, r1, r2));
  ASSERT(fx_term_compare(rt, r1, r2) < 0);
  ASSERT_EQ(fx_term_words(r1), 5);
  fx_term_t c;
  ASSERT_OK(fx_heap_copy(h, r1, &c));
  ASSERT(c != r1 && fx_term_equal(rt, r1, c));
  ASSERT_EQ(fx_term_compare(rt, r1, c), 0);
  /* Ids compare from the highest index down. */
  fx_term_t node = FX_ATOM(NONODE);
  fx_term_t a = mk_ref_raw(h, node, 0, (uint32_t[]){5, 0, 1}, 3);
  fx_term_t b = mk_ref_raw(h, node, 0, (uint32_t[]){9, 0, 0}, 3);
  ASSERT(fx_term_compare(rt, a, b) > 0);
  ASSERT(fx_term_compare(rt, b, a) < 0);
  /* The creation before the ids (OTP 25). */
  fx_term_t a2 = mk_ref_raw(h, node, 7, (uint32_t[]){5, 0, 1}, 3);
  ASSERT(fx_term_compare(rt, a, a2) < 0);
  ASSERT(fx_term_compare(rt, mk_ref_raw(h, node, 1, (uint32_t[]){0, 0, 0}, 3), mk_ref_raw(h, node, 0, (uint32_t[]){9, 9, 9}, 3)) > 0);
  ASSERT(!fx_term_equal(rt, a, a2));
  /* A shorter ref with equal ids (missing ones 0) sorts first, never equal. */
  fx_term_t s = mk_ref_raw(h, node, 0, (uint32_t[]){9}, 1);
  ASSERT(fx_term_compare(rt, s, b) < 0);
  ASSERT(fx_term_compare(rt, b, s) > 0);
  ASSERT_TERM(rt, s, "#Ref<0.9>");
  /* The node name first: another node's refs print with their node. */
  fx_term_t other = mk_ref_raw(h, mk_atom(rt, "a@host"), 0, (uint32_t[]){1, 2, 3, 4, 5}, 5);
  ASSERT(fx_term_compare(rt, other, a) < 0);
  ASSERT_TERM(rt, other, "#Ref<a@host.5.4.3.2.1>");
  ASSERT_EQ(fx_term_words(other), 1 + 2 + 3);
  TEARDOWN;
}

TEST(pid_compare_equal_format) {
  SETUP;
  fx_term_t p1 = local_pid(1, 5), p2 = local_pid(2, 0), p1b = local_pid(1, 6);
  ASSERT_EQ(fx_type_of(p1), FX_T_PID);
  /* OTP 25's order: serial, id, node name, creation. */
  ASSERT(fx_term_compare(rt, p2, p1) < 0);  /* serial first */
  ASSERT(fx_term_compare(rt, p1, p1b) < 0);
  ASSERT(fx_term_compare(rt, p1, local_pid(2, 5)) < 0); /* then id */
  ASSERT_TERM(rt, p1, "<0.1.5>");
  fx_term_t node = mk_atom(rt, "a@host");
  fx_term_t e = mk_extpid(h, node, 7, 2, 3);
  ASSERT(fx_is_pid(e));
  ASSERT_EQ(fx_type_of(e), FX_T_PID);
  ASSERT_TERM(rt, e, "<a@host.7.2>");
  ASSERT(fx_term_compare(rt, e, p1) < 0); /* serial 2 < 5 */
  ASSERT(fx_term_compare(rt, mk_extpid(h, node, 1, 5, 0), p1) < 0); /* 'a@host' < 'nonode@nohost' */
  ASSERT(fx_term_compare(rt, mk_extpid(h, mk_atom(rt, "z@host"), 1, 5, 0), p1) > 0);
  fx_term_t e2 = mk_extpid(h, node, 7, 2, 3);
  ASSERT(fx_term_equal(rt, e, e2));
  ASSERT_EQ(fx_term_compare(rt, e, e2), 0);
  ASSERT(!fx_term_equal(rt, e, mk_extpid(h, node, 7, 2, 4)));
  ASSERT(fx_term_compare(rt, e, mk_extpid(h, node, 7, 2, 4)) < 0);
  ASSERT(fx_term_compare(rt, e, mk_extpid(h, node, 8, 2, 0)) < 0);
  ASSERT(fx_term_compare(rt, e, mk_extpid(h, node, 0, 3, 0)) < 0);
  /* A foreign pid that looks exactly like a local one is still another pid. */
  fx_term_t lookalike = mk_extpid(h, FX_ATOM(NONODE), 1, 5, 0);
  ASSERT(!fx_term_equal(rt, lookalike, p1));
  ASSERT(fx_term_compare(rt, lookalike, p1) != 0);
  ASSERT_EQ(sign(fx_term_compare(rt, lookalike, p1)), -sign(fx_term_compare(rt, p1, lookalike)));
  fx_term_t c;
  ASSERT_OK(fx_heap_copy(h, e, &c));
  ASSERT(fx_term_equal(rt, c, e));
  TEARDOWN;
}

/* ---- term order ---- */

TEST(compare_order_across_types) {
  SETUP;
  fx_term_t big = mk_uint(h, UINT64_MAX);
  /* Ascending: number < atom < reference < pid < tuple < map < [] < list < binary */
  fx_term_t order[] = {
      /* numbers whose order is the same in map-key order (ints, then floats) */
      mk_int(h, INT64_MIN), fx_small(-1), fx_small(1), big, mk_float(h, 1e300), mk_float(h, 2e300),
      mk_atom(rt, "a"), mk_atom(rt, "b"),
      mk_ref(rt, h), mk_ref(rt, h),
      mk_extpid(h, mk_atom(rt, "a@host"), 1, 0, 0), local_pid(1, 0),
      mk_tuple(h, 0, NULL), mk_t2(h, fx_small(1), fx_small(2)),
      mk_map(h, 0, NULL, NULL), mk_map(h, 1, (fx_term_t[]){fx_small(1)}, (fx_term_t[]){fx_small(1)}),
      FX_NIL,
      mk_list(h, 1, (fx_term_t[]){fx_small(1)}, FX_NIL), mk_list(h, 1, (fx_term_t[]){fx_small(2)}, FX_NIL),
      mk_str(h, ""), mk_str(h, "a"),
  };
  size_t n = sizeof order / sizeof *order;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      int c = fx_term_compare(rt, order[i], order[j]);
      int k = fx_term_compare_keys(rt, order[i], order[j]);
      if (sign(c) != (i > j) - (i < j)) FX_TEST_FAIL("compare(order[%zu], order[%zu]) = %d", i, j, c);
      if (sign(k) != (i > j) - (i < j)) FX_TEST_FAIL("compare_keys(order[%zu], order[%zu]) = %d", i, j, k);
      ASSERT_EQ(fx_term_equal(rt, order[i], order[j]), i == j);
    }
  }
  TEARDOWN;
}

TEST(compare_numbers_mathematically) {
  SETUP;
  fx_term_t one = fx_small(1), onef = mk_float(h, 1.0);
  ASSERT_EQ(fx_term_compare(rt, one, onef), 0);
  ASSERT(!fx_term_equal(rt, one, onef));
  ASSERT(fx_term_compare_keys(rt, one, onef) < 0);
  ASSERT(fx_term_compare_keys(rt, onef, one) > 0);
  ASSERT(fx_term_compare(rt, fx_small(2), onef) > 0);
  ASSERT(fx_term_compare_keys(rt, fx_small(2), onef) < 0); /* every int before every float */
  ASSERT(fx_term_compare_keys(rt, mk_uint(h, UINT64_MAX), mk_float(h, -1e300)) < 0);
  ASSERT(fx_term_compare(rt, fx_small(0), mk_float(h, 0.5)) < 0);
  ASSERT(fx_term_compare(rt, fx_small(1), mk_float(h, 0.5)) > 0);
  ASSERT(fx_term_compare(rt, fx_small(-1), mk_float(h, -0.5)) < 0);
  ASSERT(fx_term_compare(rt, fx_small(0), mk_float(h, -0.0)) == 0);
  /* Exactly, beyond 2^53 where a double cannot tell neighbours apart. */
  int64_t p53 = INT64_C(1) << 53;
  fx_term_t f53 = mk_float(h, (double)p53);
  ASSERT(fx_term_compare(rt, fx_small(p53 + 1), f53) > 0);
  ASSERT(fx_term_compare(rt, fx_small(p53 - 1), f53) < 0);
  ASSERT(fx_term_compare(rt, fx_small(p53), f53) == 0);
  ASSERT(fx_term_compare(rt, f53, fx_small(p53 + 1)) < 0);
  /* Bignums against floats. */
  fx_term_t two64 = mk_big(h, 0, (uint64_t[]){0, 1}, 2), f64 = mk_float(h, 18446744073709551616.0);
  ASSERT_EQ(fx_term_compare(rt, two64, f64), 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 0, (uint64_t[]){1, 1}, 2), f64) > 0);
  ASSERT(fx_term_compare(rt, mk_uint(h, UINT64_MAX), f64) < 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 1, (uint64_t[]){0, 1}, 2), mk_float(h, -18446744073709551616.0)) == 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 1, (uint64_t[]){1, 1}, 2), mk_float(h, -18446744073709551616.0)) < 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 0, (uint64_t[]){0, 0, 0, 0, 1}, 5), mk_float(h, 1e300)) < 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 1, (uint64_t[]){0, 0, 0, 0, 1}, 5), mk_float(h, -1e300)) > 0);
  ASSERT(fx_term_compare(rt, mk_big(h, 0, (uint64_t[]){0, 0, 0, 0, 1}, 5), mk_float(h, 1e20)) > 0);
  ASSERT(fx_term_compare(rt, mk_float(h, 1e77), mk_big(h, 0, (uint64_t[]){0, 0, 0, 0, 1}, 5)) < 0); /* 2^256 ~ 1.16e77 */
  ASSERT(fx_term_compare(rt, mk_float(h, 1.2e77), mk_big(h, 0, (uint64_t[]){0, 0, 0, 0, 1}, 5)) > 0);
  ASSERT_EQ(fx_term_compare(rt, mk_float(h, 0x1p256), mk_big(h, 0, (uint64_t[]){0, 0, 0, 0, 1}, 5)), 0);
  ASSERT(fx_term_compare(rt, mk_float(h, 0.5), mk_big(h, 1, (uint64_t[]){0, 1}, 2)) > 0);
  /* Small against bignum, bignum against bignum. */
  ASSERT(fx_term_compare(rt, fx_small(FX_SMALL_MAX), mk_int(h, FX_SMALL_MAX + 1)) < 0);
  ASSERT(fx_term_compare(rt, fx_small(FX_SMALL_MIN), mk_int(h, FX_SMALL_MIN - 1)) > 0);
  ASSERT(fx_term_compare(rt, mk_int(h, INT64_MIN), mk_uint(h, UINT64_MAX)) < 0);
  ASSERT(fx_term_compare(rt, mk_uint(h, UINT64_MAX), two64) < 0);
  ASSERT(fx_term_compare(rt, mk_int(h, INT64_MIN), mk_big(h, 1, (uint64_t[]){0, 1}, 2)) > 0);
  ASSERT_EQ(fx_term_compare(rt, mk_int(h, INT64_MIN), mk_int(h, INT64_MIN)), 0);
  /* Floats, and the one pair of equal values that are different terms. */
  fx_term_t z = mk_float(h, 0.0), nz = mk_float(h, -0.0);
  ASSERT(fx_term_compare(rt, mk_float(h, -1.5), mk_float(h, 2.5)) < 0);
  ASSERT_EQ(fx_term_compare(rt, z, nz), 0);
  ASSERT(!fx_term_equal(rt, z, nz));
  ASSERT(fx_term_compare_keys(rt, nz, z) < 0);
  ASSERT(fx_term_equal(rt, z, mk_float(h, 0.0)));
  TEARDOWN;
}

TEST(compare_within_types) {
  SETUP;
  /* Atoms by text, not by index: intern in reverse. */
  fx_term_t b = mk_atom(rt, "b"), abd = mk_atom(rt, "abd"), abc = mk_atom(rt, "abc"), aa = mk_atom(rt, "aa"), a = mk_atom(rt, "a");
  ASSERT(fx_term_compare(rt, abc, abd) < 0);
  ASSERT(fx_term_compare(rt, abd, b) < 0);
  ASSERT(fx_term_compare(rt, a, aa) < 0);
  ASSERT(fx_term_compare(rt, aa, abc) < 0);
  ASSERT(fx_term_compare(rt, b, a) > 0);
  ASSERT(fx_term_compare(rt, mk_atom(rt, "Z"), a) < 0); /* bytewise */
  /* Binaries: bytewise over the common part, then shorter first. */
  ASSERT(fx_term_compare(rt, mk_str(h, "abc"), mk_str(h, "abd")) < 0);
  ASSERT(fx_term_compare(rt, mk_str(h, "ab"), mk_str(h, "abc")) < 0);
  ASSERT(fx_term_compare(rt, mk_str(h, "b"), mk_str(h, "abc")) > 0);
  ASSERT(fx_term_compare(rt, mk_bin(h, "\x80", 1), mk_bin(h, "\x7f", 1)) > 0); /* unsigned */
  ASSERT_EQ(fx_term_compare(rt, mk_str(h, "same"), mk_str(h, "same")), 0);
  /* Tuples: arity first, then elements. */
  fx_term_t z1 = mk_tuple(h, 1, (fx_term_t[]){mk_atom(rt, "z")});
  fx_term_t a2 = mk_t2(h, a, a), ab2 = mk_t2(h, a, b);
  ASSERT(fx_term_compare(rt, z1, a2) < 0);
  ASSERT(fx_term_compare(rt, a2, ab2) < 0);
  ASSERT(fx_term_compare(rt, mk_t2(h, b, a), ab2) > 0);
  ASSERT_EQ(fx_term_compare(rt, mk_t2(h, fx_small(1), mk_float(h, 1.0)), mk_t2(h, mk_float(h, 1.0), fx_small(1))), 0);
  /* Lists: element by element, a proper prefix first, improper tails as terms. */
  fx_term_t l1 = mk_list(h, 1, (fx_term_t[]){fx_small(1)}, FX_NIL);
  fx_term_t l12 = mk_list(h, 2, (fx_term_t[]){fx_small(1), fx_small(2)}, FX_NIL);
  fx_term_t l13 = mk_list(h, 2, (fx_term_t[]){fx_small(1), fx_small(3)}, FX_NIL);
  fx_term_t l2 = mk_list(h, 1, (fx_term_t[]){fx_small(2)}, FX_NIL);
  fx_term_t imp = mk_list(h, 1, (fx_term_t[]){fx_small(1)}, fx_small(2)); /* [1|2] */
  fx_term_t impa = mk_list(h, 1, (fx_term_t[]){fx_small(1)}, a);         /* [1|a] */
  ASSERT(fx_term_compare(rt, l1, l12) < 0);
  ASSERT(fx_term_compare(rt, l12, l13) < 0);
  ASSERT(fx_term_compare(rt, l13, l2) < 0);
  ASSERT(fx_term_compare(rt, imp, l12) < 0); /* 2 < [2] */
  ASSERT(fx_term_compare(rt, l1, imp) > 0);  /* [] > 2 */
  ASSERT(fx_term_compare(rt, imp, impa) < 0); /* 2 < a */
  ASSERT(!fx_term_equal(rt, imp, l12));
  /* Maps: size, then keys in key order, then values. */
  fx_term_t m_z = mk_map(h, 1, (fx_term_t[]){mk_atom(rt, "z")}, (fx_term_t[]){fx_small(9)});
  fx_term_t m_ab = mk_map(h, 2, (fx_term_t[]){a, b}, (fx_term_t[]){fx_small(1), fx_small(1)});
  fx_term_t m_a1 = mk_map(h, 1, (fx_term_t[]){a}, (fx_term_t[]){fx_small(1)});
  fx_term_t m_a2 = mk_map(h, 1, (fx_term_t[]){a}, (fx_term_t[]){fx_small(2)});
  fx_term_t m_b0 = mk_map(h, 1, (fx_term_t[]){b}, (fx_term_t[]){fx_small(0)});
  ASSERT(fx_term_compare(rt, m_z, m_ab) < 0);
  ASSERT(fx_term_compare(rt, m_a1, m_a2) < 0);
  ASSERT(fx_term_compare(rt, m_a2, m_b0) < 0);
  /* Map keys compare in key order even under plain compare: 1 < 1.0. */
  fx_term_t m_int = mk_map(h, 1, (fx_term_t[]){fx_small(1)}, (fx_term_t[]){a});
  fx_term_t m_flt = mk_map(h, 1, (fx_term_t[]){mk_float(h, 1.0)}, (fx_term_t[]){a});
  ASSERT(fx_term_compare(rt, m_int, m_flt) < 0);
  /* ... but values compare by value. */
  fx_term_t v_int = mk_map(h, 1, (fx_term_t[]){a}, (fx_term_t[]){fx_small(1)});
  fx_term_t v_flt = mk_map(h, 1, (fx_term_t[]){a}, (fx_term_t[]){mk_float(h, 1.0)});
  ASSERT_EQ(fx_term_compare(rt, v_int, v_flt), 0);
  ASSERT(fx_term_compare_keys(rt, v_int, v_flt) < 0);
  ASSERT(!fx_term_equal(rt, v_int, v_flt));
  TEARDOWN;
}

TEST(equal_is_exact_and_structural) {
  SETUP;
  fx_term_t x = mk_t2(h, mk_str(h, "hello"), mk_list(h, 2, (fx_term_t[]){mk_float(h, 2.5), mk_uint(h, UINT64_MAX)}, FX_NIL));
  fx_term_t y = mk_t2(h, mk_str(h, "hello"), mk_list(h, 2, (fx_term_t[]){mk_float(h, 2.5), mk_uint(h, UINT64_MAX)}, FX_NIL));
  fx_term_t z = mk_t2(h, mk_str(h, "hello"), mk_list(h, 2, (fx_term_t[]){mk_float(h, 2.5), mk_uint(h, UINT64_MAX - 1)}, FX_NIL));
  ASSERT(x != y);
  ASSERT(fx_term_equal(rt, x, y));
  ASSERT(fx_term_equal(rt, x, x));
  ASSERT(!fx_term_equal(rt, x, z));
  ASSERT(!fx_term_equal(rt, fx_small(1), mk_float(h, 1.0)));
  ASSERT(!fx_term_equal(rt, mk_t2(h, fx_small(1), FX_NIL), mk_t2(h, mk_float(h, 1.0), FX_NIL)));
  ASSERT(!fx_term_equal(rt, mk_str(h, "abc"), mk_str(h, "abd")));
  ASSERT(!fx_term_equal(rt, mk_str(h, "abc"), mk_str(h, "ab")));
  ASSERT(!fx_term_equal(rt, FX_NIL, mk_tuple(h, 0, NULL)));
  ASSERT(!fx_term_equal(rt, FX_NONE, FX_NIL));
  ASSERT(fx_term_equal(rt, mk_map(h, 0, NULL, NULL), mk_map(h, 0, NULL, NULL)));
  /* Maps built from keys in different orders are the same map. */
  fx_term_t a = mk_atom(rt, "a"), b = mk_atom(rt, "b");
  fx_term_t m1 = mk_map(h, 2, (fx_term_t[]){a, b}, (fx_term_t[]){fx_small(1), x});
  fx_term_t m2 = mk_map(h, 2, (fx_term_t[]){b, a}, (fx_term_t[]){y, fx_small(1)});
  ASSERT(fx_term_equal(rt, m1, m2));
  ASSERT_EQ(fx_term_compare(rt, m1, m2), 0);
  TEARDOWN;
}

/* ---- copying ---- */

static fx_term_t build_nested(fx_runtime_t *rt, fx_heap_t *h) {
  fx_term_t a = mk_atom(rt, "a"), b = mk_atom(rt, "b");
  fx_term_t inner = mk_map(h, 3, (fx_term_t[]){b, a, mk_str(h, "key")},
                           (fx_term_t[]){mk_float(h, -0.0), mk_list(h, 2, (fx_term_t[]){fx_small(1), mk_uint(h, UINT64_MAX)}, a),
                                         mk_ref(rt, h)});
  fx_term_t elems[] = {FX_ATOM(OK), inner, mk_bin(h, "\1\2\3\4\5\6\7\10\11", 9), mk_tuple(h, 0, NULL), FX_NIL,
                       mk_list(h, 1, (fx_term_t[]){mk_t2(h, local_pid(4, 2), mk_extpid(h, b, 1, 2, 3))}, FX_NIL),
                       mk_big(h, 1, (uint64_t[]){1, 2, 3}, 3)};
  return mk_tuple(h, sizeof elems / sizeof *elems, elems);
}

TEST(copy_nested) {
  SETUP;
  fx_term_t t = build_nested(rt, h);
  size_t words = fx_term_words(t);
  /* tuple 8, map 7, <<"key">> 2, float 2, list 4, bignum 2, ref 5,
   * binary 3, {} 1, list 2, tuple 3, extpid 4, bignum 4 */
  ASSERT_EQ(words, 8 + 7 + 2 + 2 + 4 + 2 + 5 + 3 + 1 + 2 + 3 + 4 + 4);
  uint64_t *buf = malloc(words * 8 + 8);
  buf[words] = 0xdeadbeef; /* a guard word: copy writes exactly `words` */
  fx_term_t c = fx_term_copy(t, buf);
  ASSERT_EQ(buf[words], 0xdeadbeef);
  ASSERT(fx_term_equal(rt, t, c));
  ASSERT_EQ(fx_term_compare(rt, t, c), 0);
  ASSERT_EQ(fx_term_words(c), words);
  char s1[512], s2[512];
  fx_term_format(rt, t, s1, sizeof s1);
  fx_term_format(rt, c, s2, sizeof s2);
  ASSERT_STREQ(s1, s2);
  /* The copy does not point into the original heap. */
  fx_heap_t *h2;
  ASSERT_OK(fx_heap_new(rt, &h2));
  fx_term_t c2;
  ASSERT_OK(fx_heap_copy(h2, c, &c2));
  free(buf);
  fx_heap_free(h);
  ASSERT_STREQ(s1, (fx_term_format(rt, c2, s2, sizeof s2), s2));
  fx_heap_free(h2);
  /* Immediates need no words. */
  ASSERT_EQ(fx_term_words(fx_small(1)), 0);
  ASSERT_EQ(fx_term_words(FX_NIL), 0);
  ASSERT_EQ(fx_term_words(FX_ATOM(OK)), 0);
  ASSERT_EQ(fx_term_copy(FX_ATOM(OK), NULL), FX_ATOM(OK));
  fx_runtime_free(rt);
}

TEST(copy_million_element_list) {
  SETUP;
  enum { N = 1000000 };
  fx_term_t *elems = malloc(N * sizeof *elems);
  for (size_t i = 0; i < N; i++) elems[i] = i % 1000 == 0 ? mk_uint(h, UINT64_MAX - i) : fx_small((int64_t)i);
  fx_term_t l = mk_list(h, N, elems, FX_NIL);
  free(elems);
  ASSERT_EQ(fx_term_words(l), 2 * N + 2 * (N / 1000));
  fx_heap_t *h2;
  ASSERT_OK(fx_heap_new(rt, &h2));
  fx_term_t c;
  ASSERT_OK(fx_heap_copy(h2, l, &c));
  ASSERT(fx_term_equal(rt, l, c));
  ASSERT_EQ(fx_term_compare(rt, l, c), 0);
  /* Also a list built cell by cell (cells scattered, last first). */
  fx_term_t l2 = FX_NIL;
  for (size_t i = N; i-- > 0;) ASSERT_OK(fx_make_cons(h2, fx_small((int64_t)i), l2, &l2));
  fx_term_t c2;
  ASSERT_OK(fx_heap_copy(h, l2, &c2));
  ASSERT(fx_term_equal(rt, l2, c2));
  ASSERT(!fx_term_equal(rt, l, c2)); /* differs every 1000th element */
  ASSERT(fx_term_compare(rt, c2, l) < 0);
  fx_heap_free(h2);
  TEARDOWN;
}

TEST(copy_deep_nesting) {
  SETUP;
  /* A right-nested chain {i, {i, ...}} loops, whatever its length. */
  fx_term_t chain = FX_NIL;
  for (int i = 0; i < 200000; i++) chain = mk_t2(h, fx_small(i), chain);
  fx_term_t c;
  ASSERT_OK(fx_heap_copy(h, chain, &c));
  ASSERT(fx_term_equal(rt, chain, c));
  ASSERT_EQ(fx_term_compare(rt, chain, c), 0);
  char buf[64];
  size_t n = fx_term_format(rt, chain, buf, sizeof buf);
  ASSERT(n > sizeof buf);
  ASSERT(strncmp(buf, "{199999,{199998,", 16) == 0);
  /* Heads nested past FX__COPY_MAX_DEPTH are refused, not overflowed. */
  fx_term_t deep = FX_NIL;
  for (unsigned i = 0; i < FX__COPY_MAX_DEPTH + 10; i++) ASSERT_OK(fx_make_cons(h, deep, FX_NIL, &deep));
  ASSERT_EQ(fx_term_words(deep), SIZE_MAX);
  ASSERT_ERR(fx_heap_copy(h, deep, &c), FX_ETOODEEP);
  fx_msg_t *m;
  ASSERT_ERR(fx__msg_from_term(rt, deep, &m), FX_ETOODEEP);
  /* Just under the limit copies. */
  fx_term_t ok = FX_NIL;
  for (unsigned i = 0; i < FX__COPY_MAX_DEPTH; i++) ASSERT_OK(fx_make_cons(h, ok, FX_NIL, &ok));
  ASSERT_EQ(fx_term_words(ok), 2 * FX__COPY_MAX_DEPTH);
  ASSERT_OK(fx_heap_copy(h, ok, &c));
  ASSERT(fx_term_equal(rt, ok, c));
  TEARDOWN;
}

/* ---- printing ---- */

TEST(format_atoms) {
  SETUP;
  ASSERT_TERM(rt, FX_ATOM(OK), "ok");
  ASSERT_TERM(rt, FX_ATOM(NONODE), "nonode@nohost");
  ASSERT_TERM(rt, mk_atom(rt, "a1_B@"), "a1_B@");
  ASSERT_TERM(rt, FX_ATOM(EXIT), "'EXIT'");
  ASSERT_TERM(rt, FX_ATOM(GEN_CALL), "'$gen_call'");
  ASSERT_TERM(rt, mk_atom(rt, "a b"), "'a b'");
  ASSERT_TERM(rt, mk_atom(rt, ""), "''");
  ASSERT_TERM(rt, mk_atom(rt, "it's"), "'it\\'s'");
  ASSERT_TERM(rt, mk_atom(rt, "a\\b"), "'a\\\\b'");
  ASSERT_TERM(rt, mk_atom(rt, "_x"), "'_x'");
  ASSERT_TERM(rt, mk_atom(rt, "1a"), "'1a'");
  ASSERT_TERM(rt, mk_atom(rt, "h\xc3\xa9"), "'h\xc3\xa9'");
  ASSERT_TERM(rt, FX_NONE, "#none");
  TEARDOWN;
}

TEST(format_every_type) {
  SETUP;
  fx_term_t a = mk_atom(rt, "a"), b = mk_atom(rt, "b");
  fx_term_t m = mk_map(h, 2, (fx_term_t[]){b, a}, (fx_term_t[]){fx_small(2), fx_small(1)});
  ASSERT_TERM(rt, m, "#{a => 1,b => 2}");
  fx_term_t all[] = {fx_small(-3), mk_float(h, 1.5), a, mk_str(h, "hi"), mk_tuple(h, 0, NULL), FX_NIL, m,
                     local_pid(3, 1), mk_extpid(h, mk_atom(rt, "n@h"), 4, 5, 6), mk_ref(rt, h),
                     mk_list(h, 1, (fx_term_t[]){a}, b), mk_uint(h, UINT64_MAX)};
  fx_term_t t = mk_tuple(h, sizeof all / sizeof *all, all);
  ASSERT_TERM(rt, t, "{-3,1.5,a,<<\"hi\">>,{},[],#{a => 1,b => 2},<0.3.1>,<n@h.4.5>,#Ref<0.0.0.1>,[a|b],18446744073709551615}");
  fx_term_t l = mk_list(h, 3, (fx_term_t[]){t, FX_NIL, mk_t2(h, FX_NIL, FX_NIL)}, FX_NIL);
  char buf[512], expect[1024];
  fx_term_format(rt, t, buf, sizeof buf);
  snprintf(expect, sizeof expect, "[%s,[],{[],[]}]", buf);
  ASSERT_TERM(rt, l, expect);
  TEARDOWN;
}

TEST(format_truncates_safely) {
  SETUP;
  fx_term_t t = mk_t2(h, FX_ATOM(OK), mk_list(h, 2, (fx_term_t[]){fx_small(1), mk_str(h, "xy")}, FX_NIL));
  const char *full = "{ok,[1,<<\"xy\">>]}";
  size_t len = strlen(full);
  ASSERT_EQ(fx_term_format(rt, t, NULL, 0), len);
  for (size_t cap = 0; cap <= len + 2; cap++) {
    char buf[64];
    memset(buf, 'X', sizeof buf);
    ASSERT_EQ(fx_term_format(rt, t, buf, cap), len);
    for (size_t i = cap; i < sizeof buf; i++) ASSERT_EQ(buf[i], 'X'); /* nothing past cap */
    if (cap == 0) continue;
    size_t got = cap - 1 < len ? cap - 1 : len;
    ASSERT_EQ(strlen(buf), got);
    ASSERT(strncmp(buf, full, got) == 0);
  }
  ASSERT_EQ(fx_term_format(rt, fx_small(12345), NULL, 100), 5); /* NULL buf: measure */
  TEARDOWN;
}

TEST(format_bounds_depth) {
  SETUP;
  fx_term_t t = fx_small(7);
  for (int i = 0; i < 5000; i++) t = mk_tuple(h, 1, &t); /* {{{...}}} */
  char buf[1024];
  size_t n = fx_term_format(rt, t, buf, sizeof buf);
  ASSERT(n < sizeof buf);
  ASSERT(strstr(buf, "...") != NULL);
  ASSERT(strstr(buf, "7") == NULL);
  ASSERT_EQ(n, 101 + 3 + 101);
  /* Heads too. */
  fx_term_t l = FX_NIL;
  for (int i = 0; i < 5000; i++) ASSERT_OK(fx_make_cons(h, l, FX_NIL, &l));
  n = fx_term_format(rt, l, buf, sizeof buf);
  ASSERT(n < sizeof buf && strstr(buf, "...") != NULL);
  TEARDOWN;
}

/* ---- messages ---- */

/* Two equal terms nested `depth` deep in list heads (shape 0) or tuples'
 * first elements (shape 1), with `leaf` at the bottom. */
static fx_term_t nested(fx_heap_t *h, size_t depth, int shape, fx_term_t leaf) {
  fx_term_t t = leaf;
  for (size_t i = 0; i < depth; i++) {
    fx_term_t el[2] = {t, fx_small((int64_t)i)};
    if (shape == 0 ? fx_make_cons(h, t, FX_NIL, &t) : fx_make_tuple(h, 2, el, &t)) return FX_NONE;
  }
  return t;
}

/* Equality and order walk terms of any depth the builders make (they
 * recursed, and a term 100000 deep overflowed the C stack), and still
 * do, recursing in steps, when no memory is left for their own stack. */
TEST(equal_and_compare_take_any_depth) {
  fx_test_alloc_t alloc;
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, &alloc);
  fx_runtime_t *rt;
  fx_heap_t *h;
  ASSERT_OK(fx_runtime_new(&cfg, &rt));
  ASSERT_OK(fx_heap_new(rt, &h));
  for (int shape = 0; shape < 2; shape++) {
    size_t depth = 300000;
    fx_term_t a = nested(h, depth, shape, fx_small(1)), b = nested(h, depth, shape, fx_small(1));
    fx_term_t c = nested(h, depth, shape, fx_small(2));
    ASSERT(a != FX_NONE && b != FX_NONE && c != FX_NONE);
    ASSERT(fx_term_equal(rt, a, b));
    ASSERT(!fx_term_equal(rt, a, c));
    ASSERT_EQ(fx_term_compare(rt, a, b), 0);
    ASSERT_EQ(sign(fx_term_compare(rt, a, c)), -1);
    ASSERT_EQ(sign(fx_term_compare(rt, c, a)), 1);
    fx_term_t keys[3] = {c, a, b}, vals[3] = {fx_small(3), fx_small(1), fx_small(2)}, m;
    ASSERT_OK(fx_make_map(h, 3, keys, vals, &m));
    ASSERT_EQ(fx_map_size(m), 2); /* a and b are one key */
    ASSERT_EQ(fx_map_find(rt, m, c), 1);
    /* No memory: shallower (its steps recurse), the same answers. */
    fx_term_t d = nested(h, 20000, shape, fx_small(1)), e = nested(h, 20000, shape, fx_small(2));
    alloc.sticky = 1;
    alloc.countdown = 0;
    ASSERT(!fx_term_equal(rt, d, e));
    ASSERT_EQ(sign(fx_term_compare(rt, d, e)), -1);
    ASSERT(alloc.failures > 0);
    alloc.sticky = 0;
    alloc.countdown = -1;
  }
  ASSERT(fx_term_equal(NULL, fx_small(1), fx_small(1))); /* no runtime: no memory, a small walk */
  fx_heap_free(h);
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

TEST(msg_copy_and_pool) {
  fx_test_alloc_t a = {0};
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, &a);
  fx_runtime_t *rt;
  ASSERT_OK(fx_runtime_new(&cfg, &rt));
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(rt, &h));
  fx_term_t t = build_nested(rt, h);
  fx_msg_t *big;
  ASSERT_OK(fx__msg_from_term(rt, t, &big));
  ASSERT_EQ(big->nwords, fx_term_words(t));
  ASSERT(big->alloc_words > FX_MSG_POOL_WORDS);
  ASSERT(fx_term_equal(rt, big->term, t));
  ASSERT(big->term != t);
  ASSERT(big->next == NULL && big->from == 0);
  fx_heap_reset(h); /* the copy stands alone */
  char buf[512];
  fx_term_format(rt, big->term, buf, sizeof buf);
  const char *prefix = "{ok,#{a => [1,18446744073709551615|a],b => -0.0,<<\"key\">> => #Ref<0.0.0.1>},<<1,2,";
  ASSERT(strncmp(buf, prefix, strlen(prefix)) == 0);
  /* Small messages come from, and go back to, two pools by size. */
  fx_msg_t *s1, *s2, *s3;
  ASSERT_OK(fx__msg_from_term(rt, FX_ATOM(OK), &s1));
  ASSERT_EQ(s1->nwords, 0);
  ASSERT_EQ(s1->term, FX_ATOM(OK));
  ASSERT_EQ(s1->alloc_words, FX_MSG_TINY_WORDS);
  fx_term_t f = mk_t2(h, mk_float(h, 2.5), mk_str(h, "x"));
  ASSERT_OK(fx__msg_from_term(rt, f, &s2));
  ASSERT_EQ(s2->nwords, 3 + 2 + 2);
  ASSERT_EQ(s2->alloc_words, FX_MSG_POOL_WORDS);
  ASSERT(fx_term_equal(rt, s2->term, f));
  ASSERT_EQ(rt->msg_pool_len[0] + rt->msg_pool_len[1], 0);
  long allocs = a.allocations;
  fx__msg_free(rt, s1);
  fx__msg_free(rt, big); /* too big for the pools */
  ASSERT_EQ(rt->msg_pool_len[0], 1);
  ASSERT_EQ(rt->msg_pool_len[1], 0);
  ASSERT_OK(fx__msg_from_term(rt, fx_small(1), &s3));
  ASSERT(s3 == s1); /* recycled */
  ASSERT_EQ(a.allocations, allocs);
  ASSERT_EQ(rt->msg_pool_len[0], 0);
  fx__msg_free(rt, s3);
  fx__msg_free(rt, s2);
  fx__msg_free(rt, NULL);
  ASSERT_EQ(rt->msg_pool_len[0], 1);
  ASSERT_EQ(rt->msg_pool_len[1], 1);
  /* A tiny message never takes a big block, nor a big one a tiny block. */
  fx_msg_t *t4 = fx__msg_alloc(rt, FX_MSG_TINY_WORDS), *t5 = fx__msg_alloc(rt, FX_MSG_TINY_WORDS + 1);
  ASSERT(t4 == s1 && t4->alloc_words == FX_MSG_TINY_WORDS);
  ASSERT(t5 == s2 && t5->alloc_words == FX_MSG_POOL_WORDS);
  fx__msg_free(rt, t4);
  fx__msg_free(rt, t5);
  /* The pools are bounded. */
  enum { K = 2 * FX_MSG_POOL_MAX + 10 };
  fx_msg_t **ms = malloc(K * sizeof *ms);
  for (size_t i = 0; i < K; i++) { /* every size, tiny and big in turn */
    size_t n = i % 2 ? i % (FX_MSG_TINY_WORDS + 1) : FX_MSG_TINY_WORDS + 1 + i % (FX_MSG_POOL_WORDS - FX_MSG_TINY_WORDS);
    ASSERT((ms[i] = fx__msg_alloc(rt, n)) != NULL);
  }
  for (size_t i = 0; i < K; i++) fx__msg_free(rt, ms[i]);
  free(ms);
  ASSERT_EQ(rt->msg_pool_len[0], FX_MSG_POOL_MAX);
  ASSERT_EQ(rt->msg_pool_len[1], FX_MSG_POOL_MAX);
  /* Exactly at the pool size, and just past it. */
  fx_msg_t *x = fx__msg_alloc(rt, FX_MSG_POOL_WORDS), *y = fx__msg_alloc(rt, FX_MSG_POOL_WORDS + 1);
  ASSERT_EQ(x->alloc_words, FX_MSG_POOL_WORDS);
  ASSERT_EQ(y->alloc_words, FX_MSG_POOL_WORDS + 1);
  fx__msg_free(rt, x);
  fx__msg_free(rt, y);
  if (SIZE_MAX > UINT32_MAX) /* only where size_t can say it */
    ASSERT(fx__msg_alloc(rt, (size_t)((uint64_t)UINT32_MAX + 1)) == NULL);
  ASSERT_ERR(fx__msg_from_term(rt, FX_NONE, &x), FX_EINVAL);
  ASSERT_ERR(fx__msg_from_term(rt, FX_NIL, NULL), FX_EINVAL);
  fx_heap_free(h);
  fx_runtime_free(rt); /* frees the pool: nothing left */
  ASSERT_EQ(a.live, 0);
}

/* ---- allocation failure ---- */

/* Builds a nested term big enough to take several heap chunks and a heap
 * scratch for its map, copies it to a second heap and into a message. */
static int build_all(fx_runtime_t *rt, fx_heap_t **h1, fx_heap_t **h2, fx_msg_t **msg) {
  fx_term_t a = FX_ATOM(OK), t, bin, big, f, m, elems[40], vals[40];
  uint8_t bytes[600];
  memset(bytes, 7, sizeof bytes);
  int err = fx_heap_new(rt, h1);
  if (err) return err;
  fx_heap_t *h = *h1;
  for (int i = 0; i < 40; i++) {
    if ((err = fx_make_binary(h, bytes, sizeof bytes, &bin)) ||
        (err = fx_make_int(h, INT64_MIN + i, &big)) ||
        (err = fx_make_float(h, i + 0.5, &f)) ||
        (err = fx_tuple3(h, bin, big, f, &elems[i])))
      return err;
    vals[i] = fx_small(i);
  }
  /* 40 distinct keys (the tuples) in a map: sorted with heap scratch. */
  if ((err = fx_make_map(h, 40, elems, vals, &m))) return err;
  if ((err = fx_make_list(h, 40, elems, a, &t))) return err;
  if ((err = fx_make_ref(rt, h, &f))) return err;
  if ((err = fx_tuple3(h, t, m, f, &t))) return err;
  if ((err = fx_heap_new(rt, h2))) return err;
  fx_term_t c;
  if ((err = fx_heap_copy(*h2, t, &c))) return err;
  if ((err = fx__msg_from_term(rt, c, msg))) return err;
  return fx_term_equal(rt, (*msg)->term, t) ? FX_OK : FX_EINVAL;
}

static void fault_injection(int *fx_test_failed__, int sticky) {
  fx_test_alloc_t a = {0};
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, &a);
  a.sticky = sticky;
  fx_runtime_t *rt;
  ASSERT_OK(fx_runtime_new(&cfg, &rt));
  long long baseline = a.live;
  size_t mem = fx_runtime_memory(rt);
  int n;
  for (n = 0;; n++) {
    fx_heap_t *h1 = NULL, *h2 = NULL;
    fx_msg_t *msg = NULL;
    a.countdown = n;
    a.failures = 0;
    int err = build_all(rt, &h1, &h2, &msg);
    a.countdown = -1;
    a.failures = 0;
    if (err) {
      if (err != FX_ENOMEM) FX_TEST_FAIL("allocation %d: %s", n, fx_err_name(err));
    } else {
      ASSERT(msg != NULL);
    }
    fx__msg_free(rt, msg);
    fx_heap_free(h2);
    fx_heap_free(h1);
    if (a.live != baseline) FX_TEST_FAIL("allocation %d: live %lld, baseline %lld", n, a.live, baseline);
    ASSERT_EQ(fx_runtime_memory(rt), mem);
    /* Still usable. */
    fx_heap_t *h;
    fx_term_t t;
    ASSERT_OK(fx_heap_new(rt, &h));
    ASSERT_OK(fx_tuple2(h, FX_ATOM(OK), FX_NIL, &t));
    ASSERT_TERM(rt, t, "{ok,[]}");
    fx_heap_free(h);
    if (!err) break;
  }
  ASSERT(n > 10); /* the build did need many allocations */
  fx_runtime_free(rt);
  ASSERT_EQ(a.live, 0);
}

TEST(alloc_failure_each_allocation) { fault_injection(fx_test_failed__, 0); }
TEST(alloc_failure_sticky) { fault_injection(fx_test_failed__, 1); }

/* A heap reset keeps a chunk of the usual size for next time, but not one
 * made for a single large term: a scratch heap whose first term was large
 * would hold that memory for life. */
TEST(heap_reset_lets_a_large_first_chunk_go) {
  fx_test_alloc_t a = {0};
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, &a);
  fx_runtime_t *rt;
  ASSERT_OK(fx_runtime_new(&cfg, &rt));
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(rt, &h));
  long long empty = a.live;
  ASSERT(fx_heap_alloc(h, 100000) != NULL); /* the first chunk, made for it */
  ASSERT(a.live - empty >= 800000);
  fx_heap_reset(h);
  ASSERT_EQ(a.live, empty);
  /* A usual chunk stays, and serves the next small term with no allocation;
   * a large one on top of it goes. */
  ASSERT(fx_heap_alloc(h, 10) != NULL);
  long long small = a.live;
  ASSERT(fx_heap_alloc(h, 100000) != NULL);
  fx_heap_reset(h);
  ASSERT_EQ(a.live, small);
  long allocations = a.allocations;
  ASSERT(fx_heap_alloc(h, 10) != NULL);
  ASSERT_EQ(a.allocations, allocations);
  fx_heap_free(h);
  fx_runtime_free(rt);
  ASSERT_EQ(a.live, 0);
}

TEST_MAIN(heap_reset_lets_a_large_first_chunk_go, int_small_and_big_boundaries, int_bignum_canonical, int_get_int64, int_bignum_decimal_format,
          float_build_and_format, binary_build_and_format, tuple_list_cons_build_and_format,
          builders_reject_bad_args, map_build_sorted_with_duplicates, map_key_order_int_before_float,
          map_large_build_and_find, ref_build_compare_format, pid_compare_equal_format,
          compare_order_across_types, compare_numbers_mathematically, compare_within_types,
          equal_is_exact_and_structural, equal_and_compare_take_any_depth, copy_nested, copy_million_element_list, copy_deep_nesting,
          format_atoms, format_every_type, format_truncates_safely, format_bounds_depth, msg_copy_and_pool,
          alloc_failure_each_allocation, alloc_failure_sticky)
