/* The core's native benchmark: prints the median of several runs for each
 * workload. Not a test: these machines are shared and noisy, so read the
 * figures side by side and compare medians.
 *
 *   fx-bench [repetitions] [text]   (only the rows whose label contains text)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fauxtp/fauxtp.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void check(int err, const char *what) {
  if (err) {
    fprintf(stderr, "%s: %s\n", what, fx_strerror(err));
    exit(1);
  }
}

/* ---- ping-pong: two processes exchange {ping|pong, N} ---- */

typedef struct pinger {
  fx_pid_t peer;
  int64_t left;
  fx_pattern_t *pattern;
  fx_term_t tag;
} pinger_t;

typedef struct pp_cfg {
  fx_pattern_t *pattern;
  fx_term_t tag;
  fx_pid_t peer;
} pp_cfg_t;

static int pp_init(fx_proc_t *self, void *state, fx_term_t arg) {
  pinger_t *p = state;
  const pp_cfg_t *cfg = (const pp_cfg_t *)(uintptr_t)fx_small_value(arg);
  p->pattern = cfg->pattern;
  p->tag = cfg->tag;
  p->peer = cfg->peer;
  return fx_receive(self, p->pattern, FX_INFINITY);
}

/* The first message carries the peer's pid and the count. */
static int pp_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  pinger_t *p = state;
  fx_term_t n = r->extracted[0];
  if (fx_is_tuple(n)) {
    p->peer = fx_term_pid(fx_tuple_get(n, 0));
    n = fx_tuple_get(n, 1);
  }
  int64_t left = fx_small_value(n);
  if (left <= 0) return FX_OK;
  fx_term_t msg;
  check(fx_tuple2(fx_proc_heap(self), p->tag, fx_small(left - 1), &msg), "tuple");
  check(fx_send(fx_proc_runtime(self), fx_pid_term(p->peer), msg), "send");
  return left - 1 > 0 ? fx_receive(self, p->pattern, FX_INFINITY) : FX_OK;
}

static const fx_behaviour_t pinger = {"pinger", sizeof(pinger_t), pp_init, pp_handle, NULL, NULL};

static fx_pattern_t *tagged_pattern(fx_runtime_t *rt, fx_heap_t *h, fx_term_t tag) {
  fx_term_t pat;
  fx_pattern_t *p;
  check(fx_tuple2(h, tag, fx_pat_any(), &pat), "pattern");
  check(fx_pattern_compile(rt, &pat, 1, 0, &p), "compile");
  return p;
}

static double bench_pingpong(int64_t messages) {
  fx_runtime_t *rt;
  fx_heap_t *h;
  check(fx_runtime_new(NULL, &rt), "runtime");
  check(fx_heap_new(rt, &h), "heap");
  fx_term_t ping, pong;
  fx_atom_cstr(rt, "ping", &ping);
  fx_atom_cstr(rt, "pong", &pong);
  /* a receives pings and answers pongs; b the other way round. b learns
   * a's pid from the first message, a pong carrying it. */
  pp_cfg_t cb = {tagged_pattern(rt, h, pong), ping, 0};
  fx_pid_t a, b;
  check(fx_spawn(rt, &pinger, fx_small((int64_t)(uintptr_t)&cb), NULL, &b), "spawn");
  pp_cfg_t ca = {tagged_pattern(rt, h, ping), pong, b};
  check(fx_spawn(rt, &pinger, fx_small((int64_t)(uintptr_t)&ca), NULL, &a), "spawn");
  fx_term_t intro, introt;
  fx_tuple2(h, fx_pid_term(a), fx_small(messages + 1), &intro);
  fx_tuple2(h, pong, intro, &introt);
  double t0 = now_ns();
  fx_send(rt, fx_pid_term(b), introt); /* b sends the first ping to a */
  fx_run(rt, FX_RUN_IDLE);
  double t1 = now_ns();
  fx_pattern_free(rt, ca.pattern);
  fx_pattern_free(rt, cb.pattern);
  fx_heap_free(h);
  fx_runtime_free(rt);
  return (t1 - t0) / (double)messages;
}

/* ---- selective receive past a backlog ---- */

