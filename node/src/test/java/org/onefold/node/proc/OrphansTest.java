package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.onefold.proto.proc.ProcessInfo;

class OrphansTest {
  private static ProcessInfo started(long cpid, long ppid) {
    return ProcessInfo.newBuilder()
        .setCpid(cpid)
        .setNode(Cpids.nodeOf(cpid))
        .setPpid(ppid)
        .setStarted(true)
        .build();
  }

  @Test
  void a_started_program_whose_parent_on_another_node_is_gone_is_inits() {
    long script = Cpids.of(2, 1);
    long childOfLiving = Cpids.of(3, 1);
    long childOfGone = Cpids.of(3, 2);
    List<ProcessInfo> shown =
        ClusterProcesses.orphansToInit(
            List.of(
                started(script, 0),
                started(childOfLiving, script),
                started(childOfGone, Cpids.of(2, 9))),
            Set.of(2, 3));
    assertThat(shown)
        .extracting(ProcessInfo::getPpid)
        .containsExactly(0L, script, ProcessTable.INIT_CPID);
  }

  @Test
  void a_parent_on_a_node_that_did_not_answer_is_left_as_it_is() {
    long child = Cpids.of(3, 1);
    long parentOnSilentNode = Cpids.of(2, 9);
    assertThat(
            ClusterProcesses.orphansToInit(List.of(started(child, parentOnSilentNode)), Set.of(3)))
        .extracting(ProcessInfo::getPpid)
        .containsExactly(parentOnSilentNode);
  }

  @Test
  void processes_that_were_only_seen_keep_their_local_parent() {
    ProcessInfo seen =
        ProcessInfo.newBuilder().setCpid(Cpids.of(3, 4)).setNode(3).setPpid(Cpids.of(3, 1)).build();
    assertThat(ClusterProcesses.orphansToInit(List.of(seen), Set.of(3))).containsExactly(seen);
  }
}
