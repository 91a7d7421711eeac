package org.onefold.node.fs;

import com.google.protobuf.CodedInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.onefold.node.raft.SnapshotFile;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/**
 * The Ratis edge of the filesystem group: decodes log entries into {@link FsCommand}s, applies them
 * to its replica's {@link FsState}, answers {@link FsQuery}s; nothing else.
 *
 * <p>Snapshots: one file holding the namespace's image and every chunk ({@link
 * FsState#writeSnapshot}), taken with applies held (so it costs a copy of the data: a first cut, to
 * be replaced by chunks that are never changed in place). At start, and after the leader installed
 * one, a replica empties its chunk directory and reads its state from the latest snapshot, then
 * applies the log after it.
 *
 * <p>Once the node has mounted the filesystem, the changes other nodes made are followed by the
 * notices their kernel caches need ({@link KernelNotice}), handed to the mount's notifier.
 *
 * <p>Threads: Ratis applies on one thread; queries come from others: a read-write lock.
 */
public final class FsStateMachine extends BaseStateMachine {
  /** What takeSnapshot answers when there is nothing applied yet (Ratis' convention). */
  private static final long NO_SNAPSHOT = -1;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Path chunkDirectory;
  private final int rootMode;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Set by initialize; guarded by lock. */
  private FsState state;

  /** Where the notices for other nodes' changes go, once this node has mounted the filesystem. */
  private volatile NoticeSink notices;

  /** This node's number, and what to do with the notices for the changes of every other node. */
  private record NoticeSink(int node, Consumer<List<KernelNotice>> sink) {}

  /** chunkDirectory: where this replica keeps the files' data; rootMode: the root's mode. */
  public FsStateMachine(Path chunkDirectory, int rootMode) {
    this.chunkDirectory = chunkDirectory;
    this.rootMode = rootMode;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load();
  }

  @Override
  public void reinitialize() throws IOException {
    load();
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /** The state of the latest snapshot, or an empty filesystem. */
  private void load() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    lock.writeLock().lock();
    try {
      ChunkStore chunks = new ChunkStore(chunkDirectory);
      chunks.clear();
      if (snapshot == null) {
        state = new FsState(new Namespace(rootMode, 0, 0, 0), chunks);
        return;
      }
      Path file = snapshot.getFile().getPath();
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
        state = FsState.readSnapshot(in, chunks);
      } catch (IOException e) {
        throw new IOException("corrupt filesystem snapshot " + file + ": " + e.getMessage(), e);
      }
      setLastAppliedTermIndex(snapshot.getTermIndex());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    lock.readLock().lock();
    try {
      TermIndex last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return NO_SNAPSHOT;
      }
      SnapshotFile.save(storage, last, state::writeSnapshot);
      return last.getIndex();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * From now on, every change another node's mount made is followed by its notices to sink (on the
   * applying thread, in log order: sink must not block); node is this node's number.
   */
  void tellKernelOfOthers(int node, Consumer<List<KernelNotice>> sink) {
    notices = new NoticeSink(node, sink);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    FsReply reply;
    List<KernelNotice> toTell = List.of();
    lock.writeLock().lock();
    try {
      Optional<FsCommand> command = decode(entry);
      if (command.isEmpty()) {
        // Not a reason to stop the server: a client sent bytes that are no command.
        reply =
            FsReply.newBuilder()
                .setErrno(FsError.EINVAL)
                .setMessage("undecodable command at index " + entry.getIndex())
                .build();
      } else {
        NoticeSink sink = notices;
        // Another node's change; or an append of this node's, whose kernel took its idea of the
        // file's end for the offset.
        boolean tell =
            sink != null
                && (command.get().getNode() != sink.node() || command.get().getWrite().getAppend());
        List<KernelNotice> due = tell ? state.noticesFor(command.get()) : List.of();
        reply = state.apply(command.get());
        if (reply.getErrno() == 0) {
          toTell = due;
        }
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    } finally {
      lock.writeLock().unlock();
    }
    if (!toTell.isEmpty()) {
      notices.sink().accept(toTell);
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
  }

  private static Optional<FsCommand> decode(LogEntryProto entry) {
    try {
      // A write's data stays in the entry's buffer (aliased), not copied: the entry outlives the
      // apply.
      CodedInputStream in =
          CodedInputStream.newInstance(
              entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
      in.enableAliasing(true);
      return Optional.of(FsCommand.parseFrom(in));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      FsQuery query = FsQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
      FsReply reply;
      lock.readLock().lock();
      try {
        reply = state.query(query);
      } finally {
        lock.readLock().unlock();
      }
      return CompletableFuture.completedFuture(
          Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
