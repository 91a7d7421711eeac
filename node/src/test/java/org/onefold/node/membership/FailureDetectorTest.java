package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.onefold.node.membership.DetectorInput.Heartbeat;
import org.onefold.node.membership.DetectorInput.LeadershipGained;
import org.onefold.node.membership.DetectorInput.LeadershipLost;
import org.onefold.node.membership.DetectorInput.NodeDown;
import org.onefold.node.membership.DetectorInput.NodeRemoved;
import org.onefold.node.membership.DetectorInput.NodeUp;
import org.onefold.node.membership.DetectorInput.Tick;

/**
 * Each rule of the failure detector as plain calls, with time as a number. Settings: 500/250/300 ms
 * and the default start grace of 10 s.
 */
class FailureDetectorTest {

  private final FailureDetector detector = new FailureDetector(DetectorSettings.defaults());

  /** Node 1 leads from time 1000, nodes 2 and 3 up at incarnation 5, node 4 down at 7. */
  private void lead(int previousLeader) {
    detector.step(
        new LeadershipGained(1000, 1, previousLeader, Map.of(1, 1L, 2, 5L, 3, 5L), Map.of(4, 7L)));
  }

  private List<Declaration> tick(long nowMillis) {
    return detector.step(new Tick(nowMillis)).declareDown();
  }

  private HeartbeatVerdict heartbeat(int node, long incarnation, long nowMillis) {
    return detector.step(new Heartbeat(node, incarnation, nowMillis)).verdict();
  }

  @Test
  void follower_answers_not_leader_and_declares_nothing() {
    assertThat(heartbeat(2, 5, 0)).isEqualTo(HeartbeatVerdict.NOT_LEADER);
    assertThat(tick(999)).isEmpty();
    lead(0);
    detector.step(new LeadershipLost());
    assertThat(heartbeat(2, 5, 100_001)).isEqualTo(HeartbeatVerdict.NOT_LEADER);
    assertThat(tick(200_000)).isEmpty();
  }

  @Test
  void silent_node_is_declared_after_down_after_not_before() {
    lead(0);
    assertThat(tick(1500)).isEmpty(); // silent exactly 500 ms: not yet
    assertThat(tick(1501)).containsExactly(new Declaration(2, 5, 501), new Declaration(3, 5, 501));
  }

  @Test
  void leader_never_declares_itself() {
    lead(0);
    assertThat(tick(10_000)).extracting(Declaration::node).doesNotContain(1);
  }

