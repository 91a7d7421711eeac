package org.onefold.node.proc;

/**
 * Cluster pids: {@code node << 16 | seq}. The node in a cpid is its origin, the node that gave it;
 * node 2's cpids read 131073, 131074, ... Node numbers run 1..32767 and seqs 1..65535, so every
 * cpid is a positive int, and cpid 1 (node 0) is free for the cluster's init.
 */
public final class Cpids {
  public static final int SEQ_MAX = 0xFFFF;
  public static final int NODE_MAX = 0x7FFF;

  private Cpids() {}

  public static int of(int node, int seq) {
    if (node < 1 || node > NODE_MAX) {
      throw new IllegalArgumentException("node " + node + " outside 1.." + NODE_MAX);
    }
    if (seq < 1 || seq > SEQ_MAX) {
      throw new IllegalArgumentException("seq " + seq + " outside 1.." + SEQ_MAX);
    }
    return node << 16 | seq;
  }

  /** The origin node of cpid; 0 for the cluster's own (cpid 1) or a number that is no cpid. */
  public static int nodeOf(long cpid) {
    return cpid > 0 && cpid <= Integer.MAX_VALUE ? (int) (cpid >>> 16) : 0;
  }

  public static int seqOf(long cpid) {
    return (int) (cpid & SEQ_MAX);
  }
}
