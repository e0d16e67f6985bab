/*
 * test_wait.c - waiting, closing, joining and event-loop fds (conc/wait.h)
 * for every container in the registry.
 *
 * Per container: close semantics (push CLOSED, pop drains then CLOSED,
 * idempotent, waits answer CLOSED), close_now (discards and counts, joinable
 * count falls), timeouts (0 tries once; a finite timeout returns TIMEDOUT no
 * earlier than asked and the item stays with the caller), CONC_NOWAIT,
 * task_done/join (beyond the count is EINVAL and changes nothing; join
 * wakes when the last task is done), close waking every sleeper on both
 * sides, the eventfd's readiness rules (readable after a push, cleared by
 * the pop that says EMPTY, readable for good after close), an epoll consumer
 * thread that must see every item, and a handoff storm on capacity 1 with
 * more threads than CPUs (a lost wake-up is a hang, which the watchdog turns
 * into a failure).  Built twice: against libconc and against libconc-verify
 * (yield injection at every atomic operation).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <conc/conc.h>

#include "registry.h"
#include "tap.h"
#include "testutil.h"
#ifdef CONC_VERIFY
#include "internal/verify.h"
#include "internal/verify_state.h"
#endif

#define MS 1000000ull

static double g_scale = 1.0;

static void *mk(const reg_entry *e, size_t cap, unsigned flags)
{
    void *q = e->create_flags(cap, flags);
    if (!q)
        bail_out("%s: create_flags(%zu, %u) failed", e->name, cap, flags);
    return q;
}

static void *P(uintptr_t v) { return (void *)v; }

/* Fill a bounded container; the unbounded one gets `cap` items. */
static void fill(const reg_entry *e, void *q, size_t cap)
{
    for (size_t i = 0; i < cap; i++)
        if (e->push(q, P(100 + i)) != CONC_OK)
            bail_out("%s: fill push %zu failed", e->name, i);
}

/* ---- single-threaded semantics ------------------------------------------ */

static void t_close(const reg_entry *e)
{
    void *q = mk(e, 4, 0);
    check(e->push(q, P(1)) == CONC_OK && e->push(q, P(2)) == CONC_OK, "push");
    check(e->closed(q) == 0, "open: closed() 0");
    check(e->close(q) == CONC_OK, "close");
    check(e->closed(q) == 1, "closed() 1");
    check(e->close(q) == CONC_OK, "close again is OK");
    int st = e->push(q, P(3));
    check(st == CONC_CLOSED, "push after close: %s", sname(st));
    st = e->push_wait(q, P(3), 10 * MS);
    check(st == CONC_CLOSED, "push_wait after close: %s", sname(st));
    size_t n = 99;
    void *its[2] = {P(5), P(6)};
    st = e->push_many(q, its, 2, &n);
    check(st == CONC_CLOSED && n == 0, "push_many after close: %s n=%zu", sname(st), n);
    void *a = NULL, *b = NULL;
    check(e->pop(q, &a) == CONC_OK && e->pop_wait(q, &b, CONC_FOREVER) == CONC_OK,
          "the two items drain after close");
    if (e->kind == REG_QUEUE)
        check(a == P(1) && b == P(2), "FIFO drain %p %p", a, b);
    else
        check(a == P(2) && b == P(1), "LIFO drain %p %p", a, b);
    void *x = P(0x77);
    st = e->pop(q, &x);
    check(st == CONC_CLOSED && x == P(0x77), "pop on drained closed: %s", sname(st));
    uint64_t t0 = now_ns();
    st = e->pop_wait(q, &x, CONC_FOREVER);
    check(st == CONC_CLOSED, "pop_wait(forever) on drained closed: %s", sname(st));
    check(now_ns() - t0 < 1000 * MS, "... at once");
    void *out[2];
    st = e->pop_many(q, out, 2, &n);
    check(st == CONC_CLOSED && n == 0, "pop_many on drained closed: %s", sname(st));
    e->destroy(q);
    check_group("%s: close: pushes CLOSED, pops drain then CLOSED, idempotent", e->name);
}

static atomic_size_t g_discarded;
static void discard_cb(void *item, void *arg)
{
    (void)arg;
    if (item != NULL)
        atomic_fetch_add(&g_discarded, 1);
}

