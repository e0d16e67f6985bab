/*
 * conc/stack.h - bounded MPMC LIFO stacks of pointers.
 *
 * conc_stack: lock-free.  Treiber's stack (R. K. Treiber, "Systems
 *   Programming: Coping with Parallelism", IBM Almaden RJ 5118, 1986) over a
 *   pool of `capacity` nodes fixed at construction.  Two Treiber lists share
 *   the pool: the stack itself and the list of free nodes.  Each list head is
 *   one 64-bit word: a closed bit, a node index of b bits (the fewest that
 *   hold capacity + 1 values: b = 3 for capacities 4..7, 10 for up to 1023,
 *   32 for CONC_STACK_MAX_CAPACITY) and a version tag of the other 63 - b
 *   bits that every successful update increments, so a compare-and-swap
 *   cannot succeed on a head that was popped and pushed back in between (the
 *   ABA problem) unless a multiple of 2^(63-b) updates of that head happened
 *   while one thread was stalled between its read and its CAS.  At the
 *   fastest rate we measured, 2.1e7 updates/s (one thread pushing and
 *   popping on this project's 2-core test machine), and at an assumed 1e8/s
 *   for a faster one, the shortest stall that can be fooled is:
 *     capacity <= 7         60-bit tag: 1700 years; 365 years
 *     capacity <= 1023      53-bit tag: 13 years; 2.8 years
 *     capacity <= 65535     47-bit tag: 77 days; 16 days
 *     capacity <= 2^20 - 1  43-bit tag: 4.8 days; 24 hours
 *     capacity >= 2^31      31-bit tag: 100 s; 21 s
 *   A stall that long is a stopped process (SIGSTOP, a debugger, a paused
 *   VM) sharing the stack; keep very large stacks out of memory shared with
 *   a process that may be stopped.  (In 0.1.0 the tag was 31 bits whatever
 *   the capacity; CHANGELOG.md.)  Only single-width CAS is used.  Nodes are
 *   indices, not pointers, so the stack may live in memory shared between
 *   processes (conc_stack_init in a MAP_SHARED mapping).
 *   Reclamation: nodes are never freed while the stack lives; a popped node
 *   returns to the free list at once (safe because readers only ever read a
 *   node's `next` index, which is always a valid index, and the tag rejects
 *   stale reads).
 *   Progress: lock-free.  Memory: conc_stack_footprint(capacity) bytes,
 *   fixed at construction and linear in the capacity (one node per item).
 *   Capacity: exact when quiescent; while a pop is between taking its item
 *   and returning the node to the free list, or a push between taking a
 *   free node and linking it (or giving it back, when it fails), a
 *   concurrent push may see CONC_FULL with fewer items inside: capacity
 *   minus the operations so placed.
 *   Ordering: a push happens-before the pop that returns its item; the
 *   stack is linearizable (LIFO in real time), also against the caller's
 *   own seq_cst atomics: its answers (EMPTY, CLOSED, closed, join's and
 *   task_done's; len only in that a non-zero len says the stack held an
 *   item, as len is approximate) and those fit one total order (explore's
 *   stack/rc11-* scenarios, weak mode).
 *   Concurrency: all operations but init/fini/free run concurrently.
 *
 * conc_mutexstack: blocking; an array under one process-shared pthread mutex
 *   (not robust: a process that dies holding it blocks every other user), so
 *   it too may live in memory shared between processes.  Exact capacity at
 *   every moment; batches are atomic.  Memory:
 *   conc_mutexstack_footprint(capacity) bytes, fixed at construction and
 *   linear in the capacity (one item slot per item).
 *
 * Processes (both): push and pop work across processes with any flags;
 * waiting, close and join across processes need CONC_SHARED at init
 * (conc/wait.h), which gives process-shared futexes and no fd.  Without it
 * a stack belongs to one process (conc/wait.h, Processes).
 *
 * Items: any void * value round-trips, NULL included; never dereferenced.
 * Statuses and argument checks are those of conc_ring (see ring.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_STACK_H
#define CONC_STACK_H

#include <conc/conc.h>
#include <conc/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest capacity (node indices are 32 bits; one value is reserved). */
#define CONC_STACK_MAX_CAPACITY ((size_t)0xFFFFFFFEu)

typedef struct conc_stack conc_stack;

/* `flags`, here and for conc_mutexstack: 0 or any of CONC_JOINABLE,
 * CONC_NOWAIT, CONC_SHARED (conc/wait.h; CONC_SHARED is meant for X_init in
 * shared memory).  Unknown bits: NULL/errno EINVAL (new), CONC_EINVAL
 * (init). */
CONC_API conc_stack *conc_stack_new(size_t capacity, unsigned flags);
/* NULL is ignored; items inside are not touched. */
CONC_API void conc_stack_free(conc_stack *s);
/* Bytes for caller memory; 0 for an invalid capacity or overflow. */
CONC_API size_t conc_stack_footprint(size_t capacity);
/* CONC_EINVAL for NULL/misaligned mem, short size, invalid capacity or
 * flags.  Handle is (conc_stack *)mem. */
CONC_API conc_status conc_stack_init(void *mem, size_t size, size_t capacity,
                                     unsigned flags);
/* Release the eventfd, if conc_stack_fd made one.  CONC_EINVAL on NULL. */
CONC_API conc_status conc_stack_fini(conc_stack *s);
/* CONC_OK, CONC_FULL or CONC_CLOSED (item stays with the caller),
 * CONC_EINVAL. */
CONC_API conc_status conc_stack_push(conc_stack *s, void *item);
/* Pops the most recent item.  CONC_OK, CONC_EMPTY, CONC_CLOSED (closed and
 * drained), CONC_EINVAL. */
