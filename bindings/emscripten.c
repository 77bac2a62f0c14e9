/* The WebAssembly export surface for JavaScript (web/): the only file with
 * export annotations. Thin: each function checks its arguments, decodes the
 * ETF the host wrote into wasm memory, calls the core and reports an error
 * code; nothing here traps on bad input.
 *
 * Conventions, shared with web/src/native.js:
 *   - A runtime is an opaque fxw_t handle from fxw_new (a NULL one, as the
 *     host holds after fxw_free, gets FX_EINVAL, 0 or NULL).
 *   - Pids cross as two u32 (slot index, generation); a target is a pid or,
 *     when name_len > 0, a registered name given as UTF-8 bytes.
 *   - Small results (pids, ids) go to the handle's `out` words; byte
 *     results (ETF, the event batch) to its output buffer, whose address
 *     and length are out[OUT_PTR] and out[OUT_LEN] after the call.
 *   - Compiled patterns are table slots (small integers), not pointers.
 *
 * The event batch (fxw_drain) has a buffer of its own, which only the next
 * fxw_drain overwrites. It is, per event, eight u32 words
 *   kind, status, clause, pid index, pid generation, id low, id high, nterms
 * then nterms terms, each a u32 byte length and that many ETF bytes padded
 * to 4. MATCH events carry the extracted terms only (never the message);
 * EXIT, CALL and START carry their value; TIMEOUT carries nothing. An
 * extracted term that is a call's From as the core makes it, {LocalPid,
 * Ref} with a local three-id ref, comes as the length FROM_MARK and seven
 * u32: pid index, pid generation, pid creation (0), ref creation, ref ids
 * (a server replies with them as they are; no ETF either way).
 *
 * The trace buffer (fxw_trace_take), while a trace is on, holds per core
 * trace event seven u32 words
 *   kind, pid index, pid generation, from index, from generation,
 *   time low, time high (the runtime's clock, ms)
 * then two terms as above, the message and the reason (length 0: none). */
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

enum { OUT_A = 0, OUT_B = 1, OUT_DUE_LO = 2, OUT_DUE_HI = 3, OUT_PTR = 6, OUT_LEN = 7, OUT_WORDS = 8 };
#define MAX_CLAUSES 256
#define MAX_CHILDREN 4096

typedef struct fxw {
  fx_runtime_t *rt;
  fx_heap_t *heap;          /* scratch for decoded arguments; reset per call */
  uint32_t out[OUT_WORDS];  /* small results, read by the host */
  uint8_t *buf;             /* output bytes: ETF results */
  size_t cap;
  uint8_t *ebuf;            /* the event batch, apart: the host reads it while */
  size_t ecap;              /* it calls functions that write buf */
  fx_pattern_t **pats;      /* compiled patterns; NULL slots are free */
  uint32_t npats;
  /* Supervisor specs live as long as their supervisor may restart a
   * nested child from them: kept until the runtime is freed. */
  void **keep;
  uint32_t nkeep;
  fx_heap_t **heaps;        /* the terms of specs with nested supervisors */
  uint32_t nheaps;
  struct standing *standing; /* by pid index: standing receives (fxw_drain) */
  uint32_t nstanding;
  uint8_t *tbuf;            /* trace events not yet taken by the host */
  size_t tlen, tcap;
  uint32_t tcount;
  uint32_t tlost;           /* events dropped because tbuf could not grow */
} fxw_t;

/* ---- helpers ---- */

static fx_pid_t pid_of(uint32_t index, uint32_t gen) { return fx_pid_make(index, gen); }

static void put_pid(fxw_t *w, fx_pid_t pid) {
  w->out[OUT_A] = fx_pid_index(pid);
  w->out[OUT_B] = fx_pid_gen(pid);
}

static void put_u64(fxw_t *w, uint64_t v) {
  w->out[OUT_A] = (uint32_t)v;
  w->out[OUT_B] = (uint32_t)(v >> 32);
}

static int grow(uint8_t **buf, size_t *cap, size_t need) {
  if (need <= *cap) return FX_OK;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  uint8_t *b = realloc(*buf, c);
  if (!b) return FX_ENOMEM;
  *buf = b;
  *cap = c;
  return FX_OK;
}

static int reserve(fxw_t *w, size_t need) { return grow(&w->buf, &w->cap, need); }

/* Appends t's ETF at byte `at` of *buf, as a u32 length and the bytes
 * padded to 4 (FX_NONE: length 0); returns the next offset through *next.
 * Most terms are small: encoded straight into the room the buffer has,
 * measured first only when that is too little. */
#define PUT_ROOM 256

static int put_term_in(const fx_runtime_t *rt, uint8_t **buf, size_t *cap, size_t at, fx_term_t t, size_t *next) {
  size_t size = 0, len = 0;
  int err = grow(buf, cap, at + 4 + PUT_ROOM);
  if (err) return err;
  if (t != FX_NONE && (err = fx_etf_encode(rt, t, *buf + at + 4, PUT_ROOM, &len)) == FX_ENOSPACE) {
    if ((err = fx_etf_encoded_size(rt, t, &size)) != FX_OK) return err;
    if ((err = grow(buf, cap, at + 4 + size + 3)) != FX_OK) return err;
    err = fx_etf_encode(rt, t, *buf + at + 4, size, &len);
  }
  if (err) return err;
  uint32_t l32 = (uint32_t)len;
  memcpy(*buf + at, &l32, 4);
  *next = at + 4 + ((len + 3) & ~(size_t)3);
  return FX_OK;
}

