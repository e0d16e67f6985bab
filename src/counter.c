/*
 * counter.c - shared 64-bit counters: conc_counter (one atomic word),
 * conc_sharded (per-thread slots summed on read) and conc_mutexcounter (a
 * word under a process-shared pthread mutex).  Contract in
 * include/conc/counter.h.
 *
 * Totals are kept as uint64_t so that every sum wraps modulo 2^64 without
 * undefined behaviour; they become int64_t only on the way out, by memcpy
 * (int64_t is two's complement by definition, so the bits mean what the
 * contract says).  No struct holds a pointer, so each counter may live in
 * memory shared between processes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/counter.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal/atomics.h"
#include "internal/alloc.h"
#include "internal/lock.h"
#include "internal/pad.h"
#include "internal/verify_state.h"

static int64_t as_i64(uint64_t u)
{
    int64_t r;
    memcpy(&r, &u, sizeof r);
    return r;
}

static int caller_mem_ok(const void *mem, size_t size, size_t need)
{
    return mem != NULL && conc_is_aligned(mem, CONC_ALIGN) && need != 0 &&
           size >= need;
}

/* ---- conc_counter ------------------------------------------------------ */

struct conc_counter {
    /* Alone on its cache line: the contract's "one cache line". */
    _Alignas(CONC_ALIGN) conc_atomic_u64 total;
};

_Static_assert(sizeof(struct conc_counter) == CONC_CACHE_LINE,
               "conc_counter is one cache line");

size_t conc_counter_footprint(void)
{
    return sizeof(struct conc_counter);
}

conc_status conc_counter_init(void *mem, size_t size)
{
    if (!caller_mem_ok(mem, size, conc_counter_footprint()))
        return CONC_EINVAL;
    struct conc_counter *c = mem;
    conc_init_u64(&c->total, 0);
    return CONC_OK;
}

conc_status conc_counter_fini(conc_counter *c)
{
    return c == NULL ? CONC_EINVAL : CONC_OK;
}

static conc_status counter_init_fn(void *mem, size_t size, size_t unused,
                                   unsigned flags)
{
    (void)unused;
    (void)flags;
    return conc_counter_init(mem, size);
}

conc_counter *conc_counter_new(void)
{
    return conc_heap_new(conc_counter_footprint(), counter_init_fn, 0, 0);
}

void conc_counter_free(conc_counter *c)
{
    if (c == NULL)
        return;
    conc_counter_fini(c);
    free(c);
}

conc_status conc_counter_add(conc_counter *c, int64_t delta, int64_t *prev)
{
    if (c == NULL)
        return CONC_EINVAL;
    /* Relaxed: the counter orders nothing but itself (see counter.h). */
    uint64_t before = conc_fetch_add_u64(&c->total, (uint64_t)delta,
                                         CONC_RELAXED);
    if (prev != NULL)
        *prev = as_i64(before);
    return CONC_OK;
}

conc_status conc_counter_read(const conc_counter *c, int64_t *out)
{
    if (c == NULL || out == NULL)
        return CONC_EINVAL;
    *out = as_i64(conc_load_u64(&c->total, CONC_RELAXED));
    return CONC_OK;
}

/* ---- conc_sharded ------------------------------------------------------ */

struct sharded_slot {
    CONC_PADDED(conc_atomic_u64, sum);
};

/* The header: written by init only, then read by every add and read, so it
 * stays shared (clean) in every CPU's cache. */
struct sharded_head {
    size_t shards; /* as given to init: 1 .. CONC_SHARDED_MAX_SHARDS */
    size_t mask;   /* the next power of two >= shards, minus 1 */
};

struct conc_sharded {
    /* Padded like a slot so that slot 0 does not share a line pair with a
     * word every add and read loads. */
    CONC_PADDED(struct sharded_head, h);
    struct sharded_slot slots[];
};

_Static_assert(sizeof(struct sharded_slot) == CONC_PAD_LINE,
               "a shard is one padded line pair");
