/* The WASI reactor: fauxtp as a wasm library for embedders (a Python, Rust
 * or Go program running Wasmtime, say). bindings/CMakeLists.txt builds it as
 * build/wasi/bindings/fauxtp-reactor.wasm, a WASI reactor module: it has no
 * main; the host instantiates it with WASI, calls `_initialize` once, then
 * the fx_reactor_* exports below. wasi/python/fauxtp_host.py is such a host:
 *
 *   python3 wasi/python/fauxtp_host.py build/wasi/bindings/fauxtp-reactor.wasm
 *
 * Conventions, for every export:
 *  - It returns an i32 or i64: a negative value is an FX_E* error code
 *    (fauxtp/error.h), anything else is the result. Bad input (a bad handle,
 *    pid, call id or mode, malformed ETF, a range outside memory) is an
 *    error code, never a trap.
 *  - Pointers and lengths are offsets into the module's exported `memory`.
 *    The host places bytes there in blocks from fx_reactor_malloc.
 *  - A runtime is named by the handle fx_reactor_new returns; a process by
 *    its pid (an i64, fx_pid_t); a call by the id fx_reactor_call returns.
 *  - Terms cross as the external term format (term_to_binary's bytes).
 *
 * The module keeps no mutable global state of its own: a handle is the
 * address of the runtime's record, checked at each use (in memory, aligned,
 * a magic word, a pointer to itself); a call id is the address of the call's
 * record with a sequence number above it. So a stale handle or id is refused
 * unless its memory was reused for a new record (for a handle: as a stale
 * file descriptor may name a newer file).
 *
 * Built-in servers (fx_reactor_spawn picks one by name): "demo", a GenServer
 * that answers
 *   ping -> pong                  {add, N} -> the counter after adding N
 *   {put, K, V} -> ok             {get, K} -> {ok, V} | not_found
 *   {echo, T} -> T                {sleep, Ms} -> ok, after Ms milliseconds
 *   {crash, Reason} -> no reply: the server exits with Reason
 *   anything else -> {error, unknown_request}
 * and adds N to its counter for {add, N} sent as a message or a cast. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

#define FX_EXPORT(name) __attribute__((export_name(#name)))

#define REACTOR_MAGIC 0x66787274u /* "fxrt" */
#define CALL_MAGIC 0x66786361u    /* "fxca" */
#define BLOCK_MAGIC 0x6678626bu   /* "fxbk" */
#define CALL_PENDING 1

/* ---- the module's memory: checking what the host passes ---- */

static uint64_t memory_bytes(void) { return (uint64_t)__builtin_wasm_memory_size(0) * 65536u; }

/* 1 when [ptr, ptr + len) is inside memory and ptr is not NULL. */
static int in_memory(uint32_t ptr, uint32_t len) { return ptr != 0 && (uint64_t)ptr + len <= memory_bytes(); }

static void *at(uint32_t ptr) { return (void *)(uintptr_t)ptr; }

static uint32_t address(const void *p) { return (uint32_t)(uintptr_t)p; }

/* Reads the host's bytes [ptr, ptr + len); len 0 is an empty range. */
static int host_bytes(uint32_t ptr, uint32_t len, const uint8_t **out) {
  if (len > 0 && !in_memory(ptr, len)) return FX_EINVAL;
  *out = len > 0 ? at(ptr) : (const uint8_t *)"";
  return FX_OK;
}

/* Writes a u32 where the host asked for a result. */
static int host_put_u32(uint32_t ptr, uint32_t v) {
  if (!in_memory(ptr, sizeof v)) return FX_EINVAL;
  memcpy(at(ptr), &v, sizeof v);
  return FX_OK;
}

/* ---- blocks the host allocates (and ETF results the host frees) ---- */

/* A header before each block, so fx_reactor_free can refuse a pointer it
 * did not hand out instead of corrupting the allocator. 16 bytes keep the
 * payload as aligned as malloc's. */
typedef struct block {
  uint32_t magic, size;
  uint64_t pad;
} block_t;

static void *block_alloc(size_t size) {
  if (size > UINT32_MAX - sizeof(block_t)) return NULL;
  block_t *b = malloc(sizeof *b + size);
  if (!b) return NULL;
  b->magic = BLOCK_MAGIC;
  b->size = (uint32_t)size;
  return b + 1;
}

