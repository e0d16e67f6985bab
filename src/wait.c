/*
 * wait.c - the slow paths of waiting, closing and joining (contract in
 * include/conc/wait.h, ordering argument in src/internal/waitset.h).
 *
 * An eventcount per side over a futex word: the classic construction (as
 * used, e.g., by Dmitry Vyukov's eventcount and folly's EventCount), written
 * anew here.  The watch words count sleepers in steps of 2 so that bit 0 of
 * pop_watch can say "an eventfd is armed" in the same word a push loads.
 *
 * The eventfd and its process.  A descriptor is a per-process thing, but the
 * waitset may be reached by other processes: a copy made by fork, or a
 * structure without CONC_SHARED in a mapping shared anyway.  So X_fd records
 * the maker's pid (efd_pid) next to efd, and every fd-related side effect
 * (write, read, close, and fd_pending, which would otherwise silence the
 * owner's next signal) is preceded by fd_owner(): efd_pid == this process's
 * pid.  And it is asked only on paths about to make a system call on the fd
 * anyway; the common armed path, a push that finds fd_pending already 1,
 * asks nothing and writes nothing.
 *
 * This process's pid (self_pid).  getpid() is a system call in glibc >= 2.25
 * (no cached pid): here about 100 ns beside 350 ns for the eventfd
 * write+read it would guard, +21% on a drain cycle (notes-xproc.md), so it
 * is cached in a page madvise(MADV_WIPEONFORK) makes
 * the kernel hand zeroed to every child: a cached 0 means "ask getpid()".
 * Unlike a cache reset by a pthread_atfork handler, this holds however the
 * child was made (fork, clone without CLONE_VM, any libc), because the
 * kernel, not a library, does the reset.  Where the advice is refused
 * (Linux < 4.14) every call asks getpid().  The page is made once per
 * process and never unmapped.  (A process that shares our address space
 * without being our thread -- clone(CLONE_VM) without CLONE_THREAD, or a
 * vfork child before exec -- would share the cache; neither may use the
 * fd.)  A CONC_SHARED waitset has no eventfd at all.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal/waitset.h"

#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal/clock.h"
#include "internal/futex.h"
#include "internal/spin.h"
#include "internal/io.h"
#include "internal/verify_state.h"

#define SC CONC_SEQ_CST

/* The spin before a waiter sleeps: at most this many tries of the
 * operation (each a pause and a full try), the default of the environment
 * variable CONC_WAIT_SPIN (read once per process: a number of tries, 0 for
 * none, at most SPIN_ENV_MAX).  The explorer's build makes it 1
 * (explore/meson.build): each try is a dozen schedule points, and the
 * search only needs to know that a waiter may try again before it sleeps.
 * The verify builds (CONC_VERIFY: the explorer's and libconc-verify) never
 * read the variable, so what they prove does not depend on the caller's
 * environment; a test sets the count with conc__ws_verify_set_spin. */
#ifndef CONC_WAIT_SPIN_TRIES
#define CONC_WAIT_SPIN_TRIES 200
#endif
/* The fewest tries of an adaptive spin, and the largest CONC_WAIT_SPIN
 * (some 100000 pauses: a few ms; a timed wait's spin stops at its deadline
 * anyway, SPIN_CLOCK_EVERY). */
#define SPIN_MIN_TRIES 4u
#define SPIN_ENV_MAX 100000u
/* A timed wait's spin looks at the clock every this many tries and stops
 * at the deadline, which counts from before the spin. */
#define SPIN_CLOCK_EVERY 64u

/* ---- the spin before sleeping -------------------------------------------- */

