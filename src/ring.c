/*
 * ring.c - conc_ring: bounded lock-free MPMC FIFO (SCQ).
 *
 * Nikolaev, "A Scalable, Portable, and Memory-Efficient Lock-Free FIFO
 * Queue", DISC 2019.  Written anew for conc from the paper's description.
 *
 * Shape.  Items live in data[0..capacity).  Two "index rings" (struct iring)
 * carry slot numbers: `fq` holds the free slots, `aq` the slots holding items
 * in FIFO order.  push = take a free slot from fq, write the item, append the
 * slot to aq; pop = take the oldest slot from aq, read the item, give the
 * slot back to fq.  A slot belongs to exactly one thread between those steps,
 * so data[] needs no synchronisation of its own: the index rings publish it.
 *
 * An index ring of n = 2^order slots has R = 2n entries and never holds more
 * than n indices (fq and aq each hold at most capacity <= n).  Head and Tail
 * are 64-bit positions; position p maps to entry remap(p mod R) and belongs
 * to "cycle" p / R.  Each entry is one 64-bit word:
 *
 *     [ cycle : 62-order | safe : 1 | index : order+1 ]
 *
 * index == BOT (all ones, R-1) means the entry is empty.  An enqueuer at
 * position T may fill an entry only when the entry's cycle is older than T's,
 * the entry is empty, and it is "safe" (or no dequeuer has passed T yet).  A
 * dequeuer at H takes the entry when its cycle equals H's; otherwise it
 * stamps the entry with its own cycle (empty) or marks it unsafe (occupied by
 * an older cycle whose dequeuer is late), so a slow enqueuer can never put an
 * item where no dequeuer will look: it retries at a new position instead.
 * That is what makes the ring lock-free rather than merely non-blocking for
 * the lucky: no thread ever waits for another to finish a step.
 *
 * `threshold` bounds how many failed dequeue attempts may follow the last
 * enqueue (3n-1); when it drops below zero dequeue returns at once without
 * touching Head (the paper's livelock fix) -- but only after checking with
 * loads that no finished enqueue waits ahead: delayed dequeuers can spend
 * the budget of an item already in (see iring_dequeue, docs/ring.md).
 *
 * Memory orders: the counters, entries and threshold use seq_cst; SCQ's proof
 * relies on a single order over Head, Tail and the entries (a dequeuer's
 * "Tail <= H+1" emptiness check against an enqueuer's "Head <= T" check).
 * On x86 every RMW is a full barrier anyway and seq_cst loads are plain
 * loads, so this costs only the seq_cst store of threshold.  data[] accesses
 * are relaxed: the entry CAS (release, part of seq_cst) that appends a slot to
 * aq pairs with the dequeuer's acquire load of that entry, and the same for
 * fq in the other direction.
 */
#include <conc/ring.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/atomics.h"
#include "internal/batch.h"
#include "internal/pad.h"
#include "internal/ring_impl.h"
#include "internal/waitset.h"

#define SC CONC_SEQ_CST

struct iring {
    CONC_PADDED(conc_atomic_u64, head);
    CONC_PADDED(conc_atomic_u64, tail);
    CONC_PADDED(conc_atomic_u64, threshold); /* int64_t stored as uint64_t */
};

struct conc_ring {
    union {
        struct {
            uint64_t capacity;
            uint64_t msg_size; /* 0: items are void *; else bytes per message */
            uint32_t order;    /* n = 2^order >= capacity; R = 2n entries */
        } g;
        unsigned char pad_[CONC_PAD_LINE];
    } u;
    conc_waitset ws;
    struct iring aq; /* allocated slots, FIFO; bit 63 of tail: closed */
    struct iring fq; /* free slots */
    /* aq entries [R], fq entries [R], then data [capacity] (uintptr_t), then
     * (msg_size > 0) capacity messages of msg_size bytes each. */
    conc_atomic_u64 words[];
};

/* Closing sets this bit in aq's Tail (as LCRQ closes a ring, Morrison & Afek
 * PPoPP 2013).  An enqueuer whose fetch-and-add returns it gives its slot
 * back and answers CONC_CLOSED; positions are below 2^63 for centuries. */
