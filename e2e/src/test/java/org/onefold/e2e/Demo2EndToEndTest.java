package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Demo 2 on four nodes, as its steps read: from node 1, {@code ssi onnode 2 vi
 * /tmp/newfile} on a terminal; type some text and write it out; on node 2, {@code ssi ps} shows the
 * vi with a cpid of node 2; on node 3, {@code cat} the file; on node 4, {@code ssi kill} the vi by
 * its cpid; node 1's {@code ssi onnode} reports the death with status 137 (128 + SIGKILL).
 *
 * <p>All four nodes run on this machine, so node 3 reads the file through the machine's own /tmp
 * until the cluster filesystem gives every node the same files.
 */
class Demo2EndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path temporary;
  private LocalCluster cluster;

  @AfterEach
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName(
      "Demo 2: vi on node 2 from node 1, seen on node 2, killed from node 4, 137 on node 1")
  void demo2() throws Exception {
    cluster = LocalCluster.up(temporary, 4);
    Path file = temporary.resolve("newfile");
    Terminal node1 =
        Terminal.start(
            List.of(Programs.ssi().toString(), "onnode", "2", "vi", "-u", "NONE", file.toString()),
            cluster.environmentOf(1),
            24,
            80);
    try {
      node1.awaitOutput("~");
      node1.type("isome text typed on node 1\u001b:w\r");
      await("the file written out")
          .atMost(WAIT)
          .until(
              () ->
                  Files.exists(file)
                      && Files.readString(file).equals("some text typed on node 1\n"));

      Programs.Result ps = cluster.ssiOn(2, "ps");
      assertThat(ps.status()).as(ps.describe()).isZero();
      String vi =
          ps.out()
              .lines()
              .filter(line -> line.endsWith("vi -u NONE " + file))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no vi in ssi ps on node 2:\n" + ps.out()));
      long cpid = Long.parseLong(vi.split("\\s+")[0]);
      assertThat(cpid).as("a cpid of node 2: 131xxx").isBetween(131073L, 196607L);

      Programs.Result cat = cluster.ssiOn(3, "onnode", "3", "cat", file.toString());
      assertThat(cat.out()).isEqualTo("some text typed on node 1\n");

      Programs.Result kill = cluster.ssiOn(4, "kill", "-9", Long.toString(cpid));
      assertThat(kill.status()).as(kill.describe()).isZero();

      assertThat(node1.awaitExit())
          .as("node 1's ssi onnode; screen: %s", node1.screen())
          .isEqualTo(137);
    } finally {
      node1.close();
    }
  }
}
