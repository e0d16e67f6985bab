/*
 * stress.h - what the parts of conc-stress share.  One job a file, and the
 * calls go one way (main -> options, run, reports; run -> the workers,
 * the drain, the watchdog, the text report -> the run's shared state ->
 * the harness library):
 *
 *   conc-stress.c  main: options, then one run per structure, reports
 *   options.c      the command line (getopt_long) into a stress_config
 *   run.c          one run: roles, setup, threads, the stop, the join,
 *                  the checks' verdicts and the per-thread figures
 *   containers.c   producers, consumers and mixed threads over queues and
 *                  stacks, and the per-item checks
 *   drain.c        after the join: the drain, emptiness, the ledgers' final
 *                  settle
 *   counters.c     adders over counters, in verified rounds
 *   lincheck.c     --lincheck: small windows, each checked for
 *                  linearizability (harness/lincheck.h)
 *   watchdog.c     the stall detector and its report
 *   shared.c       the run's shared state the workers write: violations,
 *                  thread names, the start signal, pinning
 *   report.c       the text report (header, verdict lines, summary)
 *   json_report.c  the JSON report (harness/json.h)
 *
 * The harness library (harness/) supplies the registry, the item codec,
 * the exactly-once ledger, the order checkers, the counter checker, and
 * time, threads and pinning.  See docs/stress.md for what each check
 * proves.
 */
#ifndef CONC_STRESS_H
#define CONC_STRESS_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec.h"
#include "ledger.h"
#include "order.h"
#include "registry.h"
#include "sys.h"

#if defined(__GNUC__)
#define STRESS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define STRESS_NORETURN __attribute__((noreturn))
#else
#define STRESS_PRINTF(f, a)
#define STRESS_NORETURN
#endif

#ifdef CONC_STRESS_VERIFY
#define BINARY_NAME "conc-stress-verify"
#else
#define BINARY_NAME "conc-stress"
#endif

#define STRESS_MAX_THREADS 1024
#define STRESS_MAX_BATCH 64
#define STRESS_MAX_STRUCTURES 64
#define STRESS_PAD 128 /* two cache lines: adjacent-line prefetch included */
#define WAIT_TIMEOUT_NS 100000000ull /* --wait: each push_wait/pop_wait, 100 ms */

#define DEFAULT_DURATION_S 10.0
#define DEFAULT_CAPACITY 1024
#define DEFAULT_STALL_S 10.0
#define DEFAULT_BATCH 8
#define LZW_DEFAULT_THREADS 3 /* --lincheck: threads per window */
#define LZW_MAX_THREADS 8
#define LZW_CALLS 30          /* --lincheck: calls per window, all threads */

/* Exit codes (docs/stress.md). */
enum {
    EXIT_PASS = 0,
    EXIT_VIOLATION = 1,
    EXIT_USAGE = 2,
    EXIT_STALL = 3,
    EXIT_CANNOT_RUN = 4 /* out of memory, thread creation failed */
};

_Static_assert(sizeof(void *) == 8 && sizeof(uintptr_t) == 8,
               "conc-stress packs an item into a 64-bit pointer");
_Static_assert(H_ITEM_MAX_PRODUCERS >= STRESS_MAX_THREADS,
               "every thread can be a producer");

/* ------------------------------------------------------------------------ */
/* Configuration (options.c; no heap memory, so a usage error leaks         */
/* nothing).                                                                */

typedef struct stress_config {
    const reg_entry *structures[STRESS_MAX_STRUCTURES];
    size_t nstructures;
    int producers, consumers; /* both 0 unless given */
    int threads;              /* 0 unless given */
    bool mixed;               /* --mixed: stacks get mixed threads with --wait */
    double duration_s;        /* 0 when --ops is used */
    uint64_t ops;             /* 0 when --duration is used */
    size_t capacity;          /* 0: the default for each structure */
    uint64_t seed;
    bool pin;
    bool quiet;
    bool expect_violation;
    bool inject_stall;        /* --inject-stall: test the watchdog */
    bool wait;                /* --wait: push_wait/pop_wait, end by close */
    bool lincheck;            /* --lincheck: small windows, linearizability */
    double yield_rate;        /* < 0: not given */
    const char *json_path;
    FILE *json;
    double stall_s;
    int batch_max;            /* 1: single operations only */
    int ncpus;                /* online CPUs */
    int cpus[STRESS_MAX_THREADS]; /* CPUs this process may run on */
    int ncpus_allowed;
    int argc;                 /* the command, for the JSON report */
    char **argv;
} stress_config;