/* Appends t to the event buffer. */
static int put_term(fxw_t *w, size_t at, fx_term_t t, size_t *next) { return put_term_in(w->rt, &w->ebuf, &w->ecap, at, t, next); }

#define FROM_MARK UINT32_MAX

/* An extracted term: a local From as seven numbers, anything else as ETF. */
static int put_extracted(fxw_t *w, size_t at, fx_term_t t, size_t *next) {
  if (fx_is_tuple(t) && fx_tuple_arity(t) == 2 && fx_is_local_pid(fx_tuple_get(t, 0))) {
    fx_term_t ref = fx_tuple_get(t, 1);
    const uint64_t *b = fx_is_ref(ref) && fx_box_size(ref) == 3 ? fx_box_ptr(ref) : NULL;
    if (b && b[1] == FX_ATOM(NONODE)) {
      int err = grow(&w->ebuf, &w->ecap, at + 32);
      if (err) return err;
      fx_pid_t pid = fx_term_pid(fx_tuple_get(t, 0));
      uint32_t v[8] = {FROM_MARK, fx_pid_index(pid), fx_pid_gen(pid), 0, (uint32_t)b[2],
                       (uint32_t)b[3], (uint32_t)(b[3] >> 32), (uint32_t)b[4]};
      memcpy(w->ebuf + at, v, sizeof v);
      *next = at + sizeof v;
      return FX_OK;
    }
  }
  return put_term(w, at, t, next);
}

/* Makes t's bare ETF the call's byte result. */
static int result_term(fxw_t *w, fx_term_t t) {
  size_t size = 0, len = 0;
  int err = fx_etf_encoded_size(w->rt, t, &size);
  if (!err) err = reserve(w, size);
  if (!err) err = fx_etf_encode(w->rt, t, w->buf, size, &len);
  w->out[OUT_PTR] = (uint32_t)(uintptr_t)w->buf;
  w->out[OUT_LEN] = err ? 0 : (uint32_t)len;
  return err;
}

static int decode(fxw_t *w, const uint8_t *etf, uint32_t len, fx_term_t *out) {
  if (!etf || !len) return FX_EINVAL;
  fx_heap_reset(w->heap);
  return fx_etf_decode(w->rt, etf, len, w->heap, out);
}

/* A pid, or the atom named by `name` when name_len > 0. A name that was
 * never made an atom cannot be registered: FX_EBADNAME, nothing interned. */
static int target(fxw_t *w, uint32_t index, uint32_t gen, const char *name, uint32_t name_len, fx_term_t *out) {
  if (!name_len) {
    *out = fx_pid_term(pid_of(index, gen));
    return FX_OK;
  }
  int err = fx_atom_lookup(w->rt, name, name_len, out);
  return err == FX_ENOTFOUND ? FX_EBADNAME : err;
}

static int name_atom(fxw_t *w, const char *name, uint32_t name_len, int create, fx_term_t *out) {
  if (!name || !name_len) return FX_EINVAL;
  if (create) return fx_atom(w->rt, name, name_len, out);
  int err = fx_atom_lookup(w->rt, name, name_len, out);
  return err == FX_ENOTFOUND ? FX_EBADNAME : err;
}

static int64_t ms(double v) { return v < 0 ? FX_INFINITY : v > 9e15 ? (int64_t)9e15 : (int64_t)v; }

/* ---- the runtime ---- */

/* fx_process_info's statuses, by fx_process_status_t, as atoms. */
static const char *const statuses[] = {"", "runnable", "waiting", "host", "running"};

/* The host's clock (performance.now()'s milliseconds, as the host arms its
 * timers on). A reading crosses into JavaScript, and costs about as much as
 * a whole message in Node.js: the core reads it only when it starts or
 * fires a timer, never per message. */
static int64_t host_clock(void *ud) {
  (void)ud;
  return (int64_t)emscripten_get_now();
}

EXPORT fxw_t *fxw_new(uint32_t max_processes) {
  fx_runtime_config_t cfg;
  fx_runtime_config_init(&cfg);
  cfg.max_processes = max_processes;
  fxw_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  cfg.clock = host_clock;
  /* What introspection needs is made now, so that it still answers when
   * memory has run out: its atoms, and room for its results. */
  fx_term_t status;
  int ok = fx_runtime_new(&cfg, &w->rt) == FX_OK && fx_heap_new(w->rt, &w->heap) == FX_OK && reserve(w, 4096) == FX_OK;
  for (size_t i = 0; ok && i < sizeof statuses / sizeof *statuses; i++) ok = fx_atom_cstr(w->rt, statuses[i], &status) == FX_OK;
  if (!ok) {
    if (w->rt) fx_runtime_free(w->rt);
    free(w);
    return NULL;
  }
  return w;
}

