/*
 * test_harness.c - the checkers of harness/ on hand-made inputs.
 *
 * Every other test trusts the checkers (ledger, order, history, counter,
 * codec) to say when a structure misbehaved; a checker that never fires
 * would leave the whole suite green.  So each one is fed, single-threaded
 * and deterministically, a correct history (no finding) and one history per
 * kind of fault (the finding of exactly that kind, about exactly that item).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "counter_check.h"
#include "history.h"
#include "ledger.h"
#include "order.h"
#include "tap.h"

/* ------------------------------------------------------------------------ */
/* The ledger                                                               */

#define MAX_EV 64
static h_ledger_event evs[MAX_EV];
static int nev;

static void lsink(void *arg, const h_ledger_event *ev)
{
    (void)arg;
    if (nev < MAX_EV)
        evs[nev] = *ev;
    nev++;
}

/* The ledger under test, reset between cases. */
static h_ledger L;

static void lstart(size_t window, size_t late_limit)
{
    nev = 0;
    if (h_ledger_init(&L, 7, window, late_limit, lsink, NULL) != 0)
        bail_out("h_ledger_init(%zu) failed", window);
}

static void lfinal(uint64_t pushed, uint64_t started)
{
    h_ledger_final(&L, pushed, started, NULL, NULL);
    h_ledger_fini(&L);
}

/* The findings must be exactly `want` (what, seq, by, by2 (-2: any), and
 * for BEFORE_PUSH other), in any order. */
static void expect_events(const char *name, const h_ledger_event *want,
                          int n)
{
    check(nev == n, "%s: %d findings, expected %d", name, nev, n);
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int k = 0; k < nev && k < MAX_EV; k++) {
            const h_ledger_event *e = &evs[k];
            if (e->what == want[i].what && e->seq == want[i].seq &&
                e->producer == 7 && (want[i].by == -2 || e->by == want[i].by) &&
                (want[i].by2 == -2 || e->by2 == want[i].by2) &&
                (want[i].what != H_LEDGER_BEFORE_PUSH ||
                 e->other == want[i].other))
                found = true;
        }
        check(found, "%s: no finding what=%d seq %" PRIu64 " by %d", name,
              want[i].what, want[i].seq, want[i].by);
    }
    for (int k = 0; k < nev && k < MAX_EV; k++)
        if (nev != n)
            diag("  got what=%d seq %" PRIu64 " by %d by2 %d", evs[k].what,
                 evs[k].seq, evs[k].by, evs[k].by2);
}
#define EXPECT(name, ...)                                                    \
    do {                                                                     \
        const h_ledger_event w_[] = {__VA_ARGS__};                           \
        expect_events(name, w_, (int)(sizeof w_ / sizeof w_[0]));            \
    } while (0)
#define EXPECT_NONE(name) expect_events(name, NULL, 0)
#define EV(what, seq, by, by2) {(what), 7, (seq), (by), (by2), 0}

static bool refuse_odd(void *arg, uint64_t s)
{
    (void)arg;
    return s & 1;
}

