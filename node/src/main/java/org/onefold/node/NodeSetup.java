package org.onefold.node;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.onefold.node.fs.FsGroup;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.transport.ClusterCa;
import org.onefold.node.transport.JoinToken;
import org.onefold.node.transport.NodeIdentity;
import org.onefold.node.transport.TlsContexts;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.meta.Bootstrap;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.TokenGrant;
import org.onefold.proto.node.JoinReply;
import org.onefold.proto.node.JoinRequest;
import org.onefold.proto.node.NodeRpcGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a node's state directory to the point where the node can run: a restart recovers what is
 * there; a new machine either bootstraps a cluster (no --join) or joins one (--join with a token).
 * Set-up writes the node's identity last, and on any failure removes what it wrote, so that a
 * directory is either a whole node or nothing.
 */
final class NodeSetup {
  private static final Logger log = LoggerFactory.getLogger(NodeSetup.class);
  private static final Duration JOIN_CALL_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

  private NodeSetup() {}

  /**
   * What set-up leaves running: the meta group member, the node's TLS identity, and the incarnation
   * if it is already known (1 for a new node; 0 when a restart must still announce itself).
   */
  record Prepared(
      String clusterId, NodeIdentity identity, MetaGroup meta, long incarnation, boolean joining) {}

  static Prepared prepare(
      NodeSettings settings,
      StateDirectory directory,
      NodeAddress address,
      InstantSource clock,
      SecureRandom random)
      throws NodeDaemon.StartException, IOException {
    if (directory.incomplete()) {
      log.warn(
          "state directory {} holds an unfinished set-up; removing it and starting again",
          directory.root());
      directory.removeState();
    }
    var existing = directory.identity();
    if (existing.isPresent()) {
      return restart(settings, directory, address, existing.get());
    }
    try {
      return settings.join().isPresent()
          ? join(settings, directory, address, clock, random)
          : bootstrap(settings, directory, address, clock, random);
    } catch (NodeDaemon.StartException | IOException | RuntimeException e) {
      directory.removeState();
      throw e;
    }
  }

  private static MetaGroup.Timing timing(NodeSettings settings) {
    return new MetaGroup.Timing(
        settings.electionTimeoutMin(),
        settings.electionTimeoutMax(),
        Duration.ofSeconds(1),
        Duration.ofSeconds(3));
  }

  private static Prepared restart(
      NodeSettings settings,
      StateDirectory directory,
      NodeAddress address,
      StateDirectory.Identity identity)
      throws NodeDaemon.StartException, IOException {
    NodeIdentity tls = NodeIdentity.load(directory.tls());
    if (tls.node() != identity.node()) {
      throw new NodeDaemon.StartException(
          "corrupt state directory "
              + directory.root()
              + ": identity says node "
              + identity.node()
              + " but the certificate is node "
              + tls.node());
    }
    if (settings.token().isPresent()) {
      JoinToken token = parseToken(settings.token().get());
      if (!token.caFingerprint().equals(ClusterCa.fingerprint(tls.caCertificate()))) {
        throw new NodeDaemon.StartException(
            "state directory "
                + directory.root()
                + " belongs to cluster "
                + identity.clusterId()
                + "; the join token is for another cluster. Use another --dir to join that one");
      }
      log.info("node {} is set up already; --join and --token are not needed", identity.node());
    }
    MetaGroup meta =
        MetaGroup.start(
            MetaGroup.Start.RESTART,
            identity.clusterId(),
            identity.node(),
            address,
            directory.raft(),
            List.of(),
            timing(settings),
            TlsContexts.of(tls).ratis(),
            FsGroup.stateMachines(directory.fsData()));
    return new Prepared(identity.clusterId(), tls, meta, 0, false);
  }

