/* Terms: builders, integer reading, equality, Erlang term order, deep copy
 * and printing. The word layout is specified in fauxtp/term.h.
 *
 * Every walker here recurses only into children that are not last (list
 * heads, tuple elements but the last, map keys and values but the last) and
 * loops on the last one, so long lists and right-nested chains
 * ({a,{b,{c,...}}}) cost no stack. Deep nesting in other positions is
 * bounded by the ETF decoder and patterns (512); fx_term_words refuses
 * terms nested deeper than FX__COPY_MAX_DEPTH, so nothing copied into a
 * message or heap can be deeper than that. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fx_runtime.h"


/* ---- small helpers ---- */

static uint64_t double_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static int double_finite(double d) { return ((double_bits(d) >> 52) & 0x7ff) != 0x7ff; }

static int all_terms(const fx_term_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!fx__is_term(v[i])) return 0;
  return 1;
}

/* A builder's element count must leave room for the header, the doubling of
 * map pairs and list cells, and fit the header's 56-bit size field. */
static int count_ok(size_t n) { return n <= SIZE_MAX / 32 && (uint64_t)n < (UINT64_C(1) << 56); }
/* A binary's byte length only needs its padded words to be countable. */
static int bytes_ok(size_t len) { return len <= SIZE_MAX - 16 && (uint64_t)len < (UINT64_C(1) << 56); }

static uint64_t *alloc_box(fx_heap_t *h, fx_box_kind_t kind, uint64_t size, size_t payload) {
  uint64_t *p = fx__heap_alloc(h, 1 + payload);
  if (p) p[0] = fx__header(kind, size);
  return p;
}

size_t fx__box_payload_words(fx_term_t t) {
  uint64_t n = fx_box_size(t);
  switch (fx_box_kind(t)) {
  case FX_BOX_TUPLE: return (size_t)n;
  case FX_BOX_FLOAT: return 1;
  case FX_BOX_BIGPOS:
  case FX_BOX_BIGNEG: return (size_t)n;
  case FX_BOX_BINARY: return fx__binary_words((size_t)n);
  case FX_BOX_MAP: return 2 * (size_t)n;
  case FX_BOX_REF: return fx__ref_words((size_t)n);
  case FX_BOX_EXTPID: return 3;
  }
  return 0;
}

double fx_float_value(fx_term_t t) {
  double d = 0.0;
  if (fx_is_float(t)) memcpy(&d, fx_box_ptr(t) + 1, sizeof d);
  return d;
}

fx_type_t fx_type_of(fx_term_t t) {
  switch (fx_tag(t)) {
  case FX_TAG_SMALL: return FX_T_INT;
  case FX_TAG_ATOM: return FX_T_ATOM;
  case FX_TAG_PID: return FX_T_PID;
  case FX_TAG_NIL: return t == FX_NIL ? FX_T_LIST : FX_T_NONE;
  case FX_TAG_LIST: return FX_T_LIST;
  case FX_TAG_BOXED: break;
  default: return FX_T_NONE;
  }
  if (t == FX_NONE) return FX_T_NONE;
  switch (fx_box_kind(t)) {
  case FX_BOX_TUPLE: return FX_T_TUPLE;
  case FX_BOX_FLOAT: return FX_T_FLOAT;
  case FX_BOX_BIGPOS:
  case FX_BOX_BIGNEG: return FX_T_INT;
  case FX_BOX_BINARY: return FX_T_BINARY;
  case FX_BOX_MAP: return FX_T_MAP;
  case FX_BOX_REF: return FX_T_REF;
  case FX_BOX_EXTPID: return FX_T_PID;
  }
  return FX_T_NONE;
}

/* ---- integers ---- */

int fx_make_bignum(fx_heap_t *h, int negative, const uint64_t *limbs, size_t n, fx_term_t *out) {
  if (!h || !out || (n && !limbs)) return FX_EINVAL;
  while (n && limbs[n - 1] == 0) n--;
  if (n == 0) {
    *out = fx_small(0); /* never a negative zero */
    return FX_OK;
  }
  /* Canonical form: whatever fits a small is a small. |FX_SMALL_MIN| is 2^60. */
  if (n == 1 && !negative && limbs[0] <= (uint64_t)FX_SMALL_MAX) {
    *out = fx_small((int64_t)limbs[0]);
    return FX_OK;
  }
  if (n == 1 && negative && limbs[0] <= (uint64_t)FX_SMALL_MAX + 1) {
    *out = fx_small(-(int64_t)limbs[0]);
    return FX_OK;
  }
  if (!count_ok(n)) return FX_ETOOBIG;
  uint64_t *p = alloc_box(h, negative ? FX_BOX_BIGNEG : FX_BOX_BIGPOS, n, n);
  if (!p) return FX_ENOMEM;
  memcpy(p + 1, limbs, n * sizeof *limbs);
  *out = fx__box(p);
  return FX_OK;
}

int fx_make_uint(fx_heap_t *h, uint64_t v, fx_term_t *out) {
  return fx_make_bignum(h, 0, &v, 1, out);
}

int fx_make_int(fx_heap_t *h, int64_t v, fx_term_t *out) {
  /* 0 - (uint64)v is the magnitude of any negative v, INT64_MIN included. */
  uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  return fx_make_bignum(h, v < 0, &mag, 1, out);
}

