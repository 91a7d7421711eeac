package org.onefold.node.raft;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaQuery;
import org.onefold.proto.meta.MetaQueryReply;
import org.onefold.proto.meta.MetaReply;

/**
 * This node's member of the meta group: a Ratis server holding the meta state machine, and a Ratis
 * client through which the node proposes commands and makes linearizable reads. All Raft traffic is
 * mutual TLS with the cluster's certificates.
 *
 * <p>Every node is a member: up to {@code votersMax} vote, the rest are listeners (they receive the
 * log but do not vote), so that every node applies the same log and sees the same events. Who votes
 * is decided by the leader (see VoterPlan).
 */
public final class MetaGroup implements AutoCloseable {
  /** Timing of the meta group. Short election timeouts hold because ssid runs with ZGC. */
  /**
   * A client's retries of one request, and the pause between them: with a request timeout of a few
   * seconds, a budget of about ten minutes, under {@link #RETRY_CACHE_MINUTES}.
   */
  private static final int CLIENT_RETRIES_MAX = 200;

  private static final long CLIENT_RETRY_SLEEP_MILLIS = 50;

  /** How long the servers remember the replies to requests, to answer retries (Ratis: 60 s). */
  private static final long RETRY_CACHE_MINUTES = 15;

  public record Timing(
      Duration electionTimeoutMin,
      Duration electionTimeoutMax,
      Duration leaderStepDownWait,
      Duration requestTimeout) {
    public static Timing defaults() {
      return new Timing(
          Duration.ofMillis(150),
          Duration.ofMillis(300),
          Duration.ofMillis(1000),
          Duration.ofSeconds(3));
    }
  }

  /** How the server finds its log at start: a new cluster, a machine that joined, or a restart. */
  public enum Start {
    BOOTSTRAP,
    JOIN,
    RESTART
  }

  /** How much log the leader sends a follower in one batch: several 1 MiB values. */
  private static final SizeInBytes APPEND_BATCH_BYTES_MAX = SizeInBytes.valueOf("8MB");

  /** A gRPC message: a batch plus the 1 MiB headroom Ratis insists on. */
  private static final SizeInBytes MESSAGE_SIZE_MAX = SizeInBytes.valueOf("9MB");

  private static final long SNAPSHOT_EVERY_ENTRIES = 20_000;

  /**
   * Log entries this member has on their way at once; proposals beyond wait and leave together.
   * More than one keeps the pipeline to the followers full.
   */
  private static final int PROPOSALS_IN_FLIGHT_MAX = 2;

  /**
   * The shortest time between two appends to one follower. Short enough not to hold up a lone
   * writer; not zero, so that a stream of entries still leaves in batches.
   */
  private static final TimeDuration APPENDER_SEND_INTERVAL_MIN =
      TimeDuration.valueOf(250, TimeUnit.MICROSECONDS);

  /** Proposals that may wait for a free slot; past that a proposal fails at once as busy. */
  private static final int PROPOSALS_WAITING_MAX = 10_000;

  /** Commands in one batch entry. */
  private static final int BATCH_COMMANDS_MAX = 512;

  /** Encoded bytes of one batch entry: two 1 MiB values, well inside one append. */
  private static final int BATCH_BYTES_MAX = 2 << 20;

  private final int self;
  private final RaftGroupId groupId;
  private final RaftServer server;

  /**
   * The client proposals and reads go through. Replaced, pointed at the new leader, whenever this
   * member learns of one: a Ratis client otherwise sends its next requests to the leader it last
   * knew, and waits out a timeout if that one is gone.
   */
  private volatile RaftClient client;

