/*
 * test_counter_edges.c - conc_sharded and the wait spin at their edges, in
 * the normal build (the review of issue 11, docs/issue-11/):
 *
 *   1. adds from a signal handler that interrupts the thread's own adds
 *      (conc_sharded_add is async-signal-safe): 1 to 3 s of signals
 *      while the thread adds to its owned slot; the total is exact;
 *   2. two processes that share a conc_sharded made by conc_sharded_init
 *      in MAP_SHARED memory, each pid 1 of its own pid namespace (two
 *      containers' main processes), add at once; the total is exact
 *      (skipped where unshare(CLONE_NEWPID) is not permitted);
 *   3. CONC_WAIT_SPIN at its maximum (1000000, taken as the maximum,
 *      100000; set before the first wait: the variable is read once per
 *      process): a 1 ms pop_wait on an empty
 *      ring returns CONC_TIMEDOUT well within 50 ms, every time of 20 (a
 *      generous bound on a correctness property: the timeout counts from
 *      before the spin, and the spin stops at the deadline);
 *   4. a read begun after an add returned includes it (the interval
 *      conc_sharded promises), with the owner's light add (an unlocked
 *      addq whose store may sit in the store buffer after it returns) and
 *      the read's membarrier: one thread adds 1 at a time to its owned
 *      slot and takes the TSC after each add, another takes the TSC and
 *      then reads, and every read must hold at least the adds that ended
 *      before it began.  Without the read's fence this fails (seen: tens
 *      of thousands of such reads in 2 M); x86-64 only (the TSC; checked
 *      first to be ordered across the two threads);
 *   5. a child made by fork adds to and reads its copy of a counter of
 *      conc_sharded_new (its reads fence in the child's process);
 *   6. a seccomp filter that refuses membarrier (EPERM), installed after a
 *      counter was made: that counter's read says CONC_ESYS with errno
 *      EPERM and leaves *out alone, and a counter made after the filter
 *      takes the locked add and reads exactly (skipped where seccomp
 *      filters cannot be installed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <conc/counter.h>
#include <conc/ring.h>

#include "tap.h"

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ---- 1. adds from a signal handler --------------------------------------- */

#define SIG_DELTA 1000000
static conc_sharded *sig_counter;
static atomic_long sig_handled;
static atomic_int sig_done;
static pthread_t sig_target;

static void on_sig(int sig)
{
    (void)sig;
    conc_sharded_add(sig_counter, SIG_DELTA);
    atomic_fetch_add_explicit(&sig_handled, 1, memory_order_relaxed);
}

static void *sig_killer(void *arg)
{
    (void)arg;
    /* As fast as it can: each signal is a chance to land between the
     * owner's load and store, were they two instructions. */
    while (!atomic_load(&sig_done))
        pthread_kill(sig_target, SIGUSR1);
    return NULL;
}

static void test_signal_adds(void)
{
    sig_counter = conc_sharded_new(4);
    if (!sig_counter)
        bail_out("conc_sharded_new");
    sig_target = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        bail_out("sigaction");
    conc_sharded_add(sig_counter, 0); /* claim the slot */
    pthread_t k;
    if (pthread_create(&k, NULL, sig_killer, NULL) != 0)
        bail_out("pthread_create");
    long n = 0;
    /* 1 s of signals, or 3 s if fewer than 20000 came in the first (a
     * loaded machine delivers few). */
    int64_t t0 = now_ns(), end = t0 + 1000000000, last = t0 + 3000000000;
    while (now_ns() < end ||
           (atomic_load(&sig_handled) < 20000 && now_ns() < last))
        for (int i = 0; i < 100000; i++, n++)
            conc_sharded_add(sig_counter, 1);
    atomic_store(&sig_done, 1);
    pthread_join(k, NULL);
    signal(SIGUSR1, SIG_DFL);
    int64_t v = 0;
    conc_sharded_read(sig_counter, &v);
    long h = atomic_load(&sig_handled);
    int64_t want = (int64_t)n + (int64_t)SIG_DELTA * h;
    ok(h > 0 && v == want,
       "%ld adds of 1 by the owner, %ld of %d from a handler interrupting "
       "them: read %" PRId64 ", expected %" PRId64 " (lost %" PRId64 ")", n,
       h, SIG_DELTA, v, want, want - v);
    conc_sharded_free(sig_counter);
}

