package org.onefold.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
  private static final String FINGERPRINT = "0123456789abcdef".repeat(4);

  @Test
  void generatedTokenParsesBack() {
    JoinToken token = JoinToken.generate(FINGERPRINT, new SecureRandom());

    assertThat(token.text()).matches("ofj1\\.[0-9a-f]{64}\\.[0-9a-f]{32}");
    assertThat(JoinToken.parse(token.text())).isEqualTo(token);
    assertThat(JoinToken.parse("  " + token.text() + "\n")).isEqualTo(token);
    assertThat(token.caFingerprint()).isEqualTo(FINGERPRINT);
  }

  @Test
  void twoTokensHaveDifferentSecrets() {
    SecureRandom random = new SecureRandom();
    assertThat(JoinToken.generate(FINGERPRINT, random).secret())
        .isNotEqualTo(JoinToken.generate(FINGERPRINT, random).secret());
  }

  @Test
  void malformedTokensAreRefusedWithoutEchoingThem() {
    String secret = "ab".repeat(16);
    for (String text :
        new String[] {
          "",
          "ofj1",
          "ofj2." + FINGERPRINT + "." + secret,
          "ofj1." + FINGERPRINT,
          "ofj1." + FINGERPRINT.substring(1) + "." + secret,
          "ofj1." + FINGERPRINT.toUpperCase() + "." + secret,
          "ofj1." + FINGERPRINT + "." + secret + "0",
          "ofj1." + FINGERPRINT + "." + secret + "."
        }) {
      assertThatThrownBy(() -> JoinToken.parse(text))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("malformed join token: expected ofj1.<64 hex>.<32 hex>")
          .message()
          .doesNotContain(secret);
    }
  }

  @Test
  void toStringHidesTheSecret() {
    JoinToken token = JoinToken.generate(FINGERPRINT, new SecureRandom());
    assertThat(token.toString()).doesNotContain(token.secret()).contains(FINGERPRINT);
  }

  @Test
  void secretHashesCompareOnlyEqualForTheSameSecret() {
    JoinToken token = JoinToken.generate(FINGERPRINT, new SecureRandom());

    assertThat(token.secretSha256()).hasSize(32);
    assertThat(
            JoinToken.secretHashesEqual(
                token.secretSha256(), JoinToken.sha256OfSecret(token.secret())))
        .isTrue();
    assertThat(
            JoinToken.secretHashesEqual(
                token.secretSha256(), JoinToken.sha256OfSecret("00".repeat(16))))
        .isFalse();
  }
}
