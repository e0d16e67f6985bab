/*
 * model.h - the sequential reference model of a container, shared by the
 * unit tests (verify/test_sequential.c) and the sequential fuzzers
 * (fuzz/seq_container.c).
 *
 * A FIFO (ring buffer) or LIFO (array) of void *, bounded at `cap` or, for
 * an unbounded container, growing by doubling.  Answers in conc_status terms:
 * push CONC_OK / CONC_FULL, pop CONC_OK / CONC_EMPTY; CONC_ENOMEM when the
 * harness itself runs out of memory (the caller reports it its own way).
 */
#ifndef CONC_HARNESS_MODEL_H
#define CONC_HARNESS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct model {
    reg_kind kind;
    bool unbounded; /* never FULL: the buffer grows */
    size_t cap;     /* bounded: the capacity; unbounded: the nominal one */
    size_t alloc, head, n;
    void **buf;
} model;

/* An empty model (whatever *m held is overwritten, not freed).  CONC_OK or
 * CONC_ENOMEM. */
int model_init(model *m, reg_kind kind, size_t cap, bool unbounded);
void model_free(model *m);
/* CONC_OK, CONC_FULL (bounded and full), or CONC_ENOMEM (growing failed). */
int model_push(model *m, void *it);
/* FIFO takes the oldest, LIFO the newest: CONC_OK or CONC_EMPTY. */
int model_pop(model *m, void **it);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_MODEL_H */