/* Replay mode: the window holds every seq, no make_room. */
static void test_ledger_replay(void)
{
    lstart(h_ledger_window_for(100), 0);
    for (uint64_t s = 0; s < 100; s++)
        h_ledger_record(&L, s, (int)(s % 3));
    lfinal(100, 100);
    EXPECT_NONE("clean");
    check_group("ledger: 100 items each popped once: no finding");

    lstart(h_ledger_window_for(20), 0);
    for (uint64_t s = 0; s < 20; s++)
        h_ledger_record(&L, s, 1);
    h_ledger_record(&L, 7, 1);
    lfinal(20, 20);
    EXPECT("twice", EV(H_LEDGER_POPPED_TWICE, 7, 1, -1));
    check(h_ledger_kind_of(&evs[0]) == H_LEDGER_DUPLICATE, "kind");
    check_group("ledger: seq 7 popped twice by C1: POPPED_TWICE (duplicate)");

    lstart(h_ledger_window_for(20), 0);
    for (uint64_t s = 0; s < 20; s++)
        h_ledger_record(&L, s, s == 9 ? 2 : 1);
    h_ledger_record(&L, 9, 0);
    h_ledger_record(&L, 9, 3);
    lfinal(20, 20);
    EXPECT("by two", EV(H_LEDGER_POPPED_BY_TWO, 9, 0, 2),
           EV(H_LEDGER_POPPED_BY_TWO, 9, 3, 2));
    check(h_ledger_kind_of(&evs[0]) == H_LEDGER_DUPLICATE, "kind");
    check_group("ledger: seq 9 popped by C2, C0 and C3: two POPPED_BY_TWO");

    lstart(h_ledger_window_for(20), 0);
    for (uint64_t s = 0; s < 20; s++)
        if (s != 0 && s != 11 && s != 19)
            h_ledger_record(&L, s, 1);
    lfinal(20, 20);
    EXPECT("lost", EV(H_LEDGER_LOST, 0, -1, -1), EV(H_LEDGER_LOST, 11, -1, -1),
           EV(H_LEDGER_LOST, 19, -1, -1));
    check(h_ledger_kind_of(&evs[0]) == H_LEDGER_MISSING, "kind");
    check_group("ledger: seqs 0, 11 (middle) and 19 (last) never popped: "
                "three LOST (missing)");

    /* Pushed 10 OK; 10 and 11 offered and refused; nothing above. */
    lstart(h_ledger_window_for(16), 0);
    for (uint64_t s = 0; s < 10; s++)
        h_ledger_record(&L, s, 1);
    h_ledger_record(&L, 11, 2);
    h_ledger_record(&L, 13, 3);
    lfinal(10, 12);
    EXPECT("phantom", EV(H_LEDGER_REFUSED, 11, 2, -2),
           EV(H_LEDGER_NEVER_PUSHED, 13, 3, -2));
    check(nev == 2 && h_ledger_kind_of(&evs[0]) == H_LEDGER_INVENTED &&
          h_ledger_kind_of(&evs[1]) == H_LEDGER_INVENTED, "kind");
    check_group("ledger: final(pushed 10, started 12): refused 10 unpopped "
                "is no loss; refused 11 popped: REFUSED; 13 popped: "
                "NEVER_PUSHED (both invented)");

    /* The refused callback (fuzz_concurrent): odd seqs were refused. */
    lstart(h_ledger_window_for(16), 0);
    for (uint64_t s = 0; s < 16; s += 2)
        if (s != 4)
            h_ledger_record(&L, s, 1);
    h_ledger_record(&L, 5, 2);
    h_ledger_final(&L, 16, 16, refuse_odd, NULL);
    h_ledger_fini(&L);
    EXPECT("refused cb", EV(H_LEDGER_REFUSED, 5, 2, -2),
           EV(H_LEDGER_LOST, 4, -1, -1));
    check_group("ledger: refused(odd): refused 5 popped is REFUSED, pushed 4 "
                "never popped is LOST, unpopped odd seqs are no loss");
}

