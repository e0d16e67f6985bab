/*
 * test_races.c - deterministic tests of the races fixed in issue 8, one per
 * defect, each named after it.  Built against libconc-verify only: every
 * atomic operation is a schedule point, and verify/park.h parks a thread
 * before its k-th point of one operation while the others do their part.
 *
 * Every test enumerates the parking point k = 1, 2, ... until the parked
 * operation completes without reaching it, so each one covers every place a
 * single preemption can fall in that operation (two operations' points for
 * the close/append race), and asserts a minimum number of points reached, so
 * that a change which makes the scenario unreachable fails loudly.
 *
 *   lfqueue_close_append_loses_segment   defect 1
 *   lfqueue_pop_closed_with_items        defect 2
 *   ring_threshold_spent_with_item       defect 3 (pop side and push side)
 *   task_done_racing_failed_push         defect 4 (every joinable family)
 *   lfqueue_close_enomem                 defect 12
 * and three found by the review of those fixes:
 *   lfqueue_pop_empty_over_item          enq and deq compared across moments
 *   lfqueue_pop_empty_behind_hint        the same, behind issue 11's hint
 *   ring_item_ahead_moved                the scan for an item ahead, stale
 *   lfqueue_closed_lags_seal             closed() behind the seal
 *   ring_spent_exit_item_ahead           the spent-budget exit, too early
 * and one found by fuzz_concurrent in issue 11:
 *   lfqueue_len_close_chain              pushes append behind a closing segment
 * and one the mutation runner asked for (issue 12; TSan is its check):
 *   mutexq_len_beside_push_pop           len read under the mutex
 * and, for the runner too (issue 12: its rmw-split of a take's fetch_or):
 *   ring_take_lapped                     a take lapped by the next cycle
 *   ring_take_lapped_fast                the same, a take at the first position
 *   ring_reset_kept                      a push's threshold reset kept
 *   ring_reset_kept_empty                the same, by the empty path's decrement
 *   ring_spent_at_zero                   the budget spent on the turn it runs out
 * and two with three threads parked by what a step does (issue 12: the
 * runner's rmw-splits of push_past's seal CAS and tail CAS):
 *   lfqueue_seal_over_append             a sealing push over an append's link
 *   lfqueue_tail_back_after_seal         a lost seal's tail swing, too late
 * (defect 5, the stack's tag, is verify/test_stack_tag.c.)
 */
#include <conc/conc.h>
#include <conc/mutexq.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/atomics.h"
#include "internal/hp.h"
#include "internal/lfqueue_impl.h"
#include "internal/ring_impl.h"
#include "park.h"
#include "tap.h"
#include "testutil.h"

#define ITEM(i) ((void *)(uintptr_t)(i))
#define VAL(p) ((uintptr_t)(p))

/* ---- lfqueue: close racing an append (defect 1) ------------------------- */

struct lfq_op {
    conc_lfqueue *q;
    conc_status st;
    void *item;
};

static void lfq_pop_fn(void *p)
{
    struct lfq_op *a = p;
    a->st = conc_lfqueue_pop(a->q, &a->item);
}

static void lfq_close_fn(void *p)
{
    struct lfq_op *a = p;
    a->st = conc_lfqueue_close(a->q);
}

/* Drain q after everything else finished: pops until CLOSED (at most `max`
 * items), checking that items come out as first, first+1, ... (one producer,
 * FIFO).  Returns the number popped; *end gets the final status. */
static size_t drain_in_order(conc_lfqueue *q, uintptr_t first, size_t max,
                             conc_status *end, int *order_ok)
{
    size_t n = 0;
    void *it;
    conc_status st;
    *order_ok = 1;
    while ((st = conc_lfqueue_pop(q, &it)) == CONC_OK && n <= max) {
        if (VAL(it) != first + n)
            *order_ok = 0;
        n++;
    }
    *end = st;
    return n;
}

static void lfqueue_close_append_loses_segment(void)
{
    uint64_t runs = 0, c_points = 0, z_points = 0;
    int fails = 0;
    for (uint64_t k1 = 1;; k1++) {
        bool c_whole = false;
        for (uint64_t k2 = 1;; k2++) {
            conc_lfqueue *q = conc_lfqueue_new(0);
            struct lfq_op c = {q, CONC_EINVAL, NULL}, z = {q, CONC_EINVAL, NULL};
            park_thread tc, tz;
            park_start(&tc, lfq_pop_fn, &c, k1);
            park_start(&tz, lfq_close_fn, &z, k2);
            /* Push until a second segment is linked, then a few more. */
            size_t mem0 = conc_lfqueue_memory(q);
            uintptr_t pushed = 0;
            int extra = 0;
            for (int i = 0; i < 5000 && extra < 3; i++) {
                conc_status st = conc_lfqueue_push(q, ITEM(pushed + 1));
                if (st == CONC_OK)
                    pushed++;
                else if (st == CONC_CLOSED)
                    break;
                if (conc_lfqueue_memory(q) > mem0)
                    extra++;
            }
            bool z_whole = park_done(&tz);
            park_join(&tz);
            c_whole = park_done(&tc);
            park_join(&tc);
            c_points = c_points > tc.points ? c_points : tc.points;
            z_points = z_points > tz.points ? z_points : tz.points;
            uintptr_t first = 1;
            size_t got = 0;
            bool bad = false;
            if (c.st == CONC_OK) {
                got = 1;
                first = 2;
                if (VAL(c.item) != 1)
                    bad = true;
            } else if (c.st != CONC_EMPTY && c.st != CONC_CLOSED) {
                bad = true;
            }
            conc_status end;
            int order_ok;
            size_t later = drain_in_order(q, first, 10000, &end, &order_ok);
            /* CLOSED from the parked pop: nothing may be left. */
            if (c.st == CONC_CLOSED && later != 0)
                bad = true;
            if (got + later != pushed || !order_ok || end != CONC_CLOSED ||
                z.st != CONC_OK)
                bad = true;
            if (bad && fails++ < 3)
                diag("k1=%llu k2=%llu: pushed %llu with OK, parked pop %s "
                     "(item %llu), then %zu popped%s, end %s",
                     (unsigned long long)k1, (unsigned long long)k2,
                     (unsigned long long)pushed, sname(c.st),
                     (unsigned long long)VAL(c.item), later,
                     order_ok ? "" : " out of order", sname(end));
            conc_lfqueue_free(q);
            runs++;
            if (z_whole)
                break;
        }
        if (c_whole)
            break;
    }
    diag("lfqueue close/append: %llu runs, pop %llu points, close %llu points",
         (unsigned long long)runs, (unsigned long long)c_points,
         (unsigned long long)z_points);
    ok(fails == 0 && c_points >= 4 && z_points >= 4,
       "lfqueue_close_append_loses_segment: every item pushed with OK is "
       "popped once, in order, before CLOSED (%d bad runs)", fails);
}

/* ---- lfqueue: CLOSED while an item remains (defect 2) ------------------- */

static void lfqueue_pop_closed_with_items(void)
{
    uint64_t runs = 0, points = 0;
    int fails = 0;
    for (uint64_t k = 1;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        struct lfq_op c = {q, CONC_EINVAL, NULL};
        park_thread tc;
        park_start(&tc, lfq_pop_fn, &c, k);
        conc_status ps = conc_lfqueue_push(q, ITEM(1));
        conc_status cs = conc_lfqueue_close(q);
        bool whole = park_done(&tc);
        park_join(&tc);
        points = tc.points > points ? tc.points : points;
        conc_status end;
        int order_ok;
        size_t later = drain_in_order(q, c.st == CONC_OK ? 2 : 1, 10, &end,
                                      &order_ok);
        size_t got = (c.st == CONC_OK) + later;
        bool bad = ps != CONC_OK || cs != CONC_OK || got != 1 || !order_ok ||
                   end != CONC_CLOSED || (c.st == CONC_CLOSED && later != 0) ||
                   (c.st == CONC_OK && VAL(c.item) != 1);
        if (bad && fails++ < 3)
            diag("k=%llu: parked pop said %s, then %zu item(s) popped, end %s",
                 (unsigned long long)k, sname(c.st), later, sname(end));
        conc_lfqueue_free(q);
        runs++;
        if (whole)
            break;
    }
    diag("lfqueue pop/close: %llu runs, pop %llu points",
         (unsigned long long)runs, (unsigned long long)points);
    ok(fails == 0 && points >= 4,
       "lfqueue_pop_closed_with_items: a pop says CLOSED only when nothing is "
       "left (%d bad runs)", fails);
}

/* ---- ring: the SCQ threshold spent while an item is in (defect 3) ------- */

/* More than 3n for every index ring a capacity-1 ring can have (n = 8 with
 * the minimum order 3; 3n = 24) and for n up to 16. */
#define RING_PARKERS 64

struct ring_op {
    conc_ring *r;
    conc_status st;
    void *item;
    int push; /* 1: push `item`; 0: pop */
};

static void ring_op_fn(void *p)
{
    struct ring_op *a = p;
    a->st = a->push ? conc_ring_push(a->r, a->item) : conc_ring_pop(a->r, &a->item);
}

/* Start the parkers: each passes its operation's look with loads (the ring
 * not empty for a pop, not full for a push: ring.c takes no position
 * otherwise) and parks before its first RMW, the fetch-and-add that takes
 * one.  true if all parked there. */
static bool ring_park_at_take(park_thread *t, struct ring_op *a, int n)
{
    bool all = true;
    for (int i = 0; i < n; i++) {
        park_start_rmw(&t[i], ring_op_fn, &a[i], 1);
        all &= park_parked(&t[i]);
    }
    return all;
}

