/*
 * stack.c - conc_stack: bounded lock-free MPMC LIFO (Treiber 1986) over a
 * preallocated pool of nodes, ABA-safe with single-width CAS.
 *
 * Two Treiber lists share the pool: `top` (the stack) and `free` (unused
 * nodes).  A list head is one 64-bit word: [ closed : 1 | tag : 63-b |
 * index : b ], where b = index_bits(capacity) is the fewest bits that hold
 * every index and one more value, NIL (all ones), for an empty list.  Every
 * successful CAS on a head increments its tag, so a thread that read head
 * H, was delayed while H's node was popped and pushed back, and then tries
 * CAS(H -> H.next) fails: the head has the same index but a different tag.
 * Only after a multiple of 2^(63-b) updates during one delay could the tag
 * repeat: the tag has every bit the capacity leaves free (a fixed 31-bit
 * tag would repeat after 21 s of updates at full speed; verify/
 * test_stack_tag.c shows the wrap-around with a 4-bit tag).  include/conc/stack.h states the bound in updates and in time.
 * CONC_STACK_TAG_BITS narrows the tag, for the test of its wrap-around only
 * (verify/test_stack_tag.c).
 *
 * Closing sets the closed bit of `top`: a push's CAS then fails and the push
 * answers CONC_CLOSED (its node goes back to `free`), pops keep taking what
 * is left, and a pop that sees an empty list with the bit set answers
 * CONC_CLOSED.  The bit lives in the word every push and pop CASes, so close
 * is linearizable against both without any extra step on their fast path.
 *
 * A node's `link` word holds [ depth : 32 | next : 32 ] (next is an index
 * or NIL, b <= 32 bits); depth (items at and
 * below the node, when it was pushed) serves only conc_stack_len.  Nodes are
 * never freed, and every read of a possibly stale node reads an atomic word
 * whose value is always a valid index, so a stale read is harmless: the CAS
 * that would act on it fails.
 *
 * Orders: a push writes the item and the link (relaxed), then publishes
 * them with a CAS on the head; a pop's load/CAS of the head pairs with it
 * (release/acquire would do for that).  The head operations are seq_cst
 * because waiting needs it (src/internal/waitset.h: a push's CAS and its
 * load of the watch word against a waiter's watch increment and its look at
 * the head); on x86 that costs nothing, every CAS being a full barrier and
 * every seq_cst load a plain load.  Giving a node back to `free` orders the
 * popper's read of the item before the next producer's write.
 */
#include <conc/stack.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "internal/alloc.h"
#include "internal/atomics.h"
#include "internal/container.h"
#include "internal/pad.h"
#include "internal/spin.h"
#include "internal/waitset.h"

#define CLOSED ((uint64_t)1 << 63)
#define SC CONC_SEQ_CST

#ifndef CONC_STACK_TAG_BITS
#define CONC_STACK_TAG_BITS 63
#endif

struct node {
    conc_atomic_u64 link;   /* depth << 32 | next */
    conc_atomic_uptr value; /* the item */
};

struct conc_stack {
    union {
        struct {
            uint64_t capacity;
            uint64_t nil;      /* 2^b - 1: the empty list */
            uint64_t tag_mask; /* 2^(63-b) - 1 (narrower in the tag test) */
            uint32_t ibits;    /* b */
            /* For head_next, derived once at init (issue 11, single-thread
             * path: the shifts by b were a tenth of a pair). */
            uint64_t tag_one;  /* 2^b: tag + 1, in place */
            uint64_t tag_field; /* tag_mask << b: the tag, in place */
        } g;
        unsigned char pad_[CONC_PAD_LINE];
    } u;
    conc_waitset ws;
    CONC_PADDED(conc_atomic_u64, top);
    CONC_PADDED(conc_atomic_u64, free);
    struct node nodes[];
};

/* The fewest bits b with capacity <= 2^b - 1: indices 0..capacity-1 and,
 * besides them, NIL = 2^b - 1.  1 for capacity 1, 2 for 2..3, 3 for 4..7,
 * 32 for CONC_STACK_MAX_CAPACITY. */
static uint32_t index_bits(uint64_t capacity)
{
    uint32_t b = 1;
    while ((((uint64_t)1 << b) - 1) < capacity)
        b++;
    return b;
}

