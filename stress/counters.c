/*
 * counters.c - adders over counters, in rounds that are each checked
 * exactly.
 *
 * A round: every thread adds until one of them has done `cap` adds (or the
 * run is stopped), so per-thread counts still show fairness.  Then all meet
 * at a barrier and one of them checks the round while the counter is quiet:
 *   total:  read() == the sum of every delta added so far (modulo 2^64,
 *           as the counters wrap).  Exact: nothing is in flight.
 *   prev:   (counters whose add returns the previous total) in every other
 *           round all deltas are 1, so the previous totals returned by the
 *           round's M adds must be exactly base, base+1, ..., base+M-1, each
 *           once (base = the total before the round), and increasing within
 *           each thread (harness/counter_check.h).  Exact, in memory bounded
 *           by the round size.
 * Other rounds add assorted deltas: small, negative, zero, huge, INT64_MIN
 * and INT64_MAX, so the total wraps through both ends.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "counter_check.h"
#include "stress.h"

static void counters_free(run *r);

typedef struct athread {
    run *r;
    int tid;
    uint64_t rng;
    uint64_t sum;    /* this round, modulo 2^64 */
    size_t count;    /* this round */
    int64_t *prevs;  /* this round, ones rounds only */
    uint64_t adds, calls;
} athread;

typedef struct astate {
    athread *t;
    pthread_barrier_t bar;
    bool bar_ok;
    _Atomic int round_over;
    int ones;           /* this round adds only 1 and checks prev values */
    bool done;          /* written by the checker, read after the barrier */
    size_t cap;         /* adds per thread per round, at most */
    size_t bufcap;
    uint64_t expected;  /* total so far, modulo 2^64 */
    uint64_t adds;
    uint64_t rounds, ones_rounds;
    h_prevs prevs;      /* ones rounds: the checker's scratch memory */
    h_adds *tadds;      /* ones rounds: each thread's prevs */
} astate;

static int64_t assorted_delta(uint64_t *rng)
{
    uint64_t x = h_rand(rng);
    switch (x & 7) {
    case 0: return 1;
    case 1: return (int64_t)(x >> 54) + 1;        /* 1 .. 1024 */
    case 2: return -(int64_t)(x >> 54) - 1;       /* -1 .. -1024 */
    case 3: return 0;
    case 4: return (int64_t)(x >> 20) * ((x & 8) ? 1 : -1); /* +-2^44 */
    case 5: return INT64_MAX;
    case 6: return INT64_MIN;
    default: return (int64_t)h_rand(rng);  /* anything */
    }
}

static void publish(athread *t)
{
    tslot *s = &t->r->slots[t->tid];
    atomic_store_explicit(&s->ok, t->adds, memory_order_relaxed);
    atomic_store_explicit(&s->calls, t->calls, memory_order_relaxed);
    atomic_store_explicit(&s->checked, t->adds, memory_order_relaxed);
}

/* A ones round's previous totals that do not add up (counter_check.h). */
typedef struct round_ctx {
    run *r;
    uint64_t round, base, m;
} round_ctx;

static void prev_violation(void *arg, const h_prev_event *ev)
{
    round_ctx *rc = arg;
    run *r = rc->r;
    char a[16], b[16];
    switch (ev->what) {
    case H_PREV_ORDER:
        violation(r, V_PREV, -1, 0,
                  "round %" PRIu64 ": %s's adds returned previous totals out "
                  "of order: %" PRId64 " then %" PRId64,
                  rc->round, thread_name(r, ev->thread, a), ev->other,
                  ev->value);
        break;
    case H_PREV_OUTSIDE:
        violation(r, V_PREV, -1, 0,
                  "round %" PRIu64 ": %s's add returned previous total %" PRId64
                  ", outside [%" PRId64 ", %" PRId64 "]",
                  rc->round, thread_name(r, ev->thread, a), ev->value,
                  (int64_t)rc->base, (int64_t)(rc->base + rc->m - 1));
        break;
    case H_PREV_TWICE:
        violation(r, V_PREV, -1, 0,
                  "round %" PRIu64 ": previous total %" PRId64
                  " returned to %s and to %s",
                  rc->round, ev->value, thread_name(r, ev->thread2, a),
                  thread_name(r, ev->thread, b));
        break;
    default:
        violation(r, V_PREV, -1, 0,
                  "round %" PRIu64 ": no add returned previous total %" PRId64,
                  rc->round, ev->value);
        break;
    }
}

