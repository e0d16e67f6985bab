/*
 * test_shm.c - conc_shmring between processes (conc/shm.h).
 *
 *   - messages in and out, FIFO, geometry getters;
 *   - a memfd handed to a forked child, mapped again there (another
 *     address): a stream of messages one way, replies the other, waiting on
 *     both sides, task_done/join across the processes, close waking a
 *     sleeper in the other process;
 *   - a named POSIX shm ring opened by name, EEXIST, unlink, ENOENT;
 *   - attach refusing what is not a ring of this version and geometry
 *     (zeroes, random bytes, wrong message size, wrong version, truncated);
 *   - attach racing format: a thread attaches as soon as `ready` says so
 *     while another formats; under TSan, every header word it reads must
 *     happen after format wrote it (format's release store of `ready`,
 *     attach's acquire load of it, taken before any other header word);
 *   - a process that dies in the middle of an operation: in the verify build
 *     the child is killed at every schedule point of a push and of a pop in
 *     turn; in the normal build at random moments of a push/pop loop.  The
 *     survivor must never block, never see a message twice or out of order,
 *     lose at most the one message the dead operation held, and keep at
 *     least capacity - 1 slots.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
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

#include "shmblock.h"
#include "tap.h"
#include "testutil.h"

#ifdef CONC_VERIFY
#include "internal/verify.h"
#endif

#define MS 1000000ull

typedef struct {
    uint64_t seq;
    uint64_t check;
    char text[16];
} msg;

static msg make(uint64_t seq)
{
    msg m = {.seq = seq, .check = seq * 0x9E3779B97F4A7C15ull};
    snprintf(m.text, sizeof m.text, "dish %llu", (unsigned long long)seq);
    return m;
}

static int valid(const msg *m)
{
    return m->check == m->seq * 0x9E3779B97F4A7C15ull;
}

static int child_status(pid_t pid)
{
    int ws = 0;
    if (waitpid(pid, &ws, 0) != pid)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void t_basic(void)
{
    conc_status st = CONC_EINVAL;
    conc_shmring *r = conc_shmring_create(NULL, 4, sizeof(msg), 0, &st);
    ok(r != NULL && st == CONC_OK, "create in a memfd: %s", sname(st));
    if (!r)
        bail_out("no ring");
    check(conc_shmring_capacity(r) == 4 && conc_shmring_msg_size(r) == sizeof(msg),
          "capacity %zu, msg_size %zu", conc_shmring_capacity(r),
          conc_shmring_msg_size(r));
    check(conc_shmring_memfd(r) >= 0, "memfd %d", conc_shmring_memfd(r));
    for (uint64_t i = 1; i <= 4; i++) {
        msg m = make(i);
        check(conc_shmring_push(r, &m) == CONC_OK, "push %llu", (unsigned long long)i);
    }
    msg m = make(5);
    check(conc_shmring_push(r, &m) == CONC_FULL, "full at 4");
    check(conc_shmring_len(r) == 4, "len 4");
    for (uint64_t i = 1; i <= 4; i++) {
        msg o;
        memset(&o, 0, sizeof o);
        check(conc_shmring_pop(r, &o) == CONC_OK && o.seq == i && valid(&o) &&
                  strcmp(o.text, make(i).text) == 0,
              "pop %llu intact", (unsigned long long)i);
    }
    msg o;
    check(conc_shmring_pop(r, &o) == CONC_EMPTY, "empty");
    check(conc_shmring_pop_wait(r, &o, 10 * MS) == CONC_TIMEDOUT, "pop_wait times out");
    check(conc_shmring_push(NULL, &m) == CONC_EINVAL &&
              conc_shmring_push(r, NULL) == CONC_EINVAL &&
              conc_shmring_pop(r, NULL) == CONC_EINVAL,
          "NULL arguments: EINVAL");
    check(conc_shmring_task_done(r) == CONC_EINVAL, "not joinable: task_done EINVAL");
    check(conc_shmring_footprint(4, 0) == 0 && conc_shmring_footprint(0, 8) == 0 &&
              conc_shmring_footprint(4, CONC_SHM_MAX_MSG + 1) == 0,
          "footprint refuses bad geometry");
    check(conc_shmring_create(NULL, 0, 8, 0, &st) == NULL && st == CONC_EINVAL,
          "create(capacity 0): EINVAL");
    check(conc_shmring_create("no-slash", 4, 8, 0, &st) == NULL && st == CONC_EINVAL,
          "create(name without /): EINVAL");
    check(conc_shmring_create(NULL, 4, 8, CONC_NOWAIT, &st) == NULL && st == CONC_EINVAL,
          "create(CONC_NOWAIT): EINVAL (a shared ring always waits)");
    conc_shmring_close(r);
    check(conc_shmring_push(r, &m) == CONC_CLOSED && conc_shmring_pop(r, &o) == CONC_CLOSED,
          "closed");
    conc_shmring_detach(r);
    conc_shmring_detach(NULL);
    check_group("shmring: messages in and out, FIFO, edges, argument checks");
}

/* Parent -> child stream over a memfd the child maps again; replies back
 * over a second ring; join across processes. */
