/*
 * test_atomics.c - the atomics door's own test (src/internal/atomics.h).
 *
 * Every wrapper (init, load, store, exchange, strong and weak
 * compare-and-swap on both the success and the failure path, fetch_add,
 * fetch_sub, fetch_or, fetch_and, fence) for each of u32, u64 and uptr, with
 * every legal memory order for that operation, on values that wrap.  In the
 * verify build (CONC_VERIFY) also: each wrapper call passes exactly one
 * schedule point (init none), a version 1 hook sees the right kind for each
 * (and for the pause, futex, mutex and clock doors); a version 2 hook sees,
 * before and after each wrapper, its address, width, memory orders,
 * operand, expected value, the caller's file:line, and after it the result
 * and (CAS) whether it swapped; a handled FUTEX_WAIT returns the hook's rc
 * without sleeping, a handled CLOCK the hook's time, LOCK and UNLOCK carry
 * the mutex; and the yield injector yields at rate 1, never at rate 0, and
 * always at SPIN and FUTEX_WAIT.  Finally, two threads
 * pass messages through release/acquire pairs, guarding plain memory, so
 * ThreadSanitizer would report an order that is too weak.
 */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 11
/* gcc warns that ThreadSanitizer does not model atomic_thread_fence; the
 * fence-based message passing below is skipped under TSan for that reason,
 * but conc_fence itself is still called (single-threaded) and checked. */
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/atomics.h"
#include "tap.h"

#ifdef CONC_VERIFY
#include <errno.h>
#include <time.h>

#include "internal/clock.h"
#include "internal/futex.h"
#include "internal/lock.h"
#include "internal/spin.h"
#endif

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif

static const conc_mo load_orders[] = {CONC_RELAXED, CONC_ACQUIRE, CONC_SEQ_CST};
static const conc_mo store_orders[] = {CONC_RELAXED, CONC_RELEASE,
                                       CONC_SEQ_CST};
static const conc_mo rmw_orders[] = {CONC_RELAXED, CONC_ACQUIRE, CONC_RELEASE,
                                     CONC_ACQ_REL, CONC_SEQ_CST};
/* (success, failure) pairs: failure is a load order no stronger than
 * success (the C11 rule). */
