/* Supervisor: a process that traps exits and keeps its children running.
 *
 * Idle, it receives anything: a child's {'EXIT', Pid, Reason} (restart by
 * strategy, restart type and intensity), its parent's exit (stop), a stale
 * exit from a child's earlier instance (ignored), or a $gen_call query.
 *
 * Starting children is a phase of its own, as OTP's supervisor starts them:
 * one at a time, in order, each once the one before has started. A child
 * whose start function returns 1 (a host's actor, whose init runs in the
 * host after the start) acknowledges its start with a
 * {'$fx_child_started', Pid} message, which the phase waits for
 * selectively, as OTP's waits for a child's init; a child that exits first
 * failed to start. What that means depends on why the phase started:
 *   - its own start: the supervisor stops the children started so far and
 *     exits with {shutdown, {failed_to_start_child, Id, Reason}} (the later
 *     ones were never started);
 *   - a restart (by strategy): the failure is one more crash of the child,
 *     restarted again whatever its reason;
 *   - a restart_child call: answered {error, Reason}, the child left
 *     stopped, as OTP's.
 * A supervisor child whose own start is still in its phase acknowledges its
 * start to its parent once that phase is over.
 *
 * Stopping children is a phase too: one child at a time, in reverse start
 * order, it sends `shutdown` (or `kill` for brutal_kill) and waits
 * selectively for that child's EXIT, sending `kill` when the child's
 * shutdown time runs out; then it does what the phase was for. Messages a
 * phase does not wait for stay queued until it is over. */
#include "fauxtp/supervisor.h"
#include "fx_sched.h"

typedef struct child {
  fx_child_spec_t spec; /* id and arg point into the supervisor's heap */
  fx_pid_t pid;         /* 0 while not running */
  bool starting;        /* its start is not acknowledged yet (the start phase waits) */
} child_t;

typedef enum start_purpose {
  START_NONE,     /* no start phase */
  START_INITIAL,  /* the supervisor's own start */
  START_RESTART,  /* restarts by strategy */
  START_REQUESTED /* a restart_child call */
} start_purpose_t;

typedef enum after_stop {
  AFTER_RESTART, /* restart children from `restart_from`, in order */
  AFTER_EXIT,    /* stop the supervisor with `exit_reason` */
  AFTER_REPLY    /* answer a terminate_child call */
} after_stop_t;

typedef struct sup {
  fx_supervisor_spec_t spec;
  child_t *children;
  size_t n;
  fx_heap_t *heap;
  fx_pid_t parent;
  int64_t *restarts; /* a ring of the times of recent restarts... */
  uint32_t restarts_head; /* ...its oldest at this index */
  uint32_t nrestarts;
  fx_pattern_t *wait_pattern; /* what the phase under way waits for */
  /* the start phase */
  start_purpose_t start;
  size_t start_next; /* the stopped children of [start_next, start_hi) remain to start, lowest first */
  size_t start_hi;
  size_t awaited;    /* the child whose acknowledgement is awaited */
  bool in_init;      /* the phase runs inside the supervisor's init */
  /* the stop phase */
  bool stopping;
  size_t stop_next; /* children [stop_lo, stop_next) remain to stop, highest first */
  size_t stop_lo;
  size_t stop_skip; /* a child index the phase leaves alone, or SIZE_MAX */
  size_t waiting;   /* the child whose EXIT is awaited */
  after_stop_t after;
  size_t restart_from;
  fx_term_t exit_reason;
  bool killed_waiting; /* the awaited child was sent kill */
  /* the terminate_child or restart_child call a phase answers: its From,
   * kept in call_heap (NULL: none) */
  fx_heap_t *call_heap;
  fx_term_t call_from;
  fx_pid_t ack_parent; /* the supervisor its start acknowledges to, once its start phase is over, or 0 */
  bool exiting;        /* shutting down: its start is never acknowledged */
} sup_t;

static int idle(fx_proc_t *self) { return fx_receive(self, NULL, FX_INFINITY); }

