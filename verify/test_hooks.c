/*
 * test_hooks.c - the verify build's state resets and its doors as seen
 * through the public API (verify.h; libconc-verify only).
 *
 *   1. conc_verify_thread_exit: a thread that used an lfqueue releases its
 *      hazard-pointer record at once (the record is inactive, and its steps
 *      are schedule points); again, or in a thread without a record, it
 *      does nothing; the record goes to the next thread that needs one, and
 *      the first thread's real exit later does not release it under its
 *      new owner (the key's destructor finds nothing).
 *   2. conc_verify_thread_exit hands what another thread still protects to
 *      the orphan list, as a thread's exit does: pending, not freed, until
 *      the protector clears and scans.
 *   3. conc_verify_reset: every record and orphan freed, the objects still
 *      retired on them passed to their free_fn exactly once, nothing
 *      pending, no record left; the next use gets a fresh record; the
 *      reset passes no schedule point (no count, no hook call).
 *   4. the sharded counters' tickets: reset restarts the numbering and
 *      forgets the caller's ticket; thread_exit forgets the thread's; a
 *      thread with ticket 2^32 and one with ticket 0 add at once to one
 *      counter (the same preferred slot) and lose nothing.
 *   5. after a reset the eventfd of a ring still works (the pid cache of
 *      src/wait.c is made again).
 *   6. deadlines read the time through the clock door: a version 2 hook
 *      that answers CLOCK with a virtual time and handles FUTEX_WAIT makes
 *      pop_wait with a 10 s timeout time out at once, in virtual time, with
 *      FUTEX_WAIT deadlines of the virtual now + 10 s; join likewise.
 *   7. LOCK and UNLOCK from conc_mutexcounter and conc_mutexq: the address
 *      is the structure's mutex, PRE and POST in pairs, a site in src/.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <conc/conc.h>
#include <conc/counter.h>
#include <conc/lfqueue.h>
#include <conc/mutexq.h>
#include <conc/ring.h>

#include "internal/hp.h"
#include "internal/verify.h"
#include "internal/verify_state.h"
#include "tap.h"
#include "testutil.h"

#define ITEM(k) ((void *)(uintptr_t)(k))

static size_t records(size_t *active)
{
    return conc__hp_verify_records(active);
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (pthread_create(t, NULL, fn, arg) != 0)
        bail_out("pthread_create");
}

/* ---- 1. thread_exit releases the record -------------------------------- */

typedef struct t1 {
    conc_lfqueue *q;
    size_t active_before, active_after, active_again;
    uint64_t exit_points, again_points;
    atomic_int exited, go;
} t1;

static void lfqueue_use(conc_lfqueue *q, int n)
{
    for (int i = 1; i <= n; i++)
        conc_lfqueue_push(q, ITEM(i));
    void *x;
    while (conc_lfqueue_pop(q, &x) == CONC_OK)
        ;
}

static void *t1_main(void *arg)
{
    t1 *s = arg;
    lfqueue_use(s->q, 100);
    records(&s->active_before);
    uint64_t p0 = conc_verify_points();
    conc_verify_thread_exit();
    s->exit_points = conc_verify_points() - p0;
    records(&s->active_after);
    p0 = conc_verify_points();
    conc_verify_thread_exit(); /* no record now: nothing */
    s->again_points = conc_verify_points() - p0;
    records(&s->active_again);
    atomic_store(&s->exited, 1);
    while (!atomic_load(&s->go))
        sched_yield();
    return NULL; /* the real exit: its destructor must find nothing */
}

static void *no_record_main(void *arg)
{
    uint64_t *points = arg;
    uint64_t p0 = conc_verify_points();
    conc_verify_thread_exit();
    *points = conc_verify_points() - p0;
    return NULL;
}

