/*
 * pad.h - cache-line size and padding.
 *
 * CONC_CACHE_LINE is the line size; hot words written by different threads
 * are kept CONC_PAD_LINE (two lines) apart, because x86's adjacent-line
 * prefetcher pulls lines in pairs and would otherwise make neighbours
 * falsely share.  Structures align to CONC_ALIGN (64, the public promise for
 * caller memory), never more, so caller memory aligned to CONC_ALIGN is
 * always enough.
 */
#ifndef CONC_INTERNAL_PAD_H
#define CONC_INTERNAL_PAD_H

#include <conc/conc.h>
#include <stddef.h>
#include <stdint.h>

#define CONC_CACHE_LINE 64
#define CONC_PAD_LINE 128

/* Pad a member of type T up to CONC_PAD_LINE bytes. */
#define CONC_PADDED(T, name)                                                   \
    union {                                                                    \
        T name;                                                                \
        unsigned char name##_pad_[CONC_PAD_LINE];                              \
    }

static inline int conc_is_aligned(const void *p, size_t align)
{
    return ((uintptr_t)p & (align - 1)) == 0;
}

/* a * b + c with overflow detection; 0 on overflow. */
static inline size_t conc_size_mul_add(size_t a, size_t b, size_t c)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(r, c, &r))
        return 0;
    return r;
}

#endif /* CONC_INTERNAL_PAD_H */
