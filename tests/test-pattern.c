/* Tests for patterns: compiling clause terms and matching messages against
 * them (API.md section 2). Terms are built with small variadic helpers; a
 * helper returns FX_NONE when a builder fails, which the pattern compiler
 * rejects and the matcher never matches, so a failure shows up as a test
 * failure rather than a crash. */
#include <stdarg.h>

#include "fx_internal.h"
#include "fx_test.h"
#include "fx_test_alloc.h"

#define ANY fx_pat_any()
#define IGN fx_pat_ignore()

/* ---- term helpers ---- */

static fx_term_t tup(fx_heap_t *h, size_t n, ...) {
  fx_term_t e[64], t;
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) e[i] = va_arg(ap, fx_term_t);
  va_end(ap);
  return fx_make_tuple(h, n, e, &t) ? FX_NONE : t;
}

/* A list of n elements ending in `tail`. */
static fx_term_t lst(fx_heap_t *h, fx_term_t tail, size_t n, ...) {
  fx_term_t e[64], t;
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) e[i] = va_arg(ap, fx_term_t);
  va_end(ap);
  return fx_make_list(h, n, e, tail, &t) ? FX_NONE : t;
}

/* A map from n key, value pairs. */
static fx_term_t map(fx_heap_t *h, size_t n, ...) {
  fx_term_t k[32], v[32], t;
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    k[i] = va_arg(ap, fx_term_t);
    v[i] = va_arg(ap, fx_term_t);
  }
  va_end(ap);
  return fx_make_map(h, n, k, v, &t) ? FX_NONE : t;
}

static fx_term_t bin(fx_heap_t *h, const char *s) {
  fx_term_t t;
  return fx_make_string(h, s, &t) ? FX_NONE : t;
}

static fx_term_t atom(fx_runtime_t *rt, const char *s) {
  fx_term_t t;
  return fx_atom_cstr(rt, s, &t) ? FX_NONE : t;
}

static fx_term_t flt(fx_heap_t *h, double d) {
  fx_term_t t;
  return fx_make_float(h, d, &t) ? FX_NONE : t;
}

static fx_term_t integer(fx_heap_t *h, int64_t v) {
  fx_term_t t;
  return fx_make_int(h, v, &t) ? FX_NONE : t;
}

/* 2^64 + 1, negated if asked: always a bignum. */
static fx_term_t big(fx_heap_t *h, int negative) {
  static const uint64_t limbs[2] = {1, 1};
  fx_term_t t;
  return fx_make_bignum(h, negative, limbs, 2, &t) ? FX_NONE : t;
}

static fx_term_t type(fx_heap_t *h, fx_term_t type_atom) {
  fx_term_t t;
  return fx_pat_type(h, type_atom, &t) ? FX_NONE : t;
}

static fx_term_t ref(fx_runtime_t *rt, fx_heap_t *h) {
  fx_term_t t;
  return fx_make_ref(rt, h, &t) ? FX_NONE : t;
}

/* A pid of another node, laid out as term.h describes (no builder exists:
 * such pids normally arrive through ETF). */
static fx_term_t ext_pid(fx_runtime_t *rt, fx_heap_t *h, uint32_t id) {
  uint64_t *w = fx_heap_alloc(h, 4);
  if (!w) return FX_NONE;
  w[0] = fx__header(FX_BOX_EXTPID, 3);
  w[1] = atom(rt, "other@host");
  w[2] = id;
  w[3] = 1;
  return fx__box(w);
}

/* ---- fixture ---- */

typedef struct fixture {
  fx_runtime_t *rt;
  fx_heap_t *h;
} fixture_t;

static int setup(fixture_t *f) {
  f->rt = NULL;
  f->h = NULL;
  if (fx_runtime_new(NULL, &f->rt)) return FX_ENOMEM;
  return fx_heap_new(f->rt, &f->h);
}

static void teardown(fixture_t *f) {
  fx_heap_free(f->h);
  fx_runtime_free(f->rt);
}

static int compile1(fixture_t *f, fx_term_t clause, unsigned flags, fx_pattern_t **p) {
  return fx_pattern_compile(f->rt, &clause, 1, flags, p);
}

/* Matches with a full-size vector; -1 and *n == 0 when nothing matches. */
static int match(fixture_t *f, const fx_pattern_t *p, fx_term_t t, fx_term_t *out, size_t *n) {
  return fx_pattern_match(f->rt, p, t, out, FX_PATTERN_MAX_EXTRACT, n);
}

/* Compiles one clause and matches one term; -2 when compiling fails. */
static int match1(fixture_t *f, fx_term_t clause, unsigned flags, fx_term_t t, fx_term_t *out, size_t *n) {
  fx_pattern_t *p;
  if (compile1(f, clause, flags, &p)) return -2;
  int r = match(f, p, t, out, n);
  fx_pattern_free(f->rt, p);
  return r;
}

#define SETUP(f)                                                               \
  fixture_t f;                                                                 \
  ASSERT_OK(setup(&f))

/* ---- API.md section 2: the four documented examples ---- */

TEST(api_examples) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;

  /* ["data", 42] against ["data", ANY] extracts [42]. */
  ASSERT_EQ(match1(&f, tup(h, 2, bin(h, "data"), ANY), 0, tup(h, 2, bin(h, "data"), fx_small(42)), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(42));

  /* ["event", "user_login", "127.0.0.1"] against ["event", IGNORE, ANY]. */
  fx_term_t ip = bin(h, "127.0.0.1");
  ASSERT_EQ(match1(&f, tup(h, 3, bin(h, "event"), IGN, ANY), 0,
                   tup(h, 3, bin(h, "event"), bin(h, "user_login"), ip), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], ip);
  ASSERT_TERM(f.rt, out[0], "<<\"127.0.0.1\">>");

  /* {key: "value"} against Object extracts the map itself. */
  fx_term_t m = map(h, 1, bin(h, "key"), bin(h, "value"));
  ASSERT_EQ(match1(&f, type(h, FX_ATOM(MAP)), 0, m, out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], m);

  /* ["msg", ["sub", 1]] against ["msg", ["sub", Int]] extracts [1]. */
  fx_term_t pat = tup(h, 2, bin(h, "msg"), tup(h, 2, bin(h, "sub"), type(h, FX_ATOM(INTEGER))));
  ASSERT_EQ(match1(&f, pat, 0, tup(h, 2, bin(h, "msg"), tup(h, 2, bin(h, "sub"), fx_small(1))), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(1));
  /* ... and not ["msg", ["sub", 1.0]] nor ["msg", ["other", 1]]. */
  ASSERT_EQ(match1(&f, pat, 0, tup(h, 2, bin(h, "msg"), tup(h, 2, bin(h, "sub"), flt(h, 1.0))), out, &n), -1);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, pat, 0, tup(h, 2, bin(h, "msg"), tup(h, 2, bin(h, "other"), fx_small(1))), out, &n), -1);
  teardown(&f);
}

/* ---- literals ---- */

/* Each literal pattern matches an equal term built separately, and neither
 * a different value of its type nor a value of another type. */
