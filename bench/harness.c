/*
 * harness.c - the timed runs: pair throughput and counters.
 *
 * Every structure, conc's or a peer's, goes through the same loops, the same
 * spin policy (BENCH_YIELD_EVERY) and the same clock.  All threads start
 * behind one barrier; each stamps CLOCK_MONOTONIC as it leaves the barrier,
 * and a run lasts from the earliest such stamp to the moment the last
 * consumer (or counting thread) is done.  Setup (allocation, touching
 * preallocated nodes) and the checks afterwards are outside the clock.
 *
 * The main thread sleeps while a run goes on, waking every 100 ms to look at
 * each worker's progress word.  If nothing moves for `stall_s` seconds, or
 * the run passes `timeout_s`, it raises the abort flag, which the workers
 * check where they yield.  A stall is a result, not an error: a blocking
 * algorithm with more threads than CPUs can stall for seconds when a thread
 * that others wait for is preempted, and the run is then counted at the rate
 * it achieved.  Lost, duplicated or corrupted items are errors, and are told
 * apart from stalls by draining the structure after every run and checking
 * counts and checksums against what was actually pushed.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Once the watchdog has fired, how long threads get to notice the abort
 * flag before the process gives up on them. */
#define BENCH_GRACE_S 30
/* How often the watchdog looks at progress. */
#define BENCH_WATCH_NS 100000000L

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "conc-bench: %s: %s\n", what, strerror(err));
    exit(1);
}

