/*
 * test_xproc.c - the in-process containers (ring, mutexq, stack,
 * mutexstack) in memory shared between processes, and the eventfd across
 * fork (issue 8, defects 7 and 8).
 *
 * Per family that may live in shared memory (registry: process_shared):
 *   - the fd through shared memory: a structure _init'ed with flags 0 in a
 *     MAP_SHARED mapping; process B forked before A calls X_fd, then B puts
 *     a file on the descriptor number A's eventfd has and pushes and pops
 *     until EMPTY.  The file must not change, B's items must all come back,
 *     X_fd in B must say EINVAL (the eventfd is A's), and A's fd must still
 *     follow A's pops and pushes;
 *   - fork after X_fd (a heap structure, copied into the child): the child's
 *     copy never writes, reads or closes the inherited descriptor, nor a
 *     file the child put on its number; free in the child leaves it open;
 *   - CONC_SHARED: a child asleep in pop_wait(CONC_FOREVER) is woken by a
 *     push and by a close in the parent, push_wait on a full structure by a
 *     pop and by a close, join (CONC_JOINABLE) by task_done.  The child is
 *     seen asleep (/proc/PID/stat) before the parent acts, so the wake-up
 *     really crosses processes; a child not woken within GUARD_S seconds is
 *     killed and reported (its CONC_FOREVER wait would never return);
 *   - without CONC_SHARED (the documented behaviour): a wait in another
 *     process is not woken, it sleeps to its timeout and then looks once
 *     more (so it finds the item pushed meanwhile);
 *   - X_fd with CONC_SHARED: EINVAL.
 * And conc_lfqueue (not for shared memory): init/new with CONC_SHARED are
 * EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <conc/conc.h>

#include "registry.h"
#include "tap.h"
#include "testutil.h"

#define MS 1000000ull
/* A child not done this long after the parent acted was never woken. */
#define GUARD_S 10

static void *P(uintptr_t v) { return (void *)v; }

static void *map_shared(size_t n)
{
    void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        bail_out("mmap(%zu, MAP_SHARED): %s", n, strerror(errno));
    return m;
}

/* A structure built by init(flags) in a fresh MAP_SHARED mapping (NULL and
 * *st set when init refused). */
static void *make_shared(const reg_entry *e, size_t cap, unsigned flags,
                         size_t *len, int *st)
{
    size_t fp = e->footprint(cap);
    void *m = map_shared(fp);
    *st = e->init_flags(m, fp, cap, flags);
    if (*st != CONC_OK) {
        munmap(m, fp);
        return NULL;
    }
    *len = fp;
    return m;
}

static void drop_shared(const reg_entry *e, void *q, size_t len)
{
    e->fini(q);
    munmap(q, len);
}

/* Exit status of the child, or -1 if it had not exited after guard_s
 * seconds (it is then killed). */
static int reap(pid_t pid, unsigned guard_s)
{
    uint64_t end = now_ns() + guard_s * 1000000000ull;
    for (;;) {
        int ws = 0;
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid)
            return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (r < 0 && errno != EINTR)
            return -2;
        if (now_ns() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            return -1;
        }
        sleep_ms(1);
    }
}

/* True once the process is in an interruptible sleep (its only one here is
 * the futex of a wait); false if it is not within 3 s. */
static bool asleep(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 3000; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            const char *p = strrchr(buf, ')');
            if (p && p[1] == ' ' && p[2] == 'S')
                return true;
        }
        sleep_ms(1);
    }
    return false;
}

/* A temporary file of 16 bytes put on descriptor number `at`.  The path is
 * unlinked at once: the descriptor keeps it alive. */
static bool file_at(int at)
{
    char path[] = "/tmp/conc-xproc-XXXXXX";
    int t = mkstemp(path);
    if (t < 0)
        return false;
    unlink(path);
    if (write(t, "0123456789abcdef", 16) != 16)
        return false;
    if (t != at) {
        if (dup2(t, at) != at)
            return false;
        close(t);
    }
    return true;
}

