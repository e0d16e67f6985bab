/*
 * report_modes.c - the text report of the latency and memory modes.
 */
#include "driver.h"

#include <stdio.h>

void print_latency(const lat_set *ls, const options *o)
{
    if (ls->n == 0)
        return;
    printf("\nHandoff latency through pop_wait, microseconds (push to "
           "pop_wait returning),\n%zu handoffs per row in %u interleaved "
           "runs; steady: one item every %u us;\nburst: %u items back to "
           "back, then %u us of pause\n",
           o->lat.handoffs, o->runs, o->lat.interval_us, o->lat.burst,
           o->lat.interval_us * o->lat.burst);
    printf("%-10s %-14s %-7s %8s %8s %8s %8s %9s %8s %7s\n", "between",
           "structure", "pace", "p50", "p90", "p99", "p99.9", "max", "mean",
           "sleeps");
    for (unsigned k = 0; k < ls->n; k++) {
        const lat_row *r = &ls->v[k];
        printf("%-10s %-14s %-7s", r->where, r->name,
               r->pace == PACE_STEADY ? "steady" : "burst");
        if (r->failed || r->n == 0) {
            printf("  FAILED %s\n", r->error);
            continue;
        }
        printf(" %8.2f %8.2f %8.2f %8.2f %9.1f %8.2f %7.2f\n", r->p50, r->p90,
               r->p99, r->p999, r->max, r->mean, r->sleeps / r->runs);
    }
    printf("sleeps: the consumer's voluntary context switches per item (about "
           "1 when it slept\nfor every item; the pipe's read sleeps in the "
           "kernel, not in a futex).\n");
}

static double ratio_or_0(size_t num, size_t den)
{
    return den ? (double)num / (double)den : 0.0;
}

static void print_memory_row(const bench_mem_result *m)
{
    printf("%-10zu", m->items);
    if (!m->ok) {
        printf("  FAILED %s\n", m->msg);
        return;
    }
    const double MiB = 1024.0 * 1024.0;
    printf(" %9.2f %9.2f %9.2f %9.2f %6.3fx   %9.1f %9.1f %9.1f %6.3fx\n",
           m->rss_empty / MiB, m->rss_full / MiB, m->rss_drained / MiB,
           m->rss_freed / MiB, ratio_or_0(m->rss_drained, m->rss_empty),
           m->mem_empty / 1024.0, m->mem_full / 1024.0,
           m->mem_drained / 1024.0, ratio_or_0(m->mem_drained, m->mem_empty));
}

void print_memory(const mem_set *ms)
{
    if (ms->n == 0)
        return;
    printf("\nconc_lfqueue memory, one thread: push N items into an empty "
           "queue, pop them all.\nRSS: the process's resident set "
           "(/proc/self/statm), MiB; queue: conc_lfqueue_memory(), KiB\n");
    printf("%-10s %9s %9s %9s %9s %7s   %9s %9s %9s %7s\n", "items",
           "RSS empty", "full", "drained", "freed", "drn/emp", "queue emp",
           "full", "drained", "drn/emp");
    for (unsigned i = 0; i < ms->n; i++)
        print_memory_row(&ms->v[i]);
    for (unsigned i = 0; i < ms->n; i++) {
        const bench_mem_result *m = &ms->v[i];
        if (m->ok)
            printf("%zu items: %.1f bytes of queue per item when full; push "
                   "%.1f Mops/s, pop %.1f Mops/s\n",
                   m->items,
                   (double)(m->mem_full - m->mem_empty) / (double)m->items,
                   m->push_s > 0 ? m->items / m->push_s / 1e6 : 0,
                   m->pop_s > 0 ? m->items / m->pop_s / 1e6 : 0);
    }
}
