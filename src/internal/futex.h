/*
 * futex.h - the one door to blocking: Linux futexes on conc_atomic_u32 words.
 *
 * conc_futex_wait sleeps while *word == expect (checked atomically by the
 * kernel), until a wake, a signal, a spurious wake-up or the absolute
 * CLOCK_MONOTONIC deadline (NULL: none).  Callers always re-check their
 * condition, so every return but a timeout just means "look again".
 * `shared`: the word lives in memory shared between processes, so the kernel
 * must key the futex by the physical page, not by this process's mapping
 * (no FUTEX_PRIVATE_FLAG).
 *
 * In the verify build both are schedule points (verify.h) with the caller's
 * file:line (site.h): a wait reports FUTEX_WAIT (the word, width 4, the
 * value expected, the absolute CLOCK_MONOTONIC deadline in ns or -1) and a
 * wake FUTEX_WAKE (the word, width 4, n as the operand), both with `shared`
 * (a schedule explorer keys a private futex by process and word, a shared
 * one by word, as the kernel does).  A hook that sets
 * `handled` in PRE models the step itself: the system call is skipped, a
 * wait returns the hook's `rc`, and POST is not called.  Otherwise the
 * call is made and POST reports its outcome: a wait's return value in `rc`
 * and `result`, a wake's count of woken threads in `result`.
 */
#ifndef CONC_INTERNAL_FUTEX_H
#define CONC_INTERNAL_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"
#include "clock.h"
#include "site.h"

static inline uint32_t *conc_futex_addr(conc_atomic_u32 *w)
{
    /* The kernel reads the 32-bit word itself; _Atomic uint32_t has the
     * same size and representation as uint32_t on every Linux target. */
    return (uint32_t *)(void *)&w->v;
}

/* 0 when woken (or the word had already changed, or a signal), ETIMEDOUT
 * when the deadline passed. */
static inline int conc__futex_wait(conc_atomic_u32 *w, uint32_t expect,
                                   const struct timespec *deadline,
                                   bool shared CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_FUTEX_WAIT, file, line);
    p.addr = w;
    p.width = sizeof(uint32_t);
    p.expected = expect;
    p.deadline_ns = deadline ? conc__ts_to_ns(deadline) : -1;
    p.shared = shared;
    conc_verify_pre(&p);
    if (p.handled)
        return p.rc;
#endif
    int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
    long rc = syscall(SYS_futex, conc_futex_addr(w), op, expect, deadline,
                      NULL, FUTEX_BITSET_MATCH_ANY);
#ifdef CONC_VERIFY
    p.rc = rc == -1 && errno == ETIMEDOUT ? ETIMEDOUT : 0;
    p.result = (uint64_t)p.rc;
    conc_verify_post(&p);
    return p.rc;
#else
    if (rc == -1 && errno == ETIMEDOUT)
        return ETIMEDOUT;
    return 0;
#endif
}

/* Wake up to n sleepers (INT_MAX: all). */
static inline void conc__futex_wake(conc_atomic_u32 *w, int n,
                                    bool shared CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_FUTEX_WAKE, file, line);
    p.addr = w;
    p.width = sizeof(uint32_t);
    p.operand = (uint64_t)n;
    p.shared = shared;
    conc_verify_pre(&p);
    if (p.handled)
        return;
#endif
    int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);
#ifdef CONC_VERIFY
    long woken = syscall(SYS_futex, conc_futex_addr(w), op, n, NULL, NULL, 0);
    p.result = woken > 0 ? (uint64_t)woken : 0;
    conc_verify_post(&p);
#else
    syscall(SYS_futex, conc_futex_addr(w), op, n, NULL, NULL, 0);
#endif
}

#define conc_futex_wait(w, expect, deadline, shared)                           \
    conc__futex_wait((w), (expect), (deadline), (shared) CONC__SITE)
#define conc_futex_wake(w, n, shared)                                          \
    conc__futex_wake((w), (n), (shared) CONC__SITE)

#endif /* CONC_INTERNAL_FUTEX_H */
