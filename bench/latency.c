/*
 * latency.c - handoff latency through a blocking pop: how long an item
 * takes from the producer's push to the moment a consumer that was waiting
 * for it has it in hand.
 *
 * The producer reads CLOCK_MONOTONIC, puts the stamp in the item (the void *
 * value itself for in-process queues; the first 8 bytes of the message for
 * conc_shmring and the pipe) and pushes it.  The consumer sits in pop_wait
 * with a long timeout and, as soon as it returns, records now - stamp.
 * CLOCK_MONOTONIC is one clock for the whole machine, so the same holds
 * between processes.
 *
 * Steady pace (the default): one item every interval, so that the consumer
 * has given up spinning and is asleep in the futex when most items arrive:
 * the figure is then push + wake-up + the scheduler putting the consumer back
 * on a CPU.  Burst pace: `burst` items back to back, then a pause: the first
 * item of a burst wakes the consumer, the others are mostly found waiting,
 * and each one's latency includes the time it queued behind earlier ones.
 *
 * The producer sleeps with clock_nanosleep after setting its timer slack to
 * 1 ns (the default 50 us slack would stretch the interval, not the
 * latency).  Threads are not pinned.  The first WARMUP items of each run
 * (page faults, first hazard-pointer record, first futex) are not recorded.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <conc/shm.h>

#include "sys.h"

#define WARMUP 200u
/* How long either side waits before it calls the run failed. */
#define LAT_TIMEOUT_NS (10ull * 1000000000ull)
#define LAT_CAPACITY 1024u

typedef struct lat_msg {
    uint64_t stamp;
    uint64_t seq;
} lat_msg;

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u),
                          (long)(ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
        ;
}

/* Before item i (warm-up included): the pause the pace asks for. */
static void pace(const bench_lat_params *p, size_t i)
{
    uint64_t iv = (uint64_t)p->interval_us * 1000u;
    if (p->pace == PACE_STEADY)
        sleep_ns(iv);
    else if (i % p->burst == 0)
        sleep_ns(iv * p->burst);
}

static double vcsw(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return 0;
    return (double)ru.ru_nvcsw;
}

/* ------------------------------------------------------------------------ */
/* Two threads, a registry container                                         */

typedef struct thr_shared {
    const reg_entry *reg;
    void *obj;
    size_t total; /* warm-up included */
    uint64_t *ns;
    size_t got;
    int bad;
    double sleeps;
} thr_shared;

static void *thr_consumer(void *arg)
{
    thr_shared *sh = arg;
    double v0 = vcsw(RUSAGE_THREAD);
    size_t i = 0;
    for (; i < sh->total; i++) {
        void *item;
        int rc = sh->reg->pop_wait(sh->obj, &item, LAT_TIMEOUT_NS);
        uint64_t t = h_now_ns();
        if (rc != CONC_OK) {
            sh->bad = rc;
            break;
        }
        if (i >= WARMUP)
            sh->ns[i - WARMUP] = t - (uint64_t)(uintptr_t)item;
    }
    sh->sleeps = vcsw(RUSAGE_THREAD) - v0;
    sh->got = i;
    return NULL;
}

