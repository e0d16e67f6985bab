/*
 * test_ring_forged_batch.c - a forged free-ring entry of a conc_ring in
 * caller memory: push and push_many both answer CONC_EFORMAT, write
 * nothing past the ring's footprint and leave the items with the caller
 * (the review of issue 11: push_many wrote the item 9 words past the end).
 *
 * The entry is forged through the ring's layout (src/internal/ring_impl.h;
 * checked: fq's Head must be R on a fresh ring).
 * Capacity 5: order 3, R = 16 entries, cycle shift 5, safe bit 16; the
 * index field holds up to R - 2 = 14, so index 14 names no slot, and
 * neither does index 5, the capacity itself: data[5] is the first word
 * past the footprint (issue 12: the guards `idx < capacity` made `<=`,
 * ring.c:1167 in push_many and ring.c:1225 in pop_many, touched it).
 *
 * pop_many: a forged allocated-ring entry naming slot 5 must be dropped
 * (CONC_EFORMAT), the good item delivered, data[5] never delivered.
 *
 * push_many's compaction of the good indices reads only idx[0..m): a
 * second batch of the same call, shorter than the first, has the first
 * batch's slot numbers in idx[m..]; a compaction that read idx[m] too
 * (ring.c:1166, `j < m` made `<=`) would take a stale slot, one holding
 * an item already queued, in place of the forged one and answer CONC_OK.
 */
#include "internal/atomics.h"
#include "internal/pad.h"
#include "internal/ring_impl.h"
#include "internal/waitset.h"
#include <conc/conc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* struct conc_ring: the layout, from internal/ring_impl.h */

#define R 16
#define CANARY 0xCA11AB1Eu

/* Memory for a ring of `cap` and 32 canary words past its footprint. */
static uint64_t *ring_mem(size_t cap, size_t *fp_out)
{
    size_t fp = conc_ring_footprint(cap);
    /* aligned_alloc wants a multiple of the alignment */
    size_t sz = (fp + 256 + 63) & ~(size_t)63;
    uint64_t *mem = aligned_alloc(64, sz);
    if (!mem)
        bail_out("out of memory");
    memset(mem, 0, sz);
    for (size_t i = fp / 8; i < fp / 8 + 32; i++)
        mem[i] = CANARY;
    if (conc_ring_init(mem, fp, cap, 0) != CONC_OK)
        bail_out("conc_ring_init(%zu) failed", cap);
    *fp_out = fp;
    return mem;
}

static int canary_hit(const uint64_t *mem, size_t fp)
{
    for (size_t i = fp / 8; i < fp / 8 + 32; i++)
        if (mem[i] != CANARY)
            return (int)(i - fp / 8);
    return -1;
}

/* push and push_many(2) over fq's next entry forged to name slot `bad`
 * (14: no slot; 5: the capacity, data[5] is one word past the ring). */
static void forged_push(uint64_t bad)
{
    for (int mode = 0; mode < 2; mode++) {
        const char *what = mode ? "push_many(2)" : "push";
        size_t fp;
        uint64_t *mem = ring_mem(5, &fp);
        struct conc_ring *r = (void *)mem;
        if (conc_load_u64(&r->fq.head, CONC_SEQ_CST) != R)
            bail_out("ring layout changed: fq Head is not R on a fresh ring");
        /* fq's entry 0 (the next a push takes): cycle 1, safe, index bad */
        conc_store_u64(&r->words[R + 0], (1u << 5) | 16 | bad, CONC_SEQ_CST);
        void *items[2] = {(void *)0x1111, (void *)0x2222};
        size_t pushed = 99;
        conc_status st = mode ? conc_ring_push_many((conc_ring *)r, items, 2, &pushed)
                              : conc_ring_push((conc_ring *)r, items[0]);
        int hit = canary_hit(mem, fp);
        ok(st == CONC_EFORMAT, "%s over a forged slot index %u: %s", what,
           (unsigned)bad, conc_strerror(st));
        ok(hit < 0, "%s, index %u: memory past the ring's footprint intact "
           "(first word written: %d)", what, (unsigned)bad, hit);
        if (mode)
            ok(pushed == 0, "push_many, index %u: pushed %zu (the items stay "
               "with the caller)", (unsigned)bad, pushed);
        else
            ok(conc_ring_len((conc_ring *)r) == 0, "push, index %u: nothing "
               "queued", (unsigned)bad);
        free(mem);
    }
}

