/*
 * atomics.h - the one door to C11 atomics in conc.
 *
 * Every shared-memory access in src/ goes through these wrappers; nothing
 * else in the tree includes <stdatomic.h>.  Every call names its memory
 * order.  In the normal build each wrapper is a static inline call to the
 * matching atomic_*_explicit and costs nothing.  In the verify build
 * (CONC_VERIFY defined) each wrapper is a schedule point (verify.h): it
 * fills a conc_point with what it is about to do (kind, rmw op, address,
 * width, memory orders, operand, expected, the caller's file:line), calls
 * conc_verify_pre(), does the operation, records its result (the value
 * read, replaced or found; whether a CAS succeeded) and calls
 * conc_verify_post().  A hook may do the operation itself instead (the
 * explorer's weak-memory mode, verify.h `handled`): the door then skips
 * the real operation and returns the hook's answer.  conc_init_* tells
 * the hook that a word was made anew (conc_verify_init).
 * src/verify_hooks.c injects yields there, and a test may install its own
 * hook to park, kill or schedule a thread at a chosen point (verify/park.h,
 * fuzz_concurrent, test_shm, the schedule explorer).
 *
 * The public names (conc_load_u32, ...) are macros over conc__* functions
 * so that the verify build can pass the caller's site (site.h); do not take
 * their address.  conc_init_* is a plain initialisation, not a point.
 *
 * Types: conc_atomic_u32, conc_atomic_u64, conc_atomic_uptr (an item or a
 * size).  They are structs so that a plain access does not compile.
 */
#ifndef CONC_INTERNAL_ATOMICS_H
#define CONC_INTERNAL_ATOMICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "site.h"
#include "verify.h"

#define CONC_RELAXED memory_order_relaxed
#define CONC_ACQUIRE memory_order_acquire
#define CONC_RELEASE memory_order_release
#define CONC_ACQ_REL memory_order_acq_rel
#define CONC_SEQ_CST memory_order_seq_cst

typedef memory_order conc_mo;

typedef struct { _Atomic uint32_t v; } conc_atomic_u32;
typedef struct { _Atomic uint64_t v; } conc_atomic_u64;
typedef struct { _Atomic uintptr_t v; } conc_atomic_uptr;

/* One set of wrappers per type.  A failed compare-and-swap writes the value it
 * saw into *expected, as C11 does; `fail` is the order of that load. */
#ifndef CONC_VERIFY

#define CONC__DEFINE_ATOMICS(T, N)                                             \
    static inline void conc_init_##N(conc_atomic_##N *a, T v)                  \
    {                                                                          \
        atomic_init(&a->v, v);                                                 \
    }                                                                          \
    static inline T conc__load_##N(const conc_atomic_##N *a, conc_mo mo)       \
    {                                                                          \
        return atomic_load_explicit((_Atomic T *)&a->v, mo);                   \
    }                                                                          \
    static inline void conc__store_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        atomic_store_explicit(&a->v, v, mo);                                   \
    }                                                                          \
    static inline T conc__exchange_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        return atomic_exchange_explicit(&a->v, v, mo);                         \
    }                                                                          \
    static inline bool conc__cas_##N(conc_atomic_##N *a, T *expected,          \
                                     T desired, conc_mo succ, conc_mo fail)    \
    {                                                                          \
        return atomic_compare_exchange_strong_explicit(&a->v, expected,        \
                                                       desired, succ, fail);   \
    }                                                                          \
    static inline bool conc__cas_weak_##N(conc_atomic_##N *a, T *expected,     \
                                          T desired, conc_mo succ,             \
                                          conc_mo fail)                        \
    {                                                                          \
        return atomic_compare_exchange_weak_explicit(&a->v, expected, desired, \
                                                     succ, fail);              \
    }                                                                          \
    static inline T conc__fetch_add_##N(conc_atomic_##N *a, T v, conc_mo mo)   \
    {                                                                          \
        return atomic_fetch_add_explicit(&a->v, v, mo);                        \
    }                                                                          \
    static inline T conc__fetch_sub_##N(conc_atomic_##N *a, T v, conc_mo mo)   \
    {                                                                          \
        return atomic_fetch_sub_explicit(&a->v, v, mo);                        \
    }                                                                          \
    static inline T conc__fetch_or_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        return atomic_fetch_or_explicit(&a->v, v, mo);                         \
    }                                                                          \
    static inline T conc__fetch_and_##N(conc_atomic_##N *a, T v, conc_mo mo)   \
    {                                                                          \
        return atomic_fetch_and_explicit(&a->v, v, mo);                        \
    }

