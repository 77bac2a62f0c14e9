/* The runtime value: allocation, configuration, identity, clock. */
#include <stdlib.h>

#include "fx_platform.h"
#include "fx_runtime.h"
#include "fx_sched.h"

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

void *fx__alloc(fx_runtime_t *rt, size_t size) {
  void *p = rt->alloc(rt->alloc_ud, NULL, 0, size);
  if (p) rt->memory += size;
  return p;
}

void *fx__calloc(fx_runtime_t *rt, size_t size) {
  void *p = fx__alloc(rt, size);
  if (p) memset(p, 0, size);
  return p;
}

void *fx__realloc(fx_runtime_t *rt, void *p, size_t osize, size_t nsize) {
  void *q = rt->alloc(rt->alloc_ud, p, osize, nsize);
  if (q) rt->memory = rt->memory - osize + nsize;
  return q;
}

void fx__free(fx_runtime_t *rt, void *p, size_t size) {
  if (!p) return;
  rt->alloc(rt->alloc_ud, p, size, 0);
  rt->memory -= size;
}

#define FX_SMALL_POOL_MAX 4096

void *fx__alloc_small(fx_runtime_t *rt) {
  void *p = rt->small_pool;
  if (p) {
    rt->small_pool = *(void **)p;
    rt->small_pool_len--;
  } else if (!(p = fx__alloc(rt, FX_SMALL_BYTES))) {
    return NULL;
  }
  memset(p, 0, FX_SMALL_BYTES);
  return p;
}

void fx__free_small(fx_runtime_t *rt, void *p) {
  if (!p) return;
  if (rt->small_pool_len >= FX_SMALL_POOL_MAX) {
    fx__free(rt, p, FX_SMALL_BYTES);
    return;
  }
  *(void **)p = rt->small_pool;
  rt->small_pool = p;
  rt->small_pool_len++;
}

void fx__small_pool_free(fx_runtime_t *rt) {
  while (rt->small_pool) {
    void *p = rt->small_pool;
    rt->small_pool = *(void **)p;
    fx__free(rt, p, FX_SMALL_BYTES);
  }
  rt->small_pool_len = 0;
}

size_t fx_runtime_memory(const fx_runtime_t *rt) { return rt ? rt->memory : 0; }

void fx_runtime_config_init(fx_runtime_config_t *cfg) {
  if (cfg) memset(cfg, 0, sizeof *cfg);
}

int fx_runtime_new(const fx_runtime_config_t *cfg, fx_runtime_t **out) {
  fx_runtime_config_t defaults;
  if (!out) return FX_EINVAL;
  if (!cfg) {
    fx_runtime_config_init(&defaults);
    cfg = &defaults;
  }
  fx_alloc_fn alloc = cfg->alloc ? cfg->alloc : default_alloc;
  fx_runtime_t *rt = alloc(cfg->alloc_ud, NULL, 0, sizeof *rt);
  if (!rt) return FX_ENOMEM;
  memset(rt, 0, sizeof *rt);
  rt->alloc = alloc;
  rt->alloc_ud = cfg->alloc_ud;
  rt->memory = sizeof *rt;
  rt->clock = cfg->clock ? cfg->clock : fx__platform_clock;
  rt->clock_ud = cfg->clock ? cfg->clock_ud : NULL;
  /* A host clock with no sleep hook means the host drives time itself. */
  rt->sleep = cfg->sleep ? cfg->sleep : (cfg->clock ? NULL : fx__platform_sleep);
  rt->sleep_ud = cfg->sleep_ud;
  rt->max_processes = cfg->max_processes ? cfg->max_processes : (UINT32_C(1) << 20);
  rt->reductions = cfg->reductions ? cfg->reductions : 64;
  rt->node = FX_ATOM(NONODE);
  fx__heap_init(rt, &rt->scratch);
  rt->signals_tail = &rt->signals;
  rt->host_tail = &rt->host_head;
  rt->creation = 0;
  int err = fx__atoms_init(rt);
  if (err) {
    fx_runtime_free(rt);
    return err;
  }
  rt->now = rt->clock(rt->clock_ud);
  *out = rt;
  return FX_OK;
}

void fx_runtime_free(fx_runtime_t *rt) {
  if (!rt) return;
  rt->freeing = true;
  fx__sched_free_all(rt);
  fx__small_pool_free(rt);
  fx__msg_pool_free(rt);
  fx__atoms_free(rt);
  rt->alloc(rt->alloc_ud, rt, sizeof *rt, 0);
}

fx_term_t fx__node(const fx_runtime_t *rt) { return rt->node; }
uint32_t fx__creation(const fx_runtime_t *rt) { return rt->creation; }

uint64_t fx__new_ref_key(fx_runtime_t *rt) { return ++rt->ref_counter; }

fx_term_t fx__ref_write(const fx_runtime_t *rt, uint64_t *w, uint64_t key) {
  uint32_t ids[3] = {(uint32_t)(key & 0x3ffff), (uint32_t)(key >> 18), (uint32_t)(key >> 50)};
  w[0] = fx__header(FX_BOX_REF, 3);
  w[1] = rt->node;
  w[2] = rt->creation;
  w[3] = (uint64_t)ids[0] | (uint64_t)ids[1] << 32; /* two ids a word, as fx__ref_id reads them */
  w[4] = ids[2];
  return fx__box(w);
}

int64_t fx_now(const fx_runtime_t *rt) { return rt ? rt->now : 0; }

int64_t fx_update_time(fx_runtime_t *rt) {
  if (!rt) return 0;
  int64_t t = rt->clock(rt->clock_ud);
  if (t > rt->now) rt->now = t; /* never backwards */
  if (rt->call_fhead) fx__calls_start_timeouts(rt);
  return rt->now;
}
