/* Processes, behaviours, messaging, registry and timers.
 *
 * A process is addressed by its pid (slot index + generation, so the pid of
 * a dead process never reaches a newer one in the same slot). Its behaviour
 * is a set of C callbacks; a host (JavaScript) implements a behaviour the
 * same way, through callbacks that hand work to the host.
 *
 * A behaviour never blocks: `init` and `handle` say what the process waits
 * for next (fx_receive: a compiled pattern set and a timeout), and return.
 * When a queued message matches, `handle` runs with the clause index, the
 * extracted terms and the message. A `handle` that asks for nothing more
 * ends the process with reason `normal`.
 *
 * Terms handed to a callback (arg, message, extracted values) are valid until
 * the callback returns; keep them with fx_heap_copy. */
#ifndef FAUXTP_PROCESS_H
#define FAUXTP_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "fauxtp/pattern.h"
#include "fauxtp/runtime.h"
#include "fauxtp/term.h"

typedef struct fx_proc fx_proc_t;
typedef uint64_t fx_timer_t;

#define FX_INFINITY (-1)

typedef enum fx_recv_kind {
  FX_RECV_MESSAGE = 0, /* a message matched clause `clause` */
  FX_RECV_TIMEOUT = 1, /* the receive's timeout passed with no match */
  FX_RECV_RESUME = 2   /* the process yielded and runs again */
} fx_recv_kind_t;

typedef struct fx_received {
  fx_recv_kind_t kind;
  int clause;
  size_t nextracted;
  const fx_term_t *extracted;
  fx_term_t message;
} fx_received_t;

typedef struct fx_behaviour {
  const char *name; /* shown by introspection: "gen_server", "worker", ... */
  size_t state_size; /* bytes of zeroed per-process state the core owns */
  /* Runs inside fx_spawn. A negative return fails the spawn (the process
   * exits with {callback_failed, init, ErrName}). */
  int (*init)(fx_proc_t *self, void *state, fx_term_t arg);
  /* Runs for each match, timeout or resume. A negative return crashes the
   * process with {callback_failed, handle_info, ErrName}. */
  int (*handle)(fx_proc_t *self, void *state, const fx_received_t *r);
  /* Runs when the process stops itself or crashes, and on exit signals it
   * traps or that a supervisor sends, never on `kill` (may be NULL). */
  void (*terminate)(fx_proc_t *self, void *state, fx_term_t reason);
  /* Frees what state points at; runs on every exit, `kill` included, and
   * when the runtime is freed (may be NULL): then the processes freed
   * before it are gone, and spawning, links, monitors and exit signals
   * fail with FX_ESTATE. */
  void (*destroy)(fx_runtime_t *rt, void *state);
} fx_behaviour_t;

typedef struct fx_spawn_opts {
  fx_pid_t link;       /* link to this pid (0: none) */
  fx_term_t name;      /* register under this atom (FX_NONE: none) */
  int trap_exit;
} fx_spawn_opts_t;

/* Starts a process; its init runs before this returns. On failure *out is
 * untouched and the error is init's (FX_ECALLBACK) or the core's. */
int fx_spawn(fx_runtime_t *rt, const fx_behaviour_t *b, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out);

/* ---- inside a callback ---- */

fx_pid_t fx_self(const fx_proc_t *p);
fx_runtime_t *fx_proc_runtime(const fx_proc_t *p);
/* A scratch heap for building terms, emptied after each callback returns. */
fx_heap_t *fx_proc_heap(fx_proc_t *p);
/* Waits next for a message matching `pattern` (NULL: any message), or
 * `timeout_ms` (FX_INFINITY: forever). The pattern must outlive the wait. */
int fx_receive(fx_proc_t *p, const fx_pattern_t *pattern, int64_t timeout_ms);
/* Asks to run again (FX_RECV_RESUME) after the other runnable processes. */
int fx_yield(fx_proc_t *p);
/* Stops the process with `reason` once the callback returns. */
int fx_stop(fx_proc_t *p, fx_term_t reason);
/* Keeps the process alive with no receive posted: its host will post one
 * later through fx_proc_receive (host-implemented behaviours). */
int fx_hold(fx_proc_t *p);
/* In terminate: 1 when the process is ending because of an exit signal it
 * did not trap (Erlang's behaviours skip their cleanup then). */
int fx_exiting_by_signal(const fx_proc_t *p);

/* ---- from anywhere (host code, or a callback about another process) ---- */

