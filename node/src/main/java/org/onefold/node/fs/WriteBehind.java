package org.onefold.node.fs;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsReply;

/**
 * A node's writes, answered to the kernel once sent to the log rather than once the log has them,
 * as a local filesystem answers write(2) once its page cache has the data: many writes of one
 * program are then in flight at once, and the log takes them in batches. What a local filesystem
 * promises still holds:
 *
 * <ul>
 *   <li>this node reads what it wrote: a read, getattr or other change of an inode first waits for
 *       the inode's writes in flight ({@link #await});
 *   <li>fsync(2) and close(2) return once the log (a majority of the replicas) has every write of
 *       the file, and report a write that failed (ENOSPC, EIO) as a local filesystem reports a
 *       failed writeback: once, to the first fsync or close after it ({@link #awaitReported});
 *   <li>another node sees the writes once the writer has closed the file (close-to-open).
 * </ul>
 *
 * Writes sent through one sender of the gateway apply in the order sent; when the node's client
 * changes (the up nodes changed), the writes in flight are awaited before the next is sent through
 * the new one, so that two writes of one range never apply out of order. The sender is taken under
 * the monitor and the write goes through that very sender.
 *
 * <p>A failure is kept per inode, not per open file: the first fsync or close of any descriptor of
 * the file gets it (Linux reports it to every descriptor open at the time).
 *
 * <p>Threads: the mount's readers call in; the group's client completes the writes; all state is
 * guarded by this object's monitor.
 */
final class WriteBehind {
  /**
   * Writes in flight at most, and their bytes: past either, a write waits for room. Enough for the
   * log to take them in batches; small enough that, when the leader dies, the writes retried
   * through the next one are few (the writer's pause grows with the bytes in flight).
   */
  static final int IN_FLIGHT_MAX = 64;

  static final long IN_FLIGHT_BYTES_MAX = 16L << 20;

  /** The longest a call waits for writes in flight; past it the call fails with EIO. */
  static final long WAIT_MILLIS_MAX = 120_000;

  private final FsGateway gateway;

  /** The writes in flight of one inode, and the first failure not reported yet. */
  private static final class InodeWrites {
    int inFlight;
    int errno;
    String message = "";
  }

  private final Map<Long, InodeWrites> byInode = new HashMap<>();
  private int inFlight;
  private long inFlightBytes;

  /** The sender the writes in flight went through. */
  private FsGateway.Sender sender;

  WriteBehind(FsGateway gateway) {
    this.gateway = gateway;
  }

  /** Sends command, a write of bytes to inode, and returns once it is sent (after room is made). */
  void write(long inode, FsCommand command, int bytes) throws FuseException {
    FsGateway.Sender through;
    synchronized (this) {
      long deadline = System.currentTimeMillis() + WAIT_MILLIS_MAX;
      while (inFlight > 0
          && (inFlight >= IN_FLIGHT_MAX
              || inFlightBytes + bytes > IN_FLIGHT_BYTES_MAX
              || gateway.sender() != sender)) {
        waitUntil(deadline);
      }
      through = gateway.sender();
      sender = through;
      inFlight++;
      inFlightBytes += bytes;
      byInode.computeIfAbsent(inode, any -> new InodeWrites()).inFlight++;
    }
    CompletableFuture<FsReply> reply;
    try {
      reply = through.send(command);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((answer, failure) -> completed(inode, bytes, answer, failure));
  }

  /** Returns once inode has no writes in flight (a failure stays for fsync or close). */
  synchronized void await(long inode) throws FuseException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS_MAX;
    InodeWrites writes;
    while ((writes = byInode.get(inode)) != null && writes.inFlight > 0) {
      waitUntil(deadline);
    }
  }

  /** As {@link #await}, then fails with a failed write's errno, once: fsync and close. */
  synchronized void awaitReported(long inode) throws FuseException {
    await(inode);
    InodeWrites writes = byInode.get(inode);
    if (writes == null || writes.errno == 0) {
      return;
    }
    byInode.remove(inode);
    throw new FuseException(writes.errno, writes.message);
  }

  /** Whether inode has writes in flight now. */
  synchronized boolean writing(long inode) {
    InodeWrites writes = byInode.get(inode);
    return writes != null && writes.inFlight > 0;
  }

  private synchronized void completed(long inode, int bytes, FsReply reply, Throwable failure) {
    inFlight--;
    inFlightBytes -= bytes;
    InodeWrites writes = byInode.get(inode);
    writes.inFlight--;
    if (writes.errno == 0) {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        writes.errno = FsError.EIO;
        writes.message = "the filesystem's state: " + cause.getMessage();
      } else if (reply.getErrno() != 0) {
        writes.errno = reply.getErrno();
        writes.message = reply.getMessage();
      }
    }
    if (writes.inFlight == 0 && writes.errno == 0) {
      byInode.remove(inode);
    }
    notifyAll();
  }

  private void waitUntil(long deadline) throws FuseException {
    long left = deadline - System.currentTimeMillis();
    if (left <= 0) {
      throw new FuseException(
          FsError.EIO, "writes still in flight after " + WAIT_MILLIS_MAX + " ms");
    }
    try {
      wait(left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FuseException(FsError.EIO, "interrupted while writes were in flight");
    }
  }
}
