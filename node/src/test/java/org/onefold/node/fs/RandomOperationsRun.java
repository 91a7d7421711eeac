package org.onefold.node.fs;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.onefold.node.fs.FileTree.Outcome;
import org.onefold.node.fs.RandomOperations.Step;

/**
 * The randomized filesystem test (the idea of fsx): one seeded sequence of operations ({@link
 * RandomOperations}) made on the CFS through its mounts and on a directory of the local disk, the
 * outcome of every step compared (bytes read, sizes, link counts, the error), the whole trees
 * (names, types, sizes, link counts, every file's bytes) compared every few steps and at the end. A
 * divergence fails the run with the seed ("reproduce with -Dfsx.seed=N"), the steps before it, and
 * the steps it shrinks to: the run is replayed without chunks of its steps, in a fresh directory
 * each time, for as long as it still diverges (within a time bound).
 *
 * <p>Several mounts are several nodes' views of one filesystem, and each step goes through the
 * mount of its node, with this rule: when the step's node is not the last step's, (1) the last node
 * closes the files it holds open (an open file is one node's; across nodes close-to-open is what
 * holds, so a file passes to another node closed), and their closes are compared; (2) the run
 * awaits, at most a settling bound (2 s), that the new node shows what the local directory shows:
 * the names of its tree with their types, sizes and link counts, and what lstat says of every name
 * the steps use ({@link FileTree#view}). The new node's kernel keeps names and attributes, and
 * drops them when the notices of the other nodes' changes arrive, normally within milliseconds
 * (tens to a few hundred measured on one machine); until then an open by a name another node
 * renamed or removed still reaches the old file, so the names are awaited, not only the listing.
 * Not settling within the bound is a divergence. (3) Then the step and its comparison are strict:
 * every file was closed, so its data is in the log, and an open sees it (close-to-open). The run
 * prints how often it had to wait for a node to settle, and the longest wait.
 *
 * <p>Threads: one test thread.
 */
public final class RandomOperationsRun {
  /** The system property that gives the seed; without it, a random one. */
  public static final String SEED_PROPERTY = "fsx.seed";

  /** The system property that gives the number of steps, instead of the test's own. */
  public static final String STEPS_PROPERTY = "fsx.steps";

  private static final int HISTORY_STEPS = 24;
  private static final int SHRINK_REPLAYS_MAX = 400;

  private final long seed;
  private final Path local;
  private final List<Path> mounts;
  private final int fullEvery;
  private final Duration settleMax;
  private final Duration shrinkMax;

  private int switches;
  private int settlesWaited;
  private long settleMillisMax;

  /**
   * @param local a directory of the local disk, under which each replay makes its own
   * @param mounts one directory per node, each a node's view of the same filesystem
   * @param fullEvery compare the whole trees after every fullEvery steps
   * @param settleMax how long a node may show what the others changed before (see the rule)
   * @param shrinkMax how long a failing run may replay to shrink its steps
   */
  public RandomOperationsRun(
      long seed,
      Path local,
      List<Path> mounts,
      int fullEvery,
      Duration settleMax,
      Duration shrinkMax) {
    if (mounts.isEmpty() || fullEvery < 1 || !settleMax.isPositive()) {
      throw new IllegalArgumentException(
          mounts.size() + " mounts, full every " + fullEvery + ", settling in " + settleMax);
    }
    this.seed = seed;
    this.local = local;
    this.mounts = List.copyOf(mounts);
    this.fullEvery = fullEvery;
    this.settleMax = settleMax;
    this.shrinkMax = shrinkMax;
  }

  /** The seed -Dfsx.seed gives, or a random one. */
  public static long seed() {
    Long given = Long.getLong(SEED_PROPERTY);
    return given != null ? given : ThreadLocalRandom.current().nextLong();
  }

  /** The steps -Dfsx.steps gives, or count. */
  public static int steps(int count) {
    return Integer.getInteger(STEPS_PROPERTY, count);
  }

  /** Runs count steps; throws an AssertionError that gives the seed if the trees diverge. */
  public void run(int count) throws IOException {
    List<Step> steps = RandomOperations.generate(seed, count, mounts.size());
    long start = System.nanoTime();
    Optional<Divergence> divergence = replay(steps, "run");
    long runMillis = (System.nanoTime() - start) / 1_000_000;
    if (divergence.isPresent()) {
      throw new AssertionError(report(steps, divergence.get()));
    }
    System.out.printf(
        "fsx: seed %d, %d steps over %d mount(s) in %d ms, as on the local disk; %d node switches,"
            + " %d waited to settle, the longest %d ms%n",
        seed, steps.size(), mounts.size(), runMillis, switches, settlesWaited, settleMillisMax);
  }