static int block_free(uint32_t ptr) {
  if (ptr == 0) return FX_OK;
  if (ptr < sizeof(block_t) || ptr % _Alignof(block_t) || !in_memory(ptr - sizeof(block_t), sizeof(block_t)))
    return FX_EINVAL;
  block_t *b = (block_t *)at(ptr) - 1;
  if (b->magic != BLOCK_MAGIC) return FX_EINVAL;
  b->magic = 0;
  free(b);
  return FX_OK;
}

/* ---- runtimes and calls ---- */

typedef struct reactor reactor_t;

/* A call from the host: its outcome waits here until the host takes it. */
typedef struct call {
  uint32_t magic, seq;
  reactor_t *owner;
  struct call *prev, *next;
  int done, status;
  uint8_t *etf; /* the reply or exit reason, a block the host will free */
  uint32_t len;
} call_t;

struct reactor {
  uint32_t magic;
  reactor_t *self;
  fx_runtime_t *rt;
  fx_heap_t *heap; /* where requests are decoded; reset after each */
  call_t *calls;   /* calls whose outcome the host has not taken */
  uint32_t next_seq;
};

static reactor_t *reactor_get(int32_t handle) {
  uint32_t addr = (uint32_t)handle;
  if (handle <= 0 || addr % _Alignof(reactor_t) || !in_memory(addr, sizeof(reactor_t))) return NULL;
  reactor_t *r = at(addr);
  return r->magic == REACTOR_MAGIC && r->self == r ? r : NULL;
}

static call_t *call_get(reactor_t *r, int64_t id) {
  uint32_t addr = (uint32_t)id, seq = (uint32_t)((uint64_t)id >> 32);
  if (id <= 0 || addr % _Alignof(call_t) || !in_memory(addr, sizeof(call_t))) return NULL;
  call_t *c = at(addr);
  return c->magic == CALL_MAGIC && c->owner == r && c->seq == seq ? c : NULL;
}

static call_t *call_new(reactor_t *r) {
  call_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->magic = CALL_MAGIC;
  c->seq = r->next_seq;
  r->next_seq = r->next_seq >= INT32_MAX ? 1 : r->next_seq + 1; /* keeps ids positive */
  c->owner = r;
  c->next = r->calls;
  if (r->calls) r->calls->prev = c;
  r->calls = c;
  return c;
}

static void call_free(call_t *c) {
  reactor_t *r = c->owner;
  if (c->prev) c->prev->next = c->next;
  else r->calls = c->next;
  if (c->next) c->next->prev = c->prev;
  c->magic = 0;
  free(c);
}

static int64_t call_id(const call_t *c) { return (int64_t)((uint64_t)c->seq << 32 | address(c)); }

/* ETF of t in a block the host frees with fx_reactor_free. */
static int encode_block(fx_runtime_t *rt, fx_term_t t, uint8_t **out, uint32_t *len) {
  size_t size, written;
  int err = fx_etf_encoded_size(rt, t, &size);
  if (err) return err;
  uint8_t *buf = block_alloc(size);
  if (!buf) return FX_ENOMEM;
  if ((err = fx_etf_encode(rt, t, buf, size, &written)) != FX_OK) {
    block_free(address(buf));
    return err;
  }
  *out = buf;
  *len = (uint32_t)written;
  return FX_OK;
}

/* fx_call's completion: keep the outcome, as ETF, for fx_reactor_call_result. */
static void on_call_done(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  call_t *c = ud;
  c->done = 1;
  c->status = status;
  if (value != FX_NONE) {
    int err = encode_block(rt, value, &c->etf, &c->len);
    if (err) c->status = err;
  }
}

/* ---- the demo server ---- */

typedef struct demo {
  int64_t counter;
  fx_heap_t *heap; /* owns map; each put copies the map into a fresh heap */
  fx_term_t map;
  fx_term_t ping, pong, add, put, get, echo, sleep, wake, crash, unknown;
} demo_t;

