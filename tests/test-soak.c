/* Soak tests: long runs that show the core neither leaks nor drifts.
 *
 *   ten million messages through a ring of processes (and a FIFO check on
 *   a second stream), a million spawn/exit cycles (normal exits, crashes,
 *   stops and kills, each linked to a trapping parent and some monitored),
 *   and a mailbox flooded to a million messages that then drains completely
 *   and in order.
 *
 * Each runs on the counting allocator (fx_test_alloc.h): live bytes after a
 * first tenth of the work are the baseline, and after the other nine tenths
 * they must be exactly the baseline again (nothing grows per message or per
 * process); freeing the runtime brings them to zero.
 *
 * Sizes: FX_SOAK_DIVISOR (a compile-time define, tests/CMakeLists.txt)
 * divides every count: 1 in the release build (the full ten million and
 * million), more under ASan and in the wasm builds, which run the same code
 * more slowly. */
#include "fx_test.h"
#include "fx_test_alloc.h"
#include "fx_test_clock.h"
#include "fx_test_support.h"
#include "fx_runtime.h" /* FX_MSG_POOL_MAX */

#ifndef FX_SOAK_DIVISOR
#define FX_SOAK_DIVISOR 1
#endif

#define SOAK_MESSAGES (10000000L / FX_SOAK_DIVISOR)
#define SOAK_CYCLES (1000000L / FX_SOAK_DIVISOR)
#define SOAK_FLOOD (1000000L / FX_SOAK_DIVISOR)

/* ---- a ring of relays ---- */

#define RING 100

typedef struct ring {
  fx_pid_t pids[RING];
  int spawning;       /* the index the relay being spawned takes */
  long delivered;     /* messages handled by the relays */
  long finished;      /* tokens whose hop count reached 0 */
  long errors;
  /* the FIFO stream: host -> `sink` relay, numbered */
  long fifo_next, fifo_bad;
} ring_t;

typedef struct relay_state {
  ring_t *r;
  int index;
} relay_state_t;

static int relay_init(fx_proc_t *self, void *state, fx_term_t arg) {
  relay_state_t *s = state;
  s->r = arg_ptr(arg);
  s->index = s->r->spawning;
  return fx_receive(self, NULL, FX_INFINITY);
}

/* A token is a small integer, the hops left: forward it to the next relay
 * with one hop less, or count it finished. {fifo, N} messages (the host's
 * numbered stream to relay 0) must come in order. */
