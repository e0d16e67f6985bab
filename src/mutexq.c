/*
 * mutexq.c - conc_mutexq: bounded MPMC FIFO queue, the locked array
 * (src/lockedarray.c) popped oldest first.
 *
 * The lock-based reference and baseline for conc_ring (contract in
 * include/conc/mutexq.h).  A conc_mutexq handle is a conc__lockedarray (the
 * same address; the struct is pointer-free, so the queue may live in memory
 * shared between processes).  Every function forwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/mutexq.h>

#include "internal/container.h"
#include "internal/lockedarray.h"

_Static_assert(CONC_MUTEXQ_MAX_CAPACITY == CONC__LA_MAX_CAPACITY,
               "conc_mutexq's capacity is the locked array's");

static conc__lockedarray *la(conc_mutexq *q)
{
    return (conc__lockedarray *)(void *)q;
}

static const conc__lockedarray *la_c(const conc_mutexq *q)
{
    return (const conc__lockedarray *)(const void *)q;
}

size_t conc_mutexq_footprint(size_t capacity)
{
    return conc__la_footprint(capacity);
}

conc_status conc_mutexq_init(void *mem, size_t size, size_t capacity,
                             unsigned flags)
{
    return conc__la_init(mem, size, capacity, flags);
}

conc_status conc_mutexq_fini(conc_mutexq *q)
{
    return conc__la_fini(la(q));
}

conc_mutexq *conc_mutexq_new(size_t capacity, unsigned flags)
{
    return (conc_mutexq *)(void *)conc__la_new(capacity, flags);
}

void conc_mutexq_free(conc_mutexq *q)
{
    conc__la_free(la(q));
}

conc_status conc_mutexq_push(conc_mutexq *q, void *item)
{
    return conc__la_push_fifo(la(q), item);
}

conc_status conc_mutexq_pop(conc_mutexq *q, void **item)
{
    return conc__la_pop_fifo(la(q), item);
}

conc_status conc_mutexq_push_many(conc_mutexq *q, void *const *items, size_t n,
                                  size_t *pushed)
{
    return conc__core_push_many(q, items, n, pushed, &conc__la_fifo);
}

conc_status conc_mutexq_pop_many(conc_mutexq *q, void **out, size_t max,
                                 size_t *popped)
{
    return conc__core_pop_many(q, out, max, popped, &conc__la_fifo);
}

size_t conc_mutexq_len(const conc_mutexq *q)
{
    return conc__la_len(la_c(q));
}

size_t conc_mutexq_capacity(const conc_mutexq *q)
{
    return conc__la_capacity(la_c(q));
}

/* ---- waiting, closing, joining: the container core ---------------------- */

conc_status conc_mutexq_push_wait(conc_mutexq *q, void *item,
                                  uint64_t timeout_ns)
{
    return conc__core_push_wait(q, item, timeout_ns, &conc__la_fifo);
}

conc_status conc_mutexq_pop_wait(conc_mutexq *q, void **item,
                                 uint64_t timeout_ns)
{
    return conc__core_pop_wait(q, item, timeout_ns, &conc__la_fifo);
}

conc_status conc_mutexq_close(conc_mutexq *q)
{
    return conc__core_close(q, &conc__la_fifo);
}

conc_status conc_mutexq_close_now(conc_mutexq *q, conc_discard_fn discard,
                                  void *arg, size_t *discarded)
{
    return conc__core_close_now(q, NULL, discard, arg, discarded,
                                &conc__la_fifo);
}

int conc_mutexq_closed(const conc_mutexq *q)
{
    return conc__core_closed(q, &conc__la_fifo);
}

conc_status conc_mutexq_task_done(conc_mutexq *q)
{
    return conc__core_task_done(q, &conc__la_fifo);
}

conc_status conc_mutexq_join(conc_mutexq *q, uint64_t timeout_ns)
{
    return conc__core_join(q, timeout_ns, &conc__la_fifo);
}

conc_status conc_mutexq_fd(conc_mutexq *q, int *fd)
{
    return conc__core_fd(q, fd, &conc__la_fifo);
}
