package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster filesystem through the real mounts of three real daemons (ssi up mounts node k's at
 * D/node<k>/cluster): one filesystem, whatever node a program uses, through a daemon's death.
 */
class ClusterFilesystemEndToEndTest {
  private static Path mountOf(Path cluster, int node) {
    return cluster.resolve("node" + node).resolve("cluster");
  }

  private static boolean mounted(Path mountPoint) throws IOException {
    String target = " " + mountPoint + " fuse.onefold ";
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
      return lines.anyMatch(line -> line.contains(target));
    }
  }

  @Test
  @DisplayName("a file written on node 1 reads whole on nodes 2 and 3, also after node 2's death")
  void oneFilesystemOnEveryNode(@TempDir Path work) throws Exception {
    assumeTrue(
        new com.sun.security.auth.module.UnixSystem().getUid() == 0
            && Files.exists(Path.of("/dev/fuse")),
        "needs root and /dev/fuse: the daemons mount the cluster filesystem with FUSE");
    Path cluster = work.resolve("cluster");
    try (LocalCluster nodes = LocalCluster.up(work, 3)) {
      for (int node = 1; node <= 3; node++) {
        assertThat(mounted(mountOf(cluster, node))).as("node %d's mount", node).isTrue();
      }
      byte[] data = new byte[3 << 20];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i * 31);
      }
      Files.write(mountOf(cluster, 1).resolve("data.bin"), data);
      Files.createDirectories(mountOf(cluster, 3).resolve("projects/onefold"));

      assertThat(Files.readAllBytes(mountOf(cluster, 2).resolve("data.bin"))).isEqualTo(data);
      assertThat(Files.readAllBytes(mountOf(cluster, 3).resolve("data.bin"))).isEqualTo(data);
      assertThat(Files.isDirectory(mountOf(cluster, 1).resolve("projects/onefold"))).isTrue();

      nodes.kill(2);
      Files.writeString(mountOf(cluster, 3).resolve("after"), "two of three\n");
      assertThat(Files.readString(mountOf(cluster, 1).resolve("after")))
          .isEqualTo("two of three\n");

      nodes.restart();
      await("node 2 mounts again and catches up")
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () ->
                  Files.readString(mountOf(cluster, 2).resolve("after"), StandardCharsets.UTF_8)
                      .equals("two of three\n"));
      assertThat(Files.readAllBytes(mountOf(cluster, 2).resolve("data.bin"))).isEqualTo(data);
    }
    for (int node = 1; node <= 3; node++) {
      assertThat(mounted(mountOf(cluster, node))).as("node %d unmounted", node).isFalse();
    }
  }
}
