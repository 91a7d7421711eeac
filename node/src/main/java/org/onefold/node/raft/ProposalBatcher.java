package org.onefold.node.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.onefold.proto.meta.Batch;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaReply;

/**
 * Group commit for the meta group. A proposal is sent at once while fewer than {@code inFlightMax}
 * are on their way; past that it waits, and when one on its way is answered, the waiting ones leave
 * together as one {@link Batch}: one log entry, one replication round, one fsync on each member for
 * all of them. A lone writer sees no difference (its command goes out alone and at once); many
 * concurrent writers cost Raft per batch, not per command, which is where the leader's CPU went
 * (retry cache, log entry, appenders, futures, per entry).
 *
 * <p>The state machine applies a batch's commands one after the other as if each had its own entry
 * (MetaState.applyBatch), so ordering and answers are those of separate proposals sent in the same
 * order.
 *
 * <p>Threads: proposers call {@link #propose} from any thread, and a proposal sent at once is sent
 * on the proposer's thread. Answers complete on whatever thread completes the sender's future
 * (Ratis' apply or client threads); the batches that follow are sent on {@code batchSender}, never
 * on that thread, which must not take the Raft server's locks. The queue and the count in flight
 * are guarded by this object's monitor; sending happens outside it.
 */
final class ProposalBatcher {
  /** What is waiting and what is on its way. Guarded by this. */
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

  /** Guarded by this. */
  private int inFlight;

  private final Function<MetaCommand, CompletableFuture<MetaReply>> sender;
  private final Executor batchSender;
  private final int inFlightMax;
  private final int waitingMax;
  private final int batchCommandsMax;
  private final int batchBytesMax;

  private record Waiting(MetaCommand command, CompletableFuture<MetaReply> answer) {}

  /**
   * @param sender proposes one command (possibly a batch) to the group; its future completes with
   *     the applied answer
   * @param batchSender runs the sends of batches, which follow answers
   * @param inFlightMax proposals (single or batch) on their way at once, at least 1
   * @param waitingMax proposals allowed to wait; past that a proposal fails at once (busy)
   * @param batchCommandsMax commands in one batch
   * @param batchBytesMax encoded bytes of one batch; a single larger command still goes, alone
   */
  ProposalBatcher(
      Function<MetaCommand, CompletableFuture<MetaReply>> sender,
      Executor batchSender,
      int inFlightMax,
      int waitingMax,
      int batchCommandsMax,
      int batchBytesMax) {
    check(inFlightMax >= 1, "inFlightMax " + inFlightMax + " must be at least 1");
    check(waitingMax >= 0, "waitingMax " + waitingMax + " must not be negative");
    check(batchCommandsMax >= 1, "batchCommandsMax " + batchCommandsMax + " must be at least 1");
    check(batchBytesMax >= 1, "batchBytesMax " + batchBytesMax + " must be at least 1");
    this.sender = sender;
    this.batchSender = batchSender;
    this.inFlightMax = inFlightMax;
    this.waitingMax = waitingMax;
    this.batchCommandsMax = batchCommandsMax;
    this.batchBytesMax = batchBytesMax;
  }

  /** Proposes command; completes with its own answer, or fails as its batch failed. */
  CompletableFuture<MetaReply> propose(MetaCommand command) {
    check(!command.hasBatch(), "a batch is not proposed through the batcher");
    CompletableFuture<MetaReply> answer = new CompletableFuture<>();
    boolean sendNow;
    synchronized (this) {
      sendNow = inFlight < inFlightMax && waiting.isEmpty();
      if (sendNow) {
        inFlight++;
      } else if (waiting.size() >= waitingMax) {
        return CompletableFuture.failedFuture(
            new BusyException(
                waiting.size() + " proposals already waiting (at most " + waitingMax + ")"));
      } else {
        waiting.add(new Waiting(command, answer));
      }
    }
    if (sendNow) {
      send(List.of(new Waiting(command, answer)));
    }
    return answer;
  }

  /** Proposals waiting now; for tests and metrics. */
  synchronized int waitingCount() {
    return waiting.size();
  }

  private void send(List<Waiting> group) {
    CompletableFuture<MetaReply> sent;
    try {
      sent = sender.apply(group.size() == 1 ? group.getFirst().command() : batchOf(group));
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (reply, failure) -> {
          answer(group, reply, failure);
          sendNext();
        });
  }

  private static MetaCommand batchOf(List<Waiting> group) {
    Batch.Builder batch = Batch.newBuilder();
    for (Waiting each : group) {
      batch.addCommands(each.command());
    }
    return MetaCommand.newBuilder().setBatch(batch).build();
  }

  private static void answer(List<Waiting> group, MetaReply reply, Throwable failure) {
    if (failure != null) {
      group.forEach(each -> each.answer().completeExceptionally(failure));
      return;
    }
    if (group.size() == 1) {
      group.getFirst().answer().complete(reply);
      return;
    }
    if (reply.getBatchRepliesCount() != group.size()) {
      // The state machine answers a batch with one reply per command, or refuses it whole.
      IllegalStateException mismatch =
          new IllegalStateException(
              "batch of "
                  + group.size()
                  + " commands answered with "
                  + reply.getBatchRepliesCount()
                  + " replies: "
                  + reply.getError()
                  + " "
                  + reply.getMessage());
      group.forEach(each -> each.answer().completeExceptionally(mismatch));
      return;
    }
    for (int i = 0; i < group.size(); i++) {
      group.get(i).answer().complete(reply.getBatchReplies(i));
    }
  }

  /** One slot came free: sends what waits, as one batch, or counts the slot free. */
  private void sendNext() {
    List<Waiting> group = new ArrayList<>();
    synchronized (this) {
      int bytes = 0;
      while (!waiting.isEmpty() && group.size() < batchCommandsMax) {
        int size = waiting.peekFirst().command().getSerializedSize();
        if (!group.isEmpty() && bytes + size > batchBytesMax) {
          break;
        }
        bytes += size;
        group.add(waiting.pollFirst());
      }
      if (group.isEmpty()) {
        inFlight--;
        return;
      }
    }
    try {
      batchSender.execute(() -> send(group));
    } catch (RejectedExecutionException e) {
      // The group is closing: nothing more is sent.
      answer(group, null, new IllegalStateException("the meta group is closed", e));
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Too many proposals wait already: the node is overloaded; try again later. */
  static final class BusyException extends RuntimeException {
    BusyException(String message) {
      super("busy: " + message);
    }
  }
}
