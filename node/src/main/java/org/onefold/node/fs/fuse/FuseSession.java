package org.onefold.node.fs.fuse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pure core of the binding: one request's bytes, as read from /dev/fuse, in; its reply's bytes,
 * as written back, out. It negotiates the protocol on INIT, decodes each operation's input, calls
 * the {@link FuseFilesystem}, and encodes its answer or its errno. No threads, no kernel:
 * FuseSessionTest feeds it requests built by hand.
 *
 * <p>Operations not served yet answer ENOSYS, which the kernel remembers for most of them (it then
 * stops asking, and the system call gets the errno Linux gives for "not supported").
 */
final class FuseSession {
  /**
   * The largest write (and read) this side takes: 1 MiB (256 pages) with a kernel that offers
   * FUSE_MAX_PAGES; else the kernel's default, 32 pages. Every write is a change of the cluster
   * filesystem's log, so fewer, larger ones cost less per byte.
   */
  static final int WRITE_BYTES_MAX = 1 << 20;

  static final int WRITE_BYTES_DEFAULT = 128 * 1024;

  private static final int PAGE_BYTES = 4096;

  /** Directories open at once on one mount; one more is EMFILE. */
  static final int OPEN_DIRECTORIES_MAX = 4096;

  /**
   * How names (and symbolic links' targets, attribute names) pass between the kernel and the
   * filesystem: as the kernel's bytes, one char per byte. Linux names are bytes, not UTF-8; this
   * keeps any of them whole, and a name's length in chars is its length in bytes.
   */
  static final java.nio.charset.Charset NAMES = StandardCharsets.ISO_8859_1;

  private final FuseFilesystem filesystem;
  private final InstantSource clock;

  /** An open directory's names, as OPENDIR read them. */
  private record OpenDirectory(long inode, List<FuseFilesystem.DirectoryEntry> entries) {}

  /** Open directories by handle (fh); the reader threads share it. */
  private final Map<Long, OpenDirectory> openDirectories = new ConcurrentHashMap<>();

  private final AtomicLong nextHandle = new AtomicLong();

  /**
   * How long the kernel may keep names and attributes: 0 (ask every time) unless the filesystem
   * sends invalidation notices whenever they change ({@link #invalidateInode}). Set by the mount's
   * owner, read by every reader thread.
   */
  private volatile long validSeconds;

  /**
   * The protocol's minor version agreed on INIT; 0 before it. Set by INIT, which the kernel sends
   * alone, before any other request; read by every reader thread.
   */
  private volatile int minor;

  /** clock: what "now" is for a setattr that sets a time to now (touch). */
  FuseSession(FuseFilesystem filesystem, InstantSource clock) {
    this(filesystem, clock, 0);
  }

  FuseSession(FuseFilesystem filesystem, InstantSource clock, long validSeconds) {
    this.filesystem = filesystem;
    this.clock = clock;
    this.validSeconds = validSeconds;
  }

  /** From now on, names and attributes are given to the kernel to keep for seconds. */
  void keepFor(long seconds) {
    validSeconds = seconds;
  }

  /** The header of a request, struct fuse_in_header. */
  record Header(int length, int opcode, long unique, long inode, int uid, int gid, int pid) {}

