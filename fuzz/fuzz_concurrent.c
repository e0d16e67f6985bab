/*
 * fuzz_concurrent - the fuzzer that mutates shared state.
 *
 * The input picks a structure from the registry, its capacity, 2 to 4
 * threads and each thread's list of operations (at most 64), and a schedule:
 * linked against libconc-verify, every step inside the library (each atomic
 * operation, pause, futex wait or wake, mutex lock or unlock and clock
 * read: a version 1 hook, called before the step) and every step between
 * two operations in the harness is a schedule point, and at each one the
 * thread reads the next byte of its own slice of
 * the schedule to decide whether to run on, give up the CPU, or stall until
 * the other threads have completed some operations.  The threads start
 * together behind a barrier, run their lists, and record what they saw
 * (with invocation/response stamps from one relaxed atomic clock); the main
 * thread joins them, drains the structure and checks, as conc-stress does:
 *
 *   containers  every popped item was pushed (no invention), and no item
 *               was popped twice; after the drain every item whose push
 *               said OK was popped exactly once and no item whose push said
 *               FULL was ever popped; queues keep each producer's order
 *               (FIFO in real time), stacks never pop an item from under a
 *               later item of the same producer (LIFO in real time);
 *               len stays within [0, capacity] and capacity never changes
 *               (unbounded structures: capacity() is SIZE_MAX and push
 *               never says FULL); quiescent at the end, the structure
 *               takes exactly `capacity` items, then says FULL (unbounded:
 *               takes one more), gives them back in order, then says EMPTY.
 *   closing     a close op (any thread, any time): push/pop may say CLOSED
 *               only once a close was invoked; a push that begins after a
 *               close returned says CLOSED, a pop that begins after it
 *               never says EMPTY; the drain ends with CLOSED, every OK push
 *               is still popped exactly once (nothing stranded), no CLOSED
 *               push is ever popped; afterwards push and pop say CLOSED.
 *   counters    the final total is the sum of every delta (mod 2^64); with
 *               positive deltas the previous totals returned by add chain
 *               from 0 to the final total with no gap or overlap, each
 *               thread's reads never decrease and never miss its own adds,
 *               and a linearizable counter only ever reads a total that
 *               existed.
 *   linearizability  then the whole recorded history (the prefill as the
 *               initial state, every thread's operations with their stamps;
 *               when it has more than LZ_MAX_OPS operations, the prefix of
 *               those invoked before a cut, where the ones that had not
 *               returned by the cut are pending) goes to the
 *               linearizability checker (harness/lincheck.h) with the
 *               structure's specification (lz_spec_for); a violation is
 *               printed as the smallest failing sub-history on a time axis.
 *               A search that exceeds LINCHECK_MAX_STATES gives no verdict.
 *
 * Nothing waits without bound: a push that finds the structure full (or a
 * pop that finds it empty) is recorded and the thread moves on; a stall
 * ends when every other thread is done or stalled too, or after a few
 * hundred yields; and each thread yields at most YIELD_BUDGET times per
 * input.
 *
 * Input layout (a missing byte reads as 0):
 *   [0] structure: index into the registry (plus the broken queue, last,
 *       when fuzz_broken_allowed())
 *   [1] capacity (containers: from 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64) or
 *       shards (counters: 1 to 8)
 *   [2] bits 0-1: threads - 2 (3 means 4); bit 2: build in caller memory;
 *       bit 3: make producer 0's first item NULL; bits 4-7: broken period
 *   [3] prefill: items the main thread pushes before the threads start
 *   then, per thread: a count byte (n = b % 65) and n operation bytes
 *   the rest: the schedule, cut into one slice per thread.
 *   Schedule byte: bits 0-4 = schedule points to run through before the
 *   next byte is read; bits 5-7 = action now: 0 none, 1-4 yield that many
 *   times, 5-7 stall until the others complete 1-3 operations.
 *   Container op byte: b % 8: 0-2 push, 3-4 pop, 5 push_many, 6 pop_many,
 *   7 len/capacity, or close when (b >> 3) % 8 == 7 (0x3F, 0x7F, 0xBF,
 *   0xFF; not for the broken queue, which has no close); batch size
 *   1 + (b >> 3) % 4.
 *   Counter op byte: b % 4 == 3 read, else add; delta (b >> 2) + 1 for
 *   b >> 2 < 56, else an edge value (0, -1, INT64_MIN, ...).
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broken.h"
#include "codec.h"
#include "counter_check.h"
#include "fuzz.h"
#include "history.h"
#include "internal/verify.h"
#include "ledger.h"
#include "lincheck.h"
#include "registry.h"

#define MAX_THREADS 4
#define MAX_OPS 64
#define MAX_BATCH 4
#define MAIN_PID MAX_THREADS            /* producer id of the prefill */
#define MAX_SEQ (MAX_OPS * MAX_BATCH)   /* items one producer can make */
#define STALL_YIELDS 256
#define YIELD_BUDGET 4096 /* per thread and input: bounds a run's length */

enum { OP_PUSH, OP_POP, OP_PUSH_MANY, OP_POP_MANY, OP_LEN, OP_ADD, OP_READ,
       OP_CLOSE };

/* What one operation did.  For counters items[0] holds the delta. */
typedef struct op_rec {
    uint8_t kind, status, n_req, n_done;
    uint64_t inv, resp;
    uintptr_t items[MAX_BATCH];
    int64_t val; /* add: prev (or a sentinel); read: the value; len: len */
} op_rec;

