/*
 * hp.h - safe memory reclamation with hazard pointers (internal API).
 *
 * Reference: Maged M. Michael, "Hazard Pointers: Safe Memory Reclamation for
 * Lock-Free Objects", IEEE Transactions on Parallel and Distributed Systems
 * 15(6):491-504, 2004.
 *
 * Algorithm.  Every thread owns a record holding CONC_HP_SLOTS hazard slots,
 * single-writer words that every other thread may read.  A reader that wants
 * to dereference a shared pointer first publishes it in one of its slots and
 * then checks that the pointer is still where it found it
 * (conc__hp_protect); from then until it clears or overwrites the slot the
 * object cannot be freed.  A thread that has unlinked an object retires it
 * (conc__hp_retire): the object goes on the thread's private retired list,
 * and a scan reads every slot of every record and frees each retired object
 * that no slot holds, keeping the others for a later scan.  Records are
 * found through one global list; they are acquired on a thread's first call
 * of conc__hp_self(), reused after their thread exits, and never freed (they
 * stay reachable until process exit, so leak checkers are quiet).
 *
 * Memory orders (the classic Dekker pairing): the reader stores the hazard
 * (seq_cst) and then re-loads the source (seq_cst); the retirer unlinks the
 * object (a seq_cst RMW, done by the caller before conc__hp_retire) and then
 * the scan loads the hazards (seq_cst).  In the single total order of
 * seq_cst operations, either the hazard store comes before the scan's load,
 * and the scan sees the hazard (and keeps the object), or the scan's load
 * comes first, and then the unlink precedes the reader's re-load, which
 * therefore sees the object gone and retries.  A slot is only ever written
 * with release or seq_cst stores, and the scan's loads acquire, so
 * everything a reader did with an object happens before its free_fn runs.
 * A value moved between two slots of one thread by conc__hp_set is not
 * re-validated; instead each set bumps a per-record counter, and a scan
 * re-reads a record's slots if the counter changed while it read them (a
 * scan reading slot 0, then slot 1, would otherwise miss a value that moved
 * from slot 1 to slot 0 in between; the stress test catches exactly that).
 *
 * Memory held back.  Every retire scans, so after it this thread's list holds
 * only objects that some slot held during that scan: at most H, the number of
 * non-zero slots over all records at that moment.  Each record's list (and
 * each exiting thread's contribution to the orphan list) is bounded that way,
 * so the total is at most R x H with R records; once the slots stop changing
 * and every list holding something has been scanned (each pending object then
 * sits in a live slot, and one object is retired only once), the total over
 * all threads and orphans is at most H.  The objects are held by whoever
 * retired them (or adopted them), not by the readers protecting them.
 *
 * Thread exit.  A pthread_key destructor releases the record: its hazards
 * are cleared, its list is scanned, and what is still protected is handed
 * to a global lock-free orphan list, which the next scan by any thread
 * adopts whole.  The main thread's record is never released (exit() runs no
 * key destructors); what it holds stays pending until process exit.  If
 * pthread_key_create or pthread_setspecific ever failed, the affected record
 * would likewise stay with its thread's pending list until process exit.
 *
 * Out of memory.  A retire needs a small node (malloc).  If malloc fails the
 * object is never lost: the retire scans at once and frees the object if no
 * slot holds it; if one does, the object goes into one of the record's
 * CONC_HP_SLOTS built-in reserve nodes; if those are all in use, the retire
 * spin-scans (conc_spin_pause) until the object or a reserve node is free.
 * (The reserve makes the wait end even when the caller's own slot holds the
 * object: at least one reserve node then holds an object that only other
 * threads protect.)  The wait therefore depends on other threads clearing
 * their slots; it is lock-free only in the absence of allocation failure.
 * A scan's temporary hazard array (on the stack for small counts) falls back,
 * if malloc fails, to checking each retired object against every slot.
 *
 * What callers must guarantee:
 *   - r is the value of conc__hp_self() in the calling thread (not another
 *     thread's record); slot is in [0, CONC_HP_SLOTS).
 *   - An object is retired once, and only after it is unreachable from
 *     shared memory: no thread that starts conc__hp_protect after the unlink
 *     can find it.  The unlink must be a seq_cst RMW (or be followed by a
 *     seq_cst fence) for the Dekker argument above.
 *   - A pointer is dereferenced only while a slot holds it and only if it was
 *     obtained by conc__hp_protect or conc__hp_protect_cached (which
 *     validate it against its source), or
 *     by conc__hp_set of a value that another slot of the same thread protects
 *     at that moment (a move: set the new slot, then clear or reuse the old
 *     one), or that cannot have been retired yet.  A plain load followed by
 *     conc__hp_set is NOT safe: re-validate with conc__hp_protect.
 *   - free_fn must not block on the thread that called retire/scan.
 *   - A caller that reuses an unlinked object itself instead of retiring it
 *     (conc_lfqueue's segment pool) does so only after conc__hp_held said
 *     no slot holds it, the same test a scan makes before free_fn.
 *
 * Only this file's functions touch records; protect/set/clear take no lock,
 * allocate nothing, and are lock-free (protect retries only while its source
 * keeps changing).  A scan re-reads a record only while that record's owner
 * keeps moving values with conc__hp_set.
 */
#ifndef CONC_INTERNAL_HP_H
#define CONC_INTERNAL_HP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomics.h"