static void *aligned_zalloc(size_t align, size_t size)
{
    size_t rounded = (size + align - 1) / align * align;
    if (rounded == 0)
        rounded = align;
    void *p = aligned_alloc(align, rounded);
    if (!p)
        die("allocating", ENOMEM);
    memset(p, 0, rounded);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Run control, shared by both kinds of run                                  */

typedef struct run_ctl {
    pthread_barrier_t start;
    atomic_bool abort;      /* set by the watchdog */
    atomic_uint remaining;  /* workers not yet finished */
    sem_t done;             /* posted by the last worker to finish */
} run_ctl;

/* First member of every worker, on the worker's own lines (two lines per
 * worker: the adjacent-line prefetcher pairs them). */
typedef struct worker_head {
    _Alignas(128) _Atomic size_t progress; /* ops done, for the watchdog */
} worker_head;

static inline void set_progress(worker_head *h, size_t done)
{
    atomic_store_explicit(&h->progress, done, memory_order_relaxed);
}

static void ctl_init(run_ctl *ctl, unsigned n)
{
    int r = pthread_barrier_init(&ctl->start, NULL, n);
    if (r)
        die("pthread_barrier_init", r);
    atomic_init(&ctl->abort, false);
    atomic_init(&ctl->remaining, n);
    if (sem_init(&ctl->done, 0, 0) != 0)
        die("sem_init", errno);
}

static void ctl_destroy(run_ctl *ctl)
{
    pthread_barrier_destroy(&ctl->start);
    sem_destroy(&ctl->done);
}

/* A worker's last act, after its final timestamp. */
static void worker_finished(run_ctl *ctl)
{
    if (atomic_fetch_sub(&ctl->remaining, 1) == 1)
        sem_post(&ctl->done);
}

static bool aborted(run_ctl *ctl)
{
    return atomic_load_explicit(&ctl->abort, memory_order_relaxed);
}

typedef enum watch_end { W_FINISHED, W_STALLED, W_TIMEOUT } watch_end;

/* Wait for a run to end; fire the abort flag on a stall or at the timeout.
 * A worker that stays inside an operation BENCH_GRACE_S seconds after the
 * abort is stuck for good (a deadlock), and nothing sensible can follow:
 * the process exits.  Joins every thread. */
static watch_end watch(const char *label, run_ctl *ctl, pthread_t *tids,
                       const void *workers, size_t stride, unsigned n,
                       const bench_limits *lim)
{
    const uint64_t start = now_ns();
    uint64_t last_move = start;
    size_t seen = 0;
    watch_end end = W_FINISHED;
    for (;;) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += BENCH_WATCH_NS;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        if (sem_timedwait(&ctl->done, &dl) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            die("sem_timedwait", errno);
        size_t sum = 0;
        for (unsigned i = 0; i < n; i++) {
            const worker_head *h =
                (const worker_head *)((const char *)workers + i * stride);
            sum += atomic_load_explicit(&h->progress, memory_order_relaxed);
        }
        uint64_t t = now_ns();
        if (sum != seen) {
            seen = sum;
            last_move = t;
        } else if ((double)(t - last_move) >= lim->stall_s * 1e9) {
            end = W_STALLED;
            break;
        }
        if ((double)(t - start) >= lim->timeout_s * 1e9) {
            end = W_TIMEOUT;
            break;
        }
    }
    if (end != W_FINISHED) {
        atomic_store_explicit(&ctl->abort, true, memory_order_relaxed);
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += BENCH_GRACE_S;
        while (sem_timedwait(&ctl->done, &dl) != 0) {
            if (errno == EINTR)
                continue;
            if (errno != ETIMEDOUT)
                die("sem_timedwait", errno);
            fprintf(stderr,
                    "conc-bench: %s: %s, and %u thread(s) still inside an "
                    "operation %d s after the abort: deadlock; giving up\n",
                    label, end == W_STALLED ? "stalled" : "timed out",
                    atomic_load(&ctl->remaining), BENCH_GRACE_S);
            exit(1);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        int r = pthread_join(tids[i], NULL);
        if (r)
            die("pthread_join", r);
    }
    return end;
}

static void start_threads(pthread_t *tids, unsigned n, void *workers,
                          size_t stride, void *(*fn)(void *),
                          void *(*fn2)(void *), unsigned first_fn2)
{
    for (unsigned i = 0; i < n; i++) {
        int r = pthread_create(&tids[i], NULL, i < first_fn2 ? fn : fn2,
                               (char *)workers + i * stride);
        if (r)
            die("pthread_create", r);
    }
}

static double rate_mops(size_t ops, uint64_t t0, uint64_t t1)
{
    return t1 > t0 ? (double)ops / (double)(t1 - t0) * 1e3 : 0.0;
}

/* ------------------------------------------------------------------------ */
/* Pair throughput                                                           */

typedef struct pair_shared {
    const reg_entry *reg;
    const bench_peer_ops *peer;
    void *obj;
    run_ctl ctl;
    atomic_int bad_status; /* first unexpected conc status, or 0 */
} pair_shared;

typedef struct pair_worker {
    worker_head head;
    pair_shared *sh;
    unsigned id;     /* producer or consumer number */
    size_t base;     /* producers: global index of the first item */
    size_t count;    /* producers: items to push; consumers: items to pop */
    size_t done;     /* items actually pushed / popped */
    uint64_t fails;  /* attempts that found the structure full / empty */
    uint64_t sum;    /* consumers: sum of the values popped */
    uint64_t t0, t1; /* leaving the barrier; finishing */
} pair_worker;

/* Item values carry (producer, sequence) and are never NULL. */
static inline void *item_encode(unsigned producer, size_t seq)
{
    uint64_t v = ((uint64_t)(producer + 1) << 40) | (uint64_t)seq;
    return (void *)(uintptr_t)v;
}

/* Called after each failed attempt; true when the run was aborted. */
static inline bool spin_fail(unsigned *fails, pair_shared *sh)
{
    if ((++*fails % BENCH_YIELD_EVERY) == 0) {
        sched_yield();
        return aborted(&sh->ctl);
    }
    return false;
}

static void flag_bad(pair_shared *sh, int status)
{
    int none = 0;
    atomic_compare_exchange_strong(&sh->bad_status, &none, status);
    atomic_store_explicit(&sh->ctl.abort, true, memory_order_relaxed);
}

static void *producer_main(void *arg)
{
    pair_worker *w = arg;
    pair_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    const bench_peer_ops *peer = sh->peer;
    void *obj = sh->obj;
    size_t s = 0;
    uint64_t failed = 0;

    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = now_ns();
    if (reg) {
        for (; s < w->count; s++) {
            void *item = item_encode(w->id, s);
            unsigned fails = 0;
            int rc;
            while ((rc = reg->push(obj, item)) != CONC_OK) {
                if (rc != CONC_FULL) {
                    flag_bad(sh, rc);
                    goto out;
                }
                failed++;
                if (spin_fail(&fails, sh))
                    goto out;
            }
            set_progress(&w->head, s + 1);
        }
    } else {
        for (; s < w->count; s++) {
            void *item = item_encode(w->id, s);
            unsigned fails = 0;
            while (peer->push(obj, w->base + s, item) != 0) {
                failed++;
                if (spin_fail(&fails, sh))
                    goto out;
            }
            set_progress(&w->head, s + 1);
        }
    }
out:
    w->t1 = now_ns();
    w->done = s;
    w->fails = failed;
    worker_finished(&sh->ctl);
    return NULL;
}

static void *consumer_main(void *arg)
{
    pair_worker *w = arg;
    pair_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    const bench_peer_ops *peer = sh->peer;
    void *obj = sh->obj;
    uint64_t sum = 0, failed = 0;
    size_t got = 0;
    unsigned fails = 0;

    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = now_ns();
    while (got < w->count) {
        void *item;
        int rc = reg ? reg->pop(obj, &item)
                     : (peer->pop(obj, &item) == 0 ? CONC_OK : CONC_EMPTY);
        if (rc == CONC_OK) {
            sum += (uint64_t)(uintptr_t)item;
            got++;
            fails = 0;
            set_progress(&w->head, got);
        } else if (rc != CONC_EMPTY) {
            flag_bad(sh, rc);
            break;
        } else {
            failed++;
            if (spin_fail(&fails, sh))
                break;
        }
    }
    w->t1 = now_ns();
    w->done = got;
    w->fails = failed;
    w->sum = sum;
    worker_finished(&sh->ctl);
    return NULL;
}

/* After the threads are gone: pop whatever is left, single-threaded.  At
 * most `limit` pops, so a structure that never reports empty cannot hang
 * the check. */
static size_t drain(const pair_shared *sh, size_t limit, uint64_t *sum)
{
    size_t n = 0;
    void *item;
    while (n < limit) {
        int ok = sh->reg ? sh->reg->pop(sh->obj, &item) == CONC_OK
                         : sh->peer->pop(sh->obj, &item) == 0;
        if (!ok)
            break;
        *sum += (uint64_t)(uintptr_t)item;
        n++;
    }
    return n;
}

/*
 * Each consumer pops a fixed quota (total / C, the remainder spread), so no
 * shared "items popped" word is touched in the timed loop: such a word would
 * add one contended atomic per item to every structure and measure itself.
 */
void bench_pair_run(const char *label, const bench_container *c,
                    unsigned producers, unsigned consumers, size_t total,
                    size_t capacity, const bench_limits *lim, bench_result *res)
{
    memset(res, 0, sizeof *res);
    pair_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.reg = c->reg;
    sh.peer = c->peer;
    atomic_init(&sh.bad_status, 0);

    errno = 0;
    sh.obj = c->reg ? (c->reg->create_flags
                           ? c->reg->create_flags(capacity, c->flags)
                           : c->reg->create(capacity))
                    : c->peer->create(capacity, total);
    if (!sh.obj) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "create (capacity %zu) failed: %s",
                 capacity, errno ? strerror(errno) : "no reason given");
        return;
    }

    unsigned n = producers + consumers;
    pair_worker *w = aligned_zalloc(_Alignof(pair_worker), n * sizeof *w);
    pthread_t *tids = calloc(n, sizeof *tids);
    if (!tids)
        die("allocating", ENOMEM);
    ctl_init(&sh.ctl, n);

    size_t base = 0;
    for (unsigned i = 0; i < producers; i++) {
        w[i].sh = &sh;
        w[i].id = i;
        w[i].base = base;
        w[i].count = total / producers + (i < total % producers);
        base += w[i].count;
    }
    for (unsigned i = 0; i < consumers; i++) {
        pair_worker *cw = &w[producers + i];
        cw->sh = &sh;
        cw->id = i;
        cw->count = total / consumers + (i < total % consumers);
    }
    start_threads(tids, n, w, sizeof *w, producer_main, consumer_main,
                  producers);
    watch_end end = watch(label, &sh.ctl, tids, w, sizeof *w, n, lim);

    uint64_t t0 = UINT64_MAX, t1 = 0, sum = 0, expect_sum = 0;
    uint64_t full = 0, empty = 0;
    size_t pushed = 0, popped = 0;
    for (unsigned i = 0; i < n; i++) {
        if (w[i].t0 < t0)
            t0 = w[i].t0;
        if (i < producers) {
            pushed += w[i].done;
            full += w[i].fails;
            for (size_t s = 0; s < w[i].done; s++)
                expect_sum += (uint64_t)(uintptr_t)item_encode(i, s);
        } else {
            popped += w[i].done;
            empty += w[i].fails;
            sum += w[i].sum;
            if (w[i].t1 > t1)
                t1 = w[i].t1;
        }
    }
    size_t left = drain(&sh, pushed + 1, &sum);

    int bad = atomic_load(&sh.bad_status);
    res->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0.0;
    res->mops = rate_mops(popped, t0, t1);
    res->full_retries = popped ? (double)full / (double)popped : 0;
    res->empty_retries = popped ? (double)empty / (double)popped : 0;
    if (bad) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "unexpected status %s",
                 conc_strerror(bad));
    } else if (popped + left != pushed) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg,
                 "%zu items pushed, %zu popped and %zu left inside: items %s",
                 pushed, popped, left,
                 popped + left < pushed ? "lost" : "duplicated");
    } else if (sum != expect_sum) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg,
                 "checksum of popped items is wrong: items corrupted, or lost "
                 "and duplicated");
    } else if (end != W_FINISHED) {
        res->outcome = BENCH_STALLED;
        snprintf(res->msg, sizeof res->msg,
                 "%s: %s; aborted with %zu of %zu items pushed, %zu popped "
                 "(none lost)",
                 label,
                 end == W_STALLED ? "no item moved for the stall window"
                                  : "the run passed the timeout",
                 pushed, total, popped);
    } else {
        res->outcome = BENCH_DONE;
    }

    ctl_destroy(&sh.ctl);
    free(tids);
    free(w);
    if (c->reg)
        c->reg->destroy(sh.obj);
    else
        c->peer->destroy(sh.obj);
}