/* Streaming mode: a small window, make_room before every push. */
static void test_ledger_stream(void)
{
    /* Exactly a window of items outstanding, then one more. */
    lstart(8, 0);
    check(h_ledger_make_room(&L, 8), "make_room(8)");
    check(h_ledger_late_max(&L) == 0, "make_room(8) settled %zu items early",
          h_ledger_late_max(&L));
    check(h_ledger_make_room(&L, 9), "make_room(9)");
    size_t late = h_ledger_late_max(&L);
    check(late >= 1 && late <= 8, "make_room(9): %zu late, expected 1..8",
          late);
    for (uint64_t s = 0; s < 9; s++)
        h_ledger_record(&L, s, 1);
    lfinal(9, 9);
    EXPECT_NONE("window edge");
    check_group("ledger: window 8: 8 outstanding need no settle; the 9th "
                "settles the oldest as late; all popped late: no finding");

    /* Pops lagging 1500 behind pushes (the late set grows past its first
     * 1024 entries and is compacted), one loss, one late duplicate. */
    lstart(8, 0);
    const uint64_t n = 4000, lag = 1500;
    for (uint64_t s = 0; s < n + lag; s++) {
        if (s < n) {
            check(h_ledger_make_room(&L, s + 1), "make_room(%" PRIu64 ")", s);
        }
        if (s >= lag && s - lag != 777)
            h_ledger_record(&L, s - lag, (int)(s % 5));
        if (s == 3000)
            h_ledger_record(&L, 1234, 9);
    }
    check(h_ledger_late_max(&L) >= lag - 8 && h_ledger_late_max(&L) <= lag + 8,
          "late_max %zu, expected about %" PRIu64, h_ledger_late_max(&L), lag);
    lfinal(n, n);
    check(nev == 2, "%d findings", nev);
    for (int k = 0; k < nev && k < MAX_EV; k++) {
        if (evs[k].seq == 777)
            check(evs[k].what == H_LEDGER_LOST, "777: what %d", evs[k].what);
        else
            check(evs[k].seq == 1234 &&
                  h_ledger_kind_of(&evs[k]) == H_LEDGER_DUPLICATE &&
                  (evs[k].by == 9 || evs[k].by2 == 9),
                  "finding what=%d seq %" PRIu64 " by %d", evs[k].what,
                  evs[k].seq, evs[k].by);
    }
    check_group("ledger: window 8, 4000 items popped 1500 late: only the "
                "loss of 777 and the late duplicate of 1234 are reported");

    /* In time, then again long after it was settled; and the newest
     * item twice at the very end (found by the final sweep). */
    lstart(8, 0);
    for (uint64_t s = 0; s < 40; s++) {
        h_ledger_make_room(&L, s + 1);
        h_ledger_record(&L, s, 1);
        if (s == 30)
            h_ledger_record(&L, 3, 2);
    }
    h_ledger_record(&L, 39, 4);
    lfinal(40, 40);
    EXPECT("again", EV(H_LEDGER_POPPED_AGAIN, 3, 2, -1),
           EV(H_LEDGER_POPPED_BY_TWO, 39, 4, 1));
    check_group("ledger: seq 3 popped again after its settle: POPPED_AGAIN; "
                "the last seq popped twice: POPPED_BY_TWO");

    /* Seq 10 popped while only 0..3 had been offered (2, its slot's
     * earlier seq, is never popped): BEFORE_PUSH when 2 is settled. */
    lstart(8, 0);
    h_ledger_make_room(&L, 4);
    h_ledger_record(&L, 0, 1);
    h_ledger_record(&L, 1, 1);
    h_ledger_record(&L, 3, 1);
    h_ledger_record(&L, 10, 6);
    for (uint64_t s = 4; s < 24; s++) {
        h_ledger_make_room(&L, s + 1);
        if (s != 10)
            h_ledger_record(&L, s, 1);
    }
    h_ledger_record(&L, 10, 1);
    lfinal(24, 24);
    const h_ledger_event bp[] = {{H_LEDGER_BEFORE_PUSH, 7, 10, 6, -1, 2},
                                 EV(H_LEDGER_LOST, 2, -1, -1)};
    expect_events("before push", bp, 2);
    check(nev >= 1 && h_ledger_kind_of(&evs[0]) == H_LEDGER_INVENTED, "kind");
    check_group("ledger: window 8: seq 10 popped before its push began: "
                "BEFORE_PUSH (other = 2), 2 LOST");

    /* The late limit: make_room is true while at most 4 items are late,
     * false beyond; the late items, popped at last, are no finding. */
    lstart(8, 4);
    bool r10 = h_ledger_make_room(&L, 10); /* settles 0..3: 4 late */
    bool r12 = h_ledger_make_room(&L, 12); /* nothing to settle */
    size_t late_ok = h_ledger_late_max(&L);
    h_ledger_record(&L, 4, 1);
    h_ledger_record(&L, 5, 1);
    bool r13 = h_ledger_make_room(&L, 13); /* settles 4..6: 5 late */
    check(r10 && r12 && late_ok == 4, "within the limit: %d %d, %zu late",
          r10, r12, late_ok);
    check(!r13 && h_ledger_late_max(&L) == 5,
          "beyond the limit: make_room %d, %zu late", r13,
          h_ledger_late_max(&L));
    for (uint64_t s = 0; s < 12; s++)
        if (s != 4 && s != 5)
            h_ledger_record(&L, s, 1);
    check(h_ledger_make_room(&L, 20), "late items popped: room again");
    for (uint64_t s = 12; s < 20; s++)
        h_ledger_record(&L, s, 1);
    lfinal(20, 20);
    EXPECT_NONE("late limit");
    check_group("ledger: late limit 4: 4 late accepted, 5 late make "
                "make_room false, all popped late: no finding");

    lstart(8, 4);
    bool always = true;
    for (uint64_t s = 0; s < 1000; s++) {
        always &= h_ledger_make_room(&L, s + 1);
        h_ledger_record(&L, s, 0);
    }
    lfinal(1000, 1000);
    check(always, "make_room said false with nothing late");
    EXPECT_NONE("in time");
    check_group("ledger: late limit 4, 1000 items popped in time: no finding");
}

