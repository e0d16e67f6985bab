/*
 * test_explorer.c - the schedule explorer's own tests (TAP).
 *
 * Toy programs written directly on src/'s doors (atomics.h, lock.h,
 * futex.h, spin.h, clock.h), so that every step of a toy is a schedule point
 * whose effect we know exactly, run through ex_explore():
 *   1. a lost update the DFS must find (and its fetch_add fix, which must
 *      pass with the space exhausted);
 *   2. execution counts derived by hand, with and without sleep sets;
 *   3. GenMC's Treiber stack and Michael-Scott queue reference programs;
 *   4. a lock-order deadlock and a futex lost wake-up;
 *   5. replay, a malformed schedule, hidden nondeterminism;
 *   6. shrinking a failure to the one preemption it needs (and what
 *      shrinking cannot do for a DFS failure, and where sleep sets under a
 *      preemption bound miss a bug: diagnostics);
 *   7. PCT;
 *   8. futex timeouts and the virtual clock;
 *   9. SPIN points;
 *  10. sleep sets under a preemption bound lose no outcome;
 *  11. the livelock search (livelock.c): a toy that livelocks only under
 *      an unbounded alternation, and its polite twin that always ends; a
 *      toy that livelocks only under the anchored turns (its turns change
 *      length each round), and its twin that gives up;
 *  12. threads standing in for processes (ex_scenario.proc): a private
 *      futex wait in process 1 that process 0's wake misses (deadlock), the
 *      same with shared futexes (passes); an eventfd of process 0 written
 *      by a thread of process 1 (reported), and by one of process 0 (not).
 *
 * The explorer's model, as the counts below use it (explorer.c): a thread's
 * moves are its start (from the thread's entry to its first schedule point)
 * and then one move per schedule point (the pending step and the code after
 * it up to the next point or the thread's end).  A thread with k points thus
 * has k + 1 moves.  Without sleep sets and with no preemption bound the DFS
 * runs every interleaving of the threads' moves that the enabled sets allow;
 * with sleep sets it runs one execution per Mazurkiewicz trace (Godefroid
 * 1996: the executions not cut as redundant are pairwise inequivalent and
 * cover every trace), where two steps are dependent when they touch the same
 * memory and one writes (a compare-and-swap counts as a write even when it
 * fails) or are lock operations on one mutex; a futex wake is a write of
 * its word, and a timeout (it moves the virtual clock) is dependent with
 * everything.  A start has no address: it is independent of everything.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer.h"
#include "scenarios.h"
#include "internal/atomics.h"
#include "internal/clock.h"
#include "internal/futex.h"
#include "internal/lock.h"
#include "internal/spin.h"
#include "tap.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "internal/io.h"

/* ---- running the explorer ----------------------------------------------- */

static char *report;     /* what the last exploration printed */
static size_t report_len;

static ex_config cfg_dfs(int bound, bool sleep_sets)
{
    ex_config c = ex_config_default();
    c.mode = EX_DFS;
    c.bound = bound;
    c.sleep_sets = sleep_sets;
    c.max_execs = 0;
    c.max_seconds = 10;
    return c;
}

/* The same with no time cap: a comparison that needs both searches
 * exhausted must not depend on how fast this machine is (under TSan on a
 * loaded machine the search without sleep sets at bound 3, 2770
 * executions, once took longer than 10 s).  The spaces are small and
 * finite; the test's watchdog still bounds the whole run. */
static ex_config cfg_dfs_full(int bound, bool sleep_sets)
{
    ex_config c = cfg_dfs(bound, sleep_sets);
    c.max_seconds = 0;
    return c;
}

/* Replay one schedule string (the part after '@'). */
static ex_config cfg_replay(const char *schedule)
{
    ex_config c = ex_config_default();
    c.mode = EX_REPLAY;
    c.schedule = schedule;
    return c;
}

static ex_result explore(const ex_scenario *s, ex_config c)
{
    free(report);
    report = NULL;
    report_len = 0;
    FILE *f = open_memstream(&report, &report_len);
    if (!f)
        bail_out("open_memstream: %s", strerror(errno));
    c.out = f;
    ex_result r = ex_explore(s, &c);
    fclose(f);
    return r;
}

/* The last report as TAP comments (after a test point failed). */
static void show_report(void)
{
    if (!report || !*report)
        return;
    const char *p = report;
    int lines = 0;
    while (*p && lines < 60) {
        size_t l = strcspn(p, "\n");
        diag("  | %.*s", (int)l, p);
        p += l;
        if (*p)
            p++;
        lines++;
    }
}

static const char *verdict_name(ex_verdict v)
{
    switch (v) {
    case EX_PASS: return "PASS";
    case EX_FAIL: return "FAIL";
    case EX_NONDETERMINISM: return "NONDETERMINISM";
    case EX_LIVELOCK: return "LIVELOCK";
    default: return "ERROR";
    }
}

#define OKR(cond, r, ...)                                                      \
    do {                                                                       \
        if (!ok(cond, __VA_ARGS__)) {                                          \
            diag("verdict %s, %llu executions (%llu redundant), exhausted %d", \
                 verdict_name((r).verdict),                                    \
                 (unsigned long long)(r).executions,                           \
                 (unsigned long long)(r).redundant, (int)(r).exhausted);       \
            show_report();                                                     \
        }                                                                      \
    } while (0)

/* ---- the toys' shared state --------------------------------------------- */

typedef struct toy_param {
    int k, j;   /* sizes (steps per thread) */
    int variant;
} toy_param;

typedef struct toy {
    const toy_param *p;
    conc_atomic_u32 x, y, flag, word;
    conc_atomic_u32 own[EX_MAX_THREADS];
    pthread_mutex_t m[2];
    uint32_t got[EX_MAX_THREADS];
    int rc[EX_MAX_THREADS];
    int64_t deadline;
} toy;

static void *toy_setup(const ex_scenario *s, FILE *why)
{
    toy *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(why, "out of memory");
        return NULL;
    }
    t->p = s->param;
    conc_init_u32(&t->x, 0);
    conc_init_u32(&t->y, 0);
    conc_init_u32(&t->flag, 0);
    conc_init_u32(&t->word, 0);
    for (int i = 0; i < EX_MAX_THREADS; i++)
        conc_init_u32(&t->own[i], 0);
    pthread_mutex_init(&t->m[0], NULL);
    pthread_mutex_init(&t->m[1], NULL);
    t->deadline = -1;
    return t;
}

static void toy_teardown(void *ctx)
{
    toy *t = ctx;
    pthread_mutex_destroy(&t->m[0]);
    pthread_mutex_destroy(&t->m[1]);
    free(t);
}

static bool pass_check(void *ctx, FILE *why)
{
    (void)ctx;
    (void)why;
    return true;
}

#define TOY(name_, n_, run_, check_, param_)                                   \
    {.name = (name_), .what = (name_), .nthreads = (n_), .param = (param_),    \
     .setup = toy_setup, .run = (run_), .check = (check_),                     \
     .teardown = toy_teardown}

/* ---- 1. a lost update --------------------------------------------------- */

static void run_lost_update(void *ctx, int tid)
{
    toy *t = ctx;
    (void)tid;
    uint32_t v = conc_load_u32(&t->x, CONC_SEQ_CST);
    conc_store_u32(&t->x, v + 1, CONC_SEQ_CST);
}

static void run_fetch_add(void *ctx, int tid)
{
    toy *t = ctx;
    (void)tid;
    conc_fetch_add_u32(&t->x, 1, CONC_SEQ_CST);
}

static bool check_x_is_2(void *ctx, FILE *why)
{
    toy *t = ctx;
    uint32_t x = conc_load_u32(&t->x, CONC_SEQ_CST);
    if (x != 2) {
        fprintf(why, "lost update: x == %u after two increments\n", x);
        return false;
    }
    return true;
}

static const ex_scenario sc_lost_update =
    TOY("toy/lost-update", 2, run_lost_update, check_x_is_2, NULL);

/* Each of bad[] set in c's string field at off (the schedule or the
 * prefix) makes the lost update's exploration EX_ERROR: one check group. */
static void expect_malformed(ex_config c, size_t off, const char *what,
                             const char *whats, const char *const *bad,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memcpy((char *)&c + off, &bad[i], sizeof bad[i]);
        ex_result r = explore(&sc_lost_update, c);
        check(r.verdict == EX_ERROR, "%s '%s': verdict %s", what, bad[i],
              verdict_name(r.verdict));
    }
    check_group("malformed %s give EX_ERROR", whats);
}
static const ex_scenario sc_fetch_add =
    TOY("toy/fetch-add", 2, run_fetch_add, check_x_is_2, NULL);

static char lost_update_schedule[sizeof ((ex_result *)0)->schedule];

static void test_lost_update(void)
{
    ex_result r = explore(&sc_lost_update, cfg_dfs(1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "x == 1") &&
            r.schedule[0] != 0,
        r, "lost update: DFS with bound 1 finds x == 1 (schedule %s)",
        r.schedule);
    snprintf(lost_update_schedule, sizeof lost_update_schedule, "%s",
             r.schedule);

    r = explore(&sc_fetch_add, cfg_dfs(1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions >= 1, r,
        "fetch_add: passes, space exhausted (%llu executions)",
        (unsigned long long)r.executions);
}

/* ---- 2. counting -------------------------------------------------------- */

/*
 * All with bound -1.  C(n, k) is the binomial coefficient.
 *
 * own-k: thread t does k stores to its own variable.  Each thread has k + 1
 * moves (start + k stores).  Without sleep sets every interleaving of the
 * two move sequences is run: C(2k+2, k+1).  With sleep sets: every step of
 * one thread is independent of every step of the other, so there is one
 * trace: exactly 1 execution.
 *
 * same-k: both threads store k times to one variable x.  Without sleep sets
 * again C(2k+2, k+1).  With sleep sets: the starts commute with everything
 * and every pair of stores of different threads conflicts, so a trace is an
 * interleaving of the 2k stores: C(2k, k).
 *
 * The executions cut as redundant (every enabled move asleep), for these
 * two: the DFS branches where the thread holding the baton could go on and
 * the other could start or step.  own-k: the first execution runs T0 to its
 * end, then T1; the other branches are T1's start at the root and at each
 * of T0's k pending stores, k + 1 in all, and in each T0's pending step is
 * independent of all T1 does, so it sleeps until T1 ends: k + 1 redundant.
 * same-k: below the root every sleeping store is woken by the other
 * thread's first store, so only the root branch (T1 starts first, T0's
 * start asleep for good) is cut: 1 redundant.
 *
 * reader-writer (k, j): thread 0 loads x k times, thread 1 stores x j times.
 * Without: C(k+j+2, k+1).  With: the loads of thread 0 are independent of
 * each other but each conflicts with each store, so a trace is an
 * interleaving of the k loads with the j stores: C(k+j, k).
 *
 * store-buffering: T0 stores x then loads y; T1 stores y then loads x.
 * Without: C(6, 3) = 20.  With: the conflicting pairs are (T0 store x, T1
 * load x) and (T1 store y, T0 load y); of their 4 orientations, "T1 load x
 * before T0 store x" and "T0 load y before T1 store y" together make a
 * cycle with program order (ly < sy < lx < sx < ly), so 3 traces.
 *
 * lost update (test 1's toy): T0 and T1 each load x then store x.  Without:
 * C(6, 3) = 20.  With: the two loads commute, everything else conflicts.
 * Of the C(4, 2) = 6 interleavings of the four accesses, "la lb sa sb" =
 * "lb la sa sb" and "la lb sb sa" = "lb la sb sa", so 4 traces.  With
 * fetch_add: 2 traces (which RMW comes first); without sleep sets C(4, 2) =
 * 6.
 */

static void run_own(void *ctx, int tid)
{
    toy *t = ctx;
    for (int i = 0; i < t->p->k; i++)
        conc_store_u32(&t->own[tid], (uint32_t)i + 1, CONC_RELAXED);
}

static void run_same(void *ctx, int tid)
{
    toy *t = ctx;
    for (int i = 0; i < t->p->k; i++)
        conc_store_u32(&t->x, (uint32_t)(tid * 100 + i), CONC_RELAXED);
}

static void run_reader_writer(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 0) {
        for (int i = 0; i < t->p->k; i++)
            t->got[0] += conc_load_u32(&t->x, CONC_RELAXED);
    } else {
        for (int i = 0; i < t->p->j; i++)
            conc_store_u32(&t->x, (uint32_t)i + 1, CONC_RELAXED);
    }
}

