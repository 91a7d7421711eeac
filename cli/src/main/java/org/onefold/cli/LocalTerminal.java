package org.onefold.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The terminal ssi runs on, for a program that runs on a terminal elsewhere: its mode saved, made
 * raw (every key goes to the program, whose own terminal does the line editing and echo) but for
 * the suspend key, which still stops ssi here, so that the shell's job control works; its mode
 * given back on every way out; its size. Uses stty(1) on /dev/tty, the way a shell script would.
 */
final class LocalTerminal {
  private static final long STTY_TIMEOUT_SECONDS = 5;

  private final String saved;

  private LocalTerminal(String saved) {
    this.saved = saved;
  }

  /** The terminal, if both stdin and stdout are one. */
  static Optional<LocalTerminal> ofThisProcess() {
    // The kernel's names of fds 0 and 1 tell a pipe or file at once; System.console() would
    // first look for console providers (JLine among them), milliseconds of every run.
    if (!namesTerminal(0) || !namesTerminal(1)) {
      return Optional.empty();
    }
    java.io.Console console = System.console();
    if (console == null || !console.isTerminal()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new LocalTerminal(stty("-g").strip()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Whether fd of this process may be a terminal: /dev/pts/N, /dev/ttyX or /dev/console. */
  private static boolean namesTerminal(int fd) {
    try {
      String name = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return name.startsWith("/dev/pts/")
          || name.startsWith("/dev/tty")
          || name.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return true; // Cannot tell here: let System.console() decide.
    }
  }

  /**
   * Raw, no echo; the interrupt and quit keys are plain bytes for the program; the suspend key
   * (Ctrl-Z) still raises SIGTSTP here.
   */
  void enterRaw() {
    try {
      stty("raw", "-echo", "isig", "intr", "undef", "quit", "undef");
    } catch (IOException e) {
      // The terminal went away: nothing to set.
    }
  }

  /** Gives the terminal its mode back as it was. */
  void restore() {
    try {
      stty(saved);
    } catch (IOException e) {
      // The terminal went away: nothing to give back.
    }
  }

  /** Rows and columns, or empty if the terminal does not say. */
  Optional<int[]> size() {
    try {
      String[] fields = stty("size").strip().split("\\s+");
      if (fields.length == 2) {
        return Optional.of(new int[] {Integer.parseInt(fields[0]), Integer.parseInt(fields[1])});
      }
    } catch (IOException | NumberFormatException e) {
      // Unknown size.
    }
    return Optional.empty();
  }

  private static String stty(String... arguments) throws IOException {
    List<String> command = new ArrayList<>(List.of("stty"));
    command.addAll(List.of(arguments));
    Process stty =
        new ProcessBuilder(command)
            .redirectInput(new File("/dev/tty"))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String out = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!stty.waitFor(STTY_TIMEOUT_SECONDS, TimeUnit.SECONDS) || stty.exitValue() != 0) {
        stty.destroyForcibly();
        throw new IOException("stty " + String.join(" ", arguments) + " failed");
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
