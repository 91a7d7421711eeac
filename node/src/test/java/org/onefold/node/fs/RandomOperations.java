package org.onefold.node.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * The operations of the randomized filesystem test (the idea of fsx): a seeded generator of steps
 * over a few names, each step an operation and the node whose mount it goes through. The sequence
 * is a function of the seed alone, never of what a filesystem answers: an operation on a name that
 * does not exist, or on an empty handle slot, is still made and its error compared. So a seed
 * reproduces a run, and any subsequence of it is a run too (which is how a failing run shrinks).
 *
 * <p>Written data is a pattern of the writing step's tag and the byte's position, never zero: a
 * hole reads as zeros, and a byte at the wrong place or from another write shows as one.
 */
final class RandomOperations {
  /** Files, relative to a run's base directory; some lie in the directories below. */
  static final List<String> FILES = List.of("a", "b", "c", "x/a", "x/b", "y/a", "x/z/a");

  static final List<String> DIRECTORIES = List.of("x", "y", "x/z", "y/w");

  static final List<String> NAMES = Stream.concat(FILES.stream(), DIRECTORIES.stream()).toList();

  /** Files a tree holds open at once, each in a slot. */
  static final int HANDLES = 3;

  static final long CHUNK_BYTES = ChunkStore.CHUNK_BYTES;

  /** Writes and truncates reach about this far (three chunks: holes, writes across chunks). */
  static final long FILE_BYTES_MAX = 3 * CHUNK_BYTES;

  /** Most writes and reads are small; some are a chunk and more (more than one FUSE write). */
  static final int SMALL_BYTES = 8 << 10;

  static final int MEDIUM_BYTES = 128 << 10;
  static final int LARGE_BYTES = (int) (CHUNK_BYTES + CHUNK_BYTES / 4);

  /** How a handle is opened: O_RDWR|O_CREAT, O_WRONLY|O_APPEND|O_CREAT, O_RDONLY. */
  enum Mode {
    READ_WRITE,
    APPEND,
    READ_ONLY
  }

  sealed interface Operation
      permits Write,
          Overwrite,
          Append,
          Read,
          Truncate,
          Create,
          Unlink,
          Mkdir,
          Rmdir,
          Rename,
          Link,
          Fsync,
          Stat,
          ListDirectory,
          Open,
          HandleWrite,
          HandleRead,
          HandleTruncate,
          HandleSync,
          HandleSize,
          Close {}

  /** open(O_WRONLY|O_CREAT), pwrite, fsync if sync, close. */
  record Write(String path, long offset, int length, int tag, boolean sync) implements Operation {}

  /** open(O_WRONLY|O_CREAT|O_TRUNC), write from 0, close. */
  record Overwrite(String path, int length, int tag) implements Operation {}

  /** open(O_WRONLY|O_CREAT|O_APPEND), write, close. */
  record Append(String path, int length, int tag) implements Operation {}

  /** open(O_RDONLY), pread up to length bytes or the end, close. */
  record Read(String path, long offset, int length) implements Operation {}

  /** truncate(2): shrinks or grows (a hole). */
  record Truncate(String path, long size) implements Operation {}

  /** open(O_CREAT|O_EXCL), close. */
  record Create(String path) implements Operation {}

  record Unlink(String path) implements Operation {}

  record Mkdir(String path) implements Operation {}

  record Rmdir(String path) implements Operation {}

  /** rename(2): replaces an existing target. */
  record Rename(String from, String to) implements Operation {}

  /** link(2): name becomes another name of existing. */
  record Link(String existing, String name) implements Operation {}

  /** open(O_RDONLY), fsync, close. */
  record Fsync(String path) implements Operation {}

  /** lstat: type, the size of a file, link count. */
  record Stat(String path) implements Operation {}

  record ListDirectory(String path) implements Operation {}

  /** Opens path into slot, closing what the slot held. */
  record Open(int slot, String path, Mode mode) implements Operation {}

  /** pwrite at offset (a write at the end on an append handle). */
  record HandleWrite(int slot, long offset, int length, int tag) implements Operation {}

  record HandleRead(int slot, long offset, int length) implements Operation {}

  /** ftruncate: shrinks or grows on a read-write handle, shrinks only on an append handle. */
  record HandleTruncate(int slot, long size) implements Operation {}

  record HandleSync(int slot) implements Operation {}

  /** fstat's size. */
  record HandleSize(int slot) implements Operation {}

  record Close(int slot) implements Operation {}

  /** One step: operation through the mount of node (0-based). */
  record Step(int number, int node, Operation operation) {
    @Override
    public String toString() {
      return "#" + number + " node " + (node + 1) + ": " + operation;
    }
  }

  private RandomOperations() {}

