package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The command-line parser on its own, with small commands made for the test: each rule of {@link
 * Parser} as an input line and what the commands received, or the usage error.
 */
class ParserTest {
  /** What the test commands received, in order. */
  private final List<String> received = new ArrayList<>();

  /** The top: an inherited --socket and a few commands. */
  private final class Top implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("The top.")
          .inheritedOption(
              "--socket", "PATH", "The socket.", value -> received.add("socket=" + value))
          .command("put", Put::new)
          .command("run", Run::new)
          .command("kill", Kill::new)
          .command("group", Group::new);
    }
  }

  /** put KEY VALUE [--bind] [--if-revision N] [-n N]. */
  private final class Put implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("Put.")
          .parameter("KEY", "The key.", value -> received.add("key=" + value))
          .parameter("VALUE", "The value.", value -> received.add("value=" + value))
          .flag("--bind", "Bind.", () -> received.add("bind"))
          .option(
              "--if-revision",
              "N",
              "Revision.",
              value -> received.add("revision=" + Converters.revision(value)))
          .option("-n", "N", "A number.", value -> received.add("n=" + Converters.integer(value)));
    }

    @Override
    public int run(Ssi ssi) {
      return 0;
    }
  }

  /** run [-v] N CMD...: the rest of the line after N is the program's. */
  private final class Run implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("Run.")
          .flag("-v", "Verbose.", () -> received.add("verbose"))
          .flag("-T", "No terminal.", () -> received.add("no-terminal"))
          .parameter("N", "The node.", value -> received.add("node=" + Converters.integer(value)))
          .restParameter("CMD", "The program.", value -> received.add("cmd=" + value))
          .stopOptionsAtFirstParameter();
    }

    @Override
    public int run(Ssi ssi) {
      return 0;
    }
  }

  /** kill [-s SIG] CPID...: -9, -KILL and -PGID are parameters. */
  private final class Kill implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("Kill.")
          .option("-s", "SIG", "The signal.", value -> received.add("signal=" + value))
          .restParameter("CPID", "Targets.", value -> received.add("target=" + value))
          .dashWordsAreParameters();
    }

    @Override
    public int run(Ssi ssi) {
      return 0;
    }
  }

  /** group ls [PREFIX]. */
  private final class Group implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("A group.").command("ls", Ls::new);
    }
  }

  /** ls [PREFIX]. */
  private final class Ls implements Command {
    @Override
    public Syntax syntax() {
      return new Syntax("List.")
          .optionalParameter("PREFIX", "The prefix.", value -> received.add("prefix=" + value));
    }

    @Override
    public int run(Ssi ssi) {
      return 0;
    }
  }

  private Parser parser;

  private List<String> parse(String... words) {
    parser = new Parser();
    parser.parse(new Top(), words);
    return received;
  }

  private void assertUsageError(String message, String... words) {
    parser = new Parser();
    assertThatThrownBy(() -> parser.parse(new Top(), words))
        .isInstanceOf(UsageError.class)
        .hasMessage(message);
  }

  @Test
  void parametersAndOptionsMayBeMixed() {
    assertThat(parse("put", "k", "--bind", "v", "--if-revision", "3"))
        .containsExactly("key=k", "bind", "value=v", "revision=3");
    assertThat(parser.commandName()).isEqualTo("ssi put");
  }

  @Test
  void aValueMayFollowAnEqualsSignOrTouchAShortName() {
    assertThat(parse("put", "--if-revision=4", "-n7", "k", "v"))
        .containsExactly("revision=4", "n=7", "key=k", "value=v");
  }

  @Test
  void doubleDashEndsOptions() {
    assertThat(parse("put", "--", "--bind", "-")).containsExactly("key=--bind", "value=-");
  }

  @Test
  void inheritedOptionGoesBeforeOrAfterTheCommand() {
    assertThat(parse("--socket", "/a", "group", "ls")).containsExactly("socket=/a");
    received.clear();
    assertThat(parse("group", "ls", "x", "--socket=/b")).containsExactly("prefix=x", "socket=/b");
    assertThat(parser.commandName()).isEqualTo("ssi group ls");
  }

  @Test
  void afterTheFirstParameterTheRestIsTheProgramsOptionsIncluded() {
    assertThat(parse("run", "-v", "2", "ls", "-l", "--socket", "x", "--"))
        .containsExactly(
            "verbose", "node=2", "cmd=ls", "cmd=-l", "cmd=--socket", "cmd=x", "cmd=--");
  }

  @Test
  void flagsAreNotBundled() {
    assertUsageError("unknown option '-vT'", "run", "-vT", "2", "true");
  }

  @Test
  void negativeNumbersAndSignalsAreParametersOfKill() {
    assertThat(parse("kill", "-9", "131073", "-KILL", "--", "-131073"))
        .containsExactly("target=-9", "target=131073", "target=-KILL", "target=-131073");
    received.clear();
    assertThat(parse("kill", "-s", "KILL", "131073"))
        .containsExactly("signal=KILL", "target=131073");
  }

  @Test
  void aLongWordThatIsNoOptionIsStillAnErrorForKill() {
    assertUsageError("unknown option '--bogus'", "kill", "--bogus", "1");
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertUsageError("unknown option '--bogus'", "put", "k", "v", "--bogus");
    assertUsageError("unknown option '-9'", "put", "k", "-9");
  }

  @Test
  void optionWithoutItsValueIsAUsageError() {
    assertUsageError("option '--if-revision' needs a value (N)", "put", "k", "v", "--if-revision");
    assertUsageError("option '--if-revision' needs a value (N)", "put", "--if-revision", "--bind");
  }

  @Test
  void flagWithAValueIsAUsageError() {
    assertUsageError("option '--bind' takes no value", "put", "k", "v", "--bind=yes");
  }

  @Test
  void optionGivenTwiceIsAUsageError() {
    assertUsageError(
        "option '--bind' is given more than once", "put", "--bind", "k", "v", "--bind");
  }

  @Test
  void badValueNamesTheOptionOrParameter() {
    assertUsageError(
        "invalid value for option '--if-revision': '-1' is not a revision (a whole number, 0 or"
            + " more)",
        "put",
        "k",
        "v",
        "--if-revision",
        "-1");
    assertUsageError("invalid value for N: 'two' is not a whole number", "run", "two", "true");
  }

  @Test
  void missingAndExtraArgumentsAreUsageErrors() {
    assertUsageError("missing argument VALUE", "put", "k");
    assertUsageError("missing argument CMD", "run", "2");
    assertUsageError("unexpected argument 'w'", "put", "k", "v", "w");
    assertUsageError("unexpected argument 'y'", "group", "ls", "x", "y");
  }

  @Test
  void commandsAreNamedAndRequired() {
    assertUsageError("missing a command: put, run, kill or group", new String[0]);
    assertUsageError("missing a command: ls", "group");
    assertUsageError("unknown command 'frob'; the commands are put, run, kill or group", "frob");
    assertThat(parser.commandName()).isEqualTo("ssi");
  }

  @Test
  void helpAndVersionAnswerWhateverFollows() throws Exception {
    Parser.Action help = new Parser().parse(new Top(), "put", "--help", "--bogus");
    assertThat(received).isEmpty();
    assertThat(output(help)).startsWith("Usage: ssi put [OPTIONS] KEY VALUE\nPut.\n");
    assertThat(output(new Parser().parse(new Top(), "group", "ls", "-V")))
        .isEqualTo(Ssi.VERSION + "\n");
  }

  /** What action printed on stdout; it must succeed. */
  private static String output(Parser.Action action) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
    Console console =
        new Console(InputStream.nullInputStream(), stream, stream, Map.of(), Optional.empty());
    assertThat(action.run(new Ssi(console))).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onlyTheCommandNamedIsMade() {
    List<String> made = new ArrayList<>();
    Command top =
        () ->
            new Syntax("Top.")
                .command("a", () -> made("a", made))
                .command("b", () -> made("b", made));
    new Parser().parse(top, "b");
    assertThat(made).containsExactly("b");
  }

  private static Command made(String name, List<String> made) {
    made.add(name);
    return new Command() {
      @Override
      public Syntax syntax() {
        return new Syntax(name);
      }

      @Override
      public int run(Ssi ssi) {
        return 0;
      }
    };
  }
}
