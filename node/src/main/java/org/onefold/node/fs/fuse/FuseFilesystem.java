package org.onefold.node.fs.fuse;

import java.util.List;

/**
 * A filesystem as the FUSE binding serves it: inode by inode, as the kernel asks (the low-level
 * interface; no paths). Inode 1 is the root. Failures are {@link FuseException}s with the errno
 * that Linux's own filesystems would give. Called on the mount's reader thread.
 */
public interface FuseFilesystem {
  /** The root directory's inode number, fixed by the protocol (FUSE_ROOT_ID). */
  long ROOT = 1;

  /**
   * What stat(2) shows of an inode.
   *
   * @param mode file type and permission bits, as st_mode
   * @param seconds the time of last modification, change and access, in seconds since the epoch
   */
  record Attributes(long inode, long size, int mode, int links, int uid, int gid, long seconds) {}

  /** One name in a directory, with its inode number and st_mode's file type bits. */
  record DirectoryEntry(String name, long inode, int mode) {}

  /** What statfs(2) shows. */
  record Usage(long blocks, long freeBlocks, long files, long freeFiles, int blockSize) {}

  Attributes attributes(long inode) throws FuseException;

  /** The child name of the directory parent; ENOENT if there is none. */
  Attributes lookup(long parent, String name) throws FuseException;

  /** Every entry of the directory inode, "." and ".." first. */
  List<DirectoryEntry> list(long inode) throws FuseException;

  /** Up to size bytes of the file inode from offset; fewer at its end. */
  byte[] read(long inode, long offset, int size) throws FuseException;

  Usage usage();
}