typedef struct thread_ctx {
    int tid;
    pthread_t thread;
    const uint8_t *ops;
    int nops;
    const uint8_t *sched;
    size_t sched_len, sched_pos;
    unsigned skip;
    unsigned yields_left;
    uint32_t next_seq;
    op_rec rec[MAX_OPS];
} thread_ctx;

/* Where an item ended up (built by the main thread after joining): its
 * history (harness/history.h); how often it was popped is the ledger's
 * business (harness/ledger.h). */
typedef h_hist_item item_info;

typedef struct run {
    const reg_entry *e;
    void *obj;
    bool caller_mem;
    size_t cap;
    int nthreads;
    uintptr_t key; /* item value = h_item_encode() ^ key, so one can be NULL */
    pthread_barrier_t start;
    thread_ctx t[MAX_THREADS];
    item_info items[MAX_THREADS + 1][MAX_SEQ];
    uint32_t made[MAX_THREADS + 1]; /* items each producer made */
    h_ledger led[MAX_THREADS + 1];  /* exactly once, per producer */
    /* Close operations (after the join): the earliest invocation and the
     * earliest response, UINT64_MAX if none. */
    bool closed;
    uint64_t close_inv, close_resp;
} run;

static run R; /* one input at a time */

/* The harness's own shared words: relaxed, so that they add no
 * happens-before edges that could hide a missing one in the library. */
static _Atomic uint64_t clock_now;
static _Atomic uint64_t ops_done;
static _Atomic int threads_done;
static _Atomic int stallers; /* threads inside stall() */
static _Thread_local thread_ctx *self;

static uint64_t stamp(void)
{
    return atomic_fetch_add_explicit(&clock_now, 1, memory_order_relaxed);
}

/* ---- the schedule ------------------------------------------------------- */

/* Wait until the other threads complete `ops` more operations, or they are
 * all done or all stalled themselves, or the yield budget runs out. */
static void stall(thread_ctx *t, unsigned ops)
{
    uint64_t target = atomic_load_explicit(&ops_done, memory_order_relaxed) + ops;
    atomic_fetch_add_explicit(&stallers, 1, memory_order_relaxed);
    for (int k = 0; k < STALL_YIELDS && t->yields_left > 0; k++) {
        int alive = R.nthreads -
                    atomic_load_explicit(&threads_done, memory_order_relaxed);
        if (atomic_load_explicit(&ops_done, memory_order_relaxed) >= target ||
            alive <= 1 ||
            atomic_load_explicit(&stallers, memory_order_relaxed) >= alive)
            break;
        t->yields_left--;
        sched_yield();
    }
    atomic_fetch_sub_explicit(&stallers, 1, memory_order_relaxed);
}

/* A schedule point of this thread: the library's (via the verify hook) or
 * the harness's own, between two operations. */
static void schedule_point(thread_ctx *t)
{
    if (t->skip > 0) {
        t->skip--;
        return;
    }
    if (t->sched_pos >= t->sched_len)
        return; /* the slice is used up: run freely */
    uint8_t v = t->sched[t->sched_pos++];
    t->skip = v & 0x1f;
    unsigned act = v >> 5;
    if (act >= 1 && act <= 4) {
        for (unsigned k = 0; k < act && t->yields_left > 0; k++, t->yields_left--)
            sched_yield();
    } else if (act >= 5) {
        stall(t, act - 4);
    }
}

static void verify_hook(int kind, void *arg)
{
    (void)kind;
    (void)arg;
    thread_ctx *t = self;
    if (t)
        schedule_point(t);
}

/* ---- items -------------------------------------------------------------- */

/* Items: harness/codec.h, under R.key. */
static void *item_value(unsigned pid, uint32_t seq)
{
    return h_item_ptr(pid, seq, R.key);
}

/* Decode an item value; false if it is not one the harness could have made. */
static bool item_decode(uintptr_t v, unsigned *pid, uint32_t *seq)
{
    uintptr_t raw = h_item_of((void *)v, R.key);
    if (!h_item_valid(raw) || h_item_producer(raw) > MAX_THREADS ||
        h_item_seq(raw) >= MAX_SEQ)
        return false;
    *pid = (unsigned)h_item_producer(raw);
    *seq = (uint32_t)h_item_seq(raw);
    return *seq < R.made[*pid];
}

/* ---- the worker threads ------------------------------------------------- */

static const int64_t edge_deltas[] = {
    0, -1, INT64_MIN, INT64_MAX, -1000, (int64_t)1 << 40, -((int64_t)1 << 40),
    (int64_t)1 << 62,
};

