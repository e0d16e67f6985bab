/*
 * conc/wait.h - waiting, closing and joining: what every queue and stack
 * shares.
 *
 * Every container (conc_ring, conc_mutexq, conc_stack, conc_mutexstack,
 * conc_lfqueue, conc_shmring) has, besides its try-once push and pop:
 *
 *   X_push_wait(q, item, timeout_ns)   push, waiting up to timeout_ns for room
 *   X_pop_wait(q, &item, timeout_ns)   pop, waiting up to timeout_ns for an item
 *   X_close(q)                         no more pushes; pops drain, then CLOSED
 *                                      (conc_lfqueue: or ENOMEM, nothing done)
 *   X_close_now(q, discard, arg, &n)   close and discard what is left
 *   X_closed(q)                        1 once closed, else 0
 *   X_task_done(q) / X_join(q, ns)     Python's JoinableQueue (CONC_JOINABLE)
 *   X_fd(q, &fd)                       an eventfd for epoll/libuv/libevent
 *
 * Timeouts are relative, in nanoseconds, measured on CLOCK_MONOTONIC: 0 tries
 * once and never sleeps (the same as push/pop), CONC_FOREVER waits without a
 * limit.  A wait returns CONC_OK, CONC_TIMEDOUT (the item stays with the
 * caller), CONC_CLOSED, or CONC_EINVAL.  Waiting never loses an item and
 * never returns early without a reason: a signal handler or a spurious wake
 * only makes the wait look again.
 *
 * How waiting works (src/wait.c).  Each side (poppers waiting for items,
 * pushers waiting for room) has an eventcount over a Linux futex: a waiter
 * announces itself in a "watch" word, reads the futex word, tries the
 * operation once more, and sleeps only if the futex word has not moved.  A
 * successful push loads the poppers' watch word (one load of a line that
 * nobody writes while nobody waits) and only if someone is watching bumps
 * the futex word and wakes one sleeper per item; a pop does the same for
 * pushers.  close wakes every sleeper of both sides.  So: no system call when
 * nobody waits, no lost wake-up (the watch/try/sleep order against the
 * push/look/wake order, all sequentially consistent), no thundering herd.
 * A waiter tries the operation a few times before it sleeps, adaptively:
 * each thread keeps, per side, how long its recent waits had to spin, and
 * spins from 4 tries up to CONC_WAIT_SPIN tries (an environment variable,
 * read once per process: a number of tries, 0 for no spin, at most 100000
 * (a larger number counts as 100000; not a number: the default); default
 * 200).  A timed wait's timeout counts from before the spin, and the spin
 * stops at the deadline (the clock is read every 64 tries), so the spin
 * never lengthens a timeout by more than a few microseconds.  The verify
 * builds (libconc-verify, the explorer's) ignore the variable.
 * A spin that fails costs more than its CPU time (a waiter that spun until
 * just before it slept is woken later), so waits that end in long sleeps
 * shrink the spin, and waits whose item came while (or just after) they
 * spun grow it.
 *
 * Closing.  After X_close, push and push_wait return CONC_CLOSED (the item
 * stays with the caller); pop and pop_wait return what is left, then
 * CONC_CLOSED; every waiter wakes.  A push that overlaps the close either
 * completes before it (its item is still popped) or fails with
 * CONC_CLOSED: no item is ever stranded.  close is idempotent, and takes
 * effect at one point (the closed bit of the ring or stack, the seal of the
 * lfqueue's last segment, the mutex): X_closed reports that point.
 * push_many with n == 0 and pop_many with max == 0 do nothing and return
 * CONC_OK, closed or not.  X_close_now (Python 3.13's
 * Queue.shutdown(immediate=True)) closes, then pops every item left and
 * hands each to discard(item, arg) (NULL: the items are dropped, which is
 * right only when they own nothing) and counts it as task_done; *n (may be
 * NULL) gets how many were discarded.  Consumers racing with it may still
 * receive some of those items.  In a CONC_SHARED joinable structure a
 * discard whose count is ambiguous (pushes in flight, see Joining) is
 * counted once the drain is over and those pushes have returned, waiting
 * at most 1 s for all of them together: a peer stopped longer than that
 * inside a push leaves one unfinished item per such discard, and join then
 * waits for a task_done.
 *
 * Joining (flag CONC_JOINABLE at construction).  The count of unfinished
 * items rises by one for every successful push and falls by one for every
 * X_task_done; X_join waits until it is zero (CONC_OK) or the timeout ends
 * (CONC_TIMEDOUT).  Their answers fit one total order with the caller's
 * own seq_cst atomics (explore's stack/rc11-task-done: a join that saw the
 * count, the task_done that ended it, one that then said CONC_EINVAL, a
 * seq_cst store before the join and a load after the EINVAL, in the weak
 * mode).  X_task_done with nothing unfinished returns CONC_EINVAL
 * and changes nothing, also when it races a push that fails: a lock-free
 * push counts its item before the item can be popped and takes it back if
 * the push fails, and task_done never takes such a provisional count.
 * While every unfinished item might be one of those, task_done waits for
 * the pushes in flight to return (a few instructions, unless a pusher is
 * preempted; in a CONC_SHARED structure at most 1 s, since a peer may have
 * died inside its push: then CONC_EINVAL, nothing changed; and never from
 * a signal handler that may have interrupted a push).  join counts
 * the pushes in flight as unfinished.  At most 2^20 pushes in flight and
 * 2^44 unfinished items.  Without CONC_JOINABLE both return CONC_EINVAL:
 * the count costs one atomic add per push for the locked families, two
 * (count, then confirm) for the lock-free ones, so it is opt-in.
 *
 * Event loops.  X_fd gives an eventfd (non-blocking, close-on-exec, owned by
 * the queue: do not close it; X_fini or X_free closes it, and X_init over
 * a structure whose fd was made, without X_fini first, leaves it open) that
 * is readable whenever items may be available or the queue was closed.  It
 * is level-triggered in this sense: it stays readable until a pop on the
 * queue returns CONC_EMPTY; that pop clears it (and looks once more, so an
 * item that raced in is not missed).
 * So an event loop calls pop until it returns CONC_EMPTY (or CONC_CLOSED),
 * and may use EPOLLET.  Readiness can be spurious (another consumer took the
 * item first): then pop just says CONC_EMPTY.  Cost: nothing until X_fd is
 * first called; after that, a push writes the eventfd only when it is not
 * already readable (one system call per batch of items between drains).
 * Pushers waiting for room have no fd.  Not available for conc_shmring (an
 * eventfd cannot be shared by name), with CONC_SHARED, or with CONC_NOWAIT
 * (X_fd returns CONC_EINVAL).
 *
 * The eventfd belongs to the process that called X_fd first (its pid is
 * recorded next to the descriptor), and only that process ever writes,
 * reads or closes it, or marks it signalled: a descriptor number means
 * nothing in another process.  Elsewhere the structure acts as if it had no
 * fd, and X_fd returns CONC_EINVAL.  So after fork() the child's copy of a
 * structure (or a structure without CONC_SHARED that both processes reach
 * through a shared mapping) never signals, clears or closes the parent's
 * eventfd, nor whatever file the child may have put on that number.  The
 * child inherits the descriptor itself, as it inherits every open one
 * (close-on-exec: exec drops it); it stays open until the child closes it
 * (the structure's fini/free in the child leaves it alone) and keeps
 * following the parent's structure, so the child should close it rather
 * than read it.  The check is made only on the paths about to make a
 * system call on the fd anyway (a push that finds the fd not yet
 * signalled, a pop that answers CONC_EMPTY, close, fini), and costs no
 * system call of its own: the pid is cached in a page the kernel hands
 * zeroed to every child (MADV_WIPEONFORK; one page per process, kept).  A
 * push that finds the fd already signalled checks nothing and writes
 * nothing.  Left to the caller: pid namespaces (two processes in different
 * namespaces can have the same pid), a pid reused after the owner exited,
 * and processes that share the address space without being threads
 * (clone(CLONE_VM) without CLONE_THREAD); use CONC_SHARED, which has no
 * fd, when processes share a structure.
 *
 * Processes.  Without CONC_SHARED a structure belongs to one process: its
 * futexes are private, so a wait is woken only by operations in the same
 * process.  A waiter in another process that shares the memory is not
 * woken by a push, pop, close or task_done here: it sleeps until its
 * timeout and then looks once more (so it may still find an item, but
 * CONC_FOREVER never returns).  With CONC_SHARED (conc_ring, conc_mutexq,
 * conc_stack, conc_mutexstack; built by X_init in a MAP_SHARED mapping, each
 * process passing its own address) waiting, close and task_done/join work
 * across processes (process-shared futexes, keyed by the physical page;
 * needed too when one process maps the same memory at two addresses), and
 * there is no fd.  conc_lfqueue cannot live in shared memory and
 * refuses CONC_SHARED (CONC_EINVAL); conc_shmring is always shared.
 * The layout of these structures in memory is not versioned: every process
 * that shares one must link the same version of conc (conc_shmring's
 * layout is versioned, CONC_SHM_VERSION, and checked at attach).
 *
 * Flags, given at construction (X_new, X_init):
 *   CONC_JOINABLE  count unfinished items for task_done/join.
 *   CONC_NOWAIT    no waiting support: push and pop skip even the one load
 *                  of the watch word; X_push_wait/X_pop_wait with a nonzero
 *                  timeout, X_join and X_fd return CONC_EINVAL.  close still
 *                  works.  For code that never waits (and for measuring
 *                  what waiting support costs: docs/bench.md).
 *   CONC_SHARED    the structure lives in memory shared between processes
 *                  (see Processes above): waits, close and join work across
 *                  processes; no fd (X_fd returns CONC_EINVAL).  Costs
 *                  nothing when nobody waits; a wake-up is a (slightly
 *                  dearer) shared futex.  Not for conc_lfqueue (CONC_EINVAL).
 *
 * Items: what the family says (void * for in-process queues, fixed-size
 * messages for conc_shmring).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_WAIT_H
#define CONC_WAIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A timeout that never ends. */
#define CONC_FOREVER UINT64_MAX

/* Construction flags (bitwise or). */
#define CONC_JOINABLE 0x1u
#define CONC_NOWAIT 0x2u
#define CONC_SHARED 0x4u /* lives in memory shared between processes */
/* Every construction flag (conc_lfqueue refuses CONC_SHARED). */
#define CONC_FLAGS_ALL (CONC_JOINABLE | CONC_NOWAIT | CONC_SHARED)

/* Called by X_close_now for each discarded item. */
typedef void (*conc_discard_fn)(void *item, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* CONC_WAIT_H */
