/*
 * run.c - one run of one structure, in steps: choose the roles, set up
 * the structure, the slots and the ledgers (run_setup), start the threads,
 * wait for the duration or the work, stop and join them (run_threads),
 * drain and settle (containers.c / counters.c), then turn the violation
 * counts into the check verdicts (fill_checks) and the per-thread figures
 * into fairness (fill_threads).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

#ifdef CONC_STRESS_VERIFY
#include "internal/verify.h"
#endif

static STRESS_NORETURN void cannot_run(const char *what, const char *name)
{
    fflush(stdout);
    fprintf(stderr, BINARY_NAME ": cannot run %s: %s\n", name, what);
    _exit(EXIT_CANNOT_RUN);
}

static void *zalloc_aligned(size_t n)
{
    size_t sz = (n + STRESS_PAD - 1) / STRESS_PAD * STRESS_PAD;
    void *p = aligned_alloc(STRESS_PAD, sz ? sz : STRESS_PAD);
    if (p)
        memset(p, 0, sz ? sz : STRESS_PAD);
    return p;
}

static size_t pow2_at_least(size_t v)
{
    size_t p = 1;
    while (p < v && p < ((size_t)1 << 40))
        p <<= 1;
    return p;
}

/* ---- setup ---- */

static int default_threads(const stress_config *cfg)
{
    int n = 2 * cfg->ncpus;
    if (n < 2)
        n = 2;
    if (n > STRESS_MAX_THREADS)
        n = STRESS_MAX_THREADS;
    return n;
}

/* Queues: N/2 producers and N/2 consumers.  Stacks: N threads that both
 * push and pop (for the LIFO watch), except with --wait, where pushers and
 * poppers are dedicated as for queues (a thread that waits to push on a
 * full stack cannot pop for the others meanwhile) unless --mixed asks for
 * mixed threads all the same.  Counters: N adders. */
static void choose_roles(const stress_config *cfg, const reg_entry *e, run *r)
{
    int n = cfg->threads ? cfg->threads : default_threads(cfg);
    bool pc = cfg->producers + cfg->consumers > 0;
    bool mixed_stack = e->kind == REG_STACK && (!cfg->wait || cfg->mixed);
    if (e->kind == REG_COUNTER) {
        r->A = pc ? cfg->producers + cfg->consumers : n;
    } else if (pc) {
        r->P = cfg->producers;
        r->C = cfg->consumers;
    } else if (mixed_stack || n == 1) {
        r->M = n;
    } else {
        r->P = (n + 1) / 2;
        r->C = n / 2;
    }
    r->nthreads = r->P + r->C + r->M + r->A;
    r->nprod = r->P + r->M;
}

static void setup_slots(run *r)
{
    const stress_config *cfg = r->cfg;
    r->slots = zalloc_aligned(sizeof *r->slots * ((size_t)r->nthreads + 1));
    if (!r->slots)
        cannot_run("out of memory", r->e->name);
    int idx[5] = {0};
    for (int i = 0; i <= r->nthreads; i++) {
        tslot *s = &r->slots[i];
        int role = i < r->P          ? ROLE_PRODUCER
                   : i < r->P + r->C ? ROLE_CONSUMER
                   : r->M            ? ROLE_MIXED
                                     : ROLE_ADDER;
        if (i == r->nthreads)
            role = ROLE_DRAIN;
        s->role = role;
        s->index = idx[role]++;
        s->cpu = cfg->pin && i < r->nthreads
                     ? cfg->cpus[i % cfg->ncpus_allowed] : -1;
    }
}

/* The ledger window: 4x the capacity (at least 4096) so that a healthy run
 * rarely leaves it, within 128 MB of slots for all producers; and the
 * limit of unsettled items beyond which items are certainly being lost. */
static void setup_ledgers(run *r)
{
    size_t want = pow2_at_least(r->capacity > 1024 ? 4 * r->capacity : 4096);
    size_t limit = pow2_at_least(((size_t)1 << 24) / (size_t)r->nprod + 1) / 2;
    if (limit < 1024)
        limit = 1024;
    if (want > limit)
        want = limit;
    if (want > ((size_t)1 << 22))
        want = (size_t)1 << 22;
    r->window = want;
    r->late_limit = r->capacity + 2 * r->window +
                    64 * (size_t)r->nthreads + 4096;
    r->prod = zalloc_aligned(sizeof *r->prod * (size_t)r->nprod);
    if (!r->prod)
        cannot_run("out of memory", r->e->name);
    for (int p = 0; p < r->nprod; p++)
        if (h_ledger_init(&r->prod[p].led, p, r->window, r->late_limit,
                          ledger_violation, r) != 0)
            cannot_run("out of memory for the ledgers", r->e->name);
}

