package org.onefold.node.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.onefold.proto.LoadVector;

/**
 * Reads this node's load vector from /proc: the 1-minute load average and the runnable tasks of
 * {@code loadavg}, MemAvailable of {@code meminfo}, and the CPUs this process may use. A reading is
 * reused for {@link Limits#SAMPLE_INTERVAL_MILLIS}, so heartbeats every 100 ms cost two file reads
 * a second. A file that cannot be read gives zeros for its fields rather than no heartbeat.
 *
 * <p>Thread-safe: a reading is replaced whole.
 */
public final class LoadSampler {
  private final Path proc;
  private final LongSupplier monotonicMillis;
  private final int cpus;

  private volatile Reading last;

  private record Reading(LoadVector load, long takenMillis) {}

  /**
   * @param proc the proc filesystem's root, /proc
   * @param monotonicMillis a monotonic clock in milliseconds
   */
  public LoadSampler(Path proc, LongSupplier monotonicMillis, int cpus) {
    this.proc = proc;
    this.monotonicMillis = monotonicMillis;
    this.cpus = cpus;
  }

  /** The load now, or as read at most a sample interval ago. */
  public LoadVector current() {
    long now = monotonicMillis.getAsLong();
    Reading reading = last;
    if (reading == null || now - reading.takenMillis() >= Limits.SAMPLE_INTERVAL_MILLIS) {
      reading = new Reading(read(), now);
      last = reading;
    }
    return reading.load();
  }

  private LoadVector read() {
    LoadVector.Builder load = LoadVector.newBuilder().setCpus(cpus);
    try {
      // "0.52 0.58 0.59 3/467 12345": averages, runnable/total tasks, last pid.
      String[] fields = Files.readString(proc.resolve("loadavg")).strip().split(" ");
      load.setLoadAverage(Double.parseDouble(fields[0]));
      int running = Integer.parseInt(fields[3].substring(0, fields[3].indexOf('/')));
      // The thread reading the file is running too; it is not work.
      load.setRunnable(Math.max(running - 1, 0));
    } catch (IOException | RuntimeException e) {
      // Zeros: the node still beats; its load reads as idle until the file is readable.
    }
    try {
      for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          // "MemAvailable:   21512340 kB"
          String kibibytes = line.substring("MemAvailable:".length()).replace("kB", "").strip();
          load.setMemoryAvailableBytes(Long.parseLong(kibibytes) * 1024);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // As above.
    }
    return load.build();
  }
}
