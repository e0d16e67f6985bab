/*
 * modes.c - the latency and memory modes: their rows, their runs (the
 * measurements themselves are latency.c and memory.c) and the latency
 * percentiles.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Latency                                                                   */

/* Two rows per structure: steady pace, then bursts. */
static void lat_add(lat_set *ls, const options *o, const char *name,
                    const char *where, bench_lat_kind kind,
                    const reg_entry *reg)
{
    if (!name_selected(o, name))
        return;
    for (unsigned pc = 0; pc < 2 && ls->n < MAX_LAT_ROWS; pc++) {
        lat_row *r = &ls->v[ls->n++];
        memset(r, 0, sizeof *r);
        r->name = name;
        r->where = where;
        r->kind = kind;
        r->reg = reg;
        r->pace = pc ? PACE_BURST : PACE_STEADY;
        r->ns = calloc(o->lat.handoffs, sizeof *r->ns);
        if (!r->ns) {
            perror("conc-bench");
            exit(1);
        }
    }
}

/* conc_ring, conc_lfqueue, conc_mutexq between threads; conc_shmring and a
 * pipe between processes. */
static void lat_build(lat_set *ls, const options *o)
{
    static const char *const queues[] = {"ring", "lfqueue", "mutexq"};
    static char names[3][48];
    for (size_t i = 0; i < 3; i++) {
        const reg_entry *e = conc_registry_find(queues[i]);
        if (e && e->pop_wait && e->create_flags) {
            snprintf(names[i], sizeof names[i], "conc_%s", e->name);
            lat_add(ls, o, names[i], "threads", LAT_REG, e);
        }
    }
    lat_add(ls, o, "conc_shmring", "processes", LAT_SHMRING, NULL);
    lat_add(ls, o, "pipe", "processes", LAT_PIPE, NULL);
}

static void lat_run_row(lat_row *r, const options *o, unsigned run,
                        size_t per)
{
    bench_lat_params p = o->lat;
    p.handoffs = per;
    p.pace = r->pace;
    bench_lat_run res;
    bench_latency_run(r->kind, r->reg, &p, &res);
    if (!res.ok) {
        r->failed = true;
        snprintf(r->error, sizeof r->error, "run %u: %s", run + 1, res.msg);
        fprintf(stderr, "conc-bench: latency %s: %s\n", r->name, res.msg);
    } else {
        memcpy(r->ns + r->n, res.ns, res.n * sizeof *res.ns);
        r->n += res.n;
        r->sleeps += res.sleeps;
        r->runs++;
    }
    free(res.ns);
}

static double pct_us(const uint64_t *v, size_t n, double q)
{
    size_t i = (size_t)(q * (double)n);
    if (i >= n)
        i = n - 1;
    return (double)v[i] / 1e3;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void lat_figures(lat_row *r)
{
    qsort(r->ns, r->n, sizeof *r->ns, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < r->n; i++)
        sum += (double)r->ns[i];
    r->mean = sum / (double)r->n / 1e3;
    r->p50 = pct_us(r->ns, r->n, 0.50);
    r->p90 = pct_us(r->ns, r->n, 0.90);
    r->p99 = pct_us(r->ns, r->n, 0.99);
    r->p999 = pct_us(r->ns, r->n, 0.999);
    r->max = (double)r->ns[r->n - 1] / 1e3;
}

/* Every row gets `runs` runs of handoffs/runs items, interleaved across the
 * rows (rotated each round) like the throughput runs. */
void run_latency(lat_set *ls, const options *o)
{
    lat_build(ls, o);
    bool tty = isatty(STDERR_FILENO);
    for (unsigned run = 0; run < o->runs; run++) {
        size_t per = o->lat.handoffs / o->runs +
                     (run < o->lat.handoffs % o->runs);
        for (unsigned k = 0; k < ls->n; k++) {
            lat_row *r = &ls->v[(k + run) % ls->n];
            if (r->failed)
                continue;
            if (tty) {
                fprintf(stderr, "\r[latency] run %u/%u %-14s        ", run + 1,
                        o->runs, r->name);
                fflush(stderr);
            }
            lat_run_row(r, o, run, per);
        }
    }
    if (tty)
        fputs("\r                                              \r", stderr);
    for (unsigned k = 0; k < ls->n; k++)
        if (!ls->v[k].failed && ls->v[k].n > 0)
            lat_figures(&ls->v[k]);
}

void lat_set_free(lat_set *ls)
{
    for (unsigned i = 0; i < ls->n; i++)
        free(ls->v[i].ns);
    ls->n = 0;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                    */

void run_memory(mem_set *ms, const options *o)
{
    for (unsigned i = 0; i < o->nmem; i++) {
        if (isatty(STDERR_FILENO)) {
            fprintf(stderr, "\r[memory] %zu items ", o->mem_items[i]);
            fflush(stderr);
        }
        bench_memory_run(o->mem_items[i], &ms->v[ms->n]);
        if (!ms->v[ms->n].ok)
            fprintf(stderr, "conc-bench: memory %zu items: %s\n",
                    o->mem_items[i], ms->v[ms->n].msg);
        ms->n++;
    }
    if (isatty(STDERR_FILENO))
        fputs("\r                              \r", stderr);
}
