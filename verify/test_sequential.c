/*
 * test_sequential.c - single-threaded semantics of every registry structure.
 *
 * Containers are driven side by side with a reference model (a bounded FIFO
 * or LIFO array): every status, every popped item and every len must match
 * the model.  Exact capacity, full and empty edges, wrap-around, arbitrary
 * pointer values (NULL and UINTPTR_MAX included), batches, caller memory
 * (aligned heap, inside a struct, static storage, re-init) and memory shared
 * between processes (fork over MAP_SHARED, and one memfd mapped at two
 * addresses) are all checked.  Counters are checked against a wrapping
 * 64-bit model, through INT64_MAX and INT64_MIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include "broken.h"
#include "model.h"
#include "registry.h"
#include "tap.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* Items and helpers                                                        */

/* The i-th test item: a bijection of i (odd multiplier), so every value is
 * distinct, item 0 is NULL and high bits are exercised. */
static void *val(uint64_t i)
{
    return (void *)(uintptr_t)(i * 0x9E3779B97F4A7C15ull);
}

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

static void *sentinel(void) { return (void *)(uintptr_t)0x5e5e5e5e5e5e5e5eull; }

/* What capacity() must say for a structure made with `cap`. */
static size_t want_capacity(const reg_entry *e, size_t cap)
{
    return e->unbounded ? SIZE_MAX : cap;
}

/* ------------------------------------------------------------------------ */
/* Operations on the real structure, each compared with the model.  Each    */
/* returns 1 if the structure and the model agree.                          */

typedef struct subject {
    const reg_entry *e;
    void *obj;
    model m;
    const char *ctx; /* for messages */
    size_t step;
} subject;

static int agree_len(subject *s)
{
    size_t len = s->e->len(s->obj);
    return check(len == s->m.n, "%s step %zu: len %zu, model says %zu", s->ctx,
                 s->step, len, s->m.n);
}

static int do_push(subject *s, void *it)
{
    int got = s->e->push(s->obj, it);
    int want = model_push(&s->m, it);
    s->step++;
    if (!check(got == want, "%s step %zu: push(%p) gave %s, expected %s",
               s->ctx, s->step, it, sname(got), sname(want)))
        return 0;
    return agree_len(s);
}

static int do_pop(subject *s)
{
    void *got = sentinel(), *want = NULL;
    int st = s->e->pop(s->obj, &got);
    int wst = model_pop(&s->m, &want);
    s->step++;
    if (!check(st == wst, "%s step %zu: pop gave %s, expected %s", s->ctx,
               s->step, sname(st), sname(wst)))
        return 0;
    if (st == CONC_OK) {
        if (!check(got == want, "%s step %zu: popped %p, expected %p", s->ctx,
                   s->step, got, want))
            return 0;
    } else if (!check(got == sentinel(),
                      "%s step %zu: failed pop wrote %p into *item", s->ctx,
                      s->step, got)) {
        return 0;
    }
    return agree_len(s);
}

static int do_push_many(subject *s, void *const *items, size_t n)
{
    size_t pushed = (size_t)-1, want_pushed = 0;
    int st = s->e->push_many(s->obj, items, n, &pushed);
    int want = CONC_OK;
    for (size_t i = 0; i < n; i++) {
        if (model_push(&s->m, items[i]) != CONC_OK) {
            want = CONC_FULL;
            break;
        }
        want_pushed++;
    }
    s->step++;
    if (!check(st == want, "%s step %zu: push_many(n=%zu) gave %s, expected %s",
               s->ctx, s->step, n, sname(st), sname(want)))
        return 0;
    if (!check(pushed == want_pushed,
               "%s step %zu: push_many(n=%zu) *pushed=%zu, expected %zu",
               s->ctx, s->step, n, pushed, want_pushed))
        return 0;
    return agree_len(s);
}

static int do_pop_many(subject *s, size_t max)
{
    void *out[80], *want[80];
    size_t popped = (size_t)-1, want_popped = 0;
    if (max > 64)
        max = 64;
    for (size_t i = 0; i < 80; i++)
        out[i] = sentinel();
    int st = s->e->pop_many(s->obj, out, max, &popped);
    while (want_popped < max && model_pop(&s->m, &want[want_popped]) == CONC_OK)
        want_popped++;
    int wst = (want_popped > 0 || max == 0) ? CONC_OK : CONC_EMPTY;
    s->step++;
    if (!check(st == wst, "%s step %zu: pop_many(max=%zu) gave %s, expected %s",
               s->ctx, s->step, max, sname(st), sname(wst)))
        return 0;
    if (!check(popped == want_popped,
               "%s step %zu: pop_many(max=%zu) *popped=%zu, expected %zu",
               s->ctx, s->step, max, popped, want_popped))
        return 0;
    for (size_t i = 0; i < want_popped; i++)
        if (!check(out[i] == want[i],
                   "%s step %zu: pop_many out[%zu]=%p, expected %p", s->ctx,
                   s->step, i, out[i], want[i]))
            return 0;
    for (size_t i = want_popped; i < 80; i++)
        if (!check(out[i] == sentinel(),
                   "%s step %zu: pop_many wrote out[%zu] past *popped=%zu",
                   s->ctx, s->step, i, want_popped))
            return 0;
    return agree_len(s);
}

static int subject_open(subject *s, const reg_entry *e, void *obj, size_t cap,
                        const char *ctx)
{
    s->e = e;
    s->obj = obj;
    s->ctx = ctx;
    s->step = 0;
    if (model_init(&s->m, e->kind, cap, e->unbounded) != CONC_OK)
        bail_out("out of memory (model of %zu)", cap);
    return obj != NULL;
}

/* Drain everything (checking against the model) and end with one EMPTY. */
static int drain(subject *s)
{
    while (s->m.n > 0)
        if (!do_pop(s))
            return 0;
    return do_pop(s);
}

/* ------------------------------------------------------------------------ */
/* Containers                                                               */

static const size_t edge_caps[] = {1, 2, 3, 7, 64, 1000, (size_t)1 << 16};
static const size_t small_caps[] = {1, 2, 3, 7, 64};

/* A structure made for N accepts exactly N, then FULL; the failed push
 * changes nothing; everything comes back in FIFO/LIFO order; twice over. */
/* The largest capacity the header documents (the registry's max_capacity)
 * is valid, one more is not: a size computation only, nothing allocated. */
static void test_capacity_bounds(const reg_entry *e)
{
    if (e->unbounded) {
        skip("%s: unbounded, no largest capacity", e->name);
        return;
    }
    size_t max = e->max_capacity;
    check(e->footprint(max) > 0, "%s: footprint(max capacity %zu) = %zu", e->name,
          max, e->footprint(max));
    check(e->footprint(max + 1) == 0, "%s: footprint(max capacity + 1) = %zu",
          e->name, e->footprint(max + 1));
    check_group("%s: footprint of the largest capacity, and of one more", e->name);
}

