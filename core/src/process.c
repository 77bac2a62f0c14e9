/* Processes: the table of slots (generational pids), spawning, running a
 * behaviour's callbacks and applying what they ask for, and exiting. */
#include "fx_sched.h"

/* ---- the table ---- */

fx_proc_t *fx__proc_get(const fx_runtime_t *rt, fx_pid_t pid) {
  uint32_t i = fx_pid_index(pid);
  if (i == 0 || i >= rt->nslots) return NULL;
  const fx_slot_t *s = &rt->slots[i];
  return s->proc && s->gen == fx_pid_gen(pid) && s->proc->status != FX_PS_EXITING ? s->proc : NULL;
}

/* Slot 0 is never used, so pid 0 means "no process" (an outside caller). */
static int slot_alloc(fx_runtime_t *rt, uint32_t *index) {
  if (rt->free_head) {
    *index = rt->free_head - 1;
    rt->free_head = rt->slots[*index].next_free;
    if (!rt->free_head) rt->free_tail = 0;
    return FX_OK;
  }
  if (rt->nslots > rt->max_processes) return FX_ELIMIT;
  if (rt->nslots + 1 >= rt->slots_cap) {
    uint32_t ncap = rt->slots_cap ? rt->slots_cap * 2 : 64;
    fx_slot_t *s = fx__realloc(rt, rt->slots, rt->slots_cap * sizeof *s, ncap * sizeof *s);
    if (!s) return FX_ENOMEM;
    memset(s + rt->slots_cap, 0, (ncap - rt->slots_cap) * sizeof *s);
    rt->slots = s;
    rt->slots_cap = ncap;
    if (rt->nslots == 0) rt->nslots = 1; /* slot 0 stays unused */
  }
  *index = rt->nslots++;
  return FX_OK;
}

/* Freed slots go to the back of the free list, so a slot rests as long as
 * possible before reuse; its generation moves on either way. A slot whose
 * generation is spent is retired for good. */
static void slot_free(fx_runtime_t *rt, uint32_t index) {
  fx_slot_t *s = &rt->slots[index];
  s->proc = NULL;
  if (++s->gen > FX_PID_MAX_GEN) return;
  s->next_free = 0;
  if (rt->free_tail) rt->slots[rt->free_tail - 1].next_free = index + 1;
  else rt->free_head = index + 1;
  rt->free_tail = index + 1;
}

fx_proc_ext_t *fx__proc_ext(fx_proc_t *p) {
  if (!p->ext) {
    p->ext = fx__calloc(p->rt, sizeof *p->ext);
    if (p->ext) p->ext->name = FX_NONE;
  }
  return p->ext;
}

#define FX_PROC_HEADER ((sizeof(fx_proc_t) + 7) / 8 * 8)

static size_t proc_size(const fx_proc_t *p) { return FX_PROC_HEADER + p->state_size; }

/* ---- callbacks ---- */

typedef struct frame {
  fx_proc_t *prev;
  fx__heap_mark_t mark;
} frame_t;

static void enter(fx_proc_t *p, frame_t *f) {
  fx_runtime_t *rt = p->rt;
  f->prev = rt->current;
  f->mark = fx__heap_mark(&rt->scratch);
  rt->current = p;
  p->status = FX_PS_RUNNING;
  p->flags &= (uint8_t) ~(FX_PF_RECEIVE | FX_PF_YIELD | FX_PF_HOLD);
}

static void leave(fx_proc_t *p, frame_t *f) {
  fx_runtime_t *rt = p->rt;
  rt->current = f->prev;
  fx__heap_release_to(&rt->scratch, f->mark);
}

fx_msg_t *fx__reason_msg(fx_runtime_t *rt, fx_term_t reason) {
  fx_msg_t *m = NULL;
  if (fx__msg_from_term(rt, reason, &m) != FX_OK) return NULL;
  return m;
}

