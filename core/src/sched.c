/* The scheduler and run loop: a FIFO run queue of processes, each running
 * up to a reduction budget (messages handled) per slice; selective receive
 * that resumes scanning where it stopped; timers fired once per pass. */
#include "fx_sched.h"

/* ---- the run queue: intrusive and doubly linked, so exits leave it in O(1) ---- */

void fx__runq_push(fx_runtime_t *rt, fx_proc_t *p) {
  p->status = FX_PS_RUNNABLE;
  p->runq_next = NULL;
  p->runq_prev = rt->runq_tail;
  if (rt->runq_tail) rt->runq_tail->runq_next = p;
  else rt->runq_head = p;
  rt->runq_tail = p;
  rt->runq_len++;
}

void fx__runq_remove(fx_runtime_t *rt, fx_proc_t *p) {
  if (p->runq_prev) p->runq_prev->runq_next = p->runq_next;
  else rt->runq_head = p->runq_next;
  if (p->runq_next) p->runq_next->runq_prev = p->runq_prev;
  else rt->runq_tail = p->runq_prev;
  p->runq_next = p->runq_prev = NULL;
  rt->runq_len--;
}

/* ---- mailboxes ---- */

void fx__mailbox_push(fx_runtime_t *rt, fx_proc_t *p, fx_msg_t *m) {
  if (rt->trace) fx__trace(rt, FX_TRACE_SEND, p->pid, m->from, m->term, FX_NONE);
  m->next = NULL;
  *p->mtail = m;
  p->mtail = &m->next;
  p->mlen++;
  if (p->status == FX_PS_WAITING) fx__runq_push(rt, p);
}

int fx__send_term(fx_runtime_t *rt, fx_pid_t pid, fx_term_t t) {
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_OK;
  fx_msg_t *m;
  int err = fx__msg_from_term(rt, t, &m);
  if (err) return err;
  m->from = rt->current ? rt->current->pid : 0;
  fx__mailbox_push(rt, p, m);
  return FX_OK;
}

/* Scans from the save point for the first message a clause matches and
 * unlinks it. The save point advances past messages that match nothing, so
 * the next scan of the same receive starts after them (BEAM does the same). */
static fx_msg_t *mailbox_take(fx_proc_t *p, fx_received_t *r, fx_term_t *extracted) {
  for (fx_msg_t **pp = p->save, *m; (m = *pp) != NULL; pp = &m->next) {
    int clause = 0;
    size_t n = 0;
    if (p->pattern) clause = fx_pattern_match(p->rt, p->pattern, m->term, extracted, FX_PATTERN_MAX_EXTRACT, &n);
    if (clause < 0) continue;
    *pp = m->next;
    if (p->mtail == &m->next) p->mtail = pp;
    p->save = pp;
    p->mlen--;
    r->kind = FX_RECV_MESSAGE;
    r->clause = clause;
    r->nextracted = n;
    r->extracted = extracted;
    r->message = m->term;
    return m;
  }
  /* Nothing matched: remember where the scan ended (the tail link). */
  p->save = p->mtail;
  return NULL;
}

/* Runs p, just popped from the run queue, for up to `budget` callbacks;
 * returns how many it used. It leaves p waiting, held, exited, or back in
 * the queue (at the tail) when its budget ran out or it yielded. */
uint32_t fx__run_slice(fx_runtime_t *rt, fx_proc_t *p, uint32_t budget) {
  fx_term_t extracted[FX_PATTERN_MAX_EXTRACT];
  fx_pid_t pid = p->pid;
  uint32_t used = 0;
  for (;;) {
    fx_received_t r = {0};
    if (p->flags & FX_PF_YIELD) {
      p->flags &= (uint8_t)~FX_PF_YIELD;
      r.kind = FX_RECV_RESUME;
    } else if ((p->current = mailbox_take(p, &r, extracted)) != NULL) {
      if (rt->trace) fx__trace(rt, FX_TRACE_RECEIVE, pid, p->current->from, r.message, FX_NONE);
    } else if (p->flags & FX_PF_TIMED_OUT) {
      r.kind = FX_RECV_TIMEOUT;
    } else {
      p->status = FX_PS_WAITING;
      return used;
    }
    p->flags &= (uint8_t)~FX_PF_TIMED_OUT;
    if (p->recv_timer) {
      fx__timer_cancel(rt, p->recv_timer);
      p->recv_timer = 0;
    }
    used++;
    if (!fx__proc_handle(p, &r)) return used; /* exited: p is freed */
    if (p->status != FX_PS_RUNNABLE) return used;
    /* It is back in the queue: stay there if its turn is over. */
    if (used >= budget || (p->flags & FX_PF_YIELD)) return used;
    fx__runq_remove(rt, p);
  }
}

/* One pass: due timers, then each process that was runnable when the pass
 * began gets one slice (processes woken meanwhile wait for the next pass).
 * Returns the reductions used. */
