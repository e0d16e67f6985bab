/*
 * scenarios.c - the explorer's scenarios (see scenarios.h).
 */

#include "scenarios.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <conc/conc.h>

#include "broken.h"
#include "internal/ring_impl.h"
#include "lincheck.h"
#include "registry.h"

#define MS(x) ((uint64_t)(x) * 1000000u)

/* ---- the table ---------------------------------------------------------- */

#define P {S_PUSH, 0, 0}
#define O {S_POP, 0, 0}
#define PN(k) {S_PUSHN, k, 0}
#define ON(k) {S_POPN, k, 0}
#define PW(t) {S_PUSHW, 0, t}
#define OW(t) {S_POPW, 0, t}
#define OD {S_POPD, 0, 0}
#define OWD(t) {S_POPWD, 0, t}
#define CL {S_CLOSE, 0, 0}
#define CN {S_CLOSE_NOW, 0, 0}
#define CQ {S_CLOSED, 0, 0}
#define TD {S_TASK_DONE, 0, 0}
#define JN(t) {S_JOIN, 0, t}
#define ADD(d) {S_ADD, d, 0}
#define RD {S_READ, 0, 0}
#define LATE {S_LATE, 0, 0}
#define MKFD {S_FD, 0, 0} /* issue 12 holes (wait) */
#define F SC_FOREVER

/* The scripts every container family runs (capacity, flags, prefill,
 * fd, threads' steps).  Family-specific extras follow. */
#define CONTAINER_SET(FAM, BATCH, FD)                                          \
    {FAM "/push-pop", FAM, 2, 0, 0, 0, 0, 2, {{P, P}, {O, O}}},                \
    {FAM "/mpmc", FAM, 2, 0, 0, 0, 0, 3, {{P, O}, {P, O}, {O}}},               \
    {FAM "/full", FAM, 1, 0, 1, 0, 0, 3, {{P}, {O}, {P, O}}},                  \
    {FAM "/close", FAM, 2, 0, 1, 0, 0, 3, {{P, P}, {CL, CQ}, {O, O}}},         \
    {FAM "/close-now", FAM, 2, 0, 1, 0, 0, 3, {{P, O}, {CN}, {P}}},            \
    /* a pop of an empty queue racing a push and a close: it must not say   \
     * CLOSED over the item */                                              \
    {FAM "/pop-close", FAM, 2, 0, 0, 0, 0, 3, {{O, O}, {P}, {CL, CQ}}},        \
    /* closed() after another operation said CLOSED must say 1 */           \
    {FAM "/closed-query", FAM, 2, 0, 0, 0, 0, 2, {{P, CQ}, {CL}}},             \
    /* a task_done racing a push that fails (FULL, or CLOSED) must not take \
     * the push's provisional unit */                                       \
    {FAM "/done-race", FAM, 1, CONC_JOINABLE, 1, 0, 0, 3, {{TD}, {P}, {TD}}},  \
    {FAM "/done-race-close", FAM, 1, CONC_JOINABLE, 1, 0, 0, 3,                \
     {{TD}, {P}, {CL, TD}}},                                                   \
    {FAM "/wait", FAM, 1, 0, 0, 0, 0, 2, {{OW(F), OW(1)}, {P, PW(1)}}},        \
    {FAM "/wait-close", FAM, 1, 0, 0, 0, 0, 3, {{OW(F)}, {OW(F)}, {P, CL}}},   \
    {FAM "/push-wait", FAM, 1, 0, 1, 0, 0, 2, {{PW(F)}, {O, OW(F)}}},          \
    {FAM "/push-timeout", FAM, 1, 0, 1, 0, 0, 2, {{PW(1), O}, {O}}},           \
    {FAM "/join", FAM, 2, CONC_JOINABLE, 0, 0, 0, 3,                           \
     {{P, P}, {OWD(F), OWD(F)}, {JN(F)}}},                                             \
    {FAM "/join-timeout", FAM, 1, CONC_JOINABLE, 0, 0, 0, 3,                   \
     {{P, P}, {OD, TD}, {JN(1)}}},                                             \
    {FAM "/join-wait", FAM, 1, CONC_JOINABLE, 0, 0, 0, 2,                      \
     {{PW(F), PW(F)}, {OWD(F), OWD(F), JN(0)}}},                               \
    {FAM "/close-now-join", FAM, 2, CONC_JOINABLE, 1, 0, 0, 3,                 \
     {{P, P}, {CN}, {OD, JN(F)}}}

#define BATCH_SET(FAM)                                                         \
    {FAM "/batch", FAM, 3, 0, 0, 0, 0, 3, {{PN(2)}, {ON(2)}, {P, O}}},         \
    {FAM "/batch-full", FAM, 2, 0, 1, 0, 0, 2, {{PN(2), O}, {ON(2), P}}}

#define FDS_SET(FAM)                                                            \
    {FAM "/fd", FAM, 2, 0, 0, 1, 0, 2, {{P, P}, {O, O}}},                      \
    {FAM "/fd-close", FAM, 1, 0, 0, 1, 0, 2, {{P, CL}, {O, O}}}

#define COUNTER_SET(FAM)                                                       \
    {FAM "/add-read", FAM, 2, 0, 0, 0, 0, 2, {{ADD(1), ADD(2)}, {RD, ADD(4)}}}, \
    {FAM "/add3", FAM, 2, 0, 0, 0, 0, 3, {{ADD(1), RD}, {ADD(-2)}, {RD, ADD(4)}}}