/* An error code as the reason of a start that failed: its name as an atom. */
static fx_term_t error_reason(fx_runtime_t *rt, int err) {
  fx_term_t name;
  return fx_atom_cstr(rt, fx_err_name(err), &name) == FX_OK ? name : FX_ATOM(NOMEM);
}

/* Waits selectively for the clauses, compiled into wait_pattern. */
static int wait_for(fx_proc_t *self, sup_t *s, const fx_term_t *clauses, size_t n, int64_t timeout_ms) {
  fx_pattern_free(self->rt, s->wait_pattern);
  s->wait_pattern = NULL;
  int err = fx_pattern_compile(self->rt, clauses, n, 0, &s->wait_pattern);
  return err ? err : fx_receive(self, s->wait_pattern, timeout_ms);
}

/* ---- calls a phase answers ---- */

/* Keeps a call's From until the phase that answers it is over. */
static int keep_call(fx_runtime_t *rt, sup_t *s, fx_term_t from) {
  int err = fx_heap_new(rt, &s->call_heap);
  if (err) {
    s->call_heap = NULL;
    return err;
  }
  if ((err = fx_heap_copy(s->call_heap, from, &s->call_from)) != FX_OK) {
    fx_heap_free(s->call_heap);
    s->call_heap = NULL;
  }
  return err;
}

/* Answers the kept call, if any: Tag, or {Tag, Value}. */
static void answer_call(fx_runtime_t *rt, sup_t *s, fx_term_t tag, fx_term_t value) {
  if (!s->call_heap) return;
  fx_term_t reply = tag;
  /* Out of memory even for the pair: the caller learns that much. */
  if (value != FX_NONE && fx_tuple2(s->call_heap, tag, value, &reply) != FX_OK) reply = FX_ATOM(NOMEM);
  fx_reply(rt, s->call_from, reply);
  fx_heap_free(s->call_heap);
  s->call_heap = NULL;
}

/* ---- starting ---- */

/* Whether its own start is still under way. */
static bool starting_up(const sup_t *s) { return s->start == START_INITIAL; }

/* Acknowledges its own start to the supervisor that waits for it, once its
 * start phase is over. That one waits for nothing else: with no memory for
 * the message, this supervisor stops (its children with it) rather than
 * leave it waiting for ever, and it sees the start fail. */
static int ack_own_start(fx_proc_t *self, sup_t *s) {
  fx_term_t ack;
  if (!s->ack_parent || s->exiting || starting_up(s)) return FX_OK;
  int err = fx_tuple2(fx_proc_heap(self), FX_ATOM(CHILD_STARTED), fx_pid_term(self->pid), &ack);
  if (!err) err = fx_send(self->rt, fx_pid_term(s->ack_parent), ack);
  if (err && err != FX_ENOPROC) return fx_stop(self, FX_ATOM(NOMEM)) ? FX_ENOMEM : FX_OK;
  s->ack_parent = 0; /* sent, or nobody waits */
  return FX_OK;
}

static int start_child(fx_proc_t *self, child_t *c) {
  fx_runtime_t *rt = self->rt;
  fx_spawn_opts_t opts = {.link = self->pid, .name = FX_NONE};
  fx_pid_t pid = 0;
  int err;
  if (c->spec.start) err = c->spec.start(rt, c->spec.start_ud, self->pid, c->spec.arg, &pid);
  else if (c->spec.gen_server) err = fx_gen_server_start(rt, c->spec.gen_server, c->spec.arg, &opts, &pid);
  else if (c->spec.supervisor) err = fx_supervisor_start(rt, c->spec.supervisor, &opts, &pid);
  else err = fx_spawn(rt, c->spec.behaviour, c->spec.arg, &opts, &pid);
  if (err < 0) return err;
  c->starting = err > 0;
  if (c->spec.supervisor) {
    /* Its own start waits for host children: so does this one's. */
    fx_proc_t *child = fx__proc_get(rt, pid);
    sup_t *cs = child ? child->state : NULL;
    if (cs && starting_up(cs)) {
      cs->ack_parent = self->pid;
      c->starting = true;
    }
  }
  /* A host's start function may not link: link here (a no-op if it did). */
  if ((err = fx_link(rt, self->pid, pid)) != FX_OK) {
    fx_exit(rt, pid, FX_ATOM(KILL));
    return err;
  }
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (p && fx__proc_ext(p)) p->ext->supervisor = self->pid;
  c->pid = pid;
  return FX_OK;
}

