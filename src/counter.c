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

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
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

/* The slots.  [0, nshared) are shared: any thread adds to them with a
 * fetch-and-add.  [nshared, shards) are ownable: owner is 0 until one
 * thread claims the slot (one CAS from 0 to its token, for the counter's
 * lifetime), and from then on only that thread writes sum, with one
 * fetch-and-add (conc_owner_add_u64, atomics.h, says why not an unlocked
 * add) on a line no other CPU writes, so it never waits for another CPU's
 * copy of the line.  Nobody else ever writes an ownable slot's
 * sum, so the owner's add never loses a concurrent add; read only loads.
 *
 * Only a counter made by conc_sharded_new has ownable slots.  Its memory
 * is the process's own heap: no other process can reach it, and a child
 * made by fork gets a copy of it, in which only the one thread fork copied
 * holds that thread's token (the parent's other threads do not exist in
 * the child), so an inherited token owns only what its holder alone
 * writes.  A counter made by conc_sharded_init lives in the caller's
 * memory, which may be shared between processes, whose threads a token
 * cannot tell apart (tickets are per process; a pid would not do either:
 * two pid namespaces, two containers' main processes, are both pid 1).  So
 * it has no ownable slot (nshared == shards): every add is a fetch-and-add
 * on a shared slot, spread by ticket.
 *
 * A token is the thread's ticket + 1 (my_ticket): 64 bits, never 0, never
 * reused within a process (2^64 first adds do not happen), so two live
 * threads never share one, however many threads came and went.  A token
 * that belonged to an exited thread stays in its slots' owner words,
 * harmlessly: the dead write nothing.
 *
 * Signals: a handler that adds on the thread it interrupted uses the same
 * token.  Interrupting an owner's add, it adds to the same slot, each add
 * one instruction (atomics.h), so neither is lost; interrupting a claim,
 * it claims the same slot (or finds it claimed by its own token, which the
 * interrupted CAS then sees); interrupting the first add between the
 * ticket's fetch-and-add and the store of my_ticket, it takes a ticket of
 * its own, which the interrupted store then replaces: the handler's ticket
 * is wasted (a slot it claimed stays with a token no thread holds any
 * more), nothing is lost.  my_ticket itself is one aligned word, stored
 * once per thread by one instruction.
 *
 * Why half and half: an owned slot is never given back (a thread cannot
 * know when its counters end, nor a counter when its threads do), so a
 * counter that outlives many short-lived threads ends with its ownable
 * slots held by the dead.  The later threads then add to the shared half
 * with fetch-and-add, spread by ticket as before: as fast as a counter of
 * half the shards. */
/* sum and owner on lines of their own: the owner word is written once and
 * then only loaded, by its owner on every add and by every thread that
 * prefers the slot and lost it to the owner (each of its adds looks again:
 * nothing per counter is remembered), so it stays shared in every cache
 * while the owner's line of sums stays in the owner's. */
struct sharded_slot {
    union {
        conc_atomic_u64 sum;
        unsigned char sum_pad_[CONC_CACHE_LINE];
    } s;
    union {
        conc_atomic_u64 owner; /* ownable slots: 0, or the owner's token */
        unsigned char owner_pad_[CONC_PAD_LINE - CONC_CACHE_LINE];
    } o;
};

/* The header: written by init only, then read by every add and read, so it
 * stays shared (clean) in every CPU's cache. */
struct sharded_head {
    size_t shards;   /* as given to init: 1 .. CONC_SHARDED_MAX_SHARDS */
    size_t nshared;  /* shared slots: shards (init), max(1, shards / 2) (new) */
    size_t sh_mask;  /* next power of two >= nshared, minus 1 */
    size_t own_mask; /* next power of two >= shards - nshared, minus 1 */
    /* Owners add with conc_owner_add_light_u64 and read calls
     * conc_heavy_fence() first (atomics.h): set by conc_sharded_new when
     * the process is registered for membarrier, else 0 (locked adds). */
    size_t light;
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
 * the first threads of a process prefer different slots whatever counter
 * they use.  Relaxed: only uniqueness matters.
 *
 * A thread's preferred slots are ticket & mask within each half, folded
 * back below the half's size when that is not a power of two (mask is the
 * next power of two minus 1, so ticket & mask < 2 * size and one
 * subtraction suffices): no division on the add path.  A power-of-two half
 * (shards a power of two >= 4) never folds and gives the exact round robin
 * of ticket % size; another size gives its low slots a few more threads.
 *
 * The thread-local word uses the initial-exec TLS model: in a shared
 * library the default (general-dynamic) model calls __tls_get_addr on every
 * access; initial-exec reads the thread pointer plus a constant.  It is
 * 8 bytes, well within the static TLS that glibc keeps for libraries
 * loaded with dlopen.
 *
 * Nothing per counter is cached in a thread: the slot is recomputed from
 * the header of the counter at hand on every add and confirmed by its owner
 * word, which init zeroes.  A counter ended and another made in the same
 * memory with fewer shards (the ABA of a cache keyed by address) is
 * therefore nothing special: the thread claims a slot of the new counter
 * like any other (verify/test_sequential.c, sharded_reuse). */
