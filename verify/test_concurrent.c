/*
 * test_concurrent.c - conservation under concurrency, for every registry
 * structure.
 *
 * Containers: P producers and C consumers (1x1, 2x2, 4x4, 1x4, 4x1: 8
 * threads oversubscribe a 2-core machine on purpose) over capacities 1, 2, 3
 * and 64, item by item and in batches, plus threads that both push and pop.
 * Each item encodes (producer id, sequence, check word) in its bits
 * (harness/codec.h), XOR'ed with a key that makes producer 0's first item
 * NULL, a real item like any other.  Before pushing, the producer
 * writes a check word for the item into a plain (non-atomic) array; the
 * consumer reads it after popping, so a push that does not happen-before its
 * pop is a data race ThreadSanitizer reports (and a stale value here).  At
 * the end: every item popped exactly once, nothing invented, each consumer
 * saw each producer's items in increasing order (queues), and the structure
 * is empty.
 *
 * Counters: T threads x K adds of assorted deltas (wrapping through
 * INT64_MAX) sum exactly; for counters whose add returns the previous total,
 * the previous totals of T*K adds of 1 are exactly 0..T*K-1, increasing in
 * each thread; a reader thread checks that every read lies between the
 * total of adds completed before it began and the total of adds started
 * before it ended (counter.h), and that reads never go backwards.
 *
 * Sizes are chosen at run time: CONC_TEST_SCALE (default 1.0) times a mode
 * factor (smaller under ThreadSanitizer and in the verify build).  A monitor
 * reports a scenario that stops making progress (CONC_TEST_STALL seconds,
 * default 10) instead of hanging, and goes on with the next one.  Set
 * CONC_TEST_ONLY=ring,stack to run only some registry entries.
 *
 * Built twice: against libconc (suite 'concurrent') and against
 * libconc-verify (suite 'verify'), where every atomic operation of the
 * library may yield (CONC_YIELD_RATE, default 0.05 here; CONC_YIELD_SEED).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broken.h"
#include "codec.h"
#include "ledger.h"
#include "order.h"
#include "counter_check.h"
#include "registry.h"
#include "tap.h"
#include "testutil.h"

#ifdef CONC_VERIFY
#include "internal/verify.h"
#endif

/* ------------------------------------------------------------------------ */
/* Mode, sizes, time                                                        */

static double g_scale = 1.0;
static double g_stall_s = 10.0;

static void choose_sizes(void)
{
    const char *why;
    double user;
    g_scale = test_scale(0.5, 0.5, 0.5, &why, &user);
    const char *st = getenv("CONC_TEST_STALL");
    if (st && strtod(st, NULL) > 0.0)
        g_stall_s = strtod(st, NULL);
    diag("mode: %s, CONC_TEST_SCALE %g, effective scale %g, stall limit %g s",
         why, user, g_scale, g_stall_s);
}

static size_t scaled(double n, size_t min)
{
    double v = n * g_scale;
    return v < (double)min ? min : (size_t)v;
}

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        bail_out("out of memory (%zu bytes)", n);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Workers and the monitor                                                  */

enum role { PRODUCER, CONSUMER, MIXED, ADDER, WRITER, READER, CLOSE_PRODUCER,
            CLOSE_CONSUMER, WAIT_PRODUCER, WAIT_CONSUMER };

typedef struct worker {
    pthread_t th;
    int id;
    enum role role;
    struct scenario *sc;    /* containers */
    struct counter_run *run;/* counters */
    _Atomic int done;
    _Atomic uint64_t progress; /* relaxed: written by the owner only */
    /* Containers: items popped, in pop order. */
    uintptr_t *log;
    size_t nlog, log_cap;
    /* Anything unexpected this worker saw. */
    size_t bad_status;
    int last_bad;
    size_t bad_payload;
    size_t bad_batch;
    size_t log_overflow; /* more pops than items exist */
    /* Close and wait scenarios. */
    int last_status;     /* the status that ended the worker's loop */
    size_t pushed_ok;    /* pushes that said OK */
    size_t late_ok;      /* pushes that said OK after closed() said 1 */
    /* Counters. */
    int64_t *prevs;
    size_t nprevs;
    uint64_t sum;
    size_t reads, read_bounds, read_backwards;
    int64_t bad_lo, bad_v, bad_hi;
    char pad_[64];
} worker;

static void *worker_main(void *arg);

/* Set when a scenario stalls: workers leave their retry loops. */
static _Atomic int g_abort;
/* Set once every worker of a scenario exists, so that they start together. */
static _Atomic int g_go;

static void wait_go(void)
{
    while (!atomic_load_explicit(&g_go, memory_order_acquire))
        sched_yield();
}

static bool aborted(void)
{
    return atomic_load_explicit(&g_abort, memory_order_relaxed) != 0;
}

static int count_done(worker *w, int n, uint64_t *progress)
{
    int done = 0;
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        done += atomic_load_explicit(&w[i].done, memory_order_acquire);
        sum += atomic_load_explicit(&w[i].progress, memory_order_relaxed);
    }
    if (progress)
        *progress = sum;
    return done;
}

/* Run each worker in its own thread and join them.  If no worker makes
 * progress for g_stall_s seconds, say so, ask the workers to give up (they
 * check g_abort wherever they retry) and return true; if they cannot even
 * do that (stuck inside the library), bail out. */
/* Called by run_workers on every turn of its monitoring loop (close and
 * wait scenarios close the structure from there), and once when a scenario
 * stalls (to close it, which wakes every waiter, so that the workers can
 * leave and the failure is reported instead of hanging). */
static void (*g_tick)(void *arg);
static void (*g_on_stall)(void *arg);
static void *g_hook_arg;

