/*
 * driver.h - conc-bench's command-line program: what its parts share.
 *
 * main.c runs the steps: options (options.c) -> rows (rows.c) -> the
 * throughput runs and their figures (throughput.c), the latency and memory
 * modes (modes.c) -> the text report (report_text.c, report_modes.c) and
 * the JSON report (report_json.c).  The machine's description (machine.c)
 * frames both reports.  The timed runs themselves are behind bench.h.
 *
 * conc-bench reports figures only; the goals the project checks them
 * against are in tools/bench-goals.py, which reads the JSON.
 */
#ifndef CONC_BENCH_DRIVER_H
#define CONC_BENCH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

/* ------------------------------------------------------------------------ */
/* Options (options.c)                                                       */

#define MAX_CONFIGS 16
#define MAX_NAMES 32
#define MAX_THREADS 64
#define MAX_MEM_ITEMS 8

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
    char *only[MAX_NAMES];         /* --only names (malloc'd) */
    unsigned nonly;
    const char *json;
    bool quick, list;
    /* Modes: throughput (the tables) unless only --latency / --memory. */
    bool mode_tp, mode_lat, mode_mem;
    bool no_wait_cost;
    bench_spin spins[2];   /* --spin: the pair tables run once per mode */
    unsigned nspins;
    bool pin;              /* --pin */
    bool solo, solo_only;  /* the single-thread table; nothing else */
    size_t batch;          /* --batch: the push_many / pop_many rows (0: none) */
    bench_lat_params lat;  /* handoffs, interval_us, burst (pace per row) */
    size_t mem_items[MAX_MEM_ITEMS];
    unsigned nmem;
} options;

/* Parses argv into *o.  --help prints the usage and exits 0; anything
 * invalid prints what and the usage on stderr and exits 2. */
void parse_options(options *o, int argc, char **argv);
void options_free(options *o);

/* Prints "conc-bench: <message>", the usage, and exits 2. */
_Noreturn void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------------ */
/* Rows of the throughput mode (rows.c)                                      */

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

/* The rows of one spin mode (--spin both: two sets). */
typedef struct rowset {
    row *v;
    size_t n, cap;
    bench_spin spin;
} rowset;

/* The peers, in table order. */
extern const bench_peer_ops *const bench_peers[];
extern const size_t bench_npeers;

bool name_selected(const options *o, const char *name);
bool name_known(const char *name);
void list_names(void);

/* Every row the options ask for, in run and table order, for spin mode
 * number `mode` (0 or 1) of o->spins.  The rows that never spin (the
 * single-thread and counter tables) are in the first mode's set only. */
void build_rows(rowset *rs, const options *o, unsigned mode);
void rows_free(rowset *rs);

bool is_pair_section(bench_section s);
bool row_ok(const row *r);
/* "1P1C", or "2T" for counter rows and single-thread waiting rows. */
void row_config(const row *r, char *out, size_t len);
const row *find_row(const rowset *rs, bench_section sec, const char *name,
                    unsigned p, unsigned c);
/* The shortest run of any row, or NULL. */
const row *shortest_row(const rowset *rs);

/* The median of n doubles (sorted in place). */
double median_of(double *v, size_t n);

/* ------------------------------------------------------------------------ */
/* Throughput mode (throughput.c)                                            */

/* Every row's runs, interleaved; then each row's median, min and max, the
 * conc rows' ratios to their fastest peer, and the waiting-cost ratios. */
void run_throughput(rowset *rs, const options *o);

/* ------------------------------------------------------------------------ */
/* Latency and memory modes (modes.c)                                        */

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

#define MAX_LAT_ROWS 16

typedef struct lat_set {
    lat_row v[MAX_LAT_ROWS];
    unsigned n;
} lat_set;

typedef struct mem_set {
    bench_mem_result v[MAX_MEM_ITEMS];
    unsigned n;
} mem_set;

void run_latency(lat_set *ls, const options *o);
void lat_set_free(lat_set *ls);
void run_memory(mem_set *ms, const options *o);

/* ------------------------------------------------------------------------ */
/* The machine (machine.c)                                                   */

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

/* CPUs, model, OS, date, compiler, load and the parallelism probe at the
 * start; machine_finish: load and probe at the end. */
void describe_machine(machine *m);
void machine_finish(machine *m);
/* A note for the parallel line when the probe got under 3/4 of the CPUs;
 * "" otherwise. */
const char *parallel_warning(double got, long cpus);

/* ------------------------------------------------------------------------ */
/* Reports (report_text.c, report_modes.c, report_json.c)                    */

void print_header(const machine *m, const options *o);
void print_throughput(const rowset *rs, const options *o);
/* The heading of one spin mode's tables (--spin both). */
void print_spin_heading(const rowset *rs, const options *o);
void print_latency(const lat_set *ls, const options *o);
void print_memory(const mem_set *ms);
void print_footer(const machine *m, const rowset *rs);

/* 0, or -1 with a message on stderr. */
int write_json(const char *path, const rowset *sets, unsigned nsets,
               const options *o, const machine *m, const lat_set *ls,
               const mem_set *ms);

#endif /* CONC_BENCH_DRIVER_H */
