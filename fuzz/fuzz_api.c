/*
 * fuzz_api - every public function, called with arguments from the input:
 * NULL handles and out-pointers, zero, huge and just-too-large capacities,
 * caller memory that is misaligned, too short or NULL, push on a full
 * structure, pop on an empty one, init over a live structure.  Never a
 * crash (ASan, UBSan), never a leak, always the documented status:
 *
 *   - bad arguments give CONC_EINVAL and change nothing: no out-pointer is
 *     written, and caller memory handed to a failing init is not touched;
 *   - conc_X_new gives NULL with errno EINVAL exactly when footprint is 0;
 *   - footprint is 0 exactly for an invalid capacity, and otherwise holds at
 *     least the items;
 *   - on valid arguments the result is what a sequential model says (as in
 *     fuzz_sequential_*, but reached through every argument path);
 *   - len and capacity of NULL are 0; conc_strerror names every status and
 *     says "unknown conc status" for anything else;
 *   - unbounded structures (registry `unbounded`, conc_lfqueue): any
 *     capacity is accepted and ignored, push never says FULL, capacity() is
 *     SIZE_MAX;
 *   - the waiting vocabulary (conc/wait.h) against the same model, on
 *     structures made with create_flags(cap, flags) (any mix of
 *     CONC_JOINABLE, CONC_NOWAIT and CONC_SHARED, or unknown bits: NULL with
 *     errno EINVAL, as is CONC_SHARED on a structure that cannot live in
 *     shared memory, registry process_shared false): after
 *     close, push/push_wait/push_many say CLOSED and change nothing, pops
 *     drain and then say CLOSED; close is idempotent; close_now hands every
 *     item left to the discard function in pop order and counts it; closed()
 *     follows; push_wait/pop_wait with timeout 0 behave as push/pop, with
 *     CONC_FOREVER when the model says they succeed (or see CLOSED) at once,
 *     and with a nonzero timeout under CONC_NOWAIT give EINVAL;
 *     task_done/join(0) follow the count of unfinished items on a joinable
 *     structure (task_done beyond it: EINVAL, nothing changes) and give
 *     EINVAL otherwise; fd() gives one descriptor (the same on every call,
 *     EINVAL under CONC_NOWAIT or CONC_SHARED) that polls readable while the model holds
 *     items or is closed, and is closed again by free/fini (leak checks).
 *
 * Wrong-state use (an operation after free, a double fini) is a caller bug
 * the contract does not cover and is never generated.  Structures stay
 * small (at most API_MAX_BYTES each, at most POOL alive) and are all freed.
 *
 * Input: opcode bytes, each followed by the argument bytes it reads.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry.h"

#define POOL 4
#define API_MAX_BYTES ((size_t)1 << 20)
#define MAX_BATCH 64
#define MAX_OPS 1024
#define SENTINEL ((void *)(uintptr_t)0x5e5e5e5e5e5e5e5eull)
#define SENTINEL_SIZE ((size_t)0x5e5e5e5e5e5e5e5eull)
#define SENTINEL_I64 INT64_C(0x5e5e5e5e5e5e5e5e)

typedef struct obj {
    const reg_entry *e;
    void *h;          /* the handle; NULL when the slot is free */
    bool caller_mem;  /* h is memory from fuzz_alloc_aligned */
    size_t mem_size;  /* caller memory: the size given to init */
    size_t cap;       /* capacity or shards */
    /* model: containers */
    void **buf;
    size_t alloc, head, n;
    bool unbounded;
    unsigned flags;   /* create_flags; 0 for new and init */
    bool closed;
    size_t unfinished;/* joinable: pushes not yet task_done */
    int fd;           /* from fd(), -1 before */
    /* model: counters */
    uint64_t total;
} obj;

static obj pool[POOL];
static size_t op_index;

static const size_t edge_caps[] = {
    0, 1, 2, 3, 7, 8, 64, 1000, (size_t)1 << 16, ((size_t)1 << 16) + 1,
    (size_t)1 << 30, ((size_t)1 << 30) + 1, 0xFFFFFFFEu, 0xFFFFFFFFu,
    (size_t)1 << 32, SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / 8 + 1, SIZE_MAX / 16,
    SIZE_MAX / 24, SIZE_MAX / 40,
};

static const uintptr_t edge_items[] = {
    0, 1, UINTPTR_MAX, (uintptr_t)1 << 63, 0x5e5e5e5e5e5e5e5eull, 0xdeadbeef,
};

