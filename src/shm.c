/*
 * shm.c - conc_shmring: conc_ring's message mode in a shared mapping
 * (contract in include/conc/shm.h).
 *
 * The shared block: a 128-byte header, then the ring (src/ring.c, message
 * mode, waitset flagged CONC_SHARED so its futexes are keyed by physical
 * page).  The header is written by format, `ready` last with a release
 * store; attach checks it with an acquire load before trusting the rest.
 *
 * Trust.  Every word of the block may be a peer's (conc/shm.h says what
 * that allows).  Attach reads each header word once, checks it, and checks
 * the ring's own geometry words and flags against it (conc__ring_check); the
 * handle keeps that checked geometry (`g`) and every operation passes it to
 * the ring and the waitset, which never re-read a size, an order or a flag
 * from the mapping.  What the ring does read from the mapping (positions,
 * entries, thresholds, counters) is masked or checked before use and every
 * loop over it is bounded (src/ring.c, op_budget); no descriptor is ever
 * taken from it (a shared waitset has none).
 *
 * SPDX-License-Identifier: MIT
 */
#include <conc/shm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal/atomics.h"
#include "internal/container.h"
#include "internal/pad.h"
#include "internal/ring_impl.h"
#include "internal/waitset.h"

#define HDR 128
#define MAGIC UINT64_C(0x314d48532d434e43) /* "CNC-SHM1" little-endian */
#define READY UINT32_C(0x52454459)        /* "REDY" */

struct shm_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;
    uint64_t capacity;
    uint64_t msg_size;
    uint64_t total; /* bytes of the whole block */
    conc_atomic_u32 ready;
    uint32_t flags; /* the ring's flags: CONC_SHARED [| CONC_JOINABLE] */
};

struct conc_shmring {
    conc_ring *ring;
    struct shm_header *hdr;
    conc__ring_geom g; /* checked at attach; the only geometry we use */
    conc__ws_ref ws;   /* the ring's waitset, with g.flags (container.h) */
    void *map;      /* our mapping, or NULL when the caller mapped it */
    size_t map_len;
    int fd;         /* the fd we created, or -1 */
};

_Static_assert(sizeof(struct shm_header) <= HDR, "shm header fits");

size_t conc_shmring_footprint(size_t capacity, size_t msg_size)
{
    if (msg_size == 0 || msg_size > CONC_SHM_MAX_MSG)
        return 0;
    size_t ring = conc__ring_footprint(capacity, msg_size);
    return ring ? conc_size_mul_add(1, ring, HDR) : 0;
}

conc_status conc_shmring_format(void *mem, size_t size, size_t capacity,
                                size_t msg_size, unsigned flags)
{
    size_t need = conc_shmring_footprint(capacity, msg_size);
    if (!mem || !need || size < need || !conc_is_aligned(mem, CONC_ALIGN) ||
        (flags & ~CONC_JOINABLE))
        return CONC_EINVAL;
    struct shm_header *h = mem;
    conc_store_u32(&h->ready, 0, CONC_RELAXED);
    conc_status st = conc__ring_init((char *)mem + HDR, need - HDR, capacity,
                                     flags | CONC_SHARED, msg_size);
    if (st != CONC_OK)
        return st;
    h->magic = MAGIC;
    h->version = CONC_SHM_VERSION;
    h->header_size = HDR;
    h->capacity = capacity;
    h->msg_size = msg_size;
    h->total = need;
    h->flags = flags | CONC_SHARED;
    /* Everything above (and the ring) before `ready`. */
    conc_store_u32(&h->ready, READY, CONC_RELEASE);
    return CONC_OK;
}

static conc_shmring *fail(conc_status *out, conc_status st)
{
    if (out)
        *out = st;
    return NULL;
}

/* Check the header and ring of a block of `size` bytes; on success fill *g
 * with the handle's geometry.  Each word is read once (a peer may rewrite
 * it while we look), `ready` first (acquire: format's words before it). */
