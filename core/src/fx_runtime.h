/* Private: the runtime value and the process structure. */
#ifndef FX_RUNTIME_H
#define FX_RUNTIME_H

#include "fx_internal.h"
#include "fx_map64.h"

typedef enum fx_proc_status {
  FX_PS_RUNNABLE = 1, /* in the run queue */
  FX_PS_WAITING,      /* a receive is posted; no queued message matched */
  FX_PS_HELD,         /* its host is busy with it; it posts the next receive */
  FX_PS_RUNNING,      /* inside one of its callbacks */
  FX_PS_EXITING       /* exit in progress: signals going out */
} fx_proc_status_t;

enum fx_proc_flags {
  FX_PF_TRAP_EXIT = 1u << 0,
  FX_PF_RECEIVE = 1u << 1, /* a receive was posted during this callback */
  FX_PF_YIELD = 1u << 2,
  FX_PF_STOP = 1u << 3,
  FX_PF_HOLD = 1u << 4,
  FX_PF_TIMED_OUT = 1u << 5, /* the posted receive's timer fired */
  FX_PF_EXIT_PENDING = 1u << 6 /* an exit signal arrived while it was running */
};

/* How a process ends: which decides whether terminate runs. */
typedef enum fx_exit_kind {
  FX_EXIT_SELF = 0,   /* stopped itself, returned, or crashed */
  FX_EXIT_SIGNAL = 1, /* an exit signal it did not trap */
  FX_EXIT_KILL = 2    /* `kill`: no terminate */
} fx_exit_kind_t;

/* A link is a pair of records, one in each process's `links` list, each
 * pointing at the other (`peer`), so that an exit cuts the other side in
 * O(1) however many links that process has. */
typedef struct fx_link {
  fx_pid_t pid;
  struct fx_link *next, **prev;
  struct fx_link *peer;
} fx_link_t;

/* A process monitor sits in the target's `watchers` list and in the
 * watcher's `watching` list; rt->monitors maps its ref key to it. (A call
 * watches its server through the server's `calls` list instead.) */
typedef struct fx_monitor {
  uint64_t key;
  fx_pid_t watcher;
  fx_pid_t target;
  struct fx_monitor *tnext, **tprev;
  struct fx_monitor *wnext, **wprev;
} fx_monitor_t;

/* An exit signal on its way: delivered from a queue, never recursively, so
 * a long chain of links cannot overflow the stack. */
typedef struct fx_signal {
  struct fx_signal *next;
  fx_pid_t to, from;
  bool untrappable; /* exit(Pid, kill) */
  fx_msg_t *reason;
} fx_signal_t;

/* The block a link record and a queued signal are allocated in: when a
 * process exits, each of its link records becomes the exit signal sent
 * along that link, so telling its links needs no memory (a signal lost to
 * a failed allocation would leave, say, a supervisor that never learns
 * its child died). */
typedef union fx_signal_block {
  fx_link_t link;
  fx_signal_t signal;
} fx_signal_block_t;

/* What only some processes need, allocated on first use so that an idle
 * process stays small. */
typedef struct fx_proc_ext {
  fx_term_t name;         /* registered atom, or FX_NONE */
  fx_link_t *links;
  fx_monitor_t *watching; /* monitors this process holds */
  fx_monitor_t *watchers; /* monitors on this process */
  uint32_t calls;         /* newest pending call waiting on it (slot index), 0 none */
  fx_msg_t *exit_reason;  /* stop requested or exit pending: the reason */
  uint8_t exit_kind;      /* fx_exit_kind_t of the pending exit */
  fx_pid_t supervisor;    /* for introspection */
  uint32_t timers;        /* newest send_after timer to its pid (timer index + 1), 0 none */
} fx_proc_ext_t;

