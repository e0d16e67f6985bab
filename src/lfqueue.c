/*
 * lfqueue.c - conc_lfqueue: unbounded lock-free MPMC FIFO (contract and
 * citations in include/conc/lfqueue.h).
 *
 * A segment is SEG_BYTES of one mmap: two indices, a `next` pointer, and
 * SLOTS slots of {state, value}.  Positions in a segment are handed out by
 * fetch-and-add, once each:
 *
 *   push: i = FAA(enq); write value; CAS state EMPTY -> FULL.
 *         i >= SLOTS: the segment is full; follow or append `next`.
 *   pop:  j = FAA(deq); load state: FULL: the item is ours (only the one
 *         consumer given j ever reads slot j, and its producer is done with
 *         it); EMPTY: s = XCHG(state, TAKEN); s == FULL: the producer
 *         arrived just now, the item is ours; s == EMPTY: its producer is
 *         late; it will fail its CAS and take a new position.
 *         Before the FAA, a pop decides whether anything is left here:
 *         deq >= min(enq, SLOTS): nothing: if `next` is set, swing head
 *         past this segment and retire it.  That test reads enq, the line
 *         every push writes, so it is skipped while the slot at deq is
 *         already FULL (its producer took position deq, so enq > deq: not
 *         visited out); the hint only ever sends a pop on to its FAA, which
 *         is always safe (at worst it spends a position, as a pop racing a
 *         push always could); EMPTY and CLOSED are decided as before.
 *
 * Appending: the producer that finds a full segment with next == 0 takes a
 * segment from the pool (below) or maps a new one, puts its own item in
 * slot 0 and CASes it into `next` (so an append always completes a push);
 * whoever sees `next` set swings `tail` forward.  Closing: set CLOSED in
 * the last segment's enq (every later FAA sees it, like a full segment) and
 * CAS its next from 0 to SEALED; if an append won that race, close the
 * appended segment too.  Only a push whose FAA found the segment full
 * (without the bit) appends: one that finds the bit CASes next from 0 to
 * SEALED itself and answers CLOSED, so every segment but the last is full
 * and len is exact when quiescent.  A pop that finds a visited-out segment whose next
 * is SEALED answers CONC_CLOSED: every position a producer was given has
 * been visited by a consumer, so nothing pushed with CONC_OK is left
 * behind.
 *
 * Hazard pointers (src/hp.c), kept set between operations: slot HP_HEAD
 * protects the segment pops work in, slot HP_TAIL the one pushes work in,
 * each published by conc__hp_protect_cached, which stores (a full fence)
 * only when head or tail has moved since this thread's last operation, so
 * an operation that stays in its segment publishes nothing.  A thread
 * thereby keeps at most the two segments it last worked in from being
 * reused until its next operation on an lfqueue, or its exit.
 *
 * The pool: one spare segment per queue.  The pop that swings head past a
 * segment puts it there (CAS from 0), or retires it to the hazard pointers
 * (unmapped once no slot holds it) if the pool is taken.  An appending
 * push takes the spare (exchange with 0) and reuses it only if no hazard
 * slot holds it (conc__hp_held, after the unlink: the scan's side of the
 * Dekker pairing); if one does (a thread last worked in it before its
 * retire), the spare is retired to the hazard pointers (a sticky slot may
 * hold it for as long as its idle thread lives: put back, it would keep
 * the pool taken, and every later segment would be mapped and unmapped)
 * and the push maps a fresh one; the next drained segment refills the
 * pool.  A reused segment is reset
 * (indices 0, every state EMPTY, next 0) before the CAS that links it.  So
 * a queue in steady flow maps nothing: two segments take turns.
 *
 * Real batches (push_many, pop_many; "real batches" below): up to 64
 * positions of a segment claimed with one fetch-and-add on enq or deq, as
 * DPDK's rte_ring bulk and burst calls; every claimed slot then goes
 * through the protocol above.  Linearization: each item is its own
 * operation, linearized where the single push or pop of that position
 * would be (the batch is k operations whose fetch-and-adds fell together),
 * not the batch as one step: other threads' items may interleave a batch,
 * and a consumer may take a batch's first item before its last is in.  A
 * producer's items keep their order (a refused item takes a later
 * position), and a batch pop returns every item it took.
 *
 * Orders: every index, state and pointer operation is seq_cst (the waiting
 * argument in src/internal/waitset.h needs it, and on x86 RMWs are full
 * barriers anyway, seq_cst loads plain loads); the value is relaxed,
 * published by the state CAS and read after the state load or exchange; a
 * reused segment's reset is relaxed, published by the CAS of `next`.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/lfqueue.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal/alloc.h"
#include "internal/atomics.h"
#include "internal/container.h"
#include "internal/hp.h"
#include "internal/lfqueue_impl.h"
#include "internal/pad.h"
#include "internal/waitset.h"

#define SC CONC_SEQ_CST
#define SEG_BYTES CONC__LFQ_SEG_BYTES
#define SLOTS CONC__LFQ_SLOTS
#define BATCH_MAX CONC__LFQ_BATCH_MAX
#define CLOSED ((uint64_t)1 << 63)
#define SEALED ((uintptr_t)1)

enum { EMPTY = 0, FULL = 1, TAKEN = 2 };
enum { HP_HEAD = 0, HP_TAIL = 1 }; /* hazard slots: pops', pushes' */

