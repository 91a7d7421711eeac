package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramCgroupsTest {
  @TempDir Path root;

  @Test
  void the_cgroup2_mount_is_found_in_mountinfo_among_v1_mounts() {
    List<String> mountinfo =
        List.of(
            "30 24 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory",
            "35 24 0:30 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw",
            "36 24 0:31 / /other rw - tmpfs tmpfs rw");
    assertThat(ProgramCgroups.cgroup2Mount(mountinfo)).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(ProgramCgroups.cgroup2Mount(List.of(mountinfo.getFirst()))).isEmpty();
  }

  @Test
  void the_own_cgroup_is_the_unified_line_of_proc_self_cgroup() {
    assertThat(
            ProgramCgroups.ownCgroup(
                List.of("4:memory:/x", "0::/system.slice/ssid.service", "1:cpu:/")))
        .contains("/system.slice/ssid.service");
    assertThat(ProgramCgroups.ownCgroup(List.of("4:memory:/x"))).isEmpty();
  }

  @Test
  void members_are_read_per_program_and_other_entries_are_ignored() throws IOException {
    ProgramCgroups cgroups = new ProgramCgroups(root, "/onefold-node2-run");
    Files.writeString(cgroups.procsFileFor(131073), "4242\n4250\n");
    Files.writeString(cgroups.procsFileFor(131074), "");
    Files.createDirectories(root.resolve("not-a-cpid"));
    Files.writeString(root.resolve("cgroup.procs"), "1\n");
    assertThat(cgroups.members()).isEqualTo(Map.of(131073, Set.of(4242L, 4250L), 131074, Set.of()));
  }

  @Test
  void a_machine_without_cgroup2_has_no_program_cgroups() throws IOException {
    Path proc = Files.createDirectories(root.resolve("proc/self")).getParent();
    Files.writeString(proc.resolve("self/mountinfo"), "36 24 0:31 / /tmp rw - tmpfs tmpfs rw\n");
    Files.writeString(proc.resolve("self/cgroup"), "0::/\n");
    assertThat(ProgramCgroups.forThisDaemon(proc, 1, "run")).isEmpty();
  }

  @Test
  void each_daemon_run_gets_its_own_base_and_empty_leftovers_go() throws IOException {
    Path mount = Files.createDirectories(root.resolve("cgroup"));
    Path proc = Files.createDirectories(root.resolve("proc/self")).getParent();
    Files.writeString(
        proc.resolve("self/mountinfo"),
        "35 24 0:30 / " + mount + " rw,relatime shared:10 - cgroup2 cgroup2 rw\n");
    Files.writeString(proc.resolve("self/cgroup"), "0::/\n");
    Files.createDirectories(mount.resolve("onefold-node2-old/131073"));

    assertThat(ProgramCgroups.forThisDaemon(proc, 2, "new")).isPresent();

    assertThat(mount.resolve("onefold-node2-old")).doesNotExist();
    assertThat(mount.resolve("onefold-node2-new")).isDirectory();
  }

  @Test
  void a_process_is_held_when_its_cgroup_is_under_a_programs() throws IOException {
    ProgramCgroups cgroups = new ProgramCgroups(root, "/system.slice/onefold-node2-run");
    Path inside =
        Files.writeString(
            root.resolve("inside"), "4:memory:/\n0::/system.slice/onefold-node2-run/131073\n");
    Path outside = Files.writeString(root.resolve("outside"), "0::/system.slice/other\n");
    Path base = Files.writeString(root.resolve("base"), "0::/system.slice/onefold-node2-run\n");
    assertThat(cgroups.holds(inside)).isTrue();
    assertThat(cgroups.holds(outside)).isFalse();
    assertThat(cgroups.holds(base)).as("the daemon's own base is no program's").isFalse();
    assertThat(cgroups.holds(root.resolve("gone"))).isFalse();
  }
}
