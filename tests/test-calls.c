/* Pending calls: their deadlines, their refs, their server's exit, and
 * running out of memory while making one. Time comes from a manual clock. */
#include "fx_test.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* ---- a server that holds calls ----
 * {'$gen_call', From, keep}: keeps From (in the test's holder_t);
 * {'$gen_call', From, echo}: replies echo; any other call: no answer.
 * {reply, N}: replies `late` to the N-th kept From. crash: stops with boom. */

typedef struct holder {
  fx_heap_t *heap;
  fx_term_t froms[16];
  int n;
} holder_t;

typedef struct holder_state {
  holder_t *h;
} holder_state_t;

static int holder_init(fx_proc_t *self, void *state, fx_term_t arg) {
  ((holder_state_t *)state)->h = arg_ptr(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int holder_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  holder_t *h = ((holder_state_t *)state)->h;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t m = r->message;
  if (fx_is_tuple(m) && fx_tuple_arity(m) == 3 && fx_tuple_get(m, 0) == FX_ATOM(GEN_CALL)) {
    fx_term_t from = fx_tuple_get(m, 1), req = fx_tuple_get(m, 2);
    if (req == atom(rt, "keep") && h->n < 16) {
      if (fx_heap_copy(h->heap, from, &h->froms[h->n]) != FX_OK) return FX_ENOMEM;
      h->n++;
    } else if (req == atom(rt, "echo")) {
      fx_reply(rt, from, req);
    }
  } else if (m == atom(rt, "crash")) {
    return fx_stop(self, atom(rt, "boom"));
  } else if (fx_is_tuple(m) && fx_tuple_arity(m) == 2 && fx_tuple_get(m, 0) == atom(rt, "reply")) {
    fx_reply(rt, h->froms[fx_small_value(fx_tuple_get(m, 1))], atom(rt, "late"));
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t holder = {"holder", sizeof(holder_state_t), holder_init, holder_handle, NULL, NULL};

static fx_pid_t spawn_holder(fx_runtime_t *rt, holder_t *h) {
  fx_pid_t pid = 0;
  if (!h->heap && fx_heap_new(rt, &h->heap) != FX_OK) return 0;
  return fx_spawn(rt, &holder, ptr_arg(h), NULL, &pid) == FX_OK ? pid : 0;
}

/* One call's outcome; completions also append the call's id to `log`. */
typedef struct rec {
  int id, done, status;
  char value[32];
  char *log;
} rec_t;

static void on_rec(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  rec_t *r = ud;
  r->done++;
  r->status = status;
  fx_term_format(rt, value, r->value, sizeof r->value);
  if (r->log) snprintf(r->log + strlen(r->log), 512 - strlen(r->log), *r->log ? " %d" : "%d", r->id);
}

static size_t monitored_by(fx_runtime_t *rt, fx_pid_t pid) {
  fx_process_info_t info;
  return fx_process_info(rt, pid, &info) == FX_OK ? info.monitored_by : SIZE_MAX;
}

/* ---- tests ---- */

TEST(calls_time_out_in_deadline_order_and_equal_deadlines_in_call_order) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  char log[512] = "";
  static const int64_t timeouts[] = {30, 10, 20, 10, 0, 30, 20, 5, 10, FX_INFINITY, 5, 30, 7};
  enum { N = sizeof timeouts / sizeof *timeouts };
  rec_t recs[N];
  for (int i = 0; i < N; i++) {
    recs[i] = (rec_t){.id = i, .log = log};
    ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), timeouts[i], on_rec, &recs[i], NULL));
  }
  ASSERT_EQ(fx_next_deadline(rt), 0);
  fx_run(rt, FX_RUN_IDLE); /* the 0 timeout is due now */
  ASSERT_STREQ(log, "4");
  ASSERT_EQ(fx_next_deadline(rt), 5);
  clock.now = 7;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(log, "4 7 10 12");
  ASSERT_EQ(fx_next_deadline(rt), 10);
  /* Out of order (a later clock, a shorter timeout): still by deadline. */
  rec_t late = {.id = 99, .log = log}, early = {.id = 98, .log = log};
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 100, on_rec, &late, NULL)); /* due 107 */
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 13, on_rec, &early, NULL));  /* due 20 */
  ASSERT_EQ(fx_next_deadline(rt), 10);
  fx_run(rt, FX_RUN_NOWAIT); /* their timeouts start: the clock is read */
  clock.now = 1000;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_STREQ(log, "4 7 10 12 1 3 8 2 6 98 0 5 11 99");
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(recs[i].done, i == 9 ? 0 : 1);
    if (i != 9) ASSERT_EQ(recs[i].status, FX_ETIMEDOUT);
  }
  ASSERT_EQ(fx_next_deadline(rt), -1); /* the infinite one has no deadline */
  ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 0);
  fx_send(rt, fx_pid_term(srv), atom(rt, "crash"));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(recs[9].done, 1);
  ASSERT_EQ(recs[9].status, FX_EEXIT);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(a_call_times_out_no_earlier_than_its_timeout_after_fx_call) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  fx_run(rt, FX_RUN_IDLE);
  rec_t a = {0}, b = {0};
  clock.now = 50; /* the runtime has not read its clock since 0 */
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 10, on_rec, &a, NULL));
  ASSERT_EQ(fx_next_deadline(rt), 10); /* at the earliest: its timeout after fx_now */
  fx_run(rt, FX_RUN_IDLE); /* the clock reads 50: due 60 */
  ASSERT_EQ(a.done, 0);
  ASSERT_EQ(fx_next_deadline(rt), 60);
  clock.now = 59;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(a.done, 0);
  clock.now = 60;
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 0, on_rec, &b, NULL));
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_EQ(a.done, 1);
  ASSERT_EQ(a.status, FX_ETIMEDOUT);
  ASSERT_EQ(b.done, 1); /* a zero timeout: the next pass */
  ASSERT_EQ(b.status, FX_ETIMEDOUT);
  /* Any reading of the clock starts it. */
  rec_t c = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 30, on_rec, &c, NULL));
  clock.now = 70;
  ASSERT_EQ(fx_update_time(rt), 70);
  ASSERT_EQ(fx_next_deadline(rt), 100);
  clock.now = 99;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(c.done, 0);
  clock.now = 100;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(c.done, 1);
  ASSERT_EQ(fx_next_timeout(rt), -1);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

