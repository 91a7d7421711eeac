package org.onefold.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ssi down}: stops the daemons of a local cluster directory. Each gets SIGTERM and up to
 * STOP_LIMIT to leave cleanly (all in parallel), then SIGKILL. With {@code --purge} the directory
 * goes too, but only if it looks like one {@code up} made: a directory without node<k>
 * subdirectories is never deleted.
 */
final class DownCommand implements Command {
  private static final Duration STOP_LIMIT = Duration.ofSeconds(10);
  private static final Duration KILL_LIMIT = Duration.ofSeconds(5);

  /** Null for the default directory. */
  private Path directory;

  private boolean purge;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Stop every running node of a local cluster directory (see 'ssi up').",
            "Each gets SIGTERM and up to 10 s to exit, then SIGKILL. D defaults to"
                + " $ONEFOLD_CLUSTER_DIR, else $HOME/.onefold/cluster.")
        .option(
            "--dir",
            "D",
            "The cluster directory (default: see above).",
            value -> directory = Path.of(value))
        .flag("--purge", "Also delete D and all the nodes' state.", () -> purge = true);
  }

  @Override
  public int run(Ssi ssi) {
    PrintStream out = ssi.console().out();
    ClusterDirectory cluster =
        new ClusterDirectory(
            directory != null
                ? directory
                : ClusterDirectory.defaultRoot(ssi.console().environment()));
    if (!Files.isDirectory(cluster.root())) {
      if (purge) {
        throw new Failure("no cluster directory at " + cluster.root());
      }
      out.println("nothing to stop: " + cluster.root() + " does not exist");
      return 0;
    }
    refuseUnlessCluster(cluster);
    Map<Integer, ProcessHandle> running = new TreeMap<>();
    for (int node : cluster.nodes()) {
      OptionalLong pid = cluster.runningPid(node);
      if (pid.isPresent()) {
        ProcessHandle.of(pid.getAsLong()).ifPresent(process -> running.put(node, process));
      }
    }
    running.values().forEach(ProcessHandle::destroy);
    if (!awaitExit(running, STOP_LIMIT)) {
      running.forEach(
          (node, process) -> {
            if (process.isAlive()) {
              out.println(
                  "node "
                      + node
                      + " (pid "
                      + process.pid()
                      + ") did not stop within "
                      + STOP_LIMIT.toSeconds()
                      + " s; killing it");
              process.destroyForcibly();
            }
          });
      if (!awaitExit(running, KILL_LIMIT)) {
        throw new Failure(
            "some nodes of "
                + cluster.root()
                + " survived SIGKILL: "
                + running.entrySet().stream()
                    .filter(entry -> entry.getValue().isAlive())
                    .map(entry -> "node " + entry.getKey())
                    .toList());
      }
    }
    running.forEach(
        (node, process) -> out.println("stopped node " + node + " (pid " + process.pid() + ")"));
    if (running.isEmpty()) {
      out.println("no running nodes in " + cluster.root());
    }
    List<String> mounts = mounts();
    for (int node : cluster.nodes()) {
      deleteQuietly(cluster.socket(node));
      deleteQuietly(cluster.pidFile(node));
      unmountLeftover(cluster.viewDirectory(node).resolve("mnt"), mounts, out);
      unmountLeftover(cluster.viewDirectory(node), mounts, out);
      unmountLeftover(cluster.mountPoint(node), mounts, out);
    }
    if (purge) {
      deleteTree(cluster.root());
      out.println("deleted " + cluster.root());
    }
    return 0;
  }

  /** Purging deletes a whole tree, so it must be one that up made, and never home or /. */
  private void refuseUnlessCluster(ClusterDirectory cluster) {
    if (!purge) {
      return;
    }
    Path root = cluster.root();
    Path home = Path.of(System.getProperty("user.home")).toAbsolutePath().normalize();
    if (!cluster.looksLikeCluster() || root.getParent() == null || root.equals(home)) {
      throw new Failure(
          "refusing to delete "
              + root
              + ": it does not look like a cluster directory"
              + " (no node<k> subdirectory); check --dir");
    }
  }

  /** True if every process exited within limit. */
  private static boolean awaitExit(Map<Integer, ProcessHandle> processes, Duration limit) {
    CompletableFuture<?>[] exits =
        processes.values().stream().map(ProcessHandle::onExit).toArray(CompletableFuture<?>[]::new);
    try {
      CompletableFuture.allOf(exits).get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new Failure("cannot wait for the nodes to exit: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while waiting for the nodes to exit");
    }
  }

  /**
   * A node's filesystem mount or cluster view left behind by a daemon that died ("Transport
   * endpoint is not connected"): detached with umount -l, so that the directory is usable again
   * (and purgeable).
   */
  private static void unmountLeftover(Path mountPoint, List<String> mounts, PrintStream out) {
    String target = " " + mountPoint.toAbsolutePath() + " ";
    if (mounts.stream().noneMatch(line -> line.contains(target))) {
      return;
    }
    try {
      Process umount = new ProcessBuilder("umount", "-l", mountPoint.toString()).start();
      if (umount.waitFor(10, TimeUnit.SECONDS) && umount.exitValue() == 0) {
        out.println("unmounted " + mountPoint + ", left by a node that died");
      } else {
        out.println("could not unmount " + mountPoint + " (as root: umount -l " + mountPoint + ")");
      }
    } catch (IOException e) {
      out.println("could not unmount " + mountPoint + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** This machine's mounts, a line each as /proc/self/mounts gives them; none if unreadable. */
  private static List<String> mounts() {
    try {
      return Files.readAllLines(Path.of("/proc/self/mounts"));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover socket or pid file is harmless: the next daemon replaces it.
    }
  }

  private static void deleteTree(Path top) {
    try {
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
              if (failure != null) {
                throw failure;
              }
              Files.delete(directory);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + top + ": " + e.getMessage(), e);
    }
  }
}
