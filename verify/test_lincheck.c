/*
 * test_lincheck.c - the linearizability checker (harness/lincheck.h) on
 * hand-made histories.
 *
 * Each specification gets linearizable histories (the checker must accept
 * them) and one or more histories per kind of fault (it must refuse them);
 * every refusal's shrunk sub-history must itself be refused, and must be
 * no larger than the history.  Then: the shrinker's result on a known case,
 * memoisation on 64-op histories (a bound on the states explored), the
 * recorder, the printer, conc_sharded's interval, the conservation check,
 * and every registry container driven sequentially through the recorder
 * (the specifications agree with the library; the broken queue fails).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <conc/conc.h>

#include "broken.h"
#include "lincheck.h"
#include "registry.h"
#include "tap.h"

#define P LZ_PENDING

/* The sanitizer builds run the repeated checks fewer times. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifdef SLOW_BUILD
#define SMALL_ROUNDS 1000
#else
#define SMALL_ROUNDS 5000
#endif

/* ---- Building histories ---------------------------------------------------- */

static lz_op H[LZ_MAX_OPS + 8];
static size_t HN;

static void reset(void) { HN = 0; }

static int op(uint32_t t, uint32_t kind, int status, uint64_t value,
              uint64_t inv, uint64_t resp)
{
    H[HN] = (lz_op){.thread = t, .kind = kind, .status = status,
                    .value = value, .inv = inv, .resp = resp, .after = -1};
    return (int)HN++;
}

#define PUSH(t, v, st, a, b) op(t, LZ_PUSH, st, v, a, b)
#define POP(t, v, a, b) op(t, LZ_POP, CONC_OK, v, a, b)
#define POPST(t, st, a, b) op(t, LZ_POP, st, 0, a, b)
#define CLOSE(t, a, b) op(t, LZ_CLOSE, CONC_OK, 0, a, b)
#define TD(t, st, a, b) op(t, LZ_TASK_DONE, st, 0, a, b)
#define JOIN(t, st, a, b) op(t, LZ_JOIN, st, 0, a, b)
#define READ(t, v, a, b) op(t, LZ_READ, CONC_OK, (uint64_t)(v), a, b)

static int ADD(uint32_t t, int64_t d, int64_t prev, uint64_t a, uint64_t b)
{
    int i = op(t, LZ_ADD, CONC_OK, (uint64_t)d, a, b);
    H[i].prev = (uint64_t)prev;
    H[i].has_prev = true;
    return i;
}

static int ADDNP(uint32_t t, int64_t d, uint64_t a, uint64_t b)
{
    return op(t, LZ_ADD, CONC_OK, (uint64_t)d, a, b);
}

static lz_spec fifo(size_t cap)
{
    lz_spec s;
    memset(&s, 0, sizeof s);
    s.model = LZ_FIFO;
    s.capacity = cap;
    s.join_inflight = true;
    return s;
}

static lz_spec lifo(size_t cap)
{
    lz_spec s = fifo(cap);
    s.model = LZ_LIFO;
    return s;
}

static lz_spec counter(uint64_t total)
{
    lz_spec s;
    memset(&s, 0, sizeof s);
    s.model = LZ_COUNTER;
    s.total = total;
    return s;
}

static lz_ctx *CTX;

/* The verdict must be `want`; a violation's kept sub-history must fail on
 * its own.  Prints the history and the result when the verdict is wrong. */
static lz_result R;

static bool expect_ops(const char *name, const lz_spec *spec, const lz_op *ops,
                       size_t n, lz_verdict want)
{
    lz_verdict v = lz_check_ctx(CTX, spec, ops, n, &R);
    bool good = v == want;
    if (good && v == LZ_VIOLATION && n <= LZ_MAX_OPS) {
        /* the shrunk sub-history, rebuilt and checked again */
        lz_op sub[LZ_MAX_OPS];
        uint64_t pre[LZ_MAX_OPS];
        lz_spec s2;
        size_t m = lz_result_subhistory(spec, ops, n, &R, sub, NULL, &s2, pre);
        lz_result r2;
        lz_verdict v2 = lz_check_ctx(CTX, &s2, sub, m, &r2);
        if (v2 != LZ_VIOLATION || m != R.n_kept || m > n || m == 0) {
            diag("%s: the shrunk history (%zu ops) gives %s", name, m,
                 lz_verdict_name(v2));
            good = false;
        }
    }
    if (!good) {
        diag("%s: %s, expected %s", name, lz_verdict_name(v),
             lz_verdict_name(want));
        lz_print_result(stdout, "# ", spec, ops, n, &R);
        if (v != LZ_VIOLATION)
            lz_print(stdout, "# ", ops, n, ~(uint64_t)0);
    }
    return good;
}

static bool expect(const char *name, const lz_spec *spec, lz_verdict want)
{
    return expect_ops(name, spec, H, HN, want);
}

#define OK_(name, spec) ok(expect(name, spec, LZ_OK), "%s", name)
#define BAD_(name, spec) ok(expect(name, spec, LZ_VIOLATION), "%s", name)

/* ---- FIFO and LIFO order ---------------------------------------------------- */

static void test_order(void)
{
    lz_spec q = fifo(0), s = lifo(0);

    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 2, 3);
    POP(1, 1, 4, 5);
    POP(1, 2, 6, 7);
    OK_("fifo: sequential push 1, push 2, pop 1, pop 2", &q);
    BAD_("lifo: the same history pops the oldest first", &s);

    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 2, 3);
    POP(1, 2, 4, 5);
    POP(1, 1, 6, 7);
    BAD_("fifo order violated: push 1 < push 2, pop 2 first", &q);
    OK_("lifo: push 1, push 2, pop 2, pop 1", &s);

    reset();
    PUSH(0, 1, CONC_OK, 0, 3);
    PUSH(1, 2, CONC_OK, 1, 2);
    POP(1, 2, 4, 5);
    POP(1, 1, 6, 7);
    OK_("fifo: concurrent pushes may go in either order", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 3);
    PUSH(1, 2, CONC_OK, 1, 2);
    POP(1, 1, 4, 5);
    POP(1, 2, 6, 7);
    OK_("lifo: concurrent pushes may go in either order", &s);

    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 2, 3);
    PUSH(0, 3, CONC_OK, 4, 5);
    POP(1, 3, 6, 7);
    POP(2, 1, 8, 9);
    POP(1, 2, 10, 11);
    BAD_("lifo order violated: 1 popped from under 2", &s);

    /* prefilled items */
    static const uint64_t pre[] = {7, 8};
    q.prefill = pre;
    q.prefill_n = 2;
    s.prefill = pre;
    s.prefill_n = 2;
    reset();
    POP(0, 7, 0, 1);
    OK_("fifo: prefill [7 8], pop 7", &q);
    BAD_("lifo: prefill [7 8], pop 7 from under 8", &s);
    reset();
    POP(0, 8, 0, 1);
    BAD_("fifo: prefill [7 8], pop 8 first", &q);
}

/* ---- EMPTY, FULL, TIMEDOUT -------------------------------------------------- */

