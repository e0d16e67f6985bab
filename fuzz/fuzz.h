/*
 * fuzz.h - what every conc fuzz target shares.
 *
 * A target is one property, written once as LLVMFuzzerTestOneInput().  It is
 * built three ways (fuzz/meson.build): for libFuzzer (-fsanitize=fuzzer),
 * for AFL++ (afl-clang-fast, with replay_main.c reading stdin or AFL's
 * shared-memory test case), and as a plain program (replay_main.c) that
 * replays the seed corpus in `make test`.
 *
 * The input bytes are a program: which structure, which capacity, which
 * thread does which operation and, for fuzz_concurrent on the verify build,
 * where each thread yields.  Parsing never fails: a missing byte reads as 0,
 * so every input is a valid program and libFuzzer's mutations stay useful.
 *
 * A broken property calls fuzz_fail(), which prints what was seen and
 * abort()s: that is how libFuzzer and AFL++ record a finding.  Under the
 * replay driver's --expect-violation the same call ends the process with
 * status 0 instead, which is how a test shows that a checker catches the
 * deliberately broken queue (harness/broken.h).
 */
#ifndef CONC_FUZZ_H
#define CONC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <conc/conc.h>

#if defined(__GNUC__)
#define FUZZ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FUZZ_PRINTF(f, a)
#endif

#ifdef __cplusplus
extern "C" {
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property is violated: print, then abort() (or, when a violation is what
 * the run expects, exit 0).  Call it from the main thread. */
_Noreturn void fuzz_fail(const char *fmt, ...) FUZZ_PRINTF(1, 2);

/* Set by replay_main's --expect-violation. */
extern bool fuzz_expect_violation;

/* May fuzz_concurrent pick the deliberately broken queue?  True after
 * replay_main's --broken, or with CONC_FUZZ_BROKEN=1 in the environment
 * (e.g. to watch libFuzzer find its faults). */
bool fuzz_broken_allowed(void);
void fuzz_set_broken_allowed(bool on);

/* The name of a status, for messages ("OK", "FULL", ...). */
const char *fuzz_status_name(int st);

/* ---- reading the input ------------------------------------------------- */

typedef struct fuzz_in {
    const uint8_t *p;
    size_t n, i;
} fuzz_in;

static inline fuzz_in fuzz_in_make(const uint8_t *p, size_t n)
{
    fuzz_in in = {p, n, 0};
    return in;
}

static inline bool fz_more(const fuzz_in *in) { return in->i < in->n; }
static inline size_t fz_left(const fuzz_in *in) { return in->n - in->i; }

/* The next byte; 0 once the input is used up. */
static inline uint8_t fz_u8(fuzz_in *in)
{
    return in->i < in->n ? in->p[in->i++] : 0;
}

/* `bytes` bytes, little-endian. */
static inline uint64_t fz_uint(fuzz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < bytes; k++)
        v |= (uint64_t)fz_u8(in) << (8 * k);
    return v;
}

/* `bytes` bytes, little-endian, sign-extended (bytes in 1..8). */
static inline int64_t fz_int(fuzz_in *in, unsigned bytes)
{
    uint64_t v = fz_uint(in, bytes);
    if (bytes < 8 && (v >> (8 * bytes - 1)) & 1)
        v |= UINT64_MAX << (8 * bytes);
    int64_t r;
    __builtin_memcpy(&r, &v, sizeof r);
    return r;
}

/* Caller memory for conc_X_init: CONC_ALIGN-aligned, `size` bytes (at least
 * one), filled with `fill`.  Aborts on out-of-memory (a harness problem). */
void *fuzz_alloc_aligned(size_t size, unsigned char fill);

/* Bytes mapped with mmap and not yet unmapped by the code linked into this
 * target (the library: conc_lfqueue's segments), or -1 where that is not
 * counted (every build but the plain replay one without sanitizers;
 * maps_wrap.c). */
long fuzz_maps_live(void);

/* Most bytes an input may leave mapped: a few lfqueue segments that a
 * hazard pointer of this thread still holds after their queue is freed
 * (2 slots; unmapped at a later scan), with room to spare. */
#define FUZZ_MAPS_SLACK ((long)8 * 8192)

/* Call with the fuzz_maps_live() of the input's start once everything the
 * input made is freed: more than FUZZ_MAPS_SLACK still mapped is a leak
 * (fuzz_fail). */
void fuzz_check_maps(long at_start, const char *target);

#ifdef __cplusplus
}
#endif

#endif /* CONC_FUZZ_H */
