package org.onefold.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.onefold.client.OnefoldClient;
import org.onefold.client.Registry.PutOptions;
import org.onefold.proto.local.PutReply;

/** {@code ssi reg put KEY VALUE}: writes a key, optionally only at a known revision. */
final class RegistryPutCommand implements Command {
  /**
   * The registry's cap on a value; reading stdin stops one byte past it so the daemon can refuse.
   */
  private static final int VALUE_BYTES_MAX = 1 << 20;

  private String key;
  private String value;

  /** Null to write whatever the key's revision. */
  private Long ifRevision;

  private boolean bind;

  @Override
  public Syntax syntax() {
    return new Syntax("Write a key and print the new revision.")
        .parameter("KEY", "The key.", word -> key = word)
        .parameter("VALUE", "The value; - reads it from stdin.", word -> value = word)
        .option(
            "--if-revision",
            "N",
            "Write only if the key was last written at revision N (0: only if it does not"
                + " exist).",
            word -> ifRevision = Converters.revision(word))
        .flag(
            "--bind",
            "Bind the key to this node: it is deleted when the node goes down.",
            () -> bind = true);
  }

  @Override
  public int run(Ssi ssi) {
    PutOptions options =
        new PutOptions(
            ifRevision == null ? OptionalLong.empty() : OptionalLong.of(ifRevision), bind);
    try (OnefoldClient client = ssi.client()) {
      PutReply reply = client.registry().put(key, valueBytes(ssi.console()), options);
      ssi.console().out().println(reply.getRevision());
    }
    return 0;
  }

  private byte[] valueBytes(Console console) {
    if (!value.equals("-")) {
      return value.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return console.in().readNBytes(VALUE_BYTES_MAX + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the value from stdin: " + e.getMessage(), e);
    }
  }
}
