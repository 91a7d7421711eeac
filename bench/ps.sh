#!/usr/bin/env bash
# Clusterwide ps against node count (see docs/benchmarks.md): Onefold's `ssi ps` on one
# in-process cluster grown through the sizes given, and pdsh `ps -e` over ssh to as many
# hosts as the same comparison users make today.
#
#   bench/ps.sh [--sizes 1,3,10,30,100 | --sizes none] [--warmup N] [--calls N] [--cli-runs N]
#               [--heap SIZE] [--pdsh-sizes 1,3,10,30,100 | --pdsh-sizes none] [--pdsh-runs N]
#               [--out FILE]
#
# Builds nothing: run `mvn -q -DskipTests package` first. Everything is on loopback.
# Onefold: org.onefold.bench.PsBench starts every node in its own JVM on 127.0.3.(10+k)
# with free ports (the node module's InProcessCluster), and at the largest size reached
# times bin/ssi as a user runs it. pdsh (needs pdsh and openssh-server, run as root): one
# sshd of our own on 127.0.6.1 and a free port, key login only; hosts h1..hN are names
# for that one address in our own ssh_config, so every host is a full ssh connection to
# this machine. pdsh runs first and is done before the cluster starts. The sshd and the
# JVM are stopped and the work directory removed on every exit; the whole run stops at
# RUN_LIMIT_SECONDS. Prints tab-separated lines, then Markdown tables; FILE keeps the lines.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/java.sh"
onefold_find_java

RUN_LIMIT_SECONDS=3600      # the Onefold part
PDSH_RUN_LIMIT_SECONDS=120  # one pdsh run
OPEN_FILES=32768            # about 18 a node in one JVM (1,852 at 100 nodes); raised if the hard limit allows

bench_args=()
sizes=""
out=""
heap="6g"
pdsh_sizes="1,3,10,30,100"
pdsh_runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --heap) heap="$2"; shift 2 ;;
    --pdsh-sizes) pdsh_sizes="$2"; shift 2 ;;
    --pdsh-runs) pdsh_runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --warmup|--calls|--cli-runs) bench_args+=("$1" "$2"); shift 2 ;;
    *) echo "ps.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

class_path="$(onefold_class_path bench)"
onefold_class_path cli >/dev/null   # bin/ssi needs the cli module built

if [[ "$(ulimit -n)" -lt "$OPEN_FILES" ]]; then
  ulimit -n "$OPEN_FILES" 2>/dev/null || \
    echo "ps.sh: open files stay at $(ulimit -n) (the hard limit); enough for about $(( $(ulimit -n) / 20 )) nodes" >&2
fi

work="$(mktemp -d /tmp/ps-bench.XXXXXX)"
results="$work/results.tsv"
[[ -n "$out" ]] || out="$ONEFOLD_HOME/bench/target/ps-$(date +%Y%m%d-%H%M%S).tsv"
sshd_pid=""

stop_sshd() {
  if [[ -n "$sshd_pid" ]]; then
    kill "$sshd_pid" 2>/dev/null || true
    wait "$sshd_pid" 2>/dev/null || true
    sshd_pid=""
  fi
}

cleanup() {
  stop_sshd
  [[ -f "$results" ]] && cp "$results" "$out"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "# $(date -u +%FT%TZ) $(uname -r) nproc=$(nproc) mem=$(free -g | awk '/^Mem:/{print $2}')GiB open-files=$(ulimit -n) load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# java: $("$JAVA" -version 2>&1 | head -n 1)"
} | tee "$results"

# A free TCP port on 127.0.6.1, from 22000 up.
free_port() {
  local port
  for port in $(seq 22000 22999); do
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "ps.sh: no free port in 22000-22999" >&2
  exit 1
}