static bool run_workers(worker *w, int n, const char *what)
{
    bool stalled = false;
    tap_watchdog((unsigned)(g_stall_s * 4 + 60), what);
    atomic_store(&g_abort, 0);
    atomic_store(&g_go, 0);
    for (int i = 0; i < n; i++)
        if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
            bail_out("pthread_create: %s", strerror(errno));
    atomic_store_explicit(&g_go, 1, memory_order_release);
    uint64_t last = UINT64_MAX, sum;
    double last_change = now_s();
    while (count_done(w, n, &sum) < n) {
        if (g_tick)
            g_tick(g_hook_arg);
        if (sum != last) {
            last = sum;
            last_change = now_s();
        } else if (now_s() - last_change > g_stall_s) {
            stalled = true;
            diag("%s: no progress for %g s; asking the workers to stop", what,
                 g_stall_s);
            for (int i = 0; i < n; i++)
                diag("  worker %d (role %d): done %d, progress %" PRIu64, i,
                     (int)w[i].role, atomic_load(&w[i].done),
                     atomic_load(&w[i].progress));
            atomic_store(&g_abort, 1);
            if (g_on_stall)
                g_on_stall(g_hook_arg);
            double t = now_s();
            while (count_done(w, n, NULL) < n && now_s() - t < 10.0)
                sleep_ms(10);
            if (count_done(w, n, NULL) < n) {
                ok(0, "%s: stalled, and workers stuck inside the library",
                   what);
                printf("Bail out! %s stalled\n", what);
                fflush(stdout);
                _exit(1);
            }
            break;
        }
        sleep_ms(2);
    }
    for (int i = 0; i < n; i++)
        pthread_join(w[i].th, NULL);
    tap_watchdog(0, NULL);
    g_tick = g_on_stall = NULL;
    g_hook_arg = NULL;
    return stalled;
}

static void worker_bad(worker *w, int st)
{
    w->bad_status++;
    w->last_bad = st;
}

static void log_item(worker *w, void *it)
{
    if (w->nlog < w->log_cap)
        w->log[w->nlog++] = (uintptr_t)it;
    else
        w->log_overflow++; /* more pops than items exist: duplicates */
}

/* ------------------------------------------------------------------------ */
/* Containers: items, payload check words                                   */

/* The key that makes item (0, 0) the NULL pointer. */
#define ITEM_KEY h_item_encode(0, 0)

static void *encode(int p, size_t seq)
{
    return h_item_ptr((uint64_t)p, seq, ITEM_KEY);
}

/* What the producer writes, non-atomically, for its item before the push. */
static uint32_t payload_word(uintptr_t p, uintptr_t seq)
{
    return (uint32_t)(h_mix64(h_item_encode(p, seq)) >> 32) | 1u; /* never 0 */
}

typedef struct scenario {
    const reg_entry *e;
    void *obj;
    size_t cap;
    int P, C;          /* producers, consumers (mixed: P threads doing both) */
    size_t per_producer;
    bool batch;        /* push_many / pop_many instead of push / pop */
    uint32_t **payload;/* [P][per_producer], plain memory */
    _Atomic int producers_left;
    _Atomic int producers_done;
    const char *name;
    /* Close and wait scenarios. */
    bool waiting;            /* push_wait/pop_wait(CONC_FOREVER) */
    size_t *ok_count;        /* [P]: producer p's items are seqs < ok_count[p] */
    uint64_t close_at;       /* close once the workers' progress reaches it */
    worker *workers;
    int nworkers;
    _Atomic int closed_by_main;
} scenario;

/* Consumer side of an item: decode, check the payload, log it. */
static void consume(worker *w, void *it)
{
    scenario *sc = w->sc;
    uintptr_t v = h_item_of(it, ITEM_KEY);
    uintptr_t p = (uintptr_t)h_item_producer(v), seq = (uintptr_t)h_item_seq(v);
    if (h_item_valid(v) && p < (uintptr_t)sc->P && seq < sc->per_producer &&
        sc->payload[p][seq] != payload_word(p, seq))
        w->bad_payload++;
    log_item(w, it);
}

static void publish(scenario *sc, int p, size_t seq)
{
    sc->payload[p][seq] = payload_word((uintptr_t)p, seq);
}

static void *producer_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    uint64_t r = 0x9E3779B9u * (uint64_t)(w->id + 1);
    void *batch[8];
    wait_go();
    size_t seq = 0;
    while (seq < sc->per_producer) {
        if (!sc->batch) {
            publish(sc, w->id, seq);
            int st;
            /* Unbounded: FULL is a wrong status, not a reason to retry. */
            while ((st = e->push(sc->obj, encode(w->id, seq))) == CONC_FULL &&
                   !e->unbounded && !aborted())
                sched_yield();
            if (st == CONC_FULL && !e->unbounded)
                break; /* aborted */
            if (st != CONC_OK)
                worker_bad(w, st);
            seq++;
        } else {
            size_t k = 1 + (size_t)(rng_next(&r) % 6), off = 0;
            if (k > sc->per_producer - seq)
                k = sc->per_producer - seq;
            for (size_t i = 0; i < k; i++) {
                publish(sc, w->id, seq + i);
                batch[i] = encode(w->id, seq + i);
            }
            while (off < k) {
                size_t pushed = (size_t)-1;
                int st = e->push_many(sc->obj, batch + off, k - off, &pushed);
                if (pushed > k - off || (st == CONC_OK && pushed != k - off)) {
                    w->bad_batch++;
                    break;
                }
                off += pushed;
                if (st == CONC_FULL && e->unbounded) {
                    worker_bad(w, st);
                    break;
                }
                if (st == CONC_FULL && aborted())
                    break;
                if (st == CONC_FULL)
                    sched_yield();
                else if (st != CONC_OK) {
                    worker_bad(w, st);
                    break;
                }
            }
            seq += k;
        }
        atomic_store_explicit(&w->progress, seq, memory_order_relaxed);
    }
    /* The last producer out says so; acq_rel chains every producer's pushes
     * before the flag. */
    if (atomic_fetch_sub_explicit(&sc->producers_left, 1,
                                  memory_order_acq_rel) == 1)
        atomic_store_explicit(&sc->producers_done, 1, memory_order_release);
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

