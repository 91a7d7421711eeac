/**
 * The registry: the cluster's replicated key-value store (the seed's data replication service).
 * {@link org.onefold.node.registry.KeySpace} is its pure core, held by the meta state machine;
 * {@link org.onefold.node.registry.Limits} its limits. Reads and writes arrive through the local
 * API.
 */
package org.onefold.node.registry;
