/*
 * spin.h - cpu_relax and bounded exponential backoff.
 *
 * Every pause in src/ goes through one of two doors, so that in the verify
 * build it is a schedule point that says why the thread pauses:
 *
 *   conc_spin_pause()     SPIN: this thread waits for another thread to
 *                         write something it has read (a loop that re-reads
 *                         a word until someone else changes it); it cannot
 *                         make progress until another thread runs.
 *   conc_backoff_pause()  BACKOFF: this thread lost a race (a CAS failed, a
 *                         re-read found a change) and backs off; it may go
 *                         on at once and succeed.
 *   conc_backoff_wait(&b) bounded exponential backoff after a lost race:
 *                         b.spins cpu_relax, doubled each time up to
 *                         CONC_BACKOFF_MAX, all inside one BACKOFF point.
 *
 * Both carry the caller's file:line (site.h).  In the normal build they are
 * conc_cpu_relax() and nothing else.
 */
#ifndef CONC_INTERNAL_SPIN_H
#define CONC_INTERNAL_SPIN_H

#include <stdint.h>
#if defined(__aarch64__)
#include <arm_acle.h>
#endif

#include "site.h"
#include "verify.h"

static inline void conc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __yield(); /* from <arm_acle.h> */
#endif
}

/* n pauses, in the verify build one schedule point of `kind` around them. */
static inline void conc__pause_n(int kind, uint32_t n CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(kind, file, line);
    conc_verify_pre(&p);
#else
    (void)kind;
#endif
    for (uint32_t i = 0; i < n; i++)
        conc_cpu_relax();
#ifdef CONC_VERIFY
    conc_verify_post(&p);
#endif
}

static inline void conc__spin_pause(CONC__SITE_PARAMS0)
{
    conc__pause_n(CONC_POINT_SPIN, 1 CONC__SITE_FWD);
}

static inline void conc__backoff_pause(CONC__SITE_PARAMS0)
{
    conc__pause_n(CONC_POINT_BACKOFF, 1 CONC__SITE_FWD);
}

#define conc_spin_pause() conc__spin_pause(CONC__SITE0)
#define conc_backoff_pause() conc__backoff_pause(CONC__SITE0)

/* Bounded exponential backoff after a lost compare-and-swap. */
typedef struct { uint32_t spins; } conc_backoff;

#define CONC_BACKOFF_INIT {1}
#define CONC_BACKOFF_MAX 256

/* One BACKOFF point per backoff, not one per pause: to a scheduler the
 * whole backoff is one step ("this thread lost a race"), however long the
 * pause grows. */
static inline void conc__backoff_wait(conc_backoff *b CONC__SITE_PARAMS)
{
    conc__pause_n(CONC_POINT_BACKOFF, b->spins CONC__SITE_FWD);
    if (b->spins < CONC_BACKOFF_MAX)
        b->spins <<= 1;
}

#define conc_backoff_wait(b) conc__backoff_wait((b) CONC__SITE)

#endif /* CONC_INTERNAL_SPIN_H */
