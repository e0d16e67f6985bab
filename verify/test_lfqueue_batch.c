/*
 * test_lfqueue_batch.c - conc_lfqueue's real batches (issue 11): push_many
 * and pop_many claim up to 64 positions of a segment with one
 * fetch-and-add (src/lfqueue.c, "real batches").
 *
 * Built twice (verify/meson.build): `lfqueue-batch` against libconc-verify
 * (504 slots a segment) and `lfqueue-batch-seg` against libconc-verify-seg
 * (CONC_LFQUEUE_SEG_SLOTS=5: every batch of more than a few items crosses
 * segment boundaries, claims positions past a segment's end, and appends).
 * The segment's slot count comes from src/internal/lfqueue_impl.h, compiled
 * with the library's own definition.
 *
 *   1. the contract, one thread: counts, order, partial pops, EMPTY, n == 0
 *      and max == 0, CLOSED with the items left with the caller;
 *   2. (504-slot build) a batch inside one segment is one fetch-and-add:
 *      counted in RMW schedule points (verify/park.h), a push_many of 32 is
 *      at most 32 + 8 RMWs (item by item: 64), a pop_many of 32 at most 8
 *      (item by item: 32);
 *   3. NP producers and NC consumers mixing push/push_many and
 *      pop/pop_many of random sizes 1..64: every item out exactly once,
 *      each producer's items in order in every consumer, *pushed and
 *      *popped exact (the out[] entries past *popped untouched);
 *   4. the same with a close racing the batches: every item a producer was
 *      told went in comes out exactly once, none it kept does, and push_many
 *      after the close says CLOSED with 0 pushed.
 * Counted, not timed.
 */
#include <conc/conc.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/lfqueue_impl.h"
#include "park.h"
#include "tap.h"

#define SLOTS CONC__LFQ_SLOTS
#define ITEM(p, s) ((void *)(((uintptr_t)(p) + 1) << 40 | (uintptr_t)(s)))
#define PROD(x) ((int)(((uintptr_t)(x) >> 40) - 1))
#define SEQ(x) ((uint64_t)((uintptr_t)(x) & (((uintptr_t)1 << 40) - 1)))
#define SENTINEL ((void *)(uintptr_t)0xdead)

enum { NP = 3, NC = 2, MAXB = 64 };

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* ---- 1. the contract ---------------------------------------------------- */

static void contract(void)
{
    conc_lfqueue *q = conc_lfqueue_new(0);
    void *in[200], *out[200];
    for (int i = 0; i < 200; i++)
        in[i] = ITEM(0, i + 1);
    size_t n = 99;
    int fine = conc_lfqueue_push_many(q, in, 0, &n) == CONC_OK && n == 0 &&
               conc_lfqueue_pop_many(q, out, 0, &n) == CONC_OK && n == 0 &&
               conc_lfqueue_pop_many(q, out, 8, &n) == CONC_EMPTY && n == 0;
    ok(fine, "n == 0 and max == 0: OK with 0; pop_many of an empty queue: EMPTY");

    /* 150 in as batches of 1..64 (across segment boundaries when SLOTS is
     * small), out in pieces of 1..64 until EMPTY, in order. */
    uint64_t seed = 42;
    size_t at = 0;
    fine = 1;
    while (at < 150) {
        size_t k = 1 + rnd(&seed) % 64;
        if (k > 150 - at)
            k = 150 - at;
        if (conc_lfqueue_push_many(q, in + at, k, &n) != CONC_OK || n != k)
            fine = 0;
        at += k;
    }
    ok(fine && conc_lfqueue_len(q) == 150,
       "150 items in by push_many of 1..64: OK, *pushed exact, len 150 (%zu)",
       conc_lfqueue_len(q));
    size_t got = 0;
    fine = 1;
    for (;;) {
        size_t k = 1 + rnd(&seed) % 64;
        for (size_t j = 0; j < 200; j++)
            out[j] = SENTINEL;
        conc_status st = conc_lfqueue_pop_many(q, out, k, &n);
        if (st == CONC_EMPTY && n == 0)
            break;
        if (st != CONC_OK || n == 0 || n > k) {
            fine = 0;
            break;
        }
        for (size_t j = 0; j < n; j++)
            if (out[j] != in[got + j])
                fine = 0;
        for (size_t j = n; j < 200; j++)
            if (out[j] != SENTINEL)
                fine = 0;
        if (n < k && got + n != 150)
            fine = 0; /* short only at the end, on a quiet queue */
        got += n;
    }
    ok(fine && got == 150 && conc_lfqueue_len(q) == 0,
       "out by pop_many of 1..64: all 150 in order, short only at the end, "
       "nothing written past *popped, then EMPTY (%zu)", got);

    /* Close: what was in drains, then CLOSED; push_many says CLOSED with
     * nothing in. */
    fine = conc_lfqueue_push_many(q, in, 7, &n) == CONC_OK && n == 7;
    conc_lfqueue_close(q);
    fine = fine && conc_lfqueue_push_many(q, in + 7, 5, &n) == CONC_CLOSED &&
           n == 0;
    fine = fine && conc_lfqueue_pop_many(q, out, 64, &n) == CONC_OK && n == 7 &&
           out[0] == in[0] && out[6] == in[6];
    fine = fine && conc_lfqueue_pop_many(q, out, 64, &n) == CONC_CLOSED && n == 0;
    fine = fine && conc_lfqueue_push_many(q, in, 0, &n) == CONC_OK && n == 0;
    ok(fine, "closed: push_many CLOSED with 0 in, pop_many drains 7 then CLOSED; "
             "n == 0 still OK");
    conc_lfqueue_free(q);
}

