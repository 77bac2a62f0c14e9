/* What the process-level tests share: a runtime on the manual clock, atoms
 * and pairs, a call's result and a call run to completion, pids as text,
 * and `logger`, a process that writes down what it receives.
 *
 *   fx_test_clock_t clock = {0};
 *   fx_runtime_t *rt = new_rt(&clock);
 *   logger_t l = {.limit = 1};
 *   fx_send(rt, fx_pid_term(spawn_logger(rt, &l)), atom(rt, "hi"));
 *   fx_run(rt, FX_RUN_IDLE);  (l.log is now "hi")
 */
#ifndef FX_TEST_SUPPORT_H
#define FX_TEST_SUPPORT_H

#include <stdio.h>
#include <string.h>

#include "fauxtp/fauxtp.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"

/* ---- runtime, terms ---- */

/* A runtime with the defaults and the manual clock (NULL if it fails). */
static inline fx_runtime_t *new_rt(fx_test_clock_t *clock) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_clock_config(&cfg, clock);
  fx_runtime_t *rt = NULL;
  fx_runtime_new(&cfg, &rt);
  return rt;
}

/* The same on alloc's counting allocator (fx_test_alloc.h), for the tests
 * that make allocations fail; returns fx_runtime_new's error. */
static inline int new_rt_alloc(fx_test_clock_t *clock, fx_test_alloc_t *alloc, fx_runtime_t **rt) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  fx_test_clock_config(&cfg, clock);
  fx_test_alloc_config(&cfg, alloc);
  return fx_runtime_new(&cfg, rt);
}

/* The atom named `text`, or FX_NONE. */
static inline fx_term_t atom(fx_runtime_t *rt, const char *text) {
  fx_term_t a = FX_NONE;
  return fx_atom_cstr(rt, text, &a) == FX_OK ? a : FX_NONE;
}

/* {a, b} on h, or FX_NONE. */
static inline fx_term_t pair(fx_heap_t *h, fx_term_t a, fx_term_t b) {
  fx_term_t t = FX_NONE;
  return fx_tuple2(h, a, b, &t) == FX_OK ? t : FX_NONE;
}

/* A pointer carried in a spawn or start argument, as a small integer. */
static inline fx_term_t ptr_arg(const void *p) { return fx_small((int64_t)(uintptr_t)p); }
static inline void *arg_ptr(fx_term_t arg) { return (void *)(uintptr_t)fx_small_value(arg); }

/* A local pid as the runtime prints it, "<0.Index.Gen>", in buf (32 chars). */
static inline char *pidtext(fx_pid_t pid, char *buf) {
  snprintf(buf, 32, "<0.%u.%u>", fx_pid_index(pid), fx_pid_gen(pid));
  return buf;
}

/* ---- calls ---- */

/* How a call (or a join, a supervisor query...) completed: on_call counts
 * the completions and keeps the last status and value, printed. */
typedef struct call_result {
  int done, status;
  char value[256];
} call_result_t;

static inline void on_call(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  call_result_t *r = ud;
  r->done++;
  r->status = status;
  fx_term_format(rt, value, r->value, sizeof r->value);
}

/* Calls pid with req (timeout 5000) and runs the loop until nothing is left
 * to do. A call that cannot start leaves done 0 and its error in status, and
 * does not run the loop. */
static inline call_result_t call(fx_runtime_t *rt, fx_pid_t pid, fx_term_t req) {
  call_result_t r = {0};
  int err = fx_call(rt, fx_pid_term(pid), req, 5000, on_call, &r, NULL);
  if (err != FX_OK) r.status = err;
  else fx_run(rt, FX_RUN_IDLE);
  return r;
}

/* ---- logger: a process that writes down what it receives ---- */

/* What a logger does, and what it saw. All zero: take any message, wait
 * forever, never stop. The test owns it; the process keeps a pointer. */
typedef struct logger {
  fx_pattern_t *pattern; /* receive only what matches (NULL: anything) */
  int64_t timeout;       /* receive timeout (spawn_logger: 0 is FX_INFINITY) */
  int limit;             /* exit normally after this many messages (0: never) */
  int timeout_limit;     /* exit normally after this many timeouts (0: never) */
  fx_term_t stop_with;   /* stop with this reason on the first message */
  int crash;             /* fail handle with FX_EINVAL on the first message */
  int stop_on_request;   /* {stop, Reason} makes it stop with Reason */
  int record_exit;       /* spawn_logger adds a terminate that fills the last three */
  int seen, timeouts;    /* messages, timeouts */
  char log[1024];        /* each message printed (or the one value the pattern
                            extracted), `timeout` for a timeout; space-separated */
  int downs;             /* 'DOWN' messages */
  char down_reason[128]; /* the last one's reason */
  int terminated, by_signal; /* terminate calls; fx_exiting_by_signal() in it */
  char reason[128];      /* terminate's reason */
} logger_t;

