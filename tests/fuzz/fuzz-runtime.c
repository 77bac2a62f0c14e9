/* libFuzzer target: one runtime driven by a program of operations, checked
 * against a model of what the public API promises.
 *
 * The input is a sequence of operations (one opcode byte, then operand
 * bytes; see `step`): spawn C processes, send them messages (fx_send, and
 * fx_send_etf with bytes from the input), exit signals with every kind of
 * reason, link/unlink, monitor/demonitor, trap_exit, the registry, timers
 * on a manual clock, calls (fx_call, answered with fx_reply by the
 * processes), and fx_run in each mode or with a budget. A message
 * tells its receiver what to do (forward, stop, crash, signal, link,
 * change its receive pattern, yield, time out, start a timer).
 *
 * The model follows every process (alive or dead), link, monitor, name and
 * timer. Deaths are learnt from the trace hook's exit events, and each must
 * have a cause the model knows (an exit signal, a link, the process's own
 * stop); a process with a cause to die must be dead by the end of the
 * operation. After every operation:
 *  - dead pids are not alive (fx_is_alive, fx_process_info and
 *    fx_mailbox_length say FX_ENOPROC), live ones are, with the model's
 *    trap flag, name, link and monitor counts, waiting or runnable;
 *  - fx_process_count and fx_processes agree with the model;
 *  - registered names map to live pids only, whereis of any other name is
 *    FX_EBADNAME, fx_registered counts the model's names;
 *  - every call returns what the model predicts (error codes included),
 *    a send from outside to a live process adds one message to its mailbox,
 *    and a timer is pending exactly until a run after its due time;
 *  - messages from one sender to one receiver are received in the order
 *    sent (each carries a sequence number);
 *  - a call completes exactly once, with its own reply, by the end of the
 *    operation that killed its target, or at a run after its timeout (which
 *    starts between fx_call and the next run: never early, never later);
 *  - terminate runs at most once, destroy exactly once per process, and
 *    at teardown nothing leaks (ASan's leak checker). */
#include <string.h>

#include "fuzz.h"

#define MAX_PROCS 24
#define MAX_MONITORS 48
#define MAX_TIMERS 48
#define MAX_CALLS 32
#define NNAMES 4
#define NPATTERNS 6
#define MAX_STEPS 256

/* Senders for sequence numbers: 0 is the harness, 1 + i process i. */
#define HARNESS 0

typedef struct mproc {
  fx_pid_t pid;
  int alive;
  int trap;
  int may_die;  /* a known cause allows it to die */
  int must_die; /* a known cause must have ended it by now */
  int name;     /* registered name index, or -1 */
  int pat;      /* its receive pattern (index into patterns) */
  int64_t timeout; /* for its next receive */
  int terminated; /* terminate calls */
  int destroyed;
  uint32_t last_seq[MAX_PROCS + 1]; /* per sender, under complete patterns */
} mproc_t;

typedef struct mmonitor {
  fx_term_t ref;
  int watcher, target, active;
} mmonitor_t;

typedef struct mtimer {
  fx_timer_t handle;
  int64_t due;
  int pending;
  int target; /* the live process it was set to (its exit cancels it), or -1 */
} mtimer_t;

struct ctx;

/* A call from the harness: completes exactly once, with the reply (odd
 * requests are answered by a process that takes any message), at the
 * target's death, or at its timeout. */
typedef struct mcall {
  struct ctx *c;
  int target;
  int64_t due; /* -1: no timeout; else the earliest it may time out */
  int req;
  int expired; /* a run happened at or after due_by */
  int done;
  int64_t ms;     /* its timeout */
  int64_t due_by; /* -1 until a run: its timeout starts at the next clock reading, by then */
} mcall_t;

typedef struct spawn_req {
  int link; /* model index or -1 */
  int name; /* name index or -1 */
  int trap;
  int mode; /* what init does */
  int pat;
} spawn_req_t;

typedef struct ctx {
  fx_runtime_t *rt;
  fx_heap_t *heap; /* refs of monitors, message building */
  int64_t clock;
  fuzz_input_t in;
  fx_term_t fz, names[NNAMES], reasons[5];
  fx_pattern_t *pats[NPATTERNS];
  mproc_t procs[MAX_PROCS];
  int nprocs;
  int links[MAX_PROCS][MAX_PROCS];
  int name_owner[NNAMES];
  mmonitor_t mons[MAX_MONITORS];
  int nmons;
  mtimer_t timers[MAX_TIMERS];
  int ntimers;
  mcall_t calls[MAX_CALLS];
  int ncalls;
  uint32_t seq[MAX_PROCS + 1][MAX_PROCS]; /* last sent, per sender and receiver */
  spawn_req_t req;
  int inits, destroys;
} ctx_t;

/* Patterns whose clauses together match every {fz, ...} message: under
 * them, messages are taken oldest first, so sequence numbers must rise. */
static const int complete_pattern[NPATTERNS] = {1, 1, 0, 1, 0, 1};

enum { R_NORMAL, R_KILL, R_SHUTDOWN, R_BOOM, R_KILLED };

/* ---- the model ---- */

static int find_proc(const ctx_t *c, fx_pid_t pid) {
  for (int i = 0; i < c->nprocs; i++)
    if (c->procs[i].pid == pid) return i;
  return -1;
}

static int link_count(const ctx_t *c, int i) {
  int n = 0;
  for (int j = 0; j < c->nprocs; j++) n += c->links[i][j];
  return n;
}

static void must_die(ctx_t *c, int i) {
  if (c->procs[i].alive) c->procs[i].may_die = c->procs[i].must_die = 1;
}

