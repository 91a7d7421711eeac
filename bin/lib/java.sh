# Shared by bin/ssi and bin/ssid: finds the project root and a JDK 25, and checks
# that a module is built. Sourced, not run; sets ONEFOLD_HOME and JAVA.
# Never builds anything: a missing jar is a one-line message and exit 1.

ONEFOLD_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The JVM options of bin/ssi, tuned for a short-lived process: C1 only, serial GC,
# no perf-data file (in the cluster view /tmp is the cluster filesystem's).
# bin/lib/ssi-aot.sh trains the AOT cache with the same ones (a cache holds for
# the options it was made with) and copies them into cli/target/ssi.launch.
ONEFOLD_SSI_JAVA_OPTIONS=(--sun-misc-unsafe-memory-access=allow -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData)

# True if the java at $1 is version 25. A JDK's release file says so without
# starting a JVM (that would cost ssi's start-up 50-100 ms); it is read with bash
# alone, since every forked process costs ssi a millisecond or two. A java
# without one is asked with -version.
onefold_is_java25() {
  local java="$1" release="${1%/bin/java}/release" line version
  [[ -x "$java" ]] || return 1
  if [[ -r "$release" ]]; then
    while IFS= read -r line; do
      if [[ "$line" == JAVA_VERSION=* ]]; then
        [[ "$line" =~ ^JAVA_VERSION=\"25([.\"-]) ]]
        return
      fi
    done < "$release"
  fi
  version="$("$java" -version 2>&1 | head -n 1)" || return 1
  [[ "$version" =~ version\ \"25([.\"-]) ]]
}

# Sets JAVA to a JDK 25 java: $JAVA_HOME if it is one, else /usr/lib/jvm/*25*,
# else any /usr/lib/jvm/* that reports version 25.
onefold_find_java() {
  local candidate
  if [[ -n "${JAVA_HOME:-}" ]] && onefold_is_java25 "$JAVA_HOME/bin/java"; then
    JAVA="$JAVA_HOME/bin/java"
    return 0
  fi
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if onefold_is_java25 "$candidate/bin/java"; then
      JAVA="$candidate/bin/java"
      return 0
    fi
  done
  echo "ssi: no JDK 25 found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  exit 1
}

# Prints the class path of module $1 (cli or node): its jar and target/lib/*.
onefold_class_path() {
  local module="$1" jar
  for jar in "$ONEFOLD_HOME/$module"/target/onefold-"$module"-*.jar; do
    if [[ -f "$jar" && "$jar" != *-sources.jar && "$jar" != *-tests.jar ]]; then
      printf '%s:%s/%s/target/lib/*\n' "$jar" "$ONEFOLD_HOME" "$module"
      return 0
    fi
  done
  echo "ssi: not built; run: mvn -q -DskipTests package" >&2
  exit 1
}
