package org.onefold.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.InstantSource;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.GrpcUtil;
import org.junit.jupiter.api.Test;

class RatisTlsTest {
  @Test
  void ratisBuildsMutualTlsContextsFromTheNodeIdentity() {
    ClusterCa ca = ClusterCa.create("lab", InstantSource.system(), new SecureRandom());
    KeyPair keyPair = NodeIdentity.generateKeyPair();
    NodeIdentity identity =
        new NodeIdentity(
            3,
            keyPair.getPrivate(),
            ca.issueNodeCertificate(3, "127.0.0.1", keyPair.getPublic()),
            ca.certificate());

    Parameters parameters = TlsContexts.of(identity).configureRatis(new Parameters());

    for (GrpcTlsConfig config :
        new GrpcTlsConfig[] {
          GrpcConfigKeys.Server.tlsConf(parameters),
          GrpcConfigKeys.Client.tlsConf(parameters),
          GrpcConfigKeys.Admin.tlsConf(parameters)
        }) {
      assertThat(config.isMutualTls()).isTrue();
      assertThat(GrpcUtil.buildSslContextForServer(config).isServer()).isTrue();
      assertThat(GrpcUtil.buildSslContextForClient(config).isClient()).isTrue();
    }
  }
}
