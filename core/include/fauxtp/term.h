/* Terms: the values processes exchange.
 *
 * A term is one 64-bit tagged word (fx_term_t), as on BEAM. Small integers,
 * atoms, local pids and [] are immediate; everything else is a pointer to a
 * boxed object (header word + payload) or to a cons cell.
 *
 *   low 3 bits  meaning
 *   000         boxed: pointer to a header word (8-aligned); 0 is FX_NONE
 *   001         small integer, 61-bit signed, value = (int64)t >> 3
 *   010         atom, index into the runtime's atom table = t >> 3
 *   011         local pid, fx_pid_t = t >> 3
 *   100         [] (nil); the only value with this tag is FX_NIL
 *   101         list: pointer to a cons cell {head, tail}, tag or'ed in
 *
 * Boxed header: low 7 bits kind (fx_box_kind_t), bit 7 a flag, upper 56
 * bits a size (tuple arity, binary byte length, bignum limbs, map pairs, ref
 * ids). The one flag today, FX_BOX_FLAG_BYTES, marks a binary its host sent
 * as bytes (a JavaScript Uint8Array, not a string): equal to the same bytes
 * in every comparison, it only tells the host which type to give back.
 *
 * Ownership: terms live in memory owned by someone else: a heap (fx_heap_t),
 * a message owned by a mailbox, or the caller's ETF decode buffer. A term is
 * valid as long as that owner is; sending copies it. Integers are canonical:
 * a value that fits 61 bits is always a small integer, never a bignum, so
 * equal integers have equal representations up to the box.
 */
#ifndef FAUXTP_TERM_H
#define FAUXTP_TERM_H

#include <stddef.h>
#include <stdint.h>

#include "fauxtp/error.h"

typedef uint64_t fx_term_t;
/* A local pid: slot index in the low 32 bits, generation above. */
typedef uint64_t fx_pid_t;

typedef struct fx_runtime fx_runtime_t;
typedef struct fx_heap fx_heap_t;

#define FX_TAG_MASK 7u
enum {
  FX_TAG_BOXED = 0,
  FX_TAG_SMALL = 1,
  FX_TAG_ATOM = 2,
  FX_TAG_PID = 3,
  FX_TAG_NIL = 4,
  FX_TAG_LIST = 5
};

typedef enum fx_box_kind {
  FX_BOX_TUPLE = 1,
  FX_BOX_FLOAT = 2,
  FX_BOX_BIGPOS = 3, /* magnitude limbs, little-endian uint64 */
  FX_BOX_BIGNEG = 4,
  FX_BOX_BINARY = 5,
  FX_BOX_MAP = 6,    /* n keys sorted in map-key order, then n values */
  FX_BOX_REF = 7,    /* node atom, creation, then n u32 ids packed 2 a word */
  FX_BOX_EXTPID = 8  /* a pid of another node: node atom, id|serial<<32, creation */
} fx_box_kind_t;

#define FX_NONE ((fx_term_t)0)
#define FX_NIL ((fx_term_t)FX_TAG_NIL)

#define FX_SMALL_MAX ((int64_t)((UINT64_C(1) << 60) - 1))
#define FX_SMALL_MIN (-FX_SMALL_MAX - 1)
#define FX_MAX_ATOM_CHARS 255
#define FX_PID_MAX_GEN ((UINT64_C(1) << 29) - 1)

/* The type of a term, as patterns and introspection see it. */
typedef enum fx_type {
  FX_T_NONE = 0,
  FX_T_INT,     /* small or big */
  FX_T_FLOAT,
  FX_T_ATOM,
  FX_T_BINARY,
  FX_T_TUPLE,
  FX_T_LIST,    /* [] or a cons cell */
  FX_T_MAP,
  FX_T_PID,     /* local or external */
  FX_T_REF
} fx_type_t;

/* ---- immediates and boxes (inline: these are on every hot path) ---- */

static inline unsigned fx_tag(fx_term_t t) { return (unsigned)(t & FX_TAG_MASK); }
static inline int fx_is_small(fx_term_t t) { return fx_tag(t) == FX_TAG_SMALL; }
static inline int fx_is_atom(fx_term_t t) { return fx_tag(t) == FX_TAG_ATOM; }
static inline int fx_is_local_pid(fx_term_t t) { return fx_tag(t) == FX_TAG_PID; }
static inline int fx_is_nil(fx_term_t t) { return t == FX_NIL; }
static inline int fx_is_cons(fx_term_t t) { return fx_tag(t) == FX_TAG_LIST; }
static inline int fx_is_boxed(fx_term_t t) { return t != FX_NONE && fx_tag(t) == FX_TAG_BOXED; }

