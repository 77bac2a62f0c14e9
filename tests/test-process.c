/* Processes, mailboxes, selective receive, the run loop, timers, registry,
 * messaging and calls. Time comes from a manual clock. */
#include "fx_test.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* ---- tests ----
 * The test process is `logger` (fx_test_support.h): it receives with its
 * pattern and timeout, logs what it gets, and stops, crashes or exits as
 * its logger_t says. */

TEST(spawn_runs_init_and_exits_normally) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {.limit = 1};
  fx_pid_t pid = spawn_logger(rt, &s);
  ASSERT(pid != 0);
  ASSERT(fx_is_alive(rt, pid));
  ASSERT_EQ(fx_process_count(rt), 1);
  ASSERT_OK(fx_send(rt, fx_pid_term(pid), atom(rt, "hello")));
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_STREQ(s.log, "hello");
  ASSERT(!fx_is_alive(rt, pid));
  ASSERT_EQ(fx_process_count(rt), 0);
  fx_runtime_free(rt);
}

TEST(stale_pid_never_reaches_the_slot_reuser) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {.limit = 1}, b = {0};
  fx_pid_t pa = spawn_logger(rt, &a);
  fx_send(rt, fx_pid_term(pa), fx_small(1));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pa));
  fx_pid_t pb = spawn_logger(rt, &b);
  ASSERT_EQ(fx_pid_index(pb), fx_pid_index(pa)); /* the slot is reused... */
  ASSERT_NE(fx_pid_gen(pb), fx_pid_gen(pa));     /* ...under a new generation */
  ASSERT_OK(fx_send(rt, fx_pid_term(pa), fx_small(2))); /* dropped, not an error */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(b.log, "");
  size_t n = 9;
  ASSERT_ERR(fx_mailbox_length(rt, pa, &n), FX_ENOPROC);
  ASSERT_OK(fx_link(rt, pb, pb));
  ASSERT_ERR(fx_register(rt, atom(rt, "x"), pa), FX_ENOPROC);
  fx_runtime_free(rt);
}

TEST(messages_from_one_sender_arrive_in_order) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {0};
  fx_pid_t pid = spawn_logger(rt, &s);
  for (int i = 0; i < 50; i++) ASSERT_OK(fx_send(rt, fx_pid_term(pid), fx_small(i)));
  size_t n;
  ASSERT_OK(fx_mailbox_length(rt, pid, &n));
  ASSERT_EQ(n, 50);
  fx_run(rt, FX_RUN_IDLE);
  char want[4096] = "";
  for (int i = 0; i < 50; i++) snprintf(want + strlen(want), sizeof want - strlen(want), i ? " %d" : "%d", i);
  ASSERT_STREQ(s.log, want);
  fx_runtime_free(rt);
}

static fx_pattern_t *compile1(fx_runtime_t *rt, fx_term_t clause) {
  fx_pattern_t *p = NULL;
  fx_pattern_compile(rt, &clause, 1, 0, &p);
  return p;
}

