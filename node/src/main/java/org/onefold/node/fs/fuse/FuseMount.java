package org.onefold.node.fs.fuse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.onefold.node.transport.ErrnoException;
import org.onefold.node.transport.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A filesystem mounted with FUSE: /dev/fuse opened, mount(2)ed at the target (as root: the kernel
 * checks CAP_SYS_ADMIN), and served by {@link #READERS} reader threads until {@link #close}
 * unmounts it. The mount is {@code allow_other,default_permissions}: every user sees it, and the
 * kernel checks mode, owner and group against the caller as on a local filesystem.
 *
 * <p>Threads: each reader ("fuse-" + target + "-" + k) reads one request at a time (the kernel
 * hands each request to exactly one read), answers it through the session and writes the reply, so
 * an operation that waits (a fifo's read) holds one reader and the others serve on; the filesystem
 * is called from all of them at once. close may come from any thread; the readers end when read(2)
 * says the mount is gone (ENODEV), and the last one closes /dev/fuse.
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);

  /** A request is at most a header, a few small structs and one write's data. */
  private static final int READ_BUFFER_BYTES =
      Math.max(FuseProtocol.MIN_READ_BUFFER_BYTES, FuseSession.WRITE_BYTES_MAX + 4096);

  /** A reply is at most one read's data (the kernel asks for no more than a request's size). */
  private static final int REPLY_BUFFER_BYTES = READ_BUFFER_BYTES + FuseProtocol.OUT_HEADER_BYTES;

  private static final ValueLayout.OfLong LONG_LITTLE_ENDIAN =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * How far the kernel reads ahead of a sequential reader, in KiB (its default for FUSE: 128). Each
   * read the kernel sends is a round trip to the filesystem: 4 MiB of read-ahead lets it ask for 1
   * MiB at a time, several at once (a 3-replica cluster on this kind of machine: 67 MB/s at 128
   * KiB, 220 at 4 MiB).
   */
  static final int READ_AHEAD_KIB = 4096;

  /** Requests served at once: one that waits leaves the others to the rest. */
  static final int READERS = 4;

  private final Path target;
  private final int device;
  private final FuseSession session;
  private final List<Thread> readers = new ArrayList<>();
  private final AtomicInteger readersLeft = new AtomicInteger(READERS);
  private volatile boolean closing;

  private FuseMount(Path target, int device, FuseSession session) {
    this.target = target;
    this.device = device;
    this.session = session;
    for (int k = 1; k <= READERS; k++) {
      readers.add(
          Thread.ofPlatform().name("fuse-" + target + "-" + k).daemon().unstarted(this::serve));
    }
  }

  /**
   * Mounts filesystem at target (an existing directory) and starts serving it. Fails with the
   * kernel's errno if the mount is refused (EPERM: not root; ENODEV: no FUSE in this kernel).
   */
  public static FuseMount mount(Path target, FuseFilesystem filesystem) throws IOException {
    return mount(target, filesystem, 0);
  }

  /**
   * As {@link #mount(Path, FuseFilesystem)}, letting the kernel keep names and attributes for
   * validSeconds: the filesystem then owes a notice ({@link #invalidateInode}, {@link
   * #invalidateEntry}) for every change the kernel did not make itself.
   */
  public static FuseMount mount(Path target, FuseFilesystem filesystem, long validSeconds)
      throws IOException {
    int device = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
    try {
      Libc.mount(
          "onefold",
          target.toString(),
          "fuse.onefold",
          Libc.MS_NOSUID | Libc.MS_NODEV,
          "fd=" + device + ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions");
    } catch (ErrnoException e) {
      Libc.close(device);
      throw new IOException("cannot mount FUSE at " + target + ": " + e.getMessage(), e);
    }
    FuseMount mount =
        new FuseMount(
            target, device, new FuseSession(filesystem, InstantSource.system(), validSeconds));
    mount.readers.forEach(Thread::start);
    readAhead(target);
    return mount;
  }

  /**
   * From now on, the kernel may keep the names and attributes it is given for seconds (0: it asks
   * every time); the filesystem then owes a notice for every change the kernel did not make.
   */
  public void keepFor(long seconds) {
    session.keepFor(seconds);
  }

  /**
   * Sets the mount's read-ahead through its backing device's sysfs file (FUSE's INIT can only lower
   * it); a kernel that does not let us leaves the default. The device comes from
   * /proc/self/mountinfo, not from a stat of the mount, which would wait for the filesystem.
   */
  private static void readAhead(Path target) {
    String mountPoint = target.toAbsolutePath().toString().replace(" ", "\\040");
    try (var lines = java.nio.file.Files.lines(Path.of("/proc/self/mountinfo"))) {
      Optional<String> device =
          lines
              .map(line -> line.split(" "))
              .filter(fields -> fields.length > 4 && fields[4].equals(mountPoint))
              .map(fields -> fields[2])
              .reduce((first, last) -> last);
      if (device.isPresent()) {
        java.nio.file.Files.writeString(
            Path.of("/sys/class/bdi/" + device.get() + "/read_ahead_kb"),
            Integer.toString(READ_AHEAD_KIB));
      }
    } catch (IOException | RuntimeException e) {
      log.debug("read-ahead of {} left as it was: {}", target, e.toString());
    }
  }

  public Path target() {
    return target;
  }

  private void serve() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(READ_BUFFER_BYTES);
      MemorySegment replies = arena.allocate(REPLY_BUFFER_BYTES);
      while (true) {
        long count;
        try {
          count = Libc.read(device, buffer, READ_BUFFER_BYTES);
        } catch (ErrnoException e) {
          if (e.errno() == Libc.ENODEV) {
            return; // Unmounted: the kernel has no more requests for us.
          }
          if (e.errno() == Libc.ENOENT || e.errno() == Libc.EINTR) {
            continue; // The request was interrupted before we read it.
          }
          log.warn("reading /dev/fuse for {}: {}", target, e.getMessage());
          return;
        }
        if (count == 0) {
          return;
        }
        ByteBuffer request = buffer.asSlice(0, count).asByteBuffer();
        Optional<byte[]> reply;
        try {
          reply = session.answer(request);
        } catch (RuntimeException bug) {
          // A bug in one operation: that call fails with EIO, the mount serves on, the log says.
          log.error("FUSE request on {} failed", target, bug);
          reply =
              Optional.of(FuseSession.error(buffer.get(LONG_LITTLE_ENDIAN, 8), FuseProtocol.EIO));
        }
        if (reply.isPresent()) {
          write(replies, reply.get());
        }
      }
    } finally {
      if (readersLeft.decrementAndGet() == 0) {
        try {
          Libc.close(device);
        } catch (ErrnoException e) {
          log.debug("closing /dev/fuse: {}", e.getMessage());
        }
      }
    }
  }

  /** Writes reply through out (a reply is at most a read's data and its header). */
  private void write(MemorySegment out, byte[] reply) {
    try {
      send(out, reply);
    } catch (ErrnoException e) {
      // ENOENT: the request was interrupted and its caller gave up; nothing waits for the reply.
      if (e.errno() != Libc.ENOENT && !closing) {
        log.warn("replying on /dev/fuse for {}: {}", target, e.getMessage());
      }
    }
  }

  /**
   * Tells the kernel that inode's attributes and cached data are stale. Not from a reader thread
   * (the kernel may wait for a request that thread would serve). ENOENT (the kernel does not hold
   * the inode) is no error.
   */
  public void invalidateInode(long inode) throws IOException {
    invalidateInode(inode, 0, 0);
  }

  /**
   * As {@link #invalidateInode(long)}, for inode's attributes and its cached data from offset for
   * length bytes (length 0: to the end; a negative offset: the attributes only).
   */
  public void invalidateInode(long inode, long offset, long length) throws IOException {
    notice(FuseSession.invalidateInode(inode, offset, length));
  }

  /** Tells the kernel that name in parent is stale. */
  public void invalidateEntry(long parent, String name) throws IOException {
    notice(FuseSession.invalidateEntry(parent, name));
  }

  private synchronized void notice(byte[] message) throws IOException {
    if (closing) {
      return; // /dev/fuse may be closed, and its number another file's.
    }
    try (Arena arena = Arena.ofConfined()) {
      send(arena.allocate(message.length), message);
    } catch (ErrnoException e) {
      if (e.errno() != Libc.ENOENT) {
        throw new IOException("notice to the kernel for " + target + ": " + e.getMessage(), e);
      }
    }
  }

  /** Writes message to /dev/fuse through out, native memory of at least its size. */
  private void send(MemorySegment out, byte[] message) throws ErrnoException {
    if (message.length > out.byteSize()) {
      throw new IllegalStateException(
          "a FUSE message of "
              + message.length
              + " bytes; at most "
              + out.byteSize()
              + " expected");
    }
    MemorySegment.copy(message, 0, out, ValueLayout.JAVA_BYTE, 0, message.length);
    Libc.write(device, out, message.length);
  }

  /** Unmounts (lazily: a busy mount goes once its last user leaves) and waits for the reader. */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      closing = true; // Under notice's monitor: no notice is sent from here on.
    }
    try {
      Libc.umount2(target.toString(), Libc.MNT_DETACH);
    } catch (ErrnoException e) {
      throw new IOException("cannot unmount " + target + ": " + e.getMessage(), e);
    }
    try {
      for (Thread reader : readers) {
        reader.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
