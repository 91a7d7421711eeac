package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;

/**
 * A local cluster of three real daemons, run the way a user runs one: {@code ssi up}, {@code ssi
 * cluster --json}, {@code ssi reg}, {@code kill -9}, {@code ssi up} again, {@code ssi down
 * --purge}. Detection is measured from the kill to the moment the leader's event stream (started
 * before the kill) reports the node down.
 *
 * <p>The daemons listen on random free ports (SSID_RPC_PORT and SSID_RAFT_PORT, which {@code ssi
 * up} passes on to them): other work on this machine may hold the default ports on 127.0.1.k.
 */
class LocalClusterEndToEndTest {
  private static final int NODES = 3;

  /** The goal for a follower's death, as seen by the leader. */
  private static final Duration FOLLOWER_DOWN_WITHIN = Duration.ofSeconds(1);

  /** The goal for a new leader to take office; benchmarks measure the real figure. */
  private static final Duration NEW_LEADER_WITHIN = Duration.ofSeconds(2);

  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @TempDir Path temporary;
  private Path cluster;
  private Map<String, String> environment;

  @BeforeEach
  void chooseTheClusterDirectoryAndPorts() {
    cluster = temporary.resolve("cluster");
    environment = new HashMap<>();
    environment.put("HOME", temporary.toString());
    environment.put("ONEFOLD_CLUSTER_DIR", cluster.toString());
    environment.put("SSID_RPC_PORT", Integer.toString(Programs.freePort()));
    environment.put("SSID_RAFT_PORT", Integer.toString(Programs.freePort()));
  }

