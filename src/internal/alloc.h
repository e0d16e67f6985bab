/*
 * alloc.h - what every family's constructors share: heap construction on top
 * of caller-memory construction, and the process-shared mutex of the
 * lock-based structures.
 */
#ifndef CONC_INTERNAL_ALLOC_H
#define CONC_INTERNAL_ALLOC_H

#include <conc/conc.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* A family's caller-memory constructor, with its one size argument (capacity
 * or shard count; ignored by families without one) and its flags
 * (containers: CONC_JOINABLE, CONC_NOWAIT, CONC_SHARED; counters: none). */
typedef conc_status (*conc_init_fn)(void *mem, size_t size, size_t arg,
                                    unsigned flags);

/* conc_X_new: `need` bytes aligned to CONC_ALIGN (posix_memalign: no
 * size-multiple rule), built by init.  NULL with errno EINVAL when need is 0
 * (the footprint said the arguments were invalid) or init refused, ENOMEM
 * when memory or a mutex could not be had. */
static inline void *conc_heap_new(size_t need, conc_init_fn init, size_t arg,
                                  unsigned flags)
{
    void *mem = NULL;
    if (need == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (posix_memalign(&mem, CONC_ALIGN, need) != 0) {
        errno = ENOMEM;
        return NULL;
    }
    conc_status st = init(mem, need, arg, flags);
    if (st != CONC_OK) {
        free(mem);
        errno = st == CONC_EINVAL ? EINVAL : ENOMEM;
        return NULL;
    }
    return mem;
}

/* PTHREAD_PROCESS_SHARED, so a lock-based structure keeps working in memory
 * shared between processes. */
static inline conc_status conc_shared_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return CONC_ENOMEM;
    int rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc == 0 ? CONC_OK : CONC_ENOMEM;
}

#endif /* CONC_INTERNAL_ALLOC_H */
