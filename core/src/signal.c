/* Links, monitors and exit signals, with Erlang's semantics:
 *  - a process that exits sends an exit signal with its reason along each
 *    link; `normal` is ignored by processes that do not trap exits, any
 *    other reason ends them; trapping processes get {'EXIT', From, Reason};
 *  - exit(Pid, kill) cannot be trapped and ends Pid with `killed`;
 *  - monitors deliver {'DOWN', Ref, process, Pid, Reason} once.
 * Signals go through a queue so that a chain of links is delivered by a
 * loop, never by recursion. */
#include "fx_sched.h"

/* ---- refs as monitor keys ---- */

uint64_t fx__ref_key(const fx_runtime_t *rt, fx_term_t ref) {
  if (!fx_is_ref(ref) || fx_box_size(ref) != 3) return 0;
  const uint64_t *b = fx_box_ptr(ref);
  if (b[1] != rt->node || (uint32_t)b[2] != rt->creation) return 0;
  uint32_t i0 = fx__ref_id(ref, 0), i1 = fx__ref_id(ref, 1), i2 = fx__ref_id(ref, 2);
  if (i0 > 0x3ffff || i2 >= (1u << 14)) return 0;
  return (uint64_t)i0 | (uint64_t)i1 << 18 | (uint64_t)i2 << 50;
}

/* The ref term for a key. */
static int ref_from_key(fx_runtime_t *rt, fx_heap_t *h, uint64_t key, fx_term_t *out) {
  uint64_t *w = fx__heap_alloc(h, FX__LOCAL_REF_WORDS);
  if (!w) return FX_ENOMEM;
  *out = fx__ref_write(rt, w, key);
  return FX_OK;
}

/* ---- monitors ---- */

static int monitor_add(fx_runtime_t *rt, uint64_t key, fx_pid_t watcher, fx_proc_t *target) {
  fx_proc_ext_t *text = fx__proc_ext(target);
  fx_proc_t *w = fx__proc_get(rt, watcher);
  fx_proc_ext_t *wext = w ? fx__proc_ext(w) : NULL;
  if (!text || !wext) return FX_ENOMEM;
  fx_monitor_t *m = fx__alloc_small(rt);
  if (!m) return FX_ENOMEM;
  if (fx__map64_put(rt, &rt->monitors, key, (uint64_t)(uintptr_t)m) != FX_OK) {
    fx__free_small(rt, m);
    return FX_ENOMEM;
  }
  m->key = key;
  m->watcher = watcher;
  m->target = target->pid;
  m->tnext = text->watchers;
  if (m->tnext) m->tnext->tprev = &m->tnext;
  m->tprev = &text->watchers;
  text->watchers = m;
  m->wnext = wext->watching;
  if (m->wnext) m->wnext->wprev = &m->wnext;
  m->wprev = &wext->watching;
  wext->watching = m;
  return FX_OK;
}

static void unlink_target(fx_monitor_t *m) {
  if (!m->tprev) return;
  *m->tprev = m->tnext;
  if (m->tnext) m->tnext->tprev = m->tprev;
  m->tprev = NULL;
}

static void unlink_watcher(fx_monitor_t *m) {
  if (!m->wprev) return;
  *m->wprev = m->wnext;
  if (m->wnext) m->wnext->wprev = m->wprev;
  m->wprev = NULL;
}

static void monitor_free(fx_runtime_t *rt, fx_monitor_t *m) {
  unlink_target(m);
  unlink_watcher(m);
  fx__free_small(rt, m);
}

void fx__monitor_remove(fx_runtime_t *rt, uint64_t key) {
  uint64_t v;
  if (fx__map64_remove(&rt->monitors, key, &v)) monitor_free(rt, (fx_monitor_t *)(uintptr_t)v);
}

/* Puts a target's watchers oldest first (the list gains its newest at the
 * head), so that its DOWNs go out in the order the monitors were made, as
 * in Erlang. */