static long long file_size(int fd)
{
    struct stat sb;
    return fstat(fd, &sb) == 0 ? (long long)sb.st_size : -1;
}

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* What a child saw, in a MAP_SHARED page. */
struct report {
    int fd_st;          /* X_fd in the child */
    int fd_out;         /* what X_fd wrote (-7: untouched) */
    long long size;     /* the file on the number after the child's ops */
    long long size_end; /* ... after free/fini in the child */
    int still_open;     /* the number is still open after free/fini */
    int pushed, popped; /* items */
    uint64_t sum;       /* sum of the values popped */
    int st;             /* a wait's status */
    uintptr_t item;
    uint64_t elapsed_ns;
    int setup_failed;
};

static struct report *new_report(void)
{
    struct report *r = map_shared(sizeof *r);
    memset(r, 0, sizeof *r);
    r->fd_out = -7;
    return r;
}

/* Push 1..3, pop until EMPTY, push 4, pop until EMPTY (an EMPTY pop first,
 * so an armed fd is "cleared" and the next push would write it). */
static void churn(const reg_entry *e, void *q, struct report *r)
{
    void *it;
    (void)e->pop(q, &it);
    for (uintptr_t v = 1; v <= 4; v++) {
        if (e->push(q, P(v)) == CONC_OK)
            r->pushed++;
        if (v < 3)
            continue;
        while (e->pop(q, &it) == CONC_OK) {
            r->popped++;
            r->sum += (uintptr_t)it;
        }
    }
}

/* ---- defect 7: the eventfd number through shared memory ----------------- */

static void t_fd_through_shm(const reg_entry *e)
{
    size_t len = 0;
    int st;
    void *q = make_shared(e, 8, 0, &len, &st);
    if (!q) {
        ok(0, "%s: init(flags 0) in MAP_SHARED memory: %s", e->name, sname(st));
        return;
    }
    struct report *r = new_report();
    int go[2];
    if (pipe(go) != 0)
        bail_out("pipe");
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        int efd = -1;
        if (read(go[0], &efd, sizeof efd) != (ssize_t)sizeof efd || efd < 0 ||
            !file_at(efd)) {
            r->setup_failed = 1;
            _exit(1);
        }
        r->fd_st = e->fd(q, &r->fd_out);
        churn(e, q, r);
        r->size = file_size(efd);
        _exit(0);
    }
    int efd = -1;
    st = e->fd(q, &efd);
    check(st == CONC_OK && efd >= 0, "X_fd in A: %s, fd %d", sname(st), efd);
    if (write(go[1], &efd, sizeof efd) != (ssize_t)sizeof efd)
        bail_out("write");
    int cs = reap(pid, GUARD_S);
    check(cs == 0 && !r->setup_failed, "B exited %d (setup failed: %d)", cs,
          r->setup_failed);
    check(r->size == 16, "B's file on A's eventfd number %d: %lld bytes, was 16 "
          "(B wrote to a descriptor it never opened for the structure)", efd,
          r->size);
    check(r->fd_st == CONC_EINVAL && r->fd_out == -7,
          "X_fd in B: %s, fd %d (want EINVAL: the eventfd is A's)",
          sname(r->fd_st), r->fd_out);
    check(r->pushed == 4 && r->popped == 4 && r->sum == 10,
          "B pushed %d, popped %d (sum %llu): items conserved", r->pushed,
          r->popped, (unsigned long long)r->sum);
    /* A's fd still follows A's queue: readable from creation, cleared by
     * A's EMPTY pop, readable again after A's push. */
    void *it;
    while (e->pop(q, &it) == CONC_OK)
        ;
    check(!readable(efd), "A's fd cleared by A's EMPTY pop");
    check(e->push(q, P(9)) == CONC_OK && readable(efd),
          "A's fd readable after A's push");
    check(e->pop(q, &it) == CONC_OK && it == P(9) &&
              e->pop(q, &it) == CONC_EMPTY && !readable(efd),
          "A pops it; the EMPTY pop clears the fd");
    check_group("%s: flags 0 in MAP_SHARED memory, X_fd in A: B never acts on "
                "the descriptor number it reads from the mapping", e->name);
    close(go[0]);
    close(go[1]);
    munmap(r, sizeof *r);
    drop_shared(e, q, len);
}

