package org.onefold.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A local cluster directory, as {@code ssi up} lays it out: one state directory per node, {@code
 * node<k>}, for a daemon on address 127.0.1.k. Inside each, the daemon's own files (see the node's
 * StateDirectory): {@code ssid.sock}, {@code ssid.pid}, {@code state/identity} once the node is set
 * up, {@code join-token} on the node that bootstrapped; and {@code ssid.out}, where {@code up}
 * sends the daemon's stdout and stderr.
 */
final class ClusterDirectory {
  /** The environment variable naming the default cluster directory. */
  static final String DIRECTORY_VARIABLE = "ONEFOLD_CLUSTER_DIR";

  /** The class a running daemon's command line names: how a live pid is told from a reused one. */
  static final String DAEMON_CLASS = "org.onefold.node.Ssid";

  static final int NODES_MAX = 32;
  private static final Pattern NODE_DIRECTORY = Pattern.compile("node([1-9][0-9]*)");

  private final Path root;

  ClusterDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** ONEFOLD_CLUSTER_DIR, else $HOME/.onefold/cluster. */
  static Path defaultRoot(Map<String, String> environment) {
    String named = environment.get(DIRECTORY_VARIABLE);
    if (named != null && !named.isEmpty()) {
      return Path.of(named);
    }
    String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(home, ".onefold", "cluster");
  }

  static String address(int node) {
    return "127.0.1." + node;
  }

  Path root() {
    return root;
  }

  Path nodeDirectory(int node) {
    return root.resolve("node" + node);
  }

  Path socket(int node) {
    return nodeDirectory(node).resolve("ssid.sock");
  }

  /** Where node k mounts the cluster filesystem (ssi up passes it to the daemon). */
  Path mountPoint(int node) {
    return nodeDirectory(node).resolve("cluster");
  }

  /** Where node k's cluster view (a mount namespace, the file mnt in it) is kept. */
  Path viewDirectory(int node) {
    return nodeDirectory(node).resolve("view");
  }

  Path pidFile(int node) {
    return nodeDirectory(node).resolve("ssid.pid");
  }

  Path outputFile(int node) {
    return nodeDirectory(node).resolve("ssid.out");
  }

  Path joinTokenFile(int node) {
    return nodeDirectory(node).resolve("join-token");
  }

  /** True once the node has joined or bootstrapped: the daemon writes its identity last. */
  boolean isSetUp(int node) {
    return Files.exists(nodeDirectory(node).resolve("state").resolve("identity"));
  }

  /** The numbers of the node directories present, in order. */
  List<Integer> nodes() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Integer> nodes = new ArrayList<>();
    try (Stream<Path> entries = Files.list(root)) {
      entries
          .filter(Files::isDirectory)
          .forEach(
              entry -> {
                Matcher matcher = NODE_DIRECTORY.matcher(entry.getFileName().toString());
                if (matcher.matches() && matcher.group(1).length() <= 5) {
                  nodes.add(Integer.parseInt(matcher.group(1)));
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot list cluster directory " + root + ": " + e.getMessage(), e);
    }
    nodes.sort(Integer::compare);
    return nodes;
  }

  /** A cluster directory has at least one node directory; anything else is not ours to delete. */
  boolean looksLikeCluster() {
    return !nodes().isEmpty();
  }

  /** The pid of the node's daemon if one runs: its pid file names a live ssid process. */
  OptionalLong runningPid(int node) {
    OptionalLong pid = readPid(pidFile(node));
    if (pid.isPresent() && isDaemon(pid.getAsLong())) {
      return pid;
    }
    return OptionalLong.empty();
  }

  Optional<Path> firstRunningSocket() {
    for (int node : nodes()) {
      if (runningPid(node).isPresent() && Files.exists(socket(node))) {
        return Optional.of(socket(node));
      }
    }
    return Optional.empty();
  }

  static OptionalLong readPid(Path pidFile) {
    try {
      return OptionalLong.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** True if pid is a live process whose command line names the daemon's main class. */
  static boolean isDaemon(long pid) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return false;
    }
    // /proc holds the whole command line; ProcessHandle.Info may cut it short.
    try {
      byte[] commandLine = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(commandLine, StandardCharsets.UTF_8).contains(DAEMON_CLASS);
    } catch (IOException e) {
      return process
          .get()
          .info()
          .commandLine()
          .map(line -> line.contains(DAEMON_CLASS))
          .orElse(false);
    }
  }

  /** The last non-empty line of the node's ssid.out, or a note that there is none. */
  String lastOutputLine(int node) {
    try {
      List<String> lines = Files.readAllLines(outputFile(node), StandardCharsets.UTF_8);
      for (int index = lines.size() - 1; index >= 0; index--) {
        if (!lines.get(index).isBlank()) {
          return lines.get(index).strip();
        }
      }
      return "no output in " + outputFile(node);
    } catch (IOException e) {
      return "no output in " + outputFile(node);
    }
  }
}