/* pop side: a primed ring holding one item; RING_PARKERS pops pass the
 * look for an item and park before taking a position; the item is popped;
 * each pop goes on to its k-th point after that and parks; one push;
 * release; the item must come out.  push side: the same with pushes, on a
 * ring with room, then filled; one pop; release; the ring must take an
 * item again.  (Before ring.c looked with loads first, the parkers started
 * on the empty or full ring; they now give up there without a position,
 * so the window needs them to have seen the other state.) */
static void ring_threshold_side(bool push_side)
{
    uint64_t runs = 0, points = 0;
    int fails = 0, setup = 0;
    static park_thread t[RING_PARKERS];
    static struct ring_op a[RING_PARKERS];
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(1, 0);
        void *it = NULL;
        conc_status s0 = CONC_OK, s1 = CONC_OK;
        if (!push_side) {
            s0 = conc_ring_push(r, ITEM(999));
            s1 = conc_ring_pop(r, &it); /* threshold at 3n-1 */
            s1 = s1 == CONC_OK ? conc_ring_push(r, ITEM(1000)) : s1;
        }
        for (int i = 0; i < RING_PARKERS; i++)
            a[i] = (struct ring_op){r, CONC_EINVAL, push_side ? ITEM(1 + i) : NULL,
                                    push_side};
        if (!ring_park_at_take(t, a, RING_PARKERS))
            setup++;
        if (push_side)
            s0 = conc_ring_push(r, ITEM(1000)); /* full */
        else
            s1 = s1 == CONC_OK ? conc_ring_pop(r, &it) : s1; /* empty */
        bool all_whole = true;
        for (int i = 0; i < RING_PARKERS; i++) {
            if (park_parked(&t[i]))
                park_rearm(&t[i], t[i].seen_all + 1 + k, 0);
            if (!park_done(&t[i]))
                all_whole = false;
        }
        /* The one operation of the other side, while all are parked. */
        void *mid = NULL;
        conc_status sm = push_side ? conc_ring_pop(r, &mid)
                                   : conc_ring_push(r, ITEM(2000));
        for (int i = 0; i < RING_PARKERS; i++) {
            park_join(&t[i]);
            points = t[i].points > points ? t[i].points : points;
        }
        bool bad = s0 != CONC_OK || s1 != CONC_OK || sm != CONC_OK;
        int oks = 0;
        for (int i = 0; i < RING_PARKERS; i++) {
            if (a[i].st == CONC_OK)
                oks++;
            else if (a[i].st != (push_side ? CONC_FULL : CONC_EMPTY))
                bad = true;
        }
        conc_status after;
        void *x = NULL;
        if (!push_side) {
            /* Item 2000 came out of a released pop, or must come out now. */
            after = conc_ring_pop(r, &x);
            int total = oks + (after == CONC_OK);
            if (total != 1 || (after == CONC_OK && VAL(x) != 2000))
                bad = true;
            if (conc_ring_pop(r, &x) != CONC_EMPTY)
                bad = true;
        } else {
            /* The ring holds what the released pushes put in (capacity 1);
             * if none did, it is empty and must take an item. */
            after = conc_ring_push(r, ITEM(3000));
            if (oks > 1 || (oks == 0) != (after == CONC_OK))
                bad = true;
            size_t len = conc_ring_len(r);
            if (len != 1)
                bad = true;
        }
        if (bad && fails++ < 3)
            diag("%s side, k=%llu: %d of %d released %s OK, then %s%s; len %zu",
                 push_side ? "push" : "pop", (unsigned long long)k, oks,
                 RING_PARKERS, push_side ? "pushes" : "pops",
                 push_side ? "push " : "pop ", sname(after), conc_ring_len(r));
        conc_ring_free(r);
        runs++;
        if (all_whole)
            break;
    }
    diag("ring %s side: %llu runs of %d parked threads, %llu points%s",
         push_side ? "push" : "pop", (unsigned long long)runs, RING_PARKERS,
         (unsigned long long)points, setup ? ", SOME DID NOT PARK AT THE TAKE" : "");
    ok(fails == 0 && setup == 0 && points >= 8,
       "ring_threshold_spent_with_item (%s side): after %d %s parked at any "
       "one point, the ring still %s (%d bad runs)",
       push_side ? "push" : "pop", RING_PARKERS,
       push_side ? "pushes" : "pops",
       push_side ? "takes an item once it has room" : "gives up its item",
       fails);
}

/* ---- task_done racing a push that fails (defect 4) ---------------------- */

struct fam {
    const char *name;
    void *(*make)(void);        /* capacity 1 (where bounded), CONC_JOINABLE */
    void (*free_)(void *);
    conc_status (*push)(void *, void *);
    conc_status (*close)(void *);
    conc_status (*task_done)(void *);
    conc_status (*join)(void *, uint64_t);
    bool bounded;
    uint64_t min_points; /* a failing push passes at least this many */
};

#define FAM(P, T, MAKE, BOUNDED)                                               \
    static void *P##_make(void) { return MAKE; }                               \
    static void P##_free(void *q) { conc_##P##_free((T *)q); }                 \
    static conc_status P##_push(void *q, void *it) { return conc_##P##_push((T *)q, it); } \
    static conc_status P##_close(void *q) { return conc_##P##_close((T *)q); } \
    static conc_status P##_td(void *q) { return conc_##P##_task_done((T *)q); } \
    static conc_status P##_join(void *q, uint64_t ns) { return conc_##P##_join((T *)q, ns); }

FAM(ring, conc_ring, conc_ring_new(1, CONC_JOINABLE), true)
FAM(stack, conc_stack, conc_stack_new(1, CONC_JOINABLE), true)
FAM(mutexq, conc_mutexq, conc_mutexq_new(1, CONC_JOINABLE), true)
FAM(mutexstack, conc_mutexstack, conc_mutexstack_new(1, CONC_JOINABLE), true)
FAM(lfqueue, conc_lfqueue, conc_lfqueue_new(CONC_JOINABLE), false)

#define FAM_ENTRY(P, B, M) {#P, P##_make, P##_free, P##_push, P##_close, P##_td, P##_join, B, M}
/* The lock-free pushes count provisionally and pass several points; the
 * locked ones count under the lock and pass one (the closed flag). */
static const struct fam fams[] = {
    FAM_ENTRY(ring, true, 4),   FAM_ENTRY(stack, true, 4),
    FAM_ENTRY(mutexq, true, 1), FAM_ENTRY(mutexstack, true, 1),
    FAM_ENTRY(lfqueue, false, 4),
};

struct fam_op {
    const struct fam *f;
    void *q;
    conc_status st;
};

static void fam_push_fn(void *p)
{
    struct fam_op *a = p;
    a->st = a->f->push(a->q, ITEM(7));
}

static void fam_td_fn(void *p)
{
    struct fam_op *a = p;
    a->st = a->f->task_done(a->q);
}

static void task_done_racing_failed_push(const struct fam *f)
{
    uint64_t runs = 0, points = 0;
    int fails = 0;
    for (uint64_t k = 1;; k++) {
        void *q = f->make();
        bool setup_ok = true;
        if (f->bounded) {
            /* Full, with nothing unfinished: the next push fails FULL. */
            setup_ok = f->push(q, ITEM(1)) == CONC_OK &&
                       f->task_done(q) == CONC_OK;
        }
        struct fam_op p = {f, q, CONC_EINVAL}, d = {f, q, CONC_EINVAL};
        park_thread tp, td;
        park_start(&tp, fam_push_fn, &p, k);
        if (!f->bounded)
            setup_ok &= f->close(q) == CONC_OK; /* the parked push may now fail CLOSED */
        park_start(&td, fam_td_fn, &d, 0);
        park_until_done_or_waiting(&td);
        bool whole = park_done(&tp);
        park_join(&tp);
        park_join(&td);
        points = tp.points > points ? tp.points : points;
        /* What is unfinished now: the parked push's item if it went in,
         * minus the racing task_done if it was granted. */
        int pushed = p.st == CONC_OK;
        int granted = d.st == CONC_OK;
        int expect = pushed - granted;
        bool bad = !setup_ok || (d.st != CONC_OK && d.st != CONC_EINVAL) ||
                   expect < 0 ||
                   (p.st != CONC_OK && p.st != CONC_FULL && p.st != CONC_CLOSED) ||
                   (f->bounded && p.st != CONC_FULL);
        conc_status j = f->join(q, 0);
        if (j != (expect > 0 ? CONC_TIMEDOUT : CONC_OK))
            bad = true;
        if (expect > 0 && f->task_done(q) != CONC_OK)
            bad = true;
        conc_status extra = f->task_done(q);
        conc_status j2 = f->join(q, 0);
        if (extra != CONC_EINVAL || j2 != CONC_OK)
            bad = true;
        if (bad && fails++ < 3)
            diag("%s, k=%llu: push %s, racing task_done %s, then join(0) %s, "
                 "extra task_done %s, join(0) %s", f->name,
                 (unsigned long long)k, sname(p.st), sname(d.st), sname(j),
                 sname(extra), sname(j2));
        f->free_(q);
        runs++;
        if (whole)
            break;
    }
    diag("%s: %llu runs, push %llu points", f->name, (unsigned long long)runs,
         (unsigned long long)points);
    ok(fails == 0 && points >= f->min_points,
       "task_done_racing_failed_push (%s): task_done is EINVAL when nothing "
       "pushed is unfinished, and the count never wraps (%d bad runs)",
       f->name, fails);
}

/* ---- lfqueue close without memory (defect 12) --------------------------- */

