package org.onefold.node.membership;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.transport.ClusterCa;
import org.onefold.node.transport.JoinToken;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.meta.AddNode;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.node.JoinReply;
import org.onefold.proto.node.JoinRequest;

/**
 * Admits a new machine: checks what it sent, has the meta group give it a node number (the group
 * checks the token, so that a token revoked or expired on any node is refused everywhere), and
 * signs its public key with the cluster CA.
 *
 * <p>The caller has no certificate yet; all it proves is the token. It learns the members of the
 * meta group so that it can start its own member and be added.
 */
public final class JoinService {
  private final MetaGroup meta;
  private final InstantSource clock;
  private final SecureRandom random;

  public JoinService(MetaGroup meta, InstantSource clock, SecureRandom random) {
    this.meta = meta;
    this.clock = clock;
    this.random = random;
  }

  /** The answer to a join, or a failed future carrying a gRPC status with a one-line reason. */
  public CompletableFuture<JoinReply> join(JoinRequest request) {
    PublicKey key;
    try {
      key =
          KeyFactory.getInstance("EC")
              .generatePublic(new X509EncodedKeySpec(request.getPublicKeyDer().toByteArray()));
    } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
      return refuse(Status.INVALID_ARGUMENT, "the join request carries no usable EC public key");
    }
    NodeAddress address = request.getAddress();
    if (!address.getHost().matches("\\d{1,3}(\\.\\d{1,3}){3}")
        || !validPort(address.getRpcPort())
        || !validPort(address.getRaftPort())) {
      return refuse(
          Status.INVALID_ARGUMENT,
          "the join request's address "
              + address.getHost()
              + ":"
              + address.getRpcPort()
              + "/"
              + address.getRaftPort()
              + " is not an IPv4 address with two ports");
    }
    MetaCommand command =
        MetaCommand.newBuilder()
            .setTimeMillis(clock.millis())
            .setAddNode(
                AddNode.newBuilder()
                    .setTokenSecretSha256(
                        ByteString.copyFrom(JoinToken.sha256OfSecret(request.getTokenSecret())))
                    .setAddress(address))
            .build();
    return meta.propose(command)
        .thenApply(
            reply -> {
              if (reply.getError() == ErrorCode.TOKEN_REFUSED) {
                throw Status.PERMISSION_DENIED
                    .withDescription(reply.getMessage())
                    .asRuntimeException();
              }
              if (reply.getError() != ErrorCode.OK) {
                throw Status.FAILED_PRECONDITION
                    .withDescription(reply.getMessage())
                    .asRuntimeException();
              }
              return admit(reply.getNode(), reply.getIncarnation(), address, key);
            });
  }

  private JoinReply admit(int node, long incarnation, NodeAddress address, PublicKey key) {
    return meta.stateMachine()
        .read(
            state -> {
              try {
                ClusterCa ca =
                    ClusterCa.fromDer(
                        state.caCertificateDer().toByteArray(),
                        state.caPrivateKeyDer().toByteArray(),
                        clock,
                        random);
                return JoinReply.newBuilder()
                    .setClusterId(state.clusterId())
                    .setNode(node)
                    .setIncarnation(incarnation)
                    .setCaCertificateDer(ByteString.copyFrom(ca.certificateDer()))
                    .setNodeCertificateDer(
                        ByteString.copyFrom(
                            ca.issueNodeCertificate(node, address.getHost(), key).getEncoded()))
                    .addAllMembers(state.nodes().all())
                    .build();
              } catch (CertificateException e) {
                throw Status.INTERNAL
                    .withDescription(
                        "cannot sign node " + node + "'s certificate: " + e.getMessage())
                    .asRuntimeException();
              }
            });
  }

  private static boolean validPort(int port) {
    return port >= 1 && port <= 65535;
  }

  private static <T> CompletableFuture<T> refuse(Status status, String message) {
    return CompletableFuture.failedFuture(status.withDescription(message).asRuntimeException());
  }
}
