/*
 * report_json.c - every figure of a run as one JSON document (--json FILE),
 * written with harness/json.h.  The figures only: tools/bench-goals.py
 * reads this file to check the project's goals.
 *
 * {"tool", "conc_version", "machine": {...}, "params": {...},
 *  "rows": [throughput rows], "latency": {..., "rows": [...]},
 *  "memory": [...]}
 */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static const char *section_name(bench_section s)
{
    switch (s) {
    case SEC_SOLO: return "solo";
    case SEC_QUEUE: return "queue";
    case SEC_BATCH: return "batch";
    case SEC_STACK: return "stack";
    case SEC_CEILING: return "ceiling";
    case SEC_WAIT: return "wait_cost";
    default: return "counter";
    }
}

static void write_machine(h_json *j, const machine *m)
{
    h_json_key(j, "machine");
    h_json_begin_object(j);
    h_json_ki64(j, "cpus", m->cpus);
    h_json_kstring(j, "cpu", m->cpu);
    h_json_kstring(j, "os", m->os);
    h_json_kstring(j, "compiler", m->compiler);
    h_json_kbool(j, "optimized", m->optimized);
    h_json_kstring(j, "date", m->date);
    h_json_kdouble(j, "load_start", m->load_start);
    h_json_kdouble(j, "load_end", m->load_end);
    h_json_kdouble(j, "parallel_start", m->par_start);
    h_json_kdouble(j, "parallel_end", m->par_end);
    h_json_end(j);
}

static void write_params(h_json *j, const options *o)
{
    h_json_key(j, "params");
    h_json_begin_object(j);
    h_json_ku64(j, "total", o->total);
    h_json_ku64(j, "adds", o->adds);
    h_json_ku64(j, "capacity", o->capacity);
    h_json_ku64(j, "shards", o->shards);
    h_json_ku64(j, "runs", o->runs);
    h_json_ku64(j, "yield_every", BENCH_YIELD_EVERY);
    char spins[16];
    snprintf(spins, sizeof spins, "%s%s%s", bench_spin_name(o->spins[0]),
             o->nspins > 1 ? "," : "",
             o->nspins > 1 ? bench_spin_name(o->spins[1]) : "");
    h_json_kstring(j, "spin", spins);
    h_json_kbool(j, "pin", o->pin);
    h_json_ku64(j, "batch", o->batch);
    h_json_kdouble(j, "stall_s", o->lim.stall_s);
    h_json_kdouble(j, "timeout_s", o->lim.timeout_s);
    h_json_end(j);
}

/* Where the row ran: config, producers, consumers, threads. */
static void write_row_place(h_json *j, const row *r)
{
    char cfg[24];
    row_config(r, cfg, sizeof cfg);
    bool counter = r->section == SEC_COUNTER;
    h_json_kstring(j, "config", cfg);
    h_json_ku64(j, "producers", counter ? 0 : r->p);
    h_json_ku64(j, "consumers", counter ? 0 : r->c);
    h_json_ku64(j, "threads", counter ? r->p : r->p + r->c);
    h_json_kstring(j, "unit", "Mops/s");
}

/* median, min, max (null for a failed row), the shortest run, the retries,
 * and every run with whether the watchdog aborted it. */
static void write_row_figures(h_json *j, const row *r)
{
    if (r->n > 0 && !r->failed) {
        h_json_kdouble(j, "median", r->median);
        h_json_kdouble(j, "min", r->min);
        h_json_kdouble(j, "max", r->max);
    } else {
        h_json_key(j, "median");
        h_json_null(j);
        h_json_key(j, "min");
        h_json_null(j);
        h_json_key(j, "max");
        h_json_null(j);
    }
    if (r->n > 0)
        h_json_kdouble(j, "shortest_run_ms", r->shortest_ms);
    if (r->n > 0 && r->kind == ROW_CONTAINER) {
        h_json_kdouble(j, "full_retries_per_item", r->full_retries / r->n);
        h_json_kdouble(j, "empty_retries_per_item", r->empty_retries / r->n);
    }
    h_json_key(j, "runs");
    h_json_begin_array(j);
    for (unsigned k = 0; k < r->n; k++)
        h_json_double(j, r->samples[k]);
    h_json_end(j);
    h_json_key(j, "stalled");
    h_json_begin_array(j);
    for (unsigned k = 0; k < r->n; k++)
        h_json_bool(j, r->stalled[k]);
    h_json_end(j);
}

/* The ratios: waiting cost (flags-0 rows) and the fastest peer (conc). */
static void write_row_ratios(h_json *j, const row *r)
{
    if (r->section == SEC_WAIT)
        h_json_kstring(j, "flags",
                       r->cont.flags & CONC_NOWAIT ? "CONC_NOWAIT" : "0");
    if (r->partner) {
        h_json_kdouble(j, "vs_nowait", r->wait_ratio);
        h_json_kdouble(j, "vs_nowait_paired", r->paired_ratio);
    }
    if (r->conc && r->peer) {
        h_json_kstring(j, "fastest_peer", r->peer->name);
        h_json_kdouble(j, "ratio", r->ratio);
    }
}

