/*
 * scen_custom.c - scenarios that drive the library's internals directly,
 * for races a public-API script cannot reach: the hazard pointers'
 * conc__hp_set moves (no structure uses them today, the API does), and a
 * thread that can get no hazard record (the verify build's test hook).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal/atomics.h"
#include "internal/hp.h"
#include "internal/verify.h"
#include "internal/verify_state.h"
#include <conc/counter.h>
#include <conc/lfqueue.h>
#include <conc/shm.h>
#include <conc/stack.h>
#include <conc/mutexq.h>
#include <string.h>
#include <sys/mman.h>
#include "internal/ring_impl.h"
#include "internal/spin.h"
#include "scenarios.h"
/* issue 12 holes (wait) */
#include <poll.h>
#include <conc/ring.h>
#include "internal/waitset.h"

/* ---- hp/move: a reader moves a protected object between its slots while
 * a retirer scans; the object must not be freed (poisoned) in between. */

#define HP_ALIVE 0x1a11e
#define HP_DEAD 0xdead

typedef struct hp_obj {
    int canary;
    int frees;
} hp_obj;

/* Static: free_fn may run after teardown (conc_verify_reset frees the
 * orphans), so the objects outlive every context. */
static hp_obj hp_the_obj;

typedef struct hp_ctx {
    conc_atomic_uptr src;
} hp_ctx;

static void hp_poison(void *p)
{
    hp_obj *o = p;
    o->canary = HP_DEAD;
    o->frees++;
}

static void *hp_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    hp_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    hp_the_obj.canary = HP_ALIVE;
    hp_the_obj.frees = 0;
    conc_init_uptr(&c->src, (uintptr_t)&hp_the_obj);
    return c;
}

static void hp_run(void *vctx, int tid)
{
    hp_ctx *c = vctx;
    conc__hp_rec *r = conc__hp_self();
    if (!r) {
        ex_fail("no hazard record");
        return;
    }
    if (tid == 0) {
        /* the reader: protect in slot 1, move to slot 0, use it */
        uintptr_t p = conc__hp_protect(r, 1, &c->src);
        if (!p)
            return; /* unlinked before we looked */
        conc__hp_set(r, 0, p);
        conc__hp_clear(r, 1);
        (void)ex_stamp(); /* a point: the retirer may run here */
        if (((hp_obj *)p)->canary != HP_ALIVE)
            ex_fail("use after free: the object protected in slot 0 was freed "
                    "(canary %#x)", ((hp_obj *)p)->canary);
        conc__hp_clear(r, 0);
    } else {
        /* the retirer: unlink, retire (scans at once) */
        uintptr_t p = conc_exchange_uptr(&c->src, 0, CONC_SEQ_CST);
        conc__hp_retire(r, (void *)p, hp_poison);
    }
}

static bool hp_check(void *vctx, FILE *why)
{
    (void)vctx;
    if (hp_the_obj.frees > 1) {
        fprintf(why, "the object was freed %d times\n", hp_the_obj.frees);
        return false;
    }
    return true;
}

static void hp_teardown(void *vctx)
{
    free(vctx);
}

static const ex_scenario hp_move = {
    .name = "hp/move",
    .what = "a reader moves a protected object between slots while a retirer scans",
    .nthreads = 2,
    .setup = hp_setup,
    .run = hp_run,
    .check = hp_check,
    .teardown = hp_teardown,
};

/* ---- lfqueue/close-enomem: close by a thread that can get no hazard
 * record (the verify build's conc__hp_test_fail_records): CONC_ENOMEM with
 * nothing changed, never a loop; a second thread pushes meanwhile. */

typedef struct en_ctx {
    conc_lfqueue *q;
    int close_status, push_status;
} en_ctx;

static void *en_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    en_ctx *c = calloc(1, sizeof *c);
    if (c)
        c->q = conc_lfqueue_new(0);
    if (!c || !c->q) {
        free(c);
        fprintf(why, "out of memory\n");
        return NULL;
    }
    return c;
}

static void en_run(void *vctx, int tid)
{
    en_ctx *c = vctx;
    if (tid == 0) {
        conc__hp_test_fail_records(true);
        c->close_status = conc_lfqueue_close(c->q);
        conc__hp_test_fail_records(false);
    } else {
        c->push_status = conc_lfqueue_push(c->q, (void *)(uintptr_t)7);
    }
}

static bool en_check(void *vctx, FILE *why)
{
    en_ctx *c = vctx;
    int closed = conc_lfqueue_closed(c->q);
    /* Without a record close either made it (OK, closed) or changed
     * nothing (ENOMEM, open); a push that could not get a record says
     * ENOMEM too. */
    if (!((c->close_status == CONC_OK && closed == 1) ||
          (c->close_status == CONC_ENOMEM && closed == 0))) {
        fprintf(why, "close said %s, closed() says %d\n",
                conc_strerror(c->close_status), closed);
        return false;
    }
    if (c->push_status != CONC_OK && c->push_status != CONC_CLOSED &&
        c->push_status != CONC_ENOMEM) {
        fprintf(why, "push said %s\n", conc_strerror(c->push_status));
        return false;
    }
    return true;
}

static void en_teardown(void *vctx)
{
    en_ctx *c = vctx;
    conc__hp_test_fail_records(false);
    conc_lfqueue_free(c->q);
    free(c);
}

static const ex_scenario close_enomem = {
    .name = "lfqueue/close-enomem",
    .what = "close without memory for a hazard record, a push racing it",
    .nthreads = 2,
    .setup = en_setup,
    .run = en_run,
    .check = en_check,
    .teardown = en_teardown,
};

/* ---- hp/held-cached (review of issue 11): readers protect with
 * conc__hp_protect_cached (sticky), a reuser flips src between two objects
 * and "reuses" (bumps gen of) the one it unlinked only if conc__hp_held says
 * no; a reader must never see gen change while it holds the object. */
typedef struct hc_obj {
    conc_atomic_u64 gen;
} hc_obj;
static hc_obj hc_objs[2];
typedef struct hc_ctx {
    conc_atomic_uptr src;
} hc_ctx;

static void *hc_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    hc_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    conc_init_u64(&hc_objs[0].gen, 0);
    conc_init_u64(&hc_objs[1].gen, 0);
    conc_init_uptr(&c->src, (uintptr_t)&hc_objs[0]);
    return c;
}

static void hc_run(void *vctx, int tid)
{
    hc_ctx *c = vctx;
    conc__hp_rec *r = conc__hp_self();
    if (!r) {
        ex_fail("no hazard record");
        return;
    }
    if (tid < 2) {
        for (int k = 0; k < 2; k++) {
            hc_obj *o = (hc_obj *)conc__hp_protect_cached(r, tid, &c->src);
            uint64_t g1 = conc_load_u64(&o->gen, CONC_SEQ_CST);
            (void)ex_stamp();
            uint64_t g2 = conc_load_u64(&o->gen, CONC_SEQ_CST);
            if (g1 != g2)
                ex_fail("reused while held: gen %llu -> %llu",
                        (unsigned long long)g1, (unsigned long long)g2);
        }
    } else {
        for (int k = 0; k < 3; k++) {
            uintptr_t cur = conc_load_uptr(&c->src, CONC_SEQ_CST);
            uintptr_t other = cur == (uintptr_t)&hc_objs[0]
                                  ? (uintptr_t)&hc_objs[1]
                                  : (uintptr_t)&hc_objs[0];
            /* the other is unlinked now: reuse it if no one holds it */
            if (!conc__hp_held((void *)other))
                conc_fetch_add_u64(&((hc_obj *)other)->gen, 1, CONC_SEQ_CST);
            else
                continue; /* cannot relink a held one after no check */
            uintptr_t exp = cur;
            conc_cas_uptr(&c->src, &exp, other, CONC_SEQ_CST, CONC_SEQ_CST);
        }
    }
}

static bool hc_check(void *vctx, FILE *why)
{
    (void)vctx;
    (void)why;
    return true;
}

static const ex_scenario hp_held_cached = {
    .name = "hp/held-cached",
    .what = "sticky protect vs a reuser's held() check",
    .nthreads = 3,
    .setup = hc_setup,
    .run = hc_run,
    .check = hc_check,
    .teardown = hp_teardown,
};

/* issue 12 holes (hp) */

/* ---- hp/orphans-give, hp/orphans-adopt: threads that exit holding retired
 * objects another thread protects (here: the explorer's own thread, whose
 * record setup makes and whose slots hold the objects) hand them to the
 * orphan list at their exit (conc_verify_thread_exit, under the explorer);
 * in hp/orphans-adopt a third thread scans (adopts the orphans, gives them
 * back at its exit) meanwhile.  The check clears the slots and scans: every
 * object must then be freed exactly once and nothing be pending, whatever
 * the order of the gives (g_orphans' CAS, g_norphans' fetch_add) and the
 * adoptions (the exchange, the fetch_sub). */

static hp_obj og_objs[2];

static void og_free(void *p)
{
    ((hp_obj *)p)->frees++;
}

static void *og_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    conc__hp_rec *r = conc__hp_self();
    if (!r) {
        fprintf(why, "no hazard record for the explorer's thread\n");
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        og_objs[i].canary = HP_ALIVE;
        og_objs[i].frees = 0;
        conc__hp_set(r, i, (uintptr_t)&og_objs[i]);
    }
    return &og_objs[0]; /* not used: a context that is not NULL */
}

static void og_run(void *vctx, int tid)
{
    (void)vctx;
    conc__hp_rec *r = conc__hp_self();
    if (!r) {
        ex_fail("no hazard record");
        return;
    }
    if (tid < 2)
        conc__hp_retire(r, &og_objs[tid], og_free); /* held: kept */
    else
        conc__hp_scan(r); /* adopts what is orphaned by now */
    /* the thread's exit (the explorer's conc_verify_thread_exit) orphans
     * what it keeps */
}

