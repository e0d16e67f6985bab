/*
 * json_report.c - conc-stress's JSON report (docs/stress.md, "JSON"),
 * written with the harness's streaming writer (harness/json.h): the run as
 * a whole, then one object per structure in named parts (its
 * configuration, its figures, its threads, its checks, its violations).
 */
#include <string.h>

#include "json.h"
#include "stress.h"

static const char *check_word(int status)
{
    return status == CHECK_PASS ? "pass" : status == CHECK_FAIL ? "fail"
                                                                : "skipped";
}

static void json_config(h_json *j, const stress_config *cfg, const result *res)
{
    const reg_entry *e = res->e;
    h_json_key(j, "config");
    h_json_begin_object(j);
    h_json_ki64(j, "producers", res->P);
    h_json_ki64(j, "consumers", res->C);
    h_json_ki64(j, "mixed", res->M);
    h_json_ki64(j, "adders", res->A);
    h_json_ki64(j, "threads", res->nthreads);
    h_json_kstring(j, "label", res->label);
    h_json_ku64(j, e->kind == REG_COUNTER ? "shards" : "capacity",
                res->capacity);
    h_json_key(j, "duration_s");
    if (cfg->ops)
        h_json_null(j);
    else
        h_json_double(j, cfg->duration_s);
    h_json_key(j, "ops_target");
    if (cfg->ops)
        h_json_u64(j, cfg->ops);
    else
        h_json_null(j);
    h_json_ki64(j, "batch_max", cfg->batch_max);
    h_json_ku64(j, "window", res->window);
    h_json_ku64(j, "seed", cfg->seed);
    h_json_end(j);
}

static void json_figures(h_json *j, const result *res)
{
    h_json_kdouble(j, "elapsed_s", res->elapsed);
    h_json_ku64(j, "ops", res->ops);
    h_json_kdouble(j, "mops_per_s", res->mops);
    if (res->windows) {
        h_json_ku64(j, "lincheck_windows", res->windows);
        h_json_ku64(j, "lincheck_gave_up", res->windows_gave_up);
    }
    if (res->e->kind == REG_COUNTER) {
        h_json_ku64(j, "adds", res->adds);
        h_json_ku64(j, "rounds", res->rounds);
        h_json_ku64(j, "ones_rounds", res->ones_rounds);
        h_json_ki64(j, "final_total", res->final_total);
    } else {
        h_json_ku64(j, "pushes", res->pushes);
        h_json_ku64(j, "pops", res->pops);
        h_json_ku64(j, "drained", res->drained);
        h_json_ku64(j, "full", res->full);
        h_json_ku64(j, "empty", res->empty);
        h_json_ku64(j, "len_after_drain", res->len_after_drain);
        h_json_ku64(j, "late_max", res->late_max);
    }
    h_json_key(j, "fairness");
    h_json_begin_object(j);
    h_json_kdouble(j, "min_over_mean", res->fairness);
    h_json_kstring(j, "slowest_thread", res->slowest);
    h_json_end(j);
}

static void json_threads(h_json *j, const result *res)
{
    h_json_key(j, "threads");
    h_json_begin_array(j);
    for (int i = 0; i < res->nthreads && res->threads; i++) {
        const thread_result *t = &res->threads[i];
        h_json_begin_object(j);
        h_json_kstring(j, "name", t->name);
        h_json_kstring(j, "role", role_name[t->role]);
        h_json_ki64(j, "cpu", t->cpu);
        h_json_ku64(j, "ops", t->ops);
        h_json_ku64(j, "pushes", t->pushes);
        h_json_ku64(j, "pops", t->pops);
        h_json_ku64(j, "full", t->full);
        h_json_ku64(j, "empty", t->empty);
        h_json_end(j);
    }
    h_json_end(j);
}

static void json_checks(h_json *j, const result *res)
{
    h_json_key(j, "checks");
    h_json_begin_array(j);
    for (int i = 0; i < res->nchecks; i++) {
        const check_result *c = &res->checks[i];
        h_json_begin_object(j);
        h_json_kstring(j, "name", c->name);
        h_json_kstring(j, "result", check_word(c->status));
        h_json_ku64(j, "violations", c->violations);
        h_json_kstring(j, "what", c->what);
        h_json_end(j);
    }
    h_json_end(j);
}

