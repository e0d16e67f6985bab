/*
 * explorer.h - conc's schedule explorer (a stateless model checker).
 *
 * The verify build makes every visible step of src/ a schedule point that
 * reports what it is about to do (hooks version 2, src/internal/verify.h).
 * The explorer installs itself as that hook and runs a scenario's threads as
 * real pthreads that pass a baton: exactly one runs at a time, and at every
 * schedule point the explorer decides which thread takes the next step.
 * Executions are repeated, each with a different schedule:
 *
 *   EX_DFS     exhaustive depth-first search over all schedules with at most
 *              `bound` preemptions (Musuvathi & Qadeer, "Iterative context
 *              bounding for systematic testing of multithreaded programs",
 *              PLDI 2007); bound < 0: no bound.  Sleep sets (Godefroid,
 *              "Partial-Order Methods for the Verification of Concurrent
 *              Systems", LNCS 1032, 1996) keyed on (address, write or not)
 *              keep independent steps from being reordered in vain;
 *              under the bound a thread sleeps only where every schedule
 *              it prunes has an equivalent within the bound that is
 *              explored (explorer.c, sleeps_within_bound).
 *              Switching away from a thread that blocks (futex wait, a lock
 *              held, a spin-wait with nothing new to read) or ends is free.
 *   EX_PCT     probabilistic concurrency testing (Burckhardt, Kothari,
 *              Musuvathi & Nagarakatte, "A randomized scheduler with
 *              probabilistic guarantees of finding bugs", ASPLOS 2010):
 *              random thread priorities with `depth - 1` change points.
 *   EX_REPLAY  one schedule given as a string (what a failure prints), run
 *              twice: the two traces must be identical, or the run reports
 *              hidden nondeterminism.
 *
 * What the explorer models instead of the kernel: a futex wait blocks only
 * if the word still holds the expected value; a wake releases waiters of
 * its key (a private futex: the process and the word, ex_scenario.proc; a
 * shared one: the word) (which
 * ones, when there are more than it wakes, is a choice); a waiter with a
 * deadline may time out (a choice; the virtual clock then jumps to the
 * deadline); spurious wake-ups are choices when `spurious` is set.  A mutex
 * held by one thread disables the others' LOCK steps.  A SPIN point disables
 * its thread until another thread writes a location it read since its
 * previous spin.  BACKOFF points are ignored.  When no thread can move and
 * some have not finished, the execution is reported as a deadlock or lost
 * wake-up.
 *
 * Each complete execution is checked by the scenario (linearizability with
 * harness/lincheck.h, conservation, invariants).  A failure is printed with
 * its trace and a schedule string, shrunk by dropping preemptions it does not
 * need, that reproduces it:  CONC_SCHEDULE='<scenario>@<schedule>'.
 *
 * Only one exploration runs at a time in a process.  Scenario threads must
 * communicate only through conc structures (or ex_stamp); their own memory
 * is private.
 */
#ifndef CONC_EXPLORE_EXPLORER_H
#define CONC_EXPLORE_EXPLORER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EX_MAX_THREADS 8

typedef struct ex_scenario {
    const char *name;  /* "ring/push-pop", ... (no spaces, no '@') */
    const char *what;  /* one line for the table */
    int nthreads;      /* 1..EX_MAX_THREADS */
    const void *param; /* the scenario's own parameters */
    /* In the explorer's thread, before the threads start: make the
     * structure, prefill it.  NULL + a message in `why` on error. */
    void *(*setup)(const struct ex_scenario *s, FILE *why);
    /* Thread tid's body (0 <= tid < nthreads). */
    void (*run)(void *ctx, int tid);
    /* After every thread ended: false, with the reason written to `why`,
     * if the execution is wrong. */
    bool (*check)(void *ctx, FILE *why);
    /* Free what setup made (also after a failed check). */
    void (*teardown)(void *ctx);
    /* Optional: what the threads did so far, for the report of an execution
     * that could not end (deadlock, livelock).  Threads are stopped. */
    void (*describe)(void *ctx, FILE *why);
    /* Threads standing in for processes: thread tid's virtual process
     * (default 0, all one process; the explorer's own thread, where setup
     * and check run, is process 0).  Futexes: a private wait is reached
     * only by a private wake of its own process, a shared one by any
     * shared wake of the word.  wait.c's process id (a PID point) answers
     * 0's real pid + proc; an eventfd belongs to the process that made it,
     * and a read or write on it by a thread of another process fails the
     * execution. */
    int proc[EX_MAX_THREADS];
} ex_scenario;

/* EX_RR: the divergence search (explore/livelock.c): round-robin
 * schedules, every quantum 1..rr_quantum, thread order and phase. */
typedef enum ex_mode { EX_DFS, EX_PCT, EX_REPLAY, EX_RR } ex_mode;

