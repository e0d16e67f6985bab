/*
 * weak.c - the weak-memory model of the explorer (weak.h).
 *
 * The model is RC11 (Lahav, Vafeiadis, Kang, Hur & Dreyer, "Repairing
 * sequential consistency in C/C++11", PLDI 2017), explored the way
 * GenMC's graphs are (Kokologiannakis, Lahav, Sagonas & Vafeiadis,
 * "Effective stateless model checking for C/C++ concurrency", POPL 2018):
 * an execution is a graph of events (loads, stores, read-modify-writes,
 * fences) with program order (po), reads-from (rf) and modification order
 * (mo, per location).  Events are added in the order the explorer runs
 * them, so every load reads a store already executed (po u rf acyclic:
 * no out-of-thin-air, and RC11 forbids load buffering), and each added
 * event is a choice:
 *
 *   - a load reads any store of its location that coherence allows: not
 *     one mo-before a store that an access happens-before the load has
 *     read or written (CoRR, CoWR);
 *   - a store takes any place in mo after every store that an access
 *     happens-before it has read or written (CoWW, CoRW), and not between
 *     a read-modify-write and the store it read (atomicity).  2+2W needs
 *     this: mo differs from the order the stores ran in;
 *   - a read-modify-write reads the mo-last store and goes last in mo
 *     (RC11 lets it read an older store and go right after it in mo:
 *     not modelled, documented); a weak compare-and-swap may fail
 *     spuriously (a choice, once per thread and execution); a failed
 *     compare-and-swap is a load: it may read any store coherence allows
 *     whose value is not the expected one;
 *   - a choice that makes psc cyclic is rejected (RC11's SC axiom, with
 *     psc_base over scb = sb ∪ sb|≠loc;hb;sb|≠loc ∪ hb|loc ∪ mo ∪ rb and
 *     psc_F = [F_sc];(hb ∪ hb;eco;hb);[F_sc]).
 * Option 0 is always the sequentially consistent one (the load reads the
 * mo-last store, the store goes last): adding such an event adds only
 * edges into it, so it never makes the graph inconsistent, and the first
 * execution of a DFS is the one the SC explorer runs.
 *
 * Happens-before is kept with vector clocks (as in CDSChecker, Norris &
 * Demsky, OOPSLA 2013, and tsan11, Lidbury & Donaldson, PLDI 2017): each
 * store carries a message clock, the release it carries: its own clock if
 * it is a release, else the thread's clock at its last release fence
 * joined with its last release store to the same location (a release
 * sequence's sb|loc part); a read-modify-write joins the message of the
 * store it reads (release sequences continue through RMWs).  An acquire
 * load joins the message; a relaxed load keeps it for the thread's next
 * acquire fence.  Mutexes, futex wake -> the woken, ex_stamp, a thread's
 * start (every location's first store, taken from real memory, happens
 * before everything) synchronise as they do in reality; everything
 * happens before the scenario's check, which reads real memory: after
 * every modelled store real memory holds the mo-last value.
 *
 * Bounds: a location keeps its last WK_HIST stores in mo (an older one can
 * no longer be read).  A location whose real memory differs from its
 * mo-last value (a node freed and made again), or that conc_init_* makes
 * anew, starts a new history.
 */
#include "weak.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer.h"

#define WK_HIST 8
#define WK_T (EX_MAX_THREADS + 1) /* thread WK_INIT: the initial stores */
#define WK_INIT EX_MAX_THREADS

typedef struct vclk {
    uint32_t c[WK_T];
} vclk;

enum { E_R, E_W, E_U, E_F };

typedef struct wk_ev {
    int8_t thr;
    uint8_t kind;
    bool sc;
    int loc;     /* -1: a fence */
    int rs, ws;  /* the store read, the store written (-1: none) */
    uint32_t ts;
    int next;    /* the thread's next event (-1: none yet) */
    int prev;
    vclk vc;     /* the thread's clock at this event */
} wk_ev;

typedef struct wk_store {
    int loc;
    uint64_t val;
    int ev;      /* -1: the initial store */
    bool rmw;
    int rank;    /* place in the location's mo (-1: dropped) */
    vclk msg;
} wk_store;

typedef struct wk_loc {
    const void *addr;
    unsigned width;
    int mo[WK_HIST];
    int nmo;
    int *evs;
    int nev, capev;
    vclk relw[WK_T];    /* per thread: its last release store here */
    int floor_st[WK_T]; /* per thread: a store it has seen by spinning */
} wk_loc;

