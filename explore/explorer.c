/*
 * explorer.c - the schedule explorer (see explorer.h).
 *
 * Model.  A scenario's threads are real pthreads; each waits on a semaphore
 * of its own, and exactly one of them (the baton holder) runs.  At each
 * schedule point of hooks v2 (src/internal/verify.h) the holder records the
 * step it is about to take (its pending operation), then the explorer
 * decides which thread moves next: the holder goes on, or it posts the
 * chosen thread's semaphore and waits on its own.  A move is "run the
 * pending operation of thread t and its code up to its next point".  Every
 * thread not running is parked at a PRE point, so the explorer knows the
 * next operation of every thread: that is what the sleep sets compare.
 *
 * Decisions.  An execution is a sequence of decisions: SCHED (which move:
 * thread t's step, or thread t's timeout / spurious wake-up) and WAKE (which
 * waiter a futex wake releases when it releases fewer than wait).  DFS keeps
 * the decisions of the current execution on a stack; the next execution
 * replays the stack up to the deepest node with an option left and takes
 * that option there.  A replayed node must offer the same options as when
 * it was made, or the scenario has hidden nondeterminism.
 *
 * Sleep sets.  At a node, a thread whose step was explored as an earlier
 * sibling need not be explored again in a later sibling's subtree until a
 * step dependent on it is taken: two steps are dependent when they touch
 * overlapping memory and one writes (a failed CAS counts as a write, a futex
 * wake as a write of its word), when both are lock operations on one mutex,
 * or when both are stamps (ex_stamp orders invocations and responses, and
 * the checker depends on that order).  An execution in which every enabled
 * step sleeps is redundant: it is finished without further branching and
 * not checked.  Timeout moves change the virtual clock, which every thread
 * may read, so they never sleep and they wake every sleeper.
 */

#include "explorer.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal/verify.h"
#include "livelock.h"
#include "weak.h"

/* ---- operations and threads --------------------------------------------- */

enum ex_kind {
    K_START, K_MEM, K_LOCK, K_UNLOCK, K_FWAIT, K_FWAKE, K_SPIN, K_STAMP,
    K_END, K_TIMEOUT
};

static const char *const kind_names[] = {
    "start", "mem", "lock", "unlock", "futex_wait", "futex_wake", "spin",
    "stamp", "end", "timeout"
};

typedef struct ex_op {
    uint8_t kind;
    bool write;
    unsigned width;
    const void *addr;
    bool cas;          /* a compare-and-swap: writes only if it succeeds */
    uint64_t expected; /* its expected value */
} ex_op;

enum { T_RUN, T_FUTEX, T_SPIN, T_DONE };

#define EX_READS 32

typedef struct ex_range {
    const void *addr;
    unsigned width;
} ex_range;

typedef struct ex_thr {
    int id;
    pthread_t pt;
    sem_t go;
    int state;
    ex_op op;          /* the pending step */
    int pkind;         /* its conc_point kind (-1: the explorer's own) */
    int prmw;
    const char *file;
    int line;
    uint64_t operand, expected;
    int proc;          /* its virtual process (ex_scenario.proc) */
    /* FUTEX_WAIT */
    int fproc;         /* the futex's key: its process if private, -1 if
                          shared (with op.addr) */
    int64_t deadline;  /* -1: none */
    bool woke_timeout;
    /* reads since the last SPIN point; the set a spinner waits on */
    ex_range reads[EX_READS];
    int nreads;
    bool overflow, dirty;
    ex_range wset[EX_READS];
    int nw;
    bool woverflow;
} ex_thr;

/* ---- decisions ---------------------------------------------------------- */

enum { D_SCHED, D_WAKE, D_READ };

typedef struct ex_node {
    uint8_t type;
    int8_t cur;        /* the thread holding the baton (-1: the start) */
    uint8_t choice;    /* SCHED: move (2t + v); WAKE: thread */
    bool preempt;      /* the choice preempted cur */
    bool cur_spins;    /* the holder is at a SPIN point: switching is free */
    uint16_t enabled;  /* options */
    uint16_t sleep;    /* SCHED: moves asleep here */
    uint16_t done;     /* options explored (DFS) */
    uint16_t full;     /* ... of which the subtree met no preemption-bound
                          cut: only these may put their thread to sleep in
                          later siblings (below) */
    bool cut_here;     /* an option here was skipped for the bound */
    bool cut_below;    /* the current choice's subtree met such a cut */
    bool cut_any;      /* an earlier choice's subtree did */
    bool step_frees;   /* the current choice's step left its thread where
                          switching away is free (ended, blocked, at a
                          SPIN): seen at the next decision */
    uint16_t preempts; /* preemptions before this node */
    uint32_t sig;      /* SCHED: pending_sig() when it was made */
} ex_node;

typedef struct ex_trace {
    uint8_t thread, pkind, kind, rmw;
    bool ok, write;
    bool old;          /* weak mode: the load read an older store */
    const char *file;
    int line;
    const void *addr;
    uint64_t result, operand;
} ex_trace;

typedef struct ex_owner {
    const void *mutex;
    int owner;
} ex_owner;

#define EX_OWNERS 32
#define EX_FDS 16

static struct {
    const ex_scenario *s;
    ex_config c;
    void *ctx;
    int n;
    ex_thr *thr;        /* this execution's (left behind if it leaked) */
    sem_t arrived, finished;
    int cur;
    _Atomic bool active;

    /* the execution */
    uint64_t steps;
    int64_t vclock;
    uint64_t stamps;
    ex_owner owners[EX_OWNERS];
    int nowners;
    /* eventfds made (PID points with an address): the word holding the
     * number, and the virtual process that made it */
    struct { const void *word; int proc; } fds[EX_FDS];
    int nfds;
    uint32_t pid_base;  /* the virtual pid of process 0: the real one */
    bool failed;        /* deadlock, livelock, ex_fail, nondeterminism */
    bool leaked;        /* threads left blocked (deadlock / livelock) */
    bool nondet;
    bool redundant;
    char fail_msg[1024];
    uint16_t next_sleep; /* the sleep set of the next SCHED node */
    int exec_preempts;

    /* the decisions of this execution */
    ex_node *nodes;
    size_t nnodes, cap_nodes;
    size_t replay_len;  /* DFS: nodes [0, replay_len) are replayed */
    bool dfs_branch;    /* DFS: new nodes are recorded for backtracking */
    size_t dfs_end;     /* DFS: nodes from here on are not backtracked */

    /* EX_REPLAY (exact) and shrinking (soft): the decisions to follow */
    uint8_t *want;
    uint8_t *want_type;
    size_t nwant;
    bool soft;
    bool misfit;        /* exact replay: a decision did not fit */

    /* EX_DFS under a prefix (ex_config.prefix): its runs, the one being
     * followed and what is left of it, and the first node the search may
     * change (the nodes the prefix made are never backtracked) */
    struct {
        uint8_t t;
        uint32_t n;       /* steps (0: as long as it can move) */
        char file[48];    /* or up to the step at this site ("" none) */
        int line;
    } pfx[16];
    int npfx, pfx_i;
    uint32_t pfx_left;
    size_t pfx_floor;
    int pfx_missed;     /* 1 + the run whose site its thread never reached */

    /* PCT */
    int prio[EX_MAX_THREADS];
    uint64_t change[16];
    int nchange;
    uint64_t sched_decisions;
    uint64_t pct_k;
    uint64_t rng;

    /* the trace */
    ex_trace *trace;
    size_t ntrace, cap_trace;
} X;

static _Thread_local ex_thr *tls_me;
static _Atomic uint64_t loose_stamps;

/* ---- livelock (livelock.c): the divergence verdict ---------------------- */

/* Steps since an operation last completed (an ex_stamp step taken, or a
 * thread's end), and whether this execution was cut as divergent. */
static uint64_t lv_quiet, lv_quiet_max;
static bool lv_diverged;

/* ---- small helpers ------------------------------------------------------ */

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (X.rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static bool overlap(const void *a, unsigned wa, const void *b, unsigned wb)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    if (wa == 0)
        wa = 1;
    if (wb == 0)
        wb = 1;
    return x < y + wb && y < x + wa;
}

/* Does op write?  A pending compare-and-swap writes only if the word holds
 * its expected value now: every other thread is parked, so the explorer
 * reads the word as it is at this node (as GenMC counts a failed CAS: a
 * read).  The dependence is re-evaluated at every node, with that node's
 * memory. */
static bool op_writes(const ex_op *o)
{
    if (!o->cas)
        return o->write;
    uint64_t v;
    if (o->width == 4)
        v = atomic_load_explicit((_Atomic uint32_t *)o->addr, memory_order_relaxed);
    else
        v = atomic_load_explicit((_Atomic uint64_t *)o->addr, memory_order_relaxed);
    return v == o->expected;
}

static bool dependent(const ex_op *a, const ex_op *b)
{
    if (a->kind == K_TIMEOUT || b->kind == K_TIMEOUT)
        return true;
    if (a->kind == K_STAMP && b->kind == K_STAMP)
        return true;
    /* weak mode: a SPIN point makes its thread see the last store of
     * every location (weak.c, wk_spin), so it depends on every write */
    if (X.c.weak && ((a->kind == K_SPIN && b->addr && op_writes(b)) ||
                     (b->kind == K_SPIN && a->addr && op_writes(a))))
        return true;
    if (!a->addr || !b->addr)
        return false;
    if (!overlap(a->addr, a->width, b->addr, b->width))
        return false;
    bool la = a->kind == K_LOCK || a->kind == K_UNLOCK;
    bool lb = b->kind == K_LOCK || b->kind == K_UNLOCK;
    if (la || lb)
        return la && lb;
    return op_writes(a) || op_writes(b);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 256;
    while (nc < need)
        nc *= 2;
    void *q = realloc(p, nc * elem);
    if (!q) {
        fprintf(stderr, "conc-explore: out of memory\n");
        abort(); /* the explorer itself, not the library under test */
    }
    *cap = nc;
    return q;
}

