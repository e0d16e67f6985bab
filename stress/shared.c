/*
 * shared.c - the state a run's threads share and write: the violation
 * log, thread names, the start signal and pinning.  The lowest layer of
 * conc-stress: it calls nothing above it.
 */
#include <sched.h>
#include <stdarg.h>
#include <string.h>

#include "stress.h"

const char *const vkind_name[V_KINDS] = {
    "duplicate", "lost", "invented", "corrupted", "order", "lifo",
    "not-empty", "capacity", "status", "total", "prev", "linearize",
};

const char *const op_state_name[] = {
    "start", "idle", "push", "pop", "push_many", "pop_many", "add",
    "barrier", "verify", "drain", "done",
};

const char *const role_name[] = {
    "producer", "consumer", "mixed", "adder", "drain",
};

const char *const kind_name[] = {"queue", "stack", "counter"};

const char *thread_name(const run *r, int tid, char buf[16])
{
    if (tid < 0 || tid > r->nthreads) {
        snprintf(buf, 16, "thread#%d", tid);
        return buf;
    }
    const tslot *s = &r->slots[tid];
    switch (s->role) {
    case ROLE_PRODUCER: snprintf(buf, 16, "P%d", s->index); break;
    case ROLE_CONSUMER: snprintf(buf, 16, "C%d", s->index); break;
    case ROLE_DRAIN: snprintf(buf, 16, "drain"); break;
    default: snprintf(buf, 16, "T%d", s->index); break;
    }
    return buf;
}

void violation(run *r, int kind, int producer, uint64_t seq, const char *fmt,
               ...)
{
    atomic_fetch_add_explicit(&r->v.total, 1, memory_order_relaxed);
    uint64_t n = atomic_fetch_add_explicit(&r->v.count[kind], 1,
                                           memory_order_relaxed);
    if (n >= VLIST_PER_KIND)
        return;
    pthread_mutex_lock(&r->v.lock);
    if (r->v.nlist[kind] < VLIST_PER_KIND) {
        vrecord *v = &r->v.list[kind][r->v.nlist[kind]++];
        v->kind = kind;
        v->producer = producer;
        v->seq = seq;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->detail, sizeof v->detail, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&r->v.lock);
}

static const char *ledger_name(void *arg, int who, char buf[32])
{
    return thread_name(arg, who, buf);
}

void ledger_violation(void *arg, const h_ledger_event *ev)
{
    run *r = arg;
    char what[200];
    int kind = h_ledger_kind_of(ev);
    h_ledger_describe(ev, ledger_name, r, NULL, what, sizeof what);
    violation(r, kind == H_LEDGER_DUPLICATE ? V_DUPLICATE
                 : kind == H_LEDGER_MISSING ? V_LOST
                                            : V_INVENTED,
              ev->producer, ev->seq, "%s", what);
}

void stop_early(run *r)
{
    if (!atomic_exchange_explicit(&r->early_stop, 1, memory_order_relaxed))
        atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
}

void stress_pin(const stress_config *cfg, tslot *s)
{
    if (cfg->pin)
        h_pin_self(s->cpu);
}

void wait_for_go(run *r, tslot *s)
{
    atomic_store_explicit(&s->op, OP_START, memory_order_relaxed);
    while (!atomic_load_explicit(&r->go, memory_order_acquire))
        sched_yield();
    atomic_store_explicit(&s->op, OP_IDLE, memory_order_relaxed);
}
