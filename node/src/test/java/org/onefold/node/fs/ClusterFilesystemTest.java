package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.node.fs.fuse.FuseFilesystem;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/** What a node's mount sends to the log for the kernel's calls, with no mount in the way. */
class ClusterFilesystemTest {
  @TempDir Path directory;

  private static final FuseFilesystem.Caller ROOT_CALLER = new FuseFilesystem.Caller(0, 0, 1);

  /** The state in this process, and every change sent to it, by kind. */
  private final class Counting implements FsGateway {
    final List<FsCommand.ChangeCase> changes = new ArrayList<>();
    final List<FsQuery.ReadCase> queries = new ArrayList<>();
    private final FsGateway state;

    Counting() throws IOException {
      state =
          FsGateway.direct(
              new FsState(new Namespace(0755, 0, 0, 0), new ChunkStore(directory.resolve("c"))));
    }

    @Override
    public FsReply change(FsCommand command) throws IOException {
      changes.add(command.getChangeCase());
      return state.change(command);
    }

    @Override
    public FsReply read(FsQuery query) throws IOException {
      queries.add(query.getReadCase());
      return state.read(query);
    }

    @Override
    public Sender sender() {
      Sender inner = state.sender();
      return command -> {
        changes.add(command.getChangeCase());
        return inner.send(command);
      };
    }
  }

  @Test
  @DisplayName(
      "a create is one entry; only the first open and the last release of a node reach the log;"
          + " an unlinked file lives until then")
  void opensAndReleases() throws Exception {
    Counting gateway = new Counting();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(gateway, InstantSource.fixed(Instant.EPOCH), directory);

    long file =
        filesystem.create(ROOT_CALLER, Namespace.ROOT, "a", 0100644, 0).attributes().inode();
    filesystem.open(file, 0);
    filesystem.open(file, 0);
    filesystem.unlink(Namespace.ROOT, "a");
    filesystem.release(file);
    filesystem.release(file);
    assertThat(filesystem.attributes(file).links()).as("open: it lives").isZero();
    filesystem.release(file);
    filesystem.open(Namespace.ROOT, 0);

    assertThat(gateway.changes)
        .containsExactly(
            FsCommand.ChangeCase.MAKE,
            FsCommand.ChangeCase.UNLINK,
            FsCommand.ChangeCase.RELEASE,
            FsCommand.ChangeCase.OPEN);
    try {
      filesystem.attributes(file);
      throw new AssertionError("inode " + file + " outlived its last release");
    } catch (FuseException e) {
      assertThat(e.errno()).isEqualTo(FsError.ENOENT);
    }
  }

  @Test
  @DisplayName("the kernel's question for security.capability before a write is answered here")
  void foreignAttributesAnsweredLocally() throws Exception {
    Counting gateway = new Counting();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(gateway, InstantSource.fixed(Instant.EPOCH), directory);
    try {
      filesystem.getXattr(Namespace.ROOT, "security.capability");
      throw new AssertionError("security.capability answered");
    } catch (FuseException e) {
      assertThat(e.errno()).isEqualTo(FsError.EOPNOTSUPP);
    }
    assertThat(gateway.queries).isEmpty();
  }

  @Test
  @DisplayName(
      "a write is answered before it is applied; its failure comes with the next fsync or close,"
          + " once, as a failed writeback does")
  void writeFailuresComeAtFsyncOnce() throws Exception {
    Counting gateway = new Counting();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(gateway, InstantSource.fixed(Instant.EPOCH), directory);
    long file =
        filesystem.create(ROOT_CALLER, Namespace.ROOT, "a", 0100644, 0).attributes().inode();
    assertThat(filesystem.write(file, 0, new byte[] {1, 2, 3})).isEqualTo(3);
    filesystem.flush(file);
    assertThat(filesystem.attributes(file).size()).isEqualTo(3);

    // A write the state refuses (a directory's inode): answered, then reported at fsync, once.
    assertThat(filesystem.write(Namespace.ROOT, 0, new byte[] {4})).isEqualTo(1);
    try {
      filesystem.fsync(Namespace.ROOT);
      throw new AssertionError("the failed write went unreported");
    } catch (FuseException e) {
      assertThat(e.errno()).isEqualTo(FsError.EINVAL);
    }
    filesystem.fsync(Namespace.ROOT);
  }
}
