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
    bool anchor;        /* EX_RR with rr_anchor: the anchored turns only */
    uint64_t norders;
    uint64_t space;     /* schedules in all */
    /* the iterator: stage (0: iteration quanta, one for all; 1: step
     * quanta, one for all; 2: write quanta, one q:r for all (mixed: every
     * vector); 3, 4 (mixed): vectors of per-thread iteration, step quanta),
     * vector, order, phase */
    int it_stage;
    uint64_t it_v, it_o;
    int it_p;
    lv_rr cur;
    /* the turn: whose (index in order), steps or iterations used, and the
     * sites its current iteration has run */
    int turn, used;
    uint64_t seen[LV_SITES];
    int nseen;
    int writes, after; /* LV_WRITES: writes in this turn, steps since */
    int first_off[EX_MAX_THREADS]; /* ... writes of its first turn done */
    bool had_turn[EX_MAX_THREADS];
    uint64_t space_random; /* random schedules to draw (0: enumerate) */
    uint64_t random;   /* ... still to draw */
    uint64_t rng;      /* for drawing them */
    uint64_t prng;     /* the prefix's, from cur.pseed */
    int moves;         /* moves picked in this execution */
    /* LV_ANCHOR: per thread the distinct write keys it took, in order (the
     * first LV_AJ), and whether this turn has taken its anchor */
    uint64_t akeys[EX_MAX_THREADS][LV_AJ];
    int nkeys[EX_MAX_THREADS];
    bool anchored;
    bool parking;      /* this turn ends before the thread's first RMW */
} L;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

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
static int phases_of(const lv_rr *r, bool offsets)
{
    if (r->kind == LV_ANCHOR) /* whose turn comes first, and the set of */
        return r->n << r->n; /* threads parked at their first RMW */
    if (r->kind == LV_WRITES) {
        /* whose turn comes first, and (mixed) per thread the writes of its
         * first turn taken as done already (0..q-1) */
        int k = r->n;
        if (!offsets)
            return k;
        for (int t = 0; t < r->n; t++)
            k *= r->q[t];
        return k;
    }
    int s = 0;
    for (int t = 0; t < r->n; t++)
        s += r->q[t];
    return s;
}

static int phases(const lv_rr *r)
{
    return phases_of(r, L.mixed);
}

/* The stages of the enumeration: 0 iteration quanta, 1 step quanta, 2
 * write quanta (one for all; --rr-mixed: every vector), 3, 4 (mixed)
 * vectors of per-thread iteration, step quanta; ST_ANCHOR (--rr-anchor,
 * alone) every vector of anchored turns. */
#define ST_ANCHOR 5

static int stage_first(void)
{
    return L.anchor ? ST_ANCHOR : 0;
}

static int stage_end(void)
{
    return L.anchor ? ST_ANCHOR + 1 : L.mixed ? 5 : 3;
}

/* Pairs (q, r), q in 1.., r in 0..rmax, numbered v = (q - 1) * (rmax + 1)
 * + r: pair v for thread t ... */
static void pair_one(lv_rr *r, int t, uint64_t v, int rmax)
{
    r->q[t] = 1 + (int)(v / (uint64_t)(rmax + 1));
    r->r[t] = (int)(v % (uint64_t)(rmax + 1));
}

/* ... for every thread ... */
static void pair_all(lv_rr *r, uint64_t v, int rmax)
{
    for (int t = 0; t < L.n; t++)
        pair_one(r, t, v, rmax);
}

/* ... or the vector v of per-thread pairs (v < per^n, per pairs in all);
 * true if every thread got the same pair. */
static bool pair_vector(lv_rr *r, uint64_t v, uint64_t per, int rmax)
{
    bool uniform = true;
    for (int t = 0; t < L.n; t++) {
        pair_one(r, t, v % per, rmax);
        v /= per;
        uniform = uniform && r->q[t] == r->q[0] && r->r[t] == r->r[0];
    }
    return uniform;
}

/* Stage st's vector v into r (false: v past the stage's end); stages 0
 * and 1 have one vector per quantum (q = v + 1, every thread), stages 2
 * and 3 every vector of per-thread quanta that is not uniform. */
