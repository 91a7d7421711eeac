package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

class ClusterFormatTest {
  private static final long JOINED = Instant.parse("2025-03-01T10:00:00Z").toEpochMilli();
  private static final long SINCE = Instant.parse("2025-03-01T10:05:30.250Z").toEpochMilli();

  static NodeStatus node(int number, NodeState state, long incarnation, String role) {
    return NodeStatus.newBuilder()
        .setRole(role)
        .setRecord(
            NodeRecord.newBuilder()
                .setNode(number)
                .setAddress(
                    NodeAddress.newBuilder()
                        .setHost("127.0.1." + number)
                        .setRpcPort(7701)
                        .setRaftPort(7702))
                .setState(state)
                .setIncarnation(incarnation)
                .setSinceMillis(SINCE)
                .setJoinedMillis(JOINED))
        .build();
  }

  static ClusterReply threeNodes() {
    return ClusterReply.newBuilder()
        .setClusterId("5b1c2a9e-0000-4000-8000-000000000001")
        .setLeader(2)
        .setSelf(1)
        .setRevision(17)
        .addNodes(node(1, NodeState.NODE_UP, 1, "voter"))
        .addNodes(node(2, NodeState.NODE_UP, 2, "leader"))
        .addNodes(node(3, NodeState.NODE_DOWN, 1, "nonvoter"))
        .setFilesystemLeader(1)
        .addFilesystemReplicas(1)
        .addFilesystemReplicas(2)
        .build();
  }

  @Test
  void jsonHasExactlyTheDocumentedFields() {
    assertThat(ClusterFormat.json(threeNodes()))
        .isEqualTo(
            "{\"cluster\":\"5b1c2a9e-0000-4000-8000-000000000001\",\"leader\":2,\"nodes\":["
                + "{\"node\":1,\"address\":\"127.0.1.1:7701\",\"state\":\"up\",\"incarnation\":1,\"role\":\"voter\","
                + "\"since\":\"2025-03-01T10:05:30.250Z\",\"joined\":\"2025-03-01T10:00:00Z\"},"
                + "{\"node\":2,\"address\":\"127.0.1.2:7701\",\"state\":\"up\",\"incarnation\":2,\"role\":\"leader\","
                + "\"since\":\"2025-03-01T10:05:30.250Z\",\"joined\":\"2025-03-01T10:00:00Z\"},"
                + "{\"node\":3,\"address\":\"127.0.1.3:7701\",\"state\":\"down\",\"incarnation\":1,\"role\":\"nonvoter\","
                + "\"since\":\"2025-03-01T10:05:30.250Z\",\"joined\":\"2025-03-01T10:00:00Z\"}],"
                + "\"filesystem\":{\"leader\":1,\"replicas\":[1,2]}}");
  }

  @Test
  void jsonOfAnEmptyTableHasNoLeader() {
    assertThat(ClusterFormat.json(ClusterReply.newBuilder().setClusterId("c").build()))
        .isEqualTo(
            "{\"cluster\":\"c\",\"leader\":0,\"nodes\":[],"
                + "\"filesystem\":{\"leader\":0,\"replicas\":[]}}");
  }

  @Test
  void tableIsAlignedAndMarksTheLeader() {
    assertThat(ClusterFormat.table(threeNodes()))
        .isEqualTo(
            """
            NODE  ADDRESS         STATE  INCARNATION  ROLE      SINCE
            1     127.0.1.1:7701  up     1            voter     2025-03-01T10:05:30Z
            2*    127.0.1.2:7701  up     2            leader    2025-03-01T10:05:30Z
            3     127.0.1.3:7701  down   1            nonvoter  2025-03-01T10:05:30Z
            """);
  }
}
