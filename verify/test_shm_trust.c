/*
 * test_shm_trust.c - conc_shmring does not trust its peer (conc/shm.h,
 * issue 8 defects 6, 9, 10 and 11).
 *
 * Each test writes into the shared block what a hostile or crashed peer
 * could write, then runs the operation that used to go wrong in a forked
 * child (under alarm()), so that a crash or a hang is reported as a failed
 * test point instead of ending the run:
 *
 *   - attach refuses a corrupt `order`, and every single-bit flip of the
 *     waiting state's flags (and of the ring's and the header's copy);
 *   - a handle attached before a peer flips those flags keeps the flags it
 *     checked: pop_wait still waits (NOWAIT flipped on), a push in one
 *     process still wakes a pop_wait in another (CONC_SHARED flipped
 *     off), and no operation reads or writes the descriptor number the
 *     mapping names;
 *   - a forged slot index (> capacity) in the allocated ring (aq) and in the
 *     free ring (fq): pop and push answer CONC_EFORMAT, never copy outside
 *     the message area (the block ends at a PROT_NONE guard page);
 *   - corrupted positions and thresholds that used to make close_now's
 *     drain, pop and push spin ~2^36 times: each returns within the alarm;
 *   - conc_shmring_recover: children killed inside push and pop (at every
 *     schedule point in the verify build, at random moments otherwise)
 *     shrink the ring; recover gives back exactly the lost slots and push
 *     then counts exactly `capacity` before FULL; on random garbage recover
 *     never crashes, is idempotent, and leaves a ring whose pushes and pops
 *     stay in bounds.
 *
 * The byte offsets below are the layout of CONC_SHM_VERSION's block; they
 * are checked against a freshly formatted ring first (bail out if they
 * drift).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <conc/conc.h>

#include "tap.h"
#include "shmblock.h"
#include "testutil.h"

#ifdef CONC_VERIFY
#include "internal/verify.h"
#endif

#define MS 1000000ull

/* ---- the layout (src/shm.c, src/ring.c, src/internal/waitset.h) ---------- */

#define LINE 128                 /* CONC_PAD_LINE */
#define RING 128                 /* the shm header's size */
#define G_CAP (RING + 0)         /* ring geometry: capacity (u64) */
#define G_MSG (RING + 8)         /* msg_size (u64) */
#define G_ORDER (RING + 16)      /* order (u32) */
#define G_FLAGS (RING + 20)      /* the ring's copy of the flags (u32) */
#define WS (RING + LINE)         /* the waitset */
#define WS_FLAGS (WS + 0)
#define WS_POP_WATCH (WS + 4)
#define WS_FD_PENDING (WS + 28)
#define WS_FD_STATE (WS + 32)
#define WS_EFD (WS + 36)
#define AQ (WS + 2 * LINE)
#define FQ (AQ + 3 * LINE)
#define Q_HEAD 0
#define Q_TAIL LINE
#define Q_THRESHOLD (2 * LINE)
#define WORDS (FQ + 3 * LINE)    /* aq entries [R], fq entries [R], ... */
#define H_READY 40               /* the header's ready word (u32) */
#define H_FLAGS 44               /* the header's copy of the flags (u32) */
#define WS_SHARED 0x4u           /* CONC_SHARED */
#define CLOSED_BIT ((uint64_t)1 << 63)

typedef struct {
    unsigned char *mem; /* the block: ends where the guard page begins */
    size_t size;        /* conc_shmring_footprint */
    void *map;
    size_t map_len;
    size_t cap, msg;
    unsigned order;
    uint64_t R;
} block;

static uint64_t *u64_at(const block *b, size_t off) { return (uint64_t *)(void *)(b->mem + off); }
static uint32_t *u32_at(const block *b, size_t off) { return (uint32_t *)(void *)(b->mem + off); }
static uint64_t *aq_ent(const block *b) { return u64_at(b, WORDS); }
static uint64_t *fq_ent(const block *b) { return u64_at(b, WORDS) + b->R; }