#define STACK_ALWAYS static inline __attribute__((always_inline))

/* What the list operations use of the geometry, copied into a local so
 * that the compiler knows no atomic store changes it. */
typedef struct sgeom {
    uint64_t nil, tag_one, tag_field;
} sgeom;

STACK_ALWAYS sgeom sgeom_of(const conc_stack *s)
{
    sgeom k = {s->u.g.nil, s->u.g.tag_one, s->u.g.tag_field};
    return k;
}

STACK_ALWAYS uint32_t head_index(const sgeom *k, uint64_t h)
{
    return (uint32_t)(h & k->nil);
}

/* tag + 1 (63-b bits, wrapping), closed bit kept, new index.  The tag is
 * incremented in place: h + 2^b carries from bit b up through the tag
 * (the bits between the tag and the closed bit, in the narrow tag test,
 * are always 0, and a carry out of a full-width tag is masked off), so
 * this is (((h & ~CLOSED) >> b) + 1) & tag_mask) << b, as it was, without
 * the shifts. */
STACK_ALWAYS uint64_t head_next(const sgeom *k, uint64_t h, uint32_t index)
{
    return ((h + k->tag_one) & k->tag_field) | (h & CLOSED) | index;
}

/* One try of list_pop from head value h: 1 popped (*out), 0 empty (*seen),
 * -1 the CAS lost (h: the head it saw). */
STACK_ALWAYS int list_pop_try(conc_stack *s, const sgeom *k,
                              conc_atomic_u64 *head, uint32_t *out,
                              uint64_t *seen, uint64_t *h)
{
    uint32_t i = head_index(k, *h);
    if (i == k->nil) {
        *seen = *h;
        return 0;
    }
    /* May be stale if node i was popped meanwhile; then the tag moved on
     * and the CAS below fails. */
    uint32_t next = (uint32_t)conc_load_u64(&s->nodes[i].link, CONC_RELAXED);
    /* Pairs with the CAS that pushed node i. */
    if (conc_cas_weak_u64(head, h, head_next(k, *h, next), SC, SC)) {
        *out = i;
        return 1;
    }
    return -1;
}

/* After a lost CAS: back off, try again (out of line: the uncontended
 * pop never comes here). */
static __attribute__((noinline)) bool
list_pop_loop(conc_stack *s, conc_atomic_u64 *head, uint32_t *out,
              uint64_t *seen, uint64_t h)
{
    const sgeom k = sgeom_of(s);
    conc_backoff bo = CONC_BACKOFF_INIT;
    for (;;) {
        conc_backoff_wait(&bo);
        int r = list_pop_try(s, &k, head, out, seen, &h);
        if (r >= 0)
            return r;
    }
}

/* Pop one node off a list; false when the list is empty, with *seen the
 * (empty) head word that said so. */
STACK_ALWAYS bool list_pop(conc_stack *s, const sgeom *k, conc_atomic_u64 *head,
                           uint32_t *out, uint64_t *seen)
{
    uint64_t h = conc_load_u64(head, SC);
    int r = list_pop_try(s, k, head, out, seen, &h);
    if (r >= 0)
        return r;
    return list_pop_loop(s, head, out, seen, h);
}

/* One try of list_push from head value h: 1 pushed, 0 closed, -1 the CAS
 * lost (h: the head it saw). */
STACK_ALWAYS int list_push_try(conc_stack *s, const sgeom *k,
                               conc_atomic_u64 *head, uint32_t i, bool depth,
                               uint64_t *h)
{
    if (*h & CLOSED)
        return 0;
    uint32_t below = head_index(k, *h);
    uint64_t d = 0;
    if (depth && below != k->nil)
        d = conc_load_u64(&s->nodes[below].link, CONC_RELAXED) >> 32;
    conc_store_u64(&s->nodes[i].link, ((d + 1) << 32) | below, CONC_RELAXED);
    /* Publishes the link and the item written before it. */
    if (conc_cas_weak_u64(head, h, head_next(k, *h, i), SC, SC))
        return 1;
    return -1;
}

