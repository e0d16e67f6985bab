/*
 * site.h - the caller's file:line, in the verify build only.
 *
 * Each door of src/ (atomics.h, spin.h, futex.h, lock.h, clock.h) is a
 * function-like macro over a static inline function; in the verify build
 * (CONC_VERIFY) the macro passes the site of its caller as two extra
 * arguments, which the function puts into its schedule point (verify.h).
 * In the normal build the macros below expand to nothing, so the functions
 * take exactly the arguments they always took and cost nothing.
 *
 *   CONC__SITE         `, __FILE__, __LINE__`  after the last argument
 *   CONC__SITE0        `__FILE__, __LINE__`    as the only arguments
 *   CONC__SITE_PARAMS  `, const char *file, int line`  in a parameter list
 *   CONC__SITE_PARAMS0 `const char *file, int line` (normal build: `void`)
 *   CONC__SITE_FWD     `, file, line`  pass the site on to another door
 *   CONC__SITE_FWD0    `file, line`
 *
 * And, in the verify build, CONC__POINT_AT(kind, file, line): a conc_point
 * of that kind at that site in phase PRE, with no address, width or value
 * (deadline_ns -1, ok true), for the door to fill in.
 */
#ifndef CONC_INTERNAL_SITE_H
#define CONC_INTERNAL_SITE_H

#include "verify.h"

#ifdef CONC_VERIFY
#define CONC__SITE , __FILE__, __LINE__
#define CONC__SITE0 __FILE__, __LINE__
#define CONC__SITE_PARAMS , const char *file, int line
#define CONC__SITE_PARAMS0 const char *file, int line
#define CONC__SITE_FWD , file, line
#define CONC__SITE_FWD0 file, line
#define CONC__POINT_AT(kind_, file_, line_)                                    \
    ((conc_point){.kind = (kind_), .phase = CONC_PHASE_PRE, .file = (file_),   \
                  .line = (line_), .deadline_ns = -1, .ok = true})
#else
#define CONC__SITE
#define CONC__SITE0
#define CONC__SITE_PARAMS
#define CONC__SITE_PARAMS0 void
#define CONC__SITE_FWD
#define CONC__SITE_FWD0
#endif

#endif /* CONC_INTERNAL_SITE_H */
