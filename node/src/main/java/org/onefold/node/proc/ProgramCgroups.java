package org.onefold.node.proc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cgroup (v2) per started program, so that every process it forks stays known as its descendant,
 * even one that leaves its session (a daemon that calls setsid) or is re-parented to the system's
 * init. The kernel puts every child in its parent's cgroup, so one write of the program's pid
 * before it runs (the launcher's first step, as root) covers its whole tree, with no race.
 *
 * <p>Layout: {@code MOUNT/OWN/onefold-node<N>-<run>/<cpid>}, where MOUNT is the cgroup2 mount, OWN
 * the daemon's own cgroup (a systemd unit with Delegate=yes, or the root) and run names this run of
 * the daemon (its pid and start time): a run never mixes its cpids with an earlier run's, whose
 * programs may live on; a later run removes what earlier runs left empty. No controller is enabled:
 * membership is all that is used, so the "no internal processes" rule never applies.
 *
 * <p>Only a root daemon on a machine with a writable cgroup2 mount has them; elsewhere {@link
 * #forThisDaemon} is empty and descendants are known by their session, as before.
 *
 * <p>Thread-safe: every method works on the file system alone.
 */
final class ProgramCgroups {
  private static final String PREFIX = "onefold-node";

  private final Path base;

  /** The base as /proc/PID/cgroup names it: a path from the cgroup2 root ("/onefold-node2-..."). */
  private final String baseInHierarchy;

  ProgramCgroups(Path base, String baseInHierarchy) {
    this.base = base;
    this.baseInHierarchy = baseInHierarchy;
  }

  /**
   * The cgroups of this daemon run, made under its own cgroup of the cgroup2 mount named in proc's
   * mountinfo; empty without such a mount, or when it cannot be written (not root).
   */
  static Optional<ProgramCgroups> forThisDaemon(Path proc, int node, String run) {
    try {
      Optional<Path> mount = cgroup2Mount(Files.readAllLines(proc.resolve("self/mountinfo")));
      Optional<String> own = ownCgroup(Files.readAllLines(proc.resolve("self/cgroup")));
      if (mount.isEmpty() || own.isEmpty()) {
        return Optional.empty();
      }
      Path parent = mount.get().resolve(own.get().substring(1));
      removeEmptyLeftovers(parent, PREFIX + node + "-");
      String name = PREFIX + node + "-" + run;
      Path base = Files.createDirectories(parent.resolve(name));
      String inHierarchy = (own.get().endsWith("/") ? own.get() : own.get() + "/") + name;
      return Optional.of(new ProgramCgroups(base, inHierarchy));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The mount point of the cgroup2 file system in mountinfo lines, if there is one. */
  static Optional<Path> cgroup2Mount(List<String> mountinfo) {
    for (String line : mountinfo) {
      // "35 24 0:30 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw"
      int separator = line.indexOf(" - ");
      if (separator < 0) {
        continue;
      }
      String[] after = line.substring(separator + 3).split(" ");
      String[] before = line.substring(0, separator).split(" ");
      if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
        return Optional.of(Path.of(before[4].replace("\\040", " ")));
      }
    }
    return Optional.empty();
  }

  /** This process's cgroup2 path ("0::/PATH" in /proc/self/cgroup), if it has one. */
  static Optional<String> ownCgroup(List<String> cgroup) {
    for (String line : cgroup) {
      if (line.startsWith("0::/")) {
        return Optional.of(line.substring("0::".length()));
      }
    }
    return Optional.empty();
  }

  private static void removeEmptyLeftovers(Path parent, String namePrefix) throws IOException {
    try (DirectoryStream<Path> earlier = Files.newDirectoryStream(parent, namePrefix + "*")) {
      for (Path run : earlier) {
        removeEmpty(run, Set.of());
        try {
          Files.deleteIfExists(run);
        } catch (IOException e) {
          // Processes of that run still live in it: left alone.
        }
      }
    }
  }

  /**
   * The file whose write moves a process into cpid's cgroup (made now), for the launcher to write
   * the program's pid into before the program runs.
   */
  Path procsFileFor(int cpid) throws IOException {
    return Files.createDirectories(base.resolve(Integer.toString(cpid))).resolve("cgroup.procs");
  }

  /**
   * Whether a process is in one of the programs' cgroups, by its cgroup file ({@code
   * /proc/PID/cgroup}): one small read, where {@link #members} reads every program's.
   */
  boolean holds(Path processCgroupFile) {
    try {
      return ownCgroup(Files.readAllLines(processCgroupFile))
          .filter(path -> path.startsWith(baseInHierarchy + "/"))
          .isPresent();
    } catch (IOException e) {
      return false;
    }
  }

  /** The pids in each program's cgroup, by the program's cpid; programs whose tree ended too. */
  Map<Integer, Set<Long>> members() {
    Map<Integer, Set<Long>> members = new HashMap<>();
    try (DirectoryStream<Path> programs = Files.newDirectoryStream(base)) {
      for (Path program : programs) {
        Optional<Integer> cpid = cpidOf(program);
        if (cpid.isEmpty()) {
          continue;
        }
        Set<Long> pids = new HashSet<>();
        for (String line : Files.readAllLines(program.resolve("cgroup.procs"))) {
          if (!line.isBlank()) {
            pids.add(Long.parseLong(line.strip()));
          }
        }
        members.put(cpid.get(), pids);
      }
    } catch (IOException | RuntimeException e) {
      // The base went away (the daemon is stopping): nothing to report.
    }
    return members;
  }

  /** Removes the cgroups no process lives in, except those of the cpids in keep. */
  void sweep(Set<Integer> keep) {
    try {
      removeEmpty(base, keep);
    } catch (IOException e) {
      // Tried again at the next sweep.
    }
  }

  private static void removeEmpty(Path directory, Set<Integer> keep) throws IOException {
    try (DirectoryStream<Path> programs = Files.newDirectoryStream(directory)) {
      for (Path program : programs) {
        Optional<Integer> cpid = cpidOf(program);
        if (cpid.isEmpty() || keep.contains(cpid.get())) {
          continue;
        }
        try {
          // rmdir(2) of a cgroup fails (EBUSY) while a process lives in it.
          Files.delete(program);
        } catch (IOException e) {
          // Populated: kept.
        }
      }
    }
  }

  private static Optional<Integer> cpidOf(Path program) {
    if (!Files.isDirectory(program)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(program.getFileName().toString()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