static void run_container_op(thread_ctx *t, op_rec *r, uint8_t b)
{
    const reg_entry *e = R.e;
    unsigned n = 1 + (b >> 3) % MAX_BATCH;
    switch (b % 8) {
    case 0: case 1: case 2: {
        r->kind = OP_PUSH;
        r->n_req = 1;
        r->items[0] = (uintptr_t)item_value((unsigned)t->tid, t->next_seq++);
        r->inv = stamp();
        r->status = (uint8_t)e->push(R.obj, (void *)r->items[0]);
        r->resp = stamp();
        r->n_done = r->status == CONC_OK;
        break;
    }
    case 3: case 4: {
        void *got = NULL;
        r->kind = OP_POP;
        r->n_req = 1;
        r->inv = stamp();
        r->status = (uint8_t)e->pop(R.obj, &got);
        r->resp = stamp();
        r->n_done = r->status == CONC_OK;
        r->items[0] = (uintptr_t)got;
        break;
    }
    case 5: {
        void *items[MAX_BATCH];
        size_t done = 0;
        r->kind = OP_PUSH_MANY;
        r->n_req = (uint8_t)n;
        for (unsigned k = 0; k < n; k++)
            items[k] = item_value((unsigned)t->tid, t->next_seq++);
        memcpy(r->items, items, sizeof items);
        r->inv = stamp();
        r->status = (uint8_t)e->push_many(R.obj, items, n, &done);
        r->resp = stamp();
        r->n_done = (uint8_t)(done <= n ? done : 0xff);
        break;
    }
    case 6: {
        void *out[MAX_BATCH] = {0};
        size_t done = 0;
        r->kind = OP_POP_MANY;
        r->n_req = (uint8_t)n;
        r->inv = stamp();
        r->status = (uint8_t)e->pop_many(R.obj, out, n, &done);
        r->resp = stamp();
        r->n_done = (uint8_t)(done <= n ? done : 0xff);
        for (unsigned k = 0; k < n; k++)
            r->items[k] = (uintptr_t)out[k];
        break;
    }
    case 7:
        if ((b >> 3) % 8 == 7 && e->close) {
            r->kind = OP_CLOSE;
            r->inv = stamp();
            r->status = (uint8_t)e->close(R.obj);
            r->resp = stamp();
            break;
        }
        /* fall through */
    default:
        r->kind = OP_LEN;
        r->inv = stamp();
        r->val = (int64_t)e->len(R.obj);
        r->items[0] = e->capacity(R.obj);
        r->resp = stamp();
        break;
    }
}

static void run_counter_op(op_rec *r, uint8_t b)
{
    const reg_entry *e = R.e;
    if (b % 4 == 3) {
        r->kind = OP_READ;
        r->val = INT64_MIN;
        r->inv = stamp();
        r->status = (uint8_t)e->read(R.obj, &r->val);
        r->resp = stamp();
        return;
    }
    unsigned d = b >> 2;
    int64_t delta = d < 56 ? (int64_t)d + 1 : edge_deltas[d - 56];
    r->kind = OP_ADD;
    r->items[0] = (uintptr_t)delta;
    r->val = INT64_MIN + 12345; /* prev, if the counter reports one */
    r->inv = stamp();
    r->status = (uint8_t)e->add(R.obj, delta, &r->val);
    r->resp = stamp();
}

static void *thread_main(void *arg)
{
    thread_ctx *t = arg;
    self = t;
    pthread_barrier_wait(&R.start);
    for (int i = 0; i < t->nops; i++) {
        schedule_point(t);
        op_rec *r = &t->rec[i];
        memset(r, 0, sizeof *r);
        if (R.e->kind == REG_COUNTER)
            run_counter_op(r, t->ops[i]);
        else
            run_container_op(t, r, t->ops[i]);
        atomic_fetch_add_explicit(&ops_done, 1, memory_order_relaxed);
    }
    self = NULL;
    atomic_fetch_add_explicit(&threads_done, 1, memory_order_relaxed);
    return NULL;
}

/* ---- checks: containers ------------------------------------------------- */

static const char *op_name(int kind)
{
    static const char *names[] = {"push", "pop", "push_many", "pop_many",
                                  "len", "add", "read", "close"};
    return names[kind];
}

static void note_push(unsigned pid, uint32_t seq, bool ok, uint64_t inv,
                      uint64_t resp)
{
    item_info *it = &R.items[pid][seq];
    it->pushed = ok ? 1 : 2;
    it->push_inv = inv;
    it->push_resp = resp;
}

/* A popper, as the ledger records it: thread << 16 | operation index. */
static const char *popper_name(void *arg, int who, char buf[32])
{
    (void)arg;
    if ((who >> 16) == MAIN_PID)
        snprintf(buf, 32, "the drain");
    else
        snprintf(buf, 32, "thread %d op %d", who >> 16, who & 0xffff);
    return buf;
}

/* The ledger found an item popped twice, popped though its push was
 * refused, or lost. */
static void ledger_sink(void *arg, const h_ledger_event *ev)
{
    char what[200], pn[32];
    (void)arg;
    snprintf(pn, sizeof pn, "%s",
             ev->producer == MAIN_PID ? "the prefill" : "its producer");
    fuzz_fail("%s: item %d.%" PRIu64 " %s", R.e->name, ev->producer, ev->seq,
              h_ledger_describe(ev, popper_name, NULL, pn, what, sizeof what));
}

static bool push_refused(void *arg, uint64_t seq)
{
    return R.items[*(const unsigned *)arg][seq].pushed != 1;
}

static void note_pop(uintptr_t v, unsigned popper, unsigned op, unsigned idx,
                     uint64_t inv, uint64_t resp)
{
    unsigned pid;
    uint32_t seq;
    if (!item_decode(v, &pid, &seq))
        fuzz_fail("%s: thread %u op %u popped %#" PRIxPTR ", an item nobody pushed",
                  R.e->name, popper, op, v);
    item_info *it = &R.items[pid][seq];
    if (it->pushed == 0)
        fuzz_fail("%s: thread %u op %u popped item %u.%u before anyone pushed it",
                  R.e->name, popper, op, pid, seq);
    h_ledger_record(&R.led[pid], seq, (int)(popper << 16 | (op & 0xffff)));
    it->popper = (uint8_t)popper;
    it->pop_op = (uint16_t)op;
    it->pop_idx = (uint8_t)idx;
    it->pop_inv = inv;
    it->pop_resp = resp;
}

/* Statuses and counts each container operation may return.  FULL only from
 * a bounded structure.  CLOSED only once some close was invoked before the
 * operation returned; and once a close has returned, every later push says
 * CLOSED and a later pop says OK or CLOSED, never EMPTY (pop drains, then
 * CLOSED). */
