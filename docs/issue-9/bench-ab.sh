#!/bin/bash
# Interleaved before/after for issue 9: old = 05b3604, new = main.
OLD=/work/old/build/release/bench/conc-bench
NEW=/work/main/build/release/bench/conc-bench
ARGS="--only conc_ring,conc_mutexq,conc_stack,conc_mutexstack,conc_lfqueue,conc_counter,conc_sharded,conc_mutexcounter --configs 1x1,2x2 --threads 1,2 --runs 3 --total 1000000 --adds 10000000"
for i in 1 2 3 4; do
  echo "=== round $i: old $(date +%T)"; $OLD $ARGS --json ./old-$i.json
  echo "=== round $i: new $(date +%T)"; $NEW $ARGS --json ./new-$i.json
done
echo "=== done $(date +%T)"
