#!/usr/bin/env bash
# The seed's Demo 2 for people, on a local cluster of 4 nodes (bin/onefold demo 2):
# from node 1 vi runs on node 2; once you have written the file out, the other nodes
# take their turn by themselves: node 2 lists the vi with its cluster pid, node 3
# reads the file (ssi onnode 3 cat, and cat in ssi shell 3), node 4 kills the vi by
# that pid, and node 1's ssi onnode ends with status 137. As root with FUSE the file
# is /tmp/newfile in the cluster view (the cluster filesystem's /tmp, the same on
# every node); otherwise a file of this machine's /tmp. The cluster stays up
# afterwards (ssi down --dir DIR stops it).
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/java.sh"
ssi="$ONEFOLD_HOME/bin/ssi"
dir="${ONEFOLD_DEMO_DIR:-$HOME/.onefold/demo}"
WRITE_WAIT_TENTHS=6000   # 10 minutes for you to write the file out

say() { printf '\r\n== %s\r\n' "$*"; }
on() { local node="$1"; shift; SSI_SOCKET="$dir/node$node/ssid.sock" "$ssi" "$@"; }

[[ -t 0 && -t 1 ]] || { echo "demo 2: run it on a terminal (vi needs one)" >&2; exit 2; }
say "a local cluster of 4 nodes in $dir: ssi up --nodes 4 --dir $dir"
"$ssi" up --nodes 4 --dir "$dir" >/dev/null
cd /   # a directory every node's view has
if mountpoint -q "$dir/node1/cluster"; then
  file=/tmp/newfile
  seen="$dir/node1/cluster/tmp/newfile"   # the same file, through node 1's mount
else
  file="/tmp/onefold-demo-$$.txt"
  seen="$file"
fi
rm -f "$seen"
say "from node 1: ssi onnode 2 vi $file"
say "type some text, write it out with :w and stay in vi; the other nodes take over"
sleep 3

others() {
  for _ in $(seq 1 "$WRITE_WAIT_TENTHS"); do
    [[ -s "$seen" ]] && break
    sleep 0.1
  done
  [[ -s "$seen" ]] || return 0
  sleep 2
  local listing cpid
  listing="$(on 2 ps)"
  cpid="$(awk -v f="vi $file" 'index($0, f) {print $1; exit}' <<<"$listing")"
  # vi owns the terminal now, raw: end each line with a carriage return too.
  {
    say "on node 2: ssi ps"
    grep -E "^CPID|vi $file" <<<"$listing"
    say "on node 3: ssi onnode 3 cat $file"
    on 3 onnode -T 3 cat "$file"
    say "on node 3: cat $file in ssi shell 3"
    echo "cat $file" | on 3 shell -T 3
    say "on node 4 in 3 s: ssi kill -9 $cpid"
  } | sed 's/$/\r/'
  sleep 3
  on 4 kill -9 "$cpid"
}
others &
status=0
on 1 onnode 2 vi "$file" || status=$?
wait
say "node 1: ssi onnode 2 vi ended with status $status (128 + 9: killed by SIGKILL, from node 4)"
rm -f "$seen"
