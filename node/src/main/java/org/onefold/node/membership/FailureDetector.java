package org.onefold.node.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.onefold.node.membership.DetectorInput.Heartbeat;
import org.onefold.node.membership.DetectorInput.LeadershipGained;
import org.onefold.node.membership.DetectorInput.LeadershipLost;
import org.onefold.node.membership.DetectorInput.NodeDown;
import org.onefold.node.membership.DetectorInput.NodeRemoved;
import org.onefold.node.membership.DetectorInput.NodeUp;
import org.onefold.node.membership.DetectorInput.Tick;

/**
 * Decides, on the leader of the meta group, which nodes have fallen silent; a pure state machine.
 *
 * <p>Every node heartbeats the meta leader every 100 ms. The leader's edge feeds each heartbeat, a
 * tick every 10-50 ms, the membership entries applied from the log and its own leadership changes
 * into {@link #step}, answers heartbeats with the verdict, and proposes DeclareDown for each
 * declaration. The node table in the Raft state machine stays the one source of truth: a node is
 * down when DeclareDown is applied, not when this object says so, and the applied NodeUp/NodeDown
 * come back here as inputs. No thread, clock, socket or randomness is inside, so tests and the
 * simulation are plain calls.
 *
 * <p>Only the leader detects. A follower's table may lag and followers do not receive heartbeats,
 * so it keeps no state: on {@link LeadershipGained} it takes the applied table whole, on {@link
 * LeadershipLost} it forgets it.
 *
 * <p>Start grace. A node that just joined, or whose new incarnation was just applied, gets {@code
 * startGraceMillis} (10 s by default) before it counts as silent: its first heartbeat comes only
 * once it has its certificate, its Raft member and its TLS channels, seconds on a cold JVM.
 *
 * <p>Grace. A new leader has heard nobody yet, so every up node starts silent from the moment
 * leadership came; a live node is heard from within a heartbeat or two. The previous leader is the
 * exception: a new leader is elected only after the old one fell silent to a majority for an
 * election timeout, so it has been silent that long already. Giving it the full {@code
 * downAfterMillis} again would put a dead leader's detection at election timeout plus 500 ms plus
 * commit, close to the one-second goal; it gets {@code previousLeaderGraceMillis} instead. A live
 * old leader that stepped down learns the new leader from Raft and heartbeats it within that grace.
 *
 * <p>Fencing. A heartbeat with an incarnation below the table's, or of an incarnation declared
 * down, is {@link HeartbeatVerdict#FENCED}: that process must start again as a new incarnation, so
 * that a node the cluster has acted on as dead never acts as alive. A higher incarnation is a node
 * that restarted before its NodeUp was applied here; it is heard.
 *
 * <p>Declarations. A node silent for longer than {@code downAfterMillis} is declared once; if it is
 * still up {@code redeclareAfterMillis} later the proposal was lost, and it is declared again.
 * Hearing from it or applying its NodeDown, NodeRemoved or a newer NodeUp ends that. The leader
 * never declares itself.
 *
 * <p>Limits: node numbers 1..32767, so at most 32767 tracked nodes; a tick is O(tracked nodes), a
 * heartbeat O(log tracked nodes). Not thread-safe: one edge thread steps it.
 */
public final class FailureDetector {

  /** What the leader knows of one node of the table. */
  private static final class TrackedNode {
    long incarnation;
    boolean up;

    /** When it was last heard from, or when its grace began. */
    long lastHeardMillis;

    boolean declared;
    long declaredAtMillis;

    TrackedNode(long incarnation, boolean up, long lastHeardMillis) {
      this.incarnation = incarnation;
      this.up = up;
      this.lastHeardMillis = lastHeardMillis;
    }

    void hear(long nowMillis) {
      lastHeardMillis = nowMillis;
      declared = false;
    }
  }

  private final DetectorSettings settings;

  /** The node table as this leader knows it, in node order; empty while not leader. */
  private final TreeMap<Integer, TrackedNode> nodes = new TreeMap<>();

  private boolean leader;
  private int self;

  /** The latest time fed in; time never goes backwards. */
  private long latestMillis = Long.MIN_VALUE;

  public FailureDetector(DetectorSettings settings) {
    if (settings == null) {
      throw new IllegalArgumentException("settings is null; use DetectorSettings.defaults()");
    }
    this.settings = settings;
  }

  /**
   * Takes one input and returns what the edge must do: the verdict to answer a heartbeat with, and
   * the nodes to propose as down (only ever on a tick). Throws on a programmer error: time going
   * backwards, leadership gained twice, an incarnation going backwards in applied entries.
   */
  public DetectorOutput step(DetectorInput input) {
    return switch (input) {
      case Heartbeat heartbeat -> heartbeat(heartbeat);
      case Tick tick -> tick(tick.nowMillis());
      case NodeUp nodeUp -> nodeUp(nodeUp);
      case NodeDown nodeDown -> nodeDown(nodeDown);
      case NodeRemoved nodeRemoved -> {
        nodes.remove(nodeRemoved.node());
        yield DetectorOutput.NOTHING;
      }
      case LeadershipGained gained -> leadershipGained(gained);
      case LeadershipLost _ -> {
        leader = false;
        nodes.clear();
        yield DetectorOutput.NOTHING;
      }
    };
  }