TEST(literals_each_type) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  fx_term_t r = ref(rt, h);
  struct {
    const char *name;
    fx_term_t pat, same, other;
  } cases[] = {
      {"small", fx_small(7), integer(h, 7), fx_small(8)},
      {"negative", fx_small(-7), integer(h, -7), fx_small(7)},
      {"int vs float", fx_small(1), fx_small(1), flt(h, 1.0)},
      {"float", flt(h, 1.5), flt(h, 1.5), flt(h, 2.5)},
      {"float vs int", flt(h, 1.0), flt(h, 1.0), fx_small(1)},
      {"bignum", big(h, 0), big(h, 0), big(h, 1)},
      {"int64 max", integer(h, INT64_MAX), integer(h, INT64_MAX), integer(h, INT64_MAX - 1)},
      {"atom", atom(rt, "hello"), atom(rt, "hello"), atom(rt, "world")},
      {"true", FX_ATOM(TRUE), FX_ATOM(TRUE), FX_ATOM(FALSE)},
      {"nil", FX_NIL, FX_NIL, lst(h, FX_NIL, 1, fx_small(1))},
      {"local pid", fx_pid_term(fx_pid_make(3, 1)), fx_pid_term(fx_pid_make(3, 1)), fx_pid_term(fx_pid_make(3, 2))},
      {"ext pid", ext_pid(rt, h, 5), ext_pid(rt, h, 5), ext_pid(rt, h, 6)},
      {"binary", bin(h, "abc"), bin(h, "abc"), bin(h, "abd")},
      {"binary prefix", bin(h, "abc"), bin(h, "abc"), bin(h, "ab")},
      {"empty binary", bin(h, ""), bin(h, ""), FX_NIL},
      {"binary vs atom", bin(h, "ok"), bin(h, "ok"), FX_ATOM(OK)},
      {"ref", r, r, ref(rt, h)},
      {"tuple", tup(h, 2, FX_ATOM(OK), flt(h, 2.0)), tup(h, 2, FX_ATOM(OK), flt(h, 2.0)), tup(h, 2, FX_ATOM(OK), fx_small(2))},
      {"empty tuple", tup(h, 0), tup(h, 0), tup(h, 1, FX_NIL)},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    fx_term_t out[FX_PATTERN_MAX_EXTRACT];
    size_t n = 99;
    int same = match1(&f, cases[i].pat, 0, cases[i].same, out, &n);
    if (same != 0 || n != 0) FX_TEST_FAIL("%s: equal term gives %d (n=%zu)", cases[i].name, same, n);
    int other = match1(&f, cases[i].pat, 0, cases[i].other, out, &n);
    if (other != -1) FX_TEST_FAIL("%s: different term gives %d", cases[i].name, other);
  }
  teardown(&f);
}

/* ---- type matchers ---- */

TEST(type_matchers) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  /* Samples, one per kind of value; the masks below say which types accept
   * which sample (bit i = sample i). */
  const fx_term_t samples[] = {
      fx_small(1),                          /* 0 small int */
      big(h, 0),                            /* 1 positive bignum */
      big(h, 1),                            /* 2 negative bignum */
      flt(h, 1.0),                          /* 3 float */
      bin(h, "text"),                       /* 4 binary */
      atom(rt, "foo"),                      /* 5 atom */
      FX_ATOM(TRUE),                        /* 6 true */
      FX_ATOM(FALSE),                       /* 7 false */
      tup(h, 2, fx_small(1), fx_small(2)),  /* 8 tuple */
      tup(h, 0),                            /* 9 empty tuple */
      FX_NIL,                               /* 10 [] */
      lst(h, FX_NIL, 2, fx_small(1), FX_NIL), /* 11 list */
      map(h, 1, fx_small(1), fx_small(2)),  /* 12 map */
      map(h, 0),                            /* 13 empty map */
      fx_pid_term(fx_pid_make(1, 0)),       /* 14 local pid */
      ext_pid(rt, h, 9),                    /* 15 external pid */
      ref(rt, h),                           /* 16 ref */
      bin(h, ""),                           /* 17 empty binary */
      FX_ATOM(NIL),                         /* 18 the atom nil */
  };
  const size_t nsamples = sizeof samples / sizeof *samples;
  struct {
    fx_term_t type;
    uint32_t accepts;
  } types[] = {
      {FX_ATOM(INTEGER), 1u << 0 | 1u << 1 | 1u << 2},
      {FX_ATOM(FLOAT), 1u << 3},
      {FX_ATOM(NUMBER), 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3},
      {FX_ATOM(BINARY), 1u << 4 | 1u << 17},
      {FX_ATOM(STRING), 1u << 4 | 1u << 17},
      {FX_ATOM(ATOM), 1u << 5 | 1u << 6 | 1u << 7 | 1u << 18},
      {FX_ATOM(BOOLEAN), 1u << 6 | 1u << 7},
      {FX_ATOM(TUPLE), 1u << 8 | 1u << 9},
      {FX_ATOM(LIST), 1u << 10 | 1u << 11},
      {FX_ATOM(MAP), 1u << 12 | 1u << 13},
      {FX_ATOM(PID), 1u << 14 | 1u << 15},
      {FX_ATOM(REFERENCE), 1u << 16},
  };
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    fx_pattern_t *p;
    ASSERT_OK(compile1(&f, type(h, types[i].type), 0, &p));
    ASSERT_EQ(fx_pattern_extract_count(p, 0), 1);
    for (size_t s = 0; s < nsamples; s++) {
      fx_term_t out[FX_PATTERN_MAX_EXTRACT] = {0};
      size_t n = 99;
      int want = (types[i].accepts >> s) & 1;
      int r = match(&f, p, samples[s], out, &n);
      if (want && (r != 0 || n != 1 || out[0] != samples[s]))
        FX_TEST_FAIL("type %s rejects sample %zu (r=%d)", fx_atom_text(rt, types[i].type, NULL), s, r);
      if (!want && (r != -1 || n != 0))
        FX_TEST_FAIL("type %s accepts sample %zu", fx_atom_text(rt, types[i].type, NULL), s);
    }
    /* With the text flag `string` still means binaries only. */
    fx_pattern_t *q;
    ASSERT_OK(compile1(&f, type(h, types[i].type), FX_PATTERN_TEXT_MATCHES_ATOM, &q));
    for (size_t s = 0; s < nsamples; s++) {
      fx_term_t out[FX_PATTERN_MAX_EXTRACT];
      size_t n;
      ASSERT_EQ(match(&f, q, samples[s], out, &n), ((types[i].accepts >> s) & 1) ? 0 : -1);
    }
    fx_pattern_free(rt, q);
    fx_pattern_free(rt, p);
  }
  teardown(&f);
}

/* ---- tuples, nesting ---- */