/* pop_many(2) over two items, aq's second entry forged to name slot 5
 * (the capacity): the first item comes out, data[5] (a canary) never. */
static void forged_pop_many(void)
{
    size_t fp;
    uint64_t *mem = ring_mem(5, &fp);
    struct conc_ring *r = (void *)mem;
    if (conc_ring_push((conc_ring *)r, (void *)0x1111) != CONC_OK ||
        conc_ring_push((conc_ring *)r, (void *)0x2222) != CONC_OK)
        bail_out("push into a fresh ring failed");
    /* aq positions 16 and 17 (cycle 1) are entries 0 and 8 (remap: R = 16,
     * 2 lines), holding slots 0 and 1 */
    const uint64_t e1 = (1u << 5) | 16 | 1;
    if (conc_load_u64(&r->aq.head, CONC_SEQ_CST) != R ||
        conc_load_u64(&r->words[8], CONC_SEQ_CST) != e1)
        bail_out("ring layout changed: aq's second entry is not at word 8");
    conc_store_u64(&r->words[8], (1u << 5) | 16 | 5, CONC_SEQ_CST);
    void *out[2] = {NULL, NULL};
    size_t popped = 99;
    conc_status st = conc_ring_pop_many((conc_ring *)r, out, 2, &popped);
    ok(st == CONC_EFORMAT, "pop_many over an entry naming slot 5 == capacity: %s",
       conc_strerror(st));
    ok(popped == 1 && out[0] == (void *)0x1111,
       "pop_many: the good item delivered, only it (popped %zu, out[0] %p)",
       popped, out[0]);
    ok(out[1] == NULL, "pop_many: data[capacity] not delivered (out[1] %p)",
       out[1]);
    ok(canary_hit(mem, fp) < 0, "pop_many: memory past the footprint intact");
    free(mem);
}

/* push_many(66) into an empty ring of capacity 128: a first batch of 64
 * (slots 0..63), then a second of 2 whose second fq entry is forged to
 * name slot 200.  The first batch's idx[2] (slot 2, item 2's) is still in
 * idx[] when the second batch compacts its two indices. */
#define CAP2 128
#define R2 256
static void forged_second_batch(void)
{
    size_t fp;
    uint64_t *mem = ring_mem(CAP2, &fp);
    struct conc_ring *r = (void *)mem;
    /* order 7: cycle shift 9, safe bit 256; remap(p) = (p & 31) << 3 |
     * p >> 5 on p mod R: fq position R + 65 is fq's entry 10 */
    const uint64_t e65 = (1u << 9) | 256 | 65;
    if (conc_load_u64(&r->fq.head, CONC_SEQ_CST) != R2 ||
        conc_load_u64(&r->words[R2 + 10], CONC_SEQ_CST) != e65)
        bail_out("ring layout changed: fq position R + 65 is not entry 10");
    conc_store_u64(&r->words[R2 + 10], (1u << 9) | 256 | 200, CONC_SEQ_CST);
    void *items[66];
    for (uintptr_t i = 0; i < 66; i++)
        items[i] = (void *)(0x1000 + i);
    size_t pushed = 99;
    conc_status st = conc_ring_push_many((conc_ring *)r, items, 66, &pushed);
    ok(st == CONC_EFORMAT && pushed == 64,
       "push_many(66), the second batch's entry forged: %s, pushed %zu "
       "(want EFORMAT, 64)", conc_strerror(st), pushed);
    for (uintptr_t i = 0; i < 66; i++) {
        void *p = NULL;
        st = conc_ring_pop((conc_ring *)r, &p);
        if (i < 64)
            check(st == CONC_OK && p == items[i], "pop %u: %s, %p (want %p)",
                  (unsigned)i, conc_strerror(st), p, items[i]);
        else
            check(st == CONC_EMPTY, "pop %u: %s, %p (want EMPTY)", (unsigned)i,
                  conc_strerror(st), p);
    }
    check_group("the 64 items of the first batch come out in order, once, "
                "then EMPTY");
    ok(canary_hit(mem, fp) < 0, "push_many(66): memory past the footprint intact");
    free(mem);
}

int main(void)
{
    plan(19);
    forged_push(14);
    forged_push(5);
    forged_pop_many();
    forged_second_batch();
    return tap_exit();
}
