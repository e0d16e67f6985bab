/*
 * conc-stress - long, many-thread runs of every conc structure, with exact
 * checks.  docs/stress.md is the manual; stress.h lists the parts.
 *
 * This file: the command line, one run per structure (threads, the progress
 * line, the stop, the join, the final checks), the verdict lines and the
 * JSON result.  Built twice: conc-stress against libconc, and
 * conc-stress-verify (-DCONC_STRESS_VERIFY) against libconc-verify, where
 * --yield-rate makes every atomic operation of the library a place where the
 * thread may give up its CPU.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broken.h"
#include "stress.h"

#ifdef CONC_STRESS_VERIFY
#include "internal/verify.h"
#define BINARY_NAME "conc-stress-verify"
#else
#define BINARY_NAME "conc-stress"
#endif

#define DEFAULT_DURATION_S 10.0
#define DEFAULT_CAPACITY 1024
#define DEFAULT_STALL_S 10.0
#define DEFAULT_BATCH 8

const char *const vkind_name[V_KINDS] = {
    "duplicate", "lost", "invented", "corrupted", "order", "lifo",
    "not-empty", "capacity", "status", "total", "prev",
};

const char *const op_state_name[] = {
    "start", "idle", "push", "pop", "push_many", "pop_many", "add",
    "barrier", "verify", "drain", "done",
};

static const char *const role_name[] = {
    "producer", "consumer", "mixed", "adder", "drain",
};

static const char *const kind_name[] = {"queue", "stack", "counter"};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

double stress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void stress_sleep(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *thread_name(const run *r, int tid, char buf[16])
{
    if (tid < 0 || tid > r->nthreads) {
        snprintf(buf, 16, "thread#%d", tid);
        return buf;
    }
    const tslot *s = &r->slots[tid];
    switch (s->role) {
    case ROLE_PRODUCER: snprintf(buf, 16, "P%d", s->index); break;
    case ROLE_CONSUMER: snprintf(buf, 16, "C%d", s->index); break;
    case ROLE_DRAIN: snprintf(buf, 16, "drain"); break;
    default: snprintf(buf, 16, "T%d", s->index); break;
    }
    return buf;
}

void violation(run *r, int kind, int producer, uint64_t seq, const char *fmt,
               ...)
{
    atomic_fetch_add_explicit(&r->v.total, 1, memory_order_relaxed);
    uint64_t n = atomic_fetch_add_explicit(&r->v.count[kind], 1,
                                           memory_order_relaxed);
    if (n >= VLIST_PER_KIND)
        return;
    pthread_mutex_lock(&r->v.lock);
    if (r->v.nlist[kind] < VLIST_PER_KIND) {
        vrecord *v = &r->v.list[kind][r->v.nlist[kind]++];
        v->kind = kind;
        v->producer = producer;
        v->seq = seq;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->detail, sizeof v->detail, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&r->v.lock);
}

int stress_thread_create(pthread_t *th, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(th, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

void stress_pin(const stress_config *cfg, tslot *s)
{
    if (!cfg->pin || s->cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(s->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void wait_for_go(run *r, tslot *s)
{
    atomic_store_explicit(&s->op, OP_START, memory_order_relaxed);
    while (!atomic_load_explicit(&r->go, memory_order_acquire))
        sched_yield();
    atomic_store_explicit(&s->op, OP_IDLE, memory_order_relaxed);
}

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

/* ------------------------------------------------------------------------ */
/* Results                                                                  */

enum { CHECK_PASS = 1, CHECK_FAIL = 0, CHECK_SKIPPED = -1 };

typedef struct check_result {
    const char *name;
    int status;
    uint64_t violations;
    const char *what;
} check_result;

typedef struct thread_result {
    char name[16];
    int role, cpu;
    uint64_t ops, pushes, pops, full, empty;
} thread_result;

typedef struct result {
    const reg_entry *e;
    char label[32];
    int P, C, M, A, nthreads;
    size_t capacity, window;
    bool capped_shards;
    double elapsed;
    uint64_t ops, pushes, pops, drained, full, empty, len_after_drain;
    size_t late_max;
    uint64_t adds, rounds, ones_rounds;
    int64_t final_total;
    double mops, fairness;
    char slowest[16];
    thread_result *threads;
    check_result checks[12];
    int nchecks;
    uint64_t vcount[V_KINDS], vtotal;
    vrecord vlist[V_KINDS][VLIST_PER_KIND];
    int nvlist[V_KINDS];
    char prod_prefix;
    bool early_stop, interrupted, pass;
    uint64_t yields, points;
} result;

static stress_config g_cfg;
static result g_results[64];
static _Atomic size_t g_nresults;
static volatile sig_atomic_t g_interrupted;
static int g_argc;
static char **g_argv;

/* ------------------------------------------------------------------------ */
/* The command line                                                         */

#define SYNOPSIS                                                               \
    "usage: " BINARY_NAME " [--structure NAME[,NAME...]|all]\n"               \
    "           [--producers P --consumers C | --threads N]\n"                \
    "           [--duration 30s | --ops N] [--capacity N] [--seed S] [--pin]\n" \
    "           [--yield-rate R] [--json FILE] [--quiet] [--stall 10s]\n"     \
    "           [--batch N] [--wait] [--expect-violation] [--list] [--help]\n"