/* The segment's layout: src/internal/lfqueue_impl.h (SLOTS: 504, or the
 * verify builds' CONC_LFQUEUE_SEG_SLOTS, a few slots per segment so that
 * segment boundaries come within a few pushes; never in libconc). */
#define seg conc__lfq_seg

struct conc_lfqueue {
    conc_waitset ws;
    CONC_PADDED(conc_atomic_uptr, head);
    CONC_PADDED(conc_atomic_uptr, tail);
    CONC_PADDED(conc_atomic_u64, segments); /* linked, not yet retired */
    conc_atomic_uptr spare;                 /* the pool: 0 or a segment */
    conc_atomic_u32 sealed;                 /* 1 once a close has sealed */
};

/* ---- segments ----------------------------------------------------------- */

/* A fresh mapping.  `populate` (appends): MAP_POPULATE, so that the pages
 * come zeroed in the one call instead of a page fault each on first touch;
 * not for the queue's first segments, which an empty queue should not make
 * resident. */
static void *seg_map(bool populate)
{
    void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0),
                   -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

static struct seg *seg_new(bool populate)
{
    struct seg *g = seg_map(populate);
    if (!g)
        return NULL;
    /* Fresh anonymous pages are zero: every slot EMPTY, indices 0, next 0.
     * atomic_init is still the honest way to start an atomic's life. */
    conc_init_u64(&g->enq, 0);
    conc_init_u64(&g->deq, 0);
    conc_init_uptr(&g->next, 0);
    return g;
}

static void seg_free(void *p)
{
    munmap(p, SEG_BYTES);
}

static struct seg *seg_of(uintptr_t v)
{
    return (struct seg *)v;
}

/* A segment no thread can reach or hold, made as new: relaxed stores,
 * published by the seq_cst CAS that links it. */
static void seg_reset(struct seg *g)
{
    for (size_t i = 0; i < SLOTS; i++)
        conc_store_u64(&g->slots[i].state, EMPTY, CONC_RELAXED);
    conc_store_u64(&g->enq, 0, CONC_RELAXED);
    conc_store_u64(&g->deq, 0, CONC_RELAXED);
    conc_store_uptr(&g->next, 0, CONC_RELAXED);
}

/* g has just been unlinked (head and tail are past it) and this thread's
 * slots do not hold it: into the pool, else to the hazard pointers. */
static void pool_put(conc_lfqueue *q, conc__hp_rec *rec, struct seg *g)
{
    uintptr_t exp = 0;
    if (conc_cas_uptr(&q->spare, &exp, (uintptr_t)g, SC, SC))
        return;
    conc__hp_retire(rec, g, seg_free);
}

/* A segment for an append: the pool's spare if no hazard holds it, else a
 * new mapping; NULL if none can be mapped. */
static struct seg *seg_get(conc_lfqueue *q, conc__hp_rec *rec)
{
    if (conc_load_uptr(&q->spare, SC) != 0) {
        struct seg *g = seg_of(conc_exchange_uptr(&q->spare, 0, SC));
        if (g && !conc__hp_held(g)) {
            seg_reset(g);
            return g;
        }
        if (g)
            conc__hp_retire(rec, g, seg_free); /* held: free the pool */
    }
    return seg_new(true);
}

/* A segment taken for an append that lost its CAS (never linked): back to
 * the pool, else unmapped at once (no thread ever saw it). */
