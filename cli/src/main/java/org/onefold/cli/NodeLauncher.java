package org.onefold.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts one daemon of a local cluster in the background: {@code bin/ssid --dir D/node<k> --address
 * 127.0.1.k [--join HOST --token TOKEN]}, in a session of its own (through setsid, when the machine
 * has it) so that the terminal's signals do not reach it, with stdin from /dev/null and stdout and
 * stderr appended to D/node<k>/ssid.out. The daemon writes its own pid file.
 */
final class NodeLauncher {
  /** Where a new node joins: a running node's address (HOST or HOST:PORT) and a join token. */
  record Join(String host, String token) {}

  private static final List<Path> SETSID_PATHS =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

  private final ClusterDirectory cluster;
  private final Path ssid;

  NodeLauncher(ClusterDirectory cluster, Path onefoldHome) {
    this.cluster = cluster;
    this.ssid = onefoldHome.resolve("bin").resolve("ssid");
    if (!Files.isExecutable(ssid)) {
      throw new Failure(
          "no daemon launcher at "
              + ssid
              + "; is onefold.home ("
              + onefoldHome
              + ") the project root?");
    }
  }

  /** The daemon's command line for node, as run (without the setsid in front). */
  List<String> commandLine(int node, Optional<Join> join) {
    List<String> command =
        new ArrayList<>(
            List.of(
                ssid.toString(),
                "--dir",
                cluster.nodeDirectory(node).toString(),
                "--address",
                ClusterDirectory.address(node),
                "--mount",
                cluster.mountPoint(node).toString()));
    join.ifPresent(
        where -> command.addAll(List.of("--join", where.host(), "--token", where.token())));
    return command;
  }

  Process start(int node, Optional<Join> join) {
    List<String> command = new ArrayList<>();
    setsid().ifPresent(path -> command.add(path.toString()));
    command.addAll(commandLine(node, join));
    try {
      Files.createDirectories(cluster.nodeDirectory(node));
      return new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(cluster.outputFile(node).toFile()))
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      throw new Failure("cannot start node " + node + ": " + e.getMessage(), e);
    }
  }

  private static Optional<Path> setsid() {
    return SETSID_PATHS.stream().filter(Files::isExecutable).findFirst();
  }
}
