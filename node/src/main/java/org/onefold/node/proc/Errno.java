package org.onefold.node.proc;

/** The errno values the process space answers with, as Linux numbers them. */
final class Errno {
  static final int EPERM = 1;
  static final int ESRCH = 3;
  static final int EINVAL = 22;

  private Errno() {}
}
