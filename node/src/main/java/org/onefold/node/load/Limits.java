package org.onefold.node.load;

/** Load leveling's limits, in one place. */
final class Limits {
  /** A node reads its load at most this often; heartbeats in between carry the last reading. */
  static final long SAMPLE_INTERVAL_MILLIS = 1_000;

  /**
   * A vector older than this is not used for placement: its node has stopped beating (it is going
   * down) or the leader just took office.
   */
  static final long STALE_MILLIS = 5_000;

  /** A node with less memory available than this counts as full, whatever its CPUs do. */
  static final long MEMORY_FLOOR_BYTES = 256L << 20;

  /** How long placement waits for the leader's vectors before it places without them. */
  static final long LEADER_ANSWER_MILLIS = 300;

  private Limits() {}
}
