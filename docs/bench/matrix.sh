#!/usr/bin/env bash
# Runs `tandem bench` over a matrix of scenarios, several times each, and writes
#   docs/bench/results.csv       one line per run (appended with --append, so sweeps add up)
#   docs/bench/medians.csv       the median of each column per scenario (clients, clusters, protocol)
#   docs/bench/convergence-p99.png   p99 convergence (median of the runs) against clients, one line per
#                                    clusters/protocol series (gnuplot, Debian's gnuplot-nox)
# By hand, not in CI (it takes minutes and times things), for example:
#   docs/bench/matrix.sh --clients "100 1000 5000" --clusters 1000 --runs 3
#   docs/bench/matrix.sh --append --clients 1000 --clusters "100 10000" --runs 3
#   docs/bench/matrix.sh --append --clients "100 1000" --clusters 1000 --protocol delta --runs 3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
clients="100 1000"; clusters=1000; runs=3; protocol=sotw; changes=4; interval=1s; heap=2g; append=false
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --clusters) clusters="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --protocol) protocol="$2"; shift 2 ;;
    --changes) changes="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --target-heap) heap="$2"; shift 2 ;;
    --append) append=true; shift ;;
    *) echo "matrix.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v gnuplot >/dev/null || { echo "matrix.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 3; }
results="$here/results.csv"
header="clients,clusters,protocol,run,p50,p95,p99,max,applyMs,heapMB,rssMB,cpuS,stormS,stormResentMB"
if [ "$append" != true ] || [ ! -f "$results" ] || [ "$(head -1 "$results")" != "$header" ]; then
  echo "$header" > "$results"
fi
for k in $clusters; do
  for n in $clients; do
    for run in $(seq 1 "$runs"); do
      json="$(mktemp)"
      "$root/tandem" bench --clients "$n" --clusters "$k" --protocol "$protocol" --changes "$changes" \
          --interval "$interval" --target-heap "$heap" --json "$json" > /dev/null
      python3 - "$json" "$n" "$k" "$protocol" "$run" >> "$results" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["tandem"]
c, t, s = r["convergenceMillis"], r["target"], r["reconnectStorm"]
apply_ms = statistics.median(ch["applyMillis"] for ch in r["changes"]) if r["changes"] else 0
print(",".join([sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]] +
               ["%.1f" % c[k] for k in ("p50", "p95", "p99", "max")] + ["%.1f" % apply_ms] +
               ["%.0f" % (t["heapUsedBytes"] / 2**20), "%.0f" % (t["rssBytes"] / 2**20), "%.1f" % t["cpuSeconds"],
                "%.1f" % s["allConnectedSeconds"], "%.1f" % (sum(s["bytesResentUnchanged"].values()) / 1e6)]))
PY
      rm -f "$json"
      echo "clients $n clusters $k $protocol run $run done" >&2
    done
  done
done
python3 - "$results" "$here" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = ["p50", "p95", "p99", "max", "applyMs", "heapMB", "rssMB", "cpuS", "stormS", "stormResentMB"]
scenarios = sorted({(int(r["clients"]), int(r["clusters"]), r["protocol"]) for r in rows})
with open(sys.argv[2] + "/medians.csv", "w") as out:
    out.write("clients,clusters,protocol,runs," + ",".join(keys) + "\n")
    for scenario in scenarios:
        group = [r for r in rows if (int(r["clients"]), int(r["clusters"]), r["protocol"]) == scenario]
        out.write(",".join([str(scenario[0]), str(scenario[1]), scenario[2], str(len(group))] +
                           ["%.1f" % statistics.median(float(r[k]) for r in group) for k in keys]) + "\n")
# One data file and one line per clusters/protocol series.
series = sorted({(s[1], s[2]) for s in scenarios})
plots = []
for clusters, protocol in series:
    name = "%s/.series-%d-%s.dat" % (sys.argv[2], clusters, protocol)
    with open(name, "w") as out:
        for scenario in scenarios:
            if (scenario[1], scenario[2]) == (clusters, protocol):
                group = [r for r in rows if (int(r["clients"]), int(r["clusters"]), r["protocol"]) == scenario]
                out.write("%d %.1f\n" % (scenario[0], statistics.median(float(r["p99"]) for r in group)))
    plots.append('"%s" using 1:2 with linespoints lw 2 pt 7 title "%d clusters, %s"' % (name, clusters, protocol))
with open(sys.argv[2] + "/.plot.gp", "w") as gp:
    gp.write('set terminal pngcairo size 800,500\nset output "%s/convergence-p99.png"\n' % sys.argv[2])
    gp.write('set title "tandem bench on 2 cores: convergence p99 (median of runs)"\n')
    gp.write('set xlabel "simulated Envoys"\nset ylabel "p99 convergence (ms)"\nset logscale x\nset grid\nset key top left\n')
    gp.write("plot " + ", ".join(plots) + "\n")
PY
gnuplot "$here/.plot.gp"
rm -f "$here"/.series-*.dat "$here/.plot.gp"
cat "$here/medians.csv"