struct close_arg {
    conc_lfqueue *q;
    conc_status st;
    atomic_int done;
};

static void *close_thread(void *p)
{
    struct close_arg *a = p;
    a->st = conc_lfqueue_close(a->q);
    atomic_store(&a->done, 1);
    return NULL;
}

static void lfqueue_close_enomem(void)
{
    conc_lfqueue *q = conc_lfqueue_new(0);
    conc_status s0 = conc_lfqueue_push(q, ITEM(1));
    struct close_arg a = {q, CONC_EINVAL, 0};
    /* A thread with no hazard record, and none to be had. */
    conc__hp_test_fail_records(true);
    pthread_t t;
    pthread_create(&t, NULL, close_thread, &a);
    int waited = 0;
    while (!atomic_load(&a.done) && waited < 500) { /* 5 s */
        sleep_ms(10);
        waited++;
    }
    bool finished = atomic_load(&a.done);
    conc__hp_test_fail_records(false); /* let a spinning close finish */
    pthread_join(t, NULL);
    diag("close with no memory for a hazard record: %s after %d ms, said %s",
         finished ? "returned" : "still spinning", waited * 10, sname(a.st));
    ok(finished && a.st == CONC_ENOMEM,
       "lfqueue_close_enomem: close answers ENOMEM instead of spinning");
    void *it = NULL;
    bool open_still = !conc_lfqueue_closed(q) &&
                      conc_lfqueue_push(q, ITEM(2)) == CONC_OK &&
                      conc_lfqueue_pop(q, &it) == CONC_OK && VAL(it) == 1;
    if (a.st == CONC_ENOMEM)
        ok(open_still, "lfqueue_close_enomem: the failed close left the queue "
                       "open and as it was");
    else
        ok(s0 == CONC_OK, "lfqueue_close_enomem: (close did not fail)");
    ok(conc_lfqueue_close(q) == CONC_OK && conc_lfqueue_closed(q),
       "lfqueue_close_enomem: close works once memory is back");
    conc_lfqueue_free(q);
}

/* ---- found by the review of the fixes ----------------------------------- */

/* A pop's emptiness test compared enq and deq loaded at two moments: with
 * X in, a pop parked between them, a push of Y and a pop of X in between,
 * it answered EMPTY although the queue was [X], [X,Y], [Y] throughout. */
static void lfqueue_pop_empty_over_item(void)
{
    uint64_t points = 0;
    int fails = 0;
    for (uint64_t k = 1;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        conc_lfqueue_push(q, ITEM(1));
        struct lfq_op a = {q, CONC_EINVAL, NULL};
        park_thread t;
        park_start(&t, lfq_pop_fn, &a, k);
        bool whole = park_done(&t);
        conc_status c = conc_lfqueue_push(q, ITEM(2));
        void *b = NULL, *rest = NULL;
        conc_status bs = conc_lfqueue_pop(q, &b);
        park_join(&t);
        points = t.points > points ? t.points : points;
        conc_status rs = conc_lfqueue_pop(q, &rest);
        /* Never empty while A ran: A gets 1 (then B 2) or B gets 1 and A 2
         * (or A's pop linearized after B's, taking 2). */
        bool bad = c != CONC_OK || bs != CONC_OK || a.st != CONC_OK ||
                   rs != CONC_EMPTY ||
                   VAL(a.item) + VAL(b) != 3;
        if (bad && fails++ < 3)
            diag("k=%llu: A %s (%llu), B %s (%llu), after %s", (unsigned long long)k,
                 sname(a.st), (unsigned long long)VAL(a.item), sname(bs),
                 (unsigned long long)VAL(b), sname(rs));
        conc_lfqueue_free(q);
        if (whole)
            break;
    }
    ok(fails == 0 && points >= 4,
       "lfqueue_pop_empty_over_item: a pop over a queue that is never empty "
       "never says EMPTY (%llu points, %d bad runs)",
       (unsigned long long)points, fails);
}

/* The same race behind the pop's hint (issue 11): a pop reads enq only when
 * the slot at deq is not FULL, so the window needs a producer in flight at
 * deq while a later item is in.  PX's push of X is parked at each of its
 * points in turn (after its FAA: X's slot taken, not yet FULL); Y is
 * pushed; a pop A is parked at each of its points in turn; Z is pushed and
 * a pop B (which gives up X's slot and takes Y) runs; then A and PX go on.
 * From A's start to its end the queue holds Y or Z, so A must not say
 * EMPTY; and X, Y, Z each come out once. */
static void lfq_push_fn(void *p)
{
    struct lfq_op *a = p;
    a->st = conc_lfqueue_push(a->q, a->item);
}

static void lfqueue_pop_empty_behind_hint(void)
{
    uint64_t points = 0, xpoints = 0;
    int fails = 0, runs = 0;
    for (uint64_t kx = 1;; kx++) {
        bool xwhole = false;
        for (uint64_t ka = 1;; ka++) {
            conc_lfqueue *q = conc_lfqueue_new(0);
            struct lfq_op x = {q, CONC_EINVAL, ITEM(1)};
            park_thread px;
            park_start(&px, lfq_push_fn, &x, kx);
            xwhole = park_done(&px);
            conc_status cy = conc_lfqueue_push(q, ITEM(2));
            struct lfq_op a = {q, CONC_EINVAL, NULL};
            park_thread t;
            park_start(&t, lfq_pop_fn, &a, ka);
            bool whole = park_done(&t);
            conc_status cz = conc_lfqueue_push(q, ITEM(3));
            void *b = NULL;
            conc_status bs = conc_lfqueue_pop(q, &b);
            park_join(&t);
            park_join(&px);
            points = t.points > points ? t.points : points;
            xpoints = px.points > xpoints ? px.points : xpoints;
            unsigned seen = 0, dup = 0;
            uintptr_t got[2] = {a.st == CONC_OK ? VAL(a.item) : 0,
                                bs == CONC_OK ? VAL(b) : 0};
            for (int i = 0; i < 2; i++)
                if (got[i]) {
                    dup |= seen & (1u << got[i]);
                    seen |= 1u << got[i];
                }
            void *it;
            while (conc_lfqueue_pop(q, &it) == CONC_OK) {
                dup |= seen & (1u << (VAL(it) & 7));
                seen |= 1u << (VAL(it) & 7);
            }
            bool bad = x.st != CONC_OK || cy != CONC_OK || cz != CONC_OK ||
                       bs != CONC_OK || a.st != CONC_OK || dup ||
                       seen != 0xe;
            if (bad && fails++ < 3)
                diag("kx=%llu ka=%llu: A %s (%llu), B %s (%llu), items seen "
                     "%#x%s", (unsigned long long)kx, (unsigned long long)ka,
                     sname(a.st), (unsigned long long)got[0], sname(bs),
                     (unsigned long long)got[1], seen, dup ? ", twice" : "");
            conc_lfqueue_free(q);
            runs++;
            if (whole)
                break;
        }
        if (xwhole)
            break;
    }
    ok(fails == 0 && points >= 6 && xpoints >= 4,
       "lfqueue_pop_empty_behind_hint: a pop whose hint finds a producer in "
       "flight never says EMPTY over later items (%d runs, %llu + %llu "
       "points, %d bad)",
       runs, (unsigned long long)xpoints, (unsigned long long)points, fails);
}

/* With the threshold negative and an item in (the state of defect 3, made
 * here by 24 = 3n pops parked before their decrement), the scan for an item
 * ahead loaded Head and Tail, then the entries: X popped by another and Y
 * pushed past that Tail during the scan, and it answered EMPTY although the
 * ring was [X], [X,Y], [Y] throughout.  The 24 pops park at their 4th RMW,
 * the decrement (FAA on Head, the entry's stamp, Tail's catch-up, then the
 * decrement; as in ring_spent_exit_item_ahead); parked at a point counted
 * otherwise, the first of them took X when released and the scenario never
 * arose (found by the bug museum, verify/museum/: the test passed with the
 * stale scan put back).  So each run checks that none of them took X. */
static void ring_item_ahead_moved(void)
{
    enum { ND = 24 };
    static park_thread d[ND];
    static struct ring_op da[ND];
    uint64_t points = 0;
    int fails = 0, setup = 0, unreached = 0;
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(8, CONC_NOWAIT);
        void *o;
        conc_ring_push(r, ITEM(9)); /* threshold 3n-1 */
        /* The pops see 9 and park before taking a position; 9 is popped;
         * then each takes its position and parks at its 4th RMW. */
        for (int i = 0; i < ND; i++)
            da[i] = (struct ring_op){r, CONC_EINVAL, NULL, 0};
        if (!ring_park_at_take(d, da, ND))
            setup++;
        conc_ring_pop(r, &o); /* empty */
        for (int i = 0; i < ND; i++) {
            park_rearm(&d[i], 4, 1);
            if (!park_parked(&d[i]))
                setup++;
        }
        conc_ring_push(r, ITEM(1)); /* X */
        for (int i = 0; i < ND; i++)
            park_join(&d[i]);
        int took = 0;
        for (int i = 0; i < ND; i++)
            took += da[i].st == CONC_OK;
        struct ring_op a = {r, CONC_EINVAL, NULL, 0};
        park_thread t;
        park_start(&t, ring_op_fn, &a, k);
        bool whole = park_done(&t);
        conc_status c = conc_ring_push(r, ITEM(2)); /* Y */
        void *b = NULL, *rest = NULL;
        conc_status bs = conc_ring_pop(r, &b);
        park_join(&t);
        points = t.points > points ? t.points : points;
        conc_status rs = conc_ring_pop(r, &rest);
        /* If a released pop took X the scenario did not arise (counted,
         * and a failure); else the ring held X, then X and Y, then one of
         * them, while A ran. */
        bool bad = false;
        if (took == 0)
            bad = c != CONC_OK || bs != CONC_OK || a.st != CONC_OK ||
                  rs != CONC_EMPTY || VAL(a.item) + VAL(b) != 3;
        else
            unreached++;
        if (bad && fails++ < 3)
            diag("k=%llu: A %s (%llu), B %s (%llu), after %s",
                 (unsigned long long)k, sname(a.st),
                 (unsigned long long)VAL(a.item), sname(bs),
                 (unsigned long long)VAL(b), sname(rs));
        conc_ring_free(r);
        if (whole)
            break;
    }
    if (setup || unreached)
        diag("ring_item_ahead_moved: %d pops not parked, %d runs in which a "
             "released pop took X (the scenario not reached)", setup, unreached);
    ok(fails == 0 && setup == 0 && unreached == 0 && points >= 4,
       "ring_item_ahead_moved: a pop over a ring that is never empty never "
       "says EMPTY, threshold negative or not (%llu points, %d bad runs)",
       (unsigned long long)points, fails);
}

