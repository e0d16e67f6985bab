/*
 * machine.c - what the reports say about the machine: CPUs, model, OS,
 * compiler, date, the load average, and how many CPUs spinning threads
 * actually obtained at the start and at the end of the run.
 */
#include "driver.h"
#include "runctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "sys.h"

/* ------------------------------------------------------------------------ */
/* How parallel the machine is right now                                     */

typedef struct probe_worker {
    _Alignas(128) pthread_barrier_t *start;
    uint64_t until;  /* CLOCK_MONOTONIC ns */
    double cpu_s;    /* CPU time this thread got */
} probe_worker;

static void *probe_main(void *arg)
{
    probe_worker *w = arg;
    pthread_barrier_wait(w->start);
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    while (h_now_ns() < w->until)
        ;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    w->cpu_s = (double)(b.tv_sec - a.tv_sec) +
               (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    return NULL;
}

double bench_parallelism(unsigned threads, double seconds)
{
    probe_worker *w =
        bench_aligned_zalloc(_Alignof(probe_worker), threads * sizeof *w);
    pthread_t *tids = calloc(threads, sizeof *tids);
    pthread_barrier_t start;
    if (!tids)
        bench_die("allocating", ENOMEM);
    int r = pthread_barrier_init(&start, NULL, threads + 1);
    if (r)
        bench_die("pthread_barrier_init", r);
    for (unsigned i = 0; i < threads; i++) {
        w[i].start = &start;
        r = pthread_create(&tids[i], NULL, probe_main, &w[i]);
        if (r)
            bench_die("pthread_create", r);
    }
    uint64_t t0 = h_now_ns();
    for (unsigned i = 0; i < threads; i++)
        w[i].until = t0 + (uint64_t)(seconds * 1e9);
    pthread_barrier_wait(&start);
    double cpu = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        cpu += w[i].cpu_s;
    }
    double wall = (double)(h_now_ns() - t0) / 1e9;
    pthread_barrier_destroy(&start);
    free(tids);
    free(w);
    return wall > 0 ? cpu / wall : 0;
}

/* The probe: one spinning thread per CPU for a fifth of a second. */
static double probe_parallelism(long cpus)
{
    return bench_parallelism((unsigned)(cpus < 64 ? cpus : 64), 0.2);
}

const char *parallel_warning(double got, long cpus)
{
    if (cpus > 1 && got < 0.75 * (double)cpus)
        return "\n          (time-sliced: threads meant to run side by side "
               "took turns, so the\n          contention in the faa, counter "
               "and pair figures is understated)";
    return "";
}

/* ------------------------------------------------------------------------ */
/* The rest of the description                                               */

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *v = strchr(line, ':');
        if (!v)
            break;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, len, "%s", v);
        break;
    }
    fclose(f);
}

static const char *compiler_name(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown compiler";
#endif
}

static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static void os_name(char *out, size_t len)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(out, len, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(out, len, "unknown OS");
}

void describe_machine(machine *m)
{
    m->cpus = (long)h_online_cpus();
    cpu_model(m->cpu, sizeof m->cpu);
    os_name(m->os, sizeof m->os);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->compiler = compiler_name();
#ifdef __OPTIMIZE__
    m->optimized = true;
#else
    m->optimized = false;
#endif
    m->load_start = load_average();
    m->load_end = -1;
    m->par_start = probe_parallelism(m->cpus);
    m->par_end = -1;
}

void machine_finish(machine *m)
{
    m->load_end = load_average();
    m->par_end = probe_parallelism(m->cpus);
}
