package org.onefold.node.proc;

import java.util.Optional;

/**
 * One line of /proc/PID/stat, the fields ps needs. The command name sits in parentheses and may
 * itself hold spaces and parentheses, so the fields after it are counted from the last ")".
 *
 * @param state R, S, D, T, t, Z, ...
 * @param cpuTicks user plus system time, in clock ticks
 * @param startTicks when the process started, in clock ticks since boot: with the pid, it tells a
 *     process from a later one that got the same pid
 */
record ProcStat(
    long pid,
    String name,
    char state,
    long ppid,
    long pgrp,
    long session,
    long cpuTicks,
    long startTicks) {

  /** Parses a stat line; empty if it is not one (a process that ended as it was read). */
  static Optional<ProcStat> parse(String line) {
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 1 || close < open || close + 2 >= line.length()) {
      return Optional.empty();
    }
    String[] fields = line.substring(close + 2).trim().split(" ");
    // After the name: state(3) ppid(4) pgrp(5) session(6) ... utime(14) stime(15) ...
    // starttime(22).
    if (fields.length < 20 || fields[0].length() != 1) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new ProcStat(
              Long.parseLong(line.substring(0, open).trim()),
              line.substring(open + 1, close),
              fields[0].charAt(0),
              Long.parseLong(fields[1]),
              Long.parseLong(fields[2]),
              Long.parseLong(fields[3]),
              Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
              Long.parseLong(fields[19])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
