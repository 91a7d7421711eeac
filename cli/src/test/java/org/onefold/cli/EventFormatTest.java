package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.onefold.proto.Event;
import org.onefold.proto.KeyDeleted;
import org.onefold.proto.KeyPut;
import org.onefold.proto.KeyValue;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeDown;
import org.onefold.proto.NodeJoined;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeUp;
import org.onefold.proto.RolesChanged;

class EventFormatTest {
  private static final long TIME = Instant.parse("2025-03-01T10:00:00.125Z").toEpochMilli();

  private static Event.Builder at(long revision) {
    return Event.newBuilder().setRevision(revision).setTimeMillis(TIME);
  }

  @Test
  void membershipEventsReadAsSentences() {
    Event joined =
        at(3)
            .setNodeJoined(
                NodeJoined.newBuilder()
                    .setNode(
                        NodeRecord.newBuilder()
                            .setNode(2)
                            .setIncarnation(1)
                            .setAddress(
                                NodeAddress.newBuilder().setHost("127.0.1.2").setRpcPort(7701))))
            .build();
    Event up = at(4).setNodeUp(NodeUp.newBuilder().setNode(2).setIncarnation(1)).build();
    Event down =
        at(5)
            .setNodeDown(
                NodeDown.newBuilder().setNode(2).setIncarnation(1).setReason("silent for 500 ms"))
            .build();
    Event roles =
        at(6)
            .setRolesChanged(
                RolesChanged.newBuilder().addAllVoters(List.of(1, 2, 3)).addNonvoters(4))
            .build();
    assertThat(EventFormat.membershipLine(joined))
        .hasValue("2025-03-01T10:00:00.125Z rev 3 node 2 joined at 127.0.1.2:7701 (incarnation 1)");
    assertThat(EventFormat.membershipLine(up))
        .hasValue("2025-03-01T10:00:00.125Z rev 4 node 2 up (incarnation 1)");
    assertThat(EventFormat.membershipLine(down))
        .hasValue("2025-03-01T10:00:00.125Z rev 5 node 2 down (incarnation 1): silent for 500 ms");
    assertThat(EventFormat.membershipLine(roles))
        .hasValue("2025-03-01T10:00:00.125Z rev 6 roles: voters [1, 2, 3] nonvoters [4]");
    assertThat(EventFormat.membershipJson(roles))
        .hasValue(
            "{\"revision\":6,\"time\":\"2025-03-01T10:00:00.125Z\","
                + "\"event\":\"roles\",\"voters\":[1,2,3],\"nonvoters\":[4]}");
  }

  @Test
  void registryChangesReadAsRevisionVerbKey() {
    Event put =
        at(7)
            .setPut(
                KeyPut.newBuilder()
                    .setEntry(
                        KeyValue.newBuilder()
                            .setKey("jobs/1")
                            .setValue(ByteString.copyFromUtf8("queued"))
                            .setModRevision(7)))
            .build();
    Event binary =
        at(8)
            .setPut(
                KeyPut.newBuilder()
                    .setEntry(
                        KeyValue.newBuilder()
                            .setKey("blob")
                            .setValue(ByteString.copyFrom(new byte[] {0, 1, 2}))))
            .build();
    Event deleted =
        at(9).setDeleted(KeyDeleted.newBuilder().setKey("jobs/1").setCause("node-down")).build();
    assertThat(EventFormat.registryLine(put)).hasValue("7 put jobs/1 queued");
    assertThat(EventFormat.registryLine(binary)).hasValue("8 put blob <3 bytes>");
    assertThat(EventFormat.registryLine(deleted)).hasValue("9 delete jobs/1 (node-down)");
  }

  @Test
  void eachCommandShowsOnlyItsOwnFamily() {
    Event up = at(4).setNodeUp(NodeUp.newBuilder().setNode(2).setIncarnation(1)).build();
    Event deleted =
        at(9).setDeleted(KeyDeleted.newBuilder().setKey("k").setCause("delete")).build();
    assertThat(EventFormat.registryLine(up)).isEmpty();
    assertThat(EventFormat.registryJson(up)).isEmpty();
    assertThat(EventFormat.membershipLine(deleted)).isEmpty();
    assertThat(EventFormat.membershipJson(deleted)).isEmpty();
  }
}