CONC_API conc_status conc_stack_pop(conc_stack *s, void **item);
/* Item by item, in order; see conc_ring_push_many for the statuses. */
CONC_API conc_status conc_stack_push_many(conc_stack *s, void *const *items,
                                          size_t n, size_t *pushed);
/* Item by item, most recent first; see conc_ring_pop_many. */
CONC_API conc_status conc_stack_pop_many(conc_stack *s, void **out, size_t max,
                                         size_t *popped);
/* Approximate; in [0, capacity]; 0 for NULL. */
CONC_API size_t conc_stack_len(const conc_stack *s);
/* The capacity the stack was made with; 0 for NULL. */
CONC_API size_t conc_stack_capacity(const conc_stack *s);

/* Waiting, closing, joining, event loops: the contract of conc/wait.h,
 * which gives every status.  Closing sets a bit in the head word that every
 * push and pop CASes: lock-free and linearizable. */

/* Push, waiting up to timeout_ns for room. */
CONC_API conc_status conc_stack_push_wait(conc_stack *s, void *item,
                                          uint64_t timeout_ns);
/* Pop, waiting up to timeout_ns for an item. */
CONC_API conc_status conc_stack_pop_wait(conc_stack *s, void **item,
                                         uint64_t timeout_ns);
/* No more pushes; pops drain what is left, then answer CONC_CLOSED. */
CONC_API conc_status conc_stack_close(conc_stack *s);
/* Close, then hand every item left to discard(item, arg). */
CONC_API conc_status conc_stack_close_now(conc_stack *s,
                                          conc_discard_fn discard, void *arg,
                                          size_t *discarded);
/* 1 once closed, else 0 (0 for NULL). */
CONC_API int conc_stack_closed(const conc_stack *s);
/* One popped item is finished (CONC_JOINABLE). */
CONC_API conc_status conc_stack_task_done(conc_stack *s);
/* Wait up to timeout_ns until no pushed item is unfinished (CONC_JOINABLE). */
CONC_API conc_status conc_stack_join(conc_stack *s, uint64_t timeout_ns);
/* An eventfd, readable while items may be there; owned by the stack. */
CONC_API conc_status conc_stack_fd(conc_stack *s, int *fd);

/* Largest capacity of the lock-based stack. */
#define CONC_MUTEXSTACK_MAX_CAPACITY ((size_t)1 << 30)

typedef struct conc_mutexstack conc_mutexstack;

CONC_API conc_mutexstack *conc_mutexstack_new(size_t capacity, unsigned flags);
/* NULL is ignored; items inside are not touched. */
CONC_API void conc_mutexstack_free(conc_mutexstack *s);
/* Bytes for caller memory; 0 for an invalid capacity or overflow. */
CONC_API size_t conc_mutexstack_footprint(size_t capacity);
/* CONC_EINVAL as conc_stack_init; CONC_ENOMEM if the mutex cannot be
 * made. */
CONC_API conc_status conc_mutexstack_init(void *mem, size_t size,
                                          size_t capacity, unsigned flags);
/* Destroy the mutex (and eventfd) of a stack built by init. */
CONC_API conc_status conc_mutexstack_fini(conc_mutexstack *s);
/* As conc_stack_push. */
CONC_API conc_status conc_mutexstack_push(conc_mutexstack *s, void *item);
/* As conc_stack_pop. */
CONC_API conc_status conc_mutexstack_pop(conc_mutexstack *s, void **item);
/* Atomic batches: items[0] goes in first (so items[n-1] ends on top). */
CONC_API conc_status conc_mutexstack_push_many(conc_mutexstack *s,
                                               void *const *items, size_t n,
                                               size_t *pushed);
/* Atomic batch: out[0] is the top item. */
CONC_API conc_status conc_mutexstack_pop_many(conc_mutexstack *s, void **out,
                                              size_t max, size_t *popped);
/* Exact at the moment the mutex was held; 0 for NULL. */
CONC_API size_t conc_mutexstack_len(const conc_mutexstack *s);
/* The capacity the stack was made with; 0 for NULL. */
CONC_API size_t conc_mutexstack_capacity(const conc_mutexstack *s);

/* Waiting, closing, joining, event loops: the contract of conc/wait.h,
 * which gives every status.  close takes the lock, so it is one point in the
 * order of pushes and pops. */

/* Push, waiting up to timeout_ns for room. */
CONC_API conc_status conc_mutexstack_push_wait(conc_mutexstack *s, void *item,
                                               uint64_t timeout_ns);
/* Pop, waiting up to timeout_ns for an item. */
CONC_API conc_status conc_mutexstack_pop_wait(conc_mutexstack *s, void **item,
                                              uint64_t timeout_ns);
/* No more pushes; pops drain what is left, then answer CONC_CLOSED. */
CONC_API conc_status conc_mutexstack_close(conc_mutexstack *s);
/* Close, then hand every item left to discard(item, arg). */
CONC_API conc_status conc_mutexstack_close_now(conc_mutexstack *s,
                                               conc_discard_fn discard,
                                               void *arg, size_t *discarded);
/* 1 once closed, else 0 (0 for NULL). */
CONC_API int conc_mutexstack_closed(const conc_mutexstack *s);
/* One popped item is finished (CONC_JOINABLE). */
CONC_API conc_status conc_mutexstack_task_done(conc_mutexstack *s);
/* Wait up to timeout_ns until no pushed item is unfinished (CONC_JOINABLE). */
CONC_API conc_status conc_mutexstack_join(conc_mutexstack *s,
                                          uint64_t timeout_ns);
/* An eventfd, readable while items may be there; owned by the stack. */
CONC_API conc_status conc_mutexstack_fd(conc_mutexstack *s, int *fd);

#ifdef __cplusplus
}
#endif

#endif /* CONC_STACK_H */
