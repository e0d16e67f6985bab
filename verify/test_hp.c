/*
 * test_hp.c - hazard pointers (src/hp.c, internal/hp.h).
 *
 *   1. single thread: an unprotected retired object is freed at once.
 *   2. a protected object survives retire and scans until its protector
 *      (another thread, or the retirer itself) clears the slot.
 *   3. thread exit: a retirer exits while another thread protects its
 *      objects; they become orphans, adopted and freed by a later scan of
 *      another thread (or by the protector's own exit scan), never before
 *      the protector clears.
 *   4. stress: writers exchange new objects into a shared pointer and retire
 *      the old ones, readers protect and check them, mostly while moving
 *      them between their two slots with conc__hp_set (both directions: a
 *      scan that does not re-read a record whose owner moved a value frees
 *      objects still in use, which this catches); threads come and go in
 *      rounds (records are reused, leftovers orphaned).  Every object carries
 *      canaries that its free_fn poisons before free(), so a use after free
 *      shows even without ASan.  At the end every object was freed exactly
 *      once and nothing is pending.
 *   5. the bound: T threads each protect one object that a neighbour retires;
 *      pending() <= slots in use; all freed after clear + scan.
 *   6. out of memory (test hook): retire without a node frees at once, parks
 *      a protected object in a reserve node, spin-waits when the reserve is
 *      full (even with the caller's own slot holding the object), and a
 *      thread exiting with reserve nodes in use hands them on or waits.
 *
 * Objects with a guard: the protector sets the guard just before it clears
 * its slot, and free_fn counts a free that finds the guard unset ("early").
 *
 * Sizes: CONC_TEST_SCALE (default 1) times a mode factor (smaller under
 * sanitizers and in the verify build).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/hp.h"
#include "tap.h"
#include "testutil.h"

#ifdef CONC_VERIFY
#include "internal/verify.h"
#endif

#define ALIVE UINT64_C(0x0A11FE0A11FE0A11)
#define DEAD UINT64_C(0xDEADDEADDEADDEAD)

static double g_scale = 1.0;

static size_t scaled(double n, size_t min)
{
    double v = n * g_scale;
    return v < (double)min ? min : (size_t)v;
}

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */

struct obj {
    uint64_t head[2]; /* malloc may reuse these words in a freed chunk */
    uint64_t canary;
    uint64_t id;
    uint64_t gen;
    atomic_int *guard; /* if set, *guard must be 1 when the object is freed */
    uint64_t data[4];  /* data[i] == mix(gen + i) */
    uint64_t canary2;
};

static atomic_size_t g_allocated, g_freed;
static atomic_size_t g_bad_free, g_early_free, g_double_free;
static atomic_uchar *g_flags; /* g_flags[id]: freed */
static size_t g_flag_cap;

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        bail_out("out of memory");
    return p;
}

static struct obj *obj_new(uint64_t gen, atomic_int *guard)
{
    struct obj *o = xmalloc(sizeof *o);
    o->head[0] = o->head[1] = 0;
    o->canary = o->canary2 = ALIVE;
    o->id = atomic_fetch_add(&g_allocated, 1);
    if (o->id >= g_flag_cap)
        bail_out("object ids exceed the flag array (%zu)", g_flag_cap);
    o->gen = gen;
    o->guard = guard;
    for (int i = 0; i < 4; i++)
        o->data[i] = mix(gen + (uint64_t)i);
    return o;
}

static void obj_free(void *p)
{
    struct obj *o = p;
    if (o->canary != ALIVE || o->canary2 != ALIVE)
        atomic_fetch_add(&g_bad_free, 1);
    if (o->guard && !atomic_load(o->guard))
        atomic_fetch_add(&g_early_free, 1);
    if (atomic_exchange(&g_flags[o->id], 1))
        atomic_fetch_add(&g_double_free, 1);
    o->canary = o->canary2 = DEAD;
    o->gen = DEAD;
    for (int i = 0; i < 4; i++)
        o->data[i] = DEAD;
    free(o);
    atomic_fetch_add(&g_freed, 1);
}

static bool freed(uint64_t id) { return atomic_load(&g_flags[id]) != 0; }

/* Is the object intact (canaries, data matching its generation)? */
static bool obj_ok(const struct obj *o)
{
    if (o->canary != ALIVE || o->canary2 != ALIVE)
        return false;
    for (int i = 0; i < 4; i++)
        if (o->data[i] != mix(o->gen + (uint64_t)i))
            return false;
    return true;
}

static size_t frees(void) { return atomic_load(&g_freed); }

/* ------------------------------------------------------------------------ */
/* Gates: a step counter threads wait on                                    */

typedef struct { atomic_int v; } gate;

static void gate_set(gate *g, int v) { atomic_store(&g->v, v); }
static void gate_add(gate *g) { atomic_fetch_add(&g->v, 1); }
static void gate_wait(gate *g, int v)
{
    while (atomic_load(&g->v) < v)
        sched_yield();
}