static void json_violations(h_json *j, const result *res)
{
    h_json_key(j, "violations");
    h_json_begin_object(j);
    h_json_ku64(j, "total", res->vtotal);
    h_json_key(j, "by_kind");
    h_json_begin_object(j);
    for (int k = 0; k < V_KINDS; k++)
        h_json_ku64(j, vkind_name[k], res->vcount[k]);
    h_json_end(j);
    h_json_key(j, "shown");
    h_json_begin_array(j);
    for (int k = 0; k < V_KINDS; k++)
        for (int i = 0; i < res->nvlist[k]; i++) {
            const vrecord *v = &res->vlist[k][i];
            h_json_begin_object(j);
            h_json_kstring(j, "kind", vkind_name[v->kind]);
            if (v->producer >= 0) {
                char who[24];
                snprintf(who, sizeof who, "%c%d", res->prod_prefix,
                         v->producer);
                h_json_kstring(j, "producer", who);
                h_json_ku64(j, "seq", v->seq);
            } else {
                h_json_kstring(j, "producer", NULL);
                h_json_key(j, "seq");
                h_json_null(j);
            }
            h_json_kstring(j, "detail", v->detail);
            h_json_end(j);
        }
    h_json_end(j);
    h_json_end(j);
}

static void json_structure(h_json *j, const stress_config *cfg,
                           const result *res)
{
    const reg_entry *e = res->e;
    h_json_begin_object(j);
    h_json_kstring(j, "name", e->name);
    h_json_kstring(j, "kind", kind_name[e->kind]);
    h_json_kbool(j, "lock_free", e->lock_free);
    json_config(j, cfg, res);
    json_figures(j, res);
    json_threads(j, res);
    json_checks(j, res);
    json_violations(j, res);
#ifdef CONC_STRESS_VERIFY
    h_json_key(j, "verify");
    h_json_begin_object(j);
    h_json_ku64(j, "yields", res->yields);
    h_json_ku64(j, "points", res->points);
    h_json_end(j);
#endif
    h_json_kbool(j, "stopped_early", res->early_stop);
    h_json_kbool(j, "interrupted", res->interrupted);
    h_json_kstring(j, "verdict", res->pass ? "pass" : "violation");
    h_json_end(j);
}

static void json_run(h_json *j, const stress_config *cfg, const char *verdict,
                     int code)
{
    h_json_kstring(j, "tool", "conc-stress");
    h_json_kstring(j, "binary", BINARY_NAME);
    h_json_kstring(j, "version", CONC_VERSION_STRING);
    h_json_kstring(j, "library_version", conc_version());
    h_json_key(j, "command");
    h_json_begin_array(j);
    for (int i = 0; i < cfg->argc; i++)
        h_json_string(j, cfg->argv[i]);
    h_json_end(j);
    h_json_ki64(j, "cpus_online", cfg->ncpus);
    h_json_ku64(j, "seed", cfg->seed);
    h_json_kbool(j, "pin", cfg->pin);
    h_json_ki64(j, "batch_max", cfg->batch_max);
    h_json_kdouble(j, "stall_s", cfg->stall_s);
    h_json_key(j, "yield_rate");
    if (cfg->yield_rate >= 0)
        h_json_double(j, cfg->yield_rate);
    else
        h_json_null(j);
    h_json_kbool(j, "expect_violation", cfg->expect_violation);
    h_json_kstring(j, "verdict", verdict);
    h_json_ki64(j, "exit_code", code);
}

void json_report(stress_config *cfg, const result *res, size_t nresults,
                 const char *verdict, int code, const char *stall_name,
                 const char *stall_report)
{
    FILE *f = cfg->json;
    if (!f)
        return;
    h_json j;
    h_json_init(&j, f, true);
    h_json_begin_object(&j);
    json_run(&j, cfg, verdict, code);
    h_json_key(&j, "structures");
    h_json_begin_array(&j);
    for (size_t i = 0; i < nresults; i++)
        json_structure(&j, cfg, &res[i]);
    h_json_end(&j);
    h_json_key(&j, "stall");
    if (stall_report) {
        h_json_begin_object(&j);
        h_json_kstring(&j, "structure", stall_name);
        h_json_kstring(&j, "report", stall_report);
        h_json_end(&j);
    } else {
        h_json_null(&j);
    }
    h_json_end(&j);
    if (h_json_finish(&j) != 0)
        fprintf(stderr, BINARY_NAME ": writing --json %s failed\n",
                cfg->json_path);
    fclose(f);
    cfg->json = NULL;
}