# pdsh -R ssh -w h[1-N] ps -e, pdsh_runs times after one run not counted, for each N.
run_pdsh() {
  local ssh="$work/ssh" port n run start end lines
  mkdir -p "$ssh/home"
  ssh-keygen -q -t ed25519 -N '' -f "$ssh/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -f "$ssh/id_ed25519"
  cp "$ssh/id_ed25519.pub" "$ssh/authorized_keys"
  port="$(free_port)"
  cat >"$ssh/sshd_config" <<EOF
Port $port
ListenAddress 127.0.6.1
HostKey $ssh/host_ed25519
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 1000
MaxSessions 1000
LogLevel ERROR
# An empty home: the remote shell reads no ~/.bashrc (root's here runs pyenv's init, about
# 0.6 s a session), so that what is timed is ssh and ps, not one user's shell set-up.
SetEnv HOME=$ssh/home
EOF
  cat >"$ssh/ssh_config" <<EOF
Host h*
  HostName 127.0.6.1
  Port $port
  IdentityFile $ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  BatchMode yes
  LogLevel ERROR
EOF
  /usr/sbin/sshd -D -f "$ssh/sshd_config" -E "$ssh/sshd.log" &
  sshd_pid=$!
  for attempt in $(seq 1 50); do
    ss -Htln "sport = :$port" | grep -q . && break
    [[ "$attempt" -eq 50 ]] && { echo "ps.sh: sshd did not listen on 127.0.6.1:$port" >&2; cat "$ssh/sshd.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "# pdsh $(pdsh -V 2>&1 | head -n 1); $(ssh -V 2>&1); sshd on 127.0.6.1:$port; fanout 32 (pdsh's default)" | tee -a "$results"
  export PDSH_SSH_ARGS="-F $ssh/ssh_config -x -l%u %h"
  for n in ${pdsh_sizes//,/ }; do
    local load_before millis=()
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    for run in $(seq 0 "$pdsh_runs"); do
      start="$(date +%s%N)"
      lines="$(timeout "$PDSH_RUN_LIMIT_SECONDS" pdsh -R ssh -w "h[1-$n]" ps -e 2>"$work/pdsh.err" | wc -l)"
      end="$(date +%s%N)"
      if [[ -s "$work/pdsh.err" ]]; then
        echo "ps.sh: pdsh to $n hosts, run $run: $(head -n 3 "$work/pdsh.err")" >&2
      fi
      [[ "$run" -gt 0 ]] && millis+=("$(( (end - start) / 1000000 ))")
    done
    printf '%s\n' "${millis[@]}" | sort -n | awk -v n="$n" -v lines="$lines" -v lb="$load_before" \
      -v la="$(cut -d' ' -f1-3 /proc/loadavg)" \
      '{m[NR] = $1} END {p50 = m[int((NR + 1) / 2)]; printf "pdsh\t%d\tpdsh -R ssh ps -e\t%d\t%d\t%d\t%d\t%s\t%s\n", n, NR, p50, m[NR], lines, lb, la}' \
      | tee -a "$results"
  done
  stop_sshd
}

if [[ "$pdsh_sizes" != none ]]; then
  command -v pdsh >/dev/null && [[ -x /usr/sbin/sshd ]] || {
    echo "ps.sh: needs pdsh and /usr/sbin/sshd (apt-get install pdsh openssh-server), or --pdsh-sizes none" >&2; exit 1; }
  run_pdsh
fi

if [[ "$sizes" != none ]]; then
  [[ -z "$sizes" ]] || bench_args+=(--sizes "$sizes")
  echo "ps.sh: starting the in-process cluster under $work/nodes" >&2
  status=0
  timeout "$RUN_LIMIT_SECONDS" "$JAVA" -XX:+UseZGC -Xms1g "-Xmx$heap" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.apache.ratis=error \
    -cp "$class_path" org.onefold.bench.PsBench --work "$work/nodes" --out "$results" \
    --ssi "$ONEFOLD_HOME/bin/ssi" "${bench_args[@]}" >"$work/bench.out" || status=$?
  echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results"
  [[ "$status" -eq 0 ]] || echo "ps.sh: PsBench exited with status $status" >&2
fi

echo
grep '^#' "$results"
echo
if [[ -f "$work/bench.out" ]]; then
  grep -v $'\t' "$work/bench.out" || true
fi
if grep -q '^pdsh' "$results"; then
  echo
  echo "| hosts | pdsh -R ssh ps -e: runs | p50 ms | max ms | lines of output |"
  echo "|---:|---:|---:|---:|---:|"
  awk -F'\t' '$1 == "pdsh" {printf "| %s | %s | %s | %s | %s |\n", $2, $4, $5, $6, $7}' "$results"
fi
echo "ps.sh: results kept in $out" >&2
