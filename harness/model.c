/*
 * model.c - the sequential reference model of a container (model.h).
 */
#include "model.h"

#include <stdlib.h>

#include <conc/conc.h>

int model_init(model *m, reg_kind kind, size_t cap, bool unbounded)
{
    m->kind = kind;
    m->unbounded = unbounded;
    m->cap = m->alloc = cap;
    m->head = m->n = 0;
    m->buf = calloc(cap, sizeof(void *));
    return m->buf ? CONC_OK : CONC_ENOMEM;
}

void model_free(model *m)
{
    free(m->buf);
    m->buf = NULL;
}

/* Unbounded: double the buffer, oldest item first. */
static int model_grow(model *m)
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

int model_push(model *m, void *it)
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

int model_pop(model *m, void **it)
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