static const conc_mo cas_orders[][2] = {
    {CONC_RELAXED, CONC_RELAXED}, {CONC_ACQUIRE, CONC_RELAXED},
    {CONC_ACQUIRE, CONC_ACQUIRE}, {CONC_RELEASE, CONC_RELAXED},
    {CONC_ACQ_REL, CONC_RELAXED}, {CONC_ACQ_REL, CONC_ACQUIRE},
    {CONC_SEQ_CST, CONC_RELAXED}, {CONC_SEQ_CST, CONC_ACQUIRE},
    {CONC_SEQ_CST, CONC_SEQ_CST},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *mo_name(conc_mo mo)
{
    switch (mo) {
    case CONC_RELAXED: return "relaxed";
    case CONC_ACQUIRE: return "acquire";
    case CONC_RELEASE: return "release";
    case CONC_ACQ_REL: return "acq_rel";
    case CONC_SEQ_CST: return "seq_cst";
    default: return "other";
    }
}

/* Schedule points: in the verify build each wrapper call must pass exactly
 * `n` of them; in the normal build there are none to count. */
#ifdef CONC_VERIFY
#define POINTS_BEFORE() uint64_t points_before_ = conc_verify_points()
#define POINTS_EXPECT(n, what, mo)                                             \
    check(conc_verify_points() - points_before_ == (n),                        \
          "%s (%s): %" PRIu64 " schedule points, expected %d", what,           \
          mo_name(mo), conc_verify_points() - points_before_, (int)(n))
#else
#define POINTS_BEFORE() ((void)0)
#define POINTS_EXPECT(n, what, mo) ((void)0)
#endif

/*
 * One battery per type.  `M` is the type's largest value, used to see
 * wrap-around; `A` and `B` are two distinct, bit-rich values.
 */
#define ATOMIC_BATTERY(T, N, M, A, B, FMT)                                     \
    static void battery_##N(void)                                              \
    {                                                                          \
        conc_atomic_##N a;                                                     \
        T e, r;                                                                \
        const char *tn = #N;                                                   \
        /* init: not a schedule point. */                                      \
        {                                                                      \
            POINTS_BEFORE();                                                   \
            conc_init_##N(&a, (T)(M));                                         \
            POINTS_EXPECT(0, "init", CONC_RELAXED);                            \
        }                                                                      \
        check(conc_load_##N(&a, CONC_SEQ_CST) == (T)(M), "%s init", tn);       \
        check_group("conc_init_%s stores its value and is not a schedule "     \
                    "point", tn);                                              \
        for (size_t i = 0; i < NELEM(load_orders); i++) {                      \
            conc_init_##N(&a, (T)(A) + (T)i);                                  \
            POINTS_BEFORE();                                                   \
            r = conc_load_##N(&a, load_orders[i]);                             \
            POINTS_EXPECT(1, "load", load_orders[i]);                          \
            check(r == (T)(A) + (T)i, "%s load %s: %" FMT, tn,                 \
                  mo_name(load_orders[i]), r);                                 \
        }                                                                      \
        check_group("conc_load_%s: relaxed, acquire, seq_cst", tn);            \
        for (size_t i = 0; i < NELEM(store_orders); i++) {                     \
            POINTS_BEFORE();                                                   \
            conc_store_##N(&a, (T)(B) - (T)i, store_orders[i]);                \
            POINTS_EXPECT(1, "store", store_orders[i]);                        \
            r = conc_load_##N(&a, CONC_RELAXED);                               \
            check(r == (T)(B) - (T)i, "%s store %s: read back %" FMT, tn,      \
                  mo_name(store_orders[i]), r);                                \
        }                                                                      \
        check_group("conc_store_%s: relaxed, release, seq_cst", tn);           \
        for (size_t i = 0; i < NELEM(rmw_orders); i++) {                       \
            conc_store_##N(&a, (T)(A), CONC_RELAXED);                          \
            POINTS_BEFORE();                                                   \
            r = conc_exchange_##N(&a, (T)(M), rmw_orders[i]);                  \
            POINTS_EXPECT(1, "exchange", rmw_orders[i]);                       \
            check(r == (T)(A) && conc_load_##N(&a, CONC_RELAXED) == (T)(M),    \
                  "%s exchange %s", tn, mo_name(rmw_orders[i]));               \
        }                                                                      \
        check_group("conc_exchange_%s: all five orders", tn);                  \
        for (size_t i = 0; i < NELEM(cas_orders); i++) {                       \
            conc_mo s = cas_orders[i][0], f = cas_orders[i][1];                \
            bool okv;                                                          \
            /* Success: the new value is stored, *expected unchanged. */       \
            conc_store_##N(&a, (T)(A), CONC_RELAXED);                          \
            e = (T)(A);                                                        \
            {                                                                  \
                POINTS_BEFORE();                                               \
                okv = conc_cas_##N(&a, &e, (T)(B), s, f);                      \
                POINTS_EXPECT(1, "cas", s);                                    \
            }                                                                  \
            check(okv && e == (T)(A) &&                                        \
                      conc_load_##N(&a, CONC_RELAXED) == (T)(B),               \
                  "%s cas success (%s, %s)", tn, mo_name(s), mo_name(f));      \
            /* Failure: nothing stored, the observed value written back. */    \
            e = (T)(M);                                                        \
            {                                                                  \
                POINTS_BEFORE();                                               \
                okv = conc_cas_##N(&a, &e, (T)(A), s, f);                      \
                POINTS_EXPECT(1, "cas (failing)", s);                          \
            }                                                                  \
            check(!okv && e == (T)(B) &&                                       \
                      conc_load_##N(&a, CONC_RELAXED) == (T)(B),               \
                  "%s cas failure (%s, %s): expected now %" FMT, tn,           \
                  mo_name(s), mo_name(f), e);                                  \
        }                                                                      \
        check_group("conc_cas_%s: success and failure paths, all legal order " \
                    "pairs; failure writes back the observed value", tn);      \
        for (size_t i = 0; i < NELEM(cas_orders); i++) {                       \
            conc_mo s = cas_orders[i][0], f = cas_orders[i][1];                \
            bool okv = false;                                                  \
            int tries = 0;                                                     \
            conc_store_##N(&a, (T)(A), CONC_RELAXED);                          \
            /* A weak CAS may fail spuriously; then *expected holds the     \
             * (unchanged) current value and a retry succeeds. */              \
            while (!okv && tries++ < 10000) {                                  \
                e = (T)(A);                                                    \
                POINTS_BEFORE();                                               \
                okv = conc_cas_weak_##N(&a, &e, (T)(M), s, f);                 \
                POINTS_EXPECT(1, "cas_weak", s);                               \
                check(e == (T)(A), "%s cas_weak spurious failure changed "     \
                      "*expected to %" FMT, tn, e);                            \
            }                                                                  \
            check(okv && conc_load_##N(&a, CONC_RELAXED) == (T)(M),            \
                  "%s cas_weak success (%s, %s) after %d tries", tn,           \
                  mo_name(s), mo_name(f), tries);                              \
            e = (T)(B);                                                        \
            {                                                                  \
                POINTS_BEFORE();                                               \
                okv = conc_cas_weak_##N(&a, &e, (T)(A), s, f);                 \
                POINTS_EXPECT(1, "cas_weak (failing)", s);                     \
            }                                                                  \
            check(!okv && e == (T)(M) &&                                       \
                      conc_load_##N(&a, CONC_RELAXED) == (T)(M),               \
                  "%s cas_weak failure (%s, %s)", tn, mo_name(s), mo_name(f)); \
        }                                                                      \
        check_group("conc_cas_weak_%s: success (with retries) and failure "    \
                    "paths, all legal order pairs", tn);                       \
        for (size_t i = 0; i < NELEM(rmw_orders); i++) {                       \
            conc_mo mo = rmw_orders[i];                                        \
            conc_store_##N(&a, (T)(M) - 1, CONC_RELAXED);                      \
            POINTS_BEFORE();                                                   \
            r = conc_fetch_add_##N(&a, 2, mo);                                 \
            POINTS_EXPECT(1, "fetch_add", mo);                                 \
            check(r == (T)(M) - 1 && conc_load_##N(&a, CONC_RELAXED) == 0,     \
                  "%s fetch_add %s wraps: got %" FMT, tn, mo_name(mo), r);     \
            r = conc_fetch_add_##N(&a, (T)(A), mo);                            \
            check(r == 0 && conc_load_##N(&a, CONC_RELAXED) == (T)(A),         \
                  "%s fetch_add %s", tn, mo_name(mo));                         \
        }                                                                      \
        check_group("conc_fetch_add_%s: all five orders, wraps at the top",    \
                    tn);                                                       \
        for (size_t i = 0; i < NELEM(rmw_orders); i++) {                       \
            conc_mo mo = rmw_orders[i];                                        \
            conc_store_##N(&a, 1, CONC_RELAXED);                               \
            POINTS_BEFORE();                                                   \
            r = conc_fetch_sub_##N(&a, 2, mo);                                 \
            POINTS_EXPECT(1, "fetch_sub", mo);                                 \
            check(r == 1 && conc_load_##N(&a, CONC_RELAXED) == (T)(M),         \
                  "%s fetch_sub %s wraps below 0", tn, mo_name(mo));           \
            r = conc_fetch_sub_##N(&a, (T)(M), mo);                            \
            check(r == (T)(M) && conc_load_##N(&a, CONC_RELAXED) == 0,         \
                  "%s fetch_sub %s", tn, mo_name(mo));                         \
        }                                                                      \
        check_group("conc_fetch_sub_%s: all five orders, wraps below 0", tn);  \
        for (size_t i = 0; i < NELEM(rmw_orders); i++) {                       \
            conc_mo mo = rmw_orders[i];                                        \
            conc_store_##N(&a, (T)(A), CONC_RELAXED);                          \
            POINTS_BEFORE();                                                   \
            r = conc_fetch_or_##N(&a, (T)(B), mo);                             \
            POINTS_EXPECT(1, "fetch_or", mo);                                  \
            check(r == (T)(A) &&                                               \
                      conc_load_##N(&a, CONC_RELAXED) == ((T)(A) | (T)(B)),    \
                  "%s fetch_or %s", tn, mo_name(mo));                          \
        }                                                                      \
        check_group("conc_fetch_or_%s: all five orders", tn);                  \
        for (size_t i = 0; i < NELEM(rmw_orders); i++) {                       \
            conc_mo mo = rmw_orders[i];                                        \
            conc_store_##N(&a, (T)(A), CONC_RELAXED);                          \
            POINTS_BEFORE();                                                   \
            r = conc_fetch_and_##N(&a, (T)(B), mo);                            \
            POINTS_EXPECT(1, "fetch_and", mo);                                 \
            check(r == (T)(A) &&                                               \
                      conc_load_##N(&a, CONC_RELAXED) == ((T)(A) & (T)(B)),    \
                  "%s fetch_and %s", tn, mo_name(mo));                         \
        }                                                                      \
        check_group("conc_fetch_and_%s: all five orders", tn);                 \
    }

ATOMIC_BATTERY(uint32_t, u32, UINT32_MAX, 0x9E3779B9u, 0x5A5AC3C3u, PRIu32)
ATOMIC_BATTERY(uint64_t, u64, UINT64_MAX, 0x9E3779B97F4A7C15ull,
               0x5A5AC3C3F00FF00Full, PRIu64)
ATOMIC_BATTERY(uintptr_t, uptr, UINTPTR_MAX, (uintptr_t)0x9E3779B97F4A7C15ull,
               (uintptr_t)0x5A5AC3C3F00FF00Full, PRIuPTR)

static void test_fence(void)
{
    for (size_t i = 0; i < NELEM(rmw_orders); i++) {
        POINTS_BEFORE();
        conc_fence(rmw_orders[i]);
        POINTS_EXPECT(1, "fence", rmw_orders[i]);
    }
    check_group("conc_fence: all five orders%s",
#ifdef CONC_VERIFY
                ", one schedule point each"
#else
                ""
#endif
    );
}

static void test_lock_free(void)
{
    conc_atomic_u64 a;
    conc_init_u64(&a, 0);
#if defined(__x86_64__) || defined(__aarch64__)
    ok(conc_u64_is_lock_free(&a), "64-bit atomics are lock-free here");
#else
    diag("conc_u64_is_lock_free: %d", (int)conc_u64_is_lock_free(&a));
    skip("lock-freedom of 64-bit atomics asserted on x86_64/aarch64 only");
#endif
}

/* ------------------------------------------------------------------------ */
/* The verify build: hooks and the yield injector.                          */

#ifdef CONC_VERIFY
_Static_assert(CONC_POINT_KINDS == 13, "a kind was added: name it below");

static const char *kind_name(int k)
{
    static const char *kn[] = {"LOAD",       "STORE",      "RMW",  "FENCE",
                               "BACKOFF",    "SPIN",       "FUTEX_WAIT",
                               "FUTEX_WAKE", "LOCK",       "UNLOCK",
                               "CLOCK",      "IO",         "PID"};
    return k >= 0 && k < CONC_POINT_KINDS ? kn[k] : "?";
}

typedef struct hook_log {
    int kinds[64];
    int n;
} hook_log;

static void record_hook(int kind, void *arg)
{
    hook_log *h = arg;
    if (h == NULL)
        return;
    if (h->n < 64)
        h->kinds[h->n] = kind;
    h->n++;
}

static void test_hooks(void)
{
    hook_log log;
    memset(&log, 0, sizeof log);
    conc_atomic_u32 a32, fw;
    conc_atomic_u64 a64;
    conc_atomic_uptr ap;
    uint32_t e32 = 0;
    uint64_t e64 = 0;
    conc_init_u32(&a32, 0);
    conc_init_u32(&fw, 5);
    conc_init_u64(&a64, 0);
    conc_init_uptr(&ap, 0);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    conc_backoff bo = CONC_BACKOFF_INIT;

    uint64_t p0 = conc_verify_points();
    conc_verify_set_hook(record_hook, &log);
    int want[] = {
        CONC_POINT_LOAD, CONC_POINT_STORE, CONC_POINT_RMW, CONC_POINT_RMW,
        CONC_POINT_RMW, CONC_POINT_RMW, CONC_POINT_RMW, CONC_POINT_RMW,
        CONC_POINT_RMW, CONC_POINT_FENCE, CONC_POINT_LOAD, CONC_POINT_STORE,
        CONC_POINT_RMW, CONC_POINT_LOAD, CONC_POINT_STORE, CONC_POINT_RMW,
        CONC_POINT_SPIN, CONC_POINT_BACKOFF, CONC_POINT_BACKOFF,
        CONC_POINT_BACKOFF, CONC_POINT_FUTEX_WAKE, CONC_POINT_FUTEX_WAIT,
        CONC_POINT_LOCK, CONC_POINT_UNLOCK, CONC_POINT_CLOCK,
    };
    (void)conc_load_u32(&a32, CONC_ACQUIRE);
    conc_store_u32(&a32, 1, CONC_RELEASE);
    (void)conc_exchange_u32(&a32, 2, CONC_ACQ_REL);
    (void)conc_cas_u32(&a32, &e32, 3, CONC_SEQ_CST, CONC_SEQ_CST);
    (void)conc_cas_weak_u32(&a32, &e32, 3, CONC_SEQ_CST, CONC_RELAXED);
    (void)conc_fetch_add_u32(&a32, 1, CONC_RELAXED);
    (void)conc_fetch_sub_u32(&a32, 1, CONC_RELAXED);
    (void)conc_fetch_or_u32(&a32, 1, CONC_RELAXED);
    (void)conc_fetch_and_u32(&a32, 1, CONC_RELAXED);
    conc_fence(CONC_SEQ_CST);
    (void)conc_load_u64(&a64, CONC_RELAXED);
    conc_store_u64(&a64, 1, CONC_RELAXED);
    (void)conc_cas_u64(&a64, &e64, 2, CONC_ACQ_REL, CONC_ACQUIRE);
    (void)conc_load_uptr(&ap, CONC_RELAXED);
    conc_store_uptr(&ap, 1, CONC_RELAXED);
    (void)conc_fetch_add_uptr(&ap, 1, CONC_RELAXED);
    conc_spin_pause();
    conc_backoff_pause();
    conc_backoff_wait(&bo); /* one point however many pauses */
    conc_backoff_wait(&bo);
    conc_futex_wake(&fw, 1, false);
    int frc = conc_futex_wait(&fw, 6, NULL, false); /* 5 != 6: at once */
    conc__mutex_lock(&m);
    conc__mutex_unlock(&m);
    (void)conc__clock_now_ns();
    conc_verify_set_hook(NULL, NULL);
    uint64_t p1 = conc_verify_points();
    int n = (int)NELEM(want);
    ok(log.n == n, "the hook ran once per door call (%d, expected %d)",
       log.n, n);
    for (int i = 0; i < n && i < log.n; i++)
        check(log.kinds[i] == want[i], "call %d: hook saw kind %d (%s), "
              "expected %s", i, log.kinds[i], kind_name(log.kinds[i]),
              kind_name(want[i]));
    check_group("the v1 hook saw LOAD, STORE, RMW, FENCE, SPIN, BACKOFF, "
                "FUTEX_WAKE, FUTEX_WAIT, LOCK, UNLOCK and CLOCK where "
                "expected");
    ok(frc == 0, "an unhandled futex wait on a changed word returns 0 (%d)",
       frc);
    ok(bo.spins == 4, "conc_backoff_wait still doubles its pause (%u)",
       (unsigned)bo.spins);
    ok(p1 - p0 == (uint64_t)n,
       "points are still counted while a hook is set (%" PRIu64 ")", p1 - p0);
    /* The hook is gone: nothing more recorded. */
    (void)conc_load_u32(&a32, CONC_RELAXED);
    ok(log.n == n, "conc_verify_set_hook(NULL) removes the hook");
}

/* ---- version 2 ----------------------------------------------------------- */

typedef struct rec_point {
    conc_point p;   /* a copy, as the hook saw it */
    uint64_t seen;  /* the word's value when the hook ran (width 4 or 8) */
} rec_point;

typedef struct v2_log {
    rec_point r[64];
    int n;
    /* In PRE of this kind (-1: none) set handled, rc and now_ns. */
    int handle_kind;
    int rc;
    int64_t now_ns;
} v2_log;

static uint64_t word_value(const conc_point *p)
{
    /* This thread's own word, no other thread touches it: a plain copy. */
    if (p->addr == NULL || p->kind == CONC_POINT_LOCK ||
        p->kind == CONC_POINT_UNLOCK)
        return 0;
    if (p->width == 4) {
        uint32_t v;
        memcpy(&v, p->addr, 4);
        return v;
    }
    if (p->width == 8) {
        uint64_t v;
        memcpy(&v, p->addr, 8);
        return v;
    }
    return 0;
}

static void record_hook2(conc_point *p, void *arg)
{
    v2_log *l = arg;
    if (p->phase == CONC_PHASE_PRE && p->kind == l->handle_kind) {
        p->handled = true;
        p->rc = l->rc;
        p->now_ns = l->now_ns;
    }
    if (l->n < 64) {
        l->r[l->n].p = *p;
        l->r[l->n].seen = word_value(p);
    }
    l->n++;
}

static void v2_begin(v2_log *l)
{
    l->n = 0;
    l->handle_kind = -1;
}

/* What one wrapper call must report. */
typedef struct want2 {
    const char *what;
    int kind, rmw;
    const void *addr;
    unsigned width;
    int mo, mo_fail;
    uint64_t operand, expected;
    int line;
    uint64_t result; /* POST */
    bool ok;
    uint64_t pre_seen, post_seen; /* the word before and after */
} want2;

/* Record `at` and `at + 1` of the log are the PRE and POST of *w. */
static void check_pair(const v2_log *l, int at, const want2 *w)
{
    if (!check(l->n >= at + 2, "%s: %d points recorded, expected %d",
               w->what, l->n, at + 2))
        return;
    for (int ph = 0; ph < 2; ph++) {
        const conc_point *p = &l->r[at + ph].p;
        const char *phn = ph ? "POST" : "PRE";
        check(p->phase == (ph ? CONC_PHASE_POST : CONC_PHASE_PRE),
              "%s: point %d is %s (phase %d)", w->what, at + ph, phn, p->phase);
        check(p->kind == w->kind && p->rmw == w->rmw,
              "%s %s: kind %s rmw %d, expected %s rmw %d", w->what, phn,
              kind_name(p->kind), p->rmw, kind_name(w->kind), w->rmw);
        check(p->addr == w->addr && p->width == w->width,
              "%s %s: addr %p width %u, expected %p width %u", w->what, phn,
              p->addr, p->width, w->addr, w->width);
        check(p->mo == w->mo && p->mo_fail == w->mo_fail,
              "%s %s: mo %d/%d, expected %d/%d", w->what, phn, p->mo,
              p->mo_fail, w->mo, w->mo_fail);
        check(p->operand == w->operand && p->expected == w->expected,
              "%s %s: operand %" PRIu64 " expected %" PRIu64 ", wanted %"
              PRIu64 " and %" PRIu64, w->what, phn, p->operand, p->expected,
              w->operand, w->expected);
        check(p->file != NULL && strcmp(p->file, __FILE__) == 0 &&
                  p->line == w->line,
              "%s %s: site %s:%d, expected %s:%d (the caller's)", w->what,
              phn, p->file ? p->file : "(null)", p->line, __FILE__, w->line);
        check(p->deadline_ns == -1 && !p->handled,
              "%s %s: no deadline (%" PRId64 "), not handled", w->what, phn,
              p->deadline_ns);
        check(l->r[at + ph].seen == (ph ? w->post_seen : w->pre_seen),
              "%s %s: the word held %" PRIu64 " when the hook ran, expected "
              "%" PRIu64, w->what, phn, l->r[at + ph].seen,
              ph ? w->post_seen : w->pre_seen);
    }
    const conc_point *post = &l->r[at + 1].p;
    if (w->kind != CONC_POINT_STORE && w->kind != CONC_POINT_FENCE)
        check(post->result == w->result, "%s POST: result %" PRIu64
              ", expected %" PRIu64, w->what, post->result, w->result);
    check(post->ok == w->ok, "%s POST: ok %d, expected %d", w->what,
          (int)post->ok, (int)w->ok);
}

/* One battery per type: every wrapper once (both CAS paths), each call
 * on its own line so that its site is checked. */
#define V2_BATTERY(T, N, A, B)                                                 \
    static void v2_battery_##N(v2_log *l)                                      \
    {                                                                          \
        conc_atomic_##N a;                                                     \
        T e, r;                                                                \
        bool okv;                                                              \
        const unsigned W = sizeof(T);                                          \
        const T a_ = (T)(A), b_ = (T)(B);                                      \
        int ln;                                                                \
        conc_init_##N(&a, a_);                                                 \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_load_##N(&a, CONC_ACQUIRE);                    \
        check_pair(l, 0, &(want2){"load_" #N, CONC_POINT_LOAD, CONC_RMW_NONE,  \
                   &a, W, CONC_ACQUIRE, CONC_ACQUIRE, 0, 0, ln, a_, true, a_,  \
                   a_});                                                       \
        check(r == a_ && l->n == 2, "load_" #N ": value, two points");         \
        v2_begin(l);                                                           \
        ln = __LINE__, conc_store_##N(&a, b_, CONC_RELEASE);                   \
        check_pair(l, 0, &(want2){"store_" #N, CONC_POINT_STORE,               \
                   CONC_RMW_NONE, &a, W, CONC_RELEASE, CONC_RELEASE, b_, 0,    \
                   ln, 0, true, a_, b_});                                      \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_exchange_##N(&a, a_, CONC_ACQ_REL);            \
        check_pair(l, 0, &(want2){"exchange_" #N, CONC_POINT_RMW,              \
                   CONC_RMW_XCHG, &a, W, CONC_ACQ_REL, CONC_ACQ_REL, a_, 0,    \
                   ln, b_, true, b_, a_});                                     \
        /* Strong CAS, success: expected a_, found a_, b_ stored. */           \
        v2_begin(l);                                                           \
        e = a_;                                                                \
        ln = __LINE__, okv = conc_cas_##N(&a, &e, b_, CONC_SEQ_CST,            \
                                          CONC_ACQUIRE);                       \
        check_pair(l, 0, &(want2){"cas_" #N " success", CONC_POINT_RMW,        \
                   CONC_RMW_CAS, &a, W, CONC_SEQ_CST, CONC_ACQUIRE, b_, a_,    \
                   ln, a_, true, a_, b_});                                     \
        check(okv && e == a_, "cas_" #N " success: returns true, *expected "   \
              "kept");                                                         \
        /* Strong CAS, failure: expected a_, found b_, nothing stored. */      \
        v2_begin(l);                                                           \
        e = a_;                                                                \
        ln = __LINE__, okv = conc_cas_##N(&a, &e, (T)(a_ + 1), CONC_ACQ_REL,   \
                                          CONC_RELAXED);                       \
        check_pair(l, 0, &(want2){"cas_" #N " failure", CONC_POINT_RMW,        \
                   CONC_RMW_CAS, &a, W, CONC_ACQ_REL, CONC_RELAXED,            \
                   (T)(a_ + 1), a_, ln, b_, false, b_, b_});                   \
        check(!okv && e == b_, "cas_" #N " failure: returns false, *expected " \
              "the value found");                                              \
        /* Weak CAS, failure (certain: the value differs). */                  \
        v2_begin(l);                                                           \
        e = a_;                                                                \
        ln = __LINE__, okv = conc_cas_weak_##N(&a, &e, a_, CONC_RELEASE,       \
                                               CONC_RELAXED);                  \
        check_pair(l, 0, &(want2){"cas_weak_" #N " failure", CONC_POINT_RMW,   \
                   CONC_RMW_CAS_WEAK, &a, W, CONC_RELEASE, CONC_RELAXED, a_,   \
                   a_, ln, b_, false, b_, b_});                                \
        check(!okv && e == b_, "cas_weak_" #N " failure: *expected updated");  \
        /* Weak CAS, success (it may fail spuriously: the last try counts). */ \
        int tries = 0;                                                         \
        do {                                                                   \
            v2_begin(l);                                                       \
            e = b_;                                                            \
            ln = __LINE__, okv = conc_cas_weak_##N(&a, &e, a_, CONC_ACQ_REL,   \
                                                   CONC_ACQUIRE);              \
        } while (!okv && ++tries < 1000);                                      \
        check_pair(l, 0, &(want2){"cas_weak_" #N " success", CONC_POINT_RMW,   \
                   CONC_RMW_CAS_WEAK, &a, W, CONC_ACQ_REL, CONC_ACQUIRE, a_,   \
                   b_, ln, b_, true, b_, a_});                                 \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_fetch_add_##N(&a, b_, CONC_RELAXED);           \
        check_pair(l, 0, &(want2){"fetch_add_" #N, CONC_POINT_RMW,             \
                   CONC_RMW_ADD, &a, W, CONC_RELAXED, CONC_RELAXED, b_, 0, ln, \
                   a_, true, a_, (T)(a_ + b_)});                               \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_fetch_sub_##N(&a, b_, CONC_SEQ_CST);           \
        check_pair(l, 0, &(want2){"fetch_sub_" #N, CONC_POINT_RMW,             \
                   CONC_RMW_SUB, &a, W, CONC_SEQ_CST, CONC_SEQ_CST, b_, 0, ln, \
                   (T)(a_ + b_), true, (T)(a_ + b_), a_});                     \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_fetch_or_##N(&a, b_, CONC_ACQUIRE);            \
        check_pair(l, 0, &(want2){"fetch_or_" #N, CONC_POINT_RMW, CONC_RMW_OR, \
                   &a, W, CONC_ACQUIRE, CONC_ACQUIRE, b_, 0, ln, a_, true, a_, \
                   (T)(a_ | b_)});                                             \
        v2_begin(l);                                                           \
        ln = __LINE__, r = conc_fetch_and_##N(&a, b_, CONC_RELEASE);           \
        check_pair(l, 0, &(want2){"fetch_and_" #N, CONC_POINT_RMW,             \
                   CONC_RMW_AND, &a, W, CONC_RELEASE, CONC_RELEASE, b_, 0, ln, \
                   (T)(a_ | b_), true, (T)(a_ | b_), (T)((a_ | b_) & b_)});    \
        (void)r;                                                               \
        check_group("v2 hook, %s: every wrapper reports its addr, width, "     \
                    "orders, operand, expected and site before and after, "    \
                    "and its result and CAS ok after", #N);                    \
    }

V2_BATTERY(uint32_t, u32, 0x9E3779B9u, 0x5A5AC3C3u)
V2_BATTERY(uint64_t, u64, 0x9E3779B97F4A7C15ull, 0x5A5AC3C3F00FF00Full)
V2_BATTERY(uintptr_t, uptr, (uintptr_t)0x9E3779B97F4A7C15ull,
           (uintptr_t)0x5A5AC3C3F00FF00Full)

/* The site is the line of the call, not of a helper: two calls, two lines. */
static void v2_sites(v2_log *l)
{
    conc_atomic_u32 a;
    conc_init_u32(&a, 0);
    v2_begin(l);
    int l1 = __LINE__; (void)conc_load_u32(&a, CONC_RELAXED);
    int l2 = __LINE__; conc_fence(CONC_SEQ_CST);
    ok(l->n == 4 && l->r[0].p.line == l1 && l->r[1].p.line == l1 &&
           l->r[2].p.line == l2 && l->r[3].p.line == l2,
       "v2 hook: each point names its caller's line (%d, %d; saw %d, %d)", l1,
       l2, l->r[0].p.line, l->r[2].p.line);
    const conc_point *f = &l->r[2].p;
    ok(f->kind == CONC_POINT_FENCE && f->addr == NULL && f->width == 0 &&
           f->mo == CONC_SEQ_CST && l->r[3].p.ok,
       "v2 hook: a fence has no address or width, its order, ok");
}

static bool site_is_here(const conc_point *p, int line)
{
    return p->file && strcmp(p->file, __FILE__) == 0 && p->line == line;
}

static double elapsed_s(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The futex, mutex, clock and pause doors. */
static void v2_doors(v2_log *l)
{
    conc_atomic_u32 w;
    conc_init_u32(&w, 7);
    struct timespec t0;
    int ln, rc;

    /* FUTEX_WAIT handled: no system call, so no sleep on a word that holds
     * exactly what the wait expects, forever; the hook's rc comes back. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    v2_begin(l);
    l->handle_kind = CONC_POINT_FUTEX_WAIT;
    l->rc = ETIMEDOUT;
    ln = __LINE__, rc = conc_futex_wait(&w, 7, NULL, false);
    const conc_point *p = &l->r[0].p;
    ok(rc == ETIMEDOUT && l->n == 1 && elapsed_s(&t0) < 5.0,
       "handled FUTEX_WAIT: returns the hook's rc (%d) at once, without "
       "POST (%d points)", rc, l->n);
    ok(p->kind == CONC_POINT_FUTEX_WAIT && p->addr == &w && p->width == 4 &&
           p->expected == 7 && p->deadline_ns == -1 && site_is_here(p, ln),
       "FUTEX_WAIT: the word, width 4, the value expected, no deadline, the "
       "caller's site");
    l->rc = 0;
    v2_begin(l);
    l->handle_kind = CONC_POINT_FUTEX_WAIT;
    struct timespec dl = {5, 123};
    rc = conc_futex_wait(&w, 7, &dl, true);
    ok(rc == 0 && l->n == 1 && l->r[0].p.deadline_ns == 5000000123,
       "FUTEX_WAIT: the absolute deadline in ns (%" PRId64 "), rc 0 handed "
       "back", l->r[0].p.deadline_ns);
    v2_begin(l);
    l->handle_kind = CONC_POINT_FUTEX_WAIT;
    dl.tv_sec = (time_t)INT32_MAX * 8;
    (void)conc_futex_wait(&w, 7, &dl, false);
    ok(l->r[0].p.deadline_ns == INT64_MAX,
       "FUTEX_WAIT: a deadline past 2^63 ns saturates (%" PRId64 ")",
       l->r[0].p.deadline_ns);
    /* Not handled: the system call, then POST with its outcome. */
    v2_begin(l);
    rc = conc_futex_wait(&w, 8, NULL, false); /* 7 != 8: returns at once */
    ok(rc == 0 && l->n == 2 && l->r[1].p.phase == CONC_PHASE_POST &&
           l->r[1].p.rc == 0,
       "unhandled FUTEX_WAIT on a changed word: 0, POST with rc 0");
    v2_begin(l);
    clock_gettime(CLOCK_MONOTONIC, &dl); /* now: already passed */
    rc = conc_futex_wait(&w, 7, &dl, false);
    ok(rc == ETIMEDOUT && l->n == 2 && l->r[1].p.rc == ETIMEDOUT &&
           l->r[1].p.result == ETIMEDOUT,
       "unhandled FUTEX_WAIT past its deadline: ETIMEDOUT, in POST too");

    /* FUTEX_WAKE. */
    v2_begin(l);
    ln = __LINE__, conc_futex_wake(&w, 3, false);
    p = &l->r[0].p;
    ok(l->n == 2 && p->kind == CONC_POINT_FUTEX_WAKE && p->addr == &w &&
           p->width == 4 && p->operand == 3 && site_is_here(p, ln) &&
           l->r[1].p.phase == CONC_PHASE_POST && l->r[1].p.result == 0,
       "FUTEX_WAKE: the word, n, the site; POST: nobody woken");
    v2_begin(l);
    l->handle_kind = CONC_POINT_FUTEX_WAKE;
    conc_futex_wake(&w, INT_MAX, true);
    ok(l->n == 1 && l->r[0].p.operand == (uint64_t)INT_MAX,
       "handled FUTEX_WAKE: no system call, no POST");

    /* CLOCK. */
    v2_begin(l);
    l->handle_kind = CONC_POINT_CLOCK;
    l->now_ns = 42 * (int64_t)1000000000 + 7;
    int64_t now;
    ln = __LINE__, now = conc__clock_now_ns();
    ok(now == l->now_ns && l->n == 1 && l->r[0].p.kind == CONC_POINT_CLOCK &&
           l->r[0].p.addr == NULL && site_is_here(&l->r[0].p, ln),
       "handled CLOCK: conc__clock_now_ns returns the hook's time (%" PRId64
       "), no POST", now);
    struct timespec ts;
    conc__clock_now_ts(&ts);
    ok(ts.tv_sec == 42 && ts.tv_nsec == 7,
       "handled CLOCK: conc__clock_now_ts gives it as a timespec");
    l->now_ns = -1;
    conc__clock_now_ts(&ts);
    ok(ts.tv_sec == -1 && ts.tv_nsec == 999999999,
       "handled CLOCK: a negative time keeps 0 <= tv_nsec < 1e9");
    v2_begin(l);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    now = conc__clock_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &after);
    ok(l->n == 2 && l->r[1].p.now_ns == now &&
           l->r[1].p.result == (uint64_t)now &&
           now >= conc__ts_to_ns(&before) && now <= conc__ts_to_ns(&after),
       "unhandled CLOCK: CLOCK_MONOTONIC, reported in POST");

    /* LOCK and UNLOCK: the mutex, held between LOCK's POST and UNLOCK. */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    v2_begin(l);
    int l1 = __LINE__; rc = conc__mutex_lock(&m);
    int busy = pthread_mutex_trylock(&m); /* EBUSY: we hold it */
    int l2 = __LINE__; (void)conc__mutex_unlock(&m);
    int freed = pthread_mutex_trylock(&m);
    if (freed == 0)
        pthread_mutex_unlock(&m);
    ok(rc == 0 && busy == EBUSY && freed == 0, "the lock door locks, the "
       "unlock door unlocks");
    bool good = l->n == 4;
    static const int kinds[4] = {CONC_POINT_LOCK, CONC_POINT_LOCK,
                                 CONC_POINT_UNLOCK, CONC_POINT_UNLOCK};
    for (int i = 0; good && i < 4; i++) {
        p = &l->r[i].p;
        good = p->kind == kinds[i] && p->phase == (i % 2) &&
               p->addr == (const void *)&m && p->width == 0 &&
               site_is_here(p, i < 2 ? l1 : l2) && p->ok;
    }
    ok(good && l->r[1].p.rc == 0 && l->r[1].p.result == 0 &&
           l->r[3].p.rc == 0,
       "LOCK (PRE, POST rc 0) and UNLOCK (PRE, POST) carry the mutex and "
       "their sites (%d points)", l->n);

    /* SPIN and BACKOFF: PRE and POST, no address. */
    v2_begin(l);
    conc_backoff bo = CONC_BACKOFF_INIT;
    bo.spins = 8;
    ln = __LINE__, conc_backoff_wait(&bo);
    conc_spin_pause();
    ok(l->n == 4 && l->r[0].p.kind == CONC_POINT_BACKOFF &&
           l->r[1].p.phase == CONC_PHASE_POST &&
           site_is_here(&l->r[0].p, ln) && l->r[0].p.addr == NULL &&
           l->r[2].p.kind == CONC_POINT_SPIN &&
           l->r[3].p.kind == CONC_POINT_SPIN && bo.spins == 16,
       "a backoff of 8 pauses is one BACKOFF point; a spin pause one SPIN");
}

static void test_hooks2(void)
{
    static v2_log log;
    memset(&log, 0, sizeof log);
    conc_verify_set_hook(record_hook, NULL); /* set, but v2 wins */
    conc_verify_set_hook2(record_hook2, &log);
    v2_battery_u32(&log);
    v2_battery_u64(&log);
    v2_battery_uptr(&log);
    v2_sites(&log);
    v2_doors(&log);
    conc_verify_set_hook2(NULL, NULL);
    conc_verify_set_hook(NULL, NULL);
    conc_atomic_u32 a;
    conc_init_u32(&a, 0);
    v2_begin(&log);
    (void)conc_load_u32(&a, CONC_RELAXED);
    ok(log.n == 0, "conc_verify_set_hook2(NULL) removes the hook");
}

static void test_yield_injector(void)
{
    conc_atomic_u32 a;
    conc_init_u32(&a, 0);
    conc_verify_set_yield(1.0, 7);
    uint64_t y0 = conc_verify_yields();
    for (int i = 0; i < 10; i++)
        (void)conc_fetch_add_u32(&a, 1, CONC_RELAXED);
    uint64_t y1 = conc_verify_yields();
    ok(y1 - y0 == 10, "rate 1: every schedule point yields (%" PRIu64 " of 10)",
       y1 - y0);
    conc_verify_set_yield(0.0, 7);
    for (int i = 0; i < 100; i++)
        (void)conc_fetch_add_u32(&a, 1, CONC_RELAXED);
    ok(conc_verify_yields() == y1, "rate 0: no yields (%" PRIu64 ")",
       conc_verify_yields() - y1);
    conc_verify_set_yield(0.5, 7);
    uint64_t y2 = conc_verify_yields();
    for (int i = 0; i < 1000; i++)
        (void)conc_fetch_add_u32(&a, 1, CONC_RELAXED);
    uint64_t got = conc_verify_yields() - y2;
    ok(got > 300 && got < 700, "rate 0.5: %" PRIu64 " yields of 1000", got);
    conc_verify_set_yield(0.0, 1);
    ok(conc_load_u32(&a, CONC_RELAXED) == 1110, "values unaffected by yields");
    /* A waiter always yields while injection is on, however low the rate;
     * a backoff only at the rate. */
    conc_verify_set_yield(1e-9, 7);
    uint64_t y3 = conc_verify_yields();
    conc_atomic_u32 fw;
    conc_init_u32(&fw, 1);
    for (int i = 0; i < 10; i++) {
        conc_spin_pause();
        (void)conc_futex_wait(&fw, 2, NULL, false); /* 1 != 2: at once */
    }
    uint64_t y4 = conc_verify_yields();
    for (int i = 0; i < 10; i++)
        conc_backoff_pause();
    uint64_t y5 = conc_verify_yields();
    conc_verify_set_yield(0.0, 1);
    ok(y4 - y3 == 20 && y5 - y4 == 0,
       "injection on: SPIN and FUTEX_WAIT always yield (%" PRIu64 " of 20), "
       "BACKOFF at the rate (%" PRIu64 " of 10)", y4 - y3, y5 - y4);
}
#endif /* CONC_VERIFY */

/* ------------------------------------------------------------------------ */
/* Message passing between two threads.                                      */

#define MP_ROUNDS 3000

typedef struct msg {
    int a, b;
} msg;

typedef struct mp {
    int variant;
    int data;            /* plain memory, guarded by the flags */
    int bad;             /* reader's count of stale reads */
    conc_atomic_u32 flag32, ack32;
    conc_atomic_u64 flag64;
    conc_atomic_uptr ptr;
} mp;

static void spin(void) { sched_yield(); }

static void *mp_writer(void *arg)
{
    mp *m = arg;
    for (uint32_t r = 1; r <= MP_ROUNDS; r++) {
        switch (m->variant) {
        case 0: /* store-release / load-acquire */
            m->data = (int)r * 3;
            conc_store_u32(&m->flag32, r, CONC_RELEASE);
            break;
        case 1: /* exchange (release) / load-acquire on u64 */
            m->data = (int)r * 3;
            (void)conc_exchange_u64(&m->flag64, r, CONC_RELEASE);
            break;
        case 2: /* publish a pointer with a CAS (acq_rel) */
        {
            uintptr_t expected = 0;
            msg *q = malloc(sizeof *q);
            if (!q)
                abort();
            q->a = (int)r;
            q->b = (int)r * 7;
            while (!conc_cas_uptr(&m->ptr, &expected, (uintptr_t)q,
                                  CONC_ACQ_REL, CONC_RELAXED)) {
                expected = 0;
                spin();
            }
            break;
        }
        case 3: /* release fence + relaxed store / relaxed load + acquire fence */
            m->data = (int)r * 3;
            conc_fence(CONC_RELEASE);
            conc_store_u32(&m->flag32, r, CONC_RELAXED);
            break;
        }
        if (m->variant != 2)
            while (conc_load_u32(&m->ack32, CONC_ACQUIRE) != r)
                spin();
    }
    return NULL;
}

static void *mp_reader(void *arg)
{
    mp *m = arg;
    for (uint32_t r = 1; r <= MP_ROUNDS; r++) {
        switch (m->variant) {
        case 0:
            while (conc_load_u32(&m->flag32, CONC_ACQUIRE) != r)
                spin();
            m->bad += m->data != (int)r * 3;
            break;
        case 1:
            while (conc_load_u64(&m->flag64, CONC_ACQUIRE) != r)
                spin();
            m->bad += m->data != (int)r * 3;
            break;
        case 2: {
            uintptr_t p;
            while ((p = conc_exchange_uptr(&m->ptr, 0, CONC_ACQUIRE)) == 0)
                spin();
            msg *q = (msg *)p;
            m->bad += q->a != (int)r || q->b != (int)r * 7;
            free(q);
            continue; /* no ack: the CAS on an empty slot is the handshake */
        }
        case 3:
            while (conc_load_u32(&m->flag32, CONC_RELAXED) != r)
                spin();
            conc_fence(CONC_ACQUIRE);
            m->bad += m->data != (int)r * 3;
            break;
        }
        /* Acknowledge; the writer's next write to data happens after. */
        conc_store_u32(&m->ack32, r, CONC_RELEASE);
    }
    return NULL;
}

static void test_message_passing(int variant, const char *what)
{
    mp m;
    memset(&m, 0, sizeof m);
    m.variant = variant;
    conc_init_u32(&m.flag32, 0);
    conc_init_u32(&m.ack32, 0);
    conc_init_u64(&m.flag64, 0);
    conc_init_uptr(&m.ptr, 0);
    pthread_t w, r;
    tap_watchdog(60, what);
    if (pthread_create(&r, NULL, mp_reader, &m) != 0 ||
        pthread_create(&w, NULL, mp_writer, &m) != 0)
        bail_out("pthread_create");
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    tap_watchdog(0, NULL);
    ok(m.bad == 0, "message passing, %s: %d rounds, %d stale reads", what,
       MP_ROUNDS, m.bad);
}

/* Atomicity: two threads incrementing with fetch_add and with a CAS loop. */
typedef struct inc_job {
    conc_atomic_u64 *a;
    int use_cas;
    int n;
} inc_job;

static void *incrementer(void *arg)
{
    inc_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        if (j->use_cas) {
            uint64_t e = conc_load_u64(j->a, CONC_RELAXED);
            while (!conc_cas_weak_u64(j->a, &e, e + 1, CONC_RELAXED,
                                      CONC_RELAXED))
                ;
        } else {
            (void)conc_fetch_add_u64(j->a, 1, CONC_RELAXED);
        }
    }
    return NULL;
}