static void test_empty_full(void)
{
    lz_spec q = fifo(0);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POPST(1, CONC_EMPTY, 2, 3);
    BAD_("pop EMPTY while an item was certainly in", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 3);
    POPST(1, CONC_EMPTY, 1, 2);
    POP(1, 1, 4, 5);
    OK_("pop EMPTY overlapping the push", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POPST(1, CONC_TIMEDOUT, 2, 3);
    BAD_("pop_wait TIMEDOUT while an item was certainly in", &q);
    reset();
    POPST(1, CONC_TIMEDOUT, 0, 1);
    OK_("pop_wait TIMEDOUT on an empty queue", &q);

    q = fifo(2);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_FULL, 2, 3);
    BAD_("exact: FULL with 1 of 2 in", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_TIMEDOUT, 2, 3);
    BAD_("exact: push_wait TIMEDOUT with 1 of 2 in", &q);
    q = fifo(1);
    OK_("push_wait TIMEDOUT with 1 of 1 in", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_FULL, 2, 3);
    OK_("FULL with 1 of 1 in", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 2, 3);
    BAD_("push OK beyond the capacity", &q);
    lz_spec u = fifo(0);
    reset();
    for (int i = 0; i < 10; i++)
        PUSH(0, (uint64_t)i, CONC_OK, (uint64_t)2 * i, (uint64_t)2 * i + 1);
    PUSH(0, 99, CONC_FULL, 30, 31);
    BAD_("unbounded: never FULL", &u);

    /* FULL with a pop in flight (conc_ring, conc_stack): capacity 2,
     * 1 popped by T1 (still inside its call), 2 popped by T2 (so 1 went
     * first), 5 pushed: one item in, one slot held by T1's pop. */
    q = fifo(2);
    lz_spec qi = q;
    qi.full_inflight = true;
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 2, 3);
    POP(1, 1, 4, 20);
    POP(2, 2, 5, 6);
    PUSH(2, 5, CONC_OK, 7, 8);
    PUSH(3, 3, CONC_FULL, 9, 10);
    BAD_("exact: FULL with 1 of 2 in and a pop in flight", &q);
    OK_("full_inflight: FULL with 1 of 2 in and a pop in flight", &qi);
    H[2].resp = 8; /* T1's pop returned before the push began */
    BAD_("full_inflight: FULL with 1 of 2 in, no pop in flight", &qi);

    /* ... or with a push in flight that has taken the one slot (capacity
     * 1) but not yet published its item: a push says FULL, then a pop
     * EMPTY. */
    q = fifo(1);
    qi = q;
    qi.full_inflight = true;
    reset();
    PUSH(1, 1, CONC_OK, 0, 10);
    PUSH(2, 2, CONC_FULL, 1, 2);
    POPST(3, CONC_EMPTY, 3, 4);
    POP(3, 1, 11, 12);
    BAD_("exact: FULL, then EMPTY, while a push is in flight", &q);
    OK_("full_inflight: FULL, then EMPTY, while a push is in flight", &qi);
    H[0].status = CONC_CLOSED;
    H[3].kind = LZ_NOP;
    CLOSE(0, 0, 5);
    OK_("full_inflight: ... or one that answers CLOSED", &qi);
    H[0].status = CONC_FULL;
    BAD_("full_inflight: ... but not one that answers FULL", &qi);
}

/* ---- close ---------------------------------------------------------------- */

static void test_close(void)
{
    lz_spec q = fifo(1);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    CLOSE(0, 2, 3);
    POPST(1, CONC_CLOSED, 4, 5);
    BAD_("pop CLOSED with an item remaining", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    CLOSE(0, 2, 3);
    POP(1, 1, 4, 5);
    POPST(1, CONC_CLOSED, 6, 7);
    OK_("close lets the queue drain, then CLOSED", &q);
    reset();
    CLOSE(0, 0, 1);
    POPST(1, CONC_EMPTY, 2, 3);
    BAD_("pop EMPTY after close", &q);
    reset();
    POPST(1, CONC_CLOSED, 0, 1);
    BAD_("pop CLOSED on an open queue", &q);
    reset();
    CLOSE(0, 0, 1);
    PUSH(1, 1, CONC_OK, 2, 3);
    BAD_("push OK after close", &q);
    reset();
    CLOSE(0, 0, 1);
    PUSH(1, 1, CONC_CLOSED, 2, 3);
    OK_("push CLOSED after close", &q);
    reset();
    PUSH(1, 1, CONC_CLOSED, 0, 3);
    CLOSE(0, 1, 2);
    POPST(1, CONC_CLOSED, 4, 5);
    OK_("push CLOSED overlapping the close", &q);
    reset();
    PUSH(1, 1, CONC_CLOSED, 0, 1);
    CLOSE(0, 2, 3);
    BAD_("push CLOSED before the close", &q);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    CLOSE(0, 2, 3);
    PUSH(0, 2, CONC_FULL, 4, 5);
    BAD_("push FULL on a closed full queue (must be CLOSED)", &q);
    reset();
    op(0, LZ_CLOSED_Q, CONC_OK, 0, 0, 1);
    CLOSE(0, 2, 3);
    op(0, LZ_CLOSED_Q, CONC_OK, 1, 4, 5);
    OK_("closed() 0 then 1", &q);
    H[2].value = 0;
    BAD_("closed() 0 after close", &q);
    q.closed = true;
    reset();
    PUSH(0, 1, CONC_CLOSED, 0, 1);
    POPST(0, CONC_CLOSED, 2, 3);
    OK_("a spec that starts closed", &q);
}

/* ---- items that were never pushed, or popped twice ------------------------- */

static void test_items(void)
{
    lz_spec q = fifo(0), s = lifo(4);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 7, 2, 3);
    BAD_("fifo: a pop returns a never-pushed item", &q);
    BAD_("lifo: a pop returns a never-pushed item", &s);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 5);
    POP(2, 1, 3, 4);
    BAD_("fifo: two pops return one item", &q);
    BAD_("lifo: two pops return one item", &s);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 1, CONC_OK, 2, 3);
    POP(1, 1, 4, 5);
    POP(2, 1, 6, 7);
    OK_("an item pushed twice may be popped twice", &q);
    reset();
    POP(1, 1, 0, 1);
    PUSH(0, 1, CONC_OK, 2, 3);
    BAD_("a pop returns an item before its push began", &q);
    reset();
    PUSH(0, 1, CONC_EINVAL, 0, 1);
    BAD_("a push that answers EINVAL", &q);
    reset();
    PUSH(0, 1, CONC_ENOMEM, 0, 1);
    POPST(1, CONC_EMPTY, 2, 3);
    OK_("a push that answers ENOMEM changed nothing", &q);
}

/* ---- pending ops -------------------------------------------------------------- */

static void test_pending(void)
{
    lz_spec q = fifo(0);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    POP(1, 1, 2, 3);
    OK_("a pending push that must have taken effect", &q);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    POPST(1, CONC_EMPTY, 2, 3);
    OK_("a pending push that has not taken effect", &q);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    POPST(1, CONC_EMPTY, 2, 3);
    POP(1, 1, 4, 5);
    POPST(1, CONC_EMPTY, 6, 7);
    OK_("a pending push that took effect late", &q);
    reset();
    PUSH(0, 1, LZ_ANY, 5, P);
    POP(1, 1, 2, 3);
    BAD_("a pending push cannot take effect before its invocation", &q);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    POP(1, 1, 2, 3);
    POP(1, 1, 4, 5);
    BAD_("a pending push takes effect at most once", &q);
    reset();
    POPST(0, LZ_ANY, 0, P);
    PUSH(1, 1, CONC_OK, 1, 2);
    POPST(1, CONC_EMPTY, 3, 4);
    OK_("a pending pop that must have taken the item", &q);
    reset();
    PUSH(1, 1, CONC_OK, 1, 2);
    POPST(1, CONC_EMPTY, 3, 4);
    BAD_("... and without it, EMPTY is wrong", &q);
    reset();
    POPST(0, LZ_ANY, 0, P);
    PUSH(1, 1, CONC_OK, 1, 2);
    POP(1, 1, 3, 4);
    OK_("a pending pop that must not have taken the item", &q);
    lz_spec q1 = fifo(1);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    PUSH(1, 2, CONC_OK, 1, 2);
    POP(1, 2, 3, 4);
    POPST(1, CONC_EMPTY, 5, 6);
    OK_("capacity 1: a pending push that cannot have taken effect", &q1);
    reset();
    PUSH(0, 1, LZ_ANY, 0, P);
    PUSH(1, 2, CONC_OK, 1, 2);
    POP(1, 1, 3, 4);
    BAD_("capacity 1: the pending push and push 2 cannot both be in", &q1);
    reset();
    CLOSE(0, 0, P);
    H[0].status = LZ_ANY;
    PUSH(1, 1, CONC_CLOSED, 1, 2);
    OK_("a pending close that took effect", &q);
    reset();
    op(0, LZ_ADD, LZ_ANY, 5, 0, P);
    READ(1, 5, 1, 2);
    READ(1, 5, 3, 4);
    lz_spec c = counter(0);
    OK_("a pending add that took effect", &c);
    H[2].value = 0;
    BAD_("a pending add cannot be undone", &c);
}

