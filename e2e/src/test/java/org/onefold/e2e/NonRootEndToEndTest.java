package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process space's security lines, from a user who is not root: the daemons run as root (as in
 * CI), and the test runs {@code ssi} as nobody (uid 65534) through setpriv, from a copy of the
 * command's jars that nobody may read. Identity comes from the kernel: nobody's programs run as
 * nobody with nobody's groups, and nobody cannot signal root's processes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NonRootEndToEndTest {
  private static final int NOBODY = 65534;

  /** A supplementary group given to nobody's ssi, to see that groups travel (users). */
  private static final int EXTRA_GROUP = 100;

  private Path shared;
  private Path cli;
  private LocalCluster cluster;

  @BeforeAll
  void upAsRoot(@TempDir Path temporary) throws IOException {
    assumeTrue(
        new com.sun.security.auth.module.UnixSystem().getUid() == 0,
        "needs root: the test runs ssi as another user (nobody) through setpriv");
    // Every directory on the way to the sockets and the jars must be open to nobody.
    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rwxr-xr-x"));
    shared = Files.createDirectories(temporary.resolve("shared"));
    cli = Files.createDirectories(temporary.resolve("cli"));
    copyJars(Programs.home().resolve("cli").resolve("target"), cli);
    cluster = LocalCluster.up(shared, 3);
  }

  @AfterAll
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static void copyJars(Path target, Path into) throws IOException {
    List<Path> jars = new ArrayList<>();
    try (Stream<Path> own = Files.list(target);
        Stream<Path> libraries = Files.list(target.resolve("lib"))) {
      own.filter(jar -> jar.toString().endsWith(".jar")).forEach(jars::add);
      libraries.filter(jar -> jar.toString().endsWith(".jar")).forEach(jars::add);
    }
    for (Path jar : jars) {
      Path copy = Files.copy(jar, into.resolve(jar.getFileName()));
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /** Runs ssi as nobody (groups: nogroup and users) against node, from the shared directory. */
  private Programs.Result ssiAsNobody(int node, String... arguments) {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/setpriv",
                "--reuid=" + NOBODY,
                "--regid=" + NOBODY,
                "--groups=" + NOBODY + "," + EXTRA_GROUP,
                "--",
                java,
                // As bin/ssi runs it.
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                cli + "/*",
                "org.onefold.cli.Ssi"));
    command.addAll(List.of(arguments));
    Map<String, String> environment = cluster.environmentOf(node);
    environment.put("HOME", shared.toString());
    return Programs.runIn(shared, shared.resolve("runs"), environment, Optional.empty(), command);
  }

  @Test
  @DisplayName("nobody's program runs as nobody, with nobody's groups, never as root")
  void programsRunAsTheCaller() {
    Programs.Result run = ssiAsNobody(1, "onnode", "2", "sh", "-c", "id -u; id -G");
    assertThat(run.status()).as(run.describe()).isZero();
    assertThat(run.out()).isEqualTo(NOBODY + "\n" + NOBODY + " " + EXTRA_GROUP + "\n");

    Programs.Result shadow = ssiAsNobody(1, "onnode", "3", "cat", "/etc/shadow");
    assertThat(shadow.status()).as("root's file, read as nobody").isEqualTo(1);
    assertThat(shadow.err()).contains("Permission denied");
  }

  @Test
  @DisplayName("nobody cannot wait for root's program; root's own wait still gets its status")
  void nobodyCannotWaitForRoot() {
    Programs.Result started = cluster.ssiOn(1, "onnode", "-d", "2", "sh", "-c", "exit 7");
    assertThat(started.status()).as(started.describe()).isZero();
    String cpid = started.out().strip();

    Programs.Result wait = ssiAsNobody(3, "wait", cpid);

    assertThat(wait.status()).as(wait.describe()).isEqualTo(1);
    assertThat(wait.errLines())
        .containsExactly("ssi: wait: (" + cpid + ") - Operation not permitted");
    Programs.Result rootWait = cluster.ssiOn(3, "wait", cpid);
    assertThat(rootWait.status()).as(rootWait.describe()).isEqualTo(7);
    assertThat(rootWait.out()).isEqualTo("7\n");
  }

  @Test
  @DisplayName("nobody cannot signal root's process: Operation not permitted, and it runs on")
  void nobodyCannotSignalRoot() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 600_000);
    Process rootRun = cluster.ssiInBackground(1, "root-sleep", "onnode", "2", "sleep", marker);
    try {
      await("root's sleep listed")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> cluster.ssiOn(3, "ps").out().contains("sleep " + marker));
      String line =
          cluster
              .ssiOn(3, "ps")
              .out()
              .lines()
              .filter(row -> row.endsWith("sleep " + marker))
              .findFirst()
              .orElseThrow();
      String cpid = line.split("\\s+")[0];

      Programs.Result kill = ssiAsNobody(3, "kill", "-9", cpid);

      assertThat(kill.status()).as(kill.describe()).isEqualTo(1);
      assertThat(kill.errLines())
          .containsExactly("ssi: kill: (" + cpid + ") - Operation not permitted");
      assertThat(cluster.ssiOn(1, "where", cpid).out()).as("still running").isEqualTo("2\n");
    } finally {
      rootRun.destroyForcibly();
      ProcessHandle.allProcesses()
          .filter(
              process ->
                  process
                      .info()
                      .commandLine()
                      .map(c -> c.endsWith("sleep " + marker))
                      .orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }
}
