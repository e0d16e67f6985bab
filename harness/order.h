/*
 * order.h - the online order checkers: what one popper can check while it
 * pops, as conc-stress and the concurrent tests do.
 *
 * Per-producer FIFO (queues): each popper keeps, per producer, the last seq
 * it saw; every header of a queue promises that one producer's items are
 * popped in the order it pushed them, so a seq that is not larger is an
 * order violation (the last seq seen stays the largest).
 *
 * LIFO soundness (stacks, threads that both push and pop): a single global
 * clock stamps every pop (`pi` just before the pop is invoked).  When
 * thread T pops its own item x, and T's latest successful push call (items
 * y0..y) began after x's push call ended (x < y0), T takes a stamp `pr`
 * after its pop returned and publishes the claim (y, x, pr) in a small
 * table of its own (H_LIFO_WAYS entries, seqlock-protected).  Whoever later
 * pops y with `pi > pr` has found a violation: y was provably above x when
 * x was popped.
 *
 * Why this is sound (no false alarm under any legal interleaving of a
 * linearizable stack): push(x) returned before push(y) was invoked, so x's
 * linearization point precedes y's; push(y) returned before T invoked its
 * pop, so y is in the stack before pop(x) takes effect; y's pop was invoked
 * after T's pop returned (pi > pr: the clock is an acq_rel fetch-and-add,
 * so a later stamp is ordered after an earlier one by happens-before), so
 * y is still in the stack when pop(x) takes effect.  In a sequential stack
 * an item pushed later than x and still present lies above x, so that pop
 * must have returned y or something above it, never x.  A claim that is
 * overwritten, read torn (a seqlock guards it) or read before it was
 * written is not checked: the check can miss a violation, never invent
 * one.  It does not check LIFO between different threads' items, or when y
 * was popped before the claim was published.
 */
#ifndef CONC_HARNESS_ORDER_H
#define CONC_HARNESS_ORDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- per-producer FIFO, one per popper ---- */

typedef struct h_fifo {
    uint64_t *last; /* per producer: seq + 1 of the largest seen, 0 none */
    size_t nprod;
} h_fifo;

/* 0, or -1 when out of memory. */
int h_fifo_init(h_fifo *f, size_t nproducers);
void h_fifo_fini(h_fifo *f);

/* This popper saw (producer, seq).  True if in order; false, with *prev =
 * the larger seq seen before, if not. */
static inline bool h_fifo_next(h_fifo *f, uint64_t producer, uint64_t seq,
                               uint64_t *prev)
{
    uint64_t last = f->last[producer];
    if (seq + 1 <= last) {
        *prev = last - 1;
        return false;
    }
    f->last[producer] = seq + 1;
    return true;
}

/* ---- LIFO soundness: the claims table of one thread's items ---- */

#define H_LIFO_WAYS 4

typedef struct h_lifo_entry {
    _Atomic uint64_t ver; /* seqlock, single writer: odd while writing */
    _Atomic uint64_t y;   /* seq + 1 of the later item, 0 none */
    _Atomic uint64_t x;   /* seq of the item the owner popped */
    _Atomic uint64_t pr;  /* clock stamp after that pop returned */
} h_lifo_entry;

typedef struct h_lifo_table {
    h_lifo_entry e[H_LIFO_WAYS];
} h_lifo_table;

/* The next stamp of the global clock (acq_rel: a later stamp is ordered
 * after an earlier one by happens-before). */
static inline uint64_t h_lifo_stamp(_Atomic uint64_t *clock)
{
    return atomic_fetch_add_explicit(clock, 1, memory_order_acq_rel) + 1;
}

/* The owner popped its own x while its later y (pushed after x's push
 * ended, before this pop was invoked) was in the stack: publish (y, x, pr).
 * *pr is the stamp after the pop returned, taken here if still 0. */
void h_lifo_claim(h_lifo_table *t, _Atomic uint64_t *clock, uint64_t y,
                  uint64_t x, uint64_t *pr);

/* Someone popped the owner's seq s, with invocation stamp pi.  True (with
 * the claim's x and pr) if a published claim says s was above x when x was
 * popped, and this pop began after that. */
bool h_lifo_check(const h_lifo_table *t, uint64_t s, uint64_t pi,
                  uint64_t *x, uint64_t *pr);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_ORDER_H */
