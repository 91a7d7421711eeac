package org.onefold.e2e.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test hosts themselves: reachability on the bridge, cut links, no route out, process control
 * and clean removal. Skipped, with the reason, where namespaces cannot be made (not root, no
 * iproute2, a container without the permission).
 */
class TestHostsTest {

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration WAIT_MAX = Duration.ofSeconds(5);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private TestHosts testHosts;

  @BeforeEach
  void createHosts() {
    Optional<String> reason = TestHosts.unavailableReason();
    assumeTrue(reason.isEmpty(), () -> "test hosts unavailable: " + reason.orElseThrow());
    assumeTrue(
        Commands.findExecutable("ping").isPresent(), "needs ping: apt-get install iputils-ping");
    testHosts = TestHosts.create(2);
  }

  @AfterEach
  void closeHosts() {
    if (testHosts != null) {
      testHosts.close();
    }
  }

  @Test
  @DisplayName("two hosts reach each other over the bridge, and each its own loopback")
  void hostsPingEachOther() {
    assertThat(ping(1, testHosts.host(2).address()).succeeded()).as("host 1 pings host 2").isTrue();
    assertThat(ping(2, testHosts.host(1).address()).succeeded()).as("host 2 pings host 1").isTrue();
    assertThat(ping(1, "127.0.0.1").succeeded()).as("host 1 pings its loopback").isTrue();
  }

  @Test
  @DisplayName("a cut link stops traffic both ways until it is restored")
  void cutLinkStopsTrafficUntilRestored() {
    TestHost host2 = testHosts.host(2);
    host2.cutLink();

    assertThat(ping(1, host2.address()).succeeded()).as("host 1 pings cut-off host 2").isFalse();
    assertThat(ping(2, testHosts.host(1).address()).succeeded())
        .as("cut-off host 2 pings host 1")
        .isFalse();
    assertThat(ping(2, "127.0.0.1").succeeded()).as("cut-off host 2 pings its loopback").isTrue();

    host2.restoreLink();
    await()
        .atMost(WAIT_MAX)
        .pollInterval(POLL_INTERVAL)
        .until(() -> ping(1, host2.address()).succeeded());
  }

  @Test
  @DisplayName("a host has no route out of the bridge subnet")
  void hostHasNoRouteOut() {
    // `ip route get` only asks the routing table; it sends no packet.
    ProcessResult outside = testHosts.host(1).run(COMMAND_TIMEOUT, "ip", "route", "get", "1.1.1.1");
    assertThat(outside.succeeded()).isFalse();
    assertThat(outside.errorOutput()).contains("Network is unreachable");

    ProcessResult peer =
        testHosts.host(1).run(COMMAND_TIMEOUT, "ip", "route", "get", testHosts.host(2).address());
    assertThat(peer.succeeded()).as(peer.describe()).isTrue();
    assertThat(peer.output()).contains("dev eth0");
  }

  @Test
  @DisplayName("close kills a process tree started on a host")
  void closeKillsStartedProcesses(@TempDir Path directory) {
    Process shell =
        testHosts
            .host(1)
            .start(
                List.of("sh", "-c", "sleep 30 & echo started; wait"),
                directory.resolve("host1.log"),
                Map.of());
    await()
        .atMost(WAIT_MAX)
        .pollInterval(POLL_INTERVAL)
        .until(() -> shell.toHandle().children().findAny().isPresent());
    ProcessHandle sleeper = shell.toHandle().children().findFirst().orElseThrow();

    testHosts.close();

    // close returns only once the whole tree has exited.
    assertThat(TestHosts.hasExited(shell.toHandle())).as("shell pid " + shell.pid()).isTrue();
    assertThat(TestHosts.hasExited(sleeper)).as("its child sleep, pid " + sleeper.pid()).isTrue();
  }

  @Test
  @DisplayName("pause stops a process (state T) and resume lets it run again")
  void pauseAndResumeChangeProcessState(@TempDir Path directory) {
    TestHost host = testHosts.host(2);
    Process sleeper =
        host.start(List.of("sleep", "30"), directory.resolve("host2.log"), Map.of("LC_ALL", "C"));
    long pid = sleeper.pid();

    host.pause(pid);
    await().atMost(WAIT_MAX).pollInterval(POLL_INTERVAL).until(() -> processState(pid).equals("T"));

    host.resume(pid);
    await().atMost(WAIT_MAX).pollInterval(POLL_INTERVAL).until(() -> processState(pid).equals("S"));

    host.kill(pid);
    await()
        .atMost(WAIT_MAX)
        .pollInterval(POLL_INTERVAL)
        .until(() -> TestHosts.hasExited(sleeper.toHandle()));
  }

  @Test
  @DisplayName("close removes every namespace and link of the run, and a second close does nothing")
  void closeLeavesNothingBehind() {
    String runId = testHosts.runId();
    assertThat(Runs.resourcesOf(runId, Runs.linkNames(), Runs.namespaceNames())).isNotEmpty();

    testHosts.close();
    testHosts.close();

    assertThat(Runs.linkNames())
        .noneMatch(name -> name.startsWith("of" + runId) || name.equals("ofb" + runId));
    assertThat(Runs.namespaceNames()).noneMatch(name -> name.startsWith("of" + runId));
    assertThat(Runs.OWNER_DIRECTORY.resolve(runId)).doesNotExist();
  }

  @Test
  @DisplayName("cleanupStale removes a crashed run's leftovers and keeps live runs")
  void cleanupStaleRemovesLeftoversOfCrashedRuns() throws IOException {
    String crashedRun = unusedRunId();
    String namespace = Runs.namespace(crashedRun, 1);
    Commands.check(Runs.ip("link", "add", "name", Runs.bridge(crashedRun), "type", "bridge"));
    Commands.check(Runs.ip("netns", "add", namespace));
    Commands.check(
        Runs.ip(
            "link",
            "add",
            "name",
            namespace,
            "type",
            "veth",
            "peer",
            "name",
            Runs.bridgePort(crashedRun, 1)));
    // The owner file of a crashed run names a pid that no longer runs.
    Files.writeString(Runs.OWNER_DIRECTORY.resolve(crashedRun), Long.MAX_VALUE + " 0\n");

    TestHosts.cleanupStale();

    assertThat(Runs.resourcesOf(crashedRun, Runs.linkNames(), Runs.namespaceNames())).isEmpty();
    assertThat(Runs.OWNER_DIRECTORY.resolve(crashedRun)).doesNotExist();
    assertThat(Runs.resourcesOf(testHosts.runId(), Runs.linkNames(), Runs.namespaceNames()))
        .as("the live run")
        .hasSize(5);
    assertThat(ping(1, testHosts.host(2).address()).succeeded()).isTrue();
  }

  private static String unusedRunId() {
    for (int attempt = 0; attempt < 100; attempt++) {
      String runId = Runs.randomId();
      if (Runs.resourcesOf(runId, Runs.linkNames(), Runs.namespaceNames()).isEmpty()
          && !Files.exists(Runs.OWNER_DIRECTORY.resolve(runId))) {
        return runId;
      }
    }
    throw new IllegalStateException("no unused run id in 100 draws");
  }

  private ProcessResult ping(int fromHost, String address) {
    return testHosts.host(fromHost).run(COMMAND_TIMEOUT, "ping", "-c", "1", "-W", "1", address);
  }

  /** The state letter of /proc/&lt;pid&gt;/stat: after the ")" that ends the command name. */
  private static String processState(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  }
}
