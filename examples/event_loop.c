/*
 * event_loop.c - one thread waits on several queues with epoll.
 *
 * The C form of gevent's many-waits-one-thread: each queue gives an eventfd
 * (conc_X_fd) that is readable while items may be available; the loop pops
 * until CONC_EMPTY (which re-arms the fd) and stops when every queue said
 * CONC_CLOSED, or when nothing happened for a whole timeout (joinall with a
 * timeout).  Producers here are threads; they could be anything that pushes.
 *
 * Build: cc event_loop.c $(pkg-config --cflags --libs conc)
 */
#include <conc/conc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#define QUEUES 3
#define ITEMS 1000

static void *producer(void *arg)
{
    conc_ring *q = arg;
    for (intptr_t i = 1; i <= ITEMS; i++)
        if (conc_ring_push_wait(q, (void *)i, CONC_FOREVER) != CONC_OK)
            return NULL;
    conc_ring_close(q);
    return NULL;
}

int main(void)
{
    conc_ring *q[QUEUES];
    pthread_t th[QUEUES];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < QUEUES; i++) {
        int fd;
        q[i] = conc_ring_new(64, 0);
        if (!q[i] || conc_ring_fd(q[i], &fd) != CONC_OK)
            return 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        pthread_create(&th[i], NULL, producer, q[i]);
    }

    long got[QUEUES] = {0}, sum[QUEUES] = {0};
    int open = QUEUES;
    while (open > 0) {
        struct epoll_event ev[QUEUES];
        int n = epoll_wait(ep, ev, QUEUES, 2000 /* ms */);
        if (n == 0) {
            fprintf(stderr, "timed out with %d queues open\n", open);
            break;
        }
        for (int k = 0; k < n; k++) {
            int i = (int)ev[k].data.u32;
            void *item;
            conc_status st;
            while ((st = conc_ring_pop(q[i], &item)) == CONC_OK) {
                got[i]++;
                sum[i] += (long)(intptr_t)item;
            }
            if (st == CONC_CLOSED) {
                int fd;
                conc_ring_fd(q[i], &fd);
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                printf("queue %d closed after %ld items\n", i, got[i]);
                open--;
            }
        }
    }
    int bad = open;
    for (int i = 0; i < QUEUES; i++) {
        pthread_join(th[i], NULL);
        if (got[i] != ITEMS || sum[i] != (long)ITEMS * (ITEMS + 1) / 2)
            bad++;
        conc_ring_free(q[i]); /* also closes its eventfd */
    }
    close(ep);
    printf("%s\n", bad ? "FAILED" : "every item of every queue, once");
    return bad ? 1 : 0;
}
