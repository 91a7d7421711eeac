package org.onefold.node.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.proto.local.Error;

/**
 * A stream of registry writes from one thread, for failure scenarios: puts {@code PREFIX/00000 ..
 * PREFIX/(count-1)} through one node's client, one after the other, and records which the daemon
 * acknowledged (with the revision it answered) and which failed. A failed write may or may not have
 * happened; an acknowledged one must never be lost.
 */
final class KeyWriter implements AutoCloseable {
  /** A write the daemon answered with success. */
  record Acknowledged(String key, String value, long revision) {}

  private final OnefoldClient client;
  private final String prefix;
  private final int count;
  private final Thread thread;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final List<Acknowledged> acknowledged = new CopyOnWriteArrayList<>();
  private final List<String> failed = new CopyOnWriteArrayList<>();
  private volatile Throwable unexpected;

  KeyWriter(OnefoldClient client, String prefix, int count) {
    this.client = client;
    this.prefix = prefix;
    this.count = count;
    this.thread = Thread.ofPlatform().daemon().name("key-writer").unstarted(this::run);
  }

  KeyWriter start() {
    thread.start();
    return this;
  }

  static String key(String prefix, int index) {
    return prefix + "/" + String.format("%05d", index);
  }

  private void run() {
    try {
      for (int index = 0; index < count && !stopping.get(); index++) {
        String key = key(prefix, index);
        String value = "value of " + key;
        try {
          long revision =
              client.registry().put(key, value.getBytes(StandardCharsets.UTF_8)).getRevision();
          acknowledged.add(new Acknowledged(key, value, revision));
        } catch (OnefoldException e) {
          if (e.code() != Error.Code.UNAVAILABLE) {
            throw e;
          }
          failed.add(key);
        }
      }
    } catch (Throwable e) {
      unexpected = e;
    }
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  List<Acknowledged> acknowledged() {
    return List.copyOf(acknowledged);
  }

  List<String> failed() {
    return List.copyOf(failed);
  }

  /** Waits for the last write, within atMost; fails if the writer met anything but UNAVAILABLE. */
  void awaitDone(Duration atMost) throws InterruptedException {
    if (!thread.join(atMost)) {
      throw new AssertionError(
          "the writer did not finish "
              + count
              + " writes within "
              + atMost.toSeconds()
              + " s; acknowledged "
              + acknowledged.size()
              + ", failed "
              + failed.size());
    }
    if (unexpected != null) {
      throw new AssertionError("the writer failed unexpectedly", unexpected);
    }
  }

  /** Stops after the write under way; waits a bounded time for it. */
  @Override
  public void close() throws InterruptedException {
    stopping.set(true);
    thread.join(Duration.ofSeconds(15));
  }
}
