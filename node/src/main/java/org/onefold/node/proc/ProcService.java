package org.onefold.node.proc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.onefold.node.transport.NodeCertificateInterceptor;
import org.onefold.node.transport.Signals;
import org.onefold.node.transport.StreamSender;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.Output;
import org.onefold.proto.proc.ProcRpcGrpc;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.Started;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs on this node for other nodes (and for itself): the running end of {@code ssi
 * onnode}. A Run call starts the program as the user the calling node vouches for (that node took
 * the user from its kernel; the caller is the node its certificate names), gives it a cpid from
 * this node's {@link ProcessTable}, and then carries its streams both ways with back-pressure:
 * stdin is written as the call delivers it, one message at a time; output is sent only as fast as
 * the caller reads. The call ends with the program's status. A caller that goes away hangs the
 * program up (SIGHUP to its process group), as a closed terminal would.
 *
 * <p>Threads: gRPC delivers a call's inputs one at a time; two virtual threads per program read its
 * stdout and stderr; a third waits for its end. The table is guarded by its own monitor.
 */
public final class ProcService extends ProcRpcGrpc.ProcRpcImplBase {
  private static final Logger log = LoggerFactory.getLogger(ProcService.class);
  private static final int OUTPUT_CHUNK_BYTES = 32 * 1024;

  private final int node;
  private final ProgramLauncher launcher;
  private final InstantSource clock;

  /** Guarded by itself. */
  private final ProcessTable table;

  public ProcService(int node, int daemonUid, java.nio.file.Path socket, InstantSource clock)
      throws IOException {
    ProgramLauncher.checkTools();
    this.node = node;
    this.launcher = new ProgramLauncher(daemonUid, socket);
    this.clock = clock;
    this.table = new ProcessTable(node, Limits.PROCESSES_MAX);
  }

  @Override
  public StreamObserver<RunInput> run(StreamObserver<RunEvent> responses) {
    ServerCallStreamObserver<RunEvent> call = (ServerCallStreamObserver<RunEvent>) responses;
    Integer caller = NodeCertificateInterceptor.CALLER_NODE.get();
    call.disableAutoRequest();
    Run run = new Run(call, caller == null ? 0 : caller);
    call.setOnCancelHandler(run::callerGone);
    call.request(1);
    return run;
  }

  /** One program, from its start to its end. */
  private final class Run implements StreamObserver<RunInput> {
    private final ServerCallStreamObserver<RunEvent> call;
    private final StreamSender<RunEvent> events;
    private final int callerNode;

    /** Set once by the first input, on gRPC's thread; read by the others after. */
    private volatile Process process;

    private volatile int cpid;

    /** Set when the call is over, whichever way; the input thread then stops. */
    private volatile boolean ended;

    private final Thread inputThread;

    Run(ServerCallStreamObserver<RunEvent> call, int callerNode) {
      this.call = call;
      this.events = new StreamSender<>(call);
      this.callerNode = callerNode;
      this.inputThread = Thread.ofVirtual().name("run-input").start(this::handleInputs);
    }

    /**
     * Inputs gRPC delivered, for the run's input thread. Holds at most one: the next is asked for
     * only once this one is handled (flow control).
     */
    private final BlockingQueue<RunInput> inputs = new LinkedBlockingQueue<>();

    /**
     * Takes the input off gRPC's thread: writing stdin may block while the program is busy, and
     * gRPC runs this call's on-ready callbacks on the same serialized thread, so blocking here
     * would keep output from ever being sent again.
     */
    @Override
    public void onNext(RunInput input) {
      inputs.add(input);
    }

    /** The run's input thread: starts the program, then feeds it its inputs, one at a time. */
    private void handleInputs() {
      try {
        while (!ended) {
          RunInput input = inputs.take();
          if (process == null) {
            start(input);
          } else {
            feed(input);
          }
          call.request(1);
        }
      } catch (RefusedException e) {
        ended = true;
        events.fail(e.status.withDescription(e.getMessage()).asRuntimeException());
      } catch (InterruptedException e) {
        // The call ended.
      }
    }

