/*
 * broken.c - the deliberately broken queue (see broken.h).  Harness code,
 * not library code, so it uses <stdatomic.h> directly.
 */
#include "broken.h"

#include <stdatomic.h>

static atomic_uint period = 61;
static atomic_ulong pushes, pops, drops, dups;

void conc_broken_set_period(unsigned p)
{
    atomic_store(&period, p);
    atomic_store(&pushes, 0);
    atomic_store(&pops, 0);
}
unsigned long conc_broken_drops(void) { return atomic_load(&drops); }
unsigned long conc_broken_dups(void) { return atomic_load(&dups); }

static int fault_due(atomic_ulong *ops, unsigned long offset)
{
    unsigned p = atomic_load(&period);
    if (p == 0)
        return 0;
    return (atomic_fetch_add(ops, 1) + 1 + offset) % p == 0;
}

static void *b_create(size_t cap) { return conc_mutexq_new(cap, 0); }
static void b_destroy(void *o) { conc_mutexq_free(o); }
static size_t b_footprint(size_t cap) { return conc_mutexq_footprint(cap); }
static int b_init(void *m, size_t sz, size_t cap) { return conc_mutexq_init(m, sz, cap, 0); }
static int b_fini(void *o) { return conc_mutexq_fini(o); }

static int b_push(void *o, void *item)
{
    if (!o)
        return CONC_EINVAL;
    if (conc_mutexq_len(o) < conc_mutexq_capacity(o) && fault_due(&pushes, 0)) {
        atomic_fetch_add(&drops, 1);
        return CONC_OK; /* the fault: claims success, keeps nothing */
    }
    return conc_mutexq_push(o, item);
}

static int b_pop(void *o, void **item)
{
    int st = conc_mutexq_pop(o, item);
    if (st == CONC_OK && fault_due(&pops, atomic_load(&period) / 2)) {
        /* the fault: hand the item out, and put it back for a second pop */
        if (conc_mutexq_push(o, *item) == CONC_OK)
            atomic_fetch_add(&dups, 1);
    }
    return st;
}

static int b_push_many(void *o, void *const *items, size_t n, size_t *done)
{
    if (!o || (!items && n))
        return CONC_EINVAL;
    size_t i = 0;
    int st = CONC_OK;
    for (; i < n; i++)
        if ((st = b_push(o, items[i])) != CONC_OK)
            break;
    if (done)
        *done = i;
    return st;
}

static int b_pop_many(void *o, void **out, size_t max, size_t *done)
{
    if (!o || (!out && max))
        return CONC_EINVAL;
    size_t i = 0;
    while (i < max && b_pop(o, &out[i]) == CONC_OK)
        i++;
    if (done)
        *done = i;
    return (i > 0 || max == 0) ? CONC_OK : CONC_EMPTY;
}

static size_t b_len(void *o) { return conc_mutexq_len(o); }
static size_t b_capacity(void *o) { return conc_mutexq_capacity(o); }

const reg_entry conc_registry_broken = {
    .name = "broken", .kind = REG_QUEUE, .lock_free = false,
    .exact_full = false, .max_capacity = CONC_MUTEXQ_MAX_CAPACITY,
    .create = b_create, .destroy = b_destroy, .footprint = b_footprint,
    .init = b_init, .fini = b_fini, .push = b_push, .pop = b_pop,
    .push_many = b_push_many, .pop_many = b_pop_many, .len = b_len,
    .capacity = b_capacity,
};
