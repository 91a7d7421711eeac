package org.onefold.e2e;

import static org.awaitility.Awaitility.await;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program run on a pseudo-terminal of the test, as a user at a terminal runs it: the test types
 * into it and reads its screen (everything it wrote, escape sequences and all). Every wait is
 * bounded.
 */
final class Terminal implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final PtyProcess process;
  private final StringBuffer screen = new StringBuffer();
  private final Thread reader;

  private Terminal(PtyProcess process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().name("terminal-reader").start(this::read);
  }

  static Terminal start(
      List<String> command, Map<String, String> environment, int rows, int columns)
      throws IOException {
    return start(command, environment, rows, columns, Path.of("").toAbsolutePath());
  }

  /** As start, with directory as the command's working directory. */
  static Terminal start(
      List<String> command, Map<String, String> environment, int rows, int columns, Path directory)
      throws IOException {
    Map<String, String> withTerm = new HashMap<>(System.getenv());
    withTerm.putAll(environment);
    withTerm.put("TERM", "xterm");
    PtyProcess process =
        new PtyProcessBuilder(command.toArray(String[]::new))
            .setEnvironment(withTerm)
            .setInitialRows(rows)
            .setInitialColumns(columns)
            .setConsole(false)
            .setDirectory(directory.toString())
            .start();
    // pty4j sets the initial size after the start; set it again, long before a JVM reads it.
    process.setWinSize(new WinSize(columns, rows));
    return new Terminal(process);
  }

  private void read() {
    byte[] buffer = new byte[8192];
    try (InputStream in = process.getInputStream()) {
      int count;
      while ((count = in.read(buffer)) > 0) {
        screen.append(new String(buffer, 0, count, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // The terminal closed.
    }
  }

  void awaitOutput(String text) {
    await("'" + text + "' on the terminal").atMost(WAIT).until(() -> screen.indexOf(text) >= 0);
  }

  void type(String keys) throws IOException {
    process.getOutputStream().write(keys.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** The program's exit status, within the bound. */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("still running after " + WAIT.toSeconds() + " s; screen: " + screen);
    }
    reader.join(Duration.ofSeconds(5));
    return process.exitValue();
  }

  String screen() {
    return screen.toString();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
