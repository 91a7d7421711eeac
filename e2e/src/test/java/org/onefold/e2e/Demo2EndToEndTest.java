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
 * vi with a cpid of node 2; on node 3, {@code ssi onnode 3 cat /tmp/newfile} and {@code cat} in
 * {@code ssi shell 3} show the file; on node 4, {@code ssi kill} the vi by its cpid; node 1's
 * {@code ssi onnode} reports the death with status 137 (128 + SIGKILL).
 *
 * <p>The programs run in the cluster view, where /tmp is the cluster filesystem's: node 3 reads
 * what node 2 wrote through its own mount, not through this machine's /tmp (which does not have the
 * file).
 */
class Demo2EndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TEXT = "some text typed on node 1\n";

  /** A directory every node's view has: the programs' working directory. */
  private static final Path ROOT = Path.of("/");

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
      "Demo 2: vi on node 2 from node 1 writes /tmp/newfile, node 3 cats it (onnode and ssi"
          + " shell), node 4 kills the vi, node 1 sees 137")
  void demo2() throws Exception {
    LocalCluster.assumeMounts();
    cluster = LocalCluster.upWithClusterView(temporary, 4);
    Terminal node1 =
        Terminal.start(
            List.of(Programs.ssi().toString(), "onnode", "2", "vi", "-u", "NONE", "/tmp/newfile"),
            cluster.environmentOf(1),
            24,
            80,
            ROOT);
    try {
      node1.awaitOutput("~");
      node1.type("isome text typed on node 1\u001b:w\r");
      Path onNode1 = cluster.mountOf(1).resolve("tmp/newfile");
      await("the file written out, seen through node 1's mount")
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> Files.readString(onNode1).equals(TEXT));
      assertThat(Path.of("/tmp/newfile")).as("not this machine's /tmp").doesNotExist();

      Programs.Result ps = cluster.ssiOn(2, "ps");
      assertThat(ps.status()).as(ps.describe()).isZero();
      String vi =
          ps.out()
              .lines()
              .filter(line -> line.endsWith("vi -u NONE /tmp/newfile"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no vi in ssi ps on node 2:\n" + ps.out()));
      long cpid = Long.parseLong(vi.split("\\s+")[0]);
      assertThat(cpid).as("a cpid of node 2: 131xxx").isBetween(131073L, 196607L);

      Programs.Result cat = cluster.ssiOnIn(ROOT, 3, "onnode", "3", "cat", "/tmp/newfile");
      assertThat(cat.out()).as(cat.describe()).isEqualTo(TEXT);

      Path commands = temporary.resolve("commands");
      Files.writeString(commands, "cat /tmp/newfile\n");
      Programs.Result shell = cluster.ssiOnWithInput(3, commands, "shell", "3");
      assertThat(shell.status()).as(shell.describe()).isZero();
      assertThat(shell.out()).as(shell.describe()).isEqualTo(TEXT);

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
