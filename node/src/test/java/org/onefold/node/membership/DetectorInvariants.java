package org.onefold.node.membership;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The invariants of a {@link DetectorSimulation}, kept from what the current leader's detector was
 * fed, independently of the detector's own bookkeeping.
 *
 * <p>A leader's detector may declare a node only after the node's own window of silence, which
 * begins at the last of: the leader's gain (earlier for the previous leader), the last heartbeat
 * the leader heard from it, and the NodeUp of its start (join or new incarnation) fed to this
 * leader, whose window is {@code startGraceMillis} instead of {@code downAfterMillis}; a heartbeat
 * after that NodeUp ends the start grace. Completeness is the converse with the slack of the
 * simulation: a killed node is shown down by the end of that window, counted from its last possible
 * heartbeat, plus a tick, a commit and each lost proposal.
 *
 * <p>The simulation feeds the leader exactly the table it applies, so the leader's view is the
 * table and its verdict on a heartbeat is checked against the table too.
 */
final class DetectorInvariants {

  private static final long NONE = Long.MIN_VALUE / 4;

  /**
   * How much heartbeat history is kept; only the last {@code downAfterMillis} is ever looked at.
   */
  private static final long HISTORY_MILLIS = 5_000;

  private record Delivery(long atMillis, int from, long incarnation) {}

  private final DetectorSettings settings;
  private final long maxDelayMillis;
  private final long tickPeriodMillis;
  private final long commitDelayMaxMillis;

  private int leader;
  private long leaderGainedAtMillis;
  private int previousLeaderAtGain;

  /**
   * When the NodeUp of a node's start was fed to the current leader, per node; NONE if it was not.
   */
  private final long[] nodeUpFedAtMillis;

  /** Whether the current leader heard the node since that NodeUp: its start grace is over. */
  private final boolean[] heardSinceNodeUp;

  /** Heartbeats the current leader heard (incarnation up in the table or newer), oldest first. */
  private final ArrayDeque<Delivery> heard = new ArrayDeque<>();

  DetectorInvariants(
      DetectorSettings settings,
      int nodeCount,
      long maxDelayMillis,
      long tickPeriodMillis,
      long commitDelayMaxMillis) {
    this.settings = settings;
    this.maxDelayMillis = maxDelayMillis;
    this.tickPeriodMillis = tickPeriodMillis;
    this.commitDelayMaxMillis = commitDelayMaxMillis;
    nodeUpFedAtMillis = new long[nodeCount + 1];
    heardSinceNodeUp = new boolean[nodeCount + 1];
  }

  // ---- what the leader is fed

  void leadershipGained(int number, int previousLeader, long nowMillis) {
    leader = number;
    leaderGainedAtMillis = nowMillis;
    previousLeaderAtGain = previousLeader;
    Arrays.fill(
        nodeUpFedAtMillis, NONE); // the new leader takes the table whole, without start graces
    heard.clear();
  }

  void leaderLost() {
    leader = 0;
  }

  void nodeUpFed(int node, long nowMillis) {
    nodeUpFedAtMillis[node] = nowMillis;
    heardSinceNodeUp[node] = false;
  }

  /**
   * A heartbeat of {@code incarnation} reached the leader, whose table has the node at {@code
   * entry} (null if unknown): the verdict must follow the table, and a heard one is remembered.
   */
  String heartbeatDelivered(
      int from,
      long incarnation,
      DetectorSimulation.TableEntry entry,
      HeartbeatVerdict verdict,
      long nowMillis) {
    HeartbeatVerdict expected =
        entry == null
            ? HeartbeatVerdict.UNKNOWN_NODE
            : incarnation > entry.incarnation || (incarnation == entry.incarnation && entry.up)
                ? HeartbeatVerdict.OK
                : HeartbeatVerdict.FENCED;
    if (verdict != expected) {
      return "leader "
          + leader
          + " answered "
          + verdict
          + " to node "
          + from
          + " incarnation "
          + incarnation
          + " (table: "
          + (entry == null ? "unknown" : entry.incarnation + (entry.up ? " up" : " down"))
          + "), expected "
          + expected;
    }
    if (verdict == HeartbeatVerdict.OK) {
      heardSinceNodeUp[from] = true;
      heard.addLast(new Delivery(nowMillis, from, incarnation));
      while (heard.peekFirst().atMillis < nowMillis - HISTORY_MILLIS) {
        heard.removeFirst();
      }
    }
    return null;
  }

  /**
   * True while the node's start grace with the current leader runs: NodeUp fed, not heard since.
   */
  boolean inStartGrace(int node) {
    return leader != 0 && nodeUpFedAtMillis[node] != NONE && !heardSinceNodeUp[node];
  }

  // ---- the checks

  /**
   * Accuracy: a declaration by the leader, not of itself, after the node's full window of silence.
   */
  String checkDeclaration(Declaration declaration, long nowMillis) {
    int node = declaration.node();
    if (node == leader) {
      return "leader " + leader + " declared itself";
    }
    long graceShortening =
        node == previousLeaderAtGain
            ? settings.downAfterMillis() - settings.previousLeaderGraceMillis()
            : 0;
    if (nowMillis - (leaderGainedAtMillis - graceShortening) <= settings.downAfterMillis()) {
      return "node "
          + node
          + " declared "
          + (nowMillis - leaderGainedAtMillis)
          + " ms after leader "
          + leader
          + " gained leadership";
    }
    if (inStartGrace(node) && nowMillis - nodeUpFedAtMillis[node] <= settings.startGraceMillis()) {
      return "node "
          + node
          + " declared "
          + (nowMillis - nodeUpFedAtMillis[node])
          + " ms after its NodeUp"
          + " and not heard since, within the start grace of "
          + settings.startGraceMillis()
          + " ms";
    }
    for (Delivery delivery : heard) {
      if (delivery.from == node
          && delivery.incarnation >= declaration.incarnation()
          && delivery.atMillis >= nowMillis - settings.downAfterMillis()) {
        return "node "
            + node
            + " declared by leader "
            + leader
            + " though heard at "
            + delivery.atMillis
            + " (incarnation "
            + delivery.incarnation
            + ")";
      }
    }
    return null;
  }

  /**
   * Completeness: the latest time a node killed at {@code killedAtMillis} may still be up in the
   * table while this leader leads; the end of its window of silence, then a tick, a commit and for
   * each lost proposal a redeclaration and a tick.
   */
  long completenessDeadline(int node, long killedAtMillis, int lostDeclarations) {
    long heardEndMillis = killedAtMillis + maxDelayMillis + settings.downAfterMillis();
    long leaderGraceEndMillis =
        leaderGainedAtMillis
            + (node == previousLeaderAtGain
                ? settings.previousLeaderGraceMillis()
                : settings.downAfterMillis());
    long startGraceEndMillis =
        inStartGrace(node) ? nodeUpFedAtMillis[node] + settings.startGraceMillis() : NONE;
    long declaredByMillis =
        Math.max(Math.max(heardEndMillis, leaderGraceEndMillis), startGraceEndMillis)
            + tickPeriodMillis;
    return declaredByMillis
        + commitDelayMaxMillis
        + lostDeclarations * (settings.redeclareAfterMillis() + tickPeriodMillis);
  }

  int leader() {
    return leader;
  }

  long leaderGainedAtMillis() {
    return leaderGainedAtMillis;
  }
}
