package org.onefold.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.onefold.client.OnefoldClient;
import org.onefold.e2e.hosts.TestHost;
import org.onefold.e2e.hosts.TestHosts;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * Three real {@code bin/ssid} daemons on test hosts 1..3, one state directory each under the work
 * directory, and an {@link EventFeed} per node. Host k runs at 198.18.0.k; host 1 bootstraps, 2 and
 * 3 join it one at a time. Node numbers are learned from the daemons, not assumed. Every wait here
 * is bounded and throws naming what it waited for.
 */
final class OnefoldCluster implements AutoCloseable {
  static final int HOST_COUNT = 3;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  private final TestHosts hosts;
  private final Path ssid;
  private final Path workDirectory;
  private final Process[] daemons = new Process[HOST_COUNT + 1];
  private final int[] nodeOfHost = new int[HOST_COUNT + 1];
  private final EventFeed[] feeds = new EventFeed[HOST_COUNT + 1];
  private final OnefoldClient[] clients = new OnefoldClient[HOST_COUNT + 1];
  private final List<String> flaps = new ArrayList<>();

  OnefoldCluster(TestHosts hosts, Path ssid, Path workDirectory) {
    this.hosts = hosts;
    this.ssid = ssid;
    this.workDirectory = workDirectory;
  }

  /**
   * Bootstraps on host 1, then joins hosts 2 and 3, each waited for until the cluster shows it up.
   */
  void start() throws InterruptedException {
    startDaemon(1, List.of());
    nodeOfHost[1] = awaitSelfUp(1);
    String token = readToken();
    for (int host = 2; host <= HOST_COUNT; host++) {
      startDaemon(host, List.of("--join", hosts.host(1).address(), "--token", token));
      nodeOfHost[host] = awaitSelfUp(host);
      int joined = nodeOfHost[host];
      awaitCondition(
          "node " + joined + " up as seen by host 1",
          START_TIMEOUT,
          () -> record(1, joined).filter(r -> r.getState() == NodeState.NODE_UP).isPresent());
    }
    for (int host = 1; host <= HOST_COUNT; host++) {
      feeds[host] = new EventFeed(socket(host));
    }
  }

  int node(int host) {
    return nodeOfHost[host];
  }

  int hostOfNode(int node) {
    for (int host = 1; host <= HOST_COUNT; host++) {
      if (nodeOfHost[host] == node) {
        return host;
      }
    }
    throw new IllegalArgumentException("node " + node + " runs on none of hosts 1.." + HOST_COUNT);
  }

  TestHost host(int host) {
    return hosts.host(host);
  }

  EventFeed feed(int host) {
    return feeds[host];
  }

  OnefoldClient client(int host) {
    return clients[host];
  }

  /** The leader as host {@code host} knows it; 0 if none or if the daemon does not answer. */
  int leaderSeenBy(int host) {
    return cluster(host).map(ClusterReply::getLeader).orElse(0);
  }

  /** The node's row in host {@code host}'s table, if that daemon answers. */
  Optional<NodeRecord> record(int host, int node) {
    return cluster(host)
        .flatMap(
            reply ->
                reply.getNodesList().stream()
                    .map(NodeStatus::getRecord)
                    .filter(r -> r.getNode() == node)
                    .findFirst());
  }

  Optional<ClusterReply> cluster(int host) {
    try {
      return Optional.of(clients[host].cluster());
    } catch (RuntimeException notAnswering) {
      return Optional.empty();
    }
  }

  /** SIGKILL to host {@code host}'s daemon; returns System.nanoTime just before the signal. */
  long killDaemon(int host) {
    long pid = daemons[host].pid();
    long before = System.nanoTime();
    hosts.host(host).kill(pid);
    return before;
  }