static void run_sb(void *ctx, int tid)
{
    toy *t = ctx;
    conc_atomic_u32 *mine = tid ? &t->y : &t->x, *other = tid ? &t->x : &t->y;
    conc_store_u32(mine, 1, CONC_SEQ_CST);
    t->got[tid] = conc_load_u32(other, CONC_SEQ_CST);
}

/* Store buffering under SC: both loads cannot read 0. */
static unsigned sb_outcomes; /* bit 2*got[0] + got[1] */
static bool check_sb(void *ctx, FILE *why)
{
    toy *t = ctx;
    sb_outcomes |= 1u << (2 * t->got[0] + t->got[1]);
    if (t->got[0] == 0 && t->got[1] == 0) {
        fprintf(why, "both loads read 0: not sequentially consistent\n");
        return false;
    }
    return true;
}

static uint64_t binom(int n, int k)
{
    uint64_t r = 1;
    for (int i = 1; i <= k; i++)
        r = r * (uint64_t)(n - k + i) / (uint64_t)i;
    return r;
}

/* want_red: the executions cut as redundant, if derived (else -1). */
static void count_case2(const ex_scenario *s, bool sleep, uint64_t want,
                        int64_t want_red)
{
    ex_result r = explore(s, cfg_dfs(-1, sleep));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == want &&
            (want_red < 0 || r.redundant == (uint64_t)want_red),
        r, "count %s %s sleep sets: %llu executions (derived %llu), %llu cut "
           "as redundant%s",
        s->name, sleep ? "with" : "without",
        (unsigned long long)r.executions, (unsigned long long)want,
        (unsigned long long)r.redundant, want_red < 0 ? "" : " (derived)");
}

static void count_case(const ex_scenario *s, bool sleep, uint64_t want)
{
    count_case2(s, sleep, want, sleep ? -1 : 0);
}

static const toy_param k1 = {1, 0, 0}, k2 = {2, 0, 0}, k3 = {3, 0, 0},
                       k2j1 = {2, 1, 0}, k2j2 = {2, 2, 0}, k1j3 = {1, 3, 0};

static void test_counting(void)
{
    static const ex_scenario own[] = {
        TOY("count/own-1", 2, run_own, pass_check, &k1),
        TOY("count/own-2", 2, run_own, pass_check, &k2),
        TOY("count/own-3", 2, run_own, pass_check, &k3),
    };
    static const ex_scenario same[] = {
        TOY("count/same-1", 2, run_same, pass_check, &k1),
        TOY("count/same-2", 2, run_same, pass_check, &k2),
        TOY("count/same-3", 2, run_same, pass_check, &k3),
    };
    static const ex_scenario rw[] = {
        TOY("count/reader2-writer1", 2, run_reader_writer, pass_check, &k2j1),
        TOY("count/reader2-writer2", 2, run_reader_writer, pass_check, &k2j2),
        TOY("count/reader1-writer3", 2, run_reader_writer, pass_check, &k1j3),
    };
    static const ex_scenario sb =
        TOY("count/store-buffering", 2, run_sb, check_sb, NULL);
    static const toy_param *const rwp[] = {&k2j1, &k2j2, &k1j3};

    for (int k = 1; k <= 3; k++) {
        count_case(&own[k - 1], false, binom(2 * k + 2, k + 1));
        count_case2(&own[k - 1], true, 1, k + 1);
    }
    for (int k = 1; k <= 3; k++) {
        count_case(&same[k - 1], false, binom(2 * k + 2, k + 1));
        count_case2(&same[k - 1], true, binom(2 * k, k), 1);
    }
    for (int i = 0; i < 3; i++) {
        int k = rwp[i]->k, j = rwp[i]->j;
        count_case(&rw[i], false, binom(k + j + 2, k + 1));
        count_case(&rw[i], true, binom(k + j, k));
    }
    sb_outcomes = 0;
    count_case(&sb, false, 20);
    ok(sb_outcomes == 0xe, "store buffering: outcomes (0,1), (1,0), (1,1) "
                           "seen, (0,0) never (mask %#x)", sb_outcomes);
    sb_outcomes = 0;
    count_case(&sb, true, 3);
    ok(sb_outcomes == 0xe, "store buffering with sleep sets: the 3 traces "
                           "give the 3 outcomes (mask %#x)", sb_outcomes);

    /* the lost update, the whole space (its failures do not stop it) */
    ex_config c = cfg_dfs(-1, true);
    c.stop_on_failure = false;
    c.shrink = false;
    ex_result r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && r.exhausted && r.executions == 4, r,
        "count lost-update with sleep sets, not stopping at failures: %llu "
        "executions (derived 4)", (unsigned long long)r.executions);
    c.sleep_sets = false;
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && r.exhausted && r.executions == 20, r,
        "count lost-update without sleep sets: %llu executions (derived 20)",
        (unsigned long long)r.executions);
    count_case(&sc_fetch_add, true, 2);
    count_case(&sc_fetch_add, false, 6);
}

/* ---- 3. GenMC's reference programs ------------------------------------- */

/*
 * GenMC's test suite, tests/correct/data-structures/{treiber-stack,ms-queue}
 * (v0.11.0, b03f01ed; the text is quoted in /work/genmc-notes.md, appendix
 * A): the same atomic operations in the same order, on the same "pointers"
 * (index | count << 32 in a 64-bit word, index 0 = NULL) into a static node
 * array with per-thread free lists.  Non-atomic accesses (node->value, the
 * free lists) stay plain: they are thread-private or ordered through top /
 * next, and GenMC's counts do not depend on them (notes, section 5).
 *
 * Why our counts are not GenMC's 18 and 50 (notes, sections 3-5):
 *   - GenMC counts po/rf/co-distinct executions; under SC those are the
 *     Mazurkiewicz traces with a FAILED CAS AS A READ.  The explorer counts
 *     a failed CAS as a write (explorer.c: "a failed CAS counts as a
 *     write"), so it orders a failed CAS against loads of the same word and
 *     against other failed CASes, which GenMC does not: more traces.
 *   - GenMC's default "spin-assume" transformation discards (as blocked)
 *     every execution in which the popper's CAS fails (Treiber), or a
 *     dequeue iteration with no successful write loops again (MS queue); the
 *     MS queue test also has __VERIFIER_assume(success) after its head CAS.
 *     We run the loops as written; the variants "assume" and "genmc-prune"
 *     below model those cuts: the thread stops there and the check counts
 *     the execution as blocked instead of complete.
 * The explorer counts a compare-and-swap that would fail as a read (as
 * GenMC does: explorer.c, op_writes), so its counts are GenMC's own, and
 * we assert GenMC's numbers.  They were also derived with an independent
 * sleep-set DFS over SC interleavings written in Python (appendix B of
 * the notes, blocking as "the thread stops, the others go on", as here),
 * which gives the left column when a failed CAS counts as a write:
 *
 *                         CAS=write             CAS=read (= GenMC, asserted)
 *   treiber, as written   28                    22 (genmc -disable-spin-assume)
 *   treiber, genmc-prune  22 + 6 blocked        18 + 4 blocked (GenMC default)
 *   msq, no assume        316                   178
 *   msq, assume           200 + 116 blocked     114 + 64 (-disable-spin-assume)
 *   msq, genmc-prune      84 + 232 blocked      50 + 128 (GenMC default)
 */

#define G_MP(ptr, count) ((((uint64_t)(count)) << 32) | (uint64_t)(ptr))
#define G_PTR(p) ((unsigned)((p) & 0xffffffffu))
#define G_COUNT(p) ((unsigned)((p) >> 32))
#define G_POISON 0x666
#define G_NODES 16 /* GenMC: 256; only 1..10 are used */
#define G_FREE 4   /* MAX_FREELIST */
#define G_INITIAL 2 /* INITIAL_FREE */

enum { G_AS_WRITTEN, G_ASSUME, G_PRUNE };

typedef struct g_node {
    unsigned value;
    conc_atomic_u64 next;
} g_node;

typedef struct g_ctx {
    int variant;
    conc_atomic_u64 top;        /* treiber */
    conc_atomic_u64 head, tail; /* msq */
    g_node nodes[G_NODES];
    conc_atomic_u32 x[3]; /* treiber: atomic_int x[] */
    unsigned free_lists[3][G_FREE];
    /* outcomes */
    bool blocked;  /* a thread stopped where GenMC would block */
    bool poisoned; /* an assert(get_ptr(next) != POISON_IDX) failed */
    int popped;    /* treiber: -1 empty, else the value */
    unsigned popped_node;
    bool deq_ok[2];
    unsigned deq_val[2];
} g_ctx;

static unsigned g_new_node(g_ctx *g, int tid)
{
    for (int i = 0; i < G_FREE; i++) {
        unsigned node = g->free_lists[tid][i];
        if (node) {
            g->free_lists[tid][i] = 0;
            return node;
        }
    }
    abort(); /* assert(0): the free list is empty (cannot happen here) */
}

static void g_reclaim(g_ctx *g, int tid, unsigned node)
{
    for (int i = 0; i < G_FREE; i++)
        if (g->free_lists[tid][i] == 0) {
            g->free_lists[tid][i] = node;
            return;
        }
    abort(); /* assert(0): the free list is full (cannot happen here) */
}

