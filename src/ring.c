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
 * Two steps the paper does not have (issue 11, docs/ring.md):
 *   - a dequeue looks before it takes a position: when the entry at Head
 *     holds no item of Head's cycle and Tail <= Head (Head loaded first),
 *     the ring is empty at the moment Tail was loaded, and "empty" is
 *     answered with loads only (iring_dequeue_in).  A poller of an empty
 *     ring no longer moves Head past Tail, which made the next enqueue's
 *     position fail and cost two contended RMWs (catch-up, threshold);
 *   - push_many and pop_many take up to BATCH_MAX positions of an index
 *     ring with one fetch-and-add (iring_dequeue_batch,
 *     iring_enqueue_batch; the argument that SCQ allows it is there).
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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/atomics.h"
#include "internal/container.h"
#include "internal/pad.h"
#include "internal/ring_impl.h"
#include "internal/waitset.h"

#define SC CONC_SEQ_CST

/* struct iring and struct conc_ring: src/internal/ring_impl.h. */

/* Closing sets this bit in aq's Tail (as LCRQ closes a ring, Morrison & Afek
 * PPoPP 2013).  An enqueuer whose fetch-and-add returns it gives its slot
 * back and answers CONC_CLOSED; positions are below 2^63 for centuries. */
#define CLOSED_BIT ((uint64_t)1 << 63)

/* ---- geometry ----------------------------------------------------------- */

/* Every helper below takes the geometry, never the ring: for conc_ring that
 * is &ring->u.g, for a ring in shared memory the handle's validated copy
 * (src/shm.c), so that a peer rewriting the ring's first line changes no
 * size, shift or bound this process computes.  (The index-ring functions
 * keep calling their geometry argument `r`.) */
typedef conc__ring_geom geom;

static inline uint64_t ring_R(const geom *r) { return (uint64_t)2 << r->order; }
static inline uint64_t ring_n(const geom *r) { return (uint64_t)1 << r->order; }
static inline uint64_t ring_bot(const geom *r) { return ring_R(r) - 1; }
static inline uint64_t ring_safe(const geom *r) { return ring_R(r); }
static inline unsigned ring_cshift(const geom *r) { return r->order + 2; }

static inline conc_atomic_u64 *aq_entries(conc_ring *r, const geom *g) { (void)g; return r->words; }
static inline conc_atomic_u64 *fq_entries(conc_ring *r, const geom *g) { return r->words + ring_R(g); }
static inline conc_atomic_uptr *ring_data(conc_ring *r, const geom *g)
{
    return (conc_atomic_uptr *)(void *)(r->words + 2 * ring_R(g));
}

/* The cycle of position p, truncated to the entry's cycle field. */
static inline uint64_t pos_cycle(const geom *r, uint64_t p)
{
    return (p >> (r->order + 1)) & (UINT64_MAX >> ring_cshift(r));
}

/* a < b for cycle fields, modulo the field width (wraps after 2^61 laps). */
static inline bool cycle_lt(const geom *r, uint64_t a, uint64_t b)
{
    return (int64_t)((a - b) << ring_cshift(r)) < 0;
}

/* Retry budget.  Every loop of an operation whose trip count depends on the
 * ring's words (positions, threshold, entries) spends one unit of the
 * operation's budget per turn and gives up at zero.  In a shared ring those
 * words come from peers, so the budget is finite: 4R + 4096 turns.  A
 * correct ring never needs that many: a dequeue turns once per position
 * between Head and Tail (at most n items and one position per operation in
 * flight) or until the threshold (3n - 1 failed turns) runs out, an enqueue
 * once per entry it finds occupied or passed (at most R); 4096 covers that
 * many operations in flight at once.  An operation that runs out answers
 * CONC_EFORMAT (ring_put, ring_get).  In-process rings, and conc_rings
 * shared by trusting processes, keep an unbounded budget: their behaviour
 * is unchanged. */
/* The index-ring loops and put/get are specialised for "no budget" (a
 * NULL budget, constant-folded): an in-process ring pays nothing for the
 * shared ring's bounds (callgrind instruction counts: docs/issue-8/). */
#define RING_ALWAYS static inline __attribute__((always_inline))

static inline uint64_t op_budget(const geom *g)
{
    /* Message mode is conc_shmring's alone: the trust boundary.  A conc_ring
     * with CONC_SHARED is shared among processes that trust one another
     * (ring.h), and never answers CONC_EFORMAT. */
    if (!g->msg_size || !conc__ws_has(g->flags, CONC_SHARED))
        return UINT64_MAX;
    return 4 * ring_R(g) + 4096;
}

/* One turn of a budgeted loop: false when the budget is spent.  NULL: no
 * budget (in-process rings; the compiler drops the test, see RING_ALWAYS). */
static inline bool spend(uint64_t *budget)
{
    if (!budget)
        return true;
    if (*budget == 0)
        return false;
    --*budget;
    return true;
}

/* Index rings have at least 2^3 = 8 slots (R = 16 entries, two cache lines),
 * whatever the capacity: fq's initial fill, not the ring size, is what keeps
 * the capacity exact.  With n = 1 (R = 2) our stress tests found the free
 * ring losing its only slot under heavy preemption (see docs/ring.md); SCQ's
 * reference implementation never uses rings that small either. */
#ifndef CONC_RING_MIN_ORDER
#define CONC_RING_MIN_ORDER 3
#endif
#define MIN_ORDER CONC_RING_MIN_ORDER

/* Spread consecutive positions over different cache lines (8 entries per
 * 64-byte line): position i goes to line i mod L, word i / L.  A bijection on
 * [0, R) when R is a multiple of 8 lines; small rings are left as they are. */
static inline uint64_t remap(const geom *r, uint64_t p)
{
    uint64_t R = ring_R(r), i = p & (R - 1);
    if (R < 16)
        return i;
    /* lines = R / 8 = 2^(order-2): (i % lines) * 8 + i / lines, in shifts
     * (a 64-bit division per position was a tenth of a push's instructions:
     * callgrind, docs/ring.md). */
    const unsigned ls = r->order - 2;
    return ((i & (((uint64_t)1 << ls) - 1)) << 3) | (i >> ls);
}

static inline int64_t threshold_full(const geom *r)
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

/* ---- the hot constants -------------------------------------------------- */

