package org.onefold.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values with rules of their own. A bad value is a usage error (exit 2) whose message names
 * what was expected.
 */
final class Converters {
  private Converters() {}

  /** A registry revision: a whole number, zero or more. */
  static final class Revision implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        long revision = Long.parseLong(value);
        if (revision >= 0) {
          return revision;
        }
      } catch (NumberFormatException e) {
        // Reported below with the expected form.
      }
      throw new TypeConversionException(
          "'" + value + "' is not a revision (a whole number, 0 or more)");
    }
  }

  /** A duration such as 90s, 30m, 24h or 7d, above zero (the daemon's own notation). */
  static final class Lifetime implements ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h|d)");

    @Override
    public Duration convert(String value) {
      Matcher matcher = DURATION.matcher(value);
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
      throw new TypeConversionException(
          "'" + value + "' is not a duration such as 90s, 30m, 24h or 7d");
    }
  }
}
