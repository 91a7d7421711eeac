package org.onefold.node.transport;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * The TLS settings of every node-to-node connection, built from one {@link NodeIdentity}.
 *
 * <p>Two gRPC stacks carry node traffic: our own services on grpc-java (Netty, shaded into
 * grpc-netty-shaded) and Ratis, which bundles its own shaded gRPC and Netty and therefore takes key
 * material, not our {@link SslContext}. Both get the same trust: the cluster CA and nothing else.
 *
 * <ul>
 *   <li>{@link #server()}: presents [node, CA]; asks for a client certificate but does not require
 *       one, because Join is called by machines that have none yet; {@link
 *       NodeCertificateInterceptor} requires it for every other method.
 *   <li>{@link #client()}: presents the node certificate; trusts the CA; gRPC checks the server's
 *       SAN IP against the dialled address.
 *   <li>{@link #joinClient}: no client certificate; trusts only a server whose CA has the
 *       fingerprint pinned by the join token.
 *   <li>{@link #ratis()} / {@link #configureRatis}: mutual TLS, client certificate required.
 * </ul>
 *
 * Our contexts speak TLS 1.3 only. Ratis 3.2.2 builds its own contexts and exposes no protocol
 * setting, so its port also accepts TLS 1.2 (still mutually authenticated). Contexts are immutable
 * and shared by all channels and servers.
 */
public final class TlsContexts {
  static final String TLS_1_3 = "TLSv1.3";
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  private final NodeIdentity identity;

  private TlsContexts(NodeIdentity identity) {
    this.identity = identity;
  }

  public static TlsContexts of(NodeIdentity identity) {
    return new TlsContexts(Objects.requireNonNull(identity, "identity"));
  }

  /** For {@code NettyServerBuilder.sslContext}: mutual TLS with the client certificate optional. */
  public SslContext server() throws SSLException {
    SslContextBuilder builder =
        SslContextBuilder.forServer(identity.privateKey(), identity.certificateChain())
            .trustManager(identity.caCertificate())
            .clientAuth(ClientAuth.OPTIONAL)
            .protocols(TLS_1_3);
    return GrpcSslContexts.configure(builder).build();
  }

  /** For {@code NettyChannelBuilder.sslContext}: a node calling another node. */
  public SslContext client() throws SSLException {
    SslContextBuilder builder =
        GrpcSslContexts.forClient()
            .keyManager(identity.privateKey(), identity.certificateChain())
            .trustManager(identity.caCertificate())
            .protocols(TLS_1_3);
    return builder.build();
  }

  /**
   * For the one Join call of a machine that has no certificate yet: no client certificate, and the
   * server is trusted only if its chain holds the CA with {@code pinnedCaFingerprint} (64 lowercase
   * hex digits, from the join token) and the server certificate is signed by it and valid at {@code
   * clock}'s now.
   */
  public static SslContext joinClient(String pinnedCaFingerprint, InstantSource clock)
      throws SSLException {
    if (pinnedCaFingerprint == null || !FINGERPRINT.matcher(pinnedCaFingerprint).matches()) {
      throw new IllegalArgumentException(
          "pinned CA fingerprint " + pinnedCaFingerprint + " is not 64 lowercase hex digits");
    }
    return GrpcSslContexts.forClient()
        .trustManager(new PinnedCaTrustManager(pinnedCaFingerprint, clock))
        .protocols(TLS_1_3)
        .build();
  }

  /**
   * Mutual TLS for Ratis: the node key and certificate, the CA as the only trusted certificate.
   * Ratis' server requires a client certificate when mutual TLS is on.
   */
  public GrpcTlsConfig ratis() {
    return new GrpcTlsConfig(
        identity.privateKey(), identity.certificate(), List.of(identity.caCertificate()), true);
  }

  /**
   * Sets {@link #ratis()} for all three of Ratis' gRPC roles in the {@link Parameters} handed to
   * {@code RaftServer.newBuilder().setParameters(...)} and {@code
   * RaftClient.newBuilder().setParameters(...)}: the server-to-server port ({@link
   * GrpcConfigKeys.Server#setTlsConf}), the client port ({@link GrpcConfigKeys.Client#setTlsConf})
   * and the admin port ({@link GrpcConfigKeys.Admin#setTlsConf}). The older catch-all {@code
   * GrpcConfigKeys.TLS.setConf} is deprecated in 3.2.2 and not used.
   */
  public Parameters configureRatis(Parameters parameters) {
    GrpcTlsConfig config = ratis();
    GrpcConfigKeys.Server.setTlsConf(parameters, config);
    GrpcConfigKeys.Client.setTlsConf(parameters, config);
    GrpcConfigKeys.Admin.setTlsConf(parameters, config);
    return parameters;
  }
}
