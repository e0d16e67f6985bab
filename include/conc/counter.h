/*
 * conc/counter.h - shared 64-bit counters.
 *
 * All counters hold a signed 64-bit total that wraps modulo 2^64 (two's
 * complement, never undefined behaviour).  None stores pointers, so each may
 * live in memory shared between processes.
 *
 * conc_counter: one atomic word.
 *   Progress: wait-free (one fetch-and-add).  Memory:
 *   conc_counter_footprint() bytes, the word padded against false sharing.
 *   add returns the previous total; adds are linearizable and totally
 *   ordered.  Ordering: add and read are relaxed atomics: a counter orders
 *   nothing but itself (use it to count, not to publish data).
 *
 * conc_sharded: `shards` cache-line-padded slots, summed by read.  In a
 *   counter made by conc_sharded_new (the process's own heap) the upper
 *   half (all but max(1, shards / 2); none with 1 shard) can be owned: the
 *   first thread to add whose turn (threads are numbered in the order of
 *   their first add, round-robin over the half) falls on a free one claims
 *   it for the counter's lifetime and from then on adds to it on a line no
 *   other thread writes: on x86-64 with an unlocked add (one instruction,
 *   no lock prefix), whose store may still be in the CPU's store buffer
 *   when the add returns; so that a read begun after the add returned sees
 *   it, read first calls membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED),
 *   which drains every running thread's store buffer (the first
 *   conc_sharded_new registers the process; where membarrier is refused,
 *   or on other architectures, the owner's add is a locked fetch-and-add
 *   and read makes no system call).  Every other add (a thread whose slot is taken,
 *   more threads than ownable slots, a slot still held by a thread that has
 *   exited) is a fetch-and-add on one of the lower half, round-robin by the
 *   same numbering: correct in every case, and as fast as a counter of half
 *   the shards once the owners are gone.  So shards = 2 x the threads that
 *   add often is the best choice.  A counter made by conc_sharded_init in
 *   the caller's memory (which may be shared between processes, whose
 *   threads cannot be told apart: numbering is per process, and pids
 *   repeat across pid namespaces) owns no slot: every add is a
 *   fetch-and-add on one of all `shards` slots, round-robin by thread
 *   number, whatever processes share it.  A child made by fork gets a copy
 *   of a conc_sharded_new counter, as of all its heap.
 *   Progress: add and read are wait-free (add: at most one CAS, once per
 *   thread per counter; read takes `shards` loads, and for a counter of
 *   conc_sharded_new with light adds one membarrier system call, a few
 *   microseconds: reads are meant to be rare next to adds).
 *   Signals: conc_sharded_add is async-signal-safe: a signal handler may
 *   add to a counter that the thread it interrupted is adding to, and
 *   neither add is lost.
 *   Memory: conc_sharded_footprint(shards) bytes: a header and one slot
 *   per shard, each on cache lines of its own.
 *   What a read concurrent with adds returns: when every add is
 *   non-negative, a value between the total before the read began and the
 *   total after it ended (each slot only grows and is read once).  With
 *   mixed-sign adds it is the sum of each slot at some moment during the
 *   read, which need not be a total that ever existed.  When no add is in
 *   flight, read is exact.  add does not return the previous total (no
 *   single word holds it).
 *
 * conc_mutexcounter: a word under a process-shared pthread mutex; blocking;
 *   add returns the previous total.
 *
 * Concurrency: add and read may run concurrently from any threads; init,
 * fini and free may not run concurrently with anything on the same counter.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_COUNTER_H
#define CONC_COUNTER_H

#include <conc/conc.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct conc_counter conc_counter;

/* A counter starting at 0.  NULL with errno ENOMEM. */
CONC_API conc_counter *conc_counter_new(void);
CONC_API void conc_counter_free(conc_counter *c);
CONC_API size_t conc_counter_footprint(void);
CONC_API conc_status conc_counter_init(void *mem, size_t size);
CONC_API conc_status conc_counter_fini(conc_counter *c);
/* Add delta (may be negative); *prev (may be NULL) gets the total before.
 * CONC_EINVAL for a NULL counter. */
CONC_API conc_status conc_counter_add(conc_counter *c, int64_t delta,
                                      int64_t *prev);
/* CONC_EINVAL for NULL c or NULL out. */
CONC_API conc_status conc_counter_read(const conc_counter *c, int64_t *out);

/* Most shards a sharded counter accepts. */
#define CONC_SHARDED_MAX_SHARDS ((size_t)1 << 16)

typedef struct conc_sharded conc_sharded;

/* `shards` from 1 to CONC_SHARDED_MAX_SHARDS (twice the number of CPUs is a
 * good choice).  NULL with errno EINVAL or ENOMEM. */
CONC_API conc_sharded *conc_sharded_new(size_t shards);
CONC_API void conc_sharded_free(conc_sharded *s);
CONC_API size_t conc_sharded_footprint(size_t shards);
CONC_API conc_status conc_sharded_init(void *mem, size_t size, size_t shards);
CONC_API conc_status conc_sharded_fini(conc_sharded *s);
CONC_API conc_status conc_sharded_add(conc_sharded *s, int64_t delta);
/* CONC_EINVAL for NULL s or NULL out; CONC_ESYS (errno set, *out untouched)
 * if the membarrier system call that a counter with light adds needs fails.
 * conc_sharded_new makes one such call (and registers the process for
 * them), and takes the locked add if it is refused; so a counter made after
 * a seccomp filter that refuses membarrier never needs one, but a counter
 * made before it and read after it gets CONC_ESYS (and a filter that kills
 * on an unlisted system call kills the reader): a process that restricts
 * its system calls after making counters must allow membarrier. */
CONC_API conc_status conc_sharded_read(const conc_sharded *s, int64_t *out);
CONC_API size_t conc_sharded_shards(const conc_sharded *s);

typedef struct conc_mutexcounter conc_mutexcounter;

CONC_API conc_mutexcounter *conc_mutexcounter_new(void);
CONC_API void conc_mutexcounter_free(conc_mutexcounter *c);
CONC_API size_t conc_mutexcounter_footprint(void);
CONC_API conc_status conc_mutexcounter_init(void *mem, size_t size);
CONC_API conc_status conc_mutexcounter_fini(conc_mutexcounter *c);
CONC_API conc_status conc_mutexcounter_add(conc_mutexcounter *c, int64_t delta,
                                           int64_t *prev);
CONC_API conc_status conc_mutexcounter_read(const conc_mutexcounter *c,
                                            int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* CONC_COUNTER_H */