/* Fork after X_fd: the child's copy of a heap structure.  keep: the child
 * keeps the inherited eventfd; else it puts a file on its number. */
static void t_fork_after_fd(const reg_entry *e, bool keep)
{
    void *q = e->create_flags(8, 0);
    if (!q)
        bail_out("%s: create", e->name);
    int efd = -1;
    int st = e->fd(q, &efd);
    void *it;
    while (e->pop(q, &it) == CONC_OK)
        ;
    check(st == CONC_OK && !readable(efd), "X_fd: %s; drained: not readable",
          sname(st));
    struct report *r = new_report();
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        if (!keep && (close(efd) != 0 || !file_at(efd))) {
            r->setup_failed = 1;
            _exit(1);
        }
        r->fd_st = e->fd(q, &r->fd_out);
        churn(e, q, r);
        /* Leave an item in the child's copy: after churn's EMPTY pop, a
         * push that acted on the fd would write it now. */
        if (keep && e->push(q, P(100)) != CONC_OK)
            r->setup_failed = 1;
        r->size = keep ? 16 : file_size(efd);
        e->destroy(q);
        r->still_open = fcntl(efd, F_GETFD) != -1;
        r->size_end = keep ? 16 : file_size(efd);
        _exit(0);
    }
    int cs = reap(pid, GUARD_S);
    check(cs == 0 && !r->setup_failed, "child exited %d (setup failed: %d)", cs,
          r->setup_failed);
    check(r->fd_st == CONC_EINVAL && r->fd_out == -7,
          "X_fd in the child: %s, fd %d (want EINVAL: the eventfd is the "
          "parent's)", sname(r->fd_st), r->fd_out);
    check(r->pushed == 4 && r->popped == 4 && r->sum == 10,
          "child pushed %d, popped %d (sum %llu)", r->pushed, r->popped,
          (unsigned long long)r->sum);
    check(r->still_open, "the descriptor number %d is still open in the child "
          "after its free (the structure closes only what it opened)", efd);
    if (!keep)
        check(r->size == 16 && r->size_end == 16,
              "the child's file on number %d: %lld bytes, %lld after free "
              "(want 16)", efd, r->size, r->size_end);
    else
        check(!readable(efd), "the child's pushes did not signal the parent's "
              "eventfd (parent's queue empty, fd not readable)");
    check(e->push(q, P(5)) == CONC_OK && readable(efd),
          "parent's fd readable after its push");
    check(e->pop(q, &it) == CONC_OK && e->pop(q, &it) == CONC_EMPTY &&
              !readable(efd), "parent's EMPTY pop clears it");
    check_group("%s: fork after X_fd, child %s: the child's copy never acts on "
                "the descriptor", e->name,
                keep ? "keeps the inherited eventfd"
                     : "puts a file on its number");
    munmap(r, sizeof *r);
    e->destroy(q);
}

/* ---- defect 8: waiting across processes --------------------------------- */

enum wait_kind { POP_BY_PUSH, POP_BY_CLOSE, PUSH_BY_POP, PUSH_BY_CLOSE,
                 JOIN_BY_DONE, WAIT_KINDS };

static const char *const wait_names[] = {
    "pop_wait woken by a push", "pop_wait woken by close",
    "push_wait (full) woken by a pop", "push_wait (full) woken by close",
    "join woken by task_done"};

