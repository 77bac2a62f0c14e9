/* Host processes and the core -> host event queue. */
#include "fx_test.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* Takes the queued events and prints them, one per line, into buf. */
static const char *events(fx_runtime_t *rt, char *buf, size_t cap) {
  static const char *const kinds[] = {"?", "match", "timeout", "exit", "call", "start"};
  fx_host_event_t *list = fx_host_take_events(rt);
  size_t n = 0;
  buf[0] = 0;
  for (fx_host_event_t *ev = list; ev; ev = ev->next) {
    char value[256], extra[256] = "";
    fx_term_format(rt, ev->value, value, sizeof value);
    for (uint32_t i = 0; i < ev->nextracted; i++) {
      size_t k = strlen(extra);
      fx_term_format(rt, ev->extracted[i], extra + k, sizeof extra - k);
    }
    n += (size_t)snprintf(buf + n, cap - n, "%s%s clause=%d status=%d %s [%s]", n ? "\n" : "", kinds[ev->kind],
                          ev->clause, ev->status, ev->kind == FX_HOST_TIMEOUT ? "-" : value, extra);
  }
  fx_host_release_events(rt, list);
  return buf;
}

static fx_pattern_t *tagged(fx_runtime_t *rt, const char *tag) {
  fx_heap_t *h;
  fx_term_t pat;
  fx_pattern_t *p = NULL;
  fx_heap_new(rt, &h);
  fx_tuple2(h, atom(rt, tag), fx_pat_any(), &pat);
  fx_pattern_compile(rt, &pat, 1, 0, &p);
  fx_heap_free(h);
  return p;
}

static void send_tagged(fx_runtime_t *rt, fx_pid_t to, const char *tag, int64_t n) {
  fx_heap_t *h;
  fx_term_t m;
  if (fx_heap_new(rt, &h) != FX_OK) return; /* out of memory: nothing sent */
  if (fx_tuple2(h, atom(rt, tag), fx_small(n), &m) == FX_OK) fx_send(rt, fx_pid_term(to), m);
  fx_heap_free(h);
}

TEST(a_match_becomes_an_event_and_the_process_waits_for_its_host) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pattern_t *ping = tagged(rt, "ping");
  char buf[1024];
  fx_pid_t pid;
  ASSERT_OK(fx_host_spawn(rt, 3, NULL, &pid));
  uint32_t kind = 0;
  ASSERT_OK(fx_host_kind(rt, pid, &kind));
  ASSERT_EQ(kind, 3);
  /* Spawned, it receives nothing until its host posts a receive. */
  send_tagged(rt, pid, "pong", 0);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 0); /* {pong,0} does not match */
  ASSERT_ERR(fx_host_receive(rt, pid, ping, FX_INFINITY), FX_ESTATE); /* it waits already */
  send_tagged(rt, pid, "ping", 1);
  send_tagged(rt, pid, "ping", 2);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,1} [1]");
  /* Busy in the host: {ping,2} waits. Posting again matches it at once. */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 1);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,2} [2]");
  size_t n;
  ASSERT_OK(fx_mailbox_length(rt, pid, &n));
  ASSERT_EQ(n, 1); /* {pong,0} is still there, in order */
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 1);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {pong,0} []");
  fx_pattern_free(rt, ping);
  fx_runtime_free(rt);
}

TEST(receive_timeouts_become_events) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[512];
  fx_pid_t pid;
  fx_host_spawn(rt, 0, NULL, &pid);
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, 50), 0);
  ASSERT_EQ(fx_next_deadline(rt), 50);
  clock.now = 49;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  clock.now = 50;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "timeout clause=0 status=0 - []");
  /* A zero timeout with an empty mailbox answers at once. */
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, 0), 1);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "timeout clause=0 status=0 - []");
  fx_runtime_free(rt);
}

TEST(exits_become_events_that_say_how) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_pid_t a, b, c;
  fx_host_spawn(rt, 1, NULL, &a);
  fx_host_spawn(rt, 2, NULL, &b);
  fx_host_spawn(rt, 3, NULL, &c);
  fx_link(rt, a, b);
  ASSERT_OK(fx_host_exit(rt, a, atom(rt, "boom")));
  ASSERT(!fx_is_alive(rt, a));
  ASSERT(!fx_is_alive(rt, b)); /* the link took it down */
  ASSERT_STREQ(events(rt, buf, sizeof buf), "exit clause=0 status=0 boom []\nexit clause=0 status=1 boom []");
  fx_exit(rt, c, FX_ATOM(KILL));
  ASSERT_STREQ(events(rt, buf, sizeof buf), "exit clause=0 status=2 killed []");
  ASSERT_ERR(fx_host_exit(rt, c, FX_ATOM(NORMAL)), FX_ENOPROC);
  ASSERT_ERR(fx_host_receive(rt, c, NULL, 0), FX_ENOPROC);
  fx_runtime_free(rt);
}

static int echo_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  (void)state, (void)from;
  if (req == atom(fx_proc_runtime(self), "crash")) return fx_stop(self, req);
  if (req == atom(fx_proc_runtime(self), "never")) return FX_OK;
  *reply = req;
  return FX_OK;
}

static const fx_gen_server_t echo = {"echo", 0, NULL, echo_call, NULL, NULL, NULL, NULL};

TEST(host_calls_complete_as_events) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_pid_t srv;
  uint64_t id1, id2, id3;
  ASSERT_OK(fx_gen_server_start(rt, &echo, FX_NIL, NULL, &srv));
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(42), 1000, &id1));
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), atom(rt, "never"), 100, &id2));
  fx_run(rt, FX_RUN_IDLE);
  fx_host_event_t *ev = fx_host_take_events(rt);
  ASSERT(ev != NULL);
  ASSERT_EQ(ev->kind, FX_HOST_CALL);
  ASSERT_EQ(ev->id, id1);
  ASSERT_EQ(ev->status, FX_OK);
  ASSERT_EQ(ev->value, fx_small(42));
  ASSERT(ev->next == NULL);
  fx_host_release_events(rt, ev);
  clock.now = 100;
  fx_run(rt, FX_RUN_IDLE);
  ev = fx_host_take_events(rt);
  ASSERT(ev && ev->id == id2 && ev->status == FX_ETIMEDOUT);
  fx_host_release_events(rt, ev);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), atom(rt, "crash"), 1000, &id3));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "call clause=0 status=-16 crash []");
  ASSERT_ERR(fx_host_call(rt, fx_pid_term(srv), fx_small(1), 1000, &id3), FX_ENOPROC);
  /* Calls left pending at teardown are freed with the runtime. */
  fx_gen_server_start(rt, &echo, FX_NIL, NULL, &srv);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), atom(rt, "never"), 1000, &id1));
  fx_run(rt, FX_RUN_IDLE);
  fx_runtime_free(rt);
}