static void test_atomicity(int use_cas)
{
    conc_atomic_u64 a;
    conc_init_u64(&a, 0);
    inc_job j = {&a, use_cas, 100000};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, incrementer, &j);
    pthread_create(&t2, NULL, incrementer, &j);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ok(conc_load_u64(&a, CONC_SEQ_CST) == 200000,
       "2 threads x 100000 increments by %s: %" PRIu64,
       use_cas ? "weak-CAS loop" : "fetch_add", conc_load_u64(&a, CONC_SEQ_CST));
}

int main(void)
{
    tap_watchdog(120, "test_atomics");
#ifdef CONC_VERIFY
    /* No injected yields while counting points (the environment may ask). */
    conc_verify_set_yield(0.0, 1);
    diag("verify build: schedule points are counted");
#else
    diag("normal build: the wrappers are plain C11 atomics");
#endif
    battery_u32();
    battery_u64();
    battery_uptr();
    test_fence();
    test_lock_free();
#ifdef CONC_VERIFY
    test_hooks();
    test_hooks2();
    test_yield_injector();
#endif
    test_message_passing(0, "store-release / load-acquire (u32)");
    test_message_passing(1, "exchange-release / load-acquire (u64)");
    test_message_passing(2, "pointer published by CAS acq_rel, taken by "
                            "exchange acquire (uptr)");
#ifdef TEST_TSAN
    skip("fence-based message passing: ThreadSanitizer does not model "
         "standalone fences");
#else
    test_message_passing(3, "release fence / acquire fence (u32)");
#endif
    test_atomicity(0);
    test_atomicity(1);
    done_testing();
    return tap_exit();
}
