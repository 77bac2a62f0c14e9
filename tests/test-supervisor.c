/* Supervisor: strategies, restart types, restart intensity on the manual
 * clock, nesting, stop order and shutdown times, stale exits, the query
 * API, host-style start functions, failed starts and allocation failures. */
#include "fx_test.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* ---- the test child: a counter GenServer that logs its life ---- */

/* One child id's history, across its instances. */
typedef struct kid {
  char id[16];
  fx_pid_t pid;      /* the newest instance (0: never started) */
  int starts, stops; /* inits that succeeded; terminate calls */
  int fail_starts;   /* make the next n inits fail (-1: every one) */
  int trap;          /* trap exits and ignore the EXIT messages */
  char reason[64];   /* the last terminate reason */
} kid_t;

typedef struct world {
  char log[4096]; /* "start:a start:b stop:b ...", in order */
  kid_t kids[16];
  int nkids;
} world_t;

typedef struct worker {
  world_t *w;
  kid_t *k;
  int64_t count;
} worker_t;

static void log_event(world_t *w, const char *what, const char *id) {
  size_t n = strlen(w->log);
  snprintf(w->log + n, sizeof w->log - n, "%s%s:%s", n ? " " : "", what, id);
}

static kid_t *kid(world_t *w, const char *id) {
  for (int i = 0; i < w->nkids; i++)
    if (strcmp(w->kids[i].id, id) == 0) return &w->kids[i];
  kid_t *k = &w->kids[w->nkids++];
  memset(k, 0, sizeof *k);
  snprintf(k->id, sizeof k->id, "%s", id);
  return k;
}

/* arg: {WorldPointer, Id} */
static int worker_init(fx_proc_t *self, void *state, fx_term_t arg) {
  worker_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  size_t len;
  s->w = arg_ptr(fx_tuple_get(arg, 0));
  const char *text = fx_atom_text(rt, fx_tuple_get(arg, 1), &len);
  char id[16];
  snprintf(id, sizeof id, "%.*s", (int)len, text);
  s->k = kid(s->w, id);
  if (s->k->fail_starts) {
    if (s->k->fail_starts > 0) s->k->fail_starts--;
    log_event(s->w, "fail", id);
    return FX_EINVAL;
  }
  s->k->pid = fx_self(self);
  s->k->starts++;
  log_event(s->w, "start", id);
  return s->k->trap ? fx_trap_exit(rt, fx_self(self), 1) : FX_OK;
}

static int worker_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  (void)from;
  worker_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  if (req == atom(rt, "incr")) s->count++;
  *reply = fx_small(s->count);
  return FX_OK;
}

/* Casts: incr; {exit, Reason} stops the child with Reason. */
static int worker_cast(fx_proc_t *self, void *state, fx_term_t req) {
  worker_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  if (req == atom(rt, "incr")) s->count++;
  if (fx_is_tuple(req) && fx_tuple_arity(req) == 2 && fx_tuple_get(req, 0) == atom(rt, "exit"))
    return fx_stop(self, fx_tuple_get(req, 1));
  return FX_OK;
}

/* A trapping child ignores its EXIT messages (the supervisor's shutdown
 * included): only `kill` ends it. */
static int worker_info(fx_proc_t *self, void *state, fx_term_t msg) {
  (void)self;
  (void)msg;
  worker_t *s = state;
  log_event(s->w, "ignored", s->k->id);
  return FX_OK;
}

static void worker_terminate(fx_proc_t *self, void *state, fx_term_t reason) {
  worker_t *s = state;
  s->k->stops++;
  fx_term_format(fx_proc_runtime(self), reason, s->k->reason, sizeof s->k->reason);
  log_event(s->w, "stop", s->k->id);
}

static const fx_gen_server_t worker = {.name = "worker", .state_size = sizeof(worker_t), .init = worker_init,
                                       .handle_call = worker_call, .handle_cast = worker_cast,
                                       .handle_info = worker_info, .terminate = worker_terminate};

/* ---- a watcher: records the DOWN reason of each process it monitors ---- */

typedef struct downs {
  int n;
  struct {
    fx_pid_t pid;
    char reason[64];
  } d[32];
} downs_t;

typedef struct watcher_state {
  downs_t *downs;
} watcher_state_t;

