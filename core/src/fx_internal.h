/* Private to the core: the runtime's layout and the helpers modules share.
 * Never installed, never included by users. Internal names use `fx__`. */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fauxtp/error.h"
#include "fauxtp/etf.h"
#include "fauxtp/pattern.h"
#include "fauxtp/process.h"
#include "fauxtp/runtime.h"
#include "fauxtp/term.h"

/* ---- memory ---- */

void *fx__alloc(fx_runtime_t *rt, size_t size);
void *fx__calloc(fx_runtime_t *rt, size_t size);
void *fx__realloc(fx_runtime_t *rt, void *p, size_t osize, size_t nsize);
void fx__free(fx_runtime_t *rt, void *p, size_t size);
/* Zeroed blocks of at most FX_SMALL_BYTES for the core's own small records
 * (monitors, signals, links), recycled through a free list so that a
 * monitor or a link costs no trip to the allocator. */
#define FX_SMALL_BYTES 64
void *fx__alloc_small(fx_runtime_t *rt);
void fx__free_small(fx_runtime_t *rt, void *p);
void fx__small_pool_free(fx_runtime_t *rt);

/* ---- atoms ---- */

typedef struct fx_atom_entry {
  const char *text; /* owned, NUL-terminated for convenience */
  uint32_t len;
  uint32_t hash;
} fx_atom_entry_t;

typedef struct fx_atom_table {
  fx_atom_entry_t *entries; /* by index */
  uint32_t count, cap;
  uint32_t *slots; /* open addressing: index + 1, 0 empty */
  uint32_t nslots; /* power of two */
} fx_atom_table_t;

#define FX_MAX_ATOMS (UINT32_C(1) << 20)

int fx__atoms_init(fx_runtime_t *rt);
void fx__atoms_free(fx_runtime_t *rt);
/* Validates UTF-8 and the 255-character limit. */
int fx__utf8_atom_check(const char *s, size_t len);
/* Small ETF read in one pass into `words` (FX__ETF_SMALL_WORDS long, on
 * the caller's stack), for the caller to copy at its size: cheaper than
 * measuring first (a second parse, each atom looked up again). FX_ENOSPACE
 * when the input is bigger (then measure and decode as usual); errors are
 * those fx_etf_measure would report. */
#define FX__ETF_SMALL_BYTES 128
#define FX__ETF_SMALL_WORDS 16
int fx__etf_decode_small(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint64_t *words, fx_term_t *out);
/* Checks atom text as fx_atom would, without adding it: *known is its atom
 * when the table has it (no check needed then), else FX_NONE. */
int fx__atom_checked(const fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *known);
/* 1 when the bytes are well-formed UTF-8. */
int fx__utf8_valid(const uint8_t *p, size_t len);

/* Keeps a function out of its callers: a leaf helper with big locals out
 * of a recursive walker's frame (its scratch would be paid at every level
 * of nesting; wasm stacks are small), or a slow path out of a hot one
 * (whose prologue would otherwise save the registers the slow path uses). */
#if defined(__GNUC__) || defined(__clang__)
#define FX__NOINLINE __attribute__((noinline))
#else
#define FX__NOINLINE
#endif

/* ---- heaps ---- */

typedef struct fx_heap_chunk {
  struct fx_heap_chunk *next;
  size_t cap; /* words */
  size_t used;
  uint64_t words[];
} fx_heap_chunk_t;

struct fx_heap {
  fx_runtime_t *rt;
  fx_heap_chunk_t *chunk;
};

void fx__heap_init(fx_runtime_t *rt, fx_heap_t *h);
void fx__heap_release(fx_heap_t *h);

/* fx_heap_alloc, with the common case (the words fit the current chunk)
 * inline: building a message's term costs a few instructions, not a call. */
uint64_t *fx__heap_alloc_chunk(fx_heap_t *h, size_t words);
static inline uint64_t *fx__heap_alloc(fx_heap_t *h, size_t words) {
  fx_heap_chunk_t *c = h ? h->chunk : NULL;
  if (c && words && c->cap - c->used >= words) {
    uint64_t *p = c->words + c->used;
    c->used += words;
    return p;
  }
  return h ? fx__heap_alloc_chunk(h, words) : NULL;
}