static inline fx_term_t fx_small(int64_t v) { return ((uint64_t)v << 3) | FX_TAG_SMALL; }
static inline int64_t fx_small_value(fx_term_t t) { return (int64_t)t >> 3; }
static inline int fx_fits_small(int64_t v) { return v >= FX_SMALL_MIN && v <= FX_SMALL_MAX; }

static inline fx_term_t fx_atom_from_index(uint32_t i) { return ((uint64_t)i << 3) | FX_TAG_ATOM; }
static inline uint32_t fx_atom_index(fx_term_t t) { return (uint32_t)(t >> 3); }

static inline fx_term_t fx_pid_term(fx_pid_t p) { return (p << 3) | FX_TAG_PID; }
static inline fx_pid_t fx_term_pid(fx_term_t t) { return t >> 3; }
static inline fx_pid_t fx_pid_make(uint32_t index, uint32_t gen) { return ((uint64_t)gen << 32) | index; }
static inline uint32_t fx_pid_index(fx_pid_t p) { return (uint32_t)p; }
static inline uint32_t fx_pid_gen(fx_pid_t p) { return (uint32_t)(p >> 32); }

static inline const uint64_t *fx_box_ptr(fx_term_t t) { return (const uint64_t *)(uintptr_t)t; }
#define FX_BOX_KIND_MASK 0x7fu
#define FX_BOX_FLAG_BYTES 0x80u
static inline fx_box_kind_t fx_box_kind(fx_term_t t) { return (fx_box_kind_t)(fx_box_ptr(t)[0] & FX_BOX_KIND_MASK); }
static inline uint64_t fx_box_size(fx_term_t t) { return fx_box_ptr(t)[0] >> 8; }
static inline int fx_is_box_of(fx_term_t t, fx_box_kind_t k) { return fx_is_boxed(t) && fx_box_kind(t) == k; }

static inline int fx_is_tuple(fx_term_t t) { return fx_is_box_of(t, FX_BOX_TUPLE); }
static inline size_t fx_tuple_arity(fx_term_t t) { return (size_t)fx_box_size(t); }
static inline fx_term_t fx_tuple_get(fx_term_t t, size_t i) { return fx_box_ptr(t)[1 + i]; }

static inline const fx_term_t *fx_cons_ptr(fx_term_t t) { return (const fx_term_t *)(uintptr_t)(t & ~(uint64_t)FX_TAG_MASK); }
static inline fx_term_t fx_head(fx_term_t t) { return fx_cons_ptr(t)[0]; }
static inline fx_term_t fx_tail(fx_term_t t) { return fx_cons_ptr(t)[1]; }

static inline int fx_is_binary(fx_term_t t) { return fx_is_box_of(t, FX_BOX_BINARY); }
static inline size_t fx_binary_size(fx_term_t t) { return (size_t)fx_box_size(t); }
static inline int fx_binary_is_bytes(fx_term_t t) { return (fx_box_ptr(t)[0] & FX_BOX_FLAG_BYTES) != 0; }
static inline const uint8_t *fx_binary_data(fx_term_t t) { return (const uint8_t *)(fx_box_ptr(t) + 1); }

static inline int fx_is_float(fx_term_t t) { return fx_is_box_of(t, FX_BOX_FLOAT); }
double fx_float_value(fx_term_t t);

static inline int fx_is_map(fx_term_t t) { return fx_is_box_of(t, FX_BOX_MAP); }
static inline size_t fx_map_size(fx_term_t t) { return (size_t)fx_box_size(t); }
static inline fx_term_t fx_map_key(fx_term_t t, size_t i) { return fx_box_ptr(t)[1 + i]; }
static inline fx_term_t fx_map_value(fx_term_t t, size_t i) { return fx_box_ptr(t)[1 + fx_map_size(t) + i]; }

