/* GenServer: a process behaviour that dispatches $gen_call, $gen_cast and
 * other messages to a fx_gen_server_t's callbacks. The callbacks' table
 * sits in the first word of the process state, the user's state after it. */
#include "fauxtp/gen_server.h"
#include "fx_sched.h"

typedef struct gs_state {
  const fx_gen_server_t *gs;
  bool started;    /* init succeeded: terminate runs from now on (OTP) */
  uint64_t user[]; /* 8-aligned user state */
} gs_state_t;

static int gs_init(fx_proc_t *self, void *state, fx_term_t arg) {
  gs_state_t *s = state;
  s->gs = fx__spawn_ctx(self);
  int rc = s->gs->init ? s->gs->init(self, s->user, arg) : FX_OK;
  if (rc < 0 || (self->flags & (FX_PF_STOP | FX_PF_EXIT_PENDING))) return rc;
  s->started = true;
  return fx_receive(self, NULL, FX_INFINITY);
}

static int is_call(fx_term_t m) {
  return fx_is_tuple(m) && fx_tuple_arity(m) == 3 && fx_tuple_get(m, 0) == FX_ATOM(GEN_CALL);
}

static int is_cast(fx_term_t m) {
  return fx_is_tuple(m) && fx_tuple_arity(m) == 2 && fx_tuple_get(m, 0) == FX_ATOM(GEN_CAST);
}

/* Stops the server with {callback_failed, Which, Why}. */
static int fail(fx_proc_t *self, fx_term_t which, fx_term_t why) {
  fx_term_t reason;
  int err = fx_tuple3(fx_proc_heap(self), FX_ATOM(CALLBACK_FAILED), which, why, &reason);
  return err ? err : fx_stop(self, reason);
}

static int fail_code(fx_proc_t *self, fx_term_t which, int rc) {
  fx_term_t name;
  int err = fx_atom_cstr(self->rt, fx_err_name(rc), &name);
  return err ? err : fail(self, which, name);
}

static int dispatch(fx_proc_t *self, gs_state_t *s, fx_term_t m) {
  const fx_gen_server_t *gs = s->gs;
  int rc;
  if (is_call(m)) {
    fx_term_t from = fx_tuple_get(m, 1), reply = FX_NONE;
    if (!gs->handle_call) return fail(self, FX_ATOM(HANDLE_CALL), FX_ATOM(UNDEFINED));
    rc = gs->handle_call(self, s->user, fx_tuple_get(m, 2), from, &reply);
    if (rc < 0) return fail_code(self, FX_ATOM(HANDLE_CALL), rc);
    if (reply != FX_NONE) return fx_reply(self->rt, from, reply);
    return FX_OK;
  }
  if (is_cast(m)) {
    rc = gs->handle_cast ? gs->handle_cast(self, s->user, fx_tuple_get(m, 1)) : FX_OK;
    return rc < 0 ? fail_code(self, FX_ATOM(HANDLE_CAST), rc) : FX_OK;
  }
  rc = gs->handle_info ? gs->handle_info(self, s->user, m) : FX_OK;
  return rc < 0 ? fail_code(self, FX_ATOM(HANDLE_INFO), rc) : FX_OK;
}

static int gs_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  int rc = r->kind == FX_RECV_MESSAGE ? dispatch(self, state, r->message) : FX_OK;
  if (rc < 0 || (self->flags & FX_PF_STOP)) return rc;
  return fx_receive(self, NULL, FX_INFINITY);
}

static void gs_terminate(fx_proc_t *self, void *state, fx_term_t reason) {
  gs_state_t *s = state;
  /* As in OTP, a server whose init failed or stopped gets no terminate. */
  if (s->started && s->gs->terminate) s->gs->terminate(self, s->user, reason);
}

static void gs_destroy(fx_runtime_t *rt, void *state) {
  gs_state_t *s = state;
  if (s->gs && s->gs->destroy) s->gs->destroy(rt, s->user);
}

static const fx_behaviour_t gen_server = {"gen_server", 0, gs_init, gs_handle, gs_terminate, gs_destroy};

int fx_gen_server_start(fx_runtime_t *rt, const fx_gen_server_t *gs, fx_term_t arg, const fx_spawn_opts_t *opts, fx_pid_t *out) {
  if (!rt || !gs || gs->state_size > UINT32_MAX / 2) return FX_EINVAL;
  return fx__spawn(rt, &gen_server, sizeof(gs_state_t) + (gs->state_size + 7) / 8 * 8, gs, arg, opts, out);
}
