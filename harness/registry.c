/*
 * registry.c - the one list of conc structures.  Adapters only cast between
 * the generic table signature and the public API; they add no logic.
 */
#include "registry.h"

#include <string.h>

/* Containers: one set of adapters per family prefix.  `create`/`init` use
 * flags 0; create_flags passes them. */
#define REG_CONTAINER_ADAPTERS(P)                                              \
    static void *P##_create(size_t cap) { return P##_new_(cap, 0); }          \
    static void *P##_create_flags(size_t cap, unsigned f)                      \
    {                                                                          \
        return P##_new_(cap, f);                                               \
    }                                                                          \
    static void P##_destroy(void *o) { conc_##P##_free(o); }                  \
    static int P##_fini(void *o) { return conc_##P##_fini(o); }               \
    static int P##_push(void *o, void *it) { return conc_##P##_push(o, it); } \
    static int P##_pop(void *o, void **it) { return conc_##P##_pop(o, it); }  \
    static int P##_push_many(void *o, void *const *it, size_t n, size_t *done) \
    {                                                                          \
        return conc_##P##_push_many(o, it, n, done);                           \
    }                                                                          \
    static int P##_pop_many(void *o, void **out, size_t max, size_t *done)     \
    {                                                                          \
        return conc_##P##_pop_many(o, out, max, done);                         \
    }                                                                          \
    static size_t P##_len(void *o) { return conc_##P##_len(o); }              \
    static size_t P##_capacity(void *o) { return conc_##P##_capacity(o); }    \
    static int P##_push_wait(void *o, void *it, uint64_t t)                    \
    {                                                                          \
        return conc_##P##_push_wait(o, it, t);                                 \
    }                                                                          \
    static int P##_pop_wait(void *o, void **it, uint64_t t)                    \
    {                                                                          \
        return conc_##P##_pop_wait(o, it, t);                                  \
    }                                                                          \
    static int P##_close(void *o) { return conc_##P##_close(o); }             \
    static int P##_close_now(void *o, conc_discard_fn d, void *a, size_t *n)   \
    {                                                                          \
        return conc_##P##_close_now(o, d, a, n);                               \
    }                                                                          \
    static int P##_closed(void *o) { return conc_##P##_closed(o); }           \
    static int P##_task_done(void *o) { return conc_##P##_task_done(o); }     \
    static int P##_join(void *o, uint64_t t) { return conc_##P##_join(o, t); } \
    static int P##_fd(void *o, int *fd) { return conc_##P##_fd(o, fd); }

/* Bounded families: construction takes the capacity. */
#define REG_BOUNDED(P)                                                         \
    static void *P##_new_(size_t cap, unsigned f) { return conc_##P##_new(cap, f); } \
    static size_t P##_footprint(size_t cap) { return conc_##P##_footprint(cap); } \
    static int P##_init(void *m, size_t sz, size_t cap)                        \
    {                                                                          \
        return conc_##P##_init(m, sz, cap, 0);                                 \
    }                                                                          \
    static int P##_init_flags(void *m, size_t sz, size_t cap, unsigned f)      \
    {                                                                          \
        return conc_##P##_init(m, sz, cap, f);                                 \
    }                                                                          \
    REG_CONTAINER_ADAPTERS(P)

REG_BOUNDED(ring)
REG_BOUNDED(mutexq)
REG_BOUNDED(stack)
REG_BOUNDED(mutexstack)

/* The unbounded queue ignores the capacity. */
static void *lfqueue_new_(size_t cap, unsigned f) { (void)cap; return conc_lfqueue_new(f); }
static size_t lfqueue_footprint(size_t cap) { (void)cap; return conc_lfqueue_footprint(); }
static int lfqueue_init(void *m, size_t sz, size_t cap) { (void)cap; return conc_lfqueue_init(m, sz, 0); }
static int lfqueue_init_flags(void *m, size_t sz, size_t cap, unsigned f)
{
    (void)cap;
    return conc_lfqueue_init(m, sz, f);
}
REG_CONTAINER_ADAPTERS(lfqueue)

/* The blocking families (conc_mutexq, conc_mutexstack) do a batch under one
 * lock acquisition: atomic_batches.  The lock-free ones go item by item. */
