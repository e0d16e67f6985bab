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
 *         return conc__core_join(&ring_family, ring, timeout_ns);
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
    /* Where the waitset lives, and which flags every call on it takes.
     * ws == NULL: at ws_offset bytes into obj, with the waitset's own flags
     * word (in-process structures; written by init, then read-only).
     * Otherwise ws(obj, &flags) gives both: conc_shmring's waitset is in
     * the mapping, and its flags are the copy the handle checked at attach,
     * never the word in the mapping, which a peer may flip (waitset.h,
     * Flags). */
    size_t ws_offset;
    conc_waitset *(*ws)(void *obj, unsigned *flags);
    /* Real batches, for a family that has them (called with the arguments
     * already checked).  NULL: the core pushes or pops item by item. */
    conc_status (*push_many)(void *obj, void *const *items, size_t n,
                             size_t *pushed);
    conc_status (*pop_many)(void *obj, void **out, size_t max, size_t *popped);
} conc__family;

/* X_push_wait, X_pop_wait (out: void ** or a message buffer). */
conc_status conc__core_push_wait(const conc__family *f, void *obj, void *item,
                                 uint64_t timeout_ns);
conc_status conc__core_pop_wait(const conc__family *f, void *obj, void *out,
                                uint64_t timeout_ns);
/* X_close: the family's close, then every waiter wakes and the fd (if any)
 * becomes readable for good. */
conc_status conc__core_close(const conc__family *f, void *obj);
/* X_close_now: close, then pop until CLOSED, hand each item to discard and
 * count it as task_done.  buf NULL: items are void *; else pop into buf
 * (conc_shmring's message buffer, allocated by the caller before, so that
 * ENOMEM changes nothing) and discard(buf, arg). */
conc_status conc__core_close_now(const conc__family *f, void *obj, void *buf,
                                 conc_discard_fn discard, void *arg,
                                 size_t *discarded);
int conc__core_closed(const conc__family *f, const void *obj);
conc_status conc__core_task_done(const conc__family *f, void *obj);
conc_status conc__core_join(const conc__family *f, void *obj,
                            uint64_t timeout_ns);
conc_status conc__core_fd(const conc__family *f, void *obj, int *fd);
/* X_push_many, X_pop_many: the family's real batch, or item by item. */
conc_status conc__core_push_many(const conc__family *f, void *obj,
                                 void *const *items, size_t n, size_t *pushed);
conc_status conc__core_pop_many(const conc__family *f, void *obj, void **out,
                                size_t max, size_t *popped);

#endif /* CONC_INTERNAL_CONTAINER_H */
