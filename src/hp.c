/*
 * hp.c - hazard pointers (Michael 2004); the contract, the memory-order
 * argument and the bound on memory held back are in internal/hp.h.
 *
 * Shared state:
 *   g_records  a push-only Treiber list of records.  A record's `next` is
 *              written before the record is published and never changes, and
 *              records are never freed, so a traversal from any head
 *              snapshot sees a fixed, valid list.  Pushed with a seq_cst CAS
 *              and read with a seq_cst load (see scan below).
 *   g_orphans  a lock-free stack of retire nodes left by exited threads.
 *              Pushed whole (a chain) with a release CAS; adopted whole by
 *              exchange-to-NULL (acquire), so there is no pop and no ABA: a
 *              push only needs its tail to point at the current head.
 *   g_norphans how many nodes the orphan list holds (for conc__hp_pending).
 *
 * A record: its hazard slots and its `moves` count (bumped by conc__hp_set,
 * see rec_read) on a line pair of their own (written by the owner on every
 * protect, read by every scan), `active` (0/1, taken by CAS
 * acquire, given back by a release store, which hands the owner-private
 * fields below from one thread to the next), `next`, `nretired` (the length
 * of the retired list, read by conc__hp_pending), and owner-private: the
 * retired list and the reserve nodes used when malloc fails.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal/atomics.h"
#include "internal/hp.h"
#include "internal/pad.h"
#include "internal/spin.h"
#include "internal/verify_state.h"

/* Hazards a scan collects on its stack before it needs malloc. */
#define SCAN_STACK 64

struct hp_node {
    void *ptr;
    conc__hp_free_fn free_fn;
    struct hp_node *next;
};

struct conc__hp_rec {
    /* First member: conc__hp_protect_cached (hp.h) reads it inline. */
    union {
        struct conc__hp_hz s;
        unsigned char pad_[CONC_PAD_LINE];
    } hz;
    conc_atomic_u32 active;
    conc_atomic_uptr next;     /* next record; fixed once published */
    conc_atomic_uptr nretired; /* length of `retired` (approximate) */
    /* Owner-private (handed over by `active`). */
    struct hp_node *retired;
    struct hp_node reserve[CONC_HP_SLOTS];
    bool reserve_busy[CONC_HP_SLOTS];
};

_Static_assert((CONC_HP_SLOTS + 1) * sizeof(conc_atomic_uptr) <= CONC_PAD_LINE,
               "hazard slots must fit their padded line pair");
_Static_assert(offsetof(struct conc__hp_rec, hz) == 0,
               "the hazard line comes first (conc__hp_protect_cached)");

static conc_atomic_uptr g_records;
static conc_atomic_uptr g_orphans;
static conc_atomic_uptr g_norphans;

_Thread_local conc__hp_rec *conc__hp_tls
    __attribute__((tls_model("initial-exec")));
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static bool g_key_ok; /* written once under pthread_once */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* The test hooks (hp.h) exist in libconc-verify only; elsewhere nothing
 * ever fails on purpose. */
#ifdef CONC_VERIFY
static conc_atomic_u32 g_fail_allocs;
static conc_atomic_u32 g_fail_records;

void conc__hp_test_fail_allocs(bool on)
{
    conc_store_u32(&g_fail_allocs, on ? 1 : 0, CONC_RELAXED);
}

void conc__hp_test_fail_records(bool on)
{
    conc_store_u32(&g_fail_records, on ? 1 : 0, CONC_RELAXED);
}

static bool fail_allocs(void)
{
    return conc_load_u32(&g_fail_allocs, CONC_RELAXED) != 0;
}

static bool fail_records(void)
{
    return conc_load_u32(&g_fail_records, CONC_RELAXED) != 0;
}
#else
static bool fail_allocs(void) { return false; }
static bool fail_records(void) { return false; }
#endif

static void *hp_malloc(size_t n)
{
    return fail_allocs() ? NULL : malloc(n);
}

