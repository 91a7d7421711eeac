package org.onefold.node.transport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.onefold.node.storage.AtomicFiles;

/**
 * What a node proves itself with: its number, its private key, its certificate and the cluster CA's
 * certificate, kept in the node's state directory as three files: {@code ca.crt}, {@code node.crt}
 * (PEM) and {@code node.key} (PKCS#8 PEM, mode 0600).
 *
 * <p>Each file is replaced atomically (temporary file, fsync, rename, fsync of the directory), and
 * the key file is created 0600 so that its content is never readable by others, not even for an
 * instant. The three renames are not one transaction: a crash between them leaves a key and
 * certificate that do not match, which {@link #load} reports.
 *
 * @param node the node number, 1..32767, as named by the certificate's CN=node-N
 * @param privateKey the node's EC P-256 private key
 * @param certificate the node certificate, issued by {@code caCertificate}
 * @param caCertificate the cluster CA certificate, the only one a node trusts
 */
public record NodeIdentity(
    int node, PrivateKey privateKey, X509Certificate certificate, X509Certificate caCertificate) {
  public static final String CA_CERTIFICATE_FILE = "ca.crt";
  public static final String NODE_CERTIFICATE_FILE = "node.crt";
  public static final String NODE_KEY_FILE = "node.key";
  static final String COMMON_NAME_PREFIX = "node-";

  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIRECTORY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  public NodeIdentity {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(caCertificate, "caCertificate");
    int named;
    try {
      named = nodeNumberOf(certificate);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (named != node) {
      throw new IllegalArgumentException(
          "node " + node + " does not match certificate subject CN=node-" + named);
    }
  }

  /** A fresh EC P-256 key pair from the JDK's default SecureRandom. */
  public static KeyPair generateKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no EC P-256 key generator", e);
    }
  }

  /**
   * The node number N of a certificate whose subject holds exactly one CN, of the form node-N with
   * N in 1..32767.
   */
  public static int nodeNumberOf(X509Certificate certificate) throws CertificateException {
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    RDN[] commonNames = subject.getRDNs(BCStyle.CN);
    if (commonNames.length != 1 || commonNames[0].isMultiValued()) {
      throw new CertificateException(
          "certificate subject " + subject + " has no single CN; expected CN=node-N");
    }
    ASN1Encodable value = commonNames[0].getFirst().getValue();
    String commonName = IETFUtils.valueToString(value);
    String digits =
        commonName.startsWith(COMMON_NAME_PREFIX)
            ? commonName.substring(COMMON_NAME_PREFIX.length())
            : "";
    if (digits.isEmpty()
        || digits.length() > 5
        || !digits.chars().allMatch(Character::isDigit)
        || digits.startsWith("0")) {
      throw new CertificateException(
          "certificate subject CN="
              + commonName
              + " is not node-N with N in "
              + ClusterCa.NODE_MIN
              + ".."
              + ClusterCa.NODE_MAX);
    }
    int node = Integer.parseInt(digits);
    if (node > ClusterCa.NODE_MAX) {
      throw new CertificateException(
          "certificate subject CN="
              + commonName
              + " names node "
              + node
              + ", above "
              + ClusterCa.NODE_MAX);
    }
    return node;
  }

  /** Writes the three files into {@code directory}, creating it (mode 0700) if absent. */
  public void save(Path directory) throws IOException {
    Files.createDirectories(directory, OWNER_ONLY_DIRECTORY);
    try {
      AtomicFiles.write(
          directory.resolve(CA_CERTIFICATE_FILE),
          Pem.encode(Pem.CERTIFICATE, caCertificate.getEncoded()),
          AtomicFiles.WORLD_READABLE);
      AtomicFiles.write(
          directory.resolve(NODE_KEY_FILE),
          Pem.encode(Pem.PRIVATE_KEY, privateKey.getEncoded()),
          AtomicFiles.OWNER_ONLY);
      AtomicFiles.write(
          directory.resolve(NODE_CERTIFICATE_FILE),
          Pem.encode(Pem.CERTIFICATE, certificate.getEncoded()),
          AtomicFiles.WORLD_READABLE);
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode certificate of node " + node, e);
    }
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /**
   * Reads what {@link #save} wrote. Every failure is an IOException with a one-line message that
   * names the file, e.g. "corrupt certificate in /var/lib/onefold/tls/node.crt: ...".
   */
  public static NodeIdentity load(Path directory) throws IOException {
    Path caFile = directory.resolve(CA_CERTIFICATE_FILE);
    Path certificateFile = directory.resolve(NODE_CERTIFICATE_FILE);
    Path keyFile = directory.resolve(NODE_KEY_FILE);
    X509Certificate caCertificate = readCertificate(caFile);
    X509Certificate certificate = readCertificate(certificateFile);
    PrivateKey privateKey;
    try {
      privateKey = Pem.privateKeyFromDer(Pem.decode(Pem.PRIVATE_KEY, read(keyFile, "key")));
    } catch (GeneralSecurityException e) {
      throw new IOException("corrupt private key in " + keyFile + ": " + e.getMessage(), e);
    }
    int node;
    try {
      node = nodeNumberOf(certificate);
    } catch (CertificateException e) {
      throw new IOException("corrupt certificate in " + certificateFile + ": " + e.getMessage(), e);
    }
    try {
      certificate.verify(caCertificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "certificate in "
              + certificateFile
              + " is not signed by the CA in "
              + caFile
              + " ("
              + e.getMessage()
              + "); was the node re-joined halfway?",
          e);
    }
    if (!Pem.keysMatch(privateKey, certificate.getPublicKey())) {
      throw new IOException(
          "private key in "
              + keyFile
              + " does not match the certificate in "
              + certificateFile
              + "; was the node re-joined halfway?");
    }
    return new NodeIdentity(node, privateKey, certificate, caCertificate);
  }

  /** The certificate chain a node presents as a TLS server: its own, then the CA's. */
  public List<X509Certificate> certificateChain() {
    return List.of(certificate, caCertificate);
  }

  /** Leaves the private key out. */
  @Override
  public String toString() {
    return "NodeIdentity[node="
        + node
        + ", certificate serial="
        + certificate.getSerialNumber().toString(16)
        + ", CA fingerprint="
        + ClusterCa.fingerprint(caCertificate)
        + "]";
  }

  private static X509Certificate readCertificate(Path file) throws IOException {
    try {
      return Pem.certificateFromDer(Pem.decode(Pem.CERTIFICATE, read(file, "certificate")));
    } catch (GeneralSecurityException e) {
      throw new IOException("corrupt certificate in " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] read(Path file, String what) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException(
          "missing " + what + " file " + file + "; has this machine joined a cluster?", e);
    }
  }
}
