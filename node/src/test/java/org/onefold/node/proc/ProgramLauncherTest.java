package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.proto.proc.Credentials;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.Window;

class ProgramLauncherTest {
  private static final ProgramLauncher.Identity ROOT =
      new ProgramLauncher.Identity(0, 0, Set.of(0));
  private static final ProgramLauncher LAUNCHER =
      new ProgramLauncher(ROOT, 2, Path.of("/run/onefold/ssid.sock"));
  private static final Optional<Path> PROCS =
      Optional.of(Path.of("/sys/fs/cgroup/onefold-node2/131073/cgroup.procs"));

  private static RunStart.Builder start() {
    return RunStart.newBuilder()
        .addAllArgv(List.of("make", "-j2"))
        .setCwd("/home/ann/src")
        .setUmask(027)
        .putAllEnv(Map.of("LD_PRELOAD", "/tmp/evil.so", "SSH_TTY", "/dev/pts/3", "LANG", "C"));
  }

  private static Credentials user(int uid, int gid, Integer... groups) {
    return Credentials.newBuilder()
        .setUid(uid)
        .setGid(gid)
        .addAllGroups(List.of(groups))
        .setPid(4242)
        .build();
  }

  @Test
  @DisplayName("another user's program: its environment only after setpriv and env -i")
  void anotherUser() {
    ProgramLauncher.Launch launch =
        LAUNCHER.commandLine(start().build(), user(1000, 1000, 1000, 27), PROCS);

    assertThat(launch.environment()).doesNotContainKey("LD_PRELOAD").containsKey("PATH");
    List<String> line = launch.command();
    assertThat(line.subList(0, 2)).containsExactly("/bin/sh", "-c");
    assertThat(line.subList(3, 6))
        .containsExactly("onefold-prepare", PROCS.get().toString(), "0027");
    int setpriv = line.indexOf("/usr/bin/setpriv");
    int env = line.indexOf("/usr/bin/env");
    assertThat(line.get(6)).isEqualTo("/usr/bin/setsid");
    assertThat(line.subList(setpriv, setpriv + 4))
        .containsExactly("/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--groups=1000,27");
    assertThat(env).isGreaterThan(setpriv);
    assertThat(line.subList(env, env + 4))
        .containsExactly("/usr/bin/env", "-i", "-C", "/home/ann/src");
    assertThat(line.indexOf("LD_PRELOAD=/tmp/evil.so")).isGreaterThan(env);
    assertThat(line).doesNotContain("SSH_TTY=/dev/pts/3");
    assertThat(line)
        .contains("LANG=C", "PWD=/home/ann/src", "SSI_NODE=2", "SSI_SOCKET=/run/onefold/ssid.sock")
        .endsWith("make", "-j2");
  }

  @Test
  @DisplayName("the daemon's own user: two steps, the caller's environment from the first")
  void ownUser() {
    ProgramLauncher.Launch launch = LAUNCHER.commandLine(start().build(), user(0, 0, 0), PROCS);

    assertThat(launch.command())
        .containsExactly(
            "/bin/sh",
            "-c",
            launch.command().get(2),
            "onefold-prepare",
            PROCS.get().toString(),
            "0027",
            "/home/ann/src",
            "/usr/bin/setsid",
            "make",
            "-j2");
    assertThat(launch.environment())
        .containsEntry("LD_PRELOAD", "/tmp/evil.so")
        .containsEntry("PWD", "/home/ann/src")
        .containsEntry("SSI_SOCKET", "/run/onefold/ssid.sock")
        .doesNotContainKey("SSH_TTY");
  }

  @Test
  @DisplayName("root with other groups than the daemon's is another identity: setpriv sets them")
  void rootWithOtherGroups() {
    List<String> line =
        LAUNCHER.commandLine(start().build(), user(0, 0, 0, 4), Optional.empty()).command();
    assertThat(line).contains("/usr/bin/setpriv", "--groups=0,4");
    assertThat(line.get(4)).as("no cgroup: an empty argument").isEmpty();
  }

  @Test
  @DisplayName("on a terminal: no setsid (pty4j makes the session), the shell sets its size")
  void terminal() {
    RunStart start =
        start().setTty(true).setWindow(Window.newBuilder().setRows(50).setColumns(132)).build();
    List<String> line = LAUNCHER.commandLine(start, user(0, 0, 0), PROCS).command();
    assertThat(line).doesNotContain("/usr/bin/setsid").contains("onefold-run", "50", "132");
    assertThat(line.subList(line.indexOf("/usr/bin/env"), line.indexOf("/usr/bin/env") + 2))
        .containsExactly("/usr/bin/env", "-i");
  }

  @Test
  @DisplayName("in the cluster view: nsenter first, and SSI_SOCKET names the socket the view shows")
  void inTheClusterView() {
    ProgramLauncher launcher = new ProgramLauncher(ROOT, 2, Path.of("/tmp/of/node2/ssid.sock"));
    launcher.enterView(
        new ProgramLauncher.View(
            Path.of("/tmp/of/node2/view/mnt"), Path.of("/run/onefold/ssid.sock")));

    List<String> other = launcher.commandLine(start().build(), user(1000, 1000), PROCS).command();
    assertThat(other.subList(0, 5))
        .containsExactly(
            "/usr/bin/nsenter", "--mount=/tmp/of/node2/view/mnt", "--", "/bin/sh", "-c");
    assertThat(other).contains("SSI_SOCKET=/run/onefold/ssid.sock");

    ProgramLauncher.Launch own = launcher.commandLine(start().build(), user(0, 0, 0), PROCS);
    assertThat(own.command().get(0)).isEqualTo("/usr/bin/nsenter");
    assertThat(own.environment()).containsEntry("SSI_SOCKET", "/run/onefold/ssid.sock");
  }
}
