package org.onefold.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
  @TempDir Path temporary;

  private static NodeIdentity identity(ClusterCa ca, int node) {
    KeyPair keyPair = NodeIdentity.generateKeyPair();
    return new NodeIdentity(
        node,
        keyPair.getPrivate(),
        ca.issueNodeCertificate(node, "127.0.0.1", keyPair.getPublic()),
        ca.certificate());
  }

  private static ClusterCa ca() {
    return ClusterCa.create("lab", InstantSource.system(), new SecureRandom());
  }

  @Test
  void saveThenLoadGivesTheSameIdentity() throws IOException {
    NodeIdentity identity = identity(ca(), 12);
    Path directory = temporary.resolve("tls");

    identity.save(directory);
    NodeIdentity loaded = NodeIdentity.load(directory);

    assertThat(loaded.node()).isEqualTo(12);
    assertThat(loaded.certificate()).isEqualTo(identity.certificate());
    assertThat(loaded.caCertificate()).isEqualTo(identity.caCertificate());
    assertThat(loaded.privateKey().getEncoded()).isEqualTo(identity.privateKey().getEncoded());
    assertThat(Files.readString(directory.resolve("node.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.readString(directory.resolve("node.crt")))
        .startsWith("-----BEGIN CERTIFICATE-----");
    try (var listing = Files.list(directory)) {
      assertThat(listing.map(path -> path.getFileName().toString()))
          .containsExactlyInAnyOrder("ca.crt", "node.crt", "node.key");
    }
  }

  @Test
  void keyFileIsOwnerOnlyAndSaveReplacesFiles() throws IOException {
    ClusterCa ca = ca();
    Path directory = temporary.resolve("tls");
    identity(ca, 3).save(directory);

    identity(ca, 4).save(directory);

    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(directory.resolve("node.key"))))
        .isEqualTo("rw-------");
    assertThat(NodeIdentity.load(directory).node()).isEqualTo(4);
  }

  @Test
  void corruptCertificateIsNamedInOneLine() throws IOException {
    Path directory = temporary.resolve("tls");
    identity(ca(), 5).save(directory);
    Path certificate = directory.resolve("node.crt");
    Files.writeString(
        certificate, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> NodeIdentity.load(directory))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("corrupt certificate in " + certificate + ": ")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void garbageKeyAndMissingFilesAreNamed() throws IOException {
    Path directory = temporary.resolve("tls");
    identity(ca(), 5).save(directory);
    Path key = directory.resolve("node.key");
    Files.write(key, "not a key".getBytes(StandardCharsets.US_ASCII));

    assertThatThrownBy(() -> NodeIdentity.load(directory))
        .hasMessage("corrupt private key in " + key + ": no PEM block found");
    Files.delete(key);
    assertThatThrownBy(() -> NodeIdentity.load(directory))
        .hasMessage("missing key file " + key + "; has this machine joined a cluster?");
  }

  @Test
  void keyOfAnotherNodeIsReported() throws IOException {
    ClusterCa ca = ca();
    Path first = temporary.resolve("first");
    Path second = temporary.resolve("second");
    identity(ca, 1).save(first);
    identity(ca, 2).save(second);
    Files.copy(
        second.resolve("node.key"),
        first.resolve("node.key"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> NodeIdentity.load(first))
        .hasMessageContaining("does not match the certificate");
  }

  @Test
  void nodeNumberComesFromTheCommonName() throws CertificateException {
    assertThat(NodeIdentity.nodeNumberOf(identity(ca(), 32767).certificate())).isEqualTo(32767);
    assertThatThrownBy(() -> NodeIdentity.nodeNumberOf(ca().certificate()))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("CN=Onefold cluster lab is not node-N");
  }
}
