package org.onefold.node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Properties;
import org.onefold.node.storage.AtomicFiles;

/**
 * A node's state directory. Layout:
 *
 * <pre>
 *   ssid.lock        held (flock) while a daemon runs on this directory
 *   ssid.pid         the running daemon's pid
 *   ssid.log         its log
 *   ssid.sock        its local API socket (unless configured elsewhere)
 *   ssid.conf        optional config file
 *   join-token       the bootstrap node's first join token (mode 0600)
 *   state/identity   cluster id and node number: written last, so that its presence
 *                    means the node is fully set up
 *   state/tls/       the node's key and certificates
 *   state/raft/      the meta group's log and snapshots
 * </pre>
 *
 * A {@code state/} without {@code identity} is what an interrupted bootstrap or join left: it is
 * removed and set-up starts again.
 */
public final class StateDirectory implements AutoCloseable {
  /** The cluster and node this directory belongs to. */
  public record Identity(String clusterId, int node) {}

  private final Path root;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StateDirectory(Path root, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Creates the directory if needed and takes its lock; a second daemon on it is refused. */
  public static StateDirectory lock(Path root) throws IOException {
    try {
      Files.createDirectories(root);
    } catch (AccessDeniedException e) {
      throw new IOException("cannot create state directory " + root + ": permission denied");
    }
    FileChannel channel =
        FileChannel.open(
            root.resolve("ssid.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      String pid = readPid(root).map(found -> " (pid " + found + ")").orElse("");
      throw new IOException("another ssid is running on state directory " + root + pid);
    }
    return new StateDirectory(root, channel, lock);
  }

  public Path root() {
    return root;
  }

  public Path state() {
    return root.resolve("state");
  }

  public Path tls() {
    return state().resolve("tls");
  }

  public Path raft() {
    return state().resolve("raft");
  }

  /** Where this node keeps its replica of the cluster filesystem's data (its chunks). */
  public Path fsData() {
    return state().resolve("fs");
  }

  /** Where this node's cluster view (a mount namespace) is kept while the daemon runs. */
  public Path viewDirectory() {
    return root.resolve("view");
  }

  public Path pidFile() {
    return root.resolve("ssid.pid");
  }

  public Path joinTokenFile() {
    return root.resolve("join-token");
  }

  private Path identityFile() {
    return state().resolve("identity");
  }

  /** The identity, if this directory holds a set-up node. */
  public Optional<Identity> identity() throws IOException {
    Path file = identityFile();
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    }
    String cluster = properties.getProperty("cluster-id");
    String node = properties.getProperty("node");
    try {
      if (cluster == null || node == null) {
        throw new NumberFormatException("missing");
      }
      return Optional.of(
          new Identity(java.util.UUID.fromString(cluster).toString(), Integer.parseInt(node)));
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "corrupt state file "
              + file
              + ": expected cluster-id and node; move the directory aside"
              + " and join again");
    }
  }

  /** True if set-up began here but never finished. */
  public boolean incomplete() {
    return Files.exists(state()) && !Files.exists(identityFile());
  }

  /** Writes the identity atomically: the last step of setting up a node. */
  public void writeIdentity(Identity identity) throws IOException {
    String text =
        "# Written by ssid when this node joined its cluster. Do not edit.\n"
            + "cluster-id="
            + identity.clusterId()
            + "\nnode="
            + identity.node()
            + "\n";
    Files.createDirectories(state());
    AtomicFiles.write(
        identityFile(), text.getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
  }

  public void writePid(long pid) throws IOException {
    AtomicFiles.write(
        pidFile(), (pid + "\n").getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
  }

  /** Keeps the bootstrap's join token for local use (ssi up); readable by the owner only. */
  public void writeJoinToken(String token) throws IOException {
    AtomicFiles.write(
        joinTokenFile(), (token + "\n").getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
  }

  /** Removes what an unfinished set-up left, so that nothing half-written stays. */
  public void removeState() throws IOException {
    deleteTree(state());
  }

  static Optional<Long> readPid(Path root) {
    try {
      return Optional.of(Long.parseLong(Files.readString(root.resolve("ssid.pid")).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  static void deleteTree(Path top) throws IOException {
    if (!Files.exists(top)) {
      return;
    }
    Files.walkFileTree(
        top,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path directory, IOException failure)
              throws IOException {
            Files.delete(directory);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Releases the lock and removes the pid file. */
  @Override
  public void close() throws IOException {
    Files.deleteIfExists(pidFile());
    lock.release();
    lockChannel.close();
  }
}
