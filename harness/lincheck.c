/*
 * lincheck.c - the linearizability checker (lincheck.h): Wing & Gong's
 * search with Lowe's memoisation, the shrinker, conc_sharded's interval
 * check, the conservation check, the printer and the recorder.
 */
#include "lincheck.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <conc/conc.h>

#include "sys.h"

#define ALL_OPS(n) ((n) >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (n)) - 1))
#define BIT(i) ((uint64_t)1 << (i))

/* ---- The compacted history a search runs on ----------------------------- */

typedef struct cop {
    uint32_t kind;
    int status;
    uint64_t value, prev;
    bool has_prev, glued, pending;
    uint64_t inv, resp;
    int after;
    int orig;    /* index in the caller's array */
    uint64_t id; /* containers: the item's id (below) */
} cop;

typedef struct srch {
    const lz_spec *spec;
    int n;
    cop ops[LZ_MAX_OPS];
    uint64_t prec[LZ_MAX_OPS];      /* completed ops that precede op i */
    uint64_t notbefore[LZ_MAX_OPS]; /* ops that do not precede op i */
    bool join_tmo[LZ_MAX_OPS];      /* join i overlaps some push */
    int glue_next[LZ_MAX_OPS];      /* the op glued to op i, or -1 */
    int order[LZ_MAX_OPS];          /* the order candidates are tried in */
    uint64_t taken;                 /* pops that take an item when linearized */
    uint64_t pushes_with[LZ_MAX_OPS]; /* other pushes that overlap op i */
    uint64_t effpush;               /* pushes that add an item when linearized */
    uint64_t mayhold;               /* pushes that may hold a slot meanwhile */
    uint64_t required;              /* the completed ops */
    size_t W;                       /* words of one state */
    bool container;
    /* Items are kept in the state by id: 1 + the index of their value in
     * live[], the values some completed pop returned, or 0 for an item no
     * pop returns.  The latter are told apart by nothing any op looks at,
     * so giving them one id merges states that differ only in their order
     * (concurrent pushes of items still in at the end). */
    uint64_t live[LZ_MAX_OPS];
    size_t nlive;
    /* The pops that return id k + 1.  Once they are all linearized, a copy
     * of the item still in is one no pop returns any more: id 0 too. */
    uint64_t pops_of[LZ_MAX_OPS];
    bool raw; /* replaying for printing: items by value, nothing merged */
} srch;

/* The memo table: open addressing over hashes, keys in an arena. */
typedef struct ment {
    uint64_t hash;
    uint32_t off;
    uint32_t gen; /* the entry is live when gen == ctx->gen */
} ment;

struct lz_ctx {
    ment *tab;
    size_t tab_cap, tab_used;
    uint32_t gen;
    uint64_t *arena;
    size_t arena_cap, arena_used;
    uint64_t *st; /* state buffers: (LZ_MAX_OPS + 2) states of W words */
    size_t st_cap;
    /* the shrinker's sub-histories */
    lz_op sub[LZ_MAX_OPS];
    int sub_map[LZ_MAX_OPS];
    lz_op cutops[LZ_MAX_OPS], cutops2[LZ_MAX_OPS];
    uint64_t *pre;
    size_t pre_cap;
    srch s; /* large: kept here, not on the stack */
};

lz_ctx *lz_ctx_new(void)
{
    lz_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->gen = 1;
    return c;
}

void lz_ctx_free(lz_ctx *c)
{
    if (!c)
        return;
    free(c->tab);
    free(c->arena);
    free(c->st);
    free(c->pre);
    free(c);
}

static bool grow_words(uint64_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 256;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / sizeof(uint64_t))
            return false;
        nc *= 2;
    }
    uint64_t *nb = realloc(*buf, nc * sizeof(uint64_t));
    if (!nb)
        return false;
    *buf = nb;
    *cap = nc;
    return true;
}

/* ---- Memo ------------------------------------------------------------------ */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

static size_t state_words(const srch *s, const uint64_t *st)
{
    return s->container ? 2 + (size_t)(st[0] >> 1) : 2;
}

static void memo_reset(lz_ctx *c)
{
    c->arena_used = 0;
    c->tab_used = 0;
    if (++c->gen == 0) { /* wrapped: every stamp is stale, clear them */
        if (c->tab)
            memset(c->tab, 0, c->tab_cap * sizeof *c->tab);
        c->gen = 1;
    }
}

static bool memo_grow(lz_ctx *c)
{
    size_t nc = c->tab_cap ? c->tab_cap * 2 : 1024;
    ment *nt = calloc(nc, sizeof *nt);
    if (!nt)
        return false;
    for (size_t i = 0; i < c->tab_cap; i++) {
        if (c->tab[i].gen != c->gen)
            continue;
        size_t j = (size_t)c->tab[i].hash & (nc - 1);
        while (nt[j].gen == c->gen)
            j = (j + 1) & (nc - 1);
        nt[j] = c->tab[i];
    }
    free(c->tab);
    c->tab = nt;
    c->tab_cap = nc;
    return true;
}

/* A configuration: the linearized set S, the op that must come next (an
 * atomic batch's next item: `forced`, -1 none) and the state.  The same S
 * and state with and without a batch open have different futures (a
 * pending batch may go on, or have ended), so `forced` is part of it.
 * 1: inserted (new), 0: already there, -1: out of memory. */
static int memo_insert(lz_ctx *c, const srch *s, uint64_t S, int forced,
                       const uint64_t *st)
{
    size_t w = state_words(s, st);
    uint64_t tag = (uint64_t)(forced + 1);
    uint64_t h = mix(mix(0x5DEECE66Dull, S), tag);
    for (size_t k = 0; k < w; k++)
        h = mix(h, st[k]);
    if ((c->tab_used + 1) * 2 > c->tab_cap && !memo_grow(c))
        return -1;
    size_t mask = c->tab_cap - 1;
    size_t j = (size_t)h & mask;
    for (; c->tab[j].gen == c->gen; j = (j + 1) & mask) {
        if (c->tab[j].hash != h)
            continue;
        const uint64_t *key = c->arena + c->tab[j].off;
        if (key[0] == S && key[1] == tag && key[2] == st[0] &&
            memcmp(key + 2, st, w * sizeof *st) == 0)
            return 0;
    }
    if (c->arena_used + 2 + w > UINT32_MAX ||
        !grow_words(&c->arena, &c->arena_cap, c->arena_used + 2 + w))
        return -1;
    uint64_t *key = c->arena + c->arena_used;
    key[0] = S;
    key[1] = tag;
    memcpy(key + 2, st, w * sizeof *st);
    c->tab[j] = (ment){h, (uint32_t)c->arena_used, c->gen};
    c->arena_used += 2 + w;
    c->tab_used++;
    return 1;
}

/* ---- Building a search ------------------------------------------------------ */

static bool kind_ok(lz_model m, uint32_t k)
{
    if (m == LZ_COUNTER || m == LZ_SHARDED)
        return k == LZ_ADD || k == LZ_READ;
    return k >= LZ_PUSH && k <= LZ_JOIN;
}

static bool precedes(const cop *a, const cop *b) /* a returned before b began */
{
    return !a->pending && a->resp < b->inv;
}

