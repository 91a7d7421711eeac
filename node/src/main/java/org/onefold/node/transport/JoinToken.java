package org.onefold.node.transport;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A join token, {@code ofj1.<CA fingerprint>.<secret>}: what an operator copies from the first node
 * to a new machine. It works both ways, as kubeadm's discovery hash does:
 *
 * <ul>
 *   <li>the fingerprint (SHA-256 of the CA certificate's DER, 64 lowercase hex digits) lets the
 *       joining machine authenticate the cluster before it has any certificate;
 *   <li>the secret (128 random bits, 32 lowercase hex digits) lets the cluster authenticate the
 *       machine. The cluster keeps only {@link #secretSha256()} and compares hashes with {@link
 *       #secretHashesEqual}, in constant time.
 * </ul>
 *
 * The version prefix {@code ofj1} leaves room to change the format. {@link #toString()} hides the
 * secret so that a token never reaches a log; {@link #text()} is the full form.
 *
 * @param caFingerprint the pinned CA fingerprint, 64 lowercase hex digits
 * @param secret 32 lowercase hex digits
 */
public record JoinToken(String caFingerprint, String secret) {
  static final String PREFIX = "ofj1";
  static final int SECRET_BYTES = 16;
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SECRET = Pattern.compile("[0-9a-f]{32}");
  private static final String EXPECTED = "expected " + PREFIX + ".<64 hex>.<32 hex>";

  public JoinToken {
    Objects.requireNonNull(caFingerprint, "caFingerprint");
    Objects.requireNonNull(secret, "secret");
    if (!FINGERPRINT.matcher(caFingerprint).matches()) {
      throw new IllegalArgumentException(
          "CA fingerprint "
              + caFingerprint
              + " is not 64 lowercase hex digits (SHA-256 of the CA certificate)");
    }
    if (!SECRET.matcher(secret).matches()) {
      throw new IllegalArgumentException("join token secret is not 32 lowercase hex digits");
    }
  }

  /** A new token for the CA with {@code caFingerprint}; the secret comes from {@code random}. */
  public static JoinToken generate(String caFingerprint, SecureRandom random) {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return new JoinToken(caFingerprint, HexFormat.of().formatHex(secret));
  }

  /**
   * Reads a token as typed or pasted; surrounding white space is ignored. The message of a
   * malformed token never repeats it, since it may hold a valid secret.
   *
   * @throws IllegalArgumentException "malformed join token: expected ofj1.&lt;64 hex&gt;.&lt;32
   *     hex&gt;"
   */
  public static JoinToken parse(String text) {
    Objects.requireNonNull(text, "text");
    String[] parts = text.strip().split("\\.", -1);
    if (parts.length != 3) {
      throw malformed("it has " + parts.length + " dot-separated parts, not 3");
    }
    if (!parts[0].equals(PREFIX)) {
      throw malformed("unknown version prefix");
    }
    if (!FINGERPRINT.matcher(parts[1]).matches()) {
      throw malformed("the CA fingerprint is not 64 lowercase hex digits");
    }
    if (!SECRET.matcher(parts[2]).matches()) {
      throw malformed("the secret is not 32 lowercase hex digits");
    }
    return new JoinToken(parts[1], parts[2]);
  }

  /** The token as an operator copies it. */
  public String text() {
    return PREFIX + "." + caFingerprint + "." + secret;
  }

  /** SHA-256 of the secret's ASCII text: what the cluster stores instead of the secret. */
  public byte[] secretSha256() {
    return sha256OfSecret(secret);
  }

  /** SHA-256 of a presented secret's ASCII text, to compare with a stored hash. */
  public static byte[] sha256OfSecret(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * Compares two secret hashes in time that depends only on their length, so that a caller cannot
   * learn a stored hash byte by byte from response times.
   */
  public static boolean secretHashesEqual(byte[] expected, byte[] presented) {
    return MessageDigest.isEqual(expected, presented);
  }

  @Override
  public String toString() {
    return PREFIX + "." + caFingerprint + ".<secret hidden>";
  }

  private static IllegalArgumentException malformed(String reason) {
    return new IllegalArgumentException("malformed join token: " + EXPECTED + " (" + reason + ")");
  }
}