/* An exit signal with `reason` from `from` (a model index, or -1 for the
 * harness or a dead process) reaching live process i, as fx_exit and links
 * deliver it. Returns 1 when it becomes an {'EXIT', ...} message. */
static int model_signal(ctx_t *c, int from, int i, fx_term_t reason, int untrappable) {
  mproc_t *m = &c->procs[i];
  if (!m->alive) return 0;
  if (untrappable) must_die(c, i);
  else if (m->trap) return 1;
  else if (reason != FX_ATOM(NORMAL) || from == i) must_die(c, i);
  return 0;
}

/* A process is born, as fx_spawn was asked (c->req): the model learns of
 * it from the spawn event, before its init runs. */
static void model_spawn(ctx_t *c, fx_pid_t pid) {
  const spawn_req_t *r = &c->req;
  FUZZ_CHECK(c->nprocs < MAX_PROCS, "too many processes");
  int i = c->nprocs++;
  mproc_t *m = &c->procs[i];
  memset(m, 0, sizeof *m);
  m->pid = pid;
  m->alive = 1;
  m->trap = r->trap;
  m->name = r->name;
  m->pat = r->pat;
  m->timeout = FX_INFINITY;
  if (r->name >= 0) c->name_owner[r->name] = i;
  if (r->link >= 0) c->links[i][r->link] = c->links[r->link][i] = 1;
}

/* The trace hook: deaths (and births) as the core reports them. It must
 * not call into the runtime; it only reads the event and updates the
 * model. */
static void on_trace(void *ud, const fx_trace_event_t *ev) {
  ctx_t *c = ud;
  int i = find_proc(c, ev->pid);
  if (ev->kind == FX_TRACE_SPAWN) {
    FUZZ_CHECK(i < 0, "a pid is spawned twice (process %d)", i);
    model_spawn(c, ev->pid);
    return;
  }
  if (ev->kind != FX_TRACE_EXIT) return;
  FUZZ_CHECK(i >= 0, "exit event for an unknown pid");
  mproc_t *m = &c->procs[i];
  FUZZ_CHECK(m->alive, "process %d exits twice", i);
  FUZZ_CHECK(m->may_die, "process %d exits with no cause the model knows", i);
  m->alive = 0;
  if (m->name >= 0) c->name_owner[m->name] = -1;
  m->name = -1;
  for (int j = 0; j < c->nprocs; j++) {
    if (!c->links[i][j]) continue;
    c->links[i][j] = c->links[j][i] = 0;
    model_signal(c, i, j, ev->reason, 0);
  }
  for (int k = 0; k < c->nmons; k++)
    if (c->mons[k].watcher == i || c->mons[k].target == i) c->mons[k].active = 0;
  for (int k = 0; k < c->ntimers; k++)
    if (c->timers[k].target == i) c->timers[k].pending = 0;
}

/* A live or dead process's pid, or, for i == nprocs, a pid nobody has. */
static fx_pid_t pid_of(const ctx_t *c, int i) {
  return i < c->nprocs ? c->procs[i].pid : fx_pid_make(MAX_PROCS * 4 + 1, 7);
}

/* A process index from a byte: any process, or (one value in n + 1) none. */
static int pick(const ctx_t *c, uint8_t b) { return b % (c->nprocs + 1); }

static size_t mailbox(const ctx_t *c, int i) {
  size_t n = 0;
  int err = fx_mailbox_length(c->rt, c->procs[i].pid, &n);
  FUZZ_CHECK(err == FX_OK, "mailbox of live process %d: %s", i, fx_err_name(err));
  return n;
}

/* {fz, From, Seq, Op, Arg} on the context's heap; seq 0 is unordered. */
static fx_term_t fz_message(ctx_t *c, int from, uint32_t seq, int op, int arg) {
  fx_term_t el[5] = {c->fz, fx_small(from), fx_small(seq), fx_small(op), fx_small(arg)}, t;
  FUZZ_CHECK(fx_make_tuple(c->heap, 5, el, &t) == FX_OK, "fx_make_tuple");
  return t;
}

/* ---- the processes ---- */

typedef struct proc_state {
  ctx_t *c;
  int idx;
  void *token; /* freed by destroy: a destroy that never runs leaks it */
} proc_state_t;

static int post_receive(fx_proc_t *self, ctx_t *c, mproc_t *m) {
  int64_t timeout = m->timeout;
  m->timeout = FX_INFINITY;
  return fx_receive(self, c->pats[m->pat], timeout);
}

static int beh_init(fx_proc_t *self, void *st, fx_term_t arg) {
  proc_state_t *s = st;
  ctx_t *c = (ctx_t *)(uintptr_t)fx_small_value(arg);
  c->inits++;
  s->c = c;
  s->idx = find_proc(c, fx_self(self));
  FUZZ_CHECK(s->idx >= 0 && s->idx == c->nprocs - 1, "init runs before its spawn event");
  s->token = malloc(16);
  FUZZ_CHECK(s->token != NULL, "malloc");
  mproc_t *m = &c->procs[s->idx];
  FUZZ_CHECK(m->alive, "init of a dead process");
  switch (c->req.mode) {
  case 0: return post_receive(self, c, m);
  case 1: m->may_die = 1; return FX_EINVAL;
  case 2: m->may_die = 1; return fx_stop(self, c->reasons[R_BOOM]);
  case 3: m->may_die = 1; return fx_stop(self, FX_ATOM(NORMAL));
  case 4: m->may_die = 1; return FX_OK; /* asks for nothing: exits normal */
  default: return fx_yield(self);
  }
}