static g_ctx *g_alloc(const ex_scenario *s, int nthreads, unsigned first,
                      FILE *why)
{
    g_ctx *g = calloc(1, sizeof *g);
    if (!g) {
        fprintf(why, "out of memory");
        return NULL;
    }
    g->variant = ((const toy_param *)s->param)->variant;
    for (int i = 0; i < G_NODES; i++)
        conc_init_u64(&g->nodes[i].next, 0);
    for (int i = 0; i < nthreads; i++)
        for (int j = 0; j < G_INITIAL; j++) {
            g->free_lists[i][j] = first + (unsigned)(i * G_FREE + j);
            conc_init_u64(&g->nodes[g->free_lists[i][j]].next,
                          G_MP(G_POISON, 0));
        }
    g->popped = -2;
    return g;
}

static void g_teardown(void *ctx)
{
    free(ctx);
}

/* -- the Treiber stack (my_stack.c, main.c: 2 threadW, 1 threadR) -- */

static void *treiber_setup(const ex_scenario *s, FILE *why)
{
    g_ctx *g = g_alloc(s, 3, 1, why); /* free_lists[i][j] = 1 + i*4 + j */
    if (!g)
        return NULL;
    conc_init_u32(&g->x[1], 0);
    conc_init_u32(&g->x[2], 0);
    conc_init_u64(&g->top, G_MP(0, 0));
    return g;
}

static void treiber_push(g_ctx *g, int tid, unsigned val)
{
    unsigned idx = g_new_node(g, tid);
    g_node *node = &g->nodes[idx];
    node->value = val;
    for (;;) {
        uint64_t old_top = conc_load_u64(&g->top, CONC_ACQUIRE);
        uint64_t new_top = G_MP(idx, G_COUNT(old_top) + 1);
        conc_store_u64(&node->next, old_top, CONC_RELAXED);
        if (conc_cas_u64(&g->top, &old_top, new_top, CONC_RELEASE,
                         CONC_RELAXED))
            break;
    }
}

/* The popped value (0 for "empty", as GenMC's pop), or -1: blocked. */
static int treiber_pop(g_ctx *g, int tid)
{
    uint64_t old_top;
    g_node *node;
    for (;;) {
        old_top = conc_load_u64(&g->top, CONC_ACQUIRE);
        if (G_PTR(old_top) == 0) {
            g->popped = -1;
            return 0;
        }
        node = &g->nodes[G_PTR(old_top)];
        uint64_t next = conc_load_u64(&node->next, CONC_RELAXED);
        uint64_t new_top = G_MP(G_PTR(next), G_COUNT(old_top) + 1);
        if (conc_cas_u64(&g->top, &old_top, new_top, CONC_RELEASE,
                         CONC_RELAXED))
            break;
        if (g->variant == G_PRUNE) { /* GenMC's spin-assume: blocked */
            g->blocked = true;
            return -1;
        }
    }
    int val = (int)node->value;
    g->popped = val;
    g->popped_node = G_PTR(old_top);
    g_reclaim(g, tid, G_PTR(old_top));
    return val;
}

static void run_treiber(void *ctx, int tid)
{
    g_ctx *g = ctx;
    if (tid < 2) { /* threadW */
        conc_store_u32(&g->x[tid], (uint32_t)tid + 42, CONC_RELAXED);
        treiber_push(g, tid, (unsigned)tid);
    } else { /* threadR */
        int idx = treiber_pop(g, tid);
        if (idx > 0)
            (void)conc_load_u32(&g->x[idx], CONC_RELAXED);
    }
}

static uint64_t g_count[3]; /* treiber: empty, value 0, value 1 */
static uint64_t g_complete, g_blocked;

static bool check_treiber(void *ctx, FILE *why)
{
    g_ctx *g = ctx;
    if (g->blocked) {
        g_blocked++;
        return true;
    }
    g_complete++;
    /* what is left: the pushed nodes (1 and 5) but the popped one */
    bool left[G_NODES] = {false};
    int n = 0;
    uint64_t p = conc_load_u64(&g->top, CONC_RELAXED);
    while (G_PTR(p) != 0 && n < 4) {
        left[G_PTR(p) % G_NODES] = true;
        n++;
        p = conc_load_u64(&g->nodes[G_PTR(p) % G_NODES].next, CONC_RELAXED);
    }
    bool want1 = g->popped != -1 ? g->popped_node != 1 : true;
    bool want5 = g->popped != -1 ? g->popped_node != 5 : true;
    if (g->popped < -1 || g->popped > 1 ||
        (g->popped >= 0 && g->popped_node != (g->popped ? 5u : 1u)) ||
        left[1] != want1 || left[5] != want5 || n != (int)want1 + (int)want5) {
        fprintf(why, "treiber: popped %d (node %u), %d left\n", g->popped,
                g->popped_node, n);
        return false;
    }
    g_count[g->popped + 1]++;
    return true;
}

/* -- the MS queue (my_queue.c, main.c with 2 threadRW, -unroll=3) -- */

static void *msq_setup(const ex_scenario *s, FILE *why)
{
    g_ctx *g = g_alloc(s, 2, 2, why); /* free_lists[i][j] = 2 + i*4 + j */
    if (!g)
        return NULL;
    conc_init_u64(&g->head, G_MP(1, 0));
    conc_init_u64(&g->tail, G_MP(1, 0));
    conc_init_u64(&g->nodes[1].next, G_MP(0, 0));
    return g;
}

static void msq_enqueue(g_ctx *g, int tid, unsigned val)
{
    int success = 0;
    uint64_t tail, next, tmp;
    unsigned node = g_new_node(g, tid);
    g->nodes[node].value = val;
    tmp = conc_load_u64(&g->nodes[node].next, CONC_RELAXED);
    tmp &= ~(uint64_t)0xffffffffu; /* set_ptr(&tmp, 0) */
    conc_store_u64(&g->nodes[node].next, tmp, CONC_RELAXED);
    while (!success) {
        tail = conc_load_u64(&g->tail, CONC_ACQUIRE);
        next = conc_load_u64(&g->nodes[G_PTR(tail) % G_NODES].next,
                             CONC_ACQUIRE);
        if (tail == conc_load_u64(&g->tail, CONC_RELAXED)) {
            if (G_PTR(next) == G_POISON) {
                g->poisoned = true;
                return;
            }
            if (G_PTR(next) == 0) {
                uint64_t value = G_MP(node, G_COUNT(next) + 1);
                success = conc_cas_u64(&g->nodes[G_PTR(tail)].next, &next,
                                       value, CONC_RELEASE, CONC_RELAXED);
            }
            if (!success) {
                unsigned ptr = G_PTR(conc_load_u64(
                    &g->nodes[G_PTR(tail)].next, CONC_ACQUIRE));
                uint64_t value = G_MP(ptr, G_COUNT(tail) + 1);
                conc_cas_u64(&g->tail, &tail, value, CONC_RELEASE,
                             CONC_RELAXED);
            }
        }
    }
    conc_cas_u64(&g->tail, &tail, G_MP(node, G_COUNT(tail) + 1), CONC_RELEASE,
                 CONC_RELAXED);
}

/* 1: dequeued, 0: empty, -1: blocked (GenMC's assume or spin-assume). */
static int msq_dequeue(g_ctx *g, int tid, unsigned *ret)
{
    int success = 0;
    bool wrote = true; /* G_PRUNE: the last iteration wrote something */
    uint64_t head, tail, next;
    while (!success) {
        if (g->variant == G_PRUNE && !wrote) { /* a side-effect-free
                                                  iteration: blocked */
            g->blocked = true;
            return -1;
        }
        wrote = false;
        head = conc_load_u64(&g->head, CONC_ACQUIRE);
        tail = conc_load_u64(&g->tail, CONC_ACQUIRE);
        next = conc_load_u64(&g->nodes[G_PTR(head) % G_NODES].next,
                             CONC_ACQUIRE);
        if (conc_load_u64(&g->head, CONC_RELAXED) == head) {
            if (G_PTR(head) == G_PTR(tail)) {
                if (G_PTR(next) == G_POISON) {
                    g->poisoned = true;
                    return 0;
                }
                if (G_PTR(next) == 0)
                    return 0;
                wrote = conc_cas_u64(&g->tail, &tail,
                                     G_MP(G_PTR(next), G_COUNT(tail) + 1),
                                     CONC_RELEASE, CONC_RELAXED);
            } else {
                *ret = g->nodes[G_PTR(next) % G_NODES].value;
                success = conc_cas_u64(&g->head, &head,
                                       G_MP(G_PTR(next), G_COUNT(head) + 1),
                                       CONC_RELEASE, CONC_RELAXED);
                wrote = success;
                if (!success && g->variant != G_AS_WRITTEN) {
                    g->blocked = true; /* __VERIFIER_assume(success) */
                    return -1;
                }
            }
        }
    }
    (void)tid;
    g_reclaim(g, tid, G_PTR(head));
    return 1;
}

static void run_msq(void *ctx, int tid)
{
    g_ctx *g = ctx;
    msq_enqueue(g, tid, (unsigned)tid * 10);
    if (g->poisoned)
        return;
    int r = msq_dequeue(g, tid, &g->deq_val[tid]);
    g->deq_ok[tid] = r == 1;
}

static bool check_msq(void *ctx, FILE *why)
{
    g_ctx *g = ctx;
    if (g->poisoned) {
        fprintf(why, "msq: read a poisoned next pointer\n");
        return false;
    }
    if (g->blocked) {
        g_blocked++;
        return true;
    }
    g_complete++;
    /* each thread's own enqueue precedes its dequeue: both succeed, with
     * the two values; the queue is empty after */
    uint64_t head = conc_load_u64(&g->head, CONC_RELAXED);
    uint64_t next = conc_load_u64(&g->nodes[G_PTR(head) % G_NODES].next,
                                  CONC_RELAXED);
    if (!g->deq_ok[0] || !g->deq_ok[1] || g->deq_val[0] == g->deq_val[1] ||
        (g->deq_val[0] != 0 && g->deq_val[0] != 10) ||
        (g->deq_val[1] != 0 && g->deq_val[1] != 10) || G_PTR(next) != 0) {
        fprintf(why, "msq: dequeues %d:%u %d:%u, next of head %#llx\n",
                g->deq_ok[0], g->deq_val[0], g->deq_ok[1], g->deq_val[1],
                (unsigned long long)next);
        return false;
    }
    return true;
}

static const toy_param g_written = {0, 0, G_AS_WRITTEN},
                       g_assume = {0, 0, G_ASSUME}, g_prune = {0, 0, G_PRUNE};

#define GSC(name_, n_, setup_, run_, check_, param_)                           \
    {.name = (name_), .what = (name_), .nthreads = (n_), .param = (param_),    \
     .setup = (setup_), .run = (run_), .check = (check_),                      \
     .teardown = g_teardown}