typedef struct wk_thr {
    vclk vc, relf, acqp;
    int last;        /* its last event */
    int first_scf;   /* ts of its first SC fence (0: none) */
    int spurious;    /* spurious CAS failures left */
} wk_thr;

typedef struct wk_sync {
    const void *addr;
    vclk c;
} wk_sync;

#define WK_SYNCS 1024
#define WK_ADDRS 4096

static struct {
    int n, flaw;
    wk_choose_fn choose;
    wk_thr thr[WK_T];
    wk_ev *ev;
    int nev, capev;
    wk_store *st;
    int nst, capst;
    wk_loc *loc;
    int nloc, caploc;
    struct { const void *a; int loc; } tab[WK_ADDRS];
    wk_sync sync[WK_SYNCS];
    int nsync;
    vclk stamp;
    int *scev;
    int nsc, capsc;
    wk_stats stats;
} W;

static void psc_reset(void);
static bool needs_psc(int t, bool sc);

static void *wk_grow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return p;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(p, (size_t)nc * elem);
    if (!q) {
        fprintf(stderr, "conc-explore: out of memory\n");
        abort(); /* the explorer itself, not the library under test */
    }
    *cap = nc;
    return q;
}

static void join(vclk *a, const vclk *b)
{
    for (int i = 0; i < WK_T; i++)
        if (b->c[i] > a->c[i])
            a->c[i] = b->c[i];
}

static bool is_acq(int mo)
{
    return mo == memory_order_consume || mo == memory_order_acquire ||
           mo == memory_order_acq_rel || mo == memory_order_seq_cst;
}

static bool is_rel(int mo)
{
    return mo == memory_order_release || mo == memory_order_acq_rel ||
           mo == memory_order_seq_cst;
}

static bool is_sc(int mo)
{
    return mo == memory_order_seq_cst && W.flaw != WK_FLAW_SC_ACQREL;
}

/* ---- real memory -------------------------------------------------------- */

static uint64_t mem_read(const void *a, unsigned w)
{
    if (w == 4)
        return atomic_load_explicit((_Atomic uint32_t *)a, memory_order_relaxed);
    return atomic_load_explicit((_Atomic uint64_t *)a, memory_order_relaxed);
}

static void mem_write(const void *a, unsigned w, uint64_t v)
{
    if (w == 4)
        atomic_store_explicit((_Atomic uint32_t *)a, (uint32_t)v,
                              memory_order_relaxed);
    else
        atomic_store_explicit((_Atomic uint64_t *)a, v, memory_order_relaxed);
}

static uint64_t mask_w(uint64_t v, unsigned w)
{
    return w == 4 ? (v & 0xffffffffu) : v;
}

/* ---- setup -------------------------------------------------------------- */

void wk_reset(int nthreads, int flaw, wk_choose_fn choose)
{
    for (int i = 0; i < W.nloc; i++)
        free(W.loc[i].evs);
    W.nloc = 0;
    W.n = nthreads;
    W.flaw = flaw;
    W.choose = choose;
    W.nev = W.nst = W.nsc = W.nsync = 0;
    psc_reset();
    memset(W.tab, 0, sizeof W.tab);
    memset(&W.stamp, 0, sizeof W.stamp);
    for (int t = 0; t < WK_T; t++) {
        wk_thr *th = &W.thr[t];
        memset(th, 0, sizeof *th);
        th->last = -1;
        th->spurious = 1;
        /* the initial stores happen before everything */
        th->vc.c[WK_INIT] = 1;
    }
}

void wk_stats_reset(void)
{
    memset(&W.stats, 0, sizeof W.stats);
}

wk_stats wk_stats_get(void)
{
    return W.stats;
}

static size_t tab_slot(const void *a)
{
    size_t h = ((uintptr_t)a >> 2) * 0x9E3779B97F4A7C15ull >> 52;
    for (size_t k = 0; k < WK_ADDRS; k++) {
        size_t i = (h + k) & (WK_ADDRS - 1);
        if (W.tab[i].a == a || !W.tab[i].a)
            return i;
    }
    fprintf(stderr, "conc-explore: weak mode: more than %d locations\n", WK_ADDRS);
    abort();
}

static int new_store(int loc, uint64_t val, int ev, bool rmw)
{
    W.st = wk_grow(W.st, &W.capst, W.nst + 1, sizeof *W.st);
    wk_store *s = &W.st[W.nst];
    memset(s, 0, sizeof *s);
    s->loc = loc;
    s->val = val;
    s->ev = ev;
    s->rmw = rmw;
    s->rank = -1;
    return W.nst++;
}

