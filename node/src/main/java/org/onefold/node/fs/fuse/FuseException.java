package org.onefold.node.fs.fuse;

/** An operation's failure as the kernel is told it: an errno value (ENOENT, EACCES, ...). */
public final class FuseException extends Exception {
  private final int errno;

  public FuseException(int errno, String message) {
    super(message, null, false, false);
    if (errno <= 0) {
      throw new IllegalArgumentException("errno " + errno + " is not a positive error number");
    }
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