/* ---- batches and close_now through `after` --------------------------------- */

static uint64_t tick_clock(void *arg)
{
    return (*(uint64_t *)arg)++;
}

static void test_batches(void)
{
    lz_spec q = fifo(2);
    /* push_many(1, 2, 3) -> 2, FULL on 3; then pops */
    reset();
    int a = PUSH(0, 1, CONC_OK, 0, 5);
    int b = PUSH(0, 2, CONC_OK, 0, 5);
    int c = PUSH(0, 3, CONC_FULL, 0, 5);
    H[b].after = a;
    H[c].after = b;
    POP(1, 2, 6, 7);
    POP(1, 1, 8, 9);
    BAD_("push_many's items go in in order", &q);
    H[b].after = -1;
    H[c].after = -1;
    OK_("... which only `after` says", &q);
    reset();
    a = PUSH(0, 1, CONC_OK, 0, 5);
    b = PUSH(0, 2, CONC_OK, 0, 5);
    c = PUSH(0, 3, CONC_FULL, 0, 5);
    H[b].after = a;
    H[c].after = b;
    POP(1, 1, 6, 7);
    POP(1, 2, 8, 9);
    OK_("push_many 1, 2, FULL on 3", &q);
    H[c].status = CONC_OK;
    BAD_("push_many OK on a third item at capacity 2", &q);

    /* An atomic batch (conc_mutexq): nothing between its items. */
    lz_spec u = fifo(0);
    reset();
    a = PUSH(0, 1, CONC_OK, 0, 5);
    b = PUSH(0, 2, CONC_OK, 0, 5);
    H[b].after = a;
    PUSH(1, 9, CONC_OK, 1, 2);
    POP(2, 1, 6, 7);
    POP(2, 9, 8, 9);
    POP(2, 2, 10, 11);
    OK_("a batch that is not atomic lets 9 in between", &u);
    H[b].glued = true;
    BAD_("an atomic batch does not", &u);

    /* An atomic pop_many still pending may have taken one item and ended
     * (the structure was empty after it): the same linearized set and
     * state with its batch open or ended are two configurations (found by
     * fuzz_concurrent on conc_mutexq). */
    lz_spec m2 = fifo(2);
    reset();
    PUSH(0, 100, CONC_OK, 0, 5);
    a = POPST(2, LZ_ANY, 1, P);
    b = POPST(2, LZ_ANY, 1, P);
    H[b].after = a;
    H[b].glued = true;
    PUSH(1, 1, CONC_OK, 6, 7);
    PUSH(1, 2, CONC_OK, 8, 9);
    PUSH(1, 3, CONC_FULL, 10, 11);
    OK_("a pending atomic pop_many that took one item and ended", &m2);
    POP(1, 100, 12, 13);
    BAD_("... but not if 100 is popped later (the batch takes the front)", &m2);

    /* pop_many */
    static const uint64_t pre[] = {1, 2, 3};
    q = fifo(3);
    q.prefill = pre;
    q.prefill_n = 3;
    reset();
    a = POP(0, 2, 0, 5);
    b = POP(0, 1, 0, 5);
    H[b].after = a;
    BAD_("pop_many out of order", &q);
    H[a].value = 1;
    H[b].value = 2;
    OK_("pop_many in order", &q);

    /* The recorder's batches, with a clock that ticks per read. */
    uint64_t clk = 0;
    lz_hist h;
    lz_hist_init(&h, tick_clock, &clk);
    static const uint64_t items[] = {10, 11, 12};
    int f = lz_begin_many(&h, 0, LZ_PUSH, items, 3, false);
    lz_end_many(&h, f, CONC_FULL, NULL, 2);
    uint64_t out[4] = {10, 11};
    int g = lz_begin_many(&h, 1, LZ_POP, NULL, 4, true);
    lz_end_many(&h, g, CONC_OK, out, 2);
    int e = lz_begin_many(&h, 1, LZ_POP, NULL, 2, false);
    lz_end_many(&h, e, CONC_EMPTY, NULL, 0);
    bool shape = lz_hist_len(&h) == 9 && h.ops[0].status == CONC_OK &&
                 h.ops[1].status == CONC_OK && h.ops[1].after == 0 &&
                 h.ops[2].status == CONC_FULL && h.ops[2].value == 12 &&
                 h.ops[2].after == 1 && h.ops[3].kind == LZ_POP &&
                 h.ops[4].glued && h.ops[4].value == 11 &&
                 h.ops[5].kind == LZ_POP && h.ops[5].status == LZ_NOTHING &&
                 h.ops[6].kind == LZ_NOP &&
                 h.ops[7].status == CONC_EMPTY && h.ops[8].kind == LZ_NOP &&
                 h.ops[0].inv < h.ops[0].resp && h.ops[0].resp < h.ops[3].inv;
    q = fifo(2);
    ok(shape && lz_check_hist(CTX, &q, &h, &R) == LZ_OK,
       "recorder: push_many -> 2 + FULL, pop_many -> 2 of 4, pop_many EMPTY");
    h.ops[4].value = 12;
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "recorder: ... and a wrong item in the pop_many is caught");

    /* A pop_many that says OK with fewer than it asked for stopped where a
     * pop finds nothing: not while an item is still there. */
    lz_hist_init(&h, tick_clock, &clk);
    f = lz_begin_many(&h, 0, LZ_PUSH, items, 2, false);
    lz_end_many(&h, f, CONC_OK, NULL, 2);
    uint64_t one[2] = {10};
    g = lz_begin_many(&h, 1, LZ_POP, NULL, 2, false);
    lz_end_many(&h, g, CONC_OK, one, 1);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "recorder: pop_many OK with 1 of 2 while item 11 is still queued is "
       "caught (it may stop short only at an EMPTY or CLOSED)");
    int pq = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, pq, CONC_OK, 11);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "recorder: ... and still caught when 11 is popped after it");
    lz_hist_init(&h, tick_clock, &clk);
    f = lz_begin_many(&h, 0, LZ_PUSH, items, 1, false);
    lz_end_many(&h, f, CONC_OK, NULL, 1);
    g = lz_begin_many(&h, 1, LZ_POP, NULL, 2, false);
    lz_end_many(&h, g, CONC_OK, one, 1);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_OK,
       "recorder: pop_many OK with 1 of 2 when that was the last item");

    /* A batch still pending: its items may all have gone in. */
    lz_hist_init(&h, tick_clock, &clk);
    f = lz_begin_many(&h, 0, LZ_PUSH, items, 3, true);
    int p = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, p, CONC_OK, 11);
    p = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, p, CONC_OK, 10);
    ok(lz_check_hist(CTX, &u, &h, &R) == LZ_VIOLATION,
       "recorder: a pending batch still goes in in order");
    h.ops[3].value = 10;
    h.ops[4].value = 11;
    ok(lz_check_hist(CTX, &u, &h, &R) == LZ_OK,
       "recorder: a pending batch whose items were popped");

    /* A full history refuses more, and stays whole. */
    lz_hist_init(&h, tick_clock, &clk);
    bool refused = false;
    for (int k = 0; k < LZ_MAX_OPS + 2; k++) {
        int i = lz_begin(&h, 0, LZ_PUSH, (uint64_t)k);
        if (i < 0) {
            refused = k == LZ_MAX_OPS;
            break;
        }
        lz_end(&h, i, CONC_OK, 0);
    }
    int big = lz_begin_many(&h, 1, LZ_POP, NULL, 2, false);
    ok(refused && big < 0 && lz_hist_len(&h) == LZ_MAX_OPS &&
           lz_check_hist(CTX, &u, &h, &R) == LZ_OK,
       "recorder: the 65th op is refused, the 64 recorded are checked");
}