/* A formatted ring placed so that it ends (to within the 64-byte alignment)
 * at a PROT_NONE page, with another PROT_NONE page before it: any access
 * outside the block faults, in every build. */
static block make_block(size_t cap, size_t msg, unsigned flags)
{
    block b = {0};
    b.size = conc_shmring_footprint(cap, msg);
    if (!b.size)
        bail_out("footprint(%zu, %zu)", cap, msg);
    b.mem = shmblock_map(b.size, &b.map, &b.map_len);
    if (!b.mem)
        bail_out("mmap");
    b.cap = cap;
    b.msg = msg;
    b.order = shmblock_order(cap);
    b.R = (uint64_t)2 << b.order;
    if (conc_shmring_format(b.mem, b.size, cap, msg, flags) != CONC_OK)
        bail_out("format");
    return b;
}

static void free_block(block *b)
{
    munmap(b->map, b->map_len);
}

/* The offsets above describe this build's block. */
static void check_layout(void)
{
    block b = make_block(8, 16, CONC_JOINABLE);
    int good = *u64_at(&b, G_CAP) == 8 && *u64_at(&b, G_MSG) == 16 &&
               *u32_at(&b, G_ORDER) == 3 && *u32_at(&b, H_READY) == 0x52454459u &&
               *u32_at(&b, WS_FLAGS) == (WS_SHARED | CONC_JOINABLE) &&
               *u64_at(&b, AQ + Q_HEAD) == 16 && *u64_at(&b, AQ + Q_TAIL) == 16 &&
               *u64_at(&b, FQ + Q_HEAD) == 16 && *u64_at(&b, FQ + Q_TAIL) == 24;
    free_block(&b);
    if (!good)
        bail_out("the block's layout is not what test_shm_trust.c assumes");
}

/* ---- running what may crash or hang in a child --------------------------- */

typedef int (*child_fn)(block *b, conc_shmring *r, void *arg);

/* Run fn in a child under alarm(secs): its exit status, or 128 + signal. */
static int in_child(block *b, conc_shmring *r, child_fn fn, void *arg, unsigned secs)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL); /* not the parent's watchdog */
        alarm(secs);
        _exit(fn(b, r, arg));
    }
    int ws = 0;
    if (waitpid(pid, &ws, 0) != pid)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static const char *fate(int cs)
{
    static char buf[64];
    if (cs == 128 + SIGALRM)
        return "hung (killed by the alarm)";
    if (cs == 128 + SIGSEGV)
        return "crashed (SIGSEGV)";
    if (cs == 128 + SIGABRT)
        return "aborted";
    if (cs >= 128)
        snprintf(buf, sizeof buf, "killed by signal %d", cs - 128);
    else
        snprintf(buf, sizeof buf, "exit %d (%s)", cs, sname(cs));
    return buf;
}

/* The status of one operation, as the child's exit code (sanitizer reports
 * exit with 67/68 under the Makefile's options, 1 by default). */
static int child_push(block *b, conc_shmring *r, void *arg)
{
    (void)arg;
    unsigned char m[64] = {7};
    (void)b;
    return (int)conc_shmring_push(r, m);
}

static int child_pop(block *b, conc_shmring *r, void *arg)
{
    (void)arg;
    (void)b;
    unsigned char m[64];
    return (int)conc_shmring_pop(r, m);
}

static int child_close_now(block *b, conc_shmring *r, void *arg)
{
    (void)arg;
    (void)b;
    size_t n = 0;
    return (int)conc_shmring_close_now(r, NULL, NULL, &n);
}

/* ---- defect 6 and 9: attach checks every geometry word and flag ------------ */

