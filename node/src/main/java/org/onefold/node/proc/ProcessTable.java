package org.onefold.node.proc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The processes this node started through Onefold, by cpid: a pure object, fed with starts and
 * exits. Seqs are given as Linux gives pids: the next free one after the last given, wrapping after
 * {@link Cpids#SEQ_MAX}, so that a cpid just freed is not at once given again. An exited process
 * stays in the table, with its status, until it is reaped (its waiter was told).
 *
 * <p>Not thread-safe: its owner (ProcService) calls it under one lock.
 */
final class ProcessTable {
  /** A process the table knows: where it runs, as whom, what, and how it ended, if it did. */
  record Entry(
      int cpid, long pid, int uid, List<String> argv, long startedMillis, Optional<Ending> ending) {
    Entry ended(Ending how) {
      return new Entry(cpid, pid, uid, argv, startedMillis, Optional.of(how));
    }
  }

  /** How a process ended: a shell's status (code, or 128 + signal) and the signal, if any. */
  record Ending(int status, int signal) {}

  private final int node;
  private final int capacity;
  private final TreeMap<Integer, Entry> bySeq = new TreeMap<>();
  private final Map<Long, Integer> seqByPid = new HashMap<>();
  private int lastSeq;

  /**
   * @param node this node's number, the origin in every cpid it gives
   * @param capacity processes kept at once, running or not yet reaped, at most SEQ_MAX
   */
  ProcessTable(int node, int capacity) {
    if (capacity < 1 || capacity > Cpids.SEQ_MAX) {
      throw new IllegalArgumentException("capacity " + capacity + " outside 1.." + Cpids.SEQ_MAX);
    }
    Cpids.of(node, 1);
    this.node = node;
    this.capacity = capacity;
  }

  /** The cpid for a process about to start, or empty if the table is full (EAGAIN, as fork). */
  Optional<Integer> reserve() {
    if (bySeq.size() >= capacity) {
      return Optional.empty();
    }
    int seq = lastSeq;
    do {
      seq = seq == Cpids.SEQ_MAX ? 1 : seq + 1;
    } while (bySeq.containsKey(seq));
    lastSeq = seq;
    bySeq.put(seq, null);
    return Optional.of(Cpids.of(node, seq));
  }

  /** A reserved cpid's process started with pid. */
  void started(int cpid, long pid, int uid, List<String> argv, long startedMillis) {
    int seq = ownSeq(cpid);
    if (!bySeq.containsKey(seq) || bySeq.get(seq) != null) {
      throw new IllegalStateException("cpid " + cpid + " was not reserved, or started already");
    }
    bySeq.put(seq, new Entry(cpid, pid, uid, List.copyOf(argv), startedMillis, Optional.empty()));
    seqByPid.put(pid, seq);
  }

  /** A reserved cpid whose process could not start: the cpid is free again. */
  void release(int cpid) {
    int seq = ownSeq(cpid);
    Entry entry = bySeq.remove(seq);
    if (entry != null) {
      seqByPid.remove(entry.pid());
    }
  }

  /** The process of cpid ended; false if the table does not know it running. */
  boolean exited(int cpid, Ending how) {
    int seq = ownSeq(cpid);
    Entry entry = bySeq.get(seq);
    if (entry == null || entry.ending().isPresent()) {
      return false;
    }
    bySeq.put(seq, entry.ended(how));
    seqByPid.remove(entry.pid());
    return true;
  }

  /** Forgets an ended process: its waiter has its status. */
  void reap(int cpid) {
    int seq = ownSeq(cpid);
    Entry entry = bySeq.get(seq);
    if (entry != null && entry.ending().isPresent()) {
      bySeq.remove(seq);
    }
  }

  Optional<Entry> get(long cpid) {
    if (Cpids.nodeOf(cpid) != node) {
      return Optional.empty();
    }
    return Optional.ofNullable(bySeq.get(Cpids.seqOf(cpid)));
  }

  /** The running process with this node-local pid. */
  Optional<Entry> byPid(long pid) {
    Integer seq = seqByPid.get(pid);
    return seq == null ? Optional.empty() : Optional.ofNullable(bySeq.get(seq));
  }

  /** Every started process, running or not yet reaped, in cpid order. */
  List<Entry> all() {
    List<Entry> entries = new ArrayList<>();
    for (Entry entry : bySeq.values()) {
      if (entry != null) {
        entries.add(entry);
      }
    }
    return entries;
  }

  private int ownSeq(int cpid) {
    if (Cpids.nodeOf(cpid) != node) {
      throw new IllegalArgumentException("cpid " + cpid + " is not of node " + node);
    }
    return Cpids.seqOf(cpid);
  }
}