static void test_close_now(void)
{
    static const uint64_t pre[] = {1, 2};
    lz_spec q = fifo(2);
    q.prefill = pre;
    q.prefill_n = 2;
    uint64_t clk = 0;
    lz_hist h;
    int p, c;
    static const uint64_t d12[] = {1, 2}, d2[] = {2}, d21[] = {2, 1};

    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    lz_end_close_now(&h, c, CONC_OK, d12, 2);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_OK, "close_now discards 1, 2");

    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    p = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, p, CONC_OK, 1);
    lz_end_close_now(&h, c, CONC_OK, d2, 1);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_OK,
       "close_now discards 2 while a racing pop takes 1");

    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    lz_end_close_now(&h, c, CONC_OK, d2, 1);
    p = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, p, CONC_OK, 1);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "an item left after close_now returned");
    h.ops[lz_hist_len(&h) - 1].status = CONC_CLOSED;
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "close_now that skipped item 1 (the pop after it says CLOSED)");

    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    lz_end_close_now(&h, c, CONC_OK, d21, 2);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "close_now discards in the wrong order");

    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    lz_end_close_now(&h, c, CONC_OK, d12, 2);
    p = lz_begin(&h, 1, LZ_PUSH, 5);
    lz_end(&h, p, CONC_OK, 5);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "push OK after close_now");

    /* Joinable: the discarded items count as done. */
    lz_spec j = q;
    j.joinable = true;
    j.unfinished = 2;
    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 4, true);
    lz_end_close_now(&h, c, CONC_OK, d12, 2);
    p = lz_begin(&h, 1, LZ_JOIN, 0);
    lz_end(&h, p, CONC_OK, 0);
    ok(lz_check_hist(CTX, &j, &h, &R) == LZ_OK,
       "joinable: join OK after close_now discarded both");
    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 4, false); /* recorded without the counts */
    lz_end_close_now(&h, c, CONC_OK, d12, 2);
    p = lz_begin(&h, 1, LZ_JOIN, 0);
    lz_end(&h, p, CONC_OK, 0);
    ok(lz_check_hist(CTX, &j, &h, &R) == LZ_VIOLATION,
       "joinable: ... which needs close_now's task_done steps");

    /* A close_now still pending may have discarded what it reserved. */
    lz_hist_init(&h, tick_clock, &clk);
    c = lz_begin_close_now(&h, 0, 2, false);
    p = lz_begin(&h, 1, LZ_POP, 0);
    lz_end(&h, p, CONC_CLOSED, 0);
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_OK,
       "a pending close_now that discarded everything");
    h.ops[0].resp = h.ops[0].inv; /* the close ended (discarding nothing)... */
    h.ops[0].status = CONC_OK;
    for (size_t i = 1; i <= 3; i++)
        h.ops[i].kind = LZ_NOP;
    ok(lz_check_hist(CTX, &q, &h, &R) == LZ_VIOLATION,
       "... but a plain close leaves them in");
}

/* ---- task_done and join ------------------------------------------------------ */

static void test_join(void)
{
    lz_spec j = fifo(0);
    j.joinable = true;
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 3);
    TD(1, CONC_OK, 4, 5);
    TD(1, CONC_OK, 6, 7);
    BAD_("task_done below zero answers OK", &j);
    H[3].status = CONC_EINVAL;
    OK_("task_done below zero answers EINVAL", &j);
    H[2].status = CONC_EINVAL;
    BAD_("task_done EINVAL with one unfinished", &j);

    lz_spec nj = fifo(0);
    reset();
    TD(0, CONC_OK, 0, 1);
    BAD_("not joinable: task_done OK", &nj);
    H[0].status = CONC_EINVAL;
    JOIN(0, CONC_EINVAL, 2, 3);
    OK_("not joinable: task_done and join EINVAL", &nj);

    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    JOIN(1, CONC_OK, 2, 3);
    BAD_("join OK while a task remains", &j);
    H[1].status = CONC_TIMEDOUT;
    OK_("join TIMEDOUT while a task remains", &j);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 3);
    JOIN(2, CONC_OK, 4, 5);
    BAD_("join OK when the item was popped but not done", &j);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 3);
    TD(1, CONC_OK, 4, 6);
    JOIN(2, CONC_OK, 5, 7);
    OK_("join OK overlapping the last task_done", &j);
    reset();
    JOIN(2, CONC_TIMEDOUT, 0, 1);
    BAD_("join TIMEDOUT with nothing unfinished", &j);
    reset();
    lz_spec j1 = j;
    j1.capacity = 1;
    static const uint64_t pre[] = {7};
    j1.prefill = pre;
    j1.prefill_n = 1;
    j1.unfinished = 0; /* 7 is in, but its task was done */
    PUSH(0, 8, CONC_FULL, 0, 3);
    JOIN(1, CONC_TIMEDOUT, 1, 2);
    OK_("join TIMEDOUT while a (failing) push is in flight", &j1);
    j1.join_inflight = false;
    BAD_("... which only join_inflight allows", &j1);
    reset();
    j.unfinished = 3;
    TD(0, CONC_OK, 0, 1);
    TD(0, CONC_OK, 2, 3);
    TD(0, CONC_OK, 4, 5);
    JOIN(1, CONC_OK, 6, 7);
    OK_("an unfinished count given at the start", &j);
}

/* ---- counters ----------------------------------------------------------------- */

static void test_counters(void)
{
    lz_spec c = counter(0);
    reset();
    ADD(0, 5, 0, 0, 1);
    ADD(1, 3, 0, 2, 3);
    BAD_("counter: the second add's prev is wrong", &c);
    H[1].prev = 5;
    READ(0, 8, 4, 5);
    OK_("counter: sequential adds and a read", &c);
    H[2].value = 7;
    BAD_("counter: a read of a total that never was", &c);
    reset();
    ADD(0, 5, 3, 0, 3);
    ADD(1, 3, 0, 1, 2);
    OK_("counter: concurrent adds in either order", &c);
    reset();
    ADD(0, 5, 0, 0, 3);
    ADD(1, 3, 0, 1, 2);
    BAD_("counter: two adds saw the same total", &c);
    reset();
    ADD(0, -3, 0, 0, 1);
    READ(1, -3, 2, 3);
    OK_("counter: a negative delta", &c);
    c = counter(UINT64_MAX);
    reset();
    ADD(0, 1, -1, 0, 1);
    READ(1, 0, 2, 3);
    OK_("counter: the total wraps", &c);
    c = counter(10);
    reset();
    ADD(0, 1, 10, 0, 1);
    ADDNP(1, 2, 2, 3);
    READ(1, 13, 4, 5);
    OK_("counter: a total at the start, an add without prev", &c);
    H[2].value = 12;
    BAD_("counter: ... and a read that missed an add", &c);
}