static void t_close_now(const reg_entry *e)
{
    void *q = mk(e, 8, CONC_JOINABLE);
    fill(e, q, 5);
    atomic_store(&g_discarded, 0);
    size_t n = 0;
    int st = e->close_now(q, discard_cb, NULL, &n);
    check(st == CONC_OK, "close_now: %s", sname(st));
    check(n == 5 && atomic_load(&g_discarded) == 5, "discarded %zu, callback saw %zu",
          n, atomic_load(&g_discarded));
    void *x;
    check(e->pop(q, &x) == CONC_CLOSED, "pop after close_now: CLOSED");
    check(e->join(q, 0) == CONC_OK, "discarded items count as done: join(0) OK");
    check(e->task_done(q) == CONC_EINVAL, "and nothing is left to be done");
    st = e->close_now(q, NULL, NULL, &n);
    check(st == CONC_OK && n == 0, "close_now again: %s, %zu", sname(st), n);
    e->destroy(q);
    check_group("%s: close_now discards, counts and finishes the tasks", e->name);
}

static void t_timeouts(const reg_entry *e)
{
    void *q = mk(e, 2, 0);
    void *x = P(0x55);
    int st = e->pop_wait(q, &x, 0);
    check(st == CONC_EMPTY && x == P(0x55), "pop_wait(0) on empty: %s", sname(st));
    uint64_t t0 = now_ns();
    st = e->pop_wait(q, &x, 30 * MS);
    uint64_t dt = now_ns() - t0;
    check(st == CONC_TIMEDOUT && x == P(0x55), "pop_wait(30ms) on empty: %s", sname(st));
    check(dt >= 30 * MS, "... after %.1f ms (>= 30)", (double)dt / MS);
    if (!e->unbounded) {
        fill(e, q, 2);
        st = e->push_wait(q, P(9), 0);
        check(st == CONC_FULL, "push_wait(0) on full: %s", sname(st));
        t0 = now_ns();
        st = e->push_wait(q, P(9), 30 * MS);
        dt = now_ns() - t0;
        check(st == CONC_TIMEDOUT, "push_wait(30ms) on full: %s", sname(st));
        check(dt >= 30 * MS, "... after %.1f ms", (double)dt / MS);
        check(e->len(q) == 2, "the item stayed with the caller (len %zu)", e->len(q));
        void *a, *b;
        check(e->pop(q, &a) == CONC_OK && e->pop(q, &b) == CONC_OK &&
                  a != P(9) && b != P(9), "only the two fill items inside");
    } else {
        st = e->push_wait(q, P(9), 30 * MS);
        check(st == CONC_OK, "unbounded push_wait succeeds at once: %s", sname(st));
        check(e->pop_wait(q, &x, 0) == CONC_OK && x == P(9), "and pops");
    }
    e->destroy(q);
    check_group("%s: timeouts: 0 tries once, finite ones are honoured", e->name);
}

static void t_nowait(const reg_entry *e)
{
    void *q = mk(e, 2, CONC_NOWAIT);
    void *x;
    int fd = -1;
    check(e->pop_wait(q, &x, 1 * MS) == CONC_EINVAL, "pop_wait(1ms) is EINVAL");
    check(e->pop_wait(q, &x, 0) == CONC_EMPTY, "pop_wait(0) still tries");
    check(e->push_wait(q, P(1), CONC_FOREVER) == CONC_EINVAL, "push_wait(forever) is EINVAL");
    check(e->len(q) == 0, "and pushed nothing");
    check(e->fd(q, &fd) == CONC_EINVAL && fd == -1, "fd is EINVAL");
    check(e->push(q, P(1)) == CONC_OK && e->pop(q, &x) == CONC_OK && x == P(1),
          "push/pop work");
    check(e->close(q) == CONC_OK && e->pop(q, &x) == CONC_CLOSED, "close works");
    e->destroy(q);
    check_group("%s: CONC_NOWAIT refuses to wait, still pushes, pops, closes", e->name);
}

