/*
 * pair.c - the timed container runs: pair throughput (P producers, C
 * consumers; one item at a time, or through push_many / pop_many for the
 * batch rows) and the single-thread push + pop.
 *
 * Every structure, conc's or a peer's, goes through the same loops, the same
 * spin policy (--spin, bench.h) and the same clock (runctl.h).  Lost,
 * duplicated or corrupted items are errors, and are told apart from stalls
 * by draining the structure after every run and checking counts and
 * checksums against what was actually pushed.
 */
#include "runctl.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

/* ------------------------------------------------------------------------ */
/* Pair throughput: the timed loops                                          */

typedef struct pair_shared {
    const reg_entry *reg;
    const bench_peer_ops *peer;
    void *obj;
    size_t batch; /* > 0: conc structures through push_many / pop_many */
    bench_spin spin;
    run_ctl ctl;
    atomic_int bad_status; /* first unexpected conc status, or 0 */
} pair_shared;

typedef struct pair_worker {
    worker_head head;
    pair_shared *sh;
    unsigned id;     /* producer or consumer number */
    size_t base;     /* producers: global index of the first item */
    size_t count;    /* producers: items to push; consumers: items to pop */
    size_t done;     /* items actually pushed / popped */
    uint64_t fails;  /* attempts that found the structure full / empty */
    uint64_t sum;    /* consumers: sum of the values popped */
    uint64_t t0, t1; /* leaving the barrier; finishing */
} pair_worker;

static inline void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Called after each failed attempt; true when the run was aborted.  The
 * spin policy (bench.h): yield every BENCH_YIELD_EVERY failures, or pause
 * once per failure and never yield. */
static inline bool spin_fail(unsigned *fails, pair_shared *sh)
{
    if (sh->spin == SPIN_PAUSE)
        cpu_pause();
    if ((++*fails % BENCH_YIELD_EVERY) == 0) {
        if (sh->spin == SPIN_YIELD)
            sched_yield();
        return aborted(&sh->ctl);
    }
    return false;
}

/* What a thread passes to a peer's push and pop: its own handle when the
 * peer has per-thread state, else the structure itself. */
static void *peer_handle(const bench_peer_ops *peer, void *obj, bool producer)
{
    if (!peer || !peer->thread_handle)
        return obj;
    void *h = peer->thread_handle(obj, producer);
    if (!h)
        bench_die("a peer's per-thread handle", ENOMEM);
    return h;
}

static void flag_bad(pair_shared *sh, int status)
{
    int none = 0;
    atomic_compare_exchange_strong(&sh->bad_status, &none, status);
    atomic_store_explicit(&sh->ctl.abort, true, memory_order_relaxed);
}

static void *producer_main(void *arg)
{
    pair_worker *w = arg;
    pair_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    const bench_peer_ops *peer = sh->peer;
    void *obj = peer_handle(peer, sh->obj, true);
    size_t s = 0;
    uint64_t failed = 0;

    void *items[BENCH_MAX_BATCH];
    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = h_now_ns();
    if (reg && sh->batch) {
        /* push_many: items s..s+k; what did not fit stays and is retried */
        while (s < w->count) {
            size_t k = w->count - s < sh->batch ? w->count - s : sh->batch;
            for (size_t i = 0; i < k; i++)
                items[i] = item_encode(w->id, s + i);
            size_t off = 0;
            unsigned fails = 0;
            while (off < k) {
                size_t got = 0;
                int rc = reg->push_many(obj, items + off, k - off, &got);
                off += got;
                if (rc == CONC_OK)
                    break;
                if (rc != CONC_FULL) {
                    flag_bad(sh, rc);
                    s += off;
                    goto out;
                }
                if (got)
                    continue;
                failed++;
                if (spin_fail(&fails, sh)) {
                    s += off;
                    goto out;
                }
            }
            s += k;
            set_progress(&w->head, s);
        }
    } else if (reg) {
        for (; s < w->count; s++) {
            void *item = item_encode(w->id, s);
            unsigned fails = 0;
            int rc;
            while ((rc = reg->push(obj, item)) != CONC_OK) {
                if (rc != CONC_FULL) {
                    flag_bad(sh, rc);
                    goto out;
                }
                failed++;
                if (spin_fail(&fails, sh))
                    goto out;
            }
            set_progress(&w->head, s + 1);
        }
    } else {
        for (; s < w->count; s++) {
            void *item = item_encode(w->id, s);
            unsigned fails = 0;
            while (peer->push(obj, w->base + s, item) != 0) {
                failed++;
                if (spin_fail(&fails, sh))
                    goto out;
            }
            set_progress(&w->head, s + 1);
        }
    }
out:
    w->t1 = h_now_ns();
    w->done = s;
    w->fails = failed;
    worker_finished(&sh->ctl);
    return NULL;
}

