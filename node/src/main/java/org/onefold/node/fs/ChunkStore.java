package org.onefold.node.fs;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Files' data on disk, in chunks: inode N's bytes from k * CHUNK_BYTES on are in the file {@code
 * DIR/N/k}, which may be shorter than a chunk or missing (a hole: zeros). So a file may be larger
 * than memory, a sparse file costs only what was written, and a truncation drops whole chunks. The
 * namespace keeps each file's size; reads stop there.
 *
 * <p>Not thread-safe: called by the thread that applies the filesystem's operations.
 */
public final class ChunkStore {
  public static final int CHUNK_BYTES = 1 << 20;

  private final Path directory;

  public ChunkStore(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
  }

  /** Up to size bytes of inode from offset, for a file of fileSize bytes; holes read as zeros. */
  public byte[] read(long inode, long offset, int size, long fileSize) throws IOException {
    if (offset >= fileSize || size <= 0) {
      return new byte[0];
    }
    byte[] bytes = new byte[(int) Math.min(size, fileSize - offset)];
    int done = 0;
    while (done < bytes.length) {
      long at = offset + done;
      long chunk = at / CHUNK_BYTES;
      int within = (int) (at % CHUNK_BYTES);
      int count = Math.min(bytes.length - done, CHUNK_BYTES - within);
      try (FileChannel channel = FileChannel.open(chunk(inode, chunk), StandardOpenOption.READ)) {
        ByteBuffer target = ByteBuffer.wrap(bytes, done, count);
        long position = within;
        while (target.hasRemaining()) {
          int read = channel.read(target, position);
          if (read < 0) {
            break; // The rest of this chunk is a hole: the zeros are there already.
          }
          position += read;
        }
      } catch (NoSuchFileException hole) {
        // A chunk never written reads as the zeros already there.
      }
      done += count;
    }
    return bytes;
  }

  /** Writes data at offset of inode; the end of the write (the file's size is the caller's). */
  public long write(long inode, long offset, byte[] data, int from, int length) throws IOException {
    return write(inode, offset, ByteBuffer.wrap(data, from, length));
  }

  /**
   * As {@link #write(long, long, byte[], int, int)}, the data between data's position and limit.
   */
  public long write(long inode, long offset, ByteBuffer data) throws IOException {
    int length = data.remaining();
    int start = data.position();
    int done = 0;
    while (done < length) {
      long at = offset + done;
      long chunk = at / CHUNK_BYTES;
      int within = (int) (at % CHUNK_BYTES);
      int count = Math.min(length - done, CHUNK_BYTES - within);
      try (FileChannel channel = openForWrite(chunk(inode, chunk))) {
        ByteBuffer source = data.duplicate().position(start + done).limit(start + done + count);
        long position = within;
        while (source.hasRemaining()) {
          position += channel.write(source, position);
        }
      }
      done += count;
    }
    return offset + length;
  }

  /** A chunk file opened for writing, made (and its inode's directory) on its first write. */
  private static FileChannel openForWrite(Path file) throws IOException {
    try {
      return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (NoSuchFileException firstChunk) {
      Files.createDirectories(file.getParent());
      return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
  }

  /** Cuts inode's data to size: chunks past it go, the last one is cut short. */
  public void truncate(long inode, long size) throws IOException {
    long keep = (size + CHUNK_BYTES - 1) / CHUNK_BYTES;
    for (long index : chunkNumbers(inode)) {
      Path chunk = chunk(inode, index);
      if (index >= keep) {
        Files.deleteIfExists(chunk);
      } else if (index == keep - 1 && size % CHUNK_BYTES != 0) {
        try (FileChannel channel = FileChannel.open(chunk, StandardOpenOption.WRITE)) {
          channel.truncate(size % CHUNK_BYTES);
        }
      }
    }
  }

  /** Drops all of inode's data. */
  public void delete(long inode) throws IOException {
    deleteTree(directory.resolve(Long.toString(inode)));
  }

  /** Drops every file's data: the store is empty after. */
  public void clear() throws IOException {
    try (Stream<Path> inodes = Files.list(directory)) {
      for (Path files : inodes.toList()) {
        deleteTree(files);
      }
    }
  }

  private static void deleteTree(Path top) throws IOException {
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (NoSuchFileException e) {
      // Nothing was ever written there.
    }
  }

  /** Where the chunks are. */
  public Path directory() {
    return directory;
  }

  /** The chunk numbers inode has on disk, in order. */
  List<Long> chunkNumbers(long inode) throws IOException {
    try (Stream<Path> chunks = Files.list(directory.resolve(Long.toString(inode)))) {
      return chunks.map(chunk -> Long.parseLong(chunk.getFileName().toString())).sorted().toList();
    } catch (NoSuchFileException nothingWritten) {
      return List.of();
    }
  }

  /** Copies chunk number index of inode to out: its length (8 bytes), then its bytes. */
  void copyChunk(long inode, long index, DataOutputStream out) throws IOException {
    Path file = chunk(inode, index);
    out.writeLong(Files.size(file));
    Files.copy(file, out);
  }

  /** Writes chunk number index of inode from in: its length, then as many bytes. */
  void restoreChunk(long inode, long index, DataInputStream in) throws IOException {
    long length = in.readLong();
    if (length < 0 || length > CHUNK_BYTES) {
      throw new IOException(
          "a chunk of " + length + " bytes in a snapshot; at most " + CHUNK_BYTES);
    }
    Path file = chunk(inode, index);
    Files.createDirectories(file.getParent());
    byte[] bytes = in.readNBytes((int) length);
    if (bytes.length < length) {
      throw new IOException("the snapshot ends inside chunk " + index + " of inode " + inode);
    }
    Files.write(file, bytes);
  }

  private Path chunk(long inode, long index) {
    return directory.resolve(Long.toString(inode)).resolve(Long.toString(index));
  }
}
