#!/bin/bash
# Interleaved before/after: old = acffc83 (before issue 8), new = main.
OLD=/work/old-bench/build/release/bench/conc-bench
NEW=/work/main/build/release/bench/conc-bench
ARGS="--only conc_ring,conc_lfqueue,conc_stack --configs 1x1,4x4 --runs 3 --total 2000000"
for i in 1 2 3 4; do
  echo "=== round $i: old"; $OLD $ARGS --json /work/bench-old-$i.json
  echo "=== round $i: new"; $NEW $ARGS --json /work/bench-new-$i.json
done