static void usage_text(FILE *f)
{
    fprintf(f, SYNOPSIS
"\n"
"  --structure   a registry name, a comma list, or all (default; the\n"
"                deliberately broken queue is reached only as 'broken')\n"
"  --threads N   threads per structure (default 2 x online CPUs): queues\n"
"                get N/2 producers and N/2 consumers, stacks N threads that\n"
"                both push and pop, counters N adders; at most %d\n"
"  --producers P --consumers C   dedicated roles (counters: P+C adders)\n"
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
"  --expect-violation  exit 0 if a violation was found, 1 if not (tests)\n"
"  --list        list the structures and exit\n"
"\n"
"exit status: 0 pass, 1 violation, 2 usage, 3 stall, 4 could not run\n",
            STRESS_MAX_THREADS, DEFAULT_CAPACITY, DEFAULT_BATCH);
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

/* Decimal (or 0x hex when hex_ok) digits only, optional k/M/G suffix. */
static bool parse_u64(const char *s, uint64_t *out, bool suffix, bool hex_ok)
{
    if (!s || !*s)
        return false;
    int base = 10;
    if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return false;
    }
    uint64_t v = 0;
    const char *p = s;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (p == s)
        return false;
    if (*p && suffix && !p[1]) {
        uint64_t m = 0;
        switch (*p) {
        case 'k': case 'K': m = 1000; break;
        case 'm': case 'M': m = 1000000; break;
        case 'g': case 'G': m = 1000000000; break;
        }
        if (!m || v > UINT64_MAX / m)
            return false;
        v *= m;
        p++;
    }
    if (*p)
        return false;
    *out = v;
    return true;
}

/* "500ms", "30s", "5m", "2h", "1.5s", or a plain number of seconds. */
static bool parse_duration(const char *s, double *out)
{
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return false;
    double mul;
    if (!*end || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "ms"))
        mul = 1e-3;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else
        return false;
    v *= mul;
    if (!(v > 0) || v > 1e7)
        return false;
    *out = v;
    return true;
}

static void add_structure(const reg_entry *e)
{
    if (g_cfg.nstructures >= sizeof g_cfg.structures / sizeof g_cfg.structures[0])
        usage_error("too many structures");
    g_cfg.structures[g_cfg.nstructures++] = e;
}

static void parse_structures(const char *arg)
{
    char buf[512];
    if (!arg || !*arg || strlen(arg) >= sizeof buf)
        usage_error("--structure needs a name");
    strcpy(buf, arg);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "all")) {
            for (size_t i = 0; i < conc_registry_count; i++)
                add_structure(&conc_registry[i]);
        } else if (!strcmp(tok, conc_registry_broken.name)) {
            add_structure(&conc_registry_broken);
        } else {
            const reg_entry *e = conc_registry_find(tok);
            if (!e) {
                char names[512] = "";
                for (size_t i = 0; i < conc_registry_count; i++) {
                    strncat(names, conc_registry[i].name,
                            sizeof names - strlen(names) - 1);
                    strncat(names, ", ", sizeof names - strlen(names) - 1);
                }
                usage_error("unknown structure '%s' (known: %sbroken, all)",
                            tok, names);
            }
            add_structure(e);
        }
    }
    if (g_cfg.nstructures == 0)
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

static void fill_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    g_cfg.ncpus = n > 0 ? (int)n : 1;
    cpu_set_t set;
    g_cfg.ncpus_allowed = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE && g_cfg.ncpus_allowed < STRESS_MAX_THREADS; c++)
            if (CPU_ISSET(c, &set))
                g_cfg.cpus[g_cfg.ncpus_allowed++] = c;
    if (g_cfg.ncpus_allowed == 0)
        for (int c = 0; c < g_cfg.ncpus && c < STRESS_MAX_THREADS; c++)
            g_cfg.cpus[g_cfg.ncpus_allowed++] = c;
}

static void parse_args(int argc, char **argv)
{
    bool have_producers = false, have_consumers = false, have_threads = false;
    bool have_duration = false, have_ops = false, have_seed = false;
    bool have_capacity = false;
    g_cfg.yield_rate = -1;
    g_cfg.stall_s = DEFAULT_STALL_S;
    g_cfg.batch_max = DEFAULT_BATCH;
    fill_cpus();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];
        if (strncmp(a, "--", 2) != 0) {
            if (!strcmp(a, "-h"))
                a = "--help";
            else
                usage_error("unexpected argument '%s'", a);
        }
        const char *eq = strchr(a, '=');
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name)
                usage_error("unknown option '%s'", a);
            memcpy(name, a, n);
            name[n] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
#define FLAG(s) (!strcmp(name, s))
#define NEED_VALUE()                                                           \
    do {                                                                       \
        if (!val) {                                                            \
            if (i + 1 >= argc)                                                 \
                usage_error("%s needs a value", name);                         \
            val = argv[++i];                                                   \
        }                                                                      \
    } while (0)
