/*
 * batch.h - push_many/pop_many for the lock-free families, item by item.
 *
 * Each item goes through the family's own push or pop, one linearizable
 * step each (other threads' items may interleave); the batch stops at the
 * first push that fails (its status is the batch's) or the first pop that
 * finds nothing (EMPTY or CLOSED when nothing was popped).  Empty batches
 * return CONC_OK (conc/wait.h).
 */
#ifndef CONC_INTERNAL_BATCH_H
#define CONC_INTERNAL_BATCH_H

#include <conc/conc.h>

#define CONC_EACH_BATCH(P, T)                                                  \
    conc_status conc_##P##_push_many(T *q, void *const *items, size_t n,       \
                                     size_t *pushed)                           \
    {                                                                          \
        if (!q || (!items && n))                                               \
            return CONC_EINVAL;                                                \
        size_t i = 0;                                                          \
        conc_status st = CONC_OK;                                              \
        for (; i < n; i++)                                                     \
            if ((st = conc_##P##_push(q, items[i])) != CONC_OK)                \
                break;                                                         \
        if (pushed)                                                            \
            *pushed = i;                                                       \
        return st;                                                             \
    }                                                                          \
    conc_status conc_##P##_pop_many(T *q, void **out, size_t max,              \
                                    size_t *popped)                            \
    {                                                                          \
        if (!q || (!out && max))                                               \
            return CONC_EINVAL;                                                \
        size_t i = 0;                                                          \
        conc_status st = CONC_OK;                                              \
        while (i < max && (st = conc_##P##_pop(q, &out[i])) == CONC_OK)        \
            i++;                                                               \
        if (popped)                                                            \
            *popped = i;                                                       \
        return (i > 0 || max == 0) ? CONC_OK : st;                             \
    }

#endif /* CONC_INTERNAL_BATCH_H */