#define CLOSED_BIT ((uint64_t)1 << 63)

/* ---- geometry ----------------------------------------------------------- */

static inline uint64_t ring_R(const conc_ring *r) { return (uint64_t)2 << r->u.g.order; }
static inline uint64_t ring_n(const conc_ring *r) { return (uint64_t)1 << r->u.g.order; }
static inline uint64_t ring_bot(const conc_ring *r) { return ring_R(r) - 1; }
static inline uint64_t ring_safe(const conc_ring *r) { return ring_R(r); }
static inline unsigned ring_cshift(const conc_ring *r) { return r->u.g.order + 2; }

static inline conc_atomic_u64 *aq_entries(conc_ring *r) { return r->words; }
static inline conc_atomic_u64 *fq_entries(conc_ring *r) { return r->words + ring_R(r); }
static inline conc_atomic_uptr *ring_data(conc_ring *r)
{
    return (conc_atomic_uptr *)(void *)(r->words + 2 * ring_R(r));
}

/* The cycle of position p, truncated to the entry's cycle field. */
static inline uint64_t pos_cycle(const conc_ring *r, uint64_t p)
{
    return (p >> (r->u.g.order + 1)) & (UINT64_MAX >> ring_cshift(r));
}

/* a < b for cycle fields, modulo the field width (wraps after 2^61 laps). */
static inline bool cycle_lt(const conc_ring *r, uint64_t a, uint64_t b)
{
    return (int64_t)((a - b) << ring_cshift(r)) < 0;
}

/* Spread consecutive positions over different cache lines (8 entries per
 * 64-byte line): position i goes to line i mod L, word i / L.  A bijection on
 * [0, R) when R is a multiple of 8 lines; small rings are left as they are. */
static inline uint64_t remap(const conc_ring *r, uint64_t p)
{
    uint64_t R = ring_R(r), i = p & (R - 1);
    if (R < 16)
        return i;
    uint64_t lines = R / 8;
    return (i % lines) * 8 + i / lines;
}

static inline int64_t threshold_full(const conc_ring *r)
{
    return (int64_t)(3 * ring_n(r)) - 1;
}

/* ---- one index ring ----------------------------------------------------- */

/* Move Tail forward to Head after dequeuers overshot it, so that later
 * enqueuers do not land on positions every dequeuer has already passed. */
static void catchup(conc_atomic_u64 *tail_w, conc_atomic_u64 *head_w,
                    uint64_t tail, uint64_t head)
{
    /* `tail` is the raw word: keep its closed bit. */
    while (!conc_cas_u64(tail_w, &tail, head | (tail & CLOSED_BIT), SC, SC)) {
        head = conc_load_u64(head_w, SC);
        if ((int64_t)((tail & ~CLOSED_BIT) - head) >= 0)
            break;
    }
}

/* False only when the ring is closed (aq only: fq is never closed). */
static bool iring_enqueue(conc_ring *r, struct iring *q, conc_atomic_u64 *ent,
                          uint64_t idx)
{
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    for (;;) {
        uint64_t T = conc_fetch_add_u64(&q->tail, 1, SC);
        if (T & CLOSED_BIT)
            return false;
        uint64_t tcyc = pos_cycle(r, T);
        conc_atomic_u64 *slot = &ent[remap(r, T)];
        uint64_t E = conc_load_u64(slot, SC);
        for (;;) {
            bool usable = cycle_lt(r, E >> cs, tcyc) && (E & bot) == bot &&
                          ((E & safe) ||
                           (int64_t)(conc_load_u64(&q->head, SC) - T) <= 0);
            if (!usable)
                break; /* a dequeuer passed this position: take a new one */
            if (conc_cas_u64(slot, &E, (tcyc << cs) | safe | idx, SC, SC)) {
                int64_t full = threshold_full(r);
                if ((int64_t)conc_load_u64(&q->threshold, SC) != full)
                    conc_store_u64(&q->threshold, (uint64_t)full, SC);
                return true;
            }
            /* The entry changed under us; E holds what it is now. */
        }
    }
}

