package org.onefold.node.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * How a node writes a small file it must never leave half-written: a temporary file beside it,
 * created with its final permissions (a secret is never readable by others, not even for a moment),
 * forced to disk, then renamed over the target.
 */
public final class AtomicFiles {
  /** rw-------: keys and join tokens. */
  public static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  /** rw-r--r--: certificates, identity, pid. */
  public static final FileAttribute<Set<PosixFilePermission>> WORLD_READABLE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  private AtomicFiles() {}

  /** Writes content to file atomically; the directory must exist. */
  public static void write(
      Path file, byte[] content, FileAttribute<Set<PosixFilePermission>> permissions)
      throws IOException {
    Path temporary =
        Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp", permissions);
    try {
      try (FileChannel channel =
          FileChannel.open(
              temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temporary);
      throw new IOException(
          "cannot rename "
              + temporary
              + " to "
              + file
              + " atomically; is the state directory on one filesystem?",
          e);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
  }
}