static inline void conc__fence(conc_mo mo)
{
    atomic_thread_fence(mo);
}

#else /* CONC_VERIFY: every wrapper a schedule point */

/* The point of an atomic operation on `a` (NULL: a fence), before it runs. */
#define CONC__APOINT(kind_, rmw_, a_, width_, mo_, mof_, opnd_, exp_, file_,   \
                     line_)                                                    \
    ((conc_point){.kind = (kind_), .rmw = (rmw_), .phase = CONC_PHASE_PRE,     \
                  .addr = (const void *)(a_), .width = (width_),               \
                  .mo = (int)(mo_), .mo_fail = (int)(mof_),                    \
                  .operand = (uint64_t)(opnd_), .expected = (uint64_t)(exp_),  \
                  .file = (file_), .line = (line_), .deadline_ns = -1,         \
                  .ok = true})

/* A read-modify-write that returns the old value: exchange and fetch_*. */
#define CONC__DEFINE_RMW(T, N, NAME, OP, CALL)                                 \
    static inline T conc__##NAME##_##N(conc_atomic_##N *a, T v, conc_mo mo,    \
                                       const char *file, int line)             \
    {                                                                          \
        conc_point p = CONC__APOINT(CONC_POINT_RMW, OP, a, sizeof(T), mo, mo,  \
                                    v, 0, file, line);                         \
        conc_verify_pre(&p);                                                   \
        T r = p.handled ? (T)p.result : CALL(&a->v, v, mo);                    \
        p.result = (uint64_t)r;                                                \
        conc_verify_post(&p);                                                  \
        return r;                                                              \
    }

/* Compare-and-swap: `expected` is *expected before, `result` the value
 * found (*expected after: unchanged on success, the current value on
 * failure), `ok` whether it swapped. */
#define CONC__DEFINE_CAS(T, N, NAME, OP, CALL)                                 \
    static inline bool conc__##NAME##_##N(conc_atomic_##N *a, T *expected,     \
                                          T desired, conc_mo succ,             \
                                          conc_mo fail, const char *file,      \
                                          int line)                            \
    {                                                                          \
        conc_point p = CONC__APOINT(CONC_POINT_RMW, OP, a, sizeof(T), succ,    \
                                    fail, desired, *expected, file, line);     \
        conc_verify_pre(&p);                                                   \
        bool ok;                                                               \
        if (p.handled) {                                                       \
            ok = p.ok;                                                         \
            *expected = (T)p.result;                                           \
        } else {                                                               \
            ok = CALL(&a->v, expected, desired, succ, fail);                   \
        }                                                                      \
        p.result = (uint64_t)*expected;                                        \
        p.ok = ok;                                                             \
        conc_verify_post(&p);                                                  \
        return ok;                                                             \
    }

