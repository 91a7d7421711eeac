package org.onefold.bench;

import java.util.Arrays;

/**
 * The latencies of one measured phase, in nanoseconds, kept whole (at most a few hundred thousand
 * longs) so that percentiles are exact: the value at rank ceil(q * n) of the sorted sample, as
 * etcd's benchmark tool and most others report.
 */
final class Latencies {
  private final long[] nanos;
  private int count;

  Latencies(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("latency capacity must be at least 1, not " + capacity);
    }
    nanos = new long[capacity];
  }

  /** Called by one thread only, or under the caller's lock. */
  void record(long elapsedNanos) {
    nanos[count++] = elapsedNanos;
  }

  int count() {
    return count;
  }

  /** Adds other's sample to this one (after the threads that filled other have ended). */
  void addAll(Latencies other) {
    System.arraycopy(other.nanos, 0, nanos, count, other.count);
    count += other.count;
  }

  /** The q-quantile in milliseconds, 0 < q <= 1; NaN if nothing was recorded. */
  double quantileMillis(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in (0, 1], not " + q);
    }
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * count);
    return sorted[Math.max(rank, 1) - 1] / 1e6;
  }
}
