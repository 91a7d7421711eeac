package org.onefold.node.proc;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.onefold.node.load.LoadService;
import org.onefold.node.load.Placement;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.MetaStateMachine;
import org.onefold.node.transport.NodeChannels;
import org.onefold.node.transport.PeerCredentials;
import org.onefold.node.transport.StreamSender;
import org.onefold.proto.NodeDown;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.proc.Credentials;
import org.onefold.proto.proc.ProcRpcGrpc;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.RunStart;

/**
 * The calling end of {@code ssi onnode}: takes a run from a local connection, stamps it with the
 * caller's identity from the kernel (whatever the request says), and carries it to the node that
 * runs the program (this one too goes through its own ProcRpc, so that there is one path); for
 * {@code ssi run}, that node is the one {@link LoadService} places it on. Events come back to the
 * connection as the client reads them; the client's stdin and signals go out as the running node
 * takes them. A client that goes away cancels the call, which hangs the program up. For {@code ssi
 * onall} one connection carries a run per up node, each event tagged with its node.
 *
 * <p>Threads: the connection's thread reads the client's inputs and sends them; gRPC's thread
 * writes the events to the connection, one at a time, and asks for the next only then.
 */
public final class RunForwarder {
  /** The next request on the local connection, or empty at its end. */
  public interface RequestSource {
    Optional<Request> next() throws IOException;
  }

  private final int self;
  private final MetaGroup meta;
  private final NodeChannels channels;
  private final LoadService loads;
  private final ProcService processes;

  public RunForwarder(
      int self, MetaGroup meta, NodeChannels channels, LoadService loads, ProcService processes) {
    this.self = self;
    this.meta = meta;
    this.channels = channels;
    this.loads = loads;
    this.processes = processes;
  }

  /**
   * Serves one run on a local connection until the program ends or the client leaves. Writes a
   * single error response if the run cannot start.
   */
  public void serve(
      RunStart request,
      PeerCredentials peer,
      RequestSource inputs,
      OutputStream output,
      AutoCloseable connection)
      throws IOException {
    if (request.getAllNodes()) {
      serveAll(request, peer, inputs, output, connection);
      return;
    }
    int node = request.getNode() == 0 ? self : request.getNode();
    Optional<String> placement = Optional.empty();
    if (request.getChooseNode()) {
      Optional<Placement.Choice> choice = loads.place();
      if (choice.isEmpty()) {
        write(output, error(Error.Code.UNAVAILABLE, "no node is up to run the program"));
        return;
      }
      node = choice.get().node();
      placement = Optional.of(choice.get().reason());
    }
    Optional<Response> refusal = checkNode(node);
    if (refusal.isEmpty() && request.getArgvCount() == 0) {
      refusal = Optional.of(error(Error.Code.INVALID, "no program to run"));
    }
    if (refusal.isPresent()) {
      write(output, refusal.get());
      return;
    }
    Forward run =
        forward(
            request.toBuilder()
                .setNode(node)
                .setCredentials(vouchedFor(peer))
                .setParentCpid(parentOf(peer, request.getForParent()))
                .build(),
            placement,
            output,
            connection,
            false);
    try {
      while (!run.events().ended()) {
        Optional<Request> next = inputs.next();
        if (next.isEmpty()) {
          break;
        }
        if (next.get().hasRunInput() && !next.get().getRunInput().hasStart()) {
          run.events().inputs.send(next.get().getRunInput());
        }
      }
    } catch (InterruptedIOException e) {
      // The call ended while an input waited; its end has been written to the client.
    } finally {
      run.stop();
    }
  }

  /**
   * {@code ssi onall}: one run per up node, all at once, as one user with one parent; their stdin
   * closed at once; their events, each tagged with its node, on the one connection as they come.
   * The connection closes once every run has ended; a client that leaves ends them all.
   */
  private void serveAll(
      RunStart request,
      PeerCredentials peer,
      RequestSource inputs,
      OutputStream output,
      AutoCloseable connection)
      throws IOException {
    List<Integer> up = meta.stateMachine().read(state -> state.nodes().upNumbers());
    if (up.isEmpty()) {
      write(output, error(Error.Code.UNAVAILABLE, "no node is up to run the program"));
      return;
    }
    if (request.getArgvCount() == 0) {
      write(output, error(Error.Code.INVALID, "no program to run"));
      return;
    }
    RunStart each =
        request.toBuilder()
            .setAllNodes(false)
            .setChooseNode(false)
            .setCredentials(vouchedFor(peer))
            .setParentCpid(parentOf(peer, request.getForParent()))
            .build();
    AtomicInteger running = new AtomicInteger(up.size());
    List<Forward> runs = new ArrayList<>();
    try {
      for (int node : up) {
        AtomicBoolean ended = new AtomicBoolean();
        AutoCloseable lastEndCloses =
            () -> {
              if (ended.compareAndSet(false, true) && running.decrementAndGet() == 0) {
                connection.close();
              }
            };
        Forward run =
            forward(
                each.toBuilder().setNode(node).build(),
                Optional.empty(),
                output,
                lastEndCloses,
                true);
        runs.add(run);
        try {
          run.events().inputs.send(RunInput.newBuilder().setStdinClosed(true).build());
        } catch (InterruptedIOException e) {
          // That run ended at once (refused or lost); its end has been written to the client.
        }
      }
      // Nothing the client sends is for these runs; the end of its connection is its leaving.
      while (runs.stream().anyMatch(run -> !run.events().ended())) {
        if (inputs.next().isEmpty()) {
          break;
        }
      }
    } finally {
      runs.forEach(Forward::stop);
    }
  }

