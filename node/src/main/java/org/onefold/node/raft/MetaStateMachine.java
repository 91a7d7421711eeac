package org.onefold.node.raft;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.onefold.proto.Event;
import org.onefold.proto.NodeDown;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaQuery;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.MetaSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis edge of the meta group: decodes log entries, applies them to {@link MetaState}, encodes
 * the answers, writes and reads snapshots, and tells its listeners what was applied and who leads.
 * Nothing else: the rules are in MetaState.
 *
 * <p>Threads: Ratis applies on one thread; queries, snapshots and readers of {@link #read} come
 * from others, so the state is guarded by a read-write lock. Listeners are called on the apply
 * thread after the lock is released and must not block (they hand the events to their own queues).
 */
public final class MetaStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(MetaStateMachine.class);

  /** Told, on the apply thread, of every applied change and of leader changes. */
  public interface Listener {
    void applied(List<Event> events);

    default void leaderChanged(int leaderNode) {}

    /**
     * A listener to the NodeDown events alone; action runs on the apply thread, so must not block.
     */
    static Listener onNodeDown(Consumer<NodeDown> action) {
      return events -> {
        for (Event event : events) {
          if (event.hasNodeDown()) {
            action.accept(event.getNodeDown());
          }
        }
      };
    }
  }

  /** What takeSnapshot answers when there is nothing to snapshot yet (Ratis' convention). */
  private static final long INVALID_INDEX = -1;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Guarded by lock. */
  private final MetaState state = new MetaState();

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** Runs reader under the read lock: a consistent view of the state as applied on this node. */
  public <T> T read(Function<MetaState, T> reader) {
    lock.readLock().lock();
    try {
      return reader.apply(state);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Registers listener and hands reader the state under the same lock, so that the listener misses
   * nothing applied after what reader saw.
   */
  public <T> T readAndListen(Function<MetaState, T> reader, Listener listener) {
    lock.writeLock().lock();
    try {
      listeners.add(listener);
      return reader.apply(state);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load(storage.loadLatestSnapshot());
  }

  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot());
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    MetaState.Applied applied;
    lock.writeLock().lock();
    try {
      applied = apply(entry);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    } finally {
      lock.writeLock().unlock();
    }
    tell(applied.events());
    return CompletableFuture.completedFuture(messageOf(applied.reply().toByteArray()));
  }

  private MetaState.Applied apply(LogEntryProto entry) {
    MetaCommand command;
    try {
      command =
          MetaCommand.parseFrom(
              entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      // Not a reason to stop the server: a client sent bytes that are no command.
      return new MetaState.Applied(
          MetaReply.newBuilder()
              .setError(ErrorCode.INVALID)
              .setMessage("undecodable command at index " + entry.getIndex())
              .build(),
          List.of());
    }
    return state.apply(command);
  }

  private static Message messageOf(byte[] bytes) {
    return Message.valueOf(ByteString.copyFrom(bytes));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      MetaQuery query = MetaQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
      byte[] reply = read(current -> current.query(query).toByteArray());
      return CompletableFuture.completedFuture(messageOf(reply));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void notifyConfigurationChanged(
      long term, long index, RaftConfigurationProto configuration) {
    List<Integer> voters = new ArrayList<>();
    List<Integer> nonvoters = new ArrayList<>();
    for (RaftPeerProto peer : configuration.getPeersList()) {
      PeerIds.nodeOf(peer.getId().toStringUtf8()).ifPresent(voters::add);
    }
    for (RaftPeerProto peer : configuration.getListenersList()) {
      PeerIds.nodeOf(peer.getId().toStringUtf8()).ifPresent(nonvoters::add);
    }
    List<Event> events;
    lock.writeLock().lock();
    try {
      events = state.changeRoles(voters, nonvoters);
    } finally {
      lock.writeLock().unlock();
    }
    tell(events);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId leader) {
    int leaderNode = leader == null ? 0 : PeerIds.nodeOf(leader.toString()).orElse(0);
    for (Listener listener : listeners) {
      listener.leaderChanged(leaderNode);
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    MetaSnapshot snapshot;
    TermIndex last;
    lock.readLock().lock();
    try {
      snapshot = state.snapshot();
      last = getLastAppliedTermIndex();
    } finally {
      lock.readLock().unlock();
    }
    if (last == null || last.getIndex() < 0) {
      return INVALID_INDEX;
    }
    SnapshotFile.save(storage, last, snapshot::writeTo);
    log.info(
        "snapshot of the meta state at index {} (revision {})",
        last.getIndex(),
        snapshot.getRevision());
    return last.getIndex();
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    MetaSnapshot read;
    try (InputStream in = Files.newInputStream(file.toPath())) {
      read = MetaSnapshot.parseFrom(in);
    } catch (IOException e) {
      throw new IOException("corrupt meta snapshot " + file + ": " + e.getMessage(), e);
    }
    lock.writeLock().lock();
    try {
      state.restore(read);
      setLastAppliedTermIndex(snapshot.getTermIndex());
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void tell(List<Event> events) {
    if (events.isEmpty()) {
      return;
    }
    for (Listener listener : listeners) {
      try {
        listener.applied(events);
      } catch (RuntimeException e) {
        log.warn("a listener of the meta state failed; it is dropped", e);
        listeners.remove(listener);
      }
    }
  }
}