static int watcher_init(fx_proc_t *self, void *state, fx_term_t arg) {
  ((watcher_state_t *)state)->downs = arg_ptr(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int watcher_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  downs_t *d = ((watcher_state_t *)state)->downs;
  fx_term_t m = r->message;
  if (fx_is_tuple(m) && fx_tuple_arity(m) == 5 && fx_tuple_get(m, 0) == FX_ATOM(DOWN) && d->n < 32) {
    d->d[d->n].pid = fx_term_pid(fx_tuple_get(m, 3));
    fx_term_format(fx_proc_runtime(self), fx_tuple_get(m, 4), d->d[d->n].reason, sizeof d->d[d->n].reason);
    d->n++;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t watcher = {"watcher", sizeof(watcher_state_t), watcher_init, watcher_handle, NULL, NULL};

/* ---- the test context ---- */

typedef struct ctx {
  fx_test_clock_t clock;
  fx_runtime_t *rt;
  fx_heap_t *h; /* specs' ids and args, requests */
  world_t w;
  downs_t downs;
  fx_pid_t watcher;
} ctx_t;

/* Makes the runtime (with cfg's allocator, if given) and the watcher. */
static int setup_with(ctx_t *t, fx_runtime_config_t *cfg) {
  memset(t, 0, sizeof *t);
  fx_runtime_config_t defaults;
  if (!cfg) {
    fx_runtime_config_init(&defaults);
    cfg = &defaults;
  }
  fx_test_clock_config(cfg, &t->clock);
  int err = fx_runtime_new(cfg, &t->rt);
  if (!err) err = fx_heap_new(t->rt, &t->h);
  if (!err) err = fx_spawn(t->rt, &watcher, ptr_arg(&t->downs), NULL, &t->watcher);
  return err;
}

static int setup(ctx_t *t) { return setup_with(t, NULL); }

static void teardown(ctx_t *t) {
  fx_heap_free(t->h);
  fx_runtime_free(t->rt);
}

static void run(ctx_t *t) { fx_run(t->rt, FX_RUN_IDLE); }

/* Moves the clock on by ms and runs the loop. */
static void advance(ctx_t *t, int64_t ms) {
  t->clock.now += ms;
  run(t);
}

static fx_term_t A(ctx_t *t, const char *s) { return atom(t->rt, s); }

/* A worker child spec: id, restart type, shutdown 1000 ms. */
static fx_child_spec_t child(ctx_t *t, const char *id, fx_restart_t restart) {
  fx_child_spec_t c = {0};
  c.id = A(t, id);
  c.gen_server = &worker;
  c.arg = pair(t->h, ptr_arg(&t->w), A(t, id));
  c.restart = restart;
  c.shutdown_ms = 1000;
  return c;
}

static fx_supervisor_spec_t sup_spec(fx_strategy_t strategy, uint32_t max_restarts, uint32_t max_seconds,
                                     const fx_child_spec_t *children, size_t n) {
  fx_supervisor_spec_t s = {strategy, max_restarts, max_seconds, children, n};
  return s;
}

/* A child spec for a nested supervisor. */
static fx_child_spec_t sup_child(ctx_t *t, const char *id, const fx_supervisor_spec_t *spec) {
  fx_child_spec_t c = {0};
  c.id = A(t, id);
  c.supervisor = spec;
  c.arg = FX_NONE;
  c.restart = FX_PERMANENT;
  c.shutdown_ms = FX_INFINITY;
  return c;
}

static kid_t *K(ctx_t *t, const char *id) { return kid(&t->w, id); }

/* Stops the current instance of child `id` with `reason` (a cast) and runs. */
static void exit_kid(ctx_t *t, const char *id, fx_term_t reason) {
  fx_cast(t->rt, fx_pid_term(K(t, id)->pid), pair(t->h, A(t, "exit"), reason));
  run(t);
}

static void crash(ctx_t *t, const char *id) { exit_kid(t, id, A(t, "boom")); }

static void monitor(ctx_t *t, fx_pid_t pid) {
  fx_term_t ref;
  fx_monitor(t->rt, t->watcher, pid, t->h, &ref);
}

/* The reason pid went DOWN with, or "" (monitor it first). */
static const char *down_reason(ctx_t *t, fx_pid_t pid) {
  for (int i = 0; i < t->downs.n; i++)
    if (t->downs.d[i].pid == pid) return t->downs.d[i].reason;
  return "";
}

static void clear_log(ctx_t *t) { t->w.log[0] = 0; }

/* ---- the query API, run to completion ---- */

/* which_children, parsed: ids as text, pids (0 for undefined). */
typedef struct children {
  int done, status, n;
  char id[16][16];
  fx_pid_t pid[16];
} children_t;

static void on_children(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  children_t *c = ud;
  c->done++;
  c->status = status;
  c->n = 0;
  if (status != FX_OK) return;
  for (fx_term_t l = value; fx_is_cons(l) && c->n < 16; l = fx_tail(l), c->n++) {
    fx_term_t pair = fx_head(l), pid = fx_tuple_get(pair, 1);
    size_t len;
    const char *text = fx_atom_text(rt, fx_tuple_get(pair, 0), &len);
    snprintf(c->id[c->n], sizeof c->id[c->n], "%.*s", (int)len, text ? text : "?");
    c->pid[c->n] = fx_is_local_pid(pid) ? fx_term_pid(pid) : 0;
    if (!fx_is_local_pid(pid) && pid != FX_ATOM(UNDEFINED)) c->pid[c->n] = (fx_pid_t)-1;
  }
}

static children_t which(ctx_t *t, fx_pid_t sup) {
  children_t c = {0};
  c.status = fx_supervisor_which_children(t->rt, sup, 5000, on_children, &c);
  run(t);
  return c;
}

/* count_children, parsed: specs, active, supervisors, workers. */
typedef struct counts {
  int done, status;
  int64_t specs, active, supervisors, workers;
} counts_t;

static int64_t map_int(fx_runtime_t *rt, fx_term_t map, fx_term_t key) {
  long i = fx_is_map(map) ? fx_map_find(rt, map, key) : -1;
  return i < 0 ? -1 : fx_small_value(fx_map_value(map, (size_t)i));
}

static void on_counts(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  counts_t *c = ud;
  c->done++;
  c->status = status;
  c->specs = map_int(rt, value, FX_ATOM(SPECS));
  c->active = map_int(rt, value, FX_ATOM(ACTIVE));
  c->supervisors = map_int(rt, value, FX_ATOM(SUPERVISORS));
  c->workers = map_int(rt, value, FX_ATOM(WORKERS));
}

static counts_t count(ctx_t *t, fx_pid_t sup) {
  counts_t c = {0};
  c.status = fx_supervisor_count_children(t->rt, sup, 5000, on_counts, &c);
  run(t);
  return c;
}

static call_result_t terminate_child(ctx_t *t, fx_pid_t sup, const char *id) {
  call_result_t r = {0};
  r.status = fx_supervisor_terminate_child(t->rt, sup, A(t, id), 5000, on_call, &r);
  run(t);
  return r;
}

static call_result_t restart_child(ctx_t *t, fx_pid_t sup, const char *id) {
  call_result_t r = {0};
  r.status = fx_supervisor_restart_child(t->rt, sup, A(t, id), 5000, on_call, &r);
  run(t);
  return r;
}

/* A child's count, through a call. */
static int64_t kid_count(ctx_t *t, const char *id) {
  call_result_t r = call(t->rt, K(t, id)->pid, A(t, "get"));
  return r.status == FX_OK ? strtoll(r.value, NULL, 10) : -1;
}

/* ---- starting ---- */

TEST(children_start_in_order_and_the_queries_list_them) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_TRANSIENT), child(&t, "c", FX_TEMPORARY)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  ASSERT_STREQ(t.w.log, "start:a start:b start:c"); /* all before start returned */
  children_t c = which(&t, sup);
  ASSERT_EQ(c.done, 1);
  ASSERT_EQ(c.status, FX_OK);
  ASSERT_EQ(c.n, 3);
  ASSERT_STREQ(c.id[0], "a");
  ASSERT_STREQ(c.id[1], "b");
  ASSERT_STREQ(c.id[2], "c");
  ASSERT_EQ(c.pid[0], K(&t, "a")->pid);
  ASSERT_EQ(c.pid[1], K(&t, "b")->pid);
  ASSERT_EQ(c.pid[2], K(&t, "c")->pid);
  counts_t n = count(&t, sup);
  ASSERT_EQ(n.done, 1);
  ASSERT_EQ(n.specs, 3);
  ASSERT_EQ(n.active, 3);
  ASSERT_EQ(n.supervisors, 0);
  ASSERT_EQ(n.workers, 3);
  ASSERT_EQ(fx_process_count(t.rt), 5); /* watcher, supervisor, three children */
  teardown(&t);
}

TEST(a_child_that_fails_to_start_fails_the_supervisor_start) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  K(&t, "b")->fail_starts = 1;
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 777;
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_ECALLBACK);
  ASSERT_EQ(sup, 777);
  ASSERT_STREQ(t.w.log, "start:a fail:b"); /* c was never tried */
  ASSERT(!fx_is_alive(t.rt, K(&t, "a")->pid)); /* the earlier child is stopped */
  run(&t);
  ASSERT_EQ(fx_process_count(t.rt), 1); /* only the watcher */
  teardown(&t);
}

