/* send, cast, call and reply. A call is a pending entry keyed by a fresh
 * ref: it monitors the server, holds a timer, and completes exactly once,
 * with the reply, the server's exit reason, or a timeout. Anything that
 * arrives for it later finds no entry and is dropped, so a late reply never
 * lands in anyone's mailbox. */
#include "fx_sched.h"

static int resolve(const fx_runtime_t *rt, fx_term_t to, fx_pid_t *pid) {
  if (fx_is_local_pid(to)) {
    *pid = fx_term_pid(to);
    return FX_OK;
  }
  if (fx_is_atom(to)) return fx_whereis(rt, to, pid);
  return FX_EINVAL;
}

int fx_send(fx_runtime_t *rt, fx_term_t to, fx_term_t msg) {
  if (!rt || msg == FX_NONE) return FX_EINVAL;
  fx_pid_t pid;
  int err = resolve(rt, to, &pid);
  return err ? err : fx__send_term(rt, pid, msg);
}

/* Small input: read in one pass into words on the stack, then copied into
 * a message block of the right size; the copy of a few words costs less
 * than the measuring pass (a second parse, each atom looked up again). */
#define SMALL_ETF_BYTES 128

static int etf_message(fx_runtime_t *rt, const uint8_t *etf, size_t len, fx_msg_t **out) {
  int err;
  if (len <= SMALL_ETF_BYTES) {
    uint64_t words[FX_MSG_POOL_WORDS];
    fx_term_t t;
    err = fx_etf_decode_into(rt, etf, len, words, FX_MSG_POOL_WORDS, &t);
    if (err != FX_ENOSPACE) return err ? fx__etf_error(rt, etf, len, err) : fx__msg_from_term(rt, t, out);
  }
  size_t words;
  if ((err = fx_etf_measure(rt, etf, len, &words)) != FX_OK) return err;
  fx_msg_t *m = fx__msg_alloc(rt, words);
  if (!m) return FX_ENOMEM;
  if ((err = fx_etf_decode_into(rt, etf, len, m->words, words, &m->term)) != FX_OK) {
    fx__msg_free(rt, m);
    return err;
  }
  *out = m;
  return FX_OK;
}

int fx_send_etf(fx_runtime_t *rt, fx_term_t to, const uint8_t *etf, size_t len) {
  if (!rt || (!etf && len)) return FX_EINVAL;
  fx_pid_t pid;
  fx_msg_t *m;
  int err = resolve(rt, to, &pid);
  if (!err) err = etf_message(rt, etf, len, &m);
  if (err) return err;
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) { /* a dead pid drops the message, once it is known to be valid */
    fx__msg_free(rt, m);
    return FX_OK;
  }
  m->from = rt->current ? rt->current->pid : 0;
  fx__mailbox_push(rt, p, m);
  return FX_OK;
}

int fx_cast(fx_runtime_t *rt, fx_term_t to, fx_term_t req) {
  if (!rt || req == FX_NONE) return FX_EINVAL;
  fx_pid_t pid;
  int err = resolve(rt, to, &pid);
  if (err) return err;
  fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
  fx_term_t msg;
  err = fx_tuple2(&rt->scratch, FX_ATOM(GEN_CAST), req, &msg);
  if (!err) err = fx__send_term(rt, pid, msg);
  fx__heap_release_to(&rt->scratch, mark);
  return err;
}

/* ---- calls ---- */

static void complete(fx_runtime_t *rt, uint64_t key, int status, fx_term_t value) {
  uint64_t v;
  if (!fx__map64_remove(&rt->calls, key, &v)) return;
  fx_call_t *c = (fx_call_t *)(uintptr_t)v;
  if (c->timer) fx__timer_cancel(rt, c->timer);
  if (c->monitor) fx__monitor_free(rt, c->monitor);
  fx_call_cb cb = c->cb;
  void *ud = c->ud;
  fx__free_small(rt, c);
  /* The completion acts for the caller, not for the server whose reply
   * (or exit) runs it: a call it makes is not the server calling itself. */
  fx_proc_t *server = rt->current;
  rt->current = NULL;
  cb(rt, ud, status, value);
  rt->current = server;
}

static void call_timeout(fx_runtime_t *rt, void *ud, uint64_t key) {
  (void)ud;
  uint64_t v;
  if (fx__map64_get(&rt->calls, key, &v)) ((fx_call_t *)(uintptr_t)v)->timer = 0;
  complete(rt, key, FX_ETIMEDOUT, FX_ATOM(TIMEOUT));
}

