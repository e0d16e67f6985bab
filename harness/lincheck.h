/*
 * lincheck.h - the linearizability checker: could a recorded concurrent
 * history of operations on one structure have happened, one operation at a
 * time, each at some instant between its invocation and its response, in
 * an execution of the structure's sequential specification?
 *
 * Algorithm: Wing & Gong's search (J. M. Wing and C. Gong, "Testing and
 * verifying concurrent objects", Journal of Parallel and Distributed
 * Computing 17(1), 1993): from the start state, repeatedly linearize one
 * "minimal" operation (one invoked before every not yet linearized
 * operation returned), backtracking when the specification refuses it,
 * with Lowe's memoisation of the configurations already explored (the set
 * of linearized operations and the specification's state: G. Lowe,
 * "Testing for linearizability", Concurrency and Computation: Practice and
 * Experience 29(4), 2017), as Anish Athalye's Porcupine does.  Written
 * anew for conc; no code comes from either.
 *
 * Users: the schedule explorer (every explored execution, 4-20 operations,
 * stamps from its global step counter), conc-stress --lincheck and
 * fuzz_concurrent (small windows of real runs, stamps from CLOCK_MONOTONIC
 * read just before the invocation and just after the return), and
 * verify/test_lincheck.c.
 *
 * ---- A history ----------------------------------------------------------
 *
 * An array of lz_op, at most LZ_MAX_OPS of them (a uint64_t set of
 * linearized operations).  Op j precedes op i in real time when
 * resp_j < inv_i (strictly: equal stamps are taken as concurrent, which is
 * the safe reading of two clock reads that agree).  An operation that
 * never returned has resp == LZ_PENDING: it may have taken effect (at any
 * instant after its invocation) or not.  `after` names an operation of the
 * same history that must be linearized before this one (the previous item
 * of a batch, the close before close_now's discards); it must be a smaller
 * index.  `glued` (with `after`) says there is nothing between the two:
 * the batches of conc_mutexq and conc_mutexstack are atomic.  Ops of kind
 * LZ_NOP are ignored (the recorder leaves them for the unused tail of a
 * reserved batch).
 *
 * How each call is recorded (the lz_hist helpers below do it):
 *   push(x) / push_wait(x, t)   one LZ_PUSH, value x, its status
 *   pop() / pop_wait(t)         one LZ_POP, value = the item if OK
 *   push_many(x0..xn-1) -> k    k LZ_PUSH OK chained by `after`, then, if
 *                               k < n, one LZ_PUSH of x_k with the status
 *                               (FULL, ...); CLOSED: x_k..x_n-1 each an
 *                               LZ_PUSH CLOSED (a real batch may hold a
 *                               free slot for each until it sees the close)
 *   pop_many(max) -> k          k LZ_POP OK chained; if k == 0, one LZ_POP
 *                               with the status (EMPTY or CLOSED)
 *   close()                     one LZ_CLOSE
 *   close_now() -> discarded    LZ_CLOSE, then per discarded item an
 *                               LZ_POP OK (and, in a joinable structure,
 *                               an LZ_TASK_DONE of status LZ_ANY: close_now
 *                               counts it done), then an LZ_POP CLOSED, all
 *                               chained: closed and empty when it returns
 *   closed()                    one LZ_CLOSED_Q, value 0 or 1
 *   task_done() / join(t)       one LZ_TASK_DONE / LZ_JOIN with its status
 *   add(d) -> prev              one LZ_ADD, value d (two's complement), and
 *                               prev with has_prev when the counter reports it
 *   read() -> v                 one LZ_READ, value v
 *
 * ---- The sequential specifications (lz_spec) ----------------------------
 *
 * Containers (LZ_FIFO, LZ_LIFO; conc/wait.h and each family's header).
 * State: the items in (oldest or bottom first), closed or not, and for a
 * joinable structure the count of unfinished items.
 *   push OK        not closed, and fewer than `capacity` items in (or
 *                  capacity 0: unbounded); appends; unfinished + 1.
 *   push FULL      not closed and capacity items in; with full_inflight
 *   push TIMEDOUT  (conc_ring, conc_stack: "a concurrent push may report
 *                  CONC_FULL with N-1 items" while a pop is between taking
 *                  its item and freeing its slot) also when the items in,
 *                  plus the slots held by the pops already linearized whose
 *                  call had not returned by the push's invocation, plus
 *                  those held by other pushes overlapping it (an OK push
 *                  not yet linearized, or one that answers CLOSED: both
 *                  take a slot or node before they publish or give it
 *                  back, src/ring.c and src/stack.c), reach the capacity.
 *                  Never for an unbounded structure.  (push_wait with
 *                  timeout 0 answers FULL, a longer one TIMEDOUT: the same
 *                  state.)
 *   push CLOSED    closed.
 *   pop OK x       x is the oldest (FIFO) / newest (LIFO) item; removes
 *                  it, closed or not (close lets the structure drain).
 *   pop EMPTY      nothing in and not closed (pop_wait with timeout 0:
 *   pop TIMEDOUT   EMPTY; longer: TIMEDOUT).
 *   pop CLOSED     nothing in and closed.
 *   close OK       closed from now on (idempotent).
 *   closed() v     v == 1 exactly when closed.
 *   task_done OK   joinable and unfinished > 0; unfinished - 1.
 *   task_done EINVAL  not joinable, or unfinished == 0; nothing changes.
 *   join OK        joinable and unfinished == 0.
 *   join TIMEDOUT  joinable and unfinished > 0; or, with join_inflight
 *                  (wait.h: "join counts the pushes in flight as
 *                  unfinished"), a push of any status overlapped the join.
 *   join EINVAL    not joinable (or CONC_NOWAIT).
 *   ENOMEM         push, pop, close: allowed anywhere, nothing changes
 *                  (conc_lfqueue's segments, a thread's first hazard-pointer
 *                  record).
 *   status LZ_ANY  (completed op) whichever of the outcomes above the
 *                  state allows, the effect preferred: close_now's
 *                  task_done, which counts down only while the count is
 *                  above zero.
 * Anything else (EINVAL from a push, OK from task_done on a structure that
 * is not joinable, a status the verb never returns) is a violation.
 * Pending ops: a pending push appends (if it could say OK), a pending pop
 * removes whatever item is next (its value is not looked at), a pending
 * close closes, a pending task_done counts down, a pending add adds; a
 * pending read, join or closed() changes nothing and is dropped.  Each may
 * equally be left out.  A pending op's status is not looked at.
 *
 * Counters (LZ_COUNTER: conc_counter, conc_mutexcounter).  State: the total
 * (uint64_t, wrapping).  add OK: prev == total if has_prev; total += value.
 * read OK: value == total.
 *
 * conc_sharded (LZ_SHARDED) is not linearizable and lz_check hands it to
 * lz_check_sharded: each read must lie in the interval conc/counter.h
 * promises (below).
 *
 * ---- Results ------------------------------------------------------------
 *
 * LZ_OK, or LZ_VIOLATION with a minimal failing sub-history in the result,
 * found in three steps.  (1) The shortest failing prefix: the ops invoked
 * before a cut, those that had not returned by it pending (a prefix of a
 * linearizable history is linearizable, so this failure happened).  (2) A
 * culprit: a unit whose removal makes that prefix linearizable, the
 * latest first.  Units are an item (its pushes, the pops that returned it,
 * its prefilled copies) and any other op alone; never a push without the
 * pops of its item (they would invent it), nor a pop without its item's
 * push (the item would stay in, and make a later pop or EMPTY wrong).
 * (3) Every other unit removed while what is left still fails, still
 * passes cut just before the first failing cut, and passes without the
 * culprit, until no removal qualifies: removing an item can make another
 * op wrong (a FULL whose items are gone, a task_done whose push is gone),
 * and these tests keep such a new wrong from becoming the reason shown.
 * (Without a culprit, two faults at once, the first two tests.)  Also the
 * longest linearization the search found for that sub-history, and the
 * state it leaves.  lz_print_result prints them, one line per thread on a
 * time axis; lz_result_subhistory rebuilds the sub-history.
 *
 * Cost: every configuration (linearized set, state, and the atomic batch
 * that must go on next, if any) is explored at most once;
 * lz_result.states counts them.  The state names items by what the
 * rest of the history can tell apart: every item that no remaining pop
 * returns is one and the same, so concurrent pushes of items nobody pops
 * give one state, not k!.  A thread's own ops never overlap, so with t
 * threads at most t ops are in flight at once and the linearized sets are
 * at most the (ops per thread + 1)^t prefixes: a 64-op history of 4
 * threads explores thousands to ~10^5 configurations (~1 us each).  With k
 * ops all concurrent it can reach 2^k or worse: max_states bounds the
 * effort (LZ_GAVE_UP).
 *
 * Reentrancy: an lz_ctx (scratch memory reused across checks) belongs to
 * one thread at a time; lz_check makes its own.  An lz_hist may be written
 * by many threads at once (each op by the thread that began it).
 */