_Static_assert(sizeof(struct conc_sharded) == CONC_PAD_LINE,
               "the header is one padded line pair (footprint 128 * (n + 1))");

/* Threads take tickets in the order of their first add, process-wide, so
 * the first `shards` threads of a process get slots of their own whatever
 * counter they use.  Relaxed: only uniqueness matters.
 *
 * The add path (conc_sharded_add) is one thread-local load, one load of the
 * counter's read-only header, a mask and the fetch-and-add.  What it does
 * not do, and why:
 *  - No division: the slot is ticket & mask, folded back below `shards`
 *    when the shard count is not a power of two (mask is the next power of
 *    two minus 1, so ticket & mask < 2 * shards and one subtraction
 *    suffices).  A power-of-two count (the default 2 x CPUs on most
 *    machines) never folds and gives the exact round robin of ticket %
 *    shards; another count gives the low slots a few more threads.
 *  - No __tls_get_addr: in a shared library the general-dynamic TLS model
 *    calls it on every access; the initial-exec model reads the thread
 *    pointer plus a constant offset.  libconc's thread-local words are a
 *    few bytes, well within the static TLS that glibc reserves for
 *    libraries loaded with dlopen.
 *  - No per-counter cache of a slot pointer.  The ticket belongs to the
 *    thread, not to a counter, and the slot is recomputed from the header
 *    of the counter at hand on every add, so nothing is cached that a
 *    counter freed and another made at the same address (with fewer shards)
 *    could make stale: there is no ABA to guard against
 *    (verify/test_sequential.c, sharded_reuse, checks exactly that).  A
 *    cache keyed by the counter's address would need a generation to be
 *    safe and would cost more loads than the mask it saves. */
static conc_atomic_u64 next_ticket;
#if defined(__GNUC__) || defined(__clang__)
#define CONC_TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define CONC_TLS_FAST
#endif
/* ticket + 1; 0 until the thread's first add */
static _Thread_local uint64_t my_ticket CONC_TLS_FAST;

static uint64_t new_ticket(void)
{
    my_ticket = conc_fetch_add_u64(&next_ticket, 1, CONC_RELAXED) + 1;
    return my_ticket;
}

/* The slot this thread adds to: ticket & mask, folded below shards. */
static inline size_t slot_index(const struct sharded_head *h, uint64_t t1)
{
    size_t i = (size_t)(t1 - 1) & h->mask;
    return i >= h->shards ? i - h->shards : i;
}

#ifdef CONC_VERIFY
/* verify_state.h: the numbering restarted, this thread's ticket forgotten. */
void conc__counter_verify_reset(void)
{
    conc_store_u64(&next_ticket, 0, CONC_RELAXED);
    my_ticket = 0;
}

void conc__counter_verify_thread_exit(void)
{
    my_ticket = 0;
}

uint64_t conc__counter_verify_tickets(uint64_t *mine)
{
    if (mine)
        *mine = my_ticket;
    return conc_load_u64(&next_ticket, CONC_RELAXED);
}
#endif

size_t conc_sharded_footprint(size_t shards)
{
    if (shards == 0 || shards > CONC_SHARDED_MAX_SHARDS)
        return 0;
    return conc_size_mul_add(shards, sizeof(struct sharded_slot),
                             sizeof(struct conc_sharded));
}

conc_status conc_sharded_init(void *mem, size_t size, size_t shards)
{
    if (!caller_mem_ok(mem, size, conc_sharded_footprint(shards)))
        return CONC_EINVAL;
    struct conc_sharded *s = mem;
    size_t pow2 = 1;
    while (pow2 < shards)
        pow2 <<= 1;
    s->h.shards = shards;
    s->h.mask = pow2 - 1;
    for (size_t i = 0; i < shards; i++)
        conc_init_u64(&s->slots[i].sum, 0);
    return CONC_OK;
}

conc_status conc_sharded_fini(conc_sharded *s)
{
    return s == NULL ? CONC_EINVAL : CONC_OK;
}

