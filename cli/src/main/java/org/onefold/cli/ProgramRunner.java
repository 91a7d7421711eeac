package org.onefold.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * One program run from this terminal, as {@code ssi onnode} and {@code ssi run} make it: the start
 * (the caller's directory, umask and environment; a terminal on the running node when ssi has one),
 * the terminal taken over and given back, stdin carried out and output carried back, and the
 * program's status as ssi's. Detached ({@code -d}), it prints the program's cpid and returns at
 * once. The options are the commands' shared flags, set by their syntaxes.
 */
final class ProgramRunner {
  /** What a shell reports when the program's node went down under it. */
  static final int STATUS_LOST = 255;

  /** What a shell reports for a writer whose reader went away: 128 + SIGPIPE. */
  static final int STATUS_BROKEN_PIPE = 128 + 13;

  private static final int STDIN_CHUNK_BYTES = 32 * 1024;

  boolean verbose;
  boolean noTerminal;
  boolean detach;
  String output = "";

  /** Declares the shared flags on syntax, bound to this runner; verboseText says what -v says. */
  Syntax flags(Syntax syntax, String verboseText) {
    return syntax
        .flag("-v", verboseText, () -> verbose = true)
        .flag(
            "-T",
            "No terminal for the program, even if ssi runs on one (by default a program gets a"
                + " terminal on its node when ssi's stdin and stdout are a terminal).",
            () -> noTerminal = true)
        .flag(
            "-d",
            "Detached: print the program's cpid and return at once; the program gets /dev/null"
                + " as stdin and its output goes to -o FILE, or nowhere. 'ssi wait CPID' gives"
                + " its status.",
            () -> detach = true)
        .option(
            "-o",
            "FILE",
            "With -d: append the program's stdout and stderr to FILE (opened as you on its node,"
                + " relative to your directory).",
            value -> output = value);
  }

  /** Runs start's program and returns ssi's exit status. */
  int run(Ssi ssi, RunStart.Builder start) {
    if (!output.isEmpty() && !detach) {
      throw new UsageError("-o FILE goes with -d (a program run in the foreground writes here)");
    }
    Console console = ssi.console();
    start.setDetach(detach).setOutput(output);
    Optional<LocalTerminal> terminal =
        noTerminal || detach || console.in() != System.in
            ? Optional.empty()
            : LocalTerminal.ofThisProcess();
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
      if (!detach) {
        Thread.ofPlatform().daemon().name("stdin").start(() -> pumpStdin(console.in(), run));
      }
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
    int node = 0;
    while (true) {
      switch (event.getKindCase()) {
        case STARTED -> {
          node = event.getStarted().getNode();
          if (verbose && !event.getStarted().getPlacement().isEmpty()) {
            console.err().println("ssi: " + event.getStarted().getPlacement());
          }
          if (verbose) {
            console.err().println("ssi: cpid " + event.getStarted().getCpid() + " on node " + node);
          }
          if (detach) {
            console.out().println(event.getStarted().getCpid());
            return 0;
          }
        }
        case OUTPUT -> {
          var stream = event.getOutput().getFd() == 2 ? console.err() : console.out();
          stream.writeBytes(event.getOutput().getData().toByteArray());
          if (stream.checkError()) {
            // The reader of our output is gone (head(1) had enough): end as a writer killed by
            // SIGPIPE ends; closing the run hangs the program up.
            return STATUS_BROKEN_PIPE;
          }
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

  /**
   * A run of command as this command's caller: its directory, umask and environment; the program's
   * parent is the process that ran ssi (ssi only carries the request).
   */
  static RunStart.Builder startOf(List<String> command, Console console) {
    return RunStart.newBuilder()
        .addAllArgv(command)
        .setForParent(true)
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
