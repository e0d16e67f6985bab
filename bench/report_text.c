/*
 * report_text.c - the text report of the throughput mode: the header, the
 * queue, stack, counter and waiting-cost tables, the legend, and the lines
 * that close every run.
 */
#include "driver.h"

#include <stdio.h>
#include <string.h>

void print_header(const machine *m, const options *o)
{
    printf("conc-bench, conc %s\n", conc_version());
    printf("machine:  %ld CPUs online, %s; %s\n", m->cpus, m->cpu, m->os);
    printf("compiler: %s%s; run %s\n", m->compiler,
           m->optimized ? "" : " (NOT OPTIMIZED: figures are not meaningful)",
           m->date);
    printf("workload: %zu items per pair run, %zu adds per counter run, "
           "capacity %zu, %zu shards;\n"
           "          %u runs per row (median, min, max), interleaved across "
           "the rows of a configuration\n",
           o->total, o->adds, o->capacity, o->shards, o->runs);
    for (unsigned k = 0; k < o->nspins; k++) {
        if (o->spins[k] == SPIN_YIELD)
            printf("%s a push that finds the structure full, or a pop that "
                   "finds it empty,\n"
                   "          retries at once and calls sched_yield() every "
                   "%u consecutive failures\n"
                   "          (--spin yield), the same for every structure: "
                   "with more threads than\n"
                   "          CPUs a spinning thread gives way to the thread it "
                   "waits for.\n",
                   k ? "          then:" : "waiting: ", BENCH_YIELD_EVERY);
        else
            printf("%s a push that finds the structure full, or a pop that "
                   "finds it empty,\n"
                   "          retries after one pause instruction and never "
                   "yields (--spin pause).\n",
                   k ? "          then:" : "waiting: ");
    }
    printf("pinning:  %s\n",
           o->pin ? "thread i of a run on CPU i mod the CPUs allowed "
                    "(--pin; producers first)"
                  : "none: the scheduler places the threads (no --pin)");
    if (m->load_start >= 0)
        printf("load:     1-minute load average %.2f at start (it remembers "
               "the last minute)\n",
               m->load_start);
    printf("parallel: %ld spinning threads obtained %.2f CPUs%s\n", m->cpus,
           m->par_start, parallel_warning(m->par_start, m->cpus));
    printf("calls:    conc through the registry's function table, peers "
           "through adapters of\n"
           "          the same shape: one indirect call per operation "
           "for every structure.\n");
}

/* ------------------------------------------------------------------------ */
/* Tables                                                                    */

void print_spin_heading(const rowset *rs, const options *o)
{
    printf("\n=== --spin %s%s ===\n", bench_spin_name(rs->spin),
           o->pin ? ", pinned" : "");
}

/* One thread: conc's queues and stacks and every peer, ns per pair. */
static void print_solo_table(const rowset *rs, const options *o)
{
    bool any = false;
    for (size_t i = 0; i < rs->n; i++)
        any |= rs->v[i].section == SEC_SOLO;
    if (!any)
        return;
    printf("\nSingle thread: one thread pushes %u items, pops them, again; "
           "ns per pair\n(one push + one pop) and Mops/s\n",
           o->capacity < 64 ? (unsigned)o->capacity : 64u);
    printf("%-18s %9s %9s %9s %9s   %s\n", "structure", "ns/pair", "Mops/s",
           "min", "max", "vs fastest peer");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        if (r->section != SEC_SOLO)
            continue;
        printf("%-18s", r->name);
        if (!row_ok(r)) {
            printf("  FAILED %s\n", r->error);
            continue;
        }
        printf(" %9.2f %9.2f %9.2f %9.2f", r->median > 0 ? 1e3 / r->median : 0,
               r->median, r->min, r->max);
        if (r->conc && r->peer)
            printf("   %5.2fx %s", r->ratio, r->peer->name);
        printf("\n");
    }
}

/* A failed row shows no figures: a check failed, so even its good runs
 * measured a structure that does not work. */
static void print_row(const row *r, bool first_in_group, const char *cfg)
{
    printf("%-7s %-18s", first_in_group ? cfg : "", r->name);
    if (r->failed) {
        printf("  FAILED %s\n", r->error);
        return;
    }
    printf(" %9.2f %9.2f %9.2f", r->median, r->min, r->max);
    if (r->kind == ROW_CONTAINER)
        printf(" %6.1f %6.1f", r->full_retries / r->n,
               r->empty_retries / r->n);
    else
        printf(" %6s %6s", "", "");
    if (r->conc && r->peer)
        printf("   %5.2fx %-9s", r->ratio, r->peer->name);
    else
        printf("   %-16s", r->conc ? "-" : "");
    if (r->nstalled)
        printf("  ! %u of %u runs aborted", r->nstalled, r->n);
    putchar('\n');
}

static bool any_in_section(const rowset *rs, bench_section sec)
{
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].section == sec)
            return true;
    return false;
}