static void test_thread_exit(void)
{
    conc_verify_reset();
    size_t active = 9, n = records(&active);
    ok(n == 0 && active == 0, "after a reset: no hazard-pointer record");
    t1 s = {.q = conc_lfqueue_new(0)};
    if (!s.q)
        bail_out("conc_lfqueue_new");
    atomic_init(&s.exited, 0);
    atomic_init(&s.go, 0);
    pthread_t t;
    start(&t, t1_main, &s);
    while (!atomic_load(&s.exited))
        sched_yield();
    ok(s.active_before == 1, "a thread that used an lfqueue holds a record");
    n = records(NULL);
    ok(s.active_after == 0 && n == 1,
       "conc_verify_thread_exit: its record is inactive at once (%zu active "
       "of %zu)", s.active_after, n);
    ok(s.exit_points > 0, "its release passed schedule points (%" PRIu64
       ")", s.exit_points);
    ok(s.again_points == 0 && s.active_again == 0,
       "called again: nothing to do, no schedule point");
    /* The idle record goes to the next thread that needs one: this one. */
    lfqueue_use(s.q, 10);
    n = records(&active);
    ok(n == 1 && active == 1,
       "the released record is reused by the next thread (%zu of %zu active)",
       active, n);
    atomic_store(&s.go, 1);
    pthread_join(t, NULL);
    n = records(&active);
    ok(n == 1 && active == 1,
       "the first thread's real exit leaves the record to its new owner "
       "(%zu of %zu active)", active, n);
    uint64_t pts = 99;
    start(&t, no_record_main, &pts);
    pthread_join(t, NULL);
    ok(pts == 0, "thread_exit in a thread without a record: nothing");
    conc_verify_thread_exit(); /* this thread's, too */
    n = records(&active);
    ok(n == 1 && active == 0,
       "thread_exit of the main thread releases its record");
    conc_lfqueue_free(s.q);
    ok(conc__hp_pending() == 0, "nothing pending");
}

/* ---- 2. and 3. orphans, and the reset ---------------------------------- */

static atomic_int g_freed;

static void count_free(void *p)
{
    atomic_fetch_add(&g_freed, 1);
    free(p);
}

typedef struct t2 {
    void *obj;
} t2;

static void *retire_and_exit(void *arg)
{
    t2 *s = arg;
    conc__hp_rec *r = conc__hp_self();
    if (!r)
        bail_out("conc__hp_self");
    conc__hp_retire(r, s->obj, count_free); /* protected: kept */
    conc_verify_thread_exit(); /* hands it to the orphans */
    return NULL;
}

/* Main protects a fresh object, another thread retires it and calls
 * thread_exit: the object is an orphan. */
static void *make_orphan(conc__hp_rec **mine)
{
    void *obj = malloc(64);
    if (!obj)
        bail_out("malloc");
    *mine = conc__hp_self();
    if (!*mine)
        bail_out("conc__hp_self");
    conc__hp_set(*mine, 0, (uintptr_t)obj); /* not retired yet: safe */
    t2 s = {obj};
    pthread_t t;
    start(&t, retire_and_exit, &s);
    pthread_join(t, NULL);
    return obj;
}

static void hook_counter(int kind, void *arg)
{
    (void)kind;
    atomic_fetch_add((atomic_int *)arg, 1);
}

static void test_orphans_and_reset(void)
{
    conc_verify_reset();
    atomic_store(&g_freed, 0);
    conc__hp_rec *mine;
    make_orphan(&mine);
    size_t active, n = records(&active);
    ok(conc__hp_pending() == 1 && atomic_load(&g_freed) == 0 && n == 2 &&
           active == 1,
       "thread_exit with a retired object another thread protects: it is "
       "an orphan, pending, not freed (%zu pending)", conc__hp_pending());
    conc__hp_clear(mine, 0);
    conc__hp_scan(mine);
    ok(conc__hp_pending() == 0 && atomic_load(&g_freed) == 1,
       "the protector clears and scans: the orphan is adopted and freed");

    /* The reset frees what is still retired: an orphan, and an object on
     * a record (protected by the record's own slot). */
    atomic_store(&g_freed, 0);
    make_orphan(&mine);
    void *own = malloc(64);
    if (!own)
        bail_out("malloc");
    conc__hp_set(mine, 1, (uintptr_t)own);
    conc__hp_retire(mine, own, count_free);
    ok(conc__hp_pending() == 2 && atomic_load(&g_freed) == 0,
       "before the reset: an orphan and an object on a record pending");
    atomic_int hook_calls;
    atomic_init(&hook_calls, 0);
    conc_verify_set_hook(hook_counter, &hook_calls);
    uint64_t p0 = conc_verify_points();
    conc_verify_reset();
    uint64_t p1 = conc_verify_points();
    conc_verify_set_hook(NULL, NULL);
    ok(atomic_load(&g_freed) == 2,
       "conc_verify_reset: both objects went to their free_fn, once each "
       "(%d)", atomic_load(&g_freed));
    n = records(&active);
    ok(n == 0 && active == 0 && conc__hp_pending() == 0,
       "conc_verify_reset: no record, nothing pending (%zu records)", n);
    ok(p1 == p0 && atomic_load(&hook_calls) == 0,
       "conc_verify_reset passes no schedule point (%" PRIu64 " points, %d "
       "hook calls)", p1 - p0, atomic_load(&hook_calls));
    conc__hp_rec *fresh = conc__hp_self();
    n = records(&active);
    ok(fresh != NULL && n == 1 && active == 1,
       "after the reset the calling thread gets a fresh record");
    /* Its slots are clear: an unprotected object is freed at once. */
    void *x = malloc(16);
    if (!x)
        bail_out("malloc");
    atomic_store(&g_freed, 0);
    conc__hp_retire(fresh, x, count_free);
    ok(atomic_load(&g_freed) == 1, "and it works (retire frees at once)");

    /* Threads started after the reset work as in a fresh process. */
    conc_lfqueue *q = conc_lfqueue_new(0);
    pthread_t t;
    t1 s = {.q = q};
    atomic_init(&s.exited, 0);
    atomic_init(&s.go, 1);
    start(&t, t1_main, &s);
    pthread_join(t, NULL);
    ok(s.active_before == 2 && s.active_after == 1,
       "a thread started after the reset gets a record and releases it");
    conc_lfqueue_free(q);
    conc_verify_reset();
    ok(records(NULL) == 0, "reset again: no record");
}

