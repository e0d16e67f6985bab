/* Instructions per operation, old vs new libconc: run under callgrind with
 * N and 2N iterations; (Ir(2N) - Ir(N)) / N cancels the start-up. */
#include <conc/conc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    const char *s = argv[1], *sc = argv[2];
    long n = atol(argv[3]);
    unsigned fl = strcmp(sc, "joinable") == 0 ? CONC_JOINABLE : 0;
    void *x;
    if (!strcmp(s, "ring")) {
        conc_ring *q = conc_ring_new(1024, fl);
        for (long i = 0; i < n; i++) {
            if (!strcmp(sc, "empty")) { conc_ring_pop(q, &x); continue; }
            conc_ring_push(q, (void *)1); conc_ring_pop(q, &x);
            if (fl) conc_ring_task_done(q);
        }
    } else if (!strcmp(s, "stack")) {
        conc_stack *q = conc_stack_new(1024, fl);
        for (long i = 0; i < n; i++) {
            if (!strcmp(sc, "empty")) { conc_stack_pop(q, &x); continue; }
            conc_stack_push(q, (void *)1); conc_stack_pop(q, &x);
            if (fl) conc_stack_task_done(q);
        }
    } else {
        conc_lfqueue *q = conc_lfqueue_new(fl);
        for (long i = 0; i < n; i++) {
            if (!strcmp(sc, "empty")) { conc_lfqueue_pop(q, &x); continue; }
            conc_lfqueue_push(q, (void *)1); conc_lfqueue_pop(q, &x);
            if (fl) conc_lfqueue_task_done(q);
        }
    }
    return 0;
}