#define REG_CONTAINER(P, KIND, LF, EXACT, MAXCAP, UNB)                         \
    {.name = #P, .kind = KIND, .lock_free = LF, .exact_full = EXACT,           \
     .atomic_batches = !(LF),                                                  \
     .max_capacity = MAXCAP, .unbounded = UNB, .process_shared = !(UNB),       \
     .outside_memory = UNB,                                                    \
     .create = P##_create,                                                     \
     .destroy = P##_destroy, .footprint = P##_footprint, .init = P##_init,     \
     .init_flags = P##_init_flags,                                             \
     .fini = P##_fini, .push = P##_push, .pop = P##_pop,                       \
     .push_many = P##_push_many, .pop_many = P##_pop_many, .len = P##_len,     \
     .capacity = P##_capacity, .create_flags = P##_create_flags,               \
     .push_wait = P##_push_wait, .pop_wait = P##_pop_wait,                     \
     .close = P##_close, .close_now = P##_close_now, .closed = P##_closed,     \
     .task_done = P##_task_done, .join = P##_join, .fd = P##_fd}

/* Counters. */
static void *counter_create(size_t cap) { (void)cap; return conc_counter_new(); }
static void counter_destroy(void *o) { conc_counter_free(o); }
static size_t counter_footprint(size_t cap) { (void)cap; return conc_counter_footprint(); }
static int counter_init(void *m, size_t sz, size_t cap) { (void)cap; return conc_counter_init(m, sz); }
static int counter_fini(void *o) { return conc_counter_fini(o); }
static int counter_add(void *o, int64_t d, int64_t *prev) { return conc_counter_add(o, d, prev); }
static int counter_read(void *o, int64_t *out) { return conc_counter_read(o, out); }

static void *sharded_create(size_t cap) { return conc_sharded_new(cap); }
static void sharded_destroy(void *o) { conc_sharded_free(o); }
static size_t sharded_footprint(size_t cap) { return conc_sharded_footprint(cap); }
static int sharded_init(void *m, size_t sz, size_t cap) { return conc_sharded_init(m, sz, cap); }
static int sharded_fini(void *o) { return conc_sharded_fini(o); }
static int sharded_add(void *o, int64_t d, int64_t *prev) { (void)prev; return conc_sharded_add(o, d); }
static int sharded_read(void *o, int64_t *out) { return conc_sharded_read(o, out); }

static void *mutexcounter_create(size_t cap) { (void)cap; return conc_mutexcounter_new(); }
static void mutexcounter_destroy(void *o) { conc_mutexcounter_free(o); }
static size_t mutexcounter_footprint(size_t cap) { (void)cap; return conc_mutexcounter_footprint(); }
static int mutexcounter_init(void *m, size_t sz, size_t cap) { (void)cap; return conc_mutexcounter_init(m, sz); }
static int mutexcounter_fini(void *o) { return conc_mutexcounter_fini(o); }
static int mutexcounter_add(void *o, int64_t d, int64_t *prev) { return conc_mutexcounter_add(o, d, prev); }
static int mutexcounter_read(void *o, int64_t *out) { return conc_mutexcounter_read(o, out); }

#define REG_COUNTER(P, LF, PREV, MAXSH)                                        \
    {.name = #P, .kind = REG_COUNTER, .lock_free = LF,                         \
     .add_returns_prev = PREV, .max_capacity = MAXSH, .create = P##_create,    \
     .destroy = P##_destroy, .footprint = P##_footprint, .init = P##_init,     \
     .fini = P##_fini, .add = P##_add, .read = P##_read}

const reg_entry conc_registry[] = {
    REG_CONTAINER(ring, REG_QUEUE, true, false, CONC_RING_MAX_CAPACITY, false),
    REG_CONTAINER(mutexq, REG_QUEUE, false, true, CONC_MUTEXQ_MAX_CAPACITY, false),
    REG_CONTAINER(stack, REG_STACK, true, false, CONC_STACK_MAX_CAPACITY, false),
    REG_CONTAINER(mutexstack, REG_STACK, false, true, CONC_MUTEXSTACK_MAX_CAPACITY, false),
    REG_CONTAINER(lfqueue, REG_QUEUE, true, true, SIZE_MAX, true),
    REG_COUNTER(counter, true, true, 1),
    REG_COUNTER(sharded, true, false, CONC_SHARDED_MAX_SHARDS),
    REG_COUNTER(mutexcounter, false, true, 1),
};

const size_t conc_registry_count = sizeof conc_registry / sizeof conc_registry[0];

const reg_entry *conc_registry_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < conc_registry_count; i++)
        if (strcmp(conc_registry[i].name, name) == 0)
            return &conc_registry[i];
    return NULL;
}
