/*
 * memory.c - what conc_lfqueue holds before, during and after a drain.
 *
 * One thread pushes `items` items into an empty conc_lfqueue, then pops
 * them all (checking FIFO order), then frees the queue.  At each step it
 * reads the process's resident set from /proc/self/statm (resident pages x
 * page size: what the kernel has actually mapped in, unlike getrusage's
 * ru_maxrss, which only ever grows) and conc_lfqueue_memory() (bytes of
 * live segments, as the queue counts them).  The header's claim: segments
 * go back to the kernel with munmap as soon as they are drained, so after
 * the drain the resident set is back where it started.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <conc/lfqueue.h>

#include "sys.h"

size_t bench_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    if (n != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return (size_t)resident * (size_t)(page > 0 ? page : 4096);
}

void bench_memory_run(size_t items, bench_mem_result *res)
{
    memset(res, 0, sizeof *res);
    res->items = items;
    conc_lfqueue *q = conc_lfqueue_new(0);
    if (!q) {
        snprintf(res->msg, sizeof res->msg, "conc_lfqueue_new failed");
        return;
    }
    /* One push and pop first, so that this thread's hazard-pointer record
     * (allocated once per thread) is in the "empty" figure. */
    void *item;
    if (conc_lfqueue_push(q, (void *)1) != CONC_OK ||
        conc_lfqueue_pop(q, &item) != CONC_OK) {
        snprintf(res->msg, sizeof res->msg, "first push/pop failed");
        conc_lfqueue_free(q);
        return;
    }
    res->rss_empty = bench_rss_bytes();
    res->mem_empty = conc_lfqueue_memory(q);

    uint64_t t0 = h_now_ns();
    for (size_t i = 0; i < items; i++) {
        int rc = conc_lfqueue_push(q, (void *)(uintptr_t)(i + 1));
        if (rc != CONC_OK) {
            snprintf(res->msg, sizeof res->msg, "push %zu: %s", i,
                     conc_strerror(rc));
            conc_lfqueue_free(q);
            return;
        }
    }
    uint64_t t1 = h_now_ns();
    res->rss_full = bench_rss_bytes();
    res->mem_full = conc_lfqueue_memory(q);

    for (size_t i = 0; i < items; i++) {
        int rc = conc_lfqueue_pop(q, &item);
        if (rc != CONC_OK || (uintptr_t)item != i + 1) {
            snprintf(res->msg, sizeof res->msg,
                     "pop %zu: %s (item %p, expected %zu)", i,
                     conc_strerror(rc), item, i + 1);
            conc_lfqueue_free(q);
            return;
        }
    }
    uint64_t t2 = h_now_ns();
    if (conc_lfqueue_pop(q, &item) != CONC_EMPTY) {
        snprintf(res->msg, sizeof res->msg, "not empty after the drain");
        conc_lfqueue_free(q);
        return;
    }
    res->rss_drained = bench_rss_bytes();
    res->mem_drained = conc_lfqueue_memory(q);
    conc_lfqueue_free(q);
    res->rss_freed = bench_rss_bytes();
    res->push_s = (double)(t1 - t0) / 1e9;
    res->pop_s = (double)(t2 - t1) / 1e9;
    res->ok = true;
}
