/* libFuzzer target: the pattern compiler and matcher on decoded terms.
 *
 * Input: a flags byte, then u16-length-prefixed pieces: the first is the
 * ETF of the pattern, each later one the ETF of a subject.
 *   flags bit 0   compile with FX_PATTERN_TEXT_MATCHES_ATOM
 *   flags bit 1   a proper list pattern is a list of clauses
 *
 * Checks:
 *  - compile succeeds or fails with a pattern error code, nothing else;
 *  - a compiled pattern has its clauses, each extracting at most
 *    FX_PATTERN_MAX_EXTRACT terms;
 *  - matching any subject (the pattern's own terms, the decoded subjects,
 *    a few fixed terms) gives -1 with no extractions, or a clause index
 *    with exactly that clause's extract count; the same answer twice; with
 *    too small a vector FX_ENOSPACE and the count it needs; every
 *    extracted term is a whole term (it encodes);
 *  - a clause with no reserved shape matches itself, extracting nothing;
 *  - the clauses compile together exactly when each compiles alone, and
 *    the set matches with the first clause that matches alone;
 *  - {'$fx_literal', S} matches exactly the terms =:= S. */
#include <string.h>

#include "fuzz.h"

#define MAX_SUBJECTS 8
#define MAX_CLAUSES 16

typedef struct subjects {
  fx_term_t t[MAX_SUBJECTS + MAX_CLAUSES + 8];
  size_t n;
} subjects_t;

static void add_subject(subjects_t *s, fx_term_t t) {
  if (t != FX_NONE && s->n < sizeof s->t / sizeof *s->t) s->t[s->n++] = t;
}

/* Whether a term uses none of the shapes patterns reserve, so that as a
 * pattern it means "this very term". Depth is bounded by the decoder. */
static int is_plain(fx_term_t t) {
  if (t == FX_ATOM(PAT_ANY) || t == FX_ATOM(PAT_IGNORE)) return 0;
  if (fx_is_cons(t)) {
    for (; fx_is_cons(t); t = fx_tail(t))
      if (!is_plain(fx_head(t))) return 0;
    return is_plain(t);
  }
  if (fx_is_tuple(t)) {
    size_t n = fx_tuple_arity(t);
    fx_term_t tag = n ? fx_tuple_get(t, 0) : FX_NONE;
    if (tag == FX_ATOM(PAT_TYPE) || tag == FX_ATOM(PAT_MAP) || tag == FX_ATOM(PAT_LITERAL)) return 0;
    for (size_t i = 0; i < n; i++)
      if (!is_plain(fx_tuple_get(t, i))) return 0;
  }
  if (fx_is_map(t)) {
    for (size_t i = 0; i < fx_map_size(t); i++)
      if (!is_plain(fx_map_value(t, i))) return 0; /* keys are always literal */
  }
  return 1;
}

static int compile_error_expected(int err) {
  return err == FX_EBADPATTERN || err == FX_ETOODEEP || err == FX_ETOOBIG;
}

/* Matches t and checks the answer against the pattern's own description. */
static int check_match(fx_runtime_t *rt, const fx_pattern_t *p, fx_term_t t) {
  fx_term_t out[FX_PATTERN_MAX_EXTRACT];
  size_t n = 12345, n2 = 12345;
  int r = fx_pattern_match(rt, p, t, out, FX_PATTERN_MAX_EXTRACT, &n);
  if (r < 0) {
    FUZZ_CHECK(r == -1 && n == 0, "no match is -1 with no extractions: %d, %zu", r, n);
  } else {
    FUZZ_CHECK((size_t)r < fx_pattern_clauses(p), "clause %d of %zu", r, fx_pattern_clauses(p));
    FUZZ_CHECK(n == fx_pattern_extract_count(p, (size_t)r), "clause %d extracted %zu, declares %zu", r, n,
               fx_pattern_extract_count(p, (size_t)r));
    for (size_t i = 0; i < n; i++) {
      size_t bytes;
      int err = fx_etf_encoded_size(rt, out[i], &bytes);
      FUZZ_CHECK(err == FX_OK, "extracted term %zu encodes: %s", i, fx_err_name(err));
    }
  }
  FUZZ_CHECK(fx_pattern_match(rt, p, t, out, FX_PATTERN_MAX_EXTRACT, &n2) == r && n2 == n, "matching is deterministic");
  if (r >= 0 && n > 0) {
    int r0 = fx_pattern_match(rt, p, t, NULL, 0, &n2);
    FUZZ_CHECK(r0 == FX_ENOSPACE && n2 == n, "no room: %s, needs %zu of %zu", fx_err_name(r0), n2, n);
    r0 = fx_pattern_match(rt, p, t, out, n - 1, &n2);
    FUZZ_CHECK(r0 == FX_ENOSPACE && n2 == n, "one short: %s, needs %zu of %zu", fx_err_name(r0), n2, n);
  }
  return r;
}

