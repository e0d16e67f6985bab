/*
 * container.h - the container core: the contract every queue and stack
 * shares (include/conc/wait.h: waiting, close and close_now, task_done and
 * join, the fd; and the batches), implemented once in src/container.c over
 * a small descriptor that each family fills in.
 *
 * A family's .c keeps its own algorithm (try push and pop, its close, its
 * closed test) and defines one `static const conc__family`.  Each public
 * function of the contract stays a real function in that .c, a one-line
 * forward to the core:
 *
 *     conc_status conc_ring_join(conc_ring *ring, uint64_t timeout_ns)
 *     {
 *         return conc__core_join(ring, timeout_ns, &ring_family);
 *     }
 *
 * The core checks what the contract says is CONC_EINVAL (a NULL handle, a
 * NULL out pointer, a NULL array with a nonzero count), finds the waitset
 * and the flags through the descriptor, and calls the waitset's slow paths
 * (src/wait.c) with those flags.  The fast paths are not in the core: a
 * family's try push and pop never call it, and the core calls them (through
 * the descriptor) only to wait on them, to drain in close_now, or item by
 * item in a batch.
 */
#ifndef CONC_INTERNAL_CONTAINER_H
#define CONC_INTERNAL_CONTAINER_H

#include <conc/conc.h>
#include <conc/wait.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waitset.h"

/* A waitset and the flags every call on it takes. */
typedef struct conc__ws_ref {
    conc_waitset *w;
    unsigned flags;
} conc__ws_ref;

typedef struct conc__family {
    /* The family's public try-once push and pop: push(obj, item);
     * pop(obj, out), out a void ** (conc_shmring: a message buffer).  The
     * one try a waiter repeats (conc_try_fn, waitset.h). */
    conc_try_fn push;
    conc_try_fn pop;
    /* The family's own, authoritative close, without waking anyone (the
     * core wakes): CONC_OK, or an error having changed nothing
     * (conc_lfqueue: ENOMEM; the locked array: EINVAL if its lock fails). */
    conc_status (*close)(void *obj);
    /* Whether that close has taken effect (X_closed). */
    bool (*closed)(const void *obj);
    /* Where the waitset lives, and which flags every call on it takes,
     * found at ws_offset bytes into obj:
     *   ws_is_ref false: the waitset itself, with its own flags word
     *     (in-process structures; the word is written by init, then only
     *     read);
     *   ws_is_ref true: a conc__ws_ref the handle keeps (conc_shmring: its
     *     waitset is in the mapping, and its flags are the copy the handle
     *     checked at attach, never the word in the mapping, which a peer
     *     may flip: waitset.h, Flags).
     * Either way the core finds both with loads, no call. */
    size_t ws_offset;
    bool ws_is_ref;
    /* Real batches, for a family that has them (called with the arguments
     * already checked).  NULL: the core pushes or pops item by item. */
    conc_status (*push_many)(void *obj, void *const *items, size_t n,
                             size_t *pushed);
    conc_status (*pop_many)(void *obj, void **out, size_t max, size_t *popped);
} conc__family;

/* The core's entry points, one per function of the contract.  Each takes
 * the public function's own arguments, in their order, and then the
 * family: a real batch receives its arguments where they came in. */

/* X_push_wait, X_pop_wait (out: void ** or a message buffer). */
conc_status conc__core_push_wait(void *obj, void *item, uint64_t timeout_ns,
                                 const conc__family *f);
conc_status conc__core_pop_wait(void *obj, void *out, uint64_t timeout_ns,
                                const conc__family *f);
/* X_close: the family's close, then every waiter wakes and the fd (if any)
 * becomes readable for good. */
conc_status conc__core_close(void *obj, const conc__family *f);
/* X_close_now: close, then pop until CLOSED, hand each item to discard and
 * count it as task_done.  buf NULL: items are void *; else pop into buf
 * (conc_shmring's message buffer, allocated by the caller before, so that
 * ENOMEM changes nothing) and discard(buf, arg). */
conc_status conc__core_close_now(void *obj, void *buf, conc_discard_fn discard,
                                 void *arg, size_t *discarded,
                                 const conc__family *f);
int conc__core_closed(const void *obj, const conc__family *f);
conc_status conc__core_task_done(void *obj, const conc__family *f);
conc_status conc__core_join(void *obj, uint64_t timeout_ns,
                            const conc__family *f);
conc_status conc__core_fd(void *obj, int *fd, const conc__family *f);
/* X_push_many, X_pop_many: the family's real batch, or item by item. */
conc_status conc__core_push_many(void *obj, void *const *items, size_t n,
                                 size_t *pushed, const conc__family *f);
conc_status conc__core_pop_many(void *obj, void **out, size_t max,
                                size_t *popped, const conc__family *f);

#endif /* CONC_INTERNAL_CONTAINER_H */