static lz_verdict bad(lz_result *r, int op, const char *why)
{
    r->verdict = LZ_BAD_HISTORY;
    r->bad_op = op;
    r->why = why;
    return LZ_BAD_HISTORY;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t item_id(const srch *s, uint64_t v)
{
    size_t lo = 0, hi = s->nlive;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->live[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nlive && s->live[lo] == v ? lo + 1 : 0;
}

/* Compact (drop LZ_NOP), validate, precompute.  ops: n <= LZ_MAX_OPS. */
static lz_verdict build(srch *s, const lz_spec *spec, const lz_op *ops,
                        size_t n, lz_result *r)
{
    int map[LZ_MAX_OPS];
    memset(s, 0, sizeof *s);
    s->spec = spec;
    s->container = spec->model == LZ_FIFO || spec->model == LZ_LIFO;
    s->n = 0;
    size_t npush = 0;
    for (size_t i = 0; i < n; i++) {
        const lz_op *o = &ops[i];
        map[i] = -1;
        if (o->kind == LZ_NOP)
            continue;
        if (!kind_ok(spec->model, o->kind))
            return bad(r, (int)i, "an op of a kind this model does not have");
        if (o->resp != LZ_PENDING && o->resp < o->inv)
            return bad(r, (int)i, "resp < inv");
        if (o->after >= (int32_t)i || o->after < -1)
            return bad(r, (int)i, "`after` is not an earlier op");
        cop *c = &s->ops[s->n];
        c->kind = o->kind;
        c->status = o->status;
        c->value = o->value;
        c->prev = o->prev;
        c->has_prev = o->has_prev;
        c->pending = o->resp == LZ_PENDING;
        c->inv = o->inv;
        c->resp = o->resp;
        c->orig = (int)i;
        /* `after` through dropped ops; glued only if glued all the way */
        bool glued = o->glued;
        int a = o->after;
        while (a >= 0 && ops[a].kind == LZ_NOP) {
            glued = glued && ops[a].glued;
            a = ops[a].after;
        }
        c->after = a >= 0 ? map[a] : -1;
        c->glued = glued && c->after >= 0;
        if (o->glued && o->after < 0)
            return bad(r, (int)i, "glued without `after`");
        if (c->kind == LZ_PUSH)
            npush++;
        map[i] = s->n++;
    }
    s->W = s->container ? 2 + spec->prefill_n + npush : 2;
    if (s->container) {
        for (int i = 0; i < s->n; i++)
            if (s->ops[i].kind == LZ_POP && !s->ops[i].pending &&
                s->ops[i].status == CONC_OK)
                s->live[s->nlive++] = s->ops[i].value;
        qsort(s->live, s->nlive, sizeof *s->live, u64_cmp);
        size_t u = 0;
        for (size_t k = 0; k < s->nlive; k++)
            if (u == 0 || s->live[k] != s->live[u - 1])
                s->live[u++] = s->live[k];
        s->nlive = u;
        for (int i = 0; i < s->n; i++) {
            cop *o = &s->ops[i];
            o->id = item_id(s, o->value);
            if (o->kind == LZ_POP && !o->pending && o->status == CONC_OK)
                s->pops_of[o->id - 1] |= BIT(i);
        }
    }
    for (int i = 0; i < s->n; i++)
        s->glue_next[i] = -1;
    for (int i = 0; i < s->n; i++) {
        cop *o = &s->ops[i];
        if (o->glued) {
            if (s->glue_next[o->after] >= 0)
                return bad(r, o->orig, "two ops glued to one");
            s->glue_next[o->after] = i;
        }
        if (!o->pending)
            s->required |= BIT(i);
        if (o->kind == LZ_POP && (o->pending || o->status == CONC_OK ||
                                  o->status == LZ_ANY))
            s->taken |= BIT(i);
        if (o->kind == LZ_PUSH && (o->pending || o->status == CONC_OK ||
                                   o->status == LZ_ANY))
            s->effpush |= BIT(i);
        if (o->kind == LZ_PUSH && (o->pending || o->status == CONC_OK ||
                                   o->status == LZ_ANY ||
                                   o->status == CONC_CLOSED))
            s->mayhold |= BIT(i);
        for (int j = 0; j < s->n; j++) {
            if (precedes(&s->ops[j], o))
                s->prec[i] |= BIT(j);
            else
                s->notbefore[i] |= BIT(j);
            if (j != i && s->ops[j].kind == LZ_PUSH &&
                !precedes(&s->ops[j], o) && !precedes(o, &s->ops[j]))
                s->pushes_with[i] |= BIT(j);
        }
        if (o->kind == LZ_JOIN && s->pushes_with[i])
            s->join_tmo[i] = true;
    }
    /* Try the op that returns first first (insertion sort: n <= 64). */
    for (int i = 0; i < s->n; i++) {
        int j = i;
        const cop *o = &s->ops[i];
        while (j > 0) {
            const cop *p = &s->ops[s->order[j - 1]];
            if (p->resp < o->resp || (p->resp == o->resp && p->inv <= o->inv))
                break;
            s->order[j] = s->order[j - 1];
            j--;
        }
        s->order[j] = i;
    }
    return LZ_OK;
}

/* ---- The sequential specifications ------------------------------------------ */

/* State words: [0] closed | len << 1, [1] unfinished (containers) or total
 * (counters), [2..2+len) the items, oldest (FIFO) / bottom (LIFO) first. */

static void copy_state(const srch *s, uint64_t *out, const uint64_t *in)
{
    memcpy(out, in, state_words(s, in) * sizeof *in);
}

/* Op i applied to state `in` with the ops in S linearized before it: the
 * new state in `out` and true, or false if the spec refuses it.  A pending
 * op is accepted only with its effect (leaving it out covers the rest). */
static bool step(const srch *s, int i, uint64_t S, const uint64_t *in,
                 uint64_t *out)
{
    const cop *o = &s->ops[i];
    const lz_spec *sp = s->spec;
    const int st = o->pending ? LZ_ANY : o->status;
    const bool pend = o->pending;

    if (!s->container) {
        if (o->kind == LZ_ADD) {
            if (st != CONC_OK && st != LZ_ANY)
                return false;
            if (!pend && o->has_prev && o->prev != in[1])
                return false;
            out[0] = 0;
            out[1] = in[1] + o->value;
            return true;
        }
        /* LZ_READ */
        if (pend || (st != CONC_OK && st != LZ_ANY))
            return false;
        if (st == CONC_OK && o->value != in[1])
            return false;
        out[0] = 0;
        out[1] = in[1];
        return true;
    }

    const bool closed = in[0] & 1;
    const size_t len = (size_t)(in[0] >> 1);
    const uint64_t cnt = in[1];
    const size_t cap = sp->capacity;
    switch (o->kind) {
    case LZ_PUSH: {
        bool can_ok = !closed && (cap == 0 || len < cap);
        bool full_ok = false;
        if (!closed && cap != 0) {
            if (len >= cap)
                full_ok = true;
            else if (sp->full_inflight) {
                /* slots held by pops that took their item and have not
                 * returned, and by pushes in flight that took one */
                uint64_t held = (S & s->taken & s->notbefore[i]) |
                                (s->pushes_with[i] & s->mayhold &
                                 ~(S & s->effpush));
                if (len + (size_t)__builtin_popcountll(held) >= cap)
                    full_ok = true;
            }
        }
        bool effect;
        switch (st) {
        case CONC_OK: if (!can_ok) return false; effect = true; break;
        case CONC_FULL:
        case CONC_TIMEDOUT: if (!full_ok) return false; effect = false; break;
        case CONC_CLOSED: if (!closed) return false; effect = false; break;
        case CONC_ENOMEM: effect = false; break;
        case LZ_ANY:
            if (!can_ok && pend)
                return false;
            effect = can_ok;
            break;
        default: return false;
        }
        if (!effect) {
            copy_state(s, out, in);
            return true;
        }
        out[0] = (uint64_t)closed | ((uint64_t)(len + 1) << 1);
        out[1] = sp->joinable ? cnt + 1 : cnt;
        memcpy(out + 2, in + 2, len * sizeof *in);
        /* an item whose pops are all linearized is dead on arrival */
        out[2 + len] = s->raw ? o->value
                   : o->id && (s->pops_of[o->id - 1] & ~S) ? o->id : 0;
        return true;
    }
    case LZ_POP: {
        bool effect;
        switch (st) {
        case CONC_OK: {
            if (len == 0)
                return false;
            uint64_t it = sp->model == LZ_FIFO ? in[2] : in[2 + len - 1];
            if (it != (s->raw ? o->value : o->id)) /* an OK pop's id is not 0 */
                return false;
            effect = true;
            break;
        }
        case CONC_EMPTY:
        case CONC_TIMEDOUT: if (len != 0 || closed) return false; effect = false; break;
        case CONC_CLOSED: if (len != 0 || !closed) return false; effect = false; break;
        case LZ_NOTHING: if (len != 0) return false; effect = false; break;
        case CONC_ENOMEM: effect = false; break;
        case LZ_ANY:
            if (len == 0 && pend)
                return false;
            effect = len != 0;
            break;
        default: return false;
        }
        if (!effect) {
            copy_state(s, out, in);
            return true;
        }
        out[0] = (uint64_t)closed | ((uint64_t)(len - 1) << 1);
        out[1] = cnt;
        memcpy(out + 2, in + 2 + (sp->model == LZ_FIFO), (len - 1) * sizeof *in);
        /* This was the last pop of its item: other copies of it are dead. */
        if (st == CONC_OK && !s->raw && !(s->pops_of[o->id - 1] & ~(S | BIT(i))))
            for (size_t k = 0; k + 1 < len; k++)
                if (out[2 + k] == o->id)
                    out[2 + k] = 0;
        return true;
    }
    case LZ_CLOSE:
        if (st == CONC_ENOMEM) {
            copy_state(s, out, in);
            return true;
        }
        if (st != CONC_OK && st != LZ_ANY)
            return false;
        copy_state(s, out, in);
        out[0] |= 1;
        return true;
    case LZ_CLOSED_Q:
        if (pend || o->value != (uint64_t)closed)
            return false;
        copy_state(s, out, in);
        return true;
    case LZ_TASK_DONE:
        if (!sp->joinable) {
            if (pend || (st != CONC_EINVAL && st != LZ_ANY))
                return false;
            copy_state(s, out, in);
            return true;
        }
        switch (st) {
        case CONC_OK: if (cnt == 0) return false; break;
        case CONC_EINVAL: if (cnt != 0) return false; break;
        case LZ_ANY: if (cnt == 0 && pend) return false; break;
        default: return false;
        }
        copy_state(s, out, in);
        if (st != CONC_EINVAL && cnt != 0)
            out[1] = cnt - 1;
        return true;
    case LZ_JOIN:
        if (pend)
            return false;
        if (!sp->joinable) {
            if (st != CONC_EINVAL && st != LZ_ANY)
                return false;
        } else {
            switch (st) {
            case CONC_OK: if (cnt != 0) return false; break;
            case CONC_TIMEDOUT:
                if (cnt == 0 && !(sp->join_inflight && s->join_tmo[i]))
                    return false;
                break;
            case LZ_ANY: break;
            default: return false;
            }
        }
        copy_state(s, out, in);
        return true;
    default:
        return false;
    }
}

static void init_state(const srch *s, uint64_t *st)
{
    const lz_spec *sp = s->spec;
    if (!s->container) {
        st[0] = 0;
        st[1] = sp->total;
        return;
    }
    st[0] = (uint64_t)(sp->closed ? 1 : 0) | ((uint64_t)sp->prefill_n << 1);
    st[1] = sp->joinable ? sp->unfinished : 0;
    for (size_t j = 0; j < sp->prefill_n; j++)
        st[2 + j] = s->raw ? sp->prefill[j] : item_id(s, sp->prefill[j]);
}

static void describe_state(const srch *s, const uint64_t *st, char *buf,
                           size_t size)
{
    size_t at = 0;
#define PUT(...)                                                               \
    do {                                                                       \
        if (at < size) {                                                       \
            int k_ = snprintf(buf + at, size - at, __VA_ARGS__);               \
            at += k_ > 0 ? (size_t)k_ : 0;                                     \
        }                                                                      \
    } while (0)
    if (!s->container) {
        PUT("total %" PRId64, (int64_t)st[1]);
        return;
    }
    size_t len = (size_t)(st[0] >> 1);
    PUT("items [");
    for (size_t k = 0; k < len; k++) {
        if (at + 24 >= size) {
            PUT(" ...");
            break;
        }
        PUT(k ? " %" PRIu64 : "%" PRIu64, st[2 + k]);
    }
    PUT("]%s", (st[0] & 1) ? ", closed" : ", open");
    if (s->spec->joinable)
        PUT(", unfinished %" PRIu64, st[1]);
#undef PUT
    if (size && at >= size)
        buf[size - 1] = '\0';
}

/* ---- The search ---------------------------------------------------------------- */

typedef struct frame {
    uint64_t S;
    int last;   /* the op linearized last, -1 at the root */
    int pos;    /* next index into order[] (or 0/1 when forced) */
    int forced; /* the op glued to `last`, which must come next; -1 none */
} frame;

static int forced_next(const srch *s, const frame *f, const uint64_t *st,
                       uint64_t *scratch)
{
    if (f->last < 0)
        return -1;
    int g = s->glue_next[f->last];
    if (g < 0 || (f->S & BIT(g)))
        return -1;
    /* A pending atomic batch goes on while its next item can take effect;
     * where it cannot, the batch may have ended there. */
    if (s->ops[g].pending && !step(s, g, f->S, st, scratch))
        return -1;
    return g;
}

static bool eligible(const srch *s, const frame *f, int i)
{
    const cop *o = &s->ops[i];
    if (f->S & BIT(i))
        return false;
    if (s->prec[i] & ~f->S)
        return false;
    if (o->after >= 0 && !(f->S & BIT(o->after)))
        return false;
    if (o->glued && f->last != o->after)
        return false;
    return true;
}

/* One search over c->s.  Fills verdict, states, path (indices into the
 * caller's array, through cop.orig) and state. */
static lz_verdict search(lz_ctx *c, lz_result *r)
{
    srch *s = &c->s;
    const size_t W = s->W;
    frame fr[LZ_MAX_OPS + 1];
    int best_path[LZ_MAX_OPS];
    int best = -1;

    r->states = 0;
    r->path_len = 0;
    r->state[0] = '\0';
    /* Buffers: one state per depth 0..n, one scratch, one best. */
    if (W > SIZE_MAX / (LZ_MAX_OPS + 4) ||
        !grow_words(&c->st, &c->st_cap, W * (size_t)(s->n + 3)))
        return r->verdict = LZ_NOMEM;
    uint64_t *scratch = c->st + W * (size_t)(s->n + 1);
    uint64_t *beststate = scratch + W;

    memo_reset(c);
    init_state(s, c->st);
    copy_state(s, beststate, c->st);
    if (memo_insert(c, s, 0, -1, c->st) < 0)
        return r->verdict = LZ_NOMEM;
    r->states = 1;
    lz_verdict v = LZ_VIOLATION;
    if (s->required == 0) {
        v = LZ_OK;
        best = 0;
        goto out;
    }
    int d = 0;
    fr[0] = (frame){0, -1, 0, -2};
    while (d >= 0) {
        frame *f = &fr[d];
        uint64_t *st = c->st + W * (size_t)d;
        if (f->forced == -2)
            f->forced = forced_next(s, f, st, scratch);
        int i = -1;
        if (f->forced >= 0) {
            if (f->pos++ == 0 && eligible(s, f, f->forced))
                i = f->forced;
        } else {
            while (f->pos < s->n) {
                int k = s->order[f->pos++];
                if (eligible(s, f, k)) {
                    i = k;
                    break;
                }
            }
        }
        if (i < 0) { /* every candidate tried: back up */
            d--;
            continue;
        }
        uint64_t *child = c->st + W * (size_t)(d + 1);
        if (!step(s, i, f->S, st, child))
            continue;
        uint64_t S2 = f->S | BIT(i);
        fr[d + 1] = (frame){S2, i, 0, -2};
        fr[d + 1].forced = forced_next(s, &fr[d + 1], child, scratch);
        int ins = memo_insert(c, s, S2, fr[d + 1].forced, child);
        if (ins < 0) {
            v = LZ_NOMEM;
            goto out;
        }
        if (ins == 0)
            continue;
        r->states++;
        if (d + 1 > best) {
            best = d + 1;
            for (int k = 0; k <= d; k++)
                best_path[k] = fr[k + 1].last;
            copy_state(s, beststate, child);
        }
        if ((S2 & s->required) == s->required) {
            v = LZ_OK;
            goto out;
        }
        if (s->spec->max_states && r->states >= s->spec->max_states) {
            v = LZ_GAVE_UP;
            goto out;
        }
        d++;
    }
out:
    if (best < 0)
        best = 0;
    r->path_len = (size_t)best;
    for (int k = 0; k < best; k++)
        r->path[k] = s->ops[best_path[k]].orig;
    /* The state it leaves, by value: replay the path (every step of it is
     * legal: the spec is the same, only the items' names differ). */
    s->raw = true;
    init_state(s, beststate);
    uint64_t S = 0;
    for (int k = 0; k < best; k++) {
        if (!step(s, best_path[k], S, beststate, scratch))
            break;
        copy_state(s, beststate, scratch);
        S |= BIT(best_path[k]);
    }
    s->raw = false;
    describe_state(s, beststate, r->state, sizeof r->state);
    return r->verdict = v;
}

/* ---- conc_sharded ------------------------------------------------------------ */

static lz_verdict sharded_core(const lz_spec *spec, const lz_op *ops, size_t n,
                               lz_result *r)
{
    r->states = 0;
    r->path_len = 0;
    r->state[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const lz_op *o = &ops[i];
        if (o->kind == LZ_NOP)
            continue;
        if (o->kind != LZ_ADD && o->kind != LZ_READ)
            return bad(r, (int)i, "an op of a kind this model does not have");
        if (o->resp != LZ_PENDING && o->resp < o->inv)
            return bad(r, (int)i, "resp < inv");
    }
    for (size_t i = 0; i < n; i++) {
        const lz_op *rd = &ops[i];
        if (rd->kind != LZ_READ || rd->resp == LZ_PENDING)
            continue;
        r->states++;
        if (rd->status != CONC_OK) {
            r->bad_op = (int)i;
            r->why = "a read that did not answer CONC_OK";
            r->lo = r->hi = 0;
            return r->verdict = LZ_VIOLATION;
        }
        uint64_t base = spec->total, neg = 0, pos = 0;
        bool wide = false; /* the interval spans every value */
        for (size_t j = 0; j < n; j++) {
            const lz_op *a = &ops[j];
            if (a->kind != LZ_ADD || (a->status != CONC_OK && a->status != LZ_ANY &&
                                      a->resp != LZ_PENDING))
                continue;
            bool before = a->resp != LZ_PENDING && a->resp < rd->inv;
            bool after = rd->resp < a->inv;
            if (before && a->status == CONC_OK) {
                base += a->value;
            } else if (!after && !before) {
                if ((int64_t)a->value < 0) {
                    uint64_t m = -a->value; /* |delta|, 2^63 included */
                    if (neg + m < neg)
                        wide = true;
                    neg += m;
                } else {
                    if (pos + a->value < pos)
                        wide = true;
                    pos += a->value;
                }
            } else if (before) { /* completed, status LZ_ANY: maybe */
                if ((int64_t)a->value < 0) {
                    uint64_t m = -a->value;
                    if (neg + m < neg)
                        wide = true;
                    neg += m;
                } else {
                    if (pos + a->value < pos)
                        wide = true;
                    pos += a->value;
                }
            }
        }
        uint64_t lo = base - neg;
        uint64_t span = pos + neg;
        if (span < pos)
            wide = true;
        if (!wide && rd->value - lo > span) {
            r->bad_op = (int)i;
            r->why = "a read outside [adds before it + negative parts of the "
                     "overlapping ones, ... + positive parts]";
            r->lo = (int64_t)lo;
            r->hi = (int64_t)(lo + span);
            return r->verdict = LZ_VIOLATION;
        }
    }
    return r->verdict = LZ_OK;
}

/* ---- One check, no shrinking ------------------------------------------------------ */

static lz_verdict core(lz_ctx *c, const lz_spec *spec, const lz_op *ops,
                       size_t n, lz_result *r)
{
    r->bad_op = -1;
    r->why = NULL;
    if (spec->model == LZ_SHARDED)
        return sharded_core(spec, ops, n, r);
    if (n > LZ_MAX_OPS) {
        r->why = "more than LZ_MAX_OPS ops";
        return r->verdict = LZ_TOO_BIG;
    }
    if (build(&c->s, spec, ops, n, r) != LZ_OK)
        return r->verdict;
    return search(c, r);
}

/* The sub-history of ops in `keep` (prefill items in `pkeep`) into c->sub,
 * checked.  Path indices are mapped back to the caller's. */
static lz_verdict run_sub(lz_ctx *c, const lz_spec *spec, const lz_op *ops,
                          size_t n, uint64_t keep, uint64_t pkeep, lz_result *r)
{
    int idx[LZ_MAX_OPS];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        idx[i] = -1;
        if (!(keep & BIT(i)))
            continue;
        lz_op o = ops[i];
        bool glued = o.glued;
        int a = o.after;
        while (a >= 0 && !(keep & BIT(a))) {
            glued = glued && ops[a].glued;
            a = ops[a].after;
        }
        o.after = a >= 0 ? idx[a] : -1;
        o.glued = glued && o.after >= 0;
        c->sub_map[m] = (int)i;
        idx[i] = (int)m;
        c->sub[m++] = o;
    }
    lz_spec sp = *spec;
    sp.no_shrink = true;
    if (spec->prefill_n && spec->prefill_n <= 64) {
        if (!grow_words(&c->pre, &c->pre_cap, spec->prefill_n))
            return r->verdict = LZ_NOMEM;
        size_t k = 0, dropped = 0;
        for (size_t j = 0; j < spec->prefill_n; j++) {
            if (pkeep & BIT(j))
                c->pre[k++] = spec->prefill[j];
            else
                dropped++;
        }
        sp.prefill = c->pre;
        sp.prefill_n = k;
        sp.unfinished = sp.unfinished > dropped ? sp.unfinished - dropped : 0;
    }
    lz_verdict v = core(c, &sp, c->sub, m, r);
    for (size_t k = 0; k < r->path_len; k++)
        r->path[k] = c->sub_map[r->path[k]];
    if (r->bad_op >= 0 && (size_t)r->bad_op < m)
        r->bad_op = c->sub_map[r->bad_op];
    return v;
}

static bool is_item_op(const lz_op *o)
{
    if (o->kind == LZ_PUSH)
        return o->resp == LZ_PENDING || o->status == CONC_OK || o->status == LZ_ANY;
    if (o->kind == LZ_POP)
        return o->resp != LZ_PENDING && o->status == CONC_OK;
    return false;
}

/* The history as it stood at `cut`: an op that had not returned by then
 * is pending (LZ_PENDING: no cut). */
static lz_op cut_op(const lz_op *o, uint64_t cut)
{
    lz_op x = *o;
    if (x.resp != LZ_PENDING && x.resp >= cut) {
        x.resp = LZ_PENDING;
        x.status = LZ_ANY;
    }
    return x;
}

/* ops cut at `cut` into out[] (same indices); the ops invoked before it. */
static uint64_t apply_cut(const lz_op *ops, size_t n, uint64_t cut, lz_op *out)
{
    uint64_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = cut_op(&ops[i], cut);
        if (ops[i].kind != LZ_NOP && ops[i].inv < cut)
            keep |= BIT(i);
    }
    return keep;
}