static void test_sharded(void)
{
    lz_spec s = counter(0);
    s.model = LZ_SHARDED;
    reset();
    ADDNP(0, 5, 0, 1);
    READ(1, 3, 2, 3);
    BAD_("sharded: a read below the adds that completed before it", &s);
    H[1].value = 5;
    OK_("sharded: a read after the add", &s);
    reset();
    ADDNP(0, 5, 0, 4);
    READ(1, 0, 1, 2);
    OK_("sharded: an overlapping add not seen", &s);
    H[1].value = 5;
    OK_("sharded: an overlapping add seen", &s);
    H[1].value = 6;
    BAD_("sharded: a read above every add", &s);
    reset();
    ADDNP(0, -2, 0, 4);
    ADDNP(2, 5, 0, 4);
    READ(1, (uint64_t)-2, 1, 2);
    OK_("sharded: mixed signs, the low end", &s);
    H[2].value = 5;
    OK_("sharded: mixed signs, the high end", &s);
    H[2].value = 6;
    BAD_("sharded: mixed signs, above", &s);
    H[2].value = (uint64_t)-3;
    BAD_("sharded: mixed signs, below", &s);
    reset();
    ADDNP(0, 100, 0, 1);
    ADDNP(0, -2, 2, 3);
    ADDNP(2, 5, 4, 7);
    READ(1, 98, 5, 6);
    OK_("sharded: completed adds of both signs, one overlapping", &s);
    H[3].value = 97;
    BAD_("sharded: ... below", &s);
    reset();
    op(0, LZ_ADD, LZ_ANY, 7, 2, P);
    READ(1, 7, 3, 4);
    OK_("sharded: a pending add seen", &s);
    H[1].inv = 0;
    H[1].resp = 1;
    BAD_("sharded: a pending add seen before it began", &s);
    const reg_entry *e = conc_registry_find("sharded");
    lz_spec fs = lz_spec_for(e, 0, 0);
    ok(fs.model == LZ_SHARDED && lz_check_ctx(CTX, &fs, H, HN, NULL) == LZ_VIOLATION,
       "sharded: lz_spec_for and lz_check dispatch to the interval check");
}

/* ---- the shrinker -------------------------------------------------------------- */

static void test_shrink(void)
{
    lz_spec q = fifo(0);
    reset();
    /* noise around one FIFO violation (push 1 < push 2, pop 2 first) */
    PUSH(2, 100, CONC_OK, 0, 3);
    int a = PUSH(0, 1, CONC_OK, 1, 2);
    POP(3, 100, 4, 9);
    int b = PUSH(0, 2, CONC_OK, 5, 6);
    PUSH(2, 101, CONC_OK, 5, 8);
    POPST(3, CONC_EMPTY, 0, 1);
    int c = POP(1, 2, 10, 11);
    POP(1, 1, 12, 13);
    POP(1, 101, 14, 15);
    PUSH(2, 102, CONC_OK, 16, 17);
    POP(3, 102, 18, 19);
    POPST(3, CONC_EMPTY, 20, 21);
    BAD_("the shrinker's case fails", &q);
    uint64_t want = ((uint64_t)1 << a) | ((uint64_t)1 << b) | ((uint64_t)1 << c);
    ok(R.n_kept == 3 && R.kept == want,
       "the shrinker keeps exactly push 1, push 2, pop 2 (kept %zu ops, mask %#" PRIx64 ")",
       R.n_kept, R.kept);
    ok(R.path_len == 2, "its longest linearization has 2 ops (%zu)", R.path_len);
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    lz_print_result(f, "# ", &q, H, HN, &R);
    fclose(f);
    ok(buf && strstr(buf, "VIOLATION") && strstr(buf, "push(1) OK") &&
           strstr(buf, "pop() 2") && !strstr(buf, "push(100)") &&
           strstr(buf, "longest linearization found (2 ops)") &&
           strstr(buf, "items [1 2]"),
       "the printed result names the kept ops only, the path and its state");
    if (buf)
        fputs(buf, stdout);
    free(buf);

    /* No artifact: removing item 1 would leave the task_done wrong on its
     * own; the shrinker keeps the culprit, the pop of 7. */
    lz_spec j = fifo(0);
    j.joinable = true;
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 3);
    TD(1, CONC_OK, 4, 5);
    int bad = POP(2, 7, 6, 7);
    BAD_("joinable: a pop of a never-pushed item after a task_done", &j);
    ok(R.n_kept == 1 && R.kept == (uint64_t)1 << bad,
       "the shrinker keeps the bad pop, not a task_done made wrong by "
       "removing its item (kept %#" PRIx64 ")", R.kept);
    /* ... nor an EMPTY made wrong by removing a pop alone: the FULL (exact)
     * is the fault, with the push in flight and the EMPTY that follows */
    lz_spec e1 = fifo(1);
    reset();
    PUSH(1, 1, CONC_OK, 0, 10);
    PUSH(2, 2, CONC_FULL, 1, 2);
    POPST(3, CONC_EMPTY, 3, 4);
    POP(3, 1, 11, 12);
    POPST(3, CONC_EMPTY, 13, 14);
    BAD_("exact FULL with a push in flight, shrunk", &e1);
    ok(R.n_kept == 3 && (R.kept & 7) == 7,
       "the shrinker keeps the push in flight, the FULL and the EMPTY "
       "(kept %#" PRIx64 ")", R.kept);
    lz_print_result(stdout, "# ", &e1, H, HN, &R);

    /* prefilled items shrink too */
    static const uint64_t pre[] = {5, 6, 7};
    q.prefill = pre;
    q.prefill_n = 3;
    reset();
    POP(0, 6, 0, 1);
    BAD_("prefill [5 6 7], pop 6", &q);
    ok(R.prefill_kept == 3 && R.n_kept == 1,
       "the shrinker keeps prefill [5 6] and the pop (prefill mask %#" PRIx64 ")",
       R.prefill_kept);
}

/* ---- memoisation on 64 ops ---------------------------------------------------------- */

static uint64_t rng_u(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xr(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* 4 threads x 16 ops on an unbounded FIFO (or LIFO): each thread's ops
 * one after another, of random lengths up to `spread` (so one op may
 * overlap many of another thread's); statuses from a sequential run at a
 * random point inside each interval, so the history is linearizable. */
static void gen64(lz_model m, uint64_t spread)
{
    typedef struct { uint64_t at; int i; } lp;
    lp pts[64];
    reset();
    uint64_t v = 1;
    for (uint32_t t = 0; t < 4; t++) {
        uint64_t at = xr() % 10;
        for (int k = 0; k < 16; k++) {
            uint64_t inv = at + 1 + xr() % 10, resp = inv + 1 + xr() % spread;
            bool push = (xr() % 2) == 0;
            int i = push ? PUSH(t, v++, CONC_OK, inv, resp)
                         : POPST(t, CONC_OK, inv, resp);
            pts[i] = (lp){inv + xr() % (resp - inv + 1), i};
            at = resp;
        }
    }
    for (int i = 1; i < 64; i++) /* sort by linearization point */
        for (int j = i; j > 0 && pts[j - 1].at > pts[j].at; j--) {
            lp t = pts[j];
            pts[j] = pts[j - 1];
            pts[j - 1] = t;
        }
    uint64_t q[64];
    int head = 0, n = 0;
    for (int k = 0; k < 64; k++) {
        lz_op *o = &H[pts[k].i];
        if (o->kind == LZ_PUSH) {
            q[head + n++] = o->value;
        } else if (n == 0) {
            o->status = CONC_EMPTY;
        } else if (m == LZ_FIFO) {
            o->value = q[head++];
            n--;
        } else {
            o->value = q[head + --n];
        }
    }
}

static void test_big(void)
{
    lz_spec q = fifo(0), s = lifo(0);
    q.no_shrink = s.no_shrink = true;
    uint64_t most = 0;
    bool all = true;
    for (int round = 0; round < 20; round++) {
        lz_spec *sp = round % 2 ? &s : &q;
        gen64(sp->model, 60);
        lz_verdict v = lz_check_ctx(CTX, sp, H, HN, &R);
        all = all && v == LZ_OK;
        if (R.states > most)
            most = R.states;
        /* the last pop that returned an item now returns one never pushed:
         * every configuration before it must be explored */
        int last = -1;
        for (size_t i = 0; i < HN; i++)
            if (H[i].kind == LZ_POP && H[i].status == CONC_OK &&
                (last < 0 || H[i].resp > H[last].resp))
                last = (int)i;
        if (last >= 0) {
            H[last].value = 999999;
            v = lz_check_ctx(CTX, sp, H, HN, &R);
            all = all && v == LZ_VIOLATION;
            if (R.states > most)
                most = R.states;
        }
    }
    ok(all, "20 linearizable 64-op histories pass, and fail with one bad pop");
    /* Without memoisation a failing one explores every linearization of
     * the 63 good ops: far more. */
    ok(most < 400000, "memoisation bounds the search: at most %" PRIu64
                      " states per 64-op history", most);
    diag("most states for one 64-op history: %" PRIu64, most);

    /* the shrinker on a 64-op violation: 63 good ops, then a pop of an
     * item never pushed */
    q.no_shrink = false;
    gen64(LZ_FIFO, 60);
    uint64_t end = 0;
    for (size_t i = 0; i < HN; i++)
        if (H[i].resp > end)
            end = H[i].resp;
    H[HN - 1] = (lz_op){.thread = 4, .kind = LZ_POP, .status = CONC_OK,
                        .value = 999999, .inv = end + 1, .resp = end + 2,
                        .after = -1};
    bool shrunk = expect("a 64-op violation shrinks", &q, LZ_VIOLATION);
    ok(shrunk && R.n_kept == 1 && R.kept == (uint64_t)1 << 63,
       "a 64-op history with a never-pushed item shrinks to that pop (%zu)",
       R.n_kept);
    /* a pop that misses an item is found at the earliest prefix that
     * fails: here the first EMPTY after the item it skipped */
    gen64(LZ_FIFO, 60);
    int first = -1;
    for (size_t i = 0; i < HN; i++)
        if (H[i].kind == LZ_POP && H[i].status == CONC_OK &&
            (first < 0 || H[i].inv < H[first].inv))
            first = (int)i;
    H[first].value = 999999;
    shrunk = expect("a 64-op violation shrinks", &q, LZ_VIOLATION);
    ok(shrunk && R.n_kept <= 4 && R.n_kept < HN,
       "a 64-op history with a bad pop early shrinks to at most 4 ops (%zu)",
       R.n_kept);
    lz_print_result(stdout, "# ", &q, H, HN, &R);

    reset();
    for (int i = 0; i < 65; i++)
        PUSH(0, (uint64_t)i, CONC_OK, (uint64_t)2 * i, (uint64_t)2 * i + 1);
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_TOO_BIG, "65 ops: too big");
    H[64].kind = LZ_NOP;
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_TOO_BIG,
       "65 entries, one LZ_NOP: still too big (the result's masks are 64 bits)");
    ok(lz_check_ctx(CTX, &q, H, 64, &R) == LZ_OK, "64 ops: checked");

    /* max_states */
    reset();
    for (uint32_t t = 0; t < 20; t++)
        PUSH(t, t, CONC_OK, 0, 100);
    POP(0, 999, 101, 102);
    q.max_states = 1000;
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_GAVE_UP && R.states <= 1000,
       "20 concurrent pushes and a bad pop: gives up at max_states");
}

