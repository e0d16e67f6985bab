/*
 * options.c - conc-stress's command line (getopt_long), in named steps:
 * read each flag into the config (read_flag), fill in the defaults and
 * check the flags against each other and the structures
 * (check_combinations), and open the JSON file last, so that a usage error
 * never leaves a truncated file behind.  Every error exits 2 with a
 * message and the synopsis.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broken.h"
#include "opts.h"
#include "stress.h"

#define SYNOPSIS                                                               \
    "usage: " BINARY_NAME " [--structure NAME[,NAME...]|all]\n"               \
    "           [--producers P --consumers C | --threads N] [--mixed]\n"      \
    "           [--duration 30s | --ops N] [--capacity N] [--seed S] [--pin]\n" \
    "           [--yield-rate R] [--json FILE] [--quiet] [--stall 10s]\n"     \
    "           [--batch N] [--wait] [--lincheck] [--expect-violation]\n"        \
    "           [--list] [--help]\n"

static void usage_text(FILE *f)
{
    fprintf(f, SYNOPSIS
"\n"
"  --structure   a registry name, a comma list, or all (default; the\n"
"                deliberately broken queue is reached only as 'broken')\n"
"  --threads N   threads per structure (default 2 x online CPUs): queues\n"
"                get N/2 producers and N/2 consumers, stacks N threads that\n"
"                both push and pop (with --wait: N/2 pushers and N/2\n"
"                poppers), counters N adders; at most %d\n"
"  --producers P --consumers C   dedicated roles (counters: P+C adders)\n"
"  --mixed       stacks: threads that both push and pop also with --wait\n"
"  --duration D  per structure: 500ms, 30s, 5m, 2h (default 10s)\n"
"  --ops N       per structure: total operations (pushes + pops, or adds)\n"
"                instead of a duration; k, M, G suffixes allowed\n"
"  --capacity N  container capacity (default %d; 1-3 for edge stress);\n"
"                for the sharded counter, its shard count\n"
"  --seed S      seeds the operation mix (and the yield injector)\n"
"  --pin         pin threads to the allowed CPUs, round-robin\n"
"  --yield-rate R  probability (0..1) of a yield at each atomic operation\n"
"                of the library; conc-stress-verify only\n"
"  --json FILE   write the whole result as JSON\n"
"  --quiet       no progress line, no per-structure header\n"
"  --stall D     report a stall (exit 3) after D without progress (10s)\n"
"  --batch N     largest push_many/pop_many batch (default %d; 1: none)\n"
"  --wait        producers push_wait, consumers pop_wait (100 ms timeouts,\n"
"                looping on CONC_TIMEDOUT), one item at a time; the run\n"
"                ends with close() and consumers drain until CONC_CLOSED\n"
"  --lincheck    instead of one long run, many small windows: a fresh\n"
"                structure (capacity --capacity, or 1-4 per window;\n"
"                containers joinable every other window), a few items in,\n"
"                then --threads threads (default %d, at most %d) doing %d\n"
"                calls in all (every verb, waits with 20 us timeouts),\n"
"                each call stamped; every window's history must be\n"
"                linearizable (harness/lincheck.h), and a violation is\n"
"                printed on a time axis\n"
"  --expect-violation  exit 0 if a violation was found, 1 if not (tests)\n"
"  --list        list the structures and exit\n"
"\n"
"exit status: 0 pass, 1 violation, 2 usage, 3 stall, 4 could not run\n",
            STRESS_MAX_THREADS, DEFAULT_CAPACITY, DEFAULT_BATCH,
            LZW_DEFAULT_THREADS, LZW_MAX_THREADS, LZW_CALLS);
}

static STRESS_NORETURN void usage_error(const char *fmt, ...)
    STRESS_PRINTF(1, 2);
static STRESS_NORETURN void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, BINARY_NAME ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n" SYNOPSIS "Run '" BINARY_NAME " --help' for more.\n");
    exit(EXIT_USAGE);
}

/* ---- structures ---- */

static void add_structure(stress_config *cfg, const reg_entry *e)
{
    if (cfg->nstructures >= STRESS_MAX_STRUCTURES)
        usage_error("too many structures");
    cfg->structures[cfg->nstructures++] = e;
}