TEST(supervisors_start_and_restart_host_children) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_child_spec_t child = {.id = atom(rt, "js"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7,
                           .arg = fx_small(99), .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, 3, 5, &child, 1};
  fx_pid_t sup;
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  fx_host_event_t *ev = fx_host_take_events(rt);
  ASSERT(ev && ev->kind == FX_HOST_START && ev->id == 7 && ev->value == fx_small(99));
  fx_pid_t first = ev->pid;
  fx_host_release_events(rt, ev);
  ASSERT(fx_is_alive(rt, first));
  ASSERT_OK(fx_host_started(rt, first)); /* its init is over */
  /* The host child crashes; the supervisor starts a new one. */
  ASSERT_OK(fx_host_exit(rt, first, atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  ev = fx_host_take_events(rt);
  ASSERT(ev && ev->kind == FX_HOST_EXIT && ev->pid == first);
  ASSERT(ev->next && ev->next->kind == FX_HOST_START && ev->next->pid != first);
  fx_pid_t second = ev->next->pid;
  fx_host_release_events(rt, ev);
  ASSERT(fx_is_alive(rt, second));
  /* The restart is under way until the new child's init is over: as OTP's,
   * the supervisor handles its exit only then. */
  fx_exit(rt, sup, FX_ATOM(SHUTDOWN));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(fx_is_alive(rt, sup) && fx_is_alive(rt, second));
  ASSERT(!fx_host_has_events(rt));
  ASSERT_OK(fx_host_started(rt, second));
  fx_run(rt, FX_RUN_IDLE);
  /* Stopping the supervisor stops the host child: it does not trap exits,
   * so the shutdown signal ends it. */
  ASSERT(!fx_is_alive(rt, sup) && !fx_is_alive(rt, second));
  ASSERT(strstr(events(rt, buf, sizeof buf), "exit clause=0 status=1 shutdown") != NULL);
  fx_runtime_free(rt);
}

/* The newest START event's pid among the events taken (0: none), with the
 * rest printed into buf. */
static fx_pid_t take_start(fx_runtime_t *rt, char *buf, size_t cap) {
  fx_pid_t pid = 0;
  size_t n = 0;
  buf[0] = 0;
  fx_host_event_t *list = fx_host_take_events(rt);
  for (fx_host_event_t *ev = list; ev; ev = ev->next) {
    if (ev->kind == FX_HOST_START) pid = ev->pid;
    char value[256];
    fx_term_format(rt, ev->value, value, sizeof value);
    n += (size_t)snprintf(buf + n, cap - n, "%s%d:%s", n ? " " : "", (int)ev->kind, value);
  }
  fx_host_release_events(rt, list);
  return pid;
}

/* A supervisor query from the host ({Op, Id} as a call), then a run of the
 * loop: take_start of the events that followed. */
static fx_pid_t sup_query(fx_runtime_t *rt, fx_pid_t sup, const char *op, const char *child, char *buf, size_t cap) {
  fx_heap_t *h;
  fx_term_t req;
  uint64_t id;
  fx_heap_new(rt, &h);
  fx_tuple2(h, atom(rt, op), atom(rt, child), &req);
  fx_host_call(rt, fx_pid_term(sup), req, FX_INFINITY, &id);
  fx_heap_free(h);
  fx_run(rt, FX_RUN_IDLE);
  return take_start(rt, buf, cap);
}

/* As OTP's restart_child waits for the child's init: a host child's start
 * is over when the host acknowledges it; one that exits first failed, is
 * answered {error, Reason} and not restarted (its supervisor lives on). */
TEST(restart_child_waits_for_the_host_childs_init) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_child_spec_t child = {.id = atom(rt, "js"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7,
                           .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, 1, 5, &child, 1};
  fx_pid_t sup;
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  fx_pid_t pid = take_start(rt, buf, sizeof buf);
  ASSERT(pid != 0);
  ASSERT_OK(fx_host_started(rt, pid));
  ASSERT_OK(fx_host_started(rt, pid)); /* once is enough; again is a no-op */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt)); /* an acknowledgement nobody waits for is dropped */
  sup_query(rt, sup, "terminate_child", "js", buf, sizeof buf);
  ASSERT(!fx_is_alive(rt, pid));

  /* Acknowledged: answered {ok, Pid}, and not before. */
  pid = sup_query(rt, sup, "restart_child", "js", buf, sizeof buf);
  ASSERT(pid != 0);
  ASSERT(strstr(buf, "4:") == NULL); /* no answer yet */
  ASSERT_OK(fx_host_started(rt, pid));
  fx_run(rt, FX_RUN_IDLE);
  take_start(rt, buf, sizeof buf);
  ASSERT(strncmp(buf, "4:{ok,<", 7) == 0);

  /* Exited before acknowledging, twice (more than the intensity of 1
   * allows): each time answered with the reason, the child left stopped,
   * the supervisor running. */
  for (int round = 0; round < 2; round++) {
    sup_query(rt, sup, "terminate_child", "js", buf, sizeof buf);
    pid = sup_query(rt, sup, "restart_child", "js", buf, sizeof buf);
    ASSERT(pid != 0);
    ASSERT_OK(fx_host_exit(rt, pid, atom(rt, "init_failed")));
    fx_run(rt, FX_RUN_IDLE);
    ASSERT_EQ(take_start(rt, buf, sizeof buf), 0); /* not restarted */
    ASSERT(strstr(buf, "4:{error,init_failed}") != NULL);
    ASSERT(fx_is_alive(rt, sup));
  }
  ASSERT_ERR(fx_host_started(rt, pid), FX_ENOPROC);

  /* Acknowledged, a later crash is an ordinary restart. */
  pid = sup_query(rt, sup, "restart_child", "js", buf, sizeof buf);
  ASSERT_OK(fx_host_started(rt, pid));
  fx_run(rt, FX_RUN_IDLE);
  take_start(rt, buf, sizeof buf);
  ASSERT_OK(fx_host_exit(rt, pid, atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  fx_pid_t again = take_start(rt, buf, sizeof buf);
  ASSERT(again != 0 && again != pid);

  /* Queries wait while a start is under way, as OTP's supervisor answers
   * none while a child's init runs. */
  sup_query(rt, sup, "terminate_child", "js", buf, sizeof buf);
  ASSERT(fx_is_alive(rt, again) && strstr(buf, "4:") == NULL);
  ASSERT_OK(fx_host_started(rt, again));
  fx_run(rt, FX_RUN_IDLE);
  take_start(rt, buf, sizeof buf);
  ASSERT_STREQ(buf, "3:shutdown 4:ok"); /* its exit, then the answer */
  ASSERT(!fx_is_alive(rt, again));

  /* So does the supervisor's shutdown: the restart is answered first. */
  pid = sup_query(rt, sup, "restart_child", "js", buf, sizeof buf);
  fx_exit(rt, sup, FX_ATOM(SHUTDOWN));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(fx_is_alive(rt, sup) && !fx_host_has_events(rt));
  ASSERT_OK(fx_host_started(rt, pid));
  fx_run(rt, FX_RUN_IDLE);
  take_start(rt, buf, sizeof buf);
  ASSERT(strncmp(buf, "4:{ok,<", 7) == 0);
  ASSERT(!fx_is_alive(rt, sup) && !fx_is_alive(rt, pid));
  fx_runtime_free(rt);
}

/* The pids of the START events queued (at most n of them); how many. */
static int take_starts(fx_runtime_t *rt, fx_pid_t *pids, int n) {
  int k = 0;
  fx_host_event_t *list = fx_host_take_events(rt);
  for (fx_host_event_t *ev = list; ev; ev = ev->next)
    if (ev->kind == FX_HOST_START && k < n) pids[k++] = ev->pid;
  fx_host_release_events(rt, list);
  return k;
}

/* A host process that monitors `target`: its DOWN comes as a match event. */
static fx_pid_t watch(fx_runtime_t *rt, fx_pid_t target) {
  fx_pid_t watcher;
  fx_heap_t *h;
  fx_term_t ref;
  fx_host_spawn(rt, 1, NULL, &watcher);
  fx_heap_new(rt, &h);
  fx_monitor(rt, watcher, target, h, &ref);
  fx_heap_free(h);
  fx_host_receive(rt, watcher, NULL, FX_INFINITY);
  return watcher;
}

/* As OTP's supervisor start runs each child's init in turn: a host child
 * starts once the one before acknowledged its start; one that exits
 * unacknowledged fails the supervisor's start (the later ones never
 * start), nested ones their parents' too, and an acknowledged tree
 * restarts as usual. */
TEST(a_host_child_that_fails_its_first_start_fails_its_supervisor) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[2048];
  fx_child_spec_t kids[2] = {
      {.id = atom(rt, "a"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100},
      {.id = atom(rt, "b"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100}};
  fx_supervisor_spec_t inner = {FX_ONE_FOR_ONE, 3, 5, kids, 2};
  fx_child_spec_t nested = {.id = atom(rt, "inner"), .supervisor = &inner, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = FX_INFINITY};
  fx_supervisor_spec_t outer = {FX_ONE_FOR_ONE, 3, 5, &nested, 1};

  /* Flat: b starts only once a acknowledged; b fails; a is stopped, the
   * supervisor exits. */
  fx_pid_t sup, pids[2];
  ASSERT_OK(fx_supervisor_start(rt, &inner, NULL, &sup));
  ASSERT_EQ(take_starts(rt, pids, 2), 1);
  fx_pid_t watcher = watch(rt, sup);
  ASSERT_OK(fx_host_started(rt, pids[0]));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(take_starts(rt, pids + 1, 1), 1);
  ASSERT_OK(fx_host_exit(rt, pids[1], atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, sup) && !fx_is_alive(rt, pids[0]));
  ASSERT_EQ(take_start(rt, buf, sizeof buf), 0); /* nothing restarted */
  ASSERT(strstr(buf, "{'DOWN',#Ref<") != NULL && strstr(buf, ">,process,<") != NULL);
  ASSERT(strstr(buf, "{shutdown,{failed_to_start_child,b,oops}}}") != NULL);
  fx_host_exit(rt, watcher, FX_ATOM(NORMAL));
  fx_host_release_events(rt, fx_host_take_events(rt));

  /* The first fails: the second never starts. */
  ASSERT_OK(fx_supervisor_start(rt, &inner, NULL, &sup));
  ASSERT_EQ(take_starts(rt, pids, 2), 1);
  watcher = watch(rt, sup);
  ASSERT_OK(fx_host_exit(rt, pids[0], atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, sup));
  ASSERT_EQ(take_start(rt, buf, sizeof buf), 0);
  ASSERT(strstr(buf, "{shutdown,{failed_to_start_child,a,oops}}}") != NULL);
  fx_host_exit(rt, watcher, FX_ATOM(NORMAL));
  fx_host_release_events(rt, fx_host_take_events(rt));

  /* Nested: the inner supervisor's failure fails the outer one's start. */
  ASSERT_OK(fx_supervisor_start(rt, &outer, NULL, &sup));
  ASSERT_EQ(take_starts(rt, pids, 2), 1);
  watcher = watch(rt, sup);
  ASSERT_OK(fx_host_exit(rt, pids[0], atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, sup));
  ASSERT_EQ(take_start(rt, buf, sizeof buf), 0);
  ASSERT(strstr(buf, "{shutdown,{failed_to_start_child,inner,{shutdown,{failed_to_start_child,a,oops}}}}}") != NULL);
  fx_host_exit(rt, watcher, FX_ATOM(NORMAL));
  fx_host_release_events(rt, fx_host_take_events(rt));

  /* Nested, every child acknowledged: the inner supervisor acknowledges
   * its start, so its later crash is restarted, not a failed start. */
  ASSERT_OK(fx_supervisor_start(rt, &outer, NULL, &sup));
  ASSERT_EQ(take_starts(rt, pids, 2), 1);
  ASSERT_OK(fx_host_started(rt, pids[0]));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(take_starts(rt, pids + 1, 1), 1);
  ASSERT_OK(fx_host_started(rt, pids[1]));
  fx_run(rt, FX_RUN_IDLE);
  fx_host_release_events(rt, fx_host_take_events(rt));
  ASSERT_OK(fx_host_exit(rt, pids[0], atom(rt, "oops"))); /* inner restarts a */
  fx_run(rt, FX_RUN_IDLE);
  fx_pid_t a2 = take_start(rt, buf, sizeof buf);
  ASSERT(a2 != 0 && fx_is_alive(rt, sup));
  ASSERT_OK(fx_host_exit(rt, a2, atom(rt, "oops"))); /* a restarted one unacknowledged: a crash, restarted */
  fx_run(rt, FX_RUN_IDLE);
  fx_pid_t a3 = take_start(rt, buf, sizeof buf);
  ASSERT(a3 != 0 && fx_is_alive(rt, sup));
  ASSERT_OK(fx_host_started(rt, a3));
  fx_exit(rt, sup, FX_ATOM(SHUTDOWN));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, sup) && !fx_is_alive(rt, a3) && !fx_is_alive(rt, pids[1]));
  fx_runtime_free(rt);
}

/* A group restart starts the children in order, each once the one before
 * acknowledged; one that fails meanwhile is a crash the strategy restarts
 * again, the rest of the group with it. */
TEST(group_restarts_start_host_children_in_turn) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[2048];
  fx_child_spec_t kids[3];
  const char *ids[3] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++)
    kids[i] = (fx_child_spec_t){.id = atom(rt, ids[i]), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ALL, 5, 5, kids, 3};
  fx_pid_t sup, p[3];
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(take_starts(rt, p + i, 1), 1);
    ASSERT_OK(fx_host_started(rt, p[i]));
    fx_run(rt, FX_RUN_IDLE);
  }
  ASSERT(!fx_host_has_events(rt));
  /* b crashes: a and c stop, then a, b, c start again, one at a time. */
  ASSERT_OK(fx_host_exit(rt, p[1], atom(rt, "oops")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(take_starts(rt, p, 3), 1);
  ASSERT(!fx_is_alive(rt, p[2]));
  ASSERT_OK(fx_host_started(rt, p[0]));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(take_starts(rt, p + 1, 2), 1);
  /* The new b fails before it acknowledged: a stops again, and the group
   * restarts from a; c never started meanwhile. */
  ASSERT_OK(fx_host_exit(rt, p[1], atom(rt, "init_failed")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, p[0]));
  fx_pid_t again = take_start(rt, buf, sizeof buf);
  ASSERT(again != 0 && again != p[0] && fx_is_alive(rt, sup));
  ASSERT_EQ(fx_process_count(rt), 2); /* the supervisor and the new a */
  fx_exit(rt, sup, FX_ATOM(KILL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, again));
  fx_runtime_free(rt);
}

static int refuse_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)self, (void)state, (void)arg;
  return FX_EINVAL;
}
static const fx_gen_server_t refuses = {"refuses", 0, refuse_init, NULL, NULL, NULL, NULL, NULL};

