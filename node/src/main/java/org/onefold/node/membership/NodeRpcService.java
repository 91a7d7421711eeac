package org.onefold.node.membership;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.onefold.node.load.LoadService;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.transport.NodeCertificateInterceptor;
import org.onefold.proto.node.HeartbeatReply;
import org.onefold.proto.node.HeartbeatRequest;
import org.onefold.proto.node.JoinReply;
import org.onefold.proto.node.JoinRequest;
import org.onefold.proto.node.LoadsReply;
import org.onefold.proto.node.LoadsRequest;
import org.onefold.proto.node.NodeRpcGrpc;

/**
 * The membership calls other machines make to this node: Join (a new machine, with a token and no
 * certificate), Heartbeat (a node, with its certificate, carrying its load vector) and Loads (the
 * vectors the leader holds, for placing work). The caller of a heartbeat is the node its
 * certificate names, whatever the request says: a node cannot beat, or report load, for another.
 */
public final class NodeRpcService extends NodeRpcGrpc.NodeRpcImplBase {
  private final JoinService joins;
  private final MembershipService membership;
  private final MetaGroup meta;
  private final LoadService loads;

  public NodeRpcService(
      JoinService joins, MembershipService membership, MetaGroup meta, LoadService loads) {
    this.joins = joins;
    this.membership = membership;
    this.meta = meta;
    this.loads = loads;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinReply> responses) {
    joins
        .join(request)
        .whenComplete(
            (reply, failure) -> {
              if (failure == null) {
                responses.onNext(reply);
                responses.onCompleted();
              } else {
                responses.onError(Status.fromThrowable(failure).asRuntimeException());
              }
            });
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> responses) {
    Integer caller = NodeCertificateInterceptor.CALLER_NODE.get();
    if (caller == null || caller != request.getNode()) {
      responses.onError(
          Status.PERMISSION_DENIED
              .withDescription(
                  "node " + caller + " may not send heartbeats for node " + request.getNode())
              .asRuntimeException());
      return;
    }
    if (request.getIncarnation() < 1) {
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription("incarnation " + request.getIncarnation() + " is below 1")
              .asRuntimeException());
      return;
    }
    HeartbeatVerdict verdict = membership.heartbeat(request.getNode(), request.getIncarnation());
    if (verdict == HeartbeatVerdict.OK && request.hasLoad()) {
      loads.reported(request.getNode(), request.getLoad());
    }
    HeartbeatReply.Status status =
        switch (verdict) {
          case OK, UNKNOWN_NODE -> HeartbeatReply.Status.OK;
          case NOT_LEADER -> HeartbeatReply.Status.NOT_LEADER;
          case FENCED -> HeartbeatReply.Status.FENCED;
        };
    HeartbeatReply.Builder reply = HeartbeatReply.newBuilder().setStatus(status);
    int leader = meta.leaderNode();
    if (leader != 0) {
      reply.setLeaderNode(leader);
      meta.stateMachine()
          .read(state -> state.nodes().get(leader))
          .ifPresent(record -> reply.setLeaderAddress(record.getAddress()));
    }
    responses.onNext(reply.build());
    responses.onCompleted();
  }

  @Override
  public void loads(LoadsRequest request, StreamObserver<LoadsReply> responses) {
    responses.onNext(loads.loads(request));
    responses.onCompleted();
  }
}
