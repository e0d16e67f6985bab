/*
 * report.c - conc-stress's text report: the start line, the header of
 * each structure, the live progress line (stderr, a terminal only), the
 * violations and the verdict line of each structure, and the summary.
 * docs/stress.md shows each of them.
 */
#include <inttypes.h>
#include <string.h>

#include "stress.h"

static void human(char *buf, size_t n, double v)
{
    if (v >= 1e12)
        snprintf(buf, n, "%.2fT", v / 1e12);
    else if (v >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

void report_start(const stress_config *cfg)
{
    if (cfg->quiet)
        return;
    printf(BINARY_NAME " %s (libconc %s): %d CPUs online, seed %" PRIu64
           ", stall limit %gs",
           CONC_VERSION_STRING, conc_version(), cfg->ncpus, cfg->seed,
           cfg->stall_s);
    if (cfg->yield_rate >= 0)
        printf(", yield rate %g", cfg->yield_rate);
    printf("\n");
    fflush(stdout);
}

void report_header(const stress_config *cfg, const result *res)
{
    const reg_entry *e = res->e;
    char what[96], amount[48], batches[40] = "";
    if (res->P)
        snprintf(what, sizeof what, "%d producers, %d consumers", res->P,
                 res->C);
    else if (res->M)
        snprintf(what, sizeof what, "%d threads pushing and popping", res->M);
    else
        snprintf(what, sizeof what, "%d adders", res->A);
    if (cfg->ops)
        snprintf(amount, sizeof amount, "%" PRIu64 " ops", cfg->ops);
    else
        snprintf(amount, sizeof amount, "%gs", cfg->duration_s);
    if (cfg->lincheck) {
        char cap[40] = "1-4";
        if (res->capacity)
            snprintf(cap, sizeof cap, "%zu", res->capacity);
        printf(BINARY_NAME ": %s (%s, %s): linearizability windows of %d "
               "threads, %d calls each, %s %s, %s%s\n", e->name,
               kind_name[e->kind], e->lock_free ? "lock-free" : "blocking",
               res->nthreads, LZW_CALLS,
               e->kind == REG_COUNTER ? "shards" : "capacity", cap, amount,
               cfg->pin ? ", pinned" : "");
        fflush(stdout);
        return;
    }
    if (e->kind != REG_COUNTER)
        snprintf(batches, sizeof batches, ", batches up to %d",
                 cfg->batch_max);
    printf(BINARY_NAME ": %s (%s, %s): %s, %s %zu%s, %s%s%s\n", e->name,
           kind_name[e->kind], e->lock_free ? "lock-free" : "blocking", what,
           e->kind == REG_COUNTER ? "shards" : "capacity", res->capacity,
           res->capped_shards ? " (its maximum)" : "", amount, batches,
           cfg->pin ? ", pinned" : "");
    fflush(stdout);
}

void report_progress(const stress_config *cfg, run *r, const char *label,
                     double el)
{
    uint64_t ops = 0, checked = 0;
    for (int i = 0; i <= r->nthreads; i++) {
        ops += atomic_load_explicit(&r->slots[i].ok, memory_order_relaxed);
        checked += atomic_load_explicit(&r->slots[i].checked,
                                        memory_order_relaxed);
    }
    char o[32], c[32], plan[32] = "";
    human(o, sizeof o, (double)ops);
    human(c, sizeof c, (double)checked);
    if (cfg->duration_s > 0)
        snprintf(plan, sizeof plan, "/%.0fs", cfg->duration_s);
    fprintf(stderr,
            "\r" BINARY_NAME " %s %s: %.1fs%s  %.2f Mops/s  ops %s  "
            "checked %s  violations %" PRIu64 "\033[K",
            r->e->name, label, el, plan, el > 0 ? (double)ops / el / 1e6 : 0.0,
            o, c, atomic_load_explicit(&r->v.total, memory_order_relaxed));
    fflush(stderr);
}

/* Up to VPRINT_MAX violations, round-robin over the kinds, so that every
 * kind found is shown. */
static void print_violations(const result *res)
{
    int shown = 0;
    for (int round = 0; round < VLIST_PER_KIND && shown < VPRINT_MAX; round++)
        for (int k = 0; k < V_KINDS && shown < VPRINT_MAX; k++) {
            if (round >= res->nvlist[k])
                continue;
            const vrecord *v = &res->vlist[k][round];
            shown++;
            if (v->producer >= 0)
                printf("  %-10s (%c%d, seq %" PRIu64 "): %s\n",
                       vkind_name[v->kind], res->prod_prefix, v->producer,
                       v->seq, v->detail);
            else
                printf("  %-10s %s\n", vkind_name[v->kind], v->detail);
        }
    if (res->vtotal > (uint64_t)shown)
        printf("  ... %" PRIu64 " more not shown\n",
               res->vtotal - (uint64_t)shown);
}

static void print_checks(const result *res)
{
    printf("  checks:");
    for (int i = 0; i < res->nchecks; i++)
        printf(" %s %s%s", res->checks[i].name,
               res->checks[i].status == CHECK_PASS   ? "ok"
               : res->checks[i].status == CHECK_FAIL ? "FAIL"
                                                     : "skipped",
               i + 1 < res->nchecks ? "," : "");
    printf("\n");
}

void report_result(const stress_config *cfg, const result *res)
{
    const reg_entry *e = res->e;
    if (res->vtotal)
        print_violations(res);
    if (!cfg->quiet || !res->pass)
        print_checks(res);
    char cap[24];
    if (cfg->lincheck && res->capacity == 0)
        snprintf(cap, sizeof cap, "1-4");
    else
        snprintf(cap, sizeof cap, "%zu", res->capacity);
    printf(BINARY_NAME ": %s %s %s %s=%s ops=%" PRIu64 " Mops/s=%.2f "
           "fairness=%.2f time=%.*fs",
           res->pass ? "PASS" : "FAIL", e->name, res->label,
           e->kind == REG_COUNTER ? "shards" : "cap", cap, res->ops,
           res->mops, res->fairness, res->elapsed < 10 ? 2 : 1, res->elapsed);
#ifdef CONC_STRESS_VERIFY
    printf(" yields=%" PRIu64, res->yields);
#endif
    if (cfg->lincheck)
        printf(" windows=%" PRIu64 " gave_up=%" PRIu64, res->windows,
               res->windows_gave_up);
    if (res->vtotal) {
        printf(" violations=%" PRIu64 " (", res->vtotal);
        bool first = true;
        for (int k = 0; k < V_KINDS; k++)
            if (res->vcount[k]) {
                printf("%s%s %" PRIu64, first ? "" : ", ", vkind_name[k],
                       res->vcount[k]);
                first = false;
            }
        printf(")");
    }
    if (res->early_stop)
        printf(" (stopped early: too many items unaccounted for)");
    if (res->interrupted)
        printf(" (interrupted)");
    printf("\n");
    fflush(stdout);
}

/* After more than one structure (or an interrupt): PASS n, or FAIL k of n
 * with their names. */
void report_summary(const stress_config *cfg, const result *res, int ran,
                    double seconds, bool interrupted)
{
    int failed = 0;
    char names[256] = "";
    for (int i = 0; i < ran; i++) {
        if (res[i].pass)
            continue;
        failed++;
        if (names[0])
            strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, res[i].e->name, sizeof names - strlen(names) - 1);
    }
    if (ran <= 1 && !interrupted)
        return;
    if (failed)
        printf(BINARY_NAME ": FAIL %d of %d structures: %s (seed %" PRIu64
               ", %.1fs)%s\n", failed, ran, names, cfg->seed, seconds,
               interrupted ? " (interrupted)" : "");
    else
        printf(BINARY_NAME ": PASS %d structures (seed %" PRIu64 ", %.1fs)%s\n",
               ran, cfg->seed, seconds, interrupted ? " (interrupted)" : "");
}

void report_expectation(bool found)
{
    if (found)
        printf(BINARY_NAME ": violations found, as expected "
               "(--expect-violation): exit 0\n");
    else
        printf(BINARY_NAME ": expected a violation (--expect-violation) "
               "but every check passed: exit 1\n");
}
