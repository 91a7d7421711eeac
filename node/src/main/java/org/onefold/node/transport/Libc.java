package org.onefold.node.transport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls the daemon makes itself, bound through the Foreign Function and Memory API:
 * the socket calls of the local API server (the JDK's own Unix domain sockets cannot tell us the
 * peer's pid, and the caller's identity must come from the kernel, SO_PEERCRED, never from the
 * request), and the file and mount calls of the FUSE binding ({@code org.onefold.node.fs.fuse}),
 * which opens /dev/fuse and mounts it (the public ones).
 *
 * <p>Each call captures errno right after the call returns (the JVM may clobber it otherwise) into
 * a per-thread segment, and a failed call throws {@link ErrnoException}. Callers decide which errno
 * values to retry (EINTR) or to map to their own message.
 *
 * <p>Constants are those of Linux on x86_64 and aarch64, which agree for everything used here
 * (aarch64 uses the asm-generic values, and x86_64 matches them for these).
 *
 * <p>This is the one place that uses restricted FFM methods (downcalls, reinterpreting the pointer
 * strerror returns); the JVM must run with --enable-native-access=ALL-UNNAMED.
 */
@SuppressWarnings("restricted")
public final class Libc {
  static final int AF_UNIX = 1;
  static final int SOCK_STREAM = 1;
  static final int SOCK_CLOEXEC = 0x80000; // 02000000, same as O_CLOEXEC
  static final int SOL_SOCKET = 1;
  static final int SO_PEERCRED = 17;
  static final int SO_PEERGROUPS = 59;
  static final int ERANGE = 34;

  /** Supplementary groups a process may have (NGROUPS_MAX). */
  static final int GROUPS_MAX = 65536;

  static final int SHUT_RDWR = 2;
  static final int MSG_NOSIGNAL = 0x4000;

  public static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int ENOMEM = 12;
  static final int ENFILE = 23;
  static final int EMFILE = 24;
  static final int EPIPE = 32;
  static final int EPROTO = 71;
  static final int ENOBUFS = 105;
  static final int ECONNABORTED = 103;
  static final int ECONNRESET = 104;
  public static final int ENOENT = 2;
  public static final int ENODEV = 19;

  public static final int O_RDWR = 2;
  public static final int O_CLOEXEC = 0x80000;

  /** mount(2) flags. */
  public static final long MS_NOSUID = 2;

  public static final long MS_NODEV = 4;

  /** mount(2): a bind mount of source at target. */
  public static final long MS_BIND = 4096;

  /** mount(2): make target's mount private (no propagation to or from its peers). */
  public static final long MS_PRIVATE = 1 << 18;

  /** umount2(2): detach now, clean up once the mount is no longer busy. */
  public static final int MNT_DETACH = 2;

  /** sizeof(sun_path) in struct sockaddr_un, the trailing NUL included. */
  static final int SUN_PATH_BYTES = 108;

  /** struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; } */
  static final StructLayout SOCKADDR_UN =
      MemoryLayout.structLayout(
          JAVA_SHORT.withName("sun_family"),
          MemoryLayout.sequenceLayout(SUN_PATH_BYTES, JAVA_BYTE).withName("sun_path"));

  /** struct ucred { pid_t pid; uid_t uid; gid_t gid; } */
  static final StructLayout UCRED =
      MemoryLayout.structLayout(
          JAVA_INT.withName("pid"), JAVA_INT.withName("uid"), JAVA_INT.withName("gid"));

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  /** Where each thread's calls leave errno; freed by the GC once the thread is gone. */
  private static final ThreadLocal<MemorySegment> callState =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