static void seg_discard(conc_lfqueue *q, struct seg *g)
{
    uintptr_t exp = 0;
    if (!conc_cas_uptr(&q->spare, &exp, (uintptr_t)g, SC, SC))
        seg_free(g);
}

/* ---- construction ------------------------------------------------------- */

size_t conc_lfqueue_footprint(void)
{
    return sizeof(struct conc_lfqueue);
}

conc_status conc_lfqueue_init(void *mem, size_t size, unsigned flags)
{
    /* CONC_SHARED is refused: segments are this process's private mappings
     * and head/tail/hazard pointers are addresses, so the queue cannot live
     * in memory shared between processes (include/conc/lfqueue.h). */
    if (!mem || size < sizeof(struct conc_lfqueue) ||
        !conc_is_aligned(mem, CONC_ALIGN) ||
        (flags & ~(CONC_FLAGS_ALL & ~CONC_SHARED)))
        return CONC_EINVAL;
    struct seg *g = seg_new(false);
    if (!g)
        return CONC_ENOMEM;
    conc_lfqueue *q = mem;
    conc__ws_init(&q->ws, flags);
    conc_init_uptr(&q->head, (uintptr_t)g);
    conc_init_uptr(&q->tail, (uintptr_t)g);
    conc_init_u64(&q->segments, 1);
    /* The pool starts full: an empty queue holds two segments, so one that
     * has drained holds what it held when new (the last segment and the
     * spare left by the last retire; conc_lfqueue_memory, conc-bench
     * --memory).  Without memory for it the queue starts with an empty
     * pool. */
    conc_init_uptr(&q->spare, (uintptr_t)seg_map(false));
    conc_init_u32(&q->sealed, 0);
    conc_fence(CONC_RELEASE);
    return CONC_OK;
}

conc_status conc_lfqueue_fini(conc_lfqueue *q)
{
    if (!q)
        return CONC_EINVAL;
    uintptr_t p = conc_load_uptr(&q->head, CONC_ACQUIRE);
    while (p != 0 && p != SEALED) {
        uintptr_t next = conc_load_uptr(&seg_of(p)->next, CONC_ACQUIRE);
        seg_free(seg_of(p));
        p = next;
    }
    uintptr_t sp = conc_exchange_uptr(&q->spare, 0, CONC_ACQUIRE);
    if (sp)
        seg_free(seg_of(sp));
    conc_store_uptr(&q->head, 0, CONC_RELAXED);
    conc_store_uptr(&q->tail, 0, CONC_RELAXED);
    conc__ws_fini(&q->ws);
    return CONC_OK;
}

static conc_status init_fn(void *mem, size_t size, size_t unused, unsigned flags)
{
    (void)unused;
    return conc_lfqueue_init(mem, size, flags);
}

conc_lfqueue *conc_lfqueue_new(unsigned flags)
{
    return conc_heap_new(conc_lfqueue_footprint(), init_fn, 0, flags);
}

void conc_lfqueue_free(conc_lfqueue *q)
{
    if (!q)
        return;
    conc_lfqueue_fini(q);
    free(q);
}

/* ---- push --------------------------------------------------------------- */

/* The FAA of a push found g full or closed (it returned i, having taken k
 * positions: 1, or a batch's): give the positions taken after the close
 * bit back, then follow `next`, answer
 * CLOSED at the seal, or append a segment holding the item.  True when the
 * push is over (*st says how), false to try again from the tail.  *spare
 * keeps a segment taken for an append whose CAS was lost.  Out of line, so
 * that the fast path stays small. */
