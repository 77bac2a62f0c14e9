/* A tiny test harness: TEST(name) functions, ASSERT_* macros that fail the
 * current test (never assert(): it vanishes under NDEBUG), and a runner that
 * runs every test, or one by name: `test-term term_roundtrip`.
 *
 *   TEST(addition) { ASSERT_EQ(1 + 1, 2); }
 *   TEST_MAIN(addition)
 */
#ifndef FX_TEST_H
#define FX_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

typedef struct fx_test_case {
  const char *name;
  void (*fn)(int *failed);
} fx_test_case_t;

#define TEST(name) static void name(int *fx_test_failed__)

#define FX_TEST_FAIL(...)                                                      \
  do {                                                                         \
    fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                          \
    fprintf(stderr, __VA_ARGS__);                                              \
    fputc('\n', stderr);                                                       \
    *fx_test_failed__ = 1;                                                     \
    return;                                                                    \
  } while (0)

#define ASSERT(cond)                                                           \
  do { if (!(cond)) FX_TEST_FAIL("assertion failed: %s", #cond); } while (0)
#define ASSERT_EQ(a, b)                                                        \
  do {                                                                         \
    long long a__ = (long long)(a), b__ = (long long)(b);                      \
    if (a__ != b__) FX_TEST_FAIL("%s == %s: %lld != %lld", #a, #b, a__, b__);  \
  } while (0)
#define ASSERT_NE(a, b)                                                        \
  do {                                                                         \
    long long a__ = (long long)(a), b__ = (long long)(b);                      \
    if (a__ == b__) FX_TEST_FAIL("%s != %s: both %lld", #a, #b, a__);          \
  } while (0)
#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    int e__ = (expr);                                                          \
    if (e__ != 0) FX_TEST_FAIL("%s failed: %s", #expr, fx_err_name(e__));      \
  } while (0)
#define ASSERT_ERR(expr, code)                                                 \
  do {                                                                         \
    int e__ = (expr);                                                          \
    if (e__ != (code))                                                         \
      FX_TEST_FAIL("%s returned %s, expected %s", #expr, fx_err_name(e__),     \
                   fx_err_name(code));                                         \
  } while (0)
#define ASSERT_STREQ(a, b)                                                     \
  do {                                                                         \
    const char *a__ = (a), *b__ = (b);                                         \
    if (strcmp(a__, b__) != 0) FX_TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a__, b__); \
  } while (0)
/* Compares a term's printed form with the expected text. */
#define ASSERT_TERM(rt, term, text)                                            \
  do {                                                                         \
    char buf__[1024];                                                          \
    fx_term_format((rt), (term), buf__, sizeof buf__);                         \
    if (strcmp(buf__, (text)) != 0) FX_TEST_FAIL("term %s is %s, expected %s", #term, buf__, (text)); \
  } while (0)


static inline int fx_test_run(const fx_test_case_t *cases, size_t n, int argc, char **argv) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
    int f = 0;
    cases[i].fn(&f);
    printf("%s %s\n", f ? "FAIL" : "ok  ", cases[i].name);
    fflush(stdout);
    if (f) failed++; else passed++;
  }
  if (argc > 1 && passed + failed == 0) {
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

/* TEST_MAIN(a, b, c): the runner for the tests a, b and c. */
#define TEST_MAIN(...)                                                         \
  int main(int argc, char **argv) {                                            \
    static void (*const fns[])(int *) = {__VA_ARGS__};                         \
    static const char names[] = #__VA_ARGS__;                                  \
    fx_test_case_t cases[sizeof fns / sizeof *fns];                            \
    static char namebuf[sizeof names];                                         \
    memcpy(namebuf, names, sizeof names);                                      \
    char *save = NULL, *tok = namebuf;                                         \
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {                    \
      while (*tok == ' ' || *tok == ',' || *tok == '\n' || *tok == '\t') tok++;\
      save = tok;                                                              \
      while (*tok && *tok != ',' && *tok != ' ' && *tok != '\n' && *tok != '\t') tok++; \
      if (*tok) *tok++ = 0;                                                    \
      cases[i].name = save;                                                    \
      cases[i].fn = fns[i];                                                    \
    }                                                                          \
    return fx_test_run(cases, sizeof fns / sizeof *fns, argc, argv);           \
  }

#endif