#define NO_VALUE()                                                             \
    do {                                                                       \
        if (val)                                                               \
            usage_error("%s takes no value", name);                            \
    } while (0)
        uint64_t u;
        if (FLAG("--help")) {
            NO_VALUE();
            usage_text(stdout);
            exit(EXIT_PASS);
        } else if (FLAG("--list")) {
            NO_VALUE();
            list_structures();
            exit(EXIT_PASS);
        } else if (FLAG("--structure")) {
            NEED_VALUE();
            parse_structures(val);
        } else if (FLAG("--producers") || FLAG("--consumers")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, false, false) || u > STRESS_MAX_THREADS)
                usage_error("%s wants a number from 0 to %d, not '%s'", name,
                            STRESS_MAX_THREADS, val);
            if (FLAG("--producers")) {
                g_cfg.producers = (int)u;
                have_producers = true;
            } else {
                g_cfg.consumers = (int)u;
                have_consumers = true;
            }
        } else if (FLAG("--threads")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, false, false) || u < 1 ||
                u > STRESS_MAX_THREADS)
                usage_error("--threads wants a number from 1 to %d, not '%s'",
                            STRESS_MAX_THREADS, val);
            g_cfg.threads = (int)u;
            have_threads = true;
        } else if (FLAG("--duration")) {
            NEED_VALUE();
            if (!parse_duration(val, &g_cfg.duration_s))
                usage_error("--duration wants a positive time such as 500ms, "
                            "30s, 5m or 2h, not '%s'", val);
            have_duration = true;
        } else if (FLAG("--ops")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, true, false) || u < 1)
                usage_error("--ops wants a positive number (k, M, G "
                            "allowed), not '%s'", val);
            g_cfg.ops = u;
            have_ops = true;
        } else if (FLAG("--capacity")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, false, false) || u < 1 ||
                u > (uint64_t)SIZE_MAX)
                usage_error("--capacity wants a positive number, not '%s'",
                            val);
            g_cfg.capacity = (size_t)u;
            have_capacity = true;
        } else if (FLAG("--seed")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, false, true))
                usage_error("--seed wants a number, not '%s'", val);
            g_cfg.seed = u;
            have_seed = true;
        } else if (FLAG("--wait")) {
            NO_VALUE();
            g_cfg.wait = true;
        } else if (FLAG("--pin")) {
            NO_VALUE();
            g_cfg.pin = true;
        } else if (FLAG("--quiet")) {
            NO_VALUE();
            g_cfg.quiet = true;
        } else if (FLAG("--expect-violation")) {
            NO_VALUE();
            g_cfg.expect_violation = true;
        } else if (FLAG("--inject-stall")) {
            /* Undocumented in --help; for the watchdog's own test. */
            NO_VALUE();
            g_cfg.inject_stall = true;
        } else if (FLAG("--yield-rate")) {
            NEED_VALUE();
#ifndef CONC_STRESS_VERIFY
            usage_error("--yield-rate needs the verify build of the library: "
                        "use conc-stress-verify");
#else
            char *end;
            errno = 0;
            double r = strtod(val, &end);
            if (errno || end == val || *end || !(r >= 0.0 && r <= 1.0) ||
                !((*val >= '0' && *val <= '9') || *val == '.'))
                usage_error("--yield-rate wants a probability from 0 to 1, "
                            "not '%s'", val);
            g_cfg.yield_rate = r;
#endif
        } else if (FLAG("--json")) {
            NEED_VALUE();
            if (!*val)
                usage_error("--json needs a file name");
            g_cfg.json_path = val;
        } else if (FLAG("--stall")) {
            NEED_VALUE();
            if (!parse_duration(val, &g_cfg.stall_s))
                usage_error("--stall wants a positive time such as 10s, not "
                            "'%s'", val);
        } else if (FLAG("--batch")) {
            NEED_VALUE();
            if (!parse_u64(val, &u, false, false) || u < 1 ||
                u > STRESS_MAX_BATCH)
                usage_error("--batch wants a number from 1 to %d, not '%s'",
                            STRESS_MAX_BATCH, val);
            g_cfg.batch_max = (int)u;
        } else {
            usage_error("unknown option '%s'", a);
        }
#undef FLAG
#undef NEED_VALUE
#undef NO_VALUE
    }

    if (g_cfg.nstructures == 0)
        for (size_t i = 0; i < conc_registry_count; i++)
            add_structure(&conc_registry[i]);
    if (have_threads && (have_producers || have_consumers))
        usage_error("give either --threads or --producers/--consumers, not "
                    "both");
    if (have_producers != have_consumers)
        usage_error("give both --producers and --consumers");
    if (have_producers) {
        if (g_cfg.producers + g_cfg.consumers > STRESS_MAX_THREADS)
            usage_error("%d producers + %d consumers is more than %d threads",
                        g_cfg.producers, g_cfg.consumers, STRESS_MAX_THREADS);
        if (g_cfg.producers + g_cfg.consumers == 0)
            usage_error("--producers 0 --consumers 0: nothing would run");
        for (size_t i = 0; i < g_cfg.nstructures; i++) {
            const reg_entry *e = g_cfg.structures[i];
            if (e->kind != REG_COUNTER &&
                (g_cfg.producers == 0 || g_cfg.consumers == 0))
                usage_error("%s (a %s) needs at least one producer and one "
                            "consumer, not %dP%dC", e->name,
                            kind_name[e->kind], g_cfg.producers,
                            g_cfg.consumers);
        }
    }
    if (have_duration && have_ops)
        usage_error("give either --duration or --ops, not both");
    if (!have_duration && !have_ops)
        g_cfg.duration_s = DEFAULT_DURATION_S;
    for (size_t i = 0; g_cfg.wait && i < g_cfg.nstructures; i++) {
        const reg_entry *e = g_cfg.structures[i];
        if (e->kind != REG_COUNTER && (!e->push_wait || !e->close))
            usage_error("--wait: %s has no push_wait/pop_wait/close", e->name);
    }
    if (have_capacity) {
        for (size_t i = 0; i < g_cfg.nstructures; i++) {
            const reg_entry *e = g_cfg.structures[i];
            if (e->kind != REG_COUNTER && g_cfg.capacity > e->max_capacity)
                usage_error("--capacity %zu is more than %s accepts (%zu)",
                            g_cfg.capacity, e->name, e->max_capacity);
        }
    }
    if (!have_seed)
        g_cfg.seed = stress_mix64((uint64_t)time(NULL) ^
                                  ((uint64_t)getpid() << 32)) & 0xFFFFFFFFull;
    /* Last, so a usage error never leaves a truncated file behind. */
    if (g_cfg.json_path) {
        g_cfg.json = fopen(g_cfg.json_path, "w");
        if (!g_cfg.json)
            usage_error("cannot write --json %s: %s", g_cfg.json_path,
                        strerror(errno));
    }
}

/* ------------------------------------------------------------------------ */
/* One run                                                                  */

static int default_threads(void)
{
    int n = 2 * g_cfg.ncpus;
    if (n < 2)
        n = 2;
    if (n > STRESS_MAX_THREADS)
        n = STRESS_MAX_THREADS;
    return n;
}

