/* Host processes and the event queue between the core and its host (see
 * fauxtp/host.h). A host process is a C behaviour whose handle turns each
 * match or timeout into a queued event and holds the process until the
 * host posts its next receive. Its exit event is allocated when it is
 * spawned, so that the host always learns that it ended. */
#include "fauxtp/host.h"
#include "fx_sched.h"

typedef struct host_state {
  uint32_t kind;
  fx_host_event_t *exit_event; /* owned until the process exits */
  fx_pid_t starter;            /* the supervisor its start waits on (fx_host_started), or 0 */
} host_state_t;

/* ---- events ---- */

/* Events of up to EVENT_SMALL extracted terms are all allocated with room
 * for EVENT_SMALL and recycled through a pool on the runtime. Each host
 * process keeps the pool at EVENT_RESERVE or more while it lives (topped
 * up when it starts), so that a match still becomes an event when memory
 * has run out (a flooded mailbox): the process receives and frees memory
 * instead of crashing with enomem. */
enum { EVENT_SMALL = 4, EVENT_RESERVE = 4, EVENT_POOL_MAX = 256 };

static size_t event_slots(size_t nextracted) { return nextracted <= EVENT_SMALL ? EVENT_SMALL : nextracted; }
static size_t event_size(size_t nextracted) { return sizeof(fx_host_event_t) + event_slots(nextracted) * sizeof(fx_term_t); }

static fx_host_event_t *event_new(fx_runtime_t *rt, size_t nextracted) {
  fx_host_event_t *ev = nextracted <= EVENT_SMALL ? rt->event_pool : NULL;
  if (ev) {
    rt->event_pool = ev->next;
    rt->event_pool_len--;
    *ev = (fx_host_event_t){0}; /* its extracted terms are written as they are set */
  } else if (!(ev = fx__calloc(rt, event_size(nextracted)))) {
    return NULL;
  }
  ev->nextracted = (uint32_t)nextracted;
  return ev;
}

static void event_release(fx_runtime_t *rt, fx_host_event_t *ev) {
  if (ev->nextracted <= EVENT_SMALL && rt->event_pool_len < EVENT_POOL_MAX) {
    ev->next = rt->event_pool;
    rt->event_pool = ev;
    rt->event_pool_len++;
  } else {
    fx__free(rt, ev, event_size(ev->nextracted));
  }
}

/* Tops the pool up to `want` events (a host process starting). */
static int event_reserve(fx_runtime_t *rt, uint32_t want) {
  while (rt->event_pool_len < want) {
    fx_host_event_t *ev = fx__calloc(rt, event_size(0));
    if (!ev) return FX_ENOMEM;
    event_release(rt, ev);
  }
  return FX_OK;
}

void fx__host_event_free(fx_runtime_t *rt, fx_host_event_t *ev) {
  if (!ev) return;
  fx__msg_free(rt, ev->owner_data);
  ev->owner_data = NULL;
  event_release(rt, ev);
}

void fx__host_event_pool_free(fx_runtime_t *rt) {
  while (rt->event_pool) {
    fx_host_event_t *ev = rt->event_pool;
    rt->event_pool = ev->next;
    fx__free(rt, ev, event_size(0));
  }
  rt->event_pool_len = 0;
}

static void push(fx_runtime_t *rt, fx_host_event_t *ev) {
  ev->next = NULL;
  *rt->host_tail = ev;
  rt->host_tail = &ev->next;
}

/* Gives ev a copy of t as its value; out of memory, the value is `nomem`. */
static void set_value(fx_runtime_t *rt, fx_host_event_t *ev, fx_term_t t) {
  fx_msg_t *m = fx__reason_msg(rt, t);
  ev->owner_data = m;
  ev->value = fx__reason_term(m);
}

fx_host_event_t *fx_host_take_events(fx_runtime_t *rt) {
  if (!rt) return NULL;
  fx_host_event_t *list = rt->host_head;
  rt->host_head = NULL;
  rt->host_tail = &rt->host_head;
  return list;
}

void fx_host_release_events(fx_runtime_t *rt, fx_host_event_t *list) {
  while (rt && list) {
    fx_host_event_t *next = list->next;
    fx__host_event_free(rt, list);
    list = next;
  }
}

int fx_host_has_events(const fx_runtime_t *rt) { return rt && rt->host_head != NULL; }

