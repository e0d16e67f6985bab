/*
 * bench.h - what the parts of conc-bench share.
 *
 * conc-bench measures conc's structures and their peers (Concurrency Kit,
 * liburcu, the raw fetch-and-add of the machine) in one process, one run,
 * the same workload.  conc structures are driven through the registry
 * (verify/registry.h), the peers through adapters of the same shape
 * (bench_peer_ops), so one harness (harness.c) times them all.
 *
 * The peers are used here and in verify/ only, never inside the library.
 */
#ifndef CONC_BENCH_H
#define CONC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* Which table a row belongs to. */
typedef enum bench_section {
    SEC_QUEUE,   /* FIFO pair throughput */
    SEC_STACK,   /* LIFO pair throughput */
    SEC_CEILING, /* fetch-and-add by P+C threads, shown under both tables */
    SEC_COUNTER  /* counters at T threads, and fetch-and-add at T threads */
} bench_section;

/*
 * A peer structure behind the shape the harness drives.
 *
 * create(capacity, items): a structure for a run that will carry `items`
 *   items.  Bounded peers honour `capacity`; intrusive, unbounded peers
 *   preallocate one node per item instead (see each adapter), touched
 *   before the clock starts.  NULL with errno on failure.
 * push(obj, idx, item): idx is the item's global index in [0, items), the
 *   same number never twice in a run, so an intrusive adapter can use node
 *   idx.  0 on success, nonzero when full (the harness retries).
 * pop(obj, &item): 0 on success, nonzero when empty (the harness retries).
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
} bench_peer_ops;

/* peers_ck.c */
extern const bench_peer_ops bench_peer_ck_ring;
extern const bench_peer_ops bench_peer_ck_fifo;
extern const bench_peer_ops bench_peer_ck_stack;
/* peers_urcu.c */
extern const bench_peer_ops bench_peer_wfcqueue;
extern const bench_peer_ops bench_peer_lfstack;

/* A container under test: a conc structure (reg) or a peer (peer). */
typedef struct bench_container {
    const reg_entry *reg;
    const bench_peer_ops *peer;
} bench_container;

/* The spin policy shared by every structure: a thread whose push found the
 * structure full (or whose pop found it empty) retries at once, and calls
 * sched_yield() after every BENCH_YIELD_EVERY consecutive failures, so that
 * with more threads than CPUs the thread it waits for gets to run. */
#define BENCH_YIELD_EVERY 64u

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

/* One timed counter run: `threads` threads each add 1 `adds / threads`
 * times; the total read afterwards must equal the adds done.  reg == NULL
 * runs the raw fetch-and-add ceiling on one shared word instead.  `shards`
 * is the capacity given to counters that have shards.  mops = million adds
 * per second. */
void bench_counter_run(const char *label, const reg_entry *reg,
                       unsigned threads, size_t adds, size_t shards,
                       const bench_limits *lim, bench_result *res);

/* `threads` threads spin for `seconds`; returns the CPU-seconds they got
 * per wall-second: about min(threads, CPUs) on an idle machine, less when
 * other work (or a CPU quota) takes the CPUs.  Figures for runs with more
 * threads than this number measure time-slicing, not contention. */
double bench_parallelism(unsigned threads, double seconds);

#endif /* CONC_BENCH_H */