static int demo_init(fx_proc_t *self, void *state, fx_term_t arg) {
  demo_t *s = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  static const char *const names[] = {"ping", "pong", "add", "put", "get", "echo", "sleep", "wake", "crash", "unknown_request"};
  fx_term_t *atoms[] = {&s->ping, &s->pong, &s->add, &s->put, &s->get, &s->echo, &s->sleep, &s->wake, &s->crash, &s->unknown};
  (void)arg;
  for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
    int err = fx_atom_cstr(rt, names[i], atoms[i]);
    if (err) return err;
  }
  int err = fx_heap_new(rt, &s->heap);
  return err ? err : fx_make_map(s->heap, 0, NULL, NULL, &s->map);
}

static int is_tagged(fx_term_t t, fx_term_t tag, size_t arity) {
  return fx_is_tuple(t) && fx_tuple_arity(t) == arity && fx_tuple_get(t, 0) == tag;
}

/* map with key => value, built in the scratch heap, then copied whole into
 * a fresh heap so the old one can go. */
static int demo_put(fx_proc_t *self, demo_t *s, fx_term_t key, fx_term_t value) {
  fx_runtime_t *rt = fx_proc_runtime(self);
  fx_heap_t *scratch = fx_proc_heap(self), *fresh;
  size_t n = fx_map_size(s->map);
  fx_term_t *keys = fx_heap_alloc(scratch, 2 * (n + 1)), *values, map;
  if (!keys) return FX_ENOMEM;
  values = keys + n + 1;
  for (size_t i = 0; i < n; i++) {
    keys[i] = fx_map_key(s->map, i);
    values[i] = fx_map_value(s->map, i);
  }
  keys[n] = key; /* a repeated key keeps its last value */
  values[n] = value;
  int err = fx_make_map(scratch, n + 1, keys, values, &map);
  if (err || (err = fx_heap_new(rt, &fresh)) != FX_OK) return err;
  if ((err = fx_heap_copy(fresh, map, &s->map)) != FX_OK) {
    fx_heap_free(fresh);
    return err;
  }
  fx_heap_free(s->heap);
  s->heap = fresh;
  return FX_OK;
}

static int demo_get(fx_proc_t *self, const demo_t *s, fx_term_t key, fx_term_t *reply) {
  long i = fx_map_find(fx_proc_runtime(self), s->map, key);
  if (i < 0) {
    *reply = FX_ATOM(NOT_FOUND);
    return FX_OK;
  }
  return fx_tuple2(fx_proc_heap(self), FX_ATOM(OK), fx_map_value(s->map, (size_t)i), reply);
}

/* Adds an integer term to the counter; FX_EINVAL for anything else. */
static int demo_add(demo_t *s, fx_term_t n) {
  int64_t v;
  if (fx_get_int64(n, &v) != FX_OK || (v > 0 && s->counter > INT64_MAX - v) || (v < 0 && s->counter < INT64_MIN - v))
    return FX_EINVAL;
  s->counter += v;
  return FX_OK;
}

/* {sleep, Ms}: a timer sends {wake, From} back, and handle_info replies. */
static int demo_sleep(fx_proc_t *self, const demo_t *s, int64_t ms, fx_term_t from) {
  fx_term_t msg;
  fx_timer_t timer;
  int err = fx_tuple2(fx_proc_heap(self), s->wake, from, &msg);
  return err ? err : fx_send_after(fx_proc_runtime(self), ms, fx_pid_term(fx_self(self)), msg, &timer);
}

static int is_sleep_time(fx_term_t ms) { return fx_is_small(ms) && fx_small_value(ms) >= 0 && fx_small_value(ms) <= 3600000; }

static int demo_error(fx_proc_t *self, fx_term_t what, fx_term_t *reply) {
  return fx_tuple2(fx_proc_heap(self), FX_ATOM(ERROR), what, reply);
}

static int demo_reply(fx_term_t value, fx_term_t *reply) {
  *reply = value;
  return FX_OK;
}

