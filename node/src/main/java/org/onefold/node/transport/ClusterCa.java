package org.onefold.node.transport;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The per-cluster certificate authority: one EC P-256 key and a self-signed certificate, made by
 * the node that bootstraps the cluster, that signs every node certificate.
 *
 * <p>There is no intermediate and no revocation list. Trust is flat on purpose: a node trusts
 * exactly this CA, and whether a node number may still speak is decided by the membership table in
 * the meta group (a removed node is refused there), not by the certificate. BouncyCastle only
 * builds the certificates; keys, signatures and parsing use the JDK providers so that no security
 * provider needs to be installed.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class ClusterCa {
  /** The CA outlives any machine in the cluster; replacing it means re-issuing everything. */
  static final Duration CA_VALIDITY = Duration.ofDays(20 * 365 + 5);

  /**
   * Two years: long enough that a cluster runs without a rotation mechanism (none is built yet; a
   * node renews by joining again), short enough that the key of a machine that was thrown away
   * stops working on its own. Revocation proper is the node table, not expiry.
   */
  static final Duration NODE_VALIDITY = Duration.ofDays(2 * 365);

  /** Certificates start an hour in the past so that a peer whose clock is behind accepts them. */
  static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofHours(1);

  static final int NODE_MIN = 1;
  static final int NODE_MAX = 32767;
  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final InstantSource clock;
  private final SecureRandom random;

  private ClusterCa(
      X509Certificate certificate,
      PrivateKey privateKey,
      InstantSource clock,
      SecureRandom random) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.clock = clock;
    this.random = random;
  }

  /** Makes a new CA for the cluster named {@code clusterId}, valid from now for 20 years. */
  public static ClusterCa create(String clusterId, InstantSource clock, SecureRandom random) {
    Objects.requireNonNull(clusterId, "clusterId");
    if (clusterId.isBlank()) {
      throw new IllegalArgumentException("cluster id is blank; expected a non-empty name");
    }
    KeyPair keyPair = NodeIdentity.generateKeyPair();
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.CN, "Onefold cluster " + clusterId)
            .build();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serialNumber(random),
                  Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)),
                  Date.from(now.plus(CA_VALIDITY)),
                  subject,
                  keyPair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
      X509Certificate certificate = sign(builder, keyPair.getPrivate());
      return new ClusterCa(certificate, keyPair.getPrivate(), clock, random);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create cluster CA: " + e.getMessage(), e);
    }
  }

  /**
   * Rebuilds a CA from {@link #certificateDer()} and {@link #privateKeyDer()}.
   *
   * @throws CertificateException if either encoding is corrupt or the key is not the CA's
   */
  public static ClusterCa fromDer(
      byte[] certificateDer, byte[] privateKeyDer, InstantSource clock, SecureRandom random)
      throws CertificateException {
    X509Certificate certificate = Pem.certificateFromDer(certificateDer);
    PrivateKey privateKey;
    try {
      privateKey = Pem.privateKeyFromDer(privateKeyDer);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("corrupt CA private key: " + e.getMessage(), e);
    }
    if (!Pem.keysMatch(privateKey, certificate.getPublicKey())) {
      throw new CertificateException("CA private key does not match the CA certificate");
    }
    return new ClusterCa(certificate, privateKey, clock, random);
  }

  /**
   * Issues the certificate of node {@code node} on the host at {@code hostIp}: subject CN=node-N, a
   * SAN IP address so that peers can verify it by address, usable by both TLS server and client,
   * valid from now for {@link #NODE_VALIDITY}.
   */
  public X509Certificate issueNodeCertificate(int node, String hostIp, PublicKey key) {
    if (node < NODE_MIN || node > NODE_MAX) {
      throw new IllegalArgumentException(
          "node " + node + " out of range " + NODE_MIN + ".." + NODE_MAX);
    }
    Objects.requireNonNull(key, "key");
    if (hostIp == null || !IPAddress.isValid(hostIp)) {
      throw new IllegalArgumentException(
          "host address "
              + hostIp
              + " is not an IPv4 or IPv6 literal; a node"
              + " certificate names its host by address");
    }
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.CN, NodeIdentity.COMMON_NAME_PREFIX + node)
            .build();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serialNumber(random),
                  Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)),
                  Date.from(now.plus(NODE_VALIDITY)),
                  subject,
                  key)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(new GeneralName(GeneralName.iPAddress, hostIp)))
              .addExtension(
                  Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(certificate));
      return sign(builder, privateKey);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException(
          "cannot issue certificate for node " + node + ": " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA certificate, DER-encoded. */
  public byte[] certificateDer() {
    try {
      return certificate.getEncoded();
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode CA certificate", e);
    }
  }

  /** The CA private key, PKCS#8 DER. Whoever holds it can mint node certificates. */
  public byte[] privateKeyDer() {
    return privateKey.getEncoded();
  }

  /** SHA-256 of the CA certificate's DER, lowercase hex: what a join token pins. */
  public String fingerprint() {
    return fingerprint(certificate);
  }

  /** SHA-256 of {@code certificate}'s DER, lowercase hex. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot fingerprint certificate", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws CertificateException {
    try {
      ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    } catch (OperatorCreationException e) {
      throw new CertificateException("cannot sign certificate: " + e.getMessage(), e);
    }
  }

  /** A random positive 127-bit serial; RFC 5280 allows up to 20 octets. */
  private static BigInteger serialNumber(SecureRandom random) {
    return new BigInteger(127, random).setBit(126);
  }
}
