package org.onefold.node.fs.fuse;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The condition of every test that mounts: root, and a kernel with FUSE; else skipped, saying why.
 */
public final class Mountable {
  private Mountable() {}

  public static void assumeMountable() {
    assumeTrue(
        new com.sun.security.auth.module.UnixSystem().getUid() == 0,
        "needs root: mount(2) of a FUSE filesystem needs CAP_SYS_ADMIN");
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse (the fuse kernel module)");
  }
}
