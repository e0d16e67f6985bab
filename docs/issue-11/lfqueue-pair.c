/* One thread: push then pop, n pairs, best of 5 rounds, ns per pair.
 * conc_lfqueue (this file) and liburcu's wfcqueue (-DWFCQ).  -DTHREADED:
 * create and join one idle thread first: glibc's mutex (wfcqueue's
 * dequeue lock) skips its atomic instructions while a process has never
 * had a second thread, which no multi-threaded user sees.
 *   gcc -O2 -I include lfqueue-pair.c build/release/libconc.a -lpthread
 *   gcc -O2 -DWFCQ [-DTHREADED] lfqueue-pair.c -lurcu-common -lurcu -lpthread */
#define _LGPL_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef WFCQ
#include <urcu/wfcqueue.h>
#else
#include <conc/lfqueue.h>
#endif
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
static void *idle(void *a) { return a; }
int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000000;
#ifdef THREADED
    pthread_t th;
    pthread_create(&th, 0, idle, 0);
    pthread_join(th, 0);
#else
    (void)idle;
#endif
#ifdef WFCQ
    struct cds_wfcq_head h;
    struct cds_wfcq_tail t;
    struct cds_wfcq_node nd;
    cds_wfcq_init(&h, &t);
#else
    conc_lfqueue *q = conc_lfqueue_new(0);
    void *x;
#endif
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
#ifdef WFCQ
            cds_wfcq_node_init(&nd);
            cds_wfcq_enqueue(&h, &t, &nd);
            if (!cds_wfcq_dequeue_blocking(&h, &t))
                abort();
#else
            conc_lfqueue_push(q, (void *)i);
            conc_lfqueue_pop(q, &x);
#endif
        }
        double dt = (now() - t0) / n * 1e9;
        if (dt < best)
            best = dt;
    }
    printf("ns/pair %.2f\n", best);
    return 0;
}