/* An integer as sign and magnitude limbs (little-endian, no leading zeros).
 * A small's magnitude lives in `one`, so a view must not be copied. */
typedef struct int_view {
  int neg;
  size_t n;
  const uint64_t *limbs;
  uint64_t one;
} int_view_t;

static void int_view(fx_term_t t, int_view_t *v) {
  if (fx_is_small(t)) {
    int64_t x = fx_small_value(t);
    v->neg = x < 0;
    v->one = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    v->limbs = &v->one;
    v->n = v->one != 0;
    return;
  }
  v->neg = fx_box_kind(t) == FX_BOX_BIGNEG;
  v->limbs = fx_box_ptr(t) + 1;
  v->n = (size_t)fx_box_size(t);
  while (v->n && v->limbs[v->n - 1] == 0) v->n--;
}

int fx_get_int64(fx_term_t t, int64_t *out) {
  if (!out || !fx_is_integer(t)) return FX_EINVAL;
  if (fx_is_small(t)) {
    *out = fx_small_value(t);
    return FX_OK;
  }
  int_view_t v;
  int_view(t, &v);
  if (v.n > 1) return FX_ETOOBIG;
  uint64_t m = v.n ? v.limbs[0] : 0;
  if (!v.neg) {
    if (m > (uint64_t)INT64_MAX) return FX_ETOOBIG;
    *out = (int64_t)m;
  } else {
    if (m > (uint64_t)INT64_MAX + 1) return FX_ETOOBIG;
    *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
  }
  return FX_OK;
}

/* ---- other builders ---- */

int fx_make_float(fx_heap_t *h, double v, fx_term_t *out) {
  /* Erlang has no infinities or NaNs, and a NaN would break term order. */
  if (!h || !out || !double_finite(v)) return FX_EINVAL;
  uint64_t *p = alloc_box(h, FX_BOX_FLOAT, 0, 1);
  if (!p) return FX_ENOMEM;
  memcpy(p + 1, &v, sizeof v);
  *out = fx__box(p);
  return FX_OK;
}

int fx_make_binary(fx_heap_t *h, const void *data, size_t len, fx_term_t *out) {
  if (!h || !out || (len && !data)) return FX_EINVAL;
  if (!bytes_ok(len)) return FX_ETOOBIG;
  size_t words = fx__binary_words(len);
  uint64_t *p = alloc_box(h, FX_BOX_BINARY, len, words);
  if (!p) return FX_ENOMEM;
  /* Zero the padding so equal binaries are equal word for word. */
  if (words) p[words] = 0;
  if (len) memcpy(p + 1, data, len);
  *out = fx__box(p);
  return FX_OK;
}

int fx_make_string(fx_heap_t *h, const char *cstr, fx_term_t *out) {
  if (!cstr) return FX_EINVAL;
  return fx_make_binary(h, cstr, strlen(cstr), out);
}

int fx_make_tuple(fx_heap_t *h, size_t arity, const fx_term_t *elems, fx_term_t *out) {
  if (!h || !out || (arity && !elems) || !all_terms(elems, arity)) return FX_EINVAL;
  if (!count_ok(arity)) return FX_ETOOBIG;
  uint64_t *p = alloc_box(h, FX_BOX_TUPLE, arity, arity);
  if (!p) return FX_ENOMEM;
  for (size_t i = 0; i < arity; i++) p[1 + i] = elems[i]; /* most tuples are tiny: no memcpy call */
  *out = fx__box(p);
  return FX_OK;
}

/* Written directly, not through an array on the stack: this is on every
 * message's path. */
int fx_tuple2(fx_heap_t *h, fx_term_t a, fx_term_t b, fx_term_t *out) {
  if (!h || !out || !fx__is_term(a) || !fx__is_term(b)) return FX_EINVAL;
  uint64_t *p = alloc_box(h, FX_BOX_TUPLE, 2, 2);
  if (!p) return FX_ENOMEM;
  p[1] = a;
  p[2] = b;
  *out = fx__box(p);
  return FX_OK;
}

int fx_tuple3(fx_heap_t *h, fx_term_t a, fx_term_t b, fx_term_t c, fx_term_t *out) {
  fx_term_t e[3] = {a, b, c};
  return fx_make_tuple(h, 3, e, out);
}

int fx_pat_type(fx_heap_t *h, fx_term_t type_atom, fx_term_t *out) {
  if (!fx_is_atom(type_atom)) return FX_EINVAL;
  return fx_tuple2(h, FX_ATOM(PAT_TYPE), type_atom, out);
}

int fx_make_list(fx_heap_t *h, size_t n, const fx_term_t *elems, fx_term_t tail, fx_term_t *out) {
  if (!h || !out || (n && !elems) || !fx__is_term(tail) || !all_terms(elems, n)) return FX_EINVAL;
  if (!count_ok(n)) return FX_ETOOBIG;
  if (n == 0) {
    *out = tail;
    return FX_OK;
  }
  /* One allocation for all the cells, each pointing at the next. */
  uint64_t *cells = fx__heap_alloc(h, 2 * n);
  if (!cells) return FX_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    cells[2 * i] = elems[i];
    cells[2 * i + 1] = i + 1 < n ? fx__cons(cells + 2 * i + 2) : tail;
  }
  *out = fx__cons(cells);
  return FX_OK;
}

