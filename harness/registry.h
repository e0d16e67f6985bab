/*
 * registry.h - every conc structure, listed once.
 *
 * Every driver (the tests in verify/, conc-stress, the fuzz targets,
 * conc-bench) iterates over conc_registry[] and drives each structure
 * through this small operations table, which calls only the public API.
 * Adding a structure is one entry in registry.c (plus its sequential
 * specification, the `kind`).  Part of the harness library (harness/).
 */
#ifndef CONC_HARNESS_REGISTRY_H
#define CONC_HARNESS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <conc/conc.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum reg_kind {
    REG_QUEUE,  /* FIFO: push appends, pop removes the oldest */
    REG_STACK,  /* LIFO: pop removes the newest */
    REG_COUNTER /* add/read; `push`/`pop` are NULL */
} reg_kind;

typedef struct reg_entry {
    const char *name;     /* "ring", "mutexq", "stack", ... */
    reg_kind kind;
    bool lock_free;       /* progress guarantee claimed in the header */
    bool exact_full;      /* CONC_FULL exact even under concurrency */
    bool atomic_batches;  /* push_many/pop_many are one atomic step (the
                             locked families), not item by item */
    bool add_returns_prev;/* counters: add reports the previous total */
    size_t max_capacity;  /* containers: largest valid capacity; counters: max shards (1 if none) */
    bool unbounded;       /* containers: no capacity (create ignores it, never FULL) */
    bool process_shared;  /* containers: init'd in MAP_SHARED memory, push/pop
                             work across processes (waiting across processes
                             needs CONC_SHARED at init) */
    bool outside_memory;  /* containers: holds memory outside its footprint
                             (conc_lfqueue's segments), so init over a live
                             one without fini leaks it */

    /* Construction.  For counters `capacity` is the shard count (ignored by
     * counters without shards). */
    void *(*create)(size_t capacity);           /* NULL + errno on error */
    void (*destroy)(void *obj);
    size_t (*footprint)(size_t capacity);
    int (*init)(void *mem, size_t size, size_t capacity);
    /* Containers: init with construction flags (conc/wait.h). */
    int (*init_flags)(void *mem, size_t size, size_t capacity, unsigned flags);
    int (*fini)(void *obj);

    /* Containers (NULL for counters). */
    int (*push)(void *obj, void *item);
    int (*pop)(void *obj, void **item);
    int (*push_many)(void *obj, void *const *items, size_t n, size_t *pushed);
    int (*pop_many)(void *obj, void **out, size_t max, size_t *popped);
    size_t (*len)(void *obj);
    size_t (*capacity)(void *obj);

    /* Waiting, closing, joining (conc/wait.h); containers only. */
    void *(*create_flags)(size_t capacity, unsigned flags);
    int (*push_wait)(void *obj, void *item, uint64_t timeout_ns);
    int (*pop_wait)(void *obj, void **item, uint64_t timeout_ns);
    int (*close)(void *obj);
    int (*close_now)(void *obj, conc_discard_fn discard, void *arg,
                     size_t *discarded);
    int (*closed)(void *obj);
    int (*task_done)(void *obj);
    int (*join)(void *obj, uint64_t timeout_ns);
    int (*fd)(void *obj, int *fd);

    /* Counters (NULL for containers).  `prev` may be NULL; counters without
     * add_returns_prev leave it untouched. */
    int (*add)(void *obj, int64_t delta, int64_t *prev);
    int (*read)(void *obj, int64_t *out);
} reg_entry;

extern const reg_entry conc_registry[];
extern const size_t conc_registry_count;

/* The entry with this name, or NULL. */
const reg_entry *conc_registry_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_REGISTRY_H */
