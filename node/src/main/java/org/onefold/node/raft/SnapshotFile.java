package org.onefold.node.raft;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * A state machine's snapshot as one file in its Ratis storage, the way Ratis' simple storage keeps
 * them: written under a temporary name, renamed into place, its MD5 beside it, and made the
 * storage's latest. Shared by the meta and the filesystem groups.
 */
public final class SnapshotFile {
  /** Writes a state to out. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private SnapshotFile() {}

  /** Saves the state writer writes as the snapshot at last, and makes it the latest. */
  public static void save(SimpleStateMachineStorage storage, TermIndex last, Writer writer)
      throws IOException {
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path partial = Path.of(file.getPath() + ".partial");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial))) {
      writer.write(out);
    }
    Files.move(partial, file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    var md5 = MD5FileUtil.computeMd5ForFile(file);
    MD5FileUtil.saveMD5File(file, md5);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
  }
}
