/*
 * waitset.h - the waiting, closing and joining state every container embeds
 * (contract in include/conc/wait.h; slow paths in src/wait.c; the public
 * contract built on them, once for every family, in src/container.c).
 *
 * A container calls, around its own lock-free or locked operation:
 *   conc__ws_will_push(w)      lock-free push, before its item becomes
 *                             visible: one provisional unfinished item
 *   conc__ws_push_landed(w)    ... after it went in: the item is counted
 *   conc__ws_unpush(w)         ... or if it did not go in after all
 *   conc__ws_count_pushed(w,k) locked push: k items went in (under the lock,
 *                             before they can be popped; nothing provisional)
 *   conc__ws_pushed(w, n)      after n items went in: wake poppers if watched
 *   conc__ws_popped(w, n)      after n items came out: wake pushers if watched
 *   conc__ws_rearm(w)          before answering CONC_EMPTY: if an eventfd is
 *                             armed, clear it; true means "look once more"
 *
 * The joinable count (CONC_JOINABLE) is one word: [ in flight : 20 | count :
 * 44 ].  `count` is the unfinished items plus the provisional ones of pushes
 * in flight, `in flight` how many of those are provisional.  A lock-free push
 * must count its item before the item can be popped (a consumer may pop it
 * and call task_done before the push returns), so it adds provisionally, and
 * a push that then fails takes its item back.  task_done may only take what
 * is certainly there: count > in flight.  While count <= in flight it cannot
 * tell an item that was popped before its push returned from one that is
 * about to be taken back, so it waits for the pushes in flight to finish
 * (taking the provisional item would let the failed push wrap the count to
 * 2^64-1: verify/test_races.c, task_done_racing_failed_push).  Neither part can wrap: a push only takes back its
 * own provisional item, and task_done leaves count >= in flight.
 *
 * Flags.  Each call reads the waitset's flags from w->u.s.flags, except the
 * _f variants, which take them from the caller: a waitset in memory shared
 * with other processes (conc_shmring) is written by peers, so its handle
 * keeps the flags it checked at attach and passes them to every call; no
 * decision (shared futex or private, fd or none, NOWAIT, JOINABLE) is then
 * taken from a word a peer may have flipped.
 *
 * Ordering argument (no lost wake-up).  A waiter does
 *     watch += 2 (seq_cst RMW); key = seq; try op; sleep while seq == key
 * and a notifier does
 *     its op (ends in a seq_cst RMW, or a mutex unlock); if (watch) { seq++; wake }
 * For the lock-free containers every access that decides the outcome of an
 * op is seq_cst, so by the single total order either the notifier's load
 * sees the waiter's watch (and bumps seq after the waiter read key, so the
 * futex refuses to sleep or is woken), or the waiter's try comes after the
 * notifier's op in that order and sees its effect.  For the mutex containers
 * the same two cases follow from the mutex: whichever critical section comes
 * second sees what the first did.
 */
#ifndef CONC_INTERNAL_WAITSET_H
#define CONC_INTERNAL_WAITSET_H

#include <conc/wait.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomics.h"
#include "pad.h"

/* flags & CONC_SHARED (conc/wait.h; conc_shmring always sets it): the
 * waitset lives in memory shared between processes.  Its futexes are then
 * process-shared, and it has no eventfd: whatever a shared waitset says
 * about an fd was (or may have been) written by a peer. */

typedef struct conc_waitset {
    /* Line 1: loaded by every push and pop; written only while someone
     * waits, watches an fd, or joins. */
    union {
        struct {
            uint32_t flags;             /* set by init, then read-only */
            conc_atomic_u32 pop_watch;  /* 2 per sleeping popper; bit 0: fd armed */
            conc_atomic_u32 push_watch; /* 2 per sleeping pusher */
            conc_atomic_u32 join_watch; /* 1 per sleeping joiner */
            conc_atomic_u32 items_seq;  /* futex: items may have come / closed */
            conc_atomic_u32 room_seq;   /* futex: room may have come / closed */
            conc_atomic_u32 join_seq;   /* futex: unfinished reached zero */
            conc_atomic_u32 fd_pending; /* 1: eventfd written, not yet cleared */
            conc_atomic_u32 fd_state;   /* 0 none, 1 being made, 2 ready */
            conc_atomic_u32 efd;        /* the eventfd once fd_state == 2 */
            conc_atomic_u32 efd_pid;    /* the process that made it: the only
                                           one that acts on efd/fd_pending */
            conc_atomic_u32 closed;     /* 1 once close began (a hint for
                                           pushes; each container keeps its
                                           own authoritative closed state) */
        } s;
        unsigned char pad_[CONC_PAD_LINE];
    } u;
    /* Line 2: the joinable count (written by every push when joinable). */
    CONC_PADDED(conc_atomic_u64, unfinished);
} conc_waitset;

