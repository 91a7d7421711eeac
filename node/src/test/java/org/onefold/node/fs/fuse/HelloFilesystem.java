package org.onefold.node.fs.fuse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** A root directory with one file, "hello", for the binding's tests. */
final class HelloFilesystem implements FuseFilesystem {
  static final long HELLO = 2;
  static final byte[] TEXT = "hello, cluster\n".getBytes(StandardCharsets.UTF_8);
  static final long SECONDS = 1_700_000_000L;
  static final long NANOS = SECONDS * 1_000_000_000L + 250;

  @Override
  public Attributes attributes(long inode) throws FuseException {
    if (inode == ROOT) {
      return new Attributes(ROOT, 0, 0040755, 2, 0, 0, NANOS, NANOS, NANOS);
    }
    if (inode == HELLO) {
      return new Attributes(HELLO, TEXT.length, 0100644, 1, 0, 0, NANOS, NANOS, NANOS);
    }
    throw new FuseException(FuseProtocol.ENOENT, "no inode " + inode);
  }

  @Override
  public Attributes lookup(long parent, String name) throws FuseException {
    if (parent == ROOT && name.equals("hello")) {
      return attributes(HELLO);
    }
    throw new FuseException(FuseProtocol.ENOENT, name);
  }

  @Override
  public List<DirectoryEntry> list(long inode) throws FuseException {
    if (inode != ROOT) {
      throw new FuseException(FuseProtocol.ENOTDIR, "inode " + inode);
    }
    return List.of(
        new DirectoryEntry(".", ROOT, 0040755),
        new DirectoryEntry("..", ROOT, 0040755),
        new DirectoryEntry("hello", HELLO, 0100644));
  }

  @Override
  public byte[] read(long inode, long offset, int size) throws FuseException {
    if (inode != HELLO) {
      throw new FuseException(FuseProtocol.EISDIR, "inode " + inode);
    }
    int from = (int) Math.min(offset, TEXT.length);
    return Arrays.copyOfRange(TEXT, from, (int) Math.min(TEXT.length, from + (long) size));
  }

  @Override
  public Usage usage() {
    return new Usage(1000, 400, 100, 98, 4096);
  }
}
