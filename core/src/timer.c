/* Timers: a binary min-heap keyed on (due, sequence), so equal deadlines
 * fire in the order they were set; calls' deadlines (calls.c) are a sorted
 * list beside it, in the same order, fired by the same pass. Nodes live in a slot array and are
 * named by index + generation (fx_timer_t), so cancelling is O(log n) and a
 * stale handle is harmless. */
#include "fx_sched.h"

static fx_timer_t timer_id(const fx_timer_node_t *n, uint32_t index) { return ((uint64_t)n->gen << 32) | (index + 1); }

static int earlier(const fx_runtime_t *rt, uint32_t a, uint32_t b) {
  const fx_timer_node_t *x = &rt->timers[a], *y = &rt->timers[b];
  return x->due < y->due || (x->due == y->due && x->seq < y->seq);
}

static void heap_set(fx_runtime_t *rt, uint32_t pos, uint32_t node) {
  rt->heap[pos] = node;
  rt->timers[node].heap_pos = pos;
}

static void sift_up(fx_runtime_t *rt, uint32_t pos) {
  uint32_t node = rt->heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (!earlier(rt, node, rt->heap[parent])) break;
    heap_set(rt, pos, rt->heap[parent]);
    pos = parent;
  }
  heap_set(rt, pos, node);
}

static void sift_down(fx_runtime_t *rt, uint32_t pos) {
  uint32_t node = rt->heap[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= rt->heap_len) break;
    if (child + 1 < rt->heap_len && earlier(rt, rt->heap[child + 1], rt->heap[child])) child++;
    if (!earlier(rt, rt->heap[child], node)) break;
    heap_set(rt, pos, rt->heap[child]);
    pos = child;
  }
  heap_set(rt, pos, node);
}

static void heap_remove(fx_runtime_t *rt, uint32_t pos) {
  uint32_t last = rt->heap[--rt->heap_len];
  if (pos == rt->heap_len) return;
  heap_set(rt, pos, last);
  if (pos > 0 && earlier(rt, last, rt->heap[(pos - 1) / 2])) sift_up(rt, pos);
  else sift_down(rt, pos);
}

static int grow(fx_runtime_t *rt) {
  if (rt->heap_len == rt->heap_cap) {
    uint32_t ncap = rt->heap_cap ? rt->heap_cap * 2 : 64;
    uint32_t *h = fx__realloc(rt, rt->heap, rt->heap_cap * sizeof *h, ncap * sizeof *h);
    if (!h) return FX_ENOMEM;
    rt->heap = h;
    rt->heap_cap = ncap;
  }
  if (!rt->timer_free && rt->ntimers == rt->timers_cap) {
    uint32_t ncap = rt->timers_cap ? rt->timers_cap * 2 : 64;
    fx_timer_node_t *t = fx__realloc(rt, rt->timers, rt->timers_cap * sizeof *t, ncap * sizeof *t);
    if (!t) return FX_ENOMEM;
    memset(t + rt->timers_cap, 0, (ncap - rt->timers_cap) * sizeof *t);
    rt->timers = t;
    rt->timers_cap = ncap;
  }
  return FX_OK;
}

int fx__timer_start(fx_runtime_t *rt, int64_t due, const fx__timer_spec_t *spec, fx_timer_t *out) {
  int err = grow(rt);
  if (err) return err;
  uint32_t index;
  if (rt->timer_free) {
    index = rt->timer_free - 1;
    rt->timer_free = rt->timers[index].next_free;
  } else {
    index = rt->ntimers++;
    rt->timers[index].gen = 1;
  }
  fx_timer_node_t *n = &rt->timers[index];
  n->due = due;
  n->seq = rt->timer_seq++;
  n->kind = (uint8_t)spec->kind;
  n->to = spec->to;
  n->key = spec->key;
  n->msg = spec->msg;
  heap_set(rt, rt->heap_len++, index);
  sift_up(rt, rt->heap_len - 1);
  *out = timer_id(n, index);
  return FX_OK;
}

/* The node a handle names while it is pending, or NULL. */
static fx_timer_node_t *lookup(fx_runtime_t *rt, fx_timer_t id, uint32_t *index) {
  uint32_t i = (uint32_t)id;
  if (i == 0 || i > rt->ntimers) return NULL;
  fx_timer_node_t *n = &rt->timers[i - 1];
  if (n->gen != (uint32_t)(id >> 32) || n->kind == 0) return NULL;
  *index = i - 1;
  return n;
}

/* Puts timer `index` at the head of its target process's list. */
static void target_link(fx_runtime_t *rt, uint32_t index, fx_proc_ext_t *ext) {
  fx_timer_node_t *n = &rt->timers[index];
  n->target = ext;
  n->tprev = 0;
  n->tnext = ext->timers;
  if (n->tnext) rt->timers[n->tnext - 1].tprev = index + 1;
  ext->timers = index + 1;
}

static void target_unlink(fx_runtime_t *rt, fx_timer_node_t *n) {
  if (!n->target) return;
  if (n->tprev) rt->timers[n->tprev - 1].tnext = n->tnext;
  else n->target->timers = n->tnext;
  if (n->tnext) rt->timers[n->tnext - 1].tprev = n->tprev;
  n->target = NULL;
}

