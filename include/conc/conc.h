/*
 * conc.h - umbrella header: version, status codes, and every family.
 *
 * conc is a C11 library of concurrent data structures.  Every operation
 * returns a conc_status; conc_strerror() names each one.  Constructors that
 * allocate (conc_X_new) return NULL and set errno (EINVAL or ENOMEM) instead.
 *
 * Caller-memory construction: conc_X_footprint(...) gives the number of bytes
 * a structure needs (0 when the arguments are invalid), and conc_X_init(mem,
 * size, ...) builds it in memory the caller owns.  That memory must be
 * aligned to CONC_ALIGN bytes; conc_X_fini() releases what init acquired
 * (never the memory itself) and leaves the memory finished: a second fini
 * with no init between returns CONC_OK and releases nothing (it closes no
 * descriptor and destroys no lock a second time), and init may build a new
 * structure there.  conc_X_free() and conc_shmring_detach() end their
 * handle, as free() does: it may not be used again, not even by a second
 * free or detach.
 *
 * Bad arguments give CONC_EINVAL and change nothing: no out-pointer is
 * written, no item is taken.  No function aborts or crashes on a NULL handle,
 * a zero or oversized capacity, or misaligned memory.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CONC_CONC_H
#define CONC_CONC_H

#include <stddef.h>
#include <stdint.h>

/*
 * CONC_API marks every function of the public interface; the library is
 * built with hidden visibility (meson.build), so a function without it is
 * internal and libconc.so does not export it (tools/check-abi.sh checks both
 * ways).  The same attribute on the declaration a consumer sees is harmless
 * and keeps the references default even under a consumer's
 * `#pragma GCC visibility push(hidden)`.  A build of conc that wants its
 * functions hidden too (conc linked statically into another shared
 * library) may define CONC_API empty.  No inline function is defined in
 * these headers, so nothing else is part of the ABI.
 */
#ifndef CONC_API
#if defined(__GNUC__) && __GNUC__ >= 4 /* gcc, clang */
#define CONC_API __attribute__((visibility("default")))
#else
#define CONC_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CONC_VERSION_MAJOR 0
#define CONC_VERSION_MINOR 1
#define CONC_VERSION_PATCH 0
#define CONC_VERSION_STRING "0.1.0"

/* Alignment that caller memory given to any conc_X_init must have. */
#define CONC_ALIGN 64

/* Status codes.  CONC_OK is 0; every other value is positive and stable. */
typedef enum conc_status {
    CONC_OK = 0,       /* the operation took effect */
    CONC_EMPTY = 1,    /* nothing to pop; nothing changed */
    CONC_FULL = 2,     /* no room to push; the item stays with the caller */
    CONC_CLOSED = 3,   /* the structure was closed */
    CONC_TIMEDOUT = 4, /* a wait ran out of time */
    CONC_EINVAL = 5,   /* an argument was invalid; nothing changed */
    CONC_ENOMEM = 6,   /* memory could not be obtained; nothing changed */
    CONC_EFORMAT = 7,  /* memory is not a conc structure of this version and
                          geometry (conc_shmring_attach); nothing changed */
    CONC_ESYS = 8      /* a system call failed; errno says why */
} conc_status;

/* A static, human-readable name for a status ("CONC_FULL: structure is
 * full").  Unknown values give "unknown conc status".  Never NULL. */
CONC_API const char *conc_strerror(int status);

/* The library's version string, e.g. "0.1.0" (may differ from the header's
 * CONC_VERSION_STRING when the shared library was upgraded underneath). */
CONC_API const char *conc_version(void);

#ifdef __cplusplus
}
#endif

/* The families (each includes this header first, so any order works). */
#include <conc/wait.h>
#include <conc/ring.h>
#include <conc/mutexq.h>
#include <conc/stack.h>
#include <conc/counter.h>
#include <conc/lfqueue.h>
#include <conc/shm.h>

#endif /* CONC_CONC_H */