EXPORT void fxw_free(fxw_t *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->npats; i++) fx_pattern_free(w->rt, w->pats[i]);
  fx_heap_free(w->heap);
  for (uint32_t i = 0; i < w->nheaps; i++) fx_heap_free(w->heaps[i]);
  free(w->heaps);
  fx_runtime_free(w->rt);
  for (uint32_t i = 0; i < w->nkeep; i++) free(w->keep[i]);
  free(w->keep);
  free(w->pats);
  free(w->buf);
  free(w->ebuf);
  free(w->standing);
  free(w->tbuf);
  free(w);
}

EXPORT uint32_t *fxw_out(fxw_t *w) { return w ? w->out : NULL; }
EXPORT void *fxw_alloc(uint32_t size) { return malloc(size ? size : 1); }
EXPORT void fxw_dealloc(void *p) { free(p); }
EXPORT double fxw_memory(fxw_t *w) { return w ? (double)fx_runtime_memory(w->rt) : 0; }
EXPORT uint32_t fxw_process_count(fxw_t *w) { return w ? (uint32_t)fx_process_count(w->rt) : 0; }

/* ---- the run loop ---- */

/* Runs the loop for at most `budget` reductions. */
EXPORT int fxw_run(fxw_t *w, uint32_t budget) { return w ? fx_run_budget(w->rt, budget) : FX_EINVAL; }

/* Standing receives: a host process whose receive set never changes (a
 * JavaScript GenServer) asks for its receive to be posted again each time
 * it matches, so that fxw_drain hands over a run of its messages in one
 * batch instead of one message per trip through the loop. The host keeps
 * the matches it is not ready for and handles them in order. */
typedef struct standing {
  uint32_t gen_plus1; /* 0: none */
  int slot;
} standing_t;

static standing_t *standing_get(fxw_t *w, uint32_t index, uint32_t gen) {
  if (index >= w->nstanding || w->standing[index].gen_plus1 != gen + 1) return NULL;
  return &w->standing[index];
}

static int standing_set(fxw_t *w, uint32_t index, uint32_t gen, int slot) {
  if (index >= w->nstanding) {
    uint32_t n = w->nstanding ? w->nstanding : 64;
    while (n <= index) n *= 2;
    standing_t *t = realloc(w->standing, n * sizeof *t);
    if (!t) return FX_ENOMEM;
    memset(t + w->nstanding, 0, (n - w->nstanding) * sizeof *t);
    w->standing = t;
    w->nstanding = n;
  }
  w->standing[index].gen_plus1 = gen + 1;
  w->standing[index].slot = slot;
  return FX_OK;
}

/* Most events one drain hands over; more wait for the next drain. */
#define DRAIN_MAX 1024

/* Serialises the queued events into the event buffer and releases them,
 * posting standing receives again as their matches go (which may queue
 * more matches, taken in the same batch up to DRAIN_MAX). Returns the
 * number of events, or an error (out of memory). It also says whether a
 * process is runnable (out[OUT_A]) and the next timer's deadline (its low
 * and high words; -1: none): the host's loop asks nothing more before it
 * goes idle. */
EXPORT int fxw_drain(fxw_t *w) {
  if (!w) return FX_EINVAL;
  size_t at = 0;
  int n = 0, err = FX_OK;
  fx_host_event_t *list;
  while (!err && n < DRAIN_MAX && (list = fx_host_take_events(w->rt)) != NULL) {
    for (fx_host_event_t *ev = list; ev && !err; ev = ev->next, n++) {
      uint32_t nterms = ev->kind == FX_HOST_MATCH ? ev->nextracted : ev->kind == FX_HOST_TIMEOUT ? 0 : 1;
      uint32_t index = fx_pid_index(ev->pid), gen = fx_pid_gen(ev->pid);
      if ((err = grow(&w->ebuf, &w->ecap, at + 32)) != FX_OK) break;
      uint32_t head[8] = {(uint32_t)ev->kind, (uint32_t)ev->status, (uint32_t)ev->clause, index, gen,
                          (uint32_t)ev->id, (uint32_t)(ev->id >> 32), nterms};
      memcpy(w->ebuf + at, head, sizeof head);
      at += sizeof head;
      if (ev->kind == FX_HOST_MATCH) {
        for (uint32_t i = 0; i < nterms && !err; i++) err = put_extracted(w, at, ev->extracted[i], &at);
        /* Serialised: post its standing receive again (a match at once
         * queues a new event, taken by the next turn of this loop). */
        standing_t *st = err ? NULL : standing_get(w, index, gen);
        const fx_pattern_t *p = st && (uint32_t)st->slot < w->npats ? w->pats[st->slot] : NULL;
        if (st && (!p || fx_host_receive(w->rt, ev->pid, p, FX_INFINITY) < 0)) st->gen_plus1 = 0;
      } else if (nterms) {
        err = put_term(w, at, ev->value, &at);
      }
    }
    /* Out of memory (the buffer could not grow): the batch cannot reach
     * the host; it is released and the host treats the error as fatal. */
    fx_host_release_events(w->rt, list);
  }
  if (err) {
    w->out[OUT_LEN] = 0;
    return err;
  }
  w->out[OUT_PTR] = (uint32_t)(uintptr_t)w->ebuf;
  w->out[OUT_LEN] = (uint32_t)at;
  /* With no event the host may go idle: calls made since the clock was
   * last read (by handlers) start their timeouts now, else they would
   * start only when the host wakes at the earliest deadline they could
   * have, a timeout late. (With events, the host drains again first.) */
  if (n == 0 && fx_clock_wanted(w->rt)) fx_update_time(w->rt);
  int64_t due = fx_next_deadline(w->rt);
  w->out[OUT_A] = (uint32_t)fx_runnable(w->rt);
  w->out[OUT_DUE_LO] = (uint32_t)(uint64_t)due;
  w->out[OUT_DUE_HI] = (uint32_t)((uint64_t)due >> 32);
  return n;
}

