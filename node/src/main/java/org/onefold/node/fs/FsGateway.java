package org.onefold.node.fs;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/**
 * The way to the filesystem's state from a node: changes go in log order, reads are answered as of
 * a point no earlier than the last change this node saw acknowledged. An {@link IOException} says
 * the state could not be reached (no quorum); an operation's own failure is the reply's errno.
 */
public interface FsGateway {
  FsReply change(FsCommand command) throws IOException;

  FsReply read(FsQuery query) throws IOException;

  /**
   * Sends a change without waiting for it: its reply later, or an {@link IOException} (wrapped) if
   * the state could not be reached. Changes sent through the same {@link #channel} apply in the
   * order sent.
   */
  CompletableFuture<FsReply> send(FsCommand command);

  /** What {@link #send} sends through now: it changes when the node's client of the group does. */
  Object channel();

  /**
   * The filesystem group through client: changes as writes to its log, reads as linearizable
   * read-only requests (answered after the leader confirms it still leads and the replica that
   * answers has applied its commit index).
   */
  static FsGateway replicated(RaftClient client) {
    return replicated(() -> client);
  }

  /** As {@link #replicated(RaftClient)}, through whichever client supplies (it may change). */
  static FsGateway replicated(Supplier<RaftClient> client) {
    return new FsGateway() {
      @Override
      public FsReply change(FsCommand command) throws IOException {
        return answer(client.get().io().send(message(command.toByteArray())));
      }

      @Override
      public FsReply read(FsQuery query) throws IOException {
        return answer(client.get().io().sendReadOnly(message(query.toByteArray())));
      }

      @Override
      public CompletableFuture<FsReply> send(FsCommand command) {
        return client
            .get()
            .async()
            .send(message(command.toByteArray()))
            .thenApply(
                reply -> {
                  try {
                    return answer(reply);
                  } catch (IOException e) {
                    throw new CompletionException(e);
                  }
                });
      }

      @Override
      public Object channel() {
        return client.get();
      }

      private static Message message(byte[] bytes) {
        // bytes is the caller's fresh serialization, never changed after: no copy.
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
      }

      private static FsReply answer(RaftClientReply reply) throws IOException {
        if (!reply.isSuccess()) {
          throw new IOException("the filesystem group failed the call: " + reply.getException());
        }
        return FsReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
      }
    };
  }

  /** The state in this process, one operation at a time: one node's filesystem, and tests. */
  static FsGateway direct(FsState state) {
    return new FsGateway() {
      @Override
      public synchronized FsReply change(FsCommand command) {
        return state.apply(command);
      }

      @Override
      public synchronized FsReply read(FsQuery query) {
        return state.query(query);
      }

      @Override
      public CompletableFuture<FsReply> send(FsCommand command) {
        return CompletableFuture.completedFuture(change(command));
      }

      @Override
      public Object channel() {
        return this;
      }
    };
  }
}
