/*
 * containers.c - producers, consumers and mixed threads over queues and
 * stacks, and the checks made on every popped item.
 *
 * Producer p pushes (p, 0), (p, 1), ... one by one or in batches
 * (push_many); a push that reports CONC_FULL keeps its items, which are
 * pushed again.  An unbounded structure (conc_lfqueue) never says FULL, so
 * producers hold back while --capacity items are inside (a backlog limit
 * that keeps the ledger's window meaningful).  With --wait, producers call
 * push_wait and consumers pop_wait (100 ms, looping on CONC_TIMEDOUT), one
 * item at a time; the run ends with close(): producers stop, the main
 * thread closes, consumers drain until CONC_CLOSED.  Before pushing seqs
 * below n it publishes `started = n`, and before that it makes room for
 * them in its ledger (harness/ledger.h).
 *
 * For every popped item, in this order:
 *   producer id in range, else INVENTED;
 *   check word == hash(producer, seq), else CORRUPT;
 *   seq < started[producer], else INVENTED: "popped before its push began".
 *     Sound: the producer stores started (relaxed) before its push, the push
 *     happens-before the pop that returns the item (every header promises
 *     it), and our load comes after the pop, so it must see the store;
 *   queues: seq > the last seq this consumer saw from that producer, else
 *     ORDER (each producer's items are popped in the order it pushed them;
 *     harness/order.h);
 *   the ledger: exactly once (DUPLICATE, LOST; harness/ledger.h);
 *   stacks with mixed threads: the LIFO watch (below; harness/order.h).
 *
 * The LIFO watch (stacks, threads that both push and pop): every pop takes
 * an invocation stamp `pi`; a thread that pops its own item from under its
 * own later push publishes a claim, which whoever pops that later item
 * checks (harness/order.h has the mechanism and why it is sound).
 */
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"


static const char *status_name(int st)
{
    switch (st) {
    case CONC_OK: return "CONC_OK";
    case CONC_EMPTY: return "CONC_EMPTY";
    case CONC_FULL: return "CONC_FULL";
    case CONC_CLOSED: return "CONC_CLOSED";
    case CONC_TIMEDOUT: return "CONC_TIMEDOUT";
    case CONC_EINVAL: return "CONC_EINVAL";
    case CONC_ENOMEM: return "CONC_ENOMEM";
    }
    return "an unknown status";
}

static void publish_counts(cthread *t)
{
    tslot *s = &t->r->slots[t->tid];
    atomic_store_explicit(&s->pushes, t->pushes, memory_order_relaxed);
    atomic_store_explicit(&s->pops, t->pops, memory_order_relaxed);
    atomic_store_explicit(&s->ok, t->pushes + t->pops, memory_order_relaxed);
    atomic_store_explicit(&s->calls, t->calls, memory_order_relaxed);
    atomic_store_explicit(&s->checked, t->checked, memory_order_relaxed);
    atomic_store_explicit(&s->full, t->full, memory_order_relaxed);
    atomic_store_explicit(&s->empty, t->empty, memory_order_relaxed);
}

static size_t pick_batch(cthread *t)
{
    int max = t->r->cfg->batch_max;
    if (max <= 1 || (h_rand(&t->rng) & 3) != 0)
        return 1;
    return 2 + (size_t)(h_rand(&t->rng) % (uint64_t)(max - 1));
}

/* ---- the LIFO watch (harness/order.h) ---- */

static void watch_check(cthread *t, int p, uint64_t s, uint64_t pi)
{
    run *r = t->r;
    uint64_t x, pr;
    if (!h_lifo_check(&r->prod[p].watch, s, pi, &x, &pr))
        return;
    char a[16], b[16];
    violation(r, V_LIFO, p, x,
              "%s popped its own item seq %" PRIu64 " (pop returned before "
              "stamp %" PRIu64 ") while its later item seq %" PRIu64
              " (pushed after it, before that pop) was still in the stack: "
              "%s's pop of seq %" PRIu64 " began at stamp %" PRIu64,
              thread_name(r, p, a), x, pr, s, thread_name(r, t->tid, b), s,
              pi);
}