static void crash(fx_proc_t *p, fx_term_t which, int rc) {
  fx_runtime_t *rt = p->rt;
  fx_term_t name = FX_ATOM(NOMEM), reason = FX_ATOM(NOMEM);
  fx__heap_mark_t mark = fx__heap_mark(&rt->scratch);
  if (fx_atom_cstr(rt, fx_err_name(rc), &name) == FX_OK)
    fx_tuple3(&rt->scratch, FX_ATOM(CALLBACK_FAILED), which, name, &reason);
  fx_msg_t *m = fx__reason_msg(rt, reason);
  fx__heap_release_to(&rt->scratch, mark);
  fx__proc_exit(p, m, FX_EXIT_SELF);
}

/* A receive's timer: kept out of fx__proc_post_receive, which runs after
 * every message (its prologue would save what the clock reading uses). */
static FX__NOINLINE void start_receive_timer(fx_proc_t *p) {
  fx_runtime_t *rt = p->rt;
  fx__timer_spec_t spec = {.kind = FX_TIMER_RECEIVE, .key = p->pid};
  if (fx__timer_start(rt, fx__time_after(fx_update_time(rt), p->recv_timeout), &spec, &p->recv_timer) != FX_OK) {
    /* Without a timer the wait could last forever: time out now instead. */
    p->flags |= FX_PF_TIMED_OUT;
  }
}

void fx__proc_post_receive(fx_proc_t *p) {
  fx_runtime_t *rt = p->rt;
  p->save = &p->mhead;
  p->flags &= (uint8_t)~FX_PF_TIMED_OUT;
  if (p->recv_timeout == 0) p->flags |= FX_PF_TIMED_OUT;
  else if (p->recv_timeout > 0) start_receive_timer(p);
  if (p->mhead || (p->flags & FX_PF_TIMED_OUT)) fx__runq_push(rt, p);
  else p->status = FX_PS_WAITING;
}

/* The common case: the callback went well and asked for its next receive. */
static int just_receives(const fx_proc_t *p, int rc) {
  return rc >= 0 && (p->flags & (FX_PF_EXIT_PENDING | FX_PF_STOP | FX_PF_RECEIVE)) == FX_PF_RECEIVE;
}

int fx__proc_after_callback(fx_proc_t *p, int rc, fx_term_t which) {
  if (just_receives(p, rc)) {
    fx__proc_post_receive(p);
    return 1;
  }
  if (p->flags & FX_PF_EXIT_PENDING) {
    fx_msg_t *reason = p->ext->exit_reason;
    p->ext->exit_reason = NULL;
    fx__proc_exit(p, reason, (fx_exit_kind_t)p->ext->exit_kind);
  } else if (rc < 0) {
    crash(p, which, rc);
  } else if (p->flags & FX_PF_STOP) {
    fx_msg_t *reason = p->ext ? p->ext->exit_reason : NULL;
    if (p->ext) p->ext->exit_reason = NULL;
    fx__proc_exit(p, reason, FX_EXIT_SELF);
  } else if (p->flags & FX_PF_YIELD) {
    fx__runq_push(p->rt, p);
    return 1;
  } else if (p->flags & FX_PF_HOLD) {
    p->status = FX_PS_HELD;
    return 1;
  } else {
    fx__proc_exit(p, fx__reason_msg(p->rt, FX_ATOM(NORMAL)), FX_EXIT_SELF);
  }
  return 0;
}

int fx__proc_handle(fx_proc_t *p, const fx_received_t *r) {
  frame_t f;
  enter(p, &f);
  int rc = p->beh->handle(p, p->state, r);
  leave(p, &f);
  if (p->current) {
    fx__msg_free(p->rt, p->current);
    p->current = NULL;
  }
  if (just_receives(p, rc)) { /* here, not through the call below: once a message */
    fx__proc_post_receive(p);
    return 1;
  }
  return fx__proc_after_callback(p, rc, FX_ATOM(HANDLE_INFO));
}

/* ---- spawning ---- */

int fx_spawn(fx_runtime_t *rt, const fx_behaviour_t *b, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out) {
  if (!b || b->state_size > UINT32_MAX / 2) return FX_EINVAL;
  return fx__spawn(rt, b, b->state_size, NULL, arg, opts, out);
}

const void *fx__spawn_ctx(const fx_proc_t *p) { return p->rt->spawn_ctx; }

