package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import org.onefold.client.Registry;
import org.onefold.proto.local.DeleteReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ssi reg del KEY}: deletes a key, or every key under a prefix. */
@Command(
    name = "del",
    mixinStandardHelpOptions = true,
    description =
        "Delete a key (or, with --prefix, every key under it) and print how many were deleted.")
final class RegistryDeleteCommand implements Runnable {
  @ParentCommand RegistryCommand registry;

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "KEY",
      description = "The key, or the prefix with --prefix.")
  String key;

  @Option(names = "--prefix", description = "Delete every key that starts with KEY.")
  boolean prefix;

  @Option(
      names = "--if-revision",
      paramLabel = "N",
      converter = Converters.Revision.class,
      description = "Delete only if the key was last written at revision N.")
  Long ifRevision;

  @Override
  public void run() {
    if (prefix && ifRevision != null) {
      throw new ParameterException(
          spec.commandLine(), "--prefix and --if-revision cannot be used together");
    }
    try (OnefoldClient client = registry.ssi.client()) {
      Registry keys = client.registry();
      DeleteReply reply =
          prefix
              ? keys.deletePrefix(key)
              : ifRevision != null ? keys.deleteIfModRevision(key, ifRevision) : keys.delete(key);
      registry.ssi.console().out().println(reply.getDeleted());
    }
  }
}
