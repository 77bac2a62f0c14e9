/* call and reply. A pending call is a slot in rt->calls, named by its ref:
 * a call ref's key has bit 63 set (make_ref's counter never gets there),
 * the slot's generation in bits 32-62 and its index in bits 0-31, so a
 * reply finds its call without hashing and a stale ref (a late reply, one
 * to a slot reused since) meets another generation and is dropped.
 *
 * A call completes exactly once: with the reply, with its server's exit
 * reason (it sits in the server's `calls` list), or with a timeout (it sits
 * in the fresh list, then in the deadline list, which the timer pass reads
 * next to the timer heap).
 * Completing it only unlinks it from two lists: no allocation, no monitor,
 * no heap operation per call. */
#include "fauxtp/host.h"
#include "fx_sched.h"

#define CALL_KEY_BIT (UINT64_C(1) << 63)
#define GEN_MASK UINT32_C(0x7fffffff)
#define FIRST_CAP 16

static uint64_t call_key(uint32_t index, uint32_t gen) { return CALL_KEY_BIT | (uint64_t)gen << 32 | index; }

/* The pending call a key names, or 0. */
static uint32_t call_lookup(const fx_runtime_t *rt, uint64_t key) {
  uint32_t index = (uint32_t)key;
  if (!(key & CALL_KEY_BIT) || index == 0 || index >= rt->calls_cap) return 0;
  const fx_call_t *c = &rt->calls[index];
  return c->cb && c->gen == ((uint32_t)(key >> 32) & GEN_MASK) ? index : 0;
}

/* Doubles the slot array and puts the new slots on the free list (lowest
 * index first). Slot 0 is never used: index 0 ends every list. */
static int calls_grow(fx_runtime_t *rt) {
  uint32_t cap = rt->calls_cap, ncap = cap ? cap * 2 : FIRST_CAP;
  size_t bytes = (size_t)ncap * sizeof(fx_call_t);
  if (cap > GEN_MASK || bytes / sizeof(fx_call_t) != ncap) return FX_ENOMEM; /* an index fits 32 bits, the array a size_t */
  fx_call_t *a = fx__realloc(rt, rt->calls, cap * sizeof *a, bytes);
  if (!a) return FX_ENOMEM;
  memset(a + cap, 0, (ncap - cap) * sizeof *a);
  for (uint32_t i = ncap - 1; i >= (cap ? cap : 1); i--) {
    a[i].snext = rt->call_free;
    rt->call_free = i;
  }
  rt->calls = a;
  rt->calls_cap = ncap;
  return FX_OK;
}

/* Into the deadline list after every call due no later: equal deadlines
 * keep call order (calls enter it in call order, see below). New calls
 * are due last almost always (one timeout, a clock that never goes back),
 * so this is an append. */
static void deadline_insert(fx_runtime_t *rt, uint32_t index, int64_t due) {
  fx_call_t *a = rt->calls, *c = &a[index];
  c->due = due;
  c->timing = FX_CALL_TIMED;
  uint32_t prev = rt->call_dtail;
  while (prev && a[prev].due > due) prev = a[prev].dprev;
  c->dprev = prev;
  c->dnext = prev ? a[prev].dnext : rt->call_dhead;
  if (prev) a[prev].dnext = index;
  else rt->call_dhead = index;
  if (c->dnext) a[c->dnext].dprev = index;
  else rt->call_dtail = index;
}

/* A call with a timeout starts fresh: its timeout counts from the next
 * reading of the clock, which comes after fx_call, so it never ends less
 * than timeout_ms after fx_call; fx_call reads no clock itself (natively a
 * reading costs about a quarter of a whole call round trip). The run pass
 * that follows reads it once the pass is over if the call still waits (a
 * call answered within the pass needs no reading), as does anything else
 * that starts a timer. */
static void fresh_append(fx_runtime_t *rt, uint32_t index, int64_t timeout_ms) {
  fx_call_t *a = rt->calls, *c = &a[index];
  c->due = timeout_ms;
  c->seq = rt->timer_seq++;
  c->timing = FX_CALL_FRESH;
  c->dnext = 0;
  c->dprev = rt->call_ftail;
  if (rt->call_ftail) {
    a[rt->call_ftail].dnext = index;
    if (timeout_ms < rt->call_fresh_min) rt->call_fresh_min = timeout_ms;
  } else {
    rt->call_fhead = index;
    rt->call_fresh_min = timeout_ms;
  }
  rt->call_ftail = index;
}

