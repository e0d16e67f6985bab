/*
 * fuzz_sequential_stack - a program of stack operations (one thread) run on
 * every stack of the registry (conc_stack, conc_mutexstack, ...) and a LIFO
 * model side by side; see seq_container.c.
 */
#include "seq_container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seq_container_run(REG_STACK, data, size);
    return 0;
}