int fx__spawn(fx_runtime_t *rt, const fx_behaviour_t *b, size_t state_size, const void *ctx, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out) {
  if (!rt || !b || !b->handle) return FX_EINVAL;
  if (rt->freeing) return FX_ESTATE;
  if (opts && opts->link && !fx__proc_get(rt, opts->link)) return FX_ENOPROC;
  if (opts && opts->name != FX_NONE) {
    fx_pid_t holder;
    if (!fx_is_atom(opts->name) || opts->name == FX_ATOM(UNDEFINED)) return FX_EINVAL;
    if (fx_whereis(rt, opts->name, &holder) == FX_OK) return FX_ENAMETAKEN;
  }
  uint32_t index;
  int err = slot_alloc(rt, &index);
  if (err) return err;
  fx_proc_t *p = fx__calloc(rt, FX_PROC_HEADER + state_size);
  if (!p) {
    slot_free(rt, index);
    return FX_ENOMEM;
  }
  p->rt = rt;
  p->pid = fx_pid_make(index, rt->slots[index].gen);
  p->beh = b;
  p->state_size = (uint32_t)state_size;
  p->state = state_size ? (char *)p + FX_PROC_HEADER : NULL;
  p->mtail = &p->mhead;
  p->save = &p->mhead;
  p->status = FX_PS_RUNNING;
  if (opts && opts->trap_exit) p->flags |= FX_PF_TRAP_EXIT;
  rt->slots[index].proc = p;
  rt->nprocs++;
  /* Reported before anything can end it, so that a tracer always sees a
   * process's spawn before its exit (init may exit it at once). */
  if (rt->trace) fx__trace(rt, FX_TRACE_SPAWN, p->pid, rt->current ? rt->current->pid : 0, FX_NONE, FX_NONE);
  if (opts && opts->name != FX_NONE && (err = fx_register(rt, opts->name, p->pid)) != FX_OK) {
    fx__proc_exit(p, NULL, FX_EXIT_KILL);
    return err;
  }
  if (opts && opts->link && (err = fx_link(rt, p->pid, opts->link)) != FX_OK) {
    fx__proc_exit(p, NULL, FX_EXIT_KILL);
    return err;
  }
  fx_pid_t pid = p->pid;
  int rc = FX_OK;
  if (b->init) {
    frame_t f;
    const void *outer_ctx = rt->spawn_ctx;
    rt->spawn_ctx = ctx; /* read by the behaviour's init, before anything nests */
    enter(p, &f);
    rc = b->init(p, p->state, arg);
    leave(p, &f);
    rt->spawn_ctx = outer_ctx;
  }
  int stopped = rc < 0 || (p->flags & (FX_PF_STOP | FX_PF_EXIT_PENDING));
  fx__proc_after_callback(p, rc, FX_ATOM(INIT));
  fx__signals_deliver(rt);
  if (stopped) return rc < 0 ? FX_ECALLBACK : FX_EEXIT;
  if (out) *out = pid;
  return FX_OK;
}

/* ---- inside a callback ---- */

fx_pid_t fx_self(const fx_proc_t *p) { return p ? p->pid : 0; }
fx_runtime_t *fx_proc_runtime(const fx_proc_t *p) { return p ? p->rt : NULL; }
fx_heap_t *fx_proc_heap(fx_proc_t *p) { return p ? &p->rt->scratch : NULL; }

int fx_receive(fx_proc_t *p, const fx_pattern_t *pattern, int64_t timeout_ms) {
  if (!p || p->status != FX_PS_RUNNING) return FX_ESTATE;
  if (timeout_ms < FX_INFINITY) return FX_EINVAL;
  p->pattern = pattern;
  p->recv_timeout = timeout_ms;
  p->flags |= FX_PF_RECEIVE;
  return FX_OK;
}

int fx_yield(fx_proc_t *p) {
  if (!p || p->status != FX_PS_RUNNING) return FX_ESTATE;
  p->flags |= FX_PF_YIELD;
  return FX_OK;
}

int fx_hold(fx_proc_t *p) {
  if (!p || p->status != FX_PS_RUNNING) return FX_ESTATE;
  p->flags |= FX_PF_HOLD;
  return FX_OK;
}