/* Compiles clauses; returns the pattern, or NULL after checking the error. */
static fx_pattern_t *compile(fx_runtime_t *rt, const fx_term_t *clauses, size_t n, unsigned flags) {
  fx_pattern_t *p = NULL;
  int err = fx_pattern_compile(rt, clauses, n, flags, &p);
  if (err != FX_OK) {
    FUZZ_CHECK(compile_error_expected(err), "compile failed with %s", fx_err_name(err));
    FUZZ_CHECK(p == NULL, "a failed compile gives no pattern");
    return NULL;
  }
  FUZZ_CHECK(p != NULL && fx_pattern_clauses(p) == n, "compiled %zu clauses", n);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK(fx_pattern_extract_count(p, i) <= FX_PATTERN_MAX_EXTRACT, "clause %zu extracts %zu", i,
               fx_pattern_extract_count(p, i));
  return p;
}

/* {'$fx_literal', s} matches u exactly when u =:= s. */
static void check_literal(fx_runtime_t *rt, fx_heap_t *h, const subjects_t *s, size_t i, unsigned flags) {
  fx_term_t clause;
  FUZZ_CHECK(fx_tuple2(h, FX_ATOM(PAT_LITERAL), s->t[i], &clause) == FX_OK, "fx_tuple2");
  fx_pattern_t *p = compile(rt, &clause, 1, flags);
  if (!p) return; /* only size limits can refuse a literal */
  for (size_t j = 0; j < s->n; j++) {
    int want = fx_term_equal(rt, s->t[i], s->t[j]) ? 0 : -1;
    int r = check_match(rt, p, s->t[j]);
    FUZZ_CHECK(r == want, "literal of subject %zu on subject %zu: %d, want %d", i, j, r, want);
  }
  fx_pattern_free(rt, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input_t in = {data, data + size};
  unsigned flags = fuzz_u8(&in);
  unsigned cflags = flags & 1u ? FX_PATTERN_TEXT_MATCHES_ATOM : 0;
  fx_runtime_t *rt = fuzz_runtime(fuzz_zero_clock, NULL);
  fx_heap_t *h = NULL;
  FUZZ_CHECK(fx_heap_new(rt, &h) == FX_OK, "fx_heap_new");

  size_t len;
  const uint8_t *etf = fuzz_piece(&in, &len);
  fx_term_t pat = FX_NONE;
  if (fx_etf_decode(rt, etf, len, h, &pat) != FX_OK) goto done;

  /* The clauses: the term, or the elements of a proper list of them. */
  fx_term_t clauses[MAX_CLAUSES];
  size_t nclauses = 0;
  if ((flags & 2u) && fx_is_cons(pat)) {
    fx_term_t l = pat;
    for (; fx_is_cons(l) && nclauses < MAX_CLAUSES; l = fx_tail(l)) clauses[nclauses++] = fx_head(l);
    if (l != FX_NIL) nclauses = 0;
  }
  if (nclauses == 0) clauses[nclauses++] = pat;

  subjects_t s = {.n = 0};
  for (size_t i = 0; i < nclauses; i++) add_subject(&s, clauses[i]);
  while (fuzz_left(&in) > 0 && s.n < MAX_SUBJECTS + nclauses) {
    etf = fuzz_piece(&in, &len);
    fx_term_t t;
    if (fx_etf_decode(rt, etf, len, h, &t) == FX_OK) add_subject(&s, t);
  }
  fx_term_t bin;
  FUZZ_CHECK(fx_make_binary(h, "ok", 2, &bin) == FX_OK, "fx_make_binary");
  add_subject(&s, FX_ATOM(OK));
  add_subject(&s, bin);
  add_subject(&s, fx_small(-1));
  add_subject(&s, FX_NIL);

  /* Each clause alone; a plain one matches itself. */
  fx_pattern_t *one[MAX_CLAUSES];
  size_t compiled = 0;
  for (size_t i = 0; i < nclauses; i++) {
    one[i] = compile(rt, &clauses[i], 1, cflags);
    if (!one[i]) continue; /* malformed, too deep or too big */
    compiled++;
    if (!is_plain(clauses[i])) continue;
    size_t n = 1;
    fx_term_t out[FX_PATTERN_MAX_EXTRACT];
    int r = fx_pattern_match(rt, one[i], clauses[i], out, FX_PATTERN_MAX_EXTRACT, &n);
    FUZZ_CHECK(r == 0 && n == 0, "plain clause %zu matches itself: %d, %zu extracted", i, r, n);
  }
  /* The clauses together compile when each does, and match as the first
   * of them that matches alone. */
  fx_pattern_t *p = compile(rt, clauses, nclauses, cflags);
  FUZZ_CHECK((p != NULL) == (compiled == nclauses), "%zu of %zu clauses compile alone, together: %s", compiled,
             nclauses, p ? "yes" : "no");
  if (p) {
    for (size_t i = 0; i < s.n; i++) {
      int r = check_match(rt, p, s.t[i]), first = -1;
      for (size_t k = 0; k < nclauses && first < 0; k++)
        if (fx_pattern_match(rt, one[k], s.t[i], NULL, 0, NULL) != -1) first = (int)k;
      FUZZ_CHECK(r == first, "subject %zu: clause %d of the set, clause %d alone", i, r, first);
    }
    fx_pattern_free(rt, p);
  }
  for (size_t i = 0; i < nclauses; i++) fx_pattern_free(rt, one[i]);
  for (size_t i = 0; i < s.n; i++) check_literal(rt, h, &s, i, cflags);

done:
  fx_heap_free(h);
  fx_runtime_free(rt);
  return 0;
}