static void t_fork_stream(void)
{
    const uint64_t N = 20000;
    conc_status st;
    conc_shmring *to = conc_shmring_create(NULL, 8, sizeof(msg), CONC_JOINABLE, &st);
    conc_shmring *back = conc_shmring_create(NULL, 2, sizeof(msg), 0, &st);
    if (!to || !back)
        bail_out("create");
    int fd = conc_shmring_memfd(to);
    pid_t pid = fork();
    if (pid == 0) {
        /* A second mapping of the same memory, at another address. */
        conc_shmring *mine = conc_shmring_attach_fd(fd, sizeof(msg), &st);
        if (!mine)
            _exit(10);
        uint64_t want = 1, bad = 0;
        msg m;
        while ((st = conc_shmring_pop_wait(mine, &m, 10000 * MS)) == CONC_OK) {
            if (m.seq != want++ || !valid(&m))
                bad++;
            conc_shmring_task_done(mine);
        }
        msg reply = make(want - 1);
        reply.check = bad;
        conc_shmring_push_wait(back, &reply, 10000 * MS);
        conc_shmring_detach(mine);
        _exit(st == CONC_CLOSED ? 0 : 11);
    }
    uint64_t pushed = 0;
    for (uint64_t i = 1; i <= N; i++) {
        msg m = make(i);
        if (conc_shmring_push_wait(to, &m, 10000 * MS) == CONC_OK)
            pushed++;
    }
    st = conc_shmring_join(to, 20000 * MS);
    ok(st == CONC_OK, "join across processes: the child did task_done for all "
       "%llu: %s", (unsigned long long)pushed, sname(st));
    conc_shmring_close(to);
    msg reply;
    st = conc_shmring_pop_wait(back, &reply, 20000 * MS);
    ok(st == CONC_OK && reply.seq == N && reply.check == 0,
       "child received %llu of %llu in order, %llu bad (%s)",
       (unsigned long long)reply.seq, (unsigned long long)N,
       (unsigned long long)reply.check, sname(st));
    ok(child_status(pid) == 0, "child saw CLOSED after the stream and exited 0");
    conc_shmring_detach(to);
    conc_shmring_detach(back);
}

/* A child asleep in pop_wait is woken by a push, then by close. */
static void t_fork_wake(void)
{
    conc_status st;
    conc_shmring *r = conc_shmring_create(NULL, 2, sizeof(msg), 0, &st);
    if (!r)
        bail_out("create");
    pid_t pid = fork();
    if (pid == 0) {
        msg m;
        if (conc_shmring_pop_wait(r, &m, CONC_FOREVER) != CONC_OK || m.seq != 42)
            _exit(1);
        if (conc_shmring_pop_wait(r, &m, CONC_FOREVER) != CONC_CLOSED)
            _exit(2);
        _exit(0);
    }
    sleep_ms(50);
    msg m = make(42);
    conc_shmring_push(r, &m);
    sleep_ms(50);
    conc_shmring_close(r);
    int cs = child_status(pid);
    ok(cs == 0, "a child sleeping in pop_wait wakes for a push, then for close "
       "(exit %d)", cs);
    conc_shmring_detach(r);
}

