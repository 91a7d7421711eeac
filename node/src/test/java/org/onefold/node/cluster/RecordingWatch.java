package org.onefold.node.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;

/**
 * A registry watch whose events a thread of its own records, so that the test thread can wait for
 * them with a bound. It starts at the node's current revision + 1, so that no write made after it
 * was opened can slip past it.
 */
final class RecordingWatch implements AutoCloseable {
  private final EventStream stream;
  private final Thread thread;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private volatile RuntimeException ended;

  RecordingWatch(OnefoldClient client, String prefix) {
    long from = client.cluster().getRevision() + 1;
    this.stream = client.registry().watch(prefix, from);
    this.thread = Thread.ofPlatform().daemon().name("recording-watch").start(this::run);
  }

  private void run() {
    try {
      while (stream.hasNext()) {
        events.add(stream.next());
      }
    } catch (RuntimeException e) {
      ended = e;
    }
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  /** Why the watch ended (the daemon hung up, or close), or null while it runs. */
  RuntimeException ended() {
    return ended;
  }

  @Override
  public void close() throws InterruptedException {
    stream.close();
    thread.join(java.time.Duration.ofSeconds(5));
  }
}