/* ------------------------------------------------------------------------ */
/* Order: per-producer FIFO and the LIFO watch                              */

static void test_fifo(void)
{
    h_fifo f;
    uint64_t prev = 99;
    if (h_fifo_init(&f, 3) != 0)
        bail_out("h_fifo_init");
    static const struct { uint64_t p, s; } in[] = {
        {0, 0}, {1, 5}, {0, 1}, {2, 0}, {0, 4}, {1, 6}, {0, 100}, {2, 7}};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        check(h_fifo_next(&f, in[i].p, in[i].s, &prev),
              "(%" PRIu64 ", %" PRIu64 ") refused", in[i].p, in[i].s);
    check_group("fifo: increasing seqs per producer (gaps, interleaved): "
                "accepted");

    prev = 0;
    check(!h_fifo_next(&f, 0, 100, &prev) && prev == 100, "repeat: prev %"
          PRIu64, prev);
    prev = 0;
    check(!h_fifo_next(&f, 0, 3, &prev) && prev == 100, "decrease: prev %"
          PRIu64, prev);
    prev = 0;
    check(!h_fifo_next(&f, 1, 0, &prev) && prev == 6, "decrease p1: prev %"
          PRIu64, prev);
    check(h_fifo_next(&f, 2, 8, &prev), "producer 2 unaffected");
    check(h_fifo_next(&f, 0, 101, &prev), "101 after 100");
    prev = 0;
    check(!h_fifo_next(&f, 0, 100, &prev) && prev == 101, "100 after 101");
    h_fifo_fini(&f);
    check_group("fifo: a repeat and a decrease are flagged with the larger "
                "seq seen; the largest stays the reference");
}

/* One owner thread T (producer 0) and another popper O on a stack that is
 * correct (pops the top) or broken (pops the bottom), run through the LIFO
 * watch as conc-stress runs it (stress/containers.c).  Returns the number
 * of violations found; *x, *pr of the last. */
typedef struct lifo_run {
    uint64_t st[16];
    int n;
    bool broken;
    _Atomic uint64_t clock;
    h_lifo_table t;
    uint64_t push_first, push_last;
    int found;
    uint64_t fx, fpr;
} lifo_run;

static void lr_push(lifo_run *r, uint64_t s)
{
    r->st[r->n++] = s;
    r->push_first = r->push_last = s;
}

static void lr_pop(lifo_run *r, bool owner)
{
    uint64_t pi = h_lifo_stamp(&r->clock), pr = 0, x, cpr, s;
    if (r->broken) {
        s = r->st[0];
        memmove(r->st, r->st + 1, (size_t)--r->n * sizeof r->st[0]);
    } else {
        s = r->st[--r->n];
    }
    if (h_lifo_check(&r->t, s, pi, &x, &cpr)) {
        r->found++;
        r->fx = x;
        r->fpr = cpr;
    }
    if (owner && s < r->push_first)
        h_lifo_claim(&r->t, &r->clock, r->push_last, s, &pr);
}

static int lifo_script(bool broken, lifo_run *r)
{
    memset(r, 0, sizeof *r);
    r->broken = broken;
    atomic_init(&r->clock, 0);
    lr_push(r, 0);
    lr_push(r, 1);
    lr_pop(r, true);  /* T: 1 (broken: its own 0, from under 1) */
    lr_pop(r, false); /* O: 0 (broken: 1, above the claim) */
    lr_push(r, 2);
    lr_push(r, 3);
    lr_pop(r, false); /* O: 3 */
    lr_pop(r, true);  /* T: its own 2, 3 already gone: a claim, no one
                         pops 3 again */
    lr_push(r, 4);
    lr_pop(r, false); /* O: 4 */
    return r->found;
}

