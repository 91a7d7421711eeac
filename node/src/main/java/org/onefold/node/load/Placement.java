package org.onefold.node.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.onefold.proto.LoadVector;

/**
 * Where new work goes: the less loaded of two up nodes drawn at random ("the power of two
 * choices"). Two random draws need only two vectors, not the whole cluster's, and spread a burst of
 * starts over the nodes even when every vector is a second old, where "the least loaded node" would
 * send the whole burst to one node. A pure function of the nodes, their vectors and the random
 * source.
 *
 * <p>A node's pressure is its runnable work per CPU: the larger of its load average and its
 * runnable tasks now (the load average lags a burst by a minute), over its CPUs. A node short of
 * memory ({@link Limits#MEMORY_FLOOR_BYTES}) is taken only if the other is short too. A node
 * without a recent vector is taken only if the other has none either.
 */
public final class Placement {
  private static final double MEMORY_SHORT_PENALTY = 1_000_000;

  /** A node that may take the work, with its vector if a recent one is known. */
  public record Candidate(int node, Optional<LoadVector> load) {}

  /** The node chosen, and a line that says why (for {@code ssi run -v}). */
  public record Choice(int node, String reason) {}

  private Placement() {}

  /** Two distinct nodes of {@code upNodes} at random, or the only one; none if none is up. */
  public static List<Integer> candidates(List<Integer> upNodes, RandomGenerator random) {
    List<Integer> drawn = new ArrayList<>(2);
    if (upNodes.isEmpty()) {
      return drawn;
    }
    int first = random.nextInt(upNodes.size());
    drawn.add(upNodes.get(first));
    if (upNodes.size() > 1) {
      int second = random.nextInt(upNodes.size() - 1);
      drawn.add(upNodes.get(second >= first ? second + 1 : second));
    }
    return drawn;
  }

  /** The less loaded of the candidates (the first on a tie: they were drawn at random). */
  public static Choice choose(List<Candidate> candidates) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidate to place work on");
    }
    Candidate best = candidates.getFirst();
    for (Candidate candidate : candidates) {
      if (pressure(candidate) < pressure(best)) {
        best = candidate;
      }
    }
    StringBuilder reason = new StringBuilder("node ").append(best.node()).append(" chosen");
    if (candidates.size() == 1) {
      reason.append(", the only node up");
    }
    for (Candidate candidate : candidates) {
      reason.append("; node ").append(candidate.node()).append(": ").append(describe(candidate));
    }
    return new Choice(best.node(), reason.toString());
  }

  /** Runnable work per CPU, plus the penalties above; lower is better. */
  static double pressure(Candidate candidate) {
    if (candidate.load().isEmpty()) {
      return Double.MAX_VALUE;
    }
    LoadVector load = candidate.load().get();
    double work = Math.max(load.getLoadAverage(), load.getRunnable()) / Math.max(load.getCpus(), 1);
    return load.getMemoryAvailableBytes() < Limits.MEMORY_FLOOR_BYTES
        ? work + MEMORY_SHORT_PENALTY
        : work;
  }

  private static String describe(Candidate candidate) {
    if (candidate.load().isEmpty()) {
      return "no recent load";
    }
    LoadVector load = candidate.load().get();
    return String.format(
        Locale.ROOT,
        "load %.2f, %d runnable, %d cpus, %.1f GiB available",
        load.getLoadAverage(),
        load.getRunnable(),
        load.getCpus(),
        load.getMemoryAvailableBytes() / (double) (1L << 30));
  }
}
