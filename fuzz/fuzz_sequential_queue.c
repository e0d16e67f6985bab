/*
 * fuzz_sequential_queue - a program of queue operations (one thread) run on
 * every queue of the registry (conc_ring, conc_mutexq, ...) and a FIFO
 * model side by side; see seq_container.c.
 */
#include "seq_container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seq_container_run(REG_QUEUE, data, size);
    return 0;
}
