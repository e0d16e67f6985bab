/*
 * rows.c - the rows of the throughput mode: which structures run at which
 * configuration, in the order they run and are shown, and the names
 * --only and --list know.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounded queues first (the plain sequence-number ring, the baseline of
 * every bounded queue, leads), then the unbounded ones, then the stacks. */
const bench_peer_ops *const bench_peers[] = {
    &bench_peer_vyukov, &bench_peer_ck_ring,
#ifdef CONC_BENCH_CXX
    &bench_peer_boost_queue,
#endif
    &bench_peer_ck_fifo, &bench_peer_wfcqueue,
#ifdef CONC_BENCH_CXX
    &bench_peer_moodycamel, &bench_peer_moodycamel_tok,
#endif
    &bench_peer_ck_stack, &bench_peer_lfstack,
#ifdef CONC_BENCH_CXX
    &bench_peer_boost_stack,
#endif
};
const size_t bench_npeers = sizeof bench_peers / sizeof bench_peers[0];

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        perror("conc-bench");
        exit(1);
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */

bool name_selected(const options *o, const char *name)
{
    if (o->nonly == 0)
        return true;
    for (unsigned i = 0; i < o->nonly; i++) {
        const char *w = o->only[i];
        if (!strcmp(w, name))
            return true;
        if (!strncmp(name, "conc_", 5) && !strcmp(w, name + 5))
            return true; /* a registry name: "ring" for conc_ring */
    }
    return false;
}

bool name_known(const char *w)
{
    char buf[64];
    if (!strcmp(w, "faa") || !strcmp(w, "faa_slot") || !strcmp(w, "pipe") || !strcmp(w, "conc_shmring") ||
        !strcmp(w, "shmring"))
        return true;
    for (size_t i = 0; i < bench_npeers; i++)
        if (!strcmp(w, bench_peers[i]->name))
            return true;
    for (size_t i = 0; i < conc_registry_count; i++) {
        snprintf(buf, sizeof buf, "conc_%s", conc_registry[i].name);
        if (!strcmp(w, buf) || !strcmp(w, conc_registry[i].name))
            return true;
    }
    return false;
}

void list_names(void)
{
    for (size_t i = 0; i < conc_registry_count; i++)
        printf("conc_%s\n", conc_registry[i].name);
    for (size_t i = 0; i < bench_npeers; i++)
        printf("%s\n", bench_peers[i]->name);
    printf("faa\nfaa_slot (counters)\nconc_shmring (latency)\n"
           "pipe (latency)\n");
}

/* ------------------------------------------------------------------------ */
/* Building the rows                                                         */

static row *add_row(rowset *rs, const options *o, bench_section sec,
                    row_kind kind, const char *name, bool conc, unsigned p,
                    unsigned c)
{
    if (!name_selected(o, name))
        return NULL;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        if (!rs->v) {
            perror("conc-bench");
            exit(1);
        }
    }
    row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->section = sec;
    r->kind = kind;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->conc = conc;
    r->p = p;
    r->c = c;
    r->samples = xcalloc(o->runs, sizeof *r->samples);
    r->stalled = xcalloc(o->runs, sizeof *r->stalled);
    return r;
}

/* Containers of one section at one config: conc's first, then the peers.
 * SEC_SOLO (single thread, cf NULL): every queue, then every stack. */
static void add_containers(rowset *rs, const options *o, bench_section sec,
                           const config *cf)
{
    if (sec == SEC_SOLO) {
        static const config one = {1, 0};
        for (size_t i = 0; i < conc_registry_count; i++) {
            const reg_entry *e = &conc_registry[i];
            char name[48];
            if (e->kind != REG_QUEUE && e->kind != REG_STACK)
                continue;
            snprintf(name, sizeof name, "conc_%s", e->name);
            row *r = add_row(rs, o, sec, ROW_CONTAINER, name, true, 1, 0);
            if (r)
                r->cont.reg = e;
        }
        for (size_t i = 0; i < bench_npeers; i++) {
            row *r = add_row(rs, o, sec, ROW_CONTAINER, bench_peers[i]->name,
                             false, one.p, one.c);
            if (r)
                r->cont.peer = bench_peers[i];
        }
        return;
    }
    reg_kind want = sec == SEC_QUEUE ? REG_QUEUE : REG_STACK;
    char name[48];
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind != want)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        row *r = add_row(rs, o, sec, ROW_CONTAINER, name, true, cf->p, cf->c);
        if (r)
            r->cont.reg = e;
    }
    for (size_t i = 0; i < bench_npeers; i++) {
        if (bench_peers[i]->section != sec)
            continue;
        row *r = add_row(rs, o, sec, ROW_CONTAINER, bench_peers[i]->name,
                         false, cf->p, cf->c);
        if (r)
            r->cont.peer = bench_peers[i];
    }
}