static conc_status check(void *mem, size_t size, size_t msg_size,
                         conc__ring_geom *g)
{
    if (size < HDR || !conc_is_aligned(mem, CONC_ALIGN))
        return CONC_EFORMAT;
    struct shm_header *h = mem;
    if (conc_load_u32(&h->ready, CONC_ACQUIRE) != READY || h->magic != MAGIC)
        return CONC_EFORMAT;
    if (h->version != CONC_SHM_VERSION || h->header_size != HDR)
        return CONC_EFORMAT;
    uint64_t cap = h->capacity, msz = h->msg_size, total = h->total;
    uint32_t flags = h->flags;
    if (msz == 0 || msz > CONC_SHM_MAX_MSG || cap > SIZE_MAX ||
        (msg_size != 0 && msz != msg_size))
        return CONC_EFORMAT;
    /* Exactly what format writes: shared, optionally joinable. */
    if (flags != CONC_SHARED && flags != (CONC_SHARED | CONC_JOINABLE))
        return CONC_EFORMAT;
    size_t need = conc_shmring_footprint((size_t)cap, (size_t)msz);
    if (!need || need != total || need > size)
        return CONC_EFORMAT;
    /* The ring's capacity, msg_size, order and flags (its own and its
     * waitset's) must be what conc__ring_init writes for this header: then
     * the ring's footprint is `need - HDR` bytes, inside the block. */
    conc_ring *r = (conc_ring *)(void *)((char *)mem + HDR);
    if (!conc__ring_check(r, (size_t)cap, (size_t)msz, flags, g))
        return CONC_EFORMAT;
    return CONC_OK;
}

static conc_shmring *handle(void *mem, void *map, size_t map_len, int fd,
                            const conc__ring_geom *g, conc_status *status)
{
    conc_shmring *r = malloc(sizeof *r);
    if (!r)
        return fail(status, CONC_ENOMEM);
    r->hdr = mem;
    r->ring = (conc_ring *)(void *)((char *)mem + HDR);
    r->g = *g;
    r->ws = (conc__ws_ref){conc__ring_ws(r->ring), g->flags};
    r->map = map;
    r->map_len = map_len;
    r->fd = fd;
    if (status)
        *status = CONC_OK;
    return r;
}

conc_shmring *conc_shmring_attach(void *mem, size_t size, size_t msg_size,
                                  conc_status *status)
{
    if (!mem || msg_size > CONC_SHM_MAX_MSG)
        return fail(status, CONC_EINVAL);
    conc__ring_geom g;
    conc_status st = check(mem, size, msg_size, &g);
    if (st != CONC_OK)
        return fail(status, st);
    return handle(mem, NULL, 0, -1, &g, status);
}

/* Map all of fd and attach; `own_fd` is kept by the handle on success. */
static conc_shmring *map_fd(int fd, size_t msg_size, int own_fd,
                            conc_status *status)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return fail(status, CONC_ESYS);
    if (sb.st_size < HDR)
        return fail(status, CONC_EFORMAT);
    size_t len = (size_t)sb.st_size;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return fail(status, CONC_ESYS);
    conc__ring_geom g;
    conc_status st = check(m, len, msg_size, &g);
    conc_shmring *r = st == CONC_OK ? handle(m, m, len, own_fd, &g, &st) : NULL;
    if (!r) {
        munmap(m, len);
        return fail(status, st);
    }
    return r;
}

conc_shmring *conc_shmring_attach_fd(int fd, size_t msg_size,
                                     conc_status *status)
{
    if (fd < 0 || msg_size > CONC_SHM_MAX_MSG)
        return fail(status, CONC_EINVAL);
    return map_fd(fd, msg_size, -1, status);
}

conc_shmring *conc_shmring_open(const char *name, size_t msg_size,
                                conc_status *status)
{
    if (!name || name[0] != '/' || msg_size > CONC_SHM_MAX_MSG)
        return fail(status, CONC_EINVAL);
    int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        return fail(status, CONC_ESYS);
    conc_shmring *r = map_fd(fd, msg_size, -1, status);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

conc_shmring *conc_shmring_create(const char *name, size_t capacity,
                                  size_t msg_size, unsigned flags,
                                  conc_status *status)
{
    size_t need = conc_shmring_footprint(capacity, msg_size);
    if (!need || (flags & ~CONC_JOINABLE) || (name && name[0] != '/'))
        return fail(status, CONC_EINVAL);
    int fd = name ? shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
                  : memfd_create("conc_shmring", MFD_CLOEXEC);
    if (fd < 0)
        return fail(status, CONC_ESYS);
    conc_status st = CONC_ESYS;
    void *m = MAP_FAILED;
    if (ftruncate(fd, (off_t)need) == 0)
        m = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) {
        st = conc_shmring_format(m, need, capacity, msg_size, flags);
        conc__ring_geom g;
        if (st == CONC_OK && check(m, need, msg_size, &g) != CONC_OK)
            st = CONC_EFORMAT; /* a peer of the new fd already wrote it */
        if (st == CONC_OK) {
            conc_shmring *r = handle(m, m, need, fd, &g, &st);
            if (r) {
                if (status)
                    *status = CONC_OK;
                return r;
            }
        }
        munmap(m, need);
    }
    int saved = errno;
    close(fd);
    if (name)
        shm_unlink(name);
    errno = saved;
    return fail(status, st);
}

int conc_shmring_memfd(const conc_shmring *r)
{
    return r ? r->fd : -1;
}