static __attribute__((noinline)) bool push_past(conc_lfqueue *q,
                                                conc__hp_rec *rec, void *item,
                                                struct seg *g, uint64_t i,
                                                uint64_t k, struct seg **spare,
                                                conc_status *st)
{
    /* A position taken after the close bit is given back, so enq keeps
     * counting only real positions (len and the pops' emptiness test read
     * it).  And a push that finds the bit never appends: it seals g itself
     * (the close it saw has begun, so CLOSED is right: close may be
     * linearized at this seal, or, if close has returned meanwhile, the
     * CAS finds SEALED) or, if g already has a successor, moves on to it.  Appending
     * there would leave g part-filled behind the new segment, which the
     * closer then marks in turn, and so on for as long as pushes beat it
     * to the seal: len counts every segment between head and tail as
     * full, so each such link overstated it by up to a segment's worth
     * (fuzz_concurrent: len 4048 with at most 1280 items; test_races.c,
     * lfqueue_len_close_chain). */
    if (i & CLOSED) {
        conc_fetch_sub_u64(&g->enq, k, SC); /* the k positions the FAA took */
        uintptr_t exp = 0;
        if (conc_cas_uptr(&g->next, &exp, SEALED, SC, SC) || exp == SEALED) {
            *st = CONC_CLOSED;
            return true;
        }
        uintptr_t t = (uintptr_t)g;
        conc_cas_uptr(&q->tail, &t, exp, SC, SC);
        return false;
    }
    uintptr_t next = conc_load_uptr(&g->next, SC);
    if (next == SEALED) {
        *st = CONC_CLOSED;
        return true;
    }
    if (next != 0) {
        uintptr_t exp = (uintptr_t)g;
        conc_cas_uptr(&q->tail, &exp, next, SC, SC);
        return false;
    }
    struct seg *n = *spare;
    if (!n && !(n = *spare = seg_get(q, rec))) {
        *st = CONC_ENOMEM;
        return true;
    }
    /* Our item goes in first, so linking the segment is our push. */
    conc_store_uptr(&n->slots[0].value, (uintptr_t)item, CONC_RELAXED);
    conc_store_u64(&n->slots[0].state, FULL, CONC_RELAXED);
    conc_store_u64(&n->enq, 1, CONC_RELAXED);
    uintptr_t exp = 0;
    if (conc_cas_uptr(&g->next, &exp, (uintptr_t)n, SC, SC)) {
        conc_fetch_add_u64(&q->segments, 1, CONC_RELAXED);
        uintptr_t t = (uintptr_t)g;
        conc_cas_uptr(&q->tail, &t, (uintptr_t)n, SC, SC);
        *spare = NULL;
        *st = CONC_OK;
        return true;
    }
    /* Someone else linked (or sealed) first: undo and look again. */
    conc_store_u64(&n->slots[0].state, EMPTY, CONC_RELAXED);
    conc_store_u64(&n->enq, 0, CONC_RELAXED);
    return false;
}

/* One push attempt loop; the hazard slot HP_TAIL stays set. */
static conc_status push_one(conc_lfqueue *q, conc__hp_rec *rec, void *item)
{
    struct seg *spare = NULL; /* a segment we failed to link */
    conc_status st;
    for (;;) {
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_TAIL, &q->tail));
        uint64_t i = conc_fetch_add_u64(&g->enq, 1, SC);
        if (__builtin_expect(!(i & CLOSED) && i < SLOTS, 1)) {
            conc_store_uptr(&g->slots[i].value, (uintptr_t)item, CONC_RELAXED);
            uint64_t e = EMPTY;
            if (conc_cas_u64(&g->slots[i].state, &e, FULL, SC, SC)) {
                st = CONC_OK;
                break;
            }
            continue; /* a consumer passed this slot first: take another */
        }
        /* Full or closed: move on. */
        if (push_past(q, rec, item, g, i, 1, &spare, &st))
            break;
    }
    if (__builtin_expect(spare != NULL, 0))
        seg_discard(q, spare);
    return st;
}

conc_status conc_lfqueue_push(conc_lfqueue *q, void *item)
{
    if (!q)
        return CONC_EINVAL;
    /* Close takes effect at one point, the seal; `sealed` is set after it,
     * so answering CLOSED from it is exact, and it keeps pushes after close
     * from moving the sealed segment's enq (which len() reads). */
    if (conc_load_u32(&q->sealed, SC))
        return CONC_CLOSED;
    conc__hp_rec *rec = conc__hp_self();
    if (!rec)
        return CONC_ENOMEM;
    unsigned fl = q->ws.u.s.flags; /* read-only after init */
    conc__ws_will_push_f(&q->ws, fl);
    conc_status st = push_one(q, rec, item);
    if (st != CONC_OK) {
        conc__ws_unpush_f(&q->ws, fl);
        return st;
    }
    conc__ws_push_landed_f(&q->ws, fl);
    conc__ws_pushed_f(&q->ws, fl, 1);
    return CONC_OK;
}

/* ---- pop ---------------------------------------------------------------- */

/* Has every position of g handed to a producer been handed to a consumer?
 * deq is loaded first, then enq: at the moment enq is loaded, the d
 * consumer positions were already given out, so d >= e says that at that
 * one moment no producer position was left unvisited (the queue held
 * nothing here then, but for items a consumer in flight already owns).
 * Loading enq first would compare two moments: slots filled and drained
 * between the loads would make a queue that never was empty look empty. */