/* Why adaptive.  A spin pays when the item (or the room) comes while the
 * waiter spins: no sleep, no wake-up, no futex_wake for the peer.  When it
 * does not, it costs more than its own CPU time.  conc-bench --latency, one
 * item every 30 us: the median handoff took 12.5 us with the fixed spin of
 * 200 tries this replaced, 1.8 us with none, 3.0 and 2.5 us for a pipe in
 * the same runs (docs/issue-11/counter-and-handoff.md): a waiter that spun
 * until just before it slept is woken later than one that slept at once.
 * And with more runnable threads than CPUs a spinning waiter holds the CPU
 * its peer needs: a push_wait/pop_wait ping-pong between two threads took
 * 41 to 52 us a round trip with the fixed spin, 7 to 10 us with none, and
 * 10 to 11 us with this adaptive one (2 loaded CPUs).  So each thread keeps, per side, an
 * estimate of the tries worth spinning:
 *   - a spin that succeeded at try c raises it at once to 2c, or lowers it
 *     by a quarter of the way toward 2c;
 *   - a spin that failed lowers it by a quarter, down to SPIN_MIN_TRIES;
 *   - a spin, won or lost, that ran more than 2 us longer than twice the
 *     thread's fastest rate of tries would explain (the spinner lost its
 *     CPU, most likely to the peer it waited for) halves it;
 *   - every SPIN_PROBE_EVERY-th wait spins the full count, so that a spin
 *     shrunk to the floor finds out when longer ones would win again.
 * A thread's first wait spins the full count.  Per thread, not per
 * waitset: a waiter usually waits on one structure, and a word that every
 * waiter of a structure wrote would be one more shared line (and, for a
 * shared ring, one more word a peer may scribble).  The estimate only
 * decides how long to spin; the protocol below does not depend on it. */

static conc_atomic_u32 spin_max_word; /* 0: not read yet; else tries + 1 */

#if defined(__GNUC__) || defined(__clang__)
#define WAIT_TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define WAIT_TLS_FAST
#endif
/* Per side (CONC_WS_ITEMS, CONC_WS_ROOM): the estimate + 1; 0: none yet. */
static _Thread_local uint32_t spin_est[2] WAIT_TLS_FAST;

#ifdef CONC_VERIFY
/* conc__ws_verify_set_spin: 0, the build's CONC_WAIT_SPIN_TRIES; else the
 * tries + 1 (at most SPIN_ENV_MAX + 1). */
static uint32_t spin_forced;
#endif

static uint32_t spin_max(void)
{
    uint32_t v = conc_load_u32(&spin_max_word, CONC_RELAXED);
    if (v != 0)
        return v - 1;
    uint32_t m = CONC_WAIT_SPIN_TRIES;
#ifdef CONC_VERIFY
    if (spin_forced != 0)
        m = spin_forced - 1;
#else
    const char *e = getenv("CONC_WAIT_SPIN");
    if (e != NULL && *e != '\0') {
        uint64_t n = 0;
        const char *c = e;
        /* Every digit read, n saturating above the maximum: a larger
         * number is the maximum. */
        for (; *c >= '0' && *c <= '9'; c++)
            if (n <= SPIN_ENV_MAX)
                n = n * 10 + (uint64_t)(*c - '0');
        if (*c == '\0') /* a number, else the default */
            m = n > SPIN_ENV_MAX ? SPIN_ENV_MAX : (uint32_t)n;
    }
#endif
    /* Racing first waits store the same value. */
    conc_store_u32(&spin_max_word, m + 1, CONC_RELAXED);
    return m;
}

static uint32_t clamp_tries(uint64_t n, uint32_t max)
{
    return n < SPIN_MIN_TRIES ? SPIN_MIN_TRIES : n > max ? max : (uint32_t)n;
}

/* Waits per side since the last probe: every SPIN_PROBE_EVERY-th wait
 * spins the full count, whatever the estimate, so that a spin shrunk to
 * the floor can find out that longer ones would now win. */
static _Thread_local uint32_t spin_probe[2] WAIT_TLS_FAST;
#define SPIN_PROBE_EVERY 32u

/* This wait's spin limit. */
static uint32_t spin_limit(enum conc__ws_side side, uint32_t max)
{
    uint32_t e = spin_est[side];
    if (++spin_probe[side] >= SPIN_PROBE_EVERY) {
        spin_probe[side] = 0;
        return max;
    }
    return e == 0 ? max : clamp_tries(e - 1, max);
}

/* The fastest this thread has spun, in ns per try x 16 (0: not yet
 * measured), and whether a spin of `tries` that took `ns` ran slower than
 * that by more than a descheduling would explain: then the spinner lost
 * its CPU while it spun, most likely to the very peer it waited for (more
 * runnable threads than CPUs), and spinning only delayed both. */