static void spawn(pthread_t *th, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(th, NULL, fn, arg);
    if (rc != 0)
        bail_out("pthread_create: %s", strerror(rc));
}

static void join(pthread_t th) { pthread_join(th, NULL); }

/* ------------------------------------------------------------------------ */
/* 1. single thread                                                          */

static void test_single(void)
{
    conc__hp_rec *r = conc__hp_self();
    ok(r != NULL, "single: conc__hp_self gives a record");
    ok(conc__hp_self() == r, "single: the same record on the second call");
    size_t f0 = frees();
    struct obj *o = obj_new(1, NULL);
    uint64_t id = o->id;
    conc__hp_retire(r, o, obj_free);
    ok(frees() == f0 + 1 && freed(id), "single: unprotected object freed by retire");
    ok(conc__hp_pending() == 0, "single: pending 0 (got %zu)", conc__hp_pending());

    /* A protected-then-cleared slot no longer holds anything back. */
    conc_atomic_uptr src;
    conc_init_uptr(&src, 0);
    ok(conc__hp_protect(r, 0, &src) == 0, "single: protect of NULL gives 0");
    o = obj_new(2, NULL);
    id = o->id;
    conc_store_uptr(&src, (uintptr_t)o, CONC_SEQ_CST);
    ok(conc__hp_protect(r, 1, &src) == (uintptr_t)o, "single: protect gives the pointer");
    conc__hp_clear(r, 1);
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST);
    conc__hp_retire(r, o, obj_free);
    ok(freed(id) && conc__hp_pending() == 0, "single: freed once the slot was cleared");
    conc__hp_retire(r, NULL, obj_free);
    conc__hp_scan(r);
    conc__hp_scan(NULL);
    ok(conc__hp_pending() == 0, "single: NULL retire and scans are harmless");
}

/* ------------------------------------------------------------------------ */
/* 2. protected object                                                       */

struct prot_arg {
    gate *g;
    conc_atomic_uptr *src;
    atomic_int *guard;
    uintptr_t seen;
    bool intact;
};

static void *protector2(void *arg)
{
    struct prot_arg *a = arg;
    conc__hp_rec *r = conc__hp_self();
    a->seen = conc__hp_protect(r, 0, a->src);
    gate_set(a->g, 1);
    gate_wait(a->g, 2);
    a->intact = obj_ok((struct obj *)a->seen);
    atomic_store(a->guard, 1);
    conc__hp_clear(r, 0);
    gate_set(a->g, 3);
    gate_wait(a->g, 4);
    return NULL;
}

static void test_protected(void)
{
    conc__hp_rec *r = conc__hp_self();
    gate g = {0};
    atomic_int guard = 0;
    conc_atomic_uptr src;
    struct obj *o = obj_new(10, &guard);
    uint64_t id = o->id;
    conc_init_uptr(&src, (uintptr_t)o);
    struct prot_arg a = {&g, &src, &guard, 0, false};
    pthread_t th;
    spawn(&th, protector2, &a);
    gate_wait(&g, 1);
    ok(a.seen == (uintptr_t)o, "protected: other thread protected the object");
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST); /* unlink */
    conc__hp_retire(r, o, obj_free);
    ok(!freed(id) && conc__hp_pending() == 1,
       "protected: retire keeps it (pending %zu)", conc__hp_pending());
    conc__hp_scan(r);
    ok(!freed(id), "protected: a scan keeps it while the slot holds it");
    gate_set(&g, 2);
    gate_wait(&g, 3);
    conc__hp_scan(r);
    ok(freed(id) && conc__hp_pending() == 0,
       "protected: freed by the scan after the protector cleared");
    ok(a.intact, "protected: intact while protected");
    gate_set(&g, 4);
    join(th);

    /* The retirer's own slot protects it. */
    atomic_int guard2 = 0;
    o = obj_new(11, &guard2);
    id = o->id;
    conc_store_uptr(&src, (uintptr_t)o, CONC_SEQ_CST);
    struct obj *p = (struct obj *)conc__hp_protect(r, 1, &src);
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST);
    conc__hp_retire(r, o, obj_free);
    ok(p == o && !freed(id) && conc__hp_pending() == 1 && obj_ok(p),
       "protected: own slot keeps it through retire");
    atomic_store(&guard2, 1);
    conc__hp_clear(r, 1);
    conc__hp_scan(r);
    ok(freed(id) && conc__hp_pending() == 0, "protected: own clear + scan frees it");

    /* conc__hp_set of an already protected value keeps it too. */
    atomic_int guard3 = 0;
    o = obj_new(12, &guard3);
    id = o->id;
    conc_store_uptr(&src, (uintptr_t)o, CONC_SEQ_CST);
    uintptr_t v = conc__hp_protect(r, 0, &src);
    conc__hp_set(r, 1, v);
    conc__hp_clear(r, 0);
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST);
    conc__hp_retire(r, o, obj_free);
    ok(!freed(id), "protected: a slot filled by conc__hp_set keeps it");
    atomic_store(&guard3, 1);
    conc__hp_clear(r, 1);
    conc__hp_scan(r);
    ok(freed(id) && conc__hp_pending() == 0, "protected: freed after that slot cleared");
}

