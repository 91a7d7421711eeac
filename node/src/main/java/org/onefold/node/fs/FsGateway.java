package org.onefold.node.fs;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
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
   * The ordered stream a node's changes go through now; a new one when the node's client of the
   * group changes. Changes sent through one sender apply in the order sent.
   */
  Sender sender();

  /** Sends changes without waiting for them. */
  interface Sender {
    /** command's reply later, or an {@link IOException} (wrapped) if the state was not reached. */
    CompletableFuture<FsReply> send(FsCommand command);
  }

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
      /**
       * Sent as {@link #send} sends and awaited: a node's changes, waited for or not, go through
       * one ordered stream of its client (a later open never overtakes an earlier release).
       */
      @Override
      public FsReply change(FsCommand command) throws IOException {
        try {
          return sender().send(command).get();
        } catch (ExecutionException e) {
          Throwable cause =
              e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
          throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while the change was in flight", e);
        }
      }

      @Override
      public FsReply read(FsQuery query) throws IOException {
        return answer(client.get().io().sendReadOnly(message(query.toByteArray())));
      }

      /** The sender of the client last seen: the same object while the client is the same. */
      private RaftClient senderClient;

      private Sender sender;

      @Override
      public synchronized Sender sender() {
        RaftClient current = client.get();
        if (current != senderClient) {
          senderClient = current;
          sender = senderOf(current);
        }
        return sender;
      }

      private static Sender senderOf(RaftClient current) {
        return command ->
            current
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

      private final Sender sender = command -> CompletableFuture.completedFuture(change(command));

      @Override
      public Sender sender() {
        return sender;
      }
    };
  }
}