/* Stops a child without waiting (used where no waiting is possible: a
 * failed start inside the supervisor's init, or its crash). */
static void kill_now(fx_runtime_t *rt, child_t *c) {
  if (!c->pid) return;
  fx_exit(rt, c->pid, FX_ATOM(KILL));
  c->pid = 0;
  c->starting = false;
}

/* ---- restart intensity ---- */

/* Records a restart now; false when that is one too many for the window. */
static bool restart_allowed(fx_runtime_t *rt, sup_t *s) {
  int64_t now = fx_update_time(rt), window = (int64_t)s->spec.max_seconds * 1000;
  uint32_t cap = s->spec.max_restarts + 1;
  /* Times only grow, so the restarts that left the window are the oldest:
   * drop them from the front, each once (O(1) amortised). */
  while (s->nrestarts && s->restarts[s->restarts_head] <= now - window) {
    s->restarts_head = (s->restarts_head + 1) % cap;
    s->nrestarts--;
  }
  if (s->nrestarts >= s->spec.max_restarts) return false;
  s->restarts[(s->restarts_head + s->nrestarts++) % cap] = now;
  return true;
}

static bool is_normal_reason(fx_term_t r) {
  if (r == FX_ATOM(NORMAL) || r == FX_ATOM(SHUTDOWN)) return true;
  return fx_is_tuple(r) && fx_tuple_arity(r) == 2 && fx_tuple_get(r, 0) == FX_ATOM(SHUTDOWN);
}

/* ---- the stop phase ---- */

static int continue_stopping(fx_proc_t *self, sup_t *s);
static int after_stopping(fx_proc_t *self, sup_t *s);

static void forget_child(sup_t *s, size_t i) {
  memmove(&s->children[i], &s->children[i + 1], (s->n - i - 1) * sizeof *s->children);
  s->n--;
}

/* Child i of the stop phase is down. OTP drops a temporary child's spec
 * once it is stopped: it is never restarted, by a strategy either. The
 * phase walks down from the top, so this shifts only children it is done
 * with (and none it restarts from). */
static void child_stopped(sup_t *s, size_t i) {
  s->children[i].pid = 0;
  s->children[i].starting = false;
  if (s->children[i].spec.restart == FX_TEMPORARY && s->after != AFTER_EXIT) forget_child(s, i);
}

static int begin_stop(fx_proc_t *self, sup_t *s, size_t lo, size_t hi, size_t skip, after_stop_t after) {
  s->stopping = true;
  s->stop_lo = lo;
  s->stop_next = hi;
  s->stop_skip = skip;
  s->after = after;
  return continue_stopping(self, s);
}

static int wait_for_exit(fx_proc_t *self, sup_t *s, child_t *c) {
  fx_term_t pat;
  int err = fx_tuple3(fx_proc_heap(self), FX_ATOM(EXIT), fx_pid_term(c->pid), fx_pat_ignore(), &pat);
  if (!err) err = wait_for(self, s, &pat, 1, s->killed_waiting ? FX_INFINITY : c->spec.shutdown_ms);
  if (err) {
    /* No memory to wait selectively: stop it now; its EXIT is then stale. */
    kill_now(self->rt, c);
    child_stopped(s, s->waiting);
    return continue_stopping(self, s);
  }
  return FX_OK;
}

