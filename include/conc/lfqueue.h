/*
 * conc/lfqueue.h - conc_lfqueue: unbounded lock-free MPMC FIFO queue of
 * pointers.
 *
 * Algorithm: a linked list of fixed-size segments, each an array of slots
 * filled and emptied by fetch-and-add on two indices, the fast path of Yang &
 * Mellor-Crummey, "A Wait-free Queue as Fast as Fetch-and-Add", PPoPP 2016
 * (also Correia & Ramalhete's FAAArrayQueue, 2016).  A producer takes slot
 * i = FAA(enq) and CASes its item in; a consumer takes slot j = FAA(deq) and
 * loads the slot: FULL, the item is its own (only one consumer is ever
 * given j); else it exchanges the slot with TAKEN, and if the producer has
 * not arrived yet that producer finds TAKEN, fails, and takes a new slot.
 * So a push costs two atomic read-modify-writes and a pop one (three a
 * pair; liburcu's wfcqueue, one exchange to enqueue and a mutex to
 * dequeue, costs three too once its process has more than one thread).  A
 * full segment is followed by a new one, appended with one CAS on `next`
 * (Michael & Scott's tail swinging, PODC 1996).  Closing sets a bit in the
 * last segment's enqueue index and seals its `next` pointer, as LCRQ closes
 * a ring (Morrison & Afek, PPoPP 2013).  A pop retires a segment, or
 * answers CONC_CLOSED at a sealed one, only on enqueue/dequeue indices
 * loaded after it saw `next` set: from then on the segment takes no new
 * positions, so those indices cover every item it will ever hold.  (In
 * 0.1.0 the decision used indices loaded before `next`: a close racing an
 * append could retire a full segment, losing its items, or a pop could
 * answer CLOSED with an item left; see CHANGELOG.md.)  Only single-width
 * atomics.  Written anew for conc.
 *
 * Reclamation: hazard pointers (Michael, IEEE TPDS 2004; src/hp.c), kept
 * set between operations: each thread has one for the segment it last
 * popped from and one for the segment it last pushed to, and publishes
 * (a full fence) only when head or tail has moved since, so an operation
 * that stays in its segment publishes nothing.  Segments are recycled: the
 * pop that moves the head past a segment puts it in the queue's pool (one
 * spare), and the next append takes it from there once no hazard pointer
 * holds it; so a queue in steady flow maps no memory.  A segment the pool
 * has no room for is retired to the hazard pointers and unmapped as soon
 * as none holds it.  Memory held back: besides the pool's spare, each
 * thread that has used an lfqueue keeps at most its two segments from
 * reuse until its next operation on an lfqueue or its exit, and retired
 * segments wait only for those (at most H = 2 per such thread over all
 * retiring threads' lists, and at most H once operations stop and a retire
 * or an exiting thread scans).  Segments come from mmap and go back with
 * munmap, so after a drain the process's resident memory returns to its
 * starting size (measured in docs/bench.md).
 * Progress: lock-free (push may also fail with CONC_ENOMEM when a new
 *   segment cannot be mapped; the item stays with the caller).
 * Memory: conc_lfqueue_memory(q) bytes: one segment (8 KiB, 504 slots,
 *   in one mapping) and the pool's spare while nearly empty, then one more
 *   per segment's worth of items (16.25 bytes an item).
 * Capacity: unbounded; push never returns CONC_FULL.
 * Ordering: linearizable FIFO; a push happens-before the pop of its item.
 *   closed, close and a push's CONC_CLOSED fit one total order with the
 *   caller's own seq_cst atomics (explore's lfqueue/rc11-closed, weak mode).
 * Concurrency: every operation but init/fini/free runs concurrently with
 *   every other, from any number of threads.  Each thread that has used an
 *   lfqueue holds a small hazard-pointer record until it exits.
 * Processes: not for shared memory (segments are this process's private
 *   mappings; head, tail and hazard pointers are addresses), so init and
 *   new refuse CONC_SHARED (CONC_EINVAL, NULL/errno EINVAL).  Between
 *   processes use conc_ring, conc_mutexq, conc_stack or conc_mutexstack with
 *   CONC_SHARED, or conc_shmring.
 * Items: any void * value round-trips, NULL included; never dereferenced.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_LFQUEUE_H
#define CONC_LFQUEUE_H

#include <conc/conc.h>
#include <conc/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct conc_lfqueue conc_lfqueue;

/* `flags`: 0, CONC_JOINABLE, CONC_NOWAIT (conc/wait.h); not CONC_SHARED.
 * NULL with errno EINVAL (unknown flags, CONC_SHARED) or ENOMEM. */
