package org.onefold.node.fs;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.node.fs.fuse.FuseFilesystem;

/**
 * The CFS on one node, not replicated yet: the {@link Namespace} and a {@link ChunkStore} behind
 * the FUSE binding, with this node's clock. It is the shape the replicated filesystem takes (the
 * same operations, applied by the filesystem group's state machine instead of here), and what the
 * POSIX tests run against through a real mount meanwhile.
 *
 * <p>Threads: every operation holds this object's monitor; the namespace and the store are touched
 * under it only.
 */
public final class LocalFilesystem implements FuseFilesystem {
  private static final int EIO = 5;

  private final Namespace namespace;
  private final ChunkStore chunks;
  private final InstantSource clock;

  public LocalFilesystem(Namespace namespace, ChunkStore chunks, InstantSource clock) {
    this.namespace = namespace;
    this.chunks = chunks;
    this.clock = clock;
  }

  private long now() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** One operation on the namespace and the store; its refusal or failure as the kernel's errno. */
  @FunctionalInterface
  private interface Operation<T> {
    T apply() throws FsError, IOException;
  }

  private static <T> T applying(Operation<T> operation) throws FuseException {
    try {
      return operation.apply();
    } catch (FsError e) {
      throw refused(e);
    } catch (IOException e) {
      throw failed(e);
    }
  }

  private static FuseException refused(FsError error) {
    return new FuseException(error.errno(), error.getMessage());
  }

  private static FuseException failed(IOException error) {
    return new FuseException(EIO, "file data: " + error.getMessage());
  }

  private static Attributes shown(Namespace.Attributes attributes) {
    return new Attributes(
        attributes.inode(),
        attributes.size(),
        attributes.mode(),
        attributes.links(),
        attributes.uid(),
        attributes.gid(),
        attributes.accessNanos(),
        attributes.modifyNanos(),
        attributes.changeNanos());
  }

  @Override
  public synchronized Attributes attributes(long inode) throws FuseException {
    return applying(() -> shown(namespace.attributes(inode)));
  }

  @Override
  public synchronized Attributes lookup(long parent, String name) throws FuseException {
    return applying(() -> shown(namespace.lookup(parent, name)));
  }

  @Override
  public synchronized List<DirectoryEntry> list(long inode) throws FuseException {
    return applying(
        () ->
            namespace.list(inode).stream()
                .map(entry -> new DirectoryEntry(entry.name(), entry.inode(), entry.type()))
                .toList());
  }

  @Override
  public synchronized byte[] read(long inode, long offset, int size) throws FuseException {
    return applying(
        () -> {
          Namespace.Attributes file = namespace.attributes(inode);
          if (file.isDirectory()) {
            throw new FsError(FsError.EISDIR, "read of directory " + inode);
          }
          return chunks.read(inode, offset, size, file.size());
        });
  }

  @Override
  public synchronized int write(long inode, long offset, byte[] data) throws FuseException {
    return applying(
        () -> {
          namespace.attributes(inode);
          long end = chunks.write(inode, offset, data, 0, data.length);
          namespace.written(inode, end, now());
          return data.length;
        });
  }

  @Override
  public synchronized int open(long inode, int flags) throws FuseException {
    return applying(
        () -> {
          namespace.open(inode);
          return 0;
        });
  }

  @Override
  public synchronized void release(long inode) throws FuseException {
    applying(
        () -> {
          namespace.release(inode);
          freeData();
          return null;
        });
  }

  @Override
  public synchronized Attributes make(Caller caller, long parent, String name, int mode)
      throws FuseException {
    return applying(
        () -> shown(namespace.make(parent, name, mode, caller.uid(), caller.gid(), now())));
  }

  @Override
  public synchronized Attributes symlink(Caller caller, long parent, String name, String target)
      throws FuseException {
    return applying(
        () -> shown(namespace.symlink(parent, name, target, caller.uid(), caller.gid(), now())));
  }

  @Override
  public synchronized String readlink(long inode) throws FuseException {
    return applying(() -> namespace.readlink(inode));
  }

  @Override
  public synchronized Attributes link(long inode, long parent, String name) throws FuseException {
    return applying(() -> shown(namespace.link(inode, parent, name, now())));
  }

  @Override
  public synchronized void unlink(long parent, String name) throws FuseException {
    applying(
        () -> {
          namespace.unlink(parent, name, now());
          freeData();
          return null;
        });
  }

  @Override
  public synchronized void rmdir(long parent, String name) throws FuseException {
    applying(
        () -> {
          namespace.rmdir(parent, name, now());
          freeData();
          return null;
        });
  }

  @Override
  public synchronized void rename(
      long parent, String name, long newParent, String newName, int flags) throws FuseException {
    applying(
        () -> {
          namespace.rename(parent, name, newParent, newName, flags, now());
          freeData();
          return null;
        });
  }

  @Override
  public synchronized Attributes setAttributes(long inode, Changes changes) throws FuseException {
    return applying(
        () -> {
          Namespace.Changes namespaceChanges =
              new Namespace.Changes(
                  changes.mode(),
                  changes.uid(),
                  changes.gid(),
                  changes.size(),
                  changes.accessNanos(),
                  changes.modifyNanos());
          Namespace.Attributes changed = namespace.setAttributes(inode, namespaceChanges, now());
          if (changes.size().isPresent()) {
            chunks.truncate(inode, changes.size().getAsLong());
          }
          return shown(changed);
        });
  }

  @Override
  public synchronized void setXattr(long inode, String name, byte[] value, int flags)
      throws FuseException {
    applying(
        () -> {
          namespace.setXattr(inode, name, value, flags, now());
          return null;
        });
  }

  @Override
  public synchronized byte[] getXattr(long inode, String name) throws FuseException {
    return applying(() -> namespace.getXattr(inode, name));
  }

  @Override
  public synchronized List<String> listXattrs(long inode) throws FuseException {
    return applying(() -> namespace.listXattrs(inode));
  }

  @Override
  public synchronized void removeXattr(long inode, String name) throws FuseException {
    applying(
        () -> {
          namespace.removeXattr(inode, name, now());
          return null;
        });
  }

  /**
   * The disk that holds the data: its blocks of 4 KiB, total and free. Inodes have no fixed count
   * here, so files and free files are 0, as btrfs shows them.
   */
  @Override
  public Usage usage() {
    try {
      ChunkStore.Space space = chunks.space();
      return new Usage(space.totalBytes() / 4096, space.usableBytes() / 4096, 0, 0, 4096);
    } catch (IOException e) {
      return new Usage(0, 0, 0, 0, 4096);
    }
  }

  /** Drops the data of inodes the namespace has freed. */
  private void freeData() throws IOException {
    for (long inode : namespace.drainFreed()) {
      chunks.delete(inode);
    }
  }
}