#ifndef CONC_HARNESS_LINCHECK_H
#define CONC_HARNESS_LINCHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LZ_MAX_OPS 64
/* resp of an operation that never returned. */
#define LZ_PENDING UINT64_MAX
/* status of an operation whose outcome is unknown (see above). */
#define LZ_ANY (-1)
/* status of a pop that found nothing, EMPTY or CLOSED as the state has it:
 * where a pop batch that said OK stopped short (pop_many stops only at an
 * answer a pop would give EMPTY or CLOSED to). */
#define LZ_NOTHING (-2)

enum lz_kind {
    LZ_NOP = 0,    /* ignored (an unused reserved slot) */
    LZ_PUSH,       /* push, push_wait, an item of push_many */
    LZ_POP,        /* pop, pop_wait, an item of pop_many or close_now */
    LZ_CLOSE,      /* close, the first step of close_now */
    LZ_CLOSED_Q,   /* closed(): value 0 or 1 */
    LZ_TASK_DONE,
    LZ_JOIN,
    LZ_ADD,        /* counters: value = delta (int64_t as uint64_t) */
    LZ_READ        /* counters: value = the total read */
};

typedef struct lz_op {
    uint32_t thread;  /* who called it (for printing and per-thread lines) */
    uint32_t kind;    /* enum lz_kind */
    int status;       /* the conc_status it returned, or LZ_ANY */
    uint64_t value;   /* push: the item; pop OK: the item returned; add: the
                         delta; read: the total read; closed(): 0/1 */
    uint64_t prev;    /* add: the previous total it reported, if has_prev */
    bool has_prev;
    bool glued;       /* linearized immediately after `after` */
    uint64_t inv, resp; /* stamps of one clock; resp LZ_PENDING if none */
    int32_t after;    /* an earlier op to linearize before this one, or -1 */
} lz_op;

