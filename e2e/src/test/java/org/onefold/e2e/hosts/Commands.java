package org.onefold.e2e.hosts;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs external commands with a bound on time and on captured output.
 *
 * <p>Every command the test hosts run (iproute2, kill, programs inside a host) goes through here,
 * so none can hang a test run: past its timeout a command and its descendants get SIGKILL and the
 * caller gets an exception naming the command.
 */
final class Commands {

  /** Bound for the set-up and tear-down commands (ip, kill). */
  static final Duration TIMEOUT_DEFAULT = Duration.ofSeconds(10);

  /** Bytes kept per stream; the rest is read and dropped so the command never blocks. */
  static final int OUTPUT_BYTES_MAX = 1 << 20;

  private static final Duration READER_JOIN_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration EXIT_POLL_INTERVAL = Duration.ofMillis(10);

  private Commands() {}

  /** Runs {@code command} to completion; a nonzero exit is returned, not thrown. */
  static ProcessResult run(Duration timeout, List<String> command) {
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new CommandFailedException(
          "cannot start '" + String.join(" ", command) + "': " + e.getMessage(), e);
    }
    var output = new CappedReader(process.getInputStream());
    var errorOutput = new CappedReader(process.getErrorStream());
    Thread outputThread = Thread.ofVirtual().start(output);
    Thread errorThread = Thread.ofVirtual().start(errorOutput);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        destroyTree(process.toHandle());
        throw new CommandFailedException(
            "'"
                + String.join(" ", command)
                + "' did not finish within "
                + timeout
                + "; killed it. stderr so far: "
                + errorOutput.text().strip());
      }
      outputThread.join(READER_JOIN_TIMEOUT);
      errorThread.join(READER_JOIN_TIMEOUT);
    } catch (InterruptedException e) {
      destroyTree(process.toHandle());
      Thread.currentThread().interrupt();
      throw new CommandFailedException(
          "interrupted while running '" + String.join(" ", command) + "'", e);
    }
    return new ProcessResult(command, process.exitValue(), output.text(), errorOutput.text());
  }

  /** Runs {@code command} with the default bound and throws unless it exits with 0. */
  static ProcessResult check(List<String> command) {
    ProcessResult result = run(TIMEOUT_DEFAULT, command);
    if (!result.succeeded()) {
      throw new CommandFailedException(result.describe());
    }
    return result;
  }

  /** Sends SIGKILL to a process and all its descendants, descendants first taken as a snapshot. */
  static void destroyTree(ProcessHandle root) {
    List<ProcessHandle> descendants = root.descendants().toList();
    root.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Waits until every process has exited, polling every {@link #EXIT_POLL_INTERVAL}: {@link
   * ProcessHandle#onExit} backs off to seconds for processes that are not our children, and init
   * may be slow to reap the orphans, so a zombie counts as exited.
   *
   * @throws CommandFailedException naming the first process still running after {@code timeout}
   */
  static void awaitExit(List<ProcessHandle> processes, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle process : processes) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      try {
        Awaitility.await()
            .atMost(left)
            .pollInterval(EXIT_POLL_INTERVAL)
            .until(() -> hasExited(process));
      } catch (ConditionTimeoutException e) {
        throw new CommandFailedException(
            "pid "
                + process.pid()
                + " of "
                + what
                + " still running "
                + timeout
                + " after SIGKILL; is it in uninterruptible sleep (state D)?");
      }
    }
  }

  /** True once the process is gone or a zombie (dead, not yet reaped by its parent). */
  static boolean hasExited(ProcessHandle process) {
    if (!process.isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int commandEnd = stat.lastIndexOf(')');
      return commandEnd < 0 || stat.length() < commandEnd + 3 || stat.charAt(commandEnd + 2) == 'Z';
    } catch (IOException gone) {
      return true;
    }
  }

  /** Finds an executable by name on PATH and in the sbin directories root's PATH may lack. */
  static Optional<Path> findExecutable(String name) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.concat(
            Stream.of(path.split(":")), Stream.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"))
        .filter(directory -> !directory.isEmpty())
        .map(directory -> Path.of(directory, name))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Drains a stream to its end, keeping at most {@link #OUTPUT_BYTES_MAX} bytes. */
  private static final class CappedReader implements Runnable {
    private final InputStream input;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream(); // guarded by itself

    CappedReader(InputStream input) {
      this.input = input;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (input) {
        for (int count; (count = input.read(buffer)) != -1; ) {
          synchronized (kept) {
            kept.write(buffer, 0, Math.min(count, Math.max(0, OUTPUT_BYTES_MAX - kept.size())));
          }
        }
      } catch (IOException e) {
        // The stream closes under us when a timed-out command is killed; keep what was read.
      }
    }

    String text() {
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