/* ---- checks on one popped item ---- */

static void consume(cthread *t, uint64_t v, uint64_t pi, uint64_t *pr)
{
    run *r = t->r;
    char a[16], b[16];
    uint64_t p = h_item_producer(v), s = h_item_seq(v);
    t->checked++;
    if (p >= (uint64_t)r->nprod) {
        violation(r, V_INVENTED, -1, 0,
                  "%s popped 0x%016" PRIx64 ": producer id %" PRIu64
                  " out of range (%d producers)",
                  thread_name(r, t->tid, a), v, p, r->nprod);
        return;
    }
    if (!h_item_valid(v)) {
        violation(r, V_CORRUPT, (int)p, s,
                  "%s popped 0x%016" PRIx64 ": check word 0x%04" PRIx64
                  ", expected 0x%04" PRIx64,
                  thread_name(r, t->tid, a), v, (uint64_t)h_item_checkword(v),
                  (uint64_t)h_item_check(p, s));
        return;
    }
    uint64_t started = atomic_load_explicit(&r->prod[p].started,
                                            memory_order_relaxed);
    if (s >= started) {
        violation(r, V_INVENTED, (int)p, s,
                  "%s popped it before its push began (%s had begun pushing "
                  "only seqs below %" PRIu64 ")",
                  thread_name(r, t->tid, a), thread_name(r, (int)p, b),
                  started);
        return;
    }
    uint64_t before;
    if (t->have_fifo && !h_fifo_next(&t->fifo, p, s, &before))
        violation(r, V_ORDER, (int)p, s,
                  "%s popped it after seq %" PRIu64
                  " of the same producer (FIFO per producer)",
                  thread_name(r, t->tid, a), before);
    h_ledger_record(&r->prod[p].led, s, t->tid);
    if (r->watch) {
        watch_check(t, (int)p, s, pi);
        if (t->role == ROLE_MIXED && (int)p == t->pid && t->have_push &&
            s < t->push_first)
            h_lifo_claim(&r->prod[t->pid].watch, &r->clock, t->push_last, s,
                         pr);
    }
}

/* ---- one push, one pop ---- */

/* How many items the next push call offers: a batch size, cut to what is
 * left of the quota and of the seq space; 1 with --wait (push_wait has no
 * batch form).  0: nothing left. */
static size_t push_count(cthread *t)
{
    size_t n = pick_batch(t);
    if (n > t->quota - t->next_seq)
        n = (size_t)(t->quota - t->next_seq);
    if (t->next_seq + n > H_ITEM_SEQ_LIMIT)
        n = (size_t)(H_ITEM_SEQ_LIMIT - t->next_seq);
    if (n > 0 && t->r->cfg->wait)
        n = 1;
    return n;
}

/* Before pushing seqs below next_seq + n: room in the ledger first (the
 * settle of older seqs must happen-before any pop of these; harness/ledger.c
 * relies on it), then `started`, which the origin check reads. */
static void publish_started(cthread *t, size_t n)
{
    run *r = t->r;
    producer_state *ps = &r->prod[t->pid];
    if (t->next_seq + n <= t->started_pub)
        return;
    uint64_t pub = t->next_seq + n;
    if (!h_ledger_make_room(&ps->led, pub))
        stop_early(r);
    atomic_store_explicit(&ps->started, pub, memory_order_relaxed);
    t->started_pub = pub;
}

/* The push call itself (push_wait, push or push_many), published in the
 * thread's slot while inside; *done is what went in. */