TEST(selective_receive_takes_the_oldest_match_and_keeps_the_rest_in_order) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  fx_term_t b = atom(rt, "b"), a = atom(rt, "a"), pat, m;
  ASSERT_OK(fx_tuple2(h, b, fx_pat_any(), &pat));
  logger_t s = {.pattern = compile1(rt, pat), .limit = 2};
  ASSERT(s.pattern != NULL);
  fx_pid_t pid = spawn_logger(rt, &s);
  int order[] = {0, 1, 0, 1, 0};
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(fx_tuple2(h, order[i] ? b : a, fx_small(i), &m));
    ASSERT_OK(fx_send(rt, fx_pid_term(pid), m));
  }
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "1 3");
  ASSERT(!fx_is_alive(rt, pid));
  /* A second process takes whatever is left, oldest first. */
  logger_t any = {0};
  fx_pid_t p2 = spawn_logger(rt, &any);
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(fx_tuple2(h, order[i] ? b : a, fx_small(i), &m));
    fx_send(rt, fx_pid_term(p2), m);
  }
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(any.log, "{a,0} {b,1} {a,2} {b,3} {a,4}");
  fx_pattern_free(rt, s.pattern);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(waiting_receive_resumes_after_the_backlog) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  fx_term_t pat, m, go = atom(rt, "go");
  fx_tuple2(h, go, fx_pat_any(), &pat);
  logger_t s = {.pattern = compile1(rt, pat), .limit = 1};
  fx_pid_t pid = spawn_logger(rt, &s);
  for (int i = 0; i < 1000; i++) {
    fx_send(rt, fx_pid_term(pid), fx_small(i));
    if (i % 100 == 0) fx_run(rt, FX_RUN_IDLE); /* wakes, scans only the new ones */
  }
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "");
  size_t n;
  fx_mailbox_length(rt, pid, &n);
  ASSERT_EQ(n, 1000);
  fx_tuple2(h, go, fx_small(7), &m);
  fx_send(rt, fx_pid_term(pid), m);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "7");
  fx_pattern_free(rt, s.pattern);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(receive_timeout_follows_the_injected_clock) {
  fx_test_clock_t clock = {.now = 1000};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {.timeout = 100, .limit = 1};
  fx_pid_t pid = spawn_logger(rt, &s);
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 1); /* the timer is pending */
  ASSERT_EQ(fx_next_deadline(rt), 1100);
  ASSERT_EQ(fx_next_timeout(rt), 100);
  clock.now = 1099;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(s.timeouts, 0);
  clock.now = 1100;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(s.timeouts, 1);
  ASSERT_STREQ(s.log, "timeout");
  /* It waits again, with a fresh timer; a message beats it. */
  ASSERT(fx_is_alive(rt, pid));
  ASSERT_EQ(fx_next_deadline(rt), 1200);
  fx_send(rt, fx_pid_term(pid), fx_small(5));
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_STREQ(s.log, "timeout 5");
  ASSERT_EQ(fx_next_deadline(rt), -1); /* the timer went with the match */
  fx_runtime_free(rt);
}

TEST(receive_with_zero_timeout_polls) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {.timeout = 0, .limit = 2, .timeout_limit = 1};
  fx_pid_t pid = 0;
  s.stop_with = FX_NONE;
  ASSERT_OK(fx_spawn(rt, &logger, ptr_arg(&s), NULL, &pid));
  fx_send(rt, fx_pid_term(pid), fx_small(1));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "1 timeout");
  fx_runtime_free(rt);
}

TEST(send_after_and_cancel_timer) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {0};
  fx_pid_t pid = spawn_logger(rt, &s);
  fx_timer_t t1, t2, t3;
  ASSERT_OK(fx_send_after(rt, 50, fx_pid_term(pid), fx_small(1), &t1));
  ASSERT_OK(fx_send_after(rt, 20, fx_pid_term(pid), fx_small(2), &t2));
  ASSERT_OK(fx_send_after(rt, 20, fx_pid_term(pid), fx_small(3), &t3));
  ASSERT_OK(fx_cancel_timer(rt, t1));
  ASSERT_ERR(fx_cancel_timer(rt, t1), FX_ENOTFOUND);
  clock.now = 19;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "");
  clock.now = 100;
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_STREQ(s.log, "2 3"); /* equal deadlines fire in the order they were set */
  ASSERT_ERR(fx_cancel_timer(rt, t2), FX_ENOTFOUND);
  /* To a name, resolved when it fires; to a dead pid, dropped. */
  ASSERT_OK(fx_register(rt, atom(rt, "rec"), pid));
  ASSERT_OK(fx_send_after(rt, 10, atom(rt, "rec"), fx_small(4), &t1));
  clock.now = 110;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "2 3 4");
  ASSERT_ERR(fx_send_after(rt, -1, fx_pid_term(pid), fx_small(1), &t1), FX_EINVAL);
  ASSERT_OK(fx_send_after(rt, 5, fx_pid_term(pid), fx_small(5), NULL)); /* no handle wanted */
  clock.now = 120;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "2 3 4 5");
  fx_runtime_free(rt);
}

/* As erlang:send_after/3: a timer to a pid dies with its process; one to a
 * name does not. */