static int continue_stopping(fx_proc_t *self, sup_t *s) {
  while (s->stop_next > s->stop_lo) {
    size_t i = --s->stop_next;
    child_t *c = &s->children[i];
    if (!c->pid || i == s->stop_skip) continue;
    s->waiting = i;
    s->killed_waiting = c->spec.shutdown_ms == 0;
    /* With no memory to ask it to shut down, kill it. */
    if (!s->killed_waiting && fx_exit(self->rt, c->pid, FX_ATOM(SHUTDOWN)) != FX_OK) s->killed_waiting = true;
    if (s->killed_waiting) fx_exit(self->rt, c->pid, FX_ATOM(KILL));
    return wait_for_exit(self, s, c);
  }
  s->stopping = false;
  fx_pattern_free(self->rt, s->wait_pattern);
  s->wait_pattern = NULL;
  return after_stopping(self, s);
}

/* The awaited EXIT came, or the child's shutdown time ran out. */
static int on_stop_progress(fx_proc_t *self, sup_t *s, const fx_received_t *r) {
  child_t *c = &s->children[s->waiting];
  if (r->kind == FX_RECV_TIMEOUT) {
    s->killed_waiting = true;
    fx_exit(self->rt, c->pid, FX_ATOM(KILL));
    return wait_for_exit(self, s, c);
  }
  child_stopped(s, s->waiting);
  return continue_stopping(self, s);
}

static int shutdown_self(fx_proc_t *self, sup_t *s, fx_term_t reason) {
  fx_term_t kept;
  if (fx_heap_copy(s->heap, reason, &kept) != FX_OK) kept = FX_ATOM(SHUTDOWN);
  s->exit_reason = kept;
  s->exiting = true;
  return begin_stop(self, s, 0, s->n, SIZE_MAX, AFTER_EXIT);
}

/* ---- the start phase ---- */

static int continue_starting(fx_proc_t *self, sup_t *s);
static int child_exited(fx_proc_t *self, sup_t *s, size_t i, fx_term_t reason, bool unstarted);

/* Starts the stopped children of [lo, hi) in order, each once the one
 * before has started, then goes idle. */
static int begin_start(fx_proc_t *self, sup_t *s, size_t lo, size_t hi, start_purpose_t why) {
  s->start = why;
  s->start_next = lo;
  s->start_hi = hi;
  return continue_starting(self, s);
}

static void end_start(fx_proc_t *self, sup_t *s) {
  s->start = START_NONE;
  fx_pattern_free(self->rt, s->wait_pattern);
  s->wait_pattern = NULL;
}

/* Child i failed its part of the supervisor's own start: the children
 * started before it stop, and the supervisor exits with
 * {shutdown, {failed_to_start_child, Id, Reason}}. */
static int own_start_failed(fx_proc_t *self, sup_t *s, size_t i, fx_term_t reason) {
  fx_term_t failed, reason_out;
  fx_heap_t *h = fx_proc_heap(self);
  end_start(self, s);
  int err = fx_tuple3(h, FX_ATOM(FAILED_TO_START_CHILD), s->children[i].spec.id, reason, &failed);
  if (!err) err = fx_tuple2(h, FX_ATOM(SHUTDOWN), failed, &reason_out);
  return shutdown_self(self, s, err ? FX_ATOM(SHUTDOWN) : reason_out);
}

/* Starts child i again; a start that fails counts as one more restart.
 * False when the intensity ran out (the supervisor is shutting down). */
static bool restart_child(fx_proc_t *self, sup_t *s, size_t i, int *rc) {
  while (start_child(self, &s->children[i]) != FX_OK) {
    if (!restart_allowed(self->rt, s)) {
      end_start(self, s);
      *rc = shutdown_self(self, s, FX_ATOM(SHUTDOWN));
      return false;
    }
  }
  if (self->rt->trace) fx__trace(self->rt, FX_TRACE_RESTART, s->children[i].pid, self->pid, FX_NONE, FX_NONE);
  return true;
}

