package org.onefold.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns RegistryBench's tab-separated lines into one Markdown table, Onefold and etcd side by side.
 */
final class ResultTable {
  private ResultTable() {}

  static String markdown(List<String> lines) {
    // (value_bytes, phase, in_flight) -> store -> columns
    Map<String, Map<String, String[]>> rows = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#") || line.startsWith("store\t")) {
        continue;
      }
      String[] columns = line.split("\t");
      if (columns.length != 10) {
        throw new IllegalArgumentException(
            "expected 10 tab-separated columns ("
                + RegistryBench.HEADER
                + "), got "
                + columns.length
                + ": "
                + line);
      }
      String row = columns[1] + "\t" + columns[2] + "\t" + columns[3];
      rows.computeIfAbsent(row, r -> new LinkedHashMap<>()).put(columns[0], columns);
    }
    List<String> out = new ArrayList<>();
    out.add(
        "| value | operation | in flight | Onefold ops/s | etcd ops/s | Onefold p50 ms | etcd p50"
            + " ms | Onefold p99 ms | etcd p99 ms | ops measured (Onefold / etcd) |");
    out.add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (var row : rows.entrySet()) {
      String[] key = row.getKey().split("\t");
      String[] onefold = row.getValue().get("onefold");
      String[] etcd = row.getValue().get("etcd");
      out.add(
          String.format(
              Locale.ROOT,
              "| %s B | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |",
              key[0],
              key[1],
              key[2],
              column(onefold, 7),
              column(etcd, 7),
              column(onefold, 8),
              column(etcd, 8),
              column(onefold, 9),
              column(etcd, 9),
              counted(onefold),
              counted(etcd)));
    }
    return String.join("\n", out) + "\n";
  }

  private static String column(String[] columns, int index) {
    return columns == null ? "-" : columns[index];
  }

  private static String counted(String[] columns) {
    if (columns == null) {
      return "-";
    }
    return columns[5].equals("0") ? columns[4] : columns[4] + " (" + columns[5] + " errors)";
  }
}
