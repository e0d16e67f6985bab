/*
 * dishes_threads.c - one washer, two dryers, in threads.
 *
 * Python's queue.Queue example, in C: the washer puts dishes on a rack, the
 * dryers take them off; task_done/join tell the washer when every dish is
 * dry.  Unlike the usual Python version, this one also ends: the washer
 * closes the rack, each dryer's pop_wait then returns CONC_CLOSED, and the
 * threads are joined.
 *
 * Build: cc dishes_threads.c $(pkg-config --cflags --libs conc)
 */
#include <conc/conc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DISHES 10

static conc_ring *rack; /* holds at most 3 dishes: the washer waits */

static void *dryer(void *arg)
{
    const char *name = arg;
    int dried = 0;
    void *dish;
    /* pop_wait blocks until a dish arrives, or the rack is closed and empty. */
    while (conc_ring_pop_wait(rack, &dish, CONC_FOREVER) == CONC_OK) {
        printf("%s dries dish %d\n", name, (int)(intptr_t)dish);
        dried++;
        conc_ring_task_done(rack); /* this dish is done */
    }
    printf("%s: rack closed, dried %d\n", name, dried);
    return (void *)(intptr_t)dried;
}

int main(void)
{
    rack = conc_ring_new(3, CONC_JOINABLE);
    if (!rack) {
        perror("conc_ring_new");
        return 1;
    }
    pthread_t dryers[2];
    pthread_create(&dryers[0], NULL, dryer, "dryer 1");
    pthread_create(&dryers[1], NULL, dryer, "dryer 2");

    for (int d = 1; d <= DISHES; d++) {
        printf("washer washes dish %d\n", d);
        /* push_wait blocks while the rack is full. */
        if (conc_ring_push_wait(rack, (void *)(intptr_t)d, CONC_FOREVER) != CONC_OK)
            return 1;
    }
    conc_ring_join(rack, CONC_FOREVER); /* every dish dried */
    printf("washer: all %d dishes are dry\n", DISHES);

    conc_ring_close(rack); /* wakes the dryers: no more dishes */
    intptr_t total = 0;
    for (int i = 0; i < 2; i++) {
        void *n;
        pthread_join(dryers[i], &n);
        total += (intptr_t)n;
    }
    conc_ring_free(rack);
    printf("dried %d of %d\n", (int)total, DISHES);
    return total == DISHES ? 0 : 1;
}
