package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;
import org.onefold.proto.proc.ProcessInfo;

/**
 * Processes as {@code ssi ps} prints them: an aligned table, CPID NODE USER PPID PGID STAT TIME
 * CMD, or a JSON array of objects with those fields in lower case (and pid, the node-local pid).
 */
final class PsFormat {
  private static final List<String> HEADINGS =
      List.of("CPID", "NODE", "PID", "USER", "PPID", "PGID", "STAT", "TIME", "CMD");

  private PsFormat() {}

  static String table(List<ProcessInfo> processes) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADINGS);
    for (ProcessInfo process : processes) {
      rows.add(
          List.of(
              Long.toString(process.getCpid()),
              Integer.toString(process.getNode()),
              Integer.toString(process.getPid()),
              process.getUser(),
              Long.toString(process.getPpid()),
              Long.toString(process.getPgid()),
              process.getStat(),
              time(process.getCpuMillis()),
              process.getCommand()));
    }
    return ClusterFormat.align(rows);
  }

  /** CPU time as ps shows it: minutes:seconds. */
  static String time(long millis) {
    long seconds = millis / 1000;
    return String.format("%d:%02d", seconds / 60, seconds % 60);
  }

  static String json(List<ProcessInfo> processes) {
    return Json.document(
        json -> {
          json.writeStartArray();
          for (ProcessInfo process : processes) {
            json.writeStartObject();
            json.writeNumberField("cpid", process.getCpid());
            json.writeNumberField("node", process.getNode());
            json.writeNumberField("pid", process.getPid());
            json.writeStringField("user", process.getUser());
            json.writeNumberField("ppid", process.getPpid());
            json.writeNumberField("pgid", process.getPgid());
            json.writeStringField("stat", process.getStat());
            json.writeStringField("time", time(process.getCpuMillis()));
            json.writeStringField("cmd", process.getCommand());
            json.writeEndObject();
          }
          json.writeEndArray();
        });
  }
}
