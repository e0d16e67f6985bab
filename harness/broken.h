/*
 * broken.h - a deliberately broken queue, for showing that checkers fail.
 *
 * Only in the harness library (harness/), never in the library, never
 * installed, and never in conc_registry[]: drivers reach it by name
 * ("broken") through conc_registry_broken.  It is conc_mutexq with two faults
 * counted across all threads: every `period`-th push reports CONC_OK but
 * drops its item, and every `period`-th pop (offset by period/2) returns its
 * item but leaves it in the queue, so it is popped twice.  A checker that
 * passes it has a hole.
 */
#ifndef CONC_HARNESS_BROKEN_H
#define CONC_HARNESS_BROKEN_H

#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const reg_entry conc_registry_broken;

/* Faults every `period` operations (default 61; 0 turns the faults off),
 * counted from now (the counts of pushes and pops restart, so a run that
 * sets it is reproducible).  Set before threads start. */
void conc_broken_set_period(unsigned period);

/* How many items were dropped and duplicated so far. */
unsigned long conc_broken_drops(void);
unsigned long conc_broken_dups(void);

#ifdef __cplusplus
}
#endif

#endif
