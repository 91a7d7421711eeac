package org.onefold.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;

/**
 * One node's membership events, each stamped with {@link System#nanoTime} as it arrives here. A
 * virtual thread reads {@code events(0)} and, when the daemon goes away, opens the stream again
 * every {@link #RECONNECT_INTERVAL} until {@link #close}. The queue is bounded; events past its
 * capacity are dropped and counted (a benchmark drains it every trial).
 */
final class EventFeed implements AutoCloseable {
  /** An event and when it reached the benchmark. */
  record Arrival(long nanos, Event event) {}

  private static final int QUEUE_CAPACITY = 10_000;
  private static final Duration RECONNECT_INTERVAL = Duration.ofMillis(50);

  private final Path socket;
  private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final Thread reader;
  private volatile boolean closed;

  /** The open stream, so that close can unblock the reader; written by the reader. */
  private volatile EventStream stream;

  private volatile long dropped;

  EventFeed(Path socket) {
    this.socket = socket;
    this.reader = Thread.ofVirtual().name("events " + socket).start(this::read);
  }

  /** Forgets every event that arrived so far. */
  void drain() {
    arrivals.clear();
  }

  /**
   * The first event (arrived since the last {@link #drain}) that matches, waiting at most {@code
   * timeout}; other events are discarded.
   */
  Optional<Arrival> await(Predicate<Event> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      Arrival arrival = arrivals.poll(left, TimeUnit.NANOSECONDS);
      if (arrival != null && wanted.test(arrival.event())) {
        return Optional.of(arrival);
      }
    }
    return Optional.empty();
  }

  long dropped() {
    return dropped;
  }

  private void read() {
    while (!closed) {
      try (EventStream opened = OnefoldClient.connect(socket).events(0)) {
        stream = opened;
        while (!closed) {
          Event event = opened.next();
          if (!arrivals.offer(new Arrival(System.nanoTime(), event))) {
            dropped++;
          }
        }
      } catch (RuntimeException daemonGoneOrStarting) {
        // The daemon was killed or is not listening yet: open the stream again shortly.
      }
      try {
        Thread.sleep(RECONNECT_INTERVAL);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    EventStream open = stream;
    if (open != null) {
      open.close();
    }
    reader.interrupt();
  }
}