/* A C child whose start fails once a host child before it acknowledged:
 * the start is past the supervisor's init, so it exits instead, with the
 * error's name as the reason; the host child is stopped. */
TEST(a_c_child_failing_after_a_host_child_fails_the_start_with_the_errors_name) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[2048];
  fx_child_spec_t kids[2] = {
      {.id = atom(rt, "js"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100},
      {.id = atom(rt, "c"), .gen_server = &refuses, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100}};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, 3, 5, kids, 2};
  fx_pid_t sup, js;
  ASSERT_OK(fx_supervisor_start(rt, &spec, NULL, &sup));
  ASSERT_EQ(take_starts(rt, &js, 1), 1);
  fx_pid_t watcher = watch(rt, sup);
  ASSERT_OK(fx_host_started(rt, js));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, sup) && !fx_is_alive(rt, js));
  take_start(rt, buf, sizeof buf);
  ASSERT(strstr(buf, "{shutdown,{failed_to_start_child,c,'FX_ECALLBACK'}}}") != NULL);
  fx_host_exit(rt, watcher, FX_ATOM(NORMAL));
  fx_run(rt, FX_RUN_IDLE);
  fx_host_release_events(rt, fx_host_take_events(rt));
  ASSERT_EQ(fx_process_count(rt), 0);
  fx_runtime_free(rt);
}

