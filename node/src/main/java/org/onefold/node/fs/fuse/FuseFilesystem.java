package org.onefold.node.fs.fuse;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A filesystem as the FUSE binding serves it: inode by inode, as the kernel asks (the low-level
 * interface; no paths). Inode 1 is the root. Failures are {@link FuseException}s with the errno
 * that Linux's own filesystems would give; permissions are the kernel's to check (the mount is
 * default_permissions). An operation a filesystem does not override answers EROFS: a read-only
 * filesystem implements only the reading ones. Called on the mount's reader thread.
 */
public interface FuseFilesystem {
  /** The root directory's inode number, fixed by the protocol (FUSE_ROOT_ID). */
  long ROOT = 1;

  int EROFS = 30;

  /**
   * What stat(2) shows of an inode.
   *
   * @param mode file type and permission bits, as st_mode
   * @param accessNanos the times of last access, modification and change, since the epoch
   */
  record Attributes(
      long inode,
      long size,
      int mode,
      int links,
      int uid,
      int gid,
      long accessNanos,
      long modifyNanos,
      long changeNanos) {}

  /** One name in a directory, with its inode number and st_mode's file type bits. */
  record DirectoryEntry(String name, long inode, int mode) {}

  /** What statfs(2) shows. */
  record Usage(long blocks, long freeBlocks, long files, long freeFiles, int blockSize) {}

  /** The process a request is for, as the kernel names it. */
  record Caller(int uid, int gid, int pid) {}

  /** What a setattr changes (an absent field stays); times in nanoseconds since the epoch. */
  record Changes(
      OptionalInt mode,
      OptionalInt uid,
      OptionalInt gid,
      OptionalLong size,
      OptionalLong accessNanos,
      OptionalLong modifyNanos) {}

  Attributes attributes(long inode) throws FuseException;

  /** The child name of the directory parent; ENOENT if there is none. */
  Attributes lookup(long parent, String name) throws FuseException;

  /** Every entry of the directory inode, "." and ".." first. */
  List<DirectoryEntry> list(long inode) throws FuseException;

  /** Up to size bytes of the file inode from offset; fewer at its end. */
  byte[] read(long inode, long offset, int size) throws FuseException;

  Usage usage();

  /** fuse_open_out's open_flags: read and write straight through, past the page cache. */
  int DIRECT_IO = 1;

  /** fuse_open_out's open_flags: keep what the kernel has cached of the file's data. */
  int KEEP_CACHE = 1 << 1;

  /**
   * A file is opened (flags as open(2)'s); its inode lives until the last release. Returns how the
   * kernel is to treat this open file: 0, or {@link #DIRECT_IO} (a fifo's or a device's data, which
   * has no size and must not be cached) and {@link #KEEP_CACHE}.
   */
  default int open(long inode, int flags) throws FuseException {
    return 0;
  }

  default void release(long inode) throws FuseException {}

  /** A file made and opened at once, and how the kernel is to treat the open file. */
  record Created(Attributes attributes, int openFlags) {}

  /**
   * open(2) with O_CREAT of a name that is not there (FUSE's CREATE): makes a regular file as
   * {@link #make} does and opens it with flags, as {@link #open} does; by default those two.
   */
  default Created create(Caller caller, long parent, String name, int mode, int flags)
      throws FuseException {
    Attributes made = make(caller, parent, name, mode);
    return new Created(made, open(made.inode(), flags));
  }

  /**
   * Makes a directory, regular file or fifo named name in parent, owned by caller; mode has the
   * type bits and the permission bits with the umask applied.
   */
  default Attributes make(Caller caller, long parent, String name, int mode) throws FuseException {
    throw readOnly();
  }

  default Attributes symlink(Caller caller, long parent, String name, String target)
      throws FuseException {
    throw readOnly();
  }

  default String readlink(long inode) throws FuseException {
    throw new FuseException(FuseProtocol.EINVAL, "no symbolic links here");
  }

  default Attributes link(long inode, long parent, String name) throws FuseException {
    throw readOnly();
  }

  default void unlink(long parent, String name) throws FuseException {
    throw readOnly();
  }

  default void rmdir(long parent, String name) throws FuseException {
    throw readOnly();
  }

  /** renameat2(2): flags 0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2). */
  default void rename(long parent, String name, long newParent, String newName, int flags)
      throws FuseException {
    throw readOnly();
  }

  default Attributes setAttributes(long inode, Changes changes) throws FuseException {
    throw readOnly();
  }

  /** Writes data at offset of the file inode; the count written. */
  default int write(long inode, long offset, byte[] data) throws FuseException {
    throw readOnly();
  }

  /** open(2)'s flag for a file whose every write goes at its end. */
  int O_APPEND = 02000;

  /** open(2)'s flag with O_CREAT: fail if the name is there. */
  int O_EXCL = 0200;

  /**
   * As {@link #write(long, long, byte[])}, with the flags the file was opened with: with {@link
   * #O_APPEND} the kernel's offset is its idea of the file's end, which the filesystem may know
   * better (another node may have appended since).
   */
  default int write(long inode, long offset, byte[] data, int flags) throws FuseException {
    return write(inode, offset, data);
  }

  /** setxattr(2): flags XATTR_CREATE (1) or XATTR_REPLACE (2). */
  default void setXattr(long inode, String name, byte[] value, int flags) throws FuseException {
    throw notSupported();
  }

  default byte[] getXattr(long inode, String name) throws FuseException {
    throw notSupported();
  }

  default List<String> listXattrs(long inode) throws FuseException {
    return List.of();
  }

  default void removeXattr(long inode, String name) throws FuseException {
    throw notSupported();
  }

  /** Makes what was written to inode durable. */
  default void fsync(long inode) throws FuseException {}

  /** close(2) of a descriptor of inode (FUSE's FLUSH): its failure is close's. */
  default void flush(long inode) throws FuseException {}

  /** ENOSYS: the kernel remembers it and answers EOPNOTSUPP from then on. */
  private static FuseException notSupported() {
    return new FuseException(FuseProtocol.ENOSYS, "no extended attributes here");
  }

  private static FuseException readOnly() {
    return new FuseException(EROFS, "a read-only filesystem");
  }
}
