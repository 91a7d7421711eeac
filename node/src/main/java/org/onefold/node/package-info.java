/**
 * ssid, the node daemon: {@link org.onefold.node.Ssid} (the command line), {@link
 * org.onefold.node.NodeSettings} (flags, environment, config file), {@link
 * org.onefold.node.StateDirectory} (what a node keeps on disk), {@link org.onefold.node.NodeSetup}
 * (bootstrap, join, restart) and {@link org.onefold.node.NodeDaemon} (the wiring of the
 * subsystems).
 *
 * <p>Subsystems live in packages named for what they own: {@code membership}, {@code registry},
 * {@code raft} (the meta group), {@code transport} (TLS, the Unix socket), {@code admin} (the local
 * API), {@code storage} (small files written whole or not at all). They talk through the meta group's ordered events and small interfaces.
 */
package org.onefold.node;