TEST(invalid_specs_are_refused_before_anything_starts) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_pid_t sup = 777;
  fx_child_spec_t dup[] = {child(&t, "x", FX_PERMANENT), child(&t, "y", FX_PERMANENT), child(&t, "x", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, dup, 3);
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  fx_child_spec_t bad = child(&t, "z", FX_PERMANENT);
  bad.gen_server = NULL; /* no way to start it */
  spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, &bad, 1);
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  bad = child(&t, "z", FX_PERMANENT);
  bad.behaviour = &watcher; /* two ways */
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  bad = child(&t, "z", FX_PERMANENT);
  bad.shutdown_ms = -5;
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  bad = child(&t, "z", (fx_restart_t)7);
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  spec = sup_spec((fx_strategy_t)9, 3, 5, dup, 1);
  ASSERT_ERR(fx_supervisor_start(t.rt, &spec, NULL, &sup), FX_EINVAL);
  ASSERT_EQ(sup, 777);
  ASSERT_EQ(K(&t, "x")->starts + K(&t, "y")->starts + K(&t, "z")->starts, 0);
  ASSERT_EQ(fx_process_count(t.rt), 1);
  /* An empty supervisor is fine. */
  spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, NULL, 0);
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  ASSERT_EQ(which(&t, sup).n, 0);
  teardown(&t);
}

/* ---- strategies ---- */

TEST(one_for_one_restarts_only_the_crashed_child_with_fresh_state) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  const char *ids[] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j <= i; j++) fx_cast(t.rt, fx_pid_term(K(&t, ids[i])->pid), A(&t, "incr"));
  run(&t);
  ASSERT_EQ(kid_count(&t, "b"), 2);
  fx_pid_t a = K(&t, "a")->pid, b = K(&t, "b")->pid, c = K(&t, "c")->pid;
  clear_log(&t);
  crash(&t, "b");
  ASSERT_STREQ(t.w.log, "stop:b start:b");
  ASSERT(!fx_is_alive(t.rt, b));
  ASSERT_NE(K(&t, "b")->pid, b);
  ASSERT(fx_is_alive(t.rt, K(&t, "b")->pid));
  ASSERT_EQ(K(&t, "a")->pid, a);
  ASSERT_EQ(K(&t, "c")->pid, c);
  ASSERT_EQ(kid_count(&t, "a"), 1);
  ASSERT_EQ(kid_count(&t, "b"), 0); /* fresh state */
  ASSERT_EQ(kid_count(&t, "c"), 3);
  children_t w = which(&t, sup);
  ASSERT_EQ(w.pid[1], K(&t, "b")->pid);
  teardown(&t);
}

TEST(one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t a = K(&t, "a")->pid, b = K(&t, "b")->pid, c = K(&t, "c")->pid;
  clear_log(&t);
  crash(&t, "b");
  ASSERT_STREQ(t.w.log, "stop:b stop:c stop:a start:a start:b start:c");
  ASSERT_STREQ(K(&t, "a")->reason, "shutdown");
  ASSERT_STREQ(K(&t, "c")->reason, "shutdown");
  ASSERT(!fx_is_alive(t.rt, a) && !fx_is_alive(t.rt, b) && !fx_is_alive(t.rt, c));
  ASSERT(K(&t, "a")->pid != a && K(&t, "b")->pid != b && K(&t, "c")->pid != c);
  children_t w = which(&t, sup);
  ASSERT_EQ(w.n, 3);
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(w.pid[i], K(&t, w.id[i])->pid);
    ASSERT(fx_is_alive(t.rt, w.pid[i]));
  }
  teardown(&t);
}

TEST(rest_for_one_restarts_the_crashed_child_and_those_after_it) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT),
                            child(&t, "d", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_REST_FOR_ONE, 3, 5, kids, 4);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t a = K(&t, "a")->pid, b = K(&t, "b")->pid, c = K(&t, "c")->pid, d = K(&t, "d")->pid;
  clear_log(&t);
  crash(&t, "b");
  ASSERT_STREQ(t.w.log, "stop:b stop:d stop:c start:b start:c start:d");
  ASSERT_EQ(K(&t, "a")->pid, a);
  ASSERT(fx_is_alive(t.rt, a));
  ASSERT(K(&t, "b")->pid != b && K(&t, "c")->pid != c && K(&t, "d")->pid != d);
  /* The last child crashing restarts just itself. */
  clear_log(&t);
  crash(&t, "d");
  ASSERT_STREQ(t.w.log, "stop:d start:d");
  teardown(&t);
}

/* ---- restart types ---- */

TEST(permanent_children_restart_after_normal_and_abnormal_exits) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "p", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 10, 5, kids, 1);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  const char *reasons[] = {"normal", "shutdown", "boom"};
  for (int i = 0; i < 3; i++) {
    fx_pid_t old = K(&t, "p")->pid;
    exit_kid(&t, "p", A(&t, reasons[i]));
    ASSERT_EQ(K(&t, "p")->starts, i + 2);
    ASSERT_NE(K(&t, "p")->pid, old);
    ASSERT(fx_is_alive(t.rt, K(&t, "p")->pid));
  }
  teardown(&t);
}