static uint32_t run_pass(fx_runtime_t *rt, uint32_t budget) {
  /* No timers, no need for the time. Fresh calls alone (calls.c) need none
   * yet either: their timeouts start at the next reading, so none is due
   * before it unless its timeout is 0, and the reading after the pass
   * serves the calls that outlive it (a call answered within the pass, the
   * usual round trip, costs no reading at all). */
  if ((rt->heap_len | rt->call_dhead) != 0 || (rt->call_fhead && rt->call_fresh_min <= 0)) {
    fx_update_time(rt);
    fx__timers_fire(rt);
  }
  uint32_t used = 0;
  for (size_t n = rt->runq_len; n > 0 && rt->runq_head && used < budget; n--) {
    fx_proc_t *p = rt->runq_head;
    fx__runq_remove(rt, p);
    uint32_t slice = budget - used < rt->reductions ? budget - used : rt->reductions;
    used += fx__run_slice(rt, p, slice);
  }
  /* Calls made during the pass start their timeouts now: left for the next
   * reading, which may be a host waking at fx_next_deadline (the earliest
   * they could be due), they would time out a whole timeout late. */
  if (rt->call_fhead) fx_update_time(rt);
  return used;
}


static int work_remains(const fx_runtime_t *rt) { return rt->runq_head != NULL || fx__timers_pending(rt); }

int fx_runnable(const fx_runtime_t *rt) { return rt && rt->runq_head != NULL; }

int fx_clock_wanted(const fx_runtime_t *rt) { return rt && rt->call_fhead != 0; }

int64_t fx_next_deadline(const fx_runtime_t *rt) {
  if (!rt || !fx__timers_pending(rt)) return -1;
  int64_t due = rt->heap_len ? rt->timers[rt->heap[0]].due : INT64_MAX;
  if (rt->call_dhead && rt->calls[rt->call_dhead].due < due) due = rt->calls[rt->call_dhead].due; /* calls.c */
  /* A fresh call's timeout starts at the next clock reading: at the
   * earliest, now. */
  if (rt->call_fhead && fx__time_after(rt->now, rt->call_fresh_min) < due) due = fx__time_after(rt->now, rt->call_fresh_min);
  return due;
}

int64_t fx_next_timeout(fx_runtime_t *rt) {
  if (!rt) return -1;
  if (rt->runq_head) return 0;
  if (!fx__timers_pending(rt)) return -1;
  int64_t now = fx_update_time(rt), due = fx_next_deadline(rt);
  return due > now ? due - now : 0;
}

static int due_now(fx_runtime_t *rt) {
  if (!fx__timers_pending(rt)) return 0;
  int64_t now = fx_update_time(rt), due = fx_next_deadline(rt);
  return due >= 0 && due <= now;
}

static void sleep_until_deadline(fx_runtime_t *rt) {
  int64_t due = fx_next_deadline(rt);
  if (due >= 0 && rt->sleep && !rt->runq_head) rt->sleep(rt->sleep_ud, due);
}

/* Passes until nothing is runnable and no timer is due (FX_RUN_IDLE). While
 * no timer exists, a pass has nothing to check before the next one, so the
 * processes woken meanwhile run in the same loop: one pass a message
 * between two processes would cost more than the message. */
static void run_until_idle(fx_runtime_t *rt) {
  do {
    run_pass(rt, UINT32_MAX);
    while (!fx__timers_pending(rt) && rt->runq_head) {
      fx_proc_t *p = rt->runq_head;
      fx__runq_remove(rt, p);
      fx__run_slice(rt, p, rt->reductions);
    }
  } while (rt->runq_head || due_now(rt));
}

int fx_run(fx_runtime_t *rt, fx_run_mode_t mode) {
  if (!rt || rt->current) return rt ? FX_ESTATE : FX_EINVAL;
  switch (mode) {
  case FX_RUN_NOWAIT:
    run_pass(rt, UINT32_MAX);
    break;
  case FX_RUN_ONCE:
    sleep_until_deadline(rt);
    run_pass(rt, UINT32_MAX);
    break;
  case FX_RUN_IDLE:
    run_until_idle(rt);
    break;
  case FX_RUN_DEFAULT:
    for (;;) {
      run_until_idle(rt);
      if (!rt->sleep || !fx__timers_pending(rt)) break;
      sleep_until_deadline(rt);
    }
    break;
  default:
    return FX_EINVAL;
  }
  return work_remains(rt);
}

int fx_run_budget(fx_runtime_t *rt, uint32_t reductions) {
  if (!rt || rt->current) return rt ? FX_ESTATE : FX_EINVAL;
  uint32_t used = 0;
  do used += run_pass(rt, reductions - used);
  while (used < reductions && (rt->runq_head || due_now(rt)));
  return work_remains(rt);
}