TEST(tuples_by_arity) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t one = tup(h, 1, ANY), two = tup(h, 2, ANY, ANY), zero = tup(h, 0);
  ASSERT_EQ(match1(&f, one, 0, tup(h, 1, fx_small(5)), out, &n), 0);
  ASSERT_EQ(out[0], fx_small(5));
  ASSERT_EQ(match1(&f, one, 0, tup(h, 2, fx_small(5), fx_small(6)), out, &n), -1);
  ASSERT_EQ(match1(&f, one, 0, tup(h, 0), out, &n), -1);
  ASSERT_EQ(match1(&f, two, 0, tup(h, 2, fx_small(5), fx_small(6)), out, &n), 0);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], fx_small(5));
  ASSERT_EQ(out[1], fx_small(6));
  ASSERT_EQ(match1(&f, two, 0, tup(h, 3, fx_small(5), fx_small(6), fx_small(7)), out, &n), -1);
  ASSERT_EQ(match1(&f, zero, 0, tup(h, 0), out, &n), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, zero, 0, tup(h, 1, fx_small(1)), out, &n), -1);
  /* Not tuples at all. */
  ASSERT_EQ(match1(&f, one, 0, lst(h, FX_NIL, 1, fx_small(5)), out, &n), -1);
  ASSERT_EQ(match1(&f, one, 0, fx_small(5), out, &n), -1);
  ASSERT_EQ(match1(&f, zero, 0, FX_NIL, out, &n), -1);
  ASSERT_EQ(match1(&f, one, 0, map(h, 1, fx_small(0), fx_small(5)), out, &n), -1);
  teardown(&f);
}

/* `levels` tuples, each {level, Inner}, around `leaf`. */
static fx_term_t nest_tuples(fx_heap_t *h, size_t levels, fx_term_t leaf) {
  fx_term_t t = leaf;
  for (size_t i = levels; i-- > 0;) t = tup(h, 2, fx_small((int64_t)i), t);
  return t;
}

TEST(nesting_depth_10) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t pat = nest_tuples(h, 10, type(h, FX_ATOM(INTEGER)));
  ASSERT_EQ(match1(&f, pat, 0, nest_tuples(h, 10, fx_small(77)), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(77));
  ASSERT_EQ(match1(&f, pat, 0, nest_tuples(h, 10, flt(h, 77.0)), out, &n), -1);
  ASSERT_EQ(match1(&f, pat, 0, nest_tuples(h, 9, fx_small(77)), out, &n), -1);
  /* Extracting at several depths keeps left-to-right (preorder) order. */
  fx_term_t p2 = tup(h, 3, ANY, tup(h, 2, ANY, tup(h, 1, ANY)), ANY);
  fx_term_t m2 = tup(h, 3, fx_small(1), tup(h, 2, fx_small(2), tup(h, 1, fx_small(3))), fx_small(4));
  ASSERT_EQ(match1(&f, p2, 0, m2, out, &n), 0);
  ASSERT_EQ(n, 4);
  for (int i = 0; i < 4; i++) ASSERT_EQ(out[i], fx_small(i + 1));
  teardown(&f);
}

TEST(nesting_max_depth) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_pattern_t *p;
  /* Tuples: exactly the limit compiles and matches, one more does not. */
  fx_term_t at_limit = nest_tuples(h, FX_PATTERN_MAX_DEPTH, ANY);
  ASSERT_OK(compile1(&f, at_limit, 0, &p));
  ASSERT_EQ(match(&f, p, nest_tuples(h, FX_PATTERN_MAX_DEPTH, fx_small(9)), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(9));
  ASSERT_EQ(match(&f, p, nest_tuples(h, FX_PATTERN_MAX_DEPTH - 1, fx_small(9)), out, &n), -1);
  fx_pattern_free(f.rt, p);
  ASSERT_ERR(compile1(&f, nest_tuples(h, FX_PATTERN_MAX_DEPTH + 1, ANY), 0, &p), FX_ETOODEEP);

  /* Lists and maps count the same way; a list's length is not depth. */
  fx_term_t l = ANY, m = ANY, mixed = ANY;
  for (int i = 0; i < FX_PATTERN_MAX_DEPTH; i++) {
    l = lst(h, FX_NIL, 1, l);
    m = map(h, 1, fx_small(i), m);
    mixed = i % 3 == 0 ? lst(h, FX_NIL, 2, fx_small(i), mixed) : i % 3 == 1 ? map(h, 1, FX_ATOM(OK), mixed) : tup(h, 1, mixed);
  }
  fx_term_t subject_l = fx_small(1), subject_m = fx_small(1);
  for (int i = 0; i < FX_PATTERN_MAX_DEPTH; i++) {
    subject_l = lst(h, FX_NIL, 1, subject_l);
    subject_m = map(h, 2, fx_small(i), subject_m, fx_small(-1), FX_NIL);
  }
  ASSERT_EQ(match1(&f, l, 0, subject_l, out, &n), 0);
  ASSERT_EQ(out[0], fx_small(1));
  ASSERT_EQ(match1(&f, m, 0, subject_m, out, &n), 0);
  ASSERT_EQ(out[0], fx_small(1));
  ASSERT_OK(compile1(&f, mixed, 0, &p));
  fx_pattern_free(f.rt, p);
  ASSERT_ERR(compile1(&f, lst(h, FX_NIL, 1, l), 0, &p), FX_ETOODEEP);
  ASSERT_ERR(compile1(&f, map(h, 1, FX_NIL, m), 0, &p), FX_ETOODEEP);
  ASSERT_ERR(compile1(&f, tup(h, 1, mixed), 0, &p), FX_ETOODEEP);
  /* '$fx_map' wraps one map: one level, not two. */
  fx_term_t wrapped = tup(h, 2, FX_ATOM(PAT_MAP), map(h, 0));
  ASSERT_OK(compile1(&f, nest_tuples(h, FX_PATTERN_MAX_DEPTH - 1, wrapped), 0, &p));
  fx_pattern_free(f.rt, p);
  /* A deep literal is one value, not nesting of the pattern. */
  fx_term_t deep = nest_tuples(h, FX_PATTERN_MAX_DEPTH * 2, FX_NIL);
  ASSERT_EQ(match1(&f, tup(h, 2, FX_ATOM(PAT_LITERAL), deep), 0, nest_tuples(h, FX_PATTERN_MAX_DEPTH * 2, FX_NIL), out, &n), 0);
  /* A long list is one level. */
  fx_term_t elems[1000];
  for (int i = 0; i < 1000; i++) elems[i] = i == 500 ? ANY : fx_small(i);
  fx_term_t longpat, longmsg;
  ASSERT_OK(fx_make_list(h, 1000, elems, FX_NIL, &longpat));
  elems[500] = fx_small(500);
  ASSERT_OK(fx_make_list(h, 1000, elems, FX_NIL, &longmsg));
  ASSERT_EQ(match1(&f, nest_tuples(h, FX_PATTERN_MAX_DEPTH - 1, longpat), 0, nest_tuples(h, FX_PATTERN_MAX_DEPTH - 1, longmsg), out, &n), 0);
  ASSERT_EQ(out[0], fx_small(500));
  teardown(&f);
}

/* ---- extraction ---- */

