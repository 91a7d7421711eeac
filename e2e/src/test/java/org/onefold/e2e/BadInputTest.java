package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when they get something wrong: bin/ssid and bin/ssi run as processes, each
 * mistake answered by ONE line on stderr that names the problem, exit status 2 for bad usage and 1
 * for a failure, the process gone (no restart loop), and nothing half-written left behind (a fresh
 * --dir has no state/ after a failed start; a set-up node's state is left as it was).
 *
 * <p>Two clusters of one node each serve the cases: cluster B runs throughout (on 127.0.2.1);
 * cluster A's node (127.0.2.2) is set up and then stopped, so its state directory belongs to
 * another cluster than B. Ports are random free ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  private static final Map<String, String> NO_ENVIRONMENT = Map.of();

  /** Static: JUnit fills instance @TempDir fields only after @BeforeAll of a per-class instance. */
  @TempDir static Path work;

  private Daemon clusterB;
  private Path clusterBDirectory;
  private String clusterBJoin;
  private String clusterBToken;
  private int clusterBRpcPort;
  private int clusterBRaftPort;
  private Path clusterADirectory;
  private int clusterARpcPort;
  private int clusterARaftPort;

  @BeforeAll
  void startClusterBAndSetUpClusterA() throws IOException {
    clusterBRpcPort = Programs.freePort();
    clusterBRaftPort = Programs.freePort();
    clusterBDirectory = work.resolve("b1");
    clusterB =
        Daemon.start(
            work,
            "b1",
            NO_ENVIRONMENT,
            "--dir",
            clusterBDirectory.toString(),
            "--address",
            "127.0.2.1",
            "--rpc-port",
            Integer.toString(clusterBRpcPort),
            "--raft-port",
            Integer.toString(clusterBRaftPort));
    clusterB.awaitUp();
    clusterBJoin = "127.0.2.1:" + clusterBRpcPort;
    clusterBToken = Files.readString(clusterBDirectory.resolve("join-token")).strip();

    clusterARpcPort = Programs.freePort();
    clusterARaftPort = Programs.freePort();
    clusterADirectory = work.resolve("a1");
    try (Daemon clusterA =
        Daemon.start(
            work,
            "a1",
            NO_ENVIRONMENT,
            "--dir",
            clusterADirectory.toString(),
            "--address",
            "127.0.2.2",
            "--rpc-port",
            Integer.toString(clusterARpcPort),
            "--raft-port",
            Integer.toString(clusterARaftPort))) {
      clusterA.awaitUp();
    }
    assertThat(clusterADirectory.resolve("state").resolve("identity")).exists();
  }

  @AfterAll
  void stopClusterB() {
    if (clusterB != null) {
      clusterB.close();
    }
  }

  @Test
  @DisplayName("a malformed config file: usage error naming the file and line")
  void malformedConfigFile() throws IOException {
    Path config = work.resolve("malformed.conf");
    Files.writeString(config, "# a comment\nvoters-max 3\n");
    Path fresh = freshDirectory("malformed-config");
    Programs.Result result =
        Programs.ssid(
            work, NO_ENVIRONMENT, "--dir", fresh.toString(), "--config", config.toString());
    assertOneLineFailure(result, 2, "malformed config file " + config + " line 2");
    assertNothingLeftIn(fresh);
  }

  @Test
  @DisplayName("an unknown flag of ssid: usage error")
  void unknownFlagOfSsid() {
    Programs.Result result = Programs.ssid(work, NO_ENVIRONMENT, "--frobnicate");
    assertOneLineFailure(result, 2, "--frobnicate");
  }

  @Test
  @DisplayName("an unknown flag of ssi: usage error")
  void unknownFlagOfSsi() {
    Programs.Result result = Programs.ssi(work, NO_ENVIRONMENT, "cluster", "--frobnicate");
    assertOneLineFailure(result, 2, "--frobnicate");
  }

  @Test
  @DisplayName(
      "a join token with the right cluster but a wrong secret: join refused, nothing written")
  void wrongToken() {
    String wrong = clusterBToken.substring(0, clusterBToken.lastIndexOf('.') + 1) + "0".repeat(32);
    assertThat(wrong).isNotEqualTo(clusterBToken);
    Path fresh = freshDirectory("wrong-token");
    Programs.Result result = join(fresh, "127.0.2.3", clusterBJoin, wrong);
    assertOneLineFailure(result, 1, "join refused");
    assertNothingLeftIn(fresh);
  }

  @Test
  @DisplayName("a malformed join token: failure naming the expected form, nothing written")
  void malformedToken() {
    Path fresh = freshDirectory("malformed-token");
    Programs.Result result = join(fresh, "127.0.2.3", clusterBJoin, "not-a-token");
    assertOneLineFailure(result, 1, "ofj1");
    assertNothingLeftIn(fresh);
  }

  @Test
  @DisplayName("a join address where nothing listens: cannot reach it, nothing written")
  void unreachableJoinAddress() {
    Path fresh = freshDirectory("unreachable");
    String nobody = "127.0.2.9:" + Programs.freePort();
    Programs.Result result = join(fresh, "127.0.2.3", nobody, clusterBToken);
    assertOneLineFailure(result, 1, "cannot reach join address " + nobody);
    assertNothingLeftIn(fresh);
  }

  @Test
  @DisplayName(
      "a state directory of cluster A started with cluster B's join token: refused, state kept")
  void stateDirectoryOfAnotherCluster() throws IOException {
    String identityBefore =
        Files.readString(clusterADirectory.resolve("state").resolve("identity"));
    Programs.Result result =
        Programs.ssid(
            work,
            NO_ENVIRONMENT,
            "--dir",
            clusterADirectory.toString(),
            "--address",
            "127.0.2.2",
            "--rpc-port",
            Integer.toString(clusterARpcPort),
            "--raft-port",
            Integer.toString(clusterARaftPort),
            "--join",
            clusterBJoin,
            "--token",
            clusterBToken);
    assertOneLineFailure(result, 1, "belongs to cluster");
    assertThat(Files.readString(clusterADirectory.resolve("state").resolve("identity")))
        .as("cluster A's node identity after the refused start")
        .isEqualTo(identityBefore);
    assertNoDaemonOn(clusterADirectory);
  }

  @Test
  @DisplayName(
      "a corrupt state/identity: failure naming the file, state kept for the user to inspect")
  void corruptStateFile() throws IOException {
    Path copy = freshDirectory("corrupt");
    copyTree(clusterADirectory, copy);
    Path identity = copy.resolve("state").resolve("identity");
    Files.writeString(identity, "cluster-id=not-a-uuid\nnode=x\n");
    Programs.Result result =
        Programs.ssid(
            work,
            NO_ENVIRONMENT,
            "--dir",
            copy.toString(),
            "--address",
            "127.0.2.2",
            "--rpc-port",
            Integer.toString(Programs.freePort()),
            "--raft-port",
            Integer.toString(Programs.freePort()));
    assertOneLineFailure(result, 1, "corrupt state file " + identity);
    assertThat(copy.resolve("state").resolve("tls"))
        .as("the node's keys, not deleted")
        .isDirectory();
    assertNoDaemonOn(copy);
  }

  @Test
  @DisplayName(
      "a second daemon on the address and ports of a running one: cannot listen, nothing written")
  void portInUse() {
    Path fresh = freshDirectory("port-in-use");
    Programs.Result result =
        Programs.ssid(
            work,
            NO_ENVIRONMENT,
            "--dir",
            fresh.toString(),
            "--address",
            "127.0.2.1",
            "--rpc-port",
            Integer.toString(clusterBRpcPort),
            "--raft-port",
            Integer.toString(clusterBRaftPort));
    assertOneLineFailure(result, 1, "cannot listen on 127.0.2.1:");
    assertNothingLeftIn(fresh);
    assertThat(clusterB.process().isAlive()).as("cluster B's daemon").isTrue();
  }

  @Test
  @DisplayName(
      "a second daemon on a running daemon's state directory: refused, naming the running one")
  void secondDaemonOnTheSameStateDirectory() {
    Programs.Result result =
        Programs.ssid(
            work,
            NO_ENVIRONMENT,
            "--dir",
            clusterBDirectory.toString(),
            "--address",
            "127.0.2.1",
            "--rpc-port",
            Integer.toString(clusterBRpcPort),
            "--raft-port",
            Integer.toString(clusterBRaftPort));
    assertOneLineFailure(
        result, 1, "another ssid is running on state directory " + clusterBDirectory);
    assertThat(result.err()).contains("pid " + clusterB.process().pid());
    assertThat(clusterB.process().isAlive()).as("cluster B's daemon").isTrue();
    assertThat(clusterBDirectory.resolve("state").resolve("identity")).exists();
  }

  @Test
  @DisplayName(
      "ssi reg put of a value over 1 MiB from stdin: failure naming the size and the limit")
  void valueOverOneMebibyte() throws IOException {
    Path value = work.resolve("big-value");
    Files.write(value, new byte[(1 << 20) + 1]);
    Programs.Result result =
        Programs.ssiWithInput(
            work,
            Map.of("SSI_SOCKET", clusterBDirectory.resolve("ssid.sock").toString()),
            value,
            "reg",
            "put",
            "too/big",
            "-");
    assertOneLineFailure(result, 1, "value of 1048577 bytes; at most 1048576");
    Programs.Result get =
        Programs.ssi(
            work,
            Map.of("SSI_SOCKET", clusterBDirectory.resolve("ssid.sock").toString()),
            "reg",
            "get",
            "too/big");
    assertThat(get.status()).as("the key was not written: %s", get.describe()).isEqualTo(1);
  }

  private Programs.Result join(Path directory, String address, String through, String token) {
    return Programs.ssid(
        work,
        NO_ENVIRONMENT,
        "--dir",
        directory.toString(),
        "--address",
        address,
        "--rpc-port",
        Integer.toString(Programs.freePort()),
        "--raft-port",
        Integer.toString(Programs.freePort()),
        "--join",
        through,
        "--token",
        token);
  }

  private Path freshDirectory(String name) {
    return work.resolve("fresh-" + name);
  }

  private static void assertOneLineFailure(Programs.Result result, int status, String names) {
    assertThat(result.status()).as("exit status of %s", result.describe()).isEqualTo(status);
    assertThat(result.errLines()).as("stderr of %s", result.describe()).hasSize(1);
    assertThat(result.errLines().getFirst()).as("stderr of %s", result.describe()).contains(names);
  }

  /** A failed start in a fresh directory leaves no state/ and no daemon. */
  private static void assertNothingLeftIn(Path directory) {
    assertThat(directory.resolve("state")).as("state/ after a failed start").doesNotExist();
    assertNoDaemonOn(directory);
  }

  /** The ssid run has ended, and no process (a respawned one, say) names the directory. */
  private static void assertNoDaemonOn(Path directory) {
    assertThat(
            ProcessHandle.allProcesses()
                .filter(process -> commandLine(process).contains(directory.toString()))
                .map(ProcessHandle::pid)
                .toList())
        .as("processes still running on %s", directory)
        .isEmpty();
  }

  private static String commandLine(ProcessHandle process) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")),
          StandardCharsets.UTF_8);
    } catch (IOException gone) {
      return "";
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        String name = path.getFileName().toString();
        if (name.equals("ssid.lock") || name.equals("ssid.sock") || name.equals("ssid.pid")) {
          continue;
        }
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
  }
}