TEST(timers_to_a_pid_are_cancelled_when_it_exits) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0};
  fx_pid_t pa = spawn_logger(rt, &a), pb = spawn_logger(rt, &b);
  ASSERT_OK(fx_register(rt, atom(rt, "a"), pa));
  fx_timer_t t[5];
  ASSERT_OK(fx_send_after(rt, 10, fx_pid_term(pa), fx_small(1), &t[0]));
  ASSERT_OK(fx_send_after(rt, 20, fx_pid_term(pa), fx_small(2), &t[1]));
  ASSERT_OK(fx_send_after(rt, 30, fx_pid_term(pa), fx_small(3), &t[2]));
  ASSERT_OK(fx_send_after(rt, 40, atom(rt, "a"), fx_small(4), &t[3]));
  ASSERT_OK(fx_send_after(rt, 50, fx_pid_term(pb), fx_small(5), &t[4]));
  ASSERT_OK(fx_cancel_timer(rt, t[1])); /* out of the middle of a's list */
  ASSERT_OK(fx_exit(rt, pa, FX_ATOM(KILL)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT_ERR(fx_cancel_timer(rt, t[0]), FX_ENOTFOUND);
  ASSERT_ERR(fx_cancel_timer(rt, t[2]), FX_ENOTFOUND);
  ASSERT_EQ(fx_next_deadline(rt), 40); /* the name's timer stays */
  clock.now = 100;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(b.log, "5");
  ASSERT_EQ(fx_next_deadline(rt), -1);
  size_t settled = fx_runtime_memory(rt);
  /* The slots are reused cleanly: a's process is gone, b's list is empty. */
  ASSERT_OK(fx_send_after(rt, 10, fx_pid_term(pb), fx_small(6), &t[0]));
  ASSERT_OK(fx_send_after(rt, 10, fx_pid_term(pa), fx_small(7), &t[1])); /* to a dead pid: ended at once */
  ASSERT_ERR(fx_cancel_timer(rt, t[1]), FX_ENOTFOUND);
  ASSERT_EQ(fx_next_deadline(rt), 10 + 100); /* b's only */
  clock.now = 200;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(b.log, "5 6");
  ASSERT_EQ(fx_runtime_memory(rt), settled);
  fx_runtime_free(rt);
}

TEST(many_timers_fire_in_deadline_order) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {0};
  fx_pid_t pid = spawn_logger(rt, &s);
  fx_timer_t t[200];
  /* Deadlines in a scrambled order; cancel every third. */
  for (int i = 0; i < 200; i++) ASSERT_OK(fx_send_after(rt, (i * 37) % 200 + 1, fx_pid_term(pid), fx_small((i * 37) % 200 + 1), &t[i]));
  for (int i = 0; i < 200; i += 3) ASSERT_OK(fx_cancel_timer(rt, t[i]));
  clock.now = 1000;
  fx_run(rt, FX_RUN_IDLE);
  /* Check the log is increasing. */
  long prev = 0, count = 0;
  for (char *p = s.log; *p;) {
    long v = strtol(p, &p, 10);
    ASSERT(v > prev);
    prev = v;
    count++;
  }
  ASSERT_EQ(count, 200 - 67);
  fx_runtime_free(rt);
}

TEST(registry_semantics) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {.limit = 1}, b = {0};
  fx_pid_t pa = spawn_logger(rt, &a), pb = spawn_logger(rt, &b), got = 0;
  fx_term_t name = atom(rt, "server"), other = atom(rt, "other");
  ASSERT_OK(fx_register(rt, name, pa));
  ASSERT_ERR(fx_register(rt, name, pb), FX_ENAMETAKEN);
  ASSERT_ERR(fx_register(rt, other, pa), FX_ESTATE); /* one name per process */
  ASSERT_ERR(fx_register(rt, fx_small(1), pb), FX_EINVAL);
  ASSERT_ERR(fx_register(rt, FX_ATOM(UNDEFINED), pb), FX_EINVAL);
  ASSERT_OK(fx_whereis(rt, name, &got));
  ASSERT_EQ(got, pa);
  ASSERT_EQ(fx_registered_name(rt, pa), name);
  ASSERT_OK(fx_register(rt, other, pb));
  fx_term_t names[4];
  size_t n;
  ASSERT_OK(fx_registered(rt, names, 4, &n));
  ASSERT_EQ(n, 2);
  ASSERT((names[0] == name && names[1] == other) || (names[0] == other && names[1] == name));
  ASSERT_OK(fx_unregister(rt, other));
  ASSERT_ERR(fx_unregister(rt, other), FX_EBADNAME);
  ASSERT_ERR(fx_whereis(rt, other, &got), FX_EBADNAME);
  ASSERT_ERR(fx_send(rt, other, fx_small(1)), FX_EBADNAME);
  /* Sending by name; the name is released when its process exits. */
  ASSERT_OK(fx_send(rt, name, fx_small(9)));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(a.log, "9");
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT_ERR(fx_whereis(rt, name, &got), FX_EBADNAME);
  ASSERT_ERR(fx_register(rt, name, pa), FX_ENOPROC); /* a dead pid is refused */
  ASSERT_OK(fx_register(rt, name, pb));
  ASSERT_OK(fx_registered(rt, names, 4, &n));
  ASSERT_EQ(n, 1);
  fx_runtime_free(rt);
}