/* Carries out what an {fz, ...} message says. Returns a callback result,
 * or 1 to go on receiving. */
static int run_op(fx_proc_t *self, ctx_t *c, int me, int op, int arg) {
  mproc_t *m = &c->procs[me];
  switch (op) {
  case 1: { /* forward an empty op to another process */
    int to = arg % c->nprocs;
    fx_term_t msg = fz_message(c, 1 + me, ++c->seq[1 + me][to], 0, 0);
    int err = fx_send(c->rt, fx_pid_term(c->procs[to].pid), msg);
    FUZZ_CHECK(err == FX_OK, "forward: %s", fx_err_name(err));
    return 1;
  }
  case 2: m->may_die = m->must_die = 1; return FX_OK; /* no receive: exits normal */
  case 3: m->may_die = m->must_die = 1; return fx_stop(self, c->reasons[arg % 4]);
  case 4: m->may_die = m->must_die = 1; return FX_EINVAL;
  case 5: { /* an exit signal to someone, maybe itself */
    int to = (arg & 31) % (c->nprocs + 1);
    fx_term_t reason = c->reasons[(arg >> 5) % 5];
    if (to < c->nprocs) model_signal(c, me, to, reason, reason == FX_ATOM(KILL));
    int err = fx_exit(c->rt, pid_of(c, to), reason);
    FUZZ_CHECK(err == FX_OK, "fx_exit from a process: %s", fx_err_name(err));
    return 1;
  }
  case 6: m->pat = arg % NPATTERNS; return 1;
  case 7: return fx_yield(self);
  case 8: { /* a timer to another process (unordered) */
    fx_term_t msg = fz_message(c, 1 + me, 0, 0, 0);
    int err = fx_send_after(c->rt, arg % 50, fx_pid_term(pid_of(c, arg % (c->nprocs + 1))), msg, NULL);
    FUZZ_CHECK(err == FX_OK, "fx_send_after from a process: %s", fx_err_name(err));
    return 1;
  }
  case 9: m->timeout = arg % 40; return 1;
  case 10: { /* link to another process from inside */
    int to = arg % (c->nprocs + 1);
    int err = fx_link(c->rt, m->pid, pid_of(c, to));
    FUZZ_CHECK(err == FX_OK, "fx_link from a process: %s", fx_err_name(err));
    if (to < c->nprocs && c->procs[to].alive) {
      if (to != me) c->links[me][to] = c->links[to][me] = 1;
    } else {
      model_signal(c, to, me, FX_ATOM(NOPROC), 0);
    }
    return 1;
  }
  default: return 1;
  }
}

/* Checks an {fz, From, Seq, Op, Arg} message (ordering included) and
 * returns its op and arg, or 0 for any other message. */
static int read_fz(ctx_t *c, int me, const fx_received_t *r, int *arg) {
  fx_term_t t = r->message;
  if (!fx_is_tuple(t) || fx_tuple_arity(t) != 5 || fx_tuple_get(t, 0) != c->fz) return 0;
  mproc_t *m = &c->procs[me];
  int64_t from = fx_small_value(fx_tuple_get(t, 1)), seq = fx_small_value(fx_tuple_get(t, 2));
  FUZZ_CHECK(from >= 0 && from <= c->nprocs, "sender %lld", (long long)from);
  FUZZ_CHECK(seq >= 0 && seq <= c->seq[from][me], "seq %lld of %u sent", (long long)seq, c->seq[from][me]);
  if (m->pat == 5) { /* {fz, integer, ANY, _, ANY} extracts three */
    FUZZ_CHECK(r->nextracted == 3 && r->extracted[0] == fx_tuple_get(t, 1) && r->extracted[1] == fx_tuple_get(t, 2) &&
                   r->extracted[2] == fx_tuple_get(t, 4),
               "extracted %zu terms", r->nextracted);
  }
  if (seq && complete_pattern[m->pat]) {
    FUZZ_CHECK((uint32_t)seq > m->last_seq[from], "from %lld to %d: seq %lld after %u", (long long)from, me,
               (long long)seq, m->last_seq[from]);
    m->last_seq[from] = (uint32_t)seq;
  }
  *arg = (int)fx_small_value(fx_tuple_get(t, 4));
  return (int)fx_small_value(fx_tuple_get(t, 3));
}

/* {'$gen_call', From, Req}: an odd Req is answered with itself. */
static void answer_call(ctx_t *c, fx_term_t t) {
  if (!fx_is_tuple(t) || fx_tuple_arity(t) != 3 || fx_tuple_get(t, 0) != FX_ATOM(GEN_CALL)) return;
  fx_term_t req = fx_tuple_get(t, 2);
  if (!fx_is_small(req) || !(fx_small_value(req) & 1)) return;
  int err = fx_reply(c->rt, fx_tuple_get(t, 1), req);
  FUZZ_CHECK(err == FX_OK, "fx_reply: %s", fx_err_name(err));
}

static int beh_handle(fx_proc_t *self, void *st, const fx_received_t *r) {
  proc_state_t *s = st;
  ctx_t *c = s->c;
  mproc_t *m = &c->procs[s->idx];
  FUZZ_CHECK(m->alive && m->pid == fx_self(self), "a dead process %d runs", s->idx);
  if (r->kind == FX_RECV_MESSAGE) {
    FUZZ_CHECK(r->clause >= 0 && (size_t)r->clause < (c->pats[m->pat] ? fx_pattern_clauses(c->pats[m->pat]) : 1),
               "clause %d", r->clause);
    answer_call(c, r->message);
    int arg = 0, op = read_fz(c, s->idx, r, &arg);
    int rc = run_op(self, c, s->idx, op, arg);
    if (rc != 1) return rc;
  }
  return post_receive(self, c, m);
}

