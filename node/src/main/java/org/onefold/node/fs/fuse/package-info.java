/**
 * The FUSE binding: the kernel's FUSE protocol spoken on /dev/fuse directly (docs/decisions.md,
 * "The FUSE binding speaks the kernel's protocol"), for the cluster filesystem and, later,
 * clusterwide fifos and devices.
 *
 * <p>Layers: {@link org.onefold.node.fs.fuse.FuseProtocol} holds the wire's numbers (from the
 * kernel's include/uapi/linux/fuse.h); {@link org.onefold.node.fs.fuse.FuseSession} is the pure
 * core (one request's bytes in, its reply's bytes out, the INIT negotiation, errors as errno),
 * tested without a kernel; {@link org.onefold.node.fs.fuse.FuseFilesystem} is what a filesystem
 * implements, inode by inode; {@link org.onefold.node.fs.fuse.FuseMount} is the edge: it opens
 * /dev/fuse, mounts it with mount(2) and serves requests until the mount goes away.
 *
 * <p>Threads: a mount's one reader thread reads a request, has the session answer it and writes the
 * reply; the filesystem is called on that thread.
 */
package org.onefold.node.fs.fuse;