    private void start(RunInput input) throws RefusedException {
      if (!input.hasStart()) {
        throw new RefusedException(Status.INVALID_ARGUMENT, "a run begins with its start");
      }
      RunStart start = input.getStart();
      if (callerNode == 0 || !start.hasCredentials()) {
        throw new RefusedException(
            Status.PERMISSION_DENIED, "a run needs a calling node and the user it vouches for");
      }
      if (start.getArgvCount() == 0 || start.getArgv(0).isEmpty()) {
        throw new RefusedException(Status.INVALID_ARGUMENT, "no program to run");
      }
      String refusal = launcher.refusal(start.getCredentials());
      if (!refusal.isEmpty()) {
        throw new RefusedException(Status.PERMISSION_DENIED, refusal);
      }
      Optional<Integer> reserved;
      synchronized (table) {
        reserved = table.reserve();
      }
      if (reserved.isEmpty()) {
        throw new RefusedException(
            Status.RESOURCE_EXHAUSTED,
            "node " + node + " runs " + Limits.PROCESSES_MAX + " programs already (EAGAIN)");
      }
      cpid = reserved.get();
      Process started;
      try {
        started = launcher.launch(start, start.getCredentials());
      } catch (IOException e) {
        synchronized (table) {
          table.release(cpid);
        }
        // E2BIG (argument list too long) and the like: the program never ran.
        throw new RefusedException(
            Status.INVALID_ARGUMENT, "cannot start " + start.getArgv(0) + ": " + e.getMessage());
      }
      process = started;
      synchronized (table) {
        table.started(
            cpid,
            started.pid(),
            start.getCredentials().getUid(),
            start.getArgvList(),
            clock.millis());
      }
      log.debug(
          "cpid {} (pid {}) started for node {}: {}",
          cpid,
          started.pid(),
          callerNode,
          start.getArgvList());
      try {
        events.send(
            RunEvent.newBuilder()
                .setStarted(
                    Started.newBuilder().setCpid(cpid).setNode(node).setPid((int) started.pid()))
                .build());
      } catch (InterruptedIOException e) {
        callerGone();
      }
      Thread stdout =
          Thread.ofVirtual()
              .name("cpid-" + cpid + "-stdout")
              .start(() -> pump(started.getInputStream(), 1));
      Thread stderr =
          Thread.ofVirtual()
              .name("cpid-" + cpid + "-stderr")
              .start(() -> pump(started.getErrorStream(), 2));
      Thread.ofVirtual()
          .name("cpid-" + cpid + "-end")
          .start(() -> awaitEnd(started, stdout, stderr));
    }

    private void feed(RunInput input) {
      switch (input.getKindCase()) {
        case STDIN -> writeStdin(input.getStdin());
        case STDIN_CLOSED -> closeStdin();
        case SIGNAL -> {
          int signal = input.getSignal();
          if (signal > 0 && signal <= Signals.SIGNAL_MAX) {
            Signals.signalGroup(process.pid(), signal);
          }
        }
        case START, KIND_NOT_SET -> {}
      }
    }

    private void writeStdin(ByteString data) {
      OutputStream stdin = process.getOutputStream();
      try {
        data.writeTo(stdin);
        stdin.flush();
      } catch (IOException e) {
        // The program closed its stdin or ended: what it did not read is dropped, as with a pipe.
      }
    }

    private void closeStdin() {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // Closed already.
      }
    }

    /** Sends what the program writes on fd, chunk by chunk, as fast as the caller reads. */
    private void pump(InputStream output, int fd) {
      byte[] buffer = new byte[OUTPUT_CHUNK_BYTES];
      try (output) {
        int count;
        while ((count = output.read(buffer)) > 0) {
          events.send(
              RunEvent.newBuilder()
                  .setOutput(
                      Output.newBuilder().setFd(fd).setData(ByteString.copyFrom(buffer, 0, count)))
                  .build());
        }
      } catch (IOException e) {
        // The caller went away (the program is hung up) or the pipe broke: nothing more to send.
      }
    }

    private void awaitEnd(Process program, Thread stdout, Thread stderr) {
      try {
        int status = program.waitFor();
        stdout.join();
        stderr.join();
        int signal = status > 128 && status <= 128 + Signals.SIGNAL_MAX ? status - 128 : 0;
        ProcessTable.Ending ending = new ProcessTable.Ending(status, signal);
        synchronized (table) {
          table.exited(cpid, ending);
          table.reap(cpid);
        }
        events.send(
            RunEvent.newBuilder()
                .setExited(Exited.newBuilder().setStatus(status).setSignal(signal))
                .build());
        events.complete();
        ended = true;
        inputThread.interrupt();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (InterruptedIOException e) {
        // The caller is gone; it was told nothing more.
      }
    }

    /** The caller cancelled or its connection broke: hang the program up, as a terminal would. */
    void callerGone() {
      ended = true;
      inputThread.interrupt();
      events.cancelled();
      Process running = process;
      if (running != null && running.isAlive()) {
        Signals.signalGroup(running.pid(), Signals.SIGHUP);
      }
    }

    @Override
    public void onError(Throwable error) {
      callerGone();
    }

    @Override
    public void onCompleted() {
      // The caller sends nothing more; the program may still have output and an end to report.
      inputs.add(RunInput.newBuilder().setStdinClosed(true).build());
    }
  }

  /** A start refused before the program ran, with the gRPC status that says why. */
  private static final class RefusedException extends Exception {
    final Status status;

    RefusedException(Status status, String message) {
      super(message);
      this.status = status;
    }
  }
}