/* ------------------------------------------------------------------------ */
/* 3. thread exit and orphans                                                */

#define RET3_EXTRA 10

struct orph {
    gate g;   /* main -> protector: 3 clear slot 0, 5 clear slot 1 */
    gate ack; /* protector -> main: 1 protected, 4 slot 0 cleared */
    conc_atomic_uptr src[2];
    atomic_int guard[2];
    uint64_t id[2];
    bool intact[2];
    size_t extra_freed; /* unprotected objects the retirer saw freed */
};

/* Protects both objects; clears slot 0 at step 3, slot 1 at step 5. */
static void *protector3(void *arg)
{
    struct orph *s = arg;
    conc__hp_rec *r = conc__hp_self();
    struct obj *a = (struct obj *)conc__hp_protect(r, 0, &s->src[0]);
    struct obj *b = (struct obj *)conc__hp_protect(r, 1, &s->src[1]);
    gate_set(&s->ack, 1);
    gate_wait(&s->g, 3);
    s->intact[0] = obj_ok(a);
    atomic_store(&s->guard[0], 1);
    conc__hp_clear(r, 0);
    gate_set(&s->ack, 4);
    gate_wait(&s->g, 5);
    s->intact[1] = obj_ok(b);
    atomic_store(&s->guard[1], 1);
    conc__hp_clear(r, 1);
    return NULL; /* exits holding nothing */
}

static void *retirer3(void *arg)
{
    struct orph *s = arg;
    conc__hp_rec *r = conc__hp_self();
    for (int i = 0; i < 2; i++) {
        struct obj *o = (struct obj *)conc_exchange_uptr(&s->src[i], 0, CONC_SEQ_CST);
        conc__hp_retire(r, o, obj_free);
    }
    for (int i = 0; i < RET3_EXTRA; i++) {
        struct obj *o = obj_new(100 + (uint64_t)i, NULL);
        uint64_t id = o->id;
        conc__hp_retire(r, o, obj_free);
        s->extra_freed += freed(id);
    }
    return NULL; /* exits with two protected objects on its list */
}

static void orph_setup(struct orph *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 2; i++) {
        struct obj *o = obj_new(20 + (uint64_t)i, &s->guard[i]);
        s->id[i] = o->id;
        conc_init_uptr(&s->src[i], (uintptr_t)o);
    }
}

static void test_orphans(void)
{
    conc__hp_rec *me = conc__hp_self();
    static struct orph s;
    pthread_t p, q;

    /* (a) adopted by another thread's scan */
    orph_setup(&s);
    spawn(&p, protector3, &s);
    gate_wait(&s.ack, 1);
    spawn(&q, retirer3, &s);
    join(q);
    ok(s.extra_freed == RET3_EXTRA, "orphans: retirer freed its %d unprotected objects",
       RET3_EXTRA);
    ok(conc__hp_pending() == 2 && !freed(s.id[0]) && !freed(s.id[1]),
       "orphans: retirer exited, 2 orphans pending (got %zu)", conc__hp_pending());
    conc__hp_scan(me);
    ok(conc__hp_pending() == 2 && !freed(s.id[0]) && !freed(s.id[1]),
       "orphans: adopted but kept while protected");
    gate_set(&s.g, 3);
    gate_wait(&s.ack, 4);
    conc__hp_scan(me);
    ok(freed(s.id[0]) && !freed(s.id[1]) && conc__hp_pending() == 1,
       "orphans: slot 0 cleared -> first freed, second kept");
    gate_set(&s.g, 5);
    join(p);
    ok(!freed(s.id[1]), "orphans: second still pending after the protector exited");
    conc__hp_scan(me);
    ok(freed(s.id[1]) && conc__hp_pending() == 0, "orphans: second freed by a later scan");
    ok(s.intact[0] && s.intact[1], "orphans: both intact while protected");

    /* (b) adopted and freed by the protector's own exit scan */
    orph_setup(&s);
    spawn(&p, protector3, &s);
    gate_wait(&s.ack, 1);
    spawn(&q, retirer3, &s);
    join(q);
    ok(conc__hp_pending() == 2, "orphans: second round, 2 orphans pending");
    gate_set(&s.g, 5); /* the protector clears both slots and exits */
    join(p);
    ok(freed(s.id[0]) && freed(s.id[1]) && conc__hp_pending() == 0,
       "orphans: the protector's exit scan adopted and freed them");
    ok(s.intact[0] && s.intact[1], "orphans: intact until cleared");
}

