package org.onefold.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * {@code ssi up}: a cluster of N daemons on this machine, for trying Onefold and for tests. Node k
 * lives in D/node<k> on address 127.0.1.k (the whole 127/8 is loopback on Linux, so each node gets
 * the default ports on an address of its own).
 *
 * <p>Order: node 1 bootstraps if no node of D is set up, and must answer before anyone can join it;
 * then the nodes already set up start at once, and the new ones join one after another with a join
 * token (the cluster numbers nodes in the order they join). Then wait, bounded, until all N show
 * "up". A daemon that exits meanwhile ends the command with the last line it printed.
 */
final class UpCommand implements Command {
  private static final Duration START_LIMIT = Duration.ofSeconds(60);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final int NODES_DEFAULT = 3;

  private int nodes = NODES_DEFAULT;

  /** Null for the default directory. */
  private Path directory;

  /** The daemons this command started, by node; only the main thread touches it. */
  private final Map<Integer, Process> started = new TreeMap<>();

  private ClusterDirectory cluster;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Start a cluster of N nodes on this machine, in the background.",
            "Node k: state directory D/node<k>, address 127.0.1.k, socket D/node<k>/ssid.sock,"
                + " output D/node<k>/ssid.out, the cluster filesystem mounted at"
                + " D/node<k>/cluster (as root). On an existing D, starts only the nodes not"
                + " running; they keep their numbers. Returns when all N nodes are up (at most 60"
                + " s).",
            "D defaults to $ONEFOLD_CLUSTER_DIR, else $HOME/.onefold/cluster. Commands run without"
                + " --socket or SSI_SOCKET use the first running node of that default directory.")
        .option(
            "--nodes",
            "N",
            "How many nodes, 1 to "
                + ClusterDirectory.NODES_MAX
                + " (default: "
                + NODES_DEFAULT
                + ").",
            value -> nodes = Converters.integer(value))
        .option(
            "--dir",
            "D",
            "The cluster directory (default: see above).",
            value -> directory = Path.of(value));
  }

  @Override
  public int run(Ssi ssi) {
    if (nodes < 1 || nodes > ClusterDirectory.NODES_MAX) {
      throw new UsageError(
          "--nodes must be from 1 to " + ClusterDirectory.NODES_MAX + ", not " + nodes);
    }
    Console console = ssi.console();
    cluster =
        new ClusterDirectory(
            directory != null ? directory : ClusterDirectory.defaultRoot(console.environment()));
    Path home =
        console
            .onefoldHome()
            .orElseThrow(
                () ->
                    new Failure(
                        "the system property onefold.home is not set; run ssi through bin/ssi"));
    NodeLauncher launcher = new NodeLauncher(cluster, home);
    PrintStream out = console.out();

    List<Integer> stopped = new ArrayList<>();
    for (int node = 1; node <= nodes; node++) {
      if (cluster.runningPid(node).isEmpty()) {
        stopped.add(node);
      }
    }
    boolean bootstrap = stopped.contains(1) && cluster.nodes().stream().noneMatch(cluster::isSetUp);
    if (bootstrap) {
      start(launcher, 1, Optional.empty(), out);
      awaitAnswer(List.of(1));
    }
    List<Integer> fresh = new ArrayList<>();
    for (int node : stopped) {
      if (started.containsKey(node)) {
        continue;
      }
      if (cluster.isSetUp(node)) {
        start(launcher, node, Optional.empty(), out);
      } else {
        fresh.add(node);
      }
    }
    if (!fresh.isEmpty()) {
      int contact = awaitAnswer(runningNodes());
      String token = joinToken(contact, bootstrap);
      NodeLauncher.Join join = new NodeLauncher.Join(joinAddress(contact), token);
      // One at a time: the cluster numbers nodes in the order they join, and node k
      // of the directory should be node k of the cluster.
      for (int node : fresh) {
        start(launcher, node, Optional.of(join), out);
        awaitAnswer(List.of(node));
      }
    }
    ClusterReply reply = awaitAllUp();
    out.println();
    out.print(ClusterFormat.table(reply));
    out.println();
    out.println("To use it:");
    out.println("  export SSI_SOCKET=" + cluster.socket(1));
    out.println("  ssi cluster");
    out.println("  ssi down --dir " + cluster.root());
    return 0;
  }

  private void start(
      NodeLauncher launcher, int node, Optional<NodeLauncher.Join> join, PrintStream out) {
    Process process = launcher.start(node, join);
    started.put(node, process);
    out.println(
        "started node "
            + node
            + " at "
            + ClusterDirectory.address(node)
            + " (pid "
            + process.pid()
            + ")"
            + (join.isPresent() ? ", joining " + join.get().host() : ""));
    out.flush();
  }

  /** The nodes among 1..N whose daemons run now (started here or before). */
  private List<Integer> runningNodes() {
    List<Integer> running = new ArrayList<>();
    for (int node = 1; node <= nodes; node++) {
      if (started.containsKey(node) || cluster.runningPid(node).isPresent()) {
        running.add(node);
      }
    }
    return running;
  }

  /** The token new nodes join with: the bootstrap's own if the cluster is new, else a fresh one. */
  private String joinToken(int contact, boolean bootstrap) {
    Path bootstrapToken = cluster.joinTokenFile(1);
    if (bootstrap && Files.exists(bootstrapToken)) {
      try {
        return Files.readString(bootstrapToken, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new Failure(
            "cannot read the join token " + bootstrapToken + ": " + e.getMessage(), e);
      }
    }
    try (OnefoldClient client = OnefoldClient.connect(cluster.socket(contact))) {
      return client.createToken(Optional.empty()).getToken();
    }
  }

  /**
   * Where new nodes join through contact: its RPC address as the node table has it (host:port),
   * since its daemon may listen on a port other than the default (set in its ssid.conf or by
   * SSID_RPC_PORT); the bare address if the table lacks it.
   */
  private String joinAddress(int contact) {
    String host = ClusterDirectory.address(contact);
    return ask(contact).stream()
        .flatMap(reply -> reply.getNodesList().stream())
        .map(NodeStatus::getRecord)
        .filter(record -> record.getAddress().getHost().equals(host))
        .findFirst()
        .map(record -> ClusterFormat.address(record.getAddress()))
        .orElse(host);
  }

  /** Waits until one of candidates answers cluster(); returns it. */
  private int awaitAnswer(List<Integer> candidates) {
    if (candidates.isEmpty()) {
      throw new Failure("no node of " + cluster.root() + " is running to join; start one first");
    }
    return poll(
        "a node answered (tried " + candidates + ")",
        () -> {
          for (int node : candidates) {
            if (ask(node).isPresent()) {
              return Optional.of(node);
            }
          }
          return Optional.empty();
        });
  }

  /**
   * Waits until every node 1..N shows up in the node table and answers on its own socket: a
   * restarted node is up in the table once it has announced itself, a moment before its local API
   * listens.
   */
  private ClusterReply awaitAllUp() {
    return poll(
        "all " + nodes + " nodes were up",
        () -> {
          Optional<ClusterReply> first = Optional.empty();
          for (int node = 1; node <= nodes; node++) {
            Optional<ClusterReply> reply = ask(node);
            if (reply.isEmpty()) {
              return Optional.empty();
            }
            first = first.isPresent() ? first : reply;
          }
          return first.filter(this::allUp);
        });
  }

  private boolean allUp(ClusterReply reply) {
    for (int node = 1; node <= nodes; node++) {
      String address = ClusterDirectory.address(node);
      boolean up = false;
      for (NodeStatus status : reply.getNodesList()) {
        up |=
            status.getRecord().getAddress().getHost().equals(address)
                && status.getRecord().getState() == NodeState.NODE_UP;
      }
      if (!up) {
        return false;
      }
    }
    return true;
  }

  private Optional<ClusterReply> ask(int node) {
    if (!Files.exists(cluster.socket(node))) {
      return Optional.empty();
    }
    try (OnefoldClient client = OnefoldClient.connect(cluster.socket(node))) {
      return Optional.of(client.cluster());
    } catch (OnefoldException e) {
      return Optional.empty();
    }
  }

  private interface Attempt<T> {
    Optional<T> result();
  }

  /** Repeats attempt until it has a result, a started daemon exits, or START_LIMIT passes. */
  private <T> T poll(String goal, Attempt<T> attempt) {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (true) {
      for (var entry : started.entrySet()) {
        if (!entry.getValue().isAlive()) {
          throw new Failure(
              "node "
                  + entry.getKey()
                  + " failed to start: "
                  + cluster.lastOutputLine(entry.getKey()));
        }
      }
      Optional<T> result = attempt.result();
      if (result.isPresent()) {
        return result.get();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new Failure(
            "gave up after "
                + START_LIMIT.toSeconds()
                + " s before "
                + goal
                + "; see the ssid.out and ssid.log files under "
                + cluster.root());
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure("interrupted while waiting until " + goal);
      }
    }
  }
}