void fx__host_free_events(fx_runtime_t *rt) { fx_host_release_events(rt, fx_host_take_events(rt)); }

/* ---- the behaviour ---- */

static int host_init(fx_proc_t *self, void *state, fx_term_t arg) {
  host_state_t *s = state;
  s->kind = (uint32_t)fx_small_value(arg);
  if (event_reserve(self->rt, EVENT_RESERVE) != FX_OK || !(s->exit_event = event_new(self->rt, 0))) return FX_ENOMEM;
  return fx_hold(self);
}

static int host_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)state;
  fx_host_event_t *ev = event_new(self->rt, r->kind == FX_RECV_MESSAGE ? r->nextracted : 0);
  if (!ev) return FX_ENOMEM;
  ev->pid = self->pid;
  if (r->kind == FX_RECV_MESSAGE) {
    ev->kind = FX_HOST_MATCH;
    ev->clause = r->clause;
    memcpy(ev->extracted, r->extracted, r->nextracted * sizeof(fx_term_t));
    ev->value = r->message;
    ev->owner_data = self->current; /* the message now lives as long as the event */
    self->current = NULL;
  } else {
    ev->kind = FX_HOST_TIMEOUT;
  }
  push(self->rt, ev);
  return fx_hold(self);
}

static void host_destroy(fx_runtime_t *rt, void *state) {
  host_state_t *s = state;
  fx__host_event_free(rt, s->exit_event);
}

const fx_behaviour_t fx__host_behaviour = {"host", sizeof(host_state_t), host_init, host_handle, NULL, host_destroy};

void fx__host_on_exit(fx_proc_t *p, fx_term_t reason, fx_exit_kind_t kind) {
  host_state_t *s = p->state;
  fx_host_event_t *ev = s->exit_event;
  if (!ev) return; /* init failed: the spawn reports it */
  s->exit_event = NULL;
  ev->kind = FX_HOST_EXIT;
  ev->pid = p->pid;
  ev->id = s->kind;
  ev->status = kind == FX_EXIT_KILL ? FX_HOST_EXIT_KILL : kind == FX_EXIT_SIGNAL ? FX_HOST_EXIT_SIGNAL : FX_HOST_EXIT_SELF;
  set_value(p->rt, ev, reason);
  push(p->rt, ev);
}

/* ---- the host's operations ---- */

int fx_host_spawn(fx_runtime_t *rt, uint32_t kind, const fx_spawn_opts_t *opts, fx_pid_t *out) {
  if (!rt || kind > (uint32_t)INT32_MAX) return FX_EINVAL;
  return fx_spawn(rt, &fx__host_behaviour, fx_small(kind), opts, out);
}

static fx_proc_t *held_host(fx_runtime_t *rt, fx_pid_t pid, int *err) {
  fx_proc_t *p = rt ? fx__proc_get(rt, pid) : NULL;
  *err = !rt ? FX_EINVAL : !p ? FX_ENOPROC : FX_OK;
  if (p && p->beh != &fx__host_behaviour) *err = FX_EINVAL;
  return *err ? NULL : p;
}

int fx_host_receive(fx_runtime_t *rt, fx_pid_t pid, const fx_pattern_t *pattern, int64_t timeout_ms) {
  int err;
  fx_proc_t *p = held_host(rt, pid, &err);
  if (!p) return err;
  if (p->status != FX_PS_HELD) return FX_ESTATE;
  if (timeout_ms < FX_INFINITY) return FX_EINVAL;
  p->pattern = pattern;
  p->recv_timeout = timeout_ms;
  fx__proc_post_receive(p);
  if (!fx__host_match_now(rt, p)) return 0;
  p = fx__proc_get(rt, pid);
  return !p || p->status == FX_PS_HELD;
}

int fx_host_cancel_receive(fx_runtime_t *rt, fx_pid_t pid) {
  int err;
  fx_proc_t *p = held_host(rt, pid, &err);
  if (!p) return err;
  if (p->status == FX_PS_HELD) return 0; /* none posted, or it was answered: its event is queued */
  if (p->status == FX_PS_RUNNING) return FX_ESTATE;
  /* Posted, unanswered: waiting, or queued to run (a message came, or its
   * time ran out). Its messages stay where they are. */
  if (p->status == FX_PS_RUNNABLE) fx__runq_remove(rt, p);
  if (p->recv_timer) {
    fx__timer_cancel(rt, p->recv_timer);
    p->recv_timer = 0;
  }
  p->flags &= (uint8_t)~FX_PF_TIMED_OUT;
  p->pattern = NULL;
  p->status = FX_PS_HELD;
  return 1;
}