struct fx_proc {
  fx_runtime_t *rt;
  fx_pid_t pid;
  uint8_t status;
  uint8_t flags;
  uint16_t reserved;
  uint32_t mlen;
  uint32_t state_size;
  const fx_behaviour_t *beh;
  void *state;
  fx_msg_t *mhead;
  fx_msg_t **mtail; /* &last->next, or &mhead */
  fx_msg_t **save;  /* where the posted receive resumes scanning */
  const fx_pattern_t *pattern;
  fx_timer_t recv_timer;
  int64_t recv_timeout;
  fx_proc_t *runq_next, *runq_prev;
  fx_msg_t *current; /* the message handed to the running callback */
  fx_proc_ext_t *ext;
};

typedef struct fx_slot {
  fx_proc_t *proc; /* NULL when free */
  uint32_t gen;
  uint32_t next_free;
} fx_slot_t;

typedef enum fx_timer_kind {
  FX_TIMER_RECEIVE = 1, /* a posted receive's timeout for `pid` */
  FX_TIMER_SEND         /* send_after: msg to `to` */
} fx_timer_kind_t;

typedef struct fx_timer_node {
  int64_t due;
  uint64_t seq;
  uint32_t gen;
  uint32_t heap_pos; /* UINT32_MAX when free */
  uint8_t kind;
  fx_term_t to;
  uint64_t key;
  fx_msg_t *msg;
  uint32_t next_free;
  /* A send_after to a pid is in its process's list (ext->timers, by index
   * + 1), so that the process's exit cancels it, as Erlang's does. */
  fx_proc_ext_t *target; /* NULL: in no list */
  uint32_t tprev, tnext;
} fx_timer_node_t;

/* Where a call's timeout stands. */
typedef enum fx_call_timing {
  FX_CALL_UNTIMED = 0, /* FX_INFINITY */
  FX_CALL_FRESH,       /* made since the last clock reading: `due` holds the timeout */
  FX_CALL_TIMED        /* in the deadline list: `due` is a time */
} fx_call_timing_t;

/* A pending call, in a slot of rt->calls (calls.c). Slots are named by
 * index, never by pointer, as the array moves when it grows; index 0 is
 * never used, so 0 ends a list. A call sits in its server's `calls` list
 * (the server's exit fails it) and, with a finite timeout, in the fresh
 * list until the clock is next read, then in the runtime's deadline list,
 * ordered by (due, seq) as the timer heap is. */
typedef struct fx_call {
  fx_call_cb cb; /* NULL while the slot is free */
  void *ud;
  fx_proc_ext_t *server; /* whose `calls` list holds it */
  int64_t due;
  uint64_t seq;          /* from rt->timer_seq: equal deadlines fire in order */
  uint32_t gen;          /* bumped when the slot is freed: stale refs miss */
  uint32_t snext, sprev; /* server list; snext links the free list */
  uint32_t dnext, dprev; /* fresh list or deadline list */
  uint8_t timing;        /* fx_call_timing_t */
} fx_call_t;

struct fx_runtime {
  fx_alloc_fn alloc;
  void *alloc_ud;
  fx_clock_fn clock;
  void *clock_ud;
  fx_sleep_fn sleep;
  void *sleep_ud;
  size_t memory;
  uint32_t max_processes;
  uint32_t reductions;

  int64_t now;
  fx_atom_table_t atoms;
  fx_term_t node;
  uint32_t creation;
  uint64_t ref_counter;

  /* process table */
  fx_slot_t *slots;
  uint32_t nslots, slots_cap;
  uint32_t free_head; /* slot index + 1, 0 none */
  uint32_t free_tail;
  size_t nprocs;
  fx_proc_t *current; /* process whose callback is running */
  const void *spawn_ctx; /* for the init being run by fx__spawn */

  fx_proc_t *runq_head, *runq_tail;
  size_t runq_len;

  /* timers: a min-heap of node indices keyed on (due, seq) */
  fx_timer_node_t *timers;
  uint32_t ntimers, timers_cap;
  uint32_t timer_free; /* index + 1 */
  uint32_t *heap;
  uint32_t heap_len, heap_cap;
  uint64_t timer_seq;

