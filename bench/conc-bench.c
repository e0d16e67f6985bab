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
 * same run, and a "targets" section checks the figures the project reports
 * against.  Absolute numbers move from machine to machine and run to run;
 * the ratios within one run are what to compare.
 *
 * conc structures come from the registry (every queue, stack and counter it
 * lists); the peers from peers_ck.c and peers_urcu.c; the timing from
 * harness.c.
 */
#include "bench.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Options                                                                   */

#define MAX_CONFIGS 16
#define MAX_NAMES 32
#define MAX_THREADS 64

typedef struct config {
    unsigned p, c;
} config;

typedef struct options {
    size_t total;    /* items per pair run */
    size_t adds;     /* adds per counter (and fetch-and-add) run */
    size_t capacity; /* bounded queues and stacks */
    size_t shards;   /* sharded counters */
    unsigned runs;
    bench_limits lim;
    config configs[MAX_CONFIGS];
    unsigned nconfigs;
    unsigned threads[MAX_CONFIGS]; /* counter thread counts */
    unsigned nthreads;
    const char *only[MAX_NAMES];
    unsigned nonly;
    const char *json;
    bool quick, list;
    /* Modes: throughput (the tables) unless only --latency / --memory. */
    bool mode_tp, mode_lat, mode_mem;
    bool no_wait_cost;
    bench_lat_params lat;  /* handoffs, interval_us, burst (pace per row) */
    size_t mem_items[8];
    unsigned nmem;
} options;

static const char *const usage_text =
    "usage: conc-bench [options]\n"
    "\n"
    "Pair throughput of conc's queues and stacks beside Concurrency Kit\n"
    "(ck_ring, ck_fifo, ck_stack), liburcu (wfcqueue, lfstack) and the raw\n"
    "fetch-and-add ceiling; conc's counters beside each other and the\n"
    "ceiling.\n"
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
    "  --quick            tiny totals and 3 runs, for a smoke test\n"
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

static void usage_error(const char *fmt, ...)
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

/* A decimal number in [lo, hi], digits only. */
static unsigned long long parse_num(const char *flag, const char *s,
                                    unsigned long long lo,
                                    unsigned long long hi)
{
    if (!s || !*s)
        usage_error("%s needs a number", flag);
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            usage_error("%s: '%s' is not a decimal number", flag, s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno || v < lo || v > hi)
        usage_error("%s: %s is out of range [%llu, %llu]", flag, s, lo, hi);
    return v;
}

static void parse_configs(options *o, const char *s)
{
    o->nconfigs = 0;
    char buf[256];
    if (!s || strlen(s) >= sizeof buf)
        usage_error("--configs needs a list such as 1x1,2x2,4x4");
    strcpy(buf, s);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *x = strchr(tok, 'x');
        if (!x)
            usage_error("--configs: '%s' is not PxC", tok);
        *x = '\0';
        if (o->nconfigs == MAX_CONFIGS)
            usage_error("--configs: at most %d configurations", MAX_CONFIGS);
        config *c = &o->configs[o->nconfigs++];
        c->p = (unsigned)parse_num("--configs (producers)", tok, 1,
                                   MAX_THREADS);
        c->c = (unsigned)parse_num("--configs (consumers)", x + 1, 1,
                                   MAX_THREADS);
        for (unsigned k = 0; k + 1 < o->nconfigs; k++)
            if (o->configs[k].p == c->p && o->configs[k].c == c->c)
                usage_error("--configs: %ux%u given twice", c->p, c->c);
    }
    if (o->nconfigs == 0)
        usage_error("--configs: empty list");
}

static void parse_threads(options *o, const char *s)
{
    o->nthreads = 0;
    char buf[256];
    if (!s || strlen(s) >= sizeof buf)
        usage_error("--threads needs a list such as 1,2,4");
    strcpy(buf, s);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->nthreads == MAX_CONFIGS)
            usage_error("--threads: at most %d counts", MAX_CONFIGS);
        unsigned t = (unsigned)parse_num("--threads", tok, 1, MAX_THREADS);
        for (unsigned k = 0; k < o->nthreads; k++)
            if (o->threads[k] == t)
                usage_error("--threads: %u given twice", t);
        o->threads[o->nthreads++] = t;
    }
    if (o->nthreads == 0)
        usage_error("--threads: empty list");
}

static void parse_only(options *o, char *s)
{
    if (!s || !*s)
        usage_error("--only needs a name");
    for (char *save, *tok = strtok_r(s, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->nonly == MAX_NAMES)
            usage_error("--only: at most %d names", MAX_NAMES);
        o->only[o->nonly++] = tok;
    }
}

static long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

