#!/usr/bin/env bash
# Remote execution, Onefold side by side with OpenSSH and pdsh, in one run (see
# docs/benchmarks.md, "Remote execution: onnode, onall, streams").
#
#   flock /tmp/onefold-cluster.lock bench/remote-exec.sh [--nodes 3,8,16] [--runs 50] [--warmup 5]
#       [--onall-runs 25] [--onall-warmup 3] [--stream-runs 3] [--stream-bytes 1G]
#       [--port 2222] [--only onnode,onall,stream] [--out FILE]
#
# Measures the wall time of whole commands, as a user types them, from bash's EPOCHREALTIME
# just before the command to just after it:
#   onnode  `ssi onnode 2 true` (node 1's socket) against `ssh 127.0.1.2 true`, over a new
#           connection each time and over a ControlMaster connection (opened before, not counted);
#   onall   `ssi onall true` against `pdsh -R ssh -w 127.0.1.[1-N] true`, for each N of --nodes;
#   stream  `ssi onnode 2 cat /dev/zero | head -c 1G > /dev/null` against the same through ssh
#           (new connection, the default cipher): MB/s (10^6 bytes) until head has its bytes.
#   and, to show where ssi's time goes: `ssi --version` (the command's start-up alone, no node
#   contacted), `ssi cluster` (start-up and one call to node 1), `ssi onnode 1 true` (a run on
#   node 1 itself, no hop between nodes).
# onnode and stream run on the smallest cluster of --nodes. Every command gets stdin from
# /dev/null (as pdsh gives its commands). A run that exits non-zero or writes to stderr counts as
# failed: it is listed, left out of the percentiles, and the block goes on.
#
# Everything is on loopback. Onefold: `bin/ssi up --nodes N` (nodes on 127.0.1.1-N). OpenSSH: our
# own `/usr/sbin/sshd -D -f <tmp>/sshd_config` on 127.0.1.1-N:PORT with its own host key, key
# authentication with a key made in <tmp>, root allowed by key; the client reads only
# `-F <tmp>/ssh_config` (known hosts in <tmp>). Nothing in /etc/ssh or ~/.ssh is changed.
# For each cluster size, Onefold is measured with its cluster up (once its daemons have settled:
# see settle), then the cluster is stopped and ssh/pdsh are measured (sshd runs throughout; idle,
# it takes no CPU), so that idle daemons do not slow the other side. Load averages are recorded
# before and after each block. sshd gives sessions SHLVL=1 so that bash skips ~/.bashrc (see
# start_sshd): the figure is OpenSSH's, not this machine's shell set-up.
#
# Needs root (sshd's privilege separation; the ssh side logs in as root), OpenSSH and pdsh: run as
# root, it installs the missing Debian packages. It builds nothing: run
# `mvn -q -o package -DskipTests` first. One Onefold cluster at a time may run on a machine (fixed
# addresses): hold /tmp/onefold-cluster.lock around the whole run, as shown above. Every block stops
# by itself (count and time limits); sshd, the cluster and <tmp> are removed on every exit.
set -euo pipefail
export LC_ALL=C
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/java.sh"
onefold_find_java

BLOCK_LIMIT_SECONDS=900        # one block of timed runs (warm-ups included)
STREAM_RUN_LIMIT_SECONDS=300   # one stream run until head has its bytes
STREAM_EXIT_GRACE_SECONDS=5    # after head ends, how long the producer may take to exit by itself
SSHD_START_LIMIT_SECONDS=10
CLUSTER_UP_ATTEMPTS=3          # ssi up waits at most 60 s; a big cluster may need another call
SETTLE_WINDOW_SECONDS=5
SETTLE_CPU_PERCENT_PER_NODE=5  # of one core, the daemons together, averaged per node
SETTLE_LIMIT_SECONDS=180
SSI="$ONEFOLD_HOME/bin/ssi"