/* A new history for addr, its first store the value in real memory. */
static int new_loc(const void *a, unsigned w)
{
    W.loc = wk_grow(W.loc, &W.caploc, W.nloc + 1, sizeof *W.loc);
    int id = W.nloc++;
    wk_loc *l = &W.loc[id];
    memset(l, 0, sizeof *l);
    l->addr = a;
    l->width = w;
    for (int t = 0; t < WK_T; t++)
        l->floor_st[t] = -1;
    int s = new_store(id, mem_read(a, w), -1, false);
    l->mo[0] = s;
    l->nmo = 1;
    W.st[s].rank = 0;
    size_t i = tab_slot(a);
    W.tab[i].a = a;
    W.tab[i].loc = id;
    return id;
}

static int get_loc(const void *a, unsigned w)
{
    size_t i = tab_slot(a);
    if (!W.tab[i].a)
        return new_loc(a, w);
    int id = W.tab[i].loc;
    wk_loc *l = &W.loc[id];
    /* made anew behind the model's back (plain initialisation of reused
     * memory), or used at another width: a new history */
    if (l->width != w || mem_read(a, w) != W.st[l->mo[l->nmo - 1]].val)
        return new_loc(a, w);
    return id;
}

static void do_store(int t, int loc, int mo, uint64_t val);

void wk_init(int t, const void *addr, unsigned width)
{
    size_t i = tab_slot(addr);
    if (t < 0) {
        if (W.tab[i].a)
            new_loc(addr, W.loc[W.tab[i].loc].width);
        return;
    }
    /* Made by a running thread: the new value is a relaxed store of that
     * thread, after a first store that holds what the word held before
     * (the mo-last value the model knew there, or 0 for a word it never
     * saw: fresh memory).  A thread that reads the word without
     * happening after the init may read that older value, as on a weak
     * machine; in a race-free program none does (atomic_init is not
     * atomic), so no correct program can fail for it. */
    uint64_t v = mem_read(addr, width);
    uint64_t before = 0;
    if (W.tab[i].a) {
        const wk_loc *l = &W.loc[W.tab[i].loc];
        if (l->width == width)
            before = W.st[l->mo[l->nmo - 1]].val;
    }
    mem_write(addr, width, before);
    int loc = new_loc(addr, width);
    do_store(t, loc, memory_order_relaxed, v);
}

/* ---- events ------------------------------------------------------------- */

static int new_event(int t, int kind, bool sc, int loc)
{
    W.ev = wk_grow(W.ev, &W.capev, W.nev + 1, sizeof *W.ev);
    int id = W.nev++;
    wk_ev *e = &W.ev[id];
    wk_thr *th = &W.thr[t];
    th->vc.c[t]++;
    e->thr = (int8_t)t;
    e->kind = (uint8_t)kind;
    e->sc = sc;
    e->loc = loc;
    e->rs = e->ws = -1;
    e->ts = th->vc.c[t];
    e->next = -1;
    e->prev = th->last;
    if (th->last >= 0)
        W.ev[th->last].next = id;
    th->last = id;
    e->vc = th->vc;
    if (loc >= 0) {
        wk_loc *l = &W.loc[loc];
        l->evs = wk_grow(l->evs, &l->capev, l->nev + 1, sizeof *l->evs);
        l->evs[l->nev++] = id;
    }
    if (sc) {
        W.scev = wk_grow(W.scev, &W.capsc, W.nsc + 1, sizeof *W.scev);
        W.scev[W.nsc++] = id;
    }
    return id;
}

/* Undo the last event (a tentative one). */
static void drop_event(int id)
{
    wk_ev *e = &W.ev[id];
    wk_thr *th = &W.thr[e->thr];
    th->last = e->prev;
    if (e->prev >= 0)
        W.ev[e->prev].next = -1;
    th->vc.c[e->thr]--;
    if (e->loc >= 0)
        W.loc[e->loc].nev--;
    if (e->sc)
        W.nsc--;
    W.nev--;
}

/* a happens before b (events) */
static bool hb(const wk_ev *a, const wk_ev *b)
{
    if (a == b)
        return false;
    return a->ts <= b->vc.c[a->thr];
}

static int rank_of(int s)
{
    return s >= 0 ? W.st[s].rank : -1;
}

/* The key of an access on its location: x eco y iff key(x) < key(y). */
static int key_of(const wk_ev *e)
{
    if (e->ws >= 0)
        return 2 * rank_of(e->ws);
    return 2 * rank_of(e->rs) + 1;
}