/* Is a finished enqueue waiting in [Head, Tail)?  Loads only: no position
 * is taken, so a poller of an empty ring never spoils a slow enqueuer's
 * position.  Bounded by R entries (more would wrap onto the same entries).
 * False means: when Tail was loaded, no finished enqueue was in [Head,
 * Tail) (positions below Head belong to dequeuers in flight), so "empty"
 * may be answered at that moment. */
static bool iring_item_ahead(conc_ring *r, struct iring *q, conc_atomic_u64 *ent)
{
    const uint64_t bot = ring_bot(r);
    const unsigned cs = ring_cshift(r);
    uint64_t h = conc_load_u64(&q->head, SC);
    uint64_t t = conc_load_u64(&q->tail, SC) & ~CLOSED_BIT;
    if ((int64_t)(t - h) <= 0)
        return false;
    uint64_t n = t - h < ring_R(r) ? t - h : ring_R(r);
    for (uint64_t p = h; p != h + n; p++) {
        uint64_t E = conc_load_u64(&ent[remap(r, p)], SC);
        if ((E >> cs) == pos_cycle(r, p) && (E & bot) != bot)
            return true;
    }
    /* "Nothing ahead" holds at the moment Tail was loaded only if no
     * dequeuer took a position during the scan: one that did may have
     * taken an item we had not reached yet, while a newer one lands past
     * the Tail we loaded.  Then say "maybe" and let the loop look. */
    return conc_load_u64(&q->head, SC) != h;
}

/* `drain`: ignore the threshold and stop only when Head has passed Tail.
 * Used after close, when "empty" must mean that every position an enqueuer
 * was given has been visited by a dequeuer: then no enqueue can still land
 * (each one either was taken or was refused its entry and saw CLOSED_BIT).
 *
 * The threshold is a hint, never the answer (issue 8, defect 3).  SCQ
 * decrements it after a failed position, so a dequeuer delayed between its
 * failure and its decrement spends budget that a later enqueue's reset gave
 * to *its* item: about 3n such dequeuers drive it negative while the item is
 * in the ring, and the paper's "threshold < 0: return empty" then answers
 * EMPTY (here, for fq: FULL) forever.  So:
 *   - at the entry, a negative threshold answers false only if no finished
 *     enqueue waits in [Head, Tail) (iring_item_ahead, loads only); if one
 *     does, the budget is restored and the dequeue goes on;
 *   - in the loop, a spent budget answers false only once this dequeuer has
 *     been handed a position at or past the Tail it saw when the budget ran
 *     out (every position issued before then has been visited) and, again,
 *     no finished enqueue waits ahead.  The first bound (Tail - H positions
 *     at most) keeps the paper's livelock fix: no dequeuer chases enqueuers
 *     for ever; past it, each further round needs a finished enqueue.
 * The paper's exact exit (Tail <= H + 1: nothing issued past us) is kept. */
