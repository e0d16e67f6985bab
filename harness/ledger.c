/*
 * ledger.c - exactly-once accounting for hours of items in bounded memory
 * (ledger.h).
 *
 * Each producer owns a ledger: a window of W slots (W a power of two) and a
 * small "late set".  Seq s maps to slot index(s) (s mod W, with the bits
 * shuffled so that consecutive seqs land on different cache lines) and is
 * recorded there as its lap tag, s / W + 1, plus the id of the thread that
 * popped it.  `floor` is the producer's own: every seq below it is settled.
 *
 *   record (a popper, after popping s):  CAS the slot from 0 to s's tag.
 *   settle (the producer, before pushing s + W - 1 or more): for f = floor,
 *     if the slot holds f's tag, clear it (f was popped exactly once so far);
 *     if it is empty, f has not been popped yet (still inside the structure,
 *     or in a popper's hands, or lost): put f in the late set.
 *     Then floor++.
 *
 * A recording that finds its slot occupied goes to the slow path, under the
 * ledger's mutex:
 *   - the slot holds s's own tag: s was popped twice (both pops named);
 *   - it holds an older tag s' (s' <= s - W, already past the floor): that
 *     recording of s' came after s' was settled: if s' is in the late set it
 *     was merely late (removed from the set, fine), else it is a second pop
 *     of s'.  The slot then takes s;
 *   - it holds a newer tag: s's own turn has passed: s in the late set means
 *     late (fine), else s was popped twice.
 * The producer's settle takes the same slow path when the slot holds
 * anything but f's tag.  After the final drain, h_ledger_final() settles
 * everything up to the number of items pushed, resolves what is left in the
 * slots (late recordings, second pops, and items never pushed or whose push
 * was refused) and reports every seq still in the late set as lost.
 *
 * Why it is exact: a seq is pushed only after the producer made room for it
 * (s < floor + W at the time), so a recorded s that passed the "push had
 * begun" check satisfies s < floor + W, and a slot never holds two seqs that
 * both still need it.  Every recording either is cleared by a settle that
 * saw exactly one recording, or meets a later recording or settle under the
 * mutex, or is found by the final sweep; every settle that finds no
 * recording puts the seq in the late set, whose entries must each be matched
 * by exactly one late recording.  So each pushed item is classified as popped
 * exactly once, popped k > 1 times (k - 1 duplicates reported) or lost, with
 * no sampling and no hashing.  (The argument uses "push happens-before pop",
 * which the headers promise; a structure that breaks it is reported, though
 * perhaps under another name.)
 *
 * Memory: W * 8 bytes, plus 8 bytes per late item.  Items stay late only
 * while they sit in the structure (at most its capacity, e.g. the bottom of
 * a stack) or in a popper's hands; more than late_limit late items means
 * items are being lost, and h_ledger_make_room says so.
 */
#include "ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_MASK 0xFFFFFFFFull

static inline size_t slot_index(unsigned shift, uint64_t s)
{
    uint64_t low = s & (((uint64_t)1 << shift) - 1);
    return (size_t)(((low & 7) << (shift - 3)) | (low >> 3));
}

static inline uint64_t slot_seq(unsigned shift, size_t idx, uint64_t tag)
{
    uint64_t low3 = (uint64_t)idx >> (shift - 3);
    uint64_t mid = (uint64_t)idx & (((uint64_t)1 << (shift - 3)) - 1);
    return ((tag - 1) << shift) | (mid << 3) | low3;
}

static inline uint64_t slot_tag(unsigned shift, uint64_t s)
{
    return (s >> shift) + 1;
}

static inline int slot_tid(uint64_t v)
{
    return (int)(v >> 32) - 1;
}

size_t h_ledger_window_for(uint64_t n)
{
    size_t w = 8;
    while (w < n && w < ((size_t)1 << 40))
        w <<= 1;
    return w;
}

int h_ledger_init(h_ledger *l, int producer, size_t window, size_t late_limit,
                  h_ledger_sink sink, void *sink_arg)
{
    memset(l, 0, sizeof *l);
    if (window < 8 || (window & (window - 1)))
        return -1;
    l->slot = calloc(window, sizeof *l->slot);
    if (!l->slot)
        return -1;
    for (size_t i = 0; i < window; i++)
        atomic_init(&l->slot[i], 0);
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        free(l->slot);
        l->slot = NULL;
        return -1;
    }
    l->window = window;
    while (((size_t)1 << l->shift) < window)
        l->shift++;
    l->late_limit = late_limit;
    l->producer = producer;
    l->sink = sink;
    l->sink_arg = sink_arg;
    return 0;
}

void h_ledger_fini(h_ledger *l)
{
    if (!l->slot)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->slot);
    free(l->late);
    memset(l, 0, sizeof *l);
}

size_t h_ledger_late_max(const h_ledger *l)
{
    return l->late_max;
}