/* ------------------------------------------------------------------------ */
/* 4. stress                                                                 */

static conc_atomic_uptr g_shared;
static atomic_uint_fast64_t g_gen;
static atomic_int g_writers_left;

struct stress_arg {
    int idx;
    bool writer;
    size_t writes;
    size_t min_reads;
    uint64_t seed;
    size_t reads, bad, retired, max_pending;
    pthread_t th;
};

static void *stress_main(void *arg)
{
    struct stress_arg *a = arg;
    conc__hp_rec *r = conc__hp_self();
    uint64_t s = a->seed | 1;
    size_t w = 0;
    if (!r) {
        a->bad++;
        if (a->writer)
            atomic_fetch_sub(&g_writers_left, 1);
        return NULL;
    }
    for (;;) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        if (a->writer && w < a->writes && (s & 3) == 0) {
            struct obj *n = obj_new(atomic_fetch_add(&g_gen, 1), NULL);
            uintptr_t old = conc_exchange_uptr(&g_shared, (uintptr_t)n, CONC_SEQ_CST);
            conc__hp_retire(r, (void *)old, obj_free);
            a->retired += old != 0;
            if ((w & 63) == 0) {
                size_t pend = conc__hp_pending();
                if (pend > a->max_pending)
                    a->max_pending = pend;
            }
            if (++w == a->writes)
                atomic_fetch_sub(&g_writers_left, 1);
            continue;
        }
        if (!a->writer || w == a->writes) {
            if (a->reads >= a->min_reads && atomic_load(&g_writers_left) == 0)
                break;
            if (a->writer && (s & 7) == 0)
                conc__hp_scan(r);
        }
        int slot = (int)(s >> 20) & 1;
        struct obj *o = (struct obj *)conc__hp_protect(r, slot, &g_shared);
        if (!o)
            continue;
        uint64_t gen = o->gen;
        bool good = obj_ok(o);
        /* Move it to the other slot and back, 0-3 times, with conc__hp_set. */
        for (int m = (int)((s >> 24) & 3); m > 0; m--) {
            conc__hp_set(r, slot ^ 1, (uintptr_t)o);
            conc__hp_clear(r, slot);
            slot ^= 1;
            good = good && obj_ok(o);
        }
        if (((s >> 32) & 15) == 0)
            sched_yield(); /* hold it a while: writers retire meanwhile */
        else
            for (volatile int k = 0; k < (int)((s >> 40) & 63); k++)
                ;
        good = good && obj_ok(o) && o->gen == gen;
        if (!good && a->bad++ < 3)
            diag("stress: thread %d saw a damaged object (canary %#llx gen %llu)",
                 a->idx, (unsigned long long)o->canary, (unsigned long long)o->gen);
        conc__hp_clear(r, slot);
        a->reads++;
    }
    return NULL;
}

static void test_stress(void)
{
    size_t rounds = scaled(8, 2);
    int nthreads = 6; /* 2 writers + 4 readers per round, on 2 cores */
    size_t writes = scaled(60000, 200);
    size_t min_reads = scaled(4000, 100);
    conc__hp_rec *me = conc__hp_self();
    size_t alloc0 = atomic_load(&g_allocated), freed0 = frees();
    size_t reads = 0, bad = 0, retired = 0, max_pending = 0;
    struct stress_arg *args = xmalloc(sizeof *args * (size_t)nthreads);

    tap_watchdog(120, "stress");
    conc_init_uptr(&g_shared, (uintptr_t)obj_new(atomic_fetch_add(&g_gen, 1), NULL));
    for (size_t rd = 0; rd < rounds; rd++) {
        atomic_store(&g_writers_left, 2);
        for (int i = 0; i < nthreads; i++) {
            struct stress_arg *a = &args[i];
            memset(a, 0, sizeof *a);
            a->idx = i;
            a->writer = i < 2;
            a->writes = writes;
            a->min_reads = min_reads;
            a->seed = mix(rd * 131 + (uint64_t)i + 7);
            spawn(&a->th, stress_main, a);
        }
        for (int i = 0; i < nthreads; i++) {
            join(args[i].th);
            reads += args[i].reads;
            bad += args[i].bad;
            retired += args[i].retired;
            if (args[i].max_pending > max_pending)
                max_pending = args[i].max_pending;
        }
        /* Between rounds the readers are gone: anything still pending was
         * kept because a slot held it at its last scan. */
    }
    size_t pend_before = conc__hp_pending();
    conc__hp_retire(me, (void *)conc_exchange_uptr(&g_shared, 0, CONC_SEQ_CST), obj_free);
    conc__hp_scan(me);
    tap_watchdog(0, NULL);

    size_t alloc = atomic_load(&g_allocated) - alloc0;
    size_t fr = frees() - freed0;
    diag("stress: %zu rounds x %d threads, %zu objects, %zu retires, %zu reads, "
         "max %zu pending seen, %zu pending before the final scan",
         rounds, nthreads, alloc, retired + 1, reads, max_pending, pend_before);
    ok(bad == 0, "stress: readers saw no damaged object (%zu bad)", bad);
    ok(reads >= rounds * 4 * min_reads, "stress: readers read (%zu)", reads);
    ok(conc__hp_pending() == 0, "stress: nothing pending at the end (%zu)", conc__hp_pending());
    ok(alloc == fr, "stress: allocated %zu == freed %zu", alloc, fr);
    for (size_t id = alloc0; id < alloc0 + alloc; id++)
        check(freed(id), "stress: object %zu never freed", id);
    check_group("stress: every object freed");
    ok(atomic_load(&g_double_free) == 0 && atomic_load(&g_bad_free) == 0,
       "stress: no double free, no damaged object at free");
    free(args);
}

