/*
 * test_ring_batch.c - conc_ring's real batches (issue 11): push_many and
 * pop_many claim their positions with one fetch-and-add per index ring,
 * not one per item.  Counted, not timed: in the verify build every atomic
 * read-modify-write is a schedule point, and verify/park.h counts a
 * thread's RMW points (park_start_rmw with no parking point).
 *
 * Item by item (the container core's fallback), an uncontended push is 4
 * RMWs (fetch-and-add on the free ring's Head, the entry's fetch-or, the
 * fetch-and-add on the item ring's Tail, the entry's CAS) and so is a pop:
 * 4n for a batch of n.  A real batch is two fetch-and-adds plus one RMW per
 * entry: 2n + 2.  The test asserts at most 2n + 4 per batch on a quiet
 * ring, which the item-by-item batch (4n = 128) cannot meet, and that the
 * items come out in order with the contract's counts (batches larger than
 * what fits, partial pops, the exact FULL and EMPTY answers after them).
 * Built against libconc-verify only.
 */
#include <conc/conc.h>

#include <stdint.h>
#include <stdio.h>

#include "park.h"
#include "tap.h"

#define ITEM(i) ((void *)(uintptr_t)(i))
#define VAL(p) ((uintptr_t)(p))

enum { N = 32, CAP = 100 };

struct batch_op {
    conc_ring *r;
    int push;
    void *items[CAP + 8];
    size_t n, done;
    conc_status st;
};

static void batch_fn(void *p)
{
    struct batch_op *a = p;
    a->st = a->push ? conc_ring_push_many(a->r, a->items, a->n, &a->done)
                    : conc_ring_pop_many(a->r, a->items, a->n, &a->done);
}

/* Run one batch in a thread of its own, counting its RMW points. */
static uint64_t run_counted(struct batch_op *a)
{
    park_thread t;
    park_start_rmw(&t, batch_fn, a, 0);
    park_join(&t);
    return t.points;
}

int main(void)
{
    tap_watchdog(120, "test_ring_batch");
    park_install();
    conc_ring *r = conc_ring_new(CAP, 0);

    /* Rounds of N in and N out, over several laps of the index rings
     * (128 entries for capacity 100: 8 rounds of 32 is two laps). */
    uint64_t max_push = 0, max_pop = 0;
    uintptr_t next_in = 1, next_out = 1;
    int order_ok = 1, counts_ok = 1;
    for (int round = 0; round < 8; round++) {
        struct batch_op p = {r, 1, {0}, N, 0, CONC_EINVAL};
        for (size_t j = 0; j < N; j++)
            p.items[j] = ITEM(next_in++);
        uint64_t rp = run_counted(&p);
        struct batch_op o = {r, 0, {0}, N, 0, CONC_EINVAL};
        uint64_t ro = run_counted(&o);
        max_push = rp > max_push ? rp : max_push;
        max_pop = ro > max_pop ? ro : max_pop;
        if (p.st != CONC_OK || p.done != N || o.st != CONC_OK || o.done != N)
            counts_ok = 0;
        for (size_t j = 0; j < o.done; j++)
            if (VAL(o.items[j]) != next_out++)
                order_ok = 0;
    }
    ok(counts_ok && order_ok,
       "batches of %d in and out, 8 rounds: every call OK with %d, items in order", N, N);
    ok(max_push <= 2 * N + 4,
       "push_many of %d: %llu RMWs at most (a fetch-and-add per index ring "
       "and one RMW per entry: <= %d; item by item it is %d)",
       N, (unsigned long long)max_push, 2 * N + 4, 4 * N);
    ok(max_pop <= 2 * N + 4,
       "pop_many of %d: %llu RMWs at most (<= %d; item by item %d)", N,
       (unsigned long long)max_pop, 2 * N + 4, 4 * N);

    /* More than fits: CAP of CAP + 5 go in, FULL for the rest. */
    struct batch_op big = {r, 1, {0}, CAP + 5, 0, CONC_EINVAL};
    for (size_t j = 0; j < CAP + 5; j++)
        big.items[j] = ITEM(next_in++);
    batch_fn(&big);
    void *x;
    ok(big.st == CONC_FULL && big.done == CAP && conc_ring_len(r) == CAP &&
           conc_ring_push(r, ITEM(1)) == CONC_FULL,
       "push_many of capacity + 5: FULL with exactly the capacity in (%s, %zu)",
       conc_strerror(big.st), big.done);
    /* Out in pieces larger than what is left: partial, then EMPTY. */
    size_t out = 0;
    int piece_ok = 1;
    for (;;) {
        struct batch_op o = {r, 0, {0}, 48, 0, CONC_EINVAL};
        batch_fn(&o);
        if (o.st == CONC_EMPTY && o.done == 0)
            break;
        if (o.st != CONC_OK || o.done == 0 || o.done > 48) {
            piece_ok = 0;
            break;
        }
        for (size_t j = 0; j < o.done; j++)
            if (VAL(o.items[j]) != next_out++)
                order_ok = 0;
        out += o.done;
    }
    ok(piece_ok && order_ok && out == CAP && conc_ring_pop(r, &x) == CONC_EMPTY &&
           conc_ring_len(r) == 0,
       "pop_many of 48 until EMPTY: the capacity came out in order (%zu), then EMPTY",
       out);

    /* Closed: a batch push says CLOSED with nothing in; batch pops drain
     * what was in, then CLOSED. */
    struct batch_op p = {r, 1, {ITEM(7), ITEM(8), ITEM(9)}, 3, 0, CONC_EINVAL};
    batch_fn(&p);
    conc_ring_close(r);
    struct batch_op q = {r, 1, {ITEM(10), ITEM(11)}, 2, 0, CONC_EINVAL};
    batch_fn(&q);
    struct batch_op o = {r, 0, {0}, 8, 0, CONC_EINVAL};
    batch_fn(&o);
    struct batch_op o2 = {r, 0, {0}, 8, 0, CONC_EINVAL};
    batch_fn(&o2);
    ok(p.st == CONC_OK && p.done == 3 && q.st == CONC_CLOSED && q.done == 0 &&
           o.st == CONC_OK && o.done == 3 && VAL(o.items[0]) == 7 &&
           VAL(o.items[2]) == 9 && o2.st == CONC_CLOSED && o2.done == 0,
       "after close: push_many CLOSED (0 in), pop_many drains 3 then CLOSED");
    conc_ring_free(r);

    /* Joinable: a batch counts its items unfinished; task_done for each
     * lets join return. */
    conc_ring *j = conc_ring_new(CAP, CONC_JOINABLE);
    struct batch_op jp = {j, 1, {0}, N, 0, CONC_EINVAL};
    for (size_t i = 0; i < N; i++)
        jp.items[i] = ITEM(i + 1);
    batch_fn(&jp);
    conc_status j1 = conc_ring_join(j, 0);
    struct batch_op jo = {j, 0, {0}, N, 0, CONC_EINVAL};
    batch_fn(&jo);
    int td = 1;
    for (size_t i = 0; i < jo.done; i++)
        td &= conc_ring_task_done(j) == CONC_OK;
    ok(jp.done == N && j1 == CONC_TIMEDOUT && jo.done == N && td &&
           conc_ring_join(j, 0) == CONC_OK && conc_ring_task_done(j) == CONC_EINVAL,
       "joinable: %d pushed by a batch are unfinished until %d task_done", N, N);
    conc_ring_free(j);
    done_testing();
    return 0;
}