/* Waits for child i's acknowledgement, or its exit. */
static int await_start(fx_proc_t *self, sup_t *s, size_t i) {
  fx_heap_t *h = fx_proc_heap(self);
  fx_term_t pid = fx_pid_term(s->children[i].pid), clauses[2];
  s->awaited = i;
  int err = fx_tuple2(h, FX_ATOM(CHILD_STARTED), pid, &clauses[0]);
  if (!err) err = fx_tuple3(h, FX_ATOM(EXIT), pid, fx_pat_any(), &clauses[1]);
  if (!err) err = wait_for(self, s, clauses, 2, FX_INFINITY);
  if (err) {
    /* No memory to wait selectively: the start counts as over, and the
     * next one begins (an exit is then an ordinary crash). */
    s->children[i].starting = false;
    return continue_starting(self, s);
  }
  return FX_OK;
}

static int continue_starting(fx_proc_t *self, sup_t *s) {
  fx_runtime_t *rt = self->rt;
  while (s->start_next < s->start_hi) {
    size_t i = s->start_next++;
    child_t *c = &s->children[i];
    int rc = FX_OK;
    if (c->pid) continue;
    s->awaited = i;
    if (s->start == START_RESTART) {
      if (!restart_child(self, s, i, &rc)) return rc;
    } else if ((rc = start_child(self, c)) != FX_OK) {
      if (s->start == START_REQUESTED) {
        end_start(self, s);
        answer_call(rt, s, FX_ATOM(ERROR), error_reason(rt, rc));
        return idle(self);
      }
      if (s->in_init) {
        /* Inside its init: the supervisor's spawn fails instead. */
        end_start(self, s);
        while (i-- > 0) kill_now(rt, &s->children[i]);
        return rc;
      }
      return own_start_failed(self, s, i, error_reason(rt, rc));
    }
    if (c->starting) return await_start(self, s, i);
  }
  start_purpose_t why = s->start;
  end_start(self, s);
  if (why == START_REQUESTED) answer_call(rt, s, FX_ATOM(OK), fx_pid_term(s->children[s->awaited].pid));
  return idle(self);
}

/* The awaited child acknowledged its start, or exited before it did. */
static int on_start_progress(fx_proc_t *self, sup_t *s, const fx_received_t *r) {
  size_t i = s->awaited;
  child_t *c = &s->children[i];
  if (r->kind != FX_RECV_MESSAGE) return fx_receive(self, s->wait_pattern, FX_INFINITY);
  c->starting = false;
  if (r->clause == 0) return continue_starting(self, s);
  fx_term_t reason = fx_tuple_get(r->message, 2);
  c->pid = 0;
  start_purpose_t why = s->start;
  if (why == START_INITIAL) return own_start_failed(self, s, i, reason);
  end_start(self, s);
  if (why == START_REQUESTED) {
    /* OTP's answers the error and leaves the child stopped; no restart
     * is counted. */
    answer_call(self->rt, s, FX_ATOM(ERROR), reason);
    if (c->spec.restart == FX_TEMPORARY) forget_child(s, i);
    return idle(self);
  }
  /* A restart that failed: restarted again whatever its reason, as OTP's;
   * the rest of a group restart waits for the strategy's next one. */
  return child_exited(self, s, i, reason, true);
}

/* ---- restarting ---- */

static int after_stopping(fx_proc_t *self, sup_t *s) {
  switch (s->after) {
  case AFTER_RESTART:
    return begin_start(self, s, s->restart_from, s->n, START_RESTART);
  case AFTER_EXIT:
    return fx_stop(self, s->exit_reason);
  case AFTER_REPLY:
    answer_call(self->rt, s, FX_ATOM(OK), FX_NONE);
    return idle(self);
  }
  return idle(self);
}