static void parse_options(options *o, int argc, char **argv)
{
    bool set_total = false, set_adds = false, set_runs = false;
    memset(o, 0, sizeof *o);
    o->total = 3000000;
    o->adds = 30000000;
    o->capacity = 1024;
    o->shards = (size_t)online_cpus() * 2;
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
    bool set_handoffs = false, set_mem = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            exit(0);
        } else if (!strcmp(a, "--quick")) {
            o->quick = true;
            continue;
        } else if (!strcmp(a, "--list")) {
            o->list = true;
            continue;
        } else if (!strcmp(a, "--throughput")) {
            o->mode_tp = true;
            continue;
        } else if (!strcmp(a, "--latency")) {
            o->mode_lat = true;
            continue;
        } else if (!strcmp(a, "--memory")) {
            o->mode_mem = true;
            continue;
        } else if (!strcmp(a, "--all")) {
            o->mode_tp = o->mode_lat = o->mode_mem = true;
            continue;
        } else if (!strcmp(a, "--no-wait-cost")) {
            o->no_wait_cost = true;
            continue;
        }
        static const char *const valued[] = {
            "--total", "--adds",  "--runs",    "--configs", "--threads",
            "--capacity", "--shards", "--only", "--stall", "--timeout",
            "--json", "--handoffs", "--interval-us", "--burst", "--mem-items",
        };
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            known |= !strcmp(a, valued[k]);
        if (!known)
            usage_error("unknown option '%s'", a);
        if (!v)
            usage_error("%s needs a value", a);
        i++;
        if (!strcmp(a, "--total")) {
            o->total = parse_num(a, v, 1, (1ull << 36));
            set_total = true;
        } else if (!strcmp(a, "--adds")) {
            o->adds = parse_num(a, v, 1, (1ull << 40));
            set_adds = true;
        } else if (!strcmp(a, "--runs")) {
            o->runs = (unsigned)parse_num(a, v, 1, 1000);
            set_runs = true;
        } else if (!strcmp(a, "--configs")) {
            parse_configs(o, v);
        } else if (!strcmp(a, "--threads")) {
            parse_threads(o, v);
        } else if (!strcmp(a, "--capacity")) {
            o->capacity = parse_num(a, v, 1, (1ull << 30));
        } else if (!strcmp(a, "--shards")) {
            o->shards = parse_num(a, v, 1, 1ull << 16);
        } else if (!strcmp(a, "--only")) {
            parse_only(o, v);
        } else if (!strcmp(a, "--stall")) {
            o->lim.stall_s = (double)parse_num(a, v, 1, 86400);
        } else if (!strcmp(a, "--timeout")) {
            o->lim.timeout_s = (double)parse_num(a, v, 1, 86400);
        } else if (!strcmp(a, "--handoffs")) {
            o->lat.handoffs = parse_num(a, v, 1, 100000000);
            set_handoffs = true;
        } else if (!strcmp(a, "--interval-us")) {
            o->lat.interval_us = (unsigned)parse_num(a, v, 0, 1000000);
        } else if (!strcmp(a, "--burst")) {
            o->lat.burst = (unsigned)parse_num(a, v, 1, 1000);
        } else if (!strcmp(a, "--mem-items")) {
            char buf[256];
            if (strlen(v) >= sizeof buf)
                usage_error("--mem-items: list too long");
            strcpy(buf, v);
            o->nmem = 0;
            set_mem = true;
            for (char *save, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                if (o->nmem == sizeof o->mem_items / sizeof o->mem_items[0])
                    usage_error("--mem-items: at most 8 counts");
                o->mem_items[o->nmem++] = parse_num(a, tok, 1, 1ull << 32);
            }
            if (o->nmem == 0)
                usage_error("--mem-items: empty list");
        } else if (!strcmp(a, "--json")) {
            if (!*v)
                usage_error("--json needs a file name");
            o->json = v;
        } else {
            usage_error("unknown option '%s'", a);
        }
    }
    if (o->quick) {
        if (!set_total)
            o->total = 20000;
        if (!set_adds)
            o->adds = 200000;
        if (!set_runs)
            o->runs = 3;
        if (!set_handoffs)
            o->lat.handoffs = 3000;
        if (!set_mem) {
            o->mem_items[0] = 100000;
            o->nmem = 1;
        }
    }
    if (!o->mode_lat && !o->mode_mem)
        o->mode_tp = true;
    if (o->lat.handoffs < o->runs)
        usage_error("--handoffs must be at least --runs");
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */

typedef enum row_kind { ROW_CONTAINER, ROW_COUNTER, ROW_FAA } row_kind;

typedef struct row {
    bench_section section;
    row_kind kind;
    char name[48];
    bool conc;
    unsigned p, c;         /* pair rows: the config; counter rows: p threads */
    bench_container cont;  /* ROW_CONTAINER (cont.flags: SEC_WAIT rows) */
    const reg_entry *reg;  /* ROW_COUNTER */
    double *samples;
    bool *stalled;          /* per sample: aborted by the watchdog */
    unsigned n;
    unsigned nstalled;
    double shortest_ms;     /* the shortest run's wall time */
    double full_retries;    /* summed over runs; divided by n when shown */
    double empty_retries;
    bool failed;
    char error[sizeof ((bench_result *)0)->msg + 16];
    double median, min, max;
    const struct row *peer; /* conc rows: fastest peer, once computed */
    double ratio;
    /* SEC_WAIT flags-0 rows: the CONC_NOWAIT row, median / its median, and
     * the median of run-by-run ratios (run k over the partner's run k). */
    const struct row *partner;
    double wait_ratio, paired_ratio;
} row;

typedef struct rowset {
    row *v;
    size_t n, cap;
} rowset;

static const bench_peer_ops *const peers[] = {
    &bench_peer_ck_ring, &bench_peer_ck_fifo, &bench_peer_wfcqueue,
    &bench_peer_ck_stack, &bench_peer_lfstack,
};
#define NPEERS (sizeof peers / sizeof peers[0])

static bool name_selected(const options *o, const char *name)
{
    if (o->nonly == 0)
        return true;
    for (unsigned i = 0; i < o->nonly; i++) {
        const char *w = o->only[i];
        if (!strcmp(w, name))
            return true;
        if (!strncmp(name, "conc_", 5) && !strcmp(w, name + 5))
            return true; /* a registry name: "ring" for conc_ring */
    }
    return false;
}

static bool name_known(const char *w)
{
    char buf[64];
    if (!strcmp(w, "faa") || !strcmp(w, "pipe") || !strcmp(w, "conc_shmring") ||
        !strcmp(w, "shmring"))
        return true;
    for (size_t i = 0; i < NPEERS; i++)
        if (!strcmp(w, peers[i]->name))
            return true;
    for (size_t i = 0; i < conc_registry_count; i++) {
        snprintf(buf, sizeof buf, "conc_%s", conc_registry[i].name);
        if (!strcmp(w, buf) || !strcmp(w, conc_registry[i].name))
            return true;
    }
    return false;
}

static row *add_row(rowset *rs, const options *o, bench_section sec,
                    row_kind kind, const char *name, bool conc, unsigned p,
                    unsigned c)
{
    if (!name_selected(o, name))
        return NULL;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        if (!rs->v) {
            perror("conc-bench");
            exit(1);
        }
    }
    row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->section = sec;
    r->kind = kind;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->conc = conc;
    r->p = p;
    r->c = c;
    r->samples = calloc(o->runs, sizeof *r->samples);
    r->stalled = calloc(o->runs, sizeof *r->stalled);
    if (!r->samples || !r->stalled) {
        perror("conc-bench");
        exit(1);
    }
    return r;
}

/* Containers of one section at one config: conc's first, then the peers. */
static void add_containers(rowset *rs, const options *o, bench_section sec,
                           const config *cf)
{
    reg_kind want = sec == SEC_QUEUE ? REG_QUEUE : REG_STACK;
    char name[48];
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind != want)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        row *r = add_row(rs, o, sec, ROW_CONTAINER, name, true, cf->p, cf->c);
        if (r)
            r->cont.reg = e;
    }
    for (size_t i = 0; i < NPEERS; i++) {
        if (peers[i]->section != sec)
            continue;
        row *r = add_row(rs, o, sec, ROW_CONTAINER, peers[i]->name, false,
                         cf->p, cf->c);
        if (r)
            r->cont.peer = peers[i];
    }
}