/* ---- 4. tickets ---------------------------------------------------------- */

typedef struct t4 {
    conc_sharded *s;
    uint64_t mine_after_add, next_after_add, mine_after_exit, next_after_exit;
} t4;

static void *sharded_thread(void *arg)
{
    t4 *s = arg;
    conc_sharded_add(s->s, 1);
    s->next_after_add = conc__counter_verify_tickets(&s->mine_after_add);
    conc_verify_thread_exit();
    s->next_after_exit = conc__counter_verify_tickets(&s->mine_after_exit);
    return NULL;
}

static void test_tickets(void)
{
    conc_sharded *s = conc_sharded_new(4);
    if (!s)
        bail_out("conc_sharded_new");
    conc_sharded_add(s, 1);
    uint64_t mine = 0, next = conc__counter_verify_tickets(&mine);
    ok(next >= 1 && mine >= 1, "the main thread holds a ticket (next %"
       PRIu64 ", mine %" PRIu64 ")", next, mine);
    conc_verify_reset();
    next = conc__counter_verify_tickets(&mine);
    ok(next == 0 && mine == 0,
       "conc_verify_reset: numbering restarted, the caller's ticket "
       "forgotten (next %" PRIu64 ", mine %" PRIu64 ")", next, mine);
    t4 a = {.s = s};
    pthread_t t;
    start(&t, sharded_thread, &a);
    pthread_join(t, NULL);
    ok(a.mine_after_add == 1 && a.next_after_add == 1,
       "the first thread after the reset takes ticket 0, as in a fresh "
       "process");
    ok(a.mine_after_exit == 0 && a.next_after_exit == 1,
       "conc_verify_thread_exit forgets the thread's ticket (not the "
       "numbering)");
    conc_sharded_add(s, 1);
    next = conc__counter_verify_tickets(&mine);
    ok(mine == 2 && next == 2, "the next thread takes ticket 1");
    int64_t total = 0;
    conc_sharded_read(s, &total);
    ok(total == 3, "the counter's total is unaffected (%" PRId64 ")", total);
    conc_sharded_free(s);
}

/* Ticket wrap: thread A (ticket 0) claims its preferred ownable slot and
 * lives on; thread B takes ticket 2^32 (next_ticket set there: what 2^32
 * first adds of short-lived threads would do), which prefers the same
 * slot.  Tokens are 64-bit tickets, so B's token is not A's: B must find
 * the slot owned by another thread and add to a shared slot.  The check
 * is on the slots themselves, not only the total (with a locked owner add
 * a shared owned slot would still add up): the owned slot holds A's token
 * and exactly A's adds, and B claimed nothing.  A token cut to 32 bits
 * (B's token then equals A's) puts B's adds in A's slot and fails here. */
enum { WRAP_ADDS = 200000, WRAP_FIRST = 5 };

static void *wrap_adder(void *arg)
{
    conc_sharded *s = arg;
    for (int i = 0; i < WRAP_ADDS; i++)
        conc_sharded_add(s, 1);
    return NULL;
}

