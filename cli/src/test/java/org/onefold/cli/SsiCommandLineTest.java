package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, exit statuses and the one-line error rule, run in-process. */
class SsiCommandLineTest {
  @TempDir Path temporary;

  private Map<String, String> environment() {
    // No SSI_SOCKET, and a default cluster directory with nothing running in it.
    return Map.of(
        "HOME",
        temporary.toString(),
        "ONEFOLD_CLUSTER_DIR",
        temporary.resolve("cluster").toString());
  }

  private static void assertOneLineError(Invocation run, int status) {
    assertThat(run.status()).isEqualTo(status);
    assertThat(run.err()).startsWith("ssi: ").endsWith("\n");
    assertThat(run.err().strip()).doesNotContain("\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void helpOfEveryCommandSucceeds() {
    List<List<String>> commands =
        List.of(
            List.of(),
            List.of("cluster"),
            List.of("reg"),
            List.of("reg", "get"),
            List.of("reg", "put"),
            List.of("reg", "del"),
            List.of("reg", "ls"),
            List.of("reg", "watch"),
            List.of("events"),
            List.of("token"),
            List.of("token", "create"),
            List.of("up"),
            List.of("down"));
    for (List<String> command : commands) {
      String[] arguments =
          java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help"))
              .toArray(String[]::new);
      Invocation run = Invocation.run(environment(), arguments);
      assertThat(run.status()).as("ssi %s --help", command).isZero();
      assertThat(run.out()).as("ssi %s --help", command).startsWith("Usage: ssi");
    }
  }

  @Test
  void topHelpExplainsHowTheSocketIsFound() {
    String help = Invocation.run(environment(), "--help").out().replaceAll("\\s+", " ");
    assertThat(help)
        .contains("--socket, else the SSI_SOCKET environment variable, else /run/onefold/ssid.sock")
        .contains("first running node of the default local cluster directory");
  }

  @Test
  void unknownFlagIsAUsageError() {
    Invocation run = Invocation.run(environment(), "cluster", "--bogus");
    assertOneLineError(run, 2);
    assertThat(run.err()).contains("--bogus");
  }

  @Test
  void missingArgumentIsAUsageError() {
    assertOneLineError(Invocation.run(environment(), "reg", "get"), 2);
    assertOneLineError(Invocation.run(environment(), "reg", "put", "key"), 2);
  }

  @Test
  void missingCommandIsAUsageError() {
    assertOneLineError(Invocation.run(environment()), 2);
    assertOneLineError(Invocation.run(environment(), "reg"), 2);
    assertOneLineError(Invocation.run(environment(), "token"), 2);
  }

  @Test
  void badValuesAreUsageErrors() {
    assertOneLineError(Invocation.run(environment(), "token", "create", "--ttl", "5x"), 2);
    assertOneLineError(Invocation.run(environment(), "token", "create", "--ttl", "0h"), 2);
    assertOneLineError(
        Invocation.run(environment(), "reg", "put", "k", "v", "--if-revision", "-1"), 2);
    assertOneLineError(Invocation.run(environment(), "reg", "ls", "--limit", "many"), 2);
    assertOneLineError(
        Invocation.run(environment(), "reg", "del", "k", "--prefix", "--if-revision", "3"), 2);
    assertOneLineError(
        Invocation.run(environment(), "up", "--nodes", "33", "--dir", temporary.toString()), 2);
    assertOneLineError(
        Invocation.run(environment(), "up", "--nodes", "0", "--dir", temporary.toString()), 2);
  }

  @Test
  void unreachableDaemonIsAFailureNamingTheSocket() {
    Path socket = temporary.resolve("absent.sock");
    Invocation run = Invocation.run(environment(), "--socket", socket.toString(), "cluster");
    assertOneLineError(run, 1);
    assertThat(run.err()).contains(socket.toString());
  }

  @Test
  void socketFlagMayFollowTheCommand() {
    Path socket = temporary.resolve("after.sock");
    Invocation run = Invocation.run(environment(), "reg", "ls", "--socket", socket.toString());
    assertOneLineError(run, 1);
    assertThat(run.err()).contains(socket.toString());
  }

  @Test
  void socketFromTheEnvironmentIsUsed() {
    Path socket = temporary.resolve("environment.sock");
    Invocation run =
        Invocation.run(
            Map.of("SSI_SOCKET", socket.toString(), "HOME", temporary.toString()), "cluster");
    assertOneLineError(run, 1);
    assertThat(run.err()).contains(socket.toString());
  }
}