/* The lowest rank an access of thread t may touch at loc now: a store
 * below it is mo-before a store that something hb-before t touched. */
static int floor_of(int t, int loc)
{
    const wk_loc *l = &W.loc[loc];
    const vclk *v = &W.thr[t].vc;
    int f = 0;
    if (l->floor_st[t] >= 0 && rank_of(l->floor_st[t]) > f)
        f = rank_of(l->floor_st[t]);
    for (int i = 0; i < l->nev; i++) {
        const wk_ev *e = &W.ev[l->evs[i]];
        if (e->ts > v->c[e->thr])
            continue;
        int r = rank_of(e->ws >= 0 ? e->ws : e->rs);
        if (r > f)
            f = r;
    }
    return f;
}

/* ---- psc ---------------------------------------------------------------- */

/* scb-ish edges into access b from the set {x: a hb x} (a a fence) */
static bool fence_to_access(const wk_ev *a, const wk_ev *b)
{
    /* sb (and sb|≠loc;hb;sb|≠loc): a hb? the event before b */
    if (b->prev >= 0) {
        const wk_ev *p = &W.ev[b->prev];
        if (p == a || hb(a, p))
            return true;
    }
    const wk_loc *l = &W.loc[b->loc];
    int kb = b->ws >= 0 ? 2 * rank_of(b->ws) : -1000000;
    for (int i = 0; i < l->nev; i++) {
        const wk_ev *x = &W.ev[l->evs[i]];
        if (x == b || !hb(a, x))
            continue;
        if (hb(x, b))
            return true; /* hb|loc */
        if (b->ws >= 0 && key_of(x) < kb)
            return true; /* mo, rb */
    }
    return false;
}

/* edges from access a into the set {y: y hb b} (b a fence) */
static bool access_to_fence(const wk_ev *a, const wk_ev *b)
{
    if (a->next >= 0) {
        const wk_ev *s = &W.ev[a->next];
        if (s == b || hb(s, b))
            return true;
    }
    const wk_loc *l = &W.loc[a->loc];
    int ka = key_of(a);
    for (int i = 0; i < l->nev; i++) {
        const wk_ev *y = &W.ev[l->evs[i]];
        if (y == a || !hb(y, b))
            continue;
        if (hb(a, y))
            return true;
        if (y->ws >= 0 && ka < 2 * rank_of(y->ws))
            return true;
    }
    return false;
}

static bool fence_to_fence(const wk_ev *a, const wk_ev *b)
{
    if (hb(a, b))
        return true;
    /* a hb x eco y hb b, per location */
    for (int li = 0; li < W.nloc; li++) {
        const wk_loc *l = &W.loc[li];
        int lo = 1 << 30, hi = -(1 << 30);
        for (int i = 0; i < l->nev; i++) {
            const wk_ev *x = &W.ev[l->evs[i]];
            int k = key_of(x);
            if (hb(a, x) && k < lo)
                lo = k;
            if (hb(x, b) && k > hi)
                hi = k;
        }
        if (lo < hi)
            return true;
    }
    return false;
}

static bool access_to_access(const wk_ev *a, const wk_ev *b)
{
    if (a->thr == b->thr)
        return a->ts < b->ts; /* sb */
    if (a->loc == b->loc) {
        if (hb(a, b))
            return true;
        if (b->ws >= 0 && key_of(a) < 2 * rank_of(b->ws))
            return true; /* mo, rb */
        return false;
    }
    if (!hb(a, b))
        return false;
    /* sb|≠loc;hb;sb|≠loc: the first event after a at another location,
     * the last before b at another location */
    int c = a->next;
    while (c >= 0 && W.ev[c].loc == a->loc)
        c = W.ev[c].next;
    int d = b->prev;
    while (d >= 0 && W.ev[d].loc == b->loc)
        d = W.ev[d].prev;
    if (c < 0 || d < 0)
        return false;
    return c == d || hb(&W.ev[c], &W.ev[d]);
}

static bool psc_edge(const wk_ev *a, const wk_ev *b)
{
    bool fa = a->kind == E_F, fb = b->kind == E_F;
    if (fa && fb)
        return fence_to_fence(a, b);
    if (fa)
        return fence_to_access(a, b);
    if (fb)
        return access_to_fence(a, b);
    return access_to_access(a, b);
}

