/*
 * fuzz_shm - conc_shmring against a hostile peer: the input is the peer.
 *
 * A ring of a small geometry is formatted in a mapping of its own, placed so
 * that it ends (to within CONC_ALIGN) at a PROT_NONE page, with another
 * PROT_NONE page before it.  The input then overwrites parts of the block
 * (header, ring geometry, waitset, positions, entries, messages) and runs a
 * program of operations on it, some of which write a word of the block
 * between two operations (a peer writing during use).  Properties:
 *
 *   - never a crash, never an access outside the block (the guard pages make
 *     any stray access a SIGSEGV, ASan reports the rest);
 *   - never an action on a file descriptor: read, write, close and their
 *     relatives are interposed here and fail the run if called from inside a
 *     conc call (a shared ring needs none: the mapping may name stdin);
 *   - never a hang: every wait has a timeout of at most 20 us (never
 *     CONC_FOREVER), and each operation must return within OP_DEADLINE_S
 *     (checked after it; the engine's -timeout and, in the replay and AFL++
 *     builds, an alarm() catch an operation that never returns);
 *   - every status is one the contract allows (CONC_EFORMAT included once
 *     the block was touched), len <= capacity, capacity and msg_size are
 *     what attach checked;
 *   - while no byte of the block differs from what format and the
 *     operations themselves wrote ("pristine"), the ring behaves exactly as
 *     a FIFO of `capacity` messages: contents, order, FULL, EMPTY, CLOSED,
 *     close_now's count, task_done/join counts, and recover gives back 0.
 *
 * Input layout (a missing byte reads as 0):
 *   [cap] [msg | 0x80 joinable] [npatch]  npatch x patch,  then operations.
 *   cap: 1 + cap % 20.  msg: 1 + msg % 48.
 *   patch: [kind] [off lo] [off hi] value...
 *          base = anchors[(kind >> 2) % 8] (header, ring geometry, waitset,
 *          aq, fq, aq entries, fq entries, messages), offset (mod block size);
 *          kind % 4: 0 one byte, 1 a u32, 2 a u64, 3 a run: [len] bytes.
 *   operation: [b] (+ arguments), b % 16:
 *     0 attach [m]: msg_size 0, the right one, or another (m % 3)
 *     1 push   2 pop   3 push_wait [t]   4 pop_wait [t]   (t: 0, 1 us, 20 us)
 *     5 close  6 close_now  7 len/capacity/msg_size/closed  8 task_done
 *     9 join [t]  10 recover  11 detach  12 patch (as above: a peer writes)
 *     13 push then pop  14 fill (push until not OK)  15 drain (pop until not OK)
 */
/* Our read, write, close... replace libc's: no fortified inline versions. */
#undef _FORTIFY_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <conc/conc.h>

#include "fuzz.h"
#include "shmblock.h"
#include "sys.h"

#define MAX_OPS 256
#define OP_DEADLINE_S 2.0

/* ---- file descriptors: none may be touched from inside a conc call ------- */

static volatile int in_conc;   /* set around every conc call */
static const char *conc_call;  /* which one */

static void fd_used(const char *fn, long fd)
{
    if (in_conc)
        fuzz_fail("%s(%ld) called from inside %s: a shared ring acts on no "
                  "descriptor", fn, fd, conc_call);
}

/* These replace libc's for the whole program (libconc is linked in
 * statically); outside conc calls they are the plain system calls. */
