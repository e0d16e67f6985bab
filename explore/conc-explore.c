/*
 * conc-explore - run the schedule explorer over conc's scenarios.
 *
 *   conc-explore [options] [NAME|PREFIX/ ...]   (default: every scenario
 *                                                of the chosen tier)
 *   --list               the scenarios, one per line
 *   --dfs                exhaustive search within the bound (default)
 *   --pct N              N PCT runs per scenario instead
 *   --both N             DFS, then N PCT runs
 *   --rr Q               the livelock search instead (explore/livelock.c):
 *                        every round-robin schedule with quantum 1..Q,
 *                        every cyclic thread order and phase; with --dfs,
 *                        --pct or --both: after them
 *   --rr-mixed Q         --rr Q, then also every vector of per-thread quanta
 *                        in 1..Q (each thread its own), each order, phase 0
 *   --rr-anchor          the anchored turns instead (livelock.c, LV_ANCHOR):
 *                        each thread's turn runs to its next step with its
 *                        anchor (its j-th distinct write: word and kind,
 *                        j = 1..3), then r = 0..1 steps that do not write:
 *                        one (j, r) for every thread (with --rr-mixed Q:
 *                        then every per-thread vector), every cyclic order,
 *                        first thread and set of threads parked at their
 *                        first RMW (with --rr-random N: N drawn at random)
 *   --rr-random N        N random schedules of those kinds instead, each
 *                        after a random prefix (--seed; with --rr Q: quanta
 *                        up to Q, default 8)
 *   --max-steps N        an execution longer than N steps is a LIVELOCK
 *                        (default 20000)
 *   --max-quiet N        N steps in a row with no operation completed is a
 *                        LIVELOCK (default 5000; 0: no such check)
 *   --bound K            preemption bound (default 2; -1: none); a scenario
 *                        may raise it for itself (sc_def.bound).  Searched
 *                        iteratively: bound 0, 1, ..., K, each capped
 *   --no-sleep           no sleep sets
 *   --max-execs-rest N   a lower DFS cap for the scenarios that find no
 *                        museum bug (not named by verify/museum/explore.sh;
 *                        --list marks those it names "museum")
 *   --pct-rest N         fewer PCT runs (N) for those scenarios
 *   --max-execs N        DFS cap per scenario and bound, in executions run
 *                        (checked, or cut as redundant by the sleep sets)
 *                        (default 2000; 0: none; a scenario may raise it)
 *   --seconds S          time cap per scenario and mode (default 0: none):
 *                        the DFS's bounds 0..K together, not each bound
 *   --depth D            PCT depth (default 4)
 *   --seed S             PCT seed (default 1)
 *   --prefix P           the DFS searches only below the schedule prefix
 *                        P (explorer.h, ex_config.prefix): runs 'a'+t,
 *                        each with a step count, '@file:line' (up to that
 *                        site) or nothing (as long as it can move), e.g.
 *                        a@lfqueue.c:337b; a custom scenario may carry
 *                        its own (sc_custom[].prefix), which P replaces
 *   --spurious           futex waits may wake spuriously
 *   --weak               the weak-memory mode (explore/weak.c): atomics
 *                        on an RC11 model, reads-from and modification
 *                        order choices searched as well as schedules
 *   --weak-flaw F        the weak model made wrong on purpose, to see what
 *                        a wrong model reports: sc-only (every load the
 *                        last store) or sc-acqrel (seq_cst as acq_rel)
 *   --tier T             0: the make-test set (default); 1: everything
 *   --skip PREFIX/       leave out these scenarios (repeatable)
 *   --expect-fail        succeed only if every scenario run fails (the
 *                        broken queue, the museum's bugs)
 *   --no-shrink, --quiet
 *   --verbose            --rr: a line per schedule (its steps, and the most
 *                        in a row with no operation completed)
 * CONC_SCHEDULE='<scenario>@<schedule>' in the environment replays one
 * schedule (twice, comparing the traces) instead.
 *
 * Prints a table (scenario, mode, executions, exhausted or truncated (for a
 * DFS truncated at its bound, "trunc/bK": every bound up to K exhausted),
 * redundant executions cut by sleep sets, steps, seconds, verdict, and for
 * a failure the executions and seconds to it).  Exit 0 if every scenario
 * passed (with --expect-fail: if every one failed), 1 otherwise, 2 on a
 * usage error.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer.h"
#include "scenarios.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: conc-explore [--list] [--dfs|--pct N|--both N] [--bound K]\n"
            "         [--no-sleep] [--max-execs N] [--max-execs-rest N] [--pct-rest N]\n"
            "         [--seconds S] [--depth D] [--prefix P]\n"
            "         [--seed S] [--spurious] [--weak] [--tier T] [--expect-fail]\n"
            "         [--no-shrink] [--quiet] [--skip PREFIX/] [--rr Q|--rr-mixed Q]\n"
            "         [--rr-anchor]\n"
            "         [--max-steps N] [--max-quiet N] [NAME|PREFIX/ ...]\n"
            "       CONC_SCHEDULE='<scenario>@<schedule>' conc-explore\n");
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static const char *skips[16];
static const char *prefix; /* --prefix */
static int nskips;

