package org.onefold.node.fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The session against requests built as the kernel writes them, replies read as it reads them. */
class FuseSessionTest {
  private final FuseSession session =
      new FuseSession(new HelloFilesystem(), InstantSource.system());
  private long unique = 1;

  /** A request: struct fuse_in_header (uid 1000), then body. */
  private ByteBuffer request(int opcode, long inode, byte[] body) {
    ByteBuffer in =
        ByteBuffer.allocate(FuseProtocol.IN_HEADER_BYTES + body.length)
            .order(ByteOrder.LITTLE_ENDIAN);
    in.putInt(FuseProtocol.IN_HEADER_BYTES + body.length).putInt(opcode).putLong(unique++);
    in.putLong(inode)
        .putInt(1000)
        .putInt(1000)
        .putInt(4242)
        .putShort((short) 0)
        .putShort((short) 0);
    in.put(body);
    return in.flip();
  }

  private static byte[] initBody(int major, int minor, int flags) {
    ByteBuffer body = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    body.putInt(major).putInt(minor).putInt(131072).putInt(flags);
    return body.array();
  }

  private static byte[] readBody(long offset, int size) {
    ByteBuffer body = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    body.putLong(0).putLong(offset).putInt(size);
    return body.array();
  }

  /** The reply's header checked against the request; its payload. */
  private ByteBuffer answer(ByteBuffer request, int expectedErrno) {
    long sent = request.getLong(8);
    byte[] reply = session.answer(request).orElseThrow();
    ByteBuffer out = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(out.getInt()).as("length").isEqualTo(reply.length);
    assertThat(out.getInt()).as("error").isEqualTo(-expectedErrno);
    assertThat(out.getLong()).as("unique").isEqualTo(sent);
    return out.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  private void init() {
    answer(request(FuseProtocol.INIT, 0, initBody(7, 44, 0xffffffff)), 0);
  }

  @Test
  @DisplayName("INIT agrees on the kernel's minor version, at most 38, and the features both have")
  void initNegotiates() {
    ByteBuffer out =
        answer(
            request(
                FuseProtocol.INIT,
                0,
                initBody(7, 44, FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES | 1 << 10)),
            0);
    assertThat(out.remaining()).isEqualTo(FuseProtocol.INIT_OUT_BYTES);
    assertThat(out.getInt()).isEqualTo(7);
    assertThat(out.getInt()).isEqualTo(38);
    assertThat(out.getInt())
        .as("max_readahead: the mount's, above the 128 KiB offered")
        .isEqualTo(FuseMount.READ_AHEAD_KIB * 1024);
    assertThat(out.getInt()).isEqualTo(FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES);
    out.getInt();
    assertThat(out.getInt()).as("max_write without MAX_PAGES").isEqualTo(128 * 1024);

    FuseSession larger = new FuseSession(new HelloFilesystem(), InstantSource.system());
    ByteBuffer large =
        ByteBuffer.wrap(
                larger
                    .answer(request(FuseProtocol.INIT, 0, initBody(7, 44, FuseProtocol.MAX_PAGES)))
                    .orElseThrow())
            .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(large.getInt(FuseProtocol.OUT_HEADER_BYTES + 12)).isEqualTo(FuseProtocol.MAX_PAGES);
    assertThat(large.getInt(FuseProtocol.OUT_HEADER_BYTES + 20)).as("max_write").isEqualTo(1 << 20);
    assertThat(large.getShort(FuseProtocol.OUT_HEADER_BYTES + 28))
        .as("max_pages")
        .isEqualTo((short) 256);

    FuseSession older = new FuseSession(new HelloFilesystem(), InstantSource.system());
    byte[] reply = older.answer(request(FuseProtocol.INIT, 0, initBody(7, 19, 0))).orElseThrow();
    assertThat(reply).hasSize(FuseProtocol.OUT_HEADER_BYTES + 24);
    assertThat(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(20)).isEqualTo(19);
  }

  @Test
  @DisplayName("a newer major version gets ours alone; an older one EPROTO; nothing before INIT")
  void initEdges() {
    ByteBuffer out = answer(request(FuseProtocol.INIT, 0, initBody(8, 0, 0)), 0);
    assertThat(out.remaining()).isEqualTo(8);
    assertThat(out.getInt()).isEqualTo(7);
    answer(request(FuseProtocol.INIT, 0, initBody(6, 0, 0)), FuseProtocol.EPROTO);
    answer(request(FuseProtocol.GETATTR, 1, new byte[16]), FuseProtocol.EIO);
  }

  @Test
  @DisplayName("GETATTR and LOOKUP answer struct fuse_attr; a missing name is ENOENT")
  void attributesAndLookup() {
    init();
    ByteBuffer root = answer(request(FuseProtocol.GETATTR, 1, new byte[16]), 0);
    assertThat(root.remaining()).isEqualTo(FuseProtocol.ATTR_OUT_BYTES);
    assertThat(root.getLong(16)).as("ino").isEqualTo(1);
    assertThat(root.getInt(16 + 60)).as("mode").isEqualTo(0040755);

    ByteBuffer entry =
        answer(request(FuseProtocol.LOOKUP, 1, "hello\0".getBytes(StandardCharsets.UTF_8)), 0);
    assertThat(entry.remaining()).isEqualTo(FuseProtocol.ENTRY_OUT_BYTES);
    assertThat(entry.getLong(0)).as("nodeid").isEqualTo(HelloFilesystem.HELLO);
    assertThat(entry.getLong(40 + 8)).as("size").isEqualTo(HelloFilesystem.TEXT.length);
    assertThat(entry.getInt(40 + 60)).as("mode").isEqualTo(0100644);

    answer(request(FuseProtocol.LOOKUP, 1, "nope\0".getBytes()), FuseProtocol.ENOENT);
  }

  @Test
  @DisplayName("READ gives the bytes from the offset, fewer at the end, none past it")
  void read() {
    init();
    ByteBuffer data = answer(request(FuseProtocol.READ, 2, readBody(7, 4096)), 0);
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("cluster\n");
    assertThat(answer(request(FuseProtocol.READ, 2, readBody(100, 10)), 0).remaining()).isZero();
    answer(request(FuseProtocol.READ, 1, readBody(0, 10)), FuseProtocol.EISDIR);
  }

  @Test
  @DisplayName("READDIR gives whole records that fit, and goes on from the offset it gave")
  void readdirInPages() {
    init();
    long[] last = new long[1];
    // Room for two records of short names (32 bytes each), not three.
    List<String> first =
        DirectoryRecords.names(answer(request(FuseProtocol.READDIR, 1, readBody(0, 70)), 0), last);
    assertThat(first).containsExactly(".", "..");
    List<String> rest =
        DirectoryRecords.names(
            answer(request(FuseProtocol.READDIR, 1, readBody(last[0], 4096)), 0), last);
    assertThat(rest).containsExactly("hello");
    assertThat(answer(request(FuseProtocol.READDIR, 1, readBody(last[0], 4096)), 0).remaining())
        .as("the end")
        .isZero();
  }

  @Test
  @DisplayName("FORGET has no reply; an operation not served is ENOSYS; STATFS reports usage")
  void othersAndStatfs() {
    init();
    assertThat(session.answer(request(FuseProtocol.FORGET, 2, new byte[8])))
        .isEqualTo(Optional.empty());
    answer(request(99, 1, new byte[0]), FuseProtocol.ENOSYS);
    ByteBuffer usage = answer(request(FuseProtocol.STATFS, 1, new byte[0]), 0);
    assertThat(usage.getLong(0)).as("blocks").isEqualTo(1000);
    assertThat(usage.getLong(8)).as("bfree").isEqualTo(400);
    assertThat(usage.getInt(40)).as("bsize").isEqualTo(4096);
  }
}
