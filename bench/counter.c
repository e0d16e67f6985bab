/*
 * counter.c - the timed counter runs: T threads each add 1 a fixed number
 * of times to a conc counter, or to one shared word with a raw relaxed
 * fetch-and-add (the machine's ceiling for one contended line), or each to
 * a word of its own, padded apart (faa_slot: what a sharded counter can
 * reach at best, with no lookup of which slot is the thread's).  Same start
 * barrier, clock and watchdog as the pair runs (runctl.h); the total read
 * afterwards must equal the adds done.
 */
#include "runctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

/* The word the ceiling threads hammer, alone on its lines. */
typedef struct faa_word {
    _Alignas(128) _Atomic uint64_t v;
} faa_word;

typedef struct counter_shared {
    const reg_entry *reg; /* NULL: the raw fetch-and-add ceiling */
    void *obj;
    faa_word *faa;        /* one word, or (slots) one per thread */
    bool slots;
    run_ctl ctl;
    atomic_int bad_status;
} counter_shared;

typedef struct counter_worker {
    worker_head head;
    counter_shared *sh;
    _Atomic uint64_t *word; /* the ceilings: the word this thread adds to */
    size_t count;
    size_t done;
    uint64_t t0, t1;
} counter_worker;

/* Progress and the abort flag are looked at once per this many adds, the
 * same for every counter and for the ceiling. */
#define COUNTER_CHECK_EVERY 4096u

static void *counter_main(void *arg)
{
    counter_worker *w = arg;
    counter_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    void *obj = sh->obj;
    size_t i = 0;

    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = h_now_ns();
    if (reg) {
        for (; i < w->count; i++) {
            if (i % COUNTER_CHECK_EVERY == 0) {
                set_progress(&w->head, i);
                if (aborted(&sh->ctl))
                    break;
            }
            int rc = reg->add(obj, 1, NULL);
            if (rc != CONC_OK) {
                int none = 0;
                atomic_compare_exchange_strong(&sh->bad_status, &none, rc);
                break;
            }
        }
    } else {
        for (; i < w->count; i++) {
            if (i % COUNTER_CHECK_EVERY == 0) {
                set_progress(&w->head, i);
                if (aborted(&sh->ctl))
                    break;
            }
            /* Relaxed, as conc_counter's add: on x86 this is one lock xadd
             * whatever the order; the ceiling is the line's round trip. */
            atomic_fetch_add_explicit(w->word, 1, memory_order_relaxed);
        }
    }
    w->t1 = h_now_ns();
    w->done = i;
    worker_finished(&sh->ctl);
    return NULL;
}

/* The counter (with `shards`) or the ceiling's word; false with res set. */
static bool counter_create(counter_shared *sh, size_t shards,
                           bench_result *res)
{
    if (!sh->reg) {
        size_t n = sh->slots ? shards : 1;
        sh->faa = bench_aligned_zalloc(_Alignof(faa_word), n * sizeof *sh->faa);
        for (size_t i = 0; i < n; i++)
            atomic_init(&sh->faa[i].v, 0);
        return true;
    }
    errno = 0;
    sh->obj = sh->reg->create(shards);
    if (sh->obj)
        return true;
    res->outcome = BENCH_FAILED;
    snprintf(res->msg, sizeof res->msg, "create (%zu shards) failed: %s",
             shards, errno ? strerror(errno) : "no reason given");
    return false;
}

/* The figures, then the verdict: the total read must equal the adds done;
 * a failed check beats a stall. */
static void counter_verdict(const char *label, counter_shared *sh,
                            const counter_worker *w, unsigned threads,
                            size_t adds, watch_end end, bench_result *res)
{
    uint64_t t0 = UINT64_MAX, t1 = 0;
    size_t done = 0;
    for (unsigned i = 0; i < threads; i++) {
        if (w[i].t0 < t0)
            t0 = w[i].t0;
        if (w[i].t1 > t1)
            t1 = w[i].t1;
        done += w[i].done;
    }

    int bad = atomic_load(&sh->bad_status);
    int64_t got = 0;
    int rrc = CONC_OK;
    if (sh->reg)
        rrc = sh->reg->read(sh->obj, &got);
    else
        for (unsigned i = 0; i < (sh->slots ? threads : 1); i++)
            got += (int64_t)atomic_load(&sh->faa[i].v);
    res->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0.0;
    res->mops = rate_mops(done, t0, t1);
    if (bad) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "add returned %s",
                 conc_strerror(bad));
    } else if (rrc != CONC_OK) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "read returned %s",
                 conc_strerror(rrc));
    } else if ((uint64_t)got != (uint64_t)done) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "read %lld after %zu adds of 1",
                 (long long)got, done);
    } else if (end != W_FINISHED) {
        res->outcome = BENCH_STALLED;
        snprintf(res->msg, sizeof res->msg,
                 "%s: %s; aborted after %zu of %zu adds", label,
                 end == W_STALLED ? "no add completed for the stall window"
                                  : "the run passed the timeout",
                 done, (adds / threads) * threads);
    } else {
        res->outcome = BENCH_DONE;
    }
}

static void counter_run(const char *label, const reg_entry *reg, bool slots,
                        unsigned threads, size_t adds, size_t shards,
                        const bench_limits *lim, bench_result *res)
{
    memset(res, 0, sizeof *res);
    counter_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.reg = reg;
    sh.slots = slots;
    atomic_init(&sh.bad_status, 0);
    if (!counter_create(&sh, slots ? threads : shards, res))
        return;

    counter_worker *w =
        bench_aligned_zalloc(_Alignof(counter_worker), threads * sizeof *w);
    pthread_t *tids = calloc(threads, sizeof *tids);
    if (!tids)
        bench_die("allocating", ENOMEM);
    ctl_init(&sh.ctl, threads);
    for (unsigned i = 0; i < threads; i++) {
        w[i].sh = &sh;
        w[i].count = adds / threads;
        if (!reg)
            w[i].word = &sh.faa[slots ? i : 0].v;
    }
    start_threads(tids, threads, w, sizeof *w, counter_main, counter_main,
                  threads);
    watch_end end = watch(label, &sh.ctl, tids, w, sizeof *w, threads, lim);
    counter_verdict(label, &sh, w, threads, adds, end, res);

    ctl_destroy(&sh.ctl);
    free(tids);
    free(w);
    if (reg)
        reg->destroy(sh.obj);
    else
        free(sh.faa);
}

void bench_counter_run(const char *label, const reg_entry *reg,
                       unsigned threads, size_t adds, size_t shards,
                       const bench_limits *lim, bench_result *res)
{
    counter_run(label, reg, false, threads, adds, shards, lim, res);
}

void bench_faa_slots_run(const char *label, unsigned threads, size_t adds,
                         const bench_limits *lim, bench_result *res)
{
    counter_run(label, NULL, true, threads, adds, 0, lim, res);
}
