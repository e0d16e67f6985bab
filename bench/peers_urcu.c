/*
 * peers_urcu.c - liburcu's wfcqueue and lfstack behind bench_peer_ops
 * (bench.h).
 *
 * _LGPL_SOURCE makes liburcu inline these operations from its headers
 * instead of calling into liburcu-cds.so, so the liburcu rows, like the ck
 * rows, pay one indirect call per operation and nothing more: each peer is
 * measured at its fastest.  (It inlines LGPL code into conc-bench only; the
 * bench is never installed and the library never includes liburcu.)
 * Under UBSan, liburcu 0.13's inline _cds_lfs_push reports "member access
 * within null pointer" (it forms &head->node with head NULL, offset 0):
 * liburcu's code, harmless in practice, not conc-bench's.
 *
 * Both structures are intrusive and unbounded: the adapters preallocate one
 * node per item (initialised and touched before the clock starts) and never
 * reuse a node within a run.  The pops are the "_blocking" forms, which need
 * no RCU read-side section: they serialise consumers on a mutex inside the
 * queue or stack (and a wfcqueue dequeue may wait for an enqueuer that has
 * swapped the tail but not yet linked its node).  Pushes are lock-free
 * (lfstack) or wait-free (wfcqueue).
 */
#define _LGPL_SOURCE
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/lfstack.h>
#include <urcu/wfcqueue.h>

static void *zalloc64(size_t size)
{
    size_t rounded = (size + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded);
    if (p)
        memset(p, 0, rounded);
    else
        errno = ENOMEM;
    return p;
}

/* ---- wfcqueue ----------------------------------------------------------- */

typedef struct wfq_node {
    struct cds_wfcq_node node; /* first: a dequeued node is its wfq_node */
    void *item;
} wfq_node;

/* liburcu's advice: head and tail on different cache lines. */
typedef struct wfq {
    _Alignas(128) struct cds_wfcq_head head;
    _Alignas(128) struct cds_wfcq_tail tail;
    _Alignas(128) wfq_node *nodes;
} wfq;

static void *wfq_create(size_t capacity, size_t items)
{
    (void)capacity;
    wfq *q = aligned_alloc(128, sizeof *q);
    if (!q) {
        errno = ENOMEM;
        return NULL;
    }
    memset(q, 0, sizeof *q);
    q->nodes = zalloc64((items ? items : 1) * sizeof *q->nodes);
    if (!q->nodes) {
        free(q);
        return NULL;
    }
    for (size_t i = 0; i < items; i++)
        cds_wfcq_node_init(&q->nodes[i].node);
    cds_wfcq_init(&q->head, &q->tail);
    return q;
}

static void wfq_destroy(void *obj)
{
    wfq *q = obj;
    cds_wfcq_destroy(&q->head, &q->tail);
    free(q->nodes);
    free(q);
}

static int wfq_push(void *obj, size_t idx, void *item)
{
    wfq *q = obj;
    wfq_node *n = &q->nodes[idx];
    n->item = item;
    cds_wfcq_enqueue(&q->head, &q->tail, &n->node);
    return 0;
}

static int wfq_pop(void *obj, void **item)
{
    wfq *q = obj;
    struct cds_wfcq_node *n = cds_wfcq_dequeue_blocking(&q->head, &q->tail);
    if (!n)
        return 1;
    *item = ((wfq_node *)(void *)n)->item;
    return 0;
}

const bench_peer_ops bench_peer_wfcqueue = {
    .name = "wfcqueue",
    .section = SEC_QUEUE,
    .bounded = false,
    .legend = "wfcqueue: liburcu cds_wfcq_enqueue/cds_wfcq_dequeue_blocking "
              "(wait-free enqueue; dequeuers share a mutex); unbounded, one "
              "preallocated node per item",
    .create = wfq_create,
    .destroy = wfq_destroy,
    .push = wfq_push,
    .pop = wfq_pop,
};

/* ---- lfstack ------------------------------------------------------------ */

typedef struct lfs_node {
    struct cds_lfs_node node; /* first: a popped node is its lfs_node */
    void *item;
} lfs_node;

typedef struct lfs {
    _Alignas(128) struct cds_lfs_stack stack;
    _Alignas(128) lfs_node *nodes;
} lfs;

static void *lfs_create(size_t capacity, size_t items)
{
    (void)capacity;
    lfs *s = aligned_alloc(128, sizeof *s);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    memset(s, 0, sizeof *s);
    s->nodes = zalloc64((items ? items : 1) * sizeof *s->nodes);
    if (!s->nodes) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < items; i++)
        cds_lfs_node_init(&s->nodes[i].node);
    cds_lfs_init(&s->stack);
    return s;
}

static void lfs_destroy(void *obj)
{
    lfs *s = obj;
    cds_lfs_destroy(&s->stack);
    free(s->nodes);
    free(s);
}

static int lfs_push(void *obj, size_t idx, void *item)
{
    lfs *s = obj;
    lfs_node *n = &s->nodes[idx];
    n->item = item;
    cds_lfs_push(&s->stack, &n->node);
    return 0;
}

static int lfs_pop(void *obj, void **item)
{
    lfs *s = obj;
    struct cds_lfs_node *n = cds_lfs_pop_blocking(&s->stack);
    if (!n)
        return 1;
    *item = ((lfs_node *)(void *)n)->item;
    return 0;
}

const bench_peer_ops bench_peer_lfstack = {
    .name = "lfstack",
    .section = SEC_STACK,
    .bounded = false,
    .legend = "lfstack: liburcu cds_lfs_push/cds_lfs_pop_blocking (lock-free "
              "push; poppers share a mutex); unbounded, one preallocated "
              "node per item",
    .create = lfs_create,
    .destroy = lfs_destroy,
    .push = lfs_push,
    .pop = lfs_pop,
};