static _Thread_local uint64_t spin_rate16 WAIT_TLS_FAST;
#define SPIN_PREEMPTED_NS 2000 /* more than this beyond twice the fastest */

static bool spin_preempted(uint32_t tries, int64_t ns)
{
    if (tries == 0 || ns < 0)
        return false;
    uint64_t r = (uint64_t)ns * 16 / tries;
    if (spin_rate16 == 0 || r < spin_rate16)
        spin_rate16 = r > 0 ? r : 1;
    uint64_t expected = (uint64_t)tries * spin_rate16 / 16;
    return (uint64_t)ns > 2 * expected + SPIN_PREEMPTED_NS;
}

/* Halve the estimate (a spin that was descheduled). */
static void spin_halve(enum conc__ws_side side, uint32_t limit, uint32_t max)
{
    spin_est[side] = clamp_tries(limit / 2, max) + 1;
}

/* The spin succeeded at try c, spin_ns after it began. */
static void spin_won(enum conc__ws_side side, uint32_t limit, uint32_t c,
                     uint32_t max, int64_t spin_ns)
{
    if (spin_preempted(c, spin_ns)) {
        spin_halve(side, limit, max);
        return;
    }
    /* Up at once to twice the tries it took, down by a quarter of the
     * difference: the spin keeps room for the slower handoffs. */
    uint64_t target = 2 * (uint64_t)c;
    uint32_t e0 = spin_est[side];
    uint64_t e = e0 == 0 ? limit : e0 - 1;
    e = target >= e ? target : e - (e - target) / 4;
    spin_est[side] = clamp_tries(e, max) + 1;
}

/* The spin of `limit` tries took spin_ns and failed. */
static void spin_lost(enum conc__ws_side side, uint32_t limit, uint32_t max,
                      int64_t spin_ns)
{
    if (spin_preempted(limit, spin_ns)) {
        spin_halve(side, limit, max);
        return;
    }
    uint32_t e0 = spin_est[side];
    uint64_t e = e0 == 0 ? limit : e0 - 1;
    e -= e / 4 + 1;
    spin_est[side] = clamp_tries(e, max) + 1;
}
void conc__ws_init(conc_waitset *w, unsigned flags)
{
    w->u.s.flags = flags;
    conc_init_u32(&w->u.s.pop_watch, 0);
    conc_init_u32(&w->u.s.push_watch, 0);
    conc_init_u32(&w->u.s.join_watch, 0);
    conc_init_u32(&w->u.s.items_seq, 0);
    conc_init_u32(&w->u.s.room_seq, 0);
    conc_init_u32(&w->u.s.join_seq, 0);
    conc_init_u32(&w->u.s.fd_pending, 0);
    conc_init_u32(&w->u.s.fd_state, 0);
    conc_init_u32(&w->u.s.efd, 0);
    conc_init_u32(&w->u.s.efd_pid, 0);
    conc_init_u32(&w->u.s.closed, 0);
    conc_init_u64(&w->unfinished, 0);
}

/* `flags` is the caller's trusted copy (waitset.h): for a shared ring the
 * handle's, never the word in the mapping. */
static bool shared(unsigned flags)
{
    return conc__ws_has(flags, CONC_SHARED);
}

/* ---- this process's pid (see the top of this file) ---------------------- */

#define NO_PID_PAGE ((uintptr_t)1) /* the kernel refused MADV_WIPEONFORK */

static conc_atomic_uptr pid_page; /* 0: not made yet in this address space */

static uintptr_t make_pid_page(void)
{
    long sz = sysconf(_SC_PAGESIZE);
    uintptr_t page = NO_PID_PAGE;
#ifdef MADV_WIPEONFORK
    void *m = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
        if (madvise(m, (size_t)sz, MADV_WIPEONFORK) == 0)
            page = (uintptr_t)m;
        else
            munmap(m, (size_t)sz);
    }
#endif
    uintptr_t expect = 0;
    /* Release: the page's zeroes before its address.  A thread that lost
     * the race uses the winner's page. */
    if (!conc_cas_uptr(&pid_page, &expect, page, CONC_ACQ_REL, CONC_ACQUIRE)) {
        if (page != NO_PID_PAGE)
            munmap((void *)page, (size_t)sz);
        page = expect;
    }
    return page;
}

