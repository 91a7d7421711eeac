package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LinePrefixerTest {
  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void whole_lines_go_out_prefixed_and_a_partial_one_waits_for_its_end() {
    LinePrefixer lines = new LinePrefixer("node2: ");
    assertThat(text(lines.feed(bytes("one\ntw")))).isEqualTo("node2: one\n");
    assertThat(text(lines.feed(bytes("o\nthree")))).isEqualTo("node2: two\n");
    assertThat(text(lines.finish())).isEqualTo("node2: three\n");
    assertThat(lines.finish()).isEmpty();
  }

  @Test
  void a_line_past_the_limit_goes_out_in_pieces() {
    LinePrefixer lines = new LinePrefixer("n: ");
    byte[] long_ = new byte[LinePrefixer.LINE_BYTES_MAX + 10];
    java.util.Arrays.fill(long_, (byte) 'x');
    String out = text(lines.feed(long_));
    assertThat(out).startsWith("n: xxx").endsWith("x\n");
    assertThat(out.length()).isEqualTo(3 + LinePrefixer.LINE_BYTES_MAX + 1);
    assertThat(text(lines.finish())).isEqualTo("n: " + "x".repeat(10) + "\n");
  }
}
