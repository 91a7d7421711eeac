#!/usr/bin/env bash
# The cluster filesystem (CFS) with fio and a metadata helper, side by side with the
# local disk and GlusterFS, in one run (see docs/benchmarks.md).
#
#   bench/cfs-fio.sh [--quick] [--size MIB] [--runtime S] [--files N] [--limit S]
#                    [--targets local,cfs1,cfs3,gluster] [--install]
#
# Run as root with /dev/fuse, after `mvn -q -DskipTests install`, holding the cluster
# lock: flock /tmp/onefold-cluster.lock bench/cfs-fio.sh. Needs fio, gcc, tar, the
# GlusterFS server and client, and a JDK 25 (its lib/src.zip gives the tarball). It
# installs nothing unless given --install; without it, it names what is missing and the
# apt-get command that brings it (apt-get install -y fio glusterfs-server gcc).
#
# Targets, one after the other, each started just before it is measured and stopped
# right after (the idle ones take no CPU); all state under one temporary directory on
# the same file system:
#   local    a directory on that file system
#   cfs1     the CFS of a 1-node `bin/ssi up` cluster (one replica), node 1's mount
#   cfs3     the CFS of a 3-node cluster (three replicas, once the filesystem group
#            has three voters), node 1's mount
#   gluster  a GlusterFS replica 3 volume of three bricks (three brick processes) of
#            one glusterd on 127.0.0.2 (its CLI refuses localhost and 127.0.0.1, not
#            other loopback addresses), `force` since the bricks share a host, mounted
#            over FUSE here; GlusterFS's default volume options
# Each target, in this order, on one file of --size MiB (default 256 MiB, 65,536 blocks
# of 4 KiB: a fraction of a second for the local disk, about 25 s for the CFS with three
# replicas at 10 MB/s; long enough for a steady rate, short enough for a run of minutes):
#   seq write   fio, 1 MiB blocks, buffered, fsync at the end (in the time), bounded
#               by --size and by --limit seconds
#   seq read    the file back, 1 MiB blocks, buffered, the kernel's caches dropped first
#   rand read   4 KiB, O_DIRECT, --runtime seconds (time-based); O_DIRECT so that a
#               file smaller than memory is not read from the page cache after the
#               first pass; servers behind a mount keep their own caches, dropped first
#   rand write  4 KiB, O_DIRECT, --runtime seconds, fsync at the end
#   metadata    bench/fsmeta.c (compiled here): create --files empty files in one
#               directory (open O_CREAT|O_EXCL, close), stat each right after, stat
#               each again after dropping the kernel's caches (cold: every lookup goes
#               to the filesystem), unlink each; one system call per file, one
#               process; each phase stops at --limit seconds
#   untar       tar -xf of an uncompressed tarball of the JDK's java.xml sources
#               (lib/src.zip; 1,855 files in 22 MiB with JDK 25.0.3), --no-same-owner
#               as a user's unpack, then `sync -f`; stopped at --limit seconds, in
#               which case the files it wrote count for files/s
# fio runs one job, psync, queue depth 1: one program's view of the filesystem.
# Defaults: --size 256 --runtime 15 --files 1000 --limit 60; --quick: --size 64 --runtime 5
# --files 200 --limit 20.
#
# Prints one tab-separated line per target; each command is bounded by `timeout`, a
# failed one leaves "failed" in its cell and the run goes on. The clusters, the
# GlusterFS volume and its daemons, the mounts and the directory are removed on every
# exit. The defaults took 5.5 minutes in all on a 2-core machine (docs/benchmarks.md).
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/java.sh"
onefold_find_java
home="$ONEFOLD_HOME"

GLUSTER_ADDRESS=127.0.0.2   # not 127.0.0.1, which gluster refuses for a brick
GLUSTER_VOLUME=onefoldbench
START_LIMIT_SECONDS=60      # a cluster's start, the replicas' settling, a mount
TARBALL_MODULE=java.xml     # the src.zip directory the untar tarball holds

size_mib=256
runtime=15
files=1000
limit=60
targets="local,cfs1,cfs3,gluster"
install=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) size_mib=64; runtime=5; files=200; limit=20; shift ;;
    --size) size_mib="$2"; shift 2 ;;
    --runtime) runtime="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --install) install=1; shift ;;
    *) echo "cfs-fio.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
for value in "$size_mib" "$runtime" "$files" "$limit"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "cfs-fio.sh: $value is not a positive whole number" >&2; exit 2; }
done
IFS=',' read -ra target_list <<<"$targets"
for target in "${target_list[@]}"; do
  [[ "$target" =~ ^(local|cfs1|cfs3|gluster)$ ]] ||
    { echo "cfs-fio.sh: unknown target $target (local, cfs1, cfs3, gluster)" >&2; exit 2; }