typedef enum lz_model {
    LZ_FIFO,    /* queues */
    LZ_LIFO,    /* stacks */
    LZ_COUNTER, /* linearizable counters */
    LZ_SHARDED  /* conc_sharded: the read interval (lz_check_sharded) */
} lz_model;

typedef struct lz_spec {
    lz_model model;
    size_t capacity;     /* containers; 0: unbounded (never FULL) */
    bool full_inflight;  /* FULL also with pops in flight (see above) */
    bool joinable;       /* CONC_JOINABLE */
    bool join_inflight;  /* join may time out while a push is in flight */
    bool closed;         /* closed at the start */
    const uint64_t *prefill; /* items in at the start, oldest (FIFO) or */
    size_t prefill_n;        /* bottom (LIFO) first */
    uint64_t unfinished; /* joinable: the count at the start (a setup that
                            pushed prefill_n items and finished none:
                            prefill_n) */
    uint64_t total;      /* counters: the total at the start */
    uint64_t max_states; /* give up after this many configurations (0: no
                            limit) */
    bool no_shrink;      /* on a violation, skip the shrinking */
} lz_spec;

/* The specification of a registry entry (containers: `capacity` as made,
 * `flags` its construction flags; counters: both ignored): the model by
 * kind, full_inflight unless exact_full, capacity 0 if unbounded, joinable
 * from CONC_JOINABLE, join_inflight always (wait.h says it of every
 * container), counters LZ_SHARDED unless add_returns_prev.  Prefill,
 * unfinished and total start empty/zero. */
lz_spec lz_spec_for(const reg_entry *e, size_t capacity, unsigned flags);

typedef enum lz_verdict {
    LZ_OK = 0,      /* linearizable (sharded: every read in its interval) */
    LZ_VIOLATION,   /* not: see kept / path */
    LZ_TOO_BIG,     /* more than LZ_MAX_OPS ops (after dropping LZ_NOP) */
    LZ_NOMEM,       /* the checker ran out of memory */
    LZ_BAD_HISTORY, /* malformed: resp < inv, `after` not an earlier op... */
    LZ_GAVE_UP      /* max_states configurations explored, no answer */
} lz_verdict;

