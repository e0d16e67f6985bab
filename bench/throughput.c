/*
 * throughput.c - the throughput mode: every row's runs, interleaved, and
 * the figures computed from them (median, min, max, the ratio of a conc row
 * to its fastest peer, and the waiting-cost ratios).
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Running                                                                   */

/* How a run is named in messages that cannot wait for the table. */
static void run_label(const row *r, char *out, size_t len)
{
    const char *nowait = r->cont.flags & CONC_NOWAIT ? " NOWAIT" : "";
    if (r->section == SEC_SOLO)
        snprintf(out, len, "%s single-thread run %u", r->name, r->n + 1);
    else if (r->section == SEC_COUNTER ||
             (r->section == SEC_WAIT && r->c == 0))
        snprintf(out, len, "%s%s %uT run %u", r->name, nowait, r->p, r->n + 1);
    else if (r->section == SEC_WAIT)
        snprintf(out, len, "%s%s %uP%uC run %u", r->name, nowait, r->p, r->c,
                 r->n + 1);
    else if (r->section == SEC_BATCH)
        snprintf(out, len, "%s batch %zu %uP%uC run %u", r->name, r->cont.batch,
                 r->p, r->c, r->n + 1);
    else
        snprintf(out, len, "%s %uP%uC run %u", r->name, r->p, r->c, r->n + 1);
}

/* One run of the row's kind: solo (single-thread waiting rows), pair,
 * counter, or the fetch-and-add ceiling (P+C threads in the pair tables). */
static void run_kind(const row *r, const options *o, const char *label,
                     bench_result *res)
{
    if (r->section == SEC_SOLO || (r->section == SEC_WAIT && r->c == 0))
        bench_solo_run(label, &r->cont, o->total, o->capacity, res);
    else if (r->kind == ROW_CONTAINER)
        bench_pair_run(label, &r->cont, r->p, r->c, o->total, o->capacity,
                       &o->lim, res);
    else if (r->kind == ROW_COUNTER)
        bench_counter_run(label, r->reg, r->p, o->adds, o->shards, &o->lim,
                          res);
    else if (!strcmp(r->name, "faa_slot"))
        bench_faa_slots_run(label, r->p, o->adds, &o->lim, res);
    else
        bench_counter_run(label, NULL,
                          r->section == SEC_COUNTER ? r->p : r->p + r->c,
                          o->adds, o->shards, &o->lim, res);
}

/* A failed run fails the row (no more runs); a stalled one counts. */
static void record_run(row *r, const char *label, const bench_result *res)
{
    if (res->outcome == BENCH_FAILED) {
        r->failed = true;
        snprintf(r->error, sizeof r->error, "run %u: %s", r->n + 1, res->msg);
        fprintf(stderr, "conc-bench: %s: %s\n", label, res->msg);
        return;
    }
    if (res->outcome == BENCH_STALLED) {
        r->nstalled++;
        fprintf(stderr, "conc-bench: %s\n", res->msg);
    }
    double ms = res->seconds * 1e3;
    if (r->n == 0 || ms < r->shortest_ms)
        r->shortest_ms = ms;
    r->full_retries += res->full_retries;
    r->empty_retries += res->empty_retries;
    r->stalled[r->n] = res->outcome == BENCH_STALLED;
    r->samples[r->n++] = res->mops;
}

static void run_once(row *r, const options *o)
{
    bench_result res;
    char label[96];
    run_label(r, label, sizeof label);
    run_kind(r, o, label, &res);
    record_run(r, label, &res);
}

/* A waiting-cost group is one structure at one config: its two rows run
 * alternately (rotated each round: A B, B A, A B, ...). */
static bool same_group(const row *a, const row *b)
{
    if ((a->section == SEC_SOLO) != (b->section == SEC_SOLO))
        return false;
    if (a->section == SEC_SOLO)
        return true;
    if ((a->section == SEC_WAIT) != (b->section == SEC_WAIT))
        return false;
    if (a->section == SEC_WAIT)
        return a->p == b->p && a->c == b->c && !strcmp(a->name, b->name);
    if (is_pair_section(a->section) != is_pair_section(b->section))
        return false;
    return a->p == b->p && a->c == b->c;
}

static void show_progress(const row *h, unsigned run, unsigned runs)
{
    if (h->section == SEC_SOLO)
        fprintf(stderr, "\r[single thread] run %u/%u ", run + 1, runs);
    else if (h->section == SEC_WAIT)
        fprintf(stderr, "\r[waiting cost %s %uP%uC] run %u/%u ", h->name, h->p,
                h->c, run + 1, runs);
    else if (is_pair_section(h->section))
        fprintf(stderr, "\r[pairs %uP%uC] run %u/%u ", h->p, h->c, run + 1,
                runs);
    else
        fprintf(stderr, "\r[counters %uT] run %u/%u ", h->p, run + 1, runs);
    fflush(stderr);
}

