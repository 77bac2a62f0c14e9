/* Messages: a copied term in ONE allocation (the fx_msg_t header followed by
 * its words), owned by whoever holds the message (a mailbox, a timer, an
 * exit signal). Small messages are the common case, so those are
 * allocated at one of two sizes (FX_MSG_TINY_WORDS, FX_MSG_POOL_WORDS) and
 * recycled through a free list each on the runtime (rt->msg_pool) instead
 * of going back to the allocator each time. */
#include "fx_runtime.h"

static size_t msg_bytes(size_t words) { return sizeof(fx_msg_t) + words * sizeof(uint64_t); }

/* fx__msg_alloc's slow path: the pool is empty, or the message is big. */
fx_msg_t *fx__msg_alloc_new(fx_runtime_t *rt, size_t nwords) {
  /* nwords must fit the header's uint32 and the byte size a size_t. */
  if (!rt || nwords > UINT32_MAX || nwords > (SIZE_MAX - sizeof(fx_msg_t)) / sizeof(uint64_t)) return NULL;
  size_t cap = nwords <= FX_MSG_TINY_WORDS ? FX_MSG_TINY_WORDS : nwords <= FX_MSG_POOL_WORDS ? FX_MSG_POOL_WORDS : nwords;
  fx_msg_t *m = fx__alloc(rt, msg_bytes(cap));
  if (!m) return NULL;
  m->next = NULL;
  m->term = FX_NONE;
  m->from = 0;
  m->nwords = (uint32_t)nwords;
  m->alloc_words = (uint32_t)cap;
  return m;
}

/* fx__msg_free's slow path: a big message, or the pool is full. */
void fx__msg_release(fx_runtime_t *rt, fx_msg_t *m) { fx__free(rt, m, msg_bytes(m->alloc_words)); }

void fx__msg_pool_free(fx_runtime_t *rt) {
  for (int i = 0; i < 2; i++) {
    while (rt->msg_pool[i]) {
      fx_msg_t *m = rt->msg_pool[i];
      rt->msg_pool[i] = m->next;
      fx__msg_release(rt, m);
    }
    rt->msg_pool_len[i] = 0;
  }
}

/* Most messages are an immediate or a small tuple of immediates ({tag, N},
 * {'$gen_cast', ping}): copied without the general walk. */
static int copy_flat_tuple(fx_runtime_t *rt, fx_term_t t, fx_msg_t **out) {
  size_t arity = fx_tuple_arity(t);
  const uint64_t *src = fx_box_ptr(t);
  for (size_t i = 1; i <= arity; i++) {
    unsigned tag = fx_tag(src[i]); /* FX_NONE has the boxed tag too */
    if (tag == FX_TAG_BOXED || tag == FX_TAG_LIST) return 0;
  }
  fx_msg_t *m = fx__msg_alloc(rt, arity + 1);
  if (!m) return -1;
  for (size_t i = 0; i <= arity; i++) m->words[i] = src[i]; /* tiny: no memcpy call */
  m->term = fx__box(m->words);
  *out = m;
  return 1;
}

/* Any other term: measured, then copied by the general walk. */
static FX__NOINLINE int copy_any(fx_runtime_t *rt, fx_term_t t, fx_msg_t **out) {
  size_t words = fx_term_words(t);
  if (words == SIZE_MAX) return FX_ETOODEEP;
  fx_msg_t *m = fx__msg_alloc(rt, words);
  if (!m) return FX_ENOMEM;
  m->term = fx_term_copy(t, m->words);
  *out = m;
  return FX_OK;
}

int fx__msg_from_term(fx_runtime_t *rt, fx_term_t t, fx_msg_t **out) {
  if (!rt || !out || !fx__is_term(t)) return FX_EINVAL;
  if (!fx_is_boxed(t) && !fx_is_cons(t)) { /* an immediate: nothing to copy */
    fx_msg_t *m = fx__msg_alloc(rt, 0);
    if (!m) return FX_ENOMEM;
    m->term = t;
    *out = m;
    return FX_OK;
  }
  if (fx_is_tuple(t) && fx_tuple_arity(t) <= FX_MSG_POOL_WORDS - 1) {
    int done = copy_flat_tuple(rt, t, out);
    if (done) return done > 0 ? FX_OK : FX_ENOMEM;
  }
  return copy_any(rt, t, out);
}