TEST(spawn_with_name_link_and_trap_exit) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t parent = {0}, child = {.limit = 1};
  fx_pid_t pp = spawn_logger(rt, &parent), pc = 0;
  ASSERT_OK(fx_trap_exit(rt, pp, 1));
  fx_spawn_opts_t opts = {.link = pp, .name = atom(rt, "kid"), .trap_exit = 0};
  child.timeout = FX_INFINITY;
  child.stop_with = atom(rt, "boom");
  ASSERT_OK(fx_spawn(rt, &logger, ptr_arg(&child), &opts, &pc));
  ASSERT_ERR(fx_spawn(rt, &logger, ptr_arg(&child), &opts, &pc), FX_ENAMETAKEN);
  fx_send(rt, atom(rt, "kid"), fx_small(1));
  fx_run(rt, FX_RUN_IDLE);
  char want[128], pt[32];
  snprintf(want, sizeof want, "{'EXIT',%s,boom}", pidtext(pc, pt));
  ASSERT_STREQ(parent.log, want);
  fx_runtime_free(rt);
}

/* ---- calls ---- */

/* A server: replies {reply, Req} at once, or defers when Req is `later`
 * (replying on the next message), or crashes when Req is `crash`. */
typedef struct server {
  fx_heap_t *heap;
  fx_term_t deferred;
} server_t;

static int srv_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)arg;
  server_t *s = state;
  int err = fx_heap_new(fx_proc_runtime(self), &s->heap);
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static int srv_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  server_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t m = r->message, reply;
  if (fx_is_tuple(m) && fx_tuple_arity(m) == 3 && fx_tuple_get(m, 0) == FX_ATOM(GEN_CALL)) {
    fx_term_t from = fx_tuple_get(m, 1), req = fx_tuple_get(m, 2);
    size_t len;
    const char *text = fx_is_atom(req) ? fx_atom_text(rt, req, &len) : "";
    if (strcmp(text, "crash") == 0) return fx_stop(self, req);
    if (strcmp(text, "later") == 0) {
      if (fx_heap_copy(s->heap, from, &s->deferred) != FX_OK) return FX_ENOMEM;
    } else {
      fx_tuple2(fx_proc_heap(self), atom(rt, "reply"), req, &reply);
      fx_reply(rt, from, reply);
    }
  } else if (s->deferred != FX_NONE) {
    fx_reply(rt, s->deferred, m);
    s->deferred = FX_NONE;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static void srv_destroy(fx_runtime_t *rt, void *state) {
  (void)rt;
  fx_heap_free(((server_t *)state)->heap);
}

static const fx_behaviour_t server = {"server", sizeof(server_t), srv_init, srv_handle, NULL, srv_destroy};

TEST(call_gets_the_reply) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t pid;
  ASSERT_OK(fx_spawn(rt, &server, FX_NIL, NULL, &pid));
  call_result_t r = {0};
  uint64_t id;
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "ping"), 5000, on_call, &r, &id));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "{reply,ping}");
  ASSERT_EQ(fx_next_deadline(rt), -1); /* its timer is gone */
  /* By name. */
  fx_register(rt, atom(rt, "srv"), pid);
  ASSERT_OK(fx_call(rt, atom(rt, "srv"), fx_small(2), 5000, on_call, &r, &id));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 2);
  ASSERT_STREQ(r.value, "{reply,2}");
  ASSERT_ERR(fx_call(rt, atom(rt, "nobody"), fx_small(2), 5000, on_call, &r, &id), FX_EBADNAME);
  fx_runtime_free(rt);
}