static void t_task_done(const reg_entry *e)
{
    void *q = mk(e, 4, CONC_JOINABLE);
    check(e->join(q, 0) == CONC_OK, "join(0) on a new queue: OK");
    check(e->task_done(q) == CONC_EINVAL, "task_done with nothing unfinished: EINVAL");
    check(e->push(q, P(1)) == CONC_OK && e->push(q, P(2)) == CONC_OK, "push 2");
    check(e->join(q, 0) == CONC_TIMEDOUT, "join(0) with 2 unfinished: TIMEDOUT");
    uint64_t t0 = now_ns();
    check(e->join(q, 20 * MS) == CONC_TIMEDOUT && now_ns() - t0 >= 20 * MS,
          "join(20ms): TIMEDOUT after 20 ms");
    void *x;
    check(e->pop(q, &x) == CONC_OK && e->task_done(q) == CONC_OK, "pop + task_done");
    check(e->join(q, 0) == CONC_TIMEDOUT, "one still unfinished");
    check(e->task_done(q) == CONC_OK, "task_done before the pop is allowed (Python too)");
    check(e->join(q, 0) == CONC_OK, "count 0: join(0) OK");
    check(e->task_done(q) == CONC_EINVAL, "beyond the count: EINVAL");
    check(e->join(q, 0) == CONC_OK, "... and changed nothing");
    check(e->pop(q, &x) == CONC_OK, "the item is still there");
    if (!e->unbounded) {
        fill(e, q, 4);
        check(e->push(q, P(9)) == CONC_FULL, "push on full");
        for (int i = 0; i < 4; i++)
            check(e->task_done(q) == CONC_OK, "task_done %d", i);
        check(e->task_done(q) == CONC_EINVAL, "a failed push did not count");
    }
    e->destroy(q);
    check_group("%s: task_done/join counts like Python's JoinableQueue", e->name);
}

/* ---- threads ------------------------------------------------------------ */

typedef struct {
    const reg_entry *e;
    void *q;
    int side; /* 0: pop_wait, 1: push_wait, 2: join, 3: pop + task_done */
    uint64_t timeout;
    int status;
    atomic_int started;
} waiter;

static void *waiter_main(void *arg)
{
    waiter *w = arg;
    void *x;
    atomic_store(&w->started, 1);
    switch (w->side) {
    case 0:
        w->status = w->e->pop_wait(w->q, &x, w->timeout);
        break;
    case 1:
        w->status = w->e->push_wait(w->q, P(0xABC), w->timeout);
        break;
    case 2:
        w->status = w->e->join(w->q, w->timeout);
        break;
    default:
        sleep_ms(30);
        w->status = w->e->pop(w->q, &x);
        if (w->status == CONC_OK)
            w->status = w->e->task_done(w->q);
        break;
    }
    return NULL;
}

static void start(waiter *w, int n, pthread_t *th)
{
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, waiter_main, &w[i]) != 0)
            bail_out("pthread_create");
    for (int i = 0; i < n; i++)
        while (!atomic_load(&w[i].started))
            sched_yield();
}

/* Close wakes every sleeper: 4 poppers on an empty container, and for a
 * bounded one 4 pushers on a full one. */
static void t_close_wakes(const reg_entry *e)
{
    enum { N = 4 };
    for (int side = 0; side < 2; side++) {
        if (side == 1 && e->unbounded)
            continue;
        void *q = mk(e, 1, 0);
        if (side == 1)
            fill(e, q, 1);
        waiter w[N];
        pthread_t th[N];
        for (int i = 0; i < N; i++)
            w[i] = (waiter){.e = e, .q = q, .side = side, .timeout = CONC_FOREVER};
        start(w, N, th);
        sleep_ms(50); /* let them fall asleep */
        e->close(q);
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            check(w[i].status == CONC_CLOSED, "%s waiter %d: %s",
                  side ? "push" : "pop", i, sname(w[i].status));
        }
        e->destroy(q);
    }
    check_group("%s: close wakes every waiting popper and pusher with CLOSED", e->name);
}

/* One push wakes a sleeping popper; one pop wakes a sleeping pusher; join
 * wakes when another thread finishes the last task. */