/* ---- 2. two pid namespaces, one shared counter --------------------------- */

enum { NS_ADDS = 20000000 };

static void test_pid_namespaces(void)
{
    size_t fp = conc_sharded_footprint(4);
    void *m = mmap(NULL, fp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    _Atomic int *go = mmap(NULL, sizeof(_Atomic int) * 3,
                           PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                           -1, 0);
    if (m == MAP_FAILED || go == MAP_FAILED)
        bail_out("mmap");
    if (conc_sharded_init(m, fp, 4) != CONC_OK)
        bail_out("conc_sharded_init");
    conc_sharded *s = m;
    atomic_store(&go[0], 0);
    atomic_store(&go[1], 0);
    atomic_store(&go[2], 0);
    pid_t kids[2];
    fflush(stdout);
    for (int k = 0; k < 2; k++) {
        pid_t mid = fork();
        if (mid < 0)
            bail_out("fork");
        if (mid == 0) {
            alarm(60);
            if (unshare(CLONE_NEWPID) != 0)
                _exit(77);
            pid_t c = fork(); /* pid 1 of the new namespace */
            if (c == 0) {
                if (getpid() != 1)
                    _exit(5);
                atomic_fetch_add(&go[1], 1);
                while (atomic_load(&go[0]) == 0)
                    sched_yield();
                for (int i = 0; i < NS_ADDS; i++)
                    conc_sharded_add(s, 1);
                _exit(0);
            }
            int st = 0;
            if (c < 0 || waitpid(c, &st, 0) != c)
                _exit(6);
            _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 7);
        }
        kids[k] = mid;
    }
    /* Both started (or one refused unshare: then go[1] stays short). */
    int64_t give_up = now_ns() + 10 * (int64_t)1000000000;
    while (atomic_load(&go[1]) < 2 && now_ns() < give_up) {
        int st;
        pid_t w = waitpid(-1, &st, WNOHANG);
        if (w > 0) { /* a child ended before the start: unshare refused */
            for (int k = 0; k < 2; k++)
                if (kids[k] == w)
                    kids[k] = -(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
            break;
        }
        sched_yield();
    }
    atomic_store(&go[0], 1);
    int codes[2];
    for (int k = 0; k < 2; k++) {
        if (kids[k] < 0) {
            codes[k] = -kids[k];
            continue;
        }
        int st = 0;
        waitpid(kids[k], &st, 0);
        codes[k] = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    }
    if (codes[0] == 77 || codes[1] == 77) {
        skip("unshare(CLONE_NEWPID) not permitted here: no pid-namespace "
             "test");
    } else {
        int64_t v = 0;
        conc_sharded_read(s, &v);
        ok(codes[0] == 0 && codes[1] == 0 && v == 2 * (int64_t)NS_ADDS,
           "two processes, each pid 1 of its own pid namespace, add to one "
           "conc_sharded in MAP_SHARED memory: read %" PRId64 ", expected %d "
           "(exits %d %d)", v, 2 * NS_ADDS, codes[0], codes[1]);
    }
    munmap(go, sizeof(_Atomic int) * 3);
    munmap(m, fp);
}

/* ---- 3. the largest spin and a short timeout ----------------------------- */

static void test_spin_timeout(void)
{
    conc_ring *r = conc_ring_new(8, 0);
    if (!r)
        bail_out("conc_ring_new");
    int64_t worst = 0;
    int timedout = 0;
    for (int i = 0; i < 20; i++) {
        void *x;
        int64_t t0 = now_ns();
        conc_status st = conc_ring_pop_wait(r, &x, 1000000);
        int64_t d = now_ns() - t0;
        timedout += st == CONC_TIMEDOUT;
        if (d > worst)
            worst = d;
    }
    ok(timedout == 20 && worst < 50000000,
       "CONC_WAIT_SPIN=%s: pop_wait(1 ms) on an empty ring timed out %d "
       "of 20 times, the longest in %.3f ms (bound 50 ms)",
       getenv("CONC_WAIT_SPIN"), timedout, (double)worst / 1e6);
    conc_ring_free(r);
}

/* ---- 4. a read includes the adds that ended before it began ---------- */
#if defined(__x86_64__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <x86intrin.h>

enum { IV_ADDS = 2000000, IV_ROUNDS = 6, IV_READS = 4000000 };
static uint64_t *iv_end;          /* iv_end[k]: TSC after add k+1 returned */
static uint64_t *iv_start, *iv_val; /* reads: TSC before, value */
static atomic_int iv_go, iv_done;
static conc_sharded *iv_s;

static inline uint64_t tsc(void)
{
    unsigned aux;
    uint64_t t = __rdtscp(&aux); /* after every earlier instruction */
    _mm_lfence();                /* before every later one */
    return t;
}

static void *iv_adder(void *arg)
{
    (void)arg;
    conc_sharded_add(iv_s, 0); /* the first add claims the owned slot */
    atomic_store(&iv_go, 1);
    for (int k = 0; k < IV_ADDS; k++) {
        conc_sharded_add(iv_s, 1);
        iv_end[k] = tsc();
    }
    atomic_store(&iv_done, 1);
    return NULL;
}

/* Is the TSC ordered across two threads here?  A stores its TSC, B takes
 * its own after seeing the store: B's must not be earlier. */
/* Both ways: each side stores its TSC in its word when it sees the other's,
 * and checks its own against the other's stamp. */
static atomic_uint_fast64_t pp_a, pp_b;
static void *pp_thread(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < 2000; i++) {
        uint64_t t;
        while ((t = atomic_load(&pp_a)) == 0)
            ;
        atomic_store(&pp_a, 0);
        uint64_t mine = tsc();
        if (mine < t)
            (*bad)++;
        atomic_store(&pp_b, mine);
    }
    return NULL;
}

