/* fauxtp error codes.
 *
 * Every fallible function returns 0 (FX_OK) or one of these negative codes.
 * Our own numbers, not errno: errno values differ between native libc,
 * wasi-libc and Emscripten, and these cross the wasm boundary as plain ints. */
#ifndef FAUXTP_ERROR_H
#define FAUXTP_ERROR_H

#define FX_ERRNO_MAP(X)                                                        \
  X(NOMEM,     -1,  "out of memory")                                           \
  X(INVAL,     -2,  "invalid argument")                                        \
  X(BADTERM,   -3,  "malformed term")                                          \
  X(TRUNCATED, -4,  "input ends before the term does")                         \
  X(TOODEEP,   -5,  "term nests deeper than the limit")                        \
  X(TOOBIG,    -6,  "size exceeds a limit")                                    \
  X(BADUTF8,   -7,  "invalid UTF-8")                                           \
  X(BADTAG,    -8,  "unknown external term format tag")                        \
  X(BADVERSION,-9,  "not external term format version 131")                    \
  X(NOSPACE,   -10, "output buffer too small")                                 \
  X(NOPROC,    -11, "no such process")                                         \
  X(BADNAME,   -12, "name is not registered")                                  \
  X(NAMETAKEN, -13, "name is already registered")                              \
  X(BADPATTERN,-14, "malformed pattern")                                       \
  X(TIMEDOUT,  -15, "timed out")                                             \
  X(EXIT,      -16, "process exited")                                          \
  X(NOTFOUND,  -17, "not found")                                               \
  X(STATE,     -18, "operation not valid in the current state")                \
  X(LIMIT,     -19, "a runtime limit was reached")                             \
  X(CALLBACK,  -20, "a behaviour callback failed")

typedef enum fx_errno {
  FX_OK = 0,
#define FX__ERRNO_ENUM(name, code, text) FX_E##name = (code),
  FX_ERRNO_MAP(FX__ERRNO_ENUM)
#undef FX__ERRNO_ENUM
} fx_errno_t;

/* Human-readable message for an error code ("unknown error" otherwise). */
const char *fx_strerror(int err);
/* Symbolic name of an error code, e.g. "FX_ENOMEM". */
const char *fx_err_name(int err);

#endif