/* ------------------------------------------------------------------------ */
/* 5. the bound                                                              */

struct bound {
    int n;
    conc_atomic_uptr *src;
    atomic_int *guard;
    gate arrive, phase;
};

struct bound_arg {
    struct bound *b;
    int i;
    size_t extra_freed;
};

static void *bound_main(void *arg)
{
    struct bound_arg *a = arg;
    struct bound *b = a->b;
    conc__hp_rec *r = conc__hp_self();
    conc__hp_protect(r, 0, &b->src[a->i]);
    gate_add(&b->arrive);
    gate_wait(&b->phase, 1);
    int j = (a->i + 1) % b->n; /* retire the neighbour's object */
    conc__hp_retire(r, (void *)conc_exchange_uptr(&b->src[j], 0, CONC_SEQ_CST), obj_free);
    for (int k = 0; k < 3; k++) {
        struct obj *o = obj_new(300, NULL);
        uint64_t id = o->id;
        conc__hp_retire(r, o, obj_free);
        a->extra_freed += freed(id);
    }
    gate_add(&b->arrive);
    gate_wait(&b->phase, 2);
    atomic_store(&b->guard[a->i], 1);
    conc__hp_clear(r, 0);
    gate_add(&b->arrive);
    gate_wait(&b->phase, 3);
    conc__hp_scan(r);
    gate_add(&b->arrive);
    gate_wait(&b->phase, 4);
    return NULL;
}

static void test_bound(void)
{
    int n = (int)scaled(8, 4);
    if (n > 64)
        n = 64;
    struct bound b = {0};
    b.n = n;
    b.src = xmalloc(sizeof *b.src * (size_t)n);
    b.guard = xmalloc(sizeof *b.guard * (size_t)n);
    uint64_t *ids = xmalloc(sizeof *ids * (size_t)n);
    struct bound_arg *args = xmalloc(sizeof *args * (size_t)n);
    pthread_t *th = xmalloc(sizeof *th * (size_t)n);
    for (int i = 0; i < n; i++) {
        atomic_init(&b.guard[i], 0);
        struct obj *o = obj_new(200 + (uint64_t)i, &b.guard[i]);
        ids[i] = o->id;
        conc_init_uptr(&b.src[i], (uintptr_t)o);
        args[i] = (struct bound_arg){&b, i, 0};
    }
    for (int i = 0; i < n; i++)
        spawn(&th[i], bound_main, &args[i]);
    gate_wait(&b.arrive, n);
    gate_set(&b.phase, 1);
    gate_wait(&b.arrive, 2 * n);
    size_t pend = conc__hp_pending();
    size_t extra = 0;
    int any_freed = 0;
    for (int i = 0; i < n; i++) {
        extra += args[i].extra_freed;
        any_freed |= freed(ids[i]);
    }
    ok(pend <= (size_t)n, "bound: %d slots in use, pending %zu <= %d", n, pend, n);
    ok(pend == (size_t)n && !any_freed, "bound: every protected object kept");
    ok(extra == (size_t)(3 * n), "bound: unprotected retires freed at once (%zu)", extra);
    gate_set(&b.phase, 2);
    gate_wait(&b.arrive, 3 * n);
    ok(conc__hp_pending() == (size_t)n, "bound: still pending after clears, until a scan");
    gate_set(&b.phase, 3);
    gate_wait(&b.arrive, 4 * n);
    int all = 1;
    for (int i = 0; i < n; i++)
        all &= freed(ids[i]);
    ok(all && conc__hp_pending() == 0, "bound: all freed after clear + scan (pending %zu)",
       conc__hp_pending());
    gate_set(&b.phase, 4);
    for (int i = 0; i < n; i++)
        join(th[i]);
    free(b.src);
    free((void *)b.guard);
    free(ids);
    free(args);
    free(th);
}