static void t_wait_shared(const reg_entry *e, enum wait_kind k)
{
    unsigned flags = CONC_SHARED | (k == JOIN_BY_DONE ? CONC_JOINABLE : 0);
    bool full = k == PUSH_BY_POP || k == PUSH_BY_CLOSE;
    size_t len = 0;
    int st;
    void *q = make_shared(e, full ? 1 : 4, flags, &len, &st);
    if (!q) {
        ok(0, "%s: init(CONC_SHARED%s) in MAP_SHARED memory: %s", e->name,
           k == JOIN_BY_DONE ? "|CONC_JOINABLE" : "", sname(st));
        return;
    }
    if ((full || k == JOIN_BY_DONE) && e->push(q, P(1)) != CONC_OK)
        bail_out("%s: first push", e->name);
    struct report *r = new_report();
    int ready[2];
    if (pipe(ready) != 0)
        bail_out("pipe");
    tap_watchdog(30, wait_names[k]);
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        void *it = P(0);
        char c = 1;
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        switch (k) {
        case POP_BY_PUSH:
        case POP_BY_CLOSE:
            r->st = e->pop_wait(q, &it, CONC_FOREVER);
            break;
        case PUSH_BY_POP:
        case PUSH_BY_CLOSE:
            r->st = e->push_wait(q, P(2), CONC_FOREVER);
            break;
        default:
            r->st = e->join(q, CONC_FOREVER);
        }
        r->item = (uintptr_t)it;
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        bail_out("read");
    bool slept = asleep(pid);
    void *it = P(0);
    int pst = CONC_OK;
    switch (k) {
    case POP_BY_PUSH:
        pst = e->push(q, P(42));
        break;
    case POP_BY_CLOSE:
    case PUSH_BY_CLOSE:
        pst = e->close(q);
        break;
    case PUSH_BY_POP:
        pst = e->pop(q, &it);
        break;
    default:
        pst = e->pop(q, &it);
        if (pst == CONC_OK)
            pst = e->task_done(q);
    }
    int cs = reap(pid, GUARD_S);
    int want = k == POP_BY_CLOSE || k == PUSH_BY_CLOSE ? CONC_CLOSED : CONC_OK;
    check(pst == CONC_OK, "the parent's action: %s", sname(pst));
    if (cs == -1)
        check(0, "the child was not woken within %d s (killed)", GUARD_S);
    else
        check(cs == 0, "the child exited %d", cs);
    if (cs == 0)
        check(r->st == want, "the child's wait returned %s, want %s",
              sname(r->st), sname(want));
    if (k == POP_BY_PUSH && cs == 0)
        check(r->item == 42, "the child popped %lu, want 42",
              (unsigned long)r->item);
    if (k == PUSH_BY_POP && cs == 0) {
        void *got = P(0);
        check(it == P(1) && e->pop(q, &got) == CONC_OK && got == P(2),
              "the parent popped %p, then the child's item %p", it, got);
    }
    check_group("%s: CONC_SHARED, %s in another process%s", e->name,
                wait_names[k], slept ? " (seen asleep first)" : "");
    tap_watchdog(0, NULL);
    close(ready[0]);
    close(ready[1]);
    munmap(r, sizeof *r);
    drop_shared(e, q, len);
}

/* Without CONC_SHARED a structure belongs to one process: a wait in another
 * process is never woken from here; it sleeps to its timeout, then looks
 * once more and so finds the item (never a hang past the timeout). */
static void t_wait_unshared(const reg_entry *e)
{
    const uint64_t T = 300 * MS;
    size_t len = 0;
    int st;
    void *q = make_shared(e, 4, 0, &len, &st);
    if (!q) {
        ok(0, "%s: init(0): %s", e->name, sname(st));
        return;
    }
    struct report *r = new_report();
    int ready[2];
    if (pipe(ready) != 0)
        bail_out("pipe");
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        void *it = P(0);
        char c = 1;
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        uint64_t t0 = now_ns();
        r->st = e->pop_wait(q, &it, T);
        r->elapsed_ns = now_ns() - t0;
        r->item = (uintptr_t)it;
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        bail_out("read");
    bool slept = asleep(pid);
    check(e->push(q, P(42)) == CONC_OK, "push");
    int cs = reap(pid, GUARD_S);
    check(cs == 0, "child exit %d", cs);
    check(r->st == CONC_OK && r->item == 42,
          "the child's pop_wait(300 ms): %s, item %lu (its look after the "
          "timeout finds the item)", sname(r->st), (unsigned long)r->item);
    if (slept)
        check(r->elapsed_ns >= T, "asleep when the item came, the child was "
              "not woken: it returned after %.0f ms, its timeout is 300 ms",
              (double)r->elapsed_ns / 1e6);
    check_group("%s: flags 0: a pop_wait in another process is not woken; it "
                "returns at its timeout, with the item", e->name);
    close(ready[0]);
    close(ready[1]);
    munmap(r, sizeof *r);
    drop_shared(e, q, len);
}