static int u64_cmp_(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct unit {
    uint64_t ops, pre;
    uint64_t last; /* the latest invocation among its ops */
} unit;

static int unit_cmp(const void *a, const void *b) /* latest first */
{
    const unit *x = a, *y = b;
    return x->last > y->last ? -1 : x->last < y->last;
}

/* The removable units of the ops in `keep` (lincheck.h, Results): an item
 * (its pushes, the pops that returned it, its prefilled copies), then each
 * other op alone.  Never a pop of an item alone: the item would stay in
 * and make a later pop or EMPTY wrong (or, in a batch, its next item). */
static size_t make_units(const lz_spec *spec, const lz_op *ops, size_t n,
                         uint64_t keep, unit *units)
{
    size_t nu = 0;
    const bool container = spec->model == LZ_FIFO || spec->model == LZ_LIFO;
    const size_t np = spec->prefill_n <= 64 ? spec->prefill_n : 0;
    uint64_t done = 0, pdone = 0;
    if (container) {
        for (size_t i = 0; i < n + np; i++) {
            bool isop = i < n;
            if (isop ? (!(keep & BIT(i)) || (done & BIT(i)) || !is_item_op(&ops[i]))
                     : (pdone & BIT(i - n)))
                continue;
            uint64_t v = isop ? ops[i].value : spec->prefill[i - n];
            unit u = {0, 0, 0};
            for (size_t j = 0; j < n; j++)
                if ((keep & BIT(j)) && is_item_op(&ops[j]) && ops[j].value == v)
                    u.ops |= BIT(j);
            for (size_t j = 0; j < np; j++)
                if (spec->prefill[j] == v)
                    u.pre |= BIT(j);
            done |= u.ops;
            pdone |= u.pre;
            units[nu++] = u;
        }
    }
    for (size_t i = 0; i < n; i++)
        if ((keep & BIT(i)) && !(done & BIT(i)))
            units[nu++] = (unit){BIT(i), 0, 0};
    for (size_t u = 0; u < nu; u++)
        for (size_t i = 0; i < n; i++)
            if ((units[u].ops & BIT(i)) && ops[i].inv > units[u].last)
                units[u].last = ops[i].inv;
    return nu;
}

/* The smallest failing sub-history (lincheck.h, Results):
 *   1. the shortest failing prefix: the ops invoked before a cut, those
 *      that had not returned by it pending.  A prefix of a linearizable
 *      history is linearizable, so whatever fails there failed in the run;
 *   2. a culprit: a unit (latest first) whose removal makes the prefix
 *      linearizable;
 *   3. every other unit removed while the rest still fails, still passes
 *      when cut just before the first failing cut, and without the culprit
 *      passes: so no removal can make some other op wrong (a FULL, a
 *      task_done, a join that a removed push justified) and leave that as
 *      the reason.  Without a culprit (two faults at once) the first two
 *      conditions. */
static void shrink(lz_ctx *c, const lz_spec *spec, const lz_op *ops, size_t n,
                   lz_result *r)
{
    unit units[4 * LZ_MAX_OPS + 128];
    uint64_t cands[2 * LZ_MAX_OPS + 1];
    size_t nc = 0;
    const size_t np = spec->prefill_n <= 64 ? spec->prefill_n : 0;
    uint64_t pkeep = ALL_OPS(np);
    lz_result tmp;

    /* 1. the cut */
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == LZ_NOP)
            continue;
        cands[nc++] = ops[i].inv;
        if (ops[i].resp != LZ_PENDING && ops[i].resp + 1 < LZ_PENDING)
            cands[nc++] = ops[i].resp + 1;
    }
    qsort(cands, nc, sizeof *cands, u64_cmp_);
    size_t u = 0;
    for (size_t k = 0; k < nc; k++)
        if (u == 0 || cands[k] != cands[u - 1])
            cands[u++] = cands[k];
    nc = u;
    cands[nc++] = LZ_PENDING; /* the whole history, known to fail */
    size_t lo = 0, hi = nc - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t keep = apply_cut(ops, n, cands[mid], c->cutops);
        lz_verdict v = run_sub(c, spec, c->cutops, n, keep, pkeep, &tmp);
        if (v == LZ_VIOLATION)
            hi = mid;
        else if (v == LZ_OK)
            lo = mid + 1;
        else
            lo = hi; /* no verdict: take the whole history */
    }
    uint64_t cut = cands[hi];
    uint64_t keep = apply_cut(ops, n, cut, c->cutops);
    const lz_op *h = c->cutops;
    /* The same ops cut just before: linearizable (the cut is the first
     * that fails), and every sub-history kept must stay so there, so that
     * it fails where the history did, at the cut's event. */
    uint64_t before = hi > 0 ? cands[hi - 1] : 0;
    lz_op *hb = c->cutops2;
    uint64_t keep_b = apply_cut(ops, n, before, hb);

    /* 2. the culprit */
    size_t nu = make_units(spec, h, n, keep, units);
    qsort(units, nu, sizeof *units, unit_cmp);
    long culprit = -1;
    for (size_t k = 0; k < nu && culprit < 0; k++) {
        uint64_t k2 = keep & ~units[k].ops;
        if (k2 != 0 && run_sub(c, spec, h, n, k2, pkeep & ~units[k].pre,
                               &tmp) == LZ_OK)
            culprit = (long)k;
    }

    /* 3. the rest */
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = 0; k < nu; k++) {
            if ((long)k == culprit ||
                (!(units[k].ops & keep) && !(units[k].pre & pkeep)))
                continue;
            uint64_t k2 = keep & ~units[k].ops, p2 = pkeep & ~units[k].pre;
            if (k2 == 0)
                continue;
            lz_verdict v = run_sub(c, spec, h, n, k2, p2, &tmp);
            if (v == LZ_NOMEM)
                goto final;
            if (v != LZ_VIOLATION)
                continue;
            if ((k2 & keep_b) &&
                run_sub(c, spec, hb, n, k2 & keep_b, p2, &tmp) != LZ_OK)
                continue; /* it would fail before the cut: a new fault */
            if (culprit >= 0) {
                const unit *cu = &units[culprit];
                uint64_t k3 = k2 & ~cu->ops;
                v = k3 ? run_sub(c, spec, h, n, k3, p2 & ~cu->pre, &tmp)
                       : LZ_OK;
                if (v != LZ_OK)
                    continue;
            }
            keep = k2;
            pkeep = p2;
            changed = true;
        }
    }