/* ------------------------------------------------------------------------ */
/* Single-thread push + pop                                                  */

#define SOLO_BATCH 64u

void bench_solo_run(const char *label, const bench_container *c, size_t total,
                    size_t capacity, bench_result *res)
{
    memset(res, 0, sizeof *res);
    const reg_entry *reg = c->reg;
    if (!reg) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "%s: solo runs are for conc "
                 "structures", label);
        return;
    }
    errno = 0;
    void *obj = reg->create_flags ? reg->create_flags(capacity, c->flags)
                                  : reg->create(capacity);
    if (!obj) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "create (capacity %zu) failed: %s",
                 capacity, errno ? strerror(errno) : "no reason given");
        return;
    }
    size_t batch = capacity < SOLO_BATCH ? capacity : SOLO_BATCH;
    uint64_t sum = 0, expect = 0;
    size_t moved = 0;
    int bad = CONC_OK;
    uint64_t t0 = now_ns();
    while (moved < total && bad == CONC_OK) {
        size_t k = total - moved < batch ? total - moved : batch;
        for (size_t i = 0; i < k; i++) {
            void *item = item_encode(0, moved + i);
            expect += (uint64_t)(uintptr_t)item;
            int rc = reg->push(obj, item);
            if (rc != CONC_OK) {
                bad = rc;
                k = i;
                break;
            }
        }
        for (size_t i = 0; i < k; i++) {
            void *item;
            int rc = reg->pop(obj, &item);
            if (rc != CONC_OK) {
                bad = rc;
                break;
            }
            sum += (uint64_t)(uintptr_t)item;
        }
        moved += k;
    }
    uint64_t t1 = now_ns();
    res->seconds = (double)(t1 - t0) / 1e9;
    res->mops = rate_mops(moved, t0, t1);
    if (bad != CONC_OK) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "%s: unexpected status %s", label,
                 conc_strerror(bad));
    } else if (sum != expect) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "%s: checksum of popped items is "
                 "wrong", label);
    } else {
        res->outcome = BENCH_DONE;
    }
    reg->destroy(obj);
}