TEST(transient_children_restart_only_after_an_abnormal_exit) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "n", FX_TRANSIENT), child(&t, "s", FX_TRANSIENT), child(&t, "x", FX_TRANSIENT),
                            child(&t, "b", FX_TRANSIENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 10, 5, kids, 4);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  exit_kid(&t, "n", FX_ATOM(NORMAL));
  exit_kid(&t, "s", FX_ATOM(SHUTDOWN));
  exit_kid(&t, "x", pair(t.h, FX_ATOM(SHUTDOWN), A(&t, "done")));
  exit_kid(&t, "b", A(&t, "boom"));
  ASSERT_EQ(K(&t, "n")->starts, 1);
  ASSERT_EQ(K(&t, "s")->starts, 1);
  ASSERT_EQ(K(&t, "x")->starts, 1);
  ASSERT_EQ(K(&t, "b")->starts, 2);
  children_t w = which(&t, sup);
  ASSERT_EQ(w.n, 4); /* the specs stay */
  ASSERT_EQ(w.pid[0], 0);
  ASSERT_EQ(w.pid[1], 0);
  ASSERT_EQ(w.pid[2], 0);
  ASSERT_EQ(w.pid[3], K(&t, "b")->pid);
  counts_t n = count(&t, sup);
  ASSERT_EQ(n.specs, 4);
  ASSERT_EQ(n.active, 1);
  teardown(&t);
}

TEST(temporary_children_never_restart_and_their_specs_go) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "t1", FX_TEMPORARY), child(&t, "t2", FX_TEMPORARY),
                            child(&t, "t3", FX_TEMPORARY)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 10, 5, kids, 4);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  crash(&t, "t1");
  exit_kid(&t, "t2", FX_ATOM(NORMAL));
  ASSERT_EQ(K(&t, "t1")->starts, 1);
  ASSERT_EQ(K(&t, "t2")->starts, 1);
  ASSERT_STREQ(terminate_child(&t, sup, "t3").value, "ok"); /* terminated: dropped too */
  ASSERT_STREQ(K(&t, "t3")->reason, "shutdown");
  children_t w = which(&t, sup);
  ASSERT_EQ(w.n, 1);
  ASSERT_STREQ(w.id[0], "a");
  ASSERT_EQ(count(&t, sup).specs, 1);
  call_result_t r = restart_child(&t, sup, "t1");
  ASSERT_STREQ(r.value, "{error,not_found}");
  teardown(&t);
}

/* OTP: children that one_for_all or rest_for_one stops are restarted,
 * except temporary ones, which are dropped. */
TEST(group_restarts_drop_temporary_siblings) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "t", FX_TEMPORARY), child(&t, "a", FX_PERMANENT), child(&t, "u", FX_TEMPORARY)};
  fx_supervisor_spec_t all = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &all, NULL, &sup));
  clear_log(&t);
  crash(&t, "a");
  ASSERT_STREQ(t.w.log, "stop:a stop:u stop:t start:a");
  children_t w = which(&t, sup);
  ASSERT_EQ(w.n, 1);
  ASSERT_STREQ(w.id[0], "a");
  ASSERT_EQ(w.pid[0], K(&t, "a")->pid);
  fx_exit(t.rt, sup, FX_ATOM(SHUTDOWN));
  run(&t);
  /* rest_for_one: a temporary child after the crashed one goes too. */
  fx_child_spec_t kids2[] = {child(&t, "b", FX_PERMANENT), child(&t, "v", FX_TEMPORARY), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t rest = sup_spec(FX_REST_FOR_ONE, 3, 5, kids2, 3);
  ASSERT_OK(fx_supervisor_start(t.rt, &rest, NULL, &sup));
  clear_log(&t);
  crash(&t, "b");
  ASSERT_STREQ(t.w.log, "stop:b stop:c stop:v start:b start:c");
  w = which(&t, sup);
  ASSERT_EQ(w.n, 2);
  ASSERT_STREQ(w.id[0], "b");
  ASSERT_STREQ(w.id[1], "c");
  teardown(&t);
}

/* ---- restart intensity ---- */

TEST(too_many_restarts_at_once_stop_the_supervisor_with_shutdown) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  monitor(&t, sup);
  fx_pid_t a = K(&t, "a")->pid, c = K(&t, "c")->pid;
  for (int i = 0; i < 3; i++) {
    crash(&t, "b");
    ASSERT(fx_is_alive(t.rt, sup)); /* three restarts are allowed */
  }
  ASSERT_EQ(K(&t, "b")->starts, 4);
  clear_log(&t);
  crash(&t, "b"); /* the fourth within 5 s is one too many */
  ASSERT_STREQ(t.w.log, "stop:b stop:c stop:a");
  ASSERT(!fx_is_alive(t.rt, sup));
  ASSERT_STREQ(down_reason(&t, sup), "shutdown");
  ASSERT(!fx_is_alive(t.rt, a) && !fx_is_alive(t.rt, c) && !fx_is_alive(t.rt, K(&t, "b")->pid));
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

TEST(restarts_spread_wider_than_the_period_are_allowed) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  for (int i = 0; i < 8; i++) {
    crash(&t, "b");
    ASSERT(fx_is_alive(t.rt, sup));
    advance(&t, 6000);
  }
  ASSERT_EQ(K(&t, "b")->starts, 9);
  ASSERT(fx_is_alive(t.rt, K(&t, "a")->pid));
  /* The window slides: three quick restarts, then one more 4 s later is
   * still inside 5 s of them and stops it. */
  for (int i = 0; i < 3; i++) crash(&t, "b");
  ASSERT(fx_is_alive(t.rt, sup));
  advance(&t, 4000);
  crash(&t, "b");
  ASSERT(!fx_is_alive(t.rt, sup));
  teardown(&t);
}

TEST(a_child_that_cannot_restart_uses_up_the_intensity) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  monitor(&t, sup);
  K(&t, "b")->fail_starts = -1;
  clear_log(&t);
  crash(&t, "b");
  ASSERT(!fx_is_alive(t.rt, sup));
  ASSERT_STREQ(down_reason(&t, sup), "shutdown");
  ASSERT(strstr(t.w.log, "fail:b fail:b fail:b") != NULL);
  ASSERT(strstr(t.w.log, "stop:a") != NULL);
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

/* ---- nesting ---- */