/* Every registry container that can wait, made with flags 0 and with
 * CONC_NOWAIT, side by side: alone (1T, c = 0) and at every config. */
static void add_wait_rows(rowset *rs, const options *o, unsigned p,
                          unsigned c)
{
    char name[48];
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind == REG_COUNTER || !e->create_flags || !e->pop_wait)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        for (unsigned v = 0; v < 2; v++) {
            row *r = add_row(rs, o, SEC_WAIT, ROW_CONTAINER, name, true, p, c);
            if (r) {
                r->cont.reg = e;
                r->cont.flags = v ? CONC_NOWAIT : 0;
            }
        }
    }
}

static void build_rows(rowset *rs, const options *o)
{
    for (unsigned k = 0; k < o->nconfigs; k++) {
        const config *cf = &o->configs[k];
        add_containers(rs, o, SEC_QUEUE, cf);
        add_containers(rs, o, SEC_STACK, cf);
        add_row(rs, o, SEC_CEILING, ROW_FAA, "faa", false, cf->p, cf->c);
    }
    char name[48];
    for (unsigned k = 0; k < o->nthreads; k++) {
        unsigned t = o->threads[k];
        for (size_t i = 0; i < conc_registry_count; i++) {
            const reg_entry *e = &conc_registry[i];
            if (e->kind != REG_COUNTER)
                continue;
            snprintf(name, sizeof name, "conc_%s", e->name);
            row *r = add_row(rs, o, SEC_COUNTER, ROW_COUNTER, name, true, t, 0);
            if (r)
                r->reg = e;
        }
        add_row(rs, o, SEC_COUNTER, ROW_FAA, "faa", false, t, 0);
    }
    if (!o->no_wait_cost) {
        add_wait_rows(rs, o, 1, 0);
        for (unsigned k = 0; k < o->nconfigs; k++)
            add_wait_rows(rs, o, o->configs[k].p, o->configs[k].c);
    }
}

static bool is_pair_section(bench_section s)
{
    return s == SEC_QUEUE || s == SEC_STACK || s == SEC_CEILING;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */

static void run_once(row *r, const options *o)
{
    bench_result res;
    char label[96];
    if (r->section == SEC_COUNTER || (r->section == SEC_WAIT && r->c == 0))
        snprintf(label, sizeof label, "%s%s %uT run %u", r->name,
                 r->cont.flags & CONC_NOWAIT ? " NOWAIT" : "", r->p, r->n + 1);
    else if (r->section == SEC_WAIT)
        snprintf(label, sizeof label, "%s%s %uP%uC run %u", r->name,
                 r->cont.flags & CONC_NOWAIT ? " NOWAIT" : "", r->p, r->c,
                 r->n + 1);
    else
        snprintf(label, sizeof label, "%s %uP%uC run %u", r->name, r->p, r->c,
                 r->n + 1);
    if (r->section == SEC_WAIT && r->c == 0)
        bench_solo_run(label, &r->cont, o->total, o->capacity, &res);
    else if (r->kind == ROW_CONTAINER)
        bench_pair_run(label, &r->cont, r->p, r->c, o->total, o->capacity,
                       &o->lim, &res);
    else if (r->kind == ROW_COUNTER)
        bench_counter_run(label, r->reg, r->p, o->adds, o->shards, &o->lim,
                          &res);
    else
        bench_counter_run(label, NULL,
                          r->section == SEC_COUNTER ? r->p : r->p + r->c,
                          o->adds, o->shards, &o->lim, &res);
    if (res.outcome == BENCH_FAILED) {
        r->failed = true;
        snprintf(r->error, sizeof r->error, "run %u: %s", r->n + 1, res.msg);
        fprintf(stderr, "conc-bench: %s: %s\n", label, res.msg);
        return;
    }
    if (res.outcome == BENCH_STALLED) {
        r->nstalled++;
        fprintf(stderr, "conc-bench: %s\n", res.msg);
    }
    double ms = res.seconds * 1e3;
    if (r->n == 0 || ms < r->shortest_ms)
        r->shortest_ms = ms;
    r->full_retries += res.full_retries;
    r->empty_retries += res.empty_retries;
    r->stalled[r->n] = res.outcome == BENCH_STALLED;
    r->samples[r->n++] = res.mops;
}

/* A waiting-cost group is one structure at one config: its two rows run
 * alternately (rotated each round: A B, B A, A B, ...). */
static bool same_group(const row *a, const row *b)
{
    if ((a->section == SEC_WAIT) != (b->section == SEC_WAIT))
        return false;
    if (a->section == SEC_WAIT)
        return a->p == b->p && a->c == b->c && !strcmp(a->name, b->name);
    if (is_pair_section(a->section) != is_pair_section(b->section))
        return false;
    return a->p == b->p && a->c == b->c;
}

/*
 * Runs are interleaved: for each configuration, run 1 of every row, then run
 * 2 of every row, and so on, with the starting row rotated each round, so
 * that drift in the machine (frequency, other load) falls on all rows alike
 * instead of on whichever row happened to run last.
 */
static void run_all(rowset *rs, const options *o)
{
    bool tty = isatty(STDERR_FILENO);
    row **group = calloc(rs->n, sizeof *group);
    bool *done = calloc(rs->n, sizeof *done);
    if (!group || !done) {
        perror("conc-bench");
        exit(1);
    }
    for (size_t i = 0; i < rs->n; i++) {
        if (done[i])
            continue;
        size_t g = 0;
        for (size_t j = i; j < rs->n; j++)
            if (!done[j] && same_group(&rs->v[i], &rs->v[j])) {
                group[g++] = &rs->v[j];
                done[j] = true;
            }
        const row *h = group[0];
        for (unsigned run = 0; run < o->runs; run++) {
            if (tty) {
                if (h->section == SEC_WAIT)
                    fprintf(stderr, "\r[waiting cost %s %uP%uC] run %u/%u ",
                            h->name, h->p, h->c, run + 1, o->runs);
                else if (is_pair_section(h->section))
                    fprintf(stderr, "\r[pairs %uP%uC] run %u/%u ", h->p, h->c,
                            run + 1, o->runs);
                else
                    fprintf(stderr, "\r[counters %uT] run %u/%u ", h->p,
                            run + 1, o->runs);
                fflush(stderr);
            }
            for (size_t k = 0; k < g; k++) {
                row *r = group[(k + run) % g];
                if (!r->failed)
                    run_once(r, o);
            }
        }
    }
    if (tty)
        fputs("\r                                        \r", stderr);
    free(group);
    free(done);
}

/* ------------------------------------------------------------------------ */
/* Figures                                                                   */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bool row_ok(const row *r)
{
    return r && !r->failed && r->n > 0;
}

static void compute_stats(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (!row_ok(r))
            continue;
        double *s = malloc(r->n * sizeof *s);
        if (!s) {
            perror("conc-bench");
            exit(1);
        }
        memcpy(s, r->samples, r->n * sizeof *s);
        qsort(s, r->n, sizeof *s, cmp_double);
        r->min = s[0];
        r->max = s[r->n - 1];
        size_t h = r->n / 2;
        r->median = r->n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
        free(s);
    }
}

