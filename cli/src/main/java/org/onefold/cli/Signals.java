package org.onefold.cli;

import java.io.IOException;

/** The few signals ssi catches for a program on a remote terminal, and stopping ssi itself. */
final class Signals {
  static final int SIGSTOP = 19;
  static final int SIGCONT = 18;

  private Signals() {}

  /** Runs action on each arrival of the signal NAME (WINCH, TSTP, CONT). */
  @SuppressWarnings("removal")
  static void handle(String name, Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
    } catch (IllegalArgumentException e) {
      // The JVM keeps this signal to itself here: go without.
    }
  }

  /**
   * Stops this process with SIGSTOP, as the shell expects of a job on Ctrl-Z; it goes on when the
   * shell sends SIGCONT (fg, bg).
   */
  static void stopThisProcess() {
    try {
      new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid()))
          .start()
          .waitFor();
    } catch (IOException e) {
      // Without kill(1) the job cannot stop here; the remote job stopped all the same.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
