package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ssi run [-v] [-T] [-d [-o FILE]] CMD [ARGS...]}: {@code ssi onnode} on the node the
 * cluster chooses by load, the less loaded of two up nodes drawn at random; {@code -v} says which
 * and why.
 */
final class RunCommand implements Command {
  private final ProgramRunner runner = new ProgramRunner();
  private final List<String> command = new ArrayList<>();

  @Override
  public Syntax syntax() {
    Syntax syntax =
        new Syntax(
            "Run a program on the node the cluster chooses by load, as you, with your working"
                + " directory, umask and environment.",
            "The node is the less loaded of two up nodes drawn at random (runnable work per CPU,"
                + " from the load each node sends with its heartbeats). Otherwise as 'ssi"
                + " onnode'.");
    return runner
        .flags(syntax, "Say on stderr which node was chosen and why, and the program's cpid.")
        .restParameter(
            "CMD", "The program and its arguments; looked up in PATH there.", command::add)
        .stopOptionsAtFirstParameter();
  }

  @Override
  public int run(Ssi ssi) {
    return runner.run(ssi, ProgramRunner.startOf(command, ssi.console()).onChosenNode());
  }
}
