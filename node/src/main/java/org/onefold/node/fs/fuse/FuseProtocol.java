package org.onefold.node.fs.fuse;

/**
 * The numbers of the kernel's FUSE protocol that this binding uses, as include/uapi/linux/fuse.h
 * defines them (protocol 7.38; the kernel speaks any older minor version a server answers with).
 * All structures are little-endian on the machines Onefold runs on (x86_64, aarch64).
 */
final class FuseProtocol {
  private FuseProtocol() {}

  static final int KERNEL_VERSION = 7;
  static final int KERNEL_MINOR_VERSION = 38;

  // enum fuse_opcode
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int BATCH_FORGET = 42;
  static final int RENAME2 = 45;

  // struct fuse_setattr_in's valid bits
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;

  // enum fuse_notify_code: a notice is a message with unique 0 and the code in the error field
  static final int NOTIFY_INVAL_INODE = 2;
  static final int NOTIFY_INVAL_ENTRY = 3;

  /** sizeof(struct fuse_write_out). */
  static final int WRITE_OUT_BYTES = 8;

  static final int S_IFDIR = 0040000;

  /** sizeof(struct fuse_in_header) and sizeof(struct fuse_out_header). */
  static final int IN_HEADER_BYTES = 40;

  static final int OUT_HEADER_BYTES = 16;

  /** sizeof(struct fuse_attr), fuse_attr_out, fuse_entry_out, fuse_open_out, fuse_kstatfs. */
  static final int ATTR_BYTES = 88;

  static final int ATTR_OUT_BYTES = 16 + ATTR_BYTES;
  static final int ENTRY_OUT_BYTES = 40 + ATTR_BYTES;
  static final int OPEN_OUT_BYTES = 16;
  static final int STATFS_OUT_BYTES = 80;

  /** sizeof(struct fuse_init_out) from minor 23 on; before that, the 7.22 size. */
  static final int INIT_OUT_BYTES = 64;

  static final int INIT_OUT_BYTES_BEFORE_23 = 24;

  /** Offset of the name in struct fuse_dirent; each record is padded to 8 bytes. */
  static final int DIRENT_NAME_OFFSET = 24;

  // fuse_init_in/out flags
  static final int ASYNC_READ = 1;
  static final int BIG_WRITES = 1 << 5;

  /** The kernel takes max_pages from INIT: requests of more than 32 pages. */
  static final int MAX_PAGES = 1 << 22;

  /** The read buffer the kernel requires at least (FUSE_MIN_READ_BUFFER). */
  static final int MIN_READ_BUFFER_BYTES = 8192;

  // errno values answered to the kernel (negated in the reply's header)
  static final int ENOENT = 2;
  static final int EIO = 5;
  static final int EBADF = 9;
  static final int EMFILE = 24;
  static final int EACCES = 13;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ERANGE = 34;
  static final int ENOSYS = 38;
  static final int EPROTO = 71;
}