static bool og_check(void *vctx, FILE *why)
{
    (void)vctx;
    size_t before = conc__hp_pending();
    conc__hp_rec *r = conc__hp_self();
    if (!r) {
        fprintf(why, "no hazard record for the check\n");
        return false;
    }
    for (int i = 0; i < 2; i++)
        conc__hp_clear(r, i);
    conc__hp_scan(r); /* adopts every orphan, frees them (none is held) */
    bool good = true;
    for (int i = 0; i < 2; i++)
        if (og_objs[i].frees != 1) {
            fprintf(why, "object %d was freed %d times after the last scan "
                    "(pending before it: %zu)\n", i, og_objs[i].frees, before);
            good = false;
        }
    size_t after = conc__hp_pending();
    if (after != 0) {
        fprintf(why, "conc__hp_pending() is %zu after the last scan freed "
                "everything (%zu before it)\n", after, before);
        good = false;
    }
    if (good && before != 2) {
        fprintf(why, "conc__hp_pending() was %zu with both objects orphaned "
                "(2 expected)\n", before);
        good = false;
    }
    return good;
}

static void og_teardown(void *vctx)
{
    (void)vctx;
}

static const ex_scenario hp_orphans_give = {
    .name = "hp/orphans-give",
    .what = "two threads exit at once, each orphaning an object another "
            "thread holds",
    .nthreads = 2,
    .setup = og_setup,
    .run = og_run,
    .check = og_check,
    .teardown = og_teardown,
};

static const ex_scenario hp_orphans_adopt = {
    .name = "hp/orphans-adopt",
    .what = "two threads exit orphaning held objects while a third scans "
            "(adopts them)",
    .nthreads = 3,
    .setup = og_setup,
    .run = og_run,
    .check = og_check,
    .teardown = og_teardown,
};

/* ---- hp/reuse: a thread that starts after another exited takes over its
 * record (records are never freed, so a new one each time would grow the
 * list for good): conc__hp_self, the thread's exit, conc__hp_self again as
 * a new thread (conc_verify_thread_exit forgets the record), and the list
 * must still hold one record.  In the weak mode the claim's CAS of the
 * idle record's `active` must not fail spuriously (a strong CAS). */

typedef struct ru_ctx {
    size_t records0, records1, records2;
    conc__hp_rec *first, *second;
} ru_ctx;

static void *ru_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    ru_ctx *c = calloc(1, sizeof *c);
    if (!c)
        fprintf(why, "out of memory\n");
    return c;
}

static void ru_run(void *vctx, int tid)
{
    ru_ctx *c = vctx;
    (void)tid;
    c->records0 = conc__hp_verify_records(NULL);
    c->first = conc__hp_self();
    c->records1 = conc__hp_verify_records(NULL);
    conc_verify_thread_exit(); /* as if this thread ended ... */
    c->second = conc__hp_self(); /* ... and a new one began */
    c->records2 = conc__hp_verify_records(NULL);
}

static bool ru_check(void *vctx, FILE *why)
{
    ru_ctx *c = vctx;
    if (!c->first || !c->second) {
        fprintf(why, "no hazard record\n");
        return false;
    }
    if (c->records2 != c->records1 || c->second != c->first) {
        fprintf(why, "the idle record was not reused: %zu records before, %zu "
                "after the first thread's conc__hp_self, %zu after the second's "
                "(%s record)\n", c->records0, c->records1, c->records2,
                c->second == c->first ? "the same" : "another");
        return false;
    }
    return true;
}

static const ex_scenario hp_reuse = {
    .name = "hp/reuse",
    .what = "a thread after another's exit reuses its hazard record",
    .nthreads = 1,
    .setup = ru_setup,
    .run = ru_run,
    .check = ru_check,
    .teardown = hp_teardown,
};

/* ---- sharded/claim-race, sharded/first-claim: conc_sharded_new(2) has one
 * shared slot (0) and one ownable slot (1) that every thread prefers.  Two
 * threads' first adds race: their tickets must differ (next_ticket's
 * fetch_add), and exactly one of them may own slot 1 (the claim's CAS), and
 * slot 1 then holds its owner's adds only (an owner adds without a lock
 * where it can: atomics.h's light add, correct only because no other thread
 * writes the word).  sharded/first-claim: one thread, one add: it claims
 * the free slot (the claim's CAS must not fail spuriously: a strong CAS). */

typedef struct sc_ctx {
    conc_sharded *s;
    uint64_t tok[2];
} sc_ctx;

static void *sc_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    sc_ctx *c = calloc(1, sizeof *c);
    if (c)
        c->s = conc_sharded_new(2);
    if (!c || !c->s) {
        free(c);
        fprintf(why, "out of memory\n");
        return NULL;
    }
    return c;
}

static const int64_t sc_delta[2] = {1, 10};

static void sc_run(void *vctx, int tid)
{
    sc_ctx *c = vctx;
    conc_status st = conc_sharded_add(c->s, sc_delta[tid]);
    if (st != CONC_OK)
        ex_fail("add said %s", conc_strerror(st));
    (void)conc__counter_verify_tickets(&c->tok[tid]);
}

static bool sc_check(void *vctx, FILE *why)
{
    sc_ctx *c = vctx;
    size_t nshared = 0;
    int64_t sum0 = 0, sum1 = 0, total = 0;
    uint64_t owner = 0;
    if (conc__counter_verify_slot(c->s, 0, &sum0, NULL, &nshared) != CONC_OK ||
        conc__counter_verify_slot(c->s, 1, &sum1, &owner, NULL) != CONC_OK ||
        nshared != 1 || conc_sharded_read(c->s, &total) != CONC_OK) {
        fprintf(why, "the counter's slots cannot be read\n");
        return false;
    }
    int nthreads = c->tok[1] ? 2 : 1;
    int64_t want = sc_delta[0] + (nthreads == 2 ? sc_delta[1] : 0);
    if (total != want) {
        fprintf(why, "the counter reads %lld, not %lld\n", (long long)total,
                (long long)want);
        return false;
    }
    if (nthreads == 2 && c->tok[0] == c->tok[1]) {
        fprintf(why, "both threads took the same ticket (token %llu)\n",
                (unsigned long long)c->tok[0]);
        return false;
    }
    int who = -1;
    for (int t = 0; t < nthreads; t++)
        if (owner == c->tok[t])
            who = t;
    if (who < 0) {
        fprintf(why, "the ownable slot is owned by %llu, no thread's token "
                "(%llu, %llu)\n", (unsigned long long)owner,
                (unsigned long long)c->tok[0], (unsigned long long)c->tok[1]);
        return false;
    }
    if (sum1 != sc_delta[who]) {
        fprintf(why, "the ownable slot (owner: thread %d, token %llu) holds "
                "%lld, not its owner's add %lld: another thread added to it "
                "as its owner too (shared slot: %lld)\n", who,
                (unsigned long long)owner, (long long)sum1,
                (long long)sc_delta[who], (long long)sum0);
        return false;
    }
    return true;
}

static void sc_teardown(void *vctx)
{
    sc_ctx *c = vctx;
    conc_sharded_free(c->s);
    free(c);
}

static const ex_scenario sharded_claim_race = {
    .name = "sharded/claim-race",
    .what = "two threads' first adds race for one ownable slot",
    .nthreads = 2,
    .setup = sc_setup,
    .run = sc_run,
    .check = sc_check,
    .teardown = sc_teardown,
};

static const ex_scenario sharded_first_claim = {
    .name = "sharded/first-claim",
    .what = "a thread's first add claims its free ownable slot",
    .nthreads = 1,
    .setup = sc_setup,
    .run = sc_run,
    .check = sc_check,
    .teardown = sc_teardown,
};

/* ---- shmring/recover-attach (issue 12 holes, misc): a peer lost a free
 * slot (fq's Head moved on, as by a push killed after its fetch-and-add)
 * and clobbered the header's `ready`; process 0 recovers (the slot comes
 * back, `ready` is stored last, release), process 1 attaches as soon as
 * `ready` says so (acquire) and pushes the whole capacity: every push must
 * find its free slot, which it does only if attach's load of `ready`
 * synchronises with recover's store (shm.c:116 and :416). */
#define RA_CAP 2
#define RA_READY_OFF 40 /* struct shm_header's ready (test_shm_trust.c H_READY) */

typedef struct ra_ctx {
    void *mem;
    size_t size;
    conc_shmring *h0, *h1;
    size_t recovered;
    conc_status rec_st;
    int pushed;
} ra_ctx;

static void ra_teardown(void *vctx)
{
    ra_ctx *c = vctx;
    conc_shmring_detach(c->h0);
    conc_shmring_detach(c->h1);
    if (c->mem)
        munmap(c->mem, c->size);
    free(c);
}

static void *ra_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    ra_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    c->size = conc_shmring_footprint(RA_CAP, 8);
    c->mem = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c->mem == MAP_FAILED) {
        c->mem = NULL;
        ra_teardown(c);
        fprintf(why, "mmap\n");
        return NULL;
    }
    conc_status st = conc_shmring_format(c->mem, c->size, RA_CAP, 8, 0);
    if (st == CONC_OK)
        c->h0 = conc_shmring_attach(c->mem, c->size, 8, &st);
    if (!c->h0) {
        fprintf(why, "format/attach: %s\n", conc_strerror(st));
        ra_teardown(c);
        return NULL;
    }
    conc_ring *r = (conc_ring *)(void *)((char *)c->mem + 128);
    conc_store_u64(&r->fq.head, conc_load_u64(&r->fq.head, CONC_RELAXED) + 1,
                   CONC_RELAXED);
    conc_store_u32((conc_atomic_u32 *)(void *)((char *)c->mem + RA_READY_OFF), 0,
                   CONC_RELAXED);
    c->recovered = 99;
    return c;
}

