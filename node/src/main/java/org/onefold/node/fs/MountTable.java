package org.onefold.node.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.onefold.node.transport.Libc;

/** This process's mount table (/proc/self/mounts), for clearing what a dead daemon left. */
final class MountTable {
  private MountTable() {}

  /** Whether something is mounted at path (its absolute form, as the table writes it). */
  static boolean isMountPoint(Path path) throws IOException {
    // The table writes a space, tab, newline and backslash in a path as octal escapes.
    // The table names the real path: a state directory reached through a symbolic link is
    // found by its target.
    Path real = Files.exists(path) ? path.toRealPath() : path.toAbsolutePath();
    String target =
        " "
            + real.toString()
                .replace("\\", "\\134")
                .replace(" ", "\\040")
                .replace("\t", "\\011")
                .replace("\n", "\\012")
            + " ";
    try (var lines = Files.lines(Path.of("/proc/self/mounts"))) {
      return lines.anyMatch(line -> line.contains(target));
    }
  }

  /**
   * Detaches what is mounted at path, if anything (umount2 with MNT_DETACH: gone from the tree at
   * once, freed when its last user lets go); whether there was something.
   */
  static boolean detach(Path path) throws IOException {
    if (!isMountPoint(path)) {
      return false;
    }
    Libc.umount2(path.toString(), Libc.MNT_DETACH);
    return true;
  }
}