  /** A run under way: its events' receiver, and the listener for its node's death. */
  private record Forward(Events events, MetaStateMachine.Listener nodeDown, MetaGroup meta) {
    void stop() {
      meta.stateMachine().removeListener(nodeDown);
      events.clientGone();
    }
  }

  /**
   * Starts start on its node through ProcRpc; events go to output, and onEnd is closed when the run
   * is over. With refusalAsLost (a run among several), a refused start is that run's lost event
   * rather than the connection's error.
   */
  private Forward forward(
      RunStart start,
      Optional<String> placement,
      OutputStream output,
      AutoCloseable onEnd,
      boolean refusalAsLost)
      throws IOException {
    int node = start.getNode();
    NodeRecord target = meta.stateMachine().read(state -> state.nodes().get(node)).orElseThrow();
    Events events = new Events(node, placement, output, onEnd, refusalAsLost);
    // The running node's death, as the cluster decides it, ends the run: the connection to it
    // may take far longer to fail (a cut cable sends no reset).
    MetaStateMachine.Listener nodeDown =
        MetaStateMachine.Listener.onNodeDown(
            down -> {
              if (down.getNode() == node) {
                // Listeners must not block the apply thread; telling the client may.
                Thread.ofVirtual().name("run-lost").start(() -> events.lost(wentDown(down)));
              }
            });
    meta.stateMachine().addListener(nodeDown);
    ProcRpcGrpc.newStub(channels.to(target.getAddress())).run(events);
    Forward run = new Forward(events, nodeDown, meta);
    try {
      events.inputs.send(RunInput.newBuilder().setStart(start).build());
    } catch (InterruptedIOException e) {
      // The call ended at once (refused or lost); its end has been written to the client.
    }
    return run;
  }

  /**
   * The new program's parent: the calling process, or with forParent (the ssi command asks for the
   * script that ran it) the caller's parent, if that is a Onefold process; else 0. Both come from
   * the kernel: the request only chooses between the caller and its parent.
   */
  private long parentOf(PeerCredentials peer, boolean forParent) {
    long pid = forParent ? processes.parentPid(peer.pid()) : peer.pid();
    return pid <= 0 ? 0 : processes.cpidOf(pid);
  }

  /** How a client hears of the death of the node it ran on: "node N went down (reason)". */
  static String wentDown(NodeDown down) {
    return "node " + down.getNode() + " went down (" + down.getReason() + ")";
  }

  /** The user a call is made for, as this node's kernel named the caller; never a request's. */
  static Credentials vouchedFor(PeerCredentials peer) {
    return Credentials.newBuilder()
        .setUid(peer.uid())
        .setGid(peer.gid())
        .addAllGroups(peer.groups())
        .setPid(peer.pid())
        .build();
  }

  private Optional<Response> checkNode(int node) {
    return meta.stateMachine()
        .read(
            state -> {
              Optional<NodeRecord> record = state.nodes().get(node);
              if (record.isEmpty()) {
                return Optional.of(
                    error(
                        Error.Code.INVALID,
                        "no node " + node + " (nodes: " + numbers(state.nodes().all()) + ")"));
              }
              if (record.get().getState() != NodeState.NODE_UP) {
                return Optional.of(error(Error.Code.UNAVAILABLE, "node " + node + " is down"));
              }
              return Optional.empty();
            });
  }

  /** Node numbers as a reader wants them: runs as ranges, "1-3,5". */
  static String numbers(List<NodeRecord> nodes) {
    StringBuilder text = new StringBuilder();
    int[] sorted = nodes.stream().mapToInt(NodeRecord::getNode).sorted().toArray();
    for (int i = 0; i < sorted.length; i++) {
      int first = sorted[i];
      while (i + 1 < sorted.length && sorted[i + 1] == sorted[i] + 1) {
        i++;
      }
      text.append(text.isEmpty() ? "" : ",").append(first);
      if (sorted[i] != first) {
        text.append('-').append(sorted[i]);
      }
    }
    return text.toString();
  }

