/* send and cast. (call and reply are in calls.c.) A message sent from
 * outside any process to a host process that waits for it is matched at
 * once (fx__host_match_now). */
#include "fx_sched.h"

/* Out of line, so that a send from inside a process stays a tail call. */
static FX__NOINLINE int send_from_outside(fx_runtime_t *rt, fx_pid_t pid, fx_term_t msg) {
  int err = fx__send_term(rt, pid, msg);
  fx_proc_t *p = err ? NULL : fx__proc_get(rt, pid);
  if (p) fx__host_match_now(rt, p);
  return err;
}

static int send_term(fx_runtime_t *rt, fx_pid_t pid, fx_term_t msg) {
  return rt->current ? fx__send_term(rt, pid, msg) : send_from_outside(rt, pid, msg);
}

int fx_send(fx_runtime_t *rt, fx_term_t to, fx_term_t msg) {
  if (!rt || msg == FX_NONE) return FX_EINVAL;
  fx_pid_t pid;
  int err = fx__resolve(rt, to, &pid);
  return err ? err : send_term(rt, pid, msg);
}

static int etf_message(fx_runtime_t *rt, const uint8_t *etf, size_t len, fx_msg_t **out) {
  uint64_t small[FX__ETF_SMALL_WORDS];
  fx_term_t t;
  int err = fx__etf_decode_small(rt, etf, len, small, &t);
  if (err != FX_ENOSPACE) return err ? err : fx__msg_from_term(rt, t, out); /* copied at its size */
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
  int err = fx__resolve(rt, to, &pid);
  if (!err) err = etf_message(rt, etf, len, &m);
  if (err) return err;
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) { /* a dead pid drops the message, once it is known to be valid */
    fx__msg_free(rt, m);
    return FX_OK;
  }
  m->from = rt->current ? rt->current->pid : 0;
  fx__mailbox_push(rt, p, m);
  fx__host_match_now(rt, p);
  return FX_OK;
}

int fx_cast(fx_runtime_t *rt, fx_term_t to, fx_term_t req) {
  if (!rt || req == FX_NONE) return FX_EINVAL;
  fx_pid_t pid;
  int err = fx__resolve(rt, to, &pid);
  if (err) return err;
  fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
  fx_term_t msg;
  err = fx_tuple2(&rt->scratch, FX_ATOM(GEN_CAST), req, &msg);
  if (!err) err = send_term(rt, pid, msg);
  fx__heap_release_to(&rt->scratch, mark);
  return err;
}
