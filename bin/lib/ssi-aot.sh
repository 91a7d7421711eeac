#!/usr/bin/env bash
# Run by the build (cli/pom.xml, package phase) with the ssi command's class path
# as $1 (its jar, then the jars of cli/target/lib): makes what bin/ssi starts from.
#   cli/target/ssi.aot       the JDK's AOT cache for commands that talk to a node
#   cli/target/ssi-help.aot  a smaller one for ssi --help and --version
#   cli/target/ssi-runs.aot  one for ssi onnode, run and onall, without protobuf
#   cli/target/ssi.launch    the java, its options, the class path and the caches,
#                            so that bin/ssi looks for nothing (see bin/ssi)
# Each cache comes from a training run of org.onefold.cli.AotTraining with bin/ssi's
# options (a cache holds only for the options and jars it was made with). Files are
# written under another name and renamed, so that a bin/ssi running meanwhile sees
# the old one or the new one. A failure here never fails the build: bin/ssi works
# without these files, only slower; one line says so.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/java.sh"
[[ $# -eq 1 ]] || { echo "usage: ssi-aot.sh CLASS_PATH" >&2; exit 2; }
class_path="$1"
target="$ONEFOLD_HOME/cli/target"
rm -f "$target/ssi.aot" "$target/ssi-help.aot" "$target/ssi-runs.aot" "$target/ssi.launch"

if ! JAVA="$(onefold_find_java 2>/dev/null && echo "$JAVA")"; then
  echo "onefold: no JDK 25 found; ssi runs without its AOT cache" >&2
  exit 0
fi

# Trains the cache $1 with AotTraining $2; prints its path if it was made.
train() {
  local cache="$1" lines="$2" log="$target/ssi-aot-$2.log"
  if "$JAVA" "${ONEFOLD_SSI_JAVA_OPTIONS[@]}" -XX:AOTCacheOutput="$cache.tmp" -cp "$class_path" \
      org.onefold.cli.AotTraining "$lines" >"$log" 2>&1 && [[ -f "$cache.tmp" ]]; then
    mv -f "$cache.tmp" "$cache"
    echo "$cache"
  else
    rm -f "$cache.tmp"
    echo "onefold: the AOT cache $cache could not be made (see $log); ssi starts slower" >&2
  fi
}
commands_cache="$(train "$target/ssi.aot" commands)"
help_cache="$(train "$target/ssi-help.aot" help)"
runs_cache="$(train "$target/ssi-runs.aot" runs)"

{
  echo "# Written by bin/lib/ssi-aot.sh at build time; read by bin/ssi."
  printf 'ONEFOLD_HOME=%q\n' "$ONEFOLD_HOME"
  printf 'SSI_JAVA=%q\n' "$JAVA"
  printf 'SSI_JAVA_OPTIONS=(%s)\n' "$(printf '%q ' "${ONEFOLD_SSI_JAVA_OPTIONS[@]}")"
  printf 'SSI_CLASS_PATH=%q\n' "$class_path"
  printf 'SSI_AOT_CACHE=%q\n' "$commands_cache"
  printf 'SSI_AOT_CACHE_HELP=%q\n' "$help_cache"
  printf 'SSI_AOT_CACHE_RUNS=%q\n' "$runs_cache"
} >"$target/ssi.launch.tmp"
mv -f "$target/ssi.launch.tmp" "$target/ssi.launch"
