/*
 * test_ring_forged_batch.c - a forged free-ring entry of a conc_ring in
 * caller memory: push and push_many both answer CONC_EFORMAT, write
 * nothing past the ring's footprint and leave the items with the caller
 * (the review of issue 11: push_many wrote the item 9 words past the end).
 *
 * The entry is forged through the ring's layout (src/internal/ring_impl.h;
 * checked: fq's Head must be R on a fresh ring).
 * Capacity 5: order 3, R = 16 entries, cycle shift 5, safe bit 16; the
 * index field holds up to R - 2 = 14, so index 14 names no slot.
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

int main(void)
{
    plan(6);
    size_t fp = conc_ring_footprint(5);
    for (int mode = 0; mode < 2; mode++) {
        const char *what = mode ? "push_many(2)" : "push";
        /* aligned_alloc wants a multiple of the alignment */
        size_t sz = (fp + 256 + 63) & ~(size_t)63;
        uint64_t *mem = aligned_alloc(64, sz);
        if (!mem)
            bail_out("out of memory");
        memset(mem, 0, sz);
        for (size_t i = fp / 8; i < fp / 8 + 32; i++)
            mem[i] = CANARY;
        conc_ring_init(mem, fp, 5, 0);
        struct conc_ring *r = (void *)mem;
        if (conc_load_u64(&r->fq.head, CONC_SEQ_CST) != R)
            bail_out("ring layout changed: fq Head is not R on a fresh ring");
        /* fq's entry 0 (the next a push takes): cycle 1, safe, index 14 */
        conc_store_u64(&r->words[R + 0], (1u << 5) | 16 | 14, CONC_SEQ_CST);
        void *items[2] = {(void *)0x1111, (void *)0x2222};
        size_t pushed = 99;
        conc_status st = mode ? conc_ring_push_many((conc_ring *)r, items, 2, &pushed)
                              : conc_ring_push((conc_ring *)r, items[0]);
        int hit = -1;
        for (size_t i = fp / 8; i < fp / 8 + 32 && hit < 0; i++)
            if (mem[i] != CANARY)
                hit = (int)(i - fp / 8);
        ok(st == CONC_EFORMAT, "%s over a forged slot index: %s", what,
           conc_strerror(st));
        ok(hit < 0, "%s: memory past the ring's footprint intact (first "
           "word written: %d)", what, hit);
        if (mode)
            ok(pushed == 0, "push_many: pushed %zu (the items stay with the caller)", pushed);
        else
            ok(conc_ring_len((conc_ring *)r) == 0, "push: nothing queued");
        free(mem);
    }
    return tap_exit();
}