static void *consumer_main(void *arg)
{
    pair_worker *w = arg;
    pair_shared *sh = w->sh;
    const reg_entry *reg = sh->reg;
    const bench_peer_ops *peer = sh->peer;
    void *obj = peer_handle(peer, sh->obj, false);
    uint64_t sum = 0, failed = 0;
    size_t got = 0;
    unsigned fails = 0;
    const bool batched = reg && sh->batch; /* a local: no load per item */

    pthread_barrier_wait(&sh->ctl.start);
    w->t0 = h_now_ns();
    while (batched && got < w->count) {
        void *items[BENCH_MAX_BATCH];
        size_t want = w->count - got < sh->batch ? w->count - got : sh->batch;
        size_t n = 0;
        int rc = reg->pop_many(obj, items, want, &n);
        if (rc == CONC_OK) {
            for (size_t i = 0; i < n; i++)
                sum += (uint64_t)(uintptr_t)items[i];
            got += n;
            fails = 0;
            set_progress(&w->head, got);
        } else if (rc != CONC_EMPTY) {
            flag_bad(sh, rc);
            break;
        } else {
            failed++;
            if (spin_fail(&fails, sh))
                break;
        }
    }
    while (!batched && got < w->count) {
        void *item;
        int rc = reg ? reg->pop(obj, &item)
                     : (peer->pop(obj, &item) == 0 ? CONC_OK : CONC_EMPTY);
        if (rc == CONC_OK) {
            sum += (uint64_t)(uintptr_t)item;
            got++;
            fails = 0;
            set_progress(&w->head, got);
        } else if (rc != CONC_EMPTY) {
            flag_bad(sh, rc);
            break;
        } else {
            failed++;
            if (spin_fail(&fails, sh))
                break;
        }
    }
    w->t1 = h_now_ns();
    w->done = got;
    w->fails = failed;
    w->sum = sum;
    worker_finished(&sh->ctl);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Pair throughput: the steps of one run                                     */

/* What the workers did, summed once the threads are gone. */
typedef struct pair_tally {
    uint64_t t0, t1;      /* earliest start; last consumer's end */
    uint64_t sum;         /* values popped (drain included) */
    uint64_t expect_sum;  /* values pushed */
    uint64_t full, empty; /* failed pushes, failed pops */
    size_t pushed, popped, left;
} pair_tally;

/* The structure of a run: a conc structure with the container's flags, or
 * a peer sized for `total` items.  NULL with errno on failure. */
static void *container_create(const bench_container *c, size_t capacity,
                              size_t total)
{
    errno = 0;
    if (!c->reg)
        return c->peer->create(capacity, total);
    return c->reg->create_flags ? c->reg->create_flags(capacity, c->flags)
                                : c->reg->create(capacity);
}

static void container_destroy(const bench_container *c, void *obj)
{
    if (c->reg)
        c->reg->destroy(obj);
    else
        c->peer->destroy(obj);
}

static void create_failed(bench_result *res, size_t capacity)
{
    res->outcome = BENCH_FAILED;
    snprintf(res->msg, sizeof res->msg, "create (capacity %zu) failed: %s",
             capacity, errno ? strerror(errno) : "no reason given");
}

/*
 * Each consumer pops a fixed quota (total / C, the remainder spread), so no
 * shared "items popped" word is touched in the timed loop: such a word would
 * add one contended atomic per item to every structure and measure itself.
 */
static void assign_quotas(pair_worker *w, pair_shared *sh, unsigned producers,
                          unsigned consumers, size_t total)
{
    size_t base = 0;
    for (unsigned i = 0; i < producers; i++) {
        w[i].sh = sh;
        w[i].id = i;
        w[i].base = base;
        w[i].count = total / producers + (i < total % producers);
        base += w[i].count;
    }
    for (unsigned i = 0; i < consumers; i++) {
        pair_worker *cw = &w[producers + i];
        cw->sh = sh;
        cw->id = i;
        cw->count = total / consumers + (i < total % consumers);
    }
}

/* After the threads are gone: pop whatever is left, single-threaded.  At
 * most `limit` pops, so a structure that never reports empty cannot hang
 * the check. */
static size_t drain(const pair_shared *sh, size_t limit, uint64_t *sum)
{
    size_t n = 0;
    void *item;
    void *h = peer_handle(sh->peer, sh->obj, false);
    while (n < limit) {
        int ok = sh->reg ? sh->reg->pop(sh->obj, &item) == CONC_OK
                         : sh->peer->pop(h, &item) == 0;
        if (!ok)
            break;
        *sum += (uint64_t)(uintptr_t)item;
        n++;
    }
    return n;
}

static void tally_workers(const pair_worker *w, unsigned producers,
                          unsigned n, pair_tally *t)
{
    memset(t, 0, sizeof *t);
    t->t0 = UINT64_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (w[i].t0 < t->t0)
            t->t0 = w[i].t0;
        if (i < producers) {
            t->pushed += w[i].done;
            t->full += w[i].fails;
            for (size_t s = 0; s < w[i].done; s++)
                t->expect_sum += (uint64_t)(uintptr_t)item_encode(i, s);
        } else {
            t->popped += w[i].done;
            t->empty += w[i].fails;
            t->sum += w[i].sum;
            if (w[i].t1 > t->t1)
                t->t1 = w[i].t1;
        }
    }
}

