package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

class ReplicaPlanTest {
  private static final ReplicaPlan PLAN = new ReplicaPlan(3, 10_000);

  private static NodeRecord up(int node) {
    return NodeRecord.newBuilder().setNode(node).setState(NodeState.NODE_UP).build();
  }

  private static NodeRecord downSince(int node, long millis) {
    return NodeRecord.newBuilder()
        .setNode(node)
        .setState(NodeState.NODE_DOWN)
        .setSinceMillis(millis)
        .build();
  }

  @Test
  @DisplayName("up nodes join one at a time until there are three replicas")
  void grows() {
    assertThat(PLAN.next(List.of(up(1), up(2), up(3), up(4)), Set.of(1), 0)).contains(Set.of(1, 2));
    assertThat(PLAN.next(List.of(up(1), up(2), up(3), up(4)), Set.of(1, 2), 0))
        .contains(Set.of(1, 2, 3));
    assertThat(PLAN.next(List.of(up(1), up(2), up(3), up(4)), Set.of(1, 2, 3), 0)).isEmpty();
  }

  @Test
  @DisplayName("a replica down past the limit moves to an up node that holds none; not before")
  void movesOffALongDownNode() {
    List<NodeRecord> nodes = List.of(up(1), up(2), downSince(3, 1_000), up(4));
    assertThat(PLAN.next(nodes, Set.of(1, 2, 3), 11_000)).as("10 s: not yet").isEmpty();
    assertThat(PLAN.next(nodes, Set.of(1, 2, 3), 11_001)).contains(Set.of(1, 2, 4));
    assertThat(PLAN.next(List.of(up(1), up(2), downSince(3, 0)), Set.of(1, 2, 3), 60_000))
        .as("no spare: the replica waits for its node")
        .isEmpty();
  }
}
