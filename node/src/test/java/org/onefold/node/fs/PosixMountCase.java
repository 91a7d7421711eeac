package org.onefold.node.fs;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** What every POSIX mount test starts from: a fresh CFS mounted beside a local directory. */
abstract class PosixMountCase {
  @TempDir Path directory;
  PosixProbe probe;

  @BeforeEach
  void start() throws IOException {
    probe = PosixProbe.start(directory);
  }

  @AfterEach
  void stop() throws IOException {
    if (probe != null) {
      probe.close();
    }
  }
}
