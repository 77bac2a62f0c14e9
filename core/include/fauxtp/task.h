/* Task: run a function as a process and join its result or its failure.
 *
 * The function runs in the task's first slice (and again while it returns
 * FX_TASK_AGAIN, letting others run in between). Its result is built in
 * fx_proc_heap(self). Joiners get the result (FX_OK) or the failure
 * (FX_EEXIT with the reason {task_failed, ErrName}, or whatever reason
 * killed the task). A `notify` pid, if given, gets {fx_task, TaskPid,
 * {ok, Result}} or {fx_task, TaskPid, {error, Reason}}. Join a task before
 * the run loop finishes it; joining a task that is gone fails with
 * FX_ENOPROC, as a call to a dead process does. */
#ifndef FAUXTP_TASK_H
#define FAUXTP_TASK_H

#include "fauxtp/process.h"

#define FX_TASK_AGAIN 1

typedef int (*fx_task_fn)(fx_proc_t *self, void *ud, fx_term_t *result);

int fx_task_start(fx_runtime_t *rt, fx_task_fn fn, void *ud, fx_pid_t notify, fx_pid_t *out);
int fx_task_join(fx_runtime_t *rt, fx_pid_t task, int64_t timeout_ms, fx_call_cb cb, void *ud);

#endif
