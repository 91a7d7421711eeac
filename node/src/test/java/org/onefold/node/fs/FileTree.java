package org.onefold.node.fs;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.onefold.node.fs.RandomOperations.Append;
import org.onefold.node.fs.RandomOperations.Close;
import org.onefold.node.fs.RandomOperations.Create;
import org.onefold.node.fs.RandomOperations.Fsync;
import org.onefold.node.fs.RandomOperations.HandleRead;
import org.onefold.node.fs.RandomOperations.HandleSize;
import org.onefold.node.fs.RandomOperations.HandleSync;
import org.onefold.node.fs.RandomOperations.HandleTruncate;
import org.onefold.node.fs.RandomOperations.HandleWrite;
import org.onefold.node.fs.RandomOperations.Link;
import org.onefold.node.fs.RandomOperations.ListDirectory;
import org.onefold.node.fs.RandomOperations.Mkdir;
import org.onefold.node.fs.RandomOperations.Mode;
import org.onefold.node.fs.RandomOperations.Open;
import org.onefold.node.fs.RandomOperations.Operation;
import org.onefold.node.fs.RandomOperations.Overwrite;
import org.onefold.node.fs.RandomOperations.Read;
import org.onefold.node.fs.RandomOperations.Rename;
import org.onefold.node.fs.RandomOperations.Rmdir;
import org.onefold.node.fs.RandomOperations.Stat;
import org.onefold.node.fs.RandomOperations.Truncate;
import org.onefold.node.fs.RandomOperations.Unlink;
import org.onefold.node.fs.RandomOperations.Write;

/**
 * One directory tree the random operations run on (a mount's or the local disk's), and the files it
 * holds open, one per slot. {@link #apply} makes an operation with the calls a program makes and
 * returns what came of it as an {@link Outcome} free of the tree's own path, so that the outcomes
 * of two trees compare equal exactly when the two filesystems answered alike.
 *
 * <p>Threads: one test thread.
 */
final class FileTree implements AutoCloseable {
  /** The deepest a tree grows: directories renamed into each other nest a few levels at most. */
  private static final int DEPTH_MAX = 16;

  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;

  private final Path base;
  private final Handle[] handles = new Handle[RandomOperations.HANDLES];

  /** What came of an operation: a line of text, and the bytes it read (empty if none). */
  record Outcome(String text, byte[] data) {
    static Outcome of(String text) {
      return new Outcome(text, new byte[0]);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Outcome outcome
          && text.equals(outcome.text)
          && Arrays.equals(data, outcome.data);
    }

    @Override
    public int hashCode() {
      return text.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return data.length == 0 ? text : text + " (" + data.length + " bytes)";
    }
  }

  /**
   * An open file: its channel, for a read-write one the file that can also grow it, and whether it
   * is a directory.
   */
  private record Handle(Mode mode, FileChannel channel, RandomAccessFile file, boolean directory) {}

  /** The tree under base, which must exist. */
  FileTree(Path base) {
    this.base = base;
  }