/* What the single push and pop compute per position, derived once per
 * operation from the trusted geometry (issue 11, docs/issue-11/
 * ring-profile.md: deriving R, BOT, the shifts and masks from `order` in
 * every index-ring call, and shifting every cycle field down to compare
 * it, was a fifth of a pair's instructions).  Cycles are compared in place:
 * the cycle field of an entry is E & cyc, and the cycle of position p,
 * (p / R) << cshift, is (p << 1) & cyc (R = 2^(order+1), cshift = order+2),
 * both exact modulo 2^64 as pos_cycle's truncation is; cycle_lt(a, b) is
 * then the sign of their difference.  The same values, the same atomic
 * steps in the same order: only arithmetic changed. */
typedef struct hot {
    uint64_t mask;  /* R - 1: an entry's index field, and BOT */
    uint64_t safe;  /* R: the safe bit */
    uint64_t cyc;   /* ~(2R - 1): an entry's cycle field, in place */
    uint64_t lmask; /* remap: lines - 1 */
    int64_t full;   /* threshold_full */
    unsigned ls;    /* remap: log2(lines) */
} hot;

/* Copied into a local: the compiler then knows no atomic store changes
 * them (geom_set computed them, once, at init or at attach). */
RING_ALWAYS hot hot_of(const geom *g)
{
    hot k;
    k.mask = g->mask;
    k.safe = g->mask + 1;
    k.cyc = g->cyc;
    k.lmask = g->lmask;
    k.full = g->full;
    k.ls = g->ls;
    return k;
}

/* remap(g, p), from the hot constants.  The explorer's build allows index
 * rings below 16 entries (CONC_RING_MIN_ORDER=0), which remap leaves as
 * they are; elsewhere R >= 16 and the test folds away. */
RING_ALWAYS uint64_t hot_remap(const hot *k, uint64_t p)
{
    const uint64_t i = p & k->mask;
    if (CONC_RING_MIN_ORDER < 3 && k->mask < 15)
        return i;
    return ((i & k->lmask) << 3) | (i >> k->ls);
}

/* (E >> cshift) == pos_cycle(p) */
RING_ALWAYS bool hot_cycle_is(const hot *k, uint64_t E, uint64_t p)
{
    return (E & k->cyc) == ((p << 1) & k->cyc);
}

/* The enqueue's reset of the threshold after its entry CAS. */
RING_ALWAYS void threshold_reset(struct iring *q, int64_t full)
{
    if ((int64_t)conc_load_u64(&q->threshold, SC) != full)
        conc_store_u64(&q->threshold, (uint64_t)full, SC);
}

/* ---- enqueue ------------------------------------------------------------ */

/* The enqueue from where its first try at position T, entry value E, did
 * not land (iring_enqueue_in): the loop of SCQ's enqueue, out of line. */
static __attribute__((noinline)) bool
iring_enqueue_rest(const geom *r_, struct iring *q, conc_atomic_u64 *ent,
                   uint64_t idx, uint64_t *budget, uint64_t T, uint64_t E)
{
    /* A local copy: the compiler then knows no atomic store changes it. */
    const geom g_ = *r_, *const r = &g_;
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    for (bool first = true;; first = false) {
        if (!first) {
            if (!spend(budget))
                return false;
            T = conc_fetch_add_u64(&q->tail, 1, SC);
            if (T & CLOSED_BIT)
                return false;
        }
        uint64_t tcyc = pos_cycle(r, T);
        conc_atomic_u64 *slot = &ent[remap(r, T)];
        if (!first)
            E = conc_load_u64(slot, SC);
        for (;;) {
            bool usable = cycle_lt(r, E >> cs, tcyc) && (E & bot) == bot &&
                          ((E & safe) ||
                           (int64_t)(conc_load_u64(&q->head, SC) - T) <= 0);
            if (!usable)
                break; /* a dequeuer passed this position: take a new one */
            if (conc_cas_u64(slot, &E, (tcyc << cs) | safe | idx, SC, SC)) {
                threshold_reset(q, threshold_full(r));
                return true;
            }
            /* The entry changed under us; E holds what it is now. */
            if (!spend(budget))
                return false;
        }
    }
}

/* False when the ring is closed (aq only: fq is never closed) or the
 * budget is spent (*budget == 0).  Inline: the first position, when its
 * entry is older, empty and safe (every uncontended enqueue), and the
 * CAS that fills it; anything else continues in iring_enqueue_rest with
 * the same T and E, so the atomic steps are SCQ's, in SCQ's order. */
RING_ALWAYS bool iring_enqueue_in(const geom *r, const hot *k,
                                 struct iring *q, conc_atomic_u64 *ent,
                                 uint64_t idx, uint64_t *budget)
{
    if (!spend(budget))
        return false;
    uint64_t T = conc_fetch_add_u64(&q->tail, 1, SC);
    if (T & CLOSED_BIT)
        return false;
    const uint64_t tc = (T << 1) & k->cyc; /* pos_cycle(T) << cshift */
    conc_atomic_u64 *slot = &ent[hot_remap(k, T)];
    uint64_t E = conc_load_u64(slot, SC);
    /* cycle_lt(E's cycle, T's), empty, safe: usable without loading Head */
    if ((int64_t)((E & k->cyc) - tc) < 0 && (E & k->mask) == k->mask &&
        (E & k->safe)) {
        if (conc_cas_u64(slot, &E, tc | k->safe | idx, SC, SC)) {
            threshold_reset(q, k->full);
            return true;
        }
        /* The entry changed under us; E holds what it is now. */
        if (!spend(budget))
            return false;
    }
    return iring_enqueue_rest(r, q, ent, idx, budget, T, E);
}

/* Is a finished enqueue waiting in [Head, Tail)?  Loads only: no position
 * is taken, so a poller of an empty ring never spoils a slow enqueuer's
 * position.  Bounded by R entries (more would wrap onto the same entries).
 * AHEAD_NONE means: when Tail was loaded, no finished enqueue was in
 * [Head, Tail) (positions below Head belong to dequeuers in flight), so
 * "empty" may be answered at that moment.  AHEAD_ITEM: one was seen.
 * AHEAD_MOVED: Head moved during the scan, so the scan proves nothing. */
enum ahead { AHEAD_NONE, AHEAD_ITEM, AHEAD_MOVED };

/* Scans that only saw Head move which one dequeue may look past before it
 * answers empty (iring_dequeue_in). */