static void genmc_case(const ex_scenario *s, uint64_t want_complete,
                       uint64_t want_blocked, const char *genmc)
{
    memset(g_count, 0, sizeof g_count);
    g_complete = g_blocked = 0;
    ex_result r = explore(s, cfg_dfs(-1, true));
    diag("%-22s explorer: %llu complete + %llu blocked (%llu executions, "
         "%llu redundant, %.2f s); expected %llu + %llu; GenMC: %s",
         s->name, (unsigned long long)g_complete,
         (unsigned long long)g_blocked, (unsigned long long)r.executions,
         (unsigned long long)r.redundant, r.seconds,
         (unsigned long long)want_complete, (unsigned long long)want_blocked,
         genmc);
    OKR(r.verdict == EX_PASS && r.exhausted && g_complete == want_complete &&
            g_blocked == want_blocked &&
            r.executions == want_complete + want_blocked,
        r, "%s: %llu complete + %llu blocked executions (derived %llu + %llu)",
        s->name, (unsigned long long)g_complete, (unsigned long long)g_blocked,
        (unsigned long long)want_complete, (unsigned long long)want_blocked);
}

static void test_genmc(void)
{
    static const ex_scenario treiber =
        GSC("genmc/treiber", 3, treiber_setup, run_treiber, check_treiber,
            &g_written);
    static const ex_scenario treiber_prune =
        GSC("genmc/treiber-prune", 3, treiber_setup, run_treiber,
            check_treiber, &g_prune);
    static const ex_scenario msq =
        GSC("genmc/msq", 2, msq_setup, run_msq, check_msq, &g_written);
    static const ex_scenario msq_assume =
        GSC("genmc/msq-assume", 2, msq_setup, run_msq, check_msq, &g_assume);
    static const ex_scenario msq_prune =
        GSC("genmc/msq-prune", 2, msq_setup, run_msq, check_msq, &g_prune);

    genmc_case(&treiber, 22, 0, "22 with -disable-spin-assume");
    /* by outcome (notes, section 3, failed CAS = read): the pop finds the
     * stack empty in 4, gets writer 0's item in 9, writer 1's in 9 */
    ok(g_count[0] == 4 && g_count[1] == 9 && g_count[2] == 9,
       "genmc/treiber by outcome: empty %llu, value 0 %llu, value 1 %llu "
       "(GenMC 4, 9, 9)",
       (unsigned long long)g_count[0], (unsigned long long)g_count[1],
       (unsigned long long)g_count[2]);
    genmc_case(&treiber_prune, 18, 4, "18 + 4 blocked (the suite's 18)");
    genmc_case(&msq, 178, 0, "178 with the assume deleted (not run by GenMC)");
    genmc_case(&msq_assume, 114, 64, "114 + 64 with -disable-spin-assume");
    genmc_case(&msq_prune, 50, 128, "50 + 128 blocked (the suite's 50)");
}

/* ---- 4. deadlocks and lost wake-ups ------------------------------------- */

static void run_lock_order(void *ctx, int tid)
{
    toy *t = ctx;
    /* variant 0: thread t takes m[t] then m[1-t] (opposite orders);
     * variant 1: both take m[0] then m[1] */
    int first = t->p->variant ? 0 : tid;
    conc__mutex_lock(&t->m[first]);
    conc_fetch_add_u32(&t->x, 1, CONC_RELAXED);
    conc__mutex_lock(&t->m[1 - first]);
    conc_fetch_add_u32(&t->x, 1, CONC_RELAXED);
    conc__mutex_unlock(&t->m[1 - first]);
    conc__mutex_unlock(&t->m[first]);
}

static bool check_x_is_4(void *ctx, FILE *why)
{
    toy *t = ctx;
    uint32_t x = conc_load_u32(&t->x, CONC_RELAXED);
    if (x != 4) {
        fprintf(why, "x == %u, not 4\n", x);
        return false;
    }
    return true;
}

/*
 * Futex toys: T0 waits until flag is set, T1 sets it and wakes.
 *   variant 0 (correct): T0 passes the value it read to the wait, on the
 *     flag itself: while ((v = load(flag)) == 0) futex_wait(&flag, v).
 *   variant 1 (bug): T0 checks the flag, then waits on another word with a
 *     value it never re-checked (word stays 0): if T1 sets the flag and
 *     wakes between the check and the wait, T0 sleeps for good.
 *   variant 2 (bug): T0 checks the flag, then waits on it with a value it
 *     reads again after the check: if T1 set the flag and woke in between,
 *     that value is 1 and the wait sleeps on a word nobody changes again.
 */
static void run_futex(void *ctx, int tid)
{
    toy *t = ctx;
    int v = t->p->variant;
    if (tid == 0) {
        if (v == 0) {
            uint32_t seen;
            while ((seen = conc_load_u32(&t->flag, CONC_ACQUIRE)) == 0)
                conc_futex_wait(&t->flag, seen, NULL, false);
        } else if (v == 1) {
            if (conc_load_u32(&t->flag, CONC_ACQUIRE) == 0)
                conc_futex_wait(&t->word, 0, NULL, false);
        } else {
            if (conc_load_u32(&t->flag, CONC_ACQUIRE) == 0)
                conc_futex_wait(&t->flag,
                                conc_load_u32(&t->flag, CONC_ACQUIRE), NULL,
                                false);
        }
        t->got[0] = conc_load_u32(&t->flag, CONC_ACQUIRE);
    } else {
        conc_store_u32(&t->flag, 1, CONC_RELEASE);
        conc_futex_wake(v == 1 ? &t->word : &t->flag, 1, false);
    }
}

static bool check_futex(void *ctx, FILE *why)
{
    toy *t = ctx;
    if (t->got[0] != 1) {
        fprintf(why, "the waiter went on with flag %u\n", t->got[0]);
        return false;
    }
    return true;
}

static const toy_param v0 = {0, 0, 0}, v1 = {0, 0, 1}, v2 = {0, 0, 2};

static void test_deadlock(void)
{
    static const ex_scenario opposite =
        TOY("deadlock/opposite-order", 2, run_lock_order, check_x_is_4, &v0);
    static const ex_scenario same =
        TOY("deadlock/same-order", 2, run_lock_order, check_x_is_4, &v1);
    ex_result r = explore(&opposite, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "deadlock") &&
            r.schedule[0] != 0,
        r, "two mutexes in opposite orders: deadlock reported (%s), schedule "
           "'%s'", r.failure, r.schedule);
    /* Replaying it deadlocks again. */
    char sched[sizeof r.schedule];
    snprintf(sched, sizeof sched, "%s", r.schedule);
    ex_config c = cfg_replay(sched);
    r = explore(&opposite, c);
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "deadlock"), r,
        "its schedule replayed deadlocks again");
    /* Same order: no deadlock.  Traces: the first lock decides who goes
     * first; the other's start and its first LOCK (disabled while the
     * mutex is held) commute with the holder's whole critical section; so
     * 2 executions. */
    r = explore(&same, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 2, r,
        "the same order: passes, %llu executions (derived 2)",
        (unsigned long long)r.executions);

    static const ex_scenario fx_ok =
        TOY("futex/correct", 2, run_futex, check_futex, &v0);
    static const ex_scenario fx_other =
        TOY("futex/lost-wake-other-word", 2, run_futex, check_futex, &v1);
    static const ex_scenario fx_reread =
        TOY("futex/lost-wake-reread", 2, run_futex, check_futex, &v2);
    r = explore(&fx_other, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "lost wake-up") &&
            r.schedule[0] != 0,
        r, "futex: a wait on a word the waker does not change: lost wake-up "
           "reported (%s)", r.schedule);
    r = explore(&fx_reread, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "lost wake-up") &&
            r.schedule[0] != 0,
        r, "futex: a wait with a value read after the check: lost wake-up "
           "reported (%s)", r.schedule);
    /*
     * The correct waiter: L1 (load), W (wait), L2 (load), then L3 (the load
     * after the loop, for the check); the waker: S (store), K (wake; a
     * write of the flag for the sleep sets).  Every waiter step conflicts
     * with S and with K.  Traces:
     *   S < L1 (L1 reads 1, no wait): K before L1, between L1 and L3, or
     *   after L3: 3;
     *   L1 < S, W < S (W sleeps until K): L1 W S K W' L2 L3: 1;
     *   L1 < S < W (W returns at once): K before W, L2 or L3, or after L3:
     *   4.
     * 8 in all.  (A first derivation here said 6: it forgot L3.)
     */
    r = explore(&fx_ok, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 8, r,
        "futex: the waiter passes the value it read: passes, %llu "
        "executions (derived 8)", (unsigned long long)r.executions);
}

/* ---- 12. threads standing in for processes ------------------------------ */

/* T0 sets the flag and wakes; T1 waits for it (the correct loop).  Variant
 * 0: private futexes, 1: shared ones.  With T1 in process 1 a private wait
 * is keyed by (process 1, word) and T0's private wake, keyed by (process 0,
 * word), does not reach it. */
static void run_xfutex(void *ctx, int tid)
{
    toy *t = ctx;
    bool shared = t->p->variant == 1;
    if (tid == 1) {
        uint32_t seen;
        while ((seen = conc_load_u32(&t->flag, CONC_ACQUIRE)) == 0)
            conc_futex_wait(&t->flag, seen, NULL, shared);
        t->got[1] = conc_load_u32(&t->flag, CONC_ACQUIRE);
    } else {
        conc_store_u32(&t->flag, 1, CONC_RELEASE);
        conc_futex_wake(&t->flag, 1, shared);
    }
}

static bool check_xfutex(void *ctx, FILE *why)
{
    toy *t = ctx;
    if (t->got[1] != 1) {
        fprintf(why, "the waiter went on with flag %u\n", t->got[1]);
        return false;
    }
    return true;
}

/* What wait.c's self_pid asks (a PID point); `made`: the word of an
 * eventfd just made. */
static uint32_t ask_pid(const conc_atomic_u32 *made)
{
    conc_point q = CONC__POINT_AT(CONC_POINT_PID, __FILE__, __LINE__);
    q.addr = made;
    conc_verify_pre(&q);
    return q.handled ? (uint32_t)q.result : (uint32_t)getpid();
}

/* An eventfd made in setup (the explorer's thread: process 0), its number
 * in `word`; each thread writes 1 to it and asks its pid. */
static void *xfd_setup(const ex_scenario *s, FILE *why)
{
    toy *t = toy_setup(s, why);
    if (!t)
        return NULL;
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        fprintf(why, "eventfd failed");
        toy_teardown(t);
        return NULL;
    }
    conc_init_u32(&t->word, (uint32_t)fd);
    (void)ask_pid(&t->word);
    return t;
}

static void xfd_teardown(void *ctx)
{
    toy *t = ctx;
    close((int)conc_load_u32(&t->word, CONC_RELAXED));
    toy_teardown(t);
}

