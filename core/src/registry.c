/* The name registry: atom -> pid, one name per process, released when the
 * process exits (Erlang's register/unregister/whereis/registered). */
#include "fx_sched.h"

static uint64_t key_of(fx_term_t name) { return (uint64_t)fx_atom_index(name) + 1; }

static int valid_name(fx_term_t name) { return fx_is_atom(name) && name != FX_ATOM(UNDEFINED); }

int fx_register(fx_runtime_t *rt, fx_term_t name, fx_pid_t pid) {
  if (!rt || !valid_name(name)) return FX_EINVAL;
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (!p) return FX_ENOPROC;
  if (fx__map64_get(&rt->registry, key_of(name), NULL)) return FX_ENAMETAKEN;
  if (p->ext && p->ext->name != FX_NONE) return FX_ESTATE;
  fx_proc_ext_t *ext = fx__proc_ext(p);
  if (!ext) return FX_ENOMEM;
  int err = fx__map64_put(rt, &rt->registry, key_of(name), pid);
  if (err) return err;
  ext->name = name;
  return FX_OK;
}

int fx_unregister(fx_runtime_t *rt, fx_term_t name) {
  if (!rt || !valid_name(name)) return FX_EINVAL;
  uint64_t pid;
  if (!fx__map64_remove(&rt->registry, key_of(name), &pid)) return FX_EBADNAME;
  fx_proc_t *p = fx__proc_get(rt, pid);
  if (p && p->ext) p->ext->name = FX_NONE;
  return FX_OK;
}

int fx_whereis(const fx_runtime_t *rt, fx_term_t name, fx_pid_t *out) {
  if (!rt || !out || !fx_is_atom(name)) return FX_EINVAL;
  uint64_t pid;
  if (!fx__map64_get(&rt->registry, key_of(name), &pid)) return FX_EBADNAME;
  *out = pid;
  return FX_OK;
}

int fx_registered(const fx_runtime_t *rt, fx_term_t *names, size_t cap, size_t *n) {
  if (!rt || !n || (cap && !names)) return FX_EINVAL;
  size_t k = 0;
  for (uint32_t i = 0; i < rt->registry.cap; i++) {
    uint64_t key = rt->registry.entries[i].key;
    if (!key) continue;
    if (k < cap) names[k] = fx_atom_from_index((uint32_t)(key - 1));
    k++;
  }
  *n = k;
  return FX_OK;
}

fx_term_t fx_registered_name(const fx_runtime_t *rt, fx_pid_t pid) {
  const fx_proc_t *p = rt ? fx__proc_get(rt, pid) : NULL;
  return p && p->ext ? p->ext->name : FX_NONE;
}

void fx__registry_drop(fx_runtime_t *rt, fx_proc_t *p) {
  if (!p->ext || p->ext->name == FX_NONE) return;
  fx__map64_remove(&rt->registry, key_of(p->ext->name), NULL);
  p->ext->name = FX_NONE;
}
