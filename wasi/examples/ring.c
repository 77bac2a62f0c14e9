/* ring: a message-passing benchmark. N processes form a ring and pass a
 * token around it for M hops; each run times the hops and reports messages
 * per second, and the program prints the median of RUNS runs.
 *
 *   wasmtime build/wasi/wasi/fx-example-ring.wasm [N [M [RUNS]]]
 *   build/release/wasi/fx-example-ring [N [M [RUNS]]]
 *
 * Defaults: N=1000 processes, M=1000000 hops, RUNS=5. The last line reads
 * "median: R msg/s (T ns/msg)"; tests/bench/ring-ratio.sh compares the
 * native figure with Wasmtime's. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fauxtp/fauxtp.h"

#define MAX_RUNS 101

/* A ring member. The token is the number of hops left: a member that gets
 * K > 0 passes K - 1 to the next one; 0 ends the run. The first member is
 * spawned before the others exist, so it learns its neighbour from a
 * message (the neighbour's pid). */
typedef struct member {
  fx_term_t next;
} member_t;

static int member_init(fx_proc_t *self, void *state, fx_term_t arg) {
  ((member_t *)state)->next = arg;
  return fx_receive(self, NULL, FX_INFINITY);
}

static int member_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  member_t *m = state;
  if (fx_is_local_pid(r->message)) {
    m->next = r->message;
  } else if (fx_small_value(r->message) > 0) {
    int err = fx_send(fx_proc_runtime(self), m->next, fx_small(fx_small_value(r->message) - 1));
    if (err) return err;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t member = {
  .name = "ring_member", .state_size = sizeof(member_t),
  .init = member_init, .handle = member_handle,
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Spawns the ring; *first gets the member the token starts at. */
static int spawn_ring(fx_runtime_t *rt, long n, fx_pid_t *first) {
  fx_pid_t head, prev;
  int err = fx_spawn(rt, &member, FX_NIL, NULL, &head);
  prev = head;
  for (long i = n - 1; !err && i >= 1; i--) /* member i's next is member i+1 (mod n) */
    err = fx_spawn(rt, &member, fx_pid_term(prev), NULL, &prev);
  if (!err) err = fx_send(rt, fx_pid_term(head), fx_pid_term(prev));
  if (!err) err = fx_run(rt, FX_RUN_IDLE); /* the head takes its neighbour's pid */
  *first = head;
  return err < 0 ? err : FX_OK;
}

/* One run in a fresh runtime: the messages per second of m hops. */
static int run_once(long n, long m, double *rate) {
  fx_runtime_t *rt;
  fx_pid_t first;
  int err = fx_runtime_new(NULL, &rt);
  if (err) return err;
  err = spawn_ring(rt, n, &first);
  double t0 = now_seconds();
  if (!err) err = fx_send(rt, fx_pid_term(first), fx_small(m));
  if (!err) err = fx_run(rt, FX_RUN_DEFAULT); /* returns when the token stops */
  double dt = now_seconds() - t0;
  fx_runtime_free(rt);
  *rate = dt > 0 ? (double)m / dt : 0;
  return err < 0 ? err : FX_OK;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* argv[i] as a number in [lo, hi], or `fallback` when absent; -1 if bad. */
static long arg_or(int argc, char **argv, int i, long fallback, long lo, long hi) {
  if (argc <= i) return fallback;
  char *end;
  long v = strtol(argv[i], &end, 10);
  return end != argv[i] && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

int main(int argc, char **argv) {
  long n = arg_or(argc, argv, 1, 1000, 1, 1000000);
  long m = arg_or(argc, argv, 2, 1000000, 1, 1000000000L);
  long runs = arg_or(argc, argv, 3, 5, 1, MAX_RUNS);
  if (n < 0 || m < 0 || runs < 0) {
    fprintf(stderr, "usage: %s [N [M [RUNS]]]   (processes 1..1000000, hops 1..1e9, runs 1..%d)\n", argv[0], MAX_RUNS);
    return 2;
  }
  double rates[MAX_RUNS];
  printf("ring: %ld processes, %ld hops, %ld runs\n", n, m, runs);
  for (long i = 0; i < runs; i++) {
    int err = run_once(n, m, &rates[i]);
    if (err) {
      fprintf(stderr, "ring: %s\n", fx_strerror(err));
      return 1;
    }
    printf("run %ld: %.0f msg/s\n", i + 1, rates[i]);
  }
  qsort(rates, (size_t)runs, sizeof rates[0], compare_doubles);
  double median = rates[runs / 2];
  printf("median: %.0f msg/s (%.1f ns/msg)\n", median, median > 0 ? 1e9 / median : 0.0);
  return 0;
}