int fx_is_alive(const fx_runtime_t *rt, fx_pid_t pid);
/* Messages waiting in pid's mailbox. */
int fx_mailbox_length(const fx_runtime_t *rt, fx_pid_t pid, size_t *out);
size_t fx_process_count(const fx_runtime_t *rt);

/* Delivers a copy of msg to a pid or a registered name (an atom). A dead pid
 * drops the message (FX_OK); an unregistered name is FX_EBADNAME. */
int fx_send(fx_runtime_t *rt, fx_term_t to, fx_term_t msg);
/* fx_send of an ETF-encoded message, decoded straight into the message's
 * one allocation (how hosts send: no intermediate term). Malformed bytes
 * are refused with the decoder's error and nothing is delivered. */
int fx_send_etf(fx_runtime_t *rt, fx_term_t to, const uint8_t *etf, size_t len);
/* Delivers {'$gen_cast', req}. */
int fx_cast(fx_runtime_t *rt, fx_term_t to, fx_term_t req);

/* The outcome of a call: status FX_OK with the reply, FX_ETIMEDOUT, or
 * FX_EEXIT with the target's exit reason (noproc when it was already dead).
 * `value` is valid during the callback only. The callback runs outside any
 * process (also when the server's reply runs it): it may make the next
 * call, to the same server too. */
typedef void (*fx_call_cb)(fx_runtime_t *rt, void *ud, int status, fx_term_t value);

/* Sends {'$gen_call', {CallerPid, Ref}, req} to `to` and completes `cb`
 * exactly once: with the reply, with the target's exit reason as soon as it
 * dies (it is monitored), or with FX_ETIMEDOUT after timeout_ms, counted
 * from the runtime's next reading of its clock (at the latest the next run
 * pass; fx_update_time reads it): never less than timeout_ms after
 * fx_call, which reads no clock itself. A reply
 * that comes later is dropped. If this returns an error, cb never runs:
 * FX_EBADNAME for an unregistered name, FX_ENOPROC for a dead pid (the
 * caller reports that as the exit reason noproc). */
int fx_call(fx_runtime_t *rt, fx_term_t to, fx_term_t req, int64_t timeout_ms, fx_call_cb cb, void *ud, uint64_t *call_id);
/* Answers a call; `from` is the {Pid, Ref} the server received. Replies to
 * calls that already completed are dropped. */
int fx_reply(fx_runtime_t *rt, fx_term_t from, fx_term_t reply);

/* ---- introspection: what Erlang's observer shows ---- */

typedef enum fx_process_status {
  FX_STATUS_RUNNABLE = 1, /* waiting for its turn */
  FX_STATUS_WAITING = 2,  /* in a receive, nothing matched yet */
  FX_STATUS_HOST = 3,     /* busy in its host (a JavaScript handler) */
  FX_STATUS_RUNNING = 4   /* inside one of its callbacks now */
} fx_process_status_t;

typedef struct fx_process_info {
  fx_pid_t pid;
  const char *behaviour;  /* the behaviour's name: "gen_server", "supervisor", "host", ... */
  fx_term_t name;         /* registered name, or FX_NONE */
  fx_process_status_t status;
  size_t mailbox_length;
  size_t links;           /* how many processes it is linked to */
  size_t monitors;        /* monitors it holds */
  size_t monitored_by;    /* monitors on it */
  int trap_exit;
  fx_pid_t supervisor;    /* the supervisor that started it, or 0 */
} fx_process_info_t;

/* Writes up to cap live pids, in slot order; *n gets how many there are. */
int fx_processes(const fx_runtime_t *rt, fx_pid_t *pids, size_t cap, size_t *n);
/* FX_ENOPROC for a dead or unknown pid. */
int fx_process_info(const fx_runtime_t *rt, fx_pid_t pid, fx_process_info_t *out);
/* Writes up to cap pids pid is linked to; *n gets how many there are. */
int fx_process_links(const fx_runtime_t *rt, fx_pid_t pid, fx_pid_t *links, size_t cap, size_t *n);

/* ---- tracing ---- */

typedef enum fx_trace_kind {
  FX_TRACE_SPAWN = 1,   /* pid started (from: the process that started it, or 0) */
  FX_TRACE_SEND = 2,    /* message went from `from` (0: outside any process) to pid */
  FX_TRACE_RECEIVE = 3, /* pid took message out of its mailbox */
  FX_TRACE_EXIT = 4,    /* pid ended with reason */
  FX_TRACE_RESTART = 5  /* supervisor `from` restarted a child as pid */
} fx_trace_kind_t;

