/*
 * history.h - the offline order checkers: given what happened to each of
 * one producer's items (when its push was invoked and returned, when and
 * by whom it was popped), was real-time order kept?  fuzz_concurrent
 * records such histories (stamps from one clock, taken just before an
 * operation is invoked and just after it returns) and checks them after
 * the join.
 *
 * FIFO (queues): x pushed before y by one producer; y's pop must not end
 * before x's pop begins.  LIFO (stacks): if y (pushed after x by the same
 * producer) was in the stack (its push had returned) when x's pop began,
 * and x's pop ended before y's pop began, x was popped from under y.  Both
 * hold for any linearizable queue or stack; a history that breaks one
 * proves a violation.  Items are indexed by seq; only those whose push
 * said OK (pushed == 1) take part, and each must have been popped once
 * (check exactly-once first, harness/ledger.h).
 */
#ifndef CONC_HARNESS_HISTORY_H
#define CONC_HARNESS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One item's history. */
typedef struct h_hist_item {
    uint8_t pushed;   /* 0 never tried, 1 push said OK, 2 push refused */
    uint8_t popper;   /* who popped it (a driver's thread id) */
    uint8_t pop_idx;  /* its index inside a batch pop */
    uint16_t pop_op;  /* the operation index in the popper's list */
    uint64_t push_inv, push_resp, pop_inv, pop_resp;
} h_hist_item;

/* The first violation found: item `seq` (popped too early, or from under
 * a later item) and the item `other` it is in the wrong order with. */
typedef struct h_hist_violation {
    uint32_t seq, other;
} h_hist_violation;

/* items[0..n) of one producer.  True if in order; false with *v if not. */
bool h_history_fifo(const h_hist_item *items, size_t n, h_hist_violation *v);
bool h_history_lifo(const h_hist_item *items, size_t n, h_hist_violation *v);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_HISTORY_H */
