package org.onefold.node.transport;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix stream socket server whose connections carry the peer's kernel credentials.
 *
 * <p>This is the door of the node's local API (the {@code ssi} command, the client library). Who is
 * calling decides what a call may do, so the caller's pid, uid and gid are taken from the kernel
 * with SO_PEERCRED when the connection is accepted, never from anything the caller sends. The JDK's
 * Unix domain sockets give no peer pid, so the server side calls libc through FFM ({@link Libc});
 * clients use the JDK's own {@code SocketChannel}.
 *
 * <p>Threads: one acceptor platform thread runs accept4(2) in a loop; each admitted connection gets
 * its own platform thread ("local-api-n") that runs the handler, then closes the connection.
 * Connections past {@code connectionsMax} are closed at once and counted. The socket file is mode
 * 0666 so that any local user can connect; permission checks happen per call, on the credentials.
 * {@link #close} shuts down the listening socket and every connection (waking blocked reads), then
 * joins the threads within a bound.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);

  static final int LISTEN_BACKLOG = 128;

  /** How long close() waits, in all, for the acceptor and connection threads to end. */
  static final Duration CLOSE_WAIT_MAX = Duration.ofSeconds(5);

  /** Pause after accept4(2) runs out of fds or memory, so the acceptor does not spin. */
  static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final Path path;

  /** The identity of the socket file we bound, so that close() deletes ours and nobody else's. */
  private final Object fileKey;

  private final int connectionsMax;
  private final ConnectionHandler handler;

  /** The listening socket; used by the acceptor, shut down by close(). */
  private final NativeSocket listener;

  private final Thread acceptor;

  /** Set once by close(); read by the acceptor. */
  private final AtomicBoolean closing = new AtomicBoolean();

  /** Raised by the acceptor, lowered by each connection's thread as it ends. */
  private final AtomicInteger activeConnections = new AtomicInteger();

  /** Raised by the acceptor only. */
  private final AtomicLong refusedConnections = new AtomicLong();

  /**
   * Open connections and their threads: added by the acceptor, removed by each connection's thread
   * as it ends, walked by close().
   */
  private final Map<LocalConnection, Thread> connections = new ConcurrentHashMap<>();

  /** Owned by the acceptor thread: numbers the connection threads. */
  private long connectionsAdmitted;

  private UnixSocketServer(
      Path path,
      Object fileKey,
      int connectionsMax,
      ConnectionHandler handler,
      NativeSocket listener) {
    this.path = path;
    this.fileKey = fileKey;
    this.connectionsMax = connectionsMax;
    this.handler = handler;
    this.listener = listener;
    this.acceptor =
        Thread.ofPlatform().name("local-api-acceptor").daemon().unstarted(this::acceptLoop);
  }

  /**
   * Binds path (mode 0666), listens, and starts the acceptor. A stale socket file at path (one
   * nobody listens on) is removed first; a live one is an error. Errors name the path and the errno
   * text, e.g. "cannot bind /x/ssid.sock: Address already in use".
   */
  public static UnixSocketServer start(Path path, int connectionsMax, ConnectionHandler handler)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(handler, "handler");
    if (connectionsMax < 1) {
      throw new IllegalArgumentException("connectionsMax " + connectionsMax + " is below 1");
    }
    byte[] pathBytes = path.toString().getBytes(UTF_8);
    if (pathBytes.length >= Libc.SUN_PATH_BYTES) {
      throw new IOException(
          "cannot bind "
              + path
              + ": path is "
              + pathBytes.length
              + " bytes, but sun_path holds at most "
              + (Libc.SUN_PATH_BYTES - 1)
              + " ("
              + Libc.SUN_PATH_BYTES
              + " with the NUL); choose a shorter path");
    }
    String inTheWay = removeStaleSocket(path);
    NativeSocket listener;
    try {
      listener =
          new NativeSocket(Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0));
    } catch (ErrnoException e) {
      throw new IOException("cannot create a socket for " + path + ": " + e.errnoText(), e);
    }
    boolean bound = false;
    try {
      int fd = listener.acquire();
      try {
        Libc.bind(fd, pathBytes);
        bound = true;
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        Libc.listen(fd, LISTEN_BACKLOG);
      } finally {
        listener.release();
      }
      Object fileKey =
          Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      UnixSocketServer server =
          new UnixSocketServer(path, fileKey, connectionsMax, handler, listener);
      server.acceptor.start();
      log.info("local API listening on {} (at most {} connections)", path, connectionsMax);
      return server;
    } catch (IOException | RuntimeException | Error e) {
      listener.close();
      if (bound) {
        deleteQuietly(path);
      }
      if (e instanceof ErrnoException errno) {
        String message =
            errno.call().equals("bind")
                ? "cannot bind " + path + ": " + errno.errnoText() + inTheWay
                : "cannot listen on " + path + ": " + errno.errnoText();
        throw new IOException(message, errno);
      }
      throw e;
    }
  }

  /** Connections being served now. */
  public int activeConnections() {
    return activeConnections.get();
  }

  /** Connections closed at once because connectionsMax were being served. */
  public long refusedConnections() {
    return refusedConnections.get();
  }

  /**
   * Stops accepting, shuts down every open connection (so that blocked reads return), waits a
   * bounded time for the threads to end, and deletes the socket file. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    long deadlineNanos = System.nanoTime() + CLOSE_WAIT_MAX.toNanos();
    listener.close();
    join(acceptor, deadlineNanos);
    connections.keySet().forEach(LocalConnection::close);
    connections.values().forEach(thread -> join(thread, deadlineNanos));
    if (isOurSocketFile()) {
      deleteQuietly(path);
    }
    log.info("local API on {} closed", path);
  }

  @Override
  public String toString() {
    return "UnixSocketServer[" + path + ", " + activeConnections() + " active]";
  }

  /**
   * Removes a socket file that nobody listens on (connect(2) is refused), as left by a daemon that
   * died, so that a restart can bind. Returns a hint to add to a bind error when a file stays.
   */
  private static String removeStaleSocket(Path path) throws IOException {
    int mode;
    try {
      mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException absent) {
      return "";
    }
    if ((mode & S_IFMT) != S_IFSOCK) {
      return " (a file that is not a socket is in the way)";
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      return " (a server is listening there)";
    } catch (ConnectException refused) {
      Files.deleteIfExists(path);
      log.info("removed stale socket file {} (nobody listening)", path);
      return "";
    } catch (IOException e) {
      throw new IOException(
          "cannot bind "
              + path
              + ": cannot tell whether the socket file there"
              + " is in use: "
              + e.getMessage(),
          e);
    }
  }

  private void acceptLoop() {
    try {
      while (!closing.get()) {
        int fd = listener.acquire();
        int connectionFd;
        try {
          connectionFd = Libc.accept4(fd, Libc.SOCK_CLOEXEC);
        } catch (ErrnoException e) {
          if (closing.get() || !retryAccept(e)) {
            return;
          }
          continue;
        } finally {
          listener.release();
        }
        admit(connectionFd);
      }
    } catch (IOException closedMeanwhile) {
      // close() came between the loop's check and acquire: nothing left to do.
    } finally {
      listener.close();
    }
  }

  /** Whether the acceptor should go on after accept4(2) failed; backs off when out of fds. */
  private boolean retryAccept(ErrnoException e) {
    switch (e.errno()) {
      case Libc.EINTR, Libc.EAGAIN, Libc.ECONNABORTED, Libc.EPROTO -> {
        return true;
      }
      case Libc.EMFILE, Libc.ENFILE, Libc.ENOBUFS, Libc.ENOMEM -> {
        log.warn(
            "accept on {}: {}; retrying in {} ms", path, e.errnoText(), ACCEPT_BACKOFF.toMillis());
        LockSupport.parkNanos(ACCEPT_BACKOFF.toNanos());
        return true;
      }
      default -> {
        log.error("accept on {} failed; no longer accepting: {}", path, e.getMessage());
        return false;
      }
    }
  }

  /** Runs on the acceptor: refuses past the limit, else reads credentials and starts a thread. */
  private void admit(int fd) {
    NativeSocket socket = new NativeSocket(fd);
    if (activeConnections.get() >= connectionsMax) {
      socket.close();
      long refused = refusedConnections.incrementAndGet();
      log.debug(
          "refused a connection on {}: {} active (refused so far: {})",
          path,
          connectionsMax,
          refused);
      return;
    }
    PeerCredentials peer;
    try {
      peer = Libc.peerCredentials(fd);
    } catch (ErrnoException e) {
      socket.close();
      log.debug("dropped a connection on {}: no peer credentials: {}", path, e.getMessage());
      return;
    }
    LocalConnection connection = new LocalConnection(socket, peer);
    activeConnections.incrementAndGet();
    connectionsAdmitted++;
    Thread thread =
        Thread.ofPlatform()
            .name("local-api-" + connectionsAdmitted)
            .daemon()
            .unstarted(() -> serve(connection));
    connections.put(connection, thread);
    if (closing.get()) { // close() may have walked the map before the put
      forget(connection);
      return;
    }
    try {
      thread.start();
    } catch (OutOfMemoryError e) {
      forget(connection);
      log.warn(
          "dropped a connection from pid {} on {}: cannot start a thread: {}",
          peer.pid(),
          path,
          e.getMessage());
    }
  }

  /** Runs on the connection's thread: the handler, then the connection's end. */
  private void serve(LocalConnection connection) {
    try {
      handler.serve(connection);
    } catch (IOException | RuntimeException e) {
      log.debug("local connection {} ended by {}", connection, e.toString(), e);
    } finally {
      forget(connection);
    }
  }

  private void forget(LocalConnection connection) {
    connection.close();
    connections.remove(connection);
    activeConnections.decrementAndGet();
  }

  private static void join(Thread thread, long deadlineNanos) {
    if (thread == Thread.currentThread()) {
      return; // close() called by a handler: its own thread ends after it returns
    }
    long waitNanos = deadlineNanos - System.nanoTime();
    try {
      if (waitNanos <= 0 || !thread.join(Duration.ofNanos(waitNanos))) {
        log.warn(
            "{} still running {} ms after close() began; leaving it",
            thread.getName(),
            CLOSE_WAIT_MAX.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean isOurSocketFile() {
    try {
      Object now =
          Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      return Objects.equals(now, fileKey);
    } catch (IOException e) {
      return false; // gone already, or unreadable: nothing of ours to delete
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot delete socket file {}: {}", path, e.getMessage());
    }
  }
}
