package org.onefold.node.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.onefold.client.OnefoldClient;
import org.onefold.node.NodeDaemon;
import org.onefold.node.NodeSettings;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * Several real nodes in one JVM, for scenario tests and for the benchmarks in bench/ (which take it
 * from this module's test jar): each node is a whole {@link NodeDaemon} (Raft member, failure
 * detector, node RPC, local socket) on its own loopback address {@code NET.(10+k)}, {@code NET}
 * being 127.0.0 unless told otherwise, with its state directory {@code ROOT/nk}.
 *
 * <p>Node k is always the k-th machine that joined: {@link #start(int)} brings nodes up one at a
 * time and waits until each is up in the node table before the next joins. Ports are free ones
 * picked once per node and kept across restarts, so that the cluster does not collide with other
 * work on the machine and a restarted node is where the Raft configuration says it is.
 *
 * <p>Not thread-safe: the test thread drives it. Clients from {@link #client} may be used from
 * other threads (an OnefoldClient is safe to share).
 */
public final class InProcessCluster implements AutoCloseable {
  /** The bound on every wait for something that normally takes well under a second. */
  static final Duration WAIT = Duration.ofSeconds(10);

  /**
   * The bound on a wait that includes a voter replacement (replace-voter-after plus a
   * reconfiguration).
   */
  static final Duration WAIT_LONG = Duration.ofSeconds(20);

  private static final int ADDRESS_BASE = 10;

  /**
   * Timing twice as tolerant as ssid's defaults: all nodes share one JVM, and the test machine may
   * be busy with other work, so a stall of a few hundred milliseconds must not take a live node for
   * dead. The scenarios test behaviour; speed is measured in bench/.
   */
  private static final Map<String, String> TOLERANT_TIMING =
      Map.of("down-after", "1s", "election-timeout-min", "300ms", "election-timeout-max", "600ms");

  /** Nodes at most: the last address of NET is NET.255. */
  public static final int NODES_MAX = 255 - ADDRESS_BASE;

  /** The addresses the tests use: 127.0.0.11 and on. */
  private static final String TEST_NETWORK = "127.0.0";

  private final String network;

  private final Path root;
  private final Map<String, String> settings;

  /** The daemons that run now, by node number. */
  private final Map<Integer, NodeDaemon> running = new TreeMap<>();

  /** Every node started so far, by node number: its ports, kept across restarts. */
  private final Map<Integer, Ports> ports = new HashMap<>();

  private final Map<Integer, OnefoldClient> clients = new HashMap<>();

  private record Ports(int rpc, int raft) {}

  /**
   * A cluster whose nodes live under root, on the addresses network.(10+k) (network is the first
   * three bytes of a loopback address, e.g. "127.0.3"), and run with settings (flag names as ssid
   * takes them, e.g. "replace-voter-after" = "2s") on top of their own dir and address.
   */
  public InProcessCluster(Path root, String network, Map<String, String> settings) {
    if (!network.matches("127\\.\\d{1,3}\\.\\d{1,3}")) {
      throw new IllegalArgumentException(
          "network " + network + " is not the first three bytes of a loopback address (127.x.y)");
    }
    this.root = root;
    this.network = network;
    Map<String, String> merged = new HashMap<>(TOLERANT_TIMING);
    merged.putAll(settings);
    this.settings = Map.copyOf(merged);
  }

  InProcessCluster(Path root, Map<String, String> settings) {
    this(root, TEST_NETWORK, settings);
  }

  InProcessCluster(Path root) {
    this(root, Map.of());
  }

  /**
   * Starts nodes 1..count that are not started yet, one at a time: node 1 bootstraps, the others
   * join.
   */
  public InProcessCluster start(int count) {
    if (count < 1 || count > NODES_MAX) {
      throw new IllegalArgumentException("node count " + count + " out of range 1.." + NODES_MAX);
    }
    for (int node = ports.size() + 1; node <= count; node++) {
      startNew(node);
    }
    return this;
  }

  /** Starts the next new node: bootstrap if it is the first, else join through a running node. */
  private void startNew(int node) {
    if (node != ports.size() + 1) {
      throw new IllegalStateException(
          "node " + node + " cannot start new: " + ports.size() + " nodes exist");
    }
    Ports chosen = new Ports(freePort(node), freePort(node));
    ports.put(node, chosen);
    Map<String, String> flags = flags(node);
    if (node > 1) {
      int through =
          running.keySet().stream()
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no running node for node " + node + " to join through"));
      flags.put("join", address(through) + ":" + ports.get(through).rpc());
      flags.put("token", joinToken());
    }
    NodeDaemon daemon = launch(node, flags);
    if (daemon.node() != node) {
      daemon.closeAbruptly();
      throw new IllegalStateException(
          "machine "
              + node
              + " joined as node "
              + daemon.node()
              + "; nodes must join one at a time");
    }
    awaitUp(node);
  }

  /** Starts node again on its state directory (after kill or stop), and waits until it is up. */
  NodeDaemon restart(int node) {
    if (!ports.containsKey(node) || running.containsKey(node)) {
      throw new IllegalStateException(
          "node " + node + " is " + (running.containsKey(node) ? "running" : "unknown"));
    }
    NodeDaemon daemon = launch(node, flags(node));
    awaitUp(node);
    return daemon;
  }

  private NodeDaemon launch(int node, Map<String, String> flags) {
    try {
      NodeDaemon daemon =
          NodeDaemon.start(NodeSettings.resolve(flags, Map.of()), InstantSource.system());
      running.put(node, daemon);
      return daemon;
    } catch (NodeDaemon.StartException | NodeSettings.SettingsException e) {
      throw new IllegalStateException("node " + node + " did not start: " + e.getMessage(), e);
    }
  }

  private Map<String, String> flags(int node) {
    Map<String, String> flags = new HashMap<>(settings);
    flags.put("dir", directory(node).toString());
    flags.put("address", address(node));
    flags.put("rpc-port", Integer.toString(ports.get(node).rpc()));
    flags.put("raft-port", Integer.toString(ports.get(node).raft()));
    return flags;
  }

  private void awaitUp(int node) {
    await("node " + node + " up in its own view of the node table")
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> isUp(client(node).cluster(), node));
  }

  private String joinToken() {
    try {
      return Files.readString(directory(1).resolve("join-token"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("node 1 wrote no join token", e);
    }
  }

  /** Stops node as a crash would: the others must find it silent. */
  void kill(int node) {
    closeClient(node);
    daemon(node).closeAbruptly();
    running.remove(node);
  }

  /** Stops node cleanly: it tells the cluster first. */
  void stop(int node) {
    closeClient(node);
    daemon(node).close();
    running.remove(node);
  }

  NodeDaemon daemon(int node) {
    NodeDaemon daemon = running.get(node);
    if (daemon == null) {
      throw new IllegalStateException(
          "node " + node + " is not running; running: " + running.keySet());
    }
    return daemon;
  }

  Set<Integer> running() {
    return new TreeSet<>(running.keySet());
  }

  /** A client of node's local socket, made once per run of the node. */
  public OnefoldClient client(int node) {
    daemon(node);
    return clients.computeIfAbsent(
        node, ignored -> OnefoldClient.connect(socket(node)));
  }

  private void closeClient(int node) {
    OnefoldClient client = clients.remove(node);
    if (client != null) {
      client.close();
    }
  }

  /** The node table and roles as node answers them. */
  ClusterReply view(int node) {
    return client(node).cluster();
  }

  /**
   * Waits until every running node's view satisfies condition and they agree on the leader, and
   * returns node from's view.
   */
  ClusterReply awaitViews(String what, Duration atMost, Predicate<ClusterReply> condition) {
    Map<Integer, String> lastViews = new java.util.concurrent.ConcurrentSkipListMap<>();
    try {
      await(what)
          .atMost(atMost)
          .ignoreExceptions()
          .until(
              () -> {
                Set<Integer> leaders = new TreeSet<>();
                boolean all = true;
                for (int node : running.keySet()) {
                  ClusterReply view;
                  try {
                    view = view(node);
                  } catch (RuntimeException e) {
                    lastViews.put(node, e.toString());
                    throw e;
                  }
                  lastViews.put(node, describe(view));
                  all &= condition.test(view);
                  leaders.add(view.getLeader());
                }
                return all && leaders.size() == 1 && running.containsKey(leaders.iterator().next());
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "no " + what + " within " + atMost.toSeconds() + " s; last views: " + lastViews, e);
    }
    return view(running.keySet().iterator().next());
  }

  /** A view in one line: leader, then each node's state, incarnation and role. */
  static String describe(ClusterReply view) {
    return "leader "
        + view.getLeader()
        + " revision "
        + view.getRevision()
        + view.getNodesList().stream()
            .map(
                status ->
                    " "
                        + status.getRecord().getNode()
                        + ":"
                        + (status.getRecord().getState() == NodeState.NODE_UP ? "up" : "down")
                        + "/"
                        + status.getRecord().getIncarnation()
                        + "/"
                        + status.getRole())
            .collect(Collectors.joining(","));
  }

  ClusterReply awaitViews(String what, Predicate<ClusterReply> condition) {
    return awaitViews(what, WAIT, condition);
  }

  /** The leader every running node names, once they agree on a running one. */
  int awaitLeader() {
    return awaitViews("a leader among the running nodes that all of them name", view -> true)
        .getLeader();
  }

  public Path directory(int node) {
    return root.resolve("n" + node);
  }

  /** The local API socket of node, as ssi finds it through SSI_SOCKET. */
  public Path socket(int node) {
    return directory(node).resolve("ssid.sock");
  }

  String address(int node) {
    return network + "." + (ADDRESS_BASE + node);
  }

  /**
   * A port free now on node's address; a later bind may still lose a race, which fails the start
   * loudly.
   */
  private int freePort(int node) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address(node)))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + address(node), e);
    }
  }

  // Reading a view.

  static Optional<NodeRecord> record(ClusterReply view, int node) {
    return view.getNodesList().stream()
        .map(NodeStatus::getRecord)
        .filter(r -> r.getNode() == node)
        .findFirst();
  }

  static boolean isUp(ClusterReply view, int node) {
    return record(view, node).map(r -> r.getState() == NodeState.NODE_UP).orElse(false);
  }

  static boolean isDown(ClusterReply view, int node) {
    return record(view, node).map(r -> r.getState() == NodeState.NODE_DOWN).orElse(false);
  }

  static long incarnation(ClusterReply view, int node) {
    return record(view, node).map(NodeRecord::getIncarnation).orElse(0L);
  }

  /** Nodes whose role is leader or voter. */
  static Set<Integer> voters(ClusterReply view) {
    return nodesWithRole(view, Set.of("leader", "voter"));
  }

  static Set<Integer> nonvoters(ClusterReply view) {
    return nodesWithRole(view, Set.of("nonvoter"));
  }

  static Set<Integer> up(ClusterReply view) {
    return view.getNodesList().stream()
        .map(NodeStatus::getRecord)
        .filter(r -> r.getState() == NodeState.NODE_UP)
        .map(NodeRecord::getNode)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static List<String> roles(ClusterReply view) {
    return view.getNodesList().stream().map(NodeStatus::getRole).toList();
  }

  private static Set<Integer> nodesWithRole(ClusterReply view, Set<String> roles) {
    return view.getNodesList().stream()
        .filter(status -> roles.contains(status.getRole()))
        .map(status -> status.getRecord().getNode())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Stops every running node abruptly (no quorum is needed to stop), all at once: each stop takes
   * about a second, mostly Ratis and gRPC shutting down.
   */
  @Override
  public void close() {
    clients.values().forEach(OnefoldClient::close);
    clients.clear();
    List<Thread> stopping = new ArrayList<>();
    List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    for (var entry : running.entrySet()) {
      stopping.add(
          Thread.ofPlatform()
              .name("stop-node-" + entry.getKey())
              .start(
                  () -> {
                    try {
                      entry.getValue().closeAbruptly();
                    } catch (RuntimeException e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread thread : stopping) {
      try {
        if (!thread.join(Duration.ofSeconds(30))) {
          failures.add(new IllegalStateException(thread.getName() + " did not finish within 30 s"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add(new IllegalStateException("interrupted while stopping nodes", e));
        break;
      }
    }
    running.clear();
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }
}