static void run_threads(const reg_entry *reg, const bench_lat_params *p,
                        bench_lat_run *out)
{
    thr_shared sh = {.reg = reg, .total = p->handoffs + WARMUP};
    errno = 0;
    sh.obj = reg->create_flags(LAT_CAPACITY, 0);
    if (!sh.obj) {
        snprintf(out->msg, sizeof out->msg, "conc_%s: create failed: %s",
                 reg->name, strerror(errno));
        return;
    }
    sh.ns = out->ns;
    pthread_t tid;
    int r = pthread_create(&tid, NULL, thr_consumer, &sh);
    if (r) {
        snprintf(out->msg, sizeof out->msg, "pthread_create: %s", strerror(r));
        reg->destroy(sh.obj);
        return;
    }
    int bad = CONC_OK;
    for (size_t i = 0; i < sh.total; i++) {
        pace(p, i);
        uint64_t stamp = h_now_ns();
        int rc = reg->push_wait(sh.obj, (void *)(uintptr_t)stamp,
                                LAT_TIMEOUT_NS);
        if (rc != CONC_OK) {
            bad = rc;
            reg->close(sh.obj); /* wakes the consumer: CLOSED */
            break;
        }
    }
    pthread_join(tid, NULL);
    reg->destroy(sh.obj);
    if (bad != CONC_OK || sh.bad != CONC_OK || sh.got != sh.total) {
        snprintf(out->msg, sizeof out->msg,
                 "conc_%s: push_wait %s, pop_wait %s after %zu of %zu items",
                 reg->name, conc_strerror(bad), conc_strerror(sh.bad), sh.got,
                 sh.total);
        return;
    }
    out->n = p->handoffs;
    out->sleeps = sh.sleeps / (double)sh.total;
    out->ok = true;
}