static void write_row(h_json *j, const row *r, bench_spin spin, bool pin)
{
    h_json_begin_object(j);
    h_json_kstring(j, "section", section_name(r->section));
    h_json_kstring(j, "name", r->name);
    h_json_kbool(j, "conc", r->conc);
    /* the single-thread and counter rows never spin */
    h_json_kstring(j, "spin", r->section == SEC_SOLO ||
                                      r->section == SEC_COUNTER
                                  ? "none"
                                  : bench_spin_name(spin));
    h_json_kbool(j, "pinned", pin && r->section != SEC_SOLO);
    write_row_place(j, r);
    write_row_figures(j, r);
    if (r->section == SEC_BATCH)
        h_json_ku64(j, "batch", r->cont.batch);
    if (r->section == SEC_SOLO && row_ok(r) && r->median > 0)
        h_json_kdouble(j, "ns_per_pair", 1e3 / r->median);
    write_row_ratios(j, r);
    h_json_kstring(j, "error", r->failed ? r->error : NULL);
    h_json_end(j);
}

static void write_rows(h_json *j, const rowset *sets, unsigned nsets,
                       bool pin)
{
    h_json_key(j, "rows");
    h_json_begin_array(j);
    for (unsigned k = 0; k < nsets; k++)
        for (size_t i = 0; i < sets[k].n; i++)
            write_row(j, &sets[k].v[i], sets[k].spin, pin);
    h_json_end(j);
}

static void write_latency_row(h_json *j, const lat_row *r)
{
    h_json_begin_object(j);
    h_json_kstring(j, "between", r->where);
    h_json_kstring(j, "name", r->name);
    h_json_kstring(j, "pace", r->pace == PACE_STEADY ? "steady" : "burst");
    if (r->failed || r->n == 0) {
        h_json_kstring(j, "error", r->error);
    } else {
        h_json_ku64(j, "n", r->n);
        h_json_kdouble(j, "p50", r->p50);
        h_json_kdouble(j, "p90", r->p90);
        h_json_kdouble(j, "p99", r->p99);
        h_json_kdouble(j, "p999", r->p999);
        h_json_kdouble(j, "max", r->max);
        h_json_kdouble(j, "mean", r->mean);
        h_json_kdouble(j, "sleeps_per_item", r->sleeps / r->runs);
        h_json_kstring(j, "error", NULL);
    }
    h_json_end(j);
}

static void write_latency(h_json *j, const lat_set *ls, const options *o)
{
    h_json_key(j, "latency");
    h_json_begin_object(j);
    h_json_kstring(j, "unit", "us");
    h_json_ku64(j, "handoffs", ls->n ? o->lat.handoffs : 0);
    h_json_ku64(j, "runs", o->runs);
    h_json_ku64(j, "interval_us", o->lat.interval_us);
    h_json_ku64(j, "burst", o->lat.burst);
    h_json_key(j, "rows");
    h_json_begin_array(j);
    for (unsigned i = 0; i < ls->n; i++)
        write_latency_row(j, &ls->v[i]);
    h_json_end(j);
    h_json_end(j);
}

static void write_memory_row(h_json *j, const bench_mem_result *m)
{
    h_json_begin_object(j);
    h_json_kstring(j, "structure", "conc_lfqueue");
    h_json_ku64(j, "items", m->items);
    if (!m->ok) {
        h_json_kstring(j, "error", m->msg);
    } else {
        h_json_ku64(j, "rss_empty", m->rss_empty);
        h_json_ku64(j, "rss_full", m->rss_full);
        h_json_ku64(j, "rss_drained", m->rss_drained);
        h_json_ku64(j, "rss_freed", m->rss_freed);
        h_json_ku64(j, "queue_empty", m->mem_empty);
        h_json_ku64(j, "queue_full", m->mem_full);
        h_json_ku64(j, "queue_drained", m->mem_drained);
        h_json_kdouble(j, "rss_drained_over_empty",
                       m->rss_empty ? (double)m->rss_drained /
                                          (double)m->rss_empty
                                    : 0.0);
        h_json_kdouble(j, "push_s", m->push_s);
        h_json_kdouble(j, "pop_s", m->pop_s);
        h_json_kstring(j, "error", NULL);
    }
    h_json_end(j);
}

static void write_memory(h_json *j, const mem_set *ms)
{
    h_json_key(j, "memory");
    h_json_begin_array(j);
    for (unsigned i = 0; i < ms->n; i++)
        write_memory_row(j, &ms->v[i]);
    h_json_end(j);
}

int write_json(const char *path, const rowset *sets, unsigned nsets,
               const options *o, const machine *m, const lat_set *ls,
               const mem_set *ms)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "conc-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    h_json j;
    h_json_init(&j, f, true);
    h_json_begin_object(&j);
    h_json_kstring(&j, "tool", "conc-bench");
    h_json_kstring(&j, "conc_version", conc_version());
    write_machine(&j, m);
    write_params(&j, o);
    write_rows(&j, sets, nsets, o->pin);
    write_latency(&j, ls, o);
    write_memory(&j, ms);
    h_json_end(&j);
    int rc = h_json_finish(&j);
    if (fclose(f) != 0) {
        fprintf(stderr, "conc-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (rc != 0) {
        fprintf(stderr, "conc-bench: %s: writing the JSON failed\n", path);
        return -1;
    }
    return 0;
}
