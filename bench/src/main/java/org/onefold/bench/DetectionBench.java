package org.onefold.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.onefold.e2e.hosts.TestHosts;
import org.onefold.proto.Event;

/**
 * Node-down detection and meta leader failover, Onefold side by side with corosync 3.
 *
 * <p>Onefold: three {@code bin/ssid} daemons on test hosts (network namespaces, 198.18.0.1-3). A
 * trial injects a fault into a follower (SIGKILL of its daemon, or its link cut) and times, with
 * {@link System#nanoTime} here, from just before the fault to the arrival of the NodeDown event on
 * the event stream of the other follower. Leader failover: SIGKILL of the meta leader's daemon,
 * then the time until a survivor's {@code cluster()} names another leader (polled every {@link
 * #LEADER_POLL_INTERVAL}) and until the NodeDown of the old leader arrives on that survivor's
 * stream. After each trial the node is restored (daemon restarted on its state directory, or link
 * restored) and the next trial waits until it is up with a higher incarnation and {@link
 * #SETTLE_AFTER_UP} has passed: the detector gives a starting node 10 s of grace, and detection
 * inside it is not what is measured.
 *
 * <p>corosync: three corosync daemons (knet, default timings) on other test hosts; the same faults
 * on host 2 or 3, timed until host 1's {@code corosync-quorumtool -l} (polled every {@link
 * #COROSYNC_POLL_INTERVAL}) no longer lists the node.
 *
 * <p>Usage: {@code DetectionBench --ssid PATH [--trials N] [--work DIR] [--only onefold|corosync]}.
 * Prints the table rows and every sample; exit status 1 if a section could not run. Every wait is
 * bounded; test hosts and their processes are removed on exit, also on failure.
 */
public final class DetectionBench {
  private static final Duration DETECTION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SETTLE_AFTER_UP = Duration.ofSeconds(11);
  private static final Duration LEADER_POLL_INTERVAL = Duration.ofMillis(5);
  private static final Duration COROSYNC_POLL_INTERVAL = Duration.ofMillis(20);
  private static final Duration COROSYNC_SETTLE = Duration.ofSeconds(2);
  private static final int TRIALS_MAX = 1000;

  /** A section gives up after this many failed trials in a row: the cluster is not recovering. */
  private static final int FAILURES_IN_A_ROW_MAX = 3;

  private final int trials;
  private final Path ssid;
  private final Path work;
  private final List<Samples> results = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  /** Things seen that do not stop the run but belong in the report. */
  private final List<String> notes = new ArrayList<>();