int fx_make_cons(fx_heap_t *h, fx_term_t head, fx_term_t tail, fx_term_t *out) {
  return fx_make_list(h, 1, &head, tail, out);
}

int fx_make_ref(fx_runtime_t *rt, fx_heap_t *h, fx_term_t *out) {
  if (!rt || !h || !out) return FX_EINVAL;
  uint64_t *p = fx__heap_alloc(h, FX__LOCAL_REF_WORDS);
  if (!p) return FX_ENOMEM;
  *out = fx__ref_write(rt, p, fx__new_ref_key(rt));
  return FX_OK;
}

/* ---- maps ---- */

/* Stable bottom-up merge sort of the indices idx[0..n) by key order, with
 * tmp[n] as scratch; the result ends up in idx. */
static void sort_key_indices(const fx_runtime_t *rt, const fx_term_t *keys, uint64_t *idx, uint64_t *tmp, size_t n) {
  uint64_t *src = idx, *dst = tmp;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      /* Ties take the left run first: that is what keeps it stable. */
      while (i < mid && j < hi)
        dst[k++] = fx_term_compare_keys(rt, keys[src[i]], keys[src[j]]) <= 0 ? src[i++] : src[j++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != idx) memcpy(idx, src, n * sizeof *idx);
}

/* Writes the sorted pairs into the map box p, keeping the last of each run
 * of equal keys (the stable sort put the last given value last). */
static void fill_map(const fx_runtime_t *rt, uint64_t *p, const uint64_t *idx, size_t n, const fx_term_t *keys, const fx_term_t *values) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (i + 1 == n || fx_term_compare_keys(rt, keys[idx[i]], keys[idx[i + 1]]) != 0) p[1 + m++] = idx[i];
  /* p[1..m] hold indices for now; the values go after the m keys. */
  for (size_t i = 0; i < m; i++) {
    size_t k = (size_t)p[1 + i];
    p[1 + i] = keys[k];
    p[1 + m + i] = values[k];
  }
  p[0] = fx__header(FX_BOX_MAP, m);
}

int fx_make_map(fx_heap_t *h, size_t n, const fx_term_t *keys, const fx_term_t *values, fx_term_t *out) {
  if (!h || !out || (n && (!keys || !values)) || !all_terms(keys, n) || !all_terms(values, n)) return FX_EINVAL;
  if (!count_ok(n)) return FX_ETOOBIG;
  fx__heap_mark_t before = fx__heap_mark(h);
  uint64_t *p = alloc_box(h, FX_BOX_MAP, n, 2 * n);
  if (!p) return FX_ENOMEM;
  /* Small maps sort on the stack; big ones borrow heap scratch, released
   * right after (the box, allocated before that mark, stays). */
  uint64_t small[2 * 16], *scratch = small;
  fx__heap_mark_t after = fx__heap_mark(h);
  if (n > 16 && !(scratch = fx__heap_alloc(h, 2 * n))) {
    fx__heap_release_to(h, before);
    return FX_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) scratch[i] = i;
  sort_key_indices(h->rt, keys, scratch, scratch + n, n);
  fill_map(h->rt, p, scratch, n, keys, values);
  if (scratch != small) fx__heap_release_to(h, after);
  *out = fx__box(p);
  return FX_OK;
}

long fx_map_find(const fx_runtime_t *rt, fx_term_t map, fx_term_t key) {
  if (!fx_is_map(map)) return -1;
  size_t lo = 0, hi = fx_map_size(map);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = fx_term_compare_keys(rt, key, fx_map_key(map, mid));
    if (c == 0) return (long)mid;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return -1;
}

/* ---- exact equality: leaves ---- */

static int box_equal_leaf(fx_term_t a, fx_term_t b) {
  const uint64_t *pa = fx_box_ptr(a), *pb = fx_box_ptr(b);
  switch (fx_box_kind(a)) {
  case FX_BOX_BINARY: /* bytes only: padding written elsewhere may differ */
    return memcmp(pa + 1, pb + 1, fx_binary_size(a)) == 0;
  case FX_BOX_REF: {
    if (pa[1] != pb[1] || (uint32_t)pa[2] != (uint32_t)pb[2]) return 0;
    for (size_t i = 0; i < fx_box_size(a); i++)
      if (fx__ref_id(a, i) != fx__ref_id(b, i)) return 0;
    return 1;
  }
  case FX_BOX_FLOAT: /* by bits: 0.0 and -0.0 differ, as in OTP 27 */
  case FX_BOX_BIGPOS:
  case FX_BOX_BIGNEG:
  case FX_BOX_EXTPID:
    return memcmp(pa + 1, pb + 1, fx__box_payload_words(a) * 8) == 0;
  default:
    return 0;
  }
}

