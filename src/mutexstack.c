/*
 * mutexstack.c - conc_mutexstack: bounded MPMC LIFO stack, the locked array
 * (src/lockedarray.c) popped newest first.
 *
 * The lock-based reference and baseline for conc_stack (contract in
 * include/conc/stack.h).  A conc_mutexstack handle is a conc__lockedarray
 * (the same address; the struct is pointer-free, so the stack may live in
 * memory shared between processes).  Every function forwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/stack.h>

#include "internal/container.h"
#include "internal/lockedarray.h"

_Static_assert(CONC_MUTEXSTACK_MAX_CAPACITY == CONC__LA_MAX_CAPACITY,
               "conc_mutexstack's capacity is the locked array's");

static conc__lockedarray *la(conc_mutexstack *s)
{
    return (conc__lockedarray *)(void *)s;
}

static const conc__lockedarray *la_c(const conc_mutexstack *s)
{
    return (const conc__lockedarray *)(const void *)s;
}

size_t conc_mutexstack_footprint(size_t capacity)
{
    return conc__la_footprint(capacity);
}

conc_status conc_mutexstack_init(void *mem, size_t size, size_t capacity,
                                 unsigned flags)
{
    return conc__la_init(mem, size, capacity, flags);
}

conc_status conc_mutexstack_fini(conc_mutexstack *s)
{
    return conc__la_fini(la(s));
}

conc_mutexstack *conc_mutexstack_new(size_t capacity, unsigned flags)
{
    return (conc_mutexstack *)(void *)conc__la_new(capacity, flags);
}

void conc_mutexstack_free(conc_mutexstack *s)
{
    conc__la_free(la(s));
}

conc_status conc_mutexstack_push(conc_mutexstack *s, void *item)
{
    return conc__la_push_lifo(la(s), item);
}

conc_status conc_mutexstack_pop(conc_mutexstack *s, void **item)
{
    return conc__la_pop_lifo(la(s), item);
}

conc_status conc_mutexstack_push_many(conc_mutexstack *s, void *const *items,
                                      size_t n, size_t *pushed)
{
    return conc__core_push_many(s, items, n, pushed, &conc__la_lifo);
}

conc_status conc_mutexstack_pop_many(conc_mutexstack *s, void **out,
                                     size_t max, size_t *popped)
{
    return conc__core_pop_many(s, out, max, popped, &conc__la_lifo);
}

size_t conc_mutexstack_len(const conc_mutexstack *s)
{
    return conc__la_len(la_c(s));
}

size_t conc_mutexstack_capacity(const conc_mutexstack *s)
{
    return conc__la_capacity(la_c(s));
}

/* ---- waiting, closing, joining: the container core ---------------------- */

conc_status conc_mutexstack_push_wait(conc_mutexstack *s, void *item,
                                      uint64_t timeout_ns)
{
    return conc__core_push_wait(s, item, timeout_ns, &conc__la_lifo);
}

conc_status conc_mutexstack_pop_wait(conc_mutexstack *s, void **item,
                                     uint64_t timeout_ns)
{
    return conc__core_pop_wait(s, item, timeout_ns, &conc__la_lifo);
}

conc_status conc_mutexstack_close(conc_mutexstack *s)
{
    return conc__core_close(s, &conc__la_lifo);
}

conc_status conc_mutexstack_close_now(conc_mutexstack *s,
                                      conc_discard_fn discard, void *arg,
                                      size_t *discarded)
{
    return conc__core_close_now(s, NULL, discard, arg, discarded,
                                &conc__la_lifo);
}

int conc_mutexstack_closed(const conc_mutexstack *s)
{
    return conc__core_closed(s, &conc__la_lifo);
}

conc_status conc_mutexstack_task_done(conc_mutexstack *s)
{
    return conc__core_task_done(s, &conc__la_lifo);
}

conc_status conc_mutexstack_join(conc_mutexstack *s, uint64_t timeout_ns)
{
    return conc__core_join(s, timeout_ns, &conc__la_lifo);
}

conc_status conc_mutexstack_fd(conc_mutexstack *s, int *fd)
{
    return conc__core_fd(s, fd, &conc__la_lifo);
}
