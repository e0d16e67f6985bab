/*
 * watchdog.c - turn a hang into a report and exit code 3.
 *
 * One thread for the whole process.  Every 100 ms it sums the operations
 * completed by every thread of the current run (each thread publishes its
 * counts and its current operation in its own padded slot).  If the sum has
 * not moved for --stall seconds, it prints which threads are stuck inside
 * which operation (and which keep retrying without success), what the
 * structure says about itself, writes the JSON file if one was asked for,
 * and calls _exit(3): the stuck threads are never joined.
 *
 * Progress means an operation that took effect (an item pushed or popped, an
 * add), not a call: threads that only see CONC_FULL and CONC_EMPTY forever
 * are a stall too.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static run *wd_run;
static const stress_config *wd_cfg;
static stall_json_fn wd_json;

void watchdog_set_json(stall_json_fn fn)
{
    pthread_mutex_lock(&wd_lock);
    wd_json = fn;
    pthread_mutex_unlock(&wd_lock);
}

void watchdog_watch(run *r)
{
    pthread_mutex_lock(&wd_lock);
    wd_run = r;
    pthread_mutex_unlock(&wd_lock);
}

/* ---- a report buffer, written with write(2) at the end (no stdio locks:
 * the main thread may be anywhere) ---- */

typedef struct rbuf {
    char *p;
    size_t len, cap;
} rbuf;

static void rb_printf(rbuf *b, const char *fmt, ...) STRESS_PRINTF(2, 3);
static void rb_printf(rbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL,
                          b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 8192) + (size_t)n;
        char *np = realloc(b->p, cap);
        if (!np)
            return;
        b->p = np;
        b->cap = cap;
    }
}

/* ---- asking the structure about itself, without hanging on its lock ---- */

typedef struct probe {
    run *r;
    _Atomic int done;
    size_t len, cap;
    int64_t total;
    int st;
} probe;

static void *probe_main(void *arg)
{
    probe *pr = arg;
    const reg_entry *e = pr->r->e;
    if (e->kind == REG_COUNTER) {
        pr->st = e->read(pr->r->obj, &pr->total);
    } else {
        pr->cap = e->capacity(pr->r->obj);
        pr->len = e->len(pr->r->obj);
    }
    atomic_store_explicit(&pr->done, 1, memory_order_release);
    return NULL;
}

static void describe_structure(rbuf *b, run *r)
{
    static probe pr; /* outlives us if the probe thread never returns */
    pr.r = r;
    atomic_store(&pr.done, 0);
    pthread_t th;
    bool answered = false;
    if (pthread_create(&th, NULL, probe_main, &pr) == 0) {
        pthread_detach(th);
        double t0 = h_now_s();
        while (h_now_s() - t0 < 1.0) {
            if (atomic_load_explicit(&pr.done, memory_order_acquire)) {
                answered = true;
                break;
            }
            h_sleep_s(0.005);
        }
    }
    uint64_t pushes = 0, pops = 0, ok = 0;
    for (int i = 0; i <= r->nthreads; i++) {
        pushes += atomic_load_explicit(&r->slots[i].pushes, memory_order_relaxed);
        pops += atomic_load_explicit(&r->slots[i].pops, memory_order_relaxed);
        ok += atomic_load_explicit(&r->slots[i].ok, memory_order_relaxed);
    }
    if (r->e->kind == REG_COUNTER) {
        if (answered && pr.st == CONC_OK)
            rb_printf(b, "  structure %s: read() = %" PRId64
                      "; %" PRIu64 " adds completed so far\n",
                      r->e->name, pr.total, ok);
        else
            rb_printf(b, "  structure %s: read() %s; %" PRIu64
                      " adds completed so far\n", r->e->name,
                      answered ? "failed" : "gave no answer within 1 s",
                      ok);
        return;
    }
    if (answered)
        rb_printf(b, "  structure %s: len %zu / capacity %zu; ", r->e->name,
                  pr.len, pr.cap);
    else
        rb_printf(b, "  structure %s: len() gave no answer within 1 s "
                  "(a lock held by a stuck thread?); ", r->e->name);
    rb_printf(b, "pushed so far %" PRIu64 ", popped so far %" PRIu64
              " (%" PRId64 " inside or in flight)\n",
              pushes, pops, (int64_t)(pushes - pops));
}

static const char *phase_name(int ph)
{
    switch (ph) {
    case 0: return "running";
    case 1: return "stopping (joining the threads)";
    case 2: return "draining";
    case 3: return "checking";
    }
    return "?";
}

/* What the threads are doing, counted by state. */
typedef struct tally {
    int stuck, retry, barrier, done, other, shown;
} tally;