/* ---- messaging ---- */

EXPORT int fxw_send(fxw_t *w, uint32_t index, uint32_t gen, const char *name, uint32_t name_len, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t to;
  int err = target(w, index, gen, name, name_len, &to);
  return err ? err : fx_send_etf(w->rt, to, etf, len);
}

/* {'$gen_cast', Request}, made here around the request's ETF: the host
 * need not encode the tuple nor the core look its atom up. */
EXPORT int fxw_cast(fxw_t *w, uint32_t index, uint32_t gen, const char *name, uint32_t name_len, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t to, req;
  int err = target(w, index, gen, name, name_len, &to);
  if (!err) err = decode(w, etf, len, &req);
  return err ? err : fx_cast(w->rt, to, req);
}

/* The call's timeout starts when the core next reads its clock: at the
 * latest the drain before the host sleeps (fx_clock_wanted). */
EXPORT int fxw_call(fxw_t *w, uint32_t index, uint32_t gen, const char *name, uint32_t name_len, const uint8_t *etf, uint32_t len, double timeout) {
  if (!w) return FX_EINVAL;
  fx_term_t to, req;
  uint64_t id = 0;
  int err = target(w, index, gen, name, name_len, &to);
  if (!err) err = decode(w, etf, len, &req);
  if (!err) err = fx_host_call(w->rt, to, req, ms(timeout), &id);
  if (!err) put_u64(w, id);
  return err;
}

/* etf is {From, Reply}: From as the server received it. */
EXPORT int fxw_reply(fxw_t *w, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t t;
  int err = decode(w, etf, len, &t);
  if (err) return err;
  if (!fx_is_tuple(t) || fx_tuple_arity(t) != 2) return FX_EINVAL;
  return fx_reply(w->rt, fx_tuple_get(t, 0), fx_tuple_get(t, 1));
}

/* Answers a call whose From the host kept as ETF bytes (not decoded). */
EXPORT int fxw_reply_etf(fxw_t *w, const uint8_t *from_etf, uint32_t from_len, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t from, reply;
  int err = decode(w, from_etf, from_len, &from);
  if (!err && (!etf || !len)) err = FX_EINVAL;
  if (!err) err = fx_etf_decode(w->rt, etf, len, w->heap, &reply);
  return err ? err : fx_reply(w->rt, from, reply);
}

/* Answers a call whose From is this runtime's {Pid, Ref} with creation 0,
 * given as its numbers (pid index and generation, the ref's three ids):
 * the host kept them instead of the From's ETF. The ref is built as term.h
 * lays a reference box out. When the call is one this host made and still
 * waits for, it completes with no event: returns 1 and the call's key in
 * out[OUT_A], out[OUT_B], and the host settles it with the reply's ETF it
 * wrote (its own copy: the core need not decode it and encode it back).
 * Else returns 0 once replied (or dropped: a call already over). */
EXPORT int fxw_reply_local(fxw_t *w, uint32_t index, uint32_t gen, uint32_t id0, uint32_t id1, uint32_t id2, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  uint64_t ref_words[5] = {(UINT64_C(3) << 8) | FX_BOX_REF, FX_ATOM(NONODE), 0, (uint64_t)id0 | (uint64_t)id1 << 32, id2};
  fx_term_t ref = (fx_term_t)(uintptr_t)ref_words, reply, from;
  uint64_t key;
  if (!etf || !len) return FX_EINVAL;
  if (fx_host_take_call(w->rt, ref, &key) == 1) {
    put_u64(w, key);
    return 1;
  }
  int err = decode(w, etf, len, &reply);
  if (!err) err = fx_tuple2(w->heap, fx_pid_term(pid_of(index, gen)), ref, &from);
  return err ? err : fx_reply(w->rt, from, reply);
}

EXPORT int fxw_make_ref(fxw_t *w) {
  if (!w) return FX_EINVAL;
  fx_term_t ref;
  fx_heap_reset(w->heap);
  int err = fx_make_ref(w->rt, w->heap, &ref);
  return err ? err : result_term(w, ref);
}

/* ---- host processes ---- */

EXPORT int fxw_spawn(fxw_t *w, uint32_t kind, uint32_t link_index, uint32_t link_gen, int trap_exit) {
  if (!w) return FX_EINVAL;
  fx_spawn_opts_t opts = {.link = link_index || link_gen ? pid_of(link_index, link_gen) : 0, .name = FX_NONE, .trap_exit = trap_exit};
  fx_pid_t pid;
  int err = fx_host_spawn(w->rt, kind, &opts, &pid);
  if (!err) put_pid(w, pid);
  return err;
}

