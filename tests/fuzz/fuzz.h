/* What the fuzz targets share: a check that aborts with a message (libFuzzer
 * and the replay driver then report the input), a runtime on a manual clock,
 * and a reader that cuts the input into length-prefixed pieces.
 *
 * FUZZ_CHECK, never assert(): it must not vanish under NDEBUG. */
#ifndef FX_FUZZ_H
#define FX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fauxtp/fauxtp.h"

#define FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* The input, read front to back; reads past the end give zeros. */
typedef struct fuzz_input {
  const uint8_t *p, *end;
} fuzz_input_t;

static inline size_t fuzz_left(const fuzz_input_t *in) { return (size_t)(in->end - in->p); }

static inline uint8_t fuzz_u8(fuzz_input_t *in) { return in->p < in->end ? *in->p++ : 0; }

static inline uint16_t fuzz_u16(fuzz_input_t *in) {
  uint16_t hi = fuzz_u8(in);
  return (uint16_t)(hi << 8 | fuzz_u8(in));
}

/* The next piece: a u16 length, then that many bytes (fewer at the end). */
static inline const uint8_t *fuzz_piece(fuzz_input_t *in, size_t *len) {
  size_t n = fuzz_u16(in);
  if (n > fuzz_left(in)) n = fuzz_left(in);
  const uint8_t *p = in->p;
  in->p += n;
  *len = n;
  return p;
}

/* A fresh runtime per input, so that no atom or leak carries over from one
 * input to the next. */
static inline fx_runtime_t *fuzz_runtime(fx_clock_fn clock, void *clock_ud) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  cfg.clock = clock;
  cfg.clock_ud = clock_ud;
  fx_runtime_t *rt = NULL;
  int err = fx_runtime_new(&cfg, &rt);
  FUZZ_CHECK(err == FX_OK, "fx_runtime_new: %s", fx_err_name(err));
  return rt;
}

static inline int64_t fuzz_zero_clock(void *ud) {
  (void)ud;
  return 0;
}

#endif