  /** Makes operation here and says what came of it: a result or the error, as text. */
  Outcome apply(Operation operation) {
    try {
      return switch (operation) {
        case Write write -> write(write);
        case Overwrite overwrite -> {
          try (FileChannel channel =
              FileChannel.open(path(overwrite.path()), WRITE, CREATE, TRUNCATE_EXISTING)) {
            yield Outcome.of("wrote " + writeAt(channel, 0, overwrite.length(), overwrite.tag()));
          }
        }
        case Append append -> {
          try (FileChannel channel = FileChannel.open(path(append.path()), WRITE, CREATE, APPEND)) {
            yield Outcome.of("appended " + writeAt(channel, -1, append.length(), append.tag()));
          }
        }
        case Read read -> {
          try (FileChannel channel = FileChannel.open(path(read.path()), READ)) {
            yield readAt(channel, read.offset(), read.length());
          }
        }
        case Truncate truncate -> errno(Syscalls.truncate(path(truncate.path()), truncate.size()));
        case Create create -> {
          Files.createFile(path(create.path()));
          yield Outcome.of("created");
        }
        case Unlink unlink -> errno(Syscalls.unlink(path(unlink.path())));
        case Mkdir mkdir -> {
          Files.createDirectory(path(mkdir.path()));
          yield Outcome.of("made");
        }
        case Rmdir rmdir -> errno(Syscalls.rmdir(path(rmdir.path())));
        case Rename rename -> {
          Files.move(path(rename.from()), path(rename.to()), StandardCopyOption.ATOMIC_MOVE);
          yield Outcome.of("renamed");
        }
        case Link link -> {
          Files.createLink(path(link.name()), path(link.existing()));
          yield Outcome.of("linked");
        }
        case Fsync fsync -> {
          try (FileChannel channel = FileChannel.open(path(fsync.path()), READ)) {
            channel.force(true);
          }
          yield Outcome.of("synced");
        }
        case Stat stat -> Outcome.of(describe(path(stat.path())));
        case ListDirectory list -> Outcome.of(names(path(list.path())));
        case Open open -> open(open);
        case HandleWrite write -> handleWrite(write);
        case HandleRead read -> {
          Handle handle = handles[read.slot()];
          yield handle == null
              ? empty(read.slot())
              : readAt(handle.channel(), read.offset(), read.length());
        }
        case HandleTruncate truncate -> handleTruncate(truncate);
        case HandleSync sync -> {
          Handle handle = handles[sync.slot()];
          if (handle == null) {
            yield empty(sync.slot());
          }
          handle.channel().force(true);
          yield Outcome.of("synced");
        }
        case HandleSize size -> handleSize(size.slot());
        case Close close -> close(close.slot());
      };
    } catch (IOException | NonReadableChannelException | NonWritableChannelException e) {
      return failed(e);
    }
  }

  private Outcome write(Write write) throws IOException {
    try (FileChannel channel = FileChannel.open(path(write.path()), WRITE, CREATE)) {
      int written = writeAt(channel, write.offset(), write.length(), write.tag());
      if (write.sync()) {
        channel.force(true);
      }
      return Outcome.of("wrote " + written);
    }
  }

  private Outcome open(Open open) throws IOException {
    Outcome closed = close(open.slot());
    Path path = path(open.path());
    boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    Handle handle =
        switch (open.mode()) {
          case READ_WRITE -> {
            RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
            yield new Handle(open.mode(), file.getChannel(), file, directory);
          }
          case APPEND ->
              new Handle(
                  open.mode(), FileChannel.open(path, WRITE, CREATE, APPEND), null, directory);
          case READ_ONLY -> new Handle(open.mode(), FileChannel.open(path, READ), null, directory);
        };
    handles[open.slot()] = handle;
    return Outcome.of(closed.text() + ", opened");
  }

  private Outcome handleWrite(HandleWrite write) throws IOException {
    Handle handle = handles[write.slot()];
    if (handle == null) {
      return empty(write.slot());
    }
    long offset = handle.mode() == Mode.APPEND ? -1 : write.offset();
    return Outcome.of("wrote " + writeAt(handle.channel(), offset, write.length(), write.tag()));
  }

  /**
   * fstat's size; not asked of a directory: the CFS forgets a directory removed while open
   * (RandomOperationsMountTest.openDirectoryOutlivesItsName), and fstat is the one call on an open
   * directory that reaches it.
   */
  private Outcome handleSize(int slot) throws IOException {
    Handle handle = handles[slot];
    if (handle == null) {
      return empty(slot);
    }
    return handle.directory()
        ? Outcome.of("a directory: size not asked")
        : Outcome.of("size " + handle.channel().size());
  }

  private Outcome handleTruncate(HandleTruncate truncate) throws IOException {
    Handle handle = handles[truncate.slot()];
    if (handle == null) {
      return empty(truncate.slot());
    }
    if (handle.file() != null) {
      handle.file().setLength(truncate.size());
    } else {
      handle.channel().truncate(truncate.size());
    }
    return Outcome.of("truncated");
  }

  /** Closes slot's file, if any; a close reports a write that failed (the FUSE flush). */
  private Outcome close(int slot) throws IOException {
    Handle handle = handles[slot];
    if (handle == null) {
      return empty(slot);
    }
    handles[slot] = null;
    if (handle.file() != null) {
      handle.file().close();
    } else {
      handle.channel().close();
    }
    return Outcome.of("closed " + slot);
  }

