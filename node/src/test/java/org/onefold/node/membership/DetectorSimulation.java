package org.onefold.node.membership;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.onefold.node.membership.DetectorInput.Heartbeat;
import org.onefold.node.membership.DetectorInput.LeadershipGained;
import org.onefold.node.membership.DetectorInput.LeadershipLost;
import org.onefold.node.membership.DetectorInput.NodeDown;
import org.onefold.node.membership.DetectorInput.NodeUp;
import org.onefold.node.membership.DetectorInput.Tick;

/**
 * One seeded run of every node's {@link FailureDetector} on one thread: a simulated clock, a lossy
 * and slow network, nodes killed, paused and restarted, leadership moved, and the meta log modelled
 * as an ordered feed with a commit delay (Raft itself is not simulated). A started process
 * heartbeats only after a start delay, as a real one first fetches its certificate and starts its
 * Raft member. After every event it checks the {@link DetectorInvariants}: completeness (a killed
 * node is shown down in time), accuracy (a node is declared only after its window of silence) and
 * the leader's verdicts. A broken invariant throws an {@link AssertionError} that names the seed.
 */
final class DetectorSimulation {

  static final long HEARTBEAT_INTERVAL_MILLIS = 100;

  /**
   * One node's process as the simulation sees it; {@code generation} tells a restarted process
   * apart.
   */
  private static final class SimulatedNode {
    final int number;
    int generation;
    long incarnation = 1;
    boolean alive = true;
    boolean paused;
    int believedLeader;
    long killedAtMillis = -1;
    boolean killedAsLeader;
    boolean killedInStartGrace;
    int lostDeclarations;
    FailureDetector detector;

    SimulatedNode(int number, DetectorSettings settings) {
      this.number = number;
      this.detector = new FailureDetector(settings);
    }
  }

  /** The node table of the applied log. */
  static final class TableEntry {
    long incarnation;
    boolean up;

    TableEntry(long incarnation) {
      this.incarnation = incarnation;
      this.up = true;
    }
  }

  private record Event(long atMillis, long sequence, Runnable action) {}

  final long seed;
  private final SplittableRandom random;
  private final DetectorSettings settings = DetectorSettings.defaults();
  final int nodeCount;
  final double lossRate;
  final double proposalLossRate;
  final long maxDelayMillis;
  final long tickPeriodMillis;
  final long commitDelayMaxMillis;
  final long discoveryDelayMaxMillis;