TEST(any_vs_ignore) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_pattern_t *p;
  fx_term_t msg = tup(h, 4, fx_small(1), fx_small(2), fx_small(3), fx_small(4));
  ASSERT_OK(compile1(&f, tup(h, 4, ANY, IGN, ANY, IGN), 0, &p));
  ASSERT_EQ(fx_pattern_clauses(p), 1);
  ASSERT_EQ(fx_pattern_extract_count(p, 0), 2);
  ASSERT_EQ(fx_pattern_extract_count(p, 1), 0); /* no such clause */
  ASSERT_EQ(match(&f, p, msg, out, &n), 0);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], fx_small(1));
  ASSERT_EQ(out[1], fx_small(3));
  fx_pattern_free(f.rt, p);
  /* A bare IGNORE matches anything and extracts nothing; a bare ANY
   * extracts the whole message. */
  ASSERT_EQ(match1(&f, IGN, 0, msg, out, &n), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, ANY, 0, msg, out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], msg);
  /* Both match any kind of value. */
  ASSERT_EQ(match1(&f, tup(h, 2, ANY, IGN), 0, tup(h, 2, map(h, 0), bin(h, "x")), out, &n), 0);
  ASSERT_EQ(n, 1);
  teardown(&f);
}

TEST(extract_limit_and_nospace) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t pe[FX_PATTERN_MAX_EXTRACT + 1], me[FX_PATTERN_MAX_EXTRACT + 1], pat, msg;
  for (int i = 0; i <= FX_PATTERN_MAX_EXTRACT; i++) {
    pe[i] = ANY;
    me[i] = fx_small(i);
  }
  fx_pattern_t *p;
  ASSERT_OK(fx_make_tuple(h, FX_PATTERN_MAX_EXTRACT + 1, pe, &pat));
  ASSERT_ERR(compile1(&f, pat, 0, &p), FX_EBADPATTERN);
  ASSERT_OK(fx_make_tuple(h, FX_PATTERN_MAX_EXTRACT, pe, &pat));
  ASSERT_OK(fx_make_tuple(h, FX_PATTERN_MAX_EXTRACT, me, &msg));
  ASSERT_OK(compile1(&f, pat, 0, &p));
  ASSERT_EQ(fx_pattern_extract_count(p, 0), FX_PATTERN_MAX_EXTRACT);
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  ASSERT_EQ(match(&f, p, msg, out, &n), 0);
  ASSERT_EQ(n, FX_PATTERN_MAX_EXTRACT);
  for (int i = 0; i < FX_PATTERN_MAX_EXTRACT; i++) ASSERT_EQ(out[i], fx_small(i));
  /* Too small a vector: FX_ENOSPACE and the count needed, nothing written. */
  fx_term_t small[4] = {0, 0, 0, 0};
  ASSERT_EQ(fx_pattern_match(f.rt, p, msg, small, 4, &n), FX_ENOSPACE);
  ASSERT_EQ(n, FX_PATTERN_MAX_EXTRACT);
  for (int i = 0; i < 4; i++) ASSERT_EQ(small[i], 0);
  /* ... but a message the clause rejects is still simply -1. */
  ASSERT_EQ(fx_pattern_match(f.rt, p, fx_small(0), small, 4, &n), -1);
  fx_pattern_free(f.rt, p);
  /* No vector at all is fine for clauses that extract nothing. */
  ASSERT_OK(compile1(&f, tup(h, 2, FX_ATOM(OK), IGN), 0, &p));
  ASSERT_EQ(fx_pattern_match(f.rt, p, tup(h, 2, FX_ATOM(OK), fx_small(1)), NULL, 0, NULL), 0);
  ASSERT_EQ(fx_pattern_match(f.rt, p, fx_small(1), NULL, 0, NULL), -1);
  ASSERT_ERR(fx_pattern_match(f.rt, p, fx_small(1), NULL, 1, NULL), FX_EINVAL);
  fx_pattern_free(f.rt, p);
  teardown(&f);
}

/* ---- clause order ---- */

TEST(multi_clause_order) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t clauses[] = {
      tup(h, 3, FX_ATOM(OK), ANY, FX_ATOM(TRUE)),  /* 0 */
      tup(h, 2, FX_ATOM(OK), fx_small(1)),          /* 1 */
      tup(h, 2, FX_ATOM(OK), ANY),                  /* 2 also matches {ok, 1} */
      tup(h, 3, FX_ATOM(OK), ANY, ANY),             /* 3 */
      ANY,                                          /* 4 catch-all */
  };
  fx_pattern_t *p;
  ASSERT_OK(fx_pattern_compile(f.rt, clauses, 5, 0, &p));
  ASSERT_EQ(fx_pattern_clauses(p), 5);
  ASSERT_EQ(fx_pattern_extract_count(p, 0), 1);
  ASSERT_EQ(fx_pattern_extract_count(p, 1), 0);
  ASSERT_EQ(fx_pattern_extract_count(p, 3), 2);
  ASSERT_EQ(match(&f, p, tup(h, 2, FX_ATOM(OK), fx_small(1)), out, &n), 1);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match(&f, p, tup(h, 2, FX_ATOM(OK), fx_small(2)), out, &n), 2);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(2));
  /* Clause 0 extracts x and then fails on its last element; clause 3's
   * extraction replaces it. */
  ASSERT_EQ(match(&f, p, tup(h, 3, FX_ATOM(OK), fx_small(10), fx_small(20)), out, &n), 3);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], fx_small(10));
  ASSERT_EQ(out[1], fx_small(20));
  ASSERT_EQ(match(&f, p, tup(h, 3, FX_ATOM(OK), fx_small(10), FX_ATOM(TRUE)), out, &n), 0);
  ASSERT_EQ(n, 1);
  fx_term_t other = atom(f.rt, "other");
  ASSERT_EQ(match(&f, p, other, out, &n), 4);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], other);
  fx_pattern_free(f.rt, p);
  /* No catch-all: nothing matches, *nout is 0. */
  ASSERT_OK(fx_pattern_compile(f.rt, clauses, 4, 0, &p));
  n = 99;
  ASSERT_EQ(match(&f, p, other, out, &n), -1);
  ASSERT_EQ(n, 0);
  fx_pattern_free(f.rt, p);
  /* No clauses at all (a receive that only waits for its timeout). */
  ASSERT_OK(fx_pattern_compile(f.rt, NULL, 0, 0, &p));
  ASSERT_EQ(fx_pattern_clauses(p), 0);
  ASSERT_EQ(match(&f, p, other, out, &n), -1);
  fx_pattern_free(f.rt, p);
  teardown(&f);
}

/* ---- lists ---- */