static void choose_roles(const reg_entry *e, run *r)
{
    int n = g_cfg.threads ? g_cfg.threads : default_threads();
    bool pc = g_cfg.producers + g_cfg.consumers > 0;
    if (e->kind == REG_COUNTER) {
        r->A = pc ? g_cfg.producers + g_cfg.consumers : n;
    } else if (pc) {
        r->P = g_cfg.producers;
        r->C = g_cfg.consumers;
    } else if (e->kind == REG_STACK || n == 1) {
        r->M = n;
    } else {
        r->P = (n + 1) / 2;
        r->C = n / 2;
    }
    r->nthreads = r->P + r->C + r->M + r->A;
    r->nprod = r->P + r->M;
}

static size_t pow2_at_least(size_t v)
{
    size_t p = 1;
    while (p < v && p < ((size_t)1 << 40))
        p <<= 1;
    return p;
}

static void *zalloc_aligned(size_t n)
{
    size_t sz = (n + STRESS_PAD - 1) / STRESS_PAD * STRESS_PAD;
    void *p = aligned_alloc(STRESS_PAD, sz ? sz : STRESS_PAD);
    if (p)
        memset(p, 0, sz ? sz : STRESS_PAD);
    return p;
}

static STRESS_NORETURN void cannot_run(const char *what, const char *name)
{
    fflush(stdout);
    fprintf(stderr, BINARY_NAME ": cannot run %s: %s\n", name, what);
    _exit(EXIT_CANNOT_RUN);
}

static void progress_line(run *r, const char *label, double el)
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
    if (g_cfg.duration_s > 0)
        snprintf(plan, sizeof plan, "/%.0fs", g_cfg.duration_s);
    fprintf(stderr,
            "\r" BINARY_NAME " %s %s: %.1fs%s  %.2f Mops/s  ops %s  "
            "checked %s  violations %" PRIu64 "\033[K",
            r->e->name, label, el, plan, el > 0 ? (double)ops / el / 1e6 : 0.0,
            o, c, atomic_load_explicit(&r->v.total, memory_order_relaxed));
    fflush(stderr);
}

static void add_check(result *res, const char *name, int status, uint64_t n,
                      const char *what)
{
    check_result *c = &res->checks[res->nchecks++];
    c->name = name;
    c->status = status;
    c->violations = n;
    c->what = what;
}

static int vstatus(const result *res, int k1, int k2)
{
    uint64_t n = res->vcount[k1] + (k2 >= 0 ? res->vcount[k2] : 0);
    return n ? CHECK_FAIL : CHECK_PASS;
}

static void fill_checks(result *res, const container_totals *ct)
{
    const reg_entry *e = res->e;
#define VC(k) res->vcount[k]
    if (e->kind == REG_COUNTER) {
        add_check(res, "statuses", vstatus(res, V_STATUS, -1), VC(V_STATUS),
                  "every add and read returned CONC_OK");
        add_check(res, "total", vstatus(res, V_TOTAL, -1), VC(V_TOTAL),
                  "read() equals the sum of all deltas after every round and "
                  "at the end");
        add_check(res, "prev",
                  e->add_returns_prev ? vstatus(res, V_PREV, -1) : CHECK_SKIPPED,
                  VC(V_PREV),
                  "all-ones rounds: the previous totals returned are exactly "
                  "base..base+M-1, once each, increasing per thread");
        return;
    }
    add_check(res, "capacity", vstatus(res, V_CAPACITY, -1), VC(V_CAPACITY),
              "capacity() is the capacity the structure was made with "
              "(SIZE_MAX for an unbounded one)");
    add_check(res, "statuses", vstatus(res, V_STATUS, -1), VC(V_STATUS),
              "push/pop returned only OK/FULL/EMPTY, with consistent counts");
    add_check(res, "check_word", vstatus(res, V_CORRUPT, -1), VC(V_CORRUPT),
              "every popped item's check word matches its (producer, seq)");
    add_check(res, "origin", vstatus(res, V_INVENTED, -1), VC(V_INVENTED),
              "every popped item was pushed, and its push had begun");
    add_check(res, "exactly_once", vstatus(res, V_DUPLICATE, V_LOST),
              VC(V_DUPLICATE) + VC(V_LOST),
              "every pushed item was popped exactly once");
    if (e->kind == REG_QUEUE)
        add_check(res, "fifo_per_producer", vstatus(res, V_ORDER, -1),
                  VC(V_ORDER),
                  "each consumer saw each producer's items in push order");
    else
        add_check(res, "lifo_own", res->M > 0 ? vstatus(res, V_LIFO, -1)
                                              : CHECK_SKIPPED,
                  VC(V_LIFO),
                  "no pop returned a thread's item while a later item of "
                  "that thread was provably above it");
    add_check(res, "empty_after_drain", vstatus(res, V_NOT_EMPTY, -1),
              VC(V_NOT_EMPTY),
              "after the drain, pop and pop_many return CONC_EMPTY");
    bool bal = ct->pushed == ct->popped + ct->drained;
    add_check(res, "balance", bal ? CHECK_PASS : CHECK_FAIL, bal ? 0 : 1,
              "items pushed == items popped during the run + drained");
#undef VC
}

static void fill_threads(result *res, run *r)
{
    res->threads = calloc((size_t)r->nthreads, sizeof *res->threads);
    double mean[5] = {0};
    int cnt[5] = {0};
    for (int i = 0; i < r->nthreads && res->threads; i++) {
        tslot *s = &r->slots[i];
        thread_result *t = &res->threads[i];
        thread_name(r, i, t->name);
        t->role = s->role;
        t->cpu = g_cfg.pin ? s->cpu : -1;
        t->ops = atomic_load(&s->ok);
        t->pushes = atomic_load(&s->pushes);
        t->pops = atomic_load(&s->pops);
        t->full = atomic_load(&s->full);
        t->empty = atomic_load(&s->empty);
        res->full += t->full;
        res->empty += t->empty;
        mean[s->role] += (double)t->ops;
        cnt[s->role]++;
    }
    /* Fairness: the slowest thread's share of its role's mean (producers
     * and consumers are compared within their own group). */
    res->fairness = 1.0;
    snprintf(res->slowest, sizeof res->slowest, "-");
    for (int i = 0; i < r->nthreads && res->threads; i++) {
        int role = res->threads[i].role;
        double m = mean[role] / cnt[role];
        double share = m > 0 ? (double)res->threads[i].ops / m : 0.0;
        if (share < res->fairness) {
            res->fairness = share;
            snprintf(res->slowest, sizeof res->slowest, "%s",
                     res->threads[i].name);
        }
    }
}