/*
 * A conc row's peers: in a queue or stack table, the other library's
 * structures of the same kind at the same config; among counters, every
 * other counter and the fetch-and-add ceiling at the same thread count.
 */
static bool is_peer_of(const row *r, const row *q)
{
    if (q == r || !row_ok(q) || q->p != r->p || q->c != r->c)
        return false;
    if (r->section == SEC_COUNTER)
        return q->section == SEC_COUNTER;
    return q->section == r->section && !q->conc;
}

static void compute_ratios(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (!r->conc || !row_ok(r))
            continue;
        for (size_t j = 0; j < rs->n; j++) {
            const row *q = &rs->v[j];
            if (is_peer_of(r, q) && (!r->peer || q->median > r->peer->median))
                r->peer = q;
        }
        if (r->peer && r->peer->median > 0)
            r->ratio = r->median / r->peer->median;
        else
            r->peer = NULL;
    }
}

/* A flags-0 SEC_WAIT row's partner is the CONC_NOWAIT row of the same
 * structure and config.  paired_ratio: the median over k of run k's figure
 * over the partner's run k (the two ran back to back). */
static void compute_wait_ratios(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (r->section != SEC_WAIT || (r->cont.flags & CONC_NOWAIT) ||
            !row_ok(r))
            continue;
        for (size_t j = 0; j < rs->n; j++) {
            const row *q = &rs->v[j];
            if (q->section == SEC_WAIT && (q->cont.flags & CONC_NOWAIT) &&
                q->p == r->p && q->c == r->c && !strcmp(q->name, r->name) &&
                row_ok(q) && q->median > 0)
                r->partner = q;
        }
        if (!r->partner)
            continue;
        r->wait_ratio = r->median / r->partner->median;
        unsigned n = r->n < r->partner->n ? r->n : r->partner->n;
        double *v = malloc((n ? n : 1) * sizeof *v);
        if (!v) {
            perror("conc-bench");
            exit(1);
        }
        unsigned m = 0;
        for (unsigned k = 0; k < n; k++)
            if (r->partner->samples[k] > 0)
                v[m++] = r->samples[k] / r->partner->samples[k];
        if (m) {
            qsort(v, m, sizeof *v, cmp_double);
            r->paired_ratio = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
        }
        free(v);
    }
}

static const row *find_row(const rowset *rs, bench_section sec,
                           const char *name, unsigned p, unsigned c)
{
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        if (r->section == sec && r->p == p && r->c == c &&
            !strcmp(r->name, name))
            return r;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Text output                                                               */

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *v = strchr(line, ':');
        if (!v)
            break;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, len, "%s", v);
        break;
    }
    fclose(f);
}

static const char *compiler_name(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown compiler";
#endif
}

typedef struct machine {
    long cpus;
    char cpu[160];
    char os[200];
    char date[40];
    const char *compiler;
    bool optimized;
    double load_start, load_end; /* 1-minute load average, -1 if unknown */
    double par_start, par_end;   /* CPUs that spinning threads obtained */
} machine;

/* The probe: one spinning thread per CPU for a fifth of a second. */
static double probe_parallelism(long cpus)
{
    return bench_parallelism((unsigned)(cpus < 64 ? cpus : 64), 0.2);
}

static const char *parallel_warning(double got, long cpus)
{
    if (cpus > 1 && got < 0.75 * (double)cpus)
        return "\n          (time-sliced: threads meant to run side by side "
               "took turns, so the\n          contention in the faa, counter "
               "and pair figures is understated)";
    return "";
}

static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static void describe_machine(machine *m)
{
    m->cpus = online_cpus();
    cpu_model(m->cpu, sizeof m->cpu);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->os, sizeof m->os, "%s %s %s", u.sysname, u.release,
                 u.machine);
    else
        snprintf(m->os, sizeof m->os, "unknown OS");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->compiler = compiler_name();
#ifdef __OPTIMIZE__
    m->optimized = true;
#else
    m->optimized = false;
#endif
    m->load_start = load_average();
    m->load_end = -1;
    m->par_start = probe_parallelism(m->cpus);
    m->par_end = -1;
}

static void print_header(const machine *m, const options *o)
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
    printf("waiting:  a push that finds the structure full, or a pop that "
           "finds it empty,\n"
           "          retries at once and calls sched_yield() every %u "
           "consecutive failures,\n"
           "          the same for every structure: with more threads than "
           "CPUs a spinning\n"
           "          thread must give way to the thread it waits for. Threads "
           "are not pinned.\n",
           BENCH_YIELD_EVERY);
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

/* A queue or stack table shows the fetch-and-add ceiling of each config
 * under that config's rows; a SEC_CEILING table (when --only left no queue
 * or stack) shows the ceiling alone. */
static void print_pair_table(const rowset *rs, const options *o,
                             bench_section sec, const char *title)
{
    bool any = false;
    for (size_t i = 0; i < rs->n; i++)
        any |= rs->v[i].section == sec;
    if (!any)
        return;
    if (sec == SEC_CEILING)
        printf("\n%s: Mops/s (one op = one fetch-and-add)\n", title);
    else
        printf("\n%s: pair throughput, Mops/s (one op = one item pushed and "
               "popped)\n",
               title);
    printf("%-7s %-18s %9s %9s %9s %13s   %s\n", "", "", "", "", "",
           "retries/item", "");
    printf("%-7s %-18s %9s %9s %9s %6s %6s   %s\n", "config", "structure",
           "median", "min", "max", "full", "empty", "vs fastest peer");
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
        if (faa && (sec == SEC_CEILING || !first)) {
            row tmp = *faa;
            snprintf(tmp.name, sizeof tmp.name, "faa (%u threads)",
                     cf->p + cf->c);
            print_row(&tmp, first, cfg);
        }
    }
}