/* ---- helpers ------------------------------------------------------------ */

#define FAIL(...) fuzz_fail(__VA_ARGS__)

static void expect(bool cond, const char *what, const reg_entry *e, int st)
{
    if (!cond)
        FAIL("op %zu: %s: %s (status %s)", op_index, e ? e->name : "-", what,
             fuzz_status_name(st));
}

static const reg_entry *read_entry(fuzz_in *in)
{
    return &conc_registry[fz_u8(in) % conc_registry_count];
}

static size_t read_cap(fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    if (b < 0x80)
        return b % 40;
    if (b < 0xC0)
        return edge_caps[b % (sizeof edge_caps / sizeof edge_caps[0])];
    return (size_t)fz_uint(in, 8) >> (b % 64);
}

/* Does this entry accept `cap` (capacity, or shards)?  Counters without
 * shards (max_capacity 1) ignore it. */
static bool cap_valid(const reg_entry *e, size_t cap)
{
    if (e->kind == REG_COUNTER && e->max_capacity == 1)
        return true;
    if (e->unbounded)
        return true; /* the capacity is ignored */
    return cap >= 1 && cap <= e->max_capacity;
}

static void check_footprint(const reg_entry *e, size_t cap, size_t fp)
{
    bool valid = cap_valid(e, cap);
    if (valid && fp == 0)
        FAIL("%s: footprint(%zu) is 0 for a valid capacity", e->name, cap);
    if (!valid && fp != 0)
        FAIL("%s: footprint(%zu) is %zu for an invalid capacity", e->name, cap, fp);
    if (valid && e->kind != REG_COUNTER && !e->unbounded &&
        fp / sizeof(void *) < cap)
        FAIL("%s: footprint(%zu) = %zu bytes cannot hold the items", e->name, cap,
             fp);
}

static obj *free_slot(void)
{
    for (int i = 0; i < POOL; i++)
        if (!pool[i].h)
            return &pool[i];
    return NULL;
}

static void model_reset(obj *o, size_t cap)
{
    free(o->buf);
    o->buf = NULL;
    o->cap = cap;
    o->head = o->n = 0;
    o->total = 0;
    o->unbounded = o->e->unbounded;
    o->closed = false;
    o->unfinished = 0;
    o->fd = -1; /* init over a live structure: a new eventfd on demand */
    o->alloc = o->unbounded ? 8 : cap;
    if (o->e->kind != REG_COUNTER) {
        o->buf = calloc(o->alloc, sizeof(void *));
        if (!o->buf)
            FAIL("harness: out of memory");
    }
}

static void adopt(const reg_entry *e, void *h, bool caller_mem, size_t mem_size,
                  size_t cap)
{
    obj *o = free_slot();
    if (!o) { /* the pool is full: release it at once */
        if (caller_mem) {
            int st = e->fini(h);
            expect(st == CONC_OK, "fini of a fresh structure", e, st);
            free(h);
        } else {
            e->destroy(h);
        }
        return;
    }
    o->e = e;
    o->h = h;
    o->caller_mem = caller_mem;
    o->mem_size = mem_size;
    o->flags = 0;
    model_reset(o, cap);
}

static void release(obj *o)
{
    if (!o->h)
        return;
    if (o->caller_mem) {
        int st = o->e->fini(o->h);
        expect(st == CONC_OK, "fini", o->e, st);
        free(o->h);
    } else {
        o->e->destroy(o->h);
    }
    free(o->buf);
    o->buf = NULL;
    o->h = NULL;
}

/* A live object of the wanted sort, or NULL (then the op goes to a NULL
 * handle of some entry of that sort). */
static obj *read_obj(fuzz_in *in, bool counter)
{
    uint8_t b = fz_u8(in);
    obj *o = &pool[b % POOL];
    if ((b & 0x80) || !o->h || (o->e->kind == REG_COUNTER) != counter)
        return NULL;
    return o;
}

static const reg_entry *entry_of_sort(fuzz_in *in, bool counter)
{
    uint8_t b = fz_u8(in);
    for (size_t k = 0; k < conc_registry_count; k++) {
        const reg_entry *e = &conc_registry[(b + k) % conc_registry_count];
        if ((e->kind == REG_COUNTER) == counter)
            return e;
    }
    FAIL("the registry has no %s", counter ? "counter" : "container");
}