/* pattern: a slot from fxw_pattern, or -1 for any message. */
EXPORT int fxw_receive(fxw_t *w, uint32_t index, uint32_t gen, int pattern, double timeout) {
  if (!w) return FX_EINVAL;
  const fx_pattern_t *p = NULL;
  standing_t *st = standing_get(w, index, gen);
  if (st) st->gen_plus1 = 0;
  if (pattern >= 0) {
    if ((uint32_t)pattern >= w->npats || !w->pats[pattern]) return FX_EINVAL;
    p = w->pats[pattern];
  }
  return fx_host_receive(w->rt, pid_of(index, gen), p, ms(timeout));
}

/* A standing receive (see fxw_drain): posted now and again after each
 * match until the process ends or posts an ordinary receive. */
EXPORT int fxw_receive_standing(fxw_t *w, uint32_t index, uint32_t gen, int pattern) {
  if (!w) return FX_EINVAL;
  if (pattern < 0 || (uint32_t)pattern >= w->npats || !w->pats[pattern]) return FX_EINVAL;
  int err = standing_set(w, index, gen, pattern);
  if (err) return err;
  int rc = fx_host_receive(w->rt, pid_of(index, gen), w->pats[pattern], FX_INFINITY);
  if (rc < 0) standing_get(w, index, gen)->gen_plus1 = 0;
  return rc;
}

/* Takes back a posted receive, standing or not (fx_host_cancel_receive):
 * 1 when one was cancelled, 0 when it was answered already. */
EXPORT int fxw_receive_cancel(fxw_t *w, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  standing_t *st = standing_get(w, index, gen);
  if (st) st->gen_plus1 = 0;
  return fx_host_cancel_receive(w->rt, pid_of(index, gen));
}

/* A supervised host process's init is over (fx_host_started). */
EXPORT int fxw_host_started(fxw_t *w, uint32_t index, uint32_t gen) {
  return w ? fx_host_started(w->rt, pid_of(index, gen)) : FX_EINVAL;
}

EXPORT int fxw_host_exit(fxw_t *w, uint32_t index, uint32_t gen, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t reason;
  int err = decode(w, etf, len, &reason);
  return err ? err : fx_host_exit(w->rt, pid_of(index, gen), reason);
}

EXPORT int fxw_host_kind(fxw_t *w, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  uint32_t kind = 0;
  int err = fx_host_kind(w->rt, pid_of(index, gen), &kind);
  return err ? err : (int)kind;
}

/* ---- patterns ---- */

/* etf is a list (or tuple) of clause patterns. Returns a slot >= 0. */
EXPORT int fxw_pattern(fxw_t *w, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t list, clauses[MAX_CLAUSES];
  size_t n = 0;
  int err = decode(w, etf, len, &list);
  if (err) return err;
  if (fx_is_tuple(list)) {
    n = fx_tuple_arity(list);
    if (n > MAX_CLAUSES) return FX_ETOOBIG;
    for (size_t i = 0; i < n; i++) clauses[i] = fx_tuple_get(list, i);
  } else {
    for (; fx_is_cons(list); list = fx_tail(list)) {
      if (n == MAX_CLAUSES) return FX_ETOOBIG;
      clauses[n++] = fx_head(list);
    }
    if (!fx_is_nil(list)) return FX_EINVAL;
  }
  if (!n) return FX_EINVAL;
  fx_pattern_t *p;
  if ((err = fx_pattern_compile(w->rt, clauses, n, FX_PATTERN_TEXT_MATCHES_ATOM, &p)) != FX_OK) return err;
  uint32_t slot = 0;
  while (slot < w->npats && w->pats[slot]) slot++;
  if (slot == w->npats) {
    fx_pattern_t **pats = realloc(w->pats, (w->npats + 1) * sizeof *pats);
    if (!pats) {
      fx_pattern_free(w->rt, p);
      return FX_ENOMEM;
    }
    w->pats = pats;
    w->npats++;
  }
  w->pats[slot] = p;
  return (int)slot;
}

/* Frees a slot; the host must not free one a waiting process uses. */
EXPORT int fxw_pattern_free(fxw_t *w, int slot) {
  if (!w) return FX_EINVAL;
  if (slot < 0 || (uint32_t)slot >= w->npats || !w->pats[slot]) return FX_EINVAL;
  fx_pattern_free(w->rt, w->pats[slot]);
  w->pats[slot] = NULL;
  return FX_OK;
}

/* ---- registry ---- */

EXPORT int fxw_register(fxw_t *w, const char *name, uint32_t name_len, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  fx_term_t a;
  int err = name_atom(w, name, name_len, 1, &a);
  return err ? err : fx_register(w->rt, a, pid_of(index, gen));
}

EXPORT int fxw_unregister(fxw_t *w, const char *name, uint32_t name_len) {
  if (!w) return FX_EINVAL;
  fx_term_t a;
  int err = name_atom(w, name, name_len, 0, &a);
  return err ? err : fx_unregister(w->rt, a);
}

EXPORT int fxw_whereis(fxw_t *w, const char *name, uint32_t name_len) {
  if (!w) return FX_EINVAL;
  fx_term_t a;
  fx_pid_t pid;
  int err = name_atom(w, name, name_len, 0, &a);
  if (!err) err = fx_whereis(w->rt, a, &pid);
  if (!err) put_pid(w, pid);
  return err;
}

