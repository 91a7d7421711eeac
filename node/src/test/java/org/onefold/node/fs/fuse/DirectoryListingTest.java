package org.onefold.node.fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.ChunkStore;
import org.onefold.node.fs.ClusterFilesystem;
import org.onefold.node.fs.FsGateway;
import org.onefold.node.fs.FsState;
import org.onefold.node.fs.Namespace;

/** Directory listings through the session: one read per OPENDIR, pages from it, 100,000 names. */
class DirectoryListingTest {
  @TempDir Path directory;
  private FuseSession session;
  private ClusterFilesystem filesystem;
  private long unique = 1;

  private void start() throws IOException {
    filesystem =
        new ClusterFilesystem(
            FsGateway.direct(
                new FsState(new Namespace(0755, 0, 0, 0), new ChunkStore(directory.resolve("c")))),
            InstantSource.system(),
            directory);
    session = new FuseSession(filesystem, InstantSource.system());
    ByteBuffer init = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    init.putInt(7).putInt(38).putInt(0).putInt(0);
    call(FuseProtocol.INIT, 0, init.array());
  }

  /** The reply's payload; the reply must be no error. */
  private ByteBuffer call(int opcode, long inode, byte[] body) {
    ByteBuffer in =
        ByteBuffer.allocate(FuseProtocol.IN_HEADER_BYTES + body.length)
            .order(ByteOrder.LITTLE_ENDIAN);
    in.putInt(FuseProtocol.IN_HEADER_BYTES + body.length).putInt(opcode).putLong(unique++);
    in.putLong(inode).putInt(0).putInt(0).putInt(1).putInt(0).put(body);
    ByteBuffer out =
        ByteBuffer.wrap(session.answer(in.flip()).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(out.getInt(4)).as("error of opcode " + opcode).isZero();
    out.position(FuseProtocol.OUT_HEADER_BYTES);
    return out.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  private long openDirectory() {
    return call(FuseProtocol.OPENDIR, FuseFilesystem.ROOT, new byte[8]).getLong(0);
  }

  /** Every name READDIR gives for handle, page by page of pageBytes. */
  private List<String> readAll(long handle, int pageBytes) {
    List<String> names = new ArrayList<>();
    long offset = 0;
    while (true) {
      ByteBuffer body = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
      body.putLong(handle).putLong(offset).putInt(pageBytes);
      ByteBuffer records = call(FuseProtocol.READDIR, FuseFilesystem.ROOT, body.array());
      if (!records.hasRemaining()) {
        return names;
      }
      long[] last = new long[1];
      names.addAll(DirectoryRecords.names(records, last));
      offset = last[0];
    }
  }

  @Test
  @DisplayName("a listing is read at OPENDIR; a name made after it shows at the next rewind")
  void listingPerOpen() throws Exception {
    start();
    FuseFilesystem.Caller root = new FuseFilesystem.Caller(0, 0, 1);
    filesystem.make(root, FuseFilesystem.ROOT, "a", 0100644);
    long handle = openDirectory();
    filesystem.make(root, FuseFilesystem.ROOT, "b", 0100644);

    ByteBuffer body = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    body.putLong(handle).putLong(2).putInt(4096); // past . and ..: no rewind
    ByteBuffer rest = call(FuseProtocol.READDIR, FuseFilesystem.ROOT, body.array());
    assertThat(rest.remaining()).as("only a, as opened").isEqualTo(32);

    assertThat(readAll(handle, 4096))
        .as("a rewind reads again")
        .containsExactly(".", "..", "a", "b");
    call(FuseProtocol.RELEASEDIR, FuseFilesystem.ROOT, body.array());
  }

  @Test
  @DisplayName("a directory of 100,000 names lists whole, in pages")
  void hundredThousandNames() throws Exception {
    start();
    FuseFilesystem.Caller root = new FuseFilesystem.Caller(0, 0, 1);
    for (int i = 0; i < 100_000; i++) {
      filesystem.make(root, FuseFilesystem.ROOT, "file-" + i, 0100644);
    }
    List<String> names = readAll(openDirectory(), 64 * 1024);
    assertThat(names).hasSize(100_002).startsWith(".", "..").contains("file-0", "file-99999");
    assertThat(names.stream().distinct().count()).isEqualTo(100_002);
  }
}
