package org.onefold.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Option and parameter values with rules of their own. A bad value is a {@link UsageError} (exit 2)
 * whose message names what was expected; the parser adds which option or parameter it was for.
 */
final class Converters {
  private Converters() {}

  /** A whole number that fits an int, such as a node number or a count. */
  static int integer(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new UsageError("'" + value + "' is not a whole number");
    }
  }

  /** A whole number that fits a long, such as a cpid. */
  static long longInteger(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new UsageError("'" + value + "' is not a whole number");
    }
  }

  /** A registry revision: a whole number, zero or more. */
  static long revision(String value) {
    try {
      long revision = Long.parseLong(value);
      if (revision >= 0) {
        return revision;
      }
    } catch (NumberFormatException e) {
      // Reported below with the expected form.
    }
    throw new UsageError("'" + value + "' is not a revision (a whole number, 0 or more)");
  }

  /** A duration such as 90s, 30m, 24h or 7d, above zero (the daemon's own notation). */
  static Duration lifetime(String value) {
    // Compiled here, not in a static field: most commands never read a duration.
    Matcher matcher = Pattern.compile("(\\d{1,9})(s|m|h|d)").matcher(value);
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      Duration duration =
          switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
      if (!duration.isZero()) {
        return duration;
      }
    }
    throw new UsageError("'" + value + "' is not a duration such as 90s, 30m, 24h or 7d");
  }
}
