#!/usr/bin/env bash
# Measures, by hand, the time from launching `tandem serve` to /readyz answering 200, with and without
# the class-data-sharing archive, N times each (fresh data directory every run).
#   installer/measure-startup.sh [launcher] [runs]
set -euo pipefail
launcher="${1:-$(dirname "$0")/target/image/tandem/bin/tandem}"
runs="${2:-5}"
once() {
  local tmp admin start pid
  tmp="$(mktemp -d)"
  # Port 0: the appliance binds free ports and writes them to <dataDir>/ports once ready.
  printf 'dataDir: %s/data\nadmin: {address: 127.0.0.1, port: 0}\nxds: {address: 127.0.0.1, port: 0}\n' "$tmp" > "$tmp/t.yaml"
  start=$(date +%s%N)
  JAVA_TOOL_OPTIONS="${1:-}" "$launcher" serve --config "$tmp/t.yaml" > "$tmp/log" 2>&1 &
  pid=$!
  until [ -f "$tmp/data/ports" ]; do sleep 0.02; done
  admin="$(sed -n 's/^admin.port=//p' "$tmp/data/ports")"
  until curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$admin/readyz" 2>/dev/null | grep -q 200; do sleep 0.02; done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
  kill -TERM "$pid"; wait "$pid" || true; rm -rf "$tmp"
}
for mode in "with CDS archive:" "without (-Xshare:off):"; do
  opts=""; [ "$mode" = "without (-Xshare:off):" ] && opts="-Xshare:off"
  times=()
  for _ in $(seq 1 "$runs"); do times+=("$(once "$opts")"); done
  printf '%s %s ms (median %s ms)\n' "$mode" "${times[*]}" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")"
done