/* Everything a run needs before its threads start: roles, the structure,
 * the per-thread slots and, for containers, the producers' ledgers. */
static run *run_setup(const stress_config *cfg, const reg_entry *e)
{
    run *r = zalloc_aligned(sizeof *r);
    if (!r)
        cannot_run("out of memory", e->name);
    r->cfg = cfg;
    r->e = e;
    choose_roles(cfg, e, r);
    r->ops_target = cfg->ops;
    if (e->kind == REG_COUNTER) {
        size_t shards = cfg->capacity ? cfg->capacity
                                      : (size_t)2 * (size_t)cfg->ncpus;
        if (shards > e->max_capacity) {
            r->capped_shards = cfg->capacity != 0;
            shards = e->max_capacity;
        }
        r->capacity = shards;
    } else {
        r->capacity = cfg->capacity ? cfg->capacity : DEFAULT_CAPACITY;
    }
    pthread_mutex_init(&r->v.lock, NULL);
    setup_slots(r);
    r->obj = e->create(r->capacity);
    if (!r->obj) {
        char why[128];
        snprintf(why, sizeof why, "create(%zu) failed: %s", r->capacity,
                 strerror(errno));
        cannot_run(why, e->name);
    }
    if (e->kind == REG_COUNTER)
        return r;
    size_t got = e->capacity(r->obj);
    size_t want_cap = e->unbounded ? SIZE_MAX : r->capacity;
    if (got != want_cap)
        violation(r, V_CAPACITY, -1, 0,
                  "made with capacity %zu, capacity() says %zu (want %zu)",
                  r->capacity, got, want_cap);
    r->watch = e->kind == REG_STACK && r->M > 0;
    setup_ledgers(r);
    return r;
}

static void run_free(run *r)
{
    r->e->destroy(r->obj);
    if (r->prod) {
        for (int p = 0; p < r->nprod; p++)
            h_ledger_fini(&r->prod[p].led);
        free(r->prod);
    }
    pthread_mutex_destroy(&r->v.lock);
    free(r->slots);
    free(r);
}

/* ---- running ---- */

/* --wait: once every thread that pushes has stopped pushing, close; the
 * consumers drain and leave on CONC_CLOSED. */
static void close_when_producers_done(run *r)
{
    while (atomic_load_explicit(&r->producers_done, memory_order_acquire) <
           r->nprod)
        h_sleep_s(0.001);
    /* Before the close, so that a consumer that sees CLOSED also sees it. */
    atomic_store_explicit(&r->closed, 1, memory_order_release);
    int st = r->e->close(r->obj);
    if (st != CONC_OK)
        violation(r, V_STATUS, -1, 0, "close() returned status %d", st);
}

/* Why the main thread stops waiting: the duration is over, every thread
 * is done, an interrupt, an early stop, or (--wait with --ops) every
 * producer is done and it is time to close.  0: go on. */
static bool time_to_stop(run *r, result *res, double el,
                         volatile sig_atomic_t *interrupted)
{
    const stress_config *cfg = r->cfg;
    if (cfg->duration_s > 0 && el >= cfg->duration_s)
        return true;
    if (atomic_load_explicit(&r->threads_done, memory_order_acquire) ==
        r->nthreads)
        return true;
    if (*interrupted) {
        res->interrupted = true;
        return true;
    }
    if (atomic_load_explicit(&r->early_stop, memory_order_relaxed))
        return true;
    return cfg->wait && r->e->kind != REG_COUNTER &&
           atomic_load_explicit(&r->producers_done, memory_order_acquire) ==
               r->nprod;
}

/* Start the threads, wait for the duration (or for the work to be done),
 * stop them and join them; the watchdog watches from the start signal on. */
