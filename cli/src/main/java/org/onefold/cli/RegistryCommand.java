package org.onefold.cli;

/** {@code ssi reg}: the registry, the cluster's replicated key-value store. */
final class RegistryCommand implements Command {
  @Override
  public Syntax syntax() {
    return new Syntax("Read, write and watch the cluster registry.")
        .command("get", RegistryGetCommand::new)
        .command("put", RegistryPutCommand::new)
        .command("del", RegistryDeleteCommand::new)
        .command("ls", RegistryListCommand::new)
        .command("watch", RegistryWatchCommand::new);
  }
}
