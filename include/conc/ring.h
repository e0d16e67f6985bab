/*
 * conc/ring.h - conc_ring: bounded lock-free MPMC FIFO queue of pointers.
 *
 * Algorithm: SCQ, Nikolaev, "A Scalable, Portable, and Memory-Efficient
 * Lock-Free FIFO Queue", DISC 2019.  Two rings of slot indices (allocated,
 * free) over one array of item slots; only single-width fetch-and-add,
 * compare-and-swap and fetch-or on 64-bit words.  Written anew for conc.
 *
 * Progress: lock-free.  push and pop finish in a bounded number of their own
 *   steps unless other threads keep completing operations; a thread that is
 *   preempted in the middle of an operation never stops the others (a
 *   consumer that reaches a slot whose producer stalled skips it, and the
 *   producer retries elsewhere).
 * Memory: conc_ring_footprint(capacity) bytes, fixed at construction and
 *   linear in the capacity (the item slots, and the two index rings, which
 *   round the capacity up to a power of two).  Nothing is allocated after
 *   construction (conc_ring_fd makes one eventfd).  No pointers are stored
 *   inside the ring, so it may live in memory shared between processes
 *   (conc_ring_init in a MAP_SHARED mapping; each process passes its own
 *   mapping address).  push and pop work across processes with any flags;
 *   waiting, close and join across processes need CONC_SHARED at init
 *   (conc/wait.h), which gives process-shared futexes and no fd.  The
 *   processes sharing a conc_ring trust one another: its words are used as
 *   written.  For fixed-size messages (rather than void *) between
 *   unrelated processes, or with a peer that may be hostile or corrupt the
 *   memory, use conc_shmring (conc/shm.h), which checks every word it reads
 *   from the mapping.
 * Capacity: exact.  A ring made for N items accepts exactly N pushes before
 *   CONC_FULL, for every N from 1 to CONC_RING_MAX_CAPACITY.
 * Ordering: a successful push happens-before the pop that returns its item.
 *   Items from one producer are popped in the order that producer pushed
 *   them; the queue as a whole is linearizable (FIFO in real time).
 *   Closing against the caller's own seq_cst atomics: closed, close and a
 *   push's CONC_CLOSED fit one total order with them (explore's
 *   ring/rc11-closed and ring/rc11-closed-full, weak mode).
 * Concurrency: push, pop, push_many, pop_many, len and capacity may all run
 *   concurrently with one another from any number of threads (or processes).
 *   init and fini must not run concurrently with anything on the same ring;
 *   free only after every other operation on the ring has returned.
 * Edges: in a quiescent ring, CONC_FULL and CONC_EMPTY are exact.  While a
 *   pop is between taking its item and releasing that item's slot, or a
 *   push between taking a free slot and publishing its item (or giving the
 *   slot back, when it fails), a concurrent push may report CONC_FULL with
 *   fewer than N items in the ring: N minus the operations so placed, as in
 *   SCQ itself.  A push_many or pop_many counts as one such operation per
 *   item it holds a slot for (at most 64 at a time); a push_many that then
 *   meets a close gives its slots back and answers CONC_CLOSED for them.
 * Items: any void * value round-trips, NULL included.  The ring never
 *   dereferences items and never frees them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_RING_H
#define CONC_RING_H

#include <conc/conc.h>
#include <conc/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest capacity a ring accepts (2^30 items). */
#define CONC_RING_MAX_CAPACITY ((size_t)1 << 30)

typedef struct conc_ring conc_ring;

/* Allocate a ring for exactly `capacity` items; `flags` is 0 or any of
 * CONC_JOINABLE, CONC_NOWAIT, CONC_SHARED (conc/wait.h; CONC_SHARED is meant
 * for conc_ring_init in shared memory).  Returns NULL with errno EINVAL
 * (capacity 0 or above CONC_RING_MAX_CAPACITY, unknown flags) or ENOMEM. */
CONC_API conc_ring *conc_ring_new(size_t capacity, unsigned flags);
/* Free a ring made by conc_ring_new (and its eventfd, if any).  NULL is
 * ignored.  Items still inside are not touched (they belong to the caller). */
CONC_API void conc_ring_free(conc_ring *ring);

/* Bytes needed for a ring of `capacity` items in caller memory; 0 if the
 * capacity is invalid or the size would overflow size_t. */
CONC_API size_t conc_ring_footprint(size_t capacity);
/* Build an empty ring in `mem` (`size` bytes, aligned to CONC_ALIGN).
 * CONC_EINVAL if mem is NULL or misaligned, size < footprint, capacity is
 * invalid, or flags has unknown bits.  On success the handle is
 * (conc_ring *)mem.  In memory shared between processes, pass CONC_SHARED
 * to wait across them (without it the ring belongs to one process: see
 * conc/wait.h, Processes). */
CONC_API conc_status conc_ring_init(void *mem, size_t size, size_t capacity,
                                    unsigned flags);
/* Release the eventfd, if conc_ring_fd made one.  CONC_EINVAL on NULL. */
CONC_API conc_status conc_ring_fini(conc_ring *ring);

