/*
 * spin.h - cpu_relax and bounded exponential backoff.
 *
 * Every spin-wait in src/ goes through conc_spin_pause() so that in the
 * verify build it is a schedule point of its own kind (CONC_POINT_WAIT):
 * a hook that parks threads can tell "this thread is waiting for another
 * one" from a step of its own.
 */
#ifndef CONC_INTERNAL_SPIN_H
#define CONC_INTERNAL_SPIN_H

#include <stdint.h>
#if defined(__aarch64__)
#include <arm_acle.h>
#endif

#include "verify.h"

static inline void conc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __yield(); /* from <arm_acle.h> */
#endif
}

static inline void conc_spin_pause(void)
{
#ifdef CONC_VERIFY
    conc_verify_point(CONC_POINT_WAIT);
#endif
    conc_cpu_relax();
}

/* Bounded exponential backoff after a lost compare-and-swap. */
typedef struct { uint32_t spins; } conc_backoff;

#define CONC_BACKOFF_INIT {1}
#define CONC_BACKOFF_MAX 256

static inline void conc_backoff_wait(conc_backoff *b)
{
    for (uint32_t i = 0; i < b->spins; i++)
        conc_spin_pause();
    if (b->spins < CONC_BACKOFF_MAX)
        b->spins <<= 1;
}

#endif /* CONC_INTERNAL_SPIN_H */