/* The psc graph of the committed events, kept across the execution
 * (acyclic), as bitsets: succ[i] the SC events (by their place in scev)
 * that SC event i is psc-before.  Adding an event e changes it in two ways
 * only: e's own edges if it is SC (in: psc(a, e); out: psc(e, b)), and
 * edges a -> b between old events whose witness is e (a an SC fence that
 * happens before e: e is in a's hb-future, and e scb y or (b a fence)
 * e eco y, y hb? b); old edges never go (mo among old stores, hb among
 * old events do not change).  So a cycle through a new edge is a path
 * from e's out-set to its in-set, for e itself and for "e as a witness":
 * one reachability search each, instead of the whole graph again. */
#define WK_SCMAX 4096
#define WK_W (WK_SCMAX / 64)
typedef uint64_t wk_bits[WK_W];
static wk_bits *succ;
static int ncommit;

static void bit_set(uint64_t *b, int i)
{
    b[i >> 6] |= 1ull << (i & 63);
}

static bool bit_get(const uint64_t *b, int i)
{
    return (b[i >> 6] >> (i & 63)) & 1u;
}

/* does anything reachable from `from` (inclusive) lie in `to`? */
static bool reaches(const uint64_t *from, const uint64_t *to, int k)
{
    static int stack[WK_SCMAX];
    wk_bits seen;
    int words = (k + 63) / 64, sp = 0;
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < k; i++)
        if (bit_get(from, i)) {
            bit_set(seen, i);
            stack[sp++] = i;
        }
    while (sp > 0) {
        int i = stack[--sp];
        if (bit_get(to, i))
            return true;
        for (int w = 0; w < words; w++) {
            uint64_t nw = succ[i][w] & ~seen[w];
            while (nw) {
                int j = w * 64 + __builtin_ctzll(nw);
                nw &= nw - 1;
                seen[j >> 6] |= 1ull << (j & 63);
                stack[sp++] = j;
            }
        }
    }
    return false;
}

typedef struct wk_new_edges {
    wk_bits in, out;   /* e itself (SC): psc(a, e), psc(e, b) */
    wk_bits win, wout; /* e as a witness: fences a hb e; the b it reaches */
    bool any_w;
} wk_new_edges;

/* The new edges of event id (the last one added), over committed SC
 * events 0..ncommit-1. */
static void new_edges(int id, wk_new_edges *ne)
{
    const wk_ev *e = &W.ev[id];
    bool acc = e->kind != E_F;
    int k = ncommit;
    memset(ne, 0, sizeof *ne);
    for (int i = 0; i < k; i++) {
        const wk_ev *a = &W.ev[W.scev[i]];
        if (e->sc) {
            if (psc_edge(a, e))
                bit_set(ne->in, i);
            if (acc && psc_edge(e, a))
                bit_set(ne->out, i);
        }
        if (acc && a->kind == E_F && hb(a, e)) {
            bit_set(ne->win, i);
            ne->any_w = true;
        }
    }
    if (!ne->any_w)
        return;
    int ke = key_of(e);
    const wk_loc *l = &W.loc[e->loc];
    for (int i = 0; i < k; i++) {
        const wk_ev *b = &W.ev[W.scev[i]];
        if (b->kind != E_F) {
            /* scb(e, b): mo or rb (e is new: no sb, hb from it) */
            if (b->loc == e->loc && b->ws >= 0 && ke < 2 * rank_of(b->ws))
                bit_set(ne->wout, i);
            continue;
        }
        /* psc_F: e eco y, y hb b */
        for (int j = 0; j < l->nev; j++) {
            const wk_ev *y = &W.ev[l->evs[j]];
            if (y != e && ke < key_of(y) && hb(y, b)) {
                bit_set(ne->wout, i);
                break;
            }
        }
    }
}

/* Would the tentative event id keep psc acyclic? */
static bool psc_ok(int id)
{
    wk_new_edges ne;
    W.stats.psc_checks++;
    if (ncommit >= WK_SCMAX - 1)
        return false; /* too big to tell: only the SC option */
    new_edges(id, &ne);
    bool ok = true;
    if (W.ev[id].sc && reaches(ne.out, ne.in, ncommit))
        ok = false;
    if (ok && ne.any_w && reaches(ne.wout, ne.win, ncommit))
        ok = false;
    if (!ok)
        W.stats.psc_rejects++;
    return ok;
}