/* Check one round (one thread, while the others wait at the barrier). */
static void check_round(run *r, astate *as)
{
    uint64_t sum = 0, m = 0;
    for (int i = 0; i < r->nthreads; i++) {
        sum += as->t[i].sum;
        m += as->t[i].count;
    }
    uint64_t base = as->expected;
    as->expected += sum;
    as->adds += m;
    as->rounds++;
    int64_t v = 0;
    int st = r->e->read(r->obj, &v);
    if (st != CONC_OK) {
        violation(r, V_STATUS, -1, 0, "read returned %d after round %" PRIu64,
                  st, as->rounds);
    } else if ((uint64_t)v != as->expected) {
        violation(r, V_TOTAL, -1, 0,
                  "after round %" PRIu64 " (%s deltas, %" PRIu64
                  " adds): read %" PRId64 ", expected %" PRId64,
                  as->rounds, as->ones ? "all-ones" : "assorted", m, v,
                  (int64_t)as->expected);
        as->expected = (uint64_t)v; /* report each discrepancy once */
    }
    if (as->ones) {
        as->ones_rounds++;
        round_ctx rc = {r, as->rounds, base, m};
        for (int i = 0; i < r->nthreads; i++)
            as->tadds[i] = (h_adds){as->t[i].prevs, NULL, as->t[i].count};
        if (h_prevs_check(&as->prevs, as->tadds, r->nthreads, base,
                          prev_violation, &rc) == SIZE_MAX)
            violation(r, V_PREV, -1, 0,
                      "round %" PRIu64 ": out of memory checking the previous "
                      "totals", as->rounds);
    }
    atomic_fetch_add_explicit(&r->extra_progress, 1, memory_order_relaxed);
    /* The next round. */
    as->done = stop_requested(r) ||
               (r->ops_target && as->adds >= r->ops_target);
    as->ones = r->e->add_returns_prev && !as->ones;
    as->cap = as->bufcap;
    if (r->ops_target && !as->done) {
        uint64_t left = r->ops_target - as->adds;
        uint64_t per = (left + (uint64_t)r->nthreads - 1) / (uint64_t)r->nthreads;
        if (per < as->cap)
            as->cap = (size_t)per;
    }
    atomic_store_explicit(&as->round_over, 0, memory_order_relaxed);
}

static void *adder_main(void *arg)
{
    athread *t = arg;
    run *r = t->r;
    astate *as = r->priv;
    tslot *slot = &r->slots[t->tid];
    const reg_entry *e = r->e;
    char a[16];
    stress_pin(r->cfg, slot);
    wait_for_go(r, slot);
    for (;;) {
        /* Read after the barrier, which orders the checker's writes. */
        int ones = as->ones;
        size_t cap = as->cap;
        t->sum = 0;
        t->count = 0;
        while (t->count < cap &&
               !atomic_load_explicit(&as->round_over, memory_order_relaxed)) {
            if (stop_requested(r))
                break;
            int64_t delta = ones ? 1 : assorted_delta(&t->rng);
            int64_t prev = 0;
            atomic_store_explicit(&slot->arg, (uint64_t)delta,
                                  memory_order_relaxed);
            atomic_store_explicit(&slot->op, OP_ADD | OP_INSIDE,
                                  memory_order_relaxed);
            int st = e->add(r->obj, delta, e->add_returns_prev ? &prev : NULL);
            atomic_store_explicit(&slot->op, OP_ADD, memory_order_relaxed);
            t->calls++;
            if (st != CONC_OK) {
                violation(r, V_STATUS, -1, 0, "%s: add(%" PRId64 ") returned %d",
                          thread_name(r, t->tid, a), delta, st);
            } else {
                t->sum += (uint64_t)delta;
                if (ones)
                    t->prevs[t->count] = prev;
                t->count++;
                t->adds++;
            }
            if ((t->calls & 63) == 0)
                publish(t);
        }
        publish(t);
        if (t->count >= cap)
            atomic_store_explicit(&as->round_over, 1, memory_order_relaxed);
        else if (stop_requested(r))
            atomic_store_explicit(&as->round_over, 1, memory_order_relaxed);
        atomic_store_explicit(&slot->op, OP_BARRIER, memory_order_relaxed);
        if (pthread_barrier_wait(&as->bar) == PTHREAD_BARRIER_SERIAL_THREAD) {
            atomic_store_explicit(&slot->op, OP_VERIFY | OP_INSIDE,
                                  memory_order_relaxed);
            check_round(r, as);
            atomic_store_explicit(&slot->op, OP_BARRIER, memory_order_relaxed);
        }
        pthread_barrier_wait(&as->bar);
        atomic_store_explicit(&slot->op, OP_IDLE, memory_order_relaxed);
        if (as->done)
            break;
    }
    atomic_store_explicit(&slot->op, OP_DONE, memory_order_relaxed);
    slot->t_done = h_now_s();
    atomic_fetch_add_explicit(&r->threads_done, 1, memory_order_release);
    return NULL;
}

