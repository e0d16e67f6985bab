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
#include "internal/waitset.h"

struct conc_mutexq {
    /* Aligned so the lock starts a cache line of its own when the caller's
     * memory follows the CONC_ALIGN promise. */
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    conc_waitset ws; /* ws.closed is read and written under the lock */
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

conc_status conc_mutexq_init(void *mem, size_t size, size_t capacity,
                             unsigned flags)
{
    size_t need = conc_mutexq_footprint(capacity);
    if (mem == NULL || !conc_is_aligned(mem, CONC_ALIGN) || need == 0 ||
        size < need || (flags & ~CONC_FLAGS_ALL))
        return CONC_EINVAL;
    struct conc_mutexq *q = mem;
    q->capacity = capacity;
    q->head = 0;
    q->len = 0;
    conc__ws_init(&q->ws, flags);
    return conc_shared_mutex_init(&q->lock);
}

conc_status conc_mutexq_fini(conc_mutexq *q)
{
    if (q == NULL)
        return CONC_EINVAL;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    if (pthread_mutex_destroy(&q->lock) != 0)
        return CONC_EINVAL;
    conc__ws_fini(&q->ws);
    return CONC_OK;
}

conc_mutexq *conc_mutexq_new(size_t capacity, unsigned flags)
{
    return conc_heap_new(conc_mutexq_footprint(capacity), conc_mutexq_init, capacity,
                         flags);
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

static conc_status push_locked(conc_mutexq *q, void *const *items, size_t n,
                               size_t *k)
{
    *k = 0;
    if (n == 0)
        return CONC_OK; /* nothing to do, closed or not (conc/wait.h) */
    if (conc__ws_is_closed(&q->ws))
        return CONC_CLOSED;
    size_t room = q->capacity - q->len;
    *k = n < room ? n : room;
    if (*k > 0) /* items may be NULL when n == 0 */
        copy_in(q, tail_slot(q), items, *k);
    q->len += *k;
    return *k == n ? CONC_OK : CONC_FULL;
}

static conc_status pop_locked(conc_mutexq *q, void **out, size_t max,
                              size_t *k)
{
    *k = max < q->len ? max : q->len;
    if (*k > 0) /* out may be NULL when max == 0 */
        copy_out(q, q->head, out, *k);
    q->head += *k;
    if (q->head >= q->capacity)
        q->head -= q->capacity;
    q->len -= *k;
    if (*k > 0 || max == 0)
        return CONC_OK;
    return conc__ws_is_closed(&q->ws) ? CONC_CLOSED : CONC_EMPTY;
}

static conc_status push_n(conc_mutexq *q, void *const *items, size_t n,
                          size_t *pushed)
{
    size_t k = 0;
    conc_status st = CONC_EINVAL;
    if (lock(q) == 0) {
        st = push_locked(q, items, n, &k);
        /* Counted before the lock lets a pop see them, and only what went
         * in: nothing provisional for task_done to take (conc/wait.h). */
        conc__ws_count_pushed(&q->ws, k);
        unlock(q);
    }
    conc__ws_pushed(&q->ws, k);
    if (pushed != NULL && st != CONC_EINVAL)
        *pushed = k;
    return st;
}

static conc_status pop_n(conc_mutexq *q, void **out, size_t max,
                         size_t *popped)
{
    size_t k = 0;
    if (lock(q) != 0)
        return CONC_EINVAL;
    conc_status st = pop_locked(q, out, max, &k);
    unlock(q);
    if (st == CONC_EMPTY && conc__ws_rearm(&q->ws) && lock(q) == 0) {
        st = pop_locked(q, out, max, &k);
        unlock(q);
    }
    conc__ws_popped(&q->ws, k);
    if (popped != NULL)
        *popped = k;
    return st;
}

conc_status conc_mutexq_push(conc_mutexq *q, void *item)
{
    if (q == NULL)
        return CONC_EINVAL;
    return push_n(q, &item, 1, NULL);
}

conc_status conc_mutexq_pop(conc_mutexq *q, void **item)
{
    if (q == NULL || item == NULL)
        return CONC_EINVAL;
    return pop_n(q, item, 1, NULL);
}

conc_status conc_mutexq_push_many(conc_mutexq *q, void *const *items, size_t n,
                                  size_t *pushed)
{
    if (q == NULL || (items == NULL && n > 0))
        return CONC_EINVAL;
    return push_n(q, items, n, pushed);
}

conc_status conc_mutexq_pop_many(conc_mutexq *q, void **out, size_t max,
                                 size_t *popped)
{
    if (q == NULL || (out == NULL && max > 0))
        return CONC_EINVAL;
    return pop_n(q, out, max, popped);
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

/* ---- waiting, closing, joining (include/conc/wait.h) -------------------- */

static conc_waitset *mutexq_ws_(conc_mutexq *q) { return &q->ws; }

static conc_status mutexq_close_(conc_mutexq *q)
{
    /* Under the lock, so that close is one point in the order of pushes.
     * A lock that fails (a misuse, e.g. a corrupted mutex) closes nothing
     * and says so. */
    if (lock(q) != 0)
        return CONC_EINVAL;
    conc__ws_mark_closed(&q->ws);
    unlock(q);
    return CONC_OK;
}

/* ws.closed is written under the lock, so it is the authority here. */
static bool mutexq_closed_(conc_mutexq *q) { return conc__ws_is_closed(&q->ws); }

CONC_WS_FAMILY(mutexq, conc_mutexq)
