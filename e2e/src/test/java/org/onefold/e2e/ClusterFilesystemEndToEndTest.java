package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    LocalCluster.assumeMounts();
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

  @Test
  @DisplayName(
      "coherence: what node 1 changes, node 2's kernel (which keeps names and attributes) shows"
          + " at once: a closed file whole on the next open, a new size, a rename, an unlink")
  void otherNodesSeeChangesAtOnce(@TempDir Path work) throws Exception {
    LocalCluster.assumeMounts();
    try (LocalCluster nodes = LocalCluster.up(work, 3)) {
      Path one = nodes.mountOf(1);
      Path two = nodes.mountOf(2);
      await("three replicas")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> ClusterView.parse(nodes.ssiOn(1, "cluster", "--json").out()),
              view -> view.filesystemReplicas().size() == 3);
      Files.writeString(one.resolve("notes"), "first\n");
      assertThat(Files.readString(two.resolve("notes"))).isEqualTo("first\n");
      assertThat(Files.size(two.resolve("notes"))).isEqualTo(6);

      // Close-to-open: written and closed on node 1, then opened on node 2: whole, no waiting.
      for (int round = 0; round < 20; round++) {
        String text = "round " + round + " " + "x".repeat(round * 100) + "\n";
        Files.writeString(one.resolve("notes"), text);
        assertThat(Files.readString(two.resolve("notes"))).as("round %d", round).isEqualTo(text);
      }

      // Names and attributes node 2's kernel holds are dropped when node 1 changes them; the
      // kernel would keep them for seconds otherwise.
      Files.writeString(one.resolve("grows"), "a");
      assertThat(Files.size(two.resolve("grows"))).isEqualTo(1);
      Files.writeString(one.resolve("grows"), "bcd", java.nio.file.StandardOpenOption.APPEND);
      await("the new size on node 2")
          .atMost(Duration.ofSeconds(2))
          .until(() -> Files.size(two.resolve("grows")) == 4);
      assertThat(Files.exists(two.resolve("renamed"))).isFalse();
      Files.move(one.resolve("grows"), one.resolve("renamed"));
      await("the rename on node 2")
          .atMost(Duration.ofSeconds(2))
          .until(() -> !Files.exists(two.resolve("grows")) && Files.exists(two.resolve("renamed")));
      Files.delete(one.resolve("renamed"));
      await("the unlink on node 2")
          .atMost(Duration.ofSeconds(2))
          .until(() -> !Files.exists(two.resolve("renamed")));
    }
  }

  @Test
  @DisplayName(
      "three nodes append to one file under O_APPEND at once: every record once, whole, each"
          + " writer's in its order")
  void appendsFromEveryNode(@TempDir Path work) throws Exception {
    LocalCluster.assumeMounts();
    int records = 300;
    int recordBytes = 32;
    try (LocalCluster nodes = LocalCluster.up(work, 3)) {
      await("three replicas")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> ClusterView.parse(nodes.ssiOn(1, "cluster", "--json").out()),
              view -> view.filesystemReplicas().size() == 3);
      // Each node opens with O_CREAT|O_APPEND at once: one makes the file, the others open it.
      List<java.util.concurrent.CompletableFuture<Void>> writers = new java.util.ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        Path log = nodes.mountOf(node).resolve("log");
        int writer = node;
        writers.add(
            java.util.concurrent.CompletableFuture.runAsync(
                () -> append(log, writer, records, recordBytes),
                runnable -> Thread.ofPlatform().name("appender-" + writer).start(runnable)));
      }
      for (var writer : writers) {
        writer.get(90, java.util.concurrent.TimeUnit.SECONDS);
      }

      byte[] all = Files.readAllBytes(nodes.mountOf(2).resolve("log"));
      assertThat(all.length).isEqualTo(3 * records * recordBytes);
      java.util.Map<Integer, Integer> nextOf = new java.util.HashMap<>();
      for (int at = 0; at < all.length; at += recordBytes) {
        String record = new String(all, at, recordBytes, StandardCharsets.US_ASCII);
        String[] words = record.strip().split(" ");
        assertThat(words).as("record at %d: %s", at, record).hasSize(2);
        int writer = Integer.parseInt(words[0]);
        int number = Integer.parseInt(words[1]);
        assertThat(number)
            .as("node %d's record at %d, in its order", writer, at)
            .isEqualTo(nextOf.getOrDefault(writer, 0));
        nextOf.put(writer, number + 1);
      }
      assertThat(nextOf)
          .containsOnly(
              java.util.Map.entry(1, records),
              java.util.Map.entry(2, records),
              java.util.Map.entry(3, records));
    }
  }

  /** Appends records lines "WRITER NUMBER" padded to recordBytes, one write(2) each. */
  private static void append(Path log, int writer, int records, int recordBytes) {
    try (var channel =
        java.nio.channels.FileChannel.open(
            log,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND)) {
      for (int number = 0; number < records; number++) {
        String line = String.format("%-" + (recordBytes - 1) + "s%n", writer + " " + number);
        channel.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
