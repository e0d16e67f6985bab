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
#ifndef CONC_VERIFY_MODEL_H
#define CONC_VERIFY_MODEL_H

#include <stdbool.h>
#include <stdlib.h>

#include <conc/conc.h>

#include "registry.h"

typedef struct model {
    reg_kind kind;
    bool unbounded; /* never FULL: the buffer grows */
    size_t cap;     /* bounded: the capacity; unbounded: the nominal one */
    size_t alloc, head, n;
    void **buf;
} model;

/* An empty model (whatever *m held is overwritten, not freed).  CONC_OK or
 * CONC_ENOMEM. */
static inline int model_init(model *m, reg_kind kind, size_t cap, bool unbounded)
{
    m->kind = kind;
    m->unbounded = unbounded;
    m->cap = m->alloc = cap;
    m->head = m->n = 0;
    m->buf = calloc(cap, sizeof(void *));
    return m->buf ? CONC_OK : CONC_ENOMEM;
}

static inline void model_free(model *m)
{
    free(m->buf);
    m->buf = NULL;
}

/* Unbounded: double the buffer, oldest item first. */
static inline int model_grow(model *m)
{
    size_t na = m->alloc * 2;
    void **nb = calloc(na, sizeof(void *));
    if (!nb)
        return CONC_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        nb[i] = m->buf[(m->head + i) % m->alloc];
    free(m->buf);
    m->buf = nb;
    m->alloc = na;
    m->head = 0;
    return CONC_OK;
}

static inline int model_push(model *m, void *it)
{
    if (m->n == m->alloc) {
        if (!m->unbounded)
            return CONC_FULL;
        if (model_grow(m) != CONC_OK)
            return CONC_ENOMEM;
    }
    m->buf[(m->head + m->n) % m->alloc] = it;
    m->n++;
    return CONC_OK;
}

/* FIFO takes the oldest, LIFO the newest. */
static inline int model_pop(model *m, void **it)
{
    if (m->n == 0)
        return CONC_EMPTY;
    if (m->kind == REG_QUEUE) {
        *it = m->buf[m->head];
        m->head = (m->head + 1) % m->alloc;
    } else {
        *it = m->buf[(m->head + m->n - 1) % m->alloc];
    }
    m->n--;
    return CONC_OK;
}

#endif /* CONC_VERIFY_MODEL_H */
