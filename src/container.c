/*
 * container.c - the container core (descriptor and contract in
 * src/internal/container.h; the waitset's slow paths in src/wait.c, its
 * ordering argument in src/internal/waitset.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal/container.h"

/* The waitset of obj and the flags to pass with it (container.h). */
static conc__ws_ref waitset(const conc__family *f, void *obj)
{
    void *at = (char *)obj + f->ws_offset;
    if (f->ws_is_ref)
        return *(const conc__ws_ref *)at;
    conc_waitset *w = at;
    return (conc__ws_ref){w, w->u.s.flags};
}

/* ---- waiting ------------------------------------------------------------ */

conc_status conc__core_push_wait(void *obj, void *item, uint64_t timeout_ns,
                                 const conc__family *f)
{
    if (!obj)
        return CONC_EINVAL;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_wait_f(ws.w, ws.flags, CONC_WS_ROOM, f->push, obj, item,
                           timeout_ns);
}

conc_status conc__core_pop_wait(void *obj, void *out, uint64_t timeout_ns,
                                const conc__family *f)
{
    if (!obj || !out)
        return CONC_EINVAL;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_wait_f(ws.w, ws.flags, CONC_WS_ITEMS, f->pop, obj, out,
                           timeout_ns);
}

/* ---- closing ------------------------------------------------------------ */

conc_status conc__core_close(void *obj, const conc__family *f)
{
    if (!obj)
        return CONC_EINVAL;
    conc_status st = f->close(obj);
    if (st != CONC_OK)
        return st;
    conc__ws_ref ws = waitset(f, obj);
    conc__ws_closed_f(ws.w, ws.flags);
    return CONC_OK;
}

conc_status conc__core_close_now(void *obj, void *buf, conc_discard_fn discard,
                                 void *arg, size_t *discarded,
                                 const conc__family *f)
{
    conc_status st = conc__core_close(obj, f);
    if (st != CONC_OK)
        return st;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_discard_f(ws.w, ws.flags, f->pop, obj, buf, discard, arg,
                              discarded);
}

int conc__core_closed(const void *obj, const conc__family *f)
{
    return obj && f->closed(obj);
}

/* ---- joining ------------------------------------------------------------ */

conc_status conc__core_task_done(void *obj, const conc__family *f)
{
    if (!obj)
        return CONC_EINVAL;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_task_done_f(ws.w, ws.flags);
}

conc_status conc__core_join(void *obj, uint64_t timeout_ns,
                            const conc__family *f)
{
    if (!obj)
        return CONC_EINVAL;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_join_f(ws.w, ws.flags, timeout_ns);
}

/* ---- event loops -------------------------------------------------------- */

conc_status conc__core_fd(void *obj, int *fd, const conc__family *f)
{
    if (!obj || !fd)
        return CONC_EINVAL;
    conc__ws_ref ws = waitset(f, obj);
    return conc__ws_fd_f(ws.w, ws.flags, fd);
}

/* ---- batches ------------------------------------------------------------ */

/* Without a real batch each item goes through the family's own push or pop,
 * one linearizable step each (other threads' items may interleave); the
 * batch stops at the first push that fails (its status is the batch's) or
 * the first pop that finds nothing (EMPTY or CLOSED when nothing was
 * popped).  Empty batches return CONC_OK, closed or not (conc/wait.h).
 * Apart from the entry points (noinline), so that a real batch is reached
 * by a jump, without the loop's register saves. */

static __attribute__((noinline)) conc_status
push_each(void *obj, void *const *items, size_t n, size_t *pushed,
          const conc__family *f)
{
    size_t i = 0;
    conc_status st = CONC_OK;
    for (; i < n; i++)
        if ((st = f->push(obj, items[i])) != CONC_OK)
            break;
    if (pushed)
        *pushed = i;
    return st;
}

static __attribute__((noinline)) conc_status
pop_each(void *obj, void **out, size_t max, size_t *popped,
         const conc__family *f)
{
    size_t i = 0;
    conc_status st = CONC_OK;
    while (i < max && (st = f->pop(obj, &out[i])) == CONC_OK)
        i++;
    if (popped)
        *popped = i;
    return (i > 0 || max == 0) ? CONC_OK : st;
}

conc_status conc__core_push_many(void *obj, void *const *items, size_t n,
                                 size_t *pushed, const conc__family *f)
{
    if (!obj || (!items && n))
        return CONC_EINVAL;
    if (f->push_many)
        return f->push_many(obj, items, n, pushed);
    return push_each(obj, items, n, pushed, f);
}

conc_status conc__core_pop_many(void *obj, void **out, size_t max,
                                size_t *popped, const conc__family *f)
{
    if (!obj || (!out && max))
        return CONC_EINVAL;
    if (f->pop_many)
        return f->pop_many(obj, out, max, popped);
    return pop_each(obj, out, max, popped, f);
}
