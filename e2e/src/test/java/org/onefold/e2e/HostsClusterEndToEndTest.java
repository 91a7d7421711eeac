package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.client.OnefoldClient;
import org.onefold.e2e.hosts.TestHost;
import org.onefold.e2e.hosts.TestHosts;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * Three daemons on three test hosts (network namespaces on a private bridge, 198.18.0.k), each with
 * its own state directory; the test reaches them through their Unix socket files, as the filesystem
 * is shared. Faults: kill -9, SIGSTOP/SIGCONT, and cutting a host's link. Detection is measured
 * from the fault to the moment the leader's event stream reports the node down. Root only.
 */
class HostsClusterEndToEndTest {
  private static final int HOSTS = 3;
  private static final Duration DOWN_WITHIN = Duration.ofSeconds(1);
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @TempDir Path work;
  private TestHosts hosts;
  private final List<Process> daemons = new ArrayList<>();

  @BeforeEach
  void makeHosts() {
    Optional<String> unavailable = TestHosts.unavailableReason();
    Assumptions.assumeTrue(unavailable.isEmpty(), () -> unavailable.orElseThrow());
    hosts = TestHosts.create(HOSTS);
  }

  @AfterEach
  void removeHosts() {
    daemons.forEach(Process::destroyForcibly);
    if (hosts != null) {
      hosts.close();
    }
  }

  @Test
  @DisplayName(
      "3 hosts: a killed, a paused and a cut-off follower are each shown down and come back with a"
          + " higher incarnation")
  void followersFailInThreeWaysAndComeBack() throws IOException {
    start(1, List.of());
    String token = Files.readString(directory(1).resolve("join-token")).strip();
    for (int host = 2; host <= HOSTS; host++) {
      start(host, List.of("--join", hosts.host(1).address(), "--token", token));
    }
    awaitAllUp(1);

    // kill -9 of a follower, then a restart on the same state directory
    int leader = leaderSeenBy(1);
    int killed = follower(leader, 0);
    long incarnation = incarnation(leader, killed);
    Duration detected;
    try (MembershipWatch watch = MembershipWatch.open(socket(leader))) {
      long sent = System.nanoTime();
      hosts.host(killed).kill(Programs.readPid(directory(killed).resolve("ssid.pid")));
      detected = watch.awaitDown(killed, sent, Duration.ofSeconds(10));
      report("kill -9", killed, leader, detected);
      start(killed, List.of());
      awaitBack(leader, killed, incarnation);
    }
    assertThat(detected)
        .as("kill -9 of node %d to its NodeDown on leader %d", killed, leader)
        .isLessThan(DOWN_WITHIN);

    // SIGSTOP: shown down; SIGCONT: back with a new incarnation
    leader = leaderSeenBy(leader);
    int paused = follower(leader, 1);
    incarnation = incarnation(leader, paused);
    try (MembershipWatch watch = MembershipWatch.open(socket(leader))) {
      long pid = Programs.readPid(directory(paused).resolve("ssid.pid"));
      long sent = System.nanoTime();
      hosts.host(paused).pause(pid);
      Duration pausedDetected = watch.awaitDown(paused, sent, Duration.ofSeconds(10));
      report("SIGSTOP", paused, leader, pausedDetected);
      hosts.host(paused).resume(pid);
      awaitBack(leader, paused, incarnation);
    }

    // a cut link: shown down within 1 s; restored: back with a new incarnation
    leader = leaderSeenBy(leader);
    int cut = follower(leader, 0);
    incarnation = incarnation(leader, cut);
    Duration cutDetected;
    try (MembershipWatch watch = MembershipWatch.open(socket(leader))) {
      long sent = System.nanoTime();
      hosts.host(cut).cutLink();
      cutDetected = watch.awaitDown(cut, sent, Duration.ofSeconds(10));
      report("cut link", cut, leader, cutDetected);
      hosts.host(cut).restoreLink();
      awaitBack(leader, cut, incarnation);
    }
    assertThat(cutDetected)
        .as("cut link of node %d to its NodeDown on leader %d", cut, leader)
        .isLessThan(DOWN_WITHIN);
  }

  private void start(int host, List<String> extra) {
    TestHost testHost = hosts.host(host);
    List<String> command =
        new ArrayList<>(
            List.of(
                Programs.ssid().toString(),
                "--dir",
                directory(host).toString(),
                "--address",
                testHost.address()));
    command.addAll(extra);
    Path log = work.resolve("h" + host + ".out");
    long before = lines(log);
    daemons.add(testHost.start(command, log, Map.of()));
    await("ssid up on host " + host)
        .atMost(Daemon.START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                readLines(log).stream()
                    .skip(before)
                    .anyMatch(
                        line ->
                            line.startsWith("ssid: node ") && line.contains(" up (incarnation ")));
  }

  private void awaitAllUp(int node) {
    await("all " + HOSTS + " nodes up")
        .atMost(GENEROUS)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                cluster(node)
                    .map(
                        reply ->
                            reply.getNodesCount() == HOSTS
                                && reply.getLeader() != 0
                                && reply.getNodesList().stream()
                                    .allMatch(
                                        status ->
                                            status.getRecord().getState() == NodeState.NODE_UP))
                    .orElse(false));
  }

  private void awaitBack(int leader, int node, long incarnationBefore) {
    await("node " + node + " up again")
        .atMost(GENEROUS)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                record(leader, node)
                    .filter(
                        status ->
                            status.getRecord().getState() == NodeState.NODE_UP
                                && status.getRecord().getIncarnation() > incarnationBefore)
                    .isPresent());
  }

  private int leaderSeenBy(int node) {
    return await("a leader")
        .atMost(GENEROUS)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> cluster(node).map(ClusterReply::getLeader).orElse(0), leader -> leader != 0);
  }

  /** The index-th node other than the leader. */
  private int follower(int leader, int index) {
    List<Integer> followers = new ArrayList<>();
    for (int node = 1; node <= HOSTS; node++) {
      if (node != leader) {
        followers.add(node);
      }
    }
    return followers.get(index);
  }

  private long incarnation(int asking, int node) {
    return record(asking, node).orElseThrow().getRecord().getIncarnation();
  }

  private Optional<NodeStatus> record(int asking, int node) {
    return cluster(asking)
        .flatMap(
            reply ->
                reply.getNodesList().stream()
                    .filter(status -> status.getRecord().getNode() == node)
                    .findFirst());
  }

  private Optional<ClusterReply> cluster(int node) {
    try (OnefoldClient client = OnefoldClient.connect(socket(node))) {
      return Optional.of(client.cluster());
    } catch (RuntimeException notAnswering) {
      return Optional.empty();
    }
  }

  private static void report(String fault, int node, int leader, Duration detected) {
    System.out.printf(
        "hosts: %s of node %d shown down by leader %d after %d ms%n",
        fault, node, leader, detected.toMillis());
  }

  /** Node k runs on host k: the hosts join in order, so the cluster numbers them so. */
  private Path directory(int host) {
    return work.resolve("h" + host);
  }

  private Path socket(int node) {
    return directory(node).resolve("ssid.sock");
  }

  private static long lines(Path file) {
    return readLines(file).size();
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }
}