TEST(a_nested_supervisor_that_gives_up_is_restarted_by_its_parents_strategy) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t inner_kids[] = {child(&t, "w", FX_PERMANENT)};
  fx_supervisor_spec_t inner = sup_spec(FX_ONE_FOR_ONE, 1, 5, inner_kids, 1);
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), sup_child(&t, "inner", &inner), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  ASSERT_STREQ(t.w.log, "start:a start:w start:c");
  children_t w = which(&t, sup);
  fx_pid_t inner1 = w.pid[1], a = K(&t, "a")->pid;
  ASSERT(fx_is_alive(t.rt, inner1));
  counts_t n = count(&t, sup);
  ASSERT_EQ(n.supervisors, 1);
  ASSERT_EQ(n.workers, 2);
  monitor(&t, inner1);
  clear_log(&t);
  crash(&t, "w"); /* the inner supervisor restarts it */
  ASSERT(fx_is_alive(t.rt, inner1));
  crash(&t, "w"); /* one too many for it: it exits, the parent restarts all */
  ASSERT(!fx_is_alive(t.rt, inner1));
  ASSERT_STREQ(down_reason(&t, inner1), "shutdown");
  ASSERT_STREQ(t.w.log, "stop:w start:w stop:w stop:c stop:a start:a start:w start:c");
  ASSERT(fx_is_alive(t.rt, sup));
  w = which(&t, sup);
  ASSERT(w.pid[1] != inner1 && fx_is_alive(t.rt, w.pid[1]));
  ASSERT(K(&t, "a")->pid != a);
  /* The new inner supervisor supervises the new w. */
  children_t iw = which(&t, w.pid[1]);
  ASSERT_EQ(iw.n, 1);
  ASSERT_EQ(iw.pid[0], K(&t, "w")->pid);
  /* Stopping the tree goes depth first, in reverse. */
  clear_log(&t);
  fx_exit(t.rt, sup, FX_ATOM(SHUTDOWN));
  run(&t);
  ASSERT_STREQ(t.w.log, "stop:c stop:w stop:a");
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

TEST(the_parent_gives_up_when_escalations_exceed_its_own_intensity) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t inner_kids[] = {child(&t, "w", FX_PERMANENT)};
  fx_supervisor_spec_t inner = sup_spec(FX_ONE_FOR_ONE, 0, 5, inner_kids, 1);
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), sup_child(&t, "inner", &inner)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 1, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  monitor(&t, sup);
  crash(&t, "w"); /* inner gives up at once; the parent restarts it (1) */
  ASSERT(fx_is_alive(t.rt, sup));
  ASSERT_EQ(K(&t, "w")->starts, 2);
  crash(&t, "w"); /* inner gives up again: the parent's second restart is too many */
  ASSERT(!fx_is_alive(t.rt, sup));
  ASSERT_STREQ(down_reason(&t, sup), "shutdown");
  ASSERT_EQ(K(&t, "a")->stops, 1);
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

/* ---- stopping ---- */

TEST(stopping_the_supervisor_stops_children_in_reverse_order) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_TRANSIENT), child(&t, "c", FX_TEMPORARY)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  monitor(&t, sup);
  clear_log(&t);
  ASSERT_OK(fx_exit(t.rt, sup, FX_ATOM(SHUTDOWN)));
  run(&t);
  ASSERT_STREQ(t.w.log, "stop:c stop:b stop:a");
  ASSERT_STREQ(K(&t, "a")->reason, "shutdown");
  ASSERT(!fx_is_alive(t.rt, sup));
  ASSERT_STREQ(down_reason(&t, sup), "shutdown");
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

TEST(the_parents_exit_stops_the_supervisor_and_its_children) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_pid_t parent = 0;
  ASSERT_OK(fx_gen_server_start(t.rt, &worker, pair(t.h, ptr_arg(&t.w), A(&t, "parent")), NULL, &parent));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 2);
  fx_spawn_opts_t opts = {.link = parent, .name = FX_NONE};
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, &opts, &sup));
  monitor(&t, sup);
  clear_log(&t);
  exit_kid(&t, "parent", A(&t, "bye"));
  ASSERT_STREQ(t.w.log, "stop:parent stop:b stop:a");
  ASSERT_STREQ(K(&t, "b")->reason, "shutdown");
  ASSERT(!fx_is_alive(t.rt, sup));
  ASSERT_STREQ(down_reason(&t, sup), "bye"); /* it exits with its parent's reason */
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

TEST(a_child_that_ignores_shutdown_is_killed_after_its_shutdown_time) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "s", FX_PERMANENT)};
  K(&t, "s")->trap = 1;
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t s = K(&t, "s")->pid;
  monitor(&t, s);
  monitor(&t, sup);
  clear_log(&t);
  fx_exit(t.rt, sup, FX_ATOM(SHUTDOWN));
  run(&t);
  ASSERT_STREQ(t.w.log, "ignored:s");
  ASSERT(fx_is_alive(t.rt, s));
  ASSERT(fx_is_alive(t.rt, K(&t, "a")->pid)); /* a waits its turn */
  ASSERT_EQ(fx_next_deadline(t.rt), 1000);
  advance(&t, 999);
  ASSERT(fx_is_alive(t.rt, s));
  advance(&t, 1);
  ASSERT(!fx_is_alive(t.rt, s));
  ASSERT_STREQ(down_reason(&t, s), "killed");
  ASSERT_EQ(K(&t, "s")->stops, 0); /* kill runs no terminate */
  ASSERT_STREQ(t.w.log, "ignored:s stop:a");
  ASSERT_STREQ(down_reason(&t, sup), "shutdown");
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

TEST(a_child_with_shutdown_zero_is_killed_at_once) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT)};
  kids[1].shutdown_ms = 0;
  K(&t, "b")->trap = 1;
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t b = K(&t, "b")->pid;
  monitor(&t, b);
  clear_log(&t);
  call_result_t r = terminate_child(&t, sup, "b"); /* the clock never moves */
  ASSERT_EQ(r.done, 1);
  ASSERT_STREQ(r.value, "ok");
  ASSERT(!fx_is_alive(t.rt, b));
  ASSERT_STREQ(down_reason(&t, b), "killed");
  ASSERT_STREQ(t.w.log, ""); /* no EXIT message, no terminate */
  teardown(&t);
}

/* ---- exits and the query API ---- */

TEST(an_exit_from_an_old_instance_is_ignored) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 2);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t old = K(&t, "a")->pid;
  crash(&t, "a");
  fx_pid_t a = K(&t, "a")->pid, b = K(&t, "b")->pid;
  ASSERT_NE(a, old);
  clear_log(&t);
  fx_term_t fake;
  ASSERT_OK(fx_tuple3(t.h, FX_ATOM(EXIT), fx_pid_term(old), A(&t, "boom"), &fake));
  ASSERT_OK(fx_send(t.rt, fx_pid_term(sup), fake));
  run(&t);
  ASSERT_STREQ(t.w.log, "");
  ASSERT_EQ(K(&t, "a")->pid, a);
  ASSERT_EQ(K(&t, "b")->pid, b);
  children_t w = which(&t, sup);
  ASSERT_EQ(w.pid[0], a);
  ASSERT_EQ(w.pid[1], b);
  ASSERT(fx_is_alive(t.rt, sup));
  teardown(&t);
}