static void t_wakes(const reg_entry *e)
{
    void *q = mk(e, 1, CONC_JOINABLE);
    waiter w = {.e = e, .q = q, .side = 0, .timeout = CONC_FOREVER};
    pthread_t th;
    start(&w, 1, &th);
    sleep_ms(30);
    check(e->push(q, P(5)) == CONC_OK, "push");
    pthread_join(th, NULL);
    check(w.status == CONC_OK, "the sleeping popper got it: %s", sname(w.status));
    check(e->task_done(q) == CONC_OK, "task_done");
    if (!e->unbounded) {
        fill(e, q, 1);
        w = (waiter){.e = e, .q = q, .side = 1, .timeout = CONC_FOREVER};
        start(&w, 1, &th);
        sleep_ms(30);
        void *x;
        check(e->pop(q, &x) == CONC_OK && e->task_done(q) == CONC_OK, "pop");
        pthread_join(th, NULL);
        check(w.status == CONC_OK, "the sleeping pusher got in: %s", sname(w.status));
    } else {
        check(e->push(q, P(0xABC)) == CONC_OK, "push");
    }
    /* One item (0xABC) is unfinished; a joiner sleeps until a worker pops
     * it and calls task_done. */
    waiter j[2] = {{.e = e, .q = q, .side = 2, .timeout = CONC_FOREVER},
                   {.e = e, .q = q, .side = 3}};
    pthread_t jt[2];
    start(j, 2, jt);
    pthread_join(jt[0], NULL);
    pthread_join(jt[1], NULL);
    check(j[1].status == CONC_OK, "worker pop + task_done: %s", sname(j[1].status));
    check(j[0].status == CONC_OK, "join woke: %s", sname(j[0].status));
    e->destroy(q);
    check_group("%s: a push wakes a popper, a pop wakes a pusher, task_done wakes join",
                e->name);
}

/* ---- handoff storm ------------------------------------------------------ */

typedef struct {
    const reg_entry *e;
    void *q;
    int id;
    size_t n;           /* producer: items to push */
    uint64_t sum;       /* consumer: sum of items */
    size_t got;
    int last;
    size_t order_bad;
    uint64_t *last_seq; /* consumer: per-producer last sequence (queues) */
} hand;

#define NPROD 3
#define NCONS 3

static void *prod_main(void *arg)
{
    hand *h = arg;
    for (size_t i = 1; i <= h->n; i++) {
        uintptr_t v = ((uintptr_t)h->id << 40) | i;
        int st = h->e->push_wait(h->q, P(v), CONC_FOREVER);
        if (st != CONC_OK) {
            h->last = st;
            return NULL;
        }
    }
    h->last = CONC_OK;
    return NULL;
}

static void *cons_main(void *arg)
{
    hand *h = arg;
    void *x;
    int st;
    while ((st = h->e->pop_wait(h->q, &x, CONC_FOREVER)) == CONC_OK) {
        uintptr_t v = (uintptr_t)x;
        h->sum += v;
        h->got++;
        unsigned p = (unsigned)(v >> 40);
        uint64_t seq = v & ((1ull << 40) - 1);
        if (p < NPROD) {
            if (h->e->kind == REG_QUEUE && seq <= h->last_seq[p])
                h->order_bad++;
            h->last_seq[p] = seq;
        }
    }
    h->last = st;
    return NULL;
}

