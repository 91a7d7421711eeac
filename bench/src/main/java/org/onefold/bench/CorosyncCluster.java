package org.onefold.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.onefold.e2e.hosts.ProcessResult;
import org.onefold.e2e.hosts.TestHost;
import org.onefold.e2e.hosts.TestHosts;

/**
 * Three corosync 3 daemons (knet transport, Debian's defaults for every timing) on test hosts 1..3,
 * node id k at 198.18.0.k.
 *
 * <p>corosync's config, run, state and log paths are fixed, so each daemon runs in a mount
 * namespace of its own ({@code unshare -m}, private propagation, inside the host's network
 * namespace) with a private directory bound over each of {@code /etc/corosync}, {@code
 * /var/lib/corosync}, {@code /var/log/corosync} and {@code /run}: its lock and pid file is {@code
 * /var/run/corosync.pid}, outside {@code /run/corosync}, so a second corosync on the machine finds
 * the first one's lock unless all of {@code /run} is private (corosync needs nothing else there).
 * Nothing is bound in the machine's own mount namespace. Its IPC (libqb) uses abstract Unix
 * sockets, which belong to the network namespace, so {@code corosync-quorumtool} run in a host's
 * network namespace talks to that host's corosync.
 */
final class CorosyncCluster implements AutoCloseable {
  static final int HOST_COUNT = 3;
  private static final List<String> FIXED_DIRECTORIES =
      List.of("/etc/corosync", "/run", "/var/lib/corosync", "/var/log/corosync");
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(60);

  private final TestHosts hosts;
  private final Path workDirectory;
  private final Process[] daemons = new Process[HOST_COUNT + 1];

  CorosyncCluster(TestHosts hosts, Path workDirectory) {
    this.hosts = hosts;
    this.workDirectory = workDirectory;
  }

  /** Starts corosync on every host and waits until every host's membership shows all three. */
  void start() throws InterruptedException {
    for (int host = 1; host <= HOST_COUNT; host++) {
      writeConfig(host);
    }
    for (int host = 1; host <= HOST_COUNT; host++) {
      startDaemon(host);
    }
    awaitFormed();
  }

  /** The totem timings corosync runs with, as host 1's cmap shows them: token, consensus, join. */
  String timings() {
    StringBuilder text = new StringBuilder();
    for (String key :
        List.of("token", "consensus", "join", "token_retransmits_before_loss_const")) {
      ProcessResult result =
          hosts.host(1).run(TOOL_TIMEOUT, "corosync-cmapctl", "-g", "runtime.config.totem." + key);
      text.append(result.succeeded() ? result.output().strip() : key + ": ?").append("; ");
    }
    return text.toString();
  }

  TestHost host(int host) {
    return hosts.host(host);
  }

  /** SIGKILL to host {@code host}'s corosync; returns System.nanoTime just before the signal. */
  long killDaemon(int host) {
    long pid = daemons[host].pid();
    long before = System.nanoTime();
    hosts.host(host).kill(pid);
    return before;
  }

  void restartDaemon(int host) throws InterruptedException {
    Process old = daemons[host];
    if (!old.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "corosync of host " + host + " (pid " + old.pid() + ") still running");
    }
    startDaemon(host);
  }

  /**
   * Node ids in host {@code observer}'s current membership, from {@code corosync-quorumtool -l};
   * empty if the tool fails (corosync starting, or gone).
   */
  Set<Integer> members(int observer) {
    ProcessResult result = hosts.host(observer).run(TOOL_TIMEOUT, "corosync-quorumtool", "-l");
    Set<Integer> members = new TreeSet<>();
    if (!result.succeeded()) {
      return members;
    }
    // Lines after the header: "         1          1 198.18.0.1 (local)"
    for (String line : result.output().lines().toList()) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length >= 3 && fields[0].matches("\\d+") && fields[1].matches("\\d+")) {
        members.add(Integer.parseInt(fields[0]));
      }
    }
    return members;
  }

  /** Waits until every host's membership shows all three nodes. */
  void awaitFormed() throws InterruptedException {
    Set<Integer> all = Set.of(1, 2, 3);
    OnefoldCluster.awaitCondition(
        "corosync membership {1, 2, 3} on every host",
        FORM_TIMEOUT,
        () -> {
          for (int host = 1; host <= HOST_COUNT; host++) {
            if (!daemons[host].isAlive()) {
              throw new IllegalStateException(
                  "corosync of host "
                      + host
                      + " exited with "
                      + daemons[host].exitValue()
                      + "; log:\n"
                      + logTail(host));
            }
            if (!members(host).equals(all)) {
              return false;
            }
          }
          return true;
        });
  }

  String logTail(int host) {
    Path out = workDirectory.resolve("h" + host + ".out");
    Path log = directory(host).resolve("log/corosync.log");
    return tail(out) + "\n" + tail(log);
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(nothing at " + file + ")";
    }
  }

  private void startDaemon(int host) {
    Path root = directory(host);
    StringBuilder script = new StringBuilder("set -e; ");
    for (String fixed : FIXED_DIRECTORIES) {
      script
          .append("mount --bind '")
          .append(root.resolve(bindName(fixed)))
          .append("' ")
          .append(fixed)
          .append("; ");
    }
    script.append("exec corosync -f");
    List<String> command =
        List.of("unshare", "-m", "--propagation", "private", "sh", "-c", script.toString());
    daemons[host] =
        hosts.host(host).start(command, workDirectory.resolve("h" + host + ".out"), Map.of());
  }

  private void writeConfig(int host) {
    Path root = directory(host);
    try {
      for (String fixed : FIXED_DIRECTORIES) {
        Files.createDirectories(root.resolve(bindName(fixed)));
      }
      Files.createDirectories(root.resolve("run/corosync"));
      Files.writeString(root.resolve("etc/corosync.conf"), config());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot write corosync directories under " + root + ": " + e, e);
    }
  }

  /** knet, no crypto, votequorum, the three hosts; every timing left at corosync's default. */
  private String config() {
    StringBuilder nodes = new StringBuilder();
    for (int host = 1; host <= HOST_COUNT; host++) {
      nodes
          .append("  node {\n    name: h")
          .append(host)
          .append("\n    nodeid: ")
          .append(host)
          .append("\n    ring0_addr: ")
          .append(hosts.host(host).address())
          .append("\n  }\n");
    }
    return """
    totem {
      version: 2
      cluster_name: onefold-bench
      transport: knet
      crypto_cipher: none
      crypto_hash: none
    }
    logging {
      to_stderr: yes
      to_logfile: yes
      logfile: /var/log/corosync/corosync.log
      to_syslog: no
      timestamp: on
    }
    quorum {
      provider: corosync_votequorum
    }
    nodelist {
    """
        + nodes
        + "}\n";
  }

  private static String bindName(String fixed) {
    return switch (fixed) {
      case "/etc/corosync" -> "etc";
      case "/run" -> "run";
      case "/var/lib/corosync" -> "lib";
      case "/var/log/corosync" -> "log";
      default -> throw new IllegalArgumentException("no private directory for " + fixed);
    };
  }

  private Path directory(int host) {
    return workDirectory.resolve("h" + host);
  }

  @Override
  public void close() {
    for (int host = 1; host <= HOST_COUNT; host++) {
      if (daemons[host] != null) {
        daemons[host].destroyForcibly();
      }
    }
  }
}
