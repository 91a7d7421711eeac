package org.onefold.node.transport;

/** Sends signals as kill(2) does; the errno of a refusal comes back as a value. */
public final class Signals {
  public static final int SIGHUP = 1;

  /** The highest signal number Linux has (SIGRTMAX on x86-64 and arm64). */
  public static final int SIGNAL_MAX = 64;

  private Signals() {}

  /** Signals the process pid. Returns 0, or the errno kill(2) gave. */
  public static int signalProcess(long pid, int signal) {
    if (pid < 2 || pid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("pid " + pid + " outside 2.." + Integer.MAX_VALUE);
    }
    if (signal < 0 || signal > SIGNAL_MAX) {
      throw new IllegalArgumentException("signal " + signal + " outside 0.." + SIGNAL_MAX);
    }
    try {
      Libc.kill((int) pid, signal);
      return 0;
    } catch (ErrnoException e) {
      return e.errno();
    }
  }

  /**
   * Signals the process group pgid (a process's own group: its pid, for a process started with
   * setsid). Returns 0, or the errno kill(2) gave (ESRCH: no such group; EPERM).
   */
  public static int signalGroup(long pgid, int signal) {
    if (pgid < 2 || pgid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "process group " + pgid + " outside 2.." + Integer.MAX_VALUE);
    }
    if (signal < 0 || signal > SIGNAL_MAX) {
      throw new IllegalArgumentException("signal " + signal + " outside 0.." + SIGNAL_MAX);
    }
    try {
      Libc.kill(-(int) pgid, signal);
      return 0;
    } catch (ErrnoException e) {
      return e.errno();
    }
  }
}
