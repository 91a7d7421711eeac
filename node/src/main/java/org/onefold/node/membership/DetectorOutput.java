package org.onefold.node.membership;

import java.util.List;

/**
 * What one step of the {@link FailureDetector} asks of its edge.
 *
 * @param verdict the answer to send back, present only when the input was a heartbeat, else null
 * @param declareDown nodes to propose as down, in node order; empty on most steps
 */
public record DetectorOutput(HeartbeatVerdict verdict, List<Declaration> declareDown) {

  /** The output of a step that asks for nothing. */
  public static final DetectorOutput NOTHING = new DetectorOutput(null, List.of());

  public DetectorOutput {
    declareDown = List.copyOf(declareDown);
  }

  static DetectorOutput answer(HeartbeatVerdict verdict) {
    return new DetectorOutput(verdict, List.of());
  }
}