#define CONC__DEFINE_ATOMICS(T, N)                                             \
    static inline void conc_init_##N(conc_atomic_##N *a, T v)                  \
    {                                                                          \
        atomic_init(&a->v, v);                                                 \
        conc_verify_init(a, sizeof(T));                                        \
    }                                                                          \
    static inline T conc__load_##N(const conc_atomic_##N *a, conc_mo mo,       \
                                   const char *file, int line)                 \
    {                                                                          \
        conc_point p = CONC__APOINT(CONC_POINT_LOAD, CONC_RMW_NONE, a,         \
                                    sizeof(T), mo, mo, 0, 0, file, line);      \
        conc_verify_pre(&p);                                                   \
        T r = p.handled ? (T)p.result                                          \
                        : atomic_load_explicit((_Atomic T *)&a->v, mo);        \
        p.result = (uint64_t)r;                                                \
        conc_verify_post(&p);                                                  \
        return r;                                                              \
    }                                                                          \
    static inline void conc__store_##N(conc_atomic_##N *a, T v, conc_mo mo,    \
                                       const char *file, int line)             \
    {                                                                          \
        conc_point p = CONC__APOINT(CONC_POINT_STORE, CONC_RMW_NONE, a,        \
                                    sizeof(T), mo, mo, v, 0, file, line);      \
        conc_verify_pre(&p);                                                   \
        if (!p.handled)                                                        \
            atomic_store_explicit(&a->v, v, mo);                               \
        conc_verify_post(&p);                                                  \
    }                                                                          \
    CONC__DEFINE_RMW(T, N, exchange, CONC_RMW_XCHG, atomic_exchange_explicit)  \
    CONC__DEFINE_CAS(T, N, cas, CONC_RMW_CAS,                                  \
                     atomic_compare_exchange_strong_explicit)                  \
    CONC__DEFINE_CAS(T, N, cas_weak, CONC_RMW_CAS_WEAK,                        \
                     atomic_compare_exchange_weak_explicit)                    \
    CONC__DEFINE_RMW(T, N, fetch_add, CONC_RMW_ADD, atomic_fetch_add_explicit) \
    CONC__DEFINE_RMW(T, N, fetch_sub, CONC_RMW_SUB, atomic_fetch_sub_explicit) \
    CONC__DEFINE_RMW(T, N, fetch_or, CONC_RMW_OR, atomic_fetch_or_explicit)    \
    CONC__DEFINE_RMW(T, N, fetch_and, CONC_RMW_AND, atomic_fetch_and_explicit)

static inline void conc__fence(conc_mo mo, const char *file, int line)
{
    conc_point p = CONC__APOINT(CONC_POINT_FENCE, CONC_RMW_NONE, NULL, 0, mo,
                                mo, 0, 0, file, line);
    conc_verify_pre(&p);
    if (!p.handled)
        atomic_thread_fence(mo);
    conc_verify_post(&p);
}

#endif /* CONC_VERIFY */

CONC__DEFINE_ATOMICS(uint32_t, u32)
CONC__DEFINE_ATOMICS(uint64_t, u64)
CONC__DEFINE_ATOMICS(uintptr_t, uptr)

#undef CONC__DEFINE_ATOMICS
#undef CONC__DEFINE_RMW
#undef CONC__DEFINE_CAS

/* The wrappers, by the names src/ calls (the site is the caller's). */
#define conc_load_u32(a, mo) conc__load_u32((a), (mo) CONC__SITE)
#define conc_store_u32(a, v, mo) conc__store_u32((a), (v), (mo) CONC__SITE)
#define conc_exchange_u32(a, v, mo)                                           \
    conc__exchange_u32((a), (v), (mo) CONC__SITE)
#define conc_cas_u32(a, e, d, s, f)                                           \
    conc__cas_u32((a), (e), (d), (s), (f) CONC__SITE)
#define conc_cas_weak_u32(a, e, d, s, f)                                      \
    conc__cas_weak_u32((a), (e), (d), (s), (f) CONC__SITE)
#define conc_fetch_add_u32(a, v, mo)                                          \
    conc__fetch_add_u32((a), (v), (mo) CONC__SITE)
#define conc_fetch_sub_u32(a, v, mo)                                          \
    conc__fetch_sub_u32((a), (v), (mo) CONC__SITE)
#define conc_fetch_or_u32(a, v, mo)                                           \
    conc__fetch_or_u32((a), (v), (mo) CONC__SITE)
#define conc_fetch_and_u32(a, v, mo)                                          \
    conc__fetch_and_u32((a), (v), (mo) CONC__SITE)

#define conc_load_u64(a, mo) conc__load_u64((a), (mo) CONC__SITE)
#define conc_store_u64(a, v, mo) conc__store_u64((a), (v), (mo) CONC__SITE)
#define conc_exchange_u64(a, v, mo)                                           \
    conc__exchange_u64((a), (v), (mo) CONC__SITE)
