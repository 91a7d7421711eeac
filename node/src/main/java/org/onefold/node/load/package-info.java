/**
 * Load leveling: where new work goes.
 *
 * <p>Every node reads its load vector ({@link org.onefold.node.load.LoadSampler}: load average,
 * runnable tasks, CPUs, available memory) and sends it with each heartbeat; the meta leader keeps
 * the latest per node ({@link org.onefold.node.load.LoadTable}, pure). {@link
 * org.onefold.node.load.Placement} (pure) takes the less loaded of two up nodes drawn at random.
 * {@link org.onefold.node.load.LoadService} is the edge: it answers the Loads call on the leader
 * and places work for {@code ssi run} on any node, asking the leader for the two vectors.
 *
 * <p>Threads: heartbeats report on gRPC's threads; placement runs on the caller's thread; the table
 * is guarded by its own monitor.
 */
package org.onefold.node.load;