/* ---- random linearizable histories ------------------------------------------------ */

/* A random history made linearizable by construction: each call gets a
 * linearization point inside its interval (a batch: one point for all its
 * items if atomic, else one each, in order), and a sequential model run in
 * the order of those points gives the statuses and items.  A thread's last
 * call may stay pending, taking effect or not.  The checker must accept
 * every one: this is how a configuration the memo confuses with another
 * shows up. */
typedef struct rev {
    uint64_t at;
    int call, sub;
} rev;

static int rev_cmp(const void *a, const void *b)
{
    const rev *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->call != y->call)
        return x->call - y->call;
    return x->sub - y->sub;
}

typedef struct rcall {
    int kind; /* 0 push, 1 pop, 2 push_many, 3 pop_many, 4 close, 5 task_done, 6 join */
    int first, n; /* its ops H[first..first+n) */
    bool pending, stopped;
} rcall;

static bool gen_random(lz_spec *sp, uint64_t *seed)
{
    enum { T = 3, C = 6 };
    static rcall calls[T * C];
    static rev evs[LZ_MAX_OPS * 2];
    int nc = 0, ne = 0;
    uint64_t v = 1;
    bool atomic = rng_u(seed) & 1, joinable = rng_u(seed) & 1;
    *sp = rng_u(seed) & 1 ? fifo(0) : lifo(0);
    sp->capacity = rng_u(seed) % 4; /* 0: unbounded */
    sp->joinable = joinable;
    sp->full_inflight = rng_u(seed) % 4 == 0;
    sp->no_shrink = true;
    reset();
    for (uint32_t t = 0; t < T; t++) {
        uint64_t at = rng_u(seed) % 5;
        bool pend_last = rng_u(seed) % 3 == 0;
        for (int k = 0; k < C; k++) {
            rcall *c = &calls[nc];
            unsigned r = (unsigned)(rng_u(seed) % 100);
            c->kind = r < 30 ? 0 : r < 60 ? 1 : r < 70 ? 2 : r < 80 ? 3
                    : r < 83 ? 4 : r < 93 ? 5 : 6;
            if (!joinable && c->kind >= 5)
                c->kind = c->kind == 5 ? 0 : 1;
            c->n = c->kind == 2 || c->kind == 3 ? 2 + (int)(rng_u(seed) % 2) : 1;
            c->pending = pend_last && k == C - 1;
            c->stopped = false;
            c->first = (int)HN;
            uint64_t inv = at + 1 + rng_u(seed) % 5;
            uint64_t resp = inv + 1 + rng_u(seed) % 30;
            static const uint32_t kinds[] = {LZ_PUSH, LZ_POP, LZ_PUSH, LZ_POP,
                                             LZ_CLOSE, LZ_TASK_DONE, LZ_JOIN};
            for (int j = 0; j < c->n; j++) {
                int i = op(t, kinds[c->kind], LZ_ANY,
                           kinds[c->kind] == LZ_PUSH ? v++ : 0, inv,
                           c->pending ? P : resp);
                if (j) {
                    H[i].after = i - 1;
                    H[i].glued = atomic;
                }
            }
            /* its points: a pending call takes effect or not */
            if (!c->pending || rng_u(seed) & 1) {
                uint64_t p = inv + rng_u(seed) % (resp - inv + 1);
                for (int j = 0; j < c->n; j++) {
                    if (!atomic && j)
                        p += rng_u(seed) % (resp - p + 1);
                    evs[ne++] = (rev){p, nc, j};
                }
            } else {
                c->stopped = true;
            }
            nc++;
            at = resp;
        }
    }
    qsort(evs, (size_t)ne, sizeof *evs, rev_cmp);
    /* the model */
    uint64_t q[LZ_MAX_OPS];
    size_t len = 0, cap = sp->capacity;
    bool closed = false;
    uint64_t cnt = 0;
    for (int e = 0; e < ne; e++) {
        rcall *c = &calls[evs[e].call];
        if (c->stopped)
            continue;
        lz_op *o = &H[c->first + evs[e].sub];
        int st = CONC_OK;
        switch (c->kind) {
        case 0: case 2:
            if (closed) st = CONC_CLOSED;
            else if (cap && len >= cap) st = CONC_FULL;
            else { q[len++] = o->value; cnt += joinable; }
            break;
        case 1: case 3:
            if (len == 0) {
                st = closed ? CONC_CLOSED : CONC_EMPTY;
            } else if (sp->model == LZ_FIFO) {
                o->value = q[0];
                memmove(q, q + 1, --len * sizeof *q);
            } else {
                o->value = q[--len];
            }
            break;
        case 4: closed = true; break;
        case 5: if (cnt) cnt--; else st = CONC_EINVAL; break;
        case 6: st = cnt ? CONC_TIMEDOUT : CONC_OK; break;
        }
        if (!c->pending)
            o->status = st;
        if (st != CONC_OK && (c->kind == 2 || c->kind == 3)) {
            /* the batch ends here: a pop batch that got items says OK and
             * this item was never asked for; a push batch records it */
            c->stopped = true;
            if (c->kind == 3 && evs[e].sub > 0 && !c->pending)
                o->kind = LZ_NOP;
            for (int j = evs[e].sub + 1; j < c->n && !c->pending; j++)
                H[c->first + j].kind = LZ_NOP;
        }
    }
    /* calls whose effect was skipped: only pending ones (kept pending) */
    return true;
}