/* ---- walking two terms side by side ----
 *
 * Equality and order compare children depth first. Recursing into each
 * child would let a term nested deeply in its heads or first elements
 * (the builders take any depth) overflow the C stack, so the walk keeps a
 * stack of the compounds it is inside: on the C stack while shallow, then
 * in the runtime's memory. Past that (no memory), it recurses, a fresh
 * walk per level of its own stack. A compound's last child (a list's
 * tail, a tuple's last element) takes its frame's place: long lists and
 * right-nested tuples need no stack. */
typedef struct walk_frame {
  fx_term_t a, b; /* two conses, or two tuples or maps of one size */
  uint32_t next;  /* the next pair of children */
  int keys;       /* term order: map-key order */
} walk_frame_t;

enum { WALK_SMALL = 32 };

typedef struct walk {
  fx_runtime_t *rt; /* NULL: no memory to grow into */
  walk_frame_t *frames;
  size_t n, cap;
  walk_frame_t small[WALK_SMALL];
} walk_t;

static void walk_init(walk_t *w, const fx_runtime_t *rt) {
  w->rt = (fx_runtime_t *)rt; /* its allocator: the terms are not touched */
  w->frames = w->small;
  w->n = 0;
  w->cap = WALK_SMALL;
}

static void walk_free(walk_t *w) {
  if (w->frames != w->small) fx__free(w->rt, w->frames, w->cap * sizeof *w->frames);
}

static bool walk_push(walk_t *w, fx_term_t a, fx_term_t b, int keys) {
  if (w->n == w->cap) {
    size_t cap = w->cap * 2;
    walk_frame_t *f = w->rt && cap <= SIZE_MAX / sizeof *f ? fx__alloc(w->rt, cap * sizeof *f) : NULL;
    if (!f) return false;
    memcpy(f, w->frames, w->n * sizeof *f);
    walk_free(w);
    w->frames = f;
    w->cap = cap;
  }
  w->frames[w->n++] = (walk_frame_t){a, b, 0, keys};
  return true;
}

/* Children of a frame's compounds: a cons's head and tail; a tuple's
 * elements; a map's keys (in map-key order), then its values. */
static size_t walk_children(fx_term_t t) {
  if (fx_is_cons(t)) return 2;
  return fx_box_kind(t) == FX_BOX_MAP ? 2 * fx_map_size(t) : fx_tuple_arity(t);
}

static fx_term_t walk_child(fx_term_t t, size_t i) {
  if (fx_is_cons(t)) return i == 0 ? fx_head(t) : fx_tail(t);
  if (fx_box_kind(t) != FX_BOX_MAP) return fx_tuple_get(t, i);
  size_t n = fx_map_size(t);
  return i < n ? fx_map_key(t, i) : fx_map_value(t, i - n);
}

/* The next pair of children to compare; false when the walk is over. */
static bool walk_next(walk_t *w, fx_term_t *a, fx_term_t *b, int *keys) {
  if (w->n == 0) return false;
  walk_frame_t *f = &w->frames[w->n - 1];
  size_t i = f->next++;
  *a = walk_child(f->a, i);
  *b = walk_child(f->b, i);
  *keys = fx_is_boxed(f->a) && fx_box_kind(f->a) == FX_BOX_MAP && i < fx_map_size(f->a) ? 1 : f->keys;
  if (f->next == walk_children(f->a)) w->n--; /* the last child: in its frame's place */
  return true;
}

/* ---- exact equality ---- */

/* 0: a and b differ; 1: they are equal, or their children (pushed) decide. */
static int equal_step(const fx_runtime_t *rt, walk_t *w, fx_term_t a, fx_term_t b) {
  if (a == b) return 1;
  if (fx_tag(a) != fx_tag(b)) return 0;
  if (!fx_is_cons(a)) {
    /* Different immediates, or FX_NONE against a box. */
    /* Headers without their flags: a host's bytes equal the same text. */
    if (!fx_is_boxed(a) || !fx_is_boxed(b) || (fx_box_ptr(a)[0] ^ fx_box_ptr(b)[0]) & ~(uint64_t)FX_BOX_FLAG_BYTES) return 0;
    if (fx_box_kind(a) != FX_BOX_TUPLE && fx_box_kind(a) != FX_BOX_MAP) return box_equal_leaf(a, b);
    if (fx_box_size(a) == 0) return 1;
  }
  return walk_push(w, a, b, 0) ? 1 : fx_term_equal(rt, a, b);
}

int fx_term_equal(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) {
  if (a == b) return 1; /* atoms are interned: equal atoms are equal words */
  walk_t w;
  walk_init(&w, rt);
  int eq, keys;
  while ((eq = equal_step(rt, &w, a, b)) && walk_next(&w, &a, &b, &keys)) {
  }
  walk_free(&w);
  return eq;
}

/* ---- term order ---- */

/* Classes in Erlang's order; BAD (FX_NONE, junk) sorts last. */
enum rank { R_NUM, R_ATOM, R_REF, R_PID, R_TUPLE, R_MAP, R_NIL, R_CONS, R_BIN, R_BAD };

static int rank_of(fx_term_t t) {
  switch (fx_type_of(t)) {
  case FX_T_INT:
  case FX_T_FLOAT: return R_NUM;
  case FX_T_ATOM: return R_ATOM;
  case FX_T_REF: return R_REF;
  case FX_T_PID: return R_PID;
  case FX_T_TUPLE: return R_TUPLE;
  case FX_T_MAP: return R_MAP;
  case FX_T_LIST: return t == FX_NIL ? R_NIL : R_CONS;
  case FX_T_BINARY: return R_BIN;
  default: return R_BAD;
  }
}

