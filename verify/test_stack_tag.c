/*
 * test_stack_tag.c - conc_stack's ABA tag and its wrap-around (issue 8,
 * defect 5: stack_tag_wraps).
 *
 * The scenario of the report, driven by verify/park.h: a pop P1 parked
 * after reading `top` (node c, next b) and before its CAS; a second pop P2
 * parked holding node c (its CAS done, c not yet back on the free list);
 * then the main thread pops b and a, P2 gives c back, a push puts c on top
 * again with a different next, and pop/push pairs bring the number of
 * updates of `top` since P1's read to U.  If the tag has w bits and U is a
 * multiple of 2^w, P1's CAS succeeds on a head that only looks the same:
 * `top` becomes b, a free node, and items are duplicated and capacity lost.
 *
 * Built twice: against a library whose tag is narrowed to 4 bits
 * (CONC_STACK_TAG_BITS=4), where U = 16 must show the wrap (the bound is
 * exactly as stated) and U = 14 must not; and against the normal verify
 * library, where U = 16 must not (the tag is wider than 4 bits there).
 * `--updates U` runs one scenario with that U at P1's last point before
 * its CAS (e.g. 2147483648 = 2^31, the old 31-bit tag's wrap: a few
 * minutes in the verify build) and reports what happened.
 *
 * Each scenario enumerates P1's parking point k up to its CAS (located by
 * len(): P1's CAS has taken effect once len drops), and P2's up to the
 * first point after its CAS; a scenario that cannot find those fails.
 */
#include <conc/conc.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "park.h"
#include "tap.h"
#include "testutil.h"

#define ITEM(i) ((void *)(uintptr_t)(i))
#define VAL(p) ((uintptr_t)(p))

struct pop_op {
    conc_stack *s;
    conc_status st;
    void *item;
};

static void pop_fn(void *p)
{
    struct pop_op *a = p;
    a->st = conc_stack_pop(a->s, &a->item);
}

enum outcome { SETUP_FAILED, INTACT, CORRUPTED };

/* One run with P1 parked at k1.  *past_cas: P1's CAS had taken effect at
 * k1 (so larger k1 are not before it). */
static enum outcome run(uint64_t k1, uint64_t k2, uint64_t updates,
                        bool *past_cas, char *why, size_t whylen)
{
    conc_stack *s = conc_stack_new(4, 0);
    *past_cas = false;
    snprintf(why, whylen, "-");
    /* items 1, 2, 3 in nodes a, b, c; top c -> b -> a */
    for (int i = 1; i <= 3; i++)
        if (conc_stack_push(s, ITEM(i)) != CONC_OK)
            return SETUP_FAILED;
    struct pop_op p1 = {s, CONC_EINVAL, NULL}, p2 = {s, CONC_EINVAL, NULL};
    park_thread t1, t2;
    park_start(&t1, pop_fn, &p1, k1);
    *past_cas = park_done(&t1) || conc_stack_len(s) != 3;
    if (*past_cas) {
        park_join(&t1);
        conc_stack_free(s);
        return INTACT;
    }
    /* P2: parked at the first point after its CAS (len 2: it holds c). */
    park_start(&t2, pop_fn, &p2, k2);
    if (!park_parked(&t2) || conc_stack_len(s) != 2) {
        snprintf(why, whylen, "P2 was not parked holding a node at point %" PRIu64, k2);
        park_join(&t2);
        park_join(&t1);
        conc_stack_free(s);
        return SETUP_FAILED;
    }
    uint64_t u = 1; /* P2's CAS */
    void *x, *y;
    bool ok_ = conc_stack_pop(s, &x) == CONC_OK && conc_stack_pop(s, &y) == CONC_OK;
    u += 2; /* b and a popped; top empty */
    park_join(&t2); /* c goes back to the free list */
    ok_ = ok_ && conc_stack_push(s, ITEM(4)) == CONC_OK; /* c on top, next NIL */
    u += 1;
    while (ok_ && u + 2 <= updates) {
        void *z;
        ok_ = conc_stack_pop(s, &z) == CONC_OK && VAL(z) == 4 &&
              conc_stack_push(s, ITEM(4)) == CONC_OK;
        u += 2;
    }
    if (!ok_ || u != updates) {
        snprintf(why, whylen, "main's sequence failed (u=%" PRIu64 ")", u);
        park_join(&t1);
        conc_stack_free(s);
        return SETUP_FAILED;
    }
    park_join(&t1); /* P1's CAS, on a head that has seen `updates` updates */
    /* Intact: P1 got 4 (its CAS failed and it retried), the stack is
     * empty, and it holds exactly 4 again. */
    size_t left = 0;
    void *z;
    while (left < 8 && conc_stack_pop(s, &z) == CONC_OK)
        left++;
    size_t fit = 0;
    while (fit < 8 && conc_stack_push(s, ITEM(100 + fit)) == CONC_OK)
        fit++;
    bool intact = p1.st == CONC_OK && VAL(p1.item) == 4 && VAL(x) == 2 &&
                  VAL(y) == 1 && VAL(p2.item) == 3 && left == 0 && fit == 4;
    snprintf(why, whylen, "P1 popped %s %" PRIuPTR ", then %zu left over, "
             "%zu fit", sname(p1.st), VAL(p1.item), left, fit);
    conc_stack_free(s);
    return intact ? INTACT : CORRUPTED;
}

