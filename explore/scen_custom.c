/*
 * scen_custom.c - scenarios that drive the library's internals directly,
 * for races a public-API script cannot reach: the hazard pointers'
 * conc__hp_set moves (no structure uses them today, the API does).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal/atomics.h"
#include "internal/hp.h"
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

const ex_scenario *const sc_custom[] = {&hp_move};
/* hp/move's race needs 3 preemptions: the reader after its protect, the
 * retirer between the two slots of its scan, the reader after its move. */
const int sc_custom_bound[] = {3};
const size_t sc_ncustom = sizeof sc_custom / sizeof sc_custom[0];
