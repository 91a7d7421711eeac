/**
 * Membership: who is in the cluster and who is up.
 *
 * <p>Pure cores: {@link org.onefold.node.membership.NodeTable} (numbers, addresses, states,
 * incarnations; held by the meta state machine), {@link
 * org.onefold.node.membership.FailureDetector} (on the meta leader: who fell silent) and {@link
 * org.onefold.node.membership.VoterPlan} (who votes in the meta group).
 *
 * <p>Edges: {@link org.onefold.node.membership.MembershipService} runs the detector and the voter
 * plan on its "membership" thread (bounded inbox) and reconfigures Raft on its "reconfigure"
 * thread; {@link org.onefold.node.membership.HeartbeatSender} beats the leader on the "heartbeat"
 * thread; {@link org.onefold.node.membership.JoinService} and {@link
 * org.onefold.node.membership.NodeRpcService} answer other machines on gRPC threads.
 */
package org.onefold.node.membership;