static void test_random(void)
{
    uint64_t seed = 12345;
    int bad = 0, n = 0;
#ifdef SLOW_BUILD
    const int rounds = 1500;
#else
    const int rounds = 10000;
#endif
    for (int round = 0; round < rounds; round++) {
        lz_spec sp;
        gen_random(&sp, &seed);
        n++;
        lz_verdict v = lz_check_ctx(CTX, &sp, H, HN, &R);
        if (v != LZ_OK && v != LZ_GAVE_UP) {
            if (bad++ < 2) {
                diag("round %d: %s", round, lz_verdict_name(v));
                lz_print_result(stdout, "# ", &sp, H, HN, &R);
                lz_print(stdout, "# ", H, HN, ~(uint64_t)0);
            }
        }
    }
    ok(bad == 0, "%d random linearizable histories (batches, atomic or not, "
                 "pending calls, close, joinable) are all accepted (%d refused)",
       n, bad);
}

/* ---- malformed histories -------------------------------------------------------- */

static void test_bad(void)
{
    lz_spec q = fifo(0);
    reset();
    PUSH(0, 1, CONC_OK, 5, 4);
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_BAD_HISTORY && R.bad_op == 0,
       "resp < inv is a bad history");
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    PUSH(0, 2, CONC_OK, 0, 1);
    H[0].after = 1;
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_BAD_HISTORY,
       "`after` naming a later op is a bad history");
    reset();
    ADDNP(0, 1, 0, 1);
    ok(lz_check_ctx(CTX, &q, H, HN, &R) == LZ_BAD_HISTORY,
       "an add in a queue's history is a bad history");
    reset();
    ok(lz_check_ctx(CTX, &q, H, 0, &R) == LZ_OK, "the empty history");
}

/* ---- the printer ------------------------------------------------------------------ */

static void test_print(void)
{
    reset();
    PUSH(0, 1, CONC_OK, 0, 3);
    PUSH(1, 2, CONC_FULL, 1, 6);
    POPST(0, CONC_EMPTY, 4, 5);
    POPST(2, LZ_ANY, 2, P);
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    lz_print(f, NULL, H, HN, ~(uint64_t)0);
    fclose(f);
    fputs("# ", stdout);
    for (const char *c = buf; c && *c; c++) {
        fputc(*c, stdout);
        if (*c == '\n' && c[1])
            fputs("# ", stdout);
    }
    /* each line: the thread, then its bars in time order */
    char *t0 = buf ? strstr(buf, "T0 ") : NULL;
    char *t1 = buf ? strstr(buf, "T1 ") : NULL;
    char *t2 = buf ? strstr(buf, "T2 ") : NULL;
    char *a = buf ? strstr(buf, "|--push(1) OK--|") : NULL;
    char *b = buf ? strstr(buf, "pop() EMPTY") : NULL;
    char *c = buf ? strstr(buf, "push(2) FULL") : NULL;
    char *d = buf ? strstr(buf, "pop() ...") : NULL;
    ok(t0 && t1 && t2 && a && b && c && d && t0 < a && a < b && b < t1 &&
           t1 < c && c < t2 && d > t2 && strchr(d, '>'),
       "lz_print: one line per thread, bars in order, pending runs off");
    /* T1's bar starts right of T0's first bar */
    ok(a && t1 && c && (size_t)(strchr(t1, '|') - t1) > (size_t)(a - t0),
       "lz_print: a later invocation starts further right");
    free(buf);

    /* a batch is one bar */
    reset();
    int x = PUSH(0, 1, CONC_OK, 0, 1);
    int y = PUSH(0, 2, CONC_FULL, 0, 1);
    H[y].after = x;
    buf = NULL;
    f = open_memstream(&buf, &sz);
    lz_print(f, NULL, H, HN, ~(uint64_t)0);
    fclose(f);
    ok(buf && strstr(buf, "push(1) OK, push(2) FULL") && !strstr(buf, "T0'"),
       "lz_print: a batch is one bar");
    free(buf);

    char lab[64];
    lz_op ad = {.kind = LZ_ADD, .status = CONC_OK, .value = (uint64_t)-2,
                .prev = 5, .has_prev = true, .resp = 1, .after = -1};
    lz_format_op(lab, sizeof lab, &ad);
    ok(strcmp(lab, "add(-2) prev=5") == 0, "lz_format_op: %s", lab);
}

/* ---- conservation --------------------------------------------------------------------- */

static void test_conservation(void)
{
    lz_spec q = fifo(0);
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 1, 2, 3);
    POP(1, 1, 4, 5);
    ok(lz_check_conservation(&q, H, HN, &R) == LZ_VIOLATION && R.bad_op == 2,
       "conservation: an item popped twice");
    reset();
    PUSH(0, 1, CONC_OK, 0, 1);
    POP(1, 7, 2, 3);
    ok(lz_check_conservation(&q, H, HN, &R) == LZ_VIOLATION && R.bad_op == 1,
       "conservation: an invented item");
    reset();
    POP(1, 1, 0, 1);
    PUSH(0, 1, CONC_OK, 2, 3);
    ok(lz_check_conservation(&q, H, HN, &R) == LZ_VIOLATION,
       "conservation: popped before pushed");
    reset();
    PUSH(0, 1, CONC_OK, 0, 3);
    PUSH(0, 1, LZ_ANY, 4, P);
    POP(1, 1, 2, 5);
    POP(1, 1, 6, 7);
    PUSH(0, 3, CONC_FULL, 8, 9);
    static const uint64_t pre[] = {3};
    q.prefill = pre;
    q.prefill_n = 1;
    POP(2, 3, 10, 11);
    ok(lz_check_conservation(&q, H, HN, &R) == LZ_OK,
       "conservation: overlapping, pending and prefilled pushes");
    POP(2, 3, 12, 13);
    ok(lz_check_conservation(&q, H, HN, &R) == LZ_VIOLATION,
       "conservation: a FULL push supplies nothing");
}

/* ---- the specifications agree with the library ----------------------------------------- */

static void discard_rec(void *item, void *arg)
{
    uint64_t *d = arg;
    d[++d[0]] = (uint64_t)(uintptr_t)item;
}

#define IT(v) ((void *)(uintptr_t)(v))

