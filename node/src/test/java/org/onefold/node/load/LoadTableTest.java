package org.onefold.node.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onefold.proto.LoadVector;

class LoadTableTest {
  private final LoadTable table = new LoadTable();
  private final LoadVector busy = LoadVector.newBuilder().setLoadAverage(3).setCpus(2).build();
  private final LoadVector idle = LoadVector.newBuilder().setCpus(2).build();

  @Test
  void the_latest_report_of_a_node_is_given_until_it_goes_stale() {
    table.record(2, busy, 1_000);
    table.record(2, idle, 2_000);
    assertThat(table.fresh(2, 2_000).orElseThrow().load()).isEqualTo(idle);
    assertThat(table.fresh(2, 2_000 + Limits.STALE_MILLIS)).isPresent();
    assertThat(table.fresh(2, 2_001 + Limits.STALE_MILLIS)).isEmpty();
  }

  @Test
  void a_node_that_never_reported_has_no_vector() {
    table.record(2, busy, 1_000);
    assertThat(table.fresh(3, 1_000)).isEmpty();
  }
}
