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
import org.onefold.client.ProgramEvent;
import org.onefold.client.ProgramRun;
import org.onefold.client.ProgramStart;
import org.onefold.proto.local.Error;

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

  /** The most of stdin one input carries (the running node's output events are as large). */
  private static final int STDIN_CHUNK_BYTES = 256 * 1024;

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
  int run(Ssi ssi, ProgramStart start) {
    if (!output.isEmpty() && !detach) {
      throw new UsageError("-o FILE goes with -d (a program run in the foreground writes here)");
    }
    Console console = ssi.console();
    ProgramStart run = detach ? start.detached(output) : start;
    Optional<LocalTerminal> terminal =
        noTerminal || detach || console.in() != System.in
            ? Optional.empty()
            : LocalTerminal.ofThisProcess();
    if (terminal.isPresent()) {
      int[] size = terminal.get().size().orElse(new int[] {0, 0});
      run = run.onTerminal(size[0], size[1]);
    }
    // The terminal is made raw and the signals are caught before the run starts, so that a
    // Ctrl-Z typed at once already stops the remote job too.
    AtomicReference<ProgramRun> current = new AtomicReference<>();
    Runnable giveBack = terminal.map(local -> takeOver(local, current)).orElse(() -> {});
    try (OnefoldClient client = ssi.client();
        ProgramRun program = client.run(run)) {
      current.set(program);
      ProgramEvent first = program.next();
      if (!detach) {
        Thread.ofPlatform().daemon().name("stdin").start(() -> pumpStdin(console.in(), program));
      }
      return follow(first, program, console);
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

  /**
   * Prints the run's events until its end; its status. Tests with instanceof, not a pattern switch:
   * that would cost every start the switch's bootstrap.
   */
  private int follow(ProgramEvent first, ProgramRun run, Console console) {
    ProgramEvent event = first;
    int node = 0;
    while (true) {
      if (event instanceof ProgramEvent.Started started) {
        node = started.node();
        if (verbose && !started.placement().isEmpty()) {
          console.err().println("ssi: " + started.placement());
        }
        if (verbose) {
          console.err().println("ssi: cpid " + started.cpid() + " on node " + node);
        }
        if (detach) {
          console.out().println(started.cpid());
          return 0;
        }
      } else if (event instanceof ProgramEvent.Output output) {
        var stream = output.fd() == 2 ? console.err() : console.out();
        stream.writeBytes(output.data());
        if (stream.checkError()) {
          // The reader of our output is gone (head(1) had enough): end as a writer killed by
          // SIGPIPE ends; closing the run hangs the program up.
          return STATUS_BROKEN_PIPE;
        }
      } else if (event instanceof ProgramEvent.Exited exited) {
        return exited.status();
      } else if (event instanceof ProgramEvent.Lost lost) {
        console.err().println("ssi: " + lost.reason());
        return STATUS_LOST;
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
  static ProgramStart startOf(List<String> command, Console console) {
    return startOf(command, Path.of("").toAbsolutePath().toString(), console);
  }

  /** As {@link #startOf(List, Console)}, in directory. */
  static ProgramStart startOf(List<String> command, String directory, Console console) {
    return ProgramStart.of(command, directory)
        .withUmask(umask())
        .withEnvironment(console.environment())
        .forCallersParent();
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
