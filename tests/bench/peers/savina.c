/* Savina-style workloads on fauxtp's C actors, for the side-by-side
 * benchmark with peer runtimes (tests/bench/peers/README.md). The same
 * source runs natively, as wasm under Node (Emscripten) and under Wasmtime
 * (WASI); tests/bench/peers/run.mjs passes the parameters from
 * workloads.json and reads the one JSON line each invocation prints:
 *
 *   fx-savina WORKLOAD [reps=R] [warmup=W] [key=value]...
 *   {"workload":"pingpong","params":{"n":200000},"times_ms":[...],"result":200000}
 *
 * Workloads (each time covers spawning, messaging and completion):
 *   pingpong   n            n round trips {ping, From} -> pong; result: pongs received
 *   threadring actors hops  a token passed hops times around a ring; result:
 *                           the index of the member holding it at the end (hops % actors)
 *   counting   n            n increments to one counter, then {get, From}; result: the count
 *   forkjoin   n            spawn n actors, send each one message, each reports done and
 *                           exits; result: done messages received
 *   big        actors pings each actor sends `pings` pings, one at a time, to random peers
 *                           (MINSTD, seeded with its index + 1) who answer pong; result: pongs
 *   call       k            k sequential calls to a counter GenServer; result: the last reply
 *   memory     n            bytes per idle process, the core's own count (no times)
 *
 * Every workload checks its result against what its parameters predict and
 * exits 1 when they differ, so a broken runtime cannot post a fast time. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fauxtp/fauxtp.h"

#define MAX_REPS 50
#define MAX_PARAMS 4

typedef struct params {
  int n;
  const char *key[MAX_PARAMS];
  int64_t val[MAX_PARAMS];
} params_t;

static int64_t param_or(const params_t *p, const char *key, int64_t fallback) {
  for (int i = 0; i < p->n; i++)
    if (!strcmp(p->key[i], key)) return p->val[i];
  return fallback;
}

static int64_t param(const params_t *p, const char *key) {
  int64_t v = param_or(p, key, -1);
  if (v < 0) {
    fprintf(stderr, "fx-savina: missing parameter %s\n", key);
    exit(2);
  }
  return v;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void check(int err, const char *what) {
  if (err < 0) {
    fprintf(stderr, "fx-savina: %s: %s\n", what, fx_strerror(err));
    exit(1);
  }
}

/* What one run shares with its actors: the runtime, atoms, pids, and the
 * result the last actor writes. */
typedef struct ctx {
  fx_runtime_t *rt;
  fx_term_t ping, pong, inc, get, go, done;
  const params_t *p;
  int64_t n, actors, hops, pings, k; /* the parameters, read once (0: absent) */
  fx_pid_t *pids;
  int next_index; /* the index the next spawned actor takes */
  fx_pid_t peer;
  int64_t result;
} ctx_t;

static ctx_t *ctx_of(fx_term_t arg) { return (ctx_t *)(uintptr_t)fx_small_value(arg); }
static fx_term_t ctx_arg(ctx_t *c) { return fx_small((int64_t)(uintptr_t)c); }

/* Every actor's state starts with its context and index. */
typedef struct actor {
  ctx_t *c;
  int index;
  int64_t count, sent;
  uint32_t rng;
} actor_t;

static int actor_init(fx_proc_t *self, void *state, fx_term_t arg) {
  actor_t *a = state;
  a->c = ctx_of(arg);
  a->index = a->c->next_index++;
  a->rng = (uint32_t)a->index + 1;
  return fx_receive(self, NULL, FX_INFINITY);
}

static int send2(fx_proc_t *self, fx_pid_t to, fx_term_t a, fx_term_t b) {
  fx_term_t msg;
  int err = fx_tuple2(fx_proc_heap(self), a, b, &msg);
  return err ? err : fx_send(fx_proc_runtime(self), fx_pid_term(to), msg);
}

/* ---- pingpong ---- */