TEST(list_patterns) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t one = fx_small(1), two = fx_small(2), three = fx_small(3);
  /* Proper lists: same length, element by element. */
  fx_term_t p12 = lst(h, FX_NIL, 2, one, ANY);
  ASSERT_EQ(match1(&f, p12, 0, lst(h, FX_NIL, 2, one, two), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], two);
  ASSERT_EQ(match1(&f, p12, 0, lst(h, FX_NIL, 3, one, two, three), out, &n), -1);
  ASSERT_EQ(match1(&f, p12, 0, lst(h, FX_NIL, 1, one), out, &n), -1);
  ASSERT_EQ(match1(&f, p12, 0, lst(h, FX_NIL, 2, two, two), out, &n), -1);
  ASSERT_EQ(match1(&f, p12, 0, FX_NIL, out, &n), -1);
  ASSERT_EQ(match1(&f, p12, 0, tup(h, 2, one, two), out, &n), -1);
  /* An improper subject does not match a proper pattern. */
  ASSERT_EQ(match1(&f, p12, 0, lst(h, three, 2, one, two), out, &n), -1);
  /* [] matches only []. */
  ASSERT_EQ(match1(&f, FX_NIL, 0, FX_NIL, out, &n), 0);
  ASSERT_EQ(match1(&f, FX_NIL, 0, lst(h, FX_NIL, 1, one), out, &n), -1);
  /* [H | T] takes the head and the rest. */
  fx_term_t ht = lst(h, ANY, 1, ANY);
  fx_term_t l123 = lst(h, FX_NIL, 3, one, two, three);
  ASSERT_EQ(match1(&f, ht, 0, l123, out, &n), 0);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], one);
  ASSERT_EQ(out[1], fx_tail(l123));
  ASSERT_EQ(match1(&f, ht, 0, lst(h, FX_NIL, 1, one), out, &n), 0);
  ASSERT_EQ(out[1], FX_NIL);
  ASSERT_EQ(match1(&f, ht, 0, FX_NIL, out, &n), -1);
  /* A typed tail. */
  fx_term_t tl = lst(h, type(h, FX_ATOM(LIST)), 1, IGN);
  ASSERT_EQ(match1(&f, tl, 0, l123, out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_tail(l123));
  ASSERT_EQ(match1(&f, tl, 0, lst(h, three, 1, one), out, &n), -1);
  /* Improper patterns: a literal tail. */
  fx_term_t imp = lst(h, FX_ATOM(OK), 2, one, ANY);
  ASSERT_EQ(match1(&f, imp, 0, lst(h, FX_ATOM(OK), 2, one, two), out, &n), 0);
  ASSERT_EQ(out[0], two);
  ASSERT_EQ(match1(&f, imp, 0, lst(h, FX_ATOM(ERROR), 2, one, two), out, &n), -1);
  ASSERT_EQ(match1(&f, imp, 0, lst(h, FX_NIL, 2, one, two), out, &n), -1);
  ASSERT_EQ(match1(&f, imp, 0, lst(h, FX_ATOM(OK), 3, one, two, three), out, &n), -1);
  /* Lists inside tuples inside lists, with extraction order kept. */
  fx_term_t nested = lst(h, FX_NIL, 2, tup(h, 2, ANY, lst(h, FX_NIL, 1, ANY)), ANY);
  fx_term_t nmsg = lst(h, FX_NIL, 2, tup(h, 2, one, lst(h, FX_NIL, 1, two)), three);
  ASSERT_EQ(match1(&f, nested, 0, nmsg, out, &n), 0);
  ASSERT_EQ(n, 3);
  ASSERT_EQ(out[0], one);
  ASSERT_EQ(out[1], two);
  ASSERT_EQ(out[2], three);
  teardown(&f);
}

/* ---- maps ---- */

TEST(map_patterns) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t a = atom(rt, "a"), b = atom(rt, "b"), c = atom(rt, "c");
  /* Subset of keys, values compared. */
  fx_term_t pa = map(h, 1, a, fx_small(1));
  ASSERT_EQ(match1(&f, pa, 0, map(h, 2, a, fx_small(1), b, fx_small(2)), out, &n), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, pa, 0, map(h, 1, a, fx_small(1)), out, &n), 0);
  ASSERT_EQ(match1(&f, pa, 0, map(h, 1, b, fx_small(1)), out, &n), -1);  /* missing key */
  ASSERT_EQ(match1(&f, pa, 0, map(h, 1, a, fx_small(2)), out, &n), -1);  /* wrong value */
  ASSERT_EQ(match1(&f, pa, 0, map(h, 1, a, flt(h, 1.0)), out, &n), -1);  /* 1 is not 1.0 */
  ASSERT_EQ(match1(&f, pa, 0, map(h, 0), out, &n), -1);
  ASSERT_EQ(match1(&f, pa, 0, tup(h, 2, a, fx_small(1)), out, &n), -1);
  /* Keys are exact too: 1 and 1.0 are different keys. */
  fx_term_t pint = map(h, 1, fx_small(1), ANY);
  ASSERT_EQ(match1(&f, pint, 0, map(h, 1, flt(h, 1.0), FX_NIL), out, &n), -1);
  ASSERT_EQ(match1(&f, pint, 0, map(h, 2, flt(h, 1.0), FX_NIL, fx_small(1), FX_ATOM(OK)), out, &n), 0);
  ASSERT_EQ(out[0], FX_ATOM(OK));
  /* #{} matches any map and nothing else. */
  ASSERT_EQ(match1(&f, map(h, 0), 0, map(h, 0), out, &n), 0);
  ASSERT_EQ(match1(&f, map(h, 0), 0, map(h, 1, a, b), out, &n), 0);
  ASSERT_EQ(match1(&f, map(h, 0), 0, FX_NIL, out, &n), -1);
  /* Values are patterns, extracted in map-key order whatever the order the
   * pattern was written in: integers before atoms, atoms by text. */
  fx_term_t pk = map(h, 3, c, ANY, fx_small(5), ANY, a, ANY);
  fx_term_t mk = map(h, 4, a, fx_small(10), b, fx_small(20), c, fx_small(30), fx_small(5), fx_small(50));
  ASSERT_EQ(match1(&f, pk, 0, mk, out, &n), 0);
  ASSERT_EQ(n, 3);
  ASSERT_EQ(out[0], fx_small(50));
  ASSERT_EQ(out[1], fx_small(10));
  ASSERT_EQ(out[2], fx_small(30));
  /* Binary and tuple keys. */
  fx_term_t pb = map(h, 1, bin(h, "type"), ANY);
  ASSERT_EQ(match1(&f, pb, 0, map(h, 1, bin(h, "type"), a), out, &n), 0);
  ASSERT_EQ(out[0], a);
  fx_term_t pt = map(h, 1, tup(h, 2, a, fx_small(1)), IGN);
  ASSERT_EQ(match1(&f, pt, 0, map(h, 1, tup(h, 2, a, fx_small(1)), a), out, &n), 0);
  ASSERT_EQ(match1(&f, pt, 0, map(h, 1, tup(h, 2, a, fx_small(2)), a), out, &n), -1);
  /* Nested map value patterns. */
  fx_term_t pn = map(h, 2, a, map(h, 1, b, type(h, FX_ATOM(INTEGER))), c, ANY);
  fx_term_t mn = map(h, 2, a, map(h, 2, b, fx_small(7), c, fx_small(8)), c, FX_NIL);
  ASSERT_EQ(match1(&f, pn, 0, mn, out, &n), 0);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], fx_small(7));
  ASSERT_EQ(out[1], FX_NIL);
  ASSERT_EQ(match1(&f, pn, 0, map(h, 2, a, map(h, 1, b, flt(h, 7)), c, FX_NIL), out, &n), -1);
  ASSERT_EQ(match1(&f, pn, 0, map(h, 2, a, map(h, 1, c, fx_small(7)), c, FX_NIL), out, &n), -1);
  ASSERT_EQ(match1(&f, pn, 0, map(h, 1, a, map(h, 1, b, fx_small(7))), out, &n), -1);
  /* The explicit form {'$fx_map', M} means the same. */
  fx_term_t px = tup(h, 2, FX_ATOM(PAT_MAP), map(h, 1, b, ANY));
  ASSERT_EQ(match1(&f, px, 0, map(h, 2, a, fx_small(1), b, fx_small(2)), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(2));
  ASSERT_EQ(match1(&f, px, 0, map(h, 1, a, fx_small(1)), out, &n), -1);
  ASSERT_EQ(match1(&f, tup(h, 2, FX_ATOM(PAT_MAP), map(h, 0)), 0, map(h, 1, a, a), out, &n), 0);
  /* Maps inside tuples: {reply, #{id := Id}}. */
  fx_term_t pr = tup(h, 2, atom(rt, "reply"), map(h, 1, atom(rt, "id"), ANY));
  ASSERT_EQ(match1(&f, pr, 0, tup(h, 2, atom(rt, "reply"), map(h, 2, atom(rt, "id"), fx_small(3), a, b)), out, &n), 0);
  ASSERT_EQ(out[0], fx_small(3));
  teardown(&f);
}