/* The next record.  Relaxed is enough: a record is only reached from a head
 * loaded with acquire or stronger, which reads the release CAS that pushed
 * it or a later push in that CAS's release sequence, so every record below
 * it (pushed earlier, its `next` written before its push) is visible. */
static conc__hp_rec *rec_next(conc__hp_rec *r)
{
    return (conc__hp_rec *)conc_load_uptr(&r->next, CONC_RELAXED);
}

static int uptr_cmp(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

static bool sorted_has(const uintptr_t *v, size_t n, uintptr_t p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < p)
            lo = mid + 1;
        else if (v[mid] > p)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* Read one record's slots, consistently with respect to moves.
 *
 * Seq_cst loads: the scanner's side of the Dekker pairing (hp.h).  That
 * pairing covers values published by conc__hp_protect, which validates them;
 * a value moved by conc__hp_set from one slot to another is not validated,
 * and a plain read of the slots one after the other can miss it: read slot
 * 0 (still empty), the owner sets slot 0 and clears slot 1, read slot 1
 * (now empty).  So conc__hp_set bumps `moves` after its store (seq_cst RMW),
 * and a pass over the slots counts only if `moves` did not change during it.
 * Why that suffices: if the pass read the new slot before the set's store,
 * then (all seq_cst) the first `moves` load precedes the set's store and so
 * its bump, and reads the old count; if it read the old slot at or after the
 * store that cleared or overwrote it (release or stronger, sequenced after
 * the bump), that load synchronizes with it, so the bump happens before the
 * second `moves` load, which sees the new count.  The owner moves values
 * rarely, so the retry loop ends; it retries only while the owner keeps
 * moving.  The pause is a BACKOFF, not a SPIN: the pass lost a race with a
 * move, and the next pass may succeed at once without anyone else running. */
static void rec_read(conc__hp_rec *r, uintptr_t out[CONC_HP_SLOTS])
{
    for (;;) {
        uintptr_t m = conc_load_uptr(&r->hz.s.moves, CONC_SEQ_CST);
        for (int i = 0; i < CONC_HP_SLOTS; i++)
            out[i] = conc_load_uptr(&r->hz.s.slot[i], CONC_SEQ_CST);
        if (conc_load_uptr(&r->hz.s.moves, CONC_SEQ_CST) == m)
            return;
        conc_backoff_pause();
    }
}

/* Does any slot of any record from `head` down hold p?  O(H), no memory. */
static bool held_from(conc__hp_rec *head, uintptr_t p)
{
    for (conc__hp_rec *r = head; r; r = rec_next(r)) {
        uintptr_t v[CONC_HP_SLOTS];
        rec_read(r, v);
        for (int i = 0; i < CONC_HP_SLOTS; i++)
            if (v[i] == p)
                return true;
    }
    return false;
}

/* The head of the record list, for a scan.  Seq_cst: a record pushed after
 * this load (seq_cst CAS) can only publish a hazard after its push, hence
 * after this load in the seq_cst order, hence after the caller's unlink;
 * its re-load in conc__hp_protect then sees the unlink, so a scan may ignore
 * records it does not see. */
static conc__hp_rec *records_head(void)
{
    return (conc__hp_rec *)conc_load_uptr(&g_records, CONC_SEQ_CST);
}

static bool held(uintptr_t p)
{
    return held_from(records_head(), p);
}

bool conc__hp_held(const void *p)
{
    return p && held((uintptr_t)p);
}

static struct hp_node *reserve_take(conc__hp_rec *r)
{
    for (int i = 0; i < CONC_HP_SLOTS; i++)
        if (!r->reserve_busy[i]) {
            r->reserve_busy[i] = true;
            return &r->reserve[i];
        }
    return NULL;
}

static int reserve_index(conc__hp_rec *r, struct hp_node *n)
{
    for (int i = 0; i < CONC_HP_SLOTS; i++)
        if (n == &r->reserve[i])
            return i;
    return -1;
}

/* Give back a node that is done with: to the reserve or to malloc. */
static void node_release(conc__hp_rec *r, struct hp_node *n)
{
    int i = reserve_index(r, n);
    if (i >= 0)
        r->reserve_busy[i] = false;
    else
        free(n);
}

static void list_add(conc__hp_rec *r, struct hp_node *n, void *p,
                     conc__hp_free_fn fn)
{
    n->ptr = p;
    n->free_fn = fn;
    n->next = r->retired;
    r->retired = n;
    conc_fetch_add_uptr(&r->nretired, 1, CONC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Orphans                                                                  */

/* Hand r's whole retired list to the orphan list. */
static void orphans_give(conc__hp_rec *r)
{
    struct hp_node *first = r->retired, *tail = first;
    if (!first)
        return;
    uintptr_t k = 1;
    while (tail->next) {
        tail = tail->next;
        k++;
    }
    r->retired = NULL;
    /* Count first, so the orphan count never goes below zero: an adopter
     * subtracts only after its acquire exchange saw our push. */
    conc_fetch_add_uptr(&g_norphans, k, CONC_RELAXED);
    conc_fetch_sub_uptr(&r->nretired, k, CONC_RELAXED);
    uintptr_t head = conc_load_uptr(&g_orphans, CONC_RELAXED);
    do {
        tail->next = (struct hp_node *)head;
        /* Release publishes the nodes (and their `next` links); a push that
         * fails only learns the current head. */
    } while (!conc_cas_weak_uptr(&g_orphans, &head, (uintptr_t)first,
                                 CONC_RELEASE, CONC_RELAXED));
}

/* Move the whole orphan list onto r's retired list. */
static void orphans_adopt(conc__hp_rec *r)
{
    /* A cheap look first: most scans find no orphans. */
    if (!conc_load_uptr(&g_orphans, CONC_RELAXED))
        return;
    /* Acquire pairs with every pusher's release CAS (they form one release
     * sequence of RMWs on g_orphans), so all nodes are visible. */
    struct hp_node *first =
        (struct hp_node *)conc_exchange_uptr(&g_orphans, 0, CONC_ACQUIRE);
    if (!first)
        return;
    struct hp_node *tail = first;
    uintptr_t k = 1;
    while (tail->next) {
        tail = tail->next;
        k++;
    }
    tail->next = r->retired;
    r->retired = first;
    conc_fetch_add_uptr(&r->nretired, k, CONC_RELAXED);
    conc_fetch_sub_uptr(&g_norphans, k, CONC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Scan                                                                     */

void conc__hp_scan(conc__hp_rec *r)
{
    if (!r)
        return;
    orphans_adopt(r);
    struct hp_node *list = r->retired;
    if (!list)
        return;
    /* Detach the list: a free_fn may retire (and so scan) recursively; it
     * then works on a fresh list, which we merge with our leftovers. */
    r->retired = NULL;

    /* Snapshot the hazards.  The list below `head` is fixed, so counting it
     * first gives the exact size. */
    conc__hp_rec *head = records_head();
    size_t cap = 0;
    for (conc__hp_rec *q = head; q; q = rec_next(q))
        cap += CONC_HP_SLOTS;
    uintptr_t stack_buf[SCAN_STACK];
    uintptr_t *hz = NULL;
    size_t n = 0;
    if (!fail_allocs())
        hz = cap <= SCAN_STACK ? stack_buf : hp_malloc(cap * sizeof *hz);
    if (hz) {
        for (conc__hp_rec *q = head; q; q = rec_next(q)) {
            uintptr_t v[CONC_HP_SLOTS];
            rec_read(q, v);
            for (int i = 0; i < CONC_HP_SLOTS; i++)
                if (v[i])
                    hz[n++] = v[i];
        }
        qsort(hz, n, sizeof *hz, uptr_cmp);
    }
    /* else: no memory for the array; check each node against every slot. */

    struct hp_node *kept = NULL, *kept_tail = NULL;
    while (list) {
        struct hp_node *node = list;
        list = node->next;
        uintptr_t p = (uintptr_t)node->ptr;
        if (hz ? sorted_has(hz, n, p) : held_from(head, p)) {
            node->next = kept;
            kept = node;
            if (!kept_tail)
                kept_tail = node;
            continue;
        }
        void *ptr = node->ptr;
        conc__hp_free_fn fn = node->free_fn;
        node_release(r, node);
        conc_fetch_sub_uptr(&r->nretired, 1, CONC_RELAXED);
        fn(ptr);
    }
    if (hz && hz != stack_buf)
        free(hz);
    if (kept) {
        kept_tail->next = r->retired;
        r->retired = kept;
    }
}

/* ------------------------------------------------------------------------ */
/* Retire                                                                   */

/* No node could be had.  Never lose p: free it once unprotected, or park it
 * in a reserve node; spin-scan until one of the two is possible. */
static void retire_nomem(conc__hp_rec *r, void *p, conc__hp_free_fn fn)
{
    for (;;) {
        conc__hp_scan(r); /* frees what it can, may free a reserve node */
        if (!held((uintptr_t)p)) {
            fn(p);
            return;
        }
        if (r) {
            struct hp_node *node = hp_malloc(sizeof *node);
            if (!node)
                node = reserve_take(r);
            if (node) {
                list_add(r, node, p, fn);
                return;
            }
        }
        /* SPIN: p stays held and no node is free until another thread
         * clears a slot (hp.h: the reserve makes that enough). */
        conc_spin_pause();
    }
}

void conc__hp_retire(conc__hp_rec *r, void *p, conc__hp_free_fn free_fn)
{
    if (!p || !free_fn)
        return;
    struct hp_node *node = r ? hp_malloc(sizeof *node) : NULL;
    if (!node) {
        retire_nomem(r, p, free_fn);
        return;
    }
    list_add(r, node, p, free_fn);
    conc__hp_scan(r);
}

/* ------------------------------------------------------------------------ */
/* Protect                                                                  */

/* Store the hazard, then re-load the source, both seq_cst (the reader's side
 * of the Dekker pairing in hp.h).  The first load may be relaxed: the value
 * returned is always one the seq_cst (so acquire) re-load read, which
 * synchronizes with the store that published it. */
uintptr_t conc__hp_protect(conc__hp_rec *r, int slot, conc_atomic_uptr *src)
{
    conc_atomic_uptr *hz = &r->hz.s.slot[slot];
    uintptr_t p = conc_load_uptr(src, CONC_RELAXED);
    for (;;) {
        conc_store_uptr(hz, p, CONC_SEQ_CST);
        uintptr_t q = conc_load_uptr(src, CONC_SEQ_CST);
        if (q == p)
            return p;
        p = q;
    }
}

/* The store, then the bump of `moves` that tells a concurrent scan to read
 * this record's slots again (rec_read).  Both seq_cst. */
void conc__hp_set(conc__hp_rec *r, int slot, uintptr_t p)
{
    conc_store_uptr(&r->hz.s.slot[slot], p, CONC_SEQ_CST);
    conc_fetch_add_uptr(&r->hz.s.moves, 1, CONC_SEQ_CST);
}

/* Release: the owner's accesses to the object happen before a scan whose
 * (acquire) load reads this 0 and then frees the object. */
void conc__hp_clear(conc__hp_rec *r, int slot)
{
    conc_store_uptr(&r->hz.s.slot[slot], 0, CONC_RELEASE);
}

/* ------------------------------------------------------------------------ */
/* Records                                                                  */

/* Reserve nodes belong to the record and cannot go to the orphan list: move
 * each one still in use to a heap node, or (no memory) wait until its object
 * is unprotected and free it.  Our own slots are already clear, so only
 * other threads can hold it.  A free_fn may retire again and use the
 * reserve, hence the outer loop. */
static void rec_unreserve(conc__hp_rec *r)
{
    for (;;) {
        bool busy = false;
        for (int i = 0; i < CONC_HP_SLOTS; i++)
            busy |= r->reserve_busy[i];
        if (!busy)
            return;
        struct hp_node *list = r->retired, *out = NULL;
        r->retired = NULL;
        while (list) {
            struct hp_node *node = list;
            list = node->next;
            if (reserve_index(r, node) >= 0) {
                struct hp_node *m = hp_malloc(sizeof *m);
                if (!m) {
                    void *p = node->ptr;
                    conc__hp_free_fn fn = node->free_fn;
                    while (held((uintptr_t)p))
                        conc_spin_pause(); /* until its holder clears */
                    node_release(r, node);
                    conc_fetch_sub_uptr(&r->nretired, 1, CONC_RELAXED);
                    fn(p);
                    continue;
                }
                *m = *node;
                node_release(r, node);
                node = m;
            }
            node->next = out;
            out = node;
        }
        /* Merge with anything a free_fn retired meanwhile. */
        while (out) {
            struct hp_node *node = out;
            out = node->next;
            node->next = r->retired;
            r->retired = node;
        }
    }
}

/* Thread exit (pthread_key destructor). */
static void rec_release(void *arg)
{
    conc__hp_rec *r = arg;
    for (int i = 0; i < CONC_HP_SLOTS; i++)
        conc__hp_clear(r, i);
    conc__hp_scan(r);
    rec_unreserve(r);
    orphans_give(r);
    conc__hp_tls = NULL;
    /* Release: the next owner's acquire CAS sees the empty list and reserve. */
    conc_store_u32(&r->active, 0, CONC_RELEASE);
}

static void key_make(void)
{
    g_key_ok = pthread_key_create(&g_key, rec_release) == 0;
}

static conc__hp_rec *rec_acquire(void)
{
    if (fail_records())
        return NULL; /* as if posix_memalign failed with no idle record */
    /* Reuse an inactive record.  Acquire pairs with the release store that
     * gave it back. */
    for (conc__hp_rec *r =
             (conc__hp_rec *)conc_load_uptr(&g_records, CONC_ACQUIRE);
         r; r = rec_next(r)) {
        uint32_t idle = 0;
        if (conc_load_u32(&r->active, CONC_RELAXED) == 0 &&
            conc_cas_u32(&r->active, &idle, 1, CONC_ACQUIRE, CONC_RELAXED))
            return r;
    }
    /* None free: a new one, pushed with a seq_cst CAS (see records_head). */
    void *mem = NULL;
    if (posix_memalign(&mem, CONC_ALIGN, sizeof(conc__hp_rec)) != 0)
        return NULL;
    conc__hp_rec *r = mem;
    memset(r, 0, sizeof *r);
    for (int i = 0; i < CONC_HP_SLOTS; i++)
        conc_init_uptr(&r->hz.s.slot[i], 0);
    conc_init_uptr(&r->hz.s.moves, 0);
    conc_init_u32(&r->active, 1);
    conc_init_uptr(&r->nretired, 0);
    conc_init_uptr(&r->next, 0);
    uintptr_t head = conc_load_uptr(&g_records, CONC_RELAXED);
    do {
        conc_store_uptr(&r->next, head, CONC_RELAXED);
    } while (!conc_cas_weak_uptr(&g_records, &head, (uintptr_t)r,
                                 CONC_SEQ_CST, CONC_RELAXED));
    return r;
}

conc__hp_rec *conc__hp_self_slow(void)
{
    pthread_once(&g_key_once, key_make);
    conc__hp_rec *r = rec_acquire();
    if (!r)
        return NULL;
    /* Without the key the record is simply never released (hp.h). */
    if (g_key_ok)
        (void)pthread_setspecific(g_key, r);
    conc__hp_tls = r;
    return r;
}

size_t conc__hp_pending(void)
{
    uintptr_t sum = conc_load_uptr(&g_norphans, CONC_RELAXED);
    for (conc__hp_rec *r =
             (conc__hp_rec *)conc_load_uptr(&g_records, CONC_ACQUIRE);
         r; r = rec_next(r))
        sum += conc_load_uptr(&r->nretired, CONC_RELAXED);
    return (size_t)sum;
}

/* ------------------------------------------------------------------------ */
/* The verify build: state put back (verify_state.h)                        */

#ifdef CONC_VERIFY
/* Is n one of the reserve nodes built into a record of the list recs? */
static bool reserve_of(conc__hp_rec *recs, struct hp_node *n)
{
    for (conc__hp_rec *r = recs; r; r = rec_next(r))
        if (reserve_index(r, n) >= 0)
            return true;
    return false;
}

void conc__hp_verify_reset(void)
{
    /* Nothing fails on purpose any more (the free_fns below may retire). */
    conc_store_u32(&g_fail_allocs, 0, CONC_RELAXED);
    conc_store_u32(&g_fail_records, 0, CONC_RELAXED);
    /* A free_fn may retire again, which makes a new record: repeat until
     * the lists stay empty. */
    for (;;) {
        conc__hp_tls = NULL;
        conc__hp_rec *recs =
            (conc__hp_rec *)conc_exchange_uptr(&g_records, 0, CONC_ACQ_REL);
        struct hp_node *list =
            (struct hp_node *)conc_exchange_uptr(&g_orphans, 0, CONC_ACQUIRE);
        conc_store_uptr(&g_norphans, 0, CONC_RELAXED);
        if (!recs && !list)
            break;
        /* Every node still retired, on a record or orphaned. */
        for (conc__hp_rec *r = recs; r; r = rec_next(r)) {
            struct hp_node *n = r->retired;
            r->retired = NULL;
            while (n) {
                struct hp_node *next = n->next;
                n->next = list;
                list = n;
                n = next;
            }
        }
        /* No thread uses the library, so no slot protects anything: each
         * object goes to its free_fn, as a scan would do. */
        while (list) {
            struct hp_node *n = list;
            list = n->next;
            void *ptr = n->ptr;
            conc__hp_free_fn fn = n->free_fn;
            if (!reserve_of(recs, n))
                free(n);
            fn(ptr);
        }
        while (recs) {
            conc__hp_rec *next = rec_next(recs);
            free(recs);
            recs = next;
        }
    }
    /* A new key: any value a thread still holds for the old one (the
     * caller's, or a live thread's that never called
     * conc_verify_thread_exit) is dropped, and its destructor never runs
     * on a record freed above.  Without a key (never made, or its making
     * failed) there is nothing to drop; pthread_once makes it on first
     * use. */
    if (g_key_ok) {
        (void)pthread_key_delete(g_key);
        g_key_ok = pthread_key_create(&g_key, rec_release) == 0;
    }
}

void conc__hp_verify_thread_exit(void)
{
    conc__hp_rec *r = conc__hp_tls;
    if (!r)
        return;
    rec_release(r); /* what the key's destructor does */
    conc__hp_tls = NULL;
    if (g_key_ok)
        (void)pthread_setspecific(g_key, NULL);
}

size_t conc__hp_verify_records(size_t *active)
{
    size_t n = 0, a = 0;
    for (conc__hp_rec *r =
             (conc__hp_rec *)conc_load_uptr(&g_records, CONC_ACQUIRE);
         r; r = rec_next(r)) {
        n++;
        a += conc_load_u32(&r->active, CONC_ACQUIRE) != 0;
    }
    if (active)
        *active = a;
    return n;
}
#endif /* CONC_VERIFY */