void fx__calls_start_timeouts(fx_runtime_t *rt) {
  /* Oldest first, so that the deadline list sees calls in call order. */
  while (rt->call_fhead) {
    uint32_t index = rt->call_fhead;
    rt->call_fhead = rt->calls[index].dnext;
    deadline_insert(rt, index, fx__time_after(rt->now, rt->calls[index].due));
  }
  rt->call_ftail = 0;
}

/* Takes c (at index) out of the list whose ends are *head and *tail. */
static void list_remove(fx_call_t *a, const fx_call_t *c, uint32_t *head, uint32_t *tail) {
  if (c->dprev) a[c->dprev].dnext = c->dnext;
  else *head = c->dnext;
  if (c->dnext) a[c->dnext].dprev = c->dprev;
  else *tail = c->dprev;
}

/* Takes the call at index out of its lists and frees its slot. */
static void release(fx_runtime_t *rt, uint32_t index) {
  fx_call_t *a = rt->calls, *c = &a[index];
  if (c->sprev) a[c->sprev].snext = c->snext;
  else c->server->calls = c->snext;
  if (c->snext) a[c->snext].sprev = c->sprev;
  if (c->timing == FX_CALL_TIMED) list_remove(a, c, &rt->call_dhead, &rt->call_dtail);
  else if (c->timing == FX_CALL_FRESH) list_remove(a, c, &rt->call_fhead, &rt->call_ftail);
  c->cb = NULL;
  c->gen = (c->gen + 1) & GEN_MASK;
  c->snext = rt->call_free;
  rt->call_free = index;
}

static void complete(fx_runtime_t *rt, uint32_t index, int status, fx_term_t value) {
  fx_call_cb cb = rt->calls[index].cb;
  void *ud = rt->calls[index].ud;
  release(rt, index);
  /* The completion acts for the caller, not for the server whose reply
   * (or exit) runs it: a call it makes is not the server calling itself. */
  fx_proc_t *server = rt->current;
  rt->current = NULL;
  cb(rt, ud, status, value);
  rt->current = server;
}

void fx__call_expire_first(fx_runtime_t *rt) { complete(rt, rt->call_dhead, FX_ETIMEDOUT, FX_ATOM(TIMEOUT)); }

void fx__calls_server_down(fx_runtime_t *rt, fx_proc_ext_t *ext, fx_term_t reason) {
  while (ext->calls) complete(rt, ext->calls, FX_EEXIT, reason);
}

size_t fx__calls_waiting(const fx_runtime_t *rt, const fx_proc_ext_t *ext) {
  size_t n = 0;
  for (uint32_t i = ext->calls; i; i = rt->calls[i].snext) n++;
  return n;
}

/* {'$gen_call', {Caller, Ref}, Req} built straight into its message block
 * (no scratch terms, no second copy), Ref being the call's key. */
static int call_message(fx_runtime_t *rt, fx_term_t req, uint64_t key, fx_msg_t **out) {
  enum { OUTER = 0, FROM = 4, REF = 7, REQ = REF + FX__LOCAL_REF_WORDS };
  size_t req_words = fx_term_words(req);
  if (req_words == SIZE_MAX) return FX_ETOODEEP;
  fx_msg_t *m = fx__msg_alloc(rt, REQ + req_words);
  if (!m) return FX_ENOMEM;
  uint64_t *w = m->words;
  w[FROM] = fx__header(FX_BOX_TUPLE, 2);
  w[FROM + 1] = fx_pid_term(rt->current ? rt->current->pid : 0);
  w[FROM + 2] = fx__ref_write(rt, w + REF, key);
  w[OUTER] = fx__header(FX_BOX_TUPLE, 3);
  w[OUTER + 1] = FX_ATOM(GEN_CALL);
  w[OUTER + 2] = fx__box(w + FROM);
  w[OUTER + 3] = fx_term_copy(req, w + REQ);
  m->term = fx__box(w);
  m->from = rt->current ? rt->current->pid : 0;
  *out = m;
  return FX_OK;
}

