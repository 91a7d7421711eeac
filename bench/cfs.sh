#!/usr/bin/env bash
# The cluster filesystem's first figures (see docs/benchmarks.md): a 3-node local cluster
# from `bin/ssi up`, node 1's mount against a directory of the same machine's disk, with
# the same commands in the same run.
#
#   bench/cfs.sh [--mib N] [--files N] [--runs N]
#
# Run as root (the mounts need it) with /dev/fuse, after `mvn -q -DskipTests package`,
# holding the cluster lock (flock /tmp/onefold-cluster.lock). Measures, each --runs times:
# dd of N MiB (bs=1M, conv=fsync) into a new file and back out (the kernel's caches dropped
# before the read), and creating then stat'ing --files empty files, one after the other.
# The cluster and the work directory are removed on every exit; each run is bounded.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
mib=64
files=500
runs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mib) mib="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: bench/cfs.sh [--mib N] [--files N] [--runs N]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 && -e /dev/fuse ]] || { echo "cfs.sh: needs root and /dev/fuse" >&2; exit 1; }

work="$(mktemp -d /tmp/onefold-cfs-bench.XXXXXX)"
cleanup() {
  "$home/bin/ssi" down --dir "$work/cluster" --purge >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$home/bin/ssi" up --dir "$work/cluster" --nodes 3 >/dev/null
mount_point="$work/cluster/node1/cluster"
local_dir="$(mkdir -p "$work/local" && echo "$work/local")"
for _ in $(seq 100); do
  grep -q " $mount_point fuse.onefold " /proc/self/mounts && break
  sleep 0.1
done
grep -q " $mount_point fuse.onefold " /proc/self/mounts || { echo "cfs.sh: node 1 did not mount" >&2; exit 1; }

# Seconds that command takes, bounded at 600 s.
seconds() {
  local start end
  start=$EPOCHREALTIME
  timeout 600 "$@" >/dev/null 2>&1
  end=$EPOCHREALTIME
  echo "$start $end" | awk '{printf "%.3f", $2 - $1}'
}

make_files() {  # directory count
  local i
  for ((i = 0; i < $2; i++)); do : >"$1/f$i"; done
  for ((i = 0; i < $2; i++)); do stat -c %s "$1/f$i" >/dev/null; done
}
export -f make_files

printf 'target\trun\twrite MB/s\tread MB/s\t%s files create+stat s\n' "$files"
for target in "cfs:$mount_point" "local disk:$local_dir"; do
  name="${target%%:*}"
  dir="${target#*:}"
  for run in $(seq "$runs"); do
    file="$dir/big-$run"
    write=$(seconds dd if=/dev/zero of="$file" bs=1M count="$mib" conv=fsync)
    sync; echo 3 >/proc/sys/vm/drop_caches
    read=$(seconds dd if="$file" of=/dev/null bs=1M)
    mkdir -p "$dir/small-$run"
    small=$(seconds bash -c "make_files '$dir/small-$run' $files")
    awk -v n="$name" -v r="$run" -v m="$mib" -v w="$write" -v rd="$read" -v s="$small" \
      'BEGIN {printf "%s\t%d\t%.1f\t%.1f\t%.2f\n", n, r, m * 1.048576 / w, m * 1.048576 / rd, s}'
  done
done
