/* docs/issue-8/cost.c extended to mutexq/mutexstack and to the paths that
 * now go through the container core (wait with timeout 0, batches of 8). */
#include <conc/conc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FAM(P, NEWARGS)                                                        \
    if (!strcmp(s, #P)) {                                                      \
        conc_##P *q = conc_##P##_new NEWARGS;                                  \
        for (long i = 0; i < n; i++) {                                         \
            if (m == 1) { conc_##P##_pop(q, &x); continue; }     \
            if (m == 2) {                                        \
                conc_##P##_push_wait(q, (void *)1, 0);                         \
                conc_##P##_pop_wait(q, &x, 0);                                 \
                continue;                                                      \
            }                                                                  \
            if (m == 3) {                                        \
                size_t k;                                                      \
                conc_##P##_push_many(q, b, 8, &k);                             \
                conc_##P##_pop_many(q, o, 8, &k);                              \
                continue;                                                      \
            }                                                                  \
            conc_##P##_push(q, (void *)1); conc_##P##_pop(q, &x);              \
            if (fl) conc_##P##_task_done(q);                                   \
        }                                                                      \
        return 0;                                                              \
    }
int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    const char *s = argv[1], *sc = argv[2];
    long n = atol(argv[3]);
    int m = !strcmp(sc, "empty") ? 1 : !strcmp(sc, "wait0") ? 2 : !strcmp(sc, "many8") ? 3 : 0;
    unsigned fl = strcmp(sc, "joinable") == 0 ? CONC_JOINABLE : 0;
    void *x, *b[8] = {(void *)1, (void *)2, (void *)3, (void *)4, (void *)5, (void *)6, (void *)7, (void *)8}, *o[8];
    FAM(ring, (1024, fl))
    FAM(stack, (1024, fl))
    FAM(lfqueue, (fl))
    FAM(mutexq, (1024, fl))
    FAM(mutexstack, (1024, fl))
    return 2;
}