static int sel_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(fx_pattern_t **)state = (fx_pattern_t *)(uintptr_t)fx_small_value(arg);
  return fx_receive(self, *(fx_pattern_t **)state, FX_INFINITY);
}

static int sel_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)r;
  return fx_receive(self, *(fx_pattern_t **)state, FX_INFINITY);
}

static const fx_behaviour_t selector = {"selector", sizeof(fx_pattern_t *), sel_init, sel_handle, NULL, NULL};

/* A process waits for {go, _} with `backlog` non-matching messages queued
 * ahead; each round sends one match and runs the loop: the cost per
 * matching message, backlog included. */
static double bench_selective(int backlog, int rounds) {
  fx_runtime_t *rt;
  fx_heap_t *h;
  check(fx_runtime_new(NULL, &rt), "runtime");
  check(fx_heap_new(rt, &h), "heap");
  fx_term_t go, msg;
  fx_atom_cstr(rt, "go", &go);
  fx_pattern_t *pat = tagged_pattern(rt, h, go);
  fx_pid_t pid;
  check(fx_spawn(rt, &selector, fx_small((int64_t)(uintptr_t)pat), NULL, &pid), "spawn");
  for (int i = 0; i < backlog; i++) fx_send(rt, fx_pid_term(pid), fx_small(i));
  fx_run(rt, FX_RUN_IDLE);
  fx_tuple2(h, go, fx_small(1), &msg);
  double t0 = now_ns();
  for (int i = 0; i < rounds; i++) {
    fx_send(rt, fx_pid_term(pid), msg);
    fx_run(rt, FX_RUN_IDLE);
  }
  double t1 = now_ns();
  fx_pattern_free(rt, pat);
  fx_heap_free(h);
  fx_runtime_free(rt);
  return (t1 - t0) / rounds;
}

/* ---- spawn + exit ---- */

static int quit_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)self, (void)state, (void)arg;
  return FX_OK; /* asks for nothing: exits normally at once */
}

static int idle_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)state, (void)arg;
  return fx_receive(self, NULL, FX_INFINITY);
}

static int noop_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)state, (void)r;
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t quitter = {"quitter", 0, quit_init, noop_handle, NULL, NULL};
static const fx_behaviour_t idler = {"idler", 0, idle_init, noop_handle, NULL, NULL};

static double bench_spawn_exit(int n) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  double t0 = now_ns();
  for (int i = 0; i < n; i++) check(fx_spawn(rt, &quitter, FX_NIL, NULL, NULL), "spawn");
  double t1 = now_ns();
  fx_runtime_free(rt);
  return (t1 - t0) / n;
}

static double bench_idle_memory(int n) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  size_t before = fx_runtime_memory(rt);
  for (int i = 0; i < n; i++) check(fx_spawn(rt, &idler, FX_NIL, NULL, NULL), "spawn");
  size_t after = fx_runtime_memory(rt);
  fx_runtime_free(rt);
  return (double)(after - before) / n;
}

/* ---- registry lookup ---- */

static double bench_whereis(int names, int lookups) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  fx_term_t *atoms = malloc(sizeof *atoms * (size_t)names);
  for (int i = 0; i < names; i++) {
    char buf[32];
    fx_pid_t pid;
    snprintf(buf, sizeof buf, "name_%d", i);
    check(fx_atom_cstr(rt, buf, &atoms[i]), "atom");
    check(fx_spawn(rt, &idler, FX_NIL, NULL, &pid), "spawn");
    check(fx_register(rt, atoms[i], pid), "register");
  }
  fx_pid_t sum = 0, pid;
  double t0 = now_ns();
  for (int i = 0; i < lookups; i++) {
    fx_whereis(rt, atoms[(int)(((long long)i * 7919) % names)], &pid);
    sum += pid;
  }
  double t1 = now_ns();
  free(atoms);
  fx_runtime_free(rt);
  if (sum == 42) puts("");
  return (t1 - t0) / lookups;
}

/* ---- GenServer call ---- */

static int counter_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  (void)self, (void)from;
  int64_t *n = state;
  *n += fx_small_value(req);
  *reply = fx_small(*n);
  return FX_OK;
}

static const fx_gen_server_t counter = {"counter", sizeof(int64_t), NULL, counter_call, NULL, NULL, NULL, NULL};

