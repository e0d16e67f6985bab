/*
 * testutil.h - small helpers shared by conc's tests (verify/) and fuzz
 * targets (fuzz/).  No TAP here (that is tap.h); time comes from the
 * harness library (harness/sys.h).
 *
 *   status_name(st, unknown)  the name of a conc_status ("OK", "EMPTY", ...),
 *                             or `unknown` for any other value.
 *   sname(st)                 the same, "?" for any other value.
 *   rng_next(&s)              xorshift64: the next pseudo-random value of the
 *                             state s (never 0 if s is not 0).
 *   TEST_TSAN, TEST_ASAN      defined to 1 in a ThreadSanitizer or
 *                             AddressSanitizer build (gcc or clang).
 *   test_scale(tsan, asan, verify, &why, &user)
 *                             the factor test sizes are multiplied by:
 *                             CONC_TEST_SCALE (default 1; ignored unless
 *                             > 0) times `tsan` or `asan` in those builds,
 *                             times `verify` in the verify build; *why
 *                             names the build and *user the env value
 *                             (either may be NULL).
 *   now_ns(), now_s()         CLOCK_MONOTONIC in nanoseconds, in seconds
 *                             (harness/sys.h: h_now_ns, h_now_s).
 *   sleep_ms(ms)              sleep ms milliseconds, not cut short by a
 *                             signal (harness/sys.h: h_sleep_ms).
 *   selected(name)            whether the registry entry `name` is to be
 *                             tested: CONC_TEST_ONLY=ring,stack runs only the
 *                             named entries (unset or empty: all).
 */
#ifndef CONC_VERIFY_TESTUTIL_H
#define CONC_VERIFY_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <conc/conc.h>

#include "lincheck.h"
#include "sys.h"

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

static inline const char *status_name(int st, const char *unknown)
{
    const char *n = st == LZ_ANY ? NULL : lz_status_name(st);
    return n ? n : unknown;
}

static inline const char *sname(int st) { return status_name(st, "?"); }

static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline double test_scale(double tsan, double asan, double verify,
                                const char **why, double *user)
{
    double mode = 1.0;
    const char *w = "plain build";
#ifdef TEST_TSAN
    mode = tsan;
    w = "ThreadSanitizer";
#elif defined(TEST_ASAN)
    mode = asan;
    w = "AddressSanitizer";
#endif
#ifdef CONC_VERIFY
    mode *= verify;
    w = "verify build";
#endif
    (void)tsan;
    (void)asan;
    (void)verify;
    const char *s = getenv("CONC_TEST_SCALE");
    double u = s ? strtod(s, NULL) : 1.0;
    if (!(u > 0.0))
        u = 1.0;
    if (why)
        *why = w;
    if (user)
        *user = u;
    return u * mode;
}

static inline uint64_t now_ns(void) { return h_now_ns(); }
static inline double now_s(void) { return h_now_s(); }
static inline void sleep_ms(long ms) { h_sleep_ms(ms); }

static inline int selected(const char *name)
{
    const char *only = getenv("CONC_TEST_ONLY");
    size_t n = strlen(name);
    if (!only || !*only)
        return 1;
    for (const char *p = only; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

#endif /* CONC_VERIFY_TESTUTIL_H */
