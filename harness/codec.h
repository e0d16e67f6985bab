/*
 * codec.h - the item every concurrent driver pushes: (producer, sequence,
 * check word) packed into one pointer-sized word.
 *
 *   bits  [check word | sequence | producer]   from the low end
 *   64-bit pointers: 16 | 38 | 10  (1024 producers, 2.7e11 items each)
 *   32-bit pointers:  4 | 22 |  6  (64 producers, 4M items each)
 *
 * The check word is a hash of (producer, sequence): an item whose bits were
 * corrupted on the way almost surely fails h_item_valid().  An optional key
 * is XOR'ed into the stored value, so that a driver can make one chosen
 * item the NULL pointer (key = h_item_encode(0, 0): producer 0's first
 * item is NULL, a real item like any other).
 */
#ifndef CONC_HARNESS_CODEC_H
#define CONC_HARNESS_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#if UINTPTR_MAX > 0xFFFFFFFFu
#define H_ITEM_PROD_BITS 10
#define H_ITEM_SEQ_BITS 38
#define H_ITEM_CHECK_BITS 16
#else
#define H_ITEM_PROD_BITS 6
#define H_ITEM_SEQ_BITS 22
#define H_ITEM_CHECK_BITS 4
#endif

#define H_ITEM_MAX_PRODUCERS ((uintptr_t)1 << H_ITEM_PROD_BITS)
#define H_ITEM_SEQ_LIMIT ((uint64_t)1 << H_ITEM_SEQ_BITS)

_Static_assert(H_ITEM_PROD_BITS + H_ITEM_SEQ_BITS + H_ITEM_CHECK_BITS ==
                   8 * sizeof(uintptr_t),
               "an item is one pointer-sized word");

/* A 64-bit mixer (splitmix64's finaliser). */
static inline uint64_t h_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The check word of (producer, seq). */
static inline uintptr_t h_item_check(uint64_t producer, uint64_t seq)
{
    return (uintptr_t)(h_mix64((producer << H_ITEM_SEQ_BITS) ^ seq ^
                               0xC0C0A5A5ull) >>
                       (64 - H_ITEM_CHECK_BITS));
}

/* The item (producer, seq); producer < H_ITEM_MAX_PRODUCERS,
 * seq < H_ITEM_SEQ_LIMIT. */
static inline uintptr_t h_item_encode(uint64_t producer, uint64_t seq)
{
    return ((uintptr_t)producer << (H_ITEM_SEQ_BITS + H_ITEM_CHECK_BITS)) |
           ((uintptr_t)seq << H_ITEM_CHECK_BITS) | h_item_check(producer, seq);
}

static inline uint64_t h_item_producer(uintptr_t v)
{
    return (uint64_t)(v >> (H_ITEM_SEQ_BITS + H_ITEM_CHECK_BITS));
}

static inline uint64_t h_item_seq(uintptr_t v)
{
    return (uint64_t)(v >> H_ITEM_CHECK_BITS) & (H_ITEM_SEQ_LIMIT - 1);
}

static inline uintptr_t h_item_checkword(uintptr_t v)
{
    return v & (((uintptr_t)1 << H_ITEM_CHECK_BITS) - 1);
}

/* Its check word matches its (producer, seq). */
static inline bool h_item_valid(uintptr_t v)
{
    return h_item_checkword(v) == h_item_check(h_item_producer(v), h_item_seq(v));
}

/* The pointer a driver pushes for (producer, seq) under `key`, and back. */
static inline void *h_item_ptr(uint64_t producer, uint64_t seq, uintptr_t key)
{
    return (void *)(h_item_encode(producer, seq) ^ key);
}

static inline uintptr_t h_item_of(const void *p, uintptr_t key)
{
    return (uintptr_t)p ^ key;
}

/* xorshift64*: the next value of a per-thread stream (state never 0). */
static inline uint64_t h_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif /* CONC_HARNESS_CODEC_H */
