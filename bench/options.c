/*
 * options.c - conc-bench's command line: getopt_long over the flags, the
 * value parsers of harness/opts.h, and the same checks and messages for
 * every flag.  Any invalid command line exits 2 after the usage.
 */
#include "driver.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "sys.h"

static const char *const usage_text =
    "usage: conc-bench [options]\n"
    "\n"
    "Pair throughput of conc's queues and stacks beside a plain sequence-\n"
    "number ring (vyukov_ring), Concurrency Kit (ck_ring, ck_fifo, ck_stack),\n"
    "liburcu (wfcqueue, lfstack), moodycamel::ConcurrentQueue and\n"
    "boost::lockfree (when built with C++) and the raw fetch-and-add\n"
    "ceiling; one thread's push + pop of every structure; conc's counters\n"
    "beside each other and the ceiling.\n"
    "\n"
    "  --total N          items per pair run (default 3000000)\n"
    "  --adds N           adds per counter run (default 30000000)\n"
    "  --runs R           runs per row, shown as median, min, max (default 5)\n"
    "  --configs LIST     pair configurations PxC (default 1x1,2x2,4x4)\n"
    "  --threads LIST     counter thread counts (default 1,2,4)\n"
    "  --capacity N       bounded queues and stacks hold N (default 1024)\n"
    "  --shards N         shards of sharded counters (default 2 x CPUs)\n"
    "  --only NAME[,...]  only these rows (conc_ring or ring, ck_ring, faa)\n"
    "  --stall S          abort a run in which nothing moves for S seconds\n"
    "                     (default 5); it counts at the rate it achieved\n"
    "  --timeout S        abort a run longer than S seconds (default 6)\n"
    "  --json FILE        also write every figure to FILE as JSON\n"
    "                     (tools/bench-goals.py checks the project's goals)\n"
    "  --quick            tiny totals and 3 runs, for a smoke test\n"
    "  --spin MODE        a push that finds the structure full, or a pop that\n"
    "                     finds it empty: 'yield' retries and calls\n"
    "                     sched_yield() every 64 failures (default); 'pause'\n"
    "                     retries after one pause instruction, never yielding;\n"
    "                     'both' runs the pair tables once in each mode\n"
    "  --pin              thread i of a run on CPU i mod the CPUs allowed\n"
    "                     (producers first, then consumers)\n"
    "  --no-solo          leave out the single-thread table (one thread pushes\n"
    "                     64 items, pops them, again: ns per pair)\n"
    "  --solo-only        only that table (tools/bench-callgrind.sh)\n"
    "  --batch N          also every conc queue through push_many / pop_many\n"
    "                     of up to N items at each config (default 32; 0: no)\n"
    "\n"
    "Waiting support (in the throughput mode): every structure that can wait\n"
    "is also measured made with flags 0 and with CONC_NOWAIT, alone (1T: one\n"
    "thread pushes and pops) and at each --configs, the two runs alternating.\n"
    "  --no-wait-cost     leave that table out\n"
    "\n"
    "Modes (combine freely; without --latency or --memory: throughput only):\n"
    "  --throughput       the pair, counter and waiting-cost tables\n"
    "  --latency          handoff latency through pop_wait: threads (conc_ring,\n"
    "                     conc_lfqueue, conc_mutexq) and processes (conc_shmring,\n"
    "                     a pipe), steady pace and bursts\n"
    "  --memory           resident memory of conc_lfqueue before and after\n"
    "                     pushing N items and draining them\n"
    "  --all              all three\n"
    "  --handoffs N       latency: items per row, split over --runs runs\n"
    "                     (default 50000)\n"
    "  --interval-us N    latency: steady pace, microseconds between items;\n"
    "                     bursts pause N x burst us (default 30)\n"
    "  --burst N          latency: items per burst (default 64)\n"
    "  --mem-items LIST   memory: item counts (default 1000000,10000000)\n"
    "  --list             list the row names and exit\n"
    "  --help             this text\n";