/* ------------------------------------------------------------------------ */
/* Counters and the fetch-and-add ceiling                                    */

/* The word the ceiling threads hammer, alone on its lines. */
typedef struct faa_word {
    _Alignas(128) _Atomic uint64_t v;
} faa_word;

typedef struct counter_shared {
    const reg_entry *reg; /* NULL: the raw fetch-and-add ceiling */
    void *obj;
    faa_word *faa;
    run_ctl ctl;
    atomic_int bad_status;
} counter_shared;

typedef struct counter_worker {
    worker_head head;
    counter_shared *sh;
    size_t count;
    size_t done;
    uint64_t t0, t1;
} counter_worker;

/* Progress and the abort flag are looked at once per this many adds, the
 * same for every counter and for the ceiling. */
#define COUNTER_CHECK_EVERY 4096u

static void *counter_main(void *arg)
{
    counter_worker *w = arg;
    counter_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    void *obj = sh->obj;
    size_t i = 0;

    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = now_ns();
    if (reg) {
        for (; i < w->count; i++) {
            if (i % COUNTER_CHECK_EVERY == 0) {
                set_progress(&w->head, i);
                if (aborted(&sh->ctl))
                    break;
            }
            int rc = reg->add(obj, 1, NULL);
            if (rc != CONC_OK) {
                int none = 0;
                atomic_compare_exchange_strong(&sh->bad_status, &none, rc);
                break;
            }
        }
    } else {
        for (; i < w->count; i++) {
            if (i % COUNTER_CHECK_EVERY == 0) {
                set_progress(&w->head, i);
                if (aborted(&sh->ctl))
                    break;
            }
            /* Relaxed, as conc_counter's add: on x86 this is one lock xadd
             * whatever the order; the ceiling is the line's round trip. */
            atomic_fetch_add_explicit(&sh->faa->v, 1, memory_order_relaxed);
        }
    }
    w->t1 = now_ns();
    w->done = i;
    worker_finished(&sh->ctl);
    return NULL;
}