static void ra_run(void *vctx, int tid)
{
    ra_ctx *c = vctx;
    if (tid == 0) {
        c->rec_st = conc_shmring_recover(c->h0, &c->recovered);
        return;
    }
    conc_status st;
    while (!(c->h1 = conc_shmring_attach(c->mem, c->size, 8, &st))) {
        if (st != CONC_EFORMAT) {
            ex_fail("attach: %s", conc_strerror(st));
            return;
        }
        conc_spin_pause();
    }
    for (int i = 0; i < RA_CAP; i++) {
        uint64_t m = 100 + (uint64_t)i;
        st = conc_shmring_push(c->h1, &m);
        if (st != CONC_OK) {
            ex_fail("push %d of %d after attaching the recovered ring: %s", i + 1,
                    RA_CAP, conc_strerror(st));
            return;
        }
        c->pushed++;
    }
}

static bool ra_check(void *vctx, FILE *why)
{
    ra_ctx *c = vctx;
    if (c->rec_st != CONC_OK || c->recovered != 1) {
        fprintf(why, "recover: %s, %zu recovered (1 was lost)\n",
                conc_strerror(c->rec_st), c->recovered);
        return false;
    }
    for (int i = 0; i < c->pushed; i++) {
        uint64_t m = 0;
        conc_status st = conc_shmring_pop(c->h0, &m);
        if (st != CONC_OK || m != 100 + (uint64_t)i) {
            fprintf(why, "pop %d: %s, %llu\n", i, conc_strerror(st),
                    (unsigned long long)m);
            return false;
        }
    }
    return true;
}

static const ex_scenario shm_recover_attach = {
    .name = "shmring/recover-attach",
    .what = "recover rewrites a clobbered ready while another process attaches and pushes",
    .nthreads = 2,
    .setup = ra_setup,
    .run = ra_run,
    .check = ra_check,
    .teardown = ra_teardown,
    .proc = {0, 1},
};

/* ---- shmring/format-attach (issue 12 holes, misc): process 0 formats,
 * process 1 attaches as soon as `ready` says so (shm.c:96's release, :116's
 * acquire), pushes and pops the capacity.  Passes with shm.c:96 relaxed
 * too: the ring's words (conc__ring_init's conc_init_* stores, relaxed
 * stores of process 0 in the weak model) are ordered before `ready` by the
 * release fence that ends ring init (ring.c), and a relaxed store after a
 * release fence still synchronises with an acquire load that reads it.
 * What shm.c:96's release adds is the header's plain words, which the
 * weak model does not track; TSan sees them (verify/test_shm.c,
 * t_format_race, kills shm.c:96 and :116 order). */
static void *fa_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    ra_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    c->size = conc_shmring_footprint(RA_CAP, 8);
    c->mem = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c->mem == MAP_FAILED) {
        c->mem = NULL;
        ra_teardown(c);
        fprintf(why, "mmap\n");
        return NULL;
    }
    /* a previous life's words: garbage the format overwrites */
    memset(c->mem, 0x5A, c->size);
    /* ... but for the magic and a clear `ready` (attach then reads ready,
     * a point the explorer sees, and spins until format stores it) */
    *(uint64_t *)c->mem = UINT64_C(0x314d48532d434e43);
    conc_store_u32((conc_atomic_u32 *)(void *)((char *)c->mem + RA_READY_OFF), 0,
                   CONC_RELAXED);
    return c;
}

static void fa_run(void *vctx, int tid)
{
    ra_ctx *c = vctx;
    if (tid == 0) {
        c->rec_st = conc_shmring_format(c->mem, c->size, RA_CAP, 8, 0);
        return;
    }
    conc_status st;
    while (!(c->h1 = conc_shmring_attach(c->mem, c->size, 8, &st))) {
        if (st != CONC_EFORMAT) {
            ex_fail("attach: %s", conc_strerror(st));
            return;
        }
        conc_spin_pause();
    }
    for (int i = 0; i < RA_CAP; i++) {
        uint64_t m = 100 + (uint64_t)i;
        st = conc_shmring_push(c->h1, &m);
        if (st != CONC_OK) {
            ex_fail("push %d of %d after attaching the new ring: %s", i + 1,
                    RA_CAP, conc_strerror(st));
            return;
        }
    }
    for (int i = 0; i < RA_CAP; i++) {
        uint64_t m = 0;
        st = conc_shmring_pop(c->h1, &m);
        if (st != CONC_OK || m != 100 + (uint64_t)i) {
            ex_fail("pop %d: %s, %llu", i + 1, conc_strerror(st), (unsigned long long)m);
            return;
        }
    }
}

static bool fa_check(void *vctx, FILE *why)
{
    ra_ctx *c = vctx;
    if (c->rec_st != CONC_OK) {
        fprintf(why, "format: %s\n", conc_strerror(c->rec_st));
        return false;
    }
    return true;
}

static const ex_scenario shm_format_attach = {
    .name = "shmring/format-attach",
    .what = "format while another process attaches, pushes and pops",
    .nthreads = 2,
    .setup = fa_setup,
    .run = fa_run,
    .check = fa_check,
    .teardown = ra_teardown,
    .proc = {0, 1},
};

/* ---- issue 12 holes (wait) ----------------------------------------------
 * ring/ws-fd-close: the fd's "readable for good once closed" (clear_fd's
 * second look at `closed`, src/wait.c) against two clearers, a signaller
 * and a close, on a ring's waitset with its fd armed.  T0 and T3 are the
 * clearing halves of pops about to answer EMPTY (conc__ws_rearm: read the
 * eventfd, fd_pending = 0, then refire if closed), T1 a push's signal
 * (conc__ws_pushed: fd_pending 0 -> 1, write), T2 conc_ring_close.  Driven
 * on the waitset, without the history's stamps (each an acq_rel RMW that
 * would order every call invoked after another returned), so that the
 * four may run one after another: T0 clears, T1 signals reading T0's 0,
 * T2 closes (its fd_pending = 0 taking a place in mo before T0's, its
 * exchange then reading T1's 1: no write), T3 clears T1's write and must
 * see `closed`.  With seq_cst on mark_closed's exchange and is_closed's
 * load (waitset.h) that is the only choice RC11 leaves (psc: T2's exchange
 * of closed, its store of 0, T0's store, T0's load of closed); weakened to
 * acq_rel / acquire, T3 may read closed 0 and the fd ends cleared though
 * the ring is closed (--weak). */

typedef struct wsc_ctx {
    conc_ring *r;
    int fd;
} wsc_ctx;

static void wsc_teardown(void *vctx)
{
    wsc_ctx *c = vctx;
    if (c && c->r)
        conc_ring_free(c->r);
    free(c);
}

static void *wsc_setup(const ex_scenario *s, FILE *why)
{
    (void)s;
    wsc_ctx *c = calloc(1, sizeof *c);
    if (c)
        c->r = conc_ring_new(2, 0);
    if (!c || !c->r) {
        free(c);
        fprintf(why, "out of memory\n");
        return NULL;
    }
    void *x;
    /* The fd armed, and its first readiness cleared by an EMPTY pop. */
    if (conc_ring_fd(c->r, &c->fd) != CONC_OK ||
        conc_ring_pop(c->r, &x) != CONC_EMPTY) {
        fprintf(why, "conc_ring_fd, or the first pop did not say EMPTY\n");
        wsc_teardown(c);
        return NULL;
    }
    return c;
}

static void wsc_run(void *vctx, int tid)
{
    wsc_ctx *c = vctx;
    conc_waitset *w = &c->r->ws;
    switch (tid) {
    case 0:
    case 3:
        (void)conc__ws_rearm(w);
        break;
    case 1:
        conc__ws_pushed(w, 1);
        break;
    default: {
        int st = conc_ring_close(c->r);
        if (st != CONC_OK)
            ex_fail("close: %s", conc_strerror(st));
        break;
    }
    }
}

static bool wsc_check(void *vctx, FILE *why)
{
    wsc_ctx *c = vctx;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    bool readable = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
    if (conc_ring_closed(c->r) == 1 && !readable) {
        fprintf(why, "the ring is closed and its fd is not readable\n");
        return false;
    }
    return true;
}

static const ex_scenario ws_fd_close = {
    .name = "ring/ws-fd-close",
    .what = "two fd clearers, a push's signal and a close on a ring's waitset",
    .nthreads = 4,
    .setup = wsc_setup,
    .run = wsc_run,
    .check = wsc_check,
    .teardown = wsc_teardown,
};
/* end of issue 12 holes (wait) */

/* ---- issue 12 holes (lfq) ---------------------------------------------
 * conc_lfqueue scripts whose state before the threads is built by a setup
 * script (run by the explorer's thread, whose hazard slots are then
 * cleared, so that it holds no segment), and whose check reads what a
 * table scenario cannot: conc_lfqueue_memory (the segments counter and the
 * pool's spare) and the quiescent len() before and after the drain.  The
 * explorer's build has 3-slot segments.  Steps: 'P' push (thread t's j-th
 * item (t+1)*100+j+1; setup's items 1, 2, ...), 'O' pop, 'N' push_many of
 * 3, 'M' pop_many of 3, 'C' close, 'Q' closed().  The check: every item
 * pushed OK (or by the setup) came out exactly once (the threads' pops and
 * the drain) and nothing else did; quiescent len() is what the drain took
 * (exact for conc_lfqueue, closed or not) and 0 after it; and, where the
 * script says, conc_lfqueue_memory before and after the drain. */

#include "internal/lfqueue_impl.h"

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define LQ_ITEMS 32