static void t_storm(const reg_entry *e, size_t cap)
{
    size_t per = (size_t)(100000 * g_scale);
    if (per < 500)
        per = 500;
    void *q = mk(e, cap, 0);
    hand p[NPROD], c[NCONS];
    pthread_t pt[NPROD], ct[NCONS];
    uint64_t want = 0;
    for (int i = 0; i < NCONS; i++) {
        c[i] = (hand){.e = e, .q = q, .id = i};
        c[i].last_seq = calloc(NPROD, sizeof(uint64_t));
        pthread_create(&ct[i], NULL, cons_main, &c[i]);
    }
    for (int i = 0; i < NPROD; i++) {
        p[i] = (hand){.e = e, .q = q, .id = i, .n = per};
        for (size_t k = 1; k <= per; k++)
            want += ((uint64_t)i << 40) | k;
        pthread_create(&pt[i], NULL, prod_main, &p[i]);
    }
    for (int i = 0; i < NPROD; i++) {
        pthread_join(pt[i], NULL);
        check(p[i].last == CONC_OK, "producer %d: %s", i, sname(p[i].last));
    }
    e->close(q);
    uint64_t sum = 0;
    size_t got = 0, bad = 0;
    for (int i = 0; i < NCONS; i++) {
        pthread_join(ct[i], NULL);
        check(c[i].last == CONC_CLOSED, "consumer %d ended with %s", i, sname(c[i].last));
        sum += c[i].sum;
        got += c[i].got;
        bad += c[i].order_bad;
        free(c[i].last_seq);
    }
    check(got == per * NPROD, "handoffs %zu of %zu", got, per * NPROD);
    check(sum == want, "every item exactly once (sum)");
    check(bad == 0, "per-producer FIFO held (%zu out of order)", bad);
    e->destroy(q);
    check_group("%s cap %zu: %d producers x %zu items through push_wait/pop_wait "
                "with %d consumers, then close", e->name, cap, NPROD, per, NCONS);
}

/* ---- event loop fd ------------------------------------------------------ */

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int fcntl_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

static void t_fd(const reg_entry *e)
{
    void *q = mk(e, 8, 0);
    check(e->push(q, P(1)) == CONC_OK, "push before the fd exists");
    int fd = -1, fd2 = -2;
    check(e->fd(q, &fd) == CONC_OK && fd >= 0, "fd: %d", fd);
    check(e->fd(q, &fd2) == CONC_OK && fd2 == fd, "the same fd again");
    check(readable(fd), "readable: an item was pushed before the fd was made");
    void *x;
    check(e->pop(q, &x) == CONC_OK && x == P(1), "pop it");
    check(readable(fd), "still readable: no pop has said EMPTY yet");
    check(e->pop(q, &x) == CONC_EMPTY, "pop: EMPTY");
    check(!readable(fd), "EMPTY cleared it");
    check(e->push(q, P(2)) == CONC_OK && readable(fd), "a push makes it readable");
    check(e->push(q, P(3)) == CONC_OK && readable(fd), "a second push keeps it so");
    check(e->pop(q, &x) == CONC_OK && e->pop(q, &x) == CONC_OK &&
              e->pop(q, &x) == CONC_EMPTY && !readable(fd),
          "drain to EMPTY clears it");
    check(e->close(q) == CONC_OK && readable(fd), "close makes it readable");
    check(e->pop(q, &x) == CONC_CLOSED && readable(fd), "and it stays readable");
    e->destroy(q); /* closes the eventfd */
    check(fcntl_closed(fd), "free closed the eventfd");
    check_group("%s: the eventfd follows the readiness rules of conc/wait.h", e->name);
}

typedef struct {
    const reg_entry *e;
    void *q;
    size_t n;
} loop_arg;

static void *loop_producer(void *arg)
{
    loop_arg *a = arg;
    for (size_t i = 1; i <= a->n; i++) {
        while (a->e->push(a->q, P(i)) == CONC_FULL)
            sched_yield();
        if (i % 64 == 0)
            sched_yield(); /* let the loop drain so it really sleeps */
    }
    a->e->close(a->q);
    return NULL;
}

/* One thread, epoll over the fds of two queues, a timeout; every item seen
 * exactly once, and the loop ends when both say CLOSED. */
