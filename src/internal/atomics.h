/*
 * atomics.h - the one door to C11 atomics in conc.
 *
 * Every shared-memory access in src/ goes through these wrappers; nothing
 * else in the tree includes <stdatomic.h>.  Every call names its memory
 * order.  In the normal build each wrapper is a static inline call to the
 * matching atomic_*_explicit and costs nothing.  In the verify build
 * (CONC_VERIFY defined) each wrapper first calls conc_verify_point(), the
 * schedule point: src/verify_hooks.c injects yields there, and a test may
 * install its own hook to park or kill a thread at a chosen point
 * (verify/park.h, fuzz_concurrent, test_shm).
 *
 * Types: conc_atomic_u32, conc_atomic_u64, conc_atomic_uptr (an item or a
 * size).  They are structs so that a plain access does not compile.
 */
#ifndef CONC_INTERNAL_ATOMICS_H
#define CONC_INTERNAL_ATOMICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

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

#ifdef CONC_VERIFY
#define CONC__POINT(kind) conc_verify_point(kind)
#else
#define CONC__POINT(kind) ((void)0)
#endif

/* One set of wrappers per type.  A failed compare-and-swap writes the value it
 * saw into *expected, as C11 does; `fail` is the order of that load. */
#define CONC__DEFINE_ATOMICS(T, N)                                             \
    static inline void conc_init_##N(conc_atomic_##N *a, T v)                  \
    {                                                                          \
        atomic_init(&a->v, v);                                                 \
    }                                                                          \
    static inline T conc_load_##N(const conc_atomic_##N *a, conc_mo mo)        \
    {                                                                          \
        CONC__POINT(CONC_POINT_LOAD);                                          \
        return atomic_load_explicit((_Atomic T *)&a->v, mo);                   \
    }                                                                          \
    static inline void conc_store_##N(conc_atomic_##N *a, T v, conc_mo mo)     \
    {                                                                          \
        CONC__POINT(CONC_POINT_STORE);                                         \
        atomic_store_explicit(&a->v, v, mo);                                   \
    }                                                                          \
    static inline T conc_exchange_##N(conc_atomic_##N *a, T v, conc_mo mo)     \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_exchange_explicit(&a->v, v, mo);                         \
    }                                                                          \
    static inline bool conc_cas_##N(conc_atomic_##N *a, T *expected, T desired,\
                                    conc_mo succ, conc_mo fail)                \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_compare_exchange_strong_explicit(&a->v, expected,        \
                                                       desired, succ, fail);   \
    }                                                                          \
    static inline bool conc_cas_weak_##N(conc_atomic_##N *a, T *expected,      \
                                         T desired, conc_mo succ,              \
                                         conc_mo fail)                         \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_compare_exchange_weak_explicit(&a->v, expected, desired, \
                                                     succ, fail);              \
    }                                                                          \
    static inline T conc_fetch_add_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_fetch_add_explicit(&a->v, v, mo);                        \
    }                                                                          \
    static inline T conc_fetch_sub_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_fetch_sub_explicit(&a->v, v, mo);                        \
    }                                                                          \
    static inline T conc_fetch_or_##N(conc_atomic_##N *a, T v, conc_mo mo)     \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_fetch_or_explicit(&a->v, v, mo);                         \
    }                                                                          \
    static inline T conc_fetch_and_##N(conc_atomic_##N *a, T v, conc_mo mo)    \
    {                                                                          \
        CONC__POINT(CONC_POINT_RMW);                                           \
        return atomic_fetch_and_explicit(&a->v, v, mo);                        \
    }

CONC__DEFINE_ATOMICS(uint32_t, u32)
CONC__DEFINE_ATOMICS(uint64_t, u64)
CONC__DEFINE_ATOMICS(uintptr_t, uptr)

#undef CONC__DEFINE_ATOMICS

static inline void conc_fence(conc_mo mo)
{
    CONC__POINT(CONC_POINT_FENCE);
    atomic_thread_fence(mo);
}

/* Is a 64-bit atomic lock-free here?  (Asserted by the door's own test.) */
static inline bool conc_u64_is_lock_free(const conc_atomic_u64 *a)
{
    return atomic_is_lock_free(&a->v);
}

#endif /* CONC_INTERNAL_ATOMICS_H */