  private static Prepared bootstrap(
      NodeSettings settings,
      StateDirectory directory,
      NodeAddress address,
      InstantSource clock,
      SecureRandom random)
      throws NodeDaemon.StartException, IOException {
    String clusterId = UUID.randomUUID().toString();
    ClusterCa ca = ClusterCa.create(clusterId, clock, random);
    KeyPair keys = NodeIdentity.generateKeyPair();
    NodeIdentity identity =
        new NodeIdentity(
            1,
            keys.getPrivate(),
            ca.issueNodeCertificate(1, address.getHost(), keys.getPublic()),
            ca.certificate());
    identity.save(directory.tls());
    JoinToken token = JoinToken.generate(ca.fingerprint(), random);
    MetaGroup meta =
        MetaGroup.start(
            MetaGroup.Start.BOOTSTRAP,
            clusterId,
            1,
            address,
            directory.raft(),
            List.of(),
            timing(settings),
            TlsContexts.of(identity).ratis(),
            FsGroup.stateMachines(directory.fsData()));
    try {
      MetaCommand command =
          MetaCommand.newBuilder()
              .setTimeMillis(clock.millis())
              .setBootstrap(
                  Bootstrap.newBuilder()
                      .setClusterId(clusterId)
                      .setCaCertificateDer(ByteString.copyFrom(ca.certificateDer()))
                      .setCaPrivateKeyDer(ByteString.copyFrom(ca.privateKeyDer()))
                      .setFirstNode(address)
                      .setToken(
                          TokenGrant.newBuilder()
                              .setSecretSha256(ByteString.copyFrom(token.secretSha256()))
                              .setExpiresMillis(clock.millis() + settings.tokenTtl().toMillis())))
              .build();
      MetaReply reply = meta.propose(command).get(CATCH_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.getError() != ErrorCode.OK || reply.getNode() != 1) {
        throw new NodeDaemon.StartException(
            "bootstrap of cluster " + clusterId + " failed: " + reply.getMessage());
      }
      directory.writeJoinToken(token.text());
      directory.writeIdentity(new StateDirectory.Identity(clusterId, 1));
      log.info(
          "bootstrapped cluster {} as node 1; join token in {}",
          clusterId,
          directory.joinTokenFile());
      return new Prepared(clusterId, identity, meta, reply.getIncarnation(), false);
    } catch (Exception e) {
      meta.close();
      throw asStartException("bootstrap failed", e);
    }
  }

