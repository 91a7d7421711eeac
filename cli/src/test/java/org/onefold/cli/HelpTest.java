package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The help printer: layout, wrapping, and what each kind of option and parameter looks like. */
class HelpTest {
  private static final class Sub implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax(
          "A subcommand whose summary is long enough that the help wraps it at eighty columns.");
    }
  }

  @Test
  void aCommandWithParametersAndOptions() {
    Syntax syntax =
        new Syntax("Run a program.", "The rest of the line is the program's.")
            .flag("-a, --all", "Every one.", () -> {})
            .option("-s", "SIG", "The signal.", value -> {})
            .option("--dir", "D", "The directory.", value -> {})
            .parameter("N", "The node.", value -> {})
            .optionalParameter("CMD", "The program.", value -> {});
    List<Syntax.Option> inherited =
        new Syntax("Top.")
            .inheritedOption("--socket", "PATH", "The socket.", value -> {})
            .options();

    assertThat(Help.text("ssi run", syntax, inherited))
        .isEqualTo(
            """
            Usage: ssi run [OPTIONS] N [CMD]
            Run a program.
            The rest of the line is the program's.

            Parameters:
              N                  The node.
              [CMD]              The program.

            Options:
              -a, --all          Every one.
              -s SIG             The signal.
                  --dir=D        The directory.
                  --socket=PATH  The socket.
              -h, --help         Show this help message and exit.
              -V, --version      Print version information and exit.
            """);
  }

  @Test
  void aGroupListsItsCommandsWrappedInTheirColumn() {
    Syntax syntax = new Syntax("A group.").command("sub", Sub::new).footer("A footer line.");
    String help = Help.text("ssi group", syntax, List.of());
    assertThat(help)
        .startsWith("Usage: ssi group [OPTIONS] COMMAND\nA group.\n")
        .contains(
            """
            Commands:
              sub  A subcommand whose summary is long enough that the help wraps it at
                   eighty columns.

            A footer line.
            """);
    assertThat(help.lines()).allMatch(line -> line.length() <= Help.WIDTH);
  }

  @Test
  void restParameterShowsItTakesMore() {
    Syntax syntax = new Syntax("Kill.").restParameter("CPID", "Targets.", value -> {});
    assertThat(Help.text("ssi kill", syntax, List.of()))
        .startsWith("Usage: ssi kill [OPTIONS] CPID...\n")
        .contains("  CPID...        Targets.\n");
  }
}
