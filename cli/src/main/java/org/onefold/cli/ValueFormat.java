package org.onefold.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * How a registry value is shown in a listing: as text when it is valid UTF-8 without control
 * characters (so that one entry stays on one line and cannot steer the terminal), else as its size,
 * {@code <N bytes>}.
 */
final class ValueFormat {
  private ValueFormat() {}

  static String display(byte[] value) {
    return printableText(value).orElse("<" + value.length + " bytes>");
  }

  /** The value as text, if it is valid UTF-8 with no control characters. */
  static Optional<String> printableText(byte[] value) {
    Optional<String> text = utf8(value);
    if (text.isEmpty()) {
      return text;
    }
    String decoded = text.get();
    for (int index = 0; index < decoded.length(); index++) {
      char character = decoded.charAt(index);
      if (Character.isISOControl(character)) {
        return Optional.empty();
      }
    }
    return text;
  }

  /** The value decoded as UTF-8, if it is valid UTF-8. */
  static Optional<String> utf8(byte[] value) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** What {@code reg get} prints: the value's bytes exactly, then a newline. */
  static byte[] raw(byte[] value) {
    byte[] line = new byte[value.length + 1];
    System.arraycopy(value, 0, line, 0, value.length);
    line[value.length] = '\n';
    return line;
  }
}