/* Child i exited (unstarted: before it acknowledged a restart). */
static int child_exited(fx_proc_t *self, sup_t *s, size_t i, fx_term_t reason, bool unstarted) {
  child_t *c = &s->children[i];
  c->pid = 0;
  c->starting = false;
  bool restart = c->spec.restart == FX_PERMANENT || (c->spec.restart == FX_TRANSIENT && (unstarted || !is_normal_reason(reason)));
  if (c->spec.restart == FX_TEMPORARY) forget_child(s, i);
  if (!restart) return idle(self);
  if (!restart_allowed(self->rt, s)) return shutdown_self(self, s, FX_ATOM(SHUTDOWN));
  switch (s->spec.strategy) {
  case FX_ONE_FOR_ALL:
    s->restart_from = 0;
    return begin_stop(self, s, 0, s->n, i, AFTER_RESTART);
  case FX_REST_FOR_ONE:
    s->restart_from = i;
    return begin_stop(self, s, i + 1, s->n, SIZE_MAX, AFTER_RESTART);
  default:
    return begin_start(self, s, i, i + 1, START_RESTART);
  }
}

/* ---- queries ---- */

static long find_id(const fx_runtime_t *rt, const sup_t *s, fx_term_t id) {
  for (size_t i = 0; i < s->n; i++)
    if (fx_term_equal(rt, s->children[i].spec.id, id)) return (long)i;
  return -1;
}

/* Answers a query, then waits for the next message. */
static int answer(fx_proc_t *self, fx_term_t from, fx_term_t reply) {
  int err = fx_reply(self->rt, from, reply);
  return err ? err : idle(self);
}

static int answer_error(fx_proc_t *self, fx_term_t from, fx_term_t what) {
  fx_term_t r;
  int err = fx_tuple2(fx_proc_heap(self), FX_ATOM(ERROR), what, &r);
  return err ? err : answer(self, from, r);
}

static int which_children(fx_runtime_t *rt, fx_heap_t *h, const sup_t *s, fx_term_t *out) {
  fx_term_t list = FX_NIL;
  for (size_t i = s->n; i-- > 0;) {
    const child_t *c = &s->children[i];
    fx_term_t pair;
    int err = fx_tuple2(h, c->spec.id, c->pid ? fx_pid_term(c->pid) : FX_ATOM(UNDEFINED), &pair);
    if (!err) err = fx_make_cons(h, pair, list, &list);
    if (err) return err;
  }
  (void)rt;
  *out = list;
  return FX_OK;
}

static int count_children(fx_heap_t *h, const sup_t *s, fx_term_t *out) {
  int64_t active = 0, sups = 0;
  for (size_t i = 0; i < s->n; i++) {
    active += s->children[i].pid != 0;
    sups += s->children[i].spec.supervisor != NULL;
  }
  fx_term_t keys[4] = {FX_ATOM(SPECS), FX_ATOM(ACTIVE), FX_ATOM(SUPERVISORS), FX_ATOM(WORKERS)};
  fx_term_t vals[4] = {fx_small((int64_t)s->n), fx_small(active), fx_small(sups), fx_small((int64_t)s->n - sups)};
  return fx_make_map(h, 4, keys, vals, out);
}

/* Answers a query, or begins the phase that answers it. */
static int on_call(fx_proc_t *self, sup_t *s, fx_term_t from, fx_term_t req) {
  fx_runtime_t *rt = self->rt;
  fx_heap_t *h = fx_proc_heap(self);
  fx_term_t reply;
  int err;
  if (req == FX_ATOM(WHICH_CHILDREN)) {
    if ((err = which_children(rt, h, s, &reply)) != FX_OK) return err;
    return answer(self, from, reply);
  }
  if (req == FX_ATOM(COUNT_CHILDREN)) {
    if ((err = count_children(h, s, &reply)) != FX_OK) return err;
    return answer(self, from, reply);
  }
  if (fx_is_tuple(req) && fx_tuple_arity(req) == 2) {
    fx_term_t op = fx_tuple_get(req, 0);
    long i = find_id(rt, s, fx_tuple_get(req, 1));
    if (op == FX_ATOM(TERMINATE_CHILD) || op == FX_ATOM(RESTART_CHILD)) {
      if (i < 0) return answer_error(self, from, FX_ATOM(NOT_FOUND));
      bool restart = op == FX_ATOM(RESTART_CHILD);
      if (restart && s->children[i].pid) return answer_error(self, from, FX_ATOM(RUNNING));
      /* Answered when its phase is over: a restart once the child has
       * started (or failed to), as OTP's waits for the child's init. */
      if ((err = keep_call(rt, s, from)) != FX_OK) return answer_error(self, from, FX_ATOM(NOMEM));
      if (restart) return begin_start(self, s, (size_t)i, (size_t)i + 1, START_REQUESTED);
      return begin_stop(self, s, (size_t)i, (size_t)i + 1, SIZE_MAX, AFTER_REPLY);
    }
  }
  return answer_error(self, from, FX_ATOM(BADARG));
}

