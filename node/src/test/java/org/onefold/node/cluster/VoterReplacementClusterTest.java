package org.onefold.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.onefold.node.cluster.InProcessCluster.WAIT;
import static org.onefold.node.cluster.InProcessCluster.WAIT_LONG;
import static org.onefold.node.cluster.InProcessCluster.isDown;
import static org.onefold.node.cluster.InProcessCluster.nonvoters;
import static org.onefold.node.cluster.InProcessCluster.up;
import static org.onefold.node.cluster.InProcessCluster.voters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.proto.local.ClusterReply;

/**
 * Losing voters one after another: the group keeps a quorum, and with spare nodes it gets its
 * voters back.
 */
class VoterReplacementClusterTest {
  @TempDir Path root;
  private InProcessCluster cluster;

  @AfterEach
  void stopEveryNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A voter other than the leader. */
  private static int followerVoter(ClusterReply view) {
    return voters(view).stream().filter(node -> node != view.getLeader()).findFirst().orElseThrow();
  }

  /** Puts key through node, and checks that every running node reads it back. */
  private void writeAndReadEverywhere(int through, String key) {
    byte[] value = key.getBytes(StandardCharsets.UTF_8);
    await("a write of " + key + " through node " + through)
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> cluster.client(through).registry().put(key, value).getRevision() > 0);
    for (int node : cluster.running()) {
      await("node " + node + " reading " + key)
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> cluster.client(node).registry().get(key).isPresent());
    }
  }

  @Test
  @DisplayName("five nodes: killing two voters one after the other keeps the cluster writable")
  void fiveNodesKillingTwoVotersKeepsTheClusterWritable() {
    cluster = new InProcessCluster(root).start(5);
    ClusterReply view =
        cluster.awaitViews("voters 1..5", reply -> voters(reply).equals(Set.of(1, 2, 3, 4, 5)));

    int first = followerVoter(view);
    cluster.kill(first);
    cluster.awaitViews("node " + first + " down", reply -> isDown(reply, first));
    int writer = cluster.running().iterator().next();
    writeAndReadEverywhere(writer, "after/one-voter-lost");

    int second = cluster.awaitLeader();
    cluster.kill(second);
    ClusterReply after =
        cluster.awaitViews(
            "node " + second + " down under a new leader",
            reply -> isDown(reply, second) && reply.getLeader() != second);
    writeAndReadEverywhere(cluster.running().iterator().next(), "after/two-voters-lost");
    assertThat(up(after)).isEqualTo(cluster.running()).hasSize(3);
  }

  @Test
  @DisplayName(
      "seven nodes: each killed voter is replaced by a listener, so voters are again 5 up nodes")
  void sevenNodesKilledVotersAreReplacedByListeners() {
    cluster = new InProcessCluster(root, Map.of("replace-voter-after", "2s")).start(7);
    ClusterReply view =
        cluster.awaitViews(
            "voters 1..5, listeners 6 7",
            reply ->
                voters(reply).equals(Set.of(1, 2, 3, 4, 5))
                    && nonvoters(reply).equals(Set.of(6, 7)));

    int first = followerVoter(view);
    cluster.kill(first);
    ClusterReply replaced =
        cluster.awaitViews(
            "node " + first + " replaced by an up listener",
            WAIT_LONG,
            reply ->
                isDown(reply, first) && fiveUpVoters(reply) && nonvoters(reply).contains(first));
    assertThat(voters(replaced)).doesNotContain(first);

    int second = replaced.getLeader();
    cluster.kill(second);
    writeAndReadEverywhere(cluster.running().iterator().next(), "after/leader-lost");
    ClusterReply again =
        cluster.awaitViews(
            "node " + second + " replaced as well",
            WAIT_LONG,
            reply -> isDown(reply, second) && fiveUpVoters(reply));
    assertThat(voters(again)).doesNotContain(first, second).isEqualTo(cluster.running());
    assertThat(nonvoters(again)).containsExactlyInAnyOrder(first, second);
    writeAndReadEverywhere(cluster.running().iterator().next(), "after/voters-replaced");
  }

  private static boolean fiveUpVoters(ClusterReply view) {
    Set<Integer> voters = new TreeSet<>(voters(view));
    return voters.size() == 5 && up(view).containsAll(voters);
  }
}
