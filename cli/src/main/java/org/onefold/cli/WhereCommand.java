package org.onefold.cli;

import org.onefold.client.OnefoldClient;

/** {@code ssi where CPID}: the node a process runs on. */
final class WhereCommand implements Command {
  private long cpid;

  @Override
  public Syntax syntax() {
    return new Syntax("Print the number of the node the process CPID runs on.")
        .parameter("CPID", "A cluster pid.", value -> cpid = Converters.longInteger(value));
  }

  @Override
  public int run(Ssi ssi) {
    try (OnefoldClient client = ssi.client()) {
      ssi.console().out().println(client.where(cpid));
    }
    return 0;
  }
}