typedef struct fx_trace_event {
  const fx_runtime_t *rt; /* for reading the terms (atom texts) */
  fx_trace_kind_t kind;
  fx_pid_t pid;
  fx_pid_t from;
  fx_term_t message; /* SEND, RECEIVE; else FX_NONE */
  fx_term_t reason;  /* EXIT; else FX_NONE */
  int64_t time;      /* the runtime's clock, as last read */
} fx_trace_event_t;

/* Called for each event while installed. The terms are valid during the
 * call only, and the handler must not call into the runtime (copy what it
 * needs and act later, as the bindings do). */
typedef void (*fx_trace_fn)(void *ud, const fx_trace_event_t *ev);

/* Installs fn (NULL removes it). While none is installed, tracing costs
 * one branch per event site. */
int fx_trace(fx_runtime_t *rt, fx_trace_fn fn, void *ud);

/* ---- links, monitors and exit signals (Erlang semantics) ---- */

/* Links a and b. If b is dead, a gets an exit signal with reason noproc
 * (an {'EXIT', B, noproc} message when it traps exits). FX_ENOPROC if a is
 * dead; FX_ENOMEM (and no link) when memory is short. */
int fx_link(fx_runtime_t *rt, fx_pid_t a, fx_pid_t b);
int fx_unlink(fx_runtime_t *rt, fx_pid_t a, fx_pid_t b);
/* watcher monitors target; *ref (built in h) tags the eventual
 * {'DOWN', Ref, process, Target, Reason} message, sent at once with reason
 * noproc when target is dead. */
int fx_monitor(fx_runtime_t *rt, fx_pid_t watcher, fx_pid_t target, fx_heap_t *h, fx_term_t *ref);
/* Removes the monitor ref that watcher holds; FX_ENOTFOUND when it is not
 * active (already fired) or is not watcher's (as erlang:demonitor/1, a
 * process cannot turn off another's monitor). */
int fx_demonitor(fx_runtime_t *rt, fx_pid_t watcher, fx_term_t ref);
/* Writes the refs (built in h) of up to cap monitors pid holds and that
 * are still active, newest first; *n gets how many there are. FX_ENOMEM
 * when h cannot hold them. */
int fx_process_monitors(fx_runtime_t *rt, fx_pid_t pid, fx_heap_t *h, fx_term_t *refs, size_t cap, size_t *n);
/* Sends an exit signal to pid: `kill` cannot be trapped (the process exits
 * with `killed`); `normal` is ignored by a process that does not trap exits
 * unless it is the caller itself; other reasons end a non-trapping process
 * and reach a trapping one as {'EXIT', From, Reason}. FX_ENOMEM when there
 * is no memory for the signal (nothing is sent). */
int fx_exit(fx_runtime_t *rt, fx_pid_t pid, fx_term_t reason);
int fx_trap_exit(fx_runtime_t *rt, fx_pid_t pid, int on);

/* ---- timers ---- */

/* Sends msg to `to` (pid or name, resolved when the timer fires) after ms;
 * *out (may be NULL) gets a handle for fx_cancel_timer. A timer to a pid is
 * cancelled when that process exits, at once if it has exited already (as
 * erlang:send_after/3's: *out is then a timer that ended); one to a name
 * is not. */
int fx_send_after(fx_runtime_t *rt, int64_t ms, fx_term_t to, fx_term_t msg, fx_timer_t *out);
/* FX_OK when the timer was pending; FX_ENOTFOUND when it fired or was
 * cancelled already. */
int fx_cancel_timer(fx_runtime_t *rt, fx_timer_t timer);

/* ---- registry ---- */

/* FX_ENAMETAKEN when the name is taken, FX_ENOPROC for a dead pid,
 * FX_ESTATE when the process already has a name, FX_EINVAL for a name that
 * is not an atom (or is `undefined`). */
int fx_register(fx_runtime_t *rt, fx_term_t name, fx_pid_t pid);
/* FX_EBADNAME when the name was not registered. */
int fx_unregister(fx_runtime_t *rt, fx_term_t name);
/* FX_EBADNAME when nothing is registered under the name. */
int fx_whereis(const fx_runtime_t *rt, fx_term_t name, fx_pid_t *out);
/* Writes up to cap registered names; *n gets the total count. */
int fx_registered(const fx_runtime_t *rt, fx_term_t *names, size_t cap, size_t *n);
/* The name pid is registered under, or FX_NONE. */
fx_term_t fx_registered_name(const fx_runtime_t *rt, fx_pid_t pid);

#endif
