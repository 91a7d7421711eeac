package org.onefold.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.client.ProgramRun;
import org.onefold.proto.local.Error;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.Window;

/**
 * {@code ssi onnode N CMD [ARGS...]}: runs a program on node N as the calling user, with this
 * command's working directory, umask and environment, and its stdin, stdout and stderr carried both
 * ways. Exits with the program's status (128 + N if signal N ended it), 255 if its node went down.
 */
final class OnnodeCommand implements Command {
  /** What a shell reports when the program's node went down under it. */
  static final int STATUS_LOST = 255;

  private static final int STDIN_CHUNK_BYTES = 32 * 1024;

  private boolean verbose;
  private boolean noTerminal;
  private int node;
  private final List<String> command = new ArrayList<>();

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Run a program on node N as you, with your working directory, umask and environment.",
            "Its input, output and errors are carried both ways; the exit status is the program's"
                + " (128+N if signal N ended it; 127 not found, 126 not executable; 255 if node N"
                + " went down or could not be reached).")
        .flag("-v", "Say on stderr which cpid the program got.", () -> verbose = true)
        .flag(
            "-T",
            "No terminal for the program, even if ssi runs on one (by default a program gets a"
                + " terminal on its node when ssi's stdin and stdout are a terminal).",
            () -> noTerminal = true)
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
    Console console = ssi.console();
    Optional<LocalTerminal> terminal =
        noTerminal || console.in() != System.in ? Optional.empty() : LocalTerminal.ofThisProcess();
    RunStart.Builder start = startOf(command, console).setNode(node);
    terminal.ifPresent(
        local -> {
          start.setTty(true);
          local
              .size()
              .ifPresent(
                  size ->
                      start.setWindow(Window.newBuilder().setRows(size[0]).setColumns(size[1])));
        });
    // The terminal is made raw and the signals are caught before the run starts, so that a
    // Ctrl-Z typed at once already stops the remote job too.
    AtomicReference<ProgramRun> current = new AtomicReference<>();
    Runnable giveBack = terminal.map(local -> takeOver(local, current)).orElse(() -> {});
    try (OnefoldClient client = ssi.client();
        ProgramRun run = client.run(start.build())) {
      current.set(run);
      RunEvent first = run.next();
      Thread.ofPlatform().daemon().name("stdin").start(() -> pumpStdin(console.in(), run));
      return follow(first, run, console);
    } catch (OnefoldException e) {
      if (e.code() == Error.Code.INVALID && e.getMessage().startsWith("no node ")) {
        console.err().println("ssi: " + e.getMessage());
        return 2;
      }
      throw e;
    } finally {
      giveBack.run();
    }
  }

  /**
   * Takes this terminal over for a run on a remote terminal: raw (given back on every way out, a
   * kill by signal included, by what this returns or a shutdown hook), size changes passed on, and
   * Ctrl-Z stopping the remote job and then ssi itself; when the shell continues ssi (fg, bg), the
   * remote job continues too.
   */
  private static Runnable takeOver(LocalTerminal terminal, AtomicReference<ProgramRun> run) {
    Thread restoreAtExit = new Thread(terminal::restore, "terminal-restore");
    Runtime.getRuntime().addShutdownHook(restoreAtExit);
    terminal.enterRaw();
    Signals.handle(
        "WINCH",
        () ->
            terminal
                .size()
                .ifPresent(size -> whenRunning(run, remote -> remote.window(size[0], size[1]))));
    Signals.handle(
        "TSTP",
        () -> {
          // SIGSTOP, not SIGTSTP: the remote program's process group has no parent in its
          // session (the daemon started it), and the kernel discards SIGTSTP for such an
          // orphaned group.
          whenRunning(run, remote -> remote.signal(Signals.SIGSTOP));
          terminal.restore();
          Signals.stopThisProcess();
        });
    Signals.handle(
        "CONT",
        () -> {
          terminal.enterRaw();
          whenRunning(run, remote -> remote.signal(Signals.SIGCONT));
          terminal
              .size()
              .ifPresent(size -> whenRunning(run, remote -> remote.window(size[0], size[1])));
        });
    return () -> {
      terminal.restore();
      try {
        Runtime.getRuntime().removeShutdownHook(restoreAtExit);
      } catch (IllegalStateException e) {
        // Shutting down already: the hook gives the terminal back.
      }
    };
  }

  /** Passes something to the run if it has begun; a run that ended takes nothing more. */
  private static void whenRunning(AtomicReference<ProgramRun> run, Consumer<ProgramRun> action) {
    ProgramRun remote = run.get();
    if (remote == null) {
      return;
    }
    try {
      action.accept(remote);
    } catch (OnefoldException e) {
      // The run is over.
    }
  }

  private int follow(RunEvent first, ProgramRun run, Console console) {
    RunEvent event = first;
    while (true) {
      switch (event.getKindCase()) {
        case STARTED -> {
          if (verbose) {
            console
                .err()
                .println(
                    "ssi: cpid "
                        + event.getStarted().getCpid()
                        + " on node "
                        + event.getStarted().getNode());
          }
        }
        case OUTPUT -> {
          var stream = event.getOutput().getFd() == 2 ? console.err() : console.out();
          stream.writeBytes(event.getOutput().getData().toByteArray());
          stream.flush();
        }
        case EXITED -> {
          return event.getExited().getStatus();
        }
        case LOST -> {
          console.err().println("ssi: " + event.getLost());
          return STATUS_LOST;
        }
        case KIND_NOT_SET -> {}
      }
      try {
        event = run.next();
      } catch (OnefoldException e) {
        console.err().println("ssi: lost the run on node " + node + ": " + e.getMessage());
        return STATUS_LOST;
      }
    }
  }

  /** Carries this command's stdin to the program until it ends; then closes the program's. */
  private static void pumpStdin(InputStream in, ProgramRun run) {
    byte[] buffer = new byte[STDIN_CHUNK_BYTES];
    try {
      int count;
      while ((count = in.read(buffer)) > 0) {
        run.stdin(buffer, 0, count);
      }
      run.closeStdin();
    } catch (IOException | OnefoldException e) {
      // The run ended, or our stdin broke: the program gets no more input.
    }
  }

  /** A run of command as this command's caller: its directory, umask and environment. */
  static RunStart.Builder startOf(List<String> command, Console console) {
    return RunStart.newBuilder()
        .addAllArgv(command)
        .setCwd(Path.of("").toAbsolutePath().toString())
        .setUmask(umask())
        .putAllEnv(console.environment());
  }

  /** This process's umask, which the program gets; 022 if the kernel does not show it. */
  private static int umask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring("Umask:".length()).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Fall through to the usual default.
    }
    return 022;
  }
}
