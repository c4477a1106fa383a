#!/usr/bin/env bash
# Builds a class-data-sharing archive into the application image: starts the packaged appliance
# once on a throwaway data directory and free ports, waits until it is ready, and stops it, so the
# JVM writes the classes it loaded (-XX:ArchiveClassesAtExit). The launcher then maps the archive
# at every start (jpackage --java-options -XX:SharedArchiveFile=$APPDIR/tandem.jsa).
set -euo pipefail
image="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
admin="$(port)"; xds="$(port)"
cat > "$tmp/tandem.yaml" <<CONFIG
dataDir: $tmp/data
admin: {address: 127.0.0.1, port: $admin}
xds: {address: 127.0.0.1, port: $xds}
CONFIG
cfg="$image/lib/app/tandem.cfg"
# The JDK's own classes first (a jlinked runtime has no base archive), then Tandem's on top.
"$image/lib/runtime/bin/java" -Xshare:dump > "$tmp/base.log" 2>&1 || { echo "build-cds.sh: base archive failed" >&2; cat "$tmp/base.log" >&2; exit 0; }
# Through the packaged launcher itself, so the archive is made with exactly the class path it uses.
JAVA_TOOL_OPTIONS="-XX:ArchiveClassesAtExit=$image/lib/app/tandem.jsa" "$image/bin/tandem" serve --config "$tmp/tandem.yaml" \
    > "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -sk "https://127.0.0.1:$admin/readyz" 2>/dev/null | grep -q '"ready" : true'; then
    break
  fi
  sleep 0.5
done
kill -TERM "$pid"
wait "$pid" || true
if [ ! -s "$image/lib/app/tandem.jsa" ]; then
  echo "build-cds.sh: no archive was written; the package works without it" >&2
  cat "$tmp/serve.log" >&2
  exit 0
fi
# Use it from now on.
sed -i 's#^\[JavaOptions\]$#[JavaOptions]\njava-options=-XX:SharedArchiveFile=$APPDIR/tandem.jsa\njava-options=-Xshare:auto#' "$cfg"
echo "build-cds.sh: CDS archive $(du -h "$image/lib/app/tandem.jsa" | cut -f1)" >&2