CONC_API conc_lfqueue *conc_lfqueue_new(unsigned flags);
/* Frees every segment (the queue must be idle).  Items inside are not
 * touched.  NULL is ignored. */
CONC_API void conc_lfqueue_free(conc_lfqueue *q);
/* The queue's handle in caller memory (segments still come from mmap).
 * init does not read what mem held: over a live queue, call fini first, or
 * its segments stay mapped for good. */
CONC_API size_t conc_lfqueue_footprint(void);
CONC_API conc_status conc_lfqueue_init(void *mem, size_t size, unsigned flags);
CONC_API conc_status conc_lfqueue_fini(conc_lfqueue *q);

/* CONC_OK, CONC_CLOSED or CONC_ENOMEM (the item stays with the caller),
 * CONC_EINVAL. */
CONC_API conc_status conc_lfqueue_push(conc_lfqueue *q, void *item);
/* CONC_OK, CONC_EMPTY, CONC_CLOSED (closed and drained), CONC_EINVAL, or
 * CONC_ENOMEM when this thread's first hazard-pointer record (a few hundred
 * bytes, once per thread) cannot be allocated. */
CONC_API conc_status conc_lfqueue_pop(conc_lfqueue *q, void **item);
/* As conc_ring_push_many and pop_many (statuses, *pushed and *popped, the
 * items left with the caller), never FULL: CONC_CLOSED or CONC_ENOMEM stop
 * a push_many.  Real batches: up to 64 items take their positions in a
 * segment with one fetch-and-add (src/lfqueue.c); each item is pushed and
 * popped by its own linearizable step, a producer's items stay in order,
 * other threads' items may interleave. */
CONC_API conc_status conc_lfqueue_push_many(conc_lfqueue *q, void *const *items,
                                            size_t n, size_t *pushed);
CONC_API conc_status conc_lfqueue_pop_many(conc_lfqueue *q, void **out,
                                           size_t max, size_t *popped);
/* Approximate number of items while operations run (every segment between
 * head and tail counts as full); exact when quiescent, after a close too
 * (a push that finds the last segment being closed seals it rather than
 * append behind it, so only full segments ever have a successor; in
 * 0.1.0 appends racing a close could leave part-filled segments behind,
 * each overstating len by up to a segment's worth; CHANGELOG.md); 0 for
 * NULL. */
CONC_API size_t conc_lfqueue_len(const conc_lfqueue *q);
/* SIZE_MAX (unbounded); 0 for NULL. */
CONC_API size_t conc_lfqueue_capacity(const conc_lfqueue *q);
/* Bytes of segments this queue holds now, the pool's spare included (not
 * counting retired segments a hazard pointer still protects); 0 for NULL. */
CONC_API size_t conc_lfqueue_memory(const conc_lfqueue *q);

/* Waiting, closing, joining, event loops: the contract of conc/wait.h,
 * which gives every status. */

/* Never waits (there is always room) but fails like push. */
CONC_API conc_status conc_lfqueue_push_wait(conc_lfqueue *q, void *item,
                                            uint64_t timeout_ns);
/* Pop, waiting up to timeout_ns for an item. */
CONC_API conc_status conc_lfqueue_pop_wait(conc_lfqueue *q, void **item,
                                           uint64_t timeout_ns);
/* No more pushes; pops drain what is left, then answer CONC_CLOSED.
 * CONC_ENOMEM, having changed nothing, when this thread's first
 * hazard-pointer record cannot be allocated (close needs one to reach the
 * last segment safely; it never busy-waits for memory). */
CONC_API conc_status conc_lfqueue_close(conc_lfqueue *q);
/* Close, then hand every item left to discard(item, arg). */
CONC_API conc_status conc_lfqueue_close_now(conc_lfqueue *q,
                                            conc_discard_fn discard, void *arg,
                                            size_t *discarded);
/* 1 once closed, else 0 (0 for NULL). */
CONC_API int conc_lfqueue_closed(const conc_lfqueue *q);
/* One popped item is finished (CONC_JOINABLE). */
CONC_API conc_status conc_lfqueue_task_done(conc_lfqueue *q);
/* Wait up to timeout_ns until no pushed item is unfinished (CONC_JOINABLE). */
CONC_API conc_status conc_lfqueue_join(conc_lfqueue *q, uint64_t timeout_ns);
/* An eventfd, readable while items may be there; owned by the queue. */
CONC_API conc_status conc_lfqueue_fd(conc_lfqueue *q, int *fd);

#ifdef __cplusplus
}
#endif

#endif /* CONC_LFQUEUE_H */