/* Every conc queue with push_many / pop_many, through them. */
static void add_batch_rows(rowset *rs, const options *o, const config *cf)
{
    char name[48];
    for (size_t i = 0; o->batch && i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind != REG_QUEUE || !e->push_many || !e->pop_many)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        row *r = add_row(rs, o, SEC_BATCH, ROW_CONTAINER, name, true, cf->p,
                         cf->c);
        if (r) {
            r->cont.reg = e;
            r->cont.batch = o->batch;
        }
    }
}

/* Every registry counter at t threads, then the ceiling. */
static void add_counters(rowset *rs, const options *o, unsigned t)
{
    char name[48];
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind != REG_COUNTER)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        row *r = add_row(rs, o, SEC_COUNTER, ROW_COUNTER, name, true, t, 0);
        if (r)
            r->reg = e;
    }
    add_row(rs, o, SEC_COUNTER, ROW_FAA, "faa", false, t, 0);
    add_row(rs, o, SEC_COUNTER, ROW_FAA, "faa_slot", false, t, 0);
}

/* Every registry container that can wait, made with flags 0 and with
 * CONC_NOWAIT, side by side: alone (1T, c = 0) and at every config. */
static void add_wait_rows(rowset *rs, const options *o, unsigned p,
                          unsigned c)
{
    char name[48];
    for (size_t i = 0; i < conc_registry_count; i++) {
        const reg_entry *e = &conc_registry[i];
        if (e->kind == REG_COUNTER || !e->create_flags || !e->pop_wait)
            continue;
        snprintf(name, sizeof name, "conc_%s", e->name);
        for (unsigned v = 0; v < 2; v++) {
            row *r = add_row(rs, o, SEC_WAIT, ROW_CONTAINER, name, true, p, c);
            if (r) {
                r->cont.reg = e;
                r->cont.flags = v ? CONC_NOWAIT : 0;
            }
        }
    }
}

void build_rows(rowset *rs, const options *o, unsigned mode)
{
    rs->spin = o->spins[mode];
    if (o->solo && mode == 0)
        add_containers(rs, o, SEC_SOLO, NULL);
    if (o->solo_only)
        return;
    for (unsigned k = 0; k < o->nconfigs; k++) {
        const config *cf = &o->configs[k];
        add_containers(rs, o, SEC_QUEUE, cf);
        add_batch_rows(rs, o, cf);
        add_containers(rs, o, SEC_STACK, cf);
        add_row(rs, o, SEC_CEILING, ROW_FAA, "faa", false, cf->p, cf->c);
    }
    for (unsigned k = 0; mode == 0 && k < o->nthreads; k++)
        add_counters(rs, o, o->threads[k]);
    if (!o->no_wait_cost) {
        add_wait_rows(rs, o, 1, 0);
        for (unsigned k = 0; k < o->nconfigs; k++)
            add_wait_rows(rs, o, o->configs[k].p, o->configs[k].c);
    }
}

void rows_free(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].samples);
        free(rs->v[i].stalled);
    }
    free(rs->v);
    rs->v = NULL;
    rs->n = rs->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* Looking at rows                                                           */

bool is_pair_section(bench_section s)
{
    return s == SEC_QUEUE || s == SEC_BATCH || s == SEC_STACK ||
           s == SEC_CEILING;
}

bool row_ok(const row *r)
{
    return r && !r->failed && r->n > 0;
}

void row_config(const row *r, char *out, size_t len)
{
    if (r->section == SEC_COUNTER || r->section == SEC_SOLO ||
        (r->section == SEC_WAIT && r->c == 0))
        snprintf(out, len, "%uT", r->p);
    else
        snprintf(out, len, "%uP%uC", r->p, r->c);
}

const row *find_row(const rowset *rs, bench_section sec, const char *name,
                    unsigned p, unsigned c)
{
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        if (r->section == sec && r->p == p && r->c == c &&
            !strcmp(r->name, name))
            return r;
    }
    return NULL;
}

const row *shortest_row(const rowset *rs)
{
    const row *shortest = NULL;
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].n > 0 &&
            (!shortest || rs->v[i].shortest_ms < shortest->shortest_ms))
            shortest = &rs->v[i];
    return shortest;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t h = n / 2;
    return n % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}
