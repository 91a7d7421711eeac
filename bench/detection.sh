#!/usr/bin/env bash
# Node-down detection and meta leader failover: Onefold side by side with corosync 3.
# Runs org.onefold.bench.DetectionBench (see its class comment) on network-namespace
# test hosts; needs root, iproute2, procps, util-linux (unshare, mount) and corosync.
# Builds nothing: run `mvn -q install -DskipTests` first.
#   bench/detection.sh [--trials N] [--work DIR] [--only onefold|corosync]
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/java.sh"
if [[ "$(id -u)" != 0 ]]; then
  echo "detection.sh: needs root (network namespaces, mounts)" >&2
  exit 1
fi
onefold_find_java
jar=""
for candidate in "$ONEFOLD_HOME"/bench/target/onefold-bench-*.jar; do
  if [[ -f "$candidate" && "$candidate" != *-sources.jar && "$candidate" != *-tests.jar ]]; then
    jar="$candidate"
  fi
done
if [[ -z "$jar" || ! -d "$ONEFOLD_HOME/bench/target/lib" ]]; then
  echo "detection.sh: bench not built; run: mvn -q install -DskipTests" >&2
  exit 1
fi
onefold_class_path node >/dev/null   # bin/ssid needs the node module built
exec "$JAVA" -XX:+UseZGC -Xmx512m -cp "$jar:$ONEFOLD_HOME/bench/target/lib/*" \
  org.onefold.bench.DetectionBench --ssid "$ONEFOLD_HOME/bin/ssid" "$@"