static void beh_terminate(fx_proc_t *self, void *st, fx_term_t reason) {
  proc_state_t *s = st;
  (void)reason;
  mproc_t *m = &s->c->procs[s->idx];
  FUZZ_CHECK(m->pid == fx_self(self) && m->may_die, "terminate of process %d with no cause", s->idx);
  FUZZ_CHECK(++m->terminated == 1 && !m->destroyed, "terminate of process %d runs again", s->idx);
}

static void beh_destroy(fx_runtime_t *rt, void *st) {
  proc_state_t *s = st;
  (void)rt;
  mproc_t *m = &s->c->procs[s->idx];
  FUZZ_CHECK(++m->destroyed == 1, "destroy of process %d runs again", s->idx);
  s->c->destroys++;
  free(s->token);
}

static const fx_behaviour_t fuzz_behaviour = {"fuzz", sizeof(proc_state_t), beh_init, beh_handle, beh_terminate,
                                              beh_destroy};

/* ---- invariants after each operation ---- */

static void check_model(ctx_t *c) {
  fx_runtime_t *rt = c->rt;
  size_t live = 0;
  for (int i = 0; i < c->nprocs; i++) {
    mproc_t *m = &c->procs[i];
    fx_process_info_t info;
    int err = fx_process_info(rt, m->pid, &info);
    size_t n;
    if (!m->alive) {
      FUZZ_CHECK(err == FX_ENOPROC && !fx_is_alive(rt, m->pid), "dead process %d looks alive", i);
      FUZZ_CHECK(fx_mailbox_length(rt, m->pid, &n) == FX_ENOPROC, "dead process %d has a mailbox", i);
      FUZZ_CHECK(fx_registered_name(rt, m->pid) == FX_NONE, "dead process %d has a name", i);
      continue;
    }
    live++;
    FUZZ_CHECK(!m->must_die, "process %d should have died", i);
    FUZZ_CHECK(err == FX_OK && fx_is_alive(rt, m->pid), "live process %d: %s", i, fx_err_name(err));
    FUZZ_CHECK(info.status == FX_STATUS_WAITING || info.status == FX_STATUS_RUNNABLE, "process %d status %d", i,
               (int)info.status);
    FUZZ_CHECK(info.trap_exit == m->trap, "process %d trap_exit %d", i, info.trap_exit);
    FUZZ_CHECK(info.name == (m->name >= 0 ? c->names[m->name] : FX_NONE), "process %d name", i);
    FUZZ_CHECK(info.links == (size_t)link_count(c, i), "process %d: %zu links, model %d", i, info.links,
               link_count(c, i));
    fx_pid_t links[MAX_PROCS];
    FUZZ_CHECK(fx_process_links(rt, m->pid, links, MAX_PROCS, &n) == FX_OK && n == info.links, "links of %d", i);
    for (size_t k = 0; k < n; k++) {
      int j = find_proc(c, links[k]);
      FUZZ_CHECK(j >= 0 && c->links[i][j] && c->procs[j].alive, "process %d linked to %d", i, j);
    }
    size_t mons = 0, by = 0;
    for (int k = 0; k < c->nmons; k++) {
      mons += c->mons[k].active && c->mons[k].watcher == i;
      by += c->mons[k].active && c->mons[k].target == i;
    }
    for (int k = 0; k < c->ncalls; k++) by += !c->calls[k].done && c->calls[k].target == i; /* calls monitor too */
    FUZZ_CHECK(info.monitors == mons && info.monitored_by == by, "process %d: monitors %zu/%zu, model %zu/%zu", i,
               info.monitors, info.monitored_by, mons, by);
  }
  FUZZ_CHECK(fx_process_count(rt) == live, "%zu processes, model %zu", fx_process_count(rt), live);
  fx_pid_t pids[MAX_PROCS];
  size_t n = 0;
  FUZZ_CHECK(fx_processes(rt, pids, MAX_PROCS, &n) == FX_OK && n == live, "fx_processes: %zu of %zu", n, live);
  for (size_t k = 0; k < n; k++) {
    int i = find_proc(c, pids[k]);
    FUZZ_CHECK(i >= 0 && c->procs[i].alive, "fx_processes lists a process the model has not alive");
  }
  size_t named = 0;
  for (int k = 0; k < NNAMES; k++) {
    fx_pid_t pid = 0;
    int err = fx_whereis(rt, c->names[k], &pid);
    int owner = c->name_owner[k];
    if (owner < 0) {
      FUZZ_CHECK(err == FX_EBADNAME, "whereis of unregistered name %d: %s", k, fx_err_name(err));
      continue;
    }
    named++;
    FUZZ_CHECK(err == FX_OK && pid == c->procs[owner].pid && fx_is_alive(rt, pid), "name %d", k);
  }
  fx_term_t names[NNAMES + 1];
  FUZZ_CHECK(fx_registered(rt, names, NNAMES + 1, &n) == FX_OK && n == named, "%zu names, model %zu", n, named);
}

/* ---- operations ---- */

