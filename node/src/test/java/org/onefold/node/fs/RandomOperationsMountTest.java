package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.fuse.FuseMount;
import org.onefold.node.fs.fuse.Mountable;

/**
 * The randomized filesystem test ({@link RandomOperationsRun}) on one node's CFS, mounted in this
 * process over its state ({@link FsGateway#direct}), beside a directory of the local disk: a few
 * thousand random writes, reads, truncates, appends, creates, unlinks, renames, links, mkdirs,
 * rmdirs, fsyncs, stats and files held open, the outcomes compared step by step. Run with
 * -Dfsx.seed=N to replay a seed, -Dfsx.steps=N for a longer run.
 */
class RandomOperationsMountTest {
  private static final int STEPS = 3000;
  private static final int FULL_EVERY = 100;

  /** One mount: it shows its own changes at once; the bound only ends a run that would hang. */
  private static final Duration SETTLE_MAX = Duration.ofSeconds(2);

  private static final Duration SHRINK_MAX = Duration.ofSeconds(60);

  @TempDir Path directory;
  private FuseMount mount;

  private Path mount(long validSeconds) throws IOException {
    Mountable.assumeMountable();
    Path root = Files.createDirectory(directory.resolve("mnt"));
    ChunkStore chunks = new ChunkStore(directory.resolve("chunks"));
    InstantSource clock = InstantSource.system();
    Namespace namespace =
        new Namespace(0755, 0, 0, clock.instant().getEpochSecond() * 1_000_000_000L);
    mount =
        FuseMount.mount(
            root,
            new ClusterFilesystem(
                FsGateway.direct(new FsState(namespace, chunks)), clock, chunks.directory()),
            validSeconds);
    return root;
  }

  @AfterEach
  void unmount() throws IOException {
    if (mount != null) {
      mount.close();
    }
  }

  private void run(Path root) throws IOException {
    Path local = Files.createDirectory(directory.resolve("local"));
    new RandomOperationsRun(
            RandomOperationsRun.seed(), local, List.of(root), FULL_EVERY, SETTLE_MAX, SHRINK_MAX)
        .run(RandomOperationsRun.steps(STEPS));
  }

  @Test
  @DisplayName("random operations: as on the local disk, the kernel keeping nothing")
  void asOnTheLocalDisk() throws IOException {
    run(mount(0));
  }

  @Test
  @DisplayName(
      "random operations: as on the local disk, the kernel keeping names and attributes 10 s"
          + " (as where a node holds a replica)")
  void asOnTheLocalDiskWithKernelCache() throws IOException {
    run(mount(10));
  }

  /**
   * Found by the random operations (seeds 116 and -7203230532513390012, shrunk): the only operation
   * on an open directory that reaches the daemon is fstat, so the random runs leave it out on
   * directories ({@link FileTree}) until this passes.
   */
  @Test
  @Disabled(
      "CFS bug: OPENDIR is no open for the namespace, so rmdir or a replacing rename forgets an"
          + " open directory at once and fstat on it answers ENOENT")
  @DisplayName("a directory removed or replaced by a rename while open still answers fstat")
  void openDirectoryOutlivesItsName() throws IOException {
    Path root = mount(0);
    Path removed = Files.createDirectory(root.resolve("removed"));
    try (FileChannel open = FileChannel.open(removed, StandardOpenOption.READ)) {
      Files.delete(removed);
      assertThatCode(open::size).as("fstat after rmdir").doesNotThrowAnyException();
    }
    Path replaced = Files.createDirectory(root.resolve("replaced"));
    Path other = Files.createDirectory(root.resolve("other"));
    try (FileChannel open = FileChannel.open(replaced, StandardOpenOption.READ)) {
      Files.move(other, replaced, StandardCopyOption.ATOMIC_MOVE);
      assertThatCode(open::size).as("fstat after a replacing rename").doesNotThrowAnyException();
    }
  }
}