  /**
   * The reply to request (one whole message as one read(2) of /dev/fuse returned it); empty for the
   * requests the kernel expects no reply to (FORGET, BATCH_FORGET, INTERRUPT).
   */
  Optional<byte[]> answer(ByteBuffer request) {
    ByteBuffer in = request.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < FuseProtocol.IN_HEADER_BYTES) {
      throw new IllegalArgumentException(
          "a FUSE request of "
              + in.remaining()
              + " bytes, shorter than its header ("
              + FuseProtocol.IN_HEADER_BYTES
              + ")");
    }
    Header header =
        new Header(
            in.getInt(),
            in.getInt(),
            in.getLong(),
            in.getLong(),
            in.getInt(),
            in.getInt(),
            in.getInt());
    in.position(FuseProtocol.IN_HEADER_BYTES);
    in.limit(Math.min(in.limit(), header.length()));
    ByteBuffer body = in.slice().order(ByteOrder.LITTLE_ENDIAN);
    switch (header.opcode()) {
      case FuseProtocol.FORGET, FuseProtocol.BATCH_FORGET, FuseProtocol.INTERRUPT -> {
        return Optional.empty();
      }
      default -> {}
    }
    try {
      return Optional.of(reply(header, body));
    } catch (FuseException e) {
      return Optional.of(error(header.unique(), e.errno()));
    }
  }

  private byte[] reply(Header header, ByteBuffer body) throws FuseException {
    if (header.opcode() == FuseProtocol.INIT) {
      return init(header, body);
    }
    if (minor == 0) {
      throw new FuseException(FuseProtocol.EIO, "a request before INIT");
    }
    long inode = header.inode();
    FuseFilesystem.Caller caller =
        new FuseFilesystem.Caller(header.uid(), header.gid(), header.pid());
    long unique = header.unique();
    return switch (header.opcode()) {
      case FuseProtocol.GETATTR -> attributesReply(unique, filesystem.attributes(inode));
      case FuseProtocol.LOOKUP -> entryReply(unique, filesystem.lookup(inode, name(body)));
      case FuseProtocol.OPEN -> {
        yield openReply(unique, filesystem.open(inode, body.getInt()));
      }
      case FuseProtocol.OPENDIR -> openDirectory(unique, inode);
      case FuseProtocol.READ -> {
        body.getLong(); // fh
        long offset = body.getLong();
        int size = body.getInt();
        byte[] data = filesystem.read(inode, offset, size);
        if (data.length > size) {
          // The kernel would fail the read with EIO; say whose bug it is.
          throw new IllegalStateException(
              "the filesystem read " + data.length + " bytes of inode " + inode + " for " + size);
        }
        yield reply(unique, data);
      }
      case FuseProtocol.WRITE -> write(unique, inode, body);
      case FuseProtocol.READDIR -> {
        long handle = body.getLong();
        long offset = body.getLong();
        int size = body.getInt();
        yield reply(unique, directory(listing(handle, inode, offset), offset, size));
      }
      case FuseProtocol.MKNOD -> {
        int mode = body.getInt();
        body.position(16); // rdev, umask, padding: the umask is applied to mode already
        yield entryReply(unique, filesystem.make(caller, inode, name(body), mode));
      }
      case FuseProtocol.MKDIR -> {
        int mode = body.getInt();
        body.getInt(); // umask, applied already
        yield entryReply(
            unique, filesystem.make(caller, inode, name(body), FuseProtocol.S_IFDIR | mode));
      }
      case FuseProtocol.CREATE -> create(unique, caller, inode, body);
      case FuseProtocol.SYMLINK -> {
        String name = name(body);
        yield entryReply(unique, filesystem.symlink(caller, inode, name, name(body)));
      }
      case FuseProtocol.READLINK -> reply(unique, filesystem.readlink(inode).getBytes(NAMES));
      case FuseProtocol.LINK -> {
        long target = body.getLong();
        yield entryReply(unique, filesystem.link(target, inode, name(body)));
      }
      case FuseProtocol.UNLINK -> {
        filesystem.unlink(inode, name(body));
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.RMDIR -> {
        filesystem.rmdir(inode, name(body));
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.RENAME, FuseProtocol.RENAME2 -> {
        long newParent = body.getLong();
        int flags = 0;
        if (header.opcode() == FuseProtocol.RENAME2) {
          flags = body.getInt();
          body.getInt(); // padding
        }
        String name = name(body);
        filesystem.rename(inode, name, newParent, name(body), flags);
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.SETATTR -> attributesReply(unique, setAttributes(inode, body));
      case FuseProtocol.RELEASE -> {
        filesystem.release(inode);
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.FSYNC -> {
        filesystem.fsync(inode);
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.SETXATTR -> {
        int size = body.getInt();
        int flags = body.getInt();
        String name = name(body);
        if (size > body.remaining()) {
          throw new FuseException(FuseProtocol.EINVAL, "an attribute value shorter than said");
        }
        byte[] value = new byte[size];
        body.get(value);
        filesystem.setXattr(inode, name, value, flags);
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.GETXATTR -> {
        int size = body.getInt();
        body.getInt(); // padding
        yield sized(unique, size, filesystem.getXattr(inode, name(body)));
      }
      case FuseProtocol.LISTXATTR -> {
        int size = body.getInt();
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String name : filesystem.listXattrs(inode)) {
          names.writeBytes(name.getBytes(NAMES));
          names.write(0);
        }
        yield sized(unique, size, names.toByteArray());
      }
      case FuseProtocol.REMOVEXATTR -> {
        filesystem.removeXattr(inode, name(body));
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.STATFS -> statfsReply(unique, filesystem.usage());
      case FuseProtocol.RELEASEDIR -> {
        openDirectories.remove(body.getLong());
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.FLUSH -> {
        filesystem.flush(inode);
        yield reply(unique, new byte[0]);
      }
      case FuseProtocol.FSYNCDIR, FuseProtocol.ACCESS, FuseProtocol.DESTROY ->
          reply(unique, new byte[0]);
      default -> throw new FuseException(FuseProtocol.ENOSYS, "opcode " + header.opcode());
    };
  }

  /**
   * A getxattr or listxattr answer: with size 0, only the size the value needs (struct
   * fuse_getxattr_out); a value larger than size is ERANGE; else the value.
   */
  private static byte[] sized(long unique, int size, byte[] value) throws FuseException {
    if (size == 0) {
      ByteBuffer out = message(unique, 0, 8);
      out.putInt(value.length).putInt(0);
      return finish(out, 8);
    }
    if (value.length > size) {
      throw new FuseException(
          FuseProtocol.ERANGE, "a value of " + value.length + " bytes for " + size);
    }
    return reply(unique, value);
  }

  /**
   * OPENDIR: the directory's names are read once, here, and READDIR hands them out in pieces from
   * this copy (one listing per opendir, not one per 4 KiB of entries: a directory of 100,000 names
   * costs one read of them). As POSIX allows, names added or removed meanwhile may show or not; a
   * rewind (offset 0) reads them again.
   */
  private byte[] openDirectory(long unique, long inode) throws FuseException {
    if (openDirectories.size() >= OPEN_DIRECTORIES_MAX) {
      throw new FuseException(
          FuseProtocol.EMFILE, OPEN_DIRECTORIES_MAX + " directories open on this mount");
    }
    List<FuseFilesystem.DirectoryEntry> entries = filesystem.list(inode);
    long handle = nextHandle.incrementAndGet();
    openDirectories.put(handle, new OpenDirectory(inode, entries));
    ByteBuffer out = message(unique, 0, FuseProtocol.OPEN_OUT_BYTES);
    out.putLong(handle).putInt(0);
    return finish(out, FuseProtocol.OPEN_OUT_BYTES);
  }

  /** The names READDIR serves from: the open directory's copy, read again at a rewind. */
  private List<FuseFilesystem.DirectoryEntry> listing(long handle, long inode, long offset)
      throws FuseException {
    OpenDirectory open = openDirectories.get(handle);
    if (open == null || open.inode() != inode) {
      return filesystem.list(inode); // Not opened through us (or forgotten): read it now.
    }
    if (offset == 0) {
      open = new OpenDirectory(inode, filesystem.list(inode));
      openDirectories.put(handle, open);
    }
    return open.entries();
  }

  /** struct fuse_write_in, then the data: the count written, struct fuse_write_out. */
  private byte[] write(long unique, long inode, ByteBuffer body) throws FuseException {
    body.getLong(); // fh
    long offset = body.getLong();
    int size = body.getInt();
    int flags = body.getInt(32); // the open file's flags, after write_flags and lock_owner
    body.position(40); // past padding
    if (size > body.remaining()) {
      throw new FuseException(FuseProtocol.EINVAL, "a write of " + size + " bytes with less data");
    }
    byte[] data = new byte[size];
    body.get(data);
    int written = filesystem.write(inode, offset, data, flags);
    ByteBuffer out = message(unique, 0, FuseProtocol.WRITE_OUT_BYTES);
    out.putInt(written).putInt(0);
    return finish(out, FuseProtocol.WRITE_OUT_BYTES);
  }

  /** struct fuse_create_in, then the name: made and opened, fuse_entry_out and fuse_open_out. */
  private byte[] create(long unique, FuseFilesystem.Caller caller, long parent, ByteBuffer body)
      throws FuseException {
    int flags = body.getInt();
    int mode = body.getInt();
    body.position(16); // umask (applied already), open_flags
    FuseFilesystem.Created created = filesystem.create(caller, parent, name(body), mode, flags);
    byte[] entry = entryReply(unique, created.attributes());
    ByteBuffer out = message(unique, 0, FuseProtocol.ENTRY_OUT_BYTES + FuseProtocol.OPEN_OUT_BYTES);
    out.put(entry, FuseProtocol.OUT_HEADER_BYTES, FuseProtocol.ENTRY_OUT_BYTES);
    out.putLong(0).putInt(created.openFlags()); // fh, open_flags
    return finish(out, FuseProtocol.ENTRY_OUT_BYTES + FuseProtocol.OPEN_OUT_BYTES);
  }

  /** struct fuse_setattr_in: what its valid bits name, as the filesystem's changes. */
  private FuseFilesystem.Attributes setAttributes(long inode, ByteBuffer body)
      throws FuseException {
    int valid = body.getInt(0);
    long size = body.getLong(16);
    long atime = body.getLong(32);
    long mtime = body.getLong(40);
    int atimeNanos = body.getInt(56);
    int mtimeNanos = body.getInt(60);
    int mode = body.getInt(68);
    int uid = body.getInt(76);
    int gid = body.getInt(80);
    Instant instant = clock.instant();
    long now = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    FuseFilesystem.Changes changes =
        new FuseFilesystem.Changes(
            (valid & FuseProtocol.FATTR_MODE) != 0 ? OptionalInt.of(mode) : OptionalInt.empty(),
            (valid & FuseProtocol.FATTR_UID) != 0 ? OptionalInt.of(uid) : OptionalInt.empty(),
            (valid & FuseProtocol.FATTR_GID) != 0 ? OptionalInt.of(gid) : OptionalInt.empty(),
            (valid & FuseProtocol.FATTR_SIZE) != 0 ? OptionalLong.of(size) : OptionalLong.empty(),
            time(
                valid,
                FuseProtocol.FATTR_ATIME,
                FuseProtocol.FATTR_ATIME_NOW,
                atime,
                atimeNanos,
                now),
            time(
                valid,
                FuseProtocol.FATTR_MTIME,
                FuseProtocol.FATTR_MTIME_NOW,
                mtime,
                mtimeNanos,
                now));
    return filesystem.setAttributes(inode, changes);
  }

  private static OptionalLong time(
      int valid, int given, int givenNow, long seconds, int nanos, long now) {
    if ((valid & givenNow) != 0) {
      return OptionalLong.of(now);
    }
    if ((valid & given) != 0) {
      return OptionalLong.of(seconds * 1_000_000_000L + nanos);
    }
    return OptionalLong.empty();
  }

  /**
   * FUSE_INIT: agrees on the protocol version (the kernel's minor, at most ours) and the features
   * both sides have. A kernel of a newer major version is answered with ours alone, and asks again;
   * an older one is refused.
   */
  private byte[] init(Header header, ByteBuffer body) throws FuseException {
    int kernelMajor = body.getInt();
    int kernelMinor = body.getInt();
    int readAhead = body.getInt();
    int kernelFlags = body.getInt();
    if (kernelMajor < FuseProtocol.KERNEL_VERSION) {
      throw new FuseException(FuseProtocol.EPROTO, "kernel FUSE protocol " + kernelMajor);
    }
    ByteBuffer out = message(header.unique(), 0, FuseProtocol.INIT_OUT_BYTES);
    out.putInt(FuseProtocol.KERNEL_VERSION);
    if (kernelMajor > FuseProtocol.KERNEL_VERSION) {
      out.putInt(0);
      return finish(out, 8);
    }
    minor = Math.min(kernelMinor, FuseProtocol.KERNEL_MINOR_VERSION);
    out.putInt(minor);
    // The most read-ahead we take: the kernel keeps the lesser of this and its device's setting,
    // which the mount raises (FuseMount.READ_AHEAD_KIB).
    out.putInt(Math.max(readAhead, FuseMount.READ_AHEAD_KIB * 1024));
    int flags =
        kernelFlags & (FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES | FuseProtocol.MAX_PAGES);
    boolean largeRequests = (flags & FuseProtocol.MAX_PAGES) != 0;
    out.putInt(flags);
    out.putShort((short) 16); // max_background
    out.putShort((short) 12); // congestion_threshold
    out.putInt(largeRequests ? WRITE_BYTES_MAX : WRITE_BYTES_DEFAULT);
    out.putInt(1); // time_gran: nanoseconds
    out.putShort((short) (largeRequests ? WRITE_BYTES_MAX / PAGE_BYTES : 0)); // max_pages
    return finish(
        out, minor < 23 ? FuseProtocol.INIT_OUT_BYTES_BEFORE_23 : FuseProtocol.INIT_OUT_BYTES);
  }

  /** A NUL-terminated name at the body's position, which moves past it. */
  private static String name(ByteBuffer body) {
    int end = body.position();
    while (end < body.limit() && body.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - body.position()];
    body.get(bytes);
    if (body.hasRemaining()) {
      body.get(); // The NUL, so that a second name (rename's, symlink's target) reads next.
    }
    return new String(bytes, NAMES);
  }

  private byte[] attributesReply(long unique, FuseFilesystem.Attributes attributes) {
    ByteBuffer out = message(unique, 0, FuseProtocol.ATTR_OUT_BYTES);
    out.putLong(validSeconds).putInt(0).putInt(0);
    putAttributes(out, attributes);
    return finish(out, FuseProtocol.ATTR_OUT_BYTES);
  }

  private byte[] entryReply(long unique, FuseFilesystem.Attributes attributes) {
    ByteBuffer out = message(unique, 0, FuseProtocol.ENTRY_OUT_BYTES);
    out.putLong(attributes.inode()).putLong(0); // nodeid, generation
    out.putLong(validSeconds).putLong(validSeconds).putInt(0).putInt(0);
    putAttributes(out, attributes);
    return finish(out, FuseProtocol.ENTRY_OUT_BYTES);
  }

  /** struct fuse_attr. */
  private static void putAttributes(ByteBuffer out, FuseFilesystem.Attributes attributes) {
    out.putLong(attributes.inode())
        .putLong(attributes.size())
        .putLong((attributes.size() + 511) / 512) // blocks of 512 bytes
        .putLong(Math.floorDiv(attributes.accessNanos(), 1_000_000_000L))
        .putLong(Math.floorDiv(attributes.modifyNanos(), 1_000_000_000L))
        .putLong(Math.floorDiv(attributes.changeNanos(), 1_000_000_000L))
        .putInt((int) Math.floorMod(attributes.accessNanos(), 1_000_000_000L))
        .putInt((int) Math.floorMod(attributes.modifyNanos(), 1_000_000_000L))
        .putInt((int) Math.floorMod(attributes.changeNanos(), 1_000_000_000L))
        .putInt(attributes.mode())
        .putInt(attributes.links())
        .putInt(attributes.uid())
        .putInt(attributes.gid())
        .putInt(0) // rdev
        .putInt(4096) // blksize
        .putInt(0); // flags
  }

  /** An open: file handle 0 (no state per open yet), and the filesystem's open flags. */
  private static byte[] openReply(long unique, int openFlags) {
    ByteBuffer out = message(unique, 0, FuseProtocol.OPEN_OUT_BYTES);
    out.putLong(0).putInt(openFlags);
    return finish(out, FuseProtocol.OPEN_OUT_BYTES);
  }

  private static byte[] statfsReply(long unique, FuseFilesystem.Usage usage) {
    ByteBuffer out = message(unique, 0, FuseProtocol.STATFS_OUT_BYTES);
    out.putLong(usage.blocks())
        .putLong(usage.freeBlocks())
        .putLong(usage.freeBlocks()) // available to non-root
        .putLong(usage.files())
        .putLong(usage.freeFiles())
        .putInt(usage.blockSize())
        .putInt(255) // namelen
        .putInt(usage.blockSize()); // frsize
    return finish(out, FuseProtocol.STATFS_OUT_BYTES);
  }

  /**
   * The entries after offset (each entry's offset is its index plus one, the cookie the kernel
   * gives back to continue), as many whole struct fuse_dirent records as fit in size bytes.
   */
  static byte[] directory(List<FuseFilesystem.DirectoryEntry> entries, long offset, int size) {
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (int index = (int) Math.max(0, offset); index < entries.size(); index++) {
      FuseFilesystem.DirectoryEntry entry = entries.get(index);
      byte[] name = entry.name().getBytes(NAMES);
      int record = (FuseProtocol.DIRENT_NAME_OFFSET + name.length + 7) & ~7;
      if (out.remaining() < record) {
        break;
      }
      int start = out.position();
      out.putLong(entry.inode()).putLong(index + 1).putInt(name.length).putInt(entry.mode() >>> 12);
      out.put(name);
      out.position(start + record);
    }
    byte[] bytes = new byte[out.position()];
    out.flip().get(bytes);
    return bytes;
  }

  private static byte[] reply(long unique, byte[] payload) {
    ByteBuffer out = message(unique, 0, payload.length);
    out.put(payload);
    return finish(out, payload.length);
  }

  /**
   * A notice that inode's attributes, and its cached data from offset for length bytes (length 0:
   * to the end; offset -1: attributes only), are stale: FUSE_NOTIFY_INVAL_INODE.
   */
  static byte[] invalidateInode(long inode, long offset, long length) {
    ByteBuffer out = message(0, FuseProtocol.NOTIFY_INVAL_INODE, 24);
    out.putLong(inode).putLong(offset).putLong(length);
    return finish(out, 24);
  }

  /** A notice that parent's name is stale (gone or now another inode): FUSE_NOTIFY_INVAL_ENTRY. */
  static byte[] invalidateEntry(long parent, String name) {
    byte[] bytes = name.getBytes(NAMES);
    ByteBuffer out = message(0, FuseProtocol.NOTIFY_INVAL_ENTRY, 16 + bytes.length + 1);
    out.putLong(parent).putInt(bytes.length).putInt(0).put(bytes).put((byte) 0);
    return finish(out, 16 + bytes.length + 1);
  }

  static byte[] error(long unique, int errno) {
    return finish(message(unique, -errno, 0), 0);
  }

  /** A reply's buffer with its header's error and unique set; room for payload bytes after it. */
  private static ByteBuffer message(long unique, int error, int payload) {
    ByteBuffer out =
        ByteBuffer.allocate(FuseProtocol.OUT_HEADER_BYTES + payload).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(0).putInt(error).putLong(unique);
    return out;
  }

  /** The reply's bytes: the header and its first payload bytes, the length in the header. */
  private static byte[] finish(ByteBuffer out, int payload) {
    int length = FuseProtocol.OUT_HEADER_BYTES + payload;
    out.putInt(0, length);
    byte[] bytes = new byte[length];
    out.get(0, bytes);
    return bytes;
  }
}
