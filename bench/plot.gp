# The figure of scripts/bench.sh: gnuplot -e "dir='OUT'" bench/plot.gp reads the .dat files the
# script wrote into OUT and writes OUT/bench.png. "?" marks a figure a client does not have.
if (!exists("dir")) dir = "."
set terminal pngcairo size 1650,640 font "DejaVu Sans,11" noenhanced   # "@" would be markup
set output dir."/bench.png"
set datafile missing "?"
set grid ytics mytics
# Below every panel, three rows each, so that the three plots keep the same height.
set key below vertical maxrows 3
ours = "#1f77b4"; sdk = "#d62728"; wrk = "#7f7f7f"; floor = "#2ca02c"

set multiplot layout 1,3 title "gemini-asio vs @google/genai vs wrk: emulator over TLS on loopback, model latency 0"

# Log scales: the clients differ by orders of magnitude, and the targets are ratios.
set title "client CPU per unary request (user+sys / requests)"
set logscale xy
set xlabel "requests in flight"
set ylabel "µs per request (log)"
set xrange [0.7:1400]
set xtics ("1" 1, "10" 10, "100" 100, "1000" 1000)
plot dir."/unary_cpu.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb ours title "gemini-asio", \
     "" using 1:3 with linespoints lw 2 pt 5 lc rgb sdk title "@google/genai", \
     "" using 1:4 with linespoints lw 2 pt 9 lc rgb wrk title "wrk (1 thread)", \
     "" using 1:($3 / 30) with lines dt 3 lw 2 lc rgb sdk title "target: <= SDK / 30", \
     "" using 1:($4 * 2) with lines dt 2 lw 2 lc rgb wrk title "target: <= 2 x wrk"

unset logscale
unset xrange
set xtics auto
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set offsets graph 0, graph 0, graph 0.08, graph 0   # room for the value labels
# Bar j of k in a cluster (gap 1) is centred at cluster + (j - (k-1)/2) / (k+1): where the value
# labels go.
bar(cluster, j, k) = cluster + (j - (k - 1) / 2.0) / (k + 1)
fmt(x) = x < 10 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x)

set title "client CPU per streamed step.delta event"
set xlabel "streams in flight"
set ylabel "µs per event (log)"
set logscale y
set yrange [0.5:*]
plot dir."/event_cpu.dat" using 2:xtic(1) lc rgb ours title "gemini-asio", \
     "" using 3 lc rgb sdk title "@google/genai", \
     for [j=0:1] "" using (bar($0, j, 2)):(column(j + 2)):(fmt(column(j + 2))) with labels offset 0,0.7 notitle, \
     "" using (bar($0, 0, 2)):($3 / 30) with points pt 6 ps 1.5 lw 2 lc rgb sdk title "target: <= SDK / 30"

set title "resident memory per open idle stream"
set xlabel "streams held open"
set ylabel "KiB per stream"
unset logscale
set yrange [0:*]
plot dir."/idle_memory.dat" using 2:xtic(1) lc rgb ours title "gemini-asio", \
     "" using 3 lc rgb floor title "floor (bare TLS)", \
     "" using 4 lc rgb sdk title "@google/genai", \
     for [j=0:2] "" using (bar($0, j, 3)):(column(j + 2)):(fmt(column(j + 2))) with labels offset 0,0.7 notitle, \
     "" using (bar($0, 0, 3)):($3 * 1.25) with points pt 6 ps 1.5 lw 2 lc rgb floor title "target: <= 1.25 x floor", \
     "" using (bar($0, 0, 3)):($4 / 10) with points pt 6 ps 1.5 lw 2 lc rgb sdk title "target: <= SDK / 10"

unset multiplot
