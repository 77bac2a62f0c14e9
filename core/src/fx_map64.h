/* Private: an open-addressing hash map from nonzero uint64 keys to values
 * (uint64), with backward-shift deletion (no tombstones). Used for the
 * registry and monitors. */
#ifndef FX_MAP64_H
#define FX_MAP64_H

#include <stddef.h>
#include <stdint.h>

typedef struct fx_runtime fx_runtime_t;

typedef struct fx_map64_entry {
  uint64_t key; /* 0: empty */
  uint64_t value;
} fx_map64_entry_t;

typedef struct fx_map64 {
  fx_map64_entry_t *entries;
  uint32_t cap; /* power of two, or 0 */
  uint32_t count;
} fx_map64_t;

void fx__map64_free(fx_runtime_t *rt, fx_map64_t *m);
/* 1 and *value when found, 0 otherwise. */
int fx__map64_get(const fx_map64_t *m, uint64_t key, uint64_t *value);
/* Inserts or replaces; FX_ENOMEM leaves the map as it was. */
int fx__map64_put(fx_runtime_t *rt, fx_map64_t *m, uint64_t key, uint64_t value);
/* 1 when the key was present (and *value, if not NULL, gets its value). */
int fx__map64_remove(fx_map64_t *m, uint64_t key, uint64_t *value);

#endif
