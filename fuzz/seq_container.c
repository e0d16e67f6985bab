/*
 * seq_container.c - one thread, one program, every variant of a family
 * (all registry entries of one kind: conc_ring, conc_mutexq and conc_lfqueue
 * for queues, conc_stack and conc_mutexstack for stacks), each beside its
 * own reference model.  Every status, every item, every count, len and
 * capacity must match the model, and so the bounded variants agree with
 * each other too.  An unbounded variant (registry `unbounded`) has a model
 * that never says FULL, and capacity() must be SIZE_MAX; the capacity byte
 * is then only the size of batches and fills.
 *
 * Input:  [cap...] [mode] then operations, one opcode byte each (plus the
 * argument bytes the opcode reads):
 *   cap    b < 0xC0: 1 + b % 24;  b < 0xF0: 1 + u16 % 4096;  else a
 *          power-of-two edge from a table (31, 32, 33, ... 1025, 4097)
 *   mode   bit 0: build in caller memory (footprint + init) instead of new
 * Items are distinct counters, or (from a table) NULL, UINTPTR_MAX and other
 * edge values: any void * must round-trip.
 */
#include "seq_container.h"

#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARIANTS 8
#define MAX_OPS 2048
#define ITEM_BUDGET ((size_t)1 << 15)
#define SEQ_MAX_CAP 65536
#define SENTINEL ((void *)(uintptr_t)0x5e5e5e5e5e5e5e5eull)


/* Each variant has its own model: bounded ones all agree with each other,
 * an unbounded one (conc_lfqueue) never says FULL. */
typedef struct variant {
    const reg_entry *e;
    void *obj;
    bool caller_mem; /* obj is caller memory from fuzz_alloc_aligned */
    size_t mem_size;
    model m;
} variant;

typedef struct seq_state {
    reg_kind kind;
    variant v[MAX_VARIANTS];
    size_t nv;
    size_t cap; /* the capacity every variant was made with */
    uint64_t next_item;
    size_t op;     /* index of the current operation, for messages */
    size_t budget; /* items left to move in this input (keeps runs short) */
} seq_state;

static const uintptr_t edge_items[] = {
    0, 1, UINTPTR_MAX, UINTPTR_MAX - 1, (uintptr_t)1 << 63,
    ((uintptr_t)1 << 63) - 1, 0x5e5e5e5e5e5e5e5eull, 64, 0xFFFFFFFFu,
};

static const size_t edge_caps[] = {
    31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4097,
};

/* ---- the model (harness/model.h) --------------------------------------- */

static void model_reset(model *m, reg_kind kind, size_t cap, bool unbounded)
{
    model_free(m);
    if (model_init(m, kind, cap, unbounded) != CONC_OK)
        fuzz_fail("harness: out of memory for a model of %zu", cap);
}

/* The model's answer; the harness running out of memory is not one. */
static int model_says(int st, size_t n)
{
    if (st == CONC_ENOMEM)
        fuzz_fail("harness: out of memory growing a model of %zu", n);
    return st;
}

/* ---- building the variants ---------------------------------------------- */

static void variant_make(seq_state *s, variant *v, size_t cap, bool caller_mem)
{
    v->caller_mem = caller_mem;
    if (caller_mem) {
        size_t need = v->e->footprint(cap);
        if (need == 0)
            fuzz_fail("%s: footprint(%zu) is 0 for a valid capacity", v->e->name, cap);
        v->mem_size = need;
        v->obj = fuzz_alloc_aligned(need, 0xA5);
        int st = v->e->init(v->obj, need, cap);
        if (st != CONC_OK)
            fuzz_fail("%s: init(aligned, footprint, %zu) gave %s", v->e->name, cap,
                      fuzz_status_name(st));
    } else {
        v->obj = v->e->create(cap);
        if (!v->obj)
            fuzz_fail("%s: new(%zu) gave NULL", v->e->name, cap);
    }
    (void)s;
}