static void oldest_watchers_first(fx_proc_ext_t *ext) {
  fx_monitor_t *rev = NULL, *next;
  for (fx_monitor_t *m = ext->watchers; m; m = next) {
    next = m->tnext;
    m->tnext = rev;
    rev = m;
  }
  ext->watchers = rev;
  fx_monitor_t **link = &ext->watchers;
  for (fx_monitor_t *m = rev; m; m = m->tnext) {
    m->tprev = link;
    link = &m->tnext;
  }
}

static int send_down(fx_runtime_t *rt, fx_pid_t watcher, uint64_t key, fx_pid_t target, fx_term_t reason) {
  if (!fx__proc_get(rt, watcher)) return FX_OK;
  fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
  fx_term_t ref, msg;
  fx_term_t el[5] = {FX_ATOM(DOWN), FX_NONE, FX_ATOM(PROCESS), fx_pid_term(target), reason};
  int err = ref_from_key(rt, &rt->scratch, key, &ref);
  if (!err) {
    el[1] = ref;
    err = fx_make_tuple(&rt->scratch, 5, el, &msg);
  }
  if (!err) err = fx__send_term(rt, watcher, msg);
  fx__heap_release_to(&rt->scratch, mark);
  return err;
}

int fx_monitor(fx_runtime_t *rt, fx_pid_t watcher, fx_pid_t target, fx_heap_t *h, fx_term_t *ref) {
  if (!rt || !h || !ref) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  if (!fx__proc_get(rt, watcher)) return FX_ENOPROC;
  fx_term_t r;
  int err = fx_make_ref(rt, h, &r);
  if (err) return err;
  uint64_t key = fx__ref_key(rt, r);
  fx_proc_t *t = fx__proc_get(rt, target);
  err = t ? monitor_add(rt, key, watcher, t) : send_down(rt, watcher, key, target, FX_ATOM(NOPROC));
  if (err) return err;
  *ref = r;
  return FX_OK;
}

int fx_demonitor(fx_runtime_t *rt, fx_pid_t watcher, fx_term_t ref) {
  if (!rt) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  uint64_t key = fx__ref_key(rt, ref), v;
  if (!key || !fx__map64_get(&rt->monitors, key, &v)) return FX_ENOTFOUND;
  /* As erlang:demonitor/1: only the monitoring process turns it off. */
  if (((const fx_monitor_t *)(uintptr_t)v)->watcher != watcher) return FX_ENOTFOUND;
  fx__monitor_remove(rt, key);
  return FX_OK;
}

int fx_process_monitors(fx_runtime_t *rt, fx_pid_t pid, fx_heap_t *h, fx_term_t *refs, size_t cap, size_t *n) {
  if (!rt || !n || (cap && (!h || !refs))) return FX_EINVAL;
  const fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_ENOPROC;
  size_t k = 0;
  for (const fx_monitor_t *m = p->ext ? p->ext->watching : NULL; m; m = m->wnext, k++) {
    int err = k < cap ? ref_from_key(rt, h, m->key, &refs[k]) : FX_OK;
    if (err) return err;
  }
  *n = k;
  return FX_OK;
}

/* ---- links ---- */

static int has_link(const fx_proc_t *p, fx_pid_t other) {
  for (const fx_link_t *l = p->ext ? p->ext->links : NULL; l; l = l->next)
    if (l->pid == other) return 1;
  return 0;
}

static void link_remove(fx_link_t *l) {
  *l->prev = l->next;
  if (l->next) l->next->prev = l->prev;
}

/* Cuts the link between p and other: both records. */
static void drop_link(fx_runtime_t *rt, fx_proc_t *p, fx_pid_t other) {
  if (!p->ext) return;
  for (fx_link_t *l = p->ext->links; l; l = l->next)
    if (l->pid == other) {
      link_remove(l);
      link_remove(l->peer);
      fx__free_small(rt, l->peer);
      fx__free_small(rt, l);
      return;
    }
}

static void add_link(fx_proc_ext_t *ext, fx_link_t *l, fx_pid_t other, fx_link_t *peer) {
  l->pid = other;
  l->peer = peer;
  l->prev = &ext->links;
  l->next = ext->links;
  if (l->next) l->next->prev = &l->next;
  ext->links = l;
}

