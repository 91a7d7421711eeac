/**
 * What a node writes to its own disk outside the Raft log: {@link
 * org.onefold.node.storage.AtomicFiles}, the one way to write a small file whole or not at all.
 */
package org.onefold.node.storage;