static void *consumer_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    uint64_t r = 0x51ED27u * (uint64_t)(w->id + 1);
    void *out[8];
    wait_go();
    for (;;) {
        /* Read the flag before the pop: an EMPTY from a pop that began after
         * every push returned means every item has been taken. */
        int done = atomic_load_explicit(&sc->producers_done,
                                        memory_order_acquire);
        int st;
        if (!sc->batch) {
            void *it = NULL;
            st = e->pop(sc->obj, &it);
            if (st == CONC_OK)
                consume(w, it);
        } else {
            size_t max = 1 + (size_t)(rng_next(&r) % 6), popped = (size_t)-1;
            st = e->pop_many(sc->obj, out, max, &popped);
            if (st == CONC_OK && (popped == 0 || popped > max))
                w->bad_batch++;
            else if (st == CONC_EMPTY && popped != 0)
                w->bad_batch++;
            if (st == CONC_OK && popped <= max)
                for (size_t i = 0; i < popped; i++)
                    consume(w, out[i]);
        }
        if (st == CONC_OK) {
            atomic_store_explicit(&w->progress, w->nlog, memory_order_relaxed);
            continue;
        }
        if (st != CONC_EMPTY) {
            worker_bad(w, st);
            break;
        }
        if (done || aborted())
            break;
        sched_yield();
    }
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

/* Mixed: one pop; an item is consumed, EMPTY is fine, anything else bad. */
static void mixed_pop(worker *w)
{
    void *it = NULL;
    int st = w->sc->e->pop(w->sc->obj, &it);
    if (st == CONC_OK)
        consume(w, it);
    else if (st != CONC_EMPTY)
        worker_bad(w, st);
}

/* Mixed: each thread pushes its own items and pops whatever is there. */
static void *mixed_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    uint64_t r = 0xC0FFEEu * (uint64_t)(w->id + 1);
    wait_go();
    for (size_t seq = 0; seq < sc->per_producer; seq++) {
        publish(sc, w->id, seq);
        int st;
        while ((st = e->push(sc->obj, encode(w->id, seq))) == CONC_FULL) {
            if (aborted() || e->unbounded)
                break;
            mixed_pop(w);
            sched_yield();
        }
        if (st == CONC_FULL && !e->unbounded)
            break; /* aborted */
        if (st != CONC_OK)
            worker_bad(w, st);
        if (rng_next(&r) % 2)
            mixed_pop(w);
        atomic_store_explicit(&w->progress, seq + 1 + w->nlog,
                              memory_order_relaxed);
    }
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

/* What check_logs found: counts, and the first of each kind said. */
typedef struct log_check {
    const char *name;
    size_t invented, dups, missing;
} log_check;

static const char *log_name(void *arg, int who, char buf[32])
{
    (void)arg;
    snprintf(buf, 32, "log %d", who);
    return buf;
}

static const char *producer_name(void *arg, int who, char buf[32])
{
    (void)arg;
    snprintf(buf, 32, "producer %d", who);
    return buf;
}

/* The ledger's findings (harness/ledger.h). */
static void log_sink(void *arg, const h_ledger_event *ev)
{
    log_check *lc = arg;
    char what[200], pn[32];
    size_t *n = h_ledger_kind_of(ev) == H_LEDGER_DUPLICATE ? &lc->dups
                : h_ledger_kind_of(ev) == H_LEDGER_MISSING ? &lc->missing
                                                           : &lc->invented;
    if ((*n)++ == 0)
        check(0, "%s: producer %d's item %" PRIu64 ": %s", lc->name,
              ev->producer, ev->seq,
              h_ledger_describe(ev, log_name, NULL,
                                producer_name(NULL, ev->producer, pn), what,
                                sizeof what));
}

/* Every logged item exactly once (harness/ledger.h: one ledger per
 * producer, with room for all its items), nothing invented, order per
 * producer in every log (harness/order.h). */
static void check_logs(scenario *sc, worker *logs, int nlogs, bool fifo)
{
    size_t total = (size_t)sc->P * sc->per_producer;
    if (sc->ok_count) {
        total = 0;
        for (int p = 0; p < sc->P; p++)
            total += sc->ok_count[p];
    }
    log_check lc = {sc->name, 0, 0, 0};
    size_t order = 0, got = 0;
    size_t bad_status = 0, bad_payload = 0, bad_batch = 0, overflow = 0;
    int last_bad = 0;
    h_ledger *led = xmalloc(sizeof(h_ledger) * (size_t)sc->P);
    for (int p = 0; p < sc->P; p++)
        if (h_ledger_init(&led[p], p, h_ledger_window_for(sc->per_producer),
                          0, log_sink, &lc) != 0)
            bail_out("out of memory (ledger of %zu)", sc->per_producer);
    h_fifo seen;
    if (h_fifo_init(&seen, (size_t)sc->P) != 0)
        bail_out("out of memory");
    for (int l = 0; l < nlogs; l++) {
        worker *w = &logs[l];
        bad_status += w->bad_status;
        bad_payload += w->bad_payload;
        bad_batch += w->bad_batch;
        overflow += w->log_overflow;
        if (w->bad_status)
            last_bad = w->last_bad;
        memset(seen.last, 0, sizeof(uint64_t) * (size_t)sc->P);
        for (size_t i = 0; i < w->nlog; i++) {
            uintptr_t v = h_item_of((void *)w->log[i], ITEM_KEY);
            uint64_t p = h_item_producer(v), seq = h_item_seq(v), prev;
            got++;
            if (!h_item_valid(v) || p >= (uint64_t)sc->P ||
                seq >= sc->per_producer) {
                if (lc.invented++ == 0)
                    check(0, "%s: invented item %#" PRIxPTR, sc->name,
                          w->log[i]);
                continue;
            }
            h_ledger_record(&led[p], seq, l);
            if (fifo && !h_fifo_next(&seen, p, seq, &prev) && order++ == 0)
                check(0, "%s: log %d saw producer %u's item %" PRIu64
                      " after item %" PRIu64, sc->name, l, (unsigned)p, seq,
                      prev);
        }
    }
    for (int p = 0; p < sc->P; p++) {
        h_ledger_final(&led[p], sc->ok_count ? sc->ok_count[p]
                                             : sc->per_producer,
                       sc->per_producer, NULL, NULL);
        h_ledger_fini(&led[p]);
    }
    check(bad_status == 0, "%s: %zu unexpected statuses (last %s)", sc->name,
          bad_status, sname(last_bad));
    check(bad_batch == 0, "%s: %zu batches with inconsistent counts",
          sc->name, bad_batch);
    check(overflow == 0, "%s: %zu more pops than items were pushed",
          sc->name, overflow);
    check(got == total && lc.missing == 0 && lc.dups == 0 && lc.invented == 0,
          "%s: %zu items pushed, %zu popped: %zu missing, %zu duplicated, "
          "%zu invented", sc->name, total, got, lc.missing, lc.dups,
          lc.invented);
    check(order == 0, "%s: %zu per-producer order violations", sc->name,
          order);
    check(bad_payload == 0,
          "%s: %zu popped items whose producer's write was not visible",
          sc->name, bad_payload);
    h_fifo_fini(&seen);
    free(led);
}

