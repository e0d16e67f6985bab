/*
 * park.h - park one thread before its k-th schedule point (verify build).
 *
 * The verify build makes every atomic operation in src/ a schedule point
 * (src/internal/atomics.h), and every pause, futex, mutex and clock read
 * too (spin.h, futex.h, lock.h, clock.h), and lets a harness install one
 * process-wide hook (conc_verify_set_hook, version 1: the kind only).  This helper turns that hook into the tool the
 * race tests need: run an operation in a thread of its own, stop it just
 * before its k-th schedule point (counting from the start of the operation),
 * let other threads do their part, then release it.  A test that enumerates
 * k = 1, 2, ... until the operation completes without reaching its k-th
 * point covers every place one preemption can fall, so it does not depend on
 * how many points an edit of the algorithm adds or removes; it asserts that
 * the enumeration reached at least a minimum number of points, so a broken
 * hook or an operation that no longer reaches the code under test fails
 * loudly instead of passing silently.
 *
 *   park_install()                 install the hook (once, before threads)
 *   park_start(&t, fn, arg, k)     run fn(arg) in a new thread that parks
 *                                  before its k-th point (k = 0: never);
 *                                  returns once it parked, finished or
 *                                  reached a spin-wait
 *   park_start_rmw(&t, fn, arg, m)  the same, counting only RMW points
 *   park_parked(&t) / park_done(&t)
 *   park_waiting(&t)               the thread reached a SPIN or FUTEX_WAIT
 *                                  point: it waits for another (a BACKOFF
 *                                  after a lost race is not waiting)
 *   park_until_done_or_waiting(&t) wait for one of those two
 *   park_release(&t)               let a parked thread go on
 *   park_rearm(&t, m, rmw_only)    let a parked thread go on until it is
 *                                  before its m-th point (RMW points only
 *                                  if rmw_only), counted from the start of
 *                                  the operation, and park again there;
 *                                  returns as park_start does.  For a
 *                                  scenario in two steps: "passed this
 *                                  check while X held; then, X changed,
 *                                  stopped at that point"
 *   park_join(&t)                  release if needed and join
 *
 * Parking by what a point does rather than by its number (issue 12: a
 * mutant that splits a compare-and-swap into a load and a store changes
 * the count of points before the step, so a count fixed on the original
 * misses the split step): park_install_where() installs a version 2 hook
 * (the whole conc_point: address, operand, order) that does everything the
 * version 1 hook does and, for a thread started with
 *   park_start_where(&t, fn, arg, pred, ctx)
 * parks it before the first point (PRE) for which pred(point, ctx) holds
 * (once; 0 points: the thread may finish without parking), and
 *   park_rearm_where(&t, pred, ctx)
 * lets it go on to the next such point after the one it is parked at.
 * park_uninstall_where() removes the version 2 hook (the version 1 hook,
 * if installed, then applies again); both only with no parked thread.
 *
 * Threads other than those started here pass through the hook at the cost
 * of one thread-local load.
 */
#ifndef CONC_VERIFY_PARK_H
#define CONC_VERIFY_PARK_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal/verify.h"

typedef struct park_thread {
    void (*fn)(void *);
    void *arg;
    uint64_t at; /* park before this point (1-based); 0: never */
    int rmw_only; /* count read-modify-writes only (park_start_rmw) */
    pthread_t tid;
    atomic_int parked;
    atomic_int release;
    atomic_int done;
    atomic_int waiting;
    uint64_t points; /* points this thread passed (valid once done) */
    uint64_t seen_all, seen_rmw; /* points, RMW points, passed when it last
                                    parked (valid while parked) */
    bool (*where)(const conc_point *p, void *ctx); /* park_start_where */
    void *where_ctx;
} park_thread;

static _Thread_local park_thread *park_self_;
static _Thread_local uint64_t park_count_all_, park_count_rmw_;

/* Park t before this point (of kind `kind`, already counted) until it is
 * released. */
static void park_stop_(park_thread *t, int kind)
{
    t->seen_all = park_count_all_ - 1; /* this point is still ahead */
    t->seen_rmw = park_count_rmw_ - (kind == CONC_POINT_RMW);
    atomic_store(&t->parked, 1);
    while (!atomic_load(&t->release))
        sched_yield();
    /* Ready for a park_rearm, which sets `at` and clears `parked` before
     * it releases: both are read here only after that. */
    atomic_store(&t->release, 0);
}

