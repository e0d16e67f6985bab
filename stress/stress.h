/*
 * stress.h - what the parts of conc-stress share.
 *
 *   conc-stress.c  command line, the run of each structure, verdicts, JSON
 *   containers.c   producers, consumers and mixed threads over queues and
 *                  stacks, and the per-item checks
 *   ledger.c       exactly-once accounting in bounded memory
 *   counters.c     adders over counters, in verified rounds
 *   watchdog.c     the stall detector and its report
 *
 * See docs/stress.md for what each check proves.
 */
#ifndef CONC_STRESS_H
#define CONC_STRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry.h"

#if defined(__GNUC__)
#define STRESS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define STRESS_NORETURN __attribute__((noreturn))
#else
#define STRESS_PRINTF(f, a)
#define STRESS_NORETURN
#endif

#define STRESS_MAX_THREADS 1024
#define STRESS_MAX_BATCH 64
#define STRESS_PAD 128 /* two cache lines: adjacent-line prefetch included */
#define WAIT_TIMEOUT_NS 100000000ull /* --wait: each push_wait/pop_wait, 100 ms */

/* Exit codes (docs/stress.md). */
enum {
    EXIT_PASS = 0,
    EXIT_VIOLATION = 1,
    EXIT_USAGE = 2,
    EXIT_STALL = 3,
    EXIT_CANNOT_RUN = 4 /* out of memory, thread creation failed */
};

/* ------------------------------------------------------------------------ */
/* Items: (producer, sequence, check word) packed into the 64-bit void *.   */

#define ITEM_PROD_BITS 10 /* up to 1024 producers: the thread limit */
#define ITEM_SEQ_BITS 38  /* 2.7e11 items per producer */
#define ITEM_CHECK_BITS 16
#define ITEM_SEQ_LIMIT ((uint64_t)1 << ITEM_SEQ_BITS)

_Static_assert(ITEM_PROD_BITS + ITEM_SEQ_BITS + ITEM_CHECK_BITS == 64,
               "an item is one 64-bit word");
_Static_assert(((uint64_t)1 << ITEM_PROD_BITS) >= STRESS_MAX_THREADS,
               "every thread can be a producer");
_Static_assert(sizeof(void *) == 8 && sizeof(uintptr_t) == 8,
               "conc-stress packs an item into a 64-bit pointer");

static inline uint64_t stress_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t item_check(uint64_t producer, uint64_t seq)
{
    return stress_mix64((producer << ITEM_SEQ_BITS) ^ seq ^ 0xC0C0A5A5ull) >>
           (64 - ITEM_CHECK_BITS);
}

static inline uint64_t item_encode(uint64_t producer, uint64_t seq)
{
    return (producer << (ITEM_SEQ_BITS + ITEM_CHECK_BITS)) |
           (seq << ITEM_CHECK_BITS) | item_check(producer, seq);
}

static inline uint64_t item_producer(uint64_t v)
{
    return v >> (ITEM_SEQ_BITS + ITEM_CHECK_BITS);
}

static inline uint64_t item_seq(uint64_t v)
{
    return (v >> ITEM_CHECK_BITS) & (ITEM_SEQ_LIMIT - 1);
}

static inline uint64_t item_checkword(uint64_t v)
{
    return v & (((uint64_t)1 << ITEM_CHECK_BITS) - 1);
}

/* xorshift64*, one stream per thread. */
static inline uint64_t stress_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

double stress_now(void);
void stress_sleep(double seconds);

/* ------------------------------------------------------------------------ */
/* Configuration (parsed once; no heap memory, so a usage error leaks       */
/* nothing).                                                                */

typedef struct stress_config {
    const reg_entry *structures[64];
    size_t nstructures;
    int producers, consumers; /* both 0 unless given */
    int threads;              /* 0 unless given */
    double duration_s;        /* 0 when --ops is used */
    uint64_t ops;             /* 0 when --duration is used */
    size_t capacity;          /* 0: the default for each structure */
    uint64_t seed;
    bool pin;
    bool quiet;
    bool expect_violation;
    bool inject_stall;        /* --inject-stall: test the watchdog */
    bool wait;                /* --wait: push_wait/pop_wait, end by close */
    double yield_rate;        /* < 0: not given */
    const char *json_path;
    FILE *json;
    double stall_s;
    int batch_max;            /* 1: single operations only */
    int ncpus;                /* online CPUs */
    int cpus[STRESS_MAX_THREADS]; /* CPUs this process may run on */
    int ncpus_allowed;
} stress_config;

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
    V_KINDS
};

