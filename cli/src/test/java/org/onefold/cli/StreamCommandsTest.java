package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.proto.Event;
import org.onefold.proto.KeyDeleted;
import org.onefold.proto.KeyPut;
import org.onefold.proto.KeyValue;
import org.onefold.proto.NodeDown;
import org.onefold.proto.NodeUp;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;

/**
 * ssi reg watch and ssi events against a stand-in daemon that sends a few events and then closes
 * the stream: the lines come out in order, and the lost connection ends the command with status 1.
 */
class StreamCommandsTest {
  private static final long TIME = Instant.parse("2025-03-01T10:00:00Z").toEpochMilli();

  @TempDir Path temporary;
  private StandInDaemon daemon;
  private Map<String, String> environment;

  private static Response event(Event.Builder event) {
    return Response.newBuilder().setEvent(event.setTimeMillis(TIME)).build();
  }

  private static List<Response> stream(Request request) {
    if (request.hasWatch()) {
      return List.of(
          event(
              Event.newBuilder()
                  .setRevision(12)
                  .setPut(
                      KeyPut.newBuilder()
                          .setEntry(
                              KeyValue.newBuilder()
                                  .setKey("jobs/1")
                                  .setValue(ByteString.copyFromUtf8("done"))))),
          event(
              Event.newBuilder()
                  .setRevision(13)
                  .setDeleted(KeyDeleted.newBuilder().setKey("jobs/1").setCause("delete"))));
    }
    return List.of(
        event(
            Event.newBuilder()
                .setRevision(20)
                .setNodeUp(NodeUp.newBuilder().setNode(3).setIncarnation(2))),
        event(
            Event.newBuilder()
                .setRevision(21)
                .setNodeDown(
                    NodeDown.newBuilder()
                        .setNode(3)
                        .setIncarnation(2)
                        .setReason("no heartbeat for 500 ms"))));
  }

  @BeforeEach
  void start() throws IOException {
    Path socket = temporary.resolve("ssid.sock");
    daemon =
        new StandInDaemon(
            socket, request -> Response.getDefaultInstance(), StreamCommandsTest::stream);
    environment = Map.of("SSI_SOCKET", socket.toString(), "HOME", temporary.toString());
  }

  @AfterEach
  void stop() throws IOException {
    daemon.close();
  }

  @Test
  void watchPrintsOneLinePerChangeUntilTheStreamEnds() {
    Invocation run = Invocation.run(environment, "reg", "watch", "jobs/", "--from", "12");
    assertThat(run.out()).isEqualTo("12 put jobs/1 done\n13 delete jobs/1 (delete)\n");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).startsWith("ssi: ").contains("closed the connection");
    assertThat(daemon.requests.getLast().getWatch().getPrefix()).isEqualTo("jobs/");
    assertThat(daemon.requests.getLast().getWatch().getFromRevision()).isEqualTo(12);
  }

  @Test
  void eventsPrintsMembershipChanges() {
    Invocation run = Invocation.run(environment, "events", "--json");
    assertThat(run.out())
        .isEqualTo(
            "{\"revision\":20,\"time\":\"2025-03-01T10:00:00Z\",\"event\":\"up\",\"node\":3,\"incarnation\":2}\n"
                + "{\"revision\":21,\"time\":\"2025-03-01T10:00:00Z\",\"event\":\"down\",\"node\":3,\"incarnation\":2,\"reason\":\"no"
                + " heartbeat for 500 ms\"}\n");
    assertThat(daemon.requests.getLast().getEvents().getFromRevision()).isZero();
  }
}