/* closed() read a flag stored after the seal: with the closer parked
 * between them, push or pop answered CLOSED and closed() then said 0. */
static void lfqueue_closed_lags_seal(void)
{
    uint64_t points = 0;
    int fails = 0;
    for (uint64_t k = 1;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        struct lfq_op z = {q, CONC_EINVAL, NULL};
        park_thread t;
        park_start(&t, lfq_close_fn, &z, k);
        bool whole = park_done(&t);
        conc_status ps = conc_lfqueue_push(q, ITEM(1));
        int c1 = conc_lfqueue_closed(q);
        void *it;
        conc_status pp = ps == CONC_OK ? CONC_OK : conc_lfqueue_pop(q, &it);
        int c2 = conc_lfqueue_closed(q);
        bool bad = (ps == CONC_CLOSED && !c1) || (pp == CONC_CLOSED && !c2);
        if (bad && fails++ < 3)
            diag("k=%llu: push %s then closed() %d; pop %s then closed() %d",
                 (unsigned long long)k, sname(ps), c1, sname(pp), c2);
        park_join(&t);
        points = t.points > points ? t.points : points;
        conc_lfqueue_free(q);
        if (whole)
            break;
    }
    ok(fails == 0 && points >= 4,
       "lfqueue_closed_lags_seal: once push or pop says CLOSED, closed() says "
       "1 (%llu points, %d bad runs)", (unsigned long long)points, fails);
}

/* The loop's exit once the budget is spent: "every position issued before
 * the budget ran out has been visited" is not emptiness.  23 pops parked
 * before their decrement, pushes and a pop D arranged so that D's budget
 * runs out (by those late decrements) while 500 sits at a position past
 * D's stop: D said EMPTY although the ring held [300], [300,500], [500]
 * throughout.  Stated in read-modify-writes (the 4th RMW of a failing pop
 * is its decrement; a push's 4th is its aq entry CAS; D parks at its 3rd,
 * the threshold decrement of its first failed position): each parking is
 * checked, so an edit that moves them fails this test loudly. */
static void ring_spent_exit_item_ahead(void)
{
    enum { BATCH = 23 }; /* 3n - 1 with n = 8 */
    static park_thread b[BATCH];
    static struct ring_op ba[BATCH];
    conc_ring *r = conc_ring_new(4, 0);
    void *x;
    conc_ring_push(r, ITEM(100)); /* aq threshold 3n-1 */
    int parked = 0;
    /* As in ring_item_ahead_moved: the pops see 100, park before taking a
     * position, 100 is popped, then each parks at its 4th RMW. */
    for (int i = 0; i < BATCH; i++)
        ba[i] = (struct ring_op){r, CONC_EINVAL, NULL, 0};
    bool took = ring_park_at_take(b, ba, BATCH);
    conc_ring_pop(r, &x);
    for (int i = 0; i < BATCH; i++) {
        park_rearm(&b[i], 4, 1);
        parked += took && park_parked(&b[i]);
    }
    struct ring_op e0 = {r, CONC_EINVAL, ITEM(200), 1};
    struct ring_op d = {r, CONC_EINVAL, NULL, 0};
    struct ring_op e1 = {r, CONC_EINVAL, ITEM(400), 1};
    park_thread te0, td, te1;
    park_start_rmw(&te0, ring_op_fn, &e0, 4);
    parked += park_parked(&te0);
    conc_status s300 = conc_ring_push(r, ITEM(300));
    park_start_rmw(&td, ring_op_fn, &d, 3);
    parked += park_parked(&td);
    park_start_rmw(&te1, ring_op_fn, &e1, 4);
    parked += park_parked(&te1);
    conc_status s500 = conc_ring_push(r, ITEM(500));
    void *m = NULL;
    conc_status sm = conc_ring_pop(r, &m);
    for (int i = 0; i < BATCH; i++)
        park_join(&b[i]);
    park_join(&td);
    park_join(&te0);
    park_join(&te1);
    size_t drained = 0;
    bool saw500 = false;
    while (drained < 8 && conc_ring_pop(r, &x) == CONC_OK) {
        drained++;
        saw500 |= VAL(x) == 500;
    }
    bool scenario = parked == BATCH + 3 && s300 == CONC_OK && s500 == CONC_OK &&
                    sm == CONC_OK && VAL(m) == 300;
    diag("ring spent exit: %d of %d parked; D said %s (%llu)", parked,
         BATCH + 3, sname(d.st), (unsigned long long)VAL(d.item));
    ok(scenario && d.st == CONC_OK && VAL(d.item) == 500 && !saw500,
       "ring_spent_exit_item_ahead: a pop whose budget ran out still finds "
       "the item past its stop (scenario reached: %s)", scenario ? "yes" : "no");
    conc_ring_free(r);
}

/* ---- ring: a dequeuer's take lapped (issue 12) -------------------------- */

/* A dequeuer that found its item marks the entry empty with one fetch_or
 * (keeping the cycle and the safe bit: a later dequeuer may be clearing
 * `safe` concurrently).  Done as a load and a store instead (the mutation
 * runner's rmw-split of ring.c:1056, pop_many's take, and ring.c:439, the
 * single pop's take on its slow path), a dequeuer one lap later that
 * marks the still-occupied entry unsafe between them has its mark
 * overwritten: the entry reads empty and safe again, and the enqueuer at
 * that later position fills it without the Head check after its dequeuer
 * left, so the item is lost.  The dequeuer D (T) is parked at each of its
 * points in turn (k); the rest of the lap is done around it: 15 pushes
 * and pops (R = 16) bring Head to T + R, a push P is parked just after
 * its fetch-and-add on aq's Tail (position T + R, T's entry), a pop runs
 * (it marks the entry unsafe: EMPTY); then D and P go on.  Every item
 * pushed must come out exactly once.  For the single pop (batch false),
 * T is its second position: its first belongs to a push P0 parked after
 * its fetch-and-add, whose entry it stamps, and an item pushed behind
 * P0's position is its take. */

/* aq's Tail, for checking where a push parked */
static uint64_t ring_aq_tail(conc_ring *r)
{
    return conc_load_u64(&((struct conc_ring *)r)->aq.tail, CONC_SEQ_CST);
}

/* Park a push just after its fetch-and-add on aq's Tail, before it loads
 * the entry: its 3rd RMW (fq's Head, fq's entry, then aq's Tail; a ring
 * without CONC_JOINABLE counts nothing else), one point further.  true if
 * it parked there (aq's Tail moved by exactly one). */
static bool ring_park_after_tail(park_thread *t, struct ring_op *a)
{
    uint64_t t0 = ring_aq_tail(a->r);
    park_start_rmw(t, ring_op_fn, a, 3);
    if (!park_parked(t) || ring_aq_tail(a->r) != t0)
        return false;
    park_rearm(t, t->seen_all + 2, 0);
    return park_parked(t) && ring_aq_tail(a->r) == t0 + 1;
}

struct ring_many_op {
    conc_ring *r;
    conc_status st;
    void *out[2];
    size_t n;
};

static void ring_pop_many_fn(void *p)
{
    struct ring_many_op *a = p;
    a->st = conc_ring_pop_many(a->r, a->out, 2, &a->n);
}

#define LAP_ITEMS 64

static void lap_seen(unsigned *seen, unsigned *extra, void *it)
{
    if (VAL(it) < LAP_ITEMS)
        seen[VAL(it)]++;
    else
        (*extra)++;
}

/* The end of a lapping run: what the parked take (a pop_many's, or a
 * single pop's) returned, then the ring drained; the pushed items never
 * seen are lost, those seen more often than pushed are dup. */
static void lap_tally(conc_ring *r, bool batch, const struct ring_many_op *am,
                      const struct ring_op *ad, const bool *pushed,
                      unsigned *seen, unsigned *extra, int *lost, int *dup)
{
    void *it;
    if (batch) {
        for (size_t j = 0; j < am->n && j < 2; j++)
            lap_seen(seen, extra, am->out[j]);
    } else if (ad->st == CONC_OK) {
        lap_seen(seen, extra, ad->item);
    }
    for (int n = 0; n < LAP_ITEMS && conc_ring_pop(r, &it) == CONC_OK; n++)
        lap_seen(seen, extra, it);
    *lost = *dup = 0;
    for (int i = 0; i < LAP_ITEMS; i++) {
        *lost += pushed[i] && seen[i] == 0;
        *dup += seen[i] > (pushed[i] ? 1u : 0u);
    }
}