  private static Prepared join(
      NodeSettings settings,
      StateDirectory directory,
      NodeAddress address,
      InstantSource clock,
      SecureRandom random)
      throws NodeDaemon.StartException, IOException {
    if (settings.token().isEmpty()) {
      throw new NodeDaemon.StartException(
          "--join needs --token (make one on a member with 'ssi token create')");
    }
    JoinToken token = parseToken(settings.token().get());
    NodeAddress through = joinAddress(settings.join().get());
    String target = through.getHost() + ":" + through.getRpcPort();
    KeyPair keys = NodeIdentity.generateKeyPair();
    JoinReply reply = callJoin(target, token, keys, address, clock);
    NodeIdentity identity;
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      identity =
          new NodeIdentity(
              reply.getNode(),
              keys.getPrivate(),
              (X509Certificate)
                  factory.generateCertificate(reply.getNodeCertificateDer().newInput()),
              (X509Certificate)
                  factory.generateCertificate(reply.getCaCertificateDer().newInput()));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new NodeDaemon.StartException(
          "the cluster at " + target + " sent an unusable certificate: " + e.getMessage());
    }
    identity.save(directory.tls());
    List<RaftPeer> members =
        reply.getMembersList().stream()
            .map(
                member ->
                    MetaGroup.peerOf(member.getNode(), member.getAddress(), RaftPeerRole.FOLLOWER))
            .toList();
    MetaGroup meta =
        MetaGroup.start(
            MetaGroup.Start.JOIN,
            reply.getClusterId(),
            reply.getNode(),
            address,
            directory.raft(),
            members,
            timing(settings),
            TlsContexts.of(identity).ratis(),
            FsGroup.stateMachines(directory.fsData()));
    log.info(
        "admitted to cluster {} as node {}; catching up with the meta group",
        reply.getClusterId(),
        reply.getNode());
    return new Prepared(reply.getClusterId(), identity, meta, reply.getIncarnation(), true);
  }

  /**
   * The last step of a join, once the node heartbeats: waits until its member has applied the log
   * up to its own admission, then writes the identity. On failure the caller stops the node and
   * removes the state.
   */
  static void finishJoin(Prepared prepared, StateDirectory directory)
      throws NodeDaemon.StartException, IOException {
    int node = prepared.identity().node();
    try {
      awaitCatchUp(prepared.meta(), node);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeDaemon.StartException("interrupted while joining as node " + node);
    }
    directory.writeIdentity(new StateDirectory.Identity(prepared.clusterId(), node));
    log.info("joined cluster {} as node {}", prepared.clusterId(), node);
  }

  /** The address a join goes through: host, and the node RPC port unless given. */
  static NodeAddress joinAddress(String join) throws NodeDaemon.StartException {
    String[] parts = join.split(":", -1);
    try {
      int port = parts.length == 2 ? Integer.parseInt(parts[1]) : NodeSettings.DEFAULT_RPC_PORT;
      if (parts.length > 2 || parts[0].isEmpty() || port < 1 || port > 65535) {
        throw new NumberFormatException(join);
      }
      return NodeAddress.newBuilder().setHost(parts[0]).setRpcPort(port).build();
    } catch (NumberFormatException e) {
      throw new NodeDaemon.StartException(
          "bad --join '" + join + "': expected ADDRESS or ADDRESS:PORT");
    }
  }

  private static JoinReply callJoin(
      String target, JoinToken token, KeyPair keys, NodeAddress address, InstantSource clock)
      throws NodeDaemon.StartException, IOException {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(target)
            .sslContext(TlsContexts.joinClient(token.caFingerprint(), clock))
            .build();
    try {
      return NodeRpcGrpc.newBlockingStub(channel)
          .withDeadlineAfter(JOIN_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .join(
              JoinRequest.newBuilder()
                  .setTokenSecret(token.secret())
                  .setPublicKeyDer(ByteString.copyFrom(keys.getPublic().getEncoded()))
                  .setAddress(address)
                  .build());
    } catch (StatusRuntimeException e) {
      throw new NodeDaemon.StartException(joinFailure(target, e.getStatus()));
    } finally {
      channel.shutdownNow();
    }
  }

  static String joinFailure(String target, Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    Throwable cause = status.getCause();
    String causeText = cause == null ? "" : String.valueOf(cause.getMessage());
    return switch (status.getCode()) {
      case PERMISSION_DENIED -> "join refused by " + target + ": " + description;
      case DEADLINE_EXCEEDED ->
          "join address "
              + target
              + " did not answer within "
              + JOIN_CALL_TIMEOUT.toSeconds()
              + " s";
      case UNAVAILABLE ->
          causeText.contains("pinned") || description.contains("pinned")
              ? "the node at "
                  + target
                  + " is not of the cluster this join token is for (its CA differs)"
              : "cannot reach join address "
                  + target
                  + ": "
                  + (description.isEmpty() ? causeText : description);
      default -> "join through " + target + " failed: " + status.getCode() + " " + description;
    };
  }

  /** Waits until this new member has applied the log up to its own admission. */
  private static void awaitCatchUp(MetaGroup meta, int node)
      throws NodeDaemon.StartException, InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    while (meta.stateMachine().read(state -> state.nodes().get(node)).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new NodeDaemon.StartException(
            "node "
                + node
                + " was admitted but the meta group did not add it within "
                + CATCH_UP_TIMEOUT.toSeconds()
                + " s; is the leader reachable on its Raft port?");
      }
      Thread.sleep(20);
    }
  }

  private static JoinToken parseToken(String text) throws NodeDaemon.StartException {
    try {
      return JoinToken.parse(text);
    } catch (IllegalArgumentException e) {
      throw new NodeDaemon.StartException(e.getMessage());
    }
  }

  private static NodeDaemon.StartException asStartException(String what, Exception e) {
    if (e instanceof NodeDaemon.StartException startException) {
      return startException;
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    Throwable cause =
        e.getCause() != null && e instanceof java.util.concurrent.ExecutionException
            ? e.getCause()
            : e;
    return new NodeDaemon.StartException(what + ": " + cause.getMessage(), e);
  }
}
