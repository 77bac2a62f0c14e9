/* The runtime: one value that owns everything (allocator, process table,
 * atom table, registry, timers, host events). No global state: make as many
 * runtimes as you like. Single-threaded: use a runtime from one thread.
 *
 * The core never blocks and owns no thread. The host drives it:
 *
 *   while (fx_run(rt, FX_RUN_NOWAIT) > 0) { wait until fx_next_deadline(rt) }
 *
 * or lets the platform's sleep hook wait for it in FX_RUN_DEFAULT. */
#ifndef FAUXTP_RUNTIME_H
#define FAUXTP_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "fauxtp/term.h"

/* Lua-style allocator: nsize == 0 frees ptr (returns NULL); otherwise
 * allocates (ptr NULL) or resizes to nsize bytes, returning NULL on failure
 * (and leaving ptr untouched). osize is ptr's current size (0 if NULL). */
typedef void *(*fx_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);
/* The host's clock: milliseconds on any monotonic base. */
typedef int64_t (*fx_clock_fn)(void *ud);
/* Blocks the calling thread until `deadline_ms` on the runtime's clock (or
 * earlier); optional, used only by FX_RUN_DEFAULT and FX_RUN_ONCE. */
typedef void (*fx_sleep_fn)(void *ud, int64_t deadline_ms);

typedef struct fx_runtime_config {
  fx_alloc_fn alloc;   /* NULL: malloc/realloc/free */
  void *alloc_ud;
  fx_clock_fn clock;   /* NULL: the platform's monotonic clock */
  void *clock_ud;
  fx_sleep_fn sleep;   /* NULL: the platform's sleep (native, WASI); none in the browser */
  void *sleep_ud;
  uint32_t max_processes; /* 0: 1 << 20 */
  uint32_t reductions;    /* messages a process handles per slice; 0: 64 */
} fx_runtime_config_t;

typedef enum fx_run_mode {
  /* Run until no process is runnable and no timer is pending, sleeping
   * (through the sleep hook) until each next deadline. Without a sleep hook
   * it behaves as FX_RUN_IDLE. */
  FX_RUN_DEFAULT = 0,
  /* Run until no process is runnable and no timer is due; never sleeps. */
  FX_RUN_IDLE = 1,
  /* One pass: each runnable process gets one slice, due timers fire;
   * sleeps first, until the next deadline, if nothing is runnable. */
  FX_RUN_ONCE = 2,
  /* One pass, never sleeping. */
  FX_RUN_NOWAIT = 3
} fx_run_mode_t;

void fx_runtime_config_init(fx_runtime_config_t *cfg);
int fx_runtime_new(const fx_runtime_config_t *cfg, fx_runtime_t **out);
/* Frees the runtime and everything it owns; processes are not terminated
 * (their terminate callbacks do not run). */
void fx_runtime_free(fx_runtime_t *rt);

/* Runs the loop. Returns 1 when work remains (runnable processes or pending
 * timers), 0 when none does, or a negative error. */
int fx_run(fx_runtime_t *rt, fx_run_mode_t mode);
/* Runs at most `reductions` message handlings in total, then returns as
 * fx_run does. Hosts that must yield (a browser tab) call this in slices. */
int fx_run_budget(fx_runtime_t *rt, uint32_t reductions);
/* 1 when some process is runnable now. */
int fx_runnable(const fx_runtime_t *rt);
/* The next timer's due time on the runtime's clock, or -1 if none. (A call
 * made since the clock was last read counts as due its timeout after
 * fx_now: its timeout starts at the next reading, see fx_call.) */
int64_t fx_next_deadline(const fx_runtime_t *rt);
/* Milliseconds until the next timer (0 when work is runnable or due), or -1. */
int64_t fx_next_timeout(fx_runtime_t *rt);
/* The runtime's clock, as the loop caches it for the current pass. */
int64_t fx_now(const fx_runtime_t *rt);
/* Re-reads the clock. */
int64_t fx_update_time(fx_runtime_t *rt);
/* 1 when calls wait for the next clock reading to start their timeouts: a
 * host about to sleep until fx_next_deadline reads the clock first
 * (fx_update_time), else they would start only when it wakes. */
int fx_clock_wanted(const fx_runtime_t *rt);

/* Memory currently allocated through the runtime's allocator, in bytes. */
size_t fx_runtime_memory(const fx_runtime_t *rt);

#endif