#define conc_cas_u64(a, e, d, s, f)                                           \
    conc__cas_u64((a), (e), (d), (s), (f) CONC__SITE)
#define conc_cas_weak_u64(a, e, d, s, f)                                      \
    conc__cas_weak_u64((a), (e), (d), (s), (f) CONC__SITE)
#define conc_fetch_add_u64(a, v, mo)                                          \
    conc__fetch_add_u64((a), (v), (mo) CONC__SITE)
#define conc_fetch_sub_u64(a, v, mo)                                          \
    conc__fetch_sub_u64((a), (v), (mo) CONC__SITE)
#define conc_fetch_or_u64(a, v, mo)                                           \
    conc__fetch_or_u64((a), (v), (mo) CONC__SITE)
#define conc_fetch_and_u64(a, v, mo)                                          \
    conc__fetch_and_u64((a), (v), (mo) CONC__SITE)

#define conc_load_uptr(a, mo) conc__load_uptr((a), (mo) CONC__SITE)
#define conc_store_uptr(a, v, mo) conc__store_uptr((a), (v), (mo) CONC__SITE)
#define conc_exchange_uptr(a, v, mo)                                          \
    conc__exchange_uptr((a), (v), (mo) CONC__SITE)
#define conc_cas_uptr(a, e, d, s, f)                                          \
    conc__cas_uptr((a), (e), (d), (s), (f) CONC__SITE)
#define conc_cas_weak_uptr(a, e, d, s, f)                                     \
    conc__cas_weak_uptr((a), (e), (d), (s), (f) CONC__SITE)
#define conc_fetch_add_uptr(a, v, mo)                                         \
    conc__fetch_add_uptr((a), (v), (mo) CONC__SITE)
#define conc_fetch_sub_uptr(a, v, mo)                                         \
    conc__fetch_sub_uptr((a), (v), (mo) CONC__SITE)
#define conc_fetch_or_uptr(a, v, mo)                                          \
    conc__fetch_or_uptr((a), (v), (mo) CONC__SITE)
#define conc_fetch_and_uptr(a, v, mo)                                         \
    conc__fetch_and_uptr((a), (v), (mo) CONC__SITE)
#define conc_fence(mo) conc__fence((mo) CONC__SITE)

/* conc_owner_add_u64(a, v): a += v on a word that only the calling thread
 * ever writes (conc_sharded's owned slots), while other threads may load it
 * at any time.  The word ends v greater even when a signal handler on the
 * same thread adds to it too (conc_sharded_add is async-signal-safe), and
 * a concurrent load sees either the old or the new value, never a mix.
 *
 * Why one instruction and not a load and a store: the handler of a signal
 * that arrives between the owner's load and its store adds to the same
 * word (the same thread, so the same owner), and the store then writes
 * the value loaded before the handler ran: the handler's add is lost.  A
 * signal is taken only between instructions, so an add that is one
 * instruction is either wholly before the handler or wholly after it.
 *
 * Not an unlocked addq, although that would be one instruction too and
 * about 20 cycles cheaper: its store may still sit in the owner's store
 * buffer after the add has returned, so a read that begins on another CPU
 * after that return may miss it, and the read is then outside the interval
 * conc_sharded promises (adds completed before the read are in it).
 * conc-stress --lincheck saw it: a read of 13 right after an add of 4 had
 * returned, 17 due (the CI run of 2026-12-01).  A locked add drains the
 * store buffer before it completes.
 *
 * So it is a relaxed fetch_add (on x86-64 a lock xadd, one instruction:
 * atomic against a handler and against the store buffer), unless the
 * reader fences for it: conc_owner_add_light_u64 and conc_heavy_fence
 * below.  In the verify
 * build it is an RMW point (CONC_RMW_ADD, like conc_fetch_add_u64: the explorer sees one
 * indivisible step) around the same fetch_add. */