static void t_fd_loop(const reg_entry *e)
{
    size_t n = (size_t)(20000 * g_scale);
    if (n < 200)
        n = 200;
    void *q[2] = {mk(e, 16, 0), mk(e, 16, 0)};
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int fd[2];
    for (int i = 0; i < 2; i++) {
        e->fd(q[i], &fd[i]);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev);
    }
    loop_arg la[2] = {{e, q[0], n}, {e, q[1], n}};
    pthread_t th[2];
    pthread_create(&th[0], NULL, loop_producer, &la[0]);
    pthread_create(&th[1], NULL, loop_producer, &la[1]);
    uint64_t sum[2] = {0, 0};
    size_t got[2] = {0, 0}, timeouts = 0;
    int open = 2, closed[2] = {0, 0};
    while (open > 0) {
        struct epoll_event ev[2];
        int k = epoll_wait(ep, ev, 2, 5000);
        if (k == 0) {
            if (++timeouts > 2)
                break; /* 15 s with nothing: a lost readiness */
            continue;
        }
        for (int j = 0; j < k; j++) {
            int i = (int)ev[j].data.u32;
            void *x;
            int st;
            while ((st = e->pop(q[i], &x)) == CONC_OK) {
                sum[i] += (uintptr_t)x;
                got[i]++;
            }
            if (st == CONC_CLOSED && !closed[i]) {
                closed[i] = 1;
                open--;
            }
        }
    }
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    for (int i = 0; i < 2; i++) {
        check(closed[i], "queue %d reached CLOSED through the loop", i);
        check(got[i] == n && sum[i] == (uint64_t)n * (n + 1) / 2,
              "queue %d: %zu of %zu items, each once", i, got[i], n);
        e->destroy(q[i]);
    }
    close(ep);
    check_group("%s: an epoll loop over two queues' fds sees %zu items each and both "
                "closes", e->name, n);
}

/* ---- issue 12 holes (wait) --------------------------------------------- */

typedef struct {
    const reg_entry *e;
    void *q;
    int fd;
    int st;
    atomic_int done;
} fd_call;

static void *fd_call_main(void *arg)
{
    fd_call *c = arg;
    c->st = c->e->fd(c->q, &c->fd);
    atomic_store(&c->done, 1);
    return NULL;
}

/* X_fd when eventfd() fails (EMFILE: RLIMIT_NOFILE lowered to the lowest
 * free descriptor): CONC_ESYS, and fd_state back to "none", so that the
 * next call, with the limit restored, makes the fd (wait.c's fd_f: without
 * the reset every later call spins for ever for a maker that gave up). */
static void t_fd_emfile(const reg_entry *e)
{
    void *q = mk(e, 4, 0);
    struct rlimit old, low;
    if (getrlimit(RLIMIT_NOFILE, &old) != 0)
        bail_out("getrlimit: %s", strerror(errno));
    int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (lowest < 0)
        bail_out("open /dev/null: %s", strerror(errno));
    close(lowest);
    /* Every descriptor below `lowest` is open, none at or above is
     * allowed: eventfd has nowhere to go. */
    low = old;
    low.rlim_cur = (rlim_t)lowest;
    if (setrlimit(RLIMIT_NOFILE, &low) != 0)
        bail_out("setrlimit(%d): %s", lowest, strerror(errno));
    int fd = -7;
    int st = e->fd(q, &fd);
    if (setrlimit(RLIMIT_NOFILE, &old) != 0)
        bail_out("setrlimit back: %s", strerror(errno));
    check(st == CONC_ESYS, "fd() with no descriptor free: %s", sname(st));
    /* The limit restored: the next call makes it.  In a thread, so that a
     * call spinning for a maker that gave up is a failure, not a hang. */
    fd_call c = {.e = e, .q = q, .fd = -1, .st = -1};
    pthread_t th;
    if (pthread_create(&th, NULL, fd_call_main, &c) != 0)
        bail_out("pthread_create");
    for (int i = 0; i < 2000 && !atomic_load(&c.done); i++)
        sleep_ms(1);
    if (!atomic_load(&c.done))
        bail_out("%s: fd() after a failed eventfd() did not return in 2 s "
                 "(waiting for a maker that gave up?)", e->name);
    pthread_join(th, NULL);
    check(c.st == CONC_OK && c.fd >= 0, "fd() with the limit restored: %s, %d",
          sname(c.st), c.fd);
    int fd2 = -2;
    check(e->fd(q, &fd2) == CONC_OK && fd2 == c.fd, "the same fd again: %d", fd2);
    void *x;
    check(c.st == CONC_OK && e->pop(q, &x) == CONC_EMPTY && !readable(c.fd),
          "the first drain clears it");
    check(e->push(q, P(1)) == CONC_OK && c.st == CONC_OK && readable(c.fd),
          "a push makes it readable");
    e->destroy(q);
    check_group("%s: fd() when eventfd() fails says CONC_ESYS, and a later "
                "call makes the fd", e->name);
}