static void print_counter_table(const rowset *rs, const options *o)
{
    bool any = false;
    for (size_t i = 0; i < rs->n; i++)
        any |= rs->v[i].section == SEC_COUNTER;
    if (!any)
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

static void print_wait_table(const rowset *rs, const options *o)
{
    bool any = false;
    for (size_t i = 0; i < rs->n; i++)
        any |= rs->v[i].section == SEC_WAIT;
    if (!any)
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
        if (r->c == 0)
            snprintf(cfg, sizeof cfg, "%uT", r->p);
        else
            snprintf(cfg, sizeof cfg, "%uP%uC", r->p, r->c);
        printf("%-7s %-17s", strcmp(cfg, last) ? cfg : "", r->name);
        snprintf(last, sizeof last, "%s", cfg);
        if (!row_ok(r)) {
            printf("  FAILED %s\n", r->error);
            continue;
        }
        printf(" %9.2f %9.2f %9.2f", r->median, r->min, r->max);
        const row *q = r->partner;
        if (q)
            printf(" %9.2f %9.2f %9.2f %6.2fx %6.2fx", q->median, q->min,
                   q->max, r->wait_ratio, r->paired_ratio);
        else
            printf("  NOWAIT row failed or missing");
        if (r->nstalled || (q && q->nstalled))
            printf("  ! runs aborted");
        printf("\n");
    }
    printf("ratio: flags-0 median / NOWAIT median; paired: median of run k / "
           "run k (back to back).\n");
    (void)o;
}

static void print_legend(const rowset *rs, const options *o)
{
    bool unbounded = false, faa = false, stalls = false;
    printf("\nLegend:\n");
    for (size_t i = 0; i < NPEERS; i++)
        for (size_t j = 0; j < rs->n; j++)
            if (rs->v[j].cont.peer == peers[i]) {
                printf("  %s\n", peers[i]->legend);
                unbounded |= !peers[i]->bounded;
                break;
            }
    for (size_t j = 0; j < rs->n; j++) {
        faa |= rs->v[j].kind == ROW_FAA;
        stalls |= rs->v[j].nstalled > 0;
    }
    if (unbounded)
        printf("  unbounded peers never report full: their producers never "
               "wait and may run far\n"
               "  ahead of the consumers; the bounded ones (conc's, ck_ring) "
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
               "in the pair tables).\n");
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

/* ------------------------------------------------------------------------ */
/* Targets                                                                   */

typedef enum verdict { V_MET, V_NOT_MET, V_NOT_MEASURED } verdict;

typedef struct target {
    char what[160];
    verdict v;
    char detail[240];
} target;

typedef struct targets {
    target t[64];
    unsigned n;
} targets;

static target *new_target(targets *ts, const char *fmt, ...)
{
    if (ts->n == sizeof ts->t / sizeof ts->t[0])
        return NULL;
    target *t = &ts->t[ts->n++];
    memset(t, 0, sizeof *t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->what, sizeof t->what, fmt, ap);
    va_end(ap);
    t->v = V_NOT_MEASURED;
    snprintf(t->detail, sizeof t->detail, "a row it needs was not measured "
                                          "(excluded, or failed)");
    return t;
}

static void eval_targets(const rowset *rs, const options *o, targets *ts)
{
    target *t;

    /* conc_ring 1P1C >= ck_ring and wfcqueue. */
    t = new_target(ts, "conc_ring 1P1C >= ck_ring and >= wfcqueue (medians)");
    {
        const row *ring = find_row(rs, SEC_QUEUE, "conc_ring", 1, 1);
        const row *ck = find_row(rs, SEC_QUEUE, "ck_ring", 1, 1);
        const row *wf = find_row(rs, SEC_QUEUE, "wfcqueue", 1, 1);
        if (t && row_ok(ring) && row_ok(ck) && row_ok(wf)) {
            t->v = ring->median >= ck->median && ring->median >= wf->median
                       ? V_MET
                       : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "conc_ring %.2f, ck_ring %.2f (%.2fx), "
                     "wfcqueue %.2f (%.2fx)",
                     ring->median, ck->median, ring->median / ck->median,
                     wf->median, ring->median / wf->median);
        }
    }

    /* conc_ring at 2P2C and 4P4C: slowest run >= half the median. */
    static const config steady[] = {{2, 2}, {4, 4}};
    for (size_t k = 0; k < 2; k++) {
        unsigned p = steady[k].p, c = steady[k].c;
        t = new_target(ts,
                       "conc_ring %uP%uC slowest of %u runs >= half its median",
                       p, c, o->runs);
        const row *ring = find_row(rs, SEC_QUEUE, "conc_ring", p, c);
        if (t && row_ok(ring)) {
            t->v = ring->min >= ring->median / 2 ? V_MET : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "min %.2f, median %.2f (min/median %.2f)", ring->min,
                     ring->median, ring->min / ring->median);
        }
    }

    /* conc_stack >= ck_stack at every config. */
    for (unsigned k = 0; k < o->nconfigs; k++) {
        unsigned p = o->configs[k].p, c = o->configs[k].c;
        t = new_target(ts, "conc_stack %uP%uC >= ck_stack (medians)", p, c);
        const row *st = find_row(rs, SEC_STACK, "conc_stack", p, c);
        const row *ck = find_row(rs, SEC_STACK, "ck_stack", p, c);
        if (t && row_ok(st) && row_ok(ck)) {
            t->v = st->median >= ck->median ? V_MET : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "conc_stack %.2f, ck_stack %.2f (%.2fx)", st->median,
                     ck->median, st->median / ck->median);
        }
    }

    /* conc_sharded at 2 threads >= 5x conc_counter. */
    t = new_target(ts, "conc_sharded 2T >= 5x conc_counter 2T (medians)");
    {
        const row *sh = find_row(rs, SEC_COUNTER, "conc_sharded", 2, 0);
        const row *ct = find_row(rs, SEC_COUNTER, "conc_counter", 2, 0);
        if (t && row_ok(sh) && row_ok(ct)) {
            t->v = sh->median >= 5 * ct->median ? V_MET : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "conc_sharded %.2f, conc_counter %.2f (%.2fx)", sh->median,
                     ct->median, sh->median / ct->median);
        }
    }

    /* Waiting support costs at most 10%: flags 0 >= 0.90 x CONC_NOWAIT. */
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        if (r->section != SEC_WAIT || (r->cont.flags & CONC_NOWAIT))
            continue;
        char cfg[24];
        if (r->c == 0)
            snprintf(cfg, sizeof cfg, "%uT", r->p);
        else
            snprintf(cfg, sizeof cfg, "%uP%uC", r->p, r->c);
        t = new_target(ts, "%s %s flags 0 >= 0.90 x CONC_NOWAIT (medians)",
                       r->name, cfg);
        if (t && row_ok(r) && r->partner) {
            t->v = r->wait_ratio >= 0.90 ? V_MET : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "flags 0 %.2f, NOWAIT %.2f (%.2fx; run-by-run %.2fx)",
                     r->median, r->partner->median, r->wait_ratio,
                     r->paired_ratio);
        }
    }
}