static void t_named(void)
{
    char name[64];
    snprintf(name, sizeof name, "/conc-test-%d", (int)getpid());
    conc_shmring_unlink(name);
    conc_status st;
    conc_shmring *r = conc_shmring_create(name, 4, sizeof(msg), 0, &st);
    check(r != NULL, "create %s: %s", name, sname(st));
    if (!r) {
        check_group("named shm");
        return;
    }
    conc_shmring *again = conc_shmring_create(name, 4, sizeof(msg), 0, &st);
    check(again == NULL && st == CONC_ESYS && errno == EEXIST, "a second create: ESYS/EEXIST");
    pid_t pid = fork();
    if (pid == 0) {
        conc_shmring *o = conc_shmring_open(name, sizeof(msg), &st);
        if (!o)
            _exit(1);
        msg m = make(7);
        int rc = conc_shmring_push(o, &m) == CONC_OK ? 0 : 2;
        conc_shmring_detach(o);
        _exit(rc);
    }
    check(child_status(pid) == 0, "a process opens it by name and pushes");
    msg m;
    check(conc_shmring_pop(r, &m) == CONC_OK && m.seq == 7 && valid(&m), "we pop it");
    conc_shmring *w = conc_shmring_open(name, sizeof(msg) + 8, &st);
    check(w == NULL && st == CONC_EFORMAT, "open with another message size: EFORMAT");
    check(conc_shmring_unlink(name) == CONC_OK, "unlink");
    check(conc_shmring_open(name, 0, &st) == NULL && st == CONC_ESYS && errno == ENOENT,
          "open after unlink: ESYS/ENOENT");
    check(conc_shmring_unlink(name) == CONC_ESYS, "unlink again: ESYS");
    check(conc_shmring_unlink("x") == CONC_EINVAL && conc_shmring_open(NULL, 0, &st) == NULL,
          "bad names: EINVAL");
    conc_shmring_detach(r);
    check_group("named shm: create, EEXIST, open by name in another process, unlink");
}

/* The largest message size is valid for open as for create and attach. */
static void t_named_max(void)
{
    char name[64];
    snprintf(name, sizeof name, "/conc-test-max-%d", (int)getpid());
    conc_shmring_unlink(name);
    conc_status st;
    conc_shmring *r = conc_shmring_create(name, 1, CONC_SHM_MAX_MSG, 0, &st);
    check(r != NULL, "create %s with msg_size CONC_SHM_MAX_MSG: %s", name, sname(st));
    if (r) {
        conc_shmring *o = conc_shmring_open(name, CONC_SHM_MAX_MSG, &st);
        check(o != NULL && st == CONC_OK && conc_shmring_msg_size(o) == CONC_SHM_MAX_MSG,
              "open(msg_size CONC_SHM_MAX_MSG): %s", sname(st));
        conc_shmring_detach(o);
        check(conc_shmring_open(name, CONC_SHM_MAX_MSG + 1, &st) == NULL && st == CONC_EINVAL,
              "open(msg_size CONC_SHM_MAX_MSG + 1): EINVAL");
        check(conc_shmring_unlink(name) == CONC_OK, "unlink");
        conc_shmring_detach(r);
    }
    check_group("named shm: open with msg_size CONC_SHM_MAX_MSG");
}

