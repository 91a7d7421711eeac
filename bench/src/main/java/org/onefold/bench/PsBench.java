package org.onefold.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.IntSummaryStatistics;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.onefold.client.OnefoldClient;
import org.onefold.node.cluster.InProcessCluster;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.PsReply;

/**
 * Clusterwide ps against node count. One in-process cluster (the node module's {@link
 * InProcessCluster}: every node a whole NodeDaemon in this JVM, on 127.0.3.(10+k) with free ports)
 * is grown through the sizes asked, one node joining at a time; at each size, ps and ps --all are
 * called through a client on node 1's socket, the call {@code ssi ps} makes: node 1 asks every up
 * node at once (ProcRpc.List, 2 s bound) and each node scans /proc. Each is called {@code --warmup}
 * times, then timed {@code --calls} times, the two commands' calls interleaved and one at a time,
 * the time taken around the call. The nodes run with more patient failure detection and elections
 * than ssid's defaults ({@link #SETTINGS}), so that the packed cluster does not take its own stalls
 * for failures.
 *
 * <p>At each size it also notes what the growth cost (each node's start and join, until the node
 * sees itself up), what the idle cluster costs (this JVM's CPU over a few seconds with no calls),
 * and the JVM's threads, resident memory and open files, so that a reader can tell where the
 * machine stops. A size whose growth fails ends the run; the sizes reached are reported. With
 * {@code --ssi}, at the first size and the largest reached, {@code bin/ssi} itself is timed as a
 * user runs it ({@code SSI_SOCKET} naming node 1's socket), one run not counted first.
 *
 * <p>Output: tab-separated lines on stdout and appended to {@code --out}, progress on stderr, and
 * at the end Markdown tables on stdout.
 */