#ifdef CONC_VERIFY
static inline void conc__owner_add_u64(conc_atomic_u64 *a, uint64_t v,
                                       const char *file, int line)
{
    conc_point p = CONC__APOINT(CONC_POINT_RMW, CONC_RMW_ADD, a,
                                sizeof(uint64_t), CONC_RELAXED, CONC_RELAXED,
                                v, 0, file, line);
    conc_verify_pre(&p);
    /* One point, one locked add: the explorer sees one indivisible RMW,
     * and the verify build's parallel tests see what the release build
     * does (a load and a store here would lose the store-buffer ordering
     * the interval rests on). */
    uint64_t old = p.handled ? p.result
                             : atomic_fetch_add_explicit(&a->v, v, CONC_RELAXED);
    p.result = old;
    conc_verify_post(&p);
}
#else
static inline void conc__owner_add_u64(conc_atomic_u64 *a, uint64_t v)
{
    atomic_fetch_add_explicit(&a->v, v, CONC_RELAXED);
}
#endif
#define conc_owner_add_u64(a, v) conc__owner_add_u64((a), (v) CONC__SITE)

/* The asymmetric pair: conc_owner_add_light_u64 on the owner's side, and
 * conc_heavy_fence() on the reader's side before it loads.  The light add
 * is one unlocked addq to memory on x86-64 (in the release build, not
 * under TSan): atomic against a signal handler on the same CPU (one
 * instruction), single-copy atomic for a concurrent load (an aligned 8-byte
 * access, Intel SDM vol. 3A, 9.1.1), correct only because no other thread
 * ever writes the word; about 20 cycles cheaper than the locked add.  Its
 * store may still sit in the store buffer when the add returns, so a
 * reader that must see every add completed before it began first calls
 * conc_heavy_fence(): membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which
 * makes every running thread of the process execute a full barrier
 * (draining its store buffer) before the call returns, and a thread not
 * running has been switched out, which is a full barrier too (membarrier(2);
 * the asymmetric fences of liburcu's sys_membarrier flavour and of Folly's
 * asymmetricHeavyBarrier rest on the same guarantee).
 *
 * conc_heavy_fence_register() must have returned 0 in this process before
 * a light add may be relied on: 0 when registered (or already), -1 when
 * the kernel (or a seccomp filter) refuses, and then the caller uses the
 * locked conc_owner_add_u64.  conc_heavy_fence() returns 0, or -1 with
 * errno (EPERM: this process is not registered, e.g. a child made by fork
 * on a kernel that does not carry the registration over: register and call
 * again).  CONC_HEAVY_FENCE is 1 where the light add is lighter than the
 * locked one (x86-64, release, not TSan); elsewhere the pair is never used
 * (register returns -1): the verify build's explorer sees the locked RMW,
 * and TSan does not see inline assembly. */
#if defined(__SANITIZE_THREAD__)
#define CONC__NO_LIGHT_ADD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONC__NO_LIGHT_ADD 1
#endif
#endif
#if !defined(CONC_VERIFY) && !defined(CONC__NO_LIGHT_ADD) &&                 \
    defined(__x86_64__) && defined(__linux__) &&                             \
    (defined(__GNUC__) || defined(__clang__))
#define CONC_HEAVY_FENCE 1
static inline void conc_owner_add_light_u64(conc_atomic_u64 *a, uint64_t v)
{
    /* "er": a register or a sign-extended 32-bit immediate (addq's forms). */
    __asm__ volatile("addq %1, %0" : "+m"(*(uint64_t *)&a->v) : "er"(v) : "cc");
}
int conc__heavy_fence_register(void);
int conc__heavy_fence(void);
#define conc_heavy_fence_register() conc__heavy_fence_register()
#define conc_heavy_fence() conc__heavy_fence()
#else
#define CONC_HEAVY_FENCE 0
#define conc_owner_add_light_u64(a, v) conc_owner_add_u64((a), (v))
#define conc_heavy_fence_register() (-1)
#define conc_heavy_fence() (0)
#endif

/* Is a 64-bit atomic lock-free here?  (Asserted by the door's own test.) */
static inline bool conc_u64_is_lock_free(const conc_atomic_u64 *a)
{
    return atomic_is_lock_free(&a->v);
}

#endif /* CONC_INTERNAL_ATOMICS_H */