static void t_format(void)
{
    size_t need = conc_shmring_footprint(8, sizeof(msg));
    size_t big = need + 4096;
    unsigned char *mem = aligned_alloc(CONC_ALIGN, big);
    conc_status st;
    memset(mem, 0, big);
    check(conc_shmring_attach(mem, big, 0, &st) == NULL && st == CONC_EFORMAT,
          "zeroes: EFORMAT");
    uint64_t s = 12345;
    for (size_t i = 0; i < big; i++)
        mem[i] = (unsigned char)rng_next(&s);
    check(conc_shmring_attach(mem, big, 0, &st) == NULL && st == CONC_EFORMAT,
          "random bytes: EFORMAT");
    check(conc_shmring_format(mem, need - 1, 8, sizeof(msg), 0) == CONC_EINVAL,
          "format into too little: EINVAL");
    check(conc_shmring_format(mem, need, 8, sizeof(msg), 0) == CONC_OK, "format");
    conc_shmring *r = conc_shmring_attach(mem, need, sizeof(msg), &st);
    check(r != NULL, "attach the right geometry: %s", sname(st));
    conc_shmring_detach(r); /* memory is ours: not unmapped */
    check(conc_shmring_attach(mem, need, sizeof(msg) + 1, &st) == NULL && st == CONC_EFORMAT,
          "another message size: EFORMAT");
    check(conc_shmring_attach(mem, need - 1, sizeof(msg), &st) == NULL && st == CONC_EFORMAT,
          "a mapping shorter than the ring: EFORMAT");
    check(conc_shmring_attach(mem, 64, 0, &st) == NULL && st == CONC_EFORMAT,
          "shorter than the header: EFORMAT");
    uint32_t *version = (uint32_t *)(mem + 8);
    *version += 1;
    check(conc_shmring_attach(mem, need, 0, &st) == NULL && st == CONC_EFORMAT,
          "another layout version: EFORMAT");
    *version -= 1;
    uint64_t *cap = (uint64_t *)(mem + 16);
    *cap = 1u << 20;
    check(conc_shmring_attach(mem, need, 0, &st) == NULL && st == CONC_EFORMAT,
          "a capacity that does not fit the size: EFORMAT");
    *cap = 8;
    check((r = conc_shmring_attach(mem, need, 0, &st)) != NULL,
          "restored header attaches again (msg_size 0 accepts any)");
    conc_shmring_detach(r);
    check(conc_shmring_attach(NULL, need, 0, &st) == NULL && st == CONC_EINVAL,
          "NULL memory: EINVAL");
    free(mem);
    /* A memfd with garbage, and a truncated ring. */
    int fd = memfd_create("garbage", MFD_CLOEXEC);
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rng_next(&s);
    check(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk, "write junk");
    check(conc_shmring_attach_fd(fd, 0, &st) == NULL && st == CONC_EFORMAT,
          "attach_fd on junk: EFORMAT");
    close(fd);
    conc_shmring *t = conc_shmring_create(NULL, 64, sizeof(msg), 0, &st);
    fd = conc_shmring_memfd(t);
    check(ftruncate(fd, 4096) == 0, "truncate the ring's memfd");
    check(conc_shmring_attach_fd(fd, 0, &st) == NULL && st == CONC_EFORMAT,
          "attach_fd on a truncated ring: EFORMAT");
    check(conc_shmring_attach_fd(-1, 0, &st) == NULL && st == CONC_EINVAL,
          "attach_fd(-1): EINVAL");
    conc_shmring_detach(t);
    /* The edges that are allowed (the mutation runner's shm.c:196
     * survivors): descriptor 0 is a descriptor, and a message of exactly
     * CONC_SHM_MAX_MSG bytes is a valid size. */
    check(conc_shmring_attach_fd(3, CONC_SHM_MAX_MSG + 1, &st) == NULL &&
              st == CONC_EINVAL,
          "attach_fd with msg_size CONC_SHM_MAX_MSG + 1: EINVAL");
    t = conc_shmring_create(NULL, 2, CONC_SHM_MAX_MSG, 0, &st);
    check(t != NULL, "create with msg_size CONC_SHM_MAX_MSG: %s", sname(st));
    if (t) {
        int saved = dup(0);
        check(saved >= 0 && dup2(conc_shmring_memfd(t), 0) == 0,
              "the ring's memfd as descriptor 0");
        conc_shmring *z = conc_shmring_attach_fd(0, CONC_SHM_MAX_MSG, &st);
        check(z != NULL, "attach_fd(0, CONC_SHM_MAX_MSG): %s", sname(st));
        if (saved >= 0) {
            dup2(saved, 0);
            close(saved);
        }
        if (z) {
            unsigned char *big = malloc(CONC_SHM_MAX_MSG);
            unsigned char *back = malloc(CONC_SHM_MAX_MSG);
            for (size_t i = 0; big && back && i < CONC_SHM_MAX_MSG; i++)
                big[i] = (unsigned char)(i * 7u);
            check(big && back && conc_shmring_push(z, big) == CONC_OK &&
                      conc_shmring_pop(t, back) == CONC_OK &&
                      memcmp(big, back, CONC_SHM_MAX_MSG) == 0,
                  "a CONC_SHM_MAX_MSG message through the attached ring");
            free(big);
            free(back);
            conc_shmring_detach(z);
        }
        conc_shmring_detach(t);
    }
    /* The same edge through conc_shmring_attach (shm.c:161). */
    size_t maxneed = conc_shmring_footprint(1, CONC_SHM_MAX_MSG);
    /* aligned_alloc wants a multiple of the alignment */
    size_t maxalloc = (maxneed + CONC_ALIGN - 1) / CONC_ALIGN * CONC_ALIGN;
    unsigned char *maxmem = maxneed ? aligned_alloc(CONC_ALIGN, maxalloc) : NULL;
    check(maxmem && conc_shmring_format(maxmem, maxneed, 1, CONC_SHM_MAX_MSG,
                                        0) == CONC_OK,
          "format a ring of 1 message of CONC_SHM_MAX_MSG bytes");
    if (maxmem) {
        conc_shmring *m1 = conc_shmring_attach(maxmem, maxneed, CONC_SHM_MAX_MSG, &st);
        check(m1 != NULL, "attach(msg_size CONC_SHM_MAX_MSG): %s", sname(st));
        conc_shmring_detach(m1);
        check(conc_shmring_attach(maxmem, maxneed, CONC_SHM_MAX_MSG + 1, &st) == NULL &&
                  st == CONC_EINVAL,
              "attach(msg_size CONC_SHM_MAX_MSG + 1): EINVAL");
        free(maxmem);
    }
    check_group("attach refuses what is not a ring of this version and geometry");
}