  /** Closes replaced clients once their requests had time to finish. */
  private final ScheduledExecutorService retiredClients =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("meta-client-retire").daemon().factory());

  private static final Duration RETIRED_CLIENT_LINGER = Duration.ofSeconds(30);
  private final MetaStateMachine stateMachine;
  private final RaftProperties properties;
  private final Parameters parameters;

  /**
   * Identifies requests this member hands its own server while it leads (Ratis' retry cache keys on
   * it).
   */
  private final ClientId localClientId = ClientId.randomId();

  private final AtomicLong localCallIds = new AtomicLong();

  /** Sends the batches that wait while others are on their way; see ProposalBatcher. */
  private final ExecutorService batchSender =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("meta-batch-sender").daemon().factory());

  private final ProposalBatcher proposals =
      new ProposalBatcher(
          this::proposeEntry,
          batchSender,
          PROPOSALS_IN_FLIGHT_MAX,
          PROPOSALS_WAITING_MAX,
          BATCH_COMMANDS_MAX,
          BATCH_BYTES_MAX);

  private MetaGroup(
      int self,
      RaftGroupId groupId,
      RaftServer server,
      RaftClient client,
      MetaStateMachine stateMachine,
      RaftProperties properties,
      Parameters parameters) {
    this.self = self;
    this.groupId = groupId;
    this.server = server;
    this.client = client;
    this.stateMachine = stateMachine;
    this.properties = properties;
    this.parameters = parameters;
  }

  /**
   * Starts this node's member. BOOTSTRAP forms a group of one voter (this node); JOIN starts empty
   * and waits for the leader to add it; RESTART recovers from the log in storageDirectory. {@code
   * knownPeers} are where the client first looks for a leader.
   */
  public static MetaGroup start(
      Start start,
      String clusterId,
      int self,
      NodeAddress address,
      Path storageDirectory,
      Collection<RaftPeer> knownPeers,
      Timing timing,
      GrpcTlsConfig tls,
      StateMachine.Registry otherGroups)
      throws IOException {
    RaftGroupId groupId = PeerIds.metaGroupOf(clusterId);
    RaftPeer selfPeer = peerOf(self, address, RaftPeerRole.FOLLOWER);
    RaftProperties properties = properties(address, storageDirectory, timing);
    Parameters parameters = new Parameters();
    GrpcConfigKeys.Server.setTlsConf(parameters, tls);
    GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
    GrpcConfigKeys.Client.setTlsConf(parameters, tls);

    // A joining member starts as a listener of its own (else empty) configuration, so that
    // Ratis runs it at once. Started with an empty configuration it would stay "starting"
    // until the leader counts it caught up, which Ratis 3.2.2 does only for members that
    // join as voters: a listener promoted later would refuse every vote request, and the
    // group could not elect a new leader. The leader's log replaces this configuration.
    RaftGroup group =
        switch (start) {
          case BOOTSTRAP -> RaftGroup.valueOf(groupId, selfPeer);
          case JOIN -> RaftGroup.valueOf(groupId, peerOf(self, address, RaftPeerRole.LISTENER));
          case RESTART -> RaftGroup.valueOf(groupId);
        };
    RaftStorage.StartupOption option =
        start == Start.RESTART
            ? RaftStorage.StartupOption.RECOVER
            : RaftStorage.StartupOption.FORMAT;
    MetaStateMachine stateMachine = new MetaStateMachine();
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(PeerIds.peerOf(self))
            .setGroup(group)
            .setProperties(properties)
            .setParameters(parameters)
            // The node's other groups (the filesystem's) run on the same server: one port, one
            // TLS configuration.
            .setStateMachineRegistry(
                id -> id.equals(groupId) ? stateMachine : otherGroups.apply(id))
            .setOption(option)
            .build();
    server.start();

    List<RaftPeer> clientPeers = new ArrayList<>(knownPeers);
    if (clientPeers.isEmpty()) {
      // A restart: the configuration recovered from the log says where the others are.
      clientPeers.addAll(
          server.getDivision(groupId).getRaftConf().getAllPeers(RaftPeerRole.FOLLOWER));
    }
    if (clientPeers.stream().noneMatch(peer -> peer.getId().equals(selfPeer.getId()))) {
      clientPeers.add(selfPeer);
    }
    RaftClient client = newClient(properties, parameters, groupId, clientPeers, null);
    MetaGroup member =
        new MetaGroup(self, groupId, server, client, stateMachine, properties, parameters);
    stateMachine.addListener(
        new MetaStateMachine.Listener() {
          @Override
          public void applied(List<org.onefold.proto.Event> events) {}

          @Override
          public void leaderChanged(int leaderNode) {
            member.followLeader(leaderNode);
          }
        });
    return member;
  }

  private static RaftClient newClient(
      RaftProperties properties,
      Parameters parameters,
      RaftGroupId groupId,
      Collection<RaftPeer> peers,
      RaftPeerId leader) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setParameters(parameters)
        .setRaftGroup(RaftGroup.valueOf(groupId, peers))
        .setLeaderId(leader)
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                CLIENT_RETRIES_MAX,
                TimeDuration.valueOf(CLIENT_RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** Points new requests at the new leader; the old client finishes what it has under way. */
  private void followLeader(int leaderNode) {
    if (leaderNode == 0 || retiredClients.isShutdown()) {
      return;
    }
    List<RaftPeer> peers = new ArrayList<>(currentPeers());
    if (peers.stream().noneMatch(peer -> peer.getId().equals(PeerIds.peerOf(leaderNode)))) {
      return; // a leader this member has no address for yet; keep asking the known peers
    }
    RaftClient retired = client;
    client = newClient(properties, parameters, groupId, peers, PeerIds.peerOf(leaderNode));
    retiredClients.schedule(
        () -> closeQuietly(retired), RETIRED_CLIENT_LINGER.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void closeQuietly(RaftClient retired) {
    try {
      retired.close();
    } catch (IOException e) {
      // A client that fails to close holds nothing we need.
    }
  }

  private static RaftProperties properties(
      NodeAddress address, Path storageDirectory, Timing timing) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(properties, List.of(new File(storageDirectory.toString())));
    GrpcConfigKeys.Server.setHost(properties, address.getHost());
    GrpcConfigKeys.Server.setPort(properties, address.getRaftPort());
    GrpcConfigKeys.setMessageSizeMax(properties, MESSAGE_SIZE_MAX);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, APPEND_BATCH_BYTES_MAX);
    RaftServerConfigKeys.Log.setWriteBufferSize(properties, MESSAGE_SIZE_MAX);
    // By default the leader appends a metadata entry (the new commit index) after each commit, and
    // writes, fsyncs and replicates it like a command: two log writes and two fsyncs per put on
    // every member, the second in the way of the next put. Raft keeps the commit index volatile;
    // a restarted member learns it from the leader. Every command is still fsynced before it
    // counts as stored.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
    // Ratis sends a follower nothing sooner than this after the last send (1 ms by default), which
    // made 1 ms the floor of a lone writer's put.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(properties, APPENDER_SEND_INTERVAL_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(timing.electionTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(timing.electionTimeoutMax()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(properties, millis(timing.requestTimeout()));
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(
        properties, millis(timing.leaderStepDownWait()));
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, true);
    // A new member catches up over fresh TLS connections; give it longer than Ratis' 3 x election
    // timeout.
    RaftServerConfigKeys.setStagingTimeout(properties, TimeDuration.valueOf(15, TimeUnit.SECONDS));
    // A retried request the servers have applied already is answered from this cache, not applied
    // again (a write, an append): it must outlive a client's whole retry budget.
    RaftServerConfigKeys.RetryCache.setExpiryTime(
        properties, TimeDuration.valueOf(RETRY_CACHE_MINUTES, TimeUnit.MINUTES));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, SNAPSHOT_EVERY_ENTRIES);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(timing.requestTimeout()));
    return properties;
  }

  private static TimeDuration millis(Duration duration) {
    return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
  }

  public static RaftPeer peerOf(int node, NodeAddress address, RaftPeerRole role) {
    return RaftPeer.newBuilder()
        .setId(PeerIds.peerOf(node))
        .setAddress(address.getHost() + ":" + address.getRaftPort())
        .setStartupRole(role)
        .build();
  }

  /**
   * Proposes command through the leader; completes when it is applied, with its answer. Concurrent
   * proposals share log entries (see ProposalBatcher).
   */
  public CompletableFuture<MetaReply> propose(MetaCommand command) {
    return proposals.propose(command);
  }

  /** Proposes one log entry's command: a single command or a batch. */
  private CompletableFuture<MetaReply> proposeEntry(MetaCommand command) {
    Message message = Message.valueOf(ByteString.copyFrom(command.toByteArray()));
    return send(message, RaftClientRequest.writeRequestType(), () -> client.async().send(message))
        .thenApply(reply -> decode(reply, MetaReply::parseFrom));
  }

  /** A linearizable read through the leader. */
  public CompletableFuture<MetaQueryReply> query(MetaQuery query) {
    Message message = Message.valueOf(ByteString.copyFrom(query.toByteArray()));
    return send(
            message,
            RaftClientRequest.readRequestType(),
            () -> client.async().sendReadOnly(message))
        .thenApply(reply -> decode(reply, MetaQueryReply::parseFrom));
  }

  /**
   * Sends a request. On the leader it goes straight to the local server, sparing a gRPC and TLS
   * round trip to itself; elsewhere, or if leadership moved meanwhile (the server refused it before
   * appending anything), through the client.
   */
  private CompletableFuture<RaftClientReply> send(
      Message message,
      RaftClientRequest.Type type,
      Supplier<CompletableFuture<RaftClientReply>> viaClient) {
    if (!isLeader()) {
      return viaClient.get();
    }
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(localClientId)
            .setServerId(server.getId())
            .setGroupId(groupId)
            .setCallId(localCallIds.incrementAndGet())
            .setMessage(message)
            .setType(type)
            .build();
    try {
      return server
          .submitClientRequestAsync(request)
          .thenCompose(
              reply ->
                  notLeader(reply) ? viaClient.get() : CompletableFuture.completedFuture(reply));
    } catch (IOException e) {
      return viaClient.get();
    }
  }

  /** True if the server turned the request away for not leading: nothing was appended. */
  private static boolean notLeader(RaftClientReply reply) {
    return !reply.isSuccess()
        && (reply.getNotLeaderException() != null
            || reply.getException() instanceof LeaderNotReadyException);
  }

  private interface Parser<T> {
    T parse(java.nio.ByteBuffer bytes) throws IOException;
  }

  private static <T> T decode(RaftClientReply reply, Parser<T> parser) {
    if (!reply.isSuccess()) {
      throw new MetaUnavailableException(
          "the meta group did not answer: " + reply.getException(), reply.getException());
    }
    try {
      return parser.parse(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new IllegalStateException("undecodable answer from the meta group", e);
    }
  }

  /**
   * Thrown (inside futures) when the meta group cannot answer: no quorum, or this member is
   * stopping.
   */
  public static final class MetaUnavailableException extends RuntimeException {
    MetaUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Sets who votes and who listens, if the configuration is still the one this member has
   * (compare-and-set). Only the leader's call succeeds; the caller tries again on a later tick.
   */
  public RaftClientReply setConfiguration(List<RaftPeer> voters, List<RaftPeer> listeners)
      throws IOException {
    RaftConfiguration current = configuration();
    try (RaftClient admin =
        RaftClient.newBuilder()
            .setProperties(properties)
            .setParameters(parameters)
            .setRaftGroup(RaftGroup.valueOf(groupId, currentPeers()))
            .setLeaderId(PeerIds.peerOf(self))
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      return admin
          .admin()
          .setConfiguration(
              SetConfigurationRequest.Arguments.newBuilder()
                  .setServersInNewConf(voters)
                  .setListenersInNewConf(listeners)
                  .setServersInCurrentConf(List.copyOf(current.getAllPeers(RaftPeerRole.FOLLOWER)))
                  .setListenersInCurrentConf(
                      List.copyOf(current.getAllPeers(RaftPeerRole.LISTENER)))
                  .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                  .build());
    }
  }

  /** The node's Raft server, which hosts the node's other groups too. */
  public RaftServer server() {
    return server;
  }

  /** A client of another group on this cluster's servers, with this member's TLS and settings. */
  public RaftClient clientOf(RaftGroupId group, Collection<RaftPeer> peers) {
    return newClient(properties, parameters, group, peers, null);
  }

  public MetaStateMachine stateMachine() {
    return stateMachine;
  }

  private RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      throw new IllegalStateException("meta group division missing on node " + self, e);
    }
  }

  public boolean isLeader() {
    DivisionInfo info = division().getInfo();
    return info.isLeader() && info.isLeaderReady();
  }

  /** The leader this member knows of, or 0. */
  public int leaderNode() {
    var leader = division().getInfo().getLeaderId();
    return leader == null ? 0 : PeerIds.nodeOf(leader.toString()).orElse(0);
  }

  /**
   * The leader of another group this node's server holds (the filesystem's) as this node knows it,
   * and the group's voters, by node number; empty if the server does not hold the group.
   */
  public Optional<GroupView> groupView(RaftGroupId group) {
    try {
      RaftServer.Division other = server().getDivision(group);
      var leader = other.getInfo().getLeaderId();
      List<Integer> voters = new ArrayList<>();
      for (RaftPeer peer : other.getRaftConf().getAllPeers(RaftPeerRole.FOLLOWER)) {
        PeerIds.nodeOf(peer.getId().toString()).ifPresent(voters::add);
      }
      voters.sort(null);
      return Optional.of(
          new GroupView(
              leader == null ? 0 : PeerIds.nodeOf(leader.toString()).orElse(0),
              List.copyOf(voters)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A group's leader (0: none known) and voters, by node number. */
  public record GroupView(int leader, List<Integer> voters) {}

  /** The current Raft configuration as this member has it. */
  public RaftConfiguration configuration() {
    return division().getRaftConf();
  }

  public Collection<RaftPeer> currentPeers() {
    RaftConfiguration configuration = configuration();
    List<RaftPeer> peers = new ArrayList<>(configuration.getAllPeers(RaftPeerRole.FOLLOWER));
    peers.addAll(configuration.getAllPeers(RaftPeerRole.LISTENER));
    return peers;
  }

  @Override
  public void close() throws IOException {
    retiredClients.shutdownNow();
    batchSender.shutdownNow();
    try {
      client.close();
    } finally {
      server.close();
    }
  }
}