typedef struct fx__heap_mark {
  fx_heap_chunk_t *chunk;
  size_t used;
} fx__heap_mark_t;
static inline fx__heap_mark_t fx__heap_mark(const fx_heap_t *h) {
  fx__heap_mark_t m = {h->chunk, h->chunk ? h->chunk->used : 0};
  return m;
}
/* Frees everything allocated in h since the mark was taken; inline when
 * that stayed within the marked chunk (every callback's common case). */
void fx__heap_release_chunks(fx_heap_t *h, fx__heap_mark_t m);
static inline void fx__heap_release_to(fx_heap_t *h, fx__heap_mark_t m) {
  if (h->chunk != m.chunk) fx__heap_release_chunks(h, m);
  else if (m.chunk) m.chunk->used = m.used;
}

static inline fx_term_t fx__box(const uint64_t *p) { return (fx_term_t)(uintptr_t)p; }
static inline uint64_t fx__header(fx_box_kind_t k, uint64_t size) { return (size << 8) | (uint64_t)k; }
static inline fx_term_t fx__cons(const uint64_t *cell) { return (fx_term_t)(uintptr_t)cell | FX_TAG_LIST; }
/* A word that can be a term: not FX_NONE, a known tag, [] only as FX_NIL. */
static inline int fx__is_term(fx_term_t t) {
  return t != FX_NONE && fx_tag(t) <= FX_TAG_LIST && (fx_tag(t) != FX_TAG_NIL || t == FX_NIL);
}
/* Deepest nesting, not counting last children (list tails, a tuple's last
 * element, a map's last value), that fx_term_words accepts: beyond it, it
 * returns SIZE_MAX and copies fail with FX_ETOODEEP, so the recursive
 * walkers never see deeper terms in messages. Far above FX_ETF_MAX_DEPTH. */
#define FX__COPY_MAX_DEPTH 4096u
/* Words a boxed object's payload occupies after its header. */
size_t fx__box_payload_words(fx_term_t t);
static inline size_t fx__binary_words(size_t bytes) { return (bytes + 7) / 8; }
/* Words for a ref with n ids: node, creation, ids packed two a word. */
static inline size_t fx__ref_words(size_t nids) { return 2 + (nids + 1) / 2; }
static inline uint32_t fx__ref_id(fx_term_t ref, size_t i) {
  uint64_t w = fx_box_ptr(ref)[3 + i / 2];
  return (uint32_t)(i % 2 ? w >> 32 : w);
}

/* ---- messages: one allocation each, owned by a mailbox ---- */

typedef struct fx_msg {
  struct fx_msg *next;
  fx_term_t term;
  fx_pid_t from; /* 0 when sent from outside any process */
  uint32_t nwords;
  uint32_t alloc_words; /* capacity of words[] (messages are recycled) */
  uint64_t words[];
} fx_msg_t;

/* fx__msg_alloc and fx__msg_free, inline over the runtime's pool of small
 * messages, are in fx_runtime.h. */
/* A message holding a copy of t. */
int fx__msg_from_term(fx_runtime_t *rt, fx_term_t t, fx_msg_t **out);
/* Frees the recycled messages (fx_runtime_free). */
void fx__msg_pool_free(fx_runtime_t *rt);


/* ---- accessors the term modules need from the runtime ---- */

const fx_atom_entry_t *fx__atom_entry(const fx_runtime_t *rt, uint32_t index);
/* This runtime's node name (an atom) and creation, written into pids and
 * refs so Erlang can tell them apart from its own. */
fx_term_t fx__node(const fx_runtime_t *rt);
uint32_t fx__creation(const fx_runtime_t *rt);
/* This runtime's refs: each is a 64-bit key from a counter, spread over
 * three u32 ids as Erlang does (18 bits in the first). A ref box takes
 * FX__LOCAL_REF_WORDS words. */
#define FX__LOCAL_REF_WORDS (1 + 2 + 2)
uint64_t fx__new_ref_key(fx_runtime_t *rt);
/* Writes the ref with this key at w; returns it. */
fx_term_t fx__ref_write(const fx_runtime_t *rt, uint64_t *w, uint64_t key);

#endif
