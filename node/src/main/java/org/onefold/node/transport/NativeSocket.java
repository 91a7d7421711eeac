package org.onefold.node.transport;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A socket fd that any thread may close while other threads are inside calls on it.
 *
 * <p>close(2) on an fd that another thread is blocked on does not wake that thread on Linux, and
 * the fd number may be handed out again by the next open(2) while a thread is about to use it. So
 * {@link #close} only shuts the socket down (which makes a blocked read(2) return 0 and a blocked
 * accept(2) fail), and the fd is closed by whichever thread leaves the last call, as {@link
 * #acquire}/{@link #release} count them. The native buffers used with the fd live in an arena that
 * is freed together with it.
 */
final class NativeSocket {
  private static final Logger log = LoggerFactory.getLogger(NativeSocket.class);

  private final int fd;
  // All fields below are guarded by this.
  private int callsInProgress;
  private boolean closed;
  private boolean released;

  /** Created on first allocation, so that connections refused at once allocate nothing. */
  private Arena arena;

  NativeSocket(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("fd " + fd + " is negative");
    }
    this.fd = fd;
  }

  /** Marks the start of a call; returns the fd to call with. Throws once the socket is closed. */
  synchronized int acquire() throws IOException {
    if (closed) {
      throw new IOException("connection closed");
    }
    callsInProgress++;
    return fd;
  }

  /** Marks the end of a call started with {@link #acquire}. */
  void release() {
    synchronized (this) {
      if (callsInProgress <= 0) {
        throw new IllegalStateException("release of fd " + fd + " without acquire");
      }
      callsInProgress--;
      if (!closed || callsInProgress > 0) {
        return;
      }
      released = true;
    }
    releaseFd();
  }

  /** Native memory that stays valid while the caller holds a call started with acquire. */
  synchronized MemorySegment allocate(long bytes) {
    if (released) {
      throw new IllegalStateException("fd " + fd + " already released");
    }
    if (arena == null) {
      arena = Arena.ofShared();
    }
    return arena.allocate(bytes);
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Shuts the socket down, waking any blocked call; the fd goes when the last call leaves. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        Libc.shutdown(fd, Libc.SHUT_RDWR);
      } catch (ErrnoException e) {
        log.trace("shutdown of fd {}: {}", fd, e.getMessage()); // ENOTCONN once the peer is gone
      }
      if (callsInProgress > 0) {
        return;
      }
      released = true;
    }
    releaseFd();
  }

  /** Runs once, outside the lock, when the socket is closed and no call is in progress. */
  private void releaseFd() {
    try {
      Libc.close(fd); // not retried on EINTR: Linux frees the fd even then
    } catch (ErrnoException e) {
      log.debug("close of fd {}: {}", fd, e.getMessage());
    }
    Arena toFree;
    synchronized (this) {
      toFree = arena;
      arena = null;
    }
    if (toFree != null) {
      toFree.close();
    }
  }
}