/* ------------------------------------------------------------------------ */
/* 6. out of memory                                                          */

/* The allocation-failure hooks exist only in libconc-verify (hp.h): these
 * cases run in test_hp_verify. */
#ifdef CONC_VERIFY

struct oom {
    gate g;
    conc_atomic_uptr src[2];
    atomic_int guard[2];
    long delay_ms;
};

/* Protects src[0] in slot 0 and src[1] in slot 1 (if set); at step 2 waits
 * delay_ms, then sets guard 0 and clears slot 0; at step 4 clears slot 1. */
static void *oom_protector(void *arg)
{
    struct oom *s = arg;
    conc__hp_rec *r = conc__hp_self();
    conc__hp_protect(r, 0, &s->src[0]);
    conc__hp_protect(r, 1, &s->src[1]);
    gate_set(&s->g, 1);
    gate_wait(&s->g, 2);
    sleep_ms(s->delay_ms);
    atomic_store(&s->guard[0], 1);
    conc__hp_clear(r, 0);
    gate_wait(&s->g, 4);
    atomic_store(&s->guard[1], 1);
    conc__hp_clear(r, 1);
    return NULL;
}

static void oom_setup(struct oom *s, uint64_t *ids, int nobj)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 2; i++) {
        struct obj *o = i < nobj ? obj_new(400 + (uint64_t)i, &s->guard[i]) : NULL;
        ids[i] = o ? o->id : 0;
        conc_init_uptr(&s->src[i], (uintptr_t)o);
    }
}

struct oom_exit {
    conc_atomic_uptr *src;
    gate *g;
    bool heal; /* wait for step 1 (allocation works again) before exiting */
};

static void *oom_exiter(void *arg)
{
    struct oom_exit *e = arg;
    conc__hp_rec *r = conc__hp_self();
    conc__hp_retire(r, (void *)conc_exchange_uptr(e->src, 0, CONC_SEQ_CST), obj_free);
    if (e->heal) {
        gate_set(e->g, 1);
        gate_wait(e->g, 2);
    }
    return NULL;
}

static void test_oom(void)
{
    conc__hp_rec *me = conc__hp_self();
    struct oom s;
    uint64_t ids[2];
    pthread_t p, q;
    tap_watchdog(60, "out of memory");

    /* (a) nothing protects it: freed at once, without a node */
    conc__hp_test_fail_allocs(true);
    struct obj *o = obj_new(390, NULL);
    uint64_t id = o->id;
    conc__hp_retire(me, o, obj_free);
    ok(freed(id) && conc__hp_pending() == 0, "oom: unprotected object freed at once");

    /* (b) own slot protects it: parked in a reserve node */
    conc_atomic_uptr src;
    atomic_int guard = 0;
    o = obj_new(391, &guard);
    id = o->id;
    conc_init_uptr(&src, (uintptr_t)o);
    conc__hp_protect(me, 0, &src);
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST);
    conc__hp_retire(me, o, obj_free);
    ok(!freed(id) && conc__hp_pending() == 1, "oom: own-protected object kept in reserve");
    atomic_store(&guard, 1);
    conc__hp_clear(me, 0);
    conc__hp_scan(me); /* the no-allocation scan path */
    ok(freed(id) && conc__hp_pending() == 0, "oom: freed by a no-allocation scan");

    /* (c) the reserve is full and the caller's own slot holds the object:
     * retire waits until another thread frees a reserve node. */
    oom_setup(&s, ids, 2);
    s.delay_ms = 30;
    spawn(&p, oom_protector, &s);
    gate_wait(&s.g, 1);
    for (int i = 0; i < 2; i++)
        conc__hp_retire(me, (void *)conc_exchange_uptr(&s.src[i], 0, CONC_SEQ_CST),
                       obj_free);
    ok(conc__hp_pending() == 2 && !freed(ids[0]) && !freed(ids[1]),
       "oom: both reserve nodes in use");
    atomic_int guard_z = 0;
    o = obj_new(392, &guard_z);
    id = o->id;
    conc_init_uptr(&src, (uintptr_t)o);
    conc__hp_protect(me, 0, &src);
    conc_exchange_uptr(&src, 0, CONC_SEQ_CST);
    gate_set(&s.g, 2); /* the protector clears slot 0 after 30 ms */
    conc__hp_retire(me, o, obj_free); /* spins until then */
    ok(freed(ids[0]) && !freed(ids[1]) && !freed(id) && conc__hp_pending() == 2,
       "oom: retire waited for a reserve node, then parked the object");
    atomic_store(&guard_z, 1);
    conc__hp_clear(me, 0);
    gate_set(&s.g, 4);
    join(p);
    conc__hp_scan(me);
    ok(freed(ids[1]) && freed(id) && conc__hp_pending() == 0, "oom: all freed at the end");

    /* (d) a thread exits with a reserve node in use and still no memory: it
     * waits at exit until the protector clears, then frees the object. */
    oom_setup(&s, ids, 1);
    s.delay_ms = 30;
    spawn(&p, oom_protector, &s);
    gate_wait(&s.g, 1);
    gate ge = {0};
    struct oom_exit e = {&s.src[0], &ge, false};
    spawn(&q, oom_exiter, &e);
    sleep_ms(10);
    ok(!freed(ids[0]), "oom: exiting thread keeps the protected object");
    gate_set(&s.g, 2);
    join(q);
    ok(freed(ids[0]) && conc__hp_pending() == 0, "oom: freed by the exiting thread's wait");
    gate_set(&s.g, 4);
    join(p);

    /* (e) memory is back by the time it exits: the reserve node is moved to
     * a heap node and orphaned. */
    oom_setup(&s, ids, 1);
    s.delay_ms = 0;
    spawn(&p, oom_protector, &s);
    gate_wait(&s.g, 1);
    gate ge2 = {0};
    struct oom_exit e2 = {&s.src[0], &ge2, true};
    spawn(&q, oom_exiter, &e2);
    gate_wait(&ge2, 1);
    conc__hp_test_fail_allocs(false);
    gate_set(&ge2, 2);
    join(q);
    ok(!freed(ids[0]) && conc__hp_pending() == 1, "oom: orphaned from the reserve");
    gate_set(&s.g, 2);
    gate_set(&s.g, 4);
    join(p); /* the protector's exit scan adopts and frees it */
    ok(freed(ids[0]) && conc__hp_pending() == 0, "oom: orphan freed after clear");
    conc__hp_test_fail_allocs(false);
    tap_watchdog(0, NULL);
}

