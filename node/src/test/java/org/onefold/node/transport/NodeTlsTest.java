package org.onefold.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onefold.proto.node.HeartbeatReply;
import org.onefold.proto.node.HeartbeatRequest;
import org.onefold.proto.node.JoinReply;
import org.onefold.proto.node.JoinRequest;
import org.onefold.proto.node.NodeRpcGrpc;

/** A real grpc-netty-shaded server on 127.0.0.1 with the node server context and interceptor. */
class NodeTlsTest {
  private static final String LOOPBACK = "127.0.0.1";
  private static final int SERVER_NODE = 1;

  private final ClusterCa ca = ClusterCa.create("lab", InstantSource.system(), new SecureRandom());
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  /** Heartbeat answers with the caller's node number as the server saw it; Join with node 0. */
  private static final class EchoCaller extends NodeRpcGrpc.NodeRpcImplBase {
    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> replies) {
      int caller = NodeCertificateInterceptor.CALLER_NODE.get();
      replies.onNext(HeartbeatReply.newBuilder().setLeaderNode(caller).build());
      replies.onCompleted();
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinReply> replies) {
      Integer caller = NodeCertificateInterceptor.CALLER_NODE.get();
      replies.onNext(JoinReply.newBuilder().setNode(caller == null ? 0 : caller).build());
      replies.onCompleted();
    }
  }

  private static NodeIdentity identity(ClusterCa ca, int node) {
    KeyPair keyPair = NodeIdentity.generateKeyPair();
    return new NodeIdentity(
        node,
        keyPair.getPrivate(),
        ca.issueNodeCertificate(node, LOOPBACK, keyPair.getPublic()),
        ca.certificate());
  }

  @BeforeEach
  void startServer() throws IOException {
    NodeCertificateInterceptor interceptor =
        new NodeCertificateInterceptor(Set.of(NodeRpcGrpc.getJoinMethod().getFullMethodName()));
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0))
            .sslContext(TlsContexts.of(identity(ca, SERVER_NODE)).server())
            .addService(ServerInterceptors.intercept(new EchoCaller(), interceptor))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private NodeRpcGrpc.NodeRpcBlockingStub stub(SslContext context) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(LOOPBACK, server.getPort()).sslContext(context).build();
    channels.add(channel);
    return NodeRpcGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static HeartbeatRequest heartbeat() {
    return HeartbeatRequest.newBuilder().setNode(9).build();
  }

  @Test
  void nodeWithCertificateIsServedAndKnownByNumber() throws Exception {
    var stub = stub(TlsContexts.of(identity(ca, 42)).client());

    assertThat(stub.heartbeat(heartbeat()).getLeaderNode()).isEqualTo(42);
    assertThat(stub.join(JoinRequest.getDefaultInstance()).getNode())
        .as("a node calling Join is still identified")
        .isEqualTo(42);
  }

  @Test
  void callerWithoutCertificateMayJoinButNotHeartbeat() throws Exception {
    var stub = stub(TlsContexts.joinClient(ca.fingerprint(), InstantSource.system()));

    assertThat(stub.join(JoinRequest.getDefaultInstance()).getNode()).isZero();
    assertThatThrownBy(() -> stub.heartbeat(heartbeat()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription())
                  .contains("NodeRpc/Heartbeat needs a node certificate");
            });
  }

  @Test
  void certificateFromAnotherCaIsNotOfferedSoTheCallIsRefused() throws Exception {
    ClusterCa other = ClusterCa.create("other", InstantSource.system(), new SecureRandom());
    NodeIdentity stranger = identity(other, 42);
    SslContext context =
        GrpcSslContexts.forClient()
            .keyManager(stranger.privateKey(), stranger.certificateChain())
            .trustManager(ca.certificate())
            .protocols("TLSv1.3")
            .build();

    assertThatThrownBy(() -> stub(context).heartbeat(heartbeat()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).endsWith("the peer sent none");
            });
  }

  @Test
  void certificateFromAnotherCaSentAnywayFailsTheHandshake() throws Exception {
    ClusterCa other = ClusterCa.create("other", InstantSource.system(), new SecureRandom());
    NodeIdentity stranger = identity(other, 42);
    SslContext context =
        GrpcSslContexts.forClient()
            .keyManager(new AlwaysOfferKeyManager(stranger))
            .trustManager(ca.certificate())
            .protocols("TLSv1.3")
            .build();

    assertThatThrownBy(() -> stub(context).heartbeat(heartbeat()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasStackTraceContaining("TLSV1_ALERT_INTERNAL_ERROR");
  }

  /** Offers its one certificate whatever issuers the server asks for. */
  private static final class AlwaysOfferKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "node";
    private final NodeIdentity identity;

    AlwaysOfferKeyManager(NodeIdentity identity) {
      this.identity = identity;
    }

    @Override
    public String chooseEngineClientAlias(
        String[] keyTypes, Principal[] issuers, SSLEngine engine) {
      return ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return identity.certificateChain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return identity.privateKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  @Test
  void nodeOfAnotherClusterDoesNotTrustThisServer() throws Exception {
    ClusterCa other = ClusterCa.create("other", InstantSource.system(), new SecureRandom());

    assertThatThrownBy(
            () -> stub(TlsContexts.of(identity(other, 42)).client()).heartbeat(heartbeat()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasStackTraceContaining("unable to find valid certification path");
  }

  @Test
  void joinClientWithWrongPinnedFingerprintFailsTheHandshake() throws Exception {
    String wrong =
        ClusterCa.create("other", InstantSource.system(), new SecureRandom()).fingerprint();
    var stub = stub(TlsContexts.joinClient(wrong, InstantSource.system()));

    assertThatThrownBy(() -> stub.join(JoinRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasStackTraceContaining("pinned by the join token");
  }

  @Test
  void tls12ClientIsRefused() throws Exception {
    NodeIdentity node = identity(ca, 42);
    SslContext context =
        GrpcSslContexts.forClient()
            .keyManager(node.privateKey(), node.certificateChain())
            .trustManager(ca.certificate())
            .protocols("TLSv1.2")
            .build();

    assertThatThrownBy(() -> stub(context).heartbeat(heartbeat()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasStackTraceContaining("TLSV1_ALERT_PROTOCOL_VERSION");
  }

  @Test
  void nodeClientChecksTheServerAddressButJoinClientTrustsThePinOnly() throws Exception {
    SslContext node = TlsContexts.of(identity(ca, 42)).client();
    SslContext join = TlsContexts.joinClient(ca.fingerprint(), InstantSource.system());

    assertThatThrownBy(() -> stubFor("node1.lab", node).heartbeat(heartbeat()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasStackTraceContaining("No name matching node1.lab found");
    assertThat(stubFor("node1.lab", join).join(JoinRequest.getDefaultInstance()).getNode())
        .isZero();
  }

  private NodeRpcGrpc.NodeRpcBlockingStub stubFor(String authority, SslContext context) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(LOOPBACK, server.getPort())
            .overrideAuthority(authority)
            .sslContext(context)
            .build();
    channels.add(channel);
    return NodeRpcGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }
}