static bool add_named(const char *tok, void *arg)
{
    stress_config *cfg = arg;
    if (!strcmp(tok, "all")) {
        for (size_t i = 0; i < conc_registry_count; i++)
            add_structure(cfg, &conc_registry[i]);
        return true;
    }
    if (!strcmp(tok, conc_registry_broken.name)) {
        add_structure(cfg, &conc_registry_broken);
        return true;
    }
    const reg_entry *e = conc_registry_find(tok);
    if (!e) {
        char names[512] = "";
        for (size_t i = 0; i < conc_registry_count; i++) {
            strncat(names, conc_registry[i].name,
                    sizeof names - strlen(names) - 1);
            strncat(names, ", ", sizeof names - strlen(names) - 1);
        }
        usage_error("unknown structure '%s' (known: %sbroken, all)", tok,
                    names);
    }
    add_structure(cfg, e);
    return true;
}

static void parse_structures(stress_config *cfg, const char *arg)
{
    size_t before = cfg->nstructures;
    if (!arg || !*arg || strlen(arg) >= 512)
        usage_error("--structure needs a name");
    /* Empty words (",,") are skipped, as strtok did. */
    char buf[512];
    size_t w = 0;
    for (const char *p = arg; *p; p++)
        if (*p != ',' || (w > 0 && buf[w - 1] != ','))
            buf[w++] = *p;
    while (w > 0 && buf[w - 1] == ',')
        w--;
    buf[w] = '\0';
    if (w == 0 || !h_parse_list(buf, add_named, cfg) ||
        cfg->nstructures == before)
        usage_error("--structure needs a name");
}

static void list_structures(void)
{
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        printf("%-14s %-8s %s%s\n", e->name, kind_name[e->kind],
               e->lock_free ? "lock-free" : "blocking",
               e->kind == REG_COUNTER && e->add_returns_prev
                   ? ", add returns the previous total" : "");
    }
    printf("%-14s %-8s %s\n", conc_registry_broken.name, "queue",
           "deliberately broken (not part of 'all')");
}

/* The CPUs this process may run on, for --pin. */
static void fill_cpus(stress_config *cfg)
{
    cfg->ncpus = (int)h_online_cpus();
    cpu_set_t set;
    cfg->ncpus_allowed = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE && cfg->ncpus_allowed < STRESS_MAX_THREADS; c++)
            if (CPU_ISSET(c, &set))
                cfg->cpus[cfg->ncpus_allowed++] = c;
    if (cfg->ncpus_allowed == 0)
        for (int c = 0; c < cfg->ncpus && c < STRESS_MAX_THREADS; c++)
            cfg->cpus[cfg->ncpus_allowed++] = c;
}

/* ---- the flags ---- */

enum {
    O_STRUCTURE = 256, O_PRODUCERS, O_CONSUMERS, O_THREADS, O_MIXED,
    O_DURATION, O_OPS, O_CAPACITY, O_SEED, O_WAIT, O_PIN, O_QUIET,
    O_EXPECT, O_INJECT_STALL, O_YIELD_RATE, O_JSON, O_STALL, O_BATCH,
    O_LIST, O_HELP, O_LINCHECK
};

static const struct option long_options[] = {
    {"structure", required_argument, NULL, O_STRUCTURE},
    {"producers", required_argument, NULL, O_PRODUCERS},
    {"consumers", required_argument, NULL, O_CONSUMERS},
    {"threads", required_argument, NULL, O_THREADS},
    {"mixed", no_argument, NULL, O_MIXED},
    {"duration", required_argument, NULL, O_DURATION},
    {"ops", required_argument, NULL, O_OPS},
    {"capacity", required_argument, NULL, O_CAPACITY},
    {"seed", required_argument, NULL, O_SEED},
    {"wait", no_argument, NULL, O_WAIT},
    {"pin", no_argument, NULL, O_PIN},
    {"quiet", no_argument, NULL, O_QUIET},
    {"expect-violation", no_argument, NULL, O_EXPECT},
    /* Undocumented in --help; for the watchdog's own test. */
    {"inject-stall", no_argument, NULL, O_INJECT_STALL},
    {"yield-rate", required_argument, NULL, O_YIELD_RATE},
    {"json", required_argument, NULL, O_JSON},
    {"stall", required_argument, NULL, O_STALL},
    {"batch", required_argument, NULL, O_BATCH},
    {"lincheck", no_argument, NULL, O_LINCHECK},
    {"list", no_argument, NULL, O_LIST},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* Which flags were given, for the checks between them. */
typedef struct seen {
    bool producers, consumers, threads, duration, ops, seed, capacity;
} seen;

static const char *option_name(int val)
{
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == val)
            return o->name;
    return "?";
}