static int cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

static int mag_cmp(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
  if (na != nb) return na < nb ? -1 : 1;
  for (size_t i = na; i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

static int int_cmp(fx_term_t a, fx_term_t b) {
  if (fx_is_small(a) && fx_is_small(b)) {
    int64_t x = fx_small_value(a), y = fx_small_value(b);
    return (x > y) - (x < y);
  }
  int_view_t va, vb;
  int_view(a, &va);
  int_view(b, &vb);
  if (va.neg != vb.neg) return va.neg ? -1 : 1;
  int c = mag_cmp(va.limbs, va.n, vb.limbs, vb.n);
  return va.neg ? -c : c;
}

/* A finite double's magnitude as floor limbs plus whether a fraction
 * remains, so integers and floats compare exactly, even past 2^53. */
typedef struct float_view {
  size_t n;
  uint64_t limbs[17]; /* 2^1024 needs 16 limbs, plus one for the shift */
  int frac;
} float_view_t;

static void float_view(double d, float_view_t *f) {
  double ad = d < 0 ? -d : d;
  memset(f, 0, sizeof *f);
  if (ad < 18446744073709551616.0) { /* 2^64: the conversion is exact */
    uint64_t fl = (uint64_t)ad;
    f->limbs[0] = fl;
    f->n = fl != 0;
    f->frac = (double)fl != ad;
    return;
  }
  /* Past 2^64 every double is an integer: mantissa << (exponent - 1075). */
  uint64_t bits = double_bits(ad);
  uint64_t mant = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
  unsigned shift = (unsigned)((bits >> 52) & 0x7ff) - 1075;
  unsigned idx = shift / 64, bit = shift % 64;
  f->limbs[idx] = mant << bit;
  if (bit) f->limbs[idx + 1] = mant >> (64 - bit);
  f->n = idx + 1 + (f->limbs[idx + 1] != 0);
}

static int int_float_cmp(fx_term_t i, double d) {
  int_view_t iv;
  int_view(i, &iv);
  int is = iv.n ? (iv.neg ? -1 : 1) : 0, ds = (d > 0) - (d < 0);
  if (is != ds) return is < ds ? -1 : 1;
  if (is == 0) return 0;
  float_view_t fv;
  float_view(d, &fv);
  int c = mag_cmp(iv.limbs, iv.n, fv.limbs, fv.n);
  if (c == 0 && fv.frac) c = -1; /* |i| == floor|d| < |d| */
  return is > 0 ? c : -c;
}

static int float_cmp(double a, double b, int keys) {
  if (a != b) return a < b ? -1 : 1;
  /* Equal values: only 0.0 and -0.0 differ, and only as map keys. */
  int sa = (int)(double_bits(a) >> 63), sb = (int)(double_bits(b) >> 63);
  return keys && sa != sb ? (sa ? -1 : 1) : 0;
}

FX__NOINLINE static int num_cmp(fx_term_t a, fx_term_t b, int keys) {
  int af = fx_is_float(a), bf = fx_is_float(b);
  if (keys && af != bf) return af ? 1 : -1; /* map keys: integers first */
  if (af && bf) return float_cmp(fx_float_value(a), fx_float_value(b), keys);
  if (!af && !bf) return int_cmp(a, b);
  return af ? -int_float_cmp(b, fx_float_value(a)) : int_float_cmp(a, fx_float_value(b));
}

static int atom_cmp(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) {
  if (a == b) return 0;
  size_t la = 0, lb = 0;
  const char *ta = fx_atom_text(rt, a, &la), *tb = fx_atom_text(rt, b, &lb);
  if (!ta || !tb) return cmp_u64(fx_atom_index(a), fx_atom_index(b)); /* no table */
  int c = memcmp(ta, tb, la < lb ? la : lb);
  if (c) return c < 0 ? -1 : 1;
  return cmp_u64(la, lb);
}

static int ref_cmp(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) {
  const uint64_t *pa = fx_box_ptr(a), *pb = fx_box_ptr(b);
  /* As OTP 25: node name, creation, then the ids from the most significant,
   * a missing id counting as 0; last the id count, so that only equal refs
   * compare equal. */
  int c = atom_cmp(rt, pa[1], pb[1]);
  if (!c) c = cmp_u64((uint32_t)pa[2], (uint32_t)pb[2]);
  if (c) return c;
  size_t na = (size_t)fx_box_size(a), nb = (size_t)fx_box_size(b);
  for (size_t i = na > nb ? na : nb; i-- > 0;) {
    uint32_t x = i < na ? fx__ref_id(a, i) : 0, y = i < nb ? fx__ref_id(b, i) : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return na == nb ? 0 : na < nb ? -1 : 1;
}

typedef struct pid_view {
  fx_term_t node;
  uint32_t id, serial;
  uint64_t creation;
  int ext;
} pid_view_t;

static pid_view_t pid_view(const fx_runtime_t *rt, fx_term_t t) {
  pid_view_t v;
  if (fx_is_local_pid(t)) {
    fx_pid_t p = fx_term_pid(t);
    v.node = rt ? fx__node(rt) : FX_ATOM(NONODE);
    v.id = fx_pid_index(p);
    v.serial = fx_pid_gen(p);
    v.creation = rt ? fx__creation(rt) : 0;
    v.ext = 0;
  } else {
    const uint64_t *p = fx_box_ptr(t);
    v.node = p[1];
    v.id = (uint32_t)p[2];
    v.serial = (uint32_t)(p[2] >> 32);
    v.creation = p[3];
    v.ext = 1;
  }
  return v;
}

static int pid_cmp(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) {
  /* As OTP 25: serial, id, node name, creation. */
  pid_view_t x = pid_view(rt, a), y = pid_view(rt, b);
  int c = cmp_u64(x.serial, y.serial);
  if (!c) c = cmp_u64(x.id, y.id);
  if (!c) c = atom_cmp(rt, x.node, y.node);
  if (!c) c = cmp_u64(x.creation, y.creation);
  if (!c) c = x.ext - y.ext; /* a local pid and an equal-looking foreign one */
  return c;
}

static int bin_cmp(fx_term_t a, fx_term_t b) {
  size_t la = fx_binary_size(a), lb = fx_binary_size(b);
  int c = memcmp(fx_binary_data(a), fx_binary_data(b), la < lb ? la : lb);
  if (c) return c < 0 ? -1 : 1;
  return cmp_u64(la, lb);
}

static int term_cmp(const fx_runtime_t *rt, fx_term_t a, fx_term_t b, int keys);

/* The order of a and b, or 0 when they are equal or their children
 * (pushed) decide. keys != 0: map-key order (integers before floats, all
 * the way down). */
static int cmp_step(const fx_runtime_t *rt, walk_t *w, fx_term_t a, fx_term_t b, int keys) {
  if (a == b) return 0;
  int ra = rank_of(a), rb = rank_of(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  size_t n;
  switch (ra) {
  case R_NUM: return num_cmp(a, b, keys);
  case R_ATOM: return atom_cmp(rt, a, b);
  case R_REF: return ref_cmp(rt, a, b);
  case R_PID: return pid_cmp(rt, a, b);
  case R_BIN: return bin_cmp(a, b);
  case R_CONS: break; /* [] < [_|_], and an improper tail compares as a term */
  case R_TUPLE:
    if ((n = fx_tuple_arity(a)) != fx_tuple_arity(b)) return n < fx_tuple_arity(b) ? -1 : 1;
    if (n == 0) return 0;
    break;
  case R_MAP:
    /* Size, then all keys (always in key order), then the values. */
    if ((n = fx_map_size(a)) != fx_map_size(b)) return n < fx_map_size(b) ? -1 : 1;
    if (n == 0) return 0;
    break;
  default: /* R_NIL equals itself (a == b above); junk by word */
    return cmp_u64(a, b);
  }
  return walk_push(w, a, b, keys) ? 0 : term_cmp(rt, a, b, keys);
}

static int term_cmp(const fx_runtime_t *rt, fx_term_t a, fx_term_t b, int keys) {
  if (a == b) return 0;
  walk_t w;
  walk_init(&w, rt);
  int c;
  while (!(c = cmp_step(rt, &w, a, b, keys)) && walk_next(&w, &a, &b, &keys)) {
  }
  walk_free(&w);
  return c;
}

int fx_term_compare(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) { return term_cmp(rt, a, b, 0); }

int fx_term_compare_keys(const fx_runtime_t *rt, fx_term_t a, fx_term_t b) { return term_cmp(rt, a, b, 1); }

/* ---- deep copy ---- */

static int is_compound(fx_term_t t) { return fx_is_cons(t) || fx_is_boxed(t); }

static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

/* Words of t's children that hold terms: tuple elements, map keys+values. */
static size_t term_children(fx_term_t t) {
  if (fx_box_kind(t) == FX_BOX_TUPLE) return fx_tuple_arity(t);
  if (fx_box_kind(t) == FX_BOX_MAP) return 2 * fx_map_size(t);
  return 0;
}

static size_t words_rec(fx_term_t t, unsigned depth) {
  if (depth > FX__COPY_MAX_DEPTH) return SIZE_MAX;
  size_t total = 0;
  for (;;) {
    if (fx_is_cons(t)) {
      total = sat_add(total, 2);
      if (is_compound(fx_head(t))) total = sat_add(total, words_rec(fx_head(t), depth + 1));
      t = fx_tail(t);
      continue;
    }
    if (!fx_is_boxed(t)) return total;
    total = sat_add(total, 1 + fx__box_payload_words(t));
    size_t n = term_children(t);
    if (n == 0 || total == SIZE_MAX) return total;
    const uint64_t *p = fx_box_ptr(t);
    for (size_t i = 1; i < n; i++)
      if (is_compound(p[i])) total = sat_add(total, words_rec(p[i], depth + 1));
    t = p[n];
  }
}

size_t fx_term_words(fx_term_t t) { return is_compound(t) ? words_rec(t, 0) : 0; } /* most requests are immediates */

/* Copies t at *hp (advancing it). `link` is where the copy's root goes;
 * looping on the last child just moves `link` into the new object. */
static fx_term_t copy_rec(fx_term_t t, uint64_t **hp) {
  fx_term_t root, *link = &root;
  for (;;) {
    if (fx_is_cons(t)) {
      uint64_t *cell = *hp;
      *hp += 2;
      *link = fx__cons(cell);
      cell[0] = is_compound(fx_head(t)) ? copy_rec(fx_head(t), hp) : fx_head(t);
      link = &cell[1];
      t = fx_tail(t);
      continue;
    }
    if (!fx_is_boxed(t)) {
      *link = t;
      return root;
    }
    size_t words = 1 + fx__box_payload_words(t), n = term_children(t);
    uint64_t *p = *hp;
    *hp += words;
    memcpy(p, fx_box_ptr(t), words * 8);
    *link = fx__box(p);
    if (n == 0) return root;
    for (size_t i = 1; i < n; i++)
      if (is_compound(p[i])) p[i] = copy_rec(p[i], hp);
    link = &p[n];
    t = p[n];
  }
}

fx_term_t fx_term_copy(fx_term_t t, uint64_t *words) {
  if (!is_compound(t)) return t;
  if (!words) return FX_NONE;
  uint64_t *hp = words;
  return copy_rec(t, &hp);
}

int fx_heap_copy(fx_heap_t *h, fx_term_t t, fx_term_t *out) {
  if (!h || !out || !fx__is_term(t)) return FX_EINVAL;
  if (!is_compound(t)) {
    *out = t;
    return FX_OK;
  }
  size_t words = fx_term_words(t);
  if (words == SIZE_MAX) return FX_ETOODEEP;
  uint64_t *p = fx__heap_alloc(h, words);
  if (!p) return FX_ENOMEM;
  *out = fx_term_copy(t, p);
  return FX_OK;
}

/* ---- printing ---- */

#define FX__FORMAT_MAX_DEPTH 100
/* Bignums up to this many limbs print in decimal (the conversion needs a
 * scratch copy on the stack); bigger ones print exactly as Erlang hex,
 * 16#..., which needs none. */
#define FX__FORMAT_DEC_LIMBS 64

typedef struct fmt {
  const fx_runtime_t *rt;
  char *buf;
  size_t cap, len; /* len counts everything, written or not */
} fmt_t;

static void put(fmt_t *w, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, w->len++)
    if (w->len < w->cap) w->buf[w->len] = s[i];
}

static void puts_(fmt_t *w, const char *s) { put(w, s, strlen(s)); }

static void putf_u64(fmt_t *w, const char *fmt, uint64_t v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, fmt, v);
  put(w, tmp, n > 0 ? (size_t)n : 0);
}

static int atom_is_bare(const char *s, size_t len) {
  if (len == 0 || s[0] < 'a' || s[0] > 'z') return 0;
  for (size_t i = 1; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@'))
      return 0;
  }
  return 1;
}

static void fmt_atom(fmt_t *w, fx_term_t a) {
  size_t len;
  const char *s = fx_atom_text(w->rt, a, &len);
  if (!s) {
    putf_u64(w, "'$atom%" PRIu64 "'", fx_atom_index(a));
    return;
  }
  if (atom_is_bare(s, len)) {
    put(w, s, len);
    return;
  }
  put(w, "'", 1);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '\'' || s[i] == '\\') put(w, "\\", 1);
    put(w, s + i, 1);
  }
  put(w, "'", 1);
}

