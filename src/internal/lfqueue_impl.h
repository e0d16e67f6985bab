/*
 * lfqueue_impl.h - conc_lfqueue's segment layout (src/lfqueue.c explains
 * it), here rather than in lfqueue.c so that the tests that depend on the
 * segment's size (verify/test_lfqueue_pool.c: a round of pushes that fills
 * exactly one segment; verify/test_lfqueue_batch.c: batches across segment
 * boundaries, the RMW count of a batch inside one segment) read the same
 * constant the library was built with, not a copy of it.
 *
 * CONC_LFQUEUE_SEG_SLOTS (the explorer's build, 3; verify's
 * libconc-verify-seg, 5) shrinks a segment's usable slots so that segment
 * boundaries come within a few pushes; a test built against such a library
 * must be compiled with the same definition.  Never in libconc.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_INTERNAL_LFQUEUE_IMPL_H
#define CONC_INTERNAL_LFQUEUE_IMPL_H

#include <stddef.h>

#include "atomics.h"
#include "pad.h"

/* 8 KiB: with the pool's spare, a drained queue holds what it held with one
 * 16 KiB segment and no pool (conc-bench --memory). */
#define CONC__LFQ_SEG_BYTES ((size_t)8192)

struct conc__lfq_slot {
    conc_atomic_u64 state;
    conc_atomic_uptr value;
};

/* One segment, SEG_BYTES: the producers' line (enq, and next, read at the
 * segment's end), the slots, the consumers' line (deq) at the far end. */
#define CONC__LFQ_SLOTS_MAX                                                    \
    ((CONC__LFQ_SEG_BYTES - 2 * CONC_CACHE_LINE) /                             \
     sizeof(struct conc__lfq_slot))

struct conc__lfq_seg {
    union {
        struct {
            conc_atomic_u64 enq;   /* bit 63: closed */
            conc_atomic_uptr next; /* 0, SEALED, or the next segment */
        };
        unsigned char line0_[CONC_CACHE_LINE];
    };
    struct conc__lfq_slot slots[CONC__LFQ_SLOTS_MAX];
    union {
        conc_atomic_u64 deq;
        unsigned char line1_[CONC_CACHE_LINE];
    };
};
_Static_assert(sizeof(struct conc__lfq_seg) == CONC__LFQ_SEG_BYTES,
               "a segment is one mapping");

/* The slots a segment hands out: CONC__LFQ_SLOTS (504 on x86-64). */
#ifndef CONC_LFQUEUE_SEG_SLOTS
#define CONC__LFQ_SLOTS CONC__LFQ_SLOTS_MAX
#else
#define CONC__LFQ_SLOTS ((size_t)CONC_LFQUEUE_SEG_SLOTS)
_Static_assert(CONC_LFQUEUE_SEG_SLOTS >= 1 &&
                   CONC_LFQUEUE_SEG_SLOTS <= CONC__LFQ_SLOTS_MAX,
               "CONC_LFQUEUE_SEG_SLOTS out of range");
#endif

/* A real batch (push_many, pop_many) claims at most this many positions
 * with one fetch-and-add. */
#define CONC__LFQ_BATCH_MAX 64

#endif /* CONC_INTERNAL_LFQUEUE_IMPL_H */