static void t_order(void)
{
    block b = make_block(8, 16, 0);
    const uint32_t orders[] = {0, 1, 2, 4, 5, 20, 31, 40, 61, 62, 63, 64, 200, 0xFFFFFFFFu};
    int all = 1;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        *u32_at(&b, G_ORDER) = orders[i];
        conc_status st = CONC_OK;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 16, &st);
        int good = check(r == NULL && st == CONC_EFORMAT,
                         "order %u: attach says %s", orders[i], sname(st));
        if (r) {
            int cs = in_child(&b, r, child_push, NULL, 5);
            check(0, "order %u attached; the next push: %s", orders[i], fate(cs));
            conc_shmring_detach(r);
        }
        all &= good;
    }
    *u32_at(&b, G_ORDER) = 3;
    conc_status st;
    conc_shmring *r = conc_shmring_attach(b.mem, b.size, 16, &st);
    check(r != NULL, "the right order attaches again: %s", sname(st));
    conc_shmring_detach(r);
    /* The ring's own geometry words, against the header. */
    *u64_at(&b, G_CAP) = 7;
    check(conc_shmring_attach(b.mem, b.size, 16, &st) == NULL && st == CONC_EFORMAT,
          "ring capacity 7 under a header of 8: %s", sname(st));
    *u64_at(&b, G_CAP) = 8;
    *u64_at(&b, G_MSG) = 8;
    check(conc_shmring_attach(b.mem, b.size, 0, &st) == NULL && st == CONC_EFORMAT,
          "ring msg_size 8 under a header of 16: %s", sname(st));
    *u64_at(&b, G_MSG) = 16;
    free_block(&b);
    (void)all;
    check_group("attach refuses every corrupt `order` (and ring geometry that "
                "disagrees with the header)");
}

static void t_flag_bits(void)
{
    const size_t words[] = {WS_FLAGS, G_FLAGS, H_FLAGS};
    const char *names[] = {"waitset flags", "ring flags", "header flags"};
    for (unsigned joinable = 0; joinable < 2; joinable++) {
        block b = make_block(4, 8, joinable ? CONC_JOINABLE : 0);
        for (size_t w = 0; w < 3; w++) {
            for (unsigned bit = 0; bit < 32; bit++) {
                *u32_at(&b, words[w]) ^= 1u << bit;
                conc_status st = CONC_OK;
                conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
                check(r == NULL && st == CONC_EFORMAT,
                      "%s%s: bit %u (0x%x) flipped: attach says %s", names[w],
                      joinable ? " (joinable)" : "", bit, 1u << bit, sname(st));
                conc_shmring_detach(r);
                *u32_at(&b, words[w]) ^= 1u << bit;
            }
        }
        conc_status st;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
        check(r != NULL, "restored flags attach: %s", sname(st));
        conc_shmring_detach(r);
        free_block(&b);
    }
    check_group("attach refuses every single-bit flip of the flags (CONC_SHARED, "
                "CONC_NOWAIT, CONC_JOINABLE, unknown bits)");
}

/* ---- defect 9: flags flipped after attach are not re-read --------------- */

static int child_pop_wait(block *b, conc_shmring *r, void *arg)
{
    (void)b;
    uint64_t ns = *(uint64_t *)arg;
    unsigned char m[8];
    return (int)conc_shmring_pop_wait(r, m, ns);
}

