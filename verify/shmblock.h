/*
 * shmblock.h - a block of shared memory with a fault on every side, for the
 * tests and fuzz targets that hand conc_shmring a mapping a peer may have
 * written (verify/test_shm_trust.c, fuzz/fuzz_shm.c).
 *
 *   shmblock_map(size, &map, &map_len)
 *        a MAP_SHARED anonymous mapping with a PROT_NONE page before and
 *        after; returns the CONC_ALIGN-aligned start of `size` bytes that
 *        end (to within the alignment) where the trailing guard page
 *        begins, so any access outside the block faults in every build;
 *        NULL if mmap failed.  munmap(map, map_len) releases it.
 *   shmblock_order(capacity)
 *        the order of the index rings conc_ring builds for `capacity`
 *        (at least 3: src/ring.c), so a test can find entries and messages.
 *   shmblock_kill_at(at)          (verify build only)
 *        in a child about to use a ring: SIGKILL this process just before
 *        its at-th schedule point from now (of any kind: an atomic step, a
 *        pause, a futex wait or wake, a mutex, a clock read; a version 1
 *        hook, so at PRE only), so a peer dies inside an operation
 *        (verify/test_shm.c, verify/test_shm_trust.c).
 */
#ifndef CONC_VERIFY_SHMBLOCK_H
#define CONC_VERIFY_SHMBLOCK_H

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include <conc/conc.h>

static inline unsigned char *shmblock_map(size_t size, void **map,
                                          size_t *map_len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (size + page - 1) / page * page;
    *map_len = body + 2 * page;
    *map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (*map == MAP_FAILED)
        return NULL;
    mprotect(*map, page, PROT_NONE);
    mprotect((char *)*map + page + body, page, PROT_NONE);
    size_t start = (page + body - size) & ~(size_t)(CONC_ALIGN - 1);
    return (unsigned char *)*map + start;
}

static inline unsigned shmblock_order(size_t capacity)
{
    unsigned o = 3;
    while (((size_t)1 << o) < capacity)
        o++;
    return o;
}

#ifdef CONC_VERIFY
#include <signal.h>
#include <stdatomic.h>

#include "internal/verify.h"

static atomic_long shmblock_kill_countdown_;

static inline void shmblock_kill_hook_(int kind, void *arg)
{
    (void)kind;
    (void)arg;
    if (atomic_fetch_sub(&shmblock_kill_countdown_, 1) == 1)
        raise(SIGKILL);
}

static inline void shmblock_kill_at(long at)
{
    atomic_store(&shmblock_kill_countdown_, at);
    conc_verify_set_hook(shmblock_kill_hook_, NULL);
}
#endif

#endif /* CONC_VERIFY_SHMBLOCK_H */