typedef struct lz_result {
    lz_verdict verdict;
    uint64_t states;     /* configurations explored by the (first) search */
    /* LZ_BAD_HISTORY: the op at fault (-1 none) and what is wrong. */
    int bad_op;
    const char *why;
    /* LZ_VIOLATION: the minimal failing sub-history: bit i of `kept` for
     * ops[i], bit j of `prefill_kept` for prefill[j] (every prefilled item
     * is kept when there are more than 64).  Without shrinking (no_shrink,
     * or a shrink that ran out of memory) every op is kept. */
    uint64_t kept;
    uint64_t prefill_kept;
    size_t n_kept;
    /* ... cut at this stamp: kept ops that had not returned by it count as
     * pending (LZ_PENDING: not cut).  lz_result_subhistory applies it. */
    uint64_t cut;
    /* The longest linearization of the kept sub-history the search found
     * (indices into ops); no kept op left can be linearized after it. */
    size_t path_len;
    int path[LZ_MAX_OPS];
    /* ... and the state it leaves ("items [2 5], closed, unfinished 1"). */
    char state[200];
    /* LZ_SHARDED: the read at fault is bad_op; the interval it missed. */
    int64_t lo, hi;
} lz_result;

typedef struct lz_ctx lz_ctx;

/* Scratch memory for checks (NULL if out of memory). */
lz_ctx *lz_ctx_new(void);
void lz_ctx_free(lz_ctx *ctx);

/* Check ops[0..n) against spec; fills *r (may be NULL) and returns its
 * verdict.  LZ_SHARDED goes to lz_check_sharded. */
lz_verdict lz_check_ctx(lz_ctx *ctx, const lz_spec *spec, const lz_op *ops,
                        size_t n, lz_result *r);
lz_verdict lz_check(const lz_spec *spec, const lz_op *ops, size_t n,
                    lz_result *r);

/* conc_sharded's documented guarantee (conc/counter.h), per read: it
 * returns total + the deltas of every add that returned before the read
 * was invoked + those of some of the adds that overlap it (each slot is
 * read once, at some instant of the read).  Checked as the interval
 *   [base + negative parts of the overlapping adds,
 *    base + positive parts of the overlapping adds]
 * where base = spec->total + the adds completed before the read's
 * invocation; an add overlaps when invoked before the read returned (a
 * pending add too) but not completed before it began.  Modulo 2^64.  Any
 * number of ops (no LZ_MAX_OPS limit); shrinks like lz_check when the
 * history has at most LZ_MAX_OPS ops. */
lz_verdict lz_check_sharded(const lz_spec *spec, const lz_op *ops, size_t n,
                            lz_result *r);

/* Conservation, without any order: every item a pop returned was pushed
 * (OK or pending) or prefilled at least as many times as it was popped,
 * and no pop returned before the push of its item was invoked.  Any
 * number of ops.  LZ_OK or LZ_VIOLATION (bad_op: the first offending pop,
 * why: what), LZ_NOMEM. */
lz_verdict lz_check_conservation(const lz_spec *spec, const lz_op *ops,
                                 size_t n, lz_result *r);

/* ---- Printing ----------------------------------------------------------- */

/* One op's label: "push(3) FULL", "pop() 7", "pop() EMPTY", "add(-2)
 * prev=5", "read() 3", "join() TIMEDOUT"; a pending op ends in "...".
 * Returns what snprintf returns. */
int lz_format_op(char *buf, size_t size, const lz_op *op);

/* The ops whose bit is set in `mask` (all: ~0), one line per thread on a
 * time axis: each op a bar |--label--| from its invocation to its
 * response, in the order of the stamps (not to scale); a pending op runs
 * off the right end (|--label-->); a batch (ops of one thread with the same
 * interval) is one bar; a thread whose ops overlap gets a second line.  Any
 * number of ops (the mask covers the first 64).  Each line starts with
 * `prefix` (NULL: none). */
void lz_print(FILE *f, const char *prefix, const lz_op *ops, size_t n,
              uint64_t mask);

/* A result: its verdict, the spec, and for a violation the kept prefill,
 * the kept ops on the time axis, the longest linearization found and the
 * state it leaves, and the ops that could not follow it.  Every line
 * starts with `prefix` (e.g. "# " for TAP). */