/* The registered names, as the ETF of a list of atoms. */
EXPORT int fxw_registered(fxw_t *w) {
  if (!w) return FX_EINVAL;
  size_t n = 0;
  int err = fx_registered(w->rt, NULL, 0, &n);
  if (err) return err;
  fx_term_t *names = malloc((n ? n : 1) * sizeof *names), list;
  if (!names) return FX_ENOMEM;
  err = fx_registered(w->rt, names, n, &n);
  fx_heap_reset(w->heap);
  if (!err) err = fx_make_list(w->heap, n, names, FX_NIL, &list);
  free(names);
  return err ? err : result_term(w, list);
}

/* The name pid is registered under (ETF atom), or an empty result. */
EXPORT int fxw_registered_name(fxw_t *w, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  fx_term_t name = fx_registered_name(w->rt, pid_of(index, gen));
  w->out[OUT_LEN] = 0;
  return name == FX_NONE ? FX_OK : result_term(w, name);
}

/* ---- introspection ---- */

/* Every live process, as the ETF of a list of pids. */
EXPORT int fxw_processes(fxw_t *w) {
  if (!w) return FX_EINVAL;
  size_t n = 0;
  fx_heap_reset(w->heap); /* the scratch heap's kept chunk is room enough: no allocation when memory is short */
  int err = fx_processes(w->rt, NULL, 0, &n);
  fx_pid_t *pids = err ? NULL : malloc((n ? n : 1) * sizeof *pids);
  if (!err && !pids) err = FX_ENOMEM;
  if (!err) err = fx_processes(w->rt, pids, n, &n);
  fx_term_t list = FX_NIL;
  for (size_t i = n; !err && i-- > 0;) err = fx_make_cons(w->heap, fx_pid_term(pids[i]), list, &list);
  free(pids);
  if (!err) err = result_term(w, list);
  fx_heap_reset(w->heap);
  return err;
}

/* What the core knows of a process, as the ETF of
 * {Behaviour, Status, MailboxLength, Links, Monitors, MonitoredBy,
 *  TrapExit, Supervisor | undefined}: Links every linked pid, Monitors the
 * refs of the active monitors it holds, MonitoredBy a count. */
EXPORT int fxw_process_info(fxw_t *w, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  fx_process_info_t info;
  fx_pid_t pid = pid_of(index, gen);
  fx_heap_reset(w->heap); /* as in fxw_processes */
  int err = fx_process_info(w->rt, pid, &info);
  if (err) return err;
  /* The counts size the arrays: all of them, however many. */
  fx_pid_t *links = info.links ? malloc(info.links * sizeof *links) : NULL;
  fx_term_t *refs = info.monitors ? malloc(info.monitors * sizeof *refs) : NULL;
  size_t nlinks = 0, nrefs = 0;
  if ((info.links && !links) || (info.monitors && !refs)) err = FX_ENOMEM;
  if (!err) err = fx_process_links(w->rt, pid, links, info.links, &nlinks);
  if (!err) err = fx_process_monitors(w->rt, pid, w->heap, refs, info.monitors, &nrefs);
  fx_term_t el[8], list = FX_NIL, monitors = FX_NIL;
  for (size_t i = nlinks < info.links ? nlinks : info.links; !err && i-- > 0;) err = fx_make_cons(w->heap, fx_pid_term(links[i]), list, &list);
  for (size_t i = nrefs < info.monitors ? nrefs : info.monitors; !err && i-- > 0;) err = fx_make_cons(w->heap, refs[i], monitors, &monitors);
  free(links);
  free(refs);
  if (!err) err = fx_make_string(w->heap, info.behaviour, &el[0]);
  if (!err) err = fx_atom_cstr(w->rt, statuses[info.status], &el[1]);
  el[2] = fx_small((int64_t)info.mailbox_length);
  el[3] = list;
  el[4] = monitors;
  el[5] = fx_small((int64_t)info.monitored_by);
  el[6] = fx_bool(info.trap_exit);
  el[7] = info.supervisor ? fx_pid_term(info.supervisor) : FX_ATOM(UNDEFINED);
  fx_term_t t;
  if (!err) err = fx_make_tuple(w->heap, 8, el, &t);
  if (!err) err = result_term(w, t);
  fx_heap_reset(w->heap);
  return err;
}

/* ---- tracing ---- */

/* The core's trace hook: copies the event into the trace buffer (the core
 * forbids calling back into the runtime from here, and the host reads the
 * buffer after the run). An event that cannot be copied is counted, not
 * half-written. */
static void on_trace(void *ud, const fx_trace_event_t *ev) {
  fxw_t *w = ud;
  size_t at = w->tlen;
  /* The host's clock now, not the core's last reading (ev->time), which
   * the core takes only when a timer needs it: events would carry the
   * time of the last timer for seconds. A reading per event is small
   * beside the event's copy, and only while tracing. */
  int64_t now = host_clock(NULL);
  uint64_t time = now < 0 ? 0 : (uint64_t)now;
  uint32_t head[7] = {(uint32_t)ev->kind, fx_pid_index(ev->pid), fx_pid_gen(ev->pid), fx_pid_index(ev->from), fx_pid_gen(ev->from),
                      (uint32_t)time, (uint32_t)(time >> 32)};
  if (grow(&w->tbuf, &w->tcap, at + sizeof head) != FX_OK) {
    w->tlost++;
    return;
  }
  memcpy(w->tbuf + at, head, sizeof head);
  at += sizeof head;
  if (put_term_in(ev->rt, &w->tbuf, &w->tcap, at, ev->message, &at) != FX_OK ||
      put_term_in(ev->rt, &w->tbuf, &w->tcap, at, ev->reason, &at) != FX_OK) {
    w->tlost++;
    return;
  }
  w->tlen = at;
  w->tcount++;
}