static void test_ticket_wrap(void)
{
    conc_verify_reset();
    conc_sharded *s = conc_sharded_new(4);
    if (!s)
        bail_out("conc_sharded_new");
    conc_sharded_add(s, WRAP_FIRST); /* ticket 0: owns the first ownable slot */
    uint64_t a_tok = 0;
    conc__counter_verify_tickets(&a_tok);
    size_t nshared = 0, shards = 4;
    int64_t sum0 = -1;
    uint64_t own0 = 0;
    int rc0 = conc__counter_verify_slot(s, 0, NULL, NULL, &nshared);
    size_t a_slot = shards;
    for (size_t i = nshared; i < shards; i++) {
        uint64_t o = 0;
        int64_t v = 0;
        conc__counter_verify_slot(s, i, &v, &o, NULL);
        if (o == a_tok) {
            a_slot = i;
            sum0 = v;
            own0 = o;
        }
    }
    ok(rc0 == CONC_OK && a_tok == 1 && a_slot < shards && sum0 == WRAP_FIRST,
       "A (token %" PRIu64 ") owns ownable slot %zu with its first add "
       "(%" PRId64 ")", a_tok, a_slot, sum0);
    ok(conc__counter_verify_slot(s, shards, NULL, NULL, NULL) == CONC_EINVAL,
       "the slot accessor refuses a slot past the last");
    conc__counter_verify_set_next_ticket((uint64_t)1 << 32);
    pthread_t t;
    start(&t, wrap_adder, s);
    wrap_adder(s);
    pthread_join(t, NULL);
    int64_t total = 0;
    conc_sharded_read(s, &total);
    ok(total == WRAP_FIRST + 2 * (int64_t)WRAP_ADDS,
       "tickets 0 and 2^32 add at once: total %" PRId64 ", expected %" PRId64,
       total, WRAP_FIRST + 2 * (int64_t)WRAP_ADDS);
    int64_t a_sum = -1;
    uint64_t a_owner = 0;
    conc__counter_verify_slot(s, a_slot < shards ? a_slot : nshared, &a_sum,
                              &a_owner, NULL);
    ok(a_owner == own0 && a_sum == WRAP_FIRST + (int64_t)WRAP_ADDS,
       "A's slot holds A's token (%" PRIu64 ") and exactly A's adds (%"
       PRId64 ", expected %" PRId64 "): B (ticket 2^32) added elsewhere",
       a_owner, a_sum, WRAP_FIRST + (int64_t)WRAP_ADDS);
    int claimed = 0;
    for (size_t i = nshared; i < shards; i++) {
        uint64_t o = 0;
        conc__counter_verify_slot(s, i, NULL, &o, NULL);
        if (o != 0 && o != a_tok)
            claimed++;
    }
    ok(claimed == 0, "B claimed no ownable slot (its preferred one is A's): "
       "%d claimed by others", claimed);
    conc_sharded_free(s);
    conc_verify_reset();
}

/* ---- 5. the pid cache ---------------------------------------------------- */

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_fd_after_reset(void)
{
    conc_ring *r1 = conc_ring_new(4, 0), *r2 = conc_ring_new(4, 0);
    if (!r1 || !r2)
        bail_out("conc_ring_new");
    int fd1 = -1, fd1b = -1, fd2 = -1;
    void *x;
    conc_status s1 = conc_ring_fd(r1, &fd1);
    while (conc_ring_pop(r1, &x) == CONC_OK)
        ;
    conc_verify_reset();
    conc_status s1b = conc_ring_fd(r1, &fd1b);
    conc_status s2 = conc_ring_fd(r2, &fd2);
    conc_ring_push(r2, ITEM(1));
    ok(s1 == CONC_OK && s1b == CONC_OK && fd1b == fd1 && s2 == CONC_OK &&
           readable(fd2),
       "after a reset: a ring made before keeps its fd, a new ring makes "
       "one that signals a push");
    conc_ring_free(r1);
    conc_ring_free(r2);
}

/* ---- 6. virtual time ---------------------------------------------------- */

typedef struct vclock {
    int64_t now;     /* the virtual CLOCK_MONOTONIC */
    int64_t step;    /* added by each handled FUTEX_WAIT ("slept") */
    int clocks, waits;
    int64_t deadlines[8];
} vclock;

static void vclock_hook(conc_point *p, void *arg)
{
    vclock *v = arg;
    if (p->phase != CONC_PHASE_PRE)
        return;
    if (p->kind == CONC_POINT_CLOCK) {
        v->clocks++;
        p->handled = true;
        p->now_ns = v->now;
    } else if (p->kind == CONC_POINT_FUTEX_WAIT) {
        if (v->waits < 8)
            v->deadlines[v->waits] = p->deadline_ns;
        v->waits++;
        p->handled = true;
        p->rc = 0; /* woken (spuriously): the waiter looks at the time */
        v->now += v->step;
    }
}

