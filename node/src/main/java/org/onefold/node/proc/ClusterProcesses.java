package org.onefold.node.proc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.MetaStateMachine;
import org.onefold.node.transport.NodeChannels;
import org.onefold.node.transport.PeerCredentials;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.KillRequest;
import org.onefold.proto.local.PsReply;
import org.onefold.proto.local.PsRequest;
import org.onefold.proto.local.WaitReply;
import org.onefold.proto.proc.ListReply;
import org.onefold.proto.proc.ListRequest;
import org.onefold.proto.proc.ProcRpcGrpc;
import org.onefold.proto.proc.ProcessInfo;
import org.onefold.proto.proc.SignalReply;
import org.onefold.proto.proc.SignalRequest;

/**
 * The clusterwide process calls a node makes for its local callers: ps asks every up node at once
 * and waits a bounded time (a silent node is named, the rest still listed); kill and where go to
 * the node a cpid names, its origin, which knows where the process runs; wait waits there for the
 * program's end, or for its node's death (then the program is lost).
 *
 * <p>Threads: called on local connections' threads; the fan-out runs on gRPC's.
 */
public final class ClusterProcesses {
  /** How long ps waits for the nodes it asked. */
  static final Duration LIST_WAIT = Duration.ofSeconds(2);

  /** How long a kill or where waits for the process's node. */
  static final Duration CALL_WAIT = Duration.ofSeconds(5);

  private final MetaGroup meta;
  private final NodeChannels channels;

  public ClusterProcesses(MetaGroup meta, NodeChannels channels) {
    this.meta = meta;
    this.channels = channels;
  }