  /** True while this detector leads; for the edge's metrics and assertions. */
  public boolean isLeader() {
    return leader;
  }

  private DetectorOutput heartbeat(Heartbeat heartbeat) {
    observe(heartbeat.nowMillis());
    if (!leader) {
      return DetectorOutput.answer(HeartbeatVerdict.NOT_LEADER);
    }
    TrackedNode node = nodes.get(heartbeat.node());
    if (node == null) {
      return DetectorOutput.answer(HeartbeatVerdict.UNKNOWN_NODE);
    }
    boolean stale = heartbeat.incarnation() < node.incarnation;
    boolean declaredDown = !node.up && heartbeat.incarnation() <= node.incarnation;
    if (stale || declaredDown) {
      return DetectorOutput.answer(HeartbeatVerdict.FENCED);
    }
    node.hear(heartbeat.nowMillis());
    return DetectorOutput.answer(HeartbeatVerdict.OK);
  }

  private DetectorOutput tick(long nowMillis) {
    observe(nowMillis);
    if (!leader) {
      return DetectorOutput.NOTHING;
    }
    List<Declaration> declarations = new ArrayList<>();
    for (Map.Entry<Integer, TrackedNode> entry : nodes.entrySet()) {
      TrackedNode node = entry.getValue();
      long silentMillis = nowMillis - node.lastHeardMillis;
      if (!node.up || entry.getKey() == self || silentMillis <= settings.downAfterMillis()) {
        continue;
      }
      if (node.declared && nowMillis - node.declaredAtMillis < settings.redeclareAfterMillis()) {
        continue;
      }
      node.declared = true;
      node.declaredAtMillis = nowMillis;
      declarations.add(new Declaration(entry.getKey(), node.incarnation, silentMillis));
    }
    return declarations.isEmpty() ? DetectorOutput.NOTHING : new DetectorOutput(null, declarations);
  }

  private DetectorOutput nodeUp(NodeUp nodeUp) {
    observe(nodeUp.nowMillis());
    if (!leader) {
      return DetectorOutput.NOTHING;
    }
    TrackedNode node = nodes.get(nodeUp.node());
    // A node that joined or started: its first heartbeat may be seconds away.
    long graceBeginsMillis =
        nodeUp.nowMillis() + settings.startGraceMillis() - settings.downAfterMillis();
    if (node == null) {
      nodes.put(nodeUp.node(), new TrackedNode(nodeUp.incarnation(), true, graceBeginsMillis));
      return DetectorOutput.NOTHING;
    }
    requireNotBackwards(nodeUp.node(), node.incarnation, nodeUp.incarnation(), "NodeUp");
    if (node.up && node.incarnation == nodeUp.incarnation()) {
      return DetectorOutput.NOTHING; // already known: no new grace, or a replay could hide a death
    }
    node.incarnation = nodeUp.incarnation();
    node.up = true;
    node.hear(Math.max(node.lastHeardMillis, graceBeginsMillis));
    return DetectorOutput.NOTHING;
  }

  private DetectorOutput nodeDown(NodeDown nodeDown) {
    if (!leader) {
      return DetectorOutput.NOTHING;
    }
    TrackedNode node = nodes.get(nodeDown.node());
    if (node == null) {
      nodes.put(nodeDown.node(), new TrackedNode(nodeDown.incarnation(), false, latestMillis));
      return DetectorOutput.NOTHING;
    }
    requireNotBackwards(nodeDown.node(), node.incarnation, nodeDown.incarnation(), "NodeDown");
    node.incarnation = nodeDown.incarnation();
    node.up = false;
    node.declared = false;
    return DetectorOutput.NOTHING;
  }

  private DetectorOutput leadershipGained(LeadershipGained gained) {
    if (leader) {
      throw new IllegalStateException(
          "node "
              + gained.self()
              + " gained leadership while leading as node "
              + self
              + "; was a LeadershipLost not fed?");
    }
    observe(gained.nowMillis());
    leader = true;
    self = gained.self();
    nodes.clear();
    // Grace as if last heard at this time: now for all, earlier for the old leader (see class
    // header).
    long previousLeaderHeardMillis =
        gained.nowMillis() - (settings.downAfterMillis() - settings.previousLeaderGraceMillis());
    gained
        .upNodes()
        .forEach(
            (node, incarnation) -> {
              long heardMillis =
                  node == gained.previousLeader() ? previousLeaderHeardMillis : gained.nowMillis();
              nodes.put(node, new TrackedNode(incarnation, true, heardMillis));
            });
    gained
        .downNodes()
        .forEach(
            (node, incarnation) ->
                nodes.put(node, new TrackedNode(incarnation, false, gained.nowMillis())));
    return DetectorOutput.NOTHING;
  }

  private void observe(long nowMillis) {
    if (nowMillis < latestMillis) {
      throw new IllegalArgumentException(
          "time went backwards from "
              + latestMillis
              + " to "
              + nowMillis
              + " ms; feed one monotonic clock, read on the stepping thread");
    }
    latestMillis = nowMillis;
  }

  private static void requireNotBackwards(int node, long known, long applied, String entry) {
    if (applied < known) {
      throw new IllegalStateException(
          entry
              + " for node "
              + node
              + " incarnation "
              + applied
              + " below the table's "
              + known
              + "; were applied entries fed out of order?");
    }
  }
}