static void check_container_rec(const thread_ctx *t, int i, const op_rec *r)
{
    const char *name = R.e->name;
    bool full_ok = !R.e->unbounded;
    bool closed_ok = R.close_inv < r->resp;
    bool after_close = R.close_resp < r->inv;
    switch (r->kind) {
    case OP_PUSH:
    case OP_PUSH_MANY: {
        bool st_ok = r->status == CONC_OK ||
                     (r->status == CONC_FULL && full_ok) ||
                     (r->status == CONC_CLOSED && closed_ok);
        if (!st_ok || r->n_done > r->n_req ||
            (r->status == CONC_OK) != (r->n_done == r->n_req))
            fuzz_fail("%s: thread %d op %d %s(%u) gave %s with %u pushed%s", name,
                      t->tid, i, op_name(r->kind), r->n_req,
                      fuzz_status_name(r->status), r->n_done,
                      r->status == CONC_CLOSED ? " (no close had begun)" : "");
        if (after_close && (r->status != CONC_CLOSED || r->n_done != 0))
            fuzz_fail("%s: thread %d op %d %s began after a close returned, "
                      "gave %s with %u pushed (want CLOSED, 0)", name, t->tid, i,
                      op_name(r->kind), fuzz_status_name(r->status), r->n_done);
        break;
    }
    case OP_POP:
    case OP_POP_MANY:
        if (r->n_done > r->n_req ||
            (r->status == CONC_OK) != (r->n_done > 0) ||
            (r->status != CONC_OK && r->status != CONC_EMPTY &&
             !(r->status == CONC_CLOSED && closed_ok)))
            fuzz_fail("%s: thread %d op %d %s(%u) gave %s with %u popped", name,
                      t->tid, i, op_name(r->kind), r->n_req,
                      fuzz_status_name(r->status), r->n_done);
        if (after_close && r->status == CONC_EMPTY)
            fuzz_fail("%s: thread %d op %d %s began after a close returned and "
                      "gave EMPTY (want an item or CLOSED)", name, t->tid, i,
                      op_name(r->kind));
        break;
    case OP_LEN: {
        size_t want_cap = R.e->unbounded ? SIZE_MAX : R.cap;
        size_t most = R.e->unbounded ? (size_t)(MAX_THREADS + 1) * MAX_SEQ : R.cap;
        if (r->items[0] != want_cap)
            fuzz_fail("%s: thread %d op %d capacity %zu, want %zu", name,
                      t->tid, i, (size_t)r->items[0], want_cap);
        if (r->val < 0 || (uint64_t)r->val > most)
            fuzz_fail("%s: thread %d op %d len %lld outside [0, %zu]", name,
                      t->tid, i, (long long)r->val, most);
        break;
    }
    case OP_CLOSE:
        if (r->status != CONC_OK)
            fuzz_fail("%s: thread %d op %d close gave %s", name, t->tid, i,
                      fuzz_status_name(r->status));
        break;
    }
}

/* The earliest close invocation and response of this run. */
static void find_closes(void)
{
    R.closed = false;
    R.close_inv = R.close_resp = UINT64_MAX;
    for (int tt = 0; tt < R.nthreads; tt++)
        for (int i = 0; i < R.t[tt].nops; i++) {
            const op_rec *r = &R.t[tt].rec[i];
            if (r->kind != OP_CLOSE)
                continue;
            R.closed = true;
            if (r->inv < R.close_inv)
                R.close_inv = r->inv;
            if (r->resp < R.close_resp)
                R.close_resp = r->resp;
        }
}

/* Pushes first (so that a pop can be matched with its push), then pops. */
static void collect_container(void)
{
    find_closes();
    for (int tt = 0; tt < R.nthreads; tt++) {
        thread_ctx *t = &R.t[tt];
        uint32_t seq = 0;
        for (int i = 0; i < t->nops; i++) {
            op_rec *r = &t->rec[i];
            check_container_rec(t, i, r);
            if (r->kind == OP_PUSH || r->kind == OP_PUSH_MANY)
                for (unsigned k = 0; k < r->n_req; k++)
                    note_push((unsigned)t->tid, seq++, k < r->n_done, r->inv,
                              r->resp);
        }
    }
    for (int tt = 0; tt < R.nthreads; tt++) {
        thread_ctx *t = &R.t[tt];
        for (int i = 0; i < t->nops; i++) {
            op_rec *r = &t->rec[i];
            if (r->kind != OP_POP && r->kind != OP_POP_MANY)
                continue;
            for (unsigned k = 0; k < r->n_done; k++)
                note_pop(r->items[k], (unsigned)t->tid, (unsigned)i, k, r->inv,
                         r->resp);
            /* One queue batch: each producer's items in the order pushed. */
            for (unsigned k = 1; R.e->kind == REG_QUEUE && k < r->n_done; k++)
                for (unsigned j = 0; j < k; j++) {
                    unsigned pj = 0, pk = 1;
                    uint32_t sj = 0, sk = 0;
                    item_decode(r->items[j], &pj, &sj);
                    item_decode(r->items[k], &pk, &sk);
                    if (pj == pk && sj > sk)
                        fuzz_fail("%s: FIFO: thread %d op %d pop_many gave "
                                  "producer %u's item %u before its item %u",
                                  R.e->name, t->tid, i, pj, sj, sk);
                }
        }
    }
}

/* Pop until EMPTY, with a bound: a structure that never runs dry is a
 * violation, not a hang. */
