/* Private: the scheduler's entry points for the other core modules. */
#ifndef FX_SCHED_H
#define FX_SCHED_H

#include "fx_runtime.h"

/* Frees every process, message, timer and pending call (runtime teardown). */
void fx__sched_free_all(fx_runtime_t *rt);

#endif