static void test_virtual_time(void)
{
    const int64_t S = 1000000000;
    conc_ring *r = conc_ring_new(4, CONC_JOINABLE);
    if (!r)
        bail_out("conc_ring_new");
    /* A spin of 0 tries: nothing to adapt, no clock read for it; then 200:
     * the adaptive spin also reads the clock every 64 tries (its timed
     * spin stops at the deadline) and at its end.  The verify build never
     * reads CONC_WAIT_SPIN: conc__ws_verify_set_spin sets the count. */
    void *x;
    conc_status st = CONC_OK;
    static const int spins[] = {0, 200};
    for (int k = 0; k < 2; k++) {
        conc__ws_verify_set_spin(spins[k]);
        conc_verify_reset();
        vclock v = {.now = 1000 * S, .step = 6 * S};
        conc_verify_set_hook2(vclock_hook, &v);
        uint64_t t0 = now_ns();
        st = conc_ring_pop_wait(r, &x, 10 * (uint64_t)S);
        double wall = (double)(now_ns() - t0) / 1e9;
        conc_verify_set_hook2(NULL, NULL);
        conc__ws_verify_set_spin(-1);
        conc_verify_reset();
        ok(st == CONC_TIMEDOUT && wall < 5.0,
           "spin %d: pop_wait(10 s) on an empty ring under virtual "
           "time: %s after %.3f s of real time", spins[k], sname(st), wall);
        ok(v.waits == 2 && v.deadlines[0] == 1010 * S &&
               v.deadlines[1] == 1010 * S,
           "spin %d: two FUTEX_WAITs, each with the deadline "
           "virtual now + 10 s (%d waits, %" PRId64 ")", spins[k], v.waits,
           v.deadlines[0]);
        /* 200 tries: the clock at tries 64, 128 and 192, and at the end. */
        int want = k == 0 ? 3 : 3 + 3 + 1;
        ok(v.clocks == want,
           "spin %d: the deadline and both checks of it%s read the "
           "clock door (%d CLOCK points, expected %d)", spins[k],
           k == 0 ? "" : ", and the adaptive spin's deadline checks and end,",
           v.clocks, want);
    }

    /* join: one unfinished item. */
    conc_ring_push(r, ITEM(1));
    vclock v = {.now = 5 * S, .step = 2 * S};
    conc_verify_set_hook2(vclock_hook, &v);
    st = conc_ring_join(r, 3 * (uint64_t)S);
    conc_verify_set_hook2(NULL, NULL);
    ok(st == CONC_TIMEDOUT && v.waits == 2 && v.deadlines[0] == 8 * S,
       "join(3 s) under virtual time: %s after %d waits with deadline %"
       PRId64, sname(st), v.waits, v.deadlines[0]);
    conc_ring_pop(r, &x);
    conc_ring_task_done(r);
    conc_ring_free(r);
}

/* ---- 6b. the adaptive spin before a wait sleeps -------------------------- */

/* Virtual time again: each BACKOFF point (one try of the spin) takes 10 ns,
 * each FUTEX_WAIT `step` ns; with `deliver`, the FUTEX_WAIT pushes an item
 * first (the wait then wakes with it).  spins: the BACKOFF points of the
 * last wait. */
typedef struct vspin {
    int64_t now, step;
    int spins;
    int deliver_at; /* > 0: push an item at this BACKOFF point of a wait */
    int jump_at;    /* > 0: the clock jumps 1 ms at this BACKOFF point */
    int64_t try_ns; /* virtual ns per BACKOFF point (0: 10) */
    bool deliver, inside;
    conc_ring *r;
} vspin;

static void vspin_hook(conc_point *p, void *arg)
{
    vspin *v = arg;
    if (p->phase != CONC_PHASE_PRE || v->inside)
        return;
    if (p->kind == CONC_POINT_CLOCK) {
        p->handled = true;
        p->now_ns = v->now;
    } else if (p->kind == CONC_POINT_BACKOFF) {
        v->spins++;
        v->now += v->try_ns > 0 ? v->try_ns : 10;
        if (v->jump_at > 0 && v->spins == v->jump_at)
            v->now += 1000000;
        if (v->deliver_at > 0 && v->spins == v->deliver_at) {
            v->inside = true;
            conc_ring_push(v->r, ITEM(7));
            v->inside = false;
        }
    } else if (p->kind == CONC_POINT_FUTEX_WAIT) {
        if (v->deliver) {
            v->inside = true;
            conc_ring_push(v->r, ITEM(7));
            v->inside = false;
        }
        p->handled = true;
        p->rc = 0;
        v->now += v->step;
    }
}

