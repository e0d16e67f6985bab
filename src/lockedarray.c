/*
 * lockedarray.c - the locked array behind conc_mutexq (FIFO) and
 * conc_mutexstack (LIFO): layout and orders in src/internal/lockedarray.h,
 * contracts in include/conc/mutexq.h and include/conc/stack.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal/lockedarray.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/lock.h"

#define ALWAYS static inline __attribute__((always_inline))

enum order { FIFO, LIFO };

/* ---- construction ------------------------------------------------------- */

size_t conc__la_footprint(size_t capacity)
{
    if (capacity == 0 || capacity > CONC__LA_MAX_CAPACITY)
        return 0;
    return conc_size_mul_add(capacity, sizeof(void *),
                             sizeof(conc__lockedarray));
}

conc_status conc__la_init(void *mem, size_t size, size_t capacity,
                          unsigned flags)
{
    size_t need = conc__la_footprint(capacity);
    if (mem == NULL || !conc_is_aligned(mem, CONC_ALIGN) || need == 0 ||
        size < need || (flags & ~CONC_FLAGS_ALL))
        return CONC_EINVAL;
    conc__lockedarray *a = mem;
    a->capacity = capacity;
    a->head = 0;
    a->len = 0;
    conc__ws_init(&a->ws, flags);
    return conc_shared_mutex_init(&a->lock);
}

conc_status conc__la_fini(conc__lockedarray *a)
{
    if (a == NULL || a->capacity == 0) /* capacity 0: finished already */
        return a == NULL ? CONC_EINVAL : CONC_OK;
    if (pthread_mutex_destroy(&a->lock) != 0) /* EBUSY: held, a misuse */
        return CONC_EINVAL;
    conc__ws_fini(&a->ws);
    a->capacity = 0; /* a second fini releases nothing */
    return CONC_OK;
}

conc__lockedarray *conc__la_new(size_t capacity, unsigned flags)
{
    return conc_heap_new(conc__la_footprint(capacity), conc__la_init,
                         capacity, flags);
}

void conc__la_free(conc__lockedarray *a)
{
    if (a == NULL)
        return;
    conc__la_fini(a);
    free(a);
}

/* ---- under the lock ----------------------------------------------------- */

/* Macros, not functions, so that in the verify build each LOCK and UNLOCK
 * point names the line that takes or gives back the mutex (lock.h). */
#define la_lock(a) conc__mutex_lock(&(a)->lock)
#define la_unlock(a) ((void)conc__mutex_unlock(&(a)->lock))

/* head + len < 2 * capacity <= 2^31, so neither the sum nor the single
 * subtraction can wrap. */
static size_t tail_slot(const conc__lockedarray *a)
{
    size_t t = a->head + a->len;
    return t >= a->capacity ? t - a->capacity : t;
}

/* Copy n items into the array starting at slot `at`, wrapping once at most
 * (n <= capacity). */
static void copy_in(conc__lockedarray *a, size_t at, void *const *items,
                    size_t n)
{
    size_t first = a->capacity - at;
    if (first > n)
        first = n;
    memcpy(&a->slots[at], items, first * sizeof(void *));
    if (n > first)
        memcpy(&a->slots[0], items + first, (n - first) * sizeof(void *));
}

static void copy_out(conc__lockedarray *a, size_t at, void **out, size_t n)
{
    size_t first = a->capacity - at;
    if (first > n)
        first = n;
    memcpy(out, &a->slots[at], first * sizeof(void *));
    if (n > first)
        memcpy(out + first, &a->slots[0], (n - first) * sizeof(void *));
}

/* Push up to n items with the lock held; the status for the whole call.
 * FIFO appends at head + len, wrapping; LIFO at len (head is 0). */
ALWAYS conc_status push_locked(conc__lockedarray *a, enum order order,
                               void *const *items, size_t n, size_t *k)
{
    *k = 0;
    if (n == 0)
        return CONC_OK; /* nothing to do, closed or not (conc/wait.h) */
    if (conc__ws_is_closed(&a->ws))
        return CONC_CLOSED;
    size_t room = a->capacity - a->len;
    *k = n < room ? n : room;
    if (*k > 0) { /* items may be NULL when n == 0 */
        if (order == FIFO)
            copy_in(a, tail_slot(a), items, *k);
        else
            memcpy(&a->slots[a->len], items, *k * sizeof(void *));
    }
    a->len += *k;
    return *k == n ? CONC_OK : CONC_FULL;
}

/* Pop up to max items with the lock held: the oldest first (FIFO) or the
 * newest first (LIFO). */
ALWAYS conc_status pop_locked(conc__lockedarray *a, enum order order,
                              void **out, size_t max, size_t *k)
{
    *k = max < a->len ? max : a->len;
    if (order == FIFO) {
        if (*k > 0) /* out may be NULL when max == 0 */
            copy_out(a, a->head, out, *k);
        a->head += *k;
        if (a->head >= a->capacity)
            a->head -= a->capacity;
    } else {
        for (size_t i = 0; i < *k; i++)
            out[i] = a->slots[a->len - 1 - i];
    }
    a->len -= *k;
    if (*k > 0 || max == 0)
        return CONC_OK;
    return conc__ws_is_closed(&a->ws) ? CONC_CLOSED : CONC_EMPTY;
}

/* ---- push and pop ------------------------------------------------------- */