void lz_print_result(FILE *f, const char *prefix, const lz_spec *spec,
                     const lz_op *ops, size_t n, const lz_result *r);

const char *lz_verdict_name(lz_verdict v);
/* A status's name ("OK", "FULL", ..., "?" for LZ_ANY); NULL if unknown. */
const char *lz_status_name(int st);

/* The minimal failing sub-history of a violation as a history of its own:
 * the kept ops into out[] (at most LZ_MAX_OPS; `after` renumbered, the ops
 * the cut left unreturned pending), index[k] (may be NULL) the original
 * index of out[k]; *sub_spec (may be NULL) the spec with the kept prefill,
 * copied into prefill_out (room for spec->prefill_n items).  It fails
 * lz_check on its own.  Returns the number of ops. */
size_t lz_result_subhistory(const lz_spec *spec, const lz_op *ops, size_t n,
                            const lz_result *r, lz_op *out, int *index,
                            lz_spec *sub_spec, uint64_t *prefill_out);

/* ---- Recording ---------------------------------------------------------- */

typedef uint64_t (*lz_clock_fn)(void *arg);

/* A history being recorded.  Each op is begun and ended by one thread;
 * many threads may record at once (slots are taken with an atomic
 * increment).  The clock is read in lz_begin* before the caller invokes
 * the operation and in lz_end* after it returned. */
typedef struct lz_hist {
    lz_op ops[LZ_MAX_OPS];
    atomic_uint n;        /* slots taken, at most LZ_MAX_OPS */
    lz_clock_fn clock;    /* NULL: CLOCK_MONOTONIC in ns (h_now_ns) */
    void *clock_arg;
} lz_hist;

void lz_hist_init(lz_hist *h, lz_clock_fn clock, void *clock_arg);
/* The ops recorded so far (slots taken, LZ_NOP ones included). */
size_t lz_hist_len(const lz_hist *h);

/* Begin one op (stamps inv; resp LZ_PENDING, status LZ_ANY): its index,
 * or -1 when the history is full: then do not perform the op (lz_end*
 * ignore -1), and the history still describes the run. */
int lz_begin(lz_hist *h, uint32_t thread, uint32_t kind, uint64_t value);
/* End it (stamps resp).  value: pop OK, read, closed() (others keep the
 * value given to lz_begin; pass it again or anything). */
void lz_end(lz_hist *h, int i, int status, uint64_t value);
/* End an add that reported the previous total. */
void lz_end_add(lz_hist *h, int i, int status, uint64_t prev);

/* A batch: push_many(items[0..n)) (kind LZ_PUSH) or pop_many(n) (LZ_POP,
 * items NULL).  Reserves n chained ops (glued if atomic), pending until
 * lz_end_many; index of the first, or -1 (history full).  n >= 1. */
int lz_begin_many(lz_hist *h, uint32_t thread, uint32_t kind,
                  const uint64_t *items, size_t n, bool atomic);
/* End it: `done` items went in / came out (pop: out[0..done)), the call
 * returned `status`.  A push batch with done < n records item `done` with
 * the status; a pop batch with done == 0 records one pop with it, and one
 * that said OK with 0 < done < n one pop of status LZ_NOTHING after its
 * items (it may stop short only where a pop would have found nothing); the
 * unused slots become LZ_NOP.  (Until then the first op's `prev` holds
 * the size of the reservation.) */
void lz_end_many(lz_hist *h, int first, int status, const uint64_t *out,
                 size_t done);

/* Check what h recorded (all its ops must have ended or be pending for
 * good: call it after the recording threads are joined).  ctx may be
 * NULL. */
lz_verdict lz_check_hist(lz_ctx *ctx, const lz_spec *spec, const lz_hist *h,
                         lz_result *r);

/* close_now: reserves the close and max_items pops (each followed by a
 * task_done if joinable) and the final CLOSED pop; index of the close, or
 * -1.  max_items bounds what it can discard (e.g. the capacity, or the
 * items pushed so far): while pending, the reserved pops stand for items it
 * may already have discarded. */
int lz_begin_close_now(lz_hist *h, uint32_t thread, size_t max_items,
                       bool joinable);
/* End it: status as returned; discarded[0..k) the items discard() got, in
 * order (k <= max_items). */
void lz_end_close_now(lz_hist *h, int first, int status,
                      const uint64_t *discarded, size_t k);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_LINCHECK_H */
