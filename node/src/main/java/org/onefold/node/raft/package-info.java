/**
 * The meta group: the Raft group (Apache Ratis) that holds what all nodes agree on.
 *
 * <p>{@link org.onefold.node.raft.MetaState} is the pure state (node table, registry, tokens,
 * roles, event history) and its rules for applying commands; {@link
 * org.onefold.node.raft.MetaStateMachine} is the Ratis edge (decode, apply, snapshot; Ratis' apply
 * thread writes, other threads read under its lock); {@link org.onefold.node.raft.MetaGroup} starts
 * this node's member and client.
 */
package org.onefold.node.raft;
