package org.onefold.node.fs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a READDIR reply's struct fuse_dirent records, as the kernel does, for the tests. */
final class DirectoryRecords {
  private DirectoryRecords() {}

  /** The names in a READDIR reply, and the offset of its last record. */
  static List<String> names(ByteBuffer records, long[] lastOffset) {
    List<String> names = new ArrayList<>();
    while (records.remaining() > 0) {
      int start = records.position();
      records.getLong();
      lastOffset[0] = records.getLong();
      int length = records.getInt();
      records.getInt();
      byte[] name = new byte[length];
      records.get(name);
      names.add(new String(name, StandardCharsets.UTF_8));
      records.position(start + ((FuseProtocol.DIRENT_NAME_OFFSET + length + 7) & ~7));
    }
    return names;
  }
}