void bench_counter_run(const char *label, const reg_entry *reg,
                       unsigned threads, size_t adds, size_t shards,
                       const bench_limits *lim, bench_result *res)
{
    memset(res, 0, sizeof *res);
    counter_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.reg = reg;
    atomic_init(&sh.bad_status, 0);

    if (reg) {
        errno = 0;
        sh.obj = reg->create(shards);
        if (!sh.obj) {
            res->outcome = BENCH_FAILED;
            snprintf(res->msg, sizeof res->msg,
                     "create (%zu shards) failed: %s", shards,
                     errno ? strerror(errno) : "no reason given");
            return;
        }
    } else {
        sh.faa = aligned_zalloc(_Alignof(faa_word), sizeof *sh.faa);
        atomic_init(&sh.faa->v, 0);
    }

    counter_worker *w = aligned_zalloc(_Alignof(counter_worker),
                                       threads * sizeof *w);
    pthread_t *tids = calloc(threads, sizeof *tids);
    if (!tids)
        die("allocating", ENOMEM);
    ctl_init(&sh.ctl, threads);
    for (unsigned i = 0; i < threads; i++) {
        w[i].sh = &sh;
        w[i].count = adds / threads;
    }
    start_threads(tids, threads, w, sizeof *w, counter_main, counter_main,
                  threads);
    watch_end end = watch(label, &sh.ctl, tids, w, sizeof *w, threads, lim);

    uint64_t t0 = UINT64_MAX, t1 = 0;
    size_t done = 0;
    for (unsigned i = 0; i < threads; i++) {
        if (w[i].t0 < t0)
            t0 = w[i].t0;
        if (w[i].t1 > t1)
            t1 = w[i].t1;
        done += w[i].done;
    }

    int bad = atomic_load(&sh.bad_status);
    int64_t got = 0;
    int rrc = CONC_OK;
    if (reg)
        rrc = reg->read(sh.obj, &got);
    else
        got = (int64_t)atomic_load(&sh.faa->v);
    res->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0.0;
    res->mops = rate_mops(done, t0, t1);
    if (bad) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "add returned %s",
                 conc_strerror(bad));
    } else if (rrc != CONC_OK) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "read returned %s",
                 conc_strerror(rrc));
    } else if ((uint64_t)got != (uint64_t)done) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "read %lld after %zu adds of 1",
                 (long long)got, done);
    } else if (end != W_FINISHED) {
        res->outcome = BENCH_STALLED;
        snprintf(res->msg, sizeof res->msg,
                 "%s: %s; aborted after %zu of %zu adds", label,
                 end == W_STALLED ? "no add completed for the stall window"
                                  : "the run passed the timeout",
                 done, (adds / threads) * threads);
    } else {
        res->outcome = BENCH_DONE;
    }

    ctl_destroy(&sh.ctl);
    free(tids);
    free(w);
    if (reg)
        reg->destroy(sh.obj);
    else
        free(sh.faa);
}