static conc_atomic_u64 next_ticket;
#if defined(__GNUC__) || defined(__clang__)
#define CONC_TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define CONC_TLS_FAST
#endif
/* ticket + 1, the thread's token; 0 until the thread's first add */
static _Thread_local uint64_t my_ticket CONC_TLS_FAST;

static uint64_t thread_token(void)
{
    uint64_t t = my_ticket;
    if (t == 0)
        my_ticket = t = conc_fetch_add_u64(&next_ticket, 1, CONC_RELAXED) + 1;
    return t;
}

/* i & mask, folded below n (mask: the next power of two >= n, minus 1). */
static inline size_t fold(uint64_t i, size_t mask, size_t n)
{
    size_t r = (size_t)i & mask;
    return r >= n ? r - n : r;
}

static inline struct sharded_slot *own_slot(conc_sharded *s, uint64_t tok)
{
    size_t n = s->h.shards - s->h.nshared;
    return &s->slots[s->h.nshared + fold(tok - 1, s->h.own_mask, n)];
}

#ifdef CONC_VERIFY
/* verify_state.h: the numbering restarted and this thread's ticket
 * forgotten, as in a fresh process: every execution of the explorer then
 * takes the same steps. */
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

void conc__counter_verify_set_next_ticket(uint64_t next)
{
    conc_store_u64(&next_ticket, next, CONC_RELAXED);
}

int conc__counter_verify_slot(const conc_sharded *s, size_t i, int64_t *sum,
                              uint64_t *owner, size_t *nshared)
{
    if (!s || i >= s->h.shards)
        return CONC_EINVAL;
    struct sharded_slot *sl = (struct sharded_slot *)&s->slots[i];
    if (sum)
        *sum = (int64_t)conc_load_u64(&sl->s.sum, CONC_RELAXED);
    if (owner)
        *owner = i >= s->h.nshared ? conc_load_u64(&sl->o.owner, CONC_RELAXED) : 0;
    if (nshared)
        *nshared = s->h.nshared;
    return CONC_OK;
}
#endif

size_t conc_sharded_footprint(size_t shards)
{
    if (shards == 0 || shards > CONC_SHARDED_MAX_SHARDS)
        return 0;
    return conc_size_mul_add(shards, sizeof(struct sharded_slot),
                             sizeof(struct conc_sharded));
}

static size_t pow2_mask(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p - 1;
}

#if CONC_HEAVY_FENCE
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

/* atomics.h: the heavy side of the asymmetric pair.  Each
 * conc_sharded_new asks anew with a real fence, not a remembered answer: a
 * process may install a seccomp filter that refuses membarrier after its
 * first counter, and the counters made after that must take the locked
 * add.  The first call registers the process (registering twice is
 * harmless: the kernel keeps one flag per address space); `registered`
 * only saves the later calls the QUERY and REGISTER. */
static conc_atomic_u32 registered;

int conc__heavy_fence_register(void)
{
    if (conc_load_u32(&registered, CONC_RELAXED) == 0) {
        long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
            syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                    0, 0) != 0)
            return -1;
        conc_store_u32(&registered, 1, CONC_RELAXED);
    }
    return conc__heavy_fence();
}

int conc__heavy_fence(void)
{
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return 0;
    if (errno != EPERM)
        return -1;
    /* Not registered in this process (a child of fork whose kernel does
     * not carry the registration over): register here, then again. */
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                0) != 0)
        return -1;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0
               ? 0
               : -1;
}
#endif

/* The owner's add on counter s: light when the counter's reads fence. */
static inline void owner_add(const conc_sharded *s, conc_atomic_u64 *sum,
                             uint64_t v)
{
    if (CONC_HEAVY_FENCE && s->h.light)
        conc_owner_add_light_u64(sum, v);
    else
        conc_owner_add_u64(sum, v);
}

/* own: the counter may have ownable slots (conc_sharded_new only). */
static conc_status sharded_setup(void *mem, size_t size, size_t shards,
                                 bool own)
{
    if (!caller_mem_ok(mem, size, conc_sharded_footprint(shards)))
        return CONC_EINVAL;
    struct conc_sharded *s = mem;
    s->h.shards = shards;
    s->h.nshared = !own ? shards : shards / 2 > 0 ? shards / 2 : 1;
    s->h.sh_mask = pow2_mask(s->h.nshared);
    s->h.own_mask = pow2_mask(shards - s->h.nshared);
    /* Light owner adds only where there are owners and the process can
     * fence its reads (the first conc_sharded_new registers it). */
    s->h.light = own && shards > s->h.nshared && conc_heavy_fence_register() == 0;
    for (size_t i = 0; i < shards; i++) {
        conc_init_u64(&s->slots[i].s.sum, 0);
        conc_init_u64(&s->slots[i].o.owner, 0);
    }
    return CONC_OK;
}