static int number_flag(const char *val, int lo, const char *what)
{
    uint64_t u;
    if (!h_parse_u64(val, 0, (uint64_t)lo, STRESS_MAX_THREADS, &u))
        usage_error("%s wants a number from %d to %d, not '%s'", what, lo,
                    STRESS_MAX_THREADS, val);
    return (int)u;
}

static double yield_rate_flag(const char *val)
{
#ifndef CONC_STRESS_VERIFY
    (void)val;
    usage_error("--yield-rate needs the verify build of the library: "
                "use conc-stress-verify");
#else
    double r;
    if (!((*val >= '0' && *val <= '9') || *val == '.') ||
        !h_parse_double(val, 0.0, 1.0, &r))
        usage_error("--yield-rate wants a probability from 0 to 1, not '%s'",
                    val);
    return r;
#endif
}

/* One flag with its value (NULL for flags without one). */
static void read_flag(stress_config *cfg, seen *s, int c, const char *val)
{
    uint64_t u;
    switch (c) {
    case O_HELP:
        usage_text(stdout);
        exit(EXIT_PASS);
    case O_LIST:
        list_structures();
        exit(EXIT_PASS);
    case O_STRUCTURE: parse_structures(cfg, val); break;
    case O_PRODUCERS:
        cfg->producers = number_flag(val, 0, "--producers");
        s->producers = true;
        break;
    case O_CONSUMERS:
        cfg->consumers = number_flag(val, 0, "--consumers");
        s->consumers = true;
        break;
    case O_THREADS:
        cfg->threads = number_flag(val, 1, "--threads");
        s->threads = true;
        break;
    case O_MIXED: cfg->mixed = true; break;
    case O_DURATION:
        if (!h_parse_duration(val, &cfg->duration_s))
            usage_error("--duration wants a positive time such as 500ms, "
                        "30s, 5m or 2h, not '%s'", val);
        s->duration = true;
        break;
    case O_OPS:
        if (!h_parse_u64(val, H_NUM_SUFFIX, 1, UINT64_MAX, &cfg->ops))
            usage_error("--ops wants a positive number (k, M, G allowed), "
                        "not '%s'", val);
        s->ops = true;
        break;
    case O_CAPACITY:
        if (!h_parse_u64(val, 0, 1, SIZE_MAX, &u))
            usage_error("--capacity wants a positive number, not '%s'", val);
        cfg->capacity = (size_t)u;
        s->capacity = true;
        break;
    case O_SEED:
        if (!h_parse_u64(val, H_NUM_HEX, 0, UINT64_MAX, &cfg->seed))
            usage_error("--seed wants a number, not '%s'", val);
        s->seed = true;
        break;
    case O_WAIT: cfg->wait = true; break;
    case O_LINCHECK: cfg->lincheck = true; break;
    case O_PIN: cfg->pin = true; break;
    case O_QUIET: cfg->quiet = true; break;
    case O_EXPECT: cfg->expect_violation = true; break;
    case O_INJECT_STALL: cfg->inject_stall = true; break;
    case O_YIELD_RATE: cfg->yield_rate = yield_rate_flag(val); break;
    case O_JSON:
        if (!*val)
            usage_error("--json needs a file name");
        cfg->json_path = val;
        break;
    case O_STALL:
        if (!h_parse_duration(val, &cfg->stall_s))
            usage_error("--stall wants a positive time such as 10s, not '%s'",
                        val);
        break;
    case O_BATCH:
        if (!h_parse_u64(val, 0, 1, STRESS_MAX_BATCH, &u))
            usage_error("--batch wants a number from 1 to %d, not '%s'",
                        STRESS_MAX_BATCH, val);
        cfg->batch_max = (int)u;
        break;
    }
}

/* getopt_long's complaints, in our words. */
static STRESS_NORETURN void bad_flag(int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        usage_error("--%s needs a value", option_name(optopt));
    if (optopt >= O_STRUCTURE)
        usage_error("--%s takes no value", option_name(optopt));
    if (optopt > 0 && optopt < 256)
        usage_error("unknown option '-%c'", optopt);
    usage_error("unknown option '%s'", arg);
}

