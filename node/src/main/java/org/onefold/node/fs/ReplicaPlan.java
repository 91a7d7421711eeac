package org.onefold.node.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

/**
 * Which nodes should hold the filesystem next: a pure rule the group's leader applies once a
 * second. Up nodes are added one at a time until there are {@code wanted} replicas; a replica whose
 * node has been down longer than {@code replaceAfterMillis} gives its place to an up node that
 * holds none (which then catches up from the leader's log or snapshot). One change at a time, each
 * keeping a majority of the replicas it starts from, as Ratis requires.
 *
 * @param wanted how many replicas the filesystem has (all nodes when fewer)
 * @param replaceAfterMillis how long a replica's node may be down before the replica moves
 */
record ReplicaPlan(int wanted, long replaceAfterMillis) {
  ReplicaPlan {
    if (wanted < 1) {
      throw new IllegalArgumentException("wanted " + wanted + " replicas; at least 1");
    }
  }

  /** The next replicas after current, or empty if current stays. */
  Optional<Set<Integer>> next(List<NodeRecord> nodes, Set<Integer> current, long nowMillis) {
    List<Integer> spares = new ArrayList<>();
    for (NodeRecord node : nodes) {
      if (node.getState() == NodeState.NODE_UP && !current.contains(node.getNode())) {
        spares.add(node.getNode());
      }
    }
    if (spares.isEmpty()) {
      return Optional.empty();
    }
    TreeSet<Integer> next = new TreeSet<>(current);
    if (current.size() < wanted) {
      next.add(spares.getFirst());
      return Optional.of(next);
    }
    for (NodeRecord node : nodes) {
      boolean longDown =
          current.contains(node.getNode())
              && node.getState() == NodeState.NODE_DOWN
              && nowMillis - node.getSinceMillis() > replaceAfterMillis;
      if (longDown && current.size() > 1) {
        next.remove(node.getNode());
        next.add(spares.getFirst());
        return Optional.of(next);
      }
    }
    return Optional.empty();
  }
}