static int vspin_wait(vspin *v, uint64_t timeout_ns, conc_status *st)
{
    void *x;
    v->spins = 0;
    conc_verify_set_hook2(vspin_hook, v);
    *st = conc_ring_pop_wait(v->r, &x, timeout_ns);
    conc_verify_set_hook2(NULL, NULL);
    return v->spins;
}

static void test_adaptive_spin(void)
{
    conc__ws_verify_set_spin(200);
    conc_verify_reset(); /* the maximum set anew, this thread's estimate gone */
    conc_ring *r = conc_ring_new(4, 0);
    if (!r)
        bail_out("conc_ring_new");
    vspin v = {.now = 1000000000, .step = 2000000, .r = r};
    conc_status st;
    /* An empty ring, each wait timing out after a 2 ms sleep: the spin
     * shrinks from the full 200 tries to the floor of 4. */
    int first = vspin_wait(&v, 1000000, &st), last = first, prev = first;
    bool shrinking = st == CONC_TIMEDOUT;
    for (int i = 0; i < 30; i++) {
        last = vspin_wait(&v, 1000000, &st);
        shrinking = shrinking && st == CONC_TIMEDOUT && last <= prev;
        prev = last;
    }
    ok(first == 200 && shrinking && last == 4,
       "waits that sleep long: the first spins 200 tries, the spin shrinks "
       "with each, down to %d (first %d)", last, first);
    /* The 32nd wait of a side probes: the full 200 tries again. */
    int probe = vspin_wait(&v, 1000000, &st);
    ok(probe == 200 && st == CONC_TIMEDOUT,
       "the 32nd wait probes with the full count (%d tries)", probe);
    /* Items that come at the 20th try of each spin: the floor's 4 tries
     * miss them until the next probe catches one; then the spin stays at
     * twice 20, as a wait with no item shows. */
    v.deliver_at = 20;
    int caught = -1;
    for (int i = 0; i < 32 && caught < 0; i++)
        if (vspin_wait(&v, 1000000, &st) == 20 && st == CONC_OK)
            caught = i;
    bool won = caught >= 0;
    for (int i = 0; i < 10; i++)
        won = won && vspin_wait(&v, 1000000, &st) == 20 && st == CONC_OK;
    v.deliver_at = 0;
    int settled = vspin_wait(&v, 1000000, &st);
    ok(won && settled == 40 && st == CONC_TIMEDOUT,
       "spins that win at the 20th try (the first caught by a probe, wait "
       "%d): the spin settles at %d tries", caught, settled);
    /* A won spin that took far longer than its tries (the clock jumps 1 ms
     * at the 5th try: the spinner lost its CPU) halves the estimate.  (A
     * won spin first: the wait with no item lowered 40 to 29; a win at 20
     * raises it to 40 again.) */
    v.deliver_at = 20;
    bool rewon = vspin_wait(&v, 1000000, &st) == 20 && st == CONC_OK;
    v.jump_at = 5;
    int slow = vspin_wait(&v, 1000000, &st);
    conc_status st_slow = st;
    v.deliver_at = 0;
    v.jump_at = 0;
    int halved = vspin_wait(&v, 1000000, &st);
    ok(rewon && slow == 20 && st_slow == CONC_OK && halved == 20,
       "a spin that won at try 20 but lost its CPU on the way: the next "
       "spins %d tries (half of 40)", halved);
    conc_ring_free(r);
    conc__ws_verify_set_spin(0);
    conc_verify_reset();
    v = (vspin){.now = 1000000000, .step = 2000000, .r = r = conc_ring_new(4, 0)};
    if (!r)
        bail_out("conc_ring_new");
    int none = vspin_wait(&v, 1000000, &st);
    ok(none == 0 && st == CONC_TIMEDOUT,
       "a spin of 0: no spin at all (%d tries)", none);
    conc_ring_free(r);
    /* The verify build ignores CONC_WAIT_SPIN (what the explorer proves
     * must not depend on the environment): with the variable at 0 the
     * build's default of 200 tries still runs. */
    char *old = getenv("CONC_WAIT_SPIN");
    char *saved = old ? strdup(old) : NULL;
    setenv("CONC_WAIT_SPIN", "0", 1);
    conc__ws_verify_set_spin(-1);
    conc_verify_reset();
    v = (vspin){.now = 1000000000, .step = 2000000, .r = r = conc_ring_new(4, 0)};
    if (!r)
        bail_out("conc_ring_new");
    int dflt = vspin_wait(&v, 1000000, &st);
    ok(dflt == 200 && st == CONC_TIMEDOUT,
       "CONC_WAIT_SPIN=0 in the environment of the verify build: ignored, "
       "the build's default (%d tries)", dflt);
    conc_ring_free(r);
    if (saved) {
        setenv("CONC_WAIT_SPIN", saved, 1);
        free(saved);
    } else {
        unsetenv("CONC_WAIT_SPIN");
    }
    /* The largest spin (more than the maximum asked: clamped to 100000)
     * and a 1 ms timeout, each try 1 us of virtual time: the spin stops
     * at the deadline, which counts from before it (tries 1000 to 1024:
     * the clock is read every 64), then the wait times out. */
    conc__ws_verify_set_spin(1000000000);
    conc_verify_reset();
    v = (vspin){.now = 1000000000, .step = 2000000, .try_ns = 1000,
                .r = r = conc_ring_new(4, 0)};
    if (!r)
        bail_out("conc_ring_new");
    int capped = vspin_wait(&v, 1000000, &st);
    ok(capped >= 1000 && capped <= 1024 && st == CONC_TIMEDOUT,
       "the largest spin, a 1 ms timeout, 1 us a try: the spin stops at "
       "the deadline after %d tries (1000 to 1024), then %s", capped,
       sname(st));
    conc_ring_free(r);
    conc__ws_verify_set_spin(-1);
    conc_verify_reset();
}

