package org.onefold.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code ssi} command's top: the global options, the list of commands, and the one rule for
 * errors. Every error is one line on stderr, {@code ssi: <message>}; the exit status is 2 for a
 * usage error (unknown flag, missing argument, bad value), 1 for a failure (daemon unreachable,
 * call refused), 0 for success.
 */
@Command(
    name = "ssi",
    mixinStandardHelpOptions = true,
    version = "ssi 0.1.0",
    description = "Manage a Onefold cluster: its nodes, its registry, its events, its programs.",
    subcommands = {
      ClusterCommand.class,
      RegistryCommand.class,
      EventsCommand.class,
      TokenCommand.class,
      UpCommand.class,
      DownCommand.class,
      OnnodeCommand.class,
      OnallCommand.class,
      PsCommand.class,
      KillCommand.class,
      WhereCommand.class
    },
    footer = {
      "",
      "The node to talk to is found by its socket: --socket, else the SSI_SOCKET environment"
          + " variable, else /run/onefold/ssid.sock; if that does not exist either, the socket of"
          + " the first running node of the default local cluster directory ($ONEFOLD_CLUSTER_DIR,"
          + " else $HOME/.onefold/cluster; see 'ssi up --help')."
    })
public final class Ssi implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      scope = ScopeType.INHERIT,
      description =
          "The node's local API socket (default: SSI_SOCKET, else /run/onefold/ssid.sock, else the"
              + " first running node of the default local cluster; see 'ssi --help').")
  String socket;

  private final Console console;

  Ssi(Console console) {
    this.console = console;
  }

  public static void main(String[] arguments) {
    Console console = Console.system();
    int status = run(console, arguments);
    console.out().flush();
    System.exit(status);
  }

  /** Runs one command line and returns its exit status. */
  static int run(Console console, String... arguments) {
    CommandLine line = new CommandLine(new Ssi(console));
    // ssi onnode 2 ls -l: everything after the node is the program's, options too.
    line.getSubcommands().get("onnode").setStopAtPositional(true);
    line.getSubcommands().get("onall").setStopAtPositional(true);
    // ssi kill -9 CPID and ssi kill -- -PGID: -9 and -PGID are not options.
    line.getSubcommands().get("kill").setUnmatchedOptionsArePositionalParams(true);
    line.setOut(new PrintWriter(console.out(), true));
    line.setErr(new PrintWriter(console.err(), true));
    line.setParameterExceptionHandler(
        (exception, ignored) -> {
          String command = exception.getCommandLine().getCommandSpec().qualifiedName();
          console
              .err()
              .println(
                  "ssi: " + firstLine(exception.getMessage()) + " (see '" + command + " --help')");
          return 2;
        });
    line.setExecutionExceptionHandler(
        (exception, ignored, parseResult) -> {
          console.err().println("ssi: " + describe(exception));
          return 1;
        });
    return line.execute(arguments);
  }

  private static String describe(Exception exception) {
    return switch (exception) {
      case OnefoldException refused -> firstLine(refused.getMessage());
      case Failure failure -> firstLine(failure.getMessage());
      case UncheckedIOException io -> firstLine(io.getCause().getMessage());
      case IOException io -> firstLine(io.getMessage());
      default -> "internal error: " + firstLine(exception.toString());
    };
  }

  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "unknown error";
    }
    String stripped = message.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline).strip();
  }

  /** Without a command, ssi has nothing to do: a usage error. */
  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing a command: cluster, reg, events, token, up, down, onnode, onall, ps, kill or"
            + " where");
  }

  Console console() {
    return console;
  }

  /** The socket of the node to talk to, resolved as the help footer says. */
  Path socket() {
    return SocketResolution.resolve(
        socket, console.environment(), SocketResolution.onThisMachine());
  }

  /** A client of that node; connects on its first call. */
  OnefoldClient client() {
    return OnefoldClient.connect(socket());
  }
}