static inline int fx_is_bignum(fx_term_t t) { return fx_is_boxed(t) && (fx_box_kind(t) == FX_BOX_BIGPOS || fx_box_kind(t) == FX_BOX_BIGNEG); }
static inline int fx_is_integer(fx_term_t t) { return fx_is_small(t) || fx_is_bignum(t); }
static inline int fx_is_ref(fx_term_t t) { return fx_is_box_of(t, FX_BOX_REF); }
static inline int fx_is_pid(fx_term_t t) { return fx_is_local_pid(t) || fx_is_box_of(t, FX_BOX_EXTPID); }

fx_type_t fx_type_of(fx_term_t t);

/* ---- atoms: interned per runtime, never freed (as in Erlang) ---- */

/* Interns a UTF-8 atom of at most FX_MAX_ATOM_CHARS characters. */
int fx_atom(fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *out);
/* Same, for a NUL-terminated string. */
int fx_atom_cstr(fx_runtime_t *rt, const char *utf8, fx_term_t *out);
/* Looks an atom up without creating it: FX_ENOTFOUND when absent. */
int fx_atom_lookup(fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *out);
/* The atom's UTF-8 text (not NUL-terminated); NULL for a non-atom. */
const char *fx_atom_text(const fx_runtime_t *rt, fx_term_t atom, size_t *len);

/* Atoms every runtime has, at fixed indices (FX_ATOM_OK, FX_ATOM_TRUE, ...). */
#define FX_PREDEFINED_ATOMS(X)                                                 \
  X(FALSE, "false") X(TRUE, "true") X(NIL, "nil") X(UNDEFINED, "undefined")    \
  X(OK, "ok") X(ERROR, "error") X(NORMAL, "normal") X(KILL, "kill")            \
  X(KILLED, "killed") X(SHUTDOWN, "shutdown") X(NOPROC, "noproc")              \
  X(EXIT, "EXIT") X(DOWN, "DOWN") X(PROCESS, "process")                        \
  X(GEN_CALL, "$gen_call") X(GEN_CAST, "$gen_cast") X(TIMEOUT, "timeout")      \
  X(NONODE, "nonode@nohost") X(BADARG, "badarg") X(NOMEM, "nomem")            \
  X(PAT_ANY, "$fx_any") X(PAT_IGNORE, "$fx_ignore") X(PAT_TYPE, "$fx_type")    \
  X(PAT_MAP, "$fx_map") X(PAT_LITERAL, "$fx_literal")                          \
  X(INTEGER, "integer") X(FLOAT, "float") X(NUMBER, "number")                  \
  X(BINARY, "binary") X(STRING, "string") X(ATOM, "atom")                      \
  X(BOOLEAN, "boolean") X(TUPLE, "tuple") X(LIST, "list") X(MAP, "map")        \
  X(PID, "pid") X(REFERENCE, "reference") X(CALLBACK_FAILED, "callback_failed")\
  X(INIT, "init") X(HANDLE_CALL, "handle_call") X(HANDLE_CAST, "handle_cast") \
  X(HANDLE_INFO, "handle_info") X(TERMINATE, "terminate")                      \
  X(MAX_RESTARTS, "reached_max_restart_intensity") X(CALLING_SELF, "calling_self")\
  X(WHICH_CHILDREN, "which_children") X(COUNT_CHILDREN, "count_children")      \
  X(TERMINATE_CHILD, "terminate_child") X(RESTART_CHILD, "restart_child")      \
  X(SPECS, "specs") X(ACTIVE, "active") X(SUPERVISORS, "supervisors")          \
  X(WORKERS, "workers") X(NOT_FOUND, "not_found") X(RUNNING, "running")        \
  X(FX_TASK, "fx_task") X(TASK_JOIN, "$fx_task_join") X(TEXT, "text") X(BYTES, "bytes")  \
  X(CHILD_STARTED, "$fx_child_started") X(FAILED_TO_START_CHILD, "failed_to_start_child")

enum fx_predefined_atom_index {
#define FX__ATOM_INDEX(id, text) FX_ATOM_INDEX_##id,
  FX_PREDEFINED_ATOMS(FX__ATOM_INDEX)
#undef FX__ATOM_INDEX
  FX_ATOM_PREDEFINED_COUNT
};
#define FX_ATOM(id) fx_atom_from_index(FX_ATOM_INDEX_##id)
static inline fx_term_t fx_bool(int b) { return b ? FX_ATOM(TRUE) : FX_ATOM(FALSE); }

