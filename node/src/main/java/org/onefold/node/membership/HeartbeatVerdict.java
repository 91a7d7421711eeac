package org.onefold.node.membership;

/** The detector's answer to a heartbeat; the edge maps it to the reply's status. */
public enum HeartbeatVerdict {
  /** Heard; the node's silence starts again from now. */
  OK,
  /** This node does not lead the meta group; the sender asks for the leader and sends there. */
  NOT_LEADER,
  /**
   * The incarnation is stale or was declared down: the sender must start again with a new
   * incarnation.
   */
  FENCED,
  /** The node is not in the table here; its join may not be applied yet, so the sender retries. */
  UNKNOWN_NODE
}
