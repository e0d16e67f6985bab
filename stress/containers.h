/*
 * containers.h - what containers.c (the threads over queues and stacks)
 * and drain.c (the drain and the final settle after the join) share.
 */
#ifndef CONC_STRESS_CONTAINERS_H
#define CONC_STRESS_CONTAINERS_H

#include "stress.h"

typedef struct cthread {
    run *r;
    int tid;
    int role;
    int pid;                  /* producer index or -1 */
    uint64_t rng;
    /* producing */
    uint64_t next_seq, quota, started_pub;
    uint64_t push_first, push_last; /* the latest successful push call */
    bool have_push, producing_done;
    uint64_t pushes, pops, full, empty, calls, checked;
    /* queues: per producer, the last seq seen */
    h_fifo fifo;
    bool have_fifo;
} cthread;

typedef struct cstate {
    cthread *t;  /* nthreads + 1 (the drain) */
    uint64_t drained;
    uint64_t len_after_drain;
} cstate;

/* One pop call (pop_wait, pop or pop_many of up to n) and the checks on
 * what it returned.  1: popped something; 0: EMPTY (or TIMEDOUT); -1:
 * EMPTY and every producer is done; -2: CLOSED (--wait: the run is over). */
int pop_step(cthread *t, size_t n);

#endif /* CONC_STRESS_CONTAINERS_H */
