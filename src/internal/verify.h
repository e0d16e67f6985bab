/*
 * verify.h - schedule-point hooks of the verify build (libconc-verify).
 *
 * Hooks, version 2.  In the verify build (CONC_VERIFY) every visible step of
 * src/ is a schedule point that reports what it is about to do:
 *   - every atomic operation (atomics.h): its address, width, memory
 *     order(s), operand or expected value and site (file:line) before it
 *     runs, and its result (the value read or replaced, whether a
 *     compare-and-swap succeeded) after it ran;
 *   - spin-waits (spin.h), split in two: BACKOFF (this thread lost a race
 *     and backs off; it can go on at once) and SPIN (it waits for another
 *     thread to write something it has read);
 *   - futexes (futex.h): FUTEX_WAIT(address, expected, deadline) and
 *     FUTEX_WAKE(address, n), with their `shared` flag; a hook may model
 *     them instead of the kernel (it sets `handled`, and for a wait `rc`,
 *     0 or ETIMEDOUT);
 *   - pthread mutexes (lock.h): LOCK before pthread_mutex_lock, UNLOCK after
 *     pthread_mutex_unlock;
 *   - the clock (clock.h): CLOCK before clock_gettime(CLOCK_MONOTONIC); a
 *     hook may answer with a virtual time (`handled`, `now_ns`);
 *   - the process id (wait.c, which compares it with an eventfd's maker):
 *     PID, a question rather than a step, seen by a v2 hook only, which may
 *     answer with a virtual process (`handled`, `result`).
 *
 * A harness installs one process-wide hook.  Version 1 hooks receive the kind
 * only, before the step (verify/park.h, fuzz_concurrent, test_shm); a
 * version 2 hook receives the whole conc_point, before (phase PRE) and after
 * (phase POST) the step.  Only one of the two is called: the v2 hook if set.
 *
 * Without a hook the default policy injects sched_yield() at random schedule
 * points, with the probability read from CONC_YIELD_RATE (0..1; default 0,
 * no injection) at the first schedule point and a per-thread stream seeded
 * from CONC_YIELD_SEED (default 1) and the order in which threads first
 * reach a schedule point.  SPIN and FUTEX_WAIT points always yield when
 * injection is on.
 */
#ifndef CONC_INTERNAL_VERIFY_H
#define CONC_INTERNAL_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

enum conc_point_kind {
    CONC_POINT_LOAD,
    CONC_POINT_STORE,
    CONC_POINT_RMW,   /* exchange, fetch_*, compare-and-swap (see `rmw`) */
    CONC_POINT_FENCE,
    CONC_POINT_BACKOFF, /* a lost race: back off, may go on at once */
    CONC_POINT_SPIN,    /* waiting for another thread to write */
    CONC_POINT_FUTEX_WAIT,
    CONC_POINT_FUTEX_WAKE,
    CONC_POINT_LOCK,    /* before pthread_mutex_lock(addr) */
    CONC_POINT_UNLOCK,  /* after pthread_mutex_unlock(addr) (PRE and POST
                           both come after the unlock) */
    CONC_POINT_CLOCK,   /* before reading CLOCK_MONOTONIC */
    CONC_POINT_IO,      /* before a read()/write() on the descriptor whose
                           number is at addr (io.h: the eventfd); operand 1
                           for a write; POST: result = the return value */
    CONC_POINT_PID,     /* a question, not a step: this process's id
                           (wait.c's self_pid).  Only a v2 hook sees it (no
                           count, no v1 hook, no yield, no POST); one that
                           sets `handled` answers in `result` (the
                           explorer: the thread's virtual process).  addr:
                           NULL, or the word that holds the number of an
                           eventfd the caller just made (it belongs to the
                           caller's process) */
    CONC_POINT_KINDS
};

/* Which read-modify-write (kind CONC_POINT_RMW). */
enum conc_rmw_op {
    CONC_RMW_NONE,
    CONC_RMW_XCHG,
    CONC_RMW_CAS,      /* strong */
    CONC_RMW_CAS_WEAK,
    CONC_RMW_ADD,
    CONC_RMW_SUB,
    CONC_RMW_OR,
    CONC_RMW_AND
};

enum conc_point_phase { CONC_PHASE_PRE, CONC_PHASE_POST };