#define MAX_MOVED 4

static enum ahead iring_item_ahead(const geom *r_, struct iring *q,
                                   conc_atomic_u64 *ent)
{
    /* A local copy: the compiler then knows no atomic store changes it. */
    const geom g_ = *r_, *const r = &g_;
    const uint64_t bot = ring_bot(r);
    const unsigned cs = ring_cshift(r);
    uint64_t h = conc_load_u64(&q->head, SC);
    uint64_t t = conc_load_u64(&q->tail, SC) & ~CLOSED_BIT;
    if ((int64_t)(t - h) <= 0)
        return AHEAD_NONE;
    uint64_t n = t - h < ring_R(r) ? t - h : ring_R(r);
    for (uint64_t p = h; p != h + n; p++) {
        uint64_t E = conc_load_u64(&ent[remap(r, p)], SC);
        if ((E >> cs) == pos_cycle(r, p) && (E & bot) != bot)
            return AHEAD_ITEM;
    }
    /* "Nothing ahead" holds at the moment Tail was loaded only if no
     * dequeuer took a position during the scan: one that did may have
     * taken an item we had not reached yet, while a newer one lands past
     * the Tail we loaded.  Then say "maybe" (AHEAD_MOVED): that is not a
     * finished enqueue, only another dequeuer's position, so the caller
     * may look again but must not restore the budget on it. */
    return conc_load_u64(&q->head, SC) != h ? AHEAD_MOVED : AHEAD_NONE;
}

/* `drain`: ignore the threshold and stop only when Head has passed Tail.
 * Used after close, when "empty" must mean that every position an enqueuer
 * was given has been visited by a dequeuer: then no enqueue can still land
 * (each one either was taken or was refused its entry and saw CLOSED_BIT).
 *
 * The threshold is a hint, never the answer (docs/ring.md; test_races.c,
 * ring_threshold_spent_with_item).  SCQ
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
 *     for ever; past it, each further round needs a finished enqueue seen
 *     ahead, or is one of at most MAX_MOVED looks after a scan that Head
 *     moved under.
 * The paper's exact exit (Tail <= H + 1: nothing issued past us) is kept. */
/* A negative threshold at the entry (iring_dequeue_in): -1 to answer
 * false, else how many AHEAD_MOVED answers the dequeue starts with. */
static __attribute__((noinline)) int
iring_dequeue_spent(const geom *r, struct iring *q, conc_atomic_u64 *ent,
                    uint64_t th)
{
    enum ahead a = iring_item_ahead(r, q, ent);
    if (a == AHEAD_NONE)
        return -1;
    /* Pairs with the enqueue's reset: whichever comes second
     * leaves the threshold at 3n-1.  Only a finished enqueue seen
     * restores it; a moved Head only earns one more look. */
    if (a == AHEAD_ITEM) {
        conc_cas_u64(&q->threshold, &th, (uint64_t)threshold_full(r), SC, SC);
        return 0;
    }
    return 1;
}

/* The dequeue from where its first position H, entry value E, was not
 * its to take (iring_dequeue_in): the loop of SCQ's dequeue, out of line. */
static __attribute__((noinline)) bool
iring_dequeue_rest(const geom *r_, struct iring *q, conc_atomic_u64 *ent,
                   uint64_t *idx, bool drain, uint64_t *budget, unsigned moved,
                   uint64_t H, uint64_t E)
{
    /* A local copy: the compiler then knows no atomic store changes it. */
    const geom g_ = *r_, *const r = &g_;
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    bool spent = false;
    uint64_t stop_at = 0;
    for (bool first = true;; first = false) {
        if (!first) {
            if (!spend(budget))
                return false; /* the caller tells this from empty by *budget */
            H = conc_fetch_add_u64(&q->head, 1, SC);
        }
        uint64_t hcyc = pos_cycle(r, H);
        conc_atomic_u64 *slot = &ent[remap(r, H)];
        if (!first)
            E = conc_load_u64(slot, SC);
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
            if (!spend(budget))
                return false;
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
                 * only if none waits ahead.  If one does, restore the
                 * budget and go on: each restore needs a finished enqueue
                 * that some dequeuer will take, so a dequeuer that keeps
                 * going means operations keep completing.  If the scan
                 * only saw Head move (other dequeuers, perhaps failing as
                 * we are), look again without restoring, at most
                 * MAX_MOVED times: two failing dequeuers moving Head under
                 * each other's scans would otherwise go on for ever while
                 * every enqueue is overtaken (the livelock SCQ's threshold
                 * exists to stop).  After that, "empty", as the paper
                 * answers. */
                enum ahead a = iring_item_ahead(r, q, ent);
                if (a == AHEAD_NONE ||
                    (a == AHEAD_MOVED && ++moved > MAX_MOVED))
                    return false;
                if (a == AHEAD_ITEM) {
                    uint64_t th = conc_load_u64(&q->threshold, SC);
                    if ((int64_t)th < 0)
                        conc_cas_u64(&q->threshold, &th,
                                     (uint64_t)threshold_full(r), SC, SC);
                    spent = false;
                } else {
                    stop_at = T & ~CLOSED_BIT; /* look once more, further */
                }
            }
        }
    }
}

/* Inline: the look, and the first position when its entry holds an item
 * of its cycle (every uncontended dequeue of a non-empty ring); anything
 * else continues out of line (iring_dequeue_spent, iring_dequeue_rest)
 * with the same values, so the atomic steps are SCQ's (and the look's),
 * in the same order. */
