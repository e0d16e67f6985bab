/*
 * mutexq.c - conc_mutexq: bounded MPMC FIFO queue, a circular array under
 * one process-shared pthread mutex.
 *
 * The lock-based reference and baseline for conc_ring (contract in
 * include/conc/mutexq.h).  The struct holds no pointers (slots are a flexible
 * array, positions are indices) so it may live in memory mapped at different
 * addresses in different processes.  Every field but `capacity` is read and
 * written only with the mutex held; `capacity` is written once by init,
 * before the queue can be shared, and only read afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/mutexq.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/pad.h"

struct conc_mutexq {
    /* Aligned so the lock starts a cache line of its own when the caller's
     * memory follows the CONC_ALIGN promise. */
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    size_t capacity;
    size_t head; /* slot of the oldest item; < capacity */
    size_t len;
    void *slots[];
};

size_t conc_mutexq_footprint(size_t capacity)
{
    if (capacity == 0 || capacity > CONC_MUTEXQ_MAX_CAPACITY)
        return 0;
    return conc_size_mul_add(capacity, sizeof(void *),
                             sizeof(struct conc_mutexq));
}

conc_status conc_mutexq_init(void *mem, size_t size, size_t capacity)
{
    size_t need = conc_mutexq_footprint(capacity);
    if (mem == NULL || !conc_is_aligned(mem, CONC_ALIGN) || need == 0 ||
        size < need)
        return CONC_EINVAL;
    struct conc_mutexq *q = mem;
    q->capacity = capacity;
    q->head = 0;
    q->len = 0;
    return conc_shared_mutex_init(&q->lock);
}

conc_status conc_mutexq_fini(conc_mutexq *q)
{
    if (q == NULL)
        return CONC_EINVAL;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    return pthread_mutex_destroy(&q->lock) == 0 ? CONC_OK : CONC_EINVAL;
}

conc_mutexq *conc_mutexq_new(size_t capacity)
{
    return conc_heap_new(conc_mutexq_footprint(capacity), conc_mutexq_init, capacity);
}

void conc_mutexq_free(conc_mutexq *q)
{
    if (q == NULL)
        return;
    conc_mutexq_fini(q);
    free(q);
}

static int lock(conc_mutexq *q)
{
    return pthread_mutex_lock(&q->lock);
}

static void unlock(conc_mutexq *q)
{
    pthread_mutex_unlock(&q->lock);
}

/* Copy n items into the ring starting at slot `at`, wrapping once at most
 * (n <= capacity). */
static void copy_in(conc_mutexq *q, size_t at, void *const *items, size_t n)
{
    size_t first = q->capacity - at;
    if (first > n)
        first = n;
    memcpy(&q->slots[at], items, first * sizeof(void *));
    memcpy(&q->slots[0], items + first, (n - first) * sizeof(void *));
}

static void copy_out(conc_mutexq *q, size_t at, void **out, size_t n)
{
    size_t first = q->capacity - at;
    if (first > n)
        first = n;
    memcpy(out, &q->slots[at], first * sizeof(void *));
    memcpy(out + first, &q->slots[0], (n - first) * sizeof(void *));
}

/* head + len < 2 * capacity <= 2^31, so neither the sum nor the single
 * subtraction can wrap. */
static size_t tail_slot(const conc_mutexq *q)
{
    size_t t = q->head + q->len;
    return t >= q->capacity ? t - q->capacity : t;
}

conc_status conc_mutexq_push(conc_mutexq *q, void *item)
{
    if (q == NULL || lock(q) != 0)
        return CONC_EINVAL;
    conc_status st = CONC_FULL;
    if (q->len < q->capacity) {
        q->slots[tail_slot(q)] = item;
        q->len++;
        st = CONC_OK;
    }
    unlock(q);
    return st;
}

conc_status conc_mutexq_pop(conc_mutexq *q, void **item)
{
    if (q == NULL || item == NULL || lock(q) != 0)
        return CONC_EINVAL;
    conc_status st = CONC_EMPTY;
    if (q->len > 0) {
        *item = q->slots[q->head];
        q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
        q->len--;
        st = CONC_OK;
    }
    unlock(q);
    return st;
}

conc_status conc_mutexq_push_many(conc_mutexq *q, void *const *items, size_t n,
                                  size_t *pushed)
{
    if (q == NULL || (items == NULL && n > 0))
        return CONC_EINVAL;
    if (n == 0) {
        if (pushed != NULL)
            *pushed = 0;
        return CONC_OK;
    }
    if (lock(q) != 0)
        return CONC_EINVAL;
    size_t room = q->capacity - q->len;
    size_t k = n < room ? n : room;
    copy_in(q, tail_slot(q), items, k);
    q->len += k;
    unlock(q);
    if (pushed != NULL)
        *pushed = k;
    return k == n ? CONC_OK : CONC_FULL;
}

conc_status conc_mutexq_pop_many(conc_mutexq *q, void **out, size_t max,
                                 size_t *popped)
{
    if (q == NULL || (out == NULL && max > 0))
        return CONC_EINVAL;
    if (max == 0) {
        if (popped != NULL)
            *popped = 0;
        return CONC_OK;
    }
    if (lock(q) != 0)
        return CONC_EINVAL;
    size_t k = max < q->len ? max : q->len;
    copy_out(q, q->head, out, k);
    q->head += k;
    if (q->head >= q->capacity)
        q->head -= q->capacity;
    q->len -= k;
    unlock(q);
    if (popped != NULL)
        *popped = k;
    return k > 0 ? CONC_OK : CONC_EMPTY;
}

size_t conc_mutexq_len(conc_mutexq *q)
{
    if (q == NULL || lock(q) != 0)
        return 0;
    size_t n = q->len;
    unlock(q);
    return n;
}

size_t conc_mutexq_capacity(const conc_mutexq *q)
{
    return q == NULL ? 0 : q->capacity;
}