/* A completion that makes the next call at once, as a host loop does. */
typedef struct chain {
  fx_pid_t server;
  int left, replies, errors;
} chain_t;

static void next_call(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  chain_t *c = ud;
  (void)value;
  if (status != FX_OK) c->errors++;
  else c->replies++;
  if (c->left-- > 0 && fx_call(rt, fx_pid_term(c->server), fx_small(c->left), 5000, next_call, c, NULL) != FX_OK) c->errors++;
}

TEST(a_completion_callback_may_call_the_same_server_again) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  chain_t c = {0, 9, 0, 0};
  ASSERT_OK(fx_spawn(rt, &server, FX_NIL, NULL, &c.server));
  /* The callback runs while the server replies, but on the caller's
   * behalf: its call is not the server calling itself. */
  ASSERT_OK(fx_call(rt, fx_pid_term(c.server), fx_small(10), 5000, next_call, &c, NULL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(c.errors, 0);
  ASSERT_EQ(c.replies, 10);
  ASSERT_EQ(fx_next_deadline(rt), -1);
  fx_runtime_free(rt);
}

TEST(call_to_a_dead_server_fails_at_once) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {.limit = 1};
  fx_pid_t pid = spawn_logger(rt, &s);
  fx_send(rt, fx_pid_term(pid), fx_small(1));
  fx_run(rt, FX_RUN_IDLE);
  call_result_t r = {0};
  ASSERT_ERR(fx_call(rt, fx_pid_term(pid), fx_small(1), 5000, on_call, &r, NULL), FX_ENOPROC);
  ASSERT_EQ(r.done, 0);
  fx_runtime_free(rt);
}

TEST(call_fails_with_the_crash_reason_without_waiting) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t pid;
  fx_spawn(rt, &server, FX_NIL, NULL, &pid);
  call_result_t r = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "crash"), 5000, on_call, &r, NULL));
  fx_run(rt, FX_RUN_IDLE); /* the clock does not move */
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "crash");
  ASSERT_EQ(fx_next_deadline(rt), -1);
  fx_runtime_free(rt);
}

TEST(call_times_out_and_the_late_reply_is_dropped) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t pid;
  fx_spawn(rt, &server, FX_NIL, NULL, &pid);
  call_result_t r = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "later"), 100, on_call, &r, NULL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 0);
  clock.now = 100;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_ETIMEDOUT);
  /* Now the server replies: nothing completes twice, nothing is queued. */
  fx_send(rt, fx_pid_term(pid), atom(rt, "late"));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 1);
  size_t n;
  fx_mailbox_length(rt, pid, &n);
  ASSERT_EQ(n, 0);
  /* A deferred reply in time completes the call. */
  ASSERT_OK(fx_call(rt, fx_pid_term(pid), atom(rt, "later"), 100, on_call, &r, NULL));
  fx_run(rt, FX_RUN_IDLE);
  fx_send(rt, fx_pid_term(pid), atom(rt, "answer"));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(r.done, 2);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "answer");
  fx_runtime_free(rt);
}

/* ---- the run loop ---- */

/* A process that yields `n` times, logging its tag each time. */
typedef struct spinner {
  char *log;
  char tag;
  int left;
} spinner_t;

static int spin_init(fx_proc_t *self, void *state, fx_term_t arg) {
  spinner_t *s = state;
  *s = *(const spinner_t *)arg_ptr(arg);
  return fx_yield(self);
}

static int spin_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  spinner_t *s = state;
  if (r->kind != FX_RECV_RESUME) return FX_EINVAL;
  size_t n = strlen(s->log);
  s->log[n] = s->tag;
  s->log[n + 1] = 0;
  return --s->left > 0 ? fx_yield(self) : FX_OK;
}

static const fx_behaviour_t spinner = {"spinner", sizeof(spinner_t), spin_init, spin_handle, NULL, NULL};