static int owner_of(const void *m)
{
    for (int i = 0; i < X.nowners; i++)
        if (X.owners[i].mutex == m)
            return X.owners[i].owner;
    return -1;
}

static void set_owner(const void *m, int t)
{
    for (int i = 0; i < X.nowners; i++)
        if (X.owners[i].mutex == m) {
            X.owners[i].owner = t;
            return;
        }
    if (X.nowners < EX_OWNERS) {
        X.owners[X.nowners].mutex = m;
        X.owners[X.nowners].owner = t;
        X.nowners++;
    }
}

/* ---- enabled moves ------------------------------------------------------ */

/* Bit 2t: thread t's pending step; bit 2t+1: its timeout or spurious
 * wake-up.  *real gets the moves that are not spurious wake-ups. */
static uint16_t moves(uint16_t *real)
{
    uint16_t m = 0, r = 0;
    for (int t = 0; t < X.n; t++) {
        ex_thr *th = &X.thr[t];
        switch (th->state) {
        case T_RUN:
            if (th->op.kind == K_LOCK) {
                int o = owner_of(th->op.addr);
                if (o >= 0 && o != t)
                    break;
            }
            m |= (uint16_t)(1u << (2 * t));
            r |= (uint16_t)(1u << (2 * t));
            break;
        case T_FUTEX:
            if (th->deadline >= 0) {
                m |= (uint16_t)(1u << (2 * t + 1));
                r |= (uint16_t)(1u << (2 * t + 1));
            } else if (X.c.spurious) {
                m |= (uint16_t)(1u << (2 * t + 1));
            }
            break;
        default:
            break;
        }
    }
    *real = r;
    return m;
}

static int lowest(uint16_t m)
{
    return m ? __builtin_ctz(m) : -1;
}

/* ---- failures ----------------------------------------------------------- */

static void fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail_msg(const char *fmt, ...)
{
    if (X.failed)
        return;
    X.failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(X.fail_msg, sizeof X.fail_msg, fmt, ap);
    va_end(ap);
}

static const char *state_name(int st)
{
    switch (st) {
    case T_RUN: return "runnable";
    case T_FUTEX: return "blocked in futex_wait";
    case T_SPIN: return "spinning";
    default: return "done";
    }
}

static void describe_blocked(char *buf, size_t size)
{
    size_t off = 0;
    for (int t = 0; t < X.n && off < size; t++) {
        ex_thr *th = &X.thr[t];
        if (th->state == T_DONE)
            continue;
        const char *what = state_name(th->state);
        if (th->state == T_RUN && th->op.kind == K_LOCK)
            what = "waiting for a mutex held by another";
        char key[48] = "";
        if (th->state == T_FUTEX && th->fproc >= 0 && X.s->proc[t] != 0)
            snprintf(key, sizeof key, " (private futex of process %d)", th->fproc);
        int k = snprintf(buf + off, size - off, "%sT%d %s%s at %s:%d", off ? "; " : "",
                         t, what, key, th->file ? th->file : "?", th->line);
        if (k < 0)
            break;
        off += (size_t)k;
    }
}

/* The calling thread ends its part in a failed execution: it hands control
 * back to the explorer's thread and never runs again (its stack, and the
 * structure it points into, are leaked on purpose: it may be inside any
 * operation). */
static void abandon(void)
{
    X.leaked = true;
    sem_post(&X.finished);
    ex_thr *me = tls_me;
    for (;;)
        sem_wait(&me->go);
}

/* ---- recording ---------------------------------------------------------- */

static void record_trace(int t)
{
    ex_thr *th = &X.thr[t];
    X.trace = grow(X.trace, &X.cap_trace, X.ntrace + 1, sizeof *X.trace);
    ex_trace *e = &X.trace[X.ntrace++];
    e->thread = (uint8_t)t;
    e->pkind = (uint8_t)(th->pkind < 0 ? 255 : th->pkind);
    e->kind = th->op.kind;
    e->rmw = (uint8_t)th->prmw;
    e->write = th->op.write;
    e->ok = true;
    e->file = th->file;
    e->line = th->line;
    e->addr = th->op.addr;
    e->result = 0;
    e->operand = th->operand;
    e->old = false;
}

static ex_node *push_node(void)
{
    X.nodes = grow(X.nodes, &X.cap_nodes, X.nnodes + 1, sizeof *X.nodes);
    ex_node *nd = &X.nodes[X.nnodes++];
    memset(nd, 0, sizeof *nd);
    return nd;
}

/* ---- choosing ----------------------------------------------------------- */

static int pct_pick(uint16_t m, uint16_t real)
{
    int best = -1, bp = -1;
    uint16_t normal = m & 0x5555;
    uint16_t pool = normal ? normal : (real ? real : m);
    for (int b = 0; b < 16; b++) {
        if (!(pool & (1u << b)))
            continue;
        int p = X.prio[b / 2];
        if (p > bp) {
            bp = p;
            best = b;
        }
    }
    return best;
}

/* The default move: the current thread goes on if it can; otherwise the
 * lowest thread that can; a timeout only when no thread can step. */
static int default_pick(int cur, uint16_t m, uint16_t real, uint16_t avoid)
{
    uint16_t ok = m & (uint16_t)~avoid;
    if (cur >= 0 && (ok & (1u << (2 * cur))))
        return 2 * cur;
    uint16_t normal = ok & 0x5555;
    if (normal)
        return lowest(normal);
    if (ok & real)
        return lowest(ok & real);
    return lowest(ok);
}

static bool is_preempt(int cur, bool spins, uint16_t m, int move)
{
    return cur >= 0 && !spins && (m & (1u << (2 * cur))) && move != 2 * cur;
}

static bool holder_spins(int cur)
{
    return cur >= 0 && X.thr[cur].op.kind == K_SPIN;
}

/* Addresses numbered in the order they first appear in an execution's
 * pending steps: the same in every execution of a deterministic scenario,
 * wherever malloc put things. */
#define EX_ADDR_SLOTS 4096
static struct { const void *a; uint32_t id; } addr_tab[EX_ADDR_SLOTS];
static uint32_t addr_next;

static void addr_reset(void)
{
    memset(addr_tab, 0, sizeof addr_tab);
    addr_next = 0;
}

static uint32_t addr_id(const void *a)
{
    if (!a)
        return 0;
    size_t h = ((uintptr_t)a >> 2) * 0x9E3779B97F4A7C15ull >> 52; /* 12 bits */
    for (size_t k = 0; k < EX_ADDR_SLOTS; k++) {
        size_t i = (h + k) & (EX_ADDR_SLOTS - 1);
        if (addr_tab[i].a == a)
            return addr_tab[i].id;
        if (!addr_tab[i].a) {
            addr_tab[i].a = a;
            addr_tab[i].id = ++addr_next;
            return addr_tab[i].id;
        }
    }
    return UINT32_MAX; /* full: every further address alike */
}

/* Every thread's state and pending step (kind, site, and its address as
 * numbered by addr_id: dependence is decided by address, so a step that
 * goes to another word the second time must be noticed).  A replayed
 * decision must find the same: a deterministic scenario takes the same
 * steps after the same decisions.  Comparing the enabled moves alone misses
 * a thread that is pending another step than the first time while the same
 * threads are enabled, and then the sleep sets are computed from the wrong
 * steps and the DFS may call a space exhausted that it never explored. */
static uint32_t pending_sig(void)
{
    uint64_t h = 1469598103934665603ull;
    for (int t = 0; t < X.n; t++) {
        const ex_thr *th = &X.thr[t];
        uint64_t v[] = {(uint64_t)th->state, th->op.kind, th->op.write,
                        (uint64_t)(uintptr_t)th->file, (uint64_t)th->line,
                        addr_id(th->op.addr)};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            h ^= v[k];
            h *= 1099511628211ull;
        }
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* DFS: the decision before node idx was thread cur's step (cur now holds
 * the baton with the moves m): record whether switching away from cur is
 * free here, which lets that step put cur to sleep in later siblings
 * (backtrack). */
static void note_step_frees(size_t idx, int cur, uint16_t m)
{
    if (idx == 0 || cur < 0)
        return;
    ex_node *pa = &X.nodes[idx - 1];
    if (pa->type != D_SCHED || pa->choice != 2 * cur)
        return;
    pa->step_frees = !(m & (1u << (2 * cur))) || holder_spins(cur);
}

/* Does the path f end in the site file s ("lfqueue.c", "src/hp.c")? */
static bool site_is(const char *f, int line, const char *s, int want)
{
    size_t lf = f ? strlen(f) : 0, ls = strlen(s);
    return f && line == want && lf >= ls && strcmp(f + lf - ls, s) == 0 &&
           (lf == ls || f[lf - ls - 1] == '/');
}

static void pfx_next(void)
{
    if (++X.pfx_i < X.npfx)
        X.pfx_left = X.pfx[X.pfx_i].n;
}

/* EX_DFS under a prefix, its first execution: the move the prefix asks for
 * among the moves m, or -1 once it is over.  A run is over when its thread
 * cannot move (it ended, or it blocks), after its count of steps, or when
 * its thread's next step is at the run's site (that step is not taken);
 * a run whose thread stops before its site is a prefix that no longer
 * fits the code (X.pfx_missed). */
static int pfx_move(uint16_t m)
{
    while (X.pfx_i < X.npfx) {
        int t = X.pfx[X.pfx_i].t;
        const char *sf = X.pfx[X.pfx_i].file;
        if (!(m & (1u << (2 * t)))) {
            if (sf[0] && !X.pfx_missed)
                X.pfx_missed = X.pfx_i + 1;
            pfx_next();
            continue;
        }
        if (sf[0] && site_is(X.thr[t].file, X.thr[t].line, sf, X.pfx[X.pfx_i].line)) {
            pfx_next();
            continue;
        }
        if (X.pfx[X.pfx_i].n && --X.pfx_left == 0)
            pfx_next();
        return 2 * t;
    }
    return -1;
}

