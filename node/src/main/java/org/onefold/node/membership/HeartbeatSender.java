package org.onefold.node.membership;

import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.transport.NodeChannels;
import org.onefold.proto.LoadVector;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.node.HeartbeatReply;
import org.onefold.proto.node.HeartbeatRequest;
import org.onefold.proto.node.NodeRpcGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's heartbeat to the meta leader every interval, over mutual TLS. The leader is
 * whoever this node's Raft member knows, at its address in the node table. A node that just joined
 * is not yet a Raft member and knows neither: it beats the leader the last answer named, or else
 * the node it joined through, whose answer names the leader. When the leader answers FENCED (this
 * node was declared down, or its incarnation is stale) the daemon is told, and it starts a new
 * incarnation. Each heartbeat carries the node's load vector, which the leader keeps for placing
 * work.
 *
 * <p>One thread, "heartbeat", sends. Each heartbeat waits at most one interval for its answer, so a
 * slow leader never piles heartbeats up.
 */
public final class HeartbeatSender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatSender.class);

  /** What the daemon does when the leader says this node is fenced. */
  @FunctionalInterface
  public interface FencedHandler {
    void fenced(long fencedIncarnation);
  }

  private final int self;
  private final MetaGroup meta;
  private final Duration interval;
  private final LongSupplier incarnation;
  private final Supplier<LoadVector> load;
  private final FencedHandler fencedHandler;
  private final Optional<NodeAddress> joinedThrough;
  private final ScheduledExecutorService thread;

  /** Owned by the heartbeat thread: the leader the last answer named. */
  private NodeAddress leaderHint;

  /** One channel per leader address seen; the heartbeats' own (see NodeChannels). */
  private final NodeChannels channels;

  public HeartbeatSender(
      int self,
      MetaGroup meta,
      SslContext tls,
      Duration interval,
      LongSupplier incarnation,
      Supplier<LoadVector> load,
      Optional<NodeAddress> joinedThrough,
      FencedHandler fencedHandler) {
    this.joinedThrough = joinedThrough;
    this.self = self;
    this.meta = meta;
    this.channels = new NodeChannels(tls);
    this.interval = interval;
    this.incarnation = incarnation;
    this.load = load;
    this.fencedHandler = fencedHandler;
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread heartbeat = new Thread(runnable, "heartbeat");
              heartbeat.setDaemon(true);
              return heartbeat;
            });
  }

  public void start() {
    thread.scheduleAtFixedRate(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void beat() {
    try {
      int leader = meta.leaderNode();
      if (leader == self) {
        // The leader does not beat itself, so no one would answer it FENCED: a node declared down
        // just before it won an election would stay down in the table for as long as it leads.
        // Read the verdict from the applied table instead, with the detector's rule.
        long current = incarnation.getAsLong();
        Optional<NodeRecord> own = meta.stateMachine().read(state -> state.nodes().get(self));
        if (own.isPresent() && fencedByTable(own.get(), current)) {
          fencedHandler.fenced(current);
        }
        return;
      }
      Optional<NodeAddress> address =
          leader == 0
              ? Optional.empty()
              : meta.stateMachine()
                  .read(state -> state.nodes().get(leader))
                  .map(NodeRecord::getAddress);
      if (address.isEmpty()) {
        address = Optional.ofNullable(leaderHint).or(() -> joinedThrough);
      }
      if (address.isEmpty()) {
        return;
      }
      long current = incarnation.getAsLong();
      HeartbeatReply reply =
          NodeRpcGrpc.newBlockingStub(channels.to(address.get()))
              .withDeadlineAfter(interval.toMillis(), TimeUnit.MILLISECONDS)
              .heartbeat(
                  HeartbeatRequest.newBuilder()
                      .setNode(self)
                      .setIncarnation(current)
                      .setLoad(load.get())
                      .build());
      leaderHint =
          reply.hasLeaderAddress() && reply.getLeaderNode() != self
              ? reply.getLeaderAddress()
              : null;
      if (reply.getStatus() == HeartbeatReply.Status.FENCED) {
        fencedHandler.fenced(current);
      }
    } catch (StatusRuntimeException e) {
      log.debug("heartbeat not delivered: {}", e.getStatus());
      if (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
        // The leader may have just restarted: reconnect on the next beat, not after gRPC's
        // back-off.
        channels.resetConnectBackoff();
      }
    } catch (RuntimeException e) {
      log.warn("heartbeat failed", e);
    }
  }

  /**
   * True if the table's row for this node fences its running incarnation: the row has a newer
   * incarnation, or this one was declared down. The {@link FailureDetector}'s rule for heartbeats.
   */
  static boolean fencedByTable(NodeRecord own, long currentIncarnation) {
    boolean stale = currentIncarnation < own.getIncarnation();
    boolean declaredDown =
        own.getState() == NodeState.NODE_DOWN && currentIncarnation <= own.getIncarnation();
    return stale || declaredDown;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.close();
  }
}
