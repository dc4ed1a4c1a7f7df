# chart.gp - bench-moves' chart: median guest-visible downtime per move type and
# guest size, log scale.  Called by report.py as
#   gnuplot -e "datafile='...'; outfile='...'; ncols=N; charttitle='...'" chart.gp
# datafile: a header line ("cell" then one quoted label per move), then one
# line per cell ("128 MiB idle" then the medians in ms, ? when not measured).
set terminal pngcairo size 1280,720 font "sans,10" noenhanced
set output outfile
set title charttitle
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set yrange [1:*]
set ylabel "guest-visible gap (ms, log scale)"
set format y "%g"
set grid ytics mytics
set key outside right top vertical
set xtics nomirror rotate by -20
plot for [i=2:ncols] datafile using i:xtic(1) title columnheader(i)
