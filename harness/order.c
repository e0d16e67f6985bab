/*
 * order.c - the online order checkers (order.h).
 */
#include "order.h"

#include <stdlib.h>

int h_fifo_init(h_fifo *f, size_t nproducers)
{
    f->nprod = nproducers;
    f->last = calloc(nproducers ? nproducers : 1, sizeof *f->last);
    return f->last ? 0 : -1;
}

void h_fifo_fini(h_fifo *f)
{
    free(f->last);
    f->last = NULL;
    f->nprod = 0;
}

void h_lifo_claim(h_lifo_table *t, _Atomic uint64_t *clock, uint64_t y,
                  uint64_t x, uint64_t *pr)
{
    h_lifo_entry *w = &t->e[y % H_LIFO_WAYS];
    /* Only the owner writes its table, so plain reads of it are exact. */
    if (atomic_load_explicit(&w->y, memory_order_relaxed) == y + 1)
        return; /* the earliest claim about y is the strongest */
    if (*pr == 0)
        *pr = h_lifo_stamp(clock);
    uint64_t v = atomic_load_explicit(&w->ver, memory_order_relaxed);
    atomic_store_explicit(&w->ver, v + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&w->y, y + 1, memory_order_relaxed);
    atomic_store_explicit(&w->x, x, memory_order_relaxed);
    atomic_store_explicit(&w->pr, *pr, memory_order_relaxed);
    atomic_store_explicit(&w->ver, v + 2, memory_order_release);
}

bool h_lifo_check(const h_lifo_table *t, uint64_t s, uint64_t pi,
                  uint64_t *x, uint64_t *pr)
{
    h_lifo_entry *w = (h_lifo_entry *)&t->e[s % H_LIFO_WAYS];
    uint64_t v1 = atomic_load_explicit(&w->ver, memory_order_acquire);
    if (v1 & 1)
        return false;
    uint64_t y = atomic_load_explicit(&w->y, memory_order_relaxed);
    uint64_t cx = atomic_load_explicit(&w->x, memory_order_relaxed);
    uint64_t cpr = atomic_load_explicit(&w->pr, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&w->ver, memory_order_relaxed) != v1)
        return false; /* torn: skip, never guess */
    if (y != s + 1 || pi <= cpr)
        return false;
    *x = cx;
    *pr = cpr;
    return true;
}