static void t_flags_after_attach(void)
{
    block b = make_block(4, 8, 0);
    conc_status st;
    conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
    if (!r)
        bail_out("attach: %s", sname(st));
    /* NOWAIT flipped on by a peer: pop_wait still waits and times out. */
    *u32_at(&b, WS_FLAGS) |= CONC_NOWAIT;
    uint64_t ns = 20 * MS;
    int cs = in_child(&b, r, child_pop_wait, &ns, 5);
    check(cs == CONC_TIMEDOUT, "NOWAIT set after attach: pop_wait(20 ms) gives %s",
          fate(cs));
    *u32_at(&b, WS_FLAGS) &= ~(uint32_t)CONC_NOWAIT;

    /* CONC_SHARED cleared by a peer: a child asleep in pop_wait (its handle
     * made before the flip) is still woken by our push. */
    *u32_at(&b, WS_FLAGS) &= ~WS_SHARED;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(10);
        unsigned char m[8];
        uint64_t t0 = now_ns();
        conc_status s = conc_shmring_pop_wait(r, m, 3000 * MS);
        long ms = (long)((now_ns() - t0) / 1000000);
        /* Woken by the push (well before the 3 s timeout). */
        _exit(s == CONC_OK && m[0] == 42 && ms < 2500 ? 0 : s == CONC_OK ? 90 : (int)s);
    }
    sleep_ms(200); /* let the child fall asleep */
    unsigned char m[8] = {42};
    conc_shmring_push(r, m);
    int ws = 0;
    waitpid(pid, &ws, 0);
    cs = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    check(cs == 0, "CONC_SHARED cleared after attach: a pop_wait in another "
          "process is woken by a push (child: %s)", cs == 90 ? "woken only by its timeout" : fate(cs));

    /* ...and no operation acts on the descriptor the mapping names: a pipe
     * with one byte in it, named as the armed eventfd; pop on empty would
     * read it (rearm), push would write it (wake). */
    int p[2];
    if (pipe(p) != 0)
        bail_out("pipe");
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    char one = 'x';
    if (write(p[1], &one, 1) != 1)
        bail_out("write");
    *u32_at(&b, WS_EFD) = (uint32_t)p[0];
    *u32_at(&b, WS_FD_STATE) = 2;
    *u32_at(&b, WS_POP_WATCH) |= 1;
    unsigned char o[8];
    st = conc_shmring_pop(r, o);
    check(st == CONC_EMPTY, "pop on empty: %s", sname(st));
    char c;
    check(read(p[0], &c, 1) == 1, "the byte is still in the pipe after pop "
          "(the ring did not read the fd named by the mapping)");
    *u32_at(&b, WS_EFD) = (uint32_t)p[1];
    *u32_at(&b, WS_FD_PENDING) = 0;
    m[0] = 1;
    conc_shmring_push(r, m);
    conc_shmring_close(r);
    check(read(p[0], &c, 1) == -1 && errno == EAGAIN,
          "push and close wrote nothing to the fd named by the mapping");
    close(p[0]);
    close(p[1]);
    *u32_at(&b, WS_FLAGS) |= WS_SHARED;
    conc_shmring_detach(r);
    free_block(&b);
    check_group("flags a peer flips after attach are not re-read: NOWAIT, "
                "CONC_SHARED, the fd number and the armed bit");
}

/* ---- defects 6 and 10: forged slot indices -------------------------------- */

/* The entry at position p of an index ring: remap() of src/ring.c. */
static uint64_t remap(const block *b, uint64_t p)
{
    uint64_t i = p & (b->R - 1);
    if (b->R < 16)
        return i;
    uint64_t lines = b->R / 8;
    return (i % lines) * 8 + i / lines;
}

static uint64_t entry(const block *b, uint64_t p, uint64_t idx)
{
    unsigned cs = b->order + 2;
    uint64_t cyc = p >> (b->order + 1);
    return (cyc << cs) | b->R /* safe */ | idx;
}

static void t_forged_index(void)
{
    const uint64_t forged[] = {4, 5, 14, 15};
    for (int which = 0; which < 2; which++) {
        for (size_t k = 0; k < sizeof forged / sizeof forged[0]; k++) {
            block b = make_block(4, 8, 0);
            conc_status st;
            conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
            int cs;
            if (which == 0) {
                /* One message queued; the aq entry that holds it now names a
                 * slot beyond the capacity (beyond the block). */
                unsigned char m[8] = {1};
                conc_shmring_push(r, m);
                uint64_t h = *u64_at(&b, AQ + Q_HEAD);
                aq_ent(&b)[remap(&b, h)] = entry(&b, h, forged[k]);
                cs = in_child(&b, r, child_pop, NULL, 5);
                check(cs == CONC_EFORMAT, "aq entry names slot %llu (capacity 4): "
                      "pop %s", (unsigned long long)forged[k], fate(cs));
            } else {
                uint64_t h = *u64_at(&b, FQ + Q_HEAD);
                fq_ent(&b)[remap(&b, h)] = entry(&b, h, forged[k]);
                cs = in_child(&b, r, child_push, NULL, 5);
                check(cs == CONC_EFORMAT, "fq entry names slot %llu (capacity 4): "
                      "push %s", (unsigned long long)forged[k], fate(cs));
            }
            conc_shmring_detach(r);
            free_block(&b);
        }
    }
    check_group("a forged slot index in aq (pop) or fq (push): CONC_EFORMAT, "
                "never a copy outside the message area");
}