static bool iring_dequeue(conc_ring *r, struct iring *q, conc_atomic_u64 *ent,
                          uint64_t *idx, bool drain)
{
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    if (!drain) {
        uint64_t th = conc_load_u64(&q->threshold, SC);
        if ((int64_t)th < 0) {
            if (!iring_item_ahead(r, q, ent))
                return false;
            /* Pairs with the enqueue's reset: whichever comes second
             * leaves the threshold at 3n-1. */
            conc_cas_u64(&q->threshold, &th, (uint64_t)threshold_full(r), SC, SC);
        }
    }
    bool spent = false;
    uint64_t stop_at = 0;
    for (;;) {
        uint64_t H = conc_fetch_add_u64(&q->head, 1, SC);
        uint64_t hcyc = pos_cycle(r, H);
        conc_atomic_u64 *slot = &ent[remap(r, H)];
        uint64_t E = conc_load_u64(slot, SC);
        for (;;) {
            uint64_t ecyc = E >> cs;
            if (ecyc == hcyc) {
                /* Ours: mark it empty, keeping its cycle and safe bit (a later
                 * dequeuer may be clearing `safe` concurrently). */
                conc_fetch_or_u64(slot, bot, SC);
                *idx = E & bot;
                return true;
            }
            if (!cycle_lt(r, ecyc, hcyc))
                break; /* already stamped by a later cycle */
            uint64_t ne = (E & bot) == bot ? (hcyc << cs) | (E & safe) | bot
                                           : E & ~safe;
            if (conc_cas_u64(slot, &E, ne, SC, SC))
                break;
        }
        uint64_t T = conc_load_u64(&q->tail, SC);
        if ((int64_t)((T & ~CLOSED_BIT) - (H + 1)) <= 0) {
            catchup(&q->tail, &q->head, T, H + 1);
            conc_fetch_sub_u64(&q->threshold, 1, SC);
            return false;
        }
        if ((int64_t)conc_fetch_sub_u64(&q->threshold, 1, SC) <= 0 && !drain) {
            if (!spent) {
                spent = true;
                stop_at = T & ~CLOSED_BIT;
            }
            if ((int64_t)(H + 1 - stop_at) >= 0) {
                /* Every position issued before the budget ran out has been
                 * visited; later ones may hold finished items (the budget
                 * may have been spent by late decrements).  Answer "empty"
                 * only if none waits ahead; else restore the budget and go
                 * on.  Each restore needs a finished enqueue, so a dequeuer
                 * that keeps going means enqueues keep completing: still
                 * lock-free. */
                if (!iring_item_ahead(r, q, ent))
                    return false;
                uint64_t th = conc_load_u64(&q->threshold, SC);
                if ((int64_t)th < 0)
                    conc_cas_u64(&q->threshold, &th,
                                 (uint64_t)threshold_full(r), SC, SC);
                spent = false;
            }
        }
    }
}

/* ---- construction ------------------------------------------------------- */

static bool capacity_ok(size_t capacity)
{
    return capacity >= 1 && capacity <= CONC_RING_MAX_CAPACITY;
}

/* Index rings have at least 2^3 = 8 slots (R = 16 entries, two cache lines),
 * whatever the capacity: fq's initial fill, not the ring size, is what keeps
 * the capacity exact.  With n = 1 (R = 2) our stress tests found the free
 * ring losing its only slot under heavy preemption (see docs/ring.md); SCQ's
 * reference implementation never uses rings that small either. */
#define MIN_ORDER 3

/* Largest message conc_shmring accepts (checked there too). */
#define MAX_MSG ((size_t)1 << 20)

static unsigned order_for(size_t capacity)
{
    unsigned order = MIN_ORDER;
    while (((size_t)1 << order) < capacity)
        order++;
    return order;
}

static size_t msg_stride(size_t msg_size)
{
    return (msg_size + 7) & ~(size_t)7;
}

size_t conc__ring_footprint(size_t capacity, size_t msg_size)
{
    if (!capacity_ok(capacity) || msg_size > MAX_MSG)
        return 0;
    size_t R = (size_t)2 << order_for(capacity);
    /* 2R entries of 8 bytes, then capacity data words, then the messages. */
    size_t words = conc_size_mul_add(R, 2, capacity);
    if (!words)
        return 0;
    size_t bytes = conc_size_mul_add(words, sizeof(conc_atomic_u64),
                                     sizeof(struct conc_ring));
    if (!bytes)
        return 0;
    return conc_size_mul_add(capacity, msg_stride(msg_size), bytes);
}

size_t conc_ring_footprint(size_t capacity)
{
    return conc__ring_footprint(capacity, 0);
}

static unsigned char *ring_msgs(conc_ring *r)
{
    return (unsigned char *)(r->words + 2 * ring_R(r) + r->u.g.capacity);
}

static void iring_init(struct iring *q, uint64_t R, int64_t threshold,
                       uint64_t count)
{
    conc_init_u64(&q->head, R);
    conc_init_u64(&q->tail, R + count);
    conc_init_u64(&q->threshold, (uint64_t)threshold);
}