static void check_empty(scenario *sc)
{
    void *it = NULL;
    int st = sc->e->pop(sc->obj, &it);
    check(st == CONC_EMPTY, "%s: pop after the run gave %s (item %p)",
          sc->name, sname(st), it);
    check(sc->e->len(sc->obj) == 0, "%s: len after the run is %zu", sc->name,
          sc->e->len(sc->obj));
}

/* After a stall, with every worker gone: what does the structure say? */
static void report_stall(scenario *sc)
{
    size_t len = sc->e->len(sc->obj);
    void *it = NULL;
    int pop = sc->e->pop(sc->obj, &it);
    int push = sc->e->push(sc->obj, NULL);
    check(0, "%s: stalled (no progress for %g s); afterwards, quiescent: "
          "len %zu, pop %s, push %s", sc->name, g_stall_s, len, sname(pop),
          sname(push));
}

static void scenario_open(scenario *sc, const reg_entry *e, size_t cap, int P,
                          int C, size_t per, bool batch, const char *name)
{
    memset(sc, 0, sizeof *sc);
    sc->e = e;
    sc->cap = cap;
    sc->P = P;
    sc->C = C;
    sc->per_producer = per;
    sc->batch = batch;
    sc->name = name;
    sc->obj = e->create(cap);
    if (!sc->obj)
        bail_out("%s: create(%zu) failed: %s", name, cap, strerror(errno));
    sc->payload = xmalloc(sizeof(uint32_t *) * (size_t)P);
    for (int p = 0; p < P; p++)
        sc->payload[p] = xmalloc(sizeof(uint32_t) * per);
    atomic_store(&sc->producers_left, P);
}

/* sc->P producers then sc->C consumers, each consumer with a log that can
 * hold every item. */
static worker *scenario_workers(scenario *sc, enum role prod, enum role cons)
{
    int P = sc->P, C = sc->C;
    worker *w = xmalloc(sizeof(worker) * (size_t)(P + C));
    for (int i = 0; i < P + C; i++) {
        w[i].sc = sc;
        w[i].id = i < P ? i : i - P;
        w[i].role = i < P ? prod : cons;
    }
    for (int i = P; i < P + C; i++) {
        w[i].log_cap = (size_t)P * sc->per_producer;
        w[i].log = xmalloc(sizeof(uintptr_t) * w[i].log_cap);
    }
    sc->workers = w;
    sc->nworkers = P + C;
    return w;
}

static void scenario_close(scenario *sc, worker *w, int n)
{
    for (int i = 0; i < n; i++)
        free(w[i].log);
    free(w);
    for (int p = 0; p < sc->P; p++)
        free(sc->payload[p]);
    free(sc->payload);
    sc->e->destroy(sc->obj);
}

static void test_producers_consumers(const reg_entry *e, size_t cap, int P,
                                     int C, bool batch)
{
    char name[128];
    scenario sc;
    size_t per = scaled(30000.0 / P, 50);
    snprintf(name, sizeof name, "%s cap %zu, %d producer%s x %d consumer%s%s",
             e->name, cap, P, P > 1 ? "s" : "", C, C > 1 ? "s" : "",
             batch ? ", batches" : "");
    scenario_open(&sc, e, cap, P, C, per, batch, name);
    worker *w = scenario_workers(&sc, PRODUCER, CONSUMER);
    bool stalled = run_workers(w, P + C, name);
    for (int i = 0; i < P; i++) {
        if (w[i].bad_status)
            check(0, "%s: producer %d got %s", name, i, sname(w[i].last_bad));
        if (w[i].bad_batch)
            check(0, "%s: producer %d: push_many count inconsistent", name, i);
    }
    if (stalled) {
        report_stall(&sc);
    } else {
        check_logs(&sc, w + P, C, e->kind == REG_QUEUE);
        check_empty(&sc);
    }
    verdict("%s: %zu items each popped once%s, writes visible, empty at the "
            "end", name, (size_t)P * per,
            e->kind == REG_QUEUE ? ", per-producer FIFO" : "");
    scenario_close(&sc, w, P + C);
}

static void test_mixed(const reg_entry *e, size_t cap, int T)
{
    char name[128];
    scenario sc;
    size_t per = scaled(30000.0 / T, 50);
    snprintf(name, sizeof name, "%s cap %zu, %d threads pushing and popping",
             e->name, cap, T);
    scenario_open(&sc, e, cap, T, T, per, false, name);
    /* T workers plus one log for the final drain by this thread. */
    worker *w = xmalloc(sizeof(worker) * (size_t)(T + 1));
    for (int i = 0; i <= T; i++) {
        w[i].sc = &sc;
        w[i].id = i;
        w[i].role = MIXED;
        w[i].log_cap = (size_t)T * per;
        w[i].log = xmalloc(sizeof(uintptr_t) * w[i].log_cap);
    }
    bool stalled = run_workers(w, T, name);
    if (stalled)
        report_stall(&sc);
    worker *drainer = &w[T];
    void *it;
    int st;
    while ((st = e->pop(sc.obj, &it)) == CONC_OK)
        consume(drainer, it);
    check(st == CONC_EMPTY, "%s: final drain ended with %s", name, sname(st));
    if (!stalled) {
        check_logs(&sc, w, T + 1, e->kind == REG_QUEUE);
        check_empty(&sc);
    }
    verdict("%s: %zu items each popped once%s, writes visible", name,
            (size_t)T * per,
            e->kind == REG_QUEUE ? ", per-producer FIFO in every view" : "");
    scenario_close(&sc, w, T + 1);
}