enum conc__ws_side { CONC_WS_ITEMS, CONC_WS_ROOM };

/* One try of the operation a waiter waits to complete (the container's
 * public push or pop): CONC_EMPTY / CONC_FULL mean "wait and try again". */
typedef conc_status (*conc_try_fn)(void *obj, void *arg);

void conc__ws_init(conc_waitset *w, unsigned flags);
void conc__ws_fini(conc_waitset *w);

/* Slow paths (src/wait.c), each taking `flags` as above.  The container
 * core (src/container.c) calls the ones behind the public contract with the
 * flags its descriptor gives. */
void conc__ws_wake_f(conc_waitset *w, unsigned flags, enum conc__ws_side side,
                     size_t n);
void conc__ws_wake_all_f(conc_waitset *w, unsigned flags);
/* Subtract n from the joinable word; wake joiners if the count hit zero. */
void conc__ws_done_n_f(conc_waitset *w, unsigned flags, uint64_t n);
bool conc__ws_clear_fd(conc_waitset *w);
/* A pop's second look (after conc__ws_rearm_f cleared the fd) found an
 * item: pushes that came while the fd still read as ready did not signal
 * it, so more items may be in; make the fd readable again (wait.h: it is
 * readable whenever items may be available).  Found by the explorer
 * (scenario <family>/fd under PCT; docs/verification.md). */
void conc__ws_refire_fd(conc_waitset *w);

/* Try `try(obj, arg)` until it gives something other than the side's
 * failure status (EMPTY for ITEMS, FULL for ROOM) or timeout_ns runs out. */
conc_status conc__ws_wait_f(conc_waitset *w, unsigned flags,
                            enum conc__ws_side side, conc_try_fn try_op,
                            void *obj, void *arg, uint64_t timeout_ns);
conc_status conc__ws_task_done_f(conc_waitset *w, unsigned flags);
conc_status conc__ws_join_f(conc_waitset *w, unsigned flags,
                            uint64_t timeout_ns);
conc_status conc__ws_fd_f(conc_waitset *w, unsigned flags, int *fd);
/* After a container closed itself: wake everyone, make the fd readable. */
void conc__ws_closed_f(conc_waitset *w, unsigned flags);
/* close_now's loop: pop until CLOSED, discard each item, task_done each.
 * buf NULL: pop(obj, void **) and discard the item; else pop(obj, buf) (a
 * message buffer) and discard(buf).  Any other status than OK or CLOSED
 * (e.g. CONC_EFORMAT from a corrupt shared ring) ends it and is returned. */
conc_status conc__ws_discard_f(conc_waitset *w, unsigned flags, conc_try_fn pop,
                               void *obj, void *buf, conc_discard_fn discard,
                               void *arg, size_t *discarded);

static inline bool conc__ws_is_closed(const conc_waitset *w)
{
    return conc_load_u32(&w->u.s.closed, CONC_SEQ_CST) != 0;
}

/* Mark closed; true for the first caller. */
static inline bool conc__ws_mark_closed(conc_waitset *w)
{
    return conc_exchange_u32(&w->u.s.closed, 1, CONC_SEQ_CST) == 0;
}

static inline bool conc__ws_has(unsigned flags, unsigned f)
{
    return (flags & f) != 0;
}

#define CONC_WS_INFLIGHT_ONE ((uint64_t)1 << 44)
#define CONC_WS_COUNT_MASK (CONC_WS_INFLIGHT_ONE - 1)

static inline void conc__ws_will_push_f(conc_waitset *w, unsigned flags)
{
    if (conc__ws_has(flags, CONC_JOINABLE))
        conc_fetch_add_u64(&w->unfinished, CONC_WS_INFLIGHT_ONE + 1, CONC_SEQ_CST);
}

static inline void conc__ws_push_landed_f(conc_waitset *w, unsigned flags)
{
    if (conc__ws_has(flags, CONC_JOINABLE))
        conc_fetch_sub_u64(&w->unfinished, CONC_WS_INFLIGHT_ONE, CONC_SEQ_CST);
}