/* Parse a prefix for n threads into X.pfx; false if malformed.  Runs:
 * 'a'+t, then a step count, or '@' file ':' line (up to that site), or
 * nothing (as long as the thread can move). */
static bool pfx_parse(const char *s, int n)
{
    X.npfx = 0;
    while (*s) {
        if (*s < 'a' || *s >= 'a' + n || X.npfx == (int)(sizeof X.pfx / sizeof X.pfx[0]))
            return false;
        int t = *s++ - 'a';
        unsigned long k = 0;
        X.pfx[X.npfx].file[0] = 0;
        X.pfx[X.npfx].line = 0;
        if (*s >= '0' && *s <= '9') {
            k = strtoul(s, (char **)&s, 10);
            if (k == 0 || k > 10000000)
                return false;
        } else if (*s == '@') {
            const char *colon = strchr(s, ':');
            size_t lf = colon ? (size_t)(colon - s - 1) : 0;
            if (!colon || lf == 0 || lf >= sizeof X.pfx[0].file ||
                colon[1] < '1' || colon[1] > '9')
                return false;
            memcpy(X.pfx[X.npfx].file, s + 1, lf);
            X.pfx[X.npfx].file[lf] = 0;
            X.pfx[X.npfx].line = (int)strtol(colon + 1, (char **)&s, 10);
        }
        X.pfx[X.npfx].t = (uint8_t)t;
        X.pfx[X.npfx].n = (uint32_t)k;
        X.npfx++;
    }
    return true;
}

/* A SCHED decision: returns the move. */
static int decide_sched(int cur)
{
    uint16_t real;
    uint16_t m = moves(&real);
    uint32_t sig = pending_sig();
    if (!real) {
        bool all_done = true;
        for (int t = 0; t < X.n; t++)
            if (X.thr[t].state != T_DONE)
                all_done = false;
        if (X.c.mode == EX_DFS && X.nnodes < X.replay_len) {
            /* the first time this execution went on from here */
            X.nondet = true;
            fail_msg("hidden nondeterminism: no thread can move at decision "
                     "%zu, the first time moves %#x (holder T%d)", X.nnodes,
                     X.nodes[X.nnodes].enabled, X.nodes[X.nnodes].cur);
            return all_done ? -1 : -2;
        }
        if (all_done)
            return -1;
        char buf[768];
        describe_blocked(buf, sizeof buf);
        fail_msg("deadlock or lost wake-up: no thread can move (%s)", buf);
        return -2;
    }
    size_t idx = X.nnodes;
    int move = -1;
    X.sched_decisions++;
    if (X.c.mode == EX_DFS && idx < X.replay_len) {
        ex_node *nd = &X.nodes[idx];
        if (nd->type != D_SCHED || nd->enabled != m || nd->cur != cur) {
            X.nondet = true;
            fail_msg("hidden nondeterminism: decision %zu offered moves %#x "
                     "(holder T%d), the first time %#x (holder T%d)",
                     idx, m, cur, nd->enabled, nd->cur);
            return -2;
        }
        if (nd->sig != sig) {
            X.nondet = true;
            fail_msg("hidden nondeterminism: at decision %zu the threads' "
                     "pending steps differ from the first time (holder T%d "
                     "at %s:%d)", idx, cur,
                     cur >= 0 && X.thr[cur].file ? X.thr[cur].file : "?",
                     cur >= 0 ? X.thr[cur].line : 0);
            return -2;
        }
        note_step_frees(idx, cur, m);
        X.nnodes++;
        move = nd->choice;
        X.next_sleep = 0;
        {
            /* the child's sleep set (used only if the child is new): this
             * node's sleepers and explored siblings that the move leaves
             * independent */
            uint16_t cand = (uint16_t)((nd->sleep | nd->full) & 0x5555);
            const ex_op *mo = (move & 1) ? &(ex_op){.kind = K_TIMEOUT, .write = true, .width = 0, .addr = NULL}
                                         : &X.thr[move / 2].op;
            for (int t = 0; t < X.n; t++)
                if ((cand & (1u << (2 * t))) && t != move / 2 &&
                    !dependent(&X.thr[t].op, mo))
                    X.next_sleep |= (uint16_t)(1u << (2 * t));
        }
        X.exec_preempts = nd->preempts + (nd->preempt ? 1 : 0);
        return move;
    }
    if (X.c.mode == EX_DFS && X.dfs_branch) {
        /* under a prefix, its move: the only one this node will ever take */
        int pm = pfx_move(m);
        uint16_t sleep = pm < 0 && X.c.sleep_sets ? (uint16_t)(X.next_sleep & m) : 0;
        note_step_frees(idx, cur, m);
        ex_node *nd = push_node();
        nd->type = D_SCHED;
        nd->cur = (int8_t)cur;
        nd->enabled = m;
        nd->sig = sig;
        nd->sleep = sleep;
        nd->preempts = (uint16_t)X.exec_preempts;
        nd->cur_spins = holder_spins(cur);
        if (pm >= 0) {
            nd->choice = (uint8_t)pm;
            nd->preempt = is_preempt(cur, nd->cur_spins, m, pm);
            if (nd->preempt)
                X.exec_preempts++;
            X.next_sleep = 0;
            X.pfx_floor = X.nnodes;
            return pm;
        }
        uint16_t avoid = sleep;
        if (X.c.bound >= 0 && X.exec_preempts >= X.c.bound && cur >= 0 &&
            !nd->cur_spins && (m & (1u << (2 * cur)))) {
            /* no preemption left */
            uint16_t forbidden = (uint16_t)(m & ~(1u << (2 * cur)));
            if (forbidden & ~sleep)
                nd->cut_here = true;
            avoid |= forbidden;
        }
        if ((m & ~avoid) == 0) {
            /* every move asleep (or only a forbidden preemption): redundant */
            bool cut = nd->cut_here;
            X.redundant = true;
            X.dfs_branch = false;
            X.nnodes--;
            X.dfs_end = X.nnodes;
            if (cut && X.nnodes > 0)
                X.nodes[X.nnodes - 1].cut_below = true;
            move = default_pick(cur, m, real, 0);
        } else {
            move = default_pick(cur, m, real, avoid);
            nd->choice = (uint8_t)move;
            nd->preempt = is_preempt(cur, holder_spins(cur), m, move);
        }
        uint16_t cand = (uint16_t)((sleep) & 0x5555);
        const ex_op *mo = (move & 1) ? &(ex_op){.kind = K_TIMEOUT, .write = true, .width = 0, .addr = NULL}
                                     : &X.thr[move / 2].op;
        X.next_sleep = 0;
        for (int t = 0; t < X.n; t++)
            if ((cand & (1u << (2 * t))) && t != move / 2 &&
                !dependent(&X.thr[t].op, mo))
                X.next_sleep |= (uint16_t)(1u << (2 * t));
        if (is_preempt(cur, holder_spins(cur), m, move))
            X.exec_preempts++;
        return move;
    }
    /* PCT, replay, or past a DFS branch end: record the decision only. */
    if (X.want) {
        size_t i = X.nnodes;
        if (i < X.nwant && X.want_type[i] == D_SCHED &&
            (m & (1u << X.want[i])))
            move = X.want[i];
        else if (!X.soft && i < X.nwant) {
            X.misfit = true;
            fail_msg("the schedule does not fit at decision %zu (moves %#x)%s",
                     i, m, X.want_type[i] == D_READ && !X.c.weak
                               ? ": a read decision ('r'): replay with --weak"
                               : "");
            return -2;
        }
    }
    if (move < 0 && lv_on() && !X.want) {
        /* EX_RR, or a replay of its string: it keys iterations on sites */
        lv_pending pd[EX_MAX_THREADS];
        for (int t = 0; t < X.n; t++) {
            const ex_thr *th = &X.thr[t];
            pd[t].site = (uint64_t)(uintptr_t)th->file * 64 + (uint64_t)th->line;
            pd[t].write = th->op.write || th->op.kind == K_STAMP;
            /* an anchor (livelock.c, LV_ANCHOR): an RMW's word and kind */
            pd[t].key = th->op.kind == K_MEM && th->pkind == CONC_POINT_RMW &&
                                th->op.addr
                            ? (uint64_t)(uintptr_t)th->op.addr * 8 +
                                  (uint64_t)(th->prmw & 7)
                            : 0;
        }
        move = lv_pick(cur, m, real, pd);
    }
    if (move < 0 && X.c.mode == EX_PCT && !X.want) {
        for (int j = 0; j < X.nchange; j++)
            if (X.change[j] == X.sched_decisions && cur >= 0)
                X.prio[cur] = j; /* below every initial priority */
        move = pct_pick(m, real);
    }
    if (move < 0)
        move = default_pick(cur, m, real, 0);
    ex_node *nd = push_node();
    nd->type = D_SCHED;
    nd->cur = (int8_t)cur;
    nd->enabled = m;
    nd->sig = sig;
    nd->choice = (uint8_t)move;
    nd->cur_spins = holder_spins(cur);
    nd->preempt = is_preempt(cur, nd->cur_spins, m, move);
    if (nd->preempt)
        X.exec_preempts++;
    return move;
}