/* Positional entries; `bound` and `execs` (last) are left out where 0. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const sc_def sc_defs[] = {
    CONTAINER_SET("ring", 1, 1), BATCH_SET("ring"), FDS_SET("ring"),
    /* Capacity 1 with 3n+1 = 4 dequeuers: the SCQ threshold's window. */
    {"ring/threshold", "ring", 1, 0, 0, 0, 0, 5, {{P, P}, {O}, {O}, {O}, {O}}},
    /* The same from scratch: an item in, four pops and a push; three
     * pops each preempted between their failed position and their
     * threshold decrement while the push completes spend the budget with
     * an item in (issue 8's defect 3).  Before issue 11's look (a pop
     * loads Head, the entry, Tail before it takes a position) PCT at depth
     * 5 found it at run 9,011; since the look each failing pop must also
     * be preempted between its look and its fetch-and-add while the item
     * is in, and 60,000 runs at depth 5 and 7 do not (docs/issue-10).
     * ring/late-spent finds the bug at execution 1: make explore only. */
    {"ring/threshold3", "ring", 1, 0, 1, 0, 1, 5, {{O}, {O}, {O}, {O}, {P}}, 3},
    /* The state of SCQ's threshold spent with items in (issue 8's defect
     * 3) made in one step: LATE lands 3n late decrements at once, from
     * dequeuers that failed their positions on an empty ring before the
     * threads started (test_races.c reaches it with 3n parked pops).
     * late-spent: a pop on a spent ring holding an item (no preemption). */
    {"ring/late-spent", "ring", 1, 0, 1, 0, 0, 2, {{LATE}, {O}}},
    /* late-scan: a pop scanning for an item ahead while a push and a pop
     * move Head past the item it was about to read (one preemption). */
    {"ring/late-scan", "ring", 2, 0, 1, 0, 0, 4, {{LATE}, {O}, {P}, {O}}},
    /* late-exit: a pop whose budget ran out on a stale Tail, with a push
     * it overtook twice and an item finished past its stop (three
     * preemptions: make explore only). */
    {"ring/late-exit", "ring", 3, 0, 0, 0, 1, 4, {{P}, {P}, {O}, {P, O, LATE}}, 3},
    /* The same window with a thread fewer, in make test: a producer and
     * two threads that each push, then pop (each pop follows its own
     * thread's push, so every pop must get an item); the second lands
     * LATE after its pop.  The pop of T1 fails the producer's position,
     * is preempted before its decrement while T2 pushes, pops T1's item
     * and lands LATE, and exits at the producer's second position, which
     * T2's item is past (three preemptions: the producer twice, the pop
     * once).  Bound 3 with the cap raised to 5000: DFS finds the museum's
     * ring-spent-exit-item-ahead in bound 3's first 4300 executions (the
     * holder's sleep, explorer.c, backtrack). */
    {"ring/late-exit3", "ring", 3, 0, 0, 0, 0, 3, {{P}, {P, O}, {P, O, LATE}}, 3, 16000},
    {"ring/cap3-wrap", "ring", 3, 0, 2, 0, 0, 2, {{P, P, O}, {O, O, P}}},
    /* Real batches (ring.c, push_many/pop_many: one fetch-and-add for k
     * positions).  A pop that overtakes a batch's claimed positions: the
     * refused item must take the batch's next position, never one past
     * its successor's (per-producer FIFO).  One item prefilled: its push
     * makes the threshold non-negative, else the pop never takes a
     * position before the batch completes. */
    {"ring/batch-overtaken", "ring", 3, 0, 1, 0, 0, 2, {{PN(2)}, {O, O, O}}},
    /* Two batch pops racing one batch push, and a single pop. */
    {"ring/batch-batch", "ring", 3, 0, 0, 0, 0, 3, {{PN(3)}, {ON(2), O}, {ON(2)}}},
    /* A batch push racing a close; batch pops drain to CLOSED. */
    {"ring/batch-close", "ring", 3, 0, 0, 0, 0, 3, {{PN(3)}, {CL}, {ON(3), ON(3)}}},
    /* Batches across the wrap of a full ring, joinable (the batch's
     * provisional units). */
    {"ring/batch-wrap", "ring", 3, CONC_JOINABLE, 2, 0, 0, 2,
     {{PN(2), ON(2), TD}, {ON(2), PN(2), TD}}},
    /* livelock: two pushes and two pairs of pops on a capacity-4 ring with
     * two items in (the threshold full, then the ring empty with both
     * pushes in flight): the pops' second tries can overtake both pushers
     * through the whole threshold, the state test_ring_livelock drives
     * (the museum's ring-scan-livelock).  For the livelock search
     * (docs/verification.md), make explore only. */
    {"ring/chase", "ring", 4, 0, 2, 0, 1, 4, {{P}, {P}, {O, O}, {O, O}}},
    /* livelock: two pushes and two pops on an empty capacity-4 ring whose
     * threshold is full (an item pushed and popped before the threads
     * start): test_ring_livelock's layout, from scratch.  Each pop can
     * overtake a push at every try, through the whole threshold and past
     * it, scanning for an item ahead while the other pop moves Head (the
     * museum's ring-scan-livelock: the anchored turns of the livelock
     * search find it, docs/verification.md).  Make explore only (DFS and
     * PCT); explore-livelock runs the anchored search on it. */
    {"ring/livelock", "ring", 4, 0, 0, 0, 1, 4, {{P}, {P}, {O}, {O}}, 0, 0, 1},
    /* issue 12 holes (ring) */
    /* Capacity 8: the explorer's build (CONC_RING_MIN_ORDER=0) gives it
     * index rings of R = 16, the smallest that remap() spreads over lines;
     * every other ring scenario has R <= 8, where remap is the identity.
     * The inline paths (hot_remap) and the out-of-line ones (remap, and
     * init's fill of fq) must agree on the spread (ring.c:239's
     * `k->mask < 15` made `<= 15` lets the inline paths use the identity:
     * pops then miss items). */
    {"ring/cap8-remap", "ring", 8, 0, 4, 0, 0, 2, {{P, P, O}, {O, P, O}}},
    /* end of issue 12 holes (ring) */

    CONTAINER_SET("mutexq", 1, 1), BATCH_SET("mutexq"), FDS_SET("mutexq"),
    CONTAINER_SET("stack", 1, 1), BATCH_SET("stack"), FDS_SET("stack"),
    /* Pops racing pushes that reuse the popped node (the ABA window). */
    {"stack/aba", "stack", 2, 0, 2, 0, 0, 2, {{O, P, O}, {O, P}}},
    /* A pop waits between its read of top and its CAS while another pop
     * takes the top node and a third pops the rest and pushes: four updates
     * of top, the node back on top (the museum's 2-bit tag wraps; the
     * explorer's 4-bit one does not).  Needs 3 preemptions. */
    {"stack/aba-tag", "stack", 3, 0, 3, 0, 0, 3, {{O}, {O}, {O, O, P}}, 3},
    CONTAINER_SET("mutexstack", 1, 1), BATCH_SET("mutexstack"),
    FDS_SET("mutexstack"),

    CONTAINER_SET("lfqueue", 1, 1), BATCH_SET("lfqueue"), FDS_SET("lfqueue"),
    /* Tiny segments (the explorer's build: 3 slots) put a segment boundary
     * within reach: appends, a close racing them, pops across. */
    {"lfqueue/segment", "lfqueue", 0, 0, 2, 0, 0, 3, {{P, P}, {O, O}, {CL, O}}},
    {"lfqueue/segment-close", "lfqueue", 0, 0, 2, 0, 0, 2, {{P, P}, {CL, O, O}}},
    {"lfqueue/segment-pops", "lfqueue", 0, 0, 3, 0, 0, 3, {{P, O}, {O, O}, {O}}},
    /* A pop on an empty segment, pushes that fill it and append the next,
     * a close racing the append (issue 8's defect 1 needs 3 preemptions). */
    {"lfqueue/close-append", "lfqueue", 0, 0, 0, 0, 0, 3, {{O, O}, {P, P, P, P}, {CL}}, 3, 10000},
    /* A pop whose hint finds the slot at deq not yet FULL (its producer
     * in flight) while a later item is in: its emptiness test must load
     * deq before enq (the museum's lfqueue-pop-empty-over-item, behind
     * the hint: 2 preemptions). */
    {"lfqueue/empty-hint", "lfqueue", 0, 0, 0, 0, 0, 4, {{O}, {P}, {P}, {P, O}}},
    /* A producer and two threads that each push, then pop: each pop
     * follows its own thread's push, and the other pop its own, so every
     * pop must get an item.  Within 2 preemptions it holds lfqueue/empty-hint's window
     * with a thread fewer: the producer preempted after its FAA leaves
     * the slot at deq not FULL; a thread pushes, then pops and is
     * preempted between its loads of enq and deq while the other pushes
     * and pops across it (its end is a free switch).  So the museum's
     * lfqueue-pop-empty-over-item is found by search (DFS at bound 2, the
     * cap raised to 6000 for it), not only replayed. */
    {"lfqueue/push-then-pop", "lfqueue", 0, 0, 0, 0, 0, 3, {{P}, {P, O}, {P, O}}},
    /* A pop that protected the head segment, preempted while another
     * thread drains it (into the pool) and fills the next, whose append
     * reuses the spare: it must not reuse the segment the pop still holds
     * (the pool's hazard check; the museum's lfqueue-recycle-held). */
    {"lfqueue/recycle", "lfqueue", 0, 0, 0, 0, 0, 2, {{O}, {PN(4), ON(4), PN(3)}}},
    /* ---- lfqueue real batches (issue 11; src/lfqueue.c, "real batches":
     * one fetch-and-add claims a batch's positions).  3-slot segments, so
     * a batch of 2-3 crosses a boundary: positions claimed past the end
     * go round again and append. */
    /* A batch push whose FAA takes one slot and two positions past the
     * end (prefill 2), racing a batch pop and a single pop. */
    {"lfqueue/batch-seg", "lfqueue", 0, 0, 2, 0, 0, 2, {{PN(3)}, {ON(3), O}}},
    /* Single pops that overtake a batch push's claimed positions (they
     * spoil the slots the batch has not filled yet): the refused items
     * take the batch's next positions, in order. */
    {"lfqueue/batch-overtaken", "lfqueue", 0, 0, 0, 0, 0, 2, {{PN(3)}, {O, O, O}}},
    /* Two batch pushes across a boundary and batch pops (3 threads). */
    {"lfqueue/batch-batch", "lfqueue", 0, 0, 1, 0, 0, 3, {{PN(2), PN(2)}, {ON(2), ON(2)}, {P, ON(3)}}},
    /* A batch push across a boundary racing a close; batch pops drain to
     * CLOSED. */
    {"lfqueue/batch-close", "lfqueue", 0, 0, 1, 0, 0, 3, {{PN(3)}, {CL}, {ON(3), ON(3)}}},
    /* Joinable: a batch's provisional units across an append and a close. */
    {"lfqueue/batch-join", "lfqueue", 0, CONC_JOINABLE, 2, 0, 0, 2, {{PN(3), CL}, {ON(3), TD, TD}}},
    /* ---- end of lfqueue real batches */
    /* The review of issue 11's lfqueue: segments, the pool and close
     * raced (make explore only). */
    {"lfqueue/rv-close-4", "lfqueue", 0, 0, 2, 0, 1, 4, {{P, P}, {O, O}, {O, CL}, {P, O}}, 3},
    {"lfqueue/rv-wait-seg", "lfqueue", 0, 0, 0, 0, 1, 3, {{OW(F), OW(F)}, {P, P, P, P}, {O, CL}}},
    {"lfqueue/rv-join-seg", "lfqueue", 0, CONC_JOINABLE, 0, 0, 1, 3, {{P, P, P, P}, {OWD(F), OWD(F)}, {OWD(F), OWD(F), JN(F)}}},
    {"lfqueue/rv-closenow-seg", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P, P, P}, {O, O, CN}, {O, O}}},
    {"lfqueue/rv-fd-seg", "lfqueue", 0, 0, 0, 1, 1, 2, {{P, P, P, P}, {O, O, O, O}}},
    {"lfqueue/rv-batch-seg", "lfqueue", 0, 0, 1, 0, 1, 3, {{PN(4)}, {ON(3), O}, {P, ON(2)}}},
    {"lfqueue/rv-recycle-close", "lfqueue", 0, 0, 0, 0, 1, 3, {{O, O}, {PN(4), ON(4), PN(3)}, {CL}}},
    {"lfqueue/rv-recycle2", "lfqueue", 0, 0, 0, 0, 1, 2, {{O, P, O}, {PN(4), ON(4), PN(3), ON(3)}}},
    {"lfqueue/rv-pool-race", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P, O}, {O, O, O, P}, {P, O, P}}},
    {"lfqueue/rv-close-now-pool", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P}, {O, O, O, CN}, {P, O}}},
    {"lfqueue/rv-two-appends", "lfqueue", 0, 0, 3, 0, 1, 3, {{P, O}, {O, O, O, P}, {P, P}}},
    {"lfqueue/rv-pops-pool", "lfqueue", 0, 0, 4, 0, 1, 3, {{O, O, P}, {O, O, P}, {P, O}}},
    /* The review of the close seal (a push that found CLOSED seals the
     * segment itself, so every segment but the last is full): close
     * racing appends across 3-slot segments (make explore only). */
    {"lfqueue/rf-seal-full", "lfqueue", 0, 0, 3, 0, 1, 3, {{P, P}, {P, O}, {CL, O}}, 3},
    {"lfqueue/rf-seal-part", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P}, {CL, O, O}, {P, O}}, 3},
    {"lfqueue/rf-seal-cq", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P, P}, {CL}, {P, CQ, O}}, 3},
    {"lfqueue/rf-seal-pops", "lfqueue", 0, 0, 1, 0, 1, 3, {{P, P, P}, {O, O, O}, {CL, O}}, 3},
    {"lfqueue/rf-seal-4", "lfqueue", 0, 0, 2, 0, 1, 4, {{P, P}, {P, P}, {CL}, {O, O, O}}, 3},
    {"lfqueue/rf-seal-cn", "lfqueue", 0, 0, 2, 0, 1, 3, {{P, P, P}, {CN}, {P, O, P}}, 3},
    {"lfqueue/rf-seal-full4", "lfqueue", 0, 0, 3, 0, 1, 4, {{P, P}, {P, CQ}, {CL, O}, {O, O, O}}, 3},

    CONTAINER_SET("shmring", 1, 0),

    /* Threads standing in for processes (ex_scenario.proc; issue 8's
     * defects 7 and 8, verify/test_xproc.c with real processes).
     * xproc-wait: process 1 waits on an empty CONC_SHARED structure,
     * process 0 pushes: the wake must reach the other process's waiter
     * (a shared futex; a private one is keyed by the waiter's process and
     * the wake misses it: museum waitset-private-futex). */
