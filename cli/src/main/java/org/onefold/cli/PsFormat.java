package org.onefold.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
      rows.add(row(process, ""));
    }
    return ClusterFormat.align(rows);
  }

  /**
   * The table as a forest, as {@code ps f} draws it: each process under its parent (by cpid),
   * children indented with "\_ " in the CMD column; a process whose parent is not listed is a root.
   * Order: cpid order among siblings.
   */
  static String tree(List<ProcessInfo> processes) {
    Map<Long, List<ProcessInfo>> children = new HashMap<>();
    Set<Long> listed = new HashSet<>();
    for (ProcessInfo process : processes) {
      listed.add(process.getCpid());
    }
    List<ProcessInfo> roots = new ArrayList<>();
    for (ProcessInfo process : processes) {
      if (process.getPpid() != 0
          && process.getPpid() != process.getCpid()
          && listed.contains(process.getPpid())) {
        children.computeIfAbsent(process.getPpid(), parent -> new ArrayList<>()).add(process);
      } else {
        roots.add(process);
      }
    }
    List<ProcessInfo> ordered = new ArrayList<>();
    List<Integer> depths = new ArrayList<>();
    Set<Long> visited = new HashSet<>();
    for (ProcessInfo root : sortedByCpid(roots)) {
      walk(root, 0, children, visited, ordered, depths);
    }
    // Processes whose parents point at each other (data that changed between two looks at
    // /proc) reach no root: they are shown as roots rather than left out.
    for (ProcessInfo process : sortedByCpid(processes)) {
      walk(process, 0, children, visited, ordered, depths);
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADINGS);
    for (int i = 0; i < ordered.size(); i++) {
      int depth = depths.get(i);
      String indent = depth == 0 ? "" : "    ".repeat(depth - 1) + " \\_ ";
      rows.add(row(ordered.get(i), indent));
    }
    return ClusterFormat.align(rows);
  }

  /** Depth-first; each process once, so the walk ends whatever the ppids say. */
  private static void walk(
      ProcessInfo process,
      int depth,
      Map<Long, List<ProcessInfo>> children,
      Set<Long> visited,
      List<ProcessInfo> ordered,
      List<Integer> depths) {
    if (!visited.add(process.getCpid())) {
      return;
    }
    ordered.add(process);
    depths.add(depth);
    for (ProcessInfo child : sortedByCpid(children.getOrDefault(process.getCpid(), List.of()))) {
      walk(child, depth + 1, children, visited, ordered, depths);
    }
  }

  private static List<ProcessInfo> sortedByCpid(List<ProcessInfo> processes) {
    return processes.stream().sorted(Comparator.comparingLong(ProcessInfo::getCpid)).toList();
  }

  private static List<String> row(ProcessInfo process, String indent) {
    return List.of(
        Long.toString(process.getCpid()),
        Integer.toString(process.getNode()),
        Integer.toString(process.getPid()),
        process.getUser(),
        Long.toString(process.getPpid()),
        Long.toString(process.getPgid()),
        process.getStat(),
        time(process.getCpuMillis()),
        indent + process.getCommand());
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