TEST(terminate_child_and_restart_child) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  fx_pid_t b = K(&t, "b")->pid;
  clear_log(&t);
  call_result_t r = terminate_child(&t, sup, "b");
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "ok");
  ASSERT_STREQ(t.w.log, "stop:b"); /* stopped, and not restarted */
  ASSERT_STREQ(K(&t, "b")->reason, "shutdown");
  ASSERT(!fx_is_alive(t.rt, b));
  children_t w = which(&t, sup);
  ASSERT_EQ(w.n, 3);
  ASSERT_STREQ(w.id[1], "b");
  ASSERT_EQ(w.pid[1], 0);
  ASSERT_EQ(count(&t, sup).active, 2);
  r = restart_child(&t, sup, "b");
  ASSERT_EQ(r.status, FX_OK);
  fx_pid_t nb = K(&t, "b")->pid;
  ASSERT_NE(nb, b);
  ASSERT(fx_is_alive(t.rt, nb));
  char want[64], pt[32];
  snprintf(want, sizeof want, "{ok,%s}", pidtext(nb, pt));
  ASSERT_STREQ(r.value, want);
  ASSERT_EQ(which(&t, sup).pid[1], nb);
  ASSERT_STREQ(restart_child(&t, sup, "b").value, "{error,running}");
  ASSERT_STREQ(restart_child(&t, sup, "zz").value, "{error,not_found}");
  ASSERT_STREQ(terminate_child(&t, sup, "zz").value, "{error,not_found}");
  /* The restarted child is supervised as before. */
  crash(&t, "b");
  ASSERT(fx_is_alive(t.rt, K(&t, "b")->pid));
  ASSERT_NE(K(&t, "b")->pid, nb);
  teardown(&t);
}

/* A host-style start function: spawns the worker WITHOUT a link. */
typedef struct host {
  ctx_t *t;
  int calls;
  fx_pid_t sup_seen;
} host_t;

static int host_start(fx_runtime_t *rt, void *ud, fx_pid_t sup, fx_term_t arg, fx_pid_t *out) {
  host_t *h = ud;
  h->calls++;
  h->sup_seen = sup;
  return fx_gen_server_start(rt, &worker, arg, NULL, out);
}

TEST(a_child_from_a_start_function_is_linked_and_supervised) {
  ctx_t t;
  ASSERT_OK(setup(&t));
  host_t host = {&t, 0, 0};
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "h", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  kids[1].gen_server = NULL;
  kids[1].start = host_start;
  kids[1].start_ud = &host;
  fx_supervisor_spec_t spec = sup_spec(FX_REST_FOR_ONE, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  ASSERT_OK(fx_supervisor_start(t.rt, &spec, NULL, &sup));
  ASSERT_EQ(host.calls, 1);
  ASSERT_EQ(host.sup_seen, sup);
  ASSERT_STREQ(t.w.log, "start:a start:h start:c");
  fx_pid_t h = K(&t, "h")->pid;
  ASSERT_EQ(which(&t, sup).pid[1], h);
  clear_log(&t);
  crash(&t, "h"); /* seen through the link the supervisor made */
  ASSERT_STREQ(t.w.log, "stop:h stop:c start:h start:c");
  ASSERT_EQ(host.calls, 2);
  ASSERT_NE(K(&t, "h")->pid, h);
  ASSERT_EQ(which(&t, sup).pid[1], K(&t, "h")->pid);
  clear_log(&t);
  fx_exit(t.rt, sup, FX_ATOM(SHUTDOWN));
  run(&t);
  ASSERT_STREQ(t.w.log, "stop:c stop:h stop:a");
  ASSERT_EQ(fx_process_count(t.rt), 1);
  teardown(&t);
}

/* ---- allocation failures ---- */

/* The test allocator fails allocation n and, as written, every one after
 * it until the test resets it. `once` makes it fail allocation n only. */
static void *alloc_once(void *ud, void *ptr, size_t osize, size_t nsize) {
  fx_test_alloc_t *a = ud;
  void *q = fx_test_alloc_fn(ud, ptr, osize, nsize);
  if (!q && nsize) a->countdown = -1;
  return q;
}

static int setup_failing(ctx_t *t, fx_test_alloc_t *alloc, int once) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_alloc_config(&cfg, alloc);
  if (once) cfg.alloc = alloc_once;
  return setup_with(t, &cfg);
}

/* Supervisor sup runs with exactly the children ids, each alive and the
 * newest instance. */
static int runs_with(ctx_t *t, fx_pid_t sup, const char *const *ids, int n) {
  children_t c = which(t, sup);
  if (c.status != FX_OK || c.done != 1 || c.n != n) return 0;
  for (int i = 0; i < n; i++)
    if (!fx_is_alive(t->rt, c.pid[i]) || c.pid[i] != kid(&t->w, ids[i])->pid) return 0;
  return 1;
}

/* The runtime still works: a fresh supervisor starts and restarts. */
static int usable(ctx_t *t) {
  fx_child_spec_t kids[] = {child(t, "z", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ONE, 3, 5, kids, 1);
  fx_pid_t sup = 0;
  if (fx_supervisor_start(t->rt, &spec, NULL, &sup) != FX_OK) return 0;
  fx_pid_t z = kid(&t->w, "z")->pid;
  crash(t, "z");
  return fx_is_alive(t->rt, sup) && kid(&t->w, "z")->pid != z && fx_is_alive(t->rt, kid(&t->w, "z")->pid);
}

/* Starts a supervisor (a, b, and a nested one with c) failing allocation
 * fail_at: it starts whole or not at all. *ok: no allocation failed. */
static void start_failing_at(long fail_at, int once, int *fx_test_failed__, int *ok) {
  ctx_t t;
  fx_test_alloc_t alloc;
  if (setup_failing(&t, &alloc, once) != FX_OK) FX_TEST_FAIL("setup");
  fx_child_spec_t inner_kids[] = {child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t inner = sup_spec(FX_ONE_FOR_ONE, 3, 5, inner_kids, 1);
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_TRANSIENT), sup_child(&t, "inner", &inner)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 3);
  static const char *const inner_ids[] = {"c"};
  fx_pid_t sup = 0;
  alloc.countdown = fail_at;
  int err = fx_supervisor_start(t.rt, &spec, NULL, &sup);
  alloc.countdown = -1;
  *ok = alloc.failures == 0;
  run(&t);
  if (err) {
    if (sup != 0) FX_TEST_FAIL("fail_at %ld: a failed start wrote a pid", fail_at);
    if (fx_process_count(t.rt) != 1)
      FX_TEST_FAIL("fail_at %ld: %s left %zu processes", fail_at, fx_err_name(err), fx_process_count(t.rt));
  } else {
    children_t c = which(&t, sup);
    if (c.n != 3 || !fx_is_alive(t.rt, c.pid[2])) FX_TEST_FAIL("fail_at %ld: the nested supervisor is missing", fail_at);
    if (!runs_with(&t, c.pid[2], inner_ids, 1)) FX_TEST_FAIL("fail_at %ld: the nested child is missing", fail_at);
    if (c.pid[0] != K(&t, "a")->pid || c.pid[1] != K(&t, "b")->pid || !fx_is_alive(t.rt, c.pid[0]) ||
        !fx_is_alive(t.rt, c.pid[1]))
      FX_TEST_FAIL("fail_at %ld: a child is missing", fail_at);
  }
  if (!usable(&t)) FX_TEST_FAIL("fail_at %ld: the runtime is not usable after", fail_at);
  teardown(&t);
  if (alloc.live != 0) FX_TEST_FAIL("fail_at %ld: %lld bytes leaked", fail_at, alloc.live);
}

