package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessTableTest {
  private static final List<String> SLEEP = List.of("sleep", "60");
  private static final ProcessTable.Start ATTACHED = new ProcessTable.Start(0, false);

  @Test
  void node_2_gives_cpids_from_131073_on() {
    ProcessTable table = new ProcessTable(2, 10);
    assertThat(table.reserve()).contains(131073);
    assertThat(table.reserve()).contains(131074);
    assertThat(Cpids.nodeOf(131074)).isEqualTo(2);
    assertThat(Cpids.seqOf(131074)).isEqualTo(2);
  }

  @Test
  void a_freed_cpid_is_not_given_again_at_once_and_seqs_wrap() {
    ProcessTable table = new ProcessTable(1, 3);
    int first = table.reserve().orElseThrow();
    table.release(first);
    assertThat(table.reserve()).as("the next seq, not the freed one").contains(Cpids.of(1, 2));

    ProcessTable wrapping = new ProcessTable(1, 3);
    for (int seq = 1; seq < Cpids.SEQ_MAX; seq++) {
      wrapping.release(wrapping.reserve().orElseThrow());
    }
    int kept = wrapping.reserve().orElseThrow();
    assertThat(kept).isEqualTo(Cpids.of(1, Cpids.SEQ_MAX));
    assertThat(wrapping.reserve()).as("wraps to 1").contains(Cpids.of(1, 1));
  }

  @Test
  void a_full_table_gives_no_cpid_until_one_is_reaped() {
    ProcessTable table = new ProcessTable(1, 2);
    int first = table.reserve().orElseThrow();
    table.started(first, 100, 5, 1000, SLEEP, 0, ATTACHED);
    table.reserve().orElseThrow();
    assertThat(table.reserve()).isEmpty();

    table.exited(first, new ProcessTable.Ending(0, 0));
    assertThat(table.reserve()).as("an exited process not yet reaped still counts").isEmpty();
    table.reap(first);
    assertThat(table.reserve()).isPresent();
  }

  @Test
  void an_exited_process_keeps_its_status_until_reaped_and_leaves_the_pid_index() {
    ProcessTable table = new ProcessTable(3, 10);
    int cpid = table.reserve().orElseThrow();
    table.started(cpid, 4242, 5, 1000, SLEEP, 77, ATTACHED);
    assertThat(table.byPid(4242)).map(ProcessTable.Entry::cpid).contains(cpid);

    assertThat(table.exited(cpid, new ProcessTable.Ending(137, 9))).isTrue();
    assertThat(table.exited(cpid, new ProcessTable.Ending(0, 0))).as("ends once").isFalse();
    assertThat(table.get(cpid).orElseThrow().ending()).contains(new ProcessTable.Ending(137, 9));
    assertThat(table.byPid(4242)).as("the pid may be reused by the system").isEmpty();

    table.reap(cpid);
    assertThat(table.get(cpid)).isEmpty();
    assertThat(table.all()).isEmpty();
  }

  @Test
  void reserved_but_unstarted_cpids_are_not_listed_and_other_nodes_cpids_are_unknown() {
    ProcessTable table = new ProcessTable(1, 10);
    int reserved = table.reserve().orElseThrow();
    assertThat(table.all()).isEmpty();
    assertThat(table.get(reserved)).isEmpty();
    assertThat(table.get(Cpids.of(2, 1))).isEmpty();
    assertThatThrownBy(() -> table.exited(Cpids.of(2, 1), new ProcessTable.Ending(0, 0)))
        .hasMessageContaining("not of node 1");
    assertThatThrownBy(() -> table.started(Cpids.of(1, 9), 1, 5, 0, SLEEP, 0, ATTACHED))
        .hasMessageContaining("was not reserved");
  }

  @Test
  void processes_seen_are_adopted_once_and_forgotten_when_gone_even_if_their_pid_returns() {
    ProcessTable table = new ProcessTable(2, 10);
    ProcessTable.Seen shell = new ProcessTable.Seen(300, 1_000);
    int cpid = table.adopt(shell, 1000, List.of("sh"), 5).orElseThrow();
    assertThat(table.adopt(shell, 1000, List.of("sh"), 6)).as("seen again").contains(cpid);

    ProcessTable.Seen reused = new ProcessTable.Seen(300, 2_000);
    assertThat(table.byPid(reused)).as("same pid, later start: another process").isEmpty();
    table.keepAdopted(java.util.Set.of(reused));
    assertThat(table.get(cpid)).isEmpty();
    assertThat(table.adopt(reused, 1000, List.of("vi"), 7).orElseThrow()).isNotEqualTo(cpid);
  }

  @Test
  void a_look_at_proc_never_forgets_a_started_process() {
    ProcessTable table = new ProcessTable(2, 10);
    int cpid = table.reserve().orElseThrow();
    table.started(cpid, 400, 9, 1000, SLEEP, 0, ATTACHED);
    table.keepAdopted(java.util.Set.of());
    assertThat(table.get(cpid)).isPresent();
  }

  @Test
  void children_of_a_node_that_went_down_are_given_to_init() {
    ProcessTable table = new ProcessTable(3, 10);
    long parentOnNode2 = Cpids.of(2, 7);
    long parentOnNode4 = Cpids.of(4, 1);
    int child = table.reserve().orElseThrow();
    table.started(child, 300, 1, 1000, SLEEP, 0, new ProcessTable.Start(parentOnNode2, true));
    int cousin = table.reserve().orElseThrow();
    table.started(cousin, 301, 1, 1000, SLEEP, 0, new ProcessTable.Start(parentOnNode4, false));
    int orphanAlready = table.reserve().orElseThrow();
    table.started(orphanAlready, 302, 1, 1000, SLEEP, 0, ATTACHED);

    assertThat(table.orphan(2)).isEqualTo(1);
    assertThat(table.get(child).orElseThrow().parentCpid()).isEqualTo(ProcessTable.INIT_CPID);
    assertThat(table.get(child).orElseThrow().detached()).isTrue();
    assertThat(table.get(cousin).orElseThrow().parentCpid()).isEqualTo(parentOnNode4);
    assertThat(table.get(orphanAlready).orElseThrow().parentCpid()).isZero();
    assertThat(table.orphan(2)).as("init's children stay init's").isZero();
  }

  @Test
  void the_cpids_held_include_those_reserved_for_a_start() {
    ProcessTable table = new ProcessTable(2, 10);
    int reserved = table.reserve().orElseThrow();
    int started = table.reserve().orElseThrow();
    table.started(started, 500, 1, 0, SLEEP, 0, ATTACHED);
    assertThat(table.cpids()).containsExactlyInAnyOrder(reserved, started);
    assertThat(table.all()).extracting(ProcessTable.Entry::cpid).containsExactly(started);
  }
}