static int relay_handle(fx_proc_t *self, void *state, const fx_received_t *m) {
  relay_state_t *s = state;
  ring_t *r = s->r;
  r->delivered++;
  if (fx_is_small(m->message)) {
    int64_t hops = fx_small_value(m->message);
    if (hops > 0) {
      if (fx_send(fx_proc_runtime(self), fx_pid_term(r->pids[(s->index + 1) % RING]), fx_small(hops - 1)) != FX_OK) r->errors++;
    } else {
      r->finished++;
    }
  } else if (fx_is_tuple(m->message) && fx_tuple_arity(m->message) == 2) {
    if (fx_small_value(fx_tuple_get(m->message, 1)) != r->fifo_next) r->fifo_bad++;
    r->fifo_next++;
  } else {
    r->errors++;
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t relay = {"relay", sizeof(relay_state_t), relay_init, relay_handle, NULL, NULL};

/* Sends `tokens` tokens of `hops` hops into the ring (spread over its
 * relays) plus `fifo` numbered messages to relay 0, and runs it dry. */
static int ring_round(fx_runtime_t *rt, fx_heap_t *h, ring_t *r, long tokens, long hops, long fifo) {
  fx_term_t tag = atom(rt, "fifo");
  for (long t = 0; t < tokens; t++) {
    int err = fx_send(rt, fx_pid_term(r->pids[t % RING]), fx_small(hops));
    if (err) return err;
    if (t % 64 == 63 && fx_run(rt, FX_RUN_IDLE) < 0) return FX_EINVAL;
  }
  long base = r->fifo_next;
  for (long i = 0; i < fifo; i++) {
    fx_heap_reset(h);
    fx_term_t m = pair(h, tag, fx_small(base + i));
    int err = fx_send(rt, fx_pid_term(r->pids[0]), m);
    if (err) return err;
    if (i % 1024 == 1023 && fx_run(rt, FX_RUN_IDLE) < 0) return FX_EINVAL;
  }
  return fx_run(rt, FX_RUN_IDLE) < 0 ? FX_EINVAL : FX_OK;
}

TEST(soak_ten_million_messages) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt = NULL;
  ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(rt, &h));
  static ring_t r;
  memset(&r, 0, sizeof r);
  for (int i = 0; i < RING; i++) {
    r.spawning = i;
    ASSERT_OK(fx_spawn(rt, &relay, ptr_arg(&r), NULL, &r.pids[i]));
  }
  /* Each token makes hops + 1 deliveries; a tenth of the messages are the
   * numbered FIFO stream. */
  const long hops = 9999, fifo_total = SOAK_MESSAGES / 10;
  const long tokens_total = (SOAK_MESSAGES - fifo_total) / (hops + 1);
  ASSERT(tokens_total >= 10);
  ASSERT_OK(ring_round(rt, h, &r, tokens_total / 10, hops, fifo_total / 10));
  long long baseline = alloc.live;
  long first = r.delivered;
  ASSERT_OK(ring_round(rt, h, &r, tokens_total - tokens_total / 10, hops, fifo_total - fifo_total / 10));
  ASSERT_EQ(r.errors, 0);
  ASSERT_EQ(r.fifo_bad, 0);
  ASSERT_EQ(r.fifo_next, fifo_total);
  ASSERT_EQ(r.finished, tokens_total);
  ASSERT_EQ(r.delivered, tokens_total * (hops + 1) + fifo_total);
  ASSERT(r.delivered >= SOAK_MESSAGES * 99 / 100);
  ASSERT(first * 9 <= r.delivered);
  ASSERT_EQ(alloc.live, baseline);
  for (int i = 0; i < RING; i++) ASSERT(fx_is_alive(rt, r.pids[i]));
  printf("  %ld messages; live bytes %lld after the first tenth and after all\n", r.delivered, baseline);
  fx_heap_free(h);
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

/* ---- spawn/exit cycles ---- */

typedef struct cycles {
  long inits, handled, exits_seen, downs, bad;
} cycles_t;

/* A worker ends by the first message it gets: 0 returns (normal), 1 fails
 * (a crash), 2 stops with `shutdown`, 3 stops with a tuple reason. */
static int worker_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(cycles_t **)state = arg_ptr(arg);
  (*(cycles_t **)state)->inits++;
  return fx_receive(self, NULL, FX_INFINITY);
}

static int worker_handle(fx_proc_t *self, void *state, const fx_received_t *m) {
  cycles_t *c = *(cycles_t **)state;
  c->handled++;
  switch (fx_small_value(m->message)) {
  case 0: return FX_OK;
  case 1: return FX_EINVAL;
  case 2: return fx_stop(self, FX_ATOM(SHUTDOWN));
  default: {
    fx_term_t reason;
    fx_heap_t *h = fx_proc_heap(self);
    if (fx_tuple2(h, FX_ATOM(ERROR), m->message, &reason) != FX_OK) return FX_ENOMEM;
    return fx_stop(self, reason);
  }
  }
}

static const fx_behaviour_t worker = {"worker", sizeof(cycles_t *), worker_init, worker_handle, NULL, NULL};

/* The parent: traps exits (it is linked to every worker) and monitors some;
 * counts the 'EXIT' and 'DOWN' messages. */
static int parent_init(fx_proc_t *self, void *state, fx_term_t arg) {
  *(cycles_t **)state = arg_ptr(arg);
  return fx_receive(self, NULL, FX_INFINITY);
}

