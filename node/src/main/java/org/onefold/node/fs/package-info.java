/**
 * The cluster filesystem (CFS): one namespace and its files' data, replicated by a Raft group of
 * their own, mounted with FUSE at /cluster on every node.
 *
 * <p>Layers: {@link org.onefold.node.fs.Namespace}, the pure core (inodes, names, link counts,
 * rename's three kinds, unlinked-but-open files, errno as Linux's filesystems give it); {@link
 * org.onefold.node.fs.ChunkStore}, files' data on disk in chunks; {@link
 * org.onefold.node.fs.FsState}, the two changed by {@code FsCommand}s in log order and read by
 * {@code FsQuery}s (fs.proto), deterministic, as the filesystem group's state machine will apply
 * them; {@link org.onefold.node.fs.FsGateway}, a node's way to that state; {@link
 * org.onefold.node.fs.ClusterFilesystem}, the FUSE binding's ({@code org.onefold.node.fs.fuse})
 * operations as commands and queries through a gateway. Not replicated yet: the one gateway is
 * {@link org.onefold.node.fs.FsGateway#direct}, the state in the same process. Errors are {@link
 * org.onefold.node.fs.FsError} values with an errno.
 *
 * <p>Threads: FsState is touched by one thread at a time (the gateway's order); the FUSE readers
 * call ClusterFilesystem at once.
 */
package org.onefold.node.fs;
