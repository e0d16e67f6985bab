/*
 * counter_check.c - previous totals tile [base, base + sum) (counter_check.h).
 */
#include "counter_check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
    uint64_t off, delta;
    int thread;
} rec;

void h_prevs_fini(h_prevs *p)
{
    free(p->owner);
    free(p->recs);
    memset(p, 0, sizeof *p);
}

static void emit(h_prev_sink sink, void *arg, size_t *count, int what,
                 int thread, int thread2, uint64_t value, uint64_t other)
{
    h_prev_event ev = {what, thread, thread2, (int64_t)value, (int64_t)other};
    (*count)++;
    if (sink)
        sink(arg, &ev);
}

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static uint64_t delta_of(const h_adds *t, size_t k)
{
    return t->delta ? t->delta[k] : 1;
}

/* Each thread's own adds, in program order. */
static void check_order(const h_adds *threads, int nthreads, uint64_t base,
                        h_prev_sink sink, void *arg, size_t *count)
{
    for (int i = 0; i < nthreads; i++) {
        const h_adds *t = &threads[i];
        for (size_t k = 1; k < t->n; k++) {
            uint64_t before = (uint64_t)t->prev[k - 1] - base;
            uint64_t off = (uint64_t)t->prev[k] - base;
            if (off < before + delta_of(t, k - 1))
                emit(sink, arg, count, H_PREV_ORDER, i, -1,
                     (uint64_t)t->prev[k], (uint64_t)t->prev[k - 1]);
        }
    }
}

/* Every delta 1: each offset in [0, m) owned exactly once (linear time). */
static int check_ones(h_prevs *p, const h_adds *threads, int nthreads,
                      uint64_t base, size_t m, h_prev_sink sink, void *arg,
                      size_t *count)
{
    if (p->owner_cap < m) {
        uint32_t *o = realloc(p->owner, (m ? m : 1) * sizeof *o);
        if (!o)
            return -1;
        p->owner = o;
        p->owner_cap = m;
    }
    memset(p->owner, 0, m * sizeof *p->owner);
    for (int i = 0; i < nthreads; i++) {
        const h_adds *t = &threads[i];
        for (size_t k = 0; k < t->n; k++) {
            uint64_t off = (uint64_t)t->prev[k] - base;
            if (off >= m)
                emit(sink, arg, count, H_PREV_OUTSIDE, i, -1,
                     (uint64_t)t->prev[k], 0);
            else if (p->owner[off])
                emit(sink, arg, count, H_PREV_TWICE, i,
                     (int)p->owner[off] - 1, (uint64_t)t->prev[k], 0);
            else
                p->owner[off] = (uint32_t)i + 1;
        }
    }
    for (uint64_t off = 0; off < m; off++)
        if (!p->owner[off])
            emit(sink, arg, count, H_PREV_GAP, -1, -1, base + off, base + m);
    return 0;
}

/* Any deltas: sort by offset and walk the chain [0, sum). */
static int check_chain(h_prevs *p, const h_adds *threads, int nthreads,
                       uint64_t base, size_t m, uint64_t sum,
                       h_prev_sink sink, void *arg, size_t *count)
{
    if (p->recs_cap < m) {
        rec *r = realloc(p->recs, (m ? m : 1) * sizeof *r);
        if (!r)
            return -1;
        p->recs = r;
        p->recs_cap = m;
    }
    rec *r = p->recs;
    size_t n = 0;
    for (int i = 0; i < nthreads; i++) {
        const h_adds *t = &threads[i];
        for (size_t k = 0; k < t->n; k++) {
            uint64_t off = (uint64_t)t->prev[k] - base;
            if (off >= sum) {
                emit(sink, arg, count, H_PREV_OUTSIDE, i, -1,
                     (uint64_t)t->prev[k], 0);
                continue;
            }
            r[n++] = (rec){off, delta_of(t, k), i};
        }
    }
    if (n > 1) /* r is NULL when no thread added: qsort(NULL, 0) is undefined */
        qsort(r, n, sizeof *r, cmp_rec);
    uint64_t at = 0;
    int at_owner = -1;
    for (size_t k = 0; k < n; k++) {
        if (r[k].off < at)
            emit(sink, arg, count, H_PREV_TWICE, r[k].thread, at_owner,
                 base + r[k].off, 0);
        else if (r[k].off > at)
            emit(sink, arg, count, H_PREV_GAP, -1, -1, base + at,
                 base + r[k].off);
        if (r[k].off + r[k].delta > at) {
            at = r[k].off + r[k].delta;
            at_owner = r[k].thread;
        }
    }
    if (at < sum)
        emit(sink, arg, count, H_PREV_GAP, -1, -1, base + at, base + sum);
    return 0;
}

size_t h_prevs_check(h_prevs *p, const h_adds *threads, int nthreads,
                     uint64_t base, h_prev_sink sink, void *arg)
{
    size_t count = 0, m = 0;
    uint64_t sum = 0;
    bool ones = true;
    for (int i = 0; i < nthreads; i++) {
        m += threads[i].n;
        if (threads[i].delta)
            ones = false;
        for (size_t k = 0; k < threads[i].n; k++)
            sum += delta_of(&threads[i], k);
    }
    check_order(threads, nthreads, base, sink, arg, &count);
    int rc = ones ? check_ones(p, threads, nthreads, base, m, sink, arg, &count)
                  : check_chain(p, threads, nthreads, base, m, sum, sink, arg,
                                &count);
    return rc == 0 ? count : SIZE_MAX;
}
