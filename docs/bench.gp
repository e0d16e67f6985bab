set terminal svg size 1240,1140 dynamic font 'Helvetica,11'
set termoption noenhanced
set output 'docs/bench.svg'
set multiplot layout 3,2 title "conc-bench 2026-12-01, 2 CPUs, 1000000 items per run, capacity 1024, median of 5 runs, whiskers min-max, pinned"
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set ylabel 'Mops/s'
set key outside right top samplen 1 spacing 0.9 font ',8'
set xtics nomirror scale 0
set yrange [0.01:*]
set title "Queues, --spin pause"
set xtics ('1P1C' 4.5, '2P2C' 15.5, '4P4C' 26.5)
set xrange [-1:32]
plot 'docs/bench.dat' index 0 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 0 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 1 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 1 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 2 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 2 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 3 using 1:2 with boxes lc rgb '#1f77b4' title 'vyukov_ring', \
     '' index 3 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 4 using 1:2 with boxes lc rgb '#17becf' title 'ck_ring', \
     '' index 4 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 5 using 1:2 with boxes lc rgb '#2ca02c' title 'boost_queue', \
     '' index 5 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 6 using 1:2 with boxes lc rgb '#7f7f7f' title 'ck_fifo', \
     '' index 6 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 7 using 1:2 with boxes lc rgb '#9edae5' title 'wfcqueue', \
     '' index 7 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 8 using 1:2 with boxes lc rgb '#98df8a' title 'moodycamel', \
     '' index 8 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 9 using 1:2 with boxes lc rgb '#393b79' title 'moodycamel_tok', \
     '' index 9 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Queues, --spin yield"
set xtics ('1P1C' 4.5, '2P2C' 15.5, '4P4C' 26.5)
set xrange [-1:32]
plot 'docs/bench.dat' index 10 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 10 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 11 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 11 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 12 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 12 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 13 using 1:2 with boxes lc rgb '#1f77b4' title 'vyukov_ring', \
     '' index 13 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 14 using 1:2 with boxes lc rgb '#17becf' title 'ck_ring', \
     '' index 14 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 15 using 1:2 with boxes lc rgb '#2ca02c' title 'boost_queue', \
     '' index 15 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 16 using 1:2 with boxes lc rgb '#7f7f7f' title 'ck_fifo', \
     '' index 16 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 17 using 1:2 with boxes lc rgb '#9edae5' title 'wfcqueue', \
     '' index 17 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 18 using 1:2 with boxes lc rgb '#98df8a' title 'moodycamel', \
     '' index 18 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 19 using 1:2 with boxes lc rgb '#393b79' title 'moodycamel_tok', \
     '' index 19 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "conc queues, push_many/pop_many, --spin pause"
set xtics ('1P1C' 1, '2P2C' 5, '4P4C' 9)
set xrange [-1:11]
plot 'docs/bench.dat' index 20 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 20 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 21 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 21 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 22 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 22 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "conc queues, push_many/pop_many, --spin yield"
set xtics ('1P1C' 1, '2P2C' 5, '4P4C' 9)
set xrange [-1:11]
plot 'docs/bench.dat' index 23 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 23 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 24 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 24 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 25 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 25 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Stacks, --spin pause"
set xtics ('1P1C' 2, '2P2C' 8, '4P4C' 14)
set xrange [-1:17]
plot 'docs/bench.dat' index 26 using 1:2 with boxes lc rgb '#8e44ad' title 'conc_stack', \
     '' index 26 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 27 using 1:2 with boxes lc rgb '#d35400' title 'conc_mutexstack', \
     '' index 27 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 28 using 1:2 with boxes lc rgb '#637939' title 'ck_stack', \
     '' index 28 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 29 using 1:2 with boxes lc rgb '#aec7e8' title 'lfstack', \
     '' index 29 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 30 using 1:2 with boxes lc rgb '#bcbd22' title 'boost_stack', \
     '' index 30 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Stacks, --spin yield"
set xtics ('1P1C' 2, '2P2C' 8, '4P4C' 14)
set xrange [-1:17]
plot 'docs/bench.dat' index 31 using 1:2 with boxes lc rgb '#8e44ad' title 'conc_stack', \
     '' index 31 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 32 using 1:2 with boxes lc rgb '#d35400' title 'conc_mutexstack', \
     '' index 32 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 33 using 1:2 with boxes lc rgb '#637939' title 'ck_stack', \
     '' index 33 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 34 using 1:2 with boxes lc rgb '#aec7e8' title 'lfstack', \
     '' index 34 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 35 using 1:2 with boxes lc rgb '#bcbd22' title 'boost_stack', \
     '' index 35 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
