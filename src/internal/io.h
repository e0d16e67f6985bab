/*
 * io.h - the one door to system calls on a descriptor that several threads
 * use at once: the eventfd of a waitset (wait.c), written by pushes and
 * read by pops.
 *
 * A read() or write() on it changes state that no atomic word shows (the
 * eventfd's counter), so in the verify build each such call is an IO
 * schedule point (verify.h) on the word that holds the descriptor's number:
 * a schedule explorer orders it against other steps on that word as a
 * write, and so tries "write, then read" as well as "read, then write"
 * (found by the review of issue 10: without the point, a clearing read and
 * a signalling write looked independent, and sleep sets never reordered
 * them).  In the normal build these are the plain calls.
 *
 *   conc__io_read(fd_word, buf, n)    read(number in *fd_word, buf, n)
 *   conc__io_write(fd_word, buf, n)   write(...)
 */
#ifndef CONC_INTERNAL_IO_H
#define CONC_INTERNAL_IO_H

#include <unistd.h>

#include "atomics.h"
#include "site.h"
#include "verify.h"

static inline ssize_t conc__io_call(conc_atomic_u32 *fd_word, void *buf,
                                    size_t n, bool is_write CONC__SITE_PARAMS)
{
#ifdef CONC_VERIFY
    conc_point p = CONC__POINT_AT(CONC_POINT_IO, file, line);
    p.addr = fd_word;
    p.width = sizeof(uint32_t);
    p.operand = is_write;
    conc_verify_pre(&p);
#endif
    /* The number was published with the fd (wait.c's fd_state protocol). */
    int fd = (int)conc_load_u32(fd_word, CONC_RELAXED);
    ssize_t rc = is_write ? write(fd, buf, n) : read(fd, buf, n);
#ifdef CONC_VERIFY
    p.phase = CONC_PHASE_POST;
    p.result = (uint64_t)rc;
    conc_verify_post(&p);
#endif
    return rc;
}

#define conc__io_read(w, b, n) conc__io_call((w), (b), (n), false CONC__SITE)
#define conc__io_write(w, b, n) conc__io_call((w), (void *)(b), (n), true CONC__SITE)

#endif /* CONC_INTERNAL_IO_H */