static bool stage_vector(int st, uint64_t v, lv_rr *r, bool *skip)
{
    r->n = L.n;
    r->kind = st == 0 || st == 3 ? LV_ITER : st == 2 ? LV_WRITES : LV_STEPS;
    *skip = false;
    if (st == ST_ANCHOR) {
        /* one anchor j in 1..LV_AJ and r in 0..LV_AR for every thread
         * (--rr-mixed: then every vector of per-thread ones) */
        const uint64_t per = (uint64_t)LV_AJ * (LV_AR + 1);
        r->kind = LV_ANCHOR;
        uint64_t all = L.mixed ? ipow(per, L.n) : 0; /* --rr-mixed */
        if (v >= per + all)
            return false;
        if (v < per) {
            pair_all(r, v, LV_AR);
            return true;
        }
        *skip = pair_vector(r, v - per, per, LV_AR); /* uniform: ran first */
        return true;
    }
    if (st == 2) {
        /* per thread q in 1..LV_WMAX writes, r in 0..LV_RMAX steps after */
        const uint64_t per = (uint64_t)LV_WMAX * (LV_RMAX + 1);
        if (!L.mixed) { /* one q:r for every thread */
            if (v >= per)
                return false;
            pair_all(r, v, LV_RMAX);
            return true;
        }
        if (v >= ipow(per, L.n))
            return false;
        pair_vector(r, v, per, LV_RMAX); /* every vector, uniform ones too */
        return true;
    }
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
    L.anchor = c->rr_anchor;
    L.norders = factorial(nthreads - 1);
    if (c->rr_random) {
        L.random = L.space = L.space_random = c->rr_random;
        L.rng = c->seed ? c->seed : 1;
        return L.space;
    }
    L.it_stage = stage_first();
    for (int st = stage_first(); st < stage_end(); st++) {
        lv_rr r;
        bool skip;
        for (uint64_t v = 0; stage_vector(st, v, &r, &skip); v++)
            if (!skip)
                L.space += L.norders * (uint64_t)phases(&r);
    }
    return L.space;
}

/* A random schedule: a random prefix, then a schedule of a random kind
 * with random quanta, order and phase. */
static void draw(void)
{
    lv_rr r;
    memset(&r, 0, sizeof r);
    r.n = L.n;
    r.kind = L.anchor ? LV_ANCHOR : (int)(splitmix(&L.rng) % 3);
    for (int t = 0; t < L.n; t++) {
        int qm = r.kind == LV_WRITES && L.qmax > LV_WMAX ? LV_WMAX : L.qmax;
        if (r.kind == LV_ANCHOR)
            qm = LV_AJ;
        r.q[t] = 1 + (int)(splitmix(&L.rng) % (uint64_t)qm);
        r.r[t] = r.kind == LV_WRITES ? (int)(splitmix(&L.rng) % (LV_RMAX + 1))
                 : r.kind == LV_ANCHOR ? (int)(splitmix(&L.rng) % (LV_AR + 1))
                                       : 0;
    }
    nth_order(L.n, splitmix(&L.rng) % L.norders, r.order);
    r.phase = (int)(splitmix(&L.rng) % (uint64_t)phases(&r));
    r.plen = (int)(splitmix(&L.rng) % (LV_PREFIX + 1));
    r.pseed = splitmix(&L.rng) | 1;
    L.cur = r;
}

bool lv_next(void)
{
    if (L.space_random) {
        if (L.random == 0)
            return false;
        L.random--;
        draw();
        return true;
    }
    for (;;) {
        if (L.it_stage >= stage_end())
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
    if (*s != 'R' && *s != 'I' && *s != 'W' && *s != 'A')
        return false;
    r.kind = *s == 'I' ? LV_ITER : *s == 'W' ? LV_WRITES
             : *s == 'A' ? LV_ANCHOR : LV_STEPS;
    s++;
    char *end;
    for (int t = 0; t < nthreads; t++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1000000)
            return false;
        r.q[t] = (int)v;
        s = end;
        if (r.kind == LV_WRITES || r.kind == LV_ANCHOR) {
            if (*s != ':')
                return false;
            v = strtol(++s, &end, 10);
            if (end == s || v < 0 || v > 1000000)
                return false;
            r.r[t] = (int)v;
            s = end;
        }
        if (*s != (t == nthreads - 1 ? '.' : '-'))
            return false;
        s++;
    }
    long ph = strtol(s, &end, 10);
    if (end == s || *end != '.' || ph < 0 || ph >= phases_of(&r, true))
        return false;
    r.phase = (int)ph;
    s = end + 1;
    unsigned seen = 0;
    int i = 0;
    for (; s[i] && s[i] != '/'; i++) {
        int t = s[i] - 'a';
        if (i >= nthreads || t < 0 || t >= nthreads || (seen & (1u << t)))
            return false;
        seen |= 1u << t;
        r.order[i] = (int8_t)t;
    }
    if (i < nthreads)
        return false;
    s += i;
    if (*s == '/') { /* a random prefix */
        long pl = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != '.' || pl < 0 || pl > 1000000)
            return false;
        s = end + 1;
        unsigned long long ps = strtoull(s, &end, 10);
        if (end == s || *end)
            return false;
        r.plen = (int)pl;
        r.pseed = ps;
    } else if (*s) {
        return false;
    }
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
    L.writes = L.after = 0;
    L.moves = 0;
    L.prng = L.cur.pseed;
    L.anchored = false;
    memset(L.nkeys, 0, sizeof L.nkeys);
    if (L.cur.kind == LV_ANCHOR) {
        L.turn = L.cur.phase % L.cur.n;
        L.used = 0;
        L.parking = false;
        for (int t = 0; t < L.cur.n; t++)
            L.had_turn[t] = false;
        return;
    }
    if (L.cur.kind == LV_WRITES) {
        int p = L.cur.phase;
        L.turn = p % L.cur.n;
        p /= L.cur.n;
        for (int t = 0; t < L.cur.n; t++) {
            L.first_off[t] = p % L.cur.q[t];
            p /= L.cur.q[t];
            L.had_turn[t] = false;
        }
        L.used = 0;
        return;
    }
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

