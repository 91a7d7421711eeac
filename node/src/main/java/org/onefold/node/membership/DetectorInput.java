package org.onefold.node.membership;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the {@link FailureDetector} is fed: a heartbeat, a tick of the clock, an entry applied from
 * the meta log, or a change of leadership. Times are milliseconds of one monotonic clock, read by
 * the edge thread that steps the detector. Values out of range are programmer errors: the edge
 * checks what comes off the wire before it builds an input.
 */
public sealed interface DetectorInput {

  /**
   * A heartbeat from {@code node} running as {@code incarnation}, received at {@code nowMillis}.
   */
  record Heartbeat(int node, long incarnation, long nowMillis) implements DetectorInput {
    public Heartbeat {
      Limits.requireNodeNumber(node, "heartbeat node");
      Limits.requireIncarnation(incarnation, node);
    }
  }

  /** The clock reads {@code nowMillis}; the time at which silent nodes are found. */
  record Tick(long nowMillis) implements DetectorInput {}

  /** Applied from the log: {@code node} joined or came back, and is up with {@code incarnation}. */
  record NodeUp(int node, long incarnation, long nowMillis) implements DetectorInput {
    public NodeUp {
      Limits.requireNodeNumber(node, "node up");
      Limits.requireIncarnation(incarnation, node);
    }
  }

  /** Applied from the log: {@code node} is down as of {@code incarnation}. */
  record NodeDown(int node, long incarnation) implements DetectorInput {
    public NodeDown {
      Limits.requireNodeNumber(node, "node down");
      Limits.requireIncarnation(incarnation, node);
    }
  }

  /** Applied from the log: {@code node} left the cluster; its heartbeats are no longer known. */
  record NodeRemoved(int node) implements DetectorInput {
    public NodeRemoved {
      Limits.requireNodeNumber(node, "removed node");
    }
  }

  /**
   * This node ({@code self}) became leader of the meta group at {@code nowMillis}.
   *
   * @param previousLeader the leader before, 0 if none is known
   * @param upNodes the node table's up nodes, node to incarnation, as applied here when leadership
   *     came
   * @param downNodes the node table's down nodes, node to the incarnation declared down
   */
  record LeadershipGained(
      long nowMillis,
      int self,
      int previousLeader,
      Map<Integer, Long> upNodes,
      Map<Integer, Long> downNodes)
      implements DetectorInput {
    public LeadershipGained {
      Limits.requireNodeNumber(self, "self");
      if (previousLeader != 0) {
        Limits.requireNodeNumber(previousLeader, "previous leader");
      }
      upNodes = Map.copyOf(upNodes);
      downNodes = Map.copyOf(downNodes);
      if (upNodes.size() + downNodes.size() > Limits.TRACKED_NODES_MAX) {
        throw new IllegalArgumentException(
            (upNodes.size() + downNodes.size())
                + " nodes in the table, more than "
                + Limits.TRACKED_NODES_MAX);
      }
      upNodes.forEach(
          (node, incarnation) -> {
            Limits.requireNodeNumber(node, "up node");
            Limits.requireIncarnation(incarnation, node);
          });
      downNodes.forEach(
          (node, incarnation) -> {
            Limits.requireNodeNumber(node, "down node");
            Limits.requireIncarnation(incarnation, node);
          });
      Set<Integer> both = new HashSet<>(upNodes.keySet());
      both.retainAll(downNodes.keySet());
      if (!both.isEmpty()) {
        throw new IllegalArgumentException("nodes " + both + " both up and down in the table");
      }
    }
  }

  /**
   * This node is no longer leader of the meta group (stepped down, lost an election, or stopping).
   */
  record LeadershipLost() implements DetectorInput {}
}