#define XPROC_WAIT(FAM, FLAGS)                                                 \
    {.name = FAM "/xproc-wait", .family = FAM, .capacity = 1,                  \
     .flags = FLAGS, .nthreads = 2, .steps = {{P}, {OW(F)}}, .proc = {0, 1}}
    XPROC_WAIT("shmring", 0), XPROC_WAIT("ring", CONC_SHARED),
    XPROC_WAIT("mutexq", CONC_SHARED), XPROC_WAIT("stack", CONC_SHARED),
    /* xproc-fd: a structure without CONC_SHARED reached by two processes
     * anyway; process 0 made (and cleared) the eventfd in setup, process 1
     * pushes and pops (its EMPTY pop would clear the fd): it must never
     * write or read process 0's descriptor (museum
     * waitset-fd-crosses-process).  Process 0's push still signals. */
#define XPROC_FD(FAM)                                                          \
    {.name = FAM "/xproc-fd", .family = FAM, .capacity = 2, .fd = 1,           \
     .nthreads = 2, .steps = {{P}, {P, O, O}}, .proc = {0, 1}}
    XPROC_FD("ring"), XPROC_FD("mutexq"),

    COUNTER_SET("counter"), COUNTER_SET("sharded"), COUNTER_SET("mutexcounter"),
    /* conc_sharded with 4 shards (2 shared, 2 ownable): threads 0 and 1
     * each own a slot (plain load and store), thread 2 prefers thread 0's,
     * finds it taken and adds to a shared slot; the reads race all three.
     * With 1 shard nothing is ownable: every add is a fetch-and-add. */
    {"sharded/owned3", "sharded", 4, 0, 0, 0, 0, 3,
     {{ADD(1), RD, ADD(2)}, {ADD(4), ADD(-1)}, {ADD(8), RD}}},
    {"sharded/one-shard", "sharded", 1, 0, 0, 0, 0, 2,
     {{ADD(1), ADD(2)}, {RD, ADD(4)}}},

    /* The deliberately broken queue (harness/broken.h, faults every 2nd
     * push and pop): the explorer must fail it. */
    {"broken/push-pop", "broken", 2, 0, 0, 0, 0, 2, {{P, P}, {O, O}}},
    /* issue 12 holes (misc) */
    /* close racing a push that passed its closed check and has not yet
     * counted itself, then join(0) by the closer: the lock orders close
     * against the push (lockedarray.c's close_locked_array), so join(0)
     * either sees the push's unit (TIMEDOUT) or the push fails CLOSED. */
    {"mutexq/close-join", "mutexq", 2, CONC_JOINABLE, 0, 0, 0, 2, {{P}, {CL, JN(0)}}},
    {"mutexstack/close-join", "mutexstack", 2, CONC_JOINABLE, 0, 0, 0, 2, {{P}, {CL, JN(0)}}},
    /* end of issue 12 holes (misc) */

    /* issue 12 holes (wait) */
    /* The eventfd made while the other threads run (MKFD: S_FD; every
     * other fd scenario makes it in setup), and two joiners.  conc_ring
     * only: the paths are the waitset's (src/wait.c), the same for every
     * family.
     * fd-make2: two threads ask for the fd at once: both get the one
     * descriptor (the CAS on fd_state makes one maker; the second caller
     * gets efd and efd_pid through fd_state's release/acquire, --weak).
     * fd-wait: the fd made while a popper sleeps: the arming fetch_or must
     * not overwrite the popper's announcement in pop_watch (lost wake-up).
     * fd-make-close: the maker's first drain racing a close: the arming is
     * seq_cst against close's load of pop_watch, else close misses the
     * bit while the drain clears the fd and misses `closed` (--weak).
     * fd-make3: the arming racing a push and a third thread's EMPTY pop:
     * with rearm's load of pop_watch or the arming not seq_cst, the push
     * skips its signal and the pop's second look misses its item (an item
     * left, the fd not readable; --weak).
     * join2: two joiners, one timed (it leaves across the other's
     * announcement in join_watch): the last task_done must wake the
     * other (lost wake-up). */
    {"ring/fd-make2", "ring", 2, 0, 0, 0, 0, 2, {{MKFD, P}, {MKFD, O}}},
    {"ring/fd-wait", "ring", 1, 0, 0, 0, 0, 2, {{OW(F)}, {MKFD, P}}},
    {"ring/fd-make-close", "ring", 2, 0, 0, 0, 0, 2, {{MKFD, O}, {CL}}},
    {"ring/fd-make3", "ring", 2, 0, 0, 0, 0, 3, {{MKFD}, {P}, {O}}},
    {"ring/join2", "ring", 1, CONC_JOINABLE, 1, 0, 0, 3,
     {{TD}, {JN(F)}, {JN(1)}}, 0, 400},
    /* end of issue 12 holes (wait) */
};
#pragma GCC diagnostic pop