/* Event id is part of the execution now. */
static void psc_commit(int id)
{
    const wk_ev *e = &W.ev[id];
    if (!e->sc && (e->kind == E_F || !needs_psc(e->thr, false)))
        return;
    if (ncommit >= WK_SCMAX - 1)
        return;
    wk_new_edges ne;
    new_edges(id, &ne);
    if (ne.any_w)
        for (int i = 0; i < ncommit; i++)
            if (bit_get(ne.win, i))
                for (int w = 0; w < WK_W; w++)
                    succ[i][w] |= ne.wout[w];
    if (e->sc) {
        int n = ncommit;
        memcpy(succ[n], ne.out, sizeof(wk_bits));
        for (int i = 0; i < n; i++)
            if (bit_get(ne.in, i))
                bit_set(succ[i], n);
        ncommit++;
    }
}

static void psc_reset(void)
{
    if (!succ) {
        succ = calloc(WK_SCMAX, sizeof *succ);
        if (!succ)
            abort();
    } else {
        memset(succ, 0, (size_t)ncommit * sizeof *succ);
    }
    ncommit = 0;
}

/* Must an option of thread t's new event (SC or not) be checked?  Only
 * an SC event, or one after an SC fence in hb, adds psc edges. */
static bool needs_psc(int t, bool sc)
{
    if (W.flaw == WK_FLAW_SC_ACQREL)
        return false;
    if (sc)
        return true;
    const vclk *v = &W.thr[t].vc;
    for (int u = 0; u < W.n; u++)
        if (W.thr[u].first_scf && (uint32_t)W.thr[u].first_scf <= v->c[u])
            return true;
    return false;
}

/* ---- the operations ----------------------------------------------------- */

static void set_mem_last(int loc)
{
    const wk_loc *l = &W.loc[loc];
    mem_write(l->addr, l->width, W.st[l->mo[l->nmo - 1]].val);
}

/* thread t reads store s (an acquire or not) */
static void read_sync(int t, int s, int mo)
{
    if (is_acq(mo))
        join(&W.thr[t].vc, &W.st[s].msg);
    else
        join(&W.thr[t].acqp, &W.st[s].msg);
}

/* Which of the candidate stores cand[0..nc-1] (cand[0] the mo-last, the
 * SC option) a read of loc by t with order mo takes: the choice among
 * those that keep psc acyclic.  Returns the index. */
static int pick_read(int t, int loc, int mo, const int *cand, int nc)
{
    bool sc = is_sc(mo);
    uint16_t mask = 1;
    bool chk = nc > 1 && needs_psc(t, sc);
    for (int i = 1; i < nc; i++) {
        if (chk) {
            /* tentatively: with the synchronisation it would bring */
            vclk vc = W.thr[t].vc, acqp = W.thr[t].acqp;
            read_sync(t, cand[i], mo);
            int id = new_event(t, E_R, sc, loc);
            W.ev[id].rs = cand[i];
            bool ok = psc_ok(id);
            drop_event(id);
            W.thr[t].vc = vc;
            W.thr[t].acqp = acqp;
            if (!ok)
                continue;
        }
        mask |= (uint16_t)(1u << i);
    }
    int pick = 0;
    if (mask != 1) {
        W.stats.rf_choices++;
        pick = W.choose(mask);
        if (pick < 0 || pick >= nc || !(mask & (1u << pick)))
            pick = 0;
    }
    return pick;
}

/* Thread t's read event of store s (a load, a failed compare-and-swap). */
static void add_read(int t, int loc, int mo, int s)
{
    /* the clock first: an acquire load's own clock includes what it got */
    read_sync(t, s, mo);
    int id = new_event(t, E_R, is_sc(mo), loc);
    W.ev[id].rs = s;
    psc_commit(id);
}

/* A load of loc by t: returns the store read. */
static int do_load(int t, int loc, int mo, bool *stale)
{
    wk_loc *l = &W.loc[loc];
    int f = floor_of(t, loc);
    int cand[WK_HIST], nc = 0;
    for (int r = l->nmo - 1; r >= f; r--)
        cand[nc++] = l->mo[r];
    if (W.flaw == WK_FLAW_SC_ONLY)
        nc = 1;
    int pick = pick_read(t, loc, mo, cand, nc);
    int s = cand[pick];
    *stale = pick != 0;
    add_read(t, loc, mo, s);
    return s;
}

/* The message a store of t at loc carries (after t's clock is advanced). */
static vclk store_msg(int t, int loc, int mo)
{
    vclk m;
    if (is_rel(mo)) {
        m = W.thr[t].vc;
        W.loc[loc].relw[t] = m;
    } else {
        m = W.thr[t].relf;
        join(&m, &W.loc[loc].relw[t]);
    }
    return m;
}

