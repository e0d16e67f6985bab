/*
 * test_atomics.c - the atomics door's own test (src/internal/atomics.h).
 *
 * Every wrapper (init, load, store, exchange, strong and weak
 * compare-and-swap on both the success and the failure path, fetch_add,
 * fetch_sub, fetch_or, fetch_and, fence) for each of u32, u64 and uptr, with
 * every legal memory order for that operation, on values that wrap.  In the
 * verify build (CONC_VERIFY) also: each wrapper call passes exactly one
 * schedule point (init none), a hook sees the right kind for each, and the
 * yield injector yields at rate 1 and never at rate 0.  Finally, two threads
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
    static const char *kn[] = {"LOAD", "STORE", "RMW", "FENCE", "WAIT"};
    hook_log log;
    memset(&log, 0, sizeof log);
    conc_atomic_u32 a32;
    conc_atomic_u64 a64;
    conc_atomic_uptr ap;
    uint32_t e32 = 0;
    uint64_t e64 = 0;
    conc_init_u32(&a32, 0);
    conc_init_u64(&a64, 0);
    conc_init_uptr(&ap, 0);

    uint64_t p0 = conc_verify_points();
    conc_verify_set_hook(record_hook, &log);
    int want[] = {
        CONC_POINT_LOAD, CONC_POINT_STORE, CONC_POINT_RMW, CONC_POINT_RMW,
        CONC_POINT_RMW, CONC_POINT_RMW, CONC_POINT_RMW, CONC_POINT_RMW,
        CONC_POINT_RMW, CONC_POINT_FENCE, CONC_POINT_LOAD, CONC_POINT_STORE,
        CONC_POINT_RMW, CONC_POINT_LOAD, CONC_POINT_STORE, CONC_POINT_RMW,
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
    conc_verify_set_hook(NULL, NULL);
    uint64_t p1 = conc_verify_points();
    int n = (int)NELEM(want);
    ok(log.n == n, "the hook ran once per wrapper call (%d, expected %d)",
       log.n, n);
    for (int i = 0; i < n && i < log.n; i++)
        check(log.kinds[i] == want[i], "call %d: hook saw kind %d (%s), "
              "expected %s", i, log.kinds[i],
              log.kinds[i] >= 0 && log.kinds[i] < 5 ? kn[log.kinds[i]] : "?",
              kn[want[i]]);
    check_group("the hook saw LOAD, STORE, RMW and FENCE where expected");
    ok(p1 - p0 == (uint64_t)n,
       "points are still counted while a hook is set (%" PRIu64 ")", p1 - p0);
    /* The hook is gone: nothing more recorded. */
    (void)conc_load_u32(&a32, CONC_RELAXED);
    ok(log.n == n, "conc_verify_set_hook(NULL) removes the hook");
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
