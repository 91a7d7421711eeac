package org.onefold.node.proc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The processes of this node that have cpids, by cpid: a pure object, fed with starts, exits and
 * what a look at /proc found. Two kinds: processes Onefold started (a run; they leave the table
 * when their waiter is told how they ended) and processes adopted on first sight (a started
 * program's descendants, or any process when all are listed; they leave when a later look no longer
 * finds them). A process is known by its pid and its start time, so that a pid the system reuses is
 * a new process.
 *
 * <p>A started process has a parent cpid: the Onefold process that started it, on any node, or 0.
 * When the parent's node goes down its children here are given to cpid 1, the cluster's init, as
 * Linux gives orphans to init. A detached program's end is kept until a waiter takes it, as a
 * zombie's; such ends count against the capacity.
 *
 * <p>Seqs are given as Linux gives pids: the next free one after the last given, wrapping after
 * {@link Cpids#SEQ_MAX}, so that a cpid just freed is not at once given again.
 *
 * <p>Not thread-safe: its owner (ProcService) calls it under one lock.
 */
final class ProcessTable {
  /** A process the table knows: where it runs, as whom, what, and how it ended, if it did. */
  record Entry(
      int cpid,
      long pid,
      long startTicks,
      boolean adopted,
      int uid,
      List<String> argv,
      long startedMillis,
      long parentCpid,
      boolean detached,
      Optional<Ending> ending) {
    Entry ended(Ending how) {
      return with(parentCpid, Optional.of(how));
    }

    Entry withParent(long newParentCpid) {
      return with(newParentCpid, ending);
    }

    private Entry with(long newParentCpid, Optional<Ending> newEnding) {
      return new Entry(
          cpid,
          pid,
          startTicks,
          adopted,
          uid,
          argv,
          startedMillis,
          newParentCpid,
          detached,
          newEnding);
    }
  }

  /** What a started process is: who started it and whether its caller waits attached. */
  record Start(long parentCpid, boolean detached) {}

  /** The cluster's init: the parent of orphans. */
  static final long INIT_CPID = 1;

  /** A process as a look at /proc identifies it. */
  record Seen(long pid, long startTicks) {}

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
  void started(
      int cpid,
      long pid,
      long startTicks,
      int uid,
      List<String> argv,
      long startedMillis,
      Start how) {
    int seq = ownSeq(cpid);
    if (!bySeq.containsKey(seq) || bySeq.get(seq) != null) {
      throw new IllegalStateException("cpid " + cpid + " was not reserved, or started already");
    }
    bySeq.put(
        seq,
        new Entry(
            cpid,
            pid,
            startTicks,
            false,
            uid,
            List.copyOf(argv),
            startedMillis,
            how.parentCpid(),
            how.detached(),
            Optional.empty()));
    seqByPid.put(pid, seq);
  }

  /** Gives a cpid to a process seen for the first time; empty if the table is full. */
  Optional<Integer> adopt(Seen process, int uid, List<String> argv, long startedMillis) {
    Optional<Entry> known = byPid(process);
    if (known.isPresent()) {
      return Optional.of(known.get().cpid());
    }
    Optional<Integer> reserved = reserve();
    reserved.ifPresent(
        cpid -> {
          int seq = Cpids.seqOf(cpid);
          bySeq.put(
              seq,
              new Entry(
                  cpid,
                  process.pid(),
                  process.startTicks(),
                  true,
                  uid,
                  List.copyOf(argv),
                  startedMillis,
                  0,
                  false,
                  Optional.empty()));
          seqByPid.put(process.pid(), seq);
        });
    return reserved;
  }

  /** Forgets adopted processes that a look at /proc no longer found. */
  void keepAdopted(Set<Seen> alive) {
    List<Entry> gone = new ArrayList<>();
    for (Entry entry : bySeq.values()) {
      if (entry != null
          && entry.adopted()
          && !alive.contains(new Seen(entry.pid(), entry.startTicks()))) {
        gone.add(entry);
      }
    }
    for (Entry entry : gone) {
      bySeq.remove(Cpids.seqOf(entry.cpid()));
      seqByPid.remove(entry.pid(), Cpids.seqOf(entry.cpid()));
    }
  }

  /** A reserved cpid whose process could not start: the cpid is free again. */
  void release(int cpid) {
    int seq = ownSeq(cpid);
    Entry entry = bySeq.remove(seq);
    if (entry != null) {
      seqByPid.remove(entry.pid(), seq);
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
    seqByPid.remove(entry.pid(), seq);
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

  /**
   * The parent of started processes: node went down, so each process here whose parent was of that
   * node is given to init. Returns how many were.
   */
  int orphan(int downNode) {
    int orphaned = 0;
    for (Map.Entry<Integer, Entry> slot : bySeq.entrySet()) {
      Entry entry = slot.getValue();
      if (entry != null
          && entry.parentCpid() != 0
          && entry.parentCpid() != INIT_CPID
          && Cpids.nodeOf(entry.parentCpid()) == downNode) {
        slot.setValue(entry.withParent(INIT_CPID));
        orphaned++;
      }
    }
    return orphaned;
  }

  Optional<Entry> get(long cpid) {
    if (Cpids.nodeOf(cpid) != node) {
      return Optional.empty();
    }
    return Optional.ofNullable(bySeq.get(Cpids.seqOf(cpid)));
  }

  /** The running process with this node-local pid and start time. */
  Optional<Entry> byPid(Seen process) {
    Integer seq = seqByPid.get(process.pid());
    Entry entry = seq == null ? null : bySeq.get(seq);
    if (entry == null || entry.startTicks() != process.startTicks()) {
      return Optional.empty();
    }
    return Optional.of(entry);
  }

  /** The running process with this node-local pid, whatever its start time. */
  Optional<Entry> byPid(long pid) {
    Integer seq = seqByPid.get(pid);
    return seq == null ? Optional.empty() : Optional.ofNullable(bySeq.get(seq));
  }

  /** Every cpid the table holds: reserved for a start, running, ended and not reaped, adopted. */
  Set<Integer> cpids() {
    Set<Integer> cpids = new HashSet<>();
    for (int seq : bySeq.keySet()) {
      cpids.add(Cpids.of(node, seq));
    }
    return cpids;
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
