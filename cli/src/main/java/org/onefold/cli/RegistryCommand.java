package org.onefold.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ssi reg}: the registry, the cluster's replicated key-value store. */
@Command(
    name = "reg",
    mixinStandardHelpOptions = true,
    description = "Read, write and watch the cluster registry.",
    subcommands = {
      RegistryGetCommand.class,
      RegistryPutCommand.class,
      RegistryDeleteCommand.class,
      RegistryListCommand.class,
      RegistryWatchCommand.class
    })
final class RegistryCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing a command: get, put, del, ls or watch");
  }
}