extern const char *const vkind_name[V_KINDS];

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

extern const char *const op_state_name[];

enum role { ROLE_PRODUCER, ROLE_CONSUMER, ROLE_MIXED, ROLE_ADDER, ROLE_DRAIN };

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
/* The ledger: exactly-once accounting per producer (ledger.c).             */

struct run;

typedef struct ledger {
    _Atomic uint64_t *slot; /* W entries: (lap tag) | (recorder + 1) << 32 */
    uint64_t floor;         /* producer-private: seqs below are settled */
    pthread_mutex_t lock;   /* slow paths and the late set */
    uint64_t *late;         /* sorted seqs that left the window unrecorded */
    size_t late_head, late_len, late_cap, late_live, late_max;
} ledger;

int ledger_init(ledger *l, size_t window);
void ledger_fini(ledger *l);
/* A consumer saw (producer p, seq) with the premature check passed. */
void ledger_record(struct run *r, int p, uint64_t seq, int tid);
/* The producer makes room before pushing seqs below `upto`. */
void ledger_make_room(struct run *r, int p, uint64_t upto);
/* After the drain: settle everything below `pushed`; report losses. */
void ledger_final(struct run *r, int p, uint64_t pushed, uint64_t started);

/* ------------------------------------------------------------------------ */
/* A producer's shared state.                                               */

#define WATCH_WAYS 4

typedef struct watch_entry {
    _Atomic uint64_t ver; /* seqlock, single writer: odd while writing */
    _Atomic uint64_t y;   /* seq + 1 of the later item, 0 none */
    _Atomic uint64_t x;   /* seq of the item the owner popped */
    _Atomic uint64_t pr;  /* clock stamp after that pop returned */
} watch_entry;

typedef struct producer_state {
    _Alignas(STRESS_PAD) _Atomic uint64_t started; /* seqs whose push began */
    _Alignas(STRESS_PAD) ledger led;
    _Alignas(STRESS_PAD) watch_entry watch[WATCH_WAYS];
} producer_state;

/* ------------------------------------------------------------------------ */
/* One run: one structure, one configuration.                               */

typedef struct run {
    const stress_config *cfg;
    const reg_entry *e;
    void *obj;
    size_t capacity;          /* containers: capacity; counters: shards */
    int nthreads;             /* worker threads (the drain slot is extra) */
    int P, C, M, A;           /* producers, consumers, mixed, adders */
    int nprod;                /* P + M: threads that push */
    bool watch;               /* stacks with mixed threads: LIFO watches */
    uint64_t ops_target;      /* 0: run for the duration */
    tslot *slots;             /* nthreads + 1 (the last is the drain) */
    producer_state *prod;     /* nprod */
    size_t window;            /* ledger window, a power of two */
    unsigned window_shift;
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

void violation(run *r, int kind, int producer, uint64_t seq, const char *fmt,
               ...) STRESS_PRINTF(5, 6);
/* "P3", "C0", "T5", "A2", "drain". */
const char *thread_name(const run *r, int tid, char buf[16]);
static inline bool stop_requested(run *r)
{
    return atomic_load_explicit(&r->stop, memory_order_relaxed) != 0;
}

/* containers.c and counters.c: start the threads (they wait for r->go);
 * after the join, finish: drain, check, fill the totals, free. */
typedef struct container_totals {
    uint64_t pushed, popped, drained, len_after_drain;
    size_t late_max;
} container_totals;
int containers_start(run *r, pthread_t *th, int *created);
void containers_finish(run *r, container_totals *out);

/* counters.c */
typedef struct counter_totals {
    uint64_t adds, rounds, ones_rounds;
    int64_t final_total;
} counter_totals;
int counters_start(run *r, pthread_t *th, int *created);
void counters_finish(run *r, counter_totals *out);

/* watchdog.c */
int watchdog_start(const stress_config *cfg);
void watchdog_watch(run *r); /* NULL: nothing to watch */
/* Written when a stall ends the process (set by conc-stress.c). */
typedef void (*stall_json_fn)(run *r, const char *report);
void watchdog_set_json(stall_json_fn fn);

/* thread helpers */
/* pthread_create with a 256 KiB stack: 0, or -1 with errno set. */
int stress_thread_create(pthread_t *th, void *(*fn)(void *), void *arg);
void stress_pin(const stress_config *cfg, tslot *s);
void wait_for_go(run *r, tslot *s);

#endif /* CONC_STRESS_H */