int fx_stop(fx_proc_t *p, fx_term_t reason) {
  if (!p || p->status != FX_PS_RUNNING) return FX_ESTATE;
  if (!fx__is_term(reason)) return FX_EINVAL;
  fx_proc_ext_t *ext = fx__proc_ext(p);
  if (!ext) return FX_ENOMEM;
  fx_msg_t *m = NULL;
  int err = fx__msg_from_term(p->rt, reason, &m);
  if (err) return err;
  if (ext->exit_reason) fx__msg_free(p->rt, ext->exit_reason);
  ext->exit_reason = m;
  p->flags |= FX_PF_STOP;
  return FX_OK;
}

int fx_exiting_by_signal(const fx_proc_t *p) {
  return p && p->ext && p->ext->exit_kind == FX_EXIT_SIGNAL;
}

/* ---- exiting ---- */

static void free_mailbox(fx_runtime_t *rt, fx_proc_t *p) {
  for (fx_msg_t *m = p->mhead, *next; m; m = next) {
    next = m->next;
    fx__msg_free(rt, m);
  }
  p->mhead = NULL;
  p->mtail = &p->mhead;
  p->mlen = 0;
  if (p->current) {
    fx__msg_free(rt, p->current);
    p->current = NULL;
  }
}

static void free_proc(fx_runtime_t *rt, fx_proc_t *p) {
  if (p->beh->destroy) p->beh->destroy(rt, p->state);
  free_mailbox(rt, p);
  if (p->ext) {
    if (p->ext->exit_reason) fx__msg_free(rt, p->ext->exit_reason);
    fx__free(rt, p->ext, sizeof *p->ext);
  }
  fx__free(rt, p, proc_size(p));
}

void fx__proc_exit(fx_proc_t *p, fx_msg_t *reason, fx_exit_kind_t kind) {
  fx_runtime_t *rt = p->rt;
  if (p->status == FX_PS_EXITING) {
    if (reason) fx__msg_free(rt, reason);
    return;
  }
  if (p->status == FX_PS_RUNNABLE) fx__runq_remove(rt, p);
  if (p->recv_timer) {
    fx__timer_cancel(rt, p->recv_timer);
    p->recv_timer = 0;
  }
  if (kind != FX_EXIT_KILL && p->beh->terminate) {
    fx_proc_ext_t *ext = kind == FX_EXIT_SIGNAL ? fx__proc_ext(p) : p->ext;
    if (ext) ext->exit_kind = (uint8_t)kind;
    frame_t f;
    enter(p, &f);
    p->beh->terminate(p, p->state, fx__reason_term(reason));
    leave(p, &f);
  }
  if (p->beh == &fx__host_behaviour) fx__host_on_exit(p, fx__reason_term(reason), kind);
  if (rt->trace) fx__trace(rt, FX_TRACE_EXIT, p->pid, 0, FX_NONE, fx__reason_term(reason));
  p->status = FX_PS_EXITING; /* fx__proc_get no longer finds it */
  fx__registry_drop(rt, p);
  fx_pid_t pid = p->pid;
  fx_proc_ext_t *ext = p->ext;
  /* After terminate, which may set more; fx__proc_get no longer finds it,
   * so no later send_after can. */
  if (ext && ext->timers) fx__timers_cancel_to(rt, ext);
  rt->nprocs--;
  slot_free(rt, fx_pid_index(pid));
  if (ext) fx__signal_exit_links(rt, pid, ext, fx__reason_term(reason));
  if (reason) fx__msg_free(rt, reason);
  free_proc(rt, p);
  fx__signals_deliver(rt);
}

/* ---- tracing ---- */

int fx_trace(fx_runtime_t *rt, fx_trace_fn fn, void *ud) {
  if (!rt) return FX_EINVAL;
  rt->trace = fn;
  rt->trace_ud = ud;
  return FX_OK;
}

void fx__trace(fx_runtime_t *rt, fx_trace_kind_t kind, fx_pid_t pid, fx_pid_t from, fx_term_t message, fx_term_t reason) {
  fx_trace_event_t ev = {rt, kind, pid, from, message, reason, rt->now};
  rt->trace(rt->trace_ud, &ev);
}

/* ---- queries ---- */

int fx_is_alive(const fx_runtime_t *rt, fx_pid_t pid) { return rt && fx__proc_get(rt, pid) != NULL; }

