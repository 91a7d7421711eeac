package org.onefold.node.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.proto.LoadVector;

class LoadSamplerTest {
  @TempDir Path proc;
  private final AtomicLong clock = new AtomicLong(10_000);

  private void write(String loadavg, String meminfo) throws IOException {
    Files.writeString(proc.resolve("loadavg"), loadavg);
    Files.writeString(proc.resolve("meminfo"), meminfo);
  }

  @Test
  void reads_the_load_average_runnable_tasks_and_available_memory() throws IOException {
    write(
        "1.52 0.58 0.59 4/467 12345\n",
        "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   21512340 kB\n");
    LoadVector load = new LoadSampler(proc, clock::get, 2).current();
    assertThat(load)
        .isEqualTo(
            LoadVector.newBuilder()
                .setLoadAverage(1.52)
                .setRunnable(3)
                .setCpus(2)
                .setMemoryAvailableBytes(21512340L * 1024)
                .build());
  }

  @Test
  void a_reading_is_reused_within_the_sample_interval() throws IOException {
    write("0.10 0 0 1/10 1\n", "MemAvailable: 1 kB\n");
    LoadSampler sampler = new LoadSampler(proc, clock::get, 2);
    LoadVector first = sampler.current();
    write("5.00 0 0 9/10 1\n", "MemAvailable: 1 kB\n");
    clock.addAndGet(Limits.SAMPLE_INTERVAL_MILLIS - 1);
    assertThat(sampler.current()).isEqualTo(first);
    clock.addAndGet(1);
    assertThat(sampler.current().getLoadAverage()).isEqualTo(5.0);
    assertThat(sampler.current().getRunnable()).isEqualTo(8);
  }

  @Test
  void unreadable_files_read_as_idle_rather_than_failing() {
    LoadVector load = new LoadSampler(proc.resolve("missing"), clock::get, 4).current();
    assertThat(load).isEqualTo(LoadVector.newBuilder().setCpus(4).build());
  }
}