static bool seg_visited_out(struct seg *g)
{
    uint64_t d = conc_load_u64(&g->deq, SC);
    uint64_t e = conc_load_u64(&g->enq, SC) & ~CLOSED;
    if (e > SLOTS)
        e = SLOTS;
    return d >= e;
}

/* Inlined into conc_lfqueue_pop; the second look after an fd rearm calls
 * the out-of-line copy, pop_again. */
static inline __attribute__((always_inline)) conc_status
pop_one(conc_lfqueue *q, conc__hp_rec *rec, void **item)
{
    for (;;) {
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_HEAD, &q->head));
        /* The hint (top of file): the slot at deq FULL means enq > deq. */
        uint64_t d = conc_load_u64(&g->deq, SC);
        if ((d >= SLOTS || conc_load_u64(&g->slots[d].state, SC) != FULL) &&
            seg_visited_out(g)) {
            /* Every position handed to a producer so far has been visited:
             * if nothing follows, the queue was empty when enq was loaded. */
            uintptr_t next = conc_load_uptr(&g->next, SC);
            if (next == 0)
                return CONC_EMPTY;
            /* A successor or the seal means g takes no new real positions:
             * `next` is set only by a producer whose FAA found g full or
             * CLOSED (append), or by close after it set CLOSED (seal), and
             * every later FAA sees the same.  But the view above may be
             * older than that: pushes may have filled g between it and the
             * load of `next` (a stale d >= e would let a pop retire a full
             * segment, or answer CLOSED over an item: verify/test_races.c,
             * lfqueue_close_append_loses_segment, lfqueue_pop_closed_with_items).  So
             * decide on enq and deq loaded after `next`, which cover every
             * real position g will ever have. */
            if (!seg_visited_out(g))
                continue;
            if (next == SEALED)
                return CONC_CLOSED;
            /* Tail first: a retired segment must be unreachable from both
             * ends (Michael & Scott's dequeue does the same). */
            uintptr_t exp = (uintptr_t)g;
            conc_cas_uptr(&q->tail, &exp, next, SC, SC);
            exp = (uintptr_t)g;
            if (conc_cas_uptr(&q->head, &exp, next, SC, SC)) {
                conc_fetch_sub_u64(&q->segments, 1, CONC_RELAXED);
                conc__hp_clear(rec, HP_HEAD);
                pool_put(q, rec, g);
            }
            continue;
        }
        uint64_t j = conc_fetch_add_u64(&g->deq, 1, SC);
        if (j >= SLOTS)
            continue;
        /* Slot j is ours alone: a FULL state is final, no RMW needed. */
        uint64_t s = conc_load_u64(&g->slots[j].state, SC);
        if (s != FULL)
            s = conc_exchange_u64(&g->slots[j].state, TAKEN, SC);
        if (s == FULL) {
            *item = (void *)conc_load_uptr(&g->slots[j].value, CONC_RELAXED);
            return CONC_OK;
        }
        /* Its producer has not arrived: it will take another slot. */
    }
}

static __attribute__((noinline, cold)) conc_status
pop_again(conc_lfqueue *q, conc__hp_rec *rec, void **item)
{
    return pop_one(q, rec, item);
}

conc_status conc_lfqueue_pop(conc_lfqueue *q, void **item)
{
    if (!q || !item)
        return CONC_EINVAL;
    conc__hp_rec *rec = conc__hp_self();
    if (!rec)
        return CONC_ENOMEM;
    unsigned fl = q->ws.u.s.flags; /* read-only after init */
    conc_status st = pop_one(q, rec, item);
    if (st == CONC_EMPTY && conc__ws_rearm_f(&q->ws, fl) &&
        (st = pop_again(q, rec, item)) == CONC_OK)
        conc__ws_refire_fd(&q->ws);
    if (st == CONC_OK)
        conc__ws_popped_f(&q->ws, fl, 1);
    return st;
}

/* ---- observers ---------------------------------------------------------- */

