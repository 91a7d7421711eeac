package org.onefold.node.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.onefold.proto.Event;

/**
 * The most recent events of the meta group, in revision order, so that a watch can start in the
 * past. Bounded: the oldest events fall off, and a watch that asks for one of them is told its
 * start is compacted.
 *
 * <p>Not thread-safe; MetaState serializes access.
 */
final class EventHistory {
  private final int eventsMax;
  private final ArrayDeque<Event> events = new ArrayDeque<>();

  /** Events with a revision at or below this are no longer kept. */
  private long compactedThrough;

  EventHistory(int eventsMax) {
    if (eventsMax < 1) {
      throw new IllegalArgumentException("eventsMax " + eventsMax + " must be at least 1");
    }
    this.eventsMax = eventsMax;
  }

  void append(Event event) {
    Event last = events.peekLast();
    if (last != null && event.getRevision() < last.getRevision()) {
      throw new IllegalStateException(
          "event revision "
              + event.getRevision()
              + " after revision "
              + last.getRevision()
              + ": the log applied out of order");
    }
    events.addLast(event);
    while (events.size() > eventsMax) {
      Event dropped = events.removeFirst();
      // Keep whole revisions: a watch never starts halfway through one.
      compactedThrough = dropped.getRevision();
      while (!events.isEmpty() && events.peekFirst().getRevision() == compactedThrough) {
        events.removeFirst();
      }
    }
  }

  /** Events with revision at least fromRevision, or empty if some of them were compacted away. */
  Optional<List<Event>> since(long fromRevision) {
    if (fromRevision <= compactedThrough) {
      return Optional.empty();
    }
    List<Event> found = new ArrayList<>();
    // Walk from the newest end: watches mostly start near the present.
    var iterator = events.descendingIterator();
    while (iterator.hasNext()) {
      Event event = iterator.next();
      if (event.getRevision() < fromRevision) {
        break;
      }
      found.add(event);
    }
    return Optional.of(found.reversed());
  }

  /** Forgets everything up to revision, as after loading a snapshot taken there. */
  void resetTo(long revision) {
    events.clear();
    compactedThrough = revision;
  }
}
