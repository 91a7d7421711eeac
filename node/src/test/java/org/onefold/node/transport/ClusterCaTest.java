package org.onefold.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterCaTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final InstantSource CLOCK = InstantSource.fixed(NOW);

  @Test
  void issuedNodeCertificateChainsToTheCa() throws Exception {
    ClusterCa ca = ClusterCa.create("lab", CLOCK, new SecureRandom());
    KeyPair keyPair = NodeIdentity.generateKeyPair();

    X509Certificate node = ca.issueNodeCertificate(7, "198.18.0.7", keyPair.getPublic());

    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(NOW));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(node)), parameters);
    assertThat(NodeIdentity.nodeNumberOf(node)).isEqualTo(7);
    assertThat(node.getSubjectAlternativeNames()).containsExactly(List.of(7, "198.18.0.7"));
    assertThat(node.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(node.getBasicConstraints()).isEqualTo(-1);
    assertThat(node.getPublicKey()).isEqualTo(keyPair.getPublic());
    assertThat(node.getNotAfter().toInstant()).isEqualTo(NOW.plus(ClusterCa.NODE_VALIDITY));
  }

  @Test
  void caCertificateIsSelfSignedCaWithKeyCertSign() throws Exception {
    ClusterCa ca = ClusterCa.create("lab", CLOCK, new SecureRandom());
    X509Certificate certificate = ca.certificate();

    certificate.verify(certificate.getPublicKey());
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=Onefold cluster lab");
    assertThat(certificate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(certificate.getNotAfter().toInstant()).isAfter(NOW.plusSeconds(20L * 365 * 86400));
  }

  @Test
  void fingerprintAndIssuingSurviveDerRoundTrip() throws Exception {
    ClusterCa ca = ClusterCa.create("lab", CLOCK, new SecureRandom());

    ClusterCa restored =
        ClusterCa.fromDer(ca.certificateDer(), ca.privateKeyDer(), CLOCK, new SecureRandom());

    assertThat(restored.fingerprint()).isEqualTo(ca.fingerprint()).matches("[0-9a-f]{64}");
    X509Certificate node =
        restored.issueNodeCertificate(2, "::1", NodeIdentity.generateKeyPair().getPublic());
    node.verify(ca.certificate().getPublicKey());
  }

  @Test
  void fromDerRefusesAKeyOfAnotherCa() throws Exception {
    ClusterCa ca = ClusterCa.create("lab", CLOCK, new SecureRandom());
    ClusterCa other = ClusterCa.create("other", CLOCK, new SecureRandom());

    assertThatThrownBy(
            () ->
                ClusterCa.fromDer(
                    ca.certificateDer(), other.privateKeyDer(), CLOCK, new SecureRandom()))
        .hasMessageContaining("does not match");
  }

  @Test
  void refusesNodeNumbersOutOfRangeAndHostNames() {
    ClusterCa ca = ClusterCa.create("lab", CLOCK, new SecureRandom());
    var key = NodeIdentity.generateKeyPair().getPublic();

    assertThatThrownBy(() -> ca.issueNodeCertificate(0, "127.0.0.1", key))
        .hasMessage("node 0 out of range 1..32767");
    assertThatThrownBy(() -> ca.issueNodeCertificate(32768, "127.0.0.1", key))
        .hasMessage("node 32768 out of range 1..32767");
    assertThatThrownBy(() -> ca.issueNodeCertificate(1, "node1.lab", key))
        .hasMessageStartingWith("host address node1.lab is not an IPv4 or IPv6 literal");
    assertThat(ca.issueNodeCertificate(32767, "127.0.0.1", key)).isNotNull();
  }
}