/* ---- escaping ---- */

TEST(literal_escape) {
  SETUP(f);
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  fx_term_t lit_any = tup(h, 2, FX_ATOM(PAT_LITERAL), ANY);
  ASSERT_EQ(match1(&f, lit_any, 0, ANY, out, &n), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, lit_any, 0, FX_ATOM(OK), out, &n), -1);
  fx_term_t lit_ign = tup(h, 2, FX_ATOM(PAT_LITERAL), tup(h, 2, ANY, IGN));
  ASSERT_EQ(match1(&f, lit_ign, 0, tup(h, 2, ANY, IGN), out, &n), 0);
  ASSERT_EQ(match1(&f, lit_ign, 0, tup(h, 2, fx_small(1), fx_small(2)), out, &n), -1);
  /* A type matcher written as data. */
  fx_term_t ty = type(h, FX_ATOM(INTEGER));
  fx_term_t lit_type = tup(h, 2, FX_ATOM(PAT_LITERAL), ty);
  ASSERT_EQ(match1(&f, lit_type, 0, type(h, FX_ATOM(INTEGER)), out, &n), 0);
  ASSERT_EQ(match1(&f, lit_type, 0, fx_small(5), out, &n), -1);
  /* A literal map means exactly that map, not "at least these keys". */
  fx_term_t lit_map = tup(h, 2, FX_ATOM(PAT_LITERAL), map(h, 1, FX_ATOM(OK), fx_small(1)));
  ASSERT_EQ(match1(&f, lit_map, 0, map(h, 1, FX_ATOM(OK), fx_small(1)), out, &n), 0);
  ASSERT_EQ(match1(&f, lit_map, 0, map(h, 2, FX_ATOM(OK), fx_small(1), FX_ATOM(ERROR), fx_small(2)), out, &n), -1);
  /* Literals of the reserved tuples themselves, inside a bigger pattern. */
  fx_term_t lit_lit = tup(h, 2, FX_ATOM(PAT_LITERAL), tup(h, 2, FX_ATOM(PAT_LITERAL), fx_small(1)));
  fx_term_t p = tup(h, 2, lit_lit, ANY);
  ASSERT_EQ(match1(&f, p, 0, tup(h, 2, tup(h, 2, FX_ATOM(PAT_LITERAL), fx_small(1)), fx_small(2)), out, &n), 0);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(out[0], fx_small(2));
  ASSERT_EQ(match1(&f, p, 0, tup(h, 2, fx_small(1), fx_small(2)), out, &n), -1);
  /* Literal binaries are exact even with the text flag. */
  fx_term_t lit_bin = tup(h, 2, FX_ATOM(PAT_LITERAL), bin(h, "ok"));
  ASSERT_EQ(match1(&f, lit_bin, FX_PATTERN_TEXT_MATCHES_ATOM, bin(h, "ok"), out, &n), 0);
  ASSERT_EQ(match1(&f, lit_bin, FX_PATTERN_TEXT_MATCHES_ATOM, FX_ATOM(OK), out, &n), -1);
  /* A bare reserved tag that is not heading a tuple is an ordinary atom. */
  ASSERT_EQ(match1(&f, FX_ATOM(PAT_TYPE), 0, FX_ATOM(PAT_TYPE), out, &n), 0);
  teardown(&f);
}

/* ---- the text flag ---- */

TEST(text_matches_atom) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  const unsigned T = FX_PATTERN_TEXT_MATCHES_ATOM;
  fx_term_t ok = bin(h, "ok");
  ASSERT_EQ(match1(&f, ok, 0, bin(h, "ok"), out, &n), 0);
  ASSERT_EQ(match1(&f, ok, 0, FX_ATOM(OK), out, &n), -1);
  ASSERT_EQ(match1(&f, ok, T, bin(h, "ok"), out, &n), 0);
  ASSERT_EQ(match1(&f, ok, T, FX_ATOM(OK), out, &n), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(match1(&f, ok, T, FX_ATOM(ERROR), out, &n), -1);
  ASSERT_EQ(match1(&f, ok, T, bin(h, "okay"), out, &n), -1);
  ASSERT_EQ(match1(&f, ok, T, fx_small(0), out, &n), -1);
  /* A host's bytes (a Uint8Array: whole-byte BIT_BINARY_EXT) are no text:
   * they match the binary "ok", text or bytes, never the atom. */
  static const uint8_t ok_bytes_etf[] = {131, 77, 0, 0, 0, 2, 8, 'o', 'k'};
  fx_term_t ok_bytes;
  ASSERT_OK(fx_etf_decode(rt, ok_bytes_etf, sizeof ok_bytes_etf, h, &ok_bytes));
  ASSERT(fx_binary_is_bytes(ok_bytes));
  ASSERT_EQ(match1(&f, ok_bytes, T, FX_ATOM(OK), out, &n), -1);
  ASSERT_EQ(match1(&f, ok_bytes, T, bin(h, "ok"), out, &n), 0);
  ASSERT_EQ(match1(&f, ok_bytes, T, ok_bytes, out, &n), 0);
  ASSERT_EQ(match1(&f, ok, T, ok_bytes, out, &n), 0);
  ASSERT_EQ(match1(&f, ok_bytes, T, bin(h, "ko"), out, &n), -1);
  /* The JavaScript shape: ["reply", ANY] against {reply, 1}. */
  fx_term_t reply = tup(h, 2, bin(h, "reply"), ANY);
  ASSERT_EQ(match1(&f, reply, T, tup(h, 2, atom(rt, "reply"), fx_small(1)), out, &n), 0);
  ASSERT_EQ(out[0], fx_small(1));
  /* An atom interned after the pattern was compiled is found by its text. */
  fx_pattern_t *p;
  ASSERT_OK(compile1(&f, bin(h, "brand_new_atom"), T, &p));
  fx_term_t fresh;
  ASSERT_ERR(fx_atom_lookup(rt, "brand_new_atom", 14, &fresh), FX_ENOTFOUND);
  ASSERT_OK(fx_atom_cstr(rt, "brand_new_atom", &fresh));
  ASSERT_EQ(match(&f, p, fresh, out, &n), 0);
  ASSERT_EQ(match(&f, p, atom(rt, "brand_new_atoms"), out, &n), -1);
  ASSERT_EQ(match(&f, p, atom(rt, "brand_new_ato"), out, &n), -1);
  fx_pattern_free(rt, p);
  /* Texts no atom can have (too long, not UTF-8) simply never match atoms. */
  char longtext[400];
  memset(longtext, 'x', sizeof longtext - 1);
  longtext[sizeof longtext - 1] = 0;
  ASSERT_EQ(match1(&f, bin(h, longtext), T, bin(h, longtext), out, &n), 0);
  ASSERT_EQ(match1(&f, bin(h, longtext), T, atom(rt, "xxx"), out, &n), -1);
  ASSERT_EQ(match1(&f, bin(h, "\xff"), T, atom(rt, "xxx"), out, &n), -1);
  teardown(&f);
}