static void ring_take_lapped(bool batch)
{
    const char *what = batch ? "pop_many" : "pop (slow path)";
    uint64_t points = 0;
    int fails = 0, setup = 0, runs = 0;
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(8, CONC_NOWAIT);
        bool pushed[LAP_ITEMS] = {false};
        unsigned seen[LAP_ITEMS] = {0}, extra = 0;
        void *it;
        park_thread p0, d, p;
        struct ring_op a0 = {r, CONC_EINVAL, ITEM(1), 1};
        struct ring_op ad = {r, CONC_EINVAL, NULL, 0};
        struct ring_many_op am = {r, CONC_EINVAL, {NULL, NULL}, 0};
        if (batch) {
            /* X at aq position 16; D = pop_many(2) takes it */
            pushed[2] = conc_ring_push(r, ITEM(2)) == CONC_OK;
            park_start(&d, ring_pop_many_fn, &am, k);
        } else {
            /* primed (the threshold full), Head = Tail = 17; P0 holds
             * position 17, Y is at 18; D stamps 17 and takes Y at 18 */
            pushed[3] = conc_ring_push(r, ITEM(3)) == CONC_OK;
            if (conc_ring_pop(r, &it) == CONC_OK)
                lap_seen(seen, &extra, it);
            setup += !ring_park_after_tail(&p0, &a0);
            pushed[2] = conc_ring_push(r, ITEM(2)) == CONC_OK;
            park_start(&d, ring_op_fn, &ad, k);
        }
        bool whole = park_done(&d);
        /* the lap: Head and Tail to D's position + 16 */
        for (uintptr_t i = 10; i < 25; i++) {
            pushed[i] = conc_ring_push(r, ITEM(i)) == CONC_OK;
            if (conc_ring_pop(r, &it) == CONC_OK)
                lap_seen(seen, &extra, it);
        }
        struct ring_op ap = {r, CONC_EINVAL, ITEM(4), 1};
        setup += !ring_park_after_tail(&p, &ap);
        conc_status sl = conc_ring_pop(r, &it);
        if (sl == CONC_OK)
            lap_seen(seen, &extra, it);
        park_join(&d);
        park_join(&p);
        if (!batch)
            park_join(&p0);
        points = d.points > points ? d.points : points;
        pushed[4] = ap.st == CONC_OK;
        if (!batch)
            pushed[1] = a0.st == CONC_OK;
        int lost, dup;
        lap_tally(r, batch, &am, &ad, pushed, seen, &extra, &lost, &dup);
        bool bad = lost || dup || extra || !pushed[2] || !pushed[4] ||
                   (!batch && !pushed[1]);
        if (bad && fails++ < 3)
            diag("%s, k=%llu: %d items lost, %d seen twice or never pushed, "
                 "%u unknown; the lapping pop said %s", what,
                 (unsigned long long)k, lost, dup, extra, sname(sl));
        conc_ring_free(r);
        runs++;
        if (whole)
            break;
    }
    diag("ring_take_lapped (%s): %d runs, %llu points, %d pushes not parked "
         "after their fetch-and-add", what, runs, (unsigned long long)points,
         setup);
    ok(fails == 0 && setup == 0 && points >= 10,
       "ring_take_lapped (%s): a take lapped by the next cycle's dequeuer and "
       "enqueuer loses no item (%d bad runs)", what, fails);
}

/* The fast take (ring.c, iring_dequeue_in: the first position is the
 * dequeuer's own) marks its entry empty with a fetch_or that keeps the
 * entry's safe bit, which the next cycle's dequeuer may clear meanwhile;
 * done as a load and a store (the runner's ring.c:539 rmw-split) it sets
 * the bit back, and the next cycle's enqueuer then writes into a position
 * its dequeuer already passed: the item is lost.  The shape of
 * ring_take_lapped with a single pop that takes X at its first position.
 * That fetch_or is also in the free ring's take, which every push does
 * before its fetch-and-add on aq's Tail, so here the push is parked by what
 * the step does (the first RMW on aq's Tail), not by a count of RMWs that
 * the split changes. */
static bool ring_at_aq_tail_rmw(const conc_point *p, void *r)
{
    return p->kind == CONC_POINT_RMW &&
           p->addr == (const void *)&((struct conc_ring *)r)->aq.tail;
}

static bool ring_park_after_tail_where(park_thread *t, struct ring_op *a)
{
    uint64_t t0 = ring_aq_tail(a->r);
    park_start_where(t, ring_op_fn, a, ring_at_aq_tail_rmw, a->r);
    if (!park_parked(t) || ring_aq_tail(a->r) != t0)
        return false;
    park_rearm(t, t->seen_all + 2, 0);
    return park_parked(t) && ring_aq_tail(a->r) == t0 + 1;
}

static void ring_take_lapped_fast(void)
{
    uint64_t points = 0;
    int fails = 0, setup = 0, runs = 0;
    park_install_where();
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(8, CONC_NOWAIT);
        bool pushed[LAP_ITEMS] = {false};
        unsigned seen[LAP_ITEMS] = {0}, extra = 0;
        void *it;
        park_thread d, p;
        struct ring_op ad = {r, CONC_EINVAL, NULL, 0};
        /* X at aq position 16; D = pop takes it at its first position */
        pushed[2] = conc_ring_push(r, ITEM(2)) == CONC_OK;
        park_start(&d, ring_op_fn, &ad, k);
        bool whole = park_done(&d);
        /* the lap: Head and Tail to D's position + 16 */
        for (uintptr_t i = 10; i < 25; i++) {
            pushed[i] = conc_ring_push(r, ITEM(i)) == CONC_OK;
            if (conc_ring_pop(r, &it) == CONC_OK)
                lap_seen(seen, &extra, it);
        }
        struct ring_op ap = {r, CONC_EINVAL, ITEM(4), 1};
        setup += !ring_park_after_tail_where(&p, &ap);
        conc_status sl = conc_ring_pop(r, &it);
        if (sl == CONC_OK)
            lap_seen(seen, &extra, it);
        park_join(&d);
        park_join(&p);
        points = d.points > points ? d.points : points;
        pushed[4] = ap.st == CONC_OK;
        int lost, dup;
        lap_tally(r, false, NULL, &ad, pushed, seen, &extra, &lost, &dup);
        bool bad = lost || dup || extra || !pushed[2] || !pushed[4];
        if (bad && fails++ < 3)
            diag("pop (fast take), k=%llu: %d items lost, %d seen twice or "
                 "never pushed, %u unknown; the lapping pop said %s",
                 (unsigned long long)k, lost, dup, extra, sname(sl));
        conc_ring_free(r);
        runs++;
        if (whole)
            break;
    }
    park_uninstall_where();
    diag("ring_take_lapped (pop (fast take)): %d runs, %llu points, %d pushes "
         "not parked after their fetch-and-add", runs,
         (unsigned long long)points, setup);
    ok(fails == 0 && setup == 0 && points >= 4,
       "ring_take_lapped (pop (fast take)): a take lapped by the next cycle's "
       "dequeuer and enqueuer loses no item (%d runs, %d bad)", runs, fails);
}

/* A push's reset of the threshold (3n - 1 after its entry CAS) is never
 * overwritten by a dequeuer's decrement computed from the value before
 * it: each failed position costs the budget exactly one unit, whenever it
 * lands.  Done as a load and a store instead of a fetch-and-sub (the
 * runner's rmw-split of ring.c:1078, pop_many's decrement for its failed
 * positions, and of ring.c:458, the single pop's decrement in its loop),
 * a decrement whose load saw a spent or lowered threshold before a push
 * reset it stores that stale value minus one afterwards: the reset is
 * lost and a spent budget sits over the push's item.  The dequeuer D is
 * parked at each of its points in turn (k), a push Z completes, and D is
 * then stepped one point at a time: no step may lower the threshold by
 * more than one (pop_many: two, the positions it claims).  pop_many:
 * on a fresh ring (threshold -1) with a push P0 parked after its
 * fetch-and-add, D's batch fails P0's position.  Single pop: two pushes
 * parked after theirs, Y behind them; D fails both positions (two
 * decrements: the second loads 3n - 2) and takes Y.  Every item pushed
 * must come out exactly once, too. */

static int64_t ring_aq_threshold(conc_ring *r)
{
    return (int64_t)conc_load_u64(&((struct conc_ring *)r)->aq.threshold,
                                  CONC_SEQ_CST);
}

/* Step a parked thread to its end, one point at a time; the largest fall
 * of aq's threshold over one step. */
static int64_t ring_step_max_drop(park_thread *t, conc_ring *r)
{
    int64_t worst = 0;
    while (park_parked(t) && !park_done(t)) {
        int64_t before = ring_aq_threshold(r);
        park_rearm(t, t->seen_all + 2, 0);
        int64_t drop = before - ring_aq_threshold(r);
        worst = drop > worst ? drop : worst;
    }
    return worst;
}