/* A WAKE decision among the waiters in `waiters` (bits per thread). */
static int decide_wake(int cur, uint16_t waiters)
{
    size_t idx = X.nnodes;
    int t = -1;
    if (X.c.mode == EX_DFS && idx < X.replay_len) {
        ex_node *nd = &X.nodes[idx];
        if (nd->type != D_WAKE || nd->enabled != waiters) {
            X.nondet = true;
            fail_msg("hidden nondeterminism: wake decision %zu offered %#x, "
                     "the first time %#x", idx, waiters, nd->enabled);
            return -1;
        }
        X.nnodes++;
        return nd->choice;
    }
    if (X.c.mode == EX_DFS && X.dfs_branch) {
        ex_node *nd = push_node();
        nd->type = D_WAKE;
        nd->cur = (int8_t)cur;
        nd->enabled = waiters;
        nd->preempts = (uint16_t)X.exec_preempts;
        t = lowest(waiters);
        nd->choice = (uint8_t)t;
        return t;
    }
    if (X.want && idx < X.nwant && X.want_type[idx] == D_WAKE &&
        (waiters & (1u << X.want[idx])))
        t = X.want[idx];
    else if (X.want && !X.soft && idx < X.nwant) {
        X.misfit = true;
        fail_msg("the schedule does not fit at wake decision %zu", idx);
        return -1;
    }
    if (t < 0 && X.c.mode == EX_PCT && !X.want) {
        int k = __builtin_popcount(waiters), pick = (int)(rnd() % (uint64_t)k);
        for (int b = 0; b < 16; b++)
            if ((waiters & (1u << b)) && pick-- == 0)
                t = b;
    }
    if (t < 0)
        t = lowest(waiters);
    ex_node *nd = push_node();
    nd->type = D_WAKE;
    nd->cur = (int8_t)cur;
    nd->enabled = waiters;
    nd->choice = (uint8_t)t;
    return t;
}

/* A READ decision (weak mode): one of the options in `opts` (bit i:
 * option i; option 0, the sequentially consistent one, is the default). */
static int decide_read(uint16_t opts)
{
    size_t idx = X.nnodes;
    int cur = X.cur;
    if (X.c.mode == EX_DFS && idx < X.replay_len) {
        ex_node *nd = &X.nodes[idx];
        if (nd->type != D_READ || nd->enabled != opts) {
            X.nondet = true;
            fail_msg("hidden nondeterminism: read decision %zu offered %#x, "
                     "the first time %#x", idx, opts, nd->enabled);
            return 0;
        }
        X.nnodes++;
        return nd->choice;
    }
    if (X.c.mode == EX_DFS && X.dfs_branch) {
        ex_node *nd = push_node();
        nd->type = D_READ;
        nd->cur = (int8_t)cur;
        nd->enabled = opts;
        nd->preempts = (uint16_t)X.exec_preempts;
        nd->choice = 0;
        if (X.pfx_i < X.npfx)
            X.pfx_floor = X.nnodes; /* inside the prefix: the SC store, fixed */
        return 0;
    }
    int o = -1;
    if (X.want && idx < X.nwant && X.want_type[idx] == D_READ &&
        (opts & (1u << X.want[idx])))
        o = X.want[idx];
    else if (X.want && !X.soft && idx < X.nwant) {
        X.misfit = true;
        fail_msg("the schedule does not fit at read decision %zu", idx);
        o = 0;
    }
    if (o < 0 && X.c.mode == EX_PCT && !X.want) {
        int k = __builtin_popcount(opts), pick = (int)(rnd() % (uint64_t)k);
        for (int b = 0; b < 16; b++)
            if ((opts & (1u << b)) && pick-- == 0)
                o = b;
    }
    if (o < 0)
        o = 0;
    ex_node *nd = push_node();
    nd->type = D_READ;
    nd->cur = (int8_t)cur;
    nd->enabled = opts;
    nd->choice = (uint8_t)o;
    return o;
}

static int weak_choose(uint16_t opts)
{
    return decide_read(opts);
}

ex_weak_stats ex_weak_stats_get(void)
{
    wk_stats w = wk_stats_get();
    return (ex_weak_stats){w.rf_choices, w.mo_choices, w.psc_checks,
                           w.psc_rejects};
}

static void weak_init_hook(const void *addr, unsigned width, void *arg)
{
    (void)arg;
    if (X.c.weak && atomic_load_explicit(&X.active, memory_order_relaxed))
        wk_init(tls_me ? tls_me->id : -1, addr, width);
}

/* ---- the baton ---------------------------------------------------------- */

static void apply_move(int move)
{
    int t = move / 2;
    ex_thr *th = &X.thr[t];
    if (move & 1) {
        th->state = T_RUN;
        th->woke_timeout = th->deadline >= 0;
        if (th->deadline >= 0 && th->deadline > X.vclock)
            X.vclock = th->deadline;
        ex_op saved = th->op;
        th->op = (ex_op){.kind = K_TIMEOUT, .write = true, .width = 0, .addr = NULL};
        record_trace(t);
        th->op = saved;
    } else {
        record_trace(t);
        if (th->op.kind == K_STAMP)
            lv_quiet = 0; /* an operation's invocation or response */
    }
}

/* The holder `me` (NULL: the explorer's thread at the start) has recorded
 * its pending step; choose who moves and pass the baton.  Returns when me
 * is to take its step. */
static void schedule_from(ex_thr *me)
{
    int cur = me ? me->id : -1;
    if (++X.steps > X.c.max_steps && X.c.max_steps) {
        fail_msg("livelock: the execution did not end within %llu steps",
                 (unsigned long long)X.c.max_steps);
        lv_diverged = true;
        abandon();
    }
    if (++lv_quiet > lv_quiet_max)
        lv_quiet_max = lv_quiet;
    if (lv_quiet > X.c.max_quiet && X.c.max_quiet && me) {
        fail_msg("livelock: no operation completed in %llu steps (step %llu "
                 "of the execution)", (unsigned long long)X.c.max_quiet,
                 (unsigned long long)X.steps);
        lv_diverged = true;
        abandon();
    }
    int move = decide_sched(cur);
    if (move == -1) { /* everyone done */
        sem_post(&X.finished);
        return;
    }
    if (move < 0) {
        if (me)
            abandon();
        X.leaked = true;
        sem_post(&X.finished);
        return;
    }
    apply_move(move);
    int t = move / 2;
    X.cur = t;
    if (me && t == cur)
        return;
    /* Nothing of the explorer's state is touched between the post and the
     * wait: the chosen thread owns it now (it may change our state). */
    sem_post(&X.thr[t].go);
    if (me)
        sem_wait(&me->go);
}

/* ---- the hook ----------------------------------------------------------- */

static void add_range(ex_range *set, int *n, bool *over, const void *a, unsigned w)
{
    for (int i = 0; i < *n; i++)
        if (set[i].addr == a)
            return;
    if (*n < EX_READS)
        set[(*n)++] = (ex_range){a, w};
    else
        *over = true;
}

static bool in_set(const ex_range *set, int n, bool over, const void *a, unsigned w)
{
    if (over)
        return true;
    for (int i = 0; i < n; i++)
        if (overlap(set[i].addr, set[i].width, a, w))
            return true;
    return false;
}

static void on_write(ex_thr *me, const void *a, unsigned w)
{
    for (int t = 0; t < X.n; t++) {
        ex_thr *u = &X.thr[t];
        if (u == me || u->state == T_DONE)
            continue;
        if (in_set(u->reads, u->nreads, u->overflow, a, w))
            u->dirty = true;
        if (u->state == T_SPIN && in_set(u->wset, u->nw, u->woverflow, a, w))
            u->state = T_RUN;
    }
}

static void set_pending(ex_thr *me, const conc_point *p, ex_op op)
{
    me->op = op;
    me->pkind = p ? p->kind : -1;
    me->prmw = p ? p->rmw : 0;
    me->file = p ? p->file : NULL;
    me->line = p ? p->line : 0;
    me->operand = p ? p->operand : 0;
    me->expected = p ? p->expected : 0;
}

static void exec_futex_wait(ex_thr *me, conc_point *p)
{
    if (X.c.weak)
        wk_seen(me->id, p->addr, 4); /* the kernel reads the last value */
    uint32_t v = atomic_load_explicit((_Atomic uint32_t *)p->addr,
                                      memory_order_relaxed);
    p->handled = true;
    p->rc = 0;
    if (v != (uint32_t)p->expected)
        return;
    me->state = T_FUTEX;
    me->fproc = p->shared ? -1 : me->proc;
    me->deadline = p->deadline_ns;
    me->woke_timeout = false;
    schedule_from(me);
    if (me->woke_timeout)
        p->rc = ETIMEDOUT;
    me->deadline = -1;
    if (X.c.weak)
        wk_woken(me->id, p->addr);
}

static void exec_futex_wake(ex_thr *me, conc_point *p)
{
    p->handled = true;
    if (X.c.weak)
        wk_wake(me->id, p->addr);
    uint16_t waiters = 0;
    /* As the kernel keys futexes: a private one by (process, word), a
     * shared one by the word; a wake reaches only waiters of its key. */
    int key = p->shared ? -1 : me->proc;
    for (int t = 0; t < X.n; t++)
        if (X.thr[t].state == T_FUTEX && X.thr[t].fproc == key &&
            overlap(X.thr[t].op.addr, 4, p->addr, 4))
            waiters |= (uint16_t)(1u << t);
    uint64_t n = p->operand;
    while (waiters && n > 0) {
        int t;
        if ((uint64_t)__builtin_popcount(waiters) <= n)
            t = lowest(waiters);
        else
            t = decide_wake(me->id, waiters);
        if (t < 0)
            abandon();
        X.thr[t].state = T_RUN;
        waiters &= (uint16_t)~(1u << t);
        n--;
    }
}

/* A PID point (wait.c's self_pid): a scenario thread's virtual process
 * answers (process p: the real pid + p, so process 0 is the explorer's own
 * thread too, which setup runs in and which is not answered); a made
 * eventfd is noted as its maker's. */
