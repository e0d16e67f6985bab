/*
 * livelock.h - the explorer's divergence search (explore/livelock.c): the
 * round-robin schedules of EX_RR and the "no operation completed" check.
 * Private to explore/: explorer.c calls these from a few hooks; they see
 * only bit masks of moves (bit 2t: thread t's step, bit 2t+1: its timeout
 * or spurious wake-up), never the explorer's state.
 */
#ifndef CONC_EXPLORE_LIVELOCK_H
#define CONC_EXPLORE_LIVELOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explorer.h"

#define LV_SITES 64 /* sites one iteration remembers */
#define LV_WMAX 4   /* write quanta: writes per turn, 1..LV_WMAX */
#define LV_RMAX 2   /* ... steps after the last write, 0..LV_RMAX */
#define LV_READS 64 /* ... steps before the turn's first write, at most */
#define LV_PREFIX 96 /* random schedules: prefixes of 0..LV_PREFIX moves */
#define LV_AJ 3     /* anchored turns: the anchor is one of a thread's first
                       LV_AJ write keys, 1..LV_AJ */
#define LV_AR 1     /* ... steps after the anchor that do not write, 0..LV_AR */
#define LV_ASTEPS 64 /* ... steps in a turn that does not reach its anchor */

/* A round-robin schedule: thread order (a cyclic order of 0..n-1 that
 * starts with 0), per thread t its quantum q[t] (steps of its own it takes
 * in its turn), phase (the step of the cycle the execution starts at,
 * 0..sum(q)-1; with iteration quanta: the thread, in order, whose turn
 * comes first). */
enum lv_kind {
    LV_STEPS, /* a turn is q[t] steps */
    LV_ITER,  /* ... at most q[t] steps, and it ends before a step at a site
                 the turn already ran (one iteration of a loop) */
    LV_WRITES, /* ... at most q[t] writes, and after the turn's latest write
                 at most r[t] further steps that do not write */
    LV_ANCHOR /* ... up to and including thread t's next step with its
                 anchor, the q[t]-th distinct write key (word and kind of
                 access) it took in this execution, then at most r[t]
                 further steps that do not write; at most LV_ASTEPS steps
                 if the anchor does not come */
};

typedef struct lv_rr {
    int kind;
    int n, phase;
    int q[EX_MAX_THREADS];
    int r[EX_MAX_THREADS];
    int plen;       /* a random prefix: its first plen moves uniformly at
                       random among the threads that can step, */
    uint64_t pseed; /* ... drawn from this seed (0 plen: none) */
    int8_t order[EX_MAX_THREADS];
} lv_rr;

/* Start the search: EX_RR over quanta 1..c->rr_quantum (c->rr_anchor:
 * every vector of anchored turns instead).  Returns the
 * number of schedules it will run (the space; exhausted after that). */
uint64_t lv_begin(int nthreads, const ex_config *c);
/* The next schedule into the current one; false past the end. */
bool lv_next(void);
/* Make `s` (an "R..." or "I..." schedule string) the current one,
 * for a replay; false if malformed. */
bool lv_parse(const char *s, int nthreads);
/* Whether the round-robin picker decides (EX_RR, or a replay of an R
 * schedule), and turn it off. */
bool lv_on(void);
void lv_off(void);
/* At the start of every execution: the turn and the quantum's count back
 * to the schedule's phase. */
void lv_reset(void);
/* Thread t's pending step, as the schedules see it. */
typedef struct lv_pending {
    uint64_t site;  /* its file and line */
    bool write;     /* it writes shared memory (a store, an RMW, a lock
                       operation, a futex wake, a stamp) */
    uint64_t key;   /* an RMW's word and kind (which RMW): what an anchor
                       is; 0 for a step that is not one (a load, a store, a
                       stamp, a thread's start or end) */
} lv_pending;

/* The move the schedule takes among the enabled moves m (real: those that
 * are not spurious wake-ups). */
int lv_pick(int cur, uint16_t m, uint16_t real, const lv_pending *p);
/* The current schedule as a replayable string:
 * "R<q0>-<q1>-...-<qn-1>.<phase>.<order>" (step quanta; "I...":
 * iteration quanta; "W<q0>:<r0>-...": write quanta; "A<j0>:<r0>-...":
 * anchored turns, the phase the thread (index in order) whose turn
 * comes first), order as letters
 * ("acbd"), and "/<plen>.<pseed>" for a random prefix. */
void lv_string(char *out, size_t size);

#endif
