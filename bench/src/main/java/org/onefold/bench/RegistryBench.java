package org.onefold.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Put and get of the Onefold registry side by side with etcd: the same keys, the same values, the
 * same phases, the same client-side timing. Run by bench/registry.sh, which starts and stops the
 * clusters; this class only talks to one that is up.
 *
 * <p>Phases, for each value size:
 *
 * <ol>
 *   <li>put, 1 in flight: one session, one put after the other;
 *   <li>get, 1 in flight: one session, linearizable gets of the keys just written;
 *   <li>put, N in flight: N sessions on N threads, each a blocking loop.
 * </ol>
 *
 * Each phase first runs {@code --warmup} operations that are not counted, then measures a fixed
 * count; a phase also stops at {@code --phase-seconds}, and then reports what it completed (the ops
 * column says how many). Keys cycle through {@link #KEYS} names, {@code bench/key-000000} on, so
 * that the store's size stays fixed; the get phase reads only keys that the put phase wrote.
 *
 * <p>Output: one tab-separated line per phase, appended to {@code --out} and printed. {@code
 * RegistryBench table FILE} prints a file of such lines as a Markdown table, Onefold and etcd side
 * by side.
 */
public final class RegistryBench {
  static final int KEYS = 10_000;

  /** A phase with more failed calls than this stops; the failures are in the report. */
  static final int ERRORS_MAX = 100;

  static final String HEADER =
      "store\tvalue_bytes\tphase\tin_flight\tops\terrors\tseconds\tops_per_s\tp50_ms\tp99_ms";

  private final KeyValueStore store;
  private final Settings settings;

  record Settings(int warmup, int sequential, int concurrent, int inFlight, Duration phaseLimit) {}

  private RegistryBench(KeyValueStore store, Settings settings) {
    this.store = store;
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("table")) {
      System.out.print(ResultTable.markdown(Files.readAllLines(Path.of(args[1]))));
      return;
    }
    Map<String, String> options = options(args);
    Settings settings =
        new Settings(
            intOption(options, "warmup", 2_000),
            intOption(options, "sequential", 10_000),
            intOption(options, "concurrent", 50_000),
            intOption(options, "in-flight", 64),
            Duration.ofSeconds(intOption(options, "phase-seconds", 60)));
    int[] sizes =
        Arrays.stream(options.getOrDefault("sizes", "100").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    Path out = Path.of(options.getOrDefault("out", "registry-bench.tsv"));
    try (KeyValueStore store =
        switch (options.getOrDefault("store", "")) {
          case "onefold" -> OnefoldStore.atLeader(Path.of(required(options, "dir")), 3);
          case "etcd" -> EtcdStore.atLeader(List.of(required(options, "endpoints").split(",")));
          default ->
              throw new IllegalArgumentException(
                  "--store must be onefold or etcd, not " + options.get("store"));
        }) {
      System.err.println("registry bench: " + store.name() + " at " + store.endpoint());
      RegistryBench bench = new RegistryBench(store, settings);
      for (int size : sizes) {
        for (String line : bench.runAll(size)) {
          System.out.println(line);
          Files.writeString(
              out,
              line + "\n",
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        }
      }
    }
    // jetcd and gRPC leave non-daemon threads behind; the run is over.
    System.exit(0);
  }

  private List<String> runAll(int valueBytes) {
    byte[] value = new byte[valueBytes];
    new Random(valueBytes).nextBytes(value);
    List<String> lines = new ArrayList<>();
    try (KeyValueStore.Session session = store.openSession()) {
      AtomicInteger written = new AtomicInteger();
      lines.add(
          sequential(
              session,
              valueBytes,
              "put",
              (key) -> {
                session.put(key, value);
                written.accumulateAndGet(keyIndex(key) + 1, Math::max);
              }));
      // Reads only keys the put phase wrote, even if it stopped at its time bound.
      int keysWritten = Math.max(written.get(), 1);
      lines.add(
          sequential(
              session,
              valueBytes,
              "get",
              (key) -> {
                key = key(keyIndex(key) % keysWritten);
                if (session.get(key) != valueBytes) {
                  throw new IllegalStateException(
                      "get " + key + " did not return the " + valueBytes + "-byte value put");
                }
              }));
    }
    lines.add(concurrentPut(valueBytes, value));
    return lines;
  }

  private interface Operation {
    void run(String key);
  }

  static String key(int index) {
    return String.format(Locale.ROOT, "bench/key-%06d", index % KEYS);
  }

  static int keyIndex(String key) {
    return Integer.parseInt(key.substring(key.lastIndexOf('-') + 1));
  }

  /** One session, one call after the other: warmup, then the measured count. */
  private String sequential(
      KeyValueStore.Session session, int valueBytes, String phase, Operation operation) {
    AtomicInteger errors = new AtomicInteger();
    long deadline = System.nanoTime() + settings.phaseLimit().toNanos();
    for (int i = 0; i < settings.warmup() && System.nanoTime() < deadline; i++) {
      call(operation, key(i), errors);
    }
    Latencies latencies = new Latencies(settings.sequential());
    long start = System.nanoTime();
    deadline = start + settings.phaseLimit().toNanos();
    for (int i = 0; i < settings.sequential() && errors.get() <= ERRORS_MAX; i++) {
      long before = System.nanoTime();
      if (before > deadline) {
        break;
      }
      if (call(operation, key(i), errors)) {
        latencies.record(System.nanoTime() - before);
      }
    }
    return line(valueBytes, phase, 1, latencies, errors.get(), System.nanoTime() - start);
  }

  /** inFlight sessions on as many threads, sharing one counter of operations to do. */
  private String concurrentPut(int valueBytes, byte[] value) {
    int threads = settings.inFlight();
    runThreads(threads, settings.warmup(), value, new Latencies[threads], new AtomicInteger());
    Latencies[] perThread = new Latencies[threads];
    AtomicInteger errors = new AtomicInteger();
    long start = System.nanoTime();
    runThreads(threads, settings.concurrent(), value, perThread, errors);
    long elapsed = System.nanoTime() - start;
    Latencies all = new Latencies(settings.concurrent());
    for (Latencies latencies : perThread) {
      all.addAll(latencies);
    }
    return line(valueBytes, "put", threads, all, errors.get(), elapsed);
  }

  private void runThreads(
      int threads, int operations, byte[] value, Latencies[] perThread, AtomicInteger errors) {
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + settings.phaseLimit().toNanos();
    List<Thread> running = new ArrayList<>();
    List<KeyValueStore.Session> sessions = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      KeyValueStore.Session session = store.openSession();
      sessions.add(session);
      Latencies latencies = new Latencies(operations);
      perThread[t] = latencies;
      running.add(
          Thread.ofPlatform()
              .name("bench-" + t)
              .start(
                  () -> {
                    Operation put = key -> session.put(key, value);
                    for (int i = next.getAndIncrement();
                        i < operations && errors.get() <= ERRORS_MAX;
                        i = next.getAndIncrement()) {
                      long before = System.nanoTime();
                      if (before > deadline) {
                        break;
                      }
                      if (call(put, key(i), errors)) {
                        latencies.record(System.nanoTime() - before);
                      }
                    }
                  }));
    }
    try {
      for (Thread thread : running) {
        // Each call is bounded by its client's timeout, so the threads end soon after the deadline.
        thread.join(settings.phaseLimit().plusSeconds(30));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the bench threads", e);
    } finally {
      sessions.forEach(KeyValueStore.Session::close);
    }
  }

  /** Runs operation; a failure is counted (and the first few printed), not thrown. */
  private static boolean call(Operation operation, String key, AtomicInteger errors) {
    try {
      operation.run(key);
      return true;
    } catch (RuntimeException e) {
      if (errors.incrementAndGet() <= 3) {
        System.err.println("registry bench: " + key + ": " + e);
      }
      return false;
    }
  }

  private String line(
      int valueBytes,
      String phase,
      int inFlight,
      Latencies latencies,
      int errors,
      long elapsedNanos) {
    double seconds = elapsedNanos / 1e9;
    return String.format(
        Locale.ROOT,
        "%s\t%d\t%s\t%d\t%d\t%d\t%.3f\t%.0f\t%.3f\t%.3f",
        store.name(),
        valueBytes,
        phase,
        inFlight,
        latencies.count(),
        errors,
        seconds,
        latencies.count() / seconds,
        latencies.quantileMillis(0.50),
        latencies.quantileMillis(0.99));
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "expected --name value pairs, got "
                + Arrays.toString(args)
                + "; usage: RegistryBench --store onefold --dir D | --store etcd --endpoints"
                + " URL,URL,URL [--sizes 100,1024] [--warmup N] [--sequential N] [--concurrent N]"
                + " [--in-flight N] [--phase-seconds S] [--out FILE]; or: RegistryBench table"
                + " FILE");
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "--" + name + " is required with --store " + options.get("store"));
    }
    return value;
  }

  private static int intOption(Map<String, String> options, String name, int otherwise) {
    int value = options.containsKey(name) ? Integer.parseInt(options.get(name)) : otherwise;
    if (value < 1) {
      throw new IllegalArgumentException("--" + name + " must be at least 1, not " + value);
    }
    return value;
  }
}
