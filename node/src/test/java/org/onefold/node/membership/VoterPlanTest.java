package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

class VoterPlanTest {
  private final VoterPlan plan = new VoterPlan(5, 2_000);

  private static NodeRecord up(int node) {
    return NodeRecord.newBuilder()
        .setNode(node)
        .setState(NodeState.NODE_UP)
        .setIncarnation(1)
        .build();
  }

  private static NodeRecord down(int node, long sinceMillis) {
    return NodeRecord.newBuilder()
        .setNode(node)
        .setState(NodeState.NODE_DOWN)
        .setSinceMillis(sinceMillis)
        .build();
  }

  private static List<NodeRecord> upNodes(int count) {
    List<NodeRecord> nodes = new ArrayList<>();
    for (int node = 1; node <= count; node++) {
      nodes.add(up(node));
    }
    return nodes;
  }

  private static VoterPlan.Roles roles(Set<Integer> voters, Set<Integer> listeners) {
    return new VoterPlan.Roles(new java.util.TreeSet<>(voters), new java.util.TreeSet<>(listeners));
  }

  @Test
  void second_node_joins_as_listener_since_two_voters_tolerate_no_more_than_one() {
    var planned = plan.plan(upNodes(2), roles(Set.of(1), Set.of()), 0);
    assertThat(planned).contains(roles(Set.of(1), Set.of(2)));
  }

  @Test
  void third_node_makes_three_voters_in_two_steps_ratis_accepts() {
    assertThat(plan.plan(upNodes(3), roles(Set.of(1), Set.of(2, 3)), 0))
        .contains(roles(Set.of(1, 2), Set.of(3)));
    assertThat(plan.plan(upNodes(3), roles(Set.of(1, 2), Set.of(3)), 0))
        .contains(roles(Set.of(1, 2, 3), Set.of()));
  }

  @Test
  void voters_stop_at_the_maximum_and_at_an_odd_count() {
    assertThat(plan.plan(upNodes(7), roles(Set.of(1, 2, 3), Set.of(4, 5, 6, 7)), 0))
        .contains(roles(Set.of(1, 2, 3, 4, 5), Set.of(6, 7)));
    assertThat(plan.plan(upNodes(4), roles(Set.of(1, 2, 3), Set.of()), 0))
        .contains(roles(Set.of(1, 2, 3), Set.of(4)));
  }

  @Test
  void settled_roles_need_no_change() {
    assertThat(plan.plan(upNodes(3), roles(Set.of(1, 2, 3), Set.of()), 0)).isEmpty();
  }

  @Test
  void a_voter_down_past_the_limit_is_swapped_for_an_up_listener() {
    List<NodeRecord> nodes = new ArrayList<>(upNodes(7));
    nodes.set(1, down(2, 1_000));
    var current = roles(Set.of(1, 2, 3, 4, 5), Set.of(6, 7));
    assertThat(plan.plan(nodes, current, 2_999)).as("not yet past the limit").isEmpty();
    assertThat(plan.plan(nodes, current, 3_001))
        .contains(roles(Set.of(1, 3, 4, 5, 6), Set.of(2, 7)));
  }

  @Test
  void a_down_voter_stays_when_no_listener_can_replace_it() {
    List<NodeRecord> nodes = new ArrayList<>(upNodes(3));
    nodes.set(2, down(3, 0));
    assertThat(plan.plan(nodes, roles(Set.of(1, 2, 3), Set.of()), 60_000)).isEmpty();
  }

  @Test
  void down_listeners_are_not_promoted_and_voters_never_become_even() {
    List<NodeRecord> nodes = List.of(up(1), down(2, 0), up(3));
    assertThat(plan.plan(nodes, roles(Set.of(1), Set.of(2, 3)), 0)).isEmpty();
    List<NodeRecord> fourUp = List.of(up(1), down(2, 0), up(3), up(4));
    assertThat(plan.plan(fourUp, roles(Set.of(1), Set.of(2, 3, 4)), 0))
        .contains(roles(Set.of(1, 3), Set.of(2, 4)));
  }

  @Test
  void limits_are_checked() {
    assertThatThrownBy(() -> new VoterPlan(0, 0)).hasMessageContaining("votersMax 0");
    assertThatThrownBy(() -> new VoterPlan(3, -1)).hasMessageContaining("replaceAfterMillis -1");
  }
}