const size_t sc_ndefs = sizeof sc_defs / sizeof sc_defs[0];

/* Scenarios that fail on today's code: each a defect the explorer found
 * and that is not fixed yet (docs/verification.md, "Found by the
 * explorer").  They run in `make explore` (tier 1), where they fail. */
static const char *const known_defects[] = {
    NULL, /* none today */
};

bool sc_conserved(const uint64_t *in, size_t nin, const uint64_t *out,
                  size_t nout, FILE *why)
{
    for (size_t i = 0; i < nin; i++) {
        size_t k = 0;
        for (size_t j = 0; j < nout; j++)
            k += out[j] == in[i];
        if (k != 1) {
            fprintf(why, "item %llu went in and came out %zu times\n",
                    (unsigned long long)in[i], k);
            return false;
        }
    }
    for (size_t j = 0; j < nout; j++) {
        size_t k = 0;
        for (size_t i = 0; i < nin; i++)
            k += out[j] == in[i];
        if (k == 0) {
            fprintf(why, "item %llu came out but never went in\n",
                    (unsigned long long)out[j]);
            return false;
        }
    }
    return true;
}

int sc_tier(const sc_def *d)
{
    for (size_t i = 0; i < sizeof known_defects / sizeof known_defects[0]; i++)
        if (known_defects[i] && strcmp(d->name, known_defects[i]) == 0)
            return 1;
    return d->tier;
}

