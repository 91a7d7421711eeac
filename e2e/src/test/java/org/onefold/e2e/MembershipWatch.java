package org.onefold.e2e;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;

/**
 * The membership events one node's daemon streams (the client library's events()), each stamped
 * with System.nanoTime() on arrival, so that a test can measure from a fault it caused to the
 * moment a survivor reports it. Reads on a thread of its own from the moment it is opened; close it
 * to stop.
 */
final class MembershipWatch implements AutoCloseable {
  /** One event and when it reached the test. */
  record Arrival(Event event, long arrivedNanos) {}

  private final OnefoldClient client;
  private final EventStream stream;
  private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private MembershipWatch(Path socket) {
    this.client = OnefoldClient.connect(socket);
    this.stream = client.events(0);
    this.reader = Thread.ofPlatform().daemon().name("membership-watch").start(this::read);
  }

  /** Starts watching the daemon at socket: only events applied from now on. */
  static MembershipWatch open(Path socket) {
    return new MembershipWatch(socket);
  }

  private void read() {
    try {
      while (stream.hasNext()) {
        Event event = stream.next();
        arrivals.add(new Arrival(event, System.nanoTime()));
      }
    } catch (RuntimeException streamEnded) {
      // The daemon stopped or the watch was closed; what arrived stays readable.
    }
  }

  /**
   * Waits for the first NodeDown of node that arrived after sinceNanos; returns the time from then.
   */
  Duration awaitDown(int node, long sinceNanos, Duration atMost) {
    Arrival down =
        await("node " + node + " down")
            .atMost(atMost)
            .pollInterval(Duration.ofMillis(10))
            .until(() -> find(node, sinceNanos, Event.KindCase.NODE_DOWN), Optional::isPresent)
            .orElseThrow();
    return Duration.ofNanos(down.arrivedNanos() - sinceNanos);
  }

  /** Waits for the first NodeUp of node after sinceNanos; returns the incarnation it reports. */
  long awaitUp(int node, long sinceNanos, Duration atMost) {
    Arrival up =
        await("node " + node + " up")
            .atMost(atMost)
            .pollInterval(Duration.ofMillis(50))
            .until(() -> find(node, sinceNanos, Event.KindCase.NODE_UP), Optional::isPresent)
            .orElseThrow();
    return up.event().getNodeUp().getIncarnation();
  }

  private Optional<Arrival> find(int node, long sinceNanos, Event.KindCase kind) {
    return arrivals.stream()
        .filter(arrival -> arrival.arrivedNanos() - sinceNanos >= 0)
        .filter(arrival -> arrival.event().getKindCase() == kind)
        .filter(
            arrival ->
                switch (kind) {
                  case NODE_DOWN -> arrival.event().getNodeDown().getNode() == node;
                  case NODE_UP -> arrival.event().getNodeUp().getNode() == node;
                  default -> false;
                })
        .findFirst();
  }

  List<Arrival> arrivals() {
    return List.copyOf(arrivals);
  }

  @Override
  public void close() {
    stream.close();
    client.close();
    try {
      reader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
