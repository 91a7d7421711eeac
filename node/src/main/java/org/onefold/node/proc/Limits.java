package org.onefold.node.proc;

/** The process space's limits, in one place. */
final class Limits {
  /** Programs one node runs for Onefold at once (running or not yet reaped). */
  static final int PROCESSES_MAX = 4096;

  private Limits() {}
}
