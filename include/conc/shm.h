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
 * Attaching checks, reading each word once: the header (magic, `ready`,
 * layout version, header size, message size 1 .. CONC_SHM_MAX_MSG and equal
 * to the msg_size asked for unless that is 0, flags exactly as format
 * writes them (shared, and CONC_JOINABLE or not), total size ==
 * conc_shmring_footprint(capacity, msg_size) <= the mapping's size), then
 * the ring behind it: its capacity, msg_size, order (== the order the
 * capacity implies), its flags and its waiting state's flags, each exactly
 * what format wrote for that header.  Anything else gives CONC_EFORMAT,
 * never a crash.
 *
 * Attach may race the first format of a block whose `ready` word is not
 * READY (a fresh mapping, a peer still creating the ring): it gives
 * CONC_EFORMAT until format's last store, then a handle on the whole ring
 * (attach loads `ready`, acquire, before any other header word; format
 * stores it last, release).  A re-format or a recover over a block that
 * already says READY must not race an attach: an attach that read the
 * READY from before it may read a header being rewritten.  It checks every
 * word it reads, so the worst is CONC_EFORMAT or a handle on either
 * geometry, with the hostile-peer answers below.
 *
 * A hostile or corrupt peer.  Shared memory is a trust boundary: a process
 * that can write the mapping can write any word of it, at any time.  The
 * handle keeps the geometry and flags it checked at attach and never reads
 * them from the mapping again; every other word (positions, entries,
 * thresholds, counters, the waiting state) is checked or masked before it
 * is used as an index, and every loop whose trip count such a word decides
 * is bounded (by 4R + 4096 turns, R = 2 * 2^order entries, more than a
 * correct ring ever needs).  So whatever a peer writes, this process
 *   - never reads or writes outside the mapping, and never outside the
 *     message it pushes or pops (push and pop copy exactly msg_size bytes);
 *   - never reads, writes or closes a file descriptor (a shared ring has
 *     none; a descriptor number in the mapping is never used);
 *   - never blocks past its timeout, and never spins unboundedly in an
 *     operation without one (push, pop, close, close_now, len, recover);
 * and the worst it can do is lose, invent, duplicate or reorder messages of
 * this ring, keep slots from being free (push says FULL), or make the
 * operations answer:
 *   CONC_EFORMAT   from push, pop, push_wait, pop_wait (which then stop
 *                  waiting) and close_now: the ring's words are not what a
 *                  correct ring can hold - an entry names a slot beyond the
 *                  capacity (the entry is dropped: it named no slot), or an
 *                  operation ran out of its retry budget (positions or
 *                  entries corrupt).  A failed push leaves the message with
 *                  the caller; a pop copies nothing.  The next call tries
 *                  again; conc_shmring_recover repairs the index rings;
 *   CONC_CLOSED    if the peer set the closed bit;
 *   any count      from len (clamped to the capacity) and join (a peer's
 *                  unfinished count).
 * In a ring no peer corrupts, CONC_EFORMAT would need one operation to
 * fail more than 4R + 4096 turns in a row (each failed turn is another
 * operation's success or a position passed by a dequeuer); with fewer than
 * 4096 operations in flight at once we know no schedule that does it, and
 * no test or stress run has seen it.
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
 * loses that slot and its message (never delivered: the push did not
 * return); a pop killed after taking a message loses it (delivered to
 * nobody) and its slot.  Messages already pushed are never lost or
 * duplicated.  Each lost slot shrinks the capacity by one until
 * conc_shmring_recover gives it back.  A sleeping waiter that dies leaves
 * its watch count raised, which only makes later pushes issue a wake call
 * that wakes nobody.  join counts: a consumer that dies before task_done
 * leaves the count raised forever, so join with a timeout.  Tested by
 * verify/test_shm.c, which kills a child at every schedule point of a push
 * and of a pop, and verify/test_shm_trust.c, which recovers the slots.
 *
 * Recovery.  conc_shmring_recover(r, &n) rebuilds both index rings of the
 * ring from what they hold: every slot that is neither free (in the free
 * ring) nor queued (in the allocated ring) goes back to the free ring, and
 * n says how many.  Queued messages stay, in order; free slots stay free.
 * Entries no correct ring can hold (a stale entry a killed pop left behind,
 * a slot index beyond the capacity, a slot named twice, an entry outside
 * Head..Tail) are dropped, positions are rebased and thresholds reset; the
 * closed state is kept.  It also writes the header and the ring's geometry
 * and flags back as this handle checked them.  Precondition: no other
 * thread or process is inside any conc_shmring call on this ring
 * (including one asleep in push_wait, pop_wait or join), e.g. after the
 * peers were killed or have stopped.  If that is violated, recover still
 * never crashes, never reads or writes outside the mapping and ends within
 * a bounded number of steps (R entries per index ring, capacity slots), but
 * the concurrent operations may lose, duplicate or reorder messages, or
 * hand one slot to two pushes (their messages may then mix), exactly as a
 * hostile peer could; a second recover, once quiescent, restores the
 * capacity.  After recover with no operation in flight, push says FULL
 * exactly when `capacity` messages are queued.
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
CONC_API size_t conc_shmring_footprint(size_t capacity, size_t msg_size);
/* Build a ring in caller-mapped shared memory (aligned to CONC_ALIGN).
 * flags: 0 or CONC_JOINABLE.  CONC_EINVAL on bad arguments. */
CONC_API conc_status conc_shmring_format(void *mem, size_t size,
                                         size_t capacity, size_t msg_size,
                                         unsigned flags);

/* Create in a new memfd (name NULL) or a new POSIX shm object ("/name").
 * NULL on failure with *status (may be NULL) CONC_EINVAL, CONC_ENOMEM or
 * CONC_ESYS (errno: e.g. EEXIST for a name in use). */
CONC_API conc_shmring *conc_shmring_create(const char *name, size_t capacity,
                                           size_t msg_size, unsigned flags,
                                           conc_status *status);
/* Open a ring by name.  msg_size must match the ring's (0 accepts any).
 * CONC_ESYS (errno ENOENT...), CONC_EFORMAT, CONC_EINVAL, CONC_ENOMEM. */
CONC_API conc_shmring *conc_shmring_open(const char *name, size_t msg_size,
                                         conc_status *status);
/* Map an fd holding a ring (the fd is not kept; close it when you like). */
CONC_API conc_shmring *conc_shmring_attach_fd(int fd, size_t msg_size,
                                              conc_status *status);
/* Attach to a ring in memory the caller mapped (never unmapped by us). */
CONC_API conc_shmring *conc_shmring_attach(void *mem, size_t size,
                                           size_t msg_size,
                                           conc_status *status);
/* The memfd or shm fd a ring was created in (for a child or a socket);
 * -1 if this handle was attached.  Owned by the handle. */
CONC_API int conc_shmring_memfd(const conc_shmring *r);
/* Unmap (if we mapped) and free the handle; the ring lives on in the
 * other processes.  NULL is ignored. */
CONC_API void conc_shmring_detach(conc_shmring *r);
/* shm_unlink a named ring; CONC_ESYS with errno on failure. */
CONC_API conc_status conc_shmring_unlink(const char *name);

/* Copy msg_size bytes from msg into the ring.  CONC_OK, CONC_FULL,
 * CONC_CLOSED, CONC_EINVAL; CONC_EFORMAT only when a peer corrupted the
 * ring (above). */
CONC_API conc_status conc_shmring_push(conc_shmring *r, const void *msg);
/* Copy the oldest message into out (msg_size bytes).  CONC_OK, CONC_EMPTY,
 * CONC_CLOSED, CONC_EINVAL; CONC_EFORMAT only when a peer corrupted the
 * ring (above). */
CONC_API conc_status conc_shmring_pop(conc_shmring *r, void *out);

/* Waiting, closing, joining: the contract of conc/wait.h, which gives every
 * status, across processes (process-shared futexes); no fd.  push_wait,
 * pop_wait and close_now may also answer CONC_EFORMAT when a peer corrupted
 * the ring (above). */

/* Push a copy of msg, waiting up to timeout_ns for room. */
CONC_API conc_status conc_shmring_push_wait(conc_shmring *r, const void *msg,
                                            uint64_t timeout_ns);
/* Pop the oldest message into out, waiting up to timeout_ns for one. */
CONC_API conc_status conc_shmring_pop_wait(conc_shmring *r, void *out,
                                           uint64_t timeout_ns);
/* No more pushes; pops drain what is left, then answer CONC_CLOSED. */
CONC_API conc_status conc_shmring_close(conc_shmring *r);
/* Close, then hand every message left to discard(msg, arg) (a temporary
 * copy).  CONC_OK once the drain reached CLOSED; CONC_EFORMAT if a corrupt
 * ring ended it early (*discarded counts what was discarded until then). */
CONC_API conc_status conc_shmring_close_now(conc_shmring *r,
                                            conc_discard_fn discard, void *arg,
                                            size_t *discarded);
/* 1 once closed, else 0 (0 for NULL). */
CONC_API int conc_shmring_closed(const conc_shmring *r);
/* One popped message is finished (CONC_JOINABLE). */
CONC_API conc_status conc_shmring_task_done(conc_shmring *r);
/* Wait up to timeout_ns until no pushed message is unfinished
 * (CONC_JOINABLE). */
CONC_API conc_status conc_shmring_join(conc_shmring *r, uint64_t timeout_ns);

/* Approximate number of messages, clamped to [0, capacity]; 0 for NULL. */
CONC_API size_t conc_shmring_len(const conc_shmring *r);
/* The capacity the ring was made with (as checked at attach); 0 for NULL. */
CONC_API size_t conc_shmring_capacity(const conc_shmring *r);
/* The message size (as checked at attach); 0 for NULL. */
CONC_API size_t conc_shmring_msg_size(const conc_shmring *r);
/* Give back the slots killed peers took (contract above, "Recovery": run it
 * only while no other thread or process is inside a call on this ring).
 * CONC_OK and *recovered (may be NULL) the number of slots given back;
 * CONC_EINVAL for NULL r; CONC_ENOMEM when its scratch bitmap (one bit per
 * slot) cannot be allocated (nothing changed). */
CONC_API conc_status conc_shmring_recover(conc_shmring *r, size_t *recovered);

#ifdef __cplusplus
}
#endif

#endif /* CONC_SHM_H */
