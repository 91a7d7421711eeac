package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster view made over a plain directory standing in for the node's mount: what a program
 * entered into it sees, and that the node outside sees none of it.
 */
class ClusterViewTest {
  @TempDir Path work;

  @BeforeEach
  void needsRoot() {
    assumeTrue(
        new com.sun.security.auth.module.UnixSystem().getUid() == 0,
        "needs root: making a mount namespace and its binds needs CAP_SYS_ADMIN");
  }

  /** What sh -c script prints inside the view kept at file. */
  private static String inside(Path file, String script) throws Exception {
    Process process =
        new ProcessBuilder("/usr/bin/nsenter", "--mount=" + file, "--", "/bin/sh", "-c", script)
            .redirectErrorStream(true)
            .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  @DisplayName(
      "inside the view: /cluster is the mount, a shared path is its copy under it (made with the"
          + " node's mode), the node's socket is at /run/onefold/ssid.sock; outside, nothing"
          + " changed")
  void theViewShowsTheClusterFilesystem() throws Exception {
    Path mount = Files.createDirectories(work.resolve("mount"));
    Files.writeString(mount.resolve("marker"), "from the cluster\n");
    Path shared = Files.createDirectories(work.resolve("shared"));
    Files.setPosixFilePermissions(
        shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
    Files.writeString(shared.resolve("own"), "the node's own\n");
    Path socket = Files.writeString(work.resolve("socket-stand-in"), "socket\n");
    Path viewDirectory = work.resolve("view");
    Path file = viewDirectory.resolve("mnt");

    try (ClusterView view = ClusterView.make(viewDirectory, mount, List.of(shared), socket)) {
      assertThat(view.namespaceFile()).isEqualTo(file);
      assertThat(MountTable.isMountPoint(file)).isTrue();
      assertThat(inside(file, "cat /cluster/marker /run/onefold/ssid.sock"))
          .isEqualTo("from the cluster\nsocket\n");
      assertThat(inside(file, "echo new >" + shared + "/made-inside; ls " + shared))
          .isEqualTo("made-inside\n");
      Path copy = mount.resolve(shared.toString().substring(1));
      assertThat(Files.readString(copy.resolve("made-inside"))).isEqualTo("new\n");
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(copy)))
          .isEqualTo("rwxrwx---");
      assertThat(Files.readString(shared.resolve("own"))).isEqualTo("the node's own\n");
      assertThat(shared.resolve("made-inside")).doesNotExist();
    }
    assertThat(MountTable.isMountPoint(file)).isFalse();
    assertThat(MountTable.isMountPoint(viewDirectory)).isFalse();
    assertThat(file).doesNotExist();
  }

  @Test
  @DisplayName("made under a shared mount (as systemd leaves /), the view is made all the same")
  void underASharedMount() throws Exception {
    Path shared = Files.createDirectories(work.resolve("shared-mount"));
    run("mount", "--bind", shared.toString(), shared.toString());
    try {
      run("mount", "--make-shared", shared.toString());
      Path mount = Files.createDirectories(shared.resolve("mount"));
      Files.writeString(mount.resolve("marker"), "here\n");
      Path socket = Files.writeString(shared.resolve("socket-stand-in"), "socket\n");
      try (ClusterView view = ClusterView.make(shared.resolve("view"), mount, List.of(), socket)) {
        assertThat(inside(view.namespaceFile(), "cat /cluster/marker")).isEqualTo("here\n");
      }
    } finally {
      run("umount", "-l", shared.toString());
    }
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
  }

  @Test
  @DisplayName("a view that cannot be made says why in one line and leaves no namespace behind")
  void aViewThatCannotBeMade() throws IOException {
    Path viewDirectory = work.resolve("view");
    Path file = viewDirectory.resolve("mnt");
    assertThatThrownBy(
            () ->
                ClusterView.make(
                    viewDirectory,
                    work.resolve("no-such-mount"),
                    List.of(),
                    work.resolve("no-socket")))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot make the cluster view: ")
        .hasMessageNotContaining("\n");
    assertThat(MountTable.isMountPoint(file)).isFalse();
    assertThat(MountTable.isMountPoint(viewDirectory)).isFalse();
  }
}
