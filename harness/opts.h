/*
 * opts.h - the value parsers every harness driver's command line uses.
 * The drivers parse their flags with getopt_long(3) and these for the
 * values; each returns false, with *out untouched, on anything that is not
 * exactly a value of its form.
 */
#ifndef CONC_HARNESS_OPTS_H
#define CONC_HARNESS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    H_NUM_SUFFIX = 1, /* accept one k/M/G suffix (x1000, x1e6, x1e9) */
    H_NUM_HEX = 2     /* accept 0x... */
};

/* Digits only (no sign, no spaces), in [lo, hi]. */
bool h_parse_u64(const char *s, unsigned flags, uint64_t lo, uint64_t hi,
                 uint64_t *out);

/* "500ms", "30s", "5m" / "5min", "2h", "1.5s", or a plain number of
 * seconds; > 0 and at most 1e7 s. */
bool h_parse_duration(const char *s, double *out);

/* A finite decimal number in [lo, hi]. */
bool h_parse_double(const char *s, double lo, double hi, double *out);

/* Split a comma-separated list, calling each(word, arg) for every word
 * (empty words are refused).  Stops at the first false from each. */
bool h_parse_list(const char *s, bool (*each)(const char *word, void *arg),
                  void *arg);

/* getopt_long(3) also takes an unambiguous prefix of a long option
 * ("--dur" for "--duration"); the drivers refuse one, so that a flag means
 * the same in every version.  After getopt_long returned a long option,
 * h_opt_typed gives the word the user typed for it (optind and optarg as
 * getopt_long left them), and h_opt_in_full whether that word is "--name"
 * or "--name=..." in full. */
const char *h_opt_typed(char **argv, int optind, const char *optarg);
bool h_opt_in_full(const char *typed, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_OPTS_H */
