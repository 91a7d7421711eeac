package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.onefold.node.membership.DetectorInput.Heartbeat;
import org.onefold.node.membership.DetectorInput.LeadershipGained;
import org.onefold.node.membership.DetectorInput.NodeDown;
import org.onefold.node.membership.DetectorInput.NodeUp;
import org.onefold.node.membership.DetectorInput.Tick;

/**
 * Random sequences of heartbeats, ticks and applied entries against a leading detector (node 1 of
 * 6), checked after every step against a small model. Each node has a deadline: downAfterMillis
 * after it was last heard (or after leadership came), and after the NodeUp of a new incarnation at
 * least startGraceMillis after it, until it is heard again. A declared node is up, not the leader,
 * and past its deadline; a node past its deadline is declared, at the latest again each
 * redeclareAfterMillis.
 */
class FailureDetectorPropertyTest {

  private static final int NODES = 6;
  private static final int SELF = 1;

  enum Kind {
    TICK,
    HEARTBEAT,
    STALE_HEARTBEAT,
    NODE_DOWN,
    NODE_UP,
    REPEATED_NODE_UP
  }

  record Action(Kind kind, int node, long advanceMillis) {}

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> action =
        Combinators.combine(
                Arbitraries.of(Kind.class),
                Arbitraries.integers().between(1, NODES),
                Arbitraries.longs().between(0, 300))
            .as(Action::new);
    return action.list().ofMinSize(1).ofMaxSize(200);
  }

  @Property(tries = 300)
  void declarations_are_exactly_the_nodes_silent_too_long(@ForAll("actions") List<Action> actions) {
    // The default timeouts with a start grace short enough for a sequence's 0-60 s to reach it
    // often.
    DetectorSettings settings = new DetectorSettings(500, 250, 300, 2_000);
    FailureDetector detector = new FailureDetector(settings);
    Map<Integer, Long> incarnation = new HashMap<>();
    Map<Integer, Boolean> up = new HashMap<>();
    /**
     * The time after which a silent node is declared; silentMillis is downAfterMillis more than the
     * excess.
     */
    Map<Integer, Long> deadline = new HashMap<>();
    Map<Integer, Long> lastDeclared = new HashMap<>();
    for (int node = 1; node <= NODES; node++) {
      incarnation.put(node, 1L);
      up.put(node, true);
      deadline.put(node, settings.downAfterMillis());
    }
    detector.step(new LeadershipGained(0, SELF, 0, Map.copyOf(incarnation), Map.of()));
    long now = 0;
    for (Action action : actions) {
      now += action.advanceMillis();
      int node = action.node();
      switch (action.kind()) {
        case HEARTBEAT -> {
          HeartbeatVerdict verdict =
              detector.step(new Heartbeat(node, incarnation.get(node), now)).verdict();
          assertThat(verdict)
              .isEqualTo(up.get(node) ? HeartbeatVerdict.OK : HeartbeatVerdict.FENCED);
          if (up.get(node)) {
            deadline.put(node, now + settings.downAfterMillis()); // also ends a start grace
            lastDeclared.remove(node);
          }
        }
        case STALE_HEARTBEAT ->
            assertThat(detector.step(new Heartbeat(node, incarnation.get(node) - 1, now)).verdict())
                .isEqualTo(HeartbeatVerdict.FENCED);
        case NODE_DOWN -> {
          if (up.get(node)) {
            detector.step(new NodeDown(node, incarnation.get(node)));
            up.put(node, false);
            lastDeclared.remove(node);
          }
        }
        case NODE_UP -> {
          incarnation.merge(node, 1L, Long::sum);
          detector.step(new NodeUp(node, incarnation.get(node), now));
          up.put(node, true);
          deadline.merge(node, now + settings.startGraceMillis(), Math::max);
          lastDeclared.remove(node);
        }
        case REPEATED_NODE_UP -> { // a replayed entry: no new grace, declarations go on
          if (up.get(node)) {
            detector.step(new NodeUp(node, incarnation.get(node), now));
          }
        }
        case TICK -> {
          for (Declaration declaration : detector.step(new Tick(now)).declareDown()) {
            int declared = declaration.node();
            assertThat(declared).isNotEqualTo(SELF);
            assertThat(up.get(declared)).isTrue();
            assertThat(declaration.incarnation()).isEqualTo(incarnation.get(declared));
            assertThat(now).as("node %d declared", declared).isGreaterThan(deadline.get(declared));
            assertThat(declaration.silentMillis())
                .isEqualTo(now - deadline.get(declared) + settings.downAfterMillis());
            lastDeclared.put(declared, now);
          }
          for (int other = 2; other <= NODES; other++) {
            if (up.get(other) && now > deadline.get(other)) {
              assertThat(lastDeclared).as("node %d silent at %d", other, now).containsKey(other);
              assertThat(now - lastDeclared.get(other)).isLessThan(settings.redeclareAfterMillis());
            }
          }
        }
      }
    }
  }
}
