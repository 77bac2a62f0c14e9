/* Private: what differs between targets, implemented once per target in
 * platform_<target>.c (CMake picks one). */
#ifndef FX_PLATFORM_H
#define FX_PLATFORM_H

#include <stdint.h>

#include "fauxtp/runtime.h"

/* Milliseconds on a monotonic clock. */
int64_t fx__platform_clock(void *ud);
/* Sleeps until deadline_ms on that clock; NULL where the host must not
 * block (the browser). */
extern const fx_sleep_fn fx__platform_sleep;

#endif