final:
    if (run_sub(c, spec, h, n, keep, pkeep, &tmp) == LZ_VIOLATION) {
        r->kept = keep;
        r->cut = cut;
        r->prefill_kept = spec->prefill_n <= 64 ? pkeep : ~(uint64_t)0;
        r->n_kept = (size_t)__builtin_popcountll(keep);
        r->path_len = tmp.path_len;
        memcpy(r->path, tmp.path, sizeof r->path);
        memcpy(r->state, tmp.state, sizeof r->state);
        if (spec->model == LZ_SHARDED) {
            r->bad_op = tmp.bad_op;
            r->why = tmp.why;
            r->lo = tmp.lo;
            r->hi = tmp.hi;
        }
    }
}

size_t lz_result_subhistory(const lz_spec *spec, const lz_op *ops, size_t n,
                            const lz_result *r, lz_op *out, int *index,
                            lz_spec *sub_spec, uint64_t *prefill_out)
{
    int idx[LZ_MAX_OPS];
    size_t m = 0;
    uint64_t keep = n <= LZ_MAX_OPS ? r->kept & ALL_OPS(n) : 0;
    for (size_t i = 0; i < n && i < LZ_MAX_OPS; i++) {
        idx[i] = -1;
        if (!(keep & BIT(i)))
            continue;
        lz_op o = cut_op(&ops[i], r->cut);
        bool glued = o.glued;
        int a = o.after;
        while (a >= 0 && !(keep & BIT(a))) {
            glued = glued && ops[a].glued;
            a = ops[a].after;
        }
        o.after = a >= 0 ? idx[a] : -1;
        o.glued = glued && o.after >= 0;
        if (index)
            index[m] = (int)i;
        idx[i] = (int)m;
        out[m++] = o;
    }
    if (sub_spec) {
        *sub_spec = *spec;
        sub_spec->no_shrink = true;
        if (spec->prefill_n && spec->prefill_n <= 64 && prefill_out) {
            size_t k = 0;
            for (size_t j = 0; j < spec->prefill_n; j++)
                if (r->prefill_kept & BIT(j))
                    prefill_out[k++] = spec->prefill[j];
            size_t dropped = spec->prefill_n - k;
            sub_spec->prefill = prefill_out;
            sub_spec->prefill_n = k;
            sub_spec->unfinished = sub_spec->unfinished > dropped
                                       ? sub_spec->unfinished - dropped : 0;
        }
    }
    return m;
}

