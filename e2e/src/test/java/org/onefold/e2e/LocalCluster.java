package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A local cluster of real daemons made with {@code ssi up} under a test's directory, on free ports
 * (other work on this machine may hold the default ones), and the way to run {@code bin/ssi}
 * against one of its nodes. Closing it runs {@code ssi down --purge} and kills what is left.
 */
final class LocalCluster implements AutoCloseable {
  /** Set in every run's environment, to see that the caller's environment travels. */
  static final Map<String, String> TRAVELLING = Map.of("ONEFOLD_TEST", "travels");

  private final Path work;
  private final Path directory;
  private final int nodes;
  private final Map<String, String> environment = new HashMap<>();

  private LocalCluster(Path work, int nodes, boolean sharedPaths, Map<String, String> settings) {
    this.work = work;
    this.directory = work.resolve("cluster");
    this.nodes = nodes;
    if (!sharedPaths) {
      environment.put("SSID_SHARED_PATHS", "none");
    }
    environment.put("HOME", work.toString());
    environment.put("ONEFOLD_CLUSTER_DIR", directory.toString());
    environment.put("SSID_RPC_PORT", Integer.toString(Programs.freePort()));
    environment.put("SSID_RAFT_PORT", Integer.toString(Programs.freePort()));
    environment.putAll(TRAVELLING);
    environment.putAll(settings);
  }

  /** Skips the test, saying why, unless the daemons can mount the cluster filesystem here. */
  static void assumeMounts() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new com.sun.security.auth.module.UnixSystem().getUid() == 0
            && Files.exists(Path.of("/dev/fuse")),
        "needs root and /dev/fuse: the daemons mount the cluster filesystem with FUSE");
  }

  /**
   * Starts nodes daemons and returns when all are up. Their programs see the machine's own /tmp,
   * /home and /srv, not the cluster filesystem's: the tests give them files in their temporary
   * directories (under /tmp), and run bin/ssi from a clone that may lie under /tmp too.
   */
  static LocalCluster up(Path work, int nodes) {
    return up(work, nodes, false, Map.of());
  }

  /** As {@link #up(Path, int)}, with daemon settings as SSID_ variables (SSID_DOWN_AFTER=...). */
  static LocalCluster up(Path work, int nodes, Map<String, String> settings) {
    return up(work, nodes, false, settings);
  }

  /**
   * Starts nodes daemons as {@code ssi up} makes them, and returns when all are up: their programs
   * run in the cluster view, where /tmp, /home and /srv are the cluster filesystem's.
   */
  static LocalCluster upWithClusterView(Path work, int nodes) {
    return up(work, nodes, true, Map.of());
  }

  private static LocalCluster up(
      Path work, int nodes, boolean sharedPaths, Map<String, String> settings) {
    LocalCluster cluster = new LocalCluster(work, nodes, sharedPaths, settings);
    Programs.Result up =
        Programs.ssi(
            work,
            cluster.environment,
            "up",
            "--nodes",
            Integer.toString(nodes),
            "--dir",
            cluster.directory.toString());
    if (up.status() != 0) {
      cluster.close();
    }
    assertThat(up.status()).as(up.describe()).isZero();
    return cluster;
  }

  /** The environment in which bin/ssi talks to node. */
  Map<String, String> environmentOf(int node) {
    Map<String, String> on = new HashMap<>(environment);
    on.put("SSI_SOCKET", directory.resolve("node" + node).resolve("ssid.sock").toString());
    return on;
  }

  /** Where node k mounts the cluster filesystem (/cluster in its cluster view). */
  Path mountOf(int node) {
    return directory.resolve("node" + node).resolve("cluster");
  }

  /** Runs bin/ssi with arguments against node, from the test's directory. */
  Programs.Result ssiOn(int node, String... arguments) {
    return Programs.ssi(work, environmentOf(node), arguments);
  }

  /** Runs bin/ssi with arguments against node, its stdin read from input. */
  Programs.Result ssiOnWithInput(int node, Path input, String... arguments) {
    return Programs.ssiWithInput(work, environmentOf(node), input, arguments);
  }

  /** Runs bin/ssi with arguments against node, from directory. */
  Programs.Result ssiOnIn(Path directory, int node, String... arguments) {
    return Programs.runIn(
        directory,
        work,
        environmentOf(node),
        Optional.empty(),
        Programs.withProgram(Programs.ssi(), arguments));
  }

  /**
   * Starts bin/ssi with arguments against node without waiting for it, its output in files named
   * after label in the cluster's work directory.
   */
  Process ssiInBackground(int node, String label, String... arguments) throws java.io.IOException {
    ProcessBuilder builder =
        new ProcessBuilder(Programs.withProgram(Programs.ssi(), arguments))
            .redirectOutput(work.resolve(label + ".out").toFile())
            .redirectError(work.resolve(label + ".err").toFile());
    builder.environment().putAll(environmentOf(node));
    return builder.start();
  }

  /** What bin/ssi started with label printed on stderr so far. */
  String errOf(String label) throws java.io.IOException {
    return Files.readString(work.resolve(label + ".err"));
  }

  /**
   * The process whose command line is "sleep marker" (tests start such sleeps with unusual
   * durations as markers), not a JVM that passes it on.
   */
  static Optional<ProcessHandle> sleeping(String marker) {
    return ProcessHandle.allProcesses()
        .filter(
            process ->
                process
                    .info()
                    .commandLine()
                    .map(line -> line.endsWith("sleep " + marker) && !line.contains("java"))
                    .orElse(false))
        .findFirst();
  }

  /** Kills node's daemon with SIGKILL, as a crash would; bounded wait for its end. */
  void kill(int node) throws InterruptedException {
    Path pidFile = directory.resolve("node" + node).resolve("ssid.pid");
    Optional<ProcessHandle> daemon = ProcessHandle.of(Programs.readPid(pidFile));
    daemon.ifPresent(ProcessHandle::destroyForcibly);
    if (daemon.isPresent()) {
      daemon.get().onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    }
  }

  /** Starts the nodes that are not running (ssi up on the same directory). */
  void restart() {
    Programs.Result up = Programs.ssi(work, environment, "up", "--dir", directory.toString());
    assertThat(up.status()).as(up.describe()).isZero();
  }

  @Override
  public void close() {
    if (Files.exists(directory)) {
      Programs.ssi(work, environment, "down", "--dir", directory.toString(), "--purge");
    }
    for (int node = 1; node <= nodes; node++) {
      Path pidFile = directory.resolve("node" + node).resolve("ssid.pid");
      if (Files.exists(pidFile)) {
        ProcessHandle.of(Programs.readPid(pidFile)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