/* ------------------------------------------------------------------------ */
/* Closing and waiting (conc/wait.h)                                        */

/* Close scenario, producer: push (p, 0), (p, 1), ... until CLOSED, retrying
 * on FULL.  A producer that runs out of items waits until closed() says 1,
 * and then one more push must say CLOSED: every producer ends on CLOSED. */
static void *close_producer_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    size_t seq = 0;
    int st = CONC_OK;
    wait_go();
    for (;;) {
        bool spare = seq >= sc->per_producer; /* beyond the quota */
        if (spare) {
            while (!e->closed(sc->obj) && !aborted())
                sched_yield();
            if (!e->closed(sc->obj))
                break; /* aborted */
        } else {
            publish(sc, w->id, seq);
        }
        st = sc->waiting ? e->push_wait(sc->obj, encode(w->id, seq), CONC_FOREVER)
                         : e->push(sc->obj, encode(w->id, seq));
        if (st == CONC_FULL && !e->unbounded && !sc->waiting) {
            if (aborted())
                break;
            sched_yield();
            continue;
        }
        if (st == CONC_OK && spare) {
            w->late_ok++; /* closed() said 1, and then a push went in */
            break;
        }
        if (st != CONC_OK)
            break;
        seq++;
        atomic_store_explicit(&w->progress, seq, memory_order_relaxed);
    }
    if (st != CONC_OK && st != CONC_CLOSED && st != CONC_FULL)
        worker_bad(w, st);
    w->last_status = st;
    w->pushed_ok = seq;
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

/* Close and wait scenarios, consumer: pop (or pop_wait FOREVER) until
 * CLOSED; EMPTY means try again. */
static void *close_consumer_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    int st;
    wait_go();
    for (;;) {
        void *it = NULL;
        st = sc->waiting ? e->pop_wait(sc->obj, &it, CONC_FOREVER)
                         : e->pop(sc->obj, &it);
        if (st == CONC_OK) {
            consume(w, it);
            atomic_store_explicit(&w->progress, w->nlog, memory_order_relaxed);
            continue;
        }
        if (st == CONC_EMPTY && !sc->waiting && !aborted()) {
            sched_yield();
            continue;
        }
        break;
    }
    if (st != CONC_CLOSED)
        worker_bad(w, st);
    w->last_status = st;
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

/* Wait scenario, producer: push_wait(FOREVER) every item; then it is done
 * (the main thread closes once every producer is). */
