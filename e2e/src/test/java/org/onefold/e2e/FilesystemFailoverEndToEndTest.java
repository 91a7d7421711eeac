package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesystem group's leader dies under a writer: three real daemons, a program writing a large
 * file through a node that does not lead the group, the leader's daemon killed (SIGKILL) a quarter
 * of the way through. The writer must go on without an error, every byte once and in its place; the
 * killed node, started again, catches up by itself and shows the same file.
 */
class FilesystemFailoverEndToEndTest {
  private static final int BLOCK_BYTES = 1 << 20;
  private static final int BLOCKS = 128;
  private static final int KILL_AFTER_BLOCKS = BLOCKS / 4;

  /** A bound well above the goal (about 2 s): the test is about bytes, the figure is printed. */
  private static final Duration PAUSE_MAX = Duration.ofSeconds(5);

  private static final Duration WAIT = Duration.ofSeconds(90);

  /** Block number's bytes: each 8 bytes hold the block number and the long's place in it. */
  private static ByteBuffer block(int number) {
    ByteBuffer buffer = ByteBuffer.allocate(BLOCK_BYTES);
    for (int place = 0; place < BLOCK_BYTES / Long.BYTES; place++) {
      buffer.putLong(((long) number << 32) | place);
    }
    return buffer.flip();
  }

  /** Where, if anywhere, file differs from the blocks written: empty if it is all there once. */
  private static String difference(Path file) throws IOException {
    long size = Files.size(file);
    if (size != (long) BLOCKS * BLOCK_BYTES) {
      return "size " + size + ", expected " + (long) BLOCKS * BLOCK_BYTES;
    }
    try (InputStream in = Files.newInputStream(file)) {
      for (int number = 0; number < BLOCKS; number++) {
        byte[] read = in.readNBytes(BLOCK_BYTES);
        if (!ByteBuffer.wrap(read).equals(block(number))) {
          return "block " + number + " differs";
        }
      }
    }
    return "";
  }

  @Test
  @DisplayName(
      "the filesystem leader killed under a 128 MiB writer on another node: no error, every byte"
          + " once, a short pause; the killed node catches up after its restart")
  void leaderDiesUnderAWriter(@TempDir Path work) throws Exception {
    LocalCluster.assumeMounts();
    try (LocalCluster cluster = LocalCluster.up(work, 3)) {
      ClusterView ready =
          await("three filesystem replicas and a leader")
              .atMost(WAIT)
              .until(
                  () -> ClusterView.parse(cluster.ssiOn(1, "cluster", "--json").out()),
                  view -> view.filesystemLeader() != 0 && view.filesystemReplicas().size() == 3);
      int leader = ready.filesystemLeader();
      int writerNode = leader == 1 ? 2 : 1;
      int third = 6 - leader - writerNode;
      Path file = cluster.mountOf(writerNode).resolve("large.bin");

      AtomicLong blocksWritten = new AtomicLong();
      AtomicLong longestPauseNanos = new AtomicLong();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> write(file, blocksWritten, longestPauseNanos),
              runnable -> Thread.ofPlatform().name("writer").start(runnable));
      await("a quarter written")
          .atMost(WAIT)
          .until(() -> blocksWritten.get() >= KILL_AFTER_BLOCKS || writer.isDone());
      assertThat(writer).as("the writer still writing when the leader dies").isNotDone();
      cluster.kill(leader);

      writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      Duration pause = Duration.ofNanos(longestPauseNanos.get());
      System.out.printf(
          "filesystem failover: leader node %d killed after %d MiB; longest pause of the writer"
              + " on node %d: %d ms%n",
          leader, KILL_AFTER_BLOCKS, writerNode, pause.toMillis());
      assertThat(pause).as("the writer's longest pause").isLessThan(PAUSE_MAX);
      assertThat(difference(file)).as("the file through the writer's node").isEmpty();
      assertThat(difference(cluster.mountOf(third).resolve("large.bin")))
          .as("the file through node %d", third)
          .isEmpty();

      cluster.restart();
      Path onRestarted = cluster.mountOf(leader).resolve("large.bin");
      await("node " + leader + " mounts again and catches up")
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> Files.size(onRestarted) == (long) BLOCKS * BLOCK_BYTES);
      assertThat(difference(onRestarted)).as("the file through the restarted node").isEmpty();
    }
  }

  /** Writes the blocks in order, fsyncs, and notes progress and the longest wait for a write. */
  private static void write(Path file, AtomicLong blocksWritten, AtomicLong longestPauseNanos) {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int number = 0; number < BLOCKS; number++) {
        ByteBuffer buffer = block(number);
        long start = System.nanoTime();
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        long took = System.nanoTime() - start;
        longestPauseNanos.accumulateAndGet(took, Math::max);
        blocksWritten.incrementAndGet();
      }
      long start = System.nanoTime();
      channel.force(true);
      longestPauseNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("the writer failed: " + e.getMessage(), e);
    }
  }

  @Test
  @DisplayName(
      "a replica whose node stays down moves to a spare node, which catches up: with a second"
          + " replica lost too, the filesystem still reads and writes (4 nodes)")
  void replicaMovesOffADeadNode(@TempDir Path work) throws Exception {
    LocalCluster.assumeMounts();
    try (LocalCluster cluster =
        LocalCluster.up(work, 4, java.util.Map.of("SSID_REPLACE_VOTER_AFTER", "2s"))) {
      await("three filesystem replicas")
          .atMost(WAIT)
          .until(
              () -> ClusterView.parse(cluster.ssiOn(1, "cluster", "--json").out()),
              view -> view.filesystemReplicas().size() == 3);
      int spare =
          java.util.stream.IntStream.rangeClosed(1, 4)
              .filter(
                  node ->
                      !ClusterView.parse(cluster.ssiOn(1, "cluster", "--json").out())
                          .filesystemReplicas()
                          .contains(node))
              .findFirst()
              .orElseThrow();
      int lost = spare == 3 ? 2 : 3;
      int kept = spare == 1 ? 2 : 1;
      Files.writeString(cluster.mountOf(kept).resolve("before"), "written before\n");
      cluster.kill(lost);

      List<Integer> moved = new java.util.ArrayList<>();
      for (int node = 1; node <= 4; node++) {
        if (node != lost) {
          moved.add(node);
        }
      }
      await("the lost node's replica on node " + spare)
          .atMost(WAIT)
          .until(
              () -> ClusterView.parse(cluster.ssiOn(kept, "cluster", "--json").out()),
              view -> view.filesystemReplicas().equals(moved));

      // Of the replicas, kill another: the last two (one of them the new one) are a majority,
      // which takes changes only if the new replica has caught up and votes.
      int second = moved.stream().filter(node -> node != kept && node != spare).findFirst().get();
      cluster.kill(second);
      Path survivor = cluster.mountOf(kept);
      await("a change with the new replica's vote")
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () -> {
                Files.writeString(survivor.resolve("after"), "written after\n");
                return Files.readString(survivor.resolve("after")).equals("written after\n");
              });
      assertThat(Files.readString(cluster.mountOf(spare).resolve("before")))
          .isEqualTo("written before\n");
    }
  }
}
