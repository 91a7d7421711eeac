package org.onefold.node.membership;

/**
 * Timeouts of the {@link FailureDetector}, checked when built.
 *
 * @param downAfterMillis a node silent for longer than this is declared down; a few heartbeat
 *     intervals (heartbeats go every 100 ms), so that one or two lost heartbeats never declare a
 *     live node
 * @param redeclareAfterMillis a node declared down and still up in the table this long after is
 *     declared again: the proposal was lost (leader busy, log truncated)
 * @param previousLeaderGraceMillis the grace a new leader gives the leader before it, at most
 *     {@code downAfterMillis}; see {@link FailureDetector} for why it is short
 */
public record DetectorSettings(
    long downAfterMillis,
    long redeclareAfterMillis,
    long previousLeaderGraceMillis,
    long startGraceMillis) {

  /**
   * How long a node that just joined or started may stay silent: between its admission (or the
   * applied start of its new incarnation) and its first heartbeat it receives its certificate,
   * starts its Raft member and its RPC channels, which takes seconds on a cold JVM. The price: a
   * node that dies this soon after starting is shown down only after this grace.
   */
  public static final long START_GRACE_MILLIS_DEFAULT = 10_000;

  public DetectorSettings(
      long downAfterMillis, long redeclareAfterMillis, long previousLeaderGraceMillis) {
    this(
        downAfterMillis,
        redeclareAfterMillis,
        previousLeaderGraceMillis,
        START_GRACE_MILLIS_DEFAULT);
  }

  public DetectorSettings {
    requireInRange("downAfterMillis", downAfterMillis, 1, Limits.DETECTOR_MILLIS_MAX);
    requireInRange("redeclareAfterMillis", redeclareAfterMillis, 1, Limits.DETECTOR_MILLIS_MAX);
    requireInRange("previousLeaderGraceMillis", previousLeaderGraceMillis, 0, downAfterMillis);
    requireInRange(
        "startGraceMillis", startGraceMillis, downAfterMillis, Limits.DETECTOR_MILLIS_MAX);
  }

  /**
   * 500 ms down, 250 ms to declare again, 300 ms for the previous leader. A dead leader is then
   * shown down after an election (150-300 ms) plus 300 ms plus a commit: under a second.
   */
  public static DetectorSettings defaults() {
    return new DetectorSettings(500, 250, 300);
  }

  private static void requireInRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name
              + " "
              + value
              + " not in "
              + min
              + ".."
              + max
              + (name.equals("previousLeaderGraceMillis") ? " (at most downAfterMillis)" : "")
              + "; milliseconds expected");
    }
  }
}
