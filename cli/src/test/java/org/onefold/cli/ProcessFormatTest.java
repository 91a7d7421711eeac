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

  private static ProcessInfo process(long cpid, long ppid, String command) {
    return VI.toBuilder().setCpid(cpid).setPpid(ppid).setPgid(cpid).setCommand(command).build();
  }

  @Test
  void the_tree_puts_each_process_under_its_parent() {
    String tree =
        PsFormat.tree(
            List.of(
                process(131075, 131073, "sleep 1"),
                process(131073, 0, "sh -c job"),
                process(131076, 131075, "sleep 2"),
                process(131074, 131073, "vi"),
                process(65537, 0, "top")));
    List<String> lines = tree.lines().toList();
    int command = lines.getFirst().indexOf("CMD");
    assertThat(lines.stream().skip(1).map(line -> line.substring(command)).toList())
        .containsExactly("top", "sh -c job", " \\_ vi", " \\_ sleep 1", "     \\_ sleep 2");
  }

  @Test
  void parents_that_point_at_each_other_are_still_shown() {
    String tree =
        PsFormat.tree(List.of(process(131073, 131074, "a"), process(131074, 131073, "b")));
    assertThat(tree.lines().skip(1).toList()).hasSize(2);
  }
}