  private static final MethodHandle SOCKET =
      downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LISTEN =
      downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACCEPT4 =
      downcall("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKOPT =
      downcall(
          "getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle READ =
      downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle SEND =
      downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle SHUTDOWN =
      downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle OPEN =
      downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle WRITE =
      downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle MOUNT =
      downcall(
          "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 =
      downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle KILL =
      downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private Libc() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().findOrThrow(name), descriptor, CAPTURE_ERRNO);
  }

  static int socket(int domain, int type, int protocol) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) SOCKET.invokeExact(state, domain, type, protocol);
    } catch (Throwable t) {
      throw unexpected("socket", t);
    }
    return check("socket", result, state);
  }

  /** Binds fd to the filesystem path given as bytes (without NUL; at most 107 of them). */
  static void bind(int fd, byte[] path) throws ErrnoException {
    if (path.length >= SUN_PATH_BYTES) {
      throw new IllegalArgumentException(
          "path of " + path.length + " bytes does not fit sun_path (" + SUN_PATH_BYTES + ")");
    }
    MemorySegment state = callState.get();
    int result;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment address = arena.allocate(SOCKADDR_UN); // zeroed, so sun_path ends in NUL
      address.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(
          path,
          0,
          address,
          JAVA_BYTE,
          SOCKADDR_UN.byteOffset(MemoryLayout.PathElement.groupElement("sun_path")),
          path.length);
      result = (int) BIND.invokeExact(state, fd, address, (int) SOCKADDR_UN.byteSize());
    } catch (Throwable t) {
      throw unexpected("bind", t);
    }
    check("bind", result, state);
  }

  static void listen(int fd, int backlog) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) LISTEN.invokeExact(state, fd, backlog);
    } catch (Throwable t) {
      throw unexpected("listen", t);
    }
    check("listen", result, state);
  }

  /** Accepts one connection, not asking for the peer's address; flags as for accept4(2). */
  static int accept4(int fd, int flags) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
    } catch (Throwable t) {
      throw unexpected("accept4", t);
    }
    return check("accept4", result, state);
  }

  /** The credentials the kernel recorded for the peer of a connected Unix socket. */
  static PeerCredentials peerCredentials(int fd) throws ErrnoException {
    MemorySegment state = callState.get();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ucred = arena.allocate(UCRED);
      MemorySegment length = arena.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, (int) UCRED.byteSize());
      int result;
      try {
        result = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PEERCRED, ucred, length);
      } catch (Throwable t) {
        throw unexpected("getsockopt", t);
      }
      check("getsockopt", result, state);
      if (length.get(JAVA_INT, 0) != UCRED.byteSize()) {
        throw new IllegalStateException(
            "SO_PEERCRED returned "
                + length.get(JAVA_INT, 0)
                + " bytes, expected "
                + UCRED.byteSize());
      }
      return new PeerCredentials(
          ucred.get(JAVA_INT, 0),
          ucred.get(JAVA_INT, 4),
          ucred.get(JAVA_INT, 8),
          peerGroups(fd, arena, state));
    }
  }

  /**
   * The peer's supplementary groups as the kernel recorded them at connect (SO_PEERGROUPS): read
   * once with room for 64, again with the size the kernel asks for if that was too little.
   */
  private static List<Integer> peerGroups(int fd, Arena arena, MemorySegment state)
      throws ErrnoException {
    int room = 64;
    while (true) {
      MemorySegment groups = arena.allocate(JAVA_INT, room);
      MemorySegment length = arena.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, (int) groups.byteSize());
      int result;
      try {
        result = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PEERGROUPS, groups, length);
      } catch (Throwable t) {
        throw unexpected("getsockopt", t);
      }
      int needed = length.get(JAVA_INT, 0) / (int) JAVA_INT.byteSize();
      if (result == -1
          && (int) ERRNO.get(state, 0L) == ERANGE
          && needed > room
          && needed <= GROUPS_MAX) {
        room = needed;
        continue;
      }
      check("getsockopt", result, state);
      List<Integer> found = new ArrayList<>(needed);
      for (int i = 0; i < needed; i++) {
        found.add(groups.getAtIndex(JAVA_INT, i));
      }
      return List.copyOf(found);
    }
  }

  /** open(2) of path with flags; the new fd. */
  public static int open(String path, int flags) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try (Arena arena = Arena.ofConfined()) {
      result = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
    } catch (Throwable t) {
      throw unexpected("open", t);
    }
    return check("open", result, state);
  }

  /** write(2): the number of bytes written. */
  public static long write(int fd, MemorySegment buffer, long count) throws ErrnoException {
    MemorySegment state = callState.get();
    long result;
    try {
      result = (long) WRITE.invokeExact(state, fd, buffer, count);
    } catch (Throwable t) {
      throw unexpected("write", t);
    }
    return check("write", result, state);
  }

  /** mount(2) of source on target, of type, with flags and the file system's data string. */
  public static void mount(String source, String target, String type, long flags, String data)
      throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try (Arena arena = Arena.ofConfined()) {
      result =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom(source),
                  arena.allocateFrom(target),
                  arena.allocateFrom(type),
                  flags,
                  arena.allocateFrom(data));
    } catch (Throwable t) {
      throw unexpected("mount", t);
    }
    check("mount", result, state);
  }

  /** umount2(2) of target with flags (MNT_DETACH). */
  public static void umount2(String target, int flags) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try (Arena arena = Arena.ofConfined()) {
      result = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
    } catch (Throwable t) {
      throw unexpected("umount2", t);
    }
    check("umount2", result, state);
  }

  /** read(2): the number of bytes read, 0 at end of stream. */
  public static long read(int fd, MemorySegment buffer, long count) throws ErrnoException {
    MemorySegment state = callState.get();
    long result;
    try {
      result = (long) READ.invokeExact(state, fd, buffer, count);
    } catch (Throwable t) {
      throw unexpected("read", t);
    }
    return check("read", result, state);
  }

  /**
   * send(2) with MSG_NOSIGNAL: like write(2) on a socket, but a peer that has gone away gives EPIPE
   * instead of raising SIGPIPE in the whole process.
   */
  static long send(int fd, MemorySegment buffer, long count) throws ErrnoException {
    MemorySegment state = callState.get();
    long result;
    try {
      result = (long) SEND.invokeExact(state, fd, buffer, count, MSG_NOSIGNAL);
    } catch (Throwable t) {
      throw unexpected("send", t);
    }
    return check("send", result, state);
  }

  static void shutdown(int fd, int how) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) SHUTDOWN.invokeExact(state, fd, how);
    } catch (Throwable t) {
      throw unexpected("shutdown", t);
    }
    check("shutdown", result, state);
  }

  /** kill(2): pid above 0 a process, below 0 the process group -pid. */
  static void kill(int pid, int signal) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) KILL.invokeExact(state, pid, signal);
    } catch (Throwable t) {
      throw unexpected("kill", t);
    }
    check("kill", result, state);
  }

  public static void close(int fd) throws ErrnoException {
    MemorySegment state = callState.get();
    int result;
    try {
      result = (int) CLOSE.invokeExact(state, fd);
    } catch (Throwable t) {
      throw unexpected("close", t);
    }
    check("close", result, state);
  }

  /** The C library's text for errno, e.g. "Address already in use". */
  static String errnoText(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      return text.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    } catch (Throwable t) {
      throw unexpected("strerror", t);
    }
  }

  private static int check(String call, int result, MemorySegment state) throws ErrnoException {
    if (result == -1) {
      throw new ErrnoException(call, (int) ERRNO.get(state, 0L));
    }
    return result;
  }

  private static long check(String call, long result, MemorySegment state) throws ErrnoException {
    if (result == -1) {
      throw new ErrnoException(call, (int) ERRNO.get(state, 0L));
    }
    return result;
  }

  /** A downcall cannot throw by itself; anything caught here is a binding bug. */
  private static IllegalStateException unexpected(String call, Throwable cause) {
    if (cause instanceof Error error) {
      throw error;
    }
    return new IllegalStateException("native call " + call + " failed unexpectedly", cause);
  }
}