/* ---- the behaviour ---- */

static int dispatch(fx_proc_t *self, sup_t *s, fx_term_t m) {
  if (fx_is_tuple(m) && fx_tuple_arity(m) == 3 && fx_tuple_get(m, 0) == FX_ATOM(EXIT) && fx_is_local_pid(fx_tuple_get(m, 1))) {
    fx_pid_t pid = fx_term_pid(fx_tuple_get(m, 1));
    fx_term_t reason = fx_tuple_get(m, 2);
    if (pid == s->parent) return shutdown_self(self, s, reason);
    /* From no process (an exit signal from outside): no child's, though a
     * stopped child's pid is 0 too. */
    for (size_t i = 0; pid && i < s->n; i++)
      if (s->children[i].pid == pid) return child_exited(self, s, i, reason, false);
    return idle(self); /* a stale notice from an earlier instance */
  }
  if (fx_is_tuple(m) && fx_tuple_arity(m) == 3 && fx_tuple_get(m, 0) == FX_ATOM(GEN_CALL))
    return on_call(self, s, fx_tuple_get(m, 1), fx_tuple_get(m, 2));
  return idle(self); /* anything else, a late acknowledgement too */
}

static int sup_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  sup_t *s = state;
  int rc = s->stopping                ? on_stop_progress(self, s, r)
           : s->start != START_NONE    ? on_start_progress(self, s, r)
           : r->kind != FX_RECV_MESSAGE ? idle(self)
                                       : dispatch(self, s, r->message);
  /* Its start phase may be over. */
  return rc == FX_OK ? ack_own_start(self, s) : rc;
}

static int copy_specs(fx_runtime_t *rt, sup_t *s, const fx_supervisor_spec_t *spec) {
  s->children = fx__calloc(rt, spec->nchildren * sizeof *s->children + 1);
  s->restarts = fx__calloc(rt, (spec->max_restarts + 1) * sizeof *s->restarts);
  if (!s->children || !s->restarts) return FX_ENOMEM;
  for (size_t i = 0; i < spec->nchildren; i++) {
    const fx_child_spec_t *cs = &spec->children[i];
    child_t *c = &s->children[i];
    c->spec = *cs;
    int err = fx_heap_copy(s->heap, cs->id, &c->spec.id);
    if (!err) err = fx_heap_copy(s->heap, cs->arg == FX_NONE ? FX_NIL : cs->arg, &c->spec.arg);
    if (err) return err;
    s->n = i + 1;
  }
  return FX_OK;
}

/* A spec the supervisor can run: each child started one way, with a valid
 * restart type and shutdown time, under an id no other child has. */
static int check_spec(const fx_runtime_t *rt, const fx_supervisor_spec_t *spec) {
  for (size_t i = 0; i < spec->nchildren; i++) {
    const fx_child_spec_t *cs = &spec->children[i];
    int kinds = !!cs->behaviour + !!cs->gen_server + !!cs->supervisor + !!cs->start;
    if (kinds != 1 || (cs->shutdown_ms < 0 && cs->shutdown_ms != FX_INFINITY) || cs->restart > FX_TEMPORARY ||
        cs->id == FX_NONE)
      return FX_EINVAL;
    for (size_t j = 0; j < i; j++)
      if (fx_term_equal(rt, spec->children[j].id, cs->id)) return FX_EINVAL; /* a repeated id */
  }
  return FX_OK;
}