/* Caller memory, perhaps shared between processes: no ownable slot. */
conc_status conc_sharded_init(void *mem, size_t size, size_t shards)
{
    return sharded_setup(mem, size, shards, false);
}

conc_status conc_sharded_fini(conc_sharded *s)
{
    return s == NULL ? CONC_EINVAL : CONC_OK;
}

static conc_status sharded_new_fn(void *mem, size_t size, size_t shards,
                                  unsigned flags)
{
    (void)flags;
    return sharded_setup(mem, size, shards, true);
}

/* The process's own heap: the upper half ownable. */
conc_sharded *conc_sharded_new(size_t shards)
{
    return conc_heap_new(conc_sharded_footprint(shards), sharded_new_fn, shards, 0);
}

void conc_sharded_free(conc_sharded *s)
{
    if (s == NULL)
        return;
    conc_sharded_fini(s);
    free(s);
}

/* Everything but an add to a slot this thread already owns: claim the
 * preferred ownable slot if it is free, else add to a shared slot. */
static conc_status __attribute__((noinline))
sharded_add_slow(conc_sharded *s, int64_t delta)
{
    uint64_t tok = thread_token();
    if (s->h.shards > s->h.nshared) {
        struct sharded_slot *o = own_slot(s, tok);
        /* A load first: a slot owned by another thread is the common case
         * here (every add of a thread that lost its slot comes this way),
         * and a CAS would take the owner word's line away from its owner
         * on each of them.  Relaxed: the claim only has to be unique (one
         * CAS wins); the sum it guards is 0 since init and written by
         * nobody before its owner.  seen == tok after a failed CAS: a
         * signal handler on this thread claimed it in between. */
        uint64_t seen = conc_load_u64(&o->o.owner, CONC_RELAXED);
        if (seen == tok ||
            (seen == 0 && (conc_cas_u64(&o->o.owner, &seen, tok, CONC_RELAXED,
                                        CONC_RELAXED) ||
                           seen == tok))) {
            owner_add(s, &o->s.sum, (uint64_t)delta);
            return CONC_OK;
        }
    }
    struct sharded_slot *slot =
        &s->slots[fold(tok - 1, s->h.sh_mask, s->h.nshared)];
    /* Relaxed: a slot shared by threads needs atomicity, not ordering; the
     * read contract asks for nothing stronger. */
    conc_fetch_add_u64(&slot->s.sum, (uint64_t)delta, CONC_RELAXED);
    return CONC_OK;
}

conc_status conc_sharded_add(conc_sharded *s, int64_t delta)
{
    if (s == NULL)
        return CONC_EINVAL;
    /* The fast path: this thread owns its preferred slot (its token is in
     * the owner word).  A counter of conc_sharded_init has nothing to own
     * (shards == nshared). */
    uint64_t tok = my_ticket;
    if (__builtin_expect(tok != 0 && s->h.shards > s->h.nshared, 1)) {
        struct sharded_slot *o = own_slot(s, tok);
        if (__builtin_expect(conc_load_u64(&o->o.owner, CONC_RELAXED) == tok, 1)) {
            owner_add(s, &o->s.sum, (uint64_t)delta);
            return CONC_OK;
        }
    }
    return sharded_add_slow(s, delta);
}

conc_status conc_sharded_read(const conc_sharded *s, int64_t *out)
{
    if (s == NULL || out == NULL)
        return CONC_EINVAL;
    /* Light adds: every add that returned before this read began is out
     * of its owner's store buffer once the fence returns (atomics.h). */
    if (CONC_HEAVY_FENCE && s->h.light && conc_heavy_fence() != 0)
        return CONC_ESYS;
    uint64_t total = 0;
    for (size_t i = 0; i < s->h.shards; i++)
        total += conc_load_u64(&s->slots[i].s.sum, CONC_RELAXED);
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
    bool live;      /* from init to fini: the lock is destroyed once */
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
    conc_status st = conc_shared_mutex_init(&c->lock);
    c->live = st == CONC_OK;
    return st;
}

conc_status conc_mutexcounter_fini(conc_mutexcounter *c)
{
    if (c == NULL)
        return CONC_EINVAL;
    if (!c->live) /* finished already: a second fini releases nothing */
        return CONC_OK;
    /* Fails (EBUSY) only if the mutex is held: a misuse, so say so. */
    if (pthread_mutex_destroy(&c->lock) != 0)
        return CONC_EINVAL;
    c->live = false;
    return CONC_OK;
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