/* Turns the core's trace hook on or off; off drops what was not taken. */
EXPORT int fxw_trace(fxw_t *w, int on) {
  if (!w) return FX_EINVAL;
  if (!on) w->tlen = w->tcount = w->tlost = 0;
  return fx_trace(w->rt, on ? on_trace : NULL, w);
}

/* Hands the trace events over (the buffer is reused once the host calls
 * into the runtime again): returns their number; out[OUT_A] gets how many
 * were dropped for want of memory since the last take. */
EXPORT int fxw_trace_take(fxw_t *w) {
  if (!w) return FX_EINVAL;
  int n = (int)w->tcount;
  w->out[OUT_PTR] = (uint32_t)(uintptr_t)w->tbuf;
  w->out[OUT_LEN] = (uint32_t)w->tlen;
  w->out[OUT_A] = w->tlost;
  w->tlen = w->tcount = w->tlost = 0;
  return n;
}

/* ---- processes: links, monitors, exit signals ---- */

EXPORT int fxw_is_alive(fxw_t *w, uint32_t index, uint32_t gen) { return w ? fx_is_alive(w->rt, pid_of(index, gen)) : FX_EINVAL; }

EXPORT int fxw_mailbox_length(fxw_t *w, uint32_t index, uint32_t gen) {
  if (!w) return FX_EINVAL;
  size_t n = 0;
  int err = fx_mailbox_length(w->rt, pid_of(index, gen), &n);
  return err ? err : (int)(n > INT32_MAX ? INT32_MAX : n);
}

EXPORT int fxw_link(fxw_t *w, uint32_t ai, uint32_t ag, uint32_t bi, uint32_t bg) { return w ? fx_link(w->rt, pid_of(ai, ag), pid_of(bi, bg)) : FX_EINVAL; }
EXPORT int fxw_unlink(fxw_t *w, uint32_t ai, uint32_t ag, uint32_t bi, uint32_t bg) { return w ? fx_unlink(w->rt, pid_of(ai, ag), pid_of(bi, bg)) : FX_EINVAL; }

/* The monitor's ref becomes the byte result (ETF). */
EXPORT int fxw_monitor(fxw_t *w, uint32_t wi, uint32_t wg, uint32_t ti, uint32_t tg) {
  if (!w) return FX_EINVAL;
  fx_term_t ref;
  fx_heap_reset(w->heap);
  int err = fx_monitor(w->rt, pid_of(wi, wg), pid_of(ti, tg), w->heap, &ref);
  return err ? err : result_term(w, ref);
}

EXPORT int fxw_demonitor(fxw_t *w, uint32_t wi, uint32_t wg, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t ref;
  int err = decode(w, etf, len, &ref);
  return err ? err : fx_demonitor(w->rt, pid_of(wi, wg), ref);
}

EXPORT int fxw_exit(fxw_t *w, uint32_t index, uint32_t gen, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t reason;
  int err = decode(w, etf, len, &reason);
  return err ? err : fx_exit(w->rt, pid_of(index, gen), reason);
}

EXPORT int fxw_trap_exit(fxw_t *w, uint32_t index, uint32_t gen, int on) { return w ? fx_trap_exit(w->rt, pid_of(index, gen), on) : FX_EINVAL; }

/* ---- timers ---- */

EXPORT int fxw_send_after(fxw_t *w, double delay, uint32_t index, uint32_t gen, const char *name, uint32_t name_len, const uint8_t *etf, uint32_t len) {
  if (!w) return FX_EINVAL;
  fx_term_t to, msg;
  fx_timer_t timer;
  int err = FX_OK;
  if (name_len) err = fx_atom(w->rt, name, name_len, &to); /* resolved when the timer fires */
  else to = fx_pid_term(pid_of(index, gen));
  if (!err) err = decode(w, etf, len, &msg);
  if (!err) err = fx_send_after(w->rt, delay < 0 ? 0 : ms(delay), to, msg, &timer);
  if (!err) put_u64(w, timer);
  return err;
}

EXPORT int fxw_cancel_timer(fxw_t *w, uint32_t lo, uint32_t hi) { return w ? fx_cancel_timer(w->rt, ((uint64_t)hi << 32) | lo) : FX_EINVAL; }

/* ---- supervisors with host children ---- */

/* Reads {Strategy, MaxRestarts, MaxSeconds, [Child]} where Child is
 * {Id, Kind, Arg, Restart, ShutdownMs} (Kind: a host kind, or
 * {supervisor, Spec} for a nested supervisor); strategy and restart are the
 * enum values. The arrays are kept until the runtime is freed, since a
 * supervisor restarts nested supervisors from their spec. */