static void test_exact_capacity(const reg_entry *e, size_t cap)
{
    char ctx[96];
    subject s;
    snprintf(ctx, sizeof ctx, "%s cap %zu", e->name, cap);
    void *obj = e->create(cap);
    if (!ok(obj != NULL, "%s: create", ctx)) {
        diag("errno %d (%s)", errno, strerror(errno));
        return;
    }
    subject_open(&s, e, obj, cap, ctx);
    check(e->capacity(obj) == want_capacity(e, cap), "%s: capacity() = %zu",
          ctx, e->capacity(obj));
    int good = agree_len(&s) && do_pop(&s);
    for (int round = 0; good && round < 2; round++) {
        for (size_t i = 0; good && i < cap; i++)
            good = do_push(&s, val(round * cap + i));
        /* Two refused pushes, with values never seen before. */
        good = good && do_push(&s, val(999999999)) && do_push(&s, NULL);
        good = good && drain(&s);
    }
    /* The refused items must not have slipped in: the drains above compare
     * every item with the model, which never accepted them. */
    check(e->capacity(obj) == want_capacity(e, cap),
          "%s: capacity() changed to %zu", ctx, e->capacity(obj));
    if (e->unbounded)
        verdict("%s: %zu items and 2 more (unbounded: never FULL), EMPTY "
                "edge, %s order", ctx, cap,
                e->kind == REG_QUEUE ? "FIFO" : "LIFO");
    else
        verdict("%s: exactly %zu fit, FULL/EMPTY edges, %s order", ctx, cap,
                e->kind == REG_QUEUE ? "FIFO" : "LIFO");
    model_free(&s.m);
    e->destroy(obj);
}

/* Push/pop 10*cap+3 items through a small structure, three ways. */
static void test_wraparound(const reg_entry *e, size_t cap)
{
    char ctx[96];
    size_t total = 10 * cap + 3;
    for (int pattern = 0; pattern < 3; pattern++) {
        static const char *names[] = {"fill/drain", "alternating",
                                      "half-full steady state"};
        subject s;
        snprintf(ctx, sizeof ctx, "%s cap %zu %s", e->name, cap,
                 names[pattern]);
        void *obj = e->create(cap);
        if (!ok(obj != NULL, "%s: create", ctx))
            continue;
        subject_open(&s, e, obj, cap, ctx);
        int good = 1;
        size_t next = 0;
        switch (pattern) {
        case 0:
            while (good && next < total) {
                while (good && next < total && s.m.n < cap)
                    good = do_push(&s, val(next++));
                if (good && s.m.n == cap)
                    good = do_push(&s, val(next)); /* FULL, not consumed */
                good = good && drain(&s);
            }
            break;
        case 1:
            while (good && next < total)
                good = do_push(&s, val(next++)) && do_pop(&s) && do_pop(&s);
            break;
        case 2: {
            size_t half = cap / 2 ? cap / 2 : 1;
            while (good && next < half)
                good = do_push(&s, val(next++));
            while (good && next < total)
                good = do_push(&s, val(next++)) && do_pop(&s);
            break;
        }
        }
        good = good && drain(&s);
        verdict("%s: %zu items through", ctx, total);
        model_free(&s.m);
        e->destroy(obj);
    }
}

/* Random operations, batches included, against the model. */
static void run_random(subject *s, uint64_t seed, size_t ops)
{
    void *items[80];
    uint64_t r = seed | 1;
    size_t next = 1;
    for (size_t k = 0; k < ops; k++) {
        int good = 1;
        uint64_t x = rng_next(&r);
        switch (x % 8) {
        case 0: case 1: case 2:
            good = do_push(s, val(next++));
            break;
        case 3: case 4:
            good = do_pop(s);
            break;
        case 5: {
            size_t n = (size_t)((x >> 8) % (s->m.cap + 3 < 64 ? s->m.cap + 3 : 64));
            for (size_t i = 0; i < n; i++)
                items[i] = val(next++);
            good = do_push_many(s, items, n);
            break;
        }
        case 6:
            good = do_pop_many(s, (size_t)((x >> 8) % (s->m.cap + 3 < 64 ? s->m.cap + 3 : 64)));
            break;
        case 7:
            if ((x >> 8) % 16 == 0) /* now and then, empty it completely */
                good = drain(s);
            else
                good = do_push(s, (x >> 12) % 2 ? NULL : (void *)UINTPTR_MAX);
            break;
        }
        if (!good)
            return;
    }
}

static void test_random(const reg_entry *e, size_t cap)
{
    char ctx[96];
    subject s;
    snprintf(ctx, sizeof ctx, "%s cap %zu random ops", e->name, cap);
    void *obj = e->create(cap);
    if (!ok(obj != NULL, "%s: create", ctx))
        return;
    subject_open(&s, e, obj, cap, ctx);
    run_random(&s, 0x1234567 + cap, 4000);
    drain(&s);
    verdict("%s: statuses, items and len agree with the model", ctx);
    model_free(&s.m);
    e->destroy(obj);
}

/* Arbitrary pointer values round-trip, NULL and UINTPTR_MAX included. */
static void test_values(const reg_entry *e)
{
    static int anchor;
    void *vals[] = {
        NULL, (void *)(uintptr_t)1, (void *)UINTPTR_MAX,
        (void *)(UINTPTR_MAX - 1), (void *)(UINTPTR_MAX >> 1),
        (void *)((UINTPTR_MAX >> 1) + 1), (void *)(uintptr_t)0xdeadbeef,
        (void *)(uintptr_t)3, &anchor, (void *)((char *)&anchor + 1), NULL,
        (void *)UINTPTR_MAX,
    };
    size_t n = sizeof vals / sizeof vals[0];
    char ctx[96];
    subject s;
    snprintf(ctx, sizeof ctx, "%s pointer values", e->name);
    void *obj = e->create(n);
    if (!ok(obj != NULL, "%s: create", ctx))
        return;
    subject_open(&s, e, obj, n, ctx);
    int good = 1;
    for (size_t i = 0; good && i < n; i++)
        good = do_push(&s, vals[i]);
    good = good && drain(&s);
    for (size_t i = 0; good && i < 3 * n; i++) /* one at a time too */
        good = do_push(&s, vals[i % n]) && do_pop(&s);
    check_group("%s: NULL, UINTPTR_MAX and odd values round-trip", ctx);
    model_free(&s.m);
    e->destroy(obj);
}

