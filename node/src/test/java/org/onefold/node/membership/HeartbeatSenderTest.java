package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

/** The leader's own fencing check: it never heartbeats itself, so it reads the table. */
class HeartbeatSenderTest {
  private static NodeRecord row(NodeState state, long incarnation) {
    return NodeRecord.newBuilder().setNode(1).setState(state).setIncarnation(incarnation).build();
  }

  @Test
  void a_leader_whose_incarnation_was_declared_down_is_fenced() {
    assertThat(HeartbeatSender.fencedByTable(row(NodeState.NODE_DOWN, 2), 2)).isTrue();
  }

  @Test
  void a_leader_behind_the_table_is_fenced() {
    assertThat(HeartbeatSender.fencedByTable(row(NodeState.NODE_UP, 3), 2)).isTrue();
  }

  @Test
  void a_leader_up_in_the_table_is_not_fenced() {
    assertThat(HeartbeatSender.fencedByTable(row(NodeState.NODE_UP, 2), 2)).isFalse();
  }

  @Test
  void a_leader_whose_new_incarnation_is_not_applied_yet_is_not_fenced() {
    assertThat(HeartbeatSender.fencedByTable(row(NodeState.NODE_DOWN, 2), 3)).isFalse();
  }
}
