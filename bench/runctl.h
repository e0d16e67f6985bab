/*
 * runctl.h - what every timed run of conc-bench shares: the start barrier,
 * the abort flag, the per-worker progress word and the watchdog (runctl.c),
 * and the helpers of the timed loops, inline here so that the loops in
 * pair.c and counter.c compile to what they always did.
 *
 * All threads of a run start behind one barrier; each stamps CLOCK_MONOTONIC
 * as it leaves the barrier, and a run lasts from the earliest such stamp to
 * the moment the last consumer (or counting thread) is done.  Setup
 * (allocation, touching preallocated nodes) and the checks afterwards are
 * outside the clock.
 *
 * The main thread sleeps while a run goes on, waking every 100 ms to look at
 * each worker's progress word.  If nothing moves for `stall_s` seconds, or
 * the run passes `timeout_s`, it raises the abort flag, which the workers
 * check where they yield.  A stall is a result, not an error: a blocking
 * algorithm with more threads than CPUs can stall for seconds when a thread
 * that others wait for is preempted, and the run is then counted at the rate
 * it achieved.
 */
#ifndef CONC_BENCH_RUNCTL_H
#define CONC_BENCH_RUNCTL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

typedef struct run_ctl {
    pthread_barrier_t start;
    atomic_bool abort;      /* set by the watchdog */
    atomic_uint remaining;  /* workers not yet finished */
    sem_t done;             /* posted by the last worker to finish */
} run_ctl;

/* First member of every worker, on the worker's own lines (two lines per
 * worker: the adjacent-line prefetcher pairs them). */
typedef struct worker_head {
    _Alignas(128) _Atomic size_t progress; /* ops done, for the watchdog */
} worker_head;

static inline void set_progress(worker_head *h, size_t done)
{
    atomic_store_explicit(&h->progress, done, memory_order_relaxed);
}

static inline bool aborted(run_ctl *ctl)
{
    return atomic_load_explicit(&ctl->abort, memory_order_relaxed);
}

/* Item values carry (producer, sequence) and are never NULL. */
static inline void *item_encode(unsigned producer, size_t seq)
{
    uint64_t v = ((uint64_t)(producer + 1) << 40) | (uint64_t)seq;
    return (void *)(uintptr_t)v;
}

/* A message and exit(1): what cannot go on (a failed pthread call, no
 * memory). */
_Noreturn void bench_die(const char *what, int err);

/* aligned_alloc of `size` rounded up to `align`, zeroed; dies on failure. */
void *bench_aligned_zalloc(size_t align, size_t size);

void ctl_init(run_ctl *ctl, unsigned n);
void ctl_destroy(run_ctl *ctl);

/* A worker's last act, after its final timestamp. */
void worker_finished(run_ctl *ctl);

typedef enum watch_end { W_FINISHED, W_STALLED, W_TIMEOUT } watch_end;

/* Wait for a run to end; fire the abort flag on a stall or at the timeout.
 * `workers` is an array of n structs of `stride` bytes, each starting with
 * a worker_head.  A worker that stays inside an operation BENCH_GRACE_S
 * seconds after the abort is stuck for good (a deadlock), and nothing
 * sensible can follow: the process exits.  Joins every thread. */
watch_end watch(const char *label, run_ctl *ctl, pthread_t *tids,
                const void *workers, size_t stride, unsigned n,
                const bench_limits *lim);

/* Thread i runs fn (i < first_fn2) or fn2 on workers + i * stride. */
void start_threads(pthread_t *tids, unsigned n, void *workers, size_t stride,
                   void *(*fn)(void *), void *(*fn2)(void *),
                   unsigned first_fn2);

/* Million operations per second between two CLOCK_MONOTONIC stamps. */
double rate_mops(size_t ops, uint64_t t0, uint64_t t1);

#endif /* CONC_BENCH_RUNCTL_H */
