/* Open-addressing uint64 hash map, linear probing, backward-shift delete. */
#include "fx_runtime.h"

static uint32_t slot_of(uint64_t key, uint32_t cap) {
  key ^= key >> 33;
  key *= UINT64_C(0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (uint32_t)key & (cap - 1);
}

void fx__map64_free(fx_runtime_t *rt, fx_map64_t *m) {
  fx__free(rt, m->entries, (size_t)m->cap * sizeof *m->entries);
  m->entries = NULL;
  m->cap = m->count = 0;
}

int fx__map64_get(const fx_map64_t *m, uint64_t key, uint64_t *value) {
  if (!m->cap) return 0;
  for (uint32_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
    if (m->entries[i].key == key) {
      if (value) *value = m->entries[i].value;
      return 1;
    }
    if (!m->entries[i].key) return 0;
  }
}

static void insert_fresh(fx_map64_entry_t *e, uint32_t cap, uint64_t key, uint64_t value) {
  uint32_t i = slot_of(key, cap);
  while (e[i].key) i = (i + 1) & (cap - 1);
  e[i].key = key;
  e[i].value = value;
}

int fx__map64_put(fx_runtime_t *rt, fx_map64_t *m, uint64_t key, uint64_t value) {
  if (m->cap) {
    for (uint32_t i = slot_of(key, m->cap); m->entries[i].key; i = (i + 1) & (m->cap - 1))
      if (m->entries[i].key == key) {
        m->entries[i].value = value;
        return FX_OK;
      }
  }
  if ((m->count + 1) * 4 > m->cap * 3) {
    uint32_t ncap = m->cap ? m->cap * 2 : 16;
    fx_map64_entry_t *e = fx__calloc(rt, (size_t)ncap * sizeof *e);
    if (!e) return FX_ENOMEM;
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->entries[i].key) insert_fresh(e, ncap, m->entries[i].key, m->entries[i].value);
    fx__free(rt, m->entries, (size_t)m->cap * sizeof *e);
    m->entries = e;
    m->cap = ncap;
  }
  insert_fresh(m->entries, m->cap, key, value);
  m->count++;
  return FX_OK;
}

int fx__map64_remove(fx_map64_t *m, uint64_t key, uint64_t *value) {
  if (!m->cap) return 0;
  uint32_t mask = m->cap - 1, i = slot_of(key, m->cap);
  while (m->entries[i].key != key) {
    if (!m->entries[i].key) return 0;
    i = (i + 1) & mask;
  }
  if (value) *value = m->entries[i].value;
  /* Shift later entries of the same probe run back into the hole. */
  for (uint32_t j = (i + 1) & mask; m->entries[j].key; j = (j + 1) & mask) {
    uint32_t home = slot_of(m->entries[j].key, m->cap);
    if (((j - home) & mask) >= ((j - i) & mask)) {
      m->entries[i] = m->entries[j];
      i = j;
    }
  }
  m->entries[i].key = 0;
  m->count--;
  return 1;
}