/* ---- defect 10: loops whose trip count comes from the mapping ------------- */

static void t_long_loops(void)
{
    double t0 = now_s();
    /* close_now's drain: Tail 2^36 positions past Head. */
    {
        block b = make_block(4, 8, 0);
        conc_status st;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
        conc_shmring_close(r);
        uint64_t h = *u64_at(&b, AQ + Q_HEAD);
        *u64_at(&b, AQ + Q_TAIL) = (h + ((uint64_t)1 << 36)) | CLOSED_BIT;
        int cs = in_child(&b, r, child_close_now, NULL, 5);
        check(cs < 128, "close_now with Tail 2^36 past Head: %s", fate(cs));
        cs = in_child(&b, r, child_pop, NULL, 5);
        check(cs < 128, "pop of that closed ring: %s", fate(cs));
        conc_shmring_detach(r);
        free_block(&b);
    }
    /* pop (not closed): Tail far ahead and a huge threshold. */
    {
        block b = make_block(4, 8, 0);
        conc_status st;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
        uint64_t h = *u64_at(&b, AQ + Q_HEAD);
        *u64_at(&b, AQ + Q_TAIL) = h + ((uint64_t)1 << 40);
        *u64_at(&b, AQ + Q_THRESHOLD) = (uint64_t)INT64_MAX;
        int cs = in_child(&b, r, child_pop, NULL, 5);
        check(cs < 128, "pop with Tail 2^40 ahead and threshold INT64_MAX: %s", fate(cs));
        /* push: the free ring the same way, and every aq entry unusable. */
        h = *u64_at(&b, FQ + Q_HEAD);
        *u64_at(&b, FQ + Q_TAIL) = h + ((uint64_t)1 << 40);
        *u64_at(&b, FQ + Q_THRESHOLD) = (uint64_t)INT64_MAX;
        for (uint64_t i = 0; i < b.R; i++)
            fq_ent(&b)[i] = 0; /* cycle 0, unsafe, slot 0: never ours */
        cs = in_child(&b, r, child_push, NULL, 5);
        check(cs < 128, "push with fq Tail 2^40 ahead, threshold INT64_MAX: %s", fate(cs));
        conc_shmring_detach(r);
        free_block(&b);
    }
    /* push: a free slot, but every aq entry occupied by a future cycle. */
    {
        block b = make_block(4, 8, 0);
        conc_status st;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
        for (uint64_t i = 0; i < b.R; i++)
            aq_ent(&b)[i] = ~(uint64_t)0 << (b.order + 2) | 1; /* max cycle, slot 1 */
        int cs = in_child(&b, r, child_push, NULL, 5);
        check(cs < 128, "push with every aq entry unusable: %s", fate(cs));
        conc_shmring_detach(r);
        free_block(&b);
    }
    double s = now_s() - t0;
    check(s < 10, "all of it in %.1f s", s);
    check_group("loops whose trip count a peer controls are bounded (drain, "
                "pop, push): each returns long before a 5 s alarm");
}

/* ---- defect 11: recover ----------------------------------------------------- */

/* Push until FULL (or another status): how many fit; then pop them back. */
static size_t fits(conc_shmring *r, size_t cap)
{
    unsigned char m[16] = {9};
    size_t n = 0;
    while (n < 2 * cap + 4 && conc_shmring_push(r, m) == CONC_OK)
        n++;
    for (size_t i = 0; i < n; i++)
        conc_shmring_pop(r, m);
    return n;
}