/* ---- malformed patterns and arguments ---- */

TEST(malformed_patterns) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  fx_pattern_t *p = NULL;
  fx_term_t bad[] = {
      tup(h, 2, FX_ATOM(PAT_TYPE), atom(rt, "notatype")),
      tup(h, 2, FX_ATOM(PAT_TYPE), fx_small(1)),
      tup(h, 2, FX_ATOM(PAT_TYPE), bin(h, "integer")),
      tup(h, 1, FX_ATOM(PAT_TYPE)),
      tup(h, 3, FX_ATOM(PAT_TYPE), FX_ATOM(INTEGER), FX_ATOM(INTEGER)),
      tup(h, 2, FX_ATOM(PAT_MAP), atom(rt, "notamap")),
      tup(h, 2, FX_ATOM(PAT_MAP), tup(h, 0)),
      tup(h, 1, FX_ATOM(PAT_MAP)),
      tup(h, 1, FX_ATOM(PAT_LITERAL)),
      tup(h, 3, FX_ATOM(PAT_LITERAL), fx_small(1), fx_small(2)),
      FX_NONE,
      /* Malformed deep inside a valid shape. */
      tup(h, 2, FX_ATOM(OK), lst(h, FX_NIL, 2, ANY, tup(h, 2, FX_ATOM(PAT_TYPE), FX_ATOM(OK)))),
      map(h, 1, FX_ATOM(OK), tup(h, 2, FX_ATOM(PAT_MAP), FX_NIL)),
      lst(h, tup(h, 1, FX_ATOM(PAT_TYPE)), 1, ANY),
  };
  size_t before = fx_runtime_memory(rt);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int err = compile1(&f, bad[i], 0, &p);
    if (err != FX_EBADPATTERN) FX_TEST_FAIL("bad pattern %zu gives %s", i, fx_err_name(err));
  }
  /* A bad clause after good ones fails the whole set and leaks nothing. */
  fx_term_t set[] = {ANY, tup(h, 2, FX_ATOM(OK), ANY), bad[0]};
  ASSERT_ERR(fx_pattern_compile(rt, set, 3, 0, &p), FX_EBADPATTERN);
  ASSERT_EQ(fx_runtime_memory(rt), before);
  ASSERT(p == NULL);
  /* Arguments. */
  fx_term_t any = ANY;
  ASSERT_ERR(fx_pattern_compile(NULL, &any, 1, 0, &p), FX_EINVAL);
  ASSERT_ERR(fx_pattern_compile(rt, NULL, 1, 0, &p), FX_EINVAL);
  ASSERT_ERR(fx_pattern_compile(rt, &any, 1, 0, NULL), FX_EINVAL);
  ASSERT_ERR(fx_pattern_compile(rt, &any, 1, 1u << 5, &p), FX_EINVAL);
  ASSERT_OK(fx_pattern_compile(rt, &any, 1, 0, &p));
  size_t n;
  fx_term_t out[1];
  ASSERT_ERR(fx_pattern_match(NULL, p, any, out, 1, &n), FX_EINVAL);
  ASSERT_ERR(fx_pattern_match(rt, NULL, any, out, 1, &n), FX_EINVAL);
  fx_pattern_free(rt, p);
  fx_pattern_free(rt, NULL);
  ASSERT_EQ(fx_pattern_clauses(NULL), 0);
  ASSERT_EQ(fx_pattern_extract_count(NULL, 0), 0);
  teardown(&f);
}

/* ---- memory ---- */

/* A pattern using every op, literal kind and the text flag. */
static fx_term_t rich_pattern(fx_runtime_t *rt, fx_heap_t *h) {
  return tup(h, 7, bin(h, "call"), lst(h, ANY, 2, flt(h, 2.5), big(h, 0)),
             map(h, 2, bin(h, "k"), type(h, FX_ATOM(NUMBER)), FX_ATOM(OK), tup(h, 2, FX_ATOM(PAT_LITERAL), ANY)),
             tup(h, 2, FX_ATOM(PAT_MAP), map(h, 1, fx_small(1), IGN)), atom(rt, "x"),
             tup(h, 2, FX_ATOM(PAT_LITERAL), tup(h, 2, bin(h, "lit"), ref(rt, h))),
             tup(h, 2, FX_ATOM(PAT_LITERAL), lst(h, FX_ATOM(OK), 2, map(h, 1, bin(h, "m"), flt(h, 0.5)), bin(h, "b"))));
}

TEST(compile_fault_injection) {
  fx_test_alloc_t a = {0};
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, &a);
  fixture_t f = {0};
  ASSERT_OK(fx_runtime_new(&cfg, &f.rt));
  ASSERT_OK(fx_heap_new(f.rt, &f.h));
  fx_term_t clauses[2] = {rich_pattern(f.rt, f.h), tup(f.h, 2, FX_ATOM(OK), ANY)};
  long long live = a.live;
  size_t mem = fx_runtime_memory(f.rt);
  int failures = 0, err = FX_ENOMEM;
  fx_pattern_t *p = NULL;
  for (long k = 0; err == FX_ENOMEM && k < 100; k++) {
    a.countdown = k;
    a.failures = 0;
    err = fx_pattern_compile(f.rt, clauses, 2, FX_PATTERN_TEXT_MATCHES_ATOM, &p);
    a.countdown = -1;
    if (err == FX_ENOMEM) {
      failures++;
      ASSERT_EQ(a.live, live);
      ASSERT_EQ(fx_runtime_memory(f.rt), mem);
    }
  }
  ASSERT_OK(err);
  ASSERT(failures >= 1);
  ASSERT(a.live > live);
  fx_pattern_free(f.rt, p);
  ASSERT_EQ(a.live, live);
  ASSERT_EQ(fx_runtime_memory(f.rt), mem);
  teardown(&f);
}