/* The rows not yet done that share rs->v[i]'s group, in row order. */
static size_t collect_group(rowset *rs, size_t i, bool *done, row **group)
{
    size_t g = 0;
    for (size_t j = i; j < rs->n; j++)
        if (!done[j] && same_group(&rs->v[i], &rs->v[j])) {
            group[g++] = &rs->v[j];
            done[j] = true;
        }
    return g;
}

/*
 * Runs are interleaved: for each configuration, run 1 of every row, then run
 * 2 of every row, and so on, with the starting row rotated each round, so
 * that drift in the machine (frequency, other load) falls on all rows alike
 * instead of on whichever row happened to run last.
 */
static void run_all(rowset *rs, const options *o)
{
    bool tty = isatty(STDERR_FILENO);
    row **group = calloc(rs->n, sizeof *group);
    bool *done = calloc(rs->n, sizeof *done);
    if (!group || !done) {
        perror("conc-bench");
        exit(1);
    }
    for (size_t i = 0; i < rs->n; i++) {
        if (done[i])
            continue;
        size_t g = collect_group(rs, i, done, group);
        for (unsigned run = 0; run < o->runs; run++) {
            if (tty)
                show_progress(group[0], run, o->runs);
            for (size_t k = 0; k < g; k++) {
                row *r = group[(k + run) % g];
                if (!r->failed)
                    run_once(r, o);
            }
        }
    }
    if (tty)
        fputs("\r                                        \r", stderr);
    free(group);
    free(done);
}

/* ------------------------------------------------------------------------ */
/* Figures                                                                   */

static double *xmalloc_doubles(size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        perror("conc-bench");
        exit(1);
    }
    return v;
}

static void compute_stats(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (!row_ok(r))
            continue;
        double *s = xmalloc_doubles(r->n);
        memcpy(s, r->samples, r->n * sizeof *s);
        r->median = median_of(s, r->n);
        r->min = s[0];
        r->max = s[r->n - 1];
        free(s);
    }
}

/*
 * A conc row's peers: in a queue or stack table, the other library's
 * structures of the same kind at the same config; among counters, every
 * other counter and the fetch-and-add ceiling at the same thread count.
 */
static bool is_stack_row(const row *r)
{
    return r->cont.reg ? r->cont.reg->kind == REG_STACK
                       : r->cont.peer && r->cont.peer->section == SEC_STACK;
}

static bool is_peer_of(const row *r, const row *q)
{
    if (q == r || !row_ok(q) || q->p != r->p || q->c != r->c)
        return false;
    if (r->section == SEC_SOLO)
        return q->section == SEC_SOLO && !q->conc &&
               is_stack_row(q) == is_stack_row(r);
    if (r->section == SEC_BATCH) /* the same structure, one item at a time */
        return q->section == SEC_QUEUE && !strcmp(q->name, r->name);
    if (r->section == SEC_COUNTER)
        return q->section == SEC_COUNTER;
    return q->section == r->section && !q->conc;
}

static void compute_ratios(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (!r->conc || !row_ok(r))
            continue;
        for (size_t j = 0; j < rs->n; j++) {
            const row *q = &rs->v[j];
            if (is_peer_of(r, q) && (!r->peer || q->median > r->peer->median))
                r->peer = q;
        }
        if (r->peer && r->peer->median > 0)
            r->ratio = r->median / r->peer->median;
        else
            r->peer = NULL;
    }
}

/* A flags-0 SEC_WAIT row's partner is the CONC_NOWAIT row of the same
 * structure and config. */
static const row *wait_partner(const rowset *rs, const row *r)
{
    const row *partner = NULL;
    for (size_t j = 0; j < rs->n; j++) {
        const row *q = &rs->v[j];
        if (q->section == SEC_WAIT && (q->cont.flags & CONC_NOWAIT) &&
            q->p == r->p && q->c == r->c && !strcmp(q->name, r->name) &&
            row_ok(q) && q->median > 0)
            partner = q;
    }
    return partner;
}

/* The median over k of run k's figure over the partner's run k (the two
 * ran back to back); 0 if no pair of runs has a partner figure. */
static double paired_median(const row *r, const row *partner)
{
    unsigned n = r->n < partner->n ? r->n : partner->n;
    double *v = xmalloc_doubles(n);
    unsigned m = 0;
    for (unsigned k = 0; k < n; k++)
        if (partner->samples[k] > 0)
            v[m++] = r->samples[k] / partner->samples[k];
    double med = m ? median_of(v, m) : 0;
    free(v);
    return med;
}

static void compute_wait_ratios(rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        if (r->section != SEC_WAIT || (r->cont.flags & CONC_NOWAIT) ||
            !row_ok(r))
            continue;
        r->partner = wait_partner(rs, r);
        if (!r->partner)
            continue;
        r->wait_ratio = r->median / r->partner->median;
        r->paired_ratio = paired_median(r, r->partner);
    }
}

void run_throughput(rowset *rs, const options *o)
{
    run_all(rs, o);
    compute_stats(rs);
    compute_ratios(rs);
    compute_wait_ratios(rs);
}