/* ------------------------------------------------------------------------ */
/* Two processes: conc_shmring or a pipe                                     */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *b = buf;
    while (len > 0) {
        ssize_t w = write(fd, b, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *b = buf;
    while (len > 0) {
        ssize_t r = read(fd, b, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        len -= (size_t)r;
    }
    return 0;
}

/* What the child sends back through the result pipe: this header, then
 * `got - WARMUP` latencies. */
typedef struct child_report {
    int status;    /* CONC_OK, or what went wrong */
    uint64_t got;  /* items received, warm-up included */
    double sleeps; /* voluntary context switches in the receive loop */
} child_report;

static void child_main(bench_lat_kind kind, conc_shmring *ring, int data_fd,
                       int res_fd, size_t total, uint64_t *ns)
{
    child_report rep = {.status = CONC_OK};
    double v0 = vcsw(RUSAGE_SELF);
    size_t i = 0;
    for (; i < total; i++) {
        lat_msg m;
        if (kind == LAT_SHMRING) {
            int rc = conc_shmring_pop_wait(ring, &m, LAT_TIMEOUT_NS);
            if (rc != CONC_OK) {
                rep.status = rc;
                break;
            }
        } else if (read_all(data_fd, &m, sizeof m) != 0) {
            rep.status = CONC_ESYS;
            break;
        }
        uint64_t t = h_now_ns();
        if (i >= WARMUP)
            ns[i - WARMUP] = t - m.stamp;
    }
    rep.sleeps = vcsw(RUSAGE_SELF) - v0;
    rep.got = i;
    int ok = write_all(res_fd, &rep, sizeof rep) == 0;
    if (ok && i > WARMUP)
        ok = write_all(res_fd, ns, (i - WARMUP) * sizeof *ns) == 0;
    _exit(ok ? 0 : 1);
}

/* The channel between the parent (producer) and the child (consumer):
 * conc_shmring or the data pipe, and the pipe the child reports through. */
typedef struct xproc {
    bench_lat_kind kind;
    conc_shmring *ring;
    int data[2], res[2];
} xproc;

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static bool xproc_open(xproc *x, bench_lat_run *out)
{
    if (x->kind == LAT_SHMRING) {
        conc_status st;
        x->ring = conc_shmring_create(NULL, LAT_CAPACITY, sizeof(lat_msg), 0,
                                      &st);
        if (!x->ring) {
            snprintf(out->msg, sizeof out->msg, "conc_shmring_create: %s (%s)",
                     conc_strerror(st), strerror(errno));
            return false;
        }
    } else if (pipe(x->data) != 0) {
        snprintf(out->msg, sizeof out->msg, "pipe: %s", strerror(errno));
        return false;
    }
    if (pipe(x->res) != 0) {
        snprintf(out->msg, sizeof out->msg, "pipe: %s", strerror(errno));
        return false;
    }
    return true;
}

static void xproc_close(xproc *x)
{
    for (int k = 0; k < 2; k++) {
        close_fd(&x->data[k]);
        close_fd(&x->res[k]);
    }
    if (x->ring)
        conc_shmring_detach(x->ring);
}

/* The parent's side: pace, stamp, push.  NULL, or what failed (*rc: the
 * push_wait status). */
static const char *parent_send(xproc *x, const bench_lat_params *p,
                               size_t total, int *rc_out)
{
    const bench_lat_kind kind = x->kind;
    conc_shmring *ring = x->ring;
    const char *fail = NULL;
    int rc = CONC_OK;
    for (size_t i = 0; i < total; i++) {
        pace(p, i);
        lat_msg m = {.stamp = h_now_ns(), .seq = i};
        if (kind == LAT_SHMRING) {
            rc = conc_shmring_push_wait(ring, &m, LAT_TIMEOUT_NS);
            if (rc != CONC_OK) {
                fail = "push_wait";
                conc_shmring_close(ring);
                break;
            }
        } else if (write_all(x->data[1], &m, sizeof m) != 0) {
            fail = "write";
            break;
        }
    }
    *rc_out = rc;
    return fail;
}

/* The child's report and latencies, then its exit.  Keeps an earlier
 * failure; otherwise NULL, or what failed. */
static const char *collect_child(xproc *x, pid_t pid, size_t total,
                                 uint64_t *ns, child_report *rep,
                                 const char *fail)
{
    memset(rep, 0, sizeof *rep);
    if (read_all(x->res[0], rep, sizeof *rep) != 0) {
        if (!fail)
            fail = "the child's report";
    } else if (rep->got > WARMUP &&
               read_all(x->res[0], ns, (rep->got - WARMUP) * sizeof *ns)) {
        if (!fail)
            fail = "the child's latencies";
    }
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    if (!fail && (rep->status != CONC_OK || rep->got != total))
        fail = "the child's receive loop";
    if (!fail && !(WIFEXITED(wst) && WEXITSTATUS(wst) == 0))
        fail = "the child's exit";
    return fail;
}

static void run_processes(bench_lat_kind kind, const bench_lat_params *p,
                          bench_lat_run *out)
{
    const char *name = kind == LAT_SHMRING ? "conc_shmring" : "pipe";
    size_t total = p->handoffs + WARMUP;
    xproc x = {.kind = kind, .data = {-1, -1}, .res = {-1, -1}};
    if (!xproc_open(&x, out))
        goto done;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->msg, sizeof out->msg, "fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        close(x.res[0]);
        if (x.data[1] >= 0)
            close(x.data[1]);
        child_main(kind, x.ring, x.data[0], x.res[1], total, out->ns);
    }
    close_fd(&x.res[1]);
    close_fd(&x.data[0]);

    int rc;
    const char *fail = parent_send(&x, p, total, &rc);
    close_fd(&x.data[1]); /* the pipe's child sees EOF */
    child_report rep;
    fail = collect_child(&x, pid, total, out->ns, &rep, fail);
    if (fail) {
        snprintf(out->msg, sizeof out->msg,
                 "%s: %s failed (%s; child status %s, %llu of %zu received)",
                 name, fail, conc_strerror(rc), conc_strerror(rep.status),
                 (unsigned long long)rep.got, total);
        goto done;
    }
    out->n = p->handoffs;
    out->sleeps = rep.sleeps / (double)total;
    out->ok = true;
done:
    xproc_close(&x);
}

void bench_latency_run(bench_lat_kind kind, const reg_entry *reg,
                       const bench_lat_params *p, bench_lat_run *out)
{
    memset(out, 0, sizeof *out);
    out->ns = malloc((p->handoffs ? p->handoffs : 1) * sizeof *out->ns);
    if (!out->ns) {
        snprintf(out->msg, sizeof out->msg, "out of memory");
        return;
    }
    memset(out->ns, 0, p->handoffs * sizeof *out->ns); /* fault in */
    /* The producer's sleeps: 1 ns of slack instead of 50 us.  Process-wide
     * enough: the children inherit it, and it only shortens sleeps. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (kind == LAT_REG)
        run_threads(reg, p, out);
    else
        run_processes(kind, p, out);
}