static int demo_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  demo_t *s = state;
  fx_term_t arg = fx_is_tuple(req) && fx_tuple_arity(req) > 1 ? fx_tuple_get(req, 1) : FX_NONE;
  if (req == s->ping) return demo_reply(s->pong, reply);
  if (is_tagged(req, s->add, 2)) {
    if (demo_add(s, arg) != FX_OK) return demo_error(self, FX_ATOM(BADARG), reply);
    return fx_make_int(fx_proc_heap(self), s->counter, reply);
  }
  if (is_tagged(req, s->put, 3)) {
    int err = demo_put(self, s, arg, fx_tuple_get(req, 2));
    return err ? err : demo_reply(FX_ATOM(OK), reply);
  }
  if (is_tagged(req, s->get, 2)) return demo_get(self, s, arg, reply);
  if (is_tagged(req, s->echo, 2)) return demo_reply(arg, reply);
  if (is_tagged(req, s->crash, 2)) return fx_stop(self, arg); /* no reply: the caller sees the exit */
  if (is_tagged(req, s->sleep, 2)) {
    if (!is_sleep_time(arg)) return demo_error(self, FX_ATOM(BADARG), reply);
    return demo_sleep(self, s, fx_small_value(arg), from); /* replies later */
  }
  return demo_error(self, s->unknown, reply);
}

static int demo_info(fx_proc_t *self, void *state, fx_term_t msg) {
  demo_t *s = state;
  if (is_tagged(msg, s->wake, 2)) return fx_reply(fx_proc_runtime(self), fx_tuple_get(msg, 1), FX_ATOM(OK));
  if (is_tagged(msg, s->add, 2)) (void)demo_add(s, fx_tuple_get(msg, 1)); /* a bad N is ignored */
  return FX_OK;
}

static void demo_destroy(fx_runtime_t *rt, void *state) {
  demo_t *s = state;
  (void)rt;
  if (s->heap) fx_heap_free(s->heap);
}

static const fx_gen_server_t demo_server = {
  .name = "demo", .state_size = sizeof(demo_t), .init = demo_init, .handle_call = demo_call,
  .handle_cast = demo_info, .handle_info = demo_info, .destroy = demo_destroy,
};

static const struct {
  const char *name;
  const fx_gen_server_t *server;
} builtin_servers[] = {{"demo", &demo_server}};

/* ---- helpers for the exports ---- */

static int server_named(uint32_t ptr, uint32_t len, const fx_gen_server_t **out) {
  const uint8_t *text;
  int err = host_bytes(ptr, len, &text);
  if (err) return err;
  for (size_t i = 0; i < sizeof builtin_servers / sizeof builtin_servers[0]; i++)
    if (strlen(builtin_servers[i].name) == len && memcmp(builtin_servers[i].name, text, len) == 0) {
      *out = builtin_servers[i].server;
      return FX_OK;
    }
  return FX_ENOTFOUND;
}

/* The atom for the host's UTF-8 name. `create`: intern it (to register a
 * name); otherwise an unknown atom is FX_EBADNAME (nothing has that name),
 * so a host cannot grow the atom table by sending to made-up names. */
static int name_atom(reactor_t *r, uint32_t ptr, uint32_t len, int create, fx_term_t *out) {
  const uint8_t *text;
  int err = host_bytes(ptr, len, &text);
  if (err) return err;
  if (len == 0) return FX_EINVAL;
  if (create) return fx_atom(r->rt, (const char *)text, len, out);
  err = fx_atom_lookup(r->rt, (const char *)text, len, out);
  return err == FX_ENOTFOUND ? FX_EBADNAME : err;
}

/* A live pid as a term: FX_ENOPROC when no such process is alive. */
static int live_pid(reactor_t *r, int64_t pid, fx_term_t *out) {
  if (pid <= 0 || !fx_is_alive(r->rt, (fx_pid_t)pid)) return FX_ENOPROC;
  *out = fx_pid_term((fx_pid_t)pid);
  return FX_OK;
}

static int send_etf(reactor_t *r, fx_term_t to, uint32_t msg_ptr, uint32_t msg_len) {
  const uint8_t *etf;
  int err = host_bytes(msg_ptr, msg_len, &etf);
  return err ? err : fx_send_etf(r->rt, to, etf, msg_len);
}

static int64_t start_call(reactor_t *r, fx_term_t to, uint32_t req_ptr, uint32_t req_len, int64_t timeout_ms) {
  const uint8_t *etf;
  fx_term_t req;
  int err = host_bytes(req_ptr, req_len, &etf);
  if (err) return err;
  if (timeout_ms < FX_INFINITY) return FX_EINVAL;
  if ((err = fx_etf_decode(r->rt, etf, req_len, r->heap, &req)) != FX_OK) return err;
  call_t *c = call_new(r);
  if (!c) err = FX_ENOMEM;
  else err = fx_call(r->rt, to, req, timeout_ms, on_call_done, c, NULL);
  fx_heap_reset(r->heap);
  if (!err) return call_id(c);
  if (c) call_free(c);
  return err;
}

