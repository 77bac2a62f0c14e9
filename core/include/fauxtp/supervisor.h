/* Supervisor: starts children in order, restarts them by strategy and
 * restart type within a restart intensity, stops them in reverse order,
 * each given its shutdown time before it is killed (OTP's supervisor).
 *
 * A child is a C behaviour, a C GenServer, a nested supervisor, or anything
 * a start function makes: hosts (JavaScript) supervise their actors by
 * giving a start function that spawns one and returns its pid. */
#ifndef FAUXTP_SUPERVISOR_H
#define FAUXTP_SUPERVISOR_H

#include "fauxtp/gen_server.h"
#include "fauxtp/process.h"

typedef enum fx_strategy {
  FX_ONE_FOR_ONE = 0, /* restart the child that exited */
  FX_ONE_FOR_ALL = 1, /* stop the others, restart all */
  FX_REST_FOR_ONE = 2 /* stop those started after it, restart it and them */
} fx_strategy_t;

typedef enum fx_restart {
  FX_PERMANENT = 0, /* always restarted */
  FX_TRANSIENT = 1, /* restarted after an abnormal exit only */
  FX_TEMPORARY = 2  /* never restarted */
} fx_restart_t;

/* Starts a child linked to `sup` and writes its pid (a negative return
 * means it did not start). Returns 1 when the child's init goes on after
 * this returns (a host's actor): the child then sends `sup` the message
 * {'$fx_child_started', Pid} once its init is over (fx_host_started), and
 * exits if it fails. */
typedef int (*fx_child_start_fn)(fx_runtime_t *rt, void *ud, fx_pid_t sup, fx_term_t arg, fx_pid_t *out);

typedef struct fx_supervisor_spec fx_supervisor_spec_t;

typedef struct fx_child_spec {
  fx_term_t id; /* any term, unique among the children; copied */
  /* Exactly one of these four says how to start the child. */
  const fx_behaviour_t *behaviour;
  const fx_gen_server_t *gen_server;
  const fx_supervisor_spec_t *supervisor;
  fx_child_start_fn start;
  void *start_ud;
  fx_term_t arg; /* passed to init or start; copied (FX_NONE: []) */
  fx_restart_t restart;
  /* Milliseconds between the shutdown signal and `kill`; 0 kills at once
   * (brutal_kill); FX_INFINITY waits. Default if negative other than
   * FX_INFINITY: invalid. */
  int64_t shutdown_ms;
} fx_child_spec_t;

struct fx_supervisor_spec {
  fx_strategy_t strategy;
  uint32_t max_restarts; /* more restarts than this within max_seconds stop the supervisor */
  uint32_t max_seconds;
  const fx_child_spec_t *children;
  size_t nchildren;
};

/* Starts a supervisor and its children, one at a time, in order (as OTP's:
 * restarts too). If a child fails to start, the ones started are stopped
 * and this returns FX_ECALLBACK. A child whose init goes on (its start
 * function returned 1) holds the next start back until it acknowledges
 * (fx_host_started); the supervisor answers no query and handles no exit
 * meanwhile. Exiting before that, it fails the start: the supervisor stops
 * the children started before it and exits with
 * {shutdown, {failed_to_start_child, Id, Reason}} (Reason: the child's
 * exit reason, or the name of the error that failed a later start).
 * An invalid spec (a child with no or two ways to start, a bad restart
 * type or shutdown time, a repeated id) is FX_EINVAL, and nothing starts. */
int fx_supervisor_start(fx_runtime_t *rt, const fx_supervisor_spec_t *spec, const fx_spawn_opts_t *opts, fx_pid_t *out);

/* Queries and operations: calls to the supervisor, completed through cb.
 *  which_children -> [{Id, Pid | undefined}], in start order
 *  count_children -> #{specs => N, active => N, supervisors => N, workers => N}
 *  terminate_child(Id) -> ok | {error, not_found}
 *  restart_child(Id) -> {ok, Pid} | {error, running} | {error, not_found}
 *                       | {error, Reason}: a child whose init goes on is
 *                       answered once it acknowledges; exiting first, it
 *                       stays stopped, not restarted */
int fx_supervisor_which_children(fx_runtime_t *rt, fx_pid_t sup, int64_t timeout_ms, fx_call_cb cb, void *ud);
int fx_supervisor_count_children(fx_runtime_t *rt, fx_pid_t sup, int64_t timeout_ms, fx_call_cb cb, void *ud);
int fx_supervisor_terminate_child(fx_runtime_t *rt, fx_pid_t sup, fx_term_t id, int64_t timeout_ms, fx_call_cb cb, void *ud);
int fx_supervisor_restart_child(fx_runtime_t *rt, fx_pid_t sup, fx_term_t id, int64_t timeout_ms, fx_call_cb cb, void *ud);

#endif
