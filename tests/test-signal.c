/* Links, monitors and exit signals, as Erlang defines them. */
#include <time.h>

#include "fx_test.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"

/* A probe is a logger (fx_test_support.h) that obeys {stop, Reason} and
 * records its terminate: terminated, by_signal, reason. */
static fx_pid_t spawn_probe(fx_runtime_t *rt, logger_t *p) {
  p->stop_on_request = 1;
  p->record_exit = 1;
  return spawn_logger(rt, p);
}

/* Sends {stop, Reason} to pid and runs the loop. */
static void stop(fx_runtime_t *rt, fx_pid_t pid, const char *reason) {
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  fx_send(rt, fx_pid_term(pid), pair(h, atom(rt, "stop"), atom(rt, reason)));
  fx_heap_free(h);
  fx_run(rt, FX_RUN_IDLE);
}

TEST(abnormal_exit_kills_linked_processes) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0}, c = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b), pc = spawn_probe(rt, &c);
  ASSERT_OK(fx_link(rt, pa, pb));
  ASSERT_OK(fx_link(rt, pb, pc));
  stop(rt, pa, "boom");
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT(!fx_is_alive(rt, pb));
  ASSERT(!fx_is_alive(rt, pc));
  ASSERT_STREQ(b.reason, "boom");
  ASSERT_EQ(b.by_signal, 1);
  ASSERT_STREQ(a.reason, "boom");
  ASSERT_EQ(a.by_signal, 0);
  fx_runtime_free(rt);
}

TEST(normal_exit_does_not_propagate) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b);
  fx_link(rt, pa, pb);
  stop(rt, pa, "normal");
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT(fx_is_alive(rt, pb));
  ASSERT_EQ(b.terminated, 0);
  fx_runtime_free(rt);
}

TEST(trapping_processes_get_exit_messages) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b);
  char want[128], pt[32];
  fx_link(rt, pa, pb);
  ASSERT_OK(fx_trap_exit(rt, pb, 1));
  stop(rt, pa, "normal");
  snprintf(want, sizeof want, "{'EXIT',%s,normal}", pidtext(pa, pt));
  ASSERT_STREQ(b.log, want);
  /* A trapped signal from fx_exit, then an untrappable kill. */
  ASSERT_OK(fx_exit(rt, pb, atom(rt, "please")));
  fx_run(rt, FX_RUN_IDLE);
  ASSERT(strstr(b.log, "{'EXIT',<0.0.0>,please}") != NULL);
  ASSERT(fx_is_alive(rt, pb));
  ASSERT_OK(fx_exit(rt, pb, FX_ATOM(KILL)));
  ASSERT(!fx_is_alive(rt, pb));
  ASSERT_EQ(b.terminated, 0); /* kill runs no terminate */
  fx_runtime_free(rt);
}

TEST(kill_becomes_killed_for_links_and_monitors) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0}, w = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b), pw = spawn_probe(rt, &w);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  fx_term_t ref;
  fx_link(rt, pa, pb);
  fx_trap_exit(rt, pb, 1);
  ASSERT_OK(fx_monitor(rt, pw, pa, h, &ref));
  fx_exit(rt, pa, FX_ATOM(KILL));
  fx_run(rt, FX_RUN_IDLE);
  char want[256], pt[32], rt_[128];
  snprintf(want, sizeof want, "{'EXIT',%s,killed}", pidtext(pa, pt));
  ASSERT_STREQ(b.log, want);
  fx_term_format(rt, ref, rt_, sizeof rt_);
  snprintf(want, sizeof want, "{'DOWN',%s,process,%s,killed}", rt_, pidtext(pa, pt));
  ASSERT_STREQ(w.log, want);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(untrapped_signal_runs_terminate_and_a_normal_signal_is_ignored) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0};
  fx_pid_t pa = spawn_probe(rt, &a);
  fx_exit(rt, pa, FX_ATOM(NORMAL));
  ASSERT(fx_is_alive(rt, pa));
  fx_exit(rt, pa, FX_ATOM(SHUTDOWN));
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT_EQ(a.terminated, 1);
  ASSERT_EQ(a.by_signal, 1);
  ASSERT_STREQ(a.reason, "shutdown");
  ASSERT_OK(fx_exit(rt, pa, FX_ATOM(KILL))); /* to a dead pid: nothing */
  fx_runtime_free(rt);
}