/* ---- the exports ---- */

/* Creates a runtime; returns its handle (> 0). */
FX_EXPORT(fx_reactor_new) int32_t fx_reactor_new(void) {
  reactor_t *r = calloc(1, sizeof *r);
  if (!r) return FX_ENOMEM;
  int err = fx_runtime_new(NULL, &r->rt);
  if (!err) err = fx_heap_new(r->rt, &r->heap);
  if (err || address(r) > INT32_MAX) {
    if (r->rt) fx_runtime_free(r->rt);
    free(r);
    return err ? err : FX_ELIMIT;
  }
  r->magic = REACTOR_MAGIC;
  r->self = r;
  r->next_seq = 1;
  return (int32_t)address(r);
}

/* Frees a runtime, its processes, and the outcomes of calls not taken. */
FX_EXPORT(fx_reactor_delete) int32_t fx_reactor_delete(int32_t handle) {
  reactor_t *r = reactor_get(handle);
  if (!r) return FX_EINVAL;
  while (r->calls) {
    block_free(address(r->calls->etf));
    call_free(r->calls);
  }
  fx_heap_free(r->heap);
  fx_runtime_free(r->rt);
  r->magic = 0;
  free(r);
  return FX_OK;
}

/* A block of `size` bytes for the host; returns its address (> 0). */
FX_EXPORT(fx_reactor_malloc) int64_t fx_reactor_malloc(uint32_t size) {
  void *p = block_alloc(size);
  return p ? (int64_t)address(p) : FX_ENOMEM;
}

/* Frees a block from fx_reactor_malloc or fx_reactor_call_result (0: nothing). */
FX_EXPORT(fx_reactor_free) int32_t fx_reactor_free(uint32_t ptr) { return block_free(ptr); }

/* Starts the built-in GenServer called `server` (UTF-8, e.g. "demo"),
 * registered under `name` if name_len > 0; returns its pid. FX_ENOTFOUND
 * for an unknown server, FX_ENAMETAKEN for a name in use. */
FX_EXPORT(fx_reactor_spawn)
int64_t fx_reactor_spawn(int32_t handle, uint32_t server_ptr, uint32_t server_len, uint32_t name_ptr, uint32_t name_len) {
  reactor_t *r = reactor_get(handle);
  const fx_gen_server_t *server;
  fx_spawn_opts_t opts = {0, FX_NONE, 0};
  fx_pid_t pid;
  if (!r) return FX_EINVAL;
  int err = server_named(server_ptr, server_len, &server);
  if (!err && name_len > 0) err = name_atom(r, name_ptr, name_len, 1, &opts.name);
  if (!err) err = fx_gen_server_start(r->rt, server, FX_NIL, &opts, &pid);
  return err ? err : (int64_t)pid;
}

/* The pid registered under `name`, or FX_EBADNAME. */
FX_EXPORT(fx_reactor_whereis) int64_t fx_reactor_whereis(int32_t handle, uint32_t name_ptr, uint32_t name_len) {
  reactor_t *r = reactor_get(handle);
  fx_term_t name;
  fx_pid_t pid;
  if (!r) return FX_EINVAL;
  int err = name_atom(r, name_ptr, name_len, 0, &name);
  if (!err) err = fx_whereis(r->rt, name, &pid);
  return err ? err : (int64_t)pid;
}

/* 1 when pid is alive, else 0. */
FX_EXPORT(fx_reactor_is_alive) int32_t fx_reactor_is_alive(int32_t handle, int64_t pid) {
  reactor_t *r = reactor_get(handle);
  if (!r) return FX_EINVAL;
  return pid > 0 && fx_is_alive(r->rt, (fx_pid_t)pid);
}

/* Sends the ETF-encoded message to pid. Unlike Erlang's send, a pid that is
 * not alive is an error (FX_ENOPROC): the host learns of its mistake. */
FX_EXPORT(fx_reactor_send) int32_t fx_reactor_send(int32_t handle, int64_t pid, uint32_t msg_ptr, uint32_t msg_len) {
  reactor_t *r = reactor_get(handle);
  fx_term_t to;
  if (!r) return FX_EINVAL;
  int err = live_pid(r, pid, &to);
  return err ? err : send_etf(r, to, msg_ptr, msg_len);
}

