package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/** Writes in flight with replies completed by hand, and a client that changes under them. */
class WriteBehindTest {
  /** A sender whose sends wait until the test completes them. */
  private static final class HeldSender implements FsGateway.Sender {
    final List<CompletableFuture<FsReply>> sent = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<FsReply> send(FsCommand command) {
      CompletableFuture<FsReply> reply = new CompletableFuture<>();
      sent.add(reply);
      return reply;
    }

    synchronized List<CompletableFuture<FsReply>> sent() {
      return List.copyOf(sent);
    }
  }

  /** A gateway whose sender the test swaps, as a node's client changes. */
  private static final class Swappable implements FsGateway {
    volatile FsGateway.Sender current;

    @Override
    public FsReply change(FsCommand command) {
      throw new AssertionError("WriteBehind sends only through sender()");
    }

    @Override
    public FsReply read(FsQuery query) {
      throw new AssertionError("WriteBehind never reads");
    }

    @Override
    public Sender sender() {
      return current;
    }
  }

  private static final FsCommand WRITE = FsCommand.getDefaultInstance();

  @Test
  @DisplayName(
      "a failed write is kept for fsync or close: a getattr's wait does not take it; reported once")
  void failureWaitsForFsync() throws Exception {
    HeldSender held = new HeldSender();
    Swappable gateway = new Swappable();
    gateway.current = held;
    WriteBehind writes = new WriteBehind(gateway);

    writes.write(7, WRITE, 10);
    assertThat(writes.writing(7)).isTrue();
    held.sent().get(0).complete(FsReply.newBuilder().setErrno(28).setMessage("full").build());
    writes.await(7); // as a getattr waits: no failure here
    assertThatThrownBy(() -> writes.awaitReported(7))
        .isInstanceOf(FuseException.class)
        .extracting(e -> ((FuseException) e).errno())
        .isEqualTo(28);
    writes.awaitReported(7); // once
  }

  @Test
  @DisplayName("a write after the client changed waits for the writes in flight on the old one")
  void newClientWaitsForTheOld() throws Exception {
    HeldSender old = new HeldSender();
    HeldSender next = new HeldSender();
    Swappable gateway = new Swappable();
    gateway.current = old;
    WriteBehind writes = new WriteBehind(gateway);
    writes.write(7, WRITE, 10);

    gateway.current = next;
    Thread second =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    writes.write(7, WRITE, 10);
                  } catch (FuseException e) {
                    throw new IllegalStateException(e);
                  }
                });
    await("the second write waiting for room")
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.getState() == Thread.State.TIMED_WAITING);
    assertThat(next.sent()).as("nothing sent on the new client yet").isEmpty();
    old.sent().get(0).complete(FsReply.getDefaultInstance());
    await("the second write sent on the new client")
        .atMost(Duration.ofSeconds(10))
        .until(() -> next.sent().size() == 1);
    second.join(10_000);
    next.sent().get(0).complete(FsReply.getDefaultInstance());
    writes.awaitReported(7);
  }
}