/* ---- heaps: arenas in which to build terms ---- */

/* A heap owns the terms built in it until it is reset or freed. */
int fx_heap_new(fx_runtime_t *rt, fx_heap_t **out);
void fx_heap_free(fx_heap_t *h);
/* Frees every term built in the heap, keeping one chunk of the usual size
 * (none made larger for one big term) for next time. */
void fx_heap_reset(fx_heap_t *h);
/* Raw words for a term builder (8-aligned); NULL when out of memory. */
uint64_t *fx_heap_alloc(fx_heap_t *h, size_t words);

/* Builders. Each writes *out and returns FX_OK, or an error (FX_ENOMEM). */
int fx_make_int(fx_heap_t *h, int64_t v, fx_term_t *out);
int fx_make_uint(fx_heap_t *h, uint64_t v, fx_term_t *out);
/* A bignum from little-endian magnitude limbs; normalised to small if it fits. */
int fx_make_bignum(fx_heap_t *h, int negative, const uint64_t *limbs, size_t n, fx_term_t *out);
int fx_make_float(fx_heap_t *h, double v, fx_term_t *out);
int fx_make_binary(fx_heap_t *h, const void *data, size_t len, fx_term_t *out);
int fx_make_string(fx_heap_t *h, const char *cstr, fx_term_t *out);
int fx_make_tuple(fx_heap_t *h, size_t arity, const fx_term_t *elems, fx_term_t *out);
/* A proper list of n elements ending in `tail` (FX_NIL for a proper list). */
int fx_make_list(fx_heap_t *h, size_t n, const fx_term_t *elems, fx_term_t tail, fx_term_t *out);
int fx_make_cons(fx_heap_t *h, fx_term_t head, fx_term_t tail, fx_term_t *out);
/* A map from n keys and values in any order; a repeated key keeps its last value. */
int fx_make_map(fx_heap_t *h, size_t n, const fx_term_t *keys, const fx_term_t *values, fx_term_t *out);
/* A fresh reference, unique within the runtime. */
int fx_make_ref(fx_runtime_t *rt, fx_heap_t *h, fx_term_t *out);

/* Convenience for small tuples: fx_tuple2(h, a, b, &out). */
int fx_tuple2(fx_heap_t *h, fx_term_t a, fx_term_t b, fx_term_t *out);
int fx_tuple3(fx_heap_t *h, fx_term_t a, fx_term_t b, fx_term_t c, fx_term_t *out);

/* ---- reading integers ---- */

/* FX_OK and *out when the integer fits int64; FX_ETOOBIG when it does not;
 * FX_EINVAL for a non-integer. */
int fx_get_int64(fx_term_t t, int64_t *out);

/* ---- comparison ---- */

/* Exact equality (Erlang =:=): 1 and 1.0 differ. */
int fx_term_equal(const fx_runtime_t *rt, fx_term_t a, fx_term_t b);
/* Erlang term order: number < atom < reference < pid < tuple < map < nil
 * < list < binary. Returns <0, 0 or >0. Integers and floats compare by value
 * (1 == 1.0 here, as Erlang's ==). */
int fx_term_compare(const fx_runtime_t *rt, fx_term_t a, fx_term_t b);
/* The order of map keys: as term order, but every integer sorts before
 * every float (so 1 and 1.0 are distinct keys). */
int fx_term_compare_keys(const fx_runtime_t *rt, fx_term_t a, fx_term_t b);
/* Index of `key` in a map, or -1. */
long fx_map_find(const fx_runtime_t *rt, fx_term_t map, fx_term_t key);

/* ---- copying ---- */

/* Words a deep copy of t needs. */
size_t fx_term_words(fx_term_t t);
/* Deep-copies t into `words` (at least fx_term_words(t) long). */
fx_term_t fx_term_copy(fx_term_t t, uint64_t *words);
/* Deep-copies t into heap h. */
int fx_heap_copy(fx_heap_t *h, fx_term_t t, fx_term_t *out);

/* ---- printing (for humans, tests and errors) ---- */

/* Writes Erlang-like text ({ok,<0.3.1>,[1,2]}) into buf, always
 * NUL-terminated when cap > 0; returns the length the full text needs. */
size_t fx_term_format(const fx_runtime_t *rt, fx_term_t t, char *buf, size_t cap);

#endif
