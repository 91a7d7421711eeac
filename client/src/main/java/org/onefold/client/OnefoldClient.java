package org.onefold.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.ClusterRequest;
import org.onefold.proto.local.EventsRequest;
import org.onefold.proto.local.KillRequest;
import org.onefold.proto.local.PsReply;
import org.onefold.proto.local.PsRequest;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.local.TokenReply;
import org.onefold.proto.local.TokenRequest;
import org.onefold.proto.local.WaitReply;
import org.onefold.proto.local.WaitRequest;
import org.onefold.proto.local.WhereRequest;

/**
 * A connection to this node's daemon. Calls on one client take turns on one connection; watches and
 * event streams get connections of their own.
 *
 * <pre>{@code
 * try (OnefoldClient client = OnefoldClient.connect(OnefoldClient.socketFrom(null, System.getenv()))) {
 *   client.registry().put("jobs/42", "queued".getBytes());
 * }
 * }</pre>
 */
public final class OnefoldClient implements AutoCloseable {
  /** Where a node's daemon listens when nothing else is said. */
  public static final Path DEFAULT_SOCKET = Path.of("/run/onefold/ssid.sock");

  /** The environment variable that names the socket. */
  public static final String SOCKET_VARIABLE = "SSI_SOCKET";

  private final Path socket;
  private final Object turn = new Object();

  /** Guarded by turn; opened on first use and again after a failure. */
  private LocalConnection connection;

  private final Registry registry = new Registry(this);

  private OnefoldClient(Path socket) {
    this.socket = socket;
  }

  /** A client for the daemon at socket. Connects on the first call. */
  public static OnefoldClient connect(Path socket) {
    return new OnefoldClient(socket);
  }

  /** The socket named by flag, else by SSI_SOCKET in environment, else the default. */
  public static Path socketFrom(String flag, Map<String, String> environment) {
    if (flag != null && !flag.isEmpty()) {
      return Path.of(flag);
    }
    String variable = environment.get(SOCKET_VARIABLE);
    if (variable != null && !variable.isEmpty()) {
      return Path.of(variable);
    }
    return DEFAULT_SOCKET;
  }

  public Path socket() {
    return socket;
  }

  public Registry registry() {
    return registry;
  }

  /** The node table with roles, as the answering node has applied it. */
  public ClusterReply cluster() {
    return call(Request.newBuilder().setCluster(ClusterRequest.getDefaultInstance()).build())
        .getCluster();
  }

  /** Membership events from fromRevision on (0: only new ones). */
  public EventStream events(long fromRevision) {
    return stream(
        Request.newBuilder()
            .setEvents(EventsRequest.newBuilder().setFromRevision(fromRevision))
            .build());
  }

  /**
   * A new join token; ttl zero or absent for the daemon's default. Only the daemon's owner and root
   * may.
   */
  public TokenReply createToken(Optional<Duration> ttl) {
    TokenRequest.Builder request = TokenRequest.newBuilder();
    ttl.ifPresent(duration -> request.setTtlSeconds(duration.toSeconds()));
    return call(Request.newBuilder().setToken(request).build()).getToken();
  }

  /**
   * Starts start's program on its node (0: this client's node) as the calling user, on a connection
   * of its own. Fails at once if the node is unknown or down, or the start is refused.
   */
  public ProgramRun run(ProgramStart start) {
    return new ProgramRun(dedicated(connection -> connection.sendFrame(RunWire.start(start))));
  }

  /** The processes of the cluster (all: every process, not only Onefold's), node 0 for all. */
  public PsReply ps(boolean all, int node) {
    return call(Request.newBuilder()
            .setPs(PsRequest.newBuilder().setAll(all).setNode(node))
            .build())
        .getPs();
  }

  /**
   * Sends signal to the process cpid, or with group to the process group it leads, with kill(2)'s
   * rules for the calling user.
   */
  public void kill(long cpid, boolean group, int signal) {
    call(
        Request.newBuilder()
            .setKill(KillRequest.newBuilder().setCpid(cpid).setGroup(group).setSignal(signal))
            .build());
  }

  /** The node the process cpid runs on; fails (NOT_FOUND) if it does not run. */
  public int where(long cpid) {
    return call(Request.newBuilder().setWhere(WhereRequest.newBuilder().setCpid(cpid)).build())
        .getWhere()
        .getNode();
  }

  /**
   * Waits, without a bound, for the end of the program cpid, started through Onefold by the calling
   * user (root: by anyone): its exit status, or why it is lost (its node went down). Fails
   * (NOT_FOUND) if no such program runs or waits to be reaped, as waitpid(2) after a reap.
   */
  public WaitReply waitFor(long cpid) {
    return call(Request.newBuilder().setWait(WaitRequest.newBuilder().setCpid(cpid)).build())
        .getWait();
  }

  Response call(Request request) {
    synchronized (turn) {
      if (connection == null) {
        connection = LocalConnection.open(socket);
      }
      try {
        connection.send(request);
        return connection.receive();
      } catch (OnefoldException e) {
        if (e.code() == org.onefold.proto.local.Error.Code.UNAVAILABLE) {
          connection.close();
          connection = null;
        }
        throw e;
      }
    }
  }

  EventStream stream(Request request) {
    return new EventStream(dedicated(connection -> connection.send(request)));
  }

  /** A connection of its own, on which first has sent the call's first message. */
  private LocalConnection dedicated(Consumer<LocalConnection> first) {
    LocalConnection dedicated = LocalConnection.open(socket);
    try {
      first.accept(dedicated);
    } catch (OnefoldException e) {
      dedicated.close();
      throw e;
    }
    return dedicated;
  }

  @Override
  public void close() {
    synchronized (turn) {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
  }
}