static void check_roles(stress_config *cfg, const seen *s)
{
    if (s->threads && (s->producers || s->consumers))
        usage_error("give either --threads or --producers/--consumers, not "
                    "both");
    if (s->producers != s->consumers)
        usage_error("give both --producers and --consumers");
    if (cfg->mixed && s->producers)
        usage_error("give either --mixed or --producers/--consumers, not "
                    "both");
    if (!s->producers)
        return;
    if (cfg->producers + cfg->consumers > STRESS_MAX_THREADS)
        usage_error("%d producers + %d consumers is more than %d threads",
                    cfg->producers, cfg->consumers, STRESS_MAX_THREADS);
    if (cfg->producers + cfg->consumers == 0)
        usage_error("--producers 0 --consumers 0: nothing would run");
    for (size_t i = 0; i < cfg->nstructures; i++) {
        const reg_entry *e = cfg->structures[i];
        if (e->kind != REG_COUNTER &&
            (cfg->producers == 0 || cfg->consumers == 0))
            usage_error("%s (a %s) needs at least one producer and one "
                        "consumer, not %dP%dC", e->name, kind_name[e->kind],
                        cfg->producers, cfg->consumers);
    }
}

static void check_structures(const stress_config *cfg, const seen *s)
{
    for (size_t i = 0; i < cfg->nstructures; i++) {
        const reg_entry *e = cfg->structures[i];
        if (e->kind == REG_COUNTER)
            continue;
        if (cfg->wait && (!e->push_wait || !e->close))
            usage_error("--wait: %s has no push_wait/pop_wait/close", e->name);
        if (s->capacity && cfg->capacity > e->max_capacity)
            usage_error("--capacity %zu is more than %s accepts (%zu)",
                        cfg->capacity, e->name, e->max_capacity);
    }
}

/* --lincheck: windows of a few threads, each doing every verb. */
static void check_lincheck(const stress_config *cfg, const seen *s)
{
    if (!cfg->lincheck)
        return;
    if (s->producers || cfg->mixed || cfg->wait || cfg->inject_stall)
        usage_error("--lincheck takes --threads (each thread does every verb), "
                    "not --producers/--consumers, --mixed, --wait or "
                    "--inject-stall");
    if (cfg->threads > LZW_MAX_THREADS)
        usage_error("--lincheck: at most %d threads per window, not %d",
                    LZW_MAX_THREADS, cfg->threads);
}

static void check_combinations(stress_config *cfg, const seen *s)
{
    if (cfg->nstructures == 0)
        for (size_t i = 0; i < conc_registry_count; i++)
            add_structure(cfg, &conc_registry[i]);
    check_lincheck(cfg, s);
    check_roles(cfg, s);
    if (s->duration && s->ops)
        usage_error("give either --duration or --ops, not both");
    if (!s->duration && !s->ops)
        cfg->duration_s = DEFAULT_DURATION_S;
    if (s->ops)
        cfg->duration_s = 0;
    else
        cfg->ops = 0;
    check_structures(cfg, s);
    if (!s->seed)
        cfg->seed = h_mix64((uint64_t)time(NULL) ^
                            ((uint64_t)getpid() << 32)) & 0xFFFFFFFFull;
}

static void open_json(stress_config *cfg)
{
    if (!cfg->json_path)
        return;
    cfg->json = fopen(cfg->json_path, "w");
    if (!cfg->json)
        usage_error("cannot write --json %s: %s", cfg->json_path,
                    strerror(errno));
}

void stress_parse_args(stress_config *cfg, int argc, char **argv)
{
    seen s = {0};
    memset(cfg, 0, sizeof *cfg);
    cfg->argc = argc;
    cfg->argv = argv;
    cfg->yield_rate = -1;
    cfg->stall_s = DEFAULT_STALL_S;
    cfg->batch_max = DEFAULT_BATCH;
    fill_cpus(cfg);
    opterr = 0; /* our messages, not getopt's */
    int c;
    /* '+': stop at the first word that is not a flag (it is an error). */
    int idx = -1;
    while ((c = getopt_long(argc, argv, "+:h", long_options, &idx)) != -1) {
        if (c == '?' || c == ':')
            bad_flag(c, argv);
        if (idx >= 0) { /* an abbreviation ("--dur") is refused */
            const char *typed = h_opt_typed(argv, optind, optarg);
            if (!h_opt_in_full(typed, long_options[idx].name))
                usage_error("unknown option '%s'", typed);
            idx = -1;
        }
        read_flag(cfg, &s, c == 'h' ? O_HELP : c, optarg);
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    check_combinations(cfg, &s);
    open_json(cfg); /* last: a usage error leaves no file behind */
}