void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("conc-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    fputs(usage_text, stderr);
    exit(2);
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

/* A decimal number in [lo, hi], digits only. */
static uint64_t opt_num(const char *flag, const char *s, uint64_t lo,
                        uint64_t hi)
{
    uint64_t v;
    if (h_parse_u64(s, 0, lo, hi, &v))
        return v;
    if (!s || !*s)
        usage_error("%s needs a number", flag);
    if (strspn(s, "0123456789") != strlen(s))
        usage_error("%s: '%s' is not a decimal number", flag, s);
    usage_error("%s: %s is out of range [%llu, %llu]", flag, s,
                (unsigned long long)lo, (unsigned long long)hi);
}

/* h_parse_list refused the list: no word at all, or an empty one. */
static _Noreturn void bad_list(const char *flag, const char *s,
                               const char *example)
{
    if (!s || strspn(s, ",") == strlen(s))
        usage_error("%s: empty list", flag);
    if (strlen(s) >= 256)
        usage_error("%s needs a list such as %s", flag, example);
    usage_error("%s: an empty or overlong entry in '%s'", flag, s);
}

static bool add_config(const char *word, void *arg)
{
    options *o = arg;
    const char *x = strchr(word, 'x');
    if (!x)
        usage_error("--configs: '%s' is not PxC", word);
    if (o->nconfigs == MAX_CONFIGS)
        usage_error("--configs: at most %d configurations", MAX_CONFIGS);
    char p[128];
    snprintf(p, sizeof p, "%.*s", (int)(x - word), word);
    config *c = &o->configs[o->nconfigs++];
    c->p = (unsigned)opt_num("--configs (producers)", p, 1, MAX_THREADS);
    c->c = (unsigned)opt_num("--configs (consumers)", x + 1, 1, MAX_THREADS);
    for (unsigned k = 0; k + 1 < o->nconfigs; k++)
        if (o->configs[k].p == c->p && o->configs[k].c == c->c)
            usage_error("--configs: %ux%u given twice", c->p, c->c);
    return true;
}

static void parse_configs(options *o, const char *s)
{
    o->nconfigs = 0;
    if (!s || strlen(s) >= 256 || !h_parse_list(s, add_config, o))
        bad_list("--configs", s, "1x1,2x2,4x4");
}

static bool add_threads(const char *word, void *arg)
{
    options *o = arg;
    if (o->nthreads == MAX_CONFIGS)
        usage_error("--threads: at most %d counts", MAX_CONFIGS);
    unsigned t = (unsigned)opt_num("--threads", word, 1, MAX_THREADS);
    for (unsigned k = 0; k < o->nthreads; k++)
        if (o->threads[k] == t)
            usage_error("--threads: %u given twice", t);
    o->threads[o->nthreads++] = t;
    return true;
}

static void parse_threads(options *o, const char *s)
{
    o->nthreads = 0;
    if (!s || strlen(s) >= 256 || !h_parse_list(s, add_threads, o))
        bad_list("--threads", s, "1,2,4");
}

static bool add_only(const char *word, void *arg)
{
    options *o = arg;
    if (o->nonly == MAX_NAMES)
        usage_error("--only: at most %d names", MAX_NAMES);
    o->only[o->nonly] = strdup(word);
    if (!o->only[o->nonly]) {
        perror("conc-bench");
        exit(1);
    }
    o->nonly++;
    return true;
}

/* --only adds to the names of earlier --only flags. */
static void parse_only(options *o, const char *s)
{
    if (!s || !*s)
        usage_error("--only needs a name");
    if (!h_parse_list(s, add_only, o))
        bad_list("--only", s, "ring,ck_ring");
}

static bool add_mem_items(const char *word, void *arg)
{
    options *o = arg;
    if (o->nmem == MAX_MEM_ITEMS)
        usage_error("--mem-items: at most %d counts", MAX_MEM_ITEMS);
    o->mem_items[o->nmem++] = opt_num("--mem-items", word, 1, 1ull << 32);
    return true;
}

static void parse_mem_items(options *o, const char *s)
{
    o->nmem = 0;
    if (strlen(s) >= 256)
        usage_error("--mem-items: list too long");
    if (!h_parse_list(s, add_mem_items, o))
        bad_list("--mem-items", s, "1000000,10000000");
}

/* ------------------------------------------------------------------------ */
/* The flags                                                                 */

enum {
    OPT_HELP = 'h',
    OPT_QUICK = 256, OPT_LIST, OPT_THROUGHPUT, OPT_LATENCY, OPT_MEMORY,
    OPT_ALL, OPT_NO_WAIT_COST, OPT_TOTAL, OPT_ADDS, OPT_RUNS, OPT_CONFIGS,
    OPT_THREADS, OPT_CAPACITY, OPT_SHARDS, OPT_ONLY, OPT_STALL, OPT_TIMEOUT,
    OPT_JSON, OPT_HANDOFFS, OPT_INTERVAL_US, OPT_BURST, OPT_MEM_ITEMS,
    OPT_SPIN, OPT_PIN, OPT_NO_SOLO, OPT_SOLO_ONLY, OPT_BATCH
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"quick", no_argument, NULL, OPT_QUICK},
    {"list", no_argument, NULL, OPT_LIST},
    {"throughput", no_argument, NULL, OPT_THROUGHPUT},
    {"latency", no_argument, NULL, OPT_LATENCY},
    {"memory", no_argument, NULL, OPT_MEMORY},
    {"all", no_argument, NULL, OPT_ALL},
    {"no-wait-cost", no_argument, NULL, OPT_NO_WAIT_COST},
    {"total", required_argument, NULL, OPT_TOTAL},
    {"adds", required_argument, NULL, OPT_ADDS},
    {"runs", required_argument, NULL, OPT_RUNS},
    {"configs", required_argument, NULL, OPT_CONFIGS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"capacity", required_argument, NULL, OPT_CAPACITY},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"only", required_argument, NULL, OPT_ONLY},
    {"stall", required_argument, NULL, OPT_STALL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", required_argument, NULL, OPT_JSON},
    {"handoffs", required_argument, NULL, OPT_HANDOFFS},
    {"interval-us", required_argument, NULL, OPT_INTERVAL_US},
    {"burst", required_argument, NULL, OPT_BURST},
    {"mem-items", required_argument, NULL, OPT_MEM_ITEMS},
    {"spin", required_argument, NULL, OPT_SPIN},
    {"pin", no_argument, NULL, OPT_PIN},
    {"no-solo", no_argument, NULL, OPT_NO_SOLO},
    {"solo-only", no_argument, NULL, OPT_SOLO_ONLY},
    {"batch", required_argument, NULL, OPT_BATCH},
    {NULL, 0, NULL, 0},
};