static void spawn(ctx_t *c) {
  uint8_t b = fuzz_u8(&c->in), l = fuzz_u8(&c->in), nm = fuzz_u8(&c->in);
  if (c->nprocs >= MAX_PROCS) return;
  spawn_req_t r = {.mode = b & 7, .trap = (b >> 3) & 1, .pat = (b >> 4) % NPATTERNS, .link = -1, .name = -1};
  if (r.mode > 5) r.mode = 0; /* mostly well-behaved */
  if (l & 0x80) r.link = pick(c, l);
  if (nm & 0x80) r.name = nm % NNAMES;
  fx_spawn_opts_t opts = {.link = r.link >= 0 ? pid_of(c, r.link) : 0,
                          .name = r.name >= 0 ? c->names[r.name] : FX_NONE,
                          .trap_exit = r.trap};
  int link_dead = r.link >= 0 && (r.link == c->nprocs || !c->procs[r.link].alive);
  int name_taken = r.name >= 0 && c->name_owner[r.name] >= 0;
  if (r.link == c->nprocs) r.link = -1;
  c->req = r;
  int inits = c->inits, nprocs = c->nprocs;
  fx_pid_t pid = 0;
  int err = fx_spawn(c->rt, &fuzz_behaviour, fx_small((int64_t)(uintptr_t)c), &opts, &pid);
  if (link_dead || name_taken) {
    FUZZ_CHECK(err == (link_dead ? FX_ENOPROC : FX_ENAMETAKEN) && c->inits == inits && c->nprocs == nprocs, "spawn: %s",
               fx_err_name(err));
    return;
  }
  FUZZ_CHECK(c->inits == inits + 1 && c->nprocs == nprocs + 1, "one spawn event, one init");
  mproc_t *m = &c->procs[c->nprocs - 1];
  static const int want[6] = {FX_OK, FX_ECALLBACK, FX_EEXIT, FX_EEXIT, FX_OK, FX_OK};
  FUZZ_CHECK(err == want[r.mode], "spawn mode %d: %s", r.mode, fx_err_name(err));
  if (err == FX_OK) FUZZ_CHECK(pid == m->pid, "spawn gives the pid init saw");
  if (r.mode >= 1 && r.mode <= 4) FUZZ_CHECK(!m->alive, "init mode %d ends the process", r.mode);
}

static void send(ctx_t *c) {
  uint8_t t = fuzz_u8(&c->in), op = fuzz_u8(&c->in), arg = fuzz_u8(&c->in);
  if (t & 0x80) { /* by name */
    int k = t % NNAMES, owner = c->name_owner[k];
    size_t before = owner >= 0 ? mailbox(c, owner) : 0;
    fx_term_t msg = fz_message(c, HARNESS, owner >= 0 ? c->seq[HARNESS][owner] + 1 : 0, op % 12, arg);
    int err = fx_send(c->rt, c->names[k], msg);
    if (owner < 0) {
      FUZZ_CHECK(err == FX_EBADNAME, "send to unregistered name: %s", fx_err_name(err));
      return;
    }
    FUZZ_CHECK(err == FX_OK && mailbox(c, owner) == before + 1, "send by name: %s", fx_err_name(err));
    c->seq[HARNESS][owner]++;
    return;
  }
  int i = pick(c, t);
  int alive = i < c->nprocs && c->procs[i].alive;
  size_t before = alive ? mailbox(c, i) : 0;
  fx_term_t msg = fz_message(c, HARNESS, i < c->nprocs ? c->seq[HARNESS][i] + 1 : 0, op % 12, arg);
  int err = fx_send(c->rt, fx_pid_term(pid_of(c, i)), msg);
  FUZZ_CHECK(err == FX_OK, "send to a pid: %s", fx_err_name(err));
  if (i < c->nprocs) c->seq[HARNESS][i]++;
  if (alive) FUZZ_CHECK(mailbox(c, i) == before + 1, "a send adds one message");
}

/* fx_send_etf with bytes from the input: refused exactly when
 * fx_etf_decode refuses them (a dead target still has them measured). */
static void send_etf(ctx_t *c) {
  int i = pick(c, fuzz_u8(&c->in));
  size_t len = fuzz_u8(&c->in);
  if (len > fuzz_left(&c->in)) len = fuzz_left(&c->in);
  const uint8_t *bytes = c->in.p;
  c->in.p += len;
  fx_term_t t = FX_NONE;
  int derr = fx_etf_decode(c->rt, bytes, len, c->heap, &t);
  /* A forged {fz, ...} would break the sequence numbers, a forged
   * {'$gen_call', ...} could answer a pending call: not sent. */
  if (derr == FX_OK && fx_is_tuple(t) && fx_tuple_arity(t) > 0 &&
      (fx_tuple_get(t, 0) == c->fz || fx_tuple_get(t, 0) == FX_ATOM(GEN_CALL)))
    return;
  int alive = i < c->nprocs && c->procs[i].alive;
  size_t before = alive ? mailbox(c, i) : 0;
  int err = fx_send_etf(c->rt, fx_pid_term(pid_of(c, i)), bytes, len);
  size_t words;
  if (alive || fx_etf_measure(c->rt, bytes, len, &words) != FX_OK)
    FUZZ_CHECK(err == derr, "fx_send_etf: %s, decode: %s", fx_err_name(err), fx_err_name(derr));
  else
    FUZZ_CHECK(err == FX_OK, "fx_send_etf to the dead: %s", fx_err_name(err));
  if (alive) FUZZ_CHECK(mailbox(c, i) == before + (err == FX_OK), "fx_send_etf delivers one message or none");
}