  @Test
  void heartbeat_refreshes_the_silence() {
    lead(0);
    assertThat(heartbeat(2, 5, 1400)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(3);
    detector.step(new NodeDown(3, 5));
    assertThat(tick(1900)).isEmpty();
    assertThat(tick(1901)).containsExactly(new Declaration(2, 5, 501));
  }

  @Test
  void previous_leader_gets_only_the_short_grace() {
    lead(3);
    assertThat(tick(1300)).isEmpty();
    assertThat(tick(1301)).containsExactly(new Declaration(3, 5, 501));
    assertThat(tick(1501)).containsExactly(new Declaration(2, 5, 501));
  }

  @Test
  void previous_leader_that_heartbeats_in_its_grace_is_kept() {
    lead(3);
    assertThat(heartbeat(3, 5, 1150)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(1400)).isEmpty();
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(2);
  }

  @Test
  void lower_incarnation_is_fenced_and_not_heard() {
    lead(0);
    assertThat(heartbeat(2, 4, 1400)).isEqualTo(HeartbeatVerdict.FENCED);
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(2, 3);
  }

  @Test
  void down_node_is_fenced_until_it_starts_again() {
    lead(0);
    assertThat(heartbeat(4, 7, 1100)).isEqualTo(HeartbeatVerdict.FENCED);
    assertThat(heartbeat(4, 6, 1100)).isEqualTo(HeartbeatVerdict.FENCED);
    assertThat(heartbeat(4, 8, 1100)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(5000)).extracting(Declaration::node).doesNotContain(4); // down: never declared
  }

  @Test
  void higher_incarnation_before_its_node_up_is_heard() {
    lead(0);
    assertThat(heartbeat(2, 6, 1400)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(3);
    detector.step(new NodeDown(3, 5));
    // Still declared with the table's incarnation: the state machine judges staleness.
    assertThat(tick(1901)).containsExactly(new Declaration(2, 5, 501));
  }

  @Test
  void unknown_node_is_answered_unknown() {
    lead(0);
    assertThat(heartbeat(9, 1, 1100)).isEqualTo(HeartbeatVerdict.UNKNOWN_NODE);
  }

  @Test
  void declared_once_then_again_after_redeclare_if_still_up() {
    lead(0);
    detector.step(new NodeRemoved(3));
    assertThat(tick(1501)).hasSize(1);
    assertThat(tick(1600)).isEmpty();
    assertThat(tick(1750)).isEmpty();
    assertThat(tick(1751)).containsExactly(new Declaration(2, 5, 751));
    assertThat(tick(1800)).isEmpty();
  }

  @Test
  void node_down_stops_declaring() {
    lead(0);
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(2, 3);
    detector.step(new NodeDown(2, 5));
    assertThat(tick(2000)).extracting(Declaration::node).containsExactly(3);
    assertThat(heartbeat(2, 5, 2001)).isEqualTo(HeartbeatVerdict.FENCED);
  }

  @Test
  void node_removed_stops_declaring_and_is_unknown() {
    lead(0);
    detector.step(new NodeRemoved(2));
    assertThat(tick(5000)).extracting(Declaration::node).containsExactly(3);
    assertThat(heartbeat(2, 5, 5001)).isEqualTo(HeartbeatVerdict.UNKNOWN_NODE);
  }

  @Test
  void restarted_node_that_never_heartbeats_is_declared_after_start_grace_not_before() {
    lead(0);
    detector.step(new NodeUp(2, 6, 1400)); // was up at 5: restarted
    detector.step(new NodeUp(4, 8, 1400)); // was down at 7: came back
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(3);
    detector.step(new NodeDown(3, 5));
    assertThat(tick(11_400)).isEmpty(); // silent exactly the start grace: not yet
    // silentMillis counts from where the grace puts its last hearing, startGrace - downAfter ahead.
    assertThat(tick(11_401))
        .containsExactly(new Declaration(2, 6, 501), new Declaration(4, 8, 501));
  }

  @Test
  void joined_node_that_never_heartbeats_is_declared_after_start_grace_not_before() {
    lead(0);
    detector.step(new NodeRemoved(2));
    detector.step(new NodeRemoved(3));
    detector.step(new NodeUp(9, 1, 1200));
    assertThat(tick(11_200)).isEmpty();
    assertThat(tick(11_201)).containsExactly(new Declaration(9, 1, 501));
  }

  @Test
  void heartbeat_after_start_ends_the_start_grace() {
    lead(0);
    detector.step(new NodeUp(2, 6, 1400));
    assertThat(heartbeat(2, 6, 1450)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(1950)).extracting(Declaration::node).containsExactly(3);
    assertThat(tick(1951)).containsExactly(new Declaration(2, 6, 501));
  }

  @Test
  void start_grace_is_not_shortened_by_an_earlier_heartbeat_of_the_new_incarnation() {
    lead(0);
    assertThat(heartbeat(2, 6, 1300))
        .isEqualTo(HeartbeatVerdict.OK); // restarted before its NodeUp applied
    detector.step(new NodeUp(2, 6, 1400));
    assertThat(tick(11_400)).extracting(Declaration::node).doesNotContain(2);
    assertThat(tick(11_401)).extracting(Declaration::node).contains(2);
  }

  @Test
  void node_up_repeated_gives_no_new_grace() {
    lead(0);
    detector.step(new NodeUp(2, 5, 1400));
    assertThat(tick(1501)).extracting(Declaration::node).containsExactly(2, 3);
  }

  @Test
  void joined_node_heard_once_is_then_held_to_down_after() {
    lead(0);
    detector.step(new NodeUp(9, 1, 1200));
    assertThat(heartbeat(9, 1, 1300)).isEqualTo(HeartbeatVerdict.OK);
    assertThat(tick(1801)).extracting(Declaration::node).containsExactly(2, 3, 9);
  }

  @Test
  void regained_leadership_forgets_old_declarations() {
    lead(0);
    assertThat(tick(1501)).hasSize(2);
    detector.step(new LeadershipLost());
    detector.step(new LeadershipGained(1600, 1, 0, Map.of(2, 5L, 3, 5L), Map.of()));
    assertThat(tick(2100)).isEmpty();
    assertThat(tick(2101)).hasSize(2);
  }

  @Test
  void programmer_errors_fail_loudly_naming_the_value() {
    assertThatThrownBy(() -> new Heartbeat(0, 1, 0))
        .hasMessageContaining("heartbeat node 0 not in 1..32767");
    assertThatThrownBy(() -> new Heartbeat(32_768, 1, 0)).hasMessageContaining("32768");
    assertThatThrownBy(() -> new NodeUp(2, -1, 0)).hasMessageContaining("incarnation -1 of node 2");
    assertThatThrownBy(() -> new LeadershipGained(0, 1, 0, Map.of(2, 1L), Map.of(2, 1L)))
        .hasMessageContaining("[2] both up and down");
    assertThatThrownBy(() -> new LeadershipGained(0, 1, 40_000, Map.of(), Map.of()))
        .hasMessageContaining("previous leader 40000");
    lead(0);
    assertThatThrownBy(() -> tick(999))
        .hasMessageContaining("time went backwards from 1000 to 999");
    assertThatThrownBy(this::leadAgain).hasMessageContaining("while leading");
    assertThatThrownBy(() -> detector.step(new NodeDown(2, 4)))
        .hasMessageContaining("node 2 incarnation 4 below the table's 5");
  }

  private void leadAgain() {
    lead(0);
  }

  @Test
  void settings_are_checked_with_the_bad_value_named() {
    assertThatThrownBy(() -> new DetectorSettings(0, 250, 0))
        .hasMessageContaining("downAfterMillis 0 not in 1..");
    assertThatThrownBy(() -> new DetectorSettings(500, -1, 0))
        .hasMessageContaining("redeclareAfterMillis -1");
    assertThatThrownBy(() -> new DetectorSettings(500, 250, 600))
        .hasMessageContaining("previousLeaderGraceMillis 600 not in 0..500");
    assertThatThrownBy(() -> new DetectorSettings(500, 250, 300, 499))
        .hasMessageContaining("startGraceMillis 499 not in 500..");
    assertThat(DetectorSettings.defaults()).isEqualTo(new DetectorSettings(500, 250, 300, 10_000));
  }
}
