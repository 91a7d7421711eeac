package org.onefold.node.fs;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.onefold.proto.fs.DirectoryEntry;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;
import org.onefold.proto.fs.InodeImage;
import org.onefold.proto.fs.NamespaceImage;
import org.onefold.proto.fs.SetAttributes;

/**
 * The filesystem group's state: the {@link Namespace} and the files' data ({@link ChunkStore}),
 * changed only by {@link FsCommand}s applied in log order and read by {@link FsQuery}s. The same
 * commands in the same order give every replica the same namespace and the same bytes: a command
 * carries its time, and nothing here reads a clock.
 *
 * <p>Not thread-safe: the group's apply thread changes it; reads hold the caller's lock.
 */
public final class FsState {
  /** EIO: the replica's own disk failed under a command or a read. */
  private static final int EIO = 5;

  /** ENOSPC: the replica's disk is full. */
  static final int ENOSPC = 28;

  private final Namespace namespace;
  private final ChunkStore chunks;

  public FsState(Namespace namespace, ChunkStore chunks) {
    this.namespace = namespace;
    this.chunks = chunks;
  }

  /** What other nodes' kernels must forget once command is applied; asked before applying it. */
  List<KernelNotice> noticesFor(FsCommand command) {
    return KernelNotice.of(command, namespace);
  }

  /** Applies one change; its answer (errno 0 and the attributes it made or changed, or errno). */
  public FsReply apply(FsCommand command) {
    long now = command.getTimeNanos();
    FsReply.Builder reply = FsReply.newBuilder();
    try {
      switch (command.getChangeCase()) {
        case MAKE -> {
          var make = command.getMake();
          Namespace.Attributes made =
              namespace.make(
                  make.getParent(),
                  make.getName(),
                  make.getMode(),
                  make.getUid(),
                  make.getGid(),
                  now);
          if (make.getOpen()) {
            namespace.open(made.inode());
          }
          reply.setAttributes(made.image());
        }
        case SYMLINK -> {
          var link = command.getSymlink();
          reply.setAttributes(
              namespace
                  .symlink(
                      link.getParent(),
                      link.getName(),
                      link.getTarget(),
                      link.getUid(),
                      link.getGid(),
                      now)
                  .image());
        }
        case LINK -> {
          var link = command.getLink();
          reply.setAttributes(
              namespace.link(link.getInode(), link.getParent(), link.getName(), now).image());
        }
        case UNLINK ->
            namespace.unlink(command.getUnlink().getParent(), command.getUnlink().getName(), now);
        case RMDIR ->
            namespace.rmdir(command.getRmdir().getParent(), command.getRmdir().getName(), now);
        case RENAME -> {
          var rename = command.getRename();
          namespace.rename(
              rename.getParent(),
              rename.getName(),
              rename.getNewParent(),
              rename.getNewName(),
              rename.getFlags(),
              now);
        }
        case SET_ATTRIBUTES -> reply.setAttributes(setAttributes(command.getSetAttributes(), now));
        case WRITE -> {
          var write = command.getWrite();
          long size = namespace.attributes(write.getInode()).size();
          long offset = write.getAppend() ? size : write.getOffset();
          long end = chunks.write(write.getInode(), offset, write.getData().asReadOnlyByteBuffer());
          reply.setAttributes((namespace.written(write.getInode(), end, now)).image());
        }
        case SET_XATTR -> {
          var set = command.getSetXattr();
          namespace.setXattr(
              set.getInode(), set.getName(), set.getValue().toByteArray(), set.getFlags(), now);
        }
        case REMOVE_XATTR ->
            namespace.removeXattr(
                command.getRemoveXattr().getInode(), command.getRemoveXattr().getName(), now);
        case OPEN -> namespace.open(command.getOpen());
        case RELEASE -> namespace.release(command.getRelease());
        case CHANGE_NOT_SET -> {
          return failure(FsError.EINVAL, "a command with no change");
        }
      }
      freeData();
    } catch (FsError e) {
      return failure(e.errno(), e.getMessage());
    } catch (IOException e) {
      return failure(diskErrno(e), "file data: " + e.getMessage());
    }
    return reply.build();
  }

  /**
   * The errno for the replica's disk failing: ENOSPC when it is full (a write that fails so leaves
   * the file's size as it was; bytes past it are not shown), else EIO. On a cluster one replica's
   * full disk can differ from the others': the answer is the applying replica's.
   */
  private static int diskErrno(IOException e) {
    String message = e.getMessage();
    return message != null && message.contains("No space left on device") ? ENOSPC : EIO;
  }

