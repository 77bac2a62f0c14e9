/* GenServer: callbacks, state across messages, deferred replies, stopping,
 * crashes and their reasons, terminate, and failed starts. Time comes from
 * a manual clock that these tests never move (a failing call must not wait
 * for its timeout). */
#include "fx_test.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* ---- the test server: a counter ---- */

/* What a test sees of its server, from outside. */
typedef struct env {
  int fail_init;      /* init returns FX_EINVAL */
  int stop_in_init;   /* init stops with reason `nope` */
  int inits, terminated, destroyed;
  int by_signal;      /* fx_exiting_by_signal() inside terminate */
  char reason[256];   /* terminate's reason */
  char log[1024];     /* callbacks in order: init call cast info */
} env_t;

typedef struct counter {
  env_t *env;
  int64_t count;
  fx_heap_t *heap;    /* keeps the deferred caller's From */
  fx_term_t deferred; /* FX_NONE when no reply is owed */
} counter_t;

static int is(fx_runtime_t *rt, fx_term_t t, const char *name) { return t == atom(rt, name); }

/* {Tag, X} with an atom Tag named `tag`: X, else FX_NONE. */
static fx_term_t tagged(fx_runtime_t *rt, fx_term_t t, const char *tag) {
  if (fx_is_tuple(t) && fx_tuple_arity(t) == 2 && is(rt, fx_tuple_get(t, 0), tag)) return fx_tuple_get(t, 1);
  return FX_NONE;
}

static void log_word(env_t *e, const char *w) {
  size_t n = strlen(e->log);
  snprintf(e->log + n, sizeof e->log - n, n ? " %s" : "%s", w);
}

static int ctr_init(fx_proc_t *self, void *state, fx_term_t arg) {
  counter_t *c = state;
  c->env = arg_ptr(arg);
  c->deferred = FX_NONE;
  c->env->inits++;
  log_word(c->env, "init");
  if (c->env->fail_init) return FX_EINVAL;
  if (c->env->stop_in_init) return fx_stop(self, atom(fx_proc_runtime(self), "nope"));
  return fx_heap_new(fx_proc_runtime(self), &c->heap);
}

/* Answers the deferred call, if any, with `reply`. */
static int release(fx_proc_t *self, counter_t *c, fx_term_t reply) {
  if (c->deferred == FX_NONE) return FX_OK;
  int err = fx_reply(fx_proc_runtime(self), c->deferred, reply);
  c->deferred = FX_NONE;
  fx_heap_reset(c->heap);
  return err;
}

/* Requests: get -> Count; incr -> Count + 1; later -> (deferred);
 * {stop, R} -> stopping, then stops with R; {die, R} -> stops with R, no
 * reply; fail -> FX_EINVAL. */
static int ctr_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  counter_t *c = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t r;
  log_word(c->env, "call");
  if (is(rt, req, "get")) {
    *reply = fx_small(c->count);
  } else if (is(rt, req, "incr")) {
    *reply = fx_small(++c->count);
  } else if (is(rt, req, "later")) {
    return fx_heap_copy(c->heap, from, &c->deferred); /* *reply stays FX_NONE */
  } else if ((r = tagged(rt, req, "stop")) != FX_NONE) {
    *reply = atom(rt, "stopping");
    return fx_stop(self, r);
  } else if ((r = tagged(rt, req, "die")) != FX_NONE) {
    return fx_stop(self, r);
  } else if (is(rt, req, "fail")) {
    return FX_EINVAL;
  } else {
    *reply = atom(rt, "what");
  }
  return FX_OK;
}

/* Casts: incr; {stop, R}; release (answers the deferred call with the
 * count); fail -> FX_ESTATE. */
static int ctr_cast(fx_proc_t *self, void *state, fx_term_t req) {
  counter_t *c = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t r;
  log_word(c->env, "cast");
  if (is(rt, req, "incr")) c->count++;
  else if ((r = tagged(rt, req, "stop")) != FX_NONE) return fx_stop(self, r);
  else if (is(rt, req, "release")) return release(self, c, fx_small(c->count));
  else if (is(rt, req, "fail")) return FX_ESTATE;
  return FX_OK;
}

