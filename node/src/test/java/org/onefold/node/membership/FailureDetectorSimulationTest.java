package org.onefold.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link DetectorSimulation} over many seeds. {@code -Dsim.seed=S} runs seed S alone (a
 * failure prints it); otherwise a fresh base seed is printed and {@code -Dsim.seeds} seeds (200)
 * follow from it.
 */
class FailureDetectorSimulationTest {

  private static final long SIMULATED_MILLIS = 30_000;

  @Test
  void killed_nodes_are_shown_down_in_time_and_only_silent_nodes_are_declared() {
    String given = System.getProperty("sim.seed");
    int seedCount = given != null ? 1 : Integer.getInteger("sim.seeds", 200);
    long baseSeed = given != null ? Long.parseLong(given) : new SplittableRandom().nextLong();
    System.out.println("FailureDetectorSimulationTest: " + seedCount + " seeds from " + baseSeed);
    long kills = 0;
    long declarations = 0;
    long leaderChanges = 0;
    long restarts = 0;
    long detectionMillisMax = 0;
    long leaderDetectionMillisMax = 0;
    long startGraceDetectionMillisMax = 0;
    long liveNodesDeclared = 0;
    long detections = 0;
    long detectionsOverOneSecond = 0;
    for (int index = 0; index < seedCount; index++) {
      DetectorSimulation simulation =
          new DetectorSimulation(baseSeed + index).run(SIMULATED_MILLIS);
      kills += simulation.kills;
      declarations += simulation.committedDeclarations;
      leaderChanges += simulation.leaderChanges;
      restarts += simulation.restarts;
      detections += simulation.detections;
      detectionsOverOneSecond += simulation.detectionsOverOneSecond;
      detectionMillisMax = Math.max(detectionMillisMax, simulation.detectionMillisMax);
      leaderDetectionMillisMax =
          Math.max(leaderDetectionMillisMax, simulation.leaderDetectionMillisMax);
      startGraceDetectionMillisMax =
          Math.max(startGraceDetectionMillisMax, simulation.startGraceDetectionMillisMax);
      liveNodesDeclared += simulation.liveNodesDeclared;
    }
    System.out.printf(
        "  %d kills, %d committed declarations, %d leader changes, %d restarts;"
            + " kill to shown down at most %d ms (follower), %d ms (leader, with election)%n",
        kills, declarations, leaderChanges, restarts, detectionMillisMax, leaderDetectionMillisMax);
    System.out.printf(
        "  killed in their start grace: shown down at most %d ms after the kill%n",
        startGraceDetectionMillisMax);
    System.out.printf(
        "  %d of %d kills took a second or more; %d declarations of live processes%n",
        detectionsOverOneSecond, detections, liveNodesDeclared);
    if (given == null) {
      assertThat(kills).as("the simulation kills nodes").isGreaterThan(seedCount);
      assertThat(declarations)
          .as("the simulation declares nodes down")
          .isGreaterThanOrEqualTo(kills / 2);
    }
  }
}
