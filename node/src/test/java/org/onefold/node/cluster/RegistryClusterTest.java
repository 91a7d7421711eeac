package org.onefold.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.onefold.node.cluster.InProcessCluster.WAIT;
import static org.onefold.node.cluster.InProcessCluster.isDown;
import static org.onefold.node.cluster.InProcessCluster.voters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.client.Registry.PutOptions;
import org.onefold.node.registry.Limits;
import org.onefold.proto.Event;
import org.onefold.proto.KeyValue;
import org.onefold.proto.local.Error;

/**
 * The registry on real daemons: writes and watches across node failures, bound keys,
 * compare-and-set.
 */
class RegistryClusterTest {
  private static final int WRITES = 200;

  /** Concurrent writers in the loss test. */
  private static final int WRITERS = 6;

  /** Writes acknowledged before the kill, so that the failure falls mid-stream. */
  private static final int WRITES_BEFORE_KILL = 50;

  private static final Duration WRITER_DONE = Duration.ofSeconds(90);

  @TempDir Path root;
  private InProcessCluster cluster;
  private final List<AutoCloseable> opened = new java.util.ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (AutoCloseable closeable : opened.reversed()) {
      closeable.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private <T extends AutoCloseable> T opened(T closeable) {
    opened.add(closeable);
    return closeable;
  }

  /** Three nodes with voters 1 2 3, and the leader they agree on. */
  private int threeVotersAndTheirLeader() {
    cluster = new InProcessCluster(root).start(3);
    return cluster
        .awaitViews("voters 1 2 3", view -> voters(view).equals(Set.of(1, 2, 3)))
        .getLeader();
  }

  private static int otherThan(int excluded) {
    return excluded == 2 ? 3 : 2;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A linearizable get; an UNAVAILABLE answer (the group is electing, say) is asked again within
   * {@link InProcessCluster#WAIT}, as it says nothing about the key.
   */
  private static Optional<KeyValue> getRetryingWhileUnavailable(OnefoldClient client, String key) {
    AtomicReference<Optional<KeyValue>> found = new AtomicReference<>();
    await("a get of " + key + " answered")
        .atMost(WAIT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsMatching(
            e -> e instanceof OnefoldException o && o.code() == Error.Code.UNAVAILABLE)
        .until(
            () -> {
              found.set(client.registry().get(key));
              return true;
            });
    return found.get();
  }

  @Test
  @DisplayName(
      "no acknowledged write is lost when a minority of voters is killed during streams of writes")
  void noAcknowledgedWriteLostWhenTheLeaderIsKilledMidStream() throws InterruptedException {
    int leader = threeVotersAndTheirLeader();
    int survivor = otherThan(leader);
    // Several writers at once, each on its own connection, so that their writes share batch
    // entries (group commit) when the leader dies.
    List<KeyWriter> writers = new java.util.ArrayList<>();
    for (int index = 0; index < WRITERS; index++) {
      OnefoldClient connection =
          opened(OnefoldClient.connect(cluster.directory(survivor).resolve("ssid.sock")));
      writers.add(opened(new KeyWriter(connection, "stream/" + index, WRITES)).start());
    }
    KeyWriter firstWriter = writers.getFirst();
    await("the first " + WRITES_BEFORE_KILL + " writes of the first writer")
        .atMost(InProcessCluster.WAIT_LONG)
        .until(() -> firstWriter.acknowledgedCount() >= WRITES_BEFORE_KILL);

    cluster.kill(leader);
    List<KeyWriter.Acknowledged> acknowledged = new java.util.ArrayList<>();
    for (KeyWriter writer : writers) {
      writer.awaitDone(WRITER_DONE);
      acknowledged.addAll(writer.acknowledged());
    }

    assertThat(firstWriter.acknowledgedCount())
        .as("writes acknowledged after the kill (failed: %s)", firstWriter.failed())
        .isGreaterThan(WRITES_BEFORE_KILL);
    assertThat(acknowledged)
        .extracting(KeyWriter.Acknowledged::revision)
        .as("one revision per acknowledged write")
        .doesNotHaveDuplicates();
    for (int node : cluster.running()) {
      OnefoldClient client = cluster.client(node);
      AtomicReference<Map<String, KeyValue>> listing = new AtomicReference<>();
      await("a list of stream/ on node " + node)
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () -> {
                listing.set(entriesByKey(client.registry().list("stream/", 0)));
                return true;
              });
      Map<String, KeyValue> listed = listing.get();
      for (int index = 0; index < acknowledged.size(); index++) {
        KeyWriter.Acknowledged write = acknowledged.get(index);
        // Every key in a linearizable list; every tenth one also in a linearizable get (each costs
        // a round trip).
        KeyValue entry =
            index % 10 == 0
                ? getRetryingWhileUnavailable(client, write.key()).orElse(null)
                : listed.get(write.key());
        assertThat(entry)
            .as(
                "acknowledged write of %s at revision %d on node %d",
                write.key(), write.revision(), node)
            .isNotNull();
        assertThat(entry.getValue().toStringUtf8())
            .as("value of %s on node %d", write.key(), node)
            .isEqualTo(write.value());
        assertThat(entry.getModRevision())
            .as("revision of %s on node %d", write.key(), node)
            .isEqualTo(write.revision());
      }
    }
  }

  private static Map<String, KeyValue> entriesByKey(List<KeyValue> entries) {
    Map<String, KeyValue> byKey = new HashMap<>();
    entries.forEach(entry -> byKey.put(entry.getKey(), entry));
    return byKey;
  }

  @Test
  @DisplayName("watches deliver every change once, in order, across a leader change")
  void watchDeliversEveryChangeOnceInOrderAcrossALeaderChange() throws InterruptedException {
    int leader = threeVotersAndTheirLeader();
    int watched = otherThan(leader);
    RecordingWatch watch = opened(new RecordingWatch(cluster.client(watched), "stream/"));
    KeyWriter writer = opened(new KeyWriter(cluster.client(watched), "stream", WRITES)).start();
    await("the first " + WRITES_BEFORE_KILL + " writes")
        .atMost(InProcessCluster.WAIT_LONG)
        .until(() -> writer.acknowledgedCount() >= WRITES_BEFORE_KILL);

    cluster.kill(leader);
    writer.awaitDone(WRITER_DONE);
    List<KeyWriter.Acknowledged> acknowledged = writer.acknowledged();
    long lastRevision = acknowledged.getLast().revision();
    await("the watch reaching revision " + lastRevision)
        .atMost(WAIT)
        .until(
            () ->
                !watch.events().isEmpty()
                    && watch.events().getLast().getRevision() >= lastRevision);

    List<Event> events = watch.events();
    assertThat(watch.ended()).as("the watch ended early").isNull();
    assertThat(events).allMatch(Event::hasPut, "every event is a put");
    assertThat(events).extracting(Event::getRevision).isSorted().doesNotHaveDuplicates();
    Map<String, Long> seen = new HashMap<>();
    for (Event event : events) {
      Long earlier = seen.put(event.getPut().getEntry().getKey(), event.getRevision());
      assertThat(earlier)
          .as(
              "a second put of %s, at revision %d",
              event.getPut().getEntry().getKey(), event.getRevision())
          .isNull();
    }
    for (KeyWriter.Acknowledged write : acknowledged) {
      assertThat(seen.get(write.key()))
          .as("the watch's revision for acknowledged %s", write.key())
          .isEqualTo(write.revision());
    }
    assertThat(events)
        .hasSizeBetween(acknowledged.size(), acknowledged.size() + writer.failed().size());
  }

  @Test
  @DisplayName("a key bound to a node is deleted when that node goes down, and a watch sees why")
  void keyBoundToANodeIsDeletedWhenItGoesDown() throws InterruptedException {
    cluster = new InProcessCluster(root).start(3);
    cluster.awaitViews("voters 1 2 3", view -> voters(view).equals(Set.of(1, 2, 3)));
    RecordingWatch watch = opened(new RecordingWatch(cluster.client(1), "services/"));
    OnefoldClient third = cluster.client(3);
    third.registry().put("services/web", bytes("node 3"), PutOptions.plain().boundToNode());
    third.registry().put("services/archive", bytes("kept"));
    assertThat(cluster.client(1).registry().get("services/web"))
        .get()
        .extracting(KeyValue::getBoundNode)
        .isEqualTo(3);

    cluster.kill(3);

    cluster.awaitViews("node 3 down", view -> isDown(view, 3));
    await("services/web gone")
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> cluster.client(1).registry().get("services/web").isEmpty());
    await("the watch seeing the delete")
        .atMost(WAIT)
        .until(() -> watch.events().stream().anyMatch(Event::hasDeleted));
    Event deleted = watch.events().stream().filter(Event::hasDeleted).findFirst().orElseThrow();
    assertThat(deleted.getDeleted().getKey()).isEqualTo("services/web");
    assertThat(deleted.getDeleted().getCause()).isEqualTo("node-down");
    assertThat(cluster.client(2).registry().get("services/archive"))
        .get()
        .extracting(entry -> entry.getValue().toStringUtf8())
        .isEqualTo("kept");
  }

  @Test
  @DisplayName(
      "compare-and-set on revision: a stale revision is CONFLICT, a value over 1 MiB is TOO_LARGE")
  void compareAndSetConflictsAndTooLargeValues() {
    threeVotersAndTheirLeader();
    var registry = cluster.client(2).registry();
    long created =
        registry.put("config/mode", bytes("a"), PutOptions.ifModRevision(0)).getRevision();

    assertThatThrownBy(() -> registry.put("config/mode", bytes("b"), PutOptions.ifModRevision(0)))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.CONFLICT));
    assertThatThrownBy(
            () -> registry.put("config/mode", bytes("b"), PutOptions.ifModRevision(created - 1)))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.CONFLICT));
    long updated =
        registry.put("config/mode", bytes("c"), PutOptions.ifModRevision(created)).getRevision();
    assertThatThrownBy(
            () -> registry.put("config/mode", bytes("d"), PutOptions.ifModRevision(created)))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.CONFLICT));
    assertThatThrownBy(() -> registry.deleteIfModRevision("config/mode", created))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.CONFLICT));
    assertThat(cluster.client(3).registry().get("config/mode"))
        .get()
        .satisfies(
            entry -> {
              assertThat(entry.getValue().toStringUtf8()).isEqualTo("c");
              assertThat(entry.getModRevision()).isEqualTo(updated);
            });

    assertThatThrownBy(() -> registry.put("blob/big", new byte[Limits.VALUE_BYTES_MAX + 1]))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.TOO_LARGE));
    registry.put("blob/big", new byte[Limits.VALUE_BYTES_MAX]);
    assertThat(cluster.client(1).registry().get("blob/big"))
        .get()
        .extracting(entry -> entry.getValue().size())
        .isEqualTo(Limits.VALUE_BYTES_MAX);
  }
}
