package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ssi onnode [-v] [-T] [-d [-o FILE]] N CMD [ARGS...]}: runs a program on node N as the
 * calling user, with this command's working directory, umask and environment, and its stdin, stdout
 * and stderr carried both ways. Exits with the program's status (128 + N if signal N ended it), 255
 * if its node went down. The run itself is {@link ProgramRunner}'s.
 */
final class OnnodeCommand implements Command {
  private final ProgramRunner runner = new ProgramRunner();
  private int node;
  private final List<String> command = new ArrayList<>();

  @Override
  public Syntax syntax() {
    Syntax syntax =
        new Syntax(
            "Run a program on node N as you, with your working directory, umask and environment.",
            "Its input, output and errors are carried both ways; the exit status is the program's"
                + " (128+N if signal N ended it; 127 not found, 126 not executable; 255 if node N"
                + " went down or could not be reached).");
    return runner
        .flags(syntax, "Say on stderr which cpid the program got.")
        .parameter("N", "The node to run on.", value -> node = Converters.integer(value))
        .restParameter(
            "CMD", "The program and its arguments; looked up in PATH on node N.", command::add)
        .stopOptionsAtFirstParameter();
  }

  @Override
  public int run(Ssi ssi) {
    if (node < 1) {
      throw new UsageError("node " + node + " is not a node number (1 or more)");
    }
    return runner.run(ssi, ProgramRunner.startOf(command, ssi.console()).onNode(node));
  }
}