/* Segments mapped and unmapped, counted: conc-explore defines mmap64 (what
 * the library's mmap calls become with _FILE_OFFSET_BITS=64) and munmap
 * itself, so every call of the library (and of the explorer) comes here
 * and goes on to the kernel with syscall(2); glibc's own calls (malloc,
 * thread stacks) use its internal names and do not.  A mapping of
 * CONC__LFQ_SEG_BYTES is counted.  Not under a sanitizer, whose runtime
 * intercepts both (the explorer's scenarios do not run there; the counts
 * are then not checked). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LQ_COUNTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define LQ_COUNTS 0
#endif
#endif
#ifndef LQ_COUNTS
#define LQ_COUNTS 1
#endif

static unsigned long lq_maps, lq_unmaps;

#if LQ_COUNTS
void *mmap64(void *a, size_t n, int prot, int flags, int fd, off_t off);
int munmap(void *a, size_t n);

void *mmap64(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    void *m = (void *)syscall(SYS_mmap, a, n, prot, flags, fd, off);
    if (n == CONC__LFQ_SEG_BYTES && m != (void *)-1)
        __atomic_fetch_add(&lq_maps, 1, __ATOMIC_RELAXED);
    return m;
}

int munmap(void *a, size_t n)
{
    int r = (int)syscall(SYS_munmap, a, n);
    if (n == CONC__LFQ_SEG_BYTES && r == 0)
        __atomic_fetch_add(&lq_unmaps, 1, __ATOMIC_RELAXED);
    return r;
}
#endif

typedef struct lq_def {
    const char *setup;
    const char *ops[EX_MAX_THREADS];
    int mem_before; /* segments conc_lfqueue_memory counts before the drain */
    int mem_after;  /* and after it (0: either unchecked) */
    bool no_unmap;  /* no segment is unmapped while the threads run */
} lq_def;

typedef struct lq_ctx {
    const lq_def *d;
    conc_lfqueue *q;
    uintptr_t in[LQ_ITEMS];
    size_t nin;
    uintptr_t out[EX_MAX_THREADS][LQ_ITEMS];
    size_t nout[EX_MAX_THREADS];
    uintptr_t pushed[EX_MAX_THREADS][LQ_ITEMS];
    size_t npushed[EX_MAX_THREADS];
    unsigned long maps0, unmaps0; /* the counts before the queue was made */
    unsigned long unmaps_run;     /* the count when the threads began */
} lq_ctx;

static void *lq_setup(const ex_scenario *s, FILE *why)
{
    lq_ctx *c = calloc(1, sizeof *c);
    if (c) {
        c->maps0 = __atomic_load_n(&lq_maps, __ATOMIC_RELAXED);
        c->unmaps0 = __atomic_load_n(&lq_unmaps, __ATOMIC_RELAXED);
        c->q = conc_lfqueue_new(0);
    }
    if (!c || !c->q) {
        free(c);
        fprintf(why, "out of memory\n");
        return NULL;
    }
    c->d = s->param;
    uintptr_t next = 1;
    for (const char *op = c->d->setup; *op; op++) {
        void *it;
        int st = CONC_OK;
        if (*op == 'P') {
            st = conc_lfqueue_push(c->q, (void *)next);
            if (st == CONC_OK && c->nin < LQ_ITEMS)
                c->in[c->nin++] = next;
            next++;
        } else if (*op == 'O') {
            st = conc_lfqueue_pop(c->q, &it);
            /* setup's pops take setup's items, first in first out */
            if (st == CONC_OK && c->nin > 0 && (uintptr_t)it == c->in[0]) {
                c->nin--;
                for (size_t i = 0; i < c->nin; i++)
                    c->in[i] = c->in[i + 1];
            } else {
                st = CONC_EINVAL;
            }
        }
        if (st != CONC_OK) {
            fprintf(why, "setup '%c': %s\n", *op, conc_strerror(st));
            conc_lfqueue_free(c->q);
            free(c);
            return NULL;
        }
    }
    conc__hp_rec *r = conc__hp_self();
    if (r) {
        conc__hp_clear(r, 0);
        conc__hp_clear(r, 1);
    }
    c->unmaps_run = __atomic_load_n(&lq_unmaps, __ATOMIC_RELAXED);
    return c;
}

static void lq_run(void *vctx, int tid)
{
    lq_ctx *c = vctx;
    uintptr_t next = (uintptr_t)(tid + 1) * 100u + 1u;
    for (const char *op = c->d->ops[tid]; op && *op; op++) {
        void *it = NULL;
        void *items[3];
        size_t n = 0;
        switch (*op) {
        case 'P':
            if (conc_lfqueue_push(c->q, (void *)next) == CONC_OK &&
                c->npushed[tid] < LQ_ITEMS)
                c->pushed[tid][c->npushed[tid]++] = next;
            next++;
            break;
        case 'N':
            for (int k = 0; k < 3; k++)
                items[k] = (void *)(next + (uintptr_t)k);
            (void)conc_lfqueue_push_many(c->q, items, 3, &n);
            for (size_t k = 0; k < n && c->npushed[tid] < LQ_ITEMS; k++)
                c->pushed[tid][c->npushed[tid]++] = next + k;
            next += 3;
            break;
        case 'O':
        case 'W': /* pop_wait, forever (issue 12 awaiting-weak, waitset SB) */
            if ((*op == 'O' ? conc_lfqueue_pop(c->q, &it)
                            : conc_lfqueue_pop_wait(c->q, &it, CONC_FOREVER)) == CONC_OK &&
                c->nout[tid] < LQ_ITEMS)
                c->out[tid][c->nout[tid]++] = (uintptr_t)it;
            break;
        case 'M':
        case 'D': {
            void *outs[8];
            (void)conc_lfqueue_pop_many(c->q, outs, *op == 'M' ? 3 : 8, &n);
            for (size_t k = 0; k < n && c->nout[tid] < LQ_ITEMS; k++)
                c->out[tid][c->nout[tid]++] = (uintptr_t)outs[k];
            break;
        }
        case 'C':
            (void)conc_lfqueue_close(c->q);
            break;
        case 'Q':
            (void)conc_lfqueue_closed(c->q);
            break;
        default:
            ex_fail("bad step '%c'", *op);
            return;
        }
    }
}

static bool lq_check(void *vctx, FILE *why)
{
    lq_ctx *c = vctx;
    const lq_def *d = c->d;
    uint64_t in[LQ_ITEMS * 2], out[LQ_ITEMS * 2];
    size_t nin = 0, nout = 0;
    for (size_t i = 0; i < c->nin; i++)
        in[nin++] = c->in[i];
    for (int t = 0; t < EX_MAX_THREADS; t++) {
        for (size_t i = 0; i < c->npushed[t] && nin < LQ_ITEMS * 2; i++)
            in[nin++] = c->pushed[t][i];
        for (size_t i = 0; i < c->nout[t] && nout < LQ_ITEMS * 2; i++)
            out[nout++] = c->out[t][i];
    }
    unsigned long unmaps = __atomic_load_n(&lq_unmaps, __ATOMIC_RELAXED);
    if (LQ_COUNTS && d->no_unmap && unmaps != c->unmaps_run) {
        fprintf(why, "%lu segment(s) unmapped while the threads ran\n",
                unmaps - c->unmaps_run);
        return false;
    }
    size_t mem = conc_lfqueue_memory(c->q) / CONC__LFQ_SEG_BYTES;
    if (d->mem_before && mem != (size_t)d->mem_before) {
        fprintf(why, "quiescent conc_lfqueue_memory is %zu segments before the "
                     "drain, not %d\n", mem, d->mem_before);
        return false;
    }
    size_t len = conc_lfqueue_len(c->q), left = 0;
    for (;;) {
        void *it;
        int st = conc_lfqueue_pop(c->q, &it);
        if (st != CONC_OK)
            break;
        if (++left > LQ_ITEMS) {
            fprintf(why, "draining: more than %d items came out\n", LQ_ITEMS);
            return false;
        }
        if (nout < LQ_ITEMS * 2)
            out[nout++] = (uint64_t)(uintptr_t)it;
    }
    if (len != left) {
        fprintf(why, "quiescent len() %zu, but %zu items were drained\n", len, left);
        return false;
    }
    if (!sc_conserved(in, nin, out, nout, why))
        return false;
    if ((len = conc_lfqueue_len(c->q)) != 0) {
        fprintf(why, "len() %zu after the drain\n", len);
        return false;
    }
    mem = conc_lfqueue_memory(c->q) / CONC__LFQ_SEG_BYTES;
    if (d->mem_after && mem != (size_t)d->mem_after) {
        fprintf(why, "quiescent conc_lfqueue_memory is %zu segments after the "
                     "drain, not %d\n", mem, d->mem_after);
        return false;
    }
    /* No segment leaked: every one mapped since the queue was made is
     * linked, the spare, retired and not yet freed, or unmapped.  The
     * threads have exited (their records released, what they retired
     * handed on); this thread's slots cleared and its scan done, nothing
     * is held. */
    conc__hp_rec *r = conc__hp_self();
    if (r) {
        conc__hp_clear(r, 0);
        conc__hp_clear(r, 1);
        conc__hp_scan(r);
    }
    unsigned long live = __atomic_load_n(&lq_maps, __ATOMIC_RELAXED) - c->maps0 -
                         (__atomic_load_n(&lq_unmaps, __ATOMIC_RELAXED) - c->unmaps0);
    size_t held = mem + conc__hp_pending();
    if (LQ_COUNTS && live != held) {
        fprintf(why, "%lu segment(s) mapped and not unmapped, but the queue "
                     "holds %zu and %zu are retired: a segment leaked\n",
                live, mem, held - mem);
        return false;
    }
    return true;
}

static void lq_teardown(void *vctx)
{
    lq_ctx *c = vctx;
    conc_lfqueue_free(c->q);
    free(c);
}

#define LQ_SCEN(ID, NAME, WHAT, NT, ...)                                       \
    static const lq_def ID##_def = __VA_ARGS__;                                \
    static const ex_scenario ID = {                                            \
        .name = NAME, .what = WHAT, .nthreads = NT, .param = &ID##_def,        \
        .setup = lq_setup, .run = lq_run, .check = lq_check,                   \
        .teardown = lq_teardown}

/* The segments counter: an append (+1, lfqueue.c:335) racing the pop that
 * swings head past a drained segment (-1, :452).  Before the threads:
 * segment A drained, B full, the pool empty (B took the spare).  T0's push
 * appends C, T1's pop retires A to the pool; after the drain one segment
 * is linked and the spare is full: 2 segments. */
LQ_SCEN(lq_segments, "lfqueue/hole-segments",
        "an append and a head swing update the segments counter at once", 2,
        {.setup = "PPPPOOOPP", .ops = {"P", "O"}, .mem_after = 2});

