/*
 * opts.c - command-line value parsers (opts.h).
 */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int digit_value(char c, int base)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (base == 16 && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static uint64_t suffix_multiplier(char c)
{
    switch (c) {
    case 'k': case 'K': return 1000u;
    case 'm': case 'M': return 1000000u;
    case 'g': case 'G': return 1000000000u;
    default: return 0;
    }
}

bool h_parse_u64(const char *s, unsigned flags, uint64_t lo, uint64_t hi,
                 uint64_t *out)
{
    if (!s || !*s)
        return false;
    int base = 10;
    if ((flags & H_NUM_HEX) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *p = s;
    int d;
    for (; *p && (d = digit_value(*p, base)) >= 0; p++) {
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (p == s)
        return false;
    if (*p && (flags & H_NUM_SUFFIX) && base == 10 && !p[1]) {
        uint64_t m = suffix_multiplier(*p);
        if (!m || v > UINT64_MAX / m)
            return false;
        v *= m;
        p++;
    }
    if (*p || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool h_parse_duration(const char *s, double *out)
{
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return false;
    double mul;
    if (!*end || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "ms"))
        mul = 1e-3;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else
        return false;
    v *= mul;
    if (!(v > 0) || v > 1e7)
        return false;
    *out = v;
    return true;
}

bool h_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

const char *h_opt_typed(char **argv, int optind, const char *optarg)
{
    int at = optind - 1;
    if (optarg && at > 0 && argv[at] == optarg)
        at--; /* "--flag value": the value was the last word */
    return argv[at];
}

bool h_opt_in_full(const char *typed, const char *name)
{
    if (strncmp(typed, "--", 2) != 0)
        return false;
    size_t n = strcspn(typed + 2, "=");
    return n == strlen(name) && !strncmp(typed + 2, name, n);
}

bool h_parse_list(const char *s, bool (*each)(const char *word, void *arg),
                  void *arg)
{
    if (!s || !*s)
        return false;
    char word[128];
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n == 0 || n >= sizeof word)
            return false;
        memcpy(word, s, n);
        word[n] = '\0';
        if (!each(word, arg))
            return false;
        if (!comma)
            return true;
        s = comma + 1;
    }
}