#define CONC_HP_SLOTS 2 /* hazard slots per thread */

typedef struct conc__hp_rec conc__hp_rec;
typedef void (*conc__hp_free_fn)(void *p);

/* This thread's record, acquired on first use (lock-free: reuse an inactive
 * record from the global list with CAS, else allocate one and push it with
 * CAS).  NULL only if allocation failed.  Released automatically at thread
 * exit (pthread_key destructor): hazards cleared, retired list scanned,
 * leftovers handed to a global orphan list that any later scan adopts. */
conc__hp_rec *conc__hp_self_slow(void);
/* The record of this thread once it has one (hp.c).  initial-exec: one
 * load from the thread pointer, no __tls_get_addr call, in libconc.so too
 * (a pointer's worth of the static TLS a dlopen may use). */
extern _Thread_local conc__hp_rec *conc__hp_tls
    __attribute__((tls_model("initial-exec")));

static inline conc__hp_rec *conc__hp_self(void)
{
    conc__hp_rec *r = conc__hp_tls;
    if (__builtin_expect(r != NULL, 1))
        return r;
    return conc__hp_self_slow();
}

/* Load *src, publish it in slot `slot` (seq_cst store), re-load until stable;
 * returns the protected pointer value (may be 0).  The object it points to
 * cannot be freed while the slot holds it. */
uintptr_t conc__hp_protect(conc__hp_rec *r, int slot, conc_atomic_uptr *src);

/* The hazard line at the start of every record (hp.c): the slots, and the
 * move counter of conc__hp_set.  Visible here only for
 * conc__hp_protect_cached, which reads the caller's own slot inline. */
struct conc__hp_hz {
    conc_atomic_uptr slot[CONC_HP_SLOTS];
    conc_atomic_uptr moves; /* conc__hp_set calls (hp.c, rec_read) */
};

/* conc__hp_protect for a slot kept set between operations (a "sticky"
 * hazard): load *src (seq_cst); if this thread's slot already holds that
 * value, return it without publishing anything, else conc__hp_protect.
 *
 * Why no store is needed when the slot already holds p: only the owner
 * writes its slot, so the slot has held p without a break since the last
 * seq_cst store of p into it (by protect), which precedes, in the seq_cst
 * order, this seq_cst load of *src that found p there.  That is the
 * reader's side of the Dekker pairing exactly (hp.h above: store the
 * hazard, then find the pointer still at its source); how long ago the
 * store was does not matter.  A retirer whose unlink comes after this load
 * scans after it and sees the slot; one whose unlink came before it cannot
 * have left p at the source, unless p was linked again since, which a
 * caller that reuses objects may do only after conc__hp_held(p) said no
 * while the slot held p (so not between that store and this load).
 * The price is memory: a slot left set keeps its object from being freed
 * (or reused) until the owner's next protect of that slot moves it on,
 * or the thread exits (the bound below counts it among the H slots in
 * use). */
static inline uintptr_t conc__hp_protect_cached(conc__hp_rec *r, int slot,
                                                conc_atomic_uptr *src)
{
    struct conc__hp_hz *hz = (struct conc__hp_hz *)(void *)r;
    uintptr_t p = conc_load_uptr(src, CONC_SEQ_CST);
    if (p == conc_load_uptr(&hz->slot[slot], CONC_RELAXED))
        return p;
    return conc__hp_protect(r, slot, src);
}

/* Does any hazard slot hold p now?  Seq_cst loads of every slot (the
 * scan's side of the pairing): a caller that unlinked p with a seq_cst RMW
 * and then finds it held by no slot may reuse p at once, as a scan would
 * free it; a reader that published p after this answer re-validates and
 * finds it gone.  O(records x slots); allocates nothing. */
bool conc__hp_held(const void *p);

/* Publish a value already known safe (seq_cst): one another slot of this
 * thread protects now (then clear that slot, or not), or one not yet retired.
 * Costs a store and an RMW on the record's move counter (see above). */
void conc__hp_set(conc__hp_rec *r, int slot, uintptr_t p);

/* Release store of 0. */
void conc__hp_clear(conc__hp_rec *r, int slot);

/* p is unlinked (no new thread can reach it).  free_fn(p) runs once no hazard
 * slot holds p (possibly in this call, possibly in a later scan by this or
 * another thread).  Scans on every retire.  A NULL p or free_fn is ignored.
 * With r == NULL (conc__hp_self failed) the call waits until no slot holds p
 * and then frees it. */
void conc__hp_retire(conc__hp_rec *r, void *p, conc__hp_free_fn free_fn);

/* Scan this thread's list (and adopt orphans) now.  NULL r: nothing. */
void conc__hp_scan(conc__hp_rec *r);

/* Retired objects not yet freed, summed over all threads and orphans
 * (approximate while others retire).  For tests and memory reports. */
size_t conc__hp_pending(void);

#ifdef CONC_VERIFY
/* Test hooks, in libconc-verify only.  While `on`, every allocation of a
 * retire node or of a scan's hazard array fails (and scans take the
 * no-allocation path), so that the out-of-memory paths can be exercised.
 * Records are still allocated. */
void conc__hp_test_fail_allocs(bool on);
/* While `on`, a thread without a record gets none (conc__hp_self returns
 * NULL, as when posix_memalign fails and no idle record is left). */
void conc__hp_test_fail_records(bool on);
#endif

#endif /* CONC_INTERNAL_HP_H */
