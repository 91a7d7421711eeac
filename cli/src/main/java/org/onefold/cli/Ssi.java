package org.onefold.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;

/**
 * The {@code ssi} command's top: the global options, the list of commands, and the one rule for
 * errors. Every error is one line on stderr, {@code ssi: <message>}; the exit status is 2 for a
 * usage error (unknown flag, missing argument, bad value), 1 for a failure (daemon unreachable,
 * call refused), 0 for success.
 *
 * <p>Start-up is most of what a short command costs ({@code ssi onnode 2 true} should take a third
 * of an ssh connection), so the path from {@link #main} to a command is plain code: the command
 * line is read by {@link Parser} against syntaxes built in code, and only the command named on it
 * is constructed. Each command is then also its own place for its help and its checks.
 */
public final class Ssi implements Command {
  static final String VERSION = "ssi 0.1.0";

  private final Console console;

  /** The --socket option; null if not given. */
  private String socket;

  Ssi(Console console) {
    this.console = console;
  }

  public static void main(String[] arguments) {
    Console console = Console.system();
    int status = run(console, arguments);
    console.out().flush();
    console.err().flush();
    // halt, not System.exit: exit first looks up a platform logger to log the exit at debug
    // level, which costs ssi 15 ms, a third of its start-up. No shutdown hook is left to run by
    // now (onnode removes the one it adds), and both streams are flushed.
    Runtime.getRuntime().halt(status);
  }

  /** The commands, in the order the help lists them. */
  @Override
  public Syntax syntax() {
    return new Syntax(
            "Manage a Onefold cluster: its nodes, its registry, its events, its programs.")
        .inheritedOption(
            "--socket",
            "PATH",
            "The node's local API socket (default: SSI_SOCKET, else /run/onefold/ssid.sock, else"
                + " the first running node of the default local cluster; see 'ssi --help').",
            value -> socket = value)
        .command("cluster", ClusterCommand::new)
        .command("reg", RegistryCommand::new)
        .command("events", EventsCommand::new)
        .command("token", TokenCommand::new)
        .command("up", UpCommand::new)
        .command("down", DownCommand::new)
        .command("onnode", OnnodeCommand::new)
        .command("onall", OnallCommand::new)
        .command("run", RunCommand::new)
        .command("shell", ShellCommand::new)
        .command("ps", PsCommand::new)
        .command("kill", KillCommand::new)
        .command("where", WhereCommand::new)
        .command("wait", WaitCommand::new)
        .footer(
            "The node to talk to is found by its socket: --socket, else the SSI_SOCKET environment"
                + " variable, else /run/onefold/ssid.sock; if that does not exist either, the"
                + " socket of the first running node of the default local cluster directory"
                + " ($ONEFOLD_CLUSTER_DIR, else $HOME/.onefold/cluster; see 'ssi up --help').");
  }

  /** Runs one command line and returns its exit status. */
  static int run(Console console, String... arguments) {
    Ssi ssi = new Ssi(console);
    Parser parser = new Parser();
    try {
      return parser.parse(ssi, arguments).run(ssi);
    } catch (UsageError e) {
      console
          .err()
          .println(
              "ssi: " + firstLine(e.getMessage()) + " (see '" + parser.commandName() + " --help')");
      return 2;
    } catch (Exception e) {
      console.err().println("ssi: " + describe(e));
      return 1;
    }
  }

  /** The message of a failure; not a pattern switch, which would cost every start a class. */
  private static String describe(Exception exception) {
    if (exception instanceof OnefoldException || exception instanceof Failure) {
      return firstLine(exception.getMessage());
    }
    if (exception instanceof UncheckedIOException io) {
      return firstLine(io.getCause().getMessage());
    }
    if (exception instanceof IOException) {
      return firstLine(exception.getMessage());
    }
    return "internal error: " + firstLine(exception.toString());
  }

  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "unknown error";
    }
    String stripped = message.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline).strip();
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
