package org.onefold.node.membership;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.MetaStateMachine;
import org.onefold.node.raft.PeerIds;
import org.onefold.proto.Event;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.meta.DeclareDown;
import org.onefold.proto.meta.MetaCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge of membership on one node: it runs the failure detector when this node leads the meta
 * group, proposes the nodes it finds silent as down, keeps the Raft roles as {@link VoterPlan}
 * wants them, and answers heartbeats.
 *
 * <p>Threads: one "membership" thread owns the {@link FailureDetector} and the leadership
 * bookkeeping; everything reaches it through its bounded inbox (ticks, heartbeats, applied events).
 * A heartbeat that finds the inbox full is answered NOT_LEADER-like "busy" by the caller's timeout
 * rather than queued without bound. Raft reconfiguration blocks, so it runs on its own
 * "reconfigure" thread, one at a time.
 */
public final class MembershipService implements MetaStateMachine.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MembershipService.class);
  private static final int INBOX_CAPACITY = 4096;
  private static final long TICK_MILLIS = 25;
  private static final long RECONCILE_EVERY_MILLIS = 200;
  private static final Duration HEARTBEAT_ANSWER_WAIT = Duration.ofMillis(200);

  private final int self;
  private final MetaGroup meta;
  private final InstantSource clock;
  private final VoterPlan voterPlan;

  /** Owned by the membership thread. */
  private final FailureDetector detector;

  private final ThreadPoolExecutor inbox;
  private final ScheduledExecutorService ticker;
  private final ExecutorService reconfigurer;
  private final AtomicBoolean reconfiguring = new AtomicBoolean();
  private final AtomicLong busyHeartbeats = new AtomicLong();

  /**
   * Owned by the membership thread: the last leader other than this node, for the detector's grace
   * rule.
   */
  private int lastOtherLeader;

  /** Owned by the membership thread. */
  private long lastReconcileMillis;

  public MembershipService(
      int self,
      MetaGroup meta,
      InstantSource clock,
      DetectorSettings detectorSettings,
      VoterPlan voterPlan) {
    this.self = self;
    this.meta = meta;
    this.clock = clock;
    this.voterPlan = voterPlan;
    this.detector = new FailureDetector(detectorSettings);
    this.inbox =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(INBOX_CAPACITY),
            runnable -> daemonThread(runnable, "membership"),
            new ThreadPoolExecutor.AbortPolicy());
    this.ticker =
        new ScheduledThreadPoolExecutor(1, runnable -> daemonThread(runnable, "membership-tick"));
    this.reconfigurer =
        Executors.newSingleThreadExecutor(runnable -> daemonThread(runnable, "reconfigure"));
  }

  private static Thread daemonThread(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }

  public void start() {
    meta.stateMachine().addListener(this);
    ticker.scheduleAtFixedRate(
        () -> submit(this::tick), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Answers a heartbeat from node; waits briefly for the membership thread. */
  public HeartbeatVerdict heartbeat(int node, long incarnation) {
    try {
      return inbox
          .submit(
              () ->
                  detector
                      .step(new DetectorInput.Heartbeat(node, incarnation, monotonicMillis()))
                      .verdict())
          .get(HEARTBEAT_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException | TimeoutException e) {
      busyHeartbeats.incrementAndGet();
      return HeartbeatVerdict.NOT_LEADER;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HeartbeatVerdict.NOT_LEADER;
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "failure detector failed on a heartbeat from node " + node, e.getCause());
    }
  }

  public long busyHeartbeats() {
    return busyHeartbeats.get();
  }

  @Override
  public void applied(List<Event> events) {
    for (Event event : events) {
      switch (event.getKindCase()) {
        case NODE_JOINED -> {
          var record = event.getNodeJoined().getNode();
          submit(
              () ->
                  detector.step(
                      new DetectorInput.NodeUp(
                          record.getNode(), record.getIncarnation(), monotonicMillis())));
        }
        case NODE_UP -> {
          var up = event.getNodeUp();
          submit(
              () ->
                  detector.step(
                      new DetectorInput.NodeUp(
                          up.getNode(), up.getIncarnation(), monotonicMillis())));
        }
        case NODE_DOWN -> {
          var down = event.getNodeDown();
          submit(
              () ->
                  detector.step(new DetectorInput.NodeDown(down.getNode(), down.getIncarnation())));
        }
        default -> {}
      }
    }
  }

  /**
   * The detector's time: monotonic, and read on the membership thread only, so that inputs reach
   * the detector in the order of their times.
   */
  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  private void submit(Runnable task) {
    try {
      inbox.execute(task);
    } catch (RejectedExecutionException e) {
      log.warn("membership inbox full ({} tasks); dropped one", INBOX_CAPACITY);
    }
  }

  /** On the membership thread: follow leadership, find silent nodes, keep the roles right. */
  private void tick() {
    long now = monotonicMillis();
    boolean leading = meta.isLeader();
    if (!leading) {
      int leader = meta.leaderNode();
      if (leader != 0 && leader != self) {
        lastOtherLeader = leader;
      }
      if (detector.isLeader()) {
        detector.step(new DetectorInput.LeadershipLost());
      }
      return;
    }
    if (!detector.isLeader()) {
      gainLeadership(now);
    }
    for (Declaration declaration : detector.step(new DetectorInput.Tick(now)).declareDown()) {
      declareDown(declaration);
    }
    if (now - lastReconcileMillis >= RECONCILE_EVERY_MILLIS) {
      lastReconcileMillis = now;
      reconcileRoles(clock.millis());
    }
  }

  private void gainLeadership(long now) {
    Map<Integer, Long> up = new HashMap<>();
    Map<Integer, Long> down = new HashMap<>();
    meta.stateMachine()
        .read(
            state -> {
              for (NodeRecord record : state.nodes().all()) {
                (record.getState() == NodeState.NODE_UP ? up : down)
                    .put(record.getNode(), record.getIncarnation());
              }
              return null;
            });
    up.remove(self);
    log.info(
        "node {} leads the meta group; watching {} up nodes (previous leader {})",
        self,
        up.size(),
        lastOtherLeader);
    detector.step(new DetectorInput.LeadershipGained(now, self, lastOtherLeader, up, down));
  }

  private void declareDown(Declaration declaration) {
    log.info(
        "node {} (incarnation {}) silent for {} ms: declaring it down",
        declaration.node(),
        declaration.incarnation(),
        declaration.silentMillis());
    MetaCommand command =
        MetaCommand.newBuilder()
            .setTimeMillis(clock.millis())
            .setDeclareDown(
                DeclareDown.newBuilder()
                    .setNode(declaration.node())
                    .setIncarnation(declaration.incarnation())
                    .setReason("silent for " + declaration.silentMillis() + " ms"))
            .build();
    meta.propose(command)
        .whenComplete(
            (reply, failure) -> {
              if (failure != null) {
                log.warn(
                    "declaring node {} down failed; the detector declares it again: {}",
                    declaration.node(),
                    failure.getMessage());
              }
            });
  }

  private void reconcileRoles(long now) {
    if (reconfiguring.get()) {
      return;
    }
    var configuration = meta.configuration();
    if (!configuration.getPreviousPeers(RaftPeerRole.FOLLOWER).isEmpty()) {
      return; // a change is under way
    }
    var current =
        new VoterPlan.Roles(
            nodesOf(configuration.getCurrentPeers(RaftPeerRole.FOLLOWER)),
            nodesOf(configuration.getCurrentPeers(RaftPeerRole.LISTENER)));
    List<NodeRecord> nodes = meta.stateMachine().read(state -> state.nodes().all());
    voterPlan
        .plan(nodes, current, now)
        .ifPresent(
            planned -> {
              Map<Integer, NodeRecord> byNode = new HashMap<>();
              nodes.forEach(record -> byNode.put(record.getNode(), record));
              List<RaftPeer> voters =
                  planned.voters().stream()
                      .map(
                          node ->
                              MetaGroup.peerOf(
                                  node, byNode.get(node).getAddress(), RaftPeerRole.FOLLOWER))
                      .toList();
              List<RaftPeer> listeners =
                  planned.listeners().stream()
                      .map(
                          node ->
                              MetaGroup.peerOf(
                                  node, byNode.get(node).getAddress(), RaftPeerRole.LISTENER))
                      .toList();
              reconfiguring.set(true);
              reconfigurer.execute(() -> reconfigure(current, planned, voters, listeners));
            });
  }

  private void reconfigure(
      VoterPlan.Roles current,
      VoterPlan.Roles planned,
      List<RaftPeer> voters,
      List<RaftPeer> listeners) {
    try {
      log.info(
          "meta group roles: voters {} listeners {} -> voters {} listeners {}",
          current.voters(),
          current.listeners(),
          planned.voters(),
          planned.listeners());
      var reply = meta.setConfiguration(voters, listeners);
      if (!reply.isSuccess()) {
        log.info(
            "role change not made now ({}); trying again later", reply.getException().getMessage());
      }
    } catch (Exception e) {
      log.info("role change not made now ({}); trying again later", e.getMessage());
    } finally {
      reconfiguring.set(false);
    }
  }

  private static java.util.SortedSet<Integer> nodesOf(java.util.Collection<RaftPeer> peers) {
    java.util.TreeSet<Integer> nodes = new java.util.TreeSet<>();
    for (RaftPeer peer : peers) {
      PeerIds.nodeOf(peer.getId().toString()).ifPresent(nodes::add);
    }
    return nodes;
  }

  @Override
  public void close() {
    meta.stateMachine().removeListener(this);
    ticker.shutdownNow();
    inbox.shutdownNow();
    reconfigurer.shutdownNow();
  }
}
