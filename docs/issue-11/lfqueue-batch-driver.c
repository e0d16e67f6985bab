/* lfqueue-batch-driver.c - the batch measurements of docs/issue-11/lfqueue-batch.md:
 * conc_lfqueue's push_many/pop_many of 32 against push/pop, runs interleaved, medians.
 *   pair: one producer, one consumer (1P1C), items per second;
 *   solo: one thread pushes 32 items and pops them, again (no second thread,
 *         so the CPU cost per item, without the scheduler's time slicing).
 * Not built by meson: gcc -O2 -pthread -Iinclude docs/issue-11/lfqueue-batch-driver.c
 *   -Lbuild/release -lconc -Wl,-rpath,$PWD/build/release -o /tmp/lfqueue-batch
 * Run: /tmp/lfqueue-batch ITEMS RUNS PIN(0|1) SPIN(pause|yield).
 * Speed is reported, never asserted. */
#define _GNU_SOURCE
#include <conc/lfqueue.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static conc_lfqueue *Q;
static long N;
static int K, PIN, YIELD;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void pin(int c)
{
    if (!PIN)
        return;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(c, &s);
    pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void idle(unsigned *f)
{
    if (YIELD) {
        if ((++*f & 63) == 0)
            sched_yield();
    } else {
        __builtin_ia32_pause();
    }
}

static void *prod(void *a)
{
    (void)a;
    pin(0);
    void *buf[64];
    long i = 0;
    while (i < N) {
        if (K == 1) {
            if (conc_lfqueue_push(Q, (void *)(i + 1)) == CONC_OK)
                i++;
        } else {
            int k = K;
            if (N - i < k)
                k = (int)(N - i);
            for (int j = 0; j < k; j++)
                buf[j] = (void *)(i + j + 1);
            size_t got = 0;
            conc_lfqueue_push_many(Q, buf, (size_t)k, &got);
            i += (long)got;
        }
    }
    return 0;
}

static void *cons(void *a)
{
    (void)a;
    pin(1);
    void *buf[64];
    long i = 0, exp = 1;
    unsigned f = 0;
    while (i < N) {
        size_t got = 0;
        if (K == 1)
            got = conc_lfqueue_pop(Q, &buf[0]) == CONC_OK;
        else
            conc_lfqueue_pop_many(Q, buf, (size_t)K, &got);
        for (size_t j = 0; j < got; j++)
            if ((long)buf[j] != exp++) {
                fprintf(stderr, "order\n");
                exit(1);
            }
        i += (long)got;
        if (!got)
            idle(&f);
    }
    return 0;
}

static double pair(void)
{
    Q = conc_lfqueue_new(0);
    pthread_t a, b;
    double t0 = now();
    pthread_create(&a, 0, prod, 0);
    pthread_create(&b, 0, cons, 0);
    pthread_join(a, 0);
    pthread_join(b, 0);
    double r = N / (now() - t0) / 1e6;
    conc_lfqueue_free(Q);
    return r;
}

static double solo(void)
{
    pin(0);
    Q = conc_lfqueue_new(0);
    void *buf[64];
    double t0 = now();
    for (long i = 0; i < N; i += 32) {
        if (K == 1) {
            for (int j = 0; j < 32; j++)
                conc_lfqueue_push(Q, (void *)(i + j + 1));
            for (int j = 0; j < 32; j++)
                conc_lfqueue_pop(Q, &buf[j]);
        } else {
            for (int j = 0; j < 32; j++)
                buf[j] = (void *)(i + j + 1);
            size_t got;
            conc_lfqueue_push_many(Q, buf, 32, &got);
            conc_lfqueue_pop_many(Q, buf, 32, &got);
        }
        if (buf[31] != (void *)(i + 32)) {
            fprintf(stderr, "solo order\n");
            exit(1);
        }
    }
    double r = N / (now() - t0) / 1e6;
    conc_lfqueue_free(Q);
    return r;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return fprintf(stderr, "usage: ITEMS RUNS PIN SPIN\n"), 2;
    N = atol(argv[1]);
    int runs = atoi(argv[2]);
    PIN = atoi(argv[3]);
    YIELD = strcmp(argv[4], "yield") == 0;
    if (runs > 64)
        runs = 64;
    double res[2][2][64];
    const int ks[] = {1, 32};
    for (int r = 0; r < runs; r++)
        for (int m = 0; m < 2; m++)
            for (int q = 0; q < 2; q++) {
                K = ks[q];
                res[m][q][r] = m == 0 ? pair() : solo();
            }
    for (int m = 0; m < 2; m++) {
        for (int q = 0; q < 2; q++) {
            qsort(res[m][q], (size_t)runs, sizeof(double), cmp);
            printf("%s spin=%s pin=%d batch %2d: median %6.1f Mitems/s (min %6.1f max %6.1f)\n",
                   m ? "solo" : "1P1C", argv[4], PIN, ks[q], res[m][q][runs / 2],
                   res[m][q][0], res[m][q][runs - 1]);
        }
        printf("%s spin=%s pin=%d ratio batch32/single (medians): %.2f\n",
               m ? "solo" : "1P1C", argv[4], PIN,
               res[m][1][runs / 2] / res[m][0][runs / 2]);
    }
    return 0;
}