/* Crashes b under one_for_all while allocation fail_at fails (b exits
 * itself, or by_signal: an exit signal from outside ends it, whose EXIT
 * the supervisor must still hear of): afterwards the supervisor runs with
 * all three children, or it and they are gone. */
static void crash_failing_at(long fail_at, int once, int by_signal, int *fx_test_failed__, int *ok) {
  static const char *const ids[] = {"a", "b", "c"};
  ctx_t t;
  fx_test_alloc_t alloc;
  if (setup_failing(&t, &alloc, once) != FX_OK) FX_TEST_FAIL("setup");
  fx_child_spec_t kids[] = {child(&t, "a", FX_PERMANENT), child(&t, "b", FX_PERMANENT), child(&t, "c", FX_PERMANENT)};
  fx_supervisor_spec_t spec = sup_spec(FX_ONE_FOR_ALL, 3, 5, kids, 3);
  fx_pid_t sup = 0;
  if (fx_supervisor_start(t.rt, &spec, NULL, &sup) != FX_OK) FX_TEST_FAIL("start");
  fx_pid_t old_b = K(&t, "b")->pid;
  fx_term_t boom = pair(t.h, A(&t, "error"), A(&t, "boom"));
  if (!by_signal) fx_cast(t.rt, fx_pid_term(old_b), pair(t.h, A(&t, "exit"), A(&t, "boom")));
  alloc.countdown = fail_at;
  int sent = by_signal ? fx_exit(t.rt, old_b, boom) : FX_OK; /* refused for want of memory: nothing happens */
  run(&t);
  alloc.countdown = -1;
  *ok = alloc.failures == 0;
  run(&t);
  if (sent == FX_OK && fx_is_alive(t.rt, old_b)) FX_TEST_FAIL("fail_at %ld: b did not exit", fail_at);
  if (fx_is_alive(t.rt, sup)) {
    if (!runs_with(&t, sup, ids, 3)) FX_TEST_FAIL("fail_at %ld: the supervisor runs without all its children", fail_at);
  } else if (fx_process_count(t.rt) != 1) {
    FX_TEST_FAIL("fail_at %ld: the supervisor is gone but %zu processes are left", fail_at, fx_process_count(t.rt));
  }
  if (*ok && K(&t, "b")->starts != 2) FX_TEST_FAIL("b was not restarted");
  if (!usable(&t)) FX_TEST_FAIL("fail_at %ld: the runtime is not usable after", fail_at);
  teardown(&t);
  if (alloc.live != 0) FX_TEST_FAIL("fail_at %ld: %lld bytes leaked", fail_at, alloc.live);
}

static void restart_failing_at(long fail_at, int once, int *fx_test_failed__, int *ok) {
  crash_failing_at(fail_at, once, 0, fx_test_failed__, ok);
}

static void killed_failing_at(long fail_at, int once, int *fx_test_failed__, int *ok) {
  crash_failing_at(fail_at, once, 1, fx_test_failed__, ok);
}

/* Runs step for n = 0, 1, ... until a run in which no allocation failed. */
#define FOR_EACH_FAILURE(step, once)                                           \
  do {                                                                         \
    long n__ = 0;                                                              \
    int ok__ = 0;                                                              \
    for (; !ok__ && !*fx_test_failed__ && n__ < 100000; n__++) step(n__, once, fx_test_failed__, &ok__); \
    ASSERT(n__ > 1 && n__ < 100000);                                           \
  } while (0)

TEST(supervisor_start_with_one_failed_allocation) { FOR_EACH_FAILURE(start_failing_at, 1); }
TEST(supervisor_start_with_allocations_failing_from_n_on) { FOR_EACH_FAILURE(start_failing_at, 0); }
TEST(restart_with_one_failed_allocation) { FOR_EACH_FAILURE(restart_failing_at, 1); }
TEST(restart_with_allocations_failing_from_n_on) { FOR_EACH_FAILURE(restart_failing_at, 0); }
TEST(a_child_killed_with_one_failed_allocation) { FOR_EACH_FAILURE(killed_failing_at, 1); }

/* What an observer sees: every live process, its behaviour, name, status,
 * mailbox, links, monitors and supervisor. */