TEST(run_modes_and_fair_turns) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char log[64] = "";
  spinner_t a = {log, 'a', 3}, b = {log, 'b', 3};
  fx_pid_t pa, pb;
  ASSERT_OK(fx_spawn(rt, &spinner, ptr_arg(&a), NULL, &pa));
  ASSERT_OK(fx_spawn(rt, &spinner, ptr_arg(&b), NULL, &pb));
  ASSERT(fx_runnable(rt));
  ASSERT_EQ(fx_next_timeout(rt), 0);
  ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 1); /* one pass: each runs once */
  ASSERT_STREQ(log, "ab");
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_STREQ(log, "ababab");
  ASSERT(!fx_runnable(rt));
  ASSERT_EQ(fx_process_count(rt), 0);
  fx_runtime_free(rt);
}

TEST(run_budget_bounds_a_slice) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {0};
  fx_pid_t pid = spawn_logger(rt, &s);
  for (int i = 0; i < 10; i++) fx_send(rt, fx_pid_term(pid), fx_small(i));
  ASSERT_EQ(fx_run_budget(rt, 4), 1);
  ASSERT_EQ(s.seen, 4);
  ASSERT_EQ(fx_run_budget(rt, 100), 0);
  ASSERT_EQ(s.seen, 10);
  fx_runtime_free(rt);
}

TEST(a_busy_process_does_not_starve_others) {
  fx_test_clock_t clock = {0};
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_clock_config(&cfg, &clock);
  cfg.reductions = 5;
  fx_runtime_t *rt;
  ASSERT_OK(fx_runtime_new(&cfg, &rt));
  logger_t busy = {0}, other = {0};
  fx_pid_t pb = spawn_logger(rt, &busy), po = spawn_logger(rt, &other);
  for (int i = 0; i < 100; i++) fx_send(rt, fx_pid_term(pb), fx_small(i));
  fx_send(rt, fx_pid_term(po), fx_small(1));
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(busy.seen, 5); /* its slice ended at the reduction budget... */
  ASSERT_EQ(other.seen, 1); /* ...and the other process had its turn */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(busy.seen, 100);
  fx_runtime_free(rt);
}

TEST(callback_errors_crash_only_that_process) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t bad = {.crash = 1}, good = {0};
  fx_pid_t pb = spawn_logger(rt, &bad), pg = spawn_logger(rt, &good), watcher;
  logger_t w = {0};
  watcher = spawn_logger(rt, &w);
  fx_term_t ref;
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  ASSERT_OK(fx_monitor(rt, watcher, pb, h, &ref));
  fx_send(rt, fx_pid_term(pb), fx_small(1));
  fx_send(rt, fx_pid_term(pg), fx_small(2));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, pb));
  ASSERT(fx_is_alive(rt, pg));
  ASSERT_STREQ(good.log, "2");
  ASSERT(strstr(w.log, "{callback_failed,handle_info,'FX_EINVAL'}") != NULL);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(bad_arguments_are_errors) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t pid;
  fx_behaviour_t nohandle = {"x", 0, NULL, NULL, NULL, NULL};
  ASSERT_ERR(fx_spawn(rt, &nohandle, FX_NIL, NULL, &pid), FX_EINVAL);
  ASSERT_ERR(fx_spawn(NULL, &logger, FX_NIL, NULL, &pid), FX_EINVAL);
  ASSERT_ERR(fx_send(rt, fx_small(3), fx_small(1)), FX_EINVAL);
  ASSERT_ERR(fx_send(rt, fx_pid_term(12345), FX_NONE), FX_EINVAL);
  ASSERT_OK(fx_send(rt, fx_pid_term(fx_pid_make(777, 3)), fx_small(1))); /* never existed: dropped */
  ASSERT_ERR(fx_reply(rt, fx_small(1), fx_small(1)), FX_EINVAL);
  ASSERT_ERR(fx_run(rt, (fx_run_mode_t)99), FX_EINVAL);
  ASSERT_ERR(fx_receive(NULL, NULL, 0), FX_ESTATE);
  ASSERT_ERR(fx_cancel_timer(rt, 0), FX_ENOTFOUND);
  ASSERT_ERR(fx_cancel_timer(rt, 0xffffffffffffull), FX_ENOTFOUND);
  /* A word that is no term, as a reason: refused, nothing sent. */
  logger_t s = {0};
  pid = spawn_logger(rt, &s);
  ASSERT_ERR(fx_exit(rt, pid, (fx_term_t)6), FX_EINVAL);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(fx_is_alive(rt, pid));
  fx_runtime_free(rt);
}