/* The first point of a pop on a stack of three at which its CAS has taken
 * effect (len 2); 0 if none. */
static uint64_t find_k2(void)
{
    for (uint64_t k = 1; k < 64; k++) {
        conc_stack *s = conc_stack_new(4, 0);
        for (int i = 1; i <= 3; i++)
            conc_stack_push(s, ITEM(i));
        struct pop_op p = {s, CONC_EINVAL, NULL};
        park_thread t;
        park_start(&t, pop_fn, &p, k);
        bool found = park_parked(&t) && conc_stack_len(s) == 2;
        bool whole = park_done(&t);
        park_join(&t);
        conc_stack_free(s);
        if (found)
            return k;
        if (whole)
            break;
    }
    return 0;
}

/* All of P1's parking points before its CAS: how many runs were corrupted. */
static int scenario(uint64_t updates, int *setup_failures, uint64_t *points)
{
    int corrupted = 0;
    *setup_failures = 0;
    *points = 0;
    char why[160];
    uint64_t k2 = find_k2();
    if (!k2) {
        diag("a pop never reached a point after its CAS");
        *setup_failures = 1;
        return 0;
    }
    for (uint64_t k1 = 1; k1 < 64; k1++) {
        bool past;
        enum outcome o = run(k1, k2, updates, &past, why, sizeof why);
        if (past)
            break;
        (*points)++;
        if (o == SETUP_FAILED)
            (*setup_failures)++;
        if (o == CORRUPTED)
            corrupted++;
        if (o != INTACT)
            diag("U=%" PRIu64 ", P1 parked at point %" PRIu64 ": %s: %s",
                 updates, k1, o == CORRUPTED ? "corrupted" : "setup failed", why);
    }
    return corrupted;
}

/* ---- The head word's split (issue 12 holes, hp): a stack of capacity c
 * gives its node index b bits, the fewest that hold c + 1 values (the
 * indices and NIL), and the tag the other 63 - b: include/conc/stack.h's
 * table (b = 3 for 4..7, 10 for up to 1023).  Seen through a v2 hook: the
 * first push on a fresh stack CASes `top` from NIL (tag 0, index 2^b - 1)
 * to node 0 with tag 1 (2^b), the only CAS of the push whose desired value
 * is its expected value plus one. */

struct bits_watch {
    const char *lo, *hi; /* the stack's memory */
    int found;           /* CASes of that form seen */
    uint64_t expected, desired;
};

static void bits_hook(conc_point *p, void *arg)
{
    struct bits_watch *w = arg;
    if (p->phase != CONC_PHASE_PRE || p->kind != CONC_POINT_RMW ||
        (p->rmw != CONC_RMW_CAS && p->rmw != CONC_RMW_CAS_WEAK) || p->width != 8)
        return;
    const char *a = p->addr;
    if (a < w->lo || a >= w->hi || p->operand != p->expected + 1)
        return;
    w->found++;
    w->expected = p->expected;
    w->desired = p->operand;
}

