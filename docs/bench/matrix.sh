#!/usr/bin/env bash
# Runs `tandem bench` over a matrix of client counts, several times each, and writes
#   docs/bench/results.csv       one line per run: clients,clusters,protocol,run,p50,p95,p99,max,heapMB,rssMB,cpuS
#   docs/bench/medians.csv       the median of each column per scenario
#   docs/bench/convergence-p99.png   p99 convergence (median of the runs) against clients (gnuplot, Debian's gnuplot-nox)
# By hand, not in CI (it takes minutes and times things):
#   docs/bench/matrix.sh [--clients "100 1000"] [--clusters 1000] [--runs 3] [--protocol sotw] [--changes 4] [--interval 1s]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
clients="100 1000"; clusters=1000; runs=3; protocol=sotw; changes=4; interval=1s; heap=2g
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --clusters) clusters="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --protocol) protocol="$2"; shift 2 ;;
    --changes) changes="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --target-heap) heap="$2"; shift 2 ;;
    *) echo "matrix.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v gnuplot >/dev/null || { echo "matrix.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 3; }
results="$here/results.csv"
echo "clients,clusters,protocol,run,p50,p95,p99,max,heapMB,rssMB,cpuS" > "$results"
for n in $clients; do
  for run in $(seq 1 "$runs"); do
    json="$(mktemp)"
    "$root/tandem" bench --clients "$n" --clusters "$clusters" --protocol "$protocol" --changes "$changes" \
        --interval "$interval" --target-heap "$heap" --json "$json" > /dev/null
    python3 - "$json" "$n" "$clusters" "$protocol" "$run" >> "$results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["tandem"]
c, t = r["convergenceMillis"], r["target"]
print(",".join([sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]] +
               ["%.1f" % c[k] for k in ("p50", "p95", "p99", "max")] +
               ["%.0f" % (t["heapUsedBytes"] / 2**20), "%.0f" % (t["rssBytes"] / 2**20), "%.1f" % t["cpuSeconds"]]))
PY
    rm -f "$json"
    echo "clients $n run $run done" >&2
  done
done
python3 - "$results" "$here/medians.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = ["p50", "p95", "p99", "max", "heapMB", "rssMB", "cpuS"]
out = open(sys.argv[2], "w")
out.write("clients,clusters,protocol,runs," + ",".join(keys) + "\n")
for scenario in sorted({(int(r["clients"]), r["clusters"], r["protocol"]) for r in rows}):
    group = [r for r in rows if (int(r["clients"]), r["clusters"], r["protocol"]) == scenario]
    out.write(",".join([str(scenario[0]), scenario[1], scenario[2], str(len(group))] +
                       ["%.1f" % statistics.median(float(r[k]) for r in group) for k in keys]) + "\n")
PY
gnuplot <<GP
set terminal pngcairo size 800,500
set output "$here/convergence-p99.png"
set datafile separator ","
set title "tandem bench: convergence p99 (median of runs), $clusters clusters, $protocol"
set xlabel "simulated Envoys"
set ylabel "p99 convergence (ms)"
set logscale x
set grid
set key off
plot "$here/medians.csv" using 1:7 every ::1 with linespoints lw 2 pt 7
GP
cat "$here/medians.csv"
