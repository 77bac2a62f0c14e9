/* Host processes: processes whose behaviour lives in the host (JavaScript,
 * Python...). The core owns their mailbox, matching, links, monitors,
 * registry entry and supervision; the host owns their state and code.
 *
 * The core never calls into the host in the middle of its work. It queues
 * events, and the host takes them in batches after running the loop:
 *
 *   FX_HOST_MATCH    the process's posted receive matched clause `clause`;
 *                    `value` is the message, `extracted` what the clause took
 *   FX_HOST_TIMEOUT  the posted receive timed out
 *   FX_HOST_EXIT     the process ended with reason `value`; `status` says how
 *                    (FX_HOST_EXIT_SELF, _SIGNAL: an exit signal it did not
 *                    trap, _KILL)
 *   FX_HOST_CALL     call `id` completed: status FX_OK with the reply,
 *                    FX_ETIMEDOUT, or FX_EEXIT with the server's exit reason
 *   FX_HOST_START    a supervisor started host process `pid` of host kind
 *                    `id`; `value` is the child's start argument
 *
 * After a MATCH or TIMEOUT the process is busy in the host and receives
 * nothing until the host posts its next receive (fx_host_receive) or ends
 * it (fx_host_exit). The terms in an event live until the host releases it. */
#ifndef FAUXTP_HOST_H
#define FAUXTP_HOST_H

#include "fauxtp/process.h"

typedef enum fx_host_event_kind {
  FX_HOST_MATCH = 1,
  FX_HOST_TIMEOUT = 2,
  FX_HOST_EXIT = 3,
  FX_HOST_CALL = 4,
  FX_HOST_START = 5
} fx_host_event_kind_t;

enum fx_host_exit_how { FX_HOST_EXIT_SELF = 0, FX_HOST_EXIT_SIGNAL = 1, FX_HOST_EXIT_KILL = 2 };

typedef struct fx_host_event {
  struct fx_host_event *next;
  fx_host_event_kind_t kind;
  int status;
  int clause;
  uint32_t nextracted;
  fx_pid_t pid;
  uint64_t id;
  fx_term_t value;
  void *owner_data; /* private to the core */
  fx_term_t extracted[];
} fx_host_event_t;

/* Starts a host process of host kind `kind` (the host's own tag, e.g. its
 * actor class). It waits, receiving nothing, until the host posts a receive. */
int fx_host_spawn(fx_runtime_t *rt, uint32_t kind, const fx_spawn_opts_t *opts, fx_pid_t *out);
/* Posts the next receive of a host process that is busy in the host (just
 * spawned, or after an event). Returns 1 when a queued message matched at
 * once (its MATCH event is queued: take it now, no loop run needed), 0 when
 * the process now waits, or an error (FX_ENOPROC, FX_ESTATE when it is not
 * a host process busy in the host). */
int fx_host_receive(fx_runtime_t *rt, fx_pid_t pid, const fx_pattern_t *pattern, int64_t timeout_ms);
/* Takes back the receive a host process posted, before it is answered: the
 * process is busy in the host again and its messages stay queued, the
 * pattern no longer in use. Returns 1 when it cancelled one, 0 when none
 * was posted or it was answered already (its MATCH or TIMEOUT event is
 * queued), or an error (FX_ENOPROC, FX_EINVAL: not a host process). */
int fx_host_cancel_receive(fx_runtime_t *rt, fx_pid_t pid);
/* Ends a host process with `reason` (the host has run its own cleanup). */
int fx_host_exit(fx_runtime_t *rt, fx_pid_t pid, fx_term_t reason);
/* fx_call whose completion is queued as an FX_HOST_CALL event with *call_id. */
int fx_host_call(fx_runtime_t *rt, fx_term_t to, fx_term_t req, int64_t timeout_ms, uint64_t *call_id);
/* For a server that answers a call when the host knows the reply already
 * (a host process answering its own host's call): when `ref`, the tag of
 * the call's From, names a pending fx_host_call, completes it as answered
 * with no event and no copy of the reply, and returns 1 with the call's id
 * through *call_id; the host settles the call with the reply it holds.
 * Returns 0 when it names no such call (another caller's, or one that
 * completed already: answer with fx_reply), FX_EINVAL when it is no ref. */
int fx_host_take_call(fx_runtime_t *rt, fx_term_t ref, uint64_t *call_id);
/* A child start function for supervisor specs: spawns a host process of
 * kind (uint32_t)(uintptr_t)ud, linked to the supervisor, and queues
 * FX_HOST_START for it. Returns 1: the child's init runs in the host,
 * which says when it is over with fx_host_started (or ends the process). */
int fx_host_child_start(fx_runtime_t *rt, void *ud, fx_pid_t sup, fx_term_t arg, fx_pid_t *out);
/* The init of a host process that fx_host_child_start started is over:
 * tells its supervisor, whose start phase waits for this (the next child
 * starts then; a restart_child call is answered). A no-op for
 * other host processes and after the first time. FX_ENOPROC, FX_EINVAL
 * (not a host process), FX_ENOMEM (the host may try again, or end it). */
int fx_host_started(fx_runtime_t *rt, fx_pid_t pid);

/* Takes every queued event, oldest first, as a list linked by `next`; NULL
 * when none is queued. */
fx_host_event_t *fx_host_take_events(fx_runtime_t *rt);
/* Gives back a list taken with fx_host_take_events once the host is done
 * reading it. */
void fx_host_release_events(fx_runtime_t *rt, fx_host_event_t *list);
/* 1 when events are waiting to be taken. */
int fx_host_has_events(const fx_runtime_t *rt);
/* The host kind of a live host process, or FX_ENOPROC / FX_EINVAL. */
int fx_host_kind(const fx_runtime_t *rt, fx_pid_t pid, uint32_t *kind);

#endif