int counters_start(run *r, pthread_t *th, int *created)
{
    astate *as = calloc(1, sizeof *as);
    if (!as)
        return -1;
    r->priv = as;
    as->t = calloc((size_t)r->nthreads, sizeof *as->t);
    if (!as->t)
        return -1;
    /* Round size: 4M prev values in all, 256 to 64K per thread. */
    size_t per = ((size_t)1 << 22) / (size_t)r->nthreads;
    if (per < 256)
        per = 256;
    if (per > 65536)
        per = 65536;
    as->bufcap = per;
    as->cap = per;
    as->ones = 0;
    if (r->ops_target) {
        uint64_t p = (r->ops_target + (uint64_t)r->nthreads - 1) /
                     (uint64_t)r->nthreads;
        if (p < as->cap)
            as->cap = (size_t)p;
    }
    if (r->e->add_returns_prev) {
        as->tadds = calloc((size_t)r->nthreads, sizeof *as->tadds);
        if (!as->tadds)
            return -1;
    }
    for (int i = 0; i < r->nthreads; i++) {
        athread *t = &as->t[i];
        t->r = r;
        t->tid = i;
        t->rng = h_mix64(r->cfg->seed ^ ((uint64_t)i << 40) ^ 0xADD) | 1;
        if (r->e->add_returns_prev) {
            t->prevs = calloc(per, sizeof *t->prevs);
            if (!t->prevs)
                return -1;
        }
    }
    if (pthread_barrier_init(&as->bar, NULL, (unsigned)r->nthreads) != 0)
        return -1;
    as->bar_ok = true;
    for (int i = 0; i < r->nthreads; i++) {
        if (h_thread_create(&th[i], adder_main, &as->t[i]) != 0)
            return -1;
        (*created)++;
    }
    return 0;
}

void counters_finish(run *r, counter_totals *out)
{
    astate *as = r->priv;
    memset(out, 0, sizeof *out);
    if (!as)
        return;
    atomic_store_explicit(&r->phase, 3, memory_order_relaxed);
    /* Quiescent now: one last exact read. */
    int64_t v = 0;
    int st = r->e->read(r->obj, &v);
    if (st != CONC_OK)
        violation(r, V_STATUS, -1, 0, "final read returned %d", st);
    else if ((uint64_t)v != as->expected)
        violation(r, V_TOTAL, -1, 0,
                  "final read %" PRId64 ", expected %" PRId64, v,
                  (int64_t)as->expected);
    out->adds = as->adds;
    out->rounds = as->rounds;
    out->ones_rounds = as->ones_rounds;
    out->final_total = v;
    counters_free(r);
}

static void counters_free(run *r)
{
    astate *as = r->priv;
    if (!as)
        return;
    if (as->t)
        for (int i = 0; i < r->nthreads; i++)
            free(as->t[i].prevs);
    if (as->bar_ok)
        pthread_barrier_destroy(&as->bar);
    h_prevs_fini(&as->prevs);
    free(as->tadds);
    free(as->t);
    free(as);
    r->priv = NULL;
}