/* ------------------------------------------------------------------------ */
/* 7. conc_verify_reset's edges (issue 12 holes, hp): the reset with an
 * orphan pending, with a reserve node in use, and with the allocation
 * failure hook on.  Each object counts its own frees.                       */

static atomic_int g_rs_frees[8];

static void rs_free(void *p)
{
    atomic_fetch_add(&g_rs_frees[(atomic_int *)p - g_rs_frees], 1);
}

static int rs_frees(int i) { return atomic_load(&g_rs_frees[i]); }

static void *rs_retire_exit(void *arg)
{
    conc__hp_rec *r = conc__hp_self();
    if (!r)
        bail_out("conc__hp_self");
    conc__hp_retire(r, arg, rs_free);
    return NULL; /* the exit (the key's destructor) orphans it */
}

struct rs_holder {
    void *obj;
    gate g;          /* 1: holding; 2: the main thread is done */
    atomic_int timed_out;
};

/* Holds obj in slot 0 until the main thread says it is done, or 2 s. */
static void *rs_hold(void *arg)
{
    struct rs_holder *h = arg;
    conc__hp_rec *r = conc__hp_self();
    if (!r)
        bail_out("conc__hp_self");
    conc__hp_set(r, 0, (uintptr_t)h->obj);
    gate_set(&h->g, 1);
    uint64_t t0 = now_ns();
    while (atomic_load(&h->g.v) < 2) {
        if (now_ns() - t0 > UINT64_C(2000000000)) {
            atomic_store(&h->timed_out, 1);
            break;
        }
        sleep_ms(1);
    }
    conc__hp_clear(r, 0);
    return NULL;
}