/* The pattern owns copies of its literals: the clause terms can go away. */
TEST(pattern_owns_literals) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *ph;
  ASSERT_OK(fx_heap_new(rt, &ph));
  fx_term_t pat = rich_pattern(rt, ph);
  fx_pattern_t *p;
  ASSERT_OK(compile1(&f, pat, 0, &p));
  fx_term_t msg;
  ASSERT_OK(fx_heap_copy(f.h, pat, &msg)); /* built from the pattern, then edited */
  fx_heap_free(ph);                        /* the pattern's terms are gone */
  fx_heap_t *h = f.h;
  /* {<<"call">>, [2.5, Big | Tail], #{<<"k">> => 3, ok => '$fx_any'}, #{1 => []}, x,
   *  {<<"lit">>, Ref}, [#{<<"m">> => 0.5}, <<"b">> | ok]} */
  fx_term_t tail = lst(h, FX_NIL, 1, fx_small(9));
  fx_term_t m = tup(h, 7, bin(h, "call"), lst(h, tail, 2, flt(h, 2.5), big(h, 0)),
                    map(h, 2, bin(h, "k"), fx_small(3), FX_ATOM(OK), ANY), map(h, 1, fx_small(1), FX_NIL),
                    atom(rt, "x"), fx_tuple_get(fx_tuple_get(msg, 5), 1),
                    lst(h, FX_ATOM(OK), 2, map(h, 1, bin(h, "m"), flt(h, 0.5)), bin(h, "b")));
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n;
  ASSERT_EQ(match(&f, p, m, out, &n), 0);
  ASSERT_EQ(n, 2);
  ASSERT_EQ(out[0], tail);
  ASSERT_EQ(out[1], fx_small(3));
  /* Any difference inside a literal list fails the match. */
  fx_term_t m2 = tup(h, 7, fx_tuple_get(m, 0), fx_tuple_get(m, 1), fx_tuple_get(m, 2), fx_tuple_get(m, 3),
                     fx_tuple_get(m, 4), fx_tuple_get(m, 5),
                     lst(h, FX_ATOM(OK), 2, map(h, 1, bin(h, "m"), flt(h, 0.25)), bin(h, "b")));
  ASSERT_EQ(match(&f, p, m2, out, &n), -1);
  fx_pattern_free(rt, p);
  teardown(&f);
}

TEST(compile_once_match_many) {
  SETUP(f);
  fx_runtime_t *rt = f.rt;
  fx_heap_t *h = f.h;
  fx_term_t clauses[] = {
      tup(h, 3, FX_ATOM(GEN_CALL), tup(h, 2, type(h, FX_ATOM(PID)), IGN), ANY),
      tup(h, 2, FX_ATOM(GEN_CAST), ANY),
      tup(h, 2, bin(h, "data"), type(h, FX_ATOM(INTEGER))),
  };
  fx_pattern_t *p;
  ASSERT_OK(fx_pattern_compile(rt, clauses, 3, 0, &p));
  fx_heap_free(h); /* the clause terms are no longer needed */
  ASSERT_OK(fx_heap_new(rt, &f.h));
  h = f.h;
  size_t mem = fx_runtime_memory(rt);
  /* Build the messages first, then match them all: matching allocates
   * nothing, so the runtime's memory must not move while it runs. */
  enum { N = 3000 };
  static fx_term_t msgs[N];
  fx_term_t call = FX_ATOM(GEN_CALL), cast = FX_ATOM(GEN_CAST), data = bin(h, "data");
  for (int i = 0; i < N; i++) {
    fx_term_t v = fx_small(i);
    switch (i % 4) {
    case 0: msgs[i] = tup(h, 3, call, tup(h, 2, fx_pid_term(fx_pid_make((uint32_t)i, 1)), FX_NIL), v); break;
    case 1: msgs[i] = tup(h, 2, cast, v); break;
    case 2: msgs[i] = tup(h, 2, data, v); break;
    default: msgs[i] = tup(h, 2, data, flt(h, i)); break; /* matches nothing */
    }
  }
  size_t after_build = fx_runtime_memory(rt);
  ASSERT(after_build >= mem);
  for (int round = 0; round < 10; round++) {
    for (int i = 0; i < N; i++) {
      fx_term_t out[FX_PATTERN_MAX_EXTRACT];
      size_t n = 99;
      int r = match(&f, p, msgs[i], out, &n);
      int want = i % 4 == 3 ? -1 : i % 4;
      if (r != want) FX_TEST_FAIL("message %d matched clause %d, expected %d", i, r, want);
      if (r >= 0 && (n != (r == 0 ? 2u : 1u) || out[n - 1] != fx_small(i)))
        FX_TEST_FAIL("message %d extracted wrongly", i);
      if (r < 0 && n != 0) FX_TEST_FAIL("message %d: n=%zu after no match", i, n);
    }
  }
  ASSERT_EQ(fx_runtime_memory(rt), after_build);
  fx_pattern_free(rt, p);
  teardown(&f);
}

TEST(text_type_matches_what_javascript_calls_a_string) {
  fx_runtime_t *rt;
  fx_heap_t *h;
  ASSERT_OK(fx_runtime_new(NULL, &rt));
  ASSERT_OK(fx_heap_new(rt, &h));
  fx_term_t clause, bin, ok, out[4];
  fx_pattern_t *p;
  ASSERT_OK(fx_pat_type(h, FX_ATOM(TEXT), &clause));
  ASSERT_OK(fx_pattern_compile(rt, &clause, 1, 0, &p));
  ASSERT_OK(fx_make_string(h, "hi", &bin));
  ASSERT_OK(fx_atom_cstr(rt, "ok", &ok));
  size_t n;
  ASSERT_EQ(fx_pattern_match(rt, p, bin, out, 4, &n), 0);
  ASSERT_EQ(out[0], bin);
  ASSERT_EQ(fx_pattern_match(rt, p, ok, out, 4, &n), 0);
  ASSERT_EQ(fx_pattern_match(rt, p, FX_ATOM(TRUE), out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, p, FX_ATOM(FALSE), out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, p, FX_ATOM(NIL), out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, p, FX_ATOM(UNDEFINED), out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, p, fx_small(1), out, 4, &n), -1);
  /* Bytes a host sent as bytes, and bytes that are not UTF-8, are not text:
   * they are `bytes`. */
  fx_term_t sent_as_bytes, not_utf8, bytes_clause;
  fx_pattern_t *pb;
  static const uint8_t etf_bytes[] = {131, 77, 0, 0, 0, 2, 8, 104, 105};
  ASSERT_OK(fx_etf_decode(rt, etf_bytes, sizeof etf_bytes, h, &sent_as_bytes));
  ASSERT_OK(fx_make_binary(h, "\xff\xfe", 2, &not_utf8));
  ASSERT_EQ(fx_pattern_match(rt, p, sent_as_bytes, out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, p, not_utf8, out, 4, &n), -1);
  ASSERT_OK(fx_pat_type(h, FX_ATOM(BYTES), &bytes_clause));
  ASSERT_OK(fx_pattern_compile(rt, &bytes_clause, 1, 0, &pb));
  ASSERT_EQ(fx_pattern_match(rt, pb, sent_as_bytes, out, 4, &n), 0);
  ASSERT_EQ(fx_pattern_match(rt, pb, not_utf8, out, 4, &n), 0);
  ASSERT_EQ(fx_pattern_match(rt, pb, bin, out, 4, &n), -1);
  ASSERT_EQ(fx_pattern_match(rt, pb, ok, out, 4, &n), -1);
  fx_pattern_free(rt, pb);
  fx_pattern_free(rt, p);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST_MAIN(text_type_matches_what_javascript_calls_a_string, api_examples, literals_each_type, type_matchers, tuples_by_arity, nesting_depth_10, nesting_max_depth,
          any_vs_ignore, extract_limit_and_nospace, multi_clause_order, list_patterns, map_patterns,
          literal_escape, text_matches_atom, malformed_patterns, compile_fault_injection, pattern_owns_literals,
          compile_once_match_many)