void conc_shmring_detach(conc_shmring *r)
{
    if (!r)
        return;
    if (r->map)
        munmap(r->map, r->map_len);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

conc_status conc_shmring_unlink(const char *name)
{
    if (!name || name[0] != '/')
        return CONC_EINVAL;
    return shm_unlink(name) == 0 ? CONC_OK : CONC_ESYS;
}

/* ---- operations --------------------------------------------------------- */

/* Every operation takes its geometry and flags from the handle (r->g). */

conc_status conc_shmring_push(conc_shmring *r, const void *msg)
{
    if (!r || !msg)
        return CONC_EINVAL;
    return conc__ring_put(r->ring, &r->g, msg);
}

conc_status conc_shmring_pop(conc_shmring *r, void *out)
{
    if (!r || !out)
        return CONC_EINVAL;
    return conc__ring_get(r->ring, &r->g, out);
}

/* ---- waiting, closing, joining: the container core --------------------- */

static conc_status shm_try_push(void *obj, void *msg)
{
    return conc_shmring_push(obj, msg);
}

static conc_status shm_try_pop(void *obj, void *out)
{
    return conc_shmring_pop(obj, out);
}

static conc_status shm_close(void *obj)
{
    conc_shmring *r = obj;
    conc__ring_close(r->ring);
    return CONC_OK;
}

static bool shm_closed(const void *obj)
{
    const conc_shmring *r = obj;
    return conc__ring_is_closed(r->ring);
}

static const conc__family shm_family = {
    .push = shm_try_push,
    .pop = shm_try_pop,
    .close = shm_close,
    .closed = shm_closed,
    /* The waitset is in the mapping; the flags are the handle's, checked at
     * attach: no wait, wake or join decision is taken from a word a peer
     * may have flipped. */
    .ws_offset = offsetof(conc_shmring, ws),
    .ws_is_ref = true,
};

conc_status conc_shmring_push_wait(conc_shmring *r, const void *msg,
                                   uint64_t timeout_ns)
{
    if (!msg)
        return CONC_EINVAL;
    return conc__core_push_wait(r, (void *)msg, timeout_ns, &shm_family);
}

conc_status conc_shmring_pop_wait(conc_shmring *r, void *out,
                                  uint64_t timeout_ns)
{
    return conc__core_pop_wait(r, out, timeout_ns, &shm_family);
}

conc_status conc_shmring_close(conc_shmring *r)
{
    return conc__core_close(r, &shm_family);
}

conc_status conc_shmring_close_now(conc_shmring *r, conc_discard_fn discard,
                                   void *arg, size_t *discarded)
{
    if (!r)
        return CONC_EINVAL;
    /* Popped messages land here.  Allocated first, so that ENOMEM changes
     * nothing. */
    void *buf = malloc((size_t)r->g.msg_size);
    if (!buf)
        return CONC_ENOMEM;
    conc_status st = conc__core_close_now(r, buf, discard, arg, discarded,
                                          &shm_family);
    free(buf);
    return st;
}

int conc_shmring_closed(const conc_shmring *r)
{
    return conc__core_closed(r, &shm_family);
}

conc_status conc_shmring_task_done(conc_shmring *r)
{
    return conc__core_task_done(r, &shm_family);
}

conc_status conc_shmring_join(conc_shmring *r, uint64_t timeout_ns)
{
    return conc__core_join(r, timeout_ns, &shm_family);
}

/* ---- observers and recovery --------------------------------------------- */

size_t conc_shmring_len(const conc_shmring *r)
{
    return r ? conc__ring_len(r->ring, &r->g) : 0;
}

size_t conc_shmring_capacity(const conc_shmring *r)
{
    return r ? (size_t)r->g.capacity : 0;
}

size_t conc_shmring_msg_size(const conc_shmring *r)
{
    return r ? (size_t)r->g.msg_size : 0;
}

conc_status conc_shmring_recover(conc_shmring *r, size_t *recovered)
{
    if (!r)
        return CONC_EINVAL;
    conc_status st = conc__ring_recover(r->ring, &r->g, recovered);
    if (st != CONC_OK)
        return st;
    /* The header as this handle checked it, for processes that attach
     * later (the ring's first line was put back by conc__ring_recover). */
    struct shm_header *h = r->hdr;
    h->magic = MAGIC;
    h->version = CONC_SHM_VERSION;
    h->header_size = HDR;
    h->capacity = r->g.capacity;
    h->msg_size = r->g.msg_size;
    h->total = conc_shmring_footprint((size_t)r->g.capacity, (size_t)r->g.msg_size);
    h->flags = r->g.flags;
    conc_store_u32(&h->ready, READY, CONC_RELEASE);
    return CONC_OK;
}