static void ring_reset_kept(bool batch)
{
    const char *what = batch ? "pop_many" : "pop";
    const int64_t allowed = batch ? 2 : 1;
    uint64_t points = 0;
    int fails = 0, setup = 0, runs = 0;
    int64_t worst = 0;
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(8, CONC_NOWAIT);
        bool pushed[LAP_ITEMS] = {false};
        unsigned seen[LAP_ITEMS] = {0}, extra = 0;
        void *it;
        park_thread p0, p1, d;
        struct ring_op a0 = {r, CONC_EINVAL, ITEM(1), 1};
        struct ring_op a1 = {r, CONC_EINVAL, ITEM(5), 1};
        struct ring_op ad = {r, CONC_EINVAL, NULL, 0};
        struct ring_many_op am = {r, CONC_EINVAL, {NULL, NULL}, 0};
        if (batch) {
            setup += !ring_park_after_tail(&p0, &a0);
            park_start(&d, ring_pop_many_fn, &am, k);
        } else {
            /* primed: the threshold full, Head = Tail = 17 */
            pushed[3] = conc_ring_push(r, ITEM(3)) == CONC_OK;
            if (conc_ring_pop(r, &it) == CONC_OK)
                lap_seen(seen, &extra, it);
            setup += !ring_park_after_tail(&p0, &a0);
            setup += !ring_park_after_tail(&p1, &a1);
            pushed[2] = conc_ring_push(r, ITEM(2)) == CONC_OK;
            park_start(&d, ring_op_fn, &ad, k);
        }
        bool whole = park_done(&d);
        pushed[4] = conc_ring_push(r, ITEM(4)) == CONC_OK; /* Z: a reset */
        int64_t drop = ring_step_max_drop(&d, r);
        worst = drop > worst ? drop : worst;
        park_join(&d);
        park_join(&p0);
        if (!batch)
            park_join(&p1);
        points = d.points > points ? d.points : points;
        pushed[1] = a0.st == CONC_OK;
        if (!batch)
            pushed[5] = a1.st == CONC_OK;
        int lost, dup;
        lap_tally(r, batch, &am, &ad, pushed, seen, &extra, &lost, &dup);
        bool bad = drop > allowed || lost || dup || extra || !pushed[1] ||
                   !pushed[4] || (!batch && (!pushed[2] || !pushed[5]));
        if (bad && fails++ < 3)
            diag("%s, k=%llu: one step lowered the threshold by %lld (at "
                 "most %lld); %d items lost, %d seen twice or never pushed, "
                 "%u unknown", what, (unsigned long long)k, (long long)drop,
                 (long long)allowed, lost, dup, extra);
        conc_ring_free(r);
        runs++;
        if (whole)
            break;
    }
    diag("ring_reset_kept (%s): %d runs, %llu points, largest fall in one "
         "step %lld, %d pushes not parked after their fetch-and-add", what,
         runs, (unsigned long long)points, (long long)worst, setup);
    ok(fails == 0 && setup == 0 && points >= 10 && worst >= 1,
       "ring_reset_kept (%s): a push's threshold reset is never overwritten "
       "by a decrement loaded before it (%d bad runs)", what, fails);
}

/* The empty path's decrement must keep a push's reset too: a pop whose
 * first position is behind Tail catches Tail up and lowers the threshold
 * by one (ring.c, iring_dequeue_in), and done as a load and a store (the
 * runner's ring.c:455 rmw-split) it overwrites a reset that falls between
 * them with the value loaded before it.  X is pushed; pops E and D see it
 * and park before their fetch-and-add on Head; X is popped; E goes on, fails
 * its position (the threshold now 3n - 2) and answers EMPTY; D goes on to
 * its k-th point and parks; Z is pushed (a reset to 3n - 1); D is stepped to
 * its end one point at a time.  No step may lower the threshold by more
 * than one, and Z must come out exactly once.  D parks by count, but k runs
 * over every point, so the point between a split's load and store is one of
 * them (ring_item_ahead_moved, which parks at a fixed count, only fails to
 * reach its scenario with the split). */
static void ring_reset_kept_empty(void)
{
    uint64_t points = 0;
    int fails = 0, setup = 0, runs = 0;
    int64_t worst = 0;
    for (uint64_t k = 1;; k++) {
        conc_ring *r = conc_ring_new(8, CONC_NOWAIT);
        void *x = NULL, *it;
        park_thread e, d;
        struct ring_op ae = {r, CONC_EINVAL, NULL, 0};
        struct ring_op ad = {r, CONC_EINVAL, NULL, 0};
        conc_status sx = conc_ring_push(r, ITEM(1));
        park_start_rmw(&e, ring_op_fn, &ae, 1);
        park_start_rmw(&d, ring_op_fn, &ad, 1);
        setup += !park_parked(&e) + !park_parked(&d);
        conc_status px = conc_ring_pop(r, &x);
        park_join(&e);
        park_rearm(&d, d.seen_all + 1 + k, 0);
        bool whole = park_done(&d);
        conc_status sz = conc_ring_push(r, ITEM(2)); /* Z: a reset */
        int64_t drop = ring_step_max_drop(&d, r);
        worst = drop > worst ? drop : worst;
        park_join(&d);
        points = d.points > points ? d.points : points;
        int z = ad.st == CONC_OK && VAL(ad.item) == 2, other = 0;
        other += ad.st == CONC_OK && VAL(ad.item) != 2;
        while (conc_ring_pop(r, &it) == CONC_OK) {
            z += VAL(it) == 2;
            other += VAL(it) != 2;
        }
        bool bad = sx != CONC_OK || px != CONC_OK || VAL(x) != 1 ||
                   ae.st != CONC_EMPTY || sz != CONC_OK || drop > 1 ||
                   z != 1 || other;
        if (bad && fails++ < 3)
            diag("empty path, k=%llu: one step lowered the threshold by %lld "
                 "(at most 1); E %s, D %s, Z came out %d times, %d others",
                 (unsigned long long)k, (long long)drop, sname(ae.st),
                 sname(ad.st), z, other);
        conc_ring_free(r);
        runs++;
        if (whole)
            break;
    }
    diag("ring_reset_kept (empty path): %d runs, %llu points, largest fall in "
         "one step %lld, %d pops not parked before their fetch-and-add",
         runs, (unsigned long long)points, (long long)worst, setup);
    ok(fails == 0 && setup == 0 && points >= 4 && worst >= 1,
       "ring_reset_kept (empty path): a push's threshold reset is never "
       "overwritten by the empty path's decrement (%d runs, %d bad)", runs,
       fails);
}

/* The turn whose decrement takes the threshold below zero spends the
 * budget (SCQ's `FAA(&Threshold, -1) <= 0`: the fetch-and-sub returned
 * 0), and the dequeuer then stops at the Tail it saw on that turn: every
 * position issued before the budget ran out is visited, none issued after
 * (ring.c, iring_dequeue_rest).  Made `< 0` (the runner's off-by-one of
 * ring.c:458) the budget is spent a turn later, at the Tail seen then, and
 * the dequeuer takes (spoils) a position issued after its budget ran out.
 * 23 = 3n - 1 pops parked before their exit decrement (as in
 * ring_spent_exit_item_ahead) leave the threshold at exactly 0 on an empty
 * ring; pushes P0 and P1 take positions H and H+1 and park; the pop D
 * fails H, its decrement returns 0 (Tail H+2 seen), and it parks before
 * its next fetch-and-add (its 4th RMW); P2 takes position H+2 and parks;
 * D, released, fails H+1 and must answer EMPTY with Head at H+2, P2's
 * position untouched.  Stated in RMWs (a failing pop's 4th is its exit
 * decrement; D's 4th its second fetch-and-add on Head), each parking
 * checked. */
static uint64_t ring_aq_head(conc_ring *r)
{
    return conc_load_u64(&((struct conc_ring *)r)->aq.head, CONC_SEQ_CST);
}

static void ring_spent_at_zero(void)
{
    enum { BATCH = 23 }; /* 3n - 1 with n = 8 */
    static park_thread b[BATCH];
    static struct ring_op ba[BATCH];
    conc_ring *r = conc_ring_new(4, CONC_NOWAIT);
    void *x;
    conc_ring_push(r, ITEM(100)); /* aq threshold 3n-1 */
    int parked = 0;
    for (int i = 0; i < BATCH; i++)
        ba[i] = (struct ring_op){r, CONC_EINVAL, NULL, 0};
    bool took = ring_park_at_take(b, ba, BATCH);
    conc_ring_pop(r, &x);
    for (int i = 0; i < BATCH; i++) {
        park_rearm(&b[i], 4, 1);
        parked += took && park_parked(&b[i]);
    }
    for (int i = 0; i < BATCH; i++)
        park_join(&b[i]);
    int64_t th0 = ring_aq_threshold(r);
    uint64_t h = ring_aq_head(r);
    bool empty0 = ring_aq_tail(r) == h;
    struct ring_op p[3] = {{r, CONC_EINVAL, ITEM(1), 1},
                           {r, CONC_EINVAL, ITEM(2), 1},
                           {r, CONC_EINVAL, ITEM(3), 1}};
    park_thread tp[3], td;
    parked += ring_park_after_tail(&tp[0], &p[0]);
    parked += ring_park_after_tail(&tp[1], &p[1]);
    struct ring_op d = {r, CONC_EINVAL, NULL, 0};
    park_start_rmw(&td, ring_op_fn, &d, 4);
    parked += park_parked(&td) && ring_aq_head(r) == h + 1;
    int64_t th1 = ring_aq_threshold(r);
    parked += ring_park_after_tail(&tp[2], &p[2]);
    park_join(&td);
    uint64_t hd = ring_aq_head(r);
    for (int i = 0; i < 3; i++)
        park_join(&tp[i]);
    unsigned seen = 0;
    int n = 0;
    while (n < 8 && conc_ring_pop(r, &x) == CONC_OK) {
        seen |= 1u << (VAL(x) & 7);
        n++;
    }
    bool scenario = parked == BATCH + 4 && th0 == 0 && empty0 && th1 == -1;
    diag("ring spent at zero: %d of %d parked, threshold %lld then %lld; D "
         "said %s, Head %llu past its stop", parked, BATCH + 4,
         (long long)th0, (long long)th1, sname(d.st),
         (unsigned long long)(hd - (h + 2)));
    ok(scenario && d.st == CONC_EMPTY && hd == h + 2 && n == 3 &&
           seen == 0xe,
       "ring_spent_at_zero: the turn whose decrement spends the budget stops "
       "the pop at the Tail it saw then (scenario reached: %s)",
       scenario ? "yes" : "no");
    conc_ring_free(r);
}