/* ---- a process that dies mid-operation ---------------------------------- */

#ifdef CONC_VERIFY
/* After a child died somewhere inside one push of `x` and one pop: what the
 * survivor finds.  pushed_before: messages 1..k pushed by the parent. */
static int survivor_checks(conc_shmring *r, size_t cap, uint64_t k, uint64_t x,
                           const char *where)
{
    int good = 1;
    msg m;
    uint64_t last = 0, got = 0, seen_x = 0;
    conc_status st;
    while ((st = conc_shmring_pop(r, &m)) == CONC_OK) {
        good &= check(valid(&m), "%s: intact message", where);
        if (m.seq == x) {
            good &= check(!seen_x, "%s: x twice", where);
            seen_x = 1;
        } else {
            good &= check(m.seq > last && m.seq <= k, "%s: %llu after %llu", where,
                          (unsigned long long)m.seq, (unsigned long long)last);
            last = m.seq;
            got++;
        }
    }
    good &= check(st == CONC_EMPTY, "%s: drained to EMPTY (%s)", where, sname(st));
    /* The child popped at most one of 1..k (maybe lost with it). */
    good &= check(got + 1 >= k, "%s: %llu of %llu survived (at most one lost)",
                  where, (unsigned long long)got, (unsigned long long)k);
    size_t fit = 0;
    m = make(999);
    while (fit < cap && conc_shmring_push(r, &m) == CONC_OK)
        fit++;
    good &= check(fit + 1 >= cap, "%s: %zu of %zu slots left (at most one lost)",
                  where, fit, cap);
    for (size_t i = 0; i < fit; i++)
        good &= check(conc_shmring_pop(r, &m) == CONC_OK && m.seq == 999,
                      "%s: refill pops back", where);
    return good;
}