int fx_mailbox_length(const fx_runtime_t *rt, fx_pid_t pid, size_t *out) {
  if (!rt || !out) return FX_EINVAL;
  const fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_ENOPROC;
  *out = p->mlen;
  return FX_OK;
}

size_t fx_process_count(const fx_runtime_t *rt) { return rt ? rt->nprocs : 0; }

int fx_processes(const fx_runtime_t *rt, fx_pid_t *pids, size_t cap, size_t *n) {
  if (!rt || !n || (cap && !pids)) return FX_EINVAL;
  size_t k = 0;
  for (uint32_t i = 1; i < rt->nslots; i++) {
    const fx_proc_t *p = rt->slots[i].proc;
    if (!p || p->status == FX_PS_EXITING) continue;
    if (k < cap) pids[k] = p->pid;
    k++;
  }
  *n = k;
  return FX_OK;
}

static size_t count_monitors(const fx_monitor_t *m, int watchers) {
  size_t k = 0;
  for (; m; m = watchers ? m->tnext : m->wnext) k++;
  return k;
}

int fx_process_info(const fx_runtime_t *rt, fx_pid_t pid, fx_process_info_t *out) {
  if (!rt || !out) return FX_EINVAL;
  const fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_ENOPROC;
  static const fx_process_status_t status[] = {
    [FX_PS_RUNNABLE] = FX_STATUS_RUNNABLE, [FX_PS_WAITING] = FX_STATUS_WAITING,
    [FX_PS_HELD] = FX_STATUS_HOST, [FX_PS_RUNNING] = FX_STATUS_RUNNING};
  memset(out, 0, sizeof *out);
  out->pid = pid;
  out->behaviour = p->beh->name ? p->beh->name : "";
  out->name = FX_NONE;
  out->status = status[p->status];
  out->mailbox_length = p->mlen;
  out->trap_exit = (p->flags & FX_PF_TRAP_EXIT) != 0;
  if (p->ext) {
    out->name = p->ext->name;
    for (const fx_link_t *l = p->ext->links; l; l = l->next) out->links++;
    out->monitors = count_monitors(p->ext->watching, 0);
    out->monitored_by = count_monitors(p->ext->watchers, 1) + fx__calls_waiting(rt, p->ext); /* a call monitors its server */
    out->supervisor = p->ext->supervisor;
  }
  return FX_OK;
}

int fx_process_links(const fx_runtime_t *rt, fx_pid_t pid, fx_pid_t *links, size_t cap, size_t *n) {
  if (!rt || !n || (cap && !links)) return FX_EINVAL;
  const fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_ENOPROC;
  size_t k = 0;
  for (const fx_link_t *l = p->ext ? p->ext->links : NULL; l; l = l->next) {
    if (k < cap) links[k] = l->pid;
    k++;
  }
  *n = k;
  return FX_OK;
}

/* ---- teardown ---- */

void fx__sched_free_all(fx_runtime_t *rt) {
  for (uint32_t i = 1; i < rt->nslots; i++) {
    fx_proc_t *p = rt->slots[i].proc;
    if (!p) continue;
    if (p->ext) {
      /* Links die with the runtime; free just the records. */
      for (fx_link_t *l = p->ext->links, *n; l; l = n) {
        n = l->next;
        fx__free_small(rt, l);
      }
    }
    /* Gone before its destroy runs: a destroy that sends to it, or to a
     * process freed earlier, finds no process. */
    rt->slots[i].proc = NULL;
    free_proc(rt, p);
  }
  fx__free(rt, rt->slots, rt->slots_cap * sizeof *rt->slots);
  rt->slots = NULL;
  /* Every monitor is in the map. */
  for (uint32_t i = 0; i < rt->monitors.cap; i++)
    if (rt->monitors.entries[i].key)
      fx__free_small(rt, (void *)(uintptr_t)rt->monitors.entries[i].value);
  fx__calls_free(rt);
  fx__host_free_events(rt);
  fx__host_event_pool_free(rt); /* last: the frees above recycle their events */
  fx__signals_free(rt);
  fx__timers_free(rt);
  fx__map64_free(rt, &rt->registry);
  fx__map64_free(rt, &rt->monitors);
  fx__heap_release(&rt->scratch);
}
