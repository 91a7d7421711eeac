package org.onefold.node.load;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.onefold.proto.LoadVector;

/**
 * The latest load vector of each node, as the meta leader received them with heartbeats: a pure
 * object fed with reports and the time. A vector past {@link Limits#STALE_MILLIS} is not given out,
 * so a node that stopped beating stops attracting work before it is declared down. At most one
 * entry per node number, so the table is bounded by the node count.
 *
 * <p>Not thread-safe: its owner (LoadService) calls it under one lock.
 */
final class LoadTable {
  /** A vector and when it arrived (monotonic milliseconds). */
  record Report(LoadVector load, long receivedMillis) {}

  private final Map<Integer, Report> reports = new HashMap<>();

  void record(int node, LoadVector load, long nowMillis) {
    reports.put(node, new Report(load, nowMillis));
  }

  /** The node's vector if it is recent enough to place work by. */
  Optional<Report> fresh(int node, long nowMillis) {
    Report report = reports.get(node);
    if (report == null || nowMillis - report.receivedMillis() > Limits.STALE_MILLIS) {
      return Optional.empty();
    }
    return Optional.of(report);
  }
}