static void test_read_interval(void)
{
    /* Where membarrier is refused the counters take the locked add and
     * this check would pass without testing the light path: say so. */
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                0) != 0) {
        skip("membarrier(PRIVATE_EXPEDITED) is refused here: conc_sharded "
             "uses the locked add, so the light add's read interval is not "
             "tested");
        return;
    }
    int bad = 0, bad_main = 0;
    pthread_t t;
    pthread_create(&t, NULL, pp_thread, &bad);
    for (int i = 0; i < 2000; i++) {
        atomic_store(&pp_a, tsc());
        uint64_t u;
        while ((u = atomic_load(&pp_b)) == 0)
            ;
        atomic_store(&pp_b, 0);
        if (tsc() < u)
            bad_main++;
    }
    pthread_join(t, NULL);
    if (bad || bad_main) {
        skip("the TSC is not ordered across threads here (%d and %d of 2000)",
             bad, bad_main);
        return;
    }
    iv_end = calloc(IV_ADDS, sizeof *iv_end);
    iv_start = calloc(IV_READS, sizeof *iv_start);
    iv_val = calloc(IV_READS, sizeof *iv_val);
    if (!iv_end || !iv_start || !iv_val)
        bail_out("calloc");
    long bad_reads = 0, reads = 0, errs = 0;
    for (int r = 0; r < IV_ROUNDS; r++) {
        iv_s = conc_sharded_new(4);
        if (!iv_s)
            bail_out("conc_sharded_new");
        atomic_store(&iv_go, 0);
        atomic_store(&iv_done, 0);
        pthread_create(&t, NULL, iv_adder, NULL);
        while (!atomic_load(&iv_go))
            ;
        size_t n = 0;
        while (!atomic_load(&iv_done) && n < IV_READS) {
            int64_t v = 0;
            iv_start[n] = tsc();
            if (conc_sharded_read(iv_s, &v) != CONC_OK)
                errs++;
            iv_val[n++] = (uint64_t)v;
        }
        pthread_join(t, NULL);
        /* Reads are in TSC order, and so are the adds' ends. */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            while (k < IV_ADDS && iv_end[k] < iv_start[i])
                k++;
            if (iv_val[i] < k)
                bad_reads++;
        }
        reads += (long)n;
        conc_sharded_free(iv_s);
    }
    ok(errs == 0 && bad_reads == 0 && reads > 0,
       "%ld reads during %d x %d adds: %ld missed an add that had returned "
       "before the read began (read errors: %ld)",
       reads, IV_ROUNDS, (int)IV_ADDS, bad_reads, errs);
    free(iv_end);
    free(iv_start);
    free(iv_val);
}
#else
static void test_read_interval(void)
{
    skip("the read-interval check uses the x86-64 TSC");
}
#endif