static __attribute__((noinline)) bool
list_push_loop(conc_stack *s, conc_atomic_u64 *head, uint32_t i, bool depth,
               uint64_t h)
{
    const sgeom k = sgeom_of(s);
    conc_backoff bo = CONC_BACKOFF_INIT;
    for (;;) {
        conc_backoff_wait(&bo);
        int r = list_push_try(s, &k, head, i, depth, &h);
        if (r >= 0)
            return r;
    }
}

/* Push node i onto a list; `depth` maintains the len hint (top list only).
 * False, and nothing done, if the list is closed. */
STACK_ALWAYS bool list_push(conc_stack *s, const sgeom *k,
                            conc_atomic_u64 *head, uint32_t i, bool depth)
{
    uint64_t h = conc_load_u64(head, SC);
    int r = list_push_try(s, k, head, i, depth, &h);
    if (r >= 0)
        return r;
    return list_push_loop(s, head, i, depth, h);
}

static bool capacity_ok(size_t capacity)
{
    return capacity >= 1 && capacity <= CONC_STACK_MAX_CAPACITY;
}

size_t conc_stack_footprint(size_t capacity)
{
    if (!capacity_ok(capacity))
        return 0;
    return conc_size_mul_add(capacity, sizeof(struct node),
                             sizeof(struct conc_stack));
}

conc_status conc_stack_init(void *mem, size_t size, size_t capacity,
                            unsigned flags)
{
    size_t need = conc_stack_footprint(capacity);
    if (!mem || !need || size < need || !conc_is_aligned(mem, CONC_ALIGN) ||
        (flags & ~CONC_FLAGS_ALL))
        return CONC_EINVAL;
    conc_stack *s = mem;
    s->u.g.capacity = capacity;
    s->u.g.ibits = index_bits(capacity);
    s->u.g.nil = ((uint64_t)1 << s->u.g.ibits) - 1;
    uint32_t tbits = 63 - s->u.g.ibits;
    if (tbits > CONC_STACK_TAG_BITS)
        tbits = CONC_STACK_TAG_BITS;
    s->u.g.tag_mask = ((uint64_t)1 << tbits) - 1;
    s->u.g.tag_one = (uint64_t)1 << s->u.g.ibits;
    s->u.g.tag_field = s->u.g.tag_mask << s->u.g.ibits;
    conc__ws_init(&s->ws, flags);
    for (size_t i = 0; i < capacity; i++) {
        uint64_t next = i + 1 < capacity ? (uint64_t)(i + 1) : s->u.g.nil;
        conc_init_u64(&s->nodes[i].link, next);
        conc_init_uptr(&s->nodes[i].value, 0);
    }
    conc_init_u64(&s->top, s->u.g.nil);
    conc_init_u64(&s->free, 0);
    conc_fence(CONC_RELEASE);
    return CONC_OK;
}

conc_status conc_stack_fini(conc_stack *s)
{
    if (!s)
        return CONC_EINVAL;
    conc__ws_fini(&s->ws);
    return CONC_OK;
}

conc_stack *conc_stack_new(size_t capacity, unsigned flags)
{
    return conc_heap_new(conc_stack_footprint(capacity), conc_stack_init,
                         capacity, flags);
}

void conc_stack_free(conc_stack *s)
{
    if (!s)
        return;
    conc_stack_fini(s);
    free(s);
}

conc_status conc_stack_push(conc_stack *s, void *item)
{
    if (!s)
        return CONC_EINVAL;
    /* The closed bit in `top` decides; the waitset's flag only says when it
     * is worth loading `top` first. */
    if (conc__ws_is_closed(&s->ws) && (conc_load_u64(&s->top, SC) & CLOSED))
        return CONC_CLOSED;
    conc__ws_will_push(&s->ws);
    const sgeom k = sgeom_of(s);
    uint32_t i;
    uint64_t seen;
    conc_status st = CONC_FULL;
    if (!list_pop(s, &k, &s->free, &i, &seen)) {
        if (conc_load_u64(&s->top, SC) & CLOSED)
            st = CONC_CLOSED;
        goto fail;
    }
    conc_store_uptr(&s->nodes[i].value, (uintptr_t)item, CONC_RELAXED);
    if (!list_push(s, &k, &s->top, i, true)) {
        list_push(s, &k, &s->free, i, false);
        st = CONC_CLOSED;
        goto fail;
    }
    conc__ws_push_landed(&s->ws);
    conc__ws_pushed(&s->ws, 1);
    return CONC_OK;
fail:
    conc__ws_unpush(&s->ws);
    return st;
}

