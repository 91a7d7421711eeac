package org.onefold.node.membership;

/** Limits of the membership subsystem, in one place (as xv6's param.h). */
final class Limits {
  /** Node numbers are 1..32767: a cpid keeps the node in its upper 16 bits, sign bit clear. */
  static final int NODE_NUMBER_MIN = 1;

  static final int NODE_NUMBER_MAX = 32_767;

  /** The most nodes a failure detector tracks: one per node number. */
  static final int TRACKED_NODES_MAX = NODE_NUMBER_MAX;

  /** No detector timeout is longer than an hour; a longer one is a unit mistake. */
  static final long DETECTOR_MILLIS_MAX = 3_600_000;

  private Limits() {}

  /**
   * Returns {@code node} if it is a node number, else fails loudly: the edge checks wire values
   * first.
   */
  static int requireNodeNumber(int node, String role) {
    if (node < NODE_NUMBER_MIN || node > NODE_NUMBER_MAX) {
      throw new IllegalArgumentException(
          role
              + " "
              + node
              + " not in "
              + NODE_NUMBER_MIN
              + ".."
              + NODE_NUMBER_MAX
              + "; was a wire value passed on unchecked?");
    }
    return node;
  }

  /** Returns {@code incarnation} if it is not negative, else fails loudly. */
  static long requireIncarnation(long incarnation, int node) {
    if (incarnation < 0) {
      throw new IllegalArgumentException(
          "incarnation "
              + incarnation
              + " of node "
              + node
              + " is negative; incarnations count starts from 0 up");
    }
    return incarnation;
  }
}