static void exit_signal(ctx_t *c) {
  int i = pick(c, fuzz_u8(&c->in));
  fx_term_t reason = c->reasons[fuzz_u8(&c->in) % 5];
  int alive = i < c->nprocs && c->procs[i].alive;
  size_t before = alive ? mailbox(c, i) : 0;
  int msg = alive ? model_signal(c, -1, i, reason, reason == FX_ATOM(KILL)) : 0;
  int err = fx_exit(c->rt, pid_of(c, i), reason);
  FUZZ_CHECK(err == FX_OK, "fx_exit: %s", fx_err_name(err));
  if (alive && c->procs[i].alive) FUZZ_CHECK(mailbox(c, i) == before + (size_t)msg, "an 'EXIT' message or none");
}

static void link_op(ctx_t *c, int unlink) {
  int a = pick(c, fuzz_u8(&c->in)), b = pick(c, fuzz_u8(&c->in));
  int a_alive = a < c->nprocs && c->procs[a].alive, b_alive = b < c->nprocs && c->procs[b].alive;
  if (!a_alive) {
    int err = unlink ? fx_unlink(c->rt, pid_of(c, a), pid_of(c, b)) : fx_link(c->rt, pid_of(c, a), pid_of(c, b));
    FUZZ_CHECK(err == FX_ENOPROC, "link from the dead: %s", fx_err_name(err));
    return;
  }
  if (unlink) {
    FUZZ_CHECK(fx_unlink(c->rt, pid_of(c, a), pid_of(c, b)) == FX_OK, "fx_unlink");
    if (b < c->nprocs) c->links[a][b] = c->links[b][a] = 0;
    return;
  }
  size_t before = mailbox(c, a);
  int msg = 0;
  if (a == b) {
    /* nothing */
  } else if (b_alive) {
    c->links[a][b] = c->links[b][a] = 1;
  } else {
    msg = model_signal(c, b < c->nprocs ? b : -1, a, FX_ATOM(NOPROC), 0);
  }
  FUZZ_CHECK(fx_link(c->rt, pid_of(c, a), pid_of(c, b)) == FX_OK, "fx_link");
  if (c->procs[a].alive) FUZZ_CHECK(mailbox(c, a) == before + (size_t)msg, "link to the dead: an 'EXIT' or death");
}

static void monitor(ctx_t *c) {
  int w = pick(c, fuzz_u8(&c->in)), t = pick(c, fuzz_u8(&c->in));
  if (c->nmons >= MAX_MONITORS) return;
  fx_term_t ref = FX_NONE;
  int w_alive = w < c->nprocs && c->procs[w].alive, t_alive = t < c->nprocs && c->procs[t].alive;
  size_t before = w_alive ? mailbox(c, w) : 0;
  int err = fx_monitor(c->rt, pid_of(c, w), pid_of(c, t), c->heap, &ref);
  if (!w_alive) {
    FUZZ_CHECK(err == FX_ENOPROC, "monitor by the dead: %s", fx_err_name(err));
    return;
  }
  FUZZ_CHECK(err == FX_OK && fx_is_ref(ref), "fx_monitor: %s", fx_err_name(err));
  c->mons[c->nmons++] = (mmonitor_t){ref, w, t, t_alive};
  FUZZ_CHECK(mailbox(c, w) == before + !t_alive, "a monitor of the dead sends 'DOWN' at once");
}

/* By its watcher, or (by odd) by any process: another turns nothing off. */
static void demonitor(ctx_t *c) {
  uint8_t k = fuzz_u8(&c->in), by = fuzz_u8(&c->in);
  if (c->nmons == 0) return;
  mmonitor_t *m = &c->mons[k % c->nmons];
  int who = by & 1 ? pick(c, by >> 1) : m->watcher;
  int err = fx_demonitor(c->rt, pid_of(c, who), m->ref);
  int off = m->active && who == m->watcher;
  FUZZ_CHECK(err == (off ? FX_OK : FX_ENOTFOUND), "demonitor of an %s monitor by %s: %s",
             m->active ? "active" : "inactive", who == m->watcher ? "its watcher" : "another", fx_err_name(err));
  if (off) m->active = 0;
}

static void trap(ctx_t *c) {
  int i = pick(c, fuzz_u8(&c->in));
  int on = fuzz_u8(&c->in) & 1;
  int err = fx_trap_exit(c->rt, pid_of(c, i), on);
  if (i < c->nprocs && c->procs[i].alive) {
    FUZZ_CHECK(err == FX_OK, "fx_trap_exit: %s", fx_err_name(err));
    c->procs[i].trap = on;
  } else {
    FUZZ_CHECK(err == FX_ENOPROC, "fx_trap_exit of the dead: %s", fx_err_name(err));
  }
}

static void register_op(ctx_t *c) {
  int k = fuzz_u8(&c->in) % NNAMES, i = pick(c, fuzz_u8(&c->in));
  int err = fx_register(c->rt, c->names[k], pid_of(c, i));
  int want = FX_OK;
  if (i == c->nprocs || !c->procs[i].alive) want = FX_ENOPROC;
  else if (c->name_owner[k] >= 0) want = FX_ENAMETAKEN;
  else if (c->procs[i].name >= 0) want = FX_ESTATE;
  FUZZ_CHECK(err == want, "fx_register: %s, want %s", fx_err_name(err), fx_err_name(want));
  if (want == FX_OK) {
    c->name_owner[k] = i;
    c->procs[i].name = k;
  }
}

static void unregister_op(ctx_t *c) {
  int k = fuzz_u8(&c->in) % NNAMES, owner = c->name_owner[k];
  int err = fx_unregister(c->rt, c->names[k]);
  FUZZ_CHECK(err == (owner >= 0 ? FX_OK : FX_EBADNAME), "fx_unregister: %s", fx_err_name(err));
  if (owner >= 0) c->procs[owner].name = -1;
  c->name_owner[k] = -1;
}