static void drain(void)
{
    size_t bound = R.cap + (size_t)(MAX_THREADS + 1) * MAX_SEQ + 8;
    for (size_t k = 0;; k++) {
        if (k > bound)
            fuzz_fail("%s: still not empty after %zu pops", R.e->name, k);
        void *got = NULL;
        uint64_t inv = stamp();
        int st = R.e->pop(R.obj, &got);
        uint64_t resp = stamp();
        if (st == CONC_EMPTY && R.closed)
            fuzz_fail("%s: drain pop of a closed structure gave EMPTY (want "
                      "CLOSED once drained)", R.e->name);
        if (st == CONC_CLOSED && !R.closed)
            fuzz_fail("%s: drain pop gave CLOSED, nobody closed it", R.e->name);
        if (st == CONC_EMPTY || st == CONC_CLOSED)
            break;
        if (st != CONC_OK)
            fuzz_fail("%s: drain pop gave %s", R.e->name, fuzz_status_name(st));
        note_pop((uintptr_t)got, MAIN_PID, 0xffff, 0, inv, resp);
    }
}

/* Every item whose push said OK popped exactly once, none whose push said
 * FULL or CLOSED (the ledgers, harness/ledger.h). */
static void check_conservation(void)
{
    for (unsigned p = 0; p <= MAX_THREADS; p++) {
        h_ledger_final(&R.led[p], R.made[p], R.made[p], push_refused, &p);
        h_ledger_fini(&R.led[p]);
    }
}

/* Queues: FIFO in real time; stacks: LIFO in real time, per producer
 * (harness/history.h). */
static void check_order(void)
{
    for (unsigned p = 0; p <= MAX_THREADS; p++) {
        h_hist_violation v;
        const item_info *it = R.items[p];
        if (R.e->kind == REG_QUEUE) {
            if (!h_history_fifo(it, R.made[p], &v))
                fuzz_fail("%s: FIFO: producer %u's item %u was popped (thread %u "
                          "op %u) before its earlier item %u (thread %u op %u) "
                          "was even asked for", R.e->name, p, v.seq,
                          it[v.seq].popper, it[v.seq].pop_op, v.other,
                          it[v.other].popper, it[v.other].pop_op);
        } else if (!h_history_lifo(it, R.made[p], &v)) {
            fuzz_fail("%s: LIFO: producer %u's item %u was popped (thread %u op "
                      "%u) from under its later item %u (popped by thread %u op "
                      "%u)", R.e->name, p, v.seq, it[v.seq].popper,
                      it[v.seq].pop_op, v.other, it[v.other].popper,
                      it[v.other].pop_op);
        }
    }
}

/* Quiescent: exactly `cap` pushes fit, then FULL (unbounded: one more
 * fits too); the items come back in order; then EMPTY.  Closed: push and pop
 * say CLOSED, closed() says 1. */
static void check_quiescent(void)
{
    const reg_entry *e = R.e;
    if (!e->lock_free && e->len(R.obj) != 0)
        fuzz_fail("%s: len %zu after the drain", e->name, e->len(R.obj));
    if (R.closed) {
        void *got = NULL;
        int st = e->push(R.obj, (void *)(uintptr_t)0xBADu);
        if (st != CONC_CLOSED)
            fuzz_fail("%s: push after close gave %s", e->name, fuzz_status_name(st));
        st = e->pop(R.obj, &got);
        if (st != CONC_CLOSED)
            fuzz_fail("%s: pop of a closed, drained structure gave %s", e->name,
                      fuzz_status_name(st));
        if (e->closed(R.obj) != 1)
            fuzz_fail("%s: closed() is %d after close", e->name, e->closed(R.obj));
        return;
    }
    if (e->closed && e->closed(R.obj) != 0)
        fuzz_fail("%s: closed() is %d, nobody closed it", e->name, e->closed(R.obj));
    size_t fill = R.cap + (e->unbounded ? 1 : 0);
    for (size_t k = 0; k < fill; k++) {
        int st = e->push(R.obj, (void *)(uintptr_t)(0xC0FFEE00u + k));
        if (st != CONC_OK)
            fuzz_fail("%s: quiescent push %zu of %zu gave %s", e->name, k + 1,
                      R.cap, fuzz_status_name(st));
    }
    int st;
    if (!e->unbounded) {
        st = e->push(R.obj, (void *)(uintptr_t)0xBADu);
        if (st != CONC_FULL)
            fuzz_fail("%s: push %zu into a quiescent structure of capacity %zu "
                      "gave %s", e->name, R.cap + 1, R.cap, fuzz_status_name(st));
    }
    if (!e->lock_free && e->len(R.obj) != fill)
        fuzz_fail("%s: len %zu when full (capacity %zu)", e->name, e->len(R.obj),
                  R.cap);
    for (size_t k = 0; k < fill; k++) {
        void *got = NULL;
        size_t want_k = e->kind == REG_QUEUE ? k : fill - 1 - k;
        st = e->pop(R.obj, &got);
        if (st != CONC_OK || got != (void *)(uintptr_t)(0xC0FFEE00u + want_k))
            fuzz_fail("%s: quiescent pop %zu gave %s, item %p (want %#zx)", e->name,
                      k, fuzz_status_name(st), got, (size_t)(0xC0FFEE00u + want_k));
    }
    void *got = NULL;
    st = e->pop(R.obj, &got);
    if (st != CONC_EMPTY)
        fuzz_fail("%s: pop of an emptied structure gave %s", e->name,
                  fuzz_status_name(st));
}

static void check_container(void)
{
    collect_container();
    drain();
    check_conservation();
    check_order();
    check_quiescent();
}

