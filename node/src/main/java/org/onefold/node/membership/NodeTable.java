package org.onefold.node.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

/**
 * The cluster's node table: which node numbers exist, where they listen, whether they are up, and
 * their incarnation. It lives in the meta state machine, so every node holds the same table after
 * applying the same log.
 *
 * <p>Node numbers are given out in order from 1 and never given again, even after a node is gone: a
 * number names one machine for the life of the cluster. The incarnation rises each time a node's
 * daemon starts or a fenced node comes back, so that anything stamped with an older incarnation can
 * be refused.
 *
 * <p>Pure: no clock (times come in with each change), no I/O. Not thread-safe; the owner
 * (MetaState) serializes access.
 */
public final class NodeTable {
  public static final int NODE_MIN = 1;
  public static final int NODE_MAX = 32767;

  private final TreeMap<Integer, NodeRecord> nodes = new TreeMap<>();
  private int nextNode = NODE_MIN;

  /** The result of a change that may be refused: the new record, or why not. */
  public sealed interface Change permits Accepted, Refused {}

  public record Accepted(NodeRecord record) implements Change {}

  public record Refused(String reason) implements Change {}

  /** Adds a new machine under the next free number, up with incarnation 1. */
  public Change add(NodeAddress address, long nowMillis) {
    if (nextNode > NODE_MAX) {
      return new Refused("no node numbers left: the cluster has given out all " + NODE_MAX);
    }
    Optional<NodeRecord> clash = upNodeAt(address);
    if (clash.isPresent()) {
      return new Refused(
          "address "
              + describe(address)
              + " is in use by node "
              + clash.get().getNode()
              + ", which is up; stop it first or use another address");
    }
    NodeRecord record =
        NodeRecord.newBuilder()
            .setNode(nextNode)
            .setAddress(address)
            .setState(NodeState.NODE_UP)
            .setIncarnation(1)
            .setSinceMillis(nowMillis)
            .setJoinedMillis(nowMillis)
            .build();
    nodes.put(nextNode, record);
    nextNode++;
    return new Accepted(record);
  }

  /**
   * A known node's daemon started (or came back after being declared down): it is up with the next
   * incarnation, at the address it gives now.
   */
  public Change start(int node, NodeAddress address, long nowMillis) {
    NodeRecord current = nodes.get(node);
    if (current == null) {
      return new Refused(
          "node "
              + node
              + " is not in the node table; was its state directory copied from another cluster?");
    }
    Optional<NodeRecord> clash = upNodeAt(address).filter(other -> other.getNode() != node);
    if (clash.isPresent()) {
      return new Refused(
          "address " + describe(address) + " is in use by node " + clash.get().getNode());
    }
    NodeRecord record =
        current.toBuilder()
            .setAddress(address)
            .setState(NodeState.NODE_UP)
            .setIncarnation(current.getIncarnation() + 1)
            .setSinceMillis(nowMillis)
            .build();
    nodes.put(node, record);
    return new Accepted(record);
  }

  /**
   * Marks the node down if it is up with exactly this incarnation. A declaration about an older
   * incarnation (the node restarted meanwhile) changes nothing.
   */
  public Change declareDown(int node, long incarnation, long nowMillis) {
    NodeRecord current = nodes.get(node);
    if (current == null) {
      return new Refused("node " + node + " is not in the node table");
    }
    if (current.getState() != NodeState.NODE_UP || current.getIncarnation() != incarnation) {
      return new Refused(
          "node "
              + node
              + " is "
              + stateName(current)
              + " with incarnation "
              + current.getIncarnation()
              + ", not up with incarnation "
              + incarnation);
    }
    NodeRecord record =
        current.toBuilder().setState(NodeState.NODE_DOWN).setSinceMillis(nowMillis).build();
    nodes.put(node, record);
    return new Accepted(record);
  }

  /**
   * True if the node is up and this is its current incarnation: requests stamped so are not stale.
   */
  public boolean isCurrent(int node, long incarnation) {
    NodeRecord record = nodes.get(node);
    return record != null
        && record.getState() == NodeState.NODE_UP
        && record.getIncarnation() == incarnation;
  }

  public Optional<NodeRecord> get(int node) {
    return Optional.ofNullable(nodes.get(node));
  }

  /** Every node in number order. */
  public List<NodeRecord> all() {
    return List.copyOf(nodes.values());
  }

  public List<NodeRecord> up() {
    List<NodeRecord> up = new ArrayList<>();
    for (NodeRecord record : nodes.values()) {
      if (record.getState() == NodeState.NODE_UP) {
        up.add(record);
      }
    }
    return up;
  }

  /** The numbers of the up nodes, in order. */
  public List<Integer> upNumbers() {
    return up().stream().map(NodeRecord::getNode).toList();
  }

  public int nextNode() {
    return nextNode;
  }

  /** Replaces the whole table, as read from a snapshot. */
  public void restore(Collection<NodeRecord> records, int nextNodeNumber) {
    nodes.clear();
    for (NodeRecord record : records) {
      nodes.put(record.getNode(), record);
    }
    this.nextNode = nextNodeNumber;
  }

  private Optional<NodeRecord> upNodeAt(NodeAddress address) {
    return nodes.values().stream()
        .filter(record -> record.getState() == NodeState.NODE_UP)
        .filter(
            record ->
                record.getAddress().getHost().equals(address.getHost())
                    && (record.getAddress().getRpcPort() == address.getRpcPort()
                        || record.getAddress().getRaftPort() == address.getRaftPort()))
        .findFirst();
  }

  public static String describe(NodeAddress address) {
    return address.getHost() + ":" + address.getRpcPort();
  }

  private static String stateName(NodeRecord record) {
    return record.getState() == NodeState.NODE_UP ? "up" : "down";
  }
}