/* Natively a clock reading costs a third of a call round trip: a call
 * answered within the pass that follows it needs none; one still waiting
 * after the pass is timed from a reading then. */
TEST(a_call_answered_within_a_pass_reads_no_clock) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  fx_run(rt, FX_RUN_IDLE);
  int reads = clock.reads;
  rec_t a = {0}, b = {0};
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "echo"), 5000, on_rec, &a, NULL));
    ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 0);
  }
  ASSERT_EQ(a.done, 100);
  ASSERT_EQ(a.status, FX_OK);
  ASSERT_EQ(clock.reads, reads);
  clock.now = 40;
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "keep"), 5000, on_rec, &b, NULL));
  ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 1); /* its timeout is pending */
  ASSERT_EQ(clock.reads, reads + 1);
  ASSERT_EQ(fx_next_deadline(rt), 5040);
  clock.now = 5040;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(b.done, 1);
  ASSERT_EQ(b.status, FX_ETIMEDOUT);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(a_late_reply_is_dropped_even_when_the_slot_has_a_new_call) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  rec_t a = {.id = 1}, b = {.id = 2};
  uint64_t ida, idb;
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "keep"), 10, on_rec, &a, &ida));
  fx_run(rt, FX_RUN_IDLE);
  clock.now = 10;
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(a.done, 1);
  ASSERT_EQ(a.status, FX_ETIMEDOUT);
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "keep"), FX_INFINITY, on_rec, &b, &idb));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(h.n, 2);
  ASSERT_EQ((uint32_t)ida, (uint32_t)idb); /* the same slot... */
  ASSERT(ida != idb);                      /* ...for another call */
  ASSERT(!fx_term_equal(rt, h.froms[0], h.froms[1]));
  fx_term_t m;
  ASSERT_OK(fx_tuple2(h.heap, atom(rt, "reply"), fx_small(0), &m));
  ASSERT_OK(fx_send(rt, fx_pid_term(srv), m)); /* the late reply to a */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(a.done, 1);
  ASSERT_EQ(b.done, 0);
  ASSERT_OK(fx_reply(rt, h.froms[0], atom(rt, "again"))); /* from outside too */
  ASSERT_EQ(b.done, 0);
  ASSERT_OK(fx_tuple2(h.heap, atom(rt, "reply"), fx_small(1), &m));
  ASSERT_OK(fx_send(rt, fx_pid_term(srv), m));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(b.done, 1);
  ASSERT_EQ(b.status, FX_OK);
  ASSERT_STREQ(b.value, "late");
  ASSERT_OK(fx_reply(rt, h.froms[1], atom(rt, "twice"))); /* completed: dropped */
  ASSERT_EQ(b.done, 1);
  ASSERT_EQ(a.done, 1);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(call_refs_are_refs_no_make_ref_equals_and_survive_etf) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  rec_t r = {0};
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "keep"), 5000, on_rec, &r, NULL));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(h.n, 1);
  fx_term_t from = h.froms[0], ref = fx_tuple_get(from, 1);
  ASSERT(fx_is_ref(ref));
  for (int i = 0; i < 1000; i++) {
    fx_term_t mine;
    ASSERT_OK(fx_make_ref(rt, h.heap, &mine));
    ASSERT(!fx_term_equal(rt, mine, ref));
    /* A reply tagged with someone else's ref completes nothing. */
    fx_term_t fake;
    ASSERT_OK(fx_tuple2(h.heap, fx_pid_term(srv), mine, &fake));
    if (i < 3) ASSERT_OK(fx_reply(rt, fake, FX_NIL));
  }
  ASSERT_EQ(r.done, 0);
  ASSERT_ERR(fx_demonitor(rt, srv, ref), FX_ENOTFOUND); /* not a monitor */
  /* Through ETF and back (as a host replies): the same ref, the same call. */
  uint8_t buf[256];
  size_t len;
  ASSERT_OK(fx_etf_encode(rt, from, buf, sizeof buf, &len));
  fx_term_t back;
  ASSERT_OK(fx_etf_decode(rt, buf, len, h.heap, &back));
  ASSERT(fx_term_equal(rt, back, from));
  ASSERT_OK(fx_reply(rt, back, atom(rt, "via_etf")));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "via_etf");
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(a_crash_fails_ten_thousand_pending_calls_with_its_reason) {
  enum { N = 10000 };
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  rec_t *recs = calloc(N, sizeof *recs);
  ASSERT(recs != NULL);
  for (int i = 0; i < N; i++)
    ASSERT_OK(fx_call(rt, fx_pid_term(srv), fx_small(i), i % 2 ? 1000 + i % 7 : FX_INFINITY, on_rec, &recs[i], NULL));
  ASSERT_EQ(monitored_by(rt, srv), N);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(fx_next_deadline(rt), 1000);
  fx_send(rt, fx_pid_term(srv), atom(rt, "crash"));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(!fx_is_alive(rt, srv));
  int bad = 0;
  for (int i = 0; i < N; i++) bad += recs[i].done != 1 || recs[i].status != FX_EEXIT || strcmp(recs[i].value, "boom") != 0;
  ASSERT_EQ(bad, 0);
  ASSERT_EQ(fx_next_deadline(rt), -1);
  clock.now = 5000;
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  for (int i = 0; i < N; i++) bad += recs[i].done != 1;
  ASSERT_EQ(bad, 0);
  free(recs);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(no_timeout_work_is_left_once_no_call_waits) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  rec_t a = {0}, b = {0};
  /* Answered: its deadline goes with it. */
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "echo"), 50, on_rec, &a, NULL));
  ASSERT_EQ(fx_next_deadline(rt), 50);
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_EQ(a.done, 1);
  ASSERT_EQ(fx_next_deadline(rt), -1);
  /* Timed out: the sweep leaves nothing behind. */
  ASSERT_OK(fx_call(rt, fx_pid_term(srv), atom(rt, "hold"), 10, on_rec, &b, NULL));
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 1); /* a deadline is pending */
  clock.now = 10;
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_EQ(b.done, 1);
  ASSERT_EQ(fx_next_deadline(rt), -1);
  ASSERT_EQ(fx_next_timeout(rt), -1);
  clock.now = 100000;
  ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 0);
  ASSERT_EQ(a.done + b.done, 2);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