static void answer_pid(ex_thr *me, conc_point *p)
{
    bool in = me && atomic_load_explicit(&X.active, memory_order_relaxed);
    int proc = in ? me->proc : 0;
    if (in) {
        p->handled = true;
        p->result = X.pid_base + (uint32_t)proc;
    }
    if (p->addr) {
        int i = 0;
        while (i < X.nfds && X.fds[i].word != p->addr)
            i++;
        if (i == EX_FDS)
            return;
        X.fds[i].word = p->addr;
        X.fds[i].proc = proc;
        if (i == X.nfds)
            X.nfds++;
    }
}

/* An IO point: the descriptor must be one of the thread's process. */
static void check_fd(ex_thr *me, const conc_point *p)
{
    for (int i = 0; i < X.nfds; i++)
        if (X.fds[i].word == p->addr && X.fds[i].proc != me->proc) {
            fail_msg("T%d: process %d %s process %d's descriptor %u (at %s:%d)",
                     me->id, me->proc, p->operand ? "wrote to" : "read from",
                     X.fds[i].proc,
                     atomic_load_explicit((_Atomic uint32_t *)p->addr,
                                          memory_order_relaxed),
                     p->file ? p->file : "?", p->line);
            return;
        }
}

static void hook(conc_point *p, void *arg)
{
    (void)arg;
    ex_thr *me = tls_me;
    if (p->kind == CONC_POINT_PID) {
        answer_pid(me, p);
        return;
    }
    if (!me || !atomic_load_explicit(&X.active, memory_order_relaxed))
        return;
    if (p->phase == CONC_PHASE_POST) {
        if (p->kind == CONC_POINT_FENCE)
            return; /* not a step: the last trace line is another's */
        if (X.c.weak && p->kind == CONC_POINT_IO) {
            /* the system call, done now (after the point's load of the
             * number): the kernel orders the calls on one descriptor (an
             * eventfd read that sees a write synchronises with it), so
             * each is an acquire and a release of the descriptor's clock */
            const void *fdk = (const char *)p->addr + 2;
            wk_lock(me->id, fdk);
            wk_unlock(me->id, fdk);
        }
        if (X.ntrace) {
            ex_trace *e = &X.trace[X.ntrace - 1];
            if (e->thread == me->id) {
                e->result = p->result;
                e->ok = p->ok;
            }
        }
        if (p->kind == CONC_POINT_LOAD || p->kind == CONC_POINT_RMW)
            add_range(me->reads, &me->nreads, &me->overflow, p->addr, p->width);
        bool wrote = p->kind == CONC_POINT_STORE || p->kind == CONC_POINT_IO ||
                     (p->kind == CONC_POINT_RMW &&
                      ((p->rmw != CONC_RMW_CAS && p->rmw != CONC_RMW_CAS_WEAK) || p->ok));
        if (wrote)
            on_write(me, p->addr, p->width);
        /* A mutex taken since the last spin counts as a read (of the plain
         * memory it protects, which the explorer does not see) and giving
         * it back as a write: a thread spinning on state under a mutex
         * (src/wait.c's spin around a lockedarray's try_op) is woken by
         * another thread's UNLOCK, not only by atomic stores. */
        if (p->kind == CONC_POINT_LOCK)
            add_range(me->reads, &me->nreads, &me->overflow, p->addr, 1);
        if (p->kind == CONC_POINT_UNLOCK)
            on_write(me, p->addr, 1);
        return;
    }
    ex_op op = {.kind = K_MEM, .write = false, .width = p->width, .addr = p->addr};
    switch (p->kind) {
    case CONC_POINT_BACKOFF:
        /* weak mode: a thread that lost a race and retries sees the last
         * stores (as at a SPIN point), or a retry loop could re-read an
         * old value for ever */
        if (X.c.weak)
            wk_spin(me->id);
        return;
    case CONC_POINT_FENCE:
        /* sequential consistency: nothing to order; weak mode: an event of
         * the thread's own, not a step (its place in the graph is fixed by
         * program order and hb, not by when it runs) */
        if (X.c.weak) {
            wk_fence(me->id, p->mo);
            p->handled = true;
        }
        return;
    case CONC_POINT_CLOCK:
        p->handled = true;
        p->now_ns = X.vclock;
        return;
    case CONC_POINT_LOAD:
        break;
    case CONC_POINT_STORE:
        op.write = true;
        break;
    case CONC_POINT_RMW:
        op.write = true;
        op.cas = p->rmw == CONC_RMW_CAS || p->rmw == CONC_RMW_CAS_WEAK;
        op.expected = p->expected;
        break;
    case CONC_POINT_SPIN:
    case CONC_POINT_FUTEX_WAIT:
    case CONC_POINT_FUTEX_WAKE:
    case CONC_POINT_LOCK:
    case CONC_POINT_UNLOCK:
    case CONC_POINT_IO: {
        /* kind, write, width: a futex wake writes its word (it changes who
         * waits); a lock operation is ordered against lock operations on
         * the same mutex only (dependent); an IO point (a system call on
         * the descriptor whose number is at addr) changes state no word
         * shows, so it is ordered as a write of addr */
        static const struct { uint8_t kind; bool write; unsigned width; } map[] = {
            [CONC_POINT_SPIN] = {K_SPIN, false, 0},
            [CONC_POINT_FUTEX_WAIT] = {K_FWAIT, false, 4},
            [CONC_POINT_FUTEX_WAKE] = {K_FWAKE, true, 4},
            [CONC_POINT_LOCK] = {K_LOCK, true, 1},
            [CONC_POINT_UNLOCK] = {K_UNLOCK, true, 1},
            [CONC_POINT_IO] = {K_MEM, true, 4},
        };
        op = (ex_op){.kind = map[p->kind].kind, .write = map[p->kind].write,
                     .width = map[p->kind].width,
                     .addr = p->kind == CONC_POINT_SPIN ? NULL : p->addr};
        break;
    }
    default:
        return;
    }
    set_pending(me, p, op);
    if (X.c.weak && p->kind == CONC_POINT_UNLOCK)
        wk_unlock(me->id, p->addr); /* done already (lock.h) */
    if (X.c.weak && p->kind == CONC_POINT_SPIN)
        wk_spin(me->id);
    if (p->kind == CONC_POINT_SPIN) {
        if (!me->dirty && (me->nreads > 0 || me->overflow)) {
            me->state = T_SPIN;
            memcpy(me->wset, me->reads, sizeof me->reads);
            me->nw = me->nreads;
            me->woverflow = me->overflow;
        }
        me->nreads = 0;
        me->overflow = false;
        me->dirty = false;
    }
    schedule_from(me);
    if (X.c.weak && (p->kind == CONC_POINT_LOAD || p->kind == CONC_POINT_STORE ||
                     p->kind == CONC_POINT_RMW)) {
        /* the model does the step (atomics.h skips the real one) */
        if (wk_access(me->id, p)) {
            me->dirty = true; /* read an old store: a spin must look again */
            if (X.ntrace && X.trace[X.ntrace - 1].thread == me->id)
                X.trace[X.ntrace - 1].old = true;
        }
    }

    switch (p->kind) {
    case CONC_POINT_LOCK:
        set_owner(p->addr, me->id);
        if (X.c.weak)
            wk_lock(me->id, p->addr);
        break;
    case CONC_POINT_UNLOCK:
        set_owner(p->addr, -1);
        break;
    case CONC_POINT_FUTEX_WAIT:
        exec_futex_wait(me, p);
        break;
    case CONC_POINT_FUTEX_WAKE:
        exec_futex_wake(me, p);
        break;
    case CONC_POINT_IO:
        check_fd(me, p);
        break;
    default:
        break;
    }
}

uint64_t ex_stamp(void)
{
    ex_thr *me = tls_me;
    if (!me || !atomic_load_explicit(&X.active, memory_order_relaxed))
        return atomic_fetch_add(&loose_stamps, 1) + 1;
    set_pending(me, NULL, (ex_op){.kind = K_STAMP, .write = true, .width = 0, .addr = NULL});
    me->file = "stamp";
    schedule_from(me);
    if (X.c.weak)
        wk_stamp(me->id);
    return ++X.stamps;
}

void ex_fail(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fail_msg("T%d: %s", ex_self(), buf);
}

int ex_self(void)
{
    return tls_me ? tls_me->id : -1;
}

int64_t ex_now_ns(void)
{
    return X.vclock;
}

/* ---- one execution ------------------------------------------------------ */

static void *thread_main(void *arg)
{
    ex_thr *me = arg;
    tls_me = me;
    set_pending(me, NULL, (ex_op){.kind = K_START, .write = false, .width = 0, .addr = NULL});
    me->file = "start";
    sem_post(&X.arrived);
    sem_wait(&me->go);
    X.s->run(X.ctx, me->id);
    conc_verify_thread_exit(); /* its record released under the explorer */
    set_pending(me, NULL, (ex_op){.kind = K_END, .write = false, .width = 0, .addr = NULL});
    me->file = "end";
    me->state = T_DONE;
    tls_me = NULL;
    lv_quiet = 0; /* a thread's end is progress too */
    /* hand on the baton; nobody comes back here */
    int move = decide_sched(me->id);
    if (move == -1) {
        sem_post(&X.finished);
    } else if (move < 0) {
        X.leaked = true;
        sem_post(&X.finished);
    } else {
        apply_move(move);
        X.cur = move / 2;
        sem_post(&X.thr[move / 2].go);
    }
    return NULL;
}

typedef struct exec_out {
    bool ran;        /* false: setup failed (an error, not a verdict) */
    bool failed;
    bool redundant;
    uint64_t trace_hash;
    char *why;       /* malloc'd report of the check */
} exec_out;

