/* Standalone counter comparison (issue 11, conc_sharded): in one process,
 * T threads each add 1 N times to
 *   faa     one shared word, relaxed fetch-and-add (inline)
 *   padded  one 128-byte-padded slot per thread, relaxed fetch-and-add (inline)
 *   sharded conc_sharded_add through a function pointer (as conc-bench's registry)
 *   old     the previous conc_sharded_add algorithm (TLS ticket, ticket % shards),
 *           same call path, compiled here
 *   conc_counter  conc_counter_add through a function pointer
 *   owned(call)   the ceiling of an owned slot: a cached slot, relaxed load
 *           and store, through a function pointer
 * Rows interleaved, R repetitions, median Mops/s (wall) and per CPU-second,
 * and ratios.  Build (docs/issue-11/counter-and-handoff.md):
 *   gcc -O2 -std=c11 -pthread -Iinclude docs/issue-11/counter-padded.c \
 *       build/release/libconc.a -o /tmp/counter-padded
 *   /tmp/counter-padded ADDS RUNS PIN(0|1)
 * Not a test and not built by meson: a measuring program for the note. */
#define _GNU_SOURCE
#include <conc/counter.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { _Alignas(128) _Atomic uint64_t v; char pad[120]; } slot;
static slot faa_word;
static slot padded[64];

/* old algorithm */
typedef struct { _Alignas(128) size_t shards; char pad[120]; slot slots[]; } old_s;
static _Atomic uint64_t old_next;
static _Thread_local uint64_t old_mine;
__attribute__((noinline)) static int old_add(void *o, int64_t d, int64_t *prev)
{
    (void)prev;
    old_s *s = o;
    if (s == NULL) return 5;
    if (old_mine == 0) old_mine = atomic_fetch_add_explicit(&old_next, 1, memory_order_relaxed) + 1;
    atomic_fetch_add_explicit(&s->slots[(old_mine - 1) % s->shards].v, (uint64_t)d, memory_order_relaxed);
    return 0;
}
__attribute__((noinline)) static int new_add(void *o, int64_t d, int64_t *prev)
{
    (void)prev;
    return conc_sharded_add(o, d);
}
__attribute__((noinline)) static int ctr_add(void *o, int64_t d, int64_t *prev)
{
    return conc_counter_add(o, d, prev);
}
/* a thread-owned slot: cache check + relaxed load + store, no lock */
static _Thread_local const void *own_key; static _Thread_local _Atomic uint64_t *own_slot;
__attribute__((noinline)) static int owned_add(void *o, int64_t d, int64_t *prev)
{
    (void)prev;
    if (o == NULL) return 5;
    if (own_key != o) return 5;
    _Atomic uint64_t *w = own_slot;
    atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) + (uint64_t)d, memory_order_relaxed);
    return 0;
}
typedef int (*add_fn)(void *, int64_t, int64_t *);
static add_fn volatile fn_old = old_add, fn_new = new_add, fn_ctr = ctr_add, fn_own = owned_add;

enum { FAA, PADDED, SHARDED, OLD, COUNTER, OWNED, NROWS };
static const char *names[] = {"faa", "padded", "conc_sharded", "old_sharded", "conc_counter", "owned(call)"};

typedef struct { int row, id; size_t n; void *obj; pthread_barrier_t *b; int pin; double cpu_ns; } job;
static double tcpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static uint64_t now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec; }
static _Atomic uint64_t t_start, t_end;