RING_ALWAYS bool iring_dequeue_in(const geom *r, const hot *k,
                                 struct iring *q, conc_atomic_u64 *ent,
                                 uint64_t *idx, bool drain, uint64_t *budget)
{
    unsigned moved = 0; /* AHEAD_MOVED answers taken (MAX_MOVED) */
    if (!drain) {
        /* Empty, seen with loads: when the entry at Head holds no item of
         * Head's cycle and Tail <= Head, no position is taken.  Head only
         * grows, so when Tail is loaded Head >= h >= Tail: every position
         * issued to an enqueuer is below Head, the ring is empty at that
         * moment, and "empty" is the answer (as iring_item_ahead's
         * AHEAD_NONE).  A poller of an empty ring then neither moves Head
         * past Tail (which made the next enqueue fail its position and the
         * poller catch Tail up: two more contended RMWs on the enqueuers'
         * line) nor spends the threshold.  The entry is looked at first so
         * that a pop of a non-empty ring does not read Tail, a line every
         * push writes.  (The paper's dequeue takes a position first.) */
        uint64_t h = conc_load_u64(&q->head, SC);
        uint64_t e = conc_load_u64(&ent[hot_remap(k, h)], SC);
        if ((!hot_cycle_is(k, e, h) || (e & k->mask) == k->mask) &&
            (int64_t)((conc_load_u64(&q->tail, SC) & ~CLOSED_BIT) - h) <= 0)
            return false;
        uint64_t th = conc_load_u64(&q->threshold, SC);
        if ((int64_t)th < 0) {
            int m = iring_dequeue_spent(r, q, ent, th);
            if (m < 0)
                return false;
            moved = (unsigned)m;
        }
    }
    if (!spend(budget))
        return false; /* the caller tells this from empty by *budget */
    uint64_t H = conc_fetch_add_u64(&q->head, 1, SC);
    conc_atomic_u64 *slot = &ent[hot_remap(k, H)];
    uint64_t E = conc_load_u64(slot, SC);
    if (hot_cycle_is(k, E, H)) {
        /* Ours: mark it empty, keeping its cycle and safe bit (a later
         * dequeuer may be clearing `safe` concurrently). */
        conc_fetch_or_u64(slot, k->mask, SC);
        *idx = E & k->mask;
        return true;
    }
    return iring_dequeue_rest(r, q, ent, idx, drain, budget, moved, H, E);
}

/* The index-ring calls of the operations (and of recover), with the hot
 * constants; budget NULL (in-process rings) folds every spend() away. */
RING_ALWAYS bool iring_enqueue(const geom *r, const hot *k, struct iring *q,
                               conc_atomic_u64 *ent, uint64_t idx,
                               uint64_t *budget)
{
    return iring_enqueue_in(r, k, q, ent, idx, budget);
}

RING_ALWAYS bool iring_dequeue(const geom *r, const hot *k, struct iring *q,
                               conc_atomic_u64 *ent, uint64_t *idx, bool drain,
                               uint64_t *budget)
{
    return iring_dequeue_in(r, k, q, ent, idx, drain, budget);
}

/* The same, out of line, for the calls off the hot path (a failed push's
 * slot going back, a pop's second look and its drain after close,
 * recover). */
static __attribute__((noinline)) bool
iring_enqueue_cold(const geom *r, struct iring *q, conc_atomic_u64 *ent,
                   uint64_t idx, uint64_t *budget)
{
    const hot k = hot_of(r);
    return iring_enqueue_in(r, &k, q, ent, idx, budget);
}

static __attribute__((noinline)) bool
iring_dequeue_cold(const geom *r, struct iring *q, conc_atomic_u64 *ent,
                   uint64_t *idx, bool drain, uint64_t *budget)
{
    const hot k = hot_of(r);
    return iring_dequeue_in(r, &k, q, ent, idx, drain, budget);
}

/* ---- construction ------------------------------------------------------- */

static bool capacity_ok(size_t capacity)
{
    return capacity >= 1 && capacity <= CONC_RING_MAX_CAPACITY;
}


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