static int push_call(cthread *t, void **items, size_t n, size_t *done)
{
    run *r = t->r;
    const reg_entry *e = r->e;
    tslot *slot = &r->slots[t->tid];
    atomic_store_explicit(&slot->arg, (uint64_t)(uintptr_t)items[0],
                          memory_order_relaxed);
    int op = n == 1 ? OP_PUSH : OP_PUSH_MANY;
    atomic_store_explicit(&slot->op, op | OP_INSIDE, memory_order_relaxed);
    int st;
    if (r->cfg->wait) {
        st = e->push_wait(r->obj, items[0], WAIT_TIMEOUT_NS);
        *done = st == CONC_OK;
    } else if (n == 1) {
        st = e->push(r->obj, items[0]);
        *done = st == CONC_OK;
    } else {
        *done = (size_t)-1;
        st = e->push_many(r->obj, items, n, done);
    }
    atomic_store_explicit(&slot->op, op, memory_order_relaxed);
    t->calls++;
    return st;
}

/* The statuses a push may return: FULL only from a bounded structure,
 * TIMEDOUT only from push_wait; a batch's count agrees with its status.
 * Returns the count to believe (0 for a nonsense one). */
static size_t push_verdict(cthread *t, size_t n, int st, size_t done)
{
    run *r = t->r;
    int refusal = r->cfg->wait ? CONC_TIMEDOUT : CONC_FULL;
    bool can_refuse = r->cfg->wait || !r->e->unbounded;
    bool okst = n == 1 ? (st == CONC_OK || (st == refusal && can_refuse))
                       : ((st == CONC_OK && done == n) ||
                          (st == CONC_FULL && can_refuse && done < n));
    if (!okst) {
        char a[16];
        violation(r, V_STATUS, t->pid, t->next_seq,
                  "%s: %s of %zu item(s) returned %s (%zu pushed)",
                  thread_name(r, t->tid, a), n == 1 ? "push" : "push_many",
                  n, status_name(st), n == 1 ? (size_t)0 : done);
        if (done > n)
            done = 0; /* nonsense count: assume nothing went in */
    }
    return done;
}

/* 1: pushed something; 0: FULL; -1: this thread has nothing more to push. */
static int push_step(cthread *t)
{
    run *r = t->r;
    const reg_entry *e = r->e;
    size_t n = push_count(t);
    if (n == 0) {
        t->producing_done = true;
        return -1;
    }
    /* Unbounded: hold back while `capacity` items are inside. */
    if (e->unbounded &&
        atomic_load_explicit(&r->inflight, memory_order_relaxed) >=
            (int64_t)r->capacity) {
        t->full++;
        publish_counts(t);
        return 0;
    }
    publish_started(t, n);
    void *items[STRESS_MAX_BATCH];
    for (size_t k = 0; k < n; k++)
        items[k] = h_item_ptr((uint64_t)t->pid, t->next_seq + k, 0);
    size_t done;
    int st = push_call(t, items, n, &done);
    done = push_verdict(t, n, st, done);
    if (st == CONC_FULL || st == CONC_TIMEDOUT)
        t->full++;
    if (done > 0 && e->unbounded)
        atomic_fetch_add_explicit(&r->inflight, (int64_t)done,
                                  memory_order_relaxed);
    if (done > 0) {
        t->push_first = t->next_seq;
        t->push_last = t->next_seq + done - 1;
        t->have_push = true;
        t->next_seq += done;
        t->pushes += done;
    }
    publish_counts(t);
    if (t->next_seq >= t->quota || t->next_seq >= H_ITEM_SEQ_LIMIT)
        t->producing_done = true;
    return done > 0 ? 1 : 0;
}

/* 1: popped something; 0: EMPTY (or TIMEDOUT); -1: EMPTY and every producer
 * is done; -2: CLOSED (--wait: the run is over). */