/* Every op kept, no cut: the result of a check that has not failed yet. */
static void result_init(lz_result *r, size_t n)
{
    memset(r, 0, sizeof *r);
    r->bad_op = -1;
    r->kept = ALL_OPS(n);
    r->prefill_kept = ~(uint64_t)0;
    r->n_kept = n;
    r->cut = LZ_PENDING;
}

lz_verdict lz_check_ctx(lz_ctx *c, const lz_spec *spec, const lz_op *ops,
                        size_t n, lz_result *r)
{
    lz_result local;
    if (!r)
        r = &local;
    result_init(r, n);
    lz_verdict v = core(c, spec, ops, n, r);
    if (v != LZ_VIOLATION || spec->no_shrink || n > LZ_MAX_OPS)
        return v;
    uint64_t states = r->states;
    shrink(c, spec, ops, n, r);
    r->states = states;
    r->verdict = LZ_VIOLATION;
    return LZ_VIOLATION;
}

lz_verdict lz_check(const lz_spec *spec, const lz_op *ops, size_t n,
                    lz_result *r)
{
    lz_ctx *c = lz_ctx_new();
    if (!c) {
        if (r) {
            memset(r, 0, sizeof *r);
            r->bad_op = -1;
            r->cut = LZ_PENDING;
            r->verdict = LZ_NOMEM;
        }
        return LZ_NOMEM;
    }
    lz_verdict v = lz_check_ctx(c, spec, ops, n, r);
    lz_ctx_free(c);
    return v;
}

lz_verdict lz_check_sharded(const lz_spec *spec, const lz_op *ops, size_t n,
                            lz_result *r)
{
    lz_spec sp = *spec;
    sp.model = LZ_SHARDED;
    return lz_check(&sp, ops, n, r);
}

/* ---- Conservation ------------------------------------------------------------ */

typedef struct cev {
    uint64_t value, t;
    int kind; /* 0: prefill, 1: push invoked, 2: pop returned */
    int op;
} cev;

static int cev_cmp(const void *a, const void *b)
{
    const cev *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->kind - y->kind; /* a push at the pop's stamp counts for it */
}