static void run_xfd(void *ctx, int tid)
{
    toy *t = ctx;
    uint64_t one = 1;
    t->got[tid] = ask_pid(NULL);
    t->rc[tid] = (int)conc__io_write(&t->word, &one, sizeof one);
}

static bool check_xfd(void *ctx, FILE *why)
{
    toy *t = ctx;
    if (t->rc[0] != 8 || t->rc[1] != 8) {
        fprintf(why, "write returned %d, %d\n", t->rc[0], t->rc[1]);
        return false;
    }
    /* process p is the real pid + p */
    uint32_t want = (uint32_t)getpid() + (uint32_t)t->p->k;
    if (t->got[0] != (uint32_t)getpid() || t->got[1] != want) {
        fprintf(why, "pids %u, %u; want %u, %u\n", t->got[0], t->got[1],
                (uint32_t)getpid(), want);
        return false;
    }
    return true;
}

static void test_processes(void)
{
    static const toy_param priv = {0, 0, 0}, shar = {0, 0, 1};
    static const ex_scenario xf_priv = {
        .name = "xproc/private-futex", .what = "xproc/private-futex",
        .nthreads = 2, .param = &priv, .setup = toy_setup, .run = run_xfutex,
        .check = check_xfutex, .teardown = toy_teardown, .proc = {0, 1}};
    static const ex_scenario xf_shared = {
        .name = "xproc/shared-futex", .what = "xproc/shared-futex",
        .nthreads = 2, .param = &shar, .setup = toy_setup, .run = run_xfutex,
        .check = check_xfutex, .teardown = toy_teardown, .proc = {0, 1}};
    static const ex_scenario xf_one = {
        .name = "xproc/one-process", .what = "xproc/one-process",
        .nthreads = 2, .param = &priv, .setup = toy_setup, .run = run_xfutex,
        .check = check_xfutex, .teardown = toy_teardown};
    ex_result r = explore(&xf_priv, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "lost wake-up") &&
            strstr(r.failure, "private futex of process 1"),
        r, "a private wait in process 1, process 0's wake: lost wake-up "
           "reported (%s)", r.failure);
    r = explore(&xf_shared, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "the same with shared futexes: passes, %llu executions",
        (unsigned long long)r.executions);
    r = explore(&xf_one, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "private futexes in one process: passes, %llu executions",
        (unsigned long long)r.executions);

    static const toy_param p1 = {1, 0, 0}, p0 = {0, 0, 0};
    static const ex_scenario xd_cross = {
        .name = "xproc/fd-cross", .what = "xproc/fd-cross", .nthreads = 2,
        .param = &p1, .setup = xfd_setup, .run = run_xfd, .check = check_xfd,
        .teardown = xfd_teardown, .proc = {0, 1}};
    static const ex_scenario xd_own = {
        .name = "xproc/fd-own", .what = "xproc/fd-own", .nthreads = 2,
        .param = &p0, .setup = xfd_setup, .run = run_xfd, .check = check_xfd,
        .teardown = xfd_teardown};
    r = explore(&xd_cross, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL &&
            strstr(r.failure, "process 1 wrote to process 0's descriptor"),
        r, "process 0's eventfd written by process 1: reported (%s)", r.failure);
    r = explore(&xd_own, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "written by two threads of process 0: passes, %llu executions",
        (unsigned long long)r.executions);
}

/* ---- 5. replay and hidden nondeterminism -------------------------------- */

static unsigned nondet_runs; /* executions of run_nondet's thread 0 */

/* Thread 0 makes one store more in every other execution: the same
 * schedule does not give the same execution twice. */
static void run_nondet(void *ctx, int tid)
{
    toy *t = ctx;
    int n = tid == 0 ? 1 + (int)(nondet_runs++ % 2) : 1;
    for (int i = 0; i < n; i++)
        conc_store_u32(&t->own[tid], (uint32_t)i, CONC_RELAXED);
    conc_store_u32(&t->x, (uint32_t)tid, CONC_RELAXED);
}

/* The same, with thread 0's number of steps from rand(). */
static void run_rand(void *ctx, int tid)
{
    toy *t = ctx;
    int n = tid == 0 ? 1 + rand() % 3 : 1;
    for (int i = 0; i < n; i++)
        conc_store_u32(&t->own[tid], (uint32_t)i, CONC_RELAXED);
    conc_store_u32(&t->x, (uint32_t)tid, CONC_RELAXED);
}

static void test_replay(void)
{
    ex_config c = cfg_replay(lost_update_schedule);
    ex_result r = explore(&sc_lost_update, c);
    OKR(lost_update_schedule[0] && r.verdict == EX_FAIL &&
            strstr(report, "x == 1") && r.executions == 2,
        r, "replay of the lost update's schedule '%s': the failure again, "
           "deterministically (%s)", lost_update_schedule,
        verdict_name(r.verdict));

    /* the serial schedule: a start, load, store, then b's */
    c.schedule = "a3b3";
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_PASS, r, "replay of the serial schedule a3b3 passes");

    static const char *const bad[] = {"a2x", "a0", "w", "a2b?", "-1"};
    expect_malformed(c, offsetof(ex_config, schedule), "schedule",
                     "schedules", bad, sizeof bad / sizeof bad[0]);

    /* a schedule naming a thread the scenario does not have */
    c.schedule = "c";
    r = explore(&sc_lost_update, c);
    OKR(r.verdict != EX_PASS && strstr(r.failure, "does not fit"), r,
        "a schedule that does not fit the scenario is reported (%s: %s)",
        verdict_name(r.verdict), r.failure);

    static const ex_scenario nondet =
        TOY("nondet/counter", 2, run_nondet, pass_check, NULL);
    static const ex_scenario nondet_rand =
        TOY("nondet/rand", 2, run_rand, pass_check, NULL);
    nondet_runs = 0;
    r = explore(&nondet, cfg_dfs(-1, true));
    OKR(r.verdict == EX_NONDETERMINISM, r,
        "DFS: a thread whose step count changes per execution: hidden "
        "nondeterminism (%s)", r.failure);
    nondet_runs = 0;
    r = explore(&nondet, cfg_dfs(-1, false));
    OKR(r.verdict == EX_NONDETERMINISM, r,
        "the same without sleep sets (%s)", r.failure);
    srand(1);
    r = explore(&nondet_rand, cfg_dfs(-1, true));
    OKR(r.verdict == EX_NONDETERMINISM, r,
        "DFS: a thread whose step count comes from rand(): hidden "
        "nondeterminism (%s)", r.failure);
    nondet_runs = 0;
    c.schedule = "a2b3a";
    r = explore(&nondet, c);
    OKR(r.verdict == EX_NONDETERMINISM, r,
        "replay: two runs of one schedule differ: hidden nondeterminism");
}

/* ---- 6. shrinking ------------------------------------------------------- */

/*
 * T0 and T2 increment x with a load and a store (the lost update); T1 makes
 * two stores of its own.  The lost update needs one preemption: T0 or T2
 * preempted between its load and its store by the other (a switch away
 * from a thread that ended is free).
 */
static void run_shrink(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 1) {
        conc_store_u32(&t->own[1], 1, CONC_RELAXED);
        conc_store_u32(&t->own[1], 2, CONC_RELAXED);
        return;
    }
    uint32_t v = conc_load_u32(&t->x, CONC_SEQ_CST);
    conc_store_u32(&t->x, v + 1, CONC_SEQ_CST);
}

/* T0 increments x with fetch_add, T1 with a load and a store. */
static void run_shrink_fa(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 0) {
        conc_fetch_add_u32(&t->x, 1, CONC_SEQ_CST);
        return;
    }
    uint32_t v = conc_load_u32(&t->x, CONC_SEQ_CST);
    conc_store_u32(&t->x, v + 1, CONC_SEQ_CST);
}

/* Preemptions in a schedule string (explorer.c, encode()) of a scenario
 * whose threads never block: thread t has moves[t] moves; a switch away
 * from a thread with moves left is a preemption. */
static int count_preemptions(const char *s, const int *moves, int n)
{
    int left[EX_MAX_THREADS], cur = -1, pre = 0;
    for (int t = 0; t < n; t++)
        left[t] = moves[t];
    while (*s) {
        if (*s < 'a' || *s >= 'a' + n)
            return -1;
        int t = *s++ - 'a';
        long rep = 1;
        if (*s >= '0' && *s <= '9')
            rep = strtol(s, (char **)&s, 10);
        if (cur >= 0 && cur != t && left[cur] > 0)
            pre++;
        left[t] -= (int)rep;
        if (left[t] < 0)
            return -1;
        cur = t;
    }
    return pre;
}

/* The report's "(N preemptions; M before shrinking" line. */
static void printed_preemptions(int *after, int *before)
{
    *after = *before = -1;
    const char *p = report ? strstr(report, "trace of the shrunk schedule (")
                           : NULL;
    if (!p)
        return;
    p += strlen("trace of the shrunk schedule (");
    *after = atoi(p);
    p = strchr(p, ';');
    if (p)
        *before = atoi(p + 1);
}

static bool replay_fails(const ex_scenario *s, const char *schedule)
{
    char sched[sizeof ((ex_result *)0)->schedule];
    snprintf(sched, sizeof sched, "%s", schedule);
    ex_result r = explore(s, cfg_replay(sched));
    return r.verdict == EX_FAIL && strstr(report, "x == 1");
}

