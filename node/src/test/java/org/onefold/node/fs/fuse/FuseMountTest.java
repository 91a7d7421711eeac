package org.onefold.node.fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binding through a real mount: the kernel's FUSE, read with plain file calls. */
class FuseMountTest {
  @Test
  @DisplayName("a mounted filesystem lists, stats and reads as a local one, and unmounts clean")
  void mountReadUnmount(@TempDir Path directory) throws IOException {
    Mountable.assumeMountable();
    Path target = Files.createDirectory(directory.resolve("mnt"));

    try (FuseMount mount = FuseMount.mount(target, new HelloFilesystem())) {
      Path hello = target.resolve("hello");
      try (Stream<Path> listed = Files.list(target)) {
        assertThat(listed.map(path -> path.getFileName().toString()).toList())
            .isEqualTo(List.of("hello"));
      }
      assertThat(Files.readString(hello)).isEqualTo("hello, cluster\n");
      assertThat(Files.size(hello)).isEqualTo(HelloFilesystem.TEXT.length);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hello)))
          .isEqualTo("rw-r--r--");
      assertThat(Files.getLastModifiedTime(hello).toMillis() / 1000)
          .isEqualTo(HelloFilesystem.SECONDS);
      assertThatThrownBy(() -> Files.readString(target.resolve("nope")))
          .isInstanceOf(NoSuchFileException.class);
      assertThat(Files.getFileStore(target).getTotalSpace()).isEqualTo(1000L * 4096);
      assertThat(Files.lines(Path.of("/proc/self/mounts")))
          .anyMatch(line -> line.contains(" " + target + " fuse.onefold "));
    }

    try (Stream<Path> listed = Files.list(target)) {
      assertThat(listed.toList()).as("the directory under the mount, empty").isEmpty();
    }
    assertThat(Files.lines(Path.of("/proc/self/mounts")))
        .noneMatch(line -> line.contains(" " + target + " "));
  }
}
