/* The browser and Node: the host's clock; the host never blocks. */
#include <emscripten.h>

#include "fauxtp/runtime.h"
#include "fx_platform.h"

int64_t fx__platform_clock(void *ud) {
  (void)ud;
  return (int64_t)emscripten_get_now();
}

const fx_sleep_fn fx__platform_sleep = 0;