const sc_def *sc_find(const char *name)
{
    for (size_t i = 0; i < sc_ndefs; i++)
        if (strcmp(sc_defs[i].name, name) == 0)
            return &sc_defs[i];
    return NULL;
}

/* ---- a scenario's state ------------------------------------------------- */

#define SC_MAX_ITEMS 64

typedef struct sc_ctx {
    const sc_def *d;
    const reg_entry *e; /* NULL: conc_shmring */
    void *obj;
    void *shm_mem;
    size_t shm_size;
    conc_shmring *h[EX_MAX_THREADS + 1]; /* one handle per "process"; the
                                            last for the check */
    int fd;
    lz_hist hist;
    /* per thread: discarded items of its close_now */
    uint64_t discarded[EX_MAX_THREADS][SC_MAX_ITEMS];
    size_t ndiscarded[EX_MAX_THREADS];
    /* issue 12 holes (wait): per thread, its S_FD calls' descriptor and
     * status (the last call's; a thread's calls must agree anyway) */
    bool tfd_made[EX_MAX_THREADS];
    int tfd[EX_MAX_THREADS];
    int tfd_st[EX_MAX_THREADS];
} sc_ctx;

static uint64_t stamp_clock(void *arg)
{
    (void)arg;
    return ex_stamp();
}

static uint64_t item_of(int tid, int j)
{
    return (uint64_t)(tid + 1) * 100u + (uint64_t)j + 1u;
}

static bool is_counter(const sc_ctx *c)
{
    return c->e && c->e->kind == REG_COUNTER;
}

/* ---- calls, one per family kind ----------------------------------------- */

static int do_push(sc_ctx *c, int h, uint64_t it)
{
    if (!c->e)
        return conc_shmring_push(c->h[h], &it);
    return c->e->push(c->obj, (void *)(uintptr_t)it);
}

static int do_pop(sc_ctx *c, int h, uint64_t *it)
{
    if (!c->e)
        return conc_shmring_pop(c->h[h], it);
    void *p = NULL;
    int st = c->e->pop(c->obj, &p);
    *it = (uint64_t)(uintptr_t)p;
    return st;
}

static int do_push_wait(sc_ctx *c, int h, uint64_t it, uint64_t ns)
{
    if (!c->e)
        return conc_shmring_push_wait(c->h[h], &it, ns);
    return c->e->push_wait(c->obj, (void *)(uintptr_t)it, ns);
}

static int do_pop_wait(sc_ctx *c, int h, uint64_t *it, uint64_t ns)
{
    if (!c->e)
        return conc_shmring_pop_wait(c->h[h], it, ns);
    void *p = NULL;
    int st = c->e->pop_wait(c->obj, &p, ns);
    *it = (uint64_t)(uintptr_t)p;
    return st;
}

static int do_task_done(sc_ctx *c, int h)
{
    if (c->e)
        return c->e->task_done(c->obj);
    return (int)conc_shmring_task_done(c->h[h]);
}

static int do_join(sc_ctx *c, int h, uint64_t ns)
{
    if (c->e)
        return c->e->join(c->obj, ns);
    return (int)conc_shmring_join(c->h[h], ns);
}

static size_t do_len(sc_ctx *c)
{
    return c->e ? c->e->len(c->obj) : conc_shmring_len(c->h[c->d->nthreads]);
}

static size_t do_capacity(sc_ctx *c)
{
    return c->e ? c->e->capacity(c->obj)
                : conc_shmring_capacity(c->h[c->d->nthreads]);
}

typedef struct discard_arg {
    sc_ctx *c;
    int tid;
    bool shm;
} discard_arg;

static void on_discard(void *item, void *arg)
{
    discard_arg *a = arg;
    uint64_t v = a->shm ? *(const uint64_t *)item : (uint64_t)(uintptr_t)item;
    size_t *n = &a->c->ndiscarded[a->tid];
    if (*n < SC_MAX_ITEMS)
        a->c->discarded[a->tid][(*n)++] = v;
    else
        ex_fail("close_now discarded more than %d items", SC_MAX_ITEMS);
}

/* ---- setup and teardown ------------------------------------------------- */

static void teardown(void *vctx)
{
    sc_ctx *c = vctx;
    if (!c)
        return;
    if (c->e) {
        if (c->obj)
            c->e->destroy(c->obj);
    } else {
        for (int t = 0; t <= EX_MAX_THREADS; t++)
            conc_shmring_detach(c->h[t]);
        if (c->shm_mem)
            munmap(c->shm_mem, c->shm_size);
    }
    free(c);
}

static void *setup(const ex_scenario *s, FILE *why)
{
    const sc_def *d = s->param;
    sc_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(why, "out of memory\n");
        return NULL;
    }
    c->d = d;
    c->fd = -1;
    lz_hist_init(&c->hist, stamp_clock, NULL);
    if (strcmp(d->family, "shmring") == 0) {
        c->shm_size = conc_shmring_footprint(d->capacity, sizeof(uint64_t));
        c->shm_mem = mmap(NULL, c->shm_size, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (c->shm_mem == MAP_FAILED) {
            c->shm_mem = NULL;
            fprintf(why, "mmap failed\n");
            teardown(c);
            return NULL;
        }
        int st = conc_shmring_format(c->shm_mem, c->shm_size, d->capacity,
                                     sizeof(uint64_t), d->flags);
        for (int t = 0; st == CONC_OK && t <= d->nthreads; t++) {
            c->h[t] = conc_shmring_attach(c->shm_mem, c->shm_size,
                                          sizeof(uint64_t), NULL);
            if (!c->h[t])
                st = CONC_EINVAL;
        }
        if (st != CONC_OK) {
            fprintf(why, "conc_shmring_format/attach: %s\n", conc_strerror(st));
            teardown(c);
            return NULL;
        }
    } else {
        c->e = strcmp(d->family, "broken") == 0 ? &conc_registry_broken
                                                : conc_registry_find(d->family);
        if (!c->e) {
            fprintf(why, "no registry entry %s\n", d->family);
            free(c);
            return NULL;
        }
        if (c->e == &conc_registry_broken)
            conc_broken_set_period(2);
        c->obj = c->e->kind == REG_COUNTER || !c->e->create_flags
                     ? c->e->create(d->capacity)
                     : c->e->create_flags(d->capacity, d->flags);
        if (!c->obj) {
            fprintf(why, "create %s failed\n", d->family);
            free(c);
            return NULL;
        }
    }
    for (int i = 0; i < d->prefill; i++) {
        int st = do_push(c, d->nthreads, (uint64_t)i + 1);
        if (st != CONC_OK) {
            fprintf(why, "prefill push %d: %s\n", i, conc_strerror(st));
            teardown(c);
            return NULL;
        }
    }
    for (int i = 0; i < d->cycled; i++) {
        uint64_t it;
        int st = do_push(c, d->nthreads, (uint64_t)d->prefill + 1);
        if (st == CONC_OK)
            st = do_pop(c, d->nthreads, &it);
        if (st != CONC_OK) {
            fprintf(why, "cycled push/pop %d: %s\n", i, conc_strerror(st));
            teardown(c);
            return NULL;
        }
    }
    if (d->fd) {
        int st = c->e->fd(c->obj, &c->fd);
        if (st != CONC_OK) {
            fprintf(why, "fd: %s\n", conc_strerror(st));
            teardown(c);
            return NULL;
        }
        /* The first drain clears the fd's initial readiness (wait.h). */
        if (d->prefill == 0) {
            uint64_t it;
            if (do_pop(c, d->nthreads, &it) != CONC_EMPTY) {
                fprintf(why, "fd: the first pop did not say EMPTY\n");
                teardown(c);
                return NULL;
            }
        }
    }
    return c;
}

