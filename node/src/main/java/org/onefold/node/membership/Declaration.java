package org.onefold.node.membership;

/**
 * A node the leader should propose as down: DeclareDown(node, incarnation) through Raft.
 *
 * @param node the silent node
 * @param incarnation the node's incarnation in the table; the state machine ignores a stale one
 * @param silentMillis how long the leader has not heard from it, for the reason in the log
 */
public record Declaration(int node, long incarnation, long silentMillis) {}
