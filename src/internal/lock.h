/*
 * lock.h - the one door to pthread mutexes in src/.
 *
 *   conc__mutex_lock(m)    pthread_mutex_lock(m); its return code
 *   conc__mutex_unlock(m)  pthread_mutex_unlock(m); its return code
 *
 * In the verify build each is a schedule point (verify.h) with the mutex as
 * its address and the caller's file:line (site.h): LOCK's PRE comes before
 * pthread_mutex_lock (the thread may block there) and its POST after it,
 * with the return code in `rc` and `result`; UNLOCK's PRE
 * and POST both come after pthread_mutex_unlock (the mutex is free by then;
 * `rc` and `result`: its return code).  Initialising and destroying a mutex
 * are not schedule points and do not go through here.
 */
#ifndef CONC_INTERNAL_LOCK_H
#define CONC_INTERNAL_LOCK_H

#include <pthread.h>
#include <stdint.h>

#include "site.h"
#include "verify.h"

static inline int conc__mutex_lock_at(pthread_mutex_t *m CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_LOCK, file, line);
    p.addr = m;
    conc_verify_pre(&p);
#endif
    int rc = pthread_mutex_lock(m);
#ifdef CONC_VERIFY
    p.rc = rc;
    p.result = (uint64_t)rc;
    conc_verify_post(&p);
#endif
    return rc;
}

static inline int conc__mutex_unlock_at(pthread_mutex_t *m CONC__SITE_PARAMS)
{
    int rc = pthread_mutex_unlock(m);
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_UNLOCK, file, line);
    p.addr = m;
    p.rc = rc;
    p.result = (uint64_t)rc;
    conc_verify_pre(&p);
    conc_verify_post(&p);
#endif
    return rc;
}

#define conc__mutex_lock(m) conc__mutex_lock_at((m) CONC__SITE)
#define conc__mutex_unlock(m) conc__mutex_unlock_at((m) CONC__SITE)

#endif /* CONC_INTERNAL_LOCK_H */