  /** The longest a started process takes to its first heartbeat; well within the start grace. */
  final long startDelayMaxMillis;

  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) ->
              a.atMillis != b.atMillis
                  ? Long.compare(a.atMillis, b.atMillis)
                  : Long.compare(a.sequence, b.sequence));
  private long sequence;
  private long nowMillis;
  private final SimulatedNode[] nodes;
  private final Map<Integer, TableEntry> table = new HashMap<>();
  private int leader;
  private long term;
  private final DetectorInvariants invariants;

  int kills;
  int pauses;
  int leaderChanges;
  int committedDeclarations;
  int restarts;

  /**
   * Longest time from a kill to the node shown down: for killed followers and killed leaders after
   * their start grace, and for nodes killed in their start grace (NodeUp applied, not heard since).
   */
  long detectionMillisMax;

  long leaderDetectionMillisMax;
  long startGraceDetectionMillisMax;

  /**
   * Kills shown down, and those of them that took a second or more (leader changes, lost
   * proposals).
   */
  int detections;

  int detectionsOverOneSecond;

  /**
   * Declarations committed for a live process (lost heartbeats, pauses, a start slower than a new
   * leader's grace).
   */
  int liveNodesDeclared;

  DetectorSimulation(long seed) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    nodeCount = random.nextInt(3, 10);
    lossRate = random.nextDouble(0, 0.20);
    proposalLossRate = random.nextDouble(0, 0.05);
    maxDelayMillis = random.nextLong(0, 41);
    tickPeriodMillis = random.nextLong(10, 51);
    commitDelayMaxMillis = random.nextLong(2, 41);
    discoveryDelayMaxMillis = random.nextLong(0, 61);
    startDelayMaxMillis = random.nextLong(0, settings.startGraceMillis() / 3);
    nodes = new SimulatedNode[nodeCount + 1];
    for (int number = 1; number <= nodeCount; number++) {
      nodes[number] = new SimulatedNode(number, settings);
      table.put(number, new TableEntry(1));
    }
    invariants =
        new DetectorInvariants(
            settings, nodeCount, maxDelayMillis, tickPeriodMillis, commitDelayMaxMillis);
  }

  /** Runs {@code durationMillis} of simulated time, checking the invariants after every event. */
  DetectorSimulation run(long durationMillis) {
    gainLeadership(1 + random.nextInt(nodeCount), 0);
    for (SimulatedNode node : nodes) {
      if (node != null) {
        node.believedLeader = leader;
        startHeartbeats(node, 0);
      }
    }
    for (int number = 1; number <= nodeCount; number++) {
      scheduleTicks(number);
    }
    schedule(random.nextLong(200, 2000), this::chaos);
    while (!events.isEmpty() && events.peek().atMillis <= durationMillis) {
      Event event = events.poll();
      nowMillis = event.atMillis;
      event.action.run();
      checkCompleteness();
    }
    return this;
  }

  private void schedule(long afterMillis, Runnable action) {
    events.add(new Event(nowMillis + afterMillis, sequence++, action));
  }

  // ---- heartbeats over the network

  private void startHeartbeats(SimulatedNode node, long startDelayMillis) {
    int generation = node.generation;
    schedule(
        startDelayMillis + random.nextLong(0, HEARTBEAT_INTERVAL_MILLIS),
        () -> heartbeatLoop(node, generation));
  }

  private void heartbeatLoop(SimulatedNode node, int generation) {
    if (!node.alive || node.generation != generation) {
      return;
    }
    if (!node.paused && node.believedLeader != 0 && node.believedLeader != node.number) {
      int to = node.believedLeader;
      long incarnation = node.incarnation;
      send(() -> deliverHeartbeat(node, generation, incarnation, to));
    }
    schedule(HEARTBEAT_INTERVAL_MILLIS, () -> heartbeatLoop(node, generation));
  }

  private void send(Runnable delivery) {
    if (random.nextDouble() >= lossRate) {
      schedule(random.nextLong(0, maxDelayMillis + 1), delivery);
    }
  }

  private void deliverHeartbeat(SimulatedNode from, int generation, long incarnation, int to) {
    SimulatedNode target = nodes[to];
    if (!target.alive || target.paused) {
      return;
    }
    HeartbeatVerdict verdict =
        target.detector.step(new Heartbeat(from.number, incarnation, nowMillis)).verdict();
    if (target.detector.isLeader()) {
      check(
          invariants.heartbeatDelivered(
              from.number, incarnation, table.get(from.number), verdict, nowMillis));
    } else if (verdict != HeartbeatVerdict.NOT_LEADER) {
      fail("follower " + to + " answered " + verdict + " instead of NOT_LEADER");
    }
    int leaderHint = leader;
    if (verdict == HeartbeatVerdict.FENCED || verdict == HeartbeatVerdict.NOT_LEADER) {
      send(() -> reply(from, generation, incarnation, verdict, leaderHint));
    }
  }

  private void reply(
      SimulatedNode node,
      int generation,
      long incarnation,
      HeartbeatVerdict verdict,
      int leaderHint) {
    if (!node.alive || node.paused || node.generation != generation) {
      return;
    }
    if (verdict == HeartbeatVerdict.NOT_LEADER) {
      node.believedLeader = leaderHint;
    } else if (node.incarnation == incarnation) {
      restart(node); // fenced: start again as a new incarnation
    }
  }

  // ---- the leader's ticks and the log

  private void scheduleTicks(int number) {
    schedule(
        tickPeriodMillis,
        () -> {
          SimulatedNode node = nodes[number];
          if (node.alive && !node.paused) {
            DetectorOutput output = node.detector.step(new Tick(nowMillis));
            if (!output.declareDown().isEmpty() && number != leader) {
              fail("follower " + number + " declared " + output.declareDown());
            }
            for (Declaration declaration : output.declareDown()) {
              check(invariants.checkDeclaration(declaration, nowMillis));
              propose(declaration);
            }
          }
          scheduleTicks(number);
        });
  }

  private void propose(Declaration declaration) {
    SimulatedNode declared = nodes[declaration.node()];
    if (random.nextDouble() < proposalLossRate) {
      if (!declared.alive) {
        declared.lostDeclarations++;
      }
      return;
    }
    long proposedInTerm = term;
    schedule(
        random.nextLong(1, commitDelayMaxMillis + 1),
        () -> {
          if (term != proposedInTerm) {
            return; // the proposing leader lost leadership before the commit: the entry is lost
          }
          TableEntry entry = table.get(declaration.node());
          if (entry.up && entry.incarnation == declaration.incarnation()) {
            entry.up = false;
            committedDeclarations++;
            if (declared.alive) {
              liveNodesDeclared++;
            } else if (declared.killedAtMillis >= 0) {
              long detectionMillis = nowMillis - declared.killedAtMillis;
              detections++;
              detectionsOverOneSecond += detectionMillis >= 1000 ? 1 : 0;
              if (declared.killedInStartGrace) {
                startGraceDetectionMillisMax =
                    Math.max(startGraceDetectionMillisMax, detectionMillis);
              } else if (declared.killedAsLeader) {
                leaderDetectionMillisMax = Math.max(leaderDetectionMillisMax, detectionMillis);
              } else {
                detectionMillisMax = Math.max(detectionMillisMax, detectionMillis);
              }
            }
            nodes[leader].detector.step(
                new NodeDown(declaration.node(), declaration.incarnation()));
          }
        });
  }

  private void restart(SimulatedNode node) {
    node.generation++;
    node.incarnation++;
    node.alive = true;
    node.paused = false;
    node.killedAtMillis = -1;
    node.lostDeclarations = 0;
    node.detector = new FailureDetector(settings);
    node.believedLeader = leader;
    restarts++;
    startHeartbeats(node, random.nextLong(0, startDelayMaxMillis + 1));
    long incarnation = node.incarnation;
    schedule(
        random.nextLong(1, commitDelayMaxMillis + 1),
        () -> {
          TableEntry entry = table.get(node.number);
          if (incarnation <= entry.incarnation) {
            fail(
                "join of node "
                    + node.number
                    + " incarnation "
                    + incarnation
                    + " not above "
                    + entry.incarnation);
          }
          entry.incarnation = incarnation;
          entry.up = true;
          if (leader != 0) {
            nodes[leader].detector.step(new NodeUp(node.number, incarnation, nowMillis));
            invariants.nodeUpFed(node.number, nowMillis);
          }
        });
  }

  // ---- faults and leadership

  private void chaos() {
    double choice = random.nextDouble();
    if (choice < 0.35) {
      kill(
          random.nextDouble() < 0.3 && leader != 0
              ? nodes[leader]
              : nodes[1 + random.nextInt(nodeCount)]);
    } else if (choice < 0.6) {
      SimulatedNode node = nodes[1 + random.nextInt(nodeCount)];
      if (node.alive && !node.paused && node.number != leader) {
        pause(node, random.nextLong(50, 1500));
      }
    } else if (choice < 0.85 && leader != 0) {
      int candidate = pickCandidate();
      if (candidate != 0 && candidate != leader) {
        int previous = leader;
        nodes[previous].detector.step(new LeadershipLost());
        gainLeadership(candidate, previous);
      }
    }
    schedule(random.nextLong(200, 2000), this::chaos);
  }

  private void kill(SimulatedNode node) {
    long aliveCount = Arrays.stream(nodes).filter(n -> n != null && n.alive).count();
    if (!node.alive || aliveCount <= 2) {
      return;
    }
    kills++;
    node.alive = false;
    node.killedAtMillis = nowMillis;
    node.killedAsLeader = node.number == leader;
    node.killedInStartGrace = invariants.inStartGrace(node.number);
    if (node.number == leader) {
      int dead = leader;
      leader = 0;
      invariants.leaderLost();
      term++;
      schedule(random.nextLong(150, 301), () -> elect(dead));
    }
    int generation = node.generation;
    schedule(random.nextLong(1200, 4000), () -> restartWhenShownDown(node, generation));
  }

  private void restartWhenShownDown(SimulatedNode node, int generation) {
    if (node.generation != generation) {
      return;
    }
    if (table.get(node.number).up) {
      schedule(200, () -> restartWhenShownDown(node, generation));
    } else {
      restart(node);
    }
  }

  private void pause(SimulatedNode node, long durationMillis) {
    pauses++;
    node.paused = true;
    int generation = node.generation;
    schedule(
        durationMillis,
        () -> {
          if (node.generation == generation) {
            node.paused = false;
          }
        });
  }

  private void elect(int deadLeader) {
    if (leader != 0) {
      return;
    }
    int candidate = pickCandidate();
    if (candidate == 0) {
      schedule(100, () -> elect(deadLeader));
    } else {
      gainLeadership(candidate, deadLeader);
    }
  }

  /** A live, running node that is up in the table with its own incarnation, or 0 if none. */
  private int pickCandidate() {
    int start = random.nextInt(nodeCount);
    for (int offset = 0; offset < nodeCount; offset++) {
      SimulatedNode node = nodes[1 + (start + offset) % nodeCount];
      TableEntry entry = table.get(node.number);
      if (node.alive && !node.paused && entry.up && entry.incarnation == node.incarnation) {
        return node.number;
      }
    }
    return 0;
  }

  private void gainLeadership(int number, int previousLeader) {
    leaderChanges++;
    term++;
    leader = number;
    invariants.leadershipGained(number, previousLeader, nowMillis);
    Map<Integer, Long> up = new HashMap<>();
    Map<Integer, Long> down = new HashMap<>();
    table.forEach((node, entry) -> (entry.up ? up : down).put(node, entry.incarnation));
    nodes[number].detector.step(new LeadershipGained(nowMillis, number, previousLeader, up, down));
    nodes[number].believedLeader = number;
    for (SimulatedNode node : nodes) {
      if (node != null && node.number != number) {
        int generation = node.generation;
        schedule(
            random.nextLong(0, discoveryDelayMaxMillis + 1),
            () -> {
              if (node.generation == generation && leader == number) {
                node.believedLeader = number;
              }
            });
      }
    }
  }

  // ---- invariants

  /** Every killed node is shown down in the table by its deadline while a leader exists. */
  private void checkCompleteness() {
    if (leader == 0) {
      return; // the deadline moves to the next leader's grace; the election is bounded by the
              // simulation
    }
    for (int number = 1; number <= nodeCount; number++) {
      SimulatedNode node = nodes[number];
      if (node.alive || !table.get(number).up) {
        continue;
      }
      long deadlineMillis =
          invariants.completenessDeadline(number, node.killedAtMillis, node.lostDeclarations);
      if (nowMillis > deadlineMillis) {
        fail(
            "node "
                + number
                + " killed at "
                + node.killedAtMillis
                + " still up at "
                + nowMillis
                + " (deadline "
                + deadlineMillis
                + ", leader "
                + leader
                + " since "
                + invariants.leaderGainedAtMillis()
                + ")");
      }
    }
  }

  private void check(String violation) {
    if (violation != null) {
      fail(violation);
    }
  }

  private void fail(String what) {
    throw new AssertionError(
        "seed "
            + seed
            + " at "
            + nowMillis
            + " ms: "
            + what
            + " ["
            + describe()
            + "]; reproduce with -Dsim.seed="
            + seed);
  }

  String describe() {
    return nodeCount
        + " nodes, loss "
        + Math.round(lossRate * 100)
        + "%, delay 0.."
        + maxDelayMillis
        + " ms, tick "
        + tickPeriodMillis
        + " ms, commit 1.."
        + commitDelayMaxMillis
        + " ms, start 0.."
        + startDelayMaxMillis
        + " ms";
  }
}