/* ---- lfqueue: pushes beat close to the seal, again and again ------------ */

/* A close parked between marking the last segment CLOSED and sealing its
 * `next`; a push then finds the bit.  Before the fix (found by
 * fuzz_concurrent: len 4048 with at most 1280 items) it appended a segment
 * behind the marked one; the close, released, lost its CAS, moved on to
 * the new segment and marked it, parked again before its seal (three RMWs
 * later: tail CAS, fetch_or, next CAS), and the next push appended again:
 * a chain of part-filled segments, each of which len, quiescent, counted
 * as full (4 pushes: len 2017 with 9 items).  Now the push seals the
 * segment itself and answers CLOSED.  Every parking point of the close is
 * enumerated (its first park: k; later ones k + 3, k + 6, k + 9); at each,
 * once the close is done and all is quiescent, len must equal what a drain
 * gives back, the drain must end CLOSED, and every OK push come out in
 * order. */
static void lfqueue_len_close_chain(void)
{
    enum { PREFILL = 5, ROUNDS = 4 };
    uint64_t runs = 0, points = 0;
    int fails = 0, overlapped = 0;
    for (uint64_t k = 1;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        uintptr_t pushed = 0;
        for (int i = 0; i < PREFILL; i++)
            if (conc_lfqueue_push(q, ITEM(pushed + 1)) == CONC_OK)
                pushed++;
        struct lfq_op z = {q, CONC_EINVAL, NULL};
        park_thread tz;
        park_start_rmw(&tz, lfq_close_fn, &z, k);
        bool parked_once = park_parked(&tz);
        for (int r = 0; r < ROUNDS && park_parked(&tz); r++) {
            conc_status st = conc_lfqueue_push(q, ITEM(pushed + 1));
            if (st == CONC_OK)
                pushed++;
            else if (st != CONC_CLOSED)
                fails++;
            overlapped++;
            park_rearm(&tz, k + 3 * (uint64_t)(r + 1), 1);
        }
        park_join(&tz);
        points = points > tz.points ? points : tz.points;
        size_t len = conc_lfqueue_len(q);
        conc_status end;
        int order_ok;
        size_t got = drain_in_order(q, 1, 10000, &end, &order_ok);
        bool bad = len != got || got != pushed || !order_ok ||
                   end != CONC_CLOSED || z.st != CONC_OK ||
                   conc_lfqueue_push(q, ITEM(999)) != CONC_CLOSED;
        if (bad && fails++ < 3)
            diag("k=%llu: %llu pushed with OK, quiescent len %zu, %zu drained%s, "
                 "end %s, close %s", (unsigned long long)k,
                 (unsigned long long)pushed, len, got,
                 order_ok ? "" : " out of order", sname(end), sname(z.st));
        conc_lfqueue_free(q);
        runs++;
        if (!parked_once)
            break;
    }
    diag("lfqueue len/close chain: %llu runs, close %llu RMW points, %d pushes "
         "while it was parked", (unsigned long long)runs,
         (unsigned long long)points, overlapped);
    ok(fails == 0 && points >= 3 && overlapped >= 3,
       "lfqueue_len_close_chain: a push that finds the close bit does not "
       "append; quiescent len is exact after a close (%d bad runs)", fails);
}

/* ---- conc_mutexq_len beside pushes and pops ----------------------------- */

/* len reads the count under the queue's mutex (lockedarray.c's
 * conc__la_len): without it, the read races with every push and pop, which
 * only ThreadSanitizer can see on x86 (the mutation runner's
 * lockedarray.c:227 survivor).  Here len must stay within the capacity
 * while another thread pushes and pops. */
typedef struct lenrace {
    conc_mutexq *q;
    atomic_int stop;
    atomic_int reading; /* the reader has read once: the race can begin */
} lenrace;

static void *lenrace_main(void *arg)
{
    lenrace *s = arg;
    void *it;
    /* start once the reader reads, so that a loaded machine that runs this
     * thread to its end first still has the reads beside the pushes */
    while (!atomic_load(&s->reading))
        sched_yield();
    for (int i = 0; i < 20000 && !atomic_load(&s->stop); i++) {
        conc_mutexq_push(s->q, ITEM(i + 1));
        conc_mutexq_pop(s->q, &it);
    }
    atomic_store(&s->stop, 1);
    return NULL;
}

static void mutexq_len_beside_push_pop(void)
{
    lenrace s = {.q = conc_mutexq_new(4, 0)};
    if (!s.q)
        bail_out("conc_mutexq_new");
    atomic_init(&s.stop, 0);
    atomic_init(&s.reading, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, lenrace_main, &s) != 0)
        bail_out("pthread_create");
    size_t worst = 0;
    long reads = 0;
    do {
        size_t n = conc_mutexq_len(s.q);
        worst = n > worst ? n : worst;
        reads++;
        atomic_store(&s.reading, 1);
    } while (!atomic_load(&s.stop));
    pthread_join(t, NULL);
    ok(worst <= 4 && reads > 0, "conc_mutexq_len beside pushes and pops: %ld "
       "reads, never above the capacity (largest %zu)", reads, worst);
    conc_mutexq_free(s.q);
}

/* ---- lfqueue: a close and a sealing push against an append (issue 12) --- */

/* Two races of push_past's CLOSED branch (a push whose FAA found the close
 * bit), each needing three threads stopped at chosen steps, which the
 * explorer reaches only with three preemptions.  Here the threads are
 * parked by what a step does (park_start_where: a parking count would
 * shift when a compare-and-swap is split into a load and a store): a
 * segment is a page-aligned mapping, so a segment's `next` is the word at
 * its offset in a page (the queue's own words, which could share that
 * offset by chance, are left out); writing SEALED there is a seal, a CAS
 * from 0 to a segment there is an append's link; a write of a segment
 * into one of the queue's words is a tail (or head) swing. */
#define LFQ_SEALED ((uint64_t)1)
#define LFQ_PAGE ((uintptr_t)4095)

static bool lfq_in_queue(const conc_point *p, const conc_lfqueue *q)
{
    uintptr_t a = (uintptr_t)p->addr, b = (uintptr_t)q;
    return a >= b && a < b + conc_lfqueue_footprint();
}

static bool lfq_seg_next(const conc_point *p, const conc_lfqueue *q)
{
    return p->width == sizeof(uintptr_t) &&
           ((uintptr_t)p->addr & LFQ_PAGE) ==
               offsetof(struct conc__lfq_seg, next) &&
           !lfq_in_queue(p, q);
}

static bool lfq_is_write(const conc_point *p)
{
    return p->kind == CONC_POINT_STORE ||
           (p->kind == CONC_POINT_RMW &&
            (p->rmw == CONC_RMW_CAS || p->rmw == CONC_RMW_CAS_WEAK ||
             p->rmw == CONC_RMW_XCHG));
}

/* The seal of a segment: SEALED written into its `next`. */
static bool lfq_at_seal(const conc_point *p, void *q)
{
    return lfq_is_write(p) && p->operand == LFQ_SEALED &&
           lfq_seg_next(p, q);
}

/* An append's link: CAS of a segment's `next` from 0 to a segment. */
static bool lfq_at_link(const conc_point *p, void *q)
{
    return p->kind == CONC_POINT_RMW &&
           (p->rmw == CONC_RMW_CAS || p->rmw == CONC_RMW_CAS_WEAK) &&
           p->expected == 0 && p->operand > LFQ_SEALED &&
           (p->operand & LFQ_PAGE) == 0 && lfq_seg_next(p, q);
}

/* A segment written into one of the queue's words (tail or head). */
static bool lfq_at_swing(const conc_point *p, void *q)
{
    return lfq_is_write(p) && p->operand > LFQ_SEALED &&
           (p->operand & LFQ_PAGE) == 0 && lfq_in_queue(p, q);
}

/* Pop q to the end, after every thread finished: each item once, and the
 * items are exactly those of `want` (want[v] for item v).  Returns the
 * number popped; *end the final status; *bad_items whether a wanted item
 * was missing, an unwanted one came out or one came out twice. */
static size_t lfq_drain_set(conc_lfqueue *q, const unsigned char *want,
                            size_t nwant, conc_status *end, int *bad_items,
                            uintptr_t *first_missing)
{
    unsigned char *seen = calloc(nwant, 1);
    if (!seen)
        bail_out("calloc");
    size_t n = 0;
    void *it;
    conc_status st;
    *bad_items = 0;
    *first_missing = 0;
    while ((st = conc_lfqueue_pop(q, &it)) == CONC_OK && n < nwant + 8) {
        uintptr_t v = VAL(it);
        if (v >= nwant || !want[v] || seen[v])
            *bad_items = 1;
        else
            seen[v] = 1;
        n++;
    }
    for (uintptr_t v = 0; v < nwant; v++)
        if (want[v] && !seen[v]) {
            *bad_items = 1;
            if (!*first_missing)
                *first_missing = v;
        }
    free(seen);
    *end = st;
    return n;
}

