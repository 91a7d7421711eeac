package org.onefold.cli;

import java.time.LocalDate;

/**
 * Times as ssi prints them: ISO-8601 in UTC, as {@code Instant.toString()} writes them ({@code
 * 2025-03-01T10:05:30.250Z}, the fraction only when there is one). Written here by hand because
 * java.time's formatter, which Instant.toString() sets up on first use, costs a command 3 to 5 ms
 * of its start.
 */
final class UtcTime {
  private static final long MILLIS_PER_SECOND = 1000;
  private static final int SECONDS_PER_DAY = 86_400;

  private UtcTime() {}

  /** To the millisecond: {@code 2025-03-01T10:05:30.250Z}, {@code 2025-03-01T10:00:00Z}. */
  static String millis(long epochMillis) {
    StringBuilder text = dateAndTime(Math.floorDiv(epochMillis, MILLIS_PER_SECOND));
    int millis = (int) Math.floorMod(epochMillis, MILLIS_PER_SECOND);
    if (millis != 0) {
      text.append('.').append((char) ('0' + millis / 100)).append(twoDigits(millis % 100));
    }
    return text.append('Z').toString();
  }

  /** To the second, a fraction dropped: {@code 2025-03-01T10:05:30Z}. */
  static String seconds(long epochMillis) {
    return dateAndTime(Math.floorDiv(epochMillis, MILLIS_PER_SECOND)).append('Z').toString();
  }

  /** {@code 2025-03-01T10:05:30}. */
  private static StringBuilder dateAndTime(long epochSeconds) {
    long day = Math.floorDiv(epochSeconds, SECONDS_PER_DAY);
    int second = (int) Math.floorMod(epochSeconds, SECONDS_PER_DAY);
    return new StringBuilder(24)
        .append(LocalDate.ofEpochDay(day)) // LocalDate.toString() is written by hand too.
        .append('T')
        .append(twoDigits(second / 3600))
        .append(':')
        .append(twoDigits(second / 60 % 60))
        .append(':')
        .append(twoDigits(second % 60));
  }

  private static String twoDigits(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }
}