/* A completion that makes a call due at once: it waits for the next pass,
 * as a timer set while timers fire does. */
typedef struct again {
  fx_pid_t srv;
  int rounds;
} again_t;

static void call_again(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  again_t *g = ud;
  (void)status, (void)value;
  if (++g->rounds < 100) fx_call(rt, fx_pid_term(g->srv), atom(rt, "hold"), 0, call_again, g, NULL);
}

TEST(a_call_made_by_a_timeout_waits_for_the_next_pass) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  again_t g = {spawn_holder(rt, &h), 0};
  ASSERT_OK(fx_call(rt, fx_pid_term(g.srv), atom(rt, "hold"), 0, call_again, &g, NULL));
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(g.rounds, 1);
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(g.rounds, 2);
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(g.rounds, 100);
  ASSERT_EQ(fx_next_deadline(rt), -1);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

/* A process that, on any message, calls the holder with a 100 ms timeout;
 * its init argument points at its asker_state_t. */
typedef struct asker_state {
  fx_pid_t srv;
  rec_t *rec;
} asker_state_t;

static int asker_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(asker_state_t *)state = *(const asker_state_t *)arg_ptr(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int asker_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  const asker_state_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  (void)r;
  int err = fx_call(rt, fx_pid_term(s->srv), atom(rt, "hold"), 100, on_rec, s->rec, NULL);
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t asker = {"asker", sizeof(asker_state_t), asker_init, asker_handle, NULL, NULL};

TEST(a_call_made_in_a_pass_times_out_on_time_for_a_host_waking_at_the_deadline) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  holder_t h = {0};
  rec_t rec = {0};
  asker_state_t st = {spawn_holder(rt, &h), &rec};
  fx_pid_t a = 0;
  ASSERT_OK(fx_spawn(rt, &asker, ptr_arg(&st), NULL, &a));
  ASSERT_OK(fx_send(rt, fx_pid_term(a), atom(rt, "go")));
  fx_run(rt, FX_RUN_NOWAIT); /* the call is made at 0 */
  ASSERT_EQ(fx_next_deadline(rt), 100);
  clock.now = 50; /* a host woken early runs a pass */
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(rec.done, 0);
  clock.now = 100;
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(rec.done, 1);
  ASSERT_EQ(rec.status, FX_ETIMEDOUT);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
}