static int keep(fxw_t *w, void *p) {
  void **k = realloc(w->keep, (w->nkeep + 1) * sizeof *k);
  if (!k) return FX_ENOMEM;
  w->keep = k;
  w->keep[w->nkeep++] = p;
  return FX_OK;
}

static int small_in(fx_term_t t, int64_t lo, int64_t hi, int64_t *out) {
  if (!fx_is_small(t) || fx_small_value(t) < lo || fx_small_value(t) > hi) return FX_EINVAL;
  *out = fx_small_value(t);
  return FX_OK;
}

static int read_spec(fxw_t *w, fx_term_t t, int depth, fx_supervisor_spec_t *spec, int *nested_seen) {
  int64_t strategy, maxr, maxs;
  if (depth > 16 || !fx_is_tuple(t) || fx_tuple_arity(t) != 4) return FX_EINVAL;
  int err = small_in(fx_tuple_get(t, 0), 0, 2, &strategy);
  if (!err) err = small_in(fx_tuple_get(t, 1), 0, 1000000, &maxr);
  if (!err) err = small_in(fx_tuple_get(t, 2), 0, INT32_MAX, &maxs);
  if (err) return err;
  size_t n = 0;
  fx_term_t l;
  for (l = fx_tuple_get(t, 3); fx_is_cons(l); l = fx_tail(l))
    if (++n > MAX_CHILDREN) return FX_ETOOBIG;
  if (!fx_is_nil(l)) return FX_EINVAL;
  fx_child_spec_t *children = calloc(n ? n : 1, sizeof *children);
  if (!children || (err = keep(w, children)) != FX_OK) {
    free(children);
    return FX_ENOMEM;
  }
  size_t i = 0;
  for (l = fx_tuple_get(t, 3); fx_is_cons(l); l = fx_tail(l), i++) {
    fx_term_t c = fx_head(l);
    int64_t restart, shutdown, kind;
    if (!fx_is_tuple(c) || fx_tuple_arity(c) != 5) return FX_EINVAL;
    fx_child_spec_t *cs = &children[i];
    cs->id = fx_tuple_get(c, 0);
    cs->arg = fx_tuple_get(c, 2);
    if ((err = small_in(fx_tuple_get(c, 3), 0, 2, &restart)) != FX_OK) return err;
    if ((err = small_in(fx_tuple_get(c, 4), -1, INT32_MAX, &shutdown)) != FX_OK) return err;
    cs->restart = (fx_restart_t)restart;
    cs->shutdown_ms = shutdown < 0 ? FX_INFINITY : shutdown;
    fx_term_t k = fx_tuple_get(c, 1);
    if (fx_is_tuple(k) && fx_tuple_arity(k) == 2) {
      fx_supervisor_spec_t *nested = calloc(1, sizeof *nested);
      if (!nested || (err = keep(w, nested)) != FX_OK) {
        free(nested);
        return FX_ENOMEM;
      }
      if ((err = read_spec(w, fx_tuple_get(k, 1), depth + 1, nested, nested_seen)) != FX_OK) return err;
      cs->supervisor = nested;
      *nested_seen = 1;
    } else {
      if ((err = small_in(k, 0, INT32_MAX, &kind)) != FX_OK) return err;
      cs->start = fx_host_child_start;
      cs->start_ud = (void *)(uintptr_t)kind;
    }
  }
  spec->strategy = (fx_strategy_t)strategy;
  spec->max_restarts = (uint32_t)maxr;
  spec->max_seconds = (uint32_t)maxs;
  spec->children = children;
  spec->nchildren = n;
  return FX_OK;
}

EXPORT int fxw_supervisor_start(fxw_t *w, const uint8_t *etf, uint32_t len, uint32_t link_index, uint32_t link_gen) {
  if (!w) return FX_EINVAL;
  fx_term_t t;
  fx_supervisor_spec_t *spec = calloc(1, sizeof *spec);
  if (!spec) return FX_ENOMEM;
  int err = keep(w, spec);
  if (err) {
    free(spec);
    return err;
  }
  /* A supervisor copies its children's terms, but a nested supervisor
   * reads its spec again whenever it is restarted: a spec with nested
   * supervisors keeps its heap until the runtime is freed. */
  fx_heap_t *h;
  int nested = 0, kept = 0;
  if ((err = fx_heap_new(w->rt, &h)) != FX_OK) return err;
  err = fx_etf_decode(w->rt, etf, len, h, &t);
  if (!err) err = read_spec(w, t, 0, spec, &nested);
  if (!err && nested) {
    fx_heap_t **heaps = realloc(w->heaps, (w->nheaps + 1) * sizeof *heaps);
    if (heaps) {
      w->heaps = heaps;
      w->heaps[w->nheaps++] = h;
      kept = 1;
    } else {
      err = FX_ENOMEM;
    }
  }
  fx_pid_t pid;
  fx_spawn_opts_t opts = {.link = link_index || link_gen ? pid_of(link_index, link_gen) : 0, .name = FX_NONE};
  if (!err) err = fx_supervisor_start(w->rt, spec, &opts, &pid);
  if (!kept) fx_heap_free(h);
  if (!err) put_pid(w, pid);
  return err;
}
