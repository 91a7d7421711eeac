package org.onefold.cli;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
import org.onefold.proto.proc.ProcessInfo;

/**
 * The training runs of ssi's AOT caches. The build runs this (bin/lib/ssi-aot.sh, at the cli
 * module's package phase) with bin/ssi's JVM options and {@code -XX:AOTCacheOutput}; the JDK then
 * keeps every class the run loaded and every lambda it linked, ready to use, in the cache that
 * bin/ssi starts from.
 *
 * <p>Every class in a cache costs each start that maps it (the JDK loads them all up front, some 15
 * microseconds each here), so there are three: {@code help} trains the help, the version and a
 * usage error only, for {@code ssi --help} and {@code ssi --version}; {@code runs} trains {@code
 * onnode}, {@code run} and {@code onall}, whose path writes its messages by hand and never loads
 * protobuf's generated classes; {@code commands} also runs each other command that talks to a node,
 * against a {@link StandInDaemon} with canned replies, so that requests are built and replies
 * parsed and printed as in real use: the client, protobuf and the JDK's Unix sockets are then in
 * the cache (about 2,000 classes, 3 times the help's). {@code up} and {@code down} are left out:
 * they start and stop processes. Output is discarded.
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

  /**
   * The commands that run a program on a node: their own cache, without protobuf's generated
   * classes, which their path never loads (the client writes and reads a run's messages by hand).
   */
  private static final List<List<String>> RUN_LINES =
      List.of(
          List.of("onnode", "2", "true"),
          List.of("onnode", "-d", "2", "true"),
          List.of("run", "-v", "true"),
          List.of("onall", "true"),
          List.of("shell", "-T", "2"),
          List.of("onnode", "--help"),
          List.of("onnode", "two", "true"));

  private AotTraining() {}

  /** {@code help}, {@code runs} or {@code commands}: which cache this run trains. */
  public static void main(String[] arguments) throws IOException {
    String cache = arguments.length == 1 ? arguments[0] : "";
    switch (cache) {
      case "help" -> run(HELP_LINES, Map.of());
      case "runs" -> againstDaemon(CannedRuns::new, RUN_LINES);
      case "commands" -> {
        run(HELP_LINES, Map.of());
        againstDaemon(
            socket -> new StandInDaemon(socket, Replies::answer, Replies::stream), COMMAND_LINES);
      }
      default -> throw new IllegalArgumentException("usage: AotTraining help|runs|commands");
    }
  }

  /** A stand-in daemon on a socket, for the training. */
  @FunctionalInterface
  private interface Daemon {
    Closeable listenOn(Path socket) throws IOException;
  }

  /** Runs lines against a daemon listening on a temporary socket. */
  private static void againstDaemon(Daemon daemon, List<List<String>> lines) throws IOException {
    Path directory = Files.createTempDirectory("onefold-aot-training");
    Path socket = directory.resolve("ssid.sock");
    try (Closeable listening = daemon.listenOn(socket)) {
      run(lines, Map.of("SSI_SOCKET", socket.toString()));
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
   * A stand-in daemon for the runs cache: it answers every connection's first frame (a run's start)
   * with the same three responses, given as bytes so that no generated class is loaded, and closes
   * the connection. AotTrainingTest reads them with the generated classes.
   */
  static final class CannedRuns implements Closeable {
    /** Response{run_event{started{cpid 131073, node 2, pid 7, placement "node 2 chosen"}}}. */
    static final byte[] STARTED = {
      0x1c,
      (byte) 0x8a,
      0x01,
      0x19,
      0x0a,
      0x17,
      0x08,
      (byte) 0x81,
      (byte) 0x80,
      0x08,
      0x10,
      0x02,
      0x18,
      0x07,
      0x22,
      0x0d,
      'n',
      'o',
      'd',
      'e',
      ' ',
      '2',
      ' ',
      'c',
      'h',
      'o',
      's',
      'e',
      'n'
    };

    /** Response{run_event{output{fd 1, data "\n"}}}. */
    static final byte[] OUTPUT = {
      0x0a, (byte) 0x8a, 0x01, 0x07, 0x12, 0x05, 0x08, 0x01, 0x12, 0x01, '\n'
    };

    /** Response{run_event{exited{status 0}}}. */
    static final byte[] EXITED = {0x05, (byte) 0x8a, 0x01, 0x02, 0x1a, 0x00};

    private final ServerSocketChannel server;

    CannedRuns(Path socket) throws IOException {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread.ofPlatform().daemon().name("canned-runs").start(this::serve);
    }

    private void serve() {
      while (server.isOpen()) {
        try (SocketChannel connection = server.accept()) {
          InputStream in = Channels.newInputStream(connection);
          // The start's frame: its length (a varint), then as many bytes.
          long length = 0;
          for (int shift = 0, next = 0x80; (next & 0x80) != 0; shift += 7) {
            next = in.read();
            if (next < 0) {
              throw new IOException("no start");
            }
            length |= (long) (next & 0x7F) << shift;
          }
          in.readNBytes((int) length);
          OutputStream out = Channels.newOutputStream(connection);
          for (byte[] frame : List.of(STARTED, OUTPUT, EXITED)) {
            out.write(frame);
          }
          out.flush();
        } catch (IOException e) {
          // That client went away; serve the next.
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
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

    /** A watch or events: one event each. */
    private static List<Response> stream(Request request) {
      Event.Builder event = Event.newBuilder().setRevision(3).setTimeMillis(1);
      return List.of(
          Response.newBuilder()
              .setEvent(
                  request.hasWatch()
                      ? event.setPut(KeyPut.newBuilder().setEntry(ENTRY))
                      : event.setNodeUp(NodeUp.newBuilder().setNode(2).setIncarnation(1)))
              .build());
    }
  }
}
