/*
 * conc/shm.h - conc_shmring: a conc_ring, with its waiting state, in memory
 * shared between processes.
 *
 * Items are fixed-size messages of msg_size bytes (1 .. CONC_SHM_MAX_MSG),
 * chosen at creation: push copies msg_size bytes in, pop copies them out.
 * Never put pointers in a message: the other process maps the memory (and
 * everything else) at other addresses.
 *
 * Making and sharing one:
 *   conc_shmring_create(NULL, ...)   in a new memfd; conc_shmring_memfd()
 *                                    gives the fd for a child after fork, or
 *                                    to pass over a Unix socket;
 *   conc_shmring_create("/name", ...) in a new POSIX shared-memory object
 *                                    (shm_open, O_EXCL); an unrelated
 *                                    process opens it with conc_shmring_open
 *                                    and someone conc_shmring_unlink()s it;
 *   conc_shmring_attach_fd(fd, ...)  map an fd received somehow;
 *   conc_shmring_format()/attach()   in memory the caller mapped itself.
 * Attaching checks a header (magic, layout version, message size, capacity,
 * size): memory that is not a conc ring of this version and geometry gives
 * CONC_EFORMAT, never a crash.  (A deliberately forged header that passes
 * these checks can still make operations misbehave; share rings only with
 * processes you trust.)
 *
 * Waiting uses process-shared futexes (no FUTEX_PRIVATE_FLAG), so push_wait
 * in one process wakes pop_wait in another; close, task_done and join work
 * across processes the same way.  There is no conc_shmring_fd (an eventfd
 * does not cross processes by name).
 *
 * A process that dies.  The ring is lock-free: no process ever waits for
 * another to finish a step, so a process killed at any instruction never
 * blocks the others.  What it can lose, per operation it was inside (one per
 * thread): a push killed after taking a free slot but before publishing it
 * loses that slot (the capacity shrinks by one, for the ring's lifetime) and
 * its message (never delivered: the push did not return); a pop killed after
 * taking a message loses it (delivered to nobody) and its slot.  Messages
 * already pushed are never lost or duplicated.  A sleeping waiter that dies
 * leaves its watch count raised, which only makes later pushes issue a wake
 * call that wakes nobody.  join counts: a consumer that dies before
 * task_done leaves the count raised forever, so join with a timeout.
 * Tested by verify/test_shm.c, which kills a child at every schedule point
 * of a push and of a pop.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_SHM_H
#define CONC_SHM_H

#include <conc/conc.h>
#include <conc/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layout version of the shared block; bumped on any change to it. */
#define CONC_SHM_VERSION 2
/* Largest message. */
#define CONC_SHM_MAX_MSG ((size_t)1 << 20)

typedef struct conc_shmring conc_shmring; /* one process's handle */

/* Bytes of the shared block for `capacity` messages of `msg_size` bytes;
 * 0 if invalid. */
size_t conc_shmring_footprint(size_t capacity, size_t msg_size);
/* Build a ring in caller-mapped shared memory (aligned to CONC_ALIGN).
 * flags: 0 or CONC_JOINABLE.  CONC_EINVAL on bad arguments. */
conc_status conc_shmring_format(void *mem, size_t size, size_t capacity,
                                size_t msg_size, unsigned flags);

/* Create in a new memfd (name NULL) or a new POSIX shm object ("/name").
 * NULL on failure with *status (may be NULL) CONC_EINVAL, CONC_ENOMEM or
 * CONC_ESYS (errno: e.g. EEXIST for a name in use). */
conc_shmring *conc_shmring_create(const char *name, size_t capacity,
                                  size_t msg_size, unsigned flags,
                                  conc_status *status);
/* Open a ring by name.  msg_size must match the ring's (0 accepts any).
 * CONC_ESYS (errno ENOENT...), CONC_EFORMAT, CONC_EINVAL, CONC_ENOMEM. */
conc_shmring *conc_shmring_open(const char *name, size_t msg_size,
                                conc_status *status);
/* Map an fd holding a ring (the fd is not kept; close it when you like). */
conc_shmring *conc_shmring_attach_fd(int fd, size_t msg_size,
                                     conc_status *status);
/* Attach to a ring in memory the caller mapped (never unmapped by us). */
conc_shmring *conc_shmring_attach(void *mem, size_t size, size_t msg_size,
                                  conc_status *status);
/* The memfd or shm fd a ring was created in (for a child or a socket);
 * -1 if this handle was attached.  Owned by the handle. */
int conc_shmring_memfd(const conc_shmring *r);
/* Unmap (if we mapped) and free the handle; the ring lives on in the
 * other processes.  NULL is ignored. */
void conc_shmring_detach(conc_shmring *r);
/* shm_unlink a named ring; CONC_ESYS with errno on failure. */
conc_status conc_shmring_unlink(const char *name);

/* Copy msg_size bytes from msg into the ring.  CONC_OK, CONC_FULL,
 * CONC_CLOSED, CONC_EINVAL. */
conc_status conc_shmring_push(conc_shmring *r, const void *msg);
/* Copy the oldest message into out (msg_size bytes).  CONC_OK, CONC_EMPTY,
 * CONC_CLOSED, CONC_EINVAL. */
conc_status conc_shmring_pop(conc_shmring *r, void *out);
conc_status conc_shmring_push_wait(conc_shmring *r, const void *msg,
                                   uint64_t timeout_ns);
conc_status conc_shmring_pop_wait(conc_shmring *r, void *out,
                                  uint64_t timeout_ns);
conc_status conc_shmring_close(conc_shmring *r);
/* discard(msg, arg) sees each discarded message (a temporary copy). */
conc_status conc_shmring_close_now(conc_shmring *r, conc_discard_fn discard,
                                   void *arg, size_t *discarded);
int conc_shmring_closed(const conc_shmring *r);
conc_status conc_shmring_task_done(conc_shmring *r);
conc_status conc_shmring_join(conc_shmring *r, uint64_t timeout_ns);
size_t conc_shmring_len(const conc_shmring *r);
size_t conc_shmring_capacity(const conc_shmring *r);
size_t conc_shmring_msg_size(const conc_shmring *r);
/* Give back the slots killed peers took (contract above, "Recovery").
 * CONC_OK and *recovered (may be NULL) the number of slots given back;
 * CONC_EINVAL for NULL; CONC_ENOMEM when capacity/8 bytes of scratch
 * cannot be allocated (nothing changed). */
conc_status conc_shmring_recover(conc_shmring *r, size_t *recovered);

#ifdef __cplusplus
}
#endif

#endif /* CONC_SHM_H */
