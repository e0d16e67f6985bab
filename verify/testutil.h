/*
 * testutil.h - small helpers shared by conc's tests (verify/) and fuzz
 * targets (fuzz/).  Self-contained: no TAP here (that is tap.h).
 *
 *   status_name(st, unknown)  the name of a conc_status ("OK", "EMPTY", ...),
 *                             or `unknown` for any other value.
 *   sname(st)                 the same, "?" for any other value.
 */
#ifndef CONC_VERIFY_TESTUTIL_H
#define CONC_VERIFY_TESTUTIL_H

#include <conc/conc.h>

static inline const char *status_name(int st, const char *unknown)
{
    switch (st) {
    case CONC_OK: return "OK";
    case CONC_EMPTY: return "EMPTY";
    case CONC_FULL: return "FULL";
    case CONC_CLOSED: return "CLOSED";
    case CONC_TIMEDOUT: return "TIMEDOUT";
    case CONC_EINVAL: return "EINVAL";
    case CONC_ENOMEM: return "ENOMEM";
    }
    return unknown;
}

static inline const char *sname(int st) { return status_name(st, "?"); }

#endif /* CONC_VERIFY_TESTUTIL_H */
