package org.onefold.node.transport;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a TLS server only if the chain it sends contains a certificate whose SHA-256 fingerprint
 * is the pinned one (the CA named in a join token), and the leaf is signed by that CA, is valid now
 * and may serve TLS. This is how a machine with no certificate yet authenticates the cluster before
 * it hands over its join secret.
 *
 * <p>Host names are not checked here: the pin already names the one CA that may speak for the
 * cluster, and its node certificates carry their host's address for the ordinary path. Serves the
 * client side only. Immutable.
 */
final class PinnedCaTrustManager extends X509ExtendedTrustManager {
  private static final String SERVER_AUTHENTICATION = "1.3.6.1.5.5.7.3.1";

  private final String pinnedFingerprint;
  private final InstantSource clock;

  PinnedCaTrustManager(String pinnedFingerprint, InstantSource clock) {
    this.pinnedFingerprint = pinnedFingerprint;
    this.clock = clock;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authenticationType)
      throws CertificateException {
    if (chain == null || chain.length < 2) {
      throw new CertificateException(
          "server sent "
              + (chain == null ? 0 : chain.length)
              + " certificates; expected its node certificate and the cluster CA");
    }
    X509Certificate ca = null;
    for (int i = 1; i < chain.length; i++) {
      if (ClusterCa.fingerprint(chain[i]).equals(pinnedFingerprint)) {
        ca = chain[i];
      }
    }
    if (ca == null) {
      throw new CertificateException(
          "server's CA does not have the fingerprint "
              + pinnedFingerprint
              + " pinned by the join token; wrong cluster or wrong token?");
    }
    Date now = Date.from(clock.instant());
    X509Certificate leaf = chain[0];
    try {
      leaf.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateException(
          "server certificate "
              + leaf.getSubjectX500Principal()
              + " is not signed by the pinned CA: "
              + e.getMessage(),
          e);
    }
    ca.checkValidity(now);
    leaf.checkValidity(now);
    List<String> purposes = leaf.getExtendedKeyUsage();
    if (purposes != null && !purposes.contains(SERVER_AUTHENTICATION)) {
      throw new CertificateException(
          "server certificate "
              + leaf.getSubjectX500Principal()
              + " may not be used by a TLS server (no serverAuth usage)");
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authenticationType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authenticationType);
  }

  @Override
  public void checkServerTrusted(
      X509Certificate[] chain, String authenticationType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authenticationType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authenticationType)
      throws CertificateException {
    throw new CertificateException("the join trust manager checks servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authenticationType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authenticationType);
  }

  @Override
  public void checkClientTrusted(
      X509Certificate[] chain, String authenticationType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authenticationType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