static bool model_push(obj *o, void *item)
{
    if (o->n == o->alloc) {
        if (!o->unbounded)
            return false;
        size_t na = o->alloc * 2;
        void **nb = calloc(na, sizeof(void *));
        if (!nb)
            FAIL("harness: out of memory");
        for (size_t i = 0; i < o->n; i++)
            nb[i] = o->buf[(o->head + i) % o->alloc];
        free(o->buf);
        o->buf = nb;
        o->alloc = na;
        o->head = 0;
    }
    o->buf[(o->head + o->n) % o->alloc] = item;
    o->n++;
    if (o->flags & CONC_JOINABLE)
        o->unfinished++;
    return true;
}

/* The status a push gets that the model did not take. */
static int refused(const obj *o)
{
    return o->closed ? CONC_CLOSED : CONC_FULL;
}

static bool model_pop(obj *o, void **item)
{
    if (o->n == 0)
        return false;
    if (o->e->kind == REG_QUEUE) {
        *item = o->buf[o->head];
        o->head = (o->head + 1) % o->alloc;
    } else {
        *item = o->buf[(o->head + o->n - 1) % o->alloc];
    }
    o->n--;
    return true;
}

static void *read_item(fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    if (b < 0xC0)
        return (void *)(uintptr_t)(0x1000u + b);
    if (b < 0xE0)
        return (void *)edge_items[b % (sizeof edge_items / sizeof edge_items[0])];
    return (void *)(uintptr_t)fz_uint(in, 8);
}

/* ---- construction -------------------------------------------------------- */

static void op_footprint(fuzz_in *in)
{
    const reg_entry *e = read_entry(in);
    size_t cap = read_cap(in);
    check_footprint(e, cap, e->footprint(cap));
}

static void op_new(fuzz_in *in)
{
    const reg_entry *e = read_entry(in);
    size_t cap = read_cap(in);
    size_t fp = e->footprint(cap);
    check_footprint(e, cap, fp);
    if (fp > API_MAX_BYTES)
        return; /* valid, but too big to make here */
    errno = 0;
    void *h = e->create(cap);
    if (fp == 0) {
        if (h != NULL || errno != EINVAL)
            FAIL("%s: new(%zu) with an invalid capacity gave %p, errno %d", e->name,
                 cap, h, errno);
        if (h)
            e->destroy(h);
        return;
    }
    if (!h)
        FAIL("%s: new(%zu) gave NULL (errno %d)", e->name, cap, errno);
    adopt(e, h, false, 0, cap);
}

static void op_init(fuzz_in *in)
{
    const reg_entry *e = read_entry(in);
    size_t cap = read_cap(in);
    size_t fp = e->footprint(cap);
    check_footprint(e, cap, fp);
    uint8_t how = fz_u8(in);
    int64_t delta = fz_int(in, 1);
    size_t size;
    if (fp == 0)
        size = (size_t)fz_uint(in, 2);
    else if (delta < 0 && (size_t)-delta > fp)
        size = 0;
    else
        size = fp + (size_t)delta;
    if (size > API_MAX_BYTES)
        return;
    size_t off = (how & 0x80) ? (how & 63) : 0;
    bool null_mem = (how & 0x7f) == 0x7f;
    size_t alloc = size + 64;
    unsigned char *mem = fuzz_alloc_aligned(alloc, 0xA5);
    void *ptr = null_mem ? NULL : mem + off;
    bool bad = null_mem || off != 0 || fp == 0 || size < fp;
    int st = e->init(ptr, size, cap);
    if (bad) {
        expect(st == CONC_EINVAL, "init with bad arguments must give EINVAL", e, st);
        for (size_t k = 0; k < alloc; k++)
            if (mem[k] != 0xA5)
                FAIL("%s: init(%s, %zu, %zu) gave EINVAL but wrote byte %zu", e->name,
                     null_mem ? "NULL" : off ? "misaligned" : "aligned", size, cap,
                     k);
        free(mem);
        return;
    }
    expect(st == CONC_OK, "init with valid arguments", e, st);
    adopt(e, mem, true, size, cap);
}

/* init again over a live structure, in place; the capacity may change if
 * the memory is big enough. */
