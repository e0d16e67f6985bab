/*
 * lincheck.c - conc-stress --lincheck: many small windows instead of one
 * long run, each checked for linearizability (harness/lincheck.h).
 *
 * A window: the main thread makes a fresh structure (capacity --capacity,
 * or 1 to 4 chosen per window; a container is made joinable in every other
 * window when it can be) and pushes 0 to 3 items into it; then T threads
 * (--threads, default 3, at most LZW_MAX_THREADS) start together behind a
 * barrier and do a few operations each, LZW_CALLS in all: push, pop,
 * push_many, pop_many (up to --batch items, at most 4), push_wait and
 * pop_wait (timeout 0 or 20 us), closed(), now and then close or
 * close_now, and task_done and join (timeout 0 or 20 us) when joinable;
 * counters: add (deltas -3..5) and read.  Every call is recorded in one
 * lz_hist, stamped from CLOCK_MONOTONIC just before it is invoked and just
 * after it returns; the setup pushes are recorded too (as the thread after
 * the last worker).  After the second barrier the main thread checks the
 * window against the structure's specification (lz_spec_for) and reports
 * a violation with the smallest failing sub-history and the whole window,
 * each on a time axis.  A window whose search exceeds LZW_MAX_STATES
 * configurations gives no verdict and is counted as "gave up".
 *
 * The watchdog watches the windows as it watches a run: the workers
 * publish their operations in their slots, and each checked window counts
 * as progress.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lincheck.h"
#include "stress.h"

#ifdef CONC_STRESS_VERIFY
#include "internal/verify.h"
#endif

#define LZW_MAX_STATES 200000   /* a window's search: beyond this, no verdict */
#define LZW_PRINT_MAX 3         /* violating windows printed per structure */
#define LZW_WAIT_NS 20000ull    /* the timeout of a waiting call, when not 0 */
#define LZW_MAX_BATCH 4

typedef struct lzw {
    run *r;
    lz_hist h;
    pthread_barrier_t start, end;
    _Atomic int quit;
    void *obj;
    bool joinable;
    size_t cap;
    int calls_per_thread;
    uint64_t window;
    _Atomic int unrecorded; /* a close_now discarded more than it could
                               record: no verdict for the window */
    uint64_t ops;           /* calls made by the workers (after the join) */
    _Atomic uint64_t calls;
} lzw;

typedef struct lzw_thread {
    lzw *L;
    int tid;
    pthread_t th;
} lzw_thread;

/* Short names for the printed histories: thread 2's fifth item is 3005. */
static void *item(int tid, uint64_t seq)
{
    return (void *)(uintptr_t)((uint64_t)(tid + 1) * 1000 + seq + 1);
}

typedef struct discard_rec {
    uint64_t items[LZ_MAX_OPS];
    size_t n, max;
    lzw *L;
} discard_rec;

static void on_discard(void *it, void *arg)
{
    discard_rec *d = arg;
    if (d->n < d->max)
        d->items[d->n] = (uint64_t)(uintptr_t)it;
    else
        atomic_store_explicit(&d->L->unrecorded, 1, memory_order_relaxed);
    d->n++;
}

static void publish(tslot *s, int op)
{
    atomic_store_explicit(&s->op, op, memory_order_relaxed);
}

