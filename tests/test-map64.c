/* The private uint64 hash map (registry, calls, monitors) against a
 * reference array, through random puts, gets and removes. */
#include "fx_map64.h"
#include "fx_runtime.h"
#include "fx_test.h"

static uint64_t rng(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

TEST(random_operations_agree_with_a_reference) {
  fx_runtime_t *rt;
  ASSERT_OK(fx_runtime_new(NULL, &rt));
  enum { KEYS = 3000 };
  static uint64_t ref[KEYS]; /* value + 1, 0 when absent */
  memset(ref, 0, sizeof ref);
  fx_map64_t m = {0};
  uint64_t seed = 0x9e3779b97f4a7c15u;
  size_t count = 0;
  for (int step = 0; step < 200000; step++) {
    uint64_t r = rng(&seed);
    /* Keys collide on purpose: multiples of a power of two. */
    size_t k = (size_t)(r % KEYS);
    uint64_t key = (uint64_t)(k + 1) << 16, v;
    switch ((r >> 32) % 3) {
    case 0:
      ASSERT_OK(fx__map64_put(rt, &m, key, r));
      if (!ref[k]) count++;
      ref[k] = r + 1;
      break;
    case 1:
      ASSERT_EQ(fx__map64_remove(&m, key, &v), ref[k] != 0);
      if (ref[k]) {
        ASSERT_EQ(v, ref[k] - 1);
        count--;
      }
      ref[k] = 0;
      break;
    default:
      ASSERT_EQ(fx__map64_get(&m, key, &v), ref[k] != 0);
      if (ref[k]) ASSERT_EQ(v, ref[k] - 1);
    }
    ASSERT_EQ(m.count, count);
  }
  for (size_t k = 0; k < KEYS; k++) ASSERT_EQ(fx__map64_get(&m, (uint64_t)(k + 1) << 16, NULL), ref[k] != 0);
  ASSERT_EQ(fx__map64_get(&m, 12345, NULL), 0); /* absent keys end their probe */
  fx__map64_free(rt, &m);
  fx_runtime_free(rt);
}

TEST_MAIN(random_operations_agree_with_a_reference)
