/* Task: run a function as a process; join its result or its failure;
 * notify a process; functions that take several slices. */
#include "fx_test.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* ---- the test task function and its script ---- */

typedef struct job {
  int again;     /* return FX_TASK_AGAIN this many times first */
  int fail;      /* then return this error (0: succeed) */
  int calls;     /* how many times the function ran */
  char *trace;   /* appends 't' each run, when set */
  int64_t value; /* the result is {done, value} */
} job_t;

static int job_fn(fx_proc_t *self, void *ud, fx_term_t *result) {
  job_t *j = ud;
  j->calls++;
  if (j->trace) strcat(j->trace, "t");
  if (j->again-- > 0) return FX_TASK_AGAIN;
  if (j->fail) return j->fail;
  return fx_tuple2(fx_proc_heap(self), atom(fx_proc_runtime(self), "done"), fx_small(j->value), result);
}

/* ---- helpers ---- */

/* A join completes like a call: call_result_t and on_call
 * (fx_test_support.h) take its result. Notifications go to a logger. */

/* A process that yields `left` times, appending 's' to a trace each run. */
typedef struct spinner {
  char *trace;
  int left;
} spinner_t;

static int spin_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(spinner_t *)state = *(const spinner_t *)arg_ptr(arg);
  return fx_yield(self);
}

static int spin_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)r;
  spinner_t *s = state;
  strcat(s->trace, "s");
  return --s->left > 0 ? fx_yield(self) : FX_OK;
}

static const fx_behaviour_t spinner = {"spinner", sizeof(spinner_t), spin_init, spin_handle, NULL, NULL};

/* ---- tests ---- */

TEST(join_returns_the_result) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.value = 42};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  ASSERT(fx_is_alive(rt, task));
  ASSERT_EQ(job.calls, 0); /* it runs in the loop, not in start */
  call_result_t r = {0}, r2 = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_call, &r));
  ASSERT_OK(fx_task_join(rt, task, 5000, on_call, &r2)); /* any number of joiners */
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
  ASSERT_OK(fx_spawn(rt, &spinner, ptr_arg(&spin), NULL, &sp));
  call_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_call, &r));
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
  call_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_call, &r));
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
  logger_t in = {0};
  fx_pid_t box = spawn_logger(rt, &in);
  job_t ok = {.value = 5}, bad = {.fail = FX_ESTATE};
  fx_pid_t t1 = 0, t2 = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &ok, box, &t1));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT_OK(fx_task_start(rt, job_fn, &bad, box, &t2));
  fx_run(rt, FX_RUN_IDLE);
  char want[256], p1[32], p2[32];
  snprintf(want, sizeof want, "{fx_task,%s,{ok,{done,5}}} {fx_task,%s,{error,{task_failed,'FX_ESTATE'}}}",
           pidtext(t1, p1), pidtext(t2, p2));
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
  call_result_t r = {0};
  ASSERT_ERR(fx_task_join(rt, task, 5000, on_call, &r), FX_ENOPROC);
  ASSERT_EQ(r.done, 0); /* the callback never runs */
  fx_runtime_free(rt);
}

TEST(a_killed_task_fails_the_join_with_killed) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  job_t job = {.again = 1000};
  fx_pid_t task = 0;
  ASSERT_OK(fx_task_start(rt, job_fn, &job, 0, &task));
  call_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 5000, on_call, &r));
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
  call_result_t r = {0};
  ASSERT_OK(fx_task_join(rt, task, 100, on_call, &r));
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