static void test_lifo(void)
{
    lifo_run r;
    int c = lifo_script(false, &r);
    check(c == 0, "correct stack: %d violations", c);
    check_group("lifo watch: a correct stack (own items popped, claims "
                "published after the later item left): no violation");

    c = lifo_script(true, &r);
    check(c == 1 && r.fx == 0 && r.fpr >= 1, "bottom-popping stack: %d "
          "violations (x %" PRIu64 ", pr %" PRIu64 ")", c, r.fx, r.fpr);
    check_group("lifo watch: owner pops its 0 from under its 1, 1 popped "
                "later: flagged with x = 0");

    /* The table directly. */
    _Atomic uint64_t clock;
    atomic_init(&clock, 10);
    h_lifo_table t;
    memset(&t, 0, sizeof t);
    uint64_t pr = 0, x = 0, cpr = 0;
    h_lifo_claim(&t, &clock, 1, 0, &pr);
    check(pr == 11, "claim stamp %" PRIu64, pr);
    check(!h_lifo_check(&t, 1, 11, &x, &cpr), "pi == pr flagged");
    check(!h_lifo_check(&t, 1, 5, &x, &cpr), "pi < pr flagged");
    check(!h_lifo_check(&t, 2, 50, &x, &cpr), "other seq flagged");
    check(h_lifo_check(&t, 1, 12, &x, &cpr) && x == 0 && cpr == 11,
          "pi > pr not flagged");
    uint64_t pr2 = 0;
    h_lifo_claim(&t, &clock, 1, 0, &pr2); /* a later claim about 1 */
    check(pr2 == 0 && h_lifo_check(&t, 1, 12, &x, &cpr) && cpr == 11,
          "the earliest claim about 1 was replaced");
    pr = 0;
    h_lifo_claim(&t, &clock, 1 + H_LIFO_WAYS, 3, &pr); /* same way */
    check(!h_lifo_check(&t, 1, 1000, &x, &cpr), "overwritten claim checked");
    check(h_lifo_check(&t, 1 + H_LIFO_WAYS, pr + 1, &x, &cpr) && x == 3,
          "new claim");
    check_group("lifo watch: only a pop of y that began after the claim's "
                "stamp is flagged; earliest claim kept; overwritten: missed, "
                "never invented");
}

/* ------------------------------------------------------------------------ */
/* History                                                                  */

/* Item s of n: {push_inv, push_resp, pop_inv, pop_resp}, pushed OK, popped
 * by a pop of its own (op s) unless ops[s] names a shared batch pop. */
static void hist_make(h_hist_item *h, size_t n, const uint64_t (*t)[4],
                      const uint16_t *ops)
{
    memset(h, 0, n * sizeof *h);
    for (size_t s = 0; s < n; s++)
        h[s] = (h_hist_item){1, 0, 0, ops ? ops[s] : (uint16_t)s,
                             t[s][0], t[s][1], t[s][2], t[s][3]};
}

static void test_history(void)
{
    h_hist_item h[6];
    h_hist_violation v = {99, 99};
    /* FIFO: pushes one after another, pops in order; 3's pop overlaps 2's
     * and 4's, and 4's ends before 3's does (concurrent: fine). */
    static const uint64_t f_ok[6][4] = {
        {0, 1, 100, 105},  {10, 11, 110, 115}, {20, 21, 120, 125},
        {30, 31, 118, 140}, {40, 41, 119, 125}, {50, 51, 150, 155}};
    hist_make(h, 6, f_ok, NULL);
    check(h_history_fifo(h, 6, &v), "correct FIFO flagged (%u, %u)", v.seq,
          v.other);
    h[5].pushed = 2; /* refused: its times are not checked */
    h[5].pop_inv = 0, h[5].pop_resp = 1;
    check(h_history_fifo(h, 6, &v), "refused item checked");
    check_group("history fifo: in-order and overlapping pops, a refused "
                "item: in order");

    hist_make(h, 6, f_ok, NULL);
    h[4].pop_inv = 101, h[4].pop_resp = 104; /* ends before 1, 2, 3 begin */
    bool in = h_history_fifo(h, 6, &v);
    check(!in && v.seq == 4 && v.other == 2,
          "overtaking: v = (%u, %u)", v.seq, v.other);
    static const uint64_t f_bad[3][4] = {
        {0, 1, 200, 210}, {10, 11, 100, 110}, {20, 21, 300, 310}};
    hist_make(h, 3, f_bad, NULL);
    in = h_history_fifo(h, 3, &v);
    check(!in && v.seq == 1 && v.other == 0,
          "1 before 0: v = (%u, %u)", v.seq, v.other);
    check_group("history fifo: a pop of a later item that ends before an "
                "earlier item's pop begins: flagged (seq, other)");

    /* LIFO: push 0, 1, 2, pop 2, 1, 0; 3 pushed and popped alone (after
     * 0's pop began); 4 and 5 in one batch pop, 5 first. */
    static const uint64_t l_ok[6][4] = {
        {0, 1, 104, 105},    {10, 11, 102, 103},   {20, 21, 100, 101},
        {110, 111, 112, 113}, {120, 121, 130, 131}, {122, 123, 130, 131}};
    static const uint16_t l_ops[6] = {0, 1, 2, 3, 9, 9};
    hist_make(h, 6, l_ok, l_ops);
    h[4].pop_idx = 1;
    check(h_history_lifo(h, 6, &v), "correct LIFO flagged (%u, %u)", v.seq,
          v.other);
    h[1].pop_inv = 104, h[1].pop_resp = 106; /* 0, 1 popped concurrently */
    check(h_history_lifo(h, 6, &v), "concurrent pops flagged (%u, %u)",
          v.seq, v.other);
    check_group("history lifo: LIFO pops, a later push after the pop, a "
                "batch top-first, concurrent pops: in order");

    static const uint64_t l_bad[3][4] = {
        {0, 1, 102, 103}, {10, 11, 104, 105}, {20, 21, 100, 101}};
    hist_make(h, 3, l_bad, NULL);
    in = h_history_lifo(h, 3, &v);
    check(!in && v.seq == 0 && v.other == 1, "0 from under 1: (%u, %u)",
          v.seq, v.other);
    static const uint16_t l_batch[3] = {7, 7, 2}; /* 0 and 1 in one pop */
    static const uint64_t l_b[3][4] = {
        {0, 1, 102, 103}, {10, 11, 102, 103}, {20, 21, 100, 101}};
    hist_make(h, 3, l_b, l_batch);
    h[1].pop_idx = 1; /* 0 (idx 0) came out first, from under 1 */
    in = h_history_lifo(h, 3, &v);
    check(!in && v.seq == 0 && v.other == 1, "batch bottom-first: (%u, %u)",
          v.seq, v.other);
    check_group("history lifo: an item popped from under a later one (also "
                "inside a batch pop): flagged (seq, other)");
}

