package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeState;

class NodeTableTest {
  private final NodeTable table = new NodeTable();

  private static NodeAddress at(String host) {
    return NodeAddress.newBuilder().setHost(host).setRpcPort(7701).setRaftPort(7702).build();
  }

  private static int numberOf(NodeTable.Change change) {
    return ((NodeTable.Accepted) change).record().getNode();
  }

  @Test
  void numbers_are_never_given_twice() {
    assertThat(numberOf(table.add(at("198.18.0.1"), 0))).isEqualTo(1);
    assertThat(numberOf(table.add(at("198.18.0.2"), 0))).isEqualTo(2);
    table.declareDown(2, 1, 5);
    assertThat(numberOf(table.add(at("198.18.0.3"), 6))).isEqualTo(3);
  }

  @Test
  void a_start_raises_the_incarnation_and_marks_up() {
    table.add(at("198.18.0.1"), 0);
    table.declareDown(1, 1, 10);
    var started = (NodeTable.Accepted) table.start(1, at("198.18.0.1"), 20);
    assertThat(started.record().getIncarnation()).isEqualTo(2);
    assertThat(started.record().getState()).isEqualTo(NodeState.NODE_UP);
    assertThat(started.record().getSinceMillis()).isEqualTo(20);
    assertThat(table.isCurrent(1, 2)).isTrue();
    assertThat(table.isCurrent(1, 1)).isFalse();
  }

  @Test
  void declaring_a_stale_incarnation_down_is_refused() {
    table.add(at("198.18.0.1"), 0);
    table.start(1, at("198.18.0.1"), 1);
    assertThat(table.declareDown(1, 1, 2)).isInstanceOf(NodeTable.Refused.class);
    assertThat(table.declareDown(1, 2, 2)).isInstanceOf(NodeTable.Accepted.class);
  }

  @Test
  void an_unknown_node_cannot_start() {
    assertThat(table.start(9, at("198.18.0.9"), 0)).isInstanceOf(NodeTable.Refused.class);
  }

  @Test
  void an_address_in_use_by_an_up_node_is_refused_but_a_down_nodes_is_free() {
    table.add(at("198.18.0.1"), 0);
    assertThat(table.add(at("198.18.0.1"), 1)).isInstanceOf(NodeTable.Refused.class);
    table.declareDown(1, 1, 2);
    assertThat(table.add(at("198.18.0.1"), 3)).isInstanceOf(NodeTable.Accepted.class);
  }
}