done
[[ $(id -u) -eq 0 && -e /dev/fuse ]] || { echo "cfs-fio.sh: needs root and /dev/fuse" >&2; exit 1; }

# Names the packages of the commands missing for the targets; installs them with --install.
check_tools() {
  local -A packages=([fio]=fio [gcc]=gcc [tar]=tar)
  if [[ ",$targets," == *,gluster,* ]]; then
    packages+=([glusterd]=glusterfs-server [gluster]=glusterfs-server [mount.glusterfs]=glusterfs-client)
  fi
  local tool missing=()
  for tool in "${!packages[@]}"; do
    command -v "$tool" >/dev/null || missing+=("${packages[$tool]}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [[ $install -eq 1 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  else
    echo "cfs-fio.sh: missing ${missing[*]}; run: apt-get install -y ${missing[*]} (or give --install)" >&2
    exit 1
  fi
}
check_tools
[[ -r "${JAVA%/bin/java}/lib/src.zip" && -x "${JAVA%/bin/java}/bin/jar" ]] ||
  { echo "cfs-fio.sh: ${JAVA%/bin/java} has no lib/src.zip or bin/jar (a full JDK 25 has both)" >&2; exit 1; }
[[ -x "$home/bin/ssi" ]] || { echo "cfs-fio.sh: no $home/bin/ssi" >&2; exit 1; }
if [[ ",$targets," == *,gluster,* ]] && pgrep -x glusterd >/dev/null; then
  echo "cfs-fio.sh: a glusterd runs already; this script starts its own (stop that one first)" >&2
  exit 1
fi

work="$(mktemp -d /tmp/onefold-fio-bench.XXXXXX)"
cluster_dir=""
gluster_pid=""

stop_cfs() {
  [[ -n "$cluster_dir" ]] || return 0
  "$home/bin/ssi" down --dir "$cluster_dir" --purge >/dev/null 2>&1 ||
    echo "cfs-fio.sh: ssi down --dir $cluster_dir --purge failed" >&2
  cluster_dir=""
}

# Stops a process we started, by its pid: TERM, then KILL after 10 s.
stop_pid() {
  local pid="$1" attempt
  kill "$pid" 2>/dev/null || return 0
  for attempt in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

gluster_cli() {
  timeout 60 gluster --mode=script --glusterd-sock="$work/gluster/run/glusterd.socket" "$@"
}

stop_gluster() {
  [[ -n "$gluster_pid" ]] || return 0
  local g="$work/gluster" pid_file
  if grep -q " $g/mount fuse.glusterfs " /proc/self/mounts; then
    timeout 30 umount "$g/mount" || umount -l "$g/mount" || true
  fi
  # The bricks and the self-heal daemon were started by our glusterd: their pid files
  # are in its run directory, but their control sockets in GlusterFS's fixed one
  # (/var/run/gluster), named on their command lines (-S), removed here after them.
  local pids=() sockets=() pid socket
  while IFS= read -r pid_file; do
    pid="$(cat "$pid_file")"
    pids+=("$pid")
    mapfile -t -O "${#sockets[@]}" sockets < <(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null |
      grep -A1 -x -- -S | grep -v -x -- -S)
  done < <(find "$g/run" -name '*.pid' 2>/dev/null)
  gluster_cli volume stop "$GLUSTER_VOLUME" >/dev/null 2>&1 || true
  gluster_cli volume delete "$GLUSTER_VOLUME" >/dev/null 2>&1 || true
  # A volume stop ends the bricks and the self-heal daemon; this is for a failed one.
  for pid in "${pids[@]}"; do
    stop_pid "$pid"
  done
  for socket in "${sockets[@]}"; do
    [[ "$socket" == /var/run/gluster/*.socket ]] && rm -f "$socket"
  done
  stop_pid "$gluster_pid"
  wait "$gluster_pid" 2>/dev/null || true
  gluster_pid=""
  # The bricks and the mount log to GlusterFS's fixed log directory, named by our paths.
  local log_name="${g#/}"
  log_name="${log_name//\//-}"
  rm -f /var/log/glusterfs/bricks/"$log_name"-brick?.log "/var/log/glusterfs/$log_name-mount.log"
}

cleanup() {
  stop_cfs
  stop_gluster
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { echo "cfs-fio.sh: $*" >&2; }

# Waits up to START_LIMIT_SECONDS for a mount of type $2 at $1.
await_mount() {
  local attempt
  for attempt in $(seq $((START_LIMIT_SECONDS * 10))); do
    grep -q " $1 $2 " /proc/self/mounts && return 0
    sleep 0.1
  done
  note "no $2 mount at $1 after $START_LIMIT_SECONDS s"
  return 1
}

# True if node 1 of the cluster in $1 knows three filesystem replicas.
three_replicas() {
  SSI_SOCKET="$1/node1/ssid.sock" "$home/bin/ssi" cluster --json 2>/dev/null |
    grep -q '"replicas":\[[0-9]*,[0-9]*,[0-9]*\]'
}

# Starts a cluster of $1 nodes; sets mount_point to node 1's CFS mount. With more than
# one node, waits until the filesystem group's leader has made it three voters.
start_cfs() {
  local nodes="$1" attempt
  cluster_dir="$work/cfs$nodes"
  timeout $((START_LIMIT_SECONDS + 30)) "$home/bin/ssi" up --dir "$cluster_dir" --nodes "$nodes" \
    >/dev/null || return 1
  await_mount "$cluster_dir/node1/cluster" fuse.onefold || return 1
  # ssi cluster --json names the filesystem group's replicas as node 1 knows them.
  if [[ $nodes -gt 1 ]]; then
    for attempt in $(seq $((START_LIMIT_SECONDS * 10))); do
      three_replicas "$cluster_dir" && break
      sleep 0.1
    done
    three_replicas "$cluster_dir" ||
      { note "the filesystem group has not three replicas after $START_LIMIT_SECONDS s"; return 1; }
  fi
  mount_point="$cluster_dir/node1/cluster"
}

# Starts glusterd with its state in the work directory, makes and starts a replica 3
# volume of three bricks on GLUSTER_ADDRESS, mounts it; sets mount_point.
start_gluster() {
  local g="$work/gluster" attempt
  mkdir -p "$g/state" "$g/run" "$g/brick1" "$g/brick2" "$g/brick3" "$g/mount"
  cat >"$g/glusterd.vol" <<EOF
volume management
    type mgmt/glusterd
    option working-directory $g/state
    option run-directory $g/run
    option glusterd-sockfile $g/run/glusterd.socket
    option transport-type socket
    option transport.socket.bind-address $GLUSTER_ADDRESS
    option transport.socket.listen-port 24007
    option ping-timeout 0
    option event-threads 1
end-volume
EOF
  glusterd --no-daemon --volfile="$g/glusterd.vol" --log-file="$g/glusterd.log" &
  gluster_pid=$!
  for attempt in $(seq $((START_LIMIT_SECONDS * 10))); do
    gluster_cli pool list >/dev/null 2>&1 && break
    sleep 0.1
  done
  # Three bricks on one host: GlusterFS asks for `force` (it would rather spread them).
  gluster_cli volume create "$GLUSTER_VOLUME" replica 3 \
    "$GLUSTER_ADDRESS:$g/brick1" "$GLUSTER_ADDRESS:$g/brick2" "$GLUSTER_ADDRESS:$g/brick3" force >&2 ||
    return 1
  gluster_cli volume start "$GLUSTER_VOLUME" >&2 || return 1
  timeout "$START_LIMIT_SECONDS" mount -t glusterfs "$GLUSTER_ADDRESS:/$GLUSTER_VOLUME" "$g/mount" || return 1
  await_mount "$g/mount" fuse.glusterfs || return 1
  mount_point="$g/mount"
}

drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

# Runs one fio job on FILE with the options given; prints fio's terse (version 3) line.
fio_job() {
  local file="$1"
  shift
  timeout $((runtime + limit + 60)) fio --output-format=terse --terse-version=3 \
    --name=bench --filename="$file" --ioengine=psync --iodepth=1 --numjobs=1 \
    --fallocate=none "$@"
}

# Terse version 3 fields: read KiB/s 7, read IOPS 8; write KiB/s 48, write IOPS 49.
terse_field() { cut -d';' -f"$1" <<<"$2"; }
megabytes_per_second() { awk -v k="$1" 'BEGIN {printf "%.1f", k * 1024 / 1e6}'; }

# Files per second of phase $1 in fsmeta's output $2, or "failed" if it has none.
phase_rate() {
  awk -v phase="$1" '$1 == phase {printf "%.0f", $2 / $3; found = 1}
    END {if (!found) printf "failed"}' <<<"$2"
}

tab_separated() {
  local IFS=$'\t'
  echo "$*"
}

# Measures DIR; prints the target's tab-separated line.
measure() {
  local name="$1" dir="$2" file="$2/fio.dat" line bytes
  local write_rate="failed" read_rate="failed" randread_iops="failed" randwrite_iops="failed"
  local create_rate="failed" stat_rate="failed" stat_cold_rate="failed" unlink_rate="failed"
  local untar_seconds="failed" untar_rate="failed"
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"

  note "$name: seq write"
  if line="$(fio_job "$file" --rw=write --bs=1M --size="${size_mib}M" --end_fsync=1 --runtime="$limit")"; then
    write_rate="$(megabytes_per_second "$(terse_field 48 "$line")")"
  fi
  bytes="$(stat -c %s "$file" 2>/dev/null || echo 0)"
  if [[ $bytes -ge 1048576 ]]; then
    note "$name: seq read"
    drop_caches
    line="$(fio_job "$file" --rw=read --bs=1M --size="$bytes" --runtime="$limit")" &&
      read_rate="$(megabytes_per_second "$(terse_field 7 "$line")")"
    note "$name: rand read"
    drop_caches
    line="$(fio_job "$file" --rw=randread --bs=4k --direct=1 --size="$bytes" \
      --runtime="$runtime" --time_based)" && randread_iops="$(terse_field 8 "$line")"
    note "$name: rand write"
    drop_caches
    line="$(fio_job "$file" --rw=randwrite --bs=4k --direct=1 --size="$bytes" \
      --runtime="$runtime" --time_based --end_fsync=1)" && randwrite_iops="$(terse_field 49 "$line")"
  fi

  note "$name: create, stat, stat cold, unlink $files files"
  # fsmeta prints each phase as it ends: a phase done before a failure still counts.
  line=""
  if mkdir -p "$dir/meta"; then
    line="$(timeout $((4 * limit + 60)) "$work/fsmeta" "$dir/meta" "$files" "$limit")" ||
      note "$name: fsmeta ended with status $?"
    note "$name: $(tr '\n' ' ' <<<"$line")"
  fi
  create_rate="$(phase_rate create "$line")"
  stat_rate="$(phase_rate stat "$line")"
  stat_cold_rate="$(phase_rate stat-cold "$line")"
  unlink_rate="$(phase_rate unlink "$line")"

  note "$name: untar $tar_files files"
  local start end status=0 written
  mkdir -p "$dir/untar" || status=1
  start=$EPOCHREALTIME
  timeout "$limit" bash -c 'tar --no-same-owner -xf "$1" -C "$2" && sync -f "$2"' _ \
    "$work/src.tar" "$dir/untar" || status=$?
  end=$EPOCHREALTIME
  if [[ $status -eq 0 || $status -eq 124 ]]; then
    written="$(timeout 60 find "$dir/untar" -type f | wc -l || true)"
    untar_rate="$(awk -v n="$written" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", n / (e - s)}')"
    untar_seconds="$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e - s}')"
    [[ $status -eq 0 ]] || untar_seconds="stopped at $limit ($written files)"
  fi
  tab_separated "$name" "$write_rate" "$read_rate" "$randread_iops" "$randwrite_iops" \
    "$create_rate" "$stat_rate" "$stat_cold_rate" "$unlink_rate" "$untar_seconds" "$untar_rate" "$load"
}

gcc -O2 -Wall -o "$work/fsmeta" "$home/bench/fsmeta.c"
(cd "$work" && "${JAVA%/bin/java}/bin/jar" xf "${JAVA%/bin/java}/lib/src.zip" "$TARBALL_MODULE/")
tar -C "$work" -cf "$work/src.tar" "$TARBALL_MODULE"
tar_files="$(find "$work/$TARBALL_MODULE" -type f | wc -l)"
rm -rf "${work:?}/$TARBALL_MODULE"

note "size $size_mib MiB, runtime $runtime s, $files files, limit $limit s," \
  "tarball $tar_files files ($(du -m "$work/src.tar" | cut -f1) MiB)"
tab_separated target "seq write MB/s" "seq read MB/s" "rand read IOPS" "rand write IOPS" \
  create/s stat/s "stat/s cold" unlink/s "untar s" "untar files/s" "load before"
for target in "${target_list[@]}"; do
  started=$SECONDS
  case "$target" in
    local)
      mkdir -p "$work/local"
      measure "local disk" "$work/local" ;;
    cfs1 | cfs3)
      if start_cfs "${target#cfs}"; then
        measure "cfs, replication ${target#cfs}" "$mount_point"
      else
        note "$target: the cluster did not start"
      fi
      stop_cfs ;;
    gluster)
      if start_gluster; then
        measure "glusterfs, replica 3" "$mount_point"
      else
        note "gluster: the volume did not start"
      fi
      stop_gluster ;;
  esac
  note "$target took $((SECONDS - started)) s"
done