static uint64_t trace_hash(void)
{
    /* Addresses are numbered in order of first appearance, so the hash does
     * not depend on where malloc put things. */
    const void *seen[256];
    int nseen = 0;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < X.ntrace; i++) {
        ex_trace *e = &X.trace[i];
        int id = -1;
        for (int j = 0; j < nseen; j++)
            if (seen[j] == e->addr)
                id = j;
        if (id < 0 && nseen < 256) {
            seen[nseen] = e->addr;
            id = nseen++;
        }
        uint64_t v[] = {e->thread, e->pkind, e->kind, e->rmw, e->ok,
                        (uint64_t)(uintptr_t)e->file, (uint64_t)e->line,
                        (uint64_t)id};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            h ^= v[k];
            h *= 1099511628211ull;
        }
    }
    return h;
}

static exec_out run_execution(void)
{
    exec_out out = {0};
    X.steps = 0;
    X.vclock = (int64_t)1000 * 1000000000; /* 1000 s */
    X.stamps = 0;
    X.nowners = 0;
    X.nfds = 0;
    X.failed = X.leaked = X.nondet = X.redundant = X.misfit = false;
    X.fail_msg[0] = 0;
    X.next_sleep = 0;
    X.exec_preempts = 0;
    X.nnodes = 0;
    X.ntrace = 0;
    addr_reset();
    X.sched_decisions = 0;
    X.cur = -1;
    X.dfs_end = SIZE_MAX;
    lv_quiet = lv_quiet_max = 0;
    lv_diverged = false;
    lv_reset();
    if (X.c.weak)
        wk_reset(X.n, X.c.weak_flaw, weak_choose);

    char *buf = NULL;
    size_t len = 0;
    FILE *why = open_memstream(&buf, &len);
    X.ctx = X.s->setup(X.s, why);
    if (!X.ctx) {
        fclose(why);
        out.why = buf;
        return out;
    }
    out.ran = true;
    sem_init(&X.arrived, 0, 0);
    sem_init(&X.finished, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    X.thr = calloc((size_t)X.n, sizeof *X.thr);
    if (!X.thr) {
        fprintf(stderr, "conc-explore: out of memory\n");
        abort();
    }
    for (int t = 0; t < X.n; t++) {
        ex_thr *th = &X.thr[t];
        th->id = t;
        th->proc = X.s->proc[t];
        th->state = T_RUN;
        th->deadline = -1;
        sem_init(&th->go, 0, 0);
    }
    atomic_store(&X.active, true);
    for (int t = 0; t < X.n; t++) {
        if (pthread_create(&X.thr[t].pt, &attr, thread_main, &X.thr[t]) != 0) {
            fprintf(stderr, "conc-explore: pthread_create failed\n");
            abort();
        }
    }
    pthread_attr_destroy(&attr);
    for (int t = 0; t < X.n; t++)
        sem_wait(&X.arrived);
    schedule_from(NULL);
    sem_wait(&X.finished);
    atomic_store(&X.active, false);
    out.redundant = X.redundant;
    if (X.leaked) {
        /* Threads blocked for good inside operations: leave them, and the
         * structure they use, alone. */
        out.failed = true;
        fprintf(why, "%s\n", X.fail_msg);
        if (X.s->describe)
            X.s->describe(X.ctx, why);
        fclose(why);
        out.why = buf;
        out.trace_hash = trace_hash();
        X.thr = NULL; /* theirs now */
        X.ctx = NULL;
        conc_verify_reset(); /* they never run again */
        return out;
    }
    for (int t = 0; t < X.n; t++)
        pthread_join(X.thr[t].pt, NULL);
    for (int t = 0; t < X.n; t++)
        sem_destroy(&X.thr[t].go);
    out.trace_hash = trace_hash();
    /* the check and the report may still look at the threads' states */
    if (X.failed) {
        out.failed = true;
        fprintf(why, "%s\n", X.fail_msg);
    }
    if (!out.failed && !out.redundant && !X.s->check(X.ctx, why))
        out.failed = true;
    X.s->teardown(X.ctx);
    X.ctx = NULL;
    conc_verify_reset();
    free(X.thr);
    X.thr = NULL;
    fclose(why);
    out.why = buf;
    return out;
}

/* ---- schedule strings --------------------------------------------------- */

/* SCHED: 'a'+t (a step of thread t) or 'A'+t (its timeout or spurious
 * wake-up), each optionally followed by a repeat count; WAKE: 'w' digit;
 * READ (weak mode): 'r' hex digit, the option taken. */
static void encode(const ex_node *nd, size_t n, char *out, size_t size)
{
    size_t off = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && off + 24 < size;) {
        if (nd[i].type == D_WAKE) {
            off += (size_t)snprintf(out + off, size - off, "w%d", nd[i].choice);
            i++;
            continue;
        }
        if (nd[i].type == D_READ) {
            off += (size_t)snprintf(out + off, size - off, "r%x", nd[i].choice);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && nd[j].type == D_SCHED && nd[j].choice == nd[i].choice)
            j++;
        char c = (char)((nd[i].choice & 1) ? 'A' + nd[i].choice / 2
                                           : 'a' + nd[i].choice / 2);
        if (j - i > 1)
            off += (size_t)snprintf(out + off, size - off, "%c%zu", c, j - i);
        else
            off += (size_t)snprintf(out + off, size - off, "%c", c);
        i = j;
    }
    if (off + 24 >= size)
        snprintf(out + size - 4, 4, "...");
}

/* Parse into X.want / X.want_type; false if malformed. */
static bool decode(const char *s)
{
    size_t cap = 64, n = 0;
    uint8_t *w = malloc(cap), *ty = malloc(cap);
    if (!w || !ty)
        return false;
    while (*s) {
        int type, choice;
        if (*s >= 'a' && *s <= 'a' + EX_MAX_THREADS - 1) {
            type = D_SCHED;
            choice = 2 * (*s - 'a');
        } else if (*s >= 'A' && *s <= 'A' + EX_MAX_THREADS - 1) {
            type = D_SCHED;
            choice = 2 * (*s - 'A') + 1;
        } else if (*s == 'w' && s[1] >= '0' && s[1] < '0' + EX_MAX_THREADS) {
            type = D_WAKE;
            choice = s[1] - '0';
            s++;
        } else if (*s == 'r' && ((s[1] >= '0' && s[1] <= '9') ||
                                 (s[1] >= 'a' && s[1] <= 'f'))) {
            type = D_READ;
            choice = s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10;
            s++;
        } else {
            free(w);
            free(ty);
            return false;
        }
        s++;
        unsigned long rep = 1;
        if (type == D_SCHED && *s >= '0' && *s <= '9')
            rep = strtoul(s, (char **)&s, 10);
        if (rep == 0 || rep > 10000000) {
            free(w);
            free(ty);
            return false;
        }
        for (unsigned long k = 0; k < rep; k++) {
            if (n == cap) {
                cap *= 2;
                uint8_t *w2 = realloc(w, cap), *t2 = realloc(ty, cap);
                if (!w2 || !t2) {
                    free(w2 ? w2 : w);
                    free(t2 ? t2 : ty);
                    return false;
                }
                w = w2;
                ty = t2;
            }
            w[n] = (uint8_t)choice;
            ty[n] = (uint8_t)type;
            n++;
        }
    }
    free(X.want);
    free(X.want_type);
    X.want = w;
    X.want_type = ty;
    X.nwant = n;
    return true;
}

static void want_from_nodes(const ex_node *nd, size_t n)
{
    free(X.want);
    free(X.want_type);
    X.want = malloc(n + 1);
    X.want_type = malloc(n + 1);
    if (!X.want || !X.want_type)
        abort();
    for (size_t i = 0; i < n; i++) {
        X.want[i] = nd[i].choice;
        X.want_type[i] = nd[i].type;
    }
    X.nwant = n;
}

static void want_clear(void)
{
    free(X.want);
    free(X.want_type);
    X.want = X.want_type = NULL;
    X.nwant = 0;
}

/* ---- reporting ---------------------------------------------------------- */

static const char *point_name(const ex_trace *e)
{
    if (e->pkind == 255 || e->kind == K_TIMEOUT)
        return kind_names[e->kind];
    static const char *const pk[] = {"load", "store", "rmw", "fence",
                                     "backoff", "spin", "futex_wait",
                                     "futex_wake", "lock", "unlock", "clock",
                                     "io", "pid"};
    static const char *const rm[] = {"rmw", "xchg", "cas", "cas_weak",
                                     "fetch_add", "fetch_sub", "fetch_or",
                                     "fetch_and"};
    if (e->pkind == CONC_POINT_RMW && e->rmw < 8)
        return rm[e->rmw];
    return e->pkind < CONC_POINT_KINDS ? pk[e->pkind] : "?";
}

static const char *short_file(const char *f)
{
    if (!f)
        return "?";
    const char *s = strstr(f, "src/");
    return s ? s : f;
}

static void print_trace(FILE *o, size_t max_lines)
{
    const void *seen[256];
    int nseen = 0;
    size_t from = X.ntrace > max_lines ? X.ntrace - max_lines : 0;
    if (from)
        fprintf(o, "  ... %zu earlier steps\n", from);
    for (size_t i = 0; i < X.ntrace; i++) {
        ex_trace *e = &X.trace[i];
        int id = -1;
        for (int j = 0; j < nseen; j++)
            if (seen[j] == e->addr)
                id = j;
        if (id < 0 && e->addr && nseen < 256) {
            seen[nseen] = e->addr;
            id = nseen++;
        }
        if (i < from)
            continue;
        fprintf(o, "  %5zu %*sT%d %-10s %s:%d", i + 1, 2 * e->thread, "",
                e->thread, point_name(e), short_file(e->file), e->line);
        if (e->addr)
            fprintf(o, " @%d", id);
        if (e->kind == K_MEM) {
            if (e->pkind == CONC_POINT_STORE)
                fprintf(o, " <- %#llx", (unsigned long long)e->operand);
            else
                fprintf(o, " -> %#llx", (unsigned long long)e->result);
            if (e->pkind == CONC_POINT_RMW &&
                (e->rmw == CONC_RMW_CAS || e->rmw == CONC_RMW_CAS_WEAK))
                fprintf(o, e->ok ? " ok" : " failed");
            if (e->old)
                fprintf(o, " (an older store)");
        }
        fputc('\n', o);
    }
}