static void report(h_ledger *l, int what, uint64_t seq, int by, int by2,
                   uint64_t other)
{
    h_ledger_event ev = {what, l->producer, seq, by, by2, other};
    if (l->sink)
        l->sink(l->sink_arg, &ev);
}

/* ---- the late set: seqs appended in increasing order (the floor only
 * grows), removed anywhere; an entry is seq << 1 | removed. ---- */

static _Noreturn void out_of_memory(void)
{
    static const char msg[] =
        "ledger: out of memory for the late set; giving up\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(4);
}

/* Under the lock.  True if more items are now late than late_limit. */
static bool late_add(h_ledger *l, uint64_t s)
{
    if (l->late_len == l->late_cap) {
        /* Drop removed entries first; grow only if that frees too little. */
        size_t w = 0;
        for (size_t i = l->late_head; i < l->late_len; i++)
            if (!(l->late[i] & 1))
                l->late[w++] = l->late[i];
        l->late_head = 0;
        l->late_len = w;
        if (l->late_len * 2 > l->late_cap || l->late_cap == 0) {
            size_t cap = l->late_cap ? l->late_cap * 2 : 1024;
            uint64_t *n = realloc(l->late, cap * sizeof *n);
            if (!n)
                out_of_memory();
            l->late = n;
            l->late_cap = cap;
        }
    }
    l->late[l->late_len++] = s << 1;
    l->late_live++;
    if (l->late_live > l->late_max)
        l->late_max = l->late_live;
    return l->late_limit && l->late_live > l->late_limit;
}

static bool late_remove(h_ledger *l, uint64_t s)
{
    size_t lo = l->late_head, hi = l->late_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t m = l->late[mid] >> 1;
        if (m < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == l->late_len || (l->late[lo] >> 1) != s || (l->late[lo] & 1))
        return false;
    l->late[lo] |= 1;
    l->late_live--;
    while (l->late_head < l->late_len && (l->late[l->late_head] & 1))
        l->late_head++;
    if (l->late_head == l->late_len)
        l->late_head = l->late_len = 0;
    return true;
}

/* A recording of s' found after s' had been settled (under the lock). */
static void settle_stale(h_ledger *l, uint64_t s, int by)
{
    if (late_remove(l, s))
        return; /* it was merely late */
    report(l, H_LEDGER_POPPED_AGAIN, s, by, -1, 0);
}

void h_ledger_record(h_ledger *l, uint64_t s, int by)
{
    unsigned shift = l->shift;
    size_t i = slot_index(shift, s);
    uint64_t tag = slot_tag(shift, s);
    uint64_t val = tag | ((uint64_t)(by + 1) << 32);
    uint64_t exp = 0;
    /* Relaxed is enough: the only data is the slot itself, and the
     * producer's clearing of this slot happens-before our CAS through the
     * push and pop of s (settle, then publish, then push). */
    if (atomic_compare_exchange_strong_explicit(&l->slot[i], &exp, val,
                                                memory_order_relaxed,
                                                memory_order_relaxed))
        return;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        uint64_t v = atomic_load_explicit(&l->slot[i], memory_order_relaxed);
        if (v == 0) {
            if (atomic_compare_exchange_strong_explicit(
                    &l->slot[i], &v, val, memory_order_relaxed,
                    memory_order_relaxed))
                break;
            continue;
        }
        uint64_t vt = v & TAG_MASK;
        if (vt == tag) {
            if (slot_tid(v) == by)
                report(l, H_LEDGER_POPPED_TWICE, s, by, -1, 0);
            else
                report(l, H_LEDGER_POPPED_BY_TWO, s, by, slot_tid(v), 0);
            break;
        }
        if (vt < tag) {
            if (!atomic_compare_exchange_strong_explicit(
                    &l->slot[i], &v, val, memory_order_relaxed,
                    memory_order_relaxed))
                continue;
            settle_stale(l, slot_seq(shift, i, vt), slot_tid(v));
            break;
        }
        /* A newer seq holds the slot: s's turn has passed. */
        settle_stale(l, s, by);
        break;
    }
    pthread_mutex_unlock(&l->lock);
}

/* Settle f == l->floor (the producer, or the caller of h_ledger_final).  A
 * refused f is not expected to be popped: a recording of it is invented,
 * its absence is no loss.  True if more items are now late than the
 * limit. */