static void insert_mo(int loc, int s, int pos)
{
    wk_loc *l = &W.loc[loc];
    for (int i = l->nmo; i > pos; i--) {
        l->mo[i] = l->mo[i - 1];
        W.st[l->mo[i]].rank = i;
    }
    l->mo[pos] = s;
    W.st[s].rank = pos;
    l->nmo++;
}

static void remove_mo(int loc, int pos)
{
    wk_loc *l = &W.loc[loc];
    W.st[l->mo[pos]].rank = -1;
    for (int i = pos; i + 1 < l->nmo; i++) {
        l->mo[i] = l->mo[i + 1];
        W.st[l->mo[i]].rank = i;
    }
    l->nmo--;
}

/* Room for one more store: the oldest is dropped. */
static void make_room(int loc)
{
    if (W.loc[loc].nmo == WK_HIST)
        remove_mo(loc, 0);
}

static void do_store(int t, int loc, int mo, uint64_t val)
{
    wk_loc *l = &W.loc[loc];
    make_room(loc);
    int f = floor_of(t, loc);
    /* positions: nmo (last) first, then down to f + 1, not right before
     * an RMW (it must follow the store it read) */
    int pos[WK_HIST + 1], np = 0;
    pos[np++] = l->nmo;
    if (W.flaw != WK_FLAW_SC_ONLY)
        for (int p = l->nmo - 1; p >= f + 1; p--)
            if (!W.st[l->mo[p]].rmw)
                pos[np++] = p;
    bool sc = is_sc(mo);
    W.thr[t].vc.c[t]++;
    vclk msg = store_msg(t, loc, mo);
    W.thr[t].vc.c[t]--;
    int s = new_store(loc, val, -1, false);
    W.st[s].msg = msg;
    uint16_t mask = 1;
    bool chk = np > 1 && needs_psc(t, sc);
    for (int i = 1; i < np; i++) {
        if (chk) {
            int id = new_event(t, E_W, sc, loc);
            W.ev[id].ws = s;
            insert_mo(loc, s, pos[i]);
            bool ok = psc_ok(id);
            remove_mo(loc, pos[i]);
            drop_event(id);
            if (!ok)
                continue;
        }
        mask |= (uint16_t)(1u << i);
    }
    int pick = 0;
    if (mask != 1) {
        W.stats.mo_choices++;
        pick = W.choose(mask);
        if (pick < 0 || pick >= np || !(mask & (1u << pick)))
            pick = 0;
    }
    int id = new_event(t, E_W, sc, loc);
    W.ev[id].ws = s;
    W.st[s].ev = id;
    insert_mo(loc, s, pos[pick]);
    psc_commit(id);
    set_mem_last(loc);
}

static uint64_t rmw_value(int op, uint64_t old, uint64_t v, unsigned w)
{
    switch (op) {
    case CONC_RMW_XCHG: return mask_w(v, w);
    case CONC_RMW_CAS:
    case CONC_RMW_CAS_WEAK: return mask_w(v, w);
    case CONC_RMW_ADD: return mask_w(old + v, w);
    case CONC_RMW_SUB: return mask_w(old - v, w);
    case CONC_RMW_OR: return mask_w(old | v, w);
    case CONC_RMW_AND: return mask_w(old & v, w);
    default: return old;
    }
}

