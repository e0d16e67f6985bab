/*
 * peers_ck.c - Concurrency Kit's structures behind bench_peer_ops (bench.h).
 *
 * ck is header-only for these: its operations are inlined into the adapter,
 * so a ck row pays one indirect call per operation, as a conc row does
 * through the registry.
 *
 * ck_fifo and ck_stack are intrusive: the user supplies one entry per item.
 * As ck's own users do, the adapters preallocate the entries (one per item
 * of the run, in one array, touched before the clock starts) and never reuse
 * an entry within a run, which also keeps the runs free of the reclamation
 * question (ck leaves safe reuse of a popped entry to the caller).  These
 * peers are therefore unbounded: pushes never fail.
 */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ck_fifo.h>
#include <ck_ring.h>
#include <ck_stack.h>

static void *zalloc64(size_t size)
{
    size_t rounded = (size + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded);
    if (p)
        memset(p, 0, rounded); /* also faults every page in, before timing */
    else
        errno = ENOMEM;
    return p;
}

/* ---- ck_ring, MPMC ------------------------------------------------------ */

/* ck_ring_init wants a power of two and holds one item less than its size:
 * the ring gets the smallest power of two that holds `capacity` items. */
typedef struct ckring {
    ck_ring_t ring; /* ck pads producer and consumer words apart itself */
    ck_ring_buffer_t *buf;
} ckring;

static void *ckring_create(size_t capacity, size_t items)
{
    (void)items;
    size_t size = 2;
    while (size < capacity + 1 && size <= (size_t)UINT_MAX / 2)
        size *= 2;
    if (capacity == 0 || size < capacity + 1) {
        errno = EINVAL;
        return NULL;
    }
    ckring *r = zalloc64(sizeof *r);
    if (!r)
        return NULL;
    r->buf = zalloc64(size * sizeof *r->buf);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    ck_ring_init(&r->ring, (unsigned int)size);
    return r;
}

static void ckring_destroy(void *obj)
{
    ckring *r = obj;
    free(r->buf);
    free(r);
}

static int ckring_push(void *obj, size_t idx, void *item)
{
    (void)idx;
    ckring *r = obj;
    return ck_ring_enqueue_mpmc(&r->ring, r->buf, item) ? 0 : 1;
}

static int ckring_pop(void *obj, void **item)
{
    ckring *r = obj;
    return ck_ring_dequeue_mpmc(&r->ring, r->buf, item) ? 0 : 1;
}

const bench_peer_ops bench_peer_ck_ring = {
    .name = "ck_ring",
    .section = SEC_QUEUE,
    .bounded = true,
    .legend = "ck_ring: Concurrency Kit ck_ring_enqueue_mpmc/dequeue_mpmc; "
              "size = smallest power of two > capacity (it holds size-1)",
    .create = ckring_create,
    .destroy = ckring_destroy,
    .push = ckring_push,
    .pop = ckring_pop,
};

/* ---- ck_fifo, MPMC (Michael & Scott) ------------------------------------ */

typedef struct ckfifo {
    ck_fifo_mpmc_t fifo;
    ck_fifo_mpmc_entry_t *entries; /* items + 1: the last is the stub */
} ckfifo;

static void *ckfifo_create(size_t capacity, size_t items)
{
    (void)capacity;
    ckfifo *f = zalloc64(sizeof *f);
    if (!f)
        return NULL;
    f->entries = zalloc64((items + 1) * sizeof *f->entries);
    if (!f->entries) {
        free(f);
        return NULL;
    }
    ck_fifo_mpmc_init(&f->fifo, &f->entries[items]);
    return f;
}

static void ckfifo_destroy(void *obj)
{
    ckfifo *f = obj;
    free(f->entries);
    free(f);
}

static int ckfifo_push(void *obj, size_t idx, void *item)
{
    ckfifo *f = obj;
    ck_fifo_mpmc_enqueue(&f->fifo, &f->entries[idx], item);
    return 0;
}

static int ckfifo_pop(void *obj, void **item)
{
    ckfifo *f = obj;
    ck_fifo_mpmc_entry_t *garbage; /* never reused within a run */
    return ck_fifo_mpmc_dequeue(&f->fifo, item, &garbage) ? 0 : 1;
}

const bench_peer_ops bench_peer_ck_fifo = {
    .name = "ck_fifo",
    .section = SEC_QUEUE,
    .bounded = false,
    .legend = "ck_fifo: Concurrency Kit ck_fifo_mpmc (Michael & Scott queue, "
              "double-width CAS); unbounded, one preallocated entry per item",
    .create = ckfifo_create,
    .destroy = ckfifo_destroy,
    .push = ckfifo_push,
    .pop = ckfifo_pop,
};

/* ---- ck_stack, MPMC ----------------------------------------------------- */

typedef struct ckstack_node {
    ck_stack_entry_t entry; /* first: a popped entry is its node */
    void *item;
} ckstack_node;

typedef struct ckstack {
    ck_stack_t stack; /* head + generation: double-width CAS, 16-aligned */
    ckstack_node *nodes;
} ckstack;

static void *ckstack_create(size_t capacity, size_t items)
{
    (void)capacity;
    ckstack *s = zalloc64(sizeof *s);
    if (!s)
        return NULL;
    s->nodes = zalloc64((items ? items : 1) * sizeof *s->nodes);
    if (!s->nodes) {
        free(s);
        return NULL;
    }
    return s; /* all-zero is the empty stack (CK_STACK_INITIALIZER) */
}

static void ckstack_destroy(void *obj)
{
    ckstack *s = obj;
    free(s->nodes);
    free(s);
}

static int ckstack_push(void *obj, size_t idx, void *item)
{
    ckstack *s = obj;
    ckstack_node *n = &s->nodes[idx];
    n->item = item;
    ck_stack_push_mpmc(&s->stack, &n->entry);
    return 0;
}

static int ckstack_pop(void *obj, void **item)
{
    ckstack *s = obj;
    ck_stack_entry_t *e = ck_stack_pop_mpmc(&s->stack);
    if (!e)
        return 1;
    *item = ((ckstack_node *)(void *)e)->item;
    return 0;
}

const bench_peer_ops bench_peer_ck_stack = {
    .name = "ck_stack",
    .section = SEC_STACK,
    .bounded = false,
    .legend = "ck_stack: Concurrency Kit ck_stack_push_mpmc/pop_mpmc (Treiber, "
              "generation-tagged double-width CAS); unbounded, one "
              "preallocated entry per item",
    .create = ckstack_create,
    .destroy = ckstack_destroy,
    .push = ckstack_push,
    .pop = ckstack_pop,
};