/* The START events' pids (at most n), counting the CALL events too. */
static int take_host_starts(fx_runtime_t *rt, fx_pid_t *pids, int n, int *calls) {
  int k = 0;
  fx_host_event_t *list = fx_host_take_events(rt);
  for (fx_host_event_t *ev = list; ev; ev = ev->next) {
    if (ev->kind == FX_HOST_START && k < n) pids[k++] = ev->pid;
    if (ev->kind == FX_HOST_CALL) (*calls)++;
  }
  fx_host_release_events(rt, list);
  return k;
}

/* A nested supervisor whose acknowledgement to its parent finds no memory
 * stops instead (the parent waits for nothing else): whatever allocation
 * fails, the parent ends up answering queries, or gone. */
TEST(a_nested_supervisor_that_cannot_acknowledge_does_not_block_its_parent) {
  int wedged = 0;
  for (long fail_at = 0; fail_at < 60; fail_at++) {
    fx_test_clock_t clock = {0};
    fx_test_alloc_t alloc;
    fx_runtime_t *rt;
    ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
    fx_child_spec_t g = {.id = atom(rt, "g"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100};
    fx_supervisor_spec_t inner = {FX_ONE_FOR_ONE, 3, 5, &g, 1};
    fx_child_spec_t kids[2] = {
        {.id = atom(rt, "inner"), .supervisor = &inner, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = FX_INFINITY},
        {.id = atom(rt, "h"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100}};
    fx_supervisor_spec_t outer = {FX_ONE_FOR_ONE, 3, 5, kids, 2};
    fx_pid_t sup, p[2];
    int calls = 0;
    ASSERT_OK(fx_supervisor_start(rt, &outer, NULL, &sup));
    ASSERT_EQ(take_host_starts(rt, p, 1, &calls), 1);
    alloc.countdown = fail_at;
    if (fx_host_started(rt, p[0]) != FX_OK) fx_host_exit(rt, p[0], FX_ATOM(NOMEM)); /* as the JS host does */
    fx_run(rt, FX_RUN_IDLE);
    alloc.countdown = -1;
    long failures = alloc.failures;
    fx_run(rt, FX_RUN_IDLE);
    /* Acknowledge whatever starts next (h, or a restarted g), a few rounds. */
    for (int round = 0; round < 4; round++) {
      int k = take_host_starts(rt, p, 2, &calls);
      for (int j = 0; j < k; j++) fx_host_started(rt, p[j]);
      clock.now += 5; /* time passes */
      fx_run(rt, FX_RUN_IDLE);
    }
    uint64_t id;
    if (fx_is_alive(rt, sup)) ASSERT_OK(fx_host_call(rt, fx_pid_term(sup), atom(rt, "which_children"), FX_INFINITY, &id));
    fx_run(rt, FX_RUN_IDLE);
    take_host_starts(rt, p, 2, &calls);
    if (fx_is_alive(rt, sup) && calls == 0) {
      fprintf(stderr, "fail_at %ld: supervisor alive, which_children never answered (%zu processes)\n", fail_at, fx_process_count(rt));
      wedged++;
    }
    fx_runtime_free(rt);
    if (failures == 0) break;
  }
  ASSERT_EQ(wedged, 0);
}

/* Sweeps of one failed allocation (or every one from n on) over restarts
 * of host children: afterwards the supervisor answers every call (and a
 * query), with no child left stopped by a group restart, or is gone with
 * its children; nothing leaks. */
typedef struct {
  int answered;
  char last[512];
} drive_t;

/* Acknowledges every START, collects call answers; a few rounds. */
static void drive(fx_runtime_t *rt, drive_t *d, int rounds) {
  for (int r = 0; r < rounds; r++) {
    fx_run(rt, FX_RUN_IDLE);
    fx_host_event_t *list = fx_host_take_events(rt);
    for (fx_host_event_t *ev = list; ev; ev = ev->next) {
      if (ev->kind == FX_HOST_START && fx_host_started(rt, ev->pid) != FX_OK) fx_host_exit(rt, ev->pid, FX_ATOM(NOMEM)); /* as the JS host does */
      if (ev->kind == FX_HOST_CALL) {
        d->answered++;
        fx_term_format(rt, ev->value, d->last, sizeof d->last);
      }
    }
    fx_host_release_events(rt, list);
  }
}

static fx_term_t req2(fx_runtime_t *rt, fx_heap_t *h, const char *op, const char *id) {
  fx_term_t t;
  fx_tuple2(h, atom(rt, op), atom(rt, id), &t);
  return t;
}

static void sweep_step(long fail_at, int once, int scenario, int *fx_test_failed__, int *done) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt;
  if (new_rt_alloc(&clock, &alloc, &rt) != FX_OK) FX_TEST_FAIL("rt");
  const char *ids[3] = {"a", "b", "c"};
  fx_child_spec_t kids[3];
  for (int i = 0; i < 3; i++)
    kids[i] = (fx_child_spec_t){.id = atom(rt, ids[i]), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100};
  fx_supervisor_spec_t spec = {scenario == 0 ? FX_ONE_FOR_ALL : FX_ONE_FOR_ONE, 5, 5, kids, 3};
  fx_pid_t sup;
  drive_t d = {0};
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  if (fx_supervisor_start(rt, &spec, NULL, &sup) != FX_OK) FX_TEST_FAIL("start");
  drive(rt, &d, 4);
  uint64_t id;
  int calls = 0;
  fx_pid_t b = 0;
  {
    fx_process_info_t pi;
    size_t n;
    fx_pid_t pids[8];
    fx_processes(rt, pids, 8, &n);
    b = pids[2];
    (void)pi;
  }
  alloc.sticky = !once;
  alloc.countdown = fail_at;
  if (scenario == 0) {
    fx_host_exit(rt, b, atom(rt, "oops")); /* a crash: one_for_all restart */
  } else {
    calls += fx_host_call(rt, fx_pid_term(sup), req2(rt, h, "terminate_child", "b"), FX_INFINITY, &id) == FX_OK;
    fx_run(rt, FX_RUN_IDLE);
    calls += fx_host_call(rt, fx_pid_term(sup), req2(rt, h, "restart_child", "b"), FX_INFINITY, &id) == FX_OK;
  }
  drive(rt, &d, 2);
  alloc.countdown = -1;
  alloc.sticky = 0;
  long failures = alloc.failures;
  alloc.failures = 0;
  drive(rt, &d, 6);
  int before = d.answered;
  if (fx_is_alive(rt, sup)) {
    if (fx_host_call(rt, fx_pid_term(sup), atom(rt, "which_children"), FX_INFINITY, &id) != FX_OK) FX_TEST_FAIL("call");
    drive(rt, &d, 4);
    if (d.answered == before)
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: alive supervisor answers no query (%zu processes)", scenario, fail_at, once, fx_process_count(rt));
    else if (d.answered != calls + 1)
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: %d calls, %d answers", scenario, fail_at, once, calls + 1, d.answered);
    else if (scenario == 0 && strstr(d.last, "undefined"))
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: a child is left stopped: %s", scenario, fail_at, once, d.last);
  } else if (fx_process_count(rt) != 0) {
    FX_TEST_FAIL("scenario %d fail_at %ld: supervisor gone, %zu processes left", scenario, fail_at, fx_process_count(rt));
  }
  fx_heap_free(h);
  fx_runtime_free(rt);
  if (alloc.live != 0) FX_TEST_FAIL("scenario %d fail_at %ld once %d: %lld bytes leaked", scenario, fail_at, once, alloc.live);
  *done = failures == 0;
}

TEST(host_child_restarts_with_allocations_failing) {
  for (int scenario = 0; scenario < 2; scenario++)
    for (int once = 1; once >= 0; once--)
      for (long n = 0; n < 2000; n++)
        {
          int done = 0;
          sweep_step(n, once, scenario, fx_test_failed__, &done);
          if (done || *fx_test_failed__) break;
        }
}

/* The same over nested trees: their first start, restart_child of the
 * nested supervisor, a crash inside it. */
static void nested_step(long fail_at, int once, int scenario, int *fx_test_failed__, int *done) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt;
  if (new_rt_alloc(&clock, &alloc, &rt) != FX_OK) FX_TEST_FAIL("rt");
  fx_child_spec_t g[2] = {
      {.id = atom(rt, "g"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100},
      {.id = atom(rt, "g2"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100}};
  fx_supervisor_spec_t inner = {FX_ONE_FOR_ALL, 5, 5, g, 2};
  fx_child_spec_t kids[2] = {
      {.id = atom(rt, "inner"), .supervisor = &inner, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = FX_INFINITY},
      {.id = atom(rt, "h"), .start = fx_host_child_start, .start_ud = (void *)(uintptr_t)7, .arg = FX_NIL, .restart = FX_PERMANENT, .shutdown_ms = 100}};
  fx_supervisor_spec_t outer = {FX_ONE_FOR_ONE, 5, 5, kids, 2};
  fx_pid_t sup = 0;
  drive_t d = {0};
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  uint64_t id;
  int calls = 0, err = FX_OK;
  alloc.sticky = !once;
  if (scenario == 2) alloc.countdown = fail_at;
  err = fx_supervisor_start(rt, &outer, NULL, &sup);
  if (scenario == 2) drive(rt, &d, 6);
  else {
    if (err) FX_TEST_FAIL("start");
    drive(rt, &d, 6);
    alloc.countdown = fail_at;
    if (scenario == 3) {
      calls += fx_host_call(rt, fx_pid_term(sup), req2(rt, h, "terminate_child", "inner"), FX_INFINITY, &id) == FX_OK;
      drive(rt, &d, 1);
      calls += fx_host_call(rt, fx_pid_term(sup), req2(rt, h, "restart_child", "inner"), FX_INFINITY, &id) == FX_OK;
    } else {
      fx_pid_t pids[8];
      size_t n;
      fx_processes(rt, pids, 8, &n); /* sup, inner, g, g2, h */
      fx_host_exit(rt, pids[2], atom(rt, "oops"));
    }
    drive(rt, &d, 2);
  }
  alloc.countdown = -1;
  alloc.sticky = 0;
  long failures = alloc.failures;
  alloc.failures = 0;
  drive(rt, &d, 8);
  int before = d.answered;
  if (err == FX_OK && fx_is_alive(rt, sup)) {
    if (fx_host_call(rt, fx_pid_term(sup), atom(rt, "which_children"), FX_INFINITY, &id) != FX_OK) FX_TEST_FAIL("call");
    drive(rt, &d, 4);
    if (d.answered == before)
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: alive supervisor answers no query (%zu processes)", scenario, fail_at, once, fx_process_count(rt));
    else if (d.answered != calls + 1)
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: %d calls, %d answers", scenario, fail_at, once, calls + 1, d.answered);
    else if (scenario != 3 && (strstr(d.last, "undefined") || fx_process_count(rt) != 5))
      FX_TEST_FAIL("scenario %d fail_at %ld once %d: %s, %zu processes", scenario, fail_at, once, d.last, fx_process_count(rt));
  } else if (fx_process_count(rt) != 0) {
    FX_TEST_FAIL("scenario %d fail_at %ld: supervisor gone, %zu processes left", scenario, fail_at, fx_process_count(rt));
  }
  fx_heap_free(h);
  fx_runtime_free(rt);
  if (alloc.live != 0) FX_TEST_FAIL("scenario %d fail_at %ld once %d: %lld bytes leaked", scenario, fail_at, once, alloc.live);
  *done = failures == 0;
}

TEST(nested_host_trees_with_allocations_failing) {
  for (int scenario = 2; scenario < 5; scenario++)
    for (int once = 1; once >= 0; once--)
      for (long n = 0; n < 3000; n++) {
        int done = 0;
        int failed_before = *fx_test_failed__;
        *fx_test_failed__ = 0;
        nested_step(n, once, scenario, fx_test_failed__, &done);
        *fx_test_failed__ |= failed_before;
        if (done) break;
      }
}

/* A posted receive taken back: the process is the host's again, its
 * messages stay queued, the pattern can go, and no timeout comes. */
TEST(a_posted_receive_can_be_taken_back) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pattern_t *ping = tagged(rt, "ping");
  char buf[1024];
  fx_pid_t pid;
  size_t n = 0;
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &pid));
  ASSERT_EQ(fx_host_cancel_receive(rt, pid), 0); /* none posted */
  /* Waiting, with a timeout: cancelled, then the matching message stays. */
  ASSERT_EQ(fx_host_receive(rt, pid, ping, 100), 0);
  ASSERT_EQ(fx_host_cancel_receive(rt, pid), 1);
  fx_pattern_free(rt, ping);
  send_tagged(rt, pid, "ping", 1);
  clock.now = 500;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  ASSERT_OK(fx_mailbox_length(rt, pid, &n));
  ASSERT_EQ(n, 1);
  /* Posted where a queued message matches: answered at once, nothing to take back. */
  ping = tagged(rt, "ping");
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 1); /* {ping,1} matches at once: its event is queued */
  ASSERT_EQ(fx_host_cancel_receive(rt, pid), 0);             /* answered already */
  ASSERT(strstr(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,1}") != NULL);
  /* Posted again, then taken back: a receive can be posted after it. */
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 0);
  ASSERT_EQ(fx_host_cancel_receive(rt, pid), 1);
  send_tagged(rt, pid, "ping", 2);
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 1);
  ASSERT(strstr(events(rt, buf, sizeof buf), "{ping,2}") != NULL);
  ASSERT_OK(fx_host_exit(rt, pid, FX_ATOM(NORMAL)));
  fx_run(rt, FX_RUN_IDLE);
  fx_host_release_events(rt, fx_host_take_events(rt));
  ASSERT_ERR(fx_host_cancel_receive(rt, pid), FX_ENOPROC);
  fx_pid_t srv;
  ASSERT_OK(fx_gen_server_start(rt, &echo, FX_NIL, NULL, &srv));
  ASSERT_ERR(fx_host_cancel_receive(rt, srv), FX_EINVAL); /* not a host process */
  ASSERT_ERR(fx_host_cancel_receive(NULL, pid), FX_EINVAL);
  fx_pattern_free(rt, ping);
  fx_runtime_free(rt);
}