TEST(monitors_deliver_down_once_and_noproc_for_the_dead) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, w = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pw = spawn_probe(rt, &w);
  fx_heap_t *h;
  fx_heap_new(rt, &h);
  fx_term_t r1, r2, r3;
  ASSERT_OK(fx_monitor(rt, pw, pa, h, &r1));
  ASSERT_OK(fx_monitor(rt, pw, pa, h, &r2));
  ASSERT(!fx_term_equal(rt, r1, r2));
  /* The monitors a process holds, newest first, while they are active. */
  fx_term_t held[4];
  size_t n = 0;
  ASSERT_OK(fx_process_monitors(rt, pw, h, held, 4, &n));
  ASSERT_EQ(n, 2);
  ASSERT(fx_term_equal(rt, held[0], r2) && fx_term_equal(rt, held[1], r1));
  ASSERT_OK(fx_process_monitors(rt, pw, h, held, 1, &n)); /* a short array: the count still */
  ASSERT_EQ(n, 2);
  ASSERT_OK(fx_process_monitors(rt, pa, h, held, 4, &n)); /* monitored, holding none */
  ASSERT_EQ(n, 0);
  ASSERT_ERR(fx_process_monitors(rt, pw, NULL, held, 4, &n), FX_EINVAL);
  ASSERT_ERR(fx_demonitor(rt, pa, r2), FX_ENOTFOUND); /* not pa's monitor: it stays */
  ASSERT_OK(fx_demonitor(rt, pw, r2));
  ASSERT_ERR(fx_demonitor(rt, pw, r2), FX_ENOTFOUND);
  ASSERT_OK(fx_process_monitors(rt, pw, h, held, 4, &n));
  ASSERT_EQ(n, 1);
  ASSERT(fx_term_equal(rt, held[0], r1));
  stop(rt, pa, "bye");
  ASSERT_OK(fx_process_monitors(rt, pw, h, held, 4, &n)); /* fired: gone */
  ASSERT_EQ(n, 0);
  char want[256], pt[32], rs[128];
  fx_term_format(rt, r1, rs, sizeof rs);
  snprintf(want, sizeof want, "{'DOWN',%s,process,%s,bye}", rs, pidtext(pa, pt));
  ASSERT_STREQ(w.log, want);
  ASSERT_ERR(fx_demonitor(rt, pw, r1), FX_ENOTFOUND); /* fired already */
  /* Several monitors on one process: their DOWNs come oldest first, as in
   * Erlang, from one watcher or from several. */
  {
    logger_t t = {0}, w3 = {0};
    fx_pid_t pt3 = spawn_probe(rt, &t), pw3 = spawn_probe(rt, &w3);
    fx_term_t m[3];
    ASSERT_OK(fx_monitor(rt, pw3, pt3, h, &m[0]));
    ASSERT_OK(fx_monitor(rt, pw, pt3, h, &m[1]));
    ASSERT_OK(fx_monitor(rt, pw3, pt3, h, &m[2]));
    ASSERT_OK(fx_demonitor(rt, pw, m[1]));
    ASSERT_OK(fx_monitor(rt, pw3, pt3, h, &m[1]));
    w3.log[0] = 0;
    stop(rt, pt3, "gone");
    char expect[1024] = "", one[256], r[128];
    const int made[3] = {0, 2, 1}; /* m[1] was made again last */
    for (int k = 0; k < 3; k++) {
      fx_term_format(rt, m[made[k]], r, sizeof r);
      snprintf(one, sizeof one, "%s{'DOWN',%s,process,%s,gone}", k ? " " : "", r, pidtext(pt3, pt));
      strncat(expect, one, sizeof expect - strlen(expect) - 1);
    }
    ASSERT_STREQ(w3.log, expect);
  }
  /* Monitoring a dead pid: DOWN with noproc at once. */
  w.log[0] = 0;
  ASSERT_OK(fx_monitor(rt, pw, pa, h, &r3));
  fx_run(rt, FX_RUN_IDLE);
  fx_term_format(rt, r3, rs, sizeof rs);
  snprintf(want, sizeof want, "{'DOWN',%s,process,%s,noproc}", rs, pidtext(pa, pt));
  ASSERT_STREQ(w.log, want);
  /* A watcher that dies first leaves nothing behind. */
  logger_t b = {0}, w2 = {0};
  fx_pid_t pb = spawn_probe(rt, &b), pw2 = spawn_probe(rt, &w2);
  ASSERT_OK(fx_monitor(rt, pw2, pb, h, &r1));
  stop(rt, pw2, "normal");
  stop(rt, pb, "later");
  ASSERT_STREQ(w2.log, "{stop,normal}");
  ASSERT_ERR(fx_monitor(rt, pa, pb, h, &r1), FX_ENOPROC); /* dead watcher */
  ASSERT_ERR(fx_process_monitors(rt, pa, h, held, 4, &n), FX_ENOPROC);
  fx_heap_free(h);
  fx_runtime_free(rt);
}

TEST(link_to_a_dead_process_signals_noproc) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0}, c = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b), pc = spawn_probe(rt, &c);
  stop(rt, pa, "normal");
  fx_trap_exit(rt, pb, 1);
  ASSERT_OK(fx_link(rt, pb, pa));
  fx_run(rt, FX_RUN_IDLE);
  char want[128], pt[32];
  snprintf(want, sizeof want, "{'EXIT',%s,noproc}", pidtext(pa, pt));
  ASSERT_STREQ(b.log, want);
  ASSERT_OK(fx_link(rt, pc, pa)); /* not trapping: it dies */
  ASSERT(!fx_is_alive(rt, pc));
  ASSERT_STREQ(c.reason, "noproc");
  ASSERT_ERR(fx_link(rt, pa, pb), FX_ENOPROC);
  fx_runtime_free(rt);
}