/* An atom's raw text, as pids and refs of other nodes show their node. */
static void fmt_atom_text(fmt_t *w, fx_term_t a) {
  size_t len;
  const char *s = fx_atom_text(w->rt, a, &len);
  if (s) put(w, s, len);
  else put(w, "?", 1);
}

/* Decimal by repeated division by 10^9 over 32-bit half-limbs: each step's
 * dividend (remainder << 32 | half) fits 64 bits, so no 128-bit math. */
static void fmt_bignum_dec(fmt_t *w, const uint64_t *limbs, size_t n) {
  uint64_t tmp[FX__FORMAT_DEC_LIMBS];
  uint32_t chunks[FX__FORMAT_DEC_LIMBS * 64 / 29 + 2]; /* 10^9 > 2^29 */
  size_t nchunks = 0;
  memcpy(tmp, limbs, n * sizeof *limbs);
  while (n) {
    uint64_t rem = 0;
    for (size_t i = n; i-- > 0;) {
      uint64_t hi = (rem << 32) | (tmp[i] >> 32);
      uint64_t qhi = hi / 1000000000u;
      uint64_t lo = ((hi % 1000000000u) << 32) | (tmp[i] & 0xffffffffu);
      tmp[i] = (qhi << 32) | (lo / 1000000000u);
      rem = lo % 1000000000u;
    }
    chunks[nchunks++] = (uint32_t)rem;
    while (n && tmp[n - 1] == 0) n--;
  }
  putf_u64(w, "%" PRIu64, chunks[nchunks - 1]);
  for (size_t i = nchunks - 1; i-- > 0;) putf_u64(w, "%09" PRIu64, chunks[i]);
}