static void run_threads(run *r, result *res, volatile sig_atomic_t *interrupted)
{
    const stress_config *cfg = r->cfg;
    pthread_t *th = calloc((size_t)r->nthreads, sizeof *th);
    if (!th)
        cannot_run("out of memory", r->e->name);
    int created = 0;
    int rc = r->e->kind == REG_COUNTER ? counters_start(r, th, &created)
                                       : containers_start(r, th, &created);
    if (rc != 0)
        cannot_run(created < r->nthreads ? "cannot create threads"
                                         : "out of memory",
                   r->e->name);
    double t0 = h_now_s();
    r->t_start = t0;
    watchdog_watch(r); /* after the last plain write the watchdog reads */
    atomic_store_explicit(&r->go, 1, memory_order_release);
    bool tty = !cfg->quiet && isatty(2);
    bool shown = false;
    double next_show = 2.0;
    for (;;) {
        double nap = 0.05;
        if (cfg->duration_s > 0) {
            double left = cfg->duration_s - (h_now_s() - t0);
            if (left < nap)
                nap = left > 0 ? left : 0;
        }
        h_sleep_s(nap);
        double el = h_now_s() - t0;
        if (time_to_stop(r, res, el, interrupted))
            break;
        if (tty && el >= next_show) {
            report_progress(cfg, r, res->label, el);
            shown = true;
            next_show = el + 0.5;
        }
    }
    atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    atomic_store_explicit(&r->phase, 1, memory_order_relaxed);
    if (cfg->wait && r->e->kind != REG_COUNTER)
        close_when_producers_done(r);
    for (int i = 0; i < created; i++)
        pthread_join(th[i], NULL);
    free(th);
    /* Until the last thread finished (the main thread only polls). */
    double t_end = 0;
    for (int i = 0; i < r->nthreads; i++)
        if (r->slots[i].t_done > t_end)
            t_end = r->slots[i].t_done;
    res->elapsed = (t_end > t0 ? t_end : h_now_s()) - t0;
    if (shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
}

/* ---- verdicts ---- */

void add_check(result *res, const char *name, int status, uint64_t n,
               const char *what)
{
    check_result *c = &res->checks[res->nchecks++];
    c->name = name;
    c->status = status;
    c->violations = n;
    c->what = what;
}

static int vstatus(const result *res, int k1, int k2)
{
    uint64_t n = res->vcount[k1] + (k2 >= 0 ? res->vcount[k2] : 0);
    return n ? CHECK_FAIL : CHECK_PASS;
}

static void fill_counter_checks(result *res)
{
    const reg_entry *e = res->e;
    add_check(res, "statuses", vstatus(res, V_STATUS, -1),
              res->vcount[V_STATUS], "every add and read returned CONC_OK");
    add_check(res, "total", vstatus(res, V_TOTAL, -1), res->vcount[V_TOTAL],
              "read() equals the sum of all deltas after every round and "
              "at the end");
    add_check(res, "prev",
              e->add_returns_prev ? vstatus(res, V_PREV, -1) : CHECK_SKIPPED,
              res->vcount[V_PREV],
              "all-ones rounds: the previous totals returned are exactly "
              "base..base+M-1, once each, increasing per thread");
}

static void fill_checks(result *res, const container_totals *ct)
{
    const reg_entry *e = res->e;
#define VC(k) res->vcount[k]
    if (e->kind == REG_COUNTER) {
        fill_counter_checks(res);
        return;
    }
    add_check(res, "capacity", vstatus(res, V_CAPACITY, -1), VC(V_CAPACITY),
              "capacity() is the capacity the structure was made with "
              "(SIZE_MAX for an unbounded one)");
    add_check(res, "statuses", vstatus(res, V_STATUS, -1), VC(V_STATUS),
              "push/pop returned only OK/FULL/EMPTY, with consistent counts");
    add_check(res, "check_word", vstatus(res, V_CORRUPT, -1), VC(V_CORRUPT),
              "every popped item's check word matches its (producer, seq)");
    add_check(res, "origin", vstatus(res, V_INVENTED, -1), VC(V_INVENTED),
              "every popped item was pushed, and its push had begun");
    add_check(res, "exactly_once", vstatus(res, V_DUPLICATE, V_LOST),
              VC(V_DUPLICATE) + VC(V_LOST),
              "every pushed item was popped exactly once");
    if (e->kind == REG_QUEUE)
        add_check(res, "fifo_per_producer", vstatus(res, V_ORDER, -1),
                  VC(V_ORDER),
                  "each consumer saw each producer's items in push order");
    else
        add_check(res, "lifo_own", res->M > 0 ? vstatus(res, V_LIFO, -1)
                                              : CHECK_SKIPPED,
                  VC(V_LIFO),
                  "no pop returned a thread's item while a later item of "
                  "that thread was provably above it");
    add_check(res, "empty_after_drain", vstatus(res, V_NOT_EMPTY, -1),
              VC(V_NOT_EMPTY),
              "after the drain, pop and pop_many return CONC_EMPTY");
    bool bal = ct->pushed == ct->popped + ct->drained;
    add_check(res, "balance", bal ? CHECK_PASS : CHECK_FAIL, bal ? 0 : 1,
              "items pushed == items popped during the run + drained");
#undef VC
}

/* Per-thread figures, and fairness: the slowest thread's share of its
 * role's mean (producers and consumers are compared within their group). */
static void fill_threads(result *res, run *r)
{
    res->threads = calloc((size_t)r->nthreads, sizeof *res->threads);
    double mean[5] = {0};
    int cnt[5] = {0};
    for (int i = 0; i < r->nthreads && res->threads; i++) {
        tslot *s = &r->slots[i];
        thread_result *t = &res->threads[i];
        thread_name(r, i, t->name);
        t->role = s->role;
        t->cpu = r->cfg->pin ? s->cpu : -1;
        t->ops = atomic_load(&s->ok);
        t->pushes = atomic_load(&s->pushes);
        t->pops = atomic_load(&s->pops);
        t->full = atomic_load(&s->full);
        t->empty = atomic_load(&s->empty);
        res->full += t->full;
        res->empty += t->empty;
        mean[s->role] += (double)t->ops;
        cnt[s->role]++;
    }
    res->fairness = 1.0;
    snprintf(res->slowest, sizeof res->slowest, "-");
    for (int i = 0; i < r->nthreads && res->threads; i++) {
        int role = res->threads[i].role;
        double m = mean[role] / cnt[role];
        double share = m > 0 ? (double)res->threads[i].ops / m : 0.0;
        if (share < res->fairness) {
            res->fairness = share;
            snprintf(res->slowest, sizeof res->slowest, "%s",
                     res->threads[i].name);
        }
    }
}

static void fill_config(result *res, const run *r)
{
    res->P = r->P;
    res->C = r->C;
    res->M = r->M;
    res->A = r->A;
    res->nthreads = r->nthreads;
    res->capacity = r->capacity;
    res->capped_shards = r->capped_shards;
    res->window = r->window;
    if (r->P)
        snprintf(res->label, sizeof res->label, "%dP%dC", r->P, r->C);
    else
        snprintf(res->label, sizeof res->label, "%dT", r->nthreads);
    res->prod_prefix = r->P ? 'P' : 'T';
}

/* Drain and settle everything, with the watchdog still watching. */
static void finish(run *r, result *res, container_totals *ct)
{
    memset(ct, 0, sizeof *ct);
    if (r->e->kind == REG_COUNTER) {
        counter_totals k;
        counters_finish(r, &k);
        res->adds = k.adds;
        res->rounds = k.rounds;
        res->ones_rounds = k.ones_rounds;
        res->final_total = k.final_total;
        res->ops = k.adds;
    } else {
        containers_finish(r, ct);
        res->pushes = ct->pushed;
        res->pops = ct->popped;
        res->drained = ct->drained;
        res->len_after_drain = ct->len_after_drain;
        res->late_max = ct->late_max;
        res->ops = ct->pushed + ct->popped;
    }
}

int run_one(const stress_config *cfg, const reg_entry *e, result *res,
            volatile sig_atomic_t *interrupted)
{
    memset(res, 0, sizeof *res);
    res->e = e;
    if (cfg->lincheck)
        return lincheck_run(cfg, e, res, interrupted);
    run *r = run_setup(cfg, e);
    fill_config(res, r);
    if (!cfg->quiet)
        report_header(cfg, res);
#ifdef CONC_STRESS_VERIFY
    uint64_t y0 = conc_verify_yields(), p0 = conc_verify_points();
#endif
    run_threads(r, res, interrupted);
    container_totals ct;
    finish(r, res, &ct);
    watchdog_watch(NULL);
#ifdef CONC_STRESS_VERIFY
    res->yields = conc_verify_yields() - y0;
    res->points = conc_verify_points() - p0;
#endif
    res->early_stop = atomic_load(&r->early_stop) != 0;
    res->mops = res->elapsed > 0 ? (double)res->ops / res->elapsed / 1e6 : 0;
    fill_threads(res, r);
    for (int k = 0; k < V_KINDS; k++)
        res->vcount[k] = atomic_load(&r->v.count[k]);
    res->vtotal = atomic_load(&r->v.total);
    memcpy(res->nvlist, r->v.nlist, sizeof res->nvlist);
    memcpy(res->vlist, r->v.list, sizeof res->vlist);
    fill_checks(res, &ct);
    res->pass = true;
    for (int i = 0; i < res->nchecks; i++)
        if (res->checks[i].status == CHECK_FAIL)
            res->pass = false;
    run_free(r);
    return res->pass ? EXIT_PASS : EXIT_VIOLATION;
}