/* The figures, then the verdict: a failed check beats a stall. */
static void pair_verdict(const char *label, const pair_tally *t, int bad,
                         watch_end end, size_t total, bench_result *res)
{
    res->seconds = t->t1 > t->t0 ? (double)(t->t1 - t->t0) / 1e9 : 0.0;
    res->mops = rate_mops(t->popped, t->t0, t->t1);
    res->full_retries = t->popped ? (double)t->full / (double)t->popped : 0;
    res->empty_retries = t->popped ? (double)t->empty / (double)t->popped : 0;
    if (bad) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "unexpected status %s",
                 conc_strerror(bad));
    } else if (t->popped + t->left != t->pushed) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg,
                 "%zu items pushed, %zu popped and %zu left inside: items %s",
                 t->pushed, t->popped, t->left,
                 t->popped + t->left < t->pushed ? "lost" : "duplicated");
    } else if (t->sum != t->expect_sum) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg,
                 "checksum of popped items is wrong: items corrupted, or lost "
                 "and duplicated");
    } else if (end != W_FINISHED) {
        res->outcome = BENCH_STALLED;
        snprintf(res->msg, sizeof res->msg,
                 "%s: %s; aborted with %zu of %zu items pushed, %zu popped "
                 "(none lost)",
                 label,
                 end == W_STALLED ? "no item moved for the stall window"
                                  : "the run passed the timeout",
                 t->pushed, total, t->popped);
    } else {
        res->outcome = BENCH_DONE;
    }
}

void bench_pair_run(const char *label, const bench_container *c,
                    unsigned producers, unsigned consumers, size_t total,
                    size_t capacity, const bench_limits *lim, bench_result *res)
{
    memset(res, 0, sizeof *res);
    pair_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.reg = c->reg;
    sh.peer = c->peer;
    sh.spin = bench_get_policy()->spin;
    sh.batch = c->reg && c->batch ? c->batch : 0;
    if (sh.batch > BENCH_MAX_BATCH)
        sh.batch = BENCH_MAX_BATCH;
    atomic_init(&sh.bad_status, 0);
    sh.obj = container_create(c, capacity, total);
    if (!sh.obj) {
        create_failed(res, capacity);
        return;
    }

    unsigned n = producers + consumers;
    pair_worker *w =
        bench_aligned_zalloc(_Alignof(pair_worker), n * sizeof *w);
    pthread_t *tids = calloc(n, sizeof *tids);
    if (!tids)
        bench_die("allocating", ENOMEM);
    ctl_init(&sh.ctl, n);
    assign_quotas(w, &sh, producers, consumers, total);
    start_threads(tids, n, w, sizeof *w, producer_main, consumer_main,
                  producers);
    watch_end end = watch(label, &sh.ctl, tids, w, sizeof *w, n, lim);

    pair_tally t;
    tally_workers(w, producers, n, &t);
    t.left = drain(&sh, t.pushed + 1, &t.sum);
    pair_verdict(label, &t, atomic_load(&sh.bad_status), end, total, res);

    ctl_destroy(&sh.ctl);
    free(tids);
    free(w);
    container_destroy(c, sh.obj);
}

