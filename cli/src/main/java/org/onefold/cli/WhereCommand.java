package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ssi where CPID}: the node a process runs on. */
@Command(
    name = "where",
    mixinStandardHelpOptions = true,
    description = "Print the number of the node the process CPID runs on.")
final class WhereCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Parameters(paramLabel = "CPID", description = "A cluster pid.")
  long cpid;

  @Override
  public void run() {
    try (OnefoldClient client = ssi.client()) {
      ssi.console().out().println(client.where(cpid));
    }
  }
}
