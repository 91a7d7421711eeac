package org.onefold.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.onefold.node.cluster.InProcessCluster.incarnation;
import static org.onefold.node.cluster.InProcessCluster.isDown;
import static org.onefold.node.cluster.InProcessCluster.isUp;
import static org.onefold.node.cluster.InProcessCluster.roles;
import static org.onefold.node.cluster.InProcessCluster.up;
import static org.onefold.node.cluster.InProcessCluster.voters;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.NodeDaemon;
import org.onefold.proto.local.ClusterReply;

/**
 * Membership on real daemons: forming a cluster, a node crashing and coming back, losing the
 * leader.
 */
class MembershipClusterTest {
  @TempDir Path root;
  private InProcessCluster cluster;

  @AfterEach
  void stopEveryNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("three nodes form a cluster: all up, one leader, voters 1 2 3")
  void threeNodesFormACluster() {
    cluster = new InProcessCluster(root).start(3);

    ClusterReply view =
        cluster.awaitViews(
            "voters 1 2 3 in every node's view", reply -> voters(reply).equals(Set.of(1, 2, 3)));

    assertThat(up(view)).containsExactly(1, 2, 3);
    assertThat(roles(view)).filteredOn("leader"::equals).hasSize(1);
    assertThat(view.getLeader()).isIn(1, 2, 3);
    for (int node = 1; node <= 3; node++) {
      ClusterReply own = cluster.view(node);
      assertThat(own.getSelf()).isEqualTo(node);
      assertThat(own.getClusterId()).isEqualTo(view.getClusterId());
      assertThat(own.getLeader()).isEqualTo(view.getLeader());
    }
  }

  @Test
  @DisplayName("a killed follower is shown down, and back with a higher incarnation after restart")
  void killedFollowerIsDownThenBackWithHigherIncarnation() {
    cluster = new InProcessCluster(root).start(3);
    int leader = cluster.awaitLeader();
    int follower = leader == 3 ? 2 : 3;
    long before = incarnation(cluster.view(leader), follower);

    cluster.kill(follower);
    cluster.awaitViews(
        "node " + follower + " down in every running node's view", view -> isDown(view, follower));

    NodeDaemon restarted = cluster.restart(follower);
    ClusterReply view =
        cluster.awaitViews(
            "node " + follower + " up again everywhere",
            reply -> isUp(reply, follower) && incarnation(reply, follower) > before);
    assertThat(incarnation(view, follower))
        .isEqualTo(restarted.incarnation())
        .isGreaterThan(before);
    assertThat(up(view)).containsExactly(1, 2, 3);
  }

  @Test
  @DisplayName("a killed leader is replaced, and the old leader is shown down")
  void killedLeaderIsReplacedAndShownDown() {
    cluster = new InProcessCluster(root).start(3);
    cluster.awaitViews("voters 1 2 3", reply -> voters(reply).equals(Set.of(1, 2, 3)));
    int oldLeader = cluster.awaitLeader();

    cluster.kill(oldLeader);

    ClusterReply view =
        cluster.awaitViews(
            "a new leader that shows node " + oldLeader + " down",
            reply -> reply.getLeader() != oldLeader && isDown(reply, oldLeader));
    assertThat(view.getLeader()).isNotEqualTo(oldLeader).isIn(cluster.running());
    assertThat(up(view)).isEqualTo(cluster.running());
  }
}
