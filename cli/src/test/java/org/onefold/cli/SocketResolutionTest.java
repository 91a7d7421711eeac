package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SocketResolutionTest {
  private static final Path SYSTEM = Path.of("/run/onefold/ssid.sock");

  /**
   * A machine where the given paths exist and the given cluster directories have a running node.
   */
  private record FakeMachine(Set<Path> existing, Map<Path, Path> runningSockets)
      implements SocketResolution.Machine {
    @Override
    public boolean exists(Path path) {
      return existing.contains(path);
    }

    @Override
    public Optional<Path> firstRunningSocket(Path clusterDirectory) {
      return Optional.ofNullable(runningSockets.get(clusterDirectory));
    }
  }

  private static final Path LOCAL_CLUSTER = Path.of("/home/ann/.onefold/cluster");
  private static final Path LOCAL_SOCKET = LOCAL_CLUSTER.resolve("node2/ssid.sock");
  private static final FakeMachine EVERYTHING =
      new FakeMachine(Set.of(SYSTEM), Map.of(LOCAL_CLUSTER, LOCAL_SOCKET));

  @Test
  void flagComesFirst() {
    assertThat(
            SocketResolution.resolve(
                "/tmp/flag.sock", Map.of("SSI_SOCKET", "/tmp/variable.sock"), EVERYTHING))
        .isEqualTo(Path.of("/tmp/flag.sock"));
  }

  @Test
  void variableComesSecond() {
    assertThat(
            SocketResolution.resolve(null, Map.of("SSI_SOCKET", "/tmp/variable.sock"), EVERYTHING))
        .isEqualTo(Path.of("/tmp/variable.sock"));
  }

  @Test
  void systemSocketComesThirdIfItExists() {
    assertThat(
            SocketResolution.resolve(
                null, Map.of("HOME", "/home/ann", "SSI_SOCKET", ""), EVERYTHING))
        .isEqualTo(SYSTEM);
  }

  @Test
  void otherwiseTheFirstRunningNodeOfTheDefaultClusterDirectory() {
    FakeMachine noSystemDaemon = new FakeMachine(Set.of(), Map.of(LOCAL_CLUSTER, LOCAL_SOCKET));
    assertThat(SocketResolution.resolve("", Map.of("HOME", "/home/ann"), noSystemDaemon))
        .isEqualTo(LOCAL_SOCKET);
  }

  @Test
  void clusterDirectoryVariableOverridesTheHomeDefault() {
    Path elsewhere = Path.of("/srv/try");
    FakeMachine machine =
        new FakeMachine(
            Set.of(),
            Map.of(LOCAL_CLUSTER, LOCAL_SOCKET, elsewhere, elsewhere.resolve("node1/ssid.sock")));
    Map<String, String> environment = new HashMap<>(Map.of("HOME", "/home/ann"));
    environment.put("ONEFOLD_CLUSTER_DIR", elsewhere.toString());
    assertThat(SocketResolution.resolve(null, environment, machine))
        .isEqualTo(elsewhere.resolve("node1/ssid.sock"));
  }

  @Test
  void withNothingRunningTheSystemPathIsTheAnswer() {
    FakeMachine nothing = new FakeMachine(Set.of(), Map.of());
    assertThat(SocketResolution.resolve(null, Map.of("HOME", "/home/ann"), nothing))
        .isEqualTo(SYSTEM);
  }
}