static void print_pair_heading(bench_section sec, const char *title)
{
    if (sec == SEC_CEILING)
        printf("\n%s: Mops/s (one op = one fetch-and-add)\n", title);
    else if (sec == SEC_BATCH)
        printf("\n%s: pair throughput, Mops/s (items, not calls)\n", title);
    else
        printf("\n%s: pair throughput, Mops/s (one op = one item pushed and "
               "popped)\n",
               title);
    printf("%-7s %-18s %9s %9s %9s %13s   %s\n", "", "", "", "", "",
           "retries/item", "");
    printf("%-7s %-18s %9s %9s %9s %6s %6s   %s\n", "config", "structure",
           "median", "min", "max", "full", "empty",
           sec == SEC_BATCH ? "vs one item at a time" : "vs fastest peer");
}

/* A queue or stack table shows the fetch-and-add ceiling of each config
 * under that config's rows; a SEC_CEILING table (when --only left no queue
 * or stack) shows the ceiling alone. */
static void print_pair_table(const rowset *rs, const options *o,
                             bench_section sec, const char *title)
{
    if (!any_in_section(rs, sec))
        return;
    print_pair_heading(sec, title);
    for (unsigned k = 0; k < o->nconfigs; k++) {
        const config *cf = &o->configs[k];
        char cfg[24];
        snprintf(cfg, sizeof cfg, "%uP%uC", cf->p, cf->c);
        bool first = true;
        for (size_t i = 0; i < rs->n; i++) {
            const row *r = &rs->v[i];
            if (sec == SEC_CEILING || r->section != sec || r->p != cf->p ||
                r->c != cf->c)
                continue;
            print_row(r, first, cfg);
            first = false;
        }
        const row *faa = find_row(rs, SEC_CEILING, "faa", cf->p, cf->c);
        if (faa && sec != SEC_BATCH && (sec == SEC_CEILING || !first)) {
            row tmp = *faa;
            snprintf(tmp.name, sizeof tmp.name, "faa (%u threads)",
                     cf->p + cf->c);
            print_row(&tmp, first, cfg);
        }
    }
}

static void print_counter_table(const rowset *rs, const options *o)
{
    if (!any_in_section(rs, SEC_COUNTER))
        return;
    printf("\nCounters: Mops/s (one op = one add of 1), %zu shards for "
           "sharded counters\n",
           o->shards);
    printf("%-7s %-18s %9s %9s %9s %6s %6s   %s\n", "threads", "counter",
           "median", "min", "max", "", "", "vs fastest other");
    for (unsigned k = 0; k < o->nthreads; k++) {
        unsigned t = o->threads[k];
        char cfg[24];
        snprintf(cfg, sizeof cfg, "%uT", t);
        bool first = true;
        for (size_t i = 0; i < rs->n; i++) {
            const row *r = &rs->v[i];
            if (r->section != SEC_COUNTER || r->p != t)
                continue;
            print_row(r, first, cfg);
            first = false;
        }
    }
}

/* conc_lfqueue beside the other unbounded queues and conc_ring. */
static void print_lfqueue_table(const rowset *rs, const options *o)
{
    static const char *const others[] = {"wfcqueue", "ck_fifo", "conc_ring"};
    bool any = false;
    for (unsigned k = 0; k < o->nconfigs; k++)
        any |= find_row(rs, SEC_QUEUE, "conc_lfqueue", o->configs[k].p,
                        o->configs[k].c) != NULL;
    if (!any)
        return;
    printf("\nconc_lfqueue (unbounded) beside wfcqueue, ck_fifo and conc_ring: "
           "ratio of medians\n");
    printf("%-7s %9s", "config", "lfqueue");
    for (size_t i = 0; i < 3; i++)
        printf("   %-13s", others[i]);
    printf("\n");
    for (unsigned k = 0; k < o->nconfigs; k++) {
        unsigned p = o->configs[k].p, c = o->configs[k].c;
        const row *lf = find_row(rs, SEC_QUEUE, "conc_lfqueue", p, c);
        if (!row_ok(lf))
            continue;
        char cfg[24];
        snprintf(cfg, sizeof cfg, "%uP%uC", p, c);
        printf("%-7s %9.2f", cfg, lf->median);
        for (size_t i = 0; i < 3; i++) {
            const row *q = find_row(rs, SEC_QUEUE, others[i], p, c);
            if (row_ok(q) && q->median > 0)
                printf("   %5.2fx %6.2f", lf->median / q->median, q->median);
            else
                printf("   %-13s", "-");
        }
        printf("\n");
    }
    printf("(each column: lfqueue's median over that structure's median, then "
           "that median)\n");
}

/* One flags-0 row beside its CONC_NOWAIT partner. */
static void print_wait_row(const row *r, const char *cfg, bool first)
{
    printf("%-7s %-17s", first ? cfg : "", r->name);
    if (!row_ok(r)) {
        printf("  FAILED %s\n", r->error);
        return;
    }
    printf(" %9.2f %9.2f %9.2f", r->median, r->min, r->max);
    const row *q = r->partner;
    if (q)
        printf(" %9.2f %9.2f %9.2f %6.2fx %6.2fx", q->median, q->min, q->max,
               r->wait_ratio, r->paired_ratio);
    else
        printf("  NOWAIT row failed or missing");
    if (r->nstalled || (q && q->nstalled))
        printf("  ! runs aborted");
    printf("\n");
}