sizes="3,8,16"
runs=50
warmup=5
onall_runs=25
onall_warmup=3
stream_runs=3
stream_bytes="1G"
port=2222
only="onnode,onall,stream"
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --onall-runs) onall_runs="$2"; shift 2 ;;
    --onall-warmup) onall_warmup="$2"; shift 2 ;;
    --stream-runs) stream_runs="$2"; shift 2 ;;
    --stream-bytes) stream_bytes="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "remote-exec.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

fail() {
  echo "remote-exec.sh: $*" >&2
  exit 1
}

for number in "$runs" "$warmup" "$onall_runs" "$onall_warmup" "$stream_runs" "$port"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "expected a whole number, got '$number'"
done
(( runs >= 1 && runs <= 10000 )) || fail "--runs must be 1 to 10000, not $runs"
(( onall_runs >= 1 && onall_runs <= 10000 )) || fail "--onall-runs must be 1 to 10000, not $onall_runs"
(( stream_runs >= 1 && stream_runs <= 20 )) || fail "--stream-runs must be 1 to 20, not $stream_runs"
stream_byte_count="$(numfmt --from=iec "$stream_bytes" 2>/dev/null)" ||
  fail "--stream-bytes takes head -c's form (64M, 1G), not '$stream_bytes'"
IFS=, read -r -a node_counts <<<"$sizes"
mapfile -t node_counts < <(printf '%s\n' "${node_counts[@]}" | sort -n -u)
for n in "${node_counts[@]}"; do
  [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 2 && n <= 32 )) || fail "--nodes takes sizes from 2 to 32, not '$n'"
done
nodes_max="${node_counts[-1]}"
wants() { [[ ",$only," == *",$1,"* ]]; }

