package org.onefold.node.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.Put;

class ProposalBatcherTest {
  /** What the batcher sent, each with the future the test completes as the group would. */
  private record Sent(MetaCommand command, CompletableFuture<MetaReply> answer) {}

  private final List<Sent> sent = new ArrayList<>();

  private ProposalBatcher batcher(int inFlightMax, int waitingMax, int commandsMax, int bytesMax) {
    return new ProposalBatcher(
        command -> {
          CompletableFuture<MetaReply> answer = new CompletableFuture<>();
          sent.add(new Sent(command, answer));
          return answer;
        },
        Runnable::run,
        inFlightMax,
        waitingMax,
        commandsMax,
        bytesMax);
  }

  private static MetaCommand put(String key) {
    return MetaCommand.newBuilder()
        .setPut(Put.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v")))
        .build();
  }

  private static MetaReply revision(long revision) {
    return MetaReply.newBuilder().setRevision(revision).build();
  }

  @Test
  void a_lone_proposal_goes_at_once_and_alone() throws Exception {
    ProposalBatcher batcher = batcher(1, 10, 10, 1 << 20);
    CompletableFuture<MetaReply> answer = batcher.propose(put("a"));
    assertThat(sent).hasSize(1);
    assertThat(sent.getFirst().command()).isEqualTo(put("a"));
    sent.getFirst().answer().complete(revision(7));
    assertThat(answer.get().getRevision()).isEqualTo(7);
  }

  @Test
  void proposals_that_wait_leave_together_and_each_gets_its_own_reply() throws Exception {
    ProposalBatcher batcher = batcher(1, 10, 10, 1 << 20);
    CompletableFuture<MetaReply> first = batcher.propose(put("a"));
    CompletableFuture<MetaReply> second = batcher.propose(put("b"));
    CompletableFuture<MetaReply> third = batcher.propose(put("c"));
    assertThat(sent).as("one on its way, two waiting").hasSize(1);
    assertThat(batcher.waitingCount()).isEqualTo(2);

    sent.getFirst().answer().complete(revision(1));

    assertThat(sent).hasSize(2);
    MetaCommand batch = sent.get(1).command();
    assertThat(batch.getBatch().getCommandsList()).containsExactly(put("b"), put("c"));
    sent.get(1)
        .answer()
        .complete(
            MetaReply.newBuilder()
                .addBatchReplies(revision(2))
                .addBatchReplies(revision(3))
                .build());
    assertThat(first.get().getRevision()).isEqualTo(1);
    assertThat(second.get().getRevision()).isEqualTo(2);
    assertThat(third.get().getRevision()).isEqualTo(3);
    assertThat(batcher.waitingCount()).isZero();

    batcher.propose(put("d"));
    assertThat(sent).as("the slot is free again: the next goes at once").hasSize(3);
  }

  @Test
  void batches_keep_to_their_command_and_byte_limits() {
    int onePut = put("a").getSerializedSize();
    ProposalBatcher batcher = batcher(1, 100, 3, 2 * onePut);
    batcher.propose(put("a"));
    for (String key : List.of("b", "c", "d", "e", "f")) {
      batcher.propose(put(key));
    }
    sent.getFirst().answer().complete(revision(1));
    assertThat(sent.get(1).command().getBatch().getCommandsCount())
        .as("two fit the byte limit")
        .isEqualTo(2);

    ProposalBatcher byCount = batcher(1, 100, 3, 1 << 20);
    sent.clear();
    byCount.propose(put("a"));
    for (String key : List.of("b", "c", "d", "e", "f")) {
      byCount.propose(put(key));
    }
    sent.getFirst().answer().complete(revision(1));
    assertThat(sent.get(1).command().getBatch().getCommandsCount()).isEqualTo(3);
  }

  @Test
  void a_command_larger_than_the_byte_limit_still_goes_alone() {
    ProposalBatcher batcher = batcher(1, 10, 10, 1);
    batcher.propose(put("a"));
    batcher.propose(put("b"));
    batcher.propose(put("c"));
    sent.getFirst().answer().complete(revision(1));
    assertThat(sent.get(1).command()).isEqualTo(put("b"));
  }

  @Test
  void a_failed_batch_fails_each_of_its_proposals_and_the_next_still_goes() {
    ProposalBatcher batcher = batcher(1, 10, 10, 1 << 20);
    batcher.propose(put("a"));
    CompletableFuture<MetaReply> second = batcher.propose(put("b"));
    CompletableFuture<MetaReply> third = batcher.propose(put("c"));
    sent.getFirst().answer().complete(revision(1));
    sent.get(1).answer().completeExceptionally(new IllegalStateException("no leader"));
    assertThatThrownBy(second::get)
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("no leader");
    assertThatThrownBy(third::get).hasMessageContaining("no leader");

    batcher.propose(put("d"));
    assertThat(sent).hasSize(3);
  }

  @Test
  void a_batch_answered_with_the_wrong_number_of_replies_fails_its_proposals() {
    ProposalBatcher batcher = batcher(1, 10, 10, 1 << 20);
    batcher.propose(put("a"));
    CompletableFuture<MetaReply> second = batcher.propose(put("b"));
    batcher.propose(put("c"));
    sent.getFirst().answer().complete(revision(1));
    sent.get(1).answer().complete(revision(2));
    assertThatThrownBy(second::get).hasMessageContaining("answered with 0 replies");
  }

  @Test
  void past_the_waiting_limit_a_proposal_is_refused_as_busy() {
    ProposalBatcher batcher = batcher(2, 1, 10, 1 << 20);
    batcher.propose(put("a"));
    batcher.propose(put("b"));
    batcher.propose(put("c"));
    CompletableFuture<MetaReply> refused = batcher.propose(put("d"));
    assertThat(sent).hasSize(2);
    assertThatThrownBy(refused::get).hasMessageContaining("busy: 1 proposals already waiting");
  }

  @Test
  void a_closed_sender_fails_what_waits() {
    ProposalBatcher batcher =
        new ProposalBatcher(
            command -> {
              CompletableFuture<MetaReply> answer = new CompletableFuture<>();
              sent.add(new Sent(command, answer));
              return answer;
            },
            runnable -> {
              throw new java.util.concurrent.RejectedExecutionException("shut down");
            },
            1,
            10,
            10,
            1 << 20);
    batcher.propose(put("a"));
    CompletableFuture<MetaReply> waiting = batcher.propose(put("b"));
    sent.getFirst().answer().complete(revision(1));
    assertThatThrownBy(waiting::get).hasMessageContaining("closed");
  }
}