typedef struct logger_state {
  logger_t *l;
} logger_state_t;

static inline void logger_append(fx_runtime_t *rt, logger_t *l, fx_term_t t) {
  size_t n = strlen(l->log);
  if (n + 1 >= sizeof l->log) return; /* full */
  if (n) l->log[n++] = ' ';
  fx_term_format(rt, t, l->log + n, sizeof l->log - n);
}

/* {'DOWN', Ref, process, Pid, Reason}: counts it and keeps Reason. */
static inline void logger_note_down(fx_runtime_t *rt, logger_t *l, fx_term_t m) {
  if (!fx_is_tuple(m) || fx_tuple_arity(m) != 5 || fx_tuple_get(m, 0) != FX_ATOM(DOWN)) return;
  l->downs++;
  fx_term_format(rt, fx_tuple_get(m, 4), l->down_reason, sizeof l->down_reason);
}

/* {stop, Reason}: Reason, else FX_NONE. Compares the text: no atom is made. */
static inline fx_term_t logger_stop_request(fx_runtime_t *rt, fx_term_t m) {
  if (!fx_is_tuple(m) || fx_tuple_arity(m) != 2 || !fx_is_atom(fx_tuple_get(m, 0))) return FX_NONE;
  size_t len;
  const char *tag = fx_atom_text(rt, fx_tuple_get(m, 0), &len);
  return strcmp(tag, "stop") == 0 ? fx_tuple_get(m, 1) : FX_NONE;
}

static inline int logger_init(fx_proc_t *self, void *state, fx_term_t arg) {
  logger_t *l = ((logger_state_t *)state)->l = arg_ptr(arg);
  return fx_receive(self, l->pattern, l->timeout);
}

static inline int logger_handle(fx_proc_t *self, void *state, const fx_received_t *m) {
  logger_t *l = ((logger_state_t *)state)->l;
  fx_runtime_t *rt = fx_proc_runtime(self);
  if (m->kind == FX_RECV_TIMEOUT) {
    l->timeouts++;
    logger_append(rt, l, FX_ATOM(TIMEOUT));
    if (l->timeout_limit && l->timeouts >= l->timeout_limit) return FX_OK;
  } else {
    l->seen++;
    logger_append(rt, l, m->nextracted == 1 ? m->extracted[0] : m->message);
    logger_note_down(rt, l, m->message);
    if (l->crash) return FX_EINVAL;
    if (l->stop_with != FX_NONE) return fx_stop(self, l->stop_with);
    fx_term_t reason = l->stop_on_request ? logger_stop_request(rt, m->message) : FX_NONE;
    if (reason != FX_NONE) return fx_stop(self, reason);
  }
  if (l->limit && l->seen >= l->limit) return FX_OK; /* returns: exits normal */
  return fx_receive(self, l->pattern, l->timeout);
}

static inline void logger_terminate(fx_proc_t *self, void *state, fx_term_t reason) {
  logger_t *l = ((logger_state_t *)state)->l;
  l->terminated++;
  l->by_signal = fx_exiting_by_signal(self);
  fx_term_format(fx_proc_runtime(self), reason, l->reason, sizeof l->reason);
}

/* Spawned with ptr_arg(l). The plain one has no terminate callback, so its
 * exits run no test code (and a signalled exit allocates nothing for one);
 * spawn_logger picks the other when record_exit is set. */
static const fx_behaviour_t logger = {"logger", sizeof(logger_state_t), logger_init, logger_handle, NULL, NULL};
static const fx_behaviour_t logger_recording_exit = {"logger", sizeof(logger_state_t), logger_init, logger_handle,
                                                     logger_terminate, NULL};

/* Spawns a logger for l (0 if that fails); a zero timeout means FX_INFINITY
 * here: fx_spawn(rt, &logger, ptr_arg(l), ...) polls with a real 0. */
static inline fx_pid_t spawn_logger(fx_runtime_t *rt, logger_t *l) {
  fx_pid_t pid = 0;
  if (l->timeout == 0) l->timeout = FX_INFINITY;
  if (fx_spawn(rt, l->record_exit ? &logger_recording_exit : &logger, ptr_arg(l), NULL, &pid) != FX_OK) return 0;
  return pid;
}

#endif