/* Which defaults --quick may shrink: those not given on the command line. */
typedef struct given {
    bool total, adds, runs, handoffs, mem;
} given;

static void set_defaults(options *o)
{
    memset(o, 0, sizeof *o);
    o->total = 3000000;
    o->adds = 30000000;
    o->capacity = 1024;
    o->shards = (size_t)h_online_cpus() * 2;
    o->runs = 5;
    o->lim.stall_s = 5;
    /* Runs take 0.03 to 1.5 s on 2 idle CPUs; a blocking peer that convoys
     * (ck_ring with more threads than CPUs) would otherwise take minutes. */
    o->lim.timeout_s = 6;
    parse_configs(o, "1x1,2x2,4x4");
    parse_threads(o, "1,2,4");
    o->lat.handoffs = 50000;
    o->lat.interval_us = 30;
    o->lat.burst = 64;
    o->mem_items[0] = 1000000;
    o->mem_items[1] = 10000000;
    o->nmem = 2;
    o->spins[0] = SPIN_YIELD;
    o->nspins = 1;
    o->solo = true;
    o->batch = 32;
}

static void parse_spin(options *o, const char *v)
{
    if (!strcmp(v, "yield")) {
        o->spins[0] = SPIN_YIELD;
        o->nspins = 1;
    } else if (!strcmp(v, "pause")) {
        o->spins[0] = SPIN_PAUSE;
        o->nspins = 1;
    } else if (!strcmp(v, "both")) {
        o->spins[0] = SPIN_PAUSE;
        o->spins[1] = SPIN_YIELD;
        o->nspins = 2;
    } else {
        usage_error("--spin: '%s' is not pause, yield or both", v);
    }
}