  /** Where a replay first diverged: the step's index in its list (the end: the list's size). */
  private record Divergence(int index, String what, List<String> history) {}

  /** Makes steps in fresh directories named label; the first divergence, if any. */
  private Optional<Divergence> replay(List<Step> steps, String label) throws IOException {
    Path localBase = Files.createDirectory(local.resolve(label));
    Files.createDirectory(mounts.get(0).resolve(label));
    Deque<String> history = new ArrayDeque<>();
    List<FileTree> trees = new ArrayList<>();
    try (FileTree expected = new FileTree(localBase)) {
      mounts.forEach(mount -> trees.add(new FileTree(mount.resolve(label))));
      int last = 0;
      for (int index = 0; index < steps.size(); index++) {
        Step step = steps.get(index);
        int node = step.node();
        if (node != last) {
          switches++;
          Optional<String> differs = handOver(expected, trees.get(last), trees.get(node));
          if (differs.isPresent()) {
            String what = "node " + (node + 1) + " after node " + (last + 1) + ": " + differs.get();
            return Optional.of(new Divergence(index, what, List.copyOf(history)));
          }
          remember(history, "node " + (last + 1) + " to node " + (node + 1) + ": closed, settled");
          last = node;
        }
        Outcome want = expected.apply(step.operation());
        Outcome got = trees.get(node).apply(step.operation());
        String line = "#" + step.number() + " node " + (node + 1) + ": " + step.operation();
        remember(history, line + " -> " + want);
        if (!want.equals(got)) {
          String what = line + ": " + difference(want, got);
          return Optional.of(new Divergence(index, what, List.copyOf(history)));
        }
        if (step.number() % fullEvery == 0) {
          Optional<String> differs = compare(expected, trees.get(node), true);
          if (differs.isPresent()) {
            String what = "the trees after " + line + ": " + differs.get();
            return Optional.of(new Divergence(index, what, List.copyOf(history)));
          }
        }
      }
      return finish(expected, trees, last, steps.size(), history);
    } finally {
      trees.forEach(FileTree::close);
    }
  }

  /** At the end: every file closed, then the whole trees through every node. */
  private Optional<Divergence> finish(
      FileTree expected, List<FileTree> trees, int last, int index, Deque<String> history)
      throws IOException {
    String wantClosed = expected.closeAll();
    String gotClosed = trees.get(last).closeAll();
    if (!wantClosed.equals(gotClosed)) {
      String what = "closing at the end: expected " + wantClosed + " but got " + gotClosed;
      return Optional.of(new Divergence(index, what, List.copyOf(history)));
    }
    for (int node = 0; node < trees.size(); node++) {
      Optional<String> differs =
          node == last ? Optional.empty() : settle(expected, trees.get(node));
      if (differs.isEmpty()) {
        differs = compare(expected, trees.get(node), true);
      }
      if (differs.isPresent()) {
        String what = "the trees at the end through node " + (node + 1) + ": " + differs.get();
        return Optional.of(new Divergence(index, what, List.copyOf(history)));
      }
    }
    return Optional.empty();
  }

  /** Rule (1) and (2): from's files closed, then to settled; the difference, if any. */
  private Optional<String> handOver(FileTree expected, FileTree from, FileTree to)
      throws IOException {
    String wantClosed = expected.closeAll();
    String gotClosed = from.closeAll();
    if (!wantClosed.equals(gotClosed)) {
      return Optional.of("closing: expected " + wantClosed + " but got " + gotClosed);
    }
    return settle(expected, to);
  }

  /** Awaits, within the settling bound, that tree shows what expected has; else the difference. */
  private Optional<String> settle(FileTree expected, FileTree tree) throws IOException {
    SortedMap<String, Outcome> want = expected.view();
    if (shows(tree, want)) {
      return Optional.empty();
    }
    long start = System.nanoTime();
    try {
      await("a node's view of the others' changes")
          .atMost(settleMax)
          .pollInterval(Duration.ofMillis(2))
          .pollInSameThread()
          .until(() -> shows(tree, want));
    } catch (ConditionTimeoutException e) {
      return Optional.of(
          "not as expected within " + settleMax.toMillis() + " ms: " + seen(want, tree));
    }
    settlesWaited++;
    settleMillisMax = Math.max(settleMillisMax, (System.nanoTime() - start) / 1_000_000);
    return Optional.empty();
  }