static void test_reset_edges(void)
{
    tap_watchdog(60, "reset edges");
    for (int i = 0; i < 8; i++)
        atomic_store(&g_rs_frees[i], 0);

    /* (a) an orphan still pending at the reset (no scan in between): the
     * reset frees it, and the orphan count goes back to 0 with it. */
    conc_verify_reset();
    conc__hp_rec *me = conc__hp_self();
    conc__hp_set(me, 0, (uintptr_t)&g_rs_frees[0]); /* not retired yet */
    pthread_t t;
    spawn(&t, rs_retire_exit, &g_rs_frees[0]);
    join(t);
    size_t before = conc__hp_pending();
    conc_verify_reset(); /* forgets `me` */
    ok(before == 1 && rs_frees(0) == 1 && conc__hp_pending() == 0,
       "reset with an orphan pending: freed once, nothing pending after "
       "(%zu pending before, %zu after, %d frees)", before, conc__hp_pending(),
       rs_frees(0));

    /* (b) both reserve nodes in use at the reset (no memory when they were
     * retired, the caller's own slots holding them): the reset runs their
     * free_fns and does not free() the nodes, which are part of the
     * record. */
    me = conc__hp_self();
    conc__hp_test_fail_allocs(true);
    for (int i = 1; i <= 2; i++) {
        conc__hp_set(me, i - 1, (uintptr_t)&g_rs_frees[i]);
        conc__hp_retire(me, &g_rs_frees[i], rs_free);
    }
    conc__hp_test_fail_allocs(false);
    before = conc__hp_pending();
    conc_verify_reset();
    ok(before == 2 && rs_frees(1) == 1 && rs_frees(2) == 1 &&
           conc__hp_pending() == 0,
       "reset with both reserve nodes in use: each object freed once "
       "(%zu pending before; frees %d, %d)", before, rs_frees(1), rs_frees(2));

    /* (c) the reset turns the allocation failure hook off: afterwards three
     * protected objects (two in the caller's slots, one in another
     * thread's) are retired with heap nodes.  Were allocations still
     * failing, the third would wait for a reserve node until the holder
     * gave up (2 s). */
    conc__hp_test_fail_allocs(true);
    conc_verify_reset();
    me = conc__hp_self();
    struct rs_holder h;
    memset(&h, 0, sizeof h);
    h.obj = &g_rs_frees[5];
    spawn(&t, rs_hold, &h);
    gate_wait(&h.g, 1);
    for (int i = 3; i <= 4; i++) {
        conc__hp_set(me, i - 3, (uintptr_t)&g_rs_frees[i]);
        conc__hp_retire(me, &g_rs_frees[i], rs_free);
    }
    conc__hp_retire(me, &g_rs_frees[5], rs_free);
    int waited = atomic_load(&h.timed_out);
    size_t held3 = conc__hp_pending();
    gate_set(&h.g, 2);
    join(t);
    conc__hp_clear(me, 0);
    conc__hp_clear(me, 1);
    conc__hp_scan(me);
    ok(!waited && held3 == 3,
       "after a reset with allocations failing, they no longer fail: three "
       "protected objects retired at once (%zu pending%s)", held3,
       waited ? "; the third retire waited for its holder to give up" : "");
    ok(rs_frees(3) == 1 && rs_frees(4) == 1 && rs_frees(5) == 1 &&
           conc__hp_pending() == 0,
       "and each is freed once after the holders clear (%d %d %d)",
       rs_frees(3), rs_frees(4), rs_frees(5));
    conc__hp_test_fail_allocs(false);
    conc_verify_reset();
    tap_watchdog(0, NULL);
}

/* A record's move counter counts every conc__hp_set on it, across owners
 * (hp.h: "the move counter of conc__hp_set"): a scan's pass over the slots
 * counts only if `moves` did not change during it (hp.c, rec_read), so the
 * counter must never go back, not even when the record changes hands.
 * White-box: read through struct conc__hp_hz, the record's first member. */
static void test_moves_kept(void)
{
    conc_verify_reset();
    conc__hp_rec *r = conc__hp_self();
    static int x;
    for (int i = 0; i < 3; i++)
        conc__hp_set(r, i % CONC_HP_SLOTS, (uintptr_t)&x);
    conc_verify_thread_exit(); /* released: idle, its slots cleared */
    conc__hp_rec *r2 = conc__hp_self(); /* the only record: reused */
    const struct conc__hp_hz *hz = (const struct conc__hp_hz *)(void *)r2;
    uintptr_t moves = conc_load_uptr(&hz->moves, CONC_SEQ_CST);
    ok(r2 == r && moves == 3 && conc_load_uptr(&hz->slot[0], CONC_SEQ_CST) == 0 &&
           conc_load_uptr(&hz->slot[1], CONC_SEQ_CST) == 0,
       "a record handed to a new owner keeps its move count (%zu after 3 "
       "moves, %s record) and has its slots cleared", (size_t)moves,
       r2 == r ? "the same" : "another");
    conc_verify_reset();
}
#endif /* CONC_VERIFY */

/* ------------------------------------------------------------------------ */

int main(void)
{
    const char *why;
    double user;
    g_scale = test_scale(0.5, 0.5, 0.25, &why, &user);
    diag("mode: %s, CONC_TEST_SCALE %g, effective scale %g", why, user, g_scale);

    /* Room for every object id: stress dominates. */
    g_flag_cap = scaled(8, 2) * 2 * scaled(60000, 200) + scaled(8, 4) * 8 + 10000;
    g_flags = calloc(g_flag_cap, sizeof *g_flags);
    if (!g_flags)
        bail_out("out of memory");

    tap_watchdog(60, "single/protected/orphans/bound");
    test_single();
    test_protected();
    test_orphans();
    test_bound();
    tap_watchdog(0, NULL);
#ifdef CONC_VERIFY
    test_oom();
    test_reset_edges();
    test_moves_kept();
#endif
    test_stress();

    ok(atomic_load(&g_early_free) == 0,
       "no object was freed before its protector cleared (%zu early)",
       (size_t)atomic_load(&g_early_free));
    ok(atomic_load(&g_allocated) == frees(), "all %zu objects freed exactly once",
       (size_t)atomic_load(&g_allocated));
    free((void *)g_flags);
    done_testing();
    return tap_exit();
}
