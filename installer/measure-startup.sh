#!/usr/bin/env bash
# Measures, by hand, the time from launching `tandem serve` to /readyz answering 200, with and without
# the class-data-sharing archive, N times each (fresh data directory every run).
#   installer/measure-startup.sh [launcher] [runs]
set -euo pipefail
launcher="${1:-$(dirname "$0")/target/image/tandem/bin/tandem}"
runs="${2:-5}"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
once() {
  local tmp admin start pid
  tmp="$(mktemp -d)"; admin="$(port)"
  printf 'dataDir: %s/data\nadmin: {address: 127.0.0.1, port: %s}\nxds: {address: 127.0.0.1, port: %s}\n' "$tmp" "$admin" "$(port)" > "$tmp/t.yaml"
  start=$(date +%s%N)
  JAVA_TOOL_OPTIONS="${1:-}" "$launcher" serve --config "$tmp/t.yaml" > "$tmp/log" 2>&1 &
  pid=$!
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
