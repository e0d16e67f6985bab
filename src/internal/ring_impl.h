/*
 * ring_impl.h - conc_ring's message mode, for conc_shmring (src/shm.c).
 *
 * The same SCQ ring, but each slot carries msg_size bytes (copied in by push
 * and out by pop) instead of a void *.  The messages sit after the ring in
 * the same block, so the whole block may be mapped anywhere.
 */
#ifndef CONC_INTERNAL_RING_IMPL_H
#define CONC_INTERNAL_RING_IMPL_H

#include <conc/ring.h>

#include "atomics.h"
#include "pad.h"
#include "waitset.h"

/* A ring's geometry and flags.  conc_ring keeps them in its first line; a
 * ring in shared memory is driven through its handle's own copy, checked
 * once at attach (conc__ring_check), so that nothing a peer writes into the
 * ring's first line later is used as a size, an index bound or a flag. */
typedef struct conc__ring_geom {
    uint64_t capacity;
    uint64_t msg_size; /* 0: items are void *; else bytes per message */
    uint32_t order;    /* n = 2^order >= capacity; R = 2n entries */
    uint32_t flags;    /* the waitset's flags (CONC_SHARED, CONC_JOINABLE) */
    /* Derived from order, once (ring.c, geom_set), for the hot paths:
     * conc__ring_check compares the four fields above and hands back a
     * geometry computed from its arguments, these included. */
    uint64_t mask;     /* R - 1: an entry's index field, and BOT */
    uint64_t cyc;      /* ~(2R - 1): an entry's cycle field, in place */
    uint64_t lmask;    /* remap: (R / 8) - 1 */
    int64_t full;      /* the threshold's reset value, 3n - 1 */
    uint32_t ls;       /* remap: log2(R / 8) */
} conc__ring_geom;

/* The ring's layout (src/ring.c explains it), here rather than in ring.c
 * so that the tests which forge its words (verify/test_ring_livelock.c,
 * test_ring_forged_batch.c) use the same definition and no copy. */
struct iring {
    CONC_PADDED(conc_atomic_u64, head);
    CONC_PADDED(conc_atomic_u64, tail);
    CONC_PADDED(conc_atomic_u64, threshold); /* int64_t stored as uint64_t */
};

struct conc_ring {
    union {
        conc__ring_geom g; /* see above */
        unsigned char pad_[CONC_PAD_LINE];
    } u;
    conc_waitset ws;
    struct iring aq; /* allocated slots, FIFO; bit 63 of tail: closed */
    struct iring fq; /* free slots */
    /* aq entries [R], fq entries [R], then data [capacity] (uintptr_t), then
     * (msg_size > 0) capacity messages of msg_size bytes each. */
    conc_atomic_u64 words[];
};

/* Bytes for a ring of `capacity` messages of `msg_size` bytes; 0 if invalid. */
size_t conc__ring_footprint(size_t capacity, size_t msg_size);
/* `flags`: conc_ring_init's (CONC_FLAGS_ALL; shm.c always adds CONC_SHARED). */
conc_status conc__ring_init(void *mem, size_t size, size_t capacity,
                            unsigned flags, size_t msg_size);
/* Does the ring at r have exactly the geometry and flags conc__ring_init
 * writes for (capacity, msg_size, flags)?  If so, *g is that geometry,
 * computed from the arguments (not read back from r).  r must be readable
 * for conc__ring_footprint(capacity, msg_size) bytes. */
bool conc__ring_check(const conc_ring *r, size_t capacity, size_t msg_size,
                      unsigned flags, conc__ring_geom *g);

/* Message mode, with the caller's trusted geometry g.  Besides the statuses
 * of conc_ring_push/pop: CONC_EFORMAT when the ring's words are not what a
 * correct ring can hold (a slot index beyond the capacity, or more retries
 * than a correct ring ever needs, see ring.c); nothing is copied then, and
 * a failed push leaves the message with the caller. */
conc_status conc__ring_put(conc_ring *r, const conc__ring_geom *g, const void *msg);
conc_status conc__ring_get(conc_ring *r, const conc__ring_geom *g, void *out);
size_t conc__ring_len(const conc_ring *r, const conc__ring_geom *g);
/* Give every slot that is neither in the free ring nor queued back to the
 * free ring (*recovered: how many), and rebuild both index rings from what
 * is left of them (contract in conc/shm.h, conc_shmring_recover).
 * CONC_ENOMEM if a bitmap of capacity bits cannot be allocated. */
conc_status conc__ring_recover(conc_ring *r, const conc__ring_geom *g,
                               size_t *recovered);
conc_waitset *conc__ring_ws(conc_ring *r);
/* Close without waking anyone (the caller wakes). */
void conc__ring_close(conc_ring *r);
bool conc__ring_is_closed(const conc_ring *r);
/* For the explorer's scenarios (explore/scenarios.c, S_LATE): land k late
 * threshold decrements on the allocated ring at once (k = 0: 3n, a full
 * budget), as k dequeuers do that failed their positions on an empty ring
 * long before and were preempted just before their decrement (ring.c,
 * iring_dequeue_in; the state of test_races.c's
 * ring_threshold_spent_with_item).  Not for anything else. */
void conc__ring_test_late_decrements(conc_ring *r, unsigned k);

#endif /* CONC_INTERNAL_RING_IMPL_H */