  /** Whether tree's names, types, sizes and link counts are want's (a walk may meet a change). */
  private static boolean shows(FileTree tree, SortedMap<String, Outcome> want) {
    try {
      return tree.view().equals(want);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  private static String seen(SortedMap<String, Outcome> want, FileTree tree) {
    try {
      return difference(want, tree.view());
    } catch (IOException | UncheckedIOException e) {
      return "walking it failed: " + e;
    }
  }

  /** The first difference of two trees, if any. */
  private static Optional<String> compare(FileTree expected, FileTree tree, boolean contents)
      throws IOException {
    SortedMap<String, Outcome> want = expected.snapshot(contents);
    SortedMap<String, Outcome> got;
    try {
      got = tree.snapshot(contents);
    } catch (IOException | UncheckedIOException e) {
      return Optional.of("walking the mount failed: " + e);
    }
    return want.equals(got) ? Optional.empty() : Optional.of(difference(want, got));
  }

  private static String difference(
      SortedMap<String, Outcome> want, SortedMap<String, Outcome> got) {
    TreeSet<String> names = new TreeSet<>(want.keySet());
    names.addAll(got.keySet());
    for (String name : names) {
      Outcome expected = want.get(name);
      Outcome seen = got.get(name);
      if (expected == null || seen == null) {
        return "'" + name + "' " + (expected == null ? "should not exist: " + seen : "is missing");
      }
      if (!expected.equals(seen)) {
        return "'" + name + "': " + difference(expected, seen);
      }
    }
    return "no difference";
  }

  /** "expected X but got Y", or where the bytes of two equal texts first differ. */
  private static String difference(Outcome want, Outcome got) {
    if (!want.text().equals(got.text())) {
      return "expected " + want + " but got " + got;
    }
    int at = Arrays.mismatch(want.data(), got.data());
    return "expected "
        + want
        + ", bytes differ from byte "
        + at
        + ": expected "
        + around(want.data(), at)
        + " but got "
        + around(got.data(), at);
  }

  private static String around(byte[] data, int at) {
    int end = Math.min(data.length, at + 8);
    return at >= end ? "(end)" : HexFormat.ofDelimiter(" ").formatHex(data, at, end);
  }

  private static void remember(Deque<String> history, String line) {
    history.addLast(line);
    if (history.size() > HISTORY_STEPS) {
      history.removeFirst();
    }
  }

  private String report(List<Step> steps, Divergence divergence) throws IOException {
    StringBuilder report = new StringBuilder();
    report
        .append("the CFS diverged from the local disk (reproduce with -D")
        .append(SEED_PROPERTY)
        .append('=')
        .append(seed)
        .append(") at ")
        .append(divergence.what())
        .append("\nthe steps before (with the local disk's outcome):\n  ")
        .append(String.join("\n  ", divergence.history()));
    Shrunk shrunk = shrink(steps, divergence);
    report
        .append("\nshrunk to ")
        .append(shrunk.steps().size())
        .append(" of ")
        .append(steps.size())
        .append(" steps in ")
        .append(shrunk.replays())
        .append(" replays, which diverge at ")
        .append(shrunk.divergence().what())
        .append(":\n  ")
        .append(shrunk.steps().stream().map(Step::toString).collect(Collectors.joining("\n  ")));
    return report.toString();
  }

  private record Shrunk(List<Step> steps, Divergence divergence, int replays) {}

  /**
   * Removes chunks of steps (halves, then quarters, ... single steps) while the rest still
   * diverges, within the shrinking bound; steps after the divergence go first.
   */
  private Shrunk shrink(List<Step> steps, Divergence divergence) throws IOException {
    long deadline = System.nanoTime() + shrinkMax.toNanos();
    List<Step> current = upTo(steps, divergence);
    Divergence last = divergence;
    int replays = 0;
    for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
      int start = 0;
      while (start < current.size()
          && replays < SHRINK_REPLAYS_MAX
          && System.nanoTime() < deadline) {
        List<Step> candidate = new ArrayList<>(current.subList(0, start));
        candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
        replays++;
        Optional<Divergence> still = replay(candidate, "shrink-" + replays);
        if (still.isPresent()) {
          current = upTo(candidate, still.get());
          last = still.get();
        } else {
          start += chunk;
        }
      }
    }
    return new Shrunk(current, last, replays);
  }

  private static List<Step> upTo(List<Step> steps, Divergence divergence) {
    return List.copyOf(steps.subList(0, Math.min(steps.size(), divergence.index() + 1)));
  }
}