static void counted(tslot *s, int st, bool push)
{
    atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
    if (st == CONC_OK) {
        atomic_fetch_add_explicit(&s->ok, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(push ? &s->pushes : &s->pops, 1,
                                  memory_order_relaxed);
    } else if (st == CONC_FULL) {
        atomic_fetch_add_explicit(&s->full, 1, memory_order_relaxed);
    } else if (st == CONC_EMPTY) {
        atomic_fetch_add_explicit(&s->empty, 1, memory_order_relaxed);
    }
    publish(s, OP_IDLE);
}

/* One container call, recorded; false when the history is full. */
static bool container_call(lzw *L, int tid, uint64_t *rng, uint64_t *seq)
{
    const reg_entry *e = L->r->e;
    lz_hist *h = &L->h;
    tslot *s = &L->r->slots[tid];
    unsigned c = (unsigned)(h_rand(rng) % 100);
    int batch = L->r->cfg->batch_max < LZW_MAX_BATCH ? L->r->cfg->batch_max
                                                      : LZW_MAX_BATCH;
    uint64_t tmo = (h_rand(rng) & 1) ? LZW_WAIT_NS : 0;
    int i, st;
    /* Fall back to push or pop when the structure lacks the verb. */
    if ((c >= 60 && c < 76 && batch < 2) ||
        (c >= 76 && c < 88 && !e->push_wait) ||
        (c >= 88 && c < 92 && !e->close) || (c >= 92 && !L->joinable))
        c = c & 1 ? 0 : 30;
    if (c < 30 || (c >= 76 && c < 82)) { /* push, push_wait */
        void *it = item(tid, (*seq)++);
        if ((i = lz_begin(h, (uint32_t)tid, LZ_PUSH, (uint64_t)(uintptr_t)it)) < 0)
            return false;
        publish(s, OP_PUSH | OP_INSIDE);
        st = c < 30 ? e->push(L->obj, it) : e->push_wait(L->obj, it, tmo);
        lz_end(h, i, st, 0);
        counted(s, st, true);
    } else if (c < 60 || (c >= 82 && c < 88)) { /* pop, pop_wait */
        void *got = NULL;
        if ((i = lz_begin(h, (uint32_t)tid, LZ_POP, 0)) < 0)
            return false;
        publish(s, OP_POP | OP_INSIDE);
        st = c < 60 ? e->pop(L->obj, &got) : e->pop_wait(L->obj, &got, tmo);
        lz_end(h, i, st, (uint64_t)(uintptr_t)got);
        counted(s, st, false);
    } else if (c < 68) { /* push_many */
        size_t n = 2 + (size_t)(h_rand(rng) % (uint64_t)(batch - 1)), done = 0;
        void *its[LZW_MAX_BATCH];
        uint64_t vals[LZW_MAX_BATCH];
        for (size_t k = 0; k < n; k++) {
            its[k] = item(tid, (*seq)++);
            vals[k] = (uint64_t)(uintptr_t)its[k];
        }
        if ((i = lz_begin_many(h, (uint32_t)tid, LZ_PUSH, vals, n,
                               e->atomic_batches)) < 0)
            return false;
        publish(s, OP_PUSH_MANY | OP_INSIDE);
        st = e->push_many(L->obj, its, n, &done);
        lz_end_many(h, i, st, NULL, done <= n ? done : n);
        counted(s, st, true);
    } else if (c < 76) { /* pop_many */
        size_t n = 2 + (size_t)(h_rand(rng) % (uint64_t)(batch - 1)), done = 0;
        void *out[LZW_MAX_BATCH] = {0};
        uint64_t vals[LZW_MAX_BATCH];
        if ((i = lz_begin_many(h, (uint32_t)tid, LZ_POP, NULL, n,
                               e->atomic_batches)) < 0)
            return false;
        publish(s, OP_POP_MANY | OP_INSIDE);
        st = e->pop_many(L->obj, out, n, &done);
        if (done > n)
            done = n;
        for (size_t k = 0; k < done; k++)
            vals[k] = (uint64_t)(uintptr_t)out[k];
        lz_end_many(h, i, st, vals, done);
        counted(s, st, false);
    } else if (c < 90) { /* closed() */
        if ((i = lz_begin(h, (uint32_t)tid, LZ_CLOSED_Q, 0)) < 0)
            return false;
        int v = e->closed(L->obj);
        lz_end(h, i, CONC_OK, (uint64_t)v);
        counted(s, CONC_OK, false);
    } else if (c == 90 || (c == 91 && !e->close_now)) { /* close, now and then */
        if ((h_rand(rng) & 1) == 0)
            return true;
        if ((i = lz_begin(h, (uint32_t)tid, LZ_CLOSE, 0)) < 0)
            return false;
        st = e->close(L->obj);
        lz_end(h, i, st, 0);
        counted(s, st, false);
    } else if (c == 91) { /* close_now, now and then */
        if ((h_rand(rng) & 1) == 0)
            return true;
        static _Thread_local discard_rec d;
        d.n = 0;
        d.L = L;
        /* What it may discard: at most the capacity; for an unbounded
         * structure, as many as the history has room for (no more items
         * can be in than pushes were recorded, unless many are). */
        size_t per = L->joinable ? 2 : 1, used = lz_hist_len(h);
        d.max = used + 2 < LZ_MAX_OPS ? (LZ_MAX_OPS - used - 2) / per : 0;
        if (!e->unbounded && L->cap < d.max)
            d.max = L->cap;
        if ((i = lz_begin_close_now(h, (uint32_t)tid, d.max, L->joinable)) < 0)
            return true; /* no room to record it: not made */
        st = e->close_now(L->obj, on_discard, &d, NULL);
        lz_end_close_now(h, i, st, d.items, d.n < d.max ? d.n : d.max);
        counted(s, st, false);
    } else if (c < 97) { /* task_done */
        if ((i = lz_begin(h, (uint32_t)tid, LZ_TASK_DONE, 0)) < 0)
            return false;
        st = e->task_done(L->obj);
        lz_end(h, i, st, 0);
        counted(s, st, false);
    } else { /* join */
        if ((i = lz_begin(h, (uint32_t)tid, LZ_JOIN, 0)) < 0)
            return false;
        st = e->join(L->obj, tmo);
        lz_end(h, i, st, 0);
        counted(s, st, false);
    }
    return true;
}

static bool counter_call(lzw *L, int tid, uint64_t *rng)
{
    const reg_entry *e = L->r->e;
    lz_hist *h = &L->h;
    tslot *s = &L->r->slots[tid];
    int i, st;
    if (h_rand(rng) % 10 < 3) {
        int64_t v = 0;
        if ((i = lz_begin(h, (uint32_t)tid, LZ_READ, 0)) < 0)
            return false;
        publish(s, OP_VERIFY | OP_INSIDE);
        st = e->read(L->obj, &v);
        lz_end(h, i, st, (uint64_t)v);
    } else {
        int64_t d = (int64_t)(h_rand(rng) % 9) - 3, prev = 0;
        if ((i = lz_begin(h, (uint32_t)tid, LZ_ADD, (uint64_t)d)) < 0)
            return false;
        publish(s, OP_ADD | OP_INSIDE);
        st = e->add(L->obj, d, &prev);
        if (e->add_returns_prev)
            lz_end_add(h, i, st, (uint64_t)prev);
        else
            lz_end(h, i, st, 0);
    }
    atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
    if (st == CONC_OK)
        atomic_fetch_add_explicit(&s->ok, 1, memory_order_relaxed);
    publish(s, OP_IDLE);
    return true;
}

static void *worker(void *arg)
{
    lzw_thread *w = arg;
    lzw *L = w->L;
    tslot *s = &L->r->slots[w->tid];
    stress_pin(L->r->cfg, s);
    publish(s, OP_IDLE);
    for (;;) {
        pthread_barrier_wait(&L->start);
        if (atomic_load_explicit(&L->quit, memory_order_relaxed))
            break;
        uint64_t rng = h_mix64(L->r->cfg->seed ^ (L->window << 8) ^
                               (uint64_t)w->tid) | 1;
        uint64_t seq = 0, calls = 0;
        for (int k = 0; k < L->calls_per_thread; k++, calls++) {
            bool more = L->r->e->kind == REG_COUNTER
                            ? counter_call(L, w->tid, &rng)
                            : container_call(L, w->tid, &rng, &seq);
            if (!more)
                break;
        }
        atomic_fetch_add_explicit(&L->calls, calls, memory_order_relaxed);
        pthread_barrier_wait(&L->end);
    }
    publish(s, OP_DONE);
    s->t_done = h_now_s();
    return NULL;
}

/* ---- one window ---- */

static void make_window(lzw *L, uint64_t *rng, lz_spec *spec)
{
    const run *r = L->r;
    const reg_entry *e = r->e;
    const stress_config *cfg = r->cfg;
    L->cap = cfg->capacity ? cfg->capacity : 1 + (size_t)(h_rand(rng) % 4);
    if (e->kind == REG_COUNTER && L->cap > e->max_capacity)
        L->cap = e->max_capacity;
    L->joinable = e->kind != REG_COUNTER && e->create_flags &&
                  (L->window & 1);
    L->obj = L->joinable ? e->create_flags(L->cap, CONC_JOINABLE)
                         : e->create(L->cap);
    lz_hist_init(&L->h, NULL, NULL);
    atomic_store_explicit(&L->unrecorded, 0, memory_order_relaxed);
    *spec = lz_spec_for(e, L->cap, L->joinable ? CONC_JOINABLE : 0);
    spec->max_states = LZW_MAX_STATES;
    if (!L->obj || e->kind == REG_COUNTER)
        return;
    /* The setup: a few items in, recorded as the thread after the last. */
    size_t room = e->unbounded ? 3 : (L->cap < 3 ? L->cap : 3);
    size_t n = (size_t)(h_rand(rng) % (room + 1));
    int setup = r->nthreads;
    for (size_t k = 0; k < n; k++) {
        void *it = item(setup, k);
        int i = lz_begin(&L->h, (uint32_t)setup, LZ_PUSH,
                         (uint64_t)(uintptr_t)it);
        lz_end(&L->h, i, e->push(L->obj, it), 0);
    }
}

static void report_window(lzw *L, const lz_spec *spec, const lz_result *res,
                          int nprinted)
{
    run *r = L->r;
    const reg_entry *e = r->e;
    size_t n = lz_hist_len(&L->h);
    char cap[32] = "";
    if (e->kind != REG_COUNTER)
        snprintf(cap, sizeof cap, ", capacity %zu", L->cap);
    violation(r, V_LINEARIZE, -1, 0,
              "window %" PRIu64 " (%d threads, %zu ops%s%s) is not "
              "linearizable (a failing sub-history of %zu ops)",
              L->window, r->nthreads, n, cap,
              L->joinable ? ", joinable" : "", res->n_kept);
    if (nprinted >= LZW_PRINT_MAX)
        return;
    printf("  window %" PRIu64 " of %s (seed %" PRIu64 "; T%d is the setup):\n",
           L->window, e->name, r->cfg->seed, r->nthreads);
    lz_print_result(stdout, "    ", spec, L->h.ops, n, res);
    printf("    the whole window:\n");
    lz_print(stdout, "    ", L->h.ops, n, ~(uint64_t)0);
    fflush(stdout);
}

/* ---- the run ---- */

static STRESS_NORETURN void cannot(const char *what, const char *name)
{
    fflush(stdout);
    fprintf(stderr, BINARY_NAME ": cannot run %s: %s\n", name, what);
    _exit(EXIT_CANNOT_RUN);
}

int lincheck_run(const stress_config *cfg, const reg_entry *e, result *res,
                 volatile sig_atomic_t *interrupted)
{
    run *r = aligned_alloc(STRESS_PAD, (sizeof *r + STRESS_PAD - 1) /
                                           STRESS_PAD * STRESS_PAD);
    lzw *L = calloc(1, sizeof *L);
    lz_ctx *ctx = lz_ctx_new();
    if (!r || !L || !ctx)
        cannot("out of memory", e->name);
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->e = e;
    r->nthreads = cfg->threads ? cfg->threads : LZW_DEFAULT_THREADS;
    if (e->kind == REG_COUNTER)
        r->A = r->nthreads;
    else
        r->M = r->nthreads;
    r->capacity = cfg->capacity;
    pthread_mutex_init(&r->v.lock, NULL);
    size_t slots = sizeof(tslot) * ((size_t)r->nthreads + 1);
    r->slots = aligned_alloc(STRESS_PAD, slots);
    if (!r->slots)
        cannot("out of memory", e->name);
    memset(r->slots, 0, slots);
    for (int i = 0; i <= r->nthreads; i++) {
        r->slots[i].role = i == r->nthreads ? ROLE_DRAIN
                           : e->kind == REG_COUNTER ? ROLE_ADDER
                                                    : ROLE_MIXED;
        r->slots[i].index = i;
        r->slots[i].cpu = cfg->pin && i < r->nthreads
                              ? cfg->cpus[i % cfg->ncpus_allowed] : -1;
    }
    L->r = r;
    L->calls_per_thread = (LZW_CALLS + r->nthreads - 1) / r->nthreads;
    if (pthread_barrier_init(&L->start, NULL, (unsigned)r->nthreads + 1) ||
        pthread_barrier_init(&L->end, NULL, (unsigned)r->nthreads + 1))
        cannot("cannot make the barriers", e->name);

    res->e = e;
    res->nthreads = r->nthreads;
    res->M = r->M;
    res->A = r->A;
    res->capacity = cfg->capacity;
    snprintf(res->label, sizeof res->label, "%dT", r->nthreads);
    res->prod_prefix = 'T';
    if (!cfg->quiet)
        report_header(cfg, res);

    lzw_thread *w = calloc((size_t)r->nthreads, sizeof *w);
    if (!w)
        cannot("out of memory", e->name);
    for (int t = 0; t < r->nthreads; t++) {
        w[t] = (lzw_thread){L, t, 0};
        if (h_thread_create(&w[t].th, worker, &w[t]) != 0)
            cannot("cannot create threads", e->name);
    }
    uint64_t rng = h_mix64(cfg->seed ^ 0x11CEC4ull) | 1;
#ifdef CONC_STRESS_VERIFY
    uint64_t y0 = conc_verify_yields(), p0 = conc_verify_points();
#endif
    double t0 = h_now_s();
    r->t_start = t0;
    atomic_store_explicit(&r->go, 1, memory_order_release);
    watchdog_watch(r);
    int printed = 0;
    uint64_t gave_up = 0;
    for (;;) {
        double el = h_now_s() - t0;
        if ((cfg->duration_s > 0 && el >= cfg->duration_s) ||
            (cfg->ops && L->ops >= cfg->ops) || *interrupted)
            break;
        lz_spec spec;
        make_window(L, &rng, &spec);
        if (!L->obj)
            cannot("create failed", e->name);
        r->obj = L->obj;
        pthread_barrier_wait(&L->start);
        pthread_barrier_wait(&L->end);
        L->ops = atomic_load_explicit(&L->calls, memory_order_relaxed);
        lz_result lr;
        lz_verdict v = atomic_load(&L->unrecorded)
                           ? LZ_GAVE_UP
                           : lz_check_hist(ctx, &spec, &L->h, &lr);
        if (v == LZ_VIOLATION)
            report_window(L, &spec, &lr, printed++);
        else if (v != LZ_OK) {
            gave_up++;
        }
        e->destroy(L->obj);
        L->obj = NULL;
        L->window++;
        atomic_fetch_add_explicit(&r->extra_progress, 1, memory_order_relaxed);
    }
    if (*interrupted)
        res->interrupted = true;
    atomic_store(&L->quit, 1);
    pthread_barrier_wait(&L->start);
    for (int t = 0; t < r->nthreads; t++)
        pthread_join(w[t].th, NULL);
    watchdog_watch(NULL);
    res->elapsed = h_now_s() - t0;
#ifdef CONC_STRESS_VERIFY
    res->yields = conc_verify_yields() - y0;
    res->points = conc_verify_points() - p0;
#endif

    res->ops = L->ops;
    res->windows = L->window;
    res->windows_gave_up = gave_up;
    res->mops = res->elapsed > 0 ? (double)res->ops / res->elapsed / 1e6 : 0;
    res->fairness = 1.0;
    snprintf(res->slowest, sizeof res->slowest, "-");
    for (int k = 0; k < V_KINDS; k++)
        res->vcount[k] = atomic_load(&r->v.count[k]);
    res->vtotal = atomic_load(&r->v.total);
    memcpy(res->nvlist, r->v.nlist, sizeof res->nvlist);
    memcpy(res->vlist, r->v.list, sizeof res->vlist);
    add_check(res, "linearizable",
              res->vcount[V_LINEARIZE] ? CHECK_FAIL : CHECK_PASS,
              res->vcount[V_LINEARIZE],
              "every window's history is linearizable against the "
              "structure's specification (harness/lincheck.h)");
    res->pass = res->vcount[V_LINEARIZE] == 0;

    pthread_barrier_destroy(&L->start);
    pthread_barrier_destroy(&L->end);
    pthread_mutex_destroy(&r->v.lock);
    lz_ctx_free(ctx);
    free(w);
    free(r->slots);
    free(r);
    free(L);
    return res->pass ? EXIT_PASS : EXIT_VIOLATION;
}