TEST(no_memory_to_grow_the_call_table_leaves_calls_working) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt = NULL;
  ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
  holder_t h = {0};
  fx_pid_t srv = spawn_holder(rt, &h);
  rec_t recs[64] = {0};
  int made = 0, failed = 0;
  /* Fill the table, then fail each allocation the next call makes. */
  for (; made < 15; made++)
    ASSERT_OK(fx_call(rt, fx_pid_term(srv), fx_small(made), 100 + made % 3, on_rec, &recs[made], NULL));
  size_t queued;
  for (long k = 0; k < 4; k++) {
    alloc.countdown = k;
    int err = fx_call(rt, fx_pid_term(srv), fx_small(made), 100, on_rec, &recs[made], NULL);
    if (err == FX_OK) {
      made++;
      break;
    }
    ASSERT_EQ(err, FX_ENOMEM);
    failed++;
    ASSERT_OK(fx_mailbox_length(rt, srv, &queued));
    ASSERT_EQ(queued, (size_t)made);
    ASSERT_EQ(monitored_by(rt, srv), (size_t)made);
    ASSERT_EQ(fx_next_deadline(rt), 100);
  }
  ASSERT(failed >= 1);
  alloc.countdown = -1;
  while (made < 40) {
    ASSERT_OK(fx_call(rt, fx_pid_term(srv), fx_small(made), made % 2 ? FX_INFINITY : 200, on_rec, &recs[made], NULL));
    made++;
  }
  fx_run(rt, FX_RUN_IDLE);
  clock.now = 150;
  fx_run(rt, FX_RUN_IDLE);
  for (int i = 0; i < made; i++) ASSERT_EQ(recs[i].done, i < 16 ? 1 : 0);
  fx_send(rt, fx_pid_term(srv), atom(rt, "crash"));
  fx_run(rt, FX_RUN_IDLE);
  for (int i = 0; i < made; i++) {
    ASSERT_EQ(recs[i].done, 1);
    ASSERT_EQ(recs[i].status, i < 16 ? FX_ETIMEDOUT : FX_EEXIT);
  }
  ASSERT_EQ(recs[made].done, 0);
  fx_heap_free(h.heap);
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