/* Sends the ETF-encoded message to the registered name (FX_EBADNAME if none). */
FX_EXPORT(fx_reactor_send_named)
int32_t fx_reactor_send_named(int32_t handle, uint32_t name_ptr, uint32_t name_len, uint32_t msg_ptr, uint32_t msg_len) {
  reactor_t *r = reactor_get(handle);
  fx_term_t to;
  if (!r) return FX_EINVAL;
  int err = name_atom(r, name_ptr, name_len, 0, &to);
  return err ? err : send_etf(r, to, msg_ptr, msg_len);
}

/* Calls pid with the ETF-encoded request (timeout_ms: -1 waits forever);
 * returns the call's id (> 0). Run the loop, then take the outcome with
 * fx_reactor_call_result. FX_ENOPROC when pid is not alive. */
FX_EXPORT(fx_reactor_call)
int64_t fx_reactor_call(int32_t handle, int64_t pid, uint32_t req_ptr, uint32_t req_len, int64_t timeout_ms) {
  reactor_t *r = reactor_get(handle);
  fx_term_t to;
  if (!r) return FX_EINVAL;
  int err = live_pid(r, pid, &to);
  return err ? err : start_call(r, to, req_ptr, req_len, timeout_ms);
}

/* fx_reactor_call to a registered name (FX_EBADNAME if none). */
FX_EXPORT(fx_reactor_call_named)
int64_t fx_reactor_call_named(int32_t handle, uint32_t name_ptr, uint32_t name_len, uint32_t req_ptr, uint32_t req_len,
                              int64_t timeout_ms) {
  reactor_t *r = reactor_get(handle);
  fx_term_t to;
  if (!r) return FX_EINVAL;
  int err = name_atom(r, name_ptr, name_len, 0, &to);
  return err ? err : start_call(r, to, req_ptr, req_len, timeout_ms);
}

/* The outcome of a call: 1 while it is pending; once it completed, its
 * status (0: replied, FX_ETIMEDOUT, FX_EEXIT: the server exited), with the
 * reply or exit reason as ETF in a block whose address and length are
 * written as u32 at ptr_out and len_out (the host frees it with
 * fx_reactor_free). Taking the outcome forgets the call. */
FX_EXPORT(fx_reactor_call_result)
int32_t fx_reactor_call_result(int32_t handle, int64_t id, uint32_t ptr_out, uint32_t len_out) {
  reactor_t *r = reactor_get(handle);
  if (!r) return FX_EINVAL;
  call_t *c = call_get(r, id);
  if (!c) return FX_ENOTFOUND;
  if (!c->done) return CALL_PENDING;
  int err = host_put_u32(len_out, c->len);
  if (!err) err = host_put_u32(ptr_out, address(c->etf));
  if (err) return err; /* the outcome stays for another try */
  int status = c->status;
  call_free(c);
  return status;
}

/* Runs the loop: mode 1 (FX_RUN_IDLE: until nothing is runnable or due) or
 * 3 (FX_RUN_NOWAIT: one pass). Never sleeps: the host waits for the next
 * timer itself. Returns 1 when work remains (a timer is pending), else 0. */
FX_EXPORT(fx_reactor_run) int32_t fx_reactor_run(int32_t handle, int32_t mode) {
  reactor_t *r = reactor_get(handle);
  if (!r || (mode != FX_RUN_IDLE && mode != FX_RUN_NOWAIT)) return FX_EINVAL;
  return fx_run(r->rt, (fx_run_mode_t)mode);
}

/* Milliseconds until the loop has work (0: now), or -1 when nothing is
 * scheduled. */
FX_EXPORT(fx_reactor_next_timeout) int64_t fx_reactor_next_timeout(int32_t handle) {
  reactor_t *r = reactor_get(handle);
  return r ? fx_next_timeout(r->rt) : FX_EINVAL;
}

/* The next timer's due time in milliseconds on the module's monotonic
 * clock (WASI's), or -1 when none is pending. */
FX_EXPORT(fx_reactor_next_deadline) int64_t fx_reactor_next_deadline(int32_t handle) {
  reactor_t *r = reactor_get(handle);
  return r ? fx_next_deadline(r->rt) : FX_EINVAL;
}
