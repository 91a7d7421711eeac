package org.onefold.node.fs;

/**
 * An operation the namespace refuses, with the errno Linux's own filesystems give for it. An
 * operating error, a value for the caller; not a bug.
 */
public final class FsError extends Exception {
  public static final int EPERM = 1;
  public static final int EIO = 5;
  public static final int ESTALE = 116;
  public static final int E2BIG = 7;
  public static final int ENOENT = 2;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int EMLINK = 31;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOTEMPTY = 39;
  public static final int ENODATA = 61;
  public static final int EOPNOTSUPP = 95;
  public static final int ERANGE = 34;

  private final int errno;

  public FsError(int errno, String message) {
    super(message, null, false, false);
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
