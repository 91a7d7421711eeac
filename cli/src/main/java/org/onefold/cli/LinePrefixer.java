package org.onefold.cli;

import java.io.ByteArrayOutputStream;

/**
 * Cuts one program's output into whole lines, each with a prefix ({@code node2: }), so that lines
 * of several programs printed together never mix. Bytes stay bytes: a line is what ends with '\n'.
 * A partial line waits for its end, up to {@link #LINE_BYTES_MAX}, past which it goes out as is.
 */
final class LinePrefixer {
  static final int LINE_BYTES_MAX = 64 * 1024;

  private final byte[] prefix;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  LinePrefixer(String prefix) {
    this.prefix = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The whole lines data completes, prefixed; keeps the rest for later. */
  byte[] feed(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : data) {
      pending.write(b);
      if (b == '\n' || pending.size() >= LINE_BYTES_MAX) {
        out.writeBytes(prefix);
        out.writeBytes(pending.toByteArray());
        if (b != '\n') {
          out.write('\n');
        }
        pending.reset();
      }
    }
    return out.toByteArray();
  }

  /** What is left, as a last line with a newline added; nothing if nothing is left. */
  byte[] finish() {
    if (pending.size() == 0) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(prefix);
    out.writeBytes(pending.toByteArray());
    out.write('\n');
    pending.reset();
    return out.toByteArray();
  }
}