  /** Waits until the killed daemon has exited, then starts it again on its state directory. */
  void restartDaemon(int host) throws InterruptedException {
    Process old = daemons[host];
    if (!old.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "daemon of host " + host + " (pid " + old.pid() + ") still running");
    }
    startDaemon(host, List.of());
  }

  /**
   * Waits until every node is up in {@code observer}'s table, the node on host {@code host} with an
   * incarnation above {@code incarnationBefore}, and the table has then stayed so, unchanged, for
   * {@code stableFor}: the detector gives a (re)started node a start grace, and detection inside it
   * is not what is measured. A node that goes down meanwhile (a false suspicion on a loaded
   * machine) starts the wait again and is counted in {@link #flaps}. Returns the new incarnation.
   */
  long awaitBackUp(int host, int observer, long incarnationBefore, Duration stableFor)
      throws InterruptedException {
    int node = nodeOfHost[host];
    long deadline = System.nanoTime() + START_TIMEOUT.plus(stableFor).toNanos();
    String stableTable = null;
    long stableSinceNanos = 0;
    boolean wasAllUp = false;
    while (true) {
      Optional<ClusterReply> reply = cluster(observer);
      String table = reply.map(OnefoldCluster::upTable).orElse(null);
      boolean ready =
          table != null
              && reply.get().getNodesList().stream()
                  .map(NodeStatus::getRecord)
                  .anyMatch(r -> r.getNode() == node && r.getIncarnation() > incarnationBefore);
      long now = System.nanoTime();
      if (ready && table.equals(stableTable)) {
        if (now - stableSinceNanos >= stableFor.toNanos()) {
          return record(observer, node).orElseThrow().getIncarnation();
        }
      } else {
        if (wasAllUp && !ready) {
          flaps.add(
              "while waiting for node "
                  + node
                  + ": table of host "
                  + observer
                  + " became "
                  + reply.map(OnefoldCluster::summary).orElse("(no answer)"));
        }
        stableTable = ready ? table : null;
        stableSinceNanos = now;
      }
      wasAllUp = ready;
      if (now - deadline > 0) {
        throw new IllegalStateException(
            "node "
                + node
                + " not up with incarnation above "
                + incarnationBefore
                + " and stable for "
                + stableFor
                + " within "
                + START_TIMEOUT.plus(stableFor)
                + "; table of host "
                + observer
                + ": "
                + reply.map(OnefoldCluster::summary).orElse("-"));
      }
      Thread.sleep(POLL_INTERVAL);
    }
  }

  /** Node and incarnation of every node if all three are up, else null. */
  private static String upTable(ClusterReply reply) {
    if (reply.getNodesCount() != HOST_COUNT
        || !reply.getNodesList().stream()
            .allMatch(status -> status.getRecord().getState() == NodeState.NODE_UP)) {
      return null;
    }
    return summary(reply);
  }

  /** "leader 2; 1 up #3, 2 up #5, 3 down #2": one line for progress and failure messages. */
  static String summary(ClusterReply reply) {
    StringBuilder text = new StringBuilder("leader " + reply.getLeader() + ";");
    for (NodeStatus status : reply.getNodesList()) {
      NodeRecord r = status.getRecord();
      text.append(' ')
          .append(r.getNode())
          .append(r.getState() == NodeState.NODE_UP ? " up #" : " down #")
          .append(r.getIncarnation())
          .append(',');
    }
    return text.toString();
  }

  /** The incarnation of {@code node} in host {@code observer}'s table, asked until it answers. */
  long incarnation(int observer, int node) throws InterruptedException {
    long[] incarnation = new long[1];
    awaitCondition(
        "host " + observer + " to show node " + node,
        Duration.ofSeconds(10),
        () -> {
          Optional<NodeRecord> found = record(observer, node);
          found.ifPresent(r -> incarnation[0] = r.getIncarnation());
          return found.isPresent();
        });
    return incarnation[0];
  }

  /** False suspicions seen while waiting for a restored node to settle. */
  List<String> flaps() {
    return List.copyOf(flaps);
  }

  boolean allUp(int observer) {
    return cluster(observer)
        .map(
            reply ->
                reply.getNodesCount() == HOST_COUNT
                    && reply.getNodesList().stream()
                        .allMatch(status -> status.getRecord().getState() == NodeState.NODE_UP))
        .orElse(false);
  }

  /** The last lines of host {@code host}'s daemon log, for failure messages. */
  String logTail(int host) {
    Path log = directory(host).resolve("ssid.log");
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ")";
    }
  }

  private void startDaemon(int host, List<String> extra) {
    List<String> command =
        new ArrayList<>(
            List.of(
                ssid.toString(),
                "--dir",
                directory(host).toString(),
                "--address",
                hosts.host(host).address()));
    command.addAll(extra);
    daemons[host] =
        hosts.host(host).start(command, workDirectory.resolve("h" + host + ".out"), Map.of());
    if (clients[host] == null) {
      clients[host] = OnefoldClient.connect(socket(host));
    }
  }

  /**
   * Waits until host {@code host}'s daemon answers and shows itself up; returns its node number.
   */
  private int awaitSelfUp(int host) throws InterruptedException {
    int[] self = new int[1];
    awaitCondition(
        "daemon of host " + host + " to answer and show itself up",
        START_TIMEOUT,
        () -> {
          if (!daemons[host].isAlive()) {
            throw new IllegalStateException(
                "daemon of host "
                    + host
                    + " exited with "
                    + daemons[host].exitValue()
                    + "; log:\n"
                    + logTail(host));
          }
          Optional<ClusterReply> reply = cluster(host);
          if (reply.isEmpty() || reply.get().getSelf() == 0) {
            return false;
          }
          self[0] = reply.get().getSelf();
          return reply.get().getNodesList().stream()
              .map(NodeStatus::getRecord)
              .anyMatch(r -> r.getNode() == self[0] && r.getState() == NodeState.NODE_UP);
        });
    return self[0];
  }

  private String readToken() {
    Path file = directory(1).resolve("join-token");
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new IllegalStateException(
          "no join token at " + file + " after bootstrap: " + e.getMessage(), e);
    }
  }

  private Path directory(int host) {
    return workDirectory.resolve("h" + host);
  }

  private Path socket(int host) {
    return directory(host).resolve("ssid.sock");
  }

  @FunctionalInterface
  interface Condition {
    boolean holds() throws InterruptedException;
  }

  static void awaitCondition(String what, Duration timeout, Condition condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(POLL_INTERVAL);
    }
  }

  /** Closes the feeds and clients; the daemons die with the test hosts. */
  @Override
  public void close() {
    for (int host = 1; host <= HOST_COUNT; host++) {
      if (feeds[host] != null) {
        feeds[host].close();
      }
      if (clients[host] != null) {
        clients[host].close();
      }
    }
    for (int host = 1; host <= HOST_COUNT; host++) {
      if (daemons[host] != null) {
        daemons[host].toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        daemons[host].destroyForcibly();
      }
    }
  }
}
