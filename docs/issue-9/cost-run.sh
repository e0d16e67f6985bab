#!/bin/bash
# run.sh BIN OUT: instructions per iteration, (Ir(2N) - Ir(N)) / N
bin=$1; out=$2; N=100000; : > $out
for s in ring stack lfqueue mutexq mutexstack; do
  for sc in pair empty joinable wait0 many8; do
    ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null $bin $s $sc $1 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
    a=$(ir $N); b=$(ir $((2*N)))
    echo "$s $sc $(( (b - a) / N ))" >> $out
  done
done