/* Every allocation made to fail in turn: each failure is reported, and the
 * runtime stays usable and leak-free (ASan checks the leaks). */
TEST(allocation_failures_leave_the_runtime_usable) {
  for (long fail_at = 0; fail_at < 200; fail_at++) {
    fx_test_clock_t clock = {0};
    fx_test_alloc_t alloc;
    fx_runtime_t *rt = NULL;
    if (new_rt_alloc(&clock, &alloc, &rt) != FX_OK) continue;
    alloc.countdown = fail_at;
    logger_t s = {0}, s2 = {0};
    fx_pid_t pid = spawn_logger(rt, &s), pid2 = spawn_logger(rt, &s2);
    fx_heap_t *h = NULL;
    int errs = 0;
    if (pid) {
      fx_timer_t t;
      call_result_t r = {0};
      fx_term_t big = FX_NIL, ref;
      if (fx_heap_new(rt, &h) == FX_OK)
        for (int i = 0; i < 20; i++) errs += fx_make_cons(h, fx_small(i), big, &big) != FX_OK;
      errs += fx_send(rt, fx_pid_term(pid), big) != FX_OK;
      errs += fx_send_after(rt, 5, fx_pid_term(pid), fx_small(1), &t) != FX_OK;
      errs += fx_register(rt, atom(rt, "n"), pid) != FX_OK;
      if (pid2 && h) errs += fx_monitor(rt, pid2, pid, h, &ref) != FX_OK;
      if (pid2) errs += fx_link(rt, pid2, pid) != FX_OK;
      errs += fx_call(rt, fx_pid_term(pid), fx_small(1), 10, on_call, &r, NULL) != FX_OK;
      fx_run(rt, FX_RUN_IDLE);
      clock.now = 50;
      fx_run(rt, FX_RUN_IDLE);
    }
    /* Memory is back: the runtime works as before. */
    alloc.countdown = -1;
    alloc.failures = 0;
    logger_t after = {.limit = 1};
    fx_pid_t p3 = spawn_logger(rt, &after);
    ASSERT(p3 != 0);
    ASSERT_OK(fx_send(rt, fx_pid_term(p3), fx_small(42)));
    fx_run(rt, FX_RUN_IDLE);
    ASSERT_STREQ(after.log, "42");
    (void)errs;
    fx_heap_free(h);
    fx_runtime_free(rt);
    ASSERT_EQ(alloc.live, 0);
  }
}

TEST(send_etf_decodes_into_the_mailbox) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {0};
  fx_pid_t pid = spawn_logger(rt, &s);
  /* term_to_binary({ok,1}) */
  static const uint8_t ok1[] = {131, 104, 2, 119, 2, 111, 107, 97, 1};
  ASSERT_OK(fx_send_etf(rt, fx_pid_term(pid), ok1, sizeof ok1));
  ASSERT_ERR(fx_send_etf(rt, fx_pid_term(pid), ok1, sizeof ok1 - 1), FX_ETRUNCATED);
  static const uint8_t bad[] = {131, 200};
  ASSERT_ERR(fx_send_etf(rt, fx_pid_term(pid), bad, sizeof bad), FX_EBADTAG);
  ASSERT_ERR(fx_send_etf(rt, atom(rt, "nobody"), ok1, sizeof ok1), FX_EBADNAME);
  ASSERT_OK(fx_send_etf(rt, fx_pid_term(fx_pid_make(99, 1)), ok1, sizeof ok1)); /* dead: dropped */
  size_t n;
  ASSERT_OK(fx_mailbox_length(rt, pid, &n));
  ASSERT_EQ(n, 1); /* only the good one was delivered */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(s.log, "{ok,1}");
  fx_runtime_free(rt);
}

/* A timeout too long to add to the clock waits for ever (it wrapped to a
 * deadline in the past, and fired at once). */