/* ---- checks: counters ---------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The counter checker's findings (harness/counter_check.h). */
static void prev_sink(void *arg, const h_prev_event *ev)
{
    (void)arg;
    if (ev->what == H_PREV_ORDER)
        fuzz_fail("%s: thread %d: an add saw total %lld, after this thread's "
                  "add at %lld (plus its delta)", R.e->name, ev->thread,
                  (long long)ev->value, (long long)ev->other);
    fuzz_fail("%s: the adds' previous totals do not chain: %lld %s",
              R.e->name, (long long)ev->value,
              ev->what == H_PREV_OUTSIDE ? "is outside [0, final total)"
              : ev->what == H_PREV_TWICE ? "is covered by two adds"
                                         : "is covered by no add");
}

static void check_counter(void)
{
    const reg_entry *e = R.e;
    static int64_t prevs[MAX_THREADS][MAX_OPS];
    static uint64_t deltas[MAX_THREADS][MAX_OPS];
    static uint64_t totals[MAX_THREADS * MAX_OPS + 1];
    h_adds adds[MAX_THREADS];
    size_t nadds = 0;
    uint64_t sum = 0;
    bool positive = true; /* every delta in [1, 56]: the strong checks apply */
    for (int tt = 0; tt < R.nthreads; tt++) {
        const thread_ctx *t = &R.t[tt];
        adds[tt] = (h_adds){prevs[tt], deltas[tt], 0};
        for (int i = 0; i < t->nops; i++) {
            const op_rec *r = &t->rec[i];
            if (r->status != CONC_OK)
                fuzz_fail("%s: thread %d op %d %s gave %s", e->name, t->tid, i,
                          op_name(r->kind), fuzz_status_name(r->status));
            if (r->kind != OP_ADD)
                continue;
            uint64_t d = (uint64_t)r->items[0];
            int64_t sd = (int64_t)r->items[0];
            sum += d;
            if (sd < 1 || sd > 56)
                positive = false;
            prevs[tt][adds[tt].n] = r->val;
            deltas[tt][adds[tt].n++] = d;
            uint64_t prev;
            memcpy(&prev, &r->val, sizeof prev);
            totals[nadds++] = prev;
        }
    }
    int64_t total;
    int st = e->read(R.obj, &total);
    if (st != CONC_OK || (uint64_t)total != sum)
        fuzz_fail("%s: final read %lld (%s), the deltas add up to %lld", e->name,
                  (long long)total, fuzz_status_name(st), (long long)sum);
    if (!positive)
        return;

    /* Every add's [prev, prev + delta) tiles [0, total), in each thread's
     * order; the totals that existed are then the prevs and the final. */
    if (e->add_returns_prev) {
        static h_prevs scratch;
        if (h_prevs_check(&scratch, adds, R.nthreads, 0, prev_sink, NULL) ==
            SIZE_MAX) {
            fprintf(stderr, "fuzz_concurrent: out of memory\n");
            abort();
        }
        totals[nadds] = sum;
        qsort(totals, nadds + 1, sizeof totals[0], cmp_u64);
    }
    /* Reads: never decrease within a thread, never miss the thread's own
     * adds, never exceed the final total; a linearizable counter (one that
     * reports prev) only reads totals that existed. */
    for (int tt = 0; tt < R.nthreads; tt++) {
        const thread_ctx *t = &R.t[tt];
        uint64_t own = 0, last_read = 0, last_after = 0;
        for (int i = 0; i < t->nops; i++) {
            const op_rec *r = &t->rec[i];
            if (r->kind == OP_ADD) {
                own += (uint64_t)r->items[0];
                if (e->add_returns_prev) {
                    uint64_t prev;
                    memcpy(&prev, &r->val, sizeof prev);
                    last_after = prev + (uint64_t)r->items[0];
                }
                continue;
            }
            uint64_t v = (uint64_t)r->val;
            if (v < last_read || v < own || v < last_after || v > sum)
                fuzz_fail("%s: thread %d op %d read %llu (own adds %llu, last read "
                          "%llu, last add's total %llu, final %llu)", e->name,
                          t->tid, i, (unsigned long long)v, (unsigned long long)own,
                          (unsigned long long)last_read,
                          (unsigned long long)last_after, (unsigned long long)sum);
            if (e->add_returns_prev &&
                !bsearch(&v, totals, nadds + 1, sizeof totals[0], cmp_u64))
                fuzz_fail("%s: thread %d op %d read %llu, a total that never "
                          "existed", e->name, t->tid, i, (unsigned long long)v);
            last_read = v;
        }
    }
}

/* ---- checks: linearizability ----------------------------------------------- */

/* Bounds the checker's effort per input (a few ms at most). */
#define LINCHECK_MAX_STATES 20000

/* Sub-ops an operation record can become (a batch: one per item asked). */
static unsigned rec_cost(const op_rec *r)
{
    switch (r->kind) {
    case OP_LEN: return 0;
    case OP_PUSH_MANY:
    case OP_POP_MANY: return r->n_req;
    default: return 1;
    }
}

typedef struct rec_ref {
    const op_rec *r;
    uint32_t thread;
} rec_ref;

static int rec_inv_cmp(const void *a, const void *b)
{
    const rec_ref *x = a, *y = b;
    return x->r->inv < y->r->inv ? -1 : x->r->inv > y->r->inv;
}

static lz_op lz_ops[LZ_MAX_OPS];
static size_t lz_n;

