package org.onefold.e2e.hosts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Test hosts: network namespaces on a private bridge, for end-to-end tests that run real daemons
 * and then kill, pause or cut off a host.
 *
 * <pre>
 *   root namespace (the test JVM; reaches daemons only through Unix socket files)
 *
 *     bridge ofb&lt;id&gt;: no address, IPv6 off, no forwarding or NAT to anything
 *       |                  |                         |
 *     of&lt;id&gt;p1           of&lt;id&gt;p2        ...       of&lt;id&gt;pN     bridge-side veth ends;
 *       |                  |                         |         cutLink sets one down
 *   +---|--------------+ +---|--------------+     +---|--------------+
 *   | eth0 198.18.0.1  | | eth0 198.18.0.2  |     | eth0 198.18.0.N  |
 *   | lo   127.0.0.1   | | lo   127.0.0.1   |     | lo   127.0.0.1   |
 *   | netns of&lt;id&gt;h1   | | netns of&lt;id&gt;h2   |     | netns of&lt;id&gt;hN   |
 *   +------------------+ +------------------+     +------------------+
 * </pre>
 *
 * <p>Why this shape: tests must send traffic only to loopback and to these hosts. A host's only
 * routes are 198.18.0.0/24 on eth0 and its loopback; there is no default route (checked at
 * creation), and the bridge has no address in the root namespace, so a packet for anywhere else
 * fails at the sender with "Network is unreachable" and nothing leaves the machine. 198.18.0.0/15
 * is reserved for benchmarking (RFC 2544), so the addresses clash with no real network. Two
 * instances at once both use 198.18.0.0/24, which is fine: each bridge is its own layer-2 segment
 * and each namespace its own routing table, so the two sets of hosts never see each other.
 *
 * <p>The mount namespace is shared ({@code ip netns exec} only remounts /sys), so a daemon's Unix
 * socket file is reachable from the test at the path the daemon chose.
 *
 * <p>Names carry a 4-hex-digit run id (see {@link Runs}) so that parallel runs don't collide and
 * leftovers of crashed runs can be found and removed at the next create. {@link #close} is
 * idempotent and also runs as a JVM shutdown hook.
 */
public final class TestHosts implements AutoCloseable {

  public static final int HOST_COUNT_MAX = 16;
  static final String ADDRESS_PREFIX = "198.18.0.";
  static final int PREFIX_LENGTH = 24;
  private static final Duration PROCESS_EXIT_TIMEOUT = Duration.ofSeconds(5);
  private static final Path IPV6_SETTINGS = Path.of("/proc/sys/net/ipv6/conf");

  private final String runId;
  private final List<TestHost> hosts;
  private final Thread shutdownHook;

  /** Processes started through the hosts; any thread adds, close drains. */
  private final Queue<Process> startedProcesses = new ConcurrentLinkedQueue<>();

  private boolean closed; // guarded by this

  private TestHosts(String runId, int count) {
    this.runId = runId;
    List<TestHost> made = new ArrayList<>();
    for (int number = 1; number <= count; number++) {
      made.add(
          new TestHost(
              this, number, Runs.namespace(runId, number), Runs.bridgePort(runId, number)));
    }
    this.hosts = List.copyOf(made);
    this.shutdownHook = Thread.ofPlatform().unstarted(this::closeFromShutdownHook);
  }

  /**
   * Makes a bridge and {@code count} hosts, numbered 1..count, host k at 198.18.0.k. Removes
   * leftovers of crashed earlier runs first.
   *
   * @throws IllegalStateException if {@link #unavailableReason()} gives a reason
   */
  public static TestHosts create(int count) {
    if (count < 1 || count > HOST_COUNT_MAX) {
      throw new IllegalArgumentException("host count " + count + " not in 1.." + HOST_COUNT_MAX);
    }
    unavailableReason()
        .ifPresent(
            reason -> {
              throw new IllegalStateException("test hosts unavailable: " + reason);
            });
    cleanupStale();
    var testHosts = new TestHosts(Runs.claim(), count);
    Runtime.getRuntime().addShutdownHook(testHosts.shutdownHook);
    try {
      testHosts.build();
    } catch (RuntimeException e) {
      try {
        testHosts.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return testHosts;
  }

  /**
   * Why test hosts cannot be made here, or empty if they can. Never throws. Use it as {@code
   * assumeTrue(reason.isEmpty(), () -> reason.orElseThrow())} so a skip says why.
   */
  public static Optional<String> unavailableReason() {
    return Availability.REASON;
  }

  /** Removes namespaces, links and owner files of earlier runs whose JVM is gone. */
  public static void cleanupStale() {
    Runs.cleanupStale();
  }

  /**
   * True once {@code process} is gone or a zombie. Prefer it to {@link ProcessHandle#isAlive} when
   * waiting for a killed daemon: orphans may stay zombies for a second or more before init reaps
   * them.
   */
  public static boolean hasExited(ProcessHandle process) {
    return Commands.hasExited(process);
  }

  public String runId() {
    return runId;
  }

  public String bridge() {
    return Runs.bridge(runId);
  }

  public List<TestHost> hosts() {
    return hosts;
  }

  /** Host {@code number}, 1-based like its address 198.18.0.number. */
  public TestHost host(int number) {
    if (number < 1 || number > hosts.size()) {
      throw new IllegalArgumentException(
          "host " + number + " not in 1.." + hosts.size() + " of run " + runId);
    }
    return hosts.get(number - 1);
  }

  /**
   * Kills every process tree started on the hosts and anything else left in their namespaces, then
   * deletes the namespaces, veths and bridge. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // Called from the hook itself or during shutdown; nothing to unregister.
    }
    // Tear down even if some process would not die, and report both failures.
    RuntimeException failure = null;
    try {
      killStartedProcesses();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      Runs.tearDown(runId);
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  synchronized void register(Process process) {
    if (closed) {
      Commands.destroyTree(process.toHandle());
      throw new IllegalStateException(
          "test hosts of run " + runId + " are closed; killed " + process.pid());
    }
    startedProcesses.add(process);
  }

  private void build() {
    String bridge = bridge();
    Commands.check(Runs.ip("link", "add", "name", bridge, "type", "bridge"));
    disableIpv6(bridge);
    Commands.check(Runs.ip("link", "set", bridge, "up"));
    for (TestHost host : hosts) {
      buildHost(host, bridge);
    }
  }

  private void buildHost(TestHost host, String bridge) {
    String namespace = host.namespace();
    String hostLink = namespace;
    Commands.check(Runs.ip("netns", "add", namespace));
    Commands.check(
        Runs.ip(
            "link", "add", "name", hostLink, "type", "veth", "peer", "name", host.bridgePort()));
    disableIpv6(host.bridgePort());
    Commands.check(Runs.ip("link", "set", host.bridgePort(), "master", bridge, "up"));
    Commands.check(Runs.ip("link", "set", hostLink, "netns", namespace));
    Commands.check(Runs.ip("-n", namespace, "link", "set", hostLink, "name", "eth0"));
    Commands.check(
        Runs.ip(
            "-n",
            namespace,
            "address",
            "add",
            host.address() + "/" + PREFIX_LENGTH,
            "dev",
            "eth0"));
    Commands.check(Runs.ip("-n", namespace, "link", "set", "eth0", "up"));
    Commands.check(Runs.ip("-n", namespace, "link", "set", "lo", "up"));
    for (String family : List.of("-4", "-6")) {
      String defaultRoutes =
          Commands.check(Runs.ip("-n", namespace, family, "route", "show", "default")).output();
      if (!defaultRoutes.isBlank()) {
        throw new IllegalStateException(
            "host "
                + host.number()
                + " (namespace "
                + namespace
                + ") has a default route, but test hosts must have no route out: "
                + defaultRoutes.strip());
      }
    }
  }

  /**
   * Keeps root-namespace links on the bridge without an IPv6 link-local address, so the root
   * namespace has no address the hosts could reach. A kernel without IPv6 has no settings directory
   * and needs nothing.
   */
  private static void disableIpv6(String link) {
    Path setting = IPV6_SETTINGS.resolve(link).resolve("disable_ipv6");
    if (!Files.exists(setting)) {
      return;
    }
    try {
      Files.writeString(setting, "1\n");
    } catch (IOException e) {
      throw new CommandFailedException("cannot write 1 to " + setting + ": " + e.getMessage(), e);
    }
  }

  private void killStartedProcesses() {
    List<ProcessHandle> killed = new ArrayList<>();
    for (Process process; (process = startedProcesses.poll()) != null; ) {
      ProcessHandle root = process.toHandle();
      killed.add(root);
      killed.addAll(root.descendants().toList());
      Commands.destroyTree(root);
    }
    Commands.awaitExit(killed, PROCESS_EXIT_TIMEOUT, "run " + runId);
  }

  private void closeFromShutdownHook() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("test hosts of run " + runId + " not fully removed at exit: " + e);
    }
  }

  static Path ipExecutable() {
    return Availability.IP.orElseThrow(() -> new IllegalStateException(Availability.IP_MISSING));
  }

  /**
   * Checked once per JVM: root, iproute2, and whether the kernel lets us make namespaces and
   * bridges.
   */
  private static final class Availability {
    static final String IP_MISSING = "needs iproute2: apt-get install iproute2";
    static final Optional<Path> IP = Commands.findExecutable("ip");
    static final Optional<String> REASON = probe();

    private static Optional<String> probe() {
      try {
        if (!isRoot()) {
          return Optional.of("needs root: network namespaces");
        }
        if (IP.isEmpty()) {
          return Optional.of(IP_MISSING);
        }
        // A claimed run id, so the probe cannot collide with a live run of another JVM.
        String probeRun = Runs.claim();
        try {
          ProcessResult added =
              Commands.run(
                  Commands.TIMEOUT_DEFAULT, Runs.ip("netns", "add", Runs.namespace(probeRun, 0)));
          if (!added.succeeded()) {
            return Optional.of("network namespaces not permitted: " + added.describe());
          }
          ProcessResult bridged =
              Commands.run(
                  Commands.TIMEOUT_DEFAULT,
                  Runs.ip("link", "add", "name", Runs.bridge(probeRun), "type", "bridge"));
          if (!bridged.succeeded()) {
            return Optional.of("bridge devices not available: " + bridged.describe());
          }
        } finally {
          Runs.tearDown(probeRun);
        }
        return Optional.empty();
      } catch (RuntimeException | IOException e) {
        return Optional.of("cannot check for test-host support: " + e);
      }
    }

    /** Effective uid from /proc/self/status, line "Uid: real effective saved filesystem". */
    private static boolean isRoot() throws IOException {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(line -> line.startsWith("Uid:"))
          .map(line -> line.split("\\s+")[2])
          .findFirst()
          .map("0"::equals)
          .orElse(false);
    }
  }
}
