package org.onefold.node.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A look at this node's processes through /proc: for each, its stat line, its real and saved uids
 * (what kill(2) compares with the sender's) and its command line. A process may end while it is
 * read; it is then left out. Names of users come from /etc/passwd, read once per look.
 */
final class ProcScanner {
  /** What one look found of a process. */
  record Found(ProcStat stat, int realUid, int savedUid, List<String> argv) {
    ProcessTable.Seen seen() {
      return new ProcessTable.Seen(stat.pid(), stat.startTicks());
    }

    /** The command as ps shows it: the arguments, or [name] for a kernel thread. */
    String command() {
      return argv.isEmpty() ? "[" + stat.name() + "]" : String.join(" ", argv);
    }
  }

  /** Processes listed at most per look: a bound on the work of one ps. */
  static final int PROCESSES_MAX = 1 << 16;

  private final Path proc;

  ProcScanner(Path proc) {
    this.proc = proc;
  }

  List<Found> scan() {
    List<Found> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path entry : entries) {
        if (found.size() >= PROCESSES_MAX) {
          break;
        }
        read(entry).ifPresent(found::add);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + proc + ": " + e.getMessage(), e);
    }
    return found;
  }

  /** The process of pid, if it runs. */
  Optional<Found> read(long pid) {
    return read(proc.resolve(Long.toString(pid)));
  }

  /** The stat line alone of pid (its parent, session, start time), if it runs: one file read. */
  Optional<ProcStat> stat(long pid) {
    return stat(proc.resolve(Long.toString(pid)));
  }

  private static Optional<ProcStat> stat(Path directory) {
    try {
      return ProcStat.parse(Files.readString(directory.resolve("stat"), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // Ended while read, or not a process directory.
      return Optional.empty();
    }
  }

  private static Optional<Found> read(Path directory) {
    try {
      Optional<ProcStat> stat = stat(directory);
      if (stat.isEmpty()) {
        return Optional.empty();
      }
      int[] uids = uids(Files.readAllLines(directory.resolve("status"), StandardCharsets.UTF_8));
      return Optional.of(
          new Found(
              stat.get(),
              uids[0],
              uids[2],
              argv(Files.readAllBytes(directory.resolve("cmdline")))));
    } catch (IOException | RuntimeException e) {
      // Ended while read, or not a process directory.
      return Optional.empty();
    }
  }

  /** Real, effective, saved and filesystem uids from a status file's "Uid:" line. */
  private static int[] uids(List<String> status) {
    for (String line : status) {
      if (line.startsWith("Uid:")) {
        String[] fields = line.substring(4).trim().split("\\s+");
        return new int[] {
          Integer.parseInt(fields[0]),
          Integer.parseInt(fields[1]),
          Integer.parseInt(fields[2]),
          Integer.parseInt(fields[3])
        };
      }
    }
    throw new IllegalStateException("no Uid: line");
  }

  private static List<String> argv(byte[] cmdline) {
    List<String> argv = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        argv.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < cmdline.length) {
      argv.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
    }
    return argv;
  }

  /** User names by uid, from /etc/passwd; a uid without a name shows as its number. */
  static Map<Integer, String> userNames() {
    Map<Integer, String> names = new HashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
        String[] fields = line.split(":");
        if (fields.length > 2) {
          try {
            names.putIfAbsent(Integer.parseInt(fields[2]), fields[0]);
          } catch (NumberFormatException e) {
            // A malformed line names nobody.
          }
        }
      }
    } catch (IOException e) {
      // No passwd file: numbers it is.
    }
    return names;
  }
}
