package org.onefold.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.onefold.client.OnefoldClient;

/**
 * Which node's socket a command talks to: {@code --socket}, else {@code SSI_SOCKET}, else {@code
 * /run/onefold/ssid.sock}; if that does not exist either, the socket of the first running node of
 * the default local cluster directory (the one {@code ssi up} makes). If nothing is found the
 * default path is the answer, so that the error names the place a system daemon would listen.
 */
final class SocketResolution {
  /** What resolution needs to know about this machine; a seam for tests. */
  interface Machine {
    boolean exists(Path path);

    Optional<Path> firstRunningSocket(Path clusterDirectory);
  }

  private SocketResolution() {}

  static Machine onThisMachine() {
    return new Machine() {
      @Override
      public boolean exists(Path path) {
        return Files.exists(path);
      }

      @Override
      public Optional<Path> firstRunningSocket(Path clusterDirectory) {
        return new ClusterDirectory(clusterDirectory).firstRunningSocket();
      }
    };
  }

  static Path resolve(String flag, Map<String, String> environment, Machine machine) {
    if (flag != null && !flag.isEmpty()) {
      return Path.of(flag);
    }
    String variable = environment.get(OnefoldClient.SOCKET_VARIABLE);
    if (variable != null && !variable.isEmpty()) {
      return Path.of(variable);
    }
    if (machine.exists(OnefoldClient.DEFAULT_SOCKET)) {
      return OnefoldClient.DEFAULT_SOCKET;
    }
    return machine
        .firstRunningSocket(ClusterDirectory.defaultRoot(environment))
        .orElse(OnefoldClient.DEFAULT_SOCKET);
  }
}