static void park_hook_(int kind, void *arg)
{
    (void)arg;
    park_thread *t = park_self_;
    if (!t)
        return;
    if (kind == CONC_POINT_SPIN || kind == CONC_POINT_FUTEX_WAIT)
        atomic_store(&t->waiting, 1);
    park_count_all_++;
    if (kind == CONC_POINT_RMW)
        park_count_rmw_++;
    if (t->rmw_only && kind != CONC_POINT_RMW)
        return;
    if ((t->rmw_only ? park_count_rmw_ : park_count_all_) == t->at)
        park_stop_(t, kind);
}

static inline void park_install(void)
{
    conc_verify_set_hook(park_hook_, NULL);
}

/* The version 2 hook: the counts of park_hook_, and the predicate. */
static void park_hook2_(conc_point *p, void *arg)
{
    park_thread *t = park_self_;
    if (!t || p->phase != CONC_PHASE_PRE || p->kind == CONC_POINT_PID)
        return;
    park_hook_(p->kind, arg);
    if (t->where && t->where(p, t->where_ctx)) {
        t->where = NULL; /* once; park_rearm_where sets the next */
        park_stop_(t, p->kind);
    }
}

static inline void park_install_where(void)
{
    conc_verify_set_hook2(park_hook2_, NULL);
}

static inline void park_uninstall_where(void)
{
    conc_verify_set_hook2(NULL, NULL);
}

static void *park_main_(void *p)
{
    park_thread *t = p;
    park_count_all_ = 0;
    park_count_rmw_ = 0;
    park_self_ = t;
    t->fn(t->arg);
    park_self_ = NULL;
    t->points = t->rmw_only ? park_count_rmw_ : park_count_all_;
    atomic_store(&t->done, 1);
    return NULL;
}

static inline bool park_parked(park_thread *t) { return atomic_load(&t->parked); }
static inline bool park_done(park_thread *t) { return atomic_load(&t->done); }
static inline bool park_waiting(park_thread *t) { return atomic_load(&t->waiting); }

static inline void park_start_(park_thread *t, void (*fn)(void *), void *arg,
                               uint64_t at, int rmw_only,
                               bool (*pred)(const conc_point *, void *),
                               void *ctx)
{
    t->fn = fn;
    t->arg = arg;
    t->at = at;
    t->rmw_only = rmw_only;
    t->points = 0;
    t->where = pred;
    t->where_ctx = ctx;
    atomic_init(&t->parked, 0);
    atomic_init(&t->release, 0);
    atomic_init(&t->done, 0);
    atomic_init(&t->waiting, 0);
    if (pthread_create(&t->tid, NULL, park_main_, t) != 0) {
        perror("park_start: pthread_create");
        exit(2);
    }
    while (!park_parked(t) && !park_done(t) && !park_waiting(t))
        sched_yield();
}

static inline void park_start(park_thread *t, void (*fn)(void *), void *arg,
                              uint64_t at)
{
    park_start_(t, fn, arg, at, 0, NULL, NULL);
}

/* The same, counting only read-modify-write points (the steps that change
 * shared state), for scenarios stated as "after its m-th RMW". */
static inline void park_start_rmw(park_thread *t, void (*fn)(void *), void *arg,
                                  uint64_t at)
{
    park_start_(t, fn, arg, at, 1, NULL, NULL);
}

/* Park before the first point pred(point, ctx) accepts (park_install_where
 * must be installed); returns once it parked, finished or waits. */
static inline void park_start_where(park_thread *t, void (*fn)(void *),
                                    void *arg,
                                    bool (*pred)(const conc_point *, void *),
                                    void *ctx)
{
    park_start_(t, fn, arg, 0, 0, pred, ctx);
}

static inline void park_until_done_or_waiting(park_thread *t)
{
    while (!park_done(t) && !park_waiting(t))
        sched_yield();
}

static inline void park_release(park_thread *t)
{
    atomic_store(&t->release, 1);
}

/* Release a parked thread whose next stop is set, and wait until it
 * parks there, finishes or waits. */
static inline void park_go_on_(park_thread *t)
{
    atomic_store(&t->parked, 0);
    atomic_store(&t->release, 1);
    while (!park_parked(t) && !park_done(t) && !park_waiting(t))
        sched_yield();
}

static inline void park_rearm(park_thread *t, uint64_t at, int rmw_only)
{
    t->at = at;
    t->rmw_only = rmw_only;
    park_go_on_(t);
}

/* Let a thread parked by its predicate go on to the next point (after this
 * one) that pred accepts, and park there; returns as park_rearm does. */
static inline void park_rearm_where(park_thread *t,
                                    bool (*pred)(const conc_point *, void *),
                                    void *ctx)
{
    t->at = 0;
    t->where = pred;
    t->where_ctx = ctx;
    park_go_on_(t);
}

static inline void park_join(park_thread *t)
{
    park_release(t);
    pthread_join(t->tid, NULL);
}

#endif /* CONC_VERIFY_PARK_H */
