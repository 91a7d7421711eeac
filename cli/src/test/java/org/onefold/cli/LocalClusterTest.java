package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ssi up, cluster and down with real daemons (bin/ssid) on 127.0.1.x. Skipped until the node module
 * builds a daemon: it needs node/target/onefold-node-*.jar holding org.onefold.node.Ssid.
 */
class LocalClusterTest {
  @TempDir Path temporary;
  private Path cluster;
  private Map<String, String> environment;

  @BeforeEach
  void requireADaemon() throws Exception {
    String home = System.getProperty("onefold.home");
    Assumptions.assumeTrue(home != null, "onefold.home is not set");
    Path classes =
        Path.of(home, "node", "target", "classes", "org", "onefold", "node", "Ssid.class");
    Assumptions.assumeTrue(
        Files.exists(classes) && Files.isExecutable(Path.of(home, "bin", "ssid")),
        "no daemon built in " + home);
    cluster = temporary.resolve("cluster");
    environment = Map.of("HOME", temporary.toString(), "ONEFOLD_CLUSTER_DIR", cluster.toString());
  }

  @AfterEach
  void stopEverything() {
    if (cluster != null && Files.exists(cluster)) {
      Invocation.run(environment, "down", "--dir", cluster.toString(), "--purge");
    }
  }

  @Test
  void threeNodesComeUpAnswerAndGoAway() {
    Invocation up = Invocation.run(environment, "up", "--nodes", "3", "--dir", cluster.toString());
    assertThat(up.status()).as("ssi up: %s%s", up.out(), up.err()).isZero();
    assertThat(up.out()).contains("export SSI_SOCKET=" + cluster.resolve("node1/ssid.sock"));

    // Without --socket or SSI_SOCKET the command finds the default cluster directory's first node.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Invocation status = Invocation.run(environment, "cluster", "--json");
              assertThat(status.status()).as(status.err()).isZero();
              assertThat(status.out())
                  .contains(
                      "\"address\":\"127.0.1.1:",
                      "\"address\":\"127.0.1.2:",
                      "\"address\":\"127.0.1.3:")
                  .doesNotContain("\"state\":\"down\"")
                  .contains("\"role\":\"leader\"");
            });

    Invocation down = Invocation.run(environment, "down", "--dir", cluster.toString(), "--purge");
    assertThat(down.status()).as(down.err()).isZero();
    assertThat(down.out()).contains("stopped node 1", "stopped node 2", "stopped node 3");
    assertThat(cluster).doesNotExist();
  }
}