static void op_reinit(fuzz_in *in)
{
    obj *o = &pool[fz_u8(in) % POOL];
    size_t cap = read_cap(in);
    if (!o->h)
        return;
    size_t fp = o->e->footprint(cap);
    size_t room = o->caller_mem ? o->mem_size : o->e->footprint(o->cap);
    if (fp == 0 || fp > room)
        cap = o->cap; /* does not fit: same capacity */
    int st;
    /* A structure that holds something outside its memory gets fini
     * first, or init would leak it (it cannot tell a live structure from
     * garbage): conc_lfqueue's segments (registry outside_memory), and the
     * eventfd of any family once fd() made one. */
    if (o->e->outside_memory || o->fd >= 0) {
        st = o->e->fini(o->h);
        expect(st == CONC_OK, "fini before init in the same memory", o->e, st);
    }
    st = o->e->init(o->h, room, cap);
    expect(st == CONC_OK, "init over a live structure", o->e, st);
    /* init is called with flags 0 (registry), so whatever create_flags gave
     * is gone: no longer NOWAIT, SHARED or JOINABLE. */
    o->flags = 0;
    model_reset(o, cap);
}

static void op_release(fuzz_in *in)
{
    obj *o = &pool[fz_u8(in) % POOL];
    release(o);
}

/* fini(NULL) and free(NULL) of every entry. */
static void op_nulls(void)
{
    for (size_t k = 0; k < conc_registry_count; k++) {
        const reg_entry *e = &conc_registry[k];
        int st = e->fini(NULL);
        expect(st == CONC_EINVAL, "fini(NULL)", e, st);
        e->destroy(NULL);
        st = e->init(NULL, SIZE_MAX, 1);
        expect(st == CONC_EINVAL, "init(NULL, SIZE_MAX, 1)", e, st);
        if (e->kind != REG_COUNTER) {
            expect(e->len(NULL) == 0, "len(NULL) is 0", e, 0);
            expect(e->capacity(NULL) == 0, "capacity(NULL) is 0", e, 0);
        }
    }
    expect(conc_sharded_shards(NULL) == 0, "conc_sharded_shards(NULL) is 0", NULL, 0);
}

/* ---- containers ---------------------------------------------------------- */

static void op_push(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    void *item = read_item(in);
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        int st = e->push(NULL, item);
        expect(st == CONC_EINVAL, "push(NULL, item)", e, st);
        return;
    }
    int want = !o->closed && model_push(o, item) ? CONC_OK : refused(o);
    int st = o->e->push(o->h, item);
    if (st != want)
        FAIL("op %zu: %s: push gave %s, the model says %s (cap %zu, len %zu)",
             op_index, o->e->name, fuzz_status_name(st), fuzz_status_name(want),
             o->cap, o->n);
}

static void op_pop(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    bool null_out = fz_u8(in) & 1;
    void *got = SENTINEL;
    void **out = null_out ? NULL : &got;
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        int st = e->pop(NULL, out);
        expect(st == CONC_EINVAL && got == SENTINEL, "pop(NULL, ...)", e, st);
        return;
    }
    int st = o->e->pop(o->h, out);
    if (null_out) {
        expect(st == CONC_EINVAL, "pop(obj, NULL)", o->e, st);
        return;
    }
    void *want_item = SENTINEL;
    int want = model_pop(o, &want_item) ? CONC_OK
               : o->closed                ? CONC_CLOSED
                                          : CONC_EMPTY;
    if (st != want || got != want_item)
        FAIL("op %zu: %s: pop gave %s %p, the model says %s %p", op_index,
             o->e->name, fuzz_status_name(st), got, fuzz_status_name(want),
             want_item);
}

/* A count for a NULL array: 0, 1, huge, or from the input. */
static size_t read_null_count(fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    switch (b % 4) {
    case 0: return 0;
    case 1: return 1;
    case 2: return SIZE_MAX;
    default: return (size_t)fz_uint(in, 8);
    }
}

static void op_push_many(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    bool null_items = how & 1, null_count = how & 2;
    void *items[MAX_BATCH];
    size_t n = null_items ? read_null_count(in) : (size_t)(how >> 2) % (MAX_BATCH + 1);
    if (!null_items)
        for (size_t k = 0; k < n; k++)
            items[k] = read_item(in);
    size_t pushed = SENTINEL_SIZE;
    size_t *pp = null_count ? NULL : &pushed;
    const reg_entry *e = o ? o->e : entry_of_sort(in, false);
    int st = e->push_many(o ? o->h : NULL, null_items ? NULL : items, n, pp);
    if (!o || (null_items && n > 0)) {
        expect(st == CONC_EINVAL && pushed == SENTINEL_SIZE,
               "push_many with bad arguments: EINVAL, *pushed untouched", e, st);
        return;
    }
    size_t k = 0;
    while (!o->closed && k < n && model_push(o, items[k]))
        k++;
    int want = k == n ? CONC_OK : refused(o);
    /* n == 0 on a closed structure: "OK when all n went in (n == 0
     * included)" and "CLOSED" both read as right; accept either. */
    if (o->closed && n == 0 && st == CONC_CLOSED)
        want = CONC_CLOSED;
    if (st != want || (pp && pushed != k))
        FAIL("op %zu: %s: push_many(%zu) gave %s, %zu pushed; the model says %s, %zu",
             op_index, e->name, n, fuzz_status_name(st), pushed,
             fuzz_status_name(want), k);
}