  /** The processes of every up node (or one), in cpid order, and who did not answer. */
  public PsReply ps(PsRequest request) {
    List<NodeRecord> nodes =
        meta.stateMachine()
            .read(
                state ->
                    state.nodes().up().stream()
                        .filter(
                            record ->
                                request.getNode() == 0 || record.getNode() == request.getNode())
                        .toList());
    ListRequest list = ListRequest.newBuilder().setAll(request.getAll()).build();
    List<CompletableFuture<ListReply>> answers = new ArrayList<>();
    for (NodeRecord node : nodes) {
      answers.add(list(node, list, LIST_WAIT));
    }
    PsReply.Builder reply = PsReply.newBuilder();
    List<ProcessInfo> processes = new ArrayList<>();
    Set<Integer> answered = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      try {
        processes.addAll(answers.get(i).join().getProcessesList());
        answered.add(nodes.get(i).getNode());
      } catch (RuntimeException e) {
        reply.addSilent("node " + nodes.get(i).getNode() + ": " + describe(e));
      }
    }
    processes.sort(Comparator.comparingLong(ProcessInfo::getCpid));
    if (request.getNode() == 0) {
      processes = orphansToInit(processes, answered);
    }
    return reply.addAllProcesses(processes).build();
  }

  /**
   * A started program whose parent, of another node, no longer shows in that node's answer has lost
   * its parent: it is init's (cpid 1), as Linux gives orphans to init. (A parent of the same node
   * is checked there; a parent's node that went down is handled by every node at once.)
   */
  static List<ProcessInfo> orphansToInit(List<ProcessInfo> processes, Set<Integer> answered) {
    Set<Long> present = new HashSet<>();
    for (ProcessInfo process : processes) {
      present.add(process.getCpid());
    }
    List<ProcessInfo> shown = new ArrayList<>(processes.size());
    for (ProcessInfo process : processes) {
      long parent = process.getPpid();
      boolean lostParent =
          process.getStarted()
              && Cpids.nodeOf(parent) != process.getNode()
              && answered.contains(Cpids.nodeOf(parent))
              && !present.contains(parent);
      shown.add(lostParent ? process.toBuilder().setPpid(ProcessTable.INIT_CPID).build() : process);
    }
    return shown;
  }

  /** kill(2) on a cpid (or its process group) for the caller: 0 or an errno. */
  public int kill(KillRequest request, PeerCredentials caller) {
    Optional<NodeRecord> node = upNodeOf(request.getCpid());
    if (node.isEmpty()) {
      return Errno.ESRCH;
    }
    SignalRequest signal =
        SignalRequest.newBuilder()
            .setCpid(request.getCpid())
            .setGroup(request.getGroup())
            .setSignal(request.getSignal())
            .setCredentials(RunForwarder.vouchedFor(caller))
            .build();
    CompletableFuture<SignalReply> reply = new CompletableFuture<>();
    ProcRpcGrpc.newStub(channels.to(node.get().getAddress()))
        .withDeadlineAfter(CALL_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .signal(signal, observer(reply));
    return reply.join().getErrno();
  }

  /** The node cpid runs on, if it runs. */
  public Optional<Integer> where(long cpid) {
    Optional<NodeRecord> node = upNodeOf(cpid);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    ListReply reply =
        list(node.get(), ListRequest.newBuilder().setCpid(cpid).build(), CALL_WAIT).join();
    return reply.getProcessesCount() == 0
        ? Optional.empty()
        : Optional.of(reply.getProcesses(0).getNode());
  }

  /** What a wait ends with: the program's end (or its loss), or a refusal. */
  public sealed interface WaitOutcome {
    record Ended(WaitReply reply) implements WaitOutcome {}

    record Refused(Error.Code code, String message) implements WaitOutcome {}
  }

  /**
   * Waits, without a bound, for the end of the program cpid, for the caller (its owner, or root).
   * The program's node going down ends the wait with "lost".
   */
  public WaitOutcome waitFor(long cpid, PeerCredentials caller) throws InterruptedException {
    int origin = Cpids.nodeOf(cpid);
    Optional<NodeRecord> record =
        origin == 0
            ? Optional.empty()
            : meta.stateMachine().read(state -> state.nodes().get(origin));
    if (record.isEmpty()) {
      return new WaitOutcome.Refused(Error.Code.NOT_FOUND, "(" + cpid + ") - No such process");
    }
    if (record.get().getState() != NodeState.NODE_UP) {
      return lost("node " + origin + " is down; the end of " + cpid + " is unknown");
    }
    CompletableFuture<WaitOutcome> outcome = new CompletableFuture<>();
    MetaStateMachine.Listener nodeDown =
        MetaStateMachine.Listener.onNodeDown(
            down -> {
              if (down.getNode() == origin) {
                outcome.complete(lost(RunForwarder.wentDown(down)));
              }
            });
    meta.stateMachine().addListener(nodeDown);
    CompletableFuture<org.onefold.proto.proc.WaitReply> reply = new CompletableFuture<>();
    ProcRpcGrpc.newStub(channels.to(record.get().getAddress()))
        .awaitEnd(
            org.onefold.proto.proc.WaitRequest.newBuilder()
                .setCpid(cpid)
                .setCredentials(RunForwarder.vouchedFor(caller))
                .build(),
            observer(reply));
    reply.whenComplete(
        (ended, failure) -> {
          if (failure == null) {
            outcome.complete(
                new WaitOutcome.Ended(WaitReply.newBuilder().setExited(ended.getExited()).build()));
            return;
          }
          Status status = Status.fromThrowable(failure);
          outcome.complete(
              switch (status.getCode()) {
                case NOT_FOUND ->
                    new WaitOutcome.Refused(
                        Error.Code.NOT_FOUND, "(" + cpid + ") - No such process");
                case PERMISSION_DENIED ->
                    new WaitOutcome.Refused(
                        Error.Code.PERMISSION, "(" + cpid + ") - Operation not permitted");
                default -> lost("lost node " + origin + ": " + describe(failure));
              });
        });
    try {
      return outcome.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a wait's outcome failed", e.getCause());
    } finally {
      meta.stateMachine().removeListener(nodeDown);
    }
  }

  private static WaitOutcome lost(String why) {
    return new WaitOutcome.Ended(WaitReply.newBuilder().setLost(why).build());
  }

  /** The origin node of cpid, if it is up (a down node's processes are gone with it). */
  private Optional<NodeRecord> upNodeOf(long cpid) {
    int origin = Cpids.nodeOf(cpid);
    if (origin == 0) {
      return Optional.empty();
    }
    return meta.stateMachine()
        .read(state -> state.nodes().get(origin))
        .filter(record -> record.getState() == NodeState.NODE_UP);
  }

  private CompletableFuture<ListReply> list(NodeRecord node, ListRequest request, Duration wait) {
    CompletableFuture<ListReply> reply = new CompletableFuture<>();
    ProcRpcGrpc.newStub(channels.to(node.getAddress()))
        .withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS)
        .list(request, observer(reply));
    return reply;
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> future) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        future.complete(value);
      }

      @Override
      public void onError(Throwable error) {
        future.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {
        future.completeExceptionally(new IllegalStateException("no answer"));
      }
    };
  }

  private static String describe(Throwable error) {
    Status status = Status.fromThrowable(error);
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "no answer within " + LIST_WAIT.toMillis() + " ms";
    }
    return status.getDescription() != null ? status.getDescription() : status.getCode().toString();
  }
}