  /** The bytes a write with tag puts at offset .. offset + length. */
  static byte[] data(int tag, long offset, int length) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = (byte) (1 + Math.floorMod((offset + i) * 131 + tag * 17L, 251));
    }
    return data;
  }

  /**
   * count steps of seed, each through one of nodes mounts: a third of the steps draw the node
   * again, the others stay on the last one (files held open live a few steps on one node).
   */
  static List<Step> generate(long seed, int count, int nodes) {
    if (count < 0 || nodes < 1) {
      throw new IllegalArgumentException(count + " steps over " + nodes + " nodes");
    }
    RandomGenerator random = new SplittableRandom(seed);
    List<Step> steps = new ArrayList<>(count);
    int node = 0;
    for (int number = 1; number <= count; number++) {
      if (random.nextInt(3) == 0) {
        node = random.nextInt(nodes);
      }
      steps.add(new Step(number, node, operation(random, number)));
    }
    return steps;
  }

  private static Operation operation(RandomGenerator random, int tag) {
    int kind = random.nextInt(100);
    if (kind < 14) {
      return new Write(file(random), offset(random), length(random), tag, random.nextInt(8) == 0);
    } else if (kind < 16) {
      return new Overwrite(file(random), length(random), tag);
    } else if (kind < 21) {
      return new Append(file(random), length(random), tag);
    } else if (kind < 31) {
      return new Read(file(random), offset(random), length(random));
    } else if (kind < 36) {
      return new Truncate(file(random), size(random));
    } else if (kind < 38) {
      return new Create(file(random));
    } else if (kind < 42) {
      return new Unlink(file(random));
    } else if (kind < 46) {
      return new Mkdir(directory(random));
    } else if (kind < 48) {
      return new Rmdir(directory(random));
    } else if (kind < 53) {
      return random.nextInt(4) == 0
          ? new Rename(directory(random), directory(random))
          : new Rename(file(random), file(random));
    } else if (kind < 56) {
      return new Link(file(random), file(random));
    } else if (kind < 57) {
      return new Fsync(file(random));
    } else if (kind < 62) {
      return new Stat(any(random));
    } else if (kind < 64) {
      return new ListDirectory(directory(random));
    }
    return handleOperation(random, kind, tag);
  }

  /** A third of the steps: files held open in slots, written, read, truncated, synced, closed. */
  private static Operation handleOperation(RandomGenerator random, int kind, int tag) {
    int slot = random.nextInt(HANDLES);
    if (kind < 75) {
      Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
      return new Open(slot, file(random), mode);
    } else if (kind < 86) {
      return new HandleWrite(slot, offset(random), length(random), tag);
    } else if (kind < 93) {
      return new HandleRead(slot, offset(random), length(random));
    } else if (kind < 95) {
      return new HandleTruncate(slot, size(random));
    } else if (kind < 96) {
      return new HandleSync(slot);
    } else if (kind < 97) {
      return new HandleSize(slot);
    }
    return new Close(slot);
  }

  /** A file's name mostly, sometimes a directory's (to see the errors agree). */
  private static String file(RandomGenerator random) {
    return random.nextInt(16) == 0 ? pick(random, DIRECTORIES) : pick(random, FILES);
  }

  private static String directory(RandomGenerator random) {
    return random.nextInt(6) == 0 ? pick(random, FILES) : pick(random, DIRECTORIES);
  }

  private static String any(RandomGenerator random) {
    return pick(random, NAMES);
  }

  private static String pick(RandomGenerator random, List<String> names) {
    return names.get(random.nextInt(names.size()));
  }

  /** Near the start mostly, around a chunk's boundary often, anywhere below the limit sometimes. */
  private static long offset(RandomGenerator random) {
    int where = random.nextInt(20);
    if (where < 12) {
      return random.nextLong(MEDIUM_BYTES / 2);
    } else if (where < 17) {
      long boundary = CHUNK_BYTES * (1 + random.nextInt(2));
      return boundary - SMALL_BYTES / 2 + random.nextLong(SMALL_BYTES);
    }
    return random.nextLong(FILE_BYTES_MAX - LARGE_BYTES);
  }

  private static int length(RandomGenerator random) {
    int size = random.nextInt(20);
    if (size < 14) {
      return 1 + random.nextInt(SMALL_BYTES);
    } else if (size < 19) {
      return 1 + random.nextInt(MEDIUM_BYTES);
    }
    return 1 + random.nextInt(LARGE_BYTES);
  }

  /** A size to truncate to: zero, small, around a chunk's boundary, or anywhere. */
  private static long size(RandomGenerator random) {
    int size = random.nextInt(10);
    if (size == 0) {
      return 0;
    } else if (size < 5) {
      return random.nextLong(MEDIUM_BYTES / 2);
    } else if (size < 8) {
      long boundary = CHUNK_BYTES * (1 + random.nextInt(2));
      return boundary - SMALL_BYTES / 2 + random.nextLong(SMALL_BYTES);
    }
    return random.nextLong(FILE_BYTES_MAX);
  }
}