static void op_pop_many(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    bool null_out = how & 1, null_count = how & 2;
    void *out[MAX_BATCH];
    size_t max = null_out ? read_null_count(in) : (size_t)(how >> 2) % (MAX_BATCH + 1);
    for (size_t k = 0; k < MAX_BATCH; k++)
        out[k] = SENTINEL;
    size_t popped = SENTINEL_SIZE;
    size_t *pp = null_count ? NULL : &popped;
    const reg_entry *e = o ? o->e : entry_of_sort(in, false);
    int st = e->pop_many(o ? o->h : NULL, null_out ? NULL : out, max, pp);
    if (!o || (null_out && max > 0)) {
        expect(st == CONC_EINVAL && popped == SENTINEL_SIZE,
               "pop_many with bad arguments: EINVAL, *popped untouched", e, st);
        for (size_t k = 0; k < MAX_BATCH; k++)
            expect(out[k] == SENTINEL, "pop_many EINVAL wrote out[]", e, st);
        return;
    }
    void *want[MAX_BATCH];
    size_t k = 0;
    while (k < max && model_pop(o, &want[k]))
        k++;
    int want_st = (k > 0 || max == 0) ? CONC_OK
                  : o->closed             ? CONC_CLOSED
                                          : CONC_EMPTY;
    /* max == 0 on a closed, drained structure: OK (max == 0) or CLOSED. */
    if (o->closed && max == 0 && o->n == 0 && st == CONC_CLOSED)
        want_st = CONC_CLOSED;
    if (st != want_st || (pp && popped != k))
        FAIL("op %zu: %s: pop_many(%zu) gave %s, %zu popped; the model says %s, %zu",
             op_index, e->name, max, fuzz_status_name(st), popped,
             fuzz_status_name(want_st), k);
    for (size_t j = 0; j < k; j++)
        if (out[j] != want[j])
            FAIL("op %zu: %s: pop_many item %zu is %p, the model says %p", op_index,
                 e->name, j, out[j], want[j]);
}

static void op_len(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        expect(e->len(NULL) == 0 && e->capacity(NULL) == 0,
               "len(NULL) and capacity(NULL) are 0", e, 0);
        return;
    }
    size_t len = o->e->len(o->h), cap = o->e->capacity(o->h);
    size_t want_cap = o->unbounded ? SIZE_MAX : o->cap;
    if (len != o->n || cap != want_cap)
        FAIL("op %zu: %s: len %zu capacity %zu, the model says %zu and %zu", op_index,
             o->e->name, len, cap, o->n, want_cap);
    int c = o->e->closed(o->h);
    if (c != (o->closed ? 1 : 0))
        FAIL("op %zu: %s: closed() is %d, the model says %d", op_index, o->e->name,
             c, o->closed ? 1 : 0);
}

/* ---- waiting, closing, joining, fd (conc/wait.h) ------------------------- */

/* A container made with flags: any mix of JOINABLE, NOWAIT and SHARED, or
 * unknown bits. */
static void op_new_flags(fuzz_in *in)
{
    const reg_entry *e = entry_of_sort(in, false);
    size_t cap = read_cap(in);
    uint8_t fb = fz_u8(in);
    unsigned flags = fb < 0xF0 ? (unsigned)(fb % 8) : 1u << (fb % 16);
    size_t fp = e->footprint(cap);
    check_footprint(e, cap, fp);
    if (fp > API_MAX_BYTES)
        return;
    errno = 0;
    void *h = e->create_flags(cap, flags);
    bool bad = fp == 0 || (flags & ~CONC_FLAGS_ALL) != 0 ||
               ((flags & CONC_SHARED) && !e->process_shared);
    if (bad) {
        if (h != NULL || errno != EINVAL)
            FAIL("%s: create_flags(%zu, %#x) gave %p, errno %d (want NULL, EINVAL)",
                 e->name, cap, flags, h, errno);
        return;
    }
    if (!h)
        FAIL("%s: create_flags(%zu, %#x) gave NULL (errno %d)", e->name, cap, flags,
             errno);
    obj *o = free_slot();
    adopt(e, h, false, 0, cap);
    if (o && o->h == h)
        o->flags = flags;
}