  /** Closes every open file; what came of each close, in slot order. */
  String closeAll() {
    StringBuilder outcomes = new StringBuilder();
    for (int slot = 0; slot < handles.length; slot++) {
      outcomes.append(apply(new Close(slot)).text()).append("; ");
    }
    return outcomes.toString();
  }

  @Override
  public void close() {
    closeAll();
  }

  /**
   * Writes length bytes of tag's pattern at offset (at the end, for offset -1, through an append
   * channel's position); returns the count.
   */
  private static int writeAt(FileChannel channel, long offset, int length, int tag)
      throws IOException {
    ByteBuffer data = ByteBuffer.wrap(RandomOperations.data(tag, Math.max(offset, 0), length));
    int rounds = 0;
    while (data.hasRemaining()) {
      if (++rounds > length + 1) {
        throw new IllegalStateException("a write of " + length + " bytes made no progress");
      }
      if (offset < 0) {
        channel.write(data);
      } else {
        channel.write(data, offset + data.position());
      }
    }
    return length;
  }

  /** Reads up to length bytes at offset, fewer at the end of the file. */
  private static Outcome readAt(FileChannel channel, long offset, int length) throws IOException {
    ByteBuffer data = ByteBuffer.allocate(length);
    int rounds = 0;
    while (data.hasRemaining() && ++rounds <= length + 1) {
      if (channel.read(data, offset + data.position()) < 0) {
        break;
      }
    }
    return new Outcome("read " + data.position(), Arrays.copyOf(data.array(), data.position()));
  }

  /** "directory nlink 2", "file size 10 nlink 1", "other mode 10777 nlink 1". */
  private static String describe(Path path) throws IOException {
    Map<String, Object> attributes =
        Files.readAttributes(path, "unix:mode,size,nlink", LinkOption.NOFOLLOW_LINKS);
    int mode = (int) attributes.get("mode");
    int links = (int) attributes.get("nlink");
    return switch (mode & S_IFMT) {
      case S_IFDIR -> "directory nlink " + links;
      case S_IFREG -> "file size " + attributes.get("size") + " nlink " + links;
      default -> "other mode " + Integer.toOctalString(mode) + " nlink " + links;
    };
  }

  private static String names(Path directory) throws IOException {
    try (Stream<Path> listed = Files.list(directory)) {
      return listed.map(entry -> entry.getFileName().toString()).sorted().toList().toString();
    }
  }

  /**
   * What the operations' names look like from here: the tree's names with their type, size (of a
   * file) and link count ({@link #snapshot}), and what lstat says of every name the operations use
   * that the tree does not hold. The second part sees a name this node's kernel still keeps after
   * another node removed it, which a listing does not show.
   */
  SortedMap<String, Outcome> view() throws IOException {
    SortedMap<String, Outcome> view = snapshot(false);
    for (String name : RandomOperations.NAMES) {
      if (!view.containsKey(name)) {
        view.put(name, apply(new Stat(name)));
      }
    }
    return view;
  }

  /**
   * Every name in the tree, with its type, size (of a file) and link count, and a file's bytes if
   * contents. Throws UncheckedIOException if the tree changes under the walk.
   */
  SortedMap<String, Outcome> snapshot(boolean contents) throws IOException {
    SortedMap<String, Outcome> entries = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(base, DEPTH_MAX)) {
      for (Path path : (Iterable<Path>) walk::iterator) {
        String description = describe(path);
        byte[] data =
            contents && description.startsWith("file") ? Files.readAllBytes(path) : new byte[0];
        entries.put(base.relativize(path).toString(), new Outcome(description, data));
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return entries;
  }

  private Path path(String name) {
    return base.resolve(name);
  }

  private static Outcome errno(int errno) {
    return Outcome.of(errno == 0 ? "done" : Syscalls.name(errno));
  }

  private static Outcome empty(int slot) {
    return Outcome.of("no file open in slot " + slot);
  }

  /** The error without the tree's path: its class and the reason the kernel gave. */
  private Outcome failed(Exception e) {
    String reason =
        e instanceof FileSystemException system && system.getReason() != null
            ? system.getReason()
            : String.valueOf(e.getMessage());
    return Outcome.of(
        e.getClass().getSimpleName() + ": " + reason.replace(base.toString(), "<base>"));
  }
}