/* push_many / pop_many: the documented cases, spelled out. */
static void test_batches(const reg_entry *e)
{
    const size_t cap = 5;
    void *items[8], *out[8];
    size_t done;
    int st;
    bool fifo = e->kind == REG_QUEUE;
    void *obj = e->create(cap);
    if (!ok(obj != NULL, "%s batches: create", e->name))
        return;
    for (size_t i = 0; i < 8; i++)
        items[i] = val(i + 1);

    done = 77;
    st = e->push_many(obj, items, 0, &done);
    check(st == CONC_OK && done == 0, "push_many n=0: %s, *pushed %zu",
          sname(st), done);
    st = e->push_many(obj, NULL, 0, NULL);
    check(st == CONC_OK, "push_many(NULL items, n=0, NULL pushed): %s",
          sname(st));
    done = 77;
    st = e->pop_many(obj, out, 0, &done);
    check(st == CONC_OK && done == 0, "pop_many max=0 on empty: %s, %zu",
          sname(st), done);
    done = 77;
    st = e->pop_many(obj, out, 4, &done);
    check(st == CONC_EMPTY && done == 0, "pop_many on empty: %s, *popped %zu",
          sname(st), done);

    done = 77;
    st = e->push_many(obj, items, 3, &done);
    check(st == CONC_OK && done == 3, "push_many 3 of cap 5: %s, %zu",
          sname(st), done);
    size_t in = 5; /* items inside after the next step */
    done = 77;
    st = e->push_many(obj, items + 3, 4, &done);
    if (e->unbounded) {
        /* Never FULL: all 4 go in. */
        check(st == CONC_OK && done == 4,
              "unbounded push_many 4 after 3: %s, *pushed %zu (want OK, 4)",
              sname(st), done);
        in = 7;
        check(e->len(obj) == 7, "len after push_many 3+4: %zu", e->len(obj));
    } else {
        check(st == CONC_FULL && done == 2,
              "push_many 4 with room for 2: %s, *pushed %zu (want FULL, 2)",
              sname(st), done);
        check(e->len(obj) == 5, "len after partial push_many: %zu",
              e->len(obj));
        done = 77;
        st = e->push_many(obj, items + 5, 2, &done);
        check(st == CONC_FULL && done == 0,
              "push_many on full: %s, *pushed %zu", sname(st), done);
        st = e->push_many(obj, items + 5, 2, NULL);
        check(st == CONC_FULL, "push_many on full, NULL pushed: %s",
              sname(st));
    }
    done = 77;
    st = e->pop_many(obj, out, 0, &done);
    check(st == CONC_OK && done == 0, "pop_many max=0 on full: %s, %zu",
          sname(st), done);
    /* NULL out is allowed with max == 0 (ring.h): nothing is copied, not
     * even zero bytes to NULL (an -fsanitize=undefined build sees a
     * memcpy(NULL, .., 0)), and nothing is taken. */
    done = 77;
    st = e->pop_many(obj, NULL, 0, &done);
    check(st == CONC_OK && done == 0 && e->len(obj) == in,
          "pop_many(NULL out, max=0) on a non-empty %s: %s, %zu, len %zu",
          e->name, sname(st), done, e->len(obj));

    for (size_t i = 0; i < 8; i++)
        out[i] = sentinel();
    done = 77;
    st = e->pop_many(obj, out, 8, &done);
    check(st == CONC_OK && done == in, "pop_many 8 of %zu: %s, *popped %zu",
          in, sname(st), done);
    /* items 0..in-1 went in; FIFO gives them in order, LIFO reversed (out[0]
     * top). */
    for (size_t i = 0; i < in; i++) {
        void *want = fifo ? items[i] : items[in - 1 - i];
        check(out[i] == want, "pop_many out[%zu] = %p, expected %p", i, out[i],
              want);
    }
    check(out[in] == sentinel(), "pop_many wrote past the count");
    check(e->len(obj) == 0, "len after draining batch: %zu", e->len(obj));

    st = e->push_many(obj, items, 4, NULL);
    check(st == CONC_OK, "push_many with NULL pushed: %s", sname(st));
    done = 77;
    st = e->pop_many(obj, out, 3, &done);
    check(st == CONC_OK && done == 3, "pop_many 3 of 4: %s, %zu", sname(st),
          done);
    st = e->pop_many(obj, out + 3, 3, NULL);
    check(st == CONC_OK, "pop_many with NULL popped: %s", sname(st));
    for (size_t i = 0; i < 4; i++) {
        void *want = fifo ? items[i] : items[3 - i];
        check(out[i] == want, "split pop_many out[%zu] = %p, expected %p", i,
              out[i], want);
    }
    check_group("%s: push_many/pop_many partial fills, counts and order",
                e->name);
    e->destroy(obj);
}

/* Caller memory: footprint + init in aligned heap memory, in a struct, in
 * static storage; fini; init again in the same memory. */
static _Alignas(CONC_ALIGN) unsigned char static_area[1 << 14];

typedef struct embedding {
    char header[24];
    _Alignas(CONC_ALIGN) unsigned char area[1 << 13];
    char trailer[24];
} embedding;

static void exercise_in(const reg_entry *e, void *mem, size_t size, size_t cap,
                        const char *where)
{
    char ctx[96];
    subject s;
    snprintf(ctx, sizeof ctx, "%s cap %zu in %s", e->name, cap, where);
    int st = e->init(mem, size, cap);
    if (!ok(st == CONC_OK, "%s: init gives %s", ctx, sname(st)))
        return;
    subject_open(&s, e, mem, cap, ctx);
    check(e->capacity(mem) == want_capacity(e, cap), "%s: capacity %zu", ctx,
          e->capacity(mem));
    run_random(&s, 99 + cap, 600);
    drain(&s);
    st = e->fini(mem);
    check(st == CONC_OK, "%s: fini gives %s", ctx, sname(st));
    /* The same memory again, a different capacity that fits. */
    st = e->init(mem, size, cap > 1 ? cap - 1 : 1);
    if (check(st == CONC_OK, "%s: re-init gives %s", ctx, sname(st))) {
        model_free(&s.m);
        subject_open(&s, e, mem, cap > 1 ? cap - 1 : 1, ctx);
        run_random(&s, 7 + cap, 300);
        drain(&s);
        st = e->fini(mem);
        check(st == CONC_OK, "%s: second fini gives %s", ctx, sname(st));
    }
    check_group("%s: footprint %zu bytes, init/use/fini twice", ctx,
                e->footprint(cap));
    model_free(&s.m);
}

static void test_caller_memory(const reg_entry *e)
{
    static const size_t caps[] = {1, 3, 64, 1000};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t cap = caps[k], fp = e->footprint(cap);
        if (!ok(fp > 0, "%s: footprint(%zu) = %zu", e->name, cap, fp))
            continue;
        void *mem = aligned_alloc(CONC_ALIGN, round_up(fp, CONC_ALIGN));
        if (!mem)
            bail_out("aligned_alloc(%zu)", fp);
        memset(mem, 0xA5, fp); /* init must not rely on zeroed memory */
        exercise_in(e, mem, fp, cap, "aligned_alloc memory");
        free(mem);
    }
    size_t cap = 7, fp = e->footprint(cap);
    embedding *em = aligned_alloc(CONC_ALIGN, round_up(sizeof *em, CONC_ALIGN));
    if (!em)
        bail_out("aligned_alloc");
    memset(em, 0x5A, sizeof *em);
    if (fp <= sizeof em->area) {
        exercise_in(e, em->area, sizeof em->area, cap, "a struct member");
        int intact = 1;
        for (size_t i = 0; i < sizeof em->header; i++)
            intact &= em->header[i] == 0x5A && em->trailer[i] == 0x5A;
        ok(intact, "%s in a struct: neighbouring members untouched", e->name);
    } else {
        skip("%s: footprint(%zu) = %zu does not fit the test struct", e->name,
             cap, fp);
    }
    free(em);
    cap = 32;
    fp = e->footprint(cap);
    if (fp <= sizeof static_area)
        exercise_in(e, static_area, fp, cap, "static storage");
    else
        skip("%s: footprint(%zu) = %zu too large for the static area", e->name,
             cap, fp);
}

/* fini twice on the same memory, no init between: the second gives CONC_OK
 * and releases nothing again.  Above all it must not close the number the
 * first fini closed (the eventfd's), which another file may hold by then
 * (wait.c's conc__ws_fini forgets the fd once closed), nor walk the
 * segments the first unmapped (lfqueue.c's fini clears head). */
