package org.onefold.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.onefold.node.transport.JoinToken;
import org.onefold.proto.Event;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeState;
import org.onefold.proto.meta.AddNode;
import org.onefold.proto.meta.Batch;
import org.onefold.proto.meta.Bootstrap;
import org.onefold.proto.meta.DeclareDown;
import org.onefold.proto.meta.Delete;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.NodeStarted;
import org.onefold.proto.meta.Put;
import org.onefold.proto.meta.TokenGrant;

class MetaStateTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private final MetaState state = new MetaState(8);
  private long time = 1_000;

  private static NodeAddress address(int host) {
    return NodeAddress.newBuilder()
        .setHost("198.18.0." + host)
        .setRpcPort(7701)
        .setRaftPort(7702)
        .build();
  }

  private MetaState.Applied apply(MetaCommand.Builder command) {
    time += 10;
    return state.apply(command.setTimeMillis(time).build());
  }

  private MetaState.Applied bootstrap(long tokenExpiresMillis) {
    return apply(
        MetaCommand.newBuilder()
            .setBootstrap(
                Bootstrap.newBuilder()
                    .setClusterId("5f226a0d-a908-4217-b870-9aa694f58118")
                    .setFirstNode(address(1))
                    .setToken(
                        TokenGrant.newBuilder()
                            .setSecretSha256(ByteString.copyFrom(JoinToken.sha256OfSecret(SECRET)))
                            .setExpiresMillis(tokenExpiresMillis))));
  }

  private MetaState.Applied join(String secret, int host) {
    return apply(
        MetaCommand.newBuilder()
            .setAddNode(
                AddNode.newBuilder()
                    .setTokenSecretSha256(ByteString.copyFrom(JoinToken.sha256OfSecret(secret)))
                    .setAddress(address(host))));
  }

  private MetaState.Applied put(int origin, long incarnation, String key, String value) {
    return apply(
        MetaCommand.newBuilder()
            .setOriginNode(origin)
            .setOriginIncarnation(incarnation)
            .setPut(Put.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value))));
  }

  @Test
  void nothing_but_a_bootstrap_is_applied_before_the_cluster_exists() {
    assertThat(put(0, 0, "k", "v").reply().getError()).isEqualTo(ErrorCode.NOT_INITIALIZED);
    MetaReply reply = bootstrap(0).reply();
    assertThat(reply.getNode()).isEqualTo(1);
    assertThat(bootstrap(0).reply().getError()).isEqualTo(ErrorCode.INVALID);
  }

  @Test
  void joins_get_numbers_in_order_and_a_wrong_or_expired_token_is_refused() {
    bootstrap(1_100);
    assertThat(join(SECRET, 2).reply().getNode()).isEqualTo(2);
    assertThat(join("ffffffffffffffffffffffffffffffff", 3).reply().getError())
        .isEqualTo(ErrorCode.TOKEN_REFUSED);
    time = 2_000;
    assertThat(join(SECRET, 3).reply().getError()).as("expired").isEqualTo(ErrorCode.TOKEN_REFUSED);
  }

  @Test
  void a_second_machine_on_the_address_of_an_up_node_is_refused() {
    bootstrap(0);
    assertThat(join(SECRET, 1).reply().getError()).isEqualTo(ErrorCode.INVALID);
    assertThat(join(SECRET, 1).reply().getMessage()).contains("in use by node 1");
  }

  @Test
  void revisions_rise_by_one_per_change_and_events_carry_them() {
    bootstrap(0);
    MetaState.Applied first = put(0, 0, "a", "1");
    MetaState.Applied second = put(0, 0, "a", "2");
    assertThat(second.reply().getRevision()).isEqualTo(first.reply().getRevision() + 1);
    assertThat(second.reply().getPrevious().getValue().toString(StandardCharsets.UTF_8))
        .isEqualTo("1");
    assertThat(second.events())
        .extracting(Event::getRevision)
        .containsExactly(second.reply().getRevision());
    assertThat(state.eventsSince(first.reply().getRevision()).orElseThrow())
        .extracting(Event::getRevision)
        .containsExactly(first.reply().getRevision(), second.reply().getRevision());
  }

  @Test
  void compare_and_set_on_mod_revision() {
    bootstrap(0);
    long written = put(0, 0, "a", "1").reply().getRevision();
    MetaState.Applied stale =
        apply(
            MetaCommand.newBuilder()
                .setPut(
                    Put.newBuilder()
                        .setKey("a")
                        .setValue(ByteString.copyFromUtf8("x"))
                        .setExpectedModRevision(written - 1)));
    assertThat(stale.reply().getError()).isEqualTo(ErrorCode.CONFLICT);
    assertThat(stale.events()).isEmpty();
    MetaState.Applied fresh =
        apply(
            MetaCommand.newBuilder()
                .setPut(
                    Put.newBuilder()
                        .setKey("a")
                        .setValue(ByteString.copyFromUtf8("x"))
                        .setExpectedModRevision(written)));
    assertThat(fresh.reply().getError()).isEqualTo(ErrorCode.OK);
    MetaState.Applied create =
        apply(
            MetaCommand.newBuilder()
                .setPut(
                    Put.newBuilder()
                        .setKey("a")
                        .setValue(ByteString.copyFromUtf8("y"))
                        .setExpectedModRevision(0)));
    assertThat(create.reply().getError())
        .as("0 means: must not exist")
        .isEqualTo(ErrorCode.CONFLICT);
  }

  @Test
  void a_down_node_loses_its_bound_keys_and_its_writes_are_fenced() {
    bootstrap(0);
    join(SECRET, 2);
    apply(
        MetaCommand.newBuilder()
            .setOriginNode(2)
            .setOriginIncarnation(1)
            .setPut(
                Put.newBuilder()
                    .setKey("lock/a")
                    .setValue(ByteString.copyFromUtf8("2"))
                    .setBindToOrigin(true)));
    MetaState.Applied down =
        apply(
            MetaCommand.newBuilder()
                .setDeclareDown(
                    DeclareDown.newBuilder().setNode(2).setIncarnation(1).setReason("silent")));
    assertThat(down.events())
        .extracting(Event::getKindCase)
        .containsExactly(Event.KindCase.NODE_DOWN, Event.KindCase.DELETED);
    assertThat(down.events().get(1).getDeleted().getCause()).isEqualTo("node-down");
    assertThat(state.nodes().get(2).orElseThrow().getState()).isEqualTo(NodeState.NODE_DOWN);
    assertThat(put(2, 1, "x", "y").reply().getError()).isEqualTo(ErrorCode.FENCED);

    MetaState.Applied back =
        apply(
            MetaCommand.newBuilder()
                .setOriginNode(2)
                .setNodeStarted(NodeStarted.newBuilder().setNode(2).setAddress(address(2))));
    assertThat(back.reply().getIncarnation()).isEqualTo(2);
    assertThat(put(2, 1, "x", "y").reply().getError())
        .as("old incarnation")
        .isEqualTo(ErrorCode.FENCED);
    assertThat(put(2, 2, "x", "y").reply().getError()).isEqualTo(ErrorCode.OK);
  }

  @Test
  void a_late_declaration_about_an_old_incarnation_changes_nothing() {
    bootstrap(0);
    join(SECRET, 2);
    apply(
        MetaCommand.newBuilder()
            .setOriginNode(2)
            .setNodeStarted(NodeStarted.newBuilder().setNode(2).setAddress(address(2))));
    long before = state.revision();
    MetaState.Applied late =
        apply(
            MetaCommand.newBuilder()
                .setDeclareDown(DeclareDown.newBuilder().setNode(2).setIncarnation(1)));
    assertThat(late.reply().getError()).isEqualTo(ErrorCode.OK);
    assertThat(late.events()).isEmpty();
    assertThat(state.revision()).isEqualTo(before);
  }

  @Test
  void prefix_delete_takes_one_revision_for_all_its_keys() {
    bootstrap(0);
    put(0, 0, "jobs/1", "a");
    put(0, 0, "jobs/2", "b");
    put(0, 0, "other", "c");
    MetaState.Applied deleted =
        apply(
            MetaCommand.newBuilder()
                .setDelete(Delete.newBuilder().setKey("jobs/").setPrefix(true)));
    assertThat(deleted.reply().getDeleted()).isEqualTo(2);
    assertThat(deleted.events())
        .extracting(Event::getRevision)
        .containsOnly(deleted.reply().getRevision());
  }

  @Test
  void history_is_bounded_and_a_watch_from_compacted_history_is_refused() {
    bootstrap(0);
    for (int i = 0; i < 20; i++) {
      put(0, 0, "k" + i, "v");
    }
    assertThat(state.eventsSince(1)).isEmpty();
    assertThat(state.eventsSince(state.revision() - 3).orElseThrow()).hasSize(4);
  }

  @Test
  void roles_change_once_per_new_configuration() {
    bootstrap(0);
    List<Event> first = state.changeRoles(List.of(2, 1), List.of(3));
    assertThat(first).hasSize(1);
    assertThat(first.getFirst().getRolesChanged().getVotersList()).containsExactly(1, 2);
    assertThat(state.changeRoles(List.of(1, 2), List.of(3))).isEmpty();
  }

  @Test
  void a_batch_applies_like_its_commands_one_by_one() {
    MetaState single = new MetaState(8);
    bootstrap(0);
    single.restore(state.snapshot());
    List<MetaCommand> commands =
        List.of(
            putCommand("a", "1", OptionalLong.empty()),
            putCommand("a", "2", OptionalLong.of(1)),
            putCommand("b", "3", OptionalLong.empty()),
            MetaCommand.newBuilder()
                .setTimeMillis(time)
                .setBatch(
                    Batch.newBuilder().addCommands(putCommand("c", "4", OptionalLong.empty())))
                .build());
    List<MetaReply> oneByOne = new ArrayList<>();
    List<Event> oneByOneEvents = new ArrayList<>();
    for (MetaCommand command : commands.subList(0, 3)) {
      MetaState.Applied applied = single.apply(command);
      oneByOne.add(applied.reply());
      oneByOneEvents.addAll(applied.events());
    }

    MetaState.Applied batch =
        state.apply(
            MetaCommand.newBuilder().setBatch(Batch.newBuilder().addAllCommands(commands)).build());

    assertThat(batch.reply().getBatchRepliesList().subList(0, 3)).isEqualTo(oneByOne);
    assertThat(batch.reply().getBatchReplies(1).getError())
        .as("the second put expects a mod revision that a does not have")
        .isEqualTo(ErrorCode.CONFLICT);
    assertThat(batch.reply().getBatchReplies(3).getError())
        .as("a batch inside a batch")
        .isEqualTo(ErrorCode.INVALID);
    assertThat(batch.events()).isEqualTo(oneByOneEvents);
    assertThat(state.snapshot()).isEqualTo(single.snapshot());
  }

  private MetaCommand putCommand(String key, String value, OptionalLong expectedModRevision) {
    Put.Builder put = Put.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value));
    expectedModRevision.ifPresent(put::setExpectedModRevision);
    return MetaCommand.newBuilder().setTimeMillis(time).setPut(put).build();
  }

  @Test
  void a_snapshot_restores_the_same_state() {
    bootstrap(0);
    join(SECRET, 2);
    put(0, 0, "a", "1");
    MetaState restored = new MetaState(8);
    restored.restore(state.snapshot());
    assertThat(restored.snapshot()).isEqualTo(state.snapshot());
    assertThat(restored.eventsSince(restored.revision()))
        .as("history before a snapshot is gone")
        .isEmpty();
    assertThat(restored.eventsSince(restored.revision() + 1).orElseThrow()).isEmpty();
  }
}