static const char *verdict_name(verdict v)
{
    switch (v) {
    case V_MET: return "met";
    case V_NOT_MET: return "NOT met";
    default: return "not measured";
    }
}

static bool disturbed(const machine *m)
{
    double worst = m->par_start;
    if (m->par_end >= 0 && m->par_end < worst)
        worst = m->par_end;
    return m->cpus > 1 && worst < 0.75 * (double)m->cpus;
}

static void print_targets(const targets *ts, const machine *m)
{
    printf("\nTargets (computed from this run's figures):\n");
    if (disturbed(m))
        printf("  (this run was disturbed: spinning threads did not get the "
               "CPUs, see the\n"
               "   parallel lines; the verdicts below describe this run, not "
               "the code)\n");
    for (unsigned i = 0; i < ts->n; i++)
        printf("  %-13s %s\n  %13s %s\n", verdict_name(ts->t[i].v),
               ts->t[i].what, "", ts->t[i].detail);
}

/* ------------------------------------------------------------------------ */
/* Latency mode                                                              */

typedef struct lat_row {
    const char *name;   /* "conc_ring", "pipe", ... */
    const char *where;  /* "threads" or "processes" */
    bench_lat_kind kind;
    const reg_entry *reg;
    bench_pace pace;
    uint64_t *ns;       /* pooled over the runs */
    size_t n;
    double sleeps;      /* summed over runs; divided by runs when shown */
    unsigned runs;
    bool failed;
    char error[200];
    double p50, p90, p99, p999, max, mean; /* microseconds */
} lat_row;

typedef struct lat_set {
    lat_row v[16];
    unsigned n;
} lat_set;

