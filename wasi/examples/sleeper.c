/* sleeper: shows that the run loop sleeps instead of spinning while it waits
 * for a timer. One process waits for a message with a one-second timeout;
 * main runs fx_run(rt, FX_RUN_DEFAULT), which has nothing to do until then,
 * so it sleeps in the platform's sleep hook (poll_oneoff under WASI,
 * nanosleep natively) and then prints how long the wait took.
 *
 *   wasmtime build/wasi/wasi/fx-example-sleeper.wasm [MS]
 *   build/release/wasi/fx-example-sleeper [MS]
 *
 * MS is the timeout in milliseconds (default 1000). tests/examples/
 * check-idle.py runs it and checks that it took at least that long in wall
 * time but almost no CPU time. */
#include <stdio.h>
#include <stdlib.h>

#include "fauxtp/fauxtp.h"

/* The sleeper process: its arg is the timeout; it ends when it fires. */
static int sleeper_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)state;
  return fx_receive(self, NULL, fx_small_value(arg));
}

static int sleeper_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  (void)state;
  if (r->kind == FX_RECV_TIMEOUT) return FX_OK; /* done: exits normally */
  return fx_receive(self, NULL, FX_INFINITY);   /* not expected: no one sends */
}

static const fx_behaviour_t sleeper = {
  .name = "sleeper", .init = sleeper_init, .handle = sleeper_handle,
};

/* The timeout from argv[1]: 0..600000 ms, default 1000; -1 if malformed. */
static long parse_ms(int argc, char **argv) {
  if (argc < 2) return 1000;
  char *end;
  long ms = strtol(argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || ms < 0 || ms > 600000) return -1;
  return ms;
}

int main(int argc, char **argv) {
  long ms = parse_ms(argc, argv);
  if (ms < 0) {
    fprintf(stderr, "usage: %s [MS]   (0..600000, default 1000)\n", argv[0]);
    return 2;
  }
  fx_runtime_t *rt;
  int err = fx_runtime_new(NULL, &rt);
  if (err != FX_OK) {
    fprintf(stderr, "fx_runtime_new: %s\n", fx_strerror(err));
    return 1;
  }
  fx_pid_t pid;
  int64_t start = fx_update_time(rt);
  err = fx_spawn(rt, &sleeper, fx_small(ms), NULL, &pid);
  if (err == FX_OK) err = fx_run(rt, FX_RUN_DEFAULT); /* sleeps until the timer is due */
  int64_t slept = fx_update_time(rt) - start;
  fx_runtime_free(rt);
  if (err < 0) {
    fprintf(stderr, "sleeper: %s\n", fx_strerror(err));
    return 1;
  }
  if (err > 0) { /* the timer is still pending: no sleep hook (Emscripten) */
    fprintf(stderr, "sleeper: the loop cannot sleep on this platform; its host must wait for fx_next_timeout\n");
    return 1;
  }
  printf("slept %lld ms waiting for a %ld ms timer\n", (long long)slept, ms);
  return 0;
}
