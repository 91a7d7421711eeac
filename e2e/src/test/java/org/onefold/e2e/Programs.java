package org.onefold.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs Onefold's programs as a user would: {@code bin/ssi} and {@code bin/ssid} of the project root
 * (the onefold.home system property surefire sets), as child processes whose stdout and stderr go
 * to files, so that a test can assert on what they printed and on their exit status. Every wait is
 * bounded; a program that outlives its bound is killed and fails the test.
 */
final class Programs {
  /** Long enough for a JVM start plus a join on a busy 2-core machine. */
  static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

  private static final AtomicLong RUN_NUMBER = new AtomicLong();

  private Programs() {}

  /** What a program that ran to its end left: exit status, stdout, stderr. */
  record Result(List<String> command, int status, String out, String err) {
    List<String> errLines() {
      return err.lines().filter(line -> !line.isBlank()).toList();
    }

    /** For assertion messages. */
    String describe() {
      return String.join(" ", command)
          + " exited "
          + status
          + "\nstdout: "
          + out
          + "\nstderr: "
          + err;
    }
  }

  static Path home() {
    String home = System.getProperty("onefold.home");
    if (home == null) {
      throw new IllegalStateException(
          "the system property onefold.home is not set; run through Maven");
    }
    return Path.of(home);
  }

  static Path ssi() {
    return home().resolve("bin").resolve("ssi");
  }

  static Path ssid() {
    return home().resolve("bin").resolve("ssid");
  }

  /** Runs bin/ssi with arguments and waits for it to end. */
  static Result ssi(Path work, Map<String, String> environment, String... arguments) {
    return run(work, environment, Optional.empty(), withProgram(ssi(), arguments));
  }

  /** Runs bin/ssi with stdin read from a file. */
  static Result ssiWithInput(
      Path work, Map<String, String> environment, Path input, String... arguments) {
    return run(work, environment, Optional.of(input), withProgram(ssi(), arguments));
  }

  /** Runs bin/ssid with arguments and waits for it to end (for daemons that must fail). */
  static Result ssid(Path work, Map<String, String> environment, String... arguments) {
    return run(work, environment, Optional.empty(), withProgram(ssid(), arguments));
  }

  static List<String> withProgram(Path program, String... arguments) {
    List<String> command = new ArrayList<>(List.of(program.toString()));
    command.addAll(List.of(arguments));
    return command;
  }

  /** Runs command to its end within RUN_TIMEOUT, output captured in files under work. */
  static Result run(
      Path work, Map<String, String> environment, Optional<Path> input, List<String> command) {
    return runIn(work, work, environment, input, command);
  }

  /** As run, with directory as the command's working directory. */
  static Result runIn(
      Path directory,
      Path work,
      Map<String, String> environment,
      Optional<Path> input,
      List<String> command) {
    long number = RUN_NUMBER.incrementAndGet();
    Path out = work.resolve("run" + number + ".out");
    Path err = work.resolve("run" + number + ".err");
    try {
      Files.createDirectories(work);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(
                  input
                      .map(Path::toFile)
                      .map(ProcessBuilder.Redirect::from)
                      .orElse(ProcessBuilder.Redirect.from(new File("/dev/null"))))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .directory(directory.toFile());
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail(
            "%s still ran after %d s (a restart loop or a hang?); stderr so far: %s",
            String.join(" ", command), RUN_TIMEOUT.toSeconds(), Files.readString(err));
      }
      return new Result(
          command,
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }

  /**
   * A port from 20000..59999 on which nothing listens now, on any address: other work on this
   * machine may run clusters on the default ports, so tests don't use them. Two calls may return
   * the same port only if it was taken in between.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
        return port;
      } catch (IOException inUse) {
        // Try another.
      }
    }
    throw new IllegalStateException("no free port in 20000..59999 after 100 tries");
  }

  /** Reads a pid file such as D/node2/ssid.pid. */
  static long readPid(Path pidFile) {
    try {
      return Long.parseLong(Files.readString(pidFile).strip());
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("no pid in " + pidFile + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL to pid; returns System.nanoTime() just before the signal was sent. */
  static long killHard(long pid) {
    ProcessHandle process =
        ProcessHandle.of(pid)
            .orElseThrow(() -> new IllegalStateException("no process " + pid + " to kill"));
    long sent = System.nanoTime();
    process.destroyForcibly();
    return sent;
  }
}
