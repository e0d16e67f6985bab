/*
 * clock.h - the one door to the clock: CLOCK_MONOTONIC.
 *
 * Deadlines in src/ read the time only through these, so that in the
 * verify build the read is a CLOCK schedule point (verify.h) and a hook may
 * answer with a virtual time instead (it sets `handled` and `now_ns` in
 * PRE; POST is not called then).  Otherwise the clock is read and POST
 * reports the time read in `now_ns` (and `result`).
 *
 *   conc__clock_now_ts(&t)   now as a struct timespec
 *   conc__clock_now_ns()     now in nanoseconds (int64_t)
 *   conc__ts_to_ns(&t)       a timespec in nanoseconds, saturated at
 *                            INT64_MAX (far deadlines: forever)
 *   conc__ns_to_ts(ns)       and back
 */
#ifndef CONC_INTERNAL_CLOCK_H
#define CONC_INTERNAL_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "site.h"
#include "verify.h"

#define CONC__NS_PER_S 1000000000

static inline int64_t conc__ts_to_ns(const struct timespec *t)
{
    if (t->tv_sec >= INT64_MAX / CONC__NS_PER_S)
        return INT64_MAX;
    if (t->tv_sec <= INT64_MIN / CONC__NS_PER_S)
        return INT64_MIN;
    return (int64_t)t->tv_sec * CONC__NS_PER_S + t->tv_nsec;
}

static inline struct timespec conc__ns_to_ts(int64_t ns)
{
    struct timespec t;
    int64_t s = ns / CONC__NS_PER_S, rest = ns % CONC__NS_PER_S;
    if (rest < 0) { /* round toward minus infinity: 0 <= tv_nsec < 1e9 */
        rest += CONC__NS_PER_S;
        s--;
    }
    t.tv_sec = (time_t)s;
    t.tv_nsec = (long)rest;
    return t;
}

static inline void conc__clock_now_ts_at(struct timespec *t CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_CLOCK, file, line);
    conc_verify_pre(&p);
    if (p.handled) {
        *t = conc__ns_to_ts(p.now_ns);
        return;
    }
#endif
    clock_gettime(CLOCK_MONOTONIC, t);
#ifdef CONC_VERIFY
    p.now_ns = conc__ts_to_ns(t);
    p.result = (uint64_t)p.now_ns;
    conc_verify_post(&p);
#endif
}

static inline int64_t conc__clock_now_ns_at(CONC__SITE_PARAMS0)
{
    struct timespec t;
    conc__clock_now_ts_at(&t CONC__SITE_FWD);
    return conc__ts_to_ns(&t);
}

#define conc__clock_now_ts(t) conc__clock_now_ts_at((t) CONC__SITE)
#define conc__clock_now_ns() conc__clock_now_ns_at(CONC__SITE0)

#endif /* CONC_INTERNAL_CLOCK_H */