static int count_preempts(const ex_node *nd, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += nd[i].type == D_SCHED && nd[i].preempt;
    return k;
}

/* ---- shrinking ---------------------------------------------------------- */

/* X.want: the decisions b[0, n) with the preemption at j dropped, in one
 * of three ways.  0: the holder's next run of steps moves up to j; 1: only
 * its next step does; in both every other thread keeps its steps and their
 * order.  2: the decision at j becomes the holder's, which takes a step
 * from the preempting thread and shifts its run (and so, alone, missed
 * unneeded preemptions: a preempting thread then itself preempted by the
 * thread the failure needs kept the first one).  False: the way does not
 * apply (nothing to move, or the same as another). */
static bool drop_preemption(const ex_node *b, size_t n, size_t j, int how)
{
    uint8_t h = (uint8_t)(2 * b[j].cur);
    want_from_nodes(b, n);
    if (how == 2) {
        X.want[j] = h;
        return true;
    }
    size_t k = j + 1;
    while (k < n && !(b[k].type == D_SCHED && b[k].choice == h))
        k++;
    if (k >= n)
        return false;
    size_t e = k + 1;
    while (how == 0 && e < n && b[e].type == D_SCHED && b[e].choice == h)
        e++;
    if (how == 1 && e < n && b[e].type == D_SCHED && b[e].choice == h)
        ; /* a longer run: moving one step differs from way 0 */
    else if (how == 1)
        return false;
    size_t len = e - k;
    memmove(X.want + j + len, X.want + j, k - j);
    memmove(X.want_type + j + len, X.want_type + j, k - j);
    for (size_t i = j; i < j + len; i++) {
        X.want[i] = h;
        X.want_type[i] = D_SCHED;
    }
    return true;
}

/* Re-run with preemptions dropped, one at a time, keeping each drop after
 * which the execution still fails.  Leaves the failing run's decisions in
 * X.nodes / X.nnodes and returns its report. */
static exec_out shrink(exec_out fail, ex_node **best, size_t *nbest, int *runs)
{
    bool improved = true;
    while (improved && *runs < 200) {
        improved = false;
        for (size_t jh = 3 * *nbest; jh-- > 0;) {
            size_t j = jh / 3;
            int how = 2 - (int)(jh % 3); /* at each j: way 0, 1, then 2 */
            ex_node *b = *best;
            if (b[j].type != D_SCHED || !b[j].preempt ||
                !drop_preemption(b, *nbest, j, how))
                continue;
            X.soft = true;
            ex_mode saved = X.c.mode;
            X.c.mode = EX_REPLAY;
            exec_out r = run_execution();
            X.c.mode = saved;
            X.soft = false;
            (*runs)++;
            if (r.ran && r.failed && count_preempts(X.nodes, X.nnodes) <
                                         count_preempts(b, *nbest)) {
                free(fail.why);
                fail = r;
                free(*best);
                *nbest = X.nnodes;
                *best = malloc(X.nnodes * sizeof **best + 1);
                memcpy(*best, X.nodes, X.nnodes * sizeof **best);
                improved = true;
                break;
            }
            free(r.why);
            if (*runs >= 200)
                break;
        }
    }
    want_clear();
    return fail;
}

/* Report a failure: shrink it, replay the shrunk schedule twice (the same
 * trace both times, and still failing), print. */
static void report_failure(exec_out fail, ex_result *res)
{
    FILE *o = X.c.out ? X.c.out : stderr;
    size_t nbest = X.nnodes;
    ex_node *best = malloc(nbest * sizeof *best + 1);
    memcpy(best, X.nodes, nbest * sizeof *best);
    int runs = 0;
    int before = count_preempts(best, nbest);
    /* A divergent execution is not shrunk: it has no end to keep. */
    bool diverged = lv_diverged;
    if (X.c.shrink && !X.nondet && !diverged)
        fail = shrink(fail, &best, &nbest, &runs);
    char sched[sizeof res->schedule];
    if (lv_on())
        lv_string(sched, sizeof sched); /* the round-robin schedule */
    else
        encode(best, nbest, sched, sizeof sched);
    /* replay it exactly, twice */
    uint64_t h[2] = {0, 0};
    bool both_fail = true;
    exec_out last = {0};
    for (int k = 0; k < 2; k++) {
        want_from_nodes(best, nbest);
        ex_mode saved = X.c.mode;
        X.c.mode = EX_REPLAY;
        exec_out r = run_execution();
        X.c.mode = saved;
        h[k] = r.trace_hash;
        both_fail = both_fail && r.ran && r.failed && !X.misfit;
        if (k == 0) {
            last = r;
        } else {
            free(r.why);
        }
    }
    want_clear();
    snprintf(res->schedule, sizeof res->schedule, "%s", sched);
    const char *w = fail.why ? fail.why : "";
    size_t l = strcspn(w, "\n");
    snprintf(res->failure, sizeof res->failure, "%.*s", (int)(l < 200 ? l : 200), w);
    fprintf(o, "FAIL %s: %s\n", X.s->name, res->failure);
    fprintf(o, "%s", w);
    fprintf(o, "trace of the shrunk schedule (%d preemption%s; %d before "
               "shrinking, %d re-runs):\n",
            count_preempts(best, nbest), count_preempts(best, nbest) == 1 ? "" : "s",
            before, runs);
    print_trace(o, 400);
    fprintf(o, "replay: CONC_SCHEDULE='%s@%s'\n", X.s->name, sched);
    if (!both_fail)
        fprintf(o, "note: the shrunk schedule did not fail again on replay%s\n",
                X.misfit ? " (it does not fit: hidden nondeterminism)" : "");
    if (h[0] != h[1]) {
        fprintf(o, "hidden nondeterminism: the same schedule gave two different "
                   "traces\n");
        res->verdict = EX_NONDETERMINISM;
    }
    free(last.why);
    free(fail.why);
    free(best);
}

/* ---- the driver --------------------------------------------------------- */

ex_config ex_config_default(void)
{
    ex_config c;
    memset(&c, 0, sizeof c);
    c.mode = EX_DFS;
    c.bound = 2;
    c.sleep_sets = true;
    c.max_execs = 1000000;
    c.max_steps = 20000;
    c.pct_depth = 3;
    c.seed = 1;
    c.shrink = true;
    c.stop_on_failure = true;
    c.max_quiet = 5000;
    c.rr_quantum = 8;
    return c;
}

/* Sleep sets and the preemption bound.  A sleep set is sound when the
 * subtree of the sibling that put a thread to sleep was explored in full:
 * every schedule that starts with that thread's step was then tried.  A
 * bound cuts subtrees, and a schedule cut there may be equivalent to one
 * within the bound in a later sibling's subtree (Musuvathi & Qadeer,
 * "Partial-order reduction for context-bounded state exploration",
 * MSR-TR-2007-12; Coons, Musuvathi & McKinley, OOPSLA 2013).  So only a
 * choice whose subtree met no bound cut (`full`) puts its thread to sleep
 * in later siblings, or one whose equivalent costs no more preemptions
 * (sleeps_within_bound, below); with no bound this is the plain sleep-set
 * method. */
/* ... and two more cases in which an explored choice may put its thread
 * u to sleep in later siblings although its subtree met a cut.  Take a
 * schedule S that a later sibling's subtree prunes because u sleeps:
 * S = s v a x b, where s leads to the node, v is the sibling, x is u's
 * step (asleep, so independent of all of v a), and S' = s x v a b is its
 * equivalent in u's subtree.  Taking x out from between a and b never adds
 * a preemption (the switch a -> b costs at most what a -> x -> b did); so
 * p(S') <= p(S) + [choosing u here preempts] - [choosing v here preempts]
 * + [the switch x -> v preempts].  That is <= 0, and S' is within the
 * bound whenever S is (so S' or its equivalent was explored in u's
 * subtree), when
 *   - u is the holder going on (no preemption here) and the holder could
 *     go on, not at a SPIN point: every other sibling v is a preemption,
 *     and the switch x -> v costs at most 1;
 *   - x left u where switching away is free (u ended, blocked, or waits at
 *     a SPIN; seen at the next decision: step_frees), and choosing v here
 *     preempts if choosing u does: if the holder could go on, u is not the
 *     holder (the first case) and neither is v (the holder's move, when
 *     it is explored at all, is the first, default_pick); otherwise no
 *     choice here preempts.
 * In the other cases S' may need one preemption more (the test's
 * faa-vs-load-store: a thread's start, put to sleep by a sibling that
 * did not end it), and the sibling must have had no cut. */
static bool sleeps_within_bound(const ex_node *nd)
{
    if (nd->type != D_SCHED || (nd->choice & 1))
        return false;
    if (nd->cur >= 0 && !nd->cur_spins && nd->choice == 2 * nd->cur)
        return true; /* the holder went on */
    return nd->step_frees;
}

/* DFS: the next node to branch at; false when the space is exhausted. */
static bool backtrack(void)
{
    while (X.nnodes > X.pfx_floor) {
        ex_node *nd = &X.nodes[X.nnodes - 1];
        nd->done |= (uint16_t)(1u << nd->choice);
        if (nd->cut_below)
            nd->cut_any = true;
        if (!nd->cut_below || sleeps_within_bound(nd))
            nd->full |= (uint16_t)(1u << nd->choice);
        uint16_t left = (uint16_t)(nd->enabled & ~nd->done);
        if (nd->type == D_SCHED)
            left &= (uint16_t)~nd->sleep;
        for (int o = 0; o < 16; o++) {
            if (!(left & (1u << o)))
                continue;
            bool pre = nd->type == D_SCHED && is_preempt(nd->cur, nd->cur_spins, nd->enabled, o);
            if (pre && X.c.bound >= 0 && nd->preempts + 1 > X.c.bound) {
                nd->cut_here = true;
                continue;
            }
            nd->choice = (uint8_t)o;
            nd->preempt = pre;
            nd->cut_below = false;
            nd->step_frees = false;
            X.replay_len = X.nnodes;
            return true;
        }
        bool cut = nd->cut_here || nd->cut_any;
        X.nnodes--;
        if (cut && X.nnodes > X.pfx_floor)
            X.nodes[X.nnodes - 1].cut_below = true;
    }
    return false;
}

