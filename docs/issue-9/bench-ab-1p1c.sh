#!/bin/bash
# 1P1C pair rows of the lock-free queues, interleaved: old = 05b3604, new = main.
OLD=/work/old/build/release/bench/conc-bench
NEW=/work/main/build/release/bench/conc-bench
ARGS="--only conc_ring,conc_lfqueue,conc_stack --configs 1x1 --threads 1 --no-wait-cost --runs 5 --total 1000000 --adds 1000"
for i in $(seq 1 ${ROUNDS:-10}); do
  $OLD $ARGS --json old-$i.json >/dev/null
  $NEW $ARGS --json new-$i.json >/dev/null
done