size_t conc_lfqueue_len(const conc_lfqueue *cq)
{
    if (!cq)
        return 0;
    conc_lfqueue *q = (conc_lfqueue *)cq;
    conc__hp_rec *rec = conc__hp_self();
    if (!rec)
        return 0;
    /* Items between head's deq and tail's enq: the segments in between are
     * full.  Walk from head to tail (both protected) counting whole
     * segments; an approximation while operations run. */
    struct seg *h = seg_of(conc__hp_protect_cached(rec, HP_HEAD, &q->head));
    struct seg *t = seg_of(conc__hp_protect_cached(rec, HP_TAIL, &q->tail));
    uint64_t d = conc_load_u64(&h->deq, SC);
    uint64_t e = conc_load_u64(&t->enq, SC) & ~CLOSED;
    uint64_t segs = conc_load_u64(&q->segments, SC);
    if (e > SLOTS)
        e = SLOTS;
    if (d > SLOTS)
        d = SLOTS;
    uint64_t total = (segs > 1 ? (segs - 1) * SLOTS : 0) + e;
    if (h == t)
        total = e;
    return total > d ? (size_t)(total - d) : 0;
}

size_t conc_lfqueue_capacity(const conc_lfqueue *q)
{
    return q ? SIZE_MAX : 0;
}

size_t conc_lfqueue_memory(const conc_lfqueue *q)
{
    if (!q)
        return 0;
    conc_lfqueue *m = (conc_lfqueue *)q;
    uint64_t n = conc_load_u64(&m->segments, CONC_RELAXED) +
                 (conc_load_uptr(&m->spare, CONC_RELAXED) != 0);
    return (size_t)n * SEG_BYTES;
}

/* ---- real batches ------------------------------------------------------- */

/* push_many and pop_many claim up to BATCH_MAX positions of a segment with
 * one fetch-and-add on its enq or deq, as DPDK's rte_ring bulk and burst
 * calls move a ring's head by n at once (DPDK Programmer's Guide, "Ring
 * Library").  The algorithm allows it: positions are handed out by a
 * fetch-and-add and each is used once, so a batch that took positions
 * P..P+k-1 with one FAA is k pushes (or pops) that took them one after
 * another with no other FAA between; every slot then goes through the
 * single operation's own protocol (top of file), and each item is pushed
 * and popped by its own linearizable step, at the point the single push or
 * pop would have (other threads' items may interleave a batch; it is not
 * one atomic step).  A batch claims only positions this segment has:
 *
 *   push_many: FAA(enq, k).  Each claimed position below SLOTS takes the
 *         batch's next item (write value, CAS state EMPTY -> FULL); a
 *         position a consumer spoiled first (TAKEN) is passed over and the
 *         item takes the batch's next position, as a single push whose CAS
 *         failed takes a new one (always a later position: each
 *         producer's items stay in order).  Positions at or past SLOTS hold
 *         no slot (like a single push's FAA on a full segment).  Items
 *         left over go round again: the next FAA finds the segment full and
 *         the single push's slow path (push_past) follows `next` or appends
 *         a segment holding one item.  An FAA that finds CLOSED gives back
 *         its k positions (so enq counts only real ones) and goes the
 *         single push's way: seal, or move to the successor.
 *   pop_many: look first, as the single pop does: count the slots from
 *         deq on whose state is already FULL (each proves its producer
 *         took the position, so enq is past it, and an empty queue is not
 *         spoiled); claim that many with one FAA(deq, c); take each
 *         claimed slot as the single pop does (FULL: ours with a load;
 *         else exchange to TAKEN: FULL means the producer arrived just
 *         now, EMPTY that it is late and will take another position).  A
 *         claimed position is always visited, so no item is left in a slot
 *         no consumer will read.  When fewer than two slots look FULL
 *         (the segment's end, an empty queue, a producer in flight), one
 *         single pop decides, with its emptiness test, the swing of head,
 *         CLOSED and the fd's second look.
 *
 * Lock-free as the single operations: a round that places or takes
 * nothing has used up positions of a segment, which has SLOTS of them, and
 * an append always completes a push. */

