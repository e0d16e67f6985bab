/*
 * fuzz_sequential_counter - a program of counter operations run on every
 * counter of the registry (conc_counter, conc_sharded, conc_mutexcounter)
 * and a wrapping 64-bit model side by side.  Every add must report the
 * model's previous total (counters with add_returns_prev; the others must
 * leave *prev alone), every read the model's total.
 *
 * Input: [shards] [mode] then operations, one opcode byte each:
 *   shards  1 + b % 64, or (b >= 0xF0) an edge: 127, 128, 1024, 4096
 *   mode    bit i: variant i is built in caller memory (footprint + init)
 *   add     delta of 1, 2, 4 or 8 input bytes (sign-extended), or an edge
 *           (INT64_MIN, INT64_MAX, -1, 0, ...): totals wrap modulo 2^64
 *   add from a new thread (joined at once): another shard of conc_sharded
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry.h"

#define MAX_VARIANTS 8
#define MAX_OPS 4096
#define MAX_THREAD_ADDS 8
#define PREV_SENTINEL INT64_C(0x5e5e5e5e5e5e5e5e)

typedef struct variant {
    const reg_entry *e;
    void *obj;
    bool caller_mem;
} variant;

typedef struct cstate {
    variant v[MAX_VARIANTS];
    size_t nv, shards, op;
    uint64_t total; /* the model, wrapping */
} cstate;

static const int64_t edge_deltas[] = {
    INT64_MIN, INT64_MAX, -1, 0, 1, INT64_MIN + 1, INT64_MAX - 1,
    (int64_t)1 << 32, -((int64_t)1 << 32), (int64_t)1 << 62,
};

static const size_t edge_shards[] = {127, 128, 1024, 4096};

static int64_t as_i64(uint64_t u)
{
    int64_t r;
    memcpy(&r, &u, sizeof r);
    return r;
}

static void build(cstate *s, fuzz_in *in)
{
    uint8_t b = fz_u8(in);
    s->shards = b >= 0xF0 ? edge_shards[b % 4] : 1 + (size_t)b % 64;
    uint8_t mode = fz_u8(in);
    for (size_t i = 0; i < s->nv; i++) {
        variant *v = &s->v[i];
        v->caller_mem = (mode >> i) & 1;
        if (v->caller_mem) {
            size_t need = v->e->footprint(s->shards);
            if (need == 0)
                fuzz_fail("%s: footprint(%zu) is 0", v->e->name, s->shards);
            v->obj = fuzz_alloc_aligned(need, 0xA5);
            int st = v->e->init(v->obj, need, s->shards);
            if (st != CONC_OK)
                fuzz_fail("%s: init gave %s", v->e->name, fuzz_status_name(st));
        } else {
            v->obj = v->e->create(s->shards);
            if (!v->obj)
                fuzz_fail("%s: new(%zu) gave NULL", v->e->name, s->shards);
        }
    }
    s->total = 0;
}

static void destroy(cstate *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        variant *v = &s->v[i];
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
}

static int64_t read_delta(fuzz_in *in, uint8_t b)
{
    switch ((b >> 4) % 5) {
    case 0: return fz_int(in, 1);
    case 1: return fz_int(in, 2);
    case 2: return fz_int(in, 4);
    case 3: return fz_int(in, 8);
    default: return edge_deltas[fz_u8(in) % (sizeof edge_deltas / sizeof edge_deltas[0])];
    }
}

static void check_add(const cstate *s, const variant *v, int st, int64_t prev,
                      bool asked, int64_t delta, uint64_t before)
{
    if (st != CONC_OK)
        fuzz_fail("%s: op %zu add(%lld) gave %s", v->e->name, s->op,
                  (long long)delta, fuzz_status_name(st));
    if (!asked)
        return;
    int64_t want = v->e->add_returns_prev ? as_i64(before) : PREV_SENTINEL;
    if (prev != want)
        fuzz_fail("%s: op %zu add(%lld) gave prev %lld, the model says %lld",
                  v->e->name, s->op, (long long)delta, (long long)prev,
                  (long long)want);
}