static void variant_destroy(variant *v)
{
    if (!v->obj)
        return;
    if (v->caller_mem) {
        int st = v->e->fini(v->obj);
        if (st != CONC_OK)
            fuzz_fail("%s: fini gave %s", v->e->name, fuzz_status_name(st));
        free(v->obj);
    } else {
        v->e->destroy(v->obj);
    }
    v->obj = NULL;
}

static size_t read_cap(fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    if (b < 0xC0)
        return 1 + b % 24;
    if (b < 0xF0)
        return 1 + (size_t)fz_uint(in, 2) % 4096;
    return edge_caps[b % (sizeof edge_caps / sizeof edge_caps[0])];
}

static void build_all(seq_state *s, fuzz_in *in)
{
    size_t cap = read_cap(in);
    uint8_t mode = fz_u8(in);
    s->budget -= cap < s->budget ? cap : s->budget;
    s->cap = cap;
    for (size_t i = 0; i < s->nv; i++) {
        variant_make(s, &s->v[i], cap, (mode >> i) & 1);
        model_reset(&s->v[i].m, s->kind, cap, s->v[i].e->unbounded);
    }
}

static void destroy_all(seq_state *s)
{
    for (size_t i = 0; i < s->nv; i++)
        variant_destroy(&s->v[i]);
}

/* ---- checks ------------------------------------------------------------- */

static void expect_status(const seq_state *s, const variant *v, const char *what,
                          int got, int want)
{
    if (got != want)
        fuzz_fail("%s: op %zu %s gave %s, the model says %s (cap %zu%s, len %zu)",
                  v->e->name, s->op, what, fuzz_status_name(got),
                  fuzz_status_name(want), v->m.cap,
                  v->m.unbounded ? " unbounded" : "", v->m.n);
}

static void expect_item(const seq_state *s, const variant *v, const char *what,
                        size_t k, void *got, void *want)
{
    if (got != want)
        fuzz_fail("%s: op %zu %s item %zu is %p, the model says %p", v->e->name,
                  s->op, what, k, got, want);
}

static void expect_size(const seq_state *s, const variant *v, const char *what,
                        size_t got, size_t want)
{
    if (got != want)
        fuzz_fail("%s: op %zu %s is %zu, the model says %zu", v->e->name, s->op,
                  what, got, want);
}

/* ---- operations ---------------------------------------------------------- */

static void *next_item(seq_state *s, fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    if (b >= 0xF0)
        return (void *)edge_items[b % (sizeof edge_items / sizeof edge_items[0])];
    /* Distinct, with high bits set (an odd multiplier is a bijection). */
    return (void *)(uintptr_t)(++s->next_item * 0x9E3779B97F4A7C15ull);
}

/* A batch size relative to the capacity: up to about 1.3 * cap, so batches
 * cross the full and empty edges. */
static size_t batch_size(seq_state *s, uint8_t b)
{
    size_t n = s->cap <= 192 ? b % (s->cap + 4) : (size_t)b * s->cap / 192;
    s->budget -= n < s->budget ? n : s->budget;
    return n;
}

static void op_push(seq_state *s, fuzz_in *in)
{
    void *item = next_item(s, in);
    for (size_t i = 0; i < s->nv; i++) {
        int want = model_says(model_push(&s->v[i].m, item), s->v[i].m.n);
        expect_status(s, &s->v[i], "push", s->v[i].e->push(s->v[i].obj, item), want);
    }
}

static void op_pop(seq_state *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        void *want_item = SENTINEL;
        int want = model_pop(&s->v[i].m, &want_item);
        void *got = SENTINEL; /* EMPTY leaves it untouched */
        expect_status(s, &s->v[i], "pop", s->v[i].e->pop(s->v[i].obj, &got), want);
        expect_item(s, &s->v[i], "pop", 0, got, want_item);
    }
}

