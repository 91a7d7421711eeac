package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ssi down on directories with no daemons running: the refusal rule and the clean-up. */
class DownCommandTest {
  @TempDir Path temporary;

  private Invocation down(Path directory, String... more) {
    String[] arguments = new String[2 + more.length + 1];
    arguments[0] = "down";
    arguments[1] = "--dir";
    arguments[2] = directory.toString();
    System.arraycopy(more, 0, arguments, 3, more.length);
    return Invocation.run(Map.of("HOME", temporary.toString()), arguments);
  }

  @Test
  void purgeRefusesADirectoryWithoutNodeSubdirectories() throws IOException {
    Path precious = Files.createDirectories(temporary.resolve("thesis"));
    Files.writeString(precious.resolve("chapter1.tex"), "\\chapter{Introduction}");
    Files.createDirectories(precious.resolve("nodes"));

    Invocation run = down(precious, "--purge");

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err())
        .startsWith("ssi: refusing to delete " + precious)
        .contains("does not look like a cluster");
    assertThat(run.err().strip()).doesNotContain("\n");
    assertThat(precious.resolve("chapter1.tex")).exists();
  }

  @Test
  void purgeDeletesAClusterDirectory() throws IOException {
    Path cluster = temporary.resolve("cluster");
    Files.createDirectories(cluster.resolve("node1/state"));
    Files.writeString(cluster.resolve("node1/state/identity"), "node=1\n");
    Files.createDirectories(cluster.resolve("node2"));

    Invocation run = down(cluster, "--purge");

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("no running nodes in " + cluster).contains("deleted " + cluster);
    assertThat(cluster).doesNotExist();
  }

  @Test
  void downRemovesStalePidAndSocketFiles() throws IOException {
    Path cluster = temporary.resolve("cluster");
    Files.createDirectories(cluster.resolve("node1"));
    // A pid that no live ssid has: the file is left over from a crash.
    Files.writeString(cluster.resolve("node1/ssid.pid"), ProcessHandle.current().pid() + "\n");
    Files.writeString(cluster.resolve("node1/ssid.sock"), "");

    Invocation run = down(cluster);

    assertThat(run.status()).isZero();
    assertThat(cluster.resolve("node1/ssid.pid")).doesNotExist();
    assertThat(cluster.resolve("node1/ssid.sock")).doesNotExist();
    assertThat(cluster.resolve("node1")).exists();
  }

  @Test
  void downOfAMissingDirectoryHasNothingToDo() {
    Invocation run = down(temporary.resolve("never"));
    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("nothing to stop");
  }
}
