/* conc.c - status names and the library version. */
#include <conc/conc.h>

const char *conc_strerror(int status)
{
    switch (status) {
    case CONC_OK: return "CONC_OK: success";
    case CONC_EMPTY: return "CONC_EMPTY: structure is empty";
    case CONC_FULL: return "CONC_FULL: structure is full";
    case CONC_CLOSED: return "CONC_CLOSED: structure is closed";
    case CONC_TIMEDOUT: return "CONC_TIMEDOUT: wait timed out";
    case CONC_EINVAL: return "CONC_EINVAL: invalid argument";
    case CONC_ENOMEM: return "CONC_ENOMEM: out of memory";
    case CONC_EFORMAT: return "CONC_EFORMAT: not a conc structure of this version and geometry";
    case CONC_ESYS: return "CONC_ESYS: system call failed (see errno)";
    }
    return "unknown conc status";
}

const char *conc_version(void)
{
    return CONC_VERSION_STRING;
}