  /* pending calls (calls.c): a slot array, a free list, a fresh list, a deadline list */
  fx_call_t *calls;
  uint32_t calls_cap;
  uint32_t call_free;             /* slot index, 0 none */
  uint32_t call_dhead, call_dtail; /* earliest and latest deadline, 0 none */
  uint32_t call_fhead, call_ftail; /* fresh calls, oldest first, 0 none */
  int64_t call_fresh_min;          /* no fresh call's timeout is shorter */

  fx_map64_t registry; /* atom index -> pid */
  fx_map64_t monitors; /* ref key -> fx_monitor_t* */

  fx_heap_t scratch; /* fx_proc_heap: marked per callback */
  fx_trace_fn trace; /* NULL: tracing off */
  void *trace_ud;
  fx_signal_t *signals, **signals_tail; /* exit signals not yet delivered */
  bool delivering_signals;
  bool freeing; /* fx_runtime_free is under way: destroy callbacks spawn nothing */

  struct fx_host_event *host_head, **host_tail; /* events for the host */
  struct fx_host_event *event_pool; /* recycled small events (host.c) */
  uint32_t event_pool_len;

  void *small_pool; /* recycled FX_SMALL_BYTES blocks, linked through their first word */
  uint32_t small_pool_len;
  fx_msg_t *msg_pool[2]; /* recycled small messages: FX_MSG_TINY_WORDS, FX_MSG_POOL_WORDS */
  uint32_t msg_pool_len[2];
};

/* Small messages come in two sizes, recycled through a free list each on
 * the runtime: most messages ({tag, N}, {'$gen_cast', ping}, an atom) fit
 * FX_MSG_TINY_WORDS, a flood of them queued costs 64 bytes each. */
#define FX_MSG_TINY_WORDS 4
#define FX_MSG_POOL_WORDS 16
#define FX_MSG_POOL_MAX 1024

/* Allocates a message of `nwords` payload words. A small one always gets
 * exactly FX_MSG_TINY_WORDS or FX_MSG_POOL_WORDS, which marks it as
 * poolable on free; the pools' pop and push are inline (one of each per
 * message sent), the rest is in message.c. */
fx_msg_t *fx__msg_alloc_new(fx_runtime_t *rt, size_t nwords);
void fx__msg_release(fx_runtime_t *rt, fx_msg_t *m);
static inline fx_msg_t *fx__msg_alloc(fx_runtime_t *rt, size_t nwords) {
  int big = nwords > FX_MSG_TINY_WORDS;
  fx_msg_t *m = rt->msg_pool[big];
  if (nwords > FX_MSG_POOL_WORDS || !m) return fx__msg_alloc_new(rt, nwords);
  rt->msg_pool[big] = m->next;
  rt->msg_pool_len[big]--;
  m->next = NULL;
  m->term = FX_NONE;
  m->from = 0;
  m->nwords = (uint32_t)nwords;
  return m;
}
static inline void fx__msg_free(fx_runtime_t *rt, fx_msg_t *m) {
  if (!m) return;
  int big = m->alloc_words == FX_MSG_POOL_WORDS;
  if ((big || m->alloc_words == FX_MSG_TINY_WORDS) && rt->msg_pool_len[big] < FX_MSG_POOL_MAX) {
    m->next = rt->msg_pool[big];
    rt->msg_pool[big] = m;
    rt->msg_pool_len[big]++;
  } else {
    fx__msg_release(rt, m);
  }
}

/* The live process with this pid, or NULL (dead, stale or never existed). */
fx_proc_t *fx__proc_get(const fx_runtime_t *rt, fx_pid_t pid);

/* The records that live in FX_SMALL_BYTES blocks. */
_Static_assert(sizeof(fx_monitor_t) <= FX_SMALL_BYTES, "fx_monitor_t fits a small block");
_Static_assert(sizeof(fx_signal_block_t) <= FX_SMALL_BYTES, "signals and links fit a small block");
/* Its extension record, created on first use; NULL when out of memory. */
fx_proc_ext_t *fx__proc_ext(fx_proc_t *p);

#endif