/* Everything a run needs before its threads start: roles, the structure,
 * the per-thread slots and, for containers, the producers' ledgers. */
static run *run_setup(const reg_entry *e, result *res)
{
    run *r = zalloc_aligned(sizeof *r);
    if (!r)
        cannot_run("out of memory", e->name);
    r->cfg = &g_cfg;
    r->e = e;
    choose_roles(e, r);
    r->ops_target = g_cfg.ops;
    if (e->kind == REG_COUNTER) {
        size_t shards = g_cfg.capacity ? g_cfg.capacity
                                       : (size_t)2 * (size_t)g_cfg.ncpus;
        if (shards > e->max_capacity) {
            res->capped_shards = g_cfg.capacity != 0;
            shards = e->max_capacity;
        }
        r->capacity = shards;
    } else {
        r->capacity = g_cfg.capacity ? g_cfg.capacity : DEFAULT_CAPACITY;
    }
    pthread_mutex_init(&r->v.lock, NULL);
    r->slots = zalloc_aligned(sizeof *r->slots * ((size_t)r->nthreads + 1));
    if (!r->slots)
        cannot_run("out of memory", e->name);
    int idx[5] = {0};
    for (int i = 0; i <= r->nthreads; i++) {
        tslot *s = &r->slots[i];
        int role = i < r->P          ? ROLE_PRODUCER
                   : i < r->P + r->C ? ROLE_CONSUMER
                   : r->M            ? ROLE_MIXED
                                     : ROLE_ADDER;
        if (i == r->nthreads)
            role = ROLE_DRAIN;
        s->role = role;
        s->index = idx[role]++;
        s->cpu = g_cfg.pin && i < r->nthreads
                     ? g_cfg.cpus[i % g_cfg.ncpus_allowed] : -1;
    }
    r->obj = e->create(r->capacity);
    if (!r->obj) {
        char why[128];
        snprintf(why, sizeof why, "create(%zu) failed: %s", r->capacity,
                 strerror(errno));
        cannot_run(why, e->name);
    }
    if (e->kind == REG_COUNTER)
        return r;
    size_t got = e->capacity(r->obj);
    size_t want_cap = e->unbounded ? SIZE_MAX : r->capacity;
    if (got != want_cap)
        violation(r, V_CAPACITY, -1, 0,
                  "made with capacity %zu, capacity() says %zu (want %zu)",
                  r->capacity, got, want_cap);
    r->watch = e->kind == REG_STACK && r->M > 0;
    /* The ledger window: 4x the capacity (at least 4096) so that a healthy
     * run rarely leaves it, within 128 MB of slots for all producers. */
    size_t want = pow2_at_least(r->capacity > 1024 ? 4 * r->capacity : 4096);
    size_t limit = pow2_at_least(((size_t)1 << 24) / (size_t)r->nprod + 1) / 2;
    if (limit < 1024)
        limit = 1024;
    if (want > limit)
        want = limit;
    if (want > ((size_t)1 << 22))
        want = (size_t)1 << 22;
    r->window = want;
    while (((size_t)1 << r->window_shift) < want)
        r->window_shift++;
    /* More unsettled items than the structure and the threads' hands can
     * hold: items are being lost (ledger.c). */
    r->late_limit = r->capacity + 2 * r->window +
                    64 * (size_t)r->nthreads + 4096;
    r->prod = zalloc_aligned(sizeof *r->prod * (size_t)r->nprod);
    if (!r->prod)
        cannot_run("out of memory", e->name);
    for (int p = 0; p < r->nprod; p++)
        if (ledger_init(&r->prod[p].led, r->window) != 0)
            cannot_run("out of memory for the ledgers", e->name);
    return r;
}

static void run_free(run *r)
{
    r->e->destroy(r->obj);
    if (r->prod) {
        for (int p = 0; p < r->nprod; p++)
            ledger_fini(&r->prod[p].led);
        free(r->prod);
    }
    pthread_mutex_destroy(&r->v.lock);
    free(r->slots);
    free(r);
}

static void print_header(const run *r, const result *res)
{
    const reg_entry *e = r->e;
    char what[96], amount[48], batches[40] = "";
    if (r->P)
        snprintf(what, sizeof what, "%d producers, %d consumers", r->P, r->C);
    else if (r->M)
        snprintf(what, sizeof what, "%d threads pushing and popping", r->M);
    else
        snprintf(what, sizeof what, "%d adders", r->A);
    if (g_cfg.ops)
        snprintf(amount, sizeof amount, "%" PRIu64 " ops", g_cfg.ops);
    else
        snprintf(amount, sizeof amount, "%gs", g_cfg.duration_s);
    if (e->kind != REG_COUNTER)
        snprintf(batches, sizeof batches, ", batches up to %d",
                 g_cfg.batch_max);
    printf(BINARY_NAME ": %s (%s, %s): %s, %s %zu%s, %s%s%s\n", e->name,
           kind_name[e->kind], e->lock_free ? "lock-free" : "blocking", what,
           e->kind == REG_COUNTER ? "shards" : "capacity", r->capacity,
           res->capped_shards ? " (its maximum)" : "", amount, batches,
           g_cfg.pin ? ", pinned" : "");
    fflush(stdout);
}

/* --wait: once every thread that pushes has stopped pushing, close; the
 * consumers drain and leave on CONC_CLOSED. */
