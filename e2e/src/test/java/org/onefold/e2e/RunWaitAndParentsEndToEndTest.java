package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement, background programs, waiting, and parents across nodes, on a local cluster of three
 * real daemons: {@code ssi run} (the node chosen by load), {@code -d} (detached, its cpid printed),
 * {@code ssi wait}, a script's programs on other nodes shown as its children, and orphans given to
 * cpid 1 when their parent ends or its node dies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunWaitAndParentsEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path temporary;
  private LocalCluster cluster;

  @BeforeAll
  void upThreeNodes(@TempDir Path directory) {
    temporary = directory;
    cluster = LocalCluster.up(temporary, 3);
  }

  @AfterAll
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("ssi run -v places each program on an up node, says which and why, and spreads them")
  void runPlacesByLoad() {
    Set<Integer> chosen = new HashSet<>();
    for (int run = 0; run < 12; run++) {
      Programs.Result result = cluster.ssiOn(1, "run", "-v", "sh", "-c", "echo ran; exit 4");
      assertThat(result.status()).as(result.describe()).isEqualTo(4);
      assertThat(result.out()).isEqualTo("ran\n");
      String said = result.errLines().getFirst();
      assertThat(said).matches("ssi: node [1-3] chosen; node [1-3]: load .*");
      assertThat(said).contains("cpus").contains("GiB available");
      chosen.add(Integer.parseInt(said.split(" ")[2]));
    }
    assertThat(chosen).as("nodes chosen over 12 runs").hasSizeGreaterThan(1);
  }

  @Test
  @DisplayName(
      "ssi onnode -d prints the cpid at once; ssi wait from another node prints the status once")
  void detachedProgramsAreWaitedFor() throws IOException {
    Path output = temporary.resolve("detached.out");
    Programs.Result started =
        cluster.ssiOnIn(
            temporary,
            1,
            "onnode",
            "-d",
            "-o",
            "detached.out",
            "2",
            "sh",
            "-c",
            "echo to the file; echo errors too >&2; exit 7");
    assertThat(started.status()).as(started.describe()).isZero();
    long cpid = Long.parseLong(started.out().strip());
    assertThat(cpid >> 16).isEqualTo(2);

    Programs.Result waited = cluster.ssiOn(3, "wait", Long.toString(cpid));
    assertThat(waited.status()).as(waited.describe()).isEqualTo(7);
    assertThat(waited.out()).isEqualTo("7\n");
    assertThat(Files.readString(output)).isEqualTo("to the file\nerrors too\n");

    Programs.Result again = cluster.ssiOn(1, "wait", Long.toString(cpid));
    assertThat(again.status()).as(again.describe()).isEqualTo(1);
    assertThat(again.errLines()).containsExactly("ssi: wait: (" + cpid + ") - No such process");
  }

  @Test
  @DisplayName("ssi wait on a running program returns at its end with 128+N for signal N")
  void waitingForARunningProgram() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 500_000);
    Programs.Result started = cluster.ssiOn(2, "run", "-d", "sleep", marker);
    assertThat(started.status()).as(started.describe()).isZero();
    String cpid = started.out().strip();
    Process waiter = cluster.ssiInBackground(1, "waiter", "wait", cpid);
    try {
      await("the program running")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> LocalCluster.sleeping(marker).isPresent());
      assertThat(waiter.isAlive()).as("the waiter waits").isTrue();

      Programs.Result kill = cluster.ssiOn(3, "kill", "-TERM", cpid);
      assertThat(kill.status()).as(kill.describe()).isZero();

      assertThat(waiter.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(waiter.exitValue()).as("stderr: %s", cluster.errOf("waiter")).isEqualTo(143);
    } finally {
      waiter.destroyForcibly();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @DisplayName(
      "a script's program on another node is its child; when the script ends, the child is"
          + " init's (PPID 1)")
  void aScriptIsTheParentOfWhatItRuns() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 600_000);
    String script = "\"$0\" onnode -d 3 sleep " + marker + " >/dev/null; echo script $$; read line";
    Process client = cluster.ssiInBackground(1, "script", "onnode", "2", "sh", "-c", script, ssi());
    try {
      try {
        await("the child running on node 3")
            .atMost(Programs.RUN_TIMEOUT)
            .until(() -> processWith("sleep " + marker).isPresent());
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            "no child; the script's stderr: "
                + cluster.errOf("script")
                + "; ps: "
                + cluster.ssiOn(1, "ps").out(),
            e);
      }
      JsonNode child = processWith("sleep " + marker).orElseThrow();
      JsonNode parent = processWith("sh -c " + "\"$0\" onnode").orElseThrow();
      assertThat(child.get("node").asInt()).isEqualTo(3);
      assertThat(parent.get("node").asInt()).isEqualTo(2);
      assertThat(child.get("ppid").asLong()).isEqualTo(parent.get("cpid").asLong());

      client.getOutputStream().close();
      assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();

      await("the child given to init")
          .atMost(Duration.ofSeconds(10))
          .until(() -> processWith("sleep " + marker).orElseThrow().get("ppid").asLong() == 1);
    } finally {
      client.destroyForcibly();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @DisplayName(
      "when a node dies, its programs' waiters hear they are lost (255) and their children on"
          + " other nodes are init's")
  void theDeathOfANodeLosesItsProgramsAndOrphansTheirChildren() throws Exception {
    String parentMarker = Long.toString(System.nanoTime() % 100_000 + 700_000);
    String childMarker = Long.toString(System.nanoTime() % 100_000 + 800_000);
    String script =
        "\"$0\" onnode -d 3 sleep " + childMarker + " >/dev/null; exec sleep " + parentMarker;
    Programs.Result started = cluster.ssiOn(1, "onnode", "-d", "2", "sh", "-c", script, ssi());
    assertThat(started.status()).as(started.describe()).isZero();
    String parentCpid = started.out().strip();
    Process waiter = cluster.ssiInBackground(1, "lost-waiter", "wait", parentCpid);
    try {
      await("the child running on node 3 as the script's")
          .atMost(Programs.RUN_TIMEOUT)
          .until(
              () ->
                  processWith("sleep " + childMarker)
                      .map(child -> child.get("ppid").asText().equals(parentCpid))
                      .orElse(false));

      cluster.kill(2);

      assertThat(waiter.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(waiter.exitValue()).as("stderr: %s", cluster.errOf("lost-waiter")).isEqualTo(255);
      // "node 2 went down (...)" if the cluster declares it first, "lost node 2: ..." if the
      // broken connection tells first.
      assertThat(cluster.errOf("lost-waiter")).startsWith("ssi: ").contains("node 2");
      await("the child given to init")
          .atMost(Duration.ofSeconds(10))
          .until(() -> processWith("sleep " + childMarker).orElseThrow().get("ppid").asLong() == 1);
    } finally {
      waiter.destroyForcibly();
      LocalCluster.sleeping(parentMarker).ifPresent(ProcessHandle::destroyForcibly);
      LocalCluster.sleeping(childMarker).ifPresent(ProcessHandle::destroyForcibly);
      cluster.restart();
    }
  }

  /** The process of ssi ps --json (asked on node 1) whose command starts with command. */
  private Optional<JsonNode> processWith(String command) throws IOException {
    Programs.Result ps = cluster.ssiOn(1, "ps", "--json");
    assertThat(ps.status()).as(ps.describe()).isZero();
    for (JsonNode process : JSON.readTree(ps.out())) {
      if (process.get("cmd").asText().startsWith(command)) {
        return Optional.of(process);
      }
    }
    return Optional.empty();
  }

  private static String ssi() {
    return Programs.ssi().toString();
  }
}
