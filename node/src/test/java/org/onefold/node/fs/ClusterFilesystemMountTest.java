package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.node.fs.fuse.FuseFilesystem;
import org.onefold.node.fs.fuse.FuseMount;
import org.onefold.node.fs.fuse.Mountable;

/** The CFS's operations through a real FUSE mount, with plain file calls, as programs make them. */
class ClusterFilesystemMountTest {
  @TempDir Path directory;
  private ChunkStore chunks;
  private FuseMount mount;
  private Path root;

  @BeforeEach
  void mount() throws IOException {
    Mountable.assumeMountable();
    root = Files.createDirectory(directory.resolve("mnt"));
    chunks = new ChunkStore(directory.resolve("chunks"));
    InstantSource clock = InstantSource.system();
    Namespace namespace =
        new Namespace(0755, 0, 0, clock.instant().getEpochSecond() * 1_000_000_000L);
    mount =
        FuseMount.mount(
            root,
            new ClusterFilesystem(
                FsGateway.direct(new FsState(namespace, chunks)), clock, chunks.directory()));
  }

  @AfterEach
  void unmount() throws IOException {
    if (mount != null) {
      mount.close();
    }
  }

  private List<String> names(Path path) throws IOException {
    try (Stream<Path> listed = Files.list(path)) {
      return listed.map(entry -> entry.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @DisplayName("write, append, read back, truncate: the bytes and the size a local file has")
  void writeAppendReadTruncate() throws IOException {
    Path file = root.resolve("notes.txt");
    Files.writeString(file, "abc");
    Files.writeString(file, "def", StandardOpenOption.APPEND);
    assertThat(Files.readString(file)).isEqualTo("abcdef");
    assertThat(Files.size(file)).isEqualTo(6);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(2);
    }
    assertThat(Files.readString(file)).isEqualTo("ab");
    Files.writeString(file, "x", StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    assertThat(Files.readString(file)).isEqualTo("x");
    assertThatThrownBy(() -> Files.writeString(file, "y", StandardOpenOption.CREATE_NEW))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  @DisplayName("a sparse file: a hole reads as zeros and takes no chunk")
  void sparseFile() throws IOException {
    Path file = root.resolve("sparse");
    long offset = 3L * ChunkStore.CHUNK_BYTES + 10;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {7}), offset);
    }
    assertThat(Files.size(file)).isEqualTo(offset + 1);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer hole = ByteBuffer.allocate(4096);
      channel.read(hole, ChunkStore.CHUNK_BYTES);
      assertThat(hole.array()).containsOnly(0);
      ByteBuffer last = ByteBuffer.allocate(1);
      channel.read(last, offset);
      assertThat(last.get(0)).isEqualTo((byte) 7);
    }
    long inode = (long) Files.getAttribute(file, "unix:ino");
    assertThat(chunks.chunkNumbers(inode)).hasSize(1);
  }

  @Test
  @DisplayName("directories: mkdir, EEXIST, ENOTEMPTY, rmdir; names listed in order")
  void directories() throws IOException {
    Path projects = Files.createDirectory(root.resolve("projects"));
    Files.writeString(projects.resolve("a"), "1");
    assertThatThrownBy(() -> Files.createDirectory(projects))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> Files.delete(projects)).isInstanceOf(DirectoryNotEmptyException.class);
    assertThat((int) Files.getAttribute(root, "unix:nlink")).isEqualTo(3);
    Files.delete(projects.resolve("a"));
    Files.delete(projects);
    assertThat(names(root)).isEmpty();
    assertThatThrownBy(() -> Files.createFile(root.resolve("x".repeat(256))))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("File name too long");
    assertThatThrownBy(() -> Files.readString(root.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  @DisplayName("rename replaces atomically; hard links and symbolic links as on ext4")
  void renameAndLinks() throws IOException {
    Path from = Files.writeString(root.resolve("from"), "new");
    Path to = Files.writeString(root.resolve("to"), "old");
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.readString(to)).isEqualTo("new");
    assertThat(names(root)).containsExactly("to");

    Path second = Files.createLink(root.resolve("second"), to);
    assertThat((int) Files.getAttribute(to, "unix:nlink")).isEqualTo(2);
    assertThat(Files.readString(second)).isEqualTo("new");
    Path link = Files.createSymbolicLink(root.resolve("link"), Path.of("to"));
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("to"));
    assertThat(Files.readString(link)).isEqualTo("new");
  }

