package org.onefold.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.onefold.client.OnefoldClient;
import org.onefold.client.Registry.PutOptions;
import org.onefold.proto.local.PutReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ssi reg put KEY VALUE}: writes a key, optionally only at a known revision. */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = "Write a key and print the new revision.")
final class RegistryPutCommand implements Runnable {
  /**
   * The registry's cap on a value; reading stdin stops one byte past it so the daemon can refuse.
   */
  private static final int VALUE_BYTES_MAX = 1 << 20;

  @ParentCommand RegistryCommand registry;

  @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
  String key;

  @Parameters(index = "1", paramLabel = "VALUE", description = "The value; - reads it from stdin.")
  String value;

  @Option(
      names = "--if-revision",
      paramLabel = "N",
      converter = Converters.Revision.class,
      description =
          "Write only if the key was last written at revision N (0: only if it does not exist).")
  Long ifRevision;

  @Option(
      names = "--bind",
      description = "Bind the key to this node: it is deleted when the node goes down.")
  boolean bind;

  @Override
  public void run() {
    PutOptions options =
        new PutOptions(
            ifRevision == null ? OptionalLong.empty() : OptionalLong.of(ifRevision), bind);
    try (OnefoldClient client = registry.ssi.client()) {
      PutReply reply = client.registry().put(key, valueBytes(), options);
      registry.ssi.console().out().println(reply.getRevision());
    }
  }

  private byte[] valueBytes() {
    if (!value.equals("-")) {
      return value.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return registry.ssi.console().in().readNBytes(VALUE_BYTES_MAX + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the value from stdin: " + e.getMessage(), e);
    }
  }
}
