/**
 * The cluster filesystem (CFS): one namespace and its files' data, replicated by a Raft group of
 * their own, mounted with FUSE at /cluster on every node.
 *
 * <p>So far: {@link org.onefold.node.fs.Namespace}, the pure core (inodes, names, link counts,
 * rename's three kinds, unlinked-but-open files, errno as Linux's filesystems give it), which the
 * filesystem group's state machine will apply in log order; {@link org.onefold.node.fs.ChunkStore},
 * files' data on disk in chunks; {@link org.onefold.node.fs.LocalFilesystem}, the two behind the
 * FUSE binding ({@code org.onefold.node.fs.fuse}) on one node, not replicated yet. Errors are
 * {@link org.onefold.node.fs.FsError} values with an errno.
 *
 * <p>Threads: the namespace is touched by one thread, the one that applies operations.
 */
package org.onefold.node.fs;
