/*
 * conc/mutexq.h - conc_mutexq: bounded MPMC FIFO queue under one mutex.
 *
 * The lock-based reference and baseline for conc_ring: a circular array
 * guarded by one pthread mutex (made PTHREAD_PROCESS_SHARED, so the queue
 * may live in memory shared between processes: conc_mutexq_init in a
 * MAP_SHARED mapping).  push and pop work across processes with any flags;
 * waiting, close and join across processes need CONC_SHARED at init
 * (conc/wait.h), which gives process-shared futexes and no fd.
 *
 * Progress: blocking.  A thread preempted while holding the mutex stops every
 *   other operation on the queue until it runs again.
 * Memory: conc_mutexq_footprint(capacity) bytes, about 8 * capacity + 320,
 *   fixed at construction.
 * Capacity: exact; CONC_FULL and CONC_EMPTY are exact at every moment.
 * Ordering: each operation is atomic under the mutex; a successful push
 *   happens-before the pop that returns its item; FIFO in real time.
 * Concurrency: every operation except init/fini/free may run concurrently
 *   with every other.  push_many and pop_many are atomic: a batch's items are
 *   contiguous in the queue.
 * Items: any void * value round-trips, NULL included; never dereferenced.
 * Processes: the mutex is not robust.  A process that dies while holding it
 *   (inside a push or pop, a few instructions) leaves it locked, and every
 *   other user of the queue then blocks; the lock-free conc_ring has no such
 *   failure mode.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_MUTEXQ_H
#define CONC_MUTEXQ_H

#include <conc/conc.h>
#include <conc/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest capacity a mutexq accepts (2^30 items). */
#define CONC_MUTEXQ_MAX_CAPACITY ((size_t)1 << 30)

typedef struct conc_mutexq conc_mutexq;

/* `flags`: 0 or any of CONC_JOINABLE, CONC_NOWAIT, CONC_SHARED (conc/wait.h;
 * CONC_SHARED is meant for conc_mutexq_init in shared memory).  NULL with
 * errno EINVAL (capacity 0 or too large, unknown flags) or ENOMEM. */
conc_mutexq *conc_mutexq_new(size_t capacity, unsigned flags);
/* NULL is ignored; items inside are not touched. */
void conc_mutexq_free(conc_mutexq *q);
/* Bytes for caller memory; 0 for an invalid capacity or overflow. */
size_t conc_mutexq_footprint(size_t capacity);
/* CONC_EINVAL for NULL/misaligned mem, short size, invalid capacity or
 * flags; CONC_ENOMEM if the mutex cannot be made.  Handle is
 * (conc_mutexq *)mem.  In memory shared between processes, pass CONC_SHARED
 * to wait across them (conc/wait.h, Processes). */
conc_status conc_mutexq_init(void *mem, size_t size, size_t capacity,
                             unsigned flags);
/* Destroy the mutex (and eventfd) of a queue built by init.  CONC_EINVAL on
 * NULL. */
conc_status conc_mutexq_fini(conc_mutexq *q);

/* CONC_OK, CONC_FULL or CONC_CLOSED (item stays with the caller),
 * CONC_EINVAL. */
conc_status conc_mutexq_push(conc_mutexq *q, void *item);
/* CONC_OK, CONC_EMPTY (*item untouched), CONC_CLOSED (closed and drained),
 * CONC_EINVAL. */
conc_status conc_mutexq_pop(conc_mutexq *q, void **item);
/* As conc_ring_push_many, but the whole batch (as much as fits) goes in
 * under one lock acquisition, contiguously. */
conc_status conc_mutexq_push_many(conc_mutexq *q, void *const *items, size_t n,
                                  size_t *pushed);
/* As conc_ring_pop_many, under one lock acquisition. */
conc_status conc_mutexq_pop_many(conc_mutexq *q, void **out, size_t max,
                                 size_t *popped);
/* Exact at the moment the mutex was held; 0 for NULL. */
size_t conc_mutexq_len(const conc_mutexq *q);
size_t conc_mutexq_capacity(const conc_mutexq *q);

/* Waiting, closing, joining, event loops: conc/wait.h.  close takes the lock, so it is
 * one point in the order of pushes and pops. */
conc_status conc_mutexq_push_wait(conc_mutexq *q, void *item, uint64_t timeout_ns);
conc_status conc_mutexq_pop_wait(conc_mutexq *q, void **item, uint64_t timeout_ns);
conc_status conc_mutexq_close(conc_mutexq *q);
conc_status conc_mutexq_close_now(conc_mutexq *q, conc_discard_fn discard, void *arg,
                                  size_t *discarded);
int conc_mutexq_closed(const conc_mutexq *q);
conc_status conc_mutexq_task_done(conc_mutexq *q);
conc_status conc_mutexq_join(conc_mutexq *q, uint64_t timeout_ns);
conc_status conc_mutexq_fd(conc_mutexq *q, int *fd);

#ifdef __cplusplus
}
#endif

#endif /* CONC_MUTEXQ_H */
