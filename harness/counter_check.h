/*
 * counter_check.h - the counter checker: do the previous totals that a
 * counter's adds returned account for every add exactly once?
 *
 * A counter whose add returns the previous total (conc_counter,
 * conc_mutexcounter) is linearizable: its adds happen one after another,
 * each seeing the total the ones before it made.  So, quiescent, the adds
 * made since a known total `base` tile [base, base + sum of deltas): each
 * add owns [prev, prev + delta), no two overlap and nothing is left over;
 * and each thread's own adds come in order (a later add's prev is at least
 * the earlier one's prev + delta).  Arithmetic is modulo 2^64, as the
 * counters wrap.  Every delta must be at least 1 (a zero delta owns
 * nothing); with every delta 1 the check runs in linear time, otherwise it
 * sorts.
 */
#ifndef CONC_HARNESS_COUNTER_CHECK_H
#define CONC_HARNESS_COUNTER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One thread's adds, in program order. */
typedef struct h_adds {
    const int64_t *prev;    /* the previous totals returned */
    const uint64_t *delta;  /* the deltas; NULL: every delta is 1 */
    size_t n;
} h_adds;

enum h_prev_what {
    H_PREV_ORDER,   /* thread's prev `value` came after `other` (its previous
                       add's prev) + that add's delta: out of order */
    H_PREV_OUTSIDE, /* thread's prev `value` outside [base, base + sum) */
    H_PREV_TWICE,   /* `value` owned by the adds of `thread2` and `thread` */
    H_PREV_GAP      /* no add returned `value` (`other`: the next prev
                       returned, or base + sum at the end) */
};

typedef struct h_prev_event {
    int what;
    int thread, thread2; /* indexes into the h_adds array, -1 none */
    int64_t value, other;
} h_prev_event;

typedef void (*h_prev_sink)(void *arg, const h_prev_event *ev);

/* Reusable scratch memory of the checker. */
typedef struct h_prevs {
    uint32_t *owner;
    size_t owner_cap;
    void *recs;
    size_t recs_cap;
} h_prevs;

void h_prevs_fini(h_prevs *p);

/* Check the adds of nthreads threads made since the total was `base`;
 * every violation goes to the sink.  Returns the number of violations, or
 * SIZE_MAX if the checker ran out of memory. */
size_t h_prevs_check(h_prevs *p, const h_adds *threads, int nthreads,
                     uint64_t base, h_prev_sink sink, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_COUNTER_CHECK_H */