TEST(bad_uses_are_errors) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t pid, srv;
  uint64_t id;
  fx_gen_server_start(rt, &echo, FX_NIL, NULL, &srv);
  ASSERT_ERR(fx_host_receive(rt, srv, NULL, 0), FX_EINVAL); /* not a host process */
  ASSERT_ERR(fx_host_exit(rt, srv, FX_ATOM(NORMAL)), FX_EINVAL);
  ASSERT_ERR(fx_host_started(rt, srv), FX_EINVAL);
  ASSERT_ERR(fx_host_started(NULL, srv), FX_EINVAL);
  ASSERT_ERR(fx_host_spawn(rt, UINT32_MAX, NULL, &pid), FX_EINVAL);
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &pid));
  ASSERT_ERR(fx_host_receive(rt, pid, NULL, -5), FX_EINVAL);
  ASSERT_ERR(fx_host_exit(rt, pid, (fx_term_t)6), FX_EINVAL); /* no term: refused, it lives on */
  ASSERT_ERR(fx_host_exit(rt, pid, FX_NONE), FX_EINVAL);
  ASSERT(fx_is_alive(rt, pid));
  ASSERT_ERR(fx_host_call(rt, atom(rt, "nobody"), FX_NIL, 10, &id), FX_EBADNAME);
  ASSERT_ERR(fx_host_call(rt, fx_pid_term(srv), FX_NIL, 10, NULL), FX_EINVAL);
  ASSERT(fx_host_take_events(NULL) == NULL);
  fx_runtime_free(rt);
}