/* ---- a thread ----------------------------------------------------------- */

static uint64_t timeout_ns(int32_t ms)
{
    return ms == SC_FOREVER ? CONC_FOREVER : MS(ms);
}

static void run_thread(void *vctx, int tid)
{
    sc_ctx *c = vctx;
    const sc_def *d = c->d;
    lz_hist *h = &c->hist;
    int next_item = 0;
    for (int k = 0; k < SC_STEPS && d->steps[tid][k].kind != S_END; k++) {
        const sc_step *st = &d->steps[tid][k];
        uint64_t it = 0;
        int i, r;
        switch (st->kind) {
        case S_PUSH:
            it = item_of(tid, next_item++);
            i = lz_begin(h, (uint32_t)tid, LZ_PUSH, it);
            r = do_push(c, tid, it);
            lz_end(h, i, r, it);
            break;
        case S_PUSHW:
            it = item_of(tid, next_item++);
            i = lz_begin(h, (uint32_t)tid, LZ_PUSH, it);
            r = do_push_wait(c, tid, it, timeout_ns(st->ms));
            lz_end(h, i, r, it);
            break;
        case S_POP:
        case S_POPD:
            i = lz_begin(h, (uint32_t)tid, LZ_POP, 0);
            r = do_pop(c, tid, &it);
            lz_end(h, i, r, it);
            if (st->kind == S_POPD && r == CONC_OK) {
                i = lz_begin(h, (uint32_t)tid, LZ_TASK_DONE, 0);
                r = do_task_done(c, tid);
                lz_end(h, i, r, 0);
            }
            break;
        case S_POPW:
        case S_POPWD:
            i = lz_begin(h, (uint32_t)tid, LZ_POP, 0);
            r = do_pop_wait(c, tid, &it, timeout_ns(st->ms));
            lz_end(h, i, r, it);
            if (st->kind == S_POPWD && r == CONC_OK) {
                i = lz_begin(h, (uint32_t)tid, LZ_TASK_DONE, 0);
                r = do_task_done(c, tid);
                lz_end(h, i, r, 0);
            }
            break;
        case S_PUSHN: {
            uint64_t items[8];
            void *ptrs[8];
            int n = st->n > 8 ? 8 : st->n;
            for (int j = 0; j < n; j++) {
                items[j] = item_of(tid, next_item++);
                ptrs[j] = (void *)(uintptr_t)items[j];
            }
            bool atomic = !c->e->lock_free;
            i = lz_begin_many(h, (uint32_t)tid, LZ_PUSH, items, (size_t)n, atomic);
            size_t done = 0;
            r = c->e->push_many(c->obj, ptrs, (size_t)n, &done);
            lz_end_many(h, i, r, NULL, done);
            break;
        }
        case S_POPN: {
            void *ptrs[8];
            uint64_t out[8];
            int n = st->n > 8 ? 8 : st->n;
            bool atomic = !c->e->lock_free;
            i = lz_begin_many(h, (uint32_t)tid, LZ_POP, NULL, (size_t)n, atomic);
            size_t done = 0;
            r = c->e->pop_many(c->obj, ptrs, (size_t)n, &done);
            for (size_t j = 0; j < done && j < 8; j++)
                out[j] = (uint64_t)(uintptr_t)ptrs[j];
            lz_end_many(h, i, r, out, done);
            break;
        }
        case S_CLOSE:
            i = lz_begin(h, (uint32_t)tid, LZ_CLOSE, 0);
            r = c->e ? c->e->close(c->obj) : (int)conc_shmring_close(c->h[tid]);
            lz_end(h, i, r, 0);
            break;
        case S_CLOSE_NOW: {
            size_t max = (size_t)d->prefill;
            for (int t = 0; t < d->nthreads; t++)
                for (int j = 0; j < SC_STEPS; j++)
                    max += d->steps[t][j].kind == S_PUSH ||
                                   d->steps[t][j].kind == S_PUSHW
                               ? 1
                               : (d->steps[t][j].kind == S_PUSHN
                                      ? (size_t)d->steps[t][j].n
                                      : 0);
            bool joinable = (d->flags & CONC_JOINABLE) != 0;
            i = lz_begin_close_now(h, (uint32_t)tid, max, joinable);
            discard_arg a = {c, tid, c->e == NULL};
            size_t nd = 0;
            r = c->e ? c->e->close_now(c->obj, on_discard, &a, &nd)
                     : (int)conc_shmring_close_now(c->h[tid], on_discard, &a, &nd);
            if (nd != c->ndiscarded[tid])
                ex_fail("close_now said %zu discarded, discard() was called %zu "
                        "times", nd, c->ndiscarded[tid]);
            lz_end_close_now(h, i, r, c->discarded[tid], c->ndiscarded[tid]);
            break;
        }
        case S_CLOSED:
            i = lz_begin(h, (uint32_t)tid, LZ_CLOSED_Q, 0);
            r = c->e ? c->e->closed(c->obj) : conc_shmring_closed(c->h[tid]);
            lz_end(h, i, CONC_OK, (uint64_t)r);
            break;
        case S_TASK_DONE:
            i = lz_begin(h, (uint32_t)tid, LZ_TASK_DONE, 0);
            r = do_task_done(c, tid);
            lz_end(h, i, r, 0);
            break;
        case S_JOIN:
            i = lz_begin(h, (uint32_t)tid, LZ_JOIN, 0);
            r = do_join(c, tid, timeout_ns(st->ms));
            lz_end(h, i, r, 0);
            break;
        case S_ADD: {
            int64_t prev = 0;
            i = lz_begin(h, (uint32_t)tid, LZ_ADD, (uint64_t)(int64_t)st->n);
            r = c->e->add(c->obj, st->n, &prev);
            if (c->e->add_returns_prev)
                lz_end_add(h, i, r, (uint64_t)prev);
            else
                lz_end(h, i, r, (uint64_t)(int64_t)st->n);
            break;
        }
        case S_READ: {
            int64_t v = 0;
            i = lz_begin(h, (uint32_t)tid, LZ_READ, 0);
            r = c->e->read(c->obj, &v);
            lz_end(h, i, r, (uint64_t)v);
            break;
        }
        case S_LATE:
            if (!c->e || strcmp(d->family, "ring") != 0) {
                ex_fail("S_LATE is for the ring family only");
                return;
            }
            conc__ring_test_late_decrements(c->obj, (unsigned)st->n);
            break;
        case S_FD: { /* issue 12 holes (wait) */
            if (!c->e || !c->e->fd) {
                ex_fail("S_FD needs a registry structure with an fd");
                return;
            }
            int fd = -1;
            r = c->e->fd(c->obj, &fd);
            if (c->tfd_made[tid] && (r != c->tfd_st[tid] || fd != c->tfd[tid]))
                ex_fail("T%d: fd() said %s, %d, after %s, %d", tid,
                        conc_strerror(r), fd, conc_strerror(c->tfd_st[tid]),
                        c->tfd[tid]);
            c->tfd_made[tid] = true;
            c->tfd[tid] = fd;
            c->tfd_st[tid] = r;
            break;
        }
        default:
            break;
        }
    }
}

