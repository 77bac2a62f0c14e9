/* A clock the test moves by hand, so timeouts are deterministic. */
#ifndef FX_TEST_CLOCK_H
#define FX_TEST_CLOCK_H

#include "fauxtp/fauxtp.h"

typedef struct fx_test_clock {
  int64_t now;
  int reads; /* how often the runtime read it */
} fx_test_clock_t;

static inline int64_t fx_test_clock_fn(void *ud) {
  fx_test_clock_t *c = ud;
  c->reads++;
  return c->now;
}

/* Uses the manual clock and no sleep hook: fx_run never blocks. */
static inline void fx_test_clock_config(fx_runtime_config_t *cfg, fx_test_clock_t *c) {
  cfg->clock = fx_test_clock_fn;
  cfg->clock_ud = c;
}

#endif