static int ponger_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  ctx_t *c = ((actor_t *)state)->c;
  fx_term_t m = r->message; /* {ping, From} */
  int err = fx_send(fx_proc_runtime(self), fx_tuple_get(m, 1), c->pong);
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static int pinger_init(fx_proc_t *self, void *state, fx_term_t arg) {
  actor_t *a = state;
  a->c = ctx_of(arg);
  int err = send2(self, a->c->peer, a->c->ping, fx_pid_term(fx_self(self)));
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static int pinger_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  actor_t *a = state;
  if (r->message != a->c->pong) return FX_EINVAL;
  if (++a->count == a->c->n) {
    a->c->result = a->count;
    return FX_OK; /* done: exits */
  }
  int err = send2(self, a->c->peer, a->c->ping, fx_pid_term(fx_self(self)));
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t ponger = {"ponger", sizeof(actor_t), actor_init, ponger_handle, NULL, NULL};
static const fx_behaviour_t pinger = {"pinger", sizeof(actor_t), pinger_init, pinger_handle, NULL, NULL};

static void run_pingpong(ctx_t *c) {
  check(fx_spawn(c->rt, &ponger, ctx_arg(c), NULL, &c->peer), "spawn");
  check(fx_spawn(c->rt, &pinger, ctx_arg(c), NULL, NULL), "spawn");
  check(fx_run(c->rt, FX_RUN_IDLE), "run");
}

static int64_t expect_pingpong(const params_t *p) { return param(p, "n"); }

/* ---- threadring ---- */

static int member_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  actor_t *a = state;
  int64_t left = fx_small_value(r->message);
  if (left == 0) {
    a->c->result = a->index;
  } else {
    int actors = (int)a->c->actors;
    int err = fx_send(fx_proc_runtime(self), fx_pid_term(a->c->pids[(a->index + 1) % actors]), fx_small(left - 1));
    if (err) return err;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t member = {"ring_member", sizeof(actor_t), actor_init, member_handle, NULL, NULL};

static void run_threadring(ctx_t *c) {
  int actors = (int)c->actors;
  for (int i = 0; i < actors; i++) check(fx_spawn(c->rt, &member, ctx_arg(c), NULL, &c->pids[i]), "spawn");
  check(fx_send(c->rt, fx_pid_term(c->pids[0]), fx_small(c->hops)), "send");
  check(fx_run(c->rt, FX_RUN_IDLE), "run");
}

static int64_t expect_threadring(const params_t *p) { return param(p, "hops") % param(p, "actors"); }

/* ---- counting ---- */

static int counter_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  actor_t *a = state;
  if (r->message == a->c->inc) {
    a->count++;
  } else { /* {get, From} */
    int err = send2(self, fx_term_pid(fx_tuple_get(r->message, 1)), a->c->done, fx_small(a->count));
    if (err) return err;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

/* The producer sends everything from init, then waits for the count. */
static int producer_init(fx_proc_t *self, void *state, fx_term_t arg) {
  actor_t *a = state;
  a->c = ctx_of(arg);
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t to = fx_pid_term(a->c->peer);
  for (int64_t i = a->c->n; i > 0; i--) check(fx_send(rt, to, a->c->inc), "send");
  int err = send2(self, a->c->peer, a->c->get, fx_pid_term(fx_self(self)));
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static int producer_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)self;
  ((actor_t *)state)->c->result = fx_small_value(fx_tuple_get(r->message, 1));
  return FX_OK;
}

static const fx_behaviour_t counter = {"counter", sizeof(actor_t), actor_init, counter_handle, NULL, NULL};
static const fx_behaviour_t producer = {"producer", sizeof(actor_t), producer_init, producer_handle, NULL, NULL};

static void run_counting(ctx_t *c) {
  check(fx_spawn(c->rt, &counter, ctx_arg(c), NULL, &c->peer), "spawn");
  check(fx_spawn(c->rt, &producer, ctx_arg(c), NULL, NULL), "spawn");
  check(fx_run(c->rt, FX_RUN_IDLE), "run");
}

static int64_t expect_counting(const params_t *p) { return param(p, "n"); }

/* ---- forkjoin ---- */

static int worker_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  /* {go, Collector}: report and exit */
  return fx_send(fx_proc_runtime(self), fx_tuple_get(r->message, 1), ((actor_t *)state)->c->done);
}

static const fx_behaviour_t worker = {"worker", sizeof(actor_t), actor_init, worker_handle, NULL, NULL};

static int collector_init(fx_proc_t *self, void *state, fx_term_t arg) {
  actor_t *a = state;
  a->c = ctx_of(arg);
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t go;
  check(fx_tuple2(fx_proc_heap(self), a->c->go, fx_pid_term(fx_self(self)), &go), "tuple");
  for (int64_t i = a->c->n; i > 0; i--) {
    fx_pid_t w;
    check(fx_spawn(rt, &worker, arg, NULL, &w), "spawn");
    check(fx_send(rt, fx_pid_term(w), go), "send");
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static int collector_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  actor_t *a = state;
  if (r->message != a->c->done) return FX_EINVAL;
  if (++a->count == a->c->n) {
    a->c->result = a->count;
    return FX_OK;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t collector = {"collector", sizeof(actor_t), collector_init, collector_handle, NULL, NULL};

static void run_forkjoin(ctx_t *c) {
  check(fx_spawn(c->rt, &collector, ctx_arg(c), NULL, NULL), "spawn");
  check(fx_run(c->rt, FX_RUN_IDLE), "run");
}

static int64_t expect_forkjoin(const params_t *p) { return param(p, "n"); }

/* ---- big ---- */

/* MINSTD (Park-Miller): the same sequence in every runner. */
static uint32_t minstd(uint32_t *x) {
  *x = (uint32_t)(((uint64_t)*x * 48271u) % 2147483647u);
  return *x;
}

static int big_ping(fx_proc_t *self, actor_t *a) {
  int actors = (int)a->c->actors;
  a->sent++;
  return send2(self, a->c->pids[minstd(&a->rng) % (uint32_t)actors], a->c->ping, fx_pid_term(fx_self(self)));
}

static int big_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  actor_t *a = state;
  ctx_t *c = a->c;
  fx_term_t m = r->message;
  int err = FX_OK;
  if (m == c->go) {
    err = big_ping(self, a);
  } else if (m == c->pong) {
    c->result++;
    if (++a->count < c->pings) err = big_ping(self, a);
  } else { /* {ping, From} */
    err = fx_send(fx_proc_runtime(self), fx_tuple_get(m, 1), c->pong);
  }
  return err ? err : fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t big_actor = {"big", sizeof(actor_t), actor_init, big_handle, NULL, NULL};

static void run_big(ctx_t *c) {
  int actors = (int)c->actors;
  for (int i = 0; i < actors; i++) check(fx_spawn(c->rt, &big_actor, ctx_arg(c), NULL, &c->pids[i]), "spawn");
  for (int i = 0; i < actors; i++) check(fx_send(c->rt, fx_pid_term(c->pids[i]), c->go), "send");
  check(fx_run(c->rt, FX_RUN_IDLE), "run");
}

static int64_t expect_big(const params_t *p) { return param(p, "actors") * param(p, "pings"); }

/* ---- call ---- */

static int counter_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  (void)self, (void)from, (void)req;
  int64_t *n = state;
  *reply = fx_small(++*n);
  return FX_OK;
}

static const fx_gen_server_t call_counter = {"counter", sizeof(int64_t), NULL, counter_call, NULL, NULL, NULL, NULL};

static void on_reply(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  (void)rt;
  check(status, "call");
  ((ctx_t *)ud)->result = fx_small_value(value);
}

/* From the host, one call at a time: call, run the loop until the reply
 * (as a host drives the loop; the reply callback could also make the next
 * call itself). */
static void run_call(ctx_t *c) {
  check(fx_gen_server_start(c->rt, &call_counter, FX_NIL, NULL, &c->peer), "start");
  for (int64_t i = 1; i <= c->k; i++) {
    check(fx_call(c->rt, fx_pid_term(c->peer), c->inc, 5000, on_reply, c, NULL), "call");
    check(fx_run(c->rt, FX_RUN_IDLE), "run");
    if (c->result != i) break; /* the checksum reports it */
  }
}

static int64_t expect_call(const params_t *p) { return param(p, "k"); }

/* ---- memory per idle process ---- */

static const fx_behaviour_t idler = {"idler", sizeof(actor_t), actor_init, ponger_handle, NULL, NULL};

static double idle_memory(const params_t *p) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  ctx_t c = {.rt = rt, .p = p};
  int64_t n = param(p, "n");
  size_t before = fx_runtime_memory(rt);
  for (int64_t i = 0; i < n; i++) check(fx_spawn(rt, &idler, ctx_arg(&c), NULL, NULL), "spawn");
  check(fx_run(rt, FX_RUN_IDLE), "run");
  size_t after = fx_runtime_memory(rt);
  if (fx_process_count(rt) != (size_t)n) exit(1);
  fx_runtime_free(rt);
  return (double)(after - before) / (double)n;
}

/* ---- driver ---- */

typedef struct workload {
  const char *name;
  void (*run)(ctx_t *c);
  int64_t (*expect)(const params_t *p);
} workload_t;

static const workload_t workloads[] = {
  {"pingpong", run_pingpong, expect_pingpong},
  {"threadring", run_threadring, expect_threadring},
  {"counting", run_counting, expect_counting},
  {"forkjoin", run_forkjoin, expect_forkjoin},
  {"big", run_big, expect_big},
  {"call", run_call, expect_call},
};

/* One run in a fresh runtime: its time in ms; *result gets the checksum. */
static double run_once(const workload_t *w, const params_t *p, int64_t *result) {
  fx_runtime_t *rt;
  check(fx_runtime_new(NULL, &rt), "runtime");
  ctx_t c = {.rt = rt, .p = p};
  fx_atom_cstr(rt, "ping", &c.ping);
  fx_atom_cstr(rt, "pong", &c.pong);
  fx_atom_cstr(rt, "increment", &c.inc);
  fx_atom_cstr(rt, "get", &c.get);
  fx_atom_cstr(rt, "go", &c.go);
  fx_atom_cstr(rt, "done", &c.done);
  c.n = param_or(p, "n", 0), c.actors = param_or(p, "actors", 0), c.hops = param_or(p, "hops", 0);
  c.pings = param_or(p, "pings", 0), c.k = param_or(p, "k", 0);
  c.pids = calloc(c.actors ? (size_t)c.actors : 1, sizeof *c.pids);
  if (!c.pids) exit(1);
  double t0 = now_ms();
  w->run(&c);
  double dt = now_ms() - t0;
  free(c.pids);
  fx_runtime_free(rt);
  *result = c.result;
  return dt;
}

static void print_params(const params_t *p) {
  printf("\"params\":{");
  for (int i = 0; i < p->n; i++) printf("%s\"%s\":%" PRId64, i ? "," : "", p->key[i], p->val[i]);
  printf("}");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s WORKLOAD [reps=R] [warmup=W] [key=value]...\n", argv[0]);
    return 2;
  }
  params_t p = {0};
  long reps = 5, warmup = 1;
  for (int i = 2; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) return 2;
    *eq = '\0';
    long long v = strtoll(eq + 1, NULL, 10);
    if (!strcmp(argv[i], "reps")) reps = (long)v;
    else if (!strcmp(argv[i], "warmup")) warmup = (long)v;
    else if (p.n < MAX_PARAMS) p.key[p.n] = argv[i], p.val[p.n++] = v;
    else return 2;
  }
  if (reps < 1 || reps > MAX_REPS || warmup < 0) return 2;
  if (!strcmp(argv[1], "memory")) {
    double bytes = idle_memory(&p);
    printf("{\"workload\":\"memory\",");
    print_params(&p);
    printf(",\"bytes_per_process\":%.1f}\n", bytes);
    return 0;
  }
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++) {
    const workload_t *w = &workloads[i];
    if (strcmp(w->name, argv[1])) continue;
    int64_t expect = w->expect(&p), result = 0;
    double times[MAX_REPS];
    for (long r = 0; r < warmup + reps; r++) {
      double t = run_once(w, &p, &result);
      if (result != expect) {
        fprintf(stderr, "fx-savina: %s: result %" PRId64 ", expected %" PRId64 "\n", w->name, result, expect);
        return 1;
      }
      if (r >= warmup) times[r - warmup] = t;
    }
    printf("{\"workload\":\"%s\",", w->name);
    print_params(&p);
    printf(",\"times_ms\":[");
    for (long r = 0; r < reps; r++) printf("%s%.3f", r ? "," : "", times[r]);
    printf("],\"result\":%" PRId64 "}\n", result);
    return 0;
  }
  fprintf(stderr, "fx-savina: unknown workload %s\n", argv[1]);
  return 2;
}