/* ------------------------------------------------------------------------ */
/* The counter checker                                                      */

static h_prev_event pev[MAX_EV];
static int npev;

static void psink(void *arg, const h_prev_event *ev)
{
    (void)arg;
    if (npev < MAX_EV)
        pev[npev] = *ev;
    npev++;
}

static h_prevs P;

/* Threads' prevs (n[i] each, row i of prev, deltas or NULL): the number
 * of findings; the findings in pev[]. */
static size_t prevs_run(int nt, const int64_t prev[][4], const size_t *n,
                        const uint64_t delta[][4], uint64_t base)
{
    h_adds a[4];
    for (int i = 0; i < nt; i++)
        a[i] = (h_adds){prev[i], delta ? delta[i] : NULL, n[i]};
    npev = 0;
    return h_prevs_check(&P, a, nt, base, psink, NULL);
}

static bool has_pev(int what, int thread, int thread2, int64_t value)
{
    for (int k = 0; k < npev && k < MAX_EV; k++)
        if (pev[k].what == what && pev[k].value == value &&
            (thread == -2 || pev[k].thread == thread) &&
            (thread2 == -2 || pev[k].thread2 == thread2))
            return true;
    return false;
}

static void test_counter(void)
{
    static const int64_t good[3][4] = {{0, 3, 4, 8}, {1, 5, 6}, {2, 7}};
    static const size_t gn[3] = {4, 3, 2};
    size_t r = prevs_run(3, good, gn, NULL, 0);
    check(r == 0 && npev == 0, "%zu findings", r);
    static const int64_t goodd[3][4] = {{100, 109}, {101, 105}, {104}};
    static const uint64_t gd[3][4] = {{1, 2}, {3, 4}, {1}};
    static const size_t gdn[3] = {2, 2, 1};
    r = prevs_run(3, goodd, gdn, gd, 100);
    check(r == 0 && npev == 0, "deltas: %zu findings", r);
    check_group("counter: prevs that tile [base, base + sum) in order per "
                "thread (deltas 1, and mixed): no finding");

    /* Every delta 1, 2 threads, 6 prevs: [0, 6). */
    static const int64_t gap[2][4] = {{0, 1, 2}, {4, 6, 5}};
    static const size_t n33[2] = {3, 3};
    r = prevs_run(2, gap, n33, NULL, 0);
    check(r == 3 && has_pev(H_PREV_OUTSIDE, 1, -2, 6) &&
          has_pev(H_PREV_GAP, -2, -2, 3) && has_pev(H_PREV_ORDER, 1, -2, 5),
          "gap/outside/order: %zu findings", r);
    check(npev == 3 && pev[0].what == H_PREV_ORDER && pev[0].other == 6,
          "order's other");
    static const int64_t twice[2][4] = {{0, 1, 2}, {3, 1, 4}};
    r = prevs_run(2, twice, n33, NULL, 0);
    check(r == 3 && has_pev(H_PREV_TWICE, 1, 0, 1) &&
          has_pev(H_PREV_GAP, -2, -2, 5) && has_pev(H_PREV_ORDER, 1, -2, 1),
          "twice: %zu findings", r);
    static const int64_t rep[2][4] = {{0, 0, 1}, {2}};
    static const size_t n31[2] = {3, 1};
    r = prevs_run(2, rep, n31, NULL, 0);
    check(r == 3 && has_pev(H_PREV_ORDER, 0, -1, 0) &&
          has_pev(H_PREV_TWICE, 0, 0, 0) && has_pev(H_PREV_GAP, -1, -1, 3),
          "repeat: %zu findings", r);
    static const int64_t order[2][4] = {{0, 3, 2}, {1, 4, 5}};
    r = prevs_run(2, order, n33, NULL, 0);
    check(r == 1 && has_pev(H_PREV_ORDER, 0, -1, 2) && pev[0].other == 3,
          "order: %zu findings", r);
    check_group("counter (deltas 1): a gap (with the prev outside), a prev "
                "returned twice, a thread's prevs out of order: each flagged");

    /* Deltas: t0 [0,2) [5,7), t1 [2,5): sum 7. */
    static const uint64_t dd[2][4] = {{2, 2}, {3}};
    static const size_t n21[2] = {2, 1};
    static const int64_t dgood[2][4] = {{0, 5}, {2}};
    r = prevs_run(2, dgood, n21, dd, 0);
    check(r == 0, "deltas good: %zu", r);
    static const int64_t dgap[2][4] = {{0, 6}, {2}}; /* [5,6) unowned */
    r = prevs_run(2, dgap, n21, dd, 0);
    check(r == 1 && has_pev(H_PREV_GAP, -1, -1, 5) && pev[0].other == 6,
          "deltas gap: %zu findings", r);
    static const int64_t dover[2][4] = {{0, 4}, {1}}; /* [1,4) in [0,2) */
    r = prevs_run(2, dover, n21, dd, 0);
    check(r == 2 && has_pev(H_PREV_TWICE, 1, 0, 1) &&
          has_pev(H_PREV_GAP, -1, -1, 6), "deltas overlap: %zu findings", r);
    check(npev == 2 && pev[1].what == H_PREV_GAP && pev[1].other == 7,
          "the gap at the end");
    static const uint64_t dd3[2][4] = {{3, 1}, {1}};
    static const int64_t dord2[2][4] = {{0, 2}, {3}}; /* 2 inside [0,3) */
    r = prevs_run(2, dord2, n21, dd3, 0);
    check(r == 3 && has_pev(H_PREV_ORDER, 0, -1, 2) &&
          has_pev(H_PREV_TWICE, 0, 0, 2) && has_pev(H_PREV_GAP, -1, -1, 4),
          "order within a delta: %zu findings", r);
    static const int64_t dorder[2][4] = {{5, 0}, {2}};
    r = prevs_run(2, dorder, n21, dd, 0);
    check(r == 1 && has_pev(H_PREV_ORDER, 0, -1, 0) && pev[0].other == 5,
          "deltas order: %zu findings", r);
    check_group("counter (deltas): a gap, an overlap, out of order: each "
                "flagged");

    /* Wrap: through INT64_MAX to INT64_MIN, and through -1 to 0. */
    static const int64_t w1[2][4] = {{INT64_MAX - 1, INT64_MIN},
                                     {INT64_MAX, INT64_MIN + 1}};
    static const size_t n22[2] = {2, 2};
    r = prevs_run(2, w1, n22, NULL, (uint64_t)INT64_MAX - 1);
    check(r == 0, "INT64_MAX wrap: %zu findings", r);
    static const int64_t w2[2][4] = {{-2, 0}, {-1, 1}};
    r = prevs_run(2, w2, n22, NULL, (uint64_t)-2);
    check(r == 0, "2^64 wrap: %zu findings", r);
    static const uint64_t wd[2][4] = {{2, 1}, {1, 1}};
    static const int64_t w3[2][4] = {{INT64_MAX - 1, INT64_MIN + 2},
                                     {INT64_MIN, INT64_MIN + 1}};
    r = prevs_run(2, w3, n22, wd, (uint64_t)INT64_MAX - 1);
    check(r == 0, "INT64_MAX wrap, deltas: %zu findings", r);
    static const int64_t w4[2][4] = {{INT64_MIN, INT64_MAX},
                                     {INT64_MAX - 1, INT64_MIN + 1}};
    r = prevs_run(2, w4, n22, NULL, (uint64_t)INT64_MAX - 1);
    check(r == 1 && has_pev(H_PREV_ORDER, 0, -1, INT64_MAX) &&
          pev[0].other == INT64_MIN, "wrap order: %zu findings", r);
    static const int64_t w5[2][4] = {{INT64_MAX - 1, INT64_MIN + 2},
                                     {INT64_MAX, INT64_MIN + 1}};
    r = prevs_run(2, w5, n22, NULL, (uint64_t)INT64_MAX - 1);
    check(r == 2 && has_pev(H_PREV_OUTSIDE, 0, -1, INT64_MIN + 2) &&
          has_pev(H_PREV_GAP, -1, -1, INT64_MIN), "wrap gap: %zu", r);
    check(h_prevs_check(&P, (h_adds[]){{w5[0], NULL, 2}, {w5[1], NULL, 2}}, 2,
                        (uint64_t)INT64_MAX - 1, NULL, NULL) == 2,
          "NULL sink count");
    check_group("counter: prevs wrapping past INT64_MAX and past 2^64 tile; "
                "order, gap across the wrap flagged");
    h_prevs_fini(&P);
}