/* ---- the check ---------------------------------------------------------- */

static bool check_counter(sc_ctx *c, FILE *why)
{
    int64_t sum = 0, v = 0;
    const lz_op *ops = c->hist.ops;
    size_t n = lz_hist_len(&c->hist);
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind == LZ_ADD && ops[i].status == CONC_OK)
            sum += (int64_t)ops[i].value;
    int st = c->e->read(c->obj, &v);
    if (st != CONC_OK || v != sum) {
        fprintf(why, "quiescent read %lld (%s), the adds sum to %lld\n",
                (long long)v, conc_strerror(st), (long long)sum);
        return false;
    }
    return true;
}

static bool check_items(sc_ctx *c, FILE *why)
{
    const sc_def *d = c->d;
    const lz_op *ops = c->hist.ops;
    size_t n = lz_hist_len(&c->hist);
    uint64_t in[SC_MAX_ITEMS * 2], out[SC_MAX_ITEMS * 2];
    size_t nin = 0, nout = 0;
    for (int i = 0; i < d->prefill; i++)
        in[nin++] = (uint64_t)i + 1;
    size_t pushes_ok = 0, done_ok = 0, discards = 0;
    for (size_t i = 0; i < n && nin < SC_MAX_ITEMS; i++) {
        if (ops[i].kind == LZ_PUSH && ops[i].status == CONC_OK) {
            in[nin++] = ops[i].value;
            pushes_ok++;
        }
        if (ops[i].kind == LZ_TASK_DONE && ops[i].status == CONC_OK)
            done_ok++;
    }
    for (int t = 0; t < d->nthreads; t++)
        discards += c->ndiscarded[t];
    /* Popped and discarded items are in the history as LZ_POP OK. */
    for (size_t i = 0; i < n && nout < SC_MAX_ITEMS; i++)
        if (ops[i].kind == LZ_POP && ops[i].status == CONC_OK)
            out[nout++] = ops[i].value;
    size_t len = do_len(c);
    size_t cap = do_capacity(c);
    bool unbounded = c->e && c->e->unbounded;
    if (!unbounded && cap != d->capacity) {
        fprintf(why, "capacity() is %zu, made with %zu\n", cap, d->capacity);
        return false;
    }
    /* Drain. */
    size_t left = 0;
    for (;;) {
        uint64_t it;
        int st = do_pop(c, d->nthreads, &it);
        if (st != CONC_OK) {
            if (st != CONC_EMPTY && st != CONC_CLOSED) {
                fprintf(why, "draining pop: %s\n", conc_strerror(st));
                return false;
            }
            break;
        }
        if (nout < SC_MAX_ITEMS * 2)
            out[nout++] = it;
        if (++left > SC_MAX_ITEMS) {
            fprintf(why, "draining: more than %d items came out\n", SC_MAX_ITEMS);
            return false;
        }
    }
    /* len() when quiescent (the headers): exact for the locked families
     * and for conc_lfqueue, closed or not (lfqueue.h; until issue 11's fuzz
     * run a push racing a close could leave a part-filled segment behind,
     * counted as full); conc_ring and conc_shmring may overstate by
     * positions a delayed push skipped, which the next pops pass over, and
     * after a close by positions of pushes that raced it (ring.h).  Never
     * an understatement. */
    bool locked = c->e && !c->e->lock_free;
    bool closed = c->e ? (c->e->closed && c->e->closed(c->obj) == 1)
                       : conc_shmring_closed(c->h[d->nthreads]) == 1;
    bool ringlike = !c->e || strcmp(c->e->name, "ring") == 0;
    bool exact = locked || !ringlike;
    if (exact ? len != left : len < left) {
        fprintf(why, "quiescent len() %zu, but %zu items were drained\n", len, left);
        return false;
    }
    if (ringlike && !closed && do_len(c) != 0) {
        fprintf(why, "len() %zu after a drain of an open ring (the skipped "
                     "positions must have been passed over)\n", do_len(c));
        return false;
    }
    /* Every item in exactly once out. */
    if (!sc_conserved(in, nin, out, nout, why))
        return false;
    if (d->flags & CONC_JOINABLE) {
        /* pushes (and prefill) minus task_done minus close_now's discards */
        if (done_ok + discards > (size_t)d->prefill + pushes_ok) {
            fprintf(why, "%zu task_done OK and %zu discarded, but only %zu items "
                         "went in\n", done_ok, discards,
                    (size_t)d->prefill + pushes_ok);
            return false;
        }
        size_t owed = (size_t)d->prefill + pushes_ok - done_ok - discards;
        for (size_t k = 0; k < owed; k++) {
            int st = do_task_done(c, d->nthreads);
            if (st != CONC_OK) {
                fprintf(why, "task_done %zu of the %zu owed: %s\n", k + 1, owed,
                        conc_strerror(st));
                return false;
            }
        }
        int st = do_join(c, d->nthreads, 0);
        if (st != CONC_OK) {
            fprintf(why, "join(0) after every task_done: %s\n", conc_strerror(st));
            return false;
        }
        st = do_task_done(c, d->nthreads);
        if (st != CONC_EINVAL) {
            fprintf(why, "one task_done too many: %s, not EINVAL\n",
                    conc_strerror(st));
            return false;
        }
    }
    return true;
}

