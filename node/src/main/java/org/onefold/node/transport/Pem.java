package org.onefold.node.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM text and DER bytes of certificates and PKCS#8 keys. BouncyCastle reads and writes the PEM
 * armour; the JDK parses what is inside, so keys are ordinary SunEC keys.
 */
final class Pem {
  static final String CERTIFICATE = "CERTIFICATE";
  static final String PRIVATE_KEY = "PRIVATE KEY";

  private Pem() {}

  static byte[] encode(String type, byte[] der) {
    StringWriter text = new StringWriter();
    try (PemWriter writer = new PemWriter(text)) {
      writer.writeObject(new PemObject(type, der));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write PEM to memory", e);
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The DER inside the one PEM block of {@code text}, which must be of {@code type}. */
  static byte[] decode(String type, byte[] text) throws GeneralSecurityException {
    PemObject object;
    try (PemReader reader =
        new PemReader(new StringReader(new String(text, StandardCharsets.US_ASCII)))) {
      object = reader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new GeneralSecurityException("unreadable PEM: " + e.getMessage(), e);
    }
    if (object == null) {
      throw new GeneralSecurityException("no PEM block found");
    }
    if (!object.getType().equals(type)) {
      throw new GeneralSecurityException("PEM block is " + object.getType() + ", expected " + type);
    }
    return object.getContent();
  }

  static X509Certificate certificateFromDer(byte[] der) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  static PrivateKey privateKeyFromDer(byte[] der) throws GeneralSecurityException {
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** True if {@code privateKey} signs what {@code publicKey} verifies. */
  static boolean keysMatch(PrivateKey privateKey, PublicKey publicKey) {
    byte[] probe = "onefold key pair check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(ClusterCa.SIGNATURE_ALGORITHM);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(ClusterCa.SIGNATURE_ALGORITHM);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