/* The pool's spare: the pop that swings head past drained A puts A in the
 * empty pool (lfqueue.c:173), so the drained queue holds 2 segments. */
LQ_SCEN(lq_pool_put, "lfqueue/hole-pool-put",
        "a drained segment goes to the empty pool", 2,
        {.setup = "PPPPOOO", .ops = {"O", "P"}, .mem_after = 2});
/* Tail never moves backwards.  Each CAS of tail from g to g's successor
 * n (lfqueue.c:321 a push helping, :337 the appender's own, :449 a pop's,
 * :719 close's, :748 closed()'s) must fail once tail has left g: the
 * thread that found tail == g may be preempted before its CAS while tail
 * moves on to n and to n's successor m and head passes g and n; n, held
 * by no hazard slot with the pool full (g in it), is unmapped, and a tail
 * set back to n sends the next push, len() or close into unmapped memory.
 * Before the threads: segment g full and drained (3 items in and out; the
 * explorer's build has 3-slot segments), the spare in the pool.  A (T0)
 * appends n (taking the spare), fills it, appends m, pushes once more (its
 * sticky tail slot leaves n), then drains g, n and m with one pop_many;
 * T1 is preempted between finding tail == g behind the linked n and its
 * CAS: 2 preemptions (A between its link and its own tail CAS, T1 before
 * its CAS), which the DFS meets in its first few hundred executions. */
LQ_SCEN(lq_tail_help, "lfqueue/hole-tail-help",
        "a push helping tail past a full segment after tail moved on", 2,
        {.setup = "PPPOOO", .ops = {"PPPPPD", "P"}});
/* A pop's CAS (lfqueue.c:449), before its head CAS: T1's pop finds g
 * visited out with n linked and tail == g. */
LQ_SCEN(lq_tail_pop, "lfqueue/hole-tail-pop",
        "a pop swinging tail past a drained segment after tail moved on", 2,
        {.setup = "PPPOOO", .ops = {"PPPPPD", "O"}});
/* close's CAS (lfqueue.c:719): close set CLOSED on g and found n linked. */
LQ_SCEN(lq_tail_close, "lfqueue/hole-tail-close",
        "close helping tail past the segment it closed after tail moved on", 2,
        {.setup = "PPPOOO", .ops = {"PPPPPD", "C"}});
/* closed()'s CAS (lfqueue.c:748): closed() found n linked behind tail. */
LQ_SCEN(lq_tail_closed, "lfqueue/hole-tail-closed",
        "closed() helping tail along after tail moved on", 2,
        {.setup = "PPPOOO", .ops = {"PPPPPD", "Q"}});
/* The appender's own CAS (lfqueue.c:337): T0 links n and finds tail == g,
 * then T1's pushes help tail to n, fill n, append m and push once more,
 * and its pop_many retires g and n (1 preemption: T0 before its CAS).
 * Under --weak the same script, T1 run first and to its end, then T0,
 * checks the hazard pointers' Dekker pairing on tail: T0's protect (a
 * seq_cst store of its slot, then a seq_cst re-load of tail) must not
 * validate a tail that T1's tail CASes moved past a segment T1's scan
 * then found unheld and unmapped; RC11 forbids that only while every
 * tail swing is seq_cst (with lfqueue.c:337's CAS acq_rel, T0's push
 * reads the old tail and faults in the unmapped segment). */
LQ_SCEN(lq_tail_own, "lfqueue/hole-tail-own",
        "an appender's tail CAS after others moved tail on", 2,
        {.setup = "PPPOOO", .ops = {"P", "PPPPD"}});
/* Pushes that find the close bit give their positions back (lfqueue.c:304,
 * a fetch_sub) so that enq counts only real positions: two such pushes
 * racing their give-backs must leave enq at what it was, or len() and the
 * pops' emptiness test go wrong for good (a lost give-back overstates
 * len; a give-back that overwrites the other push's FAA takes away a real
 * position, and the pops then answer CLOSED over the item).  Before the
 * threads one item in; 3 preemptions: close between its seal and
 * `sealed`, each push between its FAA (which found the bit) and its
 * give-back. */
LQ_SCEN(lq_close_giveback, "lfqueue/hole-close-giveback",
        "two pushes give back the positions they took after the close bit", 3,
        {.setup = "P", .ops = {"C", "P", "P"}});
/* The pool and a discard: two appends at g's end (g full, the spare in
 * the pool) both take a segment, the first the spare, the second a new
 * mapping; the one whose link loses gives its segment to the pool
 * (lfqueue.c:199), which the first emptied: nothing is unmapped.  (A weak
 * CAS failing spuriously there would unmap it and leave the pool empty.) */
LQ_SCEN(lq_discard, "lfqueue/hole-discard",
        "the loser of two appends gives its segment to the empty pool", 2,
        {.setup = "PPP", .ops = {"P", "P"}, .no_unmap = true});
/* A discard racing a pool_put: as above, with g drained, and a pop that
 * swings head past g and puts g in the pool (lfqueue.c:173) while the
 * loser gives its segment back (:199): one of them finds the pool taken
 * (and unmaps or retires its segment); neither may overwrite the other's,
 * which would leak a mapping (the check counts mmaps and munmaps).  2
 * preemptions: the first appender between its take and its link, one of
 * the two between finding the pool empty and filling it. */
LQ_SCEN(lq_discard_put, "lfqueue/hole-discard-put",
        "a discarded segment and a drained one race for the empty pool", 3,
        {.setup = "PPPOOO", .ops = {"P", "P", "O"}});
/* ---- end of issue 12 holes (lfq) */
/* ---- issue 12 awaiting-weak (tail swing) */
/* The pop's tail swing (lfqueue.c:449) and a late pusher's hazard, under
 * --weak (RC11; hp.h's Dekker pairing).  Before the threads: segment g0
 * drained (head there), g1 full (tail there), the pool empty.  T0 pushes:
 * g1 full, it maps n, links it and swings tail g1 -> n (its own CAS,
 * lfqueue.c:337).  T1 pops 4 times: past g0 (into the pool), g1's 3
 * items, then finds g1 visited out: its tail CAS at :449 fails, reading
 * n; head g1 -> n; the pool taken, g1 is retired, and T1's scan finds no
 * slot holding it and unmaps it.  T2 pushes last: its protect (seq_cst
 * store of its slot, seq_cst re-load of tail) must not find tail == g1.
 * RC11 forbids it only through psc: T2's re-load reads g1, rb to T0's
 * seq_cst swing, which reaches T1's scan through T1's failed CAS at :449
 * reading it (hb|loc between two seq_cst accesses), and the scan's load
 * of g_records (or of T2's slot) is rb-before T2's record push (or slot
 * store).  With :449's CAS acq_rel/acquire, the failed CAS is no seq_cst
 * read and the cycle is gone: T2 reads the old tail and faults in the
 * unmapped g1 (the DFS meets it at bound 0, in its first 20 executions;
 * T2 must take a record not released in this execution, which the weak
 * model allows by a stale read of `active`). */
LQ_SCEN(lq_wk_pop, "lfqueue/weak-tail-pop",
        "a pop's tail swing and a late pusher's hazard (RC11 psc)", 3,
        {.setup = "PPPPPPOOO", .ops = {"P", "OOOO", "P"}});
/* A push's helping tail swing (lfqueue.c:321) and a late pusher's hazard,
 * under --weak, the shape the runner's PCT phase (seed 1, its first run)
 * finds: T1 pushes (g1 full: it maps n and links it, then is preempted
 * before its own tail CAS); T2 pushes, loses its own append to n (its
 * segment back to the pool), finds next == n and swings tail g1 -> n at
 * :321; T1's own CAS fails, its pops take g0 into the pool and g1's items
 * and retire g1 (held by T1's own sticky tail slot, freed at T1's exit
 * scan); T0, which took its hazard record only then, protects tail last
 * and must not find g1.  RC11 forbids that through psc only while :321's
 * CAS is seq_cst (T0's re-load reads g1, rb to T2's swing, hb|loc to
 * T1's failed CAS at :337 and :449, sb to its exit scan, whose load of
 * g_records is rb-before T0's record push).  The DFS does not meet it:
 * the preemption of T1 comes early and the weak choices after it are
 * many (358k executions at bound 1 in 200 s, none the one).  So its DFS
 * searches below the prefix b@lfqueue.c:337cb (T1 to its own tail CAS, T2
 * to its end, T1 to its end, then T0; see lq_wk_close below): the fault
 * comes within its first 100 executions, and unmutated the whole space
 * below the prefix, 51 executions at bound 2, passes. */
LQ_SCEN(lq_wk_help, "lfqueue/weak-tail-help",
        "a push's helping tail swing and a late pusher's hazard (RC11 psc)", 3,
        {.setup = "PPPPPPOOO", .ops = {"P", "POOOO", "P"}});
/* The other helping tail swings, close's (lfqueue.c:719), closed()'s
 * (:748) and a sealing push's (:311), in the same shape, searched below a
 * schedule prefix (sc_custom[].prefix) since the DFS does not reach it
 * from the root: T0 (a) appends n behind the full g1 and stops before its
 * own tail CAS (a@lfqueue.c:337); T1 (b) closes (or asks closed()): it
 * finds n linked and swings tail g1 -> n; T0's own CAS then fails; T2's
 * pops take g0 into the pool and g1's items, swing head to n and retire
 * g1, which no slot holds at T2's exit scan: g1 is unmapped; T3 pushes
 * last and must not protect g1.  RC11 forbids that through psc only while
 * the helper's swing is seq_cst, as for :321 (T3's reload reads g1, rb to
 * the swing, hb|loc to T0's failed CAS, sb to T0's exit, ...; T3's load
 * of `sealed` reading 0 is rb-before close's store of it, which no seq_cst
 * edge leads back from); with the swing acq_rel, T3 reads the old tail
 * and faults at its FAA of g1's enq (lfqueue.c:355), at the first few
 * executions below the prefix.  For :311, close stops after setting the
 * close bit on g1, before its seal CAS (b@lfqueue.c:714), and a push (T2)
 * finds the bit, fails to seal g1 (n is linked) and swings tail itself;
 * the pops are T3's, the late push T4's.  The prefix's loads read the
 * sequentially consistent store (ex_config.prefix), so only the steps
 * after it make weak choices. */
