#!/usr/bin/env bash
# Registry put and get, Onefold side by side with etcd, in one run (see docs/benchmarks.md).
#
#   bench/registry.sh [--sizes 100,1024] [--warmup N] [--sequential N] [--concurrent N]
#                     [--in-flight N] [--phase-seconds S] [--out FILE]
#
# Builds nothing: run `mvn -q -DskipTests install` first. Needs etcd 3.4 (Debian's
# etcd-server) on the PATH. Everything is on loopback: Onefold nodes on 127.0.1.1-3
# (bin/ssi up), etcd members on 127.0.2.1-3, state under one temporary directory on
# the same file system for both, default fsync settings for both. Onefold runs first,
# then etcd; each cluster is stopped before the next one starts, so that the idle one
# takes no CPU. The clusters are stopped and the directory removed on every exit.
# Prints the tab-separated results and a Markdown table; FILE keeps the lines.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/java.sh"
onefold_find_java

RUN_LIMIT_SECONDS=1800      # the whole benchmark, per store
ETCD_START_LIMIT_SECONDS=30
ETCD_MEMBERS=3

bench_args=()
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --sizes|--warmup|--sequential|--concurrent|--in-flight|--phase-seconds) bench_args+=("$1" "$2"); shift 2 ;;
    *) echo "registry.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

jar=""
for candidate in "$ONEFOLD_HOME"/bench/target/onefold-bench-*.jar; do
  [[ -f "$candidate" && "$candidate" != *-sources.jar && "$candidate" != *-tests.jar ]] && jar="$candidate"
done
if [[ -z "$jar" ]]; then
  echo "registry.sh: bench not built; run: mvn -q -DskipTests install" >&2
  exit 1
fi
class_path="$jar:$ONEFOLD_HOME/bench/target/lib/*"
command -v etcd >/dev/null || { echo "registry.sh: no etcd on the PATH (apt-get install etcd-server)" >&2; exit 1; }

work="$(mktemp -d /tmp/registry-bench.XXXXXX)"
results="$work/results.tsv"
[[ -n "$out" ]] || out="$ONEFOLD_HOME/bench/target/registry-$(date +%Y%m%d-%H%M%S).tsv"
etcd_pids=()

stop_onefold() {
  if [[ -d "$work/onefold" ]]; then
    "$ONEFOLD_HOME/bin/ssi" down --dir "$work/onefold" --purge >/dev/null 2>&1 || \
      echo "registry.sh: ssi down --dir $work/onefold --purge failed" >&2
  fi
}

stop_etcd() {
  local pid
  for pid in "${etcd_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${etcd_pids[@]}"; do
    # Bounded: SIGKILL after 5 s. A member that exited is our zombie until waited for.
    for attempt in $(seq 1 50); do
      [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)" == Z ]] && break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  etcd_pids=()
}

cleanup() {
  stop_onefold
  stop_etcd
  [[ -f "$results" ]] && cp "$results" "$out"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine() {
  echo "# $(date -u +%FT%TZ) $(uname -r) nproc=$(nproc) mem=$(free -g | awk '/^Mem:/{print $2}')GiB load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# java: $("$JAVA" -version 2>&1 | head -n 1); etcd: $(etcd --version | head -n 1)"
}

# CPU seconds (user + system) used so far by the processes $@, from /proc/PID/stat.
cpu_seconds() {
  local ticks
  ticks="$(getconf CLK_TCK)"
  for pid in "$@"; do
    # Fields 14 and 15 (utime, stime), counted after the ")" that ends the command name.
    sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}'
  done | awk -v ticks="$ticks" '{sum += $1} END {printf "%.1f", sum / ticks}'
}

run_bench() {
  timeout "$RUN_LIMIT_SECONDS" "$JAVA" -XX:+UseZGC -Xms512m -Xmx2g --sun-misc-unsafe-memory-access=allow \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$class_path" org.onefold.bench.RegistryBench --out "$results" "${bench_args[@]}" "$@"
}

machine | tee "$results"

# Onefold: 3 nodes, the client on the leader's socket.
echo "registry.sh: starting Onefold (bin/ssi up --nodes 3 --dir $work/onefold)" >&2
"$ONEFOLD_HOME/bin/ssi" up --nodes 3 --dir "$work/onefold" >"$work/ssi-up.out" 2>&1 || {
  cat "$work/ssi-up.out" >&2; exit 1; }
echo "# onefold load before: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"
onefold_pids=($(cat "$work"/onefold/node*/ssid.pid))
cpu_before="$(cpu_seconds "${onefold_pids[@]}")"
run_bench --store onefold --dir "$work/onefold"
echo "# onefold servers' CPU during the bench: $(awk -v a="$cpu_before" -v b="$(cpu_seconds "${onefold_pids[@]}")" \
  'BEGIN {printf "%.1f", b - a}') s; load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"
stop_onefold

# etcd: 3 members, default fsync, the client on the leader.
echo "registry.sh: starting etcd ($ETCD_MEMBERS members on 127.0.2.1-$ETCD_MEMBERS)" >&2
initial_cluster=""
endpoints=""
for m in $(seq 1 "$ETCD_MEMBERS"); do
  initial_cluster+="${initial_cluster:+,}m$m=http://127.0.2.$m:2380"
  endpoints+="${endpoints:+,}http://127.0.2.$m:2379"
done
for m in $(seq 1 "$ETCD_MEMBERS"); do
  etcd --name "m$m" --data-dir "$work/etcd/m$m" \
    --listen-client-urls "http://127.0.2.$m:2379" --advertise-client-urls "http://127.0.2.$m:2379" \
    --listen-peer-urls "http://127.0.2.$m:2380" --initial-advertise-peer-urls "http://127.0.2.$m:2380" \
    --initial-cluster "$initial_cluster" --initial-cluster-state new --initial-cluster-token registry-bench \
    --logger zap --log-outputs stderr >"$work/etcd-m$m.log" 2>&1 &
  etcd_pids+=("$!")
done
for attempt in $(seq 1 "$ETCD_START_LIMIT_SECONDS"); do
  if ETCDCTL_API=3 etcdctl --endpoints="$endpoints" --command-timeout=2s endpoint health >/dev/null 2>&1; then
    break
  fi
  if [[ "$attempt" -eq "$ETCD_START_LIMIT_SECONDS" ]]; then
    echo "registry.sh: etcd not healthy after $ETCD_START_LIMIT_SECONDS s; last log lines:" >&2
    tail -n 3 "$work"/etcd-m*.log >&2
    exit 1
  fi
  sleep 1
done
echo "# etcd load before: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"
cpu_before="$(cpu_seconds "${etcd_pids[@]}")"
run_bench --store etcd --endpoints "$endpoints"
echo "# etcd servers' CPU during the bench: $(awk -v a="$cpu_before" -v b="$(cpu_seconds "${etcd_pids[@]}")" \
  'BEGIN {printf "%.1f", b - a}') s; load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"
stop_etcd

echo
grep '^#' "$results"
"$JAVA" -cp "$class_path" org.onefold.bench.RegistryBench table "$results"
echo "registry.sh: results kept in $out" >&2