/* The index bits of a stack of this capacity, or -1 if not seen. */
static int stack_index_bits(size_t capacity)
{
    conc_stack *s = conc_stack_new(capacity, 0);
    if (!s)
        return -1;
    struct bits_watch w = {(const char *)s,
                           (const char *)s + conc_stack_footprint(capacity), 0,
                           0, 0};
    conc_verify_set_hook2(bits_hook, &w);
    conc_status st = conc_stack_push(s, ITEM(1));
    conc_verify_set_hook2(NULL, NULL);
    conc_stack_free(s);
    if (st != CONC_OK || w.found != 1 || w.desired == 0 ||
        (w.desired & (w.desired - 1)) != 0)
        return -1;
    return __builtin_ctzll(w.desired);
}

static void test_index_bits(void)
{
    static const struct { size_t cap; int bits; } t[] = {
        {1, 1}, {2, 2}, {3, 2}, {4, 3}, {7, 3}, {8, 4}, {15, 4}, {16, 5},
        {1023, 10}, {1024, 11}, {65535, 16}, {65536, 17},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int b = stack_index_bits(t[i].cap);
        if (b != t[i].bits) {
            diag("capacity %zu: %d index bits (a %d-bit tag), stack.h says %d",
                 t[i].cap, b, 63 - b, t[i].bits);
            bad++;
        }
    }
    ok(bad == 0, "the head word: the fewest index bits that hold capacity + 1 "
       "values, as stack.h states (capacities 1 to 65536, at and around 2^k - 1; "
       "%d wrong)", bad);
}

int main(int argc, char **argv)
{
    park_install();
    if (argc == 3 && strcmp(argv[1], "--updates") == 0) {
        /* One long run, at P1's last point before its CAS only (found by
         * cheap runs with U = 4): that is where a wrap would show. */
        uint64_t u = strtoull(argv[2], NULL, 0);
        uint64_t k2 = find_k2(), last = 0;
        char why[160];
        for (uint64_t k1 = 1; k2 && k1 < 64; k1++) {
            bool past;
            run(k1, k2, 4, &past, why, sizeof why);
            if (past)
                break;
            last = k1;
        }
        ok(k2 && last, "P1's last point before its CAS: %" PRIu64 " (P2 at %" PRIu64 ")",
           last, k2);
        bool past;
        enum outcome o = last ? run(last, k2, u, &past, why, sizeof why) : SETUP_FAILED;
        diag("U=%" PRIu64 ": %s", u, why);
        ok(o == INTACT, "U=%" PRIu64 ": the parked CAS did not succeed on a "
           "recycled head (%s)", u,
           o == INTACT ? "intact" : o == CORRUPTED ? "corrupted" : "setup failed");
        done_testing();
        return tap_exit();
    }
    tap_watchdog(300, "test_stack_tag");
    test_index_bits();
    int sf;
    uint64_t pts;
#ifdef CONC_STACK_TAG_BITS
    const uint64_t wrap = (uint64_t)1 << CONC_STACK_TAG_BITS;
    diag("a stack whose tag is narrowed to %d bits", CONC_STACK_TAG_BITS);
    int c = scenario(wrap - 2, &sf, &pts);
    ok(sf == 0 && pts >= 2 && c == 0,
       "stack_tag_wraps: %" PRIu64 " updates (not a multiple of 2^%d) never "
       "fool the parked CAS (%d corrupted of %" PRIu64 " points)", wrap - 2,
       CONC_STACK_TAG_BITS, c, pts);
    c = scenario(wrap, &sf, &pts);
    ok(sf == 0 && pts >= 2 && c >= 1,
       "stack_tag_wraps: exactly 2^%d updates do (the tag is %d bits, as "
       "configured; %d corrupted of %" PRIu64 " points)",
       CONC_STACK_TAG_BITS, CONC_STACK_TAG_BITS, c, pts);
#else
    diag("the normal stack: capacity 4, 3 index bits, a 60-bit tag");
    int c = scenario(16, &sf, &pts);
    ok(sf == 0 && pts >= 2 && c == 0,
       "stack_tag_wraps: 16 updates do not fool the parked CAS of a normal "
       "stack (%d corrupted of %" PRIu64 " points)", c, pts);
    c = scenario(1u << 10, &sf, &pts);
    ok(sf == 0 && pts >= 2 && c == 0,
       "stack_tag_wraps: nor do 2^10 (%d corrupted of %" PRIu64 " points)", c,
       pts);
#endif
    done_testing();
    return tap_exit();
}