LQ_SCEN(lq_wk_close, "lfqueue/weak-tail-close",
        "close's helping tail swing and a late pusher's hazard (RC11 psc)", 4,
        {.setup = "PPPPPPOOO", .ops = {"P", "C", "OOOO", "P"}});
LQ_SCEN(lq_wk_closed, "lfqueue/weak-tail-closed",
        "closed()'s helping tail swing and a late pusher's hazard (RC11 psc)", 4,
        {.setup = "PPPPPPOOO", .ops = {"P", "Q", "OOOO", "P"}});
LQ_SCEN(lq_wk_seal, "lfqueue/weak-tail-seal",
        "a sealing push's helping tail swing and a late pusher's hazard (RC11 psc)", 5,
        {.setup = "PPPPPPOOO", .ops = {"P", "C", "P", "OOOO", "P"}});
/* end */

/* ---- issue 12 awaiting-weak (waitset SB) */
/* The waitset's no-lost-wake-up argument (src/internal/waitset.h) is a
 * store-buffering pair: the waiter's watch RMW on pop_watch then its look
 * at the queue, against the pusher's making its item visible then its load
 * of pop_watch.  Under RC11 (Lahav et al., PLDI 2017) the outcome "the
 * look misses the item and the load misses the watch" is forbidden only if
 * psc has a cycle: some seq_cst access of the look must read-before a
 * seq_cst write of the push that is sb-before its pop_watch load.  Step
 * 'W' (lq_run) is pop_wait with CONC_FOREVER; a waiter left asleep is the
 * explorer's DEADLOCK.
 *
 * aw-wait-seg-end: before the threads one segment full and drained
 * (3 slots, deq = enq = 3).  The waiter's look skips the hint (deq >=
 * SLOTS), finds the segment visited out whatever enq it reads (enq is
 * capped at SLOTS; reading the push's FAA of enq is what RC11 then makes
 * it do, as an older value would close the cycle on that seq_cst FAA),
 * and answers EMPTY on next == 0; the push's FAA finds the segment full
 * and appends: its CAS of next (lfqueue.c:334), then the pop_watch load.
 * The one edge left is the look's load of next (:429) read-before the
 * CAS: with either of them not seq_cst the cycle is open and the waiter
 * sleeps for good (both mutants fail at the weak DFS's 82nd execution,
 * 0.04 s; unmutated it exhausts bound 2 in 4977 executions, 12 s).
 *
 * aw-wait-empty, aw-wait-empty-many: an empty queue, one push (push_many of
 * 3).  The look's hint load of state[deq] (:425) reads-before the push's
 * CAS of that slot (:359, :614), and its load of enq (:410) reads-before
 * the push's FAA (:355, :605): two seq_cst edges, each of which closes the
 * cycle alone.  So :355, :410 and :605 weakened pass here (bound 2
 * exhausted, about 4000 executions), as does :425 alone; :425 (load
 * acquire) together with :355 or :410 deadlocks aw-wait-empty, and with
 * :410 or :605 aw-wait-empty-many, at the second execution.  These
 * scripts keep that pair honest: one of the two must stay seq_cst.
 * With the push's first position spoiled by a third thread's pop (threads
 * "W", "O", "PP"; or "W", "O", "N"), the look's hint may find that slot
 * TAKEN and its enq read miss only the push's second FAA; the pop's
 * seq_cst FAA of deq (:458), which the look's first load of deq reads
 * before, then closes the cycle (through the pop's exchange, which the
 * push's failed CAS reads): :355, :410 and :605 each pass such a script
 * with bound 1 exhausted (770k and 520k executions, 12 and 8 minutes:
 * too dear for make test, so not in the table), and :355 or :410 together
 * with :458 (acq_rel) deadlocks it at execution 93492. */
LQ_SCEN(aw_seg_end, "lfqueue/aw-wait-seg-end",
        "a pop_wait at a drained segment's end against the push that appends", 2,
        {.setup = "PPPOOO", .ops = {"W", "P"}});
LQ_SCEN(aw_empty, "lfqueue/aw-wait-empty",
        "a pop_wait on an empty queue against one push", 2,
        {.setup = "", .ops = {"W", "P"}});
LQ_SCEN(aw_empty_many, "lfqueue/aw-wait-empty-many",
        "a pop_wait on an empty queue against one push_many", 2,
        {.setup = "", .ops = {"W", "N"}});
/* end */

/* ---- rc11 scenarios: a structure's answers and the caller's own seq_cst atomics
 * fit one total order (the headers' "linearizable in real time", where a
 * thread learns the time through its seq_cst accesses).  The shape is
 * RC11's read-write causality through an answer: thread 0 stores z = 1
 * (seq_cst) and then sees the structure before thread 1's operation;
 * thread 2 answers from thread 1's write and then loads z (seq_cst).
 * z = 0 there closes a cycle: 2's load before 0's store before 0's look
 * before 1's operation before 2's answer before 2's load.  What forbids
 * it is that the word 2 answers from is read by a seq_cst access, so the
 * edge from 1's write to it is in psc (Lahav et al., "Repairing
 * sequential consistency in C/C++11", PLDI 2017).  A CAS whose failure
 * order is weakened to acquire loses that edge when the answer comes from
 * a failed CAS: stack.c:142 (a pop answers EMPTY), stack.c:191 (a push
 * answers CLOSED) and wait.c:640 (a task_done answers EINVAL, the count at
 * zero) each fail the weak mode here, which an x86 or ARM machine never
 * shows (same instructions).  Found by a review of the failure-order
 * triage (issue 12). */
/* A second review (the other `stronger` loads and RMWs whose value gives an
 * answer, or whose write is what thread 0's look reads before) added the
 * kinds after RC_RING: the ring's EMPTY (its look's Head load, the pop's
 * Head F&A), CLOSED from a push, a pop and a push_many, an item pushed by
 * push_many, and join's count against a push's provisional unit (stack and
 * ring batches).  The ring's looks read aq's words, not conc_ring_len:
 * len is approximate (ring.h), and a failed pop's F&A and catch-up make
 * it read 1 after the item was taken.  Then RC_S_JOIN_WAIT (a timed join
 * that answers OK from its reload of the count after the futex wait,
 * wait.c:704), RC_M_JOIN (the mutexq's count, waitset.h:205) and
 * RC_L_CLOSED (the lfqueue's close: closed()'s load of the last
 * segment's next, close's seal CAS, the CLOSED path's seal CAS). */
typedef enum {
    RC_EMPTY, RC_CLOSED, RC_TASKS, RC_RING,
    RC_R_EMPTY,       /* ring: z=1, aq's Head || pop || pop EMPTY */
    RC_R_EMPTY_MANY,  /* ring: z=1, aq's Head || pop_many(2) || pop EMPTY */
    RC_R_CLOSED_PUSH, /* ring: z=1, closed 0 || close || push CLOSED */
    RC_R_CLOSED_FULL, /* the same on a full ring */
    RC_R_CLOSED_POP,  /* ring: z=1, closed 0 || close || pop CLOSED */
    RC_R_CLOSED_MANY, /* ring: z=1, closed 0 || close || push_many(2) CLOSED */
    RC_R_ITEM_MANY,   /* ring: z=1, aq's Tail || push_many(2) || pop the item */
    RC_S_JOIN,        /* stack: z=1, join(0) OK || push || join(0) TIMEDOUT */
    RC_S_CLOSED_FULL, /* full stack: z=1, closed 0 || close || push CLOSED */
    RC_S_TASK_SPIN,   /* full stack, no task: z=1, join(0) TIMEDOUT || push
                       * FULL || join(0) TIMEDOUT, task_done EINVAL */
    RC_R_JOIN_MANY,   /* ring: z=1, join(0) OK || push_many(2) || join(0) TIMEDOUT */
    RC_S_JOIN_WAIT,   /* stack, one task: z=1, join(0) TIMEDOUT || task_done ||
                       * join(1 ms) OK (its reload of the count after a
                       * wake or a timeout) */
    RC_M_JOIN,        /* mutexq: z=1, join(0) OK || push || join(0) TIMEDOUT */
    RC_L_CLOSED,      /* lfqueue: z=1, closed 0 || close || push CLOSED */
} rc_kind;
typedef struct rc_ctx {
    rc_kind k;
    conc_stack *s;
    conc_ring *r;
    conc_mutexq *m;
    conc_lfqueue *q;
    conc_atomic_u32 z;
    size_t look;         /* thread 0's look, after its store of z */
    uint64_t tail0;      /* RC_RING: aq's Tail before the threads run */
    uint64_t head0;      /* RC_R_EMPTY*: aq's Head before the threads run */
    conc_status st[3];   /* threads 1 and 2's answers (RC_S_TASK_SPIN: st[0] is 2's join) */
    uint32_t rz[3];      /* their load of z, after the answer */
} rc_ctx;

static void rc_teardown(void *vctx)
{
    rc_ctx *c = vctx;
    if (!c)
        return;
    conc_stack_free(c->s);
    conc_ring_free(c->r);
    conc_mutexq_free(c->m);
    conc_lfqueue_free(c->q);
    free(c);
}