  @Test
  @DisplayName("chmod and an unlinked file that stays readable while open")
  void chmodAndUnlinkOpen() throws IOException {
    Path file = Files.writeString(root.resolve("f"), "still here");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    long inode = (long) Files.getAttribute(file, "unix:ino");
    try (FileChannel open = FileChannel.open(file, StandardOpenOption.READ)) {
      Files.delete(file);
      assertThat(names(root)).isEmpty();
      ByteBuffer text = ByteBuffer.allocate(64);
      open.read(text, 0);
      assertThat(new String(text.array(), 0, text.position(), StandardCharsets.UTF_8))
          .isEqualTo("still here");
    }
    org.awaitility.Awaitility.await("the data goes once the file is released")
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> chunks.chunkNumbers(inode).isEmpty());
  }

  @Test
  @DisplayName("with caching on, a change the kernel did not make shows after its notice")
  void noticesEndCaching() throws IOException, FuseException {
    mount.close();
    InstantSource clock = InstantSource.system();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(
            FsGateway.direct(new FsState(new Namespace(0755, 0, 0, 0), chunks)),
            clock,
            chunks.directory());
    mount = FuseMount.mount(root, filesystem, 60);
    Path file = Files.writeString(root.resolve("a"), "old");
    long inode = (long) Files.getAttribute(file, "unix:ino");
    assertThat(Files.size(file)).isEqualTo(3);

    // As another node's write would reach this one: through the filesystem, not the kernel.
    filesystem.write(inode, 3, "er text".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.size(file)).as("the kernel's cached size").isEqualTo(3);
    mount.invalidateInode(inode);
    assertThat(Files.size(file)).isEqualTo(10);
    assertThat(Files.readString(file)).isEqualTo("older text");

    filesystem.rename(FuseFilesystem.ROOT, "a", FuseFilesystem.ROOT, "b", 0);
    assertThat(Files.exists(file)).as("the kernel's cached name").isTrue();
    mount.invalidateEntry(FuseFilesystem.ROOT, "a");
    assertThat(Files.exists(file)).isFalse();
    assertThat(Files.readString(root.resolve("b"))).isEqualTo("older text");
  }

  @Test
  @DisplayName("user attributes, times, owner, a fifo and the errors the kernel and we give")
  void attributesOwnersFifosAndErrors() throws IOException, InterruptedException {
    Path file = Files.writeString(root.resolve("f"), "x");
    UserDefinedFileAttributeView user =
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    user.write("color", StandardCharsets.UTF_8.encode("blue"));
    assertThat(user.list()).containsExactly("color");
    ByteBuffer value = ByteBuffer.allocate(user.size("color"));
    user.read("color", value);
    assertThat(new String(value.array(), StandardCharsets.UTF_8)).isEqualTo("blue");
    user.delete("color");
    assertThat(user.list()).isEmpty();

    FileTime when = FileTime.from(Instant.parse("2024-02-29T12:34:56.123456Z"));
    Files.setLastModifiedTime(file, when);
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(when);
    Files.setAttribute(file, "unix:uid", 65534);
    Files.setAttribute(file, "unix:gid", 65534);
    assertThat((int) Files.getAttribute(file, "unix:uid")).isEqualTo(65534);
    assertThat((int) Files.getAttribute(file, "unix:gid")).isEqualTo(65534);

    Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    assertThat(((int) Files.getAttribute(root.resolve("pipe"), "unix:mode")) & Namespace.S_IFMT)
        .isEqualTo(Namespace.S_IFIFO);

    assertThatThrownBy(() -> Files.createFile(file.resolve("child")))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Not a directory");
    Path directory = Files.createDirectory(root.resolve("d"));
    assertThatThrownBy(() -> Files.writeString(directory, "x"))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Is a directory");
    assertThat(Files.getFileStore(root).getTotalSpace()).isPositive();
  }
}
