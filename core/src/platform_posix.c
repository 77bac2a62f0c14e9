/* Native targets: CLOCK_MONOTONIC and nanosleep. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "fauxtp/runtime.h"
#include "fx_platform.h"

int64_t fx__platform_clock(void *ud) {
  (void)ud;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void posix_sleep(void *ud, int64_t deadline_ms) {
  int64_t now = fx__platform_clock(ud);
  if (deadline_ms <= now) return;
  int64_t ms = deadline_ms - now;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

const fx_sleep_fn fx__platform_sleep = posix_sleep;
