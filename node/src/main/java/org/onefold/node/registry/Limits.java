package org.onefold.node.registry;

/** The registry's limits, in one place. */
public final class Limits {
  /** A key's length in UTF-8 bytes. */
  public static final int KEY_BYTES_MAX = 4096;

  /** A value's length: 1 MiB, so that one write never holds up the log for long. */
  public static final int VALUE_BYTES_MAX = 1 << 20;

  /** Entries one list call returns. */
  public static final int LIST_ENTRIES_MAX = 10_000;

  /** Events kept for watches that start in the past; older ones are compacted away. */
  public static final int EVENT_HISTORY_MAX = 100_000;

  private Limits() {}
}
