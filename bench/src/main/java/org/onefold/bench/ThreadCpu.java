package org.onefold.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where this JVM's CPU went between two moments, by kind of thread: each live thread's CPU time
 * (ThreadMXBean) at the start, and again at the end; threads are grouped by name with digits
 * dropped ("grpc-default-executor-12" and "-3" are one kind). Only Java threads are seen: what the
 * JIT compiler and the garbage collector used, and threads that ended in between, make up the rest
 * of the process's CPU.
 */
final class ThreadCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> startNanos;

  private ThreadCpu(Map<Long, Long> startNanos) {
    this.startNanos = startNanos;
  }

  static ThreadCpu start() {
    Map<Long, Long> now = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long nanos = THREADS.getThreadCpuTime(id);
      if (nanos >= 0) {
        now.put(id, nanos);
      }
    }
    return new ThreadCpu(now);
  }

  /** The kinds that used the most CPU since start: "kind 1.23 s, ...", at most count of them. */
  String top(int count) {
    Map<String, Long> byKind = new HashMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = THREADS.getThreadCpuTime(info.getThreadId());
      if (nanos < 0) {
        continue;
      }
      long used = nanos - startNanos.getOrDefault(info.getThreadId(), 0L);
      byKind.merge(info.getThreadName().replaceAll("[0-9]+", "#"), used, Long::sum);
    }
    return byKind.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(count)
        .map(entry -> String.format(Locale.ROOT, "%s %.2f s", entry.getKey(), entry.getValue() / 1e9))
        .collect(Collectors.joining(", "));
  }
}
