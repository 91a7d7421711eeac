package org.onefold.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSettingsTest {
  @TempDir Path directory;

  @Test
  void flags_beat_environment_beat_config_file_beat_defaults() throws Exception {
    Files.writeString(
        directory.resolve("ssid.conf"),
        "# comment\ndown-after = 900ms\nvoters-max = 3\naddress=198.18.0.4\n");
    NodeSettings settings =
        NodeSettings.resolve(
            Map.of("dir", directory.toString(), "address", "198.18.0.7"),
            Map.of("SSID_VOTERS_MAX", "1"));
    assertThat(settings.address()).isEqualTo("198.18.0.7");
    assertThat(settings.votersMax()).isEqualTo(1);
    assertThat(settings.downAfter()).isEqualTo(Duration.ofMillis(900));
    assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.socket()).isEqualTo(directory.resolve("ssid.sock"));
  }

  @Test
  void bad_values_name_the_setting_the_value_and_the_source() {
    assertThatThrownBy(
            () ->
                NodeSettings.resolve(
                    Map.of("dir", directory.toString(), "down-after", "fast"), Map.of()))
        .hasMessage(
            "bad down-after 'fast' (from command line): expected a duration such as 250ms, 10s, 5m,"
                + " 24h or 7d");
    assertThatThrownBy(
            () ->
                NodeSettings.resolve(
                    Map.of("dir", directory.toString()), Map.of("SSID_RPC_PORT", "70000")))
        .hasMessageContaining("bad rpc-port '70000' (from environment)");
    assertThatThrownBy(
            () ->
                NodeSettings.resolve(
                    Map.of("dir", directory.toString(), "address", "0.0.0.0"), Map.of()))
        .hasMessageContaining("not 0.0.0.0");
  }

  @Test
  void a_malformed_or_unknown_config_line_is_refused_with_its_place() throws Exception {
    Path config = directory.resolve("ssid.conf");
    Files.writeString(config, "down-after 500ms\n");
    assertThatThrownBy(() -> NodeSettings.resolve(Map.of("dir", directory.toString()), Map.of()))
        .hasMessageContaining("malformed config file " + config + " line 1");
    Files.writeString(config, "downafter = 500ms\n");
    assertThatThrownBy(() -> NodeSettings.resolve(Map.of("dir", directory.toString()), Map.of()))
        .hasMessageContaining("unknown setting 'downafter' in " + config);
  }

  @Test
  void a_detection_limit_below_two_heartbeats_is_refused() {
    assertThatThrownBy(
            () ->
                NodeSettings.resolve(
                    Map.of("dir", directory.toString(), "down-after", "150ms"), Map.of()))
        .hasMessageContaining("at least twice heartbeat-interval");
  }

  @Test
  void shared_paths_are_absolute_directories_outside_cluster_or_none() throws Exception {
    Map<String, String> dir = Map.of("dir", directory.toString());
    assertThat(NodeSettings.resolve(dir, Map.of()).sharedPaths())
        .containsExactly(Path.of("/tmp"), Path.of("/home"), Path.of("/srv"));
    assertThat(NodeSettings.resolve(dir, Map.of("SSID_SHARED_PATHS", "none")).sharedPaths())
        .isEmpty();
    assertThat(
            NodeSettings.resolve(dir, Map.of("SSID_SHARED_PATHS", "/scratch, /var/tmp"))
                .sharedPaths())
        .containsExactly(Path.of("/scratch"), Path.of("/var/tmp"));
    for (String bad :
        List.of("tmp", "/", "/cluster/tmp", "/tmp,/tmp", "/a/../b", "", "/run", "/proc/1")) {
      assertThatThrownBy(() -> NodeSettings.resolve(dir, Map.of("SSID_SHARED_PATHS", bad)))
          .as(bad)
          .hasMessageStartingWith("bad shared-paths '" + bad + "' (from environment): expected");
    }
  }
}
