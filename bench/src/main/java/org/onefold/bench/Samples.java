package org.onefold.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Durations measured for one tool and fault, in milliseconds, and their summary. Percentiles are
 * nearest-rank: p99 of 20 samples is the largest one.
 */
final class Samples {
  private final String tool;
  private final String fault;
  private final List<Double> millis = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();

  Samples(String tool, String fault) {
    this.tool = tool;
    this.fault = fault;
  }

  void add(long nanos) {
    millis.add(nanos / 1e6);
  }

  /** A trial that gave no figure (timed out, or could not be set up); reported with the table. */
  void fail(String why) {
    failures.add(why);
  }

  int count() {
    return millis.size();
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  double percentile(double fraction) {
    if (millis.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = millis.stream().sorted().toList();
    int rank = (int) Math.ceil(fraction * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** One row of the Markdown table: tool | fault | trials | p50 | p99 | max. */
  String tableRow() {
    String trials =
        failures.isEmpty()
            ? Integer.toString(count())
            : count() + " (+" + failures.size() + " failed)";
    return String.format(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s | %s |",
        tool,
        fault,
        trials,
        format(percentile(0.50)),
        format(percentile(0.99)),
        format(percentile(1.0)));
  }

  /** Every sample, in trial order, for the log. */
  String raw() {
    StringBuilder text = new StringBuilder(tool + " / " + fault + " (ms):");
    millis.forEach(value -> text.append(String.format(Locale.ROOT, " %.0f", value)));
    failures.forEach(why -> text.append("\n  failed trial: ").append(why));
    return text.toString();
  }

  private static String format(double value) {
    if (Double.isNaN(value)) {
      return "-";
    }
    return value >= 1000
        ? String.format(Locale.ROOT, "%.2f s", value / 1000)
        : String.format(Locale.ROOT, "%.0f ms", value);
  }
}