static conc_status lfqueue_push_many(void *obj, void *const *items, size_t n,
                                     size_t *pushed)
{
    conc_lfqueue *q = obj;
    const unsigned fl = q->ws.u.s.flags; /* read-only after init */
    conc__hp_rec *rec = NULL;
    struct seg *spare = NULL; /* a segment we failed to link */
    size_t done = 0;
    conc_status st = CONC_OK;
    while (done < n) {
        /* As conc_lfqueue_push, every round: `sealed` answers CLOSED
         * exactly and keeps the sealed segment's enq still. */
        if (conc_load_u32(&q->sealed, SC)) {
            st = CONC_CLOSED;
            break;
        }
        if (!rec && !(rec = conc__hp_self())) {
            st = CONC_ENOMEM;
            break;
        }
        const uint64_t k = n - done < BATCH_MAX ? n - done : BATCH_MAX;
        conc__ws_will_push_n_f(&q->ws, fl, k);
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_TAIL, &q->tail));
        const uint64_t i0 = conc_fetch_add_u64(&g->enq, k, SC);
        uint64_t placed = 0;
        if (!(i0 & CLOSED) && i0 < SLOTS) {
            const uint64_t end = SLOTS - i0 < k ? SLOTS : i0 + k;
            for (uint64_t i = i0; i < end; i++) {
                void *item = items[done + placed];
                conc_store_uptr(&g->slots[i].value, (uintptr_t)item,
                                CONC_RELAXED);
                uint64_t e = EMPTY;
                if (conc_cas_u64(&g->slots[i].state, &e, FULL, SC, SC))
                    placed++;
                /* else a consumer passed this slot first: the item takes
                 * the next claimed position */
            }
        } else if (push_past(q, rec, items[done], g, i0, k, &spare, &st)) {
            if (st != CONC_OK) {
                conc__ws_unpush_n_f(&q->ws, fl, k);
                break;
            }
            placed = 1; /* appended, the item in the new segment's slot 0 */
        }
        conc__ws_push_landed_n_f(&q->ws, fl, placed);
        conc__ws_pushed_f(&q->ws, fl, placed);
        conc__ws_unpush_n_f(&q->ws, fl, k - placed);
        done += placed;
    }
    if (__builtin_expect(spare != NULL, 0))
        seg_discard(q, spare);
    if (pushed)
        *pushed = done;
    return st;
}

static conc_status lfqueue_pop_many(void *obj, void **out, size_t max,
                                    size_t *popped)
{
    conc_lfqueue *q = obj;
    const unsigned fl = q->ws.u.s.flags; /* read-only after init */
    conc__hp_rec *rec = max ? conc__hp_self() : NULL;
    size_t done = 0;
    conc_status st = max && !rec ? CONC_ENOMEM : CONC_OK;
    while (st == CONC_OK && done < max) {
        const uint64_t k = max - done < BATCH_MAX ? max - done : BATCH_MAX;
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_HEAD, &q->head));
        /* The look: slots from deq on already FULL. */
        const uint64_t d = conc_load_u64(&g->deq, SC);
        uint64_t c = 0;
        if (k > 1)
            while (c < k && d + c < SLOTS &&
                   conc_load_u64(&g->slots[d + c].state, SC) == FULL)
                c++;
        if (c < 2) {
            /* The single pop decides (as conc_lfqueue_pop); the batch
             * ends at its first EMPTY or CLOSED. */
            st = pop_again(q, rec, &out[done]);
            if (st == CONC_EMPTY && conc__ws_rearm_f(&q->ws, fl) &&
                (st = pop_again(q, rec, &out[done])) == CONC_OK)
                conc__ws_refire_fd(&q->ws);
            if (st == CONC_OK)
                done++;
            continue;
        }
        /* Other consumers may have moved deq since the look: positions
         * j0.. are ours all the same, and each is visited. */
        const uint64_t j0 = conc_fetch_add_u64(&g->deq, c, SC);
        const uint64_t end = j0 >= SLOTS ? j0 : SLOTS - j0 < c ? SLOTS : j0 + c;
        for (uint64_t j = j0; j < end; j++) {
            uint64_t s = conc_load_u64(&g->slots[j].state, SC);
            if (s != FULL)
                s = conc_exchange_u64(&g->slots[j].state, TAKEN, SC);
            if (s == FULL)
                out[done++] =
                    (void *)conc_load_uptr(&g->slots[j].value, CONC_RELAXED);
            /* else its producer is late: it will take another slot */
        }
    }
    conc__ws_popped_f(&q->ws, fl, done);
    if (popped)
        *popped = done;
    return (done > 0 || max == 0) ? CONC_OK : st;
}

/* ---- waiting, closing, joining, batches: the container core ------------- */

static conc_status lfqueue_try_push(void *obj, void *item)
{
    return conc_lfqueue_push(obj, item);
}

static conc_status lfqueue_try_pop(void *obj, void *out)
{
    return conc_lfqueue_pop(obj, out);
}

