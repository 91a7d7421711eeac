package org.onefold.cli;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.onefold.proto.Event;
import org.onefold.proto.KeyPut;
import org.onefold.proto.KeyValue;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.NodeUp;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.DeleteReply;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.GetReply;
import org.onefold.proto.local.KillReply;
import org.onefold.proto.local.ListReply;
import org.onefold.proto.local.NodeStatus;
import org.onefold.proto.local.PsReply;
import org.onefold.proto.local.PutReply;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.local.TokenReply;
import org.onefold.proto.local.WhereReply;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.Output;
import org.onefold.proto.proc.ProcessInfo;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.Started;

/**
 * The training runs of ssi's AOT caches. The build runs this (bin/lib/ssi-aot.sh, at the cli
 * module's package phase) with bin/ssi's JVM options and {@code -XX:AOTCacheOutput}; the JDK then
 * keeps every class the run loaded and every lambda it linked, ready to use, in the cache that
 * bin/ssi starts from.
 *
 * <p>Every class in a cache costs each start that maps it (the JDK loads them all up front, some 15
 * microseconds each here), so there are two: {@code help} trains the help, the version and a usage
 * error only, for {@code ssi --help} and {@code ssi --version}; {@code commands} also runs each
 * command that talks to a node, against a {@link StandInDaemon} with canned replies, so that
 * requests are built and replies parsed and printed as in real use: the client, protobuf and the
 * JDK's Unix sockets are then in the cache (about 2,000 classes, 3 times the help's). {@code up}
 * and {@code down} are left out: they start and stop processes. Output is discarded.
 */
public final class AotTraining {
  /** What every ssi start needs: parsing, the help, the version, a usage error. */
  private static final List<List<String>> HELP_LINES =
      List.of(
          List.of("--version"),
          List.of("--help"),
          List.of("reg", "put", "--help"),
          List.of("cluster", "--no-such-option"));

  /** Each command that talks to a node. */
  private static final List<List<String>> COMMAND_LINES =
      List.of(
          List.of("cluster"),
          List.of("cluster", "--json"),
          List.of("onnode", "2", "true"),
          List.of("onall", "true"),
          List.of("run", "-v", "true"),
          List.of("wait", "131073"),
          List.of("ps"),
          List.of("kill", "-9", "131073"),
          List.of("where", "131073"),
          List.of("events"),
          List.of("token", "create", "--ttl", "1h"),
          List.of("reg", "get", "key"),
          List.of("reg", "put", "key", "value"),
          List.of("reg", "del", "key"),
          List.of("reg", "ls", "prefix"),
          List.of("reg", "watch", "prefix"));

  private AotTraining() {}

  /** {@code help} or {@code commands}: which cache this run trains. */
  public static void main(String[] arguments) throws IOException {
    boolean commands =
        switch (arguments.length == 1 ? arguments[0] : "") {
          case "help" -> false;
          case "commands" -> true;
          default -> throw new IllegalArgumentException("usage: AotTraining help|commands");
        };
    run(HELP_LINES, Map.of());
    if (!commands) {
      return;
    }
    Path directory = Files.createTempDirectory("onefold-aot-training");
    Path socket = directory.resolve("ssid.sock");
    try (StandInDaemon daemon = new StandInDaemon(socket, Replies::answer, Replies::stream)) {
      run(COMMAND_LINES, Map.of("SSI_SOCKET", socket.toString()));
    } finally {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(directory);
    }
  }

  private static void run(List<List<String>> lines, Map<String, String> environment) {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    Console system = Console.system();
    for (List<String> line : lines) {
      Console console =
          new Console(
              new ByteArrayInputStream(new byte[0]),
              nowhere,
              nowhere,
              environment,
              system.onefoldHome());
      Ssi.run(console, line.toArray(String[]::new));
    }
  }

  /**
   * The stand-in daemon's canned replies: a class of their own, so that the help's training run
   * never loads protobuf.
   */
  private static final class Replies {
    private static final NodeRecord NODE =
        NodeRecord.newBuilder()
            .setNode(2)
            .setAddress(NodeAddress.newBuilder().setHost("127.0.1.2").setRpcPort(7701))
            .setState(NodeState.NODE_UP)
            .setIncarnation(1)
            .build();

    private static final KeyValue ENTRY =
        KeyValue.newBuilder().setKey("key").setValue(ByteString.copyFromUtf8("value")).build();

    private static Response answer(Request request) {
      Response.Builder response = Response.newBuilder();
      return switch (request.getCallCase()) {
        case CLUSTER ->
            response
                .setCluster(
                    ClusterReply.newBuilder()
                        .setLeader(2)
                        .addNodes(NodeStatus.newBuilder().setRecord(NODE).setRole("leader")))
                .build();
        case GET -> response.setGet(GetReply.newBuilder().setFound(true).setEntry(ENTRY)).build();
        case PUT -> response.setPut(PutReply.newBuilder().setRevision(2)).build();
        case DELETE -> response.setDelete(DeleteReply.newBuilder().setDeleted(1)).build();
        case LIST -> response.setList(ListReply.newBuilder().addEntries(ENTRY)).build();
        case TOKEN -> response.setToken(TokenReply.newBuilder().setToken("ofj1.0.0")).build();
        case PS ->
            response
                .setPs(
                    PsReply.newBuilder()
                        .addProcesses(
                            ProcessInfo.newBuilder().setCpid(131073).setNode(2).setCommand("true")))
                .build();
        case KILL -> response.setKill(KillReply.getDefaultInstance()).build();
        case WHERE -> response.setWhere(WhereReply.newBuilder().setNode(2)).build();
        case WAIT ->
            response
                .setWait(
                    org.onefold.proto.local.WaitReply.newBuilder()
                        .setExited(Exited.newBuilder().setStatus(0)))
                .build();
        default ->
            response
                .setError(Error.newBuilder().setCode(Error.Code.INVALID).setMessage("training"))
                .build();
      };
    }

    /** A run: started, one line of output, exited; a watch or events: one event each. */
    private static List<Response> stream(Request request) {
      if (request.hasRun()) {
        return List.of(
            runEvent(RunEvent.newBuilder().setStarted(Started.newBuilder().setCpid(131073))),
            runEvent(
                RunEvent.newBuilder()
                    .setOutput(
                        Output.newBuilder().setFd(1).setData(ByteString.copyFromUtf8("\n")))),
            runEvent(RunEvent.newBuilder().setExited(Exited.newBuilder().setStatus(0))));
      }
      Event.Builder event = Event.newBuilder().setRevision(3).setTimeMillis(1);
      return List.of(
          Response.newBuilder()
              .setEvent(
                  request.hasWatch()
                      ? event.setPut(KeyPut.newBuilder().setEntry(ENTRY))
                      : event.setNodeUp(NodeUp.newBuilder().setNode(2).setIncarnation(1)))
              .build());
    }

    private static Response runEvent(RunEvent.Builder event) {
      return Response.newBuilder().setRunEvent(event).build();
    }
  }
}