/* While the runtime is freed (a destroy callback), links, monitors and
 * exit signals are refused: the processes freed before it are gone, and
 * their records with them. */
int fx_link(fx_runtime_t *rt, fx_pid_t a, fx_pid_t b) {
  if (!rt) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  fx_proc_t *pa = fx__proc_get(rt, a), *pb = fx__proc_get(rt, b);
  if (!pa) return FX_ENOPROC;
  if (a == b || (pb && has_link(pa, b))) return FX_OK;
  if (!pb) return fx__signal_send(rt, a, b, FX_ATOM(NOPROC), false);
  fx_link_t *la = fx__alloc_small(rt), *lb = fx__alloc_small(rt);
  fx_proc_ext_t *ea = fx__proc_ext(pa), *eb = fx__proc_ext(pb);
  if (!la || !lb || !ea || !eb) {
    fx__free_small(rt, la);
    fx__free_small(rt, lb);
    return FX_ENOMEM;
  }
  add_link(ea, la, b, lb);
  add_link(eb, lb, a, la);
  return FX_OK;
}

int fx_unlink(fx_runtime_t *rt, fx_pid_t a, fx_pid_t b) {
  if (!rt) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  fx_proc_t *pa = fx__proc_get(rt, a);
  if (!pa) return FX_ENOPROC;
  drop_link(rt, pa, b); /* both records: a's, and b's if b has not cut it yet */
  return FX_OK;
}

int fx_trap_exit(fx_runtime_t *rt, fx_pid_t pid, int on) {
  fx_proc_t *p = rt ? fx__proc_get(rt, pid) : NULL;
  if (!p) return rt ? FX_ENOPROC : FX_EINVAL;
  if (on) p->flags |= FX_PF_TRAP_EXIT;
  else p->flags &= (uint8_t)~FX_PF_TRAP_EXIT;
  return FX_OK;
}

/* ---- exit signals ---- */

/* Ends q now, or once its running callback returns. */
static void exit_or_pend(fx_proc_t *q, fx_msg_t *reason, fx_exit_kind_t kind) {
  if (q->status != FX_PS_RUNNING) {
    fx__proc_exit(q, reason, kind);
    return;
  }
  fx_proc_ext_t *ext = fx__proc_ext(q);
  if (!ext || ((q->flags & FX_PF_EXIT_PENDING) && ext->exit_kind == FX_EXIT_KILL)) {
    if (reason) fx__msg_free(q->rt, reason);
    if (!ext) q->flags |= FX_PF_STOP; /* out of memory: stop with nomem */
    return;
  }
  if (ext->exit_reason) fx__msg_free(q->rt, ext->exit_reason);
  ext->exit_reason = reason;
  ext->exit_kind = (uint8_t)kind;
  q->flags |= FX_PF_EXIT_PENDING;
}

/* A trapped EXIT or a DOWN that no memory could be found for: the process
 * waiting for it would wait for ever (a supervisor would never restart its
 * child), so it ends with nomem, which its own links and monitors see. */
static void lost_notice(fx_runtime_t *rt, fx_pid_t to) {
  fx_proc_t *q = fx__proc_get(rt, to);
  if (q) exit_or_pend(q, fx__reason_msg(rt, FX_ATOM(NOMEM)), FX_EXIT_SIGNAL);
}

static void deliver(fx_runtime_t *rt, fx_signal_t *s) {
  fx_proc_t *q = fx__proc_get(rt, s->to);
  fx_term_t reason = fx__reason_term(s->reason);
  if (!q) {
    /* dead already: nothing to do */
  } else if (s->untrappable) {
    exit_or_pend(q, fx__reason_msg(rt, FX_ATOM(KILLED)), FX_EXIT_KILL);
  } else if (q->flags & FX_PF_TRAP_EXIT) {
    fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
    fx_term_t msg;
    if (fx_tuple3(&rt->scratch, FX_ATOM(EXIT), fx_pid_term(s->from), reason, &msg) != FX_OK ||
        fx__send_term(rt, s->to, msg) != FX_OK)
      lost_notice(rt, s->to);
    fx__heap_release_to(&rt->scratch, mark);
  } else if (reason != FX_ATOM(NORMAL) || s->from == s->to) {
    exit_or_pend(q, s->reason, FX_EXIT_SIGNAL);
    s->reason = NULL;
  }
  if (s->reason) fx__msg_free(rt, s->reason);
  fx__free_small(rt, s);
}