typedef struct conc_point {
    int kind;          /* enum conc_point_kind */
    int rmw;           /* enum conc_rmw_op (RMW only) */
    int phase;         /* enum conc_point_phase */
    const void *addr;  /* the atomic word, futex word or mutex; NULL: fence,
                          backoff, spin, clock */
    unsigned width;    /* bytes: 4 or 8 (pointer-sized: sizeof(uintptr_t));
                          FUTEX_*: 4; 0 for the other kinds */
    int mo, mo_fail;   /* memory_order values; mo_fail: CAS failure order
                          (other atomics: = mo); 0 for non-atomic kinds */
    uint64_t operand;  /* store/xchg/fetch_*: the value; CAS: desired;
                          FUTEX_WAKE: n */
    uint64_t expected; /* CAS: expected; FUTEX_WAIT: the value expected */
    bool shared;       /* FUTEX_*: the futex is process-shared (no
                          FUTEX_PRIVATE_FLAG: keyed by the page, not by
                          this process's address space) */
    const char *file;  /* the site */
    int line;
    /* FUTEX_WAIT: the absolute CLOCK_MONOTONIC deadline, or -1 for none
     * (saturated at INT64_MAX); -1 for the other kinds. */
    int64_t deadline_ns;
    /* POST only: the value read (load), replaced (xchg, fetch_*) or found
     * (CAS); ok: whether a CAS succeeded (true for other kinds).  Also:
     * FUTEX_WAIT its return (0 or ETIMEDOUT, as in rc), FUTEX_WAKE how many
     * threads it woke, LOCK and UNLOCK the pthread return code (as in rc),
     * CLOCK the time read (as in now_ns). */
    uint64_t result;
    bool ok;
    /* Set by a v2 hook in PRE to model the step instead of doing it:
     * FUTEX_WAIT (rc: 0 woken or value differed, ETIMEDOUT), FUTEX_WAKE,
     * CLOCK (now_ns).  The door then skips the step and calls no POST.
     * Atomics (LOAD, STORE, RMW, FENCE; the explorer's weak-memory mode):
     * the hook did the operation itself and put its answer in `result`
     * (the value read, replaced or found) and `ok` (whether a CAS
     * swapped); the door skips the real operation, returns that answer
     * (a failed CAS writes `result` to *expected) and still calls POST.
     * A hook that handles atomics keeps real memory equal to the value
     * last in modification order after each store it models.
     * Ignored for the other kinds. */
    bool handled;
    int rc;
    int64_t now_ns;
} conc_point;

#ifdef CONC_VERIFY
#ifdef __cplusplus
extern "C" {
#endif

/* Called by the doors of src/ (atomics.h, spin.h, futex.h, lock.h,
 * clock.h); not by anything else. */
void conc_verify_pre(conc_point *p);
void conc_verify_post(conc_point *p);

/* Version 1: the kind only, before the step. */
typedef void (*conc_verify_hook)(int kind, void *arg);
void conc_verify_set_hook(conc_verify_hook hook, void *arg);

/* Version 2: the whole point, before and after.  NULL removes it.  Set it
 * before threads start. */
typedef void (*conc_verify_hook2)(conc_point *p, void *arg);
void conc_verify_set_hook2(conc_verify_hook2 hook, void *arg);

/* conc_init_* in the verify build: a word made anew with a plain
 * initialisation (no schedule point, not counted): a hook that models
 * memory itself (the explorer's weak mode) starts the word's history
 * again.  NULL removes it.  Set it before threads start. */
typedef void (*conc_verify_init_hook)(const void *addr, unsigned width,
                                      void *arg);
void conc_verify_set_init_hook(conc_verify_init_hook hook, void *arg);
void conc_verify_init(const void *addr, unsigned width);

/* Set the yield injector's probability (0..1) and seed, overriding the
 * environment.  Set it before threads start. */
void conc_verify_set_yield(double rate, uint64_t seed);

/* Schedule points passed and yields injected so far (all threads). */
uint64_t conc_verify_points(void);
uint64_t conc_verify_yields(void);

/* The library's global state back to what a fresh process has: every
 * hazard-pointer record and orphan freed (objects still retired on them
 * passed to their free_fn), the calling thread's record forgotten, the
 * sharded counters' ticket numbering restarted (and the calling thread's
 * ticket forgotten), the pid cache of src/wait.c dropped, the yield
 * injector's thread numbering restarted.  Hooks, the injector's rate and
 * the point and yield counts stay.  The reset passes no schedule points.
 * Only when no other thread uses the library (and no structure holds
 * retired nodes that still need a record: free structures first); a thread
 * that used the library and is still alive must have called
 * conc_verify_thread_exit() first (its record would be freed under it). */
void conc_verify_reset(void);

/* What the calling thread's exit would do to the library's state (its
 * hazard-pointer record released), done now, while it is still under the
 * caller's control; the thread-specific destructor then finds nothing.
 * The thread's sharded-counter ticket and injector stream are forgotten
 * too, so if it uses the library again it does so as a new thread would.
 * Its steps are schedule points like any others. */
void conc_verify_thread_exit(void);

#ifdef __cplusplus
}
#endif
#endif /* CONC_VERIFY */

#endif /* CONC_INTERNAL_VERIFY_H */