/* ---- 7. LOCK and UNLOCK ------------------------------------------------- */

typedef struct lock_log {
    int n, bad;
    int kinds[16], phases[16];
    const void *addr[16];
    const char *file;
} lock_log;

static void lock_hook(conc_point *p, void *arg)
{
    lock_log *l = arg;
    if (p->kind != CONC_POINT_LOCK && p->kind != CONC_POINT_UNLOCK)
        return;
    if (l->n < 16) {
        l->kinds[l->n] = p->kind;
        l->phases[l->n] = p->phase;
        l->addr[l->n] = p->addr;
    }
    if (!p->file || p->line <= 0 || !strstr(p->file, "src/"))
        l->bad++;
    l->n++;
}

/* The four points of one locked operation on the mutex inside [obj, obj +
 * size): LOCK PRE, LOCK POST, UNLOCK PRE, UNLOCK POST. */
static bool one_locked_op(const lock_log *l, const void *obj, size_t size)
{
    static const int kinds[4] = {CONC_POINT_LOCK, CONC_POINT_LOCK,
                                 CONC_POINT_UNLOCK, CONC_POINT_UNLOCK};
    if (l->n != 4 || l->bad)
        return false;
    for (int i = 0; i < 4; i++) {
        const char *a = l->addr[i];
        if (l->kinds[i] != kinds[i] || l->phases[i] != i % 2 ||
            a != l->addr[0] || a < (const char *)obj ||
            a >= (const char *)obj + size)
            return false;
    }
    return true;
}

static void test_lock_points(void)
{
    lock_log l;
    conc_mutexcounter *c = conc_mutexcounter_new();
    conc_mutexq *q = conc_mutexq_new(4, 0);
    if (!c || !q)
        bail_out("new");
    memset(&l, 0, sizeof l);
    conc_verify_set_hook2(lock_hook, &l);
    int64_t prev;
    conc_mutexcounter_add(c, 5, &prev);
    conc_verify_set_hook2(NULL, NULL);
    ok(one_locked_op(&l, c, conc_mutexcounter_footprint()),
       "conc_mutexcounter_add: LOCK and UNLOCK, PRE and POST, on the "
       "counter's mutex, sites in src/ (%d points)", l.n);
    memset(&l, 0, sizeof l);
    conc_verify_set_hook2(lock_hook, &l);
    conc_mutexq_push(q, ITEM(1));
    conc_verify_set_hook2(NULL, NULL);
    bool push_ok = one_locked_op(&l, q, conc_mutexq_footprint(4));
    const void *qlock = l.addr[0];
    memset(&l, 0, sizeof l);
    conc_verify_set_hook2(lock_hook, &l);
    void *x;
    conc_mutexq_pop(q, &x);
    conc_verify_set_hook2(NULL, NULL);
    ok(push_ok && one_locked_op(&l, q, conc_mutexq_footprint(4)) &&
           l.addr[0] == qlock,
       "conc_mutexq push and pop: LOCK and UNLOCK on the queue's mutex");
    conc_mutexcounter_free(c);
    conc_mutexq_free(q);
}

