/*
 * sys.h - time, sleeping, threads and pinning for every harness driver
 * (tests, conc-stress, the fuzzers, conc-bench).
 */
#ifndef CONC_HARNESS_SYS_H
#define CONC_HARNESS_SYS_H

#include <pthread.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CLOCK_MONOTONIC, in nanoseconds and in seconds. */
uint64_t h_now_ns(void);
double h_now_s(void);

/* Sleep this long; an interrupting signal does not shorten it. */
void h_sleep_s(double seconds);
void h_sleep_ms(long ms);

/* pthread_create with a 256 KiB stack; 0, or -1 with errno set. */
int h_thread_create(pthread_t *th, void *(*fn)(void *), void *arg);

/* Pin the calling thread to `cpu`; a negative cpu leaves it free.  0, or
 * an errno value (the thread then runs unpinned). */
int h_pin_self(int cpu);

/* The CPUs online (sysconf(_SC_NPROCESSORS_ONLN); at least 1).  An
 * affinity mask (taskset) does not lower it. */
unsigned h_online_cpus(void);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_SYS_H */
