/* A supervision tree that crashes and restarts workers, printing what
 * happens. Runs natively and under any WASI host:
 *
 *   wasmtime supervision.wasm
 *
 * The tree: a one_for_one root supervising a `counter` GenServer and a
 * rest_for_one team of three workers. A `chaos` process, on a timer, crashes
 * workers; the supervisors restart them; a crash storm then exceeds the
 * team's restart intensity and takes the team down, and the root starts a
 * fresh one. */
#include <stdio.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

static void print_term(fx_runtime_t *rt, const char *label, fx_term_t t) {
  char buf[256];
  fx_term_format(rt, t, buf, sizeof buf);
  printf("%s%s\n", label, buf);
}

/* ---- a worker: counts the messages it handles; `crash` crashes it ---- */

typedef struct worker {
  fx_term_t name;
  int64_t handled;
} worker_t;

static int worker_init(fx_proc_t *self, void *state, fx_term_t arg) {
  worker_t *w = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  w->name = arg;
  fx_register(rt, arg, fx_self(self));
  char pid[32];
  fx_term_format(rt, fx_pid_term(fx_self(self)), pid, sizeof pid);
  size_t len;
  printf("  start    %-8s %s\n", fx_atom_text(rt, arg, &len), pid);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int worker_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  worker_t *w = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_term_t crash;
  fx_atom_cstr(rt, "crash", &crash);
  if (r->message == crash) {
    size_t len;
    printf("  crash    %s\n", fx_atom_text(rt, w->name, &len));
    return fx_stop(self, crash);
  }
  w->handled++;
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t worker = {"worker", sizeof(worker_t), worker_init, worker_handle, NULL, NULL};

/* ---- chaos: crashes a named worker on each tick ---- */

typedef struct chaos {
  int tick;
} chaos_t;

static const char *const script[] = {"alpha", "beta", "alpha", "gamma", "beta", "beta", "beta", "beta", NULL};

static int chaos_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)state, (void)arg;
  return fx_receive(self, NULL, 100);
}

static int chaos_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  chaos_t *c = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  if (r->kind != FX_RECV_TIMEOUT) return fx_receive(self, NULL, 100);
  const char *victim = script[c->tick++];
  if (!victim) return FX_OK; /* done: exits normally */
  fx_term_t name, crash;
  fx_atom_cstr(rt, victim, &name);
  fx_atom_cstr(rt, "crash", &crash);
  printf("t=%dms chaos crashes %s\n", c->tick * 100, victim);
  if (fx_send(rt, name, crash) == FX_EBADNAME) printf("  (%s is not running)\n", victim);
  return fx_receive(self, NULL, 100);
}

static const fx_behaviour_t chaos = {"chaos", sizeof(chaos_t), chaos_init, chaos_handle, NULL, NULL};

/* ---- a GenServer child ---- */

static int counter_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  (void)self, (void)from, (void)req;
  *reply = fx_small(++*(int64_t *)state);
  return FX_OK;
}

static const fx_gen_server_t counter = {"counter", sizeof(int64_t), NULL, counter_call, NULL, NULL, NULL, NULL};

/* ---- watching the team supervisor ---- */

typedef struct watch {
  fx_pid_t team;
} watch_t;

static void on_children(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  (void)ud;
  if (status == FX_OK) print_term(rt, "root children: ", value);
}

int main(void) {
  fx_runtime_t *rt;
  if (fx_runtime_new(NULL, &rt) != FX_OK) return 1;
  fx_term_t alpha, beta, gamma, team, cnt;
  fx_atom_cstr(rt, "alpha", &alpha);
  fx_atom_cstr(rt, "beta", &beta);
  fx_atom_cstr(rt, "gamma", &gamma);
  fx_atom_cstr(rt, "team", &team);
  fx_atom_cstr(rt, "counter", &cnt);

  fx_child_spec_t workers[] = {
    {.id = alpha, .behaviour = &worker, .arg = alpha, .restart = FX_PERMANENT, .shutdown_ms = 500},
    {.id = beta, .behaviour = &worker, .arg = beta, .restart = FX_PERMANENT, .shutdown_ms = 500},
    {.id = gamma, .behaviour = &worker, .arg = gamma, .restart = FX_PERMANENT, .shutdown_ms = 500},
  };
  /* rest_for_one: a crash restarts the worker and those started after it;
   * more than 3 restarts within 1 s take the team down. */
  fx_supervisor_spec_t team_spec = {FX_REST_FOR_ONE, 3, 1, workers, 3};
  fx_child_spec_t root_children[] = {
    {.id = cnt, .gen_server = &counter, .restart = FX_PERMANENT, .shutdown_ms = 500},
    {.id = team, .supervisor = &team_spec, .restart = FX_PERMANENT, .shutdown_ms = FX_INFINITY},
  };
  fx_supervisor_spec_t root_spec = {FX_ONE_FOR_ONE, 5, 10, root_children, 2};

  printf("starting the tree: root(one_for_one) -> counter, team(rest_for_one) -> alpha, beta, gamma\n");
  fx_pid_t root, chaos_pid;
  int err = fx_supervisor_start(rt, &root_spec, NULL, &root);
  if (!err) err = fx_spawn(rt, &chaos, FX_NIL, NULL, &chaos_pid);
  if (err) {
    fprintf(stderr, "start failed: %s\n", fx_strerror(err));
    return 1;
  }
  fx_supervisor_which_children(rt, root, 1000, on_children, NULL);
  fx_run(rt, FX_RUN_DEFAULT); /* sleeps between timers; returns when all is idle */
  fx_supervisor_which_children(rt, root, 1000, on_children, NULL);
  fx_run(rt, FX_RUN_DEFAULT);
  printf("done: %zu processes alive\n", fx_process_count(rt));
  fx_runtime_free(rt);
  return 0;
}
