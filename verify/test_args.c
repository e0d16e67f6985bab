/*
 * test_args.c - every bad argument to every public function, called
 * directly (not through the registry): CONC_EINVAL, 0 or NULL with errno
 * EINVAL as each header says, never a crash, and nothing changed (a failed
 * init leaves the caller's memory as it was; a failed push or pop leaves the
 * structure as it was).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <conc/conc.h>

#include "tap.h"
#include "testutil.h"

#define PATTERN 0xA5
#define SLACK 256 /* room for mem + 1, mem + 8, mem + 32 */

/* Caller memory, CONC_ALIGN-aligned, filled with a pattern. */
static unsigned char *area(size_t fp)
{
    size_t n = (fp + SLACK + CONC_ALIGN - 1) / CONC_ALIGN * CONC_ALIGN;
    unsigned char *m = aligned_alloc(CONC_ALIGN, n);
    if (!m)
        bail_out("aligned_alloc(%zu)", n);
    memset(m, PATTERN, n);
    return m;
}

static int untouched(const unsigned char *m, size_t fp)
{
    for (size_t i = 0; i < fp + SLACK; i++)
        if (m[i] != PATTERN)
            return 0;
    return 1;
}

/* A constructor that must fail: NULL and errno EINVAL. */
#define EXPECT_NEW_EINVAL(call, what)                                          \
    do {                                                                       \
        errno = 0;                                                             \
        void *p_ = (void *)(call);                                             \
        int e_ = errno;                                                        \
        ok(p_ == NULL && e_ == EINVAL, "%s gives NULL, errno EINVAL (got %p, " \
           "errno %d)", what, p_, e_);                                         \
    } while (0)

#define EXPECT_ST(call, want, what)                                            \
    do {                                                                       \
        int st_ = (call);                                                      \
        ok(st_ == (want), "%s gives %s (got %s)", what, sname(want),           \
           sname(st_));                                                        \
    } while (0)

/* The waiting vocabulary (conc/wait.h), on a valid non-joinable handle h
 * that holds one item; leaves the item there. */
