/*
 * history.c - real-time FIFO and LIFO over recorded histories (history.h).
 */
#include "history.h"

static bool same_pop(const h_hist_item *a, const h_hist_item *b)
{
    return a->popper == b->popper && a->pop_op == b->pop_op &&
           a->pop_inv == b->pop_inv;
}

/* One pass: keep the earlier item whose pop began last; a later item whose
 * pop ended before that began was popped too early.  (Inside one batch
 * pop, the driver checks that a producer's items come in order.) */
bool h_history_fifo(const h_hist_item *items, size_t n, h_hist_violation *v)
{
    const h_hist_item *first = NULL;
    uint32_t first_seq = 0;
    for (uint32_t s = 0; s < n; s++) {
        const h_hist_item *y = &items[s];
        if (y->pushed != 1)
            continue;
        if (first && y->pop_resp < first->pop_inv) {
            v->seq = s;
            v->other = first_seq;
            return false;
        }
        if (!first || y->pop_inv > first->pop_inv) {
            first = y;
            first_seq = s;
        }
    }
    return true;
}

bool h_history_lifo(const h_hist_item *items, size_t n, h_hist_violation *v)
{
    for (uint32_t a = 0; a < n; a++) {
        const h_hist_item *x = &items[a];
        if (x->pushed != 1)
            continue;
        for (uint32_t b = a + 1; b < n; b++) {
            const h_hist_item *y = &items[b];
            if (y->pushed != 1 || y->push_resp >= x->pop_inv)
                continue;
            bool under = x->pop_resp < y->pop_inv ||
                         (same_pop(x, y) && x->pop_idx < y->pop_idx);
            if (under) {
                v->seq = a;
                v->other = b;
                return false;
            }
        }
    }
    return true;
}