bool wk_access(int t, conc_point *p)
{
    int loc = get_loc(p->addr, p->width);
    wk_loc *l = &W.loc[loc];
    bool stale = false;
    p->handled = true;
    p->ok = true;
    switch (p->kind) {
    case CONC_POINT_LOAD: {
        int s = do_load(t, loc, p->mo, &stale);
        p->result = W.st[s].val;
        break;
    }
    case CONC_POINT_STORE:
        do_store(t, loc, p->mo, mask_w(p->operand, p->width));
        p->result = 0;
        break;
    case CONC_POINT_RMW: {
        int last = l->mo[l->nmo - 1];
        uint64_t old = W.st[last].val;
        bool cas = p->rmw == CONC_RMW_CAS || p->rmw == CONC_RMW_CAS_WEAK;
        uint64_t exp = mask_w(p->expected, p->width);
        bool fail = cas && old != exp;
        int rd = last; /* the store a failed CAS reads */
        if (cas && W.flaw != WK_FLAW_SC_ONLY) {
            /* A failed compare-and-swap is a load (with the failure
             * order): it may read any store coherence allows whose value
             * is not the expected one.  Option 0: what the SC explorer
             * does (succeed on the last store if it matches, else fail
             * reading it); option i > 0: fail reading an older store. */
            int f = floor_of(t, loc);
            int cand[WK_HIST], nc = 0;
            cand[nc++] = last;
            for (int r = l->nmo - 2; r >= f; r--)
                if (W.st[l->mo[r]].val != exp)
                    cand[nc++] = l->mo[r];
            int pick = pick_read(t, loc, p->mo_fail, cand, nc);
            if (pick > 0) {
                fail = true;
                rd = cand[pick];
                stale = true;
            }
        }
        if (cas && !fail && p->rmw == CONC_RMW_CAS_WEAK &&
            W.flaw != WK_FLAW_SC_ONLY && W.thr[t].spurious > 0) {
            /* a weak CAS may fail although the value matched */
            if (W.choose(3) == 1) {
                W.thr[t].spurious--;
                fail = true;
            }
        }
        p->result = W.st[rd].val;
        if (fail) {
            /* a load with the failure order */
            add_read(t, loc, p->mo_fail, rd);
            p->ok = false;
            break;
        }
        int mo = p->mo;
        make_room(loc);
        last = l->mo[l->nmo - 1];
        W.thr[t].vc.c[t]++;
        if (is_acq(mo))
            join(&W.thr[t].vc, &W.st[last].msg);
        else
            join(&W.thr[t].acqp, &W.st[last].msg);
        vclk msg = store_msg(t, loc, mo);
        join(&msg, &W.st[last].msg); /* the release sequence goes on */
        W.thr[t].vc.c[t]--;
        int s = new_store(loc, rmw_value(p->rmw, old, p->operand, p->width),
                          -1, true);
        W.st[s].msg = msg;
        int id = new_event(t, E_U, is_sc(mo), loc);
        W.ev[id].rs = last;
        W.ev[id].ws = s;
        W.st[s].ev = id;
        insert_mo(loc, s, l->nmo);
        psc_commit(id);
        set_mem_last(loc);
        break;
    }
    default:
        p->handled = false;
        break;
    }
    return stale;
}

void wk_fence(int t, int mo)
{
    wk_thr *th = &W.thr[t];
    if (mo == memory_order_relaxed)
        return;
    th->vc.c[t]++;
    if (is_acq(mo))
        join(&th->vc, &th->acqp);
    if (is_rel(mo))
        th->relf = th->vc;
    th->vc.c[t]--;
    int id = new_event(t, E_F, is_sc(mo), -1);
    psc_commit(id);
    if (is_sc(mo) && !th->first_scf)
        th->first_scf = (int)W.ev[id].ts;
}

static vclk *sync_of(const void *a)
{
    for (int i = 0; i < W.nsync; i++)
        if (W.sync[i].addr == a)
            return &W.sync[i].c;
    if (W.nsync == WK_SYNCS) {
        fprintf(stderr, "conc-explore: weak mode: more than %d mutexes and "
                        "futex words\n", WK_SYNCS);
        abort();
    }
    W.sync[W.nsync].addr = a;
    memset(&W.sync[W.nsync].c, 0, sizeof(vclk));
    return &W.sync[W.nsync++].c;
}

void wk_lock(int t, const void *m)
{
    join(&W.thr[t].vc, sync_of(m));
}

void wk_unlock(int t, const void *m)
{
    W.thr[t].vc.c[t]++; /* what follows the unlock is not in its clock */
    join(sync_of(m), &W.thr[t].vc);
}

/* the futex word's clock: tagged so it is not the mutex at the same address */
void wk_wake(int t, const void *addr)
{
    W.thr[t].vc.c[t]++;
    join(sync_of((const char *)addr + 1), &W.thr[t].vc);
}

void wk_woken(int t, const void *addr)
{
    join(&W.thr[t].vc, sync_of((const char *)addr + 1));
}

void wk_stamp(int t)
{
    W.thr[t].vc.c[t]++;
    join(&W.thr[t].vc, &W.stamp);
    W.stamp = W.thr[t].vc;
}

void wk_seen(int t, const void *addr, unsigned width)
{
    int loc = get_loc(addr, width);
    wk_loc *l = &W.loc[loc];
    l->floor_st[t] = l->mo[l->nmo - 1];
}

void wk_spin(int t)
{
    for (int i = 0; i < W.nloc; i++) {
        wk_loc *l = &W.loc[i];
        l->floor_st[t] = l->mo[l->nmo - 1];
    }
}