unset multiplot
set terminal pngcairo size 1240,1140 font 'Helvetica,10'
set termoption noenhanced
set output 'docs/bench.png'
set multiplot layout 3,2 title "conc-bench 2026-12-01, 2 CPUs, 1000000 items per run, capacity 1024, median of 5 runs, whiskers min-max, pinned"
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set ylabel 'Mops/s'
set key outside right top samplen 1 spacing 0.9 font ',8'
set xtics nomirror scale 0
set yrange [0.01:*]
set title "Queues, --spin pause"
set xtics ('1P1C' 4.5, '2P2C' 15.5, '4P4C' 26.5)
set xrange [-1:32]
plot 'docs/bench.dat' index 0 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 0 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 1 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 1 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 2 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 2 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 3 using 1:2 with boxes lc rgb '#1f77b4' title 'vyukov_ring', \
     '' index 3 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 4 using 1:2 with boxes lc rgb '#17becf' title 'ck_ring', \
     '' index 4 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 5 using 1:2 with boxes lc rgb '#2ca02c' title 'boost_queue', \
     '' index 5 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 6 using 1:2 with boxes lc rgb '#7f7f7f' title 'ck_fifo', \
     '' index 6 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 7 using 1:2 with boxes lc rgb '#9edae5' title 'wfcqueue', \
     '' index 7 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 8 using 1:2 with boxes lc rgb '#98df8a' title 'moodycamel', \
     '' index 8 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 9 using 1:2 with boxes lc rgb '#393b79' title 'moodycamel_tok', \
     '' index 9 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Queues, --spin yield"
set xtics ('1P1C' 4.5, '2P2C' 15.5, '4P4C' 26.5)
set xrange [-1:32]
plot 'docs/bench.dat' index 10 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 10 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 11 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 11 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 12 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 12 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 13 using 1:2 with boxes lc rgb '#1f77b4' title 'vyukov_ring', \
     '' index 13 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 14 using 1:2 with boxes lc rgb '#17becf' title 'ck_ring', \
     '' index 14 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 15 using 1:2 with boxes lc rgb '#2ca02c' title 'boost_queue', \
     '' index 15 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 16 using 1:2 with boxes lc rgb '#7f7f7f' title 'ck_fifo', \
     '' index 16 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 17 using 1:2 with boxes lc rgb '#9edae5' title 'wfcqueue', \
     '' index 17 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 18 using 1:2 with boxes lc rgb '#98df8a' title 'moodycamel', \
     '' index 18 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 19 using 1:2 with boxes lc rgb '#393b79' title 'moodycamel_tok', \
     '' index 19 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "conc queues, push_many/pop_many, --spin pause"
set xtics ('1P1C' 1, '2P2C' 5, '4P4C' 9)
set xrange [-1:11]
plot 'docs/bench.dat' index 20 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 20 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 21 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 21 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 22 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 22 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "conc queues, push_many/pop_many, --spin yield"
set xtics ('1P1C' 1, '2P2C' 5, '4P4C' 9)
set xrange [-1:11]
plot 'docs/bench.dat' index 23 using 1:2 with boxes lc rgb '#c0392b' title 'conc_ring', \
     '' index 23 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 24 using 1:2 with boxes lc rgb '#e67e22' title 'conc_mutexq', \
     '' index 24 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 25 using 1:2 with boxes lc rgb '#f1c40f' title 'conc_lfqueue', \
     '' index 25 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Stacks, --spin pause"
set xtics ('1P1C' 2, '2P2C' 8, '4P4C' 14)
set xrange [-1:17]
plot 'docs/bench.dat' index 26 using 1:2 with boxes lc rgb '#8e44ad' title 'conc_stack', \
     '' index 26 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 27 using 1:2 with boxes lc rgb '#d35400' title 'conc_mutexstack', \
     '' index 27 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 28 using 1:2 with boxes lc rgb '#637939' title 'ck_stack', \
     '' index 28 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 29 using 1:2 with boxes lc rgb '#aec7e8' title 'lfstack', \
     '' index 29 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 30 using 1:2 with boxes lc rgb '#bcbd22' title 'boost_stack', \
     '' index 30 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
set title "Stacks, --spin yield"
set xtics ('1P1C' 2, '2P2C' 8, '4P4C' 14)
set xrange [-1:17]
plot 'docs/bench.dat' index 31 using 1:2 with boxes lc rgb '#8e44ad' title 'conc_stack', \
     '' index 31 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 32 using 1:2 with boxes lc rgb '#d35400' title 'conc_mutexstack', \
     '' index 32 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 33 using 1:2 with boxes lc rgb '#637939' title 'ck_stack', \
     '' index 33 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 34 using 1:2 with boxes lc rgb '#aec7e8' title 'lfstack', \
     '' index 34 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle, \
     'docs/bench.dat' index 35 using 1:2 with boxes lc rgb '#bcbd22' title 'boost_stack', \
     '' index 35 using 1:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 0.6 notitle
unset multiplot