static void test_double_fini(const reg_entry *e)
{
    bool counter = e->kind == REG_COUNTER;
    size_t cap = counter ? (e->max_capacity > 1 ? 4 : 1) : 4;
    size_t fp = e->footprint(cap);
    if (!ok(fp > 0, "%s: footprint(%zu) = %zu", e->name, cap, fp))
        return;
    void *mem = aligned_alloc(CONC_ALIGN, round_up(fp, CONC_ALIGN));
    if (!mem)
        bail_out("aligned_alloc(%zu)", fp);
    int st = e->init(mem, fp, cap);
    if (!ok(st == CONC_OK, "%s: init: %s", e->name, sname(st))) {
        free(mem);
        return;
    }
    int efd = -1;
    if (counter) {
        check(e->add(mem, 5, NULL) == CONC_OK, "%s: add", e->name);
    } else {
        /* Items in (an lfqueue then has a segment to unmap), and the fd
         * made, so that fini has something to release. */
        check(e->push(mem, val(1)) == CONC_OK && e->push(mem, val(2)) == CONC_OK,
              "%s: two pushes", e->name);
        st = e->fd ? e->fd(mem, &efd) : CONC_EINVAL;
        check(st == CONC_OK && efd >= 0, "%s: fd: %s, %d", e->name, sname(st), efd);
    }
    st = e->fini(mem);
    check(st == CONC_OK, "%s: fini: %s", e->name, sname(st));
    int other = -1;
    if (efd >= 0) {
        errno = 0;
        check(fcntl(efd, F_GETFD) == -1 && errno == EBADF,
              "%s: fini closed the eventfd (%d)", e->name, efd);
        /* Another file on the number the eventfd had. */
        other = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (other >= 0 && other != efd) {
            if (dup2(other, efd) == efd) {
                close(other);
                other = efd;
            }
        }
        check(other == efd, "%s: /dev/null opened on the eventfd's number %d (%d)",
              e->name, efd, other);
    }
    st = e->fini(mem);
    check(st == CONC_OK, "%s: a second fini with no init between: %s", e->name,
          sname(st));
    if (other >= 0) {
        check(fcntl(other, F_GETFD) != -1,
              "%s: the second fini left descriptor %d (now /dev/null's) open",
              e->name, other);
        close(other);
    }
    check_group("%s: fini twice with no init between: CONC_OK, nothing released "
                "twice", e->name);
    free(mem);
}

/* ------------------------------------------------------------------------ */
/* Shared memory between processes                                          */

static void *map_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bail_out("mmap(%zu): %s", size, strerror(errno));
    return p;
}

/* Exit status of a child, as one number: 0 is success. */
static int wait_child(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The child's half of the hand-over: pop n items pushed by the parent,
 * check their order, push n replies.  Returns an exit code. */
static int child_handover(const reg_entry *e, void *obj, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        void *it = sentinel();
        if (e->pop(obj, &it) != CONC_OK)
            return 10;
        size_t want = e->kind == REG_QUEUE ? i : n - 1 - i;
        if (it != val(want))
            return 11;
    }
    void *it;
    if (e->pop(obj, &it) != CONC_EMPTY)
        return 12;
    for (size_t i = 0; i < n; i++)
        if (e->push(obj, val(1000 + i)) != CONC_OK)
            return 13;
    return 0;
}

/* The child pushes items 0..n-1 (retrying on FULL) while the parent pops. */
static int child_producer(const reg_entry *e, void *obj, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int st;
        while ((st = e->push(obj, (void *)(uintptr_t)i)) == CONC_FULL)
            sched_yield();
        if (st != CONC_OK)
            return 20;
    }
    return 0;
}

static void test_fork_container(const reg_entry *e)
{
    const size_t cap = 16, n_conc = 20000;
    size_t fp = e->footprint(cap);
    size_t size = round_up(fp, (size_t)sysconf(_SC_PAGESIZE));
    void *mem = map_shared(size);
    int st = e->init(mem, size, cap);
    if (!ok(st == CONC_OK, "%s: init in MAP_SHARED memory: %s", e->name,
            sname(st)))
        return;
    for (size_t i = 0; i < cap; i++)
        check(e->push(mem, val(i)) == CONC_OK, "parent push %zu", i);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60);
        _exit(child_handover(e, mem, cap));
    }
    int code = wait_child(pid);
    check(code == 0, "child exit status %d (10: pop failed, 11: wrong item, "
          "12: not empty, 13: reply push failed)", code);
    for (size_t i = 0; code == 0 && i < cap; i++) {
        void *it = sentinel();
        size_t want = e->kind == REG_QUEUE ? i : cap - 1 - i;
        st = e->pop(mem, &it);
        check(st == CONC_OK && it == val(1000 + want),
              "parent pop reply %zu: %s %p", i, sname(st), it);
    }
    check_group("%s: parent pushes, forked child pops and replies through "
                "MAP_SHARED memory", e->name);

    /* Concurrently: the child produces while the parent consumes. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        alarm(60);
        _exit(child_producer(e, mem, n_conc));
    }
    unsigned char *seen = calloc(n_conc, 1);
    size_t got = 0, next = 0, invented = 0, order = 0, dup = 0;
    int status = 0, child_gone = 0;
    if (!seen)
        bail_out("calloc");
    while (got < n_conc) {
        void *it;
        st = e->pop(mem, &it);
        if (st == CONC_EMPTY) {
            /* A child that is gone will push nothing more. */
            if (child_gone)
                break;
            if (waitpid(pid, &status, WNOHANG) == pid)
                child_gone = 1; /* pop once more before giving up */
            sched_yield();
            continue;
        }
        if (st != CONC_OK) {
            check(0, "parent pop: %s", sname(st));
            break;
        }
        got++;
        uintptr_t idx = (uintptr_t)it;
        if (idx >= n_conc) {
            invented++;
            continue;
        }
        if (seen[idx]++)
            dup++;
        if (e->kind == REG_QUEUE && idx != next)
            order++;
        next = idx + 1;
    }
    if (child_gone)
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 1000;
    else
        code = wait_child(pid);
    void *it;
    check(code == 0, "producer child exit status %d", code);
    check(got == n_conc, "parent popped %zu of %zu", got, n_conc);
    check(invented == 0 && dup == 0, "%zu invented, %zu duplicated items",
          invented, dup);
    check(order == 0, "%zu items out of FIFO order", order);
    check(e->pop(mem, &it) == CONC_EMPTY, "not empty at the end");
    check_group("%s: %zu items from a child process to its parent, at the "
                "same time", e->name, n_conc);
    free(seen);
    e->fini(mem);
    munmap(mem, size);
}

/* One memfd mapped twice, at two addresses: the structure must not hold
 * pointers into itself. */
static int map_twice(size_t size, void **a, void **b)
{
#if defined(__linux__)
    int fd = memfd_create("conc-test", 0);
    if (fd < 0)
        return 0;
    if (ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return 0;
    }
    *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return *a != MAP_FAILED && *b != MAP_FAILED;
#else
    (void)size; (void)a; (void)b;
    return 0;
#endif
}