TEST(introspection_shows_the_tree) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t idle = {.timeout = FX_INFINITY};
  fx_child_spec_t child = {.id = atom(rt, "w"), .behaviour = &logger, .arg = ptr_arg(&idle), .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, 3, 5, &child, 1};
  fx_pid_t sup, pids[8];
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  ASSERT_OK(fx_register(rt, atom(rt, "top"), sup));
  size_t n;
  ASSERT_OK(fx_processes(rt, pids, 8, &n));
  ASSERT_EQ(n, 2);
  ASSERT_EQ(pids[0], sup);
  fx_pid_t worker = pids[1];
  fx_process_info_t si, wi;
  ASSERT_OK(fx_process_info(rt, sup, &si));
  ASSERT_STREQ(si.behaviour, "supervisor");
  ASSERT_EQ(si.name, atom(rt, "top"));
  ASSERT_EQ(si.status, FX_STATUS_WAITING);
  ASSERT_EQ(si.trap_exit, 1);
  ASSERT_EQ(si.links, 1);
  ASSERT_EQ(si.supervisor, 0);
  ASSERT_OK(fx_process_info(rt, worker, &wi));
  ASSERT_STREQ(wi.behaviour, "logger");
  ASSERT_EQ(wi.name, FX_NONE);
  ASSERT_EQ(wi.supervisor, sup);
  ASSERT_EQ(wi.links, 1);
  fx_pid_t linked[2];
  ASSERT_OK(fx_process_links(rt, worker, linked, 2, &n));
  ASSERT_EQ(n, 1);
  ASSERT_EQ(linked[0], sup);
  /* A monitor and a queued message show up. */
  fx_heap_t *h;
  fx_term_t ref;
  ASSERT_OK(fx_heap_new(rt, &h));
  ASSERT_OK(fx_monitor(rt, sup, worker, h, &ref));
  ASSERT_OK(fx_send(rt, fx_pid_term(worker), fx_small(1)));
  ASSERT_OK(fx_process_info(rt, worker, &wi));
  ASSERT_EQ(wi.mailbox_length, 1);
  ASSERT_EQ(wi.status, FX_STATUS_RUNNABLE);
  ASSERT_EQ(wi.monitored_by, 1);
  ASSERT_OK(fx_process_info(rt, sup, &si));
  ASSERT_EQ(si.monitors, 1);
  /* Restarted, the new worker still names its supervisor. */
  fx_exit(rt, worker, atom(rt, "boom"));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_OK(fx_processes(rt, pids, 8, &n));
  ASSERT_EQ(n, 2);
  ASSERT(pids[1] != worker || fx_pid_gen(pids[1]) != fx_pid_gen(worker));
  ASSERT_OK(fx_process_info(rt, pids[1], &wi));
  ASSERT_EQ(wi.supervisor, sup);
  ASSERT_ERR(fx_process_info(rt, worker, &wi), FX_ENOPROC);
  ASSERT_OK(fx_processes(rt, NULL, 0, &n)); /* counting only */
  ASSERT_EQ(n, 2);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

/* The trace hook: spawn, send, receive, exit and restart, in order. */
typedef struct trace_log {
  char text[2048];
} trace_log_t;

static void record_trace(void *ud, const fx_trace_event_t *ev) {
  static const char *const kinds[] = {"?", "spawn", "send", "receive", "exit", "restart"};
  trace_log_t *log = ud;
  size_t n = strlen(log->text);
  char term[128] = "";
  if (ev->message != FX_NONE) fx_term_format(ev->rt, ev->message, term, sizeof term);
  if (ev->reason != FX_NONE) fx_term_format(ev->rt, ev->reason, term, sizeof term);
  snprintf(log->text + n, sizeof log->text - n, "%s%s %u<-%u %s", n ? "; " : "", kinds[ev->kind],
           fx_pid_index(ev->pid), fx_pid_index(ev->from), term);
}

TEST(trace_reports_spawn_send_receive_exit_and_restart) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  trace_log_t log = {""};
  ASSERT_OK(fx_trace(rt, record_trace, &log));
  logger_t l = {.limit = 1};
  fx_pid_t pid = spawn_logger(rt, &l);
  ASSERT_OK(fx_send(rt, fx_pid_term(pid), fx_small(7)));
  fx_run(rt, FX_RUN_IDLE);
  char want[256];
  snprintf(want, sizeof want, "spawn %u<-0 ; send %u<-0 7; receive %u<-0 7; exit %u<-0 normal", fx_pid_index(pid),
           fx_pid_index(pid), fx_pid_index(pid), fx_pid_index(pid));
  ASSERT_STREQ(log.text, want);
  /* A supervisor's restart is reported with the supervisor as `from`. */
  logger_t idle = {.timeout = FX_INFINITY};
  fx_child_spec_t child = {.id = atom(rt, "w"), .behaviour = &logger, .arg = ptr_arg(&idle), .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, 3, 5, &child, 1};
  fx_pid_t sup, pids[4];
  size_t n;
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  ASSERT_OK(fx_processes(rt, pids, 4, &n));
  log.text[0] = 0;
  fx_exit(rt, pids[1], atom(rt, "boom"));
  fx_run(rt, FX_RUN_IDLE);
  char restart[64];
  ASSERT_OK(fx_processes(rt, pids, 4, &n));
  snprintf(restart, sizeof restart, "restart %u<-%u", fx_pid_index(pids[1]), fx_pid_index(sup));
  ASSERT(strstr(log.text, "exit") != NULL);
  ASSERT(strstr(log.text, restart) != NULL);
  /* Removed, it hears nothing more. */
  ASSERT_OK(fx_trace(rt, NULL, NULL));
  log.text[0] = 0;
  ASSERT_OK(fx_send(rt, fx_pid_term(pids[1]), fx_small(1)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(log.text, "");
  fx_runtime_free(rt);
}

TEST_MAIN(trace_reports_spawn_send_receive_exit_and_restart, introspection_shows_the_tree, children_start_in_order_and_the_queries_list_them, a_child_that_fails_to_start_fails_the_supervisor_start,
          invalid_specs_are_refused_before_anything_starts,
          one_for_one_restarts_only_the_crashed_child_with_fresh_state,
          one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order,
          rest_for_one_restarts_the_crashed_child_and_those_after_it,
          permanent_children_restart_after_normal_and_abnormal_exits,
          transient_children_restart_only_after_an_abnormal_exit, temporary_children_never_restart_and_their_specs_go,
          group_restarts_drop_temporary_siblings, too_many_restarts_at_once_stop_the_supervisor_with_shutdown,
          restarts_spread_wider_than_the_period_are_allowed, a_child_that_cannot_restart_uses_up_the_intensity,
          a_nested_supervisor_that_gives_up_is_restarted_by_its_parents_strategy,
          the_parent_gives_up_when_escalations_exceed_its_own_intensity,
          stopping_the_supervisor_stops_children_in_reverse_order,
          the_parents_exit_stops_the_supervisor_and_its_children,
          a_child_that_ignores_shutdown_is_killed_after_its_shutdown_time, a_child_with_shutdown_zero_is_killed_at_once,
          an_exit_from_an_old_instance_is_ignored, terminate_child_and_restart_child,
          a_child_from_a_start_function_is_linked_and_supervised, supervisor_start_with_one_failed_allocation,
          supervisor_start_with_allocations_failing_from_n_on, restart_with_one_failed_allocation,
          restart_with_allocations_failing_from_n_on, a_child_killed_with_one_failed_allocation)