static void discard_into(void *item, void *arg)
{
    void ***cursor = arg;
    if (*cursor)
        *(*cursor)++ = item;
}

/* close, close_now (with or without a discard function and count), or
 * closed() of NULL. */
static void op_close(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        size_t n = SENTINEL_SIZE;
        int st = e->close(NULL);
        expect(st == CONC_EINVAL, "close(NULL)", e, st);
        st = e->close_now(NULL, NULL, NULL, &n);
        expect(st == CONC_EINVAL && n == SENTINEL_SIZE,
               "close_now(NULL): EINVAL, *discarded untouched", e, st);
        expect(e->closed(NULL) == 0, "closed(NULL) is 0", e, 0);
        return;
    }
    if (how % 2 == 0) {
        int st = o->e->close(o->h);
        expect(st == CONC_OK, "close", o->e, st);
        o->closed = true;
        return;
    }
    /* close_now: the items left, in pop order, to the discard function. */
    size_t n_model = o->n, n = SENTINEL_SIZE;
    void **want = malloc((n_model ? n_model : 1) * sizeof(void *));
    void **got = malloc((n_model + 1) * sizeof(void *));
    if (!want || !got)
        FAIL("harness: out of memory");
    for (size_t k = 0; k < n_model; k++)
        model_pop(o, &want[k]);
    void **cursor = got;
    bool with_fn = how & 2, with_count = how & 4;
    int st = o->e->close_now(o->h, with_fn ? discard_into : NULL, &cursor,
                             with_count ? &n : NULL);
    o->closed = true;
    if (o->flags & CONC_JOINABLE)
        o->unfinished -= n_model < o->unfinished ? n_model : o->unfinished;
    expect(st == CONC_OK, "close_now", o->e, st);
    if (with_count && n != n_model)
        FAIL("op %zu: %s: close_now discarded %zu, the model held %zu", op_index,
             o->e->name, n, n_model);
    if (with_fn) {
        size_t called = (size_t)(cursor - got);
        if (called != n_model)
            FAIL("op %zu: %s: close_now called discard %zu times, the model held "
                 "%zu", op_index, o->e->name, called, n_model);
        for (size_t k = 0; k < n_model; k++)
            if (got[k] != want[k])
                FAIL("op %zu: %s: close_now discarded %p as item %zu, the model "
                     "says %p", op_index, o->e->name, got[k], k, want[k]);
    }
    free(want);
    free(got);
}

/* push_wait / pop_wait: timeout 0, CONC_FOREVER when the model says the
 * answer is immediate, or 1 ns (which may only time out when the model
 * says the operation cannot succeed). */
static void op_wait(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    void *item = read_item(in);
    bool pop = how & 1;
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        void *got = SENTINEL;
        int st = pop ? e->pop_wait(NULL, &got, 0) : e->push_wait(NULL, item, 0);
        expect(st == CONC_EINVAL && got == SENTINEL, "push_wait/pop_wait(NULL)", e,
               st);
        return;
    }
    bool can = pop ? (o->n > 0 || o->closed)
                   : (o->closed || o->unbounded || o->n < o->cap);
    uint64_t timeout;
    switch ((how >> 1) % 3) {
    case 0: timeout = 0; break;
    case 1: timeout = can ? CONC_FOREVER : 0; break;
    default: timeout = 1; break;
    }
    bool nowait_einval = (o->flags & CONC_NOWAIT) && timeout != 0;
    if (pop) {
        void *got = SENTINEL, *want_item = SENTINEL;
        int st = o->e->pop_wait(o->h, &got, timeout);
        int want;
        if (nowait_einval)
            want = CONC_EINVAL;
        else if (model_pop(o, &want_item))
            want = CONC_OK;
        else
            want = o->closed ? CONC_CLOSED : timeout ? CONC_TIMEDOUT : CONC_EMPTY;
        if (st != want || got != want_item)
            FAIL("op %zu: %s: pop_wait(%" PRIu64 ") gave %s %p, the model says %s %p",
                 op_index, o->e->name, timeout, fuzz_status_name(st), got,
                 fuzz_status_name(want), want_item);
    } else {
        int st = o->e->push_wait(o->h, item, timeout);
        int want;
        if (nowait_einval)
            want = CONC_EINVAL;
        else if (!o->closed && model_push(o, item))
            want = CONC_OK;
        else
            want = o->closed ? CONC_CLOSED : timeout ? CONC_TIMEDOUT : CONC_FULL;
        if (st != want)
            FAIL("op %zu: %s: push_wait(%" PRIu64 ") gave %s, the model says %s "
                 "(cap %zu, len %zu)", op_index, o->e->name, timeout,
                 fuzz_status_name(st), fuzz_status_name(want), o->cap, o->n);
    }
}