/* The sealing push's CAS of next from 0 to SEALED (push_past) must not
 * overwrite an append that links a segment between the push's read of
 * next and its write (the mutation runner's lfqueue.c:306:rmw-split).
 * The first segment g is filled; an appender A's FAA finds g full (no
 * close bit yet) and A is parked before its link; a close C sets the bit
 * on g and is parked before its seal; a push P finds the bit, gives its
 * position back and is parked before its seal of g.  A then links its
 * segment n (holding its item) and returns OK; P and C go on.  Every item
 * pushed with OK must come out once before CLOSED, and the quiescent len
 * must equal what the drain gives.  With the CAS split, P's store of SEALED
 * lands on A's link: A's item (and n) are lost, len counts it. */
static void lfqueue_seal_over_append(void)
{
    const size_t S = CONC__LFQ_SLOTS, NW = S + 8;
    park_install_where();
    conc_lfqueue *q = conc_lfqueue_new(0);
    unsigned char *want = calloc(NW, 1);
    if (!q || !want)
        bail_out("lfqueue_seal_over_append: no memory");
    uintptr_t v = 2; /* items 2, 3, ...: never SEALED's 1 */
    int fill_ok = 1;
    for (size_t i = 0; i < S; i++, v++) {
        fill_ok &= conc_lfqueue_push(q, ITEM(v)) == CONC_OK;
        want[v] = 1;
    }
    struct lfq_op a = {q, CONC_EINVAL, ITEM(v)};
    struct lfq_op c = {q, CONC_EINVAL, NULL};
    struct lfq_op p = {q, CONC_EINVAL, ITEM(v + 1)};
    park_thread ta, tc, tp;
    park_start_where(&ta, lfq_push_fn, &a, lfq_at_link, q);
    bool a_parked = park_parked(&ta);
    park_start_where(&tc, lfq_close_fn, &c, lfq_at_seal, q);
    bool c_parked = park_parked(&tc);
    park_start_where(&tp, lfq_push_fn, &p, lfq_at_seal, q);
    bool p_parked = park_parked(&tp);
    park_join(&ta); /* links n: its push is over */
    park_join(&tp); /* its seal finds next set (or, split, overwrites it) */
    park_join(&tc);
    if (a.st == CONC_OK)
        want[v] = 1;
    if (p.st == CONC_OK)
        want[v + 1] = 1;
    size_t len = conc_lfqueue_len(q);
    conc_status end;
    int bad_items;
    uintptr_t missing;
    size_t got = lfq_drain_set(q, want, NW, &end, &bad_items, &missing);
    size_t len_after = conc_lfqueue_len(q);
    conc_status late = conc_lfqueue_push(q, ITEM(v + 2));
    bool reached = a_parked && c_parked && p_parked;
    bool bad = !fill_ok || !reached || a.st != CONC_OK || c.st != CONC_OK ||
               (p.st != CONC_OK && p.st != CONC_CLOSED) || bad_items ||
               len != got || end != CONC_CLOSED || len_after != 0 ||
               late != CONC_CLOSED || !conc_lfqueue_closed(q);
    if (bad)
        diag("seal over append: parked A %d C %d P %d; A %s, P %s, close %s; "
             "quiescent len %zu, %zu drained%s (first missing item %llu), "
             "end %s, len after %zu", a_parked, c_parked, p_parked,
             sname(a.st), sname(p.st), sname(c.st), len, got,
             bad_items ? ", items lost or repeated" : "",
             (unsigned long long)missing, sname(end), len_after);
    ok(!bad, "lfqueue_seal_over_append: a push sealing a closed segment does "
       "not overwrite an append's link: every OK item is popped once, then "
       "CLOSED, quiescent len = drained (len %zu, %zu drained)", len, got);
    conc_lfqueue_free(q);
    free(want);
    park_uninstall_where();
}

/* A push whose seal of a closed segment g lost to an append helps tail
 * from g to the successor n with a CAS (push_past), which must not move
 * tail backwards once others moved it past n (the mutation runner's
 * lfqueue.c:311:rmw-split).  g is filled; an appender A links n (its item
 * in slot 0) and is parked before its tail swing; a close C sets the bit on
 * g and is parked before its seal; a push P finds the bit, loses its seal
 * to A's link and is parked before its tail swing (having read tail == g
 * if the CAS is split).  A swings tail to n; n is filled and a third
 * segment m appended (tail to m), one more item pushed into m; C closes
 * and seals m; the drain takes everything, retiring n (the pool holds g),
 * and n is unmapped.  Then P goes on: its CAS finds tail at m, and P
 * answers CLOSED at m's seal.  Split, its store puts tail back on the
 * unmapped n and its next fetch-and-add there faults (SIGSEGV). */
static void lfqueue_tail_back_after_seal(void)
{
    const size_t S = CONC__LFQ_SLOTS, NW = 2 * S + 8;
    park_install_where();
    conc_lfqueue *q = conc_lfqueue_new(0);
    unsigned char *want = calloc(NW, 1);
    if (!q || !want)
        bail_out("lfqueue_tail_back_after_seal: no memory");
    uintptr_t v = 2;
    int fill_ok = 1;
    for (size_t i = 0; i < S; i++, v++) {
        fill_ok &= conc_lfqueue_push(q, ITEM(v)) == CONC_OK;
        want[v] = 1;
    }
    struct lfq_op a = {q, CONC_EINVAL, ITEM(v++)};
    struct lfq_op c = {q, CONC_EINVAL, NULL};
    struct lfq_op p = {q, CONC_EINVAL, ITEM(v++)};
    park_thread ta, tc, tp;
    park_start_where(&ta, lfq_push_fn, &a, lfq_at_link, q);
    bool a_linking = park_parked(&ta);
    park_rearm_where(&ta, lfq_at_swing, q); /* linked; before tail g -> n */
    bool a_swinging = park_parked(&ta);
    park_start_where(&tc, lfq_close_fn, &c, lfq_at_seal, q);
    bool c_parked = park_parked(&tc);
    park_start_where(&tp, lfq_push_fn, &p, lfq_at_seal, q);
    bool p_sealing = park_parked(&tp);
    park_rearm_where(&tp, lfq_at_swing, q); /* lost the seal to n */
    bool p_swinging = park_parked(&tp);
    park_join(&ta); /* tail g -> n */
    if (a.st == CONC_OK)
        want[VAL(a.item)] = 1;
    /* Fill n (A's item is in slot 0), append m, one more into m (so this
     * thread's push hazard moves on to m). */
    for (size_t i = 0; i < S + 1; i++, v++) {
        fill_ok &= conc_lfqueue_push(q, ITEM(v)) == CONC_OK;
        want[v] = 1;
    }
    park_join(&tc); /* seals m */
    size_t len = conc_lfqueue_len(q);
    conc_status end;
    int bad_items;
    uintptr_t missing;
    size_t got = lfq_drain_set(q, want, NW, &end, &bad_items, &missing);
    park_join(&tp); /* split: tail back onto n, unmapped by the drain */
    size_t len_after = conc_lfqueue_len(q);
    conc_status late = conc_lfqueue_push(q, ITEM(v));
    void *it = NULL;
    conc_status late_pop = conc_lfqueue_pop(q, &it);
    bool reached = a_linking && a_swinging && c_parked && p_sealing &&
                   p_swinging;
    bool bad = !fill_ok || !reached || a.st != CONC_OK || c.st != CONC_OK ||
               p.st != CONC_CLOSED || bad_items || len != got ||
               got != 2 * S + 2 || end != CONC_CLOSED || len_after != 0 ||
               late != CONC_CLOSED || late_pop != CONC_CLOSED ||
               !conc_lfqueue_closed(q);
    if (bad)
        diag("tail back after seal: parked A %d/%d C %d P %d/%d; A %s, P %s, "
             "close %s; quiescent len %zu, %zu drained%s (first missing %llu), "
             "end %s; after P: len %zu, push %s, pop %s", a_linking,
             a_swinging, c_parked, p_sealing, p_swinging, sname(a.st),
             sname(p.st), sname(c.st), len, got,
             bad_items ? ", items lost or repeated" : "",
             (unsigned long long)missing, sname(end), len_after, sname(late),
             sname(late_pop));
    ok(!bad, "lfqueue_tail_back_after_seal: a push that lost its seal to an "
       "append never moves tail back behind a retired segment (%zu drained, "
       "then CLOSED; the push CLOSED)", got);
    conc_lfqueue_free(q);
    free(want);
    park_uninstall_where();
}

int main(void)
{
    tap_watchdog(600, "test_races");
    park_install();
    /* The main thread's hazard record first, so no parked thread holds up
     * its creation. */
    conc_lfqueue *warm = conc_lfqueue_new(0);
    void *it;
    conc_lfqueue_push(warm, ITEM(1));
    conc_lfqueue_pop(warm, &it);
    conc_lfqueue_free(warm);

    lfqueue_close_append_loses_segment();
    lfqueue_pop_closed_with_items();
    ring_threshold_side(false);
    ring_threshold_side(true);
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++)
        task_done_racing_failed_push(&fams[i]);
    lfqueue_close_enomem();
    lfqueue_pop_empty_over_item();
    lfqueue_pop_empty_behind_hint();
    ring_item_ahead_moved();
    lfqueue_closed_lags_seal();
    ring_spent_exit_item_ahead();
    ring_take_lapped(true);
    ring_take_lapped(false);
    ring_take_lapped_fast();
    ring_reset_kept(true);
    ring_reset_kept(false);
    ring_reset_kept_empty();
    ring_spent_at_zero();
    lfqueue_len_close_chain();
    mutexq_len_beside_push_pop();
    lfqueue_seal_over_append();
    lfqueue_tail_back_after_seal();
    done_testing();
    return tap_exit();
}
