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
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.onefold.node.transport.Signals;
import org.onefold.node.transport.StreamSender;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.Output;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.Started;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One program run for a Run call of ProcService, from its start to its end: starts it as the user
 * the calling node vouches for, gives it a cpid, writes its stdin, sends its output as fast as the
 * caller reads (back-pressure), reports its end, and hangs it up if the caller goes away. A
 * detached program's call ends once it has started; its end is kept (table and {@link Endings}) for
 * a later wait.
 *
 * <p>Threads: gRPC hands inputs to {@link #onNext}, which only queues them; the run's input thread
 * (virtual) starts the program and writes its stdin, so that gRPC's thread never blocks (the call's
 * on-ready callbacks run on it); two virtual threads read stdout and stderr, a fourth waits for the
 * end. The table is shared with ProcService and guarded by its own monitor.
 */
final class RunningProgram implements StreamObserver<RunInput> {
  private static final Logger log = LoggerFactory.getLogger(RunningProgram.class);

  /**
   * The most output one event carries. A pipe holds 64 KiB, so a read brings at most that; a chunk
   * gathers what is already there on top (see {@link #readChunk}): fewer, larger events carry a
   * fast stream with less work per byte on every hop.
   */
  private static final int OUTPUT_CHUNK_BYTES = 256 * 1024;

  /** How long a program's streams must be quiet after its end before the end is reported. */
  private static final Duration OUTPUT_QUIET_AFTER_END = Duration.ofMillis(200);

  private static final Duration OUTPUT_CHECK = Duration.ofMillis(20);

  private final int node;
  private final ProgramLauncher launcher;
  private final InstantSource clock;
  private final ProcScanner scanner;

  /** Shared with ProcService; guarded by itself. */
  private final ProcessTable table;

  private final Endings endings;
  private final Optional<ProgramCgroups> cgroups;

  private final ServerCallStreamObserver<RunEvent> call;
  private final StreamSender<RunEvent> events;
  private final int callerNode;

  /** Set once by the first input, on gRPC's thread; read by the others after. */
  private volatile Process process;

  private volatile int cpid;

  /** Set by the start, before the program runs. */
  private volatile boolean detached;

  /** Set when the call is over, whichever way; the input thread then stops. */
  private volatile boolean ended;

  private final Thread inputThread;

  RunningProgram(
      ServerCallStreamObserver<RunEvent> call,
      int callerNode,
      int node,
      ProgramLauncher launcher,
      InstantSource clock,
      ProcScanner scanner,
      ProcessTable table,
      Endings endings,
      Optional<ProgramCgroups> cgroups) {
    this.node = node;
    this.endings = endings;
    this.cgroups = cgroups;
    this.launcher = launcher;
    this.clock = clock;
    this.scanner = scanner;
    this.table = table;
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
   * Takes the input off gRPC's thread: writing stdin may block while the program is busy, and gRPC
   * runs this call's on-ready callbacks on the same serialized thread, so blocking here would keep
   * output from ever being sent again.
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
    // A detached program has no one at a terminal: it gets none.
    RunStart start =
        input.getStart().getDetach()
            ? input.getStart().toBuilder().setTty(false).build()
            : input.getStart();
    detached = start.getDetach();
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
      started = launcher.launch(start, start.getCredentials(), cgroupFor(cpid));
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
          clock.millis(),
          new ProcessTable.Start(start.getParentCpid(), detached));
    }
    endings.of(cpid);
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
    if (detached) {
      // Its streams are the wrapper's business (/dev/null and its output file); the call is done.
      ended = true;
      events.complete();
      Thread.ofVirtual().name("cpid-" + cpid + "-end").start(() -> awaitDetachedEnd(started));
      return;
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
    Thread.ofVirtual().name("cpid-" + cpid + "-end").start(() -> awaitEnd(started, stdout, stderr));
  }

  /** The program's own cgroup, if this node gives programs one; without it, its session. */
  private Optional<Path> cgroupFor(int cpid) {
    if (cgroups.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(cgroups.get().procsFileFor(cpid));
    } catch (IOException e) {
      log.warn("no cgroup for cpid {}; its descendants are known by its session: {}", cpid, e);
      return Optional.empty();
    }
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

  /** Per stream (index fd - 1): when its pump last got data, and whether it waits for more. */
  private final long[] lastOutputNanos = new long[2];

  private final boolean[] awaitingOutput = new boolean[2];

  /** Sends what the program writes on fd, chunk by chunk, as fast as the caller reads. */
  private void pump(InputStream output, int fd) {
    byte[] buffer = new byte[OUTPUT_CHUNK_BYTES];
    try (output) {
      int count;
      while (true) {
        synchronized (awaitingOutput) {
          awaitingOutput[fd - 1] = true;
        }
        count = readChunk(output, buffer);
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

  /**
   * Reads what the program has written: blocks for the first bytes, then takes what is already
   * waiting in the pipe, without blocking, until buffer is full. -1 at the stream's end.
   */
  private static int readChunk(InputStream output, byte[] buffer) throws IOException {
    int count = output.read(buffer);
    while (count > 0 && count < buffer.length && output.available() > 0) {
      int more = output.read(buffer, count, buffer.length - count);
      if (more <= 0) {
        break;
      }
      count += more;
    }
    return count;
  }

  private void awaitEnd(Process program, Thread stdout, Thread stderr) {
    try {
      int status = program.waitFor();
      awaitOutput(stdout, stderr);
      ProcessTable.Ending ending = endingOf(status);
      synchronized (table) {
        table.exited(cpid, ending);
        table.reap(cpid);
      }
      endings.ended(cpid, ending);
      endings.forget(cpid);
      events.send(
          RunEvent.newBuilder()
              .setExited(Exited.newBuilder().setStatus(ending.status()).setSignal(ending.signal()))
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

  /** A detached program's end is kept in the table, unreaped, until someone waits for it. */
  private void awaitDetachedEnd(Process program) {
    try {
      ProcessTable.Ending ending = endingOf(program.waitFor());
      synchronized (table) {
        table.exited(cpid, ending);
      }
      endings.ended(cpid, ending);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ProcessTable.Ending endingOf(int status) {
    int signal = status > 128 && status <= 128 + Signals.SIGNAL_MAX ? status - 128 : 0;
    return new ProcessTable.Ending(status, signal);
  }

  /**
   * After the program's end: waits until its output is all sent, that is, until both streams reach
   * their end, or until both have been quiet for a moment. A child the program left behind may hold
   * the streams open for ever; the program's end is reported without waiting for it (as a shell
   * reports a job's end while its orphans run on).
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
      return awaitingOutput[index] && System.nanoTime() - since >= OUTPUT_QUIET_AFTER_END.toNanos();
    }
  }

  /** The caller cancelled or its connection broke: hang the program up, as a terminal would. */
  void callerGone() {
    if (detached) {
      // Its call ended when it started; the program runs on.
      return;
    }
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

  /** A start refused before the program ran, with the gRPC status that says why. */
  private static final class RefusedException extends Exception {
    final Status status;

    RefusedException(Status status, String message) {
      super(message);
      this.status = status;
    }
  }
}