static void test_two_mappings_container(const reg_entry *e)
{
    const size_t cap = 8;
    size_t size = round_up(e->footprint(cap), (size_t)sysconf(_SC_PAGESIZE));
    void *a, *b;
    if (!map_twice(size, &a, &b)) {
        skip("%s: memfd_create/mmap unavailable", e->name);
        return;
    }
    int st = e->init(a, size, cap);
    check(st == CONC_OK, "init via mapping A: %s", sname(st));
    check(e->capacity(b) == cap, "capacity via mapping B: %zu",
          e->capacity(b));
    size_t next_in = 0, next_out = 0;
    for (int round = 0; round < 5 && st == CONC_OK; round++) {
        void *pusher = round % 2 ? b : a, *popper = round % 2 ? a : b;
        for (size_t i = 0; i < cap; i++, next_in++)
            check(e->push(pusher, val(next_in)) == CONC_OK, "push %zu",
                  next_in);
        check(e->push(pusher, NULL) == CONC_FULL, "full via other mapping");
        check(e->len(popper) == cap, "len via other mapping: %zu",
              e->len(popper));
        for (size_t i = 0; i < cap; i++) {
            void *it = sentinel();
            size_t want = e->kind == REG_QUEUE ? next_out + i
                                               : next_out + cap - 1 - i;
            int pst = e->pop(popper, &it);
            check(pst == CONC_OK && it == val(want),
                  "pop %zu via other mapping: %s %p (want %p)", i, sname(pst),
                  it, val(want));
        }
        next_out += cap;
        void *it;
        check(e->pop(popper, &it) == CONC_EMPTY, "empty via other mapping");
    }
    if (st == CONC_OK)
        e->fini(a);
    check_group("%s: one memfd mapped at two addresses (%p, %p) works through "
                "both", e->name, a, b);
    munmap(a, size);
    munmap(b, size);
}

/* ------------------------------------------------------------------------ */
/* Closing, waiting with timeouts, joining (conc/wait.h), one thread.       */

static void count_discard(void *item, void *arg)
{
    (void)item;
    ++*(size_t *)arg;
}

static void test_close_wait(const reg_entry *e)
{
    const size_t cap = 4;
    void *it, *items[3] = {val(101), val(102), val(103)};
    size_t done;
    int st;
    void *obj = e->create_flags(cap, CONC_JOINABLE);
    if (!ok(obj != NULL, "%s close/wait: create_flags(JOINABLE)", e->name))
        return;
    /* Timeouts on an open structure: an empty pop_wait times out, a full
     * push_wait too (bounded only); the item stays with the caller. */
    it = sentinel();
    st = e->pop_wait(obj, &it, 1000000);
    check(st == CONC_TIMEDOUT && it == sentinel(),
          "pop_wait(1 ms) on empty: %s, item %p", sname(st), it);
    st = e->pop_wait(obj, &it, 0);
    check(st == CONC_EMPTY, "pop_wait(0) on empty: %s", sname(st));
    for (size_t i = 0; i < cap; i++)
        check(e->push_wait(obj, val(i), CONC_FOREVER) == CONC_OK,
              "push_wait(FOREVER) %zu", i);
    st = e->push_wait(obj, val(99), 1000000);
    if (e->unbounded) {
        check(st == CONC_OK, "unbounded push_wait(1 ms) past cap: %s",
              sname(st));
    } else {
        check(st == CONC_TIMEDOUT, "push_wait(1 ms) on full: %s", sname(st));
        check(e->push_wait(obj, val(99), 0) == CONC_FULL,
              "push_wait(0) on full");
    }
    size_t inside = cap + (e->unbounded ? 1 : 0);
    check(e->len(obj) == inside, "len %zu, want %zu", e->len(obj), inside);
    /* Joining: inside items unfinished; join(0) times out. */
    st = e->join(obj, 0);
    check(st == CONC_TIMEDOUT, "join(0) with %zu unfinished: %s", inside,
          sname(st));
    /* Pop one with pop_wait, finish it. */
    it = sentinel();
    st = e->pop_wait(obj, &it, CONC_FOREVER);
    check(st == CONC_OK && it == (e->kind == REG_QUEUE ? val(0) : (e->unbounded ? val(99) : val(cap - 1))),
          "pop_wait(FOREVER) with items: %s %p", sname(st), it);
    check(e->task_done(obj) == CONC_OK, "task_done 1");
    /* Close: idempotent; pushes refused; pops drain, then CLOSED. */
    check(e->closed(obj) == 0, "closed() before close");
    check(e->close(obj) == CONC_OK, "close");
    check(e->close(obj) == CONC_OK, "close again (idempotent)");
    check(e->closed(obj) == 1, "closed() after close is %d", e->closed(obj));
    check(e->push(obj, val(200)) == CONC_CLOSED, "push after close");
    check(e->push_wait(obj, val(200), CONC_FOREVER) == CONC_CLOSED,
          "push_wait(FOREVER) after close");
    done = 77;
    st = e->push_many(obj, items, 3, &done);
    check(st == CONC_CLOSED && done == 0,
          "push_many after close: %s, *pushed %zu", sname(st), done);
    size_t left = inside - 1, got = 0;
    while ((st = e->pop_wait(obj, &it, CONC_FOREVER)) == CONC_OK && got <= left) {
        got++;
        check(e->task_done(obj) == CONC_OK, "task_done %zu", got + 1);
    }
    check(got == left && st == CONC_CLOSED,
          "after close, pop_wait drained %zu of %zu, then %s", got, left,
          sname(st));
    check(e->pop(obj, &it) == CONC_CLOSED, "pop on closed and drained");
    done = 77;
    st = e->pop_many(obj, items, 3, &done);
    check(st == CONC_CLOSED && done == 0,
          "pop_many on closed and drained: %s, *popped %zu", sname(st), done);
    /* Every item finished: join returns at once; one more task_done is
     * EINVAL and changes nothing. */
    check(e->join(obj, 0) == CONC_OK, "join(0) after every task_done");
    check(e->task_done(obj) == CONC_EINVAL, "task_done beyond the count");
    check(e->join(obj, CONC_FOREVER) == CONC_OK,
          "join(FOREVER) still OK after the refused task_done");
    e->destroy(obj);

    /* close_now discards what is left, counts it as done. */
    obj = e->create_flags(cap, CONC_JOINABLE);
    if (!ok(obj != NULL, "%s close_now: create_flags(JOINABLE)", e->name))
        return;
    for (size_t i = 0; i < 3; i++)
        check(e->push(obj, val(300 + i)) == CONC_OK, "push %zu", i);
    size_t seen = 0, n = 77;
    st = e->close_now(obj, count_discard, &seen, &n);
    check(st == CONC_OK && n == 3 && seen == 3,
          "close_now: %s, *discarded %zu, discard called %zu times (want 3)",
          sname(st), n, seen);
    check(e->closed(obj) == 1, "closed() after close_now");
    check(e->pop(obj, &it) == CONC_CLOSED, "pop after close_now");
    check(e->push(obj, val(1)) == CONC_CLOSED, "push after close_now");
    check(e->join(obj, 0) == CONC_OK, "join(0) after close_now (discarded "
          "items count as done)");
    check(e->task_done(obj) == CONC_EINVAL, "task_done after close_now");
    e->destroy(obj);
    check_group("%s: push_wait/pop_wait timeouts, close (idempotent, pushes "
                "CLOSED, pops drain then CLOSED), close_now, task_done/join",
                e->name);
}

/* ------------------------------------------------------------------------ */
/* conc_lfqueue: what only the unbounded queue has.                          */

static void lfqueue_push_n(conc_lfqueue *q, size_t n, size_t *next_in,
                           const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int st = conc_lfqueue_push(q, val((*next_in)++));
        if (!check(st == CONC_OK, "%s: push %zu: %s", what, i, sname(st)))
            return;
    }
}