static void *work(void *a)
{
    job *j = a;
    if (j->pin) { cpu_set_t c; CPU_ZERO(&c); CPU_SET(j->id % 2, &c); pthread_setaffinity_np(pthread_self(), sizeof c, &c); }
    pthread_barrier_wait(j->b);
    uint64_t t0 = now(); double c0 = tcpu();
    uint64_t e = 0;
    while (!atomic_compare_exchange_weak(&t_start, &e, t0) && e > t0) ;
    switch (j->row) {
    case FAA: for (size_t i = 0; i < j->n; i++) atomic_fetch_add_explicit(&faa_word.v, 1, memory_order_relaxed); break;
    case PADDED: { _Atomic uint64_t *w = &padded[j->id].v; for (size_t i = 0; i < j->n; i++) atomic_fetch_add_explicit(w, 1, memory_order_relaxed); } break;
    case SHARDED: { add_fn f = fn_new; for (size_t i = 0; i < j->n; i++) f(j->obj, 1, NULL); } break;
    case COUNTER: { add_fn f = fn_ctr; for (size_t i = 0; i < j->n; i++) f(j->obj, 1, NULL); } break;
    case OWNED: { own_key = j->obj; own_slot = &padded[j->id].v; add_fn f = fn_own; for (size_t i = 0; i < j->n; i++) f(j->obj, 1, NULL); } break;
    case OLD: { add_fn f = fn_old; for (size_t i = 0; i < j->n; i++) f(j->obj, 1, NULL); } break;
    }
    uint64_t t1 = now(); j->cpu_ns = tcpu() - c0;
    e = atomic_load(&t_end);
    while (e < t1 && !atomic_compare_exchange_weak(&t_end, &e, t1)) ;
    return NULL;
}

static double cpu_rate;
static double run(int row, int T, size_t total, size_t shards, int pin)
{
    void *obj = NULL;
    if (row == SHARDED) obj = conc_sharded_new(shards);
    if (row == COUNTER) obj = conc_counter_new();
    if (row == OWNED) obj = &faa_word;
    if (row == OLD) { old_s *o = aligned_alloc(128, sizeof(old_s) + shards * sizeof(slot)); memset(o, 0, sizeof(old_s) + shards * sizeof(slot)); o->shards = shards; obj = o; }
    pthread_barrier_t b; pthread_barrier_init(&b, NULL, T);
    pthread_t th[16]; job j[16];
    atomic_store(&t_start, UINT64_MAX); atomic_store(&t_end, 0);
    for (int i = 0; i < T; i++) { j[i] = (job){row, i, total / T, obj, &b, pin}; pthread_create(&th[i], NULL, work, &j[i]); }
    for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
    double mops = (double)(total / T * T) / ((double)(t_end - t_start) / 1e3);
    cpu_rate = 0; for (int i = 0; i < T; i++) cpu_rate += (double)(total / T) / (j[i].cpu_ns / 1e3);
    if (row == SHARDED) { int64_t v; conc_sharded_read(obj, &v); if ((size_t)v != total / T * T) { fprintf(stderr, "bad total\n"); exit(1);} conc_sharded_free(obj); }
    if (row == OLD) free(obj);
    if (row == COUNTER) conc_counter_free(obj);
    pthread_barrier_destroy(&b);
    return mops;
}
static int cmpd(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv)
{
    size_t total = argc > 1 ? strtoull(argv[1], 0, 10) : 30000000;
    int R = argc > 2 ? atoi(argv[2]) : 5;
    int pin = argc > 3 ? atoi(argv[3]) : 0;
    size_t shards = 4;
    int Ts[] = {1, 2, 4};
    printf("adds %zu per run, %d runs, shards %zu, %s\n", total, R, shards, pin ? "pinned (thread i on CPU i mod 2)" : "unpinned");
    for (int ti = 0; ti < 3; ti++) {
        int T = Ts[ti];
        double m[NROWS][32], c[NROWS][32];
        for (int r = 0; r < R; r++) for (int row = 0; row < NROWS; row++) { m[row][r] = run(row, T, total, shards, pin); c[row][r] = cpu_rate; }
        double med[NROWS], cm[NROWS];
        for (int row = 0; row < NROWS; row++) { qsort(m[row], R, sizeof(double), cmpd); med[row] = m[row][R / 2]; qsort(c[row], R, sizeof(double), cmpd); cm[row] = c[row][R / 2]; }
        for (int row = 0; row < NROWS; row++)
            printf("%dT %-13s median %8.2f Mops/s (min %7.2f max %7.2f)  %.2fx faa  %.2fx padded | per CPU-second: %8.2f  %.2fx faa  %.2fx padded\n", T, names[row], med[row], m[row][0], m[row][R-1], med[row] / med[FAA], med[row] / med[PADDED], cm[row], cm[row] / cm[FAA], cm[row] / cm[PADDED]);
    }
    return 0;
}