/* options.c: parse argv into *cfg, or exit (usage: 2; --help, --list: 0). */
void stress_parse_args(stress_config *cfg, int argc, char **argv);

/* ------------------------------------------------------------------------ */
/* Violations                                                               */

enum vkind {
    V_DUPLICATE, /* an item popped more than once */
    V_LOST,      /* pushed (push said OK) and never popped */
    V_INVENTED,  /* popped, never pushed (or popped before its push began) */
    V_CORRUPT,   /* the check word does not match (producer, seq) */
    V_ORDER,     /* a consumer saw one producer's items out of order */
    V_LIFO,      /* a pop returned an item below one that was still there */
    V_NOT_EMPTY, /* a pop after the final drain returned an item */
    V_CAPACITY,  /* capacity() is not what the structure was made with */
    V_STATUS,    /* an operation returned a status it must not */
    V_TOTAL,     /* a counter's total is not the sum of the deltas */
    V_PREV,      /* previous totals returned by add are inconsistent */
    V_LINEARIZE, /* --lincheck: a window's history is not linearizable */
    V_KINDS
};

#define VLIST_PER_KIND 5 /* kept per kind; about 20 are printed in all */
#define VPRINT_MAX 20

typedef struct vrecord {
    int kind;
    int producer;     /* -1 when not about an item */
    uint64_t seq;
    char detail[200];
} vrecord;

typedef struct vlog {
    pthread_mutex_t lock;
    _Atomic uint64_t count[V_KINDS];
    _Atomic uint64_t total;
    vrecord list[V_KINDS][VLIST_PER_KIND];
    int nlist[V_KINDS];
} vlog;

/* ------------------------------------------------------------------------ */
/* Per-thread published state, one padded slot each (read by the watchdog   */
/* and the progress display; written only by the owner, relaxed).           */

enum op_state {
    OP_START,   /* created, waiting for the start signal */
    OP_IDLE,    /* between operations (checking an item, backing off) */
    OP_PUSH,
    OP_POP,
    OP_PUSH_MANY,
    OP_POP_MANY,
    OP_ADD,
    OP_BARRIER, /* counters: waiting for the other threads at a round's end */
    OP_VERIFY,  /* counters: checking a round */
    OP_DRAIN,   /* the main thread, popping what is left */
    OP_DONE
};

/* Or'ed into the published op while the thread is inside the library call
 * (or inside a verification step); without it, the op is the last one the
 * thread called. */
#define OP_INSIDE 0x100
#define OP_KIND(op) ((op) & 0xff)

enum role { ROLE_PRODUCER, ROLE_CONSUMER, ROLE_MIXED, ROLE_ADDER, ROLE_DRAIN };

extern const char *const vkind_name[V_KINDS];
extern const char *const op_state_name[];
extern const char *const role_name[];
extern const char *const kind_name[];

typedef struct tslot {
    _Alignas(STRESS_PAD) _Atomic int op;
    _Atomic uint64_t arg;   /* the item being pushed / the delta being added */
    _Atomic uint64_t ok;    /* items pushed + popped, or adds done */
    _Atomic uint64_t pushes, pops;
    _Atomic uint64_t calls; /* operation calls returned, any status */
    _Atomic uint64_t checked;
    _Atomic uint64_t full, empty;
    int role;
    int index;              /* index within the role */
    int cpu;                /* pinned CPU or -1 */
    double t_done;          /* when the thread finished (read after join) */
} tslot;

/* ------------------------------------------------------------------------ */
/* A producer's shared state: its ledger (harness/ledger.h) and its LIFO    */
/* claims (harness/order.h).                                                */

typedef struct producer_state {
    _Alignas(STRESS_PAD) _Atomic uint64_t started; /* seqs whose push began */
    _Alignas(STRESS_PAD) h_ledger led;
    _Alignas(STRESS_PAD) h_lifo_table watch;
} producer_state;

/* ------------------------------------------------------------------------ */
/* One run: one structure, one configuration.                               */