static bool fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static bool check_all(void *vctx, FILE *why)
{
    sc_ctx *c = vctx;
    size_t n = lz_hist_len(&c->hist);
    if (n > LZ_MAX_OPS) {
        fprintf(why, "the history has %zu ops (at most %d)\n", n, LZ_MAX_OPS);
        return false;
    }
    lz_spec spec;
    if (c->e) {
        spec = lz_spec_for(c->e, c->d->capacity, c->d->flags);
    } else {
        memset(&spec, 0, sizeof spec);
        spec.model = LZ_FIFO;
        spec.capacity = c->d->capacity;
        spec.full_inflight = true; /* as conc_ring */
        spec.joinable = (c->d->flags & CONC_JOINABLE) != 0;
        spec.join_inflight = true;
    }
    uint64_t pre[SC_MAX_ITEMS];
    for (int i = 0; i < c->d->prefill && i < SC_MAX_ITEMS; i++)
        pre[i] = (uint64_t)i + 1;
    spec.prefill = pre;
    spec.prefill_n = (size_t)c->d->prefill;
    spec.unfinished = (c->d->flags & CONC_JOINABLE) ? (uint64_t)c->d->prefill : 0;
    spec.max_states = 1000000;
    lz_result r;
    lz_verdict v = lz_check(&spec, c->hist.ops, n, &r);
    if (v != LZ_OK) {
        fprintf(why, "%s\n", v == LZ_VIOLATION ? "not linearizable"
                                               : lz_verdict_name(v));
        lz_print_result(why, "  ", &spec, c->hist.ops, n, &r);
        return false;
    }
    if (is_counter(c))
        return check_counter(c, why);
    /* issue 12 holes (wait): the fds made or looked up mid-run (S_FD) */
    bool fd_made = false;
    for (int t = 0; t < c->d->nthreads; t++) {
        if (!c->tfd_made[t])
            continue;
        if (c->tfd_st[t] != CONC_OK || c->tfd[t] < 0) {
            fprintf(why, "T%d: fd() said %s, descriptor %d\n", t,
                    conc_strerror(c->tfd_st[t]), c->tfd[t]);
            return false;
        }
        if (c->fd >= 0 && c->tfd[t] != c->fd) {
            fprintf(why, "T%d: fd() gave descriptor %d, another call %d\n", t,
                    c->tfd[t], c->fd);
            return false;
        }
        c->fd = c->tfd[t];
        fd_made = true;
    }
    if ((c->d->fd || fd_made) && c->fd >= 0) {
        /* Before the drain: an item left, or closed, must show. */
        size_t len = do_len(c);
        int closed = c->e->closed(c->obj);
        if ((len > 0 || closed == 1) && !fd_readable(c->fd)) {
            fprintf(why, "the fd is not readable with %zu item(s) left%s\n", len,
                    closed == 1 ? " and the queue closed" : "");
            return false;
        }
    }
    return check_items(c, why);
}

static bool check(void *vctx, FILE *why)
{
    sc_ctx *c = vctx;
    if (check_all(vctx, why))
        return true;
    size_t n = lz_hist_len(&c->hist);
    fprintf(why, "  the history:\n");
    lz_print(why, "  ", c->hist.ops, n > LZ_MAX_OPS ? LZ_MAX_OPS : n, ~(uint64_t)0);
    return false;
}

static void describe(void *vctx, FILE *why)
{
    sc_ctx *c = vctx;
    size_t n = lz_hist_len(&c->hist);
    fprintf(why, "  the history so far (an op running off the right end never "
                 "returned):\n");
    lz_print(why, "  ", c->hist.ops, n > LZ_MAX_OPS ? LZ_MAX_OPS : n, ~(uint64_t)0);
}

/* ---- the explorer's view ------------------------------------------------ */

static ex_scenario sc_scen[sizeof sc_defs / sizeof sc_defs[0]];

const ex_scenario *sc_scenario(const sc_def *d)
{
    size_t i = (size_t)(d - sc_defs);
    if (i >= sc_ndefs)
        return NULL;
    ex_scenario *s = &sc_scen[i];
    s->name = d->name;
    s->what = d->name;
    s->nthreads = d->nthreads;
    s->param = d;
    s->setup = setup;
    s->run = run_thread;
    s->check = check;
    s->teardown = teardown;
    s->describe = describe;
    for (int t = 0; t < EX_MAX_THREADS; t++)
        s->proc[t] = d->proc[t];
    return s;
}

/* The scenarios verify/museum/explore.sh tries for its bugs (its table
 * `scen`; it checks that each one it names is here, by --list). */
static const char *const museum_scen[] = {
    "hp/move",
    "lfqueue/batch-batch",
    "lfqueue/batch-overtaken",
    "lfqueue/batch-seg",
    "lfqueue/close",
    "lfqueue/close-append",
    "lfqueue/close-enomem",
    "lfqueue/closed-query",
    "lfqueue/done-race-close",
    "lfqueue/empty-hint",
    "lfqueue/fd-close",
    "lfqueue/mpmc",
    "lfqueue/pop-close",
    "lfqueue/push-then-pop",
    "lfqueue/recycle",
    "lfqueue/segment",
    "lfqueue/segment-close",
    "lfqueue/segment-pops",
    "mutexq/fd",
    "mutexq/fd-close",
    "mutexq/xproc-fd",
    "mutexq/xproc-wait",
    "mutexstack/fd",
    "ring/batch-batch",
    "ring/batch-overtaken",
    "ring/close",
    "ring/closed-query",
    "ring/done-race",
    "ring/fd-close",
    "ring/late-exit3",
    "ring/late-scan",
    "ring/late-spent",
    "ring/mpmc",
    "ring/pop-close",
    "ring/push-pop",
    "ring/threshold",
    "ring/xproc-fd",
    "ring/xproc-wait",
    "shmring/close-now-join",
    "shmring/xproc-wait",
    "stack/aba",
    "stack/aba-tag",
    "stack/done-race",
    "stack/xproc-wait",
};

int sc_museum(const char *name)
{
    for (size_t i = 0; i < sizeof museum_scen / sizeof *museum_scen; i++)
        if (strcmp(museum_scen[i], name) == 0)
            return 1;
    return 0;
}
