package org.onefold.node.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Map;

/**
 * The system calls the randomized filesystem test makes itself, where java.nio would add its own
 * steps: Files.delete stats first and picks unlink or rmdir, and no file call truncates a file by
 * name or grows one. Each returns 0 or the errno, so a test compares errnos as they are.
 */
@SuppressWarnings("restricted")
final class Syscalls {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle UNLINK =
      downcall("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle RMDIR =
      downcall("rmdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle TRUNCATE =
      downcall("truncate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

  /** Names for the errnos a filesystem test meets; others print as their number. */
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"),
          Map.entry(2, "ENOENT"),
          Map.entry(5, "EIO"),
          Map.entry(13, "EACCES"),
          Map.entry(16, "EBUSY"),
          Map.entry(17, "EEXIST"),
          Map.entry(18, "EXDEV"),
          Map.entry(20, "ENOTDIR"),
          Map.entry(21, "EISDIR"),
          Map.entry(22, "EINVAL"),
          Map.entry(27, "EFBIG"),
          Map.entry(28, "ENOSPC"),
          Map.entry(36, "ENAMETOOLONG"),
          Map.entry(39, "ENOTEMPTY"),
          Map.entry(116, "ESTALE"));

  private Syscalls() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().findOrThrow(name),
        descriptor,
        Linker.Option.captureCallState("errno"));
  }

  static int unlink(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result = (int) UNLINK.invokeExact(state, arena.allocateFrom(path.toString()));
      return errno(result, state);
    } catch (Throwable t) {
      throw unexpected("unlink", t);
    }
  }

  static int rmdir(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result = (int) RMDIR.invokeExact(state, arena.allocateFrom(path.toString()));
      return errno(result, state);
    } catch (Throwable t) {
      throw unexpected("rmdir", t);
    }
  }

  static int truncate(Path path, long size) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result = (int) TRUNCATE.invokeExact(state, arena.allocateFrom(path.toString()), size);
      return errno(result, state);
    } catch (Throwable t) {
      throw unexpected("truncate", t);
    }
  }

  /** "ENOENT (2)", or the number alone for an errno without a name here. */
  static String name(int errno) {
    return NAMES.getOrDefault(errno, "errno") + " (" + errno + ")";
  }

  private static int errno(int result, MemorySegment state) {
    return result == -1 ? (int) ERRNO.get(state, 0L) : 0;
  }

  /** A downcall does not throw by itself; anything caught here is a binding bug. */
  private static IllegalStateException unexpected(String call, Throwable cause) {
    if (cause instanceof Error error) {
      throw error;
    }
    return new IllegalStateException("native call " + call + " failed unexpectedly", cause);
  }
}
