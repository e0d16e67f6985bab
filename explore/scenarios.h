/*
 * scenarios.h - what the explorer runs: small programs over every registry
 * structure, conc_shmring (threads standing in for processes) and the
 * deliberately broken queue.
 *
 * A scenario is a family, a construction (capacity, flags, items put in
 * before the threads start, an fd opened or not) and per thread a short
 * script of steps.  Every step is one call of the public API, recorded in
 * a linearizability history (harness/lincheck.h) with invocation and
 * response stamps from ex_stamp().  After the threads end the check:
 *   - the history is linearizable against the family's sequential
 *     specification (conc_sharded: every read within its interval);
 *   - conservation: what is left is drained, and every item pushed (or put
 *     in before) was popped, discarded or drained exactly once, and nothing
 *     else came out;
 *   - invariants, quiescent: len() is what was drained, capacity() what was
 *     asked for; joinable: the count is pushes - task_done, so that many
 *     task_done succeed, then join(0) is OK and one more task_done is
 *     CONC_EINVAL; the fd is readable if an item was left or the structure
 *     is closed; a counter reads the sum of its adds.
 */
#ifndef CONC_EXPLORE_SCENARIOS_H
#define CONC_EXPLORE_SCENARIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "explorer.h"

enum sc_kind {
    S_END = 0,
    S_PUSH,      /* push the thread's next item */
    S_POP,
    S_PUSHN,     /* push_many of n items */
    S_POPN,      /* pop_many of up to n */
    S_PUSHW,     /* push_wait(timeout) */
    S_POPW,      /* pop_wait(timeout) */
    S_POPD,      /* pop; task_done if it got an item */
    S_POPWD,     /* pop_wait(timeout); task_done if it got an item */
    S_CLOSE,
    S_CLOSE_NOW,
    S_CLOSED,    /* closed() */
    S_TASK_DONE,
    S_JOIN,      /* join(timeout) */
    S_ADD,       /* counters: add(n) */
    S_READ,
    /* conc_ring only: n (0: 3n) late threshold decrements land at once,
     * as from dequeuers that failed positions on an empty ring before the
     * threads started and were preempted just before their decrement
     * (conc__ring_test_late_decrements).  Not an operation: no history. */
    S_LATE,
    /* issue 12 holes (wait): the structure's X_fd called while the other
     * threads run (not in setup): the eventfd made, or looked up, mid-run.
     * Not in the history; the check wants every such call CONC_OK with one
     * and the same descriptor (and the setup's, if it made one), and then
     * checks the fd's readiness as for a scenario with `fd`. */
    S_FD
};

#define SC_FOREVER (-1) /* timeout: CONC_FOREVER */
#define SC_STEPS 6

typedef struct sc_step {
    uint8_t kind;
    int8_t n;       /* batch size; add's delta */
    int32_t ms;     /* wait timeout in ms; SC_FOREVER */
} sc_step;

typedef struct sc_def {
    const char *name;   /* "<family>/<what>" */
    const char *family; /* a registry name, "shmring" or "broken" */
    size_t capacity;
    unsigned flags;     /* construction flags (conc/wait.h) */
    int prefill;        /* items pushed before the threads start */
    int fd;             /* open the fd before the threads start */
    int tier;           /* 0: make test; 1: make explore only */
    int nthreads;
    sc_step steps[EX_MAX_THREADS][SC_STEPS];
    int bound;          /* at least this preemption bound (0: the run's) */
    int execs;          /* at least this DFS cap per bound (0: the run's) */
    int cycled;         /* items pushed and popped again before the threads
                           start (after the prefill): a ring then holds its
                           prefill with its threshold full and Head, Tail
                           moved on */
    int8_t proc[EX_MAX_THREADS]; /* threads standing in for processes: each
                           thread's virtual process (ex_scenario.proc;
                           0: the explorer's, where setup makes the fd) */
} sc_def;

extern const sc_def sc_defs[];
extern const size_t sc_ndefs;

/* The explorer's scenario for a definition (static storage, one per def). */
const ex_scenario *sc_scenario(const sc_def *d);
const sc_def *sc_find(const char *name);
/* Scenarios written against the library's internals (scen_custom.c), run
 * in tier 0 after the table's. */
typedef struct sc_custom_run {
    const ex_scenario *s;
    int bound; /* at least this preemption bound (0: the run's), as sc_def.bound */
    int execs; /* at least this DFS cap per bound (0: the run's), as sc_def.execs */
    /* NULL, or the DFS searches only below this schedule prefix
     * (ex_config.prefix; --prefix overrides it) */
    const char *prefix;
} sc_custom_run;
extern const sc_custom_run sc_custom[];
extern const size_t sc_ncustom;

/* Whether verify/museum/explore.sh names the scenario for a museum bug
 * (it keeps make test's full DFS cap: conc-explore --max-execs-rest). */
int sc_museum(const char *name);

/* d->tier, or 1 for a scenario that fails on a known, unfixed defect. */
int sc_tier(const sc_def *d);

/* Conservation: every item of in[] came out (out[]) exactly once and
 * nothing else came out; false with the reason written to why. */
bool sc_conserved(const uint64_t *in, size_t nin, const uint64_t *out,
                  size_t nout, FILE *why);

#endif