TEST(allocation_failures_leave_no_trace) {
  for (long fail_at = 0; fail_at < 40; fail_at++) {
    fx_test_clock_t clock = {0};
    fx_test_alloc_t alloc;
    fx_runtime_t *rt;
    ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
    alloc.countdown = fail_at;
    fx_pid_t pid = 0, srv = 0;
    uint64_t id;
    if (fx_host_spawn(rt, 1, NULL, &pid) == FX_OK) {
      send_tagged(rt, pid, "x", 1);
      fx_host_receive(rt, pid, NULL, 10);
    }
    if (fx_gen_server_start(rt, &echo, FX_NIL, NULL, &srv) == FX_OK) fx_host_call(rt, fx_pid_term(srv), fx_small(1), 10, &id);
    fx_run(rt, FX_RUN_IDLE);
    clock.now = 20;
    fx_run(rt, FX_RUN_IDLE);
    fx_host_release_events(rt, fx_host_take_events(rt));
    if (pid) fx_host_exit(rt, pid, FX_ATOM(NORMAL));
    alloc.countdown = -1;
    fx_pid_t again;
    ASSERT_OK(fx_host_spawn(rt, 1, NULL, &again));
    ASSERT_OK(fx_host_exit(rt, again, FX_ATOM(NORMAL)));
    fx_host_event_t *list = fx_host_take_events(rt), *ev = list;
    ASSERT(ev != NULL);
    while (ev->next) ev = ev->next;
    ASSERT(ev->kind == FX_HOST_EXIT && ev->pid == again);
    fx_host_release_events(rt, list);
    fx_runtime_free(rt);
    if (alloc.live != 0) FX_TEST_FAIL("fail_at=%ld: %lld bytes left", fail_at, alloc.live);
  }
}