static void drain(conc_shmring *r)
{
    unsigned char m[16];
    for (int i = 0; i < 1000 && conc_shmring_pop(r, m) == CONC_OK; i++)
        ;
}

static void t_recover_after_kills(void)
{
    const size_t cap = 64;
    conc_status st;
    conc_shmring *r = conc_shmring_create(NULL, cap, 16, 0, &st);
    if (!r)
        bail_out("create: %s", sname(st));
    int kills = 0;
#ifdef CONC_VERIFY
    /* How many schedule points one push plus one pop pass. */
    unsigned char m[16] = {1};
    uint64_t p0 = conc_verify_points();
    conc_shmring_push(r, m);
    conc_shmring_pop(r, m);
    long points = (long)(conc_verify_points() - p0);
    for (long at = 1; at <= points; at++) {
        drain(r);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            shmblock_kill_at(at);
            unsigned char c[16] = {2};
            conc_shmring_push(r, c);
            conc_shmring_pop(r, c);
            _exit(0);
        }
        int ws = 0;
        waitpid(pid, &ws, 0);
        kills += WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL;
    }
    diag("killed a child at each of the %ld schedule points of a push and a pop", points);
#else
    uint64_t s = 4242;
    for (int i = 0; i < 60; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            unsigned char c[16] = {2};
            for (;;)
                if (conc_shmring_push(r, c) == CONC_OK)
                    conc_shmring_pop(r, c);
        }
        h_sleep_s((double)(rng_next(&s) % 2000000) * 1e-9);
        kill(pid, SIGKILL);
        int ws = 0;
        waitpid(pid, &ws, 0);
        kills++;
        drain(r);
    }
#endif
    drain(r);
    size_t before = fits(r, cap);
    diag("%d kills; push then counts %zu of %zu before FULL", kills, before, cap);
#ifdef CONC_VERIFY
    check(before < cap, "kills inside push/pop shrank the ring (%zu of %zu)", before, cap);
#endif
    /* Full now (what fits, queued), so recover finds only the lost slots. */
    unsigned char q[16] = {5};
    for (size_t i = 0; i < before; i++)
        conc_shmring_push(r, q);
    size_t recovered = SIZE_MAX;
    st = conc_shmring_recover(r, &recovered);
    check(st == CONC_OK && recovered == cap - before,
          "recover: %s, %zu slots recovered (%zu were lost)", sname(st), recovered,
          cap - before);
    size_t got = 0;
    while (conc_shmring_pop(r, q) == CONC_OK) {
        check(q[0] == 5, "the queued messages survive recover");
        got++;
    }
    check(got == before, "%zu of %zu queued messages popped after recover", got, before);
    size_t after = fits(r, cap);
    check(after == cap, "after recover push counts exactly %zu before FULL (got %zu)",
          cap, after);
    st = conc_shmring_recover(r, &recovered);
    check(st == CONC_OK && recovered == 0, "recover again: %s, %zu", sname(st), recovered);
    check(conc_shmring_recover(NULL, &recovered) == CONC_EINVAL, "recover(NULL): EINVAL");
    conc_shmring_detach(r);
    check_group("killed peers: capacity lost before recover, exactly restored after");
}

