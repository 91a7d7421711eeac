package org.onefold.node.fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clusterwide fifos and devices will need of the binding, through a real mount: a file opened
 * with direct I/O that shows size 0 yet reads its data to the end, a read that waits, and other
 * requests served meanwhile.
 */
class StreamFilesystemMountTest {
  private static final long STREAM = 2;
  private static final byte[] DATA = "one line\n".getBytes(StandardCharsets.UTF_8);

  /** A root with one file, "stream": size 0, direct I/O, whose first read waits for release. */
  private static final class StreamFilesystem implements FuseFilesystem {
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean reading;

    @Override
    public Attributes attributes(long inode) throws FuseException {
      if (inode == ROOT) {
        return new Attributes(ROOT, 0, 0040755, 2, 0, 0, 0, 0, 0);
      }
      if (inode == STREAM) {
        return new Attributes(STREAM, 0, 0100644, 1, 0, 0, 0, 0, 0);
      }
      throw new FuseException(FuseProtocol.ENOENT, "inode " + inode);
    }

    @Override
    public Attributes lookup(long parent, String name) throws FuseException {
      if (parent == ROOT && name.equals("stream")) {
        return attributes(STREAM);
      }
      throw new FuseException(FuseProtocol.ENOENT, name);
    }

    @Override
    public List<DirectoryEntry> list(long inode) {
      return List.of(
          new DirectoryEntry(".", ROOT, 0040755),
          new DirectoryEntry("..", ROOT, 0040755),
          new DirectoryEntry("stream", STREAM, 0100644));
    }

    @Override
    public int open(long inode, int flags) {
      return inode == STREAM ? DIRECT_IO : 0;
    }

    @Override
    public byte[] read(long inode, long offset, int size) throws FuseException {
      if (offset >= DATA.length) {
        return new byte[0]; // The end of the stream.
      }
      if (offset == 0) {
        reading = true;
        try {
          if (!release.await(30, TimeUnit.SECONDS)) {
            throw new FuseException(FuseProtocol.EIO, "never released");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FuseException(FuseProtocol.EIO, "interrupted");
        }
      }
      return Arrays.copyOfRange(DATA, (int) offset, (int) Math.min(DATA.length, offset + size));
    }

    @Override
    public Usage usage() {
      return new Usage(0, 0, 0, 0, 4096);
    }
  }

  @Test
  @DisplayName("direct I/O reads past size 0 to the end; a waiting read holds one reader only")
  void directIoAndWaitingReads(@TempDir Path directory) throws Exception {
    Mountable.assumeMountable();
    Path target = Files.createDirectory(directory.resolve("mnt"));
    StreamFilesystem filesystem = new StreamFilesystem();
    try (FuseMount mount = FuseMount.mount(target, filesystem)) {
      Path stream = target.resolve("stream");
      assertThat(Files.size(stream)).isZero();
      CompletableFuture<byte[]> read =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Files.readAllBytes(stream);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      await("the read waits in the filesystem")
          .atMost(Duration.ofSeconds(10))
          .until(() -> filesystem.reading);

      // Another request, served by another reader while the first waits.
      assertThat(Files.isDirectory(target)).isTrue();
      assertThat(read).isNotDone();

      filesystem.release.countDown();
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(DATA);
    }
  }
}
