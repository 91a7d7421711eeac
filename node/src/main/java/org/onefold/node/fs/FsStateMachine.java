package org.onefold.node.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/**
 * The Ratis edge of the filesystem group: decodes log entries into {@link FsCommand}s, applies them
 * to its replica's {@link FsState}, answers {@link FsQuery}s; nothing else.
 *
 * <p>No snapshots yet: a replica builds its state by applying the whole log from the start, so at
 * start its chunk directory is emptied (the log writes it again), and Ratis keeps the whole log (it
 * purges only behind a snapshot). Snapshots, of the namespace and of the chunks, come with the
 * group's wiring into the daemon.
 *
 * <p>Threads: Ratis applies on one thread; queries come from others: a read-write lock.
 */
public final class FsStateMachine extends BaseStateMachine {
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
    clear(chunkDirectory);
    lock.writeLock().lock();
    try {
      state = new FsState(new Namespace(rootMode, 0, 0, 0), new ChunkStore(chunkDirectory));
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static void clear(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (!path.equals(directory)) {
          Files.delete(path);
        }
      }
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
