/* Patterns: clause terms compiled into flat bytecode, matched without
 * allocating and without recursion.
 *
 * fx_pattern_compile walks each clause term once to validate and measure it,
 * makes ONE allocation, then walks it again to emit. The allocation holds:
 *
 *   struct fx_pattern    the clause table (code offset, extract count, guard)
 *   lits[nlits]          literal terms the code refers to by index
 *   pool[npool]          words of the deep-copied boxed literals (lits point here)
 *   code[ncode]          uint32 ops, each clause a preorder walk of its tree
 *
 * so a pattern owns everything it refers to and is freed in one call.
 *
 * Matching first checks each clause's guard (the root's tuple header and
 * tag, or its immediate), which rejects most messages in a few instructions.
 * Then a small loop runs the code: each op tests the current subject term;
 * container ops (TUPLE, LIST, MAP) push a frame, and after every op the next
 * subject is fetched from the innermost frame that still has children. The
 * frame stack lives on the C stack and is bounded by FX_PATTERN_MAX_DEPTH,
 * which compile enforces. */
#include "fx_runtime.h"

/* Ops; operands follow the op word in `code`. */
enum pat_op {
  OP_ANY,       /* extract the subject */
  OP_IGNORE,    /* accept the subject */
  OP_IMM,       /* lo, hi: word equality (small int, atom, [], local pid) */
  OP_BIN,       /* lit: a binary with the literal's bytes */
  OP_TEXT,      /* lit, atom+1 or 0: that binary, or an atom with its text */
  OP_LIT,       /* lit: any other literal, by fx_term_equal */
  OP_IS_INT,    /* type matchers: test and extract */
  OP_IS_FLOAT,
  OP_IS_NUMBER,
  OP_IS_BINARY,
  OP_IS_TEXT,   /* what JavaScript reads as a string (is_text) */
  OP_IS_BYTES,  /* what JavaScript reads as a Uint8Array (is_bytes) */
  OP_IS_ATOM,
  OP_IS_BOOL,
  OP_IS_TUPLE,
  OP_IS_LIST,
  OP_IS_MAP,
  OP_IS_PID,
  OP_IS_REF,
  OP_TUPLE,     /* arity, then `arity` element patterns */
  OP_LIST,      /* n >= 1, then n head patterns and one tail pattern */
  OP_MAP        /* n, then n times (key lit, value pattern), keys in map order */
};

/* A clause, with a guard that rejects most non-matching messages before
 * the interpreter starts: messages are mostly tagged tuples ({tag, ...}) or
 * bare atoms, so the root's shape decides most matches. */
typedef struct pat_clause {
  uint32_t start;    /* offset of the clause's first op in code */
  uint32_t nextract;
  uint64_t header;   /* nonzero: the subject is a tuple with this header word */
  fx_term_t word;    /* nonzero: with header, the tuple's first element;
                        without, the subject itself (an immediate) */
  uint32_t flat;     /* a tuple of only IMM, ANY and IGNORE: the fast path
                        (2: whose first element is the guard's word) */
} pat_clause_t;

struct fx_pattern {
  size_t size; /* bytes of this allocation */
  unsigned flags;
  uint32_t nclauses;
  const fx_term_t *lits;
  const uint32_t *code;
  pat_clause_t clauses[];
};

/* ------------------------------------------------------------------------ */
/* Compiling */

/* The compiler's state. In the measuring pass the output arrays are NULL
 * and only the counters move; the emitting pass repeats the same walk with
 * the arrays set, so both passes agree on every size and index. */
typedef struct pat_builder {
  fx_runtime_t *rt;
  unsigned flags;
  uint32_t *code;
  fx_term_t *lits;
  uint64_t *pool;
  size_t ncode, nlits, npool;
  size_t nextract; /* of the clause being compiled */
} pat_builder_t;

static int compile_node(pat_builder_t *b, fx_term_t t, unsigned depth);

