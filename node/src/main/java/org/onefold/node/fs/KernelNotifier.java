package org.onefold.node.fs;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import org.onefold.node.fs.fuse.FuseMount;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells this node's kernel what other nodes changed, on a thread of its own, in the order the
 * changes were applied. Never on the applying thread: a notice about a directory waits for the
 * kernel's lock on it, which a local call may hold while it waits for its own change to be applied.
 *
 * <p>Threads: {@link #offer} from the replica's applying thread, {@link #awaitSent} from the
 * mount's readers, the sending thread; all under this object's monitor.
 */
final class KernelNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KernelNotifier.class);

  /** Notices waiting at most; past it they are dropped (and counted), never blocking the apply. */
  static final int QUEUED_MAX = 100_000;

  /** Inodes remembered as having lost a name, and as resolved by the kernel. */
  static final int REMEMBERED_MAX = 100_000;

  /** How long close waits for a notice being sent (the kernel answers a notice at once). */
  private static final long SENDER_JOIN_MILLIS_MAX = 5_000;

  private final FuseMount mount;
  private final Thread sender;

  /** Guarded by this. */
  private final ArrayDeque<KernelNotice> queue = new ArrayDeque<>();

  /** Notices taken, sent (or failed), and dropped for a full queue; guarded by this. */
  private long offered;

  private long sent;
  private long dropped;

  /**
   * The inodes that lost a name, with the count of notices sent when the kernel was told; the
   * oldest forgotten past {@link #REMEMBERED_MAX} (an open of one then looks its path up again).
   */
  private final java.util.LinkedHashMap<Long, Long> movedAt =
      new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
          return size() > REMEMBERED_MAX;
        }
      };

  private boolean closed;

  KernelNotifier(FuseMount mount) {
    this.mount = mount;
    this.sender =
        Thread.ofPlatform().name("fuse-notices-" + mount.target()).daemon().start(this::run);
  }

  /** Queues notices to be sent after every notice offered before; returns at once. */
  synchronized void offer(List<KernelNotice> notices) {
    if (closed) {
      return;
    }
    if (queue.size() + notices.size() > QUEUED_MAX) {
      if (dropped == 0) {
        log.error(
            "more than {} notices wait for the kernel of {}: dropping some; its caches may show"
                + " other nodes' changes late",
            QUEUED_MAX,
            mount.target());
      }
      dropped += notices.size();
      return;
    }
    queue.addAll(notices);
    offered += notices.size();
    notifyAll();
  }

  /** How many notices have been sent: a point in the order of notices. */
  synchronized long sent() {
    return sent;
  }

  /**
   * Whether inode lost a name after point (a count of {@link #sent}), or at a point no longer
   * remembered.
   */
  synchronized boolean movedAfter(long inode, long point) {
    Long moved = movedAt.get(inode);
    if (moved == null) {
      return movedAt.size() >= REMEMBERED_MAX && point == 0;
    }
    return moved > point;
  }

  /** Returns once every notice offered before the call has been sent, or after max. */
  synchronized void awaitSent(Duration max) throws InterruptedException {
    long target = offered;
    long deadline = System.nanoTime() + max.toNanos();
    while (sent < target && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private void run() {
    while (true) {
      KernelNotice notice;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        notice = queue.poll();
      }
      send(notice);
      synchronized (this) {
        sent++;
        if (notice instanceof KernelNotice.NameMoved moved) {
          movedAt.remove(moved.inode());
          movedAt.put(moved.inode(), sent);
        }
        notifyAll();
      }
    }
  }

  private void send(KernelNotice notice) {
    try {
      switch (notice) {
        case KernelNotice.InodeChanged inode ->
            mount.invalidateInode(inode.inode(), inode.offset(), inode.length());
        case KernelNotice.NameChanged name -> mount.invalidateEntry(name.parent(), name.name());
        case KernelNotice.NameMoved moved -> mount.invalidateInode(moved.inode(), -1, 0);
      }
    } catch (IOException e) {
      log.debug("{}: {}", notice, e.getMessage());
    }
  }

  /** Stops sending and waits for the sending thread, so that no notice follows the mount's end. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
      notifyAll();
    }
    sender.interrupt();
    try {
      sender.join(SENDER_JOIN_MILLIS_MAX);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