  private org.onefold.proto.fs.Attributes setAttributes(SetAttributes set, long now)
      throws FsError, IOException {
    Namespace.Changes changes =
        new Namespace.Changes(
            set.hasMode() ? OptionalInt.of(set.getMode()) : OptionalInt.empty(),
            set.hasUid() ? OptionalInt.of(set.getUid()) : OptionalInt.empty(),
            set.hasGid() ? OptionalInt.of(set.getGid()) : OptionalInt.empty(),
            set.hasSize() ? OptionalLong.of(set.getSize()) : OptionalLong.empty(),
            set.hasAccessNanos() ? OptionalLong.of(set.getAccessNanos()) : OptionalLong.empty(),
            set.hasModifyNanos() ? OptionalLong.of(set.getModifyNanos()) : OptionalLong.empty());
    Namespace.Attributes changed = namespace.setAttributes(set.getInode(), changes, now);
    if (set.hasSize()) {
      chunks.truncate(set.getInode(), set.getSize());
    }
    return changed.image();
  }

  /** Answers one read from the state as it is. */
  public FsReply query(FsQuery query) {
    FsReply.Builder reply = FsReply.newBuilder();
    try {
      switch (query.getReadCase()) {
        case ATTRIBUTES -> reply.setAttributes(namespace.attributes(query.getAttributes()).image());
        case LOOKUP ->
            reply.setAttributes(
                namespace
                    .lookup(query.getLookup().getParent(), query.getLookup().getName())
                    .image());
        case LIST -> {
          for (Namespace.Entry entry : namespace.list(query.getList())) {
            reply.addEntries(
                DirectoryEntry.newBuilder()
                    .setName(entry.name())
                    .setInode(entry.inode())
                    .setType(entry.type()));
          }
        }
        case READ_DATA -> {
          var read = query.getReadData();
          Namespace.Attributes file = namespace.attributes(read.getInode());
          if (file.isDirectory()) {
            return failure(FsError.EISDIR, "read of directory " + read.getInode());
          }
          reply.setData(
              UnsafeByteOperations.unsafeWrap(
                  chunks.read(read.getInode(), read.getOffset(), read.getSize(), file.size())));
        }
        case READLINK -> reply.setText(namespace.readlink(query.getReadlink()));
        case GET_XATTR ->
            reply.setData(
                ByteString.copyFrom(
                    namespace.getXattr(
                        query.getGetXattr().getInode(), query.getGetXattr().getName())));
        case LIST_XATTRS -> reply.addAllNames(namespace.listXattrs(query.getListXattrs()));
        case READ_NOT_SET -> {
          return failure(FsError.EINVAL, "a query with no read");
        }
      }
    } catch (FsError e) {
      return failure(e.errno(), e.getMessage());
    } catch (IOException e) {
      return failure(EIO, "file data: " + e.getMessage());
    }
    return reply.build();
  }

  /**
   * Writes the whole state to out: the namespace's image, then every chunk of every file (inode,
   * chunk number, length, bytes), then inode 0. Streamed: the data is never all in memory.
   */
  public void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    NamespaceImage image = namespace.image();
    image.writeDelimitedTo(data);
    for (InodeImage inode : image.getInodesList()) {
      long number = inode.getAttributes().getInode();
      if ((inode.getAttributes().getMode() & Namespace.S_IFMT) != Namespace.S_IFREG) {
        continue;
      }
      for (long index : chunks.chunkNumbers(number)) {
        data.writeLong(number);
        data.writeLong(index);
        chunks.copyChunk(number, index, data);
      }
    }
    data.writeLong(0);
    data.flush();
  }

  /** The state a snapshot holds, its data written into chunks (an empty store). */
  public static FsState readSnapshot(InputStream in, ChunkStore chunks) throws IOException {
    DataInputStream data = new DataInputStream(in);
    NamespaceImage image = NamespaceImage.parseDelimitedFrom(data);
    if (image == null) {
      throw new IOException("an empty filesystem snapshot");
    }
    for (long inode = data.readLong(); inode != 0; inode = data.readLong()) {
      chunks.restoreChunk(inode, data.readLong(), data);
    }
    return new FsState(Namespace.of(image), chunks);
  }

  private void freeData() throws IOException {
    for (long inode : namespace.drainFreed()) {
      chunks.delete(inode);
    }
  }

  private static FsReply failure(int errno, String message) {
    return FsReply.newBuilder().setErrno(errno).setMessage(message).build();
  }
}