/* task_done and join(0). */
static void op_join(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        int st = how & 1 ? e->task_done(NULL) : e->join(NULL, 0);
        expect(st == CONC_EINVAL, "task_done/join(NULL)", e, st);
        return;
    }
    bool joinable = o->flags & CONC_JOINABLE;
    if (how & 1) {
        int st = o->e->task_done(o->h);
        int want = joinable && o->unfinished > 0 ? CONC_OK : CONC_EINVAL;
        if (st != want)
            FAIL("op %zu: %s: task_done gave %s, the model says %s (%s, %zu "
                 "unfinished)", op_index, o->e->name, fuzz_status_name(st),
                 fuzz_status_name(want), joinable ? "joinable" : "not joinable",
                 o->unfinished);
        if (st == CONC_OK)
            o->unfinished--;
    } else {
        int st = o->e->join(o->h, 0);
        int want = !joinable || (o->flags & CONC_NOWAIT) ? CONC_EINVAL
                   : o->unfinished == 0                  ? CONC_OK
                                                         : CONC_TIMEDOUT;
        if (st != want)
            FAIL("op %zu: %s: join(0) gave %s, the model says %s (%zu unfinished)",
                 op_index, o->e->name, fuzz_status_name(st),
                 fuzz_status_name(want), o->unfinished);
    }
}

/* fd(): one eventfd per structure, made on the first call, closed by
 * free/fini; readable while items are inside or the structure is closed. */
static void op_fd(fuzz_in *in)
{
    obj *o = read_obj(in, false);
    uint8_t how = fz_u8(in);
    int fd = -7;
    if (!o) {
        const reg_entry *e = entry_of_sort(in, false);
        int st = e->fd(NULL, &fd);
        expect(st == CONC_EINVAL && fd == -7, "fd(NULL, &fd): EINVAL, fd untouched",
               e, st);
        return;
    }
    if (how & 1) {
        int st = o->e->fd(o->h, NULL);
        expect(st == CONC_EINVAL, "fd(obj, NULL)", o->e, st);
        return;
    }
    int st = o->e->fd(o->h, &fd);
    if (o->flags & (CONC_NOWAIT | CONC_SHARED)) {
        expect(st == CONC_EINVAL && fd == -7,
               "fd under CONC_NOWAIT or CONC_SHARED: EINVAL", o->e, st);
        return;
    }
    expect(st == CONC_OK && fd >= 0, "fd", o->e, st);
    if (o->fd >= 0 && fd != o->fd)
        FAIL("op %zu: %s: fd() gave %d, earlier %d", op_index, o->e->name, fd, o->fd);
    o->fd = fd;
    if (o->n > 0 || o->closed) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 0);
        if (r != 1 || !(p.revents & POLLIN))
            FAIL("op %zu: %s: fd not readable with %zu items inside%s (poll %d, "
                 "revents %#x)", op_index, o->e->name, o->n,
                 o->closed ? ", closed" : "", r, (unsigned)p.revents);
    }
}

/* ---- counters ------------------------------------------------------------ */