ssize_t read(int fd, void *buf, size_t n)
{
    fd_used("read", fd);
    return syscall(SYS_read, fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    fd_used("write", fd);
    return syscall(SYS_write, fd, buf, n);
}

int close(int fd)
{
    fd_used("close", fd);
    return (int)syscall(SYS_close, fd);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    fd_used("pread", fd);
    return syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    fd_used("pwrite", fd);
    return syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    fd_used("readv", fd);
    return syscall(SYS_readv, fd, iov, cnt);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    fd_used("writev", fd);
    return syscall(SYS_writev, fd, iov, cnt);
}

int dup(int fd)
{
    fd_used("dup", fd);
    return (int)syscall(SYS_dup, fd);
}

int dup2(int fd, int fd2)
{
    fd_used("dup2", fd);
    return (int)syscall(SYS_dup2, fd, fd2);
}

int eventfd(unsigned int initval, int flags)
{
    fd_used("eventfd", -1);
    return (int)syscall(SYS_eventfd2, initval, flags);
}

/* ---- the block ------------------------------------------------------------ */

/* Offsets in the block (the layout of CONC_SHM_VERSION 2; see
 * verify/test_shm_trust.c, which checks them against a formatted ring). */
#define LINE 128
#define OFF_RING 128
#define OFF_WS (OFF_RING + LINE)
#define OFF_AQ (OFF_WS + 2 * LINE)
#define OFF_FQ (OFF_AQ + 3 * LINE)
#define OFF_WORDS (OFF_FQ + 3 * LINE)

typedef struct {
    void *map;
    size_t map_len;
    unsigned char *mem;   /* the block */
    size_t size;          /* its footprint */
    size_t cap, msg;
    unsigned flags;
    uint64_t R;
    size_t anchors[8];
    unsigned char *shadow; /* the block as format and our own operations
                              left it, while pristine */
} block;

static block blk;
static conc_shmring *ring;
static bool pristine;
static size_t op_index;

/* The model, valid while pristine. */
static uint64_t model_q[64];
static size_t model_head, model_n;
static uint64_t next_seq = 1;
static bool model_closed;
static size_t model_unfinished;

static bool make_block(size_t cap, size_t msg, unsigned flags)
{
    blk.size = conc_shmring_footprint(cap, msg);
    if (!blk.size)
        fuzz_fail("footprint(%zu, %zu) is 0", cap, msg);
    blk.mem = shmblock_map(blk.size, &blk.map, &blk.map_len);
    if (!blk.mem)
        return false;
    blk.cap = cap;
    blk.msg = msg;
    blk.flags = flags;
    blk.R = (uint64_t)2 << shmblock_order(cap);
    size_t msgs = OFF_WORDS + (size_t)(2 * blk.R + cap) * 8;
    size_t a[8] = {0, OFF_RING, OFF_WS, OFF_AQ, OFF_FQ, OFF_WORDS,
                   OFF_WORDS + (size_t)blk.R * 8, msgs};
    memcpy(blk.anchors, a, sizeof a);
    if (conc_shmring_format(blk.mem, blk.size, cap, msg, flags) != CONC_OK)
        fuzz_fail("format(%zu, %zu, %u) failed", cap, msg, flags);
    blk.shadow = malloc(blk.size);
    if (!blk.shadow)
        fuzz_fail("harness: out of memory");
    memcpy(blk.shadow, blk.mem, blk.size);
    return true;
}

/* A peer writes into the block. */
static void patch(fuzz_in *in)
{
    uint8_t kind = fz_u8(in);
    size_t off = (size_t)fz_uint(in, 2);
    size_t base = blk.anchors[(kind >> 2) % 8];
    size_t at = (base + off) % blk.size;
    size_t len;
    unsigned char v[255];
    switch (kind % 4) {
    case 0: len = 1; break;
    case 1: len = 4; break;
    case 2: len = 8; break;
    default: len = fz_u8(in); break;
    }
    for (size_t i = 0; i < len; i++)
        v[i] = fz_u8(in);
    if (kind % 4 == 1 || kind % 4 == 2)
        at &= ~(size_t)(len - 1); /* aligned words */
    if (at + len > blk.size)
        len = blk.size - at;
    memcpy(blk.mem + at, v, len);
    if (pristine && memcmp(blk.mem, blk.shadow, blk.size) != 0)
        pristine = false;
}

/* ---- calling conc ---------------------------------------------------------- */

static double t_begin;

static void enter(const char *what)
{
    conc_call = what;
    t_begin = h_now_s();
    in_conc = 1;
}

static void leave(void)
{
    in_conc = 0;
    double s = h_now_s() - t_begin;
    if (s > OP_DEADLINE_S)
        fuzz_fail("op %zu: %s took %.1f s", op_index, conc_call, s);
}

#define CALL(what, expr)                                                       \
    ({                                                                         \
        enter(what);                                                           \
        __typeof__(expr) r_ = (expr);                                          \
        leave();                                                               \
        r_;                                                                    \
    })

static void allowed(const char *what, conc_status st, unsigned mask)
{
    if (st < 0 || st > 31 || !(mask & (1u << st)))
        fuzz_fail("op %zu: %s gave %s, not a status its contract allows",
                  op_index, what, fuzz_status_name(st));
}

#define S(x) (1u << (x))

/* The statuses each operation may give on a block a peer has written. */
#define ANY_PUSH (S(CONC_OK) | S(CONC_FULL) | S(CONC_CLOSED) | S(CONC_EFORMAT))
#define ANY_POP (S(CONC_OK) | S(CONC_EMPTY) | S(CONC_CLOSED) | S(CONC_EFORMAT))

static uint64_t timeout_of(uint8_t b)
{
    switch (b % 3) {
    case 0: return 0;
    case 1: return 1000;
    default: return 20000;
    }
}

/* The message for sequence number s, msg bytes long. */
static void fill_msg(unsigned char *m, size_t msg, uint64_t s)
{
    for (size_t i = 0; i < msg; i++)
        m[i] = (unsigned char)(s * 131 + i * 7 + (s >> 8));
}

static unsigned char *msg_in, *msg_out;
static size_t msg_len;

static void set_buffers(size_t msg)
{
    free(msg_in);
    free(msg_out);
    msg_len = msg;
    /* Exactly msg bytes, so ASan sees any copy past them. */
    msg_in = malloc(msg ? msg : 1);
    msg_out = malloc(msg ? msg : 1);
    if (!msg_in || !msg_out)
        fuzz_fail("harness: out of memory");
}

/* After an operation of ours that changed the block in a pristine run, the
 * shadow follows. */
static void resync(void)
{
    if (pristine)
        memcpy(blk.shadow, blk.mem, blk.size);
}

static void do_attach(fuzz_in *in)
{
    uint8_t m = fz_u8(in);
    if (ring)
        return;
    size_t want = m % 3 == 0 ? 0 : m % 3 == 1 ? blk.msg : blk.msg + 1 + m / 3;
    conc_status st = CONC_OK;
    ring = CALL("attach", conc_shmring_attach(blk.mem, blk.size, want, &st));
    if (ring) {
        if (st != CONC_OK)
            fuzz_fail("attach gave a handle with status %s", fuzz_status_name(st));
        size_t cap = CALL("capacity", conc_shmring_capacity(ring));
        size_t msz = CALL("msg_size", conc_shmring_msg_size(ring));
        if (cap < 1 || cap > 1u << 30 || msz < 1 || msz > CONC_SHM_MAX_MSG)
            fuzz_fail("attach accepted capacity %zu, msg_size %zu", cap, msz);
        if (pristine && (cap != blk.cap || msz != blk.msg))
            fuzz_fail("pristine: capacity %zu msg_size %zu, formatted %zu %zu", cap,
                      msz, blk.cap, blk.msg);
        if (want && msz != want)
            fuzz_fail("attach(msg_size %zu) accepted msg_size %zu", want, msz);
        /* The checked footprint fits the block. */
        if (conc_shmring_footprint(cap, msz) > blk.size)
            fuzz_fail("attach accepted a ring of %zu bytes in a block of %zu",
                      conc_shmring_footprint(cap, msz), blk.size);
        set_buffers(msz);
    } else {
        allowed("attach", st, S(CONC_EFORMAT));
        if (pristine && want != blk.msg + 1 + m / 3)
            fuzz_fail("pristine ring refused by attach(msg_size %zu): %s", want,
                      fuzz_status_name(st));
    }
}

static void do_push(uint64_t timeout, bool wait)
{
    uint64_t s = next_seq;
    fill_msg(msg_in, msg_len, s);
    conc_status st = wait ? CALL("push_wait", conc_shmring_push_wait(ring, msg_in, timeout))
                          : CALL("push", conc_shmring_push(ring, msg_in));
    allowed("push", st, ANY_PUSH | (wait ? S(CONC_TIMEDOUT) : 0));
    if (!pristine) {
        resync();
        return;
    }
    conc_status want = model_closed ? CONC_CLOSED
                       : model_n == blk.cap ? (wait && timeout ? CONC_TIMEDOUT : CONC_FULL)
                                            : CONC_OK;
    if (st != want)
        fuzz_fail("op %zu: push gave %s, the model says %s (n %zu of %zu)", op_index,
                  fuzz_status_name(st), fuzz_status_name(want), model_n, blk.cap);
    if (st == CONC_OK) {
        model_q[(model_head + model_n++) % 64] = s;
        next_seq++;
        if (blk.flags & CONC_JOINABLE)
            model_unfinished++;
    }
    resync();
}

static void check_popped(conc_status st, bool wait, uint64_t timeout)
{
    if (!pristine)
        return;
    conc_status want = model_n ? CONC_OK
                       : model_closed ? CONC_CLOSED
                                      : (wait && timeout ? CONC_TIMEDOUT : CONC_EMPTY);
    if (st != want)
        fuzz_fail("op %zu: pop gave %s, the model says %s (n %zu)", op_index,
                  fuzz_status_name(st), fuzz_status_name(want), model_n);
    if (st == CONC_OK) {
        uint64_t s = model_q[model_head];
        model_head = (model_head + 1) % 64;
        model_n--;
        unsigned char m[64];
        fill_msg(m, msg_len, s);
        if (memcmp(m, msg_out, msg_len) != 0)
            fuzz_fail("op %zu: popped message is not message %llu", op_index,
                      (unsigned long long)s);
    }
}

static void do_pop(uint64_t timeout, bool wait)
{
    conc_status st = wait ? CALL("pop_wait", conc_shmring_pop_wait(ring, msg_out, timeout))
                          : CALL("pop", conc_shmring_pop(ring, msg_out));
    allowed("pop", st, ANY_POP | (wait ? S(CONC_TIMEDOUT) : 0));
    check_popped(st, wait, timeout);
    resync();
}

static size_t discards;
static void on_discard(void *item, void *arg)
{
    (void)arg;
    /* A temporary copy of msg_size bytes: read all of it. */
    volatile unsigned char x = 0;
    for (size_t i = 0; i < msg_len; i++)
        x ^= ((unsigned char *)item)[i];
    (void)x;
    discards++;
}

static void do_close_now(void)
{
    size_t n = 12345;
    discards = 0;
    conc_status st = CALL("close_now", conc_shmring_close_now(ring, on_discard, NULL, &n));
    allowed("close_now", st, S(CONC_OK) | S(CONC_EFORMAT) | S(CONC_ENOMEM));
    if (st != CONC_ENOMEM && n != discards)
        fuzz_fail("close_now counted %zu, discard saw %zu", n, discards);
    if (pristine) {
        if (st != CONC_OK || n != model_n)
            fuzz_fail("op %zu: close_now: %s, %zu discarded, the model holds %zu", op_index,
                      fuzz_status_name(st), n, model_n);
        if (blk.flags & CONC_JOINABLE)
            model_unfinished -= model_n < model_unfinished ? model_n : model_unfinished;
        model_n = 0;
        model_closed = true;
    }
    resync();
}

static void do_observe(void)
{
    size_t len = CALL("len", conc_shmring_len(ring));
    size_t cap = CALL("capacity", conc_shmring_capacity(ring));
    int closed = CALL("closed", conc_shmring_closed(ring));
    if (len > cap)
        fuzz_fail("len %zu > capacity %zu", len, cap);
    if (pristine && (len != model_n || closed != model_closed))
        fuzz_fail("op %zu: len %zu closed %d, the model: %zu %d", op_index, len, closed,
                  model_n, model_closed);
}

static void do_task_done(void)
{
    conc_status st = CALL("task_done", conc_shmring_task_done(ring));
    allowed("task_done", st, S(CONC_OK) | S(CONC_EINVAL));
    if (pristine) {
        conc_status want = (blk.flags & CONC_JOINABLE) && model_unfinished ? CONC_OK
                                                                            : CONC_EINVAL;
        if (st != want)
            fuzz_fail("op %zu: task_done gave %s, the model says %s", op_index,
                      fuzz_status_name(st), fuzz_status_name(want));
        if (st == CONC_OK)
            model_unfinished--;
    }
    resync();
}

static void do_join(uint64_t timeout)
{
    conc_status st = CALL("join", conc_shmring_join(ring, timeout));
    allowed("join", st, S(CONC_OK) | S(CONC_TIMEDOUT) | S(CONC_EINVAL));
    if (pristine) {
        conc_status want = !(blk.flags & CONC_JOINABLE) ? CONC_EINVAL
                           : model_unfinished ? CONC_TIMEDOUT
                                              : CONC_OK;
        if (st != want)
            fuzz_fail("op %zu: join gave %s, the model says %s", op_index,
                      fuzz_status_name(st), fuzz_status_name(want));
    }
    resync();
}

static void do_recover(void)
{
    size_t n = 999;
    conc_status st = CALL("recover", conc_shmring_recover(ring, &n));
    allowed("recover", st, S(CONC_OK) | S(CONC_ENOMEM));
    if (st == CONC_OK && n > blk.cap && n > CALL("capacity", conc_shmring_capacity(ring)))
        fuzz_fail("recover gave back %zu slots of a ring of %zu", n, blk.cap);
    if (pristine && (st != CONC_OK || n != 0))
        fuzz_fail("op %zu: recover on a pristine ring: %s, %zu slots", op_index,
                  fuzz_status_name(st), n);
    /* Recover rebuilds the index rings (moving entries, rebasing positions):
     * a pristine run stays pristine in meaning, so the shadow follows. */
    resync();
}

static void reset_model(void)
{
    model_head = model_n = 0;
    next_seq = 1;
    model_closed = false;
    model_unfinished = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifndef CONC_FUZZ_LIBFUZZER
    alarm(60); /* the replay and AFL++ builds have no -timeout of their own */
#endif
    fuzz_in in = fuzz_in_make(data, size);
    size_t cap = 1 + fz_u8(&in) % 20;
    uint8_t mb = fz_u8(&in);
    size_t msg = 1 + (mb & 0x7f) % 48;
    unsigned flags = mb & 0x80 ? CONC_JOINABLE : 0;
    if (!make_block(cap, msg, flags))
        return 0;
    pristine = true;
    reset_model();
    size_t npatch = fz_u8(&in);
    for (size_t i = 0; i < npatch && fz_more(&in); i++)
        patch(&in);
    set_buffers(msg);
    uint8_t first = 1; /* attach with the right msg_size first */
    fuzz_in one = fuzz_in_make(&first, 1);
    do_attach(&one);
    for (op_index = 0; fz_more(&in) && op_index < MAX_OPS; op_index++) {
        uint8_t b = fz_u8(&in);
        if (!ring && b % 16 != 0 && b % 16 != 12) {
            /* No handle: the call must refuse NULL. */
            conc_status st = CALL("push(NULL)", conc_shmring_push(NULL, msg_in));
            if (st != CONC_EINVAL)
                fuzz_fail("push(NULL) gave %s", fuzz_status_name(st));
            continue;
        }
        switch (b % 16) {
        case 0: do_attach(&in); break;
        case 1: do_push(0, false); break;
        case 2: do_pop(0, false); break;
        case 3: do_push(timeout_of(fz_u8(&in)), true); break;
        case 4: do_pop(timeout_of(fz_u8(&in)), true); break;
        case 5:
            if (CALL("close", conc_shmring_close(ring)) != CONC_OK)
                fuzz_fail("close failed");
            model_closed = true;
            resync();
            break;
        case 6: do_close_now(); break;
        case 7: do_observe(); break;
        case 8: do_task_done(); break;
        case 9: do_join(timeout_of(fz_u8(&in)) / 10); break;
        case 10: do_recover(); break;
        case 11:
            CALL("detach", (conc_shmring_detach(ring), 0));
            ring = NULL;
            break;
        case 12: patch(&in); break;
        case 13: do_push(0, false); do_pop(0, false); break;
        case 14:
            for (size_t i = 0; i < 2 * cap + 2; i++) {
                bool was = pristine && model_n < cap && !model_closed;
                do_push(0, false);
                if (!(pristine ? was : true))
                    break;
            }
            break;
        case 15:
            for (size_t i = 0; i < 2 * cap + 2; i++) {
                bool was = pristine && model_n > 0;
                do_pop(0, false);
                if (pristine && !was)
                    break;
            }
            break;
        }
    }
    if (ring) {
        CALL("detach", (conc_shmring_detach(ring), 0));
        ring = NULL;
    }
    munmap(blk.map, blk.map_len);
    free(blk.shadow);
    blk.shadow = NULL;
    free(msg_in);
    free(msg_out);
    msg_in = msg_out = NULL;
#ifndef CONC_FUZZ_LIBFUZZER
    alarm(0);
#endif
    return 0;
}
