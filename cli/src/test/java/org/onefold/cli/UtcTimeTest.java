package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** UtcTime writes what Instant.toString() writes, over the years ssi will see and their edges. */
class UtcTimeTest {
  private static final long SEED = 20251126;

  @Test
  void likeInstantToStringToTheMillisecond() {
    SplittableRandom random = new SplittableRandom(SEED);
    long[] edges = {0, 1, 999, 1000, 59_999, 60_000, 86_399_999, 86_400_000, -1, -1000};
    for (long millis : edges) {
      assertThat(UtcTime.millis(millis)).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
    for (int i = 0; i < 10_000; i++) {
      long millis = random.nextLong(0, 4_102_444_800_000L); // 1970 to 2100
      assertThat(UtcTime.millis(millis))
          .as("seed %d, %d ms", SEED, millis)
          .isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
  }

  @Test
  void likeInstantTruncatedToTheSecond() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int i = 0; i < 10_000; i++) {
      long millis = random.nextLong(0, 4_102_444_800_000L);
      assertThat(UtcTime.seconds(millis))
          .as("seed %d, %d ms", SEED, millis)
          .isEqualTo(Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString());
    }
  }
}