static int parent_handle(fx_proc_t *self, void *state, const fx_received_t *m) {
  cycles_t *c = *(cycles_t **)state;
  fx_term_t msg = m->message;
  if (fx_is_tuple(msg) && fx_tuple_arity(msg) == 3 && fx_tuple_get(msg, 0) == FX_ATOM(EXIT)) c->exits_seen++;
  else if (fx_is_tuple(msg) && fx_tuple_arity(msg) == 5 && fx_tuple_get(msg, 0) == FX_ATOM(DOWN)) c->downs++;
  else c->bad++;
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t parent = {"parent", sizeof(cycles_t *), parent_init, parent_handle, NULL, NULL};

/* Spawns `n` workers linked to the parent, monitors every third, and ends
 * them in turn by each of the five ways (four messages, and exit(kill)). */
static int cycle_round(fx_runtime_t *rt, fx_heap_t *h, fx_pid_t par, cycles_t *c, long n, long *kills) {
  enum { BATCH = 1000 };
  static fx_pid_t batch[BATCH];
  for (long done = 0; done < n;) {
    long k = n - done < BATCH ? n - done : BATCH;
    fx_heap_reset(h);
    for (long i = 0; i < k; i++) {
      fx_spawn_opts_t o = {.link = par, .name = FX_NONE, .trap_exit = 0};
      int err = fx_spawn(rt, &worker, ptr_arg(c), &o, &batch[i]);
      if (err) return err;
      if ((done + i) % 3 == 0) {
        fx_term_t ref;
        if ((err = fx_monitor(rt, par, batch[i], h, &ref)) != FX_OK) return err;
      }
    }
    for (long i = 0; i < k; i++) {
      long how = (done + i) % 5;
      int err = how == 4 ? fx_exit(rt, batch[i], FX_ATOM(KILL)) : fx_send(rt, fx_pid_term(batch[i]), fx_small(how));
      if (err) return err;
      if (how == 4) ++*kills;
    }
    if (fx_run(rt, FX_RUN_IDLE) < 0) return FX_EINVAL;
    for (long i = 0; i < k; i++)
      if (fx_is_alive(rt, batch[i])) return FX_ESTATE;
    if (fx_process_count(rt) != 1) return FX_ESTATE;
    done += k;
  }
  return FX_OK;
}

TEST(soak_a_million_spawn_exit_cycles) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt = NULL;
  ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(rt, &h));
  cycles_t c = {0};
  fx_pid_t par;
  fx_spawn_opts_t o = {.link = 0, .name = FX_NONE, .trap_exit = 1};
  ASSERT_OK(fx_spawn(rt, &parent, ptr_arg(&c), &o, &par));
  long kills = 0;
  ASSERT_OK(cycle_round(rt, h, par, &c, SOAK_CYCLES / 10, &kills));
  fx_heap_reset(h);
  long long baseline = alloc.live;
  ASSERT_OK(cycle_round(rt, h, par, &c, SOAK_CYCLES - SOAK_CYCLES / 10, &kills));
  fx_heap_reset(h);
  ASSERT_EQ(c.inits, SOAK_CYCLES);
  ASSERT_EQ(c.handled, SOAK_CYCLES - kills);
  ASSERT_EQ(c.exits_seen, SOAK_CYCLES); /* every exit reason reaches a trapping linked parent, normal too */
  ASSERT_EQ(c.downs, (SOAK_CYCLES + 2) / 3);
  ASSERT_EQ(c.bad, 0);
  ASSERT_EQ(fx_process_count(rt), 1);
  ASSERT_EQ(alloc.live, baseline);
  printf("  %ld spawn/exit cycles; live bytes %lld after the first tenth and after all\n", (long)SOAK_CYCLES, baseline);
  fx_heap_free(h);
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

/* ---- a mailbox flooded to a million messages ---- */

typedef struct flood {
  fx_pattern_t *go;
  int draining;
  long expect; /* messages one round drains */
  long next, bad, rounds;
} flood_t;

/* Waits for `go` (selectively: the flood stays queued), then takes
 * `expect` messages, checking that {N, Payload} come in order 0, 1, 2, ...,
 * and waits for the next `go`. */
static int flood_init(fx_proc_t *self, void *state, fx_term_t arg) {
  flood_t *f = *(flood_t **)state = arg_ptr(arg);
  return fx_receive(self, f->go, FX_INFINITY);
}