/* The eventfd's system calls are IO points on the word that holds its
 * number (io.h): a push that signals the fd writes it, a pop that finds
 * the ring empty and clears the fd reads it. */
typedef struct io_log {
    int writes, reads, bad;
    const void *addr;
} io_log;

static void io_hook(conc_point *p, void *arg)
{
    io_log *l = arg;
    if (p->kind != CONC_POINT_IO)
        return;
    if (p->phase == CONC_PHASE_PRE) {
        if (p->operand)
            l->writes++;
        else
            l->reads++;
        if (!p->addr || p->width != 4 || !p->file || !strstr(p->file, "src/"))
            l->bad++;
        if (l->addr && p->addr != l->addr)
            l->bad++;
        l->addr = p->addr;
    } else if (p->result != sizeof(uint64_t)) {
        l->bad++; /* the eventfd moves 8 bytes at a time */
    }
}

static void test_io_points(void)
{
    conc_ring *r = conc_ring_new(4, 0);
    int fd;
    if (!r || conc_ring_fd(r, &fd) != CONC_OK)
        bail_out("conc_ring_new / conc_ring_fd");
    void *x;
    conc_ring_pop(r, &x); /* the first drain clears the initial readiness */
    io_log l;
    memset(&l, 0, sizeof l);
    conc_verify_set_hook2(io_hook, &l);
    conc_ring_push(r, ITEM(1)); /* signals the fd: a write */
    conc_ring_pop(r, &x);       /* gets the item: no system call */
    conc_status st = conc_ring_pop(r, &x); /* EMPTY: clears the fd: a read */
    conc_verify_set_hook2(NULL, NULL);
    const char *base = (const char *)r;
    ok(st == CONC_EMPTY && l.writes == 1 && l.reads == 1 && l.bad == 0 &&
           (const char *)l.addr >= base &&
           (const char *)l.addr < base + conc_ring_footprint(4),
       "the eventfd's write and read are IO points on one word of the ring "
       "(%d writes, %d reads, %d malformed)", l.writes, l.reads, l.bad);
    conc_ring_free(r);
}

/* ---- 8. a reset turns the failure hooks off ---------------------------- */

/* conc_verify_reset says nothing fails on purpose after it (hp.c:579, a
 * survivor of the mutation runner: no test called the reset with a hook
 * still on).  A thread without a record then gets one. */
typedef struct t8 {
    conc_lfqueue *q;
    conc_status push, pop;
    void *got;
} t8;

static void *t8_main(void *arg)
{
    t8 *s = arg;
    s->push = conc_lfqueue_push(s->q, ITEM(8));
    s->pop = conc_lfqueue_pop(s->q, &s->got);
    return NULL;
}

static void test_reset_hooks_off(void)
{
    t8 s = {.q = conc_lfqueue_new(0)};
    if (!s.q)
        bail_out("conc_lfqueue_new");
    conc_verify_reset();
    conc__hp_test_fail_records(true);
    pthread_t t;
    start(&t, t8_main, &s);
    pthread_join(t, NULL);
    ok(s.push == CONC_ENOMEM, "with no records to be had, a new thread's "
       "push: %s (CONC_ENOMEM expected)", sname(s.push));
    conc_verify_reset();
    start(&t, t8_main, &s);
    pthread_join(t, NULL);
    ok(s.push == CONC_OK && s.pop == CONC_OK && s.got == ITEM(8),
       "after conc_verify_reset the hook is off: a new thread's push %s, "
       "pop %s", sname(s.push), sname(s.pop));
    conc__hp_test_fail_records(false);
    conc_lfqueue_free(s.q);
    conc_verify_reset();
}

int main(void)
{
    tap_watchdog(120, "test_hooks");
    conc_verify_set_yield(0.0, 1);
    test_thread_exit();
    test_orphans_and_reset();
    test_tickets();
    test_ticket_wrap();
    test_fd_after_reset();
    test_virtual_time();
    test_adaptive_spin();
    test_lock_points();
    test_io_points();
    test_reset_hooks_off();
    conc_verify_reset(); /* leak checkers: every record freed */
    done_testing();
    return tap_exit();
}