static bool selected(const sc_def *d, int tier, int argc, char **argv, int first)
{
    for (int i = 0; i < nskips; i++)
        if (strncmp(d->name, skips[i], strlen(skips[i])) == 0)
            return false;
    if (first >= argc)
        return sc_tier(d) <= tier;
    for (int i = first; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (strcmp(argv[i], d->name) == 0)
            return true;
        if (l && argv[i][l - 1] == '/' && strncmp(argv[i], d->name, l) == 0 &&
            sc_tier(d) <= tier)
            return true;
    }
    return false;
}

static const char *verdict(ex_verdict v)
{
    switch (v) {
    case EX_PASS: return "pass";
    case EX_FAIL: return "FAIL";
    case EX_NONDETERMINISM: return "NONDETERMINISM";
    case EX_LIVELOCK: return "LIVELOCK";
    default: return "ERROR";
    }
}

/* exh: the highest bound whose whole space was searched (-1: none; for a
 * truncated DFS it says how far the iterative search got). */
static void row(const char *name, const char *mode, const ex_result *r, int exh)
{
    char space[24];
    if (r->exhausted)
        snprintf(space, sizeof space, "exhausted");
    else if (exh >= 0)
        snprintf(space, sizeof space, "trunc/b%d", exh);
    else
        snprintf(space, sizeof space, "truncated");
    printf("%-28s %-6s %8llu %-9s %8llu %10llu %7.2f  %s", name, mode,
           (unsigned long long)r->executions, space,
           (unsigned long long)r->redundant, (unsigned long long)r->steps,
           r->seconds, verdict(r->verdict));
    if (r->first_failure_exec)
        printf(" (execution %llu, %.2f s)",
               (unsigned long long)r->first_failure_exec, r->first_failure_seconds);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    ex_config c = ex_config_default();
    c.max_execs = 2000;
    c.pct_depth = 4;
    long pct_runs = 0, rr = 0, rest_cap = 0, rest_pct = 0;
    bool dfs_asked = false;
    bool dfs = true, list = false, expect_fail = false, quiet = false;
    long tier = 0;
    enum { O_LIST = 256, O_DFS, O_PCT, O_BOTH, O_BOUND, O_NOSLEEP, O_MAXEX,
           O_SECS, O_MAXREST, O_PCTREST, O_DEPTH, O_SEED, O_SPUR, O_TIER, O_EXPECT, O_NOSHRINK,
           O_QUIET, O_HELP, O_SKIP, O_VERBOSE, O_RRRAND, O_RR, O_RRMIX, O_RRANCHOR, O_MAXSTEPS, O_MAXQUIET, O_PREFIX,
           O_WEAK, O_WFLAW };
    static const struct option opts[] = {
        {"list", no_argument, 0, O_LIST},
        {"dfs", no_argument, 0, O_DFS},
        {"pct", required_argument, 0, O_PCT},
        {"both", required_argument, 0, O_BOTH},
        {"bound", required_argument, 0, O_BOUND},
        {"no-sleep", no_argument, 0, O_NOSLEEP},
        {"max-execs", required_argument, 0, O_MAXEX},
        {"max-execs-rest", required_argument, 0, O_MAXREST},
        {"pct-rest", required_argument, 0, O_PCTREST},
        {"seconds", required_argument, 0, O_SECS},
        {"depth", required_argument, 0, O_DEPTH},
        {"seed", required_argument, 0, O_SEED},
        {"spurious", no_argument, 0, O_SPUR},
        {"weak", no_argument, 0, O_WEAK},
        {"weak-flaw", required_argument, 0, O_WFLAW},
        {"tier", required_argument, 0, O_TIER},
        {"expect-fail", no_argument, 0, O_EXPECT},
        {"no-shrink", no_argument, 0, O_NOSHRINK},
        {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, O_HELP},
        {"skip", required_argument, 0, O_SKIP},
        {"rr", required_argument, 0, O_RR},
        {"rr-random", required_argument, 0, O_RRRAND},
        {"verbose", no_argument, 0, O_VERBOSE},
        {"rr-mixed", required_argument, 0, O_RRMIX},
        {"rr-anchor", no_argument, 0, O_RRANCHOR},
        {"max-steps", required_argument, 0, O_MAXSTEPS},
        {"max-quiet", required_argument, 0, O_MAXQUIET},
        {"prefix", required_argument, 0, O_PREFIX},
        {0, 0, 0, 0}};
    int o;
    long v;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_LIST: list = true; break;
        case O_DFS: dfs = true; dfs_asked = true; pct_runs = 0; break;
        case O_PCT:
        case O_BOTH:
            if (!parse_long(optarg, 1, 100000000, &pct_runs)) {
                fprintf(stderr, "conc-explore: bad run count '%s'\n", optarg);
                return 2;
            }
            dfs = o == O_BOTH;
            dfs_asked = dfs_asked || dfs;
            break;
        case O_RRRAND:
            if (!parse_long(optarg, 1, 1000000000L, &v)) {
                fprintf(stderr, "conc-explore: bad count '%s'\n", optarg);
                return 2;
            }
            c.rr_random = (uint64_t)v;
            if (!rr)
                rr = c.rr_quantum;
            break;
        case O_RRANCHOR:
            c.rr_anchor = true;
            if (!rr)
                rr = c.rr_quantum;
            break;
        case O_RR:
        case O_RRMIX:
            c.rr_mixed = o == O_RRMIX;
            if (!parse_long(optarg, 1, 1000, &rr)) {
                fprintf(stderr, "conc-explore: bad quantum '%s' (1-1000)\n", optarg);
                return 2;
            }
            c.rr_quantum = (int)rr;
            break;
        case O_MAXSTEPS:
        case O_MAXQUIET:
            if (!parse_long(optarg, o == O_MAXSTEPS ? 1 : 0, 1000000000L, &v)) {
                fprintf(stderr, "conc-explore: bad step count '%s'\n", optarg);
                return 2;
            }
            if (o == O_MAXSTEPS)
                c.max_steps = (uint64_t)v;
            else
                c.max_quiet = (uint64_t)v;
            break;
        case O_BOUND:
            if (!parse_long(optarg, -1, 1000, &v)) {
                fprintf(stderr, "conc-explore: bad bound '%s'\n", optarg);
                return 2;
            }
            c.bound = (int)v;
            break;
        case O_NOSLEEP: c.sleep_sets = false; break;
        case O_MAXREST:
        case O_PCTREST:
            if (!parse_long(optarg, 1, 1000000000L,
                            o == O_MAXREST ? &rest_cap : &rest_pct)) {
                fprintf(stderr, "conc-explore: bad count '%s'\n", optarg);
                return 2;
            }
            break;
        case O_MAXEX:
            if (!parse_long(optarg, 0, 1000000000000L, &v)) {
                fprintf(stderr, "conc-explore: bad count '%s'\n", optarg);
                return 2;
            }
            c.max_execs = (uint64_t)v;
            break;
        case O_SECS: {
            char *end;
            double s = strtod(optarg, &end);
            if (!*optarg || *end || !(s >= 0)) {
                fprintf(stderr, "conc-explore: bad seconds '%s'\n", optarg);
                return 2;
            }
            c.max_seconds = s;
            break;
        }
        case O_DEPTH:
            if (!parse_long(optarg, 1, 16, &v)) {
                fprintf(stderr, "conc-explore: bad depth '%s' (1-16)\n", optarg);
                return 2;
            }
            c.pct_depth = (int)v;
            break;
        case O_SEED:
            if (!parse_long(optarg, 0, 0x7fffffffffffffffL, &v)) {
                fprintf(stderr, "conc-explore: bad seed '%s'\n", optarg);
                return 2;
            }
            c.seed = (uint64_t)v;
            break;
        case O_SPUR: c.spurious = true; break;
        case O_WEAK: c.weak = true; break;
        case O_WFLAW:
            if (strcmp(optarg, "sc-only") == 0)
                c.weak_flaw = 1; /* weak.h: WK_FLAW_SC_ONLY */
            else if (strcmp(optarg, "sc-acqrel") == 0)
                c.weak_flaw = 2; /* WK_FLAW_SC_ACQREL */
            else {
                fprintf(stderr, "conc-explore: bad flaw '%s' (sc-only, sc-acqrel)\n", optarg);
                return 2;
            }
            c.weak = true;
            break;
        case O_TIER:
            if (!parse_long(optarg, 0, 1, &tier)) {
                fprintf(stderr, "conc-explore: bad tier '%s' (0 or 1)\n", optarg);
                return 2;
            }
            break;
        case O_EXPECT: expect_fail = true; break;
        case O_NOSHRINK: c.shrink = false; break;
        case O_QUIET: quiet = true; break;
        case O_VERBOSE: c.verbose++; break;
        case O_PREFIX: prefix = optarg; break;
        case O_HELP: usage(stdout); return 0;
        case O_SKIP:
            if (nskips == 16) {
                fprintf(stderr, "conc-explore: at most 16 --skip\n");
                return 2;
            }
            skips[nskips++] = optarg;
            break;
        default: usage(stderr); return 2;
        }
    }
    for (int i = optind; i < argc; i++) {
        bool any = false;
        for (size_t k = 0; k < sc_ndefs; k++)
            any = any || selected(&sc_defs[k], 1, argc, argv, i) ||
                  strcmp(sc_defs[k].name, argv[i]) == 0;
        for (size_t k = 0; k < sc_ncustom; k++) {
            sc_def pseudo = {.name = sc_custom[k].s->name, .tier = 0};
            any = any || selected(&pseudo, 1, argc, argv, i);
        }
        if (!any) {
            fprintf(stderr, "conc-explore: no scenario '%s' (--list)\n", argv[i]);
            return 2;
        }
    }
    if (list) {
        for (size_t k = 0; k < sc_ndefs; k++)
            printf("%-28s tier %d, %d threads%s\n", sc_defs[k].name, sc_tier(&sc_defs[k]),
                   sc_defs[k].nthreads, sc_museum(sc_defs[k].name) ? ", museum" : "");
        for (size_t k = 0; k < sc_ncustom; k++)
            printf("%-28s tier 0, %d threads%s (custom: %s)\n", sc_custom[k].s->name,
                   sc_custom[k].s->nthreads, sc_museum(sc_custom[k].s->name) ? ", museum" : "",
                   sc_custom[k].s->what);
        return 0;
    }
    /* --rr alone: the livelock search only */
    if (rr && !dfs_asked && !pct_runs)
        dfs = false;
    FILE *devnull = quiet ? fopen("/dev/null", "w") : NULL;
    c.out = devnull ? devnull : stdout;

    const char *env = getenv("CONC_SCHEDULE");
    if (env && *env) {
        const char *at = strchr(env, '@');
        if (!at) {
            fprintf(stderr, "conc-explore: CONC_SCHEDULE must be <scenario>@<schedule>\n");
            return 2;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(at - env), env);
        const sc_def *d = sc_find(name);
        const ex_scenario *s = d ? sc_scenario(d) : NULL;
        for (size_t k = 0; !s && k < sc_ncustom; k++)
            if (strcmp(sc_custom[k].s->name, name) == 0)
                s = sc_custom[k].s;
        if (!s) {
            fprintf(stderr, "conc-explore: no scenario '%s'\n", name);
            return 2;
        }
        c.mode = EX_REPLAY;
        c.schedule = at + 1;
        ex_result r = ex_explore(s, &c);
        row(s->name, "replay", &r, -1);
        return r.verdict == EX_PASS ? 0 : 1;
    }

    printf("%-28s %-6s %8s %-9s %8s %10s %7s  %s\n", "scenario", "mode", "execs",
           "space", "cut", "steps", "seconds", "verdict");
    int ran = 0, failed = 0, errors = 0;
    uint64_t total_execs = 0, longest = 0, quietest = 0;
    double total_s = 0;
    for (size_t k = 0; k < sc_ndefs + sc_ncustom; k++) {
        const sc_def *d = k < sc_ndefs ? &sc_defs[k] : NULL;
        const ex_scenario *s;
        int sbound = 0, sexecs = 0;
        const char *sprefix = prefix;
        if (d) {
            if (!selected(d, (int)tier, argc, argv, optind))
                continue;
            s = sc_scenario(d);
            sbound = d->bound;
            sexecs = d->execs;
        } else {
            const sc_custom_run *cr = &sc_custom[k - sc_ndefs];
            s = cr->s;
            sbound = cr->bound;
            sexecs = cr->execs;
            if (!sprefix)
                sprefix = cr->prefix;
            sc_def pseudo = {.name = s->name, .tier = 0};
            if (!selected(&pseudo, (int)tier, argc, argv, optind))
                continue;
        }
        bool this_failed = false;
        if (dfs) {
            ex_config cd = c;
            cd.mode = EX_DFS;
            cd.prefix = sprefix; /* the search below it only */
            /* A scenario may ask for more (a race that needs 3 preemptions). */
            int top = cd.bound;
            if (top >= 0 && sbound > top)
                top = sbound;
            /* A scenario that finds no museum bug may run a lower cap
             * (--max-execs-rest: make test's time); the museum's keep
             * the cap that finds their bugs. */
            if (rest_cap && !sc_museum(s->name) &&
                (!cd.max_execs || (uint64_t)rest_cap < cd.max_execs))
                cd.max_execs = (uint64_t)rest_cap;
            /* ... and a scenario may ask for a higher one (a table row's
             * execs, a custom scenario's sc_custom[].execs): a lower
             * --max-execs (the mutation runner's) does not cut it. */
            if (cd.max_execs && (uint64_t)sexecs > cd.max_execs)
                cd.max_execs = (uint64_t)sexecs;
            /* Iterative context bounding (Musuvathi & Qadeer, PLDI 2007):
             * bound 0, 1, ... up to the bound, each its own search with the
             * cap, so that a bug needing few preemptions is met before the
             * cap of a deeper search runs out.  The row shows the sum and
             * the last search's space.  --seconds caps the whole ladder,
             * not each rung: each bound gets what the lower ones left, and
             * the ladder stops when nothing is left (the row then says how
             * far it got, "trunc/bK"). */
            ex_result r = {0};
            int exh = -1;
            for (int b = top < 0 ? top : 0; ; b++) {
                cd.bound = b;
                if (c.max_seconds > 0) {
                    cd.max_seconds = c.max_seconds - r.seconds;
                    if (cd.max_seconds <= 0) {
                        r.exhausted = false; /* bounds left unsearched */
                        break;
                    }
                }
                ex_result rb = ex_explore(s, &cd);
                if (rb.exhausted && rb.verdict == EX_PASS)
                    exh = b;
                if (rb.first_failure_exec && !r.first_failure_exec) {
                    rb.first_failure_exec += r.executions;
                    rb.first_failure_seconds += r.seconds;
                }
                rb.executions += r.executions;
                rb.redundant += r.redundant;
                if (r.max_steps > rb.max_steps)
                    rb.max_steps = r.max_steps;
                if (r.max_quiet > rb.max_quiet)
                    rb.max_quiet = r.max_quiet;
                rb.steps += r.steps;
                rb.seconds += r.seconds;
                r = rb;
                if (r.verdict != EX_PASS || b < 0 || b >= top)
                    break;
            }
            row(s->name, sprefix && *sprefix ? "dfs+pfx" : "dfs", &r, exh);
            total_execs += r.executions;
            longest = r.max_steps > longest ? r.max_steps : longest;
            quietest = r.max_quiet > quietest ? r.max_quiet : quietest;
            total_s += r.seconds;
            this_failed = this_failed || r.verdict != EX_PASS;
            errors += r.verdict == EX_ERROR;
        }
        /* PCT at depth 4 by default: a bug that needs 3 preemptions is a
         * depth-4 bug, and shallower ones are found at depth 4 too. */
        for (int k = 0; pct_runs && k < 1 && !(this_failed && expect_fail); k++) {
            ex_config cp = c;
            cp.mode = EX_PCT;
            cp.max_execs = (uint64_t)pct_runs;
            if (rest_pct && rest_pct < pct_runs && !sc_museum(s->name))
                cp.max_execs = (uint64_t)rest_pct; /* as --max-execs-rest */
            cp.pct_depth = c.pct_depth;
            ex_result r = ex_explore(s, &cp);
            r.exhausted = false;
            char mode[16];
            snprintf(mode, sizeof mode, "pct%d", cp.pct_depth);
            row(s->name, mode, &r, -1);
            total_execs += r.executions;
            longest = r.max_steps > longest ? r.max_steps : longest;
            quietest = r.max_quiet > quietest ? r.max_quiet : quietest;
            total_s += r.seconds;
            this_failed = this_failed || r.verdict != EX_PASS;
            errors += r.verdict == EX_ERROR;
        }
        /* The livelock search (explore/livelock.c): every round-robin
         * schedule up to quantum rr, no cap but the time. */
        if (rr && !(this_failed && expect_fail)) {
            ex_config cr = c;
            cr.mode = EX_RR;
            cr.max_execs = 0;
            ex_result r = ex_explore(s, &cr);
            char mode[16];
            snprintf(mode, sizeof mode, "%s%ld",
                     c.rr_random ? "rrx" : c.rr_mixed ? "rrm" : "rr", rr);
            if (c.rr_anchor)
                snprintf(mode, sizeof mode, "%s",
                         c.rr_random ? "rrax" : c.rr_mixed ? "rram" : "rra");
            row(s->name, mode, &r, -1);
            total_execs += r.executions;
            longest = r.max_steps > longest ? r.max_steps : longest;
            quietest = r.max_quiet > quietest ? r.max_quiet : quietest;
            total_s += r.seconds;
            this_failed = this_failed || r.verdict != EX_PASS;
            errors += r.verdict == EX_ERROR;
        }
        ran++;
        failed += this_failed;
    }
    printf("%d scenarios, %d failed; %llu executions in %.1f s\n", ran, failed,
           (unsigned long long)total_execs, total_s);
    /* what the livelock bounds (--max-steps, --max-quiet) are set against */
    printf("longest execution %llu steps; most steps with no operation "
           "completed %llu\n", (unsigned long long)longest,
           (unsigned long long)quietest);
    if (c.weak) {
        ex_weak_stats w = ex_weak_stats_get();
        printf("weak: %llu loads offered an older store, %llu stores an "
               "earlier place in mo; %llu options checked for SC "
               "consistency, %llu rejected\n",
               (unsigned long long)w.rf_choices, (unsigned long long)w.mo_choices,
               (unsigned long long)w.psc_checks, (unsigned long long)w.psc_rejects);
    }
    if (devnull)
        fclose(devnull);
    if (ran == 0 || errors)
        return 1;
    if (expect_fail)
        return failed == ran ? 0 : 1;
    return failed ? 1 : 0;
}