ALWAYS conc_status push_n(conc__lockedarray *a, enum order order,
                          void *const *items, size_t n, size_t *pushed)
{
    size_t k = 0;
    conc_status st = CONC_EINVAL;
    if (la_lock(a) == 0) {
        st = push_locked(a, order, items, n, &k);
        /* Counted before the lock lets a pop see them, and only what went
         * in: nothing provisional for task_done to take (conc/wait.h). */
        conc__ws_count_pushed(&a->ws, k);
        la_unlock(a);
    }
    conc__ws_pushed(&a->ws, k);
    if (pushed != NULL && st != CONC_EINVAL)
        *pushed = k;
    return st;
}

ALWAYS conc_status pop_n(conc__lockedarray *a, enum order order, void **out,
                         size_t max, size_t *popped)
{
    size_t k = 0;
    if (la_lock(a) != 0)
        return CONC_EINVAL;
    conc_status st = pop_locked(a, order, out, max, &k);
    la_unlock(a);
    if (st == CONC_EMPTY && conc__ws_rearm(&a->ws) && la_lock(a) == 0) {
        st = pop_locked(a, order, out, max, &k);
        la_unlock(a);
        if (st == CONC_OK)
            conc__ws_refire_fd(&a->ws);
    }
    conc__ws_popped(&a->ws, k);
    if (popped != NULL)
        *popped = k;
    return st;
}

conc_status conc__la_push_fifo(conc__lockedarray *a, void *item)
{
    if (a == NULL)
        return CONC_EINVAL;
    return push_n(a, FIFO, &item, 1, NULL);
}

conc_status conc__la_push_lifo(conc__lockedarray *a, void *item)
{
    if (a == NULL)
        return CONC_EINVAL;
    return push_n(a, LIFO, &item, 1, NULL);
}

conc_status conc__la_pop_fifo(conc__lockedarray *a, void **item)
{
    if (a == NULL || item == NULL)
        return CONC_EINVAL;
    return pop_n(a, FIFO, item, 1, NULL);
}

conc_status conc__la_pop_lifo(conc__lockedarray *a, void **item)
{
    if (a == NULL || item == NULL)
        return CONC_EINVAL;
    return pop_n(a, LIFO, item, 1, NULL);
}

size_t conc__la_len(const conc__lockedarray *a)
{
    /* The mutex is the one field a const observer writes: the array is
     * never const memory (init wrote it), so casting const away is sound. */
    conc__lockedarray *m = (conc__lockedarray *)a;
    if (m == NULL || la_lock(m) != 0)
        return 0;
    size_t n = m->len;
    la_unlock(m);
    return n;
}

size_t conc__la_capacity(const conc__lockedarray *a)
{
    return a == NULL ? 0 : a->capacity;
}

/* ---- the container core's descriptors ----------------------------------- */

static conc_status try_push_fifo(void *obj, void *item)
{
    return conc__la_push_fifo(obj, item);
}

static conc_status try_push_lifo(void *obj, void *item)
{
    return conc__la_push_lifo(obj, item);
}

static conc_status try_pop_fifo(void *obj, void *out)
{
    return conc__la_pop_fifo(obj, out);
}

static conc_status try_pop_lifo(void *obj, void *out)
{
    return conc__la_pop_lifo(obj, out);
}

/* Whole batches under one lock acquisition (arguments checked by the
 * core): a batch's items are contiguous in the array. */
static conc_status push_many_fifo(void *obj, void *const *items, size_t n,
                                  size_t *pushed)
{
    return push_n(obj, FIFO, items, n, pushed);
}

static conc_status push_many_lifo(void *obj, void *const *items, size_t n,
                                  size_t *pushed)
{
    return push_n(obj, LIFO, items, n, pushed);
}

static conc_status pop_many_fifo(void *obj, void **out, size_t max,
                                 size_t *popped)
{
    return pop_n(obj, FIFO, out, max, popped);
}

static conc_status pop_many_lifo(void *obj, void **out, size_t max,
                                 size_t *popped)
{
    return pop_n(obj, LIFO, out, max, popped);
}

static conc_status close_locked_array(void *obj)
{
    conc__lockedarray *a = obj;
    /* Under the lock, so that close is one point in the order of pushes.
     * A lock that fails (a misuse, e.g. a corrupted mutex) closes nothing
     * and says so. */
    if (la_lock(a) != 0)
        return CONC_EINVAL;
    conc__ws_mark_closed(&a->ws);
    la_unlock(a);
    return CONC_OK;
}

/* ws.closed is written under the lock, so it is the authority here. */
static bool closed(const void *obj)
{
    const conc__lockedarray *a = obj;
    return conc__ws_is_closed(&a->ws);
}

const conc__family conc__la_fifo = {
    .push = try_push_fifo,
    .pop = try_pop_fifo,
    .close = close_locked_array,
    .closed = closed,
    .ws_offset = offsetof(conc__lockedarray, ws),
    .push_many = push_many_fifo,
    .pop_many = pop_many_fifo,
};

const conc__family conc__la_lifo = {
    .push = try_push_lifo,
    .pop = try_pop_lifo,
    .close = close_locked_array,
    .closed = closed,
    .ws_offset = offsetof(conc__lockedarray, ws),
    .push_many = push_many_lifo,
    .pop_many = pop_many_lifo,
};
