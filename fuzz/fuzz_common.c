/*
 * fuzz_common.c - fuzz_fail and the small helpers of fuzz.h, linked into
 * every target in every build (libFuzzer, AFL++, replay).
 */
#include "fuzz.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool fuzz_expect_violation;
static int broken_allowed = -1; /* -1: not decided yet */

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    fputs(fuzz_expect_violation ? "conc fuzz: expected violation caught: "
                                : "conc fuzz: property violated: ",
          stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    if (fuzz_expect_violation) {
        fflush(stdout);
        _exit(0); /* the checker did its job; see replay_main.c */
    }
    abort();
}

bool fuzz_broken_allowed(void)
{
    if (broken_allowed < 0) {
        const char *e = getenv("CONC_FUZZ_BROKEN");
        broken_allowed = e != NULL && strcmp(e, "1") == 0;
    }
    return broken_allowed;
}

void fuzz_set_broken_allowed(bool on) { broken_allowed = on; }

/* The builds without maps_wrap.c: not counted. */
__attribute__((weak)) long fuzz_maps_live(void)
{
    return -1;
}

void fuzz_check_maps(long at_start, const char *target)
{
    long now = fuzz_maps_live();
    if (at_start < 0 || now < 0)
        return;
    if (now - at_start > FUZZ_MAPS_SLACK)
        fuzz_fail("%s: %ld bytes mapped by this input are still mapped after "
                  "everything it made was freed (at most %ld may wait for a "
                  "hazard pointer)", target, now - at_start, FUZZ_MAPS_SLACK);
}

const char *fuzz_status_name(int st)
{
    return status_name(st, "(not a conc_status)");
}

void *fuzz_alloc_aligned(size_t size, unsigned char fill)
{
    void *mem = NULL;
    if (size == 0)
        size = 1;
    if (posix_memalign(&mem, CONC_ALIGN, size) != 0) {
        fprintf(stderr, "conc fuzz: harness out of memory (%zu bytes)\n", size);
        abort();
    }
    memset(mem, fill, size);
    return mem;
}