int pop_step(cthread *t, size_t n)
{
    run *r = t->r;
    const reg_entry *e = r->e;
    tslot *slot = &r->slots[t->tid];
    /* Read before the pop: an EMPTY from a pop that began after every
     * producer finished means every item has been taken. */
    int pdone = atomic_load_explicit(&r->producers_done, memory_order_acquire);
    uint64_t pi = r->watch ? h_lifo_stamp(&r->clock) : 0;
    void *out[STRESS_MAX_BATCH];
    int st;
    size_t got;
    int op = n == 1 ? OP_POP : OP_POP_MANY;
    if (t->role != ROLE_DRAIN)
        atomic_store_explicit(&slot->op, op | OP_INSIDE, memory_order_relaxed);
    bool waiting = r->cfg->wait && t->role != ROLE_DRAIN;
    /* CLOSED only once the main thread closed (read before the pop). */
    bool closed = atomic_load_explicit(&r->closed, memory_order_acquire) != 0;
    if (waiting)
        n = 1;
    if (waiting) {
        st = e->pop_wait(r->obj, &out[0], WAIT_TIMEOUT_NS);
        got = st == CONC_OK;
    } else if (n == 1) {
        st = e->pop(r->obj, &out[0]);
        got = st == CONC_OK;
    } else {
        got = (size_t)-1;
        st = e->pop_many(r->obj, out, n, &got);
    }
    if (!closed && st == CONC_CLOSED)
        closed = atomic_load_explicit(&r->closed, memory_order_acquire) != 0;
    if (t->role != ROLE_DRAIN)
        atomic_store_explicit(&slot->op, op, memory_order_relaxed);
    t->calls++;
    int nothing = waiting ? CONC_TIMEDOUT : CONC_EMPTY;
    bool okst = n == 1 ? (st == CONC_OK || st == nothing ||
                          (st == CONC_CLOSED && closed))
                       : ((st == CONC_OK && got >= 1 && got <= n) ||
                          ((st == CONC_EMPTY ||
                            (st == CONC_CLOSED && closed)) && got == 0));
    char a[16];
    if (!okst) {
        violation(r, V_STATUS, -1, 0, "%s: %s of up to %zu returned %s (%zu popped)",
                  thread_name(r, t->tid, a), n == 1 ? "pop" : "pop_many", n,
                  status_name(st), n == 1 ? (size_t)0 : got);
        if (got > n || st != CONC_OK)
            got = 0;
    }
    if (st == CONC_EMPTY || st == CONC_TIMEDOUT)
        t->empty++;
    if (got > 0 && got <= n && e->unbounded)
        atomic_fetch_sub_explicit(&r->inflight, (int64_t)got,
                                  memory_order_relaxed);
    uint64_t pr = 0;
    for (size_t k = 0; k < got; k++)
        consume(t, (uint64_t)(uintptr_t)out[k], pi, &pr);
    t->pops += got;
    publish_counts(t);
    if (got > 0)
        return 1;
    if (st == CONC_CLOSED)
        return -2;
    if (waiting)
        return 0; /* --wait: only CLOSED ends a consumer */
    return pdone == r->nprod ? -1 : 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* After CONC_FULL or CONC_EMPTY: spin a little (up to 16 pauses), then
 * yield, and every 32nd failure in a row sleep (about 50 us with the usual
 * timer slack).  Yielding alone is not enough on an oversubscribed machine:
 * a thread that yields because the queue is full hands its CPU to the other
 * producer exactly when the queue is full for it too, which yields back, and
 * one producer/consumer pair starves the other for the whole run.  The
 * sleep takes the thread off the run queue long enough to break that pairing.
 * (Tuned on 2 cores with twice as many threads: fairness from 0.00 to ~0.99
 * at the same throughput.) */
static void backoff(unsigned *fails)
{
    unsigned f = ++*fails;
    if (f > 16) {
        if (f % 32 == 0)
            h_sleep_s(1e-6);
        else
            sched_yield();
        return;
    }
    unsigned spins = 1u << (f < 4 ? f : 4);
    for (unsigned i = 0; i < spins; i++)
        cpu_relax();
}

/* An unbounded structure's producer held back by the backlog limit. */
static bool e_unbounded_held(const cthread *t)
{
    return t->r->e->unbounded &&
           atomic_load_explicit(&t->r->inflight, memory_order_relaxed) >=
               (int64_t)t->r->capacity;
}

static void *worker_main(void *arg)
{
    cthread *t = arg;
    run *r = t->r;
    tslot *slot = &r->slots[t->tid];
    stress_pin(r->cfg, slot);
    wait_for_go(r, slot);
    unsigned fails = 0;
    bool counted_done = false;
    bool wait = r->cfg->wait;
    /* --wait: a consumer (or mixed thread) leaves only on CLOSED. */
    while (!stop_requested(r) || (wait && t->role != ROLE_PRODUCER)) {
        int res;
        if (wait && stop_requested(r))
            t->producing_done = true;
        bool push = t->role == ROLE_PRODUCER ||
                    (t->role == ROLE_MIXED && !t->producing_done &&
                     (h_rand(&t->rng) & 1));
        if (push) {
            res = push_step(t);
        } else if (t->role == ROLE_PRODUCER) {
            res = -1;
        } else {
            res = pop_step(t, pick_batch(t));
        }
        if (t->producing_done && !counted_done &&
            (t->role == ROLE_PRODUCER || t->role == ROLE_MIXED)) {
            counted_done = true;
            /* Release: every push of ours before the count. */
            atomic_fetch_add_explicit(&r->producers_done, 1,
                                      memory_order_release);
            if (t->role == ROLE_PRODUCER)
                break;
            continue;
        }
        if (r->cfg->inject_stall && t->role == ROLE_CONSUMER &&
            t->pops >= 100) {
            /* Pretend to hang inside pop, so the watchdog can be tested. */
            atomic_store_explicit(&slot->op, OP_POP | OP_INSIDE,
                                  memory_order_relaxed);
            for (;;)
                h_sleep_s(1.0);
        }
        if (res > 0)
            fails = 0;
        else if (res == -2)
            break; /* CLOSED: the run is over */
        else if (res < 0 && !push)
            break; /* EMPTY after every producer finished */
        else if (!wait || res < 0 || e_unbounded_held(t))
            backoff(&fails);
    }
    /* Stopped before running out of items: stopped pushing all the same
     * (--wait closes once every pusher has counted itself here). */
    if (!counted_done &&
        (t->role == ROLE_PRODUCER || t->role == ROLE_MIXED))
        atomic_fetch_add_explicit(&r->producers_done, 1, memory_order_release);
    publish_counts(t);
    atomic_store_explicit(&slot->op, OP_DONE, memory_order_relaxed);
    slot->t_done = h_now_s();
    atomic_fetch_add_explicit(&r->threads_done, 1, memory_order_release);
    return NULL;
}

int containers_start(run *r, pthread_t *th, int *created)
{
    cstate *cs = calloc(1, sizeof *cs);
    if (!cs)
        return -1;
    r->priv = cs;
    cs->t = calloc((size_t)r->nthreads + 1, sizeof *cs->t);
    if (!cs->t)
        return -1;
    uint64_t items = 0;
    if (r->ops_target)
        items = (r->ops_target + 1) / 2;
    for (int i = 0; i <= r->nthreads; i++) {
        cthread *t = &cs->t[i];
        t->r = r;
        t->tid = i;
        t->role = r->slots[i].role;
        t->pid = (t->role == ROLE_PRODUCER || t->role == ROLE_MIXED) ? i : -1;
        t->rng = h_mix64(r->cfg->seed ^ ((uint64_t)i << 40) ^
                         h_mix64(r->e->kind)) | 1;
        t->quota = UINT64_MAX;
        if (t->pid >= 0 && r->ops_target)
            t->quota = items / (uint64_t)r->nprod +
                       ((uint64_t)t->pid < items % (uint64_t)r->nprod);
        if (r->e->kind == REG_QUEUE && t->role != ROLE_PRODUCER) {
            if (h_fifo_init(&t->fifo, (size_t)r->nprod) != 0)
                return -1;
            t->have_fifo = true;
        }
    }
    for (int i = 0; i < r->nthreads; i++) {
        if (h_thread_create(&th[i], worker_main, &cs->t[i]) != 0)
            return -1;
        (*created)++;
    }
    return 0;
}