static void on_reply(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  (void)rt, (void)value;
  if (status) exit(2);
  (*(int *)ud)++;
}

static void count_event(void *ud, const fx_trace_event_t *ev) {
  (void)ev;
  (*(int *)ud)++;
}

/* From outside any process: fx_call, then the loop runs the server and
 * completes the call. traced: with a trace hook (that counts) installed. */
static double bench_call(int n, int traced) {
  fx_runtime_t *rt;
  int events = 0;
  check(fx_runtime_new(NULL, &rt), "runtime");
  if (traced) check(fx_trace(rt, count_event, &events), "trace");
  fx_pid_t srv;
  check(fx_gen_server_start(rt, &counter, FX_NIL, NULL, &srv), "start");
  int done = 0;
  double t0 = now_ns();
  for (int i = 0; i < n; i++) {
    check(fx_call(rt, fx_pid_term(srv), fx_small(1), 5000, on_reply, &done, NULL), "call");
    fx_run(rt, FX_RUN_NOWAIT);
  }
  double t1 = now_ns();
  if (done != n || (traced && events < 2 * n)) exit(3);
  fx_runtime_free(rt);
  return (t1 - t0) / n;
}

/* ---- a supervisor restarting a crashed child ---- */

static int crash_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)self, (void)state, (void)r;
  return FX_EINVAL; /* any message crashes it */
}

static const fx_behaviour_t crasher = {"crasher", 0, idle_init, crash_handle, NULL, NULL};

static void on_children(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  (void)rt, (void)status;
  *(fx_pid_t *)ud = fx_term_pid(fx_tuple_get(fx_head(value), 1));
}

static double bench_restart(int n) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  fx_child_spec_t child = {.id = FX_ATOM(OK), .behaviour = &crasher, .restart = FX_PERMANENT, .shutdown_ms = 1000};
  fx_supervisor_spec_t spec = {FX_ONE_FOR_ONE, (uint32_t)n + 1, 5, &child, 1};
  fx_pid_t sup, kid = 0;
  check(fx_supervisor_start(rt, &spec, NULL, &sup), "supervisor");
  double total = 0;
  for (int i = 0; i < n; i++) {
    check(fx_supervisor_which_children(rt, sup, 5000, on_children, &kid), "which_children");
    fx_run(rt, FX_RUN_IDLE);
    double t0 = now_ns();
    fx_send(rt, fx_pid_term(kid), FX_NIL); /* crash; the supervisor restarts it */
    fx_run(rt, FX_RUN_IDLE);
    total += now_ns() - t0;
  }
  fx_runtime_free(rt);
  return total / n;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 7;
  if (reps < 1 || reps > 99) reps = 7;
  const char *only = argc > 2 ? argv[2] : NULL;
  double v[99];
#define ROW(label, unit, expr)                                                 \
  do {                                                                         \
    if (only && !strstr(label, only)) break;                                   \
    for (int r = 0; r < reps; r++) v[r] = (expr);                              \
    printf("%-52s %10.1f %s\n", label, median(v, reps), unit);                 \
    fflush(stdout);                                                            \
  } while (0)
  printf("fauxtp %s native benchmark, median of %d runs\n", FAUXTP_VERSION, reps);
  ROW("send->receive {tag, N} between two processes", "ns/msg", bench_pingpong(only ? 100000 : 1000000));
  ROW("selective receive, 1000 non-matching queued ahead", "ns/match", bench_selective(1000, 20000));
  ROW("selective receive, no backlog", "ns/match", bench_selective(0, 20000));
  ROW("spawn + exit", "ns/process", bench_spawn_exit(200000));
  ROW("memory per idle process", "bytes", bench_idle_memory(100000));
  ROW("registry lookup (whereis), 10000 names", "ns/lookup", bench_whereis(10000, 1000000));
  ROW("GenServer call round trip (C, from outside)", "ns/call", bench_call(only ? 20000 : 200000, 0));
  ROW("GenServer call round trip, a trace hook installed", "ns/call", bench_call(only ? 20000 : 200000, 1));
  ROW("supervisor restarts a crashed child", "ns/restart", bench_restart(only ? 2000 : 20000));
  return 0;
}