static inline void conc__ws_unpush_f(conc_waitset *w, unsigned flags)
{
    if (conc__ws_has(flags, CONC_JOINABLE))
        conc__ws_done_n_f(w, flags, CONC_WS_INFLIGHT_ONE + 1);
}

/* The same three for a batch of k pushes at once (ring and lfqueue
 * push_many: one provisional unit each; k <= 64 keeps k * INFLIGHT_ONE far
 * below the in-flight field's limit).  k == 0 does nothing. */
static inline void conc__ws_will_push_n_f(conc_waitset *w, unsigned flags,
                                          uint64_t k)
{
    if (k && conc__ws_has(flags, CONC_JOINABLE))
        conc_fetch_add_u64(&w->unfinished, k * (CONC_WS_INFLIGHT_ONE + 1),
                           CONC_SEQ_CST);
}

static inline void conc__ws_push_landed_n_f(conc_waitset *w, unsigned flags,
                                            uint64_t k)
{
    if (k && conc__ws_has(flags, CONC_JOINABLE))
        conc_fetch_sub_u64(&w->unfinished, k * CONC_WS_INFLIGHT_ONE,
                           CONC_SEQ_CST);
}

static inline void conc__ws_unpush_n_f(conc_waitset *w, unsigned flags,
                                       uint64_t k)
{
    if (k && conc__ws_has(flags, CONC_JOINABLE))
        conc__ws_done_n_f(w, flags, k * (CONC_WS_INFLIGHT_ONE + 1));
}

static inline void conc__ws_count_pushed_f(conc_waitset *w, unsigned flags,
                                           size_t k)
{
    if (k && conc__ws_has(flags, CONC_JOINABLE))
        conc_fetch_add_u64(&w->unfinished, k, CONC_SEQ_CST);
}

static inline void conc__ws_pushed_f(conc_waitset *w, unsigned flags, size_t n)
{
    if (n && !conc__ws_has(flags, CONC_NOWAIT) &&
        conc_load_u32(&w->u.s.pop_watch, CONC_SEQ_CST) != 0)
        conc__ws_wake_f(w, flags, CONC_WS_ITEMS, n);
}

static inline void conc__ws_popped_f(conc_waitset *w, unsigned flags, size_t n)
{
    if (n && !conc__ws_has(flags, CONC_NOWAIT) &&
        conc_load_u32(&w->u.s.push_watch, CONC_SEQ_CST) != 0)
        conc__ws_wake_f(w, flags, CONC_WS_ROOM, n);
}

/* Called when a pop is about to answer CONC_EMPTY.  True: an eventfd was
 * armed and has been cleared; the caller must look once more before it
 * answers EMPTY (an item may have arrived while the fd still read as ready,
 * and its pusher then did not write the fd again).  False, with nothing
 * done, when the eventfd belongs to another process (src/wait.c). */
static inline bool conc__ws_rearm_f(conc_waitset *w, unsigned flags)
{
    if (conc__ws_has(flags, CONC_NOWAIT | CONC_SHARED) ||
        !(conc_load_u32(&w->u.s.pop_watch, CONC_SEQ_CST) & 1u))
        return false;
    return conc__ws_clear_fd(w);
}

/* The same with the waitset's own flags (in-process structures). */
static inline void conc__ws_will_push(conc_waitset *w)
{
    conc__ws_will_push_f(w, w->u.s.flags);
}

static inline void conc__ws_push_landed(conc_waitset *w)
{
    conc__ws_push_landed_f(w, w->u.s.flags);
}

static inline void conc__ws_unpush(conc_waitset *w)
{
    conc__ws_unpush_f(w, w->u.s.flags);
}

static inline void conc__ws_count_pushed(conc_waitset *w, size_t k)
{
    conc__ws_count_pushed_f(w, w->u.s.flags, k);
}

static inline void conc__ws_pushed(conc_waitset *w, size_t n)
{
    conc__ws_pushed_f(w, w->u.s.flags, n);
}

static inline void conc__ws_popped(conc_waitset *w, size_t n)
{
    conc__ws_popped_f(w, w->u.s.flags, n);
}

static inline bool conc__ws_rearm(conc_waitset *w)
{
    return conc__ws_rearm_f(w, w->u.s.flags);
}

#endif /* CONC_INTERNAL_WAITSET_H */
