/*
 * runctl.c - run control and the watchdog shared by the pair and counter
 * runs (runctl.h).
 */
#include "runctl.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys.h"

/* Once the watchdog has fired, how long threads get to notice the abort
 * flag before the process gives up on them. */
#define BENCH_GRACE_S 30
/* How often the watchdog looks at progress. */
#define BENCH_WATCH_NS 100000000L

void bench_die(const char *what, int err)
{
    fprintf(stderr, "conc-bench: %s: %s\n", what, strerror(err));
    exit(1);
}

void *bench_aligned_zalloc(size_t align, size_t size)
{
    size_t rounded = (size + align - 1) / align * align;
    if (rounded == 0)
        rounded = align;
    void *p = aligned_alloc(align, rounded);
    if (!p)
        bench_die("allocating", ENOMEM);
    memset(p, 0, rounded);
    return p;
}

void ctl_init(run_ctl *ctl, unsigned n)
{
    int r = pthread_barrier_init(&ctl->start, NULL, n);
    if (r)
        bench_die("pthread_barrier_init", r);
    atomic_init(&ctl->abort, false);
    atomic_init(&ctl->remaining, n);
    if (sem_init(&ctl->done, 0, 0) != 0)
        bench_die("sem_init", errno);
}

void ctl_destroy(run_ctl *ctl)
{
    pthread_barrier_destroy(&ctl->start);
    sem_destroy(&ctl->done);
}

void worker_finished(run_ctl *ctl)
{
    if (atomic_fetch_sub(&ctl->remaining, 1) == 1)
        sem_post(&ctl->done);
}

/* An absolute CLOCK_REALTIME deadline `ns` from now, for sem_timedwait. */
static struct timespec deadline_in(long sec, long ns)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += sec;
    dl.tv_nsec += ns;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    return dl;
}

static size_t progress_sum(const void *workers, size_t stride, unsigned n)
{
    size_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        const worker_head *h =
            (const worker_head *)((const char *)workers + i * stride);
        sum += atomic_load_explicit(&h->progress, memory_order_relaxed);
    }
    return sum;
}

/* Sleep in steps of BENCH_WATCH_NS until the last worker is done, nothing
 * moved for the stall window, or the run passed the timeout. */
static watch_end wait_for_end(run_ctl *ctl, const void *workers,
                              size_t stride, unsigned n,
                              const bench_limits *lim)
{
    const uint64_t start = h_now_ns();
    uint64_t last_move = start;
    size_t seen = 0;
    for (;;) {
        struct timespec dl = deadline_in(0, BENCH_WATCH_NS);
        if (sem_timedwait(&ctl->done, &dl) == 0)
            return W_FINISHED;
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            bench_die("sem_timedwait", errno);
        size_t sum = progress_sum(workers, stride, n);
        uint64_t t = h_now_ns();
        if (sum != seen) {
            seen = sum;
            last_move = t;
        } else if ((double)(t - last_move) >= lim->stall_s * 1e9) {
            return W_STALLED;
        }
        if ((double)(t - start) >= lim->timeout_s * 1e9)
            return W_TIMEOUT;
    }
}

/* After the abort flag: the workers get BENCH_GRACE_S to finish. */
static void wait_after_abort(const char *label, run_ctl *ctl, watch_end end)
{
    atomic_store_explicit(&ctl->abort, true, memory_order_relaxed);
    struct timespec dl = deadline_in(BENCH_GRACE_S, 0);
    while (sem_timedwait(&ctl->done, &dl) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            bench_die("sem_timedwait", errno);
        fprintf(stderr,
                "conc-bench: %s: %s, and %u thread(s) still inside an "
                "operation %d s after the abort: deadlock; giving up\n",
                label, end == W_STALLED ? "stalled" : "timed out",
                atomic_load(&ctl->remaining), BENCH_GRACE_S);
        exit(1);
    }
}

watch_end watch(const char *label, run_ctl *ctl, pthread_t *tids,
                const void *workers, size_t stride, unsigned n,
                const bench_limits *lim)
{
    watch_end end = wait_for_end(ctl, workers, stride, n, lim);
    if (end != W_FINISHED)
        wait_after_abort(label, ctl, end);
    for (unsigned i = 0; i < n; i++) {
        int r = pthread_join(tids[i], NULL);
        if (r)
            bench_die("pthread_join", r);
    }
    return end;
}

/* ------------------------------------------------------------------------ */
/* The policy: spinning and pinning                                          */

static bench_policy policy = {SPIN_YIELD, false};

void bench_set_policy(const bench_policy *p)
{
    policy = *p;
}

const bench_policy *bench_get_policy(void)
{
    return &policy;
}

const char *bench_spin_name(bench_spin s)
{
    return s == SPIN_PAUSE ? "pause" : "yield";
}

/* The k-th CPU (mod their number) of those this process may run on, or -1
 * when the mask cannot be read. */
static int nth_allowed_cpu(unsigned k)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    int count = CPU_COUNT(&set);
    if (count <= 0)
        return -1;
    unsigned want = k % (unsigned)count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set) && want-- == 0)
            return cpu;
    return -1;
}

/* Thread i is created already bound to its CPU, so that it never starts
 * on another one (the attribute does it before the thread runs). */
void start_threads(pthread_t *tids, unsigned n, void *workers, size_t stride,
                   void *(*fn)(void *), void *(*fn2)(void *),
                   unsigned first_fn2)
{
    for (unsigned i = 0; i < n; i++) {
        pthread_attr_t attr, *ap = NULL;
        int cpu = policy.pin ? nth_allowed_cpu(i) : -1;
        if (cpu >= 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            int r = pthread_attr_init(&attr);
            if (r)
                bench_die("pthread_attr_init", r);
            r = pthread_attr_setaffinity_np(&attr, sizeof one, &one);
            if (r)
                bench_die("pthread_attr_setaffinity_np", r);
            ap = &attr;
        }
        int r = pthread_create(&tids[i], ap, i < first_fn2 ? fn : fn2,
                               (char *)workers + i * stride);
        if (r)
            bench_die("pthread_create", r);
        if (ap)
            pthread_attr_destroy(ap);
    }
}

double rate_mops(size_t ops, uint64_t t0, uint64_t t1)
{
    return t1 > t0 ? (double)ops / (double)(t1 - t0) * 1e3 : 0.0;
}