static void send_after(ctx_t *c) {
  uint8_t t = fuzz_u8(&c->in), ms = fuzz_u8(&c->in), op = fuzz_u8(&c->in);
  if (c->ntimers >= MAX_TIMERS) return;
  int i = pick(c, t);
  fx_term_t to = (t & 0x80) ? c->names[t % NNAMES] : fx_pid_term(pid_of(c, i));
  mtimer_t *m = &c->timers[c->ntimers];
  int err = fx_send_after(c->rt, ms, to, fz_message(c, HARNESS, 0, op % 12, ms), &m->handle);
  FUZZ_CHECK(err == FX_OK, "fx_send_after: %s", fx_err_name(err));
  m->due = c->clock + ms;
  m->target = !(t & 0x80) && i < c->nprocs && c->procs[i].alive ? i : -1;
  m->pending = (t & 0x80) || m->target >= 0; /* to a dead pid: ended at once */
  c->ntimers++;
}

static void cancel_timer(ctx_t *c) {
  uint8_t k = fuzz_u8(&c->in);
  if (c->ntimers == 0) return;
  mtimer_t *m = &c->timers[k % c->ntimers];
  int err = fx_cancel_timer(c->rt, m->handle);
  FUZZ_CHECK(err == (m->pending ? FX_OK : FX_ENOTFOUND), "cancel of a %s timer: %s", m->pending ? "pending" : "spent",
             fx_err_name(err));
  m->pending = 0;
}

static void on_call_done(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  mcall_t *k = ud;
  ctx_t *c = k->c;
  (void)rt;
  FUZZ_CHECK(++k->done == 1, "a call completes twice");
  if (status == FX_OK) {
    FUZZ_CHECK(value == fx_small(k->req) && (k->req & 1), "call %d answered with something else", k->req);
  } else if (status == FX_ETIMEDOUT) {
    FUZZ_CHECK(k->due >= 0 && c->clock >= k->due, "a call times out early (due %lld, now %lld)", (long long)k->due,
               (long long)c->clock);
  } else {
    FUZZ_CHECK(status == FX_EEXIT && !c->procs[k->target].alive, "a call ends with %s", fx_err_name(status));
  }
}

/* fx_call from outside, by pid or by name. */
static void call(ctx_t *c) {
  uint8_t t = fuzz_u8(&c->in), ms = fuzz_u8(&c->in), req = fuzz_u8(&c->in);
  if (c->ncalls >= MAX_CALLS) return;
  int i = (t & 0x80) ? c->name_owner[t % NNAMES] : pick(c, t);
  fx_term_t to = (t & 0x80) ? c->names[t % NNAMES] : fx_pid_term(pid_of(c, i));
  int alive = i >= 0 && i < c->nprocs && c->procs[i].alive;
  mcall_t *k = &c->calls[c->ncalls];
  *k = (mcall_t){c, i, (ms & 0x80) ? -1 : c->clock + (ms & 63), req, 0, 0, ms & 63, -1};
  size_t before = alive ? mailbox(c, i) : 0;
  int err = fx_call(c->rt, to, fx_small(req), k->due < 0 ? FX_INFINITY : (ms & 63), on_call_done, k, NULL);
  if (!alive) {
    FUZZ_CHECK(err == ((t & 0x80) ? FX_EBADNAME : FX_ENOPROC), "call to nobody: %s", fx_err_name(err));
    return;
  }
  FUZZ_CHECK(err == FX_OK && mailbox(c, i) == before + 1, "fx_call: %s", fx_err_name(err));
  c->ncalls++;
}

/* A run reads the clock, if only because a call's timeout is pending: any
 * call whose timeout has not started yet starts it there at the latest. */
static void calls_after_run(ctx_t *c) {
  for (int k = 0; k < c->ncalls; k++) {
    mcall_t *m = &c->calls[k];
    if (m->due >= 0 && m->due_by < 0) m->due_by = c->clock + m->ms;
    if (m->due >= 0 && m->due_by <= c->clock) m->expired = 1;
  }
}

static void run(ctx_t *c) {
  uint8_t b = fuzz_u8(&c->in);
  int r;
  if (b < 0x40) r = fx_run_budget(c->rt, b);
  else r = fx_run(c->rt, (fx_run_mode_t)(b % 4));
  FUZZ_CHECK(r == 0 || r == 1, "fx_run: %d", r);
  /* Every mode fires the timers due by now, calls' timeouts included. */
  for (int k = 0; k < c->ntimers; k++)
    if (c->timers[k].due <= c->clock) c->timers[k].pending = 0;
  calls_after_run(c);
  int64_t deadline = fx_next_deadline(c->rt);
  FUZZ_CHECK(r == (fx_runnable(c->rt) || deadline >= 0), "fx_run returned %d", r);
  if (b >= 0x40 && (b % 4 == FX_RUN_IDLE || b % 4 == FX_RUN_DEFAULT)) {
    FUZZ_CHECK(!fx_runnable(c->rt), "an idle run leaves nothing runnable");
    FUZZ_CHECK(deadline < 0 || deadline > c->clock, "an idle run leaves no timer due");
  }
}

/* One operation: an opcode byte (mod 17), then its operands, as the
 * functions above read them and tests/fuzz/make-seeds.escript lists them. */
