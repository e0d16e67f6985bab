/*
 * bench.h - the timed runs of conc-bench and what they measure.
 *
 * conc-bench measures conc's structures and their peers (a plain
 * sequence-number ring, Concurrency Kit, liburcu, moodycamel's
 * ConcurrentQueue and boost.lockfree when built with C++, the raw
 * fetch-and-add of the machine) in one process, one run, the same
 * workload.  conc structures are driven through the registry
 * (registry.h), the peers through adapters of the same shape
 * (bench_peer_ops), so the same loops time them all: pair.c (pair and
 * single-thread runs), counter.c (counters and the ceiling), latency.c,
 * memory.c, over the run control of runctl.h.
 *
 * The peers are linked into conc-bench only, never into the library.
 */
#ifndef CONC_BENCH_H
#define CONC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* Which table a row belongs to. */
typedef enum bench_section {
    SEC_SOLO,    /* one thread: push a batch, pop it (every queue, stack) */
    SEC_QUEUE,   /* FIFO pair throughput */
    SEC_BATCH,   /* FIFO pair throughput through push_many / pop_many */
    SEC_STACK,   /* LIFO pair throughput */
    SEC_CEILING, /* fetch-and-add by P+C threads, shown under both tables */
    SEC_COUNTER, /* counters at T threads, and fetch-and-add at T threads */
    SEC_WAIT     /* one structure made with flags 0 and with CONC_NOWAIT */
} bench_section;

/*
 * A peer structure behind the shape the timed runs drive.
 *
 * create(capacity, items): a structure for a run that will carry `items`
 *   items.  Bounded peers honour `capacity`; intrusive, unbounded peers
 *   preallocate one node per item instead (see each adapter), touched
 *   before the clock starts.  NULL with errno on failure.
 * push(obj, idx, item): idx is the item's global index in [0, items), the
 *   same number never twice in a run, so an intrusive adapter can use node
 *   idx.  0 on success, nonzero when full (the run retries).
 * pop(obj, &item): 0 on success, nonzero when empty (the run retries).
 */
typedef struct bench_peer_ops {
    const char *name;   /* row name, e.g. "ck_ring" */
    bench_section section;
    bool bounded;       /* false: grows without limit (intrusive nodes) */
    const char *legend; /* one line for the table legend */
    void *(*create)(size_t capacity, size_t items);
    void (*destroy)(void *obj);
    int (*push)(void *obj, size_t idx, void *item);
    int (*pop)(void *obj, void **item);
    /* Optional: a per-thread handle for a peer with per-thread state
     * (moodycamel's producer and consumer tokens).  Every thread that
     * pushes or pops (workers, the single-thread run, the drain) calls it
     * once, outside the clock, and passes what it returns to push and pop
     * in place of obj.  The handles belong to obj: destroy frees them. */
    void *(*thread_handle)(void *obj, bool producer);
} bench_peer_ops;

/* peers_ck.c */
extern const bench_peer_ops bench_peer_ck_ring;
extern const bench_peer_ops bench_peer_ck_fifo;
extern const bench_peer_ops bench_peer_ck_stack;
/* peers_urcu.c */
extern const bench_peer_ops bench_peer_wfcqueue;
extern const bench_peer_ops bench_peer_lfstack;
/* peer_vyukov.c: the plain bounded ring every bounded queue is measured
 * against */
extern const bench_peer_ops bench_peer_vyukov;
#ifdef CONC_BENCH_CXX
/* peers_cxx.cpp (built when a C++ compiler and the headers are found) */
extern const bench_peer_ops bench_peer_moodycamel;
extern const bench_peer_ops bench_peer_moodycamel_tok;
extern const bench_peer_ops bench_peer_boost_queue;
extern const bench_peer_ops bench_peer_boost_stack;
#endif

/* A container under test: a conc structure (reg) or a peer (peer).  A conc
 * structure is made with reg->create_flags(capacity, flags) (flags 0 is what
 * reg->create makes). */
typedef struct bench_container {
    const reg_entry *reg;
    const bench_peer_ops *peer;
    unsigned flags;
    size_t batch; /* > 0: pair runs push_many / pop_many up to batch items */
} bench_container;

/* The spin policy shared by every structure (--spin): a thread whose push
 * found the structure full (or whose pop found it empty) retries, either
 *   SPIN_YIELD: at once, calling sched_yield() after every
 *               BENCH_YIELD_EVERY consecutive failures, so that with more
 *               threads than CPUs the thread it waits for gets to run; or
 *   SPIN_PAUSE: after one `pause` instruction, never yielding (how issue
 *               11's reference figures were taken; with more threads than
 *               CPUs a waiting thread burns its time slice).
 * The abort flag is looked at every BENCH_YIELD_EVERY failures in both. */
#define BENCH_YIELD_EVERY 64u

/* The largest batch of a SEC_BATCH row (--batch). */
#define BENCH_MAX_BATCH 1024u

typedef enum bench_spin { SPIN_YIELD, SPIN_PAUSE } bench_spin;

/* How the timed runs' threads wait and where they run; set once by the
 * program before a set of runs (runctl.c).  pin: thread i of a run (pair
 * runs: producers first, then consumers; counter runs: the adders) is
 * bound to the i-th CPU, mod the CPUs this process may use. */
typedef struct bench_policy {
    bench_spin spin;
    bool pin;
} bench_policy;

void bench_set_policy(const bench_policy *p);
const bench_policy *bench_get_policy(void);
const char *bench_spin_name(bench_spin s);