static void op_push_many(seq_state *s, fuzz_in *in, bool want_count)
{
    size_t n = batch_size(s, fz_u8(in));
    void **items = malloc((n ? n : 1) * sizeof(void *));
    if (!items)
        fuzz_fail("harness: out of memory");
    for (size_t k = 0; k < n; k++)
        items[k] = next_item(s, in);
    for (size_t i = 0; i < s->nv; i++) {
        size_t k = 0;
        while (k < n && model_says(model_push(&s->v[i].m, items[k]), s->v[i].m.n) == CONC_OK)
            k++;
        int want = k == n ? CONC_OK : CONC_FULL;
        size_t pushed = (size_t)-1;
        int st = s->v[i].e->push_many(s->v[i].obj, items, n,
                                      want_count ? &pushed : NULL);
        expect_status(s, &s->v[i], "push_many", st, want);
        if (want_count)
            expect_size(s, &s->v[i], "push_many's *pushed", pushed, k);
    }
    free(items);
}

static void op_pop_many(seq_state *s, fuzz_in *in, bool want_count)
{
    size_t max = batch_size(s, fz_u8(in));
    void **want = malloc((max ? max : 1) * sizeof(void *));
    void **got = malloc((max ? max : 1) * sizeof(void *));
    if (!want || !got)
        fuzz_fail("harness: out of memory");
    for (size_t i = 0; i < s->nv; i++) {
        size_t k = 0;
        while (k < max && model_pop(&s->v[i].m, &want[k]) == CONC_OK)
            k++;
        int want_st = (k > 0 || max == 0) ? CONC_OK : CONC_EMPTY;
        for (size_t j = 0; j < max; j++)
            got[j] = SENTINEL;
        size_t popped = (size_t)-1;
        int st = s->v[i].e->pop_many(s->v[i].obj, got, max,
                                     want_count ? &popped : NULL);
        expect_status(s, &s->v[i], "pop_many", st, want_st);
        if (want_count)
            expect_size(s, &s->v[i], "pop_many's *popped", popped, k);
        for (size_t j = 0; j < k; j++)
            expect_item(s, &s->v[i], "pop_many", j, got[j], want[j]);
    }
    free(want);
    free(got);
}

/* The most items any variant holds. */
static size_t most_held(const seq_state *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nv; i++)
        if (s->v[i].m.n > n)
            n = s->v[i].m.n;
    return n;
}

/* Push until full (one push past the room of the fullest bounded variant;
 * unbounded variants take them all) / pop until empty: reaches the edges of
 * big capacities. */
static void op_fill(seq_state *s)
{
    size_t held = 0;
    for (size_t i = 0; i < s->nv; i++)
        if (!s->v[i].m.unbounded && s->v[i].m.n > held)
            held = s->v[i].m.n;
    size_t room = s->cap > held ? s->cap - held : 0;
    s->budget -= room < s->budget ? room : s->budget;
    for (size_t k = 0; k <= room; k++) {
        void *item = (void *)(uintptr_t)(++s->next_item * 0x9E3779B97F4A7C15ull);
        for (size_t i = 0; i < s->nv; i++) {
            int want = model_says(model_push(&s->v[i].m, item), s->v[i].m.n);
            expect_status(s, &s->v[i], "fill push",
                          s->v[i].e->push(s->v[i].obj, item), want);
        }
    }
}

static void op_drain(seq_state *s)
{
    size_t n = most_held(s);
    s->budget -= n < s->budget ? n : s->budget;
    for (size_t k = 0; k <= n; k++)
        op_pop(s);
}

/* Arguments the contract answers with EINVAL, or with a no-op success; the
 * structure must not change. */
