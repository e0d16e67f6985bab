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
#include "internal/waitset.h"

struct conc_mutexstack {
    /* Aligned so the lock starts a cache line of its own when the caller's
     * memory follows the CONC_ALIGN promise. */
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    conc_waitset ws; /* ws.closed is read and written under the lock */
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

conc_status conc_mutexstack_init(void *mem, size_t size, size_t capacity,
                                 unsigned flags)
{
    size_t need = conc_mutexstack_footprint(capacity);
    if (mem == NULL || !conc_is_aligned(mem, CONC_ALIGN) || need == 0 ||
        size < need || (flags & ~CONC_FLAGS_ALL))
        return CONC_EINVAL;
    struct conc_mutexstack *s = mem;
    s->capacity = capacity;
    s->len = 0;
    conc__ws_init(&s->ws, flags);
    return conc_shared_mutex_init(&s->lock);
}

conc_status conc_mutexstack_fini(conc_mutexstack *s)
{
    if (s == NULL)
        return CONC_EINVAL;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    if (pthread_mutex_destroy(&s->lock) != 0)
        return CONC_EINVAL;
    conc__ws_fini(&s->ws);
    return CONC_OK;
}

conc_mutexstack *conc_mutexstack_new(size_t capacity, unsigned flags)
{
    return conc_heap_new(conc_mutexstack_footprint(capacity), conc_mutexstack_init, capacity,
                         flags);
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

/* Push up to n items with the lock held; the status for the whole call. */
static conc_status push_locked(conc_mutexstack *s, void *const *items,
                               size_t n, size_t *k)
{
    *k = 0;
    if (n == 0)
        return CONC_OK; /* nothing to do, closed or not (conc/wait.h) */
    if (conc__ws_is_closed(&s->ws))
        return CONC_CLOSED;
    size_t room = s->capacity - s->len;
    *k = n < room ? n : room;
    if (*k > 0) /* items may be NULL when n == 0 */
        memcpy(&s->slots[s->len], items, *k * sizeof(void *));
    s->len += *k;
    return *k == n ? CONC_OK : CONC_FULL;
}

/* Pop up to max items (newest first) with the lock held. */
static conc_status pop_locked(conc_mutexstack *s, void **out, size_t max,
                              size_t *k)
{
    *k = max < s->len ? max : s->len;
    for (size_t i = 0; i < *k; i++)
        out[i] = s->slots[s->len - 1 - i];
    s->len -= *k;
    if (*k > 0 || max == 0)
        return CONC_OK;
    return conc__ws_is_closed(&s->ws) ? CONC_CLOSED : CONC_EMPTY;
}

static conc_status push_n(conc_mutexstack *s, void *const *items, size_t n,
                          size_t *pushed)
{
    size_t k = 0;
    conc_status st = CONC_EINVAL;
    if (lock(s) == 0) {
        st = push_locked(s, items, n, &k);
        /* Counted before the lock lets a pop see them, and only what went
         * in: nothing provisional for task_done to take (conc/wait.h). */
        conc__ws_count_pushed(&s->ws, k);
        unlock(s);
    }
    conc__ws_pushed(&s->ws, k);
    if (pushed != NULL && st != CONC_EINVAL)
        *pushed = k;
    return st;
}

static conc_status pop_n(conc_mutexstack *s, void **out, size_t max,
                         size_t *popped)
{
    size_t k = 0;
    if (lock(s) != 0)
        return CONC_EINVAL;
    conc_status st = pop_locked(s, out, max, &k);
    unlock(s);
    if (st == CONC_EMPTY && conc__ws_rearm(&s->ws) && lock(s) == 0) {
        st = pop_locked(s, out, max, &k);
        unlock(s);
    }
    conc__ws_popped(&s->ws, k);
    if (popped != NULL)
        *popped = k;
    return st;
}

conc_status conc_mutexstack_push(conc_mutexstack *s, void *item)
{
    if (s == NULL)
        return CONC_EINVAL;
    return push_n(s, &item, 1, NULL);
}

conc_status conc_mutexstack_pop(conc_mutexstack *s, void **item)
{
    if (s == NULL || item == NULL)
        return CONC_EINVAL;
    return pop_n(s, item, 1, NULL);
}

conc_status conc_mutexstack_push_many(conc_mutexstack *s, void *const *items,
                                      size_t n, size_t *pushed)
{
    if (s == NULL || (items == NULL && n > 0))
        return CONC_EINVAL;
    return push_n(s, items, n, pushed);
}

conc_status conc_mutexstack_pop_many(conc_mutexstack *s, void **out,
                                     size_t max, size_t *popped)
{
    if (s == NULL || (out == NULL && max > 0))
        return CONC_EINVAL;
    return pop_n(s, out, max, popped);
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

/* ---- waiting, closing, joining (include/conc/wait.h) -------------------- */

static conc_waitset *mutexstack_ws_(conc_mutexstack *s) { return &s->ws; }

static conc_status mutexstack_close_(conc_mutexstack *s)
{
    /* Under the lock, so that close is one point in the order of pushes.
     * A lock that fails (a misuse, e.g. a corrupted mutex) closes nothing
     * and says so. */
    if (lock(s) != 0)
        return CONC_EINVAL;
    conc__ws_mark_closed(&s->ws);
    unlock(s);
    return CONC_OK;
}

/* ws.closed is written under the lock, so it is the authority here. */
static bool mutexstack_closed_(conc_mutexstack *s) { return conc__ws_is_closed(&s->ws); }

CONC_WS_FAMILY(mutexstack, conc_mutexstack)