public final class PsBench {
  private static final String NETWORK = "127.0.3";
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);
  /** After growing, the cluster is left alone this long (its idle CPU is measured meanwhile). */
  private static final Duration IDLE_WINDOW = Duration.ofSeconds(10);

  /**
   * Settings on top of the in-process cluster's own: the failure detector and Raft elections wait
   * longer, because a hundred nodes on two shared cores stall for seconds, where nodes on their own
   * machines would not; heartbeats keep ssid's default interval, and ps its own 2 s bound.
   */
  private static final Map<String, String> SETTINGS =
      Map.of("down-after", "3s", "election-timeout-min", "1s", "election-timeout-max", "2s");
  private static final Duration CLI_RUN_LIMIT = Duration.ofSeconds(60);

  /** How many kinds of thread the CPU reports name. */
  private static final int BUSIEST_KINDS = 6;

  record Settings(
      List<Integer> sizes, int warmup, int calls, int cliRuns, Path work, Path out, Path ssi) {}

  /** What growing the cluster to nodes cost, and what the JVM holds then. */
  record Growth(
      int nodes,
      Latencies joins,
      double seconds,
      double idleCpuPercent,
      String idleThreads,
      long threads,
      long residentMib,
      long heapAfterGcMib,
      long openFiles) {}

  /**
   * ps (all = false) or ps --all timed at one size; processes is what the last call listed, and
   * the fewest and most of one node in it.
   */
  record Timing(
      boolean all,
      Latencies latencies,
      int processes,
      int processesOfNodeMin,
      int processesOfNodeMax,
      int silentCalls,
      Set<String> silent) {}

  /**
   * Both commands timed at one size, their calls interleaved (ps, ps --all, ps, ...) so that both
   * meet the same conditions; the JVM's CPU and its busiest threads over all of them.
   */
  record Round(
      int nodes,
      Timing ps,
      Timing all,
      double cpuSeconds,
      String busiestThreads,
      String loadBefore,
      String loadAfter) {}

  /** A command of bin/ssi timed at one size; failures are runs that failed or did not end. */
  record CliTiming(int nodes, List<String> arguments, Latencies latencies, int failures) {}

  private final Settings settings;
  private final InProcessCluster cluster;
  private final List<Growth> growths = new ArrayList<>();
  private final List<Round> rounds = new ArrayList<>();
  private final List<CliTiming> cliTimings = new ArrayList<>();

  private PsBench(Settings settings, InProcessCluster cluster) {
    this.settings = settings;
    this.cluster = cluster;
  }

  public static void main(String[] args) throws Exception {
    Settings settings = parse(args);
    Files.createDirectories(settings.work());
    PsBench bench;
    try (InProcessCluster cluster = new InProcessCluster(settings.work(), NETWORK, SETTINGS)) {
      bench = new PsBench(settings, cluster);
      bench.run();
    }
    System.out.print(PsTables.markdown(bench.growths, bench.rounds, bench.cliTimings));
    // gRPC and Ratis leave non-daemon threads behind; the run is over.
    System.exit(0);
  }

  private void run() throws IOException, InterruptedException {
    int reached = 0;
    for (int size : settings.sizes()) {
      String loadBefore = load();
      try {
        growths.add(grow(reached, size));
      } catch (RuntimeException e) {
        progress("growing to " + size + " nodes failed, the run stops at " + reached + ": " + e);
        break;
      }
      reached = size;
      emit(PsTables.line(growths.getLast(), loadBefore));
      rounds.add(time(size));
      emit(PsTables.line(rounds.getLast(), rounds.getLast().ps()));
      emit(PsTables.line(rounds.getLast(), rounds.getLast().all()));
      if (reached == settings.sizes().getFirst()) {
        timeCli(reached);
      }
    }
    if (reached > settings.sizes().getFirst()) {
      timeCli(reached);
    }
  }

  /**
   * With --ssi: bin/ssi's start-up alone (--version), with the cheapest call that reaches the
   * daemon and one node (ps -n 1), and ps and ps --all, as a user runs them.
   */
  private void timeCli(int nodes) throws IOException, InterruptedException {
    if (settings.ssi() == null) {
      return;
    }
    for (List<String> arguments :
        List.of(
            List.of("--version"),
            List.of("ps", "-n", "1"),
            List.of("ps"),
            List.of("ps", "--all"))) {
      cliTimings.add(timeCli(nodes, arguments));
      emit(PsTables.line(cliTimings.getLast()));
    }
  }

  /** Starts nodes from+1..to one at a time, timing each, then waits until node 1 shows all up. */
  private Growth grow(int from, int to) throws InterruptedException {
    Latencies joins = new Latencies(to - from);
    long start = System.nanoTime();
    for (int node = from + 1; node <= to; node++) {
      long before = System.nanoTime();
      cluster.start(node);
      joins.record(System.nanoTime() - before);
      if (node % 10 == 0 || node == to) {
        progress("node " + node + " up; load " + load());
      }
    }
    awaitAllUp(to);
    double seconds = (System.nanoTime() - start) / 1e9;
    Duration cpuBefore = cpu();
    ThreadCpu threadsBefore = ThreadCpu.start();
    Thread.sleep(IDLE_WINDOW);
    double idleCpuPercent = 100.0 * cpu().minus(cpuBefore).toNanos() / IDLE_WINDOW.toNanos();
    String idleThreads = threadsBefore.top(BUSIEST_KINDS);
    progress(
        String.format(
            Locale.ROOT,
            "%d nodes idle: %.0f%% of a CPU; %s",
            to,
            idleCpuPercent,
            idleThreads));
    return new Growth(
        to,
        joins,
        seconds,
        idleCpuPercent,
        idleThreads,
        statusField("Threads"),
        statusField("VmRSS") / 1024,
        heapAfterGcMib(),
        openFiles());
  }

  private void awaitAllUp(int nodes) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    long up = 0;
    while (System.nanoTime() < deadline) {
      up =
          cluster.client(1).cluster().getNodesList().stream()
              .filter(status -> status.getRecord().getState() == NodeState.NODE_UP)
              .count();
      if (up == nodes) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "node 1 shows " + up + " of " + nodes + " nodes up after " + SETTLE_LIMIT.toSeconds() + " s");
  }

  /** Warm-up calls of both commands, then calls of each, interleaved. */
  private Round time(int nodes) {
    OnefoldClient client = cluster.client(1);
    for (int i = 0; i < settings.warmup(); i++) {
      client.ps(false, 0);
      client.ps(true, 0);
    }
    String loadBefore = load();
    Duration cpuBefore = cpu();
    ThreadCpu threadsBefore = ThreadCpu.start();
    Calls ps = new Calls(false, settings.calls());
    Calls all = new Calls(true, settings.calls());
    for (int i = 0; i < settings.calls(); i++) {
      ps.call(client);
      all.call(client);
    }
    Round round =
        new Round(
            nodes,
            ps.timing(),
            all.timing(),
            cpu().minus(cpuBefore).toNanos() / 1e9,
            threadsBefore.top(BUSIEST_KINDS),
            loadBefore,
            load());
    progress(PsTables.line(round, round.ps()));
    progress(PsTables.line(round, round.all()));
    return round;
  }

  /** The timed calls of one command at one size, as they are made. */
  private static final class Calls {
    private final boolean all;
    private final Latencies latencies;
    private final Set<String> silent = new TreeSet<>();
    private int silentCalls;
    private PsReply last;

    Calls(boolean all, int count) {
      this.all = all;
      this.latencies = new Latencies(count);
    }

    void call(OnefoldClient client) {
      long before = System.nanoTime();
      PsReply reply = client.ps(all, 0);
      latencies.record(System.nanoTime() - before);
      last = reply;
      if (reply.getSilentCount() > 0) {
        silentCalls++;
        silent.addAll(reply.getSilentList());
      }
    }

    Timing timing() {
      Map<Integer, Integer> byNode = new TreeMap<>();
      last.getProcessesList().forEach(process -> byNode.merge(process.getNode(), 1, Integer::sum));
      IntSummaryStatistics perNode =
          byNode.values().stream().mapToInt(Integer::intValue).summaryStatistics();
      return new Timing(
          all,
          latencies,
          last.getProcessesCount(),
          byNode.isEmpty() ? 0 : perNode.getMin(),
          byNode.isEmpty() ? 0 : perNode.getMax(),
          silentCalls,
          silent);
    }
  }

  /** bin/ssi with arguments, node 1's socket in SSI_SOCKET: one run first, then cliRuns timed. */
  private CliTiming timeCli(int nodes, List<String> arguments)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(settings.ssi().toString()));
    command.addAll(arguments);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(settings.work().resolve("ssi.err").toFile());
    builder.environment().put(OnefoldClient.SOCKET_VARIABLE, cluster.socket(1).toString());
    Latencies latencies = new Latencies(settings.cliRuns());
    int failures = 0;
    for (int run = 0; run <= settings.cliRuns(); run++) {
      long before = System.nanoTime();
      Process process = builder.start();
      boolean ended = process.waitFor(CLI_RUN_LIMIT.toSeconds(), TimeUnit.SECONDS);
      long elapsed = System.nanoTime() - before;
      if (!ended || process.exitValue() != 0) {
        process.destroyForcibly();
        failures++;
        progress(
            String.join(" ", command)
                + (ended ? " exited with " + process.exitValue() : " did not end")
                + ": "
                + Files.readString(settings.work().resolve("ssi.err")).strip());
      } else if (run > 0) {
        latencies.record(elapsed);
      }
    }
    return new CliTiming(nodes, arguments, latencies, failures);
  }

  private void emit(String line) throws IOException {
    System.out.println(line);
    Files.writeString(
        settings.out(),
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static void progress(String line) {
    System.err.println("ps bench: " + line);
  }

  /** The 1, 5 and 15 minute load averages. */
  static String load() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static Duration cpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** A number field of /proc/self/status ("Threads", "VmRSS" in KiB); -1 if unreadable. */
  private static long statusField(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name + ":")) {
          return Long.parseLong(line.substring(name.length() + 1).strip().split("\\s+")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Reported as -1.
    }
    return -1;
  }

  /** The heap in use after a full collection (ZGC collects the whole heap on System.gc). */
  private static long heapAfterGcMib() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  private static long openFiles() {
    try (Stream<Path> files = Files.list(Path.of("/proc/self/fd"))) {
      return files.count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static final String USAGE =
      "usage: PsBench --work DIR [--sizes 1,3,10,30,100] [--warmup 10] [--calls 50]"
          + " [--ssi bin/ssi] [--cli-runs 5] [--out FILE]";

  static Settings parse(String[] args) {
    List<Integer> sizes = List.of(1, 3, 10, 30, 100);
    int warmup = 10;
    int calls = 50;
    int cliRuns = 5;
    Path work = null;
    Path out = Path.of("ps-bench.tsv");
    Path ssi = null;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " wants a value; " + USAGE);
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--sizes" -> sizes = Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--calls" -> calls = Integer.parseInt(value);
        case "--cli-runs" -> cliRuns = Integer.parseInt(value);
        case "--work" -> work = Path.of(value);
        case "--out" -> out = Path.of(value);
        case "--ssi" -> ssi = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; " + USAGE);
      }
    }
    if (work == null) {
      throw new IllegalArgumentException("--work is required; " + USAGE);
    }
    for (int i = 0; i < sizes.size(); i++) {
      int size = sizes.get(i);
      int previous = i == 0 ? 0 : sizes.get(i - 1);
      if (size <= previous || size > InProcessCluster.NODES_MAX) {
        throw new IllegalArgumentException(
            "sizes must grow, within 1.." + InProcessCluster.NODES_MAX + ": " + sizes);
      }
    }
    if (warmup < 0 || calls < 1 || cliRuns < 1) {
      throw new IllegalArgumentException(
          "--warmup " + warmup + " (0 or more), --calls " + calls + " and --cli-runs " + cliRuns
              + " (1 or more)");
    }
    return new Settings(sizes, warmup, calls, cliRuns, work, out, ssi);
  }
}