/* Plain messages: incr; {release, X} (answers the deferred call with X);
 * fail -> FX_ENOTFOUND. */
static int ctr_info(fx_proc_t *self, void *state, fx_term_t msg) {
  counter_t *c = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t x;
  log_word(c->env, "info");
  if (is(rt, msg, "incr")) c->count++;
  else if ((x = tagged(rt, msg, "release")) != FX_NONE) return release(self, c, x);
  else if (is(rt, msg, "fail")) return FX_ENOTFOUND;
  return FX_OK;
}

static void ctr_terminate(fx_proc_t *self, void *state, fx_term_t reason) {
  counter_t *c = state;
  c->env->terminated++;
  c->env->by_signal = fx_exiting_by_signal(self);
  fx_term_format(fx_proc_runtime(self), reason, c->env->reason, sizeof c->env->reason);
  log_word(c->env, "terminate");
}

static void ctr_destroy(fx_runtime_t *rt, void *state) {
  (void)rt;
  counter_t *c = state;
  fx_heap_free(c->heap);
  if (c->env) c->env->destroyed++;
}

static const fx_gen_server_t counter = {.name = "counter", .state_size = sizeof(counter_t), .init = ctr_init,
                                        .handle_call = ctr_call, .handle_cast = ctr_cast, .handle_info = ctr_info,
                                        .terminate = ctr_terminate, .destroy = ctr_destroy};

/* ---- helpers ---- */

static int start(fx_runtime_t *rt, const fx_gen_server_t *gs, env_t *e, fx_pid_t *pid) {
  return fx_gen_server_start(rt, gs, ptr_arg(e), NULL, pid);
}

/* Spawns a logger (fx_test_support.h) that monitors target: its `downs`
 * and `down_reason` tell how target went down. */
static fx_pid_t watch(fx_runtime_t *rt, fx_heap_t *h, fx_pid_t target, logger_t *w) {
  fx_term_t ref;
  fx_pid_t pid = spawn_logger(rt, w);
  if (!pid || fx_monitor(rt, pid, target, h, &ref) != FX_OK) return 0;
  return pid;
}

/* ---- tests ---- */

TEST(callbacks_run_and_state_is_kept_across_messages) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  env_t e = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  ASSERT_EQ(e.inits, 1); /* init ran before start returned */
  ASSERT(fx_is_alive(rt, pid));
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), atom(rt, "incr")));
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), atom(rt, "incr")));
  ASSERT_OK(fx_send(rt, fx_pid_term(pid), atom(rt, "incr")));
  fx_run(rt, FX_RUN_IDLE);
  call_result_t r = call(rt, pid, atom(rt, "incr"));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "4");
  r = call(rt, pid, atom(rt, "get"));
  ASSERT_STREQ(r.value, "4");
  ASSERT_STREQ(e.log, "init cast cast info call call");
  ASSERT_EQ(e.terminated, 0);
  ASSERT(fx_is_alive(rt, pid));
  fx_runtime_free(rt);
  ASSERT_EQ(e.destroyed, 1);
}

