package org.onefold.node.load;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.transport.NodeChannels;
import org.onefold.proto.LoadVector;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.node.LoadsReply;
import org.onefold.proto.node.LoadsRequest;
import org.onefold.proto.node.NodeLoad;
import org.onefold.proto.node.NodeRpcGrpc;

/**
 * Load leveling's edge. Every node's heartbeats carry its {@link LoadSampler} reading to the meta
 * leader; the leader keeps them in its {@link LoadTable} and answers Loads calls from it. To place
 * work, a node draws two up nodes at random, asks the leader for their two vectors (itself, when it
 * leads) and takes the less loaded ({@link Placement}). A leader that does not answer in time
 * leaves the choice to chance between the two, and the reason says so: placement never waits long.
 *
 * <p>Threads: heartbeats (gRPC threads) report; Loads calls and placements read; the table is
 * guarded by its own monitor. The random source is shared and thread-safe (SecureRandom).
 */
public final class LoadService {
  private final int self;
  private final MetaGroup meta;
  private final NodeChannels channels;
  private final LoadSampler sampler;
  private final RandomGenerator random;

  /** Guarded by itself. */
  private final LoadTable table = new LoadTable();

  public LoadService(
      int self,
      MetaGroup meta,
      NodeChannels channels,
      LoadSampler sampler,
      RandomGenerator random) {
    this.self = self;
    this.meta = meta;
    this.channels = channels;
    this.sampler = sampler;
    this.random = random;
  }

  /** This node's load now, for its heartbeats. */
  public LoadVector own() {
    return sampler.current();
  }

  /** A heartbeat from node carried this vector (on the leader). */
  public void reported(int node, LoadVector load) {
    synchronized (table) {
      table.record(node, load, monotonicMillis());
    }
  }

  /** The vectors this node holds for the nodes asked (its own always; others' if it leads). */
  public LoadsReply loads(LoadsRequest request) {
    LoadsReply.Builder reply = LoadsReply.newBuilder();
    long now = monotonicMillis();
    for (int node : request.getNodesList()) {
      if (node == self) {
        reply.addLoads(NodeLoad.newBuilder().setNode(node).setLoad(own()));
        continue;
      }
      Optional<LoadTable.Report> report;
      synchronized (table) {
        report = table.fresh(node, now);
      }
      report.ifPresent(
          found ->
              reply.addLoads(
                  NodeLoad.newBuilder()
                      .setNode(node)
                      .setLoad(found.load())
                      .setAgeMillis(now - found.receivedMillis())));
    }
    return reply.build();
  }

  /** Chooses the node for new work among the up nodes; empty if none is up. */
  public Optional<Placement.Choice> place() {
    List<Integer> up = meta.stateMachine().read(state -> state.nodes().upNumbers());
    List<Integer> drawn = Placement.candidates(up, random);
    if (drawn.isEmpty()) {
      return Optional.empty();
    }
    LoadsRequest request = LoadsRequest.newBuilder().addAllNodes(drawn).build();
    Optional<LoadsReply> known = askLeader(request);
    List<Placement.Candidate> candidates = new ArrayList<>();
    for (int node : drawn) {
      Optional<LoadVector> load =
          known.stream()
              .flatMap(reply -> reply.getLoadsList().stream())
              .filter(entry -> entry.getNode() == node)
              .map(NodeLoad::getLoad)
              .findFirst();
      candidates.add(new Placement.Candidate(node, load));
    }
    Placement.Choice choice = Placement.choose(candidates);
    if (known.isEmpty()) {
      return Optional.of(
          new Placement.Choice(
              choice.node(), choice.reason() + " (the meta leader's loads were not to be had)"));
    }
    return Optional.of(choice);
  }

  /** The leader's vectors for the request, within a bound; empty if no leader answered. */
  private Optional<LoadsReply> askLeader(LoadsRequest request) {
    int leader = meta.leaderNode();
    if (leader == self) {
      return Optional.of(loads(request));
    }
    Optional<NodeRecord> record =
        leader == 0
            ? Optional.empty()
            : meta.stateMachine().read(state -> state.nodes().get(leader));
    if (record.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          NodeRpcGrpc.newBlockingStub(channels.to(record.get().getAddress()))
              .withDeadlineAfter(Limits.LEADER_ANSWER_MILLIS, TimeUnit.MILLISECONDS)
              .loads(request));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }
}