static void test_shrink(void)
{
    static const ex_scenario sc =
        TOY("shrink/lost-update-3", 3, run_shrink, check_x_is_2, NULL);
    static const ex_scenario sc_fa =
        TOY("shrink/faa-vs-load-store", 2, run_shrink_fa, check_x_is_2, NULL);
    static const int moves[] = {3, 3, 3}, moves_fa[] = {2, 3};
    int after, before, counted;

    /* DFS, bound 3: the printed schedule has the 1 preemption needed. */
    ex_result r = explore(&sc, cfg_dfs(3, true));
    printed_preemptions(&after, &before);
    counted = count_preemptions(r.schedule, moves, 3);
    OKR(r.verdict == EX_FAIL && after == 1 && counted == 1, r,
        "DFS with bound 3: the failure's schedule '%s' has 1 preemption "
        "(printed %d, counted in the string %d)", r.schedule, after, counted);
    ok(replay_fails(&sc, r.schedule), "that schedule replayed fails again");
    /*
     * Shrinking has nothing to do on the DFS's first failure F: dropping a
     * preemption at decision j gives an execution in the subtree of the
     * holder going on at j, which the DFS explored (default first) before
     * F's preemption at j, and found passing.  So what the DFS prints has
     * as few preemptions as its first failure; fewer may need a schedule
     * that differs earlier.  Here: T1 (load, store) preempted by T0's
     * fetch_add needs 1 (b2a2b), but the DFS meets ab2ab (T0 preempted by
     * T1's load, T1 by T0) first; bound 1 finds the 1-preemption one, but
     * only without sleep sets, see below.
     */
    r = explore(&sc_fa, cfg_dfs(3, true));
    counted = count_preemptions(r.schedule, moves_fa, 2);
    diag("shrink/faa-vs-load-store, DFS bound 3: '%s', %d preemptions "
         "(shrinking cannot reach the 1 of b2a2b)", r.schedule, counted);
    ok(replay_fails(&sc_fa, "b2a2b") &&
           count_preemptions("b2a2b", moves_fa, 2) == 1,
       "the 1-preemption schedule b2a2b fails");
    r = explore(&sc_fa, cfg_dfs(1, false));
    counted = count_preemptions(r.schedule, moves_fa, 2);
    OKR(r.verdict == EX_FAIL && counted == 1, r,
        "DFS with bound 1, no sleep sets, finds it with 1 preemption ('%s')",
        r.schedule);
    /*
     * With plain sleep sets and bound 1 the DFS passed, "exhausted": T0's
     * start is explored first at the root, so in the subtree where T1
     * starts first T0's start slept (it commutes with everything) until T1
     * ended, and b2a2b was cut; its equivalent with T0 started first,
     * a b2 a b, needs 2 preemptions.  Plain sleep sets are not complete
     * under a preemption bound (Musuvathi & Qadeer, MSR-TR-2007-12; Coons,
     * Musuvathi & McKinley, OOPSLA 2013).  The explorer now lets only a
     * sibling whose subtree met no bound cut put its thread to sleep
     * (explorer.c, backtrack), so this must fail.
     */
    r = explore(&sc_fa, cfg_dfs(1, true));
    ok(r.verdict == EX_FAIL,
       "shrink/faa-vs-load-store, DFS bound 1 with sleep sets finds the "
       "1-preemption bug (%s after %llu executions)",
       verdict_name(r.verdict), (unsigned long long)r.executions);

    /*
     * PCT (depth 3, seed 7) meets the lost update of shrink/lost-update-3
     * as a2bc3b2a: T0 preempted after its load by T1, T1 after its start by
     * T2 (2 preemptions).  Shrinking moves T1's run up (a2b3c3a): 1.  (Only
     * overwriting the decision with T1's move, as the shrinker did, shifted
     * T2's run and kept 2.)
     */
    ex_config c = ex_config_default();
    c.mode = EX_PCT;
    c.pct_depth = 3;
    c.seed = 7;
    c.max_execs = 1000;
    c.shrink = false;
    r = explore(&sc, c);
    int found = count_preemptions(r.schedule, moves, 3);
    c.shrink = true;
    r = explore(&sc, c);
    printed_preemptions(&after, &before);
    counted = count_preemptions(r.schedule, moves, 3);
    OKR(r.verdict == EX_FAIL && found == 2 && before == 2 && after == 1 &&
            counted == 1,
        r, "PCT's failure with %d preemptions (%d printed as before "
           "shrinking) shrinks to '%s' with %d (counted %d)",
        found, before, r.schedule, after, counted);
    ok(replay_fails(&sc, r.schedule), "the shrunk schedule replayed fails");
}

/* ---- 7. PCT ------------------------------------------------------------- */

static void test_pct(void)
{
    ex_config c = ex_config_default();
    c.mode = EX_PCT;
    c.pct_depth = 2;
    c.seed = 12345;
    c.max_execs = 1000;
    ex_result r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && r.first_failure_exec >= 1 &&
            r.first_failure_exec <= 1000 && strstr(r.failure, "x == 1"),
        r, "PCT depth 2: the lost update (a depth-2 bug) found at execution "
           "%llu", (unsigned long long)r.first_failure_exec);
    uint64_t first = r.first_failure_exec;
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && r.first_failure_exec == first, r,
        "PCT with the same seed: found at the same execution (%llu)",
        (unsigned long long)r.first_failure_exec);
    /* depth 1: no priority change point, each execution runs the threads
     * one after the other: never the lost update */
    c.pct_depth = 1;
    c.max_execs = 300;
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_PASS && r.executions == 300, r,
        "PCT depth 1 never finds the depth-2 bug: %llu executions, all pass",
        (unsigned long long)r.executions);
    c.pct_depth = 3;
    c.max_execs = 500;
    r = explore(&sc_fetch_add, c);
    OKR(r.verdict == EX_PASS && r.executions == 500, r,
        "PCT, nothing fails: %llu executions == max_execs 500",
        (unsigned long long)r.executions);
}

/* ---- 8. timeouts -------------------------------------------------------- */

#define TIMEOUT_NS 5000000 /* 5 ms */

/* T0 waits on word (0) with a deadline; T1: variant 0 does something
 * else, variant 1 sets the word and wakes T0. */
static void run_timeout(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 0) {
        int64_t now = conc__clock_now_ns();
        struct timespec ts = conc__ns_to_ts(now + TIMEOUT_NS);
        t->deadline = now + TIMEOUT_NS;
        t->rc[0] = conc_futex_wait(&t->word, 0, &ts, false);
        t->got[0] = 1;
    } else if (t->p->variant == 0) {
        conc_store_u32(&t->x, 1, CONC_RELAXED);
    } else {
        conc_store_u32(&t->word, 1, CONC_RELEASE);
        conc_futex_wake(&t->word, 1, false);
    }
}

static unsigned timeout_outcomes; /* bit 0: timed out, bit 1: woken or
                                     returned at once */
static bool check_timeout(void *ctx, FILE *why)
{
    toy *t = ctx;
    int64_t now = ex_now_ns();
    if (t->got[0] != 1 || t->deadline < 0) {
        fprintf(why, "the waiter did not get through its wait\n");
        return false;
    }
    if (t->rc[0] == ETIMEDOUT) {
        timeout_outcomes |= 1;
        if (now < t->deadline) {
            fprintf(why, "timed out at %lld, before its deadline %lld\n",
                    (long long)now, (long long)t->deadline);
            return false;
        }
    } else if (t->rc[0] == 0 && t->p->variant == 1) {
        timeout_outcomes |= 2;
    } else {
        fprintf(why, "futex_wait returned %d\n", t->rc[0]);
        return false;
    }
    return true;
}

static void test_timeout(void)
{
    static const ex_scenario alone =
        TOY("timeout/nobody-wakes", 2, run_timeout, check_timeout, &v0);
    static const ex_scenario raced =
        TOY("timeout/wake-or-timeout", 2, run_timeout, check_timeout, &v1);
    /*
     * The clock read is answered at once (no schedule point).  T0: start,
     * W (the wait, which blocks), TO (its timeout move); T1: start, X (the
     * store).  A timeout changes the virtual clock, which any step may
     * read: it is dependent with every step, and nothing else here is
     * dependent.  TO before T1's start, between it and X, or after X: 3.
     */
    timeout_outcomes = 0;
    ex_result r = explore(&alone, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && timeout_outcomes == 1 &&
            r.executions == 3,
        r, "a futex wait with a deadline nobody wakes: times out (no "
           "deadlock), the virtual clock at its deadline, in all %llu "
           "executions (derived 3)", (unsigned long long)r.executions);
    /*
     * With a waker, T1: start, S (word = 1), K (wake).  W conflicts with S
     * and K.  W before S (W blocks): TO before T1's start, before S, or
     * before K (a timeout; after K the wake would have released T0): 3; or
     * K releases T0: 1.  S before W (W returns at once): K before or after
     * W: 2.  6 in all; both outcomes.
     */
    timeout_outcomes = 0;
    r = explore(&raced, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && timeout_outcomes == 3 &&
            r.executions == 6,
        r, "a wait with a deadline and a waker: the timeout and the wake "
           "both explored (outcomes %#x), %llu executions (derived 6)",
        timeout_outcomes, (unsigned long long)r.executions);
}

/* ---- 9. SPIN ------------------------------------------------------------ */

/* T0 spins until flag is set; T1 (variant 0) sets it, (variant 1) stores
 * elsewhere. */
static void run_spin(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 0) {
        while (conc_load_u32(&t->flag, CONC_ACQUIRE) == 0)
            conc_spin_pause();
        t->got[0] = 1;
    } else {
        conc_store_u32(t->p->variant ? &t->x : &t->flag, 1, CONC_RELEASE);
    }
}

/* T0 spins on a plain flag under a mutex (and an atomic word nobody
 * writes, as src/wait.c spins around a lockedarray's try_op, which reads
 * the closed flag and the items under the mutex); T1 sets the flag under
 * the mutex. */
static void run_spin_locked(void *ctx, int tid)
{
    toy *t = ctx;
    if (tid == 0) {
        for (;;) {
            conc__mutex_lock(&t->m[0]);
            uint32_t v = t->got[1];
            conc__mutex_unlock(&t->m[0]);
            if (v || conc_load_u32(&t->y, CONC_ACQUIRE))
                break;
            conc_spin_pause();
        }
        t->got[0] = 1;
    } else {
        conc__mutex_lock(&t->m[0]);
        t->got[1] = 1;
        conc__mutex_unlock(&t->m[0]);
    }
}

static bool check_spin(void *ctx, FILE *why)
{
    toy *t = ctx;
    if (t->got[0] != 1) {
        fprintf(why, "the spinner did not see the flag\n");
        return false;
    }
    return true;
}

static void test_spin(void)
{
    static const ex_scenario set =
        TOY("spin/flag-set", 2, run_spin, check_spin, &v0);
    static const ex_scenario never =
        TOY("spin/flag-never-set", 2, run_spin, check_spin, &v1);
    /*
     * T0: start, L1 (load), then if it read 0: SP (spin), L2 (load).  T1:
     * start, S (store).  After L1 reads 0, T0 is disabled at its SPIN until
     * S: it is never scheduled to spin in vain.
     * With sleep sets (L1 and L2 conflict with S; SP has no address):
     * L1 before or after S: 2 traces.
     * Without: S before L1: the 3 interleavings of {T0 start, L1} with
     * {T1 start, S} that put S before L1; L1 before S: T1's start in one of
     * 3 places before S, then S, SP, L2: 3; 6 in all.
     */
    ex_result r = explore(&set, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 2, r,
        "a spinner on a flag another thread sets: passes in %llu executions "
        "(derived 2)", (unsigned long long)r.executions);
    r = explore(&set, cfg_dfs(-1, false));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 6, r,
        "the same without sleep sets: %llu executions (derived 6)",
        (unsigned long long)r.executions);
    /*
     * Under a mutex.  T0: K1 (lock; reads the flag; unlocks), U1 (its
     * UNLOCK point), the load of y, and if it read 0: SPIN, K2, U2, the load
     * of y again.  T1: K, U.  The lock points of one mutex are dependent;
     * nothing writes y.  T1's critical section before T0's or after it: 2
     * traces.  (Before the explorer counted a LOCK as a read of the mutex
     * and an UNLOCK as a write, the spinner, whose only atomic read was y,
     * was never woken: a false deadlock.)
     */
    static const ex_scenario locked =
        TOY("spin/under-mutex", 2, run_spin_locked, check_spin, &v0);
    r = explore(&locked, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 2, r,
        "a spinner on state under a mutex, set under it by another thread: "
        "passes in %llu executions (derived 2)",
        (unsigned long long)r.executions);
    r = explore(&never, cfg_dfs(-1, true));
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "deadlock") &&
            strstr(r.failure, "spinning"),
        r, "a spinner on a flag nobody sets: reported as a deadlock (%s)",
        r.failure);
}