TEST(deferred_reply_completes_the_call_on_a_later_message) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  call_result_t later = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "later"), 5000, on_call, &later, NULL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(later.done, 0); /* handled, but no reply yet */
  /* The server keeps serving others meanwhile. */
  call_result_t other = call(rt, pid, atom(rt, "incr"));
  ASSERT_EQ(other.done, 1);
  ASSERT_STREQ(other.value, "1");
  ASSERT_EQ(later.done, 0);
  /* A later plain message makes it reply through fx_reply. */
  ASSERT_OK(fx_send(rt, fx_pid_term(pid), pair(h, atom(rt, "release"), atom(rt, "done"))));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(later.done, 1);
  ASSERT_EQ(later.status, FX_OK);
  ASSERT_STREQ(later.value, "done");
  /* The same through a cast, answered with the state. */
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "later"), 5000, on_call, &later, NULL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(later.done, 1);
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), atom(rt, "release")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(later.done, 2);
  ASSERT_STREQ(later.value, "1");
  ASSERT_EQ(fx_next_deadline(rt), -1); /* no call timer left behind */
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(stop_in_handle_call_still_sends_the_reply) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  logger_t w = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  ASSERT(watch(rt, h, pid, &w) != 0);
  call_result_t r = call(rt, pid, pair(h, atom(rt, "stop"), atom(rt, "bye")));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK); /* the reply, not the exit */
  ASSERT_STREQ(r.value, "stopping");
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(e.terminated, 1);
  ASSERT_STREQ(e.reason, "bye");
  ASSERT_EQ(e.by_signal, 0);
  ASSERT_EQ(w.downs, 1);
  ASSERT_STREQ(w.down_reason, "bye");
  ASSERT_STREQ(e.log, "init call terminate");
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(stop_in_handle_cast_with_a_reason) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  logger_t w = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  ASSERT(watch(rt, h, pid, &w) != 0);
  fx_term_t reason = pair(h, FX_ATOM(SHUTDOWN), atom(rt, "maintenance"));
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), pair(h, atom(rt, "stop"), reason)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(e.terminated, 1);
  ASSERT_STREQ(e.reason, "{shutdown,maintenance}");
  ASSERT_STREQ(w.down_reason, "{shutdown,maintenance}");
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(handle_call_error_fails_the_caller_with_callback_failed) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  env_t e = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  call_result_t r = call(rt, pid, atom(rt, "fail"));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "{callback_failed,handle_call,'FX_EINVAL'}");
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(e.terminated, 1); /* a crash runs terminate */
  ASSERT_STREQ(e.reason, "{callback_failed,handle_call,'FX_EINVAL'}");
  fx_runtime_free(rt);
}

TEST(handle_cast_and_handle_info_errors_crash_with_callback_failed) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t ec = {0}, ei = {0};
  logger_t wc = {0}, wi = {0};
  fx_pid_t pc = 0, pi = 0;
  ASSERT_OK(start(rt, &counter, &ec, &pc));
  ASSERT_OK(start(rt, &counter, &ei, &pi));
  ASSERT(watch(rt, h, pc, &wc) != 0);
  ASSERT(watch(rt, h, pi, &wi) != 0);
  ASSERT_OK(fx_cast(rt, fx_pid_term(pc), atom(rt, "fail")));
  ASSERT_OK(fx_send(rt, fx_pid_term(pi), atom(rt, "fail")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(wc.down_reason, "{callback_failed,handle_cast,'FX_ESTATE'}");
  ASSERT_STREQ(wi.down_reason, "{callback_failed,handle_info,'FX_ENOTFOUND'}");
  ASSERT_STREQ(ec.reason, "{callback_failed,handle_cast,'FX_ESTATE'}");
  ASSERT_STREQ(ei.reason, "{callback_failed,handle_info,'FX_ENOTFOUND'}");
  ASSERT(!fx_is_alive(rt, pc));
  ASSERT(!fx_is_alive(rt, pi));
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(missing_handle_call_crashes_with_undefined) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_gen_server_t no_call = counter;
  no_call.handle_call = NULL;
  env_t e = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &no_call, &e, &pid));
  /* Casts and infos still work. */
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), atom(rt, "incr")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(fx_is_alive(rt, pid));
  call_result_t r = call(rt, pid, atom(rt, "get"));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "{callback_failed,handle_call,undefined}");
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_STREQ(e.reason, "{callback_failed,handle_call,undefined}");
  fx_runtime_free(rt);
}

