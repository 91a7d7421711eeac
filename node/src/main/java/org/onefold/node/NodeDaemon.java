package org.onefold.node;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.onefold.node.admin.LocalApi;
import org.onefold.node.fs.ClusterView;
import org.onefold.node.fs.FsGroup;
import org.onefold.node.load.LoadSampler;
import org.onefold.node.load.LoadService;
import org.onefold.node.membership.DetectorSettings;
import org.onefold.node.membership.HeartbeatSender;
import org.onefold.node.membership.JoinService;
import org.onefold.node.membership.MembershipService;
import org.onefold.node.membership.NodeRpcService;
import org.onefold.node.membership.VoterPlan;
import org.onefold.node.proc.ClusterProcesses;
import org.onefold.node.proc.ProcService;
import org.onefold.node.proc.RunForwarder;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.MetaStateMachine;
import org.onefold.node.transport.NodeCertificateInterceptor;
import org.onefold.node.transport.NodeChannels;
import org.onefold.node.transport.TlsContexts;
import org.onefold.node.transport.UnixSocketServer;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.meta.DeclareDown;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.NodeStarted;
import org.onefold.proto.node.NodeRpcGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ssid: the wiring of a node. {@link #start} takes the state directory, sets the node
 * up if it is new ({@link NodeSetup}: bootstrap or join), starts its meta group member, announces a
 * new incarnation, and opens its two doors: the node RPC port (mutual TLS, for other nodes) and the
 * local API socket (for programs on this machine). {@link #close} undoes it in reverse order.
 */
public final class NodeDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeDaemon.class);
  private static final int LOCAL_CONNECTIONS_MAX = 1024;
  private static final Duration ANNOUNCE_TIMEOUT = Duration.ofSeconds(60);

  private final NodeSettings settings;
  private final InstantSource clock;
  private final int node;
  private final MetaGroup meta;
  private final AtomicLong incarnation;

  /** What close() must stop, newest first. */
  private final Deque<AutoCloseable> started;

  private NodeDaemon(
      NodeSettings settings,
      InstantSource clock,
      int node,
      MetaGroup meta,
      AtomicLong incarnation,
      Deque<AutoCloseable> started) {
    this.settings = settings;
    this.clock = clock;
    this.node = node;
    this.meta = meta;
    this.incarnation = incarnation;
    this.started = started;
  }

  /** A reason ssid cannot start, worded for one line on stderr. */
  public static final class StartException extends Exception {
    public StartException(String message) {
      super(message);
    }

    public StartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static NodeDaemon start(NodeSettings settings, InstantSource clock) throws StartException {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      StateDirectory directory = lockDirectory(settings);
      started.push(directory);
      checkPortsFree(settings);
      directory.writePid(ProcessHandle.current().pid());
      SecureRandom random = new SecureRandom();
      NodeAddress address = addressOf(settings);
      NodeSetup.Prepared prepared = NodeSetup.prepare(settings, directory, address, clock, random);
      MetaGroup meta = prepared.meta();
      started.push(meta);
      int node = prepared.identity().node();
      AtomicLong incarnation =
          new AtomicLong(announce(meta, node, address, clock, prepared.incarnation()));
      log.info(
          "node {} of cluster {} is up with incarnation {}",
          node,
          prepared.clusterId(),
          incarnation.get());

      TlsContexts tls = TlsContexts.of(prepared.identity());
      MembershipService membership =
          new MembershipService(
              node,
              meta,
              clock,
              detectorSettings(settings),
              new VoterPlan(settings.votersMax(), settings.replaceVoterAfter().toMillis()));
      started.push(membership);
      membership.start();
      ProcService processes = new ProcService(node, settings.socket(), clock);
      if (settings.mount().isPresent()) {
        processes.expectView(); // no program starts before the view is made, or known not to be
      }
      // A node's death orphans the programs it started here: they become init's.
      meta.stateMachine()
          .addListener(
              MetaStateMachine.Listener.onNodeDown(down -> processes.nodeDown(down.getNode())));
      NodeChannels channels = new NodeChannels(tls.client());
      started.push(channels);
      LoadService loads =
          new LoadService(
              node,
              meta,
              channels,
              new LoadSampler(
                  Path.of("/proc"),
                  () -> System.nanoTime() / 1_000_000,
                  Runtime.getRuntime().availableProcessors()),
              random);
      Server rpc =
          startRpc(
              settings,
              tls,
              new NodeRpcService(new JoinService(meta, clock, random), membership, meta, loads),
              processes);
      started.push(() -> rpc.shutdownNow().awaitTermination(2, TimeUnit.SECONDS));

      NodeDaemon daemon = new NodeDaemon(settings, clock, node, meta, incarnation, started);
      Optional<NodeAddress> joinedThrough =
          prepared.joining()
              ? Optional.of(NodeSetup.joinAddress(settings.join().orElseThrow()))
              : Optional.empty();
      HeartbeatSender heartbeats =
          new HeartbeatSender(
              node,
              meta,
              tls.client(),
              settings.heartbeatInterval(),
              incarnation::get,
              loads::own,
              joinedThrough,
              daemon::startNewIncarnation);
      started.push(heartbeats);
      heartbeats.start();
      if (prepared.joining()) {
        finishJoin(prepared, directory);
      }
      UnixSocketServer local =
          UnixSocketServer.start(
              settings.socket(),
              LOCAL_CONNECTIONS_MAX,
              new LocalApi(
                  node,
                  incarnation::get,
                  meta,
                  clock,
                  random,
                  ownUid(),
                  settings.tokenTtl(),
                  new RunForwarder(node, meta, channels, loads, processes),
                  new ClusterProcesses(meta, channels)));
      started.push(local);
      FsGroup filesystem =
          FsGroup.start(
              node,
              prepared.clusterId(),
              meta,
              settings.mount(),
              clock,
              directory.fsData(),
              settings.replaceVoterAfter());
      started.push(filesystem);
      Optional<ClusterView> view =
          filesystem.mountPoint().flatMap(point -> makeView(settings, directory, point));
      if (view.isPresent()) {
        started.push(view.get());
        processes.runInView(view.get().namespaceFile(), ClusterView.SOCKET);
      } else {
        processes.runOutsideView();
      }
      return daemon;
    } catch (StartException e) {
      closeAll(started);
      throw e;
    } catch (IOException | RuntimeException e) {
      closeAll(started);
      throw new StartException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
  }

  /**
   * The cluster view over this node's mount at point; empty, with a warning, if it cannot be made
   * (programs then run in the node's own namespace).
   */
  private static Optional<ClusterView> makeView(
      NodeSettings settings, StateDirectory directory, Path point) {
    try {
      return Optional.of(
          ClusterView.make(
              directory.viewDirectory(), point, settings.sharedPaths(), settings.socket()));
    } catch (IOException e) {
      log.warn("programs run outside the cluster view: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private static void finishJoin(NodeSetup.Prepared prepared, StateDirectory directory)
      throws StartException, IOException {
    try {
      NodeSetup.finishJoin(prepared, directory);
    } catch (StartException | IOException e) {
      // Stop the member before removing its files; closeAll stops the rest.
      prepared.meta().close();
      directory.removeState();
      throw e;
    }
  }

  /**
   * The failure detector's limits from the node's settings. The previous leader's grace is two
   * heartbeat intervals: a live leader that stepped down learns the new leader from Raft at once
   * and beats it within one interval, while a dead one has been silent for an election already, so
   * a dead leader is shown down about 200 ms after its successor takes office.
   */
  private static DetectorSettings detectorSettings(NodeSettings settings) {
    long downAfter = settings.downAfter().toMillis();
    long previousLeaderGrace = Math.min(downAfter, 2 * settings.heartbeatInterval().toMillis());
    return new DetectorSettings(downAfter, downAfter / 2, previousLeaderGrace);
  }

  /**
   * Fails with a clear line if a port is taken. Ratis ends the process when it cannot bind, after
   * set-up has begun; checking first keeps the state directory clean.
   */
  private static void checkPortsFree(NodeSettings settings) throws StartException {
    for (int port : new int[] {settings.rpcPort(), settings.raftPort()}) {
      try (var probe = new java.net.ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress(settings.address(), port));
      } catch (IOException e) {
        throw new StartException(
            "cannot listen on "
                + settings.address()
                + ":"
                + port
                + ": "
                + e.getMessage()
                + " (another daemon there, or the address is not on this machine)");
      }
    }
  }

  private static StateDirectory lockDirectory(NodeSettings settings) throws StartException {
    try {
      return StateDirectory.lock(settings.stateDirectory());
    } catch (IOException e) {
      throw new StartException(e.getMessage(), e);
    }
  }

  private static Server startRpc(
      NodeSettings settings, TlsContexts tls, NodeRpcService service, ProcService processes)
      throws StartException, IOException {
    var interceptor =
        new NodeCertificateInterceptor(Set.of(NodeRpcGrpc.getJoinMethod().getFullMethodName()));
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(settings.address(), settings.rpcPort()))
            .sslContext(tls.server())
            .addService(ServerInterceptors.intercept(service, interceptor))
            .addService(ServerInterceptors.intercept(processes, interceptor))
            .build();
    try {
      return server.start();
    } catch (IOException e) {
      if (e.getCause() instanceof BindException || e instanceof BindException) {
        throw new StartException(
            "cannot listen on "
                + settings.address()
                + ":"
                + settings.rpcPort()
                + ": address in use or not on this machine");
      }
      throw e;
    }
  }

  /**
   * Tells the cluster this node runs with a new incarnation (a restart or a return after being
   * declared down). A node that just bootstrapped or joined already has incarnation 1 and announces
   * nothing. Waits for a quorum, within a bound.
   */
  private static long announce(
      MetaGroup meta, int node, NodeAddress address, InstantSource clock, long known)
      throws StartException {
    if (known > 0) {
      return known;
    }
    long deadline = System.nanoTime() + ANNOUNCE_TIMEOUT.toNanos();
    while (true) {
      try {
        MetaReply reply = meta.propose(started(node, address, clock)).get(10, TimeUnit.SECONDS);
        if (reply.getError() != ErrorCode.OK) {
          throw new StartException(
              "the cluster refused node " + node + "'s start: " + reply.getMessage());
        }
        return reply.getIncarnation();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartException("interrupted while announcing node " + node);
      } catch (Exception e) {
        if (e instanceof StartException startException) {
          throw startException;
        }
        if (System.nanoTime() > deadline) {
          throw new StartException(
              "no quorum of the meta group answered within "
                  + ANNOUNCE_TIMEOUT.toSeconds()
                  + " s; start more of the cluster's voters",
              e);
        }
        log.info("waiting for a quorum of the meta group: {}", e.getMessage());
      }
    }
  }

  /** The command that starts a node's next incarnation. */
  private static MetaCommand started(int node, NodeAddress address, InstantSource clock) {
    return MetaCommand.newBuilder()
        .setTimeMillis(clock.millis())
        .setOriginNode(node)
        .setNodeStarted(NodeStarted.newBuilder().setNode(node).setAddress(address))
        .build();
  }

  private static NodeAddress addressOf(NodeSettings settings) {
    return NodeAddress.newBuilder()
        .setHost(settings.address())
        .setRpcPort(settings.rpcPort())
        .setRaftPort(settings.raftPort())
        .build();
  }

  /**
   * The leader says this node's incarnation is over: start the next one (once per fenced
   * incarnation).
   */
  private void startNewIncarnation(long fencedIncarnation) {
    if (incarnation.get() != fencedIncarnation) {
      return;
    }
    try {
      MetaReply reply =
          meta.propose(started(node, addressOf(settings), clock)).get(5, TimeUnit.SECONDS);
      if (reply.getError() == ErrorCode.OK
          && incarnation.compareAndSet(fencedIncarnation, reply.getIncarnation())) {
        log.warn(
            "node {} was declared down (incarnation {}); it is back with incarnation {}",
            node,
            fencedIncarnation,
            reply.getIncarnation());
      }
    } catch (Exception e) {
      log.info("could not start a new incarnation yet: {}", e.getMessage());
    }
  }

  public int node() {
    return node;
  }

  public long incarnation() {
    return incarnation.get();
  }

  public MetaGroup meta() {
    return meta;
  }

  /**
   * Stops the node. A clean stop tells the cluster first, so that the node is shown down at once
   * instead of after the failure detector's limit.
   */
  @Override
  public void close() {
    try {
      MetaCommand leaving =
          MetaCommand.newBuilder()
              .setTimeMillis(clock.millis())
              .setDeclareDown(
                  DeclareDown.newBuilder()
                      .setNode(node)
                      .setIncarnation(incarnation.get())
                      .setReason("stopped"))
              .build();
      CompletableFuture<MetaReply> proposed = meta.propose(leaving);
      proposed.get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.info("could not tell the cluster node {} stops: {}", node, e.getMessage());
    }
    closeAll(started);
    log.info("node {} stopped", node);
  }

  /**
   * Stops the node as a crash would look to the others: no word to the cluster, so the failure
   * detector has to find it silent. For tests of failure handling.
   */
  public void closeAbruptly() {
    closeAll(started);
    log.info("node {} stopped without notice", node);
  }

  private static void closeAll(Deque<AutoCloseable> started) {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        log.warn("stopping a part of the node failed", e);
      }
    }
  }

  private static int ownUid() {
    return (int) new com.sun.security.auth.module.UnixSystem().getUid();
  }
}
