package org.onefold.e2e;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bin/ssid started as a child process that is meant to keep running, its stdout and stderr in
 * files of its own. {@link #awaitUp} waits for the line {@code ssid: node N up (incarnation I);
 * socket PATH}; a daemon that exits first fails the wait with what it printed.
 */
final class Daemon implements AutoCloseable {
  private static final Pattern UP =
      Pattern.compile("ssid: node (\\d+) up \\(incarnation (\\d+)\\); socket (\\S+)");
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path out;
  private final Path err;

  Daemon(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts bin/ssid with arguments; output goes to work/name.out and work/name.err. */
  static Daemon start(
      Path work, String name, Map<String, String> environment, String... arguments) {
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    try {
      Files.createDirectories(work);
      ProcessBuilder builder =
          new ProcessBuilder(Programs.withProgram(Programs.ssid(), arguments))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
              .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
      builder.environment().putAll(environment);
      return new Daemon(builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start ssid " + List.of(arguments) + ": " + e.getMessage(), e);
    }
  }

  /** The announced line's facts. */
  record Up(int node, long incarnation, Path socket) {}

  Up awaitUp() {
    return await("ssid up (" + out + ")")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(this::announced, Optional::isPresent)
        .orElseThrow();
  }

  private Optional<Up> announced() {
    Matcher matcher = UP.matcher(read(out));
    if (matcher.find()) {
      return Optional.of(
          new Up(
              Integer.parseInt(matcher.group(1)),
              Long.parseLong(matcher.group(2)),
              Path.of(matcher.group(3))));
    }
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "ssid exited "
              + process.exitValue()
              + " before it was up; stderr: "
              + read(err)
              + " stdout: "
              + read(out));
    }
    return Optional.empty();
  }

  Process process() {
    return process;
  }

  String err() {
    return read(err);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