/* ---- main --------------------------------------------------------------- */


/* ---- 10. sleep sets under a bound: no outcome lost ---------------------- */

/*
 * A search within bound B with sleep sets must meet every Mazurkiewicz
 * trace that has a schedule with at most B preemptions, and so every
 * outcome that the search without sleep sets meets (equivalent executions
 * read the same values).  The outcome of an execution: every value each
 * thread loaded, in its order, and the final x and y.  Three threads mix
 * loads, stores and fetch_adds on x and y with steps on their own words
 * (independent of everything), so the holder's sleep and a step that ends
 * its thread (explorer.c, sleeps_within_bound) both prune here.  Then the
 * same for random programs (3 threads of 4 loads, stores, fetch_adds and
 * compare-and-swaps on x, y and a word of their own; 6 of them, or
 * EX_TEST_RANDOM_PROGRAMS: 300 passed at bounds 0-2).  Plain sleep sets
 * (every explored sibling sleeps) fail both.
 */
#define OUTCOMES 4096
static uint64_t outcome_set[OUTCOMES];
static size_t noutcomes;
static bool outcome_overflow;

static void run_outcomes(void *ctx, int tid)
{
    toy *t = ctx;
    uint32_t *g = &t->got[tid];
    *g = 0;
    switch (tid) {
    case 0:
        *g = *g * 7 + conc_load_u32(&t->y, CONC_SEQ_CST);
        conc_store_u32(&t->own[0], 1, CONC_SEQ_CST);
        conc_store_u32(&t->x, 1, CONC_SEQ_CST);
        *g = *g * 7 + conc_fetch_add_u32(&t->x, 2, CONC_SEQ_CST);
        break;
    case 1:
        conc_store_u32(&t->own[1], 1, CONC_SEQ_CST);
        *g = *g * 7 + conc_load_u32(&t->x, CONC_SEQ_CST);
        conc_store_u32(&t->y, 1, CONC_SEQ_CST);
        *g = *g * 7 + conc_load_u32(&t->x, CONC_SEQ_CST);
        break;
    default:
        *g = *g * 7 + conc_fetch_add_u32(&t->x, 1, CONC_SEQ_CST);
        conc_store_u32(&t->own[2], 1, CONC_SEQ_CST);
        *g = *g * 7 + conc_load_u32(&t->y, CONC_SEQ_CST);
        break;
    }
}

static bool check_outcome(void *ctx, FILE *why)
{
    (void)why;
    toy *t = ctx;
    uint64_t o = ((uint64_t)t->got[0] << 40) | ((uint64_t)t->got[1] << 24) |
                 ((uint64_t)t->got[2] << 8) |
                 (conc_load_u32(&t->x, CONC_SEQ_CST) << 2) |
                 conc_load_u32(&t->y, CONC_SEQ_CST);
    for (size_t i = 0; i < noutcomes; i++)
        if (outcome_set[i] == o)
            return true;
    if (noutcomes < OUTCOMES)
        outcome_set[noutcomes++] = o;
    else
        outcome_overflow = true;
    return true;
}

/* Random programs: toy_param.k is the seed; each of 3 threads runs 4
 * operations drawn from load, store, fetch_add and compare-and-swap on x,
 * y and its own word; what each loads goes into its got[]. */
static uint64_t prog_rng(uint64_t *z)
{
    *z += 0x9E3779B97F4A7C15ull;
    uint64_t v = *z;
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    return v ^ (v >> 31);
}

static void run_random(void *ctx, int tid)
{
    toy *t = ctx;
    uint64_t z = (uint64_t)t->p->k * 1000003u + (uint64_t)tid;
    uint32_t *g = &t->got[tid];
    *g = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t r = prog_rng(&z);
        conc_atomic_u32 *w = (r >> 8) % 3 == 0 ? &t->x
                           : (r >> 8) % 3 == 1 ? &t->y : &t->own[tid];
        uint32_t v = (uint32_t)(r >> 16) % 3;
        switch (r % 4) {
        case 0:
            *g = *g * 5 + conc_load_u32(w, CONC_SEQ_CST);
            break;
        case 1:
            conc_store_u32(w, v, CONC_SEQ_CST);
            break;
        case 2:
            *g = *g * 5 + conc_fetch_add_u32(w, 1, CONC_SEQ_CST) % 5;
            break;
        default: {
            uint32_t e = v;
            *g = *g * 5 + (conc_cas_u32(w, &e, v + 1, CONC_SEQ_CST, CONC_SEQ_CST) ? 4 : e % 4);
            break;
        }
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool same_outcomes(const ex_scenario *sc, int b, ex_result *r0,
                          ex_result *r1, size_t *n)
{
    static uint64_t without[OUTCOMES];
    noutcomes = 0;
    outcome_overflow = false;
    *r0 = explore(sc, cfg_dfs_full(b, false));
    size_t n0 = noutcomes;
    memcpy(without, outcome_set, n0 * sizeof *without);
    qsort(without, n0, sizeof *without, cmp_u64);
    noutcomes = 0;
    *r1 = explore(sc, cfg_dfs_full(b, true));
    qsort(outcome_set, noutcomes, sizeof *outcome_set, cmp_u64);
    *n = n0;
    return !outcome_overflow && n0 == noutcomes &&
           memcmp(without, outcome_set, n0 * sizeof *without) == 0 &&
           r0->exhausted && r1->exhausted && r0->verdict == EX_PASS &&
           r1->verdict == EX_PASS;
}

static void test_sleep_bound(void)
{
    static const ex_scenario sc =
        TOY("sleep/outcomes", 3, run_outcomes, check_outcome, NULL);
    static uint64_t without[OUTCOMES];
    const char *env = getenv("EX_TEST_RANDOM_PROGRAMS");
    int nprog = env ? atoi(env) : 6;
    int bad = 0;
    uint64_t with_n = 0, without_n = 0;
    for (int k = 1; k <= nprog; k++) {
        toy_param tp = {.k = k};
        ex_scenario rs = TOY("sleep/random", 3, run_random, check_outcome, &tp);
        for (int b = 0; b <= 2; b++) {
            ex_result r0, r1;
            size_t n;
            if (!same_outcomes(&rs, b, &r0, &r1, &n)) {
                bad++;
                diag("random program %d, bound %d: %zu outcomes without sleep "
                     "sets, %zu with", k, b, n, noutcomes);
            }
            with_n += r1.executions + r1.redundant;
            without_n += r0.executions;
        }
    }
    ok(bad == 0, "%d random 3-thread programs, bounds 0-2: sleep sets meet "
                 "every outcome of the search without them (%llu executions "
                 "run, against %llu)", nprog, (unsigned long long)with_n,
       (unsigned long long)without_n);
    for (int b = 0; b <= 3; b++) {
        noutcomes = 0;
        outcome_overflow = false;
        ex_result r0 = explore(&sc, cfg_dfs_full(b, false));
        size_t n0 = noutcomes;
        memcpy(without, outcome_set, n0 * sizeof *without);
        qsort(without, n0, sizeof *without, cmp_u64);
        noutcomes = 0;
        ex_result r1 = explore(&sc, cfg_dfs_full(b, true));
        qsort(outcome_set, noutcomes, sizeof *outcome_set, cmp_u64);
        bool same = !outcome_overflow && n0 == noutcomes &&
                    memcmp(without, outcome_set, n0 * sizeof *without) == 0;
        OKR(same && r0.exhausted && r1.exhausted && r0.verdict == EX_PASS &&
                r1.verdict == EX_PASS,
            r1, "bound %d: sleep sets meet the %zu outcomes of the search "
                "without them (%llu executions + %llu redundant, against "
                "%llu)", b, n0, (unsigned long long)r1.executions,
            (unsigned long long)r1.redundant,
            (unsigned long long)r0.executions);
    }
}

/* ---- 11. livelock ------------------------------------------------------ */

/*
 * Two threads that each want the word to hold their own mark and stop
 * once they have read it twice in a row; a thread that finds another
 * mark writes its own again.  Alone, a thread ends in 3 steps.  In turns
 * of one step each (round robin, quantum 1) they overwrite each other for
 * ever: T0 reads 2 and writes 1, T1 reads 1 and writes 2, ...  Every
 * schedule with finitely many preemptions ends (after the last one the
 * holder runs alone), so the preemption-bounded DFS exhausts its space
 * without a failure and only the divergence check can see the livelock.
 * The polite twin stops when it reads any mark, its own twice or the
 * other's once (an earlier version that stopped on the other's mark only
 * at its first read livelocked under the unbounded DFS: the check found
 * it); it ends in every schedule, in at most 4 steps per thread.
 */
static void run_stubborn(void *ctx, int tid)
{
    toy *t = ctx;
    uint32_t mine = (uint32_t)tid + 1;
    for (;;) {
        if (conc_load_u32(&t->word, CONC_SEQ_CST) == mine &&
            conc_load_u32(&t->word, CONC_SEQ_CST) == mine)
            return;
        conc_store_u32(&t->word, mine, CONC_SEQ_CST);
    }
}

static void run_polite(void *ctx, int tid)
{
    toy *t = ctx;
    uint32_t mine = (uint32_t)tid + 1;
    for (;;) {
        uint32_t v = conc_load_u32(&t->word, CONC_SEQ_CST);
        if (v == mine)
            v = conc_load_u32(&t->word, CONC_SEQ_CST);
        if (v != 0) /* mine twice, or the other one's: let it have it */
            return;
        conc_store_u32(&t->word, mine, CONC_SEQ_CST);
    }
}

static const ex_scenario sc_stubborn =
    TOY("toy/stubborn", 2, run_stubborn, pass_check, NULL);
static const ex_scenario sc_polite =
    TOY("toy/polite", 2, run_polite, pass_check, NULL);

/*
 * A claim that is overtaken at every try, for the anchored turns: each
 * thread takes a ticket (a fetch-and-add on x), looks at a few words
 * (ticket % 3 + 1 loads of y, one loop: a turn of loop iterations ends
 * inside it), writes y on odd tickets (a turn of so many writes changes
 * length), and wins if x still reads its ticket + 1 (nobody claimed
 * after it); else it claims again.  A turn that ends right after each
 * claim keeps both overtaken for ever: T0 claims k, T1 claims k + 1,
 * T0 looks, reads k + 2, claims k + 2, ...  Its turns have different
 * lengths each round in steps, loop iterations and writes, so the
 * round-robin families of fixed quanta let a thread look and check
 * between two claims of the other, and it wins; the anchored turns
 * (anchor: the claim) keep it up.  The polite twin gives up after 3
 * lost claims (as the ring's MAX_MOVED bounds its looks): it ends under
 * every schedule.
 */
static void claim_loop(toy *t, int tries)
{
    for (int n = 0; tries < 0 || n < tries; n++) {
        uint32_t k = conc_fetch_add_u32(&t->x, 1, CONC_SEQ_CST);
        for (uint32_t i = 0; i <= k % 3; i++)
            (void)conc_load_u32(&t->y, CONC_SEQ_CST);
        if (conc_load_u32(&t->x, CONC_SEQ_CST) == k + 1)
            return;
        if (k % 5 < 2) { /* on some tickets: note it, and read it back */
            conc_store_u32(&t->y, k, CONC_SEQ_CST);
            for (int i = 0; i < 3; i++)
                (void)conc_load_u32(&t->flag, CONC_SEQ_CST);
        }
    }
}

static void run_overtaken(void *ctx, int tid)
{
    (void)tid;
    claim_loop(ctx, -1);
}

static void run_yielding(void *ctx, int tid)
{
    (void)tid;
    claim_loop(ctx, 3);
}

static const ex_scenario sc_overtaken =
    TOY("toy/overtaken", 2, run_overtaken, pass_check, NULL);
static const ex_scenario sc_yielding =
    TOY("toy/yielding", 2, run_yielding, pass_check, NULL);

static ex_config cfg_rr(int q)
{
    ex_config c = ex_config_default();
    c.mode = EX_RR;
    c.rr_quantum = q;
    c.max_execs = 0;
    c.max_seconds = 30;
    c.max_quiet = 1000;
    return c;
}

static void test_livelock(void)
{
    /* The DFS within bound 2: every schedule ends, none fails. */
    ex_result r = explore(&sc_stubborn, cfg_dfs(2, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "stubborn: DFS within bound 2 exhausts its space and passes "
        "(%llu executions): no bounded search sees the livelock",
        (unsigned long long)r.executions);

    /* The round-robin search: quantum 1 keeps them alternating. */
    r = explore(&sc_stubborn, cfg_rr(2));
    char sched[sizeof r.schedule];
    snprintf(sched, sizeof sched, "%s", r.schedule);
    OKR(r.verdict == EX_LIVELOCK && strstr(r.failure, "livelock") &&
            strstr(r.failure, "no operation completed in 1000 steps") &&
            r.first_failure_exec >= 1 && strchr("RIW", sched[0]),
        r, "stubborn: the round-robin search reports a LIVELOCK (no "
           "operation completed in 1000 steps) at execution %llu, schedule %s",
        (unsigned long long)r.first_failure_exec, sched);
    ok(report && strstr(report, "replay: CONC_SCHEDULE='toy/stubborn@") != NULL,
       "stubborn: the report prints the schedule to replay");

    /* Its schedule string replays the livelock. */
    ex_config c = cfg_replay(sched);
    c.max_quiet = 1000;
    r = explore(&sc_stubborn, c);
    OKR(r.verdict == EX_LIVELOCK, r, "stubborn: replaying %s: LIVELOCK again",
        sched);

    /* Without the quiet check, the step cap still calls it one. */
    c = cfg_rr(2);
    c.max_quiet = 0;
    c.max_steps = 3000;
    r = explore(&sc_stubborn, c);
    OKR(r.verdict == EX_LIVELOCK && strstr(r.failure, "within 3000 steps"), r,
        "stubborn: with max_quiet 0, max_steps 3000 reports it (%s)",
        r.failure);

    /* The polite twin: every round-robin schedule ends. */
    r = explore(&sc_polite, cfg_rr(8));
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions > 8 &&
            r.max_quiet < 20,
        r, "polite: every round-robin schedule up to quantum 8 ends "
           "(%llu schedules, at most %llu steps)",
        (unsigned long long)r.executions, (unsigned long long)r.max_quiet);
    r = explore(&sc_polite, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "polite: the unbounded DFS exhausts it and passes (%llu executions)",
        (unsigned long long)r.executions);

    /* The anchored turns: the overtaken claims livelock only there. */
    c = cfg_rr(8);
    r = explore(&sc_overtaken, c);
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "overtaken: every round-robin schedule up to quantum 8 ends "
        "(%llu schedules, at most %llu steps with none ending)",
        (unsigned long long)r.executions, (unsigned long long)r.max_quiet);
    c.rr_mixed = true;
    c.rr_quantum = 4;
    r = explore(&sc_overtaken, c);
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "overtaken: every per-thread vector of quanta up to 4 ends too "
        "(%llu schedules)", (unsigned long long)r.executions);
    c = cfg_rr(8);
    c.rr_random = 5000;
    r = explore(&sc_overtaken, c);
    OKR(r.verdict == EX_PASS, r,
        "overtaken: 5000 random round-robin schedules end (%llu)",
        (unsigned long long)r.executions);
    c = cfg_rr(8);
    c.rr_anchor = true;
    r = explore(&sc_overtaken, c);
    snprintf(sched, sizeof sched, "%s", r.schedule);
    OKR(r.verdict == EX_LIVELOCK && sched[0] == 'A' &&
            strstr(r.failure, "no operation completed in 1000 steps"),
        r, "overtaken: the anchored turns report a LIVELOCK at execution "
           "%llu, schedule %s", (unsigned long long)r.first_failure_exec,
        sched);
    c = cfg_replay(sched);
    c.max_quiet = 1000;
    r = explore(&sc_overtaken, c);
    OKR(r.verdict == EX_LIVELOCK, r, "overtaken: replaying %s: LIVELOCK again",
        sched);
    c = cfg_rr(8);
    c.rr_anchor = true;
    c.rr_mixed = true;
    r = explore(&sc_yielding, c);
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "yielding: every anchored schedule (every per-thread vector) ends "
        "(%llu schedules, at most %llu steps with none ending)",
        (unsigned long long)r.executions, (unsigned long long)r.max_quiet);
    r = explore(&sc_yielding, cfg_dfs(-1, true));
    OKR(r.verdict == EX_PASS && r.exhausted, r,
        "yielding: the unbounded DFS exhausts it and passes (%llu executions)",
        (unsigned long long)r.executions);

    /* A malformed round-robin schedule is an error, not a verdict. */
    c = cfg_replay("R1-1.9.ab");
    r = explore(&sc_polite, c);
    ok(r.verdict == EX_ERROR, "a round-robin schedule with a phase past its "
                              "cycle is refused");
}

