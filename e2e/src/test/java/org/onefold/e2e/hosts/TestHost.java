package org.onefold.e2e.hosts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One test host: a network namespace with eth0 at 198.18.0.number on the run's bridge. See {@link
 * TestHosts} for the topology. Made only by {@link TestHosts#create}.
 *
 * <p>Signals go only to processes that run in this host's namespace: each of {@link #pause}, {@link
 * #resume} and {@link #kill} first asks the kernel which namespace the pid is in, so a stale or
 * mistyped pid can never stop a process of the machine running the tests.
 */
public final class TestHost {

  private final TestHosts owner;
  private final int number;
  private final String namespace;
  private final String bridgePort;

  TestHost(TestHosts owner, int number, String namespace, String bridgePort) {
    this.owner = owner;
    this.number = number;
    this.namespace = namespace;
    this.bridgePort = bridgePort;
  }

  public int number() {
    return number;
  }

  /** The host's IPv4 address on the bridge, 198.18.0.number. */
  public String address() {
    return TestHosts.ADDRESS_PREFIX + number;
  }

  public String namespace() {
    return namespace;
  }

  /** The bridge-side veth end in the root namespace; {@link #cutLink} sets it down. */
  public String bridgePort() {
    return bridgePort;
  }

  /**
   * Starts {@code command} inside the host, its stdout and stderr appended to {@code logFile}, its
   * environment the test's plus {@code environment}. The returned process's pid is the command's
   * own ({@code ip netns exec} execs it). The owning {@link TestHosts} kills the process and its
   * descendants at close.
   */
  public Process start(List<String> command, Path logFile, Map<String, String> environment) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("empty command for host " + number);
    }
    List<String> inNamespace = inNamespace(command);
    var builder =
        new ProcessBuilder(inNamespace)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.environment().putAll(environment);
    try {
      Path directory = logFile.toAbsolutePath().getParent();
      if (directory != null) {
        Files.createDirectories(directory);
      }
      Process process = builder.start();
      owner.register(process);
      return process;
    } catch (IOException e) {
      throw new CommandFailedException(
          "cannot start '"
              + String.join(" ", inNamespace)
              + "' with log "
              + logFile
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Runs {@code command} inside the host to completion and returns its exit code and output; a
   * nonzero exit is returned, not thrown.
   *
   * @throws CommandFailedException if it runs past {@code timeout} (it is then killed)
   */
  public ProcessResult run(Duration timeout, String... command) {
    if (command.length == 0) {
      throw new IllegalArgumentException("empty command for host " + number);
    }
    return Commands.run(timeout, inNamespace(List.of(command)));
  }

  /**
   * Sets the bridge-side veth end down: the host's eth0 loses its carrier and traffic to and from
   * the host stops both ways. The host's processes keep running, and its loopback still works.
   */
  public void cutLink() {
    Commands.check(Runs.ip("link", "set", bridgePort, "down"));
  }

  /** Undoes {@link #cutLink}; the bridge forwards at once (no spanning tree delay). */
  public void restoreLink() {
    Commands.check(Runs.ip("link", "set", bridgePort, "up"));
  }

  /** Sends SIGSTOP to {@code pid}, a process on this host. */
  public void pause(long pid) {
    signal(pid, "STOP");
  }

  /** Sends SIGCONT to {@code pid}, a process on this host. */
  public void resume(long pid) {
    signal(pid, "CONT");
  }

  /** Sends SIGKILL to {@code pid}, a process on this host. */
  public void kill(long pid) {
    signal(pid, "KILL");
  }

  @Override
  public String toString() {
    return "host " + number + " (" + address() + ", namespace " + namespace + ")";
  }

  private void signal(long pid, String signal) {
    requireOnThisHost(pid);
    Commands.check(List.of(killExecutable(), "-s", signal, Long.toString(pid)));
  }

  /** Throws unless {@code pid} runs in this host's network namespace. */
  private void requireOnThisHost(long pid) {
    ProcessResult identified =
        Commands.run(Commands.TIMEOUT_DEFAULT, Runs.ip("netns", "identify", Long.toString(pid)));
    if (!identified.succeeded()) {
      throw new IllegalArgumentException(
          "pid " + pid + " is not a running process; " + identified.describe());
    }
    if (!identified.output().lines().map(String::strip).toList().contains(namespace)) {
      throw new IllegalArgumentException(
          "pid "
              + pid
              + " does not run on "
              + this
              + " but in namespace '"
              + identified.output().strip()
              + "'");
    }
  }

  private List<String> inNamespace(List<String> command) {
    List<String> full = new ArrayList<>(Runs.ip("netns", "exec", namespace));
    full.addAll(command);
    return full;
  }

  private static String killExecutable() {
    return Commands.findExecutable("kill")
        .map(Path::toString)
        .orElseThrow(
            () ->
                new CommandFailedException(
                    "no kill executable on PATH; needs procps: apt-get install procps"));
  }
}
