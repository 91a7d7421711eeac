package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.onefold.proto.proc.ProcessInfo;

class ProcessFormatTest {
  private static final ProcessInfo VI =
      ProcessInfo.newBuilder()
          .setCpid(131074)
          .setNode(2)
          .setPid(4242)
          .setUid(1000)
          .setUser("ann")
          .setPpid(131073)
          .setPgid(131074)
          .setStat("S")
          .setCpuMillis(83_000)
          .setCommand("vi /tmp/newfile")
          .build();

  @Test
  void signals_by_number_name_or_sig_name_in_any_case() {
    assertThat(SignalNames.number("9")).contains(9);
    assertThat(SignalNames.number("KILL")).contains(9);
    assertThat(SignalNames.number("sigterm")).contains(15);
    assertThat(SignalNames.number("TSTP")).contains(20);
    assertThat(SignalNames.number("0")).contains(0);
    assertThat(SignalNames.number("FOO")).isEmpty();
    assertThat(SignalNames.number("65")).isEmpty();
    assertThat(SignalNames.number("")).isEmpty();
  }

  @Test
  void the_table_has_ps_columns_and_cpu_time_as_minutes_and_seconds() {
    assertThat(PsFormat.table(List.of(VI)))
        .isEqualTo(
            "CPID    NODE  PID   USER  PPID    PGID    STAT  TIME  CMD\n"
                + "131074  2     4242  ann   131073  131074  S     1:23  vi /tmp/newfile\n");
  }

  @Test
  void json_is_an_array_of_objects_with_lower_case_fields() {
    assertThat(PsFormat.json(List.of(VI)))
        .isEqualTo(
            "[{\"cpid\":131074,\"node\":2,\"pid\":4242,\"user\":\"ann\",\"ppid\":131073,"
                + "\"pgid\":131074,\"stat\":\"S\",\"time\":\"1:23\",\"cmd\":\"vi /tmp/newfile\"}]");
  }
}