static void print_wait_table(const rowset *rs, const options *o)
{
    if (!any_in_section(rs, SEC_WAIT))
        return;
    printf("\nWaiting support: each structure made with flags 0 and with "
           "CONC_NOWAIT, runs\nalternating; Mops/s (1T: one thread pushes "
           "%u items then pops them, repeatedly)\n",
           o->capacity < 64 ? (unsigned)o->capacity : 64u);
    printf("%-7s %-17s %9s %9s %9s %9s %9s %9s %7s %7s\n", "config",
           "structure", "flags 0", "min", "max", "NOWAIT", "min", "max",
           "ratio", "paired");
    char last[24] = "";
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        if (r->section != SEC_WAIT || (r->cont.flags & CONC_NOWAIT))
            continue;
        char cfg[24];
        row_config(r, cfg, sizeof cfg);
        print_wait_row(r, cfg, strcmp(cfg, last) != 0);
        snprintf(last, sizeof last, "%s", cfg);
    }
    printf("ratio: flags-0 median / NOWAIT median; paired: median of run k / "
           "run k (back to back).\n");
}

static void print_legend(const rowset *rs, const options *o)
{
    bool unbounded = false, faa = false, stalls = false;
    printf("\nLegend:\n");
    for (size_t i = 0; i < bench_npeers; i++)
        for (size_t j = 0; j < rs->n; j++)
            if (rs->v[j].cont.peer == bench_peers[i]) {
                printf("  %s\n", bench_peers[i]->legend);
                unbounded |= !bench_peers[i]->bounded;
                break;
            }
    for (size_t j = 0; j < rs->n; j++) {
        faa |= rs->v[j].kind == ROW_FAA;
        stalls |= rs->v[j].nstalled > 0;
    }
    if (unbounded)
        printf("  unbounded peers never report full: their producers never "
               "wait and may run far\n"
               "  ahead of the consumers; the bounded ones (conc's rings, "
               "vyukov_ring, ck_ring,\n  boost_queue, boost_stack) "
               "hold at most the\n"
               "  capacity, so their producers wait when consumers fall "
               "behind.\n");
    printf("  retries/item: failed attempts per item moved, averaged over the "
           "runs: pushes\n"
           "  that found the structure full, pops that found it empty (the "
           "spinning).\n");
    if (faa)
        printf("  faa: threads doing relaxed atomic fetch-and-add of 1 on one "
               "shared word, the\n"
               "  machine's ceiling for one contended cache line (P+C threads "
               "in the pair tables);\n"
               "  faa_slot: each thread adds to a word of its own, padded "
               "apart (counters only).\n");
    if (stalls)
        printf("  ! runs aborted: nothing moved for %.0f s, or the run passed "
               "%.0f s, so the\n"
               "  watchdog stopped it (see stderr for each); every item pushed "
               "was still popped\n"
               "  exactly once (checked). An aborted run counts at the rate it "
               "achieved, so it\n"
               "  shows in min and can pull the median down.\n",
               o->lim.stall_s, o->lim.timeout_s);
    printf("  vs fastest peer: a conc row's median over the largest median "
           "among the other\n"
           "  libraries' structures of its kind at the same config; for "
           "counters, over every\n"
           "  other counter and faa at the same thread count.\n");
}

void print_throughput(const rowset *rs, const options *o)
{
    print_solo_table(rs, o);
    print_pair_table(rs, o, SEC_QUEUE, "Queues");
    if (o->batch) {
        char title[80];
        snprintf(title, sizeof title,
                 "Queues through push_many / pop_many of up to %zu", o->batch);
        print_pair_table(rs, o, SEC_BATCH, title);
    }
    print_lfqueue_table(rs, o);
    print_pair_table(rs, o, SEC_STACK, "Stacks");
    if (!any_in_section(rs, SEC_QUEUE) && !any_in_section(rs, SEC_STACK))
        print_pair_table(rs, o, SEC_CEILING, "Fetch-and-add ceiling");
    print_counter_table(rs, o);
    print_wait_table(rs, o);
    print_legend(rs, o);
}

/* ------------------------------------------------------------------------ */
/* The end of every run                                                      */

void print_footer(const machine *m, const rowset *rs)
{
    printf("\n");
    printf("parallel: %ld spinning threads obtained %.2f CPUs at the end%s\n",
           m->cpus, m->par_end, parallel_warning(m->par_end, m->cpus));
    if (m->load_end >= 0)
        printf("load: 1-minute load average %.2f at the end (this run's own "
               "threads included)\n",
               m->load_end);
    const row *shortest = shortest_row(rs);
    if (shortest)
        printf("shortest run: %.1f ms (%s)%s\n", shortest->shortest_ms,
               shortest->name,
               shortest->shortest_ms < 20
                   ? "; runs under 20 ms are at the mercy of the scheduler, "
                     "raise --total / --adds"
                   : "");
}