FX__NOINLINE static void fmt_int(fmt_t *w, fx_term_t t) {
  if (fx_is_small(t)) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, fx_small_value(t));
    put(w, tmp, (size_t)n);
    return;
  }
  int_view_t v;
  int_view(t, &v);
  if (v.neg) put(w, "-", 1);
  if (v.n == 0) {
    put(w, "0", 1);
  } else if (v.n <= FX__FORMAT_DEC_LIMBS) {
    fmt_bignum_dec(w, v.limbs, v.n);
  } else {
    put(w, "16#", 3);
    putf_u64(w, "%" PRIX64, v.limbs[v.n - 1]);
    for (size_t i = v.n - 1; i-- > 0;) putf_u64(w, "%016" PRIX64, v.limbs[i]);
  }
}

FX__NOINLINE static void fmt_float(fmt_t *w, double d) {
  char tmp[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  puts_(w, tmp);
  /* Always recognisably a float: 1 prints as 1.0. */
  if (!strpbrk(tmp, ".e")) put(w, ".0", 2);
}

static void fmt_binary(fmt_t *w, fx_term_t t) {
  const uint8_t *b = fx_binary_data(t);
  size_t n = fx_binary_size(t);
  int printable = 1;
  for (size_t i = 0; i < n && printable; i++) printable = b[i] >= 0x20 && b[i] <= 0x7e;
  put(w, "<<", 2);
  if (n && printable) {
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
      if (b[i] == '"' || b[i] == '\\') put(w, "\\", 1);
      put(w, (const char *)b + i, 1);
    }
    put(w, "\"", 1);
  } else {
    for (size_t i = 0; i < n; i++) putf_u64(w, i ? ",%" PRIu64 : "%" PRIu64, b[i]);
  }
  put(w, ">>", 2);
}