/* ------------------------------------------------------------------------ */
/* The codec                                                                */

static void test_codec(void)
{
    const uint64_t prods[] = {0, 1, H_ITEM_MAX_PRODUCERS / 2,
                              H_ITEM_MAX_PRODUCERS - 1};
    const uint64_t seqs[] = {0, 1, 2, H_ITEM_SEQ_LIMIT / 2 + 3,
                             H_ITEM_SEQ_LIMIT - 2, H_ITEM_SEQ_LIMIT - 1};
    const uintptr_t key = h_item_encode(0, 0);
    for (size_t i = 0; i < sizeof prods / sizeof prods[0]; i++)
        for (size_t j = 0; j < sizeof seqs / sizeof seqs[0]; j++) {
            uint64_t p = prods[i], s = seqs[j];
            uintptr_t v = h_item_encode(p, s);
            check(h_item_producer(v) == p && h_item_seq(v) == s &&
                  h_item_valid(v) && h_item_checkword(v) == h_item_check(p, s),
                  "(%" PRIu64 ", %" PRIu64 ") round trip", p, s);
            void *ptr = h_item_ptr(p, s, key);
            check(h_item_of(ptr, key) == v, "key round trip");
            check((ptr == NULL) == (p == 0 && s == 0), "NULL only for (0,0)");
        }
    check_group("codec: (producer, seq) round trip at 0, 1 and the field "
                "limits (%d producers, 2^%d seqs), under a key",
                (int)H_ITEM_MAX_PRODUCERS, H_ITEM_SEQ_BITS);

    int undetected = 0;
    for (size_t i = 0; i < sizeof prods / sizeof prods[0]; i++)
        for (size_t j = 0; j < sizeof seqs / sizeof seqs[0]; j++) {
            uintptr_t v = h_item_encode(prods[i], seqs[j]);
            for (int b = 0; b < H_ITEM_CHECK_BITS; b++)
                check(!h_item_valid(v ^ ((uintptr_t)1 << b)),
                      "check word bit %d flipped: valid", b);
            for (int b = H_ITEM_CHECK_BITS; b < (int)(8 * sizeof v); b++)
                undetected += h_item_valid(v ^ ((uintptr_t)1 << b));
        }
    check(undetected <= 1, "%d of %d flips of producer/seq bits undetected",
          undetected, 24 * (int)(8 * sizeof(uintptr_t) - H_ITEM_CHECK_BITS));
    check_group("codec: every flipped check-word bit is detected (and "
                "flipped producer/seq bits almost always)");
}

int main(void)
{
    tap_watchdog(60, "test_harness");
    test_ledger_replay();
    test_ledger_stream();
    test_fifo();
    test_lifo();
    test_history();
    test_counter();
    test_codec();
    done_testing();
    return tap_exit();
}