static bool settle_one(h_ledger *l, bool refused)
{
    bool over = false;
    unsigned shift = l->shift;
    uint64_t f = l->floor;
    size_t i = slot_index(shift, f);
    uint64_t tag = slot_tag(shift, f);
    uint64_t v = atomic_load_explicit(&l->slot[i], memory_order_relaxed);
    if (!refused && (v & TAG_MASK) == tag &&
        atomic_compare_exchange_strong_explicit(&l->slot[i], &v, 0,
                                                memory_order_relaxed,
                                                memory_order_relaxed)) {
        l->floor = f + 1;
        return false;
    }
    pthread_mutex_lock(&l->lock);
    for (;;) {
        v = atomic_load_explicit(&l->slot[i], memory_order_relaxed);
        if (v == 0) {
            if (!refused)
                over = late_add(l, f); /* not popped yet, or lost */
            break;
        }
        uint64_t vt = v & TAG_MASK;
        if (!atomic_compare_exchange_strong_explicit(&l->slot[i], &v, 0,
                                                     memory_order_relaxed,
                                                     memory_order_relaxed))
            continue;
        if (vt == tag) {
            if (refused)
                report(l, H_LEDGER_REFUSED, f, slot_tid(v), -1, 0);
            break; /* recorded while we took the lock */
        }
        if (vt < tag)
            settle_stale(l, slot_seq(shift, i, vt), slot_tid(v));
        else
            report(l, H_LEDGER_BEFORE_PUSH, slot_seq(shift, i, vt),
                   slot_tid(v), -1, f);
        if (!refused)
            over = late_add(l, f);
        break;
    }
    pthread_mutex_unlock(&l->lock);
    l->floor = f + 1;
    return over;
}

bool h_ledger_make_room(h_ledger *l, uint64_t upto)
{
    uint64_t w = l->window;
    bool over = false;
    if (upto > l->floor + w) {
        /* Settle a quarter window more than needed, so this runs rarely;
         * what is settled stays at least W/2 behind the next seq to push. */
        uint64_t target = upto - w + w / 4;
        while (l->floor < target)
            over |= settle_one(l, false);
    }
    return !over;
}

void h_ledger_final(h_ledger *l, uint64_t pushed, uint64_t started,
                    bool (*refused)(void *arg, uint64_t seq), void *arg)
{
    unsigned shift = l->shift;
    while (l->floor < pushed)
        settle_one(l, refused && refused(arg, l->floor));
    /* Every recording left in a slot is now stale: late, a second pop, or
     * an item that was never pushed. */
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->window; i++) {
        uint64_t v = atomic_exchange_explicit(&l->slot[i], 0,
                                              memory_order_relaxed);
        if (!v)
            continue;
        uint64_t s = slot_seq(shift, i, v & TAG_MASK);
        if (s >= pushed)
            report(l, s < started ? H_LEDGER_REFUSED : H_LEDGER_NEVER_PUSHED,
                   s, slot_tid(v), -1, 0);
        else
            settle_stale(l, s, slot_tid(v));
    }
    for (size_t k = l->late_head; k < l->late_len; k++)
        if (!(l->late[k] & 1))
            report(l, H_LEDGER_LOST, l->late[k] >> 1, -1, -1, 0);
    l->late_head = l->late_len = l->late_live = 0;
    pthread_mutex_unlock(&l->lock);
}

int h_ledger_kind_of(const h_ledger_event *ev)
{
    switch (ev->what) {
    case H_LEDGER_POPPED_TWICE:
    case H_LEDGER_POPPED_BY_TWO:
    case H_LEDGER_POPPED_AGAIN:
        return H_LEDGER_DUPLICATE;
    case H_LEDGER_LOST:
        return H_LEDGER_MISSING;
    default:
        return H_LEDGER_INVENTED;
    }
}

const char *h_ledger_describe(const h_ledger_event *ev, h_ledger_namer name,
                              void *arg, const char *producer_name,
                              char *buf, size_t n)
{
    char a[32], b[32], pn[32];
    const char *by = name(arg, ev->by, a);
    switch (ev->what) {
    case H_LEDGER_POPPED_TWICE:
        snprintf(buf, n, "popped twice by %s", by);
        break;
    case H_LEDGER_POPPED_BY_TWO:
        snprintf(buf, n, "popped by %s and by %s", name(arg, ev->by2, b), by);
        break;
    case H_LEDGER_POPPED_AGAIN:
        snprintf(buf, n,
                 "popped again (by %s) after it had already been popped and "
                 "accounted for", by);
        break;
    case H_LEDGER_BEFORE_PUSH:
        snprintf(buf, n,
                 "popped by %s before its push began (seq %" PRIu64
                 " was not yet settled)", by, ev->other);
        break;
    case H_LEDGER_REFUSED:
        snprintf(buf, n, "popped by %s, though its push was refused "
                 "(CONC_FULL or CONC_CLOSED)", by);
        break;
    case H_LEDGER_NEVER_PUSHED:
        snprintf(buf, n, "popped by %s, never pushed", by);
        break;
    default:
        snprintf(buf, n, "pushed by %s (push returned CONC_OK), never popped",
                 producer_name ? producer_name
                               : name(arg, ev->producer, pn));
        break;
    }
    return buf;
}