static void lz_add(uint32_t thread, uint32_t kind, int status, uint64_t value,
                   uint64_t inv, uint64_t resp, bool chain, bool glued)
{
    lz_op *o = &lz_ops[lz_n];
    *o = (lz_op){.thread = thread, .kind = kind,
                 .status = resp == LZ_PENDING ? LZ_ANY : status,
                 .value = value, .inv = inv, .resp = resp,
                 .after = chain ? (int32_t)lz_n - 1 : -1,
                 .glued = chain && glued};
    lz_n++;
}

/* One record as lz ops; pending: it had not returned by the cut. */
static void lz_add_rec(uint32_t t, const op_rec *r, bool pending)
{
    const reg_entry *e = R.e;
    uint64_t resp = pending ? LZ_PENDING : r->resp;
    bool atomic = e->atomic_batches;
    switch (r->kind) {
    case OP_PUSH:
        lz_add(t, LZ_PUSH, r->status, r->items[0], r->inv, resp, false, false);
        break;
    case OP_POP:
        lz_add(t, LZ_POP, r->status, r->status == CONC_OK ? r->items[0] : 0,
               r->inv, resp, false, false);
        break;
    case OP_PUSH_MANY: {
        /* CLOSED: every item left is a CLOSED push (lincheck.h: a real
         * batch may hold a free slot for each until it sees the close). */
        unsigned n = pending || r->status == CONC_CLOSED
                         ? r->n_req
                         : r->n_done + (r->status != CONC_OK && r->n_done < r->n_req);
        for (unsigned k = 0; k < n; k++)
            lz_add(t, LZ_PUSH, k < r->n_done ? CONC_OK : r->status, r->items[k],
                   r->inv, resp, k > 0, atomic);
        break;
    }
    case OP_POP_MANY: {
        unsigned n = pending ? r->n_req : (r->n_done ? r->n_done : 1);
        for (unsigned k = 0; k < n; k++)
            lz_add(t, LZ_POP, k < r->n_done ? CONC_OK : r->status,
                   k < r->n_done ? r->items[k] : 0, r->inv, resp, k > 0, atomic);
        break;
    }
    case OP_CLOSE:
        lz_add(t, LZ_CLOSE, r->status, 0, r->inv, resp, false, false);
        break;
    case OP_ADD:
        lz_add(t, LZ_ADD, r->status, (uint64_t)r->items[0], r->inv, resp, false,
               false);
        if (e->add_returns_prev && !pending) {
            memcpy(&lz_ops[lz_n - 1].prev, &r->val, sizeof r->val);
            lz_ops[lz_n - 1].has_prev = true;
        }
        break;
    case OP_READ: {
        uint64_t v;
        memcpy(&v, &r->val, sizeof v);
        lz_add(t, LZ_READ, r->status, v, r->inv, resp, false, false);
        break;
    }
    default:
        break;
    }
}

static void check_linearizable(void)
{
    static lz_ctx *ctx;
    static rec_ref refs[MAX_THREADS * MAX_OPS];
    static uint64_t pre[MAX_SEQ];
    if (!ctx && !(ctx = lz_ctx_new()))
        return; /* no memory: no verdict */
    size_t nr = 0;
    for (int tt = 0; tt < R.nthreads; tt++)
        for (int i = 0; i < R.t[tt].nops; i++)
            if (rec_cost(&R.t[tt].rec[i]))
                refs[nr++] = (rec_ref){&R.t[tt].rec[i], (uint32_t)tt};
    qsort(refs, nr, sizeof *refs, rec_inv_cmp);
    /* The prefix invoked before a cut: as many as fit, but the ops still
     * in flight at the cut are pending (each may or may not have taken
     * effect; a pending pop may have taken any item), which costs the
     * search most: among the cuts that fit, the one with the best
     * ops - 4 x pending. */
    size_t take = 0, most = 0;
    unsigned cost = 0;
    while (most < nr && cost + rec_cost(refs[most].r) <= LZ_MAX_OPS)
        cost += rec_cost(refs[most++].r);
    if (most == nr) {
        take = nr;
    } else {
        long best = -1;
        cost = 0;
        for (size_t k = 0; k <= most; k++) {
            uint64_t c = refs[k].r->inv; /* k < nr here */
            long pend = 0;
            for (size_t j = 0; j < k; j++)
                if (refs[j].r->resp > c)
                    pend += rec_cost(refs[j].r);
            long score = (long)cost - 4 * pend;
            if (score >= best) {
                best = score;
                take = k;
            }
            if (k < most)
                cost += rec_cost(refs[k].r);
        }
    }
    uint64_t cut = take < nr ? refs[take].r->inv : UINT64_MAX;
    lz_n = 0;
    for (size_t k = 0; k < take; k++)
        lz_add_rec(refs[k].thread, refs[k].r, refs[k].r->resp > cut);

    lz_spec spec = lz_spec_for(R.e, R.cap, 0);
    spec.max_states = LINCHECK_MAX_STATES;
    if (R.e->kind != REG_COUNTER) {
        for (uint32_t q = 0; q < R.made[MAIN_PID]; q++)
            pre[q] = (uint64_t)(uintptr_t)item_value(MAIN_PID, q);
        spec.prefill = pre;
        spec.prefill_n = R.made[MAIN_PID];
    }
    lz_result res;
    if (lz_check_ctx(ctx, &spec, lz_ops, lz_n, &res) != LZ_VIOLATION)
        return;
    fprintf(stderr, "%s: %zu of %zu operations%s:\n", R.e->name, take, nr,
            take < nr ? " (the prefix before a cut)" : "");
    lz_print_result(stderr, "  ", &spec, lz_ops, lz_n, &res);
    fprintf(stderr, "  the whole history checked:\n");
    lz_print(stderr, "  ", lz_ops, lz_n, ~(uint64_t)0);
    fuzz_fail("%s: the history is not linearizable (above)", R.e->name);
}

