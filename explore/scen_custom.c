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
#include <conc/lfqueue.h>
#include "scenarios.h"

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

const ex_scenario *const sc_custom[] = {&hp_move, &close_enomem, &hp_held_cached};
/* hp/move's race needs 3 preemptions: the reader after its protect, the
 * retirer between the two slots of its scan, the reader after its move. */
const int sc_custom_bound[] = {3, 0, 3};
const size_t sc_ncustom = sizeof sc_custom / sizeof sc_custom[0];
