/* Private: entry points the process, scheduler, timer, signal, registry
 * and messaging modules offer one another. */
#ifndef FX_SCHED_H
#define FX_SCHED_H

#include "fx_runtime.h"

/* process.c */
/* fx_spawn with an explicit state size and a context the behaviour's init
 * reads with fx__spawn_ctx (how generic behaviours find their callbacks). */
int fx__spawn(fx_runtime_t *rt, const fx_behaviour_t *b, size_t state_size, const void *ctx, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out);
const void *fx__spawn_ctx(const fx_proc_t *p);
void fx__sched_free_all(fx_runtime_t *rt);
/* Ends p with `reason` (owned; NULL means nomem), running terminate unless
 * kind is FX_EXIT_KILL. If p is inside a callback the exit happens when it
 * returns. */
void fx__proc_exit(fx_proc_t *p, fx_msg_t *reason, fx_exit_kind_t kind);
/* Applies what a callback asked for (receive, yield, hold, stop) or its
 * failure `rc`, for the callback named by the atom `which`. Returns 1 when
 * p lives on, 0 when it exited (p may be freed). */
int fx__proc_after_callback(fx_proc_t *p, int rc, fx_term_t which);
/* Calls beh->handle for p with r; p must be runnable and popped. Returns
 * as fx__proc_after_callback does. */
int fx__proc_handle(fx_proc_t *p, const fx_received_t *r);
/* A message block holding a copy of a reason, or NULL when out of memory
 * (callers then use the atom nomem). */
fx_msg_t *fx__reason_msg(fx_runtime_t *rt, fx_term_t reason);
static inline fx_term_t fx__reason_term(const fx_msg_t *m) { return m ? m->term : FX_ATOM(NOMEM); }

/* Posts the receive set up in p->pattern and p->recv_timeout: p becomes
 * runnable when its mailbox is not empty or the wait is over, else waits. */
void fx__proc_post_receive(fx_proc_t *p);

/* Reports a trace event; call only when rt->trace is set. */
void fx__trace(fx_runtime_t *rt, fx_trace_kind_t kind, fx_pid_t pid, fx_pid_t from, fx_term_t message, fx_term_t reason);

/* sched.c */
/* Runs p, just taken off the run queue, for up to `budget` callbacks. */
uint32_t fx__run_slice(fx_runtime_t *rt, fx_proc_t *p, uint32_t budget);
void fx__runq_push(fx_runtime_t *rt, fx_proc_t *p);
void fx__runq_remove(fx_runtime_t *rt, fx_proc_t *p);
/* Appends m to p's mailbox (taking ownership) and wakes p if it waits. */
void fx__mailbox_push(fx_runtime_t *rt, fx_proc_t *p, fx_msg_t *m);
/* Delivers a copy of t to pid if it is alive; FX_OK when dead. */
int fx__send_term(fx_runtime_t *rt, fx_pid_t pid, fx_term_t t);

/* timer.c */
typedef struct fx__timer_spec {
  fx_timer_kind_t kind;
  fx_term_t to;
  uint64_t key;
  fx_msg_t *msg;
} fx__timer_spec_t;
int fx__timer_start(fx_runtime_t *rt, int64_t due, const fx__timer_spec_t *spec, fx_timer_t *out);
/* Cancels a pending timer, freeing its message. 1 when it was pending. */
int fx__timer_cancel(fx_runtime_t *rt, fx_timer_t id);
/* Fires the timers due at rt->now that existed when it was called. */
void fx__timers_fire(fx_runtime_t *rt);
void fx__timers_free(fx_runtime_t *rt);
/* Cancels the send_after timers to an exiting process (its ext). */
void fx__timers_cancel_to(fx_runtime_t *rt, fx_proc_ext_t *ext);

/* signal.c */
/* Queues an exit signal (copying reason) and delivers the queue unless a
 * delivery is already under way further up the stack. FX_ENOMEM when
 * there is no memory for the signal (nothing is sent). */
int fx__signal_send(fx_runtime_t *rt, fx_pid_t to, fx_pid_t from, fx_term_t reason, bool untrappable);
void fx__signals_deliver(fx_runtime_t *rt);
/* Tears down p's links and monitors as it exits with `reason`. */
void fx__signal_exit_links(fx_runtime_t *rt, fx_pid_t pid, fx_proc_ext_t *ext, fx_term_t reason);
void fx__signals_free(fx_runtime_t *rt);
/* A ref's key when it is one of this runtime's refs, else 0. */
uint64_t fx__ref_key(const fx_runtime_t *rt, fx_term_t ref);
/* Removes the process monitor with this key, if it is active. */
void fx__monitor_remove(fx_runtime_t *rt, uint64_t key);

/* registry.c */
void fx__registry_drop(fx_runtime_t *rt, fx_proc_t *p);

/* messaging.c, calls.c */
/* The pid a send or call to `to` (a local pid or a registered name) goes
 * to: FX_EBADNAME for an unregistered name, FX_EINVAL for anything else. */
static inline int fx__resolve(const fx_runtime_t *rt, fx_term_t to, fx_pid_t *pid) {
  if (fx_is_local_pid(to)) {
    *pid = fx_term_pid(to);
    return FX_OK;
  }
  if (fx_is_atom(to)) return fx_whereis(rt, to, pid);
  return FX_EINVAL;
}

/* calls.c */
/* Fails, with `reason`, every call waiting on the exiting process whose
 * extension is ext (newest first, as they were made; calls made meanwhile
 * too). */
void fx__calls_server_down(fx_runtime_t *rt, fx_proc_ext_t *ext, fx_term_t reason);
/* How many calls wait on the process whose extension is ext. */
size_t fx__calls_waiting(const fx_runtime_t *rt, const fx_proc_ext_t *ext);
/* Times out the call at the head of the deadline list. */
void fx__call_expire_first(fx_runtime_t *rt);
/* The clock was just read (rt->now): fresh calls' timeouts start now. */
void fx__calls_start_timeouts(fx_runtime_t *rt);
/* Teardown: frees the pending calls (and the host events they hold). */
void fx__calls_free(fx_runtime_t *rt);
/* `ms` (>= 0) after `now`, or INT64_MAX when that is past the end of time. */
static inline int64_t fx__time_after(int64_t now, int64_t ms) { return now > 0 && ms > INT64_MAX - now ? INT64_MAX : now + ms; }
/* Something is due at some time: a timer, or a call with a deadline. */
static inline int fx__timers_pending(const fx_runtime_t *rt) {
  return (rt->heap_len | rt->call_dhead | rt->call_fhead) != 0; /* one test: the run loop asks often */
}

/* host.c */
extern const fx_behaviour_t fx__host_behaviour;
struct fx_host_event;
void fx__host_on_exit(fx_proc_t *p, fx_term_t reason, fx_exit_kind_t kind);
void fx__host_call_done(fx_runtime_t *rt, void *ud, int status, fx_term_t value);
/* Answers host process p now when it is runnable and no callback runs:
 * a message sent from outside any process meets its posted receive at
 * once. Returns 1 when it ran p (which may have exited since). */
int fx__host_match_now(fx_runtime_t *rt, fx_proc_t *p);
void fx__host_event_free(fx_runtime_t *rt, struct fx_host_event *ev);
void fx__host_free_events(fx_runtime_t *rt);
/* Frees the recycled host events (fx_runtime_free). */
void fx__host_event_pool_free(fx_runtime_t *rt);

#endif