/* ---- 13. a search below a schedule prefix ------------------------------ */

/*
 * The lost update under a prefix (ex_config.prefix), bound -1.  "a3": T0's
 * start, load and store, then the search: only T1 is left, one execution,
 * which passes, and the space below the prefix is exhausted.  "a2b": T0
 * preempted between its load and its store, T1 run to its end: the first
 * execution is the lost update.  "a2" alone: the search below T0's load
 * finds it too.  A prefix never changes: with "a3" the failing schedules
 * (T1 first) are not searched, so the pass there is the pass of that
 * subtree only.  A run with a site ('@' file ':' line) ends where its
 * thread's next step is at the site; every custom scenario's prefix must
 * fit the code it was written for (its thread reaches the site), which
 * this test checks on one execution of each: a prefix that stopped
 * fitting (the code moved) would search another subtree in silence.
 */
static void test_prefix(void)
{
    ex_config c = cfg_dfs_full(-1, true);
    c.prefix = "a3";
    ex_result r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_PASS && r.exhausted && r.executions == 1 &&
            !r.prefix_missed,
        r, "lost update below the serial prefix a3: one execution, passes, "
           "exhausted");
    c.prefix = "a2b";
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "x == 1") &&
            r.first_failure_exec == 1,
        r, "below a2b (T0 preempted between its load and store): the lost "
           "update at the first execution (%s)", r.failure);
    c.prefix = "a2";
    r = explore(&sc_lost_update, c);
    OKR(r.verdict == EX_FAIL && strstr(r.failure, "x == 1"), r,
        "below a2: the lost update (%s)", r.failure);

    static const char *const bad[] = {"x", "a0", "a@", "a@f.c", "a@f.c:0",
                                      "c", "ab@:3", "a-1"};
    expect_malformed(c, offsetof(ex_config, prefix), "prefix", "prefixes",
                     bad, sizeof bad / sizeof bad[0]);

    /* a site no step of T0 has: its run lasts to T0's end, reported, and
     * the search goes on below what the prefix made (here T0 then T1
     * serially: one execution, which passes) */
    c.prefix = "a@lfqueue.c:1b";
    r = explore(&sc_lost_update, c);
    OKR(r.prefix_missed && r.verdict == EX_PASS && r.executions == 1 &&
            strstr(report, "stopped before lfqueue.c:1"),
        r, "a site the thread never reaches: prefix_missed and said, the "
           "search goes on");

    bool all = true;
    int n = 0;
    for (size_t k = 0; k < sc_ncustom; k++) {
        if (!sc_custom[k].prefix)
            continue;
        n++;
        ex_config cs = cfg_dfs(2, true);
        cs.max_execs = 1;
        cs.prefix = sc_custom[k].prefix;
        r = explore(sc_custom[k].s, cs);
        all = check(!r.prefix_missed && r.verdict == EX_PASS,
                    "%s: prefix '%s' fits (%s%s)", sc_custom[k].s->name,
                    sc_custom[k].prefix, verdict_name(r.verdict),
                    r.prefix_missed ? ", a site missed" : "") && all;
        /* and it stops where it says: a site one line off misses */
        char off[128];
        const char *at = strrchr(sc_custom[k].prefix, '@');
        if (at) {
            const char *colon = strchr(at, ':');
            long line = strtol(colon + 1, NULL, 10);
            snprintf(off, sizeof off, "%.*s%ld%s",
                     (int)(colon + 1 - sc_custom[k].prefix),
                     sc_custom[k].prefix, line + 1000,
                     colon + 1 + strspn(colon + 1, "0123456789"));
            cs.prefix = off;
            r = explore(sc_custom[k].s, cs);
            all = check(r.prefix_missed, "%s: '%s' misses", sc_custom[k].s->name,
                        off) && all;
        }
    }
    check_group("every custom scenario's prefix fits the tree (%d prefixes)", n);
}

int main(void)
{
    tap_watchdog(300, "test_explorer"); /* a hang guard: TSan on a loaded machine takes ~3x */
    test_lost_update();
    test_counting();
    test_genmc();
    test_deadlock();
    test_replay();
    test_shrink();
    test_pct();
    test_timeout();
    test_spin();
    test_sleep_bound();
    test_livelock();
    test_processes();
    test_prefix();
    done_testing();
    free(report);
    return tap_exit();
}