/* One thread's line of the report (at most 32 are shown). */
static void describe_thread(rbuf *b, run *r, int i, uint64_t calls_then,
                            tally *n)
{
    tslot *s = &r->slots[i];
    int opv = atomic_load_explicit(&s->op, memory_order_relaxed);
    int op = OP_KIND(opv);
    bool inside = (opv & OP_INSIDE) != 0;
    uint64_t calls = atomic_load_explicit(&s->calls, memory_order_relaxed);
    uint64_t ok = atomic_load_explicit(&s->ok, memory_order_relaxed);
    uint64_t arg = atomic_load_explicit(&s->arg, memory_order_relaxed);
    if (i == r->nthreads && op != OP_DRAIN)
        return; /* the drain slot, unused so far */
    char what[64], a[16];
    char detail[160] = "";
    if (op == OP_DONE) {
        n->done++;
        return;
    }
    if (op == OP_BARRIER) {
        n->barrier++;
        return;
    }
    if (calls != calls_then) {
        n->retry++;
        snprintf(what, sizeof what, "retrying %s without success",
                 op_state_name[op]);
        snprintf(detail, sizeof detail,
                 "%" PRIu64 " calls returned CONC_FULL/CONC_EMPTY since "
                 "the last success", calls - calls_then);
    } else if (inside) {
        n->stuck++;
        snprintf(what, sizeof what, "stuck inside %s", op_state_name[op]);
    } else {
        n->other++;
        if (op == OP_START)
            snprintf(what, sizeof what, "never started");
        else
            snprintf(what, sizeof what, "stuck after %s returned",
                     op_state_name[op]);
    }
    if (op == OP_PUSH || op == OP_PUSH_MANY) {
        char d2[96];
        snprintf(d2, sizeof d2, "%s(P%" PRIu64 ", seq %" PRIu64 ")",
                 detail[0] ? "; item " : "item ", h_item_producer(arg),
                 h_item_seq(arg));
        strncat(detail, d2, sizeof detail - strlen(detail) - 1);
    } else if (op == OP_ADD) {
        char d2[64];
        snprintf(d2, sizeof d2, "%sdelta %" PRId64, detail[0] ? "; " : "",
                 (int64_t)arg);
        strncat(detail, d2, sizeof detail - strlen(detail) - 1);
    }
    if (n->shown >= 32)
        return;
    n->shown++;
    rb_printf(b, "  %-6s %s", thread_name(r, i, a), what);
    if (s->cpu >= 0)
        rb_printf(b, " (cpu %d)", s->cpu);
    rb_printf(b, ": %" PRIu64 " operations done%s%s\n", ok,
              detail[0] ? "; " : "", detail);
}

static STRESS_NORETURN void stall_report(run *r, double stalled_s,
                                         const uint64_t *calls_then)
{
    rbuf b = {0};
    double el = h_now_s() - r->t_start;
    rb_printf(&b, "\nconc-stress: STALL %s: no operation took effect for "
              "%.1f s (phase: %s, %.1f s after the start)\n",
              r->e->name, stalled_s,
              phase_name(atomic_load_explicit(&r->phase, memory_order_relaxed)),
              el);
    tally n = {0};
    for (int i = 0; i <= r->nthreads; i++)
        describe_thread(&b, r, i, calls_then[i], &n);
    if (n.shown < n.stuck + n.retry + n.other)
        rb_printf(&b, "  ... and %d more\n",
                  n.stuck + n.retry + n.other - n.shown);
    rb_printf(&b, "  threads: %d stuck inside an operation, %d retrying "
              "without success, %d at a round barrier, %d finished, %d "
              "elsewhere\n", n.stuck, n.retry, n.barrier, n.done, n.other);
    describe_structure(&b, r);
    rb_printf(&b, "conc-stress: STALL: exit 3\n");
    if (wd_json && b.p)
        wd_json(r, b.p);
    if (b.p) {
        size_t off = 0;
        while (off < b.len) {
            ssize_t w = write(1, b.p + off, b.len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    _exit(EXIT_STALL);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    static uint64_t calls_then[STRESS_MAX_THREADS + 1];
    run *seen = NULL;
    uint64_t last_sum = 0;
    double last_change = h_now_s();
    for (;;) {
        h_sleep_s(0.1);
        pthread_mutex_lock(&wd_lock);
        run *r = wd_run;
        if (!r || r != seen) {
            seen = r;
            last_sum = UINT64_MAX;
            last_change = h_now_s();
            pthread_mutex_unlock(&wd_lock);
            continue;
        }
        if (!atomic_load_explicit(&r->go, memory_order_relaxed)) {
            last_change = h_now_s();
            pthread_mutex_unlock(&wd_lock);
            continue;
        }
        uint64_t sum = atomic_load_explicit(&r->extra_progress,
                                            memory_order_relaxed);
        for (int i = 0; i <= r->nthreads; i++)
            sum += atomic_load_explicit(&r->slots[i].ok, memory_order_relaxed);
        double now = h_now_s();
        if (sum != last_sum) {
            last_sum = sum;
            last_change = now;
            for (int i = 0; i <= r->nthreads; i++)
                calls_then[i] = atomic_load_explicit(&r->slots[i].calls,
                                                     memory_order_relaxed);
        } else if (now - last_change >= wd_cfg->stall_s) {
            stall_report(r, now - last_change, calls_then); /* exits */
        }
        pthread_mutex_unlock(&wd_lock);
    }
    return NULL;
}

int watchdog_start(const stress_config *cfg)
{
    wd_cfg = cfg;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, watchdog_main, NULL);
    pthread_attr_destroy(&attr);
    return rc;
}