[[ "$(id -u)" == 0 ]] || fail "needs root: sshd's privilege separation needs it, and the ssh side logs in as root"
missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
{ command -v ssh && command -v ssh-keygen; } >/dev/null || missing+=(openssh-client)
command -v pdsh >/dev/null || missing+=(pdsh)
if [[ ${#missing[@]} -gt 0 ]]; then
  # RUNLEVEL=1: where no systemd runs, the package's scripts then do not start the system's sshd.
  echo "remote-exec.sh: installing ${missing[*]}" >&2
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    fail "could not install; run: apt-get install -y --no-install-recommends ${missing[*]}"
fi
onefold_class_path cli >/dev/null
onefold_class_path node >/dev/null
if flock -n /tmp/onefold-cluster.lock true 2>/dev/null; then
  echo "remote-exec.sh: /tmp/onefold-cluster.lock is free; on a shared machine run this under flock (see the header)" >&2
fi

work="$(mktemp -d /tmp/remote-exec.XXXXXX)"
samples="$work/samples.tsv"        # label, nodes, microseconds: one line per timed run
results="$work/results.tsv"
[[ -n "$out" ]] || out="$ONEFOLD_HOME/bench/target/remote-exec-$(date +%Y%m%d-%H%M%S).tsv"
sshd_pid=""
stream_pid=""
made_privsep_dir=""
cluster="$work/onefold"
export work samples

stop_cluster() {
  if [[ -d "$cluster" ]]; then
    "$SSI" down --dir "$cluster" --purge >"$work/ssi-down.out" 2>&1 ||
      { echo "remote-exec.sh: ssi down --dir $cluster --purge failed:" >&2; cat "$work/ssi-down.out" >&2; }
  fi
}

# Stops the process with pid $1 with SIGTERM, then (after 5 s) SIGKILL, and reaps it.
stop_pid() {
  local pid="$1" attempt
  kill "$pid" 2>/dev/null || return 0
  for attempt in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)" == Z ]] && break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  [[ -n "$stream_pid" ]] && { kill -KILL -- "-$stream_pid" 2>/dev/null || true; wait "$stream_pid" 2>/dev/null || true; }
  [[ -S "$work/cm.sock" ]] && ssh -F "$work/ssh_config_mux" -O exit 127.0.1.2 >/dev/null 2>&1 || true
  [[ -n "$sshd_pid" ]] && stop_pid "$sshd_pid"
  stop_cluster
  [[ -n "$made_privsep_dir" ]] && rmdir /run/sshd 2>/dev/null || true
  if [[ -f "$results" ]]; then
    mkdir -p "$(dirname "$out")"
    cp "$results" "$out"
    [[ -f "$samples" ]] && cp "$samples" "${out%.tsv}-samples.tsv"
    echo "remote-exec.sh: results kept in $out (every timed run: ${out%.tsv}-samples.tsv)" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() {
  echo "# $*" | tee -a "$results" >&2
}

load() {
  cut -d' ' -f1-3 /proc/loadavg
}

# CPU seconds (user + system) used so far by the processes $@, from /proc/PID/stat.
cpu_seconds() {
  local ticks pid
  ticks="$(getconf CLK_TCK)"
  for pid in "$@"; do
    sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}'
  done | awk -v ticks="$ticks" '{sum += $1} END {printf "%.1f", sum / ticks}'
}

# ---- OpenSSH: our own sshd on 127.0.1.1-N:PORT, keys and configuration in $work --------------

start_sshd() {
  local k attempt
  ssh-keygen -q -t ed25519 -N '' -C remote-exec-host -f "$work/ssh_host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C remote-exec-client -f "$work/id_ed25519"
  cp "$work/id_ed25519.pub" "$work/authorized_keys"
  {
    for k in $(seq 1 "$nodes_max"); do echo "ListenAddress 127.0.1.$k:$port"; done
    cat <<EOF
HostKey $work/ssh_host_ed25519_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
# The keys live under /tmp (world-writable), which StrictModes would refuse.
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# As Debian's own sshd_config: PAM sessions on, motd printed by PAM only.
UsePAM yes
PrintMotd no
# pdsh opens up to N connections at once; the default (10:30:100) drops some past 10.
MaxStartups 64
# bash reads ~/.bashrc when sshd starts it at shell level 1; on a shared build machine that file
# may run anything (pyenv init took about 200 ms here). SHLVL=1 makes the command's shell level 2,
# so ssh pays for a plain bash start, as with a stock ~/.bashrc, not for this machine's.
SetEnv SHLVL=1
EOF
  } >"$work/sshd_config"
  cat >"$work/ssh_config" <<EOF
Host *
  Port $port
  User root
  IdentityFile $work/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $work/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking accept-new
  BatchMode yes
  ConnectTimeout 10
  LogLevel ERROR
EOF
  { cat "$work/ssh_config"; cat <<EOF
  ControlMaster auto
  ControlPath $work/cm.sock
  ControlPersist 1800
EOF
  } >"$work/ssh_config_mux"
  if [[ ! -d /run/sshd ]]; then
    mkdir -m 0755 /run/sshd    # sshd's privilege separation directory, as Debian's unit makes it
    made_privsep_dir=yes
  fi
  /usr/sbin/sshd -t -f "$work/sshd_config" || fail "sshd rejects $work/sshd_config"
  /usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" &
  sshd_pid=$!
  for attempt in $(seq 1 $((SSHD_START_LIMIT_SECONDS * 10))); do
    kill -0 "$sshd_pid" 2>/dev/null || { cat "$work/sshd.log" >&2; fail "sshd exited at start (is port $port taken?)"; }
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.1.$nodes_max/$port" 2>/dev/null; then
      break
    fi
    (( attempt < SSHD_START_LIMIT_SECONDS * 10 )) ||
      { tail -n 5 "$work/sshd.log" >&2; fail "sshd not accepting on 127.0.1.$nodes_max:$port after $SSHD_START_LIMIT_SECONDS s"; }
    sleep 0.1
  done
  # Accept each host key once (known_hosts in $work), and check that the key logs in.
  for k in $(seq 1 "$nodes_max"); do
    timeout 20 ssh -F "$work/ssh_config" "127.0.1.$k" true </dev/null ||
      { tail -n 5 "$work/sshd.log" >&2; fail "ssh -F $work/ssh_config 127.0.1.$k true failed"; }
  done
}

# ---- Timed runs ------------------------------------------------------------------------------

# Runs the command $4... $2 times untimed, then $3 times timed, one after the other, stdin from
# /dev/null, stdout discarded. Appends "label<TAB>nodes<TAB>microseconds<TAB>ok|failed" per timed
# run to $samples; label and nodes come from $1 ("label|nodes"). A run fails if it exits non-zero
# or writes to stderr; its first line goes to $work/failures, and the block goes on.
timed_runs() {
  local label="${1%|*}" nodes="${1#*|}" warmup="$2" count="$3" i start end status outcome
  shift 3
  for ((i = 0; i < warmup + count; i++)); do
    start=$EPOCHREALTIME
    "$@" </dev/null >/dev/null 2>"$work/run.err" && status=0 || status=$?
    end=$EPOCHREALTIME
    outcome=ok
    if (( status != 0 )) || [[ -s "$work/run.err" ]]; then
      outcome=failed
      printf '%s (%s nodes), %s %d, status %d: %s\n' "$label" "$nodes" \
        "$( (( i < warmup )) && echo warm-up || echo run)" $((i + 1)) "$status" \
        "$(head -n 1 "$work/run.err")" | tee -a "$work/failures" >&2
    fi
    (( i < warmup )) ||
      printf '%s\t%s\t%d\t%s\n' "$label" "$nodes" $(( ${end/./} - ${start/./} )) "$outcome" >>"$samples"
  done
}
export -f timed_runs

# One block of timed runs, bounded by BLOCK_LIMIT_SECONDS: "label|nodes" warmup count command...
block() {
  local before
  before="$(load)"
  timeout "$BLOCK_LIMIT_SECONDS" bash -c 'timed_runs "$@"' timed_runs "$@" ||
    fail "$1: block failed or took more than $BLOCK_LIMIT_SECONDS s"
  note "load $1: before $before, after $(load)"
}

# Runs `producer </dev/null | head -c BYTES >/dev/null` in its own process group (with
# "count" as $2, `| head -c BYTES | wc -c` instead, into $work/stream.count) and leaves in
# $work/stream.head the time just before the producer starts and just after head exits. Then
# gives the producer STREAM_EXIT_GRACE_SECONDS to end by itself (its stdout is closed); one that
# does not is killed. Sets stream_exited and stream_status. Arguments: label, null|count, bytes,
# the producer command.
stream_pipe() {
  local label="$1" sink="$2" bytes="$3" attempt
  shift 3
  rm -f "$work"/stream.*
  STREAM_BYTES="$bytes" STREAM_SINK="$sink" STREAM_DIR="$work" setsid bash -c '
    start=$EPOCHREALTIME
    "$@" </dev/null 2>"$STREAM_DIR/stream.err" | {
      if [[ "$STREAM_SINK" == count ]]; then
        head -c "$STREAM_BYTES" | wc -c >"$STREAM_DIR/stream.count"
      else
        head -c "$STREAM_BYTES" >/dev/null
      fi
      echo "$start $EPOCHREALTIME" >"$STREAM_DIR/stream.head"; }
    echo "${PIPESTATUS[0]}" >"$STREAM_DIR/stream.exit"' stream "$@" &
  stream_pid=$!
  for attempt in $(seq 1 $((STREAM_RUN_LIMIT_SECONDS * 20))); do
    [[ -s "$work/stream.head" ]] && break
    (( attempt < STREAM_RUN_LIMIT_SECONDS * 20 )) ||
      fail "$label: head did not get $bytes bytes within $STREAM_RUN_LIMIT_SECONDS s"
    sleep 0.05
  done
  stream_exited="yes"
  for attempt in $(seq 1 $((STREAM_EXIT_GRACE_SECONDS * 20))); do
    [[ -s "$work/stream.exit" ]] && break
    if (( attempt == STREAM_EXIT_GRACE_SECONDS * 20 )); then
      stream_exited="no (killed after $STREAM_EXIT_GRACE_SECONDS s)"
      kill -TERM -- "-$stream_pid" 2>/dev/null || true
    fi
    sleep 0.05
  done
  wait "$stream_pid" 2>/dev/null || true
  stream_pid=""
  stream_status="$(cat "$work/stream.exit" 2>/dev/null || echo killed)"
  if [[ -s "$work/stream.err" ]]; then
    # A producer that failed early gave head fewer bytes: such a run is no figure.
    fail "$label: the producer wrote to stderr (exit status $stream_status): $(head -c 300 "$work/stream.err")"
  fi
}

# Stream runs of one producer: an untimed check that 64 MiB reach head whole (it warms up too),
# then stream_runs timed runs of stream_bytes. Arguments: label, the producer command.
stream_block() {
  local label="$1" before run started ended seconds
  shift
  before="$(load)"
  stream_pipe "$label" count 67108864 "$@"
  [[ "$(cat "$work/stream.count")" == 67108864 ]] ||
    fail "$label: the 64 MiB check gave $(cat "$work/stream.count") bytes"
  for run in $(seq 1 "$stream_runs"); do
    stream_pipe "$label" null "$stream_byte_count" "$@"
    read -r started ended <"$work/stream.head"
    seconds="$(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.3f", b - a}')"
    printf 'stream\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\n' "$label" "$stream_byte_count" "$run" "$seconds" \
      "$(awk -v b="$stream_byte_count" -v s="$seconds" 'BEGIN {print b / s / 1e6}')" "$stream_exited" \
      "$stream_status" | tee -a "$results" >&2
  done
  note "load $label: before $before, after $(load)"
}

# ---- Onefold cluster -------------------------------------------------------------------------

onefold_up() {
  local n="$1" attempt
  for attempt in $(seq 1 "$CLUSTER_UP_ATTEMPTS"); do
    if timeout 300 "$SSI" up --nodes "$n" --dir "$cluster" >"$work/ssi-up.out" 2>&1; then
      export SSI_SOCKET="$cluster/node1/ssid.sock"
      onefold_pids=($(cat "$cluster"/node*/ssid.pid))
      return 0
    fi
    echo "remote-exec.sh: ssi up --nodes $n, attempt $attempt:" >&2
    tail -n 5 "$work/ssi-up.out" >&2
  done
  fail "a cluster of $n nodes did not come up"
}

# Waits until the new cluster's daemons, together, use less than SETTLE_CPU_PERCENT_PER_NODE of
# a core per node over SETTLE_WINDOW_SECONDS (a daemon just started is still compiling; a
# long-running one is not), at most SETTLE_LIMIT_SECONDS; notes what it reached.
settle() {
  local n="$1" waited=0 before after percent
  while :; do
    before="$(cpu_seconds "${onefold_pids[@]}")"
    sleep "$SETTLE_WINDOW_SECONDS"
    waited=$((waited + SETTLE_WINDOW_SECONDS))
    after="$(cpu_seconds "${onefold_pids[@]}")"
    percent="$(awk -v a="$before" -v b="$after" -v w="$SETTLE_WINDOW_SECONDS" 'BEGIN {printf "%.0f", (b - a) / w * 100}')"
    if (( percent < SETTLE_CPU_PERCENT_PER_NODE * n || waited >= SETTLE_LIMIT_SECONDS )); then
      break
    fi
  done
  note "cluster of $n nodes up; after $waited s its daemons used ${percent}% of one core (over ${SETTLE_WINDOW_SECONDS} s); load $(load)"
}

onefold_down() {
  stop_cluster
  unset SSI_SOCKET
}

# ---- The run ---------------------------------------------------------------------------------

{
  echo "# $(date -u +%FT%TZ) kernel $(uname -r), nproc $(nproc), memory $(free -g | awk '/^Mem:/{print $2}') GiB, load $(load)"
  echo "# java (ssi, ssid): $("$JAVA" -version 2>&1 | head -n 1)"
  echo "# $(ssh -V 2>&1); $(pdsh -V 2>&1 | head -n 1); ssh -> sshd on 127.0.1.1-$nodes_max:$port"
  echo "# commit $(git -C "$ONEFOLD_HOME" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$results" >&2

start_sshd
note "ssh cipher (new connection, defaults): $(ssh -F "$work/ssh_config" -o LogLevel=DEBUG1 127.0.1.2 true 2>&1 </dev/null |
  sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' | head -n 1)"
export PDSH_SSH_ARGS_APPEND="-F $work/ssh_config"

smallest="${node_counts[0]}"
for n in "${node_counts[@]}"; do
  if [[ "$n" != "$smallest" ]] && ! wants onall; then
    continue
  fi
  echo "remote-exec.sh: starting Onefold (ssi up --nodes $n)" >&2
  onefold_up "$n"
  settle "$n"
  cpu_before="$(cpu_seconds "${onefold_pids[@]}")"
  if [[ "$n" == "$smallest" ]] && wants onnode; then
    block "ssi onnode 2 true|$n" "$warmup" "$runs" "$SSI" onnode 2 true
    block "ssi --version (start-up only)|$n" "$warmup" "$runs" "$SSI" --version
    block "ssi cluster (one local call)|$n" "$warmup" "$runs" "$SSI" cluster
    block "ssi onnode 1 true (same node)|$n" "$warmup" "$runs" "$SSI" onnode 1 true
  fi
  if wants onall; then
    block "ssi onall true|$n" "$onall_warmup" "$onall_runs" "$SSI" onall true
  fi
  if [[ "$n" == "$smallest" ]] && wants stream; then
    stream_block "ssi onnode 2 cat /dev/zero" "$SSI" onnode 2 cat /dev/zero
  fi
  note "the $n ssid daemons used $(awk -v a="$cpu_before" -v b="$(cpu_seconds "${onefold_pids[@]}")" \
    'BEGIN {printf "%.1f", b - a}') s of CPU during the Onefold blocks"
  onefold_down

  if [[ "$n" == "$smallest" ]] && wants onnode; then
    block "ssh new connection|$n" "$warmup" "$runs" ssh -F "$work/ssh_config" 127.0.1.2 true
    ssh -F "$work/ssh_config_mux" 127.0.1.2 true </dev/null    # opens the master; not counted
    block "ssh ControlMaster|$n" "$warmup" "$runs" ssh -F "$work/ssh_config_mux" 127.0.1.2 true
    ssh -F "$work/ssh_config_mux" -O exit 127.0.1.2 >/dev/null 2>&1
  fi
  if wants onall; then
    block "pdsh -R ssh true|$n" "$onall_warmup" "$onall_runs" pdsh -R ssh -w "127.0.1.[1-$n]" true
  fi
  if [[ "$n" == "$smallest" ]] && wants stream; then
    stream_block "ssh 127.0.1.2 cat /dev/zero" ssh -F "$work/ssh_config" 127.0.1.2 cat /dev/zero
  fi
done
note "end $(date -u +%FT%TZ), load $(load)"

# ---- Summary ---------------------------------------------------------------------------------

# exec<TAB>label<TAB>nodes<TAB>runs ok<TAB>p50<TAB>p90<TAB>mean<TAB>min<TAB>max<TAB>runs failed
# (ms over the runs that succeeded; nearest rank).
if [[ -s "$samples" ]]; then
  sort -t $'\t' -k1,1 -k2,2n -k3,3n "$samples" | awk -F '\t' '
    function flush() {
      if (label == "") return
      if (n == 0) { printf "exec\t%s\t%s\t0\t-\t-\t-\t-\t-\t%d\n", label, nodes, failed; return }
      printf "exec\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\n", label, nodes, n,
        v[int(n * 0.5 + 0.999999)] / 1000, v[int(n * 0.9 + 0.999999)] / 1000, sum / n / 1000, v[1] / 1000, v[n] / 1000, failed
    }
    $1 != label || $2 != nodes { flush(); label = $1; nodes = $2; n = 0; sum = 0; failed = 0 }
    $4 == "ok" { v[++n] = $3; sum += $3 }
    $4 != "ok" { failed++ }
    END { flush() }' >>"$results"
fi
if [[ -s "$work/failures" ]]; then
  sed 's/^/# failed: /' "$work/failures" >>"$results"
fi

echo
grep '^#' "$results"
echo
awk -F '\t' '
  function ms(x) { return x == "-" ? "-" : sprintf("%.1f", x) }
  function runs(k) { return failed[k] > 0 ? count[k] " (+" failed[k] " failed)" : count[k] }
  function ratio(a, b) { return (p50[a] == "-" || p50[b] == "-") ? "-" : sprintf("%.2f", p50[a] / p50[b]) }
  $1 == "exec" { k = $2 "|" $3; count[k] = $4; p50[k] = $5; p90[k] = $6; mean[k] = $7; lo[k] = $8; hi[k] = $9; failed[k] = $10
                 if ($2 == "ssi onnode 2 true") onnode = $3 }
  $1 == "stream" { streams[++s] = $0 }
  END {
    if (onnode != "") {
      print "| command (" onnode "-node cluster) | runs | p50 ms | p90 ms | mean ms | min ms | max ms |"
      print "|---|---:|---:|---:|---:|---:|---:|"
      split("ssi onnode 2 true|ssh new connection|ssh ControlMaster|ssi --version (start-up only)|ssi cluster (one local call)|ssi onnode 1 true (same node)", rows, "|")
      for (i = 1; i <= 6; i++) {
        k = rows[i] "|" onnode
        if (k in p50) printf "| %s | %s | %s | %s | %s | %s | %s |\n", rows[i], runs(k), ms(p50[k]), ms(p90[k]), ms(mean[k]), ms(lo[k]), ms(hi[k])
      }
      a = "ssi onnode 2 true|" onnode; b = "ssh new connection|" onnode
      if ((a in p50) && (b in p50) && p50[a] != "-" && p50[b] != "-")
        printf "\nGoal ssi onnode <= 1/3 of ssh new connection: p50 %.2f, mean %.2f of ssh (%s)\n\n",
          p50[a] / p50[b], mean[a] / mean[b], (p50[a] * 3 <= p50[b] ? "met" : "not met")
    }
    first = 1
    for (n = 1; n <= 32; n++) {
      a = "ssi onall true|" n; b = "pdsh -R ssh true|" n
      if (!(a in p50) && !(b in p50)) continue
      if (first) {
        print "| nodes | ssi onall runs | p50 ms | p90 ms | mean ms | pdsh runs | p50 ms | p90 ms | mean ms | ssi/pdsh p50 |"
        print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        first = 0
      }
      printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, runs(a), ms(p50[a]), ms(p90[a]), ms(mean[a]),
        runs(b), ms(p50[b]), ms(p90[b]), ms(mean[b]), ratio(a, b)
      if (n == 8 && ratio(a, b) != "-")
        goal = sprintf("Goal ssi onall <= 1/4 of pdsh at 8 nodes: p50 %s of pdsh (%s)", ratio(a, b), (p50[a] * 4 <= p50[b] ? "met" : "not met"))
    }
    if (goal != "") print "\n" goal "\n"
    if (s > 0) {
      print "| stream | run | seconds | MB/s | exited by itself after head | producer status |"
      print "|---|---:|---:|---:|---|---|"
      for (i = 1; i <= s; i++) {
        split(streams[i], f, "\t")
        printf "| %s | %s | %s | %s | %s | %s |\n", f[2], f[4], f[5], f[6], f[7], f[8]
        total[f[2]] += f[6]; made[f[2]]++
      }
      print ""
      for (t in total) printf "%s: mean %.1f MB/s over %d runs\n", t, total[t] / made[t], made[t]
    }
  }' "$results"
