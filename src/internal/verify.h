/*
 * verify.h - schedule-point hooks of the verify build (libconc-verify).
 *
 * src/ calls these only through atomics.h (every atomic operation is a
 * schedule point) and spin.h (a spin-wait is a "waiting for another thread"
 * point).  They exist only in libconc-verify, which is compiled with
 * CONC_VERIFY.  Harnesses in verify/, stress/ and fuzz/ that link
 * libconc-verify may include this header to steer the hooks.
 *
 * The default hook injects sched_yield() at random schedule points, with the
 * probability read from the environment variable CONC_YIELD_RATE (a number
 * from 0 to 1; default 0, no injection) at the first schedule point, and a
 * per-thread pseudo-random stream seeded from CONC_YIELD_SEED (default 1)
 * and the order in which threads first reach a schedule point.
 */
#ifndef CONC_INTERNAL_VERIFY_H
#define CONC_INTERNAL_VERIFY_H

#include <stdint.h>

enum conc_point_kind {
    CONC_POINT_LOAD,
    CONC_POINT_STORE,
    CONC_POINT_RMW,
    CONC_POINT_FENCE,
    CONC_POINT_WAIT /* a spin-wait: this thread waits for another one */
};

#ifdef CONC_VERIFY
#ifdef __cplusplus
extern "C" {
#endif

/* Called before every atomic operation and at every spin-wait. */
void conc_verify_point(int kind);

/* A hook replaces the default yield injector for the whole process (NULL
 * restores it).  Set it before threads start. */
typedef void (*conc_verify_hook)(int kind, void *arg);
void conc_verify_set_hook(conc_verify_hook hook, void *arg);

/* Set the yield injector's probability (0..1) and seed, overriding the
 * environment.  Set it before threads start. */
void conc_verify_set_yield(double rate, uint64_t seed);

/* Schedule points passed and yields injected so far (all threads). */
uint64_t conc_verify_points(void);
uint64_t conc_verify_yields(void);

#ifdef __cplusplus
}
#endif
#endif /* CONC_VERIFY */

#endif /* CONC_INTERNAL_VERIFY_H */