void fx__call_server_down(fx_runtime_t *rt, fx_monitor_t *m, fx_term_t reason) {
  uint64_t key = m->key, v;
  fx__monitor_free(rt, m); /* the server is exiting: its monitor goes now */
  if (!fx__map64_get(&rt->calls, key, &v)) return;
  ((fx_call_t *)(uintptr_t)v)->monitor = NULL;
  complete(rt, key, FX_EEXIT, reason);
}

/* {'$gen_call', {Caller, Ref}, Req} built straight into its message block
 * (no scratch terms, no second copy); *key gets the fresh ref's key. */
static int call_message(fx_runtime_t *rt, fx_term_t req, uint64_t *key, fx_msg_t **out) {
  enum { OUTER = 0, FROM = 4, REF = 7, REQ = REF + FX__LOCAL_REF_WORDS };
  size_t req_words = fx_term_words(req);
  if (req_words == SIZE_MAX) return FX_ETOODEEP;
  fx_msg_t *m = fx__msg_alloc(rt, REQ + req_words);
  if (!m) return FX_ENOMEM;
  uint64_t *w = m->words;
  *key = fx__new_ref_key(rt);
  w[FROM] = fx__header(FX_BOX_TUPLE, 2);
  w[FROM + 1] = fx_pid_term(rt->current ? rt->current->pid : 0);
  w[FROM + 2] = fx__ref_write(rt, w + REF, *key);
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
  int err = resolve(rt, to, &pid);
  if (err) return err;
  fx_proc_t *server = fx__proc_get(rt, pid);
  if (!server) return FX_ENOPROC;
  if (server == rt->current) return FX_EINVAL; /* it would wait for itself */
  if (!fx__is_term(req)) return FX_EINVAL;
  fx_msg_t *msg = NULL;
  fx_call_t *c = NULL;
  uint64_t key = 0;
  if ((err = call_message(rt, req, &key, &msg)) != FX_OK) return err;
  if (!(c = fx__alloc_small(rt))) {
    err = FX_ENOMEM;
    goto fail;
  }
  c->id = key;
  c->cb = cb;
  c->ud = ud;
  c->target = pid;
  if ((err = fx__map64_put(rt, &rt->calls, key, (uint64_t)(uintptr_t)c)) != FX_OK) goto fail;
  if ((err = fx__monitor_add(rt, FX_MON_CALL, key, 0, server, &c->monitor)) != FX_OK) goto fail_mapped;
  if (timeout_ms >= 0) {
    fx__timer_spec_t spec = {.kind = FX_TIMER_CALL, .key = key, .cb = call_timeout};
    if ((err = fx__timer_start(rt, fx_update_time(rt) + timeout_ms, &spec, &c->timer)) != FX_OK) goto fail_mapped;
  }
  fx__mailbox_push(rt, server, msg);
  if (call_id) *call_id = key;
  return FX_OK;

fail_mapped:
  fx__map64_remove(&rt->calls, key, NULL);
  if (c->monitor) fx__monitor_free(rt, c->monitor);
  if (c->timer) fx__timer_cancel(rt, c->timer);
fail:
  fx__free_small(rt, c);
  fx__msg_free(rt, msg);
  return err;
}

int fx_reply(fx_runtime_t *rt, fx_term_t from, fx_term_t reply) {
  if (!rt || reply == FX_NONE || !fx_is_tuple(from) || fx_tuple_arity(from) != 2) return FX_EINVAL;
  fx_term_t to = fx_tuple_get(from, 0), ref = fx_tuple_get(from, 1);
  if (!fx_is_ref(ref)) return FX_EINVAL;
  uint64_t key = fx__ref_key(rt, ref);
  if (key) {
    complete(rt, key, FX_OK, reply); /* no entry: it completed already */
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

void fx__calls_free(fx_runtime_t *rt) {
  for (uint32_t i = 0; i < rt->calls.cap; i++)
    if (rt->calls.entries[i].key) {
      fx_call_t *c = (fx_call_t *)(uintptr_t)rt->calls.entries[i].value;
      if (c->cb == fx__host_call_done) fx__host_event_free(rt, c->ud); /* the host's event */
      if (c->monitor) fx__free_small(rt, c->monitor); /* teardown: no lists to mend */
      fx__free_small(rt, c);
    }
  fx__map64_free(rt, &rt->calls);
}
