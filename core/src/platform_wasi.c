/* WASI: the monotonic clock, and sleeping in poll_oneoff on a clock
 * subscription until the next deadline (no busy waiting). */
#include <time.h>
#include <wasi/api.h>

#include "fauxtp/runtime.h"
#include "fx_platform.h"

int64_t fx__platform_clock(void *ud) {
  (void)ud;
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1000, &t) != 0) return 0;
  return (int64_t)(t / 1000000u);
}

/* At most a day per sleep: a deadline centuries away would overflow the
 * nanoseconds; the loop sleeps again when it wakes early. */
#define SLEEP_MAX_MS 86400000

static void wasi_sleep(void *ud, int64_t deadline_ms) {
  int64_t now = fx__platform_clock(ud);
  if (deadline_ms <= now) return;
  int64_t ms = deadline_ms - now > SLEEP_MAX_MS ? SLEEP_MAX_MS : deadline_ms - now;
  __wasi_subscription_t sub;
  __wasi_event_t ev;
  __wasi_size_t n = 0;
  sub.userdata = 0;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = (__wasi_timestamp_t)ms * 1000000u;
  sub.u.u.clock.precision = 1000000u;
  sub.u.u.clock.flags = 0;
  (void)__wasi_poll_oneoff(&sub, &ev, 1, &n);
}

const fx_sleep_fn fx__platform_sleep = wasi_sleep;