TEST(allocation_failures_while_calling_lose_no_accepted_call) {
  for (long fail_at = 0; fail_at < 120; fail_at++) {
    fx_test_clock_t clock = {0};
    fx_test_alloc_t alloc;
    fx_runtime_t *rt = NULL;
    if (new_rt_alloc(&clock, &alloc, &rt) != FX_OK) continue;
    holder_t h = {0};
    fx_pid_t srv = spawn_holder(rt, &h);
    if (!srv) {
      fx_heap_free(h.heap);
      fx_runtime_free(rt);
      continue;
    }
    alloc.countdown = fail_at;
    rec_t recs[40] = {0};
    int ok[40] = {0};
    for (int i = 0; i < 40; i++)
      ok[i] = fx_call(rt, fx_pid_term(srv), fx_small(i), i % 3 ? 10 * (i % 4) : FX_INFINITY, on_rec, &recs[i], NULL) == FX_OK;
    fx_run(rt, FX_RUN_IDLE);
    clock.now = 20;
    fx_run(rt, FX_RUN_IDLE);
    alloc.countdown = -1;
    alloc.failures = 0;
    fx_send(rt, fx_pid_term(srv), atom(rt, "crash"));
    fx_run(rt, FX_RUN_IDLE);
    clock.now = 100;
    fx_run(rt, FX_RUN_IDLE);
    for (int i = 0; i < 40; i++) ASSERT_EQ(recs[i].done, ok[i]);
    ASSERT_EQ(fx_next_deadline(rt), -1);
    fx_heap_free(h.heap);
    fx_runtime_free(rt);
    ASSERT_EQ(alloc.live, 0);
  }
}

TEST_MAIN(calls_time_out_in_deadline_order_and_equal_deadlines_in_call_order,
          a_call_times_out_no_earlier_than_its_timeout_after_fx_call,
          a_call_answered_within_a_pass_reads_no_clock,
          a_late_reply_is_dropped_even_when_the_slot_has_a_new_call, call_refs_are_refs_no_make_ref_equals_and_survive_etf,
          a_crash_fails_ten_thousand_pending_calls_with_its_reason, no_timeout_work_is_left_once_no_call_waits,
          a_call_made_by_a_timeout_waits_for_the_next_pass,
          a_call_made_in_a_pass_times_out_on_time_for_a_host_waking_at_the_deadline,
          no_memory_to_grow_the_call_table_leaves_calls_working,
          allocation_failures_while_calling_lose_no_accepted_call)