/* Memory gone (every allocation fails) with a mailbox full: the host
 * process still gets its matches as events, one after another, instead of
 * crashing with enomem (events come from a reserve its start topped up). */
TEST(matches_become_events_when_memory_has_run_out) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt;
  ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
  fx_pid_t pid;
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &pid));
  for (int i = 0; i < 20; i++) send_tagged(rt, pid, "m", i);
  alloc.countdown = 0;
  alloc.sticky = 1;
  char buf[256], want[64];
  for (int i = 0; i < 20; i++) {
    ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 1);
    snprintf(want, sizeof want, "match clause=0 status=0 {m,%d} []", i);
    ASSERT_STREQ(events(rt, buf, sizeof buf), want);
  }
  ASSERT(fx_is_alive(rt, pid));
  alloc.sticky = 0;
  alloc.countdown = -1;
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

/* ---- the fast path: a message from outside meets a waiting receive at once ---- */

static void trace_kinds(void *ud, const fx_trace_event_t *ev) {
  char *log = ud;
  size_t n = strlen(log);
  if (n + 9 < 64) snprintf(log + n, 64 - n, "%s ", ev->kind == FX_TRACE_SEND ? "send" : ev->kind == FX_TRACE_RECEIVE ? "receive" : "other");
}

TEST(a_message_sent_from_outside_is_matched_as_it_is_sent) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pattern_t *ping = tagged(rt, "ping");
  char buf[1024], log[64] = "";
  fx_pid_t pid;
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &pid));
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 0);
  /* No match: it waits on, and nothing is queued. */
  send_tagged(rt, pid, "pong", 0);
  ASSERT(!fx_host_has_events(rt));
  /* A match: its event is queued by the send itself, with no run. */
  ASSERT_OK(fx_trace(rt, trace_kinds, log));
  send_tagged(rt, pid, "ping", 1);
  ASSERT_OK(fx_trace(rt, NULL, NULL));
  ASSERT_STREQ(log, "send receive ");
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,1} [1]");
  /* Busy in its host, it is not run: what comes meanwhile waits, in order. */
  send_tagged(rt, pid, "ping", 2);
  send_tagged(rt, pid, "ping", 3);
  ASSERT(!fx_host_has_events(rt));
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 1);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,2} [2]");
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 1);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,3} [3]");
  /* fx_send_etf and fx_cast take the same path. */
  ASSERT_EQ(fx_host_receive(rt, pid, ping, FX_INFINITY), 0);
  uint8_t etf[64];
  size_t len;
  fx_heap_t *h;
  fx_term_t m;
  ASSERT_OK(fx_heap_new(rt, &h));
  ASSERT_OK(fx_tuple2(h, atom(rt, "ping"), fx_small(7), &m));
  ASSERT_OK(fx_etf_encode(rt, m, etf, sizeof etf, &len));
  fx_heap_free(h);
  ASSERT_OK(fx_send_etf(rt, fx_pid_term(pid), etf, len));
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,7} [7]");
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 1); /* {pong,0} is still there */
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {pong,0} []");
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 0);
  ASSERT_OK(fx_cast(rt, fx_pid_term(pid), fx_small(5)));
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {'$gen_cast',5} []");
  fx_pattern_free(rt, ping);
  fx_runtime_free(rt);
}

/* A C process that sends one message to the host process named by its
 * argument, and notes whether an event was queued before its callback
 * returned. */
typedef struct sender {
  fx_pid_t to;
  int queued_in_callback;
} sender_t;

static int sender_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)state;
  sender_t *s = arg_ptr(arg);
  fx_runtime_t *rt = fx_proc_runtime(self);
  send_tagged(rt, s->to, "ping", 9);
  s->queued_in_callback = fx_host_has_events(rt);
  return FX_OK; /* done: it exits */
}

static int sender_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)self, (void)state, (void)r;
  return FX_OK;
}

static const fx_behaviour_t sender = {"sender", 0, sender_init, sender_handle, NULL, NULL};

TEST(a_message_sent_by_a_process_is_matched_after_its_callback) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_pid_t pid, c;
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &pid));
  ASSERT_EQ(fx_host_receive(rt, pid, NULL, FX_INFINITY), 0);
  sender_t s = {pid, -1};
  ASSERT_OK(fx_spawn(rt, &sender, ptr_arg(&s), NULL, &c));
  ASSERT_EQ(s.queued_in_callback, 0);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "match clause=0 status=0 {ping,9} []");
  fx_runtime_free(rt);
}