/* `made`: NULL, or the word holding the number of an eventfd this process
 * just made.  In the verify build the id is first asked of a v2 hook (a
 * PID point, verify.h: a question, not a step): a schedule explorer whose
 * threads stand in for processes answers with the thread's virtual
 * process, and learns from `made` which process owns the descriptor.
 * Unanswered (no hook, or a thread outside the exploration): the real id. */
static uint32_t self_pid_at(const conc_atomic_u32 *made)
{
#ifdef CONC_VERIFY
    conc_point q = CONC__POINT_AT(CONC_POINT_PID, __FILE__, __LINE__);
    q.addr = made;
    conc_verify_pre(&q);
    if (q.handled)
        return (uint32_t)q.result;
#else
    (void)made;
#endif
    int saved = errno;
    uintptr_t page = conc_load_uptr(&pid_page, CONC_ACQUIRE);
    if (page == 0)
        page = make_pid_page();
    uint32_t pid;
    if (page == NO_PID_PAGE) {
        pid = (uint32_t)getpid();
    } else {
        /* Zero in a child's new address space (wiped by the kernel), so
         * a child never sees its parent's pid here.  Racing threads of one
         * process all store the same value: relaxed suffices. */
        conc_atomic_u32 *cached = (conc_atomic_u32 *)page;
        pid = conc_load_u32(cached, CONC_RELAXED);
        if (pid == 0) {
            pid = (uint32_t)getpid();
            conc_store_u32(cached, pid, CONC_RELAXED);
        }
    }
    errno = saved;
    return pid;
}

static uint32_t self_pid(void)
{
    return self_pid_at(NULL);
}

#ifdef CONC_VERIFY
void conc__ws_verify_set_spin(int64_t tries)
{
    spin_forced = tries < 0 ? 0
                  : tries > (int64_t)SPIN_ENV_MAX ? SPIN_ENV_MAX + 1
                                                  : (uint32_t)tries + 1;
    conc_store_u32(&spin_max_word, 0, CONC_RELAXED);
}

/* verify_state.h: as in a fresh process, no page yet. */
void conc__ws_verify_reset(void)
{
    /* The spin's maximum worked out again, the caller's estimates
     * forgotten. */
    conc_store_u32(&spin_max_word, 0, CONC_RELAXED);
    spin_est[0] = spin_est[1] = 0;
    spin_probe[0] = spin_probe[1] = 0;
    spin_rate16 = 0;
    uintptr_t page = conc_exchange_uptr(&pid_page, 0, CONC_ACQ_REL);
    if (page != 0 && page != NO_PID_PAGE)
        munmap((void *)page, (size_t)sysconf(_SC_PAGESIZE));
}
#endif

/* Whether this process made the eventfd.  Only asked once the fd is known
 * to exist (fd_state 2, or the armed bit, both published after efd_pid:
 * the acquire/seq_cst load that saw them makes efd_pid visible, so relaxed
 * suffices). */
static bool fd_owner(const conc_waitset *w)
{
    return conc_load_u32(&w->u.s.efd_pid, CONC_RELAXED) == self_pid();
}

void conc__ws_fini(conc_waitset *w)
{
    /* A shared waitset never has an fd of ours: whatever fd_state and efd
     * say there was written by a peer (include/conc/shm.h).  Nor has a copy
     * in a child after fork: the descriptor the child inherited (or
     * whatever it put on that number since) is the child's business, and
     * fd_state stays as the owner, who may share this memory, left it. */
    if (!shared(w->u.s.flags) && conc_load_u32(&w->u.s.fd_state, CONC_ACQUIRE) == 2 &&
        fd_owner(w)) {
        close((int)conc_load_u32(&w->u.s.efd, CONC_RELAXED));
        conc_store_u32(&w->u.s.fd_state, 0, CONC_RELAXED);
    }
}

/* Make the fd readable unless it already is.  The caller has checked
 * fd_owner. */
static void fd_signal_owned(conc_waitset *w)
{
    if (conc_exchange_u32(&w->u.s.fd_pending, 1, SC) == 0) {
        uint64_t one = 1;
        int saved = errno;
        /* Cannot fail but by overflowing the 64-bit counter, which a
         * counter cleared on every drain never reaches. */
        ssize_t rc = conc__io_write(&w->u.s.efd, &one, sizeof one);
        (void)rc;
        errno = saved;
    }
}