/* When the watchdog aborts a run: no progress at all (no item moved, no
 * add completed) for stall_s seconds, or a run longer than timeout_s. */
typedef struct bench_limits {
    double stall_s;
    double timeout_s;
} bench_limits;

typedef enum bench_outcome {
    BENCH_DONE,    /* ran to the end; every check passed */
    BENCH_STALLED, /* aborted by the watchdog; nothing lost or corrupted */
    BENCH_FAILED   /* a check failed or the run could not start */
} bench_outcome;

typedef struct bench_result {
    bench_outcome outcome;
    double mops;    /* DONE: the rate; STALLED: the rate until the abort */
    double seconds; /* wall time of the timed part */
    /* Pair runs: failed attempts per item moved, pushes that found the
     * structure full and pops that found it empty (the spinning). */
    double full_retries, empty_retries;
    char msg[240];  /* STALLED and FAILED: what happened */
} bench_result;

/* One timed pair run: `producers` threads push `total` items between them,
 * `consumers` threads pop them all.  mops = million items (each one push
 * plus one pop) per second.  Afterwards the structure is drained and every
 * item pushed must have been popped exactly once (counts and a checksum of
 * the values).  `label` names the run in messages that cannot wait for the
 * table (a deadlocked thread ends the process). */
void bench_pair_run(const char *label, const bench_container *c,
                    unsigned producers, unsigned consumers, size_t total,
                    size_t capacity, const bench_limits *lim,
                    bench_result *res);

/* One timed single-thread run: one thread pushes a batch (min(capacity,
 * 64) items), pops it, and again, until `total` items went through; the
 * uncontended cost of push + pop, where a fixed cost per operation (such as
 * the load of a watch word) is least hidden by cache-line traffic.  mops =
 * million items (one push plus one pop each) per second.  A conc structure
 * or a peer.  The timed loop is one function, bench_solo_loop, which
 * tools/bench-callgrind.sh names to callgrind (--toggle-collect) to count
 * the instructions per pair. */
void bench_solo_run(const char *label, const bench_container *c, size_t total,
                    size_t capacity, bench_result *res);

/* One timed counter run: `threads` threads each add 1 `adds / threads`
 * times; the total read afterwards must equal the adds done.  reg == NULL
 * runs the raw fetch-and-add ceiling on one shared word instead.  `shards`
 * is the capacity given to counters that have shards.  mops = million adds
 * per second. */
void bench_counter_run(const char *label, const reg_entry *reg,
                       unsigned threads, size_t adds, size_t shards,
                       const bench_limits *lim, bench_result *res);

/* The same with every thread adding to a word of its own (128-byte
 * aligned apart) by fetch-and-add: the best a sharded counter can do. */
void bench_faa_slots_run(const char *label, unsigned threads, size_t adds,
                         const bench_limits *lim, bench_result *res);

/* `threads` threads spin for `seconds` (machine.c); returns the CPU-seconds
 * they got per wall-second: about min(threads, CPUs) on an idle machine,
 * less when other work (or a CPU quota) takes the CPUs.  Figures for runs
 * with more threads than this number measure time-slicing, not
 * contention. */
double bench_parallelism(unsigned threads, double seconds);

/* ------------------------------------------------------------------------ */
/* Handoff latency (latency.c)                                               */

/* How items are spaced by the producer. */
typedef enum bench_pace {
    PACE_STEADY, /* one item every interval: the consumer sleeps in between */
    PACE_BURST   /* `burst` items back to back, then a pause of `burst`
                    intervals: the consumer mostly finds items waiting */
} bench_pace;

typedef struct bench_lat_params {
    size_t handoffs;      /* items timed in this run */
    unsigned interval_us; /* steady: between items; burst: pause / burst */
    unsigned burst;       /* items per burst */
    bench_pace pace;
} bench_lat_params;

/* What a latency run moves its items through. */
typedef enum bench_lat_kind {
    LAT_REG,     /* a registry container's push_wait/pop_wait, two threads */
    LAT_SHMRING, /* conc_shmring between a parent and a forked child */
    LAT_PIPE     /* a pipe between a parent and a forked child (baseline) */
} bench_lat_kind;

typedef struct bench_lat_run {
    bool ok;
    char msg[160];
    uint64_t *ns;       /* handoffs latencies, ns (malloc'd; caller frees) */
    size_t n;
    double sleeps;      /* consumer's voluntary context switches per item */
} bench_lat_run;

/* One latency run: a producer stamps CLOCK_MONOTONIC into each item and
 * pushes it; the consumer, blocked in pop_wait (read for the pipe), records
 * now - stamp for each item it receives. */
void bench_latency_run(bench_lat_kind kind, const reg_entry *reg,
                       const bench_lat_params *p, bench_lat_run *out);

/* ------------------------------------------------------------------------ */
/* Memory of conc_lfqueue (memory.c)                                         */

typedef struct bench_mem_result {
    size_t items;
    /* resident bytes of the process (/proc/self/statm) and
     * conc_lfqueue_memory(): with the queue empty, after pushing `items`,
     * after popping them all, and after conc_lfqueue_free */
    size_t rss_empty, rss_full, rss_drained, rss_freed;
    size_t mem_empty, mem_full, mem_drained;
    double push_s, pop_s; /* wall time of the pushes and of the pops */
    bool ok;
    char msg[160];
} bench_mem_result;

/* Resident bytes of this process from /proc/self/statm; 0 if unreadable. */
size_t bench_rss_bytes(void);
void bench_memory_run(size_t items, bench_mem_result *res);

#endif /* CONC_BENCH_H */