/* ------------------------------------------------------------------------ */
/* Single-thread push + pop                                                  */

#define SOLO_BATCH 64u

/* What the single-thread loop touches. */
typedef struct solo_state {
    const reg_entry *reg;        /* a conc structure, or */
    const bench_peer_ops *peer;  /* a peer, through */
    void *obj;                   /* the structure, or the peer's handle for */
    void *pop_obj;               /* pushes, and the one for pops */
    size_t total, batch;
    size_t moved;
    uint64_t sum, expect;
    int bad;                     /* CONC_OK, or the failing status */
} solo_state;

static inline int solo_push(solo_state *st, size_t idx, void *item)
{
    if (st->reg)
        return st->reg->push(st->obj, item);
    return st->peer->push(st->obj, idx, item) == 0 ? CONC_OK : CONC_FULL;
}

static inline int solo_pop(solo_state *st, void **item)
{
    if (st->reg)
        return st->reg->pop(st->obj, item);
    return st->peer->pop(st->pop_obj, item) == 0 ? CONC_OK : CONC_EMPTY;
}

/* The timed loop, a function of its own (never inlined) so that callgrind
 * can count its instructions alone (tools/bench-callgrind.sh). */
__attribute__((noinline)) void bench_solo_loop(solo_state *st);
__attribute__((noinline)) void bench_solo_loop(solo_state *st)
{
    while (st->moved < st->total && st->bad == CONC_OK) {
        size_t k = st->total - st->moved < st->batch ? st->total - st->moved
                                                     : st->batch;
        for (size_t i = 0; i < k; i++) {
            void *item = item_encode(0, st->moved + i);
            int rc = solo_push(st, st->moved + i, item);
            if (rc != CONC_OK) {
                st->bad = rc;
                k = i;
                break;
            }
            st->expect += (uint64_t)(uintptr_t)item;
        }
        for (size_t i = 0; i < k; i++) {
            void *item;
            int rc = solo_pop(st, &item);
            if (rc != CONC_OK) {
                st->bad = rc;
                break;
            }
            st->sum += (uint64_t)(uintptr_t)item;
        }
        st->moved += k;
    }
}

void bench_solo_run(const char *label, const bench_container *c, size_t total,
                    size_t capacity, bench_result *res)
{
    memset(res, 0, sizeof *res);
    void *obj = container_create(c, capacity, total);
    if (!obj) {
        create_failed(res, capacity);
        return;
    }
    solo_state st = {
        .reg = c->reg,
        .peer = c->peer,
        .obj = c->reg ? obj : peer_handle(c->peer, obj, true),
        .pop_obj = c->reg ? obj : peer_handle(c->peer, obj, false),
        .total = total,
        .batch = capacity < SOLO_BATCH ? capacity : SOLO_BATCH,
        .bad = CONC_OK,
    };
    uint64_t t0 = h_now_ns();
    bench_solo_loop(&st);
    uint64_t t1 = h_now_ns();
    res->seconds = (double)(t1 - t0) / 1e9;
    res->mops = rate_mops(st.moved, t0, t1);
    if (st.bad != CONC_OK) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "%s: unexpected status %s", label,
                 conc_strerror(st.bad));
    } else if (st.sum != st.expect) {
        res->outcome = BENCH_FAILED;
        snprintf(res->msg, sizeof res->msg, "%s: checksum of popped items is "
                 "wrong", label);
    } else {
        res->outcome = BENCH_DONE;
    }
    container_destroy(c, obj);
}