static int flood_handle(fx_proc_t *self, void *state, const fx_received_t *m) {
  flood_t *f = *(flood_t **)state;
  if (!f->draining) {
    f->draining = 1;
    f->next = 0;
    return fx_receive(self, NULL, FX_INFINITY);
  }
  fx_term_t msg = m->message;
  if (!fx_is_tuple(msg) || fx_small_value(fx_tuple_get(msg, 0)) != f->next || !fx_is_binary(fx_tuple_get(msg, 1))) f->bad++;
  if (++f->next == f->expect) {
    f->draining = 0;
    f->rounds++;
    return fx_receive(self, f->go, FX_INFINITY);
  }
  return fx_receive(self, NULL, FX_INFINITY);
}

static const fx_behaviour_t flood = {"flood", sizeof(flood_t *), flood_init, flood_handle, NULL, NULL};

/* Floods pid's mailbox with n messages (the loop runs now and then: the
 * process scans them and keeps them all), checks they are all queued, then
 * sends `go` and checks they drain, in order, to an empty mailbox. */
static int flood_round(fx_runtime_t *rt, fx_heap_t *h, fx_pid_t pid, flood_t *f, long n, fx_test_alloc_t *alloc) {
  long long before = alloc->live;
  long rounds = f->rounds;
  f->expect = n;
  for (long i = 0; i < n; i++) {
    fx_heap_reset(h);
    fx_term_t payload, m;
    int err = fx_make_string(h, "payload", &payload);
    if (!err) err = fx_tuple2(h, fx_small(i), payload, &m);
    if (!err) err = fx_send(rt, fx_pid_term(pid), m);
    if (err) return err;
    if (i % 65536 == 0) fx_run(rt, FX_RUN_IDLE);
  }
  fx_heap_reset(h);
  fx_run(rt, FX_RUN_IDLE);
  size_t len = 0;
  if (fx_mailbox_length(rt, pid, &len) != FX_OK || len != (size_t)n || f->rounds != rounds || f->draining) return FX_ESTATE;
  if (n > FX_MSG_POOL_MAX && alloc->live < before + (long long)(n - FX_MSG_POOL_MAX) * 64) return FX_ESTATE; /* really queued */
  int err = fx_send(rt, fx_pid_term(pid), atom(rt, "go"));
  if (err) return err;
  fx_run(rt, FX_RUN_IDLE);
  if (f->rounds != rounds + 1 || f->next != n || f->bad) return FX_ESTATE;
  if (fx_mailbox_length(rt, pid, &len) != FX_OK || len != 0) return FX_ESTATE;
  return FX_OK;
}

TEST(soak_a_mailbox_flooded_to_a_million_drains_in_order) {
  fx_test_clock_t clock = {0};
  fx_test_alloc_t alloc;
  fx_runtime_t *rt = NULL;
  ASSERT_OK(new_rt_alloc(&clock, &alloc, &rt));
  fx_heap_t *h;
  ASSERT_OK(fx_heap_new(rt, &h));
  fx_term_t go = atom(rt, "go");
  flood_t f = {0};
  ASSERT_OK(fx_pattern_compile(rt, &go, 1, 0, &f.go));
  fx_pid_t pid;
  ASSERT_OK(fx_spawn(rt, &flood, ptr_arg(&f), NULL, &pid));
  /* A first, small flood fills the runtime's pool of message buffers (it
   * keeps up to FX_MSG_POOL_MAX for reuse): the baseline after it. */
  ASSERT_OK(flood_round(rt, h, pid, &f, 2 * FX_MSG_POOL_MAX, &alloc));
  long long baseline = alloc.live;
  ASSERT_OK(flood_round(rt, h, pid, &f, SOAK_FLOOD, &alloc));
  ASSERT_EQ(f.rounds, 2);
  ASSERT_EQ(f.next, SOAK_FLOOD);
  ASSERT_EQ(f.bad, 0);
  ASSERT_EQ(alloc.live, baseline);
  ASSERT(fx_is_alive(rt, pid));
  printf("  %ld messages queued, then drained in order\n", (long)SOAK_FLOOD);
  fx_pattern_free(rt, f.go);
  fx_heap_free(h);
  fx_runtime_free(rt);
  ASSERT_EQ(alloc.live, 0);
}

TEST_MAIN(soak_ten_million_messages, soak_a_million_spawn_exit_cycles, soak_a_mailbox_flooded_to_a_million_drains_in_order)