/* ---- one input ----------------------------------------------------------- */

static const size_t caps[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64};

static const reg_entry *pick(uint8_t b)
{
    size_t n = conc_registry_count + (fuzz_broken_allowed() ? 1 : 0);
    size_t i = b % n;
    return i < conc_registry_count ? &conc_registry[i] : &conc_registry_broken;
}

static void build(uint8_t flags)
{
    R.caller_mem = flags & 4;
    if (R.caller_mem) {
        size_t need = R.e->footprint(R.cap);
        R.obj = fuzz_alloc_aligned(need, 0xA5);
        int st = R.e->init(R.obj, need, R.cap);
        if (st != CONC_OK)
            fuzz_fail("%s: init gave %s", R.e->name, fuzz_status_name(st));
    } else {
        R.obj = R.e->create(R.cap);
        if (!R.obj)
            fuzz_fail("%s: new(%zu) gave NULL", R.e->name, R.cap);
    }
}

static void destroy(void)
{
    if (R.caller_mem) {
        R.e->fini(R.obj);
        free(R.obj);
    } else {
        R.e->destroy(R.obj);
    }
    R.obj = NULL;
}

static void prefill(uint8_t b)
{
    size_t n = b % (R.cap + 1);
    for (size_t k = 0; k < n; k++) {
        uint32_t seq = R.made[MAIN_PID]++;
        uint64_t inv = stamp();
        int st = R.e->push(R.obj, item_value(MAIN_PID, seq));
        uint64_t resp = stamp();
        if (st != CONC_OK)
            fuzz_fail("%s: prefill push %zu of %zu (capacity %zu) gave %s",
                      R.e->name, k + 1, n, R.cap, fuzz_status_name(st));
        note_push(MAIN_PID, seq, true, inv, resp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool hooked;
    if (!hooked) {
        conc_verify_set_hook(verify_hook, NULL);
        hooked = true;
    }
    fuzz_in in = fuzz_in_make(data, size);
    R.e = pick(fz_u8(&in));
    uint8_t capb = fz_u8(&in), flags = fz_u8(&in), pre = fz_u8(&in);
    bool counter = R.e->kind == REG_COUNTER;
    R.cap = counter ? (size_t)(1 + capb % 8)
                    : caps[capb % (sizeof caps / sizeof caps[0])];
    R.nthreads = 2 + ((flags & 3) == 3 ? 2 : (int)(flags & 3));
    R.key = (flags & 8) ? h_item_encode(0, 0) : 0;
    if (R.e == &conc_registry_broken)
        conc_broken_set_period(2 + (flags >> 4));
    memset(R.items, 0, sizeof R.items);
    memset(R.made, 0, sizeof R.made);
    atomic_store(&clock_now, 1);
    atomic_store(&ops_done, 0);
    atomic_store(&threads_done, 0);
    atomic_store(&stallers, 0);

    for (int tt = 0; tt < R.nthreads; tt++) {
        thread_ctx *t = &R.t[tt];
        t->tid = tt;
        t->nops = fz_u8(&in) % (MAX_OPS + 1);
        if ((size_t)t->nops > fz_left(&in))
            t->nops = (int)fz_left(&in);
        t->ops = data + in.i;
        in.i += (size_t)t->nops;
        t->next_seq = 0;
        t->skip = 0;
        t->yields_left = YIELD_BUDGET;
        t->sched_pos = 0;
    }
    /* The rest is the schedule, one slice per thread. */
    size_t slice = fz_left(&in) / (size_t)R.nthreads;
    for (int tt = 0; tt < R.nthreads; tt++) {
        R.t[tt].sched = data + in.i + (size_t)tt * slice;
        R.t[tt].sched_len = slice;
    }
    /* How many items each producer can make, so that decoding rejects any
     * other value. */
    for (int tt = 0; tt < R.nthreads; tt++) {
        uint32_t m = 0;
        for (int i = 0; i < R.t[tt].nops; i++) {
            uint8_t b = R.t[tt].ops[i];
            if (b % 8 <= 2)
                m += 1;
            else if (b % 8 == 5)
                m += 1 + (b >> 3) % MAX_BATCH;
        }
        R.made[tt] = counter ? 0 : m;
    }

    build(flags);
    for (unsigned p = 0; !counter && p <= MAX_THREADS; p++)
        if (h_ledger_init(&R.led[p], (int)p, h_ledger_window_for(MAX_SEQ), 0,
                          ledger_sink, NULL) != 0) {
            fprintf(stderr, "fuzz_concurrent: out of memory\n");
            abort();
        }
    if (!counter)
        prefill(pre);

    pthread_barrier_init(&R.start, NULL, (unsigned)R.nthreads);
    int started = 0;
    for (int tt = 0; tt < R.nthreads; tt++) {
        if (pthread_create(&R.t[tt].thread, NULL, thread_main, &R.t[tt]) != 0) {
            fprintf(stderr, "fuzz_concurrent: pthread_create failed\n");
            abort(); /* the barrier would wait for it forever */
        }
        started++;
    }
    for (int tt = 0; tt < started; tt++)
        pthread_join(R.t[tt].thread, NULL);
    pthread_barrier_destroy(&R.start);

    if (counter)
        check_counter();
    else
        check_container();
    check_linearizable();
    destroy();
    return 0;
}
