package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ValueFormatTest {
  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void printableUtf8IsShownAsText() {
    assertThat(ValueFormat.display(utf8("queued on node 3"))).isEqualTo("queued on node 3");
    assertThat(ValueFormat.display(utf8("Grüße, 世界"))).isEqualTo("Grüße, 世界");
    assertThat(ValueFormat.display(new byte[0])).isEmpty();
  }

  @Test
  void controlCharactersShowTheSize() {
    assertThat(ValueFormat.display(utf8("two\nlines"))).isEqualTo("<9 bytes>");
    assertThat(ValueFormat.display(utf8("tab\there"))).isEqualTo("<8 bytes>");
    assertThat(ValueFormat.display(utf8("\u001b[31mred"))).isEqualTo("<8 bytes>");
  }

  @Test
  void invalidUtf8ShowsTheSize() {
    assertThat(ValueFormat.display(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00}))
        .isEqualTo("<3 bytes>");
    assertThat(ValueFormat.display(new byte[] {(byte) 0xc3})).isEqualTo("<1 bytes>");
  }

  @Test
  void rawIsTheBytesThenANewline() {
    assertThat(ValueFormat.raw(new byte[] {(byte) 0xff, 'a'}))
        .containsExactly((byte) 0xff, 'a', '\n');
    assertThat(ValueFormat.raw(utf8("ends\n"))).containsExactly(utf8("ends\n\n"));
  }
}
