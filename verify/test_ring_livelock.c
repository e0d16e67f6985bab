/* test_ring_livelock.c - ring_scan_livelock: the adversarial schedule that
 * livelocked conc_ring after the first fix of issue 8's defect 3 (found by
 * review): two poppers whose budget is spent scan for an item ahead, each
 * moving Head under the other's scan, so every scan said "maybe", restored
 * the threshold and went on, while two pushers were overtaken at every try:
 * no operation completed in 20000 rounds.  A step scheduler over the verify
 * hook runs each thread one atomic operation at a time and follows that
 * strategy; the test passes when the schedule can no longer be kept up
 * because some operation completed or took another path ("broke"), fails
 * when 20000 rounds pass without that.  It reads Head, Tail and the
 * threshold through a copy of ring.c's private layout, checked against
 * the values a fresh ring must have, so a layout change fails loudly.
 * Built against libconc-verify only. */
#include "internal/atomics.h"
#include "internal/pad.h"
#include "internal/ring_impl.h"
#include "internal/verify.h"
#include "internal/waitset.h"
#include <conc/conc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* struct conc_ring: the layout, from internal/ring_impl.h */

typedef struct st {
    void (*fn)(struct st *);
    pthread_t tid;
    atomic_int kind;
    atomic_ulong arr;
    atomic_int go;
    atomic_int done;
    conc_status rc;
    const char *name;
} st_t;
static _Thread_local st_t *self;
/* Steps are atomic operations: the other kinds of schedule point (pauses,
 * futexes, mutexes, the clock) run through, so a wake-up or a clock read
 * never counts as a step of the strategy. */
static void hook(int kind, void *a) {
    (void)a;
    st_t *t = self;
    if (!t || kind > CONC_POINT_FENCE)
        return;
    atomic_store(&t->kind, kind);
    atomic_fetch_add(&t->arr, 1);
    while (!atomic_load(&t->go))
        sched_yield();
    atomic_store(&t->go, 0);
}
static void *tmain(void *p) {
    st_t *t = p;
    self = t;
    t->fn(t);
    self = NULL;
    atomic_store(&t->done, 1);
    return NULL;
}
static void start(st_t *t) {
    pthread_create(&t->tid, NULL, tmain, t);
    while (!atomic_load(&t->arr) && !atomic_load(&t->done))
        sched_yield();
}
static void step(st_t *t) {
    if (atomic_load(&t->done))
        return;
    unsigned long a = atomic_load(&t->arr);
    atomic_store(&t->go, 1);
    while (atomic_load(&t->arr) == a && !atomic_load(&t->done))
        sched_yield();
}

static conc_ring *ring;
static void pushf(st_t *t) { t->rc = conc_ring_push(ring, (void *)0x10); }
static void popf(st_t *t) {
    void *x;
    t->rc = conc_ring_pop(ring, &x);
}
#define HEAD() atomic_load(&ring->aq.head.v)
#define TAIL() (atomic_load(&ring->aq.tail.v) & ~(1ull << 63))
#define THR() ((int64_t)atomic_load(&ring->aq.threshold.v))
static void die(const char *m, st_t *t) {
    printf("ok 2 - ring_scan_livelock: the schedule broke within the rounds: "
           "%s (%s done rc=%d)\n1..2\n",
           m, t->name, t->rc);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    ring = conc_ring_new(4, 0);
    void *x;
    conc_ring_push(ring, (void *)1);
    conc_ring_pop(ring, &x); /* threshold = 3n-1 */
    conc_verify_set_hook(hook, NULL);
    st_t E[2] = {{.fn = pushf, .name = "E0"}, {.fn = pushf, .name = "E1"}},
         D[2] = {{.fn = popf, .name = "D0"}, {.fn = popf, .name = "D1"}};
    for (int i = 0; i < 2; i++) {
        uint64_t t0 = TAIL();
        start(&E[i]);
        while (TAIL() == t0) {
            step(&E[i]);
            if (E[i].done)
                die("E", &E[i]);
        }
    }
    for (int i = 0; i < 2; i++) {
        start(&D[i]);
        while (atomic_load(&D[i].kind) != CONC_POINT_RMW) {
            step(&D[i]);
            if (D[i].done)
                die("D start", &D[i]);
        }
    }
    printf("# start: head=%llu tail=%llu thr=%lld\n",
           (unsigned long long)HEAD(), (unsigned long long)TAIL(),
           (long long)THR());
    if (HEAD() != 17 || TAIL() != 19 || THR() != 23) {
        printf("not ok 1 - the ring's layout as this test reads it (head 17, "
               "tail 19, threshold 23)\n1..1\n");
        fflush(stdout);
        _exit(1);
    }
    printf("ok 1 - the ring's layout as this test reads it (head 17, tail 19, "
           "threshold 23)\n");
    int x_ = 0, ea = 0;
    int scanning[2] = {0, 0};
    long scans = 0, restores = 0;
    for (long r = 0; r < rounds; r++) {
        st_t *d = &D[x_];
        if (scanning[x_]) { /* finish its scan: loads, then threshold load,
                               maybe CAS */
            while (atomic_load(&d->kind) != CONC_POINT_RMW) {
                step(d);
                if (d->done)
                    die("scan said empty", d);
            }
            if (THR() < 0) {
                int64_t b = THR();
                step(d);
                if (THR() != b)
                    restores++;
            }
            scanning[x_] = 0;
        }
        uint64_t h0 = HEAD();
        step(d);
        if (HEAD() != h0 + 1)
            die("no head faa", d);
        int64_t t0 = THR();
        while (THR() == t0) {
            step(d);
            if (d->done)
                die("D returned", d);
        }
        uint64_t tl = TAIL();
        while (TAIL() == tl) {
            step(&E[ea]);
            if (E[ea].done)
                die("E returned", &E[ea]);
        }
        if (atomic_load(&d->kind) == CONC_POINT_LOAD) {
            scanning[x_] = 1;
            scans++;
            step(d); /* loads Head */
        }
        x_ ^= 1;
        ea ^= 1;
        if (r % 5000 == 0)
            printf("# round %ld head=%llu tail=%llu thr=%lld scans=%ld "
                   "restores=%ld\n",
                   r, (unsigned long long)HEAD(), (unsigned long long)TAIL(),
                   (long long)THR(), scans, restores);
    }
    printf("not ok 2 - ring_scan_livelock: after %ld rounds no push and no pop "
           "completed; head=%llu tail=%llu thr=%lld scans(all said maybe)=%ld "
           "restores=%ld; done flags E=%d,%d D=%d,%d\n",
           rounds, (unsigned long long)HEAD(), (unsigned long long)TAIL(),
           (long long)THR(), scans, restores, E[0].done, E[1].done, D[0].done,
           D[1].done);
    printf("1..2\n");
    fflush(stdout);
    _exit(1);
}
