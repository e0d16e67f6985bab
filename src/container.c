/*
 * container.c - the container core (descriptor and contract in
 * src/internal/container.h; the waitset's slow paths in src/wait.c, its
 * ordering argument in src/internal/waitset.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal/container.h"

/* The waitset of obj and the flags to pass with it (container.h). */
static conc_waitset *waitset(const conc__family *f, void *obj, unsigned *flags)
{
    if (f->ws)
        return f->ws(obj, flags);
    conc_waitset *w = (conc_waitset *)(void *)((char *)obj + f->ws_offset);
    *flags = w->u.s.flags;
    return w;
}

/* ---- waiting ------------------------------------------------------------ */

conc_status conc__core_push_wait(const conc__family *f, void *obj, void *item,
                                 uint64_t timeout_ns)
{
    if (!obj)
        return CONC_EINVAL;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_wait_f(w, flags, CONC_WS_ROOM, f->push, obj, item,
                           timeout_ns);
}

conc_status conc__core_pop_wait(const conc__family *f, void *obj, void *out,
                                uint64_t timeout_ns)
{
    if (!obj || !out)
        return CONC_EINVAL;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_wait_f(w, flags, CONC_WS_ITEMS, f->pop, obj, out,
                           timeout_ns);
}

/* ---- closing ------------------------------------------------------------ */

conc_status conc__core_close(const conc__family *f, void *obj)
{
    if (!obj)
        return CONC_EINVAL;
    conc_status st = f->close(obj);
    if (st != CONC_OK)
        return st;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    conc__ws_closed_f(w, flags);
    return CONC_OK;
}

conc_status conc__core_close_now(const conc__family *f, void *obj, void *buf,
                                 conc_discard_fn discard, void *arg,
                                 size_t *discarded)
{
    conc_status st = conc__core_close(f, obj);
    if (st != CONC_OK)
        return st;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_discard_f(w, flags, f->pop, obj, buf, discard, arg,
                              discarded);
}

int conc__core_closed(const conc__family *f, const void *obj)
{
    return obj && f->closed(obj);
}

/* ---- joining ------------------------------------------------------------ */

conc_status conc__core_task_done(const conc__family *f, void *obj)
{
    if (!obj)
        return CONC_EINVAL;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_task_done_f(w, flags);
}

conc_status conc__core_join(const conc__family *f, void *obj,
                            uint64_t timeout_ns)
{
    if (!obj)
        return CONC_EINVAL;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_join_f(w, flags, timeout_ns);
}

/* ---- event loops -------------------------------------------------------- */

conc_status conc__core_fd(const conc__family *f, void *obj, int *fd)
{
    if (!obj || !fd)
        return CONC_EINVAL;
    unsigned flags;
    conc_waitset *w = waitset(f, obj, &flags);
    return conc__ws_fd_f(w, flags, fd);
}

/* ---- batches ------------------------------------------------------------ */

/* Without a real batch each item goes through the family's own push or pop,
 * one linearizable step each (other threads' items may interleave); the
 * batch stops at the first push that fails (its status is the batch's) or
 * the first pop that finds nothing (EMPTY or CLOSED when nothing was
 * popped).  Empty batches return CONC_OK, closed or not (conc/wait.h). */

conc_status conc__core_push_many(const conc__family *f, void *obj,
                                 void *const *items, size_t n, size_t *pushed)
{
    if (!obj || (!items && n))
        return CONC_EINVAL;
    if (f->push_many)
        return f->push_many(obj, items, n, pushed);
    size_t i = 0;
    conc_status st = CONC_OK;
    for (; i < n; i++)
        if ((st = f->push(obj, items[i])) != CONC_OK)
            break;
    if (pushed)
        *pushed = i;
    return st;
}

conc_status conc__core_pop_many(const conc__family *f, void *obj, void **out,
                                size_t max, size_t *popped)
{
    if (!obj || (!out && max))
        return CONC_EINVAL;
    if (f->pop_many)
        return f->pop_many(obj, out, max, popped);
    size_t i = 0;
    conc_status st = CONC_OK;
    while (i < max && (st = f->pop(obj, &out[i])) == CONC_OK)
        i++;
    if (popped)
        *popped = i;
    return (i > 0 || max == 0) ? CONC_OK : st;
}