static void step(ctx_t *c) {
  switch (fuzz_u8(&c->in) % 17) {
  case 0: spawn(c); break;
  case 1: send(c); break;
  case 2: send_etf(c); break;
  case 3: exit_signal(c); break;
  case 4: link_op(c, 0); break;
  case 5: link_op(c, 1); break;
  case 6: monitor(c); break;
  case 7: demonitor(c); break;
  case 8: trap(c); break;
  case 9: register_op(c); break;
  case 10: unregister_op(c); break;
  case 11: send_after(c); break;
  case 12: cancel_timer(c); break;
  case 13: c->clock += fuzz_u8(&c->in); break;
  case 16: call(c); break;
  default: run(c); break; /* 14, 15 */
  }
  check_model(c);
  /* A call is over once its target is dead or its timeout has passed. */
  for (int k = 0; k < c->ncalls; k++) {
    const mcall_t *m = &c->calls[k];
    FUZZ_CHECK(m->done || (c->procs[m->target].alive && !m->expired), "call %d to process %d still pending", k,
               m->target);
  }
}

/* ---- setup ---- */

static int64_t ctx_clock(void *ud) { return ((ctx_t *)ud)->clock; }

static fx_term_t atom(fx_runtime_t *rt, const char *text) {
  fx_term_t a = FX_NONE;
  FUZZ_CHECK(fx_atom_cstr(rt, text, &a) == FX_OK, "atom %s", text);
  return a;
}

/* The receive patterns; complete_pattern says which take every fz message. */
static void make_patterns(ctx_t *c) {
  fx_heap_t *h = c->heap;
  fx_term_t any = fx_pat_any(), ign = fx_pat_ignore(), integer, t;
  FUZZ_CHECK(fx_pat_type(h, FX_ATOM(INTEGER), &integer) == FX_OK, "fx_pat_type");
  fx_term_t all[5] = {c->fz, ign, ign, ign, ign};
  fx_term_t op0[5] = {c->fz, ign, ign, fx_small(0), ign};
  fx_term_t harness[5] = {c->fz, fx_small(0), ign, ign, ign};
  fx_term_t typed[5] = {c->fz, integer, any, ign, any};
  fx_term_t exit_[3] = {FX_ATOM(EXIT), ign, ign}, down[5] = {FX_ATOM(DOWN), ign, ign, ign, ign};
  fx_term_t clauses[3];
  c->pats[0] = NULL; /* any message */
  FUZZ_CHECK(fx_make_tuple(h, 5, all, &t) == FX_OK && fx_pattern_compile(c->rt, &t, 1, 0, &c->pats[1]) == FX_OK, "p1");
  FUZZ_CHECK(fx_make_tuple(h, 5, op0, &t) == FX_OK && fx_pattern_compile(c->rt, &t, 1, 0, &c->pats[2]) == FX_OK, "p2");
  FUZZ_CHECK(fx_make_tuple(h, 3, exit_, &clauses[0]) == FX_OK && fx_make_tuple(h, 5, down, &clauses[1]) == FX_OK &&
                 fx_make_tuple(h, 5, all, &clauses[2]) == FX_OK,
             "p3 clauses");
  FUZZ_CHECK(fx_pattern_compile(c->rt, clauses, 3, 0, &c->pats[3]) == FX_OK, "p3");
  FUZZ_CHECK(fx_make_tuple(h, 5, harness, &t) == FX_OK && fx_pattern_compile(c->rt, &t, 1, 0, &c->pats[4]) == FX_OK,
             "p4");
  FUZZ_CHECK(fx_make_tuple(h, 5, typed, &t) == FX_OK && fx_pattern_compile(c->rt, &t, 1, 0, &c->pats[5]) == FX_OK,
             "p5");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ctx_t *c = calloc(1, sizeof *c);
  FUZZ_CHECK(c != NULL, "calloc");
  c->in = (fuzz_input_t){data, data + size};
  c->rt = fuzz_runtime(ctx_clock, c);
  FUZZ_CHECK(fx_heap_new(c->rt, &c->heap) == FX_OK, "fx_heap_new");
  FUZZ_CHECK(fx_trace(c->rt, on_trace, c) == FX_OK, "fx_trace");
  c->fz = atom(c->rt, "fz");
  for (int k = 0; k < NNAMES; k++) {
    char name[8] = {'n', 'a', 'm', 'e', (char)('0' + k), 0};
    c->names[k] = atom(c->rt, name);
    c->name_owner[k] = -1;
  }
  c->reasons[R_NORMAL] = FX_ATOM(NORMAL);
  c->reasons[R_KILL] = FX_ATOM(KILL);
  c->reasons[R_SHUTDOWN] = FX_ATOM(SHUTDOWN);
  c->reasons[R_BOOM] = atom(c->rt, "boom");
  c->reasons[R_KILLED] = FX_ATOM(KILLED);
  make_patterns(c);

  for (int n = 0; n < MAX_STEPS && fuzz_left(&c->in) > 0; n++) step(c);
  /* Everything settles: one more check after an idle run. */
  FUZZ_CHECK(fx_run(c->rt, FX_RUN_IDLE) >= 0, "fx_run");
  for (int k = 0; k < c->ntimers; k++)
    if (c->timers[k].due <= c->clock) c->timers[k].pending = 0;
  calls_after_run(c);
  check_model(c);
  for (int k = 0; k < c->ncalls; k++)
    FUZZ_CHECK(c->calls[k].done || !c->calls[k].expired, "call %d still pending", k);

  /* No callback runs after the last check: the patterns can go first. */
  for (int k = 0; k < NPATTERNS; k++) fx_pattern_free(c->rt, c->pats[k]);
  fx_heap_free(c->heap);
  fx_runtime_free(c->rt); /* destroys the live processes */
  FUZZ_CHECK(c->destroys == c->inits, "%d destroys for %d processes", c->destroys, c->inits);
  free(c);
  return 0;
}