/* Fills in s (an fx_signal_block_t) and queues it. */
static void signal_queue(fx_runtime_t *rt, fx_signal_t *s, fx_pid_t to, fx_pid_t from, fx_term_t reason, bool untrappable) {
  s->next = NULL;
  s->to = to;
  s->from = from;
  s->untrappable = untrappable;
  s->reason = untrappable ? NULL : fx__reason_msg(rt, reason); /* NULL: nomem */
  *rt->signals_tail = s;
  rt->signals_tail = &s->next;
}

int fx__signal_send(fx_runtime_t *rt, fx_pid_t to, fx_pid_t from, fx_term_t reason, bool untrappable) {
  fx_signal_t *s = fx__alloc_small(rt);
  if (!s) return FX_ENOMEM;
  signal_queue(rt, s, to, from, reason, untrappable);
  fx__signals_deliver(rt);
  return FX_OK;
}

void fx__signals_deliver(fx_runtime_t *rt) {
  if (rt->delivering_signals) return;
  rt->delivering_signals = true;
  while (rt->signals) {
    fx_signal_t *s = rt->signals;
    rt->signals = s->next;
    if (!rt->signals) rt->signals_tail = &rt->signals;
    deliver(rt, s);
  }
  rt->delivering_signals = false;
}

void fx__signals_free(fx_runtime_t *rt) {
  while (rt->signals) {
    fx_signal_t *s = rt->signals;
    rt->signals = s->next;
    if (s->reason) fx__msg_free(rt, s->reason);
    fx__free_small(rt, s);
  }
  rt->signals_tail = &rt->signals;
}

void fx__signal_exit_links(fx_runtime_t *rt, fx_pid_t pid, fx_proc_ext_t *ext, fx_term_t reason) {
  /* Queue first, deliver after: no signal reaches anyone until every link
   * of the dead process is cut. */
  bool was = rt->delivering_signals;
  rt->delivering_signals = true;
  for (fx_link_t *l = ext->links, *next; l; l = next) {
    next = l->next;
    fx_pid_t to = l->pid;
    fx_proc_t *q = fx__proc_get(rt, to);
    if (q) {
      link_remove(l->peer); /* the other side's record, in O(1) */
      fx__free_small(rt, l->peer);
      signal_queue(rt, &((fx_signal_block_t *)l)->signal, to, pid, reason, false); /* the record becomes the signal */
    } else {
      fx__free_small(rt, l);
    }
  }
  ext->links = NULL;
  rt->delivering_signals = was;
  while (ext->watching) fx__monitor_remove(rt, ext->watching->key);
  fx__calls_server_down(rt, ext, reason);
  oldest_watchers_first(ext);
  while (ext->watchers) { /* the head each time: a DOWN lost to nomem may end its watcher, and that watcher's monitors with it */
    fx_monitor_t *m = ext->watchers;
    uint64_t key = m->key;
    fx_pid_t watcher = m->watcher;
    fx__monitor_remove(rt, key);
    if (send_down(rt, watcher, key, pid, reason) != FX_OK) lost_notice(rt, watcher);
  }
}

int fx_exit(fx_runtime_t *rt, fx_pid_t pid, fx_term_t reason) {
  if (!rt || reason == FX_NONE || !fx__is_term(reason)) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  if (!fx__proc_get(rt, pid)) return FX_OK; /* Erlang: a signal to nobody is dropped */
  fx_pid_t from = rt->current ? rt->current->pid : 0;
  return fx__signal_send(rt, pid, from, reason, reason == FX_ATOM(KILL));
}