TEST(unlink_stops_propagation) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0}, b = {0};
  fx_pid_t pa = spawn_probe(rt, &a), pb = spawn_probe(rt, &b);
  fx_link(rt, pa, pb);
  fx_link(rt, pa, pb); /* idempotent */
  ASSERT_OK(fx_unlink(rt, pb, pa));
  stop(rt, pa, "boom");
  ASSERT(fx_is_alive(rt, pb));
  fx_runtime_free(rt);
}

TEST(a_long_chain_of_links_falls_without_recursion) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  enum { N = 100000 };
  logger_t *probes = calloc(N, sizeof *probes);
  ASSERT(probes != NULL);
  fx_pid_t first = spawn_probe(rt, &probes[0]), prev = first;
  for (int i = 1; i < N; i++) {
    fx_pid_t p = spawn_probe(rt, &probes[i]);
    ASSERT(p != 0);
    ASSERT_OK(fx_link(rt, prev, p));
    prev = p;
  }
  ASSERT_EQ(fx_process_count(rt), N);
  stop(rt, first, "chain");
  ASSERT_EQ(fx_process_count(rt), 0);
  ASSERT_STREQ(probes[N - 1].reason, "chain");
  fx_runtime_free(rt);
  free(probes);
}

static double seconds_now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One process linked to 100,000 others, which all exit: each exit cuts its
 * link in O(1) (it took O(links) per exit, O(n^2) in all: minutes for
 * this). The budget is wall time, generous for any build. */
TEST(a_process_linked_to_100000_others_outlives_them_in_linear_time) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  enum { N = 100000 };
  logger_t hub = {.timeout = FX_INFINITY};
  fx_spawn_opts_t ho = {.link = 0, .name = FX_NONE, .trap_exit = 1};
  fx_pid_t ph;
  ASSERT_OK(fx_spawn(rt, &logger, ptr_arg(&hub), &ho, &ph));
  logger_t *w = calloc(N, sizeof *w);
  fx_pid_t *pids = calloc(N, sizeof *pids);
  ASSERT(w != NULL && pids != NULL);
  double t0 = seconds_now();
  for (int i = 0; i < N; i++) {
    w[i].timeout = FX_INFINITY;
    w[i].limit = 1;
    fx_spawn_opts_t o = {.link = ph, .name = FX_NONE, .trap_exit = 0};
    ASSERT_OK(fx_spawn(rt, &logger, ptr_arg(&w[i]), &o, &pids[i]));
  }
  fx_process_info_t info;
  ASSERT_OK(fx_process_info(rt, ph, &info));
  ASSERT_EQ(info.links, N);
  for (int i = 0; i < N; i++) ASSERT_OK(fx_send(rt, fx_pid_term(pids[i]), fx_small(i)));
  fx_run(rt, FX_RUN_IDLE);
  double dt = seconds_now() - t0;
  ASSERT_EQ(fx_process_count(rt), 1);
  ASSERT_OK(fx_process_info(rt, ph, &info));
  ASSERT_EQ(info.links, 0);
  ASSERT_EQ(hub.seen, N); /* an {'EXIT', Pid, normal} from each */
  if (dt > 20.0) FX_TEST_FAIL("%d linked exits took %.1f s", N, dt);
  fx_runtime_free(rt);
  free(w);
  free(pids);
}

/* A process that kills its linked partner while inside its own callback,
 * and a partner that dies while the first is still running. */
TEST(signals_to_a_running_process_take_effect_when_it_returns) {
  fx_test_clock_t clock = {0};
  fx_runtime_t *rt = new_rt(&clock);
  logger_t a = {0};
  fx_pid_t pa = spawn_probe(rt, &a);
  /* A signal sent from outside while no callback runs is immediate; from
   * inside, deferred. Simulate with exit from pa's own message handler via
   * a self-exit: a stop message with reason kill. */
  stop(rt, pa, "kill");
  ASSERT(!fx_is_alive(rt, pa));
  ASSERT_STREQ(a.reason, "kill");
  fx_runtime_free(rt);
}

TEST_MAIN(abnormal_exit_kills_linked_processes, normal_exit_does_not_propagate,
          trapping_processes_get_exit_messages, kill_becomes_killed_for_links_and_monitors,
          untrapped_signal_runs_terminate_and_a_normal_signal_is_ignored,
          monitors_deliver_down_once_and_noproc_for_the_dead, link_to_a_dead_process_signals_noproc,
          unlink_stops_propagation, a_long_chain_of_links_falls_without_recursion,
          a_process_linked_to_100000_others_outlives_them_in_linear_time,
          signals_to_a_running_process_take_effect_when_it_returns)
