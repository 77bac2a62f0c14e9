/* A runtime allocator for tests: counts live bytes and can fail the n-th
 * allocation (and every one after it, when `sticky`), to show that a failed
 * allocation leaves the runtime consistent. */
#ifndef FX_TEST_ALLOC_H
#define FX_TEST_ALLOC_H

#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

typedef struct fx_test_alloc {
  long countdown; /* fail when it reaches 0; negative: never */
  int sticky;
  long allocations, failures;
  long long live;
} fx_test_alloc_t;

static inline void *fx_test_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  fx_test_alloc_t *a = ud;
  if (nsize == 0) {
    if (ptr) a->live -= (long long)osize;
    free(ptr);
    return NULL;
  }
  if (a->countdown == 0 || (a->sticky && a->failures > 0)) {
    a->failures++;
    if (!a->sticky) a->countdown = -1; /* one failure, then normal service */
    return NULL;
  }
  if (a->countdown > 0) a->countdown--;
  void *q = realloc(ptr, nsize);
  if (q) {
    a->allocations++;
    a->live += (long long)nsize - (long long)(ptr ? osize : 0);
  }
  return q;
}

static inline void fx_test_alloc_config(fx_runtime_config_t *cfg, fx_test_alloc_t *a) {
  memset(a, 0, sizeof *a);
  a->countdown = -1;
  cfg->alloc = fx_test_alloc_fn;
  cfg->alloc_ud = a;
}

#endif