static void lat_add(lat_set *ls, const options *o, const char *name,
                    const char *where, bench_lat_kind kind,
                    const reg_entry *reg)
{
    if (!name_selected(o, name))
        return;
    for (unsigned pc = 0; pc < 2 && ls->n < 16; pc++) {
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

/* Every row gets `runs` runs of handoffs/runs items, interleaved across the
 * rows (rotated each round) like the throughput runs. */
static void run_latency(lat_set *ls, const options *o)
{
    static const char *const queues[] = {"ring", "lfqueue", "mutexq"};
    for (size_t i = 0; i < 3; i++) {
        const reg_entry *e = conc_registry_find(queues[i]);
        if (e && e->pop_wait && e->create_flags) {
            static char names[3][48];
            snprintf(names[i], sizeof names[i], "conc_%s", e->name);
            lat_add(ls, o, names[i], "threads", LAT_REG, e);
        }
    }
    lat_add(ls, o, "conc_shmring", "processes", LAT_SHMRING, NULL);
    lat_add(ls, o, "pipe", "processes", LAT_PIPE, NULL);
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
            bench_lat_params p = o->lat;
            p.handoffs = per;
            p.pace = r->pace;
            bench_lat_run res;
            bench_latency_run(r->kind, r->reg, &p, &res);
            if (!res.ok) {
                r->failed = true;
                snprintf(r->error, sizeof r->error, "run %u: %s", run + 1,
                         res.msg);
                fprintf(stderr, "conc-bench: latency %s: %s\n", r->name,
                        res.msg);
            } else {
                memcpy(r->ns + r->n, res.ns, res.n * sizeof *res.ns);
                r->n += res.n;
                r->sleeps += res.sleeps;
                r->runs++;
            }
            free(res.ns);
        }
    }
    if (tty)
        fputs("\r                                              \r", stderr);
    for (unsigned k = 0; k < ls->n; k++) {
        lat_row *r = &ls->v[k];
        if (r->failed || r->n == 0)
            continue;
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
}

static void print_latency(const lat_set *ls, const options *o)
{
    if (ls->n == 0)
        return;
    printf("\nHandoff latency through pop_wait, microseconds (push to "
           "pop_wait returning),\n%zu handoffs per row in %u interleaved "
           "runs; steady: one item every %u us;\nburst: %u items back to "
           "back, then %u us of pause\n",
           o->lat.handoffs, o->runs, o->lat.interval_us, o->lat.burst,
           o->lat.interval_us * o->lat.burst);
    printf("%-10s %-14s %-7s %8s %8s %8s %8s %9s %8s %7s\n", "between",
           "structure", "pace", "p50", "p90", "p99", "p99.9", "max", "mean",
           "sleeps");
    for (unsigned k = 0; k < ls->n; k++) {
        const lat_row *r = &ls->v[k];
        printf("%-10s %-14s %-7s", r->where, r->name,
               r->pace == PACE_STEADY ? "steady" : "burst");
        if (r->failed || r->n == 0) {
            printf("  FAILED %s\n", r->error);
            continue;
        }
        printf(" %8.2f %8.2f %8.2f %8.2f %9.1f %8.2f %7.2f\n", r->p50, r->p90,
               r->p99, r->p999, r->max, r->mean, r->sleeps / r->runs);
    }
    printf("sleeps: the consumer's voluntary context switches per item (about "
           "1 when it slept\nfor every item; the pipe's read sleeps in the "
           "kernel, not in a futex).\n");
}

/* ------------------------------------------------------------------------ */
/* Memory mode                                                               */

typedef struct mem_set {
    bench_mem_result v[8];
    unsigned n;
} mem_set;

static void run_memory(mem_set *ms, const options *o)
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

static void print_memory(const mem_set *ms)
{
    if (ms->n == 0)
        return;
    printf("\nconc_lfqueue memory, one thread: push N items into an empty "
           "queue, pop them all.\nRSS: the process's resident set "
           "(/proc/self/statm), MiB; queue: conc_lfqueue_memory(), KiB\n");
    printf("%-10s %9s %9s %9s %9s %7s   %9s %9s %9s %7s\n", "items",
           "RSS empty", "full", "drained", "freed", "drn/emp", "queue emp",
           "full", "drained", "drn/emp");
    for (unsigned i = 0; i < ms->n; i++) {
        const bench_mem_result *m = &ms->v[i];
        printf("%-10zu", m->items);
        if (!m->ok) {
            printf("  FAILED %s\n", m->msg);
            continue;
        }
        const double MiB = 1024.0 * 1024.0;
        printf(" %9.2f %9.2f %9.2f %9.2f %6.3fx   %9.1f %9.1f %9.1f %6.3fx\n",
               m->rss_empty / MiB, m->rss_full / MiB, m->rss_drained / MiB,
               m->rss_freed / MiB,
               m->rss_empty ? (double)m->rss_drained / (double)m->rss_empty
                            : 0.0,
               m->mem_empty / 1024.0, m->mem_full / 1024.0,
               m->mem_drained / 1024.0,
               m->mem_empty ? (double)m->mem_drained / (double)m->mem_empty
                            : 0.0);
    }
    for (unsigned i = 0; i < ms->n; i++) {
        const bench_mem_result *m = &ms->v[i];
        if (m->ok)
            printf("%zu items: %.1f bytes of queue per item when full; push "
                   "%.1f Mops/s, pop %.1f Mops/s\n",
                   m->items,
                   (double)(m->mem_full - m->mem_empty) / (double)m->items,
                   m->push_s > 0 ? m->items / m->push_s / 1e6 : 0,
                   m->pop_s > 0 ? m->items / m->pop_s / 1e6 : 0);
    }
}

static void eval_memory_targets(const mem_set *ms, targets *ts)
{
    for (unsigned i = 0; i < ms->n; i++) {
        const bench_mem_result *m = &ms->v[i];
        target *t = new_target(ts,
                               "conc_lfqueue: RSS after draining %zu items "
                               "<= 1.05 x RSS of the empty queue",
                               m->items);
        if (t && m->ok && m->rss_empty) {
            double r = (double)m->rss_drained / (double)m->rss_empty;
            t->v = r <= 1.05 ? V_MET : V_NOT_MET;
            snprintf(t->detail, sizeof t->detail,
                     "%.2f MiB empty, %.2f MiB full, %.2f MiB drained "
                     "(%.3fx); queue %zu -> %zu -> %zu bytes",
                     m->rss_empty / 1048576.0, m->rss_full / 1048576.0,
                     m->rss_drained / 1048576.0, r, m->mem_empty, m->mem_full,
                     m->mem_drained);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *section_name(bench_section s)
{
    switch (s) {
    case SEC_QUEUE: return "queue";
    case SEC_STACK: return "stack";
    case SEC_CEILING: return "ceiling";
    case SEC_WAIT: return "wait_cost";
    default: return "counter";
    }
}

static int write_json(const char *path, const rowset *rs, const options *o,
                      const machine *m, const targets *ts, const lat_set *ls,
                      const mem_set *ms)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "conc-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\n  \"tool\": \"conc-bench\",\n  \"conc_version\": ");
    json_str(f, conc_version());
    fprintf(f, ",\n  \"machine\": {\"cpus\": %ld, \"cpu\": ", m->cpus);
    json_str(f, m->cpu);
    fprintf(f, ", \"os\": ");
    json_str(f, m->os);
    fprintf(f, ", \"compiler\": ");
    json_str(f, m->compiler);
    fprintf(f, ", \"optimized\": %s, \"date\": ",
            m->optimized ? "true" : "false");
    json_str(f, m->date);
    fprintf(f, ", \"load_start\": %.2f, \"load_end\": %.2f", m->load_start,
            m->load_end);
    fprintf(f, ", \"parallel_start\": %.2f, \"parallel_end\": %.2f",
            m->par_start, m->par_end);
    fprintf(f, "},\n  \"params\": {\"total\": %zu, \"adds\": %zu, "
               "\"capacity\": %zu, \"shards\": %zu, \"runs\": %u, "
               "\"yield_every\": %u, \"stall_s\": %.0f, "
               "\"timeout_s\": %.0f},\n",
            o->total, o->adds, o->capacity, o->shards, o->runs,
            BENCH_YIELD_EVERY, o->lim.stall_s, o->lim.timeout_s);
    fprintf(f, "  \"rows\": [");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        char cfg[24];
        if (r->section == SEC_COUNTER || (r->section == SEC_WAIT && r->c == 0))
            snprintf(cfg, sizeof cfg, "%uT", r->p);
        else
            snprintf(cfg, sizeof cfg, "%uP%uC", r->p, r->c);
        fprintf(f, "%s\n    {\"section\": \"%s\", \"name\": ", i ? "," : "",
                section_name(r->section));
        json_str(f, r->name);
        fprintf(f, ", \"conc\": %s, \"config\": \"%s\", \"producers\": %u, "
                   "\"consumers\": %u, \"threads\": %u, \"unit\": \"Mops/s\"",
                r->conc ? "true" : "false", cfg,
                r->section == SEC_COUNTER ? 0 : r->p,
                r->section == SEC_COUNTER ? 0 : r->c,
                r->section == SEC_COUNTER ? r->p : r->p + r->c);
        if (r->n > 0 && !r->failed)
            fprintf(f, ", \"median\": %.4f, \"min\": %.4f, \"max\": %.4f",
                    r->median, r->min, r->max);
        else
            fprintf(f, ", \"median\": null, \"min\": null, \"max\": null");
        if (r->n > 0)
            fprintf(f, ", \"shortest_run_ms\": %.3f", r->shortest_ms);
        if (r->n > 0 && r->kind == ROW_CONTAINER)
            fprintf(f, ", \"full_retries_per_item\": %.3f, "
                       "\"empty_retries_per_item\": %.3f",
                    r->full_retries / r->n, r->empty_retries / r->n);
        fprintf(f, ", \"runs\": [");
        for (unsigned k = 0; k < r->n; k++)
            fprintf(f, "%s%.4f", k ? ", " : "", r->samples[k]);
        fprintf(f, "], \"stalled\": [");
        for (unsigned k = 0; k < r->n; k++)
            fprintf(f, "%s%s", k ? ", " : "", r->stalled[k] ? "true" : "false");
        fprintf(f, "]");
        if (r->section == SEC_WAIT)
            fprintf(f, ", \"flags\": \"%s\"",
                    r->cont.flags & CONC_NOWAIT ? "CONC_NOWAIT" : "0");
        if (r->partner)
            fprintf(f, ", \"vs_nowait\": %.4f, \"vs_nowait_paired\": %.4f",
                    r->wait_ratio, r->paired_ratio);
        if (r->conc && r->peer) {
            fprintf(f, ", \"fastest_peer\": ");
            json_str(f, r->peer->name);
            fprintf(f, ", \"ratio\": %.4f", r->ratio);
        }
        fprintf(f, ", \"error\": ");
        if (r->failed)
            json_str(f, r->error);
        else
            fprintf(f, "null");
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"latency\": {\"unit\": \"us\", \"handoffs\": %zu, "
               "\"runs\": %u, \"interval_us\": %u, \"burst\": %u, \"rows\": [",
            ls->n ? o->lat.handoffs : 0, o->runs, o->lat.interval_us,
            o->lat.burst);
    for (unsigned i = 0; i < ls->n; i++) {
        const lat_row *r = &ls->v[i];
        fprintf(f, "%s\n    {\"between\": \"%s\", \"name\": \"%s\", "
                   "\"pace\": \"%s\"",
                i ? "," : "", r->where, r->name,
                r->pace == PACE_STEADY ? "steady" : "burst");
        if (r->failed || r->n == 0) {
            fprintf(f, ", \"error\": ");
            json_str(f, r->error);
        } else {
            fprintf(f, ", \"n\": %zu, \"p50\": %.3f, \"p90\": %.3f, "
                       "\"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f, "
                       "\"mean\": %.3f, \"sleeps_per_item\": %.3f, "
                       "\"error\": null",
                    r->n, r->p50, r->p90, r->p99, r->p999, r->max, r->mean,
                    r->sleeps / r->runs);
        }
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]},\n  \"memory\": [");
    for (unsigned i = 0; i < ms->n; i++) {
        const bench_mem_result *mm = &ms->v[i];
        fprintf(f, "%s\n    {\"structure\": \"conc_lfqueue\", \"items\": %zu",
                i ? "," : "", mm->items);
        if (!mm->ok) {
            fprintf(f, ", \"error\": ");
            json_str(f, mm->msg);
        } else {
            fprintf(f, ", \"rss_empty\": %zu, \"rss_full\": %zu, "
                       "\"rss_drained\": %zu, \"rss_freed\": %zu, "
                       "\"queue_empty\": %zu, \"queue_full\": %zu, "
                       "\"queue_drained\": %zu, \"rss_drained_over_empty\": "
                       "%.4f, \"push_s\": %.4f, \"pop_s\": %.4f, "
                       "\"error\": null",
                    mm->rss_empty, mm->rss_full, mm->rss_drained,
                    mm->rss_freed, mm->mem_empty, mm->mem_full,
                    mm->mem_drained,
                    mm->rss_empty ? (double)mm->rss_drained /
                                        (double)mm->rss_empty
                                  : 0.0,
                    mm->push_s, mm->pop_s);
        }
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"targets\": [");
    for (unsigned i = 0; i < ts->n; i++) {
        fprintf(f, "%s\n    {\"target\": ", i ? "," : "");
        json_str(f, ts->t[i].what);
        fprintf(f, ", \"verdict\": \"%s\", \"detail\": ",
                ts->t[i].v == V_MET       ? "met"
                : ts->t[i].v == V_NOT_MET ? "not_met"
                                          : "not_measured");
        json_str(f, ts->t[i].detail);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "conc-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */

static void list_names(void)
{
    for (size_t i = 0; i < conc_registry_count; i++)
        printf("conc_%s\n", conc_registry[i].name);
    for (size_t i = 0; i < NPEERS; i++)
        printf("%s\n", peers[i]->name);
    printf("faa\nconc_shmring (latency)\npipe (latency)\n");
}

int main(int argc, char **argv)
{
    options o;
    parse_options(&o, argc, argv);
    if (o.list) {
        list_names();
        return 0;
    }
    for (unsigned i = 0; i < o.nonly; i++)
        if (!name_known(o.only[i]))
            usage_error("--only: no row is named '%s' (see --list)", o.only[i]);

    rowset rs = {0};
    if (o.mode_tp)
        build_rows(&rs, &o);
    if (o.mode_tp && rs.n == 0 && !o.mode_lat && !o.mode_mem)
        usage_error("nothing to run");

    machine m;
    describe_machine(&m);
    print_header(&m, &o);
    fflush(stdout);

    targets ts = {0};
    if (rs.n > 0) {
        run_all(&rs, &o);
        compute_stats(&rs);
        compute_ratios(&rs);
        compute_wait_ratios(&rs);

        print_pair_table(&rs, &o, SEC_QUEUE, "Queues");
        print_lfqueue_table(&rs, &o);
        print_pair_table(&rs, &o, SEC_STACK, "Stacks");
        bool containers = false;
        for (size_t i = 0; i < rs.n; i++)
            containers |=
                rs.v[i].section == SEC_QUEUE || rs.v[i].section == SEC_STACK;
        if (!containers)
            print_pair_table(&rs, &o, SEC_CEILING, "Fetch-and-add ceiling");
        print_counter_table(&rs, &o);
        print_wait_table(&rs, &o);
        print_legend(&rs, &o);
        fflush(stdout);
        eval_targets(&rs, &o, &ts);
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
        eval_memory_targets(ms, &ts);
    }

    m.load_end = load_average();
    m.par_end = probe_parallelism(m.cpus);
    if (ts.n > 0)
        print_targets(&ts, &m);

    printf("\n");
    printf("parallel: %ld spinning threads obtained %.2f CPUs at the end%s\n",
           m.cpus, m.par_end, parallel_warning(m.par_end, m.cpus));
    if (m.load_end >= 0)
        printf("load: 1-minute load average %.2f at the end (this run's own "
               "threads included)\n",
               m.load_end);
    const row *shortest = NULL;
    for (size_t i = 0; i < rs.n; i++)
        if (rs.v[i].n > 0 &&
            (!shortest || rs.v[i].shortest_ms < shortest->shortest_ms))
            shortest = &rs.v[i];
    if (shortest)
        printf("shortest run: %.1f ms (%s)%s\n", shortest->shortest_ms,
               shortest->name,
               shortest->shortest_ms < 20
                   ? "; runs under 20 ms are at the mercy of the scheduler, "
                     "raise --total / --adds"
                   : "");

    int status = 0;
    for (size_t i = 0; i < rs.n; i++)
        if (rs.v[i].failed)
            status = 1;
    for (unsigned i = 0; i < ls->n; i++)
        if (ls->v[i].failed)
            status = 1;
    for (unsigned i = 0; i < ms->n; i++)
        if (!ms->v[i].ok)
            status = 1;
    if (status)
        printf("\nSome rows FAILED (see above): their figures are missing or "
               "partial.\n");
    if (o.json && write_json(o.json, &rs, &o, &m, &ts, ls, ms) != 0)
        status = 1;

    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].samples);
        free(rs.v[i].stalled);
    }
    for (unsigned i = 0; i < ls->n; i++)
        free(ls->v[i].ns);
    free(ls);
    free(ms);
    free(rs.v);
    return status;
}
