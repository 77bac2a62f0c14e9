/* GenServer: the request/reply server behaviour, in C.
 *
 *   {'$gen_call', From, Req}  -> handle_call (reply now through *reply, or
 *                                later with fx_reply(rt, From, Reply))
 *   {'$gen_cast', Req}        -> handle_cast
 *   anything else             -> handle_info
 *
 * Callbacks return FX_OK or a negative error; an error crashes the server
 * with {callback_failed, Callback, ErrName}. fx_stop(self, Reason) inside a
 * callback stops it after the callback returns (a reply set in the same
 * handle_call is still sent). terminate runs on every exit but `kill`,
 * once init has succeeded (as in OTP, not when init fails or stops). */
#ifndef FAUXTP_GEN_SERVER_H
#define FAUXTP_GEN_SERVER_H

#include "fauxtp/process.h"

typedef struct fx_gen_server {
  const char *name;  /* introspection; NULL: "gen_server" */
  size_t state_size; /* zeroed bytes the core allocates for the server */
  int (*init)(fx_proc_t *self, void *state, fx_term_t arg);
  /* Leave *reply as FX_NONE to answer later with fx_reply. NULL: a call
   * crashes the server with {callback_failed, handle_call, undefined}. */
  int (*handle_call)(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply);
  int (*handle_cast)(fx_proc_t *self, void *state, fx_term_t req);
  int (*handle_info)(fx_proc_t *self, void *state, fx_term_t msg);
  void (*terminate)(fx_proc_t *self, void *state, fx_term_t reason);
  void (*destroy)(fx_runtime_t *rt, void *state);
} fx_gen_server_t;

/* Starts a server; init runs before this returns (FX_ECALLBACK if it
 * fails, FX_EEXIT if it stops). */
int fx_gen_server_start(fx_runtime_t *rt, const fx_gen_server_t *gs, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out);

#endif