ex_result ex_explore(const ex_scenario *s, const ex_config *cfg)
{
    ex_result res;
    memset(&res, 0, sizeof res);
    X.s = s;
    X.c = *cfg;
    X.n = s->nthreads;
    FILE *o = X.c.out ? X.c.out : stderr;
    if (X.n < 1 || X.n > EX_MAX_THREADS || !s->setup || !s->run || !s->check ||
        !s->teardown) {
        fprintf(o, "conc-explore: scenario %s: bad definition\n", s->name);
        res.verdict = EX_ERROR;
        return res;
    }
    X.rng = cfg->seed ? cfg->seed : 1;
    X.pct_k = 0;
    X.pid_base = (uint32_t)getpid();
    conc_verify_set_hook2(hook, NULL);
    conc_verify_set_init_hook(X.c.weak ? weak_init_hook : NULL, NULL);
    conc_verify_reset();
    double t0 = now_s();
    X.nnodes = 0;
    X.replay_len = 0;
    X.npfx = X.pfx_i = X.pfx_missed = 0;
    X.pfx_floor = 0;
    if (X.c.mode == EX_DFS && X.c.prefix && X.c.prefix[0]) {
        if (!pfx_parse(X.c.prefix, X.n)) {
            fprintf(o, "conc-explore: %s: malformed prefix '%s' (runs "
                       "'a'+t, each with a step count, '@file:line' or "
                       "nothing)\n",
                    s->name, X.c.prefix);
            res.verdict = EX_ERROR;
            conc_verify_set_hook2(NULL, NULL);
            return res;
        }
        X.pfx_left = X.pfx[0].n;
    }
    bool more = true;

    lv_off();
    bool lv_sched = X.c.mode == EX_REPLAY && X.c.schedule &&
                    strchr("RIWA", X.c.schedule[0]) != NULL;
    if (lv_sched && !lv_parse(X.c.schedule, X.n)) { /* round robin */
        fprintf(o, "conc-explore: malformed round-robin schedule '%s' "
                   "(R|I|W|A<q0>-...-<qn-1>.<phase>.<order>)\n", X.c.schedule);
        res.verdict = EX_ERROR;
        conc_verify_set_hook2(NULL, NULL);
        return res;
    }
    uint64_t lv_space = 0, lv_k = 0;
    if (X.c.mode == EX_RR)
        lv_space = lv_begin(X.n, &X.c);

    if (X.c.mode == EX_REPLAY) {
        if (!X.c.schedule || (!lv_sched && !decode(X.c.schedule))) {
            fprintf(o, "conc-explore: malformed schedule '%s'\n",
                    X.c.schedule ? X.c.schedule : "");
            res.verdict = EX_ERROR;
            conc_verify_set_hook2(NULL, NULL);
            return res;
        }
        uint64_t h[2];
        bool failed[2];
        char *why0 = NULL;
        for (int k = 0; k < 2; k++) {
            exec_out r = run_execution();
            if (!r.ran) {
                fprintf(o, "conc-explore: %s: setup failed: %s\n", s->name,
                        r.why ? r.why : "");
                free(r.why);
                res.verdict = EX_ERROR;
                break;
            }
            h[k] = r.trace_hash;
            failed[k] = r.failed;
            if (r.failed && lv_diverged)
                res.verdict = EX_LIVELOCK;
            res.executions++;
            res.steps += X.steps;
            if (k == 0) {
                why0 = r.why;
                if (r.failed) {
                    fprintf(o, "FAIL %s: replayed schedule\n%s", s->name, r.why);
                    print_trace(o, 400);
                    size_t l = strcspn(r.why, "\n");
                    snprintf(res.failure, sizeof res.failure, "%.*s",
                             (int)(l < 200 ? l : 200), r.why);
                } else if (getenv("CONC_EXPLORE_TRACE")) {
                    /* a passing replay's trace, to write a schedule by */
                    fprintf(o, "trace of the replayed schedule (passed)\n");
                    print_trace(o, (size_t)-1);
                }
            } else {
                free(r.why);
            }
        }
        free(why0);
        if (res.verdict != EX_ERROR) {
            snprintf(res.schedule, sizeof res.schedule, "%s", X.c.schedule);
            if (h[0] != h[1] || failed[0] != failed[1]) {
                fprintf(o, "hidden nondeterminism: the schedule gave two "
                           "different traces\n");
                res.verdict = EX_NONDETERMINISM;
            } else {
                res.verdict = !failed[0] ? EX_PASS
                              : res.verdict == EX_LIVELOCK ? EX_LIVELOCK : EX_FAIL;
            }
        }
        want_clear();
        lv_off();
        conc_verify_set_hook2(NULL, NULL);
        res.seconds = now_s() - t0;
        return res;
    }

    while (more) {
        if (X.c.mode == EX_RR && (lv_k++, !lv_next())) {
            res.exhausted = true; /* every round-robin schedule ran */
            break;
        }
        if (X.c.mode == EX_PCT) {
            for (int t = 0; t < X.n; t++)
                X.prio[t] = 100 + t;
            for (int t = X.n - 1; t > 0; t--) { /* shuffle */
                int j = (int)(rnd() % (uint64_t)(t + 1));
                int tmp = X.prio[t];
                X.prio[t] = X.prio[j];
                X.prio[j] = tmp;
            }
            X.nchange = X.c.pct_depth > 1 ? X.c.pct_depth - 1 : 0;
            if (X.nchange > 16)
                X.nchange = 16;
            uint64_t k = X.pct_k ? X.pct_k : 50;
            for (int j = 0; j < X.nchange; j++)
                X.change[j] = 1 + rnd() % k;
        }
        X.dfs_branch = true;
        exec_out r = run_execution();
        X.pfx_i = X.npfx; /* the prefix made its nodes in the first one */
        if (X.pfx_missed) {
            /* Not an error: the search goes on below what the prefix did
             * make (a mutant may take another path); test_explorer checks
             * that every custom scenario's prefix fits the tree. */
            int k = X.pfx_missed - 1;
            fprintf(o, "conc-explore: %s: prefix '%s': T%d stopped before "
                       "%s:%d, its run's site\n",
                    s->name, X.c.prefix, X.pfx[k].t, X.pfx[k].file, X.pfx[k].line);
            X.pfx_missed = 0;
            res.prefix_missed = true;
        }
        if (X.c.verbose && X.c.mode == EX_RR && r.ran) {
            char b[128];
            lv_string(b, sizeof b);
            fprintf(o, "rr %s: %llu steps, at most %llu with no operation "
                       "completed\n", b, (unsigned long long)X.steps,
                    (unsigned long long)lv_quiet_max);
        }
        if (!r.ran) {
            fprintf(o, "conc-explore: %s: setup failed: %s\n", s->name,
                    r.why ? r.why : "");
            free(r.why);
            res.verdict = EX_ERROR;
            break;
        }
        res.steps += X.steps;
        if (X.nnodes > res.max_depth)
            res.max_depth = X.nnodes;
        if (X.steps > res.max_steps)
            res.max_steps = X.steps;
        if (lv_quiet_max > res.max_quiet)
            res.max_quiet = lv_quiet_max;
        if (X.sched_decisions > X.pct_k)
            X.pct_k = X.sched_decisions;
        if (r.redundant && !r.failed) {
            res.redundant++;
        } else {
            res.executions++;
        }
        if (r.failed) {
            if (!res.first_failure_exec) {
                res.first_failure_exec = res.executions;
                res.first_failure_seconds = now_s() - t0;
            }
            res.verdict = X.nondet ? EX_NONDETERMINISM
                          : lv_diverged ? EX_LIVELOCK : EX_FAIL;
            /* keep the DFS stack: the report's re-runs overwrite X.nodes */
            size_t saved_n = X.nnodes;
            ex_node *saved = malloc(saved_n * sizeof *saved + 1);
            memcpy(saved, X.nodes, saved_n * sizeof *saved);
            ex_verdict v = res.verdict;
            size_t saved_end = X.dfs_end;
            report_failure(r, &res);
            X.dfs_end = saved_end;
            if (res.verdict != EX_NONDETERMINISM)
                res.verdict = v;
            memcpy(X.nodes, saved, saved_n * sizeof *saved);
            X.nnodes = saved_n;
            free(saved);
            if (X.c.stop_on_failure)
                break;
        } else {
            free(r.why);
        }
        if (X.c.mode == EX_DFS) {
            if (X.dfs_end < X.nnodes)
                X.nnodes = X.dfs_end; /* past a redundant cut: not branched */
            if (!backtrack()) {
                res.exhausted = true;
                more = false;
            }
        }
        /* The cap counts every execution run: the redundant ones the sleep
         * sets cut are not checked, but each runs to its end and costs
         * about as much as a checked one. */
        if (X.c.max_execs && res.executions + res.redundant >= X.c.max_execs)
            more = false;
        if (X.c.max_seconds > 0 && now_s() - t0 >= X.c.max_seconds)
            more = false;
    }
    if (X.c.mode == EX_RR && lv_k >= lv_space && res.verdict == EX_PASS)
        res.exhausted = true;
    lv_off();
    conc_verify_set_hook2(NULL, NULL);
    res.seconds = now_s() - t0;
    return res;
}