static void *wait_producer_main(void *arg)
{
    worker *w = arg;
    scenario *sc = w->sc;
    const reg_entry *e = sc->e;
    int st = CONC_OK;
    size_t seq;
    wait_go();
    for (seq = 0; seq < sc->per_producer; seq++) {
        publish(sc, w->id, seq);
        st = e->push_wait(sc->obj, encode(w->id, seq), CONC_FOREVER);
        if (st != CONC_OK) {
            worker_bad(w, st);
            break;
        }
        atomic_store_explicit(&w->progress, seq + 1, memory_order_relaxed);
    }
    w->last_status = st;
    w->pushed_ok = seq;
    if (atomic_fetch_sub_explicit(&sc->producers_left, 1,
                                  memory_order_acq_rel) == 1)
        atomic_store_explicit(&sc->producers_done, 1, memory_order_release);
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

static uint64_t progress_sum(const scenario *sc)
{
    uint64_t sum = 0;
    for (int i = 0; i < sc->nworkers; i++)
        sum += atomic_load_explicit(&sc->workers[i].progress,
                                    memory_order_relaxed);
    return sum;
}

static void main_close(scenario *sc)
{
    if (atomic_exchange(&sc->closed_by_main, 1) == 0) {
        int st = sc->e->close(sc->obj);
        if (st != CONC_OK)
            check(0, "%s: close gave %s", sc->name, sname(st));
    }
}

/* Close scenario: close once the workers have made close_at steps. */
static void close_tick(void *arg)
{
    scenario *sc = arg;
    if (!atomic_load(&sc->closed_by_main) && progress_sum(sc) >= sc->close_at)
        main_close(sc);
}

/* Wait scenario: close once every producer is done. */
static void wait_tick(void *arg)
{
    scenario *sc = arg;
    if (atomic_load_explicit(&sc->producers_done, memory_order_acquire))
        main_close(sc);
}

/* A stall: close, so that every waiter wakes and the workers can leave. */
static void stall_close(void *arg)
{
    scenario *sc = arg;
    sc->e->close(sc->obj);
}

/* Checks shared by the close and wait scenarios, after the join. */
static void check_closed_end(scenario *sc, worker *w, int P, int C)
{
    for (int i = 0; i < P + C; i++) {
        const char *who = i < P ? "producer" : "consumer";
        int id = i < P ? i : i - P;
        if (w[i].bad_status)
            check(0, "%s: %s %d got %s", sc->name, who, id, sname(w[i].last_bad));
        if (w[i].late_ok)
            check(0, "%s: producer %d: a push said OK after closed() said 1",
                  sc->name, id);
    }
    void *it = NULL;
    int st = sc->e->pop(sc->obj, &it);
    check(st == CONC_CLOSED, "%s: pop after the run gave %s (want CLOSED)",
          sc->name, sname(st));
    st = sc->e->push(sc->obj, NULL);
    check(st == CONC_CLOSED, "%s: push after the run gave %s (want CLOSED)",
          sc->name, sname(st));
    check(sc->e->len(sc->obj) == 0, "%s: len after the run is %zu", sc->name,
          sc->e->len(sc->obj));
}

/* Producers push until CLOSED (counting what went in), consumers pop until
 * CLOSED, this thread closes at a random moment.  Exactly the items whose
 * push said OK are popped, each once (nothing stranded by the close), in
 * per-producer order for queues; every worker ends on CLOSED. */
static void test_close_race(const reg_entry *e, size_t cap, int P, int C,
                            bool waiting, uint64_t seed)
{
    char name[160];
    scenario sc;
    size_t per = scaled(20000.0 / P, 50);
    snprintf(name, sizeof name, "%s cap %zu, close while %d producer%s x %d "
             "consumer%s %s", e->name, cap, P, P > 1 ? "s" : "", C,
             C > 1 ? "s" : "", waiting ? "wait (FOREVER)" : "push/pop");
    scenario_open(&sc, e, cap, P, C, per, false, name);
    sc.waiting = waiting;
    sc.ok_count = xmalloc(sizeof(size_t) * (size_t)P);
    uint64_t r = (seed * 0x9E3779B97F4A7C15ull) | 1;
    rng_next(&r);
    rng_next(&r);
    /* Progress counts pushes and pops: up to 2 * P * per; close somewhere
     * in the first 90% of that (sometimes at once). */
    sc.close_at = rng_next(&r) % (uint64_t)(1.8 * (double)(P * per)) + 1;
    if (rng_next(&r) % 8 == 0)
        sc.close_at = 0;
    worker *w = scenario_workers(&sc, CLOSE_PRODUCER, CLOSE_CONSUMER);
    g_tick = close_tick;
    g_on_stall = stall_close;
    g_hook_arg = &sc;
    bool stalled = run_workers(w, P + C, name);
    size_t ok_total = 0;
    int not_closed = 0;
    for (int p = 0; p < P; p++) {
        sc.ok_count[p] = w[p].pushed_ok;
        ok_total += w[p].pushed_ok;
    }
    for (int i = 0; i < P + C; i++)
        if (w[i].last_status != CONC_CLOSED)
            not_closed++;
    if (stalled)
        check(0, "%s: stalled (no progress for %g s)", name, g_stall_s);
    check(not_closed == 0, "%s: %d workers did not end on CLOSED", name,
          not_closed);
    check(atomic_load(&sc.closed_by_main) == 1, "%s: never closed", name);
    check_closed_end(&sc, w, P, C);
    if (!stalled)
        check_logs(&sc, w + P, C, e->kind == REG_QUEUE);
    verdict("%s: closed at step %" PRIu64 "; the %zu items pushed OK each "
            "popped once%s, every thread ended on CLOSED", name, sc.close_at,
            ok_total, e->kind == REG_QUEUE ? ", per-producer FIFO" : "");
    free(sc.ok_count);
    scenario_close(&sc, w, P + C);
}

/* push_wait/pop_wait(FOREVER) handing items over through a tiny structure;
 * the main thread closes once every producer is done, and the consumers
 * leave on CLOSED.  A lost wake-up leaves a thread asleep: no progress, and
 * the stall monitor reports it (and closes, to wake everyone). */
static void test_wait_handoff(const reg_entry *e, size_t cap, int P, int C,
                              size_t total)
{
    char name[160];
    scenario sc;
    size_t per = total / (size_t)P;
    if (per < 10)
        per = 10;
    snprintf(name, sizeof name, "%s cap %zu, %d producer%s x %d consumer%s, "
             "push_wait/pop_wait(FOREVER)", e->name, cap, P, P > 1 ? "s" : "",
             C, C > 1 ? "s" : "");
    scenario_open(&sc, e, cap, P, C, per, false, name);
    sc.waiting = true;
    worker *w = scenario_workers(&sc, WAIT_PRODUCER, WAIT_CONSUMER);
    g_tick = wait_tick;
    g_on_stall = stall_close;
    g_hook_arg = &sc;
    double t0 = now_s();
    bool stalled = run_workers(w, P + C, name);
    double dt = now_s() - t0;
    int not_closed = 0;
    for (int i = P; i < P + C; i++)
        if (w[i].last_status != CONC_CLOSED)
            not_closed++;
    if (stalled)
        check(0, "%s: stalled (no progress for %g s): a lost wake-up?", name,
              g_stall_s);
    check(not_closed == 0, "%s: %d consumers did not end on CLOSED", name,
          not_closed);
    check_closed_end(&sc, w, P, C);
    if (!stalled)
        check_logs(&sc, w + P, C, e->kind == REG_QUEUE);
    verdict("%s: %zu handoffs in %.2f s, each item popped once%s, consumers "
            "ended on CLOSED", name, (size_t)P * per, dt,
            e->kind == REG_QUEUE ? ", per-producer FIFO" : "");
    scenario_close(&sc, w, P + C);
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                 */

typedef struct counter_run {
    const reg_entry *e;
    void *obj;
    size_t k;       /* adds per thread */
    int mode;       /* 0 assorted deltas, 1 deltas of 1 recording prev */
    /* For the bounds test. */
    _Atomic uint64_t started, completed;
    _Atomic int writers_left;
    _Atomic int reader_ready; /* writers start once the reader is reading */
} counter_run;

static int64_t assorted_delta(uint64_t *r, size_t i)
{
    uint64_t x = rng_next(r);
    if (i % 997 == 0) /* now and then a huge one, to wrap around */
        return (int64_t)(x >> 1) * ((x & 1) ? -1 : 1);
    return (int64_t)(x % 41) - 20;
}

static void *adder_main(void *arg)
{
    worker *w = arg;
    counter_run *run = w->run;
    uint64_t r = 0xABCDEFu * (uint64_t)(w->id + 1);
    wait_go();
    for (size_t i = 0; i < run->k; i++) {
        int64_t d = run->mode == 0 ? assorted_delta(&r, i) : 1;
        int64_t prev = INT64_MIN;
        int st = run->e->add(run->obj, d, run->mode == 1 ? &prev : NULL);
        if (st != CONC_OK)
            worker_bad(w, st);
        w->sum += (uint64_t)d;
        if (run->mode == 1)
            w->prevs[w->nprevs++] = prev;
        if (i % 64 == 0)
            atomic_store_explicit(&w->progress, i, memory_order_relaxed);
    }
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

static const char *shard_note(const reg_entry *e, size_t shards)
{
    static char buf[32];
    if (e->max_capacity <= 1)
        return "";
    snprintf(buf, sizeof buf, " (%zu shard%s)", shards, shards > 1 ? "s" : "");
    return buf;
}

static int64_t wrap64(uint64_t u)
{
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

typedef struct prev_check {
    const char *name;
    size_t bad_inc, mismatch;
} prev_check;

static void prev_sink(void *arg, const h_prev_event *ev)
{
    prev_check *pc = arg;
    if (ev->what == H_PREV_ORDER) {
        pc->bad_inc++;
        return;
    }
    if (pc->mismatch++ == 0)
        check(0, "%s: previous total %" PRId64 " %s", pc->name, ev->value,
              ev->what == H_PREV_OUTSIDE ? "is outside 0..T*K-1"
              : ev->what == H_PREV_TWICE ? "was returned twice"
                                         : "was never returned");
}

static void test_counter_sum(const reg_entry *e, size_t shards, int T, int mode)
{
    char name[128];
    counter_run run;
    memset(&run, 0, sizeof run);
    run.e = e;
    run.k = scaled(mode == 0 ? 40000.0 : 20000.0, 100);
    run.mode = mode;
    run.obj = e->create(shards);
    if (!run.obj)
        bail_out("%s: create failed", e->name);
    snprintf(name, sizeof name, "%s%s, %d threads x %zu adds of %s", e->name,
             shard_note(e, shards), T, run.k,
             mode == 0 ? "assorted deltas" : "1");
    worker *w = xmalloc(sizeof(worker) * (size_t)T);
    for (int i = 0; i < T; i++) {
        w[i].run = &run;
        w[i].id = i;
        w[i].role = ADDER;
        if (mode == 1)
            w[i].prevs = xmalloc(sizeof(int64_t) * run.k);
    }
    if (run_workers(w, T, name))
        check(0, "%s: stalled", name);
    uint64_t expect = 0;
    for (int i = 0; i < T; i++) {
        expect += w[i].sum;
        check(w[i].bad_status == 0, "%s: thread %d got %s", name, i,
              sname(w[i].last_bad));
    }
    int64_t v = 0;
    int st = e->read(run.obj, &v);
    check(st == CONC_OK && v == wrap64(expect),
          "%s: final read %s %" PRId64 ", expected %" PRId64, name, sname(st),
          v, wrap64(expect));
    if (mode == 1) {
        /* harness/counter_check.h: the previous totals of the T*K adds of 1
         * are exactly 0..T*K-1, increasing in each thread. */
        size_t n = (size_t)T * run.k, m = 0;
        prev_check pc = {name, 0, 0};
        h_adds *adds = xmalloc(sizeof(h_adds) * (size_t)T);
        for (int i = 0; i < T; i++) {
            adds[i] = (h_adds){w[i].prevs, NULL, w[i].nprevs};
            m += w[i].nprevs;
        }
        h_prevs scratch = {0};
        if (h_prevs_check(&scratch, adds, T, 0, prev_sink, &pc) == SIZE_MAX)
            bail_out("out of memory (checking %zu previous totals)", m);
        h_prevs_fini(&scratch);
        check(m == n && pc.mismatch == 0,
              "%s: the %zu previous totals are not exactly 0..%zu", name, m,
              n - 1);
        check(pc.bad_inc == 0, "%s: %zu times a thread's prev did not increase",
              name, pc.bad_inc);
        free(adds);
    }
    check_group("%s: final total exact%s", name,
                mode == 1 ? ", previous totals exactly 0..T*K-1" : "");
    for (int i = 0; i < T; i++)
        free(w[i].prevs);
    free(w);
    e->destroy(run.obj);
}

/* Bounds: writers add non-negative deltas, bracketed by two auxiliary
 * totals; a reader checks completed-before <= read <= started-before-end. */
static void *bounded_writer(void *arg)
{
    worker *w = arg;
    counter_run *run = w->run;
    uint64_t r = 0x777u * (uint64_t)(w->id + 1);
    while (!atomic_load_explicit(&run->reader_ready, memory_order_acquire))
        sched_yield();
    for (size_t i = 0; i < run->k; i++) {
        uint64_t d = rng_next(&r) % 5; /* 0..4, sometimes 0 */
        atomic_fetch_add(&run->started, d);
        int st = run->e->add(run->obj, (int64_t)d, NULL);
        if (st != CONC_OK)
            worker_bad(w, st);
        atomic_fetch_add(&run->completed, d);
        if (i % 64 == 0)
            atomic_store_explicit(&w->progress, i, memory_order_relaxed);
    }
    atomic_fetch_sub(&run->writers_left, 1);
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

static void *bounded_reader(void *arg)
{
    worker *w = arg;
    counter_run *run = w->run;
    int64_t prev = 0;
    wait_go();
    for (;;) {
        int last_round = atomic_load(&run->writers_left) == 0;
        uint64_t lo = atomic_load(&run->completed);
        int64_t v = 0;
        int st = run->e->read(run->obj, &v);
        uint64_t hi = atomic_load(&run->started);
        if (st != CONC_OK) {
            worker_bad(w, st);
            break;
        }
        w->reads++;
        /* All deltas are small and non-negative: no wrap in this test. */
        if (v < 0 || (uint64_t)v < lo || (uint64_t)v > hi) {
            if (w->read_bounds++ == 0) {
                w->bad_lo = (int64_t)lo;
                w->bad_v = v;
                w->bad_hi = (int64_t)hi;
            }
        }
        if (v < prev)
            w->read_backwards++;
        prev = v;
        if (!last_round)
            w->sum++; /* reads while writers were still at work */
        if (w->reads == 1)
            atomic_store_explicit(&run->reader_ready, 1, memory_order_release);
        atomic_store_explicit(&w->progress, w->reads, memory_order_relaxed);
        if (last_round)
            break;
        if (w->reads % 256 == 0)
            sched_yield();
    }
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

static void test_counter_bounds(const reg_entry *e, size_t shards, int W)
{
    char name[128];
    counter_run run;
    memset(&run, 0, sizeof run);
    run.e = e;
    run.k = scaled(100000.0, 200);
    run.obj = e->create(shards);
    if (!run.obj)
        bail_out("%s: create failed", e->name);
    atomic_store(&run.writers_left, W);
    snprintf(name, sizeof name, "%s%s, %d writers + 1 reader", e->name,
             shard_note(e, shards), W);
    worker *w = xmalloc(sizeof(worker) * (size_t)(W + 1));
    for (int i = 0; i <= W; i++) {
        w[i].run = &run;
        w[i].id = i;
        w[i].role = i < W ? WRITER : READER;
    }
    if (run_workers(w, W + 1, name))
        check(0, "%s: stalled", name);
    worker *rd = &w[W];
    size_t bad = 0;
    for (int i = 0; i <= W; i++)
        bad += w[i].bad_status;
    int64_t v = 0;
    e->read(run.obj, &v);
    check(bad == 0, "%s: %zu unexpected statuses", name, bad);
    check(rd->sum > 1, "%s: only %" PRIu64 " reads while writers ran", name,
          rd->sum);
    check(rd->read_bounds == 0,
          "%s: %zu reads out of bounds; first: %" PRId64 " not in [%" PRId64
          ", %" PRId64 "]", name, rd->read_bounds, rd->bad_v, rd->bad_lo,
          rd->bad_hi);
    check(rd->read_backwards == 0, "%s: %zu reads went backwards", name,
          rd->read_backwards);
    check((uint64_t)v == atomic_load(&run.completed),
          "%s: final read %" PRId64 ", expected %" PRIu64, name, v,
          atomic_load(&run.completed));
    check_group("%s: %zu reads (%" PRIu64 " during the adds) within "
                "[completed before, started by end], never backwards", name,
                rd->reads, rd->sum);
    free(w);
    e->destroy(run.obj);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    switch (w->role) {
    case PRODUCER: return producer_main(arg);
    case CONSUMER: return consumer_main(arg);
    case MIXED: return mixed_main(arg);
    case ADDER: return adder_main(arg);
    case WRITER: return bounded_writer(arg);
    case READER: return bounded_reader(arg);
    case CLOSE_PRODUCER: return close_producer_main(arg);
    case CLOSE_CONSUMER:
    case WAIT_CONSUMER: return close_consumer_main(arg);
    case WAIT_PRODUCER: return wait_producer_main(arg);
    }
    return NULL;
}


/* ------------------------------------------------------------------------ */

/* The deliberately broken queue (harness/broken.c): drops and duplicates
 * items.  Every scenario must fail its checks. */
static int run_broken(void)
{
    const reg_entry *e = &conc_registry_broken;
    tap_expect_broken = true;
    diag("the deliberately broken queue: every scenario must be caught");
    test_producers_consumers(e, 1, 1, 1, false);
    test_producers_consumers(e, 3, 2, 2, false);
    test_producers_consumers(e, 64, 4, 4, false);
    test_producers_consumers(e, 3, 2, 2, true);
    test_mixed(e, 3, 3);
    test_mixed(e, 64, 8);
    ok(conc_broken_drops() > 0 && conc_broken_dups() > 0,
       "the broken queue dropped %lu and duplicated %lu items",
       conc_broken_drops(), conc_broken_dups());
    done_testing();
    return tap_exit();
}

int main(int argc, char **argv)
{
    static const size_t caps[] = {1, 2, 3, 64};
    static const int configs[][2] = {{1, 1}, {2, 2}, {4, 4}, {1, 4}, {4, 1}};
    choose_sizes();
    if (argc > 1 && strcmp(argv[1], "--broken") == 0)
        return run_broken();
#ifdef CONC_VERIFY
    {
        const char *r = getenv("CONC_YIELD_RATE");
        const char *s = getenv("CONC_YIELD_SEED");
        double rate = r ? strtod(r, NULL) : 0.05;
        uint64_t seed = s ? strtoull(s, NULL, 0) : 1;
        conc_verify_set_yield(rate, seed);
        diag("verify build: yield rate %g, seed %" PRIu64
             " (CONC_YIELD_RATE, CONC_YIELD_SEED)", rate, seed);
    }
#endif
    double t0 = now_s();
    for (size_t r = 0; r < conc_registry_count; r++) {
        const reg_entry *e = &conc_registry[r];
        if (!selected(e->name))
            continue;
        double t = now_s();
        if (e->kind == REG_COUNTER) {
            size_t sh[3] = {1, 3, 64};
            int nsh = e->max_capacity > 1 ? 3 : 1;
            for (int k = 0; k < nsh; k++) {
                test_counter_sum(e, sh[k], 4, 0);
                test_counter_sum(e, sh[k], 8, 0);
                test_counter_bounds(e, sh[k], 3);
                test_counter_bounds(e, sh[k], 7);
            }
            if (e->add_returns_prev) {
                test_counter_sum(e, 1, 4, 1);
                test_counter_sum(e, 1, 8, 1);
            }
        } else {
            /* Unbounded: the capacity is ignored, so one pass is enough. */
            size_t ncaps = e->unbounded ? 1 : sizeof caps / sizeof caps[0];
            for (size_t c = 0; c < ncaps; c++)
                for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++)
                    test_producers_consumers(e, caps[c], configs[k][0],
                                             configs[k][1], false);
            test_producers_consumers(e, 3, 2, 2, true);
            test_producers_consumers(e, 3, 4, 4, true);
            test_producers_consumers(e, 64, 2, 2, true);
            test_producers_consumers(e, 64, 4, 4, true);
            test_mixed(e, 1, 3);
            test_mixed(e, 1, 8);
            test_mixed(e, 3, 3);
            test_mixed(e, 3, 8);
            test_mixed(e, 64, 8);
            /* Closing at a random moment, and waiting. */
            uint64_t seed = 0xC105E + r;
            test_close_race(e, 1, 2, 2, false, seed++);
            test_close_race(e, 3, 4, 4, false, seed++);
            test_close_race(e, 64, 1, 3, false, seed++);
            test_close_race(e, 2, 3, 3, true, seed++);
            test_close_race(e, 64, 4, 2, true, seed++);
            size_t handoffs = scaled(70000.0, 1000);
            test_wait_handoff(e, 1, 1, 1, handoffs);
            test_wait_handoff(e, 1, 2, 2, handoffs);
            test_wait_handoff(e, 2, 4, 4, handoffs);
        }
        diag("%s: %.2f s", e->name, now_s() - t);
    }
#ifdef CONC_VERIFY
    ok(conc_verify_points() > 0, "verify build: %" PRIu64
       " schedule points passed", conc_verify_points());
    ok(conc_verify_yields() > 0, "verify build: %" PRIu64
       " yields injected (the hooks are live)", conc_verify_yields());
#endif
    diag("total %.2f s", now_s() - t0);
    done_testing();
    return tap_exit();
}