#ifdef CONC_VERIFY
/* The BACKOFF points (each a try of the spin before a wait sleeps). */
static void count_backoff(conc_point *p, void *arg)
{
    if (p->phase == CONC_PHASE_PRE && p->kind == CONC_POINT_BACKOFF)
        (*(int *)arg)++;
}

/* conc__ws_verify_set_spin acts for the calls that follow, by itself
 * (verify_state.h): a maximum worked out under an earlier setting must
 * not outlive it, with no conc_verify_reset in between. */
static void t_set_spin(const reg_entry *e)
{
    void *q = mk(e, 1, 0);
    void *x;
    int tries[3] = {0, 0, 0};
    static const int64_t set[3] = {200, 0, 3};
    conc__ws_verify_set_spin(200);
    conc_verify_reset();
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            conc__ws_verify_set_spin(set[k]); /* and nothing else */
        conc_verify_set_hook2(count_backoff, &tries[k]);
        int st = e->pop_wait(q, &x, MS);
        conc_verify_set_hook2(NULL, NULL);
        check(st == CONC_TIMEDOUT, "pop_wait(1 ms) on an empty one: %s", sname(st));
    }
    conc__ws_verify_set_spin(-1);
    conc_verify_reset();
    check(tries[0] > 0, "set_spin(200): the wait spun (%d tries)", tries[0]);
    check(tries[1] == 0, "then set_spin(0): no try at all (%d)", tries[1]);
    check(tries[2] == 3, "then set_spin(3): 3 tries (%d)", tries[2]);
    e->destroy(q);
    check_group("%s: conc__ws_verify_set_spin takes effect at once, without "
                "a conc_verify_reset", e->name);
}

/* A v2 hook that makes the first weak compare-and-swap of src/wait.c fail
 * spuriously, as an LL/SC machine may (the door then writes the value it
 * found into *expected, and returns false).  The pid page's CAS is strong:
 * a spurious failure there would leave `expected` 0 and the caller using
 * page 0. */
typedef struct {
    int failed;
} spurious;

static void wait_cas_spurious(conc_point *p, void *arg)
{
    spurious *s = arg;
    if (p->phase != CONC_PHASE_PRE || p->kind != CONC_POINT_RMW ||
        p->rmw != CONC_RMW_CAS_WEAK || s->failed || !p->file ||
        !strstr(p->file, "wait.c"))
        return;
    s->failed++;
    p->handled = true;
    p->ok = false;
    p->result = p->width == 8 ? *(const uint64_t *)p->addr
                              : *(const uint32_t *)p->addr;
}

static void t_pid_page_cas(const reg_entry *e)
{
    conc_verify_reset(); /* no pid page: the next fd() makes it */
    void *q = mk(e, 2, 0);
    spurious s = {0};
    conc_verify_set_hook2(wait_cas_spurious, &s);
    int fd = -1;
    int st = e->fd(q, &fd);
    conc_verify_set_hook2(NULL, NULL);
    check(st == CONC_OK && fd >= 0, "fd() while weak CASes of wait.c may fail "
          "spuriously: %s, %d", sname(st), fd);
    check(e->push(q, P(1)) == CONC_OK && readable(fd), "a push makes it readable");
    e->destroy(q);
    conc_verify_reset();
    check_group("%s: the pid cache is made right when a weak CAS would fail "
                "spuriously (%d failed)", e->name, s.failed);
}
#endif

int main(void)
{
    g_scale = test_scale(0.2, 1.0, 0.1, NULL, NULL);
    tap_watchdog(300, "test_wait");
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind == REG_COUNTER || !selected(e->name))
            continue;
        diag("%s", e->name);
        t_close(e);
        t_close_now(e);
        t_timeouts(e);
        t_nowait(e);
        t_task_done(e);
        t_close_wakes(e);
        t_wakes(e);
        t_fd(e);
        t_fd_emfile(e); /* issue 12 holes (wait) */
#ifdef CONC_VERIFY
        t_set_spin(e);
        t_pid_page_cas(e);
#endif
        t_fd_loop(e);
        t_storm(e, 1);
        t_storm(e, 2);
    }
    done_testing();
    return tap_exit();
}
