package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import org.onefold.client.Registry;
import org.onefold.proto.local.DeleteReply;

/** {@code ssi reg del KEY}: deletes a key, or every key under a prefix. */
final class RegistryDeleteCommand implements Command {
  private String key;
  private boolean prefix;

  /** Null to delete whatever the key's revision. */
  private Long ifRevision;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Delete a key (or, with --prefix, every key under it) and print how many were"
                + " deleted.")
        .parameter("KEY", "The key, or the prefix with --prefix.", value -> key = value)
        .flag("--prefix", "Delete every key that starts with KEY.", () -> prefix = true)
        .option(
            "--if-revision",
            "N",
            "Delete only if the key was last written at revision N.",
            value -> ifRevision = Converters.revision(value));
  }

  @Override
  public int run(Ssi ssi) {
    if (prefix && ifRevision != null) {
      throw new UsageError("--prefix and --if-revision cannot be used together");
    }
    try (OnefoldClient client = ssi.client()) {
      Registry keys = client.registry();
      DeleteReply reply =
          prefix
              ? keys.deletePrefix(key)
              : ifRevision != null ? keys.deleteIfModRevision(key, ifRevision) : keys.delete(key);
      ssi.console().out().println(reply.getDeleted());
    }
    return 0;
  }
}