/* ---- 5. a child of fork reads its copy -------------------------------- */
static void test_fork_child_reads(void)
{
    conc_sharded *s = conc_sharded_new(4);
    if (!s)
        bail_out("conc_sharded_new");
    conc_sharded_add(s, 7); /* the parent's thread owns a slot */
    pid_t pid = fork();
    if (pid == 0) {
        int rc = 0;
        for (int i = 0; i < 1000; i++)
            conc_sharded_add(s, 1);
        int64_t v = 0;
        if (conc_sharded_read(s, &v) != CONC_OK)
            rc = 2;
        else if (v != 1007)
            rc = 3;
        _exit(rc);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    int64_t v = 0;
    conc_status rs = conc_sharded_read(s, &v);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && rs == CONC_OK && v == 7,
       "a child of fork adds to its copy and reads it exactly (child exit "
       "%d; 2: read failed, 3: wrong total), the parent's stays 7 (%" PRId64
       ")", WIFEXITED(st) ? WEXITSTATUS(st) : -1, v);
    conc_sharded_free(s);
}

/* ---- 6. membarrier refused after the first counter ------------------- */
#if defined(__linux__)
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* 0, or -1 if the filter could not be installed. */
static int refuse_membarrier(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ? 0 : -1;
}

static void test_membarrier_refused(void)
{
    conc_sharded *s = conc_sharded_new(4);
    if (!s)
        bail_out("conc_sharded_new");
    conc_sharded_add(s, 5);
    pid_t pid = fork();
    if (pid == 0) {
        if (refuse_membarrier() != 0)
            _exit(10);
        int64_t v = -12345;
        errno = 0;
        conc_status st = conc_sharded_read(s, &v);
        /* A light counter: ESYS/EPERM, *out untouched.  (Where membarrier
         * was refused from the start, s took the locked add: OK, 5.) */
        int light_ok = st == CONC_ESYS && errno == EPERM && v == -12345;
        int locked_ok = st == CONC_OK && v == 5;
        if (!light_ok && !locked_ok)
            _exit(2);
        conc_sharded *s2 = conc_sharded_new(4);
        if (!s2)
            _exit(3);
        for (int i = 0; i < 1000; i++)
            conc_sharded_add(s2, 1);
        v = -1;
        if (conc_sharded_read(s2, &v) != CONC_OK || v != 1000)
            _exit(4);
        conc_sharded_free(s2);
        _exit(light_ok ? 0 : 11);
    }
    int ws = -1;
    waitpid(pid, &ws, 0);
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    if (code == 10)
        skip("a seccomp filter cannot be installed here");
    else
        ok(code == 0 || code == 11,
           "membarrier refused after a counter was made: its read says "
           "CONC_ESYS (EPERM) and leaves *out alone, a counter made after "
           "takes the locked add and reads 1000 (child exit %d; 2: first "
           "read, 3: new, 4: second read; 11: the first counter had the "
           "locked add already)", code);
    conc_sharded_free(s);
}
#else
static void test_membarrier_refused(void)
{
    skip("seccomp is Linux's");
}
#endif

int main(void)
{
    tap_watchdog(120, "test_counter_edges");
    /* Before any wait: the variable is read once per process (a value
     * above the maximum is taken as the maximum, 100000). */
    setenv("CONC_WAIT_SPIN", "1000000", 1);
    test_signal_adds();
    test_pid_namespaces();
    test_spin_timeout();
    test_read_interval();
    test_fork_child_reads();
    test_membarrier_refused();
    done_testing();
    return tap_exit();
}
