/*
 * dishes_processes.c - the washer and the dryer as two processes.
 *
 * Python's multiprocessing.JoinableQueue, in C: a ring of fixed-size
 * messages in shared memory (a memfd), inherited by the dryer across fork().
 * A dryer in an unrelated process would open a named ring instead:
 * conc_shmring_create("/rack", ...) here, conc_shmring_open("/rack", ...)
 * there.  Messages are bytes, never pointers: the other process has its own
 * address space.
 *
 * Build: cc dishes_processes.c $(pkg-config --cflags --libs conc)
 */
#include <conc/conc.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DISHES 10

struct dish {
    int number;
    char kind[20];
};

static int dryer(conc_shmring *rack)
{
    struct dish d;
    int dried = 0;
    while (conc_shmring_pop_wait(rack, &d, CONC_FOREVER) == CONC_OK) {
        printf("dryer (pid %d) dries %s %d\n", (int)getpid(), d.kind, d.number);
        fflush(stdout);
        dried++;
        conc_shmring_task_done(rack);
    }
    printf("dryer: rack closed, dried %d\n", dried);
    return dried == DISHES ? 0 : 1;
}

int main(void)
{
    conc_status st;
    conc_shmring *rack =
        conc_shmring_create(NULL, 3, sizeof(struct dish), CONC_JOINABLE, &st);
    if (!rack) {
        fprintf(stderr, "conc_shmring_create: %s\n", conc_strerror(st));
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        _exit(dryer(rack)); /* the mapping came with fork */

    static const char *kinds[] = {"plate", "cup", "bowl"};
    for (int n = 1; n <= DISHES; n++) {
        struct dish d = {.number = n};
        snprintf(d.kind, sizeof d.kind, "%s", kinds[n % 3]);
        printf("washer (pid %d) washes %s %d\n", (int)getpid(), d.kind, n);
        fflush(stdout);
        if (conc_shmring_push_wait(rack, &d, CONC_FOREVER) != CONC_OK)
            return 1;
    }
    /* Waits across processes: the dryer's task_done wakes us. */
    conc_shmring_join(rack, CONC_FOREVER);
    printf("washer: all %d dishes are dry\n", DISHES);
    fflush(stdout);
    conc_shmring_close(rack);

    int status = 0;
    waitpid(pid, &status, 0);
    conc_shmring_detach(rack);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