static int is_immediate(fx_term_t t) {
  unsigned tag = fx_tag(t);
  return tag == FX_TAG_SMALL || tag == FX_TAG_ATOM || tag == FX_TAG_PID || tag == FX_TAG_NIL;
}

static void emit(pat_builder_t *b, uint32_t w) {
  if (b->code) b->code[b->ncode] = w;
  b->ncode++;
}

/* Adds a literal, deep-copying boxed terms into the pool, and returns its
 * index (meaningless while measuring; the size checks cap it at 32 bits). */
static uint32_t add_lit(pat_builder_t *b, fx_term_t t) {
  size_t i = b->nlits++;
  if (is_immediate(t)) {
    if (b->lits) b->lits[i] = t;
    return (uint32_t)i;
  }
  size_t words = fx_term_words(t);
  if (b->lits) b->lits[i] = fx_term_copy(t, b->pool + b->npool);
  b->npool += words;
  return (uint32_t)i;
}

static int extract(pat_builder_t *b, uint32_t op) {
  if (++b->nextract > FX_PATTERN_MAX_EXTRACT) return FX_EBADPATTERN;
  emit(b, op);
  return FX_OK;
}

/* The operand of the OP_IMM at code[pc]. */
static fx_term_t imm_at(const uint32_t *code, size_t pc) {
  return (fx_term_t)code[pc + 1] | (fx_term_t)code[pc + 2] << 32;
}

static void emit_imm(pat_builder_t *b, fx_term_t t) {
  emit(b, OP_IMM);
  emit(b, (uint32_t)t);
  emit(b, (uint32_t)(t >> 32));
}

/* A binary literal. With FX_PATTERN_TEXT_MATCHES_ATOM a text literal (not a
 * host's bytes) also matches the atom of the same text; if that atom exists
 * now its index is stored so the match is a word compare (atoms are never
 * freed, so the index stays valid); an atom interned later is still found
 * by comparing texts. */
static void emit_binary(pat_builder_t *b, fx_term_t t) {
  if (!(b->flags & FX_PATTERN_TEXT_MATCHES_ATOM) || fx_binary_is_bytes(t)) {
    emit(b, OP_BIN);
    emit(b, add_lit(b, t));
    return;
  }
  fx_term_t atom;
  uint32_t known = 0;
  if (fx_atom_lookup(b->rt, (const char *)fx_binary_data(t), fx_binary_size(t), &atom) == FX_OK)
    known = fx_atom_index(atom) + 1;
  emit(b, OP_TEXT);
  emit(b, add_lit(b, t));
  emit(b, known);
}

/* Any literal, matched exactly (the body of '$fx_literal' and leaves). */
static void emit_exact(pat_builder_t *b, fx_term_t t) {
  if (is_immediate(t)) {
    emit_imm(b, t);
  } else if (fx_is_binary(t)) {
    emit(b, OP_BIN);
    emit(b, add_lit(b, t));
  } else {
    emit(b, OP_LIT);
    emit(b, add_lit(b, t));
  }
}

static int type_op(fx_term_t type, uint32_t *op) {
  if (!fx_is_atom(type)) return FX_EBADPATTERN;
  switch (fx_atom_index(type)) {
  case FX_ATOM_INDEX_INTEGER: *op = OP_IS_INT; break;
  case FX_ATOM_INDEX_FLOAT: *op = OP_IS_FLOAT; break;
  case FX_ATOM_INDEX_NUMBER: *op = OP_IS_NUMBER; break;
  case FX_ATOM_INDEX_BINARY: *op = OP_IS_BINARY; break;
  case FX_ATOM_INDEX_STRING: *op = OP_IS_BINARY; break;
  case FX_ATOM_INDEX_TEXT: *op = OP_IS_TEXT; break;
  case FX_ATOM_INDEX_BYTES: *op = OP_IS_BYTES; break;
  case FX_ATOM_INDEX_ATOM: *op = OP_IS_ATOM; break;
  case FX_ATOM_INDEX_BOOLEAN: *op = OP_IS_BOOL; break;
  case FX_ATOM_INDEX_TUPLE: *op = OP_IS_TUPLE; break;
  case FX_ATOM_INDEX_LIST: *op = OP_IS_LIST; break;
  case FX_ATOM_INDEX_MAP: *op = OP_IS_MAP; break;
  case FX_ATOM_INDEX_PID: *op = OP_IS_PID; break;
  case FX_ATOM_INDEX_REFERENCE: *op = OP_IS_REF; break;
  default: return FX_EBADPATTERN;
  }
  return FX_OK;
}