/* ---- 2. one fetch-and-add ----------------------------------------------- */

struct counted {
    conc_lfqueue *q;
    int push;
    void *items[MAXB];
    size_t n, done;
    conc_status st;
};

static void counted_fn(void *p)
{
    struct counted *a = p;
    a->st = a->push ? conc_lfqueue_push_many(a->q, a->items, a->n, &a->done)
                    : conc_lfqueue_pop_many(a->q, a->items, a->n, &a->done);
}

static void one_faa(void)
{
    enum { N = 32 };
    if (SLOTS < 4 * N) {
        skip("segments of %zu slots: a batch of %d crosses them", (size_t)SLOTS, N);
        skip("segments of %zu slots: a batch of %d crosses them", (size_t)SLOTS, N);
        return;
    }
    conc_lfqueue *q = conc_lfqueue_new(0);
    /* Three rounds inside the first segment (96 of its slots). */
    uint64_t max_push = 0, max_pop = 0;
    int fine = 1;
    uint64_t next = 1;
    for (int r = 0; r < 3; r++) {
        struct counted p = {q, 1, {0}, N, 0, CONC_EINVAL};
        for (int j = 0; j < N; j++)
            p.items[j] = ITEM(0, next + (uint64_t)j);
        park_thread t;
        park_start_rmw(&t, counted_fn, &p, 0);
        park_join(&t);
        max_push = t.points > max_push ? t.points : max_push;
        struct counted o = {q, 0, {0}, N, 0, CONC_EINVAL};
        park_start_rmw(&t, counted_fn, &o, 0);
        park_join(&t);
        max_pop = t.points > max_pop ? t.points : max_pop;
        if (p.st != CONC_OK || p.done != N || o.st != CONC_OK || o.done != N)
            fine = 0;
        for (int j = 0; j < N; j++)
            if (o.items[j] != ITEM(0, next + (uint64_t)j))
                fine = 0;
        next += N;
    }
    ok(fine && max_push <= N + 8,
       "push_many of %d in one segment: %llu RMWs at most (one fetch-and-add, "
       "one CAS per slot, a new thread's hazard record: <= %d; item by item %d)",
       N, (unsigned long long)max_push, N + 8, 2 * N);
    ok(fine && max_pop <= 8,
       "pop_many of %d in one segment: %llu RMWs at most (one fetch-and-add, "
       "loads of FULL slots: <= 8; item by item %d)", N,
       (unsigned long long)max_pop, N);
    conc_lfqueue_free(q);
}

/* ---- parked: one preemption at every point ------------------------------ */

struct bop {
    conc_lfqueue *q;
    void *items[8];
    size_t n, done;
    conc_status st;
};

static void push_many_fn(void *p)
{
    struct bop *a = p;
    a->st = conc_lfqueue_push_many(a->q, a->items, a->n, &a->done);
}

static void close_fn(void *p)
{
    struct bop *a = p;
    a->st = conc_lfqueue_close(a->q);
}

/* Pop everything into got[] (from *ng on) with pop_many of 2; the status
 * that ended it. */
static conc_status drain(conc_lfqueue *q, void **got, size_t *ng, size_t cap)
{
    for (;;) {
        size_t n = 0;
        conc_status st = conc_lfqueue_pop_many(q, got + *ng,
                                               cap - *ng < 2 ? cap - *ng : 2, &n);
        *ng += n;
        if (st != CONC_OK || *ng == cap)
            return st;
    }
}

/* A push_many of 3 parked before its k-th schedule point, for every k,
 * while this thread pops (so it passes the batch's claimed slots before
 * they are filled: spoiled slots), then released; prefill items first,
 * `pre` of them (near a segment's end: the batch crosses it). */