conc_status conc__ring_init(void *mem, size_t size, size_t capacity,
                            unsigned flags, size_t msg_size)
{
    size_t need = conc__ring_footprint(capacity, msg_size);
    if (!mem || !need || size < need || !conc_is_aligned(mem, CONC_ALIGN) ||
        (flags & ~CONC_FLAGS_ALL))
        return CONC_EINVAL;
    conc_ring *r = mem;
    r->u.g.capacity = capacity;
    r->u.g.msg_size = msg_size;
    r->u.g.order = order_for(capacity);
    conc_ws_init(&r->ws, flags);
    const uint64_t R = ring_R(r), cs = ring_cshift(r);
    const uint64_t empty0 = ring_safe(r) | ring_bot(r); /* cycle 0, safe, BOT */
    iring_init(&r->aq, R, -1, 0);
    iring_init(&r->fq, R, threshold_full(r), capacity);
    conc_atomic_u64 *a = aq_entries(r), *f = fq_entries(r);
    for (uint64_t i = 0; i < R; i++) {
        conc_init_u64(&a[i], empty0);
        conc_init_u64(&f[i], empty0);
    }
    /* fq starts full: positions R .. R+capacity-1 (cycle 1) hold 0..cap-1. */
    for (uint64_t i = 0; i < capacity; i++)
        conc_init_u64(&f[remap(r, R + i)], ((uint64_t)1 << cs) | ring_safe(r) | i);
    conc_atomic_uptr *d = ring_data(r);
    for (uint64_t i = 0; i < capacity; i++)
        conc_init_uptr(&d[i], 0);
    if (msg_size)
        memset(ring_msgs(r), 0, capacity * msg_stride(msg_size));
    /* Publish the initialised ring to threads that receive the pointer
     * through a relaxed channel. */
    conc_fence(CONC_RELEASE);
    return CONC_OK;
}

conc_status conc_ring_init(void *mem, size_t size, size_t capacity,
                           unsigned flags)
{
    if (flags & ~CONC_FLAGS_ALL)
        return CONC_EINVAL;
    return conc__ring_init(mem, size, capacity, flags, 0);
}

conc_status conc_ring_fini(conc_ring *ring)
{
    if (!ring)
        return CONC_EINVAL;
    conc_ws_fini(&ring->ws);
    return CONC_OK;
}

conc_ring *conc_ring_new(size_t capacity, unsigned flags)
{
    return conc_heap_new(conc_ring_footprint(capacity),
                         conc_ring_init, capacity, flags);
}

void conc_ring_free(conc_ring *ring)
{
    if (!ring)
        return;
    conc_ring_fini(ring);
    free(ring);
}

/* ---- operations --------------------------------------------------------- */

/* The one push: `msg` (message mode) or `item`. */
static conc_status ring_put(conc_ring *r, const void *msg, void *item)
{
    conc_waitset *w = &r->ws;
    /* Once close has begun, look at the closed bit (the one authority)
     * before taking a position, so that pushes after close do not keep
     * moving Tail while pops drain.  Costs nothing while open. */
    if (conc_ws_is_closed(w) && (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT))
        return CONC_CLOSED;
    conc_ws_will_push(w);
    conc_status st = CONC_FULL;
    uint64_t idx;
    if (!iring_dequeue(r, &r->fq, fq_entries(r), &idx, false)) {
        if (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT)
            st = CONC_CLOSED;
        goto fail;
    }
    /* Published by the aq entry CAS in iring_enqueue (seq_cst, so release);
     * the popper's seq_cst load of that entry acquires it. */
    if (r->u.g.msg_size)
        memcpy(ring_msgs(r) + idx * msg_stride(r->u.g.msg_size), msg,
               r->u.g.msg_size);
    else
        conc_store_uptr(&ring_data(r)[idx], (uintptr_t)item, CONC_RELAXED);
    if (!iring_enqueue(r, &r->aq, aq_entries(r), idx)) {
        /* Closed under us: the slot goes back, the item stays ours. */
        iring_enqueue(r, &r->fq, fq_entries(r), idx);
        st = CONC_CLOSED;
        goto fail;
    }
    conc_ws_push_landed(w);
    conc_ws_pushed(w, 1);
    return CONC_OK;
fail:
    conc_ws_unpush(w);
    return st;
}

