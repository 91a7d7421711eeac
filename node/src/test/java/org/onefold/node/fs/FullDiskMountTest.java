package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.fuse.FuseMount;
import org.onefold.node.fs.fuse.Mountable;
import org.onefold.node.transport.Libc;

/** A full disk under the chunks: ENOSPC to the writer, and the filesystem still consistent. */
class FullDiskMountTest {
  @Test
  @DisplayName("a full disk answers ENOSPC, leaves the size as it was, and frees on delete")
  void fullDisk(@TempDir Path directory) throws IOException {
    Mountable.assumeMountable();
    Path small = Files.createDirectory(directory.resolve("small"));
    Libc.mount("tmpfs", small.toString(), "tmpfs", 0, "size=2m");
    try {
      Path root = Files.createDirectory(directory.resolve("mnt"));
      ChunkStore chunks = new ChunkStore(small.resolve("chunks"));
      ClusterFilesystem filesystem =
          new ClusterFilesystem(
              FsGateway.direct(new FsState(new Namespace(0755, 0, 0, 0), chunks)),
              InstantSource.system(),
              chunks.directory());
      try (FuseMount mount = FuseMount.mount(root, filesystem)) {
        Path big = root.resolve("big");
        assertThatThrownBy(() -> Files.write(big, new byte[3 << 20]))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("No space left on device");
        assertThat(Files.size(big)).as("no more than the disk took").isLessThanOrEqualTo(2 << 20);
        Files.delete(big);
        Files.writeString(root.resolve("small"), "fits");
        assertThat(Files.readString(root.resolve("small"))).isEqualTo("fits");
      }
    } finally {
      Libc.umount2(small.toString(), Libc.MNT_DETACH);
    }
  }
}