typedef struct ex_config {
    ex_mode mode;
    int bound;            /* EX_DFS: preemption bound; < 0 none */
    bool sleep_sets;      /* EX_DFS: prune with sleep sets (default true) */
    uint64_t max_execs;   /* stop after this many executions run, checked
                             or cut as redundant (0: no cap) */
    double max_seconds;   /* stop after this long (0: no cap) */
    uint64_t max_steps;   /* an execution longer than this fails (livelock) */
    int pct_depth;        /* EX_PCT: d (change points + 1) */
    uint64_t seed;        /* EX_PCT */
    const char *schedule; /* EX_REPLAY: the part after '@' */
    /* EX_DFS: search only below this prefix, a run per thread ('a'+t,
     * then how many of its steps; no count: until it cannot move), its
     * loads in weak mode reading the sequentially consistent store.  The
     * prefix's decisions are never changed, so "exhausted" then means the
     * space below it.  NULL or "": the whole space. */
    const char *prefix;
    bool spurious;        /* futex waits may wake spuriously */
    bool shrink;          /* shrink a failure's schedule (default true) */
    bool stop_on_failure; /* default true */
    FILE *out;            /* the report (failures, traces); NULL: stderr */
    int verbose;
    /* livelock.c: an execution in which no operation completes (no
     * ex_stamp step, no thread's end) for more than max_quiet consecutive
     * steps is a livelock (0: no such check); EX_RR's largest quantum. */
    uint64_t max_quiet;
    int rr_quantum;
    bool rr_mixed;        /* EX_RR: also every vector of per-thread quanta */
    uint64_t rr_random;   /* EX_RR: this many random schedules instead (a
                             random prefix, then random quanta; seed) */
    bool rr_anchor;       /* EX_RR: the anchored turns (livelock.c) instead:
                             every per-thread vector, order and phase */
    /* The weak-memory mode (explore/weak.c): the explorer performs the
     * atomic operations itself on an RC11 model; which store a load reads
     * and where a store goes in modification order are choices (decisions
     * 'r' in a schedule string).  weak_flaw: the model made wrong on
     * purpose (weak.h, enum wk_flaw), to show the litmus test fails. */
    bool weak;
    int weak_flaw;
} ex_config;

/* Defaults: DFS, bound 2, sleep sets, 1,000,000 executions, no time cap,
 * 20,000 steps, PCT depth 3, seed 1, shrink, stop at the first failure;
 * livelock: max_quiet 5,000 steps, rr_quantum 8. */
ex_config ex_config_default(void);

typedef enum ex_verdict {
    EX_PASS,          /* every explored execution passed */
    EX_FAIL,          /* a check failed, a deadlock, a livelock */
    EX_NONDETERMINISM,/* the same schedule gave two different traces */
    EX_ERROR,         /* the explorer or the scenario could not run */
    EX_LIVELOCK       /* an execution ran past max_steps or max_quiet */
} ex_verdict;

typedef struct ex_result {
    ex_verdict verdict;
    uint64_t executions;  /* complete executions checked */
    uint64_t redundant;   /* executions cut by the sleep sets (not counted) */
    uint64_t steps;       /* schedule points in all executions */
    uint64_t max_depth;   /* the longest execution, in decisions */
    uint64_t max_steps;   /* ... in steps */
    uint64_t max_quiet;   /* the most steps in a row with no operation
                             completed, in any execution (livelock.c) */
    bool exhausted;       /* EX_DFS: the whole space within the bound */
    bool prefix_missed;   /* EX_DFS: a run of ex_config.prefix with a site
                             ended before its thread reached it */
    double seconds;
    uint64_t first_failure_exec; /* 1-based; 0: none */
    double first_failure_seconds;
    char schedule[4096];  /* the failing schedule (after shrinking) */
    char failure[256];    /* its first line */
} ex_result;

/* Weak mode: choices made so far in this process (loads offered more than
 * one store, stores more than one place in mo, options checked and
 * rejected for SC consistency). */
typedef struct ex_weak_stats {
    uint64_t rf_choices, mo_choices, psc_checks, psc_rejects;
} ex_weak_stats;
ex_weak_stats ex_weak_stats_get(void);

/* Explore s.  Prints failures to c->out.  Not reentrant. */
ex_result ex_explore(const ex_scenario *s, const ex_config *c);

/* From a thread of a scenario: a point of its own that orders invocations
 * and responses (a global clock that every stamp reads and advances, so
 * steps that are reordered keep their real-time order).  Outside an
 * exploration it still counts. */
uint64_t ex_stamp(void);

/* From a thread: the execution fails with this message (the thread goes
 * on; the failure is reported when the execution ends). */
void ex_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The executing thread's index in the scenario (-1 outside). */
int ex_self(void);

/* The virtual clock, in ns (the explorer answers CLOCK points with it). */
int64_t ex_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* CONC_EXPLORE_EXPLORER_H */
