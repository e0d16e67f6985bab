/*
 * peer_vyukov.c - a plain bounded MPMC ring with a sequence number per
 * cell: the simple baseline every bounded queue of conc-bench is measured
 * against.  Not a library structure: it lives in bench/ only, and is
 * written here from the published description of the design:
 *
 *   Dmitry Vyukov, "Bounded MPMC queue", 1024cores.net (2010).
 *
 * Cell i holds a sequence number and an item.  Initially seq = i.  A
 * producer that has read tail = t may fill cell t mod size when that cell's
 * seq == t: it claims t with a CAS on tail, writes the item, and publishes
 * it with seq = t + 1 (release).  A consumer that has read head = h may
 * take cell h mod size when seq == h + 1: it claims h with a CAS on head,
 * reads the item, and frees the cell for the next lap with seq = h + size.
 * seq < t (producer) means the cell still holds last lap's item: full;
 * seq < h + 1 (consumer) means nothing was published there yet: empty.
 *
 * What it gives up, and conc_ring does not: it is not lock-free (a producer
 * preempted between its CAS and its seq store blocks every consumer that
 * reaches that cell, and after a lap every producer), its size is a power
 * of two (the adapter rounds the capacity up: 1024 stays 1024), and it
 * knows nothing of closing, waiting or shared memory.  Two atomic
 * read-modify-writes per item (one CAS each side), single-width.
 */
#include "bench.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct vy_cell {
    _Atomic size_t seq;
    void *item;
} vy_cell;

typedef struct vyring {
    _Alignas(128) _Atomic size_t tail; /* next position to fill */
    _Alignas(128) _Atomic size_t head; /* next position to take */
    _Alignas(128) size_t mask;
    vy_cell *cells;
} vyring;

static void *vy_create(size_t capacity, size_t items)
{
    (void)items;
    size_t size = 1;
    while (size < capacity && size <= SIZE_MAX / 4)
        size *= 2;
    if (capacity == 0 || size < capacity) {
        errno = EINVAL;
        return NULL;
    }
    vyring *r = aligned_alloc(128, sizeof *r);
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    memset(r, 0, sizeof *r);
    size_t bytes = (size * sizeof(vy_cell) + 127) / 128 * 128;
    r->cells = aligned_alloc(128, bytes);
    if (!r->cells) {
        free(r);
        errno = ENOMEM;
        return NULL;
    }
    memset(r->cells, 0, bytes);
    for (size_t i = 0; i < size; i++)
        atomic_init(&r->cells[i].seq, i);
    r->mask = size - 1;
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    return r;
}

static void vy_destroy(void *obj)
{
    vyring *r = obj;
    free(r->cells);
    free(r);
}

static int vy_push(void *obj, size_t idx, void *item)
{
    (void)idx;
    vyring *r = obj;
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        vy_cell *c = &r->cells[t & r->mask];
        /* acquire: pairs with the consumer's release of this cell, so its
         * read of the old item is done before we overwrite it */
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)t;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(
                    &r->tail, &t, t + 1, memory_order_relaxed,
                    memory_order_relaxed)) {
                c->item = item;
                /* release: the item is written before the cell says so */
                atomic_store_explicit(&c->seq, t + 1, memory_order_release);
                return 0;
            }
            /* t was reloaded by the failed CAS */
        } else if (dif < 0) {
            return 1; /* last lap's item is still there: full */
        } else {
            t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        }
    }
}

static int vy_pop(void *obj, void **item)
{
    vyring *r = obj;
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    for (;;) {
        vy_cell *c = &r->cells[h & r->mask];
        /* acquire: pairs with the producer's release of the item */
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)(h + 1);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(
                    &r->head, &h, h + 1, memory_order_relaxed,
                    memory_order_relaxed)) {
                *item = c->item;
                /* release: our read of the item is done before the next
                 * lap's producer may write the cell */
                atomic_store_explicit(&c->seq, h + r->mask + 1,
                                      memory_order_release);
                return 0;
            }
        } else if (dif < 0) {
            return 1; /* nothing published at h yet: empty */
        } else {
            h = atomic_load_explicit(&r->head, memory_order_relaxed);
        }
    }
}

const bench_peer_ops bench_peer_vyukov = {
    .name = "vyukov_ring",
    .section = SEC_QUEUE,
    .bounded = true,
    .legend = "vyukov_ring: a plain bounded ring with a sequence number per "
              "cell (Vyukov 2010), written in bench/peer_vyukov.c; size = "
              "smallest power of two >= capacity; blocking (not lock-free)",
    .create = vy_create,
    .destroy = vy_destroy,
    .push = vy_push,
    .pop = vy_pop,
};