static void t_recover_garbage(void)
{
    uint64_t s = 777;
    int all = 1;
    for (int trial = 0; trial < 200; trial++) {
        size_t cap = 1 + (size_t)(rng_next(&s) % 20);
        block b = make_block(cap, 8, trial & 1 ? CONC_JOINABLE : 0);
        conc_status st;
        conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
        /* A peer writes random words into the index rings and positions. */
        size_t body = b.size - AQ;
        int n = 1 + (int)(rng_next(&s) % 64);
        for (int i = 0; i < n; i++) {
            size_t off = AQ + (size_t)(rng_next(&s) % (body / 8)) * 8;
            uint64_t v = rng_next(&s);
            if (rng_next(&s) & 1)
                v &= 0xFFFF; /* small values: plausible cycles and slots */
            *u64_at(&b, off) = v;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGALRM, SIG_DFL);
            alarm(5);
            size_t rec = 0, rec2 = 7;
            if (conc_shmring_recover(r, &rec) != CONC_OK)
                _exit(1);
            if (conc_shmring_recover(r, &rec2) != CONC_OK || rec2 != 0)
                _exit(2);
            /* Whatever forged items remain, pushes and pops stay in bounds
             * and the ring holds exactly `cap`: what is queued plus what
             * fits. */
            unsigned char m[8] = {3};
            size_t queued = 0, fit = 0;
            while (queued < 4 * cap && conc_shmring_pop(r, m) == CONC_OK)
                queued++;
            if (conc_shmring_closed(r)) /* a random Tail may carry the closed bit */
                _exit(conc_shmring_push(r, m) == CONC_CLOSED &&
                      conc_shmring_pop(r, m) == CONC_CLOSED ? 0 : 4);
            while (fit < 4 * cap && conc_shmring_push(r, m) == CONC_OK)
                fit++;
            _exit(fit == cap ? 0 : 3);
        }
        int ws = 0;
        waitpid(pid, &ws, 0);
        int cs = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        all &= check(cs == 0, "trial %d (capacity %zu): recover on garbage: %s", trial,
                     cap, fate(cs));
        conc_shmring_detach(r);
        free_block(&b);
    }
    (void)all;
    check_group("recover on random index-ring words: no crash, idempotent, the "
                "whole capacity usable again");
}

/* A peer clobbered the whole header (magic, ready and the geometry words)
 * while a process with a handle kept running: recover writes it back from
 * the handle's checked geometry, `ready` included, so a process that
 * attaches later finds a ring again (shm.c's recover, the store of ready). */
static void t_recover_header(void)
{
    block b = make_block(4, 8, CONC_JOINABLE);
    conc_status st;
    conc_shmring *r = conc_shmring_attach(b.mem, b.size, 8, &st);
    check(r != NULL, "attach: %s", sname(st));
    if (!r) {
        free_block(&b);
        check_group("recover rewrites a clobbered header");
        return;
    }
    unsigned char m[8] = {9};
    check(conc_shmring_push(r, m) == CONC_OK, "push one message");
    memset(b.mem, 0xA5, H_READY); /* magic, version, sizes, total */
    *u32_at(&b, H_READY) = 0;
    *u32_at(&b, H_FLAGS) = 0;
    check(conc_shmring_attach(b.mem, b.size, 8, &st) == NULL && st == CONC_EFORMAT,
          "a clobbered header: attach gives EFORMAT (%s)", sname(st));
    size_t rec = 7;
    st = conc_shmring_recover(r, &rec);
    check(st == CONC_OK && rec == 0, "recover: %s, %zu", sname(st), rec);
    check(*u32_at(&b, H_READY) != 0, "recover wrote ready back");
    conc_shmring *o = conc_shmring_attach(b.mem, b.size, 8, &st);
    check(o != NULL, "attach after recover: %s", sname(st));
    if (o) {
        unsigned char got[8] = {0};
        check(conc_shmring_capacity(o) == 4 && conc_shmring_pop(o, got) == CONC_OK &&
                  got[0] == 9,
              "the new handle pops the message pushed before the clobber");
        conc_shmring_detach(o);
    }
    conc_shmring_detach(r);
    free_block(&b);
    check_group("recover rewrites a clobbered header, ready included: attach works again");
}

int main(void)
{
    tap_watchdog(120, "test_shm_trust");
    check_layout();
    t_order();
    t_flag_bits();
    t_flags_after_attach();
    t_forged_index();
    t_long_loops();
    t_recover_after_kills();
    t_recover_garbage();
    t_recover_header();
    done_testing();
    return tap_exit();
}