static size_t lfqueue_pop_check(conc_lfqueue *q, size_t n, size_t *next_out,
                                const char *what)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        void *it = sentinel();
        int st = conc_lfqueue_pop(q, &it);
        if (st != CONC_OK || it != val(*next_out)) {
            if (bad++ == 0)
                check(0, "%s: pop %zu: %s %p, want item %zu", what, i,
                      sname(st), it, *next_out);
        }
        (*next_out)++;
    }
    return bad;
}

static void test_lfqueue_segments(void)
{
    conc_lfqueue *q = conc_lfqueue_new(0);
    if (!ok(q != NULL, "lfqueue: new"))
        return;
    size_t m0 = conc_lfqueue_memory(q), in = 0, out = 0, peak;
    void *it;
    check(m0 > 0, "memory() of an empty queue is %zu", m0);
    /* Thousands of items: several segments (~1000 items each). */
    lfqueue_push_n(q, 5000, &in, "fill 5000");
    check(conc_lfqueue_len(q) == 5000, "len %zu after 5000 pushes",
          conc_lfqueue_len(q));
    peak = conc_lfqueue_memory(q);
    check(peak >= 4 * m0 && peak > m0,
          "memory() with 5000 items is %zu (empty: %zu): segments added",
          peak, m0);
    check(lfqueue_pop_check(q, 5000, &out, "drain 5000") == 0,
          "FIFO across segment boundaries");
    check(conc_lfqueue_pop(q, &it) == CONC_EMPTY, "EMPTY after the drain");
    check(conc_lfqueue_len(q) == 0, "len 0 after the drain");
    check(conc_lfqueue_memory(q) == m0,
          "memory() after a full drain is %zu, empty queue had %zu",
          conc_lfqueue_memory(q), m0);
    /* A sliding window: pushes run ahead of pops by 1500, across segments
     * again and again; then drain. */
    for (int round = 0; round < 8; round++) {
        lfqueue_push_n(q, 1500, &in, "window push");
        check(lfqueue_pop_check(q, round == 0 ? 0 : 1500, &out,
                                "window pop") == 0,
              "FIFO in the sliding window, round %d", round);
    }
    check(lfqueue_pop_check(q, in - out, &out, "final drain") == 0,
          "FIFO in the final drain");
    check(conc_lfqueue_pop(q, &it) == CONC_EMPTY, "EMPTY after the window");
    check(conc_lfqueue_memory(q) == m0,
          "memory() after the window drained is %zu, want %zu",
          conc_lfqueue_memory(q), m0);
    /* Batches across a boundary. */
    void *batch[64], *back[64];
    size_t total = 0, bad = 0;
    for (int k = 0; k < 40; k++) {
        size_t done = 0;
        for (size_t i = 0; i < 64; i++)
            batch[i] = val(100000 + 64 * (size_t)k + i);
        if (conc_lfqueue_push_many(q, batch, 64, &done) != CONC_OK ||
            done != 64)
            bad++;
    }
    while (total < 40 * 64) {
        size_t done = 0;
        if (conc_lfqueue_pop_many(q, back, 64, &done) != CONC_OK || done == 0)
            break;
        for (size_t i = 0; i < done; i++)
            if (back[i] != val(100000 + total + i))
                bad++;
        total += done;
    }
    check(bad == 0 && total == 40 * 64,
          "push_many/pop_many of 2560 items across segments: %zu popped, %zu "
          "wrong", total, bad);
    check(conc_lfqueue_memory(q) == m0, "memory() back to %zu after batches "
          "(is %zu)", m0, conc_lfqueue_memory(q));
    check(conc_lfqueue_capacity(q) == SIZE_MAX, "capacity() is SIZE_MAX");
    conc_lfqueue_free(q);
    check_group("lfqueue: 5000 items and a 1500-item sliding window cross "
                "segment boundaries in FIFO order; memory() returns to its "
                "empty value (%zu bytes, peak %zu) after each drain", m0, peak);

    /* Caller memory: the handle in our memory, segments from mmap; fini
     * with items still inside returns every segment (ASan: no leak). */
    size_t fp = conc_lfqueue_footprint();
    void *mem = aligned_alloc(CONC_ALIGN, round_up(fp, CONC_ALIGN));
    if (!mem)
        bail_out("aligned_alloc");
    memset(mem, 0xA5, fp);
    int st = conc_lfqueue_init(mem, fp, 0);
    if (ok(st == CONC_OK, "lfqueue: init in caller memory: %s", sname(st))) {
        q = mem;
        in = out = 0;
        m0 = conc_lfqueue_memory(q);
        lfqueue_push_n(q, 2500, &in, "caller memory push");
        check(lfqueue_pop_check(q, 1200, &out, "caller memory pop") == 0,
              "FIFO in caller memory");
        st = conc_lfqueue_fini(q);
        check(st == CONC_OK, "fini with 1300 items inside: %s", sname(st));
        st = conc_lfqueue_init(mem, fp, 0);
        check(st == CONC_OK && conc_lfqueue_len(q) == 0 &&
              conc_lfqueue_memory(q) == m0,
              "re-init: %s, len %zu, memory %zu", sname(st),
              conc_lfqueue_len(q), conc_lfqueue_memory(q));
        conc_lfqueue_fini(q);
        check_group("lfqueue: caller memory, 2500 items, fini with items "
                    "inside, re-init empty");
    }
    free(mem);
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                 */

static int64_t wrap64(uint64_t u)
{
    int64_t r;
    memcpy(&r, &u, sizeof r);
    return r;
}

typedef struct counter_subject {
    const reg_entry *e;
    void *obj;
    uint64_t total; /* the model: a wrapping 64-bit total */
    const char *ctx;
} counter_subject;

static int counter_add_check(counter_subject *c, int64_t delta)
{
    int64_t prev = INT64_C(0x5e5e5e5e5e5e5e5e), now = 0;
    int st = c->e->add(c->obj, delta, &prev);
    int good = check(st == CONC_OK, "%s: add(%" PRId64 ") gave %s", c->ctx,
                     delta, sname(st));
    if (c->e->add_returns_prev)
        good = good && check(prev == wrap64(c->total),
                             "%s: add(%" PRId64 ") prev %" PRId64
                             ", expected %" PRId64, c->ctx, delta, prev,
                             wrap64(c->total));
    c->total += (uint64_t)delta;
    st = c->e->read(c->obj, &now);
    good = good && check(st == CONC_OK && now == wrap64(c->total),
                         "%s: after add(%" PRId64 ") read %s %" PRId64
                         ", expected %" PRId64, c->ctx, delta, sname(st), now,
                         wrap64(c->total));
    return good;
}

static void counter_sequence(counter_subject *c)
{
    static const int64_t deltas[] = {
        5, -3, 0, -10, 1, INT64_C(1) << 40, -(INT64_C(1) << 40), 7,
    };
    int64_t v = 1;
    int good = check(c->e->read(c->obj, &v) == CONC_OK && v == 0,
                     "%s: a new counter reads %" PRId64, c->ctx, v);
    for (size_t i = 0; good && i < sizeof deltas / sizeof deltas[0]; i++)
        good = counter_add_check(c, deltas[i]);
    /* Back to 0, then through the top and bottom of int64_t. */
    good = good && counter_add_check(c, -wrap64(c->total));
    good = good && counter_add_check(c, INT64_MAX);
    good = good && counter_add_check(c, 1);          /* INT64_MAX -> MIN */
    good = good && counter_add_check(c, -1);         /* MIN -> MAX */
    good = good && counter_add_check(c, INT64_MIN);  /* MAX -> -1 */
    good = good && counter_add_check(c, INT64_MIN);  /* -1 -> MAX */
    good = good && counter_add_check(c, INT64_MAX);  /* MAX -> -2 */
    good = good && counter_add_check(c, INT64_MIN);
    good = good && counter_add_check(c, INT64_MIN);  /* full circle */
    uint64_t r = 42;
    for (int i = 0; good && i < 1000; i++) {
        uint64_t x = rng_next(&r);
        int64_t d = (i % 3 == 0) ? wrap64(x) : (int64_t)(x % 2001) - 1000;
        good = counter_add_check(c, d);
    }
    /* prev may be NULL. */
    int st = c->e->add(c->obj, 3, NULL);
    c->total += 3;
    check(st == CONC_OK, "%s: add with NULL prev: %s", c->ctx, sname(st));
    check(c->e->read(c->obj, &v) == CONC_OK && v == wrap64(c->total),
          "%s: read after add(NULL prev)", c->ctx);
}

typedef struct sharded_job {
    const reg_entry *e;
    void *obj;
    int64_t delta;
    int st;
} sharded_job;

static void *sharded_adder(void *arg)
{
    sharded_job *j = arg;
    for (int i = 0; i < 100; i++)
        if ((j->st = j->e->add(j->obj, j->delta, NULL)) != CONC_OK)
            break;
    return NULL;
}

/* Threads one after the other (no concurrency) so that several slots are
 * used, and more threads than shards so that slots are shared. */
static void sharded_many_threads(counter_subject *c)
{
    for (int t = 0; t < 10; t++) {
        pthread_t th;
        sharded_job j = {c->e, c->obj, (t % 2 ? -1 : 1) * (int64_t)(t + 1) *
                                           (INT64_C(1) << 58), CONC_OK};
        if (pthread_create(&th, NULL, sharded_adder, &j) != 0)
            bail_out("pthread_create");
        pthread_join(th, NULL);
        check(j.st == CONC_OK, "%s: add from thread %d: %s", c->ctx, t,
              sname(j.st));
        c->total += 100 * (uint64_t)j.delta;
        int64_t v;
        check(c->e->read(c->obj, &v) == CONC_OK && v == wrap64(c->total),
              "%s: after thread %d read %" PRId64 ", expected %" PRId64,
              c->ctx, t, v, wrap64(c->total));
    }
}

/* A counter ended and another made in the same memory (or, on the heap,
 * likely at the same address) with fewer shards, by a thread that has
 * already added to the first: nothing the thread kept from the first may
 * steer its adds to the second (a slot cached by address would land past
 * the new counter's last slot).  Each of REUSE_THREADS fresh threads does it
 * once, so most of them hold a ticket that is not slot 0 of the big
 * counter; and alternates between two live counters of different shard
 * counts. */
#define REUSE_THREADS 40
#define REUSE_BIG 64

typedef struct reuse_job {
    const reg_entry *e;
    unsigned char *mem; /* footprint(REUSE_BIG) bytes */
    size_t big_fp;
    int bad; /* 0, or which step failed */
    int64_t got, want;
} reuse_job;

/* Every byte of [from, to) still 0xA5. */
static bool untouched_from(const unsigned char *m, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (m[i] != 0xA5)
            return false;
    return true;
}

static bool reuse_read(reuse_job *j, void *obj, int64_t want, int step)
{
    int64_t v = 0;
    if (j->e->read(obj, &v) != CONC_OK || v != want) {
        j->bad = step;
        j->got = v;
        j->want = want;
        return false;
    }
    return true;
}

static void *reuse_thread(void *arg)
{
    reuse_job *j = arg;
    const reg_entry *e = j->e;
    static const size_t smaller[] = {1, 2, 3, 5, 7};
    for (size_t k = 0; k < sizeof smaller / sizeof smaller[0]; k++) {
        memset(j->mem, 0xA5, j->big_fp);
        if (e->init(j->mem, j->big_fp, REUSE_BIG) != CONC_OK) {
            j->bad = 1;
            return NULL;
        }
        e->add(j->mem, 1000, NULL);
        if (!reuse_read(j, j->mem, 1000, 2))
            return NULL;
        e->fini(j->mem);
        memset(j->mem, 0xA5, j->big_fp);
        size_t fp = e->footprint(smaller[k]);
        if (e->init(j->mem, fp, smaller[k]) != CONC_OK) {
            j->bad = 3;
            return NULL;
        }
        e->add(j->mem, 5, NULL);
        if (!reuse_read(j, j->mem, 5, 4))
            return NULL;
        if (!untouched_from(j->mem, fp, j->big_fp)) {
            j->bad = 5; /* an add wrote past the new counter's footprint */
            return NULL;
        }
        e->fini(j->mem);
    }
    /* The heap: freed, then made again, most likely at the same address
     * (ASan reports a write past the new block). */
    void *a = e->create(REUSE_BIG);
    if (!a) {
        j->bad = 6;
        return NULL;
    }
    e->add(a, 1, NULL);
    e->destroy(a);
    void *b = e->create(1);
    if (!b) {
        j->bad = 6;
        return NULL;
    }
    e->add(b, 2, NULL);
    bool good = reuse_read(j, b, 2, 7);
    /* Two live counters in turn. */
    a = e->create(REUSE_BIG);
    if (good && a) {
        for (int i = 0; i < 100; i++) {
            e->add(a, 1, NULL);
            e->add(b, 3, NULL);
        }
        good = reuse_read(j, a, 100, 8) && reuse_read(j, b, 2 + 300, 9);
    }
    if (a)
        e->destroy(a);
    e->destroy(b);
    return NULL;
}

static void sharded_reuse(const reg_entry *e)
{
    size_t big_fp = e->footprint(REUSE_BIG);
    unsigned char *mem = aligned_alloc(CONC_ALIGN, round_up(big_fp, CONC_ALIGN));
    if (!mem)
        bail_out("aligned_alloc");
    for (int t = 0; t < REUSE_THREADS; t++) {
        reuse_job j = {.e = e, .mem = mem, .big_fp = big_fp};
        pthread_t th;
        if (pthread_create(&th, NULL, reuse_thread, &j) != 0)
            bail_out("pthread_create");
        pthread_join(th, NULL);
        check(j.bad == 0,
              "%s: thread %d, step %d (2/4/7/8/9: read %" PRId64
              ", expected %" PRId64 "; 5: an add wrote past the footprint)",
              e->name, t, j.bad, j.got, j.want);
    }
    free(mem);
    check_group("%s: a counter ended and another made in its memory with "
                "fewer shards (1, 2, 3, 5, 7 after %d), by threads that "
                "added to the first; two live counters in turn", e->name,
                REUSE_BIG);
}

static void test_counter(const reg_entry *e, size_t shards)
{
    char ctx[96];
    snprintf(ctx, sizeof ctx, "%s (%zu shards)", e->name, shards);
    counter_subject c = {e, e->create(shards), 0, ctx};
    if (!ok(c.obj != NULL, "%s: create", ctx))
        return;
    counter_sequence(&c);
    sharded_many_threads(&c);
    check_group("%s: adds%s, negative deltas, wraparound at INT64_MAX/MIN, "
                "adds from 10 threads", ctx,
                e->add_returns_prev ? " return the previous total" : "");
    e->destroy(c.obj);

    size_t fp = e->footprint(shards);
    if (!ok(fp > 0, "%s: footprint %zu", ctx, fp))
        return;
    void *mem = aligned_alloc(CONC_ALIGN, round_up(fp, CONC_ALIGN));
    if (!mem)
        bail_out("aligned_alloc");
    memset(mem, 0xA5, fp);
    int st = e->init(mem, fp, shards);
    if (ok(st == CONC_OK, "%s: init in caller memory: %s", ctx, sname(st))) {
        counter_subject m = {e, mem, 0, ctx};
        counter_sequence(&m);
        st = e->fini(mem);
        check(st == CONC_OK, "fini: %s", sname(st));
        st = e->init(mem, fp, shards);
        int64_t v = 1;
        check(st == CONC_OK && e->read(mem, &v) == CONC_OK && v == 0,
              "re-init reads %" PRId64, v);
        e->fini(mem);
        check_group("%s: in caller memory, init/use/fini/re-init", ctx);
    }
    free(mem);
}

static void test_fork_counter(const reg_entry *e, size_t shards)
{
    size_t size = round_up(e->footprint(shards), (size_t)sysconf(_SC_PAGESIZE));
    void *mem = map_shared(size);
    int st = e->init(mem, size, shards);
    if (!ok(st == CONC_OK, "%s: init in MAP_SHARED memory: %s", e->name,
            sname(st)))
        return;
    e->add(mem, 5, NULL);
    /* Hand-over: the child sees the parent's total and adds to it. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60);
        int64_t v = 0, prev = 0;
        if (e->read(mem, &v) != CONC_OK || v != 5)
            _exit(10);
        if (e->add(mem, 7, &prev) != CONC_OK)
            _exit(11);
        if (e->add_returns_prev && prev != 5)
            _exit(12);
        _exit(0);
    }
    int code = wait_child(pid);
    int64_t v = 0;
    e->read(mem, &v);
    check(code == 0, "child exit status %d (10: read, 11: add, 12: prev)",
          code);
    check(v == 12, "parent reads %" PRId64 " after the child's add, expected "
          "12", v);
    /* Both processes add at the same time, from a rendezvous (a child
     * inherits its parent thread's thread-local state, a sharded counter's
     * token included: were a counter of conc_sharded_init to own slots,
     * parent and child would both take the parent thread's slot for their
     * own and lose adds).  Without the rendezvous the child's adds were
     * mostly over before the parent's began. */
    enum { ADDS = 200000 };
    _Atomic int *go = map_shared(sizeof(_Atomic int) * 2);
    atomic_store(&go[0], 0);
    atomic_store(&go[1], 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        alarm(60);
        atomic_store(&go[1], 1);
        while (atomic_load(&go[0]) == 0)
            sched_yield();
        for (int i = 0; i < ADDS; i++)
            if (e->add(mem, 1, NULL) != CONC_OK)
                _exit(11);
        _exit(0);
    }
    while (atomic_load(&go[1]) == 0)
        sched_yield();
    atomic_store(&go[0], 1);
    for (int i = 0; i < ADDS; i++)
        e->add(mem, -2, NULL);
    code = wait_child(pid);
    munmap(go, sizeof(_Atomic int) * 2);
    e->read(mem, &v);
    check(code == 0, "adding child exit status %d", code);
    check(v == 12 + ADDS - 2 * ADDS, "total %" PRId64 ", expected %d", v,
          12 + ADDS - 2 * ADDS);
    check_group("%s (%zu shards): parent and forked child add to one counter "
                "in MAP_SHARED memory", e->name, shards);
    e->fini(mem);
    munmap(mem, size);
}

static void test_two_mappings_counter(const reg_entry *e, size_t shards)
{
    size_t size = round_up(e->footprint(shards), (size_t)sysconf(_SC_PAGESIZE));
    void *a, *b;
    if (!map_twice(size, &a, &b)) {
        skip("%s: memfd_create/mmap unavailable", e->name);
        return;
    }
    int st = e->init(a, size, shards);
    int64_t va = 0, vb = 0, prev = 0;
    check(st == CONC_OK, "init: %s", sname(st));
    e->add(a, 40, NULL);
    st = e->add(b, 2, &prev);
    check(st == CONC_OK, "add via B: %s", sname(st));
    if (e->add_returns_prev)
        check(prev == 40, "add via B saw prev %" PRId64, prev);
    e->read(a, &va);
    e->read(b, &vb);
    check(va == 42 && vb == 42, "reads via A %" PRId64 " and B %" PRId64, va,
          vb);
    e->fini(a);
    check_group("%s (%zu shards): one memfd mapped at two addresses", e->name,
                shards);
    munmap(a, size);
    munmap(b, size);
}

/* ------------------------------------------------------------------------ */

/* The deliberately broken queue (harness/broken.c) must fail the model
 * comparisons. */
static int run_broken(void)
{
    const reg_entry *e = &conc_registry_broken;
    tap_expect_broken = true;
    conc_broken_set_period(7); /* short runs below: fault often */
    diag("the deliberately broken queue (a fault every 7 operations): every "
         "group must be caught");
    test_exact_capacity(e, 64);
    test_exact_capacity(e, 1000);
    test_wraparound(e, 3);
    test_random(e, 7);
    test_random(e, 1000);
    done_testing();
    return tap_exit();
}

int main(int argc, char **argv)
{
    tap_watchdog(120, "test_sequential");
    if (argc > 1 && strcmp(argv[1], "--broken") == 0)
        return run_broken();
    for (size_t r = 0; r < conc_registry_count; r++) {
        const reg_entry *e = &conc_registry[r];
        if (!selected(e->name))
            continue;
        diag("%s", e->name);
        if (e->kind == REG_COUNTER) {
            static const size_t shard_counts[] = {1, 2, 7, 64,
                                                  CONC_SHARDED_MAX_SHARDS};
            size_t n = e->max_capacity > 1 ? sizeof shard_counts / sizeof shard_counts[0] : 1;
            for (size_t k = 0; k < n; k++)
                test_counter(e, shard_counts[k]);
            if (e->max_capacity > 1)
                sharded_reuse(e);
            test_fork_counter(e, e->max_capacity > 1 ? 4 : 1);
            test_two_mappings_counter(e, e->max_capacity > 1 ? 4 : 1);
            test_double_fini(e);
            continue;
        }
        test_capacity_bounds(e);
        for (size_t k = 0; k < sizeof edge_caps / sizeof edge_caps[0]; k++)
            test_exact_capacity(e, edge_caps[k]);
        for (size_t k = 0; k < sizeof small_caps / sizeof small_caps[0]; k++) {
            test_wraparound(e, small_caps[k]);
            test_random(e, small_caps[k]);
        }
        test_random(e, 1000);
        test_values(e);
        test_batches(e);
        test_caller_memory(e);
        test_double_fini(e);
        test_close_wait(e);
        if (e->process_shared) {
            test_fork_container(e);
            test_two_mappings_container(e);
        } else {
            skip("%s: not process-shared (registry: process_shared = false; "
                 "its memory is per-process): no fork/MAP_SHARED test",
                 e->name);
            skip("%s: not process-shared: no memfd mapped-twice test",
                 e->name);
        }
    }
    if (selected("lfqueue"))
        test_lfqueue_segments();
    done_testing();
    return tap_exit();
}
