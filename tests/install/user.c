/* A user's program, built against an installed fauxtp (headers and
 * libfauxtp.a under a prefix) rather than the source tree: the install test
 * (tests/install/install-test.cmake) compiles it with
 *
 *   cc -std=c11 -I PREFIX/include user.c PREFIX/lib/libfauxtp.a
 *
 * (clang --target=wasm32-wasi for WASI, then run under Wasmtime) and checks
 * that it prints "installed fauxtp works". It starts a GenServer, calls it,
 * and round-trips the reply through the external term format. */
#include <stdio.h>
#include <string.h>

#include <fauxtp/fauxtp.h>

static int adder_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  int64_t *total = state;
  (void)self, (void)from;
  if (!fx_is_small(req)) return FX_EINVAL;
  *total += fx_small_value(req);
  *reply = fx_small(*total);
  return FX_OK;
}

static const fx_gen_server_t adder = {
  .name = "adder", .state_size = sizeof(int64_t), .handle_call = adder_call,
};

typedef struct result {
  int done, status;
  int64_t value;
} result_t;

static void on_reply(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  result_t *r = ud;
  (void)rt;
  r->done = 1;
  r->status = status;
  r->value = fx_is_small(value) ? fx_small_value(value) : -1;
}

/* Calls the adder with n and runs the loop until the reply is in. */
static int add(fx_runtime_t *rt, fx_pid_t pid, int64_t n, int64_t *total) {
  result_t r = {0, 0, 0};
  int err = fx_call(rt, fx_pid_term(pid), fx_small(n), 1000, on_reply, &r, NULL);
  while (!err && !r.done) { /* the call's timeout timer keeps the loop busy */
    int left = fx_run(rt, FX_RUN_ONCE);
    if (left < 0) err = left;
  }
  if (!err) err = r.status;
  *total = r.value;
  return err;
}

/* Encodes {ok, Total} and decodes it again. */
static int round_trip(fx_runtime_t *rt, fx_heap_t *h, int64_t total, char *text, size_t cap) {
  uint8_t buf[64];
  size_t len;
  fx_term_t t, back;
  int err = fx_tuple2(h, FX_ATOM(OK), fx_small(total), &t);
  if (!err) err = fx_etf_encode(rt, t, buf, sizeof buf, &len);
  if (!err) err = fx_etf_decode(rt, buf, len, h, &back);
  if (!err && !fx_term_equal(rt, t, back)) err = FX_EBADTERM;
  if (!err) fx_term_format(rt, back, text, cap);
  return err;
}

int main(void) {
  fx_runtime_t *rt = NULL;
  fx_heap_t *h = NULL;
  fx_pid_t pid;
  int64_t total = 0;
  char text[64] = "";
  int err = fx_runtime_new(NULL, &rt);
  if (!err) err = fx_heap_new(rt, &h);
  if (!err) err = fx_gen_server_start(rt, &adder, FX_NIL, NULL, &pid);
  for (int64_t n = 1; !err && n <= 3; n++) err = add(rt, pid, n, &total);
  if (!err) err = round_trip(rt, h, total, text, sizeof text);
  if (h) fx_heap_free(h);
  if (rt) fx_runtime_free(rt);
  if (err || strcmp(text, "{ok,6}") != 0) {
    fprintf(stderr, "user: %s (got %s)\n", fx_strerror(err), text);
    return 1;
  }
  printf("installed fauxtp works: %s (fauxtp %s)\n", text, FAUXTP_VERSION);
  return 0;
}