lz_verdict lz_check_conservation(const lz_spec *spec, const lz_op *ops,
                                 size_t n, lz_result *r)
{
    lz_result local;
    if (!r)
        r = &local;
    result_init(r, n);
    size_t ne = spec->prefill_n;
    for (size_t i = 0; i < n; i++)
        ne += ops[i].kind == LZ_PUSH || ops[i].kind == LZ_POP;
    cev *ev = malloc((ne ? ne : 1) * sizeof *ev);
    if (!ev)
        return r->verdict = LZ_NOMEM;
    size_t k = 0;
    for (size_t j = 0; j < spec->prefill_n; j++)
        ev[k++] = (cev){spec->prefill[j], 0, 0, -1};
    for (size_t i = 0; i < n; i++) {
        const lz_op *o = &ops[i];
        if (is_item_op(o))
            ev[k++] = (cev){o->value, o->kind == LZ_PUSH ? o->inv : o->resp,
                            o->kind == LZ_PUSH ? 1 : 2, (int)i};
    }
    qsort(ev, k, sizeof *ev, cev_cmp);
    r->verdict = LZ_OK;
    for (size_t a = 0; a < k;) {
        size_t b = a;
        long avail = 0, total = 0, pops = 0;
        while (b < k && ev[b].value == ev[a].value) {
            if (ev[b].kind != 2)
                total++;
            b++;
        }
        for (size_t e = a; e < b; e++) {
            if (ev[e].kind != 2) {
                avail++;
                continue;
            }
            pops++;
            if (pops > total) {
                r->bad_op = ev[e].op;
                r->why = "an item popped more often than it was pushed";
                r->verdict = LZ_VIOLATION;
                break;
            }
            if (pops > avail) {
                r->bad_op = ev[e].op;
                r->why = "a pop returned before its item's push was invoked";
                r->verdict = LZ_VIOLATION;
                break;
            }
        }
        if (r->verdict != LZ_OK)
            break;
        a = b;
    }
    free(ev);
    if (r->verdict == LZ_VIOLATION && r->bad_op >= 0 && n <= 64) {
        /* the pop at fault and every push of its item */
        r->kept = BIT(r->bad_op);
        for (size_t i = 0; i < n; i++)
            if (is_item_op(&ops[i]) && ops[i].value == ops[r->bad_op].value)
                r->kept |= BIT(i);
        r->n_kept = (size_t)__builtin_popcountll(r->kept);
    }
    return r->verdict;
}

/* ---- Printing ---------------------------------------------------------------- */

const char *lz_status_name(int st)
{
    switch (st) {
    case CONC_OK: return "OK";
    case CONC_EMPTY: return "EMPTY";
    case CONC_FULL: return "FULL";
    case CONC_CLOSED: return "CLOSED";
    case CONC_TIMEDOUT: return "TIMEDOUT";
    case CONC_EINVAL: return "EINVAL";
    case CONC_ENOMEM: return "ENOMEM";
    case CONC_EFORMAT: return "EFORMAT";
    case CONC_ESYS: return "ESYS";
    case LZ_ANY: return "?";
    case LZ_NOTHING: return "EMPTY|CLOSED";
    default: return NULL;
    }
}

const char *lz_verdict_name(lz_verdict v)
{
    switch (v) {
    case LZ_OK: return "linearizable";
    case LZ_VIOLATION: return "VIOLATION";
    case LZ_TOO_BIG: return "too big";
    case LZ_NOMEM: return "out of memory";
    case LZ_BAD_HISTORY: return "bad history";
    case LZ_GAVE_UP: return "gave up";
    }
    return "?";
}

int lz_format_op(char *buf, size_t size, const lz_op *o)
{
    char stb[24];
    const char *st = lz_status_name(o->status);
    if (!st) {
        snprintf(stb, sizeof stb, "status %d", o->status);
        st = stb;
    }
    const bool pend = o->resp == LZ_PENDING;
    const char *tail = pend ? " ..." : "";
    switch (o->kind) {
    case LZ_NOP:
        return snprintf(buf, size, "nop");
    case LZ_PUSH:
        return snprintf(buf, size, "push(%" PRIu64 ")%s%s", o->value,
                        pend ? "" : " ", pend ? tail : st);
    case LZ_POP:
        if (pend)
            return snprintf(buf, size, "pop()%s", tail);
        if (o->status == CONC_OK)
            return snprintf(buf, size, "pop() %" PRIu64, o->value);
        return snprintf(buf, size, "pop() %s", st);
    case LZ_CLOSE:
        return snprintf(buf, size, "close()%s%s", pend ? "" : " ", pend ? tail : st);
    case LZ_CLOSED_Q:
        if (pend)
            return snprintf(buf, size, "closed()%s", tail);
        return snprintf(buf, size, "closed() %" PRIu64, o->value);
    case LZ_TASK_DONE:
        return snprintf(buf, size, "task_done()%s%s", pend ? "" : " ", pend ? tail : st);
    case LZ_JOIN:
        return snprintf(buf, size, "join()%s%s", pend ? "" : " ", pend ? tail : st);
    case LZ_ADD:
        if (pend)
            return snprintf(buf, size, "add(%" PRId64 ")%s", (int64_t)o->value, tail);
        if (o->status == CONC_OK && o->has_prev)
            return snprintf(buf, size, "add(%" PRId64 ") prev=%" PRId64,
                            (int64_t)o->value, (int64_t)o->prev);
        return snprintf(buf, size, "add(%" PRId64 ") %s", (int64_t)o->value, st);
    case LZ_READ:
        if (pend)
            return snprintf(buf, size, "read()%s", tail);
        if (o->status == CONC_OK)
            return snprintf(buf, size, "read() %" PRId64, (int64_t)o->value);
        return snprintf(buf, size, "read() %s", st);
    default:
        return snprintf(buf, size, "kind %u", o->kind);
    }
}

#define LABEL_MAX 200

typedef struct bar {
    uint32_t thread;
    uint64_t inv, resp;
    int lane;
    size_t x0, x1; /* columns of its two ends */
    char label[LABEL_MAX];
} bar;

static int bar_cmp(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->thread != y->thread)
        return x->thread < y->thread ? -1 : 1;
    if (x->inv != y->inv)
        return x->inv < y->inv ? -1 : 1;
    return 0;
}

/* A point of the time axis: a stamp, and whether it is a response (a
 * response is drawn after an invocation of the same stamp: concurrent). */
typedef struct tpt {
    uint64_t t;
    int resp;
} tpt;

static int tpt_cmp(const void *a, const void *b)
{
    const tpt *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->resp - y->resp;
}