conc_status conc_stack_pop(conc_stack *s, void **item)
{
    if (!s || !item)
        return CONC_EINVAL;
    const sgeom k = sgeom_of(s);
    uint32_t i;
    uint64_t seen;
    bool got = list_pop(s, &k, &s->top, &i, &seen);
    if (!got && conc__ws_rearm(&s->ws) &&
        (got = list_pop(s, &k, &s->top, &i, &seen)))
        conc__ws_refire_fd(&s->ws);
    if (!got)
        return (seen & CLOSED) ? CONC_CLOSED : CONC_EMPTY;
    *item = (void *)conc_load_uptr(&s->nodes[i].value, CONC_RELAXED);
    list_push(s, &k, &s->free, i, false);
    conc__ws_popped(&s->ws, 1);
    return CONC_OK;
}

size_t conc_stack_len(const conc_stack *s)
{
    if (!s)
        return 0;
    conc_stack *m = (conc_stack *)s;
    const sgeom k = sgeom_of(m);
    uint32_t top = head_index(&k, conc_load_u64(&m->top, SC));
    if (top == m->u.g.nil)
        return 0;
    uint64_t d = conc_load_u64(&m->nodes[top].link, CONC_RELAXED) >> 32;
    return d > s->u.g.capacity ? (size_t)s->u.g.capacity : (size_t)d;
}

size_t conc_stack_capacity(const conc_stack *s)
{
    return s ? (size_t)s->u.g.capacity : 0;
}

/* ---- waiting, closing, joining, batches: the container core ------------- */

static conc_status stack_try_push(void *obj, void *item)
{
    return conc_stack_push(obj, item);
}

static conc_status stack_try_pop(void *obj, void *out)
{
    return conc_stack_pop(obj, out);
}

static conc_status stack_close(void *obj)
{
    conc_stack *s = obj;
    conc__ws_mark_closed(&s->ws);
    conc_fetch_or_u64(&s->top, CLOSED, SC);
    return CONC_OK;
}

/* The closed bit of `top` is the authority (the waitset's is a hint). */
static bool stack_closed(const void *obj)
{
    conc_stack *s = (conc_stack *)obj;
    return (conc_load_u64(&s->top, SC) & CLOSED) != 0;
}

static const conc__family stack_family = {
    .push = stack_try_push,
    .pop = stack_try_pop,
    .close = stack_close,
    .closed = stack_closed,
    .ws_offset = offsetof(conc_stack, ws),
};

conc_status conc_stack_push_wait(conc_stack *s, void *item, uint64_t timeout_ns)
{
    return conc__core_push_wait(s, item, timeout_ns, &stack_family);
}

conc_status conc_stack_pop_wait(conc_stack *s, void **item, uint64_t timeout_ns)
{
    return conc__core_pop_wait(s, item, timeout_ns, &stack_family);
}

conc_status conc_stack_push_many(conc_stack *s, void *const *items, size_t n,
                                 size_t *pushed)
{
    return conc__core_push_many(s, items, n, pushed, &stack_family);
}

conc_status conc_stack_pop_many(conc_stack *s, void **out, size_t max,
                                size_t *popped)
{
    return conc__core_pop_many(s, out, max, popped, &stack_family);
}

conc_status conc_stack_close(conc_stack *s)
{
    return conc__core_close(s, &stack_family);
}

conc_status conc_stack_close_now(conc_stack *s, conc_discard_fn discard,
                                 void *arg, size_t *discarded)
{
    return conc__core_close_now(s, NULL, discard, arg, discarded,
                                &stack_family);
}

int conc_stack_closed(const conc_stack *s)
{
    return conc__core_closed(s, &stack_family);
}

conc_status conc_stack_task_done(conc_stack *s)
{
    return conc__core_task_done(s, &stack_family);
}

conc_status conc_stack_join(conc_stack *s, uint64_t timeout_ns)
{
    return conc__core_join(s, timeout_ns, &stack_family);
}

conc_status conc_stack_fd(conc_stack *s, int *fd)
{
    return conc__core_fd(s, fd, &stack_family);
}