TEST(timeouts_past_the_clocks_range_never_fire) {
  fx_test_clock_t clock = {.now = 1000};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t s = {.timeout = INT64_MAX, .limit = 1};
  fx_pid_t pid = spawn_logger(rt, &s);
  fx_timer_t t;
  ASSERT_OK(fx_send_after(rt, INT64_MAX, fx_pid_term(pid), fx_small(1), &t));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(fx_next_deadline(rt), INT64_MAX);
  clock.now = INT64_MAX / 2;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(s.timeouts, 0);
  ASSERT_STREQ(s.log, "");
  ASSERT_OK(fx_cancel_timer(rt, t));
  fx_runtime_free(rt);
}

/* A destroy that sends to a process the runtime's free has freed already,
 * or spawns, finds none (it read freed memory). */
typedef struct notifier {
  fx_pid_t peer;
  int *send_rc, *spawn_rc;
} notifier_t;

static int notifier_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(notifier_t *)state = *(notifier_t *)fx_small_value(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int notifier_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)state, (void)r;
  return fx_receive(self, NULL, FX_INFINITY);
}

static void notifier_destroy(fx_runtime_t *rt, void *state) {
  notifier_t *n = state;
  fx_pid_t pid = 0;
  *n->send_rc = fx_send(rt, fx_pid_term(n->peer), FX_ATOM(DOWN));
  *n->spawn_rc = fx_spawn(rt, &server, FX_NIL, NULL, &pid);
}

static const fx_behaviour_t notifier = {"notifier", sizeof(notifier_t), notifier_init, notifier_handle, NULL, notifier_destroy};

TEST(a_destroy_at_runtime_free_finds_the_freed_processes_gone) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  int send_rc = 1, spawn_rc = 1;
  notifier_t n = {.send_rc = &send_rc, .spawn_rc = &spawn_rc};
  ASSERT_OK(fx_spawn(rt, &server, FX_NIL, NULL, &n.peer)); /* a lower slot: freed first */
  fx_pid_t pid;
  ASSERT_OK(fx_spawn(rt, &notifier, ptr_arg(&n), NULL, &pid));
  fx_run(rt, FX_RUN_IDLE);
  fx_runtime_free(rt);
  ASSERT_EQ(send_rc, FX_OK); /* to a dead pid: dropped, as any send to one */
  ASSERT_EQ(spawn_rc, FX_ESTATE);
}

TEST(clean_teardown_with_everything_pending) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t srv;
  fx_spawn(rt, &server, FX_NIL, NULL, &srv);
  logger_t s = {.timeout = 1000};
  fx_pid_t pid = spawn_logger(rt, &s);
  fx_timer_t t;
  fx_send_after(rt, 100, fx_pid_term(pid), fx_small(1), &t);
  for (int i = 0; i < 10; i++) fx_send(rt, fx_pid_term(srv), atom(rt, "x"));
  call_result_t r = {0};
  fx_call(rt, fx_pid_term(srv), atom(rt, "later"), 1000, on_call, &r, NULL);
  fx_register(rt, atom(rt, "p"), pid);
  fx_link(rt, pid, srv);
  fx_runtime_free(rt); /* ASan reports anything left behind */
  ASSERT_EQ(r.done, 0);
}

TEST_MAIN(spawn_runs_init_and_exits_normally, stale_pid_never_reaches_the_slot_reuser,
          messages_from_one_sender_arrive_in_order,
          selective_receive_takes_the_oldest_match_and_keeps_the_rest_in_order,
          waiting_receive_resumes_after_the_backlog, receive_timeout_follows_the_injected_clock,
          receive_with_zero_timeout_polls, send_after_and_cancel_timer, timers_to_a_pid_are_cancelled_when_it_exits,
          many_timers_fire_in_deadline_order,
          registry_semantics, spawn_with_name_link_and_trap_exit, call_gets_the_reply,
          call_to_a_dead_server_fails_at_once, a_completion_callback_may_call_the_same_server_again,
          call_fails_with_the_crash_reason_without_waiting,
          call_times_out_and_the_late_reply_is_dropped, run_modes_and_fair_turns, run_budget_bounds_a_slice,
          a_busy_process_does_not_starve_others, callback_errors_crash_only_that_process,
          bad_arguments_are_errors, allocation_failures_leave_the_runtime_usable, send_etf_decodes_into_the_mailbox,
          timeouts_past_the_clocks_range_never_fire, a_destroy_at_runtime_free_finds_the_freed_processes_gone,
          clean_teardown_with_everything_pending)
