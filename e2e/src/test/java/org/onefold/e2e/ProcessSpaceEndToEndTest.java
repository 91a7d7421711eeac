package org.onefold.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.client.ProgramEvent;
import org.onefold.client.ProgramRun;
import org.onefold.client.ProgramStart;

/**
 * The single process space on a local cluster of three real daemons, used as a user uses it: {@code
 * ssi onnode} (a program on another node, its output, its input, its status), {@code ssi ps},
 * {@code ssi kill}, {@code ssi where}. One cluster serves every test here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessSpaceEndToEndTest {
  private static final int NODES = 3;

  /** Bytes carried through stdin and stdout: several gRPC and socket buffers' worth. */
  private static final int PAYLOAD_BYTES = 3 * 1024 * 1024 + 17;

  private Path temporary;
  private LocalCluster cluster;

  @BeforeAll
  void upThreeNodes(@TempDir Path directory) {
    temporary = directory;
    cluster = LocalCluster.up(temporary, NODES);
  }

  @AfterAll
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a program on node 2 prints on our stdout and stderr and its status is ours")
  void outputAndStatusComeBack() {
    Programs.Result run =
        cluster.ssiOn(1, "onnode", "2", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(run.status()).as(run.describe()).isEqualTo(3);
    assertThat(run.out()).isEqualTo("out\n");
    assertThat(run.err()).isEqualTo("err\n");
  }

  @Test
  @DisplayName("options after the node are the program's, and it runs in our directory as us")
  void theProgramGetsItsOptionsOurDirectoryAndOurUser() throws IOException {
    Path directory = Files.createDirectories(temporary.resolve("work dir"));
    Programs.Result run =
        cluster.ssiOnIn(
            directory, 1, "onnode", "3", "sh", "-c", "pwd; id -u; echo $ONEFOLD_TEST", "-x");
    assertThat(run.status()).as(run.describe()).isZero();
    assertThat(run.out().lines().toList())
        .containsExactly(directory.toString(), Long.toString(currentUid()), "travels");
  }

  @Test
  @DisplayName("stdin and stdout carry megabytes of binary data both ways, byte for byte")
  void binaryDataGoesBothWaysIntact() throws Exception {
    byte[] payload = new byte[PAYLOAD_BYTES];
    new Random(7).nextBytes(payload);
    Path input = Files.write(temporary.resolve("payload.bin"), payload);
    Path output = temporary.resolve("echoed.bin");
    Programs.Result run =
        Programs.run(
            temporary,
            cluster.environmentOf(1),
            Optional.of(input),
            List.of(
                "/bin/sh",
                "-c",
                "\"$0\" onnode 2 cat > \"$1\"",
                Programs.ssi().toString(),
                output.toString()));
    assertThat(run.status()).as(run.describe()).isZero();
    assertThat(sha256(Files.readAllBytes(output))).isEqualTo(sha256(payload));
  }

  @Test
  @DisplayName(
      "when our reader goes away (| head), ssi onnode ends with 141, as a writer killed by"
          + " SIGPIPE does")
  void aClosedStdoutEndsTheRun() {
    Programs.Result run =
        Programs.run(
            temporary,
            cluster.environmentOf(1),
            Optional.empty(),
            List.of(
                "/bin/bash",
                "-c",
                "\"$0\" onnode 2 cat /dev/zero | head -c 1000000 | wc -c;"
                    + " echo \"${PIPESTATUS[0]}\"",
                Programs.ssi().toString()));
    assertThat(run.status()).as(run.describe()).isZero();
    assertThat(run.out().lines().toList()).containsExactly("1000000", "141");
  }

  @Test
  @DisplayName(
      "ssi onall true twenty times in a row: every run of every node starts and ends with 0"
          + " (programs that end at once, starts racing on each node)")
  void onallOfQuickProgramsNeverLosesARun() {
    for (int round = 0; round < 20; round++) {
      Programs.Result run = cluster.ssiOn(1, "onall", "true");
      assertThat(run.status()).as("round %d: %s", round, run.describe()).isZero();
      assertThat(run.err()).as("round %d", round).isEmpty();
    }
  }

  @Test
  @DisplayName("a program killed by signal 9 gives 137; not found 127; not executable 126")
  void statusesAsAShellGivesThem() throws IOException {
    assertThat(cluster.ssiOn(1, "onnode", "2", "sh", "-c", "kill -9 $$").status()).isEqualTo(137);
    Programs.Result missing = cluster.ssiOn(1, "onnode", "2", "no-such-program-here");
    assertThat(missing.status()).as(missing.describe()).isEqualTo(127);
    assertThat(missing.err()).contains("no-such-program-here");
    Path notExecutable = Files.writeString(temporary.resolve("not-executable"), "echo no\n");
    Programs.Result refused = cluster.ssiOn(1, "onnode", "2", notExecutable.toString());
    assertThat(refused.status()).as(refused.describe()).isEqualTo(126);
  }

  @Test
  @DisplayName("ssi onall runs on every node at once, prefixes lines, and exits with the highest")
  void onallRunsEverywhere() {
    Programs.Result run =
        cluster.ssiOn(
            2,
            "onall",
            "sh",
            "-c",
            // SSI_NODE is the running node's number: exit k.
            "echo \"on $0\"; exit $SSI_NODE",
            "x");
    assertThat(run.out().lines().sorted().toList())
        .containsExactly("node1: on x", "node2: on x", "node3: on x");
    assertThat(run.status()).as("node3's program exits 3").isEqualTo(3);
  }

  @Test
  @DisplayName("an argument past the kernel's limit is refused with a clear error, not a crash")
  void argumentsPastTheLimitAreRefused() {
    // One argument of 200 KiB: past MAX_ARG_STRLEN (128 KiB), so exec fails with E2BIG.
    String huge = "x".repeat(200 * 1024);
    try (OnefoldClient client =
        OnefoldClient.connect(Path.of(cluster.environmentOf(1).get("SSI_SOCKET")))) {
      assertThatThrownBy(
              () -> client.run(ProgramStart.of(List.of("echo", huge), "/").onNode(2)).next())
          .isInstanceOf(OnefoldException.class)
          .hasMessageContaining("cannot start echo")
          .hasMessageContaining("Argument list too long");

      // On all nodes, each node's refusal is that node's lost run, and the others still report.
      List<ProgramEvent> events = new ArrayList<>();
      try (ProgramRun all = client.run(ProgramStart.of(List.of("echo", huge), "/").onAllNodes())) {
        while (events.size() < 10) {
          events.add(all.next());
        }
      } catch (OnefoldException closed) {
        // The node closed the connection once every run had ended.
      }
      assertThat(events)
          .allSatisfy(
              event ->
                  assertThat(event)
                      .isInstanceOfSatisfying(
                          ProgramEvent.Lost.class,
                          lost -> assertThat(lost.reason()).contains("Argument list too long")))
          .extracting(ProgramEvent::node)
          .containsExactlyInAnyOrder(1, 2, 3);
    }
    Programs.Result after = cluster.ssiOn(1, "onnode", "2", "true");
    assertThat(after.status()).as("node 2 still runs programs").isZero();
  }

  @Test
  @DisplayName("an unknown node is a usage error: 'ssi: no node 9 (nodes: 1-3)', exit 2")
  void unknownNode() {
    Programs.Result run = cluster.ssiOn(1, "onnode", "9", "true");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly("ssi: no node 9 (nodes: 1-3)");
  }

  @Test
  @DisplayName("a program started on node 2 gets a cpid of node 2 (131073 and up)")
  void theCpidIsOfTheRunningNode() {
    Programs.Result run = cluster.ssiOn(3, "onnode", "-v", "2", "true");
    assertThat(run.status()).as(run.describe()).isZero();
    assertThat(run.errLines()).hasSize(1);
    String line = run.errLines().getFirst();
    assertThat(line).startsWith("ssi: cpid 131").endsWith(" on node 2");
    long cpid = Long.parseLong(line.split(" ")[2]);
    assertThat(cpid >> 16).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "a client that disappears mid-run hangs the program up (SIGHUP), as a closed terminal")
  void aVanishedClientHangsTheProgramUp() throws IOException {
    String marker = Long.toString(System.nanoTime() % 100_000 + 200_000);
    Process client = cluster.ssiInBackground(1, "hangup", "onnode", "2", "sleep", marker);
    try {
      await("the program running on node 2")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> LocalCluster.sleeping(marker).isPresent());
      ProcessHandle program = LocalCluster.sleeping(marker).orElseThrow();

      client.destroyForcibly();

      await("the program hung up").atMost(Duration.ofSeconds(10)).until(() -> !program.isAlive());
    } finally {
      client.destroyForcibly();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @DisplayName(
      "a program on node 2 and its child are listed from node 3 with cpids of node 2, found by"
          + " where, and killed from node 1; its onnode reports 128+15")
  void psWhereAndKillAcrossNodes() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 300_000);
    Process client =
        cluster.ssiInBackground(1, "ps", "onnode", "2", "sh", "-c", "sleep " + marker + " & wait");
    try {
      await("the program and its child listed from node 3")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> cluster.ssiOn(3, "ps").out().contains("sleep " + marker));
      Programs.Result ps = cluster.ssiOn(3, "ps", "-n", "2");
      assertThat(ps.status()).as(ps.describe()).isZero();
      String shell = lineWith(ps.out(), "sh -c sleep " + marker);
      String child = lineWith(ps.out(), "  sleep " + marker);
      long shellCpid = Long.parseLong(shell.split("\\s+")[0]);
      long childCpid = Long.parseLong(child.split("\\s+")[0]);
      assertThat(shellCpid >> 16).as("node of %s", shell).isEqualTo(2);
      assertThat(childCpid >> 16).as("node of %s", child).isEqualTo(2);
      assertThat(child.split("\\s+")[4]).as("the child's PPID").isEqualTo(Long.toString(shellCpid));
      assertThat(child.split("\\s+")[5]).as("the child's PGID").isEqualTo(Long.toString(shellCpid));

      Programs.Result json = cluster.ssiOn(3, "ps", "--json");
      assertThat(json.out())
          .contains("\"cpid\":" + childCpid)
          .contains("\"cmd\":\"sleep " + marker + "\"");

      Programs.Result where = cluster.ssiOn(1, "where", Long.toString(childCpid));
      assertThat(where.out()).isEqualTo("2\n");

      Programs.Result kill = cluster.ssiOn(1, "kill", Long.toString(shellCpid));
      assertThat(kill.status()).as(kill.describe()).isZero();
      assertThat(client.waitFor(Programs.RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(client.exitValue()).as("sh ended by SIGTERM").isEqualTo(128 + 15);

      Programs.Result again = cluster.ssiOn(1, "kill", "-9", Long.toString(shellCpid));
      assertThat(again.status()).isEqualTo(1);
      assertThat(again.errLines())
          .containsExactly("ssi: kill: (" + shellCpid + ") - No such process");
      Programs.Result group = cluster.ssiOn(1, "kill", "-KILL", "--", "-" + shellCpid);
      assertThat(group.status()).as("the group's leader is gone").isEqualTo(1);
    } finally {
      client.destroyForcibly();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @DisplayName(
      "a descendant that leaves its session (setsid) and outlives its program is still listed"
          + " and killed from another node (a cgroup per program)")
  void aDescendantThatLeftTheSessionIsStillKnown() throws Exception {
    assumeTrue(
        currentUid() == 0
            && Files.readString(Path.of("/proc/self/mountinfo")).contains(" - cgroup2 "),
        "program cgroups need a root daemon and a cgroup2 mount; without them descendants are"
            + " known by their session only");
    String marker = Long.toString(System.nanoTime() % 100_000 + 900_000);
    Programs.Result run =
        cluster.ssiOn(
            1,
            "onnode",
            "2",
            "sh",
            "-c",
            "setsid sleep " + marker + " </dev/null >/dev/null 2>&1 &");
    try {
      assertThat(run.status()).as(run.describe()).isZero();
      await("the daemonized sleep listed from node 3")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> cluster.ssiOn(3, "ps").out().contains("sleep " + marker));
      String line = lineWith(cluster.ssiOn(3, "ps").out(), "sleep " + marker);
      long cpid = Long.parseLong(line.strip().split("\\s+")[0]);
      assertThat(cpid >> 16).as("node of %s", line).isEqualTo(2);
      ProcessHandle sleep = LocalCluster.sleeping(marker).orElseThrow();

      Programs.Result kill = cluster.ssiOn(1, "kill", Long.toString(cpid));
      assertThat(kill.status()).as(kill.describe()).isZero();
      await("the sleep killed").atMost(Duration.ofSeconds(10)).until(() -> !sleep.isAlive());
    } finally {
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @DisplayName("when the program's node dies, ssi onnode says so and exits 255")
  void theDeathOfTheRunningNodeEndsTheRun() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 400_000);
    Process client = cluster.ssiInBackground(1, "lost", "onnode", "3", "sleep", marker);
    try {
      await("the program running on node 3")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> LocalCluster.sleeping(marker).isPresent());

      cluster.kill(3);

      assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(client.exitValue())
          .as("exit status; stderr: %s", cluster.errOf("lost"))
          .isEqualTo(255);
      assertThat(cluster.errOf("lost")).startsWith("ssi: ").contains("node 3");
    } finally {
      client.destroyForcibly();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
      cluster.restart();
    }
  }

  @Test
  @DisplayName(
      "on a terminal, vi runs on node 2 through ssi onnode: the test types text and :wq, the file"
          + " is written, and the terminal's size reached node 2")
  void viOnAnotherNodeThroughATerminal() throws Exception {
    Path file = temporary.resolve("newfile");
    Terminal terminal =
        Terminal.start(
            List.of(Programs.ssi().toString(), "onnode", "2", "vi", "-u", "NONE", file.toString()),
            cluster.environmentOf(1),
            40,
            120);
    try {
      terminal.awaitOutput("~");
      terminal.type("ihello from node 2\u001b");
      terminal.type(":wq\r");
      assertThat(terminal.awaitExit()).as("vi's status; screen: %s", terminal.screen()).isZero();
      assertThat(Files.readString(file)).isEqualTo("hello from node 2\n");
    } finally {
      terminal.close();
    }
    Terminal size =
        Terminal.start(
            List.of(Programs.ssi().toString(), "onnode", "3", "stty", "size"),
            cluster.environmentOf(1),
            33,
            101);
    try {
      assertThat(size.awaitExit()).isZero();
      assertThat(size.screen()).contains("33 101");
    } finally {
      size.close();
    }
  }

  @Test
  @DisplayName(
      "job control across nodes: Ctrl-Z stops the remote job and ssi onnode, fg continues both,"
          + " Ctrl-C ends it with 130")
  void jobControlAcrossNodes() throws Exception {
    String marker = Long.toString(System.nanoTime() % 100_000 + 500_000);
    Map<String, String> environment = new HashMap<>(cluster.environmentOf(1));
    environment.put("PS1", "prompt$ ");
    Terminal shell =
        Terminal.start(List.of("/bin/bash", "--norc", "--noprofile", "-i"), environment, 40, 120);
    try {
      shell.type(Programs.ssi() + " onnode 2 sleep " + marker + "\r");
      await("the remote sleep")
          .atMost(Programs.RUN_TIMEOUT)
          .until(() -> LocalCluster.sleeping(marker).isPresent());
      ProcessHandle remote = LocalCluster.sleeping(marker).orElseThrow();

      shell.type("\u001a");
      shell.awaitOutput("Stopped");
      await("the remote job stopped")
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(remote) == 'T');

      shell.type("fg\r");
      await("the remote job running again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(remote) == 'S');

      shell.type("\u0003");
      await("the remote job ended").atMost(Duration.ofSeconds(10)).until(() -> !remote.isAlive());
      await("ssi onnode ended")
          .atMost(Duration.ofSeconds(10))
          .until(() -> shell.screen().endsWith("prompt$ "));
      shell.type("echo status=$?\r");
      shell.awaitOutput("status=130");
      shell.type("exit\r");
    } finally {
      shell.close();
      LocalCluster.sleeping(marker).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** The state letter of a process from /proc (R, S, T, ...), '?' if it is gone. */
  private static char state(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return '?';
    }
  }

  private static String lineWith(String table, String text) {
    return table
        .lines()
        .filter(line -> line.contains(text))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line with '" + text + "' in:\n" + table));
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static long currentUid() {
    return new com.sun.security.auth.module.UnixSystem().getUid();
  }
}