/* A push while the fd is armed. */
static void fd_signal(conc_waitset *w)
{
    /* Already signalled: nothing to do, no system call, no store.  Seeing 1
     * here orders like an exchange that saw 1 (pairs with clear_fd's seq_cst
     * store of 0: that store comes later in the total order, so the
     * clearer's second look sees our item). */
    if (conc_load_u32(&w->u.s.fd_pending, SC) != 0)
        return;
    /* About to write: ownership first, before fd_pending is touched (a
     * non-owner setting it would silence the owner's next signal). */
    if (fd_owner(w))
        fd_signal_owned(w);
}

void conc__ws_wake_f(conc_waitset *w, unsigned flags, enum conc__ws_side side,
                     size_t n)
{
    conc_atomic_u32 *watch = side == CONC_WS_ITEMS ? &w->u.s.pop_watch
                                                   : &w->u.s.push_watch;
    conc_atomic_u32 *seq = side == CONC_WS_ITEMS ? &w->u.s.items_seq
                                                 : &w->u.s.room_seq;
    uint32_t v = conc_load_u32(watch, SC);
    if (v >= 2) {
        conc_fetch_add_u32(seq, 1, SC);
        int saved = errno;
        conc_futex_wake(seq, n > INT_MAX ? INT_MAX : (int)n, shared(flags));
        errno = saved;
    }
    /* In a shared waitset bit 0 is a peer's word, never an fd of ours. */
    if ((v & 1u) && !shared(flags))
        fd_signal(w);
}

void conc__ws_wake_all_f(conc_waitset *w, unsigned flags)
{
    int saved = errno;
    conc_fetch_add_u32(&w->u.s.items_seq, 1, SC);
    conc_futex_wake(&w->u.s.items_seq, INT_MAX, shared(flags));
    conc_fetch_add_u32(&w->u.s.room_seq, 1, SC);
    conc_futex_wake(&w->u.s.room_seq, INT_MAX, shared(flags));
    errno = saved;
}

void conc__ws_closed_f(conc_waitset *w, unsigned flags)
{
    conc__ws_wake_all_f(w, flags);
    if (!shared(flags) && (conc_load_u32(&w->u.s.pop_watch, SC) & 1u) &&
        fd_owner(w)) {
        /* Readable from now on: pops answer CLOSED, never EMPTY, so nothing
         * clears it again. */
        conc_store_u32(&w->u.s.fd_pending, 0, SC);
        fd_signal_owned(w);
    }
}

void conc__ws_refire_fd(conc_waitset *w)
{
    int saved = errno;
    fd_signal(w);
    errno = saved;
}

bool conc__ws_clear_fd(conc_waitset *w)
{
    /* Another process's fd: nothing of ours was cleared, so no second look
     * is owed either.  (Asked here, on a path that reads the fd anyway.) */
    if (!fd_owner(w))
        return false;
    uint64_t v;
    int saved = errno;
    /* Read (clear) first, then say "not pending": a push in between sees
     * pending, does not write, and its item is found by the caller's second
     * look.  The other order could clear a write that no look follows. */
    ssize_t rc = conc__io_read(&w->u.s.efd, &v, sizeof v);
    (void)rc;
    errno = saved;
    conc_store_u32(&w->u.s.fd_pending, 0, SC);
    /* Once closed the fd stays readable, even if this pop raced with the
     * close and cleared its signal. */
    if (conc__ws_is_closed(w))
        fd_signal_owned(w);
    return true;
}

/* ---- deadlines ---------------------------------------------------------- */

/* ns after `now`. */
static struct timespec deadline_from(struct timespec t, uint64_t ns)
{
    uint64_t s = ns / 1000000000u, rest = ns % 1000000000u;
    uint64_t nsec = (uint64_t)t.tv_nsec + rest;
    s += nsec / 1000000000u;
    nsec %= 1000000000u;
    /* Saturate instead of overflowing time_t (treated as forever). */
    if (s > (uint64_t)INT32_MAX * 8 || (uint64_t)t.tv_sec > UINT64_MAX - s)
        s = (uint64_t)INT32_MAX * 8;
    t.tv_sec += (time_t)s;
    t.tv_nsec = (long)nsec;
    return t;
}