static void *rc_setup(const ex_scenario *s, FILE *why)
{
    rc_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    c->k = (rc_kind)(intptr_t)s->param;
    conc_init_u32(&c->z, 0);
    conc_status st = CONC_OK;
    void *it;
    bool ring = c->k == RC_RING || (c->k >= RC_R_EMPTY && c->k != RC_S_JOIN &&
                                    c->k != RC_S_CLOSED_FULL &&
                                    c->k != RC_S_TASK_SPIN &&
                                    c->k < RC_S_JOIN_WAIT);
    if (c->k == RC_M_JOIN) {
        if (!(c->m = conc_mutexq_new(2, CONC_JOINABLE)))
            st = CONC_ENOMEM;
    } else if (c->k == RC_L_CLOSED) {
        if (!(c->q = conc_lfqueue_new(0)))
            st = CONC_ENOMEM;
    } else if (ring) {
        /* One push and pop first: the threshold is then not negative, so
         * the pop below takes its item on the fast path. */
        bool two = c->k == RC_R_CLOSED_MANY || c->k == RC_R_ITEM_MANY ||
                   c->k == RC_R_JOIN_MANY || c->k == RC_R_EMPTY_MANY;
        c->r = conc_ring_new(two ? 2 : 1,
                             c->k == RC_R_JOIN_MANY ? CONC_JOINABLE : 0);
        if (!c->r)
            st = CONC_ENOMEM;
        else if ((st = conc_ring_push(c->r, (void *)(uintptr_t)4)) == CONC_OK)
            st = conc_ring_pop(c->r, &it);
        /* One item in: the EMPTY kinds pop it, CLOSED_FULL's push finds
         * no room. */
        if (st == CONC_OK && (c->k == RC_R_EMPTY || c->k == RC_R_EMPTY_MANY ||
                              c->k == RC_R_CLOSED_FULL))
            st = conc_ring_push(c->r, (void *)(uintptr_t)4);
        /* The setup's item is done: the count starts at zero. */
        if (st == CONC_OK && c->k == RC_R_JOIN_MANY)
            st = conc_ring_task_done(c->r);
        if (st == CONC_OK) {
            c->tail0 = conc_load_u64(&c->r->aq.tail, CONC_RELAXED);
            c->head0 = conc_load_u64(&c->r->aq.head, CONC_RELAXED);
        }
    } else {
        c->s = conc_stack_new(c->k == RC_S_CLOSED_FULL || c->k == RC_S_TASK_SPIN ? 1 : 2,
                              c->k == RC_TASKS || c->k == RC_S_JOIN ||
                                      c->k == RC_S_TASK_SPIN || c->k == RC_S_JOIN_WAIT
                                  ? CONC_JOINABLE
                                  : 0);
        if (!c->s)
            st = CONC_ENOMEM;
        else if (c->k != RC_CLOSED && c->k != RC_S_JOIN)
            st = conc_stack_push(c->s, (void *)(uintptr_t)8);
        /* Full, with nothing unfinished: thread 1's push fails, and its
         * provisional unit is all the count ever holds. */
        if (st == CONC_OK && c->k == RC_S_TASK_SPIN)
            st = conc_stack_task_done(c->s);
    }
    if (st != CONC_OK) {
        fprintf(why, "setup: %s\n", conc_strerror(st));
        rc_teardown(c);
        return NULL;
    }
    return c;
}

static void rc_run(void *vctx, int tid)
{
    rc_ctx *c = vctx;
    void *it;
    /* The lfqueue's threads first claim their hazard-pointer records (a
     * closed(): it reads, protects and releases), so that the search's
     * preemptions go to the race rather than to the records' claims. */
    if (c->k == RC_L_CLOSED && tid != 1)
        (void)conc_lfqueue_closed(c->q);
    if (tid == 0) {
        conc_store_u32(&c->z, 1, CONC_SEQ_CST);
        switch (c->k) {
        case RC_EMPTY: c->look = conc_stack_len(c->s); break;
        case RC_CLOSED:
        case RC_S_CLOSED_FULL: c->look = (size_t)conc_stack_closed(c->s); break;
        case RC_TASKS:
        case RC_S_JOIN_WAIT: c->look = conc_stack_join(c->s, 0) == CONC_TIMEDOUT; break;
        case RC_M_JOIN: c->look = conc_mutexq_join(c->m, 0) == CONC_OK; break;
        case RC_L_CLOSED: c->look = (size_t)conc_lfqueue_closed(c->q); break;
        /* The ring's answers give no look that only comes before a push
         * (len 0 is also after the pop), so thread 0 reads aq's Tail, which
         * the push's enqueue moves (its linearization point). */
        case RC_RING:
        case RC_R_ITEM_MANY:
            c->look = conc_load_u64(&c->r->aq.tail, CONC_SEQ_CST) != c->tail0;
            break;
        /* aq's Head unmoved: before the F&A of the pop that takes it */
        case RC_R_EMPTY:
        case RC_R_EMPTY_MANY:
            c->look = conc_load_u64(&c->r->aq.head, CONC_SEQ_CST) == c->head0;
            break;
        case RC_R_CLOSED_PUSH:
        case RC_R_CLOSED_FULL:
        case RC_R_CLOSED_POP:
        case RC_R_CLOSED_MANY: c->look = (size_t)conc_ring_closed(c->r); break;
        case RC_S_JOIN: c->look = conc_stack_join(c->s, 0) == CONC_OK; break;
        case RC_S_TASK_SPIN:
            c->look = conc_stack_join(c->s, 0) == CONC_TIMEDOUT;
            break;
        case RC_R_JOIN_MANY: c->look = conc_ring_join(c->r, 0) == CONC_OK; break;
        default: break;
        }
        return;
    }
    void *two[2] = {(void *)(uintptr_t)8, (void *)(uintptr_t)12};
    void *got[2];
    size_t n = 0;
    switch (c->k) {
    case RC_EMPTY: c->st[tid] = conc_stack_pop(c->s, &it); break;
    case RC_CLOSED:
    case RC_S_CLOSED_FULL:
        c->st[tid] = tid == 1 ? conc_stack_close(c->s)
                              : conc_stack_push(c->s, (void *)(uintptr_t)16);
        break;
    case RC_TASKS: c->st[tid] = conc_stack_task_done(c->s); break;
    case RC_S_JOIN_WAIT:
        c->st[tid] = tid == 1 ? conc_stack_task_done(c->s)
                              : conc_stack_join(c->s, 1000000);
        break;
    case RC_M_JOIN:
        c->st[tid] = tid == 1 ? conc_mutexq_push(c->m, (void *)(uintptr_t)8)
                              : conc_mutexq_join(c->m, 0);
        break;
    case RC_L_CLOSED:
        c->st[tid] = tid == 1 ? conc_lfqueue_close(c->q)
                              : conc_lfqueue_push(c->q, (void *)(uintptr_t)16);
        break;
    case RC_RING:
        c->st[tid] = tid == 1 ? conc_ring_push(c->r, (void *)(uintptr_t)8)
                              : conc_ring_pop(c->r, &it);
        break;
    case RC_R_EMPTY: c->st[tid] = conc_ring_pop(c->r, &it); break;
    case RC_R_EMPTY_MANY:
        c->st[tid] = tid == 1 ? conc_ring_pop_many(c->r, got, 2, &n)
                              : conc_ring_pop(c->r, &it);
        break;
    case RC_R_CLOSED_PUSH:
    case RC_R_CLOSED_FULL:
        c->st[tid] = tid == 1 ? conc_ring_close(c->r)
                              : conc_ring_push(c->r, (void *)(uintptr_t)16);
        break;
    case RC_R_CLOSED_POP:
        c->st[tid] = tid == 1 ? conc_ring_close(c->r) : conc_ring_pop(c->r, &it);
        break;
    case RC_R_CLOSED_MANY:
        c->st[tid] = tid == 1 ? conc_ring_close(c->r)
                              : conc_ring_push_many(c->r, two, 2, &n);
        break;
    case RC_R_ITEM_MANY:
        c->st[tid] = tid == 1 ? conc_ring_push_many(c->r, two, 2, &n)
                              : conc_ring_pop(c->r, &it);
        break;
    case RC_S_JOIN:
        c->st[tid] = tid == 1 ? conc_stack_push(c->s, (void *)(uintptr_t)8)
                              : conc_stack_join(c->s, 0);
        break;
    case RC_R_JOIN_MANY:
        c->st[tid] = tid == 1 ? conc_ring_push_many(c->r, two, 2, &n)
                              : conc_ring_join(c->r, 0);
        break;
    case RC_S_TASK_SPIN:
        if (tid == 1) {
            c->st[1] = conc_stack_push(c->s, (void *)(uintptr_t)16);
        } else {
            /* join first: thread 2 has seen 1's provisional unit, so its
             * task_done's EINVAL is the count 1's failed push left */
            c->st[0] = conc_stack_join(c->s, 0);
            c->st[2] = conc_stack_task_done(c->s);
        }
        break;
    }
    c->rz[tid] = conc_load_u32(&c->z, CONC_SEQ_CST);
}