static void op_add(cstate *s, int64_t delta, bool ask_prev)
{
    uint64_t before = s->total;
    s->total += (uint64_t)delta;
    for (size_t i = 0; i < s->nv; i++) {
        int64_t prev = PREV_SENTINEL;
        int st = s->v[i].e->add(s->v[i].obj, delta, ask_prev ? &prev : NULL);
        check_add(s, &s->v[i], st, prev, ask_prev, delta, before);
    }
}

typedef struct thread_add {
    const reg_entry *e;
    void *obj;
    int64_t delta, prev;
    int st;
} thread_add;

static void *thread_add_main(void *arg)
{
    thread_add *a = arg;
    a->st = a->e->add(a->obj, a->delta, &a->prev);
    return NULL;
}

/* One add from a fresh thread, joined before anything else happens: still
 * sequential, but conc_sharded gives the new thread another slot. */
static void op_add_in_thread(cstate *s, int64_t delta)
{
    uint64_t before = s->total;
    s->total += (uint64_t)delta;
    for (size_t i = 0; i < s->nv; i++) {
        thread_add a = {s->v[i].e, s->v[i].obj, delta, PREV_SENTINEL, -1};
        pthread_t t;
        if (pthread_create(&t, NULL, thread_add_main, &a) != 0) {
            thread_add_main(&a); /* no thread to be had: same check here */
        } else {
            pthread_join(t, NULL);
        }
        check_add(s, &s->v[i], a.st, a.prev, true, delta, before);
    }
}

static void op_read(cstate *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        int64_t got = PREV_SENTINEL;
        int st = s->v[i].e->read(s->v[i].obj, &got);
        if (st != CONC_OK)
            fuzz_fail("%s: op %zu read gave %s", s->v[i].e->name, s->op,
                      fuzz_status_name(st));
        if (got != as_i64(s->total))
            fuzz_fail("%s: op %zu read %lld, the model says %lld", s->v[i].e->name,
                      s->op, (long long)got, (long long)as_i64(s->total));
        st = s->v[i].e->read(s->v[i].obj, NULL);
        if (st != CONC_EINVAL)
            fuzz_fail("%s: read(obj, NULL) gave %s", s->v[i].e->name,
                      fuzz_status_name(st));
    }
}

/* init again over a live counter: back to 0. */
static void op_reinit(cstate *s)
{
    for (size_t i = 0; i < s->nv; i++) {
        variant *v = &s->v[i];
        int st = v->e->init(v->obj, v->e->footprint(s->shards), s->shards);
        if (st != CONC_OK)
            fuzz_fail("%s: init over a live counter gave %s", v->e->name,
                      fuzz_status_name(st));
    }
    s->total = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cstate s;
    fuzz_in in = fuzz_in_make(data, size);
    s.nv = 0;
    for (size_t i = 0; i < conc_registry_count && s.nv < MAX_VARIANTS; i++)
        if (conc_registry[i].kind == REG_COUNTER)
            s.v[s.nv++].e = &conc_registry[i];
    build(&s, &in);
    int thread_adds = 0;
    for (s.op = 0; fz_more(&in) && s.op < MAX_OPS; s.op++) {
        uint8_t b = fz_u8(&in);
        switch (b % 8) {
        case 0: case 1: case 2: op_add(&s, read_delta(&in, b), true); break;
        case 3: op_add(&s, read_delta(&in, b), false); break;
        case 4: case 5: op_read(&s); break;
        case 6:
            if (thread_adds++ < MAX_THREAD_ADDS)
                op_add_in_thread(&s, read_delta(&in, b));
            else
                op_add(&s, read_delta(&in, b), true);
            break;
        case 7:
            if (b & 0x80) {
                op_reinit(&s);
            } else {
                destroy(&s);
                build(&s, &in);
            }
            break;
        }
    }
    op_read(&s);
    destroy(&s);
    return 0;
}
