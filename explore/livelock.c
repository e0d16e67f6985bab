/*
 * livelock.c - the explorer's divergence search (see livelock.h and
 * docs/verification.md, "Livelock: the round-robin search").
 *
 * A livelock is an infinite execution in which threads keep taking steps
 * and no operation completes.  A stateless explorer cannot run an infinite
 * execution; like CHESS (Musuvathi & Qadeer, "Fair stateless model
 * checking", PLDI 2008), which reports a divergence when an execution runs
 * past a depth bound far beyond what a terminating program needs, and
 * loom ("max branches exceeded"), it calls an execution divergent when it
 * runs more steps than the program can need.  Two bounds, both checked in
 * every mode (explorer.c):
 *   - max_steps: the whole execution;
 *   - max_quiet: consecutive steps in which no operation completed (no
 *     ex_stamp step was taken and no thread ended): the definition of a
 *     livelock, the loss of lock-freedom's global progress.
 * Either is reported as a LIVELOCK (a failure, with the trace of its last
 * steps and a schedule string that replays it).
 *
 * A preemption-bounded DFS and PCT meet such executions only by accident:
 * an alternation livelock needs a context switch every round, without end,
 * and both spend few preemptions.  EX_RR runs the schedules that keep
 * every thread going: round robin, each thread in turn taking q steps of
 * its own (a blocked, spinning or finished thread's turn passes on), for
 * every quantum q in 1..Q, every cyclic order of the threads and every
 * phase (the step of the cycle the execution starts at, 0..n*q-1).  These
 * are the fair schedules of CHESS's sense in their most regular form: a
 * livelock of two threads that each undo the other's progress at a fixed
 * rhythm lives in one of them.  What it cannot find: a livelock that needs
 * an irregular schedule (different quanta per thread, or a pattern that
 * changes from round to round), one that needs a preemption at one exact
 * point and then round robin (a prefix), and one longer than the bounds
 * allow to be told from a long execution.
 */

#include "livelock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    bool on;
    int n, qmax;
    bool mixed;
    uint64_t norders;
    uint64_t space;     /* schedules in all */
    /* the iterator: stage (0: iteration quanta, one for all; 1: step
     * quanta, one for all; 2, 3: vectors of per-thread quanta, iterations
     * then steps), vector, order, phase */
    int it_stage;
    uint64_t it_v, it_o;
    int it_p;
    lv_rr cur;
    /* the turn: whose (index in order), steps or iterations used, and the
     * sites its current iteration has run */
    int turn, used;
    uint64_t seen[LV_SITES];
    int nseen;
} L;

static uint64_t factorial(int k)
{
    uint64_t f = 1;
    for (int i = 2; i <= k; i++)
        f *= (uint64_t)i;
    return f;
}

static uint64_t ipow(uint64_t b, int e)
{
    uint64_t r = 1;
    while (e-- > 0)
        r *= b;
    return r;
}

/* The k-th permutation (lexicographic) of 1..n-1 after a leading 0. */
static void nth_order(int n, uint64_t k, int8_t *order)
{
    int pool[EX_MAX_THREADS];
    int np = 0;
    for (int i = 1; i < n; i++)
        pool[np++] = i;
    order[0] = 0;
    for (int i = 1; i < n; i++) {
        uint64_t f = factorial(np - 1);
        int j = (int)(k / f);
        k %= f;
        order[i] = (int8_t)pool[j];
        memmove(pool + j, pool + j + 1, (size_t)(np - j - 1) * sizeof *pool);
        np--;
    }
}

/* Phases of a schedule: the steps of one cycle (step quanta), or which
 * thread's turn comes first (iteration quanta). */
static int phases(const lv_rr *r)
{
    int s = 0;
    for (int t = 0; t < r->n; t++)
        s += r->q[t];
    return s;
}

/* Stage st's vector v into r (false: v past the stage's end); stages 0
 * and 1 have one vector per quantum (q = v + 1, every thread), stages 2
 * and 3 every vector of per-thread quanta that is not uniform. */
static bool stage_vector(int st, uint64_t v, lv_rr *r, bool *skip)
{
    r->n = L.n;
    r->iter = st == 0 || st == 2;
    *skip = false;
    if (st < 2) {
        if (v >= (uint64_t)L.qmax)
            return false;
        for (int t = 0; t < L.n; t++)
            r->q[t] = (int)v + 1;
        return true;
    }
    if (v >= ipow((uint64_t)L.qmax, L.n))
        return false;
    bool uniform = true;
    for (int t = 0; t < L.n; t++) {
        r->q[t] = 1 + (int)(v % (uint64_t)L.qmax);
        v /= (uint64_t)L.qmax;
        uniform = uniform && r->q[t] == r->q[0];
    }
    *skip = uniform; /* stage 0 or 1 ran it */
    return true;
}