/* One thread through every verb of a container, recorded. */
static lz_verdict drive(const reg_entry *e, unsigned flags, lz_hist *h,
                        lz_spec *spec)
{
    const size_t cap = 3;
    void *o = flags && e->create_flags ? e->create_flags(cap, flags) : e->create(cap);
    if (!o)
        bail_out("%s: create failed", e->name);
    *spec = lz_spec_for(e, cap, flags);
    lz_hist_init(h, NULL, NULL);
    uint64_t v = 1;
    int i;
    void *it;
    /* fill past the capacity, with single pushes and a batch */
    for (int k = 0; k < 2; k++) {
        i = lz_begin(h, 0, LZ_PUSH, v);
        lz_end(h, i, e->push(o, IT(v)), v);
        v++;
    }
    uint64_t items[3] = {v, v + 1, v + 2};
    void *pitems[3] = {IT(v), IT(v + 1), IT(v + 2)};
    size_t done = 0;
    i = lz_begin_many(h, 0, LZ_PUSH, items, 3, false);
    int st = e->push_many(o, pitems, 3, &done);
    lz_end_many(h, i, st, NULL, done);
    v += 3;
    if (e->push_wait) {
        i = lz_begin(h, 0, LZ_PUSH, v);
        lz_end(h, i, e->push_wait(o, IT(v), 1000), v);
        v++;
    }
    /* pops: one, a batch, a wait */
    i = lz_begin(h, 0, LZ_POP, 0);
    st = e->pop(o, &it);
    lz_end(h, i, st, (uint64_t)(uintptr_t)it);
    void *out[2];
    uint64_t oval[2];
    i = lz_begin_many(h, 0, LZ_POP, NULL, 2, false);
    st = e->pop_many(o, out, 2, &done);
    for (size_t k = 0; k < done; k++)
        oval[k] = (uint64_t)(uintptr_t)out[k];
    lz_end_many(h, i, st, oval, done);
    if (e->pop_wait) {
        i = lz_begin(h, 0, LZ_POP, 0);
        st = e->pop_wait(o, &it, 1000);
        lz_end(h, i, st, (uint64_t)(uintptr_t)it);
    }
    i = lz_begin(h, 0, LZ_POP, 0);
    st = e->pop(o, &it);
    lz_end(h, i, st, (uint64_t)(uintptr_t)it);
    if (e->task_done && (flags & CONC_JOINABLE)) {
        for (int k = 0; k < 4; k++) {
            i = lz_begin(h, 0, LZ_TASK_DONE, 0);
            lz_end(h, i, e->task_done(o), 0);
        }
        i = lz_begin(h, 0, LZ_JOIN, 0);
        lz_end(h, i, e->join(o, 0), 0);
    }
    for (int k = 0; k < 2; k++) {
        i = lz_begin(h, 0, LZ_PUSH, v);
        lz_end(h, i, e->push(o, IT(v)), v);
        v++;
    }
    if (e->close_now) {
        uint64_t d[8] = {0};
        i = lz_begin_close_now(h, 0, cap, (flags & CONC_JOINABLE) != 0);
        st = e->close_now(o, discard_rec, d, NULL);
        lz_end_close_now(h, i, st, d + 1, (size_t)d[0]);
        i = lz_begin(h, 0, LZ_PUSH, v);
        lz_end(h, i, e->push(o, IT(v)), v);
        i = lz_begin(h, 0, LZ_POP, 0);
        st = e->pop(o, &it);
        lz_end(h, i, st, (uint64_t)(uintptr_t)it);
        i = lz_begin(h, 0, LZ_CLOSED_Q, 0);
        lz_end(h, i, CONC_OK, (uint64_t)e->closed(o));
        if (flags & CONC_JOINABLE) {
            i = lz_begin(h, 0, LZ_JOIN, 0);
            lz_end(h, i, e->join(o, 0), 0);
        }
    } else { /* drain */
        for (int k = 0; k < 4; k++) {
            i = lz_begin(h, 0, LZ_POP, 0);
            st = e->pop(o, &it);
            lz_end(h, i, st, (uint64_t)(uintptr_t)it);
        }
    }
    e->destroy(o);
    return lz_check_hist(CTX, spec, h, &R);
}

static void test_registry(void)
{
    lz_hist h;
    lz_spec spec;
    for (size_t k = 0; k < conc_registry_count; k++) {
        const reg_entry *e = &conc_registry[k];
        if (e->kind == REG_COUNTER) {
            void *c = e->create(2);
            spec = lz_spec_for(e, 0, 0);
            lz_hist_init(&h, NULL, NULL);
            for (int d = -3; d <= 5; d += 2) {
                int64_t prev = 0, out = 0;
                int i = lz_begin(&h, 0, LZ_ADD, (uint64_t)(int64_t)d);
                int st = e->add(c, d, &prev);
                if (e->add_returns_prev)
                    lz_end_add(&h, i, st, (uint64_t)prev);
                else
                    lz_end(&h, i, st, 0);
                i = lz_begin(&h, 0, LZ_READ, 0);
                st = e->read(c, &out);
                lz_end(&h, i, st, (uint64_t)out);
            }
            e->destroy(c);
            ok(lz_check_hist(CTX, &spec, &h, &R) == LZ_OK,
               "%s: a sequential run is accepted", e->name);
            continue;
        }
        for (unsigned flags = 0; flags <= CONC_JOINABLE; flags += CONC_JOINABLE) {
            lz_verdict v = drive(e, flags, &h, &spec);
            if (v != LZ_OK) {
                lz_print_result(stdout, "# ", &spec, h.ops, lz_hist_len(&h), &R);
                lz_print(stdout, "# ", h.ops, lz_hist_len(&h), ~(uint64_t)0);
            }
            ok(v == LZ_OK, "%s%s: every verb, sequentially, is accepted (%zu ops)",
               e->name, flags ? " (joinable)" : "", lz_hist_len(&h));
        }
    }
    /* the broken queue drops or duplicates every 3rd push or pop */
    conc_broken_set_period(3);
    lz_verdict v = drive(&conc_registry_broken, 0, &h, &spec);
    conc_broken_set_period(61);
    ok(v == LZ_VIOLATION, "broken: a sequential run is refused (%s)",
       lz_verdict_name(v));
    lz_print_result(stdout, "# ", &spec, h.ops, lz_hist_len(&h), &R);

    /* what lz_spec_for says of each entry */
    lz_spec r = lz_spec_for(conc_registry_find("ring"), 8, CONC_JOINABLE);
    lz_spec m = lz_spec_for(conc_registry_find("mutexstack"), 8, 0);
    lz_spec l = lz_spec_for(conc_registry_find("lfqueue"), 8, 0);
    lz_spec c = lz_spec_for(conc_registry_find("counter"), 0, 0);
    ok(r.model == LZ_FIFO && r.capacity == 8 && r.full_inflight && r.joinable &&
           m.model == LZ_LIFO && !m.full_inflight && !m.joinable &&
           l.capacity == 0 && !l.full_inflight && c.model == LZ_COUNTER,
       "lz_spec_for: models, capacities, FULL and joinable by entry");
}

/* ---- the explorer's rate ---------------------------------------------------------------- */

static void test_many_small(void)
{
    /* SMALL_ROUNDS checks of 12-op histories on one context: the explorer's
     * pattern; nothing to time, only that they all answer right. */
    lz_spec q = fifo(4);
    q.full_inflight = true;
    bool all = true;
    for (int round = 0; round < SMALL_ROUNDS; round++) {
        reset();
        for (uint32_t t = 0; t < 3; t++)
            for (int k = 0; k < 4; k++) {
                uint64_t inv = 10 * (uint64_t)k + t;
                if (k % 2 == 0)
                    PUSH(t, 10 * t + (uint64_t)k, CONC_OK, inv, inv + 12);
                else
                    POPST(t, CONC_OK, inv, inv + 12);
            }
        /* statuses from the order of invocation (a valid linearization) */
        uint64_t qq[16];
        int head = 0, n = 0;
        for (int k = 0; k < 4; k++)
            for (uint32_t t = 0; t < 3; t++) {
                lz_op *o = &H[t * 4 + (uint32_t)k];
                if (o->kind == LZ_PUSH) {
                    if (n == 4)
                        o->status = CONC_FULL;
                    else
                        qq[head + n++] = o->value;
                } else if (n == 0) {
                    o->status = CONC_EMPTY;
                } else {
                    o->value = qq[head++];
                    n--;
                }
            }
        if (round % 2) { /* a wrong item */
            H[11].status = CONC_OK;
            H[11].value = 77;
        }
        lz_verdict v = lz_check_ctx(CTX, &q, H, HN, NULL);
        all = all && v == (round % 2 ? LZ_VIOLATION : LZ_OK);
    }
    ok(all, "%d small checks on one context", SMALL_ROUNDS);
}

int main(void)
{
    tap_watchdog(120, "test_lincheck");
    CTX = lz_ctx_new();
    if (!CTX)
        bail_out("lz_ctx_new");
    test_order();
    test_empty_full();
    test_close();
    test_items();
    test_pending();
    test_batches();
    test_close_now();
    test_join();
    test_counters();
    test_sharded();
    test_shrink();
    test_big();
    test_random();
    test_bad();
    test_print();
    test_conservation();
    test_registry();
    test_many_small();
    lz_ctx_free(CTX);
    done_testing();
    return tap_exit();
}
