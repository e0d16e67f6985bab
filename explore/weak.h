/*
 * weak.h - the explorer's weak-memory mode (ex_config.weak, conc-explore
 * --weak): the explorer performs the atomic operations of src/ itself, on
 * a model of C11 memory as RC11 repairs it (Lahav, Vafeiadis, Kang, Hur &
 * Dreyer, "Repairing sequential consistency in C/C++11", PLDI 2017), so
 * that a load may read an older store than the last one, a store may take
 * a place in modification order before stores already made, and a missing
 * release/acquire shows on x86 too.  See weak.c for the model and
 * docs/verification.md for what it covers.
 *
 * The explorer (explorer.c) calls these from its hook, with the baton:
 * exactly one scenario thread runs at a time, so nothing here is locked.
 */
#ifndef CONC_EXPLORE_WEAK_H
#define CONC_EXPLORE_WEAK_H

#include <stdbool.h>
#include <stdint.h>

#include "internal/verify.h"

/* Flaws, for testing the litmus test (explore/litmus.c): the model made
 * wrong on purpose, so the test can show it fails then. */
enum wk_flaw {
    WK_FLAW_NONE = 0,
    WK_FLAW_SC_ONLY,   /* every load reads the last store, stores go last */
    WK_FLAW_SC_ACQREL  /* seq_cst weakened to acq_rel (what loom does) */
};

/* The choice callback: one of the options in `mask` (bit i: option i;
 * option 0 always offered, the sequentially consistent one). */
typedef int (*wk_choose_fn)(uint16_t mask);

/* A new execution of nthreads threads. */
void wk_reset(int nthreads, int flaw, wk_choose_fn choose);

/* An atomic operation of thread t (kind LOAD, STORE or RMW; PRE phase, its
 * turn): done in the model; sets p->handled, p->result, p->ok and updates
 * real memory to the last store in modification order.  Returns true if a
 * load read a store that is not the last in modification order. */
bool wk_access(int t, conc_point *p);
void wk_fence(int t, int mo);

/* Synchronisation the explorer models: mutexes, futex wake -> the woken,
 * ex_stamp (an acq_rel read-modify-write of one hidden word). */
void wk_lock(int t, const void *m);
void wk_unlock(int t, const void *m);
void wk_wake(int t, const void *addr);
void wk_woken(int t, const void *addr);
void wk_stamp(int t);
/* Thread t reached a SPIN point: it sees the last store of every location
 * from now on (a spinning thread eventually sees a store; without this a
 * spin loop could read an old value forever). */
void wk_spin(int t);
/* Thread t's futex wait read addr's word (the kernel reads the last
 * value): its later loads of the word read that store or a later one. */
void wk_seen(int t, const void *addr, unsigned width);
/* conc_init_* on addr by thread t (a word made anew: its history
 * restarts; t < 0: not by a scenario thread, so the new value happens
 * before everything, else it is a relaxed store of t). */
void wk_init(int t, const void *addr, unsigned width);

/* Statistics of the exploration so far (reset by wk_stats_reset). */
typedef struct wk_stats {
    uint64_t rf_choices;   /* loads offered more than one store */
    uint64_t mo_choices;   /* stores offered more than one place */
    uint64_t psc_checks;   /* options checked for SC consistency */
    uint64_t psc_rejects;  /* ... and rejected */
} wk_stats;
void wk_stats_reset(void);
wk_stats wk_stats_get(void);

#endif