static void parked_push(size_t pre)
{
    int fine = 1;
    uint64_t k = 1, spoiled_runs = 0;
    char why[160] = "";
    for (;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        for (size_t i = 0; i < pre; i++)
            conc_lfqueue_push(q, ITEM(1, i));
        struct bop a = {q, {ITEM(0, 0), ITEM(0, 1), ITEM(0, 2)}, 3, 0, CONC_EINVAL};
        park_thread t;
        park_start(&t, push_many_fn, &a, k);
        int parked = park_parked(&t);
        void *got[600];
        size_t ng = 0;
        /* All prefill items but the last two out first, then two single
         * pops and a pop_many of 2 while the batch is parked. */
        while (ng + 2 < pre)
            if (conc_lfqueue_pop(q, &got[ng]) == CONC_OK)
                ng++;
        int empty = 0;
        for (int i = 0; i < 2; i++) {
            if (conc_lfqueue_pop(q, &got[ng]) == CONC_OK)
                ng++;
            else
                empty = 1;
        }
        size_t n2 = 0;
        if (conc_lfqueue_pop_many(q, got + ng, 2, &n2) == CONC_OK)
            ng += n2;
        else
            empty = 1;
        size_t before = ng;
        park_join(&t);
        conc_status end = drain(q, got, &ng, 600);
        /* Exactly the prefill then the batch, in order. */
        int good = a.st == CONC_OK && a.done == 3 && ng == pre + 3 &&
                   end == CONC_EMPTY && conc_lfqueue_len(q) == 0;
        for (size_t i = 0; good && i < ng; i++)
            if (got[i] != (i < pre ? ITEM(1, i) : ITEM(0, i - pre)))
                good = 0;
        if (!good && fine) {
            snprintf(why, sizeof why, "k=%llu: push_many %s with %zu; %zu popped "
                     "(%zu while parked), end %s", (unsigned long long)k,
                     conc_strerror(a.st), a.done, ng, before, conc_strerror(end));
            fine = 0;
        }
        if (parked && empty)
            spoiled_runs++; /* pops passed the batch's unfilled slots, or
                               came before its fetch-and-add */
        conc_lfqueue_free(q);
        if (!parked)
            break;
    }
    ok(fine && k > 5,
       "push_many of 3 after %zu items, parked at each of its %llu points while "
       "pops pass it: every item once, in order, *pushed 3 (%llu runs with a pop "
       "that found nothing while the batch was parked)%s%s",
       pre, (unsigned long long)(k - 1), (unsigned long long)spoiled_runs,
       fine ? "" : ": ", why);
}

/* A close parked at each of its points while push_many of 5 runs: OK with
 * all 5 in before the close, or CLOSED with the rest left with the caller;
 * then len is exact and the pops drain exactly what went in, then CLOSED. */
static void parked_close(size_t pre)
{
    int fine = 1;
    uint64_t k = 1, closed_runs = 0;
    char why[160] = "";
    for (;; k++) {
        conc_lfqueue *q = conc_lfqueue_new(0);
        for (size_t i = 0; i < pre; i++)
            conc_lfqueue_push(q, ITEM(1, i));
        struct bop c = {q, {0}, 0, 0, CONC_EINVAL};
        park_thread t;
        park_start(&t, close_fn, &c, k);
        int parked = park_parked(&t);
        void *items[5];
        for (int i = 0; i < 5; i++)
            items[i] = ITEM(0, i);
        size_t n = SIZE_MAX;
        conc_status st = conc_lfqueue_push_many(q, items, 5, &n);
        park_join(&t);
        size_t len = conc_lfqueue_len(q);
        void *got[600];
        size_t ng = 0;
        conc_status end = drain(q, got, &ng, 600);
        int good = (st == CONC_OK ? n == 5 : st == CONC_CLOSED && n < 5) &&
                   c.st == CONC_OK && len == pre + n && ng == pre + n &&
                   end == CONC_CLOSED;
        for (size_t i = 0; good && i < ng; i++)
            if (got[i] != (i < pre ? ITEM(1, i) : ITEM(0, i - pre)))
                good = 0;
        if (!good && fine) {
            snprintf(why, sizeof why, "k=%llu: push_many %s with %zu; len %zu, "
                     "%zu popped, end %s", (unsigned long long)k,
                     conc_strerror(st), n, len, ng, conc_strerror(end));
            fine = 0;
        }
        closed_runs += st == CONC_CLOSED;
        conc_lfqueue_free(q);
        if (!parked)
            break;
    }
    ok(fine && k > 3 && closed_runs > 0,
       "close parked at each of its %llu points, push_many of 5 after %zu items: "
       "OK with 5 or CLOSED with the rest kept (%llu runs), len exact, drained "
       "exactly, then CLOSED%s%s",
       (unsigned long long)(k - 1), pre, (unsigned long long)closed_runs,
       fine ? "" : ": ", why);
}