static void op_add(fuzz_in *in)
{
    obj *o = read_obj(in, true);
    uint8_t how = fz_u8(in);
    int64_t delta = fz_int(in, 1 + how % 8);
    int64_t prev = SENTINEL_I64;
    int64_t *pp = (how & 0x80) ? NULL : &prev;
    if (!o) {
        const reg_entry *e = entry_of_sort(in, true);
        int st = e->add(NULL, delta, pp);
        expect(st == CONC_EINVAL && prev == SENTINEL_I64,
               "add(NULL, ...): EINVAL, *prev untouched", e, st);
        return;
    }
    uint64_t before = o->total;
    o->total += (uint64_t)delta;
    int st = o->e->add(o->h, delta, pp);
    int64_t want_prev = SENTINEL_I64;
    if (pp && o->e->add_returns_prev)
        memcpy(&want_prev, &before, sizeof want_prev);
    if (st != CONC_OK || prev != want_prev)
        FAIL("op %zu: %s: add(%lld) gave %s, prev %lld; the model says prev %lld",
             op_index, o->e->name, (long long)delta, fuzz_status_name(st),
             (long long)prev, (long long)want_prev);
}

static void op_read(fuzz_in *in)
{
    obj *o = read_obj(in, true);
    bool null_out = fz_u8(in) & 1;
    int64_t got = SENTINEL_I64;
    int64_t *out = null_out ? NULL : &got;
    if (!o) {
        const reg_entry *e = entry_of_sort(in, true);
        int st = e->read(NULL, out);
        expect(st == CONC_EINVAL && got == SENTINEL_I64, "read(NULL, ...)", e, st);
        return;
    }
    int st = o->e->read(o->h, out);
    if (null_out) {
        expect(st == CONC_EINVAL, "read(obj, NULL)", o->e, st);
        return;
    }
    int64_t want;
    memcpy(&want, &o->total, sizeof want);
    if (st != CONC_OK || got != want)
        FAIL("op %zu: %s: read gave %s %lld, the model says %lld", op_index,
             o->e->name, fuzz_status_name(st), (long long)got, (long long)want);
    if (strcmp(o->e->name, "sharded") == 0 &&
        conc_sharded_shards((const conc_sharded *)o->h) != o->cap)
        FAIL("op %zu: conc_sharded_shards gave %zu, made with %zu", op_index,
             conc_sharded_shards((const conc_sharded *)o->h), o->cap);
}

/* ---- names --------------------------------------------------------------- */

static void op_names(fuzz_in *in)
{
    static const char *const names[] = {
        "CONC_OK:", "CONC_EMPTY:", "CONC_FULL:", "CONC_CLOSED:",
        "CONC_TIMEDOUT:", "CONC_EINVAL:", "CONC_ENOMEM:", "CONC_EFORMAT:",
        "CONC_ESYS:",
    };
    uint8_t b = fz_u8(in);
    int st = b < 0x80 ? (int)(b % 12) - 1 : (int)(uint32_t)fz_uint(in, 4);
    const char *s = conc_strerror(st);
    if (!s)
        FAIL("conc_strerror(%d) is NULL", st);
    if (st >= 0 && st <= CONC_ESYS) {
        if (strncmp(s, names[st], strlen(names[st])) != 0)
            FAIL("conc_strerror(%d) is \"%s\", want it to start with %s", st, s,
                 names[st]);
    } else if (strcmp(s, "unknown conc status") != 0) {
        FAIL("conc_strerror(%d) is \"%s\", want \"unknown conc status\"", st, s);
    }
    const char *v = conc_version();
    if (!v || strcmp(v, CONC_VERSION_STRING) != 0)
        FAIL("conc_version() is \"%s\", the header says \"%s\"", v ? v : "(null)",
             CONC_VERSION_STRING);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = fuzz_in_make(data, size);
    long maps0 = fuzz_maps_live();
    for (op_index = 0; fz_more(&in) && op_index < MAX_OPS; op_index++) {
        uint8_t b = fz_u8(&in);
        switch (b % 21) {
        case 0: op_new(&in); break;
        case 1: op_init(&in); break;
        case 2: op_reinit(&in); break;
        case 3: op_release(&in); break;
        case 4: case 5: op_push(&in); break;
        case 6: case 7: op_pop(&in); break;
        case 8: op_push_many(&in); break;
        case 9: op_pop_many(&in); break;
        case 10: op_len(&in); break;
        case 11: op_add(&in); break;
        case 12: op_read(&in); break;
        case 13: op_footprint(&in); break;
        case 14: op_names(&in); break;
        case 15: op_nulls(); break;
        case 16: op_new_flags(&in); break;
        case 17: op_close(&in); break;
        case 18: op_wait(&in); break;
        case 19: op_join(&in); break;
        case 20: op_fd(&in); break;
        }
    }
    for (int i = 0; i < POOL; i++)
        release(&pool[i]);
    fuzz_check_maps(maps0, "fuzz_api");
    return 0;
}
