package org.onefold.node.fs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.onefold.node.transport.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster view of this node: the mount namespace in which the programs started through Onefold
 * run, so that the same path names the same file on every node. Inside it:
 *
 * <ul>
 *   <li>{@code /cluster} is this node's mount of the cluster filesystem (a bind of it, when the
 *       node mounts it elsewhere, as every node of {@code ssi up} does);
 *   <li>each shared path ({@code /tmp}, {@code /home}, {@code /srv} by default) is a bind of the
 *       same path under {@code /cluster}; a missing one is made there with the mode of the node's
 *       own directory (so {@code /cluster/tmp} is 1777 as /tmp is);
 *   <li>{@code /run/onefold/ssid.sock} is this node's local API socket, wherever the daemon listens
 *       (its own socket may lie under a shared path, which the view covers), so that an {@code ssi}
 *       run inside talks to the node it runs on.
 * </ul>
 *
 * Everything else is the node's own: /usr, /etc, /proc, /dev. The namespace is a slave of the
 * node's, so that what the node mounts later (a disk, a new FUSE mount) shows inside too.
 *
 * <p>The namespace is made once per daemon start by {@code unshare(1)} and kept alive by a bind of
 * its nsfs file, {@code mnt} in a directory of the state directory, where {@code nsenter(1)} enters
 * it for each program. That directory is first bound onto itself and made private: the kernel
 * refuses to keep a namespace on a shared mount (systemd makes / shared), as it could propagate
 * into the namespace itself. A daemon start clears the view a dead daemon left. Programs that
 * outlive their daemon keep the old view, whose filesystem answers ENOTCONN until they are
 * restarted.
 */
public final class ClusterView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterView.class);

  /** Where the cluster filesystem is inside the view. */
  public static final Path CLUSTER = Path.of("/cluster");

  /** This node's socket inside the view: the path ssi tries when SSI_SOCKET is not set. */
  public static final Path SOCKET = Path.of("/run/onefold/ssid.sock");

  /** The paths bound from the cluster filesystem when the settings name none. */
  public static final List<Path> DEFAULT_SHARED =
      List.of(Path.of("/tmp"), Path.of("/home"), Path.of("/srv"));

  private static final String UNSHARE = "/usr/bin/unshare";
  private static final String NSENTER = "/usr/bin/nsenter";
  private static final long MAKE_SECONDS_MAX = 30;

  /**
   * Run by {@code unshare} inside the new namespace, as root: "$1" the daemon's socket, "$2" the
   * node's mount of the filesystem, "$3" /cluster, then the shared paths.
   */
  private static final String SET_UP =
      """
      set -e
      socket=$1 mount=$2 view=$3
      shift 3
      if [ "$socket" != /run/onefold/ssid.sock ]; then
        mount -t tmpfs -o mode=0755,size=64k onefold-view /run/onefold
        : >/run/onefold/ssid.sock
        mount --bind "$socket" /run/onefold/ssid.sock
      fi
      if [ "$mount" != "$view" ]; then mount --bind "$mount" "$view"; fi
      for shared; do
        if [ ! -d "$view$shared" ]; then
          mkdir -p "$(dirname "$view$shared")"
          mkdir -m "$(stat -c %a "$shared")" "$view$shared" 2>/dev/null || [ -d "$view$shared" ]
        fi
        mount --bind "$view$shared" "$shared"
      done
      """;

  private final Path directory;
  private final Path namespaceFile;

  private ClusterView(Path directory) {
    this.directory = directory;
    this.namespaceFile = fileIn(directory);
  }

  private static Path fileIn(Path directory) {
    return directory.resolve("mnt");
  }

  /**
   * Makes the view and keeps it in directory.
   *
   * @param directory where the namespace is kept (a directory of the state directory, made here)
   * @param mountPoint where this node mounts the cluster filesystem
   * @param shared the paths bound from the cluster filesystem, absolute
   * @param socket this node's local API socket
   * @throws IOException with a one-line reason when the namespace cannot be made
   */
  public static ClusterView make(Path directory, Path mountPoint, List<Path> shared, Path socket)
      throws IOException {
    for (String tool : List.of(UNSHARE, NSENTER)) {
      if (!Files.isExecutable(Path.of(tool))) {
        throw new IOException(tool + " is missing; install util-linux");
      }
    }
    clear(directory);
    Files.createDirectories(directory);
    Libc.mount(directory.toString(), directory.toString(), "none", Libc.MS_BIND, "");
    Libc.mount("none", directory.toString(), "none", Libc.MS_PRIVATE, "");
    Files.createDirectories(CLUSTER);
    Files.createDirectories(SOCKET.getParent());
    for (Path path : shared) {
      Files.createDirectories(path);
    }
    Path namespaceFile = fileIn(directory);
    Files.deleteIfExists(namespaceFile);
    Files.createFile(namespaceFile);
    List<String> command =
        new ArrayList<>(
            List.of(
                UNSHARE,
                "--mount=" + namespaceFile,
                "--propagation=slave",
                "/bin/sh",
                "-c",
                SET_UP,
                "onefold-view",
                socket.toString(),
                mountPoint.toString(),
                CLUSTER.toString()));
    shared.forEach(path -> command.add(path.toString()));
    // The script's output goes to a file, so that the wait for it is bounded: it touches the
    // cluster filesystem, which waits for a quorum.
    Path output = directory.resolve("setup.out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    boolean ended;
    try {
      ended = process.waitFor(MAKE_SECONDS_MAX, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ended = false;
    }
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      clear(directory);
      throw new IOException(
          "making the cluster view took over " + MAKE_SECONDS_MAX + " s (no filesystem quorum?)");
    }
    String said = Files.readString(output).strip();
    Files.deleteIfExists(output);
    if (process.exitValue() != 0) {
      clear(directory);
      throw new IOException(
          "cannot make the cluster view: "
              + (said.isEmpty()
                  ? "unshare failed"
                  : said.lines().reduce((a, b) -> b).orElse(said)));
    }
    log.info(
        "the cluster view is at {}: /cluster and {} from {}", namespaceFile, shared, mountPoint);
    return new ClusterView(directory);
  }

  /** The file that keeps the namespace; {@code nsenter --mount=FILE} enters it. */
  public Path namespaceFile() {
    return namespaceFile;
  }

  /**
   * Lets a view a dead daemon left in directory go (its programs keep it while they run), and the
   * directory's own bind.
   */
  private static void clear(Path directory) throws IOException {
    MountTable.detach(fileIn(directory));
    MountTable.detach(directory);
  }

  @Override
  public void close() throws IOException {
    clear(directory);
    Files.deleteIfExists(namespaceFile);
  }
}
