package org.onefold.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** PsBench's results: one tab-separated line each as they come, Markdown tables at the end. */
final class PsTables {
  private PsTables() {}

  /**
   * grow, nodes, added, join p50 and max ms, seconds, idle CPU %, threads, RSS MiB, heap after GC
   * MiB, fds, load, busiest threads when idle.
   */
  static String line(PsBench.Growth growth, String loadBefore) {
    return String.format(
        Locale.ROOT,
        "grow\t%d\t%d\t%.0f\t%.0f\t%.1f\t%.0f\t%d\t%d\t%d\t%d\t%s\t%s",
        growth.nodes(),
        growth.joins().count(),
        growth.joins().quantileMillis(0.5),
        growth.joins().quantileMillis(1),
        growth.seconds(),
        growth.idleCpuPercent(),
        growth.threads(),
        growth.residentMib(),
        growth.heapAfterGcMib(),
        growth.openFiles(),
        loadBefore,
        growth.idleThreads());
  }

  /**
   * ps, nodes, command, calls, p50, p90, max ms, processes listed and the fewest and most of one
   * node, calls with a silent node, loads, CPU seconds of the JVM and its busiest threads over
   * both commands' calls, silent nodes.
   */
  static String line(PsBench.Round round, PsBench.Timing timing) {
    return String.format(
        Locale.ROOT,
        "ps\t%d\t%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%s\t%s\t%.1f\t%s\t%s",
        round.nodes(),
        timing.all() ? "ps --all" : "ps",
        timing.latencies().count(),
        timing.latencies().quantileMillis(0.5),
        timing.latencies().quantileMillis(0.9),
        timing.latencies().quantileMillis(1),
        timing.processes(),
        timing.processesOfNodeMin(),
        timing.processesOfNodeMax(),
        timing.silentCalls(),
        round.loadBefore(),
        round.loadAfter(),
        round.cpuSeconds(),
        round.busiestThreads(),
        String.join("; ", timing.silent()));
  }

  /** cli, nodes, command, runs, p50 and max ms, failed runs. */
  static String line(PsBench.CliTiming timing) {
    return String.format(
        Locale.ROOT,
        "cli\t%d\tssi %s\t%d\t%.0f\t%.0f\t%d",
        timing.nodes(),
        String.join(" ", timing.arguments()),
        timing.latencies().count(),
        timing.latencies().quantileMillis(0.5),
        timing.latencies().quantileMillis(1),
        timing.failures());
  }

  static String markdown(
      List<PsBench.Growth> growths, List<PsBench.Round> rounds, List<PsBench.CliTiming> cliTimings) {
    List<String> out = new ArrayList<>();
    out.add(
        "| nodes | ps p50 / p90 / max ms | ps --all p50 / p90 / max ms | processes listed by ps"
            + " --all (per node) | calls with a silent node, ps / --all | JVM CPU during the calls"
            + " | start and join per node, p50 / max ms | idle CPU of the JVM | threads | RSS / heap"
            + " after GC, MiB | open files |");
    out.add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (PsBench.Growth growth : growths) {
      Optional<PsBench.Round> round = find(rounds, growth.nodes());
      out.add(
          String.format(
              Locale.ROOT,
              "| %d | %s | %s | %s | %s | %s | %.0f / %.0f | %.0f%% | %d | %d / %d | %d |",
              growth.nodes(),
              round.map(r -> quantiles(r.ps())).orElse("-"),
              round.map(r -> quantiles(r.all())).orElse("-"),
              round.map(r -> listed(r.all())).orElse("-"),
              round
                  .map(r -> silentCalls(r.ps()) + " / " + silentCalls(r.all()))
                  .orElse("-"),
              round.map(r -> String.format(Locale.ROOT, "%.1f s", r.cpuSeconds())).orElse("-"),
              growth.joins().quantileMillis(0.5),
              growth.joins().quantileMillis(1),
              growth.idleCpuPercent(),
              growth.threads(),
              growth.residentMib(),
              growth.heapAfterGcMib(),
              growth.openFiles()));
    }
    if (!cliTimings.isEmpty()) {
      out.add("");
      out.add("| command | nodes | runs | p50 ms | max ms | the same call in the bench JVM, p50 ms |");
      out.add("|---|---:|---:|---:|---:|---:|");
      for (PsBench.CliTiming cli : cliTimings) {
        String inProcess =
            cli.arguments().contains("ps") && !cli.arguments().contains("-n")
                ? find(rounds, cli.nodes())
                    .map(r -> cli.arguments().contains("--all") ? r.all() : r.ps())
                    .map(t -> String.format(Locale.ROOT, "%.1f", t.latencies().quantileMillis(0.5)))
                    .orElse("-")
                : "-";
        out.add(
            String.format(
                Locale.ROOT,
                "| `ssi %s` | %d | %s | %.0f | %.0f | %s |",
                String.join(" ", cli.arguments()),
                cli.nodes(),
                cli.latencies().count()
                    + (cli.failures() > 0 ? " (+" + cli.failures() + " failed)" : ""),
                cli.latencies().quantileMillis(0.5),
                cli.latencies().quantileMillis(1),
                inProcess));
      }
    }
    return String.join("\n", out) + "\n";
  }

  private static Optional<PsBench.Round> find(List<PsBench.Round> rounds, int nodes) {
    return rounds.stream().filter(r -> r.nodes() == nodes).findFirst();
  }

  private static String quantiles(PsBench.Timing timing) {
    return String.format(
        Locale.ROOT,
        "%.1f / %.1f / %.1f",
        timing.latencies().quantileMillis(0.5),
        timing.latencies().quantileMillis(0.9),
        timing.latencies().quantileMillis(1));
  }

  private static String listed(PsBench.Timing timing) {
    return timing.processes()
        + " ("
        + timing.processesOfNodeMin()
        + (timing.processesOfNodeMin() == timing.processesOfNodeMax()
            ? ""
            : "-" + timing.processesOfNodeMax())
        + ")";
  }

  private static String silentCalls(PsBench.Timing timing) {
    return timing.silentCalls() + " of " + timing.latencies().count();
  }
}