  private static void write(OutputStream output, Response response) throws IOException {
    synchronized (output) {
      response.writeDelimitedTo(output);
      output.flush();
    }
  }

  private static Response error(Error.Code code, String message) {
    return Response.newBuilder()
        .setError(Error.newBuilder().setCode(code).setMessage(message))
        .build();
  }

  /** The call's receiving side: events to the client, one at a time. */
  private static final class Events implements ClientResponseObserver<RunInput, RunEvent> {
    private final int node;
    private final Optional<String> placement;
    private final OutputStream output;
    private final AutoCloseable onEnd;
    private final boolean refusalAsLost;
    private final CountDownLatch end = new CountDownLatch(1);
    private volatile boolean started;
    private final AtomicBoolean told = new AtomicBoolean();
    private ClientCallStreamObserver<RunInput> call;
    StreamSender<RunInput> inputs;

    Events(
        int node,
        Optional<String> placement,
        OutputStream output,
        AutoCloseable onEnd,
        boolean refusalAsLost) {
      this.node = node;
      this.placement = placement;
      this.output = output;
      this.onEnd = onEnd;
      this.refusalAsLost = refusalAsLost;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<RunInput> call) {
      this.call = call;
      this.inputs = new StreamSender<>(call);
      call.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(RunEvent event) {
      started |= event.hasStarted();
      if (told.get()) {
        return;
      }
      if (event.hasExited() && !told.compareAndSet(false, true)) {
        return;
      }
      RunEvent.Builder tagged = event.toBuilder().setNode(node);
      if (event.hasStarted() && placement.isPresent()) {
        tagged.setStarted(event.getStarted().toBuilder().setPlacement(placement.get()));
      }
      event = tagged.build();
      try {
        write(output, Response.newBuilder().setRunEvent(event).build());
        call.request(1);
      } catch (IOException e) {
        clientGone();
      }
    }

    @Override
    public void onError(Throwable failure) {
      Status status = Status.fromThrowable(failure);
      if (status.getCode() == Status.Code.CANCELLED) {
        inputs.cancelled();
        finish();
      } else if (started || !isRefusal(status)) {
        // Started, or maybe started: the running node broke away and the program's fate is
        // unknown (ssh, too, says 255 when the connection fails).
        lost("lost node " + node + ": " + describe(status));
      } else if (refusalAsLost) {
        tellOnce(lostEvent(describe(status)));
      } else {
        tellOnce(error(codeOf(status), describe(status)));
      }
    }

    /** The running node is gone: the client learns the run is lost, and the call ends. */
    void lost(String why) {
      tellOnce(lostEvent(why));
      call.cancel(why, null);
    }

    private Response lostEvent(String why) {
      return Response.newBuilder()
          .setRunEvent(RunEvent.newBuilder().setLost(why).setNode(node))
          .build();
    }

    /** Writes the run's last word to the client, once, and ends the run. */
    private void tellOnce(Response last) {
      if (!told.compareAndSet(false, true)) {
        return;
      }
      inputs.cancelled();
      try {
        write(output, last);
      } catch (IOException e) {
        // The client is gone too.
      }
      finish();
    }

    @Override
    public void onCompleted() {
      inputs.complete();
      finish();
    }

    private void finish() {
      end.countDown();
      try {
        // Wakes the connection's thread from its read of the client's next input.
        onEnd.close();
      } catch (Exception e) {
        // Closed already.
      }
    }

    boolean ended() {
      return end.getCount() == 0;
    }

    /** The client left (or the run is over): cancel the call if it still runs. */
    void clientGone() {
      if (!ended()) {
        call.cancel("the client of the run went away", null);
      }
    }

    private static String describe(Status status) {
      return status.getDescription() != null
          ? status.getDescription()
          : status.getCode().toString();
    }

    /** A start the running node turned down, as opposed to a call that broke. */
    private static boolean isRefusal(Status status) {
      return switch (status.getCode()) {
        case PERMISSION_DENIED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> true;
        default -> false;
      };
    }

    private static Error.Code codeOf(Status status) {
      return switch (status.getCode()) {
        case PERMISSION_DENIED -> Error.Code.PERMISSION;
        case INVALID_ARGUMENT -> Error.Code.INVALID;
        case RESOURCE_EXHAUSTED -> Error.Code.BUSY;
        default -> Error.Code.UNAVAILABLE;
      };
    }
  }
}