static conc_status lfqueue_close(void *obj)
{
    conc_lfqueue *q = obj;
    /* The hazard record comes first: without one (malloc failed for this
     * thread's first record) close answers ENOMEM having changed nothing,
     * rather than spin until memory returns (test_races.c,
     * lfqueue_close_enomem). */
    conc__hp_rec *rec = conc__hp_self();
    if (!rec)
        return CONC_ENOMEM;
    conc__ws_mark_closed(&q->ws);
    for (;;) {
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_TAIL, &q->tail));
        conc_fetch_or_u64(&g->enq, CLOSED, SC);
        uintptr_t exp = 0;
        if (conc_cas_uptr(&g->next, &exp, SEALED, SC, SC) ||
            exp == SEALED)
            break;
        /* An append won: help tail forward and close that one too. */
        uintptr_t t = (uintptr_t)g;
        conc_cas_uptr(&q->tail, &t, exp, SC, SC);
    }
    conc_store_u32(&q->sealed, 1, SC);
    return CONC_OK;
}

/* Close takes effect at the seal of the last segment; `sealed` is set just
 * after it.  So `sealed` answers yes at once, and otherwise the last
 * segment's `next` decides: a push or pop that has answered CLOSED saw the
 * seal, and closed() must say so too, even while the closer is between the
 * seal and `sealed`. */
static bool lfqueue_closed(const void *obj)
{
    conc_lfqueue *q = (conc_lfqueue *)obj; /* helps tail along, see below */
    if (conc_load_u32(&q->sealed, SC))
        return true;
    conc__hp_rec *rec = conc__hp_self();
    if (!rec)
        return false; /* no record: the hint is all we can read safely */
    bool closed;
    for (;;) {
        struct seg *g = seg_of(conc__hp_protect_cached(rec, HP_TAIL, &q->tail));
        uintptr_t next = conc_load_uptr(&g->next, SC);
        if (next == 0 || next == SEALED) {
            closed = next == SEALED;
            break;
        }
        /* Tail lags an append: help it forward and look again. */
        uintptr_t t = (uintptr_t)g;
        conc_cas_uptr(&q->tail, &t, next, SC, SC);
    }
    return closed;
}

static const conc__family lfqueue_family = {
    .push = lfqueue_try_push,
    .pop = lfqueue_try_pop,
    .close = lfqueue_close,
    .closed = lfqueue_closed,
    .ws_offset = offsetof(conc_lfqueue, ws),
    .push_many = lfqueue_push_many,
    .pop_many = lfqueue_pop_many,
};

conc_status conc_lfqueue_push_wait(conc_lfqueue *q, void *item,
                                   uint64_t timeout_ns)
{
    return conc__core_push_wait(q, item, timeout_ns, &lfqueue_family);
}

conc_status conc_lfqueue_pop_wait(conc_lfqueue *q, void **item,
                                  uint64_t timeout_ns)
{
    return conc__core_pop_wait(q, item, timeout_ns, &lfqueue_family);
}

conc_status conc_lfqueue_push_many(conc_lfqueue *q, void *const *items,
                                   size_t n, size_t *pushed)
{
    return conc__core_push_many(q, items, n, pushed, &lfqueue_family);
}

conc_status conc_lfqueue_pop_many(conc_lfqueue *q, void **out, size_t max,
                                  size_t *popped)
{
    return conc__core_pop_many(q, out, max, popped, &lfqueue_family);
}

conc_status conc_lfqueue_close(conc_lfqueue *q)
{
    return conc__core_close(q, &lfqueue_family);
}

conc_status conc_lfqueue_close_now(conc_lfqueue *q, conc_discard_fn discard,
                                   void *arg, size_t *discarded)
{
    return conc__core_close_now(q, NULL, discard, arg, discarded,
                                &lfqueue_family);
}

int conc_lfqueue_closed(const conc_lfqueue *q)
{
    return conc__core_closed(q, &lfqueue_family);
}

conc_status conc_lfqueue_task_done(conc_lfqueue *q)
{
    return conc__core_task_done(q, &lfqueue_family);
}

conc_status conc_lfqueue_join(conc_lfqueue *q, uint64_t timeout_ns)
{
    return conc__core_join(q, timeout_ns, &lfqueue_family);
}

conc_status conc_lfqueue_fd(conc_lfqueue *q, int *fd)
{
    return conc__core_fd(q, fd, &lfqueue_family);
}