static size_t tpt_index(const tpt *p, size_t np, uint64_t t, int resp)
{
    tpt key = {t, resp};
    size_t lo = 0, hi = np;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tpt_cmp(&p[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void print_timeline(FILE *f, const char *prefix, const lz_op *ops,
                           size_t n, uint64_t mask)
{
    if (!prefix)
        prefix = "";
    bar *bars = calloc(n ? n : 1, sizeof *bars);
    tpt *pts = malloc((2 * n + 1) * sizeof *pts);
    size_t *x = malloc((2 * n + 1) * sizeof *x);
    size_t *lane_end = malloc((n + 1) * sizeof *lane_end);
    char *line = NULL;
    if (!bars || !pts || !x || !lane_end) {
        fprintf(f, "%s(out of memory printing the history)\n", prefix);
        goto out;
    }
    /* One bar per call: ops of one thread with the same interval merge. */
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        const lz_op *o = &ops[i];
        if (o->kind == LZ_NOP || (i < 64 && !(mask & BIT(i))))
            continue;
        char lab[LABEL_MAX];
        lz_format_op(lab, sizeof lab, o);
        size_t b = 0;
        for (; b < nb; b++)
            if (bars[b].thread == o->thread && bars[b].inv == o->inv &&
                bars[b].resp == o->resp)
                break;
        if (b == nb) {
            bars[nb].thread = o->thread;
            bars[nb].inv = o->inv;
            bars[nb].resp = o->resp;
            snprintf(bars[nb].label, LABEL_MAX, "%s", lab);
            nb++;
        } else {
            size_t l = strlen(bars[b].label), m = strlen(lab);
            if (l + 2 + m < LABEL_MAX) {
                memcpy(bars[b].label + l, ", ", 2);
                memcpy(bars[b].label + l + 2, lab, m + 1);
            }
        }
    }
    if (nb == 0) {
        fprintf(f, "%s(no ops)\n", prefix);
        goto out;
    }
    qsort(bars, nb, sizeof *bars, bar_cmp);
    size_t np = 0;
    for (size_t b = 0; b < nb; b++) {
        pts[np++] = (tpt){bars[b].inv, 0};
        if (bars[b].resp != LZ_PENDING)
            pts[np++] = (tpt){bars[b].resp, 1};
    }
    qsort(pts, np, sizeof *pts, tpt_cmp);
    size_t u = 0;
    for (size_t k = 0; k < np; k++)
        if (u == 0 || tpt_cmp(&pts[k], &pts[u - 1]) != 0)
            pts[u++] = pts[k];
    np = u;
    /* Columns: each point right of the one before, and far enough right of
     * the invocations of the bars that end there for their labels. */
    size_t name_w = 0;
    for (size_t b = 0; b < nb; b++) {
        char t[24];
        size_t w = (size_t)snprintf(t, sizeof t, "T%" PRIu32 "'", bars[b].thread);
        if (w > name_w)
            name_w = w;
    }
    name_w += 1;
    for (size_t k = 0; k < np; k++) {
        size_t at = k ? x[k - 1] + 2 : name_w;
        if (pts[k].resp)
            for (size_t b = 0; b < nb; b++) {
                if (bars[b].resp != pts[k].t)
                    continue;
                size_t need = x[tpt_index(pts, np, bars[b].inv, 0)] +
                              strlen(bars[b].label) + 5;
                if (need > at)
                    at = need;
            }
        x[k] = at;
    }
    size_t width = x[np - 1] + 1;
    for (size_t b = 0; b < nb; b++) {
        bars[b].x0 = x[tpt_index(pts, np, bars[b].inv, 0)];
        if (bars[b].resp == LZ_PENDING)
            bars[b].x1 = bars[b].x0 + strlen(bars[b].label) + 6;
        else
            bars[b].x1 = x[tpt_index(pts, np, bars[b].resp, 1)];
        if (bars[b].x1 + 1 > width)
            width = bars[b].x1 + 1;
    }
    line = malloc(width + 1);
    if (!line) {
        fprintf(f, "%s(out of memory printing the history)\n", prefix);
        goto out;
    }
    /* Lanes: a bar goes on its thread's first line where it fits. */
    for (size_t b0 = 0; b0 < nb;) {
        size_t b1 = b0;
        while (b1 < nb && bars[b1].thread == bars[b0].thread)
            b1++;
        int lanes = 0;
        for (size_t b = b0; b < b1; b++) {
            int l = 0;
            while (l < lanes && lane_end[l] >= bars[b].x0)
                l++;
            if (l == lanes)
                lanes++;
            bars[b].lane = l;
            lane_end[l] = bars[b].x1;
        }
        for (int l = 0; l < lanes; l++) {
            memset(line, ' ', width);
            line[width] = '\0';
            char name[24];
            int w = snprintf(name, sizeof name, "T%" PRIu32 "%s",
                             bars[b0].thread, l ? "'" : "");
            memcpy(line, name, (size_t)w);
            for (size_t b = b0; b < b1; b++) {
                if (bars[b].lane != l)
                    continue;
                size_t a = bars[b].x0, z = bars[b].x1;
                for (size_t k = a; k <= z; k++)
                    line[k] = '-';
                line[a] = '|';
                line[z] = bars[b].resp == LZ_PENDING ? '>' : '|';
                size_t len = strlen(bars[b].label);
                size_t room = z - a - 1; /* >= len + 4 by construction */
                size_t at = a + 1 + (room > len ? (room - len) / 2 : 0);
                if (bars[b].resp == LZ_PENDING)
                    at = a + 3;
                memcpy(line + at, bars[b].label, len);
            }
            size_t end = width;
            while (end > 0 && line[end - 1] == ' ')
                end--;
            line[end] = '\0';
            fprintf(f, "%s%s\n", prefix, line);
        }
        b0 = b1;
    }
out:
    free(line);
    free(bars);
    free(pts);
    free(x);
    free(lane_end);
}

void lz_print(FILE *f, const char *prefix, const lz_op *ops, size_t n,
              uint64_t mask)
{
    print_timeline(f, prefix, ops, n, mask);
}

static const char *model_name(lz_model m)
{
    switch (m) {
    case LZ_FIFO: return "FIFO";
    case LZ_LIFO: return "LIFO";
    case LZ_COUNTER: return "counter";
    case LZ_SHARDED: return "sharded counter";
    }
    return "?";
}

void lz_print_result(FILE *f, const char *prefix, const lz_spec *spec,
                     const lz_op *ops, size_t n, const lz_result *r)
{
    if (!prefix)
        prefix = "";
    fprintf(f, "%slincheck: %s; %s", prefix, lz_verdict_name(r->verdict),
            model_name(spec->model));
    if (spec->model == LZ_FIFO || spec->model == LZ_LIFO) {
        if (spec->capacity)
            fprintf(f, ", capacity %zu%s", spec->capacity,
                    spec->full_inflight ? " (FULL also with pops and pushes in flight)"
                                        : " (exact FULL)");
        else
            fprintf(f, ", unbounded");
        if (spec->joinable)
            fprintf(f, ", joinable (unfinished %" PRIu64 " at the start)",
                    spec->unfinished);
        if (spec->closed)
            fprintf(f, ", closed at the start");
    } else {
        fprintf(f, ", total %" PRId64 " at the start", (int64_t)spec->total);
    }
    fprintf(f, "; %zu ops, %" PRIu64 " states\n", n, r->states);
    if (r->verdict == LZ_BAD_HISTORY || r->verdict == LZ_TOO_BIG) {
        fprintf(f, "%s  %s (op %d)\n", prefix, r->why ? r->why : "", r->bad_op);
        return;
    }
    if (r->verdict != LZ_VIOLATION)
        return;
    if (spec->prefill_n && (spec->prefill_n > 64 || r->prefill_kept &
                                             ALL_OPS(spec->prefill_n))) {
        fprintf(f, "%sprefilled:", prefix);
        for (size_t j = 0; j < spec->prefill_n; j++)
            if (j >= 64 || (r->prefill_kept & BIT(j)))
                fprintf(f, " %" PRIu64, spec->prefill[j]);
        fprintf(f, "\n");
    }
    lz_op sub[LZ_MAX_OPS];
    int index[LZ_MAX_OPS];
    size_t m = n <= LZ_MAX_OPS
                   ? lz_result_subhistory(spec, ops, n, r, sub, index, NULL, NULL)
                   : 0;
    if (n > LZ_MAX_OPS) { /* sharded: not shrunk */
        fprintf(f, "%sthe history (%zu ops):\n", prefix, n);
        print_timeline(f, prefix, ops, n, ~(uint64_t)0);
    } else {
        bool cut = false; /* did the cut leave a kept op unreturned? */
        for (size_t k = 0; k < m; k++)
            cut = cut || (sub[k].resp == LZ_PENDING &&
                          ops[index[k]].resp != LZ_PENDING);
        fprintf(f, "%sthe smallest failing sub-history found (%zu of %zu ops%s):\n",
                prefix, m, n,
                cut ? "; the ops still running at the cut after which it "
                      "fails are shown pending" : "");
        print_timeline(f, prefix, sub, m, ~(uint64_t)0);
    }
    if (spec->model == LZ_SHARDED) {
        if (r->bad_op >= 0) {
            char lab[LABEL_MAX];
            lz_format_op(lab, sizeof lab, &ops[r->bad_op]);
            fprintf(f, "%sT%" PRIu32 " %s: %s; allowed [%" PRId64 ", %" PRId64
                       "]\n",
                    prefix, ops[r->bad_op].thread, lab, r->why ? r->why : "",
                    r->lo, r->hi);
        }
        return;
    }
    /* the path, by the sub-history's ops (cut ones show as pending) */
    int at[LZ_MAX_OPS];
    for (size_t i = 0; i < LZ_MAX_OPS; i++)
        at[i] = -1;
    for (size_t k = 0; k < m; k++)
        at[index[k]] = (int)k;
    fprintf(f, "%slongest linearization found (%zu ops):", prefix, r->path_len);
    uint64_t in_path = 0;
    for (size_t k = 0; k < r->path_len; k++) {
        int i = r->path[k];
        const lz_op *o = i >= 0 && i < LZ_MAX_OPS && at[i] >= 0 ? &sub[at[i]]
                                                                 : &ops[i];
        char lab[LABEL_MAX];
        lz_format_op(lab, sizeof lab, o);
        fprintf(f, "%s T%" PRIu32 " %s", k ? ";" : "", o->thread, lab);
        if (i >= 0 && at[i] >= 0)
            in_path |= BIT(at[i]);
    }
    fprintf(f, "\n%s  which leaves %s; none of these can follow:", prefix,
            r->state);
    int shown = 0;
    for (size_t k = 0; k < m; k++) {
        if ((in_path & BIT(k)) || sub[k].resp == LZ_PENDING)
            continue;
        char lab[LABEL_MAX];
        lz_format_op(lab, sizeof lab, &sub[k]);
        fprintf(f, "%s T%" PRIu32 " %s", shown++ ? ";" : "", sub[k].thread, lab);
    }
    fprintf(f, "\n");
}

/* ---- Recording ------------------------------------------------------------------ */

static uint64_t now(const lz_hist *h)
{
    return h->clock ? h->clock(h->clock_arg) : h_now_ns();
}

void lz_hist_init(lz_hist *h, lz_clock_fn clock, void *clock_arg)
{
    memset(h->ops, 0, sizeof h->ops);
    atomic_init(&h->n, 0);
    h->clock = clock;
    h->clock_arg = clock_arg;
}

size_t lz_hist_len(const lz_hist *h)
{
    return atomic_load(&((lz_hist *)h)->n);
}

/* k consecutive slots, or -1 when they do not fit (nothing is taken). */
static int take(lz_hist *h, size_t k)
{
    unsigned at = atomic_load(&h->n);
    do {
        if (k > LZ_MAX_OPS || at + k > LZ_MAX_OPS)
            return -1;
    } while (!atomic_compare_exchange_weak(&h->n, &at, at + (unsigned)k));
    return (int)at;
}

static void fill(lz_op *o, uint32_t thread, uint32_t kind, uint64_t value,
                 uint64_t inv, int32_t after, bool glued)
{
    *o = (lz_op){.thread = thread, .kind = kind, .status = LZ_ANY,
                 .value = value, .inv = inv, .resp = LZ_PENDING,
                 .after = after, .glued = glued};
}

int lz_begin(lz_hist *h, uint32_t thread, uint32_t kind, uint64_t value)
{
    int i = take(h, 1);
    if (i < 0)
        return -1;
    fill(&h->ops[i], thread, kind, value, 0, -1, false);
    h->ops[i].inv = now(h);
    return i;
}

void lz_end(lz_hist *h, int i, int status, uint64_t value)
{
    uint64_t t = now(h);
    if (i < 0)
        return;
    lz_op *o = &h->ops[i];
    o->status = status;
    if (o->kind == LZ_POP || o->kind == LZ_READ || o->kind == LZ_CLOSED_Q)
        o->value = value;
    o->resp = t;
}

void lz_end_add(lz_hist *h, int i, int status, uint64_t prev)
{
    uint64_t t = now(h);
    if (i < 0)
        return;
    lz_op *o = &h->ops[i];
    o->status = status;
    o->prev = prev;
    o->has_prev = true;
    o->resp = t;
}

int lz_begin_many(lz_hist *h, uint32_t thread, uint32_t kind,
                  const uint64_t *items, size_t n, bool atomic)
{
    if (n == 0 || n > LZ_MAX_OPS)
        return -1;
    int first = take(h, n);
    if (first < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        fill(&h->ops[first + (int)k], thread, kind,
             kind == LZ_PUSH && items ? items[k] : 0, 0,
             k ? first + (int)k - 1 : -1, k && atomic);
    h->ops[first].prev = n; /* the reservation, until lz_end_many */
    uint64_t t = now(h);
    for (size_t k = 0; k < n; k++)
        h->ops[first + (int)k].inv = t;
    return first;
}

void lz_end_many(lz_hist *h, int first, int status, const uint64_t *out,
                 size_t done)
{
    uint64_t t = now(h);
    if (first < 0)
        return;
    size_t n = (size_t)h->ops[first].prev;
    h->ops[first].prev = 0;
    for (size_t k = 0; k < n; k++) {
        lz_op *o = &h->ops[first + (int)k];
        o->resp = t;
        if (k < done) {
            o->status = CONC_OK;
            if (o->kind == LZ_POP && out)
                o->value = out[k];
        } else if ((k == done && status != CONC_OK &&
                    (o->kind == LZ_PUSH || done == 0)) ||
                   (o->kind == LZ_PUSH && status == CONC_CLOSED)) {
            /* A push batch that ends CLOSED: every item left is a CLOSED
             * push (close is for good, so each would have said CLOSED),
             * and a real batch (conc_ring) may hold free slots for them
             * until it sees the close: they count as pushes in flight. */
            o->status = status;
        } else if (k == done && status == CONC_OK && o->kind == LZ_POP &&
                   done > 0) {
            /* Stopped short with OK: only where a pop finds nothing. */
            o->status = LZ_NOTHING;
        } else {
            o->kind = LZ_NOP;
        }
    }
}

int lz_begin_close_now(lz_hist *h, uint32_t thread, size_t max_items,
                       bool joinable)
{
    size_t per = joinable ? 2 : 1;
    if (max_items > LZ_MAX_OPS)
        max_items = LZ_MAX_OPS;
    int first = take(h, 2 + per * max_items);
    if (first < 0)
        return -1;
    fill(&h->ops[first], thread, LZ_CLOSE, 0, 0, -1, false);
    h->ops[first].prev = max_items; /* the reservation, until the end */
    h->ops[first].value = joinable;
    int at = first + 1;
    for (size_t j = 0; j < max_items; j++) {
        fill(&h->ops[at], thread, LZ_POP, 0, 0, at - 1, false);
        at++;
        if (joinable) {
            fill(&h->ops[at], thread, LZ_TASK_DONE, 0, 0, at - 1, false);
            at++;
        }
    }
    fill(&h->ops[at], thread, LZ_POP, 0, 0, at - 1, false); /* CLOSED */
    uint64_t t = now(h);
    for (int j = first; j <= at; j++)
        h->ops[j].inv = t;
    return first;
}

void lz_end_close_now(lz_hist *h, int first, int status,
                      const uint64_t *discarded, size_t k)
{
    uint64_t t = now(h);
    if (first < 0)
        return;
    lz_op *c = &h->ops[first];
    size_t max_items = (size_t)c->prev;
    bool joinable = c->value != 0;
    size_t per = joinable ? 2 : 1;
    int end = first + 1 + (int)(per * max_items);
    c->prev = 0;
    c->value = 0;
    if (k > max_items)
        k = max_items;
    for (int j = first; j <= end; j++) {
        h->ops[j].resp = t;
        h->ops[j].kind = j == first ? LZ_CLOSE : LZ_NOP;
    }
    if (status == CONC_ENOMEM && k == 0) { /* close itself failed */
        c->status = CONC_ENOMEM;
        return;
    }
    c->status = CONC_OK;
    int at = first + 1, last = first;
    for (size_t j = 0; j < k; j++) {
        lz_op *p = &h->ops[at];
        p->kind = LZ_POP;
        p->status = CONC_OK;
        p->value = discarded ? discarded[j] : 0;
        p->after = last;
        last = at++;
        if (joinable) {
            lz_op *d = &h->ops[at];
            d->kind = LZ_TASK_DONE;
            d->status = LZ_ANY;
            d->after = last;
            last = at++;
        }
    }
    lz_op *e = &h->ops[end];
    e->kind = LZ_POP;
    e->status = status == CONC_OK ? CONC_CLOSED : status;
    e->after = last;
}

lz_verdict lz_check_hist(lz_ctx *ctx, const lz_spec *spec, const lz_hist *h,
                         lz_result *r)
{
    size_t n = lz_hist_len(h);
    if (n > LZ_MAX_OPS) {
        if (r) {
            memset(r, 0, sizeof *r);
            r->bad_op = -1;
            r->cut = LZ_PENDING;
            r->why = "more than LZ_MAX_OPS ops recorded";
            r->verdict = LZ_TOO_BIG;
        }
        return LZ_TOO_BIG;
    }
    return ctx ? lz_check_ctx(ctx, spec, h->ops, n, r)
               : lz_check(spec, h->ops, n, r);
}

/* ---- Specifications of the registry ---------------------------------------------- */

lz_spec lz_spec_for(const reg_entry *e, size_t capacity, unsigned flags)
{
    lz_spec s;
    memset(&s, 0, sizeof s);
    if (e->kind == REG_COUNTER) {
        s.model = e->add_returns_prev ? LZ_COUNTER : LZ_SHARDED;
        return s;
    }
    s.model = e->kind == REG_STACK ? LZ_LIFO : LZ_FIFO;
    s.capacity = e->unbounded ? 0 : capacity;
    s.full_inflight = !e->exact_full && !e->unbounded;
    s.joinable = (flags & CONC_JOINABLE) != 0;
    s.join_inflight = true;
    return s;
}
