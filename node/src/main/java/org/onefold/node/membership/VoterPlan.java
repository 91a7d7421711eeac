package org.onefold.node.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;

/**
 * Decides who votes in the meta group. Every node is a member; at most {@code votersMax} vote and
 * the rest listen (they get the log but do not vote).
 *
 * <p>Rules, applied by the leader on every tick:
 *
 * <ol>
 *   <li>A node in the node table that is not a member becomes a listener.
 *   <li>The group wants an odd number of voters: the largest odd number not above votersMax nor the
 *       number of nodes. An even count tolerates no more failures than the odd count below it and
 *       makes every election need one more vote.
 *   <li>Up listeners are promoted, lowest number first, while voters are fewer than wanted, in
 *       steps Ratis accepts (see {@link #mayAdd}). The count aimed at is odd (two voters are worse
 *       than one: either one's failure stops the group); two is only a step on the way from one to
 *       three.
 *   <li>A voter down for longer than {@code replaceAfterMillis} is swapped for an up listener, so
 *       that a cluster survives losing voters one after another. The down voter stays a listener
 *       and catches up if it comes back.
 *   <li>Up voters are never demoted; the leader never demotes itself.
 * </ol>
 *
 * <p>Pure: the node table, the current roles and the time come in; a new configuration, or nothing,
 * comes out.
 */
public final class VoterPlan {
  private final int votersMax;
  private final long replaceAfterMillis;

  /** The roles a plan asks for: node numbers, sorted. */
  public record Roles(SortedSet<Integer> voters, SortedSet<Integer> listeners) {
    public Roles {
      voters = new TreeSet<>(voters);
      listeners = new TreeSet<>(listeners);
    }
  }

  public VoterPlan(int votersMax, long replaceAfterMillis) {
    if (votersMax < 1 || votersMax > 9) {
      throw new IllegalArgumentException("votersMax " + votersMax + " out of range 1..9");
    }
    if (replaceAfterMillis < 0) {
      throw new IllegalArgumentException(
          "replaceAfterMillis " + replaceAfterMillis + " must not be negative");
    }
    this.votersMax = votersMax;
    this.replaceAfterMillis = replaceAfterMillis;
  }

  /** The roles the group should have now, or empty if the current roles are right. */
  public Optional<Roles> plan(List<NodeRecord> nodes, Roles current, long nowMillis) {
    TreeSet<Integer> voters = new TreeSet<>(current.voters());
    TreeSet<Integer> listeners = new TreeSet<>(current.listeners());
    for (NodeRecord node : nodes) {
      if (!voters.contains(node.getNode())) {
        listeners.add(node.getNode());
      }
    }
    List<Integer> promotable = new ArrayList<>();
    for (NodeRecord node : nodes) {
      if (listeners.contains(node.getNode()) && node.getState() == NodeState.NODE_UP) {
        promotable.add(node.getNode());
      }
    }
    int reachable = Math.min(nodes.size(), voters.size() + promotable.size());
    int wanted = largestOddAtMost(Math.min(votersMax, reachable));
    int kept = voters.size();
    int added = 0;
    while (voters.size() < wanted && !promotable.isEmpty() && mayAdd(kept, added)) {
      move(promotable.removeFirst(), listeners, voters);
      added++;
    }
    for (NodeRecord node : nodes) {
      boolean longDownVoter =
          voters.contains(node.getNode())
              && node.getState() == NodeState.NODE_DOWN
              && nowMillis - node.getSinceMillis() > replaceAfterMillis;
      if (longDownVoter && !promotable.isEmpty()) {
        move(node.getNode(), voters, listeners);
        move(promotable.removeFirst(), listeners, voters);
      }
    }
    Roles planned = new Roles(voters, listeners);
    return planned.equals(current) ? Optional.empty() : Optional.of(planned);
  }

  /**
   * Ratis refuses a change whose new voters are as many as the voters it keeps (two disjoint
   * majorities could each elect a leader), except one voter becoming two. So the group grows in
   * steps: 1 to 2 to 3, then 3 to 5.
   */
  private static boolean mayAdd(int kept, int added) {
    return added + 1 < kept || (kept == 1 && added == 0);
  }

  private static void move(int node, TreeSet<Integer> from, TreeSet<Integer> to) {
    from.remove(node);
    to.add(node);
  }

  static int largestOddAtMost(int count) {
    if (count < 1) {
      return 1;
    }
    return count % 2 == 1 ? count : count - 1;
  }
}
