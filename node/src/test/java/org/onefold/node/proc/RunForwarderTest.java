package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeRecord;

class RunForwarderTest {
  private static List<NodeRecord> nodes(int... numbers) {
    return java.util.Arrays.stream(numbers)
        .mapToObj(number -> NodeRecord.newBuilder().setNode(number).build())
        .toList();
  }

  @Test
  void node_numbers_read_as_ranges() {
    assertThat(RunForwarder.numbers(nodes(3, 1, 2))).isEqualTo("1-3");
    assertThat(RunForwarder.numbers(nodes(1, 2, 3, 5, 7, 8))).isEqualTo("1-3,5,7-8");
    assertThat(RunForwarder.numbers(nodes(4))).isEqualTo("4");
    assertThat(RunForwarder.numbers(nodes())).isEmpty();
  }
}
