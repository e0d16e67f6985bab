/*
 * verify_hooks.c - schedule points of the verify build (libconc-verify only).
 *
 * Every door of src/ (atomics.h, spin.h, futex.h, lock.h, clock.h) fills a
 * conc_point and calls conc_verify_pre() before its step and
 * conc_verify_post() after it (verify.h).  Here a point is counted (at PRE)
 * and handed to one policy:
 *   - a version 2 hook (conc_verify_set_hook2), if set: PRE and POST, the
 *     whole point (the schedule explorer);
 *   - else a version 1 hook (conc_verify_set_hook): the kind, at PRE only
 *     (verify/park.h, fuzz_concurrent, test_shm);
 *   - else the yield injector, at PRE: a sched_yield() with probability
 *     CONC_YIELD_RATE, and always at SPIN and FUTEX_WAIT while the rate is
 *     not 0.  It widens race windows on a machine with few cores: a thread
 *     gives up its CPU between two steps, as it would be preempted or
 *     delayed on a busy many-core machine.
 * conc_verify_reset() and conc_verify_thread_exit() put the library's own
 * state back through src/'s verify-only functions (verify_state.h).
 *
 * This file must not use the atomics.h wrappers itself (they would recurse);
 * it uses <stdatomic.h> directly, the one sanctioned exception.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal/verify.h"
#include "internal/verify_state.h"

static _Atomic uint64_t points_total;
static _Atomic uint64_t yields_total;
/* Rate as a threshold on a 32-bit random number; UINT32_MAX+1 means "always". */
static _Atomic uint64_t yield_threshold;
static _Atomic uint64_t yield_seed = 1;
static _Atomic int configured; /* 0 unread, 1 set (from env or by call) */
static _Atomic uint64_t thread_serial;

static _Atomic(conc_verify_hook) user_hook;
static void *_Atomic user_arg;
static _Atomic(conc_verify_hook2) user_hook2;
static void *_Atomic user_arg2;

static _Thread_local uint64_t rng_state;
/* Non-zero while this thread resets the library: its steps are no schedule
 * points (no count, no hook, no yield). */
static _Thread_local int quiet;

static uint64_t rate_to_threshold(double rate)
{
    if (!(rate > 0.0)) /* also rejects NaN */
        return 0;
    if (rate >= 1.0)
        return (uint64_t)UINT32_MAX + 1;
    return (uint64_t)(rate * 4294967296.0);
}

static void configure_from_env(void)
{
    int expected = 0;
    const char *r = getenv("CONC_YIELD_RATE");
    const char *s = getenv("CONC_YIELD_SEED");
    uint64_t thr = r ? rate_to_threshold(strtod(r, NULL)) : 0;
    uint64_t seed = s ? strtoull(s, NULL, 0) : 1;
    /* Only the first configuration wins; conc_verify_set_yield overrides. */
    if (atomic_compare_exchange_strong(&configured, &expected, 1)) {
        atomic_store(&yield_threshold, thr);
        atomic_store(&yield_seed, seed);
    }
}

/* splitmix64: a fresh, well-mixed stream per thread. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint32_t next_random(void)
{
    if (rng_state == 0) {
        uint64_t serial = atomic_fetch_add(&thread_serial, 1) + 1;
        rng_state = splitmix64(atomic_load(&yield_seed) ^ (serial << 32)) | 1;
    }
    /* xorshift64 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void inject_yield(int kind)
{
    if (!atomic_load_explicit(&configured, memory_order_acquire))
        configure_from_env();
    uint64_t thr = atomic_load_explicit(&yield_threshold, memory_order_relaxed);
    /* A waiter always yields when injection is on: it cannot make progress
     * until someone else runs. */
    bool waits = kind == CONC_POINT_SPIN || kind == CONC_POINT_FUTEX_WAIT;
    if (thr && (waits || next_random() < thr)) {
        atomic_fetch_add_explicit(&yields_total, 1, memory_order_relaxed);
        sched_yield();
    }
}

void conc_verify_pre(conc_point *p)
{
    if (quiet)
        return;
    p->phase = CONC_PHASE_PRE;
    conc_verify_hook2 hook2 =
        atomic_load_explicit(&user_hook2, memory_order_acquire);
    /* A question, not a step (verify.h): a v2 hook answers it, or nobody. */
    if (p->kind == CONC_POINT_PID) {
        if (hook2)
            hook2(p, atomic_load_explicit(&user_arg2, memory_order_relaxed));
        return;
    }
    atomic_fetch_add_explicit(&points_total, 1, memory_order_relaxed);
    if (hook2) {
        hook2(p, atomic_load_explicit(&user_arg2, memory_order_relaxed));
        return;
    }
    conc_verify_hook hook = atomic_load_explicit(&user_hook, memory_order_acquire);
    if (hook) {
        hook(p->kind, atomic_load_explicit(&user_arg, memory_order_relaxed));
        return;
    }
    inject_yield(p->kind);
}

void conc_verify_post(conc_point *p)
{
    if (quiet)
        return;
    p->phase = CONC_PHASE_POST;
    conc_verify_hook2 hook2 =
        atomic_load_explicit(&user_hook2, memory_order_acquire);
    if (hook2)
        hook2(p, atomic_load_explicit(&user_arg2, memory_order_relaxed));
}

void conc_verify_set_hook(conc_verify_hook hook, void *arg)
{
    atomic_store(&user_arg, arg);
    atomic_store(&user_hook, hook);
}

void conc_verify_set_hook2(conc_verify_hook2 hook, void *arg)
{
    atomic_store(&user_arg2, arg);
    atomic_store(&user_hook2, hook);
}

static _Atomic(conc_verify_init_hook) init_hook;
static void *_Atomic init_arg;

void conc_verify_set_init_hook(conc_verify_init_hook hook, void *arg)
{
    atomic_store(&init_arg, arg);
    atomic_store(&init_hook, hook);
}

void conc_verify_init(const void *addr, unsigned width)
{
    if (quiet)
        return;
    conc_verify_init_hook h =
        atomic_load_explicit(&init_hook, memory_order_acquire);
    if (h)
        h(addr, width, atomic_load_explicit(&init_arg, memory_order_relaxed));
}

void conc_verify_set_yield(double rate, uint64_t seed)
{
    atomic_store(&yield_threshold, rate_to_threshold(rate));
    atomic_store(&yield_seed, seed);
    atomic_store(&configured, 1);
}

uint64_t conc_verify_points(void)
{
    return atomic_load(&points_total);
}

uint64_t conc_verify_yields(void)
{
    return atomic_load(&yields_total);
}

void conc_verify_reset(void)
{
    quiet++;
    conc__hp_verify_reset();
    conc__counter_verify_reset();
    conc__ws_verify_reset();
    /* The injector numbers threads from 1 again, and this thread draws a
     * fresh stream (another thread's stream is its own, and a new thread
     * starts one). */
    atomic_store(&thread_serial, 0);
    rng_state = 0;
    quiet--;
}

void conc_verify_thread_exit(void)
{
    /* Not quiet: a thread's exit runs concurrently with the others (it
     * scans and hands its leftovers to the orphan list), and a scheduler
     * wants those steps. */
    conc__hp_verify_thread_exit();
    conc__counter_verify_thread_exit();
    rng_state = 0;
}
