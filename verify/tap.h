/*
 * tap.h - tiny TAP (Test Anything Protocol) helpers for conc's tests.
 *
 *   ok(cond, fmt, ...)    one numbered test point; a failure prints
 *                         "not ok N - msg" and "# at file:line".
 *   check(cond, fmt, ...) a silent sub-check: only a failure prints (a "#"
 *                         line, the first TAP_CHECK_DIAGS of a group), and
 *                         check_group(fmt, ...) turns the group into one
 *                         test point.  Loops of thousands of comparisons
 *                         thus give one line, not thousands.
 *   verdict(fmt, ...)     check_group(fmt, ...); but with tap_expect_broken
 *                         set (a --broken run: the structure under test is
 *                         meant to fail), the test point passes when the
 *                         group's checks caught it.
 *   diag(fmt, ...)        a "#" comment line.
 *   skip(fmt, ...)        "ok N # SKIP msg".
 *   plan(n) / done_testing()  the plan, before or after the test points.
 *   tap_exit()            exit status: nonzero if anything failed or the
 *                         plan does not match.
 *   tap_watchdog(s, what) arm (or with s == 0 disarm) an alarm: if it fires,
 *                         "Bail out! watchdog: <what>" and exit 3, so a hang
 *                         fails with a message instead of hanging the runner.
 *
 * Test points are emitted from one thread (the main one); worker threads
 * record what they saw and the main thread checks it after joining.
 */
#ifndef CONC_VERIFY_TAP_H
#define CONC_VERIFY_TAP_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAP_CHECK_DIAGS 5

#if defined(__GNUC__)
#define TAP_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#define TAP_UNUSED_ __attribute__((unused))
#define TAP_NORETURN_ __attribute__((noreturn))
#else
#define TAP_NORETURN_
#define TAP_PRINTF_(f, a)
#define TAP_UNUSED_
#endif

static int tap_count_;       /* test points emitted */
static int tap_failed_;      /* test points that failed */
static int tap_planned_ = -1;
static int tap_group_fails_; /* failed checks in the current group */
static char tap_watch_msg_[256];
static bool tap_expect_broken; /* verdict(): the group is meant to fail */

static TAP_UNUSED_ void tap_vline_(const char *prefix, const char *fmt,
                                   va_list ap)
{
    fputs(prefix, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static TAP_UNUSED_ TAP_PRINTF_(1, 2) void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vline_("# ", fmt, ap);
    va_end(ap);
}

static TAP_UNUSED_ void plan(int n)
{
    tap_planned_ = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

static TAP_UNUSED_ TAP_PRINTF_(4, 5) int tap_ok_(int cond, const char *file,
                                                 int line, const char *fmt,
                                                 ...)
{
    va_list ap;
    char prefix[32];
    tap_count_++;
    snprintf(prefix, sizeof prefix, "%sok %d - ", cond ? "" : "not ",
             tap_count_);
    va_start(ap, fmt);
    tap_vline_(prefix, fmt, ap);
    va_end(ap);
    if (!cond) {
        tap_failed_++;
        printf("#   failed at %s:%d\n", file, line);
        fflush(stdout);
    }
    return cond;
}
#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static TAP_UNUSED_ TAP_PRINTF_(4, 5) int tap_check_(int cond, const char *file,
                                                    int line, const char *fmt,
                                                    ...)
{
    if (!cond) {
        va_list ap;
        char prefix[300];
        if (++tap_group_fails_ <= TAP_CHECK_DIAGS) {
            snprintf(prefix, sizeof prefix, "#   check failed at %s:%d: ",
                     file, line);
            va_start(ap, fmt);
            tap_vline_(prefix, fmt, ap);
            va_end(ap);
        }
    }
    return cond;
}
#define check(cond, ...) tap_check_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Ends the current group of checks: 1 if none failed.  Resets the group. */
static TAP_UNUSED_ int tap_group_end_(void)
{
    int fails = tap_group_fails_;
    tap_group_fails_ = 0;
    if (fails > TAP_CHECK_DIAGS)
        printf("#   ... and %d more failed checks\n", fails - TAP_CHECK_DIAGS);
    return fails == 0;
}
#define check_group(...) ok(tap_group_end_(), __VA_ARGS__)

static TAP_UNUSED_ TAP_PRINTF_(1, 2) void verdict(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (tap_expect_broken) {
        int passed = tap_group_end_();
        ok(!passed, "the checks catch the broken queue: %s", msg);
    } else {
        check_group("%s", msg);
    }
}

static TAP_UNUSED_ TAP_PRINTF_(1, 2) void skip(const char *fmt, ...)
{
    va_list ap;
    char prefix[48];
    tap_count_++;
    snprintf(prefix, sizeof prefix, "ok %d # SKIP ", tap_count_);
    va_start(ap, fmt);
    tap_vline_(prefix, fmt, ap);
    va_end(ap);
}

static TAP_UNUSED_ TAP_NORETURN_ TAP_PRINTF_(1, 2) void bail_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vline_("Bail out! ", fmt, ap);
    va_end(ap);
    exit(2);
}

static TAP_UNUSED_ void done_testing(void)
{
    if (tap_planned_ < 0) {
        printf("1..%d\n", tap_count_);
        fflush(stdout);
    }
}

static TAP_UNUSED_ int tap_exit(void)
{
    if (tap_planned_ >= 0 && tap_planned_ != tap_count_) {
        printf("# planned %d tests but ran %d\n", tap_planned_, tap_count_);
        return 1;
    }
    if (tap_failed_)
        printf("# failed %d of %d tests\n", tap_failed_, tap_count_);
    fflush(stdout);
    return tap_failed_ ? 1 : 0;
}

static TAP_UNUSED_ void tap_alarm_(int sig)
{
    /* Only async-signal-safe calls here: write() of a prepared message. */
    static const char head[] = "\nBail out! watchdog: ";
    static const char tail[] = " did not finish in time\n";
    ssize_t r;
    (void)sig;
    r = write(STDOUT_FILENO, head, sizeof head - 1);
    r = write(STDOUT_FILENO, tap_watch_msg_, strlen(tap_watch_msg_));
    r = write(STDOUT_FILENO, tail, sizeof tail - 1);
    (void)r;
    _exit(3);
}

static TAP_UNUSED_ void tap_watchdog(unsigned seconds, const char *what)
{
    alarm(0);
    if (seconds == 0)
        return;
    snprintf(tap_watch_msg_, sizeof tap_watch_msg_, "%s", what ? what : "");
    signal(SIGALRM, tap_alarm_);
    alarm(seconds);
}

#endif /* CONC_VERIFY_TAP_H */