#define WAIT_ARGS(P, h)                                                        \
    do {                                                                       \
        void *w_ = (void *)(uintptr_t)0x77;                                    \
        size_t nd_ = 99;                                                       \
        int fd_ = -7;                                                          \
        EXPECT_ST(conc_##P##_push_wait(NULL, w_, 0), CONC_EINVAL,              \
                  "conc_" #P "_push_wait(NULL)");                              \
        EXPECT_ST(conc_##P##_pop_wait(NULL, &w_, 0), CONC_EINVAL,              \
                  "conc_" #P "_pop_wait(NULL)");                               \
        EXPECT_ST(conc_##P##_pop_wait(h, NULL, 0), CONC_EINVAL,                \
                  "conc_" #P "_pop_wait(h, NULL item)");                       \
        EXPECT_ST(conc_##P##_pop_wait(h, NULL, CONC_FOREVER), CONC_EINVAL,     \
                  "conc_" #P "_pop_wait(h, NULL item, forever)");              \
        EXPECT_ST(conc_##P##_close(NULL), CONC_EINVAL, "conc_" #P "_close(NULL)");\
        EXPECT_ST(conc_##P##_close_now(NULL, NULL, NULL, &nd_), CONC_EINVAL,   \
                  "conc_" #P "_close_now(NULL)");                              \
        ok(nd_ == 99, "conc_" #P "_close_now(NULL) left *discarded alone");    \
        ok(conc_##P##_closed(NULL) == 0, "conc_" #P "_closed(NULL) is 0");     \
        ok(conc_##P##_closed(h) == 0, "conc_" #P "_closed(open) is 0");        \
        EXPECT_ST(conc_##P##_task_done(NULL), CONC_EINVAL,                     \
                  "conc_" #P "_task_done(NULL)");                              \
        EXPECT_ST(conc_##P##_task_done(h), CONC_EINVAL,                        \
                  "conc_" #P "_task_done(not joinable)");                      \
        EXPECT_ST(conc_##P##_join(NULL, 0), CONC_EINVAL, "conc_" #P "_join(NULL)");\
        EXPECT_ST(conc_##P##_join(h, 0), CONC_EINVAL,                          \
                  "conc_" #P "_join(not joinable)");                           \
        EXPECT_ST(conc_##P##_fd(NULL, &fd_), CONC_EINVAL, "conc_" #P "_fd(NULL)");\
        EXPECT_ST(conc_##P##_fd(h, NULL), CONC_EINVAL,                         \
                  "conc_" #P "_fd(h, NULL out)");                              \
        ok(fd_ == -7, "conc_" #P "_fd failures left *fd alone");               \
        ok(conc_##P##_len(h) == 1, "conc_" #P ": the bad wait calls took "     \
           "nothing (len %zu)", conc_##P##_len(h));                            \
    } while (0)

/*
 * The four container families share one vocabulary (ring.h); each gets the
 * same battery, spelled with its own functions.
 */
#define CONTAINER_ARGS(P, MAX)                                                 \
    static void args_##P(void)                                                 \
    {                                                                          \
        const char *fam = #P;                                                  \
        diag("conc_%s", fam);                                                  \
        /* Constructors. */                                                    \
        EXPECT_NEW_EINVAL(conc_##P##_new(0, 0), "conc_" #P "_new(0)");         \
        EXPECT_NEW_EINVAL(conc_##P##_new((MAX) + 1, 0), "conc_" #P "_new(MAX+1)");\
        EXPECT_NEW_EINVAL(conc_##P##_new(SIZE_MAX, 0), "conc_" #P "_new(SIZE_MAX)");\
        EXPECT_NEW_EINVAL(conc_##P##_new(4, 0x80), "conc_" #P "_new(flags 0x80)");\
        EXPECT_NEW_EINVAL(conc_##P##_new(4, 0x100), "conc_" #P "_new(flags "  \
                          "0x100, once an internal bit)");                     \
        EXPECT_NEW_EINVAL(conc_##P##_new(4, ~CONC_FLAGS_ALL),                  \
                          "conc_" #P "_new(~CONC_FLAGS_ALL)");                 \
        EXPECT_NEW_EINVAL(conc_##P##_new(4, CONC_SHARED | 0x8),                \
                          "conc_" #P "_new(CONC_SHARED | unknown 0x8)");       \
        conc_##P##_free(NULL);                                                 \
        ok(1, "conc_" #P "_free(NULL) returns");                               \
        /* Footprints. */                                                      \
        ok(conc_##P##_footprint(0) == 0, "conc_" #P "_footprint(0) is 0");     \
        ok(conc_##P##_footprint((MAX) + 1) == 0,                               \
           "conc_" #P "_footprint(MAX+1) is 0");                               \
        ok(conc_##P##_footprint(SIZE_MAX) == 0,                                \
           "conc_" #P "_footprint(SIZE_MAX) is 0");                            \
        ok(conc_##P##_footprint(SIZE_MAX / 2) == 0,                            \
           "conc_" #P "_footprint(SIZE_MAX/2) is 0");                          \
        ok(conc_##P##_footprint(MAX) > 0, "conc_" #P "_footprint(MAX) = %zu",  \
           conc_##P##_footprint(MAX));                                         \
        ok(conc_##P##_footprint(4) > 0 &&                                      \
               conc_##P##_footprint(4) >= conc_##P##_footprint(1),             \
           "conc_" #P "_footprint(1) = %zu, (4) = %zu",                        \
           conc_##P##_footprint(1), conc_##P##_footprint(4));                  \
        /* init: every way to get it wrong, and the memory stays as it was. */ \
        size_t fp = conc_##P##_footprint(4);                                   \
        unsigned char *m = area(fp);                                           \
        EXPECT_ST(conc_##P##_init(NULL, fp, 4, 0), CONC_EINVAL,                   \
                  "conc_" #P "_init(NULL mem)");                               \
        EXPECT_ST(conc_##P##_init(m + 1, fp, 4, 0), CONC_EINVAL,                  \
                  "conc_" #P "_init(mem+1)");                                  \
        EXPECT_ST(conc_##P##_init(m + 8, fp, 4, 0), CONC_EINVAL,                  \
                  "conc_" #P "_init(mem+8)");                                  \
        EXPECT_ST(conc_##P##_init(m + CONC_ALIGN / 2, fp, 4, 0), CONC_EINVAL,     \
                  "conc_" #P "_init(mem+CONC_ALIGN/2)");                       \
        EXPECT_ST(conc_##P##_init(m, fp - 1, 4, 0), CONC_EINVAL,                  \
                  "conc_" #P "_init(size one byte short)");                    \
        EXPECT_ST(conc_##P##_init(m, 0, 4, 0), CONC_EINVAL,                       \
                  "conc_" #P "_init(size 0)");                                 \
        EXPECT_ST(conc_##P##_init(m, fp, 0, 0), CONC_EINVAL,                      \
                  "conc_" #P "_init(capacity 0)");                             \
        EXPECT_ST(conc_##P##_init(m, SIZE_MAX, (MAX) + 1, 0), CONC_EINVAL,        \
                  "conc_" #P "_init(capacity MAX+1)");                         \
        EXPECT_ST(conc_##P##_init(m, SIZE_MAX, SIZE_MAX, 0), CONC_EINVAL,         \
                  "conc_" #P "_init(capacity SIZE_MAX)");                      \
        EXPECT_ST(conc_##P##_init(m, fp, 5, 0), CONC_EINVAL,                      \
                  "conc_" #P "_init(size fits 4, capacity 5)");                \
        EXPECT_ST(conc_##P##_init(m, fp, 4, 0x80), CONC_EINVAL,                \
                  "conc_" #P "_init(unknown flag 0x80)");                      \
        {                                                                      \
            int bad_ = 0;                                                      \
            for (unsigned b_ = 0; b_ < 32; b_++)                               \
                if (!((1u << b_) & CONC_FLAGS_ALL) &&                          \
                    conc_##P##_init(m, fp, 4, CONC_SHARED | (1u << b_)) !=     \
                        CONC_EINVAL)                                           \
                    bad_++;                                                    \
            ok(bad_ == 0, "conc_" #P "_init(CONC_SHARED | each unknown bit) "  \
               "gives EINVAL (%d did not)", bad_);                             \
        }                                                                      \
        ok(conc_##P##_footprint(5) > fp,                                       \
           "conc_" #P "_footprint grows with capacity (4: %zu, 5: %zu)", fp,   \
           conc_##P##_footprint(5));                                           \
        ok(untouched(m, fp), "conc_" #P "_init failures left the memory as "   \
           "it was");                                                          \
        /* A good one, to try bad arguments against. */                        \
        EXPECT_ST(conc_##P##_init(m, fp, 4, 0), CONC_OK,                          \
                  "conc_" #P "_init(valid)");                                  \
        conc_##P *h = (conc_##P *)m;                                           \
        EXPECT_ST(conc_##P##_fini(NULL), CONC_EINVAL, "conc_" #P "_fini(NULL)");\
        /* push / pop. */                                                      \
        void *it = (void *)(uintptr_t)0x1234;                                  \
        EXPECT_ST(conc_##P##_push(NULL, it), CONC_EINVAL,                      \
                  "conc_" #P "_push(NULL)");                                   \
        EXPECT_ST(conc_##P##_push(NULL, NULL), CONC_EINVAL,                    \
                  "conc_" #P "_push(NULL, NULL item)");                        \
        EXPECT_ST(conc_##P##_pop(NULL, &it), CONC_EINVAL,                      \
                  "conc_" #P "_pop(NULL, &item)");                             \
        ok(it == (void *)(uintptr_t)0x1234,                                    \
           "conc_" #P "_pop(NULL) left *item alone");                          \
        EXPECT_ST(conc_##P##_pop(NULL, NULL), CONC_EINVAL,                     \
                  "conc_" #P "_pop(NULL, NULL)");                              \
        EXPECT_ST(conc_##P##_pop(h, NULL), CONC_EINVAL,                        \
                  "conc_" #P "_pop(empty, NULL item)");                        \
        EXPECT_ST(conc_##P##_push(h, it), CONC_OK, "conc_" #P "_push(valid)"); \
        EXPECT_ST(conc_##P##_pop(h, NULL), CONC_EINVAL,                        \
                  "conc_" #P "_pop(non-empty, NULL item)");                    \
        ok(conc_##P##_len(h) == 1, "conc_" #P "_pop(h, NULL) took nothing "    \
           "(len %zu)", conc_##P##_len(h));                                    \
        /* Batches. */                                                         \
        void *items[3] = {NULL, NULL, NULL}, *out[3];                          \
        size_t n = 99;                                                         \
        EXPECT_ST(conc_##P##_push_many(NULL, items, 3, &n), CONC_EINVAL,       \
                  "conc_" #P "_push_many(NULL)");                              \
        ok(n == 99, "conc_" #P "_push_many(NULL) left *pushed alone");         \
        EXPECT_ST(conc_##P##_push_many(NULL, NULL, 0, NULL), CONC_EINVAL,      \
                  "conc_" #P "_push_many(NULL, n=0)");                         \
        EXPECT_ST(conc_##P##_push_many(h, NULL, 2, &n), CONC_EINVAL,           \
                  "conc_" #P "_push_many(NULL items, n=2)");                   \
        ok(n == 99, "conc_" #P "_push_many(NULL items) left *pushed alone");   \
        ok(conc_##P##_len(h) == 1, "conc_" #P "_push_many(NULL items) pushed " \
           "nothing (len %zu)", conc_##P##_len(h));                            \
        n = 99;                                                                \
        EXPECT_ST(conc_##P##_push_many(h, NULL, 0, &n), CONC_OK,               \
                  "conc_" #P "_push_many(NULL items, n=0)");                   \
        ok(n == 0, "conc_" #P "_push_many(n=0) *pushed = %zu", n);             \
        n = 99;                                                                \
        out[0] = it;                                                           \
        EXPECT_ST(conc_##P##_pop_many(NULL, out, 3, &n), CONC_EINVAL,          \
                  "conc_" #P "_pop_many(NULL)");                               \
        ok(n == 99 && out[0] == it, "conc_" #P "_pop_many(NULL) wrote "        \
           "nothing");                                                         \
        EXPECT_ST(conc_##P##_pop_many(NULL, NULL, 0, NULL), CONC_EINVAL,       \
                  "conc_" #P "_pop_many(NULL, max=0)");                        \
        EXPECT_ST(conc_##P##_pop_many(h, NULL, 2, &n), CONC_EINVAL,            \
                  "conc_" #P "_pop_many(NULL out, max=2)");                    \
        ok(n == 99, "conc_" #P "_pop_many(NULL out) left *popped alone");      \
        ok(conc_##P##_len(h) == 1, "conc_" #P "_pop_many(NULL out) popped "    \
           "nothing (len %zu)", conc_##P##_len(h));                            \
        n = 99;                                                                \
        EXPECT_ST(conc_##P##_pop_many(h, NULL, 0, &n), CONC_OK,                \
                  "conc_" #P "_pop_many(NULL out, max=0)");                    \
        ok(n == 0, "conc_" #P "_pop_many(max=0) *popped = %zu", n);            \
        /* len / capacity. */                                                  \
        ok(conc_##P##_len(NULL) == 0, "conc_" #P "_len(NULL) is 0");           \
        ok(conc_##P##_capacity(NULL) == 0, "conc_" #P "_capacity(NULL) is 0"); \
        ok(conc_##P##_capacity(h) == 4, "conc_" #P "_capacity = %zu",          \
           conc_##P##_capacity(h));                                            \
        /* The item is still there, and comes out intact. */                   \
        it = NULL;                                                             \
        EXPECT_ST(conc_##P##_pop(h, &it), CONC_OK,                             \
                  "conc_" #P "_pop after the bad calls");                      \
        ok(it == (void *)(uintptr_t)0x1234, "... and gives the item back "     \
           "(%p)", it);                                                        \
        EXPECT_ST(conc_##P##_fini(h), CONC_OK, "conc_" #P "_fini(valid)");     \
        /* CONC_SHARED is accepted, alone and with every other flag, and     \
         * has no fd. */                                                       \
        EXPECT_ST(conc_##P##_init(m, fp, 4, CONC_FLAGS_ALL), CONC_OK,          \
                  "conc_" #P "_init(CONC_FLAGS_ALL)");                         \
        EXPECT_ST(conc_##P##_fini(h), CONC_OK, "conc_" #P "_fini");            \
        EXPECT_ST(conc_##P##_init(m, fp, 4, CONC_SHARED), CONC_OK,             \
                  "conc_" #P "_init(CONC_SHARED)");                            \
        {                                                                      \
            int sfd_ = -7;                                                     \
            EXPECT_ST(conc_##P##_fd(h, &sfd_), CONC_EINVAL,                    \
                      "conc_" #P "_fd(CONC_SHARED)");                          \
            ok(sfd_ == -7, "conc_" #P "_fd(CONC_SHARED) left *fd alone");      \
        }                                                                      \
        EXPECT_ST(conc_##P##_fini(h), CONC_OK, "conc_" #P "_fini");            \
        free(m);                                                               \
        /* A heap one freed with an item inside: the item is not touched. */   \
        conc_##P *hp = conc_##P##_new(1, 0);                                      \
        ok(hp != NULL, "conc_" #P "_new(1)");                                  \
        if (hp) {                                                              \
            EXPECT_ST(conc_##P##_push(hp, (void *)(uintptr_t)0xBAD),           \
                      CONC_OK, "conc_" #P "_push an unreadable pointer");      \
            conc_##P##_free(hp);                                               \
        }                                                                      \
        (void)fam;                                                             \
    }

CONTAINER_ARGS(ring, CONC_RING_MAX_CAPACITY)
CONTAINER_ARGS(mutexq, CONC_MUTEXQ_MAX_CAPACITY)
CONTAINER_ARGS(stack, CONC_STACK_MAX_CAPACITY)
CONTAINER_ARGS(mutexstack, CONC_MUTEXSTACK_MAX_CAPACITY)

/* The counters without shards: conc_counter and conc_mutexcounter. */
#define PLAIN_COUNTER_ARGS(P)                                                  \
    static void args_##P(void)                                                 \
    {                                                                          \
        diag("conc_" #P);                                                      \
        conc_##P##_free(NULL);                                                 \
        ok(1, "conc_" #P "_free(NULL) returns");                               \
        size_t fp = conc_##P##_footprint();                                    \
        ok(fp > 0, "conc_" #P "_footprint() = %zu", fp);                       \
        unsigned char *m = area(fp);                                           \
        EXPECT_ST(conc_##P##_init(NULL, fp), CONC_EINVAL,                      \
                  "conc_" #P "_init(NULL)");                                   \
        EXPECT_ST(conc_##P##_init(m + 1, fp), CONC_EINVAL,                     \
                  "conc_" #P "_init(mem+1)");                                  \
        EXPECT_ST(conc_##P##_init(m + 8, fp), CONC_EINVAL,                     \
                  "conc_" #P "_init(mem+8)");                                  \
        EXPECT_ST(conc_##P##_init(m, fp - 1), CONC_EINVAL,                  \
                  "conc_" #P "_init(size one byte short)");                    \
        EXPECT_ST(conc_##P##_init(m, 0), CONC_EINVAL,                          \
                  "conc_" #P "_init(size 0)");                                 \
        ok(untouched(m, fp), "conc_" #P "_init failures left the memory as "   \
           "it was");                                                          \
        EXPECT_ST(conc_##P##_fini(NULL), CONC_EINVAL, "conc_" #P "_fini(NULL)");\
        int64_t v = 77, prev = 77;                                             \
        EXPECT_ST(conc_##P##_add(NULL, 1, &prev), CONC_EINVAL,                 \
                  "conc_" #P "_add(NULL)");                                    \
        ok(prev == 77, "conc_" #P "_add(NULL) left *prev alone");              \
        EXPECT_ST(conc_##P##_add(NULL, 1, NULL), CONC_EINVAL,                  \
                  "conc_" #P "_add(NULL, NULL prev)");                         \
        EXPECT_ST(conc_##P##_read(NULL, &v), CONC_EINVAL,                      \
                  "conc_" #P "_read(NULL)");                                   \
        ok(v == 77, "conc_" #P "_read(NULL) left *out alone");                 \
        EXPECT_ST(conc_##P##_read(NULL, NULL), CONC_EINVAL,                    \
                  "conc_" #P "_read(NULL, NULL)");                             \
        EXPECT_ST(conc_##P##_init(m, fp), CONC_OK, "conc_" #P "_init(valid)"); \
        conc_##P *c = (conc_##P *)m;                                           \
        EXPECT_ST(conc_##P##_read(c, NULL), CONC_EINVAL,                       \
                  "conc_" #P "_read(valid, NULL out)");                        \
        EXPECT_ST(conc_##P##_add(c, 5, NULL), CONC_OK,                         \
                  "conc_" #P "_add(valid, NULL prev)");                        \
        EXPECT_ST(conc_##P##_read(c, &v), CONC_OK, "conc_" #P "_read(valid)"); \
        ok(v == 5, "conc_" #P " reads %lld", (long long)v);                    \
        EXPECT_ST(conc_##P##_fini(c), CONC_OK, "conc_" #P "_fini(valid)");     \
        free(m);                                                               \
        conc_##P *hp = conc_##P##_new();                                       \
        ok(hp != NULL, "conc_" #P "_new()");                                   \
        conc_##P##_free(hp);                                                   \
    }

PLAIN_COUNTER_ARGS(counter)
PLAIN_COUNTER_ARGS(mutexcounter)

static void args_sharded(void)
{
    const size_t MAX = CONC_SHARDED_MAX_SHARDS;
    diag("conc_sharded");
    EXPECT_NEW_EINVAL(conc_sharded_new(0), "conc_sharded_new(0)");
    EXPECT_NEW_EINVAL(conc_sharded_new(MAX + 1), "conc_sharded_new(MAX+1)");
    EXPECT_NEW_EINVAL(conc_sharded_new(SIZE_MAX), "conc_sharded_new(SIZE_MAX)");
    conc_sharded_free(NULL);
    ok(1, "conc_sharded_free(NULL) returns");
    ok(conc_sharded_footprint(0) == 0, "conc_sharded_footprint(0) is 0");
    ok(conc_sharded_footprint(MAX + 1) == 0,
       "conc_sharded_footprint(MAX+1) is 0");
    ok(conc_sharded_footprint(SIZE_MAX) == 0,
       "conc_sharded_footprint(SIZE_MAX) is 0");
    ok(conc_sharded_footprint(MAX) > 0, "conc_sharded_footprint(MAX) = %zu",
       conc_sharded_footprint(MAX));
    size_t fp = conc_sharded_footprint(4);
    unsigned char *m = area(fp);
    EXPECT_ST(conc_sharded_init(NULL, fp, 4), CONC_EINVAL,
              "conc_sharded_init(NULL)");
    EXPECT_ST(conc_sharded_init(m + 1, fp, 4), CONC_EINVAL,
              "conc_sharded_init(mem+1)");
    EXPECT_ST(conc_sharded_init(m + 8, fp, 4), CONC_EINVAL,
              "conc_sharded_init(mem+8)");
    EXPECT_ST(conc_sharded_init(m, fp - 1, 4), CONC_EINVAL,
              "conc_sharded_init(size one byte short)");
    EXPECT_ST(conc_sharded_init(m, fp, 0), CONC_EINVAL,
              "conc_sharded_init(0 shards)");
    EXPECT_ST(conc_sharded_init(m, fp, 5), CONC_EINVAL,
              "conc_sharded_init(size fits 4 shards, 5 shards)");
    EXPECT_ST(conc_sharded_init(m, SIZE_MAX, MAX + 1), CONC_EINVAL,
              "conc_sharded_init(MAX+1 shards)");
    EXPECT_ST(conc_sharded_init(m, SIZE_MAX, SIZE_MAX), CONC_EINVAL,
              "conc_sharded_init(SIZE_MAX shards)");
    ok(untouched(m, fp), "conc_sharded_init failures left the memory as it "
       "was");
    EXPECT_ST(conc_sharded_fini(NULL), CONC_EINVAL, "conc_sharded_fini(NULL)");
    int64_t v = 77;
    EXPECT_ST(conc_sharded_add(NULL, 1), CONC_EINVAL, "conc_sharded_add(NULL)");
    EXPECT_ST(conc_sharded_read(NULL, &v), CONC_EINVAL,
              "conc_sharded_read(NULL)");
    ok(v == 77, "conc_sharded_read(NULL) left *out alone");
    EXPECT_ST(conc_sharded_read(NULL, NULL), CONC_EINVAL,
              "conc_sharded_read(NULL, NULL)");
    ok(conc_sharded_shards(NULL) == 0, "conc_sharded_shards(NULL) is 0");
    EXPECT_ST(conc_sharded_init(m, fp, 4), CONC_OK, "conc_sharded_init(valid)");
    conc_sharded *s = (conc_sharded *)m;
    ok(conc_sharded_shards(s) == 4, "conc_sharded_shards = %zu",
       conc_sharded_shards(s));
    EXPECT_ST(conc_sharded_read(s, NULL), CONC_EINVAL,
              "conc_sharded_read(valid, NULL)");
    EXPECT_ST(conc_sharded_add(s, -9), CONC_OK, "conc_sharded_add(valid)");
    EXPECT_ST(conc_sharded_read(s, &v), CONC_OK, "conc_sharded_read(valid)");
    ok(v == -9, "conc_sharded reads %lld", (long long)v);
    EXPECT_ST(conc_sharded_fini(s), CONC_OK, "conc_sharded_fini(valid)");
    free(m);
    conc_sharded *hp = conc_sharded_new(MAX);
    ok(hp != NULL && conc_sharded_shards(hp) == MAX,
       "conc_sharded_new(MAX) works");
    conc_sharded_free(hp);
}

static void args_conc(void)
{
    static const int known[] = {CONC_OK,       CONC_EMPTY,  CONC_FULL,
                                CONC_CLOSED,   CONC_TIMEDOUT, CONC_EINVAL,
                                CONC_ENOMEM,   CONC_EFORMAT, CONC_ESYS};
    static const char *names[] = {"CONC_OK",       "CONC_EMPTY", "CONC_FULL",
                                  "CONC_CLOSED",   "CONC_TIMEDOUT",
                                  "CONC_EINVAL",   "CONC_ENOMEM",
                                  "CONC_EFORMAT",  "CONC_ESYS"};
    static const int unknown[] = {-1, 9, 10, 100, INT_MAX, INT_MIN};
    const size_t nk = sizeof known / sizeof known[0];
    const size_t nu = sizeof unknown / sizeof unknown[0];
    diag("conc.h");
    ok(CONC_OK == 0, "CONC_OK is 0");
    for (size_t i = 0; i < nk; i++) {
        const char *s = conc_strerror(known[i]);
        ok(s != NULL && *s && strstr(s, names[i]) != NULL,
           "conc_strerror(%s) = \"%s\"", names[i], s ? s : "(null)");
        if (i > 0)
            ok(known[i] > 0, "%s is positive", names[i]);
        for (size_t j = 0; j < i; j++)
            if (s && conc_strerror(known[j]) && strcmp(s, conc_strerror(known[j])) == 0)
                ok(0, "conc_strerror(%s) and (%s) are the same", names[i],
                   names[j]);
    }
    for (size_t i = 0; i < nu; i++) {
        const char *s = conc_strerror(unknown[i]);
        int distinct = s != NULL;
        for (size_t j = 0; s && j < nk; j++)
            distinct &= strcmp(s, conc_strerror(known[j])) != 0;
        ok(s != NULL && strcmp(s, "unknown conc status") == 0 && distinct,
           "conc_strerror(%d) = \"%s\", distinct from every known status",
           unknown[i], s ? s : "(null)");
    }
    /* Construction flags: distinct single bits, all of them in the set. */
    ok(CONC_JOINABLE == 0x1u && CONC_NOWAIT == 0x2u && CONC_SHARED == 0x4u &&
           CONC_FLAGS_ALL == (CONC_JOINABLE | CONC_NOWAIT | CONC_SHARED),
       "CONC_JOINABLE, CONC_NOWAIT, CONC_SHARED are bits 0, 1, 2; "
       "CONC_FLAGS_ALL is their union (%#x)", CONC_FLAGS_ALL);
    const char *v = conc_version();
    ok(v != NULL && strcmp(v, CONC_VERSION_STRING) == 0,
       "conc_version() = \"%s\", CONC_VERSION_STRING \"%s\"", v ? v : "(null)",
       CONC_VERSION_STRING);
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", CONC_VERSION_MAJOR,
             CONC_VERSION_MINOR, CONC_VERSION_PATCH);
    ok(strcmp(want, CONC_VERSION_STRING) == 0,
       "CONC_VERSION_STRING \"%s\" matches MAJOR.MINOR.PATCH \"%s\"",
       CONC_VERSION_STRING, want);
    ok(CONC_ALIGN >= 8 && (CONC_ALIGN & (CONC_ALIGN - 1)) == 0,
       "CONC_ALIGN (%d) is a power of two", CONC_ALIGN);
}

/* The unbounded queue: no capacity, so its own battery. */
static void args_lfqueue(void)
{
    diag("conc_lfqueue");
    EXPECT_NEW_EINVAL(conc_lfqueue_new(0x80), "conc_lfqueue_new(flags 0x80)");
    /* Not for shared memory: CONC_SHARED is refused, alone or with others. */
    EXPECT_NEW_EINVAL(conc_lfqueue_new(CONC_SHARED), "conc_lfqueue_new(CONC_SHARED)");
    EXPECT_NEW_EINVAL(conc_lfqueue_new(CONC_FLAGS_ALL),
                      "conc_lfqueue_new(CONC_FLAGS_ALL, with CONC_SHARED)");
    conc_lfqueue_free(NULL);
    ok(1, "conc_lfqueue_free(NULL) returns");
    size_t fp = conc_lfqueue_footprint();
    ok(fp > 0, "conc_lfqueue_footprint() = %zu", fp);
    unsigned char *m = area(fp);
    EXPECT_ST(conc_lfqueue_init(NULL, fp, 0), CONC_EINVAL, "conc_lfqueue_init(NULL)");
    EXPECT_ST(conc_lfqueue_init(m + 8, fp, 0), CONC_EINVAL, "conc_lfqueue_init(mem+8)");
    EXPECT_ST(conc_lfqueue_init(m, fp - 1, 0), CONC_EINVAL,
              "conc_lfqueue_init(size one byte short)");
    EXPECT_ST(conc_lfqueue_init(m, fp, 0x80), CONC_EINVAL,
              "conc_lfqueue_init(flags 0x80)");
    EXPECT_ST(conc_lfqueue_init(m, fp, CONC_SHARED), CONC_EINVAL,
              "conc_lfqueue_init(CONC_SHARED)");
    EXPECT_ST(conc_lfqueue_init(m, fp, CONC_SHARED | CONC_JOINABLE), CONC_EINVAL,
              "conc_lfqueue_init(CONC_SHARED | CONC_JOINABLE)");
    ok(untouched(m, fp), "conc_lfqueue_init failures left the memory as it was");
    EXPECT_ST(conc_lfqueue_init(m, fp, 0), CONC_OK, "conc_lfqueue_init(valid)");
    conc_lfqueue *h = (conc_lfqueue *)m;
    void *it = (void *)(uintptr_t)0x1234;
    EXPECT_ST(conc_lfqueue_push(NULL, it), CONC_EINVAL, "conc_lfqueue_push(NULL)");
    EXPECT_ST(conc_lfqueue_pop(NULL, &it), CONC_EINVAL, "conc_lfqueue_pop(NULL)");
    EXPECT_ST(conc_lfqueue_pop(h, NULL), CONC_EINVAL, "conc_lfqueue_pop(h, NULL)");
    EXPECT_ST(conc_lfqueue_push(h, it), CONC_OK, "conc_lfqueue_push(valid)");
    size_t n = 99;
    EXPECT_ST(conc_lfqueue_push_many(h, NULL, 2, &n), CONC_EINVAL,
              "conc_lfqueue_push_many(NULL items, n=2)");
    EXPECT_ST(conc_lfqueue_pop_many(h, NULL, 2, &n), CONC_EINVAL,
              "conc_lfqueue_pop_many(NULL out, max=2)");
    ok(n == 99, "conc_lfqueue batches left *n alone");
    ok(conc_lfqueue_len(NULL) == 0 && conc_lfqueue_capacity(NULL) == 0 &&
           conc_lfqueue_memory(NULL) == 0,
       "conc_lfqueue_len/capacity/memory(NULL) are 0");
    ok(conc_lfqueue_capacity(h) == SIZE_MAX, "conc_lfqueue_capacity is SIZE_MAX");
    ok(conc_lfqueue_memory(h) > 0, "conc_lfqueue_memory = %zu",
       conc_lfqueue_memory(h));
    WAIT_ARGS(lfqueue, h);
    it = NULL;
    EXPECT_ST(conc_lfqueue_pop(h, &it), CONC_OK, "conc_lfqueue_pop after the bad calls");
    ok(it == (void *)(uintptr_t)0x1234, "... gives the item back");
    EXPECT_ST(conc_lfqueue_fini(NULL), CONC_EINVAL, "conc_lfqueue_fini(NULL)");
    EXPECT_ST(conc_lfqueue_fini(h), CONC_OK, "conc_lfqueue_fini(valid)");
    EXPECT_ST(conc_lfqueue_init(m, fp, CONC_JOINABLE | CONC_NOWAIT), CONC_OK,
              "conc_lfqueue_init(CONC_JOINABLE | CONC_NOWAIT)");
    EXPECT_ST(conc_lfqueue_fini(h), CONC_OK, "conc_lfqueue_fini");
    free(m);
}

/* conc_shmring: NULL handles and out-pointers (conc/shm.h). */
static void args_shmring(void)
{
    diag("conc_shmring");
    conc_status st = CONC_OK;
    conc_shmring *r = conc_shmring_create(NULL, 2, 8, 0, &st);
    ok(r != NULL, "conc_shmring_create(valid): %s", sname(st));
    if (!r)
        return;
    unsigned char m[8] = {1}, o[8];
    size_t n = 99;
    EXPECT_ST(conc_shmring_push(NULL, m), CONC_EINVAL, "conc_shmring_push(NULL)");
    EXPECT_ST(conc_shmring_push(r, NULL), CONC_EINVAL, "conc_shmring_push(r, NULL)");
    EXPECT_ST(conc_shmring_pop(NULL, o), CONC_EINVAL, "conc_shmring_pop(NULL)");
    EXPECT_ST(conc_shmring_pop(r, NULL), CONC_EINVAL, "conc_shmring_pop(r, NULL)");
    EXPECT_ST(conc_shmring_push_wait(NULL, m, 0), CONC_EINVAL, "conc_shmring_push_wait(NULL)");
    EXPECT_ST(conc_shmring_pop_wait(r, NULL, 0), CONC_EINVAL, "conc_shmring_pop_wait(r, NULL)");
    EXPECT_ST(conc_shmring_close(NULL), CONC_EINVAL, "conc_shmring_close(NULL)");
    EXPECT_ST(conc_shmring_close_now(NULL, NULL, NULL, &n), CONC_EINVAL,
              "conc_shmring_close_now(NULL)");
    EXPECT_ST(conc_shmring_task_done(NULL), CONC_EINVAL, "conc_shmring_task_done(NULL)");
    EXPECT_ST(conc_shmring_join(NULL, 0), CONC_EINVAL, "conc_shmring_join(NULL)");
    EXPECT_ST(conc_shmring_recover(NULL, &n), CONC_EINVAL, "conc_shmring_recover(NULL)");
    ok(n == 99, "failed calls left *n alone");
    ok(conc_shmring_len(NULL) == 0 && conc_shmring_capacity(NULL) == 0 &&
           conc_shmring_msg_size(NULL) == 0 && conc_shmring_closed(NULL) == 0 &&
           conc_shmring_memfd(NULL) == -1,
       "conc_shmring_len/capacity/msg_size/closed(NULL) are 0, memfd(NULL) -1");
    EXPECT_ST(conc_shmring_recover(r, NULL), CONC_OK, "conc_shmring_recover(r, NULL)");
    EXPECT_ST(conc_shmring_push(r, m), CONC_OK, "conc_shmring_push after the bad calls");
    conc_shmring_detach(r);
    conc_shmring_detach(NULL);
    ok(1, "conc_shmring_detach(NULL) returns");
}

int main(void)
{
    tap_watchdog(60, "test_args");
    args_conc();
    args_ring();
    args_mutexq();
    args_stack();
    args_mutexstack();
    args_lfqueue();
    args_counter();
    args_sharded();
    args_mutexcounter();
    args_shmring();
    done_testing();
    return tap_exit();
}