static void close_when_producers_done(run *r)
{
    while (atomic_load_explicit(&r->producers_done, memory_order_acquire) <
           r->nprod)
        stress_sleep(0.001);
    /* Before the close, so that a consumer that sees CLOSED also sees it. */
    atomic_store_explicit(&r->closed, 1, memory_order_release);
    int st = r->e->close(r->obj);
    if (st != CONC_OK)
        violation(r, V_STATUS, -1, 0, "close() returned status %d", st);
}

/* Start the threads, wait for the duration (or for the work to be done),
 * stop them and join them; the watchdog watches from the start signal on. */
static void run_threads(run *r, result *res)
{
    pthread_t *th = calloc((size_t)r->nthreads, sizeof *th);
    if (!th)
        cannot_run("out of memory", r->e->name);
    int created = 0;
    int rc = r->e->kind == REG_COUNTER ? counters_start(r, th, &created)
                                       : containers_start(r, th, &created);
    if (rc != 0)
        cannot_run(created < r->nthreads ? "cannot create threads"
                                         : "out of memory",
                   r->e->name);
    double t0 = stress_now();
    r->t_start = t0;
    watchdog_watch(r); /* after the last plain write the watchdog reads */
    atomic_store_explicit(&r->go, 1, memory_order_release);
    bool tty = !g_cfg.quiet && isatty(2);
    bool shown = false;
    double next_show = 2.0;
    for (;;) {
        double nap = 0.05;
        if (g_cfg.duration_s > 0) {
            double left = g_cfg.duration_s - (stress_now() - t0);
            if (left < nap)
                nap = left > 0 ? left : 0;
        }
        stress_sleep(nap);
        double el = stress_now() - t0;
        if (g_cfg.duration_s > 0 && el >= g_cfg.duration_s)
            break;
        if (atomic_load_explicit(&r->threads_done, memory_order_acquire) ==
            r->nthreads)
            break;
        if (g_interrupted) {
            res->interrupted = true;
            break;
        }
        if (atomic_load_explicit(&r->early_stop, memory_order_relaxed))
            break;
        /* --wait with --ops: the producers are done; time to close. */
        if (g_cfg.wait && r->e->kind != REG_COUNTER &&
            atomic_load_explicit(&r->producers_done, memory_order_acquire) ==
                r->nprod)
            break;
        if (tty && el >= next_show) {
            progress_line(r, res->label, el);
            shown = true;
            next_show = el + 0.5;
        }
    }
    atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    atomic_store_explicit(&r->phase, 1, memory_order_relaxed);
    if (g_cfg.wait && r->e->kind != REG_COUNTER)
        close_when_producers_done(r);
    for (int i = 0; i < created; i++)
        pthread_join(th[i], NULL);
    free(th);
    /* Until the last thread finished (the main thread only polls). */
    double t_end = 0;
    for (int i = 0; i < r->nthreads; i++)
        if (r->slots[i].t_done > t_end)
            t_end = r->slots[i].t_done;
    res->elapsed = (t_end > t0 ? t_end : stress_now()) - t0;
    if (shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
}

static int run_one(const reg_entry *e, result *res)
{
    memset(res, 0, sizeof *res);
    res->e = e;
    run *r = run_setup(e, res);
    res->P = r->P;
    res->C = r->C;
    res->M = r->M;
    res->A = r->A;
    res->nthreads = r->nthreads;
    res->capacity = r->capacity;
    res->window = r->window;
    if (r->P)
        snprintf(res->label, sizeof res->label, "%dP%dC", r->P, r->C);
    else
        snprintf(res->label, sizeof res->label, "%dT", r->nthreads);
    res->prod_prefix = r->P ? 'P' : 'T';
    if (!g_cfg.quiet)
        print_header(r, res);
#ifdef CONC_STRESS_VERIFY
    uint64_t y0 = conc_verify_yields(), p0 = conc_verify_points();
#endif

    run_threads(r, res);

    /* Drain and settle everything, with the watchdog still watching. */
    container_totals ct;
    memset(&ct, 0, sizeof ct);
    if (e->kind == REG_COUNTER) {
        counter_totals k;
        counters_finish(r, &k);
        res->adds = k.adds;
        res->rounds = k.rounds;
        res->ones_rounds = k.ones_rounds;
        res->final_total = k.final_total;
        res->ops = k.adds;
    } else {
        containers_finish(r, &ct);
        res->pushes = ct.pushed;
        res->pops = ct.popped;
        res->drained = ct.drained;
        res->len_after_drain = ct.len_after_drain;
        res->late_max = ct.late_max;
        res->ops = ct.pushed + ct.popped;
    }
    watchdog_watch(NULL);
#ifdef CONC_STRESS_VERIFY
    res->yields = conc_verify_yields() - y0;
    res->points = conc_verify_points() - p0;
#endif
    res->early_stop = atomic_load(&r->early_stop) != 0;
    res->mops = res->elapsed > 0 ? (double)res->ops / res->elapsed / 1e6 : 0;
    fill_threads(res, r);
    for (int k = 0; k < V_KINDS; k++)
        res->vcount[k] = atomic_load(&r->v.count[k]);
    res->vtotal = atomic_load(&r->v.total);
    memcpy(res->nvlist, r->v.nlist, sizeof res->nvlist);
    memcpy(res->vlist, r->v.list, sizeof res->vlist);
    fill_checks(res, &ct);
    res->pass = true;
    for (int i = 0; i < res->nchecks; i++)
        if (res->checks[i].status == CHECK_FAIL)
            res->pass = false;
    run_free(r);
    return res->pass ? EXIT_PASS : EXIT_VIOLATION;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static void print_result(const result *res)
{
    const reg_entry *e = res->e;
    if (res->vtotal) {
        /* Round-robin over the kinds, so that every kind found is shown. */
        int shown = 0;
        for (int round = 0; round < VLIST_PER_KIND && shown < VPRINT_MAX;
             round++)
            for (int k = 0; k < V_KINDS && shown < VPRINT_MAX; k++) {
                if (round >= res->nvlist[k])
                    continue;
                const vrecord *v = &res->vlist[k][round];
                shown++;
                if (v->producer >= 0)
                    printf("  %-10s (%c%d, seq %" PRIu64 "): %s\n",
                           vkind_name[v->kind], res->prod_prefix,
                           v->producer, v->seq, v->detail);
                else
                    printf("  %-10s %s\n", vkind_name[v->kind], v->detail);
            }
        if (res->vtotal > (uint64_t)shown)
            printf("  ... %" PRIu64 " more not shown\n",
                   res->vtotal - (uint64_t)shown);
    }
    if (!g_cfg.quiet || !res->pass) {
        printf("  checks:");
        for (int i = 0; i < res->nchecks; i++)
            printf(" %s %s%s", res->checks[i].name,
                   res->checks[i].status == CHECK_PASS   ? "ok"
                   : res->checks[i].status == CHECK_FAIL ? "FAIL"
                                                         : "skipped",
                   i + 1 < res->nchecks ? "," : "");
        printf("\n");
    }
    printf(BINARY_NAME ": %s %s %s %s=%zu ops=%" PRIu64 " Mops/s=%.2f "
           "fairness=%.2f time=%.*fs",
           res->pass ? "PASS" : "FAIL", e->name, res->label,
           e->kind == REG_COUNTER ? "shards" : "cap", res->capacity, res->ops,
           res->mops, res->fairness, res->elapsed < 10 ? 2 : 1, res->elapsed);
#ifdef CONC_STRESS_VERIFY
    printf(" yields=%" PRIu64, res->yields);
#endif
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

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_result(FILE *f, const result *res)
{
    const reg_entry *e = res->e;
    fprintf(f, "    {\n      \"name\": ");
    json_str(f, e->name);
    fprintf(f, ",\n      \"kind\": \"%s\",\n      \"lock_free\": %s,\n",
            kind_name[e->kind], e->lock_free ? "true" : "false");
    fprintf(f, "      \"config\": {\"producers\": %d, \"consumers\": %d, "
            "\"mixed\": %d, \"adders\": %d, \"threads\": %d, \"label\": \"%s\", "
            "\"%s\": %zu, ",
            res->P, res->C, res->M, res->A, res->nthreads, res->label,
            e->kind == REG_COUNTER ? "shards" : "capacity", res->capacity);
    if (g_cfg.ops)
        fprintf(f, "\"duration_s\": null, \"ops_target\": %" PRIu64 ", ",
                g_cfg.ops);
    else
        fprintf(f, "\"duration_s\": %.3f, \"ops_target\": null, ",
                g_cfg.duration_s);
    fprintf(f, "\"batch_max\": %d, \"window\": %zu, \"seed\": %" PRIu64 "},\n",
            g_cfg.batch_max, res->window, g_cfg.seed);
    fprintf(f, "      \"elapsed_s\": %.3f,\n      \"ops\": %" PRIu64
            ",\n      \"mops_per_s\": %.3f,\n",
            res->elapsed, res->ops, res->mops);
    if (e->kind == REG_COUNTER)
        fprintf(f, "      \"adds\": %" PRIu64 ", \"rounds\": %" PRIu64
                ", \"ones_rounds\": %" PRIu64 ", \"final_total\": %" PRId64
                ",\n",
                res->adds, res->rounds, res->ones_rounds, res->final_total);
    else
        fprintf(f, "      \"pushes\": %" PRIu64 ", \"pops\": %" PRIu64
                ", \"drained\": %" PRIu64 ", \"full\": %" PRIu64
                ", \"empty\": %" PRIu64 ", \"len_after_drain\": %" PRIu64
                ", \"late_max\": %zu,\n",
                res->pushes, res->pops, res->drained, res->full, res->empty,
                res->len_after_drain, res->late_max);
    fprintf(f, "      \"fairness\": {\"min_over_mean\": %.4f, "
            "\"slowest_thread\": \"%s\"},\n",
            res->fairness, res->slowest);
    fprintf(f, "      \"threads\": [");
    for (int i = 0; i < res->nthreads && res->threads; i++) {
        const thread_result *t = &res->threads[i];
        fprintf(f, "%s\n        {\"name\": \"%s\", \"role\": \"%s\", "
                "\"cpu\": %d, \"ops\": %" PRIu64 ", \"pushes\": %" PRIu64
                ", \"pops\": %" PRIu64 ", \"full\": %" PRIu64
                ", \"empty\": %" PRIu64 "}",
                i ? "," : "", t->name, role_name[t->role], t->cpu, t->ops,
                t->pushes, t->pops, t->full, t->empty);
    }
    fprintf(f, "\n      ],\n      \"checks\": [");
    for (int i = 0; i < res->nchecks; i++) {
        const check_result *c = &res->checks[i];
        fprintf(f, "%s\n        {\"name\": \"%s\", \"result\": \"%s\", "
                "\"violations\": %" PRIu64 ", \"what\": ",
                i ? "," : "", c->name,
                c->status == CHECK_PASS   ? "pass"
                : c->status == CHECK_FAIL ? "fail"
                                          : "skipped",
                c->violations);
        json_str(f, c->what);
        fputc('}', f);
    }
    fprintf(f, "\n      ],\n      \"violations\": {\"total\": %" PRIu64
            ", \"by_kind\": {", res->vtotal);
    for (int k = 0; k < V_KINDS; k++)
        fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", vkind_name[k],
                res->vcount[k]);
    fprintf(f, "}, \"shown\": [");
    int i = 0;
    for (int k = 0; k < V_KINDS; k++)
    for (int j = 0; j < res->nvlist[k]; j++, i++) {
        const vrecord *v = &res->vlist[k][j];
        fprintf(f, "%s\n        {\"kind\": \"%s\", ", i ? "," : "",
                vkind_name[v->kind]);
        if (v->producer >= 0)
            fprintf(f, "\"producer\": \"%c%d\", \"seq\": %" PRIu64 ", ",
                    res->prod_prefix, v->producer, v->seq);
        else
            fprintf(f, "\"producer\": null, \"seq\": null, ");
        fprintf(f, "\"detail\": ");
        json_str(f, v->detail);
        fputc('}', f);
    }
    fprintf(f, "]},\n");
#ifdef CONC_STRESS_VERIFY
    fprintf(f, "      \"verify\": {\"yields\": %" PRIu64 ", \"points\": %" PRIu64
            "},\n", res->yields, res->points);
#endif
    fprintf(f, "      \"stopped_early\": %s,\n      \"interrupted\": %s,\n"
            "      \"verdict\": \"%s\"\n    }",
            res->early_stop ? "true" : "false",
            res->interrupted ? "true" : "false",
            res->pass ? "pass" : "violation");
}

static void json_write(const char *verdict, int code, const char *stall_name,
                       const char *stall_report)
{
    FILE *f = g_cfg.json;
    if (!f)
        return;
    fprintf(f, "{\n  \"tool\": \"conc-stress\",\n  \"binary\": \"%s\",\n"
            "  \"version\": \"%s\",\n  \"library_version\": ",
            BINARY_NAME, CONC_VERSION_STRING);
    json_str(f, conc_version());
    fprintf(f, ",\n  \"command\": [");
    for (int i = 0; i < g_argc; i++) {
        if (i)
            fputs(", ", f);
        json_str(f, g_argv[i]);
    }
    fprintf(f, "],\n  \"cpus_online\": %d,\n  \"seed\": %" PRIu64
            ",\n  \"pin\": %s,\n  \"batch_max\": %d,\n  \"stall_s\": %.3f,\n",
            g_cfg.ncpus, g_cfg.seed, g_cfg.pin ? "true" : "false",
            g_cfg.batch_max, g_cfg.stall_s);
    if (g_cfg.yield_rate >= 0)
        fprintf(f, "  \"yield_rate\": %g,\n", g_cfg.yield_rate);
    else
        fprintf(f, "  \"yield_rate\": null,\n");
    fprintf(f, "  \"expect_violation\": %s,\n  \"verdict\": \"%s\",\n"
            "  \"exit_code\": %d,\n  \"structures\": [\n",
            g_cfg.expect_violation ? "true" : "false", verdict, code);
    size_t n = atomic_load_explicit(&g_nresults, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        json_result(f, &g_results[i]);
        fprintf(f, "%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "  ],\n  \"stall\": ");
    if (stall_report) {
        fprintf(f, "{\"structure\": ");
        json_str(f, stall_name);
        fprintf(f, ", \"report\": ");
        json_str(f, stall_report);
        fprintf(f, "}");
    } else {
        fprintf(f, "null");
    }
    fprintf(f, "\n}\n");
    fclose(f);
    g_cfg.json = NULL;
}

static void stall_json(run *r, const char *report)
{
    json_write("stall", EXIT_STALL, r->e->name, report);
}

static void on_sigint(int sig)
{
    (void)sig;
    g_interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second ^C ends the process at once */
}

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    parse_args(argc, argv);

#ifdef CONC_STRESS_VERIFY
    if (g_cfg.yield_rate >= 0)
        conc_verify_set_yield(g_cfg.yield_rate, g_cfg.seed);
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    if (!g_cfg.quiet) {
        printf(BINARY_NAME " %s (libconc %s): %d CPUs online, seed %" PRIu64
               ", stall limit %gs",
               CONC_VERSION_STRING, conc_version(), g_cfg.ncpus, g_cfg.seed,
               g_cfg.stall_s);
        if (g_cfg.yield_rate >= 0)
            printf(", yield rate %g", g_cfg.yield_rate);
        printf("\n");
        fflush(stdout);
    }
    watchdog_set_json(stall_json);
    if (watchdog_start(&g_cfg) != 0) {
        fprintf(stderr, BINARY_NAME ": cannot start the watchdog thread\n");
        return EXIT_CANNOT_RUN;
    }

    double t0 = stress_now();
    int failed = 0, ran = 0;
    char failed_names[256] = "";
    for (size_t i = 0; i < g_cfg.nstructures && !g_interrupted; i++) {
        result *res = &g_results[i];
        int rc = run_one(g_cfg.structures[i], res);
        atomic_store_explicit(&g_nresults, i + 1, memory_order_release);
        print_result(res);
        ran++;
        if (rc != EXIT_PASS) {
            failed++;
            if (failed_names[0])
                strncat(failed_names, ", ",
                        sizeof failed_names - strlen(failed_names) - 1);
            strncat(failed_names, res->e->name,
                    sizeof failed_names - strlen(failed_names) - 1);
        }
    }
    int code = failed ? EXIT_VIOLATION : EXIT_PASS;
    if (ran > 1 || g_interrupted) {
        if (failed)
            printf(BINARY_NAME ": FAIL %d of %d structures: %s (seed %" PRIu64
                   ", %.1fs)%s\n", failed, ran, failed_names, g_cfg.seed,
                   stress_now() - t0, g_interrupted ? " (interrupted)" : "");
        else
            printf(BINARY_NAME ": PASS %d structures (seed %" PRIu64
                   ", %.1fs)%s\n", ran, g_cfg.seed, stress_now() - t0,
                   g_interrupted ? " (interrupted)" : "");
    }
    const char *verdict = failed ? "violation" : "pass";
    if (g_cfg.expect_violation) {
        if (failed) {
            printf(BINARY_NAME ": violations found, as expected "
                   "(--expect-violation): exit 0\n");
            code = EXIT_PASS;
        } else {
            printf(BINARY_NAME ": expected a violation (--expect-violation) "
                   "but every check passed: exit 1\n");
            code = EXIT_VIOLATION;
        }
    }
    json_write(verdict, code, NULL, NULL);
    for (size_t i = 0; i < (size_t)ran; i++)
        free(g_results[i].threads);
    fflush(stdout);
    return code;
}