uint64_t lv_begin(int nthreads, const ex_config *c)
{
    memset(&L, 0, sizeof L);
    L.on = true;
    L.n = nthreads;
    L.qmax = c->rr_quantum > 0 ? c->rr_quantum : 1;
    L.mixed = c->rr_mixed;
    L.norders = factorial(nthreads - 1);
    for (int st = 0; st < (L.mixed ? 4 : 2); st++) {
        lv_rr r;
        bool skip;
        for (uint64_t v = 0; stage_vector(st, v, &r, &skip); v++)
            if (!skip)
                L.space += L.norders * (uint64_t)phases(&r);
    }
    return L.space;
}

bool lv_next(void)
{
    for (;;) {
        if (L.it_stage >= (L.mixed ? 4 : 2))
            return false;
        lv_rr r;
        memset(&r, 0, sizeof r);
        bool skip;
        if (!stage_vector(L.it_stage, L.it_v, &r, &skip)) {
            L.it_stage++;
            L.it_v = L.it_o = 0;
            L.it_p = 0;
            continue;
        }
        if (skip || L.it_o >= L.norders) {
            L.it_v++;
            L.it_o = 0;
            L.it_p = 0;
            continue;
        }
        if (L.it_p >= phases(&r)) {
            L.it_o++;
            L.it_p = 0;
            continue;
        }
        nth_order(L.n, L.it_o, r.order);
        r.phase = L.it_p++;
        L.cur = r;
        return true;
    }
}

bool lv_parse(const char *s, int nthreads)
{
    lv_rr r;
    memset(&r, 0, sizeof r);
    r.n = nthreads;
    if (*s != 'R' && *s != 'I')
        return false;
    r.iter = *s++ == 'I';
    char *end;
    for (int t = 0; t < nthreads; t++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1000000 ||
            *end != (t == nthreads - 1 ? '.' : '-'))
            return false;
        r.q[t] = (int)v;
        s = end + 1;
    }
    long ph = strtol(s, &end, 10);
    if (end == s || *end != '.' || ph < 0 || ph >= phases(&r))
        return false;
    r.phase = (int)ph;
    s = end + 1;
    unsigned seen = 0;
    int i = 0;
    for (; s[i]; i++) {
        int t = s[i] - 'a';
        if (i >= nthreads || t < 0 || t >= nthreads || (seen & (1u << t)))
            return false;
        seen |= 1u << t;
        r.order[i] = (int8_t)t;
    }
    if (i != nthreads)
        return false;
    memset(&L, 0, sizeof L);
    L.on = true;
    L.n = nthreads;
    L.cur = r;
    return true;
}

bool lv_on(void)
{
    return L.on;
}

void lv_off(void)
{
    L.on = false;
}

void lv_reset(void)
{
    if (!L.on || L.cur.n < 1)
        return;
    L.nseen = 0;
    /* the phase: that many steps of the cycle already taken */
    int p = L.cur.phase;
    L.turn = 0;
    while (p >= L.cur.q[L.cur.order[L.turn]]) {
        p -= L.cur.q[L.cur.order[L.turn]];
        L.turn++;
    }
    L.used = p;
}

/* Iteration quanta: may thread t, whose next step is at `site`, take it
 * in this turn?  An iteration ends when a step would come back to a site
 * the iteration already ran (a loop went round); the turn ends with the
 * q-th. */
static bool iter_goes_on(int t, uint64_t site)
{
    if (L.used >= L.cur.q[t])
        return false;
    for (int i = 0; i < L.nseen; i++)
        if (L.seen[i] == site)
            return false;
    if (L.nseen < LV_SITES)
        L.seen[L.nseen++] = site;
    return true;
}

int lv_pick(int cur, uint16_t m, uint16_t real, const uint64_t *site)
{
    (void)cur;
    uint16_t normal = m & 0x5555;
    if (!normal) /* only timeouts (or spurious wake-ups) can move */
        return __builtin_ctz(real ? real : m);
    for (int k = 0; k <= L.n; k++) {
        int t = L.cur.order[L.turn];
        if (normal & (1u << (2 * t))) {
            if (L.cur.iter ? iter_goes_on(t, site[t]) : L.used < L.cur.q[t]) {
                L.used++;
                return 2 * t;
            }
        }
        /* its quantum is spent, or it cannot move: the next one's turn */
        L.turn = (L.turn + 1) % L.n;
        L.used = 0;
        L.nseen = 0;
    }
    return __builtin_ctz(normal); /* not reached: some thread can move */
}

void lv_string(char *out, size_t size)
{
    size_t off = (size_t)snprintf(out, size, "%c", L.cur.iter ? 'I' : 'R');
    for (int t = 0; t < L.cur.n && off < size; t++)
        off += (size_t)snprintf(out + off, size - off, "%d%s", L.cur.q[t],
                                t == L.cur.n - 1 ? "." : "-");
    if (off < size)
        off += (size_t)snprintf(out + off, size - off, "%d.", L.cur.phase);
    for (int i = 0; i < L.cur.n && off + 1 < size; i++) {
        out[off++] = (char)('a' + L.cur.order[i]);
        out[off] = 0;
    }
}