/* ---- a host process answering its own host's call ---- */

/* The Ref of the From in a {'$gen_call', From, Req} match. */
static fx_term_t call_ref(const fx_host_event_t *ev) { return fx_tuple_get(fx_tuple_get(ev->value, 1), 1); }

TEST(a_host_call_to_a_host_process_completes_in_the_core_when_taken) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_pid_t srv;
  uint64_t id, taken = 0;
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &srv));
  ASSERT_EQ(fx_host_receive(rt, srv, NULL, FX_INFINITY), 0);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(5), 100, &id));
  fx_host_event_t *ev = fx_host_take_events(rt); /* matched as it was made */
  ASSERT(ev && ev->kind == FX_HOST_MATCH && !ev->next);
  fx_term_t from = fx_tuple_get(ev->value, 1), ref = call_ref(ev);
  ASSERT_EQ(fx_tuple_get(ev->value, 2), fx_small(5));
  ASSERT_EQ(fx_host_take_call(rt, ref, &taken), 1);
  ASSERT_EQ(taken, id);
  ASSERT_EQ(fx_host_take_call(rt, ref, &taken), 0); /* once */
  ASSERT_OK(fx_reply(rt, from, fx_small(6)));      /* over: dropped */
  fx_host_release_events(rt, ev);
  ASSERT(!fx_host_has_events(rt));
  ASSERT_EQ(fx_next_deadline(rt), -1); /* no timeout left behind */
  clock.now = 200;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  /* A call that timed out is not taken. */
  ASSERT_EQ(fx_host_receive(rt, srv, NULL, FX_INFINITY), 0);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(1), 10, &id));
  ev = fx_host_take_events(rt);
  ASSERT(ev && ev->kind == FX_HOST_MATCH);
  fx_update_time(rt);
  clock.now = 210;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(fx_host_take_call(rt, call_ref(ev), &taken), 0);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "call clause=0 status=-15 timeout []");
  fx_host_release_events(rt, ev);
  /* Nor is the server's exit reported to a call it took. */
  ASSERT_EQ(fx_host_receive(rt, srv, NULL, FX_INFINITY), 0);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(2), FX_INFINITY, &id));
  ev = fx_host_take_events(rt);
  ASSERT_EQ(fx_host_take_call(rt, call_ref(ev), &taken), 1);
  fx_host_release_events(rt, ev);
  ASSERT_OK(fx_host_exit(rt, srv, atom(rt, "boom")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "exit clause=0 status=0 boom []");
  fx_runtime_free(rt);
}

TEST(only_host_calls_are_taken) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  fx_pid_t srv;
  uint64_t taken = 0;
  call_result_t r = {0};
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &srv));
  ASSERT_EQ(fx_host_receive(rt, srv, NULL, FX_INFINITY), 0);
  /* A call with a callback of its own is answered as usual. */
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), fx_small(3), 100, on_call, &r, NULL));
  fx_host_event_t *ev = fx_host_take_events(rt);
  ASSERT(ev && ev->kind == FX_HOST_MATCH);
  ASSERT_EQ(fx_host_take_call(rt, call_ref(ev), &taken), 0);
  ASSERT_OK(fx_reply(rt, fx_tuple_get(ev->value, 1), fx_small(4)));
  fx_host_release_events(rt, ev);
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "4");
  ASSERT_ERR(fx_host_take_call(rt, fx_small(1), &taken), FX_EINVAL);
  ASSERT_ERR(fx_host_take_call(NULL, fx_small(1), &taken), FX_EINVAL);
  fx_heap_t *h;
  fx_term_t ref;
  ASSERT_OK(fx_heap_new(rt, &h));
  ASSERT_OK(fx_make_ref(rt, h, &ref));
  ASSERT_ERR(fx_host_take_call(rt, ref, NULL), FX_EINVAL);
  ASSERT_EQ(fx_host_take_call(rt, ref, &taken), 0); /* a ref, but no call's */
  fx_heap_free(h);
  fx_runtime_free(rt);
}

/* A host about to sleep until fx_next_deadline reads the clock first when
 * fx_clock_wanted says so: the call's timeout then starts at that reading. */
TEST(fx_clock_wanted_says_when_calls_wait_for_a_reading) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char buf[1024];
  fx_pid_t srv;
  uint64_t id;
  ASSERT_EQ(fx_clock_wanted(NULL), 0);
  ASSERT_OK(fx_host_spawn(rt, 1, NULL, &srv)); /* receives nothing: the call waits */
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(1), FX_INFINITY, &id));
  ASSERT_EQ(fx_clock_wanted(rt), 0);
  ASSERT_OK(fx_host_call(rt, fx_pid_term(srv), fx_small(2), 100, &id));
  ASSERT_EQ(fx_clock_wanted(rt), 1);
  clock.now = 30;
  fx_update_time(rt);
  ASSERT_EQ(fx_clock_wanted(rt), 0);
  ASSERT_EQ(fx_next_deadline(rt), 130);
  clock.now = 129;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_host_has_events(rt));
  clock.now = 130;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(events(rt, buf, sizeof buf), "call clause=0 status=-15 timeout []");
  fx_runtime_free(rt);
}

TEST_MAIN(a_posted_receive_can_be_taken_back, nested_host_trees_with_allocations_failing, host_child_restarts_with_allocations_failing, a_nested_supervisor_that_cannot_acknowledge_does_not_block_its_parent, a_c_child_failing_after_a_host_child_fails_the_start_with_the_errors_name, group_restarts_start_host_children_in_turn, a_match_becomes_an_event_and_the_process_waits_for_its_host, receive_timeouts_become_events,
          matches_become_events_when_memory_has_run_out,
          exits_become_events_that_say_how, host_calls_complete_as_events,
          supervisors_start_and_restart_host_children, restart_child_waits_for_the_host_childs_init,
          a_host_child_that_fails_its_first_start_fails_its_supervisor,
          bad_uses_are_errors, allocation_failures_leave_no_trace,
          a_message_sent_from_outside_is_matched_as_it_is_sent, a_message_sent_by_a_process_is_matched_after_its_callback,
          a_host_call_to_a_host_process_completes_in_the_core_when_taken, only_host_calls_are_taken,
          fx_clock_wanted_says_when_calls_wait_for_a_reading)