static void t_death_points(void)
{
    const size_t cap = 4;
    const uint64_t k = 2, x = 100;
    /* How many schedule points one push plus one pop pass. */
    conc_status st;
    conc_shmring *probe = conc_shmring_create(NULL, cap, sizeof(msg), 0, &st);
    msg m = make(1);
    conc_shmring_push(probe, &m);
    uint64_t p0 = conc_verify_points();
    m = make(x);
    conc_shmring_push(probe, &m);
    conc_shmring_pop(probe, &m);
    long points = (long)(conc_verify_points() - p0);
    conc_shmring_detach(probe);
    ok(points > 10, "one push and one pop pass %ld schedule points", points);
    int killed = 0, all_good = 1;
    for (long at = 1; at <= points + 2; at++) {
        conc_shmring *r = conc_shmring_create(NULL, cap, sizeof(msg), 0, &st);
        for (uint64_t i = 1; i <= k; i++) {
            m = make(i);
            conc_shmring_push(r, &m);
        }
        pid_t pid = fork();
        if (pid == 0) {
            shmblock_kill_at(at);
            msg c = make(x);
            conc_shmring_push(r, &c);
            conc_shmring_pop(r, &c);
            _exit(0);
        }
        int cs = child_status(pid);
        if (cs == 128 + SIGKILL)
            killed++;
        char where[64];
        snprintf(where, sizeof where, "killed at point %ld", at);
        all_good &= survivor_checks(r, cap, k, x, where);
        conc_shmring_detach(r);
    }
    ok(killed == points, "the child died at each of the %ld points (%d kills)", points,
       killed);
    ok(all_good, "after every death: no block, no duplicate, order kept, at most "
       "one message and one slot lost");
    (void)tap_group_end_();
}
#else
/* Normal build: kill the child at random moments of a push/pop loop. */
static void t_death_random(void)
{
    const size_t cap = 4;
    int all_good = 1;
    uint64_t s = 99;
    int rounds = 40;
    for (int i = 0; i < rounds; i++) {
        conc_status st;
        conc_shmring *r = conc_shmring_create(NULL, cap, sizeof(msg), 0, &st);
        msg m = make(1);
        conc_shmring_push(r, &m);
        m = make(2);
        conc_shmring_push(r, &m);
        pid_t pid = fork();
        if (pid == 0) {
            msg c = make(100);
            for (;;) {
                /* Push x, pop one: the ring keeps 2 messages, x among them
                 * at times; pop what we pushed only, so 1..2 may move. */
                if (conc_shmring_push(r, &c) == CONC_OK)
                    conc_shmring_pop(r, &c);
                c = make(100);
            }
        }
        h_sleep_s((double)(rng_next(&s) % 3000000) * 1e-9);
        kill(pid, SIGKILL);
        child_status(pid);
        /* The child may have cycled messages 1, 2 and x through the ring in
         * any order, so only structure is checked here: no block, intact
         * messages, at most one slot lost. */
        size_t got = 0, fit = 0;
        while (conc_shmring_pop(r, &m) == CONC_OK) {
            all_good &= check(valid(&m), "round %d: intact", i);
            got++;
        }
        all_good &= check(got + 1 >= 2 && got <= 3, "round %d: %zu messages left", i, got);
        m = make(7);
        while (fit < cap && conc_shmring_push(r, &m) == CONC_OK)
            fit++;
        all_good &= check(fit + 1 >= cap, "round %d: %zu slots left", i, fit);
        conc_shmring_detach(r);
    }
    ok(all_good, "%d children killed at random moments: the survivor never "
       "blocks and loses at most one slot", rounds);
    (void)tap_group_end_();
}
#endif

/* Attach racing format (issue 12: shm.c:96's release and :116's acquire).
 * The attacher starts before the format and spins on attach until the
 * header says READY; then it pushes one message.  Nothing but `ready`
 * orders the formatter's header and ring stores before the attacher's
 * reads: with a relaxed store or load of it, TSan reports the header words
 * (magic, version, capacity...) as a race.  On x86 the answers are the
 * same either way, so the check that sees it is TSan's. */
typedef struct {
    void *mem;
    size_t size;
    int rc; /* 0 attached and pushed; else which step failed */
    conc_status st;
} fr_arg;

static void *fr_attacher(void *v)
{
    fr_arg *a = v;
    conc_shmring *r = NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!(r = conc_shmring_attach(a->mem, a->size, sizeof(msg), &a->st))) {
        if (a->st != CONC_EFORMAT) {
            a->rc = 1;
            return NULL;
        }
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 30) {
            a->rc = 2;
            return NULL;
        }
        sched_yield();
    }
    msg m = make(7);
    a->st = conc_shmring_push(r, &m);
    a->rc = a->st == CONC_OK ? 0 : 3;
    conc_shmring_detach(r);
    return NULL;
}