static conc_status sharded_init_fn(void *mem, size_t size, size_t shards,
                                   unsigned flags)
{
    (void)flags;
    return conc_sharded_init(mem, size, shards);
}

conc_sharded *conc_sharded_new(size_t shards)
{
    return conc_heap_new(conc_sharded_footprint(shards), sharded_init_fn, shards, 0);
}

void conc_sharded_free(conc_sharded *s)
{
    if (s == NULL)
        return;
    conc_sharded_fini(s);
    free(s);
}

conc_status conc_sharded_add(conc_sharded *s, int64_t delta)
{
    if (s == NULL)
        return CONC_EINVAL;
    uint64_t t1 = my_ticket;
    if (__builtin_expect(t1 == 0, 0))
        t1 = new_ticket();
    struct sharded_slot *slot = &s->slots[slot_index(&s->h, t1)];
    /* Relaxed: a slot shared by threads needs atomicity, not ordering; the
     * read contract asks for nothing stronger. */
    conc_fetch_add_u64(&slot->sum, (uint64_t)delta, CONC_RELAXED);
    return CONC_OK;
}

conc_status conc_sharded_read(const conc_sharded *s, int64_t *out)
{
    if (s == NULL || out == NULL)
        return CONC_EINVAL;
    uint64_t total = 0;
    for (size_t i = 0; i < s->h.shards; i++)
        total += conc_load_u64(&s->slots[i].sum, CONC_RELAXED);
    *out = as_i64(total);
    return CONC_OK;
}

size_t conc_sharded_shards(const conc_sharded *s)
{
    return s == NULL ? 0 : s->h.shards;
}

/* ---- conc_mutexcounter ------------------------------------------------- */

struct conc_mutexcounter {
    _Alignas(CONC_ALIGN) pthread_mutex_t lock;
    uint64_t total; /* guarded by lock */
};

size_t conc_mutexcounter_footprint(void)
{
    return sizeof(struct conc_mutexcounter);
}

conc_status conc_mutexcounter_init(void *mem, size_t size)
{
    if (!caller_mem_ok(mem, size, conc_mutexcounter_footprint()))
        return CONC_EINVAL;
    struct conc_mutexcounter *c = mem;
    c->total = 0;
    return conc_shared_mutex_init(&c->lock);
}

conc_status conc_mutexcounter_fini(conc_mutexcounter *c)
{
    if (c == NULL)
        return CONC_EINVAL;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    return pthread_mutex_destroy(&c->lock) == 0 ? CONC_OK : CONC_EINVAL;
}

static conc_status mutexcounter_init_fn(void *mem, size_t size, size_t unused,
                                        unsigned flags)
{
    (void)unused;
    (void)flags;
    return conc_mutexcounter_init(mem, size);
}

conc_mutexcounter *conc_mutexcounter_new(void)
{
    return conc_heap_new(conc_mutexcounter_footprint(), mutexcounter_init_fn, 0, 0);
}

void conc_mutexcounter_free(conc_mutexcounter *c)
{
    if (c == NULL)
        return;
    conc_mutexcounter_fini(c);
    free(c);
}

conc_status conc_mutexcounter_add(conc_mutexcounter *c, int64_t delta,
                                  int64_t *prev)
{
    if (c == NULL || conc__mutex_lock(&c->lock) != 0)
        return CONC_EINVAL;
    uint64_t before = c->total;
    c->total = before + (uint64_t)delta;
    conc__mutex_unlock(&c->lock);
    if (prev != NULL)
        *prev = as_i64(before);
    return CONC_OK;
}

conc_status conc_mutexcounter_read(const conc_mutexcounter *cc, int64_t *out)
{
    conc_mutexcounter *c = (conc_mutexcounter *)cc; /* locked, not changed */
    if (c == NULL || out == NULL || conc__mutex_lock(&c->lock) != 0)
        return CONC_EINVAL;
    uint64_t total = c->total;
    conc__mutex_unlock(&c->lock);
    *out = as_i64(total);
    return CONC_OK;
}
