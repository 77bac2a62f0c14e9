/* Task: run a function as a process; join its result or its failure;
 * notify a process; functions that take several slices. */
#include "fx_test.h"
#include "fx_test_clock.h"

/* ---- the test task function and its script ---- */

typedef struct job {
  int again;     /* return FX_TASK_AGAIN this many times first */
  int fail;      /* then return this error (0: succeed) */
  int calls;     /* how many times the function ran */
  char *trace;   /* appends 't' each run, when set */
  int64_t value; /* the result is {done, value} */
} job_t;

static fx_term_t atom(fx_runtime_t *rt, const char *s) {
  fx_term_t a = FX_NONE;
  fx_atom_cstr(rt, s, &a);
  return a;
}

static int job_fn(fx_proc_t *self, void *ud, fx_term_t *result) {
  job_t *j = ud;
  j->calls++;
  if (j->trace) strcat(j->trace, "t");
  if (j->again-- > 0) return FX_TASK_AGAIN;
  if (j->fail) return j->fail;
  return fx_tuple2(fx_proc_heap(self), atom(fx_proc_runtime(self), "done"), fx_small(j->value), result);
}

/* ---- helpers ---- */

static fx_runtime_t *new_rt(fx_test_clock_t *clock) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_clock_config(&cfg, clock);
  fx_runtime_t *rt = NULL;
  fx_runtime_new(&cfg, &rt);
  return rt;
}

typedef struct join_result {
  int done, status;
  char value[256];
} join_result_t;

static void on_join(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  join_result_t *r = ud;
  r->done++;
  r->status = status;
  fx_term_format(rt, value, r->value, sizeof r->value);
}

/* A process that logs the messages it gets. */
typedef struct inbox {
  char log[1024];
} inbox_t;

typedef struct inbox_state {
  inbox_t *in;
} inbox_state_t;

static int inbox_init(fx_proc_t *self, void *state, fx_term_t arg) {
  ((inbox_state_t *)state)->in = (inbox_t *)(uintptr_t)fx_small_value(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int inbox_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  inbox_t *in = ((inbox_state_t *)state)->in;
  size_t n = strlen(in->log);
  if (n) in->log[n++] = ' ';
  fx_term_format(fx_proc_runtime(self), r->message, in->log + n, sizeof in->log - n);
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t inbox = {"inbox", sizeof(inbox_state_t), inbox_init, inbox_handle, NULL, NULL};

static fx_pid_t spawn_inbox(fx_runtime_t *rt, inbox_t *in) {
  fx_pid_t pid = 0;
  fx_spawn(rt, &inbox, fx_small((int64_t)(uintptr_t)in), NULL, &pid);
  return pid;
}

/* A process that yields `left` times, appending 's' to a trace each run. */
typedef struct spinner {
  char *trace;
  int left;
} spinner_t;

static int spin_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(spinner_t *)state = *(const spinner_t *)(uintptr_t)fx_small_value(arg);
  return fx_yield(self);
}

static int spin_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)r;
  spinner_t *s = state;
  strcat(s->trace, "s");
  return --s->left > 0 ? fx_yield(self) : FX_OK;
}

static const fx_behaviour_t spinner = {"spinner", sizeof(spinner_t), spin_init, spin_handle, NULL, NULL};

static void pid_text(fx_runtime_t *rt, fx_pid_t pid, char *buf, size_t cap) { fx_term_format(rt, fx_pid_term(pid), buf, cap); }

/* ---- tests ---- */

TEST(join_returns_the_result) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.value = 42};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  ASSERT(fx_is_alive(rt, task));
  ASSERT_EQ(job.calls, 0); /* it runs in the loop, not in start */
  join_result_t r = {0}, r2 = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_join, &r));
  ASSERT_OK(fx_task_join(rt, task, 5000, on_join, &r2)); /* any number of joiners */
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_EQ(job.calls, 1);
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_OK);
  ASSERT_STREQ(r.value, "{done,42}");
  ASSERT_EQ(r2.done, 1);
  ASSERT_STREQ(r2.value, "{done,42}");
  ASSERT(!fx_is_alive(rt, task)); /* done: it exits */
  ASSERT_EQ(fx_process_count(rt), 0);
  fx_runtime_free(rt);
}

