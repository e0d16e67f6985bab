/*
 * stack.c - conc_stack: bounded lock-free MPMC LIFO (Treiber 1986) over a
 * preallocated pool of nodes, ABA-safe with single-width CAS.
 *
 * Two Treiber lists share the pool: `top` (the stack) and `free` (unused
 * nodes).  A list head is one 64-bit word: [ tag : 32 | index : 32 ], index
 * NIL (0xFFFFFFFF) for an empty list.  Every successful CAS on a head
 * increments its tag, so a thread that read head H, was delayed while H's
 * node was popped and pushed back, and then tries CAS(H -> H.next) fails:
 * the head has the same index but a different tag.  (Only after exactly 2^32
 * updates during one delay could the tag repeat.)
 *
 * A node's `link` word holds [ depth : 32 | next : 32 ]; depth (items at and
 * below the node, when it was pushed) serves only conc_stack_len.  Nodes are
 * never freed, and every read of a possibly stale node reads an atomic word
 * whose value is always a valid index, so a stale read is harmless: the CAS
 * that would act on it fails.
 *
 * Orders: a push writes the item and the link (relaxed), then publishes
 * them with a release CAS on the head; a pop's acquire load/CAS of the head
 * pairs with it.  Giving a node back to `free` is a release CAS too, which
 * orders the popper's read of the item before the next producer's write.
 */
#include <conc/stack.h>

#include <stdbool.h>
#include <stdlib.h>

#include "internal/alloc.h"
#include "internal/atomics.h"
#include "internal/pad.h"
#include "internal/spin.h"

#define NIL UINT32_C(0xFFFFFFFF)

struct node {
    conc_atomic_u64 link;   /* depth << 32 | next */
    conc_atomic_uptr value; /* the item */
};

struct conc_stack {
    union {
        uint64_t capacity;
        unsigned char pad_[CONC_PAD_LINE];
    } u;
    CONC_PADDED(conc_atomic_u64, top);
    CONC_PADDED(conc_atomic_u64, free);
    struct node nodes[];
};

static inline uint32_t head_index(uint64_t h) { return (uint32_t)h; }
static inline uint64_t head_next(uint64_t h, uint32_t index)
{
    return (((h >> 32) + 1) << 32) | index; /* tag + 1, new index */
}

/* Pop one node off a list; false when the list is empty. */
static bool list_pop(conc_stack *s, conc_atomic_u64 *head, uint32_t *out)
{
    conc_backoff bo = CONC_BACKOFF_INIT;
    uint64_t h = conc_load_u64(head, CONC_ACQUIRE);
    for (;;) {
        uint32_t i = head_index(h);
        if (i == NIL)
            return false;
        /* May be stale if node i was popped meanwhile; then the tag moved on
         * and the CAS below fails. */
        uint32_t next = (uint32_t)conc_load_u64(&s->nodes[i].link, CONC_RELAXED);
        /* Acquire pairs with the release CAS that pushed node i. */
        if (conc_cas_weak_u64(head, &h, head_next(h, next), CONC_ACQUIRE,
                              CONC_ACQUIRE)) {
            *out = i;
            return true;
        }
        conc_backoff_wait(&bo);
    }
}

/* Push node i onto a list; `depth` maintains the len hint (top list only). */
static void list_push(conc_stack *s, conc_atomic_u64 *head, uint32_t i,
                      bool depth)
{
    conc_backoff bo = CONC_BACKOFF_INIT;
    uint64_t h = conc_load_u64(head, CONC_RELAXED);
    for (;;) {
        uint32_t below = head_index(h);
        uint64_t d = 0;
        if (depth && below != NIL)
            d = conc_load_u64(&s->nodes[below].link, CONC_RELAXED) >> 32;
        conc_store_u64(&s->nodes[i].link, ((d + 1) << 32) | below, CONC_RELAXED);
        /* Release publishes the link and the item written before it. */
        if (conc_cas_weak_u64(head, &h, head_next(h, i), CONC_RELEASE,
                              CONC_RELAXED))
            return;
        conc_backoff_wait(&bo);
    }
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

conc_status conc_stack_init(void *mem, size_t size, size_t capacity)
{
    size_t need = conc_stack_footprint(capacity);
    if (!mem || !need || size < need || !conc_is_aligned(mem, CONC_ALIGN))
        return CONC_EINVAL;
    conc_stack *s = mem;
    s->u.capacity = capacity;
    for (size_t i = 0; i < capacity; i++) {
        uint32_t next = i + 1 < capacity ? (uint32_t)(i + 1) : NIL;
        conc_init_u64(&s->nodes[i].link, next);
        conc_init_uptr(&s->nodes[i].value, 0);
    }
    conc_init_u64(&s->top, NIL);
    conc_init_u64(&s->free, 0);
    conc_fence(CONC_RELEASE);
    return CONC_OK;
}

conc_status conc_stack_fini(conc_stack *s)
{
    return s ? CONC_OK : CONC_EINVAL;
}

conc_stack *conc_stack_new(size_t capacity)
{
    return conc_heap_new(conc_stack_footprint(capacity), conc_stack_init, capacity);
}

void conc_stack_free(conc_stack *s)
{
    free(s);
}

conc_status conc_stack_push(conc_stack *s, void *item)
{
    if (!s)
        return CONC_EINVAL;
    uint32_t i;
    if (!list_pop(s, &s->free, &i))
        return CONC_FULL;
    conc_store_uptr(&s->nodes[i].value, (uintptr_t)item, CONC_RELAXED);
    list_push(s, &s->top, i, true);
    return CONC_OK;
}

conc_status conc_stack_pop(conc_stack *s, void **item)
{
    if (!s || !item)
        return CONC_EINVAL;
    uint32_t i;
    if (!list_pop(s, &s->top, &i))
        return CONC_EMPTY;
    *item = (void *)conc_load_uptr(&s->nodes[i].value, CONC_RELAXED);
    list_push(s, &s->free, i, false);
    return CONC_OK;
}

conc_status conc_stack_push_many(conc_stack *s, void *const *items, size_t n,
                                 size_t *pushed)
{
    if (!s || (!items && n))
        return CONC_EINVAL;
    size_t i = 0;
    conc_status st = CONC_OK;
    for (; i < n; i++)
        if ((st = conc_stack_push(s, items[i])) != CONC_OK)
            break;
    if (pushed)
        *pushed = i;
    return st;
}

conc_status conc_stack_pop_many(conc_stack *s, void **out, size_t max,
                                size_t *popped)
{
    if (!s || (!out && max))
        return CONC_EINVAL;
    size_t i = 0;
    while (i < max && conc_stack_pop(s, &out[i]) == CONC_OK)
        i++;
    if (popped)
        *popped = i;
    return (i > 0 || max == 0) ? CONC_OK : CONC_EMPTY;
}

size_t conc_stack_len(const conc_stack *s)
{
    if (!s)
        return 0;
    conc_stack *m = (conc_stack *)s;
    uint32_t top = head_index(conc_load_u64(&m->top, CONC_ACQUIRE));
    if (top == NIL)
        return 0;
    uint64_t d = conc_load_u64(&m->nodes[top].link, CONC_RELAXED) >> 32;
    return d > s->u.capacity ? (size_t)s->u.capacity : (size_t)d;
}

size_t conc_stack_capacity(const conc_stack *s)
{
    return s ? (size_t)s->u.capacity : 0;
}
