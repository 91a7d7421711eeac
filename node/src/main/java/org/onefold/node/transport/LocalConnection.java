package org.onefold.node.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One accepted local connection: the peer's kernel credentials and blocking byte streams over the
 * socket. Input is buffered in native memory, and a read returns as soon as one read(2) has brought
 * some bytes (it never blocks to fill the buffer), so message framing on top of it sees each
 * request as soon as it arrives. Output is not buffered: each write is sent in full before it
 * returns; wrap it in a BufferedOutputStream for many small writes.
 *
 * <p>One thread at a time may read and one at a time may write (each stream serializes its own
 * callers); any thread may close. Closing either stream closes the connection.
 */
public final class LocalConnection implements AutoCloseable {
  /** Bytes moved per read(2) or send(2). */
  static final int BUFFER_BYTES = 64 * 1024;

  /** Consecutive EINTR results after which a call gives up. */
  static final int EINTR_RETRIES_MAX = 100;

  private final NativeSocket socket;
  private final PeerCredentials peer;
  private final Input input = new Input();
  private final Output output = new Output();

  LocalConnection(NativeSocket socket, PeerCredentials peer) {
    this.socket = Objects.requireNonNull(socket);
    this.peer = Objects.requireNonNull(peer);
  }

  /** Who connected, as the kernel saw it at connect(2). */
  public PeerCredentials peer() {
    return peer;
  }

  /**
   * Reads return -1 at end of stream, and a read blocked when the connection is closed returns -1
   * too; a read begun after close throws IOException.
   */
  public InputStream input() {
    return input;
  }

  /** A write that finds the peer gone throws IOException("peer closed"). */
  public OutputStream output() {
    return output;
  }

  /** Shuts the connection down, waking a blocked read; safe from any thread; idempotent. */
  @Override
  public void close() {
    socket.close();
  }

  @Override
  public String toString() {
    return "LocalConnection[" + peer + "]";
  }

  private final class Input extends InputStream {
    private final ReentrantLock lock = new ReentrantLock();
    // The fields below are guarded by lock.
    private MemorySegment buffer;
    private int position;
    private int limit;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int count = read(one, 0, 1);
      return count == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      if (length == 0) {
        return 0;
      }
      lock.lock();
      try {
        int fd = socket.acquire();
        try {
          if (position == limit && !fill(fd)) {
            return -1;
          }
          int count = Math.min(length, limit - position);
          MemorySegment.copy(buffer, JAVA_BYTE, position, bytes, offset, count);
          position += count;
          return count;
        } finally {
          socket.release();
        }
      } finally {
        lock.unlock();
      }
    }

    /** One read(2) into the empty buffer; false at end of stream. */
    private boolean fill(int fd) throws IOException {
      if (buffer == null) {
        buffer = socket.allocate(BUFFER_BYTES);
      }
      for (int interrupted = 0; ; interrupted++) {
        long count;
        try {
          count = Libc.read(fd, buffer, BUFFER_BYTES);
        } catch (ErrnoException e) {
          if (e.errno() == Libc.EINTR && interrupted < EINTR_RETRIES_MAX) {
            continue;
          }
          if (e.errno() == Libc.ECONNRESET) {
            throw new IOException("peer closed (connection reset)", e);
          }
          throw e;
        }
        position = 0;
        limit = (int) count;
        return count > 0;
      }
    }

    @Override
    public void close() {
      LocalConnection.this.close();
    }
  }

  private final class Output extends OutputStream {
    private final ReentrantLock lock = new ReentrantLock();

    /** Guarded by lock. */
    private MemorySegment buffer;

    @Override
    public void write(int value) throws IOException {
      write(new byte[] {(byte) value}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      if (length == 0) {
        return;
      }
      lock.lock();
      try {
        int fd = socket.acquire();
        try {
          if (buffer == null) {
            buffer = socket.allocate(BUFFER_BYTES);
          }
          for (int done = 0; done < length; ) {
            int chunk = Math.min(length - done, BUFFER_BYTES);
            MemorySegment.copy(bytes, offset + done, buffer, JAVA_BYTE, 0, chunk);
            sendFully(fd, chunk);
            done += chunk;
          }
        } finally {
          socket.release();
        }
      } finally {
        lock.unlock();
      }
    }

    /** send(2) until the first count bytes of the buffer are all written. */
    private void sendFully(int fd, int count) throws IOException {
      int interrupted = 0;
      for (long sent = 0; sent < count; ) {
        try {
          sent += Libc.send(fd, buffer.asSlice(sent), count - sent);
          interrupted = 0;
        } catch (ErrnoException e) {
          if (e.errno() == Libc.EINTR && interrupted++ < EINTR_RETRIES_MAX) {
            continue;
          }
          if (e.errno() == Libc.EPIPE) {
            throw new IOException("peer closed", e);
          }
          if (e.errno() == Libc.ECONNRESET) {
            throw new IOException("peer closed (connection reset)", e);
          }
          throw e;
        }
      }
    }

    @Override
    public void close() {
      LocalConnection.this.close();
    }
  }
}