  private DetectionBench(int trials, Path ssid, Path work) {
    this.trials = trials;
    this.ssid = ssid;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    int trials = 20;
    Path ssid = null;
    Path work = null;
    String only = "";
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--trials" -> {
          trials = Integer.parseInt(value);
          i++;
        }
        case "--ssid" -> {
          ssid = Path.of(value);
          i++;
        }
        case "--work" -> {
          work = Path.of(value);
          i++;
        }
        case "--only" -> {
          only = value;
          i++;
        }
        default -> usage("unknown argument " + args[i]);
      }
    }
    if (trials < 1 || trials > TRIALS_MAX) {
      usage("trials " + trials + " not in 1.." + TRIALS_MAX);
    }
    if (ssid == null || !Files.isExecutable(ssid)) {
      usage("--ssid must name bin/ssid, got " + ssid);
    }
    TestHosts.unavailableReason().ifPresent(reason -> usage("cannot make test hosts: " + reason));
    if (work == null) {
      work = Files.createTempDirectory("onefold-detection-");
    }
    var bench = new DetectionBench(trials, ssid, work);
    if (!only.equals("corosync")) {
      bench.runOnefold();
    }
    if (!only.equals("onefold")) {
      bench.runCorosync();
    }
    bench.report();
    System.exit(bench.problems.isEmpty() ? 0 : 1);
  }

  private static void usage(String problem) {
    System.err.println(
        "DetectionBench: "
            + problem
            + "\n"
            + "usage: DetectionBench --ssid PATH [--trials N] [--work DIR] [--only"
            + " onefold|corosync]");
    System.exit(2);
  }

  private void runOnefold() throws InterruptedException {
    Samples kill = new Samples("Onefold", "kill -9 of a follower's daemon");
    Samples cut = new Samples("Onefold", "link of a follower cut");
    Samples leader = new Samples("Onefold", "kill -9 of the meta leader: new leader seen");
    Samples leaderDown = new Samples("Onefold", "kill -9 of the meta leader: NodeDown seen");
    results.addAll(List.of(kill, cut, leader, leaderDown));
    try (TestHosts hosts = TestHosts.create(OnefoldCluster.HOST_COUNT);
        var cluster = new OnefoldCluster(hosts, ssid, directory("onefold"))) {
      progress(
          "onefold: starting 3 daemons on run " + hosts.runId() + " in " + work.resolve("onefold"));
      cluster.start();
      progress(
          "onefold: up; nodes "
              + cluster.node(1)
              + ","
              + cluster.node(2)
              + ","
              + cluster.node(3)
              + "; settling "
              + SETTLE_AFTER_UP.toSeconds()
              + " s");
      Thread.sleep(SETTLE_AFTER_UP);
      runTrials(kill, trial -> onefoldFollowerTrial(cluster, trial, false, kill));
      runTrials(cut, trial -> onefoldFollowerTrial(cluster, trial, true, cut));
      runTrials(leader, trial -> onefoldLeaderTrial(cluster, leader, leaderDown));
      cluster.flaps().forEach(flap -> notes.add("onefold false suspicion " + flap));
    } catch (RuntimeException e) {
      problems.add("onefold section stopped: " + e.getMessage());
      e.printStackTrace();
    }
  }

  /** One follower fault: returns normally after the node is back up and settled. */
  private void onefoldFollowerTrial(
      OnefoldCluster cluster, int trial, boolean cutLink, Samples samples)
      throws InterruptedException {
    int leaderNode = awaitLeader(cluster);
    int leaderHost = cluster.hostOfNode(leaderNode);
    List<Integer> followers = new ArrayList<>();
    for (int host = 1; host <= OnefoldCluster.HOST_COUNT; host++) {
      if (host != leaderHost) {
        followers.add(host);
      }
    }
    int victim = followers.get(trial % 2);
    int observer = followers.get(1 - trial % 2);
    int node = cluster.node(victim);
    long incarnation = cluster.incarnation(observer, node);
    EventFeed feed = cluster.feed(observer);
    feed.drain();
    long faultNanos;
    if (cutLink) {
      faultNanos = System.nanoTime();
      cluster.host(victim).cutLink();
    } else {
      faultNanos = cluster.killDaemon(victim);
    }
    try {
      Optional<EventFeed.Arrival> down = feed.await(e -> isNodeDown(e, node), DETECTION_TIMEOUT);
      if (down.isPresent()) {
        samples.add(down.get().nanos() - faultNanos);
        progress(
            String.format(
                "onefold %s trial %d: node %d (leader %d, seen on node %d) down after %.1f ms",
                cutLink ? "cut" : "kill",
                trial,
                node,
                leaderNode,
                cluster.node(observer),
                (down.get().nanos() - faultNanos) / 1e6));
      } else {
        samples.fail(
            "trial " + trial + ": no NodeDown of node " + node + " within " + DETECTION_TIMEOUT);
      }
    } finally {
      if (cutLink) {
        cluster.host(victim).restoreLink();
      } else {
        cluster.restartDaemon(victim);
      }
    }
    cluster.awaitBackUp(victim, observer, incarnation, SETTLE_AFTER_UP);
  }

  private void onefoldLeaderTrial(
      OnefoldCluster cluster, Samples leaderSamples, Samples downSamples)
      throws InterruptedException {
    int oldLeader = awaitLeader(cluster);
    int victim = cluster.hostOfNode(oldLeader);
    int observer = victim == 1 ? 2 : 1;
    long incarnation = cluster.incarnation(observer, oldLeader);
    EventFeed feed = cluster.feed(observer);
    feed.drain();
    long faultNanos = cluster.killDaemon(victim);
    try {
      long deadline = faultNanos + DETECTION_TIMEOUT.toNanos();
      int newLeader = 0;
      long newLeaderNanos = 0;
      while (System.nanoTime() - deadline < 0) {
        int seen = cluster.leaderSeenBy(observer);
        if (seen != 0 && seen != oldLeader) {
          newLeader = seen;
          newLeaderNanos = System.nanoTime();
          break;
        }
        Thread.sleep(LEADER_POLL_INTERVAL);
      }
      if (newLeader == 0) {
        leaderSamples.fail("no leader other than " + oldLeader + " within " + DETECTION_TIMEOUT);
      } else {
        leaderSamples.add(newLeaderNanos - faultNanos);
      }
      Optional<EventFeed.Arrival> down =
          feed.await(
              e -> isNodeDown(e, oldLeader),
              Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      down.ifPresentOrElse(
          arrival -> downSamples.add(arrival.nanos() - faultNanos),
          () ->
              downSamples.fail(
                  "no NodeDown of old leader " + oldLeader + " within " + DETECTION_TIMEOUT));
      progress(
          String.format(
              "onefold leader trial: leader %d killed; node %d leads after %.1f ms; down after %s"
                  + " ms",
              oldLeader,
              newLeader,
              (newLeaderNanos - faultNanos) / 1e6,
              down.map(a -> String.format("%.1f", (a.nanos() - faultNanos) / 1e6)).orElse("-")));
    } finally {
      cluster.restartDaemon(victim);
    }
    cluster.awaitBackUp(victim, observer, incarnation, SETTLE_AFTER_UP);
  }

  private static int awaitLeader(OnefoldCluster cluster) throws InterruptedException {
    int[] leader = new int[1];
    OnefoldCluster.awaitCondition(
        "a meta leader",
        Duration.ofSeconds(30),
        () -> {
          leader[0] = cluster.leaderSeenBy(1);
          return leader[0] != 0;
        });
    return leader[0];
  }

  private static boolean isNodeDown(Event event, int node) {
    return event.hasNodeDown() && event.getNodeDown().getNode() == node;
  }

  private void runCorosync() throws InterruptedException {
    Samples kill = new Samples("corosync 3", "kill -9 of corosync on a node");
    Samples cut = new Samples("corosync 3", "link of a node cut");
    results.addAll(List.of(kill, cut));
    try (TestHosts hosts = TestHosts.create(CorosyncCluster.HOST_COUNT);
        var cluster = new CorosyncCluster(hosts, directory("corosync"))) {
      progress(
          "corosync: starting 3 daemons on run "
              + hosts.runId()
              + " in "
              + work.resolve("corosync"));
      cluster.start();
      progress("corosync: membership {1, 2, 3} on every host; " + cluster.timings());
      runTrials(kill, trial -> corosyncTrial(cluster, trial, false, kill));
      runTrials(cut, trial -> corosyncTrial(cluster, trial, true, cut));
    } catch (RuntimeException e) {
      problems.add("corosync section stopped: " + e.getMessage());
      e.printStackTrace();
    }
  }

  /** A fault on host 2 or 3 (alternating), timed until host 1's membership no longer lists it. */
  private void corosyncTrial(CorosyncCluster cluster, int trial, boolean cutLink, Samples samples)
      throws InterruptedException {
    int victim = 2 + trial % 2;
    int observer = 1;
    long faultNanos;
    if (cutLink) {
      faultNanos = System.nanoTime();
      cluster.host(victim).cutLink();
    } else {
      faultNanos = cluster.killDaemon(victim);
    }
    try {
      long deadline = faultNanos + DETECTION_TIMEOUT.toNanos();
      long goneNanos = 0;
      while (System.nanoTime() - deadline < 0) {
        Set<Integer> members = cluster.members(observer);
        if (!members.isEmpty() && !members.contains(victim)) {
          goneNanos = System.nanoTime();
          break;
        }
        Thread.sleep(COROSYNC_POLL_INTERVAL);
      }
      if (goneNanos == 0) {
        samples.fail(
            "trial " + trial + ": node " + victim + " still a member after " + DETECTION_TIMEOUT);
      } else {
        samples.add(goneNanos - faultNanos);
        progress(
            String.format(
                "corosync %s trial %d: node %d gone after %.1f ms",
                cutLink ? "cut" : "kill", trial, victim, (goneNanos - faultNanos) / 1e6));
      }
    } finally {
      if (cutLink) {
        cluster.host(victim).restoreLink();
      } else {
        cluster.restartDaemon(victim);
      }
    }
    cluster.awaitFormed();
    Thread.sleep(COROSYNC_SETTLE);
  }

  @FunctionalInterface
  private interface Trial {
    void run(int trial) throws InterruptedException;
  }

  /**
   * Runs the trials; a failed trial is recorded, and a run of failures ends the section by
   * throwing.
   */
  private void runTrials(Samples samples, Trial trial) throws InterruptedException {
    int failuresInARow = 0;
    for (int i = 0; i < trials; i++) {
      int failuresBefore = samples.failures().size();
      try {
        trial.run(i);
      } catch (RuntimeException e) {
        samples.fail("trial " + i + ": " + e.getMessage());
        progress("trial " + i + " failed: " + e);
      }
      failuresInARow = samples.failures().size() > failuresBefore ? failuresInARow + 1 : 0;
      if (failuresInARow >= FAILURES_IN_A_ROW_MAX) {
        throw new IllegalStateException(
            failuresInARow + " failed trials in a row; last: " + samples.failures().getLast());
      }
    }
  }

  private Path directory(String name) {
    Path directory = work.resolve(name);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + directory + ": " + e, e);
    }
    return directory;
  }

  private void report() {
    System.out.println("| tool | fault | trials | p50 | p99 | max |");
    System.out.println("|---|---|---|---|---|---|");
    results.forEach(samples -> System.out.println(samples.tableRow()));
    System.out.println();
    results.forEach(samples -> System.out.println(samples.raw()));
    notes.forEach(note -> System.out.println("note: " + note));
    problems.forEach(problem -> System.out.println("problem: " + problem));
  }

  private static void progress(String message) {
    System.err.println("[" + java.time.LocalTime.now().withNano(0) + "] " + message);
  }
}