typedef struct run {
    const stress_config *cfg;
    const reg_entry *e;
    void *obj;
    size_t capacity;          /* containers: capacity; counters: shards */
    bool capped_shards;       /* counters: --capacity above the maximum */
    int nthreads;             /* worker threads (the drain slot is extra) */
    int P, C, M, A;           /* producers, consumers, mixed, adders */
    int nprod;                /* P + M: threads that push */
    bool watch;               /* stacks with mixed threads: LIFO watches */
    uint64_t ops_target;      /* 0: run for the duration */
    tslot *slots;             /* nthreads + 1 (the last is the drain) */
    producer_state *prod;     /* nprod */
    size_t window;            /* ledger window, a power of two */
    size_t late_limit;        /* beyond this many unsettled items: stop */
    _Alignas(STRESS_PAD) _Atomic uint64_t clock; /* stacks: stamps */
    _Alignas(STRESS_PAD) _Atomic int go;
    _Atomic int stop;
    _Atomic int producers_done;
    _Atomic int threads_done;
    _Atomic int early_stop;   /* 1: too many unsettled items */
    _Atomic int closed;       /* --wait: the main thread closed the structure */
    _Alignas(STRESS_PAD) _Atomic int64_t inflight; /* unbounded: pushed - popped */
    _Atomic uint64_t extra_progress; /* phases that are not operations */
    _Atomic int phase;        /* 0 running, 1 joining, 2 draining, 3 checking */
    double t_start;
    vlog v;
    void *priv;               /* counters.c / containers.c */
} run;

/* shared.c */
void violation(run *r, int kind, int producer, uint64_t seq, const char *fmt,
               ...) STRESS_PRINTF(5, 6);
/* "P3", "C0", "T5", "A2", "drain". */
const char *thread_name(const run *r, int tid, char buf[16]);
/* The ledgers' sink (arg: the run): a finding becomes a violation. */
void ledger_violation(void *arg, const h_ledger_event *ev);
/* Too many items unaccounted for: stop the run (the checks stay exact). */
void stop_early(run *r);
static inline bool stop_requested(run *r)
{
    return atomic_load_explicit(&r->stop, memory_order_relaxed) != 0;
}
void stress_pin(const stress_config *cfg, tslot *s);
void wait_for_go(run *r, tslot *s);

/* containers.c and counters.c: start the threads (they wait for r->go);
 * after the join, finish: drain, check, fill the totals, free. */
typedef struct container_totals {
    uint64_t pushed, popped, drained, len_after_drain;
    size_t late_max;
} container_totals;
int containers_start(run *r, pthread_t *th, int *created);
void containers_finish(run *r, container_totals *out);

typedef struct counter_totals {
    uint64_t adds, rounds, ones_rounds;
    int64_t final_total;
} counter_totals;
int counters_start(run *r, pthread_t *th, int *created);
void counters_finish(run *r, counter_totals *out);

/* watchdog.c */
int watchdog_start(const stress_config *cfg);
void watchdog_watch(run *r); /* NULL: nothing to watch */
/* Written when a stall ends the process (set by main). */
typedef void (*stall_json_fn)(run *r, const char *report);
void watchdog_set_json(stall_json_fn fn);

/* ------------------------------------------------------------------------ */
/* Results (run.c fills them; report.c and json_report.c print them).       */

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
    uint64_t windows, windows_gave_up; /* --lincheck */
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

/* run.c: run structure e under cfg into *res; EXIT_PASS or EXIT_VIOLATION
 * (exits with EXIT_CANNOT_RUN when it cannot).  *interrupted (set by a
 * signal handler) ends the run early. */
int run_one(const stress_config *cfg, const reg_entry *e, result *res,
            volatile sig_atomic_t *interrupted);

/* run.c: one verdict line of res. */
void add_check(result *res, const char *name, int status, uint64_t n,
               const char *what);

/* lincheck.c: run_one for --lincheck. */
int lincheck_run(const stress_config *cfg, const reg_entry *e, result *res,
                 volatile sig_atomic_t *interrupted);

/* report.c */
void report_start(const stress_config *cfg);
void report_header(const stress_config *cfg, const result *res);
void report_progress(const stress_config *cfg, run *r, const char *label,
                     double el);
void report_result(const stress_config *cfg, const result *res);
void report_summary(const stress_config *cfg, const result *res, int ran,
                    double seconds, bool interrupted);
void report_expectation(bool found);

/* json_report.c: the whole result into cfg->json (then closed); stall_name
 * and stall_report are NULL unless a stall ends the run. */
void json_report(stress_config *cfg, const result *res, size_t nresults,
                 const char *verdict, int code, const char *stall_name,
                 const char *stall_report);

#endif /* CONC_STRESS_H */
