/* Task: a process that runs one function, answers the joins queued for it
 * with the result, tells `notify`, and exits. A failure exits the task with
 * {task_failed, ErrName}, which the joins see through their monitors. */
#include "fauxtp/task.h"
#include "fx_sched.h"

typedef struct task_ctx {
  fx_task_fn fn;
  void *ud;
  fx_pid_t notify;
} task_ctx_t;

typedef struct task {
  task_ctx_t ctx;
  fx_heap_t *heap;
  fx_term_t result; /* FX_NONE until the function is done */
  fx_pattern_t *joins;
} task_t;

static int task_init(fx_proc_t *self, void *state, fx_term_t arg) {
  (void)arg;
  task_t *t = state;
  t->ctx = *(const task_ctx_t *)fx__spawn_ctx(self);
  t->result = FX_NONE;
  return fx_yield(self);
}

static int notify(fx_proc_t *self, task_t *t, fx_term_t tag, fx_term_t value) {
  if (!t->ctx.notify) return FX_OK;
  fx_heap_t *h = fx_proc_heap(self);
  fx_term_t inner, msg;
  int err = fx_tuple2(h, tag, value, &inner);
  if (!err) err = fx_tuple3(h, FX_ATOM(FX_TASK), fx_pid_term(self->pid), inner, &msg);
  return err ? err : fx__send_term(self->rt, t->ctx.notify, msg);
}

/* Once done: answer the joins already queued, then exit. */
static int answer_joins(fx_proc_t *self, task_t *t) {
  if (!t->joins) {
    fx_term_t pat, el[3] = {FX_ATOM(GEN_CALL), fx_pat_any(), FX_ATOM(TASK_JOIN)};
    int err = fx_make_tuple(fx_proc_heap(self), 3, el, &pat);
    if (!err) err = fx_pattern_compile(self->rt, &pat, 1, 0, &t->joins);
    if (err) return err;
  }
  return fx_receive(self, t->joins, 0);
}

static int task_handle(fx_proc_t *self, void *state, const fx_received_t *r) {
  task_t *t = state;
  if (r->kind == FX_RECV_RESUME) {
    fx_term_t result = FX_NIL;
    int rc = t->ctx.fn(self, t->ctx.ud, &result);
    if (rc == FX_TASK_AGAIN) return fx_yield(self);
    if (rc < 0) {
      fx_term_t tag, why, reason;
      int err = fx_atom_cstr(self->rt, "task_failed", &tag);
      if (!err) err = fx_atom_cstr(self->rt, fx_err_name(rc), &why);
      if (!err) err = fx_tuple2(fx_proc_heap(self), tag, why, &reason);
      if (!err) notify(self, t, FX_ATOM(ERROR), reason);
      return err ? err : fx_stop(self, reason);
    }
    int err = fx_heap_new(self->rt, &t->heap);
    if (!err) err = fx_heap_copy(t->heap, result, &t->result);
    if (!err) err = notify(self, t, FX_ATOM(OK), t->result);
    return err ? err : answer_joins(self, t);
  }
  if (r->kind == FX_RECV_MESSAGE) {
    fx_reply(self->rt, r->extracted[0], t->result);
    return answer_joins(self, t);
  }
  return FX_OK; /* no join left: exit normally */
}

static void task_destroy(fx_runtime_t *rt, void *state) {
  task_t *t = state;
  fx_heap_free(t->heap);
  fx_pattern_free(rt, t->joins);
}

static const fx_behaviour_t task = {"task", sizeof(task_t), task_init, task_handle, NULL, task_destroy};

int fx_task_start(fx_runtime_t *rt, fx_task_fn fn, void *ud, fx_pid_t notify, fx_pid_t *out) {
  if (!rt || !fn) return FX_EINVAL;
  task_ctx_t ctx = {fn, ud, notify};
  return fx__spawn(rt, &task, sizeof(task_t), &ctx, FX_NIL, NULL, out);
}

int fx_task_join(fx_runtime_t *rt, fx_pid_t t, int64_t timeout_ms, fx_call_cb cb, void *ud) {
  if (!rt) return FX_EINVAL;
  return fx_call(rt, fx_pid_term(t), FX_ATOM(TASK_JOIN), timeout_ms, cb, ud, NULL);
}