/* The one pop: into `out` (message mode) or *item. */
static conc_status ring_get(conc_ring *r, void *out, void **item)
{
    conc_waitset *w = &r->ws;
    uint64_t idx;
    if (!iring_dequeue(r, &r->aq, aq_entries(r), &idx, false) &&
        !(conc_ws_rearm(w) &&
          iring_dequeue(r, &r->aq, aq_entries(r), &idx, false))) {
        if (!(conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT))
            return CONC_EMPTY;
        /* Closed: CONC_CLOSED only once every position handed to an
         * enqueuer has been visited; until then keep taking. */
        for (;;) {
            uint64_t h = conc_load_u64(&r->aq.head, SC);
            uint64_t t = conc_load_u64(&r->aq.tail, SC) & ~CLOSED_BIT;
            if ((int64_t)(h - t) >= 0)
                return CONC_CLOSED;
            if (iring_dequeue(r, &r->aq, aq_entries(r), &idx, true))
                break;
        }
    }
    /* Ordered after the aq entry load that handed us idx, and before the
     * fq entry CAS that hands the slot to the next producer. */
    if (r->u.g.msg_size)
        memcpy(out, ring_msgs(r) + idx * msg_stride(r->u.g.msg_size),
               r->u.g.msg_size);
    else
        *item = (void *)conc_load_uptr(&ring_data(r)[idx], CONC_RELAXED);
    iring_enqueue(r, &r->fq, fq_entries(r), idx);
    conc_ws_popped(w, 1);
    return CONC_OK;
}

conc_status conc_ring_push(conc_ring *ring, void *item)
{
    if (!ring || ring->u.g.msg_size)
        return CONC_EINVAL;
    return ring_put(ring, NULL, item);
}

conc_status conc_ring_pop(conc_ring *ring, void **item)
{
    if (!ring || !item || ring->u.g.msg_size)
        return CONC_EINVAL;
    return ring_get(ring, NULL, item);
}

conc_status conc__ring_put(conc_ring *r, const void *msg)
{
    return ring_put(r, msg, NULL);
}

conc_status conc__ring_get(conc_ring *r, void *out)
{
    return ring_get(r, out, NULL);
}

conc_waitset *conc__ring_ws(conc_ring *r) { return &r->ws; }
size_t conc__ring_msg_size(const conc_ring *r) { return (size_t)r->u.g.msg_size; }

void conc__ring_close(conc_ring *r)
{
    conc_ws_mark_closed(&r->ws);
    /* Every closer sets the bit (idempotent), so close has taken effect
     * when any close returns. */
    conc_fetch_or_u64(&r->aq.tail, CLOSED_BIT, SC);
}

bool conc__ring_is_closed(const conc_ring *r)
{
    return (conc_load_u64(&((conc_ring *)r)->aq.tail, SC) & CLOSED_BIT) != 0;
}

CONC_EACH_BATCH(ring, conc_ring)

size_t conc_ring_len(const conc_ring *ring)
{
    if (!ring)
        return 0;
    conc_ring *r = (conc_ring *)ring;
    /* Read head first: tail only grows, so tail - head is never understated
     * by the race between the two loads, then clamp. */
    uint64_t h = conc_load_u64(&r->aq.head, SC);
    uint64_t t = conc_load_u64(&r->aq.tail, SC) & ~CLOSED_BIT;
    int64_t d = (int64_t)(t - h);
    if (d <= 0)
        return 0;
    return (uint64_t)d > r->u.g.capacity ? r->u.g.capacity : (size_t)d;
}

size_t conc_ring_capacity(const conc_ring *ring)
{
    return ring ? (size_t)ring->u.g.capacity : 0;
}

/* ---- waiting, closing, joining (include/conc/wait.h) -------------------- */

static conc_waitset *ring_ws_(conc_ring *r) { return &r->ws; }
static conc_status ring_close_(conc_ring *r)
{
    conc__ring_close(r);
    return CONC_OK;
}
static bool ring_closed_(conc_ring *r) { return conc__ring_is_closed(r); }

CONC_WS_FAMILY(ring, conc_ring)