/* Write quanta: may thread t take its pending step p in this turn?  The
 * steps before the turn's first write are bounded by LV_READS (a thread
 * reading in a loop without a SPIN point must still pass the turn on). */
static bool writes_go_on(int t, const lv_pending *p)
{
    if (!L.had_turn[t]) { /* its first turn: the phase's offset */
        L.had_turn[t] = true;
        L.writes = L.first_off[t];
    }
    if (p->write) {
        if (L.writes >= L.cur.q[t])
            return false;
        L.writes++;
        L.after = 0;
        return true;
    }
    if (L.writes ? L.after >= L.cur.r[t] : L.after >= LV_READS)
        return false;
    L.after++;
    return true;
}

/* Anchored turns: may thread t take its pending step p in this turn?
 * Its write keys are numbered in the order it first takes them; the
 * q[t]-th is its anchor (not known until taken: the step that takes a
 * new key as the q[t]-th is the anchor).  The turn runs up to and
 * including a step with the anchor, then at most r[t] steps that do not
 * write; a turn that meets no anchor in LV_ASTEPS steps passes on.  The
 * phase says whose turn comes first (phase % n) and which threads are
 * parked (bit t of phase / n): a parked thread's first turn runs up to
 * its first RMW and stops before it, its reads done, as an adversary
 * leaves a thread whose pending operation has read and not yet written. */
static bool anchor_goes_on(int t, const lv_pending *p)
{
    if (L.used == 0) { /* the turn starts: a parked thread's first turn? */
        L.parking = !L.had_turn[t] && ((L.cur.phase / L.cur.n) >> t & 1);
        L.had_turn[t] = true;
    }
    if (L.parking) /* up to its first RMW, not including it */
        return !p->key && L.used < LV_ASTEPS;
    if (L.anchored) {
        if (p->write || L.after >= L.cur.r[t])
            return false;
        L.after++;
        return true;
    }
    if (L.used >= LV_ASTEPS)
        return false;
    if (p->key) {
        int k = 0;
        while (k < L.nkeys[t] && L.akeys[t][k] != p->key)
            k++;
        if (k == L.nkeys[t] && k < LV_AJ)
            L.akeys[t][L.nkeys[t]++] = p->key;
        if (k + 1 == L.cur.q[t]) {
            L.anchored = true;
            L.after = 0;
        }
    }
    return true;
}

int lv_pick(int cur, uint16_t m, uint16_t real, const lv_pending *pd)
{
    (void)cur;
    uint16_t normal = m & 0x5555;
    if (!normal) /* only timeouts (or spurious wake-ups) can move */
        return __builtin_ctz(real ? real : m);
    if (L.moves++ < L.cur.plen) { /* the random prefix */
        int k = (int)(splitmix(&L.prng) % (uint64_t)__builtin_popcount(normal));
        for (int b = 0; b < 16; b++)
            if ((normal & (1u << b)) && k-- == 0)
                return b;
    }
    for (int k = 0; k <= L.n; k++) {
        int t = L.cur.order[L.turn];
        if (normal & (1u << (2 * t))) {
            bool go = L.cur.kind == LV_ITER     ? iter_goes_on(t, pd[t].site)
                      : L.cur.kind == LV_WRITES ? writes_go_on(t, &pd[t])
                      : L.cur.kind == LV_ANCHOR ? anchor_goes_on(t, &pd[t])
                                                : L.used < L.cur.q[t];
            if (go) {
                L.used++;
                return 2 * t;
            }
        }
        /* its quantum is spent, or it cannot move: the next one's turn */
        L.turn = (L.turn + 1) % L.n;
        L.used = 0;
        L.nseen = 0;
        L.writes = L.after = 0;
        L.anchored = false;
    }
    return __builtin_ctz(normal); /* not reached: some thread can move */
}

void lv_string(char *out, size_t size)
{
    size_t off = (size_t)snprintf(out, size, "%c", "RIWA"[L.cur.kind]);
    for (int t = 0; t < L.cur.n && off < size; t++) {
        off += (size_t)snprintf(out + off, size - off, "%d", L.cur.q[t]);
        if ((L.cur.kind == LV_WRITES || L.cur.kind == LV_ANCHOR) && off < size)
            off += (size_t)snprintf(out + off, size - off, ":%d", L.cur.r[t]);
        if (off < size)
            off += (size_t)snprintf(out + off, size - off, "%s",
                                    t == L.cur.n - 1 ? "." : "-");
    }
    if (off < size)
        off += (size_t)snprintf(out + off, size - off, "%d.", L.cur.phase);
    for (int i = 0; i < L.cur.n && off + 1 < size; i++) {
        out[off++] = (char)('a' + L.cur.order[i]);
        out[off] = 0;
    }
    if (L.cur.plen && off < size)
        snprintf(out + off, size - off, "/%d.%llu", L.cur.plen,
                 (unsigned long long)L.cur.pseed);
}