static int sup_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)arg;
  sup_t *s = state;
  fx_runtime_t *rt = self->rt;
  const fx_supervisor_spec_t *spec = fx__spawn_ctx(self);
  s->spec = *spec;
  /* Its only link so far is the one fx_spawn made to whoever started it. */
  if (self->ext && self->ext->links) s->parent = self->ext->links->pid;
  int err = fx_heap_new(rt, &s->heap);
  if (!err) err = copy_specs(rt, s, spec);
  if (err) return err;
  fx_trap_exit(rt, self->pid, 1);
  s->in_init = true;
  err = begin_start(self, s, 0, s->n, START_INITIAL);
  s->in_init = false;
  return err;
}

/* Reached only by a crash or an exit the phases did not handle: stop what
 * still runs without waiting. */
static void sup_terminate(fx_proc_t *self, void *state, fx_term_t reason) {
  (void)reason;
  sup_t *s = state;
  for (size_t i = s->n; i-- > 0;) kill_now(self->rt, &s->children[i]);
}

static void sup_destroy(fx_runtime_t *rt, void *state) {
  sup_t *s = state;
  fx_heap_free(s->call_heap);
  fx_pattern_free(rt, s->wait_pattern);
  fx_heap_free(s->heap);
  fx__free(rt, s->children, s->spec.nchildren * sizeof *s->children + 1);
  fx__free(rt, s->restarts, (s->spec.max_restarts + 1) * sizeof *s->restarts);
}

static const fx_behaviour_t supervisor = {"supervisor", sizeof(sup_t), sup_init, sup_handle, sup_terminate, sup_destroy};

int fx_supervisor_start(fx_runtime_t *rt, const fx_supervisor_spec_t *spec, const fx_spawn_opts_t *opts, fx_pid_t *out) {
  if (!rt || !spec || (spec->nchildren && !spec->children) || spec->strategy > FX_REST_FOR_ONE ||
      spec->max_restarts > 1000000 || check_spec(rt, spec) != FX_OK)
    return FX_EINVAL;
  return fx__spawn(rt, &supervisor, sizeof(sup_t), spec, FX_NIL, opts, out);
}

/* ---- the query API ---- */

static int sup_call(fx_runtime_t *rt, fx_pid_t sup, fx_term_t op, fx_term_t id, int64_t timeout, fx_call_cb cb, void *ud) {
  fx_heap_t *h;
  int err = fx_heap_new(rt, &h);
  if (err) return err;
  fx_term_t req = op;
  if (id != FX_NONE) err = fx_tuple2(h, op, id, &req);
  if (!err) err = fx_call(rt, fx_pid_term(sup), req, timeout, cb, ud, NULL);
  fx_heap_free(h);
  return err;
}

int fx_supervisor_which_children(fx_runtime_t *rt, fx_pid_t sup, int64_t timeout_ms, fx_call_cb cb, void *ud) {
  return sup_call(rt, sup, FX_ATOM(WHICH_CHILDREN), FX_NONE, timeout_ms, cb, ud);
}

int fx_supervisor_count_children(fx_runtime_t *rt, fx_pid_t sup, int64_t timeout_ms, fx_call_cb cb, void *ud) {
  return sup_call(rt, sup, FX_ATOM(COUNT_CHILDREN), FX_NONE, timeout_ms, cb, ud);
}

int fx_supervisor_terminate_child(fx_runtime_t *rt, fx_pid_t sup, fx_term_t id, int64_t timeout_ms, fx_call_cb cb, void *ud) {
  return id == FX_NONE ? FX_EINVAL : sup_call(rt, sup, FX_ATOM(TERMINATE_CHILD), id, timeout_ms, cb, ud);
}

int fx_supervisor_restart_child(fx_runtime_t *rt, fx_pid_t sup, fx_term_t id, int64_t timeout_ms, fx_call_cb cb, void *ud) {
  return id == FX_NONE ? FX_EINVAL : sup_call(rt, sup, FX_ATOM(RESTART_CHILD), id, timeout_ms, cb, ud);
}
