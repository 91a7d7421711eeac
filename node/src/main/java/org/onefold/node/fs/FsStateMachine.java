package org.onefold.node.fs;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    FsReply reply;
    lock.writeLock().lock();
    try {
      reply = apply(entry);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    } finally {
      lock.writeLock().unlock();
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(reply.toByteArray())));
  }

  private FsReply apply(LogEntryProto entry) {
    FsCommand command;
    try {
      command =
          FsCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      // Not a reason to stop the server: a client sent bytes that are no command.
      return FsReply.newBuilder()
          .setErrno(FsError.EINVAL)
          .setMessage("undecodable command at index " + entry.getIndex())
          .build();
    }
    return state.apply(command);
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
          Message.valueOf(ByteString.copyFrom(reply.toByteArray())));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