int fx_call(fx_runtime_t *rt, fx_term_t to, fx_term_t req, int64_t timeout_ms, fx_call_cb cb, void *ud, uint64_t *call_id) {
  if (!rt || !cb || req == FX_NONE || timeout_ms < FX_INFINITY) return FX_EINVAL;
  fx_pid_t pid;
  int err = fx__resolve(rt, to, &pid);
  if (err) return err;
  fx_proc_t *server = fx__proc_get(rt, pid);
  if (!server) return FX_ENOPROC;
  if (server == rt->current) return FX_EINVAL; /* it would wait for itself */
  if (!fx__is_term(req)) return FX_EINVAL;
  /* Everything that can fail comes first: a failure leaves no trace (a
   * grown array or a process extension are just there for later). */
  fx_proc_ext_t *ext = fx__proc_ext(server);
  if (!ext) return FX_ENOMEM;
  if (!rt->call_free && (err = calls_grow(rt)) != FX_OK) return err;
  uint32_t index = rt->call_free;
  uint64_t key = call_key(index, rt->calls[index].gen);
  fx_msg_t *msg;
  if ((err = call_message(rt, req, key, &msg)) != FX_OK) return err;
  fx_call_t *a = rt->calls, *c = &a[index];
  rt->call_free = c->snext;
  c->cb = cb;
  c->ud = ud;
  c->server = ext;
  c->sprev = 0;
  c->snext = ext->calls;
  if (c->snext) a[c->snext].sprev = index;
  ext->calls = index;
  if (timeout_ms >= 0) fresh_append(rt, index, timeout_ms);
  else c->timing = FX_CALL_UNTIMED;
  fx__mailbox_push(rt, server, msg);
  if (call_id) *call_id = key;
  fx__host_match_now(rt, server);
  return FX_OK;
}

int fx_reply(fx_runtime_t *rt, fx_term_t from, fx_term_t reply) {
  if (!rt || reply == FX_NONE || !fx_is_tuple(from) || fx_tuple_arity(from) != 2) return FX_EINVAL;
  fx_term_t to = fx_tuple_get(from, 0), ref = fx_tuple_get(from, 1);
  if (!fx_is_ref(ref)) return FX_EINVAL;
  uint64_t key = fx__ref_key(rt, ref);
  if (key) {
    uint32_t index = call_lookup(rt, key);
    if (index) complete(rt, index, FX_OK, reply); /* else it completed already */
    return FX_OK;
  }
  /* A caller from elsewhere (an Erlang-style {Pid, Tag}): reply as gen does. */
  if (!fx_is_local_pid(to)) return FX_EINVAL;
  fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
  fx_term_t msg;
  int err = fx_tuple2(&rt->scratch, ref, reply, &msg);
  if (!err) err = fx__send_term(rt, fx_term_pid(to), msg);
  fx__heap_release_to(&rt->scratch, mark);
  return err;
}

int fx_host_take_call(fx_runtime_t *rt, fx_term_t ref, uint64_t *call_id) {
  if (!rt || !call_id || !fx_is_ref(ref)) return FX_EINVAL;
  uint64_t key = fx__ref_key(rt, ref);
  uint32_t index = key ? call_lookup(rt, key) : 0;
  if (!index || rt->calls[index].cb != fx__host_call_done) return 0;
  fx__host_event_free(rt, rt->calls[index].ud); /* the event it would have queued */
  release(rt, index);
  *call_id = key;
  return 1;
}

void fx__calls_free(fx_runtime_t *rt) {
  for (uint32_t i = 1; i < rt->calls_cap; i++) {
    fx_call_t *c = &rt->calls[i];
    if (c->cb == fx__host_call_done) fx__host_event_free(rt, c->ud); /* the host's event */
  }
  fx__free(rt, rt->calls, rt->calls_cap * sizeof *rt->calls);
  rt->calls = NULL;
  rt->calls_cap = rt->call_free = rt->call_dhead = rt->call_dtail = rt->call_fhead = rt->call_ftail = 0;
}