/* ---- 3, 4. producers and consumers -------------------------------------- */

struct run {
    conc_lfqueue *q;
    uint64_t per_producer;
    int close_after; /* 0: no close; else close once this many popped */
    uint64_t popped_total; /* __atomic */
    uint64_t pushed[NP];   /* items each producer was told went in */
    int producers_left;    /* __atomic */
    unsigned char *seen[NP]; /* counts per item, __atomic */
    int bad;               /* __atomic: failures, with the first described */
    char why[200];
};

static void fail(struct run *r, const char *what, uint64_t a, uint64_t b)
{
    if (__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED) == 0)
        snprintf(r->why, sizeof r->why, "%s (%llu, %llu)", what,
                 (unsigned long long)a, (unsigned long long)b);
}

struct targ {
    struct run *r;
    int id;
};

static void *producer(void *p)
{
    struct targ *a = p;
    struct run *r = a->r;
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(a->id + 1);
    void *items[MAXB];
    uint64_t s = 0;
    while (s < r->per_producer) {
        uint64_t x = rnd(&seed);
        size_t k = (x & 3) == 0 ? 1 : 1 + (size_t)((x >> 8) % MAXB);
        if (k > r->per_producer - s)
            k = (size_t)(r->per_producer - s);
        for (size_t j = 0; j < k; j++)
            items[j] = ITEM(a->id, s + j);
        size_t done = SIZE_MAX;
        conc_status st;
        if (k == 1 && (x & 16)) {
            st = conc_lfqueue_push(r->q, items[0]);
            done = st == CONC_OK;
        } else {
            st = conc_lfqueue_push_many(r->q, items, k, &done);
        }
        if (st == CONC_OK && done != k)
            fail(r, "push_many OK with *pushed short", done, k);
        if (st != CONC_OK && st != CONC_CLOSED)
            fail(r, "push_many: status", (uint64_t)st, done);
        if (st != CONC_OK && done >= k)
            fail(r, "push_many failed with every item counted", done, k);
        s += done;
        if (st == CONC_CLOSED) {
            /* After CLOSED: CLOSED again, nothing in. */
            size_t d2 = SIZE_MAX;
            if (conc_lfqueue_push_many(r->q, items, k, &d2) != CONC_CLOSED ||
                d2 != 0)
                fail(r, "push_many after CLOSED: not CLOSED with 0", d2, 0);
            break;
        }
    }
    r->pushed[a->id] = s;
    __atomic_fetch_sub(&r->producers_left, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *consumer(void *p)
{
    struct targ *a = p;
    struct run *r = a->r;
    uint64_t seed = 0xabcdef12345ull * (uint64_t)(a->id + 7);
    uint64_t last[NP];
    for (int i = 0; i < NP; i++)
        last[i] = UINT64_MAX;
    void *out[MAXB + 4];
    const uint64_t total = r->per_producer * NP;
    int closed = 0;
    for (;;) {
        uint64_t x = rnd(&seed);
        size_t k = (x & 3) == 0 ? 1 : 1 + (size_t)((x >> 8) % MAXB);
        for (size_t j = 0; j < MAXB + 4; j++)
            out[j] = SENTINEL;
        size_t n = SIZE_MAX;
        conc_status st;
        /* Every producer done before this pop: EMPTY then is final (an item
         * lost would otherwise keep the consumers waiting for it). */
        int quiet = __atomic_load_n(&r->producers_left, __ATOMIC_SEQ_CST) == 0;
        if (k == 1 && (x & 16)) {
            st = conc_lfqueue_pop(r->q, &out[0]);
            n = st == CONC_OK;
        } else {
            st = conc_lfqueue_pop_many(r->q, out, k, &n);
        }
        if (st == CONC_OK && (n == 0 || n > k))
            fail(r, "pop_many OK with *popped out of 1..max", n, k);
        if (st != CONC_OK && n != 0)
            fail(r, "pop_many failed with items", (uint64_t)st, n);
        for (size_t j = 0; j < MAXB + 4; j++) {
            if (j < n) {
                void *it = out[j];
                int pr = PROD(it);
                uint64_t sq = SEQ(it);
                if (it == SENTINEL || pr < 0 || pr >= NP || sq >= r->per_producer) {
                    fail(r, "popped a word no producer pushed", (uint64_t)(uintptr_t)it, j);
                    continue;
                }
                if (last[pr] != UINT64_MAX && sq <= last[pr])
                    fail(r, "a producer's items out of order", last[pr], sq);
                last[pr] = sq;
                if (__atomic_fetch_add(&r->seen[pr][sq], 1, __ATOMIC_RELAXED) != 0)
                    fail(r, "an item popped twice", (uint64_t)pr, sq);
            } else if (out[j] != SENTINEL) {
                fail(r, "out[] written past *popped", j, n);
            }
        }
        uint64_t now = __atomic_add_fetch(&r->popped_total, n, __ATOMIC_SEQ_CST);
        if (r->close_after && now >= (uint64_t)r->close_after && a->id == 0 &&
            !closed) {
            conc_lfqueue_close(r->q);
            closed = 1;
        }
        if (st == CONC_CLOSED)
            break;
        if (!r->close_after && now >= total)
            break;
        if (st == CONC_EMPTY) {
            if (quiet || __atomic_load_n(&r->bad, __ATOMIC_RELAXED))
                break;
            if (!r->close_after &&
                __atomic_load_n(&r->popped_total, __ATOMIC_SEQ_CST) >= total)
                break;
            sched_yield();
        }
    }
    return NULL;
}

static void mpmc(uint64_t per, int close_after, const char *what)
{
    struct run *r = calloc(1, sizeof *r);
    r->q = conc_lfqueue_new(0);
    r->per_producer = per;
    r->close_after = close_after;
    r->producers_left = NP;
    for (int i = 0; i < NP; i++)
        r->seen[i] = calloc(per, 1);
    pthread_t tp[NP], tc[NC];
    struct targ ap[NP], ac[NC];
    for (int i = 0; i < NC; i++) {
        ac[i] = (struct targ){r, i};
        pthread_create(&tc[i], NULL, consumer, &ac[i]);
    }
    for (int i = 0; i < NP; i++) {
        ap[i] = (struct targ){r, i};
        pthread_create(&tp[i], NULL, producer, &ap[i]);
    }
    for (int i = 0; i < NP; i++)
        pthread_join(tp[i], NULL);
    if (close_after)
        conc_lfqueue_close(r->q); /* if the consumers did not yet */
    for (int i = 0; i < NC; i++)
        pthread_join(tc[i], NULL);
    /* Exactly once: every item a producer was told went in, and none of
     * the ones it kept. */
    uint64_t in = 0, missing = 0, extra = 0;
    for (int p = 0; p < NP; p++) {
        in += r->pushed[p];
        for (uint64_t s = 0; s < per; s++) {
            unsigned char c = r->seen[p][s];
            if (s < r->pushed[p] && c != 1)
                missing++;
            if (s >= r->pushed[p] && c != 0)
                extra++;
        }
    }
    void *x;
    conc_status end = conc_lfqueue_pop(r->q, &x);
    size_t len = conc_lfqueue_len(r->q); /* exact when quiescent */
    ok(!r->bad && missing == 0 && extra == 0 && len == 0 &&
           r->popped_total == in && end == (close_after ? CONC_CLOSED : CONC_EMPTY) &&
           (close_after || in == per * NP),
       "%s: %d producers, %d consumers, batches of 1..%d mixed with singles: "
       "%llu pushed, %llu popped, each once, in order per producer "
       "(missing %llu, extra %llu, end %s, len %zu)%s%s",
       what, NP, NC, MAXB, (unsigned long long)in,
       (unsigned long long)r->popped_total, (unsigned long long)missing,
       (unsigned long long)extra, conc_strerror(end), len, r->bad ? ": " : "",
       r->why);
    conc_lfqueue_free(r->q);
    for (int i = 0; i < NP; i++)
        free(r->seen[i]);
    free(r);
}

int main(int argc, char **argv)
{
    uint64_t per = SLOTS >= 64 ? 200000 : 40000;
    if (argc > 1)
        per = strtoull(argv[1], NULL, 10);
    tap_watchdog(300, "lfqueue batch");
    plan(13);
    diag("segments of %zu slots", (size_t)SLOTS);
    contract();
    one_faa();
    park_install();
    const size_t near_end = SLOTS - 2; /* the batch crosses the boundary */
    parked_push(1);
    parked_push(near_end);
    parked_close(1);
    parked_close(near_end);
    mpmc(per, 0, "flow");
    /* Close racing the batches, at a few points of the flow. */
    mpmc(per, 1000, "close after 1000 pops");
    mpmc(per, (int)(per / 2), "close halfway");
    return tap_exit();
}