/* The fast path: a host process whose posted receive can be answered now
 * (a queued message matches, or the wait is over at once) is answered at
 * once rather than on the next run of the loop: answering only queues its
 * event, and the host takes that without a run. Not from inside a
 * callback, whose process the core is running. */
int fx__host_match_now(fx_runtime_t *rt, fx_proc_t *p) {
  if (p->status != FX_PS_RUNNABLE || p->beh != &fx__host_behaviour || rt->current) return 0;
  fx__runq_remove(rt, p);
  fx__run_slice(rt, p, 1);
  return 1;
}

int fx_host_exit(fx_runtime_t *rt, fx_pid_t pid, fx_term_t reason) {
  int err;
  fx_proc_t *p = held_host(rt, pid, &err);
  if (!p) return err;
  if (reason == FX_NONE || !fx__is_term(reason)) return FX_EINVAL;
  if (p->status == FX_PS_RUNNING) return FX_ESTATE;
  fx__proc_exit(p, fx__reason_msg(rt, reason), FX_EXIT_SELF);
  return FX_OK;
}

int fx_host_kind(const fx_runtime_t *rt, fx_pid_t pid, uint32_t *kind) {
  const fx_proc_t *p = rt && kind ? fx__proc_get(rt, pid) : NULL;
  if (!rt || !kind) return FX_EINVAL;
  if (!p) return FX_ENOPROC;
  if (p->beh != &fx__host_behaviour) return FX_EINVAL;
  *kind = ((const host_state_t *)p->state)->kind;
  return FX_OK;
}

/* ---- calls and supervised starts ---- */

void fx__host_call_done(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  fx_host_event_t *ev = ud;
  ev->kind = FX_HOST_CALL;
  ev->status = status;
  set_value(rt, ev, value);
  push(rt, ev);
}

int fx_host_call(fx_runtime_t *rt, fx_term_t to, fx_term_t req, int64_t timeout_ms, uint64_t *call_id) {
  if (!rt || !call_id) return FX_EINVAL;
  fx_host_event_t *ev = event_new(rt, 0);
  if (!ev) return FX_ENOMEM;
  int err = fx_call(rt, to, req, timeout_ms, fx__host_call_done, ev, call_id);
  if (err) {
    fx__host_event_free(rt, ev);
    return err;
  }
  ev->id = *call_id;
  return FX_OK;
}

int fx_host_child_start(fx_runtime_t *rt, void *ud, fx_pid_t sup, fx_term_t arg, fx_pid_t *out) {
  if (!rt || !out) return FX_EINVAL;
  fx_host_event_t *ev = event_new(rt, 0);
  if (!ev) return FX_ENOMEM;
  set_value(rt, ev, arg);
  fx_spawn_opts_t opts = {.link = sup, .name = FX_NONE};
  uint32_t kind = (uint32_t)(uintptr_t)ud;
  int err = ev->owner_data ? fx_host_spawn(rt, kind, &opts, &ev->pid) : FX_ENOMEM;
  if (err) {
    fx__host_event_free(rt, ev);
    return err;
  }
  ev->kind = FX_HOST_START;
  ev->id = kind;
  push(rt, ev);
  ((host_state_t *)fx__proc_get(rt, ev->pid)->state)->starter = sup;
  *out = ev->pid;
  return 1; /* its init runs in the host: fx_host_started acknowledges it */
}

int fx_host_started(fx_runtime_t *rt, fx_pid_t pid) {
  int err;
  fx_proc_t *p = held_host(rt, pid, &err);
  if (!p) return err;
  host_state_t *s = p->state;
  if (!s->starter) return FX_OK;
  fx_heap_t *h;
  fx_term_t ack;
  if ((err = fx_heap_new(rt, &h)) != FX_OK) return err;
  err = fx_tuple2(h, FX_ATOM(CHILD_STARTED), fx_pid_term(pid), &ack);
  if (!err) err = fx_send(rt, fx_pid_term(s->starter), ack);
  fx_heap_free(h);
  if (err == FX_ENOPROC) err = FX_OK; /* the supervisor is gone: nobody waits */
  if (!err) s->starter = 0;
  return err;
}