static void t_format_race(void)
{
    size_t need = conc_shmring_footprint(4, sizeof(msg));
    int rounds = (int)(20 * test_scale(1, 1, 1, NULL, NULL));
    if (rounds < 2)
        rounds = 2;
    int bad = 0;
    for (int i = 0; i < rounds && !bad; i++) {
        /* C11: a size that is a multiple of the alignment */
        void *mem = aligned_alloc(CONC_ALIGN, (need + CONC_ALIGN - 1) / CONC_ALIGN *
                                                  CONC_ALIGN);
        if (!mem) {
            check(0, "format race: aligned_alloc(%zu)", need);
            return;
        }
        memset(mem, 0, need);
        fr_arg a = {.mem = mem, .size = need, .rc = -1};
        pthread_t th;
        if (pthread_create(&th, NULL, fr_attacher, &a) != 0) {
            check(0, "format race: pthread_create");
            free(mem);
            return;
        }
        conc_status st = conc_shmring_format(mem, need, 4, sizeof(msg), 0);
        pthread_join(th, NULL);
        if (st != CONC_OK || a.rc != 0) {
            check(0, "format race, round %d: format %s, attacher step %d (%s)",
                  i, sname(st), a.rc, sname(a.st));
            bad = 1;
        } else {
            conc_status s2;
            conc_shmring *r = conc_shmring_attach(mem, need, sizeof(msg), &s2);
            msg m = {0};
            if (!r || conc_shmring_pop(r, &m) != CONC_OK || m.seq != 7 || !valid(&m)) {
                check(0, "format race, round %d: the attacher's message is not there", i);
                bad = 1;
            }
            conc_shmring_detach(r);
        }
        free(mem);
    }
    check_group("attach racing format: %d rounds, each attached once READY and "
                "its message arrived", rounds);
}

#ifdef CONC_VERIFY
/* Re-format over a ring that says READY (shm.c:83): format first clears
 * `ready`, so an attach whose load of `ready` reads that clear is refused
 * while the ring words are being made again.  The verify build's init
 * hook runs inside format at its first conc_init of a ring word; there the
 * test attaches (in format's own thread, so its load reads the clear): it
 * must get CONC_EFORMAT, not a handle on a half-made ring.  Same geometry
 * as before, so only `ready` can refuse.  An attacher in another thread
 * or process may still read the READY from before the clear: a re-format
 * must not race attach (conc/shm.h); only a first format may. */
static struct {
    void *mem;
    size_t size;
    int calls, attached;
    conc_status st;
} g_mid;

static void mid_format_hook(const void *addr, unsigned width, void *arg)
{
    (void)addr;
    (void)width;
    (void)arg;
    if (g_mid.calls++ != 0)
        return;
    conc_shmring *r = conc_shmring_attach(g_mid.mem, g_mid.size, sizeof(msg), &g_mid.st);
    if (r) {
        g_mid.attached = 1;
        conc_shmring_detach(r);
    }
}

static void t_reformat_midway(void)
{
    size_t need = conc_shmring_footprint(4, sizeof(msg));
    size_t alloc = (need + CONC_ALIGN - 1) / CONC_ALIGN * CONC_ALIGN;
    void *mem = aligned_alloc(CONC_ALIGN, alloc);
    if (!mem) {
        check(0, "re-format: aligned_alloc(%zu)", alloc);
        check_group("attach in the middle of a re-format");
        return;
    }
    memset(mem, 0, alloc);
    conc_status st = conc_shmring_format(mem, need, 4, sizeof(msg), 0);
    check(st == CONC_OK, "format: %s", sname(st));
    conc_shmring *r = conc_shmring_attach(mem, need, sizeof(msg), &st);
    msg m = make(1);
    check(r && conc_shmring_push(r, &m) == CONC_OK, "attach and push before the re-format");
    conc_shmring_detach(r);
    g_mid.mem = mem;
    g_mid.size = need;
    conc_verify_set_init_hook(mid_format_hook, NULL);
    st = conc_shmring_format(mem, need, 4, sizeof(msg), 0);
    conc_verify_set_init_hook(NULL, NULL);
    check(st == CONC_OK, "re-format: %s", sname(st));
    check(g_mid.calls > 0, "the init hook ran inside format (%d calls)", g_mid.calls);
    check(!g_mid.attached && g_mid.st == CONC_EFORMAT,
          "attach while format makes the ring again: %s, not a handle",
          g_mid.attached ? "a handle" : sname(g_mid.st));
    r = conc_shmring_attach(mem, need, sizeof(msg), &st);
    check(r && conc_shmring_len(r) == 0, "after the re-format: attached, empty");
    conc_shmring_detach(r);
    free(mem);
    check_group("attach in the middle of a re-format over a live ring: EFORMAT");
}
#endif

int main(void)
{
    tap_watchdog(240, "test_shm");
    t_basic();
    t_format();
    t_format_race();
#ifdef CONC_VERIFY
    t_reformat_midway();
#endif
    t_named();
    t_named_max();
    t_fork_wake();
    t_fork_stream();
#ifdef CONC_VERIFY
    t_death_points();
#else
    t_death_random();
#endif
    done_testing();
    return tap_exit();
}
