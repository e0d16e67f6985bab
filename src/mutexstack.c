/*
 * mutexstack.c - conc_mutexstack: bounded MPMC LIFO stack, an array under one
 * process-shared pthread mutex.
 *
 * The lock-based reference and baseline for conc_stack (contract in
 * include/conc/stack.h).  The struct holds no pointers (slots are a flexible
 * array, the top is a count) so it may live in memory mapped at different
 * addresses in different processes.  Every field but `capacity` is read and
 * written only with the mutex held; `capacity` is written once by init,
 * before the stack can be shared, and only read afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/stack.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/pad.h"

struct conc_mutexstack {
    /* Aligned so the lock starts a cache line of its own when the caller's
     * memory follows the CONC_ALIGN promise. */
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    size_t capacity;
    size_t len; /* slots[len - 1] is the top */
    void *slots[];
};

size_t conc_mutexstack_footprint(size_t capacity)
{
    if (capacity == 0 || capacity > CONC_MUTEXSTACK_MAX_CAPACITY)
        return 0;
    return conc_size_mul_add(capacity, sizeof(void *),
                             sizeof(struct conc_mutexstack));
}

conc_status conc_mutexstack_init(void *mem, size_t size, size_t capacity)
{
    size_t need = conc_mutexstack_footprint(capacity);
    if (mem == NULL || !conc_is_aligned(mem, CONC_ALIGN) || need == 0 ||
        size < need)
        return CONC_EINVAL;
    struct conc_mutexstack *s = mem;
    s->capacity = capacity;
    s->len = 0;
    return conc_shared_mutex_init(&s->lock);
}

conc_status conc_mutexstack_fini(conc_mutexstack *s)
{
    if (s == NULL)
        return CONC_EINVAL;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    return pthread_mutex_destroy(&s->lock) == 0 ? CONC_OK : CONC_EINVAL;
}

conc_mutexstack *conc_mutexstack_new(size_t capacity)
{
    return conc_heap_new(conc_mutexstack_footprint(capacity), conc_mutexstack_init, capacity);
}

void conc_mutexstack_free(conc_mutexstack *s)
{
    if (s == NULL)
        return;
    conc_mutexstack_fini(s);
    free(s);
}

static int lock(conc_mutexstack *s)
{
    return pthread_mutex_lock(&s->lock);
}

static void unlock(conc_mutexstack *s)
{
    pthread_mutex_unlock(&s->lock);
}

conc_status conc_mutexstack_push(conc_mutexstack *s, void *item)
{
    if (s == NULL || lock(s) != 0)
        return CONC_EINVAL;
    conc_status st = CONC_FULL;
    if (s->len < s->capacity) {
        s->slots[s->len++] = item;
        st = CONC_OK;
    }
    unlock(s);
    return st;
}

conc_status conc_mutexstack_pop(conc_mutexstack *s, void **item)
{
    if (s == NULL || item == NULL || lock(s) != 0)
        return CONC_EINVAL;
    conc_status st = CONC_EMPTY;
    if (s->len > 0) {
        *item = s->slots[--s->len];
        st = CONC_OK;
    }
    unlock(s);
    return st;
}

conc_status conc_mutexstack_push_many(conc_mutexstack *s, void *const *items,
                                      size_t n, size_t *pushed)
{
    if (s == NULL || (items == NULL && n > 0))
        return CONC_EINVAL;
    if (n == 0) {
        if (pushed != NULL)
            *pushed = 0;
        return CONC_OK;
    }
    if (lock(s) != 0)
        return CONC_EINVAL;
    size_t room = s->capacity - s->len;
    size_t k = n < room ? n : room;
    /* items[0] lowest, so a later single pop sees items[k - 1] first, as if
     * each had been pushed in turn. */
    memcpy(&s->slots[s->len], items, k * sizeof(void *));
    s->len += k;
    unlock(s);
    if (pushed != NULL)
        *pushed = k;
    return k == n ? CONC_OK : CONC_FULL;
}

conc_status conc_mutexstack_pop_many(conc_mutexstack *s, void **out,
                                     size_t max, size_t *popped)
{
    if (s == NULL || (out == NULL && max > 0))
        return CONC_EINVAL;
    if (max == 0) {
        if (popped != NULL)
            *popped = 0;
        return CONC_OK;
    }
    if (lock(s) != 0)
        return CONC_EINVAL;
    size_t k = max < s->len ? max : s->len;
    /* out[0] is the top, as if popped one at a time. */
    for (size_t i = 0; i < k; i++)
        out[i] = s->slots[s->len - 1 - i];
    s->len -= k;
    unlock(s);
    if (popped != NULL)
        *popped = k;
    return k > 0 ? CONC_OK : CONC_EMPTY;
}

size_t conc_mutexstack_len(conc_mutexstack *s)
{
    if (s == NULL || lock(s) != 0)
        return 0;
    size_t n = s->len;
    unlock(s);
    return n;
}

size_t conc_mutexstack_capacity(const conc_mutexstack *s)
{
    return s == NULL ? 0 : s->capacity;
}
