/* Heaps: chunked bump arenas for building terms. */
#include "fx_runtime.h"

#define FX_HEAP_CHUNK_WORDS 256

void fx__heap_init(fx_runtime_t *rt, fx_heap_t *h) {
  h->rt = rt;
  h->chunk = NULL;
}

void fx__heap_release(fx_heap_t *h) {
  while (h->chunk) {
    fx_heap_chunk_t *next = h->chunk->next;
    fx__free(h->rt, h->chunk, sizeof *h->chunk + h->chunk->cap * 8);
    h->chunk = next;
  }
}

int fx_heap_new(fx_runtime_t *rt, fx_heap_t **out) {
  if (!rt || !out) return FX_EINVAL;
  fx_heap_t *h = fx__alloc(rt, sizeof *h);
  if (!h) return FX_ENOMEM;
  fx__heap_init(rt, h);
  *out = h;
  return FX_OK;
}

void fx_heap_free(fx_heap_t *h) {
  if (!h) return;
  fx__heap_release(h);
  fx__free(h->rt, h, sizeof *h);
}

void fx_heap_reset(fx_heap_t *h) {
  if (!h) return;
  fx_heap_chunk_t *only = h->chunk;
  if (only && !only->next && only->cap <= FX_HEAP_CHUNK_WORDS) { /* the usual case: nothing to free */
    only->used = 0;
    return;
  }
  /* Keep one chunk of the usual size (the oldest) for next time. One made
   * bigger for a single large term goes: else a heap that met one large
   * term first would hold its memory for life. */
  fx_heap_chunk_t *keep = NULL;
  for (fx_heap_chunk_t *c = h->chunk, *next; c; c = next) {
    next = c->next;
    if (c->cap <= FX_HEAP_CHUNK_WORDS) {
      if (keep) fx__free(h->rt, keep, sizeof *keep + keep->cap * 8);
      keep = c;
    } else {
      fx__free(h->rt, c, sizeof *c + c->cap * 8);
    }
  }
  if (keep) {
    keep->next = NULL;
    keep->used = 0;
  }
  h->chunk = keep;
}

uint64_t *fx_heap_alloc(fx_heap_t *h, size_t words) { return fx__heap_alloc(h, words); }

/* The slow path of fx__heap_alloc: a zero-word request, or a new chunk. */
uint64_t *fx__heap_alloc_chunk(fx_heap_t *h, size_t words) {
  if (words == 0) words = 1;
  fx_heap_chunk_t *c = h->chunk;
  if (c && c->cap - c->used >= words) {
    uint64_t *p = c->words + c->used;
    c->used += words;
    return p;
  }
  size_t cap = words > FX_HEAP_CHUNK_WORDS ? words : FX_HEAP_CHUNK_WORDS;
  if (cap > (SIZE_MAX - sizeof *c) / 8) return NULL;
  c = fx__alloc(h->rt, sizeof *c + cap * 8);
  if (!c) return NULL;
  c->cap = cap;
  c->used = words;
  c->next = h->chunk;
  h->chunk = c;
  return c->words;
}

/* Marks let nested callbacks share one scratch heap: each callback frees
 * what it built, and only that, when it returns (fx__heap_release_to; this
 * is its slow path, when chunks were added since the mark). */
void fx__heap_release_chunks(fx_heap_t *h, fx__heap_mark_t m) {
  /* Released to empty: keep the first chunk for next time, so a callback
   * that builds a term does not cost a malloc and a free. */
  if (!m.chunk) {
    fx_heap_reset(h);
    return;
  }
  while (h->chunk && h->chunk != m.chunk) {
    fx_heap_chunk_t *next = h->chunk->next;
    fx__free(h->rt, h->chunk, sizeof *h->chunk + h->chunk->cap * 8);
    h->chunk = next;
  }
  if (h->chunk) h->chunk->used = m.used;
}