  @AfterEach
  void stopEveryDaemon() {
    if (Files.exists(cluster)) {
      Programs.ssi(temporary, environment, "down", "--dir", cluster.toString(), "--purge");
    }
    for (int node = 1; node <= NODES; node++) {
      Path pidFile = cluster.resolve("node" + node).resolve("ssid.pid");
      if (Files.exists(pidFile)) {
        ProcessHandle.of(Programs.readPid(pidFile)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  @DisplayName(
      "a killed follower is shown down within 1 s, comes back with a higher incarnation, and the"
          + " registry keeps every key")
  void killedFollowerIsDetectedAndComesBack() {
    up();
    ClusterView before = awaitCluster(1, view -> view.allUp(NODES) && view.leader() != 0);
    Map<String, String> keys = putKeys();

    int leader = before.leader();
    int follower =
        before.nodes().stream()
            .mapToInt(ClusterView.Member::node)
            .filter(node -> node != leader)
            .findFirst()
            .orElseThrow();
    long followerIncarnation = before.member(follower).orElseThrow().incarnation();
    Duration detected;
    try (MembershipWatch watch = MembershipWatch.open(socket(leader))) {
      long killed = Programs.killHard(Programs.readPid(pidFile(follower)));
      detected = watch.awaitDown(follower, killed, Duration.ofSeconds(10));
    }
    System.out.printf(
        "local: follower %d killed, shown down by leader %d after %d ms%n",
        follower, leader, detected.toMillis());
    assertThat(detected)
        .as("kill -9 of follower %d to its NodeDown on leader %d", follower, leader)
        .isLessThan(FOLLOWER_DOWN_WITHIN);
    ClusterView down = cluster(leader);
    assertThat(down.member(follower).orElseThrow().state()).isEqualTo("down");

    up();
    ClusterView after = awaitCluster(leader, view -> view.allUp(NODES));
    assertThat(after.member(follower).orElseThrow().incarnation())
        .as("node %d's incarnation after its restart", follower)
        .isGreaterThan(followerIncarnation);
    assertKeysReadBack(keys, follower);
    assertKeysReadBack(keys, leader);

    downAndPurge();
  }

  @Test
  @DisplayName(
      "a killed leader is replaced within 2 s, comes back with a higher incarnation, and the"
          + " registry keeps every key")
  void killedLeaderIsReplaced() {
    up();
    ClusterView before =
        awaitCluster(
            1,
            view ->
                view.allUp(NODES)
                    && view.leader() != 0
                    && view.nodes().stream()
                            .filter(member -> !member.role().equals("nonvoter"))
                            .count()
                        == NODES);
    Map<String, String> keys = putKeys();
    int leader = before.leader();
    int survivor =
        before.nodes().stream()
            .mapToInt(ClusterView.Member::node)
            .filter(node -> node != leader)
            .findFirst()
            .orElseThrow();
    long leaderIncarnation = before.member(leader).orElseThrow().incarnation();

    long killed = Programs.killHard(Programs.readPid(pidFile(leader)));
    int newLeader;
    try (OnefoldClient client = OnefoldClient.connect(socket(survivor))) {
      newLeader =
          await("a leader other than node " + leader)
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(20))
              .until(() -> leaderSeenBy(client), seen -> seen != 0 && seen != leader);
    }
    Duration elected = Duration.ofNanos(System.nanoTime() - killed);
    System.out.printf(
        "local: leader %d killed, node %d shows leader %d after %d ms%n",
        leader, survivor, newLeader, elected.toMillis());
    assertThat(elected)
        .as("kill -9 of leader %d to a new leader seen by node %d", leader, survivor)
        .isLessThan(NEW_LEADER_WITHIN);

    await("node " + leader + " shown down")
        .atMost(GENEROUS)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> cluster(newLeader).member(leader).map(ClusterView.Member::state),
            state -> state.equals(Optional.of("down")));
    System.out.printf(
        "local: old leader %d shown down after %d ms%n",
        leader, Duration.ofNanos(System.nanoTime() - killed).toMillis());

    up();
    ClusterView after = awaitCluster(newLeader, view -> view.allUp(NODES));
    assertThat(after.member(leader).orElseThrow().incarnation())
        .as("node %d's incarnation after its restart", leader)
        .isGreaterThan(leaderIncarnation);
    assertKeysReadBack(keys, leader);
    assertKeysReadBack(keys, survivor);

    downAndPurge();
  }

  private void up() {
    Programs.Result up =
        Programs.ssi(
            temporary,
            environment,
            "up",
            "--nodes",
            Integer.toString(NODES),
            "--dir",
            cluster.toString());
    assertThat(up.status()).as(up.describe()).isZero();
  }

  private void downAndPurge() {
    Programs.Result down =
        Programs.ssi(temporary, environment, "down", "--dir", cluster.toString(), "--purge");
    assertThat(down.status()).as(down.describe()).isZero();
    assertThat(cluster).doesNotExist();
  }

  private Map<String, String> putKeys() {
    Map<String, String> keys = new LinkedHashMap<>();
    for (int index = 1; index <= 5; index++) {
      keys.put("e2e/key" + index, "value " + index + " of the local cluster test");
    }
    keys.forEach(
        (key, value) -> {
          Programs.Result put = Programs.ssi(temporary, on(1), "reg", "put", key, value);
          assertThat(put.status()).as(put.describe()).isZero();
        });
    return keys;
  }

  private void assertKeysReadBack(Map<String, String> keys, int node) {
    keys.forEach(
        (key, value) -> {
          Programs.Result get = Programs.ssi(temporary, on(node), "reg", "get", key);
          assertThat(get.status()).as(get.describe()).isZero();
          assertThat(get.out().strip()).as("%s read on node %d", key, node).isEqualTo(value);
        });
  }

  private int leaderSeenBy(OnefoldClient client) {
    try {
      return client.cluster().getLeader();
    } catch (OnefoldException noAnswerYet) {
      return 0;
    }
  }

  private ClusterView awaitCluster(int node, java.util.function.Predicate<ClusterView> goal) {
    return await("the node table on node " + node)
        .atMost(GENEROUS)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> cluster(node), goal);
  }

  /** ssi cluster --json on node. */
  private ClusterView cluster(int node) {
    Programs.Result result = Programs.ssi(temporary, on(node), "cluster", "--json");
    assertThat(result.status()).as(result.describe()).isZero();
    return ClusterView.parse(result.out());
  }

  private Map<String, String> on(int node) {
    Map<String, String> onNode = new HashMap<>(environment);
    onNode.put("SSI_SOCKET", socket(node).toString());
    return onNode;
  }

  private Path socket(int node) {
    return cluster.resolve("node" + node).resolve("ssid.sock");
  }

  private Path pidFile(int node) {
    return cluster.resolve("node" + node).resolve("ssid.pid");
  }
}
