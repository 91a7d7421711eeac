package org.onefold.node.proc;

import com.google.protobuf.ByteString;
import com.pty4j.PtyProcess;
import com.pty4j.WinSize;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.onefold.node.transport.NodeCertificateInterceptor;
import org.onefold.node.transport.Signals;
import org.onefold.node.transport.StreamSender;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.ListReply;
import org.onefold.proto.proc.ListRequest;
import org.onefold.proto.proc.Output;
import org.onefold.proto.proc.ProcRpcGrpc;
import org.onefold.proto.proc.ProcessInfo;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.SignalReply;
import org.onefold.proto.proc.SignalRequest;
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

  /** How long a program's streams must be quiet after its end before the end is reported. */
  private static final java.time.Duration OUTPUT_QUIET_AFTER_END = java.time.Duration.ofMillis(200);

  private static final java.time.Duration OUTPUT_CHECK = java.time.Duration.ofMillis(20);

  private final int node;
  private final ProgramLauncher launcher;
  private final InstantSource clock;

  /** Guarded by itself. */
  private final ProcessTable table;

  private final ProcScanner scanner = new ProcScanner(Path.of("/proc"));

  /** Clock ticks per second of /proc's times (sysconf(_SC_CLK_TCK); 100 on Linux). */
  private static final long CLOCK_TICKS_PER_SECOND = 100;

  public ProcService(int node, int daemonUid, java.nio.file.Path socket, InstantSource clock)
      throws IOException {
    ProgramLauncher.checkTools();
    this.node = node;
    this.launcher = new ProgramLauncher(daemonUid, socket);
    this.clock = clock;
    this.table = new ProcessTable(node, Limits.PROCESSES_MAX);
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListReply> responses) {
    responses.onNext(ListReply.newBuilder().addAllProcesses(processes(request)).build());
    responses.onCompleted();
  }

  /**
   * This node's processes with cpids: those started through Onefold and the processes of their
   * sessions (what they forked, unless it left the session), or every process with all. A process
   * seen for the first time is given a cpid here.
   */
  List<ProcessInfo> processes(ListRequest request) {
    List<ProcScanner.Found> found = scanner.scan();
    Map<Integer, String> users = ProcScanner.userNames();
    List<ProcessInfo> infos = new ArrayList<>();
    synchronized (table) {
      Set<Long> startedSessions = new HashSet<>();
      for (ProcessTable.Entry entry : table.all()) {
        if (!entry.adopted() && entry.ending().isEmpty()) {
          startedSessions.add(entry.pid());
        }
      }
      Set<ProcessTable.Seen> alive = new HashSet<>();
      Map<Long, Integer> cpidByPid = new HashMap<>();
      for (ProcScanner.Found process : found) {
        alive.add(process.seen());
        Optional<ProcessTable.Entry> known = table.byPid(process.seen());
        if (known.isPresent()) {
          cpidByPid.put(process.stat().pid(), known.get().cpid());
        } else if (request.getAll() || startedSessions.contains(process.stat().session())) {
          table
              .adopt(process.seen(), process.realUid(), process.argv(), clock.millis())
              .ifPresent(cpid -> cpidByPid.put(process.stat().pid(), cpid));
        }
      }
      table.keepAdopted(alive);
      for (ProcScanner.Found process : found) {
        Integer cpid = cpidByPid.get(process.stat().pid());
        if (cpid == null || (request.getCpid() != 0 && request.getCpid() != cpid)) {
          continue;
        }
        boolean started = table.get(cpid).map(entry -> !entry.adopted()).orElse(false);
        boolean shown =
            request.getAll()
                || request.getCpid() != 0
                || started
                || startedSessions.contains(process.stat().session());
        if (!shown) {
          continue;
        }
        infos.add(
            ProcessInfo.newBuilder()
                .setCpid(cpid)
                .setNode(node)
                .setPid((int) process.stat().pid())
                .setUid(process.realUid())
                .setUser(users.getOrDefault(process.realUid(), Integer.toString(process.realUid())))
                // A started program's parent is the daemon; it shows none.
                .setPpid(started ? 0 : cpidByPid.getOrDefault(process.stat().ppid(), 0))
                .setPgid(cpidByPid.getOrDefault(process.stat().pgrp(), 0))
                .setStat(Character.toString(process.stat().state()))
                .setCpuMillis(process.stat().cpuTicks() * 1000 / CLOCK_TICKS_PER_SECOND)
                .setCommand(process.command())
                .setStarted(started)
                .build());
      }
    }
    return infos;
  }

  @Override
  public void signal(SignalRequest request, StreamObserver<SignalReply> responses) {
    responses.onNext(SignalReply.newBuilder().setErrno(signal(request)).build());
    responses.onCompleted();
  }

  /** kill(2) with its rules, for the user the calling node vouches for: 0 or an errno. */
  private int signal(SignalRequest request) {
    if (request.getSignal() < 0 || request.getSignal() > Signals.SIGNAL_MAX) {
      return Errno.EINVAL;
    }
    if (!request.hasCredentials()) {
      return Errno.EPERM;
    }
    Optional<ProcessTable.Entry> entry;
    synchronized (table) {
      entry = table.get(request.getCpid()).filter(known -> known.ending().isEmpty());
    }
    Optional<ProcScanner.Found> process =
        entry
            .flatMap(known -> scanner.read(known.pid()))
            .filter(found -> found.stat().startTicks() == entry.get().startTicks());
    if (process.isEmpty()) {
      return Errno.ESRCH;
    }
    int caller = request.getCredentials().getUid();
    // kill(2): root, or the sender's uid is the target's real or saved uid.
    if (caller != 0 && caller != process.get().realUid() && caller != process.get().savedUid()) {
      return Errno.EPERM;
    }
    long pid = process.get().stat().pid();
    if (request.getGroup()) {
      if (process.get().stat().pgrp() != pid) {
        return Errno.ESRCH;
      }
      return Signals.signalGroup(pid, request.getSignal());
    }
    return Signals.signalProcess(pid, request.getSignal());
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
            scanner.read(started.pid()).map(found -> found.stat().startTicks()).orElse(0L),
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
              // On a terminal, errors come through the terminal: one stream.
              .start(
                  () ->
                      pump(
                          start.getTty() ? InputStream.nullInputStream() : started.getErrorStream(),
                          2));
      Thread.ofVirtual()
          .name("cpid-" + cpid + "-end")
          .start(() -> awaitEnd(started, stdout, stderr));
    }

    private void feed(RunInput input) {
      switch (input.getKindCase()) {
        case STDIN -> writeStdin(input.getStdin());
        case STDIN_CLOSED -> closeStdin();
        case WINDOW -> {
          if (process instanceof PtyProcess terminal && input.getWindow().getColumns() > 0) {
            terminal.setWinSize(
                new WinSize(input.getWindow().getColumns(), input.getWindow().getRows()));
          }
        }
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
    /** Per stream (index fd - 1): when its pump last got data, and whether it waits for more. */
    private final long[] lastOutputNanos = new long[2];

    private final boolean[] awaitingOutput = new boolean[2];

    private void pump(InputStream output, int fd) {
      byte[] buffer = new byte[OUTPUT_CHUNK_BYTES];
      try (output) {
        int count;
        while (true) {
          synchronized (awaitingOutput) {
            awaitingOutput[fd - 1] = true;
          }
          count = output.read(buffer);
          synchronized (awaitingOutput) {
            awaitingOutput[fd - 1] = false;
            lastOutputNanos[fd - 1] = System.nanoTime();
          }
          if (count <= 0) {
            break;
          }
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
        awaitOutput(stdout, stderr);
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

    /**
     * After the program's end: waits until its output is all sent, that is, until both streams
     * reach their end, or until both have been quiet for a moment. A child the program left behind
     * may hold the streams open for ever; the program's end is reported without waiting for it (as
     * a shell reports a job's end while its orphans run on).
     */
    private void awaitOutput(Thread stdout, Thread stderr) throws InterruptedException {
      long end = System.nanoTime();
      while (stdout.isAlive() || stderr.isAlive()) {
        if (quiet(stdout, 0, end) && quiet(stderr, 1, end)) {
          return;
        }
        stdout.join(OUTPUT_CHECK);
        stderr.join(OUTPUT_CHECK);
      }
    }

    /** True if pump ended, or has waited for data since the program's end for a moment. */
    private boolean quiet(Thread pump, int index, long endNanos) {
      if (!pump.isAlive()) {
        return true;
      }
      synchronized (awaitingOutput) {
        long since = Math.max(lastOutputNanos[index], endNanos);
        return awaitingOutput[index]
            && System.nanoTime() - since >= OUTPUT_QUIET_AFTER_END.toNanos();
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