static void op_edge(seq_state *s, uint8_t which)
{
    for (size_t i = 0; i < s->nv; i++) {
        variant *v = &s->v[i];
        size_t count = 77;
        switch (which % 5) {
        case 0:
            expect_status(s, v, "pop(obj, NULL)", v->e->pop(v->obj, NULL), CONC_EINVAL);
            break;
        case 1:
            expect_status(s, v, "push_many(obj, NULL, 3)",
                          v->e->push_many(v->obj, NULL, 3, &count), CONC_EINVAL);
            expect_size(s, v, "*pushed after EINVAL", count, 77);
            break;
        case 2:
            expect_status(s, v, "push_many(obj, NULL, 0)",
                          v->e->push_many(v->obj, NULL, 0, &count), CONC_OK);
            expect_size(s, v, "*pushed of an empty batch", count, 0);
            break;
        case 3:
            expect_status(s, v, "pop_many(obj, NULL, 2)",
                          v->e->pop_many(v->obj, NULL, 2, &count), CONC_EINVAL);
            expect_size(s, v, "*popped after EINVAL", count, 77);
            break;
        case 4:
            expect_status(s, v, "pop_many(obj, NULL, 0)",
                          v->e->pop_many(v->obj, NULL, 0, &count), CONC_OK);
            expect_size(s, v, "*popped of an empty batch", count, 0);
            break;
        }
    }
}

static void op_observe(seq_state *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        /* One thread: no operation is in flight, so len is exact. */
        expect_size(s, &s->v[i], "len", s->v[i].e->len(s->v[i].obj), s->v[i].m.n);
        expect_size(s, &s->v[i], "capacity", s->v[i].e->capacity(s->v[i].obj),
                    s->v[i].m.unbounded ? SIZE_MAX : s->cap);
    }
}

/* init again over a live structure (no fini in between): it must come back
 * empty, with the same capacity.  Not for a structure that holds memory
 * outside its footprint (registry outside_memory: conc_lfqueue's
 * segments): init cannot tell a live one from the garbage it is allowed
 * to be given, so it would leak all of it (libFuzzer's out-of-memory after
 * 84,607 executions); that one gets fini first, then init in the same
 * memory. */
static void op_reinit(seq_state *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        variant *v = &s->v[i];
        size_t need = v->e->footprint(s->cap);
        if (v->e->outside_memory)
            expect_status(s, v, "fini before init in the same memory",
                          v->e->fini(v->obj), CONC_OK);
        expect_status(s, v, "init over a live structure",
                      v->e->init(v->obj, need, s->cap), CONC_OK);
        model_reset(&v->m, s->kind, s->cap, v->e->unbounded);
    }
}

void seq_container_run(reg_kind kind, const uint8_t *data, size_t size)
{
    static seq_state s; /* not reentrant: one input at a time */
    fuzz_in in = fuzz_in_make(data, size);
    long maps0 = fuzz_maps_live();
    s.kind = kind;
    s.nv = 0;
    s.next_item = 0;
    s.op = 0;
    s.budget = ITEM_BUDGET;
    for (size_t i = 0; i < conc_registry_count && s.nv < MAX_VARIANTS; i++)
        if (conc_registry[i].kind == kind) {
            s.v[s.nv].m.buf = NULL;
            s.v[s.nv++].e = &conc_registry[i];
        }
    if (s.nv == 0)
        fuzz_fail("the registry has no structure of kind %d", (int)kind);

    build_all(&s, &in);
    for (s.op = 0; fz_more(&in) && s.op < MAX_OPS && s.budget > 0; s.op++) {
        uint8_t b = fz_u8(&in);
        switch (b % 16) {
        case 0: case 1: case 2: op_push(&s, &in); break;
        case 3: case 4: case 5: op_pop(&s); break;
        case 6: op_push_many(&s, &in, b & 0x10); break;
        case 7: op_pop_many(&s, &in, b & 0x10); break;
        case 8: case 9: op_observe(&s); break;
        case 10: op_fill(&s); break;
        case 11: op_drain(&s); break;
        case 12: op_edge(&s, b >> 4); break;
        case 13: op_reinit(&s); break;
        case 14: /* a new structure: capacity and construction from the input */
            destroy_all(&s);
            build_all(&s, &in);
            break;
        case 15: op_push(&s, &in); op_pop(&s); break;
        }
    }
    op_observe(&s);
    op_drain(&s);
    destroy_all(&s);
    for (size_t i = 0; i < s.nv; i++) {
        model_free(&s.v[i].m);
    }
    fuzz_check_maps(maps0, kind == REG_QUEUE ? "queues" : "stacks");
}