/* One flag with its value (NULL for those without). */
static void apply_flag(options *o, given *g, int id, const char *flag,
                       const char *v)
{
    switch (id) {
    case OPT_HELP: fputs(usage_text, stdout); exit(0);
    case OPT_QUICK: o->quick = true; break;
    case OPT_LIST: o->list = true; break;
    case OPT_THROUGHPUT: o->mode_tp = true; break;
    case OPT_LATENCY: o->mode_lat = true; break;
    case OPT_MEMORY: o->mode_mem = true; break;
    case OPT_ALL: o->mode_tp = o->mode_lat = o->mode_mem = true; break;
    case OPT_NO_WAIT_COST: o->no_wait_cost = true; break;
    case OPT_TOTAL:
        o->total = opt_num(flag, v, 1, 1ull << 36);
        g->total = true;
        break;
    case OPT_ADDS:
        o->adds = opt_num(flag, v, 1, 1ull << 40);
        g->adds = true;
        break;
    case OPT_RUNS:
        o->runs = (unsigned)opt_num(flag, v, 1, 1000);
        g->runs = true;
        break;
    case OPT_CONFIGS: parse_configs(o, v); break;
    case OPT_THREADS: parse_threads(o, v); break;
    case OPT_CAPACITY: o->capacity = opt_num(flag, v, 1, 1ull << 30); break;
    case OPT_SHARDS: o->shards = opt_num(flag, v, 1, 1ull << 16); break;
    case OPT_ONLY: parse_only(o, v); break;
    case OPT_STALL: o->lim.stall_s = (double)opt_num(flag, v, 1, 86400); break;
    case OPT_TIMEOUT:
        o->lim.timeout_s = (double)opt_num(flag, v, 1, 86400);
        break;
    case OPT_JSON:
        if (!*v)
            usage_error("--json needs a file name");
        o->json = v;
        break;
    case OPT_HANDOFFS:
        o->lat.handoffs = opt_num(flag, v, 1, 100000000);
        g->handoffs = true;
        break;
    case OPT_INTERVAL_US:
        o->lat.interval_us = (unsigned)opt_num(flag, v, 0, 1000000);
        break;
    case OPT_BURST: o->lat.burst = (unsigned)opt_num(flag, v, 1, 1000); break;
    case OPT_MEM_ITEMS:
        parse_mem_items(o, v);
        g->mem = true;
        break;
    case OPT_SPIN: parse_spin(o, v); break;
    case OPT_PIN: o->pin = true; break;
    case OPT_NO_SOLO: o->solo = false; break;
    case OPT_SOLO_ONLY: o->solo_only = true; break;
    case OPT_BATCH: o->batch = opt_num(flag, v, 0, BENCH_MAX_BATCH); break;
    }
}

/* --quick shrinks what was not given; throughput is the default mode. */
static void finish_options(options *o, const given *g)
{
    if (o->quick) {
        if (!g->total)
            o->total = 20000;
        if (!g->adds)
            o->adds = 200000;
        if (!g->runs)
            o->runs = 3;
        if (!g->handoffs)
            o->lat.handoffs = 3000;
        if (!g->mem) {
            o->mem_items[0] = 100000;
            o->nmem = 1;
        }
    }
    if (!o->mode_lat && !o->mode_mem)
        o->mode_tp = true;
    if (o->solo_only && !o->solo)
        usage_error("--solo-only and --no-solo leave nothing to run");
    if (o->lat.handoffs < o->runs)
        usage_error("--handoffs must be at least --runs");
}

void parse_options(options *o, int argc, char **argv)
{
    set_defaults(o);
    given g = {0};
    opterr = 0; /* the messages are ours */
    optind = 1;
    for (;;) {
        int before = optind, idx = -1;
        int id = getopt_long(argc, argv, "+:h", long_options, &idx);
        if (id == -1) {
            if (optind > before) /* getopt_long took a "--" */
                usage_error("unknown option '%s'", argv[before]);
            break;
        }
        if (id == ':')
            usage_error("%s needs a value", argv[optind - 1]);
        if (id == '?')
            usage_error("unknown option '%s'", argv[optind - 1]);
        char flag[32] = "-h";
        if (idx >= 0) {
            /* an abbreviation ("--tot") is refused, naming what was typed */
            const char *typed = h_opt_typed(argv, optind, optarg);
            if (!h_opt_in_full(typed, long_options[idx].name))
                usage_error("unknown option '%s'", typed);
            snprintf(flag, sizeof flag, "--%s", long_options[idx].name);
        }
        apply_flag(o, &g, id, flag, optarg);
    }
    if (optind < argc)
        usage_error("unknown option '%s'", argv[optind]);
    finish_options(o, &g);
}

void options_free(options *o)
{
    for (unsigned i = 0; i < o->nonly; i++)
        free(o->only[i]);
    o->nonly = 0;
}
