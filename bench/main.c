/*
 * conc-bench - conc's structures side by side with Concurrency Kit, liburcu
 * and the machine's raw fetch-and-add, in one process, one run, the same
 * workload.
 *
 * Pair throughput: P producers push a fixed total of items, C consumers pop
 * them all; Mops/s = million items through the structure per second (one
 * push plus one pop each), median of R runs with min and max.  Counters: T
 * threads each add 1 a fixed number of times; Mops/s = million adds per
 * second.  Each conc row gets its ratio to the fastest peer measured in the
 * same run.  Absolute numbers move from machine to machine and run to run;
 * the ratios within one run are what to compare.  conc-bench reports
 * figures; tools/bench-goals.py checks a run's JSON against the project's
 * goals.
 *
 * The steps are in driver.h; the timed runs in bench.h.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>

/* --only names that name nothing are an error (after --list, which lists
 * the names). */
static void check_only(const options *o)
{
    for (unsigned i = 0; i < o->nonly; i++)
        if (!name_known(o->only[i]))
            usage_error("--only: no row is named '%s' (see --list)",
                        o->only[i]);
}

/* 1 if any row, latency row or memory run failed. */
static int failures(const rowset *sets, unsigned nsets, const lat_set *ls,
                    const mem_set *ms)
{
    int status = 0;
    for (unsigned k = 0; k < nsets; k++)
        for (size_t i = 0; i < sets[k].n; i++)
            if (sets[k].v[i].failed)
                status = 1;
    for (unsigned i = 0; i < ls->n; i++)
        if (ls->v[i].failed)
            status = 1;
    for (unsigned i = 0; i < ms->n; i++)
        if (!ms->v[i].ok)
            status = 1;
    return status;
}

int main(int argc, char **argv)
{
    options o;
    parse_options(&o, argc, argv);
    if (o.list) {
        list_names();
        options_free(&o);
        return 0;
    }
    check_only(&o);

    rowset sets[2] = {{0}, {0}};
    unsigned nsets = o.mode_tp ? o.nspins : 0;
    size_t nrows = 0;
    for (unsigned k = 0; k < nsets; k++) {
        build_rows(&sets[k], &o, k);
        nrows += sets[k].n;
    }
    if (o.mode_tp && nrows == 0 && !o.mode_lat && !o.mode_mem)
        usage_error("nothing to run");

    machine m;
    describe_machine(&m);
    print_header(&m, &o);
    fflush(stdout);

    /* Each spin mode's tables in turn, under that mode's policy. */
    for (unsigned k = 0; k < nsets; k++) {
        if (sets[k].n == 0)
            continue;
        bench_policy pol = {sets[k].spin, o.pin};
        bench_set_policy(&pol);
        if (nsets > 1)
            print_spin_heading(&sets[k], &o);
        run_throughput(&sets[k], &o);
        print_throughput(&sets[k], &o);
        fflush(stdout);
    }

    lat_set *ls = calloc(1, sizeof *ls);
    mem_set *ms = calloc(1, sizeof *ms);
    if (!ls || !ms) {
        perror("conc-bench");
        return 1;
    }
    if (o.mode_lat) {
        run_latency(ls, &o);
        print_latency(ls, &o);
        fflush(stdout);
    }
    if (o.mode_mem && name_selected(&o, "conc_lfqueue")) {
        run_memory(ms, &o);
        print_memory(ms);
    }

    machine_finish(&m);
    print_footer(&m, &sets[0]);
    int status = failures(sets, nsets, ls, ms);
    if (status)
        printf("\nSome rows FAILED (see above): their figures are missing or "
               "partial.\n");
    if (o.json && write_json(o.json, sets, nsets, &o, &m, ls, ms) != 0)
        status = 1;

    for (unsigned k = 0; k < nsets; k++)
        rows_free(&sets[k]);
    lat_set_free(ls);
    free(ls);
    free(ms);
    options_free(&o);
    return status;
}
