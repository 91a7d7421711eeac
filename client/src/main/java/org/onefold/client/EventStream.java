package org.onefold.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.onefold.proto.Event;

/**
 * A watch: the daemon's events, in revision order, as they are applied on its node. {@link #next()}
 * blocks until the next event. Close it to stop.
 */
public final class EventStream implements Iterator<Event>, AutoCloseable {
  private final LocalConnection connection;
  private volatile boolean closed;

  EventStream(LocalConnection connection) {
    this.connection = connection;
  }

  /** Always true until closed: a watch does not end on its own. */
  @Override
  public boolean hasNext() {
    return !closed;
  }

  @Override
  public Event next() {
    if (closed) {
      throw new NoSuchElementException("the watch is closed");
    }
    return connection.receive().getEvent();
  }

  @Override
  public void close() {
    closed = true;
    connection.close();
  }
}