/* `depth` counts the containers around the node being compiled; entering
 * one more must stay within FX_PATTERN_MAX_DEPTH (the matcher's stack). */
static int enter(unsigned *depth) {
  if (*depth >= FX_PATTERN_MAX_DEPTH) return FX_ETOODEEP;
  ++*depth;
  return FX_OK;
}

/* A plain map (or the map of {'$fx_map', M}): keys are literals, values
 * patterns. Keys are visited in the map's stored order, which fixes the
 * order of extraction. */
static int compile_map(pat_builder_t *b, fx_term_t m, unsigned depth) {
  int err = enter(&depth);
  if (err) return err;
  size_t n = fx_map_size(m);
  if (n > UINT32_MAX) return FX_ETOOBIG;
  emit(b, OP_MAP);
  emit(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    emit(b, add_lit(b, fx_map_key(m, i)));
    if ((err = compile_node(b, fx_map_value(m, i), depth))) return err;
  }
  return FX_OK;
}

static int compile_tuple(pat_builder_t *b, fx_term_t t, unsigned depth) {
  int err = enter(&depth);
  if (err) return err;
  size_t n = fx_tuple_arity(t);
  if (n > UINT32_MAX) return FX_ETOOBIG;
  emit(b, OP_TUPLE);
  emit(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    if ((err = compile_node(b, fx_tuple_get(t, i), depth))) return err;
  return FX_OK;
}

/* [P1, ..., Pn | Tail]: the heads, then the tail ([] for a proper list).
 * One frame however long the list, so length is not depth. */
static int compile_list(pat_builder_t *b, fx_term_t l, unsigned depth) {
  int err = enter(&depth);
  if (err) return err;
  size_t n = 0;
  fx_term_t tail = l;
  while (fx_is_cons(tail)) {
    n++;
    tail = fx_tail(tail);
  }
  if (n > UINT32_MAX - 1) return FX_ETOOBIG;
  emit(b, OP_LIST);
  emit(b, (uint32_t)n);
  for (tail = l; fx_is_cons(tail); tail = fx_tail(tail))
    if ((err = compile_node(b, fx_head(tail), depth))) return err;
  return compile_node(b, tail, depth);
}

/* {'$fx_type', T}, {'$fx_map', M} and {'$fx_literal', X}. Returns 1 when t
 * is not one of them (so it is an ordinary tuple pattern). */
static int compile_reserved(pat_builder_t *b, fx_term_t t, unsigned depth) {
  size_t n = fx_tuple_arity(t);
  fx_term_t tag = n ? fx_tuple_get(t, 0) : FX_NONE;
  if (tag != FX_ATOM(PAT_TYPE) && tag != FX_ATOM(PAT_MAP) && tag != FX_ATOM(PAT_LITERAL)) return 1;
  if (n != 2) return FX_EBADPATTERN;
  fx_term_t arg = fx_tuple_get(t, 1);
  if (tag == FX_ATOM(PAT_LITERAL)) {
    if (arg == FX_NONE) return FX_EBADPATTERN;
    emit_exact(b, arg);
    return FX_OK;
  }
  if (tag == FX_ATOM(PAT_MAP)) return fx_is_map(arg) ? compile_map(b, arg, depth) : FX_EBADPATTERN;
  uint32_t op;
  int err = type_op(arg, &op);
  return err ? err : extract(b, op);
}

static int compile_node(pat_builder_t *b, fx_term_t t, unsigned depth) {
  switch (fx_tag(t)) {
  case FX_TAG_ATOM:
    if (t == FX_ATOM(PAT_ANY)) return extract(b, OP_ANY);
    if (t == FX_ATOM(PAT_IGNORE)) {
      emit(b, OP_IGNORE);
      return FX_OK;
    }
    emit_imm(b, t);
    return FX_OK;
  case FX_TAG_SMALL:
  case FX_TAG_PID:
  case FX_TAG_NIL:
    emit_imm(b, t);
    return FX_OK;
  case FX_TAG_LIST:
    return compile_list(b, t, depth);
  case FX_TAG_BOXED:
    break;
  default:
    return FX_EBADPATTERN;
  }
  if (t == FX_NONE) return FX_EBADPATTERN;
  switch (fx_box_kind(t)) {
  case FX_BOX_TUPLE: {
    int r = compile_reserved(b, t, depth);
    return r == 1 ? compile_tuple(b, t, depth) : r;
  }
  case FX_BOX_MAP:
    return compile_map(b, t, depth);
  case FX_BOX_BINARY:
    emit_binary(b, t);
    return FX_OK;
  case FX_BOX_FLOAT:
  case FX_BOX_BIGPOS:
  case FX_BOX_BIGNEG:
  case FX_BOX_REF:
  case FX_BOX_EXTPID:
    emit_exact(b, t);
    return FX_OK;
  default:
    return FX_EBADPATTERN;
  }
}

/* The clause-table entry, its guard read off the clause's first ops. */
static pat_clause_t make_clause(const uint32_t *code, size_t start, size_t nextract) {
  pat_clause_t c = {(uint32_t)start, (uint32_t)nextract, 0, FX_NONE, 0};
  if (code[start] == OP_IMM) {
    c.word = imm_at(code, start);
  } else if (code[start] == OP_TUPLE) {
    uint32_t arity = code[start + 1];
    c.header = fx__header(FX_BOX_TUPLE, arity);
    if (arity && code[start + 2] == OP_IMM) c.word = imm_at(code, start + 2);
  }
  return c;
}

/* Words an op takes with its operands, for the ops that test one term and
 * push no frame (every op before OP_TUPLE). */
static uint32_t leaf_width(uint32_t op) {
  switch (op) {
  case OP_IMM:
  case OP_TEXT: return 3;
  case OP_BIN:
  case OP_LIT: return 2;
  default: return 1;
  }
}

/* Whether code[start, end) is a tuple whose elements are all leaves (no
 * nested container): the shape of most receive clauses ({tag, _, X},
 * ["log", String]), matched by a tight loop instead of the general
 * interpreter. */
static uint32_t is_flat_tuple(const uint32_t *code, size_t start, size_t end) {
  if (code[start] != OP_TUPLE) return 0;
  size_t pc = start + 2;
  for (uint32_t i = 0; i < code[start + 1]; i++) {
    if (code[pc] >= OP_TUPLE) return 0;
    pc += leaf_width(code[pc]);
  }
  return pc == end;
}

/* One pass over every clause; fills the clause table when p is set. */
static int compile_clauses(pat_builder_t *b, const fx_term_t *clauses, size_t n, fx_pattern_t *p) {
  for (size_t i = 0; i < n; i++) {
    size_t start = b->ncode;
    b->nextract = 0;
    int err = compile_node(b, clauses[i], 0);
    if (err) return err;
    if (p) {
      p->clauses[i] = make_clause(b->code, start, b->nextract);
      /* 2: flat, and its guard already checked the first element. */
      if (is_flat_tuple(b->code, start, b->ncode)) p->clauses[i].flat = p->clauses[i].word ? 2 : 1;
    }
  }
  return FX_OK;
}

/* *acc += n * elem, failing on size_t overflow (wasm32 has a 32-bit size_t). */
static int add_bytes(size_t *acc, size_t n, size_t elem) {
  if (n > (SIZE_MAX - *acc) / elem) return FX_ETOOBIG;
  *acc += n * elem;
  return FX_OK;
}

int fx_pattern_compile(fx_runtime_t *rt, const fx_term_t *clauses, size_t nclauses, unsigned flags, fx_pattern_t **out) {
  if (!rt || !out || (!clauses && nclauses)) return FX_EINVAL;
  if (flags & ~(unsigned)FX_PATTERN_TEXT_MATCHES_ATOM) return FX_EINVAL;
  if (nclauses > INT32_MAX) return FX_ETOOBIG; /* match returns the index as an int */

  pat_builder_t b = {.rt = rt, .flags = flags};
  int err = compile_clauses(&b, clauses, nclauses, NULL);
  if (err) return err;
  if (b.ncode > UINT32_MAX || b.nlits > UINT32_MAX) return FX_ETOOBIG;

  /* Header and clause table, then the 8-byte literal words, then code. */
  size_t size = sizeof(fx_pattern_t), lits_at, code_at;
  if ((err = add_bytes(&size, nclauses, sizeof(pat_clause_t)))) return err;
  if ((err = add_bytes(&size, 1, 7))) return err;
  size &= ~(size_t)7;
  lits_at = size;
  if ((err = add_bytes(&size, b.nlits, 8)) || (err = add_bytes(&size, b.npool, 8))) return err;
  code_at = size;
  if ((err = add_bytes(&size, b.ncode, 4))) return err;

  char *mem = fx__alloc(rt, size);
  if (!mem) return FX_ENOMEM;
  fx_pattern_t *p = (fx_pattern_t *)(void *)mem;
  p->size = size;
  p->flags = flags;
  p->nclauses = (uint32_t)nclauses;
  pat_builder_t e = {.rt = rt, .flags = flags};
  e.lits = (fx_term_t *)(void *)(mem + lits_at);
  e.pool = (uint64_t *)e.lits + b.nlits;
  e.code = (uint32_t *)(void *)(mem + code_at);
  /* Cannot fail: the measuring pass accepted the same clauses. */
  compile_clauses(&e, clauses, nclauses, p);
  p->lits = e.lits;
  p->code = e.code;
  *out = p;
  return FX_OK;
}

void fx_pattern_free(fx_runtime_t *rt, fx_pattern_t *p) {
  if (rt && p) fx__free(rt, p, p->size);
}

size_t fx_pattern_clauses(const fx_pattern_t *p) { return p ? p->nclauses : 0; }

size_t fx_pattern_extract_count(const fx_pattern_t *p, size_t clause) {
  return p && clause < p->nclauses ? p->clauses[clause].nextract : 0;
}

/* ------------------------------------------------------------------------ */
/* Matching */

enum frame_kind { FRAME_TUPLE, FRAME_LIST, FRAME_MAP };

/* A container being matched: where its next child comes from and how many
 * children remain. Popped when its last child is fetched, so the stack holds
 * only containers with children still to match. */
typedef struct pat_frame {
  union {
    const fx_term_t *elem; /* tuple: the next element */
    fx_term_t list;        /* list: the rest of the subject list */
    fx_term_t map;         /* map: the subject map */
  } at;
  uint32_t left;
  uint32_t kind;
} pat_frame_t;

/* A binary JavaScript reads as a Uint8Array: one a host sent as bytes, or
 * one that is not UTF-8 text. */
static int is_bytes(fx_term_t t) {
  return fx_is_binary(t) && (fx_binary_is_bytes(t) || !fx__utf8_valid(fx_binary_data(t), fx_binary_size(t)));
}

/* What JavaScript reads as a string: any other binary, or an atom other
 * than the four that map to booleans, null and undefined. */
static int is_text(fx_term_t t) {
  if (fx_is_binary(t)) return !is_bytes(t);
  return fx_is_atom(t) && fx_atom_index(t) > FX_ATOM_INDEX_UNDEFINED; /* those four come first */
}

/* An atom whose text equals the binary's bytes. */
static int atom_has_text(const fx_runtime_t *rt, fx_term_t atom, fx_term_t bin) {
  size_t len;
  const char *text = fx_atom_text(rt, atom, &len);
  return text && len == fx_binary_size(bin) && memcmp(text, fx_binary_data(bin), len) == 0;
}

static int binary_equal(fx_term_t t, fx_term_t lit) {
  return fx_is_binary(t) && fx_binary_size(t) == fx_binary_size(lit) &&
         memcmp(fx_binary_data(t), fx_binary_data(lit), fx_binary_size(lit)) == 0;
}

static int text_matches(const fx_runtime_t *rt, fx_term_t t, fx_term_t lit, uint32_t known) {
  if (fx_is_atom(t)) return known ? fx_atom_index(t) == known - 1 : atom_has_text(rt, t, lit);
  return binary_equal(t, lit);
}

/* The next subject from the innermost frame; 0 when the subject does not
 * have it (a list too short, a map without the key). */
static int next_subject(const fx_runtime_t *rt, const fx_pattern_t *p, pat_frame_t *f, uint32_t *pc, fx_term_t *t) {
  switch (f->kind) {
  case FRAME_TUPLE:
    *t = *f->at.elem++;
    return 1;
  case FRAME_LIST:
    if (f->left == 1) { /* the tail */
      *t = f->at.list;
      return 1;
    }
    if (!fx_is_cons(f->at.list)) return 0;
    *t = fx_head(f->at.list);
    f->at.list = fx_tail(f->at.list);
    return 1;
  default: {
    long i = fx_map_find(rt, f->at.map, p->lits[p->code[(*pc)++]]);
    if (i < 0) return 0;
    *t = fx_map_value(f->at.map, (size_t)i);
    return 1;
  }
  }
}

/* Whether the leaf op at code[pc] (one before OP_TUPLE) accepts t; what it
 * extracts goes to out[*n]. */
static int leaf_matches(const fx_runtime_t *rt, const fx_pattern_t *p, uint32_t pc, fx_term_t t, fx_term_t *out, size_t *n) {
  const uint32_t *code = p->code;
  int ok;
  switch (code[pc]) {
  case OP_ANY: out[(*n)++] = t; return 1;
  case OP_IGNORE: return 1;
  case OP_IMM: return t == imm_at(code, pc);
  case OP_BIN: return binary_equal(t, p->lits[code[pc + 1]]);
  case OP_TEXT: return text_matches(rt, t, p->lits[code[pc + 1]], code[pc + 2]);
  case OP_LIT: return fx_term_equal(rt, t, p->lits[code[pc + 1]]);
  case OP_IS_INT: ok = fx_is_integer(t); break;
  case OP_IS_FLOAT: ok = fx_is_float(t); break;
  case OP_IS_NUMBER: ok = fx_is_integer(t) || fx_is_float(t); break;
  case OP_IS_BINARY: ok = fx_is_binary(t); break;
  case OP_IS_TEXT: ok = is_text(t); break;
  case OP_IS_BYTES: ok = is_bytes(t); break;
  case OP_IS_ATOM: ok = fx_is_atom(t); break;
  case OP_IS_BOOL: ok = t == FX_ATOM(TRUE) || t == FX_ATOM(FALSE); break;
  case OP_IS_TUPLE: ok = fx_is_tuple(t); break;
  case OP_IS_LIST: ok = fx_is_nil(t) || fx_is_cons(t); break;
  case OP_IS_MAP: ok = fx_is_map(t); break;
  case OP_IS_PID: ok = fx_is_pid(t); break;
  case OP_IS_REF: ok = fx_is_ref(t); break;
  default: return 0; /* unreachable: callers pass leaf ops only */
  }
  if (ok) out[(*n)++] = t; /* a type matcher extracts what it accepts */
  return ok;
}

/* Runs one clause's code on t. Extracted terms go to out, which compile
 * guarantees is large enough (the caller picks a big enough buffer). */
FX__NOINLINE /* out of fx_pattern_match, which stays small for flat clauses */
static int run_clause(const fx_runtime_t *rt, const fx_pattern_t *p, uint32_t pc, fx_term_t t, fx_term_t *out, pat_frame_t *stack) {
  const uint32_t *code = p->code;
  size_t n = 0, sp = 0;
  for (;;) {
    uint32_t a;
    switch (code[pc++]) {
    case OP_TUPLE:
      a = code[pc++];
      if (!fx_is_tuple(t) || fx_tuple_arity(t) != a) return 0;
      if (a) stack[sp++] = (pat_frame_t){.at.elem = fx_box_ptr(t) + 1, .left = a, .kind = FRAME_TUPLE};
      break;
    case OP_LIST:
      a = code[pc++];
      if (!fx_is_cons(t)) return 0;
      stack[sp++] = (pat_frame_t){.at.list = t, .left = a + 1, .kind = FRAME_LIST};
      break;
    case OP_MAP:
      a = code[pc++];
      if (!fx_is_map(t) || fx_map_size(t) < a) return 0;
      if (a) stack[sp++] = (pat_frame_t){.at.map = t, .left = a, .kind = FRAME_MAP};
      break;
    default: /* a leaf */
      if (!leaf_matches(rt, p, pc - 1, t, out, &n)) return 0;
      pc += leaf_width(code[pc - 1]) - 1;
    }
    if (sp == 0) return 1;
    pat_frame_t *f = &stack[sp - 1];
    if (!next_subject(rt, p, f, &pc, &t)) return 0;
    if (--f->left == 0) sp--;
  }
}

/* The fast path for a flat tuple clause whose guard has checked the
 * subject's header already. */
static int run_flat(const fx_runtime_t *rt, const fx_pattern_t *p, uint32_t pc, fx_term_t t, fx_term_t *out, uint32_t flat) {
  const uint32_t *code = p->code;
  const fx_term_t *el = fx_box_ptr(t) + 1;
  uint32_t arity = code[pc + 1];
  size_t n = 0;
  uint32_t i = 0;
  pc += 2; /* OP_TUPLE, arity */
  if (flat == 2) { /* the guard matched the first element: skip its OP_IMM */
    pc += 3;
    i = 1;
  }
  for (; i < arity; i++) {
    uint32_t op = code[pc];
    if (op == OP_ANY) { /* the usual elements in line, the rest by call */
      out[n++] = el[i];
      pc++;
    } else if (op == OP_IGNORE) {
      pc++;
    } else if (op == OP_IMM) {
      if (el[i] != imm_at(code, pc)) return 0;
      pc += 3;
    } else {
      if (!leaf_matches(rt, p, pc, el[i], out, &n)) return 0;
      pc += leaf_width(op);
    }
  }
  return 1;
}

/* Whether the clause's guard already rules t out (see pat_clause_t). */
static int guard_rejects(const pat_clause_t *c, fx_term_t t) {
  if (c->header) {
    if (!fx_is_boxed(t) || fx_box_ptr(t)[0] != c->header) return 1;
    return c->word && fx_box_ptr(t)[1] != c->word;
  }
  return c->word && t != c->word;
}

int fx_pattern_match(const fx_runtime_t *rt, const fx_pattern_t *p, fx_term_t t, fx_term_t *out, size_t cap, size_t *nout) {
  if (!rt || !p || (!out && cap)) return FX_EINVAL;
  pat_frame_t stack[FX_PATTERN_MAX_DEPTH];
  fx_term_t scratch[FX_PATTERN_MAX_EXTRACT];
  for (uint32_t i = 0; i < p->nclauses; i++) {
    const pat_clause_t *c = &p->clauses[i];
    if (guard_rejects(c, t)) continue;
    /* Too small a vector still gets the right answer (which clause, and
     * how many terms it wanted), through the scratch buffer. */
    fx_term_t *dst = c->nextract <= cap ? out : scratch;
    if (c->flat ? !run_flat(rt, p, c->start, t, dst, c->flat) : !run_clause(rt, p, c->start, t, dst, stack)) continue;
    if (nout) *nout = c->nextract;
    return dst == out ? (int)i : FX_ENOSPACE;
  }
  if (nout) *nout = 0;
  return -1;
}
