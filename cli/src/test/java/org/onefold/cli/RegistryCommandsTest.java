package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.proto.KeyValue;
import org.onefold.proto.local.DeleteReply;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.GetReply;
import org.onefold.proto.local.ListReply;
import org.onefold.proto.local.PutReply;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.local.TokenReply;

/**
 * The registry and token commands against a stand-in daemon: what is asked, what is printed, how
 * failures end.
 */
class RegistryCommandsTest {
  @TempDir Path temporary;
  private StandInDaemon daemon;
  private Map<String, String> environment;

  private static final KeyValue QUEUED =
      KeyValue.newBuilder()
          .setKey("jobs/1")
          .setValue(ByteString.copyFromUtf8("queued"))
          .setCreateRevision(4)
          .setModRevision(9)
          .setVersion(2)
          .build();
  private static final KeyValue BINARY =
      KeyValue.newBuilder()
          .setKey("jobs/2")
          .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, 0}))
          .setCreateRevision(5)
          .setModRevision(5)
          .setVersion(1)
          .setBoundNode(3)
          .build();

  private static Response answer(Request request) {
    return switch (request.getCallCase()) {
      case GET ->
          request.getGet().getKey().equals("jobs/1")
              ? Response.newBuilder()
                  .setGet(GetReply.newBuilder().setFound(true).setEntry(QUEUED))
                  .build()
              : Response.newBuilder().setGet(GetReply.newBuilder().setFound(false)).build();
      case PUT ->
          request.getPut().hasExpectedModRevision()
                  && request.getPut().getExpectedModRevision() != 9
              ? Response.newBuilder()
                  .setError(
                      Error.newBuilder()
                          .setCode(Error.Code.CONFLICT)
                          .setMessage(
                              "jobs/1 was modified at revision 9, not "
                                  + request.getPut().getExpectedModRevision()))
                  .build()
              : Response.newBuilder().setPut(PutReply.newBuilder().setRevision(10)).build();
      case DELETE ->
          Response.newBuilder()
              .setDelete(
                  DeleteReply.newBuilder()
                      .setRevision(11)
                      .setDeleted(request.getDelete().getPrefix() ? 2 : 1))
              .build();
      case LIST ->
          Response.newBuilder()
              .setList(ListReply.newBuilder().addEntries(QUEUED).addEntries(BINARY).setRevision(11))
              .build();
      case TOKEN ->
          Response.newBuilder().setToken(TokenReply.newBuilder().setToken("ofj1.secret")).build();
      default ->
          Response.newBuilder()
              .setError(
                  Error.newBuilder().setCode(Error.Code.INVALID).setMessage("not in this fake"))
              .build();
    };
  }

  @BeforeEach
  void start() throws IOException {
    Path socket = temporary.resolve("ssid.sock");
    daemon = new StandInDaemon(socket, RegistryCommandsTest::answer);
    environment = Map.of("SSI_SOCKET", socket.toString(), "HOME", temporary.toString());
  }

  @AfterEach
  void stop() throws IOException {
    daemon.close();
  }

  @Test
  void getPrintsTheValueAndANewline() {
    Invocation run = Invocation.run(environment, "reg", "get", "jobs/1");
    assertThat(run.status()).isZero();
    assertThat(run.out()).isEqualTo("queued\n");
  }

  @Test
  void getOfAMissingKeyFails() {
    Invocation run = Invocation.run(environment, "reg", "get", "jobs/404");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("ssi: no key jobs/404\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void getAsJsonShowsTheEntrysFields() {
    Invocation run = Invocation.run(environment, "reg", "get", "jobs/1", "--json");
    assertThat(run.out())
        .isEqualTo(
            "{\"key\":\"jobs/1\",\"value\":\"queued\",\"create_revision\":4,"
                + "\"mod_revision\":9,\"version\":2,\"bound_node\":0}\n");
  }

  @Test
  void putSendsTheOptionsAndPrintsTheRevision() {
    Invocation run =
        Invocation.run(
            environment, "reg", "put", "jobs/1", "running", "--if-revision", "9", "--bind");
    assertThat(run.status()).isZero();
    assertThat(run.out()).isEqualTo("10\n");
    Request request = daemon.requests.getLast();
    assertThat(request.getPut().getValue().toStringUtf8()).isEqualTo("running");
    assertThat(request.getPut().getExpectedModRevision()).isEqualTo(9);
    assertThat(request.getPut().getBindToNode()).isTrue();
  }

  @Test
  void putReadsDashFromStdin() {
    byte[] value = {1, 2, 3, (byte) 0xff};
    Invocation run = Invocation.run(environment, value, "reg", "put", "blob", "-");
    assertThat(run.status()).isZero();
    assertThat(daemon.requests.getLast().getPut().getValue().toByteArray()).containsExactly(value);
    assertThat(daemon.requests.getLast().getPut().hasExpectedModRevision()).isFalse();
  }

  @Test
  void aRefusedCallIsAOneLineFailure() {
    Invocation run = Invocation.run(environment, "reg", "put", "jobs/1", "x", "--if-revision", "3");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("ssi: jobs/1 was modified at revision 9, not 3\n");
  }

  @Test
  void deletePrintsHowManyKeysWent() {
    Invocation run = Invocation.run(environment, "reg", "del", "jobs/", "--prefix");
    assertThat(run.out()).isEqualTo("2\n");
    assertThat(daemon.requests.getLast().getDelete().getPrefix()).isTrue();
  }

  @Test
  void listShowsTextValuesAndSizesOfTheRest() {
    Invocation run = Invocation.run(environment, "reg", "ls", "jobs/", "--limit", "5");
    assertThat(run.out()).isEqualTo("jobs/1\t9\tqueued\njobs/2\t5\t<2 bytes>\n");
    assertThat(daemon.requests.getLast().getList().getPrefix()).isEqualTo("jobs/");
    assertThat(daemon.requests.getLast().getList().getLimit()).isEqualTo(5);
  }

  @Test
  void listAsJsonEncodesBinaryValuesInBase64() {
    Invocation run = Invocation.run(environment, "reg", "ls", "--json");
    assertThat(run.out()).contains("{\"key\":\"jobs/2\",\"value_base64\":\"/wA=\",");
  }

  @Test
  void tokenCreatePrintsTheTokenAlone() {
    Invocation run = Invocation.run(environment, "token", "create", "--ttl", "2h");
    assertThat(run.out()).isEqualTo("ofj1.secret\n");
    assertThat(daemon.requests.getLast().getToken().getTtlSeconds()).isEqualTo(7200);
  }

  @Test
  void outputBytesAreExact() {
    Invocation run = Invocation.run(environment, "reg", "get", "jobs/1");
    assertThat(run.outBytes()).containsExactly("queued\n".getBytes(StandardCharsets.UTF_8));
  }
}
