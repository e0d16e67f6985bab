/*
 * ring_impl.h - conc_ring's message mode, for conc_shmring (src/shm.c).
 *
 * The same SCQ ring, but each slot carries msg_size bytes (copied in by push
 * and out by pop) instead of a void *.  The messages sit after the ring in
 * the same block, so the whole block may be mapped anywhere.
 */
#ifndef CONC_INTERNAL_RING_IMPL_H
#define CONC_INTERNAL_RING_IMPL_H

#include <conc/ring.h>

#include "waitset.h"

/* Bytes for a ring of `capacity` messages of `msg_size` bytes; 0 if invalid. */
size_t conc__ring_footprint(size_t capacity, size_t msg_size);
/* `flags`: conc_ring_init's (CONC_FLAGS_ALL; shm.c always adds CONC_SHARED). */
conc_status conc__ring_init(void *mem, size_t size, size_t capacity,
                            unsigned flags, size_t msg_size);
conc_status conc__ring_put(conc_ring *r, const void *msg);
conc_status conc__ring_get(conc_ring *r, void *out);
conc_waitset *conc__ring_ws(conc_ring *r);
size_t conc__ring_msg_size(const conc_ring *r);
/* Close without waking anyone (the caller wakes). */
void conc__ring_close(conc_ring *r);
bool conc__ring_is_closed(const conc_ring *r);

#endif /* CONC_INTERNAL_RING_IMPL_H */