/* ------------------------------------------------------------------------ */
/* How parallel the machine is right now                                    */

typedef struct probe_worker {
    _Alignas(128) pthread_barrier_t *start;
    uint64_t until;  /* CLOCK_MONOTONIC ns */
    double cpu_s;    /* CPU time this thread got */
} probe_worker;

static void *probe_main(void *arg)
{
    probe_worker *w = arg;
    pthread_barrier_wait(w->start);
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    while (now_ns() < w->until)
        ;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    w->cpu_s = (double)(b.tv_sec - a.tv_sec) +
               (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    return NULL;
}

double bench_parallelism(unsigned threads, double seconds)
{
    probe_worker *w =
        aligned_zalloc(_Alignof(probe_worker), threads * sizeof *w);
    pthread_t *tids = calloc(threads, sizeof *tids);
    pthread_barrier_t start;
    if (!tids)
        die("allocating", ENOMEM);
    int r = pthread_barrier_init(&start, NULL, threads + 1);
    if (r)
        die("pthread_barrier_init", r);
    for (unsigned i = 0; i < threads; i++) {
        w[i].start = &start;
        r = pthread_create(&tids[i], NULL, probe_main, &w[i]);
        if (r)
            die("pthread_create", r);
    }
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < threads; i++)
        w[i].until = t0 + (uint64_t)(seconds * 1e9);
    pthread_barrier_wait(&start);
    double cpu = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        cpu += w[i].cpu_s;
    }
    double wall = (double)(now_ns() - t0) / 1e9;
    pthread_barrier_destroy(&start);
    free(tids);
    free(w);
    return wall > 0 ? cpu / wall : 0;
}