static bool rc_check(void *vctx, FILE *why)
{
    rc_ctx *c = vctx;
    /* b answered from d's write; thread 0 saw the structure before d's. */
    for (int b = 1; b <= 2; b++) {
        int d = 3 - b;
        bool bad = false;
        const char *look = "";
        switch (c->k) {
        case RC_EMPTY: /* one item: 0 saw it, d took it, b said EMPTY */
            bad = c->look == 1 && c->st[d] == CONC_OK && c->st[b] == CONC_EMPTY;
            look = "len 1";
            break;
        case RC_CLOSED: /* 0 saw it open, 1 closed it, 2 said CLOSED */
        case RC_S_CLOSED_FULL:
        case RC_R_CLOSED_PUSH:
        case RC_R_CLOSED_FULL:
        case RC_R_CLOSED_POP:
        case RC_R_CLOSED_MANY:
        case RC_L_CLOSED:
            bad = b == 2 && c->look == 0 && c->st[2] == CONC_CLOSED;
            look = "closed 0";
            break;
        case RC_TASKS: /* one task: 0's join saw it, d's task_done ended it,
                        * b's said EINVAL (none left) */
            bad = c->look == 1 && c->st[d] == CONC_OK && c->st[b] == CONC_EINVAL;
            look = "join(0) TIMEDOUT";
            break;
        case RC_RING: /* 0 saw aq's Tail before 1's push, 2 popped the item */
        case RC_R_ITEM_MANY:
            bad = b == 2 && c->look == 0 && c->st[2] == CONC_OK;
            look = "aq's Tail unmoved";
            break;
        case RC_R_EMPTY: /* one item: 0 saw it, d took it, b said EMPTY */
            bad = c->look == 1 && c->st[d] == CONC_OK && c->st[b] == CONC_EMPTY;
            look = "aq's Head unmoved";
            break;
        case RC_R_EMPTY_MANY: /* 1's pop_many took it, 2's pop said EMPTY */
            bad = b == 2 && c->look == 1 && c->st[1] == CONC_OK &&
                  c->st[2] == CONC_EMPTY;
            look = "aq's Head unmoved";
            break;
        case RC_S_JOIN_WAIT: /* one task: 0's join saw it, 1's task_done
                              * ended it, 2's join was woken (OK) */
            bad = b == 2 && c->look == 1 && c->st[1] == CONC_OK &&
                  c->st[2] == CONC_OK;
            look = "join(0) TIMEDOUT";
            break;
        case RC_M_JOIN:
        case RC_S_JOIN:
        case RC_R_JOIN_MANY: /* 0's join saw no task, 1 pushed one, 2's join
                              * saw it (TIMEDOUT) */
            bad = b == 2 && c->look == 1 && c->st[2] == CONC_TIMEDOUT;
            look = "join(0) OK";
            break;
        case RC_S_TASK_SPIN: /* 0 and 2 saw 1's provisional unit, 1's push
                              * failed, 2's task_done said EINVAL */
            bad = b == 2 && c->look == 1 && c->st[1] == CONC_FULL &&
                  c->st[0] == CONC_TIMEDOUT && c->st[2] == CONC_EINVAL;
            look = "join(0) TIMEDOUT";
            break;
        }
        if (bad && c->rz[b] == 0) {
            fprintf(why,
                    "not one order: thread 0 stored z = 1 and then saw %s (before "
                    "thread %d's operation); thread %d answered %s after it, then "
                    "loaded z = 0\n",
                    look, d, b, conc_strerror(c->st[b]));
            return false;
        }
    }
    return true;
}

#define RC_SCEN(var, nm, kind, text)                                            \
    static const ex_scenario var = {.name = nm, .what = text, .nthreads = 3,   \
                                    .param = (void *)(intptr_t)(kind),         \
                                    .setup = rc_setup, .run = rc_run,          \
                                    .check = rc_check, .teardown = rc_teardown}
RC_SCEN(rc_empty, "stack/rc11-empty", RC_EMPTY,
        "z=1 then len || pop || pop EMPTY then z: one order");
RC_SCEN(rc_closed, "stack/rc11-closed", RC_CLOSED,
        "z=1 then closed || close || push CLOSED then z: one order");
RC_SCEN(rc_tasks, "stack/rc11-task-done", RC_TASKS,
        "z=1 then join(0) || task_done || task_done EINVAL then z: one order");
RC_SCEN(rc_ring, "ring/rc11-item", RC_RING,
        "z=1 then aq's Tail || push || pop the item then z: one order");
RC_SCEN(rc_r_empty, "ring/rc11-empty", RC_R_EMPTY,
        "z=1 then aq's Head || pop || pop EMPTY then z: one order");
RC_SCEN(rc_r_empty_many, "ring/rc11-empty-many", RC_R_EMPTY_MANY,
        "z=1 then aq's Head || pop_many || pop EMPTY then z: one order");
RC_SCEN(rc_r_closed_push, "ring/rc11-closed", RC_R_CLOSED_PUSH,
        "z=1 then closed || close || push CLOSED then z: one order");
RC_SCEN(rc_r_closed_full, "ring/rc11-closed-full", RC_R_CLOSED_FULL,
        "full ring: z=1 then closed || close || push CLOSED then z: one order");
RC_SCEN(rc_r_closed_pop, "ring/rc11-closed-pop", RC_R_CLOSED_POP,
        "z=1 then closed || close || pop CLOSED then z: one order");
RC_SCEN(rc_r_closed_many, "ring/rc11-closed-many", RC_R_CLOSED_MANY,
        "z=1 then closed || close || push_many CLOSED then z: one order");
RC_SCEN(rc_r_item_many, "ring/rc11-item-many", RC_R_ITEM_MANY,
        "z=1 then aq's Tail || push_many || pop the item then z: one order");
RC_SCEN(rc_s_closed_full, "stack/rc11-closed-full", RC_S_CLOSED_FULL,
        "full stack: z=1 then closed || close || push CLOSED then z: one order");
RC_SCEN(rc_s_task_spin, "stack/rc11-task-done-spin", RC_S_TASK_SPIN,
        "z=1 then join(0) || failed push || join(0), task_done EINVAL then z: one order");
RC_SCEN(rc_s_join, "stack/rc11-join", RC_S_JOIN,
        "z=1 then join(0) || push || join(0) TIMEDOUT then z: one order");
RC_SCEN(rc_s_join_wait, "stack/rc11-join-wait", RC_S_JOIN_WAIT,
        "z=1 then join(0) TIMEDOUT || task_done || join(1 ms) OK then z: one order");
RC_SCEN(rc_m_join, "mutexq/rc11-join", RC_M_JOIN,
        "z=1 then join(0) OK || push || join(0) TIMEDOUT then z: one order");
RC_SCEN(rc_l_closed, "lfqueue/rc11-closed", RC_L_CLOSED,
        "z=1 then closed || close || push CLOSED then z: one order");
RC_SCEN(rc_r_join_many, "ring/rc11-join-many", RC_R_JOIN_MANY,
        "z=1 then join(0) || push_many || join(0) TIMEDOUT then z: one order");

/* Every custom scenario, run in tier 0 after the table's, with the
 * preemption bound and the DFS cap per bound it asks for at least (0: the
 * run's), as sc_def.bound and sc_def.execs.  hp/move's race needs 3
 * preemptions: the reader after its protect, the retirer between the two
 * slots of its scan, the reader after its move.  The tail-swing scripts'
 * failure (a tail set back onto an unmapped segment) needs their second
 * bound, which a cap of 100 per bound (the mutation runner's explore
 * check, verify/mutants/mutants.py) never reaches: with lfqueue.c:321,
 * :449, :719 or :748 split into a load and a store, 1000 per bound faults
 * in each (:449's at 400 does not); unmutated, each script's 1000 take
 * about 0.3 s.  A prefix (ex_config.prefix; conc-explore's --prefix
 * replaces it) makes the DFS search only below it: the weak-tail scripts'
 * failures need a thread stopped early, between its link and its own
 * tail CAS, which a search from the root reaches only after the weak
 * choices of everything after it (test_explorer checks that each prefix
 * still fits the code: its threads reach their sites). */
const sc_custom_run sc_custom[] = {
    {&hp_move, 3, 0, NULL}, {&close_enomem, 0, 0, NULL}, {&hp_held_cached, 3, 0, NULL},
    /* issue 12 holes (hp) */
    {&hp_orphans_give, 0, 0, NULL}, {&hp_orphans_adopt, 0, 0, NULL}, {&hp_reuse, 0, 0, NULL},
    {&sharded_claim_race, 0, 0, NULL}, {&sharded_first_claim, 0, 0, NULL},
    /* issue 12 holes (misc) */
    {&shm_recover_attach, 0, 0, NULL}, {&shm_format_attach, 0, 0, NULL},
    /* issue 12 holes (wait) */
    {&ws_fd_close, 0, 0, NULL},
    /* issue 12 holes (lfq) */
    {&lq_segments, 0, 0, NULL}, {&lq_pool_put, 0, 0, NULL},
    {&lq_tail_help, 2, 1000, NULL}, {&lq_tail_pop, 2, 1000, NULL},
    {&lq_tail_close, 2, 1000, NULL}, {&lq_tail_closed, 2, 1000, NULL},
    {&lq_tail_own, 1, 0, NULL}, {&lq_close_giveback, 3, 0, NULL}, {&lq_discard, 0, 0, NULL},
    {&lq_discard_put, 2, 0, NULL},
    /* issue 12 awaiting-weak (tail swing) */
    {&lq_wk_pop, 0, 0, NULL}, {&lq_wk_help, 0, 0, "b@lfqueue.c:337cb"},
    {&lq_wk_close, 0, 0, "a@lfqueue.c:337b"},
    {&lq_wk_closed, 0, 0, "a@lfqueue.c:337b"},
    {&lq_wk_seal, 0, 0, "a@lfqueue.c:337b@lfqueue.c:714c"},
    /* issue 12 awaiting-weak (waitset SB) */
    {&aw_seg_end, 0, 0, NULL}, {&aw_empty, 0, 0, NULL}, {&aw_empty_many, 0, 0, NULL},
    /* issue 12: answers against the caller's seq_cst atomics (the rc11
     * scenarios): bound 2 exhausted, at most 6000 weak executions each */
    {&rc_empty, 2, 20000, NULL}, {&rc_closed, 2, 20000, NULL},
    {&rc_tasks, 2, 20000, NULL}, {&rc_ring, 2, 20000, NULL},
    /* a second review of the `stronger` triage (answers from a load or an
     * RMW of another order) */
    {&rc_r_empty, 2, 20000, NULL}, {&rc_r_empty_many, 2, 20000, NULL},
    {&rc_r_closed_push, 2, 20000, NULL}, {&rc_r_closed_full, 2, 20000, NULL},
    {&rc_r_closed_pop, 2, 20000, NULL}, {&rc_r_closed_many, 2, 20000, NULL},
    {&rc_r_item_many, 2, 20000, NULL},
    {&rc_s_join, 2, 20000, NULL}, {&rc_s_closed_full, 2, 20000, NULL},
    {&rc_s_task_spin, 2, 20000, NULL}, {&rc_r_join_many, 2, 20000, NULL},
    {&rc_s_join_wait, 2, 20000, NULL}, {&rc_m_join, 2, 20000, NULL},
    /* the lfqueue's space is larger (hazard pointers, segments): bound 1,
     * truncated at 3000 executions per bound */
    {&rc_l_closed, 1, 3000, NULL}};
const size_t sc_ncustom = sizeof sc_custom / sizeof sc_custom[0];