static void fmt_ref(fmt_t *w, fx_term_t t) {
  put(w, "#Ref<", 5);
  fx_term_t node = fx_box_ptr(t)[1];
  if (w->rt && node == fx__node(w->rt)) put(w, "0", 1);
  else fmt_atom_text(w, node);
  /* Erlang prints the most significant id first. */
  for (size_t i = fx_box_size(t); i-- > 0;) putf_u64(w, ".%" PRIu64, fx__ref_id(t, i));
  put(w, ">", 1);
}

static void fmt_pid(fmt_t *w, fx_term_t t) {
  pid_view_t v = pid_view(w->rt, t);
  put(w, "<", 1);
  if (v.ext) fmt_atom_text(w, v.node);
  else put(w, "0", 1);
  putf_u64(w, ".%" PRIu64, v.id);
  putf_u64(w, ".%" PRIu64 ">", v.serial);
}

static void fmt_term(fmt_t *w, fx_term_t t, unsigned depth);

static void fmt_list(fmt_t *w, fx_term_t t, unsigned depth) {
  put(w, "[", 1);
  for (int first = 1; fx_is_cons(t); t = fx_tail(t), first = 0) {
    if (!first) put(w, ",", 1);
    fmt_term(w, fx_head(t), depth + 1);
  }
  if (t != FX_NIL) {
    put(w, "|", 1);
    fmt_term(w, t, depth + 1);
  }
  put(w, "]", 1);
}

static void fmt_tuple(fmt_t *w, fx_term_t t, unsigned depth) {
  put(w, "{", 1);
  for (size_t i = 0; i < fx_tuple_arity(t); i++) {
    if (i) put(w, ",", 1);
    fmt_term(w, fx_tuple_get(t, i), depth + 1);
  }
  put(w, "}", 1);
}

static void fmt_map(fmt_t *w, fx_term_t t, unsigned depth) {
  put(w, "#{", 2);
  for (size_t i = 0; i < fx_map_size(t); i++) {
    if (i) put(w, ",", 1);
    fmt_term(w, fx_map_key(t, i), depth + 1);
    put(w, " => ", 4);
    fmt_term(w, fx_map_value(t, i), depth + 1);
  }
  put(w, "}", 1);
}

static void fmt_term(fmt_t *w, fx_term_t t, unsigned depth) {
  if (depth > FX__FORMAT_MAX_DEPTH) {
    put(w, "...", 3);
    return;
  }
  switch (fx_type_of(t)) {
  case FX_T_INT: fmt_int(w, t); return;
  case FX_T_FLOAT: fmt_float(w, fx_float_value(t)); return;
  case FX_T_ATOM: fmt_atom(w, t); return;
  case FX_T_BINARY: fmt_binary(w, t); return;
  case FX_T_TUPLE: fmt_tuple(w, t, depth); return;
  case FX_T_LIST: fmt_list(w, t, depth); return;
  case FX_T_MAP: fmt_map(w, t, depth); return;
  case FX_T_PID: fmt_pid(w, t); return;
  case FX_T_REF: fmt_ref(w, t); return;
  case FX_T_NONE: puts_(w, t == FX_NONE ? "#none" : "#badterm"); return;
  }
}

size_t fx_term_format(const fx_runtime_t *rt, fx_term_t t, char *buf, size_t cap) {
  fmt_t w = {rt, buf, buf ? cap : 0, 0};
  fmt_term(&w, t, 0);
  if (w.cap) w.buf[w.len < w.cap ? w.len : w.cap - 1] = 0;
  return w.len;
}
