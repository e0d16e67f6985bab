/*
 * lockedarray.h - the locked array: a bounded array of void * under one
 * process-shared pthread mutex, popped FIFO (conc_mutexq, src/mutexq.c) or
 * LIFO (conc_mutexstack, src/mutexstack.c).  Implemented in
 * src/lockedarray.c; the contracts are in include/conc/mutexq.h and
 * include/conc/stack.h.
 *
 * A conc_mutexq or conc_mutexstack handle is the locked array itself (the
 * same address), which those files convert, never define.  The struct
 * holds no pointers (slots are a flexible array, positions are indices), so
 * it may live in memory mapped at different addresses in different
 * processes.  Every field but `capacity` is read and written only with the
 * mutex held; `capacity` is written once by init, before the array can be
 * shared, and only read afterwards.
 *
 * The two orders share everything but where items go in and come out:
 * FIFO pushes at head + len (wrapping) and pops from head; LIFO never moves
 * head from 0, so its items are slots[0 .. len), pushed at len and popped
 * from slots[len - 1], the top.  Each operation is compiled once per order
 * (the _fifo and _lifo functions), so neither pays a test for the other.
 */
#ifndef CONC_INTERNAL_LOCKEDARRAY_H
#define CONC_INTERNAL_LOCKEDARRAY_H

#include <conc/conc.h>

#include <pthread.h>
#include <stddef.h>

#include "container.h"
#include "pad.h"
#include "waitset.h"

/* Largest capacity (2^30 items: head + len < 2^31, see lockedarray.c). */
#define CONC__LA_MAX_CAPACITY ((size_t)1 << 30)

typedef struct conc__lockedarray {
    /* Aligned so the lock starts a cache line of its own when the caller's
     * memory follows the CONC_ALIGN promise. */
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    conc_waitset ws; /* ws.closed is read and written under the lock */
    size_t capacity;
    size_t head; /* slot of the oldest item; < capacity (LIFO: always 0) */
    size_t len;
    void *slots[];
} conc__lockedarray;

/* Construction: as conc_mutexq_footprint/init/fini/new/free. */
size_t conc__la_footprint(size_t capacity);
conc_status conc__la_init(void *mem, size_t size, size_t capacity,
                          unsigned flags);
conc_status conc__la_fini(conc__lockedarray *a);
conc__lockedarray *conc__la_new(size_t capacity, unsigned flags);
void conc__la_free(conc__lockedarray *a);

/* Try push and pop (NULL arguments: CONC_EINVAL). */
conc_status conc__la_push_fifo(conc__lockedarray *a, void *item);
conc_status conc__la_pop_fifo(conc__lockedarray *a, void **item);
conc_status conc__la_push_lifo(conc__lockedarray *a, void *item);
conc_status conc__la_pop_lifo(conc__lockedarray *a, void **item);

/* Exact at the moment the mutex was held; 0 for NULL. */
size_t conc__la_len(const conc__lockedarray *a);
size_t conc__la_capacity(const conc__lockedarray *a);

/* The container core's descriptors (container.h): the same array, popped
 * in each order, with real batches (one lock acquisition each). */
extern const conc__family conc__la_fifo;
extern const conc__family conc__la_lifo;

#endif /* CONC_INTERNAL_LOCKEDARRAY_H */