TEST(terminate_runs_on_an_untrapped_shutdown_signal) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  logger_t w = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  ASSERT(watch(rt, h, pid, &w) != 0);
  ASSERT_OK(fx_exit(rt, pid, FX_ATOM(SHUTDOWN)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(e.terminated, 1);
  ASSERT_STREQ(e.reason, "shutdown");
  ASSERT_EQ(e.by_signal, 1);
  ASSERT_STREQ(w.down_reason, "shutdown");
  ASSERT_EQ(e.destroyed, 1);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(terminate_does_not_run_on_kill) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  logger_t w = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  ASSERT(watch(rt, h, pid, &w) != 0);
  ASSERT_OK(fx_exit(rt, pid, FX_ATOM(KILL)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(e.terminated, 0);
  ASSERT_EQ(e.destroyed, 1); /* its state is still freed */
  ASSERT_STREQ(w.down_reason, "killed");
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(call_to_a_server_that_dies_mid_call_fails_at_once) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  env_t e = {0};
  fx_pid_t pid = 0;
  ASSERT_OK(start(rt, &counter, &e, &pid));
  call_result_t r = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), pair(h, atom(rt, "die"), atom(rt, "boom")), 60000, on_call, &r, NULL));
  ASSERT_EQ(fx_next_deadline(rt), 60000);
  fx_run(rt, FX_RUN_IDLE); /* the clock stays at 0 */
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "boom");
  ASSERT_EQ(fx_next_deadline(rt), -1); /* the call's timer went with it */
  /* And a call to it now fails before it starts. */
  call_result_t late = {0};
  ASSERT_ERR(fx_call(rt, fx_pid_term(pid), atom(rt, "get"), 5000, on_call, &late, NULL), FX_ENOPROC);
  ASSERT_EQ(late.done, 0);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(init_failure_fails_the_start_and_leaves_no_process) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  env_t e = {.fail_init = 1};
  fx_pid_t pid = 12345;
  ASSERT_ERR(start(rt, &counter, &e, &pid), FX_ECALLBACK);
  ASSERT_EQ(pid, 12345); /* untouched */
  ASSERT_EQ(fx_process_count(rt), 0);
  ASSERT_EQ(e.destroyed, 1);
  /* As in OTP, terminate is for a server that started. */
  ASSERT_EQ(e.terminated, 0);
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  fx_runtime_free(rt);
}

TEST(init_that_stops_fails_the_start_with_eexit) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  env_t e = {.stop_in_init = 1};
  fx_pid_t pid = 0;
  ASSERT_ERR(start(rt, &counter, &e, &pid), FX_EEXIT);
  ASSERT_EQ(pid, 0);
  ASSERT_EQ(fx_process_count(rt), 0);
  ASSERT_EQ(e.terminated, 0);
  ASSERT_EQ(e.destroyed, 1);
  fx_runtime_free(rt);
}

TEST(a_server_with_only_init_ignores_requests_it_does_not_handle) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_gen_server_t bare = {0};
  bare.state_size = 16;
  fx_pid_t pid = 0;
  ASSERT_OK(fx_gen_server_start(rt, &bare, FX_NIL, NULL, &pid));
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), atom(rt, "x")));
  ASSERT_OK(fx_send(rt, fx_pid_term(pid), atom(rt, "y")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(fx_is_alive(rt, pid));
  size_t n = 9;
  ASSERT_OK(fx_mailbox_length(rt, pid, &n));
  ASSERT_EQ(n, 0);
  ASSERT_ERR(fx_gen_server_start(rt, NULL, FX_NIL, NULL, &pid), FX_EINVAL);
  fx_runtime_free(rt);
}

TEST_MAIN(callbacks_run_and_state_is_kept_across_messages, deferred_reply_completes_the_call_on_a_later_message,
          stop_in_handle_call_still_sends_the_reply, stop_in_handle_cast_with_a_reason,
          handle_call_error_fails_the_caller_with_callback_failed,
          handle_cast_and_handle_info_errors_crash_with_callback_failed, missing_handle_call_crashes_with_undefined,
          terminate_runs_on_an_untrapped_shutdown_signal, terminate_does_not_run_on_kill,
          call_to_a_server_that_dies_mid_call_fails_at_once, init_failure_fails_the_start_and_leaves_no_process,
          init_that_stops_fails_the_start_with_eexit, a_server_with_only_init_ignores_requests_it_does_not_handle)