static void t_shared_no_fd(const reg_entry *e)
{
    size_t len = 0;
    int st;
    void *q = make_shared(e, 4, CONC_SHARED, &len, &st);
    check(q != NULL, "init(CONC_SHARED): %s", sname(st));
    if (q) {
        int fd = -7;
        st = e->fd(q, &fd);
        check(st == CONC_EINVAL && fd == -7, "X_fd: %s, fd %d (want EINVAL)",
              sname(st), fd);
        check(e->push(q, P(3)) == CONC_OK, "push");
        void *it = P(0);
        check(e->pop(q, &it) == CONC_OK && it == P(3), "pop");
        check(e->pop(q, &it) == CONC_EMPTY, "EMPTY");
        drop_shared(e, q, len);
    }
    q = make_shared(e, 4, CONC_SHARED | CONC_JOINABLE | CONC_NOWAIT, &len, &st);
    check(q != NULL, "init(CONC_SHARED|CONC_JOINABLE|CONC_NOWAIT): %s",
          sname(st));
    if (q)
        drop_shared(e, q, len);
    errno = 0;
    void *h = e->create_flags(4, CONC_SHARED);
    check(h != NULL, "new(CONC_SHARED) (errno %d)", errno);
    if (h) {
        int fd = -7;
        st = e->fd(h, &fd);
        check(st == CONC_EINVAL && fd == -7, "X_fd on new(CONC_SHARED): %s",
              sname(st));
        e->destroy(h);
    }
    check_group("%s: CONC_SHARED accepted by init and new; no eventfd (X_fd "
                "EINVAL)", e->name);
}

static void t_lfqueue_refuses_shared(void)
{
    const reg_entry *e = conc_registry_find("lfqueue");
    if (!e || !selected("lfqueue")) {
        skip("lfqueue not selected");
        return;
    }
    size_t fp = e->footprint(0);
    void *m = aligned_alloc(CONC_ALIGN, (fp + CONC_ALIGN - 1) / CONC_ALIGN * CONC_ALIGN);
    memset(m, 0x5e, fp);
    static const unsigned bad[] = {CONC_SHARED, CONC_SHARED | CONC_JOINABLE,
                                   CONC_SHARED | CONC_NOWAIT};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = e->init_flags(m, fp, 0, bad[i]);
        check(st == CONC_EINVAL, "init(%#x): %s", bad[i], sname(st));
        if (st == CONC_OK)
            e->fini(m);
        errno = 0;
        void *h = e->create_flags(0, bad[i]);
        check(h == NULL && errno == EINVAL, "new(%#x): %p, errno %d", bad[i], h,
              errno);
        if (h)
            e->destroy(h);
    }
    unsigned char *b = m;
    bool untouched = true;
    for (size_t i = 0; i < fp; i++)
        untouched = untouched && b[i] == 0x5e;
    check(untouched, "the refused init left the memory untouched");
    free(m);
    check_group("lfqueue: CONC_SHARED refused (EINVAL) by init and new");
}

int main(void)
{
    /* A child killed by the guard must not take us with it through SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    tap_watchdog(120, "test_xproc");
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind == REG_COUNTER || !e->process_shared || !selected(e->name))
            continue;
        diag("%s", e->name);
        tap_watchdog(120, e->name);
        t_fd_through_shm(e);
        t_fork_after_fd(e, false);
        t_fork_after_fd(e, true);
        for (int k = 0; k < WAIT_KINDS; k++)
            t_wait_shared(e, (enum wait_kind)k);
        tap_watchdog(120, e->name);
        t_wait_unshared(e);
        t_shared_no_fd(e);
    }
    t_lfqueue_refuses_shared();
    done_testing();
    return tap_exit();
}