/* Append one item.  CONC_OK, CONC_FULL or CONC_CLOSED (the item stays with
 * the caller) or CONC_EINVAL (NULL ring).  Never blocks. */
CONC_API conc_status conc_ring_push(conc_ring *ring, void *item);
/* Remove the oldest item into *item.  CONC_OK, CONC_EMPTY (*item untouched),
 * CONC_CLOSED (closed and drained) or CONC_EINVAL (NULL ring or NULL item).
 * Never blocks. */
CONC_API conc_status conc_ring_pop(conc_ring *ring, void **item);

/* Push items[0..n) in order until one does not fit; *pushed (may be NULL)
 * gets how many went in.  CONC_OK when all n went in (n == 0 included),
 * CONC_FULL or CONC_CLOSED otherwise: items[*pushed..n) stay with the
 * caller.  Each item is pushed by its own linearizable step; other
 * producers' items may interleave.  CONC_EINVAL for a NULL ring, or NULL
 * items with n > 0.  A real batch: up to 64 items at a time take their
 * free slots and their places in the queue with one fetch-and-add on each
 * index ring (as DPDK's rte_ring bulk calls), not one per item; the FULL
 * and CLOSED answers are those of conc_ring_push.  A free-slot entry that
 * names no slot (only a word forged in the ring's memory can) is dropped
 * and answered CONC_EFORMAT, by conc_ring_push and push_many alike, with
 * the items left with the caller; pop and pop_many drop such an entry of
 * the queue and answer CONC_EFORMAT (pop_many after the good items). */
CONC_API conc_status conc_ring_push_many(conc_ring *ring, void *const *items,
                                         size_t n, size_t *pushed);
/* Pop up to `max` items into out[0..); *popped (may be NULL) gets the count.
 * CONC_OK if at least one item was popped, CONC_EMPTY (or CONC_CLOSED) if
 * none (max == 0 gives CONC_OK with 0).  CONC_EINVAL for a NULL ring, or
 * NULL out with max > 0.  Items come out in queue order, each by its own
 * linearizable step; up to 64 at a time with one fetch-and-add on each
 * index ring (as DPDK's rte_ring burst calls).  It stops at the first
 * answer conc_ring_pop would give EMPTY or CLOSED to. */
CONC_API conc_status conc_ring_pop_many(conc_ring *ring, void **out, size_t max,
                                        size_t *popped);

/* Approximate number of items, always in [0, capacity]; 0 for NULL.  It is
 * read from the positions of the allocated-slot ring without a lock: while
 * operations are in flight it may be off by the number in flight, and after
 * heavy contention a quiescent ring may overstate by the positions that a
 * delayed producer skipped (they are passed over by the next pops).  A
 * closed ring keeps counting the positions that pushes racing the close
 * took before they failed (no pop passes over them once the ring answers
 * CONC_CLOSED). */
CONC_API size_t conc_ring_len(const conc_ring *ring);
/* The capacity the ring was made with; 0 for NULL. */
CONC_API size_t conc_ring_capacity(const conc_ring *ring);

/* Waiting, closing, joining, event loops: the contract of conc/wait.h,
 * which gives every status.  Closing sets a bit in the allocated-slot ring's
 * tail word, as LCRQ closes a ring: an enqueue whose fetch-and-add sees it
 * returns its slot and answers CONC_CLOSED, and a pop answers CONC_CLOSED
 * only after every position handed out before the close has been visited,
 * so no item pushed with CONC_OK is ever stranded.  Lock-free like push and
 * pop (the waits block, by definition, only while there is nothing to do). */

/* Push, waiting up to timeout_ns for room. */
CONC_API conc_status conc_ring_push_wait(conc_ring *ring, void *item,
                                         uint64_t timeout_ns);
/* Pop, waiting up to timeout_ns for an item. */
CONC_API conc_status conc_ring_pop_wait(conc_ring *ring, void **item,
                                        uint64_t timeout_ns);
/* No more pushes; pops drain what is left, then answer CONC_CLOSED. */
CONC_API conc_status conc_ring_close(conc_ring *ring);
/* Close, then hand every item left to discard(item, arg). */
CONC_API conc_status conc_ring_close_now(conc_ring *ring,
                                         conc_discard_fn discard, void *arg,
                                         size_t *discarded);
/* 1 once closed, else 0 (0 for NULL). */
CONC_API int conc_ring_closed(const conc_ring *ring);
/* One popped item is finished (CONC_JOINABLE). */
CONC_API conc_status conc_ring_task_done(conc_ring *ring);
/* Wait up to timeout_ns until no pushed item is unfinished (CONC_JOINABLE). */
CONC_API conc_status conc_ring_join(conc_ring *ring, uint64_t timeout_ns);
/* An eventfd, readable while items may be there; owned by the ring. */
CONC_API conc_status conc_ring_fd(conc_ring *ring, int *fd);

#ifdef __cplusplus
}
#endif

#endif /* CONC_RING_H */