static void node_free(fx_runtime_t *rt, uint32_t index) {
  fx_timer_node_t *n = &rt->timers[index];
  target_unlink(rt, n);
  n->kind = 0;
  n->msg = NULL;
  n->gen++;
  n->next_free = rt->timer_free;
  rt->timer_free = index + 1;
}

static void cancel_at(fx_runtime_t *rt, uint32_t index) {
  fx_timer_node_t *n = &rt->timers[index];
  heap_remove(rt, n->heap_pos);
  if (n->msg) fx__msg_free(rt, n->msg);
  node_free(rt, index);
}

int fx__timer_cancel(fx_runtime_t *rt, fx_timer_t id) {
  uint32_t index;
  if (!lookup(rt, id, &index)) return 0;
  cancel_at(rt, index);
  return 1;
}

void fx__timers_cancel_to(fx_runtime_t *rt, fx_proc_ext_t *ext) {
  while (ext->timers) cancel_at(rt, ext->timers - 1);
}

static void fire(fx_runtime_t *rt, fx_timer_node_t node) {
  switch ((fx_timer_kind_t)node.kind) {
  case FX_TIMER_RECEIVE: {
    fx_proc_t *p = fx__proc_get(rt, node.key);
    if (!p) break;
    p->recv_timer = 0;
    p->flags |= FX_PF_TIMED_OUT;
    if (p->status == FX_PS_WAITING) fx__runq_push(rt, p);
    break;
  }
  case FX_TIMER_SEND: {
    fx_pid_t pid = 0;
    if (fx_is_local_pid(node.to)) pid = fx_term_pid(node.to);
    else if (fx_whereis(rt, node.to, &pid) != FX_OK) pid = 0;
    fx_proc_t *p = pid ? fx__proc_get(rt, pid) : NULL;
    if (p) {
      node.msg->from = 0;
      fx__mailbox_push(rt, p, node.msg);
    } else {
      fx__msg_free(rt, node.msg);
    }
    break;
  }
  }
}

/* Whether x, due at `due` and set as `seq`, fires in this pass. */
static int ripe(const fx_runtime_t *rt, int64_t due, uint64_t seq, uint64_t horizon) { return due <= rt->now && seq < horizon; }

void fx__timers_fire(fx_runtime_t *rt) {
  /* Timers set while firing (by a callback) wait for the next pass. The
   * heap and the calls' deadline list (calls.c) are one order, by (due,
   * seq). */
  uint64_t horizon = rt->timer_seq;
  for (;;) {
    const fx_timer_node_t *top = rt->heap_len ? &rt->timers[rt->heap[0]] : NULL;
    const fx_call_t *c = rt->call_dhead ? &rt->calls[rt->call_dhead] : NULL;
    if (top && !ripe(rt, top->due, top->seq, horizon)) top = NULL;
    if (c && !ripe(rt, c->due, c->seq, horizon)) c = NULL;
    if (c && (!top || c->due < top->due || (c->due == top->due && c->seq < top->seq))) {
      fx__call_expire_first(rt);
    } else if (top) {
      uint32_t index = rt->heap[0];
      fx_timer_node_t node = *top;
      heap_remove(rt, 0);
      node_free(rt, index);
      fire(rt, node);
    } else {
      break;
    }
  }
}

void fx__timers_free(fx_runtime_t *rt) {
  for (uint32_t i = 0; i < rt->heap_len; i++) {
    fx_timer_node_t *n = &rt->timers[rt->heap[i]];
    if (n->msg) fx__msg_free(rt, n->msg);
  }
  fx__free(rt, rt->heap, rt->heap_cap * sizeof *rt->heap);
  fx__free(rt, rt->timers, rt->timers_cap * sizeof *rt->timers);
  rt->heap = NULL;
  rt->timers = NULL;
  rt->heap_len = rt->heap_cap = rt->ntimers = rt->timers_cap = 0;
}

/* ---- public ---- */

int fx_send_after(fx_runtime_t *rt, int64_t ms, fx_term_t to, fx_term_t msg, fx_timer_t *out) {
  fx_timer_t ignored;
  if (!out) out = &ignored; /* a timer nobody will cancel */
  if (!rt || ms < 0) return FX_EINVAL;
  if (!fx_is_local_pid(to) && !fx_is_atom(to)) return FX_EINVAL;
  /* To a live pid: in its process's list, cancelled if it exits first. */
  fx_proc_t *p = fx_is_local_pid(to) ? fx__proc_get(rt, fx_term_pid(to)) : NULL;
  if (fx_is_local_pid(to) && !p) {
    *out = 0; /* to a process that has exited: cancelled at once, as erlang:send_after/3's */
    return FX_OK;
  }
  fx_proc_ext_t *ext = p ? fx__proc_ext(p) : NULL;
  if (p && !ext) return FX_ENOMEM;
  fx__timer_spec_t spec = {.kind = FX_TIMER_SEND, .to = to};
  int err = fx__msg_from_term(rt, msg, &spec.msg);
  if (err) return err;
  err = fx__timer_start(rt, fx__time_after(fx_update_time(rt), ms), &spec, out);
  if (err) fx__msg_free(rt, spec.msg);
  else if (ext) target_link(rt, (uint32_t)*out - 1, ext);
  return err;
}

int fx_cancel_timer(fx_runtime_t *rt, fx_timer_t timer) {
  if (!rt) return FX_EINVAL;
  return fx__timer_cancel(rt, timer) ? FX_OK : FX_ENOTFOUND;
}