static struct timespec deadline_after(uint64_t ns)
{
    struct timespec t;
    conc__clock_now_ts(&t);
    return deadline_from(t, ns);
}

static bool passed(const struct timespec *d)
{
    struct timespec now;
    conc__clock_now_ts(&now);
    return now.tv_sec > d->tv_sec ||
           (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

/* ---- waiting ------------------------------------------------------------ */

conc_status conc__ws_wait_f(conc_waitset *w, unsigned flags,
                            enum conc__ws_side side, conc_try_fn try_op,
                            void *obj, void *arg, uint64_t timeout_ns)
{
    const conc_status fail = side == CONC_WS_ITEMS ? CONC_EMPTY : CONC_FULL;
    if (timeout_ns != 0 && conc__ws_has(flags, CONC_NOWAIT))
        return CONC_EINVAL;
    conc_status st = try_op(obj, arg);
    if (st != fail || timeout_ns == 0)
        return st;
    /* A fixed spin where there is too little room to adapt (the explorer's
     * build): no clock reads for it then, no state. */
    const uint32_t max = spin_max();
    const bool adapt = max > SPIN_MIN_TRIES;
    const uint32_t limit = adapt ? spin_limit(side, max) : max;
    const bool timed = timeout_ns != CONC_FOREVER;
    /* One clock read for the spin's start and the deadline's: the timeout
     * counts from here, spin included. */
    struct timespec start = {0, 0}, dl, *dlp = NULL;
    if (adapt || timed)
        conc__clock_now_ts(&start);
    const int64_t t0 = conc__ts_to_ns(&start);
    if (timed) {
        dl = deadline_from(start, timeout_ns);
        dlp = &dl;
    }
    uint32_t i;
    for (i = 0; i < limit; i++) {
        /* A bounded spin before sleeping: BACKOFF, not SPIN, because it
         * ends by itself (in the futex wait below) whether or not a peer
         * writes, so a waiter is never stuck here. */
        conc_backoff_pause();
        if ((st = try_op(obj, arg)) != fail) {
            if (adapt)
                spin_won(side, limit, i + 1, max, conc__clock_now_ns() - t0);
            return st;
        }
        /* A timed wait's spin stops at the deadline (the clock read every
         * SPIN_CLOCK_EVERY tries: a few us apart). */
        if (timed && i % SPIN_CLOCK_EVERY == SPIN_CLOCK_EVERY - 1 &&
            i + 1 < limit && passed(dlp)) {
            i++;
            break;
        }
    }
    /* i: the tries made. */
    if (adapt)
        spin_lost(side, i, max, conc__clock_now_ns() - t0);
    conc_atomic_u32 *watch = side == CONC_WS_ITEMS ? &w->u.s.pop_watch
                                                   : &w->u.s.push_watch;
    conc_atomic_u32 *seq = side == CONC_WS_ITEMS ? &w->u.s.items_seq
                                                 : &w->u.s.room_seq;
    int saved = errno;
    for (;;) {
        conc_fetch_add_u32(watch, 2, SC);
        uint32_t key = conc_load_u32(seq, SC);
        st = try_op(obj, arg);
        int rc = 0;
        if (st == fail)
            rc = conc_futex_wait(seq, key, dlp, shared(flags));
        conc_fetch_sub_u32(watch, 2, SC);
        if (st != fail)
            break;
        /* Woken, timed out or interrupted: look once more either way, so a
         * wake-up meant for us is never spent on a timeout. */
        if ((st = try_op(obj, arg)) != fail)
            break;
        if (rc == ETIMEDOUT || (dlp && passed(dlp))) {
            st = CONC_TIMEDOUT;
            break;
        }
    }
    errno = saved;
    return st;
}

/* ---- joining ------------------------------------------------------------ */

/* The count just reached zero: wake every joiner, if any sleeps. */
static void wake_joiners(conc_waitset *w, unsigned flags)
{
    if (conc_load_u32(&w->u.s.join_watch, SC) != 0) {
        int saved = errno;
        conc_fetch_add_u32(&w->u.s.join_seq, 1, SC);
        conc_futex_wake(&w->u.s.join_seq, INT_MAX, shared(flags));
        errno = saved;
    }
}

void conc__ws_done_n_f(conc_waitset *w, unsigned flags, uint64_t n)
{
    uint64_t before = conc_fetch_sub_u64(&w->unfinished, n, SC);
    if (((before - n) & CONC_WS_COUNT_MASK) == 0)
        wake_joiners(w, flags);
}

/* How long task_done waits for pushes in flight in a shared waitset before
 * it gives up with CONC_EINVAL (a peer may have died inside its push, or may
 * have written anything into the word). */
#ifndef CONC_TASK_DONE_SHARED_WAIT_NS
#define CONC_TASK_DONE_SHARED_WAIT_NS 1000000000u /* the fuzz build: 1 ms */
#endif
#define TASK_DONE_SHARED_WAIT_NS CONC_TASK_DONE_SHARED_WAIT_NS

/* A shared waitset's wait for pushes in flight gives up at this deadline
 * (set at the first wait); one may serve several task_done calls. */
typedef struct td_deadline {
    struct timespec at;
    bool set;
} td_deadline;

/* may_wait: false in a shared waitset's close_now while it drains: there an
 * ambiguous count (every unit may be a push in flight, which a peer can
 * fake) answers EINVAL at once, with *ambiguous set, instead of waiting up
 * to TASK_DONE_SHARED_WAIT_NS per item (found by fuzz_shm); close_now
 * settles those units once the drain is over (conc__ws_discard_f).  dl: a
 * deadline shared by several calls, or NULL for one of its own. */
static conc_status task_done_impl(conc_waitset *w, unsigned flags, bool may_wait,
                                  td_deadline *dl, bool *ambiguous)
{
    if (!conc__ws_has(flags, CONC_JOINABLE))
        return CONC_EINVAL;
    uint64_t u = conc_load_u64(&w->unfinished, SC);
    td_deadline own = {.set = false};
    if (!dl)
        dl = &own;
    unsigned spins = 0;
    for (;;) {
        uint64_t count = u & CONC_WS_COUNT_MASK;
        uint64_t inflight = u / CONC_WS_INFLIGHT_ONE;
        if (count == 0)
            return CONC_EINVAL; /* more task_done than items: Python's ValueError */
        if (count > inflight) {
            /* At least one unfinished item is certainly in. */
            if (conc_cas_u64(&w->unfinished, &u, u - 1, SC, SC))
                break;
            continue;
        }
        /* Every unit of the count may be a push in flight that is about to
         * take its item back: wait until one of them has finished. */
        if (!may_wait) {
            if (ambiguous)
                *ambiguous = true;
            return CONC_EINVAL;
        }
        /* SPIN (both below): the count changes only when another thread's
         * push in flight finishes. */
        if (spins < 64) {
            spins++;
            conc_spin_pause();
        } else {
            if (shared(flags)) {
                if (!dl->set) {
                    dl->at = deadline_after(TASK_DONE_SHARED_WAIT_NS);
                    dl->set = true;
                } else if (passed(&dl->at)) {
                    return CONC_EINVAL;
                }
            }
            conc_spin_pause();
            sched_yield();
        }
        u = conc_load_u64(&w->unfinished, SC);
    }
    if ((u & CONC_WS_COUNT_MASK) == 1)
        wake_joiners(w, flags);
    return CONC_OK;
}

conc_status conc__ws_task_done_f(conc_waitset *w, unsigned flags)
{
    return task_done_impl(w, flags, true, NULL, NULL);
}

conc_status conc__ws_join_f(conc_waitset *w, unsigned flags,
                            uint64_t timeout_ns)
{
    if (!conc__ws_has(flags, CONC_JOINABLE) || conc__ws_has(flags, CONC_NOWAIT))
        return CONC_EINVAL;
    if ((conc_load_u64(&w->unfinished, SC) & CONC_WS_COUNT_MASK) == 0)
        return CONC_OK;
    if (timeout_ns == 0)
        return CONC_TIMEDOUT;
    struct timespec dl, *dlp = NULL;
    if (timeout_ns != CONC_FOREVER) {
        dl = deadline_after(timeout_ns);
        dlp = &dl;
    }
    int saved = errno;
    conc_status st;
    for (;;) {
        conc_fetch_add_u32(&w->u.s.join_watch, 1, SC);
        uint32_t key = conc_load_u32(&w->u.s.join_seq, SC);
        int rc = 0;
        bool zero = (conc_load_u64(&w->unfinished, SC) & CONC_WS_COUNT_MASK) == 0;
        if (!zero)
            rc = conc_futex_wait(&w->u.s.join_seq, key, dlp, shared(flags));
        conc_fetch_sub_u32(&w->u.s.join_watch, 1, SC);
        if (zero || (conc_load_u64(&w->unfinished, SC) & CONC_WS_COUNT_MASK) == 0) {
            st = CONC_OK;
            break;
        }
        if (rc == ETIMEDOUT || (dlp && passed(dlp))) {
            st = CONC_TIMEDOUT;
            break;
        }
    }
    errno = saved;
    return st;
}

/* ---- event loops -------------------------------------------------------- */

conc_status conc__ws_fd_f(conc_waitset *w, unsigned flags, int *fd)
{
    if (conc__ws_has(flags, CONC_NOWAIT) || shared(flags))
        return CONC_EINVAL;
    uint32_t s = 0;
    if (conc_cas_u32(&w->u.s.fd_state, &s, 1, CONC_ACQUIRE, CONC_ACQUIRE)) {
        int e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (e < 0) {
            conc_store_u32(&w->u.s.fd_state, 0, CONC_RELEASE);
            return CONC_ESYS;
        }
        conc_store_u32(&w->u.s.efd, (uint32_t)e, CONC_RELAXED);
        /* Published with efd by the seq_cst fetch_or (armed bit) and the
         * release store of fd_state below. */
        conc_store_u32(&w->u.s.efd_pid, self_pid_at(&w->u.s.efd), CONC_RELAXED);
        /* Readable at first: items pushed before now were never signalled.
         * The caller's first drain clears it. */
        conc_store_u32(&w->u.s.fd_pending, 0, SC);
        fd_signal_owned(w);
        conc_fetch_or_u32(&w->u.s.pop_watch, 1u, SC);
        conc_store_u32(&w->u.s.fd_state, 2, CONC_RELEASE);
    } else {
        while ((s = conc_load_u32(&w->u.s.fd_state, CONC_ACQUIRE)) == 1)
            conc_spin_pause(); /* for the maker to finish */
        if (s != 2) /* the maker failed; try ourselves */
            return conc__ws_fd_f(w, flags, fd);
        /* Made by another process (we are a fork child with a copy, or
         * share the memory): that number is not a descriptor of ours. */
        if (!fd_owner(w))
            return CONC_EINVAL;
    }
    *fd = (int)conc_load_u32(&w->u.s.efd, CONC_RELAXED);
    return CONC_OK;
}

/* ---- close_now ---------------------------------------------------------- */

conc_status conc__ws_discard_f(conc_waitset *w, unsigned flags, conc_try_fn pop,
                               void *obj, void *buf, conc_discard_fn discard,
                               void *arg, size_t *discarded)
{
    size_t n = 0, owed = 0;
    void *item;
    conc_status st;
    /* Pointer mode pops into `item`; message mode (buf) into buf. */
    while ((st = pop(obj, buf ? buf : (void *)&item)) == CONC_OK) {
        if (discard)
            discard(buf ? buf : item, arg);
        n++;
        bool ambiguous = false;
        if (conc__ws_has(flags, CONC_JOINABLE) &&
            task_done_impl(w, flags, !shared(flags), NULL, &ambiguous) != CONC_OK &&
            ambiguous)
            owed++;
    }
    /* A shared waitset: each unit refused above was ambiguous only while
     * pushes were in flight, and a discarded item's unit is real, so count
     * it done now that the pushes in flight end (the drain is over): else
     * the count stays above zero for ever and join never returns (found by
     * the explorer: shmring/close-now-join).  All of them wait together at
     * most TASK_DONE_SHARED_WAIT_NS, for a peer that died in a push. */
    td_deadline dl = {.set = false};
    for (; owed > 0; owed--)
        if (task_done_impl(w, flags, true, &dl, NULL) != CONC_OK)
            break;
    if (discarded)
        *discarded = n;
    return st == CONC_CLOSED ? CONC_OK : st;
}
