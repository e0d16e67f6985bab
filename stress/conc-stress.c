/*
 * conc-stress - long, many-thread runs of every conc structure, with exact
 * checks.  docs/stress.md is the manual; stress.h lists the parts.
 *
 * This file: main.  Read the options, start the watchdog, run each
 * structure in turn and report it, then the summary, the exit status and
 * the JSON report.  Built twice: conc-stress against libconc, and
 * conc-stress-verify (-DCONC_STRESS_VERIFY) against libconc-verify, where
 * --yield-rate makes every atomic operation of the library a place where the
 * thread may give up its CPU.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"

#ifdef CONC_STRESS_VERIFY
#include "internal/verify.h"
#endif

static stress_config g_cfg;
static result g_results[STRESS_MAX_STRUCTURES];
static _Atomic size_t g_nresults;
static volatile sig_atomic_t g_interrupted;

/* The watchdog ends the process on a stall: the JSON report first. */
static void stall_json(run *r, const char *report)
{
    json_report(&g_cfg, g_results,
                atomic_load_explicit(&g_nresults, memory_order_acquire),
                "stall", EXIT_STALL, r->e->name, report);
}

static void on_sigint(int sig)
{
    (void)sig;
    g_interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second ^C ends the process at once */
}

static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int main(int argc, char **argv)
{
    stress_parse_args(&g_cfg, argc, argv);
#ifdef CONC_STRESS_VERIFY
    if (g_cfg.yield_rate >= 0)
        conc_verify_set_yield(g_cfg.yield_rate, g_cfg.seed);
#endif
    catch_sigint();
    report_start(&g_cfg);
    watchdog_set_json(stall_json);
    if (watchdog_start(&g_cfg) != 0) {
        fprintf(stderr, BINARY_NAME ": cannot start the watchdog thread\n");
        return EXIT_CANNOT_RUN;
    }

    double t0 = h_now_s();
    int failed = 0, ran = 0;
    for (size_t i = 0; i < g_cfg.nstructures && !g_interrupted; i++) {
        result *res = &g_results[i];
        if (run_one(&g_cfg, g_cfg.structures[i], res, &g_interrupted) !=
            EXIT_PASS)
            failed++;
        atomic_store_explicit(&g_nresults, i + 1, memory_order_release);
        report_result(&g_cfg, res);
        ran++;
    }
    report_summary(&g_cfg, g_results, ran, h_now_s() - t0, g_interrupted);
    int code = failed ? EXIT_VIOLATION : EXIT_PASS;
    const char *verdict = failed ? "violation" : "pass";
    if (g_cfg.expect_violation) {
        report_expectation(failed != 0);
        code = failed ? EXIT_PASS : EXIT_VIOLATION;
    }
    json_report(&g_cfg, g_results, (size_t)ran, verdict, code, NULL, NULL);
    for (int i = 0; i < ran; i++)
        free(g_results[i].threads);
    fflush(stdout);
    return code;
}
