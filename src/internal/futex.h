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
 * In the verify build a wait is a CONC_POINT_WAIT schedule point first.
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

static inline uint32_t *conc_futex_addr(conc_atomic_u32 *w)
{
    /* The kernel reads the 32-bit word itself; _Atomic uint32_t has the
     * same size and representation as uint32_t on every Linux target. */
    return (uint32_t *)(void *)&w->v;
}

/* 0 when woken (or the word had already changed, or a signal), ETIMEDOUT
 * when the deadline passed. */
static inline int conc_futex_wait(conc_atomic_u32 *w, uint32_t expect,
                                  const struct timespec *deadline, bool shared)
{
#ifdef CONC_VERIFY
    conc_verify_point(CONC_POINT_WAIT);
#endif
    int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
    long rc = syscall(SYS_futex, conc_futex_addr(w), op, expect, deadline,
                      NULL, FUTEX_BITSET_MATCH_ANY);
    if (rc == -1 && errno == ETIMEDOUT)
        return ETIMEDOUT;
    return 0;
}

/* Wake up to n sleepers (INT_MAX: all). */
static inline void conc_futex_wake(conc_atomic_u32 *w, int n, bool shared)
{
    int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);
    syscall(SYS_futex, conc_futex_addr(w), op, n, NULL, NULL, 0);
}

#endif /* CONC_INTERNAL_FUTEX_H */
