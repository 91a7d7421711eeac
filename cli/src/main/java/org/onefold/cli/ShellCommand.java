package org.onefold.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code ssi shell [-v] [-T] [N]}: an interactive shell in the cluster view of node N (by default
 * the node ssi talks to), as the calling user, on a terminal of that node when ssi has one. The
 * view shows the cluster filesystem at /cluster and the shared paths (/tmp, /home, /srv) bound from
 * it, so the shell sees the same files on every node.
 *
 * <p>The shell is the caller's $SHELL if the node has it, else /bin/sh. It starts in the caller's
 * directory if the node's view has it, else in $HOME, else in /: a login would not refuse to start
 * over a missing directory, and a directory of the caller's own machine (outside the shared paths)
 * may not be there.
 */
final class ShellCommand implements Command {
  /** Enters "$1" or HOME or /, then execs the shell "$2" if executable, else /bin/sh. */
  private static final String ENTER =
      "cd -- \"$1\" 2>/dev/null || cd 2>/dev/null || cd /; "
          + "if [ -x \"$2\" ]; then exec \"$2\"; else exec /bin/sh; fi";

  private final ProgramRunner runner = new ProgramRunner();
  private int node;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Start an interactive shell in the cluster view of node N (default: this node).",
            "The shell ($SHELL, else /bin/sh) runs as you, in your directory if the node's view"
                + " has it, else in $HOME; /cluster and the shared paths (/tmp, /home, /srv) are"
                + " the cluster filesystem's, the same on every node. Its exit status is ssi's"
                + " (255 if the node went down).")
        .flag("-v", "Say on stderr which cpid the shell got.", () -> runner.verbose = true)
        .flag(
            "-T",
            "No terminal for the shell, even if ssi runs on one: commands are read from stdin.",
            () -> runner.noTerminal = true)
        .optionalParameter(
            "N",
            "The node to run on (default: the node ssi talks to).",
            value -> node = node(value));
  }

  private static int node(String value) {
    int number = Converters.integer(value);
    if (number < 1) {
      throw new UsageError("node " + number + " is not a node number (1 or more)");
    }
    return number;
  }

  @Override
  public int run(Ssi ssi) {
    String shell = ssi.console().environment().getOrDefault("SHELL", "");
    String directory = Path.of("").toAbsolutePath().toString();
    List<String> command =
        List.of(
            "/bin/sh", "-c", ENTER, "ssi-shell", directory, shell.isEmpty() ? "/bin/sh" : shell);
    return runner.run(ssi, ProgramRunner.startOf(command, "/", ssi.console()).onNode(node));
  }
}
