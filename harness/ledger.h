/*
 * ledger.h - exactly-once accounting of one producer's items, in bounded
 * memory, for every driver: conc-stress (hours of items, many threads
 * recording at once), the concurrent tests and fuzz_concurrent (a replay
 * of what each thread popped, after the join).
 *
 * A producer's items are its seqs 0, 1, 2, ...  Poppers record each seq
 * they popped (h_ledger_record, any thread, lock-free in the common case);
 * the producer makes room before it pushes seqs beyond the window
 * (h_ledger_make_room); once everything is quiet, h_ledger_final settles
 * the rest.  Every pushed item is then classified as popped exactly once,
 * popped k > 1 times (k - 1 duplicates reported), or lost, and every
 * recording of an item that was not pushed is reported as invented; no
 * sampling, no hashing of sets.  ledger.c says why it is exact.
 *
 * What is found is handed to the sink as an h_ledger_event, from the
 * thread that found it (a popper, the producer, or the one calling
 * h_ledger_final); h_ledger_describe() words it.
 *
 * A driver that has room for every seq (window >= the seqs it will ever
 * record, e.g. a replay) never calls h_ledger_make_room; the ledger is then
 * a plain per-item count.
 */
#ifndef CONC_HARNESS_LEDGER_H
#define CONC_HARNESS_LEDGER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a ledger found. */
enum h_ledger_what {
    H_LEDGER_POPPED_TWICE,  /* duplicate: recorded twice by `by` */
    H_LEDGER_POPPED_BY_TWO, /* duplicate: recorded by `by2`, then by `by` */
    H_LEDGER_POPPED_AGAIN,  /* duplicate: recorded by `by` after it had been
                               popped once and accounted for */
    H_LEDGER_BEFORE_PUSH,   /* invented: `by` recorded it before its push
                               began (`other`: the seq being settled) */
    H_LEDGER_REFUSED,       /* invented: `by` popped it, its push was refused */
    H_LEDGER_NEVER_PUSHED,  /* invented: `by` popped it, it was never pushed */
    H_LEDGER_LOST           /* pushed (push said OK), never popped */
};

/* The three kinds a driver reports. */
enum h_ledger_kind { H_LEDGER_DUPLICATE, H_LEDGER_INVENTED, H_LEDGER_MISSING };

typedef struct h_ledger_event {
    int what;         /* enum h_ledger_what */
    int producer;     /* the ledger's producer id */
    uint64_t seq;     /* the item */
    int by, by2;      /* recorder ids (h_ledger_record's `by`), -1 none */
    uint64_t other;   /* H_LEDGER_BEFORE_PUSH: the seq that was settled */
} h_ledger_event;

typedef void (*h_ledger_sink)(void *arg, const h_ledger_event *ev);

/* A recorder's name for messages ("C3", "thread 1 op 4"); buf has 32 bytes. */
typedef const char *(*h_ledger_namer)(void *arg, int who, char buf[32]);

typedef struct h_ledger {
    _Atomic uint64_t *slot; /* window entries: lap tag | (recorder + 1) << 32 */
    size_t window;          /* a power of two, at least 8 */
    unsigned shift;         /* log2(window) */
    size_t late_limit;      /* make_room says false beyond this; 0: none */
    int producer;
    h_ledger_sink sink;
    void *sink_arg;
    uint64_t floor;         /* producer-private: seqs below are settled */
    pthread_mutex_t lock;   /* slow paths and the late set */
    uint64_t *late;         /* sorted seqs that left the window unrecorded */
    size_t late_head, late_len, late_cap, late_live, late_max;
} h_ledger;

/* window: a power of two >= 8; late_limit: 0 for none.  0, or -1 when out
 * of memory. */
int h_ledger_init(h_ledger *l, int producer, size_t window, size_t late_limit,
                  h_ledger_sink sink, void *sink_arg);
void h_ledger_fini(h_ledger *l);

/* The smallest window (a power of two, at least 8) that holds n seqs. */
size_t h_ledger_window_for(uint64_t n);

/* A popper saw seq (recorder id `by`, 0 <= by < 2^31 - 1).  The seq must be
 * one whose push had begun, after the producer made room for it. */
void h_ledger_record(h_ledger *l, uint64_t seq, int by);

/* The producer, before it pushes seqs below `upto`.  False when settling
 * left more than late_limit items unaccounted for (items are then being
 * lost: a driver stops the run, the final checks stay exact). */
bool h_ledger_make_room(h_ledger *l, uint64_t upto);

/* Quiescent: settle everything.  Seqs below `pushed` were pushed, except
 * those refused(arg, seq) says were refused (refused may be NULL: none);
 * seqs in [pushed, started) were offered and refused; no seq at or above
 * `started` was ever offered. */
void h_ledger_final(h_ledger *l, uint64_t pushed, uint64_t started,
                    bool (*refused)(void *arg, uint64_t seq), void *arg);

/* The largest number of late items the ledger held at once. */
size_t h_ledger_late_max(const h_ledger *l);

/* DUPLICATE, INVENTED or MISSING. */
int h_ledger_kind_of(const h_ledger_event *ev);

/* The event in words ("popped by C0 and by C1", "pushed by P0 (push
 * returned CONC_OK), never popped"), recorders named by `name`; the
 * producer is named as recorder ev->producer unless producer_name is
 * given. */
const char *h_ledger_describe(const h_ledger_event *ev, h_ledger_namer name,
                              void *arg, const char *producer_name,
                              char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_LEDGER_H */
