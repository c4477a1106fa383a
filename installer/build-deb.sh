#!/usr/bin/env bash
# Builds tandem_<version>_amd64.deb from the appliance jar (appliance/target): a jlinked Java
# runtime holding only the modules Tandem needs, the application image made by JDK 25's jpackage,
# a class-data-sharing archive, and the Debian files in src/deb, assembled with dpkg-deb so that
# /etc/tandem/tandem.yaml is a real conffile and the maintainer scripts are Tandem's own.
#
#   installer/build-deb.sh [--version V] [--out DIR] [--reuse-image] [--no-cds]
#
# --reuse-image skips jlink/jpackage/CDS when target/image exists (a second package of the same
# build with another version, as the upgrade test needs). Prints the path of the .deb.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
version=""
out="$here/target"
reuse=false
cds=true
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --reuse-image) reuse=true; shift ;;
    --no-cds) cds=false; shift ;;
    *) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

jar="$root/appliance/target/tandem.jar"
[ -f "$jar" ] || { echo "build-deb.sh: $jar is missing; build it first: ./mvnw -B -DskipTests package" >&2; exit 3; }
if [ -z "$version" ]; then
  # 0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT: Debian sorts it before the 0.1.0 release.
  version="$(unzip -p "$jar" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *//p' | tr -d '\r' | tr '-' '~')"
fi
[ -n "$version" ] || { echo "build-deb.sh: no --version and none in $jar's manifest" >&2; exit 3; }

jdk=""
for candidate in ${TANDEM_JDK:-} /usr/lib/jvm/*; do
  if [ -x "$candidate/bin/jpackage" ] && "$candidate/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    jdk="$candidate"; break
  fi
done
[ -n "$jdk" ] || { echo "build-deb.sh: needs a JDK 25+ with jpackage under /usr/lib/jvm (or TANDEM_JDK)" >&2; exit 3; }
for tool in dpkg-deb fakeroot; do
  command -v "$tool" >/dev/null || { echo "build-deb.sh: needs $tool (apt-get install dpkg-dev fakeroot)" >&2; exit 3; }
done

work="$here/target/deb-build"
image="$here/target/image/tandem"
mkdir -p "$out" "$here/target"

if ! $reuse || [ ! -d "$image" ]; then
  rm -rf "$work" "$here/target/image"
  mkdir -p "$work/input/lib"
  cp "$jar" "$work/input/"
  # Exactly the jars the jar's manifest names (target/lib may hold stale ones from older builds).
  unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | awk '/^Class-Path:/{p=1; sub(/^Class-Path: /,""); printf "%s", $0; next}
      p && /^ /{sub(/^ /,""); printf "%s", $0; next} {p=0}' | tr ' ' '\n' | grep -v '^$' | while read -r entry; do
    cp "$root/appliance/target/$entry" "$work/input/lib/"
  done
  # The modules the code and its libraries use (jdeps), plus what is reached by reflection or
  # service lookup only: EC/PKCS#11 crypto providers, DNS for JNDI, zipfs, charsets.
  modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
      --class-path "$work/input/lib/*" "$work/input/tandem.jar")"
  modules="$modules,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.naming.dns,jdk.zipfs,jdk.charsets,jdk.localedata"
  echo "build-deb.sh: modules: $modules" >&2
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
      --compress zip-6 --output "$work/runtime"
  java_options=(--java-options "--enable-native-access=ALL-UNNAMED" --java-options "--sun-misc-unsafe-memory-access=allow")
  "$jdk/bin/jpackage" --type app-image --name tandem --dest "$here/target/image" \
      --input "$work/input" --main-jar tandem.jar --runtime-image "$work/runtime" \
      --app-version "$(echo "$version" | sed 's/[^0-9.].*//')" "${java_options[@]}" \
      --description "Tandem edge gateway control plane"
  if $cds; then
    "$here/build-cds.sh" "$image"
  fi
fi

stage="$work/root-$version"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/etc/tandem" "$stage/lib/systemd/system" \
    "$stage/usr/share/doc/tandem" "$stage/usr/share/lintian/overrides"
cp -a "$image" "$stage/opt/tandem"
# The JDK's legal files are read-only (0444); Debian wants 0644 files and 0755 directories.
chmod -R u+w,go-w,a+rX "$stage/opt/tandem"
ln -s /opt/tandem/bin/tandem "$stage/usr/bin/tandem"
install -m 0644 "$here/src/deb/tandem.yaml" "$stage/etc/tandem/tandem.yaml"
install -m 0644 "$here/src/deb/tandem.service" "$stage/lib/systemd/system/tandem.service"
install -m 0644 "$here/src/deb/copyright" "$stage/usr/share/doc/tandem/copyright"
install -m 0644 "$root/README.md" "$stage/usr/share/doc/tandem/README.md"
# For editors on the host: "# yaml-language-server: $schema=/usr/share/tandem/schemas/gateway-config.schema.json"
install -D -m 0644 "$root/xds/src/main/resources/schema/gateway-config.schema.json" \
    "$stage/usr/share/tandem/schemas/gateway-config.schema.json"
install -m 0644 "$here/src/deb/lintian-overrides" "$stage/usr/share/lintian/overrides/tandem"
mkdir -p "$stage/usr/share/man/man1"
sed "s/@VERSION@/$version/" "$here/src/deb/tandem.1" | gzip -9n > "$stage/usr/share/man/man1/tandem.1.gz"
printf 'tandem (%s) unstable; urgency=medium\n\n  * Built by installer/build-deb.sh.\n\n -- Tandem developers <dev@tandem.invalid>  %s\n' \
    "$version" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(date +%s)}")" | gzip -9n > "$stage/usr/share/doc/tandem/changelog.gz"
for script in postinst prerm postrm; do
  install -m 0755 "$here/src/deb/$script" "$stage/DEBIAN/$script"
done
echo "/etc/tandem/tandem.yaml" > "$stage/DEBIAN/conffiles"
installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: tandem
Version: $version
Architecture: amd64
Maintainer: Tandem developers <dev@tandem.invalid>
Installed-Size: $installed_kb
Depends: libc6, zlib1g
Section: net
Priority: optional
Homepage: https://tandem.invalid/
Description: edge gateway appliance with an embedded Envoy control plane
 Tandem serves Envoy and proxyless gRPC data planes over xDS (mTLS), with
 failover schemes as EDS priorities, active health checks, NACK safety and
 signed exports for data planes that start while every control plane is down.
 The package bundles its own Java runtime; it needs no Java on the host.
CONTROL
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
deb="$out/tandem_${version}_amd64.deb"
fakeroot dpkg-deb --build -Zgzip -z6 "$stage" "$deb" >/dev/null
echo "$deb"
