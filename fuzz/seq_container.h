/*
 * seq_container.h - the sequential differential property shared by
 * fuzz_sequential_queue and fuzz_sequential_stack (seq_container.c).
 */
#ifndef CONC_FUZZ_SEQ_CONTAINER_H
#define CONC_FUZZ_SEQ_CONTAINER_H

#include "fuzz.h"
#include "registry.h"

/* Run the program in data[0..size) on every registry structure of `kind`
 * (REG_QUEUE or REG_STACK) side by side with a reference model. */
void seq_container_run(reg_kind kind, const uint8_t *data, size_t size);

#endif
