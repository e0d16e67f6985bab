#!/bin/bash
# Single-thread rows, interleaved: old = 05b3604, new = main.
OLD=/work/old/build/release/bench/conc-bench
NEW=/work/main/build/release/bench/conc-bench
ARGS="--only conc_ring,conc_mutexq,conc_stack,conc_mutexstack,conc_lfqueue,conc_counter,conc_sharded,conc_mutexcounter --configs 1x1 --threads 1 --runs 5 --total 1000000 --adds 10000000"
for i in $(seq 1 ${ROUNDS:-8}); do
  $OLD $ARGS --json old-$i.json >/dev/null
  $NEW $ARGS --json new-$i.json >/dev/null
done