TEST(a_function_that_asks_again_runs_in_several_slices_between_others) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  char trace[64] = "";
  job_t job = {.again = 3, .trace = trace, .value = 7};
  spinner_t spin = {trace, 4};
  fx_pid_t task = 0, sp = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  ASSERT_OK(fx_spawn(rt, &spinner, fx_small((int64_t)(uintptr_t)&spin), NULL, &sp));
  join_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_join, &r));
  for (int pass = 1; pass <= 3; pass++) {
    ASSERT_EQ(fx_run(rt, FX_RUN_NOWAIT), 1);
    ASSERT_EQ(job.calls, pass); /* one slice per pass... */
    ASSERT_EQ(r.done, 0);
  }
  ASSERT_STREQ(trace, "tststs"); /* ...and the other process runs between them */
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(job.calls, 4);
  ASSERT_STREQ(trace, "tstststs");
  ASSERT_EQ(r.done, 1);
  ASSERT_STREQ(r.value, "{done,7}");
  fx_runtime_free(rt);
}

TEST(a_failing_function_fails_the_join_with_task_failed) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.again = 1, .fail = FX_EINVAL};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  join_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_join, &r));
  fx_run(rt, FX_RUN_IDLE); /* the clock stays put: the join does not wait */
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "{task_failed,'FX_EINVAL'}");
  ASSERT(!fx_is_alive(rt, task));
  ASSERT_EQ(fx_next_deadline(rt), -1);
  fx_runtime_free(rt);
}

TEST(notify_gets_the_result_or_the_failure) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  inbox_t in = {0};
  fx_pid_t box = spawn_inbox(rt, &in);
  job_t ok = {.value = 5}, bad = {.fail = FX_ESTATE};
  fx_pid_t t1 = 0, t2 = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &ok, box, &t1));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_OK(fx_task_start(rt, job_fn, &bad, box, &t2));
  fx_run(rt, FX_RUN_IDLE);
  char want[256], p1[32], p2[32];
  pid_text(rt, t1, p1, sizeof p1);
  pid_text(rt, t2, p2, sizeof p2);
  snprintf(want, sizeof want, "{fx_task,%s,{ok,{done,5}}} {fx_task,%s,{error,{task_failed,'FX_ESTATE'}}}", p1, p2);
  ASSERT_STREQ(in.log, want);
  ASSERT(!fx_is_alive(rt, t1) && !fx_is_alive(rt, t2));
  fx_runtime_free(rt);
}

TEST(joining_a_finished_task_gives_enoproc) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.value = 1};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_EQ(job.calls, 1);
  join_result_t r = {0};
  ASSERT_ERR(fx_task_join(rt, task, 5000, on_join, &r), FX_ENOPROC);
  ASSERT_EQ(r.done, 0); /* the callback never runs */
  fx_runtime_free(rt);
}

TEST(a_killed_task_fails_the_join_with_killed) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.again = 1000};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  join_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_join, &r));
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(r.done, 0);
  ASSERT_OK(fx_exit(rt, task, FX_ATOM(KILL)));
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_EEXIT);
  ASSERT_STREQ(r.value, "killed");
  ASSERT_EQ(fx_run(rt, FX_RUN_IDLE), 0);
  ASSERT_EQ(job.calls, 1);
  fx_runtime_free(rt);
}

TEST(a_join_that_times_out_completes_once) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.again = 1000000};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  join_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 100, on_join, &r));
  fx_run(rt, FX_RUN_NOWAIT);
  clock.now = 100;
  fx_run(rt, FX_RUN_NOWAIT);
  ASSERT_EQ(r.done, 1);
  ASSERT_EQ(r.status, FX_ETIMEDOUT);
  ASSERT(fx_is_alive(rt, task)); /* the task goes on */
  ASSERT_OK(fx_exit(rt, task, FX_ATOM(KILL)));
  ASSERT_EQ(r.done, 1);
  ASSERT_ERR(fx_task_start(rt, NULL, NULL, 0, &task), FX_EINVAL);
  fx_runtime_free(rt);
}

TEST_MAIN(join_returns_the_result, a_function_that_asks_again_runs_in_several_slices_between_others,
          a_failing_function_fails_the_join_with_task_failed, notify_gets_the_result_or_the_failure,
          joining_a_finished_task_gives_enoproc, a_killed_task_fails_the_join_with_killed,
          a_join_that_times_out_completes_once)