/* Every field of a geometry, from the arguments alone. */
static void geom_set(geom *g, size_t capacity, size_t msg_size, unsigned flags)
{
    memset(g, 0, sizeof *g);
    g->capacity = capacity;
    g->msg_size = msg_size;
    g->order = order_for(capacity);
    g->flags = flags;
    const uint64_t R = ring_R(g);
    g->mask = R - 1;
    g->cyc = ~(2 * R - 1);
    g->ls = g->order >= 2 ? g->order - 2 : 0;
    g->lmask = ((uint64_t)1 << g->ls) - 1;
    g->full = threshold_full(g);
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

static unsigned char *ring_msgs(conc_ring *r, const geom *g)
{
    return (unsigned char *)(r->words + 2 * ring_R(g) + g->capacity);
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
    geom_set(&r->u.g, capacity, msg_size, flags);
    conc__ws_init(&r->ws, flags);
    const geom *g = &r->u.g;
    const uint64_t R = ring_R(g), cs = ring_cshift(g);
    const uint64_t empty0 = ring_safe(g) | ring_bot(g); /* cycle 0, safe, BOT */
    iring_init(&r->aq, R, -1, 0);
    iring_init(&r->fq, R, threshold_full(g), capacity);
    conc_atomic_u64 *a = aq_entries(r, g), *f = fq_entries(r, g);
    for (uint64_t i = 0; i < R; i++) {
        conc_init_u64(&a[i], empty0);
        conc_init_u64(&f[i], empty0);
    }
    /* fq starts full: positions R .. R+capacity-1 (cycle 1) hold 0..cap-1. */
    for (uint64_t i = 0; i < capacity; i++)
        conc_init_u64(&f[remap(g, R + i)], ((uint64_t)1 << cs) | ring_safe(g) | i);
    conc_atomic_uptr *d = ring_data(r, g);
    for (uint64_t i = 0; i < capacity; i++)
        conc_init_uptr(&d[i], 0);
    if (msg_size)
        memset(ring_msgs(r, g), 0, capacity * msg_stride(msg_size));
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
    conc__ws_fini(&ring->ws);
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

/* The one push: `msg` (message mode) or `item`.  g: the trusted geometry
 * (&r->u.g, or a shared ring's handle copy). */
RING_ALWAYS conc_status ring_put(conc_ring *r, const geom *g, const void *msg,
                                void *item, const bool bounded)
{
    conc_waitset *w = &r->ws;
    const unsigned fl = g->flags;
    /* Once close has begun, look at the closed bit (the one authority)
     * before taking a position, so that pushes after close do not keep
     * moving Tail while pops drain.  Costs nothing while open. */
    if (conc__ws_is_closed(w) && (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT))
        return CONC_CLOSED;
    conc__ws_will_push_f(w, fl);
    conc_status st = CONC_FULL;
    uint64_t idx, budget = op_budget(g);
    uint64_t *bp = bounded ? &budget : NULL;
    const hot k = hot_of(g);
    conc_atomic_u64 *const fq = r->words + k.safe; /* fq_entries */
    if (!iring_dequeue(g, &k, &r->fq, fq, &idx, false, bp)) {
        if (bounded && budget == 0)
            st = CONC_EFORMAT; /* a shared ring's words are corrupt */
        else if (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT)
            st = CONC_CLOSED;
        goto fail;
    }
    /* The entry's index field can name up to R - 2 > capacity - 1; only a
     * forged entry of a shared ring does.  It named no slot: drop it, keep
     * the item with the caller.  (One compare, on a value in a register.) */
    if (idx >= g->capacity) {
        st = CONC_EFORMAT;
        goto fail;
    }
    /* Published by the aq entry CAS in iring_enqueue (seq_cst, so release);
     * the popper's seq_cst load of that entry acquires it. */
    if (msg) /* message mode (conc_shmring; msg_size > 0) */
        memcpy(ring_msgs(r, g) + idx * msg_stride(g->msg_size), msg,
               g->msg_size);
    else
        conc_store_uptr(&((conc_atomic_uptr *)(void *)(fq + k.safe))[idx],
                        (uintptr_t)item, CONC_RELAXED); /* ring_data */
    if (!iring_enqueue(g, &k, &r->aq, aq_entries(r, g), idx, bp)) {
        /* Closed under us (or a corrupt shared ring spent the budget): the
         * slot goes back, the item stays ours.  Should giving it back run
         * out of budget too, the slot is lost until conc_shmring_recover. */
        st = (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT) ? CONC_CLOSED
                                                          : CONC_EFORMAT;
        uint64_t back = op_budget(g);
        iring_enqueue_cold(g, &r->fq, fq, idx, bounded ? &back : NULL);
        goto fail;
    }
    conc__ws_push_landed_f(w, fl);
    conc__ws_pushed_f(w, fl, 1);
    return CONC_OK;
fail:
    conc__ws_unpush_f(w, fl);
    return st;
}

/* The one pop: into `out` (message mode) or *item. */
RING_ALWAYS conc_status ring_get(conc_ring *r, const geom *g, void *out,
                                void **item, const bool bounded)
{
    conc_waitset *w = &r->ws;
    const unsigned fl = g->flags;
    uint64_t idx, budget = op_budget(g);
    uint64_t *bp = bounded ? &budget : NULL;
    conc_atomic_u64 *aq = aq_entries(r, g);
    const hot k = hot_of(g);
    bool got = iring_dequeue(g, &k, &r->aq, aq, &idx, false, bp);
    if (!got && conc__ws_rearm_f(w, fl) &&
        (got = iring_dequeue_cold(g, &r->aq, aq, &idx, false, bp)))
        conc__ws_refire_fd(w);
    if (!got) {
        if (bounded && budget == 0)
            return CONC_EFORMAT;
        if (!(conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT))
            return CONC_EMPTY;
        /* Closed: CONC_CLOSED only once every position handed to an
         * enqueuer has been visited; until then keep taking.  Head and Tail
         * may be a peer's: each turn spends budget (through iring_dequeue),
         * so a Tail written 2^36 past Head costs one op_budget() and then
         * CONC_EFORMAT, not 2^36 turns. */
        for (;;) {
            uint64_t h = conc_load_u64(&r->aq.head, SC);
            uint64_t t = conc_load_u64(&r->aq.tail, SC) & ~CLOSED_BIT;
            if ((int64_t)(h - t) >= 0)
                return CONC_CLOSED;
            if (iring_dequeue_cold(g, &r->aq, aq, &idx, true, bp))
                break;
            if (bounded && budget == 0)
                return CONC_EFORMAT;
        }
    }
    /* As in ring_put: a forged entry names no slot; it is consumed (lost)
     * and nothing is copied. */
    if (idx >= g->capacity)
        return CONC_EFORMAT;
    /* Ordered after the aq entry load that handed us idx, and before the
     * fq entry CAS that hands the slot to the next producer. */
    if (out) /* message mode (conc_shmring; msg_size > 0) */
        memcpy(out, ring_msgs(r, g) + idx * msg_stride(g->msg_size),
               g->msg_size);
    else
        *item = (void *)conc_load_uptr(
            &((conc_atomic_uptr *)(void *)(aq + 2 * k.safe))[idx], /* ring_data */
            CONC_RELAXED);
    /* Out of budget here (corrupt shared ring only) the message is still
     * ours; the slot is lost until conc_shmring_recover. */
    uint64_t back = op_budget(g);
    iring_enqueue(g, &k, &r->fq, aq + k.safe, idx, bounded ? &back : NULL);
    conc__ws_popped_f(w, fl, 1);
    return CONC_OK;
}

conc_status conc_ring_push(conc_ring *ring, void *item)
{
    if (!ring || ring->u.g.msg_size)
        return CONC_EINVAL;
    return ring_put(ring, &ring->u.g, NULL, item, false);
}

conc_status conc_ring_pop(conc_ring *ring, void **item)
{
    if (!ring || !item || ring->u.g.msg_size)
        return CONC_EINVAL;
    return ring_get(ring, &ring->u.g, NULL, item, false);
}

conc_status conc__ring_put(conc_ring *r, const geom *g, const void *msg)
{
    return ring_put(r, g, msg, NULL, true);
}

conc_status conc__ring_get(conc_ring *r, const geom *g, void *out)
{
    return ring_get(r, g, out, NULL, true);
}

conc_waitset *conc__ring_ws(conc_ring *r) { return &r->ws; }

bool conc__ring_check(const conc_ring *r, size_t capacity, size_t msg_size,
                      unsigned flags, geom *g)
{
    if (!conc__ring_footprint(capacity, msg_size))
        return false;
    geom want;
    geom_set(&want, capacity, msg_size, flags);
    /* Every word of the first line that the operations would use, and the
     * waitset's flags, exactly as conc__ring_init wrote them. */
    if (r->u.g.capacity != want.capacity || r->u.g.msg_size != want.msg_size ||
        r->u.g.order != want.order || r->u.g.flags != want.flags ||
        r->ws.u.s.flags != want.flags)
        return false;
    *g = want;
    return true;
}

void conc__ring_close(conc_ring *r)
{
    conc__ws_mark_closed(&r->ws);
    /* Every closer sets the bit (idempotent), so close has taken effect
     * when any close returns. */
    conc_fetch_or_u64(&r->aq.tail, CLOSED_BIT, SC);
}

void conc__ring_test_late_decrements(conc_ring *r, unsigned k)
{
    uint64_t d = k ? k : 3 * ring_n(&r->u.g);
    conc_fetch_sub_u64(&r->aq.threshold, d, SC);
}

bool conc__ring_is_closed(const conc_ring *r)
{
    return (conc_load_u64(&((conc_ring *)r)->aq.tail, SC) & CLOSED_BIT) != 0;
}

/* ---- recover (conc_shmring_recover) ------------------------------------- */

/* Sweep one index ring, alone (no operation in flight), in place.  Each of
 * the R entries is read once, as the entry of position p = Head + k (k < R;
 * remap is a bijection on [0, R)).  It is kept only if it is what the
 * dequeuer at p would take from a correct ring: p below Tail, the entry's
 * cycle that of p, a slot index below the capacity not seen before (in
 * `seen`, a bitmap of capacity bits, which it then joins).  Kept entries
 * move down, in order, to positions Head, Head + 1, ... (FIFO order stays;
 * the write position never passes the read position, so nothing unread is
 * overwritten).  Every other entry - a stale one left by a dequeuer killed
 * before it marked its entry empty, a peer's forgery, a duplicate - becomes
 * empty, safe, with the cycle of its position's previous lap: the dequeuer
 * there skips it, an enqueuer there may use it.  Tail becomes Head + kept
 * (aq keeps its closed bit), so the R - kept >= n free entries follow the
 * kept ones; the threshold says "not empty" exactly when entries were kept.
 * Head is brought below 2^62 (keeping it modulo R, so the same positions
 * name the same entries): a peer's Head near 2^63 would otherwise push Tail
 * into the closed bit.  Bounded: R turns, whatever the words say.  Returns
 * how many entries were kept. */
static uint64_t iring_sweep(const geom *g, struct iring *q, conc_atomic_u64 *ent,
                            unsigned char *seen, bool keep_closed)
{
    const uint64_t R = ring_R(g), bot = ring_bot(g), safe = ring_safe(g);
    const unsigned cs = ring_cshift(g);
    const uint64_t cmask = UINT64_MAX >> cs;
    const uint64_t H0 = conc_load_u64(&q->head, SC);
    const uint64_t H = H0 & (((uint64_t)1 << 62) - 1); /* == H0 mod R */
    const uint64_t Tw = conc_load_u64(&q->tail, SC);
    int64_t d = (int64_t)((Tw & ~CLOSED_BIT) - H0);
    uint64_t span = d <= 0 ? 0 : (uint64_t)d > R ? R : (uint64_t)d;
    uint64_t kept = 0;
    for (uint64_t k = 0; k < R; k++) {
        /* Read as position H0 + k, rewrite as H + k: the same entry. */
        uint64_t p = H + k, cyc = pos_cycle(g, p);
        conc_atomic_u64 *slot = &ent[remap(g, p)];
        uint64_t E = conc_load_u64(slot, SC), idx = E & bot;
        bool keep = k < span && (E >> cs) == pos_cycle(g, H0 + k) &&
                    idx < g->capacity && !(seen[idx / 8] & (1u << (idx % 8)));
        if (keep) {
            seen[idx / 8] |= (unsigned char)(1u << (idx % 8));
            uint64_t to = H + kept++;
            conc_store_u64(&ent[remap(g, to)], (pos_cycle(g, to) << cs) | safe | idx,
                           SC);
            if (to == p)
                continue;
        }
        conc_store_u64(slot, (((cyc - 1) & cmask) << cs) | safe | bot, SC);
    }
    conc_store_u64(&q->head, H, SC);
    conc_store_u64(&q->tail, (H + kept) | (keep_closed ? Tw & CLOSED_BIT : 0), SC);
    conc_store_u64(&q->threshold, (uint64_t)(kept ? threshold_full(g) : -1), SC);
    return kept;
}

conc_status conc__ring_recover(conc_ring *r, const geom *g, size_t *recovered)
{
    size_t n = 0;
    unsigned char *seen = calloc(g->capacity / 8 + 1, 1);
    if (!seen)
        return CONC_ENOMEM;
    /* Queued slots first: a slot both queued and "free" stays queued. */
    iring_sweep(g, &r->aq, aq_entries(r, g), seen, true);
    iring_sweep(g, &r->fq, fq_entries(r, g), seen, false);
    for (uint64_t i = 0; i < g->capacity; i++) {
        if (seen[i / 8] & (1u << (i % 8)))
            continue;
        /* After the sweep the R - kept >= n entries after fq's Tail are
         * free, so each enqueue lands at its first turn; the budget only
         * guards against a peer writing while we run (the precondition
         * says none does). */
        uint64_t budget = 4 * ring_R(g) + 4096;
        if (!iring_enqueue_cold(g, &r->fq, fq_entries(r, g), i, &budget))
            break;
        n++;
    }
    free(seen);
    /* Put back the first line and the flags as this process checked them,
     * for processes that attach later. */
    r->u.g = *g;
    r->ws.u.s.flags = g->flags;
    if (recovered)
        *recovered = n;
    return CONC_OK;
}

size_t conc_ring_len(const conc_ring *ring)
{
    return ring ? conc__ring_len(ring, &ring->u.g) : 0;
}

size_t conc__ring_len(const conc_ring *ring, const geom *g)
{
    conc_ring *r = (conc_ring *)ring;
    /* Read head first: tail only grows, so tail - head is never understated
     * by the race between the two loads, then clamp. */
    uint64_t h = conc_load_u64(&r->aq.head, SC);
    uint64_t t = conc_load_u64(&r->aq.tail, SC) & ~CLOSED_BIT;
    int64_t d = (int64_t)(t - h);
    if (d <= 0)
        return 0;
    return (uint64_t)d > g->capacity ? (size_t)g->capacity : (size_t)d;
}

size_t conc_ring_capacity(const conc_ring *ring)
{
    return ring ? (size_t)ring->u.g.capacity : 0;
}

/* ---- real batches -------------------------------------------------------- */

/* push_many and pop_many claim up to BATCH_MAX positions of an index ring
 * with one fetch-and-add, as DPDK's rte_ring bulk and burst calls move its
 * head by n at once (DPDK, lib/ring, rte_ring_generic_pvt.h; described in the
 * DPDK Programmer's Guide, "Ring Library").  SCQ allows it: a batch that
 * took positions P, P+1, ..., P+k-1 with one fetch-and-add on Head is what k
 * dequeuers that took them one after another and then ran one at a time
 * would do, and an enqueue batch that fills positions in increasing order,
 * moving to its next claimed position when one is refused (a dequeuer got
 * there first) is k enqueuers, each holding a position a slow enqueuer may
 * hold.  Every step on an entry is SCQ's own (Nikolaev, DISC 2019): take an
 * entry of the position's cycle, or stamp an empty one, or mark an occupied
 * one unsafe; fill an entry only when it is older, empty and safe (or no
 * dequeuer passed).  So each item still moves by its own linearizable step
 * and the ring stays lock-free; what the batch saves is the per-item
 * fetch-and-add on Head and Tail (and the threshold's reset), and the
 * shared lines they live on.
 *
 * The batches never decide "empty" or "full" themselves: they claim only
 * the positions they saw between Head and Tail (loads), and when they get
 * nothing they fall back to the single push or pop, whose answer (with the
 * threshold, the scan for an item ahead, close and the fd) is exact. */
#define BATCH_MAX 64

/* Take up to k (<= BATCH_MAX) indices from q with one fetch-and-add on Head,
 * k no more than Tail - Head as loaded; into idx[], in position order.
 * Returns how many were taken (0 also when q looked empty). */
static size_t iring_dequeue_batch(const geom *r_, struct iring *q,
                                  conc_atomic_u64 *ent, uint64_t *idx, size_t k)
{
    /* A local copy: the compiler then knows no atomic store changes it. */
    const geom g_ = *r_, *const r = &g_;
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    uint64_t h = conc_load_u64(&q->head, SC);
    int64_t avail = (int64_t)((conc_load_u64(&q->tail, SC) & ~CLOSED_BIT) - h);
    if (avail <= 0)
        return 0;
    if ((uint64_t)avail < k)
        k = (size_t)avail;
    const uint64_t H0 = conc_fetch_add_u64(&q->head, k, SC);
    size_t got = 0, failed = 0;
    for (uint64_t H = H0; H != H0 + k; H++) {
        uint64_t hcyc = pos_cycle(r, H);
        conc_atomic_u64 *slot = &ent[remap(r, H)];
        uint64_t E = conc_load_u64(slot, SC);
        for (;;) {
            uint64_t ecyc = E >> cs;
            if (ecyc == hcyc) { /* ours, as in iring_dequeue_in */
                conc_fetch_or_u64(slot, bot, SC);
                idx[got++] = E & bot;
                break;
            }
            if (!cycle_lt(r, ecyc, hcyc)) {
                failed++;
                break;
            }
            uint64_t ne = (E & bot) == bot ? (hcyc << cs) | (E & safe) | bot
                                           : E & ~safe;
            if (conc_cas_u64(slot, &E, ne, SC, SC)) {
                failed++;
                break;
            }
        }
    }
    if (failed) {
        /* As a failed single dequeue: bring Tail up to Head if we passed
         * it, and spend one unit of the threshold per failed position. */
        uint64_t T = conc_load_u64(&q->tail, SC);
        if ((int64_t)((T & ~CLOSED_BIT) - (H0 + k)) <= 0)
            catchup(&q->tail, &q->head, T, H0 + k);
        conc_fetch_sub_u64(&q->threshold, failed, SC);
    }
    return got;
}

/* Append idx[0..m) to q at increasing positions, claimed m at a time with
 * one fetch-and-add on Tail (again only for the items a refused position
 * left over).  Returns how many went in: m, unless q is closed (aq only):
 * then idx[ret..m) did not. */
static size_t iring_enqueue_batch(const geom *r_, struct iring *q,
                                  conc_atomic_u64 *ent, const uint64_t *idx,
                                  size_t m)
{
    /* A local copy: the compiler then knows no atomic store changes it. */
    const geom g_ = *r_, *const r = &g_;
    const uint64_t bot = ring_bot(r), safe = ring_safe(r);
    const unsigned cs = ring_cshift(r);
    size_t placed = 0;
    while (placed < m) {
        const uint64_t need = m - placed;
        const uint64_t T0 = conc_fetch_add_u64(&q->tail, need, SC);
        if (T0 & CLOSED_BIT)
            break;
        /* need positions for need items: each position takes one or is
         * refused, so the items never run out before the positions. */
        for (uint64_t T = T0; T != T0 + need; T++) {
            uint64_t tcyc = pos_cycle(r, T);
            conc_atomic_u64 *slot = &ent[remap(r, T)];
            uint64_t E = conc_load_u64(slot, SC);
            for (;;) {
                bool usable = cycle_lt(r, E >> cs, tcyc) && (E & bot) == bot &&
                              ((E & safe) ||
                               (int64_t)(conc_load_u64(&q->head, SC) - T) <= 0);
                if (!usable)
                    break; /* refused: the item takes our next position */
                if (conc_cas_u64(slot, &E, (tcyc << cs) | safe | idx[placed],
                                 SC, SC)) {
                    placed++;
                    break;
                }
            }
        }
    }
    if (placed) {
        /* One reset for the batch: the state of `placed` enqueues each
         * preempted between its entry CAS and its reset, which SCQ allows
         * (and a dequeuer that meets a spent threshold meanwhile scans
         * ahead, finds these items and restores it: iring_dequeue_in). */
        int64_t full = threshold_full(r);
        if ((int64_t)conc_load_u64(&q->threshold, SC) != full)
            conc_store_u64(&q->threshold, (uint64_t)full, SC);
    }
    return placed;
}

static conc_status ring_push_many(void *obj, void *const *items, size_t n,
                                  size_t *pushed)
{
    conc_ring *r = obj;
    const geom *g = &r->u.g;
    conc_waitset *w = &r->ws;
    const unsigned fl = g->flags;
    size_t done = 0;
    conc_status st = CONC_OK;
    if (g->msg_size && n)
        st = CONC_EINVAL; /* as conc_ring_push: message rings are shmring's */
    while (st == CONC_OK && done < n) {
        size_t k = n - done < BATCH_MAX ? n - done : BATCH_MAX;
        uint64_t idx[BATCH_MAX];
        size_t m = 0;
        if (k > 1 && !(conc__ws_is_closed(w) &&
                       (conc_load_u64(&r->aq.tail, SC) & CLOSED_BIT))) {
            conc__ws_will_push_n_f(w, fl, k);
            m = iring_dequeue_batch(g, &r->fq, fq_entries(r, g), idx, k);
            conc__ws_unpush_n_f(w, fl, k - m);
        }
        if (m == 0) {
            /* One item, no free slot seen, or closed: the single push
             * gives the exact answer (FULL, CLOSED) or takes it. */
            if ((st = ring_put(r, g, NULL, items[done], false)) == CONC_OK)
                done++;
            continue;
        }
        /* As ring_put: an index at or past the capacity names no slot
         * (only a forged entry of a ring in shared memory does).  Drop
         * such entries, give the good slots back, keep every item with
         * the caller: CONC_EFORMAT. */
        size_t good = 0;
        for (size_t j = 0; j < m; j++)
            if (idx[j] < g->capacity)
                idx[good++] = idx[j];
        if (good < m) {
            iring_enqueue_batch(g, &r->fq, fq_entries(r, g), idx, good);
            conc__ws_unpush_n_f(w, fl, m);
            st = CONC_EFORMAT;
            break;
        }
        conc_atomic_uptr *d = ring_data(r, g);
        for (size_t j = 0; j < m; j++) /* published by the aq entry CAS */
            conc_store_uptr(&d[idx[j]], (uintptr_t)items[done + j], CONC_RELAXED);
        size_t placed = iring_enqueue_batch(g, &r->aq, aq_entries(r, g), idx, m);
        conc__ws_push_landed_n_f(w, fl, placed);
        conc__ws_pushed_f(w, fl, placed);
        done += placed;
        if (placed < m) {
            /* Closed under us: the rest of the slots go back, their items
             * stay with the caller. */
            iring_enqueue_batch(g, &r->fq, fq_entries(r, g), idx + placed,
                                m - placed);
            conc__ws_unpush_n_f(w, fl, m - placed);
            st = CONC_CLOSED;
        }
    }
    if (pushed)
        *pushed = done;
    return st;
}

static conc_status ring_pop_many(void *obj, void **out, size_t max,
                                 size_t *popped)
{
    conc_ring *r = obj;
    const geom *g = &r->u.g;
    conc_waitset *w = &r->ws;
    const unsigned fl = g->flags;
    size_t done = 0;
    conc_status st = CONC_OK;
    if (g->msg_size && max)
        st = CONC_EINVAL;
    while (st == CONC_OK && done < max) {
        size_t k = max - done < BATCH_MAX ? max - done : BATCH_MAX;
        uint64_t idx[BATCH_MAX];
        size_t m = k > 1 ? iring_dequeue_batch(g, &r->aq, aq_entries(r, g), idx, k)
                         : 0;
        if (m == 0) {
            /* The single pop answers EMPTY or CLOSED exactly (and clears
             * the fd); a batch ends there, as item by item. */
            if ((st = ring_get(r, g, NULL, &out[done], false)) == CONC_OK)
                done++;
            continue;
        }
        /* As ring_get: an index at or past the capacity (a forged entry
         * of a shared ring) names no slot; it is dropped, the good ones
         * are delivered, and the batch ends with CONC_EFORMAT. */
        conc_atomic_uptr *d = ring_data(r, g);
        size_t good = 0;
        for (size_t j = 0; j < m; j++) {
            if (idx[j] >= g->capacity)
                continue;
            out[done + good] = (void *)conc_load_uptr(&d[idx[j]], CONC_RELAXED);
            idx[good++] = idx[j];
        }
        /* fq is never closed: every slot goes back. */
        iring_enqueue_batch(g, &r->fq, fq_entries(r, g), idx, good);
        conc__ws_popped_f(w, fl, good);
        done += good;
        if (good < m) {
            if (popped)
                *popped = done;
            return CONC_EFORMAT;
        }
    }
    if (popped)
        *popped = done;
    return (done > 0 || max == 0) ? CONC_OK : st;
}

/* ---- waiting, closing, joining, batches: the container core ------------- */

static conc_status ring_try_push(void *obj, void *item)
{
    return conc_ring_push(obj, item);
}

static conc_status ring_try_pop(void *obj, void *out)
{
    return conc_ring_pop(obj, out);
}

static conc_status ring_close(void *obj)
{
    conc__ring_close(obj);
    return CONC_OK;
}

static bool ring_closed(const void *obj)
{
    return conc__ring_is_closed(obj);
}

static const conc__family ring_family = {
    .push = ring_try_push,
    .pop = ring_try_pop,
    .close = ring_close,
    .closed = ring_closed,
    .ws_offset = offsetof(conc_ring, ws),
    .push_many = ring_push_many,
    .pop_many = ring_pop_many,
};

conc_status conc_ring_push_wait(conc_ring *ring, void *item,
                                uint64_t timeout_ns)
{
    return conc__core_push_wait(ring, item, timeout_ns, &ring_family);
}

conc_status conc_ring_pop_wait(conc_ring *ring, void **item,
                               uint64_t timeout_ns)
{
    return conc__core_pop_wait(ring, item, timeout_ns, &ring_family);
}

conc_status conc_ring_push_many(conc_ring *ring, void *const *items, size_t n,
                                size_t *pushed)
{
    return conc__core_push_many(ring, items, n, pushed, &ring_family);
}

conc_status conc_ring_pop_many(conc_ring *ring, void **out, size_t max,
                               size_t *popped)
{
    return conc__core_pop_many(ring, out, max, popped, &ring_family);
}

conc_status conc_ring_close(conc_ring *ring)
{
    return conc__core_close(ring, &ring_family);
}

conc_status conc_ring_close_now(conc_ring *ring, conc_discard_fn discard,
                                void *arg, size_t *discarded)
{
    return conc__core_close_now(ring, NULL, discard, arg, discarded,
                                &ring_family);
}

int conc_ring_closed(const conc_ring *ring)
{
    return conc__core_closed(ring, &ring_family);
}

conc_status conc_ring_task_done(conc_ring *ring)
{
    return conc__core_task_done(ring, &ring_family);
}

conc_status conc_ring_join(conc_ring *ring, uint64_t timeout_ns)
{
    return conc__core_join(ring, timeout_ns, &ring_family);
}

conc_status conc_ring_fd(conc_ring *ring, int *fd)
{
    return conc__core_fd(ring, fd, &ring_family);
}
