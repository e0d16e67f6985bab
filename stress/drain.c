/*
 * drain.c - after the join, for queues and stacks: the main thread pops
 * what is left (the drain, as one more consumer), proves the structure
 * empty, and settles every producer's ledger (harness/ledger.h): each
 * pushed item popped exactly once, none lost, none invented.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"

static void containers_free(run *r);

/* After the join: drain, prove emptiness, settle the ledgers. */
void containers_finish(run *r, container_totals *out)
{
    cstate *cs = r->priv;
    memset(out, 0, sizeof *out);
    if (!cs || !cs->t)
        return;
    cthread *d = &cs->t[r->nthreads];
    tslot *slot = &r->slots[r->nthreads];
    atomic_store_explicit(&r->phase, 2, memory_order_relaxed);
    atomic_store_explicit(&slot->op, OP_DRAIN | OP_INSIDE,
                          memory_order_relaxed);
    uint64_t pushed = 0, popped = 0;
    for (int i = 0; i < r->nthreads; i++) {
        pushed += cs->t[i].pushes;
        popped += cs->t[i].pops;
    }
    /* --wait: the structure was closed; the drain's pops say CLOSED at the
     * end instead of EMPTY (pop_step accepts both). */
    /* More pops than items could be left means items are being invented
     * or duplicated without end; stop there. */
    uint64_t bound = (pushed > popped ? pushed - popped : 0) + r->capacity +
                     1024;
    uint64_t before = d->pops;
    int res;
    while ((res = pop_step(d, 1)) > 0) {
        if (d->pops - before > bound) {
            violation(r, V_INVENTED, -1, 0,
                      "the drain popped more than %" PRIu64
                      " items, more than could be inside; stopped draining",
                      bound);
            break;
        }
    }
    cs->drained = d->pops - before;
    /* The structure must now say EMPTY, to a single pop and to a batch. */
    uint64_t extra = d->pops;
    pop_step(d, 1);
    pop_step(d, 4);
    if (d->pops != extra)
        violation(r, V_NOT_EMPTY, -1, 0,
                  "after the drain saw CONC_EMPTY, pop and pop_many still "
                  "returned %" PRIu64 " item(s)",
                  d->pops - extra);
    cs->drained = d->pops - before;
    cs->len_after_drain = r->e->len(r->obj);
    atomic_store_explicit(&slot->op, OP_DONE, memory_order_relaxed);
    atomic_store_explicit(&r->phase, 3, memory_order_relaxed);
    size_t late_max = 0;
    for (int p = 0; p < r->nprod; p++) {
        h_ledger *l = &r->prod[p].led;
        if (h_ledger_late_max(l) > late_max)
            late_max = h_ledger_late_max(l);
        h_ledger_final(l, cs->t[p].next_seq,
                       atomic_load_explicit(&r->prod[p].started,
                                            memory_order_relaxed),
                       NULL, NULL);
    }
    out->pushed = pushed;
    out->popped = popped;
    out->drained = cs->drained;
    out->len_after_drain = cs->len_after_drain;
    out->late_max = late_max;
    containers_free(r);
}

static void containers_free(run *r)
{
    cstate *cs = r->priv;
    if (!cs)
        return;
    if (cs->t)
        for (int i = 0; i <= r->nthreads; i++)
            h_fifo_fini(&cs->t[i].fifo);
    free(cs->t);
    free(cs);
    r->priv = NULL;
}
