/*
 * maps_wrap.c - count the bytes the library maps and unmaps, for
 * fuzz_maps_live() (fuzz.h).  Linked only into the plain replay build
 * without sanitizers (fuzz/meson.build: -Wl,--wrap=mmap,mmap64,munmap on
 * the static library; the sanitizers' runtimes intercept mmap themselves),
 * where `make test` replays the corpora; elsewhere fuzz_common.c's weak
 * fuzz_maps_live() answers -1 and the checks are skipped.
 *
 * Why: conc_lfqueue's segments are mmap'd outside its footprint, so a
 * harness that leaks them (init over a live queue without fini) is seen by
 * no leak checker; libFuzzer found it only as an out-of-memory after 84,607
 * executions (2 GB resident, 25 MB of heap).
 */
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "fuzz.h"

static long live; /* bytes mapped through mmap and not unmapped */

void *__real_mmap(void *, size_t, int, int, int, off_t);
void *__wrap_mmap(void *a, size_t n, int p, int f, int fd, off_t o);
void *__wrap_mmap(void *a, size_t n, int p, int f, int fd, off_t o)
{
    void *r = __real_mmap(a, n, p, f, fd, o);
    if (r != MAP_FAILED)
        __atomic_fetch_add(&live, (long)n, __ATOMIC_RELAXED);
    return r;
}

/* With _FILE_OFFSET_BITS=64 the library calls mmap64. */
void *__real_mmap64(void *, size_t, int, int, int, off_t);
void *__wrap_mmap64(void *a, size_t n, int p, int f, int fd, off_t o);
void *__wrap_mmap64(void *a, size_t n, int p, int f, int fd, off_t o)
{
    void *r = __real_mmap64(a, n, p, f, fd, o);
    if (r != MAP_FAILED)
        __atomic_fetch_add(&live, (long)n, __ATOMIC_RELAXED);
    return r;
}

int __real_munmap(void *, size_t);
int __wrap_munmap(void *a, size_t n);
int __wrap_munmap(void *a, size_t n)
{
    int r = __real_munmap(a, n);
    if (r == 0)
        __atomic_fetch_sub(&live, (long)n, __ATOMIC_RELAXED);
    return r;
}

long fuzz_maps_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}
