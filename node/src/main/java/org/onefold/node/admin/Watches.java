package org.onefold.node.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.onefold.node.raft.MetaStateMachine;
import org.onefold.proto.Event;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.EventsRequest;
import org.onefold.proto.local.Response;
import org.onefold.proto.local.WatchRequest;

/**
 * Streams of the meta group's events to local callers: registry changes under a prefix ({@code ssi
 * reg watch}) and membership events ({@code ssi events}).
 *
 * <p>A stream starts from a revision: the events kept in the history from there are sent first,
 * then new ones as this node applies them. Both come from this node's applied log, whoever leads,
 * so a leader change neither loses nor repeats an event. A caller that falls more than {@link
 * #QUEUE_EVENTS_MAX} events behind is told so (with the revision to start again from) rather than
 * slowing the apply thread.
 */
final class Watches {
  static final int QUEUE_EVENTS_MAX = 10_000;
  private static final long POLL_MILLIS = 200;

  private final MetaStateMachine stateMachine;

  Watches(MetaStateMachine stateMachine) {
    this.stateMachine = stateMachine;
  }

  void watchKeys(WatchRequest request, InputStream input, OutputStream output) throws IOException {
    String prefix = request.getPrefix();
    stream(
        request.getFromRevision(),
        event ->
            switch (event.getKindCase()) {
              case PUT -> event.getPut().getEntry().getKey().startsWith(prefix);
              case DELETED -> event.getDeleted().getKey().startsWith(prefix);
              default -> false;
            },
        input,
        output);
  }

  void watchMembership(EventsRequest request, InputStream input, OutputStream output)
      throws IOException {
    stream(
        request.getFromRevision(),
        event ->
            switch (event.getKindCase()) {
              case NODE_JOINED, NODE_UP, NODE_DOWN, ROLES_CHANGED -> true;
              default -> false;
            },
        input,
        output);
  }

  private void stream(
      long fromRevision, Predicate<Event> wanted, InputStream input, OutputStream output)
      throws IOException {
    if (fromRevision < 0) {
      send(output, LocalApi.error(Error.Code.INVALID, "revision " + fromRevision + " is negative"));
      return;
    }
    Subscriber subscriber = new Subscriber();
    Optional<List<Event>> backlog =
        stateMachine.readAndListen(
            state ->
                fromRevision == 0 ? Optional.of(List.<Event>of()) : state.eventsSince(fromRevision),
            subscriber);
    try {
      if (backlog.isEmpty()) {
        send(
            output,
            LocalApi.error(
                Error.Code.COMPACTED,
                "events before revision "
                    + fromRevision
                    + " are no longer kept; watch from a later revision or from now (0)"));
        return;
      }
      Thread.ofPlatform().daemon().name("watch-hangup").start(() -> awaitHangup(input, subscriber));
      long lastSent = 0;
      for (Event event : backlog.get()) {
        lastSent = event.getRevision();
        if (wanted.test(event)) {
          send(output, Response.newBuilder().setEvent(event).build());
        }
      }
      while (!subscriber.hungUp.get()) {
        Event event = subscriber.queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (event == null) {
          if (subscriber.overflowed.get()) {
            send(
                output,
                LocalApi.error(
                    Error.Code.BUSY,
                    "the watch fell more than "
                        + QUEUE_EVENTS_MAX
                        + " events behind; watch again from revision "
                        + (lastSent + 1)));
            return;
          }
          continue;
        }
        lastSent = event.getRevision();
        // A watch may start at a revision not reached yet.
        if (event.getRevision() >= fromRevision && wanted.test(event)) {
          send(output, Response.newBuilder().setEvent(event).build());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stateMachine.removeListener(subscriber);
    }
  }

  private static void awaitHangup(InputStream input, Subscriber subscriber) {
    try {
      while (input.read() != -1) {
        // A client says nothing after its watch request; anything it sends is ignored.
      }
    } catch (IOException ignored) {
      // The connection is gone either way.
    }
    subscriber.hungUp.set(true);
  }

  private static void send(OutputStream output, Response response) throws IOException {
    response.writeDelimitedTo(output);
    output.flush();
  }

  /**
   * Takes events on the apply thread without blocking it; the streaming thread drains the queue.
   */
  private static final class Subscriber implements MetaStateMachine.Listener {
    final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_EVENTS_MAX);
    final AtomicBoolean overflowed = new AtomicBoolean();
    final AtomicBoolean hungUp = new AtomicBoolean();

    @Override
    public void applied(List<Event> events) {
      for (Event event : events) {
        if (overflowed.get() || !queue.offer(event)) {
          overflowed.set(true);
          return;
        }
      }
    }
  }
}
